package userpool_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

func TestRefreshIssuesNewTokensOfTheSameSignIn(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	first := e.mustSignIn("alice", goodPW)
	e.clock.Advance(10 * time.Minute)

	refreshers := []struct {
		name string
		run  func(rt string) (*userpool.AuthenticationResult, error)
	}{
		{"REFRESH_TOKEN_AUTH", func(rt string) (*userpool.AuthenticationResult, error) { return e.refresh(webClient, rt) }},
		{"REFRESH_TOKEN", func(rt string) (*userpool.AuthenticationResult, error) {
			out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowRefreshToken,
				ClientID: webClient, AuthParameters: map[string]string{"REFRESH_TOKEN": rt}})
			if err != nil {
				return nil, err
			}
			return out.AuthenticationResult, nil
		}},
		{"GetTokensFromRefreshToken", func(rt string) (*userpool.AuthenticationResult, error) { return e.rotate(webClient, rt) }},
	}
	a0, i0 := e.accessClaims(first.AccessToken), e.idClaims(first.IDToken)
	rt := first.RefreshToken
	for _, r := range refreshers {
		t.Run(r.name, func(t *testing.T) {
			res, err := r.run(rt)
			wantNoError(t, "refresh", err)
			// The web client is public: its refresh tokens rotate.
			if res.RefreshToken == "" || res.RefreshToken == rt {
				t.Fatal("a public client's refresh token did not rotate")
			}
			rt = res.RefreshToken
			a, i := e.accessClaims(res.AccessToken), e.idClaims(res.IDToken)
			if !a.AuthTime.Equal(a0.AuthTime) || !i.AuthTime.Equal(i0.AuthTime) {
				t.Errorf("auth_time %v / %v, want the sign-in's %v", a.AuthTime, i.AuthTime, a0.AuthTime)
			}
			if a.OriginJTI != a0.OriginJTI || i.OriginJTI != a0.OriginJTI {
				t.Errorf("origin_jti %s / %s, want %s", a.OriginJTI, i.OriginJTI, a0.OriginJTI)
			}
			if a.JTI == a0.JTI || !a.IssuedAt.Equal(e.clock.Now()) {
				t.Errorf("jti %s iat %v: want a fresh token issued now", a.JTI, a.IssuedAt)
			}
			if a.Subject != a0.Subject || strings.Join(a.Scopes, " ") != userpool.ScopeAdmin || a.ClientID != webClient {
				t.Errorf("claims changed on refresh: %+v", a)
			}
		})
	}
	// The newest refresh token still works.
	_, err := e.refresh(webClient, rt)
	wantNoError(t, "refresh with the newest token", err)
}

// RFC 9700 §4.14.2: a public client's refresh tokens rotate whatever its
// RefreshTokenRotation says, and a spent one revokes the sign-in; a
// confidential client rotates only when asked.
func TestPublicClientsAlwaysRotateRefreshTokens(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	e.passwordClient("spa") // RefreshTokenRotation left false
	first, err := e.signInWith("spa", "alice", goodPW, nil)
	wantNoError(t, "sign in", err)
	next, err := e.refresh("spa", first.RefreshToken)
	wantNoError(t, "refresh", err)
	if next.RefreshToken == "" || next.RefreshToken == first.RefreshToken {
		t.Fatal("a public client's refresh token did not rotate")
	}
	_, err = e.refresh("spa", first.RefreshToken)
	wantCode(t, err, userpool.CodeRefreshTokenReuse)
	_, err = e.refresh("spa", next.RefreshToken)
	wantCode(t, err, userpool.CodeNotAuthorized) // the whole sign-in was revoked

	conf := e.passwordClient("backend", func(c *userpool.ClientConfig) { c.GenerateSecret = true })
	signedIn, err := e.signInWith("backend", "alice", goodPW,
		map[string]string{"SECRET_HASH": secretHash(conf.ClientSecret, "alice", "backend")})
	wantNoError(t, "confidential sign in", err)
	for range 2 {
		out, err := e.pool.GetTokensFromRefreshToken(e.ctx, userpool.GetTokensFromRefreshTokenInput{ClientID: "backend",
			ClientSecret: conf.ClientSecret, RefreshToken: signedIn.RefreshToken})
		wantNoError(t, "confidential refresh", err)
		if out.RefreshToken != "" {
			t.Fatal("a confidential client that did not ask for rotation got a new refresh token")
		}
	}
}

