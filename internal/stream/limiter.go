package stream

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// limiter allows at most n requests in any window of the given length.
//
// Stream counts requests when they arrive, which the client cannot observe;
// it can only bound that moment between sending and receiving the answer. A
// request therefore occupies a slot from the moment it is sent until one
// window after its answer came back (or it failed). Any n+1 requests that
// arrive at Stream within one window would need the last one sent while the
// other n were in flight or had finished less than a window earlier, which
// the limiter forbids, so Stream never sees more than n per window.
type limiter struct {
	n      int
	window time.Duration
	now    func() time.Time
	// reserveTime is what a request needs once it has its slot; waiting
	// for a slot that leaves less before the deadline is refused at once.
	reserveTime time.Duration

	mu       sync.Mutex
	inflight int
	done     []time.Time // completion times still inside the window, oldest first
	changed  chan struct{}
}

func newLimiter(n int, window time.Duration, now func() time.Time) *limiter {
	return &limiter{n: n, window: window, now: now, reserveTime: minRequestTime, changed: make(chan struct{})}
}

// reserve takes a slot if one is free at now. Otherwise it returns how long
// until the oldest completion leaves the window, or -1 when every slot is
// held by a request still in flight.
func (l *limiter) reserve(now time.Time) (ok bool, wait time.Duration, changed <-chan struct{}) {
	return l.check(now, true)
}

// check is reserve that takes the free slot only when take is set.
func (l *limiter) check(now time.Time, take bool) (ok bool, wait time.Duration, changed <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	cut := now.Add(-l.window)
	drop := 0
	for drop < len(l.done) && !l.done[drop].After(cut) {
		drop++
	}
	if drop > 0 {
		l.done = append(l.done[:0], l.done[drop:]...)
	}
	if l.inflight+len(l.done) < l.n {
		if take {
			l.inflight++
		}
		return true, 0, nil
	}
	if len(l.done) == 0 {
		return false, -1, l.changed
	}
	return false, l.done[0].Sub(cut), l.changed
}

// finish ends an in-flight request, keeping its slot for one more window.
func (l *limiter) finish() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.inflight--
	l.done = append(l.done, l.now())
	close(l.changed)
	l.changed = make(chan struct{})
}

// minRequestTime is what a request needs once it has its slot. Waiting for
// a slot that leaves less than this before the deadline would only turn a
// clear "limit used up" into a time-out, so the limiter refuses at once.
const minRequestTime = 2 * time.Second

// leastWait is the shortest time until a slot can be free: the wait reserve
// reported or, when every slot is held by a request in flight, one window
// (a slot stays taken for a window after its request ends).
func (l *limiter) leastWait(wait time.Duration) time.Duration {
	if wait < 0 {
		return l.window
	}
	return wait
}

// acquire waits for a slot within the context's deadline and returns the
// function that releases it. When no slot can come in time for the request
// to run before the deadline it fails at once, and when the deadline passes
// while it waits it fails then, both with a local *RateLimitError saying
// how long the account's budget stays used up.
func (l *limiter) acquire(ctx context.Context, op string) (func(), error) {
	for {
		ok, wait, changed := l.reserve(l.now())
		if ok {
			return l.finish, nil
		}
		least := l.leastWait(wait)
		if dl, has := ctx.Deadline(); has && time.Until(dl) < least+l.reserveTime {
			return nil, &RateLimitError{Op: op, Local: true, RetryAfter: least}
		}
		var timer *time.Timer
		var fired <-chan time.Time
		if wait >= 0 {
			timer = time.NewTimer(wait)
			fired = timer.C
		}
		select {
		case <-fired:
		case <-changed:
		case <-ctx.Done():
		}
		if timer != nil {
			timer.Stop()
		}
		if err := ctx.Err(); err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				// Other requests took the slots this one waited for.
				if free, wait, _ := l.check(l.now(), false); !free {
					return nil, &RateLimitError{Op: op, Local: true, RetryAfter: l.leastWait(wait)}
				}
			}
			return nil, fmt.Errorf("stream %s: waiting for a rate-limit slot: %w", op, err)
		}
	}
}
