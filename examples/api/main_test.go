package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/hostedui"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
	"github.com/cupola-auth/cupola/userpool/pooltest"
)

const (
	testClient = "cupola_dev"
	testPW     = "cobalt-Harbor-71"
)

func random(t *testing.T) []byte {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// provider serves a pool's hosted UI (discovery and JWKS) as cupola serve
// does, and returns its issuer and the pool.
func provider(t *testing.T) (string, *userpool.UserPool) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	issuer := "http://" + srv.Listener.Addr().String()
	pool, err := userpool.New(t.Context(), userpool.Config{ID: "api", Issuer: issuer, Secret: random(t),
		Hashing: pooltest.FastHashing(),
		Clients: []userpool.ClientConfig{
			{ClientID: testClient, ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth}},
			{ClientID: "other_app", ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth}},
		}}, memory.New())
	if err != nil {
		t.Fatal(err)
	}
	ui, err := hostedui.New(pool, hostedui.Options{BaseURL: issuer, CookieKeys: [][]byte{random(t)}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = ui
	srv.Start()
	t.Cleanup(srv.Close)
	return issuer, pool
}

func signIn(t *testing.T, pool *userpool.UserPool, client, username string) *userpool.AuthenticationResult {
	t.Helper()
	out, err := pool.InitiateAuth(t.Context(), userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: client,
		AuthParameters: map[string]string{"USERNAME": username, "PASSWORD": testPW}})
	if err != nil || out.AuthenticationResult == nil {
		t.Fatalf("InitiateAuth(%s): %v", username, err)
	}
	return out.AuthenticationResult
}

func addUser(t *testing.T, pool *userpool.UserPool, name string) {
	t.Helper()
	if _, err := pool.AdminCreateUser(t.Context(), userpool.AdminCreateUserInput{Username: name, MessageAction: "SUPPRESS"}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.AdminSetUserPassword(t.Context(), userpool.AdminSetUserPasswordInput{Username: name, Password: testPW, Permanent: true}); err != nil {
		t.Fatal(err)
	}
}

// TestAPIProtectsItsRoutes runs the API against a hosted UI: it discovers
// the keys, lets valid access tokens through with the caller in context,
// and answers everything else as RFC 6750 says.
func TestAPIProtectsItsRoutes(t *testing.T) {
	issuer, pool := provider(t)
	addUser(t, pool, "alice")
	addUser(t, pool, "root")
	if _, err := pool.CreateGroup(t.Context(), userpool.CreateGroupInput{GroupName: "admin"}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.AdminAddUserToGroup(t.Context(), userpool.AdminAddUserToGroupInput{Username: "root", GroupName: "admin"}); err != nil {
		t.Fatal(err)
	}
	h, err := newHandler(t.Context(), config{issuer: issuer, clientIDs: []string{testClient}})
	if err != nil {
		t.Fatalf("newHandler: %v", err)
	}
	api := httptest.NewServer(h)
	t.Cleanup(api.Close)

	alice := signIn(t, pool, testClient, "alice")
	root := signIn(t, pool, testClient, "root")
	otherApp := signIn(t, pool, "other_app", "alice")

	tests := []struct {
		name, path, auth string
		want             int
		challenge        string // in WWW-Authenticate
		body             string // in the body
	}{
		{"health needs no token", "/healthz", "", 200, "", "ok"},
		{"no token is 401 with the realm", "/api/me", "", 401, `Bearer realm="api"`, ""},
		{"a valid access token is the caller", "/api/me", "Bearer " + alice.AccessToken, 200, "", `"username":"alice"`},
		{"a tampered token is invalid_token", "/api/me", "Bearer " + tamperSignature(alice.AccessToken), 401, `error="invalid_token"`, ""},
		{"an ID token is not an access token", "/api/me", "Bearer " + alice.IDToken, 401, `error="invalid_token"`, ""},
		{"another client's token is refused", "/api/me", "Bearer " + otherApp.AccessToken, 401, `error="invalid_token"`, ""},
		{"another scheme is no token", "/api/me", "Basic YTpi", 401, `Bearer realm="api"`, ""},
		{"a non-admin gets 403 on the admin route", "/api/admin", "Bearer " + alice.AccessToken, 403, `error="insufficient_scope"`, ""},
		{"an admin gets the admin route", "/api/admin", "Bearer " + root.AccessToken, 200, "", "hello admin root"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, api.URL+tt.path, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.want, body)
			}
			if c := res.Header.Get("WWW-Authenticate"); !strings.Contains(c, tt.challenge) {
				t.Errorf("WWW-Authenticate = %q, want %q in it", c, tt.challenge)
			}
			if !strings.Contains(string(body), tt.body) {
				t.Errorf("body %q lacks %q", body, tt.body)
			}
		})
	}

	t.Run("the caller's claims come back as JSON", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, api.URL+"/api/me", nil)
		req.Header.Set("Authorization", "Bearer "+root.AccessToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var c caller
		if err := json.NewDecoder(res.Body).Decode(&c); err != nil {
			t.Fatal(err)
		}
		if c.Subject == "" || c.ClientID != testClient || len(c.Groups) != 1 || c.Groups[0] != "admin" || c.ExpiresAt.Before(time.Now()) {
			t.Errorf("caller = %+v", c)
		}
	})
}

// TestRunServesUntilCancelled: the command parses its flags, refuses a
// wrong issuer at start, and serves until its context ends.
func TestRunServesUntilCancelled(t *testing.T) {
	issuer, pool := provider(t)
	addUser(t, pool, "alice")

	if err := run(t.Context(), []string{"-issuer", issuer + "/nowhere", "-addr", "127.0.0.1:0"}, io.Discard); err == nil {
		t.Error("run started against an issuer with no discovery document")
	}
	if err := run(t.Context(), []string{"-client-id", " , "}, io.Discard); err == nil {
		t.Error("run accepted an empty -client-id")
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-issuer", issuer, "-addr", addr, "-client-id", testClient}, io.Discard)
	}()
	tok := signIn(t, pool, testClient, "alice").AccessToken
	var status int
	for range 100 {
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/api/me", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
			status = res.StatusCode
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if status != http.StatusOK {
		t.Errorf("the running API answered %d, want 200", status)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("run after cancel: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not stop")
	}
}

// tamperSignature changes one character well inside a JWT's signature.
// Editing its last characters instead can change only unused trailing
// bits, or nothing when the text already ends that way.
func tamperSignature(tok string) string {
	i := len(tok) - 20
	c := byte('A')
	if tok[i] == 'A' {
		c = 'B'
	}
	return tok[:i] + string(c) + tok[i+1:]
}