func TestRefreshedIDTokensShowCurrentAttributes(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	res := e.mustSignIn("alice", goodPW)
	_, err := e.pool.UpdateUserAttributes(e.ctx, userpool.UpdateUserAttributesInput{AccessToken: res.AccessToken,
		UserAttributes: []userpool.Attribute{{Name: "name", Value: "Alice Liddell"}}})
	wantNoError(t, "UpdateUserAttributes", err)
	ref, err := e.refresh(webClient, res.RefreshToken)
	wantNoError(t, "refresh", err)
	if got := e.idClaims(ref.IDToken).Attributes["name"]; got != "Alice Liddell" {
		t.Errorf("name in the refreshed ID token = %q", got)
	}
}

func TestRefreshTokenRotationDetectsReuse(t *testing.T) {
	e := newFastEnv(t)
	rot := e.passwordClient("rotating", func(c *userpool.ClientConfig) { c.RefreshTokenRotation = true })
	if !rot.RefreshTokenRotation {
		t.Fatal("the client does not say it rotates")
	}
	e.confirmedUser("alice", "alice@example.com")
	other, err := e.signInWith("rotating", "alice", goodPW, nil) // another sign-in, unaffected
	wantNoError(t, "sign in", err)
	first, err := e.signInWith("rotating", "alice", goodPW, nil)
	wantNoError(t, "sign in", err)

	second, err := e.rotate("rotating", first.RefreshToken)
	wantNoError(t, "rotate", err)
	if second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatalf("rotation returned refresh token %q", second.RefreshToken)
	}
	if e.accessClaims(second.AccessToken).OriginJTI != e.accessClaims(first.AccessToken).OriginJTI {
		t.Error("the rotated tokens left the sign-in's family")
	}
	third, err := e.rotate("rotating", second.RefreshToken)
	wantNoError(t, "rotate again", err)

	_, err = e.rotate("rotating", first.RefreshToken)
	wantCode(t, err, userpool.CodeRefreshTokenReuse)
	if !errors.Is(err, userpool.ErrRefreshTokenReuse) {
		t.Error("errors.Is(err, ErrRefreshTokenReuse) = false")
	}
	// The whole family is dead: every refresh token and access token of it.
	for _, rt := range []string{third.RefreshToken, second.RefreshToken, first.RefreshToken} {
		_, err := e.rotate("rotating", rt)
		wantCode(t, err, userpool.CodeNotAuthorized)
	}
	for _, at := range []string{first.AccessToken, second.AccessToken, third.AccessToken} {
		_, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: at})
		wantCode(t, err, userpool.CodeNotAuthorized)
	}
	// Other sign-ins of the user live on.
	if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: other.AccessToken}); err != nil {
		t.Errorf("another sign-in's access token: %v", err)
	}
	_, err = e.rotate("rotating", other.RefreshToken)
	wantNoError(t, "refresh of another sign-in", err)
}

func TestRefreshTokenRotationHonoursTheGracePeriod(t *testing.T) {
	e := newFastEnv(t)
	e.passwordClient("rotating", func(c *userpool.ClientConfig) {
		c.RefreshTokenRotation, c.RetryGracePeriod = true, 30*time.Second
	})
	e.confirmedUser("alice", "alice@example.com")
	first, err := e.signInWith("rotating", "alice", goodPW, nil)
	wantNoError(t, "sign in", err)
	second, err := e.rotate("rotating", first.RefreshToken)
	wantNoError(t, "rotate", err)

	e.clock.Advance(20 * time.Second)
	retry, err := e.rotate("rotating", first.RefreshToken) // a client retry
	wantNoError(t, "retry within the grace period", err)
	if retry.RefreshToken == "" || retry.RefreshToken == second.RefreshToken {
		t.Errorf("retry gave refresh token %q", retry.RefreshToken)
	}
	_, err = e.rotate("rotating", retry.RefreshToken)
	wantNoError(t, "the retry's token", err)

	e.clock.Advance(11 * time.Second)
	_, err = e.rotate("rotating", first.RefreshToken)
	wantCode(t, err, userpool.CodeRefreshTokenReuse)
}

