package userpool

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"math/big"
	"slices"
	"time"

	"github.com/cupola-auth/cupola/internal/srp"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/trigger"
)

// Cognito's SRP sign-in (shared/srp.md §5): InitiateAuth USER_SRP_AUTH
// with USERNAME and SRP_A (or USER_AUTH with PREFERRED_CHALLENGE
// PASSWORD_SRP) answers PASSWORD_VERIFIER with SALT, SRP_B and a
// SECRET_BLOCK; RespondToAuthChallenge proves the password with
// PASSWORD_CLAIM_SIGNATURE over that block and a TIMESTAMP. The password
// never travels. The server derives the session key at the first step
// and keeps it, sealed, in an auth session stored under the SECRET_BLOCK
// (the clients send no Session back), which the answer spends.

// SRP parameters, as Cognito names them.
const (
	ParamSRPA                     = "SRP_A"
	ParamSRPB                     = "SRP_B"
	ParamSalt                     = "SALT"
	ParamSecretBlock              = "SECRET_BLOCK"
	ParamPasswordClaimSecretBlock = "PASSWORD_CLAIM_SECRET_BLOCK"
	ParamPasswordClaimSignature   = "PASSWORD_CLAIM_SIGNATURE"
	ParamTimestamp                = "TIMESTAMP"
)

// FirstFactorPasswordSRP is USER_AUTH's PASSWORD_SRP: the password proved
// by SRP.
const FirstFactorPasswordSRP = "PASSWORD_SRP"

// secretBlockBytes is the entropy of a SECRET_BLOCK.
const secretBlockBytes = 48

// srpAuth starts an SRP sign-in of req.login with the client's SRP_A.
// Unknown users, and users whose password has no verifier yet (imported
// as a hash, set before SRP), get a decoy handshake as alike as it can be
// — a salt and user ID stable per login, the same big-number work — and
// every answer fails.
func (p *UserPool) srpAuth(ctx context.Context, req *signInRequest, srpA string) (*step, error) {
	c, login := req.client, req.login
	if err := checkLogin(login); err != nil {
		return nil, err
	}
	if err := c.checkSecretHash(login, req.secretHash); err != nil {
		return nil, err
	}
	A, err := srp.ParseA(srpA)
	if err != nil {
		return nil, invalidParam("SRP_A is not a valid SRP public value")
	}
	u, err := p.findUser(ctx, login)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, internalErr("find user", err)
	}
	known := err == nil
	if !known && !c.preventsExistenceErrors() {
		return nil, newErr(CodeUserNotFound, msgUserNotExist)
	}
	key := p.unknownKey(login)
	if known {
		key = u.Sub
	}
	if err := p.refuseLocked(ctx, key, req.from()); err != nil {
		return nil, err
	}
	if known || c.preventsExistenceErrors() {
		if err := p.preAuthentication(ctx, u, login, c.ID, known, nil, req.meta); err != nil {
			return nil, err
		}
	}
	return p.srpHandshake(ctx, c, u, known, login, A, req.state())
}

// srpHandshake answers SRP_A for login (u, when known): the server's half
// of the handshake, kept in an auth session stored under the SECRET_BLOCK.
func (p *UserPool) srpHandshake(ctx context.Context, c *appClient, u store.User, known bool, login string, A *big.Int, st challengeState) (*step, error) {
	ver, ok := srp.Verifier{}, false
	if known {
		ver, ok = p.srpVerifier(ctx, u)
		if !ok {
			p.log.InfoContext(ctx, "srp sign-in of a user without a verifier: the password must sign in once by USER_PASSWORD_AUTH", "sub", u.Sub)
		}
	}
	sub, userID := u.Sub, u.Username
	if !ok {
		ver, userID = p.decoyVerifier(login), p.decoyUserID(login)
		st.Decoy = true
		if !known {
			sub = userID
		}
	}
	server, err := srp.NewServer(p.random, ver.V, A)
	if err != nil {
		return nil, internalErr("srp", err)
	}
	block := make([]byte, secretBlockBytes)
	if _, err := io.ReadFull(p.random, block); err != nil {
		return nil, internalErr("srp", err)
	}
	raw := base64.StdEncoding.EncodeToString(block)
	if st.SRPKey, err = p.srpSeal.Seal(p.random, server.Key, []byte("srp-key "+raw)); err != nil {
		return nil, internalErr("srp", err)
	}
	st.Username, st.Login = userID, login
	if err := p.putChallenge(ctx, c, sub, ChallengePasswordVerifier, st, raw); err != nil {
		return nil, err
	}
	return &step{challenge: &InitiateAuthOutput{ChallengeName: ChallengePasswordVerifier, ChallengeParameters: map[string]string{
		ParamSalt: srp.Hex(ver.Salt), ParamSRPB: srp.Hex(server.B), ParamSecretBlock: raw,
		ParamUsername: userID, ParamUserIDForSRP: userID}}}, nil
}

