package mfa

import (
	"bytes"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"image/png"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
)

// TOTP defaults and limits.
const (
	// DefaultDigits is the code length authenticator apps (and Cognito) use.
	DefaultDigits = 6
	// DefaultPeriod is the RFC 6238 time step.
	DefaultPeriod = 30 * time.Second
	// DefaultSkew accepts one step either side of the current one (RFC 6238 §5.2 allows at most one).
	DefaultSkew = 1
	// NoSkew, set as TOTPConfig.Skew, accepts only the current time step.
	NoSkew = -1
	// MinSecretLen is the smallest secret accepted anywhere in this package: 160 bits (RFC 4226 §4).
	MinSecretLen = 20
	// MaxSecretLen is the largest secret accepted: one HMAC-SHA1 block.
	MaxSecretLen = 64
	// QRSize is the width and height in pixels of the enrolment QR code.
	QRSize = 256

	maxPeriod     = 5 * time.Minute
	maxIssuerLen  = 128
	maxAccountLen = 256
)

// b32 is the unpadded base32 alphabet authenticator apps expect in otpauth URIs.
var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// TOTPConfig configures time-based one-time passwords. Its zero value, apart from Issuer, selects
// the defaults authenticator apps expect: 6 digits, 30-second steps, ±1 step, 160-bit secrets.
type TOTPConfig struct {
	// Issuer is shown in authenticator apps next to the account (usually the pool name).
	// Required; it must not contain a colon, which separates issuer and account in the URI label.
	Issuer string
	// Digits is the code length: 6 (default, what Cognito uses) or 8.
	Digits int
	// Period is the time step in whole seconds; 0 means 30s. At most 5 minutes.
	Period time.Duration
	// Skew is how many steps either side of the current one are accepted: 0 means the default 1,
	// NoSkew accepts only the current step. Values above 1 are refused (RFC 6238 §5.2).
	Skew int
	// SecretLen is the secret size in bytes: 0 means 20 (160 bits); at least 20, at most 64.
	SecretLen int
	// Random is the source of secrets; nil means crypto/rand. It must be safe for concurrent use
	// if the TOTP is shared between goroutines.
	Random io.Reader
}

// TOTP issues and verifies RFC 6238 time-based codes (HMAC-SHA1, the algorithm every authenticator
// app supports), computed with pquerna/otp's HOTP primitive. A TOTP holds configuration only and is
// safe for concurrent use; secrets and the last used step are the caller's to store.
type TOTP struct {
	issuer    string
	digits    otp.Digits
	period    int64 // seconds
	skew      int64
	secretLen int
	random    io.Reader
}

// Enrollment is what a user needs to add a TOTP secret to an authenticator app.
type Enrollment struct {
	// Secret is the unpadded base32 secret, for users who cannot scan the QR code.
	Secret string
	// URI is the otpauth:// key URI (Google Authenticator key URI format).
	URI string
	// PNG is a QRSize×QRSize PNG image of a QR code encoding URI.
	PNG []byte
}

// NewTOTP validates cfg, applies its defaults and returns a TOTP. Invalid values wrap ErrConfig.
func NewTOTP(cfg TOTPConfig) (*TOTP, error) {
	t := &TOTP{issuer: cfg.Issuer, random: orDefault(cfg.Random)}
	switch {
	case cfg.Issuer == "":
		return nil, fmt.Errorf("new totp: issuer is required: %w", ErrConfig)
	case len(cfg.Issuer) > maxIssuerLen || !utf8.ValidString(cfg.Issuer) || strings.ContainsAny(cfg.Issuer, ":\x00"):
		return nil, fmt.Errorf("new totp: issuer must be valid utf-8 of at most %d bytes without a colon: %w", maxIssuerLen, ErrConfig)
	}
	switch cfg.Digits {
	case 0, 6:
		t.digits = otp.DigitsSix
	case 8:
		t.digits = otp.DigitsEight
	default:
		return nil, fmt.Errorf("new totp: digits must be 6 or 8, got %d: %w", cfg.Digits, ErrConfig)
	}
	switch period := cfg.Period; {
	case period == 0:
		t.period = int64(DefaultPeriod / time.Second)
	case period < time.Second || period > maxPeriod || period%time.Second != 0:
		return nil, fmt.Errorf("new totp: period must be whole seconds between 1s and %s, got %s: %w", maxPeriod, period, ErrConfig)
	default:
		t.period = int64(period / time.Second)
	}
	switch cfg.Skew {
	case 0:
		t.skew = DefaultSkew
	case NoSkew:
		t.skew = 0
	case 1:
		t.skew = 1
	default:
		return nil, fmt.Errorf("new totp: skew must be 0 (default 1), 1 or NoSkew, got %d: %w", cfg.Skew, ErrConfig)
	}
	switch n := cfg.SecretLen; {
	case n == 0:
		t.secretLen = MinSecretLen
	case n < MinSecretLen || n > MaxSecretLen:
		return nil, fmt.Errorf("new totp: secret length must be %d to %d bytes, got %d: %w", MinSecretLen, MaxSecretLen, n, ErrConfig)
	default:
		t.secretLen = n
	}
	return t, nil
}

