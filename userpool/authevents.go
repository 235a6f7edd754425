package userpool

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// This file is the user's authentication history (Cognito's auth events):
// what the pool records of each sign-in, sign-up, password reset and
// change, how an administrator lists it, and the feedback that tells the
// pool whether an event was the user. Events are stored for known users
// only, kept Config.AuthEventRetention (90 days by default; Cleanup
// removes older ones), and handed to Config.EventSink as they happen.

// Event types (Cognito's EventType).
const (
	EventSignIn         = "SignIn"
	EventSignUp         = "SignUp"
	EventForgotPassword = "ForgotPassword"
	EventPasswordChange = "PasswordChange"
	EventResendCode     = "ResendCode"
)

// Event responses (Cognito's EventResponse).
const (
	EventPass       = "Pass"
	EventFail       = "Fail"
	EventInProgress = "InProgress"
)

// Feedback values (Cognito's FeedbackValue).
const (
	FeedbackValid   = "Valid"
	FeedbackInvalid = "Invalid"
)

// AuthEventType is one event of a user's history.
type AuthEventType struct {
	EventID            string
	EventType          string
	CreationDate       time.Time
	EventResponse      string
	EventRisk          EventRiskType
	ChallengeResponses []ChallengeResponseType
	EventContextData   EventContextDataType
	// EventFeedback is nil until feedback was given.
	EventFeedback *EventFeedbackType
}

// EventRiskType is the risk the pool saw in an event.
type EventRiskType struct {
	RiskDecision                   string // "NoRisk", "AccountTakeover", "Block"
	RiskLevel                      string // "Low", "Medium", "High"; "" when not assessed
	CompromisedCredentialsDetected bool
}

// ChallengeResponseType is one challenge of an event and its outcome.
type ChallengeResponseType struct {
	ChallengeName     string // "Password", "Mfa"
	ChallengeResponse string // "Success", "Failure"
}

// EventContextDataType is where an event came from.
type EventContextDataType struct {
	IPAddress, DeviceName, Timezone, City, Country string
}

// EventFeedbackType is the feedback given on an event.
type EventFeedbackType struct {
	FeedbackValue string // "Valid" or "Invalid"
	Provider      string // "User" or "Admin"
	FeedbackDate  time.Time
}

// EventSink receives every event as it is recorded, for a deployment's
// monitoring. It must not block for long: it runs on the request path.
type EventSink interface {
	AuthEvent(ctx context.Context, username string, e AuthEventType)
}

// noSink is the default EventSink: the audit log has every event already.
type noSink struct{}

func (noSink) AuthEvent(context.Context, string, AuthEventType) {}

// event is what a flow knows of an event it records.
type event struct {
	// id, when set, was chosen ahead (a notification links to it), and
	// feedback is the hash of the token that notification carries.
	id            string
	feedback      []byte
	typ, response string
	challenges    []ChallengeResponseType
	caller        caller
	risk          EventRiskType
	country, city string
}

// recordEvent stores an event of u and hands it to the sink. Recording
// never fails the flow: an event that cannot be stored is logged.
func (p *UserPool) recordEvent(ctx context.Context, u store.User, ev event) {
	id := ev.id
	if id == "" {
		var err error
		if id, err = p.events.newID(p); err != nil {
			p.log.WarnContext(ctx, "auth event not recorded", "err", err)
			return
		}
	}
	rec := store.AuthEvent{PoolID: p.cfg.ID, Subject: u.Sub, ID: id, Type: ev.typ, Response: ev.response,
		CreatedAt: p.now(), RiskDecision: ev.risk.RiskDecision, RiskLevel: ev.risk.RiskLevel,
		CompromisedCredentialsDetected: ev.risk.CompromisedCredentialsDetected,
		IPAddress:                      ev.caller.ip, DeviceName: deviceName(ev.caller.userAgent), Country: ev.country, City: ev.city,
		FeedbackToken: ev.feedback, DeviceKey: ev.caller.device}
	if len(ev.challenges) > 0 {
		rec.ChallengeResponses = map[string]string{}
		for _, c := range ev.challenges {
			rec.ChallengeResponses[c.ChallengeName] = c.ChallengeResponse
		}
	}
	p.events.add(p, rec)
	p.cfg.EventSink.AuthEvent(ctx, u.Username, authEventType(rec))
	if o := opOf(ctx); o != nil {
		// The operation's audit record carries the event.
		o.user(u)
		o.from(ev.caller.ip, ev.caller.userAgent)
		o.eventID, o.riskLevel = id, ev.risk.RiskLevel
		return
	}
	p.audit(ctx, auditRecord{event: AuditAuthEvent, outcome: eventOutcome(ev.response), operation: ev.typ,
		username: u.Username, sub: u.Sub, ip: ev.caller.ip, userAgent: ev.caller.userAgent, eventID: id,
		riskLevel: ev.risk.RiskLevel})
}

