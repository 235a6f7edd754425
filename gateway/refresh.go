package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// refreshReuse is how long the outcome of a refresh is handed to requests
// carrying the same (now replaced) session: a page's parallel requests
// after the access token lapsed make one refresh, not one each, which
// matters to a provider that rotates refresh tokens and revokes the
// family on reuse.
const refreshReuse = 30 * time.Second

// maxRefreshCalls bounds the outcomes kept.
const maxRefreshCalls = 4096

// errNoRefreshToken: the session's access token lapsed and there is no
// refresh token to renew it.
var errNoRefreshToken = errors.New("no refresh token")

// refresher runs one refresh per refresh token at a time and shares its
// outcome for refreshReuse.
type refresher struct {
	now   func() time.Time
	mu    sync.Mutex
	calls map[[sha256.Size]byte]*refreshCall
}

type refreshCall struct {
	done chan struct{}
	s    *session
	err  error
	at   time.Time // when it ended; zero while it runs
}

func newRefresher(now func() time.Time) *refresher {
	return &refresher{now: now, calls: map[[sha256.Size]byte]*refreshCall{}}
}

// do returns the refreshed session of s: fn's answer, run by the first
// caller with a context that outlives it (the provider may rotate the
// refresh token, so its answer must not be lost), or the answer of a
// refresh of the same token that is running or ended within refreshReuse.
func (f *refresher) do(ctx context.Context, s *session, fn func(context.Context) (*session, error)) (*session, error) {
	if s.RefreshToken == "" {
		return nil, errNoRefreshToken
	}
	key := sha256.Sum256([]byte(s.RefreshToken))
	now := f.now()
	f.mu.Lock()
	for k, c := range f.calls {
		if !c.at.IsZero() && now.Sub(c.at) >= refreshReuse {
			delete(f.calls, k)
		}
	}
	c, running := f.calls[key]
	if !running {
		c = &refreshCall{done: make(chan struct{})}
		if len(f.calls) < maxRefreshCalls {
			f.calls[key] = c
		}
	}
	f.mu.Unlock()

	if !running {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultHTTPTimeout)
		fresh, err := fn(rctx)
		cancel()
		f.mu.Lock()
		c.s, c.err, c.at = fresh, err, f.now()
		f.mu.Unlock()
		close(c.done)
	}
	select {
	case <-c.done:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for refresh: %w", ctx.Err())
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return c.s, c.err
}

// refreshSession renews s's tokens with its refresh token (x/oauth2's
// TokenSource). A new ID token must verify and name the same user (OpenID
// Connect Core §12.2); the refresh token is kept unless the provider sent
// a new one.
func (g *gateway) refreshSession(ctx context.Context, s *session) (*session, error) {
	ctx = oidc.ClientContext(ctx, g.cfg.HTTPClient)
	tok, err := g.oauth.TokenSource(ctx, &oauth2.Token{RefreshToken: s.RefreshToken}).Token()
	if err != nil {
		return nil, fmt.Errorf("refresh: %w", err)
	}
	now := g.cfg.Now()
	fresh := *s
	fresh.AccessToken = tok.AccessToken
	if tok.RefreshToken != "" {
		fresh.RefreshToken = tok.RefreshToken
	}
	idExpiry := time.Time{}
	if rawID, _ := tok.Extra("id_token").(string); rawID != "" {
		id, err := g.verifier.Verify(ctx, rawID)
		if err != nil {
			return nil, fmt.Errorf("refreshed id token: %w", err)
		}
		if id.Subject != s.Subject {
			return nil, errors.New("refreshed id token names another user")
		}
		var claims json.RawMessage
		if err := id.Claims(&claims); err != nil {
			return nil, fmt.Errorf("refreshed id token: %w", err)
		}
		fresh.IDClaims = claims
		idExpiry = id.Expiry
	}
	exp := accessExpiry(tok, idExpiry, now)
	if exp.IsZero() {
		return nil, errors.New("refreshed access token without expiry")
	}
	fresh.AccessExpiry = exp.Unix()
	return &fresh, nil
}
