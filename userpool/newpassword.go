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
func (p *UserPool) newPasswordChallenge(ctx context.Context, c *appClient, u store.User, st challengeState) (*step, error) {
	st.DeviceKey = "" // the answer names the device
	session, err := p.newChallenge(ctx, c, u.Sub, ChallengeNewPasswordRequired, st)
	if err != nil {
		return nil, err
	}
	var required []string
	for name, s := range p.schema {
		if s.Required && u.Attributes[name] == "" {
			required = append(required, ParamUserAttributePrefix+name)
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
	return &step{challenge: &InitiateAuthOutput{ChallengeName: ChallengeNewPasswordRequired, Session: session, ChallengeParameters: map[string]string{
		ParamUserIDForSRP: u.Username, ParamRequiredAttributes: string(reqJSON), ParamUserAttributes: string(attrJSON),
	}}}, nil
}

// respondNewPassword completes NEW_PASSWORD_REQUIRED: NEW_PASSWORD plus
// userAttributes.<name> for required attributes.
func (p *UserPool) respondNewPassword(ctx context.Context, c *appClient, in answer) (*step, error) {
	r := in.ChallengeResponses
	return answerChallenge(ctx, p, c, in.by, in.Session, ChallengeNewPasswordRequired, func(s store.AuthSession, st challengeState) (*step, error) {
		// Until the password is set, every refusal leaves the session for
		// a corrected answer.
		fail := func(err error) (*step, error) { return nil, keepSession(err) }
		if len(r[ParamDeviceKey]) > maxDeviceKeyLen {
			return fail(invalidParam("DEVICE_KEY is too long"))
		}
		u, err := p.store.GetUser(ctx, p.cfg.ID, s.Subject)
		if errors.Is(err, store.ErrNotFound) {
			return nil, newErr(CodeNotAuthorized, msgSessionExpired)
		}
		if err != nil {
			return fail(internalErr("new password", err))
		}
		if name := r[ParamUsername]; name != st.Username && name != u.Username {
			return fail(invalidParam("USERNAME does not match the session"))
		}
		if err := c.checkSecretHash(r[ParamUsername], r[ParamSecretHash]); err != nil {
			return fail(err)
		}
		if !u.Enabled { // disabled since the challenge began
			return nil, newErr(CodeNotAuthorized, msgDisabled)
		}
		var attrs []Attribute
		for k, v := range r {
			if name, ok := strings.CutPrefix(k, ParamUserAttributePrefix); ok {
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
		pw := r[ParamNewPassword]
		if pw == "" {
			return fail(invalidParam("Missing required parameter NEW_PASSWORD"))
		}
		if err := p.checkPassword(pw, u.Username, merged["email"], p.cfg.Name); err != nil {
			return fail(err)
		}
		cred, err := p.passwordCredential(ctx, u.Sub, u.Username, pw)
		if err != nil {
			return fail(err)
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
			u.Aliases = p.aliasesOf(u.Attributes, u.Aliases)
			u.Password = cred
			u.Status = store.StatusConfirmed
			return nil
		})
		if err != nil {
			return nil, err
		}
		st.DeviceKey = r[ParamDeviceKey]
		return p.afterFirstFactor(ctx, c, u, st, sourceNewPasswordChallenge)
	})
}
