package token

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// IDClaims are the claims of a Cognito ID token (token_use "id"). They are
// both what Issuer.IssueID takes and what Verifier.VerifyID returns.
type IDClaims struct {
	Issuer    string    // iss: set by the Issuer; filled by the Verifier
	Subject   string    // sub, required
	Audience  string    // aud = the app client ID, required
	Username  string    // cognito:username
	AuthTime  time.Time // auth_time (unix seconds), the original sign-in time, kept on refresh
	IssuedAt  time.Time // iat; zero when issuing means now
	ExpiresAt time.Time // exp, required

	JTI, OriginJTI, EventID string // jti, origin_jti, event_id (each omitted when empty)

	Nonce string // nonce (omitted when empty)
	// AccessToken, when issuing, is the access token issued with this ID
	// token: IssueID then adds its at_hash (OIDC Core §3.1.3.6), so a
	// client can check the two belong together. Never filled when verifying.
	AccessToken string
	// AccessTokenHash is the at_hash a verified token carries (ignored
	// when issuing: IssueID computes it from AccessToken).
	AccessTokenHash string

	Groups        []string // cognito:groups (omitted when empty)
	Roles         []string // cognito:roles (omitted when empty)
	PreferredRole string   // cognito:preferred_role (omitted when empty)

	// Attributes are the user attributes the client may read: "email",
	// "custom:team"... "email_verified" and "phone_number_verified" are
	// emitted as JSON booleans (their values must be "true" or "false"),
	// "identities" as the JSON array it holds, everything else (custom:* too)
	// as strings. An attribute may not be named like a claim the issuer
	// sets ("sub" is skipped when it equals Subject); that is ErrLockedClaim.
	// When verifying, Attributes receives the standard OIDC attributes,
	// "custom:*" and "identities" when they are strings or booleans.
	Attributes map[string]string

	// Extra are further claims (pre-token-generation triggers). They are
	// added last and may override attributes and groups, but not the locked
	// claims (LockedClaims): that is ErrLockedClaim. When verifying, Extra
	// receives every claim not mapped to a field or to Attributes, with
	// JSON numbers as float64.
	Extra map[string]any
}

// AccessClaims are the claims of a Cognito access token (token_use
// "access"). They are both what Issuer.IssueAccess takes and what
// Verifier.VerifyAccess returns. An access token has no aud: the client is
// in client_id.
type AccessClaims struct {
	Issuer   string   // iss: set by the Issuer; filled by the Verifier
	Subject  string   // sub, required
	ClientID string   // client_id, required
	Username string   // username
	Scopes   []string // scope, space-separated in the token (omitted when empty)
	Groups   []string // cognito:groups (omitted when empty)

	AuthTime  time.Time // auth_time
	IssuedAt  time.Time // iat; zero when issuing means now
	ExpiresAt time.Time // exp, required

	JTI, OriginJTI, EventID string // jti, origin_jti, event_id (each omitted when empty)
	DeviceKey               string // device_key (omitted when empty)

	// Extra are further claims, as for IDClaims.Extra. Besides LockedClaims,
	// client_id, scope and username are locked in access tokens.
	Extra map[string]any
}

// HasScope reports whether the token grants scope s.
func (c *AccessClaims) HasScope(s string) bool {
	return c != nil && slices.Contains(c.Scopes, s)
}

// Claim names.
const (
	claimIss           = "iss"
	claimSub           = "sub"
	claimAud           = "aud"
	claimExp           = "exp"
	claimIat           = "iat"
	claimAuthTime      = "auth_time"
	claimJTI           = "jti"
	claimOriginJTI     = "origin_jti"
	claimEventID       = "event_id"
	claimTokenUse      = "token_use"
	claimNonce         = "nonce"
	claimAtHash        = "at_hash"
	claimUsernameID    = "cognito:username"
	claimGroups        = "cognito:groups"
	claimRoles         = "cognito:roles"
	claimPreferredRole = "cognito:preferred_role"
	claimClientID      = "client_id"
	claimUsername      = "username"
	claimScope         = "scope"
	claimDeviceKey     = "device_key"
	claimIdentities    = "identities"

	useID     = "id"
	useAccess = "access"
)

