package stream

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"linnstream/internal/waitfor"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 6, 20, 7, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestTokenSharedAndRefreshedBeforeExpiry(t *testing.T) {
	gate := make(chan struct{})
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"response": map[string]any{"valid": true, "depots": []any{}}})
	})
	f.oauth = func(w http.ResponseWriter, r *http.Request) {
		// Hold the first token request until every caller is queued behind it.
		if f.tokens.Load() == 0 {
			<-gate
		}
		n := f.tokens.Add(1)
		writeJSON(w, 200, map[string]any{"access_token": "tok-" + string(rune('0'+n)), "expires_in": 600})
	}
	clock := newFakeClock()
	c := f.client(t, WithClock(clock.Now))

	const callers = 40
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for range callers {
		wg.Go(func() {
			_, err := c.Depots(context.Background())
			errs <- err
		})
	}
	waitfor.Cond(t, fmt.Sprintf("%d callers to wait for the first token request", callers-1), func() bool {
		c.tok.mu.Lock()
		defer c.tok.mu.Unlock()
		return c.tok.pending != nil && c.tok.pending.waiters == callers-1
	})
	close(gate)
	waitfor.Group(t, &wg, "the callers to return")
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := f.tokens.Load(); got != 1 {
		t.Fatalf("%d token requests for %d concurrent callers, want 1", got, callers)
	}
	for _, r := range f.requests(false) {
		if r.Header.Get("Authorization") != "Bearer tok-1" {
			t.Fatalf("call used %q", r.Header.Get("Authorization"))
		}
	}

	// Shortly before expires_in (600 s, refreshed a minute early) the token
	// is still used; inside the margin it is replaced once.
	clock.Advance(530 * time.Second)
	if _, err := c.Depots(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := f.tokens.Load(); got != 1 {
		t.Fatalf("token refreshed %d times before the margin", got-1)
	}
	clock.Advance(15 * time.Second)
	for range 3 {
		if _, err := c.Depots(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	reqs := f.requests(false)
	if got := f.tokens.Load(); got != 2 || reqs[len(reqs)-1].Header.Get("Authorization") != "Bearer tok-2" {
		t.Fatalf("tokens %d, last call %q; want one refresh", got, reqs[len(reqs)-1].Header.Get("Authorization"))
	}
}

func TestTokenLeaderCancelledDoesNotFailOthers(t *testing.T) {
	release := make(chan struct{})
	var attempts atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"response": map[string]any{"valid": true, "subscriptions": []any{}}})
	})
	f.oauth = func(w http.ResponseWriter, r *http.Request) {
		if attempts.Add(1) == 1 {
			// The first request hangs until its caller gives up.
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		writeJSON(w, 200, map[string]any{"access_token": "tok-ok", "expires_in": 3600})
	}
	defer close(release)
	c := f.client(t)

	leaderCtx, cancelLeader := context.WithCancel(context.Background())
	leaderDone := make(chan error, 1)
	go func() {
		_, err := c.Webhooks(leaderCtx)
		leaderDone <- err
	}()
	waitfor.Cond(t, "the leader's token request to reach the server", func() bool { return attempts.Load() > 0 })
	followerDone := make(chan error, 1)
	go func() {
		_, err := c.Webhooks(context.Background())
		followerDone <- err
	}()
	// Wait until the follower shares the leader's request, then cancel it.
	waitfor.Cond(t, "the follower to share the leader's token request", func() bool {
		c.tok.mu.Lock()
		defer c.tok.mu.Unlock()
		return c.tok.pending != nil && c.tok.pending.waiters > 0
	})
	cancelLeader()
	if err := waitfor.Recv(t, leaderDone, "the cancelled leader to return"); err == nil {
		t.Fatal("the cancelled leader succeeded")
	}
	if err := waitfor.Recv(t, followerDone, "the follower to return"); err != nil {
		t.Fatalf("follower failed because the leader was cancelled: %v", err)
	}
	if attempts.Load() != 2 {
		t.Fatalf("%d token requests, want 2", attempts.Load())
	}
}

func TestConcurrent401CausesOneRefresh(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer tok-1" {
			writeRaw(w, 401, "application/problem+json", `{"title":"invalid_token","status":401}`)
			return
		}
		writeJSON(w, 200, map[string]any{"response": map[string]any{"valid": true, "depots": []any{}}})
	})
	c := f.client(t)
	if err := c.Authenticate(context.Background()); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.Depots(context.Background()); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := f.tokens.Load(); got != 2 {
		t.Fatalf("%d token requests, want 2 (the revoked one and one refresh)", got)
	}
}
