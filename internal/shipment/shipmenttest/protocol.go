package shipmenttest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"linnstream/internal/shipment"
	"linnstream/internal/stream"
	"linnstream/internal/streamsandbox"
	"linnstream/internal/waitfor"
)

// Sandbox is a Stream sandbox served on loopback for one test, with a
// client of its default account.
type Sandbox struct {
	URL    string
	Client *stream.Client
}

// NewSandbox starts a Stream sandbox for the test.
func NewSandbox(t *testing.T) *Sandbox {
	t.Helper()
	srv := httptest.NewServer(streamsandbox.New(streamsandbox.Options{}))
	t.Cleanup(srv.Close)
	c, err := stream.New(stream.Account{BaseURL: srv.URL + "/api", ClientID: "sandbox", ClientSecret: "sandbox-secret"},
		stream.WithBackoff(time.Millisecond, 5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return &Sandbox{URL: srv.URL, Client: c}
}

// SandboxOrder is an order as the sandbox's admin API lists it.
type SandboxOrder struct {
	ClientID      string `json:"clientId"`
	OrderNo       string `json:"orderNo"`
	ConsignmentNo string `json:"consignmentNo"`
	OrderStatus   string `json:"orderStatus"`
}

// Orders returns every order the sandbox holds with the order number.
func (sb *Sandbox) Orders(t *testing.T, orderNo string) []SandboxOrder {
	t.Helper()
	resp, err := http.Get(sb.URL + "/admin/orders")
	if err != nil {
		t.Fatalf("admin orders: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Orders []SandboxOrder `json:"orders"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("admin orders: HTTP %d %v", resp.StatusCode, err)
	}
	var match []SandboxOrder
	for _, o := range out.Orders {
		if o.OrderNo == orderNo {
			match = append(match, o)
		}
	}
	return match
}

// OneOrder fails the test unless the sandbox holds exactly one order with
// the number, and returns it.
func (sb *Sandbox) OneOrder(t *testing.T, orderNo string) SandboxOrder {
	t.Helper()
	got := sb.Orders(t, orderNo)
	if len(got) != 1 {
		t.Fatalf("Stream holds %d orders numbered %s, want exactly 1", len(got), orderNo)
	}
	return got[0]
}

// Fault makes the sandbox misbehave on its next count API calls.
func (sb *Sandbox) Fault(t *testing.T, mode string, count int) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"mode": mode, "count": count})
	resp, err := http.Post(sb.URL+"/admin/faults", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatalf("admin faults: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("admin faults %s: HTTP %d", mode, resp.StatusCode)
	}
}

// Counting counts the calls the Creator makes to Stream.
type Counting struct {
	shipment.Stream
	Creates, Gets atomic.Int64
}

// CreateOrder counts and forwards.
func (c *Counting) CreateOrder(ctx context.Context, o *stream.Order) (*stream.CreateResult, error) {
	c.Creates.Add(1)
	return c.Stream.CreateOrder(ctx, o)
}

// GetOrder counts and forwards.
func (c *Counting) GetOrder(ctx context.Context, id string) (*stream.OrderDetail, error) {
	c.Gets.Add(1)
	return c.Stream.GetOrder(ctx, id)
}

// Order returns a valid DELIVERY order for the sandbox's Justin Depot with
// the order number, for the consignee of Pending (postcode LS1 1AA,
// customer order number REF-<orderID>).
func Order(orderNo, orderID string) *stream.Order {
	addr := stream.Address{Name: "Ada Lovelace", Address1: "1 Example Street", Address4: "Leeds", Country: "GB", Postcode: "LS1 1AA"}
	contact := &stream.Contact{Name: "Ada Lovelace", Email: "ada@example.com", Mobile: "07700900000"}
	return &stream.Order{
		Header: stream.Header{
			OrderNo:         orderNo,
			OrderDate:       stream.DateOf(T0),
			OrderType:       stream.OrderTypeDelivery,
			ServiceLevel:    "Standard",
			Services:        []stream.Service{{Code: "STREAM"}},
			CustomerOrderNo: "REF-" + orderID,
			Customer:        &stream.Customer{Name: "Ada Lovelace", Address: &addr, Contact: contact},
		},
		Delivery: &stream.Delivery{
			Address:        addr,
			Contact:        contact,
			DeliveryMethod: "Delivery",
			Items: []stream.Item{
				{Sequence: 1, Code: "PARCEL", Description: "Package 1", Quantity: 1, Weight: 1.25},
				{Sequence: 2, ParentSequence: 1, Code: "SKU-1", Description: "Teapot", Quantity: 2, Weight: 0.5},
			},
		},
	}
}

// protocolEnv is one protocol test: a store, a sandbox, a counting client
// and a creator.
type protocolEnv struct {
	store   shipment.Store
	sb      *Sandbox
	stream  *Counting
	creator *shipment.Creator
	profile string
}

func newProtocolEnv(t *testing.T, newStore NewStore) *protocolEnv {
	sb := NewSandbox(t)
	st := newStore(t, time.Now)
	return &protocolEnv{
		store:   st,
		sb:      sb,
		stream:  &Counting{Stream: sb.Client},
		creator: &shipment.Creator{Store: st, PollMin: 2 * time.Millisecond, PollMax: 25 * time.Millisecond},
		profile: ProfileID(t),
	}
}

func (e *protocolEnv) request(orderID, orderNo string) shipment.EnsureRequest {
	return shipment.EnsureRequest{
		ProfileID: e.profile,
		OrderID:   orderID,
		Origin:    shipment.OriginLabel,
		Order:     Order(orderNo, orderID),
		Stream:    e.stream,
		Details:   shipment.Details{OrderReference: "REF-" + orderID, ServiceName: "Stream Next Day"},
	}
}

func (e *protocolEnv) calls(t *testing.T, creates, gets int64) {
	t.Helper()
	if c, g := e.stream.Creates.Load(), e.stream.Gets.Load(); c != creates || g != gets {
		t.Fatalf("Stream saw %d creates and %d reads, want %d and %d", c, g, creates, gets)
	}
}

// checkCreated fails unless s is the created shipment of Stream's order.
func checkCreated(t *testing.T, s *shipment.Shipment, o SandboxOrder) {
	t.Helper()
	if s.State != shipment.StateCreated || s.ConsignmentNo != o.ConsignmentNo || s.StreamOrderNo != o.OrderNo ||
		s.TrackingID == "" || !strings.Contains(s.TrackingURL, s.TrackingID) || s.ClaimID != "" || !s.LeaseUntil.IsZero() {
		t.Fatalf("shipment %s: state %s consignment %q order %q tracking %q %q claim %q, want created with Stream's %s/%s",
			s.OrderID, s.State, s.ConsignmentNo, s.StreamOrderNo, s.TrackingID, s.TrackingURL, s.ClaimID, o.OrderNo, o.ConsignmentNo)
	}
}

// RunProtocol runs the Creator's at-most-once protocol against the Stream
// sandbox with the stores newStore returns (their event clock is
// time.Now).
func RunProtocol(t *testing.T, newStore NewStore) {
	t.Helper()
	cases := []struct {
		name string
		fn   func(t *testing.T, e *protocolEnv)
	}{
		{"FiftyConcurrentEnsures", testFiftyConcurrent},
		{"DropAfterProcessing", testDropAfterProcessing},
		{"UnknownOutcomeLeftForNextAttempt", testUnknownOutcomeUnresolved},
		{"CrashAdoptsExistingOrder", testCrashAdopts},
		{"CrashCreatesMissingOrderOnce", testCrashCreates},
		{"RefusalThenCorrectedRetry", testRefusalThenRetry},
		{"TwoProfilesSameOrderID", testTwoProfiles},
		{"SharedAccountWithoutPrefix", testSharedAccountCollision},
		{"CancelledIsFinal", testCancelledIsFinal},
		{"WaitsForLiveHolder", testWaitsForHolder},
		{"DeadHolderAfterPostTakenOver", testDeadHolderPosted},
		{"DeadHolderBeforePostTakenOver", testDeadHolderNotPosted},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.fn(t, newProtocolEnv(t, newStore)) })
	}
}

