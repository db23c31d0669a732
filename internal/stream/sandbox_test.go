package stream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"linnstream/internal/streamsandbox"
)

const (
	sandboxID     = "sandbox"
	sandboxSecret = "sandbox-secret"
)

// sandboxEnv is the Stream sandbox behind an httptest server, with counters
// of the token requests it received and the 429s it answered.
type sandboxEnv struct {
	srv     *httptest.Server
	tokens  atomic.Int32
	limited atomic.Int32
	idle    sync.WaitGroup // requests the sandbox is still handling
}

// statusRecorder notes the status a handler writes; Unwrap keeps the
// sandbox's connection hijacking (the drop fault) working.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func newSandbox(t *testing.T, opts streamsandbox.Options) *sandboxEnv {
	t.Helper()
	e := &sandboxEnv{}
	sb := streamsandbox.New(opts)
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.idle.Add(1)
		defer e.idle.Done()
		if strings.HasSuffix(strings.ToLower(r.URL.Path), "/oauth") {
			e.tokens.Add(1)
		}
		rec := &statusRecorder{ResponseWriter: w}
		sb.ServeHTTP(rec, r)
		if rec.status == http.StatusTooManyRequests {
			e.limited.Add(1)
		}
	}))
	t.Cleanup(e.srv.Close)
	return e
}

func (e *sandboxEnv) account() Account {
	return Account{BaseURL: e.srv.URL + "/api", ClientID: sandboxID, ClientSecret: sandboxSecret}
}

