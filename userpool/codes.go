package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store"
)

// Code purposes: a user holds at most one live code per purpose.
const (
	purposeSignUp = "signup"
	purposeForgot = "forgot_password"
	purposeVerify = "verify:" // + attribute name
)

// maxCodeAttempts wrong answers kill a code.
const maxCodeAttempts = 5

// CodeDeliveryDetails says where a code went, masked (Cognito's shape).
type CodeDeliveryDetails struct {
	Destination    string
	DeliveryMedium string // "EMAIL" or "SMS"
	AttributeName  string
}

// codeHash binds a code to its user and purpose under the pool's code
// key, so a leaked table row reveals nothing and a code for one purpose or
// user is useless for another.
func (p *UserPool) codeHash(sub, purpose, code string) []byte {
	m := hmac.New(sha256.New, p.codeKey)
	m.Write([]byte(sub))
	m.Write([]byte{0})
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(code))
	return m.Sum(nil)
}

// deliveryFor picks where a code for u goes: the attribute asked for, or
// for sign-up the first auto-verified attribute the user has.
func (p *UserPool) deliveryFor(attrs map[string]string, candidates []string) (attr, value string) {
	for _, a := range candidates {
		if v := attrs[a]; v != "" {
			return a, v
		}
	}
	return "", ""
}

