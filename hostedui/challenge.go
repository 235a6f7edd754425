package hostedui

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/cupola-auth/cupola/userpool"
)

// The challenge pages answer the pool's challenges of a hosted sign-in:
// /mfa (a TOTP, SMS or email code), /selectMfa, /mfaSetup (TOTP set-up)
// and /newPassword (NEW_PASSWORD_REQUIRED). The challenge's Session lives
// in the sealed flow cookie, never in the page.

// challengePage is pageFlow for a challenge page: the flow must hold a
// challenge of one of the names.
func (h *handler) challengePage(w http.ResponseWriter, r *http.Request, names ...userpool.ChallengeName) (*session, *flow, bool) {
	sess, f, ok := h.pageFlow(w, r)
	if !ok || !h.inChallenge(w, r, f, names) {
		return nil, nil, false
	}
	return sess, f, true
}

// challengeForm is postFlow for a challenge page: the flow must hold a
// challenge of one of the names.
func (h *handler) challengeForm(w http.ResponseWriter, r *http.Request, names ...userpool.ChallengeName) (*session, *flow, url.Values, bool) {
	sess, f, form, ok := h.postFlow(w, r)
	if !ok || !h.inChallenge(w, r, f, names) {
		return nil, nil, nil, false
	}
	return sess, f, form, true
}

// inChallenge reports whether f holds a challenge of one of the names, and
// otherwise restarts the sign-in: the page was reached with the back
// button or from another tab after the challenge was answered, or never
// through a challenge at all.
func (h *handler) inChallenge(w http.ResponseWriter, r *http.Request, f *flow, names []userpool.ChallengeName) bool {
	if f.Challenge == nil || !slices.Contains(names, f.Challenge.Name) {
		h.restart(w, r, f, "Your sign-in session has expired. Sign in again.")
		return false
	}
	return true
}

// respond answers the flow's challenge and moves on. Answers the pool
// refused without spending the session (a wrong code, a bad value) are
// shown on page p; any other failure ends the challenge.
func (h *handler) respond(w http.ResponseWriter, r *http.Request, f *flow, responses map[string]string, name string, p *page, fields ...string) {
	c := f.Challenge
	responses["USERNAME"] = c.Username
	out, err := h.oauth.RespondToAuthChallenge(r.Context(), userpool.RespondToAuthChallengeInput{ClientID: f.Auth.ClientID,
		ChallengeName: c.Name, Session: c.Session, ChallengeResponses: responses})
	if err != nil {
		h.challengeError(w, r, f, err, name, p, fields...)
		return
	}
	h.advance(w, r, f, c.Username, out)
}

// challengeError shows err on the page when the challenge can be answered
// again, and otherwise restarts the sign-in with the reason.
func (h *handler) challengeError(w http.ResponseWriter, r *http.Request, f *flow, err error, name string, p *page, fields ...string) {
	if errors.Is(err, userpool.ErrCodeMismatch) || errors.Is(err, userpool.ErrInvalidParameter) ||
		errors.Is(err, userpool.ErrInvalidPassword) || errors.Is(err, &userpool.Error{Code: userpool.CodePasswordHistoryViolation}) {
		h.showError(r, p, err, fields...)
		h.show(w, name, p, f)
		return
	}
	_, msg, status := h.poolError(r, err)
	if status >= 500 {
		h.errorPage(w, status, msg)
		return
	}
	h.restart(w, r, f, msg)
}

// codeChallenges are the challenges the /mfa page answers with a code.
var codeChallenges = []userpool.ChallengeName{userpool.ChallengeSoftwareTokenMFA, userpool.ChallengeSMSMFA,
	userpool.ChallengeEmailOTP, userpool.ChallengeSMSOTP}

// getMFA asks for the code of SOFTWARE_TOKEN_MFA (or a recovery code),
// SMS_MFA, EMAIL_OTP or SMS_OTP.
func (h *handler) getMFA(w http.ResponseWriter, r *http.Request) {
	sess, f, ok := h.challengePage(w, r, codeChallenges...)
	if !ok {
		return
	}
	p := h.flowPage(w, sess, f, "Enter your code", "/mfa")
	p.ChallengeName, p.Focus = string(f.Challenge.Name), "code"
	h.show(w, "mfa", p, f)
}

// postMFA answers the challenge with the code.
func (h *handler) postMFA(w http.ResponseWriter, r *http.Request) {
	sess, f, form, ok := h.challengeForm(w, r, codeChallenges...)
	if !ok {
		return
	}
	p := h.newPage(sess, "Enter your code", "/mfa")
	p.Destination = f.Destination
	p.ChallengeName, p.Focus = string(f.Challenge.Name), "code"
	code := strings.TrimSpace(form.Get("code"))
	if code == "" {
		p.Errors["code"] = "Enter the code."
		p.Status = http.StatusBadRequest
		h.show(w, "mfa", p, f)
		return
	}
	key := map[userpool.ChallengeName]string{userpool.ChallengeSoftwareTokenMFA: "SOFTWARE_TOKEN_MFA_CODE",
		userpool.ChallengeSMSMFA: "SMS_MFA_CODE", userpool.ChallengeEmailOTP: "EMAIL_OTP_CODE",
		userpool.ChallengeSMSOTP: "SMS_OTP_CODE"}[f.Challenge.Name]
	h.respond(w, r, f, map[string]string{key: code}, "mfa", p, "code")
}

