package hostedui

import (
	"encoding/json"
	"testing"
)

// TestWithoutAllowList: request options too large for the flow cookie
// lose their list of passkeys and nothing else.
func TestWithoutAllowList(t *testing.T) {
	in := `{"challenge":"Y2hhbGxlbmdl","timeout":300000,"rpId":"example.com","allowCredentials":[{"type":"public-key","id":"AAEC"}],"userVerification":"required"}`
	var got map[string]any
	if err := json.Unmarshal([]byte(withoutAllowList(in)), &got); err != nil {
		t.Fatal(err)
	}
	if _, ok := got["allowCredentials"]; ok || got["challenge"] != "Y2hhbGxlbmdl" || got["rpId"] != "example.com" ||
		got["userVerification"] != "required" || got["timeout"] != float64(300000) {
		t.Errorf("withoutAllowList = %v", got)
	}
	if out := withoutAllowList("not json"); out != "not json" {
		t.Errorf("withoutAllowList changed what it cannot read: %q", out)
	}
}

// TestHasPasskeys: creation options that exclude passkeys tell that the
// user has one.
func TestHasPasskeys(t *testing.T) {
	for in, want := range map[string]bool{
		`{"challenge":"x","excludeCredentials":[{"type":"public-key","id":"AAEC"}]}`: true,
		`{"challenge":"x","excludeCredentials":[]}`:                                  false,
		`{"challenge":"x"}`: false,
		`not json`:          false,
	} {
		if got := hasPasskeys(json.RawMessage(in)); got != want {
			t.Errorf("hasPasskeys(%s) = %v, want %v", in, got, want)
		}
	}
}
