package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/risk"
	"github.com/cupola-auth/cupola/store"
)

// This file is Cognito's threat-protection configuration: the pool's
// Config.ThreatProtection (the mode, the assessor, the breach checker)
// and the run-time risk configuration per pool and per app client
// (SetRiskConfiguration, DescribeRiskConfiguration), kept as setting
// documents in the store. risk.go applies it to sign-ins.

// Threat-protection modes (Cognito's AdvancedSecurityMode).
const (
	ThreatProtectionOff      = "OFF"
	ThreatProtectionAudit    = "AUDIT"
	ThreatProtectionEnforced = "ENFORCED"
)

// Account-takeover and compromised-credentials actions (Cognito's
// EventAction values).
const (
	ActionBlock           = "BLOCK"
	ActionMFARequired     = "MFA_REQUIRED"
	ActionMFAIfConfigured = "MFA_IF_CONFIGURED"
	ActionNoAction        = "NO_ACTION"
)

// Compromised-credentials event filters.
const (
	FilterSignIn         = "SIGN_IN"
	FilterSignUp         = "SIGN_UP"
	FilterPasswordChange = "PASSWORD_CHANGE"
)

// ThreatProtectionConfig turns on sign-in risk assessment and the
// compromised-password check (Cognito's threat protection).
type ThreatProtectionConfig struct {
	// Mode is OFF (the default), AUDIT (assess and record in the auth
	// events, never act) or ENFORCED (act as the risk configuration says).
	Mode string
	// Assessor scores sign-ins; nil means risk's default assessor (with
	// GeoIP when Geo is set).
	Assessor risk.Assessor
	// Geo locates addresses for the default assessor (risk.OpenGeoIP);
	// optional.
	Geo risk.Locator
	// Breach tells breached passwords; nil means the embedded list of the
	// 30,000 most common ones (risk.CommonPasswords). A range service
	// (risk.NewRangeChecker) can be combined with it (risk.Combined).
	Breach risk.BreachChecker
	// FailMode applies when the assessor or the breach service fails: the
	// zero value, risk.FailClosed, treats the sign-in as High risk and
	// the password as breached; risk.FailOpen lets it through. Either way
	// the failure is logged.
	FailMode risk.FailMode
}

// RiskConfigurationType is the risk configuration of the pool (ClientID
// empty) or of one app client.
type RiskConfigurationType struct {
	ClientID                                string
	AccountTakeoverRiskConfiguration        *AccountTakeoverRiskConfigurationType
	CompromisedCredentialsRiskConfiguration *CompromisedCredentialsRiskConfigurationType
	RiskExceptionConfiguration              *RiskExceptionConfigurationType
	LastModifiedDate                        string `json:"-"`
}

// AccountTakeoverRiskConfigurationType says what a sign-in of each risk
// level gets.
type AccountTakeoverRiskConfigurationType struct {
	// NotifyConfiguration overrides the emails a Notify action sends
	// (message.KindRiskBlock, KindRiskMFA, KindRiskNoAction otherwise).
	NotifyConfiguration *NotifyConfigurationType
	Actions             AccountTakeoverActionsType
}

// NotifyConfigurationType holds the risk notification emails. Their
// texts may use {username}, {ip-address}, {city}, {country},
// {login-time}, {device-name}, {one-click-link-valid} and
// {one-click-link-invalid}; the pool's EmailSender sends them (From and
// ReplyTo are the sender's).
type NotifyConfigurationType struct {
	BlockEmail, MfaEmail, NoActionEmail *NotifyEmailType
}

// NotifyEmailType is one notification email.
type NotifyEmailType struct {
	Subject, HtmlBody, TextBody string
}

// AccountTakeoverActionsType holds an action per level.
type AccountTakeoverActionsType struct {
	LowAction, MediumAction, HighAction *AccountTakeoverActionType
}

// AccountTakeoverActionType is one level's action. Notify emails the user
// about the sign-in (when their email is verified), with links to say
// whether it was them (the hosted UI's /feedback page).
type AccountTakeoverActionType struct {
	Notify      bool
	EventAction string // BLOCK, MFA_REQUIRED, MFA_IF_CONFIGURED, NO_ACTION
}

// CompromisedCredentialsRiskConfigurationType says what happens when a
// password is a known breached one.
type CompromisedCredentialsRiskConfigurationType struct {
	EventFilter []string // SIGN_IN, SIGN_UP, PASSWORD_CHANGE; empty means all three
	Actions     CompromisedCredentialsActionsType
}

// CompromisedCredentialsActionsType is the action on a breached password.
type CompromisedCredentialsActionsType struct {
	EventAction string // BLOCK or NO_ACTION
}

