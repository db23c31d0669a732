// Package localqueue is an in-process FIFO queue with the semantics the
// return half relies on from SQS FIFO, for `make run` and tests: messages of
// one group are handled one at a time and in order, groups are handled
// concurrently, a de-duplication id is remembered for a window (five minutes,
// as SQS does), a failed message is retried with exponential backoff, and
// after its maximum number of receives it moves to a dead-letter queue,
// from which Redrive moves it back.
package localqueue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"linnstream/internal/queue"
)

// Defaults, as SQS FIFO and the template use them. The backoff doubles to
// the same cap as the SQS consumers' (sqsqueue.FirstRetryDelay), from a
// shorter first wait, for someone trying make run by hand.
const (
	DefaultMaxReceives = 5
	DefaultDedupWindow = 5 * time.Minute
	DefaultBaseBackoff = time.Second
	DefaultMaxBackoff  = 5 * time.Minute
	DefaultConcurrency = 4
	// MaxBodySize is SQS's largest message body.
	MaxBodySize = 256 << 10
)

// Clock is the time the queue runs on; tests inject one they advance.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f once d has passed and returns a function that
	// cancels the call.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }
func (realClock) AfterFunc(d time.Duration, f func()) func() bool {
	return time.AfterFunc(d, f).Stop
}

// Config configures a Queue. Zero values take the defaults above.
type Config struct {
	// Name names the queue in stats and logs.
	Name string
	// Handler consumes messages; until one is set (here or with
	// SetHandler) messages wait.
	Handler queue.Handler
	// MaxReceives is how many times a message is handed to the handler
	// before it moves to the dead-letter queue.
	MaxReceives int
	// DedupWindow is how long a de-duplication id is remembered.
	DedupWindow time.Duration
	// BaseBackoff is the wait after the first failure; each further failure
	// doubles it, up to MaxBackoff.
	BaseBackoff, MaxBackoff time.Duration
	// Concurrency is how many groups are handled at once.
	Concurrency int
	Clock       Clock
	Logger      *slog.Logger
}

// Stats are a queue's counts. Waiting includes messages waiting out a
// backoff; Sent counts accepted messages, Duplicates those dropped by
// de-duplication, Done those the handler accepted. At rest, Sent = Done +
// DeadLettered + Waiting + InFlight (Redrive returns dead letters to
// Waiting without counting them sent again).
type Stats struct {
	Name         string `json:"name"`
	Waiting      int    `json:"waiting"`
	InFlight     int    `json:"inFlight"`
	DeadLettered int    `json:"deadLettered"`
	Sent         int    `json:"sent"`
	Duplicates   int    `json:"duplicates"`
	Done         int    `json:"done"`
}

// DeadLetter is a message in the dead-letter queue with why it got there.
type DeadLetter struct {
	queue.Message
	Receives  int
	LastError string
}

type message struct {
	queue.Message
	receives  int
	visibleAt time.Time
	lastErr   string
}

type group struct {
	msgs     []*message
	inFlight bool
}

// Queue is an in-process FIFO queue. It is safe for concurrent use.
type Queue struct {
	cfg   Config
	clock Clock
	log   *slog.Logger

	mu      sync.Mutex
	handler queue.Handler
	groups  map[string]*group
	order   []string // groups in the order they were first seen, for fairness
	next    int      // where the next dispatch scan starts in order
	dedup   map[string]time.Time
	dead    []DeadLetter
	stats   Stats
	changed chan struct{} // closed and replaced on every change
	timer   func() bool   // cancels the pending backoff wake-up
	closed  bool

	wake    chan struct{}
	stop    chan struct{}
	stopped chan struct{}
	running sync.WaitGroup
}

var _ queue.Sender = (*Queue)(nil)

