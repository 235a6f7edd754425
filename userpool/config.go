package userpool

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/cupola-auth/cupola/internal/passhash"
	"github.com/cupola-auth/cupola/internal/secret"
	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/trigger"
)

// Config is a user pool's settings as code. Zero values are safe defaults;
// ID, Issuer and Secret are required.
type Config struct {
	// ID identifies the pool in the store; one database can hold many.
	ID string
	// Name is shown in messages ("Your {pool} verification code").
	Name string
	// Issuer is the iss of every token: the pool's public base URL.
	Issuer string
	// Secret (at least 32 random bytes) keys everything the pool protects
	// at rest: code hashes, sealed client secrets and signing keys. Keep it
	// outside the database; changing it invalidates pending codes, client
	// secrets and stored signing keys.
	Secret []byte

	PasswordPolicy PasswordPolicy
	// CaseSensitiveUsernames makes "Alice" and "alice" different users.
	// The default, as Cognito's console, is case-insensitive.
	CaseSensitiveUsernames bool
	// UsernameAttributes ("email", "phone_number") lets users sign up with
	// that attribute as their username; the username is then a UUID.
	UsernameAttributes []string
	// AliasAttributes ("email", "phone_number", "preferred_username") may
	// be used to sign in once verified. Exclusive with UsernameAttributes.
	AliasAttributes []string
	// AutoVerifiedAttributes are verified by a code sent at sign-up. nil
	// means {"email"}; set an empty non-nil slice to send no code.
	AutoVerifiedAttributes []string
	// Schema declares custom attributes ("custom:team") and marks standard
	// ones required. Standard attributes need no declaration.
	Schema []AttributeSchema

	// Tokens are the pool-wide token lifetimes; clients may override.
	Tokens TokenValidity
	// SigningAlgorithm for new signing keys: RS256 (default), ES256, EdDSA.
	SigningAlgorithm token.Algorithm
	// Lockout after failed sign-ins of an account from one source (one
	// IPv4 address or IPv6 /64, as the caller tells it: UserContextData,
	// ContextData, the hosted UI's connection), or of the account when the
	// source is unknown. Zero means Cognito's: 5 failures, then 1 s
	// doubling to 15 min, forgotten after 15 quiet minutes.
	Lockout store.LockoutPolicy
	// AccountLockout limits failures of an account from every source
	// together, so many sources cannot spray one account. Zero means 20
	// failures (4 times Lockout's threshold when that is more, at most
	// 100), then 1 s doubling to 15 min, forgotten after 15 quiet
	// minutes, and capped as NIST SP 800-63B asks: after 100 failures in a
	// row the account stays locked until a password reset
	// (ConfirmForgotPassword) or AdminSetUserPassword.
	AccountLockout store.LockoutPolicy
	// SourceLockout limits failures from one source across accounts, so
	// one source cannot try a password on every account. Zero means 100
	// failures, then 1 s doubling to 15 min, forgotten after 15 quiet
	// minutes.
	SourceLockout store.LockoutPolicy
	// CodeValidity bounds every emailed or texted code. Default 10 min, the
	// OWASP ASVS ceiling (Cognito uses 24 h for sign-up, 1 h for reset).
	CodeValidity time.Duration
	// CodeSendLimit bounds codes sent to one user; zero means 5 per hour.
	CodeSendLimit store.LockoutPolicy
	// RevokeSessionsOnPasswordChange signs the user out everywhere, the
	// session that changed the password included, after ChangePassword
	// (ConfirmForgotPassword always does).
	RevokeSessionsOnPasswordChange bool

	// Hashing sets argon2id parameters; zero means OWASP's m=19 MiB, t=2, p=1.
	Hashing HashingParams
	// MaxQueuedHashes bounds sign-ins waiting for a hash slot; one more is
	// refused at once with TooManyRequestsException, so a login flood
	// gets fast refusals instead of waits that outlast any client's
	// timeout. Zero means 256 per slot (some 8 s of waiting at the
	// default parameters).
	MaxQueuedHashes int
	// MaxConcurrentHashes bounds password hashes in flight (memory); zero
	// means GOMAXPROCS. Further sign-ins wait, honouring their context.
	MaxConcurrentHashes int
	// MaxHashMemory is the memory budget, in bytes, of the password hashes
	// in flight: they are at most MaxHashMemory / Hashing.MemoryKiB (at
	// least one) when that is fewer than MaxConcurrentHashes. Zero means
	// 256 MiB: 13 hashes at the default 19 MiB, so up to 13 cores every
	// core hashes, and beyond them a login flood's hashes stay within
	// 256 MiB. Each hash in flight reuses its memory, so a flood's peak
	// resident memory is about this budget (or the memory of the hashes
	// the slots allow) plus the rest of the process; see "Memory under a
	// login flood" in the package documentation.
	MaxHashMemory int64

	// Messages overrides the default message templates per kind.
	Messages message.Templates
	// EmailSender and SMSSender deliver codes. Without one, a code for that
	// medium cannot be sent (CodeDeliveryFailureException).
	EmailSender message.EmailSender
	SMSSender   message.SMSSender
	// Delivery says whether messages are queued and sent after the answer
	// (DeliverQueued, the default) or sent before it (DeliverInline).
	Delivery DeliveryMode

	// MFA configures multi-factor authentication (off by default).
	MFA MFAConfig
	// Devices configures device tracking and remembered devices.
	Devices DeviceConfig
	// Federation configures sign-in through identity providers.
	Federation FederationConfig
	// ThreatProtection turns on sign-in risk assessment and the breached-
	// password check (off by default); see SetRiskConfiguration.
	ThreatProtection ThreatProtectionConfig
	// FeedbackURL is where the links of risk notifications point (the
	// hosted UI's /feedback page); empty means Issuer + "/feedback".
	FeedbackURL string
	// EventSink receives every auth event as it is recorded (sign-ins,
	// sign-ups, password resets and changes); nil means none. Each event
	// is in the audit log (AuditLogger) either way, with its event_id.
	EventSink EventSink
	// AuthEventRetention is how long auth events are kept (Cleanup
	// removes older ones); zero means 90 days, as Cognito.
	AuthEventRetention time.Duration
	// AllowAdminCreateUserOnly turns self-registration off (Cognito's
	// AdminCreateUserConfig.AllowAdminCreateUserOnly): SignUp is refused
	// and the hosted UI offers no sign-up page; users come from
	// AdminCreateUser, ImportUsers or MigrateUser.
	AllowAdminCreateUserOnly bool
	// ConcealExistingAccounts answers SignUp with a username (or, in
	// pools that sign in with an email or phone, an address) another
	// account holds as it answers a fresh sign-up — a made-up UserSub, a
	// code "sent" to the given address — and sends that account's owner
	// an AccountExists notice at their verified address instead, at most
	// as often as codes. Off, SignUp answers UsernameExistsException, as
	// Cognito does even with existence errors prevented: a stranger can
	// then test which names and addresses have accounts.
	ConcealExistingAccounts bool
	// AllowedFirstAuthFactors are the USER_AUTH first factors: "PASSWORD"
	// (the default), "EMAIL_OTP", "SMS_OTP", "WEB_AUTHN" (passkeys, see
	// WebAuthn) — Cognito's SignInPolicy. A
	// code sign-in is one factor: with MFA ON the pool refuses code first
	// factors (as Cognito does), and with MFA OPTIONAL a user who enabled
	// another factor is asked for it after the code.
	AllowedFirstAuthFactors []string

	// WebAuthn configures passkeys, on when AllowedFirstAuthFactors lists
	// WEB_AUTHN.
	WebAuthn WebAuthnConfig

	// Triggers are Go funcs run at Cognito's trigger points (PreSignUp,
	// PreTokenGeneration, MigrateUser, custom auth…); see package trigger.
	Triggers trigger.Set
	// Region fills the region field of trigger events; empty means "local".
	Region string

	// Clients are app clients created at New when absent from the store.
	Clients []ClientConfig

	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// Random is the source of every code, token and key; nil means
	// crypto/rand. Only tests should set it.
	Random io.Reader
	// Logger receives operational events (never secrets); nil discards.
	Logger *slog.Logger
	// AuditLogger receives the audit log: one Info record, message
	// "audit", per authentication event, with the stable keys audit.go
	// lists (never a secret). nil means Logger.
	AuditLogger *slog.Logger
	// MeterProvider receives the pool's metrics (the instruments
	// metrics.go lists); nil means none. The global provider is never
	// used.
	MeterProvider metric.MeterProvider
	// TracerProvider receives a span per sign-in, token, sign-up and
	// administrative operation, with its store calls as children; nil
	// means none. The global provider is never used.
	TracerProvider trace.TracerProvider
}

