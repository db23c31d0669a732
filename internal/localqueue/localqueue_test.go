package localqueue_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"linnstream/internal/localqueue"
	"linnstream/internal/queue"
)

// fakeClock is a Clock that moves only when the test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

func newClock() *fakeClock { return &fakeClock{now: time.Date(2026, 6, 20, 9, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := &fakeTimer{at: c.now.Add(d), f: f}
	c.timers = append(c.timers, t)
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		was := !t.stopped
		t.stopped = true
		return was
	}
}

// Advance moves the clock by d and fires the timers that came due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []func()
	keep := c.timers[:0]
	for _, t := range c.timers {
		switch {
		case t.stopped:
		case !t.at.After(c.now):
			t.stopped = true
			due = append(due, t.f)
		default:
			keep = append(keep, t)
		}
	}
	c.timers = keep
	c.mu.Unlock()
	for _, f := range due {
		f()
	}
}

// pending returns the times of the timers not yet fired or stopped.
func (c *fakeClock) pending() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []time.Duration
	for _, t := range c.timers {
		if !t.stopped {
			out = append(out, t.at.Sub(c.now))
		}
	}
	return out
}

func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func wait(t *testing.T, q *localqueue.Queue, what string, cond func(localqueue.Stats) bool) localqueue.Stats {
	t.Helper()
	st, err := q.WaitFor(waitCtx(t), cond)
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
	return st
}

func msg(group, id string) queue.Message {
	return queue.Message{Group: group, DedupID: group + "/" + id, Body: []byte(group + "/" + id)}
}

// recorder is a handler that notes the bodies it sees and checks that no
// two messages of one group are ever handled at once.
type recorder struct {
	mu       sync.Mutex
	seen     []string
	inGroup  map[string]bool
	overlaps []string
	fail     func(body string, attempt int) error
	attempts map[string]int
}

func newRecorder() *recorder {
	return &recorder{inGroup: map[string]bool{}, attempts: map[string]int{}}
}

func (r *recorder) handle(_ context.Context, body []byte) error {
	b := string(body)
	g, _, _ := strings.Cut(b, "/")
	r.mu.Lock()
	if r.inGroup[g] {
		r.overlaps = append(r.overlaps, b)
	}
	r.inGroup[g] = true
	r.attempts[b]++
	n := r.attempts[b]
	r.mu.Unlock()
	var err error
	if r.fail != nil {
		err = r.fail(b, n)
	}
	r.mu.Lock()
	r.inGroup[g] = false
	if err == nil {
		r.seen = append(r.seen, b)
	}
	r.mu.Unlock()
	return err
}

func (r *recorder) done() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

func TestOrderPerGroupAcrossConcurrentGroups(t *testing.T) {
	rec := newRecorder()
	// Handlers yield at random so groups really interleave.
	rec.fail = func(string, int) error {
		for range rand.IntN(50) {
			time.Sleep(0)
		}
		return nil
	}
	q := localqueue.New(localqueue.Config{Name: "t", Handler: rec.handle, Concurrency: 3, Clock: newClock()})
	defer q.Close()
	const groups, per = 6, 40
	var want [groups][]string
	for i := range per {
		for g := range groups {
			m := msg(fmt.Sprintf("g%d", g), fmt.Sprintf("%03d", i))
			want[g] = append(want[g], string(m.Body))
			if err := q.Send(context.Background(), m); err != nil {
				t.Fatal(err)
			}
		}
	}
	st := wait(t, q, "every message done", func(s localqueue.Stats) bool { return s.Done == groups*per })
	if st.Waiting != 0 || st.InFlight != 0 || st.DeadLettered != 0 || st.Sent != groups*per {
		t.Fatalf("stats %+v", st)
	}
	got := rec.done()
	for g := range groups {
		var mine []string
		for _, b := range got {
			if strings.HasPrefix(b, fmt.Sprintf("g%d/", g)) {
				mine = append(mine, b)
			}
		}
		if !slices.Equal(mine, want[g]) {
			t.Fatalf("group g%d handled in order %v, want %v", g, mine, want[g])
		}
	}
	if len(rec.overlaps) > 0 {
		t.Fatalf("messages of one group in flight together: %v", rec.overlaps)
	}
}

