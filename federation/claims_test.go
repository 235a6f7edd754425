package federation

import (
	"testing"
	"time"
)

func TestFlattenClaims(t *testing.T) {
	claims, err := decodeClaims([]byte(`{
		"sub": "u1",
		"big": 12345678901234567890,
		"ratio": 0.5,
		"verified": true,
		"off": false,
		"gone": null,
		"groups": ["a", "b"],
		"address": {"country": "PT", "zip": 1000}
	}`))
	if err != nil {
		t.Fatal(err)
	}
	got := flattenClaims(claims)
	want := map[string]string{
		"sub":      "u1",
		"big":      "12345678901234567890",
		"ratio":    "0.5",
		"verified": "true",
		"off":      "false",
		"groups":   `["a","b"]`,
		"address":  `{"country":"PT","zip":1000}`,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if _, ok := got["gone"]; ok {
		t.Error("a null claim was kept")
	}
	if len(got) != len(want) {
		t.Errorf("got %d attributes, want %d", len(got), len(want))
	}
}

func TestDecodeClaimsRefusesWhatIsNotOneObject(t *testing.T) {
	for _, in := range []string{`null`, `[]`, `"x"`, `{"a":1} {"b":2}`, `{"a":1`, ``} {
		if _, err := decodeClaims([]byte(in)); err == nil {
			t.Errorf("decodeClaims(%q) accepted", in)
		}
	}
}

func TestClaimTime(t *testing.T) {
	tests := []struct {
		name string
		v    string
		want time.Time
	}{
		{"seconds since the epoch", "1700000000", time.Unix(1700000000, 0)},
		{"fractional seconds", "1700000000.5", time.Unix(1700000000, 500000000)},
		{"a string that is not a number is no time", "yesterday", time.Time{}},
		{"a negative time is no time", "-5", time.Time{}},
		{"an absurd time is no time", "1e300", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := claimTime(map[string]string{"auth_time": tt.v}, "auth_time"); !got.Equal(tt.want) {
				t.Errorf("claimTime(%q) = %v, want %v", tt.v, got, tt.want)
			}
		})
	}
}
