// Package passhash hashes and verifies passwords: argon2id in PHC string
// form for new hashes, argon2id and bcrypt (for imported users) on
// verification, with a bound on how many hashes run at once so a sign-in
// flood queues instead of exhausting memory.
//
// Memory: a hash in flight holds Params.Memory (19 MiB at OWASP's
// parameters), allocated by x/crypto's argon2 and dropped when it ends.
// The Hasher runs at most Slots hashes at once, the fewer of MaxConcurrent
// and MaxMemory / Params.Memory. The garbage each hash leaves is the
// collector's to bound: under a flood the heap grows to two to four times
// the memory of the hashes in flight unless the process has a soft memory
// limit (runtime/debug.SetMemoryLimit, GOMEMLIMIT), which a library must
// not set for its host; cupola serve sets one from the budget.
//
//	h, _ := passhash.New(passhash.Options{})
//	phc, _ := h.Hash(ctx, "correct horse battery staple")
//	ok, rehash, _ := h.Verify(ctx, phc, "correct horse battery staple")
package passhash

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Errors.
var (
	// ErrMalformedHash: the stored hash is not a format this package reads,
	// or its parameters are outside the accepted bounds.
	ErrMalformedHash = errors.New("passhash: malformed hash")
	// ErrTooLong: the password exceeds MaxPasswordBytes.
	ErrTooLong = errors.New("passhash: password too long")
	// ErrParams: the configured parameters are unusable.
	ErrParams = errors.New("passhash: invalid parameters")
	// ErrBusy: every hash slot is taken and the queue for them is full.
	ErrBusy = errors.New("passhash: too many hashes waiting")
)

// MaxPasswordBytes bounds the work one password can cause.
const MaxPasswordBytes = 1024

// Params are argon2id parameters. Memory is in KiB.
type Params struct {
	Memory  uint32
	Time    uint32
	Threads uint8
	SaltLen uint32
	KeyLen  uint32
}

// OWASP returns the OWASP Password Storage Cheat Sheet minimum for
// argon2id: m=19 MiB, t=2, p=1, with a 16-byte salt and 32-byte key.
func OWASP() Params { return Params{Memory: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32} }

// Bounds on parameters read from stored hashes (imports included), so a
// hostile or mistaken hash cannot make one verification arbitrarily
// costly: a sign-in flood against imported users must cost about what one
// against native users does. maxWorkKiB bounds memory × passes: 64 MiB
// with 4 passes, or OWASP's 19 MiB with up to 13. bcrypt cost 13 takes
// about 0.5 s on one core.
const (
	maxMemoryKiB  = 64 * 1024
	maxWorkKiB    = 256 * 1024
	maxTime       = 16
	maxThreads    = 16
	maxBcryptCost = 13
)

func (p Params) validate() error {
	switch {
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemoryKiB:
		return fmt.Errorf("%w: memory %d KiB", ErrParams, p.Memory)
	case p.Time < 1 || p.Time > maxTime || uint64(p.Memory)*uint64(p.Time) > maxWorkKiB:
		return fmt.Errorf("%w: time %d with memory %d KiB", ErrParams, p.Time, p.Memory)
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("%w: threads %d", ErrParams, p.Threads)
	case p.SaltLen < 16 || p.SaltLen > 64:
		return fmt.Errorf("%w: salt length %d", ErrParams, p.SaltLen)
	case p.KeyLen < 16 || p.KeyLen > 64:
		return fmt.Errorf("%w: key length %d", ErrParams, p.KeyLen)
	}
	return nil
}

// DefaultMaxMemory is the memory budget of a Hasher's hashes in flight
// when Options.MaxMemory is zero: 256 MiB, 13 hashes at OWASP's 19 MiB.
// On up to 13 cores GOMAXPROCS decides, so hashing keeps every core; on
// more, a flood's hashes stay within 256 MiB (a process of some 350 MiB at
// its peak), which fits a 512 MiB container. Verifying a stored hash of
// the largest accepted memory (64 MiB) leaves it 4 slots' worth.
const DefaultMaxMemory = 256 << 20

