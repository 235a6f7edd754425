package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

var outboxTests = []conformanceTest{
	{"a queued delivery is claimed once per lease and again after it", testOutboxLease},
	{"a claim takes the earliest due deliveries up to the limit", testOutboxOrderAndLimit},
	{"deliveries not yet due or expired are not claimed", testOutboxNotDue},
	{"a deleted delivery is gone and deleting it again is not found", testOutboxDelete},
	{"a duplicate delivery ID is refused", testOutboxDuplicate},
	{"deliveries are kept apart by pool", testOutboxPools},
	{"expired deliveries are removed by Cleanup and live ones kept", testOutboxCleanup},
	{"twenty concurrent claimers never share a delivery", testOutboxConcurrentClaims},
	{"malformed deliveries and claims are invalid", testOutboxMalformed},
}

// newDelivery is a delivery of pool due at due that expires an hour
// after epoch.
func newDelivery(t *testing.T, pool string, due time.Duration) store.Delivery {
	return store.Delivery{PoolID: pool, ID: randomID(t, "d-"), Payload: []byte("sealed " + randomID(t, "")),
		DueAt: at(due).In(elsewhere), ExpiresAt: at(time.Hour), CreatedAt: at(0)}
}

func enqueue(t *testing.T, st store.Store, ds ...store.Delivery) {
	t.Helper()
	for _, d := range ds {
		wantOK(t, "EnqueueDelivery", st.EnqueueDelivery(t.Context(), d))
	}
}

func claim(t *testing.T, st store.Store, pool string, now time.Duration, limit int) []store.Delivery {
	t.Helper()
	got, err := st.ClaimDeliveries(t.Context(), pool, at(now), time.Minute, limit)
	wantOK(t, "ClaimDeliveries", err)
	return got
}

func claimedIDs(ds []store.Delivery) []string {
	ids := make([]string, len(ds))
	for i, d := range ds {
		ids[i] = d.ID
	}
	return ids
}

func testOutboxLease(t *testing.T, st store.Store, pool string) {
	d := newDelivery(t, pool, 0)
	enqueue(t, st, d)
	got := claim(t, st, pool, time.Second, 10)
	if len(got) != 1 {
		t.Fatalf("first claim got %d deliveries, want 1", len(got))
	}
	c := got[0]
	if c.ID != d.ID || string(c.Payload) != string(d.Payload) || c.Attempts != 1 ||
		!c.DueAt.Equal(at(time.Second+time.Minute)) || !c.ExpiresAt.Equal(d.ExpiresAt) || !c.CreatedAt.Equal(d.CreatedAt) {
		t.Fatalf("claimed %+v, want %+v with one attempt, due a lease after the claim", c, d)
	}
	if again := claim(t, st, pool, 30*time.Second, 10); len(again) != 0 {
		t.Fatalf("claimed %d deliveries inside the lease, want 0", len(again))
	}
	again := claim(t, st, pool, time.Second+time.Minute, 10)
	if len(again) != 1 || again[0].Attempts != 2 {
		t.Fatalf("claim after the lease got %+v, want the delivery with two attempts", again)
	}
}

func testOutboxOrderAndLimit(t *testing.T, st store.Store, pool string) {
	late, early, middle := newDelivery(t, pool, 3*time.Second), newDelivery(t, pool, time.Second), newDelivery(t, pool, 2*time.Second)
	enqueue(t, st, late, early, middle)
	want := []string{early.ID, middle.ID}
	slices.Sort(want)
	got := claimedIDs(claim(t, st, pool, 5*time.Second, 2))
	slices.Sort(got) // the contract picks the earliest, in no order
	if !slices.Equal(got, want) {
		t.Fatalf("claimed %v, want the two earliest %v", got, want)
	}
	if got := claimedIDs(claim(t, st, pool, 5*time.Second, 2)); !slices.Equal(got, []string{late.ID}) {
		t.Fatalf("second claim got %v, want the rest %v", got, []string{late.ID})
	}
}

func testOutboxNotDue(t *testing.T, st store.Store, pool string) {
	future := newDelivery(t, pool, 10*time.Minute)
	lapsed := newDelivery(t, pool, 0)
	lapsed.ExpiresAt = at(time.Minute)
	enqueue(t, st, future, lapsed)
	if got := claim(t, st, pool, time.Minute, 10); len(got) != 0 {
		t.Fatalf("claimed %v at the expiry of one and before the other was due, want none", claimedIDs(got))
	}
	if got := claimedIDs(claim(t, st, pool, 10*time.Minute, 10)); !slices.Equal(got, []string{future.ID}) {
		t.Fatalf("claimed %v once due, want %v", got, []string{future.ID})
	}
}

