package mfa

import (
	"bytes"
	"errors"
	"image/color"
	"image/png"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rfcSecret is the RFC 4226 / RFC 6238 SHA-1 test seed.
var rfcSecret = []byte("12345678901234567890")

func mustTOTP(t testing.TB, cfg TOTPConfig) *TOTP {
	t.Helper()
	if cfg.Issuer == "" {
		cfg.Issuer = "Example Pool"
	}
	tp, err := NewTOTP(cfg)
	if err != nil {
		t.Fatalf("NewTOTP(%+v): %v", cfg, err)
	}
	return tp
}

func TestTOTPMatchesRFC6238AppendixB(t *testing.T) {
	tp := mustTOTP(t, TOTPConfig{Digits: 8})
	tests := []struct {
		unix int64
		want string
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	for _, tt := range tests {
		t.Run("sha1 at "+time.Unix(tt.unix, 0).UTC().Format(time.RFC3339), func(t *testing.T) {
			now := time.Unix(tt.unix, 0)
			got, err := tp.Code(rfcSecret, now)
			if err != nil || got != tt.want {
				t.Fatalf("Code = %q, %v; want %q", got, err, tt.want)
			}
			step, err := tp.Verify(rfcSecret, tt.want, now, 0)
			if err != nil || step != tt.unix/30 {
				t.Fatalf("Verify = %d, %v; want step %d", step, err, tt.unix/30)
			}
		})
	}
}

func TestHOTPMatchesRFC4226AppendixD(t *testing.T) {
	tp := mustTOTP(t, TOTPConfig{})
	want := []string{"755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"}
	for counter, code := range want {
		got, err := tp.codeAt(b32.EncodeToString(rfcSecret), int64(counter))
		if err != nil || got != code {
			t.Errorf("counter %d: got %q, %v; want %q", counter, got, err, code)
		}
	}
}

func TestVerifyAcceptsOnlyStepsWithinTheWindow(t *testing.T) {
	now := time.Unix(1_700_000_015, 0)
	tests := []struct {
		name   string
		skew   int
		offset int64
		ok     bool
	}{
		{"the current step is accepted", 0, 0, true},
		{"the previous step is accepted", 0, -1, true},
		{"the next step is accepted", 0, 1, true},
		{"two steps back is refused", 0, -2, false},
		{"two steps ahead is refused", 0, 2, false},
		{"ten steps back is refused", 0, -10, false},
		{"the current step is accepted without skew", NoSkew, 0, true},
		{"the previous step is refused without skew", NoSkew, -1, false},
		{"the next step is refused without skew", NoSkew, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tp := mustTOTP(t, TOTPConfig{Skew: tt.skew})
			s := tp.Step(now)
			code, err := tp.codeAt(b32.EncodeToString(rfcSecret), s+tt.offset)
			if err != nil {
				t.Fatal(err)
			}
			step, err := tp.Verify(rfcSecret, code, now, 0)
			if tt.ok {
				if err != nil || step != s+tt.offset {
					t.Fatalf("Verify = %d, %v; want step %d", step, err, s+tt.offset)
				}
				return
			}
			if !errors.Is(err, ErrInvalidCode) {
				t.Fatalf("Verify = %d, %v; want ErrInvalidCode", step, err)
			}
		})
	}
}

func TestVerifyRefusesReplays(t *testing.T) {
	tp := mustTOTP(t, TOTPConfig{})
	now := time.Unix(1_700_000_015, 0)
	s := tp.Step(now)
	codeAt := func(step int64) string {
		c, err := tp.codeAt(b32.EncodeToString(rfcSecret), step)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name     string
		step     int64
		lastStep int64
		wantErr  error
	}{
		{"a fresh code is accepted", s, s - 5, nil},
		{"the same code is replayed once its step is stored", s, s, ErrReplayed},
		{"an earlier step after a later one was used is replayed", s - 1, s, ErrReplayed},
		{"the current step after the next one was used is replayed", s, s + 1, ErrReplayed},
		{"a later step after an earlier one was used is accepted", s + 1, s, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			step, err := tp.Verify(rfcSecret, codeAt(tt.step), now, tt.lastStep)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Verify = %d, %v; want %v", step, err, tt.wantErr)
			}
			if err == nil && step != tt.step {
				t.Fatalf("step = %d; want %d", step, tt.step)
			}
		})
	}

	t.Run("a code accepted once is then replayed with the returned step", func(t *testing.T) {
		code, _ := tp.Code(rfcSecret, now)
		step, err := tp.Verify(rfcSecret, code, now, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tp.Verify(rfcSecret, code, now.Add(29*time.Second), step); !errors.Is(err, ErrReplayed) {
			t.Fatalf("second Verify: %v; want ErrReplayed", err)
		}
	})
}

