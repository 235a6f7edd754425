package gateway

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The session travels in one cookie named cookieName when its sealed form
// fits chunkSize, else in cookieName_0, cookieName_1… (at most maxChunks),
// as an ALB does. A sign-in in progress has its own cookie,
// cookieName_flow_<state>, so sign-ins started in several tabs do not
// overwrite each other.

// chunkName is the name of the session's i-th chunk.
func (g *gateway) chunkName(i int) string { return g.cfg.cookieName + "_" + strconv.Itoa(i) }

// flowName is the name of the cookie of the sign-in with this state.
func (g *gateway) flowName(state string) string { return g.cfg.cookieName + "_flow_" + state }

// flowPrefix starts the names of sign-in cookies.
func (g *gateway) flowPrefix() string { return g.cfg.cookieName + "_flow_" }

// secure reports whether cookies get the Secure attribute.
func (g *gateway) secure(r *http.Request) bool { return g.cfg.secureURL || r.TLS != nil }

func (g *gateway) setCookie(w http.ResponseWriter, r *http.Request, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, Secure: g.secure(r), SameSite: http.SameSiteLaxMode})
}

func (g *gateway) deleteCookie(w http.ResponseWriter, r *http.Request, name string) {
	g.setCookie(w, r, name, "", -1)
}

// cookieValue returns the value of the first cookie named name.
func cookieValue(r *http.Request, name string) (string, bool) {
	for _, c := range r.CookiesNamed(name) {
		return c.Value, true
	}
	return "", false
}

// sessionCookies reports which session cookies the request carries: the
// unchunked one, and the indexes of the chunks.
func (g *gateway) sessionCookies(r *http.Request) (whole bool, chunks []int) {
	_, whole = cookieValue(r, g.cfg.cookieName)
	for i := range maxChunks {
		if _, ok := cookieValue(r, g.chunkName(i)); ok {
			chunks = append(chunks, i)
		}
	}
	return whole, chunks
}

// readSession returns the request's session: nil and false without
// session cookies, nil and true when they are there but unusable
// (tampered with, sealed with an unknown key, incomplete, ended).
func (g *gateway) readSession(r *http.Request, now time.Time) (*session, bool) {
	value, ok := cookieValue(r, g.cfg.cookieName)
	n := 0
	if !ok {
		var b strings.Builder
		for n = 0; n < maxChunks; n++ {
			v, ok := cookieValue(r, g.chunkName(n))
			if !ok {
				break
			}
			b.WriteString(v)
		}
		if n == 0 {
			return nil, false
		}
		value = b.String()
	}
	s, err := g.openSession(value, n)
	if err != nil {
		return nil, true
	}
	if s.ended(now) {
		return nil, true
	}
	return s, true
}

// sessionAAD binds a sealed session to the cookie name and the number of
// chunks it is split into (0 for the unchunked cookie), so a value moved
// to another name or cut short does not open.
func (g *gateway) sessionAAD(chunks int) []byte {
	if chunks == 0 {
		return []byte(g.cfg.cookieName)
	}
	return []byte(g.cfg.cookieName + "/" + strconv.Itoa(chunks))
}

// sealedLen is the length of the sealed form of n bytes.
func (g *gateway) sealedLen(n int) int {
	return base64.RawURLEncoding.EncodedLen(g.sessions.overhead() + n)
}

func (g *gateway) openSession(value string, chunks int) (*session, error) {
	if len(value) > maxChunks*chunkSize {
		return nil, fmt.Errorf("session cookie too large: %w", errSession)
	}
	pt, err := g.sessions.open(value, g.sessionAAD(chunks))
	if err != nil {
		return nil, err
	}
	return decodeSession(pt)
}

// writeSession seals s into the response's cookies, in chunks when large,
// and deletes the request's session cookies the new ones do not replace.
func (g *gateway) writeSession(w http.ResponseWriter, r *http.Request, s *session, now time.Time) error {
	pt, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode session: %w", err)
	}
	size := g.sealedLen(len(pt))
	n := (size + chunkSize - 1) / chunkSize
	if n > maxChunks {
		return fmt.Errorf("session of %d bytes exceeds %d cookies", size, maxChunks)
	}
	aad := g.sessionAAD(n)
	if n == 1 {
		aad = g.sessionAAD(0)
	}
	value, err := g.sessions.seal(pt, aad)
	if err != nil {
		return err
	}
	if len(value) != size {
		return fmt.Errorf("sealed session of %d bytes, expected %d", len(value), size)
	}
	maxAge := int(time.Unix(s.Expiry, 0).Sub(now) / time.Second)
	if maxAge < 1 {
		maxAge = 1
	}
	whole, chunks := g.sessionCookies(r)
	if n == 1 {
		g.setCookie(w, r, g.cfg.cookieName, value, maxAge)
		for _, i := range chunks {
			g.deleteCookie(w, r, g.chunkName(i))
		}
		return nil
	}
	if whole {
		g.deleteCookie(w, r, g.cfg.cookieName)
	}
	for i := range n {
		g.setCookie(w, r, g.chunkName(i), value[i*chunkSize:min((i+1)*chunkSize, len(value))], maxAge)
	}
	for _, i := range chunks {
		if i >= n {
			g.deleteCookie(w, r, g.chunkName(i))
		}
	}
	return nil
}

// clearSession deletes the session cookie and every chunk the request
// carries.
func (g *gateway) clearSession(w http.ResponseWriter, r *http.Request) {
	_, chunks := g.sessionCookies(r)
	g.deleteCookie(w, r, g.cfg.cookieName)
	for _, i := range chunks {
		g.deleteCookie(w, r, g.chunkName(i))
	}
}

// flowCookies returns the names of the request's sign-in cookies.
func (g *gateway) flowCookies(r *http.Request) []string {
	var names []string
	prefix := g.flowPrefix()
	for _, c := range r.Cookies() {
		if strings.HasPrefix(c.Name, prefix) {
			names = append(names, c.Name)
		}
	}
	return names
}

// isOwnCookie reports whether a cookie name is one of the gateway's.
func (g *gateway) isOwnCookie(name string) bool {
	return name == g.cfg.cookieName || strings.HasPrefix(name, g.cfg.cookieName+"_")
}

// stripOwnCookies removes the gateway's cookies from the Cookie headers,
// leaving the application's cookies as the browser sent them.
func (g *gateway) stripOwnCookies(h http.Header) {
	lines := h.Values("Cookie")
	if len(lines) == 0 {
		return
	}
	var kept []string
	changed := false
	for _, line := range lines {
		for part := range strings.SplitSeq(line, ";") {
			name, _, _ := strings.Cut(part, "=")
			if g.isOwnCookie(strings.TrimSpace(name)) {
				changed = true
				continue
			}
			if p := strings.TrimSpace(part); p != "" {
				kept = append(kept, p)
			}
		}
	}
	if !changed {
		return
	}
	if len(kept) == 0 {
		h.Del("Cookie")
		return
	}
	h.Set("Cookie", strings.Join(kept, "; "))
}
