package federation_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/cupola-auth/cupola/federation"
)

const (
	socialClientID = "1234567890"
	socialSecret   = "app-secret-0123456789abcdef"
	socialAccess   = "EAAGm0PX4ZCpsBA-access"
)

// socialServer plays a provider's token endpoint and profile API; profile
// answers the profile call.
type socialServer struct {
	srv *httptest.Server

	mu        sync.Mutex
	tokenForm url.Values
	profReq   *http.Request
	profile   func(w http.ResponseWriter, r *http.Request)
}

func newSocialServer(t *testing.T, tokenPath, profilePath string) *socialServer {
	t.Helper()
	s := &socialServer{}
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+tokenPath, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		r.ParseForm()
		s.tokenForm = r.PostForm
		// Facebook and Amazon take the client's credentials in the form.
		if r.PostForm.Get("client_id") != socialClientID || r.PostForm.Get("client_secret") != socialSecret ||
			r.PostForm.Get("grant_type") != "authorization_code" || r.PostForm.Get("code_verifier") == "" {
			writeJSONStatus(w, http.StatusBadRequest, map[string]any{"error": "invalid_request"})
			return
		}
		writeJSON(w, map[string]any{"access_token": socialAccess, "token_type": "bearer", "expires_in": 5183944})
	})
	mux.HandleFunc("GET "+profilePath, func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.profReq = r
		profile := s.profile
		s.mu.Unlock()
		if r.Header.Get("Authorization") != "Bearer "+socialAccess {
			writeJSONStatus(w, http.StatusUnauthorized, map[string]any{"error": "invalid_token"})
			return
		}
		profile(w, r)
	})
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// huge answers ten mebibytes of JSON, declared or streamed.
func huge(declared bool) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		const size = 10 << 20
		w.Header().Set("Content-Type", "application/json")
		if declared {
			w.Header().Set("Content-Length", "10485760")
		}
		chunk := []byte(strings.Repeat(" ", 64<<10))
		for n := 0; n < size; n += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			if !declared {
				w.(http.Flusher).Flush()
			}
		}
	}
}

