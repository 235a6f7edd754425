package token

import (
	"context"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of RemoteOptions.
const (
	DefaultMinRefreshInterval = time.Minute
	DefaultJWKSTTL            = 15 * time.Minute
	DefaultMaxJWKSTTL         = 24 * time.Hour
	DefaultMaxJWKSBytes       = 1 << 20
	DefaultFetchTimeout       = 10 * time.Second
)

// maxRedirects bounds the redirects the default client follows.
const maxRedirects = 3

// RemoteOptions configure a RemoteKeySet. The zero value is usable: every
// zero field means its default.
type RemoteOptions struct {
	// Client fetches the JWKS (and the discovery document). Nil means a
	// client that follows at most 3 redirects, each to an https URL (or
	// http to a loopback host).
	Client *http.Client
	// FetchTimeout bounds one fetch, whatever Client does; default 10s.
	// A fetch runs on its own and outlives a caller that gives up waiting.
	FetchTimeout time.Duration
	// MinRefreshInterval is the least time between two fetches: a token
	// with an unknown kid triggers a fetch at most once per interval, and
	// so does a failing endpoint; default 1 minute.
	MinRefreshInterval time.Duration
	// DefaultTTL is how long a JWKS is fresh when the response has no
	// Cache-Control max-age; default 15 minutes.
	DefaultTTL time.Duration
	// MaxTTL caps a max-age; default 24 hours.
	MaxTTL time.Duration
	// MaxStale is how long past its expiry a JWKS keeps verifying while
	// refetching fails; zero means for as long as the endpoint is down.
	// Bounding it lets an operator revoke a key by removing it even if an
	// attacker keeps the endpoint unreachable.
	MaxStale time.Duration
	// MaxBodyBytes bounds the JWKS (and discovery) response; default 1 MiB.
	MaxBodyBytes int64
	// Now is the clock the cache runs on; nil means time.Now.
	Now func() time.Time
}

// RemoteKeySet is a KeySource that fetches a JWKS over HTTP, as a resource
// server does with the /.well-known/jwks.json of a user pool.
//
// The JWKS is cached for its Cache-Control max-age (no-cache, no-store or
// max-age=0 mean "refetch when next needed"), DefaultTTL without one. A
// kid not in the cache, or an expired cache, causes a refetch, at most one
// per MinRefreshInterval and one at a time: concurrent lookups wait for the
// same fetch. When fetching fails the cached keys keep verifying (up to
// MaxStale); a kid they do not hold is ErrUnknownKey.
//
// Only keys that verify what this package verifies are kept: RSA (at least
// 2048 bits), EC P-256 and Ed25519, with use "sig" or none, an alg that
// agrees with the key type, and a kid; a kid that appears twice is dropped.
// Nothing in a token (jku, x5u) ever changes where keys come from.
//
// It is safe for concurrent use; a lookup of a cached key takes no lock.
type RemoteKeySet struct {
	url          string
	client       *http.Client
	fetchTimeout time.Duration
	minInterval  time.Duration
	defaultTTL   time.Duration
	maxTTL       time.Duration
	maxStale     time.Duration
	maxBody      int64
	now          func() time.Time

	snap atomic.Pointer[remoteSnapshot]

	mu          sync.Mutex
	lastAttempt time.Time    // start of the latest fetch
	lastErr     error        // error of the latest fetch, nil when it succeeded
	flight      *fetchFlight // the fetch in progress, or nil
}

// remoteSnapshot is one fetched JWKS, immutable.
type remoteSnapshot struct {
	keys    map[string]remoteKey
	expires time.Time
}

type remoteKey struct {
	pub crypto.PublicKey
	alg Algorithm
}

// fetchFlight is one fetch that concurrent lookups wait for.
type fetchFlight struct {
	done chan struct{}
	err  error // set before done is closed
}

// NewRemoteKeySet returns a key set that fetches the JWKS at jwksURL when
// first needed (call Refresh to fetch at once). jwksURL must be https, or
// http to a loopback host (localhost, 127.0.0.0/8, ::1). Bad options are
// ErrConfig.
func NewRemoteKeySet(jwksURL string, opts RemoteOptions) (*RemoteKeySet, error) {
	if err := checkFetchURL(jwksURL); err != nil {
		return nil, fmt.Errorf("new remote key set: %w: %w", ErrConfig, err)
	}
	if err := opts.check(); err != nil {
		return nil, fmt.Errorf("new remote key set: %w", err)
	}
	r := &RemoteKeySet{
		url:          jwksURL,
		client:       opts.Client,
		fetchTimeout: orDefault(opts.FetchTimeout, DefaultFetchTimeout),
		minInterval:  orDefault(opts.MinRefreshInterval, DefaultMinRefreshInterval),
		defaultTTL:   orDefault(opts.DefaultTTL, DefaultJWKSTTL),
		maxTTL:       orDefault(opts.MaxTTL, DefaultMaxJWKSTTL),
		maxStale:     opts.MaxStale,
		maxBody:      orDefault(opts.MaxBodyBytes, DefaultMaxJWKSBytes),
		now:          opts.Now,
	}
	if r.client == nil {
		r.client = defaultClient()
	}
	if r.now == nil {
		r.now = time.Now
	}
	return r, nil
}

func (o RemoteOptions) check() error {
	switch {
	case o.FetchTimeout < 0, o.MinRefreshInterval < 0, o.DefaultTTL < 0, o.MaxTTL < 0, o.MaxStale < 0:
		return fmt.Errorf("negative duration in remote options: %w", ErrConfig)
	case o.MaxBodyBytes < 0:
		return fmt.Errorf("negative max body bytes: %w", ErrConfig)
	case o.MaxTTL > 0 && o.DefaultTTL > o.MaxTTL:
		return fmt.Errorf("default ttl %s above max ttl %s: %w", o.DefaultTTL, o.MaxTTL, ErrConfig)
	}
	return nil
}

func orDefault[T int64 | time.Duration](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

// defaultClient refuses redirects that leave https (or loopback http).
func defaultClient() *http.Client {
	return &http.Client{
		Timeout: DefaultFetchTimeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= maxRedirects {
				return fmt.Errorf("more than %d redirects", maxRedirects)
			}
			return checkFetchURL(req.URL.String())
		},
	}
}

// checkFetchURL accepts absolute https URLs, and http ones to a loopback
// host, without user info or fragment.
func checkFetchURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("url %.128q: %w", s, err)
	}
	switch {
	case !u.IsAbs() || u.Host == "":
		return fmt.Errorf("url %.128q is not absolute", s)
	case u.User != nil || u.Fragment != "":
		return fmt.Errorf("url %.128q has user info or a fragment", s)
	case u.Scheme == "https":
		return nil
	case u.Scheme == "http" && isLoopback(u.Hostname()):
		return nil
	}
	return fmt.Errorf("url %.128q: https required (http only to a loopback host)", s)
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// URL returns the JWKS URL.
func (r *RemoteKeySet) URL() string { return r.url }

