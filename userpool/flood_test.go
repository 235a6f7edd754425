package userpool_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cupola-auth/cupola/message"
	"github.com/cupola-auth/cupola/store"
	"github.com/cupola-auth/cupola/store/memory"
	"github.com/cupola-auth/cupola/userpool"
)

// A login flood's memory, measured where it counts: the peak resident set
// of a process that answers 1,000 concurrent sign-ins with the production
// argon2id parameters. The test re-executes its own binary as the child
// (floodChildEnv selects the role) with GOMAXPROCS set, because peak RSS
// is a property of the whole process: the child reads VmHWM from
// /proc/self/status when the flood is over and prints it; the parent
// asserts the bound
//
//	peak RSS ≤ 1.3 × (hash slots × argon2 memory) + 100 MiB
//
// Each child takes some 15–30 s on two cores. GOMAXPROCS 2 and 8 run by
// default; CUPOLA_FLOOD_PROCS=2,4,8,16 (as .ci/run sets it) picks others. Linux only (VmHWM), and not under the race detector, which
// multiplies memory: .ci/run runs it in a pass of its own without -race.

const (
	floodChildEnv = "CUPOLA_FLOOD_CHILD"
	floodSignIns  = 1000
	floodUsers    = 25 // 40 sign-ins each: under the lockout's most
	mib           = 1 << 20
)

func TestFloodPeakRSS(t *testing.T) {
	if os.Getenv(floodChildEnv) != "" {
		t.Skip("in the child")
	}
	if runtime.GOOS != "linux" {
		t.Skip("peak RSS is read from /proc/self/status (VmHWM), which only Linux has")
	}
	if raceEnabled {
		t.Skip("the race detector multiplies memory and time; .ci/run runs this test without -race")
	}
	// Two values by default (some 40 s); .ci/run asks for all four
	// through CUPOLA_FLOOD_PROCS.
	procs := []int{2, 8}
	if s := os.Getenv("CUPOLA_FLOOD_PROCS"); s != "" {
		procs = nil
		for f := range strings.SplitSeq(s, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil {
				t.Fatalf("CUPOLA_FLOOD_PROCS=%q: %v", s, err)
			}
			procs = append(procs, n)
		}
	}
	for _, n := range procs {
		t.Run(fmt.Sprintf("GOMAXPROCS=%d", n), func(t *testing.T) {
			r := runFloodChild(t, n)
			bound := 1.3*float64(r.slots*r.argonKiB*1024) + 100*mib
			t.Logf("GOMAXPROCS=%d slots=%d argon2=%d MiB: peak RSS %.0f MiB (bound %.0f MiB), %d signed in, %d throttled, %s",
				n, r.slots, r.argonKiB/1024, float64(r.peakKiB)/1024, bound/mib, r.ok, r.throttled, r.elapsed)
			if float64(r.peakKiB*1024) > bound {
				t.Errorf("peak RSS %.0f MiB exceeds %.0f MiB", float64(r.peakKiB)/1024, bound/mib)
			}
			if r.ok == 0 {
				t.Error("no sign-in succeeded")
			}
		})
	}
}

type floodResult struct {
	slots, argonKiB, peakKiB, ok, throttled int
	elapsed                                 time.Duration
}

func runFloodChild(t *testing.T, procs int) floodResult {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestFloodChild$", "-test.v", "-test.timeout=10m")
	cmd.Env = append(os.Environ(), floodChildEnv+"=1", "GOMAXPROCS="+strconv.Itoa(procs))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s", err, out.String())
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "flood:") {
			continue
		}
		var r floodResult
		var ms int64
		if _, err := fmt.Sscanf(line, "flood: slots=%d argon_kib=%d vmhwm_kib=%d ok=%d throttled=%d ms=%d",
			&r.slots, &r.argonKiB, &r.peakKiB, &r.ok, &r.throttled, &ms); err != nil {
			t.Fatalf("child's report %q: %v", line, err)
		}
		r.elapsed = time.Duration(ms) * time.Millisecond
		return r
	}
	t.Fatalf("child printed no report:\n%s", out.String())
	return floodResult{}
}

// TestFloodChild is the child's role: it is skipped unless the parent
// set floodChildEnv.
func TestFloodChild(t *testing.T) {
	if os.Getenv(floodChildEnv) == "" {
		t.Skip("runs only as TestFloodPeakRSS's child")
	}
	ctx := context.Background()
	// The lockout counts each attempt before its hash; with each sign-in
	// from its own address and 40 per account it refuses none, so every
	// sign-in hashes.
	lots := store.LockoutPolicy{Threshold: 100, Base: time.Second, Max: time.Second, ResetAfter: time.Minute}
	cfg := userpool.Config{
		ID: "pool_flood", Name: "Flood", Issuer: testIssuer, Secret: randomSecret(t),
		// Hashing: production parameters (the zero value).
		MaxQueuedHashes: floodSignIns, // every sign-in waits for its hash
		Lockout:         lots, AccountLockout: lots, SourceLockout: lots,
		EmailSender: message.NewOutbox(),
		Clients: []userpool.ClientConfig{{ClientID: webClient, ClientName: "web",
			ExplicitAuthFlows: []string{userpool.AllowUserPasswordAuth, userpool.AllowRefreshTokenAuth}}},
	}
	p, err := userpool.New(ctx, cfg, memory.New())
	if err != nil {
		t.Fatal(err)
	}
	for i := range floodUsers {
		name := fmt.Sprintf("user%d", i)
		if _, err := p.SignUp(ctx, userpool.SignUpInput{ClientID: webClient, Username: name, Password: goodPW,
			UserAttributes: []userpool.Attribute{{Name: "email", Value: name + "@example.test"}}}); err != nil {
			t.Fatal(err)
		}
		if _, err := p.AdminConfirmSignUp(ctx, userpool.AdminConfirmSignUpInput{Username: name}); err != nil {
			t.Fatal(err)
		}
	}
	// As cupola serve does: a soft memory limit from the hash budget keeps
	// the garbage of finished hashes from piling up before the collector
	// runs.
	debug.SetMemoryLimit(p.SuggestedMemoryLimit())
	start := time.Now()
	var (
		wg            sync.WaitGroup
		mu            sync.Mutex
		ok, throttled int
		others        = map[string]int{}
	)
	begin := make(chan struct{})
	for i := range floodSignIns {
		wg.Go(func() {
			<-begin
			_, err := p.InitiateAuth(ctx, userpool.InitiateAuthInput{AuthFlow: userpool.FlowUserPasswordAuth, ClientID: webClient,
				AuthParameters:  map[string]string{"USERNAME": fmt.Sprintf("user%d", i%floodUsers), "PASSWORD": goodPW},
				UserContextData: &userpool.UserContextData{IPAddress: fmt.Sprintf("10.0.%d.%d", i/250, i%250+1)}})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, userpool.ErrTooManyRequests):
				throttled++
			default:
				others[err.Error()]++
			}
		})
	}
	close(begin)
	wg.Wait()
	elapsed := time.Since(start)
	if len(others) > 0 {
		t.Errorf("unexpected answers: %v", others)
	}
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	var hwm int
	for line := range strings.SplitSeq(string(status), "\n") {
		if v, found := strings.CutPrefix(line, "VmHWM:"); found {
			hwm, _ = strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
		}
	}
	fmt.Printf("flood: slots=%d argon_kib=%d vmhwm_kib=%d ok=%d throttled=%d ms=%d\n",
		userpool.HashSlots(p), 19*1024, hwm, ok, throttled, elapsed.Milliseconds())
}
