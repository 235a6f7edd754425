package trigger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestReceiverVerify(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"version":"1","request":{}}`)
	id := testID(0xc0ffee)
	good := SignDelivery(testSecret, now, id, body)
	_, v2, _ := strings.Cut(good, ",v2=")
	_, v1, _ := strings.Cut(strings.TrimSuffix(good, ",v2="+v2), ",v1=")
	other := []byte("another-secret-the-receiver-does-not-know-9f3k")
	// A v1 signature of "<id>.<body>" covers the same bytes as a v2
	// signature of body would without the "v2." prefix.
	_, spliced, _ := strings.Cut(Sign(testSecret, now, []byte(id+"."+string(body))), ",v1=")

	tests := []struct {
		name      string
		signature string
		delivery  string
		body      []byte
		now       time.Time
		want      error
	}{
		{"a fresh delivery is accepted", good, id, body, now, nil},
		{"a delivery 4 minutes old is accepted", good, id, body, now.Add(4 * time.Minute), nil},
		{"a delivery 6 minutes old is refused", good, id, body, now.Add(6 * time.Minute), ErrSignatureExpired},
		{"a tampered delivery ID is refused", good, testID(0xbad), body, now, ErrSignatureInvalid},
		{"a changed body is refused", good, id, []byte(`{"version":"1","request":{"x":1}}`), now, ErrSignatureInvalid},
		{"a moved timestamp is refused", fmt.Sprintf("t=%d,v2=%s", now.Unix()+1, v2), id, body, now, ErrSignatureInvalid},
		{"a signature under another secret is refused", SignDelivery(other, now, id, body), id, body, now, ErrSignatureInvalid},
		{"a v1-only signature, which binds no delivery ID, is refused", Sign(testSecret, now, body), id, body, now, ErrSignatureInvalid},
		{"a v1 MAC passed off as v2 is refused", fmt.Sprintf("t=%d,v2=%s", now.Unix(), v1), id, body, now, ErrSignatureInvalid},
		{"a v1 MAC of the delivery ID and body spliced into v2 is refused", fmt.Sprintf("t=%d,v2=%s", now.Unix(), spliced), id, body, now, ErrSignatureInvalid},
		{"v2 alone is accepted", fmt.Sprintf("t=%d,v2=%s", now.Unix(), v2), id, body, now, nil},
		{"a missing delivery header is refused", good, "", body, now, ErrSignatureInvalid},
		{"an upper-case delivery ID is refused", SignDelivery(testSecret, now, strings.ToUpper(id), body), strings.ToUpper(id), body, now, ErrSignatureInvalid},
		{"a delivery ID of the wrong length is refused", SignDelivery(testSecret, now, id+"00", body), id + "00", body, now, ErrSignatureInvalid},
		{"a missing signature header is refused", "", id, body, now, ErrSignatureInvalid},
		{"too many v2 signatures are refused", good + strings.Repeat(",v2="+v2, maxSignatures), id, body, now, ErrSignatureInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := NewReceiver(testSecret, ReceiverOptions{Now: func() time.Time { return tc.now }})
			if err != nil {
				t.Fatal(err)
			}
			err = r.Verify(t.Context(), tc.signature, tc.delivery, tc.body)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// capture sends one delivery of the sign-up event through an HTTP trigger
// and returns the request as it arrived.
func capture(t *testing.T, o HTTPOptions) (header http.Header, body []byte) {
	t.Helper()
	s := script(t, func(w http.ResponseWriter, r *http.Request, b []byte) {
		header, body = r.Header.Clone(), b
		echo(`{}`)(w, r, b)
	})
	if err := HTTP[PreSignUpEvent](s.srv.URL, o)(t.Context(), signUpEvent()); err != nil {
		t.Fatal(err)
	}
	return header, body
}

func TestReceiverRefusesAReplayedRequest(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	o := opts()
	o.Now = clock.Now
	header, body := capture(t, o)
	r, err := NewReceiver(testSecret, ReceiverOptions{Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	verify := func() error {
		return r.Verify(t.Context(), header.Get(SignatureHeader), header.Get(DeliveryHeader), body)
	}
	if err := verify(); err != nil {
		t.Fatalf("first time: %v", err)
	}
	clock.Add(DefaultSignatureWindow) // the last instant the signature is valid
	if err := verify(); !errors.Is(err, ErrReplay) {
		t.Fatalf("replayed: err = %v, want ErrReplay", err)
	}
	clock.Add(time.Second)
	if err := verify(); !errors.Is(err, ErrSignatureExpired) {
		t.Fatalf("replayed after the window: err = %v, want ErrSignatureExpired", err)
	}
	if n := r.store.(*ReplayCache).Len(); n != 0 {
		t.Errorf("the cache still holds %d deliveries after the window", n)
	}
}

func TestReceiverRelease(t *testing.T) {
	header, body := capture(t, opts())
	r, _ := NewReceiver(testSecret, ReceiverOptions{})
	sig, id := header.Get(SignatureHeader), header.Get(DeliveryHeader)
	if err := r.Verify(t.Context(), sig, id, body); err != nil {
		t.Fatal(err)
	}
	if err := r.Release(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	if err := r.Verify(t.Context(), sig, id, body); err != nil {
		t.Fatalf("after Release: %v", err)
	}
	if err := r.Verify(t.Context(), sig, id, body); !errors.Is(err, ErrReplay) {
		t.Fatalf("accepted again: err = %v, want ErrReplay", err)
	}
}

func TestReceiverSharedStore(t *testing.T) {
	header, body := capture(t, opts())
	store := NewReplayCache(0, nil)
	a, _ := NewReceiver(testSecret, ReceiverOptions{Store: store})
	b, _ := NewReceiver(testSecret, ReceiverOptions{Store: store})
	sig, id := header.Get(SignatureHeader), header.Get(DeliveryHeader)
	if err := a.Verify(t.Context(), sig, id, body); err != nil {
		t.Fatal(err)
	}
	if err := b.Verify(t.Context(), sig, id, body); !errors.Is(err, ErrReplay) {
		t.Fatalf("replayed to another instance: err = %v, want ErrReplay", err)
	}
}

// failingStore is a shared store that is down.
type failingStore struct{ err error }

func (s failingStore) Add(context.Context, string, time.Time) error { return s.err }
func (s failingStore) Remove(context.Context, string) error         { return s.err }

func TestReceiverStoreErrors(t *testing.T) {
	header, body := capture(t, opts())
	down := errors.New("connection refused")
	r, _ := NewReceiver(testSecret, ReceiverOptions{Store: failingStore{down}})
	if err := r.Verify(t.Context(), header.Get(SignatureHeader), header.Get(DeliveryHeader), body); !errors.Is(err, down) {
		t.Errorf("Verify err = %v, want %v", err, down)
	}
	if err := r.Release(t.Context(), header.Get(DeliveryHeader)); !errors.Is(err, down) {
		t.Errorf("Release err = %v, want %v", err, down)
	}
	t.Run("a bad signature never reaches the store", func(t *testing.T) {
		if err := r.Verify(t.Context(), header.Get(SignatureHeader), testID(1), body); !errors.Is(err, ErrSignatureInvalid) {
			t.Errorf("err = %v, want ErrSignatureInvalid", err)
		}
	})
}

func TestNewReceiverRefusesBadConfiguration(t *testing.T) {
	tests := []struct {
		name   string
		secret []byte
		opts   ReceiverOptions
	}{
		{"a short secret", []byte("short"), ReceiverOptions{}},
		{"a placeholder secret", []byte("changeme-changeme-changeme-changeme"), ReceiverOptions{}},
		{"a negative window", testSecret, ReceiverOptions{Window: -time.Second}},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			if _, err := NewReceiver(tc.secret, tc.opts); !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("err = %v, want ErrInvalidConfig", err)
			}
		})
	}
	t.Run("a custom window bounds the signature and the memory of it", func(t *testing.T) {
		clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
		cache := NewReplayCache(0, clock.Now)
		r, err := NewReceiver(testSecret, ReceiverOptions{Window: 30 * time.Second, Store: cache, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		body := []byte("{}")
		if err := r.Verify(t.Context(), SignDelivery(testSecret, clock.Now(), testID(1), body), testID(1), body); err != nil {
			t.Fatal(err)
		}
		clock.Add(31 * time.Second)
		if n := cache.Len(); n != 0 {
			t.Errorf("Len = %d after the window, want 0", n)
		}
	})
}

// TestHTTPRetryMeetsTheReceiver runs Cupola's retry against a receiver that
// took the delivery and failed after it: the retry is refused unless the
// receiver released the delivery.
func TestHTTPRetryMeetsTheReceiver(t *testing.T) {
	for _, release := range []bool{false, true} {
		t.Run(fmt.Sprintf("release=%t", release), func(t *testing.T) {
			r, _ := NewReceiver(testSecret, ReceiverOptions{})
			var (
				mu    sync.Mutex
				calls int
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
				body, _ := io.ReadAll(req.Body)
				id := req.Header.Get(DeliveryHeader)
				err := r.Verify(req.Context(), req.Header.Get(SignatureHeader), id, body)
				if errors.Is(err, ErrReplay) {
					http.Error(w, `{"errorMessage":"delivery already taken"}`, http.StatusConflict)
					return
				}
				if err != nil {
					http.Error(w, err.Error(), http.StatusUnauthorized)
					return
				}
				mu.Lock()
				calls++
				first := calls == 1
				mu.Unlock()
				if first {
					if release {
						r.Release(req.Context(), id)
					}
					http.Error(w, "database unavailable", http.StatusServiceUnavailable)
					return
				}
				echo(`{"autoConfirmUser":true}`)(w, req, body)
			}))
			t.Cleanup(srv.Close)
			ev := signUpEvent()
			err := HTTP[PreSignUpEvent](srv.URL, opts())(t.Context(), ev)
			if release {
				if err != nil || !ev.Response.AutoConfirmUser {
					t.Fatalf("err = %v, response = %+v", err, ev.Response)
				}
				return
			}
			var se *StatusError
			if !errors.As(err, &se) || se.StatusCode != http.StatusConflict {
				t.Fatalf("err = %v, want the receiver's 409", err)
			}
		})
	}
}
