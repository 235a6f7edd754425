package storetest

import (
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store"
)

var authEventTests = []conformanceTest{
	{"every field round trips through put, get and list", testAuthEventRoundTrips},
	{"a duplicate ID is an ExistsError naming id and changes nothing", testAuthEventDuplicate},
	{"an event of an unknown user is not found and not stored", testAuthEventUnknownUser},
	{"list is newest first, ties broken by ID in byte order, and pages after (time, ID)", testAuthEventListOrder},
	{"events of other users and pools are never listed or got", testAuthEventIsolation},
	{"a missing event is not found", testAuthEventMissing},
	{"feedback with the right token is recorded once and clears the token", testAuthEventFeedbackToken},
	{"feedback with a wrong token, or on an event without one, is a mismatch and changes nothing", testAuthEventFeedbackWrongToken},
	{"an administrator's feedback needs no token and clears it", testAuthEventFeedbackAdmin},
	{"twenty concurrent feedbacks with one token have exactly one winner", testAuthEventConcurrentFeedback},
	{"deleting the user deletes its events", testAuthEventDeleteUser},
	{"Cleanup removes events created before EventsBefore within the limit and keeps the rest", testAuthEventCleanup},
	{"malformed events are invalid and store nothing", testAuthEventMalformed},
	{"records handed in or returned share no memory with the store", testAuthEventRecordsCopied},
}

// newEvent returns an event of the user with every field set, created at
// epoch+created in a non-UTC location.
func newEvent(t *testing.T, pool, sub string, created time.Duration) store.AuthEvent {
	t.Helper()
	return store.AuthEvent{
		PoolID:                         pool,
		Subject:                        sub,
		ID:                             randomID(t, "ev-"),
		Type:                           "SignIn",
		Response:                       "Pass",
		CreatedAt:                      at(created).In(elsewhere),
		RiskDecision:                   "AccountTakeover",
		RiskLevel:                      "High",
		CompromisedCredentialsDetected: true,
		ChallengeResponses:             map[string]string{"Password": "Success", "Mfa": "Failure", "ünïcode ✓": "\"quoted\""},
		IPAddress:                      "203.0.113.7",
		DeviceName:                     "Firefox on Linux",
		DeviceKey:                      "device-cookie-1",
		City:                           "Zürich",
		Country:                        "Switzerland",
		Timezone:                       "+01:00",
		Feedback:                       "",
		FeedbackProvider:               "",
		FeedbackToken:                  randomHash(t),
	}
}

// putEvent stores e and fails the test if it cannot.
func putEvent(t *testing.T, st store.Store, e store.AuthEvent) store.AuthEvent {
	t.Helper()
	wantOK(t, "PutAuthEvent "+e.ID, st.PutAuthEvent(t.Context(), e))
	return e
}

// normEvent makes nil and empty alike for ChallengeResponses and
// FeedbackToken, and times UTC microseconds.
func normEvent(e store.AuthEvent) store.AuthEvent {
	e.ChallengeResponses = normMap(e.ChallengeResponses)
	e.FeedbackToken = normSlice(e.FeedbackToken)
	e.CreatedAt = normTime(e.CreatedAt)
	e.FeedbackAt = normTime(e.FeedbackAt)
	return e
}

// wantEvent checks that the event reads back as want through GetAuthEvent.
func wantEvent(t *testing.T, st store.Store, want store.AuthEvent) {
	t.Helper()
	got, err := st.GetAuthEvent(t.Context(), want.PoolID, want.Subject, want.ID)
	wantOK(t, "GetAuthEvent "+want.ID, err)
	wantSame(t, "GetAuthEvent "+want.ID, got, want, normEvent)
}

// wantNoEvent checks that GetAuthEvent does not find the event.
func wantNoEvent(t *testing.T, st store.Store, pool, sub, id string) {
	t.Helper()
	_, err := st.GetAuthEvent(t.Context(), pool, sub, id)
	wantErr(t, "GetAuthEvent "+id, err, store.ErrNotFound)
}

// listEvents lists one page and fails the test on an error.
func listEvents(t *testing.T, st store.Store, pool, sub string, beforeTime time.Time, beforeID string, limit int) []store.AuthEvent {
	t.Helper()
	list, err := st.ListAuthEvents(t.Context(), pool, sub, beforeTime, beforeID, limit)
	wantOK(t, "ListAuthEvents before "+strconv.Quote(beforeID), err)
	return list
}

