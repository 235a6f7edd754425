package userpool_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/trigger"
	"github.com/cupola-auth/cupola/userpool"
)

// BenchmarkSignInTriggers is BenchmarkSignIn/memory with and without a
// PreAuthentication and a PreTokenGenerationV2 trigger that each do trivial
// work, with production hashing. The target is memory-triggers within
// 1.05 × memory:
//
//	go test -run '^$' -bench SignInTriggers -count 5 -benchtime 20x ./userpool/ | benchstat -
func BenchmarkSignInTriggers(b *testing.B) {
	for _, tc := range []struct {
		name     string
		triggers trigger.Set
	}{
		{"memory", trigger.Set{}},
		{"memory-triggers", trigger.Set{
			PreAuthentication: func(_ context.Context, ev *trigger.PreAuthenticationEvent) error {
				if ev.Request.UserAttributes["email"] == "" {
					return errors.New("no email")
				}
				return nil
			},
			PreTokenGenerationV2: func(_ context.Context, ev *trigger.PreTokenGenerationV2Event) error {
				ev.Response.ClaimsAndScopeOverrideDetails = &trigger.ClaimsAndScopeOverrideDetails{
					IDTokenGeneration:     &trigger.TokenGeneration{ClaimsToAddOrOverride: map[string]any{"tenant": "acme"}},
					AccessTokenGeneration: &trigger.AccessTokenGeneration{ClaimsToAddOrOverride: map[string]any{"tenant": "acme"}},
				}
				return nil
			},
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := newEnv(b, memory.New(), func(c *userpool.Config) {
				c.Hashing = userpool.HashingParams{}
				c.Triggers = tc.triggers
			})
			e.confirmedUser("bench", "bench@example.com")
			if tc.triggers.PreTokenGenerationV2 != nil {
				// The triggers really run.
				if got := e.idClaims(e.mustSignIn("bench", goodPW).IDToken).Extra["tenant"]; got != "acme" {
					b.Fatalf("tenant claim = %v", got)
				}
			}
			for b.Loop() {
				if _, err := e.signIn("bench", goodPW); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