// New returns a running queue; Close stops it.
func New(cfg Config) *Queue {
	if cfg.MaxReceives <= 0 {
		cfg.MaxReceives = DefaultMaxReceives
	}
	if cfg.DedupWindow <= 0 {
		cfg.DedupWindow = DefaultDedupWindow
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = DefaultBaseBackoff
	}
	if cfg.MaxBackoff < cfg.BaseBackoff {
		cfg.MaxBackoff = max(DefaultMaxBackoff, cfg.BaseBackoff)
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	q := &Queue{
		cfg: cfg, clock: cfg.Clock, log: cfg.Logger, handler: cfg.Handler,
		groups: map[string]*group{}, dedup: map[string]time.Time{},
		stats: Stats{Name: cfg.Name}, changed: make(chan struct{}),
		wake: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{}),
	}
	if q.clock == nil {
		q.clock = realClock{}
	}
	if q.log == nil {
		q.log = slog.New(slog.DiscardHandler)
	}
	q.log = q.log.With("queue", cfg.Name)
	go q.loop()
	return q
}

// SetHandler sets the consumer; messages that waited for one start moving.
func (q *Queue) SetHandler(h queue.Handler) {
	q.mu.Lock()
	q.handler = h
	q.mu.Unlock()
	q.poke()
}

// Errors Send returns for a message it refuses; nothing of that call is
// queued.
var (
	ErrNoGroup   = errors.New("message has no group")
	ErrNoDedupID = errors.New("message has no de-duplication id")
	ErrTooLarge  = fmt.Errorf("message body is over %d bytes", MaxBodySize)
	ErrClosed    = errors.New("queue is closed")
)

// Send queues msgs in order, dropping any whose de-duplication id was seen
// within the window. It checks every message first: on an error nothing is
// queued.
func (q *Queue) Send(ctx context.Context, msgs ...queue.Message) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("send to %s: %w", q.cfg.Name, err)
	}
	for i, m := range msgs {
		switch {
		case m.Group == "":
			return fmt.Errorf("send to %s: message %d: %w", q.cfg.Name, i, ErrNoGroup)
		case m.DedupID == "":
			return fmt.Errorf("send to %s: message %d: %w", q.cfg.Name, i, ErrNoDedupID)
		case len(m.Body) > MaxBodySize:
			return fmt.Errorf("send to %s: message %d: %w", q.cfg.Name, i, ErrTooLarge)
		}
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return fmt.Errorf("send to %s: %w", q.cfg.Name, ErrClosed)
	}
	now := q.clock.Now()
	for id, until := range q.dedup {
		if !now.Before(until) {
			delete(q.dedup, id)
		}
	}
	for _, m := range msgs {
		if _, seen := q.dedup[m.DedupID]; seen {
			q.stats.Duplicates++
			continue
		}
		q.dedup[m.DedupID] = now.Add(q.cfg.DedupWindow)
		m.Body = append([]byte(nil), m.Body...)
		q.enqueue(&message{Message: m, visibleAt: now})
		q.stats.Sent++
	}
	q.changedLocked()
	q.poke()
	return nil
}

// enqueue appends m to its group. Callers hold q.mu.
func (q *Queue) enqueue(m *message) {
	g, ok := q.groups[m.Group]
	if !ok {
		g = &group{}
		q.groups[m.Group] = g
		q.order = append(q.order, m.Group)
	}
	g.msgs = append(g.msgs, m)
	q.stats.Waiting++
}

// Stats returns the queue's counts.
func (q *Queue) Stats() Stats {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.stats
}

// DeadLetters returns the messages in the dead-letter queue, oldest first.
func (q *Queue) DeadLetters() []DeadLetter {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := make([]DeadLetter, len(q.dead))
	copy(out, q.dead)
	return out
}

// Redrive moves every dead letter back to the queue, at the end of its
// group, with its receive count reset, and returns how many moved.
func (q *Queue) Redrive() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := len(q.dead)
	now := q.clock.Now()
	for _, d := range q.dead {
		q.enqueue(&message{Message: d.Message, visibleAt: now})
	}
	q.dead = nil
	q.stats.DeadLettered = 0
	q.changedLocked()
	q.poke()
	return n
}

// WaitFor blocks until cond holds for the queue's stats or ctx ends; it
// returns the last stats seen and, if ctx ended first, its error.
func (q *Queue) WaitFor(ctx context.Context, cond func(Stats) bool) (Stats, error) {
	for {
		q.mu.Lock()
		st, ch := q.stats, q.changed
		q.mu.Unlock()
		if cond(st) {
			return st, nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return st, fmt.Errorf("wait for queue %s (%+v): %w", q.cfg.Name, st, ctx.Err())
		}
	}
}