// allEvents pages through the user's events with pages of size limit,
// each after the last event of the one before, and returns their IDs.
func allEvents(t *testing.T, st store.Store, pool, sub string, limit int) []string {
	t.Helper()
	var (
		ids        []string
		beforeTime time.Time
		beforeID   string
	)
	for range 1000 {
		page := listEvents(t, st, pool, sub, beforeTime, beforeID, limit)
		if len(page) > limit {
			t.Fatalf("ListAuthEvents returned %d events, over the limit %d", len(page), limit)
		}
		for _, e := range page {
			ids = append(ids, e.ID)
		}
		if len(page) < limit {
			return ids
		}
		last := page[len(page)-1]
		beforeTime, beforeID = last.CreatedAt.In(elsewhere), last.ID
	}
	t.Fatal("ListAuthEvents never reached the end")
	return nil
}

func eventIDs(es []store.AuthEvent) []string {
	ids := make([]string, len(es))
	for i, e := range es {
		ids[i] = e.ID
	}
	return ids
}

func testAuthEventRoundTrips(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	full := newEvent(t, pool, sub, time.Minute)
	full.Feedback, full.FeedbackProvider, full.FeedbackAt = "Valid", "Admin", at(2*time.Minute).In(elsewhere)
	full.FeedbackToken = []byte("not\x00utf-8\xff")
	bare := store.AuthEvent{PoolID: pool, Subject: sub, ID: randomID(t, "ev-"), Type: "SignUp", CreatedAt: at(0)}
	empty := store.AuthEvent{PoolID: pool, Subject: sub, ID: randomID(t, "ev-"), Type: "ForgotPassword",
		Response: "InProgress", CreatedAt: at(-time.Minute).In(elsewhere),
		ChallengeResponses: map[string]string{}, FeedbackToken: []byte{}}
	for _, e := range []store.AuthEvent{full, bare, empty} {
		putEvent(t, st, e)
		wantEvent(t, st, e)
		got, err := st.GetAuthEvent(t.Context(), pool, sub, e.ID)
		wantOK(t, "GetAuthEvent", err)
		wantTime(t, e.ID+" CreatedAt", got.CreatedAt, e.CreatedAt)
		wantTime(t, e.ID+" FeedbackAt", got.FeedbackAt, e.FeedbackAt)
	}
	list := listEvents(t, st, pool, sub, time.Time{}, "", 10)
	want := []store.AuthEvent{full, bare, empty}
	if len(list) != len(want) {
		t.Fatalf("ListAuthEvents returned %v, want %v", eventIDs(list), eventIDs(want))
	}
	for i := range want {
		wantSame(t, "ListAuthEvents["+itoa(i)+"]", list[i], want[i], normEvent)
	}
}

func testAuthEventDuplicate(t *testing.T, st store.Store, pool string) {
	sub, other := createSubject(t, st, pool), createSubject(t, st, pool)
	e := putEvent(t, st, newEvent(t, pool, sub, 0))
	again := e
	again.Type, again.Response, again.FeedbackToken = "PasswordChange", "Fail", randomHash(t)
	wantExists(t, "PutAuthEvent with a taken ID", st.PutAuthEvent(t.Context(), again), "id")
	again.Subject = other
	wantExists(t, "PutAuthEvent with an ID another user's event holds", st.PutAuthEvent(t.Context(), again), "id")
	wantEvent(t, st, e)
	if got := listEvents(t, st, pool, other, time.Time{}, "", 10); len(got) != 0 {
		t.Fatalf("the other user has events %v after a refused put", eventIDs(got))
	}
}

func testAuthEventUnknownUser(t *testing.T, st store.Store, pool string) {
	e := newEvent(t, pool, randomID(t, "sub-"), 0)
	wantErr(t, "PutAuthEvent of an unknown user", st.PutAuthEvent(t.Context(), e), store.ErrNotFound)
	wantNoEvent(t, st, pool, e.Subject, e.ID)
	// A user of another pool is unknown in this one.
	elsewhereSub := createSubject(t, st, randomID(t, "pool-"))
	e = newEvent(t, pool, elsewhereSub, 0)
	wantErr(t, "PutAuthEvent of another pool's user", st.PutAuthEvent(t.Context(), e), store.ErrNotFound)
	wantNoEvent(t, st, pool, e.Subject, e.ID)
}

