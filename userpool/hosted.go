package userpool

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/store"
)

// Principal is a user the hosted UI has signed in.
type Principal struct {
	Sub      string
	Username string
	AuthTime time.Time
	// Session names the server side of the hosted session: GlobalSignOut,
	// AdminUserGlobalSignOut and disabling the user end it.
	Session string
}

// HostedAuthOutput is a hosted-UI sign-in step: a signed-in Principal, or
// a Challenge to show (MFA, NEW_PASSWORD_REQUIRED, MFA_SETUP), answered
// with OAuthServer.RespondToAuthChallenge.
type HostedAuthOutput struct {
	Principal *Principal
	Challenge *InitiateAuthOutput
}

// SignInInput is a hosted sign-in form's password sign-in.
type SignInInput struct {
	ClientID string
	Username string
	Password string
	// IPAddress is the browser's address: the source the lockout counts
	// failures from. UserAgent is recorded for risk assessment, which the
	// pool does not do yet.
	IPAddress string
	UserAgent string
	// DeviceID is the browser's device cookie (the hosted UI sets one): a
	// device the risk assessor learns the user by.
	DeviceID string
}

// SignIn is the hosted login form's password sign-in at a client that
// allows the code flow, whatever its ExplicitAuthFlows. The lockout, MFA
// and triggers apply as for InitiateAuth; no tokens are minted until the
// client exchanges its code.
func (o *OAuthServer) SignIn(ctx context.Context, in SignInInput) (out *HostedAuthOutput, err error) {
	ctx, ob := o.p.begin(ctx, "OAuth.SignIn", AuditSignIn)
	defer func() { ob.finishHosted(ctx, out, err) }()
	ob.flow = flowHosted
	ob.from(in.IPAddress, in.UserAgent)
	defer func() { err = ended(ctx, err) }()
	p := o.p
	c, err := p.hostedClient(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	req := &signInRequest{client: c, login: in.Username, password: in.Password, hosted: true,
		caller: caller{ip: in.IPAddress, userAgent: in.UserAgent, device: boundedDevice(in.DeviceID)}}
	if req.secretHash, err = c.secretHash(in.Username); err != nil {
		return nil, err
	}
	return o.endHosted(ctx)(p.passwordAuth(ctx, req))
}

// hostedClient is a client the hosted UI may sign users in at with the
// pool's own credentials: one that allows the code flow and COGNITO.
func (p *UserPool) hostedClient(ctx context.Context, id string) (*appClient, error) {
	c, err := p.client(ctx, id)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(c.Settings.AllowedOAuthFlows, OAuthFlowCode) || !c.supportsProvider(ProviderCognito) {
		return nil, newErr(CodeNotAuthorized, "The client does not allow the hosted sign-in.")
	}
	return c, nil
}

// RespondToAuthChallenge answers a challenge of a hosted sign-in. The
// hosted UI is server-side code holding no client secret: SECRET_HASH is
// computed here for clients that have one.
func (o *OAuthServer) RespondToAuthChallenge(ctx context.Context, in RespondToAuthChallengeInput) (out *HostedAuthOutput, err error) {
	ctx, ob := o.p.begin(ctx, "OAuth.RespondToAuthChallenge", AuditSignIn)
	defer func() { ob.finishHosted(ctx, out, err) }()
	ob.flow = flowRespond
	p := o.p
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	r := make(map[string]string, len(in.ChallengeResponses)+1)
	for k, v := range in.ChallengeResponses {
		r[k] = v
	}
	if r[ParamSecretHash], err = c.secretHash(r[ParamUsername]); err != nil {
		return nil, err
	}
	in.ChallengeResponses = r
	return o.endHosted(ctx)(p.respond(ctx, c, answer{in, byHostedUI}))
}

// SecretHash computes a client's SECRET_HASH for username ("" for a
// client without a secret), for a front end that calls the pool's
// operations (ForgotPassword, SignUp…) for users at a confidential client.
// Never hand its result to an end user.
func (o *OAuthServer) SecretHash(ctx context.Context, clientID, username string) (string, error) {
	c, err := o.p.client(ctx, clientID)
	if err != nil {
		return "", err
	}
	return c.secretHash(username)
}

// SignUpAllowed reports whether users may register themselves
// (Config.AllowAdminCreateUserOnly is off), so a front end offers a
// sign-up page only when SignUp can succeed.
func (o *OAuthServer) SignUpAllowed() bool { return !o.p.cfg.AllowAdminCreateUserOnly }

// QRCode draws an otpauth:// URI (AssociateSoftwareTokenOutput.URI) as a
// PNG QR code, for a page that shows a TOTP secret being set up again.
func (o *OAuthServer) QRCode(otpauthURI string) ([]byte, error) {
	png, err := o.p.totp.PNG(otpauthURI)
	if err != nil {
		return nil, invalidParam("not an otpauth URI")
	}
	return png, nil
}

// endHosted ends a hosted sign-in step: a challenge goes back to the page;
// a completed sign-in opens a hosted session and becomes a Principal. A
// sign-in begun through the API cannot end here: its tokens must not leak
// into the hosted flow, nor the hosted session into the API.
func (o *OAuthServer) endHosted(ctx context.Context) func(*step, error) (*HostedAuthOutput, error) {
	return func(s *step, err error) (*HostedAuthOutput, error) {
		if err != nil {
			return nil, err
		}
		if s.done == nil {
			return &HostedAuthOutput{Challenge: s.challenge}, nil
		}
		if !s.done.hosted {
			return nil, newErr(CodeNotAuthorized, msgSessionExpired)
		}
		pr, err := o.p.hostedSession(ctx, s.done.client, s.done.user)
		if err != nil {
			return nil, err
		}
		return &HostedAuthOutput{Principal: pr}, nil
	}
}

// Principal re-checks the principal of a hosted-UI session cookie:
// its session must not have been signed out, and the user must still
// exist, be enabled and confirmed, and not have changed their password
// since signing in (times compared to the microsecond).
func (o *OAuthServer) Principal(ctx context.Context, pr Principal) (*Principal, error) {
	p := o.p
	ended := newErr(CodeNotAuthorized, "The session has ended.")
	if pr.Session == "" {
		return nil, ended
	}
	fam, err := p.store.GetFamily(ctx, p.cfg.ID, pr.Session)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ended
	}
	if err != nil {
		return nil, internalErr("hosted session", err)
	}
	if !fam.RevokedAt.IsZero() || fam.Subject != pr.Sub || !p.now().Before(fam.ExpiresAt) {
		return nil, ended
	}
	sub, authTime := pr.Sub, pr.AuthTime
	u, err := p.store.GetUser(ctx, p.cfg.ID, sub)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr(CodeNotAuthorized, "The session has ended.")
	}
	if err != nil {
		return nil, internalErr("hosted session", err)
	}
	if !u.Enabled || !signedInStatus(u.Status) || u.Password.ChangedAt.After(authTime) {
		return nil, newErr(CodeNotAuthorized, "The session has ended.")
	}
	noteUser(ctx, u)
	return &Principal{Sub: u.Sub, Username: u.Username, AuthTime: authTime, Session: pr.Session}, nil
}

