package hostedui_test

import (
	"bytes"
	"encoding/base64"
	"html"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/cupola-auth/cupola/hostedui"
	"github.com/cupola-auth/cupola/mfa"
	"github.com/cupola-auth/cupola/userpool"
)

var (
	secretPattern = regexp.MustCompile(`<code class="secret" id="secret">([A-Z2-7]+)</code>`)
	qrPattern     = regexp.MustCompile(`<img src="data:image/png;base64,([^"]+)"`)
)

// totpCode computes the authenticator's code for a base32 secret.
func totpCode(t *testing.T, secret string, now time.Time) string {
	t.Helper()
	key, err := mfa.DecodeSecret(secret)
	if err != nil {
		t.Fatal(err)
	}
	totp, err := mfa.NewTOTP(mfa.TOTPConfig{Issuer: "test"})
	if err != nil {
		t.Fatal(err)
	}
	code, err := totp.Code(key, now)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// TestMFAThroughThePages: with MFA required, a user sets up TOTP from the
// QR page's secret, sees the recovery codes, lands on the callback; the
// next sign-in asks for a TOTP code, and a wrong one is shown at the field.
func TestMFAThroughThePages(t *testing.T) {
	e := newEnv(t, envOption{pool: func(c *userpool.Config) { c.MFA = userpool.MFAConfig{Mode: userpool.MFAOn} }})
	e.user("alice", "alice@example.com", goodPW)
	b := newAgent(t)
	login := b.open(e.authorizeURL(nil))
	setup := b.submit(login, url.Values{"username": {"alice"}, "password": {goodPW}})
	if setup.url.Path != "/auth/mfaSetup" || setup.status != http.StatusOK {
		t.Fatalf("after the password: %s %d\n%s", setup.url, setup.status, setup.body)
	}
	m := secretPattern.FindStringSubmatch(setup.body)
	if m == nil {
		t.Fatalf("no secret on the set-up page:\n%s", setup.body)
	}
	qr := qrPattern.FindStringSubmatch(setup.body)
	if qr == nil {
		t.Fatalf("no QR code data: URL on the set-up page:\n%.3000s", setup.body)
	}
	raw, _ := base64.StdEncoding.DecodeString(html.UnescapeString(qr[1]))
	if _, err := png.Decode(bytes.NewReader(raw)); err != nil {
		t.Errorf("the QR code is not a PNG: %v", err)
	}
	if setup.header.Get("Cache-Control") != "no-store" {
		t.Error("the page with the TOTP secret may be cached")
	}

	t.Run("a reload shows the same secret", func(t *testing.T) {
		r := b.get(e.base + "/mfaSetup")
		if again := secretPattern.FindStringSubmatch(r.body); again == nil || again[1] != m[1] {
			t.Errorf("a reload changed the secret:\n%s", r.body)
		}
	})
	t.Run("a wrong set-up code stays on the page with the error at the field", func(t *testing.T) {
		r := b.submit(setup, url.Values{"code": {"000000"}})
		if r.url.Path != "/auth/mfaSetup" || !strings.Contains(r.body, `id="code-error"`) {
			t.Fatalf("wrong code: %s %d\n%s", r.url, r.status, r.body)
		}
		if again := secretPattern.FindStringSubmatch(r.body); again == nil || again[1] != m[1] || !qrPattern.MatchString(r.body) {
			t.Errorf("the page after a wrong code does not show the same secret and QR code again")
		}
	})

	recovery := b.submit(setup, url.Values{"code": {totpCode(t, m[1], e.clock.Now())}})
	if !strings.Contains(recovery.body, "recovery codes") || strings.Count(recovery.body, "<li><code>") != 10 {
		t.Fatalf("no recovery codes after set-up: %s %d\n%s", recovery.url, recovery.status, recovery.body)
	}
	got := e.callbackParams(b.submit(recovery, nil))
	if got.Get("code") == "" || got.Get("state") != "st-123" {
		t.Fatalf("callback %v", got)
	}

	e.clock.Advance(time.Minute) // the next TOTP step
	b2 := newAgent(t)
	code := b2.submit(b2.open(e.authorizeURL(nil)), url.Values{"username": {"alice"}, "password": {goodPW}})
	if code.url.Path != "/auth/mfa" || !strings.Contains(code.body, "authenticator app") {
		t.Fatalf("second sign-in: %s %d\n%s", code.url, code.status, code.body)
	}
	wrong := b2.submit(code, url.Values{"code": {"000000"}})
	if wrong.status != http.StatusBadRequest || !strings.Contains(wrong.body, `aria-describedby="code-error"`) {
		t.Fatalf("a wrong TOTP code: %d\n%s", wrong.status, wrong.body)
	}
	got = e.callbackParams(b2.submit(wrong, url.Values{"code": {totpCode(t, m[1], e.clock.Now())}}))
	if got.Get("code") == "" {
		t.Fatal("no code after the TOTP step")
	}
}

// TestChoosingAFactorThenEmailMFA: a user with SMS and email factors
// chooses email on /selectMfa and enters the emailed code on /mfa.
func TestChoosingAFactorThenEmailMFA(t *testing.T) {
	e := newEnv(t, envOption{pool: func(c *userpool.Config) {
		c.MFA = userpool.MFAConfig{Mode: userpool.MFAOptional, Factors: []string{userpool.FactorSMS, userpool.FactorEmail}}
	}})
	e.user("alice", "alice@example.com", goodPW)
	if _, err := e.pool.AdminUpdateUserAttributes(e.ctx, userpool.AdminUpdateUserAttributesInput{Username: "alice",
		UserAttributes: []userpool.Attribute{{Name: "phone_number", Value: "+15555550100"}, {Name: "phone_number_verified", Value: "true"}}}); err != nil {
		t.Fatalf("AdminUpdateUserAttributes: %v", err)
	}
	if _, err := e.pool.AdminSetUserMFAPreference(e.ctx, userpool.AdminSetUserMFAPreferenceInput{Username: "alice", SMSMfaSettings: &userpool.MFASettings{Enabled: true}, EmailMfaSettings: &userpool.MFASettings{Enabled: true}}); err != nil {
		t.Fatalf("AdminSetUserMFAPreference: %v", err)
	}
	b := newAgent(t)
	choose := b.submit(b.open(e.authorizeURL(nil)), url.Values{"username": {"alice"}, "password": {goodPW}})
	if choose.url.Path != "/auth/selectMfa" || !strings.Contains(choose.body, `value="EMAIL_OTP"`) || !strings.Contains(choose.body, `value="SMS_MFA"`) {
		t.Fatalf("after the password: %s %d\n%s", choose.url, choose.status, choose.body)
	}
	t.Run("an answer that was not offered is refused", func(t *testing.T) {
		r := b.submit(choose, url.Values{"answer": {"SOFTWARE_TOKEN_MFA"}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="answer-error"`) {
			t.Fatalf("got %d\n%s", r.status, r.body)
		}
	})
	page := b.submit(choose, url.Values{"answer": {"EMAIL_OTP"}})
	if page.url.Path != "/auth/mfa" || !strings.Contains(page.body, "We sent a code to") {
		t.Fatalf("after choosing email: %s %d\n%s", page.url, page.status, page.body)
	}
	got := e.callbackParams(b.submit(page, url.Values{"code": {e.lastCode("alice@example.com")}}))
	if got.Get("code") == "" {
		t.Fatal("no code after the email step")
	}
}

// TestNewPasswordRequired: an admin-created user chooses a password on
// /newPassword.
func TestNewPasswordRequired(t *testing.T) {
	e := newEnv(t)
	const temp = "Temporary-Pass-12"
	if _, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "dave", TemporaryPassword: temp,
		MessageAction: "SUPPRESS", UserAttributes: []userpool.Attribute{{Name: "email", Value: "dave@example.com"}}}); err != nil {
		t.Fatalf("AdminCreateUser: %v", err)
	}
	b := newAgent(t)
	page := b.submit(b.open(e.authorizeURL(nil)), url.Values{"username": {"dave"}, "password": {temp}})
	if page.url.Path != "/auth/newPassword" || !strings.Contains(page.body, `autocomplete="new-password"`) {
		t.Fatalf("after the temporary password: %s %d\n%s", page.url, page.status, page.body)
	}
	t.Run("an empty password is shown at its field", func(t *testing.T) {
		r := b.submit(page, url.Values{"password": {""}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="password-error"`) {
			t.Fatalf("got %d\n%s", r.status, r.body)
		}
	})
	t.Run("a weak password is shown at the password field", func(t *testing.T) {
		r := b.submit(page, url.Values{"password": {"short"}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `id="password-error"`) {
			t.Fatalf("got %d\n%s", r.status, r.body)
		}
	})
	got := e.callbackParams(b.submit(page, url.Values{"password": {goodPW}}))
	if got.Get("code") == "" {
		t.Fatal("no code after choosing a password")
	}
}

// TestSignInErrors: errors are shown with the pool's safe message, tied to
// the form for screen readers; the lockout applies.
func TestSignInErrors(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", goodPW)
	b := newAgent(t)
	page := b.open(e.authorizeURL(nil))
	tests := []struct {
		name, username, password, want string
	}{
		{"a wrong password", "alice", "wrong-password-1", "Incorrect username or password."},
		{"an unknown user gets the same answer", "nobody", "wrong-password-1", "Incorrect username or password."},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is shown as an alert", func(t *testing.T) {
			r := b.submit(page, url.Values{"username": {tt.username}, "password": {tt.password}})
			if r.status != http.StatusBadRequest || !strings.Contains(r.body, `role="alert" id="form-error">`+tt.want) ||
				!strings.Contains(r.body, `aria-describedby="form-error"`) {
				t.Fatalf("got %d\n%s", r.status, r.body)
			}
			if strings.Contains(r.body, tt.password) {
				t.Error("the password is echoed back")
			}
			if !strings.Contains(r.body, `value="`+tt.username+`"`) {
				t.Error("the username is not kept")
			}
		})
	}
	t.Run("an empty field is shown next to it", func(t *testing.T) {
		r := b.submit(page, url.Values{"username": {"alice"}, "password": {""}})
		if r.status != http.StatusBadRequest || !strings.Contains(r.body, `aria-describedby="password-error"`) || !strings.Contains(r.body, `autofocus aria-invalid="true"`) {
			t.Fatalf("got %d\n%s", r.status, r.body)
		}
	})
	t.Run("the lockout applies to the hosted form", func(t *testing.T) {
		for range 6 {
			b.submit(page, url.Values{"username": {"alice"}, "password": {"wrong-password-1"}})
		}
		r := b.submit(page, url.Values{"username": {"alice"}, "password": {goodPW}})
		if r.url.Path != "/auth/login" || !strings.Contains(r.body, "Password attempts exceeded") {
			t.Fatalf("a locked-out user signed in or got another error: %s %d\n%s", r.url, r.status, r.body)
		}
	})
	t.Run("a repeated form field is refused", func(t *testing.T) {
		v := formValues(page.body)
		v["username"] = []string{"alice", "bob"}
		v.Set("password", goodPW)
		if r := b.post(e.base+"/login", v); r.status != http.StatusBadRequest || r.location() != "" {
			t.Errorf("got %d %q", r.status, r.location())
		}
	})
	t.Run("a multipart body is refused", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, e.base+"/login", strings.NewReader("--x--"))
		req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
		if r := b.do(req); r.status != http.StatusBadRequest {
			t.Errorf("got %d", r.status)
		}
	})
}

