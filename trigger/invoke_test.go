package trigger

import (
	"context"
	"errors"
	"maps"
	"runtime"
	"strings"
	"testing"
	"time"
)

func signUpEvent() *PreSignUpEvent {
	return &PreSignUpEvent{
		Common:  testCommon(Version1, TriggerPreSignUpSignUp),
		Request: PreSignUpRequest{UserAttributes: map[string]string{"email": "jane@example.com"}},
	}
}

func TestInvokeOutcomes(t *testing.T) {
	errNo := errors.New("no")
	tests := []struct {
		name     string
		fn       func(context.Context, *PreSignUpEvent) error
		check    func(t *testing.T, err error)
		response PreSignUpResponse
	}{
		{
			name: "a nil trigger does nothing",
			fn:   nil,
			check: func(t *testing.T, err error) {
				if err != nil {
					t.Fatal(err)
				}
			},
		},
		{
			name: "the response of a trigger that returns nil is adopted",
			fn: func(_ context.Context, ev *PreSignUpEvent) error {
				ev.Response.AutoConfirmUser = true
				return nil
			},
			check: func(t *testing.T, err error) {
				if err != nil {
					t.Fatal(err)
				}
			},
			response: PreSignUpResponse{AutoConfirmUser: true},
		},
		{
			name: "a trigger's changes to the request and envelope are dropped",
			fn: func(_ context.Context, ev *PreSignUpEvent) error {
				ev.Request.UserAttributes["email"] = "mallory@evil.example"
				ev.Request.UserAttributes["custom:role"] = "admin"
				ev.UserName = "root"
				ev.TriggerSource = "forged"
				ev.Response.AutoVerifyEmail = true
				return nil
			},
			check: func(t *testing.T, err error) {
				if err != nil {
					t.Fatal(err)
				}
			},
			response: PreSignUpResponse{AutoVerifyEmail: true},
		},
		{
			name: "a trigger's error is returned unchanged and its response ignored",
			fn: func(_ context.Context, ev *PreSignUpEvent) error {
				ev.Response.AutoConfirmUser = true
				return errNo
			},
			check: func(t *testing.T, err error) {
				if err != errNo {
					t.Fatalf("err = %v, want the trigger's error itself", err)
				}
			},
		},
		{
			name: "a panic is recovered into a PanicError",
			fn: func(context.Context, *PreSignUpEvent) error {
				var m map[string]string
				m["boom"] = "x"
				return nil
			},
			check: func(t *testing.T, err error) {
				var pe *PanicError
				if !errors.Is(err, ErrPanic) || !errors.As(err, &pe) {
					t.Fatalf("err = %v, want a PanicError", err)
				}
				if !strings.Contains(pe.Error(), "nil map") || !strings.Contains(string(pe.Stack), "invoke_test.go") {
					t.Errorf("panic error %q lacks the value or the stack", pe.Error())
				}
			},
		},
		{
			name: "a panic with an error unwraps to that error",
			fn:   func(context.Context, *PreSignUpEvent) error { panic(errNo) },
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrPanic) || !errors.Is(err, errNo) {
					t.Fatalf("err = %v", err)
				}
			},
		},
		{
			name: "a panic with nil is still a panic",
			fn:   func(context.Context, *PreSignUpEvent) error { panic(nil) },
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrPanic) {
					t.Fatalf("err = %v", err)
				}
			},
		},
		{
			name: "runtime.Goexit in a trigger is reported, not hung on",
			fn: func(context.Context, *PreSignUpEvent) error {
				runtime.Goexit()
				return nil
			},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrPanic) {
					t.Fatalf("err = %v", err)
				}
			},
		},
		{
			name: "a trigger that gives up when its context ends reports a timeout",
			fn: func(ctx context.Context, _ *PreSignUpEvent) error {
				<-ctx.Done()
				return ctx.Err()
			},
			check: func(t *testing.T, err error) {
				if !errors.Is(err, ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("err = %v", err)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ev := signUpEvent()
			err := Invoke(t.Context(), 200*time.Millisecond, tc.fn, ev)
			tc.check(t, err)
			want := signUpEvent()
			want.Response = tc.response
			if !maps.Equal(ev.Request.UserAttributes, want.Request.UserAttributes) || ev.Common != want.Common || ev.Response != want.Response {
				t.Errorf("event = %+v, want %+v", ev, want)
			}
		})
	}
}

