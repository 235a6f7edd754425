package userpool

import (
	"context"
	"errors"
	"maps"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/message"

	"github.com/cupola-auth/cupola/risk"
	"github.com/cupola-auth/cupola/store"
)

// This file applies threat protection to a password sign-in, once the
// password checked out (risk_config.go holds the configuration):
//
//  1. An address in BlockedIPRangeList is refused; one in
//     SkippedIPRangeList is not assessed.
//  2. A breached password (ThreatProtectionConfig.Breach), where the
//     compromised-credentials configuration blocks SIGN_IN, ends the
//     sign-in and requires a password reset.
//  3. The assessor scores the attempt from its address, device and user
//     agent and the user's history (their auth events); the level's action
//     applies: BLOCK refuses, MFA_IF_CONFIGURED asks for the user's second
//     factor (even where the pool's MFA is optional and the user has not
//     asked for it), MFA_REQUIRED does too and, for a user without one,
//     sends a code to their verified email — no verified email, no
//     sign-in (Cognito blocks outright).
//
// In AUDIT mode every step is assessed and recorded in the auth event,
// and nothing is acted on. A failing assessor or breach service gets the
// configured fail mode (closed by default: High risk, breached) and is
// logged.

// Risk decisions recorded in auth events (Cognito's RiskDecision).
const (
	riskNoRisk          = "NoRisk"
	riskAccountTakeover = "AccountTakeover"
	riskBlock           = "Block"
)

// msgRiskBlocked is Cognito's answer to a blocked sign-in.
const msgRiskBlocked = "Unable to login because of security reasons."

// riskVerdict is what threat protection decided about a sign-in.
type riskVerdict struct {
	assessed    bool
	level       risk.Level
	decision    string
	action      string
	compromised bool
	country     string
	city        string
	// eventID and feedback are set when the user is told of the sign-in:
	// the event the notification links to, and its token's hash.
	eventID  string
	feedback []byte
}

func (v riskVerdict) eventRisk() EventRiskType {
	if !v.assessed {
		return EventRiskType{}
	}
	return EventRiskType{RiskDecision: v.decision, RiskLevel: v.level.String(), CompromisedCredentialsDetected: v.compromised}
}

func (p *UserPool) threatMode() string {
	if p.cfg.ThreatProtection.Mode == "" {
		return ThreatProtectionOff
	}
	return p.cfg.ThreatProtection.Mode
}

// assessSignIn runs the steps above for u, whose password was right. A
// refusal is returned as the error, with its auth event recorded.
func (p *UserPool) assessSignIn(ctx context.Context, req *signInRequest, u store.User) (riskVerdict, error) {
	mode := p.threatMode()
	if mode == ThreatProtectionOff {
		return riskVerdict{}, nil
	}
	enforce := mode == ThreatProtectionEnforced
	rc, err := p.riskConfiguration(ctx, req.client.ID)
	if err != nil {
		return riskVerdict{}, err
	}
	ip, _ := netip.ParseAddr(req.caller.ip)
	ip = ip.Unmap()
	fail := func(v riskVerdict, refusal error) (riskVerdict, error) {
		p.recordEvent(ctx, u, event{id: v.eventID, feedback: v.feedback, typ: EventSignIn, response: EventFail,
			caller: req.caller, risk: v.eventRisk(), country: v.country, city: v.city})
		return v, refusal
	}
	if x := rc.RiskExceptionConfiguration; x != nil && ip.IsValid() {
		blocked, _ := risk.ParseCIDRs(x.BlockedIPRangeList) // checked when stored
		skipped, _ := risk.ParseCIDRs(x.SkippedIPRangeList)
		switch {
		case risk.ContainsAddr(blocked, ip):
			v := riskVerdict{assessed: true, level: risk.High, decision: riskBlock, action: ActionBlock}
			if enforce {
				return fail(v, newErr(CodeNotAuthorized, msgRiskBlocked))
			}
			return v, nil
		case risk.ContainsAddr(skipped, ip):
			return riskVerdict{}, nil
		}
	}

	v := riskVerdict{assessed: true, decision: riskNoRisk, action: ActionNoAction}
	if rc.compromisedBlocks(FilterSignIn) {
		breached, err := p.cfg.ThreatProtection.FailMode.Breached(ctx, p.breachChecker(), req.password)
		if err != nil {
			p.log.WarnContext(ctx, "breach check failed; fail mode applied", "mode", p.cfg.ThreatProtection.FailMode.String(), "err", err)
		}
		v.compromised = breached
	}
	hist, err := p.riskHistory(ctx, u, req.from())
	if err != nil {
		return v, err
	}
	a, err := p.cfg.ThreatProtection.FailMode.Assess(ctx, p.assessor, risk.Signals{Time: p.now(), IP: ip,
		UserAgent: req.caller.userAgent, DeviceKey: req.device(), Login: req.login, History: hist})
	if err != nil {
		p.log.WarnContext(ctx, "risk assessment failed; fail mode applied", "mode", p.cfg.ThreatProtection.FailMode.String(), "err", err)
	}
	v.level, v.country, v.city = a.Level, a.Country, a.City
	v.action = rc.takeoverAction(a.Level)
	switch {
	case v.action == ActionBlock:
		v.decision = riskBlock
	case a.Level > risk.Low:
		v.decision = riskAccountTakeover
	}
	if !enforce {
		v.action = ActionNoAction
		return v, nil
	}
	if err := p.notifyRisk(ctx, u, req, rc, &v); err != nil {
		return v, err
	}
	if v.compromised {
		// The password is known to attackers: nobody signs in with it
		// until it is replaced.
		if _, err := p.modifyUser(ctx, "compromised password", u.Sub, func(u *store.User) error {
			u.Status = store.StatusResetRequired
			return nil
		}); err != nil {
			return v, err
		}
		return fail(v, newErr(CodePasswordResetRequired, msgResetRequired))
	}
	if v.action == ActionBlock {
		return fail(v, newErr(CodeNotAuthorized, msgRiskBlocked))
	}
	return v, nil
}

