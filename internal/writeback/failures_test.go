package writeback_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworkssandbox"
	"linnstream/internal/profile"
	"linnstream/internal/shipment"
	"linnstream/internal/wizard"
	"linnstream/internal/writeback"
)

func refusal(tok, orderID string, msgs ...string) []byte {
	b, _ := json.Marshal(writeback.Message{ProfileID: profile.ID(tok), OrderID: orderID, Source: writeback.SourceLabel, Refused: msgs})
	return b
}

// TestRefusalMarksErrorFromStreamOnce: Error from Stream and one note with
// Stream's messages, however often the same refusal comes; a later created
// order takes Error from Stream off again.
func TestRefusalMarksErrorFromStreamOnce(t *testing.T) {
	e := newEnv(t)
	tok := e.addProfile(nil)
	e.writer()
	const num = 500001
	e.addOrder(num, "URGENT")
	msg := "Email (header.customer.contact.email): is not an email address [INVALID]"
	for range 3 {
		e.mustHandle(refusal(tok, strconv.Itoa(num), msg))
	}
	if got := e.tags(num); !slices.Equal(got, sorted(linnworks.TagError, "URGENT")) {
		t.Fatalf("after the refusal: identifiers %v", got)
	}
	want := "Error from Stream: " + msg
	if notes := e.noteTexts(num); !slices.Equal(notes, []string{want}) {
		t.Fatalf("after the refusal: notes %q, want [%q]", notes, want)
	}
	// Once a label goes through, the order is Sent to Stream and no longer
	// in error; the old refusal, delivered late, changes nothing.
	e.mustHandle(e.label(tok, num)[0].Body)
	e.mustHandle(refusal(tok, strconv.Itoa(num), msg))
	if got := e.tags(num); !slices.Equal(got, sorted(sent, "URGENT")) {
		t.Fatalf("after the label: identifiers %v", got)
	}
	if notes := e.noteTexts(num); len(notes) != 1 {
		t.Fatalf("after the label: notes %q", notes)
	}
	e.checkJournal()
}

