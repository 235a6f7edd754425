package userpool

import (
	"context"
	"errors"
	"unicode/utf8"

	"github.com/cupola-auth/cupola/internal/passhash"
	"github.com/cupola-auth/cupola/store"
)

// AuthFlow is InitiateAuth's AuthFlow (cognito.md §2).
type AuthFlow string

// Auth flows. USER_SRP_AUTH arrives with its issue; it is refused with
// InvalidParameterException until then.
const (
	FlowUserPasswordAuth      AuthFlow = "USER_PASSWORD_AUTH"
	FlowAdminUserPasswordAuth AuthFlow = "ADMIN_USER_PASSWORD_AUTH"
	FlowRefreshTokenAuth      AuthFlow = "REFRESH_TOKEN_AUTH"
	FlowRefreshToken          AuthFlow = "REFRESH_TOKEN"
	FlowUserSRPAuth           AuthFlow = "USER_SRP_AUTH"
	FlowCustomAuth            AuthFlow = "CUSTOM_AUTH"
	FlowUserAuth              AuthFlow = "USER_AUTH"
)

// ChallengeName names a challenge in an InitiateAuth answer.
type ChallengeName string

// InitiateAuthInput is InitiateAuth's request. AuthParameters use
// Cognito's keys: USERNAME, PASSWORD, SECRET_HASH, REFRESH_TOKEN.
type InitiateAuthInput struct {
	AuthFlow       AuthFlow
	ClientID       string
	AuthParameters map[string]string
	ClientMetadata map[string]string
}

// InitiateAuthOutput is InitiateAuth's answer: tokens, or a challenge.
type InitiateAuthOutput struct {
	AuthenticationResult *AuthenticationResult
	ChallengeName        ChallengeName
	ChallengeParameters  map[string]string
	Session              string
	// AvailableChallenges lists the first factors a USER_AUTH sign-in may
	// choose (with SELECT_CHALLENGE).
	AvailableChallenges []ChallengeName

	// principal is set instead of tokens when a hosted-UI sign-in
	// completes (see HostedSignIn).
	principal *Principal
}

// InitiateAuth starts a sign-in from an end user's device:
// USER_PASSWORD_AUTH (USERNAME, PASSWORD) or REFRESH_TOKEN_AUTH
// (REFRESH_TOKEN). The flow must be allowed by the client.
func (p *UserPool) InitiateAuth(ctx context.Context, in InitiateAuthInput) (*InitiateAuthOutput, error) {
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	switch in.AuthFlow {
	case FlowUserPasswordAuth:
		if !c.allows(AllowUserPasswordAuth) {
			return nil, invalidParam("USER_PASSWORD_AUTH flow not enabled for this client")
		}
		return p.passwordAuth(ctx, c, in.AuthParameters, in.ClientMetadata)
	case FlowRefreshTokenAuth, FlowRefreshToken:
		return p.refreshAuth(ctx, c, in.AuthParameters)
	case FlowUserAuth:
		return p.userAuth(ctx, c, in.AuthParameters, in.ClientMetadata)
	case FlowCustomAuth:
		return p.customAuth(ctx, c, in.AuthParameters, in.ClientMetadata)
	case FlowAdminUserPasswordAuth:
		return nil, invalidParam("ADMIN_USER_PASSWORD_AUTH is only allowed through AdminInitiateAuth")
	case "":
		return nil, invalidParam("Missing required parameter AuthFlow")
	default:
		return nil, invalidParam("Unsupported auth flow " + sanitize(string(in.AuthFlow)))
	}
}

// AdminInitiateAuthInput is AdminInitiateAuth's request.
type AdminInitiateAuthInput struct {
	AuthFlow       AuthFlow
	ClientID       string
	AuthParameters map[string]string
	ClientMetadata map[string]string
}

