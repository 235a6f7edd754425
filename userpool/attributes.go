package userpool

import (
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// AttributeType values, with the standard attributes of cognito.md §3.
var standardAttributes = map[string]bool{
	"address": true, "birthdate": true, "email": true, "family_name": true, "gender": true,
	"given_name": true, "locale": true, "middle_name": true, "name": true, "nickname": true,
	"phone_number": true, "picture": true, "preferred_username": true, "profile": true,
	"updated_at": true, "website": true, "zoneinfo": true,
}

// verifiedFlags are kept by the pool; end users cannot write them.
var verifiedFlags = map[string]string{"email": "email_verified", "phone_number": "phone_number_verified"}

// Attribute is one user attribute, as Cognito's AttributeType.
type Attribute struct {
	Name  string
	Value string
}

var (
	customNamePattern = regexp.MustCompile(`^custom:[\w]{1,20}$`)
	e164Pattern       = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
	birthdatePattern  = regexp.MustCompile(`^([0-9]{4}|0000)-[0-9]{2}-[0-9]{2}$`)
)

func validateSchema(schema []AttributeSchema) error {
	seen := map[string]bool{}
	custom := 0
	for _, a := range schema {
		if seen[a.Name] {
			return fmt.Errorf("userpool: config: Schema: %q declared twice", a.Name)
		}
		seen[a.Name] = true
		switch {
		case standardAttributes[a.Name]:
			if a.Type != "" && a.Type != TypeString {
				return fmt.Errorf("userpool: config: Schema: standard attribute %q has a fixed type", a.Name)
			}
		case customNamePattern.MatchString(a.Name):
			custom++
			if a.Required {
				return fmt.Errorf("userpool: config: Schema: custom attribute %q cannot be required", a.Name)
			}
			switch a.Type {
			case "", TypeString, TypeNumber, TypeDateTime, TypeBoolean:
			default:
				return fmt.Errorf("userpool: config: Schema: %q has unknown type %q", a.Name, a.Type)
			}
		default:
			return fmt.Errorf("userpool: config: Schema: %q is neither standard nor custom:<name> (≤ 20 word characters)", a.Name)
		}
		if a.MinLength < 0 || a.MaxLength < 0 || a.MaxLength > maxAttributeLen || (a.MaxLength > 0 && a.MinLength > a.MaxLength) {
			return fmt.Errorf("userpool: config: Schema: %q has invalid length bounds", a.Name)
		}
	}
	if custom > maxCustomAttributes {
		return fmt.Errorf("userpool: config: Schema: more than %d custom attributes", maxCustomAttributes)
	}
	return nil
}

// schemaOf returns the declared schema of name, or a default for a
// standard attribute; ok is false for an unknown attribute.
func (p *UserPool) schemaOf(name string) (AttributeSchema, bool) {
	if s, ok := p.schema[name]; ok {
		return s, true
	}
	if standardAttributes[name] {
		return AttributeSchema{Name: name, Type: TypeString}, true
	}
	return AttributeSchema{}, false
}

// checkAttributes validates attributes a caller wants to write. creating
// allows immutable attributes. It returns a map of the new values.
func (p *UserPool) checkAttributes(attrs []Attribute, creating bool) (map[string]string, error) {
	out := make(map[string]string, len(attrs))
	if len(attrs) > 100 {
		return nil, invalidParam("too many attributes")
	}
	for _, a := range attrs {
		if _, dup := out[a.Name]; dup {
			return nil, invalidParam(fmt.Sprintf("Duplicate attribute: %s", a.Name))
		}
		if a.Name == "sub" || a.Name == "identities" {
			return nil, invalidParam(fmt.Sprintf("Cannot modify the non-mutable attribute %s", a.Name))
		}
		if a.Name == "email_verified" || a.Name == "phone_number_verified" {
			return nil, newErr(CodeNotAuthorized, fmt.Sprintf("A client attempted to write unauthorized attribute %s", a.Name))
		}
		s, ok := p.schemaOf(a.Name)
		if !ok {
			return nil, invalidParam(fmt.Sprintf("Attribute does not exist in the schema: %s", sanitize(a.Name)))
		}
		if s.Immutable && !creating {
			return nil, invalidParam(fmt.Sprintf("Cannot modify the non-mutable attribute %s", a.Name))
		}
		if err := checkValue(s, a.Value); err != nil {
			return nil, err
		}
		v := a.Value
		if a.Name == "email" {
			v = strings.TrimSpace(v)
		}
		out[a.Name] = v
	}
	return out, nil
}

func checkValue(s AttributeSchema, v string) error {
	bad := func(why string) error {
		return invalidParam(fmt.Sprintf("Invalid value for attribute %s: %s", s.Name, why))
	}
	if !utf8.ValidString(v) {
		return bad("not valid UTF-8")
	}
	n := utf8.RuneCountInString(v)
	if n > maxAttributeLen || (s.MaxLength > 0 && n > s.MaxLength) {
		return bad("too long")
	}
	if n < s.MinLength {
		return bad("too short")
	}
	if strings.ContainsRune(v, 0) {
		return bad("contains NUL")
	}
	switch s.Name {
	case "email":
		if !validEmail(v) {
			return bad("invalid email address format")
		}
	case "phone_number":
		if !e164Pattern.MatchString(v) {
			return bad("phone numbers must follow the E.164 format, e.g. +12065551212")
		}
	case "preferred_username":
		if !validUsername(v) {
			return bad("must be 1-128 characters without whitespace")
		}
		if looksLike("email", v) || looksLikePhone(v) {
			// Else it could stand for someone's email or phone sign-in:
			// an alias is found by what the user types.
			return bad("must not look like an email address or a phone number")
		}
	case "birthdate":
		if !birthdatePattern.MatchString(v) {
			return bad("must be YYYY-MM-DD")
		}
	case "updated_at":
		if _, err := strconv.ParseInt(v, 10, 64); err != nil {
			return bad("must be a number of seconds")
		}
	}
	switch s.Type {
	case TypeNumber:
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return bad("not a number")
		}
	case TypeBoolean:
		if v != "true" && v != "false" && v != "1" && v != "0" {
			return bad("not a boolean")
		}
	case TypeDateTime:
		if _, err := time.Parse(time.RFC3339, v); err != nil {
			if _, err2 := strconv.ParseInt(v, 10, 64); err2 != nil {
				return bad("not a date-time")
			}
		}
	}
	return nil
}

