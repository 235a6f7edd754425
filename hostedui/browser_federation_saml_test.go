package hostedui_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/cupola-auth/cupola/userpool"
)

// TestBrowserFederatedSAMLSignIn signs in through crewjam/saml's IdP
// (federation_test.go's newSAMLIdP, whose session provider has alice
// signed in already) in Chromium: the app's authorize URL shows the login
// page, the provider's button leads to the IdP's SSO URL (HTTP-Redirect
// binding), whose auto-submitting page POSTs the SAMLResponse from the
// IdP's origin to /saml2/idpresponse (HTTP-POST binding), and the hosted
// UI sends the browser on to the app with a code. The app (x/oauth2,
// go-oidc) redeems it and verifies the ID token.
//
// The hosted UI here is plain http, so its idp cookie is SameSite=Lax. The
// IdP, the hosted UI and the app all listen on 127.0.0.1 (other ports):
// one site, so Chromium sends the Lax cookie with the IdP's POST. The test
// checks that on the wire (the request's cookies and Sec-Fetch-Site), so a
// change to the cookie or to the servers' hosts shows up as what it is.
func TestBrowserFederatedSAMLSignIn(t *testing.T) {
	idp := newSAMLIdP(t)
	e := newEnv(t, supporting(userpool.ProviderCognito, samlIdPName), withSAMLKeys(t))
	e.addSAMLProvider(idp)
	app := e.fedApp()
	const nameID = "alice@corp.example" // newSAMLIdP's session
	username := samlIdPName + "_" + nameID

	b := newBrowser(t)
	const state = "saml-browser"
	page := b.open(app.authURL(state, ""))
	loc, err := url.Parse(b.location())
	if err != nil || loc.Scheme+"://"+loc.Host+loc.Path != e.base+"/login" || page.Status != http.StatusOK {
		t.Fatalf("the authorize URL ended at %s (status %d); want the login page %s/login", b.location(), page.Status, e.base)
	}
	if b.count(selPassword) != 1 {
		t.Error("the login page of a client that supports COGNITO has no password field")
	}
	button := `a.idpButton-customizable[href$="/login/idp?provider=` + samlIdPName + `"]`
	if n := b.count(`a.idpButton-customizable`); n != 1 {
		t.Errorf("the login page has %d provider buttons, want 1", n)
	}
	if got := b.text(button); got != "Continue with "+samlIdPName {
		t.Errorf("button text = %q", got)
	}
	b.screenshot("saml-button")

	docs := recordDocuments(t, b)
	b.load("click the "+samlIdPName+" button", chromedp.Click(chromedp.CSS(button), chromedp.NodeVisible))
	// The click's navigation ends at the IdP's page, whose script posts
	// the form: wait for the navigation after it.
	at := awaitLocation(t, b, e.cbURL+"?", 20*time.Second)
	b.do("the app's page", chromedp.WaitReady(chromedp.CSS("body")))
	b.screenshot("back-in-the-app")
	cb, err := url.Parse(at)
	if err != nil {
		t.Fatal(err)
	}
	c := app.redeem(t, cb.Query(), state)
	if c.Username != username || c.Email != nameID || c.EmailVerified {
		t.Errorf("ID token claims %+v; want %s with the mapped email, email_verified false (SAML verifies no email)", c, username)
	}
	if len(c.Identities) != 1 || c.Identities[0].ProviderName != samlIdPName || c.Identities[0].ProviderType != "SAML" ||
		c.Identities[0].UserID != nameID {
		t.Errorf("identities = %+v; want the one %s identity %s", c.Identities, samlIdPName, nameID)
	}

	// The way there, as Chromium went it: one document request per hop.
	hops := docs.hops()
	var trail []string
	for _, h := range hops {
		trail = append(trail, h.method+" "+h.url)
	}
	want := []struct{ method, prefix string }{
		{"GET", e.base + "/login/idp?provider=" + samlIdPName},
		{"GET", idp.server.URL + "/sso?"},
		{"POST", e.base + "/saml2/idpresponse"},
		{"GET", e.cbURL + "?"},
	}
	if len(hops) != len(want) {
		t.Fatalf("the browser went through %d documents, want %d:\n%s", len(hops), len(want), strings.Join(trail, "\n"))
	}
	for i, w := range want {
		if hops[i].method != w.method || !strings.HasPrefix(hops[i].url, w.prefix) {
			t.Fatalf("hop %d is %s %s; want %s %s…; all:\n%s", i, hops[i].method, hops[i].url, w.method, w.prefix, strings.Join(trail, "\n"))
		}
	}
	// The AuthnRequest goes by the HTTP-Redirect binding, signed as the
	// provider's RequestSigningAlgorithm says.
	if sso, err := url.Parse(hops[1].url); err != nil {
		t.Error(err)
	} else if q := sso.Query(); q.Get("SAMLRequest") == "" || q.Get("RelayState") == "" || q.Get("Signature") == "" ||
		q.Get("SigAlg") != "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" {
		t.Errorf("the IdP's SSO URL has %v; want a SAMLRequest and RelayState signed with rsa-sha256", slices.Sorted(maps.Keys(q)))
	}
	// The ACS request is the IdP page's POST, carrying the idp cookie.
	post := hops[2]
	if got := post.header("Origin"); got != idp.server.URL {
		t.Errorf("the POST to the ACS came from Origin %q; want the IdP's %s", got, idp.server.URL)
	}
	if got := post.header("Sec-Fetch-Site"); got != "same-site" {
		t.Errorf("Sec-Fetch-Site of the POST = %q; want same-site (all servers on 127.0.0.1)", got)
	}
	if !post.extra {
		t.Error("Chromium reported no cookies for the POST to the ACS")
	}
	var sent bool
	for _, ck := range post.cookies {
		if ck.Cookie == nil || ck.Cookie.Name != "cupola_idp" {
			continue
		}
		if len(ck.BlockedReasons) > 0 {
			t.Errorf("Chromium withheld cupola_idp (SameSite=%s) from the IdP's POST: %v", ck.Cookie.SameSite, ck.BlockedReasons)
			continue
		}
		sent = true
		if ck.Cookie.SameSite != network.CookieSameSiteLax || ck.Cookie.Path != "/auth/" || !ck.Cookie.HTTPOnly {
			t.Errorf("cupola_idp is SameSite=%q Path=%q HttpOnly=%v; want Lax, /auth/, HttpOnly over plain http",
				ck.Cookie.SameSite, ck.Cookie.Path, ck.Cookie.HTTPOnly)
		}
	}
	if !sent {
		t.Errorf("the POST to the ACS carried no cupola_idp cookie (cookies: %v)", post.cookieNames())
	}
	// One answer per start: the cookie is gone.
	jar, err := chromedp.Call(b.ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{e.base + "/saml2/idpresponse"}})
	if err != nil {
		t.Fatalf("GetCookies: %v", err)
	}
	for _, ck := range jar.Cookies {
		if ck.Name == "cupola_idp" {
			t.Error("the cupola_idp cookie outlived its answer")
		}
	}
	if got := e.usernames(); !slices.Equal(got, []string{username}) {
		t.Errorf("users = %v; want the one federated user %s", got, username)
	}
	if p := b.consoleProblems(); len(p) > 0 {
		t.Errorf("the pages logged problems (CSP violations?):\n%s", strings.Join(p, "\n"))
	}
}