// RiskExceptionConfigurationType lists addresses that are always blocked,
// or never assessed.
type RiskExceptionConfigurationType struct {
	BlockedIPRangeList []string
	SkippedIPRangeList []string
}

// defaultRiskConfiguration applies where neither the client nor the pool
// has one: nothing for Low risk, the user's second factor for Medium, a
// second factor (an emailed code when the user has none) for High, and a
// breached password blocked everywhere.
func defaultRiskConfiguration() RiskConfigurationType {
	return RiskConfigurationType{
		AccountTakeoverRiskConfiguration: &AccountTakeoverRiskConfigurationType{Actions: AccountTakeoverActionsType{
			LowAction:    &AccountTakeoverActionType{EventAction: ActionNoAction},
			MediumAction: &AccountTakeoverActionType{EventAction: ActionMFAIfConfigured},
			HighAction:   &AccountTakeoverActionType{EventAction: ActionMFARequired},
		}},
		CompromisedCredentialsRiskConfiguration: &CompromisedCredentialsRiskConfigurationType{
			EventFilter: []string{FilterSignIn, FilterSignUp, FilterPasswordChange},
			Actions:     CompromisedCredentialsActionsType{EventAction: ActionBlock}},
	}
}

// SetRiskConfigurationInput is SetRiskConfiguration's request: the
// configuration of the pool (ClientID empty) or of a client. A nil part
// is left out (the pool's, or the default, applies to it).
type SetRiskConfigurationInput = RiskConfigurationType

// SetRiskConfigurationOutput is SetRiskConfiguration's answer.
type SetRiskConfigurationOutput struct {
	RiskConfiguration RiskConfigurationType
}

const settingRisk = "risk"