func validEmail(v string) bool {
	if len(v) > 254 || strings.ContainsAny(v, " \t\r\n<>") {
		return false
	}
	a, err := mail.ParseAddress(v)
	if err != nil || a.Name != "" || a.Address != v {
		return false
	}
	local, domain, ok := strings.Cut(v, "@")
	return ok && local != "" && strings.Contains(domain, ".") && !strings.HasSuffix(domain, ".")
}

// sanitize bounds what of a caller's input goes back into a message.
func sanitize(s string) string {
	if len(s) > 64 {
		s = s[:64]
	}
	return strings.ToValidUTF8(s, "?")
}

// requiredMissing reports the first required attribute absent from attrs.
func (p *UserPool) requiredMissing(attrs map[string]string) string {
	var missing []string
	for name, s := range p.schema {
		if s.Required && attrs[name] == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return ""
	}
	slices.Sort(missing)
	return missing[0]
}

// visibleAttributes returns the user's attributes as Cognito shows them,
// sub first, filtered to what the client may read (nil: all).
func visibleAttributes(sub string, attrs map[string]string, readable func(string) bool) []Attribute {
	out := []Attribute{{Name: "sub", Value: sub}}
	names := make([]string, 0, len(attrs))
	for k := range attrs {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if readable == nil || readable(k) {
			out = append(out, Attribute{Name: k, Value: attrs[k]})
		}
	}
	return out
}
