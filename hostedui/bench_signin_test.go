package hostedui_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	"golang.org/x/crypto/argon2"

	"github.com/cupola-auth/cupola/hostedui"
	"github.com/cupola-auth/cupola/internal/proccpu"
	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/store/postgres"
	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
	"github.com/cupola-auth/cupola/store/sqlite"
	"github.com/cupola-auth/cupola/userpool"
)

// BenchmarkHTTPSignIn is a whole browser sign-in over loopback HTTP, a
// fresh browser each time: /oauth2/authorize → the login page → the
// credentials POSTed → the code at the app's callback → /oauth2/token.
// /limit is the work no sign-in can avoid, run with the same parallelism:
// one argon2id verification (production parameters) and the two RS256
// signatures of the token response. sign-ins/s ÷ the limit's ops/s is
// how close the server comes to the hardware.
//
//	go test -run '^$' -bench HTTPSignIn -cpu 1,2 -count 3 ./hostedui/
//
// b.RunParallel runs GOMAXPROCS × parallelism browsers; -cpu sets the
// cores, and the sub-benchmarks /p1, /p2, /p8, /p32 the browsers per
// core: -cpu 1,2 covers 1, 2, 4, 8, 16, 32 and 64 browsers. Besides sign-ins/s
// each reports the process's CPU per sign-in (server and browsers; the
// limit's is all work no sign-in avoids) and, from 100 sign-ins up, the
// median and 99th-percentile sign-in time.
//
// /postgres runs on the server CUPOLA_TEST_POSTGRES_DSN names, with that
// server's durability: the test cluster .ci/postgres.sh starts runs with
// fsync and synchronous_commit off, which flatters it; for figures
// comparable with /sqlite (synchronous=FULL), point it at a server with
// the defaults.
func BenchmarkHTTPSignIn(b *testing.B) {
	// The limit runs one worker per core: more would only make the
	// hashes share the cores (the pool's hasher allows GOMAXPROCS too).
	for _, par := range []int{1} {
		b.Run(fmt.Sprintf("limit/p%d", par), func(b *testing.B) {
			key, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				b.Fatal(err)
			}
			salt := make([]byte, 16)
			b.SetParallelism(par)
			cpu0 := proccpu.Used()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					argon2.IDKey([]byte("cobalt-Harbor-71"), salt, 2, 19*1024, 1, 32)
					for _, n := range []int{900, 700} {
						d := sha256.Sum256([]byte(strings.Repeat("x", n)))
						if _, err := rsa.SignPKCS1v15(nil, key, crypto.SHA256, d[:]); err != nil {
							b.Error(err)
							return
						}
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sign-ins/s")
			b.ReportMetric(float64(proccpu.Used()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
		})
	}
	for _, kind := range []string{"memory", "sqlite", "postgres"} {
		for _, par := range []int{1, 2, 8, 32} {
			b.Run(fmt.Sprintf("%s/p%d", kind, par), func(b *testing.B) {
				site := newBenchSite(b, kind)
				var (
					mu    sync.Mutex
					times []time.Duration
				)
				b.SetParallelism(par)
				cpu0 := proccpu.Used()
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					var mine []time.Duration
					for pb.Next() {
						start := time.Now()
						if err := site.signIn(); err != nil {
							b.Error(err)
							return
						}
						mine = append(mine, time.Since(start))
					}
					mu.Lock()
					times = append(times, mine...)
					mu.Unlock()
				})
				b.StopTimer()
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "sign-ins/s")
				b.ReportMetric(float64(proccpu.Used()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
				if len(times) >= 100 {
					slices.Sort(times)
					p50, p99 := times[len(times)/2], times[len(times)*99/100]
					b.ReportMetric(float64(p50)/1e6, "p50-ms")
					b.ReportMetric(float64(p99)/1e6, "p99-ms")
					b.ReportMetric(float64(p99)/float64(p50), "p99/p50")
				}
			})
		}
	}
}

// benchSite is the hosted UI of a pool on a store of one kind, with 64
// users and a confidential client.
type benchSite struct {
	base, clientID, secret, callback string
	next                             atomic.Int64
}

func newBenchSite(b *testing.B, kind string) *benchSite { return newBenchSiteMP(b, kind, nil) }

func newBenchSiteMP(b testing.TB, kind string, mp metric.MeterProvider) *benchSite {
	ctx := context.Background()
	var st store.Store
	var err error
	switch kind {
	case "memory":
		st = memory.New()
	case "sqlite":
		st, err = sqlite.Open(ctx, filepath.Join(b.TempDir(), "cupola.db"))
	case "postgres":
		st, err = postgres.Open(ctx, postgrestest.FreshSchemaDSN(b))
	}
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	s := &benchSite{base: "http://" + srv.Listener.Addr().String() + "/auth", callback: "https://app.example.test/cb"}
	secret := make([]byte, 32)
	rand.Read(secret)
	pool, err := userpool.New(ctx, userpool.Config{ID: "bench", Issuer: s.base, Secret: secret, EmailSender: message.NewOutbox(), MeterProvider: mp}, st)
	if err != nil {
		b.Fatal(err)
	}
	c, err := pool.CreateUserPoolClient(ctx, userpool.ClientConfig{ClientName: "web", GenerateSecret: true, CodeWithoutPKCE: true,
		CallbackURLs: []string{s.callback}, AllowedOAuthFlows: []string{"code"}, AllowedOAuthScopes: []string{"openid", "email"}})
	if err != nil {
		b.Fatal(err)
	}
	s.clientID, s.secret = c.ClientID, c.ClientSecret
	for i := range 64 {
		name := fmt.Sprint("user", i)
		if _, err := pool.AdminCreateUser(ctx, userpool.AdminCreateUserInput{Username: name, MessageAction: "SUPPRESS"}); err != nil {
			b.Fatal(err)
		}
		if _, err := pool.AdminSetUserPassword(ctx, userpool.AdminSetUserPasswordInput{Username: name, Password: "cobalt-Harbor-71", Permanent: true}); err != nil {
			b.Fatal(err)
		}
	}
	h, err := hostedui.New(pool, hostedui.Options{BaseURL: s.base, CookieKeys: [][]byte{secret}})
	if err != nil {
		b.Fatal(err)
	}
	mux.Handle("/auth/", h)
	srv.Start()
	b.Cleanup(srv.Close)
	return s
}

var benchCSRF = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// signIn is one fresh browser's sign-in and the app's code exchange.
func (s *benchSite) signIn() error {
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if strings.HasPrefix(req.URL.String(), s.callback) {
			return http.ErrUseLastResponse
		}
		return nil
	}}
	user := fmt.Sprint("user", s.next.Add(1)%64)
	authz := s.base + "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {s.clientID},
		"redirect_uri": {s.callback}, "scope": {"openid email"}, "state": {"st"}}.Encode()
	resp, err := browser.Get(authz)
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := benchCSRF.FindSubmatch(page)
	if m == nil {
		return fmt.Errorf("login page %s without a CSRF token", resp.Status)
	}
	resp, err = browser.PostForm(s.base+"/login", url.Values{"_csrf": {string(m[1])}, "username": {user}, "password": {"cobalt-Harbor-71"}})
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil || loc.Query().Get("code") == "" {
		return fmt.Errorf("sign-in of %s answered %s", user, resp.Status)
	}
	req, _ := http.NewRequest(http.MethodPost, s.base+"/oauth2/token", strings.NewReader(url.Values{"grant_type": {"authorization_code"},
		"code": {loc.Query().Get("code")}, "redirect_uri": {s.callback}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(s.clientID, s.secret)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("token exchange answered %s", resp.Status)
	}
	return nil
}
