package ordersync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworkssandbox"
	"linnstream/internal/ordersync"
	"linnstream/internal/profile"
	"linnstream/internal/services"
	"linnstream/internal/shipment"
	"linnstream/internal/streamorder"
	"linnstream/internal/wizard"
)

// onlyA seeds n orders, every one eligible for profile A, and returns
// their numbers.
func (w *world) onlyA(n, first int) []int {
	w.t.Helper()
	var orders []linnworkssandbox.OrderDetails
	var out []int
	for i := range n {
		num := first + i
		orders = append(orders, linnworkssandbox.OrderDetails{
			NumOrderId:   num,
			GeneralInfo:  linnworkssandbox.OrderGeneralInfo{Status: 1, ReferenceNum: "WEB-" + strconv.Itoa(num), ReceivedDate: w.clk.Now().Add(-time.Hour)},
			ShippingInfo: linnworkssandbox.OrderShippingInfo{PostalServiceId: w.postA[i%2], TotalWeight: 2.35},
			CustomerInfo: linnworkssandbox.OrderCustomerInfo{Address: linnworkssandbox.CustomerAddress{
				FullName: "Priya Shah", Address1: "14 Wellington Street", Town: "Leeds", PostCode: "LS1 4DL", Country: "United Kingdom"}},
			Items: []linnworkssandbox.OrderItem{{SKU: "OAK-ST-01", Title: "Oak side table", Quantity: 1, Weight: 2}},
		})
		out = append(out, num)
	}
	if _, err := w.lw.AddOrders(orders...); err != nil {
		w.t.Fatal(err)
	}
	return out
}

// streamFault sets the Stream sandbox's next fault.
func streamFault(t testing.TB, a *account, mode string, count, status int) {
	b, _ := json.Marshal(map[string]any{"mode": mode, "count": count, "status": status})
	res, err := http.Post(a.url+"/admin/faults", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Error(err)
		return
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("stream fault %s: HTTP %d", mode, res.StatusCode)
	}
}

// A label and a sync racing for the same 20 orders make 20 Stream orders:
// both go through the Creator, which claims each order once.
func TestLabelAndSyncRacingMakeOneStreamOrderEach(t *testing.T) {
	w := newWorld(t)
	ordersNums := w.onlyA(20, 400001)
	ctx := context.Background()
	svcs, err := w.catalogue.List(ctx, w.pa)
	if err != nil {
		t.Fatal(err)
	}
	client, err := w.pool.Client(wizard.Settings(w.pa).Stream)
	if err != nil {
		t.Fatal(err)
	}
	cfg := wizard.Settings(w.pa)
	var wg sync.WaitGroup
	labelErrs := make([]error, len(ordersNums))
	for i, num := range ordersNums {
		wg.Add(1)
		go func() {
			defer wg.Done()
			svc := svcs[i%2]
			order, err := streamorder.Build(streamorder.Order{OrderID: num, Reference: "WEB-" + strconv.Itoa(num),
				Recipient: streamorder.Recipient{Name: "Priya Shah", Address1: "14 Wellington Street", Town: "Leeds", Postcode: "LS1 4DL", Country: "GB"},
				Packages:  []streamorder.Package{{Number: 1, WeightGrams: 2350, Items: []streamorder.Item{{Name: "Oak side table", SKU: "OAK-ST-01", Quantity: 1, UnitWeightGrams: 2000}}}}},
				streamorder.Service{OrderType: svc.OrderType, Method: svc.Method.Name, StockLocation: svc.StockLocation},
				streamorder.SettingsOf(cfg), w.clk.Now())
			if err != nil {
				labelErrs[i] = err
				return
			}
			_, labelErrs[i] = w.creator.Ensure(ctx, shipment.EnsureRequest{ProfileID: w.pa.ID, OrderID: strconv.Itoa(num),
				Origin: shipment.OriginLabel, Order: order, Stream: client, Details: shipment.Details{ServiceID: svc.ID}})
		}()
	}
	wg.Add(1)
	var sum profile.SyncRun
	var syncErr error
	go func() {
		defer wg.Done()
		sum, syncErr = w.worker(nil).Run(ctx, w.pa.ID)
	}()
	wg.Wait()
	if syncErr != nil {
		t.Fatal(syncErr)
	}
	for i, err := range labelErrs {
		if err != nil {
			t.Fatalf("label %d: %v", ordersNums[i], err)
		}
	}
	if got := streamOrders(t, w.a); len(got) != 20 {
		t.Fatalf("Stream holds %d orders, want 20", len(got))
	}
	if n := w.streamN.creates.Load(); n != 20 {
		t.Errorf("%d Stream creates, want 20", n)
	}
	if sum.Sent+sum.Skipped[string(ordersync.ReasonHasStreamOrder)] != 20 {
		t.Errorf("sync summary %+v: every order is sent or found with its Stream order", sum)
	}
}