// VerificationKey implements KeySource. The cache runs on the key set's own
// clock (RemoteOptions.Now); now is not used, as remote keys carry no
// lifecycle. An error matches ErrUnknownKey when the keys at hand do not
// hold kid (and also the cause, such as ErrJWKS, when the refetch failed),
// ErrKeysUnavailable when there are no keys at hand, or ctx's error when
// ctx ends while waiting for a fetch.
func (r *RemoteKeySet) VerificationKey(ctx context.Context, kid string, _ time.Time) (crypto.PublicKey, Algorithm, error) {
	now := r.now()
	snap := r.snap.Load()
	if snap != nil && now.Before(snap.expires) {
		if k, ok := snap.keys[kid]; ok {
			return k.pub, k.alg, nil
		}
	}
	if f := r.startFetch(ctx, now, snap); f != nil {
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, "", fmt.Errorf("wait for jwks: %w", ctx.Err())
		}
	}
	snap = r.snap.Load()
	r.mu.Lock()
	lastErr := r.lastErr
	r.mu.Unlock()
	if snap == nil || r.maxStale > 0 && !now.Before(snap.expires.Add(r.maxStale)) {
		if lastErr != nil {
			return nil, "", fmt.Errorf("key id %.64q: %w: %w", kid, ErrKeysUnavailable, lastErr)
		}
		return nil, "", fmt.Errorf("key id %.64q: %w", kid, ErrKeysUnavailable)
	}
	if k, ok := snap.keys[kid]; ok {
		return k.pub, k.alg, nil
	}
	if lastErr != nil {
		return nil, "", fmt.Errorf("key id %.64q: %w (refetch: %w)", kid, ErrUnknownKey, lastErr)
	}
	return nil, "", fmt.Errorf("key id %.64q: %w", kid, ErrUnknownKey)
}

// startFetch returns the fetch in progress, or starts one if the rate limit
// allows, or returns nil (also when a fetch replaced snap meanwhile). A fetch is allowed when none was ever made, when
// MinRefreshInterval has passed since the last one, or when the cache
// expired after the last one (an expiry earns one fetch).
func (r *RemoteKeySet) startFetch(ctx context.Context, now time.Time, snap *remoteSnapshot) *fetchFlight {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.flight != nil {
		return r.flight
	}
	if r.snap.Load() != snap {
		return nil // a fetch completed since the caller looked: use it
	}
	allowed := r.lastAttempt.IsZero() ||
		!now.Before(r.lastAttempt.Add(r.minInterval)) ||
		snap != nil && !now.Before(snap.expires) && r.lastAttempt.Before(snap.expires)
	if !allowed {
		return nil
	}
	return r.launch(ctx, now)
}