// SetRiskConfiguration stores a risk configuration, replacing the one of
// the same scope. Unknown actions or filters and malformed CIDRs are
// InvalidParameterException, and nothing changes.
func (p *UserPool) SetRiskConfiguration(ctx context.Context, in SetRiskConfigurationInput) (_ *SetRiskConfigurationOutput, err error) {
	ctx, ob := p.begin(ctx, "SetRiskConfiguration", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	ob.client(in.ClientID)
	if err := checkRiskConfiguration(in); err != nil {
		return nil, err
	}
	if in.ClientID != "" {
		if _, err := p.client(ctx, in.ClientID); err != nil {
			return nil, err
		}
	}
	doc, err := json.Marshal(in)
	if err != nil {
		return nil, internalErr("risk configuration", err)
	}
	for range casRetries {
		cur, err := p.store.GetSetting(ctx, p.cfg.ID, settingRisk, in.ClientID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return nil, internalErr("risk configuration", err)
		}
		_, err = p.store.PutSetting(ctx, store.Setting{PoolID: p.cfg.ID, Kind: settingRisk, Scope: in.ClientID,
			Document: doc, Version: cur.Version, UpdatedAt: p.now()})
		var exists *store.ExistsError
		if errors.Is(err, store.ErrConflict) || errors.As(err, &exists) || errors.Is(err, store.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, internalErr("risk configuration", err)
		}
		out := in
		out.LastModifiedDate = p.now().Format("2006-01-02T15:04:05Z07:00")
		return &SetRiskConfigurationOutput{RiskConfiguration: out}, nil
	}
	return nil, newErr(CodeTooManyRequests, "The risk configuration is being changed concurrently; retry.")
}

// DescribeRiskConfigurationInput is DescribeRiskConfiguration's request.
type DescribeRiskConfigurationInput struct{ ClientID string }

// DescribeRiskConfigurationOutput is DescribeRiskConfiguration's answer.
type DescribeRiskConfigurationOutput struct {
	RiskConfiguration RiskConfigurationType
}

// DescribeRiskConfiguration returns the stored configuration of the pool
// or of a client (only what was set: parts left nil fall back as
// riskConfiguration describes).
func (p *UserPool) DescribeRiskConfiguration(ctx context.Context, in DescribeRiskConfigurationInput) (*DescribeRiskConfigurationOutput, error) {
	rc, _, err := p.storedRiskConfiguration(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	rc.ClientID = in.ClientID
	return &DescribeRiskConfigurationOutput{RiskConfiguration: rc}, nil
}

func (p *UserPool) storedRiskConfiguration(ctx context.Context, scope string) (RiskConfigurationType, bool, error) {
	s, err := p.store.GetSetting(ctx, p.cfg.ID, settingRisk, scope)
	if errors.Is(err, store.ErrNotFound) {
		return RiskConfigurationType{}, false, nil
	}
	if err != nil {
		return RiskConfigurationType{}, false, internalErr("risk configuration", err)
	}
	var rc RiskConfigurationType
	if err := json.Unmarshal(s.Document, &rc); err != nil {
		return RiskConfigurationType{}, false, internalErr("risk configuration", err)
	}
	rc.LastModifiedDate = s.UpdatedAt.Format("2006-01-02T15:04:05Z07:00")
	return rc, true, nil
}

// riskConfiguration is what applies at a client: each part from the
// client's configuration, else the pool's, else the default.
func (p *UserPool) riskConfiguration(ctx context.Context, clientID string) (RiskConfigurationType, error) {
	out := defaultRiskConfiguration()
	for _, scope := range []string{"", clientID} {
		if scope == "" && clientID == "" {
			continue
		}
		rc, ok, err := p.storedRiskConfiguration(ctx, scope)
		if err != nil {
			return out, err
		}
		if !ok {
			continue
		}
		if rc.AccountTakeoverRiskConfiguration != nil {
			out.AccountTakeoverRiskConfiguration = rc.AccountTakeoverRiskConfiguration
		}
		if rc.CompromisedCredentialsRiskConfiguration != nil {
			out.CompromisedCredentialsRiskConfiguration = rc.CompromisedCredentialsRiskConfiguration
		}
		if rc.RiskExceptionConfiguration != nil {
			out.RiskExceptionConfiguration = rc.RiskExceptionConfiguration
		}
	}
	return out, nil
}

func checkRiskConfiguration(in RiskConfigurationType) error {
	if a := in.AccountTakeoverRiskConfiguration; a != nil && a.NotifyConfiguration != nil {
		n := a.NotifyConfiguration
		tpl := message.Templates{}
		for kind, e := range map[message.Kind]*NotifyEmailType{message.KindRiskBlock: n.BlockEmail, message.KindRiskMFA: n.MfaEmail,
			message.KindRiskNoAction: n.NoActionEmail} {
			if e != nil {
				tpl[kind] = message.Template{EmailSubject: e.Subject, EmailText: e.TextBody, EmailHTML: e.HtmlBody}
			}
		}
		if err := tpl.Validate(); err != nil {
			return &Error{Code: CodeInvalidParameter, Message: "Invalid notification email: " + sanitize(err.Error()), Err: err}
		}
	}
	if a := in.AccountTakeoverRiskConfiguration; a != nil {
		for _, act := range []*AccountTakeoverActionType{a.Actions.LowAction, a.Actions.MediumAction, a.Actions.HighAction} {
			if act != nil && !slices.Contains([]string{ActionBlock, ActionMFARequired, ActionMFAIfConfigured, ActionNoAction}, act.EventAction) {
				return invalidParam("EventAction must be BLOCK, MFA_REQUIRED, MFA_IF_CONFIGURED or NO_ACTION")
			}
		}
	}
	if c := in.CompromisedCredentialsRiskConfiguration; c != nil {
		if c.Actions.EventAction != ActionBlock && c.Actions.EventAction != ActionNoAction {
			return invalidParam("CompromisedCredentials EventAction must be BLOCK or NO_ACTION")
		}
		for _, f := range c.EventFilter {
			if f != FilterSignIn && f != FilterSignUp && f != FilterPasswordChange {
				return invalidParam("EventFilter must list SIGN_IN, SIGN_UP or PASSWORD_CHANGE")
			}
		}
	}
	if x := in.RiskExceptionConfiguration; x != nil {
		if len(x.BlockedIPRangeList) > 200 || len(x.SkippedIPRangeList) > 200 {
			return invalidParam("An IP range list has at most 200 entries")
		}
		for _, l := range [][]string{x.BlockedIPRangeList, x.SkippedIPRangeList} {
			if _, err := risk.ParseCIDRs(l); err != nil {
				return &Error{Code: CodeInvalidParameter, Message: "Invalid IP range: " + sanitize(err.Error()), Err: err}
			}
		}
	}
	return nil
}

// compromisedBlocks reports whether a breached password is refused at
// event (SIGN_IN, SIGN_UP, PASSWORD_CHANGE) under rc.
func (rc RiskConfigurationType) compromisedBlocks(event string) bool {
	c := rc.CompromisedCredentialsRiskConfiguration
	if c == nil || c.Actions.EventAction != ActionBlock {
		return false
	}
	return len(c.EventFilter) == 0 || slices.Contains(c.EventFilter, event)
}

// takeoverAction is the action for a risk level under rc.
func (rc RiskConfigurationType) takeoverAction(l risk.Level) string {
	a := rc.AccountTakeoverRiskConfiguration
	if a == nil {
		return ActionNoAction
	}
	act := map[risk.Level]*AccountTakeoverActionType{risk.Low: a.Actions.LowAction, risk.Medium: a.Actions.MediumAction,
		risk.High: a.Actions.HighAction}[l]
	if act == nil {
		return ActionNoAction
	}
	return act.EventAction
}