// respondSRP checks PASSWORD_VERIFIER's SRP answer. Malformed input and an
// unknown DEVICE_KEY keep the block for a corrected answer (Cognito's
// clients resend the same answer without the device); anything else spends
// it. The attempt counts toward the lockout before the signature is
// checked.
func (p *UserPool) respondSRP(ctx context.Context, c *appClient, in answer) (*step, error) {
	r := in.ChallengeResponses
	raw := r[ParamPasswordClaimSecretBlock]
	return answerChallenge(ctx, p, c, in.by, raw, ChallengePasswordVerifier, func(s store.AuthSession, st challengeState) (*step, error) {
		if len(st.SRPKey) == 0 {
			return nil, newErr(CodeNotAuthorized, msgSessionExpired) // a custom-auth PASSWORD_VERIFIER session
		}
		name := r[ParamUsername]
		if name != st.Username && name != st.Login {
			return nil, invalidParam("USERNAME does not match the SRP handshake")
		}
		ts, sig := r[ParamTimestamp], r[ParamPasswordClaimSignature]
		if err := p.checkTimestamp(ts); err != nil {
			return nil, err
		}
		if sig == "" || len(sig) > 128 {
			return nil, invalidParam("Missing or malformed PASSWORD_CLAIM_SIGNATURE")
		}
		if err := c.checkSecretHash(name, r[ParamSecretHash]); err != nil {
			return nil, err
		}
		key, err := p.srpSeal.Open(st.SRPKey, []byte("srp-key "+raw))
		block, berr := base64.StdEncoding.DecodeString(raw)
		if err != nil || berr != nil {
			return nil, newErr(CodeNotAuthorized, msgSessionExpired)
		}
		if st.Custom {
			return p.customSRPAnswer(ctx, c, s, st, key, block, ts, sig, in.ClientMetadata)
		}
		if st.Decoy {
			if err := p.countAttempt(ctx, p.unknownKey(st.Login), st.From); err != nil {
				return nil, err
			}
			p.countSourceFailure(ctx, st.From)
			return nil, newErr(CodeNotAuthorized, msgIncorrect)
		}
		u, err := p.store.GetUser(ctx, p.cfg.ID, s.Subject)
		if errors.Is(err, store.ErrNotFound) {
			return nil, newErr(CodeNotAuthorized, msgIncorrect)
		}
		if err != nil {
			return nil, internalErr("srp", err)
		}
		deviceKey := r[ParamDeviceKey]
		if deviceKey != "" {
			if len(deviceKey) > maxDeviceKeyLen {
				return nil, invalidParam("DEVICE_KEY is too long")
			}
			if _, err := p.store.GetDevice(ctx, p.cfg.ID, u.Sub, deviceKey); errors.Is(err, store.ErrNotFound) {
				return nil, keepSession(newErr(CodeResourceNotFound, "Device does not exist."))
			} else if err != nil {
				return nil, internalErr("device", err)
			}
		}
		if err := p.countAttempt(ctx, u.Sub, st.From); err != nil {
			return nil, err
		}
		if !srp.VerifySignature(key, p.srpPoolName(), st.Username, block, ts, sig) {
			p.countSourceFailure(ctx, st.From)
			p.recordEvent(ctx, u, event{typ: EventSignIn, response: EventFail, caller: caller{ip: st.IP, userAgent: st.UserAgent, device: st.Device},
				challenges: []ChallengeResponseType{{ChallengeName: "Password", ChallengeResponse: "Failure"}}})
			return nil, newErr(CodeNotAuthorized, msgIncorrect)
		}
		req := &signInRequest{client: c, login: u.Username, deviceKey: deviceKey, meta: in.ClientMetadata, hosted: st.Hosted,
			caller: caller{ip: st.IP, userAgent: st.UserAgent, device: st.Device}}
		return p.passwordProved(ctx, req, u)
	})
}

