package federation

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"
)

// Sign in with Apple's endpoints
// (https://appleid.apple.com/.well-known/openid-configuration).
const appleIssuer = "https://appleid.apple.com"

func appleEndpoints() endpoints {
	return endpoints{
		auth:  "https://appleid.apple.com/auth/authorize",
		token: "https://appleid.apple.com/auth/token",
		jwks:  "https://appleid.apple.com/auth/keys",
	}
}

// appleSecretTTL is the client secret JWT's lifetime. Apple allows up to
// six months; one is minted per token call, so minutes are enough and a
// leaked one is soon useless.
const appleSecretTTL = 5 * time.Minute

// NewApple returns the Sign in with Apple provider (Type [TypeApple]):
// OpenID Connect against appleid.apple.com with client_id (the Services
// ID), team_id, key_id, private_key (the .p8 file: PEM, PKCS #8, EC
// P-256) and authorize_scopes (default "name email").
//
// Apple posts the callback (response_mode=form_post) when names or email
// are asked for; the user's name arrives only then, on the first sign-in,
// in the unsigned "user" form field, and lands in Attributes as
// given_name, family_name and name. Email and email_verified come from
// the signed ID token only.
//
// oidc_issuer, authorize_url, token_url and jwks_uri are honoured as by
// [NewOIDC], so the preset can be pointed at a test server.
func NewApple(ctx context.Context, cfg Config) (Provider, error) {
	d := newDetails(cfg)
	scopes := d.scopes("name email")
	base, err := newOAuthBase(cfg, TypeApple, d, false, scopes)
	if err != nil {
		return nil, err
	}
	secret, err := newAppleSecret(d, base.clientID)
	if err != nil {
		return nil, err
	}
	p, err := newOIDCProvider(d, base, appleIssuer, appleEndpoints())
	if err != nil {
		return nil, err
	}
	// Apple reads the client secret from the form only.
	p.authStyle = oauth2.AuthStyleInParams
	p.secret = secret.mint
	if slices.Contains(scopes, "name") || slices.Contains(scopes, "email") {
		// Apple refuses a query-mode authorization request that asks
		// for name or email.
		p.authParams = []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("response_mode", "form_post")}
	}
	return &appleProvider{oidcProvider: p}, nil
}

// appleProvider adds the "user" form field's names to the OIDC result.
type appleProvider struct {
	*oidcProvider
}

// Complete implements Provider.
func (p *appleProvider) Complete(ctx context.Context, in CompleteInput) (*Identity, error) {
	id, err := p.oidcProvider.Complete(ctx, in)
	if err != nil {
		return nil, err
	}
	raw := in.Params.Get("user")
	if raw == "" {
		return id, nil
	}
	names, err := parseAppleUser(raw)
	if err != nil {
		return nil, p.fail("complete", ErrInvalidResponse, "user form field", err)
	}
	// The ID token's claims win: the form field is not signed.
	mergeClaims(id.Attributes, names)
	return id, nil
}

// appleSecret mints Apple's client secret: an ES256 JWT signed with the
// developer's key (Apple, "Creating a client secret").
type appleSecret struct {
	key      *ecdsa.PrivateKey
	teamID   string
	keyID    string
	clientID string
}

func newAppleSecret(d details, clientID string) (*appleSecret, error) {
	teamID, err := d.required(keyTeamID)
	if err != nil {
		return nil, err
	}
	keyID, err := d.required(keyKeyID)
	if err != nil {
		return nil, err
	}
	pemText, err := d.required(keyPrivateKey)
	if err != nil {
		return nil, err
	}
	key, err := jwt.ParseECPrivateKeyFromPEM([]byte(pemText))
	if err != nil {
		// The parser's message names the failure, never the key bytes.
		return nil, d.configError(keyPrivateKey, "not a PEM EC private key: %v", err)
	}
	if key.Curve != elliptic.P256() {
		return nil, d.configError(keyPrivateKey, "the key is on %s, Apple's keys are P-256", key.Curve.Params().Name)
	}
	return &appleSecret{key: key, teamID: teamID, keyID: keyID, clientID: clientID}, nil
}

func (s *appleSecret) mint(now time.Time) (string, error) {
	// MapClaims rather than RegisteredClaims so that aud is a string, as
	// Apple's documentation shows it, not a one-element array.
	tok := jwt.NewWithClaims(jwt.SigningMethodES256, jwt.MapClaims{
		"iss": s.teamID,
		"sub": s.clientID,
		"aud": appleIssuer,
		"iat": now.Unix(),
		"exp": now.Add(appleSecretTTL).Unix(),
	})
	tok.Header["kid"] = s.keyID
	return tok.SignedString(s.key)
}