// Enroll makes a new random secret for account (the user name shown in the app) and returns it
// as base32, otpauth URI and QR code, plus the raw secret bytes the caller must store protected
// (sealed) until the user proves possession with a first valid code.
func (t *TOTP) Enroll(account string) (Enrollment, []byte, error) {
	secret, err := randomBytes(t.random, t.secretLen)
	if err != nil {
		return Enrollment{}, nil, fmt.Errorf("enroll totp: %w", err)
	}
	uri, err := t.URI(account, secret)
	if err != nil {
		return Enrollment{}, nil, fmt.Errorf("enroll totp: %w", err)
	}
	img, err := t.PNG(uri)
	if err != nil {
		return Enrollment{}, nil, fmt.Errorf("enroll totp: %w", err)
	}
	return Enrollment{Secret: b32.EncodeToString(secret), URI: uri, PNG: img}, secret, nil
}

// URI returns the otpauth:// key URI for account and secret, in the form
// otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30.
// Use it to show an existing, not yet verified secret again.
func (t *TOTP) URI(account string, secret []byte) (string, error) {
	if account == "" || len(account) > maxAccountLen || !utf8.ValidString(account) || strings.ContainsRune(account, 0) {
		return "", fmt.Errorf("totp uri: account must be valid utf-8 of 1 to %d bytes: %w", maxAccountLen, ErrInvalidInput)
	}
	if err := checkSecret(secret); err != nil {
		return "", fmt.Errorf("totp uri: %w", err)
	}
	// The label and values are escaped as query components with %20 for spaces: apps show "+"
	// literally, and url.PathEscape would leave "&" and "=" unescaped.
	var b strings.Builder
	b.WriteString("otpauth://totp/")
	b.WriteString(escape(t.issuer))
	b.WriteByte(':')
	b.WriteString(escape(account))
	b.WriteString("?secret=")
	b.WriteString(b32.EncodeToString(secret))
	b.WriteString("&issuer=")
	b.WriteString(escape(t.issuer))
	b.WriteString("&algorithm=SHA1&digits=")
	b.WriteString(strconv.Itoa(t.digits.Length()))
	b.WriteString("&period=")
	b.WriteString(strconv.FormatInt(t.period, 10))
	return b.String(), nil
}

