package userpool_test

import (
	"fmt"
	"testing"

	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/userpool"
)

// BenchmarkEnumeration times what a stranger can time: each answer for a
// real user beside the same answer for an unknown one, with production
// hashing, on the in-memory store and on SQLite (whose writes cost what a
// disk costs). security.md asks for a median ratio real/unknown within
// [0.8, 1.25]:
//
//	go test -run '^$' -bench Enumeration -count 5 ./userpool/ | benchstat -
//
// Every iteration uses another user (or unknown name) and another source
// address, so no lockout or send limit changes the path being timed.
func BenchmarkEnumeration(b *testing.B) {
	for _, kind := range []string{"memory", "sqlite"} {
		e := benchPool(b, kind)
		users := &userSupply{e: e}
		next := 0 // users, names and addresses are never reused, across rounds and -count runs
		for _, op := range []struct {
			name string
			call func(e *env, login, ip string) error
		}{
			{"SignInWrongPassword", func(e *env, login, ip string) error {
				_, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
					AuthParameters:  map[string]string{"USERNAME": login, "PASSWORD": "not-the-Password-42"},
					UserContextData: &userpool.UserContextData{IPAddress: ip}})
				if err == nil {
					return fmt.Errorf("a wrong password signed in")
				}
				return nil
			}},
			{"ForgotPassword", func(e *env, login, ip string) error {
				_, err := e.pool.ForgotPassword(e.ctx, userpool.ForgotPasswordInput{ClientID: webClient, Username: login,
					UserContextData: &userpool.UserContextData{IPAddress: ip}})
				return err
			}},
		} {
			for _, who := range []string{"real", "unknown"} {
				b.Run(kind+"/"+op.name+"/"+who, func(b *testing.B) {
					logins, ips := make([]string, b.N), make([]string, b.N)
					for i := range b.N {
						n := next
						next++
						if who == "real" {
							logins[i] = users.get(b, n)
						} else {
							logins[i] = fmt.Sprintf("ghost-%d", n)
						}
						ips[i] = fmt.Sprintf("10.%d.%d.%d", n>>16&255, n>>8&255, n&255)
					}
					b.ResetTimer()
					for i := range b.N {
						if err := op.call(e, logins[i], ips[i]); err != nil {
							b.Fatal(err)
						}
					}
					b.StopTimer()
					if _, err := e.pool.DeliverMessages(e.ctx, userpool.DeliverMessagesInput{}); err != nil {
						b.Fatal(err)
					}
				})
			}
		}
	}
}

// userSupply makes confirmed users with verified emails, as many as a
// benchmark asks for, by copying the one benchPool signed up (hash
// included), so no setup time goes to hashing.
type userSupply struct {
	e    *env
	made int
}

func (s *userSupply) get(b *testing.B, i int) string {
	for s.made <= i {
		tmpl := s.e.user("bench")
		name := fmt.Sprintf("user%d", s.made)
		tmpl.Sub = fmt.Sprintf("00000000-0000-4000-8000-%012d", s.made)
		tmpl.Username, tmpl.UsernameKey = name, name
		tmpl.Attributes = map[string]string{"email": name + "@example.com", "email_verified": "true"}
		tmpl.Aliases = map[string]string{}
		tmpl.Status = store.StatusConfirmed
		if _, err := s.e.store.CreateUser(s.e.ctx, tmpl); err != nil {
			b.Fatal(err)
		}
		s.made++
	}
	return fmt.Sprintf("user%d", i)
}
