package stream

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestLimiterSlidingWindowFromCompletion(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(3, time.Minute, clock.Now)
	t0 := clock.Now()

	for i := range 3 {
		if ok, _, _ := l.reserve(clock.Now()); !ok {
			t.Fatalf("slot %d refused", i)
		}
	}
	// All three in flight: no time estimate, wait for a completion.
	if ok, wait, _ := l.reserve(clock.Now()); ok || wait != -1 {
		t.Fatalf("4th reserve = %v, %v; want refused until a release", ok, wait)
	}
	clock.Advance(10 * time.Second)
	l.finish() // completes at t0+10s
	clock.Advance(5 * time.Second)
	l.finish() // t0+15s
	l.finish() // t0+15s
	// The slots stay taken for a window after each completion.
	if ok, wait, _ := l.reserve(t0.Add(30 * time.Second)); ok || wait != 40*time.Second {
		t.Fatalf("reserve at +30s = %v, %v; want refused for 40s more", ok, wait)
	}
	if ok, _, _ := l.reserve(t0.Add(70*time.Second + time.Nanosecond)); !ok {
		t.Fatal("slot of the completion at +10s not free one window later")
	}
	if ok, wait, _ := l.reserve(t0.Add(71 * time.Second)); ok || wait != 4*time.Second {
		t.Fatalf("reserve at +71s = %v, %v; want refused for 4s", ok, wait)
	}
	if ok, _, _ := l.reserve(t0.Add(75*time.Second + time.Nanosecond)); !ok {
		t.Fatal("second slot not free")
	}
}

func TestLimiterRefusesWaitPastDeadline(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(1, time.Hour, clock.Now)
	release, err := l.acquire(context.Background(), "first")
	if err != nil {
		t.Fatal(err)
	}
	release()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = l.acquire(ctx, "second")
	var rl *RateLimitError
	if !errors.As(err, &rl) || !rl.Local || rl.RetryAfter != time.Hour {
		t.Fatalf("err = %v, want a local rate-limit refusal", err)
	}
	// The refusal is not a time-out: the handler must not answer with its
	// generic time-limit message.
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v matches DeadlineExceeded", err)
	}
	if want := "stream second: Stream's request limit for this account is used up for the next 60 min; try again then"; err.Error() != want {
		t.Fatalf("err = %q, want %q", err, want)
	}
}

// A request held by the limiter when the wait cannot fit the deadline (the
// handlers run under 25 s; Stream's window is a minute) is refused at once,
// saying for how long the budget is used up, and sends nothing.
func TestLimiterSaysAtOnceWhenTheWaitCannotFit(t *testing.T) {
	for _, tt := range []struct {
		name      string
		completed time.Duration // how long before now the budget's last request ended
		inFlight  bool          // the budget is held by a request still running
		want      string
	}{
		{"freed in 40 s", 20 * time.Second, false, "Stream's request limit for this account is used up for the next 40 s; try again then"},
		{"freed in 26 s", 34*time.Second + 500*time.Millisecond, false, "Stream's request limit for this account is used up for the next 26 s; try again then"},
		{"held by a request in flight", 0, true, "Stream's request limit for this account is used up for the next 60 s; try again then"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			l := newLimiter(1, time.Minute, clock.Now)
			release, err := l.acquire(context.Background(), "first")
			if err != nil {
				t.Fatal(err)
			}
			if !tt.inFlight {
				release()
				clock.Advance(tt.completed)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 25*time.Second)
			defer cancel()
			_, err = l.acquire(ctx, "get depots")
			if ctx.Err() != nil {
				t.Fatal("the limiter waited until the deadline instead of answering at once")
			}
			var rl *RateLimitError
			if !errors.As(err, &rl) || !rl.Local {
				t.Fatalf("err = %v, want a local rate-limit refusal", err)
			}
			if got := rl.Explain(); got != tt.want {
				t.Fatalf("explained as %q, want %q", got, tt.want)
			}
		})
	}
}

// A wait that fits the deadline is waited out, but when other requests
// take the slots first and the deadline passes, the refusal still says the
// limit held the request rather than being a bare time-out.
func TestLimiterDeadlineWhileWaitingSaysLimit(t *testing.T) {
	clock := newFakeClock()
	l := newLimiter(1, time.Millisecond, clock.Now)
	l.reserveTime = 0
	if _, err := l.acquire(context.Background(), "first"); err != nil {
		t.Fatal(err)
	}
	// The first request never ends: the slot stays taken.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := l.acquire(ctx, "second")
	var rl *RateLimitError
	if !errors.As(err, &rl) || !rl.Local || rl.RetryAfter != time.Millisecond {
		t.Fatalf("err = %v, want a local rate-limit refusal", err)
	}
	if ctx.Err() == nil {
		t.Fatal("refused before the deadline although the wait fitted it")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v matches DeadlineExceeded", err)
	}
}

