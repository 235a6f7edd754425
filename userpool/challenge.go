package userpool

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/store"
)

// Challenge names (cognito.md §2).
const (
	ChallengeNewPasswordRequired ChallengeName = "NEW_PASSWORD_REQUIRED"
)

// sessionTokenBytes is the entropy of a challenge Session string.
const sessionTokenBytes = 48

// msgSessionExpired is the message Cognito's clients match on.
const msgSessionExpired = "Invalid session for the user, session is expired."

// challengeState is what a Session remembers between steps.
type challengeState struct {
	// Username is the name the user signed in with; responses must repeat
	// it (or the user's username) as USERNAME.
	Username string `json:"u"`
}

// newChallenge opens a single-use, expiring Session for the next step of
// u's sign-in at client c.
func (p *UserPool) newChallenge(ctx context.Context, c *appClient, u store.User, name ChallengeName, st challengeState) (string, error) {
	raw, err := random.Token(p.random, sessionTokenBytes)
	if err != nil {
		return "", internalErr("challenge session", err)
	}
	data, err := json.Marshal(st)
	if err != nil {
		return "", internalErr("challenge session", err)
	}
	now := p.now()
	err = p.store.PutAuthSession(ctx, store.AuthSession{PoolID: p.cfg.ID, ID: sessionID(raw), Subject: u.Sub, ClientID: c.ID,
		Challenge: string(name), Data: data, ExpiresAt: now.Add(c.Settings.AuthSessionValidity), CreatedAt: now})
	if err != nil {
		return "", internalErr("challenge session", err)
	}
	return raw, nil
}

// sessionID is how a Session is stored: its hash, so a database read does
// not yield live sessions.
func sessionID(raw string) string {
	h := sha256.Sum256([]byte(raw))
	return base64.RawURLEncoding.EncodeToString(h[:])
}

// takeChallenge consumes the Session for a response. The returned restore
// puts it back unchanged, for answers refused before they were checked
// (bad input) so the user can correct them within the session's lifetime.
func (p *UserPool) takeChallenge(ctx context.Context, c *appClient, raw string, name ChallengeName) (store.AuthSession, challengeState, func(), error) {
	var st challengeState
	expired := newErr(CodeNotAuthorized, msgSessionExpired)
	if raw == "" || len(raw) > 1024 {
		return store.AuthSession{}, st, nil, expired
	}
	s, err := p.store.ConsumeAuthSession(ctx, p.cfg.ID, sessionID(raw), p.now())
	if errors.Is(err, store.ErrNotFound) {
		return s, st, nil, expired
	}
	if err != nil {
		return s, st, nil, internalErr("challenge session", err)
	}
	if s.ClientID != c.ID || s.Challenge != string(name) || json.Unmarshal(s.Data, &st) != nil {
		return s, st, nil, expired
	}
	restore := func() {
		if err := p.store.PutAuthSession(context.WithoutCancel(ctx), s); err != nil {
			p.log.WarnContext(ctx, "challenge session not restored", "err", err)
		}
	}
	return s, st, restore, nil
}

// RespondToAuthChallengeInput is RespondToAuthChallenge's request.
type RespondToAuthChallengeInput struct {
	ClientID           string
	ChallengeName      ChallengeName
	Session            string
	ChallengeResponses map[string]string
	ClientMetadata     map[string]string
}

// RespondToAuthChallenge answers a challenge from InitiateAuth with the
// Session it returned. Each Session is good for one answer.
func (p *UserPool) RespondToAuthChallenge(ctx context.Context, in RespondToAuthChallengeInput) (*InitiateAuthOutput, error) {
	c, err := p.client(ctx, in.ClientID)
	if err != nil {
		return nil, err
	}
	return p.respond(ctx, c, in)
}

// AdminRespondToAuthChallenge is RespondToAuthChallenge for trusted back
// ends (the answer to AdminInitiateAuth's challenges).
func (p *UserPool) AdminRespondToAuthChallenge(ctx context.Context, in RespondToAuthChallengeInput) (*InitiateAuthOutput, error) {
	return p.RespondToAuthChallenge(ctx, in)
}

func (p *UserPool) respond(ctx context.Context, c *appClient, in RespondToAuthChallengeInput) (*InitiateAuthOutput, error) {
	switch in.ChallengeName {
	case ChallengeNewPasswordRequired:
		return p.respondNewPassword(ctx, c, in)
	case "":
		return nil, invalidParam("Missing required parameter ChallengeName")
	default:
		return nil, invalidParam("Unsupported challenge " + sanitize(string(in.ChallengeName)))
	}
}