// TestDroppedMessages are logged and deleted without a Linnworks write.
func TestDroppedMessages(t *testing.T) {
	e := newEnv(t)
	owner := e.addProfile(nil)
	other := e.addProfile(nil)
	noToken := e.addProfile(nil)
	deleted := e.addProfile(nil)
	e.writer()
	ctx := context.Background()
	for _, id := range []string{profile.ID(noToken), profile.ID(deleted)} {
		p, err := e.profiles.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if id == profile.ID(noToken) {
			delete(p.Secrets, wizard.ItemLinnworksAPIToken)
		} else {
			p.Deleted = true
		}
		if err := e.profiles.Update(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	const num = 600001
	e.addOrder(num)
	e.label(owner, num)
	sh := e.shipmentOf(owner, num)
	before := e.writes()
	for _, c := range []struct {
		name, log string
		body      []byte
	}{
		// The other profile shares the Stream account, so Stream answers;
		// the shipment is not its own.
		{"another profile's order", "not an order of this profile", webhook(other, sh.StreamOrderNo, "DELIVERED")},
		{"another profile's order by consignment", "not an order of this profile", webhook(other, sh.ConsignmentNo, "DELIVERED")},
		{"no Linnworks token", "has no Linnworks API token", webhook(noToken, sh.StreamOrderNo, "DELIVERED")},
		{"deleted profile", "the profile was deleted", webhook(deleted, sh.StreamOrderNo, "DELIVERED")},
		{"unknown profile", "the profile does not exist", webhook("tok-unknown", sh.StreamOrderNo, "DELIVERED")},
		{"unknown Stream order", "Stream does not know the order", webhook(owner, "NOSUCHORDER", "DELIVERED")},
	} {
		if err := e.w.Handle(ctx, c.body); err != nil {
			t.Errorf("%s: Handle = %v, want nil (dropped)", c.name, err)
		}
		if !strings.Contains(e.logs.String(), c.log) {
			t.Errorf("%s: no log line %q", c.name, c.log)
		}
	}
	if n := e.writes() - before; n != 0 {
		t.Errorf("dropped messages made %d Linnworks writes", n)
	}
	if got := e.tags(num); len(got) != 0 {
		t.Errorf("dropped messages changed the order: identifiers %v", got)
	}
}

// TestBadMessagesGoToTheDeadLetterQueue: an unusable body fails every
// receive (so the queue dead-letters it) and is logged without its content.
func TestBadMessagesGoToTheDeadLetterQueue(t *testing.T) {
	e := newEnv(t)
	e.writer()
	for _, body := range []string{
		`not json`, `{"profileId":"p1"}`, `{"ref":"R1"}`, `{"profileId":"p1","refused":["x"]}`,
		`{"profileId":"p1","ref":"R1"} {"profileId":"p2"}`, `[1,2]`, `{"profileId":5,"ref":"R1"}`,
	} {
		err := e.w.Handle(context.Background(), []byte(body))
		if !errors.Is(err, writeback.ErrBadMessage) {
			t.Errorf("Handle(%s) = %v, want ErrBadMessage", body, err)
		}
	}
	if l := e.logs.String(); !strings.Contains(l, "leaving it for the dead-letter queue") || strings.Contains(l, "not json") {
		t.Errorf("bad bodies logged wrongly:\n%s", l)
	}
}

// TestRevokedTokenWaitsForANewOne: the profile records the refusal, every
// receive fails (to the dead-letter queue) without calling Linnworks again,
// and once a working token is saved the same message applies.
func TestRevokedTokenWaitsForANewOne(t *testing.T) {
	e := newEnv(t)
	tok := e.addProfile(nil)
	e.writer()
	const num = 700001
	e.addOrder(num)
	body := e.label(tok, num)[0].Body
	e.lw.RevokeInstallToken(lwToken)
	if _, err := e.handle(body, 1); !errors.Is(err, writeback.ErrTokenRefused) || strings.Contains(err.Error(), lwToken) {
		t.Fatalf("Handle with a revoked token = %v, want ErrTokenRefused (without the token)", err)
	}
	p, err := e.profiles.Get(context.Background(), profile.ID(tok))
	if err != nil || p.LinnworksTokenRefused.IsZero() {
		t.Fatalf("the profile does not record the refusal: %v", err)
	}
	calls := len(e.lw.Journal())
	if n, err := e.handle(body, 5); n != 5 || !errors.Is(err, writeback.ErrTokenRefused) {
		t.Fatalf("later receives: %d, %v; want 5 failures", n, err)
	}
	if n := len(e.lw.Journal()) - calls; n != 0 {
		t.Fatalf("held messages called Linnworks %d times", n)
	}
	// Saving a token that works clears the mark (the wizard does it; see
	// internal/wizard), and the message (redriven) applies.
	if err := e.lw.AddInstallToken(lwToken); err != nil {
		t.Fatal(err)
	}
	p.LinnworksTokenRefused = time.Time{}
	if err := e.profiles.Update(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	e.mustHandle(body)
	if got := e.tags(num); !slices.Equal(got, []string{sent}) {
		t.Fatalf("after a new token: identifiers %v", got)
	}
	if l := e.logs.String(); strings.Contains(l, lwToken) || strings.Contains(l, strings.ReplaceAll(lwToken, "-", "")) || strings.Contains(l, "sandbox-secret") {
		t.Errorf("the logs hold a secret:\n%s", l)
	}
}

// endState is what the Linnworks order shows, for comparing runs.
type endState struct {
	tracking  string
	tags      []string
	notes     []string
	processed bool
}

func (e *env) endState(num int) endState {
	o := e.order(num)
	return endState{tracking: o.TrackingNumber, tags: e.tags(num), notes: e.noteTexts(num), processed: o.Processed}
}

func (s endState) equal(o endState) bool {
	return s.tracking == o.tracking && slices.Equal(s.tags, o.tags) && slices.Equal(s.notes, o.notes) && s.processed == o.processed
}

// lifecycle labels, plans, re-plans (twice, the second time onto RUN 05
// stop 25, which takes a note) and delivers order num, calling each for the write-back
// message of each step as it happens.
func lifecycle(e *env, tok string, num int, each func(body []byte)) {
	e.t.Helper()
	each(e.label(tok, num)[0].Body)
	sh := e.shipmentOf(tok, num)
	e.plan(sh.StreamOrderNo, "RUN 03", 4, "2026-11-23")
	each(webhook(tok, sh.ConsignmentNo, "LOCKPLANNING"))
	each(webhook(tok, sh.StreamOrderNo, "PLANNEDDELIVERY"))
	e.plan(sh.StreamOrderNo, "RUN 04", 2, "2026-11-24")
	each(webhook(tok, sh.StreamOrderNo, "LOCKPLANNING"))
	e.plan(sh.StreamOrderNo, "RUN 05", 25, "2026-11-25")
	each(webhook(tok, sh.ConsignmentNo, "LOCKPLANNING"))
	e.deliver(sh.StreamOrderNo)
	each(webhook(tok, sh.ConsignmentNo, "DISPATCHED"))
	each(webhook(tok, sh.StreamOrderNo, "DELIVERED"))
}

// TestRedeliveredAndShuffledMessages: every message delivered three times in
// a shuffled order gives the end state of one in-order delivery of each, with
// no more Linnworks writes.
func TestRedeliveredAndShuffledMessages(t *testing.T) {
	const num = 800001
	once := newEnv(t)
	tok := once.addProfile(nil)
	once.writer()
	once.addOrder(num, "URGENT")
	lifecycle(once, tok, num, once.mustHandle)
	want, wantWrites := once.endState(num), once.writes()
	if !want.processed || len(want.notes) != 1 || !slices.Contains(want.tags, run05) {
		t.Fatalf("one delivery of each ended as %+v", want)
	}
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			e := newEnv(t)
			tok := e.addProfile(nil)
			e.writer()
			e.addOrder(num, "URGENT")
			var bodies [][]byte
			lifecycle(e, tok, num, func(b []byte) { bodies = append(bodies, b, b, b) })
			rand.New(rand.NewPCG(seed, 42)).Shuffle(len(bodies), func(i, j int) { bodies[i], bodies[j] = bodies[j], bodies[i] })
			for _, b := range bodies {
				e.mustHandle(b)
			}
			got := e.endState(num)
			// The tracking number is this sandbox's own.
			got.tracking, want.tracking = "", ""
			if !got.equal(want) {
				t.Errorf("end state %+v, want %+v", got, want)
			}
			if n := e.writes(); n > wantWrites {
				t.Errorf("%d Linnworks writes, more than the %d of one in-order delivery", n, wantWrites)
			}
			e.checkJournal()
		})
	}
}

