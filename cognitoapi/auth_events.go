package cognitoapi

import (
	"context"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// Auth events and threat protection: a user's sign-in history and the
// feedback on it (signed, by UserPoolId; UpdateAuthEventFeedback is
// public, authorized by the feedback token of a risk notification), and
// the risk configuration (signed).
//
// The pool sends risk notifications through its own EmailSender, so
// NotifyConfiguration's From, ReplyTo and SourceArn are accepted and not
// kept; DescribeRiskConfiguration leaves them out.

// authEventType is Cognito's AuthEventType.
type authEventType struct {
	EventID            string                  `json:"EventId"`
	EventType          string                  `json:"EventType,omitempty"`
	CreationDate       *epoch                  `json:"CreationDate,omitempty"`
	EventResponse      string                  `json:"EventResponse,omitempty"`
	EventRisk          *eventRiskType          `json:"EventRisk,omitempty"`
	ChallengeResponses []challengeResponseType `json:"ChallengeResponses"`
	EventContextData   *eventContextDataType   `json:"EventContextData,omitempty"`
	EventFeedback      *eventFeedbackType      `json:"EventFeedback,omitempty"`
}

type eventRiskType struct {
	RiskDecision                   string `json:"RiskDecision,omitempty"`
	RiskLevel                      string `json:"RiskLevel,omitempty"`
	CompromisedCredentialsDetected bool   `json:"CompromisedCredentialsDetected"`
}

type challengeResponseType struct {
	ChallengeName     string `json:"ChallengeName"`
	ChallengeResponse string `json:"ChallengeResponse"`
}

type eventContextDataType struct {
	IPAddress  string `json:"IpAddress,omitempty"`
	DeviceName string `json:"DeviceName,omitempty"`
	Timezone   string `json:"Timezone,omitempty"`
	City       string `json:"City,omitempty"`
	Country    string `json:"Country,omitempty"`
}

type eventFeedbackType struct {
	FeedbackValue string `json:"FeedbackValue"`
	Provider      string `json:"Provider"`
	FeedbackDate  *epoch `json:"FeedbackDate,omitempty"`
}

func authEvent(e userpool.AuthEventType) authEventType {
	out := authEventType{EventID: e.EventID, EventType: e.EventType, CreationDate: when(e.CreationDate), EventResponse: e.EventResponse,
		EventRisk: &eventRiskType{RiskDecision: e.EventRisk.RiskDecision, RiskLevel: e.EventRisk.RiskLevel,
			CompromisedCredentialsDetected: e.EventRisk.CompromisedCredentialsDetected},
		ChallengeResponses: []challengeResponseType{}}
	for _, c := range e.ChallengeResponses {
		out.ChallengeResponses = append(out.ChallengeResponses, challengeResponseType{ChallengeName: c.ChallengeName, ChallengeResponse: c.ChallengeResponse})
	}
	if c := e.EventContextData; c != (userpool.EventContextDataType{}) {
		out.EventContextData = &eventContextDataType{IPAddress: c.IPAddress, DeviceName: c.DeviceName, Timezone: c.Timezone, City: c.City, Country: c.Country}
	}
	if f := e.EventFeedback; f != nil {
		out.EventFeedback = &eventFeedbackType{FeedbackValue: f.FeedbackValue, Provider: f.Provider, FeedbackDate: when(f.FeedbackDate)}
	}
	return out
}

type adminListUserAuthEventsRequest struct {
	UserPoolID string `json:"UserPoolId"`
	Username   string `json:"Username"`
	MaxResults int    `json:"MaxResults"`
	NextToken  string `json:"NextToken"`
}

func adminListUserAuthEvents(ctx context.Context, h *handler, in *adminListUserAuthEventsRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.AdminListUserAuthEvents(ctx, userpool.AdminListUserAuthEventsInput{Username: in.Username, MaxResults: in.MaxResults,
		NextToken: in.NextToken})
	if err != nil {
		return nil, err
	}
	events := []authEventType{}
	for _, e := range out.AuthEvents {
		events = append(events, authEvent(e))
	}
	return struct {
		AuthEvents []authEventType `json:"AuthEvents"`
		NextToken  string          `json:"NextToken,omitempty"`
	}{events, out.NextToken}, nil
}

type authEventFeedbackRequest struct {
	UserPoolID    string `json:"UserPoolId"`
	Username      string `json:"Username"`
	EventID       string `json:"EventId"`
	FeedbackToken string `json:"FeedbackToken"` // UpdateAuthEventFeedback
	FeedbackValue string `json:"FeedbackValue"`
}

func adminUpdateAuthEventFeedback(ctx context.Context, h *handler, in *authEventFeedbackRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if _, err := p.AdminUpdateAuthEventFeedback(ctx, userpool.AdminUpdateAuthEventFeedbackInput{Username: in.Username,
		EventID: in.EventID, FeedbackValue: in.FeedbackValue}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

// updateAuthEventFeedback is public: the single-use FeedbackToken of the
// notification authorizes it.
func updateAuthEventFeedback(ctx context.Context, h *handler, in *authEventFeedbackRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if _, err := p.UpdateAuthEventFeedback(ctx, userpool.UpdateAuthEventFeedbackInput{Username: in.Username, EventID: in.EventID,
		FeedbackToken: in.FeedbackToken, FeedbackValue: in.FeedbackValue}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

// The risk configuration, in Cognito's shapes.

type notifyEmailType struct {
	Subject  string `json:"Subject"`
	HTMLBody string `json:"HtmlBody,omitempty"`
	TextBody string `json:"TextBody,omitempty"`
}

type notifyConfigurationType struct {
	From          string           `json:"From,omitempty"`      // not kept
	ReplyTo       string           `json:"ReplyTo,omitempty"`   // not kept
	SourceArn     string           `json:"SourceArn,omitempty"` // not kept
	BlockEmail    *notifyEmailType `json:"BlockEmail,omitempty"`
	MfaEmail      *notifyEmailType `json:"MfaEmail,omitempty"`
	NoActionEmail *notifyEmailType `json:"NoActionEmail,omitempty"`
}

type accountTakeoverActionType struct {
	Notify      bool   `json:"Notify"`
	EventAction string `json:"EventAction"`
}

type accountTakeoverActionsType struct {
	LowAction    *accountTakeoverActionType `json:"LowAction,omitempty"`
	MediumAction *accountTakeoverActionType `json:"MediumAction,omitempty"`
	HighAction   *accountTakeoverActionType `json:"HighAction,omitempty"`
}

type accountTakeoverRiskConfigurationType struct {
	NotifyConfiguration *notifyConfigurationType    `json:"NotifyConfiguration,omitempty"`
	Actions             *accountTakeoverActionsType `json:"Actions"`
}

type compromisedCredentialsActionsType struct {
	EventAction string `json:"EventAction"`
}

type compromisedCredentialsRiskConfigurationType struct {
	EventFilter []string                           `json:"EventFilter,omitempty"`
	Actions     *compromisedCredentialsActionsType `json:"Actions"`
}

type riskExceptionConfigurationType struct {
	BlockedIPRangeList []string `json:"BlockedIPRangeList,omitempty"`
	SkippedIPRangeList []string `json:"SkippedIPRangeList,omitempty"`
}

// riskConfigurationRequest is SetRiskConfiguration's and
// DescribeRiskConfiguration's request.
type riskConfigurationRequest struct {
	UserPoolID                              string                                       `json:"UserPoolId"`
	ClientID                                string                                       `json:"ClientId"`
	AccountTakeoverRiskConfiguration        *accountTakeoverRiskConfigurationType        `json:"AccountTakeoverRiskConfiguration"`
	CompromisedCredentialsRiskConfiguration *compromisedCredentialsRiskConfigurationType `json:"CompromisedCredentialsRiskConfiguration"`
	RiskExceptionConfiguration              *riskExceptionConfigurationType              `json:"RiskExceptionConfiguration"`
}

// riskConfigurationType is Cognito's RiskConfigurationType.
type riskConfigurationType struct {
	UserPoolID                              string                                       `json:"UserPoolId"`
	ClientID                                string                                       `json:"ClientId,omitempty"`
	AccountTakeoverRiskConfiguration        *accountTakeoverRiskConfigurationType        `json:"AccountTakeoverRiskConfiguration,omitempty"`
	CompromisedCredentialsRiskConfiguration *compromisedCredentialsRiskConfigurationType `json:"CompromisedCredentialsRiskConfiguration,omitempty"`
	RiskExceptionConfiguration              *riskExceptionConfigurationType              `json:"RiskExceptionConfiguration,omitempty"`
	LastModifiedDate                        *epoch                                       `json:"LastModifiedDate,omitempty"`
}

func notifyEmailIn(e *notifyEmailType) *userpool.NotifyEmailType {
	if e == nil {
		return nil
	}
	return &userpool.NotifyEmailType{Subject: e.Subject, HtmlBody: e.HTMLBody, TextBody: e.TextBody}
}

func notifyEmailOut(e *userpool.NotifyEmailType) *notifyEmailType {
	if e == nil {
		return nil
	}
	return &notifyEmailType{Subject: e.Subject, HTMLBody: e.HtmlBody, TextBody: e.TextBody}
}

func takeoverActionIn(a *accountTakeoverActionType) *userpool.AccountTakeoverActionType {
	if a == nil {
		return nil
	}
	return &userpool.AccountTakeoverActionType{Notify: a.Notify, EventAction: a.EventAction}
}

func takeoverActionOut(a *userpool.AccountTakeoverActionType) *accountTakeoverActionType {
	if a == nil {
		return nil
	}
	return &accountTakeoverActionType{Notify: a.Notify, EventAction: a.EventAction}
}

func (in *riskConfigurationRequest) pool() userpool.RiskConfigurationType {
	out := userpool.RiskConfigurationType{ClientID: in.ClientID}
	if a := in.AccountTakeoverRiskConfiguration; a != nil {
		t := &userpool.AccountTakeoverRiskConfigurationType{}
		if n := a.NotifyConfiguration; n != nil {
			t.NotifyConfiguration = &userpool.NotifyConfigurationType{BlockEmail: notifyEmailIn(n.BlockEmail),
				MfaEmail: notifyEmailIn(n.MfaEmail), NoActionEmail: notifyEmailIn(n.NoActionEmail)}
		}
		if x := a.Actions; x != nil {
			t.Actions = userpool.AccountTakeoverActionsType{LowAction: takeoverActionIn(x.LowAction),
				MediumAction: takeoverActionIn(x.MediumAction), HighAction: takeoverActionIn(x.HighAction)}
		}
		out.AccountTakeoverRiskConfiguration = t
	}
	if c := in.CompromisedCredentialsRiskConfiguration; c != nil {
		t := &userpool.CompromisedCredentialsRiskConfigurationType{EventFilter: c.EventFilter}
		if c.Actions != nil {
			t.Actions.EventAction = c.Actions.EventAction
		}
		out.CompromisedCredentialsRiskConfiguration = t
	}
	if x := in.RiskExceptionConfiguration; x != nil {
		out.RiskExceptionConfiguration = &userpool.RiskExceptionConfigurationType{BlockedIPRangeList: x.BlockedIPRangeList,
			SkippedIPRangeList: x.SkippedIPRangeList}
	}
	return out
}

func riskConfiguration(poolID string, rc userpool.RiskConfigurationType) riskConfigurationType {
	out := riskConfigurationType{UserPoolID: poolID, ClientID: rc.ClientID}
	if a := rc.AccountTakeoverRiskConfiguration; a != nil {
		t := &accountTakeoverRiskConfigurationType{Actions: &accountTakeoverActionsType{LowAction: takeoverActionOut(a.Actions.LowAction),
			MediumAction: takeoverActionOut(a.Actions.MediumAction), HighAction: takeoverActionOut(a.Actions.HighAction)}}
		if n := a.NotifyConfiguration; n != nil {
			t.NotifyConfiguration = &notifyConfigurationType{BlockEmail: notifyEmailOut(n.BlockEmail), MfaEmail: notifyEmailOut(n.MfaEmail),
				NoActionEmail: notifyEmailOut(n.NoActionEmail)}
		}
		out.AccountTakeoverRiskConfiguration = t
	}
	if c := rc.CompromisedCredentialsRiskConfiguration; c != nil {
		out.CompromisedCredentialsRiskConfiguration = &compromisedCredentialsRiskConfigurationType{EventFilter: c.EventFilter,
			Actions: &compromisedCredentialsActionsType{EventAction: c.Actions.EventAction}}
	}
	if x := rc.RiskExceptionConfiguration; x != nil {
		out.RiskExceptionConfiguration = &riskExceptionConfigurationType{BlockedIPRangeList: x.BlockedIPRangeList,
			SkippedIPRangeList: x.SkippedIPRangeList}
	}
	// The pool keeps the date as RFC 3339 text, to the second.
	if t, err := time.Parse(time.RFC3339, rc.LastModifiedDate); err == nil {
		out.LastModifiedDate = when(t)
	}
	return out
}

type riskConfigurationResponse struct {
	RiskConfiguration riskConfigurationType `json:"RiskConfiguration"`
}

func setRiskConfiguration(ctx context.Context, h *handler, in *riskConfigurationRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.SetRiskConfiguration(ctx, in.pool())
	if err != nil {
		return nil, err
	}
	return riskConfigurationResponse{riskConfiguration(p.ID(), out.RiskConfiguration)}, nil
}

func describeRiskConfiguration(ctx context.Context, h *handler, in *riskConfigurationRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	out, err := p.DescribeRiskConfiguration(ctx, userpool.DescribeRiskConfigurationInput{ClientID: in.ClientID})
	if err != nil {
		return nil, err
	}
	return riskConfigurationResponse{riskConfiguration(p.ID(), out.RiskConfiguration)}, nil
}
