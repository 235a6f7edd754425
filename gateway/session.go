package gateway

import (
	"encoding/json"
	"fmt"
	"time"
)

// session is what the session cookie carries, sealed.
type session struct {
	// IDClaims is the verified payload of the provider's ID token.
	IDClaims     json.RawMessage `json:"id"`
	Subject      string          `json:"sub"`
	AccessToken  string          `json:"at"`
	RefreshToken string          `json:"rt,omitempty"`
	AccessExpiry int64           `json:"ate"` // unix seconds
	Expiry       int64           `json:"exp"` // unix seconds: the end of the sign-in
}

// ended reports whether the sign-in is over.
func (s *session) ended(now time.Time) bool { return now.Unix() >= s.Expiry }

// stale reports whether the access token needs refreshing.
func (s *session) stale(now time.Time) bool {
	return !now.Add(refreshEarly).Before(time.Unix(s.AccessExpiry, 0))
}

func (s *session) valid() bool {
	return len(s.IDClaims) > 0 && s.Subject != "" && s.AccessToken != "" && s.Expiry > 0
}

// flow is a sign-in in progress, sealed in its own cookie between the
// redirect to the provider and the callback.
type flow struct {
	State    string `json:"st"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"` // PKCE code_verifier
	ReturnTo string `json:"r"` // a path on this host
	Expiry   int64  `json:"exp"`
}

func decodeSession(b []byte) (*session, error) {
	var s session
	if err := json.Unmarshal(b, &s); err != nil || !s.valid() {
		return nil, fmt.Errorf("session content: %w", errSession)
	}
	return &s, nil
}

func decodeFlow(b []byte) (*flow, error) {
	var f flow
	if err := json.Unmarshal(b, &f); err != nil || f.State == "" || f.Nonce == "" || f.Verifier == "" {
		return nil, fmt.Errorf("sign-in cookie content: %w", errSession)
	}
	return &f, nil
}
