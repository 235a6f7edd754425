package token

import (
	"context"
	"errors"
	"net/http"
	"strings"
)

// MiddlewareOptions configure Verifier.Middleware. The zero value verifies
// the access token and requires nothing more.
type MiddlewareOptions struct {
	// Realm is the realm of the WWW-Authenticate challenges; empty omits it.
	Realm string
	// Require is checked on every request through this middleware; use
	// Require (the function) for stricter routes beneath it.
	Require Requirements
	// MaxTokenSize lowers the size of the largest token considered; 0 (or
	// anything above the package's MaxTokenSize) means MaxTokenSize.
	// Longer tokens are refused before any decoding.
	MaxTokenSize int
}

// Middleware returns an http middleware that lets a request through only
// with a valid access token (VerifyAccess) meeting opts.Require, and puts
// its claims in the request context (AccessClaimsFrom).
//
// The token is read from the Authorization header only, with the Bearer
// scheme (RFC 6750 §2.1; the scheme is case-insensitive): never from the
// query or the body. Refusals follow RFC 6750 §3, with a short plain-text
// body:
//
//   - no Authorization header, or another scheme: 401 with
//     WWW-Authenticate: Bearer realm="..." and no error code;
//   - several Authorization headers, or a malformed bearer token: 400,
//     error="invalid_request";
//   - a token that is too large, or does not verify: 401,
//     error="invalid_token", with a fixed error_description (the token and
//     its claims are never echoed);
//   - a valid token failing opts.Require: 403, error="insufficient_scope"
//     and the scope needed;
//   - a key source that cannot answer (ErrKeysUnavailable, or another
//     error of a custom KeySource): 503, as the token was not judged.
func (v *Verifier) Middleware(opts MiddlewareOptions) func(http.Handler) http.Handler {
	maxTok := opts.MaxTokenSize
	if maxTok <= 0 || maxTok > MaxTokenSize {
		maxTok = MaxTokenSize
	}
	ch := newChallenger(opts.Realm)
	req := opts.Require
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			raw, fail := bearerToken(r.Header, maxTok)
			if fail != nil {
				ch.refuse(w, fail)
				return
			}
			c, err := v.VerifyAccess(r.Context(), raw)
			if err != nil {
				ch.refuse(w, verifyRefusal(err))
				return
			}
			if scopes, err := req.check(c); err != nil {
				ch.refuse(w, forbidden(err, scopes))
				return
			}
			ctx := context.WithValue(r.Context(), authKey{}, &authInfo{claims: c, ch: ch})
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// Require returns a middleware that lets a request through only if the
// access token that Middleware (further out) put in its context meets q:
// otherwise 403 insufficient_scope, with Middleware's realm. Without
// claims in the context (Middleware missing), it answers 401.
//
//	auth := v.Middleware(token.MiddlewareOptions{Realm: "orders"})
//	mux.Handle("GET /orders", auth(list))
//	mux.Handle("POST /orders", auth(token.Require(token.Requirements{AllScopes: []string{"orders/write"}})(create)))
func Require(q Requirements) func(http.Handler) http.Handler {
	anon := newChallenger("")
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			info, _ := r.Context().Value(authKey{}).(*authInfo)
			if info == nil || info.claims == nil {
				anon.refuse(w, &refusal{status: http.StatusUnauthorized, body: "authentication required"})
				return
			}
			if scopes, err := q.check(info.claims); err != nil {
				info.ch.refuse(w, forbidden(err, scopes))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// authKey is the context key of the verified access token.
type authKey struct{}

type authInfo struct {
	claims *AccessClaims
	ch     *challenger
}

// AccessClaimsFrom returns the claims of the access token Middleware
// verified for this request.
func AccessClaimsFrom(ctx context.Context) (*AccessClaims, bool) {
	info, ok := ctx.Value(authKey{}).(*authInfo)
	if !ok || info.claims == nil {
		return nil, false
	}
	return info.claims, true
}

// ContextWithAccessClaims returns ctx carrying c as Middleware would, for
// testing handlers (and Require) without a token.
func ContextWithAccessClaims(ctx context.Context, c *AccessClaims) context.Context {
	return context.WithValue(ctx, authKey{}, &authInfo{claims: c, ch: newChallenger("")})
}

// refusal is one RFC 6750 answer.
type refusal struct {
	status int
	code   string   // error="..."; empty for none
	desc   string   // error_description; fixed text, never input
	scope  []string // scope="..." of insufficient_scope
	body   string
}

var (
	errMultipleHeaders = &refusal{status: http.StatusBadRequest, code: "invalid_request", desc: "more than one Authorization header", body: "bad request"}
	errMalformedBearer = &refusal{status: http.StatusBadRequest, code: "invalid_request", desc: "malformed bearer token", body: "bad request"}
	errNoToken         = &refusal{status: http.StatusUnauthorized, body: "authentication required"}
	errTokenTooLarge   = &refusal{status: http.StatusUnauthorized, code: "invalid_token", desc: "the access token is too large", body: "invalid token"}
)

// bearerToken extracts the token of an "Authorization: Bearer <token>"
// header, looking at no more than a bounded prefix before refusing an
// oversized one.
func bearerToken(h http.Header, maxTok int) (string, *refusal) {
	vals := h.Values("Authorization")
	switch len(vals) {
	case 0:
		return "", errNoToken
	case 1:
	default:
		return "", errMultipleHeaders
	}
	v := vals[0]
	const scheme = "Bearer"
	if len(v) < len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) {
		return "", errNoToken // no credentials, or another scheme
	}
	rest := v[len(scheme):]
	if rest != "" && rest[0] != ' ' {
		return "", errNoToken // "Bearerx": another scheme
	}
	tok := strings.Trim(rest, " \t")
	switch {
	case tok == "":
		return "", errMalformedBearer
	case len(tok) > maxTok:
		return "", errTokenTooLarge
	case !isB64Token(tok):
		return "", errMalformedBearer
	}
	return tok, nil
}

// b64token characters as bit sets: ALPHA / DIGIT / "-" / "." / "_" / "~" /
// "+" / "/", bytes 0-63 and 64-127.
const (
	b64tokenLo = 0x3ffe80000000000
	b64tokenHi = 0x47fffffe87fffffe
)

// isB64Token reports whether s is an RFC 6750 b64token:
// 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"=".
func isB64Token(s string) bool {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c < 64 && b64tokenLo>>c&1 == 1 || c >= 64 && c < 128 && b64tokenHi>>(c-64)&1 == 1 {
			continue
		}
		break
	}
	if i == 0 {
		return false
	}
	for ; i < len(s); i++ {
		if s[i] != '=' {
			return false
		}
	}
	return true
}

// tokenFailures are the sentinels that say a token was judged invalid.
var tokenFailures = []error{
	ErrMalformed, ErrAlgorithm, ErrUnknownKey, ErrSignature, ErrExpired,
	ErrNotYetValid, ErrIssuer, ErrTokenUse, ErrAudience, ErrNonce,
}

// verifyRefusal maps a VerifyAccess error to its answer: 401 when the token
// was judged invalid, 503 when the keys could not be had.
func verifyRefusal(err error) *refusal {
	desc := ""
	switch {
	case errors.Is(err, ErrExpired):
		desc = "the access token expired"
	case errors.Is(err, ErrNotYetValid):
		desc = "the access token is not valid yet"
	case errors.Is(err, ErrTokenUse):
		desc = "not an access token"
	default:
		for _, f := range tokenFailures {
			if errors.Is(err, f) {
				desc = "the access token is invalid"
				break
			}
		}
	}
	if desc == "" {
		return &refusal{status: http.StatusServiceUnavailable, body: "token verification unavailable"}
	}
	return &refusal{status: http.StatusUnauthorized, code: "invalid_token", desc: desc, body: "invalid token"}
}

// forbidden is the answer to a valid token failing Requirements.
func forbidden(err error, scopes []string) *refusal {
	desc := "the access token lacks a required scope"
	if errors.Is(err, ErrNotInGroup) {
		desc = "the user is not in a required group"
	}
	return &refusal{status: http.StatusForbidden, code: "insufficient_scope", desc: desc, scope: scopes, body: "forbidden"}
}

// challenger writes refusals with a realm.
type challenger struct {
	realmParam string // ` realm="..."` or empty
}

func newChallenger(realm string) *challenger {
	if realm == "" {
		return &challenger{}
	}
	return &challenger{realmParam: ` realm="` + quoteParam(realm) + `"`}
}

func (ch *challenger) refuse(w http.ResponseWriter, f *refusal) {
	h := w.Header()
	if f.status == http.StatusUnauthorized || f.status == http.StatusForbidden || f.status == http.StatusBadRequest {
		var b strings.Builder
		b.WriteString("Bearer")
		b.WriteString(ch.realmParam)
		sep := ch.realmParam != ""
		param := func(name, value string) {
			if sep {
				b.WriteByte(',')
			}
			sep = true
			b.WriteString(" " + name + `="` + quoteParam(value) + `"`)
		}
		if f.code != "" {
			param("error", f.code)
		}
		if f.desc != "" {
			param("error_description", f.desc)
		}
		if len(f.scope) > 0 {
			param("scope", strings.Join(f.scope, " "))
		}
		h.Set("WWW-Authenticate", b.String())
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	w.WriteHeader(f.status)
	_, _ = w.Write([]byte(f.body + "\n"))
}

// quoteParam makes s safe inside an auth-param quoted-string: it keeps
// printable ASCII except '"' and '\' (which RFC 6750 forbids in
// error_description and scope) and replaces every other byte with '?'.
func quoteParam(s string) string {
	ok := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			ok = false
			break
		}
	}
	if ok {
		return s
	}
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			b[i] = '?'
		}
	}
	return string(b)
}