// customSRPAnswer is CUSTOM_AUTH's SRP_A step answered: the result goes
// into the session history, right or wrong, and DefineAuthChallenge
// decides what follows, as for the plain PASSWORD_VERIFIER step.
func (p *UserPool) customSRPAnswer(ctx context.Context, c *appClient, s store.AuthSession, st challengeState, key, block []byte,
	ts, sig string, meta map[string]string) (*step, error) {
	var u store.User
	account := p.unknownKey(st.Login)
	if !st.Decoy {
		var err error
		if u, err = p.store.GetUser(ctx, p.cfg.ID, s.Subject); errors.Is(err, store.ErrNotFound) {
			return nil, newErr(CodeNotAuthorized, msgSessionExpired)
		} else if err != nil {
			return nil, internalErr("srp", err)
		}
		account = u.Sub
	}
	if err := p.countAttempt(ctx, account, st.From); err != nil {
		return nil, err
	}
	ok := !st.Decoy && srp.VerifySignature(key, p.srpPoolName(), st.Username, block, ts, sig)
	if !ok {
		p.countSourceFailure(ctx, st.From)
	}
	st.SRPKey = nil
	st.History = append(st.History, trigger.ChallengeResult{ChallengeName: string(ChallengePasswordVerifier), ChallengeResult: ok})
	return p.nextCustomStep(ctx, c, u, s.Subject, st, meta)
}

// timestampWindow is how far an SRP claim's TIMESTAMP may be from the
// pool's clock: the device's clock signs it, and devices drift.
const timestampWindow = 15 * time.Minute

// checkTimestamp refuses a TIMESTAMP that is not exactly Cognito's format
// or is outside the window. The claim covers it, so a recorded claim
// cannot be replayed later even if its block were still open.
func (p *UserPool) checkTimestamp(ts string) error {
	t, err := srp.ParseTimestamp(ts)
	if err != nil {
		return invalidParam("TIMESTAMP is not in Cognito's format")
	}
	if d := p.now().Sub(t); d > timestampWindow || d < -timestampWindow {
		return invalidParam("TIMESTAMP is more than 15 minutes from the server's time")
	}
	return nil
}

// decoyVerifier is a verifier for a login with none: a salt stable per
// login (a real user's salt does not change between tries) and a value in
// range, derived without exponentiation.
func (p *UserPool) decoyVerifier(login string) srp.Verifier {
	m := hmac.New(sha256.New, p.codeKey)
	m.Write([]byte("srp-decoy-salt\x00" + p.usernameKey(login)))
	salt := new(big.Int).SetBytes(m.Sum(nil)[:srp.SaltBytes])
	var v []byte
	for i := byte(0); len(v) < 384; i++ {
		m := hmac.New(sha256.New, p.codeKey)
		m.Write([]byte{i})
		m.Write([]byte("srp-decoy-verifier\x00" + p.usernameKey(login)))
		v = m.Sum(v)
	}
	v[0] &= 0x7f // below N, whose top bits are all ones
	return srp.Verifier{Salt: salt, V: new(big.Int).SetBytes(v[:384])}
}

// decoyUserID is the USER_ID_FOR_SRP of a login with no verifier. In a
// pool whose usernames are subs, or for a login that is an alias, a real
// user's ID is not what was typed: the decoy is a UUID stable per login.
func (p *UserPool) decoyUserID(login string) string {
	if len(p.cfg.UsernameAttributes) == 0 && !slices.ContainsFunc(p.cfg.AliasAttributes, func(a string) bool { return looksLike(a, login) }) {
		return login
	}
	m := hmac.New(sha256.New, p.codeKey)
	m.Write([]byte("srp-decoy-id\x00" + p.usernameKey(login)))
	b := m.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
