package shipment_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"linnstream/internal/shipment"
	"linnstream/internal/shipment/shipmenttest"
	"linnstream/internal/stream"
)

// fakeStream answers with the functions it is given.
type fakeStream struct {
	create  func(ctx context.Context, o *stream.Order) (*stream.CreateResult, error)
	get     func(ctx context.Context, id string) (*stream.OrderDetail, error)
	creates atomic.Int32
	gets    atomic.Int32
}

func (f *fakeStream) CreateOrder(ctx context.Context, o *stream.Order) (*stream.CreateResult, error) {
	f.creates.Add(1)
	return f.create(ctx, o)
}

func (f *fakeStream) GetOrder(ctx context.Context, id string) (*stream.OrderDetail, error) {
	f.gets.Add(1)
	if f.get == nil {
		return nil, &stream.NotFoundError{Op: "get order " + id, Status: 404}
	}
	return f.get(ctx, id)
}

func accepted(o *stream.Order) *stream.CreateResult {
	no := o.Header.OrderNo
	return &stream.CreateResult{ConsignmentNo: "C-" + no, OrderNo: no, CustomerOrderNo: o.Header.CustomerOrderNo,
		TrackingID: "TRK" + no, TrackingURL: "https://track.example/TRK" + no}
}

type unitEnv struct {
	clk     *shipmenttest.Clock
	store   *shipment.MemStore
	creator *shipment.Creator
	profile string
}

func newUnitEnv(t *testing.T) *unitEnv {
	clk := shipmenttest.NewClock(shipmenttest.T0)
	st := shipment.NewMemStore(clk.Now)
	return &unitEnv{clk: clk, store: st, profile: shipmenttest.ProfileID(t),
		creator: &shipment.Creator{Store: st, Now: clk.Now, PollMin: time.Millisecond, PollMax: 2 * time.Millisecond}}
}

func (e *unitEnv) request(orderID string, s shipment.Stream) shipment.EnsureRequest {
	return shipment.EnsureRequest{ProfileID: e.profile, OrderID: orderID, Origin: shipment.OriginSync,
		Order: shipmenttest.Order("LS"+orderID, orderID), Stream: s}
}

func TestEnsureRecordsDetailsFromOrder(t *testing.T) {
	e := newUnitEnv(t)
	f := &fakeStream{create: func(_ context.Context, o *stream.Order) (*stream.CreateResult, error) { return accepted(o), nil }}
	req := e.request("100001", f)
	req.Details = shipment.Details{OrderReference: "REF-100001", ServiceName: "Next Day",
		Packages: []shipment.Package{{SequenceNumber: 1, WeightGrams: 1250}}, TotalWeightGrams: 1250}
	s, err := e.creator.Ensure(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	want := shipment.Shipment{ProfileID: e.profile, OrderID: "100001",
		Details: shipment.Details{OrderReference: "REF-100001", ServiceName: "Next Day", DeliveryMethod: "Delivery",
			ConsigneeName: "Ada Lovelace", ConsigneePostcode: "LS1 1AA",
			Packages: []shipment.Package{{SequenceNumber: 1, WeightGrams: 1250}}, TotalWeightGrams: 1250},
		StreamOrderNo: "LS100001", ConsignmentNo: "C-LS100001", CustomerOrderNo: "REF-100001",
		TrackingID: "TRKLS100001", TrackingURL: "https://track.example/TRKLS100001",
		State: shipment.StateCreated, Origin: shipment.OriginSync,
		CreatedAt: shipmenttest.T0, UpdatedAt: shipmenttest.T0, Version: 2}
	if d := shipmenttest.Diff(&want, s); d != "" {
		t.Fatalf("created shipment: %s", d)
	}
	if d := shipmenttest.Diff(&want, shipmenttest.MustGet(t, e.store, e.profile, "100001")); d != "" {
		t.Fatalf("stored shipment: %s", d)
	}
}

func TestEnsureRejectsIncompleteRequests(t *testing.T) {
	e := newUnitEnv(t)
	f := &fakeStream{}
	for name, breakIt := range map[string]func(r *shipment.EnsureRequest){
		"no profile":      func(r *shipment.EnsureRequest) { r.ProfileID = "" },
		"no order ID":     func(r *shipment.EnsureRequest) { r.OrderID = "" },
		"bad origin":      func(r *shipment.EnsureRequest) { r.Origin = "manual" },
		"no order":        func(r *shipment.EnsureRequest) { r.Order = nil },
		"no order number": func(r *shipment.EnsureRequest) { r.Order.Header.OrderNo = " " },
		"no client":       func(r *shipment.EnsureRequest) { r.Stream = nil },
	} {
		req := e.request("100002", f)
		breakIt(&req)
		if _, err := e.creator.Ensure(t.Context(), req); err == nil {
			t.Errorf("Ensure with %s succeeded", name)
		}
	}
	if _, err := e.store.Get(t.Context(), e.profile, "100002"); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("a refused request claimed the order: %v", err)
	}
	if f.creates.Load() != 0 {
		t.Fatal("a refused request called Stream")
	}
}

