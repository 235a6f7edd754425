package userpool

import (
	"context"
	"errors"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/cupola-auth/cupola/store"
)

// An operation in progress, as metrics, traces and the audit log see it
// (metrics.go, audit.go). An exported operation begins one (begin) and
// finishes it with its answer (finish, finishSignIn); what the flow learns
// on the way — the user, the stored auth event, a lockout — it notes on
// the operation found in its context (opOf). No exported operation calls
// another, so one begun inside another is a trigger's call: it gets its
// own record, and its span is a child of the operation that ran the
// trigger.
type op struct {
	p         *UserPool
	name      string // "InitiateAuth"
	event     string // audit event; "" for none
	flow      string // sign-ins: the flow label
	clientID  string
	object    string // an admin action's target other than a user or client
	ip, agent string
	username  string
	sub       string
	eventID   string
	riskLevel string
	lockouts  []string // scopes a failed check locked
	span      trace.Span
}

type opKey struct{}

// opOf is the operation ctx runs in, or nil.
func opOf(ctx context.Context) *op {
	o, _ := ctx.Value(opKey{}).(*op)
	return o
}

// begin starts operation name (audit event event, "" for none): its span
// and its record.
func (p *UserPool) begin(ctx context.Context, name, event string) (context.Context, *op) {
	o := &op{p: p, name: name, event: event}
	if p.obs.traced {
		ctx, o.span = p.obs.tracer.Start(ctx, "userpool."+name, trace.WithSpanKind(trace.SpanKindServer),
			trace.WithAttributes(attribute.String("cupola.pool", p.cfg.ID)))
	}
	return context.WithValue(ctx, opKey{}, o), o
}

// client notes the app client an operation names.
func (o *op) client(id string) {
	if len(id) <= 128 {
		o.clientID = id
	}
}

// target notes what an admin action changes when it is neither a user
// nor an app client: a group, an identity provider, a resource server.
func (o *op) target(name string) {
	o.object = boundedValue(name)
}

// from notes where the end user is.
func (o *op) from(ip, userAgent string) {
	if ip != "" {
		o.ip = boundedValue(ip)
	}
	if userAgent != "" {
		o.agent = userAgent
	}
}

// user notes the user an operation acts on.
func (o *op) user(u store.User) {
	if u.Sub != "" {
		o.sub = u.Sub
	}
	if u.Username != "" {
		o.username = u.Username
	}
}

// noteUser notes u on ctx's operation, if any.
func noteUser(ctx context.Context, u store.User) {
	if o := opOf(ctx); o != nil {
		o.user(u)
	}
}

// finish ends an operation that is not a sign-in step: success unless err.
func (o *op) finish(ctx context.Context, err error) {
	result := ResultSuccess
	if err != nil {
		result = ResultFailure
	}
	o.end(ctx, result, "", err)
}

// finishSignIn ends a sign-in step with its answer.
func (o *op) finishSignIn(ctx context.Context, out *InitiateAuthOutput, err error) {
	switch {
	case err != nil:
		o.end(ctx, ResultFailure, "", err)
	case out != nil && out.AuthenticationResult == nil && out.ChallengeName != "":
		o.end(ctx, ResultChallenge, string(out.ChallengeName), nil)
	default:
		o.end(ctx, ResultSuccess, "", nil)
	}
}

// finishHosted ends a hosted sign-in step with its answer.
func (o *op) finishHosted(ctx context.Context, out *HostedAuthOutput, err error) {
	var ch *InitiateAuthOutput
	if out != nil && out.Principal == nil {
		ch = out.Challenge
	}
	if ch == nil && err == nil {
		o.end(ctx, ResultSuccess, "", nil)
		return
	}
	o.finishSignIn(ctx, ch, err)
}

func (o *op) end(ctx context.Context, result, challenge string, err error) {
	p := o.p
	reason := ""
	if err != nil {
		reason = reasonOf(err)
		if o.event == AuditSignIn && reason == ReasonNotFound {
			reason = ReasonBadCredentials // an unknown user, told apart or not
		}
	}
	if p.obs.metered {
		switch o.event {
		case AuditSignIn:
			p.obs.add(ctx, p.obs.signIns, attribute.String("flow", o.flow), attribute.String("result", result),
				attribute.String("reason", reason))
			if challenge != "" {
				p.obs.add(ctx, p.obs.challenges, attribute.String("type", challenge))
			}
		case AuditSignUp:
			p.obs.add(ctx, p.obs.signUps, attribute.String("result", result), attribute.String("reason", reason))
		}
	}
	if o.event != "" {
		p.audit(ctx, auditRecord{event: o.event, outcome: result, reason: reason, operation: o.name, flow: o.flow,
			challenge: challenge, clientID: o.clientID, target: o.object, username: o.username, sub: o.sub, ip: o.ip,
			userAgent: o.agent, eventID: o.eventID, riskLevel: o.riskLevel})
	}
	if result == ResultFailure {
		for _, scope := range o.lockouts {
			p.lockedOut(ctx, scope, o)
		}
	}
	if o.span != nil {
		o.span.SetAttributes(attribute.String("cupola.result", result))
		if o.flow != "" {
			o.span.SetAttributes(attribute.String("cupola.flow", o.flow))
		}
		if o.clientID != "" {
			o.span.SetAttributes(attribute.String("cupola.client_id", o.clientID))
		}
		if challenge != "" {
			o.span.SetAttributes(attribute.String("cupola.challenge", challenge))
		}
		if reason != "" {
			o.span.SetAttributes(attribute.String("cupola.reason", reason))
			o.span.SetStatus(codes.Error, reason)
		}
		o.span.End()
	}
}