// lockedNames are the claims Extra may never set, in ID and access tokens
// alike: Cognito's list for pre-token-generation triggers, sorted.
func lockedNames() []string {
	return []string{
		"acr", "amr", claimAud, "at_hash", claimAuthTime, "azp", claimUsernameID,
		claimExp, claimIat, claimIdentities, claimIss, claimJTI, "nbf", claimNonce,
		claimOriginJTI, claimSub, claimTokenUse,
	}
}

// LockedClaims returns the claim names Extra may not set, sorted. Access
// tokens also lock client_id, scope and username.
func LockedClaims() []string { return lockedNames() }

// isLocked reports whether Extra may not set name in any token.
func isLocked(name string) bool {
	switch name {
	case "acr", "amr", claimAud, "at_hash", claimAuthTime, "azp", claimUsernameID,
		claimExp, claimIat, claimIdentities, claimIss, claimJTI, "nbf", claimNonce,
		claimOriginJTI, claimSub, claimTokenUse:
		return true
	}
	return false
}

// isLockedInAccess reports whether Extra may not set name in an access
// token: a verifier decides on these, so a trigger must not forge them.
func isLockedInAccess(name string) bool {
	switch name {
	case claimClientID, claimScope, claimUsername:
		return true
	}
	return isLocked(name)
}

// isIDFieldClaim reports whether name comes from an IDClaims field, so that
// no attribute may take it.
func isIDFieldClaim(name string) bool {
	switch name {
	case claimGroups, claimRoles, claimPreferredRole, claimEventID:
		return true
	}
	return isLocked(name)
}

// isBoolAttribute reports whether attribute name is emitted as a JSON boolean.
func isBoolAttribute(name string) bool {
	return name == "email_verified" || name == "phone_number_verified"
}

// isStandardAttribute reports whether name is an OIDC standard attribute
// Cognito puts in ID tokens (or identities).
func isStandardAttribute(name string) bool {
	switch name {
	case "address", "birthdate", "email", "email_verified", "family_name", "gender",
		"given_name", "locale", "middle_name", "name", "nickname", "phone_number",
		"phone_number_verified", "picture", "preferred_username", "profile",
		"updated_at", "website", "zoneinfo", claimIdentities:
		return true
	}
	return false
}

// isAttributeClaim reports whether the verifier maps claim name to Attributes.
func isAttributeClaim(name string) bool {
	return isStandardAttribute(name) || strings.HasPrefix(name, "custom:")
}

// tokenClaims builds the claim set of an ID token.
func (c *IDClaims) tokenClaims(iss string, iat time.Time) (jwt.MapClaims, error) {
	if c.Subject == "" {
		return nil, fmt.Errorf("id token without sub: %w", ErrInvalidClaims)
	}
	if c.Audience == "" {
		return nil, fmt.Errorf("id token without aud: %w", ErrInvalidClaims)
	}
	m := make(jwt.MapClaims, 16+len(c.Attributes)+len(c.Extra))
	if err := putTimes(m, c.AuthTime, iat, c.ExpiresAt); err != nil {
		return nil, err
	}
	for name, v := range c.Attributes {
		if err := putAttribute(m, name, v, c.Subject); err != nil {
			return nil, err
		}
	}
	m[claimIss] = iss
	m[claimSub] = c.Subject
	m[claimAud] = c.Audience
	m[claimTokenUse] = useID
	putString(m, claimUsernameID, c.Username)
	putString(m, claimJTI, c.JTI)
	putString(m, claimOriginJTI, c.OriginJTI)
	putString(m, claimEventID, c.EventID)
	putString(m, claimNonce, c.Nonce)
	putStrings(m, claimGroups, c.Groups)
	putStrings(m, claimRoles, c.Roles)
	putString(m, claimPreferredRole, c.PreferredRole)
	if err := putExtra(m, c.Extra, isLocked); err != nil {
		return nil, err
	}
	return m, nil
}