// riskStepUp asks a risky sign-in for a second factor: the user's own
// (MFA_IF_CONFIGURED, MFA_REQUIRED), or for MFA_REQUIRED an emailed code
// when they have none. A user with neither is refused under MFA_REQUIRED
// and let through under MFA_IF_CONFIGURED.
func (p *UserPool) riskStepUp(ctx context.Context, c *appClient, u store.User, st challengeState, action string) (*step, error) {
	if st.EventID != "" {
		// The notification links to this event, whatever becomes of the
		// challenge; its end is recorded as an event of its own.
		p.recordEvent(ctx, u, event{id: st.EventID, feedback: st.Feedback, typ: EventSignIn, response: EventInProgress,
			caller: caller{ip: st.IP, userAgent: st.UserAgent}, risk: EventRiskType{RiskDecision: st.RiskDecision, RiskLevel: st.RiskLevel},
			country: st.Country, city: st.City})
		st.EventID, st.Feedback = "", nil
	}
	if factors := p.userFactors(u); len(factors) > 0 {
		st.Source = sourceAuthentication
		return p.mfaChallenge(ctx, c, u, st, factors)
	}
	if action == ActionMFAIfConfigured {
		return p.afterFirstFactor(ctx, c, u, st, sourceAuthentication)
	}
	if p.verified(u, "email") && (p.cfg.EmailSender != nil || p.cfg.Triggers.CustomEmailSender != nil) {
		st.Source = sourceAuthentication
		return p.codeChallenge(ctx, c, u, ChallengeEmailOTP, "email", st)
	}
	p.recordEvent(ctx, u, event{typ: EventSignIn, response: EventFail, caller: caller{ip: st.IP, userAgent: st.UserAgent},
		risk: EventRiskType{RiskDecision: riskBlock, RiskLevel: st.RiskLevel}})
	return nil, newErr(CodeNotAuthorized, msgRiskBlocked)
}

func (p *UserPool) breachChecker() risk.BreachChecker {
	if b := p.cfg.ThreatProtection.Breach; b != nil {
		return b
	}
	return risk.CommonPasswords{}
}

// riskHistory is what the user's auth events tell the assessor: their
// recent successful sign-ins (not reported Invalid) and where those
// reported Invalid came from, their failures since the last success, and
// the failures counted against the source the attempt comes from.
func (p *UserPool) riskHistory(ctx context.Context, u store.User, from string) (risk.History, error) {
	var h risk.History
	// This process's events not yet written are part of the history (a
	// burst of failures just before this attempt): wait for them. Only a
	// user who got the password right gets here, so the wait tells a
	// stranger nothing.
	p.events.flush()
	evs, err := p.store.ListAuthEvents(ctx, p.cfg.ID, u.Sub, time.Time{}, "", 100)
	if err != nil {
		return h, internalErr("risk history", err)
	}
	now := p.now()
	streak := true
	for _, e := range evs {
		ip, _ := netip.ParseAddr(e.IPAddress)
		ip = ip.Unmap()
		if e.Feedback == FeedbackInvalid {
			if ip.IsValid() {
				h.HostileNetworks = append(h.HostileNetworks, netip.PrefixFrom(ip, ip.BitLen()))
			}
			if e.DeviceKey != "" {
				h.HostileDevices = append(h.HostileDevices, e.DeviceKey)
			}
			continue
		}
		if e.Feedback == FeedbackValid {
			// "It was me", even of a sign-in that was blocked: its network
			// and device are the user's.
			if ip.IsValid() {
				h.KnownNetworks = append(h.KnownNetworks, risk.NetworkOf(ip))
			}
			if e.DeviceKey != "" && !slices.Contains(h.KnownDevices, e.DeviceKey) {
				h.KnownDevices = append(h.KnownDevices, e.DeviceKey)
			}
		}
		if e.Type != EventSignIn {
			continue
		}
		switch e.Response {
		case EventPass:
			streak = false
			if e.DeviceKey != "" && !slices.Contains(h.KnownDevices, e.DeviceKey) {
				h.KnownDevices = append(h.KnownDevices, e.DeviceKey)
			}
			if len(h.LastSuccesses) < 30 {
				h.LastSuccesses = append(h.LastSuccesses, risk.Sighting{Time: e.CreatedAt, IP: ip, Country: e.Country})
			}
		case EventFail:
			if streak && now.Sub(e.CreatedAt) < 24*time.Hour {
				h.UserFailures++
			}
		}
	}
	devices, err := p.store.ListDevices(ctx, p.cfg.ID, u.Sub, "", 60)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return h, internalErr("risk history", err)
	}
	for _, d := range devices {
		h.KnownDevices = append(h.KnownDevices, d.Key)
	}
	if from != "" {
		att, err := p.store.PeekAttempt(ctx, p.cfg.ID, "src:"+from, now, p.cfg.SourceLockout)
		if err != nil {
			return h, internalErr("risk history", err)
		}
		h.SourceFailures = att.Failures
	}
	return h, nil
}

