package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// hit sends a request with extra headers and returns the status, the
// Retry-After header and the body.
func hit(t *testing.T, method, u, body string, header map[string]string) (int, string, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, u, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Retry-After"), string(b)
}

const badGrant = "grant_type=authorization_code&client_id=web&code=nope&redirect_uri=https%3A%2F%2Fapp.example.com%2Fcb"

// TestRateLimitsRefuseAfterTheLimitAndNotBefore: the token class allows
// its burst, then answers 429 with Retry-After; other classes and the
// health checks are unaffected, and refusals are counted.
func TestRateLimitsRefuseAfterTheLimitAndNotBefore(t *testing.T) {
	s, metrics, _ := startWithMetrics(t, `
rate_limits:
  token: {per_minute: 5}
  api: {per_minute: 2}
`)
	for i := range 5 {
		if code, _, body := hit(t, http.MethodPost, s.base+"/oauth2/token", badGrant, nil); code != http.StatusBadRequest {
			t.Fatalf("token request %d = %d %s, want 400 invalid_grant (not yet limited)", i+1, code, body)
		}
	}
	code, retry, _ := hit(t, http.MethodPost, s.base+"/oauth2/token", badGrant, nil)
	if secs, err := strconv.Atoi(retry); code != http.StatusTooManyRequests || err != nil || secs < 1 || secs > 12 {
		t.Fatalf("6th token request = %d, Retry-After %q; want 429 and about 12 s", code, retry)
	}
	// The hosted pages are another class; health is never limited.
	if code, _, _ := hit(t, http.MethodGet, s.base+"/login?client_id=web", "", nil); code == http.StatusTooManyRequests {
		t.Error("a hosted page was refused for the token class's flood")
	}
	for range 20 {
		if code, _, _ := hit(t, http.MethodGet, s.base+"/healthz", "", nil); code != http.StatusOK {
			t.Fatalf("healthz = %d", code)
		}
	}
	// The wire API answers throttling as Cognito does, so SDKs retry.
	wire := map[string]string{"X-Amz-Target": "AWSCognitoIdentityProviderService.InitiateAuth", "Content-Type": "application/x-amz-json-1.1"}
	for range 2 {
		hit(t, http.MethodPost, s.base+"/", `{}`, wire)
	}
	code, retry, body := hit(t, http.MethodPost, s.base+"/", `{}`, wire)
	var e struct {
		Type string `json:"__type"`
	}
	if code != http.StatusBadRequest || retry == "" || json.Unmarshal([]byte(body), &e) != nil || e.Type != "TooManyRequestsException" {
		t.Errorf("throttled wire call = %d, Retry-After %q, %s", code, retry, body)
	}
	fams := scrape(t, metrics)
	if got := sample(fams, "cupola_http_throttled_total", map[string]string{"class": "token"}); got != 1 {
		t.Errorf("throttled token requests = %v, want 1", got)
	}
	if got := sample(fams, "cupola_http_throttled_total", map[string]string{"class": "api"}); got != 1 {
		t.Errorf("throttled api requests = %v, want 1", got)
	}
}

// TestTrustedProxiesNameTheClient: behind a trusted proxy each client in
// X-Forwarded-For has its own bucket; from an untrusted peer the header
// is ignored, so a flood cannot spread itself over invented addresses.
func TestTrustedProxiesNameTheClient(t *testing.T) {
	xff := func(ip string) map[string]string { return map[string]string{"X-Forwarded-For": ip} }
	t.Run("trusted", func(t *testing.T) {
		s, _, _ := startWithMetrics(t, `
trusted_proxies: [127.0.0.1]
rate_limits:
  token: {per_minute: 1}
`)
		for _, ip := range []string{"203.0.113.7", "203.0.113.8", "2001:db8:1::1"} {
			if code, _, _ := hit(t, http.MethodPost, s.base+"/oauth2/token", badGrant, xff(ip)); code != http.StatusBadRequest {
				t.Errorf("first request of %s = %d, want it through", ip, code)
			}
		}
		if code, _, _ := hit(t, http.MethodPost, s.base+"/oauth2/token", badGrant, xff("203.0.113.7")); code != http.StatusTooManyRequests {
			t.Errorf("second request of 203.0.113.7 = %d, want 429", code)
		}
		// The same /64 is one client.
		if code, _, _ := hit(t, http.MethodPost, s.base+"/oauth2/token", badGrant, xff("2001:db8:1::2")); code != http.StatusTooManyRequests {
			t.Errorf("another address of the same /64 = %d, want 429", code)
		}
	})
	t.Run("untrusted", func(t *testing.T) {
		s, _, _ := startWithMetrics(t, `
rate_limits:
  token: {per_minute: 1}
`)
		hit(t, http.MethodPost, s.base+"/oauth2/token", badGrant, xff("203.0.113.7"))
		if code, _, _ := hit(t, http.MethodPost, s.base+"/oauth2/token", badGrant, xff("203.0.113.9")); code != http.StatusTooManyRequests {
			t.Errorf("an invented X-Forwarded-For got a fresh bucket: %d", code)
		}
	})
	t.Run("exempt", func(t *testing.T) {
		s, _, _ := startWithMetrics(t, `
rate_limits:
  token: {per_minute: 1}
  exempt: [127.0.0.0/8]
`)
		for range 5 {
			if code, _, _ := hit(t, http.MethodPost, s.base+"/oauth2/token", badGrant, nil); code == http.StatusTooManyRequests {
				t.Fatal("an exempt network was limited")
			}
		}
	})
}

func TestRateLimitConfigIsChecked(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"negative", "rate_limits: {token: {per_minute: -1}}", "must not be negative"},
		{"bad exempt", "rate_limits: {exempt: [not-a-network]}", "rate_limits.exempt"},
		{"bad proxy", "trusted_proxies: [10.0.0.0/33]", "trusted_proxies"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := writeFile(t, t.TempDir(), "cupola.yaml", `
pool:
  id: p
  issuer: https://auth.example.com
  secret: {env: POOL_SECRET}
`+tc.yaml+"\n", 0o644)
			if _, err := loadConfig(cfg); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("loadConfig = %v, want %q", err, tc.want)
			}
		})
	}
}
