package hostedui

import (
	"net/http"
	"strings"

	"github.com/cupola-auth/cupola/userpool"
)

// getForgotPassword asks for the username whose password to reset.
func (h *handler) getForgotPassword(w http.ResponseWriter, r *http.Request) {
	sess, f, ok := h.pageFlow(w, r)
	if !ok {
		return
	}
	if !h.cognitoAllowed(w, r, f) {
		return
	}
	p := h.flowPage(w, sess, f, "Reset your password", "/forgotPassword")
	p.Focus = "username"
	h.show(w, "forgotPassword", p, f)
}

// postForgotPassword sends a reset code. With user existence errors
// prevented (the default), unknown users get the same answer and no code.
func (h *handler) postForgotPassword(w http.ResponseWriter, r *http.Request) {
	sess, f, form, ok := h.postFlow(w, r)
	if !ok {
		return
	}
	if !h.cognitoAllowed(w, r, f) {
		return
	}
	p := h.newPage(sess, "Reset your password", "/forgotPassword")
	username := strings.TrimSpace(form.Get("username"))
	p.Values["username"] = username
	if username == "" {
		p.Errors["username"] = "Enter your username."
		p.Status = http.StatusBadRequest
		h.show(w, "forgotPassword", p, f)
		return
	}
	d, err := h.pool.ForgotPassword(r.Context(), userpool.ForgotPasswordInput{ClientID: f.Auth.ClientID, UserContextData: userContext(r), Username: username, SecretHash: h.secretHash(r, f, username)})
	if err != nil {
		h.showError(r, p, err, "username")
		h.show(w, "forgotPassword", p, f)
		return
	}
	f.Username, f.Destination, f.Challenge = username, "", nil
	if d != nil {
		f.Destination = d.Destination
	}
	h.writeFlowAndGo(w, r, f, "/confirmForgotPassword")
}

// getConfirmForgotPassword asks for the reset code and a new password.
func (h *handler) getConfirmForgotPassword(w http.ResponseWriter, r *http.Request) {
	sess, f, ok := h.pageFlow(w, r)
	if !ok {
		return
	}
	if !h.cognitoAllowed(w, r, f) {
		return
	}
	p := h.flowPage(w, sess, f, "Choose a new password", "/confirmForgotPassword")
	p.Focus = "code"
	if f.Username == "" {
		p.Focus = "username"
	}
	h.show(w, "confirmForgotPassword", p, f)
}

// postConfirmForgotPassword sets the new password if the code is right.
func (h *handler) postConfirmForgotPassword(w http.ResponseWriter, r *http.Request) {
	sess, f, form, ok := h.postFlow(w, r)
	if !ok {
		return
	}
	if !h.cognitoAllowed(w, r, f) {
		return
	}
	p := h.newPage(sess, "Choose a new password", "/confirmForgotPassword")
	username, code, password := strings.TrimSpace(form.Get("username")), strings.TrimSpace(form.Get("code")), form.Get("password")
	p.Values["username"], p.Values["code"] = username, code
	p.Destination = f.Destination
	if username == "" {
		p.Errors["username"] = "Enter your username."
	}
	if code == "" {
		p.Errors["code"] = "Enter the code we sent you."
	}
	if password == "" {
		p.Errors["password"] = "Choose a new password."
	}
	if len(p.Errors) > 0 {
		p.Status = http.StatusBadRequest
		h.show(w, "confirmForgotPassword", p, f)
		return
	}
	_, err := h.pool.ConfirmForgotPassword(r.Context(), userpool.ConfirmForgotPasswordInput{ClientID: f.Auth.ClientID, UserContextData: userContext(r), SecretHash: h.secretHash(r, f, username),
		Username: username, ConfirmationCode: code, Password: password})
	if err != nil {
		h.showError(r, p, err, "username", "code", "password")
		h.show(w, "confirmForgotPassword", p, f)
		return
	}
	f.Username, f.Destination, f.Notice = username, "", "Your password has been changed. Sign in with it."
	h.writeFlowAndGo(w, r, f, "/login")
}
