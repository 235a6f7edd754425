package trigger

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzErrorMessage: the text taken from a failing endpoint's answer is
// safe to show whatever the body: valid UTF-8 on one line, without
// control or format characters (bidi overrides, zero-width), single
// spaces only between words, at most maxMessageRunes runes and an
// ellipsis, and made only of the characters of the errorMessage (or of
// the body), in their order.
func FuzzErrorMessage(f *testing.F) {
	for _, s := range []string{
		`{"errorType":"Error","errorMessage":"email domain not allowed"}`,
		`{"errorMessage":"a\nb\u202ec\u200b d"}`,
		`{"errorMessage":"   "}`,
		`{"errorMessage":7}`,
		"<html>\r\n<body>Bad Gateway</body>\t</html>",
		"\xff\xfe\x00ok",
		strings.Repeat("ab ", 200),
		strings.Repeat("é", 300),
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		msg := errorMessage(body)
		if !utf8.ValidString(msg) {
			t.Fatalf("message %q is not valid UTF-8", msg)
		}
		if strings.HasPrefix(msg, " ") || strings.HasSuffix(msg, " ") || strings.Contains(msg, "  ") {
			t.Fatalf("message %q has stray spaces", msg)
		}
		for _, r := range msg {
			if r != ' ' && (unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r)) {
				t.Fatalf("message %q has %U", msg, r)
			}
		}
		// sanitize cuts only a text that has reached the bound (a space
		// may take the last rune); an ellipsis after less is the body's
		// own, checked below like any other character.
		text, cut := strings.CutSuffix(msg, "…")
		if cut && utf8.RuneCountInString(text) < maxMessageRunes-1 {
			text = msg
		}
		if n := utf8.RuneCountInString(text); n > maxMessageRunes {
			t.Fatalf("message of %d runes", n)
		}

		source := string(body)
		var lambda struct {
			ErrorMessage string `json:"errorMessage"`
		}
		if json.Unmarshal(body, &lambda) == nil && strings.TrimSpace(lambda.ErrorMessage) != "" {
			source = lambda.ErrorMessage
		}
		rest := []rune(source) // invalid bytes become U+FFFD, one each
		for _, r := range strings.ReplaceAll(text, " ", "") {
			i := 0
			for i < len(rest) && rest[i] != r {
				i++
			}
			if i == len(rest) {
				t.Fatalf("message %q has %q, not in that order in %q", msg, r, source)
			}
			rest = rest[i+1:]
		}
	})
}