// AdminInitiateAuth starts a sign-in from a trusted back end:
// ADMIN_USER_PASSWORD_AUTH or REFRESH_TOKEN_AUTH. Callers must guard it as
// they would Cognito's IAM-authorized API.
func (p *UserPool) AdminInitiateAuth(ctx context.Context, in AdminInitiateAuthInput) (*InitiateAuthOutput, error) {
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	switch in.AuthFlow {
	case FlowAdminUserPasswordAuth:
		if !c.allows(AllowAdminUserPasswordAuth) {
			return nil, invalidParam("ADMIN_USER_PASSWORD_AUTH flow not enabled for this client")
		}
		return p.passwordAuth(ctx, c, in.AuthParameters, in.ClientMetadata)
	case FlowRefreshTokenAuth, FlowRefreshToken:
		return p.refreshAuth(ctx, c, in.AuthParameters)
	case FlowUserAuth:
		return p.userAuth(ctx, c, in.AuthParameters, in.ClientMetadata)
	case FlowCustomAuth:
		return p.customAuth(ctx, c, in.AuthParameters, in.ClientMetadata)
	case "":
		return nil, invalidParam("Missing required parameter AuthFlow")
	default:
		return nil, invalidParam("Unsupported auth flow " + sanitize(string(in.AuthFlow)))
	}
}

// passwordAuth checks a username and password. Unknown users cost the same
// work as known ones and, when the client prevents existence errors, get
// the same answer. Every attempt is counted before the password is hashed,
// so parallel guesses cannot outrun the lockout.
func (p *UserPool) passwordAuth(ctx context.Context, c *appClient, params, meta map[string]string) (*InitiateAuthOutput, error) {
	return p.passwordAuthAs(ctx, c, params, meta, sourceAuthentication)
}

// passwordAuthAs is passwordAuth for a sign-in whose tokens come from
// source (the hosted UI's sign-ins end in a principal, not tokens).
func (p *UserPool) passwordAuthAs(ctx context.Context, c *appClient, params, meta map[string]string, source string) (*InitiateAuthOutput, error) {
	login, password := params["USERNAME"], params["PASSWORD"]
	if err := checkLogin(login); err != nil {
		return nil, err
	}
	if password == "" {
		return nil, invalidParam("Missing required parameter PASSWORD")
	}
	if len(password) > passhash.MaxPasswordBytes || !utf8.ValidString(password) {
		// No password of the policy is this long or invalid UTF-8; answer
		// before any look-up so known and unknown users cost the same.
		return nil, newErr(CodeNotAuthorized, msgIncorrect)
	}
	if err := c.checkSecretHash(login, params["SECRET_HASH"]); err != nil {
		return nil, err
	}
	u, err := p.findUser(ctx, login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internalErr("find user", err)
	}
	known := err == nil
	key := p.unknownKey(login)
	if known {
		key = u.Sub
	}
	att, err := p.store.BeginAttempt(ctx, p.cfg.ID, key, p.now(), p.cfg.Lockout)
	if err != nil {
		return nil, internalErr("lockout", err)
	}
	if !att.Allowed {
		return nil, newErr(CodeNotAuthorized, msgAttemptsExceeded)
	}
	if known || c.preventsExistenceErrors() {
		if err := p.preAuthentication(ctx, u, login, c.ID, known, nil, meta); err != nil {
			return nil, err
		}
	}
	if !known {
		// A user the pool does not know may still be in the system the
		// team is moving from: the MigrateUser trigger checks the password
		// there and, if it is right, the user is created here.
		migrated, ok, err := p.migrateUser(ctx, c, login, password, meta)
		if err != nil {
			return nil, err
		}
		if ok {
			if migrated.Status == store.StatusResetRequired {
				return nil, newErr(CodePasswordResetRequired, msgResetRequired)
			}
			if err := p.signInAllowed(migrated); err != nil {
				return nil, err
			}
			return p.afterFirstFactor(ctx, c, migrated, login, params, source)
		}
		if p.cfg.Triggers.MigrateUser == nil {
			if err := p.hasher.VerifyDummy(ctx, password); err != nil {
				return nil, p.hashErr(err)
			}
		}
		if c.preventsExistenceErrors() {
			return nil, newErr(CodeNotAuthorized, msgIncorrect)
		}
		return nil, newErr(CodeUserNotFound, msgUserNotExist)
	}
	if u.Password.Hash == "" {
		// Imported without a hash: nothing to check the password against.
		if err := p.hasher.VerifyDummy(ctx, password); err != nil {
			return nil, p.hashErr(err)
		}
		if u.Status == store.StatusResetRequired {
			return nil, newErr(CodePasswordResetRequired, msgResetRequired)
		}
		return nil, newErr(CodeNotAuthorized, msgIncorrect)
	}
	ok, rehash, err := p.hasher.Verify(ctx, u.Password.Hash, password)
	if err != nil && ctx.Err() != nil {
		return nil, p.hashErr(err)
	}
	if err != nil && !errors.Is(err, passhash.ErrTooLong) {
		p.log.ErrorContext(ctx, "stored password hash unreadable", "sub", u.Sub, "err", err)
	}
	if !ok {
		return nil, newErr(CodeNotAuthorized, msgIncorrect)
	}
	// The password was right. The attempt stays counted until the whole
	// sign-in completes (finishSignIn clears it), so a second factor cannot
	// be guessed behind a known password; an answer that ends here clears it.
	if u.Enabled && u.Status == store.StatusForceChangePassword {
		if !u.Password.ExpiresAt.IsZero() && !p.now().Before(u.Password.ExpiresAt) {
			return nil, newErr(CodeNotAuthorized, "Temporary password has expired and must be reset by an administrator.")
		}
		return p.newPasswordChallenge(ctx, c, u, login, source)
	}
	if err := p.signInAllowed(u); err != nil {
		if cerr := p.store.ClearAttempts(ctx, p.cfg.ID, u.Sub); cerr != nil {
			return nil, internalErr("lockout", cerr)
		}
		return nil, err
	}
	if rehash {
		p.upgradeHash(ctx, u, password)
	}
	return p.afterFirstFactor(ctx, c, u, login, params, source)
}