func TestRefreshTokenRotationRaceHasOneWinner(t *testing.T) {
	e := newFastEnv(t)
	e.passwordClient("rotating", func(c *userpool.ClientConfig) { c.RefreshTokenRotation = true })
	e.confirmedUser("alice", "alice@example.com")
	first, err := e.signInWith("rotating", "alice", goodPW, nil)
	wantNoError(t, "sign in", err)
	const n = 20
	results := make([]*userpool.AuthenticationResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { results[i], errs[i] = e.rotate("rotating", first.RefreshToken) })
	}
	wg.Wait()
	var winner *userpool.AuthenticationResult
	for i, err := range errs {
		if err == nil {
			if winner != nil {
				t.Fatal("two concurrent rotations of one token succeeded")
			}
			winner = results[i]
			continue
		}
		if pe := asPoolError(err); pe == nil || (pe.Code != userpool.CodeRefreshTokenReuse && pe.Code != userpool.CodeNotAuthorized) {
			t.Errorf("loser got %v", err)
		}
	}
	if winner == nil {
		t.Fatal("no rotation succeeded")
	}
	// The losers presented a spent token: the family is revoked.
	_, err = e.rotate("rotating", winner.RefreshToken)
	wantCode(t, err, userpool.CodeNotAuthorized)
}

func TestRefreshIsRefusedOnceTheSignInEnds(t *testing.T) {
	tests := []struct {
		name string
		end  func(t *testing.T, e *env, sub string, s *userpool.AuthenticationResult)
	}{
		{"after GlobalSignOut", func(t *testing.T, e *env, _ string, s *userpool.AuthenticationResult) {
			wantNoError(t, "GlobalSignOut", errOf(e.pool.GlobalSignOut(e.ctx, userpool.GlobalSignOutInput{AccessToken: s.AccessToken})))
		}},
		{"after RevokeToken", func(t *testing.T, e *env, _ string, s *userpool.AuthenticationResult) {
			wantNoError(t, "RevokeToken", errOf(e.pool.RevokeToken(e.ctx, userpool.RevokeTokenInput{ClientID: webClient, Token: s.RefreshToken})))
		}},
		{"after the user is disabled", func(_ *testing.T, e *env, sub string, _ *userpool.AuthenticationResult) {
			e.changeUser(sub, func(u *store.User) { u.Enabled = false })
		}},
		{"after the user must reset the password", func(_ *testing.T, e *env, sub string, _ *userpool.AuthenticationResult) {
			e.changeUser(sub, func(u *store.User) { u.Status = store.StatusResetRequired })
		}},
		{"after DeleteUser", func(t *testing.T, e *env, _ string, s *userpool.AuthenticationResult) {
			wantNoError(t, "DeleteUser", errOf(e.pool.DeleteUser(e.ctx, userpool.DeleteUserInput{AccessToken: s.AccessToken})))
		}},
		{"after ConfirmForgotPassword", func(t *testing.T, e *env, _ string, _ *userpool.AuthenticationResult) {
			_, err := e.forgot(webClient, "alice")
			wantNoError(t, "ForgotPassword", err)
			wantNoError(t, "ConfirmForgotPassword", e.confirmForgot(webClient, "alice", e.lastCode("alice@example.com"), newPW))
		}},
		{"after the refresh validity", func(t *testing.T, e *env, _ string, _ *userpool.AuthenticationResult) {
			e.clock.Advance(30 * 24 * time.Hour)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFastEnv(t)
			sub := e.confirmedUser("alice", "alice@example.com")
			s := e.mustSignIn("alice", goodPW)
			_, err := e.refresh(webClient, s.RefreshToken)
			wantNoError(t, "refresh before", err)
			tt.end(t, e, sub, s)
			_, err = e.refresh(webClient, s.RefreshToken)
			wantCode(t, err, userpool.CodeNotAuthorized)
			_, err = e.rotate(webClient, s.RefreshToken)
			wantCode(t, err, userpool.CodeNotAuthorized)
		})
	}
}

func TestRefreshFamilyExpiresAbsolutely(t *testing.T) {
	tests := []struct {
		name     string
		validity time.Duration // the client's RefreshTokenValidity; 0 is the pool's 30 days
		wait     time.Duration
		ok       bool
	}{
		{"a refresh token just inside 30 days works", 0, 30*24*time.Hour - time.Second, true},
		{"a refresh token of 30 days is expired", 0, 30 * 24 * time.Hour, false},
		{"a client's shorter validity is honoured", 2 * time.Hour, 2*time.Hour - time.Second, true},
		{"a client's shorter validity ends", 2 * time.Hour, 2 * time.Hour, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFastEnv(t)
			e.passwordClient("rotating", func(c *userpool.ClientConfig) {
				c.RefreshTokenRotation, c.RefreshTokenValidity = true, tt.validity
			})
			e.confirmedUser("alice", "alice@example.com")
			s, err := e.signInWith("rotating", "alice", goodPW, nil)
			wantNoError(t, "sign in", err)
			// Rotating along the way does not extend the family.
			rt := s.RefreshToken
			for range 3 {
				e.clock.Advance(tt.wait / 4)
				res, err := e.rotate("rotating", rt)
				wantNoError(t, "rotate", err)
				rt = res.RefreshToken
			}
			e.clock.Advance(tt.wait - 3*(tt.wait/4))
			_, err = e.rotate("rotating", rt)
			if tt.ok {
				wantNoError(t, "rotate at the end", err)
				return
			}
			wantMessage(t, err, userpool.CodeNotAuthorized, "Invalid Refresh Token")
		})
	}
}

