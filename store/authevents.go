package store

import (
	"context"
	"crypto/subtle"
	"errors"
	"time"
)

// AuthEvent is one authentication event of a user (Cognito's
// AuthEventType): a sign-in, sign-up, password reset or change, or a
// challenge answer, with the risk the pool assessed and the feedback the
// user or an administrator gave.
type AuthEvent struct {
	PoolID string
	// Subject is the user's sub; events of unknown users are not stored.
	Subject string
	// ID is unique per pool (a UUID).
	ID string
	// Type is Cognito's EventType: "SignIn", "SignUp", "ForgotPassword",
	// "PasswordChange", "ResendCode"…
	Type string
	// Response is "Pass", "Fail" or "InProgress".
	Response  string
	CreatedAt time.Time
	// Risk is the pool's assessment: RiskDecision ("NoRisk",
	// "AccountTakeover", "Block"), RiskLevel ("Low", "Medium", "High"),
	// whether the password is a known breached one.
	RiskDecision                   string
	RiskLevel                      string
	CompromisedCredentialsDetected bool
	// ChallengeResponses are the challenges answered and how: "Password"
	// → "Success", "Mfa" → "Failure"…
	ChallengeResponses map[string]string
	// Context is where the event came from.
	IPAddress  string
	DeviceName string
	// DeviceKey identifies the device (a remembered device's key, or the
	// hosted UI's device cookie); empty when none was known.
	DeviceKey string
	City      string
	Country   string
	Timezone  string
	// Feedback is "Valid" or "Invalid" once given, with who gave it
	// ("User" or "Admin") and when; empty until then.
	Feedback         string
	FeedbackProvider string
	FeedbackAt       time.Time
	// FeedbackToken is the hash of the single-use token a notification
	// email carries for UpdateAuthEventFeedback; empty when none was sent
	// or once it was used.
	FeedbackToken []byte
}

// Check reports what is wrong with e, if anything; stores refuse such an
// event with ErrInvalid.
func (e AuthEvent) Check() error {
	switch {
	case e.PoolID == "":
		return errors.New("pool id missing")
	case e.Subject == "":
		return errors.New("subject missing")
	case e.ID == "":
		return errors.New("id missing")
	case e.Type == "":
		return errors.New("type missing")
	case e.CreatedAt.IsZero():
		return errors.New("creation time missing")
	}
	return nil
}

// AuthEventFeedback is feedback on one event.
type AuthEventFeedback struct {
	Value    string // "Valid" or "Invalid"
	Provider string // "User" or "Admin"
	At       time.Time
	// Token, when set, must equal the event's FeedbackToken (a hash),
	// compared in constant time; the token is then cleared, so it works
	// once. Without Token (an administrator's feedback) the event's token
	// is cleared too.
	Token []byte
}

// AuthEvents stores users' authentication events.
type AuthEvents interface {
	// PutAuthEvent stores a new event; an existing ID is *ExistsError
	// with Key "id", and an event of a user the pool does not hold is
	// ErrNotFound (as PutDevice).
	PutAuthEvent(ctx context.Context, e AuthEvent) error
	// ListAuthEvents returns up to limit events of one user, newest first
	// (CreatedAt descending, then ID descending), starting after the
	// event (beforeTime, beforeID) when beforeID is set.
	ListAuthEvents(ctx context.Context, poolID, subject string, beforeTime time.Time, beforeID string, limit int) ([]AuthEvent, error)
	// GetAuthEvent returns one event of a user, or ErrNotFound.
	GetAuthEvent(ctx context.Context, poolID, subject, id string) (AuthEvent, error)
	// SetAuthEventFeedback records feedback on an event atomically and
	// returns the event as updated. A missing event is ErrNotFound; a
	// Token that does not match (or an event whose token was used) is
	// ErrCodeMismatch, and nothing changes. Of concurrent calls with the
	// same token, exactly one succeeds.
	SetAuthEventFeedback(ctx context.Context, poolID, subject, id string, f AuthEventFeedback) (AuthEvent, error)
}

// FeedbackTokenMatches reports whether feedback presenting token may be
// recorded on an event holding stored: always without a token (an
// administrator's feedback), otherwise only if stored is set and equal,
// compared in constant time. It is the rule every store applies.
func FeedbackTokenMatches(stored, token []byte) bool {
	if len(token) == 0 {
		return true
	}
	return len(stored) > 0 && subtle.ConstantTimeCompare(stored, token) == 1
}
