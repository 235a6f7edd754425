package storetest

import (
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// putSession stores a session for sub that expires three minutes after
// epoch, and returns it.
func putSession(t *testing.T, st store.Store, pool, sub string) store.AuthSession {
	t.Helper()
	as := store.AuthSession{
		PoolID:    pool,
		ID:        randomID(t, "as-"),
		Subject:   sub,
		ClientID:  "client-1",
		Challenge: "PASSWORD_VERIFIER",
		Data:      []byte{0, 'x', 0xff},
		ExpiresAt: at(3 * time.Minute).In(elsewhere),
		CreatedAt: at(0),
	}
	wantOK(t, "PutAuthSession", st.PutAuthSession(t.Context(), as))
	return as
}

func (s suite) authSessions(t *testing.T) {
	t.Run("a session round trips and is consumed once", func(t *testing.T) {
		t.Parallel()
		st, pool := s.open(t)
		ctx := t.Context()
		as := putSession(t, st, pool, createSubject(t, st, pool))
		got, err := st.ConsumeAuthSession(ctx, pool, as.ID, at(time.Minute))
		wantOK(t, "ConsumeAuthSession", err)
		wantSame(t, "ConsumeAuthSession result", got, as, normSession)
		_, err = st.ConsumeAuthSession(ctx, pool, as.ID, at(time.Minute))
		wantErr(t, "second ConsumeAuthSession", err, store.ErrNotFound)
	})

	t.Run("a session with empty data round trips", func(t *testing.T) {
		t.Parallel()
		st, pool := s.open(t)
		as := store.AuthSession{PoolID: pool, ID: randomID(t, "as-"), Subject: createSubject(t, st, pool), ExpiresAt: at(time.Minute)}
		wantOK(t, "PutAuthSession", st.PutAuthSession(t.Context(), as))
		got, err := st.ConsumeAuthSession(t.Context(), pool, as.ID, at(0))
		wantOK(t, "ConsumeAuthSession", err)
		wantSame(t, "ConsumeAuthSession result", got, as, normSession)
	})

	t.Run("an unknown session is not found", func(t *testing.T) {
		t.Parallel()
		st, pool := s.open(t)
		_, err := st.ConsumeAuthSession(t.Context(), pool, "no-such-session", at(0))
		wantErr(t, "ConsumeAuthSession", err, store.ErrNotFound)
	})

	t.Run("a session expires at its ExpiresAt", func(t *testing.T) {
		t.Parallel()
		st, pool := s.open(t)
		ctx := t.Context()
		sub := createSubject(t, st, pool)
		live := putSession(t, st, pool, sub)
		_, err := st.ConsumeAuthSession(ctx, pool, live.ID, at(3*time.Minute-time.Microsecond).In(elsewhere))
		wantOK(t, "ConsumeAuthSession a microsecond before expiry", err)
		dead := putSession(t, st, pool, sub)
		_, err = st.ConsumeAuthSession(ctx, pool, dead.ID, at(3*time.Minute))
		wantErr(t, "ConsumeAuthSession at expiry", err, store.ErrNotFound)
		_, err = st.ConsumeAuthSession(ctx, pool, dead.ID, at(0))
		wantErr(t, "ConsumeAuthSession of an expired session before expiry", err, store.ErrNotFound)
	})

	t.Run("a duplicate id is an ExistsError naming id and changes nothing", func(t *testing.T) {
		t.Parallel()
		st, pool := s.open(t)
		ctx := t.Context()
		as := putSession(t, st, pool, createSubject(t, st, pool))
		dup := as
		dup.Data = []byte("other")
		dup.Challenge = "SMS_MFA"
		wantExists(t, "second PutAuthSession", st.PutAuthSession(ctx, dup), "id")
		got, err := st.ConsumeAuthSession(ctx, pool, as.ID, at(0))
		wantOK(t, "ConsumeAuthSession", err)
		wantSame(t, "ConsumeAuthSession result", got, as, normSession)
	})

	t.Run("data handed in shares no memory with the store", func(t *testing.T) {
		t.Parallel()
		st, pool := s.open(t)
		as := putSession(t, st, pool, createSubject(t, st, pool))
		want := as
		want.Data = append([]byte{}, as.Data...)
		as.Data[0] = 'X'
		got, err := st.ConsumeAuthSession(t.Context(), pool, as.ID, at(0))
		wantOK(t, "ConsumeAuthSession", err)
		wantSame(t, "ConsumeAuthSession result", got, want, normSession)
	})

	t.Run("malformed sessions are invalid", func(t *testing.T) {
		t.Parallel()
		st, pool := s.open(t)
		sub := createSubject(t, st, pool)
		for _, tc := range []struct {
			name   string
			modify func(*store.AuthSession)
		}{
			{"pool id missing", func(as *store.AuthSession) { as.PoolID = "" }},
			{"id missing", func(as *store.AuthSession) { as.ID = "" }},
			{"expiry missing", func(as *store.AuthSession) { as.ExpiresAt = time.Time{} }},
		} {
			as := store.AuthSession{PoolID: pool, ID: randomID(t, "as-"), Subject: sub, ExpiresAt: at(time.Minute)}
			tc.modify(&as)
			wantErr(t, "PutAuthSession with "+tc.name, st.PutAuthSession(t.Context(), as), store.ErrInvalid)
		}
	})
}
