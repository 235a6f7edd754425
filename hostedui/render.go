package hostedui

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"net/http"
	"slices"
	"strings"

	"github.com/cupola-auth/cupola/userpool"
)

//go:embed templates/*.html
var embeddedTemplates embed.FS

// pageNames are the page templates; each defines "content" and is
// rendered inside layout.html's "layout".
var pageNames = []string{"login", "signup", "confirmUser", "forgotPassword", "confirmForgotPassword",
	"mfa", "selectMfa", "mfaSetup", "recoveryCodes", "newPassword", "logout", "feedback", "error",
	"passkey", "addPasskey"}

// loadTemplates parses every page with the layout, each file taken from
// override when it has it and from the embedded set otherwise.
func loadTemplates(override fs.FS) (map[string]*template.Template, error) {
	read := func(name string) ([]byte, error) {
		if override != nil {
			b, err := fs.ReadFile(override, name)
			if err == nil {
				return b, nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("hostedui: template %s: %w", name, err)
			}
		}
		b, err := embeddedTemplates.ReadFile("templates/" + name)
		if err != nil {
			return nil, fmt.Errorf("hostedui: template %s: %w", name, err)
		}
		return b, nil
	}
	layout, err := read("layout.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*template.Template{}
	for _, name := range pageNames {
		src, err := read(name + ".html")
		if err != nil {
			return nil, err
		}
		t, err := template.New("layout.html").Funcs(template.FuncMap{"field": newField, "optional": optional}).Parse(string(layout))
		if err == nil {
			_, err = t.New(name + ".html").Parse(string(src))
		}
		if err == nil && t.Lookup("layout") == nil {
			err = errors.New(`layout.html does not define "layout"`)
		}
		if err == nil && t.Lookup("content") == nil {
			err = errors.New(`the page does not define "content"`)
		}
		if err != nil {
			return nil, fmt.Errorf("hostedui: template %s: %w", name, err)
		}
		// A dry run finds what parsing cannot: a missing "field" or
		// "csrf" template, a field the page struct lacks.
		sample := &page{Errors: map[string]string{"code": "x"}, Values: map[string]string{}, Choices: []choice{{"A", "a"}},
			Attributes: []attribute{{Name: "email", Label: "Email", Type: "email"}}, Recovery: []string{"x"}}
		if err := t.ExecuteTemplate(io.Discard, "layout", sample); err != nil {
			return nil, fmt.Errorf("hostedui: template %s: %w", name, err)
		}
		out[name] = t
	}
	return out, nil
}

// page is what every template receives.
type page struct {
	Lang, Title, Heading string
	// BaseURL and Action are absolute URLs from Options.BaseURL.
	BaseURL, Action string
	CSRF            string
	AssetsURL       string
	LogoURL         string
	LogoName        string
	LegalText       string
	Notice, Error   string
	// Errors maps a field name to its error message; Values pre-fills fields.
	Errors, Values map[string]string
	// Focus is the field that gets autofocus: the first in error, else the
	// page's first field.
	Focus string
	// Page-specific data.
	Destination   string
	ChallengeName string
	Choices       []choice
	Attributes    []attribute
	Secret        string
	QRCode        template.URL
	Recovery      []string
	Status        int
	// SignUp is whether the pool lets users register themselves.
	SignUp bool
	// The login page's sign-in options: the password form (Cognito), a
	// button per identity provider, an email field routing to one.
	Cognito        bool
	Providers      []provider
	IdpIdentifiers bool
	// Passkeys is whether the login page offers "Sign in with a passkey".
	Passkeys bool
	// PasskeyOptions are the JSON options of a passkey ceremony (request
	// options on /passkey, creation options on /passkeys/add), which the
	// page's form carries in its data-options attribute for passkey.js.
	PasskeyOptions string
	// Script is set on the passkey pages: the only pages whose CSP lets
	// the hosted UI's own script (assets/passkey.js) run.
	Script bool
}

type provider struct{ Name, URL string }

type choice struct{ Value, Label string }

type attribute struct{ Name, Label, Type, Autocomplete string }

// field is one labelled input, as the "field" template renders it.
type field struct {
	Name, Label, Type, Autocomplete, Value, Error string
	Autofocus, Required                           bool
}

// newField is the templates' "field" function: the input name, its label,
// type and autocomplete token, with the page's value and error.
func newField(p *page, name, label, typ, autocomplete string) field {
	f := field{Name: name, Label: label, Type: typ, Autocomplete: autocomplete, Required: true,
		Value: p.Values[name], Error: p.Errors[name], Autofocus: p.Focus == name}
	if typ == "password" {
		f.Value = "" // never echo a password
	}
	return f
}

// optional is the templates' "optional" function: the field may be empty.
func optional(f field) field {
	f.Required = false
	return f
}

func (h *handler) newPage(sess *session, heading, path string) *page {
	p := &page{Lang: "en", Title: heading, Heading: heading,
		BaseURL: h.cfg.baseURL, Action: h.cfg.url(path), AssetsURL: h.cfg.url("/assets"),
		LogoName: h.cfg.Branding.LogoName, LegalText: h.cfg.Branding.LegalText,
		Errors: map[string]string{}, Values: map[string]string{}, Status: http.StatusOK, SignUp: h.oauth.SignUpAllowed()}
	if t := h.cfg.Branding.Title; t != "" {
		p.Title += " – " + t
	}
	if len(h.cfg.Branding.LogoPNG) > 0 {
		p.LogoURL = h.cfg.url("/assets/logo")
	}
	if sess != nil {
		p.CSRF = sess.CSRF
	}
	return p
}

// render writes a page. Pages carry CSRF tokens and sometimes secrets, so
// none is stored by any cache. formOrigin, when set, is added to the
// page's CSP form-action: a form that signs the user in is answered with a
// 303 to the client's redirect URI, and browsers apply form-action to that
// redirect too. A page with p.Script (the passkey pages) may run the
// hosted UI's own scripts; every other page runs none.
func (h *handler) render(w http.ResponseWriter, name string, p *page, formOrigin string) {
	if p.Focus == "" {
		for _, k := range []string{"username", "code", "password", "email", "answer"} {
			if p.Errors[k] != "" {
				p.Focus = k
				break
			}
		}
	}
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", p); err != nil {
		h.cfg.Logger.Error("hosted ui template failed", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Pragma", "no-cache")
	if formOrigin != "" || p.Script {
		hd.Set("Content-Security-Policy", csp(formOrigin, p.Script))
	}
	w.WriteHeader(p.Status)
	_, _ = w.Write(buf.Bytes())
}

// errorPage shows an error that must not be redirected anywhere.
func (h *handler) errorPage(w http.ResponseWriter, status int, msg string) {
	p := h.newPage(nil, "Something went wrong", "/")
	p.Error, p.Status = msg, status
	h.render(w, "error", p, "")
}

// poolError maps a userpool error onto the field it concerns, a message
// safe to show and a status.
func (h *handler) poolError(r *http.Request, err error) (fieldName, msg string, status int) {
	var pe *userpool.Error
	if !errors.As(err, &pe) {
		var oe *userpool.OAuthError
		if errors.As(err, &oe) && oe.Status < 500 {
			return "", oe.Description, http.StatusBadRequest
		}
		h.cfg.Logger.ErrorContext(r.Context(), "hosted ui pool call failed", "err", err)
		return "", "Something went wrong. Please try again.", http.StatusInternalServerError
	}
	msg = pe.Message
	status = http.StatusBadRequest
	switch pe.Code {
	case userpool.CodeCodeMismatch, userpool.CodeExpiredCode:
		fieldName = "code"
	case userpool.CodeInvalidPassword, userpool.CodePasswordHistoryViolation:
		fieldName = "password"
	case userpool.CodeUsernameExists, userpool.CodeUserNotFound:
		fieldName = "username"
	case userpool.CodeAliasExists:
		fieldName = "email"
	case userpool.CodeLimitExceeded, userpool.CodeTooManyRequests, userpool.CodeTooManyFailedAttempts:
		status = http.StatusTooManyRequests
	case userpool.CodeInternalError, userpool.CodeCodeDeliveryFailure, userpool.CodeInvalidUserPoolConfig:
		h.cfg.Logger.ErrorContext(r.Context(), "hosted ui pool call failed", "err", err)
		status = http.StatusInternalServerError
		if pe.Code == userpool.CodeInternalError {
			msg = "Something went wrong. Please try again."
		}
	}
	if msg == "" {
		msg = strings.TrimSuffix(string(pe.Code), "Exception")
	}
	return fieldName, msg, status
}

// showError puts a pool error on page p: next to its field when the page
// has that field (fields), else at the top of the form.
func (h *handler) showError(r *http.Request, p *page, err error, fields ...string) {
	f, msg, status := h.poolError(r, err)
	p.Status = status
	if f != "" && slices.Contains(fields, f) {
		p.Errors[f] = msg
		return
	}
	p.Error = msg
}