func TestGroupsRunConcurrently(t *testing.T) {
	release := make(chan struct{})
	started := make(chan string, 4)
	h := func(_ context.Context, body []byte) error {
		started <- string(body)
		<-release
		return nil
	}
	q := localqueue.New(localqueue.Config{Name: "t", Handler: h, Concurrency: 2, Clock: newClock()})
	var once sync.Once
	releaseAll := func() { once.Do(func() { close(release) }) }
	defer q.Close()
	defer releaseAll()
	for _, m := range []queue.Message{msg("a", "1"), msg("a", "2"), msg("b", "1"), msg("c", "1")} {
		if err := q.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	st := wait(t, q, "two groups in flight", func(s localqueue.Stats) bool { return s.InFlight == 2 })
	if st.Waiting != 2 {
		t.Fatalf("stats with a and b in flight: %+v", st)
	}
	got := []string{<-started, <-started}
	sort.Strings(got)
	if !slices.Equal(got, []string{"a/1", "b/1"}) {
		t.Fatalf("first in flight %v, want a/1 and b/1 (never a/2 beside a/1)", got)
	}
	releaseAll()
	wait(t, q, "all done", func(s localqueue.Stats) bool { return s.Done == 4 })
}

func TestDeduplicationWindow(t *testing.T) {
	clock := newClock()
	rec := newRecorder()
	q := localqueue.New(localqueue.Config{Name: "t", Handler: rec.handle, Clock: clock})
	defer q.Close()
	ctx := context.Background()
	send := func(m queue.Message) {
		t.Helper()
		if err := q.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	send(msg("a", "x"))
	send(msg("a", "x")) // same id at once: dropped
	wait(t, q, "first done", func(s localqueue.Stats) bool { return s.Done == 1 })
	clock.Advance(4*time.Minute + 59*time.Second)
	send(queue.Message{Group: "b", DedupID: "a/x", Body: []byte("b/x")}) // still in the window, another group: dropped
	clock.Advance(time.Second)
	send(msg("a", "x")) // the window has passed: queued again
	st := wait(t, q, "second done", func(s localqueue.Stats) bool { return s.Done == 2 })
	if st.Sent != 2 || st.Duplicates != 2 {
		t.Fatalf("stats %+v, want 2 sent and 2 duplicates", st)
	}
	if got := rec.done(); !slices.Equal(got, []string{"a/x", "a/x"}) {
		t.Fatalf("handled %v", got)
	}
}

func TestRetryWithExponentialBackoffThenDeadLetter(t *testing.T) {
	clock := newClock()
	rec := newRecorder()
	rec.fail = func(b string, n int) error {
		if b == "a/1" {
			return errors.New("linnworks answered 503")
		}
		return nil
	}
	q := localqueue.New(localqueue.Config{Name: "writeback", Handler: rec.handle, Clock: clock,
		BaseBackoff: time.Second, MaxBackoff: 5 * time.Second})
	defer q.Close()
	ctx := context.Background()
	for _, m := range []queue.Message{msg("a", "1"), msg("a", "2"), msg("b", "1")} {
		if err := q.Send(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	// b is not held up by a's failures; a/2 waits behind a/1.
	wait(t, q, "b done", func(s localqueue.Stats) bool { return s.Done == 1 })
	for attempt, backoff := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second} {
		rec.mu.Lock()
		n := rec.attempts["a/1"]
		rec.mu.Unlock()
		want := attempt + 1
		deadline := time.Now().Add(10 * time.Second)
		for n != want || len(clock.pending()) == 0 {
			if time.Now().After(deadline) {
				t.Fatalf("attempt %d of a/1 never came (%d seen, timers %v)", want, n, clock.pending())
			}
			time.Sleep(time.Millisecond)
			rec.mu.Lock()
			n = rec.attempts["a/1"]
			rec.mu.Unlock()
		}
		if p := clock.pending(); !slices.Contains(p, backoff) {
			t.Fatalf("after failure %d the retry is due in %v, want %v", want, p, backoff)
		}
		// Just before the backoff ends nothing happens.
		clock.Advance(backoff - time.Millisecond)
		if st := q.Stats(); st.InFlight != 0 {
			t.Fatalf("retried before the backoff ended: %+v", st)
		}
		clock.Advance(time.Millisecond)
	}
	st := wait(t, q, "a/1 dead-lettered and a/2 done", func(s localqueue.Stats) bool { return s.DeadLettered == 1 && s.Done == 2 })
	if st.Waiting != 0 || st.InFlight != 0 {
		t.Fatalf("stats %+v", st)
	}
	rec.mu.Lock()
	if rec.attempts["a/1"] != localqueue.DefaultMaxReceives {
		t.Errorf("a/1 received %d times, want %d", rec.attempts["a/1"], localqueue.DefaultMaxReceives)
	}
	rec.mu.Unlock()
	if got := rec.done(); !slices.Equal(got, []string{"b/1", "a/2"}) {
		t.Fatalf("handled %v, want b/1 then a/2 after a/1 left", got)
	}
	dl := q.DeadLetters()
	if len(dl) != 1 || string(dl[0].Body) != "a/1" || dl[0].Receives != 5 || !strings.Contains(dl[0].LastError, "503") {
		t.Fatalf("dead letters %+v", dl)
	}

	// Once the fault is gone, a redrive delivers it.
	rec.fail = nil
	if n := q.Redrive(); n != 1 {
		t.Fatalf("Redrive moved %d, want 1", n)
	}
	st = wait(t, q, "redriven message done", func(s localqueue.Stats) bool { return s.Done == 3 })
	if st.DeadLettered != 0 || len(q.DeadLetters()) != 0 {
		t.Fatalf("after redrive %+v", st)
	}
}

func TestNothingLost(t *testing.T) {
	clock := newClock()
	rec := newRecorder()
	// Every fifth message always fails; others fail their first two tries.
	rec.fail = func(b string, n int) error {
		var g, i int
		fmt.Sscanf(b, "g%d/%d", &g, &i)
		if i%5 == 0 || n <= 2 {
			return fmt.Errorf("fault %d", n)
		}
		return nil
	}
	q := localqueue.New(localqueue.Config{Name: "t", Handler: rec.handle, Clock: clock, Concurrency: 3})
	defer q.Close()
	const groups, per = 4, 10
	for i := range per {
		for g := range groups {
			if err := q.Send(context.Background(), msg(fmt.Sprintf("g%d", g), fmt.Sprint(i))); err != nil {
				t.Fatal(err)
			}
		}
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		st := q.Stats()
		if st.Waiting == 0 && st.InFlight == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("queue never drained: %+v", st)
		}
		time.Sleep(time.Millisecond)
		clock.Advance(localqueue.DefaultMaxBackoff)
	}
	st := q.Stats()
	if st.Done+st.DeadLettered != groups*per || st.DeadLettered != groups*2 {
		t.Fatalf("stats %+v: want %d in = done + dead-lettered with %d dead", st, groups*per, groups*2)
	}
	if len(rec.overlaps) > 0 {
		t.Fatalf("overlaps %v", rec.overlaps)
	}
}

func TestSendRefusesBadMessagesWhole(t *testing.T) {
	q := localqueue.New(localqueue.Config{Name: "t", Clock: newClock()})
	defer q.Close()
	cases := map[string]struct {
		m    queue.Message
		want error
	}{
		"no group":  {queue.Message{DedupID: "d", Body: []byte("{}")}, localqueue.ErrNoGroup},
		"no dedup":  {queue.Message{Group: "g", Body: []byte("{}")}, localqueue.ErrNoDedupID},
		"too large": {queue.Message{Group: "g", DedupID: "d", Body: make([]byte, localqueue.MaxBodySize+1)}, localqueue.ErrTooLarge},
	}
	for name, c := range cases {
		err := q.Send(context.Background(), msg("ok", "1"), c.m)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", name, err, c.want)
		}
	}
	if st := q.Stats(); st.Sent != 0 || st.Waiting != 0 {
		t.Fatalf("a refused batch queued something: %+v", st)
	}
}

func TestMessagesWaitForAHandler(t *testing.T) {
	q := localqueue.New(localqueue.Config{Name: "t", Clock: newClock()})
	defer q.Close()
	if err := q.Send(context.Background(), msg("a", "1")); err != nil {
		t.Fatal(err)
	}
	if st := q.Stats(); st.Waiting != 1 || st.InFlight != 0 {
		t.Fatalf("without a handler: %+v", st)
	}
	rec := newRecorder()
	q.SetHandler(rec.handle)
	wait(t, q, "handled once a handler is set", func(s localqueue.Stats) bool { return s.Done == 1 })
}

func TestPanickingHandlerIsAFailure(t *testing.T) {
	clock := newClock()
	q := localqueue.New(localqueue.Config{Name: "t", Clock: clock, MaxReceives: 1,
		Handler: func(context.Context, []byte) error { panic("boom") }})
	defer q.Close()
	if err := q.Send(context.Background(), msg("a", "1")); err != nil {
		t.Fatal(err)
	}
	wait(t, q, "dead-lettered", func(s localqueue.Stats) bool { return s.DeadLettered == 1 })
	if dl := q.DeadLetters(); !strings.Contains(dl[0].LastError, "boom") {
		t.Fatalf("dead letter %+v", dl[0])
	}
}

func TestClosedQueueRefusesSends(t *testing.T) {
	q := localqueue.New(localqueue.Config{Name: "t", Clock: newClock()})
	q.Close()
	if err := q.Send(context.Background(), msg("a", "1")); !errors.Is(err, localqueue.ErrClosed) {
		t.Fatalf("send after close: %v", err)
	}
}
