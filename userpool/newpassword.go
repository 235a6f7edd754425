package userpool

import (
	"context"
	"encoding/json"
	"errors"
	"sort"
	"strings"

	"github.com/cupola-auth/cupola/store"
)

// newPasswordChallenge answers a correct temporary password: the user must
// choose a password (and give any missing required attributes).
func (p *UserPool) newPasswordChallenge(ctx context.Context, c *appClient, u store.User, login, source string) (*InitiateAuthOutput, error) {
	session, err := p.newChallenge(ctx, c, u.Sub, ChallengeNewPasswordRequired, challengeState{Username: login, Source: source})
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
	if !u.Enabled { // disabled since the challenge began
		return nil, newErr(CodeNotAuthorized, msgDisabled)
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
	source := sourceNewPasswordChallenge
	if st.Source == sourceHostedAuth {
		source = sourceHostedAuth
	}
	return p.afterFirstFactor(ctx, c, u, st.Username, r, source)
}