func testAuthEventListOrder(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	// Ties at one instant are broken by ID in byte order, descending:
	// "é" (0xc3…) > "z" > "a" > "B" > "A" bytewise, whatever a locale says.
	tied := []string{"A", "B", "a", "z", "é"}
	var want []string
	for _, d := range []time.Duration{3 * time.Minute, 2 * time.Minute, time.Minute} {
		for _, id := range slices.Backward(tied) {
			want = append(want, strconv.Itoa(int(d/time.Minute))+"-"+id)
		}
	}
	want = append(want, "0-early")
	// Put them in a scrambled order.
	order := slices.Clone(want)
	for i := range order {
		j := (i * 7) % len(order)
		order[i], order[j] = order[j], order[i]
	}
	for _, id := range order {
		n, _ := strconv.Atoi(id[:1])
		e := newEvent(t, pool, sub, time.Duration(n)*time.Minute)
		e.ID = id
		putEvent(t, st, e)
	}
	for limit := 1; limit <= len(want)+1; limit++ {
		if got := allEvents(t, st, pool, sub, limit); !slices.Equal(got, want) {
			t.Fatalf("pages of %d listed %q, want %q", limit, got, want)
		}
	}
	// A cursor inside a tie continues with the smaller IDs of that instant;
	// it need not be an event that exists.
	for _, tc := range []struct {
		beforeTime time.Time
		beforeID   string
		want       []string
	}{
		{at(2 * time.Minute).In(elsewhere), "2-a", []string{"2-B", "2-A", "1-é"}},
		{at(2 * time.Minute), "2-b", []string{"2-a", "2-B", "2-A"}},
		{at(2*time.Minute + time.Microsecond), "0", []string{"2-é", "2-z", "2-a"}},
		{at(time.Minute), "1-A", []string{"0-early"}},
		{at(0), "0-early", nil},
	} {
		got := eventIDs(listEvents(t, st, pool, sub, tc.beforeTime, tc.beforeID, 3))
		if !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("3 events before (epoch+%v, %q) = %q, want %q", tc.beforeTime.Sub(epoch), tc.beforeID, got, tc.want)
		}
	}
	for _, limit := range []int{0, -1} {
		_, err := st.ListAuthEvents(t.Context(), pool, sub, time.Time{}, "", limit)
		wantErr(t, "ListAuthEvents with limit "+itoa(limit), err, store.ErrInvalid)
	}
}

func testAuthEventIsolation(t *testing.T, st store.Store, pool string) {
	sub, neighbour := createSubject(t, st, pool), createSubject(t, st, pool)
	otherPool := randomID(t, "pool-")
	u := newUser(t, otherPool)
	u.Sub = sub // the same sub in another pool is another user
	createUser(t, st, u)

	mine := putEvent(t, st, newEvent(t, pool, sub, 0))
	theirs := putEvent(t, st, newEvent(t, pool, neighbour, time.Minute))
	far := newEvent(t, otherPool, sub, 2*time.Minute)
	far.ID = mine.ID // the same ID in another pool is another event
	far.Type = "SignUp"
	putEvent(t, st, far)

	if got := eventIDs(listEvents(t, st, pool, sub, time.Time{}, "", 10)); !slices.Equal(got, []string{mine.ID}) {
		t.Errorf("the user's events are %q, want only %q", got, mine.ID)
	}
	if got := eventIDs(listEvents(t, st, pool, neighbour, time.Time{}, "", 10)); !slices.Equal(got, []string{theirs.ID}) {
		t.Errorf("the neighbour's events are %q, want only %q", got, theirs.ID)
	}
	wantEvent(t, st, mine)
	wantEvent(t, st, far)
	wantNoEvent(t, st, pool, sub, theirs.ID)
	wantNoEvent(t, st, pool, neighbour, mine.ID)
	wantNoEvent(t, st, pool+"x", sub, mine.ID)
	_, err := st.SetAuthEventFeedback(t.Context(), pool, neighbour, mine.ID,
		store.AuthEventFeedback{Value: "Invalid", Provider: "User", At: at(time.Hour), Token: mine.FeedbackToken})
	wantErr(t, "SetAuthEventFeedback as another user", err, store.ErrNotFound)
	wantEvent(t, st, mine)
	wantEvent(t, st, far)
}