func TestLimiterWaitsForRelease(t *testing.T) {
	l := newLimiter(2, time.Millisecond, time.Now)
	var inFlight, peak atomic.Int32
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			release, err := l.acquire(context.Background(), "op")
			if err != nil {
				t.Error(err)
				return
			}
			n := inFlight.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(100 * time.Microsecond)
			inFlight.Add(-1)
			release()
		}()
	}
	wg.Wait()
	if p := peak.Load(); p > 2 || p < 1 {
		t.Fatalf("peak concurrency %d, want at most 2", p)
	}
}

// TestLimiterCoversTokenRequests counts every request the fake sees,
// token requests included, against a limit that a burst exceeds.
func TestLimiterCoversTokenRequests(t *testing.T) {
	clock := newFakeClock()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"response": map[string]any{"valid": true, "depots": []any{}}})
	})
	c := f.client(t, WithClock(clock.Now), WithRateLimit(3, time.Minute))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for range 2 {
		if _, err := c.Depots(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// Token + 2 calls fill the window; the next call would need a minute.
	_, err := c.Depots(ctx)
	var rl *RateLimitError
	if !errors.As(err, &rl) || !rl.Local {
		t.Fatalf("err = %v, want the client-side limit", err)
	}
	if n := len(f.requests(true)); n != 3 {
		t.Fatalf("%d requests reached Stream, want 3", n)
	}
	clock.Advance(time.Minute)
	if _, err := c.Depots(ctx); err != nil {
		t.Fatalf("after a window: %v", err)
	}
}

// TestDefaultLimitPerAccount: without options a Stream account gets 200
// requests a minute, token requests included, shared by every profile of
// the account (clients differing only in party); another account has its
// own budget.
func TestDefaultLimitPerAccount(t *testing.T) {
	clock := newFakeClock()
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"response": map[string]any{"valid": true, "depots": []any{}}})
	})
	p := NewPool(WithClock(clock.Now), WithBackoff(time.Millisecond, 4*time.Millisecond))
	a := f.account()
	b := a
	b.Party = "OTHER-PROFILE"
	ca, err := p.Client(a)
	if err != nil {
		t.Fatal(err)
	}
	cb, _ := p.Client(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Each client: one token request and 99 calls; 200 requests in all.
	for _, c := range []*Client{ca, cb} {
		for range 99 {
			if _, err := c.Depots(ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := len(f.requests(true)); n != 200 {
		t.Fatalf("%d requests sent, want 200", n)
	}
	for _, c := range []*Client{ca, cb} {
		_, err := c.Depots(ctx)
		var rl *RateLimitError
		if !errors.As(err, &rl) || !rl.Local {
			t.Fatalf("request 201: err = %v, want the client-side limit", err)
		}
	}
	other := a
	other.ClientID = "another-account"
	co, _ := p.Client(other)
	if _, err := co.Depots(ctx); err != nil {
		t.Fatalf("another account is held back: %v", err)
	}
	clock.Advance(time.Minute)
	if _, err := ca.Depots(ctx); err != nil {
		t.Fatalf("a minute later: %v", err)
	}
}

// TestBackoffGrowsWithJitter: waits between retries double from the base up
// to the maximum, each drawn from its upper half, and never fall below what
// Stream asked for in Retry-After.
func TestBackoffGrowsWithJitter(t *testing.T) {
	c := &Client{backoff: [2]time.Duration{100 * time.Millisecond, time.Second}}
	for n, ceiling := range map[int]time.Duration{1: 100 * time.Millisecond, 2: 200 * time.Millisecond, 4: 800 * time.Millisecond, 5: time.Second, 9: time.Second} {
		seen := map[time.Duration]bool{}
		for range 200 {
			d := c.backoffWait(n, 0)
			if d < ceiling/2 || d > ceiling {
				t.Fatalf("retry %d waited %s, want between %s and %s", n, d, ceiling/2, ceiling)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Fatalf("retry %d always waited the same %v: no jitter", n, seen)
		}
	}
	if d := c.backoffWait(1, 30*time.Second); d != 30*time.Second {
		t.Fatalf("with Retry-After 30s the wait is %s", d)
	}
}
