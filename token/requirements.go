package token

import (
	"fmt"
	"slices"
	"strings"
)

// Requirements are what a route needs of a valid access token beyond
// validity: scopes and groups. The zero value requires nothing. Use them
// per mount (MiddlewareOptions.Require), per route (Require), or directly
// with Check after VerifyAccess.
type Requirements struct {
	// AnyScope: the token must grant at least one of these scopes.
	AnyScope []string
	// AllScopes: the token must grant every one of these scopes.
	AllScopes []string
	// AnyGroup: the user must be in at least one of these groups
	// (cognito:groups).
	AnyGroup []string
}

// Check reports whether c meets q: nil, or an error matching
// ErrInsufficientScope or ErrNotInGroup. Nil claims never meet anything.
func (q Requirements) Check(c *AccessClaims) error {
	_, err := q.check(c)
	return err
}

// check is Check that also returns the scopes to name in an RFC 6750
// insufficient_scope challenge.
func (q Requirements) check(c *AccessClaims) ([]string, error) {
	if c == nil {
		return nil, fmt.Errorf("no claims: %w", ErrInsufficientScope)
	}
	for _, s := range q.AllScopes {
		if !slices.Contains(c.Scopes, s) {
			return q.AllScopes, fmt.Errorf("scope %.64q required: %w", s, ErrInsufficientScope)
		}
	}
	if len(q.AnyScope) > 0 && !slices.ContainsFunc(q.AnyScope, c.HasScope) {
		return q.AnyScope, fmt.Errorf("one of scopes %.256q required: %w", strings.Join(q.AnyScope, " "), ErrInsufficientScope)
	}
	if len(q.AnyGroup) > 0 && !slices.ContainsFunc(q.AnyGroup, func(g string) bool { return slices.Contains(c.Groups, g) }) {
		return nil, fmt.Errorf("one of groups %.256q required: %w", strings.Join(q.AnyGroup, " "), ErrNotInGroup)
	}
	return nil, nil
}
