package mfa

import (
	"errors"
	"testing"
	"time"
)

// FuzzTOTPVerify checks that Verify never panics, accepts only a code equal to the code of a step
// inside the window and after lastStep, and accepts the current code whenever it may.
func FuzzTOTPVerify(f *testing.F) {
	f.Add([]byte("12345678901234567890"), "287082", int64(59), int64(0))
	f.Add([]byte("12345678901234567890"), "94287082", int64(59), int64(1))
	f.Add([]byte("12345678901234567890"), "", int64(-1), int64(-5))
	f.Add([]byte("short"), "123456", int64(1_700_000_000), int64(0))
	f.Add(make([]byte, 64), "１２３４５６", int64(1<<62), int64(1<<61))
	tp := mustTOTP(f, TOTPConfig{})
	f.Fuzz(func(t *testing.T, secret []byte, code string, unix, lastStep int64) {
		now := time.Unix(unix, 0)
		step, err := tp.Verify(secret, code, now, lastStep)
		if err != nil {
			if !errors.Is(err, ErrInvalidCode) && !errors.Is(err, ErrReplayed) && !errors.Is(err, ErrInvalidSecret) {
				t.Fatalf("Verify: unexpected error %v", err)
			}
		} else {
			current := tp.Step(now)
			if step < current-1 || step > current+1 || step <= lastStep || step < 0 {
				t.Fatalf("accepted step %d outside window around %d or <= lastStep %d", step, current, lastStep)
			}
			want, cerr := tp.codeAt(b32.EncodeToString(secret), step)
			if cerr != nil || want != code {
				t.Fatalf("accepted %q for step %d whose code is %q (%v)", code, step, want, cerr)
			}
		}
		// Completeness: the current code is accepted unless its step is already spent.
		if checkSecret(secret) != nil || tp.Step(now) < 0 {
			return
		}
		good, err := tp.Code(secret, now)
		if err != nil {
			t.Fatalf("Code: %v", err)
		}
		got, err := tp.Verify(secret, good, now, lastStep)
		switch current := tp.Step(now); {
		case current > lastStep && (err != nil || got < current):
			t.Fatalf("current code refused: step %d, %v", got, err)
		case current+1 <= lastStep && !errors.Is(err, ErrReplayed):
			t.Fatalf("spent current code: %v; want ErrReplayed", err)
		}
	})
}
