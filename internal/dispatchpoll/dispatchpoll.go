// Package dispatchpoll is the safety net of the Stream-events path: on a
// schedule it reads from Stream the status of each profile's open Stream
// orders and queues one write-back message for each whose status, run, day
// or stop changed since it was last observed.
//
// Which profiles: those with DISPATCH_SYNC on, active, not uninstalled and
// with a Linnworks API token (profile.PollsDispatch), found through the
// profile stores' sparse polling index. WEBHOOKS_ENABLED does not matter:
// with webhooks off the poll is how Stream's changes arrive, with them on
// it catches the events that never came.
//
// Which orders: the profile's shipments created in the last 14 days whose
// Stream order stands and whose last known status is not final (delivered,
// completed or cancelled: see shipment.FinalStatus), read a page at a time
// from the shipment stores' open index.
//
// What it compares: the status, run, weekday and stop the write-back
// records on a shipment (writeback.Observe). Stream has no list or bulk
// read, so each order is one GET /orders/orders/{orderNo}, which carries the
// run details. A changed order gets one write-back message (source poll),
// then the new observation is recorded on its shipment, so the next poll
// queues nothing for it; the write-back itself records the same values
// when it applies a webhook, so an order a webhook already brought up to
// date is not queued again.
//
// Budget: the poll spends at most PerMinute (default 50, a quarter of
// Stream's 200 a minute) requests in any minute per Stream account, on top
// of the account's shared limiter in the Stream client. A run stops before
// its deadline (or when a profile's Stream fails) and stores a cursor on the
// profile's shipments; the next run resumes there, and a run that reaches
// the last order ends the pass.
package dispatchpoll

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"linnstream/internal/profile"
	"linnstream/internal/queue"
	"linnstream/internal/shipment"
	"linnstream/internal/stream"
	"linnstream/internal/wizard"
	"linnstream/internal/writeback"
)

// Defaults of a Poller.
const (
	// Lookback is how far back shipments are polled, by creation time.
	Lookback = 14 * 24 * time.Hour
	// DefaultPerMinute is the poll's share of a Stream account's 200
	// requests a minute.
	DefaultPerMinute = 50
	// DefaultReserve is the time kept before the run's deadline: no Stream
	// read starts later, so the cursor is always stored.
	DefaultReserve = 15 * time.Second
	// DefaultPageSize is how many open shipments are read at once.
	DefaultPageSize = 25
	// DefaultConcurrency is how many profiles are polled at once.
	DefaultConcurrency = 4
	maxRecordRounds    = 5
)

// Profiles lists the profiles the poll reads and reads each one.
// profile.Store satisfies it.
type Profiles interface {
	PollingProfiles(ctx context.Context) ([]string, error)
	Get(ctx context.Context, id string) (*profile.Profile, error)
}

// Shipments lists a profile's open shipments, records what was observed
// and keeps the poll's cursor. shipment.Store satisfies it.
type Shipments interface {
	ListOpen(ctx context.Context, profileID string, since time.Time, after string, limit int) (shipment.OpenPage, error)
	Get(ctx context.Context, profileID, orderID string) (*shipment.Shipment, error)
	Update(ctx context.Context, s *shipment.Shipment) error
	PollCursor(ctx context.Context, profileID string) (string, error)
	SetPollCursor(ctx context.Context, profileID, cursor string) error
}

var (
	_ Profiles  = profile.Store(nil)
	_ Shipments = shipment.Store(nil)
)

// Config holds a Poller's dependencies. Profiles, Shipments, Streams and
// WriteBack are required.
type Config struct {
	Profiles  Profiles
	Shipments Shipments
	// Streams hands out each account's Stream client; writeback.PoolStreams
	// shares the account's token and limiter with the rest of the process.
	Streams writeback.Streams
	// WriteBack receives one message per changed order.
	WriteBack queue.Sender

	// Now is the clock of the lookback and of the request budget; Sleep
	// waits on it (default: a timer). Tests give both a fake clock.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Wall is the clock the run's deadline (that of its context) is read
	// against; default time.Now.
	Wall   func() time.Time
	Logger *slog.Logger
	// PerMinute, Reserve, PageSize, Concurrency: see the defaults.
	PerMinute   int
	Reserve     time.Duration
	PageSize    int
	Concurrency int
}

// Poller polls profiles. It is safe for concurrent use, but a profile must
// not be polled by two runs at once (the Lambda has a reserved concurrency
// of 1; make run polls one run at a time).
type Poller struct {
	cfg Config

	mu      sync.Mutex
	budgets map[string]*budget // by Stream account
}

