package risk

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// DefaultRangeURL is the k-anonymity range API of Have I Been Pwned's
// Pwned Passwords; the 5-character hash prefix is appended to it.
const DefaultRangeURL = "https://api.pwnedpasswords.com/range/"

// Range client defaults and bounds.
const (
	defaultRangeTimeout = 2 * time.Second
	// maxRangeBody bounds a response: a padded range is 800–1,000 lines
	// of 40 bytes or so, ~40 KB; anything past 1 MiB is not one.
	maxRangeBody     = 1 << 20
	rangeUserAgent   = "cupola-risk"
	sha1HexLen       = 2 * sha1.Size
	rangePrefixLen   = 5
	rangeSuffixLen   = sha1HexLen - rangePrefixLen
	rangeServiceName = "range"
)

// RangeOptions configure NewRangeChecker.
type RangeOptions struct {
	// BaseURL is where ranges are fetched: BaseURL + the 5-character
	// prefix. Empty means DefaultRangeURL. It must be http or https.
	BaseURL string
	// HTTPClient sends the requests; nil means http.DefaultClient.
	HTTPClient *http.Client
	// Timeout bounds one check, on top of the caller's context; zero
	// means 2 s.
	Timeout time.Duration
	// FailOpen makes a failed check answer false (not breached) beside its
	// error; by default (fail closed) a failed check answers true, so a
	// caller that refuses breached passwords or blocks compromised
	// credentials refuses or blocks. The error is returned either way.
	FailOpen bool
	// MinCount is how many breaches make a password breached; zero means
	// 1. Padding entries (count 0) never match.
	MinCount int
}

// RangeChecker asks a k-anonymity range service (Pwned Passwords' API)
// whether a password is breached. Only the first 5 hex digits of the
// password's SHA-1 leave the process, and with Add-Padding the response
// size does not tell which range was asked either. It is safe for
// concurrent use.
//
// Its fail mode is built in: when the service cannot be asked or answers
// nonsense, Breached returns an *UnavailableError (errors.Is
// ErrUnavailable) together with the fail mode's answer — true unless
// FailOpen. A caller that drops the error still gets the fail mode, never
// a silent "not breached".
type RangeChecker struct {
	base     string
	client   *http.Client
	timeout  time.Duration
	failOpen bool
	minCount int
}

// NewRangeChecker returns a range client, or a *ConfigError for a bad
// base URL or a negative timeout or count.
func NewRangeChecker(o RangeOptions) (*RangeChecker, error) {
	c := &RangeChecker{base: o.BaseURL, client: o.HTTPClient, timeout: o.Timeout, failOpen: o.FailOpen, minCount: o.MinCount}
	if c.base == "" {
		c.base = DefaultRangeURL
	}
	u, err := url.Parse(c.base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, &ConfigError{"RangeOptions.BaseURL", fmt.Sprintf("%q is not an http(s) URL", c.base)}
	}
	if c.client == nil {
		c.client = http.DefaultClient
	}
	switch {
	case c.timeout < 0:
		return nil, &ConfigError{"RangeOptions.Timeout", "must not be negative"}
	case c.timeout == 0:
		c.timeout = defaultRangeTimeout
	}
	switch {
	case c.minCount < 0:
		return nil, &ConfigError{"RangeOptions.MinCount", "must not be negative"}
	case c.minCount == 0:
		c.minCount = 1
	}
	return c, nil
}

// FailMode returns the checker's fail mode.
func (c *RangeChecker) FailMode() FailMode {
	if c.failOpen {
		return FailOpen
	}
	return FailClosed
}

// Breached implements BreachChecker (see RangeChecker for failures).
func (c *RangeChecker) Breached(ctx context.Context, password string) (bool, error) {
	sum := sha1.Sum([]byte(password))
	var hexSum [sha1HexLen]byte
	hex.Encode(hexSum[:], sum[:])
	upper := bytes.ToUpper(hexSum[:])
	found, err := c.lookup(ctx, string(upper[:rangePrefixLen]), upper[rangePrefixLen:])
	if err != nil {
		return !c.failOpen, unavailable(rangeServiceName, err)
	}
	return found, nil
}

// RangeError is a range response that is not one: a bad status, an
// oversized body or a malformed line.
type RangeError struct {
	Status int    // the HTTP status, when that was the trouble
	Line   int    // the 1-based line, when a line was
	Reason string // what was wrong
}

func (e *RangeError) Error() string {
	switch {
	case e.Status != 0:
		return fmt.Sprintf("range response: status %d", e.Status)
	case e.Line != 0:
		return fmt.Sprintf("range response: line %d: %s", e.Line, e.Reason)
	}
	return "range response: " + e.Reason
}

// lookup fetches the range of prefix and reports whether suffix is in it
// with at least minCount breaches.
func (c *RangeChecker) lookup(ctx context.Context, prefix string, suffix []byte) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+prefix, nil)
	if err != nil {
		return false, err
	}
	req.Header.Set("Add-Padding", "true")
	req.Header.Set("User-Agent", rangeUserAgent)
	resp, err := c.client.Do(req)
	if err != nil {
		return false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxRangeBody))
		return false, &RangeError{Status: resp.StatusCode}
	}
	body := &io.LimitedReader{R: resp.Body, N: maxRangeBody + 1}
	sc := bufio.NewScanner(body)
	found := false
	tooLarge := &RangeError{Reason: "body over 1 MiB"}
	for n := 1; sc.Scan(); n++ {
		if body.N <= 0 { // the scanner read past the bound: the body is too large
			return false, tooLarge
		}
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		i := bytes.IndexByte(line, ':')
		if i != rangeSuffixLen || !isHex(line[:i]) {
			return false, &RangeError{Line: n, Reason: "not SUFFIX:COUNT"}
		}
		count, err := strconv.Atoi(string(line[i+1:]))
		if err != nil || count < 0 {
			return false, &RangeError{Line: n, Reason: "bad count"}
		}
		if count >= c.minCount && bytes.EqualFold(line[:i], suffix) {
			found = true
		}
	}
	if body.N <= 0 {
		return false, tooLarge
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return false, &RangeError{Reason: "line too long"}
		}
		return false, err
	}
	return found, nil
}

func isHex(b []byte) bool {
	for _, c := range b {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

var _ BreachChecker = (*RangeChecker)(nil)
