package userpool

import (
	"errors"
	"strings"
	"testing"
)

func TestParseFilter(t *testing.T) {
	tests := []struct {
		name, in string
		want     userFilter
	}{
		{"an empty filter lists everyone", "  ", userFilter{}},
		{"an exact match", `email = "ana@example.com"`, userFilter{"email", "ana@example.com", false}},
		{"a prefix match", `family_name ^= "Red"`, userFilter{"family_name", "Red", true}},
		{"spaces are optional", `username="bob"`, userFilter{"username", "bob", false}},
		{"escaped quotes and backslashes", `name = "say \"hi\" \\o/"`, userFilter{"name", `say "hi" \o/`, false}},
		{"status is case-insensitive", `cognito:user_status = "unconfirmed"`, userFilter{"cognito:user_status", "UNCONFIRMED", false}},
		{"enabled status is canonical", `status = "DISABLED"`, userFilter{"status", "Disabled", false}},
		{"an empty value", `given_name = ""`, userFilter{"given_name", "", false}},
		{"non-ASCII values", `name ^= "Zoë"`, userFilter{"name", "Zoë", true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseFilter(tt.in)
			if err != nil || got != tt.want {
				t.Fatalf("parseFilter(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseFilterRefusesMalformed(t *testing.T) {
	for _, in := range []string{
		`email`, `email "x"`, `email == "x"`, `email = x`, `email = "x`, `email = "x" and name = "y"`,
		`custom:team = "a"`, `password = "x"`, `= "x"`, `email = "a\n"x"`, `email = "\x"`, `email = "x\`,
		strings.Repeat("a", 2000), "email = \"\xff\"",
	} {
		_, err := parseFilter(in)
		if !errors.Is(err, ErrInvalidParameter) {
			t.Errorf("parseFilter(%q) = %v, want InvalidParameterException", in, err)
		}
	}
}

// FuzzParseFilter: the parser never panics, and whatever it accepts is a
// searchable attribute whose value, re-quoted, parses back to itself.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{`email = "a@b.c"`, `name ^= "x\"y"`, `status = "Enabled"`, ``, `username="\\"`, `sub ^= ""`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := parseFilter(in)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Code != CodeInvalidParameter {
				t.Fatalf("error %v is not InvalidParameterException", err)
			}
			return
		}
		if got.Attribute == "" {
			return
		}
		op := " = "
		if got.Prefix {
			op = " ^= "
		}
		quoted := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(got.Value)
		again, err := parseFilter(got.Attribute + op + `"` + quoted + `"`)
		if err != nil || again != got {
			t.Fatalf("round trip of %+v: %+v, %v", got, again, err)
		}
	})
}