func testAuthEventMissing(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	wantNoEvent(t, st, pool, sub, "ev-missing")
	wantNoEvent(t, st, pool, sub, "")
	_, err := st.SetAuthEventFeedback(t.Context(), pool, sub, "ev-missing",
		store.AuthEventFeedback{Value: "Valid", Provider: "Admin", At: at(0)})
	wantErr(t, "SetAuthEventFeedback of a missing event", err, store.ErrNotFound)
	if got := listEvents(t, st, pool, sub, time.Time{}, "", 10); len(got) != 0 {
		t.Fatalf("a user without events lists %q", eventIDs(got))
	}
	if got := listEvents(t, st, pool, "sub-unknown", time.Time{}, "", 10); len(got) != 0 {
		t.Fatalf("an unknown user lists %q", eventIDs(got))
	}
}

// withFeedback is e as SetAuthEventFeedback leaves it after f succeeded.
func withFeedback(e store.AuthEvent, f store.AuthEventFeedback) store.AuthEvent {
	e.Feedback, e.FeedbackProvider, e.FeedbackAt, e.FeedbackToken = f.Value, f.Provider, f.At, nil
	return e
}

func testAuthEventFeedbackToken(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	e := putEvent(t, st, newEvent(t, pool, sub, 0))
	f := store.AuthEventFeedback{Value: "Invalid", Provider: "User", At: at(time.Hour).In(elsewhere),
		Token: slices.Clone(e.FeedbackToken)}
	want := withFeedback(e, f)
	got, err := st.SetAuthEventFeedback(t.Context(), pool, sub, e.ID, f)
	wantOK(t, "SetAuthEventFeedback with the token", err)
	wantSame(t, "SetAuthEventFeedback result", got, want, normEvent)
	wantEvent(t, st, want)

	again := store.AuthEventFeedback{Value: "Valid", Provider: "User", At: at(2 * time.Hour), Token: e.FeedbackToken}
	_, err = st.SetAuthEventFeedback(t.Context(), pool, sub, e.ID, again)
	wantErr(t, "SetAuthEventFeedback with the used token", err, store.ErrCodeMismatch)
	wantEvent(t, st, want)
}

func testAuthEventFeedbackWrongToken(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	e := putEvent(t, st, newEvent(t, pool, sub, 0))
	for name, token := range map[string][]byte{
		"another token":             randomHash(t),
		"a prefix of the token":     e.FeedbackToken[:16],
		"the token and more":        append(slices.Clone(e.FeedbackToken), 0),
		"the token with a bit flip": append([]byte{e.FeedbackToken[0] ^ 1}, e.FeedbackToken[1:]...),
	} {
		_, err := st.SetAuthEventFeedback(t.Context(), pool, sub, e.ID,
			store.AuthEventFeedback{Value: "Invalid", Provider: "User", At: at(time.Hour), Token: token})
		wantErr(t, "SetAuthEventFeedback with "+name, err, store.ErrCodeMismatch)
		wantEvent(t, st, e)
	}
	for _, stored := range [][]byte{nil, {}} {
		bare := newEvent(t, pool, sub, 0)
		bare.FeedbackToken = stored
		putEvent(t, st, bare)
		_, err := st.SetAuthEventFeedback(t.Context(), pool, sub, bare.ID,
			store.AuthEventFeedback{Value: "Invalid", Provider: "User", At: at(time.Hour), Token: randomHash(t)})
		wantErr(t, "SetAuthEventFeedback with a token on an event without one", err, store.ErrCodeMismatch)
		wantEvent(t, st, bare)
	}
	// The right token still works after the wrong ones.
	f := store.AuthEventFeedback{Value: "Valid", Provider: "User", At: at(time.Hour), Token: e.FeedbackToken}
	_, err := st.SetAuthEventFeedback(t.Context(), pool, sub, e.ID, f)
	wantOK(t, "SetAuthEventFeedback with the token after wrong ones", err)
	wantEvent(t, st, withFeedback(e, f))
}

