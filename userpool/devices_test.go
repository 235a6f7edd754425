package userpool_test

import (
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/mfa"
	"github.com/cupola-auth/cupola/userpool"
)

// deviceEnv is a pool with TOTP and remembered devices, and a user with an
// authenticator.
func deviceEnv(t *testing.T, onPromptOnly bool, mutate ...func(*userpool.Config)) (*env, *authenticator) {
	t.Helper()
	e := newFastEnv(t, append([]func(*userpool.Config){withMFA(userpool.MFAOptional), withRememberedDevices(onPromptOnly)}, mutate...)...)
	e.confirmedUser("ada", "ada@example.com")
	app, _ := e.enrollTOTP("ada")
	return e, app
}

// status returns a device's remembered status through GetDevice.
func (e *env) deviceStatus(access, key string) userpool.DeviceRememberedStatus {
	e.t.Helper()
	d, err := e.pool.GetDevice(e.ctx, userpool.GetDeviceInput{AccessToken: access, DeviceKey: key})
	if err != nil {
		e.t.Fatalf("GetDevice: %v", err)
	}
	return d.DeviceRememberedStatus
}

func TestDevicesAreTrackedInTokens(t *testing.T) {
	for _, sk := range storeKinds {
		t.Run(sk.name, func(t *testing.T) {
			e := newEnv(t, sk.open(t), withMFA(userpool.MFAOptional), withRememberedDevices(false), func(c *userpool.Config) { c.SigningAlgorithm = "EdDSA" })
			e.confirmedUser("ada", "ada@example.com")
			app, _ := e.enrollTOTP("ada")
			d := e.rememberDevice("ada", app)
			if got := e.accessClaims(d.access).DeviceKey; got != d.key {
				t.Fatalf("device_key = %q, want %q", got, d.key)
			}
			if !strings.HasPrefix(d.key, e.cfg.ID+"_") {
				t.Fatalf("device key %q does not name its pool", d.key)
			}
			if got := e.deviceStatus(d.access, d.key); got != "remembered" {
				t.Fatalf("status = %q", got)
			}
			out := e.passwordStepWith("ada", map[string]string{"DEVICE_KEY": d.key})
			wantChallenge(t, out, nil, userpool.ChallengeDevicePasswordVerifier)
			res := wantTokens(t)(e.respondAs(out.ChallengeName, out.Session, "ada", "PROOF", d.proof(t, out)))
			if res.NewDeviceMetadata != nil || e.accessClaims(res.AccessToken).DeviceKey != d.key {
				t.Fatalf("a remembered device's sign-in: %+v", res)
			}
		})
	}
}

func TestConfirmDeviceNeedsATokenIssuedToThatDevice(t *testing.T) {
	e, app := deviceEnv(t, false)
	first := e.newDevice("ada", app)
	second := e.newDevice("ada", app)
	if first.key == second.key {
		t.Fatal("two sign-ins without DEVICE_KEY share a device")
	}
	_, err := e.pool.ConfirmDevice(e.ctx, userpool.ConfirmDeviceInput{AccessToken: second.access, DeviceKey: first.key,
		DeviceVerifier: base64.StdEncoding.EncodeToString(first.secret.Verifier)})
	wantCode(t, err, userpool.CodeNotAuthorized)
	if got := e.deviceStatus(first.access, first.key); got != "not_remembered" {
		t.Fatalf("a refused confirmation left the device %s", got)
	}
	if _, err := e.confirmDevice(first); err != nil {
		t.Fatalf("confirming with its own token: %v", err)
	}
}

