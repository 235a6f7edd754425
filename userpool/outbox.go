package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store"
)

// DeliveryMode says when a pool sends the messages it owes a user: codes
// (sign-up, forgot password, attribute verification, MFA) and security
// notices. Admin invitations are always sent before AdminCreateUser
// answers, so a failed invitation undoes the user.
type DeliveryMode int

const (
	// DeliverQueued, the default, stores each message sealed in the
	// store's outbox and answers at once; the pool's background sender
	// sends it moments later and retries a failed send every
	// deliveryLease until the code inside expires. An answer's timing then
	// depends neither on the mail server nor on whether the user exists,
	// and a message acknowledged to the caller survives a crash of the
	// process (it is sent by whichever instance claims it next). A send
	// that fails is logged, not reported to the caller. Call
	// DeliverMessages to send what is due without waiting (tests, shutdown)
	// and from a timer to retry failures when nothing else wakes the
	// sender; cupola serve does both.
	DeliverQueued DeliveryMode = iota
	// DeliverInline sends before answering and reports a failed send as
	// CodeDeliveryFailureException. Simpler in tests; but an outsider can
	// time the answer, and with PreventUserExistenceErrors that tells a
	// real user (a message is sent) from an unknown one.
	DeliverInline
)

// Outbox timing: a claimed delivery is retried after deliveryLease if its
// send failed (or its sender crashed); after maxDeliveryAttempts claims it
// is dropped with an error in the log. Notices, which carry no code, are
// kept for noticeValidity.
const (
	deliveryLease       = 30 * time.Second
	maxDeliveryAttempts = 10
	deliveryBatch       = 16
	noticeValidity      = 24 * time.Hour
	deliveryTimeout     = 30 * time.Second
)

// outgoing is one message as it waits in the outbox, sealed: it carries a
// code or a temporary password. It is rendered before the caller is
// answered (so a CustomMessage trigger's refusal reaches the caller, as in
// Cognito) and sent after.
type outgoing struct {
	Kind  message.Kind   `json:"k"`
	Attr  string         `json:"a"` // "email" or "phone_number"
	Email *message.Email `json:"e,omitempty"`
	SMS   *message.SMS   `json:"m,omitempty"`
	// Custom names the CustomEmailSender or CustomSMSSender trigger that
	// sends the code instead of the pool's sender; the trigger sees the
	// user as they were when the message was queued.
	Custom     string            `json:"c,omitempty"`
	Code       string            `json:"o,omitempty"`
	Sub        string            `json:"s,omitempty"`
	Username   string            `json:"u,omitempty"`
	Attributes map[string]string `json:"at,omitempty"`
	// Decoy marks an entry queued only so that an answer about an unknown
	// user costs what a real one does: the sender drops it unsent.
	Decoy bool `json:"x,omitempty"`
}

// prepare renders one message to u: the pool's templates, or for a code
// the CustomMessage trigger's answer, and notes the custom sender trigger
// that takes a code instead of the pool's sender. Notices use the pool's
// templates and senders only, as Cognito defines those triggers for codes.
func (p *UserPool) prepare(ctx context.Context, u store.User, kind message.Kind, attr, to string, data message.Data) (outgoing, error) {
	m := outgoing{Kind: kind, Attr: attr}
	tpl := p.cfg.Messages
	if !kind.Notice() {
		var err error
		if tpl, err = p.customMessage(ctx, u, kind, data); err != nil {
			return m, err
		}
	}
	var err error
	switch attr {
	case "email":
		var e message.Email
		e, err = tpl.Email(kind, to, data)
		m.Email = &e
		if p.cfg.Triggers.CustomEmailSender != nil && !kind.Notice() {
			m.Custom = "CustomEmailSender"
		}
	case "phone_number":
		var s message.SMS
		s, err = tpl.SMS(kind, to, data)
		m.SMS = &s
		if p.cfg.Triggers.CustomSMSSender != nil && !kind.Notice() {
			m.Custom = "CustomSMSSender"
		}
	default:
		return m, invalidParam("no deliverable attribute")
	}
	if err != nil {
		return m, p.deliveryFailed(ctx, kind, attr, err)
	}
	if m.Custom != "" {
		m.Code, m.Sub, m.Username, m.Attributes = data.Code, u.Sub, u.Username, u.Attributes
	}
	return m, nil
}

