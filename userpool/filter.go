package userpool

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/cupola-auth/cupola/store"
)

// userFilter is a parsed ListUsers filter: one attribute, = or ^=, one
// quoted value.
type userFilter struct {
	Attribute string
	Value     string
	Prefix    bool
}

// parseFilter parses Cognito's ListUsers filter syntax:
//
//	attribute = "value"     exact match
//	attribute ^= "value"    prefix match
//
// Inside the quotes, \" is a quote and \\ a backslash. The attribute must
// be searchable. An empty filter lists every user.
func parseFilter(s string) (userFilter, error) {
	var f userFilter
	bad := func(why string) (userFilter, error) {
		return userFilter{}, invalidParam("Error while parsing filter: " + why)
	}
	if len(s) > 1024 || !utf8.ValidString(s) {
		return bad("filter is too long or not UTF-8")
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return f, nil
	}
	i := 0
	for i < len(s) && (s[i] == '_' || s[i] == ':' || s[i] >= 'a' && s[i] <= 'z' || s[i] >= 'A' && s[i] <= 'Z' || s[i] >= '0' && s[i] <= '9') {
		i++
	}
	f.Attribute = s[:i]
	if f.Attribute == "" {
		return bad("expected an attribute name")
	}
	if !slices.Contains(store.SearchAttributes(), f.Attribute) {
		return bad("attribute " + sanitize(f.Attribute) + " is not searchable")
	}
	rest := strings.TrimLeft(s[i:], " \t")
	switch {
	case strings.HasPrefix(rest, "^="):
		f.Prefix = true
		rest = rest[2:]
	case strings.HasPrefix(rest, "="):
		rest = rest[1:]
	default:
		return bad("expected = or ^=")
	}
	rest = strings.TrimLeft(rest, " \t")
	if !strings.HasPrefix(rest, `"`) {
		return bad("expected a quoted value")
	}
	var b strings.Builder
	j := 1
	for ; j < len(rest); j++ {
		c := rest[j]
		if c == '\\' {
			if j+1 >= len(rest) || (rest[j+1] != '"' && rest[j+1] != '\\') {
				return bad(`only \" and \\ may be escaped`)
			}
			j++
			b.WriteByte(rest[j])
			continue
		}
		if c == '"' {
			break
		}
		b.WriteByte(c)
	}
	if j >= len(rest) {
		return bad("unterminated value")
	}
	if strings.TrimSpace(rest[j+1:]) != "" {
		return bad("unexpected text after the value")
	}
	f.Value = b.String()
	switch f.Attribute {
	case store.SearchStatus:
		f.Value = strings.ToUpper(f.Value)
	case store.SearchEnabled:
		switch strings.ToLower(f.Value) {
		case "enabled":
			f.Value = "Enabled"
		case "disabled":
			f.Value = "Disabled"
		}
	}
	return f, nil
}
