package store

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Bounds on a [WebAuthnCredential]'s fields; [WebAuthnCredential.Check]
// refuses more. WebAuthn allows credential IDs of up to 1023 bytes.
const (
	MaxWebAuthnCredentialID = 1023
	MaxWebAuthnPublicKey    = 2048
	MaxWebAuthnTransports   = 8
	MaxWebAuthnName         = 256
)

// ErrLimit: the user already holds as many records of the kind as the
// caller allows (passkeys: the per-user limit passed to
// CreateWebAuthnCredential).
var ErrLimit = errors.New("store: limit reached")

// WebAuthnCredential is one passkey (a WebAuthn public-key credential) of
// one user. Only public material is kept: the private key never leaves the
// authenticator.
type WebAuthnCredential struct {
	PoolID  string
	Subject string
	// ID is the credential ID the authenticator chose, unique in a pool.
	ID []byte
	// PublicKey is the COSE-encoded public key the assertions are checked with.
	PublicKey []byte
	// AttestationType ("none", "self", "basic"…) and AttestationFormat
	// ("none", "packed"…) are what registration saw.
	AttestationType   string
	AttestationFormat string
	// AAGUID names the authenticator model (16 bytes; zero for "none").
	AAGUID []byte
	// SignCount is the last signature counter the authenticator reported;
	// 0 for authenticators that keep none (most synced passkeys).
	SignCount uint32
	// CloneWarning marks a credential whose counter went backwards: an
	// assertion from a copy of the key was seen. The pool refuses it.
	CloneWarning bool
	// Transports are the authenticator's transports ("internal", "usb"…).
	Transports []string
	// The authenticator data flags at registration (BackupState follows
	// the latest assertion).
	UserVerified   bool
	BackupEligible bool
	BackupState    bool
	// Name is a label the user or the authenticator gave it.
	Name string
	// RelyingPartyID is the RP ID the credential is scoped to.
	RelyingPartyID string
	CreatedAt      time.Time
	// LastUsedAt is zero until the first sign-in with it.
	LastUsedAt time.Time
}

// WebAuthnUse is what a verified assertion changes on its credential.
type WebAuthnUse struct {
	// SignCount is the counter the assertion carried.
	SignCount   uint32
	BackupState bool
	At          time.Time
}

// WebAuthnCredentials stores passkeys.
type WebAuthnCredentials interface {
	// CreateWebAuthnCredential stores c, unless the pool already holds a
	// credential with c.ID (*ExistsError with Key "credential"), the user
	// already holds max credentials (ErrLimit; max ≤ 0 means no limit), or
	// the user does not exist (ErrNotFound). The limit holds under
	// concurrent creates: of n racing creates for a user with max-1
	// credentials, exactly one succeeds.
	CreateWebAuthnCredential(ctx context.Context, c WebAuthnCredential, max int) error
	// GetWebAuthnCredential returns the pool's credential with that ID, or
	// ErrNotFound.
	GetWebAuthnCredential(ctx context.Context, poolID string, id []byte) (WebAuthnCredential, error)
	// ListWebAuthnCredentials returns at most limit credentials of the
	// user ordered by ID (byte order), starting after afterID (nil: from
	// the first). An unknown user has none.
	ListWebAuthnCredentials(ctx context.Context, poolID, subject string, afterID []byte, limit int) ([]WebAuthnCredential, error)
	// UseWebAuthnCredential records a verified assertion: it sets
	// SignCount, BackupState and LastUsedAt if the counter moved forward
	// (u.SignCount greater than the stored one) or both are 0 (an
	// authenticator without a counter). Otherwise it changes nothing and
	// returns ErrConflict, so of two assertions carrying one counter value
	// exactly one is accepted. A flagged (CloneWarning) credential is
	// ErrConflict too. Unknown: ErrNotFound.
	UseWebAuthnCredential(ctx context.Context, poolID string, id []byte, u WebAuthnUse) error
	// FlagWebAuthnCredential sets CloneWarning (unknown: ErrNotFound).
	FlagWebAuthnCredential(ctx context.Context, poolID string, id []byte) error
	// DeleteWebAuthnCredential removes the user's credential (unknown, or
	// another user's: ErrNotFound). DeleteUser removes a user's
	// credentials with the user.
	DeleteWebAuthnCredential(ctx context.Context, poolID, subject string, id []byte) error
}

// Check reports what is wrong with c, if anything; stores refuse such a
// credential with ErrInvalid.
func (c WebAuthnCredential) Check() error {
	switch {
	case c.PoolID == "":
		return errors.New("pool id missing")
	case c.Subject == "":
		return errors.New("subject missing")
	case len(c.ID) == 0:
		return errors.New("credential id missing")
	case len(c.ID) > MaxWebAuthnCredentialID:
		return fmt.Errorf("credential id longer than %d bytes", MaxWebAuthnCredentialID)
	case len(c.PublicKey) == 0:
		return errors.New("public key missing")
	case len(c.PublicKey) > MaxWebAuthnPublicKey:
		return fmt.Errorf("public key longer than %d bytes", MaxWebAuthnPublicKey)
	case len(c.Transports) > MaxWebAuthnTransports:
		return fmt.Errorf("more than %d transports", MaxWebAuthnTransports)
	case len(c.Name) > MaxWebAuthnName:
		return fmt.Errorf("name longer than %d bytes", MaxWebAuthnName)
	case len(c.AAGUID) != 0 && len(c.AAGUID) != 16:
		return errors.New("aaguid is not 16 bytes")
	}
	return nil
}
