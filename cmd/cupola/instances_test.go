package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/store/postgres/postgrestest"
)

// These tests run several "cupola serve" processes on one PostgreSQL
// database, as a deployment behind a load balancer does, and check that
// what must hold across the pool holds across the instances: lockouts,
// single-use codes, refresh-token reuse, key rotation, hosted sessions,
// and surviving the loss of an instance or of the database for a while.
//
// The instances are this test binary re-executed as the command (see
// TestInstancesProcess), so that the test can set what serve keeps on its
// app struct (the key reload interval) and SIGKILL a real process.

const (
	instCallback = "https://app.example.com/cb"
	instClient   = "web"
	instTempPass = "Temp-Passw0rd!-long-enough"
	instNewPass  = "New-Passw0rd!-long-enough-2"
	// instTimeout bounds every request the tests make: an instance that
	// hangs fails the test instead of stalling it.
	instTimeout = 5 * time.Second
)

// TestInstancesProcess is the child side: with CUPOLA_TEST_INSTANCE=1 it
// runs the command line in CUPOLA_TEST_INSTANCE_ARGS (fields separated by
// \x1f) as main would, with CUPOLA_TEST_KEY_RELOAD, when set, as serve's
// key reload interval. Without it, it does nothing.
func TestInstancesProcess(t *testing.T) {
	if os.Getenv("CUPOLA_TEST_INSTANCE") != "1" {
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	a := newApp(os.Stdout, os.Stderr)
	if d := os.Getenv("CUPOLA_TEST_KEY_RELOAD"); d != "" {
		v, err := time.ParseDuration(d)
		if err != nil {
			fmt.Fprintln(os.Stderr, "CUPOLA_TEST_KEY_RELOAD:", err)
			os.Exit(exitUsage)
		}
		a.keyReloadInterval = v
	}
	code := a.run(ctx, strings.Split(os.Getenv("CUPOLA_TEST_INSTANCE_ARGS"), "\x1f"))
	stop()
	os.Exit(code)
}

// deployment is n serve processes on one database, with one
// configuration, behind a round-robin reverse proxy whose URL is the
// issuer (the public address).
type deployment struct {
	t         *testing.T
	dsn       string
	cfg       string
	env       []string
	issuer    string // the proxy's URL
	instances []*serveProc
}

// serveProc is one serve process.
type serveProc struct {
	n      int
	cmd    *exec.Cmd
	base   string // http://127.0.0.1:port
	stderr *lockedBuffer
	exited chan struct{}
}

func randomHexString(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// newDeployment writes the configuration and starts len(reload) instances
// on dsn together, reload[i] being instance i's key reload interval ("" for
// serve's default).
func newDeployment(t *testing.T, dsn string, reload ...string) *deployment {
	t.Helper()
	d := &deployment{t: t, dsn: dsn}

	// The proxy listens first: its URL is the issuer in the configuration.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d.issuer = "http://" + ln.Addr().String()
	var next atomic.Uint64
	proxy := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			in := d.instances[next.Add(1)%uint64(len(d.instances))]
			u, _ := url.Parse(in.base)
			r.SetURL(u)
			r.SetXForwarded()
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "bad gateway: "+err.Error(), http.StatusBadGateway)
		},
	}
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: instTimeout}
	t.Cleanup(func() { srv.Close(); ln.Close() })

	d.cfg = writeFile(t, t.TempDir(), "cupola.yaml", fmt.Sprintf(`
pool:
  id: instances
  name: Instances
  issuer: %s
  secret: {env: CUPOLA_TEST_POOL_SECRET}
  lockout: {threshold: 5, base: 10m, max: 15m, reset_after: 15m}
clients:
  - client_id: %s
    callback_urls: [%s]
    allowed_oauth_flows: [code]
    allowed_oauth_scopes: [openid, email, profile]
hosted_ui:
  cookie_keys: [{env: CUPOLA_TEST_COOKIE_KEY}]
# The test's load comes from one address, as if a whole office signed in
# through a trusted internal network.
rate_limits:
  exempt: [127.0.0.0/8]
`, d.issuer, instClient, instCallback), 0o644)
	// The same secrets for every instance, as a deployment shares them.
	d.env = append(os.Environ(), "CUPOLA_TEST_INSTANCE=1",
		"CUPOLA_TEST_POOL_SECRET="+randomHexString(t, 32),
		"CUPOLA_TEST_COOKIE_KEY="+randomHexString(t, 32))

	d.instances = make([]*serveProc, len(reload))
	for i, r := range reload {
		d.instances[i] = d.start(i, r)
	}
	for _, in := range d.instances {
		in.waitListening(t)
	}
	// Served once the instances are known (the proxy reads them).
	go srv.Serve(ln)
	return d
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var listeningAddr = regexp.MustCompile(`msg=listening addr=(\S+)`)