func testFiftyConcurrent(t *testing.T, e *protocolEnv) {
	req := e.request("100001", "LS100001")
	type result struct {
		s   *shipment.Shipment
		err error
	}
	res := race(50, func(int) result {
		s, err := e.creator.Ensure(ctxOf(t), req)
		return result{s, err}
	})
	o := e.sb.OneOrder(t, "LS100001")
	for i, r := range res {
		if r.err != nil {
			t.Fatalf("Ensure %d: %v", i, r.err)
		}
		checkCreated(t, r.s, o)
		if r.s.TrackingID != res[0].s.TrackingID || r.s.TrackingURL != res[0].s.TrackingURL {
			t.Fatalf("Ensure %d got tracking %s, Ensure 0 got %s", i, r.s.TrackingID, res[0].s.TrackingID)
		}
	}
	e.calls(t, 1, 0)
	checkCreated(t, MustGet(t, e.store, e.profile, "100001"), o)
}

func testDropAfterProcessing(t *testing.T, e *protocolEnv) {
	// Fetch the token first, so that the dropped call is the create.
	if _, err := e.sb.Client.Depots(ctxOf(t)); err != nil {
		t.Fatal(err)
	}
	e.sb.Fault(t, "drop", 1)
	s, err := e.creator.Ensure(ctxOf(t), e.request("100002", "LS100002"))
	if err != nil {
		t.Fatalf("Ensure after a dropped create: %v", err)
	}
	o := e.sb.OneOrder(t, "LS100002")
	checkCreated(t, s, o)
	checkCreated(t, MustGet(t, e.store, e.profile, "100002"), o)
	e.calls(t, 1, 1)
	again, err := e.creator.Ensure(ctxOf(t), e.request("100002", "LS100002"))
	if err != nil || again.ConsignmentNo != o.ConsignmentNo {
		t.Fatalf("repeat Ensure: %v %v", again, err)
	}
	e.calls(t, 1, 1)
}

