package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestUsersCanBeCreatedListedAndDisabled(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cupola.db")
	ta := newTestApp(t)

	code, out, stderr := ta.exec(t, "users", "create", "-db", db, "-username", "alice", "-email", "alice@example.com",
		"-temporary-password", "Temporary-pass-42")
	if code != exitOK {
		t.Fatalf("create: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(out, "created user alice (FORCE_CHANGE_PASSWORD)") {
		t.Errorf("create printed:\n%s", out)
	}
	if !strings.Contains(out, "email to alice@example.com") || !strings.Contains(out, "Temporary-pass-42") {
		t.Errorf("the invitation did not go to the console in development mode:\n%s", out)
	}

	code, out, stderr = ta.exec(t, "users", "create", "-db", db, "-username", "bob", "-email", "bob@example.com",
		"-temporary-password", "Temporary-pass-43", "-suppress")
	if code != exitOK || strings.Contains(out, "email to") {
		t.Fatalf("create -suppress: exit %d\n%s\n%s", code, out, stderr)
	}

	code, out, stderr = ta.exec(t, "users", "list", "-db", db)
	if code != exitOK {
		t.Fatalf("list: exit %d\n%s", code, stderr)
	}
	if got := lines(out, "alice", "FORCE_CHANGE_PASSWORD", "true", "alice@example.com"); len(got) != 1 {
		t.Errorf("list does not show alice enabled:\n%s", out)
	}

	code, out, _ = ta.exec(t, "users", "list", "-db", db, "-filter", `email ^= "bo"`)
	if code != exitOK || len(lines(out, "bob")) != 1 || len(lines(out, "alice")) != 0 {
		t.Errorf("filtered list:\n%s", out)
	}

	code, out, stderr = ta.exec(t, "users", "disable", "-db", db, "-username", "alice")
	if code != exitOK || !strings.Contains(out, "disabled user alice") {
		t.Fatalf("disable: exit %d\n%s\n%s", code, out, stderr)
	}
	_, out, _ = ta.exec(t, "users", "list", "-db", db, "-filter", `username = "alice"`)
	if got := lines(out, "alice", "false"); len(got) != 1 {
		t.Errorf("list does not show alice disabled:\n%s", out)
	}

	code, _, stderr = ta.exec(t, "users", "enable", "-db", db, "-username", "alice")
	if code != exitOK {
		t.Fatalf("enable: exit %d\n%s", code, stderr)
	}
	_, out, _ = ta.exec(t, "users", "list", "-db", db, "-filter", `username = "alice"`)
	if got := lines(out, "alice", "true"); len(got) != 1 {
		t.Errorf("list does not show alice enabled again:\n%s", out)
	}
}

func TestAdminCommandsReportFailuresAndUsageErrors(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cupola.db")
	tests := []struct {
		name       string
		args       []string
		want       int
		wantStderr string
	}{
		{"no command is a usage error", []string{}, exitUsage, "no command"},
		{"an unknown command is a usage error naming the commands", []string{"widgets", "list"}, exitUsage, `unknown command "widgets"; commands are serve, users, groups`},
		{"a group without a subcommand is a usage error", []string{"users"}, exitUsage, "list, create, disable"},
		{"an unknown subcommand is a usage error naming the valid ones", []string{"users", "frobnicate"}, exitUsage, `"frobnicate"; users takes list, create`},
		{"create without a username or email is a usage error", []string{"users", "create", "-db", db}, exitUsage, "-username or -email"},
		{"disable without a username is a usage error", []string{"users", "disable", "-db", db}, exitUsage, "-username is required"},
		{"disabling an unknown user is a failure", []string{"users", "disable", "-db", db, "-username", "nobody"}, exitFailure, "UserNotFoundException"},
		{"a bad filter is a failure", []string{"users", "list", "-db", db, "-filter", "email ~ x"}, exitFailure, "InvalidParameterException"},
		{"a weak temporary password is a failure", []string{"users", "create", "-db", db, "-username", "x", "-email", "x@example.com", "-temporary-password", "abc"}, exitFailure, "Password"},
		{"a client without a name is a usage error", []string{"clients", "create", "-db", db, "-callback", "https://a.example/cb"}, exitUsage, "-name is required"},
		{"a client without a callback is a usage error", []string{"clients", "create", "-db", db, "-name", "x"}, exitUsage, "-callback"},
		{"a plain http callback off localhost is a usage error", []string{"clients", "create", "-db", db, "-name", "x", "-callback", "http://a.example/cb"}, exitUsage, "only for localhost"},
		{"a negative publish-ahead is a usage error", []string{"keys", "rotate", "-db", db, "-publish-ahead", "-1h"}, exitUsage, "negative"},
		{"a missing config file is a failure", []string{"users", "list", "-db", db, "-config", filepath.Join(t.TempDir(), "none.yaml")}, exitFailure, "no such file"},
		{"help is not an error", []string{"-h"}, exitOK, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta := newTestApp(t)
			code, _, stderr := ta.exec(t, tt.args...)
			if code != tt.want || !strings.Contains(stderr, tt.wantStderr) {
				t.Fatalf("exit %d, want %d; stderr (want %q):\n%s", code, tt.want, tt.wantStderr, stderr)
			}
		})
	}
}