// factorLabels name the second factors for people.
var factorLabels = map[string]string{
	userpool.FactorTOTP:  "Authenticator app",
	userpool.FactorSMS:   "Text message (SMS)",
	userpool.FactorEmail: "Email",
}

// factorChoices are the factors c lets the user choose from.
func factorChoices(c *challenge) []choice {
	var out []choice
	for _, v := range c.Choices {
		label := factorLabels[v]
		if label == "" {
			label = v
		}
		out = append(out, choice{Value: v, Label: label})
	}
	return out
}

// getSelectMFA offers the user's factors to choose from.
func (h *handler) getSelectMFA(w http.ResponseWriter, r *http.Request) {
	sess, f, ok := h.challengePage(w, r, userpool.ChallengeSelectMFAType)
	if !ok {
		return
	}
	p := h.flowPage(w, sess, f, "Choose how to verify", "/selectMfa")
	p.Choices = factorChoices(f.Challenge)
	h.show(w, "selectMfa", p, f)
}

// postSelectMFA answers the challenge with the factor chosen.
func (h *handler) postSelectMFA(w http.ResponseWriter, r *http.Request) {
	sess, f, form, ok := h.challengeForm(w, r, userpool.ChallengeSelectMFAType)
	if !ok {
		return
	}
	p := h.newPage(sess, "Choose how to verify", "/selectMfa")
	p.Choices = factorChoices(f.Challenge)
	answer := form.Get("answer")
	if !slices.Contains(f.Challenge.Choices, answer) {
		p.Errors["answer"] = "Choose one of the options."
		p.Status = http.StatusBadRequest
		h.show(w, "selectMfa", p, f)
		return
	}
	h.respond(w, r, f, map[string]string{"ANSWER": answer}, "selectMfa", p, "answer")
}

// getMFASetup shows the authenticator app secret of MFA_SETUP, as a QR
// code and as text: the first visit starts one, reloads show the same.
// Once postMFASetup has enabled it, the page shows the new recovery codes
// instead, once, before returning to the client.
func (h *handler) getMFASetup(w http.ResponseWriter, r *http.Request) {
	if h.showsRecovery(r) {
		h.getRecoveryCodes(w, r)
		return
	}
	sess, f, ok := h.challengePage(w, r, userpool.ChallengeMFASetup)
	if !ok {
		return
	}
	c := f.Challenge
	p := h.newPage(sess, "Set up your authenticator app", "/mfaSetup")
	p.Focus = "code"
	if c.Secret != "" {
		h.setupPage(w, p, f, nil)
		return
	}
	out, err := h.pool.AssociateSoftwareToken(r.Context(), userpool.AssociateSoftwareTokenInput{Session: c.Session, ClientID: f.Auth.ClientID})
	if err != nil {
		h.challengeError(w, r, f, err, "mfaSetup", p)
		return
	}
	c.Session, c.Secret, c.URI = out.Session, out.SecretCode, out.URI
	if err := h.writeFlow(w, f); err != nil {
		h.errorPage(w, http.StatusInternalServerError, "Sign-in is temporarily unavailable.")
		return
	}
	h.setupPage(w, p, f, out.QRCodePNG)
}

// postMFASetup enables the secret if the code is right, which signs the
// user in; after the recovery codes it returns to the client.
func (h *handler) postMFASetup(w http.ResponseWriter, r *http.Request) {
	if h.showsRecovery(r) {
		h.postRecoveryCodes(w, r)
		return
	}
	sess, f, form, ok := h.challengeForm(w, r, userpool.ChallengeMFASetup)
	if !ok {
		return
	}
	c := f.Challenge
	p := h.newPage(sess, "Set up your authenticator app", "/mfaSetup")
	p.Focus = "code"
	code := strings.TrimSpace(form.Get("code"))
	p.Values["friendlyDeviceName"] = strings.TrimSpace(form.Get("friendlyDeviceName"))
	if code == "" {
		p.Errors["code"] = "Enter the code from your app."
		p.Status = http.StatusBadRequest
		h.setupPage(w, p, f, nil)
		return
	}
	v, err := h.pool.VerifySoftwareToken(r.Context(), userpool.VerifySoftwareTokenInput{Session: c.Session, ClientID: f.Auth.ClientID,
		UserCode: code, FriendlyDeviceName: p.Values["friendlyDeviceName"]})
	if err != nil {
		if errors.Is(err, userpool.ErrCodeMismatch) || errors.Is(err, userpool.ErrInvalidParameter) {
			h.showError(r, p, err, "code")
			h.setupPage(w, p, f, nil)
			return
		}
		h.challengeError(w, r, f, err, "mfaSetup", p, "code")
		return
	}
	out, err := h.oauth.RespondToAuthChallenge(r.Context(), userpool.RespondToAuthChallengeInput{ClientID: f.Auth.ClientID,
		ChallengeName: userpool.ChallengeMFASetup, Session: v.Session, ChallengeResponses: map[string]string{"USERNAME": c.Username}})
	if err != nil {
		h.challengeError(w, r, f, err, "mfaSetup", p, "code")
		return
	}
	if out.Principal == nil || len(v.RecoveryCodes) == 0 {
		h.advance(w, r, f, c.Username, out)
		return
	}
	if _, err := h.newSession(w, out.Principal); err != nil {
		h.errorPage(w, http.StatusInternalServerError, "Sign-in is temporarily unavailable.")
		return
	}
	f.Challenge, f.Recovery = nil, v.RecoveryCodes
	h.writeFlowAndGo(w, r, f, "/mfaSetup")
}