func testAuthEventFeedbackAdmin(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	e := putEvent(t, st, newEvent(t, pool, sub, 0))
	f := store.AuthEventFeedback{Value: "Valid", Provider: "Admin", At: at(time.Hour)}
	got, err := st.SetAuthEventFeedback(t.Context(), pool, sub, e.ID, f)
	wantOK(t, "SetAuthEventFeedback without a token", err)
	want := withFeedback(e, f)
	wantSame(t, "SetAuthEventFeedback result", got, want, normEvent)
	wantEvent(t, st, want)
	// The user's token was cleared with it.
	_, err = st.SetAuthEventFeedback(t.Context(), pool, sub, e.ID,
		store.AuthEventFeedback{Value: "Invalid", Provider: "User", At: at(2 * time.Hour), Token: e.FeedbackToken})
	wantErr(t, "SetAuthEventFeedback with the token after an administrator's", err, store.ErrCodeMismatch)
	wantEvent(t, st, want)
	// An administrator may change the feedback again, also on an event
	// that never had a token.
	f = store.AuthEventFeedback{Value: "Invalid", Provider: "Admin", At: at(3 * time.Hour), Token: []byte{}}
	_, err = st.SetAuthEventFeedback(t.Context(), pool, sub, e.ID, f)
	wantOK(t, "SetAuthEventFeedback by an administrator again", err)
	wantEvent(t, st, withFeedback(e, f))
	bare := newEvent(t, pool, sub, 0)
	bare.FeedbackToken = nil
	putEvent(t, st, bare)
	_, err = st.SetAuthEventFeedback(t.Context(), pool, sub, bare.ID, f)
	wantOK(t, "SetAuthEventFeedback by an administrator on an event without a token", err)
	wantEvent(t, st, withFeedback(bare, f))
}

func testAuthEventConcurrentFeedback(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	e := putEvent(t, st, newEvent(t, pool, sub, 0))
	fs := make([]store.AuthEventFeedback, 20)
	for i := range fs {
		fs[i] = store.AuthEventFeedback{Value: []string{"Valid", "Invalid"}[i%2], Provider: "User",
			At: at(time.Duration(i+1) * time.Minute), Token: slices.Clone(e.FeedbackToken)}
	}
	var (
		mu      sync.Mutex
		results = make([]store.AuthEvent, len(fs))
	)
	errs := race(len(fs), func(i int) error {
		got, err := st.SetAuthEventFeedback(t.Context(), pool, sub, e.ID, fs[i])
		mu.Lock()
		results[i] = got
		mu.Unlock()
		return err
	})
	win := tally(t, "SetAuthEventFeedback", errs, 1, is(store.ErrCodeMismatch))
	want := withFeedback(e, fs[win[0]])
	wantSame(t, "the winner's result", results[win[0]], want, normEvent)
	wantEvent(t, st, want)
}

func testAuthEventDeleteUser(t *testing.T, st store.Store, pool string) {
	sub, neighbour := createSubject(t, st, pool), createSubject(t, st, pool)
	gone := []store.AuthEvent{putEvent(t, st, newEvent(t, pool, sub, 0)), putEvent(t, st, newEvent(t, pool, sub, time.Minute))}
	kept := putEvent(t, st, newEvent(t, pool, neighbour, 0))
	wantOK(t, "DeleteUser", st.DeleteUser(t.Context(), pool, sub))
	for _, e := range gone {
		wantNoEvent(t, st, pool, sub, e.ID)
	}
	if got := listEvents(t, st, pool, sub, time.Time{}, "", 10); len(got) != 0 {
		t.Fatalf("the deleted user still lists %q", eventIDs(got))
	}
	wantEvent(t, st, kept)
	// A user created again under the sub starts with no events, and the
	// IDs of the deleted events are free.
	u := newUser(t, pool)
	u.Sub = sub
	createUser(t, st, u)
	if got := listEvents(t, st, pool, sub, time.Time{}, "", 10); len(got) != 0 {
		t.Fatalf("the user created again lists %q", eventIDs(got))
	}
	putEvent(t, st, gone[0])
	wantEvent(t, st, gone[0])
}

