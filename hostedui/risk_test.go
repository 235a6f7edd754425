package hostedui_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/cupola-auth/cupola/risk"
	"github.com/cupola-auth/cupola/userpool"
)

// TestARiskySignInStepsUpWithAnEmailedCode: with threat protection
// enforced and a high-risk sign-in (MFA_REQUIRED by default), a user
// without MFA is asked for a code emailed to them on the hosted MFA page,
// and signs in with it.
func TestARiskySignInStepsUpWithAnEmailedCode(t *testing.T) {
	high := risk.AssessorFunc(func(context.Context, risk.Signals) (risk.Assessment, error) {
		return risk.Assessment{Level: risk.High}, nil
	})
	e := newEnv(t, envOption{pool: func(c *userpool.Config) {
		c.ThreatProtection.Mode = userpool.ThreatProtectionEnforced
		c.ThreatProtection.Assessor = high
	}})
	e.user("alice", "alice@example.com", goodPW)
	b := newAgent(t)
	page := b.open(e.authorizeURL(nil))
	step := b.submit(page, url.Values{"username": {"alice"}, "password": {goodPW}})
	if !strings.Contains(step.body, `name="code"`) || !strings.Contains(step.url.Path, "/mfa") {
		t.Fatalf("no code page after a risky sign-in (%d at %s):\n%s", step.status, step.url, step.body)
	}
	q := e.callbackParams(b.submit(step, url.Values{"code": {e.lastCode("alice@example.com")}}))
	if q.Get("code") == "" {
		t.Fatalf("the emailed code did not sign in: %v", q)
	}
}