func (e *sandboxEnv) client(t testing.TB, opts ...Option) *Client {
	t.Helper()
	opts = append([]Option{WithBackoff(time.Millisecond, 4*time.Millisecond)}, opts...)
	c, err := New(e.account(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// admin calls the sandbox's admin API and decodes the answer into out.
func (e *sandboxEnv) admin(t testing.TB, method, path string, body, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.srv.URL+"/admin/"+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("admin %s %s: HTTP %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("admin %s: %v in %s", path, err, raw)
		}
	}
}

// storedOrders counts the orders the sandbox holds by order number.
func (e *sandboxEnv) storedOrders(t testing.TB) map[string]int {
	t.Helper()
	var list struct {
		Orders []struct {
			OrderNo     string `json:"orderNo"`
			OrderStatus string `json:"orderStatus"`
		} `json:"orders"`
	}
	e.admin(t, http.MethodGet, "orders", nil, &list)
	counts := map[string]int{}
	for _, o := range list.Orders {
		counts[o.OrderNo]++
	}
	return counts
}

func (e *sandboxEnv) fault(t testing.TB, mode string, count, latencyMs int) {
	t.Helper()
	e.admin(t, http.MethodPost, "faults", map[string]any{"mode": mode, "count": count, "latencyMs": latencyMs}, nil)
}

func TestSandboxOrderLifecycle(t *testing.T) {
	hooks := make(chan []byte, 16)
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if r.Header.Get("Authorization") == "hook-secret" || strings.Contains(r.Header.Get("Authorization"), "hook-secret") {
			hooks <- b
		}
		writeJSON(w, 200, map[string]any{})
	}))
	defer receiver.Close()
	e := newSandbox(t, streamsandbox.Options{})
	c := e.client(t)
	ctx := context.Background()

	// Depots with their delivery methods and stock location.
	depots, err := c.Depots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(depots) != 2 || depots[0].Address.Name != "Justin Depot" || depots[1].Address.Name != "Rishvi" {
		t.Fatalf("depots = %+v", depots)
	}
	var methods []string
	for _, m := range depots[0].DeliveryMethods {
		methods = append(methods, m.Name+"/"+m.Type)
	}
	if strings.Join(methods, ",") != "Delivery/DELIVERY,Courier/DELIVERY,Trunk/DELIVERY,Collection/COLLECTION" ||
		depots[0].StockLocation.Name != "Justin Depot" || depots[0].StockLocation.ID == "" || depots[0].Address.Postcode == "" {
		t.Fatalf("Justin Depot = %+v", depots[0])
	}

	// Webhooks: subscribe and list.
	id, err := c.SubscribeWebhook(ctx, Subscription{Event: "RUNSTATUS", EventType: "LOADHEADER", URLPath: receiver.URL + "/stream/webhook/k1", AuthHeader: "hook-secret"})
	if err != nil || id < 1 {
		t.Fatalf("subscribe = %d, %v", id, err)
	}
	subs, err := c.Webhooks(ctx)
	if err != nil || len(subs) != 1 || int(subs[0].ID) != id || subs[0].Event != "RUNSTATUS" || subs[0].EventType != "LOADHEADER" ||
		subs[0].URLPath != receiver.URL+"/stream/webhook/k1" || subs[0].HTTPMethod != "POST" || subs[0].PartyID != sandboxID {
		t.Fatalf("subscriptions = %+v, %v", subs, err)
	}
	_, err = c.SubscribeWebhook(ctx, Subscription{Event: "NOPE", EventType: "CONSHEADER", URLPath: receiver.URL})
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Local || ve.Status != 422 {
		t.Fatalf("unknown event: %v", err)
	}

	// Create a delivery: every field Stream returns is kept.
	res, err := c.CreateOrder(ctx, testOrder("1001"))
	if err != nil {
		t.Fatal(err)
	}
	if res.OrderNo != "1001" || res.ConsignmentNo == "" || res.CustomerOrderNo != "LW-1001" || res.TrackingID == "" ||
		!strings.HasSuffix(res.TrackingURL, "/track/"+res.TrackingID) || len(res.Warnings) != 0 || res.Recovered {
		t.Fatalf("create = %+v", res)
	}

	// Read it back.
	d, err := c.GetOrder(ctx, "1001")
	if err != nil {
		t.Fatal(err)
	}
	if d.Header.ConsignmentNo != res.ConsignmentNo || d.Header.OrderStatus != "UNCONFIRMED" || d.TrackingID != res.TrackingID ||
		d.Header.OrderType != "DELIVERY" || len(d.Groups) != 1 {
		t.Fatalf("order = %+v", d)
	}
	g := d.Groups[0]
	if g.DeliveryMethod != "Delivery" || len(g.Items) != 2 || g.Items[1].ParentSequence != 1 || g.Items[1].Code != "SKU-1" ||
		g.EstimateArrivalDateTime.IsSet() || g.RunDetails != nil && g.RunDetails.Description != "" {
		t.Fatalf("group = %+v", g)
	}
	if byConsignment, err := c.GetOrder(ctx, res.ConsignmentNo); err != nil || byConsignment.Header.OrderNo != "1001" {
		t.Fatalf("by consignment: %v", err)
	}
	st, err := c.OrderStatus(ctx, "1001")
	if err != nil || st.OrderStatus != "UNCONFIRMED" || st.TrackingURL != res.TrackingURL {
		t.Fatalf("status = %+v, %v", st, err)
	}

	// Update the header.
	if err := c.UpdateOrderHeader(ctx, "1001", &HeaderUpdate{DriverNotes: "Side gate", CustomerOrderNo: "LW-1001-B"}); err != nil {
		t.Fatal(err)
	}
	if d, err = c.GetOrder(ctx, "1001"); err != nil || d.Header.CustomerOrderNo != "LW-1001-B" {
		t.Fatalf("after update: %+v, %v", d.Header, err)
	}

	// The dispatcher plans it: run details, ETA and the webhook.
	e.admin(t, http.MethodPost, "plan", map[string]any{"orderNo": "1001", "run": "RUN 01", "sequence": 3, "date": "2026-06-20",
		"driverName": "Dee", "vehicleName": "Van 2"}, nil)
	if d, err = c.GetOrder(ctx, "1001"); err != nil {
		t.Fatal(err)
	}
	g = d.Groups[0]
	eta := g.EstimateArrivalDateTime.Time
	if d.Header.OrderStatus != "PLANNED" || g.RunDetails == nil || g.RunDetails.Description != "RUN 01" || g.RunDetails.GroupSequence != 3 ||
		g.RunDetails.DriverName != "Dee" || eta.Weekday() != time.Saturday || eta.Format("2006-01-02") != "2026-06-20" {
		t.Fatalf("planned group = %+v (eta %q)", g, g.EstimateArrivalDateTime.Raw)
	}
	if !g.Planned.FromDateTime.IsSet() || g.Planned.FromDateTime.Format("2006-01-02") != "2026-06-20" {
		t.Fatalf("planned window %+v", g.Planned)
	}
	select {
	case body := <-hooks:
		p, err := DecodeWebhook(body)
		if err != nil {
			t.Fatalf("webhook %s: %v", body, err)
		}
		if int(p.Subscription.ID) != id || p.Run == nil || p.Run.Description != "RUN 01" || strings.Join(p.OrderIDs(), ",") != res.ConsignmentNo {
			t.Fatalf("webhook = %+v", p)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no webhook with the auth header arrived")
	}

	// Duplicate order number.
	_, err = c.CreateOrder(ctx, testOrder("1001"))
	if !IsDuplicate(err) || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("duplicate: %v", err)
	}

	// A collection order.
	col := testOrder("2001")
	col.Header.OrderType = OrderTypeCollection
	col.Collection = &Collection{Address: col.Delivery.Address, Contact: col.Delivery.Contact, CollectionMethod: "Rcollection", Items: col.Delivery.Items}
	col.Delivery = nil
	if res, err := c.CreateOrder(ctx, col); err != nil || res.ConsignmentNo == "" {
		t.Fatalf("collection: %+v, %v", res, err)
	}
	if d, err := c.GetOrder(ctx, "2001"); err != nil || d.Header.OrderType != "COLLECTION" || d.Groups[0].DeliveryMethod != "Rcollection" {
		t.Fatalf("collection read back: %+v, %v", d, err)
	}

	// Delete (cancel) it; a second delete is refused; unknown orders are not found.
	if err := c.DeleteOrder(ctx, "2001"); err != nil {
		t.Fatal(err)
	}
	if st, err := c.OrderStatus(ctx, "2001"); err != nil || st.OrderStatus != "CANCELLED" {
		t.Fatalf("after delete: %+v, %v", st, err)
	}
	if err := c.DeleteOrder(ctx, "2001"); !errors.As(err, &ve) || !ve.HasCode("CANCELLED") {
		t.Fatalf("second delete: %v", err)
	}
	for name, call := range map[string]func() error{
		"get":    func() error { _, err := c.GetOrder(ctx, "nope"); return err },
		"status": func() error { _, err := c.OrderStatus(ctx, "nope"); return err },
		"patch":  func() error { return c.UpdateOrderHeader(ctx, "nope", &HeaderUpdate{DriverNotes: "x"}) },
		"delete": func() error { return c.DeleteOrder(ctx, "nope") },
	} {
		if err := call(); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s of an unknown order: %v", name, err)
		}
	}
	if counts := e.storedOrders(t); len(counts) != 2 || counts["1001"] != 1 || counts["2001"] != 1 {
		t.Fatalf("stored orders = %v", counts)
	}
}