// Stream dropping answers after processing, Stream 5xx in the middle of a
// batch, Linnworks 429 bursts and a worker killed mid-run: no order is
// created twice, none is skipped, and the next run completes the set.
func TestFaultsNeitherDuplicateNorSkip(t *testing.T) {
	w := newWorld(t)
	want := w.onlyA(60, 500001)
	ctx, kill := context.WithCancel(context.Background())
	w.streamN.before = func(r *http.Request) {
		if r.Method != http.MethodPost || !bytesHasSuffix(r.URL.Path, "/orders") {
			return
		}
		switch w.streamN.creates.Load() {
		case 5:
			streamFault(t, w.a, "drop", 2, 0) // processed, answer lost
		case 15:
			streamFault(t, w.a, "error", 3, 503)
		case 40:
			kill() // the worker dies with creates in flight
		}
	}
	for range 3 {
		if err := w.lw.InjectFault(linnworkssandbox.Fault{Mode: linnworkssandbox.FaultRateLimit, Count: 2}); err != nil {
			t.Fatal(err)
		}
	}
	worker := w.worker(nil)
	if _, err := worker.Run(ctx, w.pa.ID); err == nil {
		t.Fatal("the killed run reported no error")
	}
	if got := len(streamOrders(t, w.a)); got >= 60 {
		t.Fatalf("the killed run created all %d orders; the kill came too late to test anything", got)
	}
	// Whatever leases the killed run held have ended by the next run.
	w.clk.Advance(2 * time.Minute)
	w.streamN.before = nil
	if err := w.lw.InjectFault(linnworkssandbox.Fault{Mode: linnworkssandbox.FaultRateLimit, Count: 3}); err != nil {
		t.Fatal(err)
	}
	var sum profile.SyncRun
	for run := 0; run < 3 && !sum.Finished; run++ {
		var err error
		if sum, err = worker.Run(context.Background(), w.pa.ID); err != nil {
			t.Fatalf("run after the faults: %v", err)
		}
	}
	if !sum.Finished {
		t.Fatalf("the sync did not finish: %+v", sum)
	}
	if got := streamOrders(t, w.a); !slices.Equal(got, nums(want)) {
		t.Fatalf("Stream holds %d orders (%v…), want exactly the %d seeded", len(got), got[:min(5, len(got))], len(want))
	}
	for _, n := range want {
		sh, err := w.shipments.Get(context.Background(), w.pa.ID, strconv.Itoa(n))
		if err != nil || sh.State != shipment.StateCreated {
			t.Errorf("order %d: %+v %v", n, sh, err)
		}
	}
	sent, _, _ := results(t, w.out.take(), w.pa)
	got := slices.Compact(sent)
	if !slices.Equal(got, want) {
		t.Errorf("write-backs queued for %d distinct orders, want %d", len(got), len(want))
	}
	w.checkJournal(http.StatusTooManyRequests)
}

func bytesHasSuffix(s, suffix string) bool {
	return len(s) >= len(suffix) && s[len(s)-len(suffix):] == suffix
}

// The lookback holds at its edges: an order received a minute inside is
// sent, one received a minute outside is not.
func TestLookbackEdges(t *testing.T) {
	w := newWorld(t)
	now := w.clk.Now()
	mk := func(num int, received time.Time) linnworkssandbox.OrderDetails {
		return linnworkssandbox.OrderDetails{NumOrderId: num,
			GeneralInfo:  linnworkssandbox.OrderGeneralInfo{Status: 1, ReceivedDate: received},
			ShippingInfo: linnworkssandbox.OrderShippingInfo{PostalServiceId: w.postA[0], TotalWeight: 1},
			CustomerInfo: linnworkssandbox.OrderCustomerInfo{Address: linnworkssandbox.CustomerAddress{
				FullName: "Priya Shah", Address1: "14 Wellington Street", Town: "Leeds", PostCode: "LS1 4DL", Country: "GB"}},
			Items: []linnworkssandbox.OrderItem{{SKU: "A", Title: "A", Quantity: 1, Weight: 1}}}
	}
	edge := now.AddDate(0, 0, -3)
	if _, err := w.lw.AddOrders(mk(600001, edge.Add(time.Minute)), mk(600002, edge.Add(-time.Minute))); err != nil {
		t.Fatal(err)
	}
	if _, err := w.worker(nil).Run(context.Background(), w.pa.ID); err != nil {
		t.Fatal(err)
	}
	sent, _, _ := results(t, w.out.take(), w.pa)
	if !slices.Equal(sent, []int{600001}) {
		t.Fatalf("sent %v, want only the order a minute inside the lookback", sent)
	}
}

