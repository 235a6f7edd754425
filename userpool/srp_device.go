package userpool

import (
	"context"
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"io"

	"github.com/cupola-auth/cupola/internal/srp"
	"github.com/cupola-auth/cupola/store"
)

// A remembered device proves its password by SRP (shared/srp.md §6):
// after the user's first factor the pool answers DEVICE_SRP_AUTH; the
// client sends the device's SRP_A; the pool answers DEVICE_PASSWORD_VERIFIER
// with SALT, SRP_B and a SECRET_BLOCK; the client proves the password with
// PASSWORD_CLAIM_SIGNATURE over DeviceGroupKey, DeviceKey, the block and a
// TIMESTAMP. A device that proves itself skips the second factor.

// Device challenge names.
const (
	ChallengeDeviceSRPAuth ChallengeName = "DEVICE_SRP_AUTH"
)

// deviceChallenge asks a remembered device to prove itself.
func (p *UserPool) deviceChallenge(ctx context.Context, c *appClient, u store.User, st challengeState) (*step, error) {
	session, err := p.newChallenge(ctx, c, u.Sub, ChallengeDeviceSRPAuth, st)
	if err != nil {
		return nil, err
	}
	return &step{challenge: &InitiateAuthOutput{ChallengeName: ChallengeDeviceSRPAuth, Session: session, ChallengeParameters: map[string]string{
		ParamUsername: u.Username, ParamDeviceKey: st.DeviceKey}}}, nil
}

// respondDeviceSRP takes the device's SRP_A and answers the server's half
// of the handshake. Nothing is proved yet, so nothing is counted.
func (p *UserPool) respondDeviceSRP(ctx context.Context, c *appClient, in answer) (*step, error) {
	r := in.ChallengeResponses
	return answerChallenge(ctx, p, c, in.by, in.Session, ChallengeDeviceSRPAuth, func(s store.AuthSession, st challengeState) (*step, error) {
		if r[ParamDeviceKey] != st.DeviceKey {
			return nil, invalidParam("DEVICE_KEY does not match the session")
		}
		A, err := srp.ParseA(r[ParamSRPA])
		if err != nil {
			return nil, invalidParam("SRP_A is not a valid SRP public value")
		}
		u, err := p.challengeUser(ctx, c, s, st, r)
		if err != nil {
			return nil, err
		}
		v, err := p.deviceVerifier(ctx, u, st.DeviceKey)
		if err != nil {
			return nil, err
		}
		server, err := srp.NewServer(p.random, v.V, A)
		if err != nil {
			return nil, internalErr("device srp", err)
		}
		block := make([]byte, secretBlockBytes)
		if _, err := io.ReadFull(p.random, block); err != nil {
			return nil, internalErr("device srp", err)
		}
		st.SecretBlock = base64.StdEncoding.EncodeToString(block)
		if st.SRPKey, err = p.srpSeal.Seal(p.random, server.Key, []byte("srp-key "+st.SecretBlock)); err != nil {
			return nil, internalErr("device srp", err)
		}
		session, err := p.newChallenge(ctx, c, u.Sub, ChallengeDevicePasswordVerifier, st)
		if err != nil {
			return nil, err
		}
		return &step{challenge: &InitiateAuthOutput{ChallengeName: ChallengeDevicePasswordVerifier, Session: session,
			ChallengeParameters: map[string]string{ParamSRPB: srp.Hex(server.B), ParamSalt: srp.Hex(v.Salt),
				ParamSecretBlock: st.SecretBlock, ParamUsername: u.Username, ParamDeviceKey: st.DeviceKey}}}, nil
	})
}

// respondDevice checks DEVICE_PASSWORD_VERIFIER: the claim over the
// session's own SECRET_BLOCK, counted toward the lockout before the check.
func (p *UserPool) respondDevice(ctx context.Context, c *appClient, in answer) (*step, error) {
	r := in.ChallengeResponses
	return answerChallenge(ctx, p, c, in.by, in.Session, ChallengeDevicePasswordVerifier, func(s store.AuthSession, st challengeState) (*step, error) {
		if len(st.SRPKey) == 0 {
			return nil, newErr(CodeNotAuthorized, msgSessionExpired)
		}
		if r[ParamDeviceKey] != st.DeviceKey || !hmac.Equal([]byte(r[ParamPasswordClaimSecretBlock]), []byte(st.SecretBlock)) {
			return nil, invalidParam("DEVICE_KEY and PASSWORD_CLAIM_SECRET_BLOCK must be the session's")
		}
		ts, sig := r[ParamTimestamp], r[ParamPasswordClaimSignature]
		if err := p.checkTimestamp(ts); err != nil {
			return nil, err
		}
		u, err := p.challengeUser(ctx, c, s, st, r)
		if err != nil {
			return nil, err
		}
		if err := p.countAttempt(ctx, u.Sub, st.From); err != nil {
			return nil, err
		}
		key, err := p.srpSeal.Open(st.SRPKey, []byte("srp-key "+st.SecretBlock))
		block, berr := base64.StdEncoding.DecodeString(st.SecretBlock)
		if err != nil || berr != nil {
			return nil, newErr(CodeNotAuthorized, msgSessionExpired)
		}
		if !srp.VerifySignature(key, p.deviceGroupKey(u.Sub), st.DeviceKey, block, ts, sig) {
			p.countSourceFailure(ctx, st.From)
			return nil, newErr(CodeNotAuthorized, "Device proof is invalid.")
		}
		// The device may have been forgotten or un-remembered since.
		if _, err := p.deviceVerifier(ctx, u, st.DeviceKey); err != nil {
			return nil, err
		}
		if err := p.signInAllowed(u); err != nil { // disabled, reset or changed since the challenge began
			return nil, err
		}
		st.SRPKey, st.SecretBlock = nil, ""
		return p.complete(ctx, c, u, st, sourceAuthenticateDevice)
	})
}

// deviceVerifier is the SRP verifier of a remembered, confirmed device of
// u; anything else is refused as an invalid device.
func (p *UserPool) deviceVerifier(ctx context.Context, u store.User, key string) (srp.Verifier, error) {
	refused := newErr(CodeNotAuthorized, "Device proof is invalid.")
	d, err := p.store.GetDevice(ctx, p.cfg.ID, u.Sub, key)
	if errors.Is(err, store.ErrNotFound) {
		return srp.Verifier{}, refused
	}
	if err != nil {
		return srp.Verifier{}, internalErr("device", err)
	}
	if !d.Remembered || len(d.Verifier) == 0 {
		return srp.Verifier{}, refused
	}
	raw, err := p.mfaSeal.Open(d.Verifier, deviceAD(u.Sub, d.Key))
	if err != nil {
		return srp.Verifier{}, refused
	}
	v, err := srp.UnmarshalVerifier(raw)
	if err != nil {
		return srp.Verifier{}, refused
	}
	return v, nil
}
