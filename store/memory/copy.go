package memory

import (
	"maps"
	"slices"

	"github.com/cupola-auth/cupola/store"
)

// The clones below keep nil as nil so a record reads back as it was given.

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return slices.Clone(b)
}

func cloneUser(u store.User) store.User {
	u.Attributes = maps.Clone(u.Attributes)
	u.Aliases = maps.Clone(u.Aliases)
	u.MFA.TOTPSecret = cloneBytes(u.MFA.TOTPSecret)
	u.MFA.TOTPPending = cloneBytes(u.MFA.TOTPPending)
	u.MFA.WebAuthnCeremony = cloneBytes(u.MFA.WebAuthnCeremony)
	if u.MFA.RecoveryCodes != nil {
		codes := make([][]byte, len(u.MFA.RecoveryCodes))
		for i, c := range u.MFA.RecoveryCodes {
			codes[i] = cloneBytes(c)
		}
		u.MFA.RecoveryCodes = codes
	}
	return u
}

func cloneDevice(d store.Device) store.Device {
	d.Verifier = cloneBytes(d.Verifier)
	d.Attributes = maps.Clone(d.Attributes)
	return d
}

func cloneClient(c store.Client) store.Client {
	c.Secret = cloneBytes(c.Secret)
	st := &c.Settings
	st.ExplicitAuthFlows = slices.Clone(st.ExplicitAuthFlows)
	st.ReadAttributes = slices.Clone(st.ReadAttributes)
	st.WriteAttributes = slices.Clone(st.WriteAttributes)
	st.CallbackURLs = slices.Clone(st.CallbackURLs)
	st.LogoutURLs = slices.Clone(st.LogoutURLs)
	st.AllowedOAuthFlows = slices.Clone(st.AllowedOAuthFlows)
	st.AllowedOAuthScopes = slices.Clone(st.AllowedOAuthScopes)
	return c
}

func cloneCode(c store.Code) store.Code {
	c.Hash = cloneBytes(c.Hash)
	return c
}

func cloneSession(s store.AuthSession) store.AuthSession {
	s.Data = cloneBytes(s.Data)
	return s
}

func cloneFamily(f store.RefreshFamily) store.RefreshFamily {
	f.Scopes = slices.Clone(f.Scopes)
	return f
}

func cloneKey(k store.SigningKey) store.SigningKey {
	k.Private = cloneBytes(k.Private)
	return k
}

func cloneServer(r store.ResourceServer) store.ResourceServer {
	r.Scopes = slices.Clone(r.Scopes)
	return r
}

func cloneEvent(e store.AuthEvent) store.AuthEvent {
	e.ChallengeResponses = maps.Clone(e.ChallengeResponses)
	e.FeedbackToken = cloneBytes(e.FeedbackToken)
	return e
}
