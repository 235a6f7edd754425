package storetest

import (
	"context"
	"math"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

// newDevice returns a device of the user with every field set.
func newDevice(pool, sub, key string) store.Device {
	return store.Device{
		PoolID:     pool,
		Subject:    sub,
		Key:        key,
		Name:       "Alice's phone ✓ \"" + key + "\"",
		Verifier:   []byte{0x00, 0xff, 0xc3, 0x28, byte(len(key))},
		Remembered: true,
		Attributes: map[string]string{
			"device_name":                  "iPhone ✓",
			"last_ip_used":                 "192.0.2.1",
			"device_status":                "valid",
			"dev:device_remembered_status": "remembered",
			"empty":                        "",
		},
		CreatedAt:         at(-time.Hour).In(elsewhere),
		UpdatedAt:         at(-time.Minute),
		LastAuthenticated: at(time.Microsecond).In(elsewhere),
	}
}

// putDevice stores d and fails the test if it cannot.
func putDevice(t *testing.T, st store.Store, d store.Device) store.Device {
	t.Helper()
	if err := st.PutDevice(t.Context(), d); err != nil {
		t.Fatalf("PutDevice(%s, %s): %v", d.Subject, d.Key, err)
	}
	return d
}

// listDevices calls ListDevices and fails the test on an error or an
// oversized page.
func listDevices(t *testing.T, st store.Store, pool, sub, after string, limit int) []store.Device {
	t.Helper()
	page, err := st.ListDevices(t.Context(), pool, sub, after, limit)
	if err != nil {
		t.Fatalf("ListDevices(%s, after %q, %d): %v", sub, after, limit, err)
	}
	if len(page) > limit {
		t.Fatalf("ListDevices(%s, after %q, %d) returned %d devices", sub, after, limit, len(page))
	}
	return page
}

// wantDevices checks the keys of ListDevices(pool, sub, "", 1000).
func wantDevices(t *testing.T, st store.Store, pool, sub string, want ...string) {
	t.Helper()
	if got := deviceKeys(listDevices(t, st, pool, sub, "", 1000)); !equalStrings(got, want) {
		t.Errorf("ListDevices(%s) = %q, want %q", sub, got, want)
	}
}

// wantDevice checks that GetDevice returns want.
func wantDevice(t *testing.T, st store.Store, want store.Device) {
	t.Helper()
	got, err := st.GetDevice(t.Context(), want.PoolID, want.Subject, want.Key)
	wantOK(t, "GetDevice "+want.Key, err)
	wantSame(t, "GetDevice "+want.Key, got, want, normDevice)
}

// wantNoDevice checks that GetDevice of the key is store.ErrNotFound.
func wantNoDevice(t *testing.T, st store.Store, pool, sub, key string) {
	t.Helper()
	_, err := st.GetDevice(t.Context(), pool, sub, key)
	wantErr(t, "GetDevice "+key+" of "+sub, err, store.ErrNotFound)
}

func deviceKeys(ds []store.Device) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Key
	}
	return out
}

var deviceTests = []conformanceTest{
	{"every device field round trips through get and list", testDeviceRoundTrips},
	{"a device of an unknown user is not found and stores nothing", testDeviceOfUnknownUser},
	{"a missing device is not found by get and delete", testDeviceMissing},
	{"putting a known key replaces every field", testDevicePutReplaces},
	{"devices are listed by key bytewise and paged after a key", testDeviceList},
	{"a device of one user is not seen from another user", testDeviceOtherUser},
	{"a device of one pool is not seen from another", testDeviceOtherPool},
	{"deleting a user deletes its devices and nothing else", testDeviceUserDeleted},
	{"updating a user keeps its devices", testDeviceUserUpdated},
	{"device records handed in or returned share no memory with the store", testDeviceRecordsCopied},
	{"malformed devices and limits are invalid", testDeviceMalformed},
	{"a cancelled context is refused", testDeviceCancelledContext},
	{"twenty concurrent puts of one key leave one whole device", testConcurrentDevicePutsOneKey},
	{"twenty concurrent puts of distinct keys are all kept", testConcurrentDevicePutsDistinctKeys},
	{"a device put racing the delete of its user leaves no device", testConcurrentDevicePutAndUserDelete},
}