// flaky is a Linnworks port that breaks once, after the crashAt-th write
// has reached Linnworks: the write lands but Handle sees a failure, as when
// the function dies between two writes.
type flaky struct {
	writeback.Linnworks
	mu      sync.Mutex
	writes  int
	crashAt int
}

var errCrash = errors.New("crashed after the write")

func (f *flaky) after(err error) error {
	if err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes++
	if f.writes == f.crashAt {
		return errCrash
	}
	return nil
}

func (f *flaky) WriteTrackingNumber(ctx context.Context, token string, o linnworks.Order, tn string) (linnworks.ShippingInfo, error) {
	si, err := f.Linnworks.WriteTrackingNumber(ctx, token, o, tn)
	return si, f.after(err)
}

func (f *flaky) AssignIdentifier(ctx context.Context, token, tag string, ids ...string) (linnworks.AssignResult, error) {
	r, err := f.Linnworks.AssignIdentifier(ctx, token, tag, ids...)
	return r, f.after(err)
}

func (f *flaky) UnassignIdentifier(ctx context.Context, token, tag string, ids ...string) (linnworks.AssignResult, error) {
	r, err := f.Linnworks.UnassignIdentifier(ctx, token, tag, ids...)
	return r, f.after(err)
}

func (f *flaky) SetExtendedProperties(ctx context.Context, token, id string, p []linnworks.ExtendedProperty) ([]linnworks.ExtendedProperty, error) {
	r, err := f.Linnworks.SetExtendedProperties(ctx, token, id, p)
	return r, f.after(err)
}

func (f *flaky) AppendOrderNote(ctx context.Context, token, id, text string, internal bool) (linnworks.OrderNote, error) {
	n, err := f.Linnworks.AppendOrderNote(ctx, token, id, text, internal)
	return n, f.after(err)
}

func (f *flaky) AppendProcessedOrderNote(ctx context.Context, token, id, text string, internal bool) error {
	return f.after(f.Linnworks.AppendProcessedOrderNote(ctx, token, id, text, internal))
}

func (f *flaky) ProcessOrder(ctx context.Context, token, id string, o linnworks.ProcessOptions) (linnworks.ProcessResult, error) {
	r, err := f.Linnworks.ProcessOrder(ctx, token, id, o)
	return r, f.after(err)
}

