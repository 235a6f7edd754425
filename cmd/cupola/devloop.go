package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// The development loop: with no -config, serve also plays the app. The
// banner's sign-in link and every /_dev/ page are an authorization-code
// client with PKCE (the development client, cupola_dev) whose redirect
// URI, /_dev/callback, this server answers itself: it exchanges the code
// at the token endpoint over HTTP, as an app would with golang.org/x/oauth2,
// verifies the ID token with go-oidc against the pool's own discovery
// document, and shows the tokens decoded with a sign-out link. Nothing
// here is mounted outside development mode.
const (
	devLoopPath     = "/_dev/"
	devCallbackPath = "/_dev/callback"
	// devLoopPending bounds the authorization requests waiting for their
	// callback, and devLoopTTL how long one waits.
	devLoopPending = 64
	devLoopTTL     = 10 * time.Minute
)

// devLoop holds the PKCE verifiers of the authorization requests it (or
// the banner) started, by state, until their callback spends them.
type devLoop struct {
	issuer string
	now    func() time.Time
	random io.Reader
	log    *slog.Logger
	// client makes the token and discovery requests to this server.
	client *http.Client

	mu      sync.Mutex
	pending map[string]devPending
}

// devPending is one authorization request waiting for its callback.
type devPending struct {
	verifier string
	at       time.Time
}

func newDevLoop(issuer string, now func() time.Time, random io.Reader, log *slog.Logger) *devLoop {
	return &devLoop{issuer: strings.TrimRight(issuer, "/"), now: now, random: random, log: log,
		client: &http.Client{Timeout: 10 * time.Second}, pending: map[string]devPending{}}
}

// devRedirectURLs are the development client's callback and sign-out URLs
// on this server's issuer.
func devRedirectURLs(issuer string) (callback, logout string) {
	issuer = strings.TrimRight(issuer, "/")
	return issuer + devCallbackPath, issuer + devLoopPath
}

// oauth2Config is the development client as an app configures it.
func (d *devLoop) oauth2Config() *oauth2.Config {
	callback, _ := devRedirectURLs(d.issuer)
	return &oauth2.Config{
		ClientID: devClientID,
		Endpoint: oauth2.Endpoint{AuthURL: d.issuer + "/oauth2/authorize", TokenURL: d.issuer + "/oauth2/token",
			AuthStyle: oauth2.AuthStyleInParams},
		RedirectURL: callback,
		Scopes:      devScopes,
	}
}

// start registers a new authorization request and returns its URL, with
// the state and verifier (the banner prints them for a manual exchange).
func (d *devLoop) start() (authURL string, p pkce, state string, err error) {
	if p, err = newPKCE(d.random); err != nil {
		return "", pkce{}, "", err
	}
	st := make([]byte, 16)
	if _, err := io.ReadFull(d.random, st); err != nil {
		return "", pkce{}, "", fmt.Errorf("state: %w", err)
	}
	state = base64.RawURLEncoding.EncodeToString(st)
	d.mu.Lock()
	now := d.now()
	for s, w := range d.pending {
		if now.Sub(w.at) > devLoopTTL {
			delete(d.pending, s)
		}
	}
	if len(d.pending) >= devLoopPending {
		// The oldest request gives way; a developer has at most a few open.
		oldest := ""
		for s, w := range d.pending {
			if oldest == "" || w.at.Before(d.pending[oldest].at) {
				oldest = s
			}
		}
		delete(d.pending, oldest)
	}
	d.pending[state] = devPending{verifier: p.Verifier, at: now}
	d.mu.Unlock()
	authURL = d.oauth2Config().AuthCodeURL(state, oauth2.S256ChallengeOption(p.Verifier))
	return authURL, p, state, nil
}

// take spends the request of state, if it is known and fresh.
func (d *devLoop) take(state string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	w, ok := d.pending[state]
	delete(d.pending, state)
	if !ok || d.now().Sub(w.at) > devLoopTTL {
		return "", false
	}
	return w.verifier, true
}

// mount adds the development pages to mux.
func (d *devLoop) mount(mux *http.ServeMux) {
	// GET /_dev/ is the app's home page: a sign-in link.
	mux.HandleFunc("GET "+devLoopPath+"{$}", d.home)
	// GET /_dev/login starts an authorization request.
	mux.HandleFunc("GET "+devLoopPath+"login", d.login)
	// GET /_dev/callback is the redirect URI: code → tokens, shown.
	mux.HandleFunc("GET "+devCallbackPath, d.callback)
}

func (d *devLoop) home(w http.ResponseWriter, r *http.Request) {
	d.render(w, http.StatusOK, devPage{Issuer: d.issuer})
}