func TestSandboxValidationAndWarnings(t *testing.T) {
	e := newSandbox(t, streamsandbox.Options{})
	c := e.client(t)
	ctx := context.Background()

	// Several problems come back together.
	o := testOrder("3001")
	o.Delivery.DeliveryMethod = "Rcollection" // a collection method on a delivery
	o.Delivery.Items[0].Quantity = 0
	o.Delivery.Items[1].StockLocation = "Nowhere"
	_, err := c.CreateOrder(ctx, o)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Local || ve.Status != 422 {
		t.Fatalf("err = %v", err)
	}
	for _, code := range []string{"METHODTYPE", "INVALID", "UNKNOWNLOCATION"} {
		if !ve.HasCode(code) {
			t.Errorf("no %s in %v", code, err)
		}
	}
	if !strings.Contains(err.Error(), "delivery.deliveryMethod") {
		t.Errorf("message %q does not name the field", err)
	}

	// Warnings (mixed-case severity) never fail a create.
	o = testOrder("3002")
	o.Delivery.Contact = nil
	res, err := c.CreateOrder(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || res.Warnings[0].Code != "NOCONTACT" || res.Warnings[0].IsError() {
		t.Fatalf("warnings = %+v", res.Warnings)
	}
	if counts := e.storedOrders(t); counts["3001"] != 0 || counts["3002"] != 1 {
		t.Fatalf("stored = %v", counts)
	}
}

func TestSandboxConfigurationErrors(t *testing.T) {
	e := newSandbox(t, streamsandbox.Options{})
	ctx := context.Background()

	bad := e.account()
	bad.ClientSecret = "wrong-secret-value"
	c, _ := New(bad)
	err := c.Authenticate(ctx)
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Title != "invalid_client" || !strings.Contains(err.Error(), "invalid_client: The client credentials are invalid") {
		t.Fatalf("bad secret: %v", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Fatal("the error shows the secret")
	}

	// Upper-case /API works the same.
	upper := e.account()
	upper.BaseURL = e.srv.URL + "/API"
	cu, _ := New(upper)
	if err := cu.Authenticate(ctx); err != nil {
		t.Fatalf("/API: %v", err)
	}

	// A base URL that lands on a non-API page.
	wrong := e.account()
	wrong.BaseURL = e.srv.URL + "/track"
	cw, _ := New(wrong)
	err = cw.Authenticate(ctx)
	var nj *NotJSONError
	if !errors.As(err, &nj) || nj.URL != e.srv.URL+"/track/oauth" || !errors.Is(err, ErrConfiguration) {
		t.Fatalf("wrong base: %v", err)
	}
	// A base URL with a wrong path.
	missing := e.account()
	missing.BaseURL = e.srv.URL + "/v2"
	cm, _ := New(missing)
	if err := cm.Authenticate(ctx); !errors.Is(err, ErrConfiguration) || !strings.Contains(err.Error(), e.srv.URL+"/v2/oauth") {
		t.Fatalf("missing API: %v", err)
	}
	// An unknown party is refused.
	party := e.account()
	party.Party = "SOMEONE-ELSE"
	cp, _ := New(party)
	if _, err := cp.Depots(ctx); !errors.As(err, &ae) || ae.Status != 403 {
		t.Fatalf("foreign party: %v", err)
	}
}

func TestSandboxRateLimitAnswer(t *testing.T) {
	// The sandbox's clock stands still, so its window never frees a slot.
	clock := newFakeClock()
	e := newSandbox(t, streamsandbox.Options{RateLimit: 3, RateWindow: time.Minute, Now: clock.Now})
	c := e.client(t) // the client's own limit (200/min) does not hold it back
	ctx := context.Background()
	for range 2 {
		if _, err := c.Depots(ctx); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.CreateOrder(ctx, testOrder("4001"))
	var rl *RateLimitError
	if !errors.As(err, &rl) || rl.Local || rl.Attempts != maxRateLimitAttempts || len(rl.Messages) != 1 ||
		rl.Messages[0].Code != "RUNRL" || rl.Messages[0].TraceID == "" {
		t.Fatalf("err = %#v", err)
	}
	if e.limited.Load() != maxRateLimitAttempts || len(e.storedOrders(t)) != 0 {
		t.Fatalf("%d 429s, stored %v", e.limited.Load(), e.storedOrders(t))
	}
}

func TestSandboxTokenRefreshUnderConcurrency(t *testing.T) {
	clientClock, streamClock := newFakeClock(), newFakeClock()
	e := newSandbox(t, streamsandbox.Options{TokenTTL: 10 * time.Minute, Now: streamClock.Now})
	c := e.client(t, WithClock(clientClock.Now))
	ctx := context.Background()
	if _, err := c.CreateOrder(ctx, testOrder("5001")); err != nil {
		t.Fatal(err)
	}

	burst := func(n int) {
		t.Helper()
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var err error
				if i%2 == 0 {
					_, err = c.OrderStatus(ctx, "5001")
				} else {
					_, err = c.GetOrder(ctx, "5001")
				}
				if err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	burst(40)
	if got := e.tokens.Load(); got != 1 {
		t.Fatalf("%d token requests, want 1", got)
	}
	// Both clocks pass the client's refresh point: one new token for all.
	clientClock.Advance(9*time.Minute + 30*time.Second)
	streamClock.Advance(9*time.Minute + 30*time.Second)
	burst(40)
	if got := e.tokens.Load(); got != 2 {
		t.Fatalf("%d token requests after expiry, want 2", got)
	}
	// Stream expires the token before the client expects: every caller gets
	// a 401, and one refresh serves them all.
	streamClock.Advance(11 * time.Minute)
	burst(40)
	if got := e.tokens.Load(); got != 3 {
		t.Fatalf("%d token requests after a server-side expiry, want 3", got)
	}
}

func TestSandboxDroppedCreatesNeverDuplicate(t *testing.T) {
	e := newSandbox(t, streamsandbox.Options{})
	c := e.client(t)
	ctx := context.Background()
	if err := c.Authenticate(ctx); err != nil {
		t.Fatal(err)
	}

	// One create processed, then its connection dropped.
	e.fault(t, "drop", 1, 0)
	res, err := c.CreateOrResolve(ctx, testOrder("6001"))
	if err != nil || !res.Recovered || res.ConsignmentNo == "" || res.TrackingURL == "" {
		t.Fatalf("resolve after drop: %+v, %v", res, err)
	}

	// A create answered 503 (not processed): read back, not found, posted again.
	e.fault(t, "error", 1, 0)
	res, err = c.CreateOrResolve(ctx, testOrder("6002"))
	if err != nil || res.Recovered || res.ConsignmentNo == "" {
		t.Fatalf("resolve after 503: %+v, %v", res, err)
	}

	// A batch during which five calls are dropped after processing.
	var orders []*Order
	for i := range 20 {
		orders = append(orders, testOrder(fmt.Sprintf("61%02d", i)))
	}
	e.fault(t, "drop", 5, 0)
	results := c.CreateOrders(ctx, orders)
	recovered := 0
	for i, r := range results {
		if r.Err != nil || r.OrderNo != orders[i].Header.OrderNo || r.Result.OrderNo != orders[i].Header.OrderNo || r.Result.ConsignmentNo == "" {
			t.Fatalf("result %d = %+v, %v", i, r.Result, r.Err)
		}
		if r.Result.Recovered {
			recovered++
		}
	}
	// The first API call after the fault is set is a create, so at least one
	// create is dropped; later drops may hit the read-backs instead.
	if recovered < 1 || recovered > 5 {
		t.Fatalf("%d creates recovered by reading back, want 1 to 5", recovered)
	}

	counts := e.storedOrders(t)
	if len(counts) != 22 {
		t.Fatalf("%d orders stored, want 22: %v", len(counts), counts)
	}
	for no, n := range counts {
		if n != 1 {
			t.Fatalf("order %s stored %d times", no, n)
		}
	}
}

func TestSandboxTimedOutCreateResolved(t *testing.T) {
	e := newSandbox(t, streamsandbox.Options{})
	c := e.client(t, WithHTTPClient(&http.Client{Timeout: 200 * time.Millisecond}))
	ctx := context.Background()
	if err := c.Authenticate(ctx); err != nil {
		t.Fatal(err)
	}
	// Stream is slower than the client's timeout but still processes the
	// create after the client gave up: the outcome really is unknown.
	e.fault(t, "latency", 1, 600)
	_, err := c.CreateOrder(ctx, testOrder("7001"))
	var ne *NetworkError
	if !errors.Is(err, ErrOutcomeUnknown) || !errors.As(err, &ne) || !ne.Sent {
		t.Fatalf("err = %v, want an unknown outcome", err)
	}
	// Resolving: whether the read-back finds the late order or posts it
	// again, exactly one order exists once Stream has finished.
	e.fault(t, "latency", 1, 600)
	res, err := c.CreateOrResolve(ctx, testOrder("7002"))
	if err != nil || res.ConsignmentNo == "" || res.OrderNo != "7002" {
		t.Fatalf("resolve: %+v, %v", res, err)
	}
	e.idle.Wait()
	if counts := e.storedOrders(t); counts["7001"] != 1 || counts["7002"] != 1 || len(counts) != 2 {
		t.Fatalf("stored = %v, want 7001 (late) and 7002 once each", counts)
	}
}

func TestSandboxBurstStaysUnderLimit(t *testing.T) {
	const limit, window = 15, 250 * time.Millisecond
	e := newSandbox(t, streamsandbox.Options{RateLimit: limit, RateWindow: window})
	c := e.client(t, WithRateLimit(limit, window))
	var orders []*Order
	for i := range 60 {
		orders = append(orders, testOrder(fmt.Sprintf("81%02d", i)))
	}
	results := c.CreateOrders(context.Background(), orders)
	for i, r := range results {
		if r.Err != nil || r.Result.Recovered {
			t.Fatalf("order %d: %+v, %v", i, r.Result, r.Err)
		}
	}
	if n := e.limited.Load(); n != 0 {
		t.Fatalf("Stream answered %d requests with 429", n)
	}
	if counts := e.storedOrders(t); len(counts) != 60 {
		t.Fatalf("%d orders stored, want 60", len(counts))
	}
}

// BenchmarkCreateOrder measures one create through the client: against the
// sandbox (validation and storage included), and against a canned reply,
// which leaves the client's own cost and the loopback round trip.
func BenchmarkCreateOrder(b *testing.B) {
	canned, _ := json.Marshal(created("B1"))
	servers := []struct {
		name    string
		handler func() http.Handler
	}{
		{"sandbox", func() http.Handler { return streamsandbox.New(streamsandbox.Options{RateLimit: 1 << 30}) }},
		{"canned", func() http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if strings.HasSuffix(r.URL.Path, "/oauth") {
					writeJSON(w, 200, map[string]any{"access_token": "bench-token", "expires_in": 3600})
					return
				}
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(canned)
			})
		}},
	}
	for _, s := range servers {
		b.Run(s.name, func(b *testing.B) {
			e := &sandboxEnv{srv: httptest.NewServer(s.handler())}
			defer e.srv.Close()
			c := e.client(b, WithRateLimit(1<<30, time.Minute))
			ctx := context.Background()
			if err := c.Authenticate(ctx); err != nil {
				b.Fatal(err)
			}
			orders := make([]*Order, b.N)
			for i := range orders {
				orders[i] = testOrder(fmt.Sprintf("B%d", i))
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range b.N {
				if _, err := c.CreateOrder(ctx, orders[i]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