// Options configure a Hasher. Zero values are safe defaults.
type Options struct {
	// Params for new hashes; zero means OWASP().
	Params Params
	// MaxConcurrent bounds hashes running at once; zero means GOMAXPROCS.
	MaxConcurrent int
	// MaxMemory is the memory budget, in bytes, of the hashes running at
	// once: it bounds them to MaxMemory / Params.Memory (at least one), when
	// that is fewer than MaxConcurrent. Zero means DefaultMaxMemory. The
	// budget is counted in the current parameters: verifying a stored hash
	// made with more memory (up to 64 MiB) takes one slot all the same.
	MaxMemory int64
	// MaxQueued bounds callers waiting for a slot; one more is refused at
	// once with ErrBusy, so a flood gets fast refusals instead of waits
	// that outlast any client's timeout. Zero means 256 per slot: some 8 s
	// of waiting at OWASP's parameters.
	MaxQueued int
	// Random is the salt source; nil means crypto/rand.
	Random io.Reader
	// OnWait, when set, is told how long each hash waited for its slot
	// (zero when one was free), once the slot is taken. It runs on the
	// caller's goroutine and must be quick.
	OnWait func(ctx context.Context, wait time.Duration)
}

// Hasher hashes and verifies passwords. It is safe for concurrent use.
type Hasher struct {
	params    Params
	random    io.Reader
	sem       chan struct{}
	maxQueued int64
	queued    atomic.Int64
	dummy     string
	onWait    func(context.Context, time.Duration)
}

// New returns a Hasher. It computes one dummy hash with the current
// parameters, used by VerifyDummy to make unknown users cost the same as
// known ones.
func New(opts Options) (*Hasher, error) {
	p := opts.Params
	if p == (Params{}) {
		p = OWASP()
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	n := opts.MaxConcurrent
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	budget := opts.MaxMemory
	if budget <= 0 {
		budget = DefaultMaxMemory
	}
	n = min(n, int(max(1, budget/(int64(p.Memory)*1024))))
	r := opts.Random
	if r == nil {
		r = rand.Reader
	}
	q := opts.MaxQueued
	if q <= 0 {
		q = 256 * n
	}
	h := &Hasher{params: p, random: r, sem: make(chan struct{}, n), maxQueued: int64(q)}
	var secret [32]byte
	if _, err := io.ReadFull(r, secret[:]); err != nil {
		return nil, fmt.Errorf("passhash: dummy password: %w", err)
	}
	dummy, err := h.Hash(context.Background(), base64.RawStdEncoding.EncodeToString(secret[:]))
	if err != nil {
		return nil, err
	}
	h.dummy = dummy
	h.onWait = opts.OnWait // the dummy's hash is no caller's wait
	return h, nil
}

// Params returns the parameters new hashes use.
func (h *Hasher) Params() Params { return h.params }

// Slots is how many hashes run at once at most.
func (h *Hasher) Slots() int { return cap(h.sem) }

// Load is how many hashes run and how many callers wait for a slot now.
func (h *Hasher) Load() (running, waiting int) { return len(h.sem), int(h.queued.Load()) }

// idKey is argon2id. The caller holds a slot.
func (h *Hasher) idKey(password string, salt []byte, p Params, keyLen uint32) []byte {
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
}

func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		// Gone already: no hash for a caller who cannot hear the answer
		// (the select below would pick a free slot half the time).
		return fmt.Errorf("passhash: before hashing: %w", err)
	}
	select {
	case h.sem <- struct{}{}:
		if h.onWait != nil {
			h.onWait(ctx, 0)
		}
		return nil
	default:
	}
	if h.queued.Add(1) > h.maxQueued {
		h.queued.Add(-1)
		return ErrBusy
	}
	defer h.queued.Add(-1)
	start := time.Now()
	select {
	case h.sem <- struct{}{}:
		if h.onWait != nil {
			h.onWait(ctx, time.Since(start))
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("passhash: waiting for a hash slot: %w", ctx.Err())
	}
}

// release frees a slot.
func (h *Hasher) release() { <-h.sem }

