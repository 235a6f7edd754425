package trigger

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestVerifySignature(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	body := []byte(`{"version":"1","request":{}}`)
	good := Sign(testSecret, now, body)
	_, mac, _ := strings.Cut(good, ",v1=")
	other := []byte(strings.Repeat("k", MinSecretBytes))

	tests := []struct {
		name   string
		secret []byte
		header string
		body   []byte
		now    time.Time
		window time.Duration
		want   error
	}{
		{"a fresh signature of the body is accepted", testSecret, good, body, now, 0, nil},
		{"a signature 4 minutes old is accepted", testSecret, good, body, now.Add(4 * time.Minute), 0, nil},
		{"a signature from 4 minutes ahead is accepted", testSecret, good, body, now.Add(-4 * time.Minute), 0, nil},
		{"a replayed signature 6 minutes old is refused", testSecret, good, body, now.Add(6 * time.Minute), 0, ErrSignatureExpired},
		{"a signature 6 minutes in the future is refused", testSecret, good, body, now.Add(-6 * time.Minute), 0, ErrSignatureExpired},
		{"a custom window is honoured", testSecret, good, body, now.Add(30 * time.Second), 10 * time.Second, ErrSignatureExpired},
		{"a signature under another secret is refused", other, good, body, now, 0, ErrSignatureInvalid},
		{"a changed body is refused", testSecret, good, []byte(`{"version":"1","request":{"x":1}}`), now, 0, ErrSignatureInvalid},
		{"a moved timestamp is refused", testSecret, fmt.Sprintf("t=%d,v1=%s", now.Unix()+1, mac), body, now, 0, ErrSignatureInvalid},
		{"one matching signature among several is accepted", testSecret, fmt.Sprintf("t=%d,v1=%s,v1=%s", now.Unix(), strings.Repeat("0", 64), mac), body, now, 0, nil},
		{"spaces around parts are tolerated", testSecret, strings.ReplaceAll(good, ",", ", "), body, now, 0, nil},
		{"unknown keys are ignored", testSecret, good + ",v0=legacy", body, now, 0, nil},
		{"an empty header is refused", testSecret, "", body, now, 0, ErrSignatureInvalid},
		{"a header without a timestamp is refused", testSecret, "v1=" + mac, body, now, 0, ErrSignatureInvalid},
		{"a header without a signature is refused", testSecret, fmt.Sprintf("t=%d", now.Unix()), body, now, 0, ErrSignatureInvalid},
		{"two timestamps are refused", testSecret, fmt.Sprintf("t=%d,", now.Unix()) + good, body, now, 0, ErrSignatureInvalid},
		{"a non-numeric timestamp is refused", testSecret, "t=soon,v1=" + mac, body, now, 0, ErrSignatureInvalid},
		{"a timestamp with a leading zero is refused", testSecret, fmt.Sprintf("t=0%d,v1=%s", now.Unix(), mac), body, now, 0, ErrSignatureInvalid},
		{"a huge timestamp is refused", testSecret, "t=9223372036854775807,v1=" + mac, body, now, 0, ErrSignatureExpired},
		{"a signature that is not hex is refused", testSecret, fmt.Sprintf("t=%d,v1=zz", now.Unix()), body, now, 0, ErrSignatureInvalid},
		{"a truncated signature is refused", testSecret, fmt.Sprintf("t=%d,v1=%s", now.Unix(), mac[:32]), body, now, 0, ErrSignatureInvalid},
		{"a part without '=' is refused", testSecret, good + ",junk", body, now, 0, ErrSignatureInvalid},
		{"too many signatures are refused", testSecret, good + strings.Repeat(",v1="+mac, maxSignatures), body, now, 0, ErrSignatureInvalid},
		{"an oversized header is refused", testSecret, good + ",x=" + strings.Repeat("a", maxSignatureHeader), body, now, 0, ErrSignatureInvalid},
		{"a short secret is a configuration error", []byte("short"), good, body, now, 0, ErrInvalidConfig},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifySignature(tc.secret, tc.header, tc.body, tc.now, tc.window)
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestSignFormat(t *testing.T) {
	h := Sign(testSecret, time.Unix(42, 0), []byte("{}"))
	ts, rest, _ := strings.Cut(h, ",")
	if ts != "t=42" || !strings.HasPrefix(rest, "v1=") || len(rest) != len("v1=")+64 {
		t.Errorf("header = %q", h)
	}
}

func FuzzVerifySignature(f *testing.F) {
	now := time.Unix(1_700_000_000, 0)
	f.Add(Sign(testSecret, now, []byte("{}")), []byte("{}"))
	f.Add("t=1,v1=00", []byte(""))
	f.Add("t=-9223372036854775808,v1=,v1", []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		if VerifySignature(testSecret, header, body, now, 0) != nil {
			return
		}
		// Accepted: the header must carry the true MAC for its timestamp.
		for part := range strings.SplitSeq(header, ",") {
			if ts, ok := strings.CutPrefix(strings.TrimSpace(part), "t="); ok {
				if !strings.Contains(strings.ToLower(header), hex.EncodeToString(signatureMAC(testSecret, ts, body))) {
					t.Errorf("accepted %q without the body's MAC", header)
				}
				return
			}
		}
		t.Errorf("accepted %q without a timestamp", header)
	})
}

func FuzzApplyResponse(f *testing.F) {
	f.Add([]byte(`{"response":{"claimsAndScopeOverrideDetails":{"idTokenGeneration":{"claimsToAddOrOverride":{"a":[1,{"b":null}]}}}}}`))
	f.Add([]byte(`{"request":{"userAttributes":{"email":"x"}},"response":null}`))
	f.Add([]byte(`{"response":{"claimsAndScopeOverrideDetails":"x"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev := &PreTokenGenerationV2Event{
			Common:  testCommon(Version2, TriggerTokenGenerationAuthentication),
			Request: PreTokenGenerationV2Request{UserAttributes: map[string]string{"email": "jane@example.com"}, Scopes: []string{"openid"}},
		}
		err := applyResponse(ev, data)
		if ev.Common != testCommon(Version2, TriggerTokenGenerationAuthentication) || len(ev.Request.UserAttributes) != 1 ||
			ev.Request.UserAttributes["email"] != "jane@example.com" || len(ev.Request.Scopes) != 1 {
			t.Errorf("request changed: %+v", ev)
		}
		if err != nil && ev.Response.ClaimsAndScopeOverrideDetails != nil {
			t.Errorf("refused response half applied: %v", err)
		}
	})
}