func TestConfirmDeviceRefusesBadInputAndStoresNothing(t *testing.T) {
	e, app := deviceEnv(t, false)
	d := e.newDevice("ada", app)
	b64 := base64.StdEncoding.EncodeToString
	cases := []struct {
		name string
		in   userpool.ConfirmDeviceInput
		want userpool.ErrorCode
	}{
		{"a verifier that is not base64", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceVerifier: "not base64!"}, userpool.CodeInvalidParameter},
		{"a URL-safe base64 verifier", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceVerifier: base64.RawURLEncoding.EncodeToString(make([]byte, 32))}, userpool.CodeInvalidParameter},
		{"a verifier of 31 bytes", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceVerifier: b64(make([]byte, 31))}, userpool.CodeInvalidParameter},
		{"a verifier of 33 bytes", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceVerifier: b64(make([]byte, 33))}, userpool.CodeInvalidParameter},
		{"no verifier", userpool.ConfirmDeviceInput{DeviceKey: d.key}, userpool.CodeInvalidParameter},
		{"a megabyte verifier", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceVerifier: strings.Repeat("A", 1<<20)}, userpool.CodeInvalidParameter},
		{"a device name over 1024 characters", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceVerifier: b64(d.secret.Verifier), DeviceName: strings.Repeat("n", 1025)}, userpool.CodeInvalidParameter},
		{"no device key", userpool.ConfirmDeviceInput{DeviceVerifier: b64(d.secret.Verifier)}, userpool.CodeInvalidParameter},
		{"an unknown device key", userpool.ConfirmDeviceInput{DeviceKey: e.cfg.ID + "_no-such-device", DeviceVerifier: b64(d.secret.Verifier)}, userpool.CodeResourceNotFound},
		{"an overlong device key", userpool.ConfirmDeviceInput{DeviceKey: strings.Repeat("k", 200), DeviceVerifier: b64(d.secret.Verifier)}, userpool.CodeInvalidParameter},
	}
	for _, tc := range cases {
		t.Run("refuses "+tc.name, func(t *testing.T) {
			tc.in.AccessToken = d.access
			_, err := e.pool.ConfirmDevice(e.ctx, tc.in)
			wantCode(t, err, tc.want)
			if got := e.deviceStatus(d.access, d.key); got != "not_remembered" {
				t.Fatalf("refused input left the device %s", got)
			}
			_, err = e.pool.UpdateDeviceStatus(e.ctx, userpool.UpdateDeviceStatusInput{AccessToken: d.access, DeviceKey: d.key, DeviceRememberedStatus: userpool.DeviceRemembered})
			wantCode(t, err, userpool.CodeInvalidParameter)
		})
	}
	t.Run("refuses a forged access token", func(t *testing.T) {
		_, err := e.pool.ConfirmDevice(e.ctx, userpool.ConfirmDeviceInput{AccessToken: "x.y.z", DeviceKey: d.key, DeviceVerifier: b64(d.secret.Verifier)})
		wantCode(t, err, userpool.CodeNotAuthorized)
	})
	t.Run("refuses when the pool does not track devices", func(t *testing.T) {
		e := newFastEnv(t)
		e.confirmedUser("bo", "bo@example.com")
		res := e.mustSignIn("bo", goodPW)
		if res.NewDeviceMetadata != nil {
			t.Fatalf("a pool without device tracking returned %+v", res.NewDeviceMetadata)
		}
		_, err := e.pool.ConfirmDevice(e.ctx, userpool.ConfirmDeviceInput{AccessToken: res.AccessToken, DeviceKey: d.key, DeviceVerifier: b64(d.secret.Verifier)})
		wantCode(t, err, userpool.CodeInvalidParameter)
	})
}

func TestAConfirmedDeviceKeepsItsVerifier(t *testing.T) {
	// A stolen access token must not let its thief swap in a verifier of
	// their own and skip MFA from then on.
	e, app := deviceEnv(t, false)
	d := e.rememberDevice("ada", app)
	thief, err := mfa.NewDeviceSecret(nil, d.key)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.pool.ConfirmDevice(e.ctx, userpool.ConfirmDeviceInput{AccessToken: d.access, DeviceKey: d.key,
		DeviceVerifier: base64.StdEncoding.EncodeToString(thief.Verifier)})
	if err == nil {
		t.Fatal("a confirmed device took a new verifier")
	}
	out := e.passwordStepWith("ada", map[string]string{"DEVICE_KEY": d.key})
	wantChallenge(t, out, nil, userpool.ChallengeDevicePasswordVerifier)
	wantTokens(t)(e.respondAs(out.ChallengeName, out.Session, "ada", "PROOF", d.proof(t, out)))
}

