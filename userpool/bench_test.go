package userpool_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"golang.org/x/crypto/argon2"

	"github.com/cupola-auth/cupola/internal/passhash"
	"github.com/cupola-auth/cupola/mfa"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// The benchmarks compare each flow with its limit, the work it cannot
// avoid, measured in the same run: sign-in = one argon2id verification
// (OWASP parameters) + two RS256 signatures; refresh = one SHA-256 + two
// RS256 signatures. The ratio flow/limit is Cupola's overhead.
//
//	go test -run '^$' -bench 'SignIn|Refresh' -count 5 ./userpool/ | benchstat -

// benchPool is a pool with production hashing on a store of that kind,
// holding one confirmed user.
func benchPool(b *testing.B, kind string) *env {
	for _, sk := range storeKinds {
		if sk.name == kind {
			e := newEnv(b, sk.open(b), func(c *userpool.Config) { c.Hashing = userpool.HashingParams{} })
			e.confirmedUser("bench", "bench@example.com")
			return e
		}
	}
	b.Fatalf("no store %q", kind)
	return nil
}

// limitSigner signs two payloads the size of Cupola's ID and access tokens.
type limitSigner struct {
	key       *rsa.PrivateKey
	idPayload []byte
	acPayload []byte
}

func newLimitSigner(b *testing.B) *limitSigner {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		b.Fatal(err)
	}
	return &limitSigner{key: key, idPayload: []byte(strings.Repeat("i", 900)), acPayload: []byte(strings.Repeat("a", 700))}
}