// sendCode stores a new code for (u, purpose) and delivers it to value
// through the attribute's medium. Sends per user are throttled.
func (p *UserPool) sendCode(ctx context.Context, u store.User, purpose string, kind message.Kind, attr, value, pending, from string) (*CodeDeliveryDetails, error) {
	now := p.now()
	if err := p.throttle(ctx, "send:", u.Sub, from); err != nil {
		return nil, err
	}
	code, err := random.Digits(p.random, 6)
	if err != nil {
		return nil, internalErr("code", err)
	}
	err = p.store.PutCode(ctx, store.Code{PoolID: p.cfg.ID, Subject: u.Sub, Purpose: purpose,
		Hash: p.codeHash(u.Sub, purpose, code), Value: pending, ExpiresAt: now.Add(p.cfg.CodeValidity), CreatedAt: now})
	if err != nil {
		return nil, internalErr("store code", err)
	}
	d, err := p.deliver(ctx, u, kind, attr, value, message.Data{Code: code, Username: u.Username, PoolName: p.cfg.Name})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// deliver sends one message with a code to u, or queues it
// (Config.Delivery), and says where it goes. A medium without a sender
// fails at once, queued or not.
func (p *UserPool) deliver(ctx context.Context, u store.User, kind message.Kind, attr, to string, data message.Data) (*CodeDeliveryDetails, error) {
	return p.deliverVia(ctx, false, u, kind, attr, to, data)
}

// deliverNow is deliver without the queue: the message is sent, or the
// error returned, before the caller answers.
func (p *UserPool) deliverNow(ctx context.Context, u store.User, kind message.Kind, attr, to string, data message.Data) (*CodeDeliveryDetails, error) {
	return p.deliverVia(ctx, true, u, kind, attr, to, data)
}

func (p *UserPool) deliverVia(ctx context.Context, now bool, u store.User, kind message.Kind, attr, to string, data message.Data) (*CodeDeliveryDetails, error) {
	d, err := p.destination(attr, to)
	if err != nil {
		return nil, err
	}
	m, err := p.prepare(ctx, u, kind, attr, to, data)
	if err != nil {
		return nil, err
	}
	if now {
		err = p.sendNow(ctx, m)
	} else {
		err = p.post(ctx, m, p.now().Add(p.cfg.CodeValidity))
	}
	if err != nil {
		return nil, err
	}
	return d, nil
}

// destination is where a code for attr goes, masked, if the pool can send
// there at all.
func (p *UserPool) destination(attr, to string) (*CodeDeliveryDetails, error) {
	switch attr {
	case "email":
		if p.cfg.EmailSender == nil && p.cfg.Triggers.CustomEmailSender == nil {
			return nil, newErr(CodeCodeDeliveryFailure, "No email sender is configured for the pool.")
		}
		return &CodeDeliveryDetails{Destination: maskEmail(to), DeliveryMedium: "EMAIL", AttributeName: attr}, nil
	case "phone_number":
		if p.cfg.SMSSender == nil && p.cfg.Triggers.CustomSMSSender == nil {
			return nil, newErr(CodeCodeDeliveryFailure, "No SMS sender is configured for the pool.")
		}
		return &CodeDeliveryDetails{Destination: maskPhone(to), DeliveryMedium: "SMS", AttributeName: attr}, nil
	}
	return nil, invalidParam("no deliverable attribute")
}

// consumeCode checks a code a user typed. A right code is spent; a wrong
// one counts toward maxCodeAttempts. From a known source, guessCode holds
// each source to maxCodeAttempts and the code tolerates four times that
// in all, so strangers' guesses do not kill the owner's code.
func (p *UserPool) consumeCode(ctx context.Context, sub, purpose, code, from string) (store.Code, error) {
	if len(code) == 0 || len(code) > 16 {
		return store.Code{}, invalidParam("code must be 1-16 characters")
	}
	limit := maxCodeAttempts
	if from != "" {
		if err := p.guessCode(ctx, sub, purpose, from); err != nil {
			return store.Code{}, err
		}
		limit = 4 * maxCodeAttempts
	}
	c, err := p.store.ConsumeCode(ctx, p.cfg.ID, sub, purpose, p.codeHash(sub, purpose, code), p.now(), limit)
	switch {
	case err == nil:
		return c, nil
	case errors.Is(err, store.ErrCodeMismatch):
		return c, newErr(CodeCodeMismatch, msgCodeMismatch)
	case errors.Is(err, store.ErrNotFound):
		return c, newErr(CodeExpiredCode, msgCodeExpired)
	default:
		return c, internalErr("consume code", err)
	}
}

// simulatedSend answers ForgotPassword and ResendConfirmationCode for a
// login whose answer must not tell whether it names a user (unknown,
// disabled, confirmed already, nowhere to send), when the client prevents
// user-existence errors. The send is counted as a real one, so the send
// limit answers alike; a decoy code (never delivered) is stored under the
// login's unknown key, so confirming with any code answers as for a real
// user who asked for one: CodeMismatch, or ExpiredCode once it lapsed.
// A decoy message is queued as a real one would be (and dropped unsent by
// the sender), so the answer costs the same writes as a real user's.
func (p *UserPool) simulatedSend(ctx context.Context, login, purpose, from string) (*CodeDeliveryDetails, error) {
	key := p.unknownKey(login)
	if err := p.throttle(ctx, "send:", key, from); err != nil {
		return nil, err
	}
	decoy, err := random.Digits(p.random, 6)
	if err != nil {
		return nil, internalErr("code", err)
	}
	now := p.now()
	if err := p.store.PutCode(ctx, store.Code{PoolID: p.cfg.ID, Subject: key, Purpose: purpose,
		Hash: p.codeHash(key, purpose, decoy), ExpiresAt: now.Add(p.cfg.CodeValidity), CreatedAt: now}); err != nil {
		return nil, internalErr("store code", err)
	}
	d := p.simulatedDelivery(login)
	if err := p.postDecoy(ctx, d.AttributeName); err != nil {
		return nil, err
	}
	return d, nil
}

// postDecoy queues a message that is never sent, where a real user's
// answer would queue one, so both cost the same writes.
func (p *UserPool) postDecoy(ctx context.Context, attr string) error {
	m := outgoing{Kind: message.KindForgotPassword, Attr: attr, Code: "000000", Decoy: true}
	return p.post(ctx, m, p.now().Add(p.cfg.CodeValidity))
}

// consumeDecoy checks a code typed for a login answered by simulatedSend:
// it fails as a real user's wrong or lapsed code does, and counts the same.
func (p *UserPool) consumeDecoy(ctx context.Context, login, purpose, code, from string) error {
	if _, err := p.consumeCode(ctx, p.unknownKey(login), purpose, code, from); err != nil {
		return err
	}
	return newErr(CodeCodeMismatch, msgCodeMismatch) // the decoy itself was guessed: still no user
}

// decoyPhone is a made-up phone number for a login that is none, from a
// keyed hash of the login: stable across tries, unguessable without the
// pool secret.
func (p *UserPool) decoyPhone(login string) string {
	h := hmac.New(sha256.New, p.codeKey)
	h.Write([]byte("decoy phone " + p.usernameKey(login)))
	sum := h.Sum(nil)
	return fmt.Sprintf("+1%03d555%04d", 200+int(sum[0])%800, int(binary.BigEndian.Uint16(sum[1:3]))%10000)
}

// decoyDomains are the email providers a decoy destination names, most
// common first, so that a made-up mask looks like a real user's.
var decoyDomains = []string{"gmail.com", "gmail.com", "gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "proton.me"}

// simulatedDelivery is where a code for login would have gone: the login
// itself when it is an email address or a phone number (as it is for a
// real user signing in with it), else a destination derived from a keyed
// hash of the login, stable across tries and unguessable without the pool
// secret, masked as real destinations are.
func (p *UserPool) simulatedDelivery(login string) *CodeDeliveryDetails {
	login = strings.ToValidUTF8(login, "?")
	if strings.HasPrefix(login, "+") {
		return &CodeDeliveryDetails{Destination: maskPhone(login), DeliveryMedium: "SMS", AttributeName: "phone_number"}
	}
	if strings.Contains(login, "@") {
		return &CodeDeliveryDetails{Destination: maskEmail(login), DeliveryMedium: "EMAIL", AttributeName: "email"}
	}
	return p.decoyEmail(login)
}

// decoyEmail is a made-up, masked email destination for login, from a
// keyed hash of the login.
func (p *UserPool) decoyEmail(login string) *CodeDeliveryDetails {
	h := hmac.New(sha256.New, p.codeKey)
	h.Write([]byte("decoy destination " + p.usernameKey(login)))
	sum := h.Sum(nil)
	local := firstRune(login) // an address most often starts as its owner's name
	if r, _ := utf8.DecodeRuneInString(local); !unicode.IsLetter(r) {
		local = string(rune('a' + sum[0]%26))
	}
	return &CodeDeliveryDetails{Destination: maskEmail(local + "@" + decoyDomains[int(sum[1])%len(decoyDomains)]),
		DeliveryMedium: "EMAIL", AttributeName: "email"}
}

func maskEmail(e string) string {
	local, domain, ok := strings.Cut(e, "@")
	if !ok || local == "" || domain == "" {
		return "***"
	}
	return firstRune(local) + "***@" + firstRune(domain) + "***"
}

func maskPhone(ph string) string {
	if len(ph) <= 4 {
		return "+***"
	}
	return "+" + strings.Repeat("*", len(ph)-5) + ph[len(ph)-4:]
}

func firstRune(s string) string {
	_, n := utf8.DecodeRuneInString(s)
	return s[:n]
}
