package risk

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rangeServer is a local Pwned Passwords range service holding the given
// passwords with their breach counts, padding each answer with zero-count
// entries as the real one does.
type rangeServer struct {
	*httptest.Server
	requests atomic.Int64
	mu       sync.Mutex
	paths    []string
	padded   []bool
}

func newRangeServer(tb testing.TB, breached map[string]int, handler http.HandlerFunc) *rangeServer {
	tb.Helper()
	rs := &rangeServer{}
	ranges := map[string][]string{}
	for pw, n := range breached {
		sum := sha1.Sum([]byte(pw))
		h := strings.ToUpper(hex.EncodeToString(sum[:]))
		ranges[h[:5]] = append(ranges[h[:5]], fmt.Sprintf("%s:%d", h[5:], n))
	}
	rs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs.requests.Add(1)
		rs.mu.Lock()
		rs.paths = append(rs.paths, r.URL.Path)
		rs.padded = append(rs.padded, r.Header.Get("Add-Padding") == "true")
		rs.mu.Unlock()
		if handler != nil {
			handler(w, r)
			return
		}
		prefix := strings.TrimPrefix(r.URL.Path, "/range/")
		lines := append([]string(nil), ranges[prefix]...)
		for i := range 800 { // padding
			lines = append(lines, fmt.Sprintf("%035X:0", i*7919+1))
		}
		fmt.Fprint(w, strings.Join(lines, "\r\n"))
	}))
	tb.Cleanup(rs.Close)
	return rs
}

func newRangeChecker(tb testing.TB, o RangeOptions) *RangeChecker {
	tb.Helper()
	c, err := NewRangeChecker(o)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

func TestRangeCheckerSendsOnlyAPaddedPrefix(t *testing.T) {
	rs := newRangeServer(t, map[string]int{"hunter2": 17_000, "once-leaked-only": 1}, nil)
	c := newRangeChecker(t, RangeOptions{BaseURL: rs.URL + "/range/"})
	for pw, want := range map[string]bool{"hunter2": true, "once-leaked-only": true, "Hunter2": false, "violet-Comet-2048": false} {
		got, err := c.Breached(t.Context(), pw)
		if err != nil || got != want {
			t.Errorf("Breached(%q) = %v, %v; want %v", pw, got, err, want)
		}
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for i, p := range rs.paths {
		prefix := strings.TrimPrefix(p, "/range/")
		if len(prefix) != 5 || strings.ToUpper(prefix) != prefix || !rs.padded[i] {
			t.Errorf("request %d: path %q, padded %v; want a 5-digit upper-case prefix and Add-Padding", i, p, rs.padded[i])
		}
	}
}

func TestRangeCheckerMinCountAndPadding(t *testing.T) {
	// A real entry with count 0 is padding: never a match.
	sum := sha1.Sum([]byte("padding-twin"))
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	rs := newRangeServer(t, map[string]int{"seen-twice": 2, "seen-once": 1}, nil)
	c := newRangeChecker(t, RangeOptions{BaseURL: rs.URL + "/range/", MinCount: 2})
	if got, _ := c.Breached(t.Context(), "seen-twice"); !got {
		t.Error("seen-twice not breached with MinCount 2")
	}
	if got, _ := c.Breached(t.Context(), "seen-once"); got {
		t.Error("seen-once breached with MinCount 2")
	}
	pad := newRangeServer(t, nil, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintf(w, "%s:0\n", strings.ToLower(h[5:])) })
	if got, err := newRangeChecker(t, RangeOptions{BaseURL: pad.URL + "/"}).Breached(t.Context(), "padding-twin"); got || err != nil {
		t.Errorf("a zero-count entry matched: %v, %v", got, err)
	}
	lower := newRangeServer(t, nil, func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintf(w, "%s:3\n", strings.ToLower(h[5:])) })
	if got, err := newRangeChecker(t, RangeOptions{BaseURL: lower.URL + "/"}).Breached(t.Context(), "padding-twin"); !got || err != nil {
		t.Errorf("a lower-case suffix did not match: %v, %v", got, err)
	}
}