func testUnknownOutcomeUnresolved(t *testing.T, e *protocolEnv) {
	if _, err := e.sb.Client.Depots(ctxOf(t)); err != nil {
		t.Fatal(err)
	}
	// The create and every read back answer 503: nothing can be settled.
	e.sb.Fault(t, "error", 20)
	_, err := e.creator.Ensure(ctxOf(t), e.request("100010", "LS100010"))
	if !errors.Is(err, shipment.ErrPending) {
		t.Fatalf("Ensure with Stream down: %v, want ErrPending", err)
	}
	rec := MustGet(t, e.store, e.profile, "100010")
	if rec.State != shipment.StatePending || rec.LeaseUntil.After(time.Now()) || !strings.Contains(rec.LastError, "503") {
		t.Fatalf("record after an unsettled create: state %s lease %s error %q; want pending, lease ended, the 503 recorded",
			rec.State, rec.LeaseUntil, rec.LastError)
	}
	e.calls(t, 1, 1)
	e.sb.Fault(t, "none", 0)
	s, err := e.creator.Ensure(ctxOf(t), e.request("100010", "LS100010"))
	if err != nil {
		t.Fatalf("Ensure after Stream recovered: %v", err)
	}
	checkCreated(t, s, e.sb.OneOrder(t, "LS100010"))
	// The next attempt read Stream before posting.
	e.calls(t, 2, 2)
}

// crashed leaves the record as a request that crashed after claiming would:
// pending, its lease over.
func crashed(t *testing.T, e *protocolEnv, orderID, orderNo string) {
	past := time.Now().Add(-10 * time.Minute)
	rec := Pending(e.profile, orderID, past)
	rec.StreamOrderNo = orderNo
	MustClaim(t, e.store, rec, past, shipment.ClaimedNew)
}