// start starts instance n; waitListening waits for its address.
func (d *deployment) start(n int, reload string) *serveProc {
	t := d.t
	t.Helper()
	in := &serveProc{n: n, stderr: &lockedBuffer{}, exited: make(chan struct{})}
	in.cmd = exec.Command(os.Args[0], "-test.run", "^TestInstancesProcess$")
	in.cmd.Env = append(slices.Clone(d.env), "CUPOLA_TEST_INSTANCE_ARGS="+strings.Join(
		[]string{"serve", "-addr", "127.0.0.1:0", "-config", d.cfg, "-db", d.dsn}, "\x1f"))
	if reload != "" {
		in.cmd.Env = append(in.cmd.Env, "CUPOLA_TEST_KEY_RELOAD="+reload)
	}
	in.cmd.Stdout = io.Discard
	in.cmd.Stderr = in.stderr
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		in.cmd.Wait()
		close(in.exited)
	}()
	t.Cleanup(func() {
		in.cmd.Process.Kill()
		<-in.exited
		if t.Failed() {
			t.Logf("instance %d log:\n%s", n, in.stderr.String())
		}
	})
	return in
}

func (in *serveProc) waitListening(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		if m := listeningAddr.FindStringSubmatch(in.stderr.String()); m != nil {
			in.base = "http://" + m[1]
			return
		}
		select {
		case <-in.exited:
			t.Fatalf("instance %d exited before listening:\n%s", in.n, in.stderr.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance %d did not listen:\n%s", in.n, in.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cli runs an administrative command on the deployment's database and
// configuration, returning its stdout.
func (d *deployment) cli(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args = append(args, "-config", d.cfg, "-db", d.dsn)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run", "^TestInstancesProcess$")
	cmd.Env = append(slices.Clone(d.env), "CUPOLA_TEST_INSTANCE_ARGS="+strings.Join(args, "\x1f"))
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("cupola %s: %v\n%s\n%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

// rebase points a URL under the issuer at base (an instance) instead.
func (d *deployment) rebase(u, base string) string {
	if rest, ok := strings.CutPrefix(u, d.issuer); ok {
		return base + rest
	}
	return u
}

// authorizeQuery returns a code verifier and an authorization request
// for it.
func authorizeQuery(t *testing.T) (verifier string, q url.Values) {
	verifier = randomHexString(t, 32)
	return verifier, url.Values{
		"response_type": {"code"}, "client_id": {instClient}, "redirect_uri": {instCallback},
		"scope": {"openid email profile"}, "state": {randomHexString(t, 8)},
		"code_challenge": {s256(verifier)}, "code_challenge_method": {"S256"},
	}
}

// codeFrom returns the code of a redirect to the callback, failing the
// test on any other answer.
func codeFrom(t *testing.T, resp *http.Response, body string) string {
	t.Helper()
	loc := resp.Header.Get("Location")
	if !redirected(resp) || !strings.HasPrefix(loc, instCallback+"?") {
		t.Fatalf("got %d, Location %q, want a redirect to the callback with a code; body:\n%s", resp.StatusCode, loc, body)
	}
	u, _ := url.Parse(loc)
	code := u.Query().Get("code")
	if code == "" {
		t.Fatalf("redirect to the callback without a code: %s", loc)
	}
	return code
}

// tokens is a token endpoint answer.
type tokens struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token"`
	RefreshToken string `json:"refresh_token"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

// token posts to an instance's token endpoint.
func tokenAt(t *testing.T, base string, form url.Values) (int, tokens) {
	t.Helper()
	form.Set("client_id", instClient)
	resp, body, err := send(&http.Client{Timeout: instTimeout}, http.MethodPost, base+"/oauth2/token", form, nil)
	if err != nil {
		t.Fatalf("token at %s: %v", base, err)
	}
	var tk tokens
	if err := json.Unmarshal([]byte(body), &tk); err != nil {
		t.Fatalf("token at %s: %d %s", base, resp.StatusCode, body)
	}
	return resp.StatusCode, tk
}

func redeem(t *testing.T, base, code, verifier string) (int, tokens) {
	t.Helper()
	return tokenAt(t, base, url.Values{"grant_type": {"authorization_code"}, "code": {code},
		"redirect_uri": {instCallback}, "code_verifier": {verifier}})
}

func refreshAt(t *testing.T, base, refresh string) (int, tokens) {
	t.Helper()
	return tokenAt(t, base, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
}

// kidOf returns the kid in a JWT's header.
func kidOf(t *testing.T, jwt string) string {
	t.Helper()
	h, _, _ := strings.Cut(jwt, ".")
	b, err := base64.RawURLEncoding.DecodeString(h)
	if err != nil {
		t.Fatalf("JWT header: %v", err)
	}
	var hd struct {
		Kid string `json:"kid"`
	}
	if err := json.Unmarshal(b, &hd); err != nil {
		t.Fatalf("JWT header: %v", err)
	}
	return hd.Kid
}

func jwksKids(t *testing.T, base string) []string {
	t.Helper()
	resp, body, err := send(&http.Client{Timeout: instTimeout}, http.MethodGet, base+"/.well-known/jwks.json", nil, nil)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("jwks at %s: %v %v %s", base, err, resp, body)
	}
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal([]byte(body), &set); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range set.Keys {
		out = append(out, k.Kid)
	}
	return out
}

func userInfo(c *http.Client, base, access string) (int, error) {
	resp, _, err := send(c, http.MethodGet, base+"/oauth2/userInfo", nil, http.Header{"Authorization": {"Bearer " + access}})
	if err != nil {
		return 0, err
	}
	return resp.StatusCode, nil
}

// signIn signs username in with a browser through the given bases in
// turn (one request each), choosing instNewPass when the temporary
// password must change, and returns the code and verifier.
func (d *deployment) signIn(t *testing.T, b *browser, bases []string, username, password string) (code, verifier string) {
	t.Helper()
	next := 0
	at := func(u string) string {
		u = d.rebase(u, bases[next%len(bases)])
		next++
		return u
	}
	verifier, q := authorizeQuery(t)
	resp, body := b.do(http.MethodGet, at(d.issuer+"/oauth2/authorize?"+q.Encode()), nil)
	if loc := resp.Header.Get("Location"); !redirected(resp) || loc != d.issuer+"/login" {
		t.Fatalf("authorize: %d, Location %q, want the login page; %s", resp.StatusCode, loc, body)
	}
	_, page := b.do(http.MethodGet, at(d.issuer+"/login"), nil)
	resp, body = b.do(http.MethodPost, at(d.issuer+"/login"), url.Values{"_csrf": {csrfOf(t, page)},
		"username": {username}, "password": {password}})
	if loc := resp.Header.Get("Location"); redirected(resp) && loc == d.issuer+"/newPassword" {
		_, page := b.do(http.MethodGet, at(loc), nil)
		resp, body = b.do(http.MethodPost, at(loc), url.Values{"_csrf": {csrfOf(t, page)}, "password": {instNewPass}})
	}
	return codeFrom(t, resp, body), verifier
}

func TestInstancesOnOnePostgreSQL(t *testing.T) {
	started := time.Now()
	dsn := postgrestest.FreshSchemaDSN(t)
	// Instance 0 re-reads the signing keys every second; 1 and 2 keep
	// serve's default of a minute, so only an unknown kid makes them
	// re-read sooner.
	d := newDeployment(t, dsn, "1s", "", "")
	inst := d.instances
	t.Logf("three instances listening after %v", time.Since(started).Round(time.Millisecond))

	if resp, body, err := send(&http.Client{Timeout: instTimeout}, http.MethodGet, d.issuer+"/.well-known/openid-configuration", nil, nil); err != nil ||
		resp.StatusCode != http.StatusOK || !strings.Contains(body, `"issuer":"`+d.issuer+`"`) {
		t.Fatalf("discovery through the proxy: %v %v %s", err, resp, body)
	}
	for _, u := range []string{"alice", "locky"} {
		d.cli(t, "users", "create", "-username", u, "-email", u+"@example.com", "-temporary-password", instTempPass, "-suppress")
	}

	t.Run("lockout counts across instances", func(t *testing.T) {
		b := newBrowser(t)
		_, q := authorizeQuery(t)
		b.do(http.MethodGet, inst[0].base+"/oauth2/authorize?"+q.Encode(), nil)
		_, page := b.do(http.MethodGet, inst[1].base+"/login", nil)
		csrf := csrfOf(t, page)
		for i := range 5 {
			resp, body := b.do(http.MethodPost, inst[i%3].base+"/login", url.Values{"_csrf": {csrf},
				"username": {"locky"}, "password": {"Wrong-Passw0rd!-number-" + strconv.Itoa(i)}})
			if redirected(resp) || strings.Contains(body, "Password attempts exceeded") {
				t.Fatalf("wrong password %d at instance %d: %d %s, want a refusal without lockout", i+1, i%3, resp.StatusCode, resp.Header.Get("Location"))
			}
		}
		// The sixth attempt, with the right password, at the instance that
		// has seen the fewest of the five.
		resp, body := b.do(http.MethodPost, inst[2].base+"/login", url.Values{"_csrf": {csrf},
			"username": {"locky"}, "password": {instTempPass}})
		if redirected(resp) || !strings.Contains(body, "Password attempts exceeded") {
			t.Fatalf("right password after 5 failures on 3 instances: %d, Location %q, want the lockout message; body:\n%s",
				resp.StatusCode, resp.Header.Get("Location"), body)
		}
	})

	alice := newBrowser(t)
	// first and current are tokens of two sign-ins of alice's (from her
	// hosted session) for the later sub-tests.
	var first, current tokens
	t.Run("an authorization code is single-use across instances", func(t *testing.T) {
		// The sign-in goes through the proxy, one request per instance in
		// turn: the pages' cookies open everywhere.
		code, verifier := d.signIn(t, alice, []string{d.issuer}, "alice", instTempPass)
		status, tk := redeem(t, inst[0].base, code, verifier)
		if status != http.StatusOK || tk.AccessToken == "" || tk.RefreshToken == "" {
			t.Fatalf("code at instance 0: %d %+v", status, tk)
		}
		for _, in := range inst[1:] {
			if status, tk := redeem(t, in.base, code, verifier); status != http.StatusBadRequest || tk.Error != "invalid_grant" {
				t.Errorf("the same code at instance %d: %d %+v, want invalid_grant", in.n, status, tk)
			}
		}
		// The replay revoked what the first redemption issued (RFC 9700
		// §4.2.4), whichever instance is asked.
		if status, tk2 := refreshAt(t, inst[0].base, tk.RefreshToken); status != http.StatusBadRequest || tk2.Error != "invalid_grant" {
			t.Errorf("the first redemption's refresh token after the replay: %d %+v, want invalid_grant", status, tk2)
		}
		if status, err := userInfo(&http.Client{Timeout: instTimeout}, inst[2].base, tk.AccessToken); err != nil || status != http.StatusUnauthorized {
			t.Errorf("the first redemption's access token at userInfo after the replay: %d %v, want 401", status, err)
		}
	})

	t.Run("a hosted session continues on every instance", func(t *testing.T) {
		for _, in := range inst {
			verifier, q := authorizeQuery(t)
			resp, body := alice.do(http.MethodGet, in.base+"/oauth2/authorize?"+q.Encode(), nil)
			code := codeFrom(t, resp, body)
			// Redeemed at the next instance.
			status, tk := redeem(t, inst[(in.n+1)%3].base, code, verifier)
			if status != http.StatusOK || tk.AccessToken == "" {
				t.Fatalf("SSO code from instance %d: %d %+v", in.n, status, tk)
			}
			if in.n == 0 {
				first = tk
			} else {
				current = tk
			}
		}
	})
	if first.RefreshToken == "" || current.RefreshToken == "" {
		t.Fatal("no tokens to go on with")
	}

	t.Run("refresh-token reuse is detected at another instance", func(t *testing.T) {
		status, rotated := refreshAt(t, inst[0].base, first.RefreshToken)
		if status != http.StatusOK || rotated.RefreshToken == "" || rotated.RefreshToken == first.RefreshToken {
			t.Fatalf("refresh at instance 0: %d %+v, want a new refresh token (a client without a secret rotates)", status, rotated)
		}
		if status, tk := refreshAt(t, inst[1].base, first.RefreshToken); status != http.StatusBadRequest || tk.Error != "invalid_grant" {
			t.Fatalf("the old refresh token replayed at instance 1: %d %+v, want invalid_grant", status, tk)
		}
		if status, tk := refreshAt(t, inst[2].base, rotated.RefreshToken); status != http.StatusBadRequest || tk.Error != "invalid_grant" {
			t.Fatalf("the new refresh token at instance 2 after the replay: %d %+v, want invalid_grant (family revoked)", status, tk)
		}
	})

	t.Run("a rotated key reaches every instance", func(t *testing.T) {
		before := jwksKids(t, inst[0].base)
		out := d.cli(t, "keys", "rotate", "-publish-ahead", "0")
		m := regexp.MustCompile(`new signing key (\S+) `).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("keys rotate printed %q", out)
		}
		kid := m[1]
		if slices.Contains(before, kid) {
			t.Fatalf("the new kid %s was published before the rotation", kid)
		}
		rotated := time.Now()
		// Instance 0 re-reads its keys every second.
		for !slices.Contains(jwksKids(t, inst[0].base), kid) {
			if time.Since(rotated) > 10*time.Second {
				t.Fatalf("instance 0 (reload every 1s) does not publish %s after 10s", kid)
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Logf("instance 0 publishes the new key %v after the rotation", time.Since(rotated).Round(time.Millisecond))
		status, tk := refreshAt(t, inst[0].base, current.RefreshToken)
		if status != http.StatusOK {
			t.Fatalf("refresh at instance 0: %d %+v", status, tk)
		}
		if got := kidOf(t, tk.AccessToken); got != kid {
			t.Fatalf("instance 0 signs with %s after the rotation, want %s", got, kid)
		}
		current = tk
		// Instances 1 and 2 reload every minute; a token signed with the new
		// key makes them re-read the keys.
		c := &http.Client{Timeout: instTimeout}
		for _, in := range inst[1:] {
			if slices.Contains(jwksKids(t, in.base), kid) {
				t.Logf("instance %d already publishes %s", in.n, kid)
			}
			start := time.Now()
			for {
				status, err := userInfo(c, in.base, tk.AccessToken)
				if err != nil {
					t.Fatal(err)
				}
				if status == http.StatusOK {
					break
				}
				if time.Since(start) > 10*time.Second {
					t.Fatalf("instance %d refuses a token signed with the new key for 10s (last %d)", in.n, status)
				}
				time.Sleep(100 * time.Millisecond)
			}
			t.Logf("instance %d accepts the new key's token after %v", in.n, time.Since(start).Round(time.Millisecond))
			if !slices.Contains(jwksKids(t, in.base), kid) {
				t.Errorf("instance %d accepts the new key but does not publish it", in.n)
			}
		}
	})

	t.Run("killing one instance fails only its requests", func(t *testing.T) {
		access := current.AccessToken
		victim := inst[2]
		type result struct {
			n          int
			start, end time.Time
			status     int
			err        error
		}
		var (
			mu      sync.Mutex
			results []result
			stop    atomic.Bool
			wg      sync.WaitGroup
			next    atomic.Uint64
		)
		for range 4 {
			wg.Go(func() {
				c := &http.Client{Timeout: instTimeout}
				for !stop.Load() {
					in := inst[next.Add(1)%3]
					r := result{n: in.n, start: time.Now()}
					r.status, r.err = userInfo(c, in.base, access)
					r.end = time.Now()
					mu.Lock()
					results = append(results, r)
					mu.Unlock()
				}
			})
		}
		// served counts the answers of each instance since since.
		served := func(n int, since time.Time) int {
			mu.Lock()
			defer mu.Unlock()
			c := 0
			for _, r := range results {
				if r.n == n && r.err == nil && r.status == http.StatusOK && r.start.After(since) {
					c++
				}
			}
			return c
		}
		t0 := time.Now()
		waitFor(t, 30*time.Second, "the instances do not all serve the load", func() bool {
			return served(0, t0) >= 50 && served(1, t0) >= 50 && served(2, t0) >= 50
		})
		killed := time.Now()
		if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-victim.exited
		waitFor(t, 30*time.Second, "the survivors do not keep serving", func() bool {
			return time.Since(killed) > time.Second && served(0, killed) >= 50 && served(1, killed) >= 50
		})
		stop.Store(true)
		wg.Wait()

		var okBefore, okAfter, victimFailed int
		for _, r := range results {
			ok := r.err == nil && r.status == http.StatusOK
			switch {
			case r.n != victim.n && !ok:
				t.Errorf("instance %d failed a request during the kill of instance %d: %d %v", r.n, victim.n, r.status, r.err)
			case r.n != victim.n && r.start.After(killed):
				okAfter++
			case r.n != victim.n:
				okBefore++
			case !ok && r.end.Before(killed):
				t.Errorf("instance %d failed a request before it was killed: %d %v", r.n, r.status, r.err)
			case ok && r.start.After(killed):
				t.Errorf("a request started after the kill was answered by the killed instance")
			case !ok:
				victimFailed++
			}
			if d := r.end.Sub(r.start); d > instTimeout-time.Second {
				t.Errorf("a request to instance %d took %v", r.n, d)
			}
		}
		t.Logf("%d requests: %d answered by the survivors before the kill, %d after, %d failed at the killed instance",
			len(results), okBefore, okAfter, victimFailed)
		if okBefore == 0 || okAfter == 0 || victimFailed == 0 {
			t.Errorf("the load did not cover the kill: %d ok before, %d ok after, %d failed", okBefore, okAfter, victimFailed)
		}
		// The survivors still serve the whole flow: a code from one,
		// redeemed at the other.
		verifier, q := authorizeQuery(t)
		resp, body := alice.do(http.MethodGet, inst[0].base+"/oauth2/authorize?"+q.Encode(), nil)
		if status, tk := redeem(t, inst[1].base, codeFrom(t, resp, body), verifier); status != http.StatusOK {
			t.Errorf("a code after the kill: %d %+v", status, tk)
		}
	})

	t.Run("restart PostgreSQL under load", func(t *testing.T) {
		testInstancesSurviveAPostgreSQLRestart(t)
	})
	t.Logf("whole test: %v", time.Since(started).Round(time.Millisecond))
}

// testInstancesSurviveAPostgreSQLRestart runs three instances on a
// cluster of its own (the shared one serves other tests), signs users up
// through them while the cluster stops and starts again, and checks that
// the outage fails requests fast, that every instance recovers by itself,
// and that every sign-up acknowledged exists afterwards.
func testInstancesSurviveAPostgreSQLRestart(t *testing.T) {
	pg := startPGCluster(t)
	d := newDeployment(t, pg.dsn(), "", "", "")
	inst := d.instances

	type result struct {
		n          int
		username   string
		start, end time.Time
		acked      bool
		err        error
		status     int
	}
	var (
		mu      sync.Mutex
		results []result
		stop    atomic.Bool
		wg      sync.WaitGroup
		seq     atomic.Uint64
	)
	// A sign-up is the form from one instance, posted to the next; the
	// result is the post's, or the page's when that failed. Forms taken
	// just before the outage (stock) are posted first, so that the outage
	// meets posts (writes) as well as pages.
	type form struct {
		b    *browser
		n    int
		csrf string
		err  error
	}
	page := func() form {
		n := int(seq.Add(1) % 3)
		f := form{b: newBrowser(t), n: n}
		_, q := authorizeQuery(t)
		resp, page, err := send(f.b.c, http.MethodGet, inst[n].base+"/signup?"+q.Encode(), nil, nil)
		switch {
		case err != nil:
			f.err = fmt.Errorf("signup page: %w", err)
		case resp.StatusCode != http.StatusOK:
			f.err = fmt.Errorf("signup page: %d", resp.StatusCode)
		default:
			m := csrfInput.FindStringSubmatch(page)
			if m == nil {
				f.err = errors.New("signup page without a form")
			} else {
				f.csrf = html.UnescapeString(m[1])
			}
		}
		return f
	}
	stock := make(chan form, 64)
	signUp := func() result {
		var f form
		start := time.Now()
		select {
		case f = <-stock:
		default:
			f = page()
		}
		// r.n is the instance that answered: the page's when it failed,
		// else the post's.
		n := (f.n + 1) % 3
		r := result{n: n, username: "load" + randomHexString(t, 6), start: start}
		if f.err != nil {
			r.n, r.err, r.end = f.n, f.err, time.Now()
			return r
		}
		resp, _, err := send(f.b.c, http.MethodPost, inst[n].base+"/signup", url.Values{"_csrf": {f.csrf},
			"username": {r.username}, "password": {instNewPass}}, nil)
		r.end = time.Now()
		if err != nil {
			r.err = err
			return r
		}
		r.status = resp.StatusCode
		loc := resp.Header.Get("Location")
		r.acked = redirected(resp) && (loc == d.issuer+"/confirmUser" || loc == d.issuer+"/login")
		return r
	}
	record := func(r result) {
		mu.Lock()
		results = append(results, r)
		mu.Unlock()
	}
	for range 3 {
		wg.Go(func() {
			for !stop.Load() {
				r := signUp()
				record(r)
				if !r.acked {
					time.Sleep(50 * time.Millisecond) // no busy loop during the outage
				}
			}
		})
	}
	count := func(match func(r result) bool) int {
		mu.Lock()
		defer mu.Unlock()
		c := 0
		for _, r := range results {
			if match(r) {
				c++
			}
		}
		return c
	}
	waitFor(t, 30*time.Second, "no sign-ups acknowledged before the outage", func() bool {
		return count(func(r result) bool { return r.acked }) >= 6
	})
	var forms []form
	for range 24 {
		if f := page(); f.err == nil {
			forms = append(forms, f)
		}
	}
	down := time.Now()
	pg.stop(t)
	stopped := time.Now()
	for _, f := range forms {
		stock <- f
	}
	// The outage, two seconds at least, and until requests started in it
	// have been answered (with errors, well within the client's deadline).
	waitFor(t, 30*time.Second, "no answers during the outage", func() bool {
		return time.Since(stopped) > 2*time.Second &&
			count(func(r result) bool { return r.start.After(stopped) && !r.acked }) >= 6
	})
	restarted := time.Now()
	pg.start(t)
	up := time.Now()
	t.Logf("PostgreSQL stopped in %v, down for %v, started in %v",
		stopped.Sub(down).Round(time.Millisecond), restarted.Sub(stopped).Round(time.Millisecond), up.Sub(restarted).Round(time.Millisecond))

	// Every instance recovers without a restart: each acknowledges a
	// sign-up (posted to it) again.
	recovered := make([]time.Duration, 3)
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		missing := 0
		for n := range recovered {
			if recovered[n] != 0 {
				continue
			}
			for _, r := range results {
				if r.acked && r.n == n && r.start.After(up) {
					recovered[n] = r.end.Sub(up)
					break
				}
			}
			if recovered[n] == 0 {
				missing++
			}
		}
		mu.Unlock()
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("instances not recovered 30s after PostgreSQL came back: %v", recovered)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	t.Logf("instances answer again after %v", recovered)
	for _, in := range inst {
		select {
		case <-in.exited:
			t.Errorf("instance %d exited:\n%s", in.n, in.stderr.String())
		default:
		}
	}

	var acked []string
	var failedDuringOutage, ackedBefore, ackedAfter int
	var slowestInOutage time.Duration
	outageAnswers := map[string]int{}
	for _, r := range results {
		if r.end.Sub(r.start) > instTimeout-time.Second {
			t.Errorf("a sign-up at instance %d took %v (%v): the outage must fail fast", r.n, r.end.Sub(r.start), r.err)
		}
		if r.acked {
			acked = append(acked, r.username)
			if r.end.Before(down) {
				ackedBefore++
			} else if r.start.After(up) {
				ackedAfter++
			}
		} else if r.start.After(stopped) && r.end.Before(restarted) {
			failedDuringOutage++
			slowestInOutage = max(slowestInOutage, r.end.Sub(r.start))
			what := strconv.Itoa(r.status)
			if r.err != nil {
				what += " " + r.err.Error()
			}
			outageAnswers[what]++
		}
		if errors.Is(r.err, context.DeadlineExceeded) || (r.err != nil && strings.Contains(r.err.Error(), "Client.Timeout")) {
			t.Errorf("a sign-up timed out: %v", r.err)
		}
	}
	t.Logf("%d sign-ups: %d acknowledged (%d before the outage, %d after), %d failed during the outage (the slowest in %v): %v",
		len(results), len(acked), ackedBefore, ackedAfter, failedDuringOutage, slowestInOutage.Round(time.Millisecond), outageAnswers)
	if ackedBefore == 0 || failedDuringOutage == 0 {
		t.Errorf("the load did not cover the outage: %d acknowledged before, %d failed during", ackedBefore, failedDuringOutage)
	}

	// Nothing acknowledged is lost.
	listed := d.cli(t, "users", "list")
	have := map[string]bool{}
	for _, l := range strings.Split(listed, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			have[f[0]] = true
		}
	}
	for _, u := range acked {
		if !have[u] {
			t.Errorf("sign-up %s was acknowledged but the user does not exist", u)
		}
	}
}