// New returns a Poller.
func New(cfg Config) (*Poller, error) {
	if cfg.Profiles == nil || cfg.Shipments == nil || cfg.Streams == nil || cfg.WriteBack == nil {
		return nil, errors.New("new dispatch poll: Profiles, Shipments, Streams and WriteBack are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	if cfg.Wall == nil {
		cfg.Wall = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.PerMinute <= 0 {
		cfg.PerMinute = DefaultPerMinute
	}
	if cfg.Reserve <= 0 {
		cfg.Reserve = DefaultReserve
	}
	if cfg.PageSize <= 0 || cfg.PageSize > shipment.MaxOpenPage {
		cfg.PageSize = DefaultPageSize
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	return &Poller{cfg: cfg, budgets: map[string]*budget{}}, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Summary sums up one poll of one profile.
type Summary struct {
	Profile string `json:"profile"` // its short ID
	// Considered counts the open shipments read; Changed those whose
	// Stream order changed; Queued the write-back messages queued; Calls
	// the Stream requests made.
	Considered int `json:"considered"`
	Changed    int `json:"changed"`
	Queued     int `json:"queued"`
	Calls      int `json:"calls"`
	// Finished: the pass reached the last open shipment.
	Finished bool `json:"finished"`
	// Problem says, in words, what stopped the poll early; "" when nothing did.
	Problem string `json:"problem,omitempty"`
}

// errStop: the run's deadline is near; the cursor is stored and the next
// run resumes.
var errStop = errors.New("stopped before the run's deadline; the next run resumes where it stopped")

// Run polls every profile the polling index lists, Concurrency at a time,
// and returns the summaries of those it polled, in the index's order. A
// profile whose Stream failed says so in its summary's Problem, and its
// next poll resumes where it stopped. The error, when not nil, joins the
// storage or queue failures (ErrStore) of every profile, or says the
// profiles could not be listed.
func (p *Poller) Run(ctx context.Context) ([]Summary, error) {
	ids, err := p.cfg.Profiles.PollingProfiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("%w: list polling profiles: %w", ErrStore, err)
	}
	out := make([]Summary, len(ids))
	errs := make([]error, len(ids))
	sem := make(chan struct{}, p.cfg.Concurrency)
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i], errs[i] = p.Poll(ctx, id)
		}()
	}
	wg.Wait()
	var summaries []Summary
	for i, s := range out {
		if errs[i] != nil {
			s.Profile = shipment.ShortID(ids[i])
			s.Problem = errs[i].Error()
			errs[i] = fmt.Errorf("profile %s: %w", s.Profile, errs[i])
		}
		if s.Profile != "" {
			summaries = append(summaries, s)
		}
	}
	return summaries, errors.Join(errs...)
}

// ErrStore: the poll could not read or write its own records (profiles,
// shipments, cursor) or queue its messages; the run should be looked at.
var ErrStore = errors.New("dispatch poll: storage or queue failed")

// Poll polls one profile: it resumes the pass its cursor names, or starts a
// new one, and goes on until the pass ends, the deadline of ctx is near or
// Stream fails, storing the cursor where it stopped. A profile that no
// longer polls is left alone (zero Summary, nil). A Stream failure ends
// the poll with the Summary's Problem and a nil error; an error (wrapping
// ErrStore) means the poll's storage or queue failed.
func (p *Poller) Poll(ctx context.Context, profileID string) (Summary, error) {
	prof, err := p.cfg.Profiles.Get(ctx, profileID)
	switch {
	case errors.Is(err, profile.ErrNotFound):
		return Summary{}, nil
	case err != nil:
		return Summary{}, fmt.Errorf("%w: read profile: %w", ErrStore, err)
	case !prof.PollsDispatch():
		return Summary{}, nil
	}
	sum := Summary{Profile: prof.Short()}
	log := p.cfg.Logger.With("profile", prof.Short(), "flow", "dispatch_poll")
	if !prof.LinnworksTokenRefused.IsZero() {
		// The write-back holds every message until a working token is
		// saved; queueing more would only fill its dead-letter queue.
		sum.Problem = "Linnworks refused the API token; the poll waits for a working one"
		log.InfoContext(ctx, "dispatch poll held: Linnworks refused the profile's API token")
		return sum, nil
	}
	acct := wizard.Settings(prof).Stream
	reader, err := p.cfg.Streams.OrderReader(acct)
	if err != nil {
		sum.Problem = "the profile's Stream account: " + err.Error()
		log.WarnContext(ctx, "dispatch poll skipped", "problem", sum.Problem)
		return sum, nil
	}
	r := &run{p: p, prof: prof, reader: reader, budget: p.budgetOf(acct), log: log, sum: &sum,
		since: p.cfg.Now().Add(-Lookback)}
	if dl, ok := ctx.Deadline(); ok {
		r.stopAt = dl.Add(-p.cfg.Reserve)
	}
	after, err := p.cfg.Shipments.PollCursor(ctx, prof.ID)
	if err != nil {
		return sum, fmt.Errorf("%w: read cursor: %w", ErrStore, err)
	}
	next, runErr := r.pass(ctx, after)
	if err := p.cfg.Shipments.SetPollCursor(ctx, prof.ID, next); err != nil {
		return sum, fmt.Errorf("%w: store cursor: %w", ErrStore, err)
	}
	switch {
	case runErr == nil:
		sum.Finished = true
	case errors.Is(runErr, ErrStore):
		return sum, runErr
	default:
		sum.Problem = runErr.Error()
	}
	log.InfoContext(ctx, "dispatch poll done", "considered", sum.Considered, "changed", sum.Changed,
		"queued", sum.Queued, "calls", sum.Calls, "finished", sum.Finished, "problem", sum.Problem)
	return sum, nil
}