// TestBranding: logo, colours, CSS, template and asset overrides.
func TestBranding(t *testing.T) {
	var logo bytes.Buffer
	logo.Write([]byte("\x89PNG\r\n\x1a\n"))
	logo.Write(make([]byte, 64))
	e := newEnv(t, envOption{opts: func(o *hostedui.Options) {
		o.Branding = hostedui.Branding{Title: "Acme", LogoName: "Acme Corp", LogoPNG: logo.Bytes(), PrimaryColor: "#ff6600",
			CSS: ".banner-customizable { padding: 2rem; }", LegalText: "© Acme"}
		o.Templates = fstest.MapFS{"error.html": {Data: []byte(`{{define "content"}}<p class="custom-error">Custom error page</p>{{end}}`)}}
		o.Assets = fstest.MapFS{"style.css": {Data: []byte("body { color: red; }")}, "extra.svg": {Data: []byte("<svg/>")}}
	}})
	b := newAgent(t)
	page := b.open(e.authorizeURL(nil))
	for _, want := range []string{`<img class="logo-customizable" src="` + e.base + `/assets/logo" alt="Acme Corp">`,
		`<title>Sign in – Acme</title>`, `<footer class="legalText-customizable">© Acme</footer>`, e.base + `/assets/branding.css`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the login page lacks %s", want)
		}
	}
	tests := []struct {
		path, wantType, wantBody string
	}{
		{"/assets/logo", "image/png", "\x89PNG"},
		{"/assets/branding.css", "text/css; charset=utf-8", ".submitButton-customizable { background-color: #ff6600; }"},
		{"/assets/branding.css", "text/css; charset=utf-8", ".banner-customizable { padding: 2rem; }"},
		{"/assets/style.css", "text/css; charset=utf-8", "body { color: red; }"},
		{"/assets/extra.svg", "image/svg+xml", "<svg/>"},
	}
	for _, tt := range tests {
		t.Run(tt.path+" is served", func(t *testing.T) {
			r := b.get(e.base + tt.path)
			if r.status != 200 || r.header.Get("Content-Type") != tt.wantType || !strings.Contains(r.body, tt.wantBody) {
				t.Errorf("got %d %q %q", r.status, r.header.Get("Content-Type"), r.body)
			}
		})
	}
	h, err := hostedui.New(e.pool, e.opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/auth/assets/../hostedui.go", "/auth/assets/..%2fhostedui.go", "/auth/assets/missing.css", "/auth/assets/x.go", "/auth/assets/"} {
		t.Run(p+" is not found", func(t *testing.T) {
			// Straight to the handler: a ServeMux would clean the path first.
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "http://x"+p, nil)
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusNotFound {
				t.Errorf("got %d", rec.Code)
			}
		})
	}
	t.Run("an overridden template is used", func(t *testing.T) {
		r := b.get(e.base + "/oauth2/authorize?client_id=nobody")
		if !strings.Contains(r.body, "Custom error page") || !strings.Contains(r.body, `class="banner-customizable"`) {
			t.Errorf("got\n%s", r.body)
		}
	})
}

