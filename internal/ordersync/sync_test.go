package ordersync_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworkssandbox"
	"linnstream/internal/profile"
	"linnstream/internal/shipment"
	"linnstream/internal/writeback"
)

// seeded is one seeded order and what the seed says about it.
type seeded struct {
	num                                                 int
	owner                                               string // "A", "B" or "" (another integration's service)
	inside                                              bool   // received inside the 3-day lookback
	parked, locked, unpaid, composite, noPostcode, sent bool
}

// eligible is the decision the seed calls for, for the profile named
// owner: "sent", "incomplete" or "" (skipped).
func (s seeded) expect(owner string) string {
	if s.owner != owner || !s.inside || s.sent || s.parked || s.locked || s.unpaid {
		return ""
	}
	if s.noPostcode {
		return "incomplete"
	}
	return "sent"
}

// world is a Linnworks account with two profiles (A with two linked
// services, B with one), each on its own Stream account.
type world struct {
	*env
	a, b         *account
	pa, pb       *profile.Profile
	postA, postB []string
}

func newWorld(t testing.TB) *world {
	w := &world{env: newEnv(t)}
	w.a, w.b = w.newAccount(), w.newAccount()
	w.pa = w.addProfile(w.a, nil)
	w.pb = w.addProfile(w.b, nil)
	w.postA = w.link(w.pa, 2)
	w.postB = w.link(w.pb, 1)
	return w
}

// seed adds n orders spread over A's services, B's, Royal Mail and the
// sandbox's own Stream services, inside and outside the lookback, some
// parked, locked, unpaid, composite, without a postcode or already sent.
func (w *world) seed(n, first int) []seeded {
	w.t.Helper()
	now := w.clk.Now()
	var specs []seeded
	var orders []linnworkssandbox.OrderDetails
	for i := range n {
		s := seeded{num: first + i, inside: i%7 != 3, parked: i%11 == 1, locked: i%13 == 2, unpaid: i%17 == 5,
			composite: i%5 == 4, noPostcode: i%19 == 7, sent: i%23 == 9}
		var postal string
		switch i % 6 {
		case 0, 5:
			s.owner, postal = "A", w.postA[0]
		case 1:
			s.owner, postal = "A", w.postA[1]
		case 2:
			s.owner, postal = "B", w.postB[0]
		case 3:
			postal = linnworkssandbox.RoyalMailServiceID
		case 4:
			postal = linnworkssandbox.CourierServiceID
		}
		received := now.Add(-time.Duration(i%70) * time.Hour)
		if !s.inside {
			received = now.AddDate(0, 0, -4)
		}
		d := linnworkssandbox.OrderDetails{
			NumOrderId: s.num,
			GeneralInfo: linnworkssandbox.OrderGeneralInfo{Status: 1, ReferenceNum: "WEB-" + strconv.Itoa(s.num),
				ReceivedDate: received, HoldOrCancel: s.locked},
			ShippingInfo: linnworkssandbox.OrderShippingInfo{PostalServiceId: postal, TotalWeight: 2.35},
			CustomerInfo: linnworkssandbox.OrderCustomerInfo{Address: linnworkssandbox.CustomerAddress{
				FullName: "Priya Shah", Address1: "14 Wellington Street", Town: "Leeds", PostCode: "LS1 4DL",
				Country: "United Kingdom", EmailAddress: "priya@example.com"}},
			Items: []linnworkssandbox.OrderItem{{SKU: "OAK-ST-01", Title: "Oak side table", Quantity: 1, PricePerUnit: 120, Weight: 2}},
		}
		if s.parked {
			d.GeneralInfo.Marker = 7
		}
		if s.unpaid {
			d.GeneralInfo.Status = 0
		}
		if s.noPostcode {
			d.CustomerInfo.Address.PostCode = ""
		}
		if s.composite {
			d.Items = []linnworkssandbox.OrderItem{{SKU: "SET-01", Title: "Garden set", Quantity: 1, Weight: 9,
				CompositeSubItems: []linnworkssandbox.OrderItem{
					{SKU: "TBL-01", Title: "Table", Quantity: 1, Weight: 5},
					{SKU: "CHR-01", Title: "Chair", Quantity: 2, Weight: 2}}}}
		}
		if s.sent {
			d.GeneralInfo.Identifiers = []linnworkssandbox.Identifier{{Tag: linnworks.TagSent}}
		}
		specs = append(specs, s)
		orders = append(orders, d)
	}
	if _, err := w.lw.AddOrders(orders...); err != nil {
		w.t.Fatal(err)
	}
	return specs
}