// run is one poll of one profile.
type run struct {
	p      *Poller
	prof   *profile.Profile
	reader writeback.OrderReader
	budget *budget
	log    *slog.Logger
	sum    *Summary
	since  time.Time
	stopAt time.Time
}

// pass reads pages from after until the last, or until it stops; it
// returns the cursor to resume from ("" once the pass reached the end).
func (r *run) pass(ctx context.Context, after string) (string, error) {
	for {
		page, err := r.p.cfg.Shipments.ListOpen(ctx, r.prof.ID, r.since, after, r.p.cfg.PageSize)
		if err != nil {
			return after, fmt.Errorf("%w: list open shipments: %w", ErrStore, err)
		}
		for _, sh := range page.Shipments {
			if err := r.poll(ctx, sh); err != nil {
				return after, err
			}
			after = shipment.OpenKey(sh)
		}
		if page.Next == "" {
			return "", nil
		}
		after = page.Next
	}
}

// poll reads one shipment's Stream order and queues a write-back if it
// changed. A nil error means the shipment is done with, changed or not.
func (r *run) poll(ctx context.Context, sh *shipment.Shipment) error {
	if !r.stopAt.IsZero() && !r.p.cfg.Wall().Before(r.stopAt) {
		return errStop
	}
	if err := r.budget.take(ctx, r.p.cfg, r.stopAt); err != nil {
		return err
	}
	r.sum.Considered++
	r.sum.Calls++
	log := r.log.With("order_id", sh.OrderID, "stream_order_no", sh.StreamOrderNo)
	d, err := r.reader.GetOrder(ctx, sh.StreamOrderNo)
	var rl *stream.RateLimitError
	switch {
	case errors.Is(err, stream.ErrNotFound):
		log.WarnContext(ctx, "dispatch poll: Stream does not know the order")
		return nil
	case errors.As(err, &rl) && rl.Local:
		return errStop
	case err != nil:
		return fmt.Errorf("read Stream order %s: %w", sh.StreamOrderNo, err)
	}
	if mark := strings.TrimSpace(d.Header.ExternalClientID); mark != "" && mark != shipment.Marker(r.prof.ID) {
		log.WarnContext(ctx, "dispatch poll: the Stream order carries another profile's mark")
		return nil
	}
	obs := writeback.Observe(d)
	if obs == observed(sh) {
		log.DebugContext(ctx, "dispatch poll: unchanged")
		return nil
	}
	r.sum.Changed++
	// One message per observation: a second poll of the same change
	// within the queue's window is dropped, a new change is not.
	msg, err := writeback.Message{ProfileID: r.prof.ID, Ref: sh.StreamOrderNo, Consignment: sh.ConsignmentNo, OrderID: sh.OrderID,
		Source: writeback.SourcePoll, Observed: &obs}.Queued()
	if err != nil {
		return fmt.Errorf("%w: %w", ErrStore, err)
	}
	if err := r.p.cfg.WriteBack.Send(ctx, msg); err != nil {
		return fmt.Errorf("%w: queue write-back of order %s: %w", ErrStore, sh.OrderID, err)
	}
	r.sum.Queued++
	log.InfoContext(ctx, "dispatch poll: Stream order changed; write-back queued",
		"status", obs.Status, "run", obs.Run, "day", obs.Day, "sequence", obs.Sequence)
	return r.record(ctx, sh, obs)
}

// record stores the observation on the shipment, reading it again when
// another write came first (the write-back may have recorded the same).
func (r *run) record(ctx context.Context, sh *shipment.Shipment, obs writeback.Observation) error {
	cur := sh
	for range maxRecordRounds {
		if observed(cur) == obs {
			return nil
		}
		next := shipment.Clone(cur)
		next.StreamStatus, next.Run, next.Day, next.Sequence = obs.Status, obs.Run, obs.Day, obs.Sequence
		next.UpdatedAt = r.p.cfg.Now().UTC()
		err := r.p.cfg.Shipments.Update(ctx, next)
		if err == nil {
			return nil
		}
		if !errors.Is(err, shipment.ErrConflict) {
			return fmt.Errorf("%w: record observation of order %s: %w", ErrStore, sh.OrderID, err)
		}
		if cur, err = r.p.cfg.Shipments.Get(ctx, sh.ProfileID, sh.OrderID); err != nil {
			return fmt.Errorf("%w: record observation of order %s: %w", ErrStore, sh.OrderID, err)
		}
	}
	return fmt.Errorf("%w: record observation of order %s: %w", ErrStore, sh.OrderID, shipment.ErrConflict)
}

// observed is what the shipment record last observed of its Stream order.
func observed(sh *shipment.Shipment) writeback.Observation {
	return writeback.Observation{Status: sh.StreamStatus, Run: sh.Run, Day: sh.Day, Sequence: sh.Sequence}
}
