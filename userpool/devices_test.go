package userpool_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/internal/srp"
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
			wantChallenge(t, out, nil, userpool.ChallengeDeviceSRPAuth)
			if p := out.ChallengeParameters; p["USERNAME"] != "ada" || p["DEVICE_KEY"] != d.key {
				t.Fatalf("DEVICE_SRP_AUTH parameters = %v", p)
			}
			res := wantTokens(t)(e.proveDevice(d, out))
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
	if first.groupKey != second.groupKey {
		t.Fatalf("one user's devices have DeviceGroupKeys %q and %q", first.groupKey, second.groupKey)
	}
	_, err := e.pool.ConfirmDevice(e.ctx, userpool.ConfirmDeviceInput{AccessToken: second.access, DeviceKey: first.key,
		DeviceSecretVerifierConfig: first.verifierConfig()})
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
	cfg := d.verifierConfig()
	with := func(salt, verifier string) userpool.DeviceSecretVerifierConfig {
		return userpool.DeviceSecretVerifierConfig{Salt: salt, PasswordVerifier: verifier}
	}
	// 0x0fbfff is a fine verifier, written "D7//" in standard base64 and
	// "D7__" in the URL-safe alphabet.
	urlSafe := base64.URLEncoding.EncodeToString([]byte{0x0f, 0xbf, 0xff})
	if urlSafe != "D7__" {
		t.Fatalf("URL-safe base64 = %q", urlSafe)
	}
	cases := []struct {
		name string
		in   userpool.ConfirmDeviceInput
		want userpool.ErrorCode
	}{
		{"no DeviceSecretVerifierConfig", userpool.ConfirmDeviceInput{DeviceKey: d.key}, userpool.CodeInvalidParameter},
		{"no Salt", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceSecretVerifierConfig: with("", cfg.PasswordVerifier)}, userpool.CodeInvalidParameter},
		{"no PasswordVerifier", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceSecretVerifierConfig: with(cfg.Salt, "")}, userpool.CodeInvalidParameter},
		{"a Salt that is not base64", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceSecretVerifierConfig: with("not base64!", cfg.PasswordVerifier)}, userpool.CodeInvalidParameter},
		{"a PasswordVerifier that is not base64", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceSecretVerifierConfig: with(cfg.Salt, "not base64!")}, userpool.CodeInvalidParameter},
		{"a URL-safe base64 PasswordVerifier", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceSecretVerifierConfig: with(cfg.Salt, urlSafe)}, userpool.CodeInvalidParameter},
		{"a Salt of 0", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceSecretVerifierConfig: with(b64([]byte{0}), cfg.PasswordVerifier)}, userpool.CodeInvalidParameter},
		{"a Salt over 1024 bits", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceSecretVerifierConfig: with(b64(bytes.Repeat([]byte{0x7f}, 200)), cfg.PasswordVerifier)}, userpool.CodeInvalidParameter},
		{"a PasswordVerifier of 0", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceSecretVerifierConfig: with(cfg.Salt, b64([]byte{0}))}, userpool.CodeInvalidParameter},
		{"a PasswordVerifier of 0 in many bytes", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceSecretVerifierConfig: with(cfg.Salt, b64(make([]byte, 384)))}, userpool.CodeInvalidParameter},
		{"a PasswordVerifier of N or more", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceSecretVerifierConfig: with(cfg.Salt, b64(bytes.Repeat([]byte{0xff}, 385)))}, userpool.CodeInvalidParameter},
		{"a PasswordVerifier of 2^3072-1 (above N)", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceSecretVerifierConfig: with(cfg.Salt, b64(bytes.Repeat([]byte{0xff}, 384)))}, userpool.CodeInvalidParameter},
		{"a megabyte PasswordVerifier", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceSecretVerifierConfig: with(cfg.Salt, strings.Repeat("A", 1<<20))}, userpool.CodeInvalidParameter},
		{"a megabyte Salt", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceSecretVerifierConfig: with(strings.Repeat("A", 1<<20), cfg.PasswordVerifier)}, userpool.CodeInvalidParameter},
		{"a device name over 1024 characters", userpool.ConfirmDeviceInput{DeviceKey: d.key, DeviceSecretVerifierConfig: cfg, DeviceName: strings.Repeat("n", 1025)}, userpool.CodeInvalidParameter},
		{"no device key", userpool.ConfirmDeviceInput{DeviceSecretVerifierConfig: cfg}, userpool.CodeInvalidParameter},
		{"an unknown device key", userpool.ConfirmDeviceInput{DeviceKey: e.cfg.ID + "_no-such-device", DeviceSecretVerifierConfig: cfg}, userpool.CodeResourceNotFound},
		{"an overlong device key", userpool.ConfirmDeviceInput{DeviceKey: strings.Repeat("k", 200), DeviceSecretVerifierConfig: cfg}, userpool.CodeInvalidParameter},
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
		_, err := e.pool.ConfirmDevice(e.ctx, userpool.ConfirmDeviceInput{AccessToken: "x.y.z", DeviceKey: d.key, DeviceSecretVerifierConfig: cfg})
		wantCode(t, err, userpool.CodeNotAuthorized)
	})
	t.Run("refuses when the pool does not track devices", func(t *testing.T) {
		e := newFastEnv(t)
		e.confirmedUser("bo", "bo@example.com")
		res := e.mustSignIn("bo", goodPW)
		if res.NewDeviceMetadata != nil {
			t.Fatalf("a pool without device tracking returned %+v", res.NewDeviceMetadata)
		}
		_, err := e.pool.ConfirmDevice(e.ctx, userpool.ConfirmDeviceInput{AccessToken: res.AccessToken, DeviceKey: d.key, DeviceSecretVerifierConfig: cfg})
		wantCode(t, err, userpool.CodeInvalidParameter)
	})
	t.Run("after every refusal the device's own verifier is accepted and proves", func(t *testing.T) {
		if _, err := e.confirmDevice(d); err != nil {
			t.Fatalf("ConfirmDevice after refused input: %v", err)
		}
		out := e.passwordStepWith("ada", map[string]string{"DEVICE_KEY": d.key})
		wantChallenge(t, out, nil, userpool.ChallengeDeviceSRPAuth)
		wantTokens(t)(e.proveDevice(d, out))
	})
}