func TestUpdateDeviceStatusRefusesBadInput(t *testing.T) {
	e, app := deviceEnv(t, false)
	d := e.newDevice("ada", app)
	wantCode(t, errOf(e.pool.UpdateDeviceStatus(e.ctx, userpool.UpdateDeviceStatusInput{AccessToken: d.access, DeviceKey: d.key, DeviceRememberedStatus: userpool.DeviceRemembered})), userpool.CodeInvalidParameter)
	for _, status := range []userpool.DeviceRememberedStatus{"", "REMEMBERED", "forgotten"} {
		wantCode(t, errOf(e.pool.UpdateDeviceStatus(e.ctx, userpool.UpdateDeviceStatusInput{AccessToken: d.access, DeviceKey: d.key, DeviceRememberedStatus: status})), userpool.CodeInvalidParameter)
	}
	wantCode(t, errOf(e.pool.UpdateDeviceStatus(e.ctx, userpool.UpdateDeviceStatusInput{AccessToken: d.access, DeviceKey: "", DeviceRememberedStatus: userpool.DeviceNotRemembered})), userpool.CodeInvalidParameter)
	wantCode(t, errOf(e.pool.UpdateDeviceStatus(e.ctx, userpool.UpdateDeviceStatusInput{AccessToken: d.access, DeviceKey: e.cfg.ID + "_nope", DeviceRememberedStatus: userpool.DeviceNotRemembered})), userpool.CodeResourceNotFound)
	// Forgetting an unconfirmed device is harmless.
	wantNoError(t, "not_remembered on an unconfirmed device", errOf(e.pool.UpdateDeviceStatus(e.ctx, userpool.UpdateDeviceStatusInput{AccessToken: d.access, DeviceKey: d.key, DeviceRememberedStatus: userpool.DeviceNotRemembered})))
}

func TestDevicesRememberedOnlyOnTheUsersPrompt(t *testing.T) {
	e, app := deviceEnv(t, true)
	d := e.newDevice("ada", app)
	ask, err := e.confirmDevice(d)
	if err != nil || !ask {
		t.Fatalf("ConfirmDevice = %v, %v; want UserConfirmationNecessary", ask, err)
	}
	if got := e.deviceStatus(d.access, d.key); got != "not_remembered" {
		t.Fatalf("status before the user's prompt = %q", got)
	}
	signIn := func() *userpool.InitiateAuthOutput {
		t.Helper()
		e.clock.Advance(30 * time.Second)
		return e.passwordStepWith("ada", map[string]string{"DEVICE_KEY": d.key})
	}
	// Confirmed but not remembered: the second factor is still asked, and
	// the device is reused rather than a new one made.
	out := signIn()
	wantChallenge(t, out, nil, userpool.ChallengeSoftwareTokenMFA)
	res := wantTokens(t)(e.answerTOTP(out.Session, "ada", app.code(e.clock.Now())))
	if res.NewDeviceMetadata != nil || e.accessClaims(res.AccessToken).DeviceKey != d.key {
		t.Fatalf("sign-in naming a known device: %+v", res)
	}

	wantNoError(t, "remember", errOf(e.pool.UpdateDeviceStatus(e.ctx, userpool.UpdateDeviceStatusInput{AccessToken: res.AccessToken, DeviceKey: d.key, DeviceRememberedStatus: userpool.DeviceRemembered})))
	out = signIn()
	wantChallenge(t, out, nil, userpool.ChallengeDevicePasswordVerifier)
	res = wantTokens(t)(e.respondAs(out.ChallengeName, out.Session, "ada", "PROOF", d.proof(t, out)))

	wantNoError(t, "forget", errOf(e.pool.UpdateDeviceStatus(e.ctx, userpool.UpdateDeviceStatusInput{AccessToken: res.AccessToken, DeviceKey: d.key, DeviceRememberedStatus: userpool.DeviceNotRemembered})))
	wantChallenge(t, signIn(), nil, userpool.ChallengeSoftwareTokenMFA)
}

