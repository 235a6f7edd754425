package hostedui_test

// The browser harness: a headless Chromium driven by chromedp, one browser
// per test. The tests that use it are in browser_flow_test.go.

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Environment variables of the browser tests.
const (
	// envChromium names the Chromium executable to drive.
	envChromium = "CUPOLA_TEST_CHROMIUM"
	// envRequireBrowser=1 turns "Chromium not found" from a skip into a
	// failure; .ci/run sets it.
	envRequireBrowser = "CUPOLA_TEST_REQUIRE_BROWSER"
)

// debianChromium is where Debian's chromium package puts its launcher.
const debianChromium = "/usr/bin/chromium"

// browserTimeout bounds one browser test's actions, from the browser's
// start; browserStartTimeout bounds the start.
const (
	browserTimeout      = 2 * time.Minute
	browserStartTimeout = time.Minute
)

// errNoChromium is findChromium's answer when no browser is installed.
var errNoChromium = errors.New("Chromium not found; install Debian's chromium or set " + envChromium + "; .ci/run does")

// findChromium returns the Chromium to drive: $CUPOLA_TEST_CHROMIUM, else
// Debian's /usr/bin/chromium, else chromium in PATH.
func findChromium() (string, error) {
	return locateChromium(os.Getenv(envChromium), debianChromium, exec.LookPath)
}

// locateChromium is findChromium with its inputs given: the variable's
// value, Debian's path and a PATH lookup. A variable that names no
// executable is an error of its own, so a typo is not taken for "not
// installed".
func locateChromium(env, debian string, lookPath func(string) (string, error)) (string, error) {
	if env != "" {
		if !executableFile(env) {
			return "", fmt.Errorf("%s=%q is not an executable file", envChromium, env)
		}
		return env, nil
	}
	if executableFile(debian) {
		return debian, nil
	}
	if p, err := lookPath("chromium"); err == nil {
		return p, nil
	}
	return "", errNoChromium
}

// skipWithoutBrowser reports whether a test that could not find Chromium
// (err from findChromium) skips rather than fails: only when none is
// installed and CUPOLA_TEST_REQUIRE_BROWSER (require) is not 1.
func skipWithoutBrowser(err error, require string) bool {
	return errors.Is(err, errNoChromium) && require != "1"
}

