package userpool_test

import (
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// wantNotice checks the newest email to address is a security notice with
// this subject that names the account.
func (e *env) wantNotice(address, subject, username string) {
	e.t.Helper()
	m, ok := e.mail().LastEmail(address)
	if !ok || m.Subject != subject || !strings.Contains(m.Text, username) || codePattern.MatchString(m.Text) {
		e.t.Fatalf("newest email to %s = %+v (found %v), want the notice %q", address, m, ok, subject)
	}
}

// A change to how an account signs in is told to its owner, so a change
// they did not make does not go unnoticed.
func TestAccountChangesAreToldToTheOwner(t *testing.T) {
	e := newFastEnv(t, withMFA(userpool.MFAOptional, userpool.FactorTOTP))
	e.confirmedUser("nina", "nina@example.com")

	res := e.mustSignIn("nina", goodPW)
	wantNoError(t, "ChangePassword", errOf(e.pool.ChangePassword(e.ctx, userpool.ChangePasswordInput{AccessToken: res.AccessToken,
		PreviousPassword: goodPW, ProposedPassword: newPW})))
	e.wantNotice("nina@example.com", "Your password was changed", "nina")

	assoc, err := e.pool.AssociateSoftwareToken(e.ctx, userpool.AssociateSoftwareTokenInput{AccessToken: res.AccessToken})
	wantNoError(t, "AssociateSoftwareToken", err)
	app := newAuthenticator(t, assoc.SecretCode)
	wantNoError(t, "VerifySoftwareToken", errOf(e.pool.VerifySoftwareToken(e.ctx, userpool.VerifySoftwareTokenInput{
		AccessToken: res.AccessToken, UserCode: app.code(e.clock.Now())})))
	e.wantNotice("nina@example.com", "Your sign-in settings changed", "nina")

	e.clock.Advance(time.Minute)
	wantNoError(t, "GenerateRecoveryCodes", errOf(e.pool.GenerateRecoveryCodes(e.ctx, userpool.GenerateRecoveryCodesInput{AccessToken: res.AccessToken})))
	e.wantNotice("nina@example.com", "New recovery codes", "nina")

	wantNoError(t, "AdminDeleteSoftwareToken", errOf(e.pool.AdminDeleteSoftwareToken(e.ctx, userpool.AdminDeleteSoftwareTokenInput{Username: "nina"})))
	e.wantNotice("nina@example.com", "Your sign-in settings changed", "nina")

	wantNoError(t, "AdminSetUserPassword", errOf(e.pool.AdminSetUserPassword(e.ctx, userpool.AdminSetUserPasswordInput{Username: "nina",
		Password: "another-Harbor-7", Permanent: true})))
	e.wantNotice("nina@example.com", "Your password was changed", "nina")
}
