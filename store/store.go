package store

import (
	"context"
	"errors"
	"time"
)

// Store is everything a user pool persists. It is composed of one small
// interface per aggregate so that a flow can depend on only the slice it
// uses. Every record carries its pool ID: one database can host many pools,
// and no method ever returns a record of another pool.
//
// Atomicity lives in the method contracts: create-if-absent for users,
// compare-and-swap on [User.Version], consume-once for codes and auth
// sessions, rotate-or-detect-reuse for refresh tokens, an atomic counter
// for lockout, use-once feedback tokens for auth events, and
// create-if-absent and compare-and-swap for setting documents, and a
// forward-only signature counter for passkeys.
// [storetest.Run] is the contract's executable form.
type Store interface {
	Users
	UserSearch
	Groups
	Clients
	ResourceServers
	IdentityProviders
	Devices
	Codes
	AuthSessions
	RefreshTokens
	SigningKeys
	Lockouts
	Outbox
	AuthEvents
	Settings
	WebAuthnCredentials
	Cleaner
	// Close releases the store's resources.
	Close() error
}

// Errors returned by every implementation. Match them with errors.Is.
var (
	// ErrNotFound: no record with that key in that pool (or it expired).
	ErrNotFound = errors.New("store: not found")
	// ErrExists: a unique key is already taken. The error is an
	// *ExistsError naming the key.
	ErrExists = errors.New("store: already exists")
	// ErrConflict: a compare-and-swap update carried a stale version.
	ErrConflict = errors.New("store: version conflict")
	// ErrCodeMismatch: a code was presented and did not match.
	ErrCodeMismatch = errors.New("store: code mismatch")
	// ErrRevoked: the refresh-token family has been revoked.
	ErrRevoked = errors.New("store: revoked")
	// ErrTokenReuse: a rotated refresh token was presented again. The
	// family has been revoked by the same call.
	ErrTokenReuse = errors.New("store: refresh token reuse")
	// ErrInvalid: the record handed to the store is malformed (empty key,
	// pool ID missing). It is a programming error in the caller.
	ErrInvalid = errors.New("store: invalid record")
)

// ExistsError names the unique key that is already taken. It matches
// ErrExists with errors.Is.
type ExistsError struct {
	// Key is "username", or the alias kind ("email", "phone_number",
	// "preferred_username"), "sub" for a duplicate user sub, "token" for a
	// duplicate refresh-token hash, "group" for a group name, "identifier"
	// for a resource server, "setting" for a setting document, or "id" for
	// other records.
	Key string
}

func (e *ExistsError) Error() string { return "store: " + e.Key + " already exists" }

// Is reports whether target is ErrExists.
func (e *ExistsError) Is(target error) bool { return target == ErrExists }

// UserStatus is a user's lifecycle state, as Cognito names it.
type UserStatus string

// User statuses.
const (
	StatusUnconfirmed         UserStatus = "UNCONFIRMED"
	StatusConfirmed           UserStatus = "CONFIRMED"
	StatusForceChangePassword UserStatus = "FORCE_CHANGE_PASSWORD"
	StatusResetRequired       UserStatus = "RESET_REQUIRED"
	StatusExternalProvider    UserStatus = "EXTERNAL_PROVIDER"
)