// pollHook calls hook once, on the first Get after armed is set.
type pollHook struct {
	*shipment.MemStore
	armed atomic.Bool
	hook  func()
}

func (p *pollHook) Get(ctx context.Context, profileID, orderID string) (*shipment.Shipment, error) {
	if p.armed.CompareAndSwap(true, false) {
		p.hook()
	}
	return p.MemStore.Get(ctx, profileID, orderID)
}

func TestWaiterSharesTheHoldersRefusal(t *testing.T) {
	e := newUnitEnv(t)
	holder := shipmenttest.MustClaim(t, e.store, shipmenttest.Pending(e.profile, "100003", e.clk.Now()), e.clk.Now(), shipment.ClaimedNew)
	hooked := &pollHook{MemStore: e.store}
	hooked.hook = func() {
		// While the waiter polls, the holder is refused.
		holder.State = shipment.StateFailed
		holder.LastError = "UNKNOWNMETHOD: delivery.deliveryMethod: \"Hovercraft\"\nREQUIRED: delivery.items[0].code: is required"
		holder.ClaimID = ""
		shipmenttest.MustUpdate(t, e.store, holder)
	}
	hooked.armed.Store(true)
	e.creator.Store = hooked
	f := &fakeStream{create: func(_ context.Context, o *stream.Order) (*stream.CreateResult, error) { return accepted(o), nil }}
	_, err := e.creator.Ensure(t.Context(), e.request("100003", f))
	var refused *shipment.RefusedError
	if !errors.As(err, &refused) || len(refused.Messages) != 2 || !strings.HasPrefix(refused.Messages[1], "REQUIRED") {
		t.Fatalf("waiter got %v, want the holder's refusal with both messages", err)
	}
	if f.creates.Load() != 0 {
		t.Fatal("the waiter posted the order the holder was refused")
	}
	// A later request (say, after the data was corrected) claims again.
	if _, err := e.creator.Ensure(t.Context(), e.request("100003", f)); err != nil || f.creates.Load() != 1 {
		t.Fatalf("later Ensure: %v after %d creates", err, f.creates.Load())
	}
}

func TestWaiterTakesOverWhenTheLeaseEnds(t *testing.T) {
	e := newUnitEnv(t)
	dead := shipmenttest.Pending(e.profile, "100004", e.clk.Now())
	dead.LeaseUntil = e.clk.Now().Add(shipment.DefaultLease)
	shipmenttest.MustClaim(t, e.store, dead, e.clk.Now(), shipment.ClaimedNew)
	// The holder died right after claiming: nothing renews its claim, which
	// ends one DefaultLease after it was made.
	hooked := &pollHook{MemStore: e.store, hook: func() { e.clk.Advance(shipment.DefaultLease) }}
	hooked.armed.Store(true)
	e.creator.Store = hooked
	f := &fakeStream{create: func(_ context.Context, o *stream.Order) (*stream.CreateResult, error) { return accepted(o), nil }}
	s, err := e.creator.Ensure(t.Context(), e.request("100004", f))
	if err != nil {
		t.Fatal(err)
	}
	// The stored order number (P100004, from the crashed holder) was read
	// first; Stream did not have it, so the request's order was recorded
	// and posted.
	if f.gets.Load() != 1 || f.creates.Load() != 1 || s.StreamOrderNo != "LS100004" || s.ConsignmentNo != "C-LS100004" {
		t.Fatalf("after take-over: %d reads %d creates, order %s consignment %s", f.gets.Load(), f.creates.Load(), s.StreamOrderNo, s.ConsignmentNo)
	}
}