// crashState sets up an order whose single write-back message needs every
// kind of write: tracking, three identifiers, the vehicle properties, a note
// (stop 25 is beyond SEQ 20) and processing.
func crashState(e *env, num int) []byte {
	e.t.Helper()
	tok := e.addProfile(func(s map[string]string) { s[wizard.ItemVehicleExtProps] = "true" })
	e.addOrder(num)
	e.label(tok, num)
	sh := e.shipmentOf(tok, num)
	e.plan(sh.StreamOrderNo, "RUN 03", 25, "2026-11-23")
	e.deliver(sh.StreamOrderNo)
	return webhook(tok, sh.ConsignmentNo, "DELIVERED")
}

func checkDelivered(t *testing.T, e *env, num int) {
	t.Helper()
	s := e.endState(num)
	if s.tracking == "" || !s.processed || !slices.Equal(s.tags, sorted(sent, run03, monday)) || len(s.notes) != 1 {
		t.Fatalf("end state %+v", s)
	}
	props := map[string]string{}
	for _, p := range e.order(num).Order.ExtendedProperties {
		props[p.Name] = p.Value
	}
	if props[writeback.PropDriver] != "Sam Driver" || props[writeback.PropVehicle] != "VAN 7" ||
		props[writeback.PropRun] != "RUN 03" || props[writeback.PropPlannedDate] != "2026-11-23" || len(props) != 4 {
		t.Fatalf("extended properties %v", props)
	}
}

// TestCrashBetweenLinnworksWrites: whichever write the function dies after,
// the retries finish the job without writing anything twice.
func TestCrashBetweenLinnworksWrites(t *testing.T) {
	const num, writes = 900001, 7
	for k := 1; k <= writes; k++ {
		t.Run(fmt.Sprintf("after write %d", k), func(t *testing.T) {
			e := newEnv(t)
			f := &flaky{Linnworks: e.lwClient, crashAt: k}
			e.port = f
			e.writer()
			body := crashState(e, num)
			n, err := e.handle(body, 5)
			if err != nil || n != 2 {
				t.Fatalf("applied after %d receives (%v), want 2", n, err)
			}
			checkDelivered(t, e, num)
			if got := e.writes(); got != writes {
				t.Fatalf("%d Linnworks writes, want %d (none repeated)", got, writes)
			}
			e.checkJournal()
		})
	}
}

// TestTransientFaults: Linnworks 429s and 5xx for the next N calls, and
// Stream 5xx, end in the right state after the queue's retries.
func TestTransientFaults(t *testing.T) {
	const num = 910001
	for _, c := range []struct {
		name  string
		fault func(e *env)
		codes []int
	}{
		{"linnworks 429", func(e *env) {
			must(t, e.lw.InjectFault(linnworkssandbox.Fault{Mode: linnworkssandbox.FaultRateLimit, Count: 12}))
		}, []int{429}},
		{"linnworks 5xx", func(e *env) {
			must(t, e.lw.InjectFault(linnworkssandbox.Fault{Mode: linnworkssandbox.FaultError, Count: 5}))
		}, []int{500}},
		{"stream 5xx", func(e *env) {
			e.admin("faults", map[string]any{"mode": "error", "count": 7, "status": 503})
		}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			e.writer()
			body := crashState(e, num)
			e.lw.ClearJournal()
			c.fault(e)
			n, err := e.handle(body, 5)
			if err != nil {
				t.Fatalf("not applied after 5 receives: %v", err)
			}
			checkDelivered(t, e, num)
			if got := e.writes(); got != 7 {
				t.Fatalf("%d Linnworks writes, want 7", got)
			}
			e.checkJournal(c.codes...)
			faulted := 0
			for _, j := range e.lw.Journal() {
				if slices.Contains(c.codes, j.Status) {
					faulted++
				}
			}
			switch {
			case c.codes != nil && faulted == 0:
				t.Fatalf("no call met the injected fault")
			case c.codes == nil && n < 2:
				t.Fatalf("applied at the first receive: the Stream fault did not bite")
			}
			t.Logf("applied at receive %d; %d Linnworks calls met the fault", n, faulted)
		})
	}
}