// TestNewChecksOptions: bad options are refused with a clear error.
func TestNewChecksOptions(t *testing.T) {
	e := newEnv(t)
	key := [][]byte{randomKey(t, 32)}
	tests := []struct {
		name string
		opts hostedui.Options
		want string
	}{
		{"no BaseURL", hostedui.Options{CookieKeys: key}, "BaseURL is required"},
		{"a relative BaseURL", hostedui.Options{BaseURL: "/auth", CookieKeys: key}, "absolute"},
		{"a BaseURL with a query", hostedui.Options{BaseURL: e.base + "?x=1", CookieKeys: key}, "absolute"},
		{"a BaseURL that is not the issuer", hostedui.Options{BaseURL: "http://other.example/auth", CookieKeys: key}, "issuer"},
		{"no cookie key", hostedui.Options{BaseURL: e.base}, "CookieKeys"},
		{"a short cookie key", hostedui.Options{BaseURL: e.base, CookieKeys: [][]byte{[]byte("short")}}, "32 bytes"},
		{"a cookie key of zero bytes", hostedui.Options{BaseURL: e.base, CookieKeys: [][]byte{make([]byte, 32)}}, "placeholder"},
		{"a placeholder cookie key", hostedui.Options{BaseURL: e.base, CookieKeys: [][]byte{[]byte("your-secret-here-32-bytes-or-more!!")}}, "placeholder"},
		{"a colour that is not one", hostedui.Options{BaseURL: e.base, CookieKeys: key, Branding: hostedui.Branding{PrimaryColor: "red; } body { display:none"}}, "colour"},
		{"a logo that is not an image", hostedui.Options{BaseURL: e.base, CookieKeys: key, Branding: hostedui.Branding{LogoPNG: []byte("<script>")}}, "PNG"},
		{"a broken template", hostedui.Options{BaseURL: e.base, CookieKeys: key, Templates: fstest.MapFS{"login.html": {Data: []byte("{{define")}}}, "template login"},
		{"a template without content", hostedui.Options{BaseURL: e.base, CookieKeys: key, Templates: fstest.MapFS{"login.html": {Data: []byte("hi")}}}, "content"},
		{"a template using an unknown template", hostedui.Options{BaseURL: e.base, CookieKeys: key, Templates: fstest.MapFS{"login.html": {Data: []byte(`{{define "content"}}{{template "nope" .}}{{end}}`)}}}, "template login"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			_, err := hostedui.New(e.pool, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
	t.Run("a nil pool is refused", func(t *testing.T) {
		if _, err := hostedui.New(nil, hostedui.Options{BaseURL: e.base, CookieKeys: key}); err == nil {
			t.Error("no error")
		}
	})
	t.Run("a trailing slash on BaseURL is fine", func(t *testing.T) {
		if _, err := hostedui.New(e.pool, hostedui.Options{BaseURL: e.base + "/", CookieKeys: key}); err != nil {
			t.Error(err)
		}
	})
}

// TestCookieKeyRotation: a session sealed under the old key still opens
// once a new key is put first.
func TestCookieKeyRotation(t *testing.T) {
	e := newEnv(t)
	e.user("alice", "alice@example.com", goodPW)
	b := newAgent(t)
	e.login(b, e.authorizeURL(nil), "alice", goodPW)
	rotated, err := hostedui.New(e.pool, hostedui.Options{BaseURL: e.base, Clock: e.clock.Now,
		CookieKeys: [][]byte{randomKey(t, 32), e.opts.CookieKeys[0]}})
	if err != nil {
		t.Fatal(err)
	}
	dropped, err := hostedui.New(e.pool, hostedui.Options{BaseURL: e.base, Clock: e.clock.Now, CookieKeys: [][]byte{randomKey(t, 32)}})
	if err != nil {
		t.Fatal(err)
	}
	c := b.cookie(e.base+"/login", "cupola_session")
	if c == nil {
		t.Fatal("no session cookie")
	}
	for _, tt := range []struct {
		name    string
		h       http.Handler
		wantSSO bool
	}{{"with the old key still listed the session holds", rotated, true}, {"with the old key dropped the session is gone", dropped, false}} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, e.authorizeURL(nil), nil)
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
			rec := httptest.NewRecorder()
			tt.h.ServeHTTP(rec, req)
			sso := strings.HasPrefix(rec.Header().Get("Location"), e.cbURL)
			if sso != tt.wantSSO {
				t.Errorf("Location %q, want single sign-on: %v", rec.Header().Get("Location"), tt.wantSSO)
			}
		})
	}
}