// awaitLocation waits until the page's URL starts with prefix, through
// the navigations on the way, and returns it.
func awaitLocation(t *testing.T, b *browser, prefix string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	var last string
	for time.Now().Before(deadline) {
		if loc, err := chromedp.Run(b.ctx, chromedp.Location()); err == nil {
			if strings.HasPrefix(loc, prefix) {
				return loc
			}
			last = loc
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("after %v the browser is at %s, want %s…", within, last, prefix)
	return ""
}

// documentLog records the tab's document requests, one hop per request
// (a redirect is a hop of its own), with the headers and cookies Chromium
// put on the wire.
type documentLog struct {
	mu     sync.Mutex
	hopsOf map[network.RequestID][]*docHop
	order  []*docHop
	extras map[network.RequestID][]*network.EventRequestWillBeSentExtraInfo
}

type docHop struct {
	id          network.RequestID
	method, url string
	// headers and cookies come from the request's extra info, when
	// Chromium sent one; extra tells.
	headers network.Headers
	cookies []*network.AssociatedCookie
	extra   bool
}

func (h *docHop) header(name string) string {
	for k, v := range h.headers {
		if strings.EqualFold(k, name) {
			s, _ := v.(string)
			return s
		}
	}
	return ""
}

func (h *docHop) cookieNames() []string {
	var out []string
	for _, c := range h.cookies {
		if c.Cookie != nil {
			out = append(out, fmt.Sprintf("%s (blocked: %v)", c.Cookie.Name, c.BlockedReasons))
		}
	}
	return out
}

// recordDocuments starts recording b's document requests, until the test
// ends.
func recordDocuments(t *testing.T, b *browser) *documentLog {
	t.Helper()
	l := &documentLog{hopsOf: map[network.RequestID][]*docHop{},
		extras: map[network.RequestID][]*network.EventRequestWillBeSentExtraInfo{}}
	ctx, stop := context.WithCancel(b.tab)
	t.Cleanup(stop)
	err := chromedp.Listen(ctx, func(ev any) {
		l.mu.Lock()
		defer l.mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if ev.Type != network.ResourceTypeDocument || ev.Request == nil {
				return
			}
			h := &docHop{id: ev.RequestID, method: ev.Request.Method, url: ev.Request.URL}
			l.hopsOf[ev.RequestID] = append(l.hopsOf[ev.RequestID], h)
			l.order = append(l.order, h)
		case *network.EventRequestWillBeSentExtraInfo:
			l.extras[ev.RequestID] = append(l.extras[ev.RequestID], ev)
		}
	})
	if err != nil {
		t.Fatalf("listen to the tab: %v", err)
	}
	return l
}

// hops returns the document requests so far, each with its extra info:
// of the extra infos of its request ID (a redirect keeps the ID), the
// first unused one whose Host header is the hop's.
func (l *documentLog) hops() []docHop {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]docHop, 0, len(l.order))
	used := map[*network.EventRequestWillBeSentExtraInfo]bool{}
	for _, h := range l.order {
		c := *h
		u, err := url.Parse(h.url)
		for _, x := range l.extras[h.id] {
			if used[x] || err != nil {
				continue
			}
			c.headers = x.Headers
			if c.header("Host") != u.Host {
				c.headers = nil
				continue
			}
			used[x] = true
			c.cookies, c.extra = x.AssociatedCookies, true
			break
		}
		out = append(out, c)
	}
	return out
}
