// Package token issues and verifies Cognito-shaped JSON Web Tokens: ID
// tokens (token_use "id") and access tokens (token_use "access") signed with
// RS256 (the default, as Cognito), ES256 or EdDSA, each with a kid header.
//
// It depends only on the standard library and golang-jwt, so a resource
// server can import it alone to check the tokens a Cupola user pool issued.
//
// The parts:
//
//   - Key and KeySet: signing keys with a lifecycle. KeySet.Rotate publishes
//     the next key before it signs (so every verifier's cached JWKS already
//     has it) and keeps retired keys verifiable until the tokens they signed
//     have expired; KeySet.Prune drops them afterwards.
//   - JWKS and JWKSHandler: the public keys, as served at
//     /.well-known/jwks.json.
//   - Issuer: signs IDClaims and AccessClaims with the current key.
//   - Verifier: checks size, algorithm allowlist, kid, signature (before any
//     claim is trusted), exp, nbf, iat, iss, token_use and the client; an ID
//     token's nonce with VerifyIDWithNonce. It never fetches a key a token
//     points to (jku, x5u, jwk headers).
//   - RemoteKeySet (NewRemoteKeySet, DiscoverKeySet): the keys of a remote
//     issuer, fetched from its JWKS URL and cached as its Cache-Control
//     says; an unknown kid refetches at most once per MinRefreshInterval,
//     concurrent lookups share one fetch, and cached keys keep verifying
//     while the endpoint is down.
//   - Middleware: the API Gateway role. It takes the Bearer token of a
//     request (RFC 6750), verifies it, checks Requirements (scopes, groups),
//     puts the claims in the context (AccessClaimsFrom) and answers 401,
//     403 or 400 with the RFC 6750 challenge otherwise. Require adds
//     stricter requirements per route.
//
// Every verification failure matches ErrInvalidToken, and a more specific
// sentinel (ErrExpired, ErrAudience...) says why.
//
// A resource server protects its API in three lines:
//
//	keys, err := token.DiscoverKeySet(ctx, "https://auth.example.com/pool-1", token.RemoteOptions{})
//	v, err := token.NewVerifier(token.VerifierConfig{Issuer: "https://auth.example.com/pool-1", Keys: keys, ClientIDs: []string{"app-client-id"}})
//	http.Handle("/api/", v.Middleware(token.MiddlewareOptions{Realm: "api"})(api))
//
// (checking each err), and a handler reads the caller:
//
//	claims, _ := token.AccessClaimsFrom(r.Context())
//
// Without HTTP, verify and check directly:
//
//	claims, err := v.VerifyAccess(ctx, raw)
//	if errors.Is(err, token.ErrInvalidToken) {
//		// 401
//	}
//	if err := (token.Requirements{AllScopes: []string{"orders/read"}}).Check(claims); err != nil {
//		// 403
//	}
package token