// expected lists the order numbers of the seed the profile should send
// and should refuse before sending.
func expected(specs []seeded, owner string) (sent, incomplete []int) {
	for _, s := range specs {
		switch s.expect(owner) {
		case "sent":
			sent = append(sent, s.num)
		case "incomplete":
			incomplete = append(incomplete, s.num)
		}
	}
	return sent, incomplete
}

// results sorts the queued write-back messages of a profile into sent
// (with a Stream reference) and refused orders, with the reasons.
func results(t testing.TB, msgs []writeback.Message, p *profile.Profile) (sent, refused []int, reasons map[int][]string) {
	t.Helper()
	reasons = map[int][]string{}
	for _, m := range msgs {
		if m.ProfileID != p.ID {
			continue
		}
		if m.Source != writeback.SourceSync {
			t.Errorf("message source %q, want sync", m.Source)
		}
		n, err := strconv.Atoi(m.OrderID)
		if err != nil {
			t.Fatalf("message without a Linnworks order number: %+v", m)
		}
		if len(m.Refused) > 0 {
			refused = append(refused, n)
			reasons[n] = m.Refused
			continue
		}
		if m.Ref == "" {
			t.Errorf("message of order %d has neither a Stream reference nor a refusal", n)
		}
		sent = append(sent, n)
	}
	slices.Sort(sent)
	slices.Sort(refused)
	return sent, refused, reasons
}

// streamOrders are the order numbers a Stream sandbox holds.
func streamOrders(t testing.TB, a *account) []string {
	t.Helper()
	res, err := http.Get(a.url + "/admin/orders")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var list struct {
		Orders []struct {
			OrderNo string `json:"orderNo"`
		} `json:"orders"`
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, o := range list.Orders {
		out = append(out, o.OrderNo)
	}
	slices.Sort(out)
	return out
}

func nums(ns []int) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = strconv.Itoa(n)
	}
	slices.Sort(out)
	return out
}

// apply hands the messages to the write-back, as the write-back queue
// does.
func (w *world) apply(msgs []writeback.Message) {
	w.t.Helper()
	wb := w.writer()
	for _, m := range msgs {
		body, err := json.Marshal(m)
		if err != nil {
			w.t.Fatal(err)
		}
		if err := wb.Handle(context.Background(), body); err != nil {
			w.t.Fatalf("write-back of order %s: %v", m.OrderID, err)
		}
	}
}

