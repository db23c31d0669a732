package dispatchpoll_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"linnstream/internal/dispatchpoll"
	"linnstream/internal/profile"
	"linnstream/internal/queue"
	"linnstream/internal/shipment"
	"linnstream/internal/shipment/shipmenttest"
	"linnstream/internal/stream"
	"linnstream/internal/wizard"
	"linnstream/internal/writeback"
)

// t0 is the fake now of every test.
var t0 = time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)

// clock is a fake clock; Sleep advances it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *clock) Sleep(_ context.Context, d time.Duration) error {
	c.Advance(d)
	return nil
}

// fakeStream serves orders by order number, records when each was read
// and advances the clock by perCall on every read.
type fakeStream struct {
	clk     *clock
	perCall time.Duration

	mu     sync.Mutex
	orders map[string]*stream.OrderDetail
	fail   map[string]error
	reads  []string
	at     []time.Time
}

func (f *fakeStream) GetOrder(_ context.Context, id string) (*stream.OrderDetail, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reads = append(f.reads, id)
	f.at = append(f.at, f.clk.Now())
	f.clk.Advance(f.perCall)
	if err := f.fail[id]; err != nil {
		return nil, err
	}
	d, ok := f.orders[id]
	if !ok {
		return nil, fmt.Errorf("get order %s: %w", id, stream.ErrNotFound)
	}
	c := *d
	return &c, nil
}

func (f *fakeStream) set(d *stream.OrderDetail) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.orders[d.Header.OrderNo] = d
}

// takeReads returns the order numbers read since the last call, sorted.
func (f *fakeStream) takeReads() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := slices.Clone(f.reads)
	f.reads = nil
	sort.Strings(r)
	return r
}

func (f *fakeStream) OrderReader(stream.Account) (writeback.OrderReader, error) { return f, nil }

// sink records queued messages.
type sink struct {
	mu   sync.Mutex
	msgs []queue.Message
}

func (s *sink) Send(_ context.Context, msgs ...queue.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.msgs = append(s.msgs, msgs...)
	return nil
}

// take returns the messages queued since the last call, decoded, by
// Linnworks order.
func (s *sink) take(t *testing.T) map[string]writeback.Message {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]writeback.Message{}
	for _, m := range s.msgs {
		wm, err := writeback.Decode(m.Body)
		if err != nil {
			t.Fatalf("queued message: %v", err)
		}
		if _, dup := out[wm.OrderID]; dup {
			t.Fatalf("two messages for order %s", wm.OrderID)
		}
		if m.Group == "" || m.DedupID == "" {
			t.Fatalf("message of order %s has group %q dedup %q", wm.OrderID, m.Group, m.DedupID)
		}
		out[wm.OrderID] = wm
	}
	s.msgs = nil
	return out
}

type env struct {
	t         *testing.T
	clk       *clock
	profiles  *profile.MemStore
	shipments *shipment.MemStore
	stream    *fakeStream
	sink      *sink
	poller    *dispatchpoll.Poller
}