func answer(status int, body string) func(w http.ResponseWriter, r *http.Request) {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

func TestFacebook(t *testing.T) {
	const me = `{"id":"10158123456789012","name":"Ana Silva","email":"ana@example.com","first_name":"Ana","last_name":"Silva"}`
	tests := []struct {
		name    string
		profile func(w http.ResponseWriter, r *http.Request)
		want    error
		// wantText is in the error's text
		wantText string
	}{
		{name: "the Graph API's /me gives the identity", profile: answer(200, me)},
		{name: "a user without an email is not email-verified", profile: answer(200, `{"id":"10158123456789012","name":"Ana Silva"}`)},
		{name: "an invalid token answer from Graph is ErrInvalidResponse", want: federation.ErrInvalidResponse,
			profile: answer(400, `{"error":{"message":"Invalid OAuth access token.","type":"OAuthException","code":190,"fbtrace_id":"A1b2"}}`)},
		{name: "Graph failing with 503 is ErrUnavailable", want: federation.ErrUnavailable,
			profile: answer(503, `{"error":{"message":"Service temporarily unavailable","code":2}}`)},
		{name: "a profile that is not JSON is ErrUnavailable", want: federation.ErrUnavailable,
			profile: answer(200, `<html>oops</html>`)},
		{name: "a profile without id is ErrInvalidResponse", want: federation.ErrInvalidResponse,
			profile: answer(200, `{"name":"Ana Silva"}`)},
		{name: "a declared 10 MB profile is refused unread", want: federation.ErrUnavailable,
			profile: huge(true), wantText: "exceeds"},
		{name: "a streamed 10 MB profile is cut at the bound", want: federation.ErrUnavailable,
			profile: huge(false), wantText: "exceeds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSocialServer(t, "/v17.0/oauth/access_token", "/v17.0/me")
			s.mu.Lock()
			s.profile = tt.profile
			s.mu.Unlock()
			p, err := federation.NewFacebook(context.Background(), federation.Config{
				Name: "Facebook", Type: federation.TypeFacebook,
				Details: map[string]string{
					"client_id":      socialClientID,
					"client_secret":  socialSecret,
					"authorize_url":  s.srv.URL + "/v17.0/dialog/oauth",
					"token_url":      s.srv.URL + "/v17.0/oauth/access_token",
					"attributes_url": s.srv.URL + "/v17.0/me?fields=",
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			st := start(t, p)
			u, _ := url.Parse(st.URL)
			if q := u.Query(); q.Get("scope") != "public_profile email" || q.Get("code_challenge_method") != "S256" || q.Has("nonce") {
				t.Errorf("authorization request %s", u.RawQuery)
			}
			id, err := p.Complete(context.Background(), callback(st, "AQDx-code"))

			s.mu.Lock()
			profReq, tokenForm := s.profReq, s.tokenForm
			s.mu.Unlock()
			if tokenForm.Get("code") != "AQDx-code" || tokenForm.Get("redirect_uri") != testCallback || tokenForm.Get("code_verifier") != st.Pending.CodeVerifier {
				t.Errorf("token request %v", tokenForm)
			}
			if profReq == nil {
				t.Fatalf("no profile request; error %v", err)
			}
			// appsecret_proof computed here independently of the package.
			mac := hmac.New(sha256.New, []byte(socialSecret))
			mac.Write([]byte(socialAccess))
			q := profReq.URL.Query()
			if got, want := q.Get("appsecret_proof"), hex.EncodeToString(mac.Sum(nil)); got != want {
				t.Errorf("appsecret_proof = %q, want %q", got, want)
			}
			if q.Get("fields") != "id,name,email,first_name,last_name" || q.Has("access_token") {
				t.Errorf("profile query %s", profReq.URL.RawQuery)
			}
			if tt.want != nil {
				wantKind(t, err, tt.want)
				if !strings.Contains(err.Error(), tt.wantText) {
					t.Errorf("error %q does not say %q", err, tt.wantText)
				}
				if strings.Contains(err.Error(), socialSecret) || strings.Contains(err.Error(), socialAccess) {
					t.Errorf("error %q shows a secret", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if id.Subject != "10158123456789012" || id.Type != federation.TypeFacebook {
				t.Errorf("identity %+v", id)
			}
			if id.EmailVerified != (id.Email != "") {
				t.Errorf("EmailVerified %v with email %q", id.EmailVerified, id.Email)
			}
			if id.Email != "" && (id.Email != "ana@example.com" || id.Attributes["first_name"] != "Ana") {
				t.Errorf("identity %+v", id)
			}
		})
	}
}

func TestAmazon(t *testing.T) {
	tests := []struct {
		name    string
		profile func(w http.ResponseWriter, r *http.Request)
		want    error
	}{
		{name: "the profile API gives the identity",
			profile: answer(200, `{"user_id":"amzn1.account.K2LI23KL2LK2","name":"Ana Silva","email":"ana@example.com","postal_code":"1000-001"}`)},
		{name: "a refused access token is ErrInvalidResponse", want: federation.ErrInvalidResponse,
			profile: answer(401, `{"error":"invalid_token","error_description":"The access token provided is expired"}`)},
		{name: "a profile API failing with 500 is ErrUnavailable", want: federation.ErrUnavailable,
			profile: answer(500, `{"error":"ServerError"}`)},
		{name: "a profile without user_id is ErrInvalidResponse", want: federation.ErrInvalidResponse,
			profile: answer(200, `{"name":"Ana Silva","email":"ana@example.com"}`)},
		{name: "a 10 MB profile is refused", want: federation.ErrUnavailable, profile: huge(false)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newSocialServer(t, "/auth/o2/token", "/user/profile")
			s.mu.Lock()
			s.profile = tt.profile
			s.mu.Unlock()
			p, err := federation.NewAmazon(context.Background(), federation.Config{
				Name: "LoginWithAmazon", Type: federation.TypeAmazon,
				Details: map[string]string{
					"client_id":      socialClientID,
					"client_secret":  socialSecret,
					"authorize_url":  s.srv.URL + "/ap/oa",
					"token_url":      s.srv.URL + "/auth/o2/token",
					"attributes_url": s.srv.URL + "/user/profile",
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			st := start(t, p)
			u, _ := url.Parse(st.URL)
			if q := u.Query(); q.Get("scope") != "profile" || q.Get("code_challenge_method") != "S256" || !strings.HasPrefix(st.URL, s.srv.URL+"/ap/oa?") {
				t.Errorf("authorization request %s", st.URL)
			}
			id, err := p.Complete(context.Background(), callback(st, "ANdNAVhyhqirUelHGEHA"))
			if tt.want != nil {
				wantKind(t, err, tt.want)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if id.Subject != "amzn1.account.K2LI23KL2LK2" || id.Email != "ana@example.com" || !id.EmailVerified ||
				id.Attributes["postal_code"] != "1000-001" || id.Type != federation.TypeAmazon {
				t.Errorf("identity %+v", id)
			}
		})
	}
}

// TestSocialRefusesAnotherBrowsersCallback: the plain OAuth2 providers
// check state like OIDC does, before any call to the provider.
func TestSocialRefusesAnotherBrowsersCallback(t *testing.T) {
	s := newSocialServer(t, "/auth/o2/token", "/user/profile")
	p, err := federation.NewAmazon(context.Background(), federation.Config{
		Name: "LoginWithAmazon",
		Details: map[string]string{
			"client_id": socialClientID, "client_secret": socialSecret,
			"token_url": s.srv.URL + "/auth/o2/token", "attributes_url": s.srv.URL + "/user/profile",
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	st := start(t, p)
	in := callback(st, "code")
	in.Params.Set("state", "another")
	_, err = p.Complete(context.Background(), in)
	wantKind(t, err, federation.ErrState)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokenForm != nil {
		t.Error("the code was redeemed for a callback of another browser")
	}
}