func TestClientsCreatePrintsTheSecretOnceAndListHidesIt(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cupola.db")
	ta := newTestApp(t)
	code, out, stderr := ta.exec(t, "clients", "create", "-db", db, "-name", "Billing", "-secret",
		"-callback", "https://billing.example.com/cb", "-callback", "http://localhost:8000/cb", "-logout", "https://billing.example.com/")
	if code != exitOK {
		t.Fatalf("create: exit %d\n%s", code, stderr)
	}
	id := strings.TrimSpace(strings.TrimPrefix(lines(out, "client_id:")[0], "client_id:"))
	secretLines := lines(out, "client_secret:")
	if id == "" || len(secretLines) != 1 {
		t.Fatalf("create printed:\n%s", out)
	}
	secret := strings.TrimSpace(strings.TrimPrefix(secretLines[0], "client_secret:"))
	if len(secret) < 32 {
		t.Fatalf("secret %q is too short", secret)
	}

	code, out, stderr = ta.exec(t, "clients", "list", "-db", db)
	if code != exitOK {
		t.Fatalf("list: exit %d\n%s", code, stderr)
	}
	if got := lines(out, id, "Billing", "yes", "code", "https://billing.example.com/cb,http://localhost:8000/cb"); len(got) != 1 {
		t.Errorf("list does not show the client:\n%s", out)
	}
	if len(lines(out, devClientID)) != 1 {
		t.Errorf("list does not show the development client:\n%s", out)
	}
	if strings.Contains(out, secret) {
		t.Error("list shows the client secret")
	}

	code, out, _ = ta.exec(t, "clients", "create", "-db", db, "-name", "Public", "-callback", "myapp://callback")
	if code != exitOK || strings.Contains(out, "client_secret") {
		t.Errorf("a public client: exit %d\n%s", code, out)
	}
}

func TestKeysRotatePublishesANewKey(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cupola.db")
	ta := newTestApp(t)
	code, out, stderr := ta.exec(t, "keys", "rotate", "-db", db, "-publish-ahead", "2h")
	if code != exitOK {
		t.Fatalf("rotate: exit %d\n%s", code, stderr)
	}
	if len(lines(out, "new signing key", "published now, signs from")) != 1 {
		t.Errorf("rotate printed:\n%s", out)
	}
}

func TestConfiguredClientsFollowTheConfigurationAcrossRestarts(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cupola.db")
	config := func(callback, scope string) string {
		return writeFile(t, dir, "cupola.yaml", `
dev: true
pool: {id: custom_dev}
clients:
  - client_id: shop
    name: Shop
    callback_urls: [`+callback+`]
    allowed_oauth_flows: [code]
    allowed_oauth_scopes: [openid, `+scope+`]
resource_servers:
  - identifier: orders
    name: Orders
    scopes: [{name: read}, {name: write}]
`, 0o644)
	}
	ta := newTestApp(t)
	cfg := config("https://shop.example.com/cb", "orders/read")
	code, out, stderr := ta.exec(t, "clients", "list", "-config", cfg, "-db", db)
	if code != exitOK || len(lines(out, "shop", "Shop", "openid,orders/read", "https://shop.example.com/cb")) != 1 {
		t.Fatalf("first start: exit %d\n%s\n%s", code, out, stderr)
	}
	if len(lines(out, devClientID)) != 0 {
		t.Errorf("a configured pool got the development client:\n%s", out)
	}
	if !strings.Contains(stderr, "generated the pool secret") {
		t.Errorf("dev: true without secrets did not generate them:\n%s", stderr)
	}

	cfg = config("https://shop.example.com/callback", "orders/write")
	code, out, stderr = ta.exec(t, "clients", "list", "-config", cfg, "-db", db)
	if code != exitOK || len(lines(out, "shop", "openid,orders/write", "https://shop.example.com/callback")) != 1 {
		t.Fatalf("after the change: exit %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(stderr, "client updated from the configuration") {
		t.Errorf("the update was not logged:\n%s", stderr)
	}
	_, _, stderr = ta.exec(t, "clients", "list", "-config", cfg, "-db", db)
	if strings.Contains(stderr, "updated") {
		t.Errorf("an unchanged configuration updated the client again:\n%s", stderr)
	}
}
