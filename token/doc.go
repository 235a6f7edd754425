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
//     claim is trusted), exp, nbf, iat, iss, token_use and the client. It
//     never fetches a key a token points to (jku, x5u, jwk headers).
//
// Every verification failure matches ErrInvalidToken, and a more specific
// sentinel (ErrExpired, ErrAudience...) says why.
//
// A resource server verifies an access token in a few lines:
//
//	v, err := token.NewVerifier(token.VerifierConfig{
//		Issuer:    "https://auth.example.com/pool-1",
//		Keys:      keys, // a *token.KeySet, or any token.KeySource
//		ClientIDs: []string{"app-client-id"},
//	})
//	if err != nil {
//		return err
//	}
//	claims, err := v.VerifyAccess(ctx, raw)
//	if errors.Is(err, token.ErrInvalidToken) {
//		// 401
//	}
//	if !claims.HasScope("orders/read") {
//		// 403
//	}
package token