// Hash returns the PHC string of password under the current parameters.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	if len(password) > MaxPasswordBytes {
		return "", ErrTooLong
	}
	salt := make([]byte, h.params.SaltLen)
	if _, err := io.ReadFull(h.random, salt); err != nil {
		return "", fmt.Errorf("passhash: salt: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	key := h.idKey(password, salt, h.params, h.params.KeyLen)
	h.release()
	return encodePHC(h.params, salt, key), nil
}

// Verify reports whether password matches encoded. needsRehash is true
// when it matched but was made with another algorithm or parameters.
// A password is compared exactly as given: never truncated (a bcrypt hash
// with a password over 72 bytes does not match).
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (ok, needsRehash bool, err error) {
	if len(password) > MaxPasswordBytes {
		return false, false, ErrTooLong
	}
	switch {
	case strings.HasPrefix(encoded, "$argon2id$"):
		p, salt, key, err := decodePHC(encoded)
		if err != nil {
			return false, false, err
		}
		if err := h.acquire(ctx); err != nil {
			return false, false, err
		}
		got := h.idKey(password, salt, p, uint32(len(key)))
		h.release()
		ok := subtle.ConstantTimeCompare(got, key) == 1
		current := p.Memory == h.params.Memory && p.Time == h.params.Time && p.Threads == h.params.Threads &&
			uint32(len(salt)) == h.params.SaltLen && uint32(len(key)) == h.params.KeyLen
		return ok, ok && !current, nil
	case strings.HasPrefix(encoded, "$2a$") || strings.HasPrefix(encoded, "$2b$") || strings.HasPrefix(encoded, "$2y$"):
		cost, err := bcrypt.Cost([]byte(encoded))
		if err != nil || cost > maxBcryptCost {
			return false, false, ErrMalformedHash
		}
		if len(password) > 72 {
			// bcrypt would only see the first 72 bytes; refuse rather than
			// accept a password that merely shares a prefix. The work is
			// still done so the answer costs the same time.
			if err := h.burn(ctx); err != nil {
				return false, false, err
			}
			return false, false, nil
		}
		if err := h.acquire(ctx); err != nil {
			return false, false, err
		}
		err = bcrypt.CompareHashAndPassword([]byte(encoded), []byte(password))
		h.release()
		if errors.Is(err, bcrypt.ErrMismatchedHashAndPassword) {
			return false, false, nil
		}
		if err != nil {
			return false, false, fmt.Errorf("%w: %v", ErrMalformedHash, err)
		}
		return true, true, nil
	default:
		return false, false, ErrMalformedHash
	}
}

// VerifyDummy does the work of one verification against a hash no password
// matches. Call it when the user does not exist, so the answer takes as
// long as for a user who does.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) error {
	if len(password) > MaxPasswordBytes {
		password = password[:MaxPasswordBytes]
	}
	_, _, err := h.Verify(ctx, h.dummy, password)
	return err
}

func (h *Hasher) burn(ctx context.Context) error { return h.VerifyDummy(ctx, "") }

var b64 = base64.RawStdEncoding

func encodePHC(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// decodePHC parses "$argon2id$v=19$m=..,t=..,p=..$salt$key".
func decodePHC(s string) (Params, []byte, []byte, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return Params{}, nil, nil, ErrMalformedHash
	}
	var p Params
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return Params{}, nil, nil, ErrMalformedHash
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return Params{}, nil, nil, ErrMalformedHash
		}
		switch k {
		case "m":
			p.Memory = uint32(n)
		case "t":
			p.Time = uint32(n)
		case "p":
			if n > 255 {
				return Params{}, nil, nil, ErrMalformedHash
			}
			p.Threads = uint8(n)
		default:
			return Params{}, nil, nil, ErrMalformedHash
		}
	}
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil {
		return Params{}, nil, nil, ErrMalformedHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.validate(); err != nil {
		return Params{}, nil, nil, fmt.Errorf("%w: %v", ErrMalformedHash, err)
	}
	return p, salt, key, nil
}

// Check reports whether encoded is a hash this package can verify within
// its cost bounds (argon2id PHC, or bcrypt up to cost 14), without
// verifying anything. Imports call it to refuse hashes that would make a
// sign-in a denial of service.
func Check(encoded string) error {
	switch {
	case strings.HasPrefix(encoded, "$argon2id$"):
		_, _, _, err := decodePHC(encoded)
		return err
	case strings.HasPrefix(encoded, "$2a$") || strings.HasPrefix(encoded, "$2b$") || strings.HasPrefix(encoded, "$2y$"):
		cost, err := bcrypt.Cost([]byte(encoded))
		if err != nil || cost > maxBcryptCost || len(encoded) != 60 {
			return ErrMalformedHash
		}
		return nil
	default:
		return ErrMalformedHash
	}
}
