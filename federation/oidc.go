package federation

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// signingAlgs are the ID token signatures accepted. Asymmetric only: with
// "none" anyone could write a token, and with HS* the key is the client
// secret, or — in the key-confusion attack — the provider's public key.
func signingAlgs() []string {
	return []string{
		oidc.RS256, oidc.RS384, oidc.RS512,
		oidc.ES256, oidc.ES384, oidc.ES512,
		oidc.PS256, oidc.PS384, oidc.PS512,
		oidc.EdDSA,
	}
}

// endpoints are a provider's URLs. Empty ones come from discovery.
type endpoints struct {
	auth, token, jwks, userinfo string
}

// oidcProvider is an OpenID Connect relying party: authorization code flow
// with PKCE and a nonce, the ID token verified by go-oidc, optionally the
// userinfo endpoint. The Google and Apple presets are configurations of it.
type oidcProvider struct {
	oauthBase
	issuer string
	given  endpoints
	// userinfo is the method for the userinfo call, GET or POST; empty
	// when the ID token's claims are all Cupola asks for.
	userinfo string
	// secret returns the client secret for one token call; Apple's is a
	// JWT minted for it. Nil means oauthBase.clientSecret.
	secret func(now time.Time) (string, error)
	// authParams are added to every authorization request (Apple's
	// response_mode).
	authParams []oauth2.AuthCodeOption

	mu       sync.Mutex
	resolved *resolvedOIDC
}

type resolvedOIDC struct {
	endpoints
	verifier *oidc.IDTokenVerifier
}

