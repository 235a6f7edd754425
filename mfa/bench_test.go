package mfa

import (
	"testing"
	"time"
)

func BenchmarkVerify(b *testing.B) {
	tp := mustTOTP(b, TOTPConfig{})
	now := time.Unix(1_700_000_015, 0)
	code, _ := tp.Code(rfcSecret, now)
	for b.Loop() {
		if _, err := tp.Verify(rfcSecret, code, now, 0); err != nil {
			b.Fatal(err)
		}
	}
}
