package gateway_test

// A real headless Chromium, driven by chromedp, signs in through the
// gateway and the hosted UI. The harness follows hostedui's
// (hostedui/browser_test.go): the same variables, the same skip rule.

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

const (
	// envChromium names the Chromium executable to drive.
	envChromium = "CUPOLA_TEST_CHROMIUM"
	// envRequireBrowser=1 turns "Chromium not found" from a skip into a
	// failure; .ci/run sets it.
	envRequireBrowser = "CUPOLA_TEST_REQUIRE_BROWSER"
	debianChromium    = "/usr/bin/chromium"
)

var errNoChromium = errors.New("Chromium not found; install Debian's chromium or set " + envChromium + "; .ci/run does")

// requireChromium returns the browser's path, or ends the test: a skip
// when none is installed, a failure when CUPOLA_TEST_REQUIRE_BROWSER=1 or
// when CUPOLA_TEST_CHROMIUM names something that is not a program.
func requireChromium(t *testing.T) string {
	t.Helper()
	isExec := func(p string) bool {
		fi, err := os.Stat(p)
		return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
	}
	if env := os.Getenv(envChromium); env != "" {
		if !isExec(env) {
			t.Fatalf("%s=%q is not an executable file", envChromium, env)
		}
		return env
	}
	if isExec(debianChromium) {
		return debianChromium
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	if os.Getenv(envRequireBrowser) == "1" {
		t.Fatalf("%v (%s=1 forbids skipping)", errNoChromium, envRequireBrowser)
	}
	t.Skip(errNoChromium.Error())
	return ""
}

// chromium is one headless browser with one tab for one test.
type chromium struct {
	t   *testing.T
	ctx context.Context // the tab, under the test's deadline
	tab context.Context
}

func newChromium(t *testing.T) *chromium {
	t.Helper()
	path := requireChromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // root in CI; only loopback test pages are loaded
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	// The first action's context owns the browser: start it with the tab's
	// own context under a watchdog, and give the deadline to the actions.
	watchdog := time.AfterFunc(time.Minute, cancelAlloc)
	err := chromedp.Do(tabCtx)
	watchdog.Stop()
	if err != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("start %s: %v", path, err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	if d, ok := t.Deadline(); ok && d.Add(-5*time.Second).Before(deadline) {
		deadline = d.Add(-5 * time.Second)
	}
	ctx, cancel := context.WithDeadline(tabCtx, deadline)
	c := &chromium{t: t, ctx: ctx, tab: tabCtx}
	t.Cleanup(func() {
		if t.Failed() {
			c.dump()
		}
		cancel()
		cancelTab()
		cancelAlloc()
	})
	return c
}

// load runs actions that navigate and returns the final document's
// response.
func (c *chromium) load(what string, steps ...chromedp.Action[chromedp.Void]) *network.Response {
	c.t.Helper()
	resp, err := chromedp.RunResponse(c.ctx, steps...)
	if err != nil || resp == nil {
		c.t.Fatalf("%s: %v (response %v)", what, err, resp)
	}
	return resp
}

func (c *chromium) fill(sel, value string) {
	c.t.Helper()
	if err := chromedp.Do(c.ctx, chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Clear(chromedp.CSS(sel)),
		chromedp.SendKeys(chromedp.CSS(sel), value)); err != nil {
		c.t.Fatalf("fill %s: %v", sel, err)
	}
}

func (c *chromium) location() string {
	c.t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Location())
	if err != nil {
		c.t.Fatalf("location: %v", err)
	}
	return s
}

func (c *chromium) text(sel string) string {
	c.t.Helper()
	s, err := chromedp.Run(c.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		c.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// cookies returns the browser's cookies for u.
func (c *chromium) cookies(u string) []*network.Cookie {
	c.t.Helper()
	res, err := chromedp.Call(c.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{u}})
	if err != nil {
		c.t.Fatalf("cookies: %v", err)
	}
	return res.Cookies
}

// dump logs where a failed test's browser stood.
func (c *chromium) dump() {
	ctx, cancel := context.WithTimeout(c.tab, 10*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		c.t.Logf("browser: no page to show: %v", err)
		return
	}
	html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	c.t.Logf("browser stood at %s:\n%s", loc, html)
}

const (
	selUsername = `#username[name="username"]`
	selPassword = `#password[name="password"][type="password"]`
	selSignIn   = `button[name="signInSubmitButton"]`
)

// TestBrowserSignInThroughTheGate: Chromium opens a page behind the
// gateway, lands on the hosted UI's login page, signs in, comes back to
// the page with the upstream seeing the user, holds an HttpOnly session
// cookie scripts cannot read, and after logout is asked for a password
// again.
func TestBrowserSignInThroughTheGate(t *testing.T) {
	c := newChromium(t)
	e := newEnv(t)
	sub := e.user("alice", "alice@example.com")

	c.load("open the app", chromedp.Navigate(e.appURL+"/dashboard?tab=2"))
	if loc := c.location(); !strings.HasPrefix(loc, e.issuer+"/login") {
		t.Fatalf("the browser is at %s, want the provider's login page", loc)
	}
	c.fill(selUsername, "alice")
	c.fill(selPassword, password)
	resp := c.load("sign in", chromedp.Click(chromedp.CSS(selSignIn), chromedp.NodeVisible))
	if loc := c.location(); loc != e.appURL+"/dashboard?tab=2" || resp.Status != 200 {
		t.Fatalf("after signing in the browser is at %s (%d), want the page it asked for", loc, resp.Status)
	}
	if got := c.text("h1"); got != "app /dashboard?tab=2" {
		t.Errorf("page heading %q", got)
	}
	got := e.last()
	if !got.hasUser || got.claims.Subject != sub || got.header.Get("X-Amzn-Oidc-Identity") != sub {
		t.Fatalf("the upstream saw %+v / %q", got.claims, got.header.Get("X-Amzn-Oidc-Identity"))
	}

	var session *network.Cookie
	for _, ck := range c.cookies(e.appURL + "/") {
		if ck.Name == "cupola_gate" {
			session = ck
		}
		if strings.HasPrefix(ck.Name, "cupola_gate_flow_") {
			t.Errorf("the sign-in cookie %s outlived the callback", ck.Name)
		}
	}
	if session == nil || !session.HTTPOnly || session.SameSite != network.CookieSameSiteLax || session.Path != "/" {
		t.Fatalf("session cookie = %+v, want HttpOnly, SameSite=Lax, Path=/", session)
	}
	visible, err := chromedp.Run(c.ctx, chromedp.Evaluate[string]("document.cookie"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(visible, "cupola_gate") {
		t.Errorf("scripts can read the session cookie: %q", visible)
	}

	c.load("open the sign-out page", chromedp.Navigate(e.appURL+"/oauth2/logout"))
	c.load("sign out", chromedp.Click(chromedp.CSS(`button[type="submit"]`), chromedp.NodeVisible))
	// The provider asks too: the request came from another site and
	// carries no id_token_hint.
	c.load("confirm at the provider", chromedp.Click(chromedp.CSS(`button[name="signout"]`), chromedp.NodeVisible))
	loc, _ := url.Parse(c.location())
	if got := fmt.Sprintf("%s://%s%s", loc.Scheme, loc.Host, loc.Path); got != e.issuer+"/login" {
		t.Fatalf("after logout the browser is at %s, want the provider's login page (its session ended too)", c.location())
	}
	for _, ck := range c.cookies(e.appURL + "/") {
		if ck.Name == "cupola_gate" {
			t.Errorf("the session cookie survived logout")
		}
	}
}