// deliveryFailed is CodeDeliveryFailureException for a message that could
// not be rendered or sent; a trigger's own *Error passes as it is.
func (p *UserPool) deliveryFailed(ctx context.Context, kind message.Kind, attr string, err error) error {
	var pe *Error
	if errors.As(err, &pe) {
		return err
	}
	p.log.WarnContext(ctx, "message delivery failed", "kind", string(kind), "medium", attr, "err", err)
	return &Error{Code: CodeCodeDeliveryFailure, Message: "Unable to deliver the code.", Err: err}
}

// post sends m now or queues it (Config.Delivery). Queued, it is sent by
// the background sender; a failure to queue is an error as a failed send
// would be.
func (p *UserPool) post(ctx context.Context, m outgoing, expires time.Time) error {
	if p.cfg.Delivery == DeliverInline {
		if m.Decoy {
			return nil
		}
		return p.sendNow(ctx, m)
	}
	box, err := json.Marshal(m)
	if err != nil {
		return internalErr("queue message", err)
	}
	tail, err := random.Token(p.random, 12)
	if err != nil {
		return internalErr("queue message", err)
	}
	// IDs sort in the order this process queued them, so a batch goes out
	// in that order (a code after the notice that came before it).
	id := fmt.Sprintf("%016x%08x-%s", p.now().UnixMicro(), p.sender.seq.Add(1), tail)
	d := store.Delivery{PoolID: p.cfg.ID, ID: id, DueAt: p.now(), ExpiresAt: expires, CreatedAt: p.now()}
	if d.Payload, err = p.outboxSeal.Seal(p.random, box, []byte(d.ID)); err != nil {
		return internalErr("queue message", err)
	}
	if err := p.store.EnqueueDelivery(ctx, d); err != nil {
		return internalErr("queue message", err)
	}
	p.sender.kick(p)
	return nil
}

// sendNow sends a prepared message through the custom sender trigger or
// the pool's sender for its medium.
func (p *UserPool) sendNow(ctx context.Context, m outgoing) error {
	var err error
	switch {
	case m.Custom != "":
		u := store.User{Sub: m.Sub, Username: m.Username, Attributes: m.Attributes}
		err = p.customSender(ctx, u, m.Kind, m.Custom, m.Code)
	case m.Email != nil && p.cfg.EmailSender != nil:
		err = p.cfg.EmailSender.SendEmail(ctx, *m.Email)
	case m.SMS != nil && p.cfg.SMSSender != nil:
		err = p.cfg.SMSSender.SendSMS(ctx, *m.SMS)
	default:
		err = errors.New("no sender is configured for the medium")
	}
	if err != nil {
		return p.deliveryFailed(ctx, m.Kind, m.Attr, err)
	}
	return nil
}

// DeliverMessagesInput is empty: DeliverMessages works on the pool's own
// outbox.
type DeliverMessagesInput struct{}

// DeliverMessagesOutput counts what one DeliverMessages call did.
type DeliverMessagesOutput struct {
	Sent    int // sent and removed from the outbox
	Failed  int // left in the outbox to retry after deliveryLease
	Dropped int // given up on after maxDeliveryAttempts, or unreadable
}

// DeliverMessages has the pool's background sender send the queued
// messages that are due now (see DeliverQueued) and waits until it is
// idle, so that every message queued before the call has been tried, in
// the order it was queued; the counts are those of the passes it waited
// for. Failed sends stay queued for a later call. It is not a Cognito
// operation: cupola serve calls it on a timer and at shutdown; tests call
// it before reading what was sent. With DeliverInline there is nothing to
// do.
func (p *UserPool) DeliverMessages(ctx context.Context, _ DeliverMessagesInput) (*DeliverMessagesOutput, error) {
	before := p.sender.counts()
	p.sender.kick(p)
	if err := p.sender.wait(ctx); err != nil {
		return nil, err
	}
	after := p.sender.counts()
	if after.err != nil && after.passes > before.passes {
		return nil, after.err
	}
	return &DeliverMessagesOutput{Sent: after.Sent - before.Sent, Failed: after.Failed - before.Failed,
		Dropped: after.Dropped - before.Dropped}, nil
}