// newPasswordChallenge answers a correct temporary password: the user must
// choose a password (and give any missing required attributes).
func (p *UserPool) newPasswordChallenge(ctx context.Context, c *appClient, u store.User, login string) (*InitiateAuthOutput, error) {
	session, err := p.newChallenge(ctx, c, u, ChallengeNewPasswordRequired, challengeState{Username: login})
	if err != nil {
		return nil, err
	}
	var required []string
	for name, s := range p.schema {
		if s.Required && u.Attributes[name] == "" {
			required = append(required, "userAttributes."+name)
		}
	}
	sort.Strings(required)
	reqJSON, _ := json.Marshal(required)
	shown := map[string]string{}
	for k, v := range u.Attributes {
		if c.readable(k) {
			shown[k] = v
		}
	}
	attrJSON, _ := json.Marshal(shown)
	return &InitiateAuthOutput{ChallengeName: ChallengeNewPasswordRequired, Session: session, ChallengeParameters: map[string]string{
		"USER_ID_FOR_SRP": u.Username, "requiredAttributes": string(reqJSON), "userAttributes": string(attrJSON),
	}}, nil
}

// respondNewPassword completes NEW_PASSWORD_REQUIRED: NEW_PASSWORD plus
// userAttributes.<name> for required attributes.
func (p *UserPool) respondNewPassword(ctx context.Context, c *appClient, in RespondToAuthChallengeInput) (*InitiateAuthOutput, error) {
	r := in.ChallengeResponses
	s, st, restore, err := p.takeChallenge(ctx, c, in.Session, ChallengeNewPasswordRequired)
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*InitiateAuthOutput, error) {
		restore()
		return nil, err
	}
	u, err := p.store.GetUser(ctx, p.cfg.ID, s.Subject)
	if errors.Is(err, store.ErrNotFound) {
		return nil, newErr(CodeNotAuthorized, msgSessionExpired)
	}
	if err != nil {
		return fail(internalErr("new password", err))
	}
	if name := r["USERNAME"]; name != st.Username && name != u.Username {
		return fail(invalidParam("USERNAME does not match the session"))
	}
	if err := c.checkSecretHash(r["USERNAME"], r["SECRET_HASH"]); err != nil {
		return fail(err)
	}
	var attrs []Attribute
	for k, v := range r {
		if name, ok := strings.CutPrefix(k, "userAttributes."); ok {
			attrs = append(attrs, Attribute{Name: name, Value: v})
		}
	}
	vals, err := p.checkAttributes(attrs, false)
	if err != nil {
		return fail(err)
	}
	for name := range vals {
		if !c.writable(name) {
			return fail(newErr(CodeNotAuthorized, "A client attempted to write unauthorized attribute "+name))
		}
	}
	merged := userAttrs(u)
	for k, v := range vals {
		merged[k] = v
	}
	if missing := p.requiredMissing(merged); missing != "" {
		return fail(invalidParam("Attributes did not conform to the schema: " + missing + ": The attribute is required"))
	}
	pw := r["NEW_PASSWORD"]
	if pw == "" {
		return fail(invalidParam("Missing required parameter NEW_PASSWORD"))
	}
	if err := p.checkPassword(pw, u.Username, merged["email"], p.cfg.Name); err != nil {
		return fail(err)
	}
	hash, err := p.hasher.Hash(ctx, pw)
	if err != nil {
		return fail(p.hashErr(err))
	}
	u, err = p.modifyUser(ctx, "new password", u.Sub, func(u *store.User) error {
		if u.Status != store.StatusForceChangePassword {
			return newErr(CodeNotAuthorized, msgSessionExpired)
		}
		for k, v := range vals {
			if flag, ok := verifiedFlags[k]; ok && u.Attributes[k] != v {
				u.Attributes[flag] = "false"
			}
			u.Attributes[k] = v
		}
		u.Aliases = p.aliasesOf(u.Attributes)
		u.Password = store.PasswordCredential{Hash: hash, ChangedAt: p.now()}
		u.Status = store.StatusConfirmed
		return nil
	})
	if err != nil {
		return nil, err
	}
	res, err := p.startSession(ctx, c, u, []string{ScopeAdmin})
	if err != nil {
		return nil, err
	}
	return &InitiateAuthOutput{AuthenticationResult: res}, nil
}