func TestEventBeforeCreateIsKept(t *testing.T) {
	e := newUnitEnv(t)
	at := e.clk.Now().Add(time.Second)
	f := &fakeStream{}
	f.create = func(ctx context.Context, o *stream.Order) (*stream.CreateResult, error) {
		// Stream's webhook is applied before the create's answer is recorded.
		_, applied, err := e.creator.RecordProgress(ctx, e.profile, "100005", shipment.Progress{At: at, StreamStatus: "PLANNED", Run: "RUN 01", Sequence: 4})
		if err != nil || !applied {
			t.Errorf("RecordProgress on the pending record: applied=%v %v", applied, err)
		}
		return accepted(o), nil
	}
	s, err := e.creator.Ensure(t.Context(), e.request("100005", f))
	if err != nil {
		t.Fatal(err)
	}
	if s.State != shipment.StateCreated || s.ConsignmentNo != "C-LS100005" || s.Run != "RUN 01" || s.Sequence != 4 || s.StreamStatus != "PLANNED" || !s.LastEventAt.Equal(at) {
		t.Fatalf("created record lost the event or the create: %+v", s)
	}
}

func TestLostClaimReturnsTheNewHoldersOutcome(t *testing.T) {
	e := newUnitEnv(t)
	f := &fakeStream{}
	f.create = func(ctx context.Context, o *stream.Order) (*stream.CreateResult, error) {
		// This request stalls past its lease; another takes over, finds the
		// order in Stream and records it.
		later := e.clk.Now().Add(3 * time.Minute)
		taker := shipmenttest.Pending(e.profile, "100006", later)
		taker.ClaimID = "taker"
		rec := shipmenttest.MustClaim(t, e.store, taker, later, shipment.ClaimedExpired)
		rec.State = shipment.StateCreated
		rec.ConsignmentNo = "C-" + o.Header.OrderNo
		rec.TrackingID = "TAKER-TRK"
		rec.ClaimID = ""
		shipmenttest.MustUpdate(t, e.store, rec)
		return accepted(o), nil
	}
	s, err := e.creator.Ensure(t.Context(), e.request("100006", f))
	if err != nil {
		t.Fatal(err)
	}
	if s.TrackingID != "TAKER-TRK" || s.Version != 3 {
		t.Fatalf("Ensure returned tracking %q version %d, want the record the taker wrote (TAKER-TRK, 3)", s.TrackingID, s.Version)
	}
	if f.creates.Load() != 1 {
		t.Fatalf("%d creates, want 1", f.creates.Load())
	}
}

func TestUnknownOutcomeReadsBeforePostingAgain(t *testing.T) {
	e := newUnitEnv(t)
	var posted []string
	f := &fakeStream{}
	f.create = func(_ context.Context, o *stream.Order) (*stream.CreateResult, error) {
		posted = append(posted, "create")
		if len(posted) == 1 {
			return nil, &stream.OutcomeUnknownError{Op: "create order", OrderNo: o.Header.OrderNo, Err: errors.New("connection reset")}
		}
		return accepted(o), nil
	}
	f.get = func(_ context.Context, id string) (*stream.OrderDetail, error) {
		posted = append(posted, "get")
		return nil, &stream.NotFoundError{Op: "get order " + id, Status: 404}
	}
	s, err := e.creator.Ensure(t.Context(), e.request("100007", f))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(posted, ","); got != "create,get,create" || s.ConsignmentNo != "C-LS100007" {
		t.Fatalf("calls %s consignment %s, want create,get,create", got, s.ConsignmentNo)
	}
}

func TestDuplicateRefusalWithoutOrderIsNotAFailure(t *testing.T) {
	e := newUnitEnv(t)
	f := &fakeStream{create: func(_ context.Context, o *stream.Order) (*stream.CreateResult, error) {
		return nil, &stream.ValidationError{Op: "create order", Status: 422,
			Messages: []stream.Message{{Code: "DUPLICATE", Description: "orderNo exists", Severity: "ERROR"}}}
	}}
	_, err := e.creator.Ensure(t.Context(), e.request("100008", f))
	if !errors.Is(err, shipment.ErrPending) || errors.Is(err, shipment.ErrRefused) {
		t.Fatalf("Ensure when Stream says duplicate but cannot show it: %v, want ErrPending", err)
	}
	rec := shipmenttest.MustGet(t, e.store, e.profile, "100008")
	if rec.State != shipment.StatePending || rec.LeaseUntil.After(e.clk.Now()) {
		t.Fatalf("record %s lease %s, want pending with its lease ended", rec.State, rec.LeaseUntil)
	}
	if f.creates.Load() != 3 || f.gets.Load() != 3 {
		t.Fatalf("%d creates %d reads, want each create followed by a read, 3 rounds", f.creates.Load(), f.gets.Load())
	}
}