func testCrashAdopts(t *testing.T, e *protocolEnv) {
	crashed(t, e, "100003", "LS100003")
	// The crashed request's create reached Stream, with the profile's mark.
	e.postedByHolder(t, "100003", "LS100003")
	s, err := e.creator.Ensure(ctxOf(t), e.request("100003", "LS100003"))
	if err != nil {
		t.Fatalf("Ensure after a crash: %v", err)
	}
	o := e.sb.OneOrder(t, "LS100003")
	checkCreated(t, s, o)
	if s.StreamStatus != "UNCONFIRMED" {
		t.Fatalf("adopted order status %q, want Stream's UNCONFIRMED", s.StreamStatus)
	}
	e.calls(t, 0, 1)
}

// postedByHolder creates the order in Stream as a holder of this profile
// that then died would have: stamped with the profile's mark.
func (e *protocolEnv) postedByHolder(t *testing.T, orderID, orderNo string) {
	t.Helper()
	o := Order(orderNo, orderID)
	o.Header.ExternalClientID = shipment.Marker(e.profile)
	if _, err := e.sb.Client.CreateOrder(ctxOf(t), o); err != nil {
		t.Fatal(err)
	}
}

func testCrashCreates(t *testing.T, e *protocolEnv) {
	crashed(t, e, "100004", "LS100004")
	s, err := e.creator.Ensure(ctxOf(t), e.request("100004", "LS100004"))
	if err != nil {
		t.Fatalf("Ensure after a crash: %v", err)
	}
	o := e.sb.OneOrder(t, "LS100004")
	checkCreated(t, s, o)
	e.calls(t, 1, 1)
	if _, err := e.creator.Ensure(ctxOf(t), e.request("100004", "LS100004")); err != nil {
		t.Fatal(err)
	}
	e.sb.OneOrder(t, "LS100004")
	e.calls(t, 1, 1)
}

func testRefusalThenRetry(t *testing.T, e *protocolEnv) {
	bad := e.request("100005", "LS100005")
	bad.Order.Delivery.DeliveryMethod = "Hovercraft"
	bad.Order.Delivery.Items[0].Code = ""
	_, err := e.creator.Ensure(ctxOf(t), bad)
	var refused *shipment.RefusedError
	if !errors.As(err, &refused) || !errors.Is(err, shipment.ErrRefused) {
		t.Fatalf("Ensure of an invalid order: %v, want a RefusedError", err)
	}
	var ve *stream.ValidationError
	if !errors.As(err, &ve) || ve.Local {
		t.Fatalf("refusal does not carry Stream's ValidationError: %v", err)
	}
	text := strings.Join(refused.Messages, "\n")
	for _, want := range []string{"UNKNOWNMETHOD", "Hovercraft", "items[0].code"} {
		if !strings.Contains(text, want) {
			t.Fatalf("refusal messages %q lack %q", refused.Messages, want)
		}
	}
	rec := MustGet(t, e.store, e.profile, "100005")
	if rec.State != shipment.StateFailed || rec.LastError != text || rec.ClaimID != "" {
		t.Fatalf("record after refusal: state %s claim %q error %q, want failed with Stream's messages", rec.State, rec.ClaimID, rec.LastError)
	}
	if n := len(e.sb.Orders(t, "LS100005")); n != 0 {
		t.Fatalf("Stream holds %d orders after a refusal", n)
	}
	s, err := e.creator.Ensure(ctxOf(t), e.request("100005", "LS100005"))
	if err != nil {
		t.Fatalf("corrected Ensure: %v", err)
	}
	checkCreated(t, s, e.sb.OneOrder(t, "LS100005"))
	if s.LastError != "" {
		t.Fatalf("created record keeps the old error %q", s.LastError)
	}
	e.calls(t, 2, 0)
}