// User is one user of one pool.
type User struct {
	PoolID string
	// Sub is the immutable, unique identifier (a UUID).
	Sub string
	// Username is the name as the user gave it.
	Username string
	// UsernameKey is the normalized username that uniqueness is enforced
	// on (case-folded when the pool is case-insensitive). Set by the caller.
	UsernameKey string
	Status      UserStatus
	Enabled     bool
	// Attributes holds every attribute except sub, by its Cognito name
	// ("email", "email_verified", "custom:team"…). Values are strings.
	Attributes map[string]string
	// Aliases are further unique sign-in keys of this user, by kind
	// ("email", "phone_number", "preferred_username") to normalized value.
	// The store refuses a create or update that would give two users of
	// one pool the same (kind, value).
	Aliases  map[string]string
	Password PasswordCredential
	// MFA is the user's second-factor state, stored as one document.
	MFA MFA
	// Version is the compare-and-swap counter. CreateUser stores 1;
	// UpdateUser requires the stored version and increments it.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// PasswordCredential is what is kept to verify a password. Hash is a PHC
// string (argon2id, or bcrypt for imported users). SRPVerifier is the
// verifier Cognito's SRP flows need, sealed by userpool (salt inside);
// empty for a password set before SRP or imported as a hash, until its
// first sign-in. SRPSalt is unused.
type PasswordCredential struct {
	Hash        string
	SRPSalt     string
	SRPVerifier string
	// Temporary marks an administrator-set password that must be changed.
	Temporary bool
	// ExpiresAt bounds a temporary password; zero means never.
	ExpiresAt time.Time
	ChangedAt time.Time
}

// MaxCreateUsers bounds the batch of [Users.CreateUsers]: one
// transaction holds at most this many users. A store with one writer
// (SQLite) makes its other writes wait for a batch in progress: on two
// cores a write waited at most 0.43 s during an import in batches of
// 5,000 (0.22 s with 1,000).
const MaxCreateUsers = 5000

// Users stores users.
type Users interface {
	// CreateUser stores a new user with Version 1. If the username key or
	// any alias is taken in the pool it returns an *ExistsError naming it
	// and stores nothing. Under any number of concurrent callers exactly
	// one create per key succeeds.
	CreateUser(ctx context.Context, u User) (User, error)
	// CreateUsers creates a batch of users as if CreateUser were called
	// for each in order, but in one transaction (one commit, one fsync on
	// a durable store). It is the bulk path of user import.
	//
	// outcomes is indexed like users: nil for a user stored with Version
	// 1 (its aliases and search keys with it); an *ExistsError naming the
	// key ("username", an alias kind, or "sub") taken by a stored user or
	// by an earlier user of the same batch, for which nothing is stored;
	// or an error matching ErrInvalid for a malformed user, for which
	// nothing is stored either. A refused user never fails the others:
	// duplicates within the batch resolve as in order, the first wins.
	//
	// A non-nil err (a cancelled ctx, a database failure, more than
	// MaxCreateUsers users, which is ErrInvalid) means that nothing of the
	// batch was stored; outcomes is then nil. An empty batch stores
	// nothing and returns an empty outcomes. Under concurrent callers
	// (batches or CreateUser) exactly one create per key succeeds.
	CreateUsers(ctx context.Context, users []User) (outcomes []error, err error)
	// GetUser returns the user with that sub, or ErrNotFound.
	GetUser(ctx context.Context, poolID, sub string) (User, error)
	// GetUserByUsername looks a user up by normalized username key.
	GetUserByUsername(ctx context.Context, poolID, usernameKey string) (User, error)
	// GetUserByAlias looks a user up by alias kind and normalized value.
	GetUserByAlias(ctx context.Context, poolID, kind, value string) (User, error)
	// UpdateUser replaces the user if u.Version equals the stored version,
	// storing and returning it with Version+1. A stale version gives
	// ErrConflict; a taken alias gives *ExistsError; a missing user
	// ErrNotFound. Sub, PoolID and CreatedAt cannot change.
	UpdateUser(ctx context.Context, u User) (User, error)
	// DeleteUser removes the user and everything keyed by its sub: codes,
	// auth sessions, refresh-token families, group memberships, devices,
	// auth events, and the lockout state whose key is the sub (userpool keys a known user's
	// lockout by sub). A missing user is ErrNotFound.
	DeleteUser(ctx context.Context, poolID, sub string) error
}

// Client is an app client of a pool. Secret is stored as the caller hands
// it (userpool seals it); the store never interprets it.
type Client struct {
	PoolID   string
	ID       string
	Name     string
	Secret   []byte
	Settings ClientSettings
	// Version is the compare-and-swap counter, as for users.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ClientSettings are an app client's settings, stored as one document.
type ClientSettings struct {
	ExplicitAuthFlows          []string      `json:"explicit_auth_flows,omitempty"`
	ReadAttributes             []string      `json:"read_attributes,omitempty"`
	WriteAttributes            []string      `json:"write_attributes,omitempty"`
	AccessTokenValidity        time.Duration `json:"access_token_validity,omitempty"`
	IDTokenValidity            time.Duration `json:"id_token_validity,omitempty"`
	RefreshTokenValidity       time.Duration `json:"refresh_token_validity,omitempty"`
	AuthSessionValidity        time.Duration `json:"auth_session_validity,omitempty"`
	PreventUserExistenceErrors bool          `json:"prevent_user_existence_errors,omitempty"`
	EnableTokenRevocation      bool          `json:"enable_token_revocation,omitempty"`
	RefreshTokenRotation       bool          `json:"refresh_token_rotation,omitempty"`
	RotationGracePeriod        time.Duration `json:"rotation_grace_period,omitempty"`
	CallbackURLs               []string      `json:"callback_urls,omitempty"`
	LogoutURLs                 []string      `json:"logout_urls,omitempty"`
	AllowedOAuthFlows          []string      `json:"allowed_oauth_flows,omitempty"`
	AllowedOAuthScopes         []string      `json:"allowed_oauth_scopes,omitempty"`
	CodeWithoutPKCE            bool          `json:"code_without_pkce,omitempty"`
	SupportedIdentityProviders []string      `json:"supported_identity_providers,omitempty"`
	Disabled                   bool          `json:"disabled,omitempty"`
}

// Clients stores app clients.
type Clients interface {
	// CreateClient stores a new client with Version 1, or returns an
	// *ExistsError with Key "id".
	CreateClient(ctx context.Context, c Client) (Client, error)
	GetClient(ctx context.Context, poolID, id string) (Client, error)
	// UpdateClient is compare-and-swap on Version, as UpdateUser.
	UpdateClient(ctx context.Context, c Client) (Client, error)
	DeleteClient(ctx context.Context, poolID, id string) error
	// ListClients returns the pool's clients ordered by ID.
	ListClients(ctx context.Context, poolID string) ([]Client, error)
}

// Code is a one-time code sent to a user (sign-up confirmation, password
// reset, attribute verification). Only a hash of the code is stored.
type Code struct {
	PoolID  string
	Subject string // the user's sub
	// Purpose separates a user's codes: "signup", "forgot_password",
	// "verify:email"… A new code for the same purpose replaces the old.
	Purpose string
	Hash    []byte
	// Value is what the code confirms when that is not the user record
	// itself (the email address being verified).
	Value     string
	Attempts  int
	ExpiresAt time.Time
	CreatedAt time.Time
}

// Codes stores one-time codes.
type Codes interface {
	// PutCode stores the code, replacing any code of the same subject and
	// purpose (and resetting its attempt count).
	PutCode(ctx context.Context, c Code) error
	// ConsumeCode atomically checks a presented code hash:
	//   - no code, or expired at now: ErrNotFound (an expired code is deleted);
	//   - hash equal (constant time): the code is deleted and returned; of
	//     any number of concurrent callers exactly one wins;
	//   - hash different: Attempts is incremented and ErrCodeMismatch
	//     returned; the code is deleted once Attempts reaches maxAttempts.
	ConsumeCode(ctx context.Context, poolID, subject, purpose string, hash []byte, now time.Time, maxAttempts int) (Code, error)
}

// AuthSession is the server side of a challenge Session string: which user
// is part-way through which sign-in. ID is a hash of the opaque string the
// client holds.
type AuthSession struct {
	PoolID    string
	ID        string
	Subject   string
	ClientID  string
	Challenge string
	// Data is the flow's own state, opaque to the store.
	Data      []byte
	ExpiresAt time.Time
	CreatedAt time.Time
}

// AuthSessions stores challenge sessions, each usable once.
type AuthSessions interface {
	// PutAuthSession stores a new session; an existing ID is *ExistsError.
	PutAuthSession(ctx context.Context, s AuthSession) error
	// ConsumeAuthSession returns and deletes the session of clientID.
	// Expired at now or absent: ErrNotFound. A session of another client
	// is ErrNotFound too and stays as it is, so a session string (or an
	// authorization code) presented at the wrong client is not spent. Of
	// concurrent callers exactly one wins.
	ConsumeAuthSession(ctx context.Context, poolID, id, clientID string, now time.Time) (AuthSession, error)
	// RedeemAuthSession is ConsumeAuthSession and PutAuthSession(next) in
	// one atomic write: an authorization code leaves its reuse guard in
	// its place, so no moment exists when the code is spent but unguarded
	// and the exchange costs one write. The errors are
	// ConsumeAuthSession's (an expired session is deleted, next is not
	// stored), and PutAuthSession's for next: when next cannot be stored
	// nothing changes. next must be of poolID, with an ID other than id
	// and an expiry (else store.ErrInvalid).
	RedeemAuthSession(ctx context.Context, poolID, id, clientID string, now time.Time, next AuthSession) (AuthSession, error)
}

// RefreshFamily is one sign-in's chain of refresh tokens. Its ID is the
// origin_jti of every token issued from it, so revoking the family also
// revokes those access and ID tokens for Cupola's own APIs.
type RefreshFamily struct {
	PoolID   string
	ID       string
	Subject  string
	ClientID string
	// Scopes and AuthTime are carried into tokens issued on refresh.
	Scopes    []string
	AuthTime  time.Time
	DeviceKey string
	CreatedAt time.Time
	// ExpiresAt is the absolute end of the family: no refresh after it.
	ExpiresAt time.Time
	// RevokedAt is zero while the family is live.
	RevokedAt time.Time
}

// RefreshTokens stores refresh-token families and the SHA-256 hashes of
// their tokens: the current one, and every rotated one (so that reuse of an
// old token is recognized as reuse, not as an unknown token).
type RefreshTokens interface {
	// CreateFamily stores a family whose current token hash is tokenHash.
	CreateFamily(ctx context.Context, f RefreshFamily, tokenHash []byte) error
	// GetFamily returns a family by ID (revoked or not).
	GetFamily(ctx context.Context, poolID, id string) (RefreshFamily, error)
	// FamilyByToken returns the family a token hash belongs to, current or
	// rotated, with current reporting which. Unknown hash: ErrNotFound.
	FamilyByToken(ctx context.Context, poolID string, tokenHash []byte) (f RefreshFamily, current bool, err error)
	// RotateRefresh atomically replaces the family's current token by next:
	//   - presented is current and the family live: next becomes current,
	//     presented is kept as rotated at now; the family is returned;
	//   - presented was rotated less than grace before now: the same (a
	//     client retry), the token that was current becomes rotated;
	//   - presented was rotated earlier: the family is revoked at now and
	//     ErrTokenReuse returned;
	//   - family revoked: ErrRevoked; expired at now or unknown: ErrNotFound.
	// Of concurrent callers presenting one current token with grace 0,
	// exactly one succeeds and the others revoke the family.
	RotateRefresh(ctx context.Context, poolID string, presented, next []byte, now time.Time, grace time.Duration) (RefreshFamily, error)
	// RevokeFamily marks one family revoked (idempotent; unknown:
	// ErrNotFound).
	RevokeFamily(ctx context.Context, poolID, id string, now time.Time) error
	// RevokeSubjectFamilies revokes every live family of a user.
	RevokeSubjectFamilies(ctx context.Context, poolID, subject string, now time.Time) error
}

// SigningKey is a token-signing key as persisted. Private is the key in
// whatever form the caller hands over (userpool seals PKCS#8); the store
// never interprets it.
type SigningKey struct {
	PoolID    string
	ID        string
	Algorithm string
	Private   []byte
	Published time.Time
	Active    time.Time
	Retired   time.Time
	Expires   time.Time
}

// SigningKeys stores a pool's token-signing keys.
type SigningKeys interface {
	// PutSigningKey inserts or replaces the key with that ID.
	PutSigningKey(ctx context.Context, k SigningKey) error
	// ListSigningKeys returns the pool's keys ordered by Published, then ID.
	ListSigningKeys(ctx context.Context, poolID string) ([]SigningKey, error)
	// DeleteSigningKey removes a key (unknown: ErrNotFound).
	DeleteSigningKey(ctx context.Context, poolID, id string) error
}