func TestRecordSurvivesTheCallersDeadline(t *testing.T) {
	e := newUnitEnv(t)
	ctx, cancel := context.WithCancel(t.Context())
	f := &fakeStream{create: func(_ context.Context, o *stream.Order) (*stream.CreateResult, error) {
		cancel() // the handler's deadline passes while Stream answers
		return accepted(o), nil
	}}
	s, err := e.creator.Ensure(ctx, e.request("100009", f))
	if err != nil || s.State != shipment.StateCreated {
		t.Fatalf("Ensure: %v", err)
	}
	if got := shipmenttest.MustGet(t, e.store, e.profile, "100009"); got.State != shipment.StateCreated || got.ConsignmentNo != "C-LS100009" {
		t.Fatalf("stored %s %q: an accepted order was not recorded", got.State, got.ConsignmentNo)
	}
}

func TestOtherErrorsLeaveTheRecordForAReadFirst(t *testing.T) {
	e := newUnitEnv(t)
	f := &fakeStream{create: func(context.Context, *stream.Order) (*stream.CreateResult, error) {
		return nil, &stream.RateLimitError{Op: "create order", Attempts: 8}
	}}
	_, err := e.creator.Ensure(t.Context(), e.request("100010", f))
	var rl *stream.RateLimitError
	if !errors.Is(err, shipment.ErrPending) || !errors.As(err, &rl) {
		t.Fatalf("Ensure when rate limited: %v, want ErrPending wrapping the rate limit", err)
	}
	rec := shipmenttest.MustGet(t, e.store, e.profile, "100010")
	if rec.State != shipment.StatePending || !strings.Contains(rec.LastError, "rate limited") || rec.LeaseUntil.After(e.clk.Now()) {
		t.Fatalf("record %s %q lease %s", rec.State, rec.LastError, rec.LeaseUntil)
	}
	f.create = func(_ context.Context, o *stream.Order) (*stream.CreateResult, error) { return accepted(o), nil }
	e.clk.Advance(time.Second)
	if _, err := e.creator.Ensure(t.Context(), e.request("100010", f)); err != nil {
		t.Fatal(err)
	}
	if f.gets.Load() != 1 || f.creates.Load() != 2 {
		t.Fatalf("%d reads %d creates, want the retry to read before its create", f.gets.Load(), f.creates.Load())
	}
}

func TestLocalRefusalFailsWithoutPosting(t *testing.T) {
	e := newUnitEnv(t)
	sb := shipmenttest.NewSandbox(t)
	req := e.request("100011", sb.Client)
	req.Order.Header.OrderNo = "ORDER-NUMBER-TOO-LONG"
	_, err := e.creator.Ensure(t.Context(), req)
	var ve *stream.ValidationError
	if !errors.Is(err, shipment.ErrRefused) || !errors.As(err, &ve) || !ve.Local {
		t.Fatalf("Ensure of an order number over 17 characters: %v, want a local refusal", err)
	}
	if rec := shipmenttest.MustGet(t, e.store, e.profile, "100011"); rec.State != shipment.StateFailed || !strings.Contains(rec.LastError, "17") {
		t.Fatalf("record %s %q, want failed naming the limit", rec.State, rec.LastError)
	}
	if n := len(sb.Orders(t, "ORDER-NUMBER-TOO-LONG")); n != 0 {
		t.Fatalf("Stream holds %d orders", n)
	}
}

func TestRecordProgress(t *testing.T) {
	e := newUnitEnv(t)
	shipmenttest.Created(t, e.store, e.profile, "100012", e.clk.Now())
	t1 := e.clk.Now().Add(time.Hour)
	s, applied, err := e.creator.RecordProgress(t.Context(), e.profile, "100012", shipment.Progress{At: t1, StreamStatus: "PLANNED",
		Run: "RUN 03", Day: "Friday", Sequence: 12, TrackingURL: "https://track.example/new"})
	if err != nil || !applied {
		t.Fatalf("RecordProgress: applied=%v %v", applied, err)
	}
	if s.Run != "RUN 03" || s.Day != "Friday" || s.Sequence != 12 || s.StreamStatus != "PLANNED" || s.TrackingURL != "https://track.example/new" ||
		s.TrackingID != "TRK100012" || !s.LastEventAt.Equal(t1) {
		t.Fatalf("after progress: %+v", s)
	}
	_, applied, err = e.creator.RecordProgress(t.Context(), e.profile, "100012", shipment.Progress{At: t1.Add(-time.Minute), StreamStatus: "CONFIRMED", Run: "RUN 09"})
	if err != nil || applied {
		t.Fatalf("older report: applied=%v %v, want ignored", applied, err)
	}
	if got := shipmenttest.MustGet(t, e.store, e.profile, "100012"); got.Run != "RUN 03" || got.StreamStatus != "PLANNED" {
		t.Fatalf("an older report overwrote the record: %s %s", got.Run, got.StreamStatus)
	}
	s, applied, err = e.creator.RecordProgress(t.Context(), e.profile, "100012", shipment.Progress{At: t1.Add(time.Minute), StreamStatus: "CANCELLED"})
	if err != nil || !applied || s.State != shipment.StateCancelled {
		t.Fatalf("CANCELLED report: state %s applied=%v %v", s.State, applied, err)
	}
	if _, _, err := e.creator.RecordProgress(t.Context(), e.profile, "999999", shipment.Progress{StreamStatus: "PLANNED"}); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("report for an unknown order: %v, want ErrNotFound", err)
	}
}

