package main

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/userpool"
)

// execJSON runs a command that prints JSON and decodes its output into v.
func (ta *testApp) execJSON(t *testing.T, v any, args ...string) {
	t.Helper()
	code, out, stderr := ta.exec(t, args...)
	if code != exitOK {
		t.Fatalf("%s: exit %d\n%s", strings.Join(args, " "), code, stderr)
	}
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("%s: output is not JSON: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// mustExec runs a command that must succeed and returns its stdout.
func (ta *testApp) mustExec(t *testing.T, args ...string) string {
	t.Helper()
	code, out, stderr := ta.exec(t, args...)
	if code != exitOK {
		t.Fatalf("%s: exit %d\n%s\n%s", strings.Join(args, " "), code, out, stderr)
	}
	return out
}

func TestEveryCommandsHelpGoesToStdoutAndExitsZero(t *testing.T) {
	ta := newTestApp(t)
	for _, g := range ta.commands() {
		if len(g.cmds) == 1 && g.cmds[0].name == "" {
			code, out, stderr := ta.exec(t, g.name, "-h")
			if code != exitOK || !strings.Contains(out, "Usage: cupola "+g.name) || stderr != "" {
				t.Errorf("cupola %s -h: exit %d\nstdout:\n%s\nstderr:\n%s", g.name, code, out, stderr)
			}
			continue
		}
		for _, h := range []string{"-h", "--help", "help"} {
			code, out, stderr := ta.exec(t, g.name, h)
			if code != exitOK || stderr != "" {
				t.Errorf("cupola %s %s: exit %d\n%s", g.name, h, code, stderr)
			}
			for _, c := range g.cmds {
				if len(lines(out, "  "+c.name+" ", c.summary)) != 1 {
					t.Errorf("cupola %s %s does not list %s:\n%s", g.name, h, c.name, out)
				}
			}
		}
		for _, c := range g.cmds {
			code, out, stderr := ta.exec(t, g.name, c.name, "-h")
			if code != exitOK || !strings.Contains(out, "Usage: cupola "+g.name+" "+c.name) || !strings.Contains(out, "-db") || stderr != "" {
				t.Errorf("cupola %s %s -h: exit %d\nstdout:\n%s\nstderr:\n%s", g.name, c.name, code, out, stderr)
			}
		}
	}
	// A flag error still goes to stderr, with the usage.
	code, out, stderr := ta.exec(t, "users", "list", "-nope")
	if code != exitUsage || out != "" || !strings.Contains(stderr, "-nope") || !strings.Contains(stderr, "Usage: cupola users list") {
		t.Errorf("a bad flag: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
	code, _, stderr = ta.exec(t, "keys", "frobnicate")
	if code != exitUsage || !strings.Contains(stderr, "keys takes list, rotate") {
		t.Errorf("an unknown subcommand: exit %d\n%s", code, stderr)
	}
}

func TestUsersCommandsManageAUserEndToEnd(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cupola.db")
	ta := newTestApp(t)

	// Without a password and with -suppress, one is generated and printed.
	out := ta.mustExec(t, "users", "create", "-db", db, "-username", "carol", "-email", "carol@example.com", "-suppress",
		"-attribute", "given_name=Carol")
	pw := lines(out, "temporary password: ")
	if len(pw) != 1 || len(strings.TrimPrefix(pw[0], "temporary password: ")) < 16 {
		t.Fatalf("create -suppress did not print a generated password:\n%s", out)
	}

	var u userJSON
	ta.execJSON(t, &u, "users", "get", "-db", db, "-username", "carol", "-o", "json")
	if u.Username != "carol" || u.Status != "FORCE_CHANGE_PASSWORD" || !u.Enabled || u.Sub == "" || u.Created == nil ||
		u.Attributes["email"] != "carol@example.com" || u.Attributes["given_name"] != "Carol" {
		t.Errorf("users get -o json = %+v", u)
	}
	out = ta.mustExec(t, "users", "get", "-db", db, "-username", "carol")
	if len(lines(out, "status:", "FORCE_CHANGE_PASSWORD")) != 1 || len(lines(out, "given_name:", "Carol")) != 1 {
		t.Errorf("users get:\n%s", out)
	}

	var list []userJSON
	ta.execJSON(t, &list, "users", "list", "-db", db, "-o", "json")
	if len(list) != 1 || list[0].Username != "carol" || list[0].Sub != u.Sub {
		t.Errorf("users list -o json = %+v", list)
	}

	// A permanent password from stdin, never from the command line.
	ta.stdin = strings.NewReader("Correct-horse-42\n")
	out = ta.mustExec(t, "users", "set-password", "-db", db, "-username", "carol", "-password-stdin", "-permanent")
	if strings.Contains(out, "Correct-horse-42") || !strings.Contains(out, "permanent password") {
		t.Errorf("set-password printed:\n%s", out)
	}
	ta.execJSON(t, &u, "users", "get", "-db", db, "-username", "carol", "-o", "json")
	if u.Status != "CONFIRMED" {
		t.Errorf("after set-password -permanent, status = %s", u.Status)
	}
	// Without -password-stdin, a temporary password is generated.
	out = ta.mustExec(t, "users", "set-password", "-db", db, "-username", "carol")
	if len(lines(out, "temporary password: ")) != 1 {
		t.Errorf("set-password without stdin:\n%s", out)
	}
	ta.execJSON(t, &u, "users", "get", "-db", db, "-username", "carol", "-o", "json")
	if u.Status != "FORCE_CHANGE_PASSWORD" {
		t.Errorf("after a generated temporary password, status = %s", u.Status)
	}

	if out = ta.mustExec(t, "users", "sign-out", "-db", db, "-username", "carol"); !strings.Contains(out, "signed out user carol") {
		t.Errorf("sign-out:\n%s", out)
	}
	if out = ta.mustExec(t, "users", "reset-password", "-db", db, "-username", "carol"); !strings.Contains(out, "carol must reset") {
		t.Errorf("reset-password:\n%s", out)
	}
	ta.execJSON(t, &u, "users", "get", "-db", db, "-username", "carol", "-o", "json")
	if u.Status != "RESET_REQUIRED" {
		t.Errorf("after reset-password, status = %s", u.Status)
	}

	// confirm takes an UNCONFIRMED user, as sign-up leaves one.
	in, err := ta.adminPool(context.Background(), &commonFlags{db: db, logLevel: "error"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = in.pool.SignUp(context.Background(), userpool.SignUpInput{ClientID: devClientID, Username: "dave", Password: "Sign-up-pass-42",
		UserAttributes: []userpool.Attribute{{Name: "email", Value: "dave@example.com"}}})
	in.Close()
	if err != nil {
		t.Fatal(err)
	}
	ta.mustExec(t, "users", "confirm", "-db", db, "-username", "dave")
	ta.execJSON(t, &u, "users", "get", "-db", db, "-username", "dave", "-o", "json")
	if u.Status != "CONFIRMED" {
		t.Errorf("after confirm, status = %s", u.Status)
	}
	code, _, stderr := ta.exec(t, "users", "confirm", "-db", db, "-username", "dave")
	if code != exitFailure || !strings.Contains(stderr, "cannot be confirmed") {
		t.Errorf("confirming a confirmed user: exit %d\n%s", code, stderr)
	}

	if out = ta.mustExec(t, "users", "delete", "-db", db, "-username", "dave"); !strings.Contains(out, "deleted user dave") {
		t.Errorf("delete:\n%s", out)
	}
	ta.execJSON(t, &list, "users", "list", "-db", db, "-o", "json")
	if len(list) != 1 || list[0].Username != "carol" {
		t.Errorf("after delete, users = %+v", list)
	}
}

func TestUserCommandsOnAnUnknownUserFailClearlyAndChangeNothing(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cupola.db")
	ta := newTestApp(t)
	ta.mustExec(t, "users", "create", "-db", db, "-username", "erin", "-email", "erin@example.com", "-temporary-password", "Temporary-pass-42", "-suppress")
	ta.mustExec(t, "groups", "create", "-db", db, "-name", "staff")
	for _, args := range [][]string{
		{"users", "get"}, {"users", "delete"}, {"users", "enable"}, {"users", "disable"}, {"users", "confirm"},
		{"users", "set-password"}, {"users", "reset-password"}, {"users", "sign-out"}, {"users", "groups"},
		{"groups", "add", "-name", "staff"}, {"groups", "remove", "-name", "staff"},
	} {
		code, out, stderr := ta.exec(t, append(args, "-db", db, "-username", "nobody")...)
		if code != exitFailure || !strings.Contains(stderr, "UserNotFoundException: User does not exist") ||
			!strings.HasPrefix(stderr[strings.LastIndex(strings.TrimSpace(stderr), "\n")+1:], "cupola: "+strings.Join(args[:2], " ")) {
			t.Errorf("%s on an unknown user: exit %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, out, stderr)
		}
		if strings.Contains(out, "temporary password") {
			t.Errorf("%s printed a password for an unknown user:\n%s", strings.Join(args, " "), out)
		}
	}
	var list []userJSON
	ta.execJSON(t, &list, "users", "list", "-db", db, "-o", "json")
	if len(list) != 1 || list[0].Username != "erin" || !list[0].Enabled || list[0].Status != "FORCE_CHANGE_PASSWORD" {
		t.Errorf("users changed: %+v", list)
	}
	code, _, stderr := ta.exec(t, "groups", "add", "-db", db, "-name", "nogroup", "-username", "erin")
	if code != exitFailure || !strings.Contains(stderr, "ResourceNotFoundException") {
		t.Errorf("adding to an unknown group: exit %d\n%s", code, stderr)
	}
	var groups []groupJSON
	ta.execJSON(t, &groups, "users", "groups", "-db", db, "-username", "erin", "-o", "json")
	if len(groups) != 0 {
		t.Errorf("erin is in %+v", groups)
	}
	code, _, stderr = ta.exec(t, "users", "set-password", "-db", db, "-username", "erin", "-permanent")
	if code != exitUsage || !strings.Contains(stderr, "-password-stdin") {
		t.Errorf("-permanent without stdin: exit %d\n%s", code, stderr)
	}
	ta.stdin = strings.NewReader("")
	code, _, stderr = ta.exec(t, "users", "set-password", "-db", db, "-username", "erin", "-password-stdin")
	if code != exitUsage || !strings.Contains(stderr, "no password") {
		t.Errorf("empty stdin: exit %d\n%s", code, stderr)
	}
	ta.stdin = strings.NewReader("weak\n")
	code, _, stderr = ta.exec(t, "users", "set-password", "-db", db, "-username", "erin", "-password-stdin", "-permanent")
	if code != exitFailure || !strings.Contains(stderr, "InvalidPasswordException") {
		t.Errorf("a weak password: exit %d\n%s", code, stderr)
	}
	code, _, stderr = ta.exec(t, "users", "create", "-db", db, "-username", "nomail")
	if code != exitUsage || !strings.Contains(stderr, "give -suppress") {
		t.Errorf("create without a way to send the invitation: exit %d\n%s", code, stderr)
	}
	code, _, stderr = ta.exec(t, "users", "list", "-db", db, "-o", "yaml")
	if code != exitUsage || !strings.Contains(stderr, "not text or json") {
		t.Errorf("-o yaml: exit %d\n%s", code, stderr)
	}
}

func TestGroupsCommandsManageGroupsAndMembers(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cupola.db")
	ta := newTestApp(t)
	ta.mustExec(t, "users", "create", "-db", db, "-username", "frank", "-email", "frank@example.com", "-temporary-password", "Temporary-pass-42", "-suppress")
	if out := ta.mustExec(t, "groups", "create", "-db", db, "-name", "admins", "-description", "Administrators", "-precedence", "1"); !strings.Contains(out, "created group admins") {
		t.Errorf("groups create:\n%s", out)
	}
	ta.mustExec(t, "groups", "create", "-db", db, "-name", "readers")
	code, _, stderr := ta.exec(t, "groups", "create", "-db", db, "-name", "admins")
	if code != exitFailure || !strings.Contains(stderr, "GroupExistsException") {
		t.Errorf("a duplicate group: exit %d\n%s", code, stderr)
	}

	var groups []groupJSON
	ta.execJSON(t, &groups, "groups", "list", "-db", db, "-o", "json")
	if len(groups) != 2 || groups[0].Name != "admins" || groups[0].Description != "Administrators" || groups[0].Precedence == nil ||
		*groups[0].Precedence != 1 || groups[1].Name != "readers" || groups[1].Precedence != nil || groups[0].Created == nil {
		t.Errorf("groups list -o json = %+v", groups)
	}
	out := ta.mustExec(t, "groups", "list", "-db", db)
	if len(lines(out, "admins", "1", "Administrators")) != 1 || len(lines(out, "readers", "-")) != 1 {
		t.Errorf("groups list:\n%s", out)
	}

	ta.mustExec(t, "groups", "add", "-db", db, "-name", "admins", "-username", "frank")
	ta.mustExec(t, "groups", "add", "-db", db, "-name", "readers", "-username", "frank")
	ta.execJSON(t, &groups, "users", "groups", "-db", db, "-username", "frank", "-o", "json")
	if len(groups) != 2 {
		t.Errorf("frank's groups = %+v", groups)
	}
	if out := ta.mustExec(t, "groups", "remove", "-db", db, "-name", "readers", "-username", "frank"); !strings.Contains(out, "removed user frank from group readers") {
		t.Errorf("groups remove:\n%s", out)
	}
	out = ta.mustExec(t, "users", "groups", "-db", db, "-username", "frank")
	if len(lines(out, "admins")) != 1 || len(lines(out, "readers")) != 0 {
		t.Errorf("users groups:\n%s", out)
	}
	ta.mustExec(t, "groups", "delete", "-db", db, "-name", "admins")
	ta.execJSON(t, &groups, "groups", "list", "-db", db, "-o", "json")
	if len(groups) != 1 || groups[0].Name != "readers" {
		t.Errorf("after delete, groups = %+v", groups)
	}
	code, _, stderr = ta.exec(t, "groups", "delete", "-db", db, "-name", "admins")
	if code != exitFailure || !strings.Contains(stderr, "ResourceNotFoundException") {
		t.Errorf("deleting a deleted group: exit %d\n%s", code, stderr)
	}
	code, _, stderr = ta.exec(t, "groups", "add", "-db", db, "-name", "readers")
	if code != exitUsage || !strings.Contains(stderr, "-name and -username are required") {
		t.Errorf("add without -username: exit %d\n%s", code, stderr)
	}
}

func TestClientsCommandsGetUpdateAndDelete(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cupola.db")
	ta := newTestApp(t)
	var created struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	ta.execJSON(t, &created, "clients", "create", "-db", db, "-name", "Shop", "-secret", "-callback", "https://shop.example.com/cb", "-o", "json")
	if created.ClientID == "" || len(created.ClientSecret) < 32 {
		t.Fatalf("clients create -o json = %+v", created)
	}

	var c clientJSON
	ta.execJSON(t, &c, "clients", "get", "-db", db, "-id", created.ClientID, "-o", "json")
	if c.ClientID != created.ClientID || c.Name != "Shop" || !c.HasSecret || len(c.CallbackURLs) != 1 ||
		c.AccessTokenValidity != "0s" || c.LogoutURLs == nil || c.Created == nil {
		t.Errorf("clients get -o json = %+v", c)
	}
	out := ta.mustExec(t, "clients", "get", "-db", db, "-id", created.ClientID)
	if strings.Contains(out, created.ClientSecret) || len(lines(out, "secret:", "yes")) != 1 || len(lines(out, "access_token_validity:", "pool default")) != 1 {
		t.Errorf("clients get:\n%s", out)
	}

	out = ta.mustExec(t, "clients", "update", "-db", db, "-id", created.ClientID, "-name", "Shop 2",
		"-callback", "https://shop.example.com/a", "-callback", "https://shop.example.com/b", "-access-token-validity", "15m")
	if !strings.Contains(out, "updated client "+created.ClientID) || strings.Contains(out, "configuration") {
		t.Errorf("clients update:\n%s", out)
	}
	ta.execJSON(t, &c, "clients", "get", "-db", db, "-id", created.ClientID, "-o", "json")
	if c.Name != "Shop 2" || strings.Join(c.CallbackURLs, " ") != "https://shop.example.com/a https://shop.example.com/b" ||
		c.AccessTokenValidity != "15m0s" || !c.HasSecret || strings.Join(c.AllowedOAuthScopes, " ") != "openid email profile" {
		t.Errorf("after update, the client is %+v (unnamed settings must stay)", c)
	}

	var list []clientJSON
	ta.execJSON(t, &list, "clients", "list", "-db", db, "-o", "json")
	if len(list) != 2 {
		t.Errorf("clients list -o json = %+v", list)
	}

	code, _, stderr := ta.exec(t, "clients", "update", "-db", db, "-id", created.ClientID)
	if code != exitUsage || !strings.Contains(stderr, "nothing to change") {
		t.Errorf("update without settings: exit %d\n%s", code, stderr)
	}
	code, _, stderr = ta.exec(t, "clients", "update", "-db", db, "-id", created.ClientID, "-callback", "http://shop.example.com/cb")
	if code != exitUsage || !strings.Contains(stderr, "only for localhost") {
		t.Errorf("update to a plain http callback: exit %d\n%s", code, stderr)
	}
	code, _, stderr = ta.exec(t, "clients", "update", "-db", db, "-id", "nosuchclient", "-name", "x")
	if code != exitFailure || !strings.Contains(stderr, "ResourceNotFoundException") {
		t.Errorf("update of an unknown client: exit %d\n%s", code, stderr)
	}

	if out = ta.mustExec(t, "clients", "delete", "-db", db, "-id", devClientID); !strings.Contains(out, "next start creates it again") {
		t.Errorf("deleting a declared client does not warn:\n%s", out)
	}
	ta.mustExec(t, "clients", "delete", "-db", db, "-id", created.ClientID)
	code, _, stderr = ta.exec(t, "clients", "get", "-db", db, "-id", created.ClientID)
	if code != exitFailure || !strings.Contains(stderr, "does not exist") {
		t.Errorf("get of a deleted client: exit %d\n%s", code, stderr)
	}
	code, _, stderr = ta.exec(t, "clients", "delete", "-db", db, "-id", created.ClientID)
	if code != exitFailure || !strings.Contains(stderr, "ResourceNotFoundException") {
		t.Errorf("deleting twice: exit %d\n%s", code, stderr)
	}
}

func TestKeysListShowsStatesAcrossARotation(t *testing.T) {
	db := filepath.Join(t.TempDir(), "cupola.db")
	ta := newTestApp(t)
	var keys []keyJSON
	ta.execJSON(t, &keys, "keys", "list", "-db", db, "-o", "json")
	if len(keys) != 1 || keys[0].State != keySigning || keys[0].Algorithm != "RS256" || keys[0].KID == "" || keys[0].Active == nil || keys[0].Retired != nil {
		t.Fatalf("keys list -o json on a new pool = %+v", keys)
	}
	first := keys[0].KID
	ta.mustExec(t, "keys", "rotate", "-db", db, "-publish-ahead", "2h")
	ta.execJSON(t, &keys, "keys", "list", "-db", db, "-o", "json")
	if len(keys) != 2 {
		t.Fatalf("keys list after a rotation = %+v", keys)
	}
	for _, k := range keys {
		switch {
		case k.KID == first && (k.State != keySigning || k.Retired == nil || k.Expires == nil):
			t.Errorf("the old key = %+v, want signing until the new one activates", k)
		case k.KID != first && k.State != keyPending:
			t.Errorf("the new key = %+v, want pending", k)
		}
	}
	out := ta.mustExec(t, "keys", "list", "-db", db)
	if len(lines(out, "KID", "ALG", "STATE", "ACTIVE", "RETIRED")) != 1 || len(lines(out, first, "RS256", "signing")) != 1 || len(lines(out, "pending")) != 1 {
		t.Errorf("keys list:\n%s", out)
	}
	ta.now = func() time.Time { return time.Now().Add(3 * time.Hour) }
	ta.execJSON(t, &keys, "keys", "list", "-db", db, "-o", "json")
	for _, k := range keys {
		if want := map[bool]string{true: keyRetired, false: keySigning}[k.KID == first]; k.State != want {
			t.Errorf("three hours later, key %s is %s, want %s", k.KID, k.State, want)
		}
	}
}

const importCSV = `cognito:username,email,email_verified,given_name,family_name,cognito:mfa_enabled,cupola:password_hash
ada,ada@example.com,true,Ada,Lovelace,false,$2a$10$Kdu77HPNu4OxXpJcOGvJMueTpycFlfJbPiS6dFQh54gRGVSY1goQK
grace,grace@example.com,true,Grace,Hopper,false,
not a name,x@example.com,true,,,false,
`

func TestImportReportsEachBadRowAndFailsWithoutStoppingTheOthers(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "cupola.db")
	csv := writeFile(t, dir, "users.csv", importCSV, 0o644)
	ta := newTestApp(t)

	code, out, stderr := ta.exec(t, "import", "-db", db, csv)
	if code != exitFailure {
		t.Fatalf("import with a bad row: exit %d\n%s\n%s", code, out, stderr)
	}
	if !strings.Contains(out, "imported 2, skipped 0 (already there), failed 1") || strings.Contains(out, "\r") {
		t.Errorf("import summary:\n%q", out)
	}
	if got := lines(stderr, csv+":4 (not a name): InvalidParameterException"); len(got) != 1 {
		t.Errorf("the bad row is not reported with its line:\n%s", stderr)
	}
	if !strings.Contains(stderr, "1 row was refused") {
		t.Errorf("no final error:\n%s", stderr)
	}
	var users []userJSON
	ta.execJSON(t, &users, "users", "list", "-db", db, "-o", "json")
	status := map[string]string{}
	for _, u := range users {
		status[u.Username] = u.Status
	}
	if len(users) != 2 || status["ada"] != "CONFIRMED" || status["grace"] != "RESET_REQUIRED" {
		t.Errorf("imported users = %v", status)
	}

	// Again, flags after the file, JSON out: the imported rows are skipped.
	var rep importJSON
	code, out, _ = ta.exec(t, "import", csv, "-db", db, "-o", "json")
	if err := json.Unmarshal([]byte(out), &rep); err != nil || code != exitFailure {
		t.Fatalf("import -o json: exit %d, %v\n%s", code, err, out)
	}
	if rep.Imported != 0 || rep.Skipped != 2 || rep.Failed != 1 || len(rep.Errors) != 1 || rep.Errors[0].Line != 4 ||
		rep.Errors[0].Username != "not a name" || !strings.Contains(rep.Errors[0].Error, "InvalidParameterException") {
		t.Errorf("import -o json = %+v", rep)
	}

	// On a terminal, a progress bar.
	good := writeFile(t, dir, "good.csv", "cognito:username,email\nhenry,henry@example.com\n", 0o644)
	ta.isTerminal = func(io.Writer) bool { return true }
	out = ta.mustExec(t, "import", "-db", db, good)
	if !strings.Contains(out, "\r[##############################] 100%") || !strings.Contains(out, "imported 1, skipped 0 (already there), failed 0") {
		t.Errorf("import on a terminal:\n%q", out)
	}

	for _, tt := range []struct {
		name string
		args []string
		want int
		msg  string
	}{
		{"no file is a usage error", []string{"import", "-db", db}, exitUsage, "CSV file is required"},
		{"a missing file is a failure", []string{"import", "-db", db, filepath.Join(dir, "none.csv")}, exitFailure, "no such file"},
		{"two files are a usage error", []string{"import", "-db", db, csv, good}, exitUsage, "unexpected argument"},
		{"an unknown column is a failure", []string{"import", "-db", db, writeFile(t, dir, "bad.csv", "cognito:username,shoe_size\nx,42\n", 0o644)}, exitFailure, "shoe_size is not in the pool's schema"},
		{"strict stops at the bad row", []string{"import", "-db", db, "-strict", csv}, exitFailure, "stopped"},
	} {
		code, _, stderr := ta.exec(t, tt.args...)
		if code != tt.want || !strings.Contains(stderr, tt.msg) {
			t.Errorf("%s: exit %d, want %d; stderr (want %q):\n%s", tt.name, code, tt.want, tt.msg, stderr)
		}
	}
}
