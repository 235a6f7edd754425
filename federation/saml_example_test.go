package federation_test

import (
	"context"
	"crypto"
	"crypto/x509"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/cupola-auth/cupola/federation"
)

// ExampleNewSAML configures a SAML identity provider from its metadata
// file, publishes the SP metadata for the administrator to register at the
// IdP, and serves the two halves of a sign-in. Where Pending lives between
// them (here a hypothetical sealed cookie) is the caller's choice.
func ExampleNewSAML() {
	var (
		replay federation.ReplayCache // backed by the user pool's store
		key    crypto.Signer          // the SP's RSA key…
		cert   *x509.Certificate      // …and its certificate
	)
	metadata, err := os.ReadFile("corp-idp-metadata.xml")
	if err != nil {
		log.Fatal(err)
	}
	const callback = "https://auth.example.com/saml2/idpresponse"

	p, err := federation.NewSAML(context.Background(), federation.Config{
		Name: "CorpSAML",
		Type: federation.TypeSAML,
		Details: map[string]string{
			"MetadataFile":            string(metadata),
			"RequestSigningAlgorithm": "rsa-sha256",
			"EncryptedResponses":      "true",
		},
		SP: federation.SPConfig{
			EntityID:    "urn:amazon:cognito:sp:us-east-1_Example",
			Key:         key,
			Certificate: cert,
			Replay:      replay,
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	spMetadata, err := p.Metadata(callback)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s\n", spMetadata)

	http.HandleFunc("/saml2/login", func(w http.ResponseWriter, r *http.Request) {
		start, err := p.Start(r.Context(), federation.StartInput{CallbackURL: callback, State: samlExampleState()})
		if err != nil {
			http.Error(w, "sign-in unavailable", http.StatusBadGateway)
			return
		}
		samlExampleSeal(w, start.Pending)
		http.Redirect(w, r, start.URL, http.StatusFound)
	})
	http.HandleFunc("/saml2/idpresponse", func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		id, err := p.Complete(r.Context(), federation.CompleteInput{Params: r.PostForm, Pending: samlExampleOpen(r)})
		if err != nil {
			log.Print(err) // *federation.Error: provider, step, and why
			http.Error(w, "sign-in failed", http.StatusForbidden)
			return
		}
		fmt.Fprintf(w, "signed in as %s_%s", id.Provider, id.Subject)
	})
}

// The session plumbing of the example, left to the application.
func samlExampleState() string                                { return "…" }
func samlExampleSeal(http.ResponseWriter, federation.Pending) {}
func samlExampleOpen(*http.Request) federation.Pending        { return federation.Pending{} }