func TestRefreshRefusesBadInput(t *testing.T) {
	mb := strings.Repeat("r", 1<<20)
	tests := []struct {
		name   string
		client string
		token  string // "valid" is replaced by alice's refresh token
		want   userpool.ErrorCode
	}{
		{"a missing refresh token is refused", webClient, "", userpool.CodeInvalidParameter},
		{"an unknown refresh token is refused", webClient, "bm90LWEtcmVmcmVzaC10b2tlbi1hdC1hbGwtYXQtYWxs", userpool.CodeNotAuthorized},
		{"a 1 MB refresh token is refused", webClient, mb, userpool.CodeNotAuthorized},
		{"a refresh token with invalid UTF-8 is refused", webClient, "\xff\xfe", userpool.CodeNotAuthorized},
		{"an access token is no refresh token", webClient, "access", userpool.CodeNotAuthorized},
		{"another client's refresh token is refused", "other", "valid", userpool.CodeNotAuthorized},
		{"a client without the refresh flow is refused", "srponly", "valid", userpool.CodeInvalidParameter},
		{"an unknown client is not found", "nope", "valid", userpool.CodeResourceNotFound},
		{"a missing client is refused", "", "valid", userpool.CodeInvalidParameter},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newFastEnv(t)
			e.passwordClient("other")
			e.createClient(userpool.ClientConfig{ClientID: "srponly", ExplicitAuthFlows: []string{userpool.AllowUserSRPAuth}})
			e.confirmedUser("alice", "alice@example.com")
			s := e.mustSignIn("alice", goodPW)
			tok := tt.token
			switch tok {
			case "valid":
				tok = s.RefreshToken
			case "access":
				tok = s.AccessToken
			}
			_, err := e.refresh(tt.client, tok)
			wantCode(t, err, tt.want)
			_, err = e.rotate(tt.client, tok)
			wantCode(t, err, tt.want)
			// The refused attempts did not harm alice's session.
			_, err = e.refresh(webClient, s.RefreshToken)
			wantNoError(t, "refresh after the bad ones", err)
		})
	}
}

func TestRevokeToken(t *testing.T) {
	e := newFastEnv(t)
	e.passwordClient("other")
	e.passwordClient("norevoke", func(c *userpool.ClientConfig) { c.DisableTokenRevocation = true })
	e.confirmedUser("alice", "alice@example.com")
	revoked, kept := e.mustSignIn("alice", goodPW), e.mustSignIn("alice", goodPW)
	revoke := func(client, tok string) error {
		return errOf(e.pool.RevokeToken(e.ctx, userpool.RevokeTokenInput{ClientID: client, Token: tok}))
	}

	t.Run("an unknown token is revoked without complaint", func(t *testing.T) {
		wantNoError(t, "RevokeToken", revoke(webClient, "bm90LWEtcmVmcmVzaC10b2tlbg"))
		wantNoError(t, "RevokeToken", revoke(webClient, strings.Repeat("r", 1<<20)))
	})
	t.Run("an access token is an unsupported type", func(t *testing.T) {
		wantCode(t, revoke(webClient, revoked.AccessToken), userpool.CodeUnsupportedTokenType)
		wantCode(t, revoke(webClient, revoked.IDToken), userpool.CodeUnsupportedTokenType)
	})
	t.Run("a client with revocation disabled refuses", func(t *testing.T) {
		s, err := e.signInWith("norevoke", "alice", goodPW, nil)
		wantNoError(t, "sign in", err)
		wantCode(t, revoke("norevoke", s.RefreshToken), userpool.CodeUnsupportedOperation)
		_, err = e.refresh("norevoke", s.RefreshToken)
		wantNoError(t, "refresh", err)
	})
	t.Run("bad input is refused", func(t *testing.T) {
		wantCode(t, revoke(webClient, ""), userpool.CodeInvalidParameter)
		wantCode(t, revoke("nope", revoked.RefreshToken), userpool.CodeResourceNotFound)
		wantCode(t, revoke("", revoked.RefreshToken), userpool.CodeInvalidParameter)
	})
	t.Run("another client cannot revoke the token", func(t *testing.T) {
		if err := revoke("other", revoked.RefreshToken); err == nil {
			t.Error("RevokeToken by another client succeeded")
		}
		_, err := e.refresh(webClient, revoked.RefreshToken)
		wantNoError(t, "refresh", err)
	})
	t.Run("a revoked token ends its sign-in only", func(t *testing.T) {
		wantNoError(t, "RevokeToken", revoke(webClient, revoked.RefreshToken))
		wantNoError(t, "RevokeToken again", revoke(webClient, revoked.RefreshToken))
		_, err := e.refresh(webClient, revoked.RefreshToken)
		wantCode(t, err, userpool.CodeNotAuthorized)
		_, err = e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: revoked.AccessToken})
		wantCode(t, err, userpool.CodeNotAuthorized)
		if _, err := e.pool.GetUser(e.ctx, userpool.GetUserInput{AccessToken: kept.AccessToken}); err != nil {
			t.Errorf("the other sign-in's access token: %v", err)
		}
		_, err = e.refresh(webClient, kept.RefreshToken)
		wantNoError(t, "the other sign-in's refresh", err)
	})
}

