package ratelimit

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"
)

type refusal struct {
	class string
	ip    netip.Addr
	retry time.Duration
}

func newSet(t *testing.T, c Config) *Set {
	t.Helper()
	s, err := NewSet(c)
	if err != nil {
		t.Fatalf("NewSet: %v", err)
	}
	return s
}

func guard(t *testing.T, s *Set, class string, ipOf func(*http.Request) netip.Addr) http.Handler {
	t.Helper()
	h, err := s.Middleware(class, ipOf, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte("ok"))
	}))
	if err != nil {
		t.Fatalf("Middleware(%q): %v", class, err)
	}
	return h
}

func serve(h http.Handler, remote string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "/oauth2/token", nil)
	r.RemoteAddr = remote
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestMiddleware429(t *testing.T) {
	clk := newClock()
	var mu sync.Mutex
	var refused []refusal
	s := newSet(t, Config{
		Classes: map[string]Limit{ClassToken: PerMinute(2), ClassHosted: PerMinute(100)},
		Now:     clk.Now,
		OnRefuse: func(r *http.Request, class string, ip netip.Addr, retry time.Duration) {
			mu.Lock()
			defer mu.Unlock()
			refused = append(refused, refusal{class, ip, retry})
		},
	})
	token := guard(t, s, ClassToken, nil)
	hosted := guard(t, s, ClassHosted, nil)

	for i := range 2 {
		if w := serve(token, "198.51.100.9:4000"); w.Code != http.StatusOK || w.Body.String() != "ok" {
			t.Fatalf("request %d: %d %q, want 200 from the handler", i+1, w.Code, w.Body)
		}
	}
	w := serve(token, "198.51.100.9:4001")
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("3rd request: status %d, want 429", w.Code)
	}
	if got := w.Header().Get("Retry-After"); got != "30" {
		t.Errorf("Retry-After %q, want 30 (one token every 30 s)", got)
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want text/plain", ct)
	}
	if body := w.Body.String(); body == "ok" || !strings.Contains(strings.ToLower(body), "too many requests") {
		t.Errorf("body %q", body)
	}
	if len(refused) != 1 || refused[0] != (refusal{ClassToken, netip.MustParseAddr("198.51.100.9"), 30 * time.Second}) {
		t.Errorf("OnRefuse calls %v, want one for token, 198.51.100.9, 30s", refused)
	}

	// Classes have separate buckets; other clients are unaffected.
	if w := serve(hosted, "198.51.100.9:4002"); w.Code != http.StatusOK {
		t.Errorf("hosted class: status %d, want 200", w.Code)
	}
	if w := serve(token, "198.51.100.10:4000"); w.Code != http.StatusOK {
		t.Errorf("another client: status %d, want 200", w.Code)
	}

	clk.Advance(29 * time.Second)
	if w := serve(token, "198.51.100.9:4003"); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") != "1" {
		t.Errorf("after 29 s: status %d Retry-After %q, want 429, 1", w.Code, w.Header().Get("Retry-After"))
	}
	clk.Advance(time.Second)
	if w := serve(token, "198.51.100.9:4004"); w.Code != http.StatusOK {
		t.Errorf("after 30 s: status %d, want 200", w.Code)
	}
}

func TestMiddlewareIPOf(t *testing.T) {
	clk := newClock()
	s := newSet(t, Config{Classes: map[string]Limit{ClassAPI: {Rate: 1, Burst: 1}}, Now: clk.Now})
	h := guard(t, s, ClassAPI, func(r *http.Request) netip.Addr {
		return netip.MustParseAddr(r.Header.Get("X-Test-Client"))
	})
	req := func(client string) int {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.RemoteAddr = "10.0.0.1:1"
		r.Header.Set("X-Test-Client", client)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}
	if req("2001:db8::1") != http.StatusOK || req("2001:db8::2") != http.StatusTooManyRequests || req("2001:db8:0:1::1") != http.StatusOK {
		t.Error("the middleware does not key on the address ipOf returns")
	}
}