// The store's compare-and-swap of the last used step is what makes parallel uses safe; this
// checks that Verify's contract (return the step, refuse <= lastStep) supports that pattern.
func TestParallelUsesOfOneCodeGiveOneSuccess(t *testing.T) {
	tp := mustTOTP(t, TOTPConfig{})
	now := time.Unix(1_700_000_015, 0)
	code, _ := tp.Code(rfcSecret, now)
	var last atomic.Int64
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			prev := last.Load()
			step, err := tp.Verify(rfcSecret, code, now, prev)
			if err == nil && last.CompareAndSwap(prev, step) {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d successes; want 1", wins.Load())
	}
}

func TestVerifyRefusesMalformedCodes(t *testing.T) {
	tp := mustTOTP(t, TOTPConfig{})
	now := time.Unix(1_700_000_015, 0)
	good, _ := tp.Code(rfcSecret, now)
	tests := []struct{ name, code string }{
		{"an empty code", ""},
		{"five digits", "12345"},
		{"seven digits", "1234567"},
		{"a letter among digits", "12a456"},
		{"a leading space", " " + good[1:]},
		{"a trailing space", good[:5] + " "},
		{"a valid code with a trailing newline", good + "\n"},
		{"fullwidth unicode digits", "１２３４５６"},
		{"arabic-indic digits", "١٢٣٤٥٦"},
		{"a sign", "-12345"},
		{"invalid utf-8", "\xff\xfe\xfd\xfc\xfb\xfa"},
		{"a very long code", strings.Repeat("1", 1<<16)},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused", func(t *testing.T) {
			if _, err := tp.Verify(rfcSecret, tt.code, now, 0); !errors.Is(err, ErrInvalidCode) {
				t.Fatalf("Verify(%q) = %v; want ErrInvalidCode", tt.code, err)
			}
		})
	}
}

func TestSecretsAreAtLeast160Bits(t *testing.T) {
	t.Run("enrolment makes 20-byte secrets by default", func(t *testing.T) {
		_, raw, err := mustTOTP(t, TOTPConfig{}).Enroll("alice")
		if err != nil || len(raw) != 20 {
			t.Fatalf("Enroll: %d bytes, %v", len(raw), err)
		}
	})
	t.Run("a longer secret length is honoured", func(t *testing.T) {
		_, raw, err := mustTOTP(t, TOTPConfig{SecretLen: 32}).Enroll("alice")
		if err != nil || len(raw) != 32 {
			t.Fatalf("Enroll: %d bytes, %v", len(raw), err)
		}
	})
	t.Run("two enrolments get different secrets", func(t *testing.T) {
		tp := mustTOTP(t, TOTPConfig{})
		_, a, _ := tp.Enroll("alice")
		_, b, _ := tp.Enroll("alice")
		if bytes.Equal(a, b) {
			t.Fatal("same secret twice")
		}
	})
	tp := mustTOTP(t, TOTPConfig{})
	now := time.Unix(1_700_000_015, 0)
	for _, n := range []int{0, 10, 19, 65} {
		secret := bytes.Repeat([]byte{7}, n)
		if _, err := tp.Verify(secret, "123456", now, 0); !errors.Is(err, ErrInvalidSecret) {
			t.Errorf("Verify with a %d-byte secret: %v; want ErrInvalidSecret", n, err)
		}
		if _, err := tp.Code(secret, now); !errors.Is(err, ErrInvalidSecret) {
			t.Errorf("Code with a %d-byte secret: %v; want ErrInvalidSecret", n, err)
		}
	}
}

func TestNewTOTPValidatesItsConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  TOTPConfig
		ok   bool
	}{
		{"the defaults are accepted", TOTPConfig{Issuer: "Pool"}, true},
		{"eight digits are accepted", TOTPConfig{Issuer: "Pool", Digits: 8}, true},
		{"a 60s period is accepted", TOTPConfig{Issuer: "Pool", Period: time.Minute}, true},
		{"a missing issuer is refused", TOTPConfig{}, false},
		{"an issuer with a colon is refused", TOTPConfig{Issuer: "a:b"}, false},
		{"an issuer of invalid utf-8 is refused", TOTPConfig{Issuer: "\xff"}, false},
		{"an issuer of 129 bytes is refused", TOTPConfig{Issuer: strings.Repeat("p", 129)}, false},
		{"seven digits are refused", TOTPConfig{Issuer: "Pool", Digits: 7}, false},
		{"a skew of two steps is refused", TOTPConfig{Issuer: "Pool", Skew: 2}, false},
		{"a skew of minus two is refused", TOTPConfig{Issuer: "Pool", Skew: -2}, false},
		{"a fractional period is refused", TOTPConfig{Issuer: "Pool", Period: 1500 * time.Millisecond}, false},
		{"a negative period is refused", TOTPConfig{Issuer: "Pool", Period: -time.Second}, false},
		{"a ten-minute period is refused", TOTPConfig{Issuer: "Pool", Period: 10 * time.Minute}, false},
		{"a 19-byte secret length is refused", TOTPConfig{Issuer: "Pool", SecretLen: 19}, false},
		{"a 65-byte secret length is refused", TOTPConfig{Issuer: "Pool", SecretLen: 65}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewTOTP(tt.cfg)
			if tt.ok != (err == nil) || (!tt.ok && !errors.Is(err, ErrConfig)) {
				t.Fatalf("NewTOTP: %v; want ok=%v", err, tt.ok)
			}
		})
	}
}

func TestEnrollURIIsAValidKeyURI(t *testing.T) {
	tests := []struct {
		name, issuer, account string
	}{
		{"a plain email account", "Example Pool", "alice@example.com"},
		{"an account with URI metacharacters", "A&B=C", "bob&x=1 y:z/?#%+"},
		{"a unicode account", "Pöol", "zoë"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" round-trips", func(t *testing.T) {
			tp := mustTOTP(t, TOTPConfig{Issuer: tt.issuer})
			enr, raw, err := tp.Enroll(tt.account)
			if err != nil {
				t.Fatal(err)
			}
			u, err := url.Parse(enr.URI)
			if err != nil {
				t.Fatalf("url.Parse(%q): %v", enr.URI, err)
			}
			if u.Scheme != "otpauth" || u.Host != "totp" {
				t.Errorf("scheme/host = %q/%q", u.Scheme, u.Host)
			}
			if want := "/" + tt.issuer + ":" + tt.account; u.Path != want {
				t.Errorf("label = %q; want %q", u.Path, want)
			}
			q := u.Query()
			want := map[string]string{"secret": enr.Secret, "issuer": tt.issuer, "algorithm": "SHA1", "digits": "6", "period": "30"}
			for k, v := range want {
				if q.Get(k) != v {
					t.Errorf("%s = %q; want %q", k, q.Get(k), v)
				}
			}
			if len(q) != len(want) {
				t.Errorf("query has %d keys; want %d: %v", len(q), len(want), q)
			}
			if strings.Contains(enr.URI, "+") {
				t.Errorf("URI encodes spaces as '+': %s", enr.URI)
			}
			if strings.Contains(enr.Secret, "=") {
				t.Errorf("secret is padded: %q", enr.Secret)
			}
			got, err := DecodeSecret(enr.Secret)
			if err != nil || !bytes.Equal(got, raw) {
				t.Errorf("DecodeSecret(Secret) = %x, %v; want %x", got, err, raw)
			}
		})
	}
}

func TestEnrollRefusesBadAccounts(t *testing.T) {
	tp := mustTOTP(t, TOTPConfig{})
	for name, account := range map[string]string{
		"an empty account":   "",
		"invalid utf-8":      "\xff\xfe",
		"a NUL byte":         "a\x00b",
		"a 257-byte account": strings.Repeat("a", 257),
	} {
		t.Run(name+" is refused", func(t *testing.T) {
			if _, _, err := tp.Enroll(account); !errors.Is(err, ErrInvalidInput) {
				t.Fatalf("Enroll: %v; want ErrInvalidInput", err)
			}
		})
	}
}