func TestCancelNeedsACreatedOrder(t *testing.T) {
	e := newUnitEnv(t)
	shipmenttest.MustClaim(t, e.store, shipmenttest.Pending(e.profile, "100013", e.clk.Now()), e.clk.Now(), shipment.ClaimedNew)
	if _, err := e.creator.Cancel(t.Context(), e.profile, "100013"); !errors.Is(err, shipment.ErrNotCreated) {
		t.Fatalf("Cancel of a pending order: %v, want ErrNotCreated", err)
	}
	if got := shipmenttest.MustGet(t, e.store, e.profile, "100013"); got.State != shipment.StatePending {
		t.Fatalf("refused Cancel changed the state to %s", got.State)
	}
}

func TestFileManifestNumbersReferencesPerDay(t *testing.T) {
	e := newUnitEnv(t)
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	e.creator.Location = london
	// 23:30 UTC on 19 June is 00:30 on 20 June in London.
	e.clk = shipmenttest.NewClock(time.Date(2026, 6, 19, 23, 30, 0, 0, time.UTC))
	e.creator.Now = e.clk.Now
	for _, id := range []string{"1", "2", "3"} {
		shipmenttest.Created(t, e.store, e.profile, id, e.clk.Now())
	}
	var refs []string
	for _, id := range []string{"1", "2"} {
		m, err := e.creator.FileManifest(t.Context(), e.profile, []string{id})
		if err != nil {
			t.Fatal(err)
		}
		refs = append(refs, m.Reference)
	}
	_, err = e.creator.FileManifest(t.Context(), e.profile, []string{"3", "1", "404"})
	var me *shipment.ManifestError
	if !errors.As(err, &me) || len(me.Problems) != 2 {
		t.Fatalf("manifest with a filed and an unknown order: %v", err)
	}
	if got := fmt.Sprint(refs); got != "[STRM-20260620-001 STRM-20260620-002]" {
		t.Fatalf("references %s, want STRM-20260620-001 and -002 (London's date)", got)
	}
	if got := shipmenttest.MustGet(t, e.store, e.profile, "3"); got.ManifestRef != "" {
		t.Fatalf("order 3 filed into %s by a refused manifest", got.ManifestRef)
	}
}

// detailOf is the order Stream holds after o was posted, as a read shows it.
func detailOf(o *stream.Order) *stream.OrderDetail {
	addr := o.Delivery.Address
	return &stream.OrderDetail{
		TrackingID: "TRK" + o.Header.OrderNo, TrackingURL: "https://track.example/TRK" + o.Header.OrderNo,
		Header: stream.DetailHeader{ConsignmentNo: "C-" + o.Header.OrderNo, OrderNo: o.Header.OrderNo,
			CustomerOrderNo: o.Header.CustomerOrderNo, ExternalClientID: o.Header.ExternalClientID, OrderStatus: "UNCONFIRMED",
			Customer: o.Header.Customer},
		Groups: []stream.Group{{Type: "DELIVERY", DeliveryMethod: o.Delivery.DeliveryMethod, Address: &addr}},
	}
}