// PNG renders uri as a QRSize×QRSize PNG QR code (error correction level M).
func (t *TOTP) PNG(uri string) ([]byte, error) {
	if uri == "" {
		return nil, fmt.Errorf("render totp qr code: empty uri: %w", ErrInvalidInput)
	}
	key, err := otp.NewKeyFromURL(uri)
	if err != nil {
		return nil, fmt.Errorf("render totp qr code: %w: %w", ErrInvalidInput, err)
	}
	img, err := key.Image(QRSize, QRSize)
	if err != nil {
		return nil, fmt.Errorf("render totp qr code: %w: %w", ErrInvalidInput, err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("render totp qr code: %w", err)
	}
	return buf.Bytes(), nil
}

// Step returns the RFC 6238 time step (counter) that contains now. It is negative before 1970.
func (t *TOTP) Step(now time.Time) int64 {
	unix := now.Unix()
	step := unix / t.period
	if unix%t.period < 0 {
		step-- // floor, not truncation, for instants before the epoch
	}
	return step
}

// Code returns the code for secret at now. It exists for tests, examples and client simulations;
// servers only verify.
func (t *TOTP) Code(secret []byte, now time.Time) (string, error) {
	if err := checkSecret(secret); err != nil {
		return "", fmt.Errorf("totp code: %w", err)
	}
	step := t.Step(now)
	if step < 0 {
		return "", fmt.Errorf("totp code: time before 1970: %w", ErrInvalidInput)
	}
	code, err := t.codeAt(b32.EncodeToString(secret), step)
	if err != nil {
		return "", fmt.Errorf("totp code: %w", err)
	}
	return code, nil
}

// Verify checks code against secret at now and returns the matched time step. It accepts only
// steps within ±Skew of now's step and strictly greater than lastStep: the caller stores the
// returned step with a compare-and-swap on the previous lastStep (so two parallel uses of one code
// give one success) and passes it back next time; pass 0 before any code was used.
//
// Every candidate step is computed and compared in constant time. A code that is not exactly
// Digits ASCII digits, is wrong or lies outside the window wraps ErrInvalidCode; a correct code
// for a step <= lastStep wraps ErrReplayed. A secret shorter than 160 bits wraps ErrInvalidSecret.
func (t *TOTP) Verify(secret []byte, code string, now time.Time, lastStep int64) (int64, error) {
	if err := checkSecret(secret); err != nil {
		return 0, fmt.Errorf("verify totp: %w", err)
	}
	if !isDigits(code, t.digits.Length()) {
		return 0, fmt.Errorf("verify totp: malformed code: %w", ErrInvalidCode)
	}
	encoded := b32.EncodeToString(secret)
	current := t.Step(now)
	var (
		step     int64
		matched  bool
		replayed bool
	)
	// Ascending order, no early exit: the highest matching step after lastStep wins.
	for s := current - t.skew; s <= current+t.skew; s++ {
		if s < 0 {
			continue
		}
		want, err := t.codeAt(encoded, s)
		if err != nil {
			return 0, fmt.Errorf("verify totp: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		if s > lastStep {
			step, matched = s, true
		} else {
			replayed = true
		}
	}
	switch {
	case matched:
		return step, nil
	case replayed:
		return 0, fmt.Errorf("verify totp: %w", ErrReplayed)
	default:
		return 0, fmt.Errorf("verify totp: %w", ErrInvalidCode)
	}
}

// codeAt computes the HOTP value of the base32 secret at counter step (RFC 4226, SHA-1).
func (t *TOTP) codeAt(encodedSecret string, step int64) (string, error) {
	return hotp.GenerateCodeCustom(encodedSecret, uint64(step), hotp.ValidateOpts{
		Digits:    t.digits,
		Algorithm: otp.AlgorithmSHA1,
	})
}

// DecodeSecret decodes a base32 TOTP secret as shown in Enrollment.Secret. It ignores case,
// spaces and trailing padding. It does not check the length; Verify refuses secrets under 160 bits.
func DecodeSecret(s string) ([]byte, error) {
	s = strings.ToUpper(strings.TrimRight(strings.ReplaceAll(s, " ", ""), "="))
	if s == "" {
		return nil, fmt.Errorf("decode totp secret: empty: %w", ErrInvalidSecret)
	}
	secret, err := b32.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("decode totp secret: %w: %w", ErrInvalidSecret, err)
	}
	return secret, nil
}

// checkSecret refuses secrets outside MinSecretLen..MaxSecretLen bytes.
func checkSecret(secret []byte) error {
	if len(secret) < MinSecretLen || len(secret) > MaxSecretLen {
		return fmt.Errorf("secret must be %d to %d bytes, got %d: %w", MinSecretLen, MaxSecretLen, len(secret), ErrInvalidSecret)
	}
	return nil
}

// isDigits reports whether s is exactly n ASCII digits.
func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// escape percent-encodes s for an otpauth label or query value, with %20 for spaces.
func escape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