func TestMiddlewareRespond(t *testing.T) {
	clk := newClock()
	s := newSet(t, Config{
		Classes: map[string]Limit{ClassAPI: {Rate: 0.5, Burst: 1}},
		Now:     clk.Now,
		Respond: func(w http.ResponseWriter, r *http.Request, class string, retry time.Duration) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"__type":"TooManyRequestsException","message":"Rate exceeded"}`))
		},
	})
	h := guard(t, s, ClassAPI, nil)
	serve(h, "192.0.2.1:1")
	w := serve(h, "192.0.2.1:1")
	if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "TooManyRequestsException") {
		t.Errorf("custom refusal: %d %q", w.Code, w.Body)
	}
	if w.Header().Get("Retry-After") != "2" {
		t.Errorf("Retry-After %q, want 2", w.Header().Get("Retry-After"))
	}
}

func TestMiddlewareOffAndExempt(t *testing.T) {
	clk := newClock()
	s := newSet(t, Config{
		Classes: map[string]Limit{ClassHosted: {}, ClassToken: {Rate: 1, Burst: 1}},
		Exempt:  []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		Now:     clk.Now,
	})
	hosted := guard(t, s, ClassHosted, nil)
	token := guard(t, s, ClassToken, nil)
	for i := range 50 {
		if w := serve(hosted, "192.0.2.1:1"); w.Code != http.StatusOK {
			t.Fatalf("class off: request %d refused", i+1)
		}
		if w := serve(token, "10.1.1.1:1"); w.Code != http.StatusOK {
			t.Fatalf("exempt client: request %d refused", i+1)
		}
	}
	if l, _ := s.Limiter(ClassHosted); l.Len() != 0 {
		t.Errorf("class off tracks %d clients", l.Len())
	}
}

func TestMiddlewareErrors(t *testing.T) {
	s := newSet(t, Config{Classes: map[string]Limit{ClassToken: PerMinute(5)}})
	ok := http.NotFoundHandler()
	if _, err := s.Middleware("tokn", nil, ok); !errors.Is(err, ErrUnknownClass) || !strings.Contains(err.Error(), `"tokn"`) {
		t.Errorf("unknown class: %v, want ErrUnknownClass naming it", err)
	}
	if _, err := s.Middleware(ClassToken, nil, nil); err == nil {
		t.Error("nil handler accepted")
	}
	var nilSet *Set
	if _, err := nilSet.Middleware(ClassToken, nil, ok); !errors.Is(err, ErrUnknownClass) {
		t.Errorf("nil Set: %v, want ErrUnknownClass", err)
	}
}

func TestNewSet(t *testing.T) {
	_, err := NewSet(Config{Classes: map[string]Limit{ClassAPI: PerMinute(5), ClassToken: {Rate: 3}}})
	if !errors.Is(err, ErrInvalidLimit) || !strings.Contains(err.Error(), `"token"`) {
		t.Errorf("invalid class limit: %v, want ErrInvalidLimit naming the class", err)
	}
	if _, err := NewSet(Config{Classes: map[string]Limit{"": PerMinute(5)}}); err == nil {
		t.Error("empty class name accepted")
	}
	if _, err := NewSet(Config{Classes: map[string]Limit{ClassAPI: PerMinute(5)}, MaxKeys: -1}); err == nil {
		t.Error("negative MaxKeys accepted")
	}
	s := newSet(t, Config{Classes: map[string]Limit{ClassToken: PerMinute(5), ClassAPI: {}, ClassHosted: PerMinute(1)}, MaxKeys: 640})
	if got := strings.Join(s.Classes(), ","); got != "api,hosted,token" {
		t.Errorf("Classes() = %s", got)
	}
	if l, ok := s.Limiter(ClassToken); !ok || l.Limit() != PerMinute(5) || l.MaxKeys() != 640 {
		t.Errorf("token Limiter: %v %v", l.Limit(), ok)
	}
	if _, ok := s.Limiter("nope"); ok {
		t.Error("Limiter of an unknown class found")
	}
}