// setupPage shows the TOTP secret being set up, as text and as a QR code
// (png, or one rendered again from the secret's URI).
func (h *handler) setupPage(w http.ResponseWriter, p *page, f *flow, png []byte) {
	c := f.Challenge
	p.Secret = c.Secret
	if len(png) == 0 && c.URI != "" {
		png, _ = h.oauth.QRCode(c.URI)
	}
	if len(png) > 0 {
		// A data: URL is a trusted template.URL: it is the pool's own PNG.
		p.QRCode = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
	}
	h.show(w, "mfaSetup", p, f)
}

// showsRecovery reports whether a TOTP set-up has finished and the
// /mfaSetup page now shows its recovery codes.
func (h *handler) showsRecovery(r *http.Request) bool {
	f := h.readFlow(r)
	return f != nil && len(f.Recovery) > 0 && f.Challenge == nil
}

// getRecoveryCodes shows the recovery codes of a finished TOTP set-up.
func (h *handler) getRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	sess, f, ok := h.pageFlow(w, r)
	if !ok {
		return
	}
	if !sess.signedIn() {
		h.restart(w, r, f, "Your sign-in session has expired. Sign in again.")
		return
	}
	p := h.newPage(sess, "Save your recovery codes", "/mfaSetup")
	p.Recovery = f.Recovery
	h.show(w, "recoveryCodes", p, f)
}

// postRecoveryCodes completes the authorization once the user has saved
// the recovery codes.
func (h *handler) postRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	sess, f, _, ok := h.postFlow(w, r)
	if !ok {
		return
	}
	if !sess.signedIn() {
		h.restart(w, r, f, "Your sign-in session has expired. Sign in again.")
		return
	}
	pr, err := h.oauth.Principal(r.Context(), sess.principal())
	if err != nil {
		h.restart(w, r, f, "Your sign-in session has expired. Sign in again.")
		return
	}
	h.finish(w, r, f, pr)
}

// requiredAttributes are the inputs for the attributes c requires.
func requiredAttributes(c *challenge) []attribute {
	var out []attribute
	for _, a := range c.Required {
		out = append(out, attributeField(a))
	}
	return out
}

// getNewPassword asks for the new password of NEW_PASSWORD_REQUIRED, with
// any required attributes the user lacks.
func (h *handler) getNewPassword(w http.ResponseWriter, r *http.Request) {
	sess, f, ok := h.challengePage(w, r, userpool.ChallengeNewPasswordRequired)
	if !ok {
		return
	}
	p := h.flowPage(w, sess, f, "Choose a new password", "/newPassword")
	p.Focus = "password"
	p.Attributes = requiredAttributes(f.Challenge)
	h.show(w, "newPassword", p, f)
}

// postNewPassword answers the challenge with the new password and
// attributes.
func (h *handler) postNewPassword(w http.ResponseWriter, r *http.Request) {
	sess, f, form, ok := h.challengeForm(w, r, userpool.ChallengeNewPasswordRequired)
	if !ok {
		return
	}
	p := h.newPage(sess, "Choose a new password", "/newPassword")
	p.Focus = "password"
	p.Attributes = requiredAttributes(f.Challenge)
	password := form.Get("password")
	responses := map[string]string{"NEW_PASSWORD": password}
	fields := []string{"password"}
	for _, a := range p.Attributes {
		v := strings.TrimSpace(form.Get(a.Name))
		p.Values[a.Name] = v
		fields = append(fields, a.Name)
		if v == "" {
			p.Errors[a.Name] = "This is required."
		}
		responses["userAttributes."+a.Name] = v
	}
	if password == "" {
		p.Errors["password"] = "Choose a new password."
	}
	if len(p.Errors) > 0 {
		p.Status = http.StatusBadRequest
		h.show(w, "newPassword", p, f)
		return
	}
	h.respond(w, r, f, responses, "newPassword", p, fields...)
}