func TestInvokeTimeoutCutsOffTheTriggerAndIgnoresItsLateWrites(t *testing.T) {
	release := make(chan struct{})
	finished := make(chan struct{})
	fn := func(_ context.Context, ev *PreSignUpEvent) error {
		defer close(finished)
		<-release // ignores its context, like a stuck trigger
		ev.Response.AutoConfirmUser = true
		ev.Request.UserAttributes["email"] = "late@example.com"
		return nil
	}
	ev := signUpEvent()
	start := time.Now()
	err := Invoke(t.Context(), 50*time.Millisecond, fn, ev)
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("Invoke returned after %v", elapsed)
	}
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("err = %v, want ErrTimeout", err)
	}
	close(release)
	<-finished
	// Read after the trigger's writes: the race detector reports any
	// sharing.
	if ev.Response.AutoConfirmUser || ev.Request.UserAttributes["email"] != "jane@example.com" {
		t.Errorf("late writes reached the caller's event: %+v", ev)
	}
}

func TestInvokeContext(t *testing.T) {
	sleep := func(ctx context.Context, _ *PreSignUpEvent) error {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Second):
			return nil
		}
	}
	t.Run("a caller deadline sooner than the timeout cuts the trigger off", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Millisecond)
		defer cancel()
		start := time.Now()
		err := Invoke(ctx, time.Minute, sleep, signUpEvent())
		if !errors.Is(err, ErrTimeout) || time.Since(start) > time.Second {
			t.Fatalf("err = %v after %v", err, time.Since(start))
		}
	})
	t.Run("a cancelled caller gets context.Canceled, not a timeout", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(20*time.Millisecond, cancel)
		err := Invoke(ctx, time.Minute, sleep, signUpEvent())
		if !errors.Is(err, context.Canceled) || errors.Is(err, ErrTimeout) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a context already done does not run the trigger", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		called := false
		err := Invoke(ctx, time.Second, func(context.Context, *PreSignUpEvent) error { called = true; return nil }, signUpEvent())
		if !errors.Is(err, context.Canceled) || called {
			t.Fatalf("err = %v, called = %v", err, called)
		}
	})
	t.Run("the trigger's context carries the timeout as its deadline", func(t *testing.T) {
		var left time.Duration
		err := Invoke(t.Context(), 0, func(ctx context.Context, _ *PreSignUpEvent) error {
			d, ok := ctx.Deadline()
			if !ok {
				return errors.New("no deadline")
			}
			left = time.Until(d)
			return nil
		}, signUpEvent())
		if err != nil || left <= 4*time.Second || left > DefaultTimeout {
			t.Fatalf("err = %v, deadline in %v, want about %v", err, left, DefaultTimeout)
		}
	})
	t.Run("a nil event is an error, not a panic", func(t *testing.T) {
		err := Invoke(t.Context(), time.Second, func(context.Context, *PreSignUpEvent) error { return nil }, nil)
		if !errors.Is(err, ErrNilEvent) {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestInvokeOnOtherTypesCopiesThroughJSON(t *testing.T) {
	type custom struct {
		Tags   []string `json:"tags"`
		Answer string   `json:"answer"`
	}
	ev := &custom{Tags: []string{"a"}}
	err := Invoke(t.Context(), time.Second, func(_ context.Context, c *custom) error {
		c.Tags[0] = "changed"
		c.Answer = "42"
		return nil
	}, ev)
	if err != nil || ev.Answer != "42" || ev.Tags[0] != "changed" {
		t.Fatalf("err = %v, ev = %+v", err, ev)
	}

	bad := &struct{ C chan int }{C: make(chan int)}
	if err := Invoke(t.Context(), time.Second, func(context.Context, *struct{ C chan int }) error { return nil }, bad); err == nil {
		t.Error("an event JSON cannot copy was accepted")
	}
}

func TestSetEffectiveTimeout(t *testing.T) {
	tests := []struct {
		name string
		set  *Set
		want time.Duration
	}{
		{"a nil set uses the default", nil, DefaultTimeout},
		{"a zero timeout uses the default", &Set{}, DefaultTimeout},
		{"a negative timeout uses the default", &Set{Timeout: -time.Second}, DefaultTimeout},
		{"a positive timeout is used", &Set{Timeout: 2 * time.Second}, 2 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.set.EffectiveTimeout(); got != tc.want {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
