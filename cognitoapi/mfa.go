package cognitoapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/cupola-auth/cupola/userpool"
)

// MFA: setting up an authenticator (AssociateSoftwareToken,
// VerifySoftwareToken) and choosing factors (SetUserMFAPreference public,
// by AccessToken; AdminSetUserMFAPreference signed, by UserPoolId).
//
// AssociateSoftwareToken and VerifySoftwareToken name the user by an
// AccessToken, or by the Session of an MFA_SETUP challenge. A Session is
// bound to the app client the sign-in began at, which Cognito's request
// does not name; the pool needs it. So with a Session and no AccessToken
// the handler:
//
//   - uses ClientId when the request carries one (Cupola's addition to
//     Cognito's request: clients that send it skip the search below);
//   - otherwise, when it serves a single pool, tries the session with each
//     of the pool's app clients until one does not refuse it (a session
//     given with another client's ID is refused without being spent);
//   - otherwise answers InvalidParameterException: with several pools,
//     send the AccessToken (or ClientId).
//
// Cupola's recovery codes, issued by VerifySoftwareToken, and the
// otpauth:// URI and QR code of AssociateSoftwareToken are not in
// Cognito's answers and are left out.

type softwareTokenRequest struct {
	AccessToken        string `json:"AccessToken"`
	Session            string `json:"Session"`
	ClientID           string `json:"ClientId"` // Cupola's addition, with Session
	UserCode           string `json:"UserCode"`
	FriendlyDeviceName string `json:"FriendlyDeviceName"`
}

// sessionExpired is the pool's answer to a Session it does not hold for
// the client given (its message is the one Cognito's clients match on).
const sessionExpired = "Invalid session for the user, session is expired."

// bySession runs call for a request naming its user by a challenge Session
// alone: with the pool and app client the session belongs to (see above).
func (h *handler) bySession(ctx context.Context, clientID string, call func(p *userpool.UserPool, clientID string) (any, error)) (any, error) {
	if clientID != "" {
		p, err := h.poolByClient(ctx, clientID)
		if err != nil {
			return nil, err
		}
		return call(p, clientID)
	}
	if len(h.pools) != 1 {
		return nil, paramErr("AccessToken is required when several pools are served")
	}
	p := h.pools[0]
	var refused error
	for next := ""; ; {
		page, err := p.ListUserPoolClients(ctx, userpool.ListUserPoolClientsInput{NextToken: next})
		if err != nil {
			return nil, err
		}
		for _, c := range page.UserPoolClients {
			out, err := call(p, c.ClientID)
			var pe *userpool.Error
			if !errors.As(err, &pe) || (pe.Code != userpool.CodeNotAuthorized && pe.Code != userpool.CodeResourceNotFound) {
				return out, err
			}
			// Not this client's session, or this client's and refused (too
			// many attempts): keep the more telling answer.
			if refused == nil || (pe.Code == userpool.CodeNotAuthorized && pe.Message != sessionExpired) {
				refused = err
			}
		}
		if next = page.NextToken; next == "" {
			break
		}
	}
	if refused == nil {
		refused = wireErr(http.StatusBadRequest, string(userpool.CodeNotAuthorized), sessionExpired)
	}
	return nil, refused
}

func associateSoftwareToken(ctx context.Context, h *handler, in *softwareTokenRequest) (any, error) {
	run := func(p *userpool.UserPool, clientID string) (any, error) {
		out, err := p.AssociateSoftwareToken(ctx, userpool.AssociateSoftwareTokenInput{AccessToken: in.AccessToken,
			Session: in.Session, ClientID: clientID})
		if err != nil {
			return nil, err
		}
		return struct {
			SecretCode string `json:"SecretCode,omitempty"`
			Session    string `json:"Session,omitempty"`
		}{out.SecretCode, out.Session}, nil
	}
	return h.byTokenOrSession(ctx, in, run)
}

