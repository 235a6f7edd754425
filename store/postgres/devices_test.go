package postgres_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/postgres"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
)

// Device keys are text COLLATE "C": ListDevices pages bytewise, and a
// cursor PostgreSQL text could not hold still pages.
func TestListDevicesCursors(t *testing.T) {
	s, err := postgres.New(t.Context(), testPool(t, postgrestest.DSN(t)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	pool, sub := randomHex(t, "pool-", 8), "sub"
	if _, err := s.CreateUser(t.Context(), store.User{PoolID: pool, Sub: sub, Username: "u", UsernameKey: "u"}); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	// Bytewise: "B" < "a" < "a\x01" < "aé" (a \xc3\xa9) < "b" < "é".
	keys := []string{"é", "b", "aé", "a\x01", "a", "B"}
	for _, k := range keys {
		if err := s.PutDevice(t.Context(), store.Device{PoolID: pool, Subject: sub, Key: k}); err != nil {
			t.Fatalf("PutDevice(%q): %v", k, err)
		}
	}
	tests := []struct {
		name  string
		after string
		limit int
		want  []string
	}{
		{"no cursor lists every key bytewise", "", 10, []string{"B", "a", "a\x01", "aé", "b", "é"}},
		{"a limit cuts the page", "", 2, []string{"B", "a"}},
		{"a cursor with a NUL byte lists the keys after it", "a\x00", 10, []string{"a\x01", "aé", "b", "é"}},
		{"a cursor that is a cut UTF-8 sequence lists the keys after it", "a\xc3", 10, []string{"aé", "b", "é"}},
		{"a cursor with a byte no UTF-8 holds lists the keys after it", "a\xff", 10, []string{"b", "é"}},
		{"a cursor after every key lists nothing", "\xff", 10, nil},
		{"a cursor equal to a key excludes it", "aé", 10, []string{"b", "é"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds, err := s.ListDevices(t.Context(), pool, sub, tt.after, tt.limit)
			if err != nil {
				t.Fatalf("ListDevices: %v", err)
			}
			var got []string
			for _, d := range ds {
				got = append(got, d.Key)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("keys %q, want %q", got, tt.want)
			}
		})
	}
}

// Device keys and attributes PostgreSQL cannot hold are store.ErrInvalid
// when written and not found when looked up.
func TestDeviceValuesPostgreSQLCannotHold(t *testing.T) {
	s, err := postgres.New(t.Context(), testPool(t, postgrestest.DSN(t)))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	pool, sub := randomHex(t, "pool-", 8), "sub"
	if _, err := s.CreateUser(t.Context(), store.User{PoolID: pool, Sub: sub, Username: "u", UsernameKey: "u"}); err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	device := func(mod func(*store.Device)) store.Device {
		d := store.Device{PoolID: pool, Subject: sub, Key: randomHex(t, "dev-", 8)}
		mod(&d)
		return d
	}
	writes := []struct {
		name string
		d    store.Device
	}{
		{"a NUL byte in a key is invalid", device(func(d *store.Device) { d.Key = "a\x00b" })},
		{"invalid UTF-8 in a key is invalid", device(func(d *store.Device) { d.Key = "a\xffb" })},
		{"a key too long to index is invalid", device(func(d *store.Device) { d.Key = strings.Repeat("k", 1<<20) })},
		{"a NUL byte in a name is invalid", device(func(d *store.Device) { d.Name = "a\x00" })},
		{"a NUL byte in an attribute is invalid", device(func(d *store.Device) { d.Attributes = map[string]string{"last_ip": "a\x00"} })},
		{"invalid UTF-8 in an attribute is invalid, not silently replaced", device(func(d *store.Device) { d.Attributes = map[string]string{"\xff": "x"} })},
	}
	for _, tt := range writes {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.PutDevice(t.Context(), tt.d); !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("PutDevice: %v, want ErrInvalid", err)
			}
			if ds, err := s.ListDevices(t.Context(), pool, sub, "", 10); err != nil || len(ds) != 0 {
				t.Errorf("ListDevices after a refused put: %d devices, %v; want none", len(ds), err)
			}
		})
	}
	for _, key := range []string{"a\x00", "\xff"} {
		t.Run("a lookup by the key "+strings.ToValidUTF8(strings.ReplaceAll(key, "\x00", `\0`), `\xff`)+" is not found", func(t *testing.T) {
			if _, err := s.GetDevice(t.Context(), pool, sub, key); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("GetDevice: %v, want ErrNotFound", err)
			}
			if err := s.DeleteDevice(t.Context(), pool, sub, key); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("DeleteDevice: %v, want ErrNotFound", err)
			}
			if ds, err := s.ListDevices(t.Context(), pool, key, "", 10); err != nil || len(ds) != 0 {
				t.Errorf("ListDevices of subject %q: %d devices, %v; want none", key, len(ds), err)
			}
		})
	}
}