// An order refused for its address is not tried again while unchanged;
// corrected, it is sent. An order whose Error from Stream identifier the
// user removed is tried again.
func TestCorrectedOrderIsRetried(t *testing.T) {
	w := newWorld(t)
	if _, err := w.lw.AddOrders(
		linnworkssandbox.OrderDetails{NumOrderId: 700001, GeneralInfo: linnworkssandbox.OrderGeneralInfo{Status: 1, ReceivedDate: w.clk.Now()},
			ShippingInfo: linnworkssandbox.OrderShippingInfo{PostalServiceId: w.postA[0], TotalWeight: 1},
			CustomerInfo: linnworkssandbox.OrderCustomerInfo{Address: linnworkssandbox.CustomerAddress{FullName: "Priya Shah", Address1: "14 Wellington Street", Country: "GB"}},
			Items:        []linnworkssandbox.OrderItem{{SKU: "A", Title: "A", Quantity: 1, Weight: 1}}},
		linnworkssandbox.OrderDetails{NumOrderId: 700002, GeneralInfo: linnworkssandbox.OrderGeneralInfo{Status: 1, ReceivedDate: w.clk.Now()},
			ShippingInfo: linnworkssandbox.OrderShippingInfo{PostalServiceId: w.postA[0], TotalWeight: 1},
			CustomerInfo: linnworkssandbox.OrderCustomerInfo{Address: linnworkssandbox.CustomerAddress{FullName: "Sam Lee", Address1: "2 Park Row", Country: "GB"}},
			Items:        []linnworkssandbox.OrderItem{{SKU: "B", Title: "B", Quantity: 1, Weight: 1}}},
	); err != nil {
		t.Fatal(err)
	}
	worker := w.worker(nil)
	ctx := context.Background()
	run := func() ([]int, []int) {
		t.Helper()
		if _, err := worker.Run(ctx, w.pa.ID); err != nil {
			t.Fatal(err)
		}
		msgs := w.out.take()
		w.apply(msgs)
		sent, refused, _ := results(t, msgs, w.pa)
		return sent, refused
	}
	if sent, refused := run(); len(sent) != 0 || !slices.Equal(refused, []int{700001, 700002}) {
		t.Fatalf("first run sent %v refused %v, want both refused", sent, refused)
	}
	if sent, refused := run(); len(sent) != 0 || len(refused) != 0 {
		t.Fatalf("unchanged orders: sent %v refused %v, want neither tried", sent, refused)
	}
	pc := "LS1 4DL"
	if _, err := w.lw.ChangeAddress(700001, linnworkssandbox.AddressChange{PostCode: &pc}); err != nil {
		t.Fatal(err)
	}
	o, err := w.lwClient.OrderByNumOrderID(ctx, lwToken, 700002)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.lwClient.UnassignIdentifier(ctx, lwToken, linnworks.TagError, o.OrderID); err != nil {
		t.Fatal(err)
	}
	sent, refused := run()
	if !slices.Equal(sent, []int{700001}) || !slices.Equal(refused, []int{700002}) {
		t.Fatalf("after the correction: sent %v refused %v, want 700001 sent and 700002 tried (and refused) again", sent, refused)
	}
	if o, _ := w.lw.Order("700002"); len(o.Notes) != 1 {
		t.Fatalf("the same error was noted %d times, want once: %+v", len(o.Notes), o.Notes)
	}
	if o, _ := w.lw.Order("700001"); !slices.Contains(o.Identifiers, linnworks.TagSent) || slices.Contains(o.Identifiers, linnworks.TagError) || o.TrackingNumber == "" {
		t.Fatalf("the corrected order shows %v, tracking %q; want Sent to Stream without Error from Stream", o.Identifiers, o.TrackingNumber)
	}
}

