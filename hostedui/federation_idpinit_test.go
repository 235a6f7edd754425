package hostedui_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/userpool"
)

// TestFederatedSAMLIdPInitiatedSignIn: a SAML response nobody asked for
// (the IdP's dashboard bookmark) signs in only where the provider allows
// it (IDPInit), and lands where its RelayState's authorization request,
// checked as /oauth2/authorize checks one, says.
func TestFederatedSAMLIdPInitiatedSignIn(t *testing.T) {
	idp := newSAMLIdP(t)
	e := newEnv(t, supporting(userpool.ProviderCognito, samlIdPName), withSAMLKeys(t))
	e.addSAMLProvider(idp)
	conf, err := e.pool.CreateUserPoolClient(e.ctx, userpool.ClientConfig{ClientName: "portal", GenerateSecret: true, CodeWithoutPKCE: true,
		CallbackURLs: []string{e.cbURL}, AllowedOAuthFlows: []string{userpool.OAuthFlowCode},
		AllowedOAuthScopes: []string{userpool.ScopeOpenID, userpool.ScopeEmail}, SupportedIdentityProviders: []string{samlIdPName}})
	if err != nil {
		t.Fatal(err)
	}
	relay := func(clientID string) string {
		return url.Values{"response_type": {"code"}, "client_id": {clientID}, "redirect_uri": {e.cbURL},
			"identity_provider": {samlIdPName}, "scope": {"openid email"}}.Encode()
	}
	// The IdP's unsolicited response, with the RelayState the app adds
	// (it is not signed in the POST binding, and Cognito's is longer than
	// the 80 bytes crewjam allows itself).
	unsolicited := func(relayState string) (string, url.Values) {
		rec := httptest.NewRecorder()
		idp.idp.ServeIDPInitiated(rec, httptest.NewRequest(http.MethodGet, idp.server.URL+"/bookmark", nil),
			"urn:amazon:cognito:sp:"+e.pool.ID(), "")
		action, form := samlAutoPost(t, &response{status: rec.Code, body: rec.Body.String()})
		form.Set("RelayState", relayState)
		return action, form
	}
	landed := func(r *response) url.Values {
		loc, _ := url.Parse(r.location())
		if r.status != http.StatusSeeOther || loc == nil || !strings.HasPrefix(loc.String(), e.cbURL) {
			return nil
		}
		return loc.Query()
	}

	t.Run("refused while the provider does not allow it", func(t *testing.T) {
		action, form := unsolicited(relay(conf.ClientID))
		if q := landed(newAgent(t).post(action, form)); q != nil {
			t.Fatalf("an unsolicited response signed in without IDPInit: %v", q)
		}
	})

	described, err := e.pool.DescribeIdentityProvider(e.ctx, userpool.DescribeIdentityProviderInput{ProviderName: samlIdPName})
	if err != nil {
		t.Fatal(err)
	}
	details := described.IdentityProvider.ProviderDetails
	details["IDPInit"] = "true"
	if _, err := e.pool.UpdateIdentityProvider(e.ctx, userpool.UpdateIdentityProviderInput{ProviderName: samlIdPName, ProviderDetails: details}); err != nil {
		t.Fatal(err)
	}

	t.Run("lands at the RelayState's client with a code it can redeem", func(t *testing.T) {
		action, form := unsolicited(relay(conf.ClientID))
		q := landed(newAgent(t).post(action, form))
		if q == nil || q.Get("code") == "" {
			t.Fatalf("no code at the callback: %v", q)
		}
		tok, err := e.pool.OAuth().Token(e.ctx, userpool.TokenRequest{GrantType: "authorization_code", Code: q.Get("code"),
			RedirectURI: e.cbURL, ClientID: conf.ClientID, ClientSecret: conf.ClientSecret})
		if err != nil || tok.IDToken == "" {
			t.Fatalf("redeeming the code: %+v, %v", tok, err)
		}
	})
	t.Run("the same response cannot sign in twice", func(t *testing.T) {
		action, form := unsolicited(relay(conf.ClientID))
		if q := landed(newAgent(t).post(action, form)); q == nil || q.Get("code") == "" {
			t.Fatal("the first use did not sign in")
		}
		if q := landed(newAgent(t).post(action, form)); q != nil && q.Get("code") != "" {
			t.Fatal("a replayed unsolicited response signed in again")
		}
	})
	t.Run("a public client without PKCE is refused at its redirect URI", func(t *testing.T) {
		action, form := unsolicited(relay(publicClient))
		q := landed(newAgent(t).post(action, form))
		if q == nil || q.Get("error") != "invalid_request" || q.Get("code") != "" {
			t.Fatalf("callback query = %v, want invalid_request and no code", q)
		}
	})
	t.Run("a RelayState with an unregistered redirect gets an error page", func(t *testing.T) {
		action, form := unsolicited(strings.Replace(relay(conf.ClientID), url.QueryEscape(e.cbURL), url.QueryEscape("https://evil.example/cb"), 1))
		r := newAgent(t).post(action, form)
		if r.status != http.StatusBadRequest || r.location() != "" {
			t.Fatalf("answered %d to %q, want the error page", r.status, r.location())
		}
	})
}
