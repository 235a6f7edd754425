package userpool

import (
	"context"
	"log/slog"
	"strings"
)

// The audit log: one structured slog record, message "audit", at Info on
// Config.AuditLogger (Config.Logger when nil) for every authentication
// event — each sign-in step with its outcome, code exchanges, sign-up and
// its confirmation, forgotten-password requests and resets, password, MFA
// (passkeys included), attribute and device changes, account deletion,
// lockouts, token revocations and sign-outs, and every change an
// administrator makes, with the administrator's identity. A stored auth
// event (AdminListUserAuthEvents) has exactly one audit record, carrying
// its ID in event_id; the default EventSink no longer logs it a second
// time.
//
// Keys (empty values are left out; event, outcome, operation and pool are
// always there):
//
//	event        what happened: the Audit* event constants below
//	outcome      success, failure, or challenge (another step is asked for)
//	reason       on failure: a Reason* class (bad_credentials, locked…)
//	operation    the pool operation ("InitiateAuth", "AdminDisableUser",
//	             "OAuth.Token")
//	flow         sign-ins: the flow, as in the cupola.signins metric;
//	             token_issued: authorization_code
//	challenge    outcome challenge: the ChallengeName asked for
//	scope        lockout: account_source, account or source
//	pool         the pool ID
//	client_id    the app client, when the operation names one
//	target       an admin action's object when it is neither a user nor a
//	             client: the group, identity provider or resource server
//	username     the user's username, once the pool knows the user (never
//	             what a caller typed for a user that does not exist: it may
//	             be a password typed in the wrong field)
//	sub          the user's sub, likewise
//	ip           the end user's address (UserContextData, ContextData, the
//	             hosted UI's connection)
//	user_agent   the end user's User-Agent, at most 256 bytes
//	request_id   WithRequestID's
//	actor        WithActor's: who called an administrative operation
//	event_id     the stored auth event's ID, as AdminListUserAuthEvents
//	             lists it
//	risk_level   the threat-protection level of that event (Low, Medium,
//	             High), when assessed
//
// Records never carry passwords, codes, tokens, secret hashes, client
// secrets or session strings.

// Audit record keys.
const (
	AuditMessage      = "audit"
	AuditKeyEvent     = "event"
	AuditKeyOutcome   = "outcome"
	AuditKeyReason    = "reason"
	AuditKeyOperation = "operation"
	AuditKeyFlow      = "flow"
	AuditKeyChallenge = "challenge"
	AuditKeyScope     = "scope"
	AuditKeyPool      = "pool"
	AuditKeyClientID  = "client_id"
	AuditKeyTarget    = "target"
	AuditKeyUsername  = "username"
	AuditKeySub       = "sub"
	AuditKeyIP        = "ip"
	AuditKeyUserAgent = "user_agent"
	AuditKeyRequestID = "request_id"
	AuditKeyActor     = "actor"
	AuditKeyEventID   = "event_id"
	AuditKeyRiskLevel = "risk_level"
)