// checkCompromised refuses a new password that is a known breached one,
// where threat protection is ENFORCED and the compromised-credentials
// configuration blocks event (SIGN_UP, PASSWORD_CHANGE).
func (p *UserPool) checkCompromised(ctx context.Context, clientID, event, password string) error {
	if p.threatMode() != ThreatProtectionEnforced {
		return nil
	}
	rc, err := p.riskConfiguration(ctx, clientID)
	if err != nil {
		return err
	}
	if !rc.compromisedBlocks(event) {
		return nil
	}
	breached, err := p.cfg.ThreatProtection.FailMode.Breached(ctx, p.breachChecker(), password)
	if err != nil {
		p.log.WarnContext(ctx, "breach check failed; fail mode applied", "mode", p.cfg.ThreatProtection.FailMode.String(), "err", err)
	}
	if breached {
		return newErr(CodeInvalidPassword, "Password did not conform with policy: Password has appeared in a data breach")
	}
	return nil
}

// notifyRisk tells the user of a sign-in whose level's action asks to
// (Notify): by email, to their verified address, with the two feedback
// links. The event it links to gets its ID now and the token's hash; the
// token itself exists only in the email.
func (p *UserPool) notifyRisk(ctx context.Context, u store.User, req *signInRequest, rc RiskConfigurationType, v *riskVerdict) error {
	a := rc.AccountTakeoverRiskConfiguration
	if a == nil || v.compromised || !p.verified(u, "email") {
		return nil
	}
	act := map[risk.Level]*AccountTakeoverActionType{risk.Low: a.Actions.LowAction, risk.Medium: a.Actions.MediumAction,
		risk.High: a.Actions.HighAction}[v.level]
	if act == nil || !act.Notify {
		return nil
	}
	kind, custom := message.KindRiskNoAction, (*NotifyEmailType)(nil)
	n := a.NotifyConfiguration
	switch v.action {
	case ActionBlock:
		kind = message.KindRiskBlock
		if n != nil {
			custom = n.BlockEmail
		}
	case ActionMFARequired, ActionMFAIfConfigured:
		kind = message.KindRiskMFA
		if n != nil {
			custom = n.MfaEmail
		}
	default:
		if n != nil {
			custom = n.NoActionEmail
		}
	}
	id, err := p.events.newID(p)
	if err != nil {
		return internalErr("risk notification", err)
	}
	tok, err := random.Token(p.random, 32)
	if err != nil {
		return internalErr("risk notification", err)
	}
	v.eventID, v.feedback = id, feedbackTokenHash(tok)
	link := func(value string) string {
		return p.feedbackURL() + "?" + url.Values{"username": {u.Username}, "event_id": {id}, "token": {tok}, "value": {value}}.Encode()
	}
	data := message.Data{Username: u.Username, PoolName: p.cfg.Name, IPAddress: req.caller.ip, City: v.city, Country: v.country,
		LoginTime: p.now().Format(time.RFC1123), DeviceName: deviceName(req.caller.userAgent),
		ValidLink: link(FeedbackValid), InvalidLink: link(FeedbackInvalid)}
	tpl := p.cfg.Messages
	if custom != nil {
		tpl = message.Templates{}
		maps.Copy(tpl, p.cfg.Messages)
		tpl[kind] = message.Template{EmailSubject: custom.Subject, EmailText: custom.TextBody, EmailHTML: custom.HtmlBody}
	}
	m, err := tpl.Email(kind, u.Attributes["email"], data)
	if err == nil {
		err = p.post(ctx, outgoing{Kind: kind, Attr: "email", Email: &m}, p.now().Add(noticeValidity))
	}
	if err != nil {
		// The decision stands; the user is just not told.
		p.log.WarnContext(ctx, "risk notification not sent", "sub", u.Sub, "err", err)
	}
	return nil
}

// feedbackURL is where the links of risk notifications point: the hosted
// UI's /feedback page, under Config.FeedbackURL or the issuer.
func (p *UserPool) feedbackURL() string {
	if p.cfg.FeedbackURL != "" {
		return p.cfg.FeedbackURL
	}
	return strings.TrimRight(p.issuerValue, "/") + "/feedback"
}