// sendDue claims and sends due deliveries in batches until none is due.
func (p *UserPool) sendDue(ctx context.Context) (*DeliverMessagesOutput, error) {
	out := &DeliverMessagesOutput{}
	for {
		batch, err := p.store.ClaimDeliveries(ctx, p.cfg.ID, p.now(), deliveryLease, deliveryBatch)
		if err != nil {
			return out, internalErr("claim deliveries", err)
		}
		slices.SortFunc(batch, func(a, b store.Delivery) int { return strings.Compare(a.ID, b.ID) })
		for _, d := range batch {
			p.sendDelivery(ctx, d, out)
		}
		if len(batch) < deliveryBatch {
			return out, nil
		}
	}
}

// sendDelivery tries one claimed delivery. A sent, decoy or unreadable one
// is removed; a failed one stays for the lease to end, unless it has had
// its attempts.
func (p *UserPool) sendDelivery(ctx context.Context, d store.Delivery, out *DeliverMessagesOutput) {
	var m outgoing
	box, err := p.outboxSeal.Open(d.Payload, []byte(d.ID))
	if err == nil {
		err = json.Unmarshal(box, &m)
	}
	if err != nil {
		p.log.ErrorContext(ctx, "queued message unreadable, dropped", "delivery", d.ID, "err", err)
		out.Dropped++
		p.removeDelivery(ctx, d)
		return
	}
	if !m.Decoy {
		sctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
		err = p.sendNow(sctx, m)
		cancel()
	}
	switch {
	case err == nil:
		if !m.Decoy {
			out.Sent++
		}
		p.removeDelivery(ctx, d)
	case d.Attempts >= maxDeliveryAttempts:
		p.log.ErrorContext(ctx, "message dropped after repeated failures", "delivery", d.ID,
			"kind", string(m.Kind), "sub", m.Sub, "attempts", d.Attempts, "err", err)
		out.Dropped++
		p.removeDelivery(ctx, d)
	default:
		out.Failed++
	}
}

func (p *UserPool) removeDelivery(ctx context.Context, d store.Delivery) {
	if err := p.store.DeleteDelivery(ctx, p.cfg.ID, d.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		// The lease ends and the message goes again: at least once.
		p.log.WarnContext(ctx, "sent message not removed from the outbox", "delivery", d.ID, "err", err)
	}
}

// backgroundSender runs sendDue off the request path. It runs while there
// is work and exits when there is none, so an idle pool holds no goroutine;
// kick starts it, or asks a running one for one more pass, so a message
// queued during a pass is not left behind. It is the process's only
// sender, so messages go out in the order they were queued.
type backgroundSender struct {
	mu      sync.Mutex
	idle    *sync.Cond
	running bool
	again   bool
	retry   *time.Timer   // pending wake-up to retry failed sends
	seq     atomic.Uint32 // orders the IDs of queued messages
	total   senderCounts
}

// senderCounts add up the passes so far, for DeliverMessages.
type senderCounts struct {
	DeliverMessagesOutput
	passes int
	err    error // of the latest pass
}

func (s *backgroundSender) counts() senderCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

func newBackgroundSender() *backgroundSender {
	s := &backgroundSender{}
	s.idle = sync.NewCond(&s.mu)
	return s
}

func (s *backgroundSender) kick(p *UserPool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running {
		s.again = true
		return
	}
	s.running = true
	go s.run(p)
}

func (s *backgroundSender) run(p *UserPool) {
	ctx := context.Background()
	for {
		out, err := p.sendDue(ctx)
		if err != nil {
			p.log.ErrorContext(ctx, "outbox", "err", err)
		}
		s.mu.Lock()
		s.total.Sent += out.Sent
		s.total.Failed += out.Failed
		s.total.Dropped += out.Dropped
		s.total.passes++
		s.total.err = err
		if (err != nil || out.Failed > 0) && s.retry == nil {
			s.retry = time.AfterFunc(deliveryLease, func() {
				s.mu.Lock()
				s.retry = nil
				s.mu.Unlock()
				s.kick(p)
			})
		}
		if !s.again {
			s.running = false
			s.idle.Broadcast()
			s.mu.Unlock()
			return
		}
		s.again = false
		s.mu.Unlock()
	}
}

// wait returns once no pass is running, or when ctx is done.
func (s *backgroundSender) wait(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.idle.Broadcast()
	})
	defer stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.running {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("userpool: deliver messages: %w", err)
		}
		s.idle.Wait()
	}
	return nil
}