// HashingParams are the argon2id parameters of new password hashes
// (RFC 9106). Stored hashes record their own parameters (PHC string
// format), so changing these re-hashes each password at its next sign-in;
// stored parameters beyond 64 MiB, 256 MiB × passes or p=16 are refused as too
// costly to verify. The zero value means OWASP's minimum: 19 MiB, t=2,
// p=1, 16-byte salt, 32-byte key.
type HashingParams struct {
	MemoryKiB  uint32 // memory in KiB
	Iterations uint32 // passes over the memory (argon2's t)
	Threads    uint8  // lanes (argon2's p)
	SaltLen    uint32 // bytes
	KeyLen     uint32 // bytes
}

func (h HashingParams) passhash() passhash.Params {
	return passhash.Params{Memory: h.MemoryKiB, Time: h.Iterations, Threads: h.Threads, SaltLen: h.SaltLen, KeyLen: h.KeyLen}
}

// PasswordPolicy is Cognito's password policy (cognito.md §3). The
// composition rules are off by default, as NIST SP 800-63B asks; a list of
// common passwords and the user's own identifiers are always refused.
type PasswordPolicy struct {
	// MinimumLength 8–99; zero means 15 when MFA is OFF (the password is
	// the only factor) and 8 otherwise, as NIST SP 800-63B asks.
	MinimumLength    int
	RequireUppercase bool
	RequireLowercase bool
	RequireNumbers   bool
	RequireSymbols   bool
	// TemporaryPasswordValidityDays for admin-set passwords; zero means 7.
	TemporaryPasswordValidityDays int
}

