package cognitoapi_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/cognitoapi"
	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/mfa"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/token"
	"github.com/cupola-auth/cupola/userpool"
	"github.com/cupola-auth/cupola/userpool/pooltest"
)

// envRequireNode turns the skip of a machine without node and npm into a
// failure (.ci/run sets it after installing them).
const envRequireNode = "CUPOLA_TEST_REQUIRE_NODE"

// jsClientDir holds the pinned amazon-cognito-identity-js (package-lock.json)
// and the script that drives it; node_modules is installed there by npm ci
// on first use and never committed.
const jsClientDir = "testdata/jsclient"

// needNode installs the client's packages, or skips (fails under
// CUPOLA_TEST_REQUIRE_NODE=1) when node or npm is missing.
func needNode(t *testing.T) string {
	t.Helper()
	node, nerr := exec.LookPath("node")
	npm, perr := exec.LookPath("npm")
	if nerr != nil || perr != nil {
		if os.Getenv(envRequireNode) == "1" {
			t.Fatalf("node and npm are required (%s=1): %v %v", envRequireNode, nerr, perr)
		}
		t.Skip("node and npm not found: the amazon-cognito-identity-js test needs them (Debian: apt-get install nodejs npm)")
	}
	if _, err := os.Stat(filepath.Join(jsClientDir, "node_modules", "amazon-cognito-identity-js")); err != nil {
		ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
		cmd.Dir = jsClientDir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", jsClientDir, err, out)
		}
	}
	return node
}

// jsStep is one line the script prints.
type jsStep struct {
	Step       string   `json:"step"`
	OK         bool     `json:"ok"`
	Challenges []string `json:"challenges"`
	Access     string   `json:"access"`
	DeviceKey  *string  `json:"deviceKey"`
	Error      string   `json:"error"`
	Message    string   `json:"message"`
}

// The real Cognito JavaScript SDK signs in by SRP with a TOTP challenge,
// confirms its device, signs in again by device SRP without the TOTP, and
// refreshes — against the handler over HTTP.
func TestAmazonCognitoIdentityJS(t *testing.T) {
	node := needNode(t)
	secret := make([]byte, 32)
	rand.Read(secret)
	const poolID, client = "us-east-1_JSClient", "jsclient"
	pool, err := userpool.New(t.Context(), userpool.Config{ID: poolID, Name: "JS", Issuer: "https://auth.example.test/" + poolID,
		Secret: secret, Hashing: pooltest.FastHashing(), SigningAlgorithm: token.EdDSA, EmailSender: message.NewOutbox(),
		MFA:     userpool.MFAConfig{Mode: userpool.MFAOptional, Factors: []string{userpool.FactorTOTP}},
		Devices: userpool.DeviceConfig{Enabled: true, SkipMFAOnRememberedDevice: true},
		Clients: []userpool.ClientConfig{{ClientID: client, ExplicitAuthFlows: []string{userpool.AllowUserSRPAuth,
			userpool.AllowUserPasswordAuth, userpool.AllowRefreshTokenAuth}}},
	}, memory.New())
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := pool.AdminCreateUser(ctx, userpool.AdminCreateUserInput{Username: "jess", MessageAction: "SUPPRESS"}); err != nil {
		t.Fatal(err)
	}
	const password = "Pässwörd-Ω-9 and more"
	if _, err := pool.AdminSetUserPassword(ctx, userpool.AdminSetUserPasswordInput{Username: "jess", Password: password, Permanent: true}); err != nil {
		t.Fatal(err)
	}
	// An authenticator app, set up through the API; its first code is the
	// previous time step's, so the client's code (this step's) is new.
	in, err := pool.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: client,
		AuthParameters: map[string]string{"USERNAME": "jess", "PASSWORD": password}})
	if err != nil || in.AuthenticationResult == nil {
		t.Fatalf("password sign-in: %+v, %v", in, err)
	}
	at := in.AuthenticationResult.AccessToken
	assoc, err := pool.AssociateSoftwareToken(ctx, userpool.AssociateSoftwareTokenInput{AccessToken: at})
	if err != nil {
		t.Fatal(err)
	}
	key, err := mfa.DecodeSecret(assoc.SecretCode)
	if err != nil {
		t.Fatal(err)
	}
	tp, _ := mfa.NewTOTP(mfa.TOTPConfig{Issuer: "JS"})
	code, err := tp.Code(key, time.Now().Add(-30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.VerifySoftwareToken(ctx, userpool.VerifySoftwareTokenInput{AccessToken: at, UserCode: code}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.SetUserMFAPreference(ctx, userpool.SetUserMFAPreferenceInput{AccessToken: at,
		SoftwareTokenMfaSettings: &userpool.MFASettings{Enabled: true, PreferredMfa: true}}); err != nil {
		t.Fatal(err)
	}

	h, err := cognitoapi.New([]*userpool.UserPool{pool}, cognitoapi.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()

	run, cancel := context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(run, node, "client.mjs")
	cmd.Dir = jsClientDir
	cmd.Env = append(os.Environ(), "ENDPOINT="+srv.URL+"/", "POOL_ID="+poolID, "CLIENT_ID="+client,
		"USERNAME=jess", "PASSWORD="+password, "TOTP_SECRET="+assoc.SecretCode)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	steps := map[string]jsStep{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		var s jsStep
		if json.Unmarshal(sc.Bytes(), &s) == nil && s.Step != "" {
			steps[s.Step] = s
			t.Logf("%s: ok=%v challenges=%v device=%v %s %s", s.Step, s.OK, s.Challenges, s.DeviceKey != nil, s.Error, s.Message)
		}
	}
	if err != nil {
		t.Fatalf("client.mjs: %v\nstdout:\n%s\nstderr:\n%s", err, out, stderr.String())
	}

	first, device, refresh := steps["first"], steps["device"], steps["refresh"]
	if !first.OK || len(first.Challenges) != 1 || first.Challenges[0] != "SOFTWARE_TOKEN_MFA" || first.DeviceKey == nil {
		t.Fatalf("first sign-in (SRP, then TOTP, then ConfirmDevice): %+v", first)
	}
	if !device.OK || len(device.Challenges) != 0 {
		t.Fatalf("second sign-in (SRP, then device SRP instead of TOTP): %+v", device)
	}
	if !refresh.OK {
		t.Fatalf("refresh: %+v", refresh)
	}
	for _, s := range []jsStep{first, device, refresh} {
		me, err := pool.GetUser(ctx, userpool.GetUserInput{AccessToken: s.Access})
		if err != nil || me.Username != "jess" {
			t.Fatalf("%s: the access token the client holds: %+v, %v", s.Step, me, err)
		}
	}
	// The client's device is remembered (the set-up's sign-in above made
	// another, never confirmed).
	d, err := pool.AdminGetDevice(ctx, userpool.AdminGetDeviceInput{Username: "jess", DeviceKey: *first.DeviceKey})
	if err != nil || d.DeviceRememberedStatus != userpool.DeviceRemembered {
		t.Fatalf("the client's device: %+v, %v", d, err)
	}
}