func testDeviceRoundTrips(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	full := newDevice(pool, sub, "us-east-1_full")
	bare := store.Device{PoolID: pool, Subject: sub, Key: "us-east-1_bare"}
	empty := store.Device{PoolID: pool, Subject: sub, Key: "us-east-1_empty", Verifier: []byte{}, Attributes: map[string]string{}}
	for _, d := range []store.Device{full, bare, empty} {
		putDevice(t, st, d)
		wantDevice(t, st, d)
	}
	list := listDevices(t, st, pool, sub, "", 10)
	want := []store.Device{bare, empty, full}
	if len(list) != len(want) {
		t.Fatalf("ListDevices = %q, want %q", deviceKeys(list), deviceKeys(want))
	}
	for i := range want {
		wantSame(t, "ListDevices "+want[i].Key, list[i], want[i], normDevice)
	}
	got, err := st.GetDevice(t.Context(), pool, sub, bare.Key)
	wantOK(t, "GetDevice", err)
	for what, tm := range map[string]time.Time{
		"CreatedAt":         got.CreatedAt,
		"UpdatedAt":         got.UpdatedAt,
		"LastAuthenticated": got.LastAuthenticated,
	} {
		if !tm.IsZero() {
			t.Errorf("%s of a bare device = %v, want the zero time", what, tm)
		}
	}
	if got.Remembered {
		t.Error("Remembered of a bare device = true, want false")
	}
}

func testDeviceOfUnknownUser(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	ghost := randomID(t, "sub-")
	err := st.PutDevice(ctx, newDevice(pool, ghost, "k"))
	wantErr(t, "PutDevice of an unknown subject", err, store.ErrNotFound)
	wantNoDevice(t, st, pool, ghost, "k")
	wantDevices(t, st, pool, ghost)
	wantErr(t, "DeleteDevice of an unknown subject", st.DeleteDevice(ctx, pool, ghost, "k"), store.ErrNotFound)

	// The user created afterwards under that sub has no device.
	u := newUser(t, pool)
	u.Sub = ghost
	createUser(t, st, u)
	wantNoDevice(t, st, pool, ghost, "k")
	wantDevices(t, st, pool, ghost)
}

func testDeviceMissing(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	sub := createSubject(t, st, pool)
	wantNoDevice(t, st, pool, sub, "none")
	wantErr(t, "DeleteDevice of a missing key", st.DeleteDevice(ctx, pool, sub, "none"), store.ErrNotFound)
	wantDevices(t, st, pool, sub)

	kept := putDevice(t, st, newDevice(pool, sub, "kept"))
	putDevice(t, st, newDevice(pool, sub, "gone"))
	wantOK(t, "DeleteDevice", st.DeleteDevice(ctx, pool, sub, "gone"))
	wantNoDevice(t, st, pool, sub, "gone")
	wantErr(t, "second DeleteDevice", st.DeleteDevice(ctx, pool, sub, "gone"), store.ErrNotFound)
	wantDevices(t, st, pool, sub, "kept")
	wantDevice(t, st, kept)

	// Keys compare as bytes: neither case nor a prefix matches.
	for _, key := range []string{"KEPT", "Kept", "kep", "kept ", " kept"} {
		wantNoDevice(t, st, pool, sub, key)
		wantErr(t, "DeleteDevice "+strconv.Quote(key), st.DeleteDevice(ctx, pool, sub, key), store.ErrNotFound)
	}
	wantDevice(t, st, kept)

	// A key that is empty or not storable text names no device; a store
	// may refuse it as invalid.
	for _, key := range []string{"", "kept\x00", "\xff", "k\xc3"} {
		_, err := st.GetDevice(ctx, pool, sub, key)
		if !is(store.ErrNotFound, store.ErrInvalid)(err) {
			t.Errorf("GetDevice %q: err = %v, want ErrNotFound or ErrInvalid", key, err)
		}
		err = st.DeleteDevice(ctx, pool, sub, key)
		if !is(store.ErrNotFound, store.ErrInvalid)(err) {
			t.Errorf("DeleteDevice %q: err = %v, want ErrNotFound or ErrInvalid", key, err)
		}
	}
	wantDevices(t, st, pool, sub, "kept")

	// A forgotten key can be put again.
	again := newDevice(pool, sub, "gone")
	again.Name = "back"
	putDevice(t, st, again)
	wantDevice(t, st, again)
}