// Audit events (the value of the event key).
const (
	AuditSignIn                = "sign_in"                 // every sign-in step: InitiateAuth, challenge answers, refreshes, hosted, passkey and federated sign-ins, the token endpoint's refresh_token and client_credentials grants
	AuditTokenIssued           = "token_issued"            // the token endpoint's authorization_code grant: tokens for a hosted sign-in already recorded as sign_in
	AuditSignUp                = "sign_up"                 // SignUp
	AuditConfirmSignUp         = "confirm_sign_up"         // ConfirmSignUp, AdminConfirmSignUp
	AuditResendCode            = "resend_code"             // ResendConfirmationCode, GetUserAttributeVerificationCode (a code sent)
	AuditForgotPassword        = "forgot_password"         // ForgotPassword, AdminResetUserPassword
	AuditConfirmForgotPassword = "confirm_forgot_password" // ConfirmForgotPassword
	AuditChangePassword        = "change_password"         // ChangePassword
	AuditAdminSetPassword      = "admin_set_password"      // AdminSetUserPassword
	AuditMFAChange             = "mfa_change"              // MFA preferences, TOTP set-up or removal, recovery codes, passkey registration or deletion
	AuditAttributeChange       = "attribute_change"        // the user's own UpdateUserAttributes, DeleteUserAttributes, VerifyUserAttribute
	AuditDeviceChange          = "device_change"           // the user's own ConfirmDevice, UpdateDeviceStatus, ForgetDevice
	AuditDeleteUser            = "delete_user"             // DeleteUser: the user deletes their own account
	AuditEventFeedback         = "event_feedback"          // UpdateAuthEventFeedback: the user's verdict on an auth event, with the token of its notification
	AuditLockout               = "lockout"                 // a failed credential check locked a key
	AuditTokenRevoked          = "token_revoked"           // RevokeToken
	AuditGlobalSignOut         = "global_sign_out"         // GlobalSignOut, AdminUserGlobalSignOut, a hosted sign-out
	AuditAdminAction           = "admin_action"            // any other change by an administrator: users, groups, app clients, identity providers, resource servers, risk configuration, signing keys, imports, tags
	AuditAuthEvent             = "auth_event"              // an auth event recorded outside these operations
)

type requestIDKey struct{}
type actorKey struct{}

// maxContextValue bounds a request ID or actor in a record.
const maxContextValue = 128

// WithRequestID returns ctx carrying the request's ID, which the pool puts
// in its audit records (request_id). The server's middleware sets it from
// the incoming request (or makes one up).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, boundedValue(id))
}

// WithActor returns ctx carrying who makes the call, which the pool puts
// in its audit records (actor): "cli:<user>" for the admin CLI,
// "iam:<access key id>" for a SigV4-signed call of the Cognito API, an
// application's own name for its calls. Set it on administrative calls;
// an end user's own calls are told by their username and sub.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, boundedValue(actor))
}

func boundedValue(s string) string {
	if len(s) > maxContextValue {
		s = s[:maxContextValue]
	}
	return strings.ToValidUTF8(s, "?")
}

func requestIDOf(ctx context.Context) string { v, _ := ctx.Value(requestIDKey{}).(string); return v }
func actorOf(ctx context.Context) string     { v, _ := ctx.Value(actorKey{}).(string); return v }

// auditRecord is what one audit record says.
type auditRecord struct {
	event, outcome, reason, operation, flow, challenge, scope          string
	clientID, target, username, sub, ip, userAgent, eventID, riskLevel string
}

// audit writes one audit record.
func (p *UserPool) audit(ctx context.Context, r auditRecord) {
	if !p.auditLog.Enabled(ctx, slog.LevelInfo) {
		return
	}
	attrs := make([]slog.Attr, 0, 18)
	attrs = append(attrs, slog.String(AuditKeyEvent, r.event), slog.String(AuditKeyOutcome, r.outcome))
	opt := func(k, v string) {
		if v != "" {
			attrs = append(attrs, slog.String(k, v))
		}
	}
	opt(AuditKeyReason, r.reason)
	attrs = append(attrs, slog.String(AuditKeyOperation, r.operation))
	opt(AuditKeyFlow, r.flow)
	opt(AuditKeyChallenge, r.challenge)
	opt(AuditKeyScope, r.scope)
	attrs = append(attrs, slog.String(AuditKeyPool, p.cfg.ID))
	opt(AuditKeyClientID, r.clientID)
	opt(AuditKeyTarget, r.target)
	opt(AuditKeyUsername, r.username)
	opt(AuditKeySub, r.sub)
	opt(AuditKeyIP, r.ip)
	opt(AuditKeyUserAgent, deviceName(r.userAgent))
	opt(AuditKeyRequestID, requestIDOf(ctx))
	opt(AuditKeyActor, actorOf(ctx))
	opt(AuditKeyEventID, r.eventID)
	opt(AuditKeyRiskLevel, r.riskLevel)
	p.auditLog.LogAttrs(ctx, slog.LevelInfo, AuditMessage, attrs...)
}