// NewOIDC returns an OpenID Connect provider (Type [TypeOIDC]) configured
// by cfg.Details: client_id, client_secret (optional for a public client),
// oidc_issuer, authorize_scopes (default "openid email profile"; must
// include openid), token_endpoint_auth_method (client_secret_basic, the
// default, or client_secret_post), attributes_request_method (GET or
// POST: also call the userinfo endpoint), and authorize_url, token_url,
// jwks_uri, attributes_url to override discovery.
//
// Discovery, when needed, happens on the first Start or Complete, not
// here: a provider that is down when the pool loads must not keep the
// pool from loading, and comes back by itself. A failed discovery is not
// cached.
func NewOIDC(ctx context.Context, cfg Config) (Provider, error) {
	d := newDetails(cfg)
	scopes := d.scopes("openid email profile")
	if !slices.Contains(scopes, "openid") {
		return nil, d.configError(keyScopes, "must include openid")
	}
	base, err := newOAuthBase(cfg, TypeOIDC, d, false, scopes)
	if err != nil {
		return nil, err
	}
	style, err := d.oneOf(keyTokenAuthMethod, "client_secret_basic", "client_secret_basic", "client_secret_post")
	if err != nil {
		return nil, err
	}
	if style == "client_secret_basic" && base.clientSecret != "" {
		base.authStyle = oauth2.AuthStyleInHeader
	}
	p, err := newOIDCProvider(d, base, "", endpoints{})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// newOIDCProvider reads the issuer, endpoint overrides and userinfo
// settings on top of a preset: presetIssuer and preset apply when
// oidc_issuer is absent or names the preset's issuer; another issuer
// (a test server standing in for Google) gets discovery instead.
func newOIDCProvider(d details, base oauthBase, presetIssuer string, preset endpoints) (*oidcProvider, error) {
	issuer := d.optional(keyIssuer)
	switch {
	case issuer == "" && presetIssuer == "":
		return nil, d.configError(keyIssuer, "required")
	case issuer == "" || issuer == presetIssuer:
		issuer = presetIssuer
	default:
		if err := checkEndpoint(issuer); err != nil {
			return nil, d.configError(keyIssuer, "%v", err)
		}
		preset = endpoints{}
	}
	p := &oidcProvider{oauthBase: base, issuer: issuer}
	var err error
	if p.given.auth, err = d.url(keyAuthorizeURL, preset.auth); err != nil {
		return nil, err
	}
	if p.given.token, err = d.url(keyTokenURL, preset.token); err != nil {
		return nil, err
	}
	if p.given.jwks, err = d.url(keyJWKSURI, preset.jwks); err != nil {
		return nil, err
	}
	if p.given.userinfo, err = d.url(keyAttributesURL, preset.userinfo); err != nil {
		return nil, err
	}
	p.userinfo, err = d.oneOf(keyAttributesMethod, "", http.MethodGet, http.MethodPost)
	if err != nil {
		return nil, err
	}
	if p.userinfo == "" && d.optional(keyAttributesURL) != "" {
		p.userinfo = http.MethodGet
	}
	return p, nil
}

// resolve returns the provider's endpoints and ID token verifier,
// discovering what the configuration did not give on first use.
func (p *oidcProvider) resolve(ctx context.Context) (*resolvedOIDC, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.resolved != nil {
		return p.resolved, nil
	}
	e := p.given
	if e.auth == "" || e.token == "" || e.jwks == "" || (p.userinfo != "" && e.userinfo == "") {
		found, err := p.discover(ctx)
		if err != nil {
			return nil, err
		}
		e.auth = cmp.Or(e.auth, found.auth)
		e.token = cmp.Or(e.token, found.token)
		e.jwks = cmp.Or(e.jwks, found.jwks)
		e.userinfo = cmp.Or(e.userinfo, found.userinfo)
	}
	if p.userinfo != "" && e.userinfo == "" {
		return nil, p.fail("discovery", ErrConfig,
			keyAttributesMethod+" is set but the provider has no userinfo endpoint and "+keyAttributesURL+" is empty", nil)
	}
	// The key set fetches with a context of its own (go-oidc keeps only
	// its values), so it gets the bounded client but not the caller's
	// deadline.
	keys := oidc.NewRemoteKeySet(p.clientContext(context.Background()), e.jwks)
	p.resolved = &resolvedOIDC{
		endpoints: e,
		verifier: oidc.NewVerifier(p.issuer, keys, &oidc.Config{
			ClientID:             p.clientID,
			SupportedSigningAlgs: signingAlgs(),
			Now:                  p.now,
		}),
	}
	return p.resolved, nil
}

// discover reads the issuer's discovery document. go-oidc checks that it
// names the same issuer; the endpoints it gives must be https like the
// configured ones, so the document cannot downgrade the token call.
func (p *oidcProvider) discover(ctx context.Context) (endpoints, error) {
	prov, err := oidc.NewProvider(p.clientContext(ctx), p.issuer)
	if err != nil {
		return endpoints{}, p.fail("discovery", ErrUnavailable, p.issuer, err)
	}
	var doc struct {
		Auth     string `json:"authorization_endpoint"`
		Token    string `json:"token_endpoint"`
		JWKS     string `json:"jwks_uri"`
		Userinfo string `json:"userinfo_endpoint"`
	}
	if err := prov.Claims(&doc); err != nil {
		return endpoints{}, p.fail("discovery", ErrUnavailable, p.issuer, err)
	}
	for name, u := range map[string]string{"authorization_endpoint": doc.Auth, "token_endpoint": doc.Token, "jwks_uri": doc.JWKS} {
		if err := checkEndpoint(u); err != nil {
			return endpoints{}, p.fail("discovery", ErrUnavailable, name, err)
		}
	}
	if doc.Userinfo != "" {
		if err := checkEndpoint(doc.Userinfo); err != nil {
			return endpoints{}, p.fail("discovery", ErrUnavailable, "userinfo_endpoint", err)
		}
	}
	return endpoints{auth: doc.Auth, token: doc.Token, jwks: doc.JWKS, userinfo: doc.Userinfo}, nil
}

// Start implements Provider.
func (p *oidcProvider) Start(ctx context.Context, in StartInput) (*Start, error) {
	r, err := p.resolve(ctx)
	if err != nil {
		return nil, err
	}
	// 26 base32 characters: 130 random bits.
	pending, err := p.begin(in, rand.Text())
	if err != nil {
		return nil, err
	}
	opts := append(slices.Clip(p.authParams), oidc.Nonce(pending.Nonce))
	return &Start{URL: p.authCodeURL(r.auth, pending, in.LoginHint, opts...), Pending: pending}, nil
}

// Complete implements Provider.
func (p *oidcProvider) Complete(ctx context.Context, in CompleteInput) (*Identity, error) {
	code, err := p.callback(in)
	if err != nil {
		return nil, err
	}
	r, err := p.resolve(ctx)
	if err != nil {
		return nil, err
	}
	secret := p.clientSecret
	if p.secret != nil {
		if secret, err = p.secret(p.now()); err != nil {
			return nil, p.fail("token", ErrConfig, "client secret", err)
		}
	}
	tok, err := p.exchange(ctx, r.token, in.Pending, code, secret)
	if err != nil {
		return nil, err
	}
	attrs, sub, err := p.verifyIDToken(ctx, r, tok, in.Pending.Nonce)
	if err != nil {
		return nil, err
	}
	if p.userinfo != "" {
		info, err := p.fetchUserinfo(ctx, r.userinfo, tok.AccessToken, sub)
		if err != nil {
			return nil, err
		}
		mergeClaims(attrs, info)
	}
	return &Identity{
		Provider:      p.name,
		Type:          p.typ,
		Subject:       sub,
		Email:         attrs["email"],
		EmailVerified: attrs["email"] != "" && claimTrue(attrs, "email_verified"),
		Attributes:    attrs,
		AuthTime:      claimTime(attrs, "auth_time"),
	}, nil
}

// verifyIDToken checks the token response's ID token — signature,
// algorithm, issuer, audience, lifetime by go-oidc; nonce, subject and
// at_hash here — and returns its claims flattened and its subject.
func (p *oidcProvider) verifyIDToken(ctx context.Context, r *resolvedOIDC, tok *oauth2.Token, nonce string) (map[string]string, string, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, "", p.fail("token", ErrInvalidResponse, "token response has no id_token", nil)
	}
	idt, err := r.verifier.Verify(p.clientContext(ctx), raw)
	if err != nil {
		return nil, "", p.fail("verify", ErrInvalidResponse, "id_token", err)
	}
	// The nonce ties the token to this browser's sign-in: without the
	// check a token issued for another sign-in could be replayed here.
	if nonce == "" || subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(nonce)) != 1 {
		return nil, "", p.fail("verify", ErrInvalidResponse, "id_token nonce does not match the pending sign-in", nil)
	}
	if idt.Subject == "" {
		return nil, "", p.fail("verify", ErrInvalidResponse, "id_token has no sub", nil)
	}
	if idt.AccessTokenHash != "" {
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			return nil, "", p.fail("verify", ErrInvalidResponse, "id_token at_hash", err)
		}
	}
	var payload json.RawMessage
	if err := idt.Claims(&payload); err != nil {
		return nil, "", p.fail("verify", ErrInvalidResponse, "id_token claims", err)
	}
	claims, err := decodeClaims(payload)
	if err != nil {
		return nil, "", p.fail("verify", ErrInvalidResponse, "id_token claims", err)
	}
	attrs := flattenClaims(claims)
	// The nonce has done its job and is a per-browser secret; attribute
	// mappings have no use for it.
	delete(attrs, "nonce")
	return attrs, idt.Subject, nil
}

// fetchUserinfo calls the userinfo endpoint. Its sub must be the ID
// token's (OIDC Core 5.3.2): otherwise the answer is about someone else,
// for example from a token substitution.
func (p *oidcProvider) fetchUserinfo(ctx context.Context, u, accessToken, sub string) (map[string]string, error) {
	newReq := bearerGET
	if p.userinfo == http.MethodPost {
		newReq = formPOST
	}
	req, err := newReq(u, accessToken)
	if err != nil {
		return nil, p.fail("userinfo", ErrConfig, "userinfo URL", err)
	}
	claims, err := p.fetchClaims(ctx, "userinfo", req)
	if err != nil {
		return nil, err
	}
	info := flattenClaims(claims)
	if info["sub"] != sub {
		return nil, p.fail("userinfo", ErrInvalidResponse,
			fmt.Sprintf("userinfo sub %q is not the id_token's", printable(info["sub"], 64)), nil)
	}
	return info, nil
}