func testDevicePutReplaces(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	first := putDevice(t, st, newDevice(pool, sub, "k"))
	replaced := store.Device{
		PoolID:     pool,
		Subject:    sub,
		Key:        "k",
		Name:       "renamed",
		Attributes: map[string]string{"device_status": "invalid"},
		CreatedAt:  at(time.Hour),
		UpdatedAt:  at(2 * time.Hour).In(elsewhere),
	}
	putDevice(t, st, replaced)
	wantDevice(t, st, replaced)
	wantDevices(t, st, pool, sub, "k")

	bare := store.Device{PoolID: pool, Subject: sub, Key: "k"}
	putDevice(t, st, bare)
	wantDevice(t, st, bare)

	putDevice(t, st, first)
	wantDevice(t, st, first)
	wantDevices(t, st, pool, sub, "k")
}

func testDeviceList(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	other := createSubject(t, st, pool)
	keys := []string{
		"us-east-1_b", "us-east-1_B", "us-east-1_a", "us-east-1_a-b", "us-east-1_ab",
		"us-east-1_a b", "us-east-1_é", "us-east-1_e", "us-east-1_~", "us-east-1_0",
		"Z", "a", "é", "✓", "A", "0", "-", "\x7f",
	}
	for _, key := range keys {
		putDevice(t, st, newDevice(pool, sub, key))
	}
	putDevice(t, st, newDevice(pool, other, "us-east-1_aa"))
	want := slices.Clone(keys)
	sortStrings(want)
	wantDevices(t, st, pool, sub, want...)

	for limit := 1; limit <= len(want)+1; limit++ {
		var all []string
		after := ""
		short := false
		for range len(want) + 2 {
			page := listDevices(t, st, pool, sub, after, limit)
			if len(page) == 0 {
				break
			}
			if short {
				t.Errorf("limit %d: ListDevices found more devices after a short page", limit)
			}
			short = len(page) < limit
			all = append(all, deviceKeys(page)...)
			after = page[len(page)-1].Key
		}
		if !equalStrings(all, want) {
			t.Errorf("paging with limit %d listed %q, want %q", limit, all, want)
		}
	}

	// Each cursor lists the keys greater than it, whether or not it is
	// a key; a store may refuse a cursor it cannot hold as text.
	for _, after := range []string{
		"", "us-east-1_a", "us-east-1_aa", "us-east-1_", "us-east-1", "Z", "a", "é", "✓", "\U0010ffff",
		"\x00", "us-east-1_\x80", "us-east-1_a\x00", "\xc3", "\xff",
	} {
		var expect []string
		for _, key := range want {
			if key > after {
				expect = append(expect, key)
			}
		}
		page, err := st.ListDevices(t.Context(), pool, sub, after, 1000)
		if err != nil && !storableText(after) {
			wantErr(t, "ListDevices after "+strconv.Quote(after), err, store.ErrInvalid)
			continue
		}
		wantOK(t, "ListDevices after "+strconv.Quote(after), err)
		if got := deviceKeys(page); !equalStrings(got, expect) {
			t.Errorf("ListDevices after %q = %q, want %q", after, got, expect)
		}
	}
}

func testDeviceOtherUser(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	a := createSubject(t, st, pool)
	b := createSubject(t, st, pool)
	da := newDevice(pool, a, "shared")
	db := newDevice(pool, b, "shared")
	db.Name, db.Verifier, db.Attributes, db.Remembered = "B's", []byte("b"), map[string]string{"owner": "b"}, false
	putDevice(t, st, da)
	putDevice(t, st, db)
	onlyA := putDevice(t, st, newDevice(pool, a, "only-a"))

	wantDevice(t, st, da)
	wantDevice(t, st, db)
	wantNoDevice(t, st, pool, b, onlyA.Key)
	wantErr(t, "DeleteDevice of A's key as B", st.DeleteDevice(ctx, pool, b, onlyA.Key), store.ErrNotFound)
	wantDevices(t, st, pool, a, "only-a", "shared")
	wantDevices(t, st, pool, b, "shared")

	wantOK(t, "DeleteDevice of B's shared key", st.DeleteDevice(ctx, pool, b, "shared"))
	wantDevice(t, st, da)
	wantDevice(t, st, onlyA)
	wantDevices(t, st, pool, b)
	wantDevices(t, st, pool, a, "only-a", "shared")
}