// One sync of each profile sends exactly the orders the seed makes
// eligible for it, refuses those without a postcode before sending, and a
// second sync calls Stream for nothing, writes nothing to Linnworks and
// queues nothing.
func TestSyncSendsExactlyTheEligibleOrders(t *testing.T) {
	w := newWorld(t)
	specs := w.seed(540, 300001)
	wantA, incompleteA := expected(specs, "A")
	wantB, incompleteB := expected(specs, "B")
	if len(wantA) < 100 || len(incompleteA) == 0 || len(wantB) < 50 {
		t.Fatalf("the seed is too thin: A sends %d, refuses %d; B sends %d", len(wantA), len(incompleteA), len(wantB))
	}
	worker := w.worker(nil)
	ctx := context.Background()
	sumA, err := worker.Run(ctx, w.pa.ID)
	if err != nil {
		t.Fatalf("sync A: %v", err)
	}
	sumB, err := worker.Run(ctx, w.pb.ID)
	if err != nil {
		t.Fatalf("sync B: %v", err)
	}
	msgs := w.out.take()
	for _, c := range []struct {
		name             string
		p                *profile.Profile
		a                *account
		want, incomplete []int
		sum              profile.SyncRun
	}{{"A", w.pa, w.a, wantA, incompleteA, sumA}, {"B", w.pb, w.b, wantB, incompleteB, sumB}} {
		sent, refused, reasons := results(t, msgs, c.p)
		if !slices.Equal(sent, c.want) {
			t.Errorf("%s: sent %d orders, want %d (first sent %v, first wanted %v)", c.name, len(sent), len(c.want), head(sent), head(c.want))
		}
		if !slices.Equal(refused, c.incomplete) {
			t.Errorf("%s: refused %v, want %v", c.name, refused, c.incomplete)
		}
		for n, rs := range reasons {
			if !strings.Contains(strings.Join(rs, " "), "postcode") {
				t.Errorf("%s: order %d refused for %q, want the missing postcode named", c.name, n, rs)
			}
		}
		if got := streamOrders(t, c.a); !slices.Equal(got, nums(c.want)) {
			t.Errorf("%s: Stream holds %d orders, want %d", c.name, len(got), len(c.want))
		}
		for _, n := range c.want {
			sh, err := w.shipments.Get(ctx, c.p.ID, strconv.Itoa(n))
			if err != nil || sh.State != shipment.StateCreated || sh.Origin != shipment.OriginSync || sh.TrackingID == "" {
				t.Fatalf("%s: shipment of %d: %+v, %v", c.name, n, sh, err)
			}
		}
		if !c.sum.Finished || c.sum.Sent != len(c.want) || c.sum.Errors != len(c.incomplete) {
			t.Errorf("%s: summary %+v, want finished with %d sent and %d errors", c.name, c.sum, len(c.want), len(c.incomplete))
		}
		stored, _ := w.profiles.Get(ctx, c.p.ID)
		if stored.Sync.Last.Sent != c.sum.Sent || stored.Sync.Cursor != "" {
			t.Errorf("%s: stored sync state %+v", c.name, stored.Sync)
		}
	}
	if n := w.streamN.creates.Load(); n != int64(len(wantA)+len(wantB)) {
		t.Errorf("Stream creates = %d, want %d (one per eligible order)", n, len(wantA)+len(wantB))
	}
	if n := w.writes(); n != 0 {
		t.Errorf("the sync itself wrote to Linnworks %d times; writes are the write-back's", n)
	}
	// Every decision is one JSON line with the order id and a reason.
	lines := 0
	for _, l := range strings.Split(strings.TrimSpace(w.logs.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		if rec["msg"] == "order sync decision" {
			lines++
			if rec["order_id"] == "" || rec["reason"] == "" {
				t.Errorf("decision line without order id or reason: %s", l)
			}
		}
	}
	if want := sumA.Considered + sumB.Considered; lines != want || want == 0 {
		t.Errorf("%d decision lines, want %d", lines, want)
	}
	w.checkJournal()

	w.apply(msgs)
	// What Linnworks shows now: Sent to Stream with the tracking number, or
	// Error from Stream with one note naming the postcode.
	for _, c := range []struct {
		p                *profile.Profile
		want, incomplete []int
	}{{w.pa, wantA, incompleteA}, {w.pb, wantB, incompleteB}} {
		for _, n := range c.want {
			o, _ := w.lw.Order(strconv.Itoa(n))
			sh, _ := w.shipments.Get(ctx, c.p.ID, strconv.Itoa(n))
			if !slices.Contains(o.Identifiers, linnworks.TagSent) || o.TrackingNumber == "" || o.TrackingNumber != sh.TrackingID {
				t.Fatalf("order %d after the write-back: identifiers %v, tracking %q (Stream's %q)", n, o.Identifiers, o.TrackingNumber, sh.TrackingID)
			}
		}
		for _, n := range c.incomplete {
			o, _ := w.lw.Order(strconv.Itoa(n))
			if !slices.Contains(o.Identifiers, linnworks.TagError) || len(o.Notes) != 1 || !strings.Contains(o.Notes[0].Note, "postcode") {
				t.Fatalf("refused order %d after the write-back: identifiers %v, notes %+v", n, o.Identifiers, o.Notes)
			}
		}
	}
	w.lw.ClearJournal()
	w.streamN.creates.Store(0)
	for _, p := range []*profile.Profile{w.pa, w.pb} {
		sum, err := worker.Run(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if sum.Sent != 0 || sum.Errors != 0 || !sum.Finished {
			t.Errorf("second sync summary %+v, want nothing sent or refused", sum)
		}
	}
	if n := w.streamN.creates.Load(); n != 0 {
		t.Errorf("second sync: %d Stream creates, want 0", n)
	}
	if n := w.writes(); n != 0 {
		t.Errorf("second sync: %d Linnworks writes, want 0", n)
	}
	if m := w.out.take(); len(m) != 0 {
		t.Errorf("second sync queued %d write-backs, want none", len(m))
	}
	for _, j := range w.lw.Journal() {
		if strings.HasSuffix(j.Path, "GetOpenOrdersDetails") {
			t.Errorf("second sync read order details: nothing was left to send")
			break
		}
	}
	w.checkJournal()
}

func head(ns []int) []int { return ns[:min(len(ns), 8)] }