// Close stops dispatching, waits for the messages in flight and refuses
// further sends. Messages still waiting are dropped with the process, as
// an in-process queue cannot outlive it.
func (q *Queue) Close() {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		<-q.stopped
		return
	}
	q.closed = true
	if q.timer != nil {
		q.timer()
	}
	q.mu.Unlock()
	close(q.stop)
	<-q.stopped
	q.running.Wait()
}

func (q *Queue) changedLocked() {
	close(q.changed)
	q.changed = make(chan struct{})
}

func (q *Queue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *Queue) loop() {
	defer close(q.stopped)
	for {
		q.dispatch()
		select {
		case <-q.wake:
		case <-q.stop:
			return
		}
	}
}

// dispatch starts the handler on the head of every group that is ready,
// as far as concurrency allows, and arranges a wake-up for the earliest
// message still waiting out a backoff.
func (q *Queue) dispatch() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.handler == nil {
		return
	}
	now := q.clock.Now()
	var earliest time.Time
	n := len(q.order)
	for i := 0; i < n && q.stats.InFlight < q.cfg.Concurrency; i++ {
		name := q.order[(q.next+i)%n]
		g := q.groups[name]
		if g.inFlight || len(g.msgs) == 0 {
			continue
		}
		m := g.msgs[0]
		if now.Before(m.visibleAt) {
			if earliest.IsZero() || m.visibleAt.Before(earliest) {
				earliest = m.visibleAt
			}
			continue
		}
		g.inFlight = true
		m.receives++
		q.stats.Waiting--
		q.stats.InFlight++
		q.running.Add(1)
		go q.handle(q.handler, name, m)
	}
	if n > 0 {
		q.next = (q.next + 1) % n
	}
	// Groups skipped because concurrency was used up are retried when a
	// handler finishes; only a backoff needs the clock. The wake-up is set
	// afresh on every pass, so it always matches the earliest wait.
	if q.timer != nil {
		q.timer()
		q.timer = nil
	}
	if !earliest.IsZero() {
		q.timer = q.clock.AfterFunc(earliest.Sub(now), q.poke)
	}
	q.changedLocked()
}

func (q *Queue) handle(h queue.Handler, name string, m *message) {
	defer q.running.Done()
	err := call(h, m.Body)
	q.mu.Lock()
	defer q.mu.Unlock()
	g := q.groups[name]
	g.inFlight = false
	q.stats.InFlight--
	switch {
	case err == nil:
		g.msgs = g.msgs[1:]
		q.stats.Done++
	case m.receives >= q.cfg.MaxReceives:
		g.msgs = g.msgs[1:]
		q.dead = append(q.dead, DeadLetter{Message: m.Message, Receives: m.receives, LastError: err.Error()})
		q.stats.DeadLettered++
		q.log.Error("message moved to the dead-letter queue", "group", name, "receives", m.receives, "error", err.Error())
	default:
		m.lastErr = err.Error()
		m.visibleAt = q.clock.Now().Add(q.backoff(m.receives))
		q.stats.Waiting++
		q.log.Warn("message failed; retrying after backoff", "group", name, "receives", m.receives, "error", err.Error())
	}
	if len(g.msgs) == 0 {
		q.dropGroup(name)
	}
	q.changedLocked()
	q.poke()
}

// dropGroup forgets an empty group so the scan does not grow with every
// group ever seen. Callers hold q.mu.
func (q *Queue) dropGroup(name string) {
	delete(q.groups, name)
	for i, n := range q.order {
		if n == name {
			q.order = append(q.order[:i], q.order[i+1:]...)
			if q.next > i {
				q.next--
			}
			break
		}
	}
	if len(q.order) == 0 || q.next >= len(q.order) {
		q.next = 0
	}
}

// backoff is the wait before the receive after the n-th failed one.
func (q *Queue) backoff(n int) time.Duration {
	d := q.cfg.BaseBackoff
	for i := 1; i < n && d < q.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, q.cfg.MaxBackoff)
}

// call runs the handler, turning a panic into an error so one bad message
// cannot stop the queue.
func call(h queue.Handler, body []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return h(context.Background(), body)
}