func testTwoProfiles(t *testing.T, e *protocolEnv) {
	// Two profiles on one Stream account, each with its own order number
	// prefix: the same Linnworks OrderId gives two Stream orders.
	other := ProfileID(t)
	a, b := e.request("100006", "A100006"), e.request("100006", "B100006")
	b.ProfileID = other
	res := race(2, func(i int) error {
		_, err := e.creator.Ensure(ctxOf(t), []shipment.EnsureRequest{a, b}[i])
		return err
	})
	for i, err := range res {
		if err != nil {
			t.Fatalf("Ensure of profile %d: %v", i, err)
		}
	}
	ra, rb := MustGet(t, e.store, e.profile, "100006"), MustGet(t, e.store, other, "100006")
	checkCreated(t, ra, e.sb.OneOrder(t, "A100006"))
	checkCreated(t, rb, e.sb.OneOrder(t, "B100006"))
	if ra.ConsignmentNo == rb.ConsignmentNo || ra.ProfileID == rb.ProfileID {
		t.Fatalf("profiles share consignment %s", ra.ConsignmentNo)
	}
	e.calls(t, 2, 0)
}

func testSharedAccountCollision(t *testing.T, e *protocolEnv) {
	// Two profiles on one Stream account, both without an order number
	// prefix, label the same Linnworks OrderId for the same consignee: the
	// second profile's order number is taken by the first profile's order,
	// which looks alike in every detail but the profile's mark. The second
	// must not adopt it.
	if _, err := e.creator.Ensure(ctxOf(t), e.request("100007", "100007")); err != nil {
		t.Fatal(err)
	}
	first := MustGet(t, e.store, e.profile, "100007")
	b := e.request("100007", "100007")
	b.ProfileID = ProfileID(t)
	_, err := e.creator.Ensure(ctxOf(t), b)
	if !errors.Is(err, shipment.ErrOrderNoTaken) || !errors.Is(err, shipment.ErrRefused) || !strings.Contains(err.Error(), "prefix") ||
		!strings.Contains(err.Error(), "did not create") {
		t.Fatalf("Ensure of a colliding order number: %v, want a refusal saying this integration did not create it, naming the prefix", err)
	}
	rec := MustGet(t, e.store, b.ProfileID, "100007")
	if rec.State != shipment.StateFailed || rec.ConsignmentNo != "" || rec.TrackingID != "" {
		t.Fatalf("colliding profile's record: state %s consignment %q tracking %q, want failed without either", rec.State, rec.ConsignmentNo, rec.TrackingID)
	}
	o := e.sb.OneOrder(t, "100007")
	if d := Diff(first, MustGet(t, e.store, e.profile, "100007")); d != "" || first.ConsignmentNo != o.ConsignmentNo {
		t.Fatalf("first profile's record changed: %s", d)
	}
	// A repeat by the second profile claims the failed record again and is
	// refused again; it never adopts the first profile's order.
	if _, err := e.creator.Ensure(ctxOf(t), b); !errors.Is(err, shipment.ErrOrderNoTaken) {
		t.Fatalf("repeated Ensure of the colliding order: %v, want ErrOrderNoTaken", err)
	}
	e.sb.OneOrder(t, "100007")
	e.calls(t, 3, 2)
}

