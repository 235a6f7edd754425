package userpool

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/cupola-auth/cupola/store"
)

// usernamePattern is Cognito's: letters, marks, symbols, numbers and
// punctuation; no whitespace or control characters.
var usernamePattern = regexp.MustCompile(`^[\p{L}\p{M}\p{S}\p{N}\p{P}]+$`)

// NFKC can expand a character up to 18 times, so the normalized key is
// bounded too: it must fit a database index entry.
func validUsername(u string) bool {
	return utf8.ValidString(u) && utf8.RuneCountInString(u) <= 128 && usernamePattern.MatchString(u) &&
		len(norm.NFKC.String(u)) <= maxKeyBytes
}

// maxKeyBytes bounds a normalized username or alias key.
const maxKeyBytes = 1024

// usernameKey is the form uniqueness and look-up use: NFKC, and case-folded
// unless the pool is case-sensitive.
func (p *UserPool) usernameKey(name string) string {
	n := norm.NFKC.String(name)
	if !p.cfg.CaseSensitiveUsernames {
		n = strings.ToLower(n)
	}
	return n
}

// aliasKey normalizes an alias value of a kind.
func (p *UserPool) aliasKey(kind, v string) string {
	switch kind {
	case "email":
		return strings.ToLower(norm.NFKC.String(strings.TrimSpace(v)))
	case "preferred_username":
		return p.usernameKey(v)
	default:
		return v
	}
}

// signInAttributes are the attributes that identify a user at sign-in
// besides the username.
func (p *UserPool) signInAttributes() []string {
	if len(p.cfg.UsernameAttributes) > 0 {
		return p.cfg.UsernameAttributes
	}
	return p.cfg.AliasAttributes
}

// aliasesOf computes the unique sign-in keys a user holds: in
// username-attribute pools the attribute itself; in alias pools only
// verified values.
//
// Links to identity providers (identityAlias kinds) are kept from links,
// the user's current aliases: they are not attributes.
func (p *UserPool) aliasesOf(attrs map[string]string, links map[string]string) map[string]string {
	out := map[string]string{}
	for kind, v := range links {
		if strings.HasPrefix(kind, identityAliasPrefix) {
			out[kind] = v
		}
	}
	for _, kind := range p.signInAttributes() {
		v := attrs[kind]
		if v == "" {
			continue
		}
		if len(p.cfg.AliasAttributes) > 0 && kind != "preferred_username" && attrs[verifiedFlags[kind]] != "true" {
			continue
		}
		out[kind] = p.aliasKey(kind, v)
	}
	return out
}

// checkLogin bounds what a caller may send as a username before it is used
// as a look-up or lockout key.
func checkLogin(login string) error {
	if login == "" {
		return invalidParam("Missing required parameter USERNAME")
	}
	if len(login) > maxLoginBytes || !utf8.ValidString(login) {
		return invalidParam("USERNAME is not a valid username")
	}
	return nil
}

// findUser resolves what a user typed as their username: the username
// itself, or an email/phone/preferred username the pool accepts.
func (p *UserPool) findUser(ctx context.Context, login string) (u store.User, err error) {
	defer func() {
		if err == nil {
			noteUser(ctx, u) // the operation's user, for its audit record
		}
	}()
	if !validUsername(login) {
		return store.User{}, store.ErrNotFound
	}
	u, err = p.store.GetUserByUsername(ctx, p.cfg.ID, p.usernameKey(login))
	if err == nil || !errors.Is(err, store.ErrNotFound) {
		return u, err
	}
	for _, kind := range p.signInAttributes() {
		if !looksLike(kind, login) {
			continue
		}
		u, err = p.store.GetUserByAlias(ctx, p.cfg.ID, kind, p.aliasKey(kind, login))
		if err == nil || !errors.Is(err, store.ErrNotFound) {
			return u, err
		}
	}
	return store.User{}, store.ErrNotFound
}

// maxLoginBytes bounds what a user may type as their username: a
// preferred_username alias is the longest (2048 characters).
const maxLoginBytes = 4 * maxAttributeLen

// unknownKey is the lockout key of a login that names no user. It is a
// hash so that whatever was typed, the stored key stays small.
func (p *UserPool) unknownKey(login string) string {
	h := sha256.Sum256([]byte(p.usernameKey(login)))
	return "unknown:" + hex.EncodeToString(h[:])
}

// looksLike reports whether a login could be an alias of kind. An email-
// or phone-shaped login is only ever looked up as that kind (a
// preferred_username can never take either shape), so one alias cannot
// shadow another whatever the order of AliasAttributes.
func looksLike(kind, v string) bool {
	switch kind {
	case "email":
		return strings.Contains(v, "@")
	case "phone_number":
		return strings.HasPrefix(v, "+")
	default:
		return !strings.Contains(v, "@") && !looksLikePhone(v)
	}
}

// looksLikePhone reports a phone-number shape: "+" and digits, as E.164
// numbers are, with the separators people type.
func looksLikePhone(v string) bool {
	rest, ok := strings.CutPrefix(v, "+")
	if !ok || rest == "" {
		return false
	}
	return strings.Trim(rest, "0123456789 -().") == ""
}

// userAttrs returns a copy of the user's attributes (never nil).
func userAttrs(u store.User) map[string]string {
	out := make(map[string]string, len(u.Attributes))
	for k, v := range u.Attributes {
		out[k] = v
	}
	return out
}

// updateUser writes u (compare-and-swap) and maps store errors.
func (p *UserPool) updateUser(ctx context.Context, op string, u store.User) (store.User, error) {
	u.UpdatedAt = p.now()
	out, err := p.store.UpdateUser(ctx, u)
	var exists *store.ExistsError
	switch {
	case err == nil:
		return out, nil
	case errors.As(err, &exists):
		return out, newErr(CodeAliasExists, "An account with the given "+exists.Key+" already exists.")
	case errors.Is(err, store.ErrConflict):
		return out, newErr(CodeTooManyRequests, "The user was changed concurrently; retry.")
	case errors.Is(err, store.ErrNotFound):
		return out, newErr(CodeUserNotFound, msgUserNotExist)
	default:
		return out, internalErr(op, err)
	}
}
