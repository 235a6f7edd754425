package hostedui

import (
	"net/http"
	"strings"

	"github.com/cupola-auth/cupola/userpool"
)

// attributeLabels name the standard attributes a form may ask for.
var attributeLabels = map[string]string{
	"email": "Email", "phone_number": "Phone number", "name": "Name", "given_name": "Given name",
	"family_name": "Family name", "middle_name": "Middle name", "nickname": "Nickname",
	"preferred_username": "Preferred username", "birthdate": "Birth date", "gender": "Gender",
	"locale": "Locale", "zoneinfo": "Time zone", "website": "Website", "profile": "Profile page",
	"picture": "Picture", "address": "Address",
}

// attributeField describes the input for a user attribute.
func attributeField(name string) attribute {
	a := attribute{Name: name, Label: attributeLabels[name], Type: "text"}
	if a.Label == "" {
		a.Label = strings.TrimPrefix(name, "custom:")
	}
	switch name {
	case "email":
		a.Type, a.Autocomplete = "email", "email"
	case "phone_number":
		a.Type, a.Autocomplete = "tel", "tel"
	case "name":
		a.Autocomplete = "name"
	case "given_name":
		a.Autocomplete = "given-name"
	case "family_name":
		a.Autocomplete = "family-name"
	case "birthdate":
		a.Autocomplete = "bday"
	default:
		a.Autocomplete = "off"
	}
	return a
}

func (h *handler) signUpAttributes() []attribute {
	out := make([]attribute, 0, len(h.cfg.SignUpAttributes))
	for _, n := range h.cfg.SignUpAttributes {
		out = append(out, attributeField(n))
	}
	return out
}

// getSignup shows the sign-up form: username, password and the
// configured attributes.
func (h *handler) getSignup(w http.ResponseWriter, r *http.Request) {
	if !h.oauth.SignUpAllowed() {
		h.errorPage(w, http.StatusNotFound, "This page does not exist.")
		return
	}
	sess, f, ok := h.pageFlow(w, r)
	if !ok {
		return
	}
	if !h.cognitoAllowed(w, r, f) {
		return
	}
	p := h.flowPage(w, sess, f, "Sign up", "/signup")
	p.Values["username"], p.Focus = "", "username"
	p.Attributes = h.signUpAttributes()
	h.show(w, "signup", p, f)
}

// postSignup signs the user up and asks for the confirmation code, or
// sends an account confirmed at once to the login page.
func (h *handler) postSignup(w http.ResponseWriter, r *http.Request) {
	if !h.oauth.SignUpAllowed() {
		h.errorPage(w, http.StatusNotFound, "This page does not exist.")
		return
	}
	sess, f, form, ok := h.postFlow(w, r)
	if !ok {
		return
	}
	if !h.cognitoAllowed(w, r, f) {
		return
	}
	p := h.newPage(sess, "Sign up", "/signup")
	p.Attributes = h.signUpAttributes()
	username, password := strings.TrimSpace(form.Get("username")), form.Get("password")
	p.Values["username"] = username
	fields := []string{"username", "password"}
	var attrs []userpool.Attribute
	for _, a := range p.Attributes {
		v := strings.TrimSpace(form.Get(a.Name))
		p.Values[a.Name] = v
		fields = append(fields, a.Name)
		if v != "" {
			attrs = append(attrs, userpool.Attribute{Name: a.Name, Value: v})
		}
	}
	if username == "" {
		p.Errors["username"] = "Choose a username."
	}
	if password == "" {
		p.Errors["password"] = "Choose a password."
	}
	if len(p.Errors) > 0 {
		p.Status = http.StatusBadRequest
		h.show(w, "signup", p, f)
		return
	}
	out, err := h.pool.SignUp(r.Context(), userpool.SignUpInput{ClientID: f.Auth.ClientID, UserContextData: userContext(r), SecretHash: h.secretHash(r, f, username), Username: username,
		Password: password, UserAttributes: attrs})
	if err != nil {
		h.showError(r, p, err, fields...)
		h.show(w, "signup", p, f)
		return
	}
	f.Username, f.Challenge = username, nil
	next := "/confirmUser"
	if out.UserConfirmed {
		f.Notice, next = "Your account is ready. Sign in.", "/login"
	} else if out.CodeDeliveryDetails != nil {
		f.Destination = out.CodeDeliveryDetails.Destination
	}
	if err := h.writeFlow(w, f); err != nil {
		h.errorPage(w, http.StatusInternalServerError, "Sign-up is temporarily unavailable.")
		return
	}
	redirect(w, r, h.cfg.url(next))
}

// getConfirmUser asks for the code sent at sign-up.
func (h *handler) getConfirmUser(w http.ResponseWriter, r *http.Request) {
	sess, f, ok := h.pageFlow(w, r)
	if !ok {
		return
	}
	if !h.cognitoAllowed(w, r, f) {
		return
	}
	p := h.flowPage(w, sess, f, "Confirm your account", "/confirmUser")
	p.Focus = "code"
	if f.Username == "" {
		p.Focus = "username"
	}
	h.show(w, "confirmUser", p, f)
}

// postConfirmUser confirms the account with the code, or sends a new one.
func (h *handler) postConfirmUser(w http.ResponseWriter, r *http.Request) {
	sess, f, form, ok := h.postFlow(w, r)
	if !ok {
		return
	}
	if !h.cognitoAllowed(w, r, f) {
		return
	}
	p := h.newPage(sess, "Confirm your account", "/confirmUser")
	username := strings.TrimSpace(form.Get("username"))
	p.Values["username"] = username
	p.Destination = f.Destination
	if username == "" {
		p.Errors["username"] = "Enter your username."
		p.Status = http.StatusBadRequest
		h.show(w, "confirmUser", p, f)
		return
	}
	if form.Has("resend") {
		d, err := h.pool.ResendConfirmationCode(r.Context(), userpool.ResendConfirmationCodeInput{ClientID: f.Auth.ClientID, UserContextData: userContext(r), Username: username, SecretHash: h.secretHash(r, f, username)})
		if err != nil {
			h.showError(r, p, err, "username")
			h.show(w, "confirmUser", p, f)
			return
		}
		f.Username, f.Destination, f.Notice = username, d.Destination, "We sent you a new code."
		h.writeFlowAndGo(w, r, f, "/confirmUser")
		return
	}
	code := strings.TrimSpace(form.Get("code"))
	if code == "" {
		p.Errors["code"] = "Enter the code we sent you."
		p.Status = http.StatusBadRequest
		h.show(w, "confirmUser", p, f)
		return
	}
	_, err := h.pool.ConfirmSignUp(r.Context(), userpool.ConfirmSignUpInput{ClientID: f.Auth.ClientID, UserContextData: userContext(r), SecretHash: h.secretHash(r, f, username), Username: username, ConfirmationCode: code})
	if err != nil {
		h.showError(r, p, err, "username", "code")
		h.show(w, "confirmUser", p, f)
		return
	}
	f.Username, f.Destination, f.Notice = username, "", "Your account is confirmed. Sign in."
	h.writeFlowAndGo(w, r, f, "/login")
}

// writeFlowAndGo stores f and redirects to one of the hosted pages.
func (h *handler) writeFlowAndGo(w http.ResponseWriter, r *http.Request, f *flow, path string) {
	if err := h.writeFlow(w, f); err != nil {
		h.cfg.Logger.ErrorContext(r.Context(), "sign-in state not stored", "err", err)
		h.errorPage(w, http.StatusInternalServerError, "Sign-in is temporarily unavailable.")
		return
	}
	redirect(w, r, h.cfg.url(path))
}
