package trigger

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/iotest"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

// lambda serves handler the way the Lambda runtime would: the body decoded
// into the aws-lambda-go event type, the handler run unchanged, the event it
// returns encoded back; an error becomes Lambda's error JSON. It refuses
// requests that a Receiver refuses.
func lambda[T any](t *testing.T, handler func(context.Context, T) (T, error)) *httptest.Server {
	t.Helper()
	receiver, err := NewReceiver(testSecret, ReceiverOptions{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := receiver.Verify(r.Context(), r.Header.Get(SignatureHeader), r.Header.Get(DeliveryHeader), body); err != nil {
			w.WriteHeader(http.StatusUnauthorized)
			json.NewEncoder(w).Encode(map[string]string{"errorMessage": err.Error()})
			return
		}
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		var ev T
		if err := json.Unmarshal(body, &ev); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		out, err := handler(r.Context(), ev)
		if err != nil {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"errorMessage": err.Error(), "errorType": "errorString"})
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// Handlers as a team would have written them for Cognito.

func autoConfirmExampleCom(_ context.Context, ev events.CognitoEventUserPoolsPreSignup) (events.CognitoEventUserPoolsPreSignup, error) {
	if strings.HasSuffix(ev.Request.UserAttributes["email"], "@example.com") {
		ev.Response.AutoConfirmUser = true
		ev.Response.AutoVerifyEmail = true
	}
	if ev.Request.UserAttributes["email"] == "" {
		return ev, errors.New("email required")
	}
	return ev, nil
}

func addTenantClaims(_ context.Context, ev events.CognitoEventUserPoolsPreTokenGenV2_0) (events.CognitoEventUserPoolsPreTokenGenV2_0, error) {
	ev.Response.ClaimsAndScopeOverrideDetails = events.ClaimsAndScopeOverrideDetailsV2_0{
		IDTokenGeneration: events.IDTokenGenerationV2_0{
			ClaimsToAddOrOverride: map[string]any{"tenant": "acme", "seats": 5},
		},
		AccessTokenGeneration: events.AccessTokenGenerationV2_0{
			ClaimsToAddOrOverride: map[string]any{"tenant": "acme"},
			ScopesToAdd:           []string{"api/" + ev.Request.UserAttributes["custom:plan"]},
			ScopesToSuppress:      []string{"aws.cognito.signin.user.admin"},
		},
	}
	return ev, nil
}

func defineMagicCode(_ context.Context, ev events.CognitoEventUserPoolsDefineAuthChallenge) (events.CognitoEventUserPoolsDefineAuthChallenge, error) {
	switch s := ev.Request.Session; {
	case len(s) == 0:
		ev.Response.ChallengeName = "CUSTOM_CHALLENGE"
	case s[len(s)-1].ChallengeResult:
		ev.Response.IssueTokens = true
	case len(s) >= 3:
		ev.Response.FailAuthentication = true
	default:
		ev.Response.ChallengeName = "CUSTOM_CHALLENGE"
	}
	return ev, nil
}

func opts() HTTPOptions { return HTTPOptions{Secret: testSecret} }

func TestHTTPRunsLambdaHandlersUnchanged(t *testing.T) {
	t.Run("a PreSignUp handler auto-confirms a domain", func(t *testing.T) {
		srv := lambda(t, autoConfirmExampleCom)
		fn := HTTP[PreSignUpEvent](srv.URL, opts())
		ev := signUpEvent()
		if err := fn(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
		if want := (PreSignUpResponse{AutoConfirmUser: true, AutoVerifyEmail: true}); ev.Response != want {
			t.Errorf("response = %+v, want %+v", ev.Response, want)
		}
		if ev.Request.UserAttributes["email"] != "jane@example.com" || ev.Common != signUpEvent().Common {
			t.Errorf("request changed: %+v", ev)
		}
	})
	t.Run("a PreSignUp handler's thrown error comes back as its message", func(t *testing.T) {
		srv := lambda(t, autoConfirmExampleCom)
		ev := signUpEvent()
		ev.Request.UserAttributes = nil
		err := HTTP[PreSignUpEvent](srv.URL, opts())(t.Context(), ev)
		var se *StatusError
		if err == nil || err.Error() != "email required" || !errors.As(err, &se) || se.StatusCode != http.StatusBadRequest {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a V2 pre token generation handler adds claims and scopes", func(t *testing.T) {
		srv := lambda(t, addTenantClaims)
		ev := &PreTokenGenerationV2Event{
			Common:  testCommon(Version2, TriggerTokenGenerationAuthentication),
			Request: PreTokenGenerationV2Request{UserAttributes: map[string]string{"custom:plan": "pro"}, Scopes: []string{"openid"}},
		}
		if err := HTTP[PreTokenGenerationV2Event](srv.URL, opts())(t.Context(), ev); err != nil {
			t.Fatal(err)
		}
		d := ev.Response.ClaimsAndScopeOverrideDetails
		if d == nil || d.IDTokenGeneration == nil || d.AccessTokenGeneration == nil {
			t.Fatalf("response = %+v", ev.Response)
		}
		if d.IDTokenGeneration.ClaimsToAddOrOverride["tenant"] != "acme" || d.IDTokenGeneration.ClaimsToAddOrOverride["seats"] != 5.0 {
			t.Errorf("ID token claims = %v", d.IDTokenGeneration.ClaimsToAddOrOverride)
		}
		if got := d.AccessTokenGeneration.ScopesToAdd; len(got) != 1 || got[0] != "api/pro" {
			t.Errorf("scopes to add = %v", got)
		}
		if got := d.AccessTokenGeneration.ScopesToSuppress; len(got) != 1 || got[0] != "aws.cognito.signin.user.admin" {
			t.Errorf("scopes to suppress = %v", got)
		}
	})
	for _, tc := range []struct {
		name    string
		session []ChallengeResult
		want    DefineAuthChallengeResponse
	}{
		{"a DefineAuthChallenge handler starts with a custom challenge", nil, DefineAuthChallengeResponse{ChallengeName: ChallengeCustom}},
		{"a DefineAuthChallenge handler issues tokens after a right answer", []ChallengeResult{{ChallengeName: ChallengeCustom, ChallengeResult: true}}, DefineAuthChallengeResponse{IssueTokens: true}},
		{"a DefineAuthChallenge handler fails after three wrong answers", []ChallengeResult{{ChallengeName: ChallengeCustom}, {ChallengeName: ChallengeCustom}, {ChallengeName: ChallengeCustom}}, DefineAuthChallengeResponse{FailAuthentication: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := lambda(t, defineMagicCode)
			ev := &DefineAuthChallengeEvent{Common: testCommon(Version1, TriggerDefineAuthChallengeAuthentication), Request: DefineAuthChallengeRequest{Session: tc.session}}
			if err := HTTP[DefineAuthChallengeEvent](srv.URL, opts())(t.Context(), ev); err != nil {
				t.Fatal(err)
			}
			if ev.Response != tc.want {
				t.Errorf("response = %+v, want %+v", ev.Response, tc.want)
			}
		})
	}
	t.Run("an HTTP trigger runs through Invoke like a Go func", func(t *testing.T) {
		srv := lambda(t, autoConfirmExampleCom)
		set := Set{PreSignUp: HTTP[PreSignUpEvent](srv.URL, opts())}
		ev := signUpEvent()
		if err := Invoke(t.Context(), set.EffectiveTimeout(), set.PreSignUp, ev); err != nil || !ev.Response.AutoConfirmUser {
			t.Fatalf("err = %v, response = %+v", err, ev.Response)
		}
	})
}

// scripted serves the given responses in turn (the last one repeats) and
// counts requests.
type scripted struct {
	srv   *httptest.Server
	calls atomic.Int32
}

func script(t *testing.T, steps ...func(w http.ResponseWriter, r *http.Request, body []byte)) *scripted {
	t.Helper()
	s := &scripted{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(s.calls.Add(1)) - 1
		body, _ := io.ReadAll(r.Body)
		steps[min(n, len(steps)-1)](w, r, body)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func status(code int, body string) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}

// echo answers with the request event, its response set to response.
func echo(response string) func(http.ResponseWriter, *http.Request, []byte) {
	return func(w http.ResponseWriter, _ *http.Request, body []byte) {
		var ev map[string]json.RawMessage
		json.Unmarshal(body, &ev)
		ev["response"] = json.RawMessage(response)
		json.NewEncoder(w).Encode(ev)
	}
}

func hang(w http.ResponseWriter, r *http.Request, _ []byte) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

func TestHTTPRetries(t *testing.T) {
	tests := []struct {
		name  string
		steps []func(http.ResponseWriter, *http.Request, []byte)
		opts  func(*HTTPOptions)
		calls int32
		check func(t *testing.T, err error)
	}{
		{
			name:  "a 500 then a 200 succeeds on the second attempt",
			steps: []func(http.ResponseWriter, *http.Request, []byte){status(500, "oops"), echo(`{"autoConfirmUser":true}`)},
			calls: 2,
			check: noError,
		},
		{
			name:  "a 429 then a 200 succeeds on the second attempt",
			steps: []func(http.ResponseWriter, *http.Request, []byte){status(429, "slow down"), echo(`{"autoConfirmUser":true}`)},
			calls: 2,
			check: noError,
		},
		{
			name:  "three 503s give up after three attempts with the last status",
			steps: []func(http.ResponseWriter, *http.Request, []byte){status(503, `{"errorMessage":"down"}`)},
			calls: 3,
			check: func(t *testing.T, err error) {
				var se *StatusError
				if !errors.As(err, &se) || se.StatusCode != 503 || err.Error() != "down" {
					t.Fatalf("err = %v", err)
				}
			},
		},
		{
			name:  "a 400 with Lambda's error JSON fails with its message and no retry",
			steps: []func(http.ResponseWriter, *http.Request, []byte){status(400, `{"errorMessage":"no","errorType":"Error"}`)},
			calls: 1,
			check: func(t *testing.T, err error) {
				if err == nil || err.Error() != "no" {
					t.Fatalf("err = %v, want \"no\"", err)
				}
			},
		},
		{
			name:  "a 2xx with an invalid body is not retried",
			steps: []func(http.ResponseWriter, *http.Request, []byte){status(200, "not json")},
			calls: 1,
			check: isErr(ErrInvalidResponse),
		},
		{
			name: "a redirect is not followed nor retried",
			steps: []func(http.ResponseWriter, *http.Request, []byte){func(w http.ResponseWriter, r *http.Request, _ []byte) {
				http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
			}},
			calls: 1,
			check: func(t *testing.T, err error) {
				var se *StatusError
				if !errors.As(err, &se) || se.StatusCode != http.StatusTemporaryRedirect {
					t.Fatalf("err = %v", err)
				}
			},
		},
		{
			name:  "an attempt that times out is retried",
			steps: []func(http.ResponseWriter, *http.Request, []byte){hang, echo(`{"autoConfirmUser":true}`)},
			opts:  func(o *HTTPOptions) { o.AttemptTimeout = 100 * time.Millisecond },
			calls: 2,
			check: noError,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := script(t, tc.steps...)
			o := opts()
			if tc.opts != nil {
				tc.opts(&o)
			}
			ev := signUpEvent()
			err := HTTP[PreSignUpEvent](s.srv.URL, o)(t.Context(), ev)
			tc.check(t, err)
			if got := s.calls.Load(); got != tc.calls {
				t.Errorf("%d requests, want %d", got, tc.calls)
			}
			if wantConfirmed := err == nil; ev.Response.AutoConfirmUser != wantConfirmed {
				t.Errorf("response = %+v", ev.Response)
			}
		})
	}
}

func noError(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func isErr(target error) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		if !errors.Is(err, target) {
			t.Fatalf("err = %v, want %v", err, target)
		}
	}
}

func TestHTTPUnreachableEndpointIsRetriedThenReported(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	endpoint := srv.URL + "/trigger?token=QUERY-SECRET"
	srv.Close()
	start := time.Now()
	err := HTTP[PreSignUpEvent](endpoint, opts())(t.Context(), signUpEvent())
	if !errors.Is(err, ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	if elapsed := time.Since(start); elapsed < retryBackoff*3 {
		t.Errorf("gave up after %v: fewer than three attempts", elapsed)
	}
	if strings.Contains(err.Error(), "QUERY-SECRET") {
		t.Errorf("error shows the endpoint URL: %v", err)
	}
}

func TestHTTPSlowEndpointIsCutByTheDeadline(t *testing.T) {
	s := script(t, hang)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	ev := signUpEvent()
	err := HTTP[PreSignUpEvent](s.srv.URL, opts())(ctx, ev)
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("returned after %v", elapsed)
	}
	if s.calls.Load() != 1 {
		t.Errorf("%d attempts after the deadline passed", s.calls.Load())
	}
}

func TestHTTPRetriesStayWithinTheDeadline(t *testing.T) {
	s := script(t, status(500, "oops"))
	ctx, cancel := context.WithTimeout(t.Context(), retryBackoff/2)
	defer cancel()
	err := HTTP[PreSignUpEvent](s.srv.URL, opts())(ctx, signUpEvent())
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 500 {
		t.Fatalf("err = %v", err)
	}
	if s.calls.Load() != 1 {
		t.Errorf("%d attempts, want 1: no time was left for a retry", s.calls.Load())
	}
}

func TestHTTPResponseHandling(t *testing.T) {
	tests := []struct {
		name  string
		body  string
		max   int64
		check func(t *testing.T, err error, ev *PreSignUpEvent)
	}{
		{
			name: "an oversized response is refused and changes nothing",
			body: `{"response":{"autoConfirmUser":true},"pad":"` + strings.Repeat("x", 2048) + `"}`,
			max:  1024,
			check: func(t *testing.T, err error, ev *PreSignUpEvent) {
				if !errors.Is(err, ErrResponseTooLarge) || !errors.Is(err, ErrInvalidResponse) {
					t.Fatalf("err = %v", err)
				}
				if ev.Response.AutoConfirmUser {
					t.Error("response applied")
				}
			},
		},
		{
			name: "a response of exactly the limit is accepted",
			body: `{"response":{"autoConfirmUser":true}}`,
			max:  int64(len(`{"response":{"autoConfirmUser":true}}`)),
			check: func(t *testing.T, err error, ev *PreSignUpEvent) {
				if err != nil || !ev.Response.AutoConfirmUser {
					t.Fatalf("err = %v, response = %+v", err, ev.Response)
				}
			},
		},
		{
			name: "a hostile response cannot change the request or the envelope",
			body: `{"userName":"root","triggerSource":"forged","userPoolId":"other","callerContext":{"clientId":"evil"},
				"request":{"userAttributes":{"email":"mallory@evil.example","custom:role":"admin"},"clientMetadata":{"x":"y"}},
				"response":{"autoConfirmUser":true}}`,
			check: func(t *testing.T, err error, ev *PreSignUpEvent) {
				if err != nil {
					t.Fatal(err)
				}
				want := signUpEvent()
				want.Response.AutoConfirmUser = true
				if ev.Common != want.Common || len(ev.Request.UserAttributes) != 1 || ev.Request.UserAttributes["email"] != "jane@example.com" ||
					ev.Request.ClientMetadata != nil || ev.Response != want.Response {
					t.Errorf("event = %+v", ev)
				}
			},
		},
		{
			name: "a response of the wrong type is refused and changes nothing",
			body: `{"response":{"autoConfirmUser":"yes","autoVerifyEmail":true}}`,
			check: func(t *testing.T, err error, ev *PreSignUpEvent) {
				if !errors.Is(err, ErrInvalidResponse) || ev.Response.AutoVerifyEmail {
					t.Fatalf("err = %v, response = %+v", err, ev.Response)
				}
			},
		},
		{
			name:  "a JSON array is refused",
			body:  `[{"response":{"autoConfirmUser":true}}]`,
			check: func(t *testing.T, err error, _ *PreSignUpEvent) { isErr(ErrInvalidResponse)(t, err) },
		},
		{
			name:  "JSON null is refused",
			body:  `null`,
			check: func(t *testing.T, err error, _ *PreSignUpEvent) { isErr(ErrInvalidResponse)(t, err) },
		},
		{
			name:  "an empty body is refused",
			body:  ``,
			check: func(t *testing.T, err error, _ *PreSignUpEvent) { isErr(ErrInvalidResponse)(t, err) },
		},
		{
			name:  "trailing data after the event is refused",
			body:  `{"response":{}} {"response":{"autoConfirmUser":true}}`,
			check: func(t *testing.T, err error, _ *PreSignUpEvent) { isErr(ErrInvalidResponse)(t, err) },
		},
		{
			name: "an event without a response clears the response",
			body: `{"request":{}}`,
			check: func(t *testing.T, err error, ev *PreSignUpEvent) {
				if err != nil || ev.Response != (PreSignUpResponse{}) {
					t.Fatalf("err = %v, response = %+v", err, ev.Response)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := script(t, status(200, tc.body))
			o := opts()
			o.MaxResponseBytes = tc.max
			ev := signUpEvent()
			if tc.name == "an event without a response clears the response" {
				ev.Response.AutoVerifyPhone = true
			}
			tc.check(t, HTTP[PreSignUpEvent](s.srv.URL, o)(t.Context(), ev), ev)
		})
	}
}

func TestHTTPErrorMessages(t *testing.T) {
	tests := []struct {
		name string
		body string
		want string
	}{
		{"Lambda's errorMessage is used", `{"errorType":"Error","errorMessage":"email domain not allowed"}`, "email domain not allowed"},
		{"a plain body is used as an excerpt", "bad request\n", "bad request"},
		{"control and format characters are removed", "line1\r\nline2\x1b[31m\u202eevil\u200b", "line1 line2 [31mevil"},
		{"an errorMessage is sanitized too", `{"errorMessage":"a\nb\u202ec"}`, "a bc"},
		{"invalid UTF-8 is replaced", "bad \xff byte", "bad \uFFFD byte"},
		{"an empty body falls back to the status", "", "trigger endpoint returned status 403"},
		{"a long body is cut", strings.Repeat("a", 1000), strings.Repeat("a", maxMessageRunes) + "…"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := script(t, status(403, tc.body))
			err := HTTP[PreSignUpEvent](s.srv.URL, opts())(t.Context(), signUpEvent())
			if err == nil || err.Error() != tc.want {
				t.Fatalf("err = %q, want %q", err, tc.want)
			}
		})
	}
}

func TestHTTPRetriesAreOneDelivery(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	var (
		mu      sync.Mutex
		headers []http.Header
		bodies  [][]byte
	)
	record := func(r *http.Request, body []byte) {
		mu.Lock()
		defer mu.Unlock()
		headers, bodies = append(headers, r.Header.Clone()), append(bodies, body)
		clock.Add(time.Second) // a retry must not take a new timestamp
	}
	s := script(t,
		func(w http.ResponseWriter, r *http.Request, body []byte) {
			record(r, body)
			w.WriteHeader(502)
		},
		func(w http.ResponseWriter, r *http.Request, body []byte) {
			record(r, body)
			echo(`{}`)(w, r, body)
		})
	o := opts()
	o.Now = clock.Now
	start := clock.Now()
	if err := HTTP[PreSignUpEvent](s.srv.URL, o)(t.Context(), signUpEvent()); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(headers) != 2 {
		t.Fatalf("%d attempts, want 2", len(headers))
	}
	want, _ := json.Marshal(signUpEvent())
	first := headers[0]
	if !validDeliveryID(first.Get(DeliveryHeader)) {
		t.Fatalf("delivery header = %q", first.Get(DeliveryHeader))
	}
	if sig := first.Get(SignatureHeader); !strings.HasPrefix(sig, fmt.Sprintf("t=%d,v1=", start.Unix())) || !strings.Contains(sig, ",v2=") {
		t.Errorf("signature header = %q", sig)
	}
	for i, h := range headers {
		if string(bodies[i]) != string(want) {
			t.Errorf("attempt %d body = %s, want the event JSON %s", i, bodies[i], want)
		}
		for _, name := range []string{DeliveryHeader, SignatureHeader} {
			if h.Get(name) != first.Get(name) {
				t.Errorf("attempt %d %s = %q, first attempt had %q", i, name, h.Get(name), first.Get(name))
			}
		}
		// A receiver still on VerifySignature keeps working.
		if err := VerifySignature(testSecret, h.Get(SignatureHeader), bodies[i], start, 0); err != nil {
			t.Errorf("attempt %d: VerifySignature: %v", i, err)
		}
	}
	receiver, _ := NewReceiver(testSecret, ReceiverOptions{Now: func() time.Time { return start }})
	if err := receiver.Verify(t.Context(), first.Get(SignatureHeader), first.Get(DeliveryHeader), bodies[0]); err != nil {
		t.Fatalf("first attempt: %v", err)
	}
	if err := receiver.Verify(t.Context(), headers[1].Get(SignatureHeader), headers[1].Get(DeliveryHeader), bodies[1]); !errors.Is(err, ErrReplay) {
		t.Errorf("retry after the delivery was taken: err = %v, want ErrReplay", err)
	}
}

func TestHTTPDeliveryIDs(t *testing.T) {
	deliveries := func(t *testing.T, o HTTPOptions, n int) []string {
		t.Helper()
		var (
			mu  sync.Mutex
			ids []string
		)
		s := script(t, func(w http.ResponseWriter, r *http.Request, body []byte) {
			mu.Lock()
			ids = append(ids, r.Header.Get(DeliveryHeader))
			mu.Unlock()
			echo(`{}`)(w, r, body)
		})
		fn := HTTP[PreSignUpEvent](s.srv.URL, o)
		for range n {
			if err := fn(t.Context(), signUpEvent()); err != nil {
				t.Fatal(err)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		return ids
	}
	t.Run("two deliveries of one event have different IDs", func(t *testing.T) {
		ids := deliveries(t, opts(), 2)
		if len(ids) != 2 || !validDeliveryID(ids[0]) || !validDeliveryID(ids[1]) || ids[0] == ids[1] {
			t.Errorf("delivery IDs = %q", ids)
		}
	})
	t.Run("IDs are 128 bits read from Random", func(t *testing.T) {
		o := opts()
		o.Random = bytes.NewReader([]byte("0123456789abcdefABCDEFGHIJKLMNOP"))
		ids := deliveries(t, o, 2)
		want := []string{hex.EncodeToString([]byte("0123456789abcdef")), hex.EncodeToString([]byte("ABCDEFGHIJKLMNOP"))}
		if !slices.Equal(ids, want) {
			t.Errorf("delivery IDs = %q, want %q", ids, want)
		}
	})
	t.Run("a failing Random fails the call before anything is sent", func(t *testing.T) {
		boom := errors.New("entropy exhausted")
		s := script(t, echo(`{}`))
		o := opts()
		o.Random = iotest.ErrReader(boom)
		if err := HTTP[PreSignUpEvent](s.srv.URL, o)(t.Context(), signUpEvent()); !errors.Is(err, boom) {
			t.Errorf("err = %v, want %v", err, boom)
		}
		if s.calls.Load() != 0 {
			t.Errorf("%d requests sent", s.calls.Load())
		}
	})
}

func TestHTTPWrongSecretIsRefusedByTheReceiver(t *testing.T) {
	srv := lambda(t, autoConfirmExampleCom)
	o := opts()
	o.Secret = []byte("another-secret-the-receiver-does-not-know-9f3k")
	err := HTTP[PreSignUpEvent](srv.URL, o)(t.Context(), signUpEvent())
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != http.StatusUnauthorized || !strings.Contains(err.Error(), "signature mismatch") {
		t.Fatalf("err = %v", err)
	}
}

func TestNewHTTPRefusesBadConfiguration(t *testing.T) {
	tests := []struct {
		name     string
		endpoint string
		opts     HTTPOptions
	}{
		{"a short secret", "https://triggers.example.com/", HTTPOptions{Secret: []byte("short")}},
		{"no secret", "https://triggers.example.com/", HTTPOptions{}},
		{"a placeholder secret", "https://triggers.example.com/", HTTPOptions{Secret: []byte("changeme-changeme-changeme-changeme")}},
		{"a secret of one repeated byte", "https://triggers.example.com/", HTTPOptions{Secret: []byte(strings.Repeat("z", MinSecretBytes))}},
		{"a relative URL", "/trigger", opts()},
		{"a non-HTTP scheme", "ftp://triggers.example.com/", opts()},
		{"a URL with credentials", "https://user:pass@triggers.example.com/", opts()},
		{"plain http to a remote host", "http://triggers.example.com/", opts()},
		{"an unparsable URL", "https://[::1", opts()},
		{"a negative response limit", "https://triggers.example.com/", HTTPOptions{Secret: testSecret, MaxResponseBytes: -1}},
		{"a negative attempt timeout", "https://triggers.example.com/", HTTPOptions{Secret: testSecret, AttemptTimeout: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name+" is refused", func(t *testing.T) {
			if _, err := NewHTTP[PreSignUpEvent](tc.endpoint, tc.opts); !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("NewHTTP err = %v", err)
			}
			if err := HTTP[PreSignUpEvent](tc.endpoint, tc.opts)(t.Context(), signUpEvent()); !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("HTTP call err = %v", err)
			}
		})
	}
	t.Run("a type that is not a trigger event is refused", func(t *testing.T) {
		if _, err := NewHTTP[struct{ Response int }]("https://triggers.example.com/", opts()); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("err = %v", err)
		}
	})
	for _, ok := range []struct {
		name     string
		endpoint string
		opts     HTTPOptions
	}{
		{"https", "https://triggers.example.com/cognito", opts()},
		{"plain http to localhost", "http://localhost:9000/", opts()},
		{"plain http to an IPv6 loopback", "http://[::1]:9000/", opts()},
		{"plain http to a remote host with AllowHTTP", "http://triggers.internal/", HTTPOptions{Secret: testSecret, AllowHTTP: true}},
	} {
		t.Run(ok.name+" is accepted", func(t *testing.T) {
			if _, err := NewHTTP[PreSignUpEvent](ok.endpoint, ok.opts); err != nil {
				t.Error(err)
			}
		})
	}
	t.Run("a nil event is an error", func(t *testing.T) {
		fn, _ := NewHTTP[PreSignUpEvent]("https://triggers.example.com/", opts())
		if err := fn(t.Context(), nil); !errors.Is(err, ErrNilEvent) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("changing the secret slice afterwards does not change the trigger", func(t *testing.T) {
		secret := []byte(string(testSecret))
		srv := lambda(t, autoConfirmExampleCom)
		fn := HTTP[PreSignUpEvent](srv.URL, HTTPOptions{Secret: secret})
		secret[0] ^= 0xff
		if err := fn(t.Context(), signUpEvent()); err != nil {
			t.Error(err)
		}
	})
}

func TestHTTPOverTLS(t *testing.T) {
	var calls, conns atomic.Int32
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		body, _ := io.ReadAll(r.Body)
		echo(`{"autoConfirmUser":true}`)(w, r, body)
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)

	t.Run("an untrusted certificate fails without a retry", func(t *testing.T) {
		calls.Store(0)
		err := HTTP[PreSignUpEvent](srv.URL, opts())(t.Context(), signUpEvent())
		if !errors.Is(err, ErrUnavailable) {
			t.Fatalf("err = %v", err)
		}
		if calls.Load() != 0 || conns.Load() != 1 {
			t.Errorf("%d requests, %d connections; want 0 and 1 (no retry)", calls.Load(), conns.Load())
		}
	})
	t.Run("a client that trusts the certificate works", func(t *testing.T) {
		o := opts()
		o.Client = srv.Client()
		ev := signUpEvent()
		if err := HTTP[PreSignUpEvent](srv.URL, o)(t.Context(), ev); err != nil || !ev.Response.AutoConfirmUser {
			t.Fatalf("err = %v, response = %+v", err, ev.Response)
		}
	})
}