func TestEnrollUsesTheInjectedRandomSource(t *testing.T) {
	seed := bytes.Repeat([]byte{0xA5}, 20)
	tp := mustTOTP(t, TOTPConfig{Random: bytes.NewReader(seed)})
	_, raw, err := tp.Enroll("alice")
	if err != nil || !bytes.Equal(raw, seed) {
		t.Fatalf("Enroll = %x, %v; want %x", raw, err, seed)
	}
	if _, _, err := tp.Enroll("alice"); err == nil {
		t.Fatal("Enroll with an exhausted random source succeeded")
	}
}

func TestEnrollPNGIsA256PixelQRCode(t *testing.T) {
	tp := mustTOTP(t, TOTPConfig{})
	enr, _, err := tp.Enroll("alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(enr.PNG))
	if err != nil {
		t.Fatalf("png.Decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != QRSize || b.Dy() != QRSize {
		t.Fatalf("size %dx%d; want %dx%d", b.Dx(), b.Dy(), QRSize, QRSize)
	}
	var dark, light int
	for y := range QRSize {
		for x := range QRSize {
			g := color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y
			switch g {
			case 0:
				dark++
			case 255:
				light++
			default:
				t.Fatalf("pixel (%d,%d) is grey %d; a QR code is black and white", x, y, g)
			}
		}
	}
	if dark < QRSize*QRSize/5 || light < QRSize*QRSize/5 {
		t.Fatalf("%d dark and %d light pixels: not a QR code", dark, light)
	}
	other, err := tp.PNG(enr.URI + "x")
	if err != nil || bytes.Equal(other, enr.PNG) {
		t.Fatalf("a different URI gave the same image (err %v)", err)
	}
	if _, err := tp.PNG(""); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("PNG(\"\"): %v; want ErrInvalidInput", err)
	}
	if _, err := tp.PNG("otpauth://totp/x?secret=" + strings.Repeat("A", 5000)); err == nil {
		t.Fatal("PNG of a URI too long for a QR code succeeded")
	}
}

func TestDecodeSecret(t *testing.T) {
	raw := []byte("12345678901234567890")
	enc := b32.EncodeToString(raw) // GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ
	tests := []struct {
		name, in string
		ok       bool
	}{
		{"the unpadded form decodes", enc, true},
		{"lower case decodes", strings.ToLower(enc), true},
		{"groups separated by spaces decode", enc[:4] + " " + enc[4:8] + " " + enc[8:], true},
		{"a padded form decodes", b32.EncodeToString(raw[:19]) + "===", true},
		{"an empty string is refused", "", false},
		{"a digit outside base32 is refused", "GEZDGNBVGY3TQOJ1", false},
		{"punctuation is refused", "GEZDGNBV!", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeSecret(tt.in)
			if !tt.ok {
				if !errors.Is(err, ErrInvalidSecret) {
					t.Fatalf("DecodeSecret(%q) = %x, %v; want ErrInvalidSecret", tt.in, got, err)
				}
				return
			}
			if err != nil || (len(got) == 20 && !bytes.Equal(got, raw)) {
				t.Fatalf("DecodeSecret(%q) = %x, %v", tt.in, got, err)
			}
		})
	}
}

func TestTimesBeforeTheEpochNeverPanic(t *testing.T) {
	tp := mustTOTP(t, TOTPConfig{})
	for _, now := range []time.Time{time.Unix(-1, 0), time.Unix(0, 0), time.Unix(29, 0), {}} {
		if got := tp.Step(now); now.Unix() < 0 && got >= 0 {
			t.Errorf("Step(%d) = %d; want negative", now.Unix(), got)
		}
		_, _ = tp.Code(rfcSecret, now)
		_, _ = tp.Verify(rfcSecret, "123456", now, -100)
	}
	if _, err := tp.Code(rfcSecret, time.Unix(-1, 0)); !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("Code before 1970: %v; want ErrInvalidInput", err)
	}
	// Step 0 (1970-01-01T00:00:00..29) is only reachable with a lastStep below 0.
	code, _ := tp.codeAt(b32.EncodeToString(rfcSecret), 0)
	if step, err := tp.Verify(rfcSecret, code, time.Unix(0, 0), -1); err != nil || step != 0 {
		t.Fatalf("Verify at the epoch = %d, %v", step, err)
	}
}
