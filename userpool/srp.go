package userpool

import (
	"context"
	"encoding/base64"
	"strings"

	"github.com/cupola-auth/cupola/internal/srp"
	"github.com/cupola-auth/cupola/store"
)

// SRP password verifiers (internal/srp; the flows are in srp_flow.go).
// Every password set gets one beside its hash, and a password that signs
// in without one (an imported hash, a user from before SRP) gets one
// then. Unlike Cognito's, the verifier is sealed with the pool secret: a
// verifier can be guessed at SHA-256 speed, so a stolen database alone
// must not expose it.

// srpPoolName is the pool name SRP binds into x and the signature: the
// part of the pool ID after "_", as Cognito's clients take it.
func (p *UserPool) srpPoolName() string {
	if _, name, ok := strings.Cut(p.cfg.ID, "_"); ok {
		return name
	}
	return p.cfg.ID
}

// passwordCredential hashes a new password of user sub (signing in as
// username) and computes its sealed SRP verifier; errors are answers
// (hashErr's, or internal).
func (p *UserPool) passwordCredential(ctx context.Context, sub, username, password string) (store.PasswordCredential, error) {
	hash, err := p.hasher.Hash(ctx, password)
	if err != nil {
		return store.PasswordCredential{}, p.hashErr(err)
	}
	cred := store.PasswordCredential{Hash: hash, ChangedAt: p.now()}
	cred.SRPVerifier, err = p.sealSRPVerifier(sub, username, password)
	if err != nil {
		return store.PasswordCredential{}, internalErr("srp verifier", err)
	}
	return cred, nil
}

// sealSRPVerifier computes and seals the verifier of a password.
func (p *UserPool) sealSRPVerifier(sub, username, password string) (string, error) {
	v, err := srp.NewVerifier(p.random, p.srpPoolName(), username, password)
	if err != nil {
		return "", err
	}
	box, err := p.srpSeal.Seal(p.random, v.Marshal(), []byte("srp "+sub))
	if err != nil {
		return "", err
	}
	return base64.RawStdEncoding.EncodeToString(box), nil
}

// srpVerifier opens the user's verifier; ok is false when there is none
// (or it cannot be opened, which is logged).
func (p *UserPool) srpVerifier(ctx context.Context, u store.User) (srp.Verifier, bool) {
	if u.Password.SRPVerifier == "" {
		return srp.Verifier{}, false
	}
	box, err := base64.RawStdEncoding.DecodeString(u.Password.SRPVerifier)
	if err == nil {
		var raw []byte
		if raw, err = p.srpSeal.Open(box, []byte("srp "+u.Sub)); err == nil {
			v, err := srp.UnmarshalVerifier(raw)
			if err == nil {
				return v, true
			}
		}
	}
	p.log.WarnContext(ctx, "srp verifier unreadable", "sub", u.Sub, "err", err)
	return srp.Verifier{}, false
}
