package cognitoapi_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"github.com/cupola-auth/cupola/userpool"
)

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A SigV4-signed admin call is audited with the access key that signed it.
func TestSignedAdminCallsNameTheirActor(t *testing.T) {
	var buf syncBuffer
	e := newMgmtEnv(t, func(c *userpool.Config) { c.AuditLogger = slog.New(slog.NewJSONHandler(&buf, nil)) })
	if _, err := e.pool.AdminCreateUser(e.ctx, userpool.AdminCreateUserInput{Username: "max", MessageAction: "SUPPRESS"}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sdk.AdminDisableUser(e.ctx, &cip.AdminDisableUserInput{UserPoolId: aws.String(poolID), Username: aws.String("max")}); err != nil {
		t.Fatal(err)
	}
	found := 0
	for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		if r["operation"] == "AdminDisableUser" {
			found++
			if r["actor"] != "iam:"+accessKey || r["event"] != userpool.AuditAdminAction || r["username"] != "max" {
				t.Errorf("record %v", r)
			}
		}
		if strings.Contains(line, secretKey) {
			t.Errorf("the secret access key is in %q", line)
		}
	}
	if found != 1 {
		t.Errorf("%d AdminDisableUser records, want 1:\n%s", found, buf.String())
	}
}