// launch starts a fetch; r.mu is held.
func (r *RemoteKeySet) launch(ctx context.Context, now time.Time) *fetchFlight {
	f := &fetchFlight{done: make(chan struct{})}
	r.flight = f
	r.lastAttempt = now
	// The fetch serves every waiter, so one caller giving up must not
	// cancel it; FetchTimeout bounds it instead.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.fetchTimeout)
	go func() {
		defer cancel()
		snap, err := r.fetch(fctx, now)
		r.mu.Lock()
		if err == nil {
			r.snap.Store(snap)
		}
		r.lastErr = err
		f.err = err
		r.flight = nil
		r.mu.Unlock()
		close(f.done)
	}()
	return f
}

// Refresh fetches the JWKS now, whatever the cache and the rate limit say
// (joining a fetch already in progress), and returns the fetch's error. Use
// it to warm the cache at startup or to fail fast on a wrong URL.
func (r *RemoteKeySet) Refresh(ctx context.Context) error {
	r.mu.Lock()
	f := r.flight
	if f == nil {
		f = r.launch(ctx, r.now())
	}
	r.mu.Unlock()
	select {
	case <-f.done:
		if f.err != nil {
			return fmt.Errorf("refresh jwks: %w", f.err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("refresh jwks: %w", ctx.Err())
	}
}

// fetch gets and parses the JWKS; started is when the fetch began, from
// which the max-age counts.
func (r *RemoteKeySet) fetch(ctx context.Context, started time.Time) (*remoteSnapshot, error) {
	body, h, err := getBounded(ctx, r.client, r.url, "application/jwk-set+json, application/json", r.maxBody)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKS, err)
	}
	keys, err := parseJWKS(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrJWKS, err)
	}
	ttl := cacheTTL(h, r.defaultTTL, r.maxTTL)
	return &remoteSnapshot{keys: keys, expires: started.Add(ttl)}, nil
}

// getBounded GETs u and returns the body of a 200 response, refusing one
// over limit bytes.
func getBounded(ctx context.Context, c *http.Client, u, accept string, limit int64) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", accept)
	resp, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("status %d", resp.StatusCode)
	}
	if resp.ContentLength > limit {
		return nil, nil, fmt.Errorf("body of %d bytes, limit %d", resp.ContentLength, limit)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read body: %w", err)
	}
	if int64(len(body)) > limit {
		return nil, nil, fmt.Errorf("body over %d bytes", limit)
	}
	return body, resp.Header, nil
}

// parseJWKS keeps the usable keys of a JWKS document. A key that does not
// decode, has no kid, is not a supported signature key or whose alg
// disagrees with its type is skipped; a kid that appears twice is dropped
// altogether, since a token naming it would be ambiguous.
func parseJWKS(body []byte) (map[string]remoteKey, error) {
	var doc struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("decode jwks: %w", err)
	}
	if doc.Keys == nil {
		return nil, errors.New("jwks without a keys array")
	}
	keys := make(map[string]remoteKey, len(doc.Keys))
	seen := make(map[string]bool, len(doc.Keys))
	for _, raw := range doc.Keys {
		var j JWK
		if err := json.Unmarshal(raw, &j); err != nil || j.Kid == "" {
			continue
		}
		if seen[j.Kid] {
			delete(keys, j.Kid)
			continue
		}
		seen[j.Kid] = true
		pub, alg, err := j.PublicKey()
		if err != nil {
			continue
		}
		keys[j.Kid] = remoteKey{pub: pub, alg: alg}
	}
	return keys, nil
}

// cacheTTL reads how long a response is fresh from Cache-Control (max-age
// less Age; no-store, no-cache or an invalid max-age mean 0), else def,
// capped at maxTTL.
func cacheTTL(h http.Header, def, maxTTL time.Duration) time.Duration {
	ttl, found := def, false
	for _, line := range h.Values("Cache-Control") {
		for d := range strings.SplitSeq(line, ",") {
			name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
			switch strings.ToLower(strings.TrimSpace(name)) {
			case "no-store", "no-cache":
				return 0
			case "max-age":
				if found {
					continue // the first max-age wins
				}
				found = true
				val = strings.Trim(strings.TrimSpace(val), `"`)
				secs, err := strconv.ParseInt(val, 10, 64)
				if errors.Is(err, strconv.ErrRange) && !strings.HasPrefix(val, "-") {
					secs, err = math.MaxInt64, nil // RFC 9111 §1.2.2: too large means very large
				}
				if err != nil || secs < 0 {
					ttl = 0
					continue
				}
				ttl = time.Duration(min(secs, int64(maxTTL/time.Second)+1)) * time.Second
			}
		}
	}
	if found && ttl > 0 {
		if age, err := strconv.ParseInt(strings.TrimSpace(h.Get("Age")), 10, 64); err == nil && age > 0 {
			ttl -= time.Duration(min(age, int64(ttl/time.Second))) * time.Second
		}
	}
	return min(max(ttl, 0), maxTTL)
}