// signInAllowed maps a user's state to Cognito's answers after a correct
// password.
func (p *UserPool) signInAllowed(u store.User) error {
	if !u.Enabled {
		return newErr(CodeNotAuthorized, msgDisabled)
	}
	switch u.Status {
	case store.StatusConfirmed:
		return nil
	case store.StatusUnconfirmed:
		return newErr(CodeUserNotConfirmed, msgNotConfirmed)
	case store.StatusResetRequired:
		return newErr(CodePasswordResetRequired, msgResetRequired)
	default:
		return newErr(CodeUnsupportedUserState, "User is in status "+string(u.Status)+", which this sign-in flow cannot complete.")
	}
}

// upgradeHash re-hashes a password that matched an old hash (bcrypt, or
// older argon2id parameters). Failure is logged, never fatal: the old hash
// still works.
func (p *UserPool) upgradeHash(ctx context.Context, u store.User, password string) {
	old := u.Password.Hash
	hash, err := p.hasher.Hash(ctx, password)
	if err != nil {
		p.log.WarnContext(ctx, "password rehash failed", "sub", u.Sub, "err", err)
		return
	}
	_, err = p.modifyUser(ctx, "rehash password", u.Sub, func(u *store.User) error {
		if u.Password.Hash != old {
			return errPasswordChanged
		}
		u.Password.Hash = hash
		return nil
	})
	if err != nil && !errors.Is(err, errPasswordChanged) {
		p.log.WarnContext(ctx, "password rehash not stored", "sub", u.Sub, "err", err)
	}
}

var errPasswordChanged = errors.New("password changed meanwhile")

func (p *UserPool) hashErr(err error) error {
	if errors.Is(err, passhash.ErrTooLong) {
		return newErr(CodeInvalidPassword, "Password did not conform with policy: Password is too long")
	}
	return &Error{Code: CodeTooManyRequests, Message: "Too many sign-ins in progress; retry.", Err: err}
}