// eventOutcome is an auth event's response as an audit outcome.
func eventOutcome(response string) string {
	switch response {
	case EventPass:
		return ResultSuccess
	case EventInProgress:
		return ResultChallenge
	}
	return ResultFailure
}

// maxPendingEvents bounds the events waiting to be written; past it an
// event is dropped (and logged) rather than holding memory under a flood.
const maxPendingEvents = 4096

// eventWriter stores events off the request path: a known user's answer
// must not cost a write an unknown user's does not (ForgotPassword,
// a wrong password), or its timing would tell them apart. Like the
// message sender, it runs only while there is work. An event not yet
// written when the process dies is lost: events are a history, not state
// a flow depends on.
type eventWriter struct {
	mu      sync.Mutex
	idle    *sync.Cond
	pending []store.AuthEvent
	running bool
	seq     atomic.Uint32
	// queued and done count events handed in and finished (written or
	// given up on), so flush waits for what came before it only, however
	// busy the writer stays.
	queued, done uint64
}

// newID is a UUIDv7 (RFC 9562): the millisecond, then a sequence number
// of this process in rand_a, then random bits. Events of one millisecond
// (or of a test's frozen clock) then list in the order they happened.
func (w *eventWriter) newID(p *UserPool) (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(p.random, b[8:]); err != nil {
		return "", err
	}
	ms := uint64(p.now().UnixMilli())
	binary.BigEndian.PutUint64(b[0:8], ms<<16)
	seq := uint16(w.seq.Add(1) & 0x0fff)
	b[6], b[7] = 0x70|byte(seq>>8), byte(seq)
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], nil
}

func newEventWriter() *eventWriter {
	w := &eventWriter{}
	w.idle = sync.NewCond(&w.mu)
	return w
}

func (w *eventWriter) add(p *UserPool, e store.AuthEvent) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pending) >= maxPendingEvents {
		p.log.Warn("auth event dropped: too many waiting to be written", "type", e.Type, "sub", e.Subject)
		return
	}
	w.pending = append(w.pending, e)
	w.queued++
	if !w.running {
		w.running = true
		go w.run(p)
	}
}

func (w *eventWriter) run(p *UserPool) {
	for {
		w.mu.Lock()
		batch := w.pending
		w.pending = nil
		if len(batch) == 0 {
			w.running = false
			w.idle.Broadcast()
			w.mu.Unlock()
			return
		}
		w.mu.Unlock()
		for _, e := range batch {
			if err := p.store.PutAuthEvent(context.Background(), e); err != nil {
				p.log.Warn("auth event not recorded", "type", e.Type, "sub", e.Subject, "err", err)
			}
		}
		w.mu.Lock()
		w.done += uint64(len(batch))
		w.idle.Broadcast()
		w.mu.Unlock()
	}
}

// flush waits until every event recorded so far in this process is
// written, so a listing reads what was just recorded.
func (w *eventWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	target := w.queued
	for w.done < target {
		w.idle.Wait()
	}
}