// failingRevocation is a store whose revocations fail.
type failingRevocation struct {
	store.Store
	fail bool
}

var errStoreDown = errors.New("store is down")

func (s *failingRevocation) RevokeFamily(ctx context.Context, poolID, id string, now time.Time) error {
	if s.fail {
		return errStoreDown
	}
	return s.Store.RevokeFamily(ctx, poolID, id, now)
}

func (s *failingRevocation) RevokeSubjectFamilies(ctx context.Context, poolID, subject string, now time.Time) error {
	if s.fail {
		return errStoreDown
	}
	return s.Store.RevokeSubjectFamilies(ctx, poolID, subject, now)
}

func TestRevocationFailuresAreNeverReportedAsSuccess(t *testing.T) {
	s := &failingRevocation{Store: memory.New()}
	e := newEnv(t, s, fastKeys)
	e.confirmedUser("alice", "alice@example.com")
	res := e.mustSignIn("alice", goodPW)
	s.fail = true
	_, err := e.pool.RevokeToken(e.ctx, userpool.RevokeTokenInput{ClientID: webClient, Token: res.RefreshToken})
	pe := wantCode(t, err, userpool.CodeInternalError)
	if !errors.Is(err, errStoreDown) || strings.Contains(pe.Message, "down") {
		t.Errorf("error %v: want the cause kept for logs and out of the message", err)
	}
	wantCode(t, errOf(e.pool.GlobalSignOut(e.ctx, userpool.GlobalSignOutInput{AccessToken: res.AccessToken})), userpool.CodeInternalError)
	s.fail = false
	_, err = e.refresh(webClient, res.RefreshToken)
	wantNoError(t, "refresh (nothing was revoked)", err)
}

func TestPoolsSharingAStoreDoNotAcceptEachOthersTokens(t *testing.T) {
	s := memory.New()
	a, b := newEnv(t, s, fastKeys), newEnv(t, s, fastKeys)
	a.confirmedUser("alice", "alice@example.com")
	b.confirmedUser("alice", "alice@example.com")
	ra, rb := a.mustSignIn("alice", goodPW), b.mustSignIn("alice", goodPW)
	_, err := b.refresh(webClient, ra.RefreshToken)
	wantCode(t, err, userpool.CodeNotAuthorized)
	_, err = b.pool.GetUser(b.ctx, userpool.GetUserInput{AccessToken: ra.AccessToken})
	wantCode(t, err, userpool.CodeNotAuthorized)
	wantNoError(t, "RevokeToken of a foreign token", errOf(b.pool.RevokeToken(b.ctx, userpool.RevokeTokenInput{ClientID: webClient, Token: ra.RefreshToken})))
	_, err = a.refresh(webClient, ra.RefreshToken)
	wantNoError(t, "refresh at its own pool", err)
	wantNoError(t, "GlobalSignOut at b", errOf(b.pool.GlobalSignOut(b.ctx, userpool.GlobalSignOutInput{AccessToken: rb.AccessToken})))
	if _, err := a.pool.GetUser(a.ctx, userpool.GetUserInput{AccessToken: ra.AccessToken}); err != nil {
		t.Errorf("b's sign-out ended a's session: %v", err)
	}
}