func TestAWrongDeviceProofIsRefusedAndCounted(t *testing.T) {
	e, app := deviceEnv(t, false, lenientLockout)
	d := e.rememberDevice("ada", app)
	sub := e.user("ada").Sub
	other, err := mfa.NewDeviceSecret(nil, d.key)
	if err != nil {
		t.Fatal(err)
	}
	wrongProofs := []struct {
		name  string
		proof func(out *userpool.InitiateAuthOutput) string
	}{
		{"a proof with another secret", func(out *userpool.InitiateAuthOutput) string {
			nonce, _ := base64.StdEncoding.DecodeString(out.ChallengeParameters["NONCE"])
			return mfa.DeviceProof(d.key, other.Secret, "ada", nonce)
		}},
		{"a proof over another nonce", func(*userpool.InitiateAuthOutput) string {
			return mfa.DeviceProof(d.key, d.secret.Secret, "ada", make([]byte, mfa.NonceSize))
		}},
		{"a proof for another username", func(out *userpool.InitiateAuthOutput) string {
			nonce, _ := base64.StdEncoding.DecodeString(out.ChallengeParameters["NONCE"])
			return mfa.DeviceProof(d.key, d.secret.Secret, "bob", nonce)
		}},
		{"the device secret itself", func(*userpool.InitiateAuthOutput) string { return d.secret.Secret }},
		{"the verifier", func(*userpool.InitiateAuthOutput) string { return base64.StdEncoding.EncodeToString(d.secret.Verifier) }},
		{"nothing", func(*userpool.InitiateAuthOutput) string { return "" }},
		{"a megabyte", func(*userpool.InitiateAuthOutput) string { return strings.Repeat("A", 1<<20) }},
	}
	for _, w := range wrongProofs {
		t.Run("refuses "+w.name, func(t *testing.T) {
			out := e.passwordStepWith("ada", map[string]string{"DEVICE_KEY": d.key})
			wantChallenge(t, out, nil, userpool.ChallengeDevicePasswordVerifier)
			proof := w.proof(out)
			counted := e.attemptsCountedBy(sub, func() {
				_, err := e.respondAs(out.ChallengeName, out.Session, "ada", "PROOF", proof)
				wantCode(t, err, userpool.CodeNotAuthorized)
			})
			if counted != 1 {
				t.Fatalf("a wrong proof counted %d attempts, want 1", counted)
			}
			// The challenge is over: the right proof cannot follow.
			_, err := e.respondAs(out.ChallengeName, out.Session, "ada", "PROOF", d.proof(t, out))
			wantExpiredSession(t, err)
		})
	}
	t.Run("wrong proofs reach the lockout", func(t *testing.T) {
		e, app := deviceEnv(t, false)
		d := e.rememberDevice("ada", app)
		for round := range 5 {
			out, err := e.pool.InitiateAuth(e.ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
				AuthParameters: map[string]string{"USERNAME": "ada", "PASSWORD": goodPW, "DEVICE_KEY": d.key}})
			if err != nil {
				wantMessage(t, err, userpool.CodeNotAuthorized, "Password attempts exceeded")
				return
			}
			if _, err := e.respondAs(out.ChallengeName, out.Session, "ada", "PROOF", "AAAA"); err == nil {
				t.Fatalf("round %d: a wrong proof was accepted", round)
			}
		}
		t.Fatal("five rounds of wrong proofs never reached the lockout")
	})
}