// callerOf is what UserContextData tells of the caller.
func callerOf(d *UserContextData) caller {
	if d == nil {
		return caller{}
	}
	return caller{ip: d.IPAddress}
}

// deviceName is a short, bounded description of the browser or client.
func deviceName(userAgent string) string {
	userAgent = strings.ToValidUTF8(userAgent, "?")
	if len(userAgent) > 256 {
		userAgent = userAgent[:256]
	}
	return userAgent
}

func authEventType(e store.AuthEvent) AuthEventType {
	out := AuthEventType{EventID: e.ID, EventType: e.Type, CreationDate: e.CreatedAt, EventResponse: e.Response,
		EventRisk:        EventRiskType{RiskDecision: e.RiskDecision, RiskLevel: e.RiskLevel, CompromisedCredentialsDetected: e.CompromisedCredentialsDetected},
		EventContextData: EventContextDataType{IPAddress: e.IPAddress, DeviceName: e.DeviceName, Timezone: e.Timezone, City: e.City, Country: e.Country}}
	for _, name := range []string{"Password", "Mfa"} {
		if v, ok := e.ChallengeResponses[name]; ok {
			out.ChallengeResponses = append(out.ChallengeResponses, ChallengeResponseType{ChallengeName: name, ChallengeResponse: v})
		}
	}
	if e.Feedback != "" {
		out.EventFeedback = &EventFeedbackType{FeedbackValue: e.Feedback, Provider: e.FeedbackProvider, FeedbackDate: e.FeedbackAt}
	}
	return out
}

// AdminListUserAuthEventsInput is AdminListUserAuthEvents' request.
type AdminListUserAuthEventsInput struct {
	Username   string
	MaxResults int // 1-60; zero means 60
	NextToken  string
}

// AdminListUserAuthEventsOutput is AdminListUserAuthEvents' answer.
type AdminListUserAuthEventsOutput struct {
	AuthEvents []AuthEventType
	NextToken  string
}

// AdminListUserAuthEvents lists a user's events, newest first.
func (p *UserPool) AdminListUserAuthEvents(ctx context.Context, in AdminListUserAuthEventsInput) (_ *AdminListUserAuthEventsOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminListUserAuthEvents", "")
	defer func() { ob.finish(ctx, err) }()
	limit, err := pageLimit(in.MaxResults)
	if err != nil {
		return nil, err
	}
	u, err := p.adminUser(ctx, in.Username)
	if err != nil {
		return nil, err
	}
	key, after, err := p.decodePage("auth events "+u.Sub, in.NextToken)
	if err != nil {
		return nil, err
	}
	var before time.Time
	if key != "" {
		micros, perr := strconv.ParseInt(key, 10, 64)
		if perr != nil {
			return nil, invalidParam("Invalid pagination token")
		}
		before = time.UnixMicro(micros).UTC()
	}
	p.events.flush()
	evs, err := p.store.ListAuthEvents(ctx, p.cfg.ID, u.Sub, before, after, limit+1)
	if err != nil {
		return nil, internalErr("list auth events", err)
	}
	out := &AdminListUserAuthEventsOutput{AuthEvents: []AuthEventType{}}
	for i, e := range evs {
		if i == limit {
			last := evs[i-1]
			if out.NextToken, err = p.encodePage("auth events "+u.Sub, strconv.FormatInt(last.CreatedAt.UnixMicro(), 10), last.ID); err != nil {
				return nil, err
			}
			break
		}
		out.AuthEvents = append(out.AuthEvents, authEventType(e))
	}
	return out, nil
}

// AdminUpdateAuthEventFeedbackInput is AdminUpdateAuthEventFeedback's
// request.
type AdminUpdateAuthEventFeedbackInput struct {
	Username      string
	EventID       string
	FeedbackValue string // "Valid" or "Invalid"
}

// AdminUpdateAuthEventFeedbackOutput is its empty answer.
type AdminUpdateAuthEventFeedbackOutput struct{}