func testDeviceOtherPool(t *testing.T, st store.Store, poolA string) {
	poolB := randomID(t, "pool-")
	ctx := t.Context()
	u := createUser(t, st, newUser(t, poolA))
	d := putDevice(t, st, newDevice(poolA, u.Sub, "k"))

	wantErr(t, "PutDevice in B for A's user", st.PutDevice(ctx, newDevice(poolB, u.Sub, "k")), store.ErrNotFound)
	wantNoDevice(t, st, poolB, u.Sub, "k")
	wantDevices(t, st, poolB, u.Sub)
	wantErr(t, "DeleteDevice in B", st.DeleteDevice(ctx, poolB, u.Sub, "k"), store.ErrNotFound)

	// The same sub in B is another user with its own devices.
	twin := newUser(t, poolB)
	twin.Sub = u.Sub
	createUser(t, st, twin)
	wantNoDevice(t, st, poolB, u.Sub, "k")
	wantDevices(t, st, poolB, u.Sub)
	db := newDevice(poolB, u.Sub, "k")
	db.Name = "B's"
	putDevice(t, st, db)
	wantDevice(t, st, db)
	wantOK(t, "DeleteUser in B", st.DeleteUser(ctx, poolB, u.Sub))
	wantNoDevice(t, st, poolB, u.Sub, "k")

	// Pool A kept everything.
	wantDevice(t, st, d)
	wantDevices(t, st, poolA, u.Sub, "k")
}

func testDeviceUserDeleted(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	doomed := createSubject(t, st, pool)
	kept := createSubject(t, st, pool)
	var keptDevices []store.Device
	for _, key := range []string{"k1", "k2", "k3"} {
		putDevice(t, st, newDevice(pool, doomed, key))
		keptDevices = append(keptDevices, putDevice(t, st, newDevice(pool, kept, key)))
	}
	wantOK(t, "DeleteUser", st.DeleteUser(ctx, pool, doomed))
	for _, key := range []string{"k1", "k2", "k3"} {
		wantNoDevice(t, st, pool, doomed, key)
	}
	wantDevices(t, st, pool, doomed)
	wantErr(t, "PutDevice of the deleted user", st.PutDevice(ctx, newDevice(pool, doomed, "k4")), store.ErrNotFound)

	// The sub created again starts with no devices.
	again := newUser(t, pool)
	again.Sub = doomed
	createUser(t, st, again)
	wantDevices(t, st, pool, doomed)

	for _, d := range keptDevices {
		wantDevice(t, st, d)
	}
	wantDevices(t, st, pool, kept, "k1", "k2", "k3")
}

func testDeviceUserUpdated(t *testing.T, st store.Store, pool string) {
	u := newUser(t, pool)
	u.Aliases = map[string]string{"email": "dev@example.com"}
	u = createUser(t, st, u)
	d := putDevice(t, st, newDevice(pool, u.Sub, "k"))
	u.Username, u.UsernameKey = "renamed", "renamed"
	u.Aliases = map[string]string{"phone_number": "+15555550199"}
	u.MFA = fullMFA()
	_, err := st.UpdateUser(t.Context(), u)
	wantOK(t, "UpdateUser", err)
	wantDevice(t, st, d)
	wantDevices(t, st, pool, u.Sub, "k")
}

func testDeviceRecordsCopied(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	d := newDevice(pool, sub, "k")
	want := newDevice(pool, sub, "k")
	scribble := func(d *store.Device) {
		for i := range d.Verifier {
			d.Verifier[i] ^= 0x5a
		}
		d.Attributes["device_name"] = "scribbled"
		d.Attributes["added"] = "scribbled"
	}
	putDevice(t, st, d)
	scribble(&d)
	wantDevice(t, st, want)
	got, err := st.GetDevice(t.Context(), pool, sub, "k")
	wantOK(t, "GetDevice", err)
	scribble(&got)
	list := listDevices(t, st, pool, sub, "", 10)
	for i := range list {
		scribble(&list[i])
	}
	wantDevice(t, st, want)
	wantSame(t, "ListDevices", listDevices(t, st, pool, sub, "", 10)[0], want, normDevice)
}