func TestEnsureStampsTheProfilesMark(t *testing.T) {
	e := newUnitEnv(t)
	var sent string
	f := &fakeStream{create: func(_ context.Context, o *stream.Order) (*stream.CreateResult, error) {
		sent = o.Header.ExternalClientID
		return accepted(o), nil
	}}
	req := e.request("100020", f)
	req.Order.Header.ExternalClientID = "SOMETHING-ELSE"
	if _, err := e.creator.Ensure(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	other := shipment.Marker(shipmenttest.ProfileID(t))
	if want := shipment.Marker(e.profile); sent != want || len(want) > 17 || want == other || strings.Contains(e.profile, want[2:]) {
		t.Fatalf("the order carried mark %q, want %q: short, per profile, not a piece of the profile ID", sent, want)
	}
	if req.Order.Header.ExternalClientID != "SOMETHING-ELSE" {
		t.Fatal("Ensure changed the caller's order")
	}
}

// TestReadBackChecksEachIdentity: after a duplicate refusal, the order read
// back is adopted only if it carries the profile's mark, the customer order
// number and the delivery postcode of the order posted. Each case differs in
// one of them only, so each check is needed on its own.
func TestReadBackChecksEachIdentity(t *testing.T) {
	cases := map[string]struct {
		change func(d *stream.OrderDetail)
		why    string
	}{
		"same order": {change: func(*stream.OrderDetail) {}},
		"another profile's mark": {change: func(d *stream.OrderDetail) {
			d.Header.ExternalClientID = shipment.Marker(shipmenttest.ProfileID(t))
		}, why: "did not create"},
		"no mark": {change: func(d *stream.OrderDetail) { d.Header.ExternalClientID = "" }, why: "did not create"},
		"another customer order number": {change: func(d *stream.OrderDetail) {
			d.Header.CustomerOrderNo = "REF-999999"
		}, why: "customer order number"},
		"another postcode": {change: func(d *stream.OrderDetail) {
			a := *d.Groups[0].Address
			a.Postcode = "M1 1AE"
			d.Groups[0].Address = &a
		}, why: "postcode"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			e := newUnitEnv(t)
			var held *stream.OrderDetail
			f := &fakeStream{}
			f.create = func(_ context.Context, o *stream.Order) (*stream.CreateResult, error) {
				held = detailOf(o)
				c.change(held)
				return nil, &stream.ValidationError{Op: "create order", Status: 422,
					Messages: []stream.Message{{Code: "DUPLICATE", Description: "orderNo exists", Severity: "ERROR"}}}
			}
			f.get = func(context.Context, string) (*stream.OrderDetail, error) { return held, nil }
			s, err := e.creator.Ensure(t.Context(), e.request("100021", f))
			rec := shipmenttest.MustGet(t, e.store, e.profile, "100021")
			if c.why == "" {
				if err != nil || s.ConsignmentNo != "C-LS100021" || rec.State != shipment.StateCreated {
					t.Fatalf("Ensure of an order Stream holds as posted: %v, record %s; want it adopted", err, rec.State)
				}
				return
			}
			if !errors.Is(err, shipment.ErrOrderNoTaken) || !strings.Contains(err.Error(), c.why) {
				t.Fatalf("Ensure finding %s: %v, want ErrOrderNoTaken saying %q", name, err, c.why)
			}
			if rec.State != shipment.StateFailed || rec.ConsignmentNo != "" || rec.TrackingID != "" {
				t.Fatalf("record after %s: %s consignment %q tracking %q, want failed without Stream's order", name, rec.State, rec.ConsignmentNo, rec.TrackingID)
			}
			if f.creates.Load() != 1 || f.gets.Load() != 1 {
				t.Fatalf("%d creates %d reads, want 1 and 1", f.creates.Load(), f.gets.Load())
			}
		})
	}
}

// getHook calls hook on the n-th Get (1-based) and counts every Get.
type getHook struct {
	*shipment.MemStore
	n    int32
	gets atomic.Int32
	hook func()
}

func (g *getHook) Get(ctx context.Context, profileID, orderID string) (*shipment.Shipment, error) {
	if g.gets.Add(1) == g.n {
		g.hook()
	}
	return g.MemStore.Get(ctx, profileID, orderID)
}

