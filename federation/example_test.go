package federation_test

import (
	"context"
	"log"
	"net/http"
	"time"

	"github.com/cupola-auth/cupola/federation"
)

// ExampleNewOIDC signs a user in through an OpenID Connect provider: Start
// when the browser asks to sign in, Complete when it comes back to the
// callback. Where Pending is kept between the two is the caller's choice;
// it must stay bound to the browser.
func ExampleNewOIDC() {
	ctx := context.Background()
	p, err := federation.NewOIDC(ctx, federation.Config{
		Name: "CorpIdP",
		Type: federation.TypeOIDC,
		Details: map[string]string{
			"client_id":                 "cupola",
			"client_secret":             "from-your-secret-store",
			"oidc_issuer":               "https://idp.example.com",
			"authorize_scopes":          "openid email profile",
			"attributes_request_method": "GET",
		},
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
	})
	if err != nil {
		log.Fatal(err)
	}

	// On GET /oauth2/authorize?identity_provider=CorpIdP:
	signIn := func(w http.ResponseWriter, r *http.Request, state string) (federation.Pending, error) {
		s, err := p.Start(r.Context(), federation.StartInput{
			CallbackURL: "https://auth.example.com/oauth2/idpresponse",
			State:       state,
		})
		if err != nil {
			return federation.Pending{}, err
		}
		http.Redirect(w, r, s.URL, http.StatusFound)
		return s.Pending, nil // seal it into a cookie, for example
	}

	// On GET or POST /oauth2/idpresponse:
	callback := func(r *http.Request, pending federation.Pending) (*federation.Identity, error) {
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		return p.Complete(r.Context(), federation.CompleteInput{Params: r.Form, Pending: pending})
	}
	_, _ = signIn, callback
}
