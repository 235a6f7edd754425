package hostedui

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/cupola-auth/cupola/userpool"
)

// The feedback page answers the two links of the pool's email about a
// risky sign-in, "this was me" and "this wasn't me":
// BaseURL/feedback?username=…&event_id=…&token=…&value=Valid (or Invalid).
// Mail scanners and link previews fetch such links, so the GET only shows
// a page whose one form, with the session's CSRF token, sends the same
// parameters back; the POST records the feedback with the pool
// (UpdateAuthEventFeedback), which takes each token once. No sign-in is in
// progress here, so neither method needs the flow cookie.

// The feedback parameters' bounds: the pool's own (a username of 128
// characters, an event ID of 64, a token of 256).
const (
	maxFeedbackUsername = 128
	maxFeedbackEventID  = 64
	maxFeedbackToken    = 256
)

// feedbackRequest is one link's parameters.
type feedbackRequest struct {
	Username, EventID, Token, Value string
}

// feedbackParams validates a link's parameters, from the query (GET) or
// the form (POST): each present once, bounded, and value Valid or Invalid.
// Other parameters (a mailer's tracking ones) are ignored.
func feedbackParams(v url.Values) (*feedbackRequest, *errParams) {
	if p := single(v); p != nil {
		return nil, p
	}
	req := &feedbackRequest{Username: v.Get("username"), EventID: v.Get("event_id"), Token: v.Get("token"), Value: v.Get("value")}
	for _, f := range []struct {
		name, value string
		max         int
	}{
		{"username", req.Username, maxFeedbackUsername},
		{"event_id", req.EventID, maxFeedbackEventID},
		{"token", req.Token, maxFeedbackToken},
	} {
		switch {
		case f.value == "":
			return nil, badParams(f.name + " is required")
		case len(f.value) > f.max:
			return nil, badParams(f.name + " is too long")
		}
	}
	if req.Value != userpool.FeedbackValid && req.Value != userpool.FeedbackInvalid {
		return nil, badParams("value must be Valid or Invalid")
	}
	return req, nil
}

// getFeedback shows the confirmation page of a feedback link. It changes
// nothing: the form it shows does.
func (h *handler) getFeedback(w http.ResponseWriter, r *http.Request) {
	v, perr := query(r)
	var req *feedbackRequest
	if perr == nil {
		req, perr = feedbackParams(v)
	}
	if perr != nil {
		h.errorPage(w, perr.status, "The link is invalid: "+perr.msg+".")
		return
	}
	sess, err := h.ensureSession(w, r)
	if err != nil {
		h.cfg.Logger.ErrorContext(r.Context(), "session not started", "err", err)
		h.errorPage(w, http.StatusInternalServerError, "This page is temporarily unavailable.")
		return
	}
	p := h.newPage(sess, "Was this you?", "/feedback")
	p.Values["username"], p.Values["event_id"], p.Values["token"], p.Values["value"] = req.Username, req.EventID, req.Token, req.Value
	h.render(w, "feedback", p, "")
}

// postFeedback is the confirmation page's form: it records the feedback
// and shows the outcome. A token that is wrong, forged or used gets the
// same page whatever the username, as the pool answers alike.
func (h *handler) postFeedback(w http.ResponseWriter, r *http.Request) {
	form, perr := postForm(w, r)
	if perr != nil {
		h.errorPage(w, perr.status, "The form is invalid: "+perr.msg+".")
		return
	}
	if !checkCSRF(h.readSession(r), form.Get(csrfField)) {
		h.errorPage(w, http.StatusForbidden, "This form has expired. Open the link in the email again.")
		return
	}
	form.Del(csrfField)
	req, perr := feedbackParams(form)
	if perr != nil {
		h.errorPage(w, perr.status, "The form is invalid: "+perr.msg+".")
		return
	}
	_, err := h.pool.UpdateAuthEventFeedback(r.Context(), userpool.UpdateAuthEventFeedbackInput{Username: req.Username,
		EventID: req.EventID, FeedbackToken: req.Token, FeedbackValue: req.Value})
	switch {
	case errors.Is(err, userpool.ErrNotAuthorized):
		p := h.newPage(nil, "This link cannot be used", "/feedback")
		p.Error, p.Status = "The link is invalid or was already used.", http.StatusBadRequest
		h.render(w, "feedback", p, "")
		return
	case err != nil:
		_, msg, status := h.poolError(r, err)
		h.errorPage(w, status, msg)
		return
	}
	heading, notice := "Thank you", "Thanks — we've noted it was you."
	if req.Value == userpool.FeedbackInvalid {
		heading, notice = "Your account is signed out", "We've signed your account out everywhere. Reset your password."
	}
	p := h.newPage(nil, heading, "/feedback")
	p.Notice = notice
	h.render(w, "feedback", p, "")
}