// tokenClaims builds the claim set of an access token.
func (c *AccessClaims) tokenClaims(iss string, iat time.Time) (jwt.MapClaims, error) {
	if c.Subject == "" {
		return nil, fmt.Errorf("access token without sub: %w", ErrInvalidClaims)
	}
	if c.ClientID == "" {
		return nil, fmt.Errorf("access token without client_id: %w", ErrInvalidClaims)
	}
	for _, s := range c.Scopes {
		if s == "" || strings.ContainsAny(s, " \t\r\n\"\\") {
			return nil, fmt.Errorf("scope %.64q: %w", s, ErrInvalidClaims)
		}
	}
	m := make(jwt.MapClaims, 16+len(c.Extra))
	if err := putTimes(m, c.AuthTime, iat, c.ExpiresAt); err != nil {
		return nil, err
	}
	m[claimIss] = iss
	m[claimSub] = c.Subject
	m[claimClientID] = c.ClientID
	m[claimTokenUse] = useAccess
	if len(c.Scopes) > 0 {
		m[claimScope] = strings.Join(c.Scopes, " ")
	}
	putString(m, claimUsername, c.Username)
	putString(m, claimJTI, c.JTI)
	putString(m, claimOriginJTI, c.OriginJTI)
	putString(m, claimEventID, c.EventID)
	putString(m, claimDeviceKey, c.DeviceKey)
	putStrings(m, claimGroups, c.Groups)
	if err := putExtra(m, c.Extra, isLockedInAccess); err != nil {
		return nil, err
	}
	return m, nil
}

// putTimes sets auth_time (when known), iat and exp as whole unix seconds.
func putTimes(m jwt.MapClaims, authTime, iat, exp time.Time) error {
	if exp.IsZero() {
		return fmt.Errorf("token without exp: %w", ErrInvalidClaims)
	}
	if !exp.After(iat) {
		return fmt.Errorf("exp not after iat: %w", ErrInvalidClaims)
	}
	if !authTime.IsZero() {
		m[claimAuthTime] = authTime.Unix()
	}
	m[claimIat] = iat.Unix()
	m[claimExp] = exp.Unix()
	return nil
}

func putString(m jwt.MapClaims, name, v string) {
	if v != "" {
		m[name] = v
	}
}

func putStrings(m jwt.MapClaims, name string, v []string) {
	if len(v) > 0 {
		m[name] = slices.Clone(v)
	}
}

// putAttribute adds one user attribute to an ID token's claims.
func putAttribute(m jwt.MapClaims, name, v, sub string) error {
	switch {
	case name == "":
		return fmt.Errorf("attribute without a name: %w", ErrInvalidClaims)
	case name == claimSub:
		if v != sub {
			return fmt.Errorf("attribute sub differs from subject: %w", ErrLockedClaim)
		}
		return nil // emitted as the sub claim
	case name == claimIdentities:
		if !json.Valid([]byte(v)) || !strings.HasPrefix(strings.TrimSpace(v), "[") {
			return fmt.Errorf("attribute identities is not a json array: %w", ErrInvalidClaims)
		}
		m[name] = json.RawMessage(v)
		return nil
	case isIDFieldClaim(name):
		return fmt.Errorf("attribute %.64q: %w", name, ErrLockedClaim)
	case isBoolAttribute(name):
		switch strings.ToLower(v) {
		case "true":
			m[name] = true
		case "false":
			m[name] = false
		default:
			return fmt.Errorf("attribute %s %.16q is not true or false: %w", name, v, ErrInvalidClaims)
		}
		return nil
	}
	m[name] = v
	return nil
}

// putExtra adds the extra claims last, refusing locked names.
func putExtra(m jwt.MapClaims, extra map[string]any, locked func(string) bool) error {
	for name, v := range extra {
		if name == "" {
			return fmt.Errorf("extra claim without a name: %w", ErrInvalidClaims)
		}
		if locked(name) {
			return fmt.Errorf("extra claim %.64q: %w", name, ErrLockedClaim)
		}
		m[name] = v
	}
	return nil
}

// claimReader takes claims out of a verified token's map, remembering the
// first type error.
type claimReader struct {
	m   jwt.MapClaims
	err error
}

func (r *claimReader) fail(name string) {
	if r.err == nil {
		r.err = fmt.Errorf("claim %s has the wrong type: %w", name, ErrMalformed)
	}
}