// TokenValidity sets token lifetimes. Zero fields mean Cognito's defaults:
// ID and access 60 min, refresh 30 days.
type TokenValidity struct {
	ID      time.Duration
	Access  time.Duration
	Refresh time.Duration
}

// AttributeType is a custom attribute's type.
type AttributeType string

// Attribute types.
const (
	TypeString   AttributeType = "String"
	TypeNumber   AttributeType = "Number"
	TypeDateTime AttributeType = "DateTime"
	TypeBoolean  AttributeType = "Boolean"
)

// AttributeSchema declares an attribute.
type AttributeSchema struct {
	// Name is "custom:<name>" (≤ 20 characters after the prefix) or a
	// standard attribute name.
	Name string
	// Type of a custom attribute; zero means String.
	Type AttributeType
	// Required attributes must be given at sign-up.
	Required bool
	// Immutable attributes can be set at creation only.
	Immutable bool
	// MinLength and MaxLength bound a String value (MaxLength ≤ 2048).
	MinLength, MaxLength int
}

const (
	defaultCodeValidity = 10 * time.Minute
	maxAttributeLen     = 2048
	maxCustomAttributes = 50
)

var poolIDPattern = regexp.MustCompile(`^[\w-]{1,55}$`)

// withDefaults validates c and fills in defaults.
func (c Config) withDefaults() (Config, error) {
	if !poolIDPattern.MatchString(c.ID) {
		return c, fmt.Errorf("userpool: config: ID %q must be 1-55 letters, digits, '_' or '-'", c.ID)
	}
	u, err := url.Parse(c.Issuer)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") || u.RawQuery != "" || u.Fragment != "" {
		return c, fmt.Errorf("userpool: config: Issuer %q must be an absolute http(s) URL", c.Issuer)
	}
	if len(c.Secret) < 32 {
		return c, fmt.Errorf("userpool: config: Secret must be at least 32 random bytes")
	}
	if secret.Weak(c.Secret) {
		return c, fmt.Errorf("userpool: config: Secret looks like a placeholder, not random bytes")
	}
	if c.Name == "" {
		c.Name = c.ID
	}
	p := &c.PasswordPolicy
	if p.MinimumLength == 0 {
		// NIST SP 800-63B: 15 characters when the password is the only
		// factor, 8 when a second one may follow.
		p.MinimumLength = 8
		if c.MFA.Mode == "" || c.MFA.Mode == MFAOff {
			p.MinimumLength = 15
		}
	}
	if p.MinimumLength < 8 || p.MinimumLength > 99 {
		return c, fmt.Errorf("userpool: config: PasswordPolicy.MinimumLength must be 8-99")
	}
	if p.TemporaryPasswordValidityDays == 0 {
		p.TemporaryPasswordValidityDays = 7
	}
	if p.TemporaryPasswordValidityDays < 0 || p.TemporaryPasswordValidityDays > 365 {
		return c, fmt.Errorf("userpool: config: PasswordPolicy.TemporaryPasswordValidityDays must be 0-365")
	}
	if len(c.UsernameAttributes) > 0 && len(c.AliasAttributes) > 0 {
		return c, fmt.Errorf("userpool: config: UsernameAttributes and AliasAttributes are exclusive")
	}
	for _, a := range c.UsernameAttributes {
		if a != "email" && a != "phone_number" {
			return c, fmt.Errorf("userpool: config: UsernameAttributes: %q is not email or phone_number", a)
		}
	}
	for _, a := range c.AliasAttributes {
		if a != "email" && a != "phone_number" && a != "preferred_username" {
			return c, fmt.Errorf("userpool: config: AliasAttributes: %q is not email, phone_number or preferred_username", a)
		}
	}
	if c.AutoVerifiedAttributes == nil {
		c.AutoVerifiedAttributes = []string{"email"}
	}
	for _, a := range c.AutoVerifiedAttributes {
		if a != "email" && a != "phone_number" {
			return c, fmt.Errorf("userpool: config: AutoVerifiedAttributes: %q is not email or phone_number", a)
		}
	}
	if err := validateSchema(c.Schema); err != nil {
		return c, err
	}
	t := &c.Tokens
	if t.ID == 0 {
		t.ID = time.Hour
	}
	if t.Access == 0 {
		t.Access = time.Hour
	}
	if t.Refresh == 0 {
		t.Refresh = 30 * 24 * time.Hour
	}
	if err := checkValidity(*t); err != nil {
		return c, fmt.Errorf("userpool: config: Tokens: %w", err)
	}
	if c.SigningAlgorithm == "" {
		c.SigningAlgorithm = token.RS256
	}
	if !slices.Contains([]token.Algorithm{token.RS256, token.ES256, token.EdDSA}, c.SigningAlgorithm) {
		return c, fmt.Errorf("userpool: config: SigningAlgorithm %q is not RS256, ES256 or EdDSA", c.SigningAlgorithm)
	}
	if c.Lockout == (store.LockoutPolicy{}) {
		c.Lockout = store.LockoutPolicy{Threshold: 5, Base: time.Second, Max: 15 * time.Minute, ResetAfter: 15 * time.Minute}
	}
	if !validLimit(c.Lockout) {
		return c, fmt.Errorf("userpool: config: Lockout: threshold 1-100 and positive durations required")
	}
	if c.AccountLockout == (store.LockoutPolicy{}) {
		// Four times the per-source threshold, 20 at least: the owner's own
		// typos from one place never reach it alone.
		c.AccountLockout = store.LockoutPolicy{Threshold: min(100, max(20, 4*c.Lockout.Threshold)), Base: time.Second,
			Max: 15 * time.Minute, ResetAfter: 15 * time.Minute, HardLimit: 100}
	}
	if !validLimit(c.AccountLockout) || c.AccountLockout.Threshold < c.Lockout.Threshold {
		return c, fmt.Errorf("userpool: config: AccountLockout: threshold 1-100, at least Lockout's, and positive durations required")
	}
	if c.SourceLockout == (store.LockoutPolicy{}) {
		c.SourceLockout = store.LockoutPolicy{Threshold: 100, Base: time.Second, Max: 15 * time.Minute, ResetAfter: 15 * time.Minute}
	}
	if !validLimit(c.SourceLockout) {
		return c, fmt.Errorf("userpool: config: SourceLockout: threshold 1-100 and positive durations required")
	}
	if c.CodeSendLimit == (store.LockoutPolicy{}) {
		c.CodeSendLimit = store.LockoutPolicy{Threshold: 5, Base: time.Hour, Max: time.Hour, ResetAfter: time.Hour}
	}
	if !validLimit(c.CodeSendLimit) {
		// A zero Base or Threshold would silently send codes without limit.
		return c, fmt.Errorf("userpool: config: CodeSendLimit: threshold 1-100 and positive durations required")
	}
	if c.CodeValidity == 0 {
		c.CodeValidity = defaultCodeValidity
	}
	if c.CodeValidity < time.Minute || c.CodeValidity > 24*time.Hour {
		return c, fmt.Errorf("userpool: config: CodeValidity must be 1 min to 24 h")
	}
	if c.Messages == nil {
		c.Messages = message.DefaultTemplates()
	} else {
		merged := message.DefaultTemplates()
		for k, v := range c.Messages {
			merged[k] = v
		}
		c.Messages = merged
	}
	if err := c.Messages.Validate(); err != nil {
		return c, fmt.Errorf("userpool: config: Messages: %w", err)
	}
	if err := c.MFA.check(); err != nil {
		return c, err
	}
	if len(c.AllowedFirstAuthFactors) == 0 {
		c.AllowedFirstAuthFactors = []string{FirstFactorPassword}
	}
	for _, f := range c.AllowedFirstAuthFactors {
		if f != FirstFactorPassword && f != FirstFactorEmailOTP && f != FirstFactorSMSOTP && f != FirstFactorWebAuthn {
			return c, fmt.Errorf("userpool: config: AllowedFirstAuthFactors: %q is not PASSWORD, EMAIL_OTP, SMS_OTP or WEB_AUTHN", f)
		}
		if (f == FirstFactorEmailOTP || f == FirstFactorSMSOTP) && c.MFA.Mode == MFAOn {
			// An emailed or texted code alone would sign in a user the pool
			// requires a second factor of.
			return c, fmt.Errorf("userpool: config: AllowedFirstAuthFactors: %s is one factor and MFA.Mode is ON; allow only PASSWORD or make MFA OPTIONAL", f)
		}
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.AuditLogger == nil {
		c.AuditLogger = c.Logger
	}
	if c.EventSink == nil {
		c.EventSink = noSink{}
	}
	switch c.ThreatProtection.Mode {
	case "", ThreatProtectionOff, ThreatProtectionAudit, ThreatProtectionEnforced:
	default:
		return c, fmt.Errorf("userpool: config: ThreatProtection.Mode must be OFF, AUDIT or ENFORCED")
	}
	if c.AuthEventRetention == 0 {
		c.AuthEventRetention = 90 * 24 * time.Hour
	}
	if c.AuthEventRetention < 24*time.Hour || c.AuthEventRetention > 3650*24*time.Hour {
		return c, fmt.Errorf("userpool: config: AuthEventRetention must be 1 day to 10 years")
	}
	return c, nil
}

// validLimit reports whether a lockout or throttle policy locks at all.
func validLimit(l store.LockoutPolicy) bool {
	return l.Threshold >= 1 && l.Threshold <= 100 && l.Base > 0 && l.Max >= l.Base && l.ResetAfter > 0 &&
		(l.HardLimit == 0 || l.HardLimit >= l.Threshold)
}

func checkValidity(t TokenValidity) error {
	switch {
	case t.ID < 5*time.Minute || t.ID > 24*time.Hour:
		return fmt.Errorf("ID token validity must be 5 min to 1 day")
	case t.Access < 5*time.Minute || t.Access > 24*time.Hour:
		return fmt.Errorf("access token validity must be 5 min to 1 day")
	case t.Refresh < time.Hour || t.Refresh > 3650*24*time.Hour:
		return fmt.Errorf("refresh token validity must be 60 min to 3650 days")
	}
	return nil
}