func (l *limitSigner) signTwo(b *testing.B) {
	for _, p := range [][]byte{l.idPayload, l.acPayload} {
		d := sha256.Sum256(p)
		if _, err := rsa.SignPKCS1v15(nil, l.key, crypto.SHA256, d[:]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignIn(b *testing.B) {
	b.Run("limit", func(b *testing.B) {
		p := passhash.OWASP()
		salt := make([]byte, p.SaltLen)
		want := argon2.IDKey([]byte(goodPW), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
		l := newLimitSigner(b)
		for b.Loop() {
			got := argon2.IDKey([]byte(goodPW), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
			if string(got) != string(want) {
				b.Fatal("mismatch")
			}
			l.signTwo(b)
		}
	})
	for _, kind := range []string{"memory", "sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			e := benchPool(b, kind)
			for b.Loop() {
				if _, err := e.signIn("bench", goodPW); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// Everything observed: a real metric SDK (read by a ManualReader), a
	// tracer sampling every span, and the audit log as JSON. The target is
	// at most 3% over memory.
	b.Run("memory-observed", func(b *testing.B) {
		reader := sdkmetric.NewManualReader()
		mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
		tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()),
			sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder()))
		e := newEnv(b, memory.New(), func(c *userpool.Config) {
			c.Hashing = userpool.HashingParams{}
			c.MeterProvider, c.TracerProvider = mp, tp
			c.AuditLogger = slog.New(slog.NewJSONHandler(io.Discard, nil))
		})
		e.confirmedUser("bench", "bench@example.com")
		for b.Loop() {
			if _, err := e.signIn("bench", goodPW); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(e.ctx, &rm); err != nil || len(rm.ScopeMetrics) == 0 {
			b.Fatal("no metrics collected", err)
		}
	})
	// Threat protection ENFORCED with the default assessor over a history
	// of 1,000 auth events (the pool reads the newest 100), from a usual
	// address. GeoIP is off: userpool's tests carry no database (risk's
	// BenchmarkAssess measures the lookups).
	b.Run("memory-risk", func(b *testing.B) {
		e := newEnv(b, memory.New(), func(c *userpool.Config) {
			c.Hashing = userpool.HashingParams{}
			c.ThreatProtection.Mode = userpool.ThreatProtectionEnforced
		})
		sub := e.confirmedUser("bench", "bench@example.com")
		start := e.clock.Now().Add(-60 * 24 * time.Hour)
		for i := range 1000 {
			if err := e.store.PutAuthEvent(e.ctx, store.AuthEvent{PoolID: e.cfg.ID, Subject: sub, ID: fmt.Sprintf("hist-%04d", i),
				Type: userpool.EventSignIn, Response: userpool.EventPass, IPAddress: fmt.Sprintf("198.51.100.%d", i%4+1),
				CreatedAt: start.Add(time.Duration(i) * time.Hour)}); err != nil {
				b.Fatal(err)
			}
		}
		in := userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
			AuthParameters:  map[string]string{"USERNAME": "bench", "PASSWORD": goodPW},
			UserContextData: &userpool.UserContextData{IPAddress: "198.51.100.2"}}
		for b.Loop() {
			out, err := e.pool.InitiateAuth(e.ctx, in)
			if err != nil || out.AuthenticationResult == nil {
				b.Fatal(out, err)
			}
		}
	})
}

func BenchmarkRefresh(b *testing.B) {
	b.Run("limit", func(b *testing.B) {
		l := newLimitSigner(b)
		tok := []byte(strings.Repeat("r", 43))
		for b.Loop() {
			_ = sha256.Sum256(tok)
			l.signTwo(b)
		}
	})
	for _, kind := range []string{"memory", "sqlite", "postgres"} {
		b.Run(kind, func(b *testing.B) {
			e := benchPool(b, kind)
			res := e.mustSignIn("bench", goodPW)
			in := userpool.InitiateAuthInput{AuthFlow: userpool.FlowRefreshTokenAuth, ClientID: webClient,
				AuthParameters: map[string]string{"REFRESH_TOKEN": res.RefreshToken}}
			for b.Loop() {
				out, err := e.pool.InitiateAuth(e.ctx, in)
				if err != nil {
					b.Fatal(err)
				}
				// The web client is public, so its refresh tokens rotate: each
				// refresh spends the token and hands out the next.
				in.AuthParameters["REFRESH_TOKEN"] = out.AuthenticationResult.RefreshToken
			}
		})
	}
}

// BenchmarkSignInTOTP is a password sign-in answered with a TOTP code;
// its limit adds one TOTP validation to SignIn's.
func BenchmarkSignInTOTP(b *testing.B) {
	b.Run("limit", func(b *testing.B) {
		p := passhash.OWASP()
		salt := make([]byte, p.SaltLen)
		l := newLimitSigner(b)
		tp, err := mfa.NewTOTP(mfa.TOTPConfig{Issuer: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		_, secret, err := tp.Enroll("bench")
		if err != nil {
			b.Fatal(err)
		}
		now := time.Now()
		for b.Loop() {
			_ = argon2.IDKey([]byte(goodPW), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
			now = now.Add(30 * time.Second)
			code, _ := tp.Code(secret, now)
			if _, err := tp.Verify(secret, code, now, 0); err != nil {
				b.Fatal(err)
			}
			l.signTwo(b)
		}
	})
	for _, kind := range []string{"memory", "sqlite"} {
		b.Run(kind, func(b *testing.B) {
			e := newEnv(b, storeOf(b, kind), func(c *userpool.Config) {
				c.Hashing = userpool.HashingParams{}
				c.MFA = userpool.MFAConfig{Mode: userpool.MFAOptional}
			})
			e.confirmedUser("bench", "bench@example.com")
			app, _ := e.enrollTOTP("bench")
			for b.Loop() {
				e.clock.Advance(30 * time.Second)
				out := e.passwordStep("bench")
				done, err := e.answerTOTP(out.Session, "bench", app.code(e.clock.Now()))
				if err != nil || done.AuthenticationResult == nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func storeOf(b *testing.B, kind string) store.Store {
	for _, sk := range storeKinds {
		if sk.name == kind {
			return sk.open(b)
		}
	}
	b.Fatalf("no store %q", kind)
	return nil
}
