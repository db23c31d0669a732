// Package waitfor bounds what tests wait for. A test that waits on a
// channel, a WaitGroup or a condition without a bound hangs until go test's
// -timeout kills the whole binary; these helpers fail the waiting test
// instead, within Limit, saying what it waited for. Call them from the
// test's own goroutine (they call t.Fatalf).
package waitfor

import (
	"sync"
	"testing"
	"time"
)

// Limit is how long a test waits for something that should happen at
// once: far longer than anything takes on a loaded machine, far shorter
// than go test's -timeout.
const Limit = 30 * time.Second

// Recv returns the next value from ch.
func Recv[T any](t testing.TB, ch <-chan T, what string) T {
	t.Helper()
	return recvWithin(t, ch, Limit, what)
}

func recvWithin[T any](t testing.TB, ch <-chan T, limit time.Duration, what string) T {
	t.Helper()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("waited %s for %s", limit, what)
		var zero T
		return zero
	}
}

// Group waits until wg's count is zero.
func Group(t testing.TB, wg *sync.WaitGroup, what string) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	Recv(t, done, what)
}

// Cond waits until cond holds, checking it at short intervals. Use it only
// for a state that no channel announces.
func Cond(t testing.TB, what string, cond func() bool) {
	t.Helper()
	condWithin(t, Limit, what, cond)
}

func condWithin(t testing.TB, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for pause := 50 * time.Microsecond; !cond(); pause = min(2*pause, 5*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited %s for %s", limit, what)
		}
		time.Sleep(pause)
	}
}
