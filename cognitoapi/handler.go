package cognitoapi

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/cupola-auth/cupola/internal/random"
	"github.com/cupola-auth/cupola/userpool"
)

// targetPrefix starts every X-Amz-Target Cognito answers.
const targetPrefix = "AWSCognitoIdentityProviderService."

// contentType is AWS JSON 1.1's media type.
const contentType = "application/x-amz-json-1.1"

// Options configure the handler.
type Options struct {
	// AccessKeys maps an access key ID to its secret access key: the
	// credentials admin actions must be signed with (AWS Signature Version
	// 4). Without any, admin actions are refused.
	AccessKeys map[string]string
	// Region is the region signatures must name; empty accepts any.
	// ARNs (ListTagsForResource…) name it, or us-east-1 when empty.
	Region string
	// AccountID is the account ARNs name; empty means 000000000000.
	AccountID string
	// MaxBodyBytes bounds a request body; zero means 1 MiB.
	MaxBodyBytes int64
	// Clock returns the current time; nil means time.Now.
	Clock func() time.Time
	// Logger receives internal errors (never secrets); nil discards.
	Logger *slog.Logger
}

// handler serves Cognito's JSON API for a set of pools.
type handler struct {
	pools   []*userpool.UserPool
	opts    Options
	now     func() time.Time
	log     *slog.Logger
	replays *replayCache
	actions map[string]action
	// known are Cognito's action names (cognito_actions.go).
	known map[string]bool
}

// New returns an http.Handler speaking Cognito's AWS JSON 1.1 API
// (https://cognito-idp.<region>.amazonaws.com/) for pools: POST / with
// X-Amz-Target AWSCognitoIdentityProviderService.<Action>. Public actions
// find their pool by ClientId (or the pool that issued an AccessToken),
// admin actions by UserPoolId and need a Signature Version 4 signature by
// one of Options.AccessKeys.
func New(pools []*userpool.UserPool, opts Options) (http.Handler, error) {
	if len(pools) == 0 {
		return nil, errors.New("cognitoapi: no pools")
	}
	seen := map[string]bool{}
	for _, p := range pools {
		if p == nil || seen[p.ID()] {
			return nil, errors.New("cognitoapi: a nil or repeated pool")
		}
		seen[p.ID()] = true
	}
	for id, secret := range opts.AccessKeys {
		if id == "" || len(secret) < 16 {
			return nil, fmt.Errorf("cognitoapi: access key %q needs an ID and a secret of at least 16 characters", id)
		}
	}
	if opts.MaxBodyBytes == 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	h := &handler{pools: pools, opts: opts, now: opts.Clock, log: opts.Logger}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	h.replays = newReplayCache(signatureWindow * 2)
	h.actions = actionTable()
	h.known = cognitoActions()
	return h, nil
}

// ServeHTTP answers one action. Every answer carries x-amzn-RequestId.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id, err := random.UUID(rand.Reader)
	if err != nil {
		id = fmt.Sprintf("%d", h.now().UnixNano())
	}
	w.Header().Set("x-amzn-RequestId", id)
	out, err := h.serve(r)
	if err != nil {
		h.writeError(w, r, id, err)
		return
	}
	body, err := json.Marshal(out)
	if err != nil {
		h.writeError(w, r, id, fmt.Errorf("encode answer: %w", err))
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// serve reads, authenticates and runs the request.
func (h *handler) serve(r *http.Request) (any, error) {
	if r.Method != http.MethodPost || (r.URL.Path != "/" && r.URL.Path != "") {
		return nil, wireErr(http.StatusNotFound, "UnknownOperationException", "")
	}
	name, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), targetPrefix)
	if !ok || name == "" {
		return nil, wireErr(http.StatusBadRequest, "UnknownOperationException", "")
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || (mt != contentType && mt != "application/json") {
		return nil, wireErr(http.StatusBadRequest, "SerializationException", "Content-Type must be "+contentType)
	}
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, h.opts.MaxBodyBytes))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, wireErr(http.StatusRequestEntityTooLarge, "SerializationException", "The request body is too large.")
	}
	if err != nil {
		return nil, wireErr(http.StatusBadRequest, "SerializationException", "The request body could not be read.")
	}
	a, ok := h.actions[name]
	if !ok && h.known[name] {
		return nil, unsupported(name)
	}
	if !ok {
		return nil, wireErr(http.StatusBadRequest, "UnknownOperationException", "")
	}
	ctx := r.Context()
	if a.admin {
		key, err := h.verifySignature(r, body)
		if err != nil {
			return nil, err
		}
		// The pool's audit log names who made the change.
		ctx = userpool.WithActor(ctx, "iam:"+key)
	}
	return a.run(ctx, h, body)
}

// decode reads a request body into in, refusing what AWS JSON would.
func decode(body []byte, in any) error {
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := json.Unmarshal(body, in); err != nil {
		return wireErr(http.StatusBadRequest, "SerializationException", "The request body is not the action's JSON.")
	}
	return nil
}

// poolByID is the pool with that ID.
func (h *handler) poolByID(id string) (*userpool.UserPool, error) {
	for _, p := range h.pools {
		if p.ID() == id {
			return p, nil
		}
	}
	if id == "" {
		return nil, paramErr("Missing required parameter UserPoolId")
	}
	return nil, wireErr(http.StatusBadRequest, "ResourceNotFoundException", "User pool "+clip(id)+" does not exist.")
}

// poolByClient is the pool that has the app client.
func (h *handler) poolByClient(ctx context.Context, clientID string) (*userpool.UserPool, error) {
	if clientID == "" {
		return nil, paramErr("Missing required parameter ClientId")
	}
	if len(h.pools) == 1 {
		return h.pools[0], nil // the pool answers an unknown client itself
	}
	for _, p := range h.pools {
		ok, err := p.HasClient(ctx, clientID)
		if err != nil {
			return nil, err
		}
		if ok {
			return p, nil
		}
	}
	return nil, wireErr(http.StatusBadRequest, "ResourceNotFoundException", "User pool client "+clip(clientID)+" does not exist.")
}

// poolByToken is the pool that issued a JWT (its iss claim); the pool
// verifies the token itself.
func (h *handler) poolByToken(tok string) (*userpool.UserPool, error) {
	if tok == "" {
		return nil, paramErr("Missing required parameter AccessToken")
	}
	if len(h.pools) == 1 {
		return h.pools[0], nil // the pool verifies the token itself
	}
	invalid := wireErr(http.StatusBadRequest, "NotAuthorizedException", "Invalid Access Token")
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || len(parts[1]) > 16<<10 {
		return nil, invalid
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Iss string `json:"iss"`
	}
	if err != nil || json.Unmarshal(raw, &claims) != nil {
		return nil, invalid
	}
	for _, p := range h.pools {
		if p.Issuer() == claims.Iss {
			return p, nil
		}
	}
	return nil, invalid
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