// TestPersistentFailureKeepsFailing: a Linnworks that keeps failing makes
// every receive fail, so the queue dead-letters the message; nothing is
// half-recorded.
func TestPersistentFailureKeepsFailing(t *testing.T) {
	const num = 920001
	e := newEnv(t)
	e.writer()
	body := crashState(e, num)
	must(t, e.lw.InjectFault(linnworkssandbox.Fault{Mode: linnworkssandbox.FaultError, Count: 1000}))
	if n, err := e.handle(body, 5); n != 5 || err == nil {
		t.Fatalf("%d receives, %v; want 5 failures", n, err)
	}
	e.lw.ClearFaults()
	e.mustHandle(body)
	checkDelivered(t, e, num)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestOrderStampedByAnotherProfileIsNotWritten: even a record of this
// profile's naming a Stream order does not let the write-back act when the
// order carries another profile's mark.
func TestOrderStampedByAnotherProfileIsNotWritten(t *testing.T) {
	e := newEnv(t)
	owner := e.addProfile(nil)
	other := e.addProfile(func(s map[string]string) { s[wizard.ItemOrderNumberPrefix] = "B" })
	e.writer()
	ctx := context.Background()
	const num = 600002
	e.addOrder(num)
	e.label(other, num)
	theirs := e.shipmentOf(other, num)
	// A record in the owner's store that names the other profile's order
	// (as a store restored from the wrong backup would).
	forged := *theirs
	forged.ProfileID = profile.ID(owner)
	forged.State, forged.Version = shipment.StatePending, 0
	forged.ClaimID, forged.LeaseUntil = "forged", e.clk.Now().Add(time.Minute)
	stored, _, err := e.shipments.Claim(ctx, &forged, e.clk.Now())
	if err != nil {
		t.Fatal(err)
	}
	stored.State = shipment.StateCreated
	if err := e.shipments.Update(ctx, stored); err != nil {
		t.Fatal(err)
	}
	before := e.writes()
	if err := e.w.Handle(ctx, webhook(owner, theirs.StreamOrderNo, "DELIVERED")); err != nil {
		t.Fatalf("Handle = %v, want nil (dropped)", err)
	}
	if !strings.Contains(e.logs.String(), "carries another profile's mark") {
		t.Errorf("no log line saying why the order was dropped:\n%s", e.logs.String())
	}
	if n := e.writes() - before; n != 0 {
		t.Errorf("an order stamped by another profile made %d Linnworks writes", n)
	}
}

// processedFirst is a Linnworks port on which someone else processes the
// order just before the write-back asks to, as a message about the same
// order under its other Stream reference (another queue group) may.
type processedFirst struct {
	writeback.Linnworks
	raced int
}

func (p *processedFirst) ProcessOrder(ctx context.Context, token, id string, o linnworks.ProcessOptions) (linnworks.ProcessResult, error) {
	if _, err := p.Linnworks.ProcessOrder(ctx, token, id, o); err != nil {
		return linnworks.ProcessResult{}, err
	}
	p.raced++
	return p.Linnworks.ProcessOrder(ctx, token, id, o)
}

// TestProcessedMeanwhileIsNotANote: Linnworks refusing to process an order
// because it was processed since the write-back read it is what the
// write-back wanted; it notes nothing and does not try again.
func TestProcessedMeanwhileIsNotANote(t *testing.T) {
	const num = 900101
	e := newEnv(t)
	p := &processedFirst{Linnworks: e.lwClient}
	e.port = p
	e.writer()
	tok := e.addProfile(nil)
	e.addOrder(num)
	e.label(tok, num)
	sh := e.shipmentOf(tok, num)
	e.plan(sh.StreamOrderNo, "RUN 03", 4, "2026-11-23")
	e.deliver(sh.StreamOrderNo)
	body := webhook(tok, sh.ConsignmentNo, "DELIVERED")
	e.mustHandle(body)
	if s := e.endState(num); p.raced != 1 || !s.processed || len(s.notes) != 0 {
		t.Fatalf("after the race (%d) the order ends as %+v, want processed without a note", p.raced, s)
	}
	writes := e.writes()
	e.mustHandle(webhook(tok, sh.StreamOrderNo, "DELIVERED"))
	if n := e.writes(); n != writes || p.raced != 1 {
		t.Errorf("a later message wrote %d more times (%d races)", n-writes, p.raced)
	}
	e.checkJournal()
}