func TestAConfirmedDeviceKeepsItsVerifier(t *testing.T) {
	// A stolen access token must not let its thief swap in a verifier of
	// their own and skip MFA from then on.
	e, app := deviceEnv(t, false)
	d := e.rememberDevice("ada", app)
	thief := d
	var err error
	thief.password, thief.salt, thief.verifier, err = srp.DeviceVerifierConfig(rand.Reader, d.groupKey, d.key)
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.pool.ConfirmDevice(e.ctx, userpool.ConfirmDeviceInput{AccessToken: d.access, DeviceKey: d.key,
		DeviceSecretVerifierConfig: thief.verifierConfig()})
	if err == nil {
		t.Fatal("a confirmed device took a new verifier")
	}
	wantCode(t, err, userpool.CodeNotAuthorized)
	// The thief's password does not prove the device: the pool still
	// hands out the original salt, and the thief's claim is refused.
	out := e.passwordStepWith("ada", map[string]string{"DEVICE_KEY": d.key})
	wantChallenge(t, out, nil, userpool.ChallengeDeviceSRPAuth)
	cl, ch := e.devicePasswordVerifier(d, out)
	_, err = e.respondAt(webClient, ch.ChallengeName, ch.Session, e.deviceAnswer(thief, cl, ch))
	wantMessage(t, err, userpool.CodeNotAuthorized, "Device proof is invalid.")
	// The original device password still proves.
	out = e.passwordStepWith("ada", map[string]string{"DEVICE_KEY": d.key})
	wantChallenge(t, out, nil, userpool.ChallengeDeviceSRPAuth)
	wantTokens(t)(e.proveDevice(d, out))
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
	wantChallenge(t, out, nil, userpool.ChallengeDeviceSRPAuth)
	res = wantTokens(t)(e.proveDevice(d, out))

	wantNoError(t, "forget", errOf(e.pool.UpdateDeviceStatus(e.ctx, userpool.UpdateDeviceStatusInput{AccessToken: res.AccessToken, DeviceKey: d.key, DeviceRememberedStatus: userpool.DeviceNotRemembered})))
	wantChallenge(t, signIn(), nil, userpool.ChallengeSoftwareTokenMFA)
}

