package userpool

import (
	"encoding/base64"
	"encoding/json"
	"time"
)

// pageTokenValidity is how long a pagination token may be used (Cognito's
// ListUsers tokens expire after an hour).
const pageTokenValidity = time.Hour

// pageCursor is what a pagination token carries. Tokens are sealed under
// the pool secret: opaque, tamper-proof, bound to the listing that made
// them, and expiring.
type pageCursor struct {
	Kind    string `json:"k"` // which listing and its filter, so a token cannot be replayed elsewhere
	Key     string `json:"a,omitempty"`
	After   string `json:"b,omitempty"`
	Expires int64  `json:"e"`
}

func (p *UserPool) encodePage(kind, key, after string) (string, error) {
	raw, err := json.Marshal(pageCursor{Kind: kind, Key: key, After: after, Expires: p.now().Add(pageTokenValidity).Unix()})
	if err != nil {
		return "", internalErr("pagination token", err)
	}
	box, err := p.pageSeal.Seal(p.random, raw, []byte("page"))
	if err != nil {
		return "", internalErr("pagination token", err)
	}
	return base64.RawURLEncoding.EncodeToString(box), nil
}

// decodePage opens a token made for the same kind of listing. "" is the
// first page.
func (p *UserPool) decodePage(kind, token string) (key, after string, err error) {
	if token == "" {
		return "", "", nil
	}
	bad := invalidParam("Invalid pagination token")
	if len(token) > 4096 {
		return "", "", bad
	}
	box, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil {
		return "", "", bad
	}
	raw, err := p.pageSeal.Open(box, []byte("page"))
	if err != nil {
		return "", "", bad
	}
	var c pageCursor
	if json.Unmarshal(raw, &c) != nil || c.Kind != kind {
		return "", "", bad
	}
	if p.now().Unix() >= c.Expires {
		return "", "", invalidParam("Pagination token has expired")
	}
	return c.Key, c.After, nil
}

// pageLimit applies Cognito's page size rule: 1–60, zero meaning 60.
func pageLimit(n int) (int, error) {
	if n == 0 {
		return 60, nil
	}
	if n < 0 || n > 60 {
		return 0, invalidParam("Limit must be between 1 and 60")
	}
	return n, nil
}