// A run stops before its deadline and the next resumes where it stopped:
// across the runs every order is decided once.
func TestRunStopsBeforeItsDeadlineAndResumes(t *testing.T) {
	w := newWorld(t)
	want := w.onlyA(45, 800001)
	// The worker reads its deadline against a wall clock that moves a
	// second per Stream create: a run with a 20 s deadline and a 5 s
	// reserve sends 15 orders and stops.
	var mu sync.Mutex
	var start time.Time
	creates := 0
	w.wall = func() time.Time { mu.Lock(); defer mu.Unlock(); return start.Add(time.Duration(creates) * time.Second) }
	w.streamN.before = func(r *http.Request) {
		if r.Method == http.MethodPost && bytesHasSuffix(r.URL.Path, "/orders") {
			mu.Lock()
			creates++
			mu.Unlock()
		}
	}
	worker := w.worker(func(c *ordersync.Config) { c.PageSize = 10; c.Reserve = 5 * time.Second; c.InFlight = 1 })
	considered, runs := 0, 0
	var sum profile.SyncRun
	for ; runs < 10 && !sum.Finished; runs++ {
		mu.Lock()
		start, creates = time.Now(), 0
		mu.Unlock()
		ctx, cancel := context.WithDeadline(context.Background(), start.Add(20*time.Second))
		var err error
		sum, err = worker.Run(ctx, w.pa.ID)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		considered += sum.Considered
	}
	if runs < 3 || !sum.Finished {
		t.Fatalf("%d runs, last %+v: want several runs, the last finished", runs, sum)
	}
	if considered != len(want) {
		t.Fatalf("the runs decided %d orders in all, want each of the %d once", considered, len(want))
	}
	if got := streamOrders(t, w.a); !slices.Equal(got, nums(want)) {
		t.Fatalf("Stream holds %d orders, want %d", len(got), len(want))
	}
}

// Skip Composite Parent as the service's options say (stored when
// Linnworks last sent them with a label): a composite order goes to
// Stream as its components on that service, as itself on the other.
func TestServiceOptionsShapeTheStreamOrder(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	svcs, err := w.catalogue.List(ctx, w.pa)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := w.profiles.Get(ctx, w.pa.ID)
	services.RecordOptions(p, svcs[0].ID, services.Options{SkipCompositeParent: true})
	if err := w.profiles.Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	mk := func(num int, postal string) linnworkssandbox.OrderDetails {
		return linnworkssandbox.OrderDetails{NumOrderId: num,
			GeneralInfo:  linnworkssandbox.OrderGeneralInfo{Status: 1, ReceivedDate: w.clk.Now()},
			ShippingInfo: linnworkssandbox.OrderShippingInfo{PostalServiceId: postal, TotalWeight: 9},
			CustomerInfo: linnworkssandbox.OrderCustomerInfo{Address: linnworkssandbox.CustomerAddress{
				FullName: "Priya Shah", Address1: "14 Wellington Street", Town: "Leeds", PostCode: "LS1 4DL", Country: "GB"}},
			Items: []linnworkssandbox.OrderItem{{SKU: "SET-01", Title: "Garden set", Quantity: 1, Weight: 9,
				CompositeSubItems: []linnworkssandbox.OrderItem{{SKU: "TBL-01", Title: "Table", Quantity: 1, Weight: 5},
					{SKU: "CHR-01", Title: "Chair", Quantity: 2, Weight: 2}}}}}
	}
	if _, err := w.lw.AddOrders(mk(950001, w.postA[0]), mk(950002, w.postA[1])); err != nil {
		t.Fatal(err)
	}
	if _, err := w.worker(nil).Run(ctx, w.pa.ID); err != nil {
		t.Fatal(err)
	}
	doc := func(no string) string {
		res, err := http.Get(w.a.url + "/admin/orders/" + no)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	if d := doc("950001"); !strings.Contains(d, "TBL-01") || !strings.Contains(d, "CHR-01") || strings.Contains(d, "SET-01") {
		t.Errorf("on the Skip Composite Parent service the order should carry the parts only: %.600s", d)
	}
	if d := doc("950002"); !strings.Contains(d, "SET-01") {
		t.Errorf("on the other service the order should carry the set: %.600s", d)
	}
}
