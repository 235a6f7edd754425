package trigger

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

func TestSecretsAreRedactedWhenFormattedOrLogged(t *testing.T) {
	const secret = "s3cr3t-value"
	tests := []struct {
		name string
		v    any
	}{
		{"migrate user event", &MigrateUserEvent{Common: testCommon(Version1, TriggerUserMigrationAuthentication), Request: MigrateUserRequest{Password: secret, ValidationData: testValidate}}},
		{"migrate user request", MigrateUserRequest{Password: secret}},
		{"custom email sender event", &CustomEmailSenderEvent{Request: CustomEmailSenderRequest{Type: CustomEmailSenderRequestV1, Code: secret, UserAttributes: testAttrs}}},
		{"custom email sender request", &CustomEmailSenderRequest{Code: secret}},
		{"custom SMS sender event", &CustomSMSSenderEvent{Request: CustomSMSSenderRequest{Code: secret}}},
		{"create auth challenge event", &CreateAuthChallengeEvent{Response: CreateAuthChallengeResponse{PrivateChallengeParameters: map[string]string{"answer": secret}, PublicChallengeParameters: map[string]string{"hint": "mail"}}}},
		{"verify auth challenge event's private parameters", &VerifyAuthChallengeResponseEvent{Request: VerifyAuthChallengeResponseRequest{PrivateChallengeParameters: map[string]string{"answer": secret}}}},
		{"verify auth challenge event's answer", VerifyAuthChallengeResponseEvent{Request: VerifyAuthChallengeResponseRequest{ChallengeAnswer: secret}}},
	}
	for _, tc := range tests {
		outputs := map[string]string{}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			outputs["fmt "+verb] = fmt.Sprintf(verb, tc.v)
		}
		if s, ok := tc.v.(fmt.Stringer); ok {
			outputs["String"] = s.String()
		}
		var jsonLog, textLog bytes.Buffer
		slog.New(slog.NewJSONHandler(&jsonLog, nil)).Info("trigger", "event", tc.v)
		slog.New(slog.NewTextHandler(&textLog, nil)).Info("trigger", "event", tc.v)
		outputs["slog JSON"], outputs["slog text"] = jsonLog.String(), textLog.String()

		for how, out := range outputs {
			t.Run(tc.name+" hides the secret in "+how, func(t *testing.T) {
				if strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) {
					t.Errorf("secret shown: %s", out)
				}
			})
		}
		t.Run(tc.name+" still shows the redaction marker in slog JSON", func(t *testing.T) {
			if !strings.Contains(jsonLog.String(), Redacted) {
				t.Errorf("no marker: %s", jsonLog.String())
			}
		})
		t.Run(tc.name+" keeps the secret in its JSON, which is the Lambda event", func(t *testing.T) {
			b, err := json.Marshal(tc.v)
			if err != nil || !strings.Contains(string(b), secret) {
				t.Errorf("json = %s, %v", b, err)
			}
		})
	}
}

func TestRedactionKeepsTheOtherFields(t *testing.T) {
	ev := &MigrateUserEvent{Common: testCommon(Version1, TriggerUserMigrationAuthentication), Request: MigrateUserRequest{Password: "pw", ClientMetadata: map[string]string{"source": "web"}}}
	out := fmt.Sprintf("%+v", ev)
	for _, want := range []string{"Password:" + Redacted, "source:web", TriggerUserMigrationAuthentication} {
		if !strings.Contains(out, want) {
			t.Errorf("%q missing from %s", want, out)
		}
	}
	if got := fmt.Sprint(MigrateUserRequest{}); strings.Contains(got, Redacted) {
		t.Errorf("an empty password is shown as redacted: %s", got)
	}
}