// TestDiscovery: the provider metadata is complete and consistent.
func TestDiscovery(t *testing.T) {
	e := newEnv(t)
	r := newAgent(t).get(e.base + "/.well-known/openid-configuration")
	m := tokenJSON(t, r.body)
	for k, want := range map[string]any{
		"issuer": e.base, "authorization_endpoint": e.base + "/oauth2/authorize", "token_endpoint": e.base + "/oauth2/token",
		"userinfo_endpoint": e.base + "/oauth2/userInfo", "jwks_uri": e.base + "/.well-known/jwks.json",
		"end_session_endpoint": e.base + "/logout", "revocation_endpoint": e.base + "/oauth2/revoke",
		"authorization_response_iss_parameter_supported": true,
	} {
		if m[k] != want {
			t.Errorf("%s = %v, want %v", k, m[k], want)
		}
	}
	for k, want := range map[string]string{"response_types_supported": "code", "subject_types_supported": "public",
		"code_challenge_methods_supported": "S256", "scopes_supported": "openid", "grant_types_supported": "client_credentials",
		"token_endpoint_auth_methods_supported": "client_secret_basic", "id_token_signing_alg_values_supported": "RS256",
		"claims_supported": "email"} {
		list, _ := m[k].([]any)
		found := false
		for _, v := range list {
			found = found || v == want
		}
		if !found {
			t.Errorf("%s = %v lacks %q", k, m[k], want)
		}
	}
	if methods := m["code_challenge_methods_supported"].([]any); len(methods) != 1 {
		t.Errorf("code_challenge_methods_supported = %v: plain must not be offered", methods)
	}
	jwks := newAgent(t).get(e.base + "/.well-known/jwks.json")
	if jwks.status != 200 || !strings.Contains(jwks.body, `"kid"`) {
		t.Errorf("jwks: %d %s", jwks.status, jwks.body)
	}
}

// With AllowAdminCreateUserOnly the hosted UI offers no sign-up: no link
// on the login page, and the page itself does not exist.
func TestNoSignUpPageWhenOnlyAdministratorsCreateUsers(t *testing.T) {
	e := newEnv(t, envOption{pool: func(c *userpool.Config) { c.AllowAdminCreateUserOnly = true }})
	b := newAgent(t)
	login := b.open(e.authorizeURL(nil))
	if login.status != http.StatusOK || strings.Contains(login.body, "/signup") {
		t.Fatalf("login page %d offers sign-up:\n%s", login.status, login.body)
	}
	if r := b.get(e.base + "/signup"); r.status != http.StatusNotFound {
		t.Fatalf("GET /signup = %d, want 404", r.status)
	}
	if r := b.post(e.base+"/signup", url.Values{"username": {"mallory"}, "password": {goodPW}}); r.status != http.StatusNotFound {
		t.Fatalf("POST /signup = %d, want 404", r.status)
	}
	// The default pool still offers it.
	open := newEnv(t)
	if page := newAgent(t).open(open.authorizeURL(nil)); !strings.Contains(page.body, "/signup") {
		t.Fatal("the login page of a self-service pool offers no sign-up")
	}
}