func TestAWrongDeviceProofIsRefusedAndCounted(t *testing.T) {
	e, app := deviceEnv(t, false, lenientLockout)
	d := e.rememberDevice("ada", app)
	other := e.newDevice("ada", app) // another device of hers, unconfirmed
	sub := e.user("ada").Sub
	otherPassword, _, _, err := srp.DeviceVerifierConfig(rand.Reader, d.groupKey, d.key)
	if err != nil {
		t.Fatal(err)
	}
	// rightKey is the session key the device itself derives.
	rightKey := func(cl *srp.Client, ch *userpool.InitiateAuthOutput) []byte {
		p := ch.ChallengeParameters
		key, err := cl.Key(p[userpool.ParamSRPB], p[userpool.ParamSalt], d.groupKey, d.key, d.password)
		if err != nil {
			t.Fatal(err)
		}
		return key
	}
	claim := func(key []byte, groupKey, deviceKey, block, ts string) string {
		c, err := srp.Claim(key, groupKey, deviceKey, block, ts)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	blockOf := func(ch *userpool.InitiateAuthOutput) string { return ch.ChallengeParameters[userpool.ParamSecretBlock] }
	garbage := make([]byte, 32)
	if _, err := rand.Read(garbage); err != nil {
		t.Fatal(err)
	}
	wrongProofs := []struct {
		name string
		// signature is what the client sends as PASSWORD_CLAIM_SIGNATURE
		// with the session's block and the TIMESTAMP ts.
		signature func(cl *srp.Client, ch *userpool.InitiateAuthOutput, ts string) string
	}{
		{"a claim with another device password", func(cl *srp.Client, ch *userpool.InitiateAuthOutput, ts string) string {
			return e.deviceClaim(cl, ch, d.groupKey, d.key, otherPassword, blockOf(ch), ts)
		}},
		{"a claim for another DeviceKey", func(cl *srp.Client, ch *userpool.InitiateAuthOutput, ts string) string {
			return e.deviceClaim(cl, ch, d.groupKey, other.key, d.password, blockOf(ch), ts)
		}},
		{"a claim with the right key naming another DeviceKey", func(cl *srp.Client, ch *userpool.InitiateAuthOutput, ts string) string {
			return claim(rightKey(cl, ch), d.groupKey, other.key, blockOf(ch), ts)
		}},
		{"a claim with the right key naming the pool instead of the DeviceGroupKey", func(cl *srp.Client, ch *userpool.InitiateAuthOutput, ts string) string {
			return claim(rightKey(cl, ch), srpPoolName(e.cfg.ID), d.key, blockOf(ch), ts)
		}},
		{"a claim over another SECRET_BLOCK value", func(cl *srp.Client, ch *userpool.InitiateAuthOutput, ts string) string {
			block, err := base64.StdEncoding.DecodeString(blockOf(ch))
			if err != nil || len(block) == 0 {
				t.Fatalf("SECRET_BLOCK %q: %v", blockOf(ch), err)
			}
			block[0] ^= 1
			return claim(rightKey(cl, ch), d.groupKey, d.key, base64.StdEncoding.EncodeToString(block), ts)
		}},
		{"a claim over another TIMESTAMP than the one sent", func(cl *srp.Client, ch *userpool.InitiateAuthOutput, ts string) string {
			return claim(rightKey(cl, ch), d.groupKey, d.key, blockOf(ch), srp.FormatTimestamp(e.clock.Now().Add(time.Second)))
		}},
		{"a garbage signature", func(*srp.Client, *userpool.InitiateAuthOutput, string) string {
			return base64.StdEncoding.EncodeToString(garbage)
		}},
		{"the session key itself", func(cl *srp.Client, ch *userpool.InitiateAuthOutput, _ string) string {
			return base64.StdEncoding.EncodeToString(rightKey(cl, ch))
		}},
		{"the device password itself", func(*srp.Client, *userpool.InitiateAuthOutput, string) string { return d.password }},
		{"the verifier", func(*srp.Client, *userpool.InitiateAuthOutput, string) string { return d.verifier }},
		{"nothing", func(*srp.Client, *userpool.InitiateAuthOutput, string) string { return "" }},
		{"a megabyte", func(*srp.Client, *userpool.InitiateAuthOutput, string) string { return strings.Repeat("A", 1<<20) }},
	}
	for _, w := range wrongProofs {
		t.Run("refuses "+w.name, func(t *testing.T) {
			out := e.passwordStepWith("ada", map[string]string{"DEVICE_KEY": d.key})
			wantChallenge(t, out, nil, userpool.ChallengeDeviceSRPAuth)
			var cl *srp.Client
			var ch *userpool.InitiateAuthOutput
			// Answering DEVICE_SRP_AUTH proves nothing and counts nothing.
			if counted := e.attemptsCountedBy(sub, func() { cl, ch = e.devicePasswordVerifier(d, out) }); counted != 0 {
				t.Fatalf("DEVICE_SRP_AUTH counted %d attempts, want 0", counted)
			}
			ts := srp.FormatTimestamp(e.clock.Now())
			wrong := d.verifierAnswer(ch, ts, w.signature(cl, ch, ts))
			counted := e.attemptsCountedBy(sub, func() {
				_, err := e.respondAt(webClient, ch.ChallengeName, ch.Session, wrong)
				wantMessage(t, err, userpool.CodeNotAuthorized, "Device proof is invalid.")
			})
			if counted != 1 {
				t.Fatalf("a wrong proof counted %d attempts, want 1", counted)
			}
			// The challenge is over: the right proof cannot follow.
			_, err := e.respondAt(webClient, ch.ChallengeName, ch.Session, e.deviceAnswer(d, cl, ch))
			wantExpiredSession(t, err)
		})
	}
	t.Run("malformed answers are bad input and keep the session", func(t *testing.T) {
		out := e.passwordStepWith("ada", map[string]string{"DEVICE_KEY": d.key})
		wantChallenge(t, out, nil, userpool.ChallengeDeviceSRPAuth)
		badA := []struct{ name, srpA string }{
			{"no SRP_A", ""}, {"SRP_A 0", "0"}, {"SRP_A not hex", "not-hex"},
			{"SRP_A above N", strings.Repeat("f", 768)}, {"a megabyte SRP_A", strings.Repeat("1", 1<<20)},
		}
		for _, b := range badA {
			counted := e.attemptsCountedBy(sub, func() {
				_, err := e.respondAt(webClient, out.ChallengeName, out.Session, map[string]string{
					userpool.ParamUsername: "ada", userpool.ParamDeviceKey: d.key, userpool.ParamSRPA: b.srpA})
				if pe := asPoolError(err); pe == nil || pe.Code != userpool.CodeInvalidParameter {
					t.Fatalf("%s: %v, want InvalidParameterException", b.name, err)
				}
			})
			if counted != 0 {
				t.Fatalf("%s counted %d attempts", b.name, counted)
			}
		}
		cl, err := srp.NewClient(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.respondAt(webClient, out.ChallengeName, out.Session, map[string]string{
			userpool.ParamUsername: "ada", userpool.ParamDeviceKey: other.key, userpool.ParamSRPA: cl.SRPA()})
		wantCode(t, err, userpool.CodeInvalidParameter)
		cl, ch := e.devicePasswordVerifier(d, out)

		now := e.clock.Now()
		ts := srp.FormatTimestamp(now)
		right := e.deviceAnswer(d, cl, ch)
		with := func(k, v string) map[string]string {
			m := maps.Clone(right)
			m[k] = v
			return m
		}
		without := func(k string) map[string]string {
			m := maps.Clone(right)
			delete(m, k)
			return m
		}
		wrongWeekday := now.Add(24*time.Hour).Format("Mon") + ts[3:]
		// Cognito's clients never pad the day: "Sun Mar 1", not "Sun Mar 01".
		early := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		padded := early.Format("Mon Jan 02 15:04:05 MST 2006")
		if padded == srp.FormatTimestamp(early) {
			t.Fatalf("%q is not zero-padded", padded)
		}
		malformed := []struct {
			name   string
			answer map[string]string
		}{
			{"no TIMESTAMP", without(userpool.ParamTimestamp)},
			{"a TIMESTAMP in RFC 3339", with(userpool.ParamTimestamp, now.Format(time.RFC3339))},
			{"a TIMESTAMP with the wrong weekday", with(userpool.ParamTimestamp, wrongWeekday)},
			{"a TIMESTAMP with a zero-padded day", with(userpool.ParamTimestamp, padded)},
			{"no DEVICE_KEY", without(userpool.ParamDeviceKey)},
			{"another device's DEVICE_KEY", with(userpool.ParamDeviceKey, other.key)},
			{"no PASSWORD_CLAIM_SECRET_BLOCK", without(userpool.ParamPasswordClaimSecretBlock)},
			{"another PASSWORD_CLAIM_SECRET_BLOCK", with(userpool.ParamPasswordClaimSecretBlock, base64.StdEncoding.EncodeToString(make([]byte, 32)))},
		}
		for _, m := range malformed {
			counted := e.attemptsCountedBy(sub, func() {
				res, err := e.respondAt(webClient, ch.ChallengeName, ch.Session, m.answer)
				if err == nil {
					t.Fatalf("%s accepted: %+v", m.name, res)
				}
				wantCode(t, err, userpool.CodeInvalidParameter)
			})
			if counted > 1 {
				t.Fatalf("%s counted %d attempts, want at most one", m.name, counted)
			}
		}
		wantTokens(t)(e.respondAt(webClient, ch.ChallengeName, ch.Session, right))
	})
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
			_, ch := e.devicePasswordVerifier(d, out)
			if _, err := e.answerDeviceVerifier(d, ch, "AAAA"); err == nil {
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
	if g := bob.NewDeviceMetadata.DeviceGroupKey; g == "" || g == d.groupKey {
		t.Fatalf("bob's DeviceGroupKey %q, ada's %q", g, d.groupKey)
	}
	_, err = e.pool.ConfirmDevice(e.ctx, userpool.ConfirmDeviceInput{AccessToken: bob.AccessToken, DeviceKey: d.key,
		DeviceSecretVerifierConfig: d.verifierConfig()})
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
	// Ada's device challenges answered as Bob are refused, at either step.
	asBob := d
	asBob.username = "bob"
	out := e.passwordStepWith("ada", map[string]string{"DEVICE_KEY": d.key})
	wantChallenge(t, out, nil, userpool.ChallengeDeviceSRPAuth)
	_, _, err = e.deviceSRPAuth(asBob, out)
	wantCode(t, err, userpool.CodeInvalidParameter)
	cl, ch := e.devicePasswordVerifier(d, out)
	_, err = e.respondAt(webClient, ch.ChallengeName, ch.Session, e.deviceAnswer(asBob, cl, ch))
	wantCode(t, err, userpool.CodeInvalidParameter)
	// The refusals were bad input: Ada's device still proves itself.
	wantTokens(t)(e.respondAt(webClient, ch.ChallengeName, ch.Session, e.deviceAnswer(d, cl, ch)))
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