func testAuthEventCleanup(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	cutoff := cleanupIdle
	var old, young []string
	for i := range 5 {
		old = append(old, putEvent(t, st, newEvent(t, pool, sub, cutoff.Sub(epoch)-time.Duration(i+1)*time.Minute)).ID)
	}
	old = append(old, putEvent(t, st, newEvent(t, pool, sub, cutoff.Sub(epoch)-time.Microsecond)).ID)
	young = append(young, putEvent(t, st, newEvent(t, pool, sub, cutoff.Sub(epoch))).ID)
	young = append(young, putEvent(t, st, newEvent(t, pool, sub, cleanupNow.Sub(epoch)+time.Hour)).ID)
	otherPool := randomID(t, "pool-")
	far := putEvent(t, st, newEvent(t, otherPool, createSubject(t, st, otherPool), 0))

	// Without a cutoff every event is kept.
	cleanup(t, st, pool, cleanupParams(100), 0)
	if got := allEvents(t, st, pool, sub, 100); len(got) != len(old)+len(young) {
		t.Fatalf("Cleanup without EventsBefore left %d events, want all %d", len(got), len(old)+len(young))
	}

	p := cleanupParams(4)
	p.EventsBefore = cutoff.In(elsewhere)
	cleanup(t, st, pool, p, 4)
	if got := allEvents(t, st, pool, sub, 100); len(got) != len(old)+len(young)-4 {
		t.Fatalf("after one Cleanup of limit 4, %d events are left, want %d", len(got), len(old)+len(young)-4)
	}
	cleanup(t, st, pool, p, 2)
	cleanup(t, st, pool, p, 0)
	got := allEvents(t, st, pool, sub, 100)
	slices.Sort(got)
	slices.Sort(young)
	if !slices.Equal(got, young) {
		t.Fatalf("after Cleanup the events left are %q, want those created at or after EventsBefore %q", got, young)
	}
	wantEvent(t, st, far)
}

func testAuthEventMalformed(t *testing.T, st store.Store, pool string) {
	sub := createSubject(t, st, pool)
	for name, mutate := range map[string]func(*store.AuthEvent){
		"no pool":          func(e *store.AuthEvent) { e.PoolID = "" },
		"no subject":       func(e *store.AuthEvent) { e.Subject = "" },
		"no id":            func(e *store.AuthEvent) { e.ID = "" },
		"no type":          func(e *store.AuthEvent) { e.Type = "" },
		"no creation time": func(e *store.AuthEvent) { e.CreatedAt = time.Time{} },
	} {
		e := newEvent(t, pool, sub, 0)
		mutate(&e)
		wantErr(t, "PutAuthEvent with "+name, st.PutAuthEvent(t.Context(), e), store.ErrInvalid)
		if e.ID != "" && e.PoolID != "" && e.Subject != "" {
			wantNoEvent(t, st, pool, sub, e.ID)
		}
	}
	if got := listEvents(t, st, pool, sub, time.Time{}, "", 10); len(got) != 0 {
		t.Fatalf("malformed events were stored: %q", eventIDs(got))
	}
}

func testAuthEventRecordsCopied(t *testing.T, st store.Store, pool string) {
	ctx := t.Context()
	sub := createSubject(t, st, pool)
	in := newEvent(t, pool, sub, 0)
	want := in
	want.ChallengeResponses = map[string]string{}
	for k, v := range in.ChallengeResponses {
		want.ChallengeResponses[k] = v
	}
	want.FeedbackToken = slices.Clone(in.FeedbackToken)
	putEvent(t, st, in)
	in.ChallengeResponses["Password"] = "changed by caller"
	in.FeedbackToken[0] ^= 0xff

	got, err := st.GetAuthEvent(ctx, pool, sub, want.ID)
	wantOK(t, "GetAuthEvent", err)
	got.ChallengeResponses["Mfa"] = "changed through get"
	got.FeedbackToken[1] ^= 0xff
	list := listEvents(t, st, pool, sub, time.Time{}, "", 10)
	if len(list) != 1 {
		t.Fatalf("ListAuthEvents returned %d events, want 1", len(list))
	}
	list[0].ChallengeResponses["new"] = "added through list"
	list[0].FeedbackToken[2] ^= 0xff
	wantEvent(t, st, want)

	f := store.AuthEventFeedback{Value: "Valid", Provider: "User", At: at(time.Hour), Token: slices.Clone(want.FeedbackToken)}
	updated, err := st.SetAuthEventFeedback(ctx, pool, sub, want.ID, f)
	wantOK(t, "SetAuthEventFeedback", err)
	f.Token[0] ^= 0xff
	delete(updated.ChallengeResponses, "Password")
	wantEvent(t, st, withFeedback(want, store.AuthEventFeedback{Value: "Valid", Provider: "User", At: at(time.Hour)}))
}