func testOutboxDelete(t *testing.T, st store.Store, pool string) {
	d := newDelivery(t, pool, 0)
	enqueue(t, st, d)
	wantOK(t, "DeleteDelivery", st.DeleteDelivery(t.Context(), pool, d.ID))
	wantErr(t, "DeleteDelivery again", st.DeleteDelivery(t.Context(), pool, d.ID), store.ErrNotFound)
	if got := claim(t, st, pool, time.Second, 10); len(got) != 0 {
		t.Fatalf("claimed a deleted delivery: %v", claimedIDs(got))
	}
}

func testOutboxDuplicate(t *testing.T, st store.Store, pool string) {
	d := newDelivery(t, pool, 0)
	enqueue(t, st, d)
	d2 := d
	d2.Payload = []byte("other")
	wantExists(t, "EnqueueDelivery with a taken ID", st.EnqueueDelivery(t.Context(), d2), "delivery")
	got := claim(t, st, pool, time.Second, 10)
	if len(got) != 1 || string(got[0].Payload) != string(d.Payload) {
		t.Fatalf("claimed %+v, want only the first delivery", got)
	}
}

func testOutboxPools(t *testing.T, st store.Store, pool string) {
	other := randomID(t, "pool-")
	d := newDelivery(t, pool, 0)
	o := newDelivery(t, other, 0)
	o.ID = d.ID // the same ID in another pool is another delivery
	enqueue(t, st, d, o)
	if got := claim(t, st, pool, time.Second, 10); len(got) != 1 || string(got[0].Payload) != string(d.Payload) {
		t.Fatalf("claimed %+v in the pool, want only its own delivery", got)
	}
	wantErr(t, "DeleteDelivery in another pool", st.DeleteDelivery(t.Context(), pool+"x", d.ID), store.ErrNotFound)
	if got := claim(t, st, other, time.Second, 10); len(got) != 1 || string(got[0].Payload) != string(o.Payload) {
		t.Fatalf("claimed %+v in the other pool, want its delivery", got)
	}
}

func testOutboxCleanup(t *testing.T, st store.Store, pool string) {
	lapsed := newDelivery(t, pool, 0)
	lapsed.ExpiresAt = cleanupNow
	live := newDelivery(t, pool, 0)
	live.ExpiresAt = cleanupNow.Add(time.Microsecond)
	enqueue(t, st, lapsed, live)
	cleanup(t, st, pool, cleanupParams(100), 1)
	got, err := st.ClaimDeliveries(t.Context(), pool, cleanupNow.Add(-time.Hour), time.Minute, 10)
	wantOK(t, "ClaimDeliveries", err)
	if ids := claimedIDs(got); !slices.Equal(ids, []string{live.ID}) {
		t.Fatalf("after Cleanup the outbox holds %v, want only the live delivery %v", ids, live.ID)
	}
}

func testOutboxConcurrentClaims(t *testing.T, st store.Store, pool string) {
	const n = 40
	for range n {
		enqueue(t, st, newDelivery(t, pool, 0))
	}
	var mu sync.Mutex
	seen := map[string]int{}
	errs := race(20, func(int) error {
		got, err := st.ClaimDeliveries(t.Context(), pool, at(time.Second), time.Minute, 3)
		mu.Lock()
		defer mu.Unlock()
		for _, d := range got {
			seen[d.ID]++
		}
		return err
	})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("claimer %d: %v", i, err)
		}
	}
	total := 0
	for id, k := range seen {
		if k != 1 {
			t.Errorf("delivery %s was claimed %d times in one lease", id, k)
		}
		total += k
	}
	if total != n {
		t.Errorf("20 claimers of 3 took %d of %d deliveries, want all of them", total, n)
	}
}

func testOutboxMalformed(t *testing.T, st store.Store, pool string) {
	for name, mutate := range map[string]func(*store.Delivery){
		"no pool":    func(d *store.Delivery) { d.PoolID = "" },
		"no id":      func(d *store.Delivery) { d.ID = "" },
		"no payload": func(d *store.Delivery) { d.Payload = nil },
		"no due":     func(d *store.Delivery) { d.DueAt = time.Time{} },
		"no expiry":  func(d *store.Delivery) { d.ExpiresAt = time.Time{} },
	} {
		d := newDelivery(t, pool, 0)
		mutate(&d)
		wantErr(t, "EnqueueDelivery with "+name, st.EnqueueDelivery(t.Context(), d), store.ErrInvalid)
	}
	for name, call := range map[string]func() error{
		"no pool":    func() error { _, err := st.ClaimDeliveries(t.Context(), "", at(0), time.Minute, 1); return err },
		"zero lease": func() error { _, err := st.ClaimDeliveries(t.Context(), pool, at(0), 0, 1); return err },
		"zero limit": func() error { _, err := st.ClaimDeliveries(t.Context(), pool, at(0), time.Minute, 0); return err },
	} {
		wantErr(t, "ClaimDeliveries with "+name, call(), store.ErrInvalid)
	}
	if got := claim(t, st, pool, time.Second, 10); len(got) != 0 {
		t.Fatalf("malformed deliveries were stored: %v", claimedIDs(got))
	}
}