// TestTakenOverClaimDoesNotRecordItsOutcome: while a holder waited on
// Stream past its lease, another request took the claim over and is still
// working. Whatever the old holder learnt (created, refused, unsettled), it
// must not write it over the new holder's claim; it waits for the new
// holder and returns that outcome.
func TestTakenOverClaimDoesNotRecordItsOutcome(t *testing.T) {
	outcomes := map[string]func(o *stream.Order) (*stream.CreateResult, error){
		"created": func(o *stream.Order) (*stream.CreateResult, error) { return accepted(o), nil },
		"refused": func(*stream.Order) (*stream.CreateResult, error) {
			return nil, &stream.ValidationError{Op: "create order", Status: 422,
				Messages: []stream.Message{{Code: "UNKNOWNMETHOD", Description: "no such method", Severity: "ERROR"}}}
		},
		"unsettled": func(*stream.Order) (*stream.CreateResult, error) {
			return nil, &stream.RateLimitError{Op: "create order", Attempts: 8}
		},
	}
	for name, outcome := range outcomes {
		t.Run(name, func(t *testing.T) {
			e := newUnitEnv(t)
			var taken *shipment.Shipment
			hooked := &getHook{MemStore: e.store, n: 2}
			// The second Get is the old holder's wait for the new one: the
			// new holder finishes then.
			hooked.hook = func() {
				rec := shipment.Clone(taken)
				rec.State = shipment.StateCreated
				rec.ConsignmentNo = "C-TAKER"
				rec.TrackingID = "TAKER-TRK"
				rec.ClaimID = ""
				rec.LeaseUntil = time.Time{}
				shipmenttest.MustUpdate(t, e.store, rec)
			}
			e.creator.Store = hooked
			f := &fakeStream{create: func(_ context.Context, o *stream.Order) (*stream.CreateResult, error) {
				later := e.clk.Now().Add(time.Hour)
				taker := shipmenttest.Pending(e.profile, "100022", later)
				taker.ClaimID = "taker"
				taken = shipmenttest.MustClaim(t, e.store, taker, later, shipment.ClaimedExpired)
				return outcome(o)
			}}
			s, err := e.creator.Ensure(t.Context(), e.request("100022", f))
			if err != nil || s.TrackingID != "TAKER-TRK" || s.ConsignmentNo != "C-TAKER" {
				t.Fatalf("old holder's Ensure: %v %+v, want the new holder's C-TAKER/TAKER-TRK", err, s)
			}
			if hooked.gets.Load() < 2 {
				t.Fatalf("the old holder did not wait for the new one (%d reads)", hooked.gets.Load())
			}
			if f.creates.Load() != 1 || f.gets.Load() != 0 {
				t.Fatalf("%d creates %d reads, want only the old holder's create", f.creates.Load(), f.gets.Load())
			}
		})
	}
}

// leaseEvents reports each write that renewed a pending claim's lease.
type leaseEvents struct {
	shipment.Store
	renewed chan time.Time
	failing atomic.Bool
}

func (l *leaseEvents) Update(ctx context.Context, s *shipment.Shipment) error {
	if l.failing.Load() {
		return errors.New("store unavailable")
	}
	before, _ := l.Store.Get(ctx, s.ProfileID, s.OrderID)
	err := l.Store.Update(ctx, s)
	if err == nil && before != nil && s.State == shipment.StatePending && s.ClaimID == before.ClaimID && s.LeaseUntil.After(before.LeaseUntil) {
		select {
		case l.renewed <- s.LeaseUntil:
		default:
		}
	}
	return err
}

