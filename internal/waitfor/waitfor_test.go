package waitfor

import (
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// fatalRecorder is a testing.TB whose Fatalf records the message and ends
// the calling goroutine, as the real one does.
type fatalRecorder struct {
	testing.TB
	msg string
}

func (f *fatalRecorder) Helper() {}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls fn with a recorder on a goroutine of its own, which Fatalf
// ends, and returns what Fatalf said ("" if it was not called).
func run(t *testing.T, fn func(tb testing.TB)) string {
	f := &fatalRecorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(f)
	}()
	<-done
	return f.msg
}

func TestRecv(t *testing.T) {
	ch := make(chan int, 1)
	ch <- 7
	var got int
	if msg := run(t, func(tb testing.TB) { got = recvWithin(tb, ch, time.Hour, "seven") }); msg != "" || got != 7 {
		t.Fatalf("Recv of a ready value: %d, failure %q", got, msg)
	}
	msg := run(t, func(tb testing.TB) { recvWithin(tb, make(chan int), time.Millisecond, "the answer") })
	if !strings.Contains(msg, "for the answer") {
		t.Fatalf("Recv that never receives failed with %q, want it to name what it waited for", msg)
	}
}

func TestCond(t *testing.T) {
	n := 0
	if msg := run(t, func(tb testing.TB) { condWithin(tb, time.Hour, "three checks", func() bool { n++; return n == 3 }) }); msg != "" || n != 3 {
		t.Fatalf("Cond that holds on the third check: %d checks, failure %q", n, msg)
	}
	msg := run(t, func(tb testing.TB) { condWithin(tb, time.Millisecond, "never", func() bool { return false }) })
	if !strings.Contains(msg, "for never") {
		t.Fatalf("Cond that never holds failed with %q, want it to name what it waited for", msg)
	}
}

func TestGroup(t *testing.T) {
	var wg sync.WaitGroup
	release := make(chan struct{})
	wg.Go(func() { <-release })
	close(release)
	if msg := run(t, func(tb testing.TB) { Group(tb, &wg, "the worker") }); msg != "" {
		t.Fatalf("Group of a finished worker failed: %q", msg)
	}
}
