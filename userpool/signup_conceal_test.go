package userpool_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

func concealExisting(c *userpool.Config) { c.ConcealExistingAccounts = true }

func TestASignUpWithATakenUsernameAnswersAsAFreshOneAndTellsTheOwner(t *testing.T) {
	e := newFastEnv(t, concealExisting)
	aliceSub := e.confirmedUser("alice", "alice@example.com")
	before := len(e.mail().Emails())

	signUp := func(username, address string) *userpool.SignUpOutput {
		t.Helper()
		out, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: username, Password: "Quiet-river-Stone-77",
			UserAttributes: []userpool.Attribute{email(address)}})
		wantNoError(t, "SignUp("+username+")", err)
		return out
	}
	taken, fresh := signUp("alice", "mallory@example.com"), signUp("carol", "carol@example.com")
	if taken.UserSub == aliceSub || taken.UserSub == "" || taken.UserConfirmed != fresh.UserConfirmed ||
		taken.CodeDeliveryDetails == nil || *taken.CodeDeliveryDetails != (userpool.CodeDeliveryDetails{
		Destination: "m***@e***", DeliveryMedium: "EMAIL", AttributeName: "email"}) {
		t.Fatalf("a taken username is answered %+v (delivery %+v), a fresh one %+v", taken, taken.CodeDeliveryDetails, fresh)
	}

	mail := e.mail()
	if _, ok := mail.LastEmail("mallory@example.com"); ok {
		t.Fatal("the stranger's address got a message")
	}
	notice, ok := mail.LastEmail("alice@example.com")
	if !ok || len(mail.Emails()) != before+2 || notice.Subject != "You already have an account" || codePattern.MatchString(notice.Text) {
		t.Fatalf("the owner was not told, or got a code: %+v (%d emails)", notice, len(mail.Emails()))
	}

	// Confirming answers as a wrong code for a fresh user does; the owner
	// keeps her account and password.
	wrongForTaken, wrongForFresh := e.confirm("alice", "123456"), e.confirm("carol", otherCode(e.lastCode("carol@example.com")))
	if outcome(wrongForTaken) != outcome(wrongForFresh) {
		t.Fatalf("confirming the taken name answers %q, a fresh one %q", outcome(wrongForTaken), outcome(wrongForFresh))
	}
	if got := e.user("alice"); got.Sub != aliceSub || got.Status != store.StatusConfirmed {
		t.Fatalf("alice's account changed: %+v", got)
	}
	e.mustSignIn("alice", goodPW)
	if _, err := e.signIn("alice", "Quiet-river-Stone-77"); err == nil {
		t.Fatal("the stranger's password signs in")
	}
}

func TestTheOwnerIsToldAtMostAsOftenAsCodesAreSent(t *testing.T) {
	e := newFastEnv(t, concealExisting)
	e.confirmedUser("alice", "alice@example.com")
	e.mail().Reset()
	for i := range 8 {
		_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "alice", Password: goodPW,
			UserAttributes: []userpool.Attribute{email("mallory@example.com")}})
		wantNoError(t, "SignUp "+strconv.Itoa(i+1), err) // the limit must not tell either
	}
	// The send limit is 5 an hour, and alice's own sign-up code was one.
	if n := len(e.mail().Emails()); n != 4 {
		t.Fatalf("the owner got %d notices for 8 sign-ups, want the 4 the send limit leaves", n)
	}
}

func TestASignUpWithATakenEmailUsernameIsConcealedToo(t *testing.T) {
	e := newFastEnv(t, concealExisting, func(c *userpool.Config) { c.UsernameAttributes = []string{"email"} })
	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "ada@example.com", Password: goodPW})
	wantNoError(t, "SignUp", err)
	code := e.lastCode("ada@example.com")
	wantNoError(t, "ConfirmSignUp", e.confirm("ada@example.com", code))
	out, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "ADA@example.com", Password: goodPW})
	wantNoError(t, "SignUp with the taken address", err)
	if out.CodeDeliveryDetails == nil || out.CodeDeliveryDetails.Destination != "A***@e***" {
		t.Fatalf("delivery = %+v", out.CodeDeliveryDetails)
	}
	if m, _ := e.mail().LastEmail("ada@example.com"); m.Subject != "You already have an account" {
		t.Fatalf("the owner's newest email is %q", m.Subject)
	}
}

func TestWithoutTheOptionATakenUsernameIsRefusedAsInCognito(t *testing.T) {
	e := newFastEnv(t)
	e.confirmedUser("alice", "alice@example.com")
	_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: "alice", Password: goodPW,
		UserAttributes: []userpool.Attribute{email("mallory@example.com")}})
	if !errors.Is(err, userpool.ErrUsernameExists) {
		t.Fatalf("err = %v, want UsernameExistsException", err)
	}
}

func TestATakenAndAFreshSignUpCostTheSameStoreWrites(t *testing.T) {
	rec := &recordingStore{Store: memory.New()}
	e := newEnv(t, rec, concealExisting)
	e.confirmedUser("alice", "alice@example.com")
	e.mail()
	writes := func(username string) []string {
		rec.start()
		_, err := e.pool.SignUp(e.ctx, userpool.SignUpInput{ClientID: webClient, Username: username, Password: goodPW,
			UserAttributes: []userpool.Attribute{email("someone@example.com")}})
		wantNoError(t, "SignUp("+username+")", err)
		return rec.stop()
	}
	taken, fresh := writes("alice"), writes("carol")
	if !slices.Equal(taken, fresh) {
		t.Fatalf("a taken username costs %v, a fresh one %v", taken, fresh)
	}
}

func (r *recordingStore) CreateUser(ctx context.Context, u store.User) (store.User, error) {
	r.note("CreateUser")
	return r.Store.CreateUser(ctx, u)
}