func testDeviceMalformed(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	sub := createSubject(t, st, pool)
	for _, tc := range []struct {
		name   string
		modify func(*store.Device)
	}{
		{"pool id missing", func(d *store.Device) { d.PoolID = "" }},
		{"subject missing", func(d *store.Device) { d.Subject = "" }},
		{"key missing", func(d *store.Device) { d.Key = "" }},
	} {
		d := newDevice(pool, sub, "k")
		tc.modify(&d)
		wantErr(t, "PutDevice with "+tc.name, st.PutDevice(ctx, d), store.ErrInvalid)
	}
	wantDevices(t, st, pool, sub)
	putDevice(t, st, newDevice(pool, sub, "k"))
	for _, limit := range []int{0, -1, math.MinInt} {
		_, err := st.ListDevices(ctx, pool, sub, "", limit)
		wantErr(t, "ListDevices with a limit of "+itoa(limit), err, store.ErrInvalid)
	}
	if got := listDevices(t, st, pool, sub, "", math.MaxInt); len(got) != 1 {
		t.Errorf("ListDevices with a limit of math.MaxInt returned %d devices, want 1", len(got))
	}
}

func testDeviceCancelledContext(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	wantErr(t, "PutDevice", st.PutDevice(ctx, newDevice(pool, sub, "k")), context.Canceled)
	wantNoDevice(t, st, pool, sub, "k")
}

func testConcurrentDevicePutsOneKey(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	const n = 20
	puts := make([]store.Device, n)
	for i := range puts {
		d := newDevice(pool, sub, "contested")
		d.Name = "writer " + itoa(i)
		d.Verifier = []byte{byte(i), byte(i)}
		d.Remembered = i%2 == 0
		d.Attributes = map[string]string{"writer": itoa(i)}
		for j := range i % 4 {
			d.Attributes["extra"+itoa(j)] = itoa(i)
		}
		d.LastAuthenticated = at(time.Duration(i) * time.Second)
		puts[i] = d
	}
	errs := race(n, func(i int) error { return st.PutDevice(t.Context(), puts[i]) })
	tally(t, "PutDevice", errs, n, is())
	list := listDevices(t, st, pool, sub, "", 10)
	if len(list) != 1 {
		t.Fatalf("ListDevices after concurrent puts of one key returned %d devices, want 1", len(list))
	}
	got := list[0]
	i, err := strconv.Atoi(got.Attributes["writer"])
	if err != nil || i < 0 || i >= n {
		t.Fatalf("stored device has writer %q, want one of the puts", got.Attributes["writer"])
	}
	wantSame(t, "stored device (all of one put)", got, puts[i], normDevice)
	wantDevice(t, st, puts[i])
}

func testConcurrentDevicePutsDistinctKeys(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	const n = 20
	var want []string
	for i := range n {
		want = append(want, "key-"+strconv.Itoa(100+i))
	}
	errs := race(n, func(i int) error { return st.PutDevice(t.Context(), newDevice(pool, sub, want[i])) })
	tally(t, "PutDevice", errs, n, is())
	wantDevices(t, st, pool, sub, want...)
}

func testConcurrentDevicePutAndUserDelete(t *testing.T, st store.Store, pool string) {
	for round := range 20 {
		u := createUser(t, st, newUser(t, pool))
		errs := race(2, func(i int) error {
			if i == 0 {
				return st.PutDevice(t.Context(), newDevice(pool, u.Sub, "k"))
			}
			return st.DeleteUser(t.Context(), pool, u.Sub)
		})
		if errs[0] != nil && !is(store.ErrNotFound)(errs[0]) {
			t.Fatalf("round %d: PutDevice: %v", round, errs[0])
		}
		wantOK(t, "DeleteUser in round "+itoa(round), errs[1])
		wantNoDevice(t, st, pool, u.Sub, "k")
		again := newUser(t, pool)
		again.Sub = u.Sub
		createUser(t, st, again)
		wantDevices(t, st, pool, u.Sub)
	}
}