func (d *devLoop) login(w http.ResponseWriter, r *http.Request) {
	u, _, _, err := d.start()
	if err != nil {
		d.log.ErrorContext(r.Context(), "development sign-in", "err", err)
		d.render(w, http.StatusInternalServerError, devPage{Issuer: d.issuer, Error: "Could not start a sign-in; see the server log."})
		return
	}
	http.Redirect(w, r, u, http.StatusFound)
}

func (d *devLoop) callback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page := devPage{Issuer: d.issuer}
	if e := q.Get("error"); e != "" {
		page.Error = "The authorization server answered " + e + ": " + q.Get("error_description")
		d.render(w, http.StatusBadRequest, page)
		return
	}
	verifier, ok := d.take(q.Get("state"))
	if !ok {
		page.Error = "Unknown or expired state: this callback does not answer a sign-in this server started (or it was used already). Start again."
		d.render(w, http.StatusBadRequest, page)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithValue(r.Context(), oauth2.HTTPClient, d.client), 10*time.Second)
	defer cancel()
	tok, err := d.oauth2Config().Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
	if err != nil {
		page.Error = "Token exchange failed: " + err.Error()
		d.render(w, http.StatusBadGateway, page)
		return
	}
	page.Signed = true
	page.Expiry = tok.Expiry.Format(time.RFC3339)
	if rt := tok.RefreshToken; rt != "" {
		page.Refresh = rt[:min(len(rt), 16)] + "…"
	}
	page.Access = decodeJWT(tok.AccessToken)
	raw, _ := tok.Extra("id_token").(string)
	page.ID = decodeJWT(raw)
	if err := d.verifyIDToken(ctx, raw); err != nil {
		page.Verified = "not verified: " + err.Error()
	} else {
		page.Verified = "signature, issuer, audience and expiry verified with go-oidc against " + d.issuer + "/.well-known/jwks.json"
	}
	_, logout := devRedirectURLs(d.issuer)
	page.SignOut = d.issuer + "/logout?" + url.Values{"client_id": {devClientID}, "logout_uri": {logout}}.Encode()
	d.render(w, http.StatusOK, page)
}

// verifyIDToken checks raw as an app would, through the discovery
// document and the JWKS.
func (d *devLoop) verifyIDToken(ctx context.Context, raw string) error {
	ctx = oidc.ClientContext(ctx, d.client)
	p, err := oidc.NewProvider(ctx, d.issuer)
	if err != nil {
		return err
	}
	_, err = p.Verifier(&oidc.Config{ClientID: devClientID}).Verify(ctx, raw)
	return err
}

// decodeJWT shows a JWT's header and claims as indented JSON; it does not
// verify anything.
func decodeJWT(raw string) string {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return ""
	}
	var out strings.Builder
	for _, p := range parts[:2] {
		b, err := base64.RawURLEncoding.DecodeString(p)
		var ind bytes.Buffer
		if err != nil || json.Indent(&ind, b, "", "  ") != nil {
			return ""
		}
		out.Write(ind.Bytes())
		out.WriteString("\n")
	}
	return out.String()
}

// devPage is what the development page shows.
type devPage struct {
	Issuer, Error                         string
	Signed                                bool
	ID, Access, Refresh, Expiry, Verified string
	SignOut                               string
}

var devTemplate = template.Must(template.New("dev").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Cupola development app</title>
<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}pre{background:#f4f4f4;padding:1rem;overflow:auto}.error{color:#a00}</style>
</head><body>
<h1>Cupola development app</h1>
<p>This page plays a web app using the development client <code>cupola_dev</code> of {{.Issuer}}: an authorization-code flow with PKCE. It is served only in development mode. For an app in front of your own service, see <code>examples/gateway</code>.</p>
{{if .Error}}<p class="error">{{.Error}}</p>{{end}}
{{if .Signed}}
<h2>Signed in</h2>
<p>ID token: {{.Verified}}. Access token expires {{.Expiry}}.</p>
<h3>ID token</h3><pre>{{.ID}}</pre>
<h3>Access token</h3><pre>{{.Access}}</pre>
{{if .Refresh}}<h3>Refresh token</h3><pre>{{.Refresh}} (opaque; shown in part)</pre>{{end}}
<p><a href="{{.SignOut}}">Sign out</a> · <a href="/_dev/login">Sign in again</a></p>
{{else}}
<p><a href="/_dev/login">Sign in or sign up</a></p>
{{end}}
</body></html>
`))

func (d *devLoop) render(w http.ResponseWriter, status int, p devPage) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(status)
	if err := devTemplate.Execute(w, p); err != nil {
		d.log.Error("development page", "err", err)
	}
}
