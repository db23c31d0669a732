package linnworks

import (
	"sync"
	"time"
)

// DefaultRateLimit is the per-minute limit used for an endpoint missing from RateLimits.
// It is the lowest general limit the specification states.
const DefaultRateLimit = 150

// RateLimit returns the requests per minute Linnworks allows on path (for example
// "Orders/GetOrderById"), as the official specification states it.
func RateLimit(path string) int {
	if n, ok := RateLimits[path]; ok {
		return n
	}
	return DefaultRateLimit
}

// slidingWindow enforces "at most limit requests in any window" for one key. It hands out
// reservations: the time at which the next request may start. Reservations are computed from
// the recorded times only, never by re-reading the clock after a wait, so the limiter behaves
// the same under an injected clock that does not move.
type slidingWindow struct {
	times []time.Time // ring buffer of the last len(times) reservations
	head  int         // index of the oldest reservation
	n     int         // number of valid entries
}

// windowLimiter holds one sliding window per endpoint for one Linnworks account.
type windowLimiter struct {
	mu      sync.Mutex
	windows map[string]*slidingWindow
}

func newWindowLimiter() *windowLimiter {
	return &windowLimiter{windows: make(map[string]*slidingWindow)}
}

// reserve returns how long the caller must wait before sending a request on key, given
// limit requests per window. When the wait exceeds budget (and budget >= 0) nothing is
// reserved and ok is false; a negative budget means "no deadline".
func (l *windowLimiter) reserve(key string, limit int, window time.Duration, now time.Time, budget time.Duration) (wait time.Duration, ok bool) {
	if limit <= 0 {
		limit = 1
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	w := l.windows[key]
	if w == nil || len(w.times) != limit {
		w = &slidingWindow{times: make([]time.Time, limit)}
		l.windows[key] = w
	}
	at := now
	if w.n == limit {
		// The request that was limit requests ago must have left the window.
		if earliest := w.times[w.head].Add(window); earliest.After(at) {
			at = earliest
		}
	}
	// Reservations never go backwards, so the ring stays ordered.
	if w.n > 0 {
		last := w.times[(w.head+w.n-1)%limit]
		if last.After(at) {
			at = last
		}
	}
	wait = at.Sub(now)
	if budget >= 0 && wait > budget {
		return wait, false
	}
	if w.n < limit {
		w.times[(w.head+w.n)%limit] = at
		w.n++
	} else {
		w.times[w.head] = at
		w.head = (w.head + 1) % limit
	}
	return wait, true
}