// lockout notes that a failed credential check locked a key of scope; it
// is counted and logged when the operation fails (a check that succeeds
// clears the key), or at once outside an operation.
func (p *UserPool) lockout(ctx context.Context, scope string) {
	if o := opOf(ctx); o != nil {
		o.lockouts = append(o.lockouts, scope)
		return
	}
	p.lockedOut(ctx, scope, &op{})
}

func (p *UserPool) lockedOut(ctx context.Context, scope string, o *op) {
	p.obs.add(ctx, p.obs.lockouts, attribute.String("scope", scope))
	p.audit(ctx, auditRecord{event: AuditLockout, outcome: ResultSuccess, scope: scope, operation: o.name,
		clientID: o.clientID, username: o.username, sub: o.sub, ip: o.ip, userAgent: o.agent})
}

// Lockout scopes.
const (
	scopeAccountSource = "account_source"
	scopeAccount       = "account"
	scopeSource        = "source"
)

// flowLabel bounds an AuthFlow to the values the metrics know.
func flowLabel(f AuthFlow) string {
	switch f {
	case FlowUserPasswordAuth, FlowAdminUserPasswordAuth, FlowUserSRPAuth, FlowCustomAuth, FlowUserAuth,
		FlowRefreshTokenAuth:
		return string(f)
	case FlowRefreshToken:
		return string(FlowRefreshTokenAuth)
	}
	return "other"
}

// Flow labels of sign-ins that are no AuthFlow.
const (
	flowRespond   = "RESPOND_TO_AUTH_CHALLENGE"
	flowHosted    = "hosted"
	flowPasskey   = "passkey"
	flowFederated = "federated"
)

// grantFlow is the flow label of a token-endpoint grant.
func grantFlow(grant string) string {
	switch grant {
	case "authorization_code", "client_credentials":
		return grant
	case "refresh_token":
		return string(FlowRefreshTokenAuth)
	}
	return "other"
}

// reasonOf classes an operation's error (see the Reason* constants).
func reasonOf(err error) string {
	var oe *OAuthError
	if errors.As(err, &oe) {
		var e *Error
		if oe.Err != nil && errors.As(oe.Err, &e) {
			return reasonOf(e)
		}
		switch oe.Code {
		case "invalid_client", "unauthorized_client":
			return ReasonInvalidClient
		case "invalid_grant":
			return ReasonInvalidToken
		case "server_error", "temporarily_unavailable":
			return ReasonInternal
		}
		return ReasonInvalidRequest
	}
	var e *Error
	if !errors.As(err, &e) {
		if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
			return ReasonCanceled
		}
		return ReasonOther
	}
	switch e.Code {
	case CodeNotAuthorized:
		switch m := e.Message; {
		case m == msgIncorrect || m == msgIncorrectPasskey || m == "Device proof is invalid." ||
			strings.HasPrefix(m, "Temporary password has expired"):
			return ReasonBadCredentials
		case m == msgAttemptsExceeded:
			return ReasonLocked
		case m == msgDisabled:
			return ReasonDisabled
		case m == msgRiskBlocked:
			return ReasonRiskBlocked
		case m == msgSessionExpired || m == msgInvalidRefresh || m == msgInvalidToken || m == "The session has ended." ||
			m == "Access Token has been revoked":
			return ReasonInvalidToken
		case strings.HasPrefix(m, "Invalid code or auth state"):
			return ReasonBadCode
		case strings.HasPrefix(m, "Client secret is invalid") || strings.HasPrefix(m, "Unable to verify secret hash") ||
			strings.Contains(m, "configured with secret"):
			return ReasonInvalidClient
		}
		return ReasonNotAllowed
	case CodeUserNotFound:
		return ReasonNotFound
	case CodeResourceNotFound:
		if strings.HasPrefix(e.Message, "User pool client") {
			return ReasonInvalidClient
		}
		return ReasonNotFound
	case CodeUsernameExists, CodeAliasExists, CodeGroupExists:
		return ReasonExists
	case CodeCodeMismatch, CodeExpiredCode, CodeTooManyFailedAttempts:
		return ReasonBadCode
	case CodeInvalidPassword, CodePasswordHistoryViolation:
		return ReasonInvalidPassword
	case CodeUserNotConfirmed:
		return ReasonUnconfirmed
	case CodePasswordResetRequired:
		return ReasonResetRequired
	case CodeRefreshTokenReuse:
		return ReasonTokenReuse
	case CodeLimitExceeded:
		return ReasonThrottled
	case CodeTooManyRequests:
		if errors.Is(e.Err, context.Canceled) || errors.Is(e.Err, context.DeadlineExceeded) {
			return ReasonCanceled
		}
		return ReasonThrottled
	case CodeCodeDeliveryFailure:
		return ReasonDeliveryFailed
	case CodeInvalidLambdaResponse, CodeUserLambdaValidation, CodeUnexpectedLambda:
		return ReasonTriggerRefused
	case CodeUnauthorizedClient:
		return ReasonInvalidClient
	case CodeForbidden, CodeUnsupportedUserState, CodeUnsupportedOperation:
		return ReasonNotAllowed
	case CodeInternalError, CodeInvalidUserPoolConfig:
		return ReasonInternal
	case CodeInvalidParameter, CodeUnsupportedTokenType:
		return ReasonInvalidRequest
	}
	if strings.HasPrefix(string(e.Code), "WebAuthn") {
		return ReasonInvalidRequest
	}
	return ReasonOther
}
