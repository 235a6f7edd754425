package sqlite_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

func TestDeleteExpiredRemovesOnlyWhatHasExpired(t *testing.T) {
	ctx := t.Context()
	s, _ := openTemp(t)
	const pool = "pool"
	if _, err := s.CreateUser(ctx, store.User{PoolID: pool, Sub: "sub", Username: "u", UsernameKey: "u"}); err != nil {
		t.Fatal(err)
	}
	// 600 expired sessions exercise more than one batch.
	for i := range 600 {
		exp := epoch.Add(time.Minute)
		if i == 0 {
			exp = epoch.Add(time.Hour)
		}
		id := fmt.Sprintf("session-%d", i)
		if err := s.PutAuthSession(ctx, store.AuthSession{PoolID: pool, ID: id, Subject: "sub", ExpiresAt: exp}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		purpose string
		exp     time.Time
	}{{"signup", epoch.Add(time.Minute)}, {"forgot_password", epoch.Add(time.Hour)}} {
		if err := s.PutCode(ctx, store.Code{PoolID: pool, Subject: "sub", Purpose: c.purpose, Hash: []byte{1}, ExpiresAt: c.exp}); err != nil {
			t.Fatal(err)
		}
	}
	old, live := randomBytes(), randomBytes()
	if err := s.CreateFamily(ctx, store.RefreshFamily{PoolID: pool, ID: "old", Subject: "sub", ExpiresAt: epoch.Add(time.Minute)}, old); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateFamily(ctx, store.RefreshFamily{PoolID: pool, ID: "live", Subject: "sub", ExpiresAt: epoch.Add(time.Hour)}, live); err != nil {
		t.Fatal(err)
	}

	n, err := s.DeleteExpired(ctx, epoch.Add(time.Minute))
	if err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}
	if want := int64(599 + 1 + 1); n != want {
		t.Errorf("DeleteExpired removed %d records, want %d", n, want)
	}
	if _, _, err := s.FamilyByToken(ctx, pool, old); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("token of the expired family: %v, want ErrNotFound", err)
	}
	if _, _, err := s.FamilyByToken(ctx, pool, live); err != nil {
		t.Errorf("token of the live family: %v", err)
	}
	if _, err := s.ConsumeCode(ctx, pool, "sub", "forgot_password", []byte{1}, epoch, 5); err != nil {
		t.Errorf("live code: %v", err)
	}
	if n, err := s.DeleteExpired(ctx, epoch.Add(time.Minute)); err != nil || n != 0 {
		t.Errorf("second DeleteExpired = %d, %v; want 0, nil", n, err)
	}
}
