package postgres_test

import (
	"math"
	"reflect"
	"testing"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/postgres"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
)

// The MFA document is jsonb: numbers become numeric, strings are
// unescaped, keys reordered. Every value must still read back exactly as
// CreateUser and UpdateUser returned it, through every read path.
func TestMFADocument(t *testing.T) {
	s, err := postgres.New(t.Context(), testPool(t, postgrestest.DSN(t)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	pool := randomHex(t, "pool-", 8)
	if _, err := s.CreateGroup(t.Context(), store.Group{PoolID: pool, Name: "g"}); err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	every := make([]byte, 256)
	for i := range every {
		every[i] = byte(i)
	}
	tests := []struct {
		name string
		mfa  store.MFA
	}{
		{"the zero MFA", store.MFA{}},
		{"the largest time step", store.MFA{TOTPLastStep: math.MaxInt64, TOTPEnabled: true}},
		{"a negative time step", store.MFA{TOTPLastStep: math.MinInt64}},
		{"a secret holding every byte value", store.MFA{TOTPSecret: every, TOTPVerified: true}},
		{"a device name with escapes, markup and separators", store.MFA{TOTPDeviceName: "Zoë's \"phone\" \\ <b>&\u2028\u007f😀"}},
		{"recovery codes with a nil and an empty code among them", store.MFA{RecoveryCodes: [][]byte{[]byte("h1"), nil, {}, every}}},
		{"an empty recovery-code list", store.MFA{RecoveryCodes: [][]byte{}, TOTPSecret: []byte{}}},
		{"every flag and the preference", store.MFA{TOTPVerified: true, TOTPEnabled: true, SMSEnabled: true, EmailEnabled: true, Preferred: "EMAIL_OTP"}},
	}
	for i, tt := range tests {
		t.Run(tt.name+" reads back as it was returned", func(t *testing.T) {
			sub := randomHex(t, "sub-", 8)
			created, err := s.CreateUser(t.Context(), store.User{PoolID: pool, Sub: sub, Username: sub, UsernameKey: sub, MFA: tt.mfa})
			if err != nil {
				t.Fatalf("CreateUser: %v", err)
			}
			if err := s.AddUserToGroup(t.Context(), pool, sub, "g"); err != nil {
				t.Fatalf("AddUserToGroup: %v", err)
			}
			check := func(when string, want store.User) {
				t.Helper()
				got, err := s.GetUser(t.Context(), pool, sub)
				if err != nil {
					t.Fatalf("GetUser %s: %v", when, err)
				}
				listed, err := s.ListUsers(t.Context(), pool, store.UserQuery{Attribute: store.SearchSub, Value: sub, Limit: 1})
				if err != nil || len(listed) != 1 {
					t.Fatalf("ListUsers %s: %d users, %v", when, len(listed), err)
				}
				members, err := s.ListUsersInGroup(t.Context(), pool, "g", "", 100)
				if err != nil {
					t.Fatalf("ListUsersInGroup %s: %v", when, err)
				}
				var member store.User
				for _, m := range members {
					if m.Sub == sub {
						member = m
					}
				}
				for path, u := range map[string]store.User{"GetUser": got, "ListUsers": listed[0], "ListUsersInGroup": member} {
					if !reflect.DeepEqual(u, want) {
						t.Errorf("%s %s:\n got %#v\nwant %#v", path, when, u.MFA, want.MFA)
					}
				}
			}
			check("after CreateUser", created)

			// Clearing it, then setting it again by UpdateUser.
			created.MFA = tests[(i+1)%len(tests)].mfa
			updated, err := s.UpdateUser(t.Context(), created)
			if err != nil {
				t.Fatalf("UpdateUser: %v", err)
			}
			check("after an UpdateUser to another MFA", updated)
			updated.MFA = tt.mfa
			updated, err = s.UpdateUser(t.Context(), updated)
			if err != nil {
				t.Fatalf("UpdateUser: %v", err)
			}
			check("after an UpdateUser back", updated)
		})
	}

	t.Run("the returned user does not share byte slices with the caller's", func(t *testing.T) {
		secret, code := []byte("secret"), []byte("code")
		sub := randomHex(t, "sub-", 8)
		created, err := s.CreateUser(t.Context(), store.User{PoolID: pool, Sub: sub, Username: sub, UsernameKey: sub,
			MFA: store.MFA{TOTPSecret: secret, RecoveryCodes: [][]byte{code}}})
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		secret[0], code[0] = 'X', 'X'
		if string(created.MFA.TOTPSecret) != "secret" || string(created.MFA.RecoveryCodes[0]) != "code" {
			t.Errorf("returned MFA changed with the caller's slices: %q %q", created.MFA.TOTPSecret, created.MFA.RecoveryCodes)
		}
	})
}