// AdminUpdateAuthEventFeedback records an administrator's feedback on an
// event. Invalid ("this was not the user") signs the user out everywhere.
func (p *UserPool) AdminUpdateAuthEventFeedback(ctx context.Context, in AdminUpdateAuthEventFeedbackInput) (_ *AdminUpdateAuthEventFeedbackOutput, err error) {
	ctx, ob := p.begin(ctx, "AdminUpdateAuthEventFeedback", AuditAdminAction)
	defer func() { ob.finish(ctx, err) }()
	u, err := p.adminUser(ctx, in.Username)
	if err != nil {
		return nil, err
	}
	return done(&AdminUpdateAuthEventFeedbackOutput{}, p.feedback(ctx, u, in.EventID, in.FeedbackValue, "Admin", nil))
}

// UpdateAuthEventFeedbackInput is UpdateAuthEventFeedback's request: the
// feedback token comes from the notification the user received.
type UpdateAuthEventFeedbackInput struct {
	Username      string
	EventID       string
	FeedbackToken string
	FeedbackValue string
}

// UpdateAuthEventFeedbackOutput is its empty answer.
type UpdateAuthEventFeedbackOutput struct{}

// UpdateAuthEventFeedback records a user's feedback with the single-use
// token of the notification about that event. A wrong, used or forged
// token is NotAuthorizedException and changes nothing, whoever the user.
func (p *UserPool) UpdateAuthEventFeedback(ctx context.Context, in UpdateAuthEventFeedbackInput) (_ *UpdateAuthEventFeedbackOutput, err error) {
	ctx, ob := p.begin(ctx, "UpdateAuthEventFeedback", AuditEventFeedback)
	defer func() { ob.finish(ctx, err) }()
	refused := newErr(CodeNotAuthorized, "The feedback token is invalid or was used.")
	if in.FeedbackToken == "" || len(in.FeedbackToken) > 256 {
		return nil, refused
	}
	// Checked before the user is looked up, so the answer does not depend
	// on whether the user exists.
	if err := checkFeedback(in.EventID, in.FeedbackValue); err != nil {
		return nil, err
	}
	u, err := p.findUser(ctx, in.Username)
	if errors.Is(err, store.ErrNotFound) {
		return nil, refused
	}
	if err != nil {
		return nil, internalErr("feedback", err)
	}
	return done(&UpdateAuthEventFeedbackOutput{}, p.feedback(ctx, u, in.EventID, in.FeedbackValue, "User", feedbackTokenHash(in.FeedbackToken)))
}

// feedbackTokenHash is how a feedback token is stored.
func feedbackTokenHash(token string) []byte {
	h := sha256.Sum256([]byte("auth event feedback " + token))
	return h[:]
}

func checkFeedback(eventID, value string) error {
	if value != FeedbackValid && value != FeedbackInvalid {
		return invalidParam("FeedbackValue must be Valid or Invalid")
	}
	if eventID == "" || len(eventID) > 64 {
		return invalidParam("EventId is required")
	}
	return nil
}

func (p *UserPool) feedback(ctx context.Context, u store.User, eventID, value, provider string, token []byte) error {
	if err := checkFeedback(eventID, value); err != nil {
		return err
	}
	p.events.flush()
	_, err := p.store.SetAuthEventFeedback(ctx, p.cfg.ID, u.Sub, eventID, store.AuthEventFeedback{Value: value,
		Provider: provider, At: p.now(), Token: token})
	switch {
	case errors.Is(err, store.ErrNotFound):
		if token != nil {
			return newErr(CodeNotAuthorized, "The feedback token is invalid or was used.")
		}
		return newErr(CodeResourceNotFound, "Auth event not found.")
	case errors.Is(err, store.ErrCodeMismatch):
		return newErr(CodeNotAuthorized, "The feedback token is invalid or was used.")
	case err != nil:
		return internalErr("feedback", err)
	}
	if value == FeedbackInvalid {
		// Whoever it was may hold tokens: end every session of the user.
		return p.revokeAll(ctx, u.Sub)
	}
	return nil
}