func newEnv(t *testing.T, tune func(*dispatchpoll.Config)) *env {
	clk := &clock{now: t0}
	e := &env{t: t, clk: clk, profiles: profile.NewMemStore(), shipments: shipment.NewMemStore(clk.Now),
		stream: &fakeStream{clk: clk, perCall: 100 * time.Millisecond, orders: map[string]*stream.OrderDetail{}, fail: map[string]error{}},
		sink:   &sink{}}
	cfg := dispatchpoll.Config{Profiles: e.profiles, Shipments: e.shipments, Streams: e.stream, WriteBack: e.sink,
		Now: clk.Now, Sleep: clk.Sleep, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
	if tune != nil {
		tune(&cfg)
	}
	p, err := dispatchpoll.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.poller = p
	return e
}

// profile stores an active profile with DISPATCH_SYNC as given and a
// Linnworks token, on the sandbox Stream account.
func (e *env) profile(dispatchSync bool) *profile.Profile {
	e.t.Helper()
	p := &profile.Profile{
		ID:     shipmenttest.ProfileID(e.t),
		Active: true,
		Settings: map[string]string{wizard.ItemDispatchSyncEnabled: strconv.FormatBool(dispatchSync),
			wizard.ItemStreamAPIURL: "https://stream.example/api", wizard.ItemStreamClientID: "client-1"},
		Secrets: map[string]string{wizard.ItemLinnworksAPIToken: "11111111-1111-1111-1111-111111111111",
			wizard.ItemStreamClientSecret: "secret"},
		CreatedAt: t0, UpdatedAt: t0,
	}
	if err := e.profiles.Create(context.Background(), p); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// shipment stores a created shipment of the order, created at created,
// whose Stream order is UNCONFIRMED as it was created.
func (e *env) shipment(p *profile.Profile, orderID string, created time.Time) *shipment.Shipment {
	e.t.Helper()
	s := shipmenttest.Created(e.t, e.shipments, p.ID, orderID, created)
	e.stream.set(order(p, s.StreamOrderNo, "UNCONFIRMED", "", 0))
	return s
}

// order is a Stream order of p, planned on run at stop seq (delivering on
// Friday 4 December 2026) unless run is "".
func order(p *profile.Profile, orderNo, status, run string, seq int) *stream.OrderDetail {
	d := &stream.OrderDetail{Header: stream.DetailHeader{OrderNo: orderNo, OrderStatus: status, ExternalClientID: shipment.Marker(p.ID)}}
	if run != "" {
		d.Groups = []stream.Group{{Type: "DELIVERY", EstimateArrivalDateTime: stream.Time{Time: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)},
			RunDetails: &stream.RunDetails{Description: run, GroupSequence: stream.Int(seq)}}}
	}
	return d
}

func (e *env) poll(ctx context.Context) []dispatchpoll.Summary {
	e.t.Helper()
	sums, err := e.poller.Run(ctx)
	if err != nil {
		e.t.Fatalf("Run: %v", err)
	}
	return sums
}

func mustGet(t *testing.T, s shipment.Store, pid, orderID string) *shipment.Shipment {
	t.Helper()
	sh, err := s.Get(context.Background(), pid, orderID)
	if err != nil {
		t.Fatal(err)
	}
	return sh
}

func TestSwitchesAgreeWithTheWizard(t *testing.T) {
	if profile.SettingDispatchSync != wizard.ItemDispatchSyncEnabled || profile.SecretLinnworksToken != wizard.ItemLinnworksAPIToken {
		t.Fatalf("profile names %q/%q, wizard %q/%q", profile.SettingDispatchSync, profile.SecretLinnworksToken,
			wizard.ItemDispatchSyncEnabled, wizard.ItemLinnworksAPIToken)
	}
	// The poll reads a profile exactly when the wizard's reading of its
	// settings has dispatch sync on (and a token), including a profile
	// saved under the switch's former name.
	for _, settings := range []map[string]string{
		{"DISPATCH_SYNC": "true"},
		{"DISPATCH_SYNC": "false"},
		{"DISPATCH_SYNC_ENABLED": "true"},
		{"DISPATCH_SYNC_ENABLED": "false"},
		{"DISPATCH_SYNC": "false", "DISPATCH_SYNC_ENABLED": "true"},
		{},
	} {
		p := &profile.Profile{ID: "p", Active: true, Settings: settings,
			Secrets: map[string]string{wizard.ItemLinnworksAPIToken: "11111111-1111-1111-1111-111111111111"}}
		if got, want := p.PollsDispatch(), wizard.Settings(p).DispatchSyncEnabled; got != want {
			t.Errorf("settings %v: PollsDispatch %v, the wizard reads dispatch sync %v", settings, got, want)
		}
	}
}

// The poll reads only open shipments of the last 14 days (a minute inside
// the edge in, a minute outside out; final states out), queues one message
// per changed order and none for an unchanged one, and records what it saw
// so the next poll queues nothing.
func TestPollDecisions(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	p := e.profile(true)
	off := e.profile(false)
	edge := t0.Add(-dispatchpoll.Lookback)
	e.shipment(p, "1", edge.Add(-time.Minute)) // too old
	e.shipment(p, "2", edge.Add(time.Minute))  // unchanged
	planned := e.shipment(p, "3", t0.Add(-time.Hour))
	e.stream.set(order(p, planned.StreamOrderNo, "PLANNED", "RUN 03", 4))
	delivered := e.shipment(p, "4", t0.Add(-2*time.Hour))
	delivered.StreamStatus = "DELIVERED"
	shipmenttest.MustUpdate(t, e.shipments, delivered)
	cancelled := e.shipment(p, "5", t0.Add(-3*time.Hour))
	cancelled.State, cancelled.StreamStatus = shipment.StateCancelled, shipment.StatusCancelled
	shipmenttest.MustUpdate(t, e.shipments, cancelled)
	nowDelivered := e.shipment(p, "6", t0.Add(-4*time.Hour))
	e.stream.set(order(p, nowDelivered.StreamOrderNo, "DELIVERED", "RUN 01", 2))
	e.shipment(off, "7", t0.Add(-time.Hour)) // DISPATCH_SYNC off: never read

	sums := e.poll(ctx)
	want := []dispatchpoll.Summary{{Profile: p.Short(), Considered: 3, Changed: 2, Queued: 2, Calls: 3, Finished: true}}
	if !slices.Equal(sums, want) {
		t.Fatalf("summaries %+v, want %+v", sums, want)
	}
	if got := e.stream.takeReads(); !slices.Equal(got, []string{"P2", "P3", "P6"}) {
		t.Fatalf("Stream reads %v, want P2 P3 P6", got)
	}
	msgs := e.sink.take(t)
	if len(msgs) != 2 {
		t.Fatalf("messages %v, want orders 3 and 6", msgs)
	}
	for _, id := range []string{"3", "6"} {
		m := msgs[id]
		if m.ProfileID != p.ID || m.Ref != "P"+id || m.Source != writeback.SourcePoll {
			t.Fatalf("message of order %s: %+v", id, m)
		}
	}
	got := mustGet(t, e.shipments, p.ID, "3")
	if got.StreamStatus != "PLANNED" || got.Run != "RUN 03" || got.Day != "FRIDAY" || got.Sequence != 4 {
		t.Fatalf("order 3 recorded %q %q %q %d, want PLANNED RUN 03 FRIDAY 4", got.StreamStatus, got.Run, got.Day, got.Sequence)
	}
	if got := mustGet(t, e.shipments, p.ID, "6"); got.Open() {
		t.Fatalf("order 6 recorded %q, still open", got.StreamStatus)
	}

	// Nothing changed: the same orders are read (6 is final now), nothing
	// is queued.
	sums = e.poll(ctx)
	want = []dispatchpoll.Summary{{Profile: p.Short(), Considered: 2, Calls: 2, Finished: true}}
	if !slices.Equal(sums, want) {
		t.Fatalf("second poll %+v, want %+v", sums, want)
	}
	if got := e.stream.takeReads(); !slices.Equal(got, []string{"P2", "P3"}) {
		t.Fatalf("second poll read %v, want P2 P3", got)
	}
	if msgs := e.sink.take(t); len(msgs) != 0 {
		t.Fatalf("second poll queued %v", msgs)
	}

	// Re-planned onto another run: one message, with its own
	// de-duplication id.
	e.stream.set(order(p, planned.StreamOrderNo, "PLANNED", "RUN 05", 1))
	e.poll(ctx)
	if msgs := e.sink.take(t); len(msgs) != 1 || msgs["3"].Ref != "P3" {
		t.Fatalf("after re-planning: %v, want order 3", msgs)
	}
	if got := mustGet(t, e.shipments, p.ID, "3"); got.Run != "RUN 05" || got.Sequence != 1 {
		t.Fatalf("re-planned order 3 recorded %q %d", got.Run, got.Sequence)
	}
}

// Each change of an order gets its own de-duplication id; the same
// change polled twice (its record lost) gets the same one.
func TestDedupFollowsTheObservation(t *testing.T) {
	e := newEnv(t, nil)
	p := e.profile(true)
	sh := e.shipment(p, "1", t0.Add(-time.Hour))
	e.stream.set(order(p, sh.StreamOrderNo, "PLANNED", "RUN 03", 4))
	e.poll(context.Background())
	first := slices.Clone(e.sink.msgs)
	shipmenttest.MustUpdate(t, e.shipments, func() *shipment.Shipment {
		s := mustGet(t, e.shipments, p.ID, "1")
		s.StreamStatus, s.Run, s.Day, s.Sequence = "UNCONFIRMED", "", "", 0
		return s
	}())
	e.poll(context.Background())
	if len(e.sink.msgs) != 2 || e.sink.msgs[1].DedupID != first[0].DedupID {
		t.Fatalf("same change polled twice: %d messages, dedup ids differ", len(e.sink.msgs))
	}
	e.stream.set(order(p, sh.StreamOrderNo, "PLANNED", "RUN 03", 5))
	e.poll(context.Background())
	if len(e.sink.msgs) != 3 || e.sink.msgs[2].DedupID == first[0].DedupID {
		t.Fatalf("a new stop: %d messages, want a third with a new dedup id", len(e.sink.msgs))
	}
}

// However many orders, the poll sends at most 50 Stream requests in any
// minute per account, two profiles on one account included, and still
// reads every order.
func TestBudget(t *testing.T) {
	e := newEnv(t, func(c *dispatchpoll.Config) { c.Concurrency = 1 })
	a, b := e.profile(true), e.profile(true)
	for i := range 70 {
		e.shipment(a, strconv.Itoa(1000+i), t0.Add(-time.Duration(i+1)*time.Minute))
		e.shipment(b, strconv.Itoa(2000+i), t0.Add(-time.Duration(i+1)*time.Minute))
	}
	sums := e.poll(context.Background())
	calls := 0
	for _, s := range sums {
		calls += s.Calls
		if !s.Finished || s.Considered != 70 {
			t.Fatalf("summary %+v, want 70 considered and finished", s)
		}
	}
	at := e.stream.at
	if calls != 140 || len(at) != 140 {
		t.Fatalf("%d calls counted, %d made, want 140", calls, len(at))
	}
	for i := 0; i+dispatchpoll.DefaultPerMinute < len(at); i++ {
		j := i + dispatchpoll.DefaultPerMinute
		if d := at[j].Sub(at[i]); d < time.Minute {
			t.Fatalf("requests %d and %d are %s apart: %d requests within a minute", i, j, d, dispatchpoll.DefaultPerMinute+1)
		}
	}
	// Not slower than the budget needs: 140 requests fit in under three
	// minutes of the fake clock.
	if span := at[len(at)-1].Sub(at[0]); span >= 3*time.Minute {
		t.Fatalf("140 requests took %s of the fake clock", span)
	}
}

// A poll stops before its deadline, stores its cursor, and the next poll
// resumes there: every order is read once across the two, and the pass
// after that starts afresh.
func TestResumeAfterDeadline(t *testing.T) {
	// The deadline is real; the fake clock maps onto it from the moment
	// each run starts, and every Stream read takes ten fake minutes.
	var base time.Time
	var fakeBase time.Time
	var clk *clock
	e := newEnv(t, func(c *dispatchpoll.Config) {
		c.Wall = func() time.Time { return base.Add(clk.Now().Sub(fakeBase)) }
	})
	clk = e.clk
	e.stream.perCall = 10 * time.Minute
	p := e.profile(true)
	for i := range 10 {
		sh := e.shipment(p, strconv.Itoa(100+i), t0.Add(-time.Duration(10-i)*time.Hour))
		e.stream.set(order(p, sh.StreamOrderNo, "PLANNED", "RUN 02", i+1))
	}
	run := func() dispatchpoll.Summary {
		t.Helper()
		base, fakeBase = time.Now(), clk.Now()
		ctx, cancel := context.WithDeadline(context.Background(), base.Add(time.Hour))
		defer cancel()
		sums := e.poll(ctx)
		if len(sums) != 1 {
			t.Fatalf("summaries %+v", sums)
		}
		return sums[0]
	}
	// An hour less the 15 s reserve: six reads of ten minutes fit.
	first := run()
	if first.Finished || first.Problem == "" || first.Calls != 6 || first.Queued != 6 {
		t.Fatalf("first poll %+v, want 6 calls and stopped", first)
	}
	cursor, err := e.shipments.PollCursor(context.Background(), p.ID)
	if err != nil || cursor == "" {
		t.Fatalf("cursor after stopping = %q, %v", cursor, err)
	}
	firstReads := e.stream.takeReads()
	second := run()
	if !second.Finished || second.Calls != 4 || second.Queued != 4 {
		t.Fatalf("second poll %+v, want the last 4 and finished", second)
	}
	all := append(firstReads, e.stream.takeReads()...)
	sort.Strings(all)
	want := []string{"P100", "P101", "P102", "P103", "P104", "P105", "P106", "P107", "P108", "P109"}
	if !slices.Equal(all, want) {
		t.Fatalf("reads across two polls %v, want each order once", all)
	}
	if msgs := e.sink.take(t); len(msgs) != 10 {
		t.Fatalf("%d messages, want 10", len(msgs))
	}
	if c, _ := e.shipments.PollCursor(context.Background(), p.ID); c != "" {
		t.Fatalf("cursor after the pass ended = %q", c)
	}
	third := run()
	if third.Calls != 6 || third.Queued != 0 {
		t.Fatalf("a new pass %+v, want 6 reads (to the deadline) and nothing queued", third)
	}
	if got := e.stream.takeReads(); got[0] != "P100" {
		t.Fatalf("a new pass read %v, want it to start at the oldest", got)
	}
}

// A Stream failure ends the profile's poll with a problem in words and
// keeps the cursor at the last order done; the run itself succeeds.
func TestStreamFailureKeepsCursor(t *testing.T) {
	e := newEnv(t, nil)
	p := e.profile(true)
	for i := range 3 {
		sh := e.shipment(p, strconv.Itoa(100+i), t0.Add(-time.Duration(3-i)*time.Hour))
		e.stream.set(order(p, sh.StreamOrderNo, "PLANNED", "RUN 02", i+1))
	}
	e.stream.fail["P101"] = errors.New("stream get order P101: 503 Service Unavailable")
	sums := e.poll(context.Background())
	if len(sums) != 1 || sums[0].Finished || sums[0].Queued != 1 || sums[0].Problem == "" {
		t.Fatalf("summaries %+v, want one queued and a problem", sums)
	}
	e.stream.takeReads()
	delete(e.stream.fail, "P101")
	e.poll(context.Background())
	if got := e.stream.takeReads(); !slices.Equal(got, []string{"P101", "P102"}) {
		t.Fatalf("after the failure the poll read %v, want it to resume at P101", got)
	}
	if msgs := e.sink.take(t); len(msgs) != 3 {
		t.Fatalf("%d messages, want 3", len(msgs))
	}
}

// Summaries encode with the names POST /local/poll answers with.
func TestSummaryJSON(t *testing.T) {
	b, err := json.Marshal(dispatchpoll.Summary{Profile: "abc", Considered: 3, Changed: 2, Queued: 2, Calls: 3, Finished: true})
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"profile":"abc","considered":3,"changed":2,"queued":2,"calls":3,"finished":true}` {
		t.Fatalf("summary JSON %s", b)
	}
}