func TestDevicesOfAnotherUserAreOutOfReach(t *testing.T) {
	e, app := deviceEnv(t, false)
	d := e.rememberDevice("ada", app)
	e.confirmedUser("bob", "bob@example.com")
	bob := e.mustSignIn("bob", goodPW)
	if bob.NewDeviceMetadata == nil {
		t.Fatal("bob's sign-in made no device")
	}
	_, err := e.pool.GetDevice(e.ctx, userpool.GetDeviceInput{AccessToken: bob.AccessToken, DeviceKey: d.key})
	wantCode(t, err, userpool.CodeResourceNotFound)
	wantCode(t, errOf(e.pool.UpdateDeviceStatus(e.ctx, userpool.UpdateDeviceStatusInput{AccessToken: bob.AccessToken, DeviceKey: d.key, DeviceRememberedStatus: userpool.DeviceNotRemembered})), userpool.CodeResourceNotFound)
	wantCode(t, errOf(e.pool.ForgetDevice(e.ctx, userpool.ForgetDeviceInput{AccessToken: bob.AccessToken, DeviceKey: d.key})), userpool.CodeResourceNotFound)
	_, err = e.pool.ConfirmDevice(e.ctx, userpool.ConfirmDeviceInput{AccessToken: bob.AccessToken, DeviceKey: d.key,
		DeviceVerifier: base64.StdEncoding.EncodeToString(d.secret.Verifier)})
	wantCode(t, err, userpool.CodeResourceNotFound)
	list, err := e.pool.ListDevices(e.ctx, userpool.ListDevicesInput{AccessToken: bob.AccessToken, Limit: 0, PaginationToken: ""})
	if err != nil || len(list.Devices) != 1 || list.Devices[0].DeviceKey != bob.NewDeviceMetadata.DeviceKey {
		t.Fatalf("bob's devices = %+v, %v", list, err)
	}
	// Ada's device is still hers and still remembered.
	if got := e.deviceStatus(d.access, d.key); got != "remembered" {
		t.Fatalf("ada's device is %s", got)
	}

	// Bob naming Ada's device at sign-in gets a device of his own.
	res, err := e.signInWith(webClient, "bob", goodPW, map[string]string{"DEVICE_KEY": d.key})
	if err != nil || res.NewDeviceMetadata == nil || res.NewDeviceMetadata.DeviceKey == d.key {
		t.Fatalf("bob signing in with ada's device: %+v, %v", res, err)
	}
	// Ada's device challenge answered as Bob is refused.
	out := e.passwordStepWith("ada", map[string]string{"DEVICE_KEY": d.key})
	wantChallenge(t, out, nil, userpool.ChallengeDevicePasswordVerifier)
	_, err = e.respondAs(out.ChallengeName, out.Session, "bob", "PROOF", d.proof(t, out))
	wantCode(t, err, userpool.CodeInvalidParameter)
}

