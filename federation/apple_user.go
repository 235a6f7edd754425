package federation

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

const (
	// maxAppleUser bounds the "user" form field; Apple's is well under
	// 1 KiB.
	maxAppleUser = 4 << 10
	// maxAppleName bounds each name, in characters.
	maxAppleName = 256
)

// appleUser is the "user" form field Apple posts on a user's first
// sign-in: {"name":{"firstName":"…","lastName":"…"},"email":"…"}.
type appleUser struct {
	Name *struct {
		FirstName string `json:"firstName"`
		LastName  string `json:"lastName"`
	} `json:"name"`
	// Email is read but not used: the signed ID token has the address.
	Email string `json:"email"`
}

// parseAppleUser returns the names in Apple's "user" field as OIDC
// standard claims: given_name, family_name and name (both joined). The
// field comes through the browser unsigned, so only names are taken from
// it, and each must be printable text of reasonable length.
func parseAppleUser(raw string) (map[string]string, error) {
	if len(raw) > maxAppleUser {
		return nil, fmt.Errorf("longer than %d bytes", maxAppleUser)
	}
	if !utf8.ValidString(raw) {
		return nil, errors.New("not UTF-8")
	}
	// Decode would take null for an empty object; Apple sends an object.
	if !strings.HasPrefix(strings.TrimLeftFunc(raw, unicode.IsSpace), "{") {
		return nil, errors.New("not a JSON object")
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	var u appleUser
	if err := dec.Decode(&u); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the JSON object")
	}
	out := map[string]string{}
	if u.Name == nil {
		return out, nil
	}
	given, err := appleName(u.Name.FirstName)
	if err != nil {
		return nil, fmt.Errorf("firstName: %w", err)
	}
	family, err := appleName(u.Name.LastName)
	if err != nil {
		return nil, fmt.Errorf("lastName: %w", err)
	}
	if given != "" {
		out["given_name"] = given
	}
	if family != "" {
		out["family_name"] = family
	}
	if full := strings.TrimSpace(given + " " + family); full != "" {
		out["name"] = full
	}
	return out, nil
}

func appleName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > maxAppleName {
		return "", fmt.Errorf("longer than %d characters", maxAppleName)
	}
	// Graphic rather than printable: names may hold non-breaking and
	// other Unicode spaces, never controls or invisible format characters.
	if strings.ContainsFunc(s, func(r rune) bool { return !unicode.IsGraphic(r) || r == utf8.RuneError }) {
		return "", errors.New("has a control or invisible character")
	}
	return s, nil
}
