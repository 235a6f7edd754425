package federation

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestParseAppleUser(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		want    map[string]string
		wantErr bool
	}{
		{"Apple's documented shape gives both names", `{"name":{"firstName":"Ana","lastName":"Silva"},"email":"a@privaterelay.appleid.com"}`,
			map[string]string{"given_name": "Ana", "family_name": "Silva", "name": "Ana Silva"}, false},
		{"a first name alone gives given_name and name", `{"name":{"firstName":" José "}}`,
			map[string]string{"given_name": "José", "name": "José"}, false},
		{"no name object gives no names", `{"email":"a@example.com"}`, map[string]string{}, false},
		{"null is refused", `null`, nil, true},
		{"an array is refused", `[]`, nil, true},
		{"trailing data is refused", `{} {}`, nil, true},
		{"a name of the wrong type is refused", `{"name":{"firstName":5}}`, nil, true},
		{"a control character is refused", `{"name":{"lastName":"a\nb"}}`, nil, true},
		{"an invisible format character is refused", `{"name":{"lastName":"a\u202eb"}}`, nil, true},
		{"an overlong name is refused", `{"name":{"firstName":"` + strings.Repeat("a", 300) + `"}}`, nil, true},
		{"invalid UTF-8 is refused", "{\"name\":{\"firstName\":\"\xff\"}}", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseAppleUser(tt.raw)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v", err)
			}
			if tt.wantErr {
				return
			}
			if len(got) != len(tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
		})
	}
}

// FuzzAppleUser: whatever a browser posts as "user", parsing neither
// panics nor yields a name that is not clean, bounded text.
func FuzzAppleUser(f *testing.F) {
	for _, seed := range []string{
		`{"name":{"firstName":"Ana","lastName":"Silva"},"email":"a@privaterelay.appleid.com"}`,
		`{"name":{"firstName":"","lastName":""}}`,
		`{"email":"a@example.com"}`,
		`{"name":null}`,
		`{"name":{"firstName":"\u00e9\u0301"}}`,
		`null`,
		`{}`,
		`{"name":{"firstName":"a\u0000"}}`,
		"{\"name\":{\"firstName\":\"\xff\"}}",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := parseAppleUser(raw)
		if err != nil {
			return
		}
		for k, v := range got {
			switch k {
			case "given_name", "family_name", "name":
			default:
				t.Fatalf("unexpected attribute %q", k)
			}
			if v == "" || !utf8.ValidString(v) || utf8.RuneCountInString(v) > 2*maxAppleName+1 {
				t.Fatalf("%s = %q", k, v)
			}
			if strings.ContainsFunc(v, func(r rune) bool { return !unicode.IsGraphic(r) }) {
				t.Fatalf("%s = %q has an invisible character", k, v)
			}
		}
	})
}