// take removes and returns claim name.
func (r *claimReader) take(name string) (any, bool) {
	v, ok := r.m[name]
	if ok {
		delete(r.m, name)
	}
	return v, ok
}

func (r *claimReader) string(name string) string {
	v, ok := r.take(name)
	if !ok {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		r.fail(name)
	}
	return s
}

func (r *claimReader) strings(name string) []string {
	v, ok := r.take(name)
	if !ok {
		return nil
	}
	switch v := v.(type) {
	case []any:
		out := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				r.fail(name)
				return nil
			}
			out[i] = s
		}
		return out
	case string: // a single value, as some producers write one-element lists
		return []string{v}
	}
	r.fail(name)
	return nil
}

func (r *claimReader) time(name string) time.Time {
	v, ok := r.take(name)
	if !ok {
		return time.Time{}
	}
	var f float64
	switch v := v.(type) {
	case float64:
		f = v
	case json.Number:
		var err error
		if f, err = v.Float64(); err != nil {
			r.fail(name)
			return time.Time{}
		}
	default:
		r.fail(name)
		return time.Time{}
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < -1e15 || f > 1e15 {
		r.fail(name)
		return time.Time{}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9))
}

// rest returns the claims not taken, or nil.
func (r *claimReader) rest() map[string]any {
	if len(r.m) == 0 {
		return nil
	}
	return map[string]any(r.m)
}

// accessClaimsFrom maps a verified access token's claims (consumed).
func accessClaimsFrom(m jwt.MapClaims) (*AccessClaims, error) {
	r := claimReader{m: m}
	delete(m, claimTokenUse)
	c := &AccessClaims{
		Issuer:    r.string(claimIss),
		Subject:   r.string(claimSub),
		ClientID:  r.string(claimClientID),
		Username:  r.string(claimUsername),
		Scopes:    strings.Fields(r.string(claimScope)),
		Groups:    r.strings(claimGroups),
		AuthTime:  r.time(claimAuthTime),
		IssuedAt:  r.time(claimIat),
		ExpiresAt: r.time(claimExp),
		JTI:       r.string(claimJTI),
		OriginJTI: r.string(claimOriginJTI),
		EventID:   r.string(claimEventID),
		DeviceKey: r.string(claimDeviceKey),
	}
	if len(c.Scopes) == 0 {
		c.Scopes = nil
	}
	c.Extra = r.rest()
	return c, r.err
}

// idClaimsFrom maps a verified ID token's claims (consumed). aud has been
// checked to be a single string or a one-element list.
func idClaimsFrom(m jwt.MapClaims, aud string) (*IDClaims, error) {
	r := claimReader{m: m}
	delete(m, claimTokenUse)
	delete(m, claimAud)
	c := &IDClaims{
		Issuer:          r.string(claimIss),
		Subject:         r.string(claimSub),
		Audience:        aud,
		Username:        r.string(claimUsernameID),
		AuthTime:        r.time(claimAuthTime),
		IssuedAt:        r.time(claimIat),
		ExpiresAt:       r.time(claimExp),
		JTI:             r.string(claimJTI),
		OriginJTI:       r.string(claimOriginJTI),
		EventID:         r.string(claimEventID),
		Nonce:           r.string(claimNonce),
		AccessTokenHash: r.string(claimAtHash),
		Groups:          r.strings(claimGroups),
		Roles:           r.strings(claimRoles),
		PreferredRole:   r.string(claimPreferredRole),
	}
	for name, v := range m {
		if !isAttributeClaim(name) {
			continue
		}
		var s string
		switch v := v.(type) {
		case string:
			s = v
		case bool:
			s = "false"
			if v {
				s = "true"
			}
		case []any:
			if name != claimIdentities {
				continue
			}
			b, err := json.Marshal(v)
			if err != nil {
				continue
			}
			s = string(b)
		default:
			continue // left in Extra
		}
		if c.Attributes == nil {
			c.Attributes = make(map[string]string)
		}
		c.Attributes[name] = s
		delete(m, name)
	}
	c.Extra = r.rest()
	return c, r.err
}