func testCancelledIsFinal(t *testing.T, e *protocolEnv) {
	s, err := e.creator.Ensure(ctxOf(t), e.request("100008", "LS100008"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.creator.Cancel(ctxOf(t), e.profile, "100009"); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("Cancel of an unknown order: %v, want ErrNotFound", err)
	}
	if err := e.sb.Client.DeleteOrder(ctxOf(t), s.StreamOrderNo); err != nil {
		t.Fatal(err)
	}
	c, err := e.creator.Cancel(ctxOf(t), e.profile, "100008")
	if err != nil || c.State != shipment.StateCancelled || c.StreamStatus != "CANCELLED" || c.Version != s.Version+1 {
		t.Fatalf("Cancel: %+v %v", c, err)
	}
	again, err := e.creator.Cancel(ctxOf(t), e.profile, "100008")
	if err != nil || again.Version != c.Version {
		t.Fatalf("second Cancel: version %v err %v, want unchanged", again, err)
	}
	_, err = e.creator.Ensure(ctxOf(t), e.request("100008", "LS100008"))
	var ce *shipment.CancelledError
	if !errors.As(err, &ce) || ce.ConsignmentNo != s.ConsignmentNo || !strings.Contains(err.Error(), "new Linnworks order") {
		t.Fatalf("Ensure of a cancelled order: %v, want a CancelledError", err)
	}
	if o := e.sb.OneOrder(t, "LS100008"); o.OrderStatus != "CANCELLED" {
		t.Fatalf("Stream order status %s", o.OrderStatus)
	}
	e.calls(t, 1, 0)
}

func testWaitsForHolder(t *testing.T, e *protocolEnv) {
	now := time.Now()
	holder := Pending(e.profile, "100011", now)
	holder.StreamOrderNo = "LS100011"
	holder.LeaseUntil = now.Add(time.Hour)
	held := MustClaim(t, e.store, holder, now, shipment.ClaimedNew)

	short, cancel := context.WithTimeout(t.Context(), 150*time.Millisecond)
	defer cancel()
	_, err := e.creator.Ensure(short, e.request("100011", "LS100011"))
	if !errors.Is(err, shipment.ErrPending) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Ensure while another request holds the order: %v, want ErrPending and the deadline", err)
	}
	e.calls(t, 0, 0)

	done := make(chan error, 1)
	var got *shipment.Shipment
	go func() {
		var err error
		got, err = e.creator.Ensure(ctxOf(t), e.request("100011", "LS100011"))
		done <- err
	}()
	held.State = shipment.StateCreated
	held.ConsignmentNo = "SB-HOLDER"
	held.TrackingID = "HOLDERTRK"
	held.TrackingURL = "https://track.example/HOLDERTRK"
	held.ClaimID = ""
	held.LeaseUntil = time.Time{}
	MustUpdate(t, e.store, held)
	if err := waitfor.Recv(t, done, "the waiting Ensure to return once the holder settled"); err != nil {
		t.Fatalf("waiting Ensure: %v", err)
	}
	if got.ConsignmentNo != "SB-HOLDER" || got.TrackingID != "HOLDERTRK" {
		t.Fatalf("waiting Ensure got %s/%s, want the holder's SB-HOLDER/HOLDERTRK", got.ConsignmentNo, got.TrackingID)
	}
	e.calls(t, 0, 0)
}

// shortLease is the lease of the dead-holder cases: short, so the test
// waits for it, and long enough for a renewal on a loaded machine.
const shortLease = time.Second

// diedHolding leaves the record as a request that claimed it just now, with
// the lease e.creator gives, and then died (no renewal follows).
func diedHolding(t *testing.T, e *protocolEnv, orderID, orderNo string) {
	now := time.Now()
	rec := Pending(e.profile, orderID, now)
	rec.StreamOrderNo = orderNo
	rec.LeaseUntil = now.Add(e.creator.Lease)
	MustClaim(t, e.store, rec, now, shipment.ClaimedNew)
}

func testDeadHolderPosted(t *testing.T, e *protocolEnv) {
	e.creator.Lease = shortLease
	diedHolding(t, e, "100012", "LS100012")
	e.postedByHolder(t, "100012", "LS100012")
	// The relabel waits out the dead holder's lease (one lease, as nothing
	// renews it), takes the claim over and finds the order by reading.
	s, err := e.creator.Ensure(ctxOf(t), e.request("100012", "LS100012"))
	if err != nil {
		t.Fatalf("Ensure after the holder died: %v", err)
	}
	checkCreated(t, s, e.sb.OneOrder(t, "LS100012"))
	e.calls(t, 0, 1)
}

func testDeadHolderNotPosted(t *testing.T, e *protocolEnv) {
	e.creator.Lease = shortLease
	diedHolding(t, e, "100013", "LS100013")
	s, err := e.creator.Ensure(ctxOf(t), e.request("100013", "LS100013"))
	if err != nil {
		t.Fatalf("Ensure after the holder died: %v", err)
	}
	checkCreated(t, s, e.sb.OneOrder(t, "LS100013"))
	e.calls(t, 1, 1)
}