func TestRangeCheckerFailures(t *testing.T) {
	slow := make(chan struct{})
	t.Cleanup(func() { close(slow) })
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
		opts    RangeOptions
		want    func(error) bool
	}{
		{"a 503", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "busy", http.StatusServiceUnavailable) }, RangeOptions{},
			func(err error) bool { re, ok := errors.AsType[*RangeError](err); return ok && re.Status == 503 }},
		{"a malformed line", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "<html>maintenance</html>") }, RangeOptions{},
			func(err error) bool { re, ok := errors.AsType[*RangeError](err); return ok && re.Line == 1 }},
		{"a bad count", func(w http.ResponseWriter, _ *http.Request) { fmt.Fprintf(w, "%035X:many\n", 1) }, RangeOptions{},
			func(err error) bool { _, ok := errors.AsType[*RangeError](err); return ok }},
		{"an endless body", func(w http.ResponseWriter, _ *http.Request) {
			for range 40_000 {
				fmt.Fprintf(w, "%035X:1\r\n", 1)
			}
		}, RangeOptions{}, func(err error) bool {
			re, ok := errors.AsType[*RangeError](err)
			return ok && strings.Contains(re.Reason, "1 MiB")
		}},
		{"a slow server", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-slow:
			case <-r.Context().Done():
			}
		}, RangeOptions{Timeout: 50 * time.Millisecond}, func(err error) bool { return errors.Is(err, context.DeadlineExceeded) }},
	} {
		for _, failOpen := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/failOpen=%v", tc.name, failOpen), func(t *testing.T) {
				rs := newRangeServer(t, nil, tc.handler)
				o := tc.opts
				o.BaseURL, o.FailOpen = rs.URL+"/range/", failOpen
				c := newRangeChecker(t, o)
				got, err := c.Breached(t.Context(), "anything")
				if !errors.Is(err, ErrUnavailable) || !tc.want(err) {
					t.Fatalf("error %v (%T)", err, err)
				}
				if got != !failOpen {
					t.Fatalf("answer %v; the fail mode %v says %v", got, c.FailMode(), !failOpen)
				}
			})
		}
	}
	t.Run("nobody listening", func(t *testing.T) {
		rs := newRangeServer(t, nil, nil)
		url := rs.URL
		rs.Close()
		got, err := newRangeChecker(t, RangeOptions{BaseURL: url + "/"}).Breached(t.Context(), "x")
		if !got || !errors.Is(err, ErrUnavailable) {
			t.Fatalf("%v, %v; want true (fail closed) and ErrUnavailable", got, err)
		}
	})
}

func TestNewRangeCheckerRefusesBadOptions(t *testing.T) {
	for _, o := range []RangeOptions{{BaseURL: "ftp://example.test/"}, {BaseURL: "::not a url"}, {BaseURL: "/range/"}, {Timeout: -time.Second}, {MinCount: -1}} {
		if _, err := NewRangeChecker(o); err == nil {
			t.Errorf("NewRangeChecker(%+v) accepted", o)
		} else if _, ok := errors.AsType[*ConfigError](err); !ok {
			t.Errorf("NewRangeChecker(%+v) = %v, want a *ConfigError", o, err)
		}
	}
	c := newRangeChecker(t, RangeOptions{})
	if c.base != DefaultRangeURL || c.timeout != 2*time.Second || c.minCount != 1 || c.FailMode() != FailClosed {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestCombinedAsksTheOfflineListFirst(t *testing.T) {
	rs := newRangeServer(t, map[string]int{"only-online-3x!": 3}, nil)
	c := Combined(CommonPasswords{}, newRangeChecker(t, RangeOptions{BaseURL: rs.URL + "/range/"}))
	if got, err := c.Breached(t.Context(), "password"); !got || err != nil || rs.requests.Load() != 0 {
		t.Fatalf("a common password: %v, %v, %d requests; want true from the offline list alone", got, err, rs.requests.Load())
	}
	if got, err := c.Breached(t.Context(), "only-online-3x!"); !got || err != nil || rs.requests.Load() != 1 {
		t.Fatalf("an online-only password: %v, %v, %d requests", got, err, rs.requests.Load())
	}
	if got, err := c.Breached(t.Context(), "violet-Comet-2048"); got || err != nil {
		t.Fatalf("a fresh password: %v, %v", got, err)
	}
}

func TestCombinedKeepsTheFailMode(t *testing.T) {
	down := newRangeServer(t, nil, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusBadGateway) })
	closed := Combined(CommonPasswords{}, newRangeChecker(t, RangeOptions{BaseURL: down.URL + "/"}))
	if got, err := closed.Breached(t.Context(), "violet-Comet-2048"); !got || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("fail closed: %v, %v", got, err)
	}
	if got, err := closed.Breached(t.Context(), "password"); !got || err != nil {
		t.Fatalf("the offline list answers without asking: %v, %v", got, err)
	}
	open := Combined(CommonPasswords{}, nil, newRangeChecker(t, RangeOptions{BaseURL: down.URL + "/", FailOpen: true}))
	if got, err := open.Breached(t.Context(), "violet-Comet-2048"); got || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("fail open: %v, %v", got, err)
	}
}

func TestFailModeBreached(t *testing.T) {
	broken := newRangeServer(t, nil, func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusInternalServerError) })
	// The checker fails open, the caller's mode closed: the caller wins.
	c := newRangeChecker(t, RangeOptions{BaseURL: broken.URL + "/", FailOpen: true})
	if got, err := FailClosed.Breached(t.Context(), c, "x"); !got || !errors.Is(err, ErrUnavailable) {
		t.Fatalf("FailClosed: %v, %v", got, err)
	}
	if got, err := FailOpen.Breached(t.Context(), c, "x"); got || err == nil {
		t.Fatalf("FailOpen: %v, %v", got, err)
	}
	if got, err := FailClosed.Breached(t.Context(), nil, "x"); !got || err == nil {
		t.Fatalf("no checker: %v, %v", got, err)
	}
	if got, err := FailOpen.Breached(t.Context(), CommonPasswords{}, "monkey"); !got || err != nil {
		t.Fatalf("a working checker: %v, %v", got, err)
	}
	if FailClosed.String() != "FailClosed" || FailOpen.String() != "FailOpen" {
		t.Fatal("FailMode strings")
	}
}