func executableFile(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// requireChromium returns the browser's path, or ends the test: a skip
// when none is installed, a failure when CUPOLA_TEST_REQUIRE_BROWSER=1 or
// when CUPOLA_TEST_CHROMIUM names something that is not a program.
func requireChromium(t *testing.T) string {
	t.Helper()
	p, err := findChromium()
	switch {
	case err == nil:
		return p
	case skipWithoutBrowser(err, os.Getenv(envRequireBrowser)):
		t.Skip(err.Error())
	case errors.Is(err, errNoChromium):
		t.Fatalf("%v (%s=1 forbids skipping)", err, envRequireBrowser)
	default:
		t.Fatal(err)
	}
	return ""
}

// browser is one headless Chromium with one tab, for one test.
type browser struct {
	t *testing.T
	// ctx carries the test's deadline; tab is the tab's own context.
	ctx, tab context.Context
	// shots is the test's screenshot folder, under t.TempDir().
	shots string
	n     int

	mu sync.Mutex
	// console holds the pages' console messages and browser log entries
	// (CSP violations among them).
	console []chromedp.ConsoleMessage
}

// newBrowser starts Chromium for t, with a fresh profile under
// t.TempDir(), and stops it when t ends. Every action runs under one
// deadline (browserTimeout, or the test binary's own if sooner). When the
// test fails, the page's URL and HTML are logged and a screenshot saved.
func newBrowser(t *testing.T) *browser {
	t.Helper()
	path := requireChromium(t)
	profile := t.TempDir()
	shots := t.TempDir()

	opts := append(append([]chromedp.ExecAllocatorOption(nil), chromedp.DefaultExecAllocatorOptions[:]...),
		chromedp.ExecPath(path),
		// Chromium refuses to run as root with its sandbox; the tests load
		// only their own loopback pages.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		// No network chatter: this machine's network is closed, and the
		// refused connections only slow the browser down.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1024, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tabCtx, cancelTab := chromedp.NewContext(allocCtx)
	// The context of the first action owns the browser: cancelling it
	// closes the browser. So start with the tab's own context, bounded by a
	// watchdog, and give the deadline to the actions only; a test that
	// times out keeps its browser for dumpPage.
	start := time.Now()
	watchdog := time.AfterFunc(browserStartTimeout, cancelAlloc)
	err := chromedp.Do(tabCtx)
	watchdog.Stop()
	if err != nil {
		cancelTab()
		cancelAlloc()
		t.Fatalf("start %s: %v", path, err)
	}
	t.Logf("started %s in %v", path, time.Since(start).Round(time.Millisecond))

	deadline := time.Now().Add(browserTimeout)
	if d, ok := t.Deadline(); ok && d.Add(-5*time.Second).Before(deadline) {
		deadline = d.Add(-5 * time.Second)
	}
	ctx, cancelTimeout := context.WithDeadline(tabCtx, deadline)
	b := &browser{t: t, ctx: ctx, tab: tabCtx, shots: shots}
	consoleCtx, stopConsole := context.WithCancel(tabCtx)
	messages := chromedp.Console(consoleCtx) // subscribed from here on
	consoleDone := make(chan struct{})
	go func() {
		defer close(consoleDone)
		for m, err := range messages {
			if err != nil {
				return
			}
			b.mu.Lock()
			b.console = append(b.console, m)
			b.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		if t.Failed() {
			b.dumpPage()
		}
		stopConsole()
		<-consoleDone
		cancelTimeout()
		cancelTab()
		// Stops Chromium and waits for it, before t.TempDir removes the
		// profile.
		cancelAlloc()
	})
	return b
}

// do runs actions that return nothing, failing the test on error.
func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

// load runs actions that navigate (a Navigate, a click on a submit button)
// and waits for the page that follows, through any redirects. It returns
// the final document's response.
func (b *browser) load(what string, steps ...chromedp.Action[chromedp.Void]) *network.Response {
	b.t.Helper()
	resp, err := chromedp.RunResponse(b.ctx, steps...)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	if resp == nil {
		b.t.Fatalf("%s: no document response", what)
	}
	return resp
}

// open navigates to url and returns the document's response.
func (b *browser) open(url string) *network.Response {
	b.t.Helper()
	return b.load("open "+url, chromedp.Navigate(url))
}

// fill types values into the form fields named by their CSS selectors,
// clearing whatever the page pre-filled.
func (b *browser) fill(fields ...browserField) {
	b.t.Helper()
	for _, f := range fields {
		b.do("fill "+f.sel,
			chromedp.WaitVisible(chromedp.CSS(f.sel)),
			chromedp.Clear(chromedp.CSS(f.sel)),
			chromedp.SendKeys(chromedp.CSS(f.sel), f.value))
	}
}

// browserField is a form field to fill: a CSS selector and the text to type.
type browserField struct{ sel, value string }

// submit clicks the button sel and waits for the page the form leads to.
func (b *browser) submit(sel string) *network.Response {
	b.t.Helper()
	return b.load("submit "+sel, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
}

// text returns the visible text of the first element matching sel.
func (b *browser) text(sel string) string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		b.t.Fatalf("text of %s: %v", sel, err)
	}
	return strings.TrimSpace(s)
}

// attr returns an attribute of the first element matching sel.
func (b *browser) attr(sel, name string) (string, bool) {
	b.t.Helper()
	r, err := chromedp.Run(b.ctx, chromedp.AttributeValue(chromedp.CSS(sel), name, chromedp.NodeReady))
	if err != nil {
		b.t.Fatalf("attribute %s of %s: %v", name, sel, err)
	}
	return r.Value, r.Exists
}

// count returns how many elements match sel now, without waiting.
func (b *browser) count(sel string) int {
	b.t.Helper()
	n, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", sel)))
	if err != nil {
		b.t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// consoleProblems returns the warnings, errors and exceptions the pages
// logged so far: a CSP violation (a blocked stylesheet, image, script or
// form target, source "security") shows up here and nowhere else. Entries
// of the network source only echo HTTP statuses (a 400 for a wrong
// password, the favicon's 404), which the tests check on the responses.
func (b *browser) consoleProblems() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []string
	for _, m := range b.console {
		switch {
		case m.Type == chromedp.ConsoleLog || m.Type == chromedp.ConsoleInfo || m.Type == chromedp.ConsoleDebug:
		case m.Source == "network":
		default:
			out = append(out, fmt.Sprintf("%s %s: %s (%s)", m.Type, m.Source, m.Text, m.URL))
		}
	}
	return out
}

// location returns the page's URL.
func (b *browser) location() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.Location())
	if err != nil {
		b.t.Fatalf("location: %v", err)
	}
	return s
}

// html returns the page's HTML.
func (b *browser) html() string {
	b.t.Helper()
	s, err := chromedp.Run(b.ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	if err != nil {
		b.t.Fatalf("page HTML: %v", err)
	}
	return s
}

// screenshot saves a full-page PNG (FullScreenshot makes a PNG only at
// quality 100, a JPEG otherwise) under the test's temporary folder (never
// in the repository) and returns its path.
func (b *browser) screenshot(name string) string {
	b.t.Helper()
	png, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	b.n++
	p := filepath.Join(b.shots, fmt.Sprintf("%02d-%s.png", b.n, name))
	if err := os.WriteFile(p, png, fs.FileMode(0o600)); err != nil {
		b.t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	return p
}

// dumpPage logs where a failed test's browser stood, under a fresh
// deadline: the test's may be the one that ran out.
func (b *browser) dumpPage() {
	ctx, cancel := context.WithTimeout(b.tab, 10*time.Second)
	defer cancel()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		b.t.Logf("browser: no page to show: %v", err)
		return
	}
	html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("html")))
	b.t.Logf("browser stood at %s:\n%s", loc, html)
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		p := filepath.Join(b.shots, "failure.png")
		if os.WriteFile(p, png, 0o600) == nil {
			b.t.Logf("screenshot: %s", p)
		}
	}
}
