package userpool

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/cupola-auth/cupola/store"
)

// The hosted UI's passkey calls: a sign-in that starts with a passkey
// (with or without a username), and adding a passkey for the user a
// hosted session signed in. The browser runs the ceremonies; these calls
// hand it the options and take back its answer.

// PasskeysEnabled reports whether the pool offers passkeys, so a front end
// shows its passkey buttons only when they can work.
func (o *OAuthServer) PasskeysEnabled() bool { return o.p.webauthn != nil }

// PasskeySignInInput is a hosted sign-in with a passkey. Username may be
// empty: the passkey the browser offers then names the account.
type PasskeySignInInput struct {
	ClientID  string
	Username  string
	IPAddress string
	UserAgent string
	DeviceID  string
}

// SignInWithPasskey starts a hosted passkey sign-in: the answer is a
// WEB_AUTHN challenge whose ParamCredentialRequestOptions the page hands
// to navigator.credentials.get, and whose answer (ParamCredential) goes to
// RespondToAuthChallenge.
func (o *OAuthServer) SignInWithPasskey(ctx context.Context, in PasskeySignInInput) (out *HostedAuthOutput, err error) {
	ctx, ob := o.p.begin(ctx, "OAuth.SignInWithPasskey", AuditSignIn)
	defer func() { ob.finishHosted(ctx, out, err) }()
	ob.flow = flowPasskey
	ob.from(in.IPAddress, in.UserAgent)
	defer func() { err = ended(ctx, err) }()
	p := o.p
	if err := p.passkeysOff(); err != nil {
		return nil, err
	}
	c, err := p.hostedClient(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	req := &signInRequest{client: c, login: in.Username, preferred: FirstFactorWebAuthn, hosted: true,
		caller: caller{ip: in.IPAddress, userAgent: in.UserAgent, device: boundedDevice(in.DeviceID)}}
	if req.secretHash, err = c.secretHash(in.Username); err != nil {
		return nil, err
	}
	if in.Username == "" {
		return o.endHosted(ctx)(p.discoverablePasskey(ctx, req))
	}
	return o.endHosted(ctx)(p.userAuthAt(ctx, req))
}

// HasPasskey reports whether the user of a hosted session has a passkey,
// so a front end offers to add one only to users without.
func (o *OAuthServer) HasPasskey(ctx context.Context, pr Principal) (bool, error) {
	if err := o.p.passkeysOff(); err != nil {
		return false, err
	}
	cur, err := o.Principal(ctx, pr)
	if err != nil {
		return false, err
	}
	return o.p.hasPasskey(ctx, cur.Sub)
}

// StartPasskeyRegistration starts adding a passkey for the user of a
// hosted session; the options are for navigator.credentials.create.
func (o *OAuthServer) StartPasskeyRegistration(ctx context.Context, pr Principal) (_ json.RawMessage, err error) {
	ctx, ob := o.p.begin(ctx, "OAuth.StartPasskeyRegistration", AuditMFAChange)
	defer func() { ob.finish(ctx, err) }()
	defer func() { err = ended(ctx, err) }()
	p := o.p
	if err := p.passkeysOff(); err != nil {
		return nil, err
	}
	cur, err := o.Principal(ctx, pr)
	if err != nil {
		return nil, err
	}
	u, err := p.store.GetUser(ctx, p.cfg.ID, cur.Sub)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr(CodeNotAuthorized, "The session has ended.")
	}
	if err != nil {
		return nil, internalErr("passkey registration", err)
	}
	out, err := p.startPasskeyRegistration(ctx, u)
	if err != nil {
		return nil, err
	}
	return out.CredentialCreationOptions, nil
}

// CompletePasskeyRegistration stores the passkey the browser created for
// the user of a hosted session.
func (o *OAuthServer) CompletePasskeyRegistration(ctx context.Context, pr Principal, credential json.RawMessage) (err error) {
	ctx, ob := o.p.begin(ctx, "OAuth.CompletePasskeyRegistration", AuditMFAChange)
	defer func() { ob.finish(ctx, err) }()
	defer func() { err = ended(ctx, err) }()
	p := o.p
	if err := p.passkeysOff(); err != nil {
		return err
	}
	cur, err := o.Principal(ctx, pr)
	if err != nil {
		return err
	}
	return p.completePasskeyRegistration(ctx, cur.Sub, credential)
}