// SignOut ends the hosted session of a principal (the server side of a
// sign-out at the hosted UI): from then on Principal refuses it, so a
// copied session cookie signs nobody in. A session already ended, or not
// the principal's, is left as it is; that is not an error.
func (o *OAuthServer) SignOut(ctx context.Context, pr Principal) (err error) {
	ctx, ob := o.p.begin(ctx, "OAuth.SignOut", AuditGlobalSignOut)
	defer func() { ob.finish(ctx, err) }()
	p := o.p
	if pr.Session == "" || len(pr.Session) > 128 {
		return nil
	}
	fam, err := p.store.GetFamily(ctx, p.cfg.ID, pr.Session)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return internalErr("sign out", err)
	}
	if fam.Subject != pr.Sub || !fam.RevokedAt.IsZero() {
		return nil
	}
	ob.user(store.User{Sub: fam.Subject, Username: pr.Username})
	ob.client(fam.ClientID)
	if err := p.store.RevokeFamily(ctx, p.cfg.ID, fam.ID, p.now()); err != nil && !errors.Is(err, store.ErrNotFound) {
		return internalErr("sign out", err)
	}
	return nil
}

// hostedSessionTTL bounds a hosted-UI session on the server side; the
// hosted UI's cookie usually ends it sooner.
const hostedSessionTTL = 24 * time.Hour

// hostedSession completes a hosted-UI sign-in: PostAuthentication runs,
// and a session record (a refresh family whose token is never issued) is
// created, so sign-out and disabling end the single sign-on too. Tokens
// are minted later, when the client exchanges its code.
func (p *UserPool) hostedSession(ctx context.Context, c *appClient, u store.User) (*Principal, error) {
	if err := p.postAuthentication(ctx, u, c.ID, false); err != nil {
		return nil, err
	}
	id, err := random.UUID(p.random)
	if err != nil {
		return nil, internalErr("hosted session", err)
	}
	unusable, err := random.Token(p.random, refreshTokenBytes)
	if err != nil {
		return nil, internalErr("hosted session", err)
	}
	now := p.now()
	if err := p.store.CreateFamily(ctx, store.RefreshFamily{PoolID: p.cfg.ID, ID: id, Subject: u.Sub, ClientID: c.ID,
		Scopes: []string{"hosted-session"}, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(hostedSessionTTL)},
		hashRefresh("hosted-session:"+unusable)); err != nil {
		return nil, internalErr("hosted session", err)
	}
	return &Principal{Sub: u.Sub, Username: u.Username, AuthTime: now, Session: id}, nil
}

// boundedDevice keeps a device ID the browser sent only when it is
// plausibly one (the hosted UI's cookie is 43 characters).
func boundedDevice(id string) string {
	if len(id) > 128 {
		return ""
	}
	return id
}