func verifySoftwareToken(ctx context.Context, h *handler, in *softwareTokenRequest) (any, error) {
	run := func(p *userpool.UserPool, clientID string) (any, error) {
		out, err := p.VerifySoftwareToken(ctx, userpool.VerifySoftwareTokenInput{AccessToken: in.AccessToken, Session: in.Session,
			ClientID: clientID, UserCode: in.UserCode, FriendlyDeviceName: in.FriendlyDeviceName})
		if err != nil {
			return nil, err
		}
		return struct {
			Status  string `json:"Status,omitempty"`
			Session string `json:"Session,omitempty"`
		}{out.Status, out.Session}, nil
	}
	return h.byTokenOrSession(ctx, in, run)
}

// byTokenOrSession finds the pool of a software-token request: the issuer
// of its AccessToken, or the holder of its Session.
func (h *handler) byTokenOrSession(ctx context.Context, in *softwareTokenRequest, run func(p *userpool.UserPool, clientID string) (any, error)) (any, error) {
	switch {
	case in.AccessToken != "":
		p, err := h.poolByToken(in.AccessToken)
		if err != nil {
			return nil, err
		}
		return run(p, in.ClientID)
	case in.Session != "":
		return h.bySession(ctx, in.ClientID, run)
	}
	return nil, paramErr("Give exactly one of AccessToken and Session")
}

// mfaSettingsType is Cognito's SoftwareTokenMfaSettingsType,
// SMSMfaSettingsType and EmailMfaSettingsType.
type mfaSettingsType struct {
	Enabled      bool `json:"Enabled"`
	PreferredMfa bool `json:"PreferredMfa"`
}

func (s *mfaSettingsType) pool() *userpool.MFASettings {
	if s == nil {
		return nil
	}
	return &userpool.MFASettings{Enabled: s.Enabled, PreferredMfa: s.PreferredMfa}
}

type mfaPreferenceRequest struct {
	AccessToken              string           `json:"AccessToken"`
	UserPoolID               string           `json:"UserPoolId"`
	Username                 string           `json:"Username"`
	SoftwareTokenMfaSettings *mfaSettingsType `json:"SoftwareTokenMfaSettings"`
	SMSMfaSettings           *mfaSettingsType `json:"SMSMfaSettings"`
	EmailMfaSettings         *mfaSettingsType `json:"EmailMfaSettings"`
	WebAuthnMfaSettings      *struct {
		Enabled bool `json:"Enabled"`
	} `json:"WebAuthnMfaSettings"`
}

// check refuses a passkey as second factor, which the pool does not have.
func (in *mfaPreferenceRequest) check() error {
	if in.WebAuthnMfaSettings != nil && in.WebAuthnMfaSettings.Enabled {
		return paramErr("WebAuthn MFA is not supported: passkeys are a first factor in Cupola")
	}
	return nil
}

func setUserMFAPreference(ctx context.Context, h *handler, in *mfaPreferenceRequest) (any, error) {
	p, err := h.poolByToken(in.AccessToken)
	if err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	if _, err := p.SetUserMFAPreference(ctx, userpool.SetUserMFAPreferenceInput{AccessToken: in.AccessToken,
		SoftwareTokenMfaSettings: in.SoftwareTokenMfaSettings.pool(), SMSMfaSettings: in.SMSMfaSettings.pool(),
		EmailMfaSettings: in.EmailMfaSettings.pool()}); err != nil {
		return nil, err
	}
	return empty{}, nil
}

func adminSetUserMFAPreference(ctx context.Context, h *handler, in *mfaPreferenceRequest) (any, error) {
	p, err := h.poolByID(in.UserPoolID)
	if err != nil {
		return nil, err
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	if _, err := p.AdminSetUserMFAPreference(ctx, userpool.AdminSetUserMFAPreferenceInput{Username: in.Username,
		SoftwareTokenMfaSettings: in.SoftwareTokenMfaSettings.pool(), SMSMfaSettings: in.SMSMfaSettings.pool(),
		EmailMfaSettings: in.EmailMfaSettings.pool()}); err != nil {
		return nil, err
	}
	return empty{}, nil
}