func TestAdminDeviceOperations(t *testing.T) {
	e, app := deviceEnv(t, false)
	a := e.rememberDevice("ada", app)
	b := e.newDevice("ada", app)

	var keys []string
	next := ""
	for {
		page, err := e.pool.AdminListDevices(e.ctx, userpool.AdminListDevicesInput{Username: "ada", Limit: 1, PaginationToken: next})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page.Devices {
			keys = append(keys, d.DeviceKey)
		}
		if next = page.PaginationToken; next == "" {
			break
		}
	}
	// enrollTOTP's sign-in made a device too.
	if len(keys) != 3 || !slices.Contains(keys, a.key) || !slices.Contains(keys, b.key) {
		t.Fatalf("AdminListDevices = %v", keys)
	}
	got, err := e.pool.AdminGetDevice(e.ctx, userpool.AdminGetDeviceInput{Username: "ada", DeviceKey: a.key})
	if err != nil || got.DeviceRememberedStatus != "remembered" || got.DeviceKey != a.key {
		t.Fatalf("AdminGetDevice = %+v, %v", got, err)
	}
	name := ""
	for _, at := range got.DeviceAttributes {
		if at.Name == "device_name" {
			name = at.Value
		}
	}
	if name != "laptop" {
		t.Fatalf("device attributes = %+v", got.DeviceAttributes)
	}

	wantNoError(t, "AdminUpdateDeviceStatus", errOf(e.pool.AdminUpdateDeviceStatus(e.ctx, userpool.AdminUpdateDeviceStatusInput{Username: "ada", DeviceKey: a.key, DeviceRememberedStatus: userpool.DeviceNotRemembered})))
	if got := e.deviceStatus(a.access, a.key); got != "not_remembered" {
		t.Fatalf("status after the admin forgot it = %q", got)
	}
	wantCode(t, errOf(e.pool.AdminUpdateDeviceStatus(e.ctx, userpool.AdminUpdateDeviceStatusInput{Username: "ada", DeviceKey: b.key, DeviceRememberedStatus: userpool.DeviceRemembered})), userpool.CodeInvalidParameter)
	wantNoError(t, "AdminForgetDevice", errOf(e.pool.AdminForgetDevice(e.ctx, userpool.AdminForgetDeviceInput{Username: "ada", DeviceKey: a.key})))
	_, err = e.pool.AdminGetDevice(e.ctx, userpool.AdminGetDeviceInput{Username: "ada", DeviceKey: a.key})
	wantCode(t, err, userpool.CodeResourceNotFound)
	wantCode(t, errOf(e.pool.AdminForgetDevice(e.ctx, userpool.AdminForgetDeviceInput{Username: "ada", DeviceKey: a.key})), userpool.CodeResourceNotFound)
	wantChallenge(t, e.passwordStepWith("ada", map[string]string{"DEVICE_KEY": a.key}), nil, userpool.ChallengeSoftwareTokenMFA)

	unknown := map[string]error{
		"AdminListDevices": func() error {
			_, err := e.pool.AdminListDevices(e.ctx, userpool.AdminListDevicesInput{Username: "nobody", Limit: 0, PaginationToken: ""})
			return err
		}(),
		"AdminGetDevice": func() error {
			_, err := e.pool.AdminGetDevice(e.ctx, userpool.AdminGetDeviceInput{Username: "nobody", DeviceKey: b.key})
			return err
		}(),
		"AdminUpdateDeviceStatus": errOf(e.pool.AdminUpdateDeviceStatus(e.ctx, userpool.AdminUpdateDeviceStatusInput{Username: "nobody", DeviceKey: b.key, DeviceRememberedStatus: userpool.DeviceNotRemembered})),
		"AdminForgetDevice":       errOf(e.pool.AdminForgetDevice(e.ctx, userpool.AdminForgetDeviceInput{Username: "nobody", DeviceKey: b.key})),
	}
	for op, err := range unknown {
		t.Run(op+" refuses an unknown user", func(t *testing.T) { wantCode(t, err, userpool.CodeUserNotFound) })
	}

	e.confirmedUser("bob", "bob@example.com")
	e.mustSignIn("bob", goodPW)
	first, err := e.pool.AdminListDevices(e.ctx, userpool.AdminListDevicesInput{Username: "ada", Limit: 1, PaginationToken: ""})
	if err != nil || first.PaginationToken == "" {
		t.Fatalf("first page = %+v, %v", first, err)
	}
	_, err = e.pool.AdminListDevices(e.ctx, userpool.AdminListDevicesInput{Username: "bob", Limit: 1, PaginationToken: first.PaginationToken})
	wantCode(t, err, userpool.CodeInvalidParameter)
	_, err = e.pool.AdminListDevices(e.ctx, userpool.AdminListDevicesInput{Username: "ada", Limit: 1, PaginationToken: "forged"})
	wantCode(t, err, userpool.CodeInvalidParameter)
	_, err = e.pool.AdminListDevices(e.ctx, userpool.AdminListDevicesInput{Username: "ada", Limit: 61, PaginationToken: ""})
	wantCode(t, err, userpool.CodeInvalidParameter)
	_, err = e.pool.AdminGetDevice(e.ctx, userpool.AdminGetDeviceInput{Username: "bob", DeviceKey: b.key})
	wantCode(t, err, userpool.CodeResourceNotFound)
}