func within[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(20 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
	var zero T
	return zero
}

func TestLiveSlowHolderIsNotTakenOver(t *testing.T) {
	const lease = 300 * time.Millisecond
	st := &leaseEvents{Store: shipment.NewMemStore(nil), renewed: make(chan time.Time, 16)}
	c := &shipment.Creator{Store: st, Lease: lease, PollMin: time.Millisecond, PollMax: 10 * time.Millisecond}
	profileID := shipmenttest.ProfileID(t)
	entered, proceed := make(chan struct{}), make(chan struct{})
	var f *fakeStream
	f = &fakeStream{create: func(ctx context.Context, o *stream.Order) (*stream.CreateResult, error) {
		if f.creates.Load() > 1 {
			return nil, errors.New("a second create while the holder works")
		}
		close(entered)
		select {
		case <-proceed:
			return accepted(o), nil
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}}
	req := shipment.EnsureRequest{ProfileID: profileID, OrderID: "100023", Origin: shipment.OriginLabel,
		Order: shipmenttest.Order("LS100023", "100023"), Stream: f}
	type result struct {
		s   *shipment.Shipment
		err error
	}
	holder, waiter := make(chan result, 1), make(chan result, 1)
	go func() { s, err := c.Ensure(t.Context(), req); holder <- result{s, err} }()
	within(t, entered, "the holder's create")
	first := shipmenttest.MustGet(t, st, profileID, "100023")
	go func() { s, err := c.Ensure(t.Context(), req); waiter <- result{s, err} }()
	// Wait until the holder has renewed its claim to a lease ending a whole
	// lease after its first one: by then the first lease is over, and the
	// waiter would have taken the claim over had it not been renewed.
	for until := first.LeaseUntil; until.Before(first.LeaseUntil.Add(lease)); {
		until = within(t, st.renewed, "a renewal of the holder's lease")
	}
	if n := f.creates.Load() + f.gets.Load(); n != 1 {
		t.Fatalf("while the holder worked Stream saw %d calls, want only its create", n)
	}
	close(proceed)
	h, w := within(t, holder, "the holder"), within(t, waiter, "the waiter")
	if h.err != nil || w.err != nil {
		t.Fatalf("holder: %v, waiter: %v", h.err, w.err)
	}
	if w.s.ConsignmentNo != h.s.ConsignmentNo || h.s.ConsignmentNo != "C-LS100023" {
		t.Fatalf("waiter got %s, holder %s; want both the holder's C-LS100023", w.s.ConsignmentNo, h.s.ConsignmentNo)
	}
	if f.creates.Load() != 1 || f.gets.Load() != 0 {
		t.Fatalf("%d creates %d reads, want the holder's create only", f.creates.Load(), f.gets.Load())
	}
}

func TestHolderStopsWhenItsLeaseCannotBeRenewed(t *testing.T) {
	e := newUnitEnv(t)
	st := &leaseEvents{Store: e.store, renewed: make(chan time.Time, 16)}
	e.creator.Store = st
	e.creator.Lease = 200 * time.Millisecond
	var cause error
	f := &fakeStream{create: func(ctx context.Context, o *stream.Order) (*stream.CreateResult, error) {
		// The store fails from now on: no renewal lands, and the create
		// (slow) is cut before the lease ends.
		st.failing.Store(true)
		select {
		case <-ctx.Done():
			cause = context.Cause(ctx)
			return nil, cause
		case <-time.After(20 * time.Second):
			return nil, errors.New("the create was not cut")
		}
	}}
	_, err := e.creator.Ensure(t.Context(), e.request("100024", f))
	if !errors.Is(err, shipment.ErrPending) || cause == nil || !strings.Contains(cause.Error(), "could not be renewed") {
		t.Fatalf("Ensure: %v (create cut by %v), want ErrPending after the create was cut for want of a renewal", err, cause)
	}
}

func TestHolderStopsWhenItsClaimIsTakenOver(t *testing.T) {
	e := newUnitEnv(t)
	e.creator.Lease = 200 * time.Millisecond
	var cause error
	f := &fakeStream{create: func(ctx context.Context, o *stream.Order) (*stream.CreateResult, error) {
		// Another request takes the claim over (as if this one had stalled
		// past its lease); this one's next renewal finds it gone.
		later := e.clk.Now().Add(time.Hour)
		taker := shipmenttest.Pending(e.profile, "100025", later)
		taker.ClaimID = "taker"
		rec := shipmenttest.MustClaim(t, e.store, taker, later, shipment.ClaimedExpired)
		select {
		case <-ctx.Done():
			cause = context.Cause(ctx)
		case <-time.After(20 * time.Second):
			return nil, errors.New("the create was not cut")
		}
		rec.State = shipment.StateCreated
		rec.ConsignmentNo = "C-TAKER"
		rec.ClaimID = ""
		shipmenttest.MustUpdate(t, e.store, rec)
		return nil, cause
	}}
	s, err := e.creator.Ensure(t.Context(), e.request("100025", f))
	if err != nil || s.ConsignmentNo != "C-TAKER" {
		t.Fatalf("Ensure: %v %+v, want the new holder's C-TAKER", err, s)
	}
	if cause == nil || !strings.Contains(cause.Error(), "taken over") {
		t.Fatalf("the create was cut by %v, want the lost claim", cause)
	}
}

func TestClaimsHoldAShortLease(t *testing.T) {
	// A dead holder's claim blocks its order for one lease: it must be
	// seconds, well inside a relabel's 25 s, not minutes.
	if shipment.DefaultLease > 15*time.Second {
		t.Fatalf("DefaultLease %s: a dead holder would block relabels for longer than a request may wait", shipment.DefaultLease)
	}
	e := newUnitEnv(t)
	var lease time.Time
	f := &fakeStream{create: func(ctx context.Context, o *stream.Order) (*stream.CreateResult, error) {
		lease = shipmenttest.MustGet(t, e.store, e.profile, "100026").LeaseUntil
		return accepted(o), nil
	}}
	if _, err := e.creator.Ensure(t.Context(), e.request("100026", f)); err != nil {
		t.Fatal(err)
	}
	if !lease.Equal(e.clk.Now().Add(shipment.DefaultLease)) {
		t.Fatalf("claim leased until %s, want now + DefaultLease (%s)", lease, shipment.DefaultLease)
	}
}
