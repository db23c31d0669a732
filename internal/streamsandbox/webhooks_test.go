package streamsandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// received is one webhook a receiver got; body is the payload, out of its
// envelope if it had one.
type received struct {
	method, auth, contentType string
	body                      map[string]any
	wrapped                   bool
}

// receiver is an httptest server recording webhooks; it answers status.
type receiver struct {
	mu     sync.Mutex
	got    []received
	status int
	srv    *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{status: http.StatusOK}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		inner, wrapped := body["webhook"].(map[string]any)
		if wrapped {
			body = inner
		}
		rc.mu.Lock()
		rc.got = append(rc.got, received{method: r.Method, auth: r.Header.Get("Authorization"), contentType: r.Header.Get("Content-Type"), body: body, wrapped: wrapped})
		status := rc.status
		rc.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// take returns and forgets what was received so far.
func (rc *receiver) take() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	got := rc.got
	rc.got = nil
	return got
}

// byPath indexes received webhooks by "<subscription event>/<event_code>".
func byPath(t *testing.T, got []received) map[string][]received {
	out := map[string][]received{}
	for _, g := range got {
		key := get(t, g.body, "subscription", "event").(string) + "/" + get(t, g.body, "event", "event_code").(string)
		out[key] = append(out[key], g)
	}
	return out
}

func TestSubscribeValidation(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token()
	valid := func() map[string]any {
		return map[string]any{"event": "ORDERSTATUS", "event_type": "CONSHEADER", "url_path": "https://example.com/hook",
			"http_method": "POST", "content_type": "application/json", "auth_header": "Bearer s3cret"}
	}
	tests := []struct {
		name     string
		mutate   func(m map[string]any)
		wantCode string
		field    string
	}{
		{"no event", func(m map[string]any) { delete(m, "event") }, "REQUIRED", "event"},
		{"no event_type", func(m map[string]any) { delete(m, "event_type") }, "REQUIRED", "event_type"},
		{"unknown pair", func(m map[string]any) { m["event_type"] = "LOADHEADER" }, "INVALID", "event"},
		{"relative url", func(m map[string]any) { m["url_path"] = "/hook" }, "INVALID", "url_path"},
		{"ftp url", func(m map[string]any) { m["url_path"] = "ftp://example.com/hook" }, "INVALID", "url_path"},
		{"no url", func(m map[string]any) { delete(m, "url_path") }, "REQUIRED", "url_path"},
		{"GET method", func(m map[string]any) { m["http_method"] = "GET" }, "INVALID", "http_method"},
		{"xml content", func(m map[string]any) { m["content_type"] = "application/xml" }, "INVALID", "content_type"},
		{"no content type", func(m map[string]any) { delete(m, "content_type") }, "REQUIRED", "content_type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := valid()
			tc.mutate(body)
			r := e.api(tok, http.MethodPost, "/webhooks/webhooks", body)
			if r.status != http.StatusUnprocessableEntity || !hasError(r.errorsOf(t), tc.wantCode, tc.field) {
				t.Errorf("HTTP %d %s, want %s %s", r.status, r.raw, tc.wantCode, tc.field)
			}
		})
	}

	first := e.api(tok, http.MethodPost, "/webhooks/webhooks", valid())
	second := e.api(tok, http.MethodPost, "/webhooks/webhooks", map[string]any{"event": "DELIVERED", "event_type": "CONSHEADER",
		"url_path": "http://127.0.0.1:9/x", "http_method": "POST", "content_type": "application/json"})
	if first.status != 200 || second.status != 200 {
		t.Fatalf("subscribe: %s %s", first.raw, second.raw)
	}
	id1, id2 := first.response(t)["id"], second.response(t)["id"]
	if id1 == id2 || id1 == nil {
		t.Errorf("ids %v %v", id1, id2)
	}
	r := e.api(tok, http.MethodGet, "/webhooks/webhooks", nil)
	subs := r.response(t)["subscriptions"].([]any)
	if len(subs) != 2 {
		t.Fatalf("subscriptions %s", r.raw)
	}
	s0 := subs[0].(map[string]any)
	if s0["id"] != id1 || s0["event"] != "ORDERSTATUS" || s0["event_type"] != "CONSHEADER" || s0["url_path"] != "https://example.com/hook" || s0["party_id"] != "sandbox" {
		t.Errorf("subscription %v", s0)
	}
	if _, leaked := s0["auth_header"]; leaked {
		t.Errorf("auth_header listed: %v", s0)
	}
}

func TestDispatcherFlowDeliversWebhooks(t *testing.T) {
	rc := newReceiver(t)
	e := newEnv(t, Options{Seed: 7})
	tok := e.token()
	subscribe := func(event, eventType, auth string) {
		r := e.api(tok, http.MethodPost, "/webhooks/webhooks", map[string]any{"event": event, "event_type": eventType,
			"url_path": rc.srv.URL + "/stream/webhook/key1", "http_method": "POST", "content_type": "application/json", "auth_header": auth})
		if r.status != 200 {
			t.Fatalf("subscribe %s: %s", event, r.raw)
		}
	}
	subscribe("ORDERSTATUS", "CONSHEADER", "Secret order-key")
	subscribe("RUNSTATUS", "LOADHEADER", "Secret run-key")
	subscribe("DELIVERED", "CONSHEADER", "Secret delivered-key")

	e.createOrder(tok, deliveryOrder("R1"))
	e.createOrder(tok, deliveryOrder("R2"))
	e.createOrder(tok, deliveryOrder("R3"))
	// Webhooks name orders by consignment number, not by orderNo.
	cn := func(orderNo string) string {
		c, _ := e.admin(http.MethodGet, "orders/"+orderNo, nil).body["consignmentNo"].(string)
		if c == "" || c == orderNo {
			t.Fatalf("order %s has consignment number %q", orderNo, c)
		}
		return c
	}

	// Plan R1 at stop 4 and R2 at stop 2 of RUN 03; R3 on another run.
	plan := func(orderNo, run string, seq int) map[string]any {
		r := e.admin(http.MethodPost, "plan", map[string]any{"orderNo": orderNo, "run": run, "sequence": seq, "date": "2026-11-23"})
		if r.status != 200 {
			t.Fatalf("plan %s: HTTP %d %s", orderNo, r.status, r.raw)
		}
		return r.body
	}
	plan("R1", "RUN 03", 4)
	rc.take()
	answer := plan("R2", "RUN 03", 2)
	for _, w := range answer["webhooks"].([]any) {
		if get(t, w, "statusCode") != float64(200) || get(t, w, "done") != true {
			t.Errorf("admin answer delivery %v", w)
		}
	}
	got := byPath(t, rc.take())
	if len(got) != 2 || len(got["RUNSTATUS/LOCKPLANNING"]) != 1 || len(got["ORDERSTATUS/PLANNEDDELIVERY"]) != 1 {
		t.Fatalf("plan webhooks %v", got)
	}
	run := got["RUNSTATUS/LOCKPLANNING"][0]
	if run.auth != "Secret run-key" || run.method != http.MethodPost || run.contentType != "application/json" {
		t.Errorf("run webhook headers: %+v", run)
	}
	loadID := get(t, run.body, "run", "loadId").(string)
	if loadID == "" || get(t, run.body, "run", "description") != "RUN 03" || get(t, run.body, "run", "status") == "" {
		t.Errorf("run %v", get(t, run.body, "run"))
	}
	stops := get(t, run.body, "orders").([]any)
	if len(stops) != 2 || get(t, stops[0], "order") != cn("R2") || get(t, stops[0], "sequence") != float64(2) ||
		get(t, stops[1], "order") != cn("R1") || get(t, stops[1], "sequence") != float64(4) {
		t.Errorf("run stops %v", stops)
	}
	sub := get(t, run.body, "subscription").(map[string]any)
	if sub["party_id"] != "sandbox" || sub["event_type"] != "LOADHEADER" || sub["http_method"] != "POST" || sub["url_path"] != rc.srv.URL+"/stream/webhook/key1" {
		t.Errorf("subscription block %v", sub)
	}
	for _, k := range []string{"event_code_desc", "event_date", "event_time"} {
		if v, _ := get(t, run.body, "event", k).(string); v == "" {
			t.Errorf("event.%s empty", k)
		}
	}
	ord := got["ORDERSTATUS/PLANNEDDELIVERY"][0]
	if ord.auth != "Secret order-key" || get(t, ord.body, "order", "id") != cn("R2") {
		t.Errorf("order webhook %+v", ord)
	}
	if _, hasOrders := ord.body["orders"]; hasOrders {
		t.Errorf("order-level webhook carries orders: %v", ord.body)
	}

	r3 := plan("R3", "RUN 04", 1)
	if get(t, r3, "webhooks", 0, "loadId") == loadID {
		t.Errorf("RUN 04 shares RUN 03's loadId")
	}
	rc.take()

	// The order document shows the plan.
	doc := get(t, e.api(tok, http.MethodGet, "/orders/orders/R1", nil).body, "response", "order")
	for _, c := range []struct {
		path []any
		want any
	}{
		{[]any{"header", "orderStatus"}, "PLANNED"},
		{[]any{"header", "deliveryDate"}, "2026-11-23"},
		{[]any{"groups", 0, "status"}, "PLANNED"},
		{[]any{"groups", 0, "confirmedPlanning"}, true},
		{[]any{"groups", 0, "planned", "fromDateTime"}, "2026-11-23T00-01Z"},
		{[]any{"groups", 0, "planned", "toDateTime"}, "2026-11-23T23-59Z"},
		{[]any{"groups", 0, "estimateArrivalDateTime"}, "2026-11-23T09-00Z"}, // 08:00 + 3 earlier stops × 20 min
		{[]any{"groups", 0, "runDetails", "id"}, loadID},
		{[]any{"groups", 0, "runDetails", "description"}, "RUN 03"},
		{[]any{"groups", 0, "runDetails", "groupSequence"}, float64(4)},
		{[]any{"groups", 0, "runDetails", "dispatched"}, false},
		{[]any{"groups", 0, "runDetails", "start", "actualDateTime"}, "0"},
		{[]any{"groups", 0, "runDetails", "start", "postcode"}, "LS12 6AA"},
	} {
		if got := get(t, doc, c.path...); got != c.want {
			t.Errorf("planned R1 %v = %v, want %v", c.path, got, c.want)
		}
	}

	// Dispatch.
	if r := e.admin(http.MethodPost, "dispatch", map[string]any{"orderNo": "R1"}); r.status != 200 || get(t, r.body, "order", "orderStatus") != "RELEASED" {
		t.Fatalf("dispatch: HTTP %d %s", r.status, r.raw)
	}
	got = byPath(t, rc.take())
	if len(got["RUNSTATUS/DISPATCHED"]) != 1 || len(got["ORDERSTATUS/DISPATCHED"]) != 1 || len(got) != 2 {
		t.Fatalf("dispatch webhooks %v", got)
	}
	if o := get(t, got["RUNSTATUS/DISPATCHED"][0].body, "orders", 0, "order"); o != cn("R1") {
		t.Errorf("dispatched run lists %v", o)
	}
	doc = get(t, e.api(tok, http.MethodGet, "/orders/orders/R1", nil).body, "response", "order")
	if get(t, doc, "groups", 0, "runDetails", "dispatched") != true || get(t, doc, "header", "orderStatus") != "RELEASED" ||
		get(t, doc, "groups", 0, "runDetails", "start", "actualDateTime") != "2026-11-20T09-30Z" {
		t.Errorf("dispatched document %v", doc)
	}

	// A dispatched order cannot be cancelled.
	r := e.api(tok, http.MethodDelete, "/orders/orders/R1", nil)
	if r.status != http.StatusUnprocessableEntity || r.response(t)["valid"] != false || !hasError(r.errorsOf(t), "NOTCANCELLABLE", "order") {
		t.Errorf("cancel after dispatch: HTTP %d %s", r.status, r.raw)
	}

	// Deliver.
	e.clock.Advance(3 * time.Hour)
	tok = e.token() // the old one expired
	if r := e.admin(http.MethodPost, "deliver", map[string]any{"orderNo": "R1"}); r.status != 200 || get(t, r.body, "order", "orderStatus") != "DELIVERED" {
		t.Fatalf("deliver: HTTP %d %s", r.status, r.raw)
	}
	got = byPath(t, rc.take())
	if len(got["DELIVERED/DELIVERED"]) != 1 || len(got["ORDERSTATUS/DELIVERED"]) != 1 || len(got) != 2 {
		t.Fatalf("deliver webhooks %v", got)
	}
	if d := got["DELIVERED/DELIVERED"][0]; d.auth != "Secret delivered-key" || get(t, d.body, "order", "id") != cn("R1") {
		t.Errorf("delivered webhook %+v", d)
	}
	doc = get(t, e.api(tok, http.MethodGet, "/orders/orders/R1", nil).body, "response", "order")
	for _, c := range []struct {
		path []any
		want any
	}{
		{[]any{"header", "orderStatus"}, "DELIVERED"},
		{[]any{"groups", 0, "status"}, "DELIVERED"},
		{[]any{"groups", 0, "items", 0, "delivered"}, true},
		{[]any{"groups", 0, "items", 1, "deliveredDateTime"}, "2026-11-20T12-30Z"},
		{[]any{"groups", 0, "runDetails", "completed"}, true},
	} {
		if got := get(t, doc, c.path...); got != c.want {
			t.Errorf("delivered R1 %v = %v, want %v", c.path, got, c.want)
		}
	}
	r = e.api(tok, http.MethodDelete, "/orders/orders/R1", nil)
	if r.status != http.StatusUnprocessableEntity || !hasError(r.errorsOf(t), "NOTCANCELLABLE", "order") {
		t.Errorf("cancel after delivery: HTTP %d %s", r.status, r.raw)
	}

	// Cancelling R2 through the API: its webhook is delivered in the background.
	r = e.api(tok, http.MethodDelete, "/orders/orders/R2", nil)
	if r.status != 200 || r.response(t)["valid"] != true || r.response(t)["orderStatus"] != "CANCELLED" {
		t.Fatalf("cancel R2: HTTP %d %s", r.status, r.raw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.sb.WaitIdle(ctx); err != nil {
		t.Fatalf("WaitIdle: %v", err)
	}
	got = byPath(t, rc.take())
	if len(got["ORDERSTATUS/CANCELLED"]) != 1 || len(got) != 1 {
		t.Errorf("cancel webhooks %v", got)
	}

	// Every attempt is recorded.
	hooks := e.admin(http.MethodGet, "webhooks", nil)
	deliveries := hooks.body["deliveries"].([]any)
	if len(deliveries) != len(e.sb.Deliveries()) || len(deliveries) < 9 {
		t.Errorf("%d deliveries recorded", len(deliveries))
	}
	for _, d := range deliveries {
		if get(t, d, "statusCode") != float64(200) {
			t.Errorf("delivery %v", d)
		}
	}
	if subs := hooks.body["subscriptions"].([]any); len(subs) != 3 || get(t, subs[0], "hasAuthHeader") != true {
		t.Errorf("admin subscriptions %v", subs)
	}
	if _, leaked := hooks.body["subscriptions"].([]any)[0].(map[string]any)["auth_header"]; leaked {
		t.Errorf("admin lists the auth header")
	}
}

func TestWebhookFailuresAreRecorded(t *testing.T) {
	rc := newReceiver(t)
	rc.status = http.StatusInternalServerError
	e := newEnv(t, Options{})
	tok := e.token()
	for _, url := range []string{rc.srv.URL + "/hook", "http://127.0.0.1:1/closed"} {
		r := e.api(tok, http.MethodPost, "/webhooks/webhooks", map[string]any{"event": "ORDERSTATUS", "event_type": "CONSHEADER",
			"url_path": url, "http_method": "POST", "content_type": "application/json"})
		if r.status != 200 {
			t.Fatalf("subscribe: %s", r.raw)
		}
	}
	e.createOrder(tok, deliveryOrder("X1"))
	r := e.admin(http.MethodPost, "plan", map[string]any{"orderNo": "X1", "run": "RUN 01", "sequence": 1, "date": "2026-11-23", "eta": "10:15"})
	if r.status != 200 {
		t.Fatalf("plan: %s", r.raw)
	}
	hooks := r.body["webhooks"].([]any)
	if len(hooks) != 2 {
		t.Fatalf("webhooks %v", hooks)
	}
	if get(t, hooks[0], "statusCode") != float64(500) || get(t, hooks[0], "done") != true {
		t.Errorf("refused delivery %v", hooks[0])
	}
	if get(t, hooks[1], "statusCode") != float64(0) || get(t, hooks[1], "error") == nil {
		t.Errorf("unreachable delivery %v", hooks[1])
	}
	if got := rc.take(); len(got) != 1 || got[0].auth != "" {
		t.Errorf("receiver got %+v, want one webhook without Authorization", got)
	}
	if eta := get(t, r.body, "order", "order", "groups", 0, "estimateArrivalDateTime"); eta != "2026-11-23T10-15Z" {
		t.Errorf("eta %v", eta)
	}
}

func TestAdminErrors(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token()
	e.createOrder(tok, deliveryOrder("A1"))
	tests := []struct {
		name, method, path string
		body               any
		wantStatus         int
	}{
		{"plan without run", "POST", "plan", map[string]any{"orderNo": "A1", "sequence": 1, "date": "2026-11-23"}, 400},
		{"plan with bad date", "POST", "plan", map[string]any{"orderNo": "A1", "run": "RUN 01", "sequence": 1, "date": "23/11/2026"}, 400},
		{"plan with stop 0", "POST", "plan", map[string]any{"orderNo": "A1", "run": "RUN 01", "sequence": 0, "date": "2026-11-23"}, 400},
		{"plan with bad eta", "POST", "plan", map[string]any{"orderNo": "A1", "run": "RUN 01", "sequence": 1, "date": "2026-11-23", "eta": "25:00"}, 400},
		{"plan an unknown order", "POST", "plan", map[string]any{"orderNo": "NOPE", "run": "RUN 01", "sequence": 1, "date": "2026-11-23"}, 404},
		{"plan without orderNo", "POST", "plan", map[string]any{"run": "RUN 01", "sequence": 1, "date": "2026-11-23"}, 400},
		{"unknown field", "POST", "dispatch", map[string]any{"orderNo": "A1", "when": "now"}, 400},
		{"malformed", "POST", "deliver", "{", 400},
		{"dispatch an unplanned order", "POST", "dispatch", map[string]any{"orderNo": "A1"}, 409},
		{"deliver an undispatched order", "POST", "deliver", map[string]any{"orderNo": "A1"}, 409},
		{"dispatch an unknown order", "POST", "dispatch", map[string]any{"orderNo": "NOPE"}, 404},
		{"unknown order view", "GET", "orders/NOPE", nil, 404},
		{"unknown endpoint", "POST", "explode", map[string]any{}, 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.admin(tc.method, tc.path, tc.body)
			if r.status != tc.wantStatus || r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("HTTP %d (%s) %s, want %d", r.status, r.header.Get("Content-Type"), r.raw, tc.wantStatus)
			}
			if msg, _ := r.body["error"].(string); msg == "" {
				t.Errorf("no error message: %s", r.raw)
			}
		})
	}
}

func TestCancelOrder(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token()
	created := e.createOrder(tok, deliveryOrder("K1"))
	e.createOrder(tok, deliveryOrder("K2"))
	e.admin(http.MethodPost, "plan", map[string]any{"orderNo": "K2", "run": "RUN 01", "sequence": 1, "date": "2026-11-23"})

	tests := []struct {
		name, id   string
		wantStatus int
		wantCode   string
	}{
		{"unconfirmed order", "K1", 200, ""},
		{"again", "K1", 422, "CANCELLED"},
		{"planned order by consignmentNo", "", 200, ""},
		{"unknown", "NOPE", 404, "NOTFOUND"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := tc.id
			if id == "" {
				id = e.admin(http.MethodGet, "orders/K2", nil).body["consignmentNo"].(string)
			}
			r := e.api(tok, http.MethodDelete, "/orders/orders/"+id, nil)
			if r.status != tc.wantStatus {
				t.Fatalf("HTTP %d %s, want %d", r.status, r.raw, tc.wantStatus)
			}
			if tc.wantCode != "" && !hasError(r.errorsOf(t), tc.wantCode, "order") {
				t.Errorf("errors %s, want %s", r.raw, tc.wantCode)
			}
			if tc.wantStatus == 200 && r.response(t)["orderStatus"] != "CANCELLED" {
				t.Errorf("answer %s", r.raw)
			}
		})
	}

	// Cancelled orders stay readable, through the API and the admin API.
	st := e.api(tok, http.MethodGet, "/orders/status/"+created["consignmentNo"].(string), nil)
	if get(t, st.body, "response", "orderStatus") != "CANCELLED" {
		t.Errorf("status %s", st.raw)
	}
	all := e.admin(http.MethodGet, "orders", nil).body["orders"].([]any)
	if len(all) != 2 || get(t, all[0], "orderStatus") != "CANCELLED" || get(t, all[1], "order", "groups", 0, "status") != "CANCELLED" {
		t.Errorf("admin orders %v", all)
	}
	if got := get(t, all[0], "received", "header", "orderNo"); got != "K1" {
		t.Errorf("admin does not show the request as received: %v", got)
	}
	// A cancelled order can be neither planned nor updated.
	if r := e.admin(http.MethodPost, "plan", map[string]any{"orderNo": "K1", "run": "RUN 01", "sequence": 1, "date": "2026-11-23"}); r.status != http.StatusConflict {
		t.Errorf("plan a cancelled order: HTTP %d", r.status)
	}
	if r := e.api(tok, http.MethodPatch, "/orders/orders/K1", map[string]any{"header": map[string]any{"driverNotes": "x"}}); r.status != 422 || !hasError(r.errorsOf(t), "NOTUPDATABLE", "order") {
		t.Errorf("patch a cancelled order: HTTP %d %s", r.status, r.raw)
	}
}

func TestGroupItemAndCollectionEvents(t *testing.T) {
	rc := newReceiver(t)
	var logs bytes.Buffer
	e := newEnv(t, Options{Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	tok := e.token()
	for _, pair := range [][2]string{{"GROUPSTATUS", "LOADALLOC"}, {"ITEMSTATUS", "CONSITEM"}, {"DELIVERED", "CONSHEADER"}} {
		r := e.api(tok, http.MethodPost, "/webhooks/webhooks", map[string]any{"event": pair[0], "event_type": pair[1],
			"url_path": rc.srv.URL + "/hook", "http_method": "POST", "content_type": "application/json", "auth_header": "hook-secret-value"})
		if r.status != 200 {
			t.Fatalf("subscribe: %s", r.raw)
		}
	}
	body := deliveryOrder("COL1")
	set(body, "header.orderType", "COLLECTION")
	set(body, "delivery.deliveryMethod", nil)
	set(body, "delivery.collectionMethod", "Rcollection")
	body["collection"] = body["delivery"]
	delete(body, "delivery")
	e.createOrder(tok, body)

	plan := e.admin(http.MethodPost, "plan", map[string]any{"orderNo": "COL1", "run": "PICKUPS", "sequence": 1, "date": "2026-11-24",
		"driverName": "Sam Driver", "vehicleName": "VAN 7", "vehicleType": "LGV"})
	groupID := get(t, plan.body, "order", "order", "groups", 0, "id")
	got := byPath(t, rc.take())
	if len(got) != 1 || len(got["GROUPSTATUS/PLANNEDGROUP"]) != 1 {
		t.Fatalf("plan webhooks %v", got)
	}
	g := got["GROUPSTATUS/PLANNEDGROUP"][0].body
	if get(t, g, "group", "int_seq") != groupID || get(t, g, "group", "loadId") != get(t, g, "run", "loadId") {
		t.Errorf("group block %v", g)
	}
	run := get(t, plan.body, "order", "order", "groups", 0, "runDetails")
	if get(t, run, "driverName") != "Sam Driver" || get(t, run, "vehicleName") != "VAN 7" || get(t, run, "vehicleType") != "LGV" ||
		get(t, run, "start", "postcode") != "M17 1AB" {
		t.Errorf("runDetails %v", run)
	}

	e.admin(http.MethodPost, "dispatch", map[string]any{"orderNo": "COL1"})
	if got := rc.take(); len(got) != 0 {
		t.Errorf("dispatch sent %d webhooks to group/item subscribers", len(got))
	}
	done := e.admin(http.MethodPost, "deliver", map[string]any{"orderNo": "COL1"})
	if get(t, done.body, "order", "orderStatus") != "COLLECTED" || get(t, done.body, "order", "order", "groups", 0, "items", 0, "collected") != true ||
		get(t, done.body, "order", "order", "header", "collectionStatus") != "COLLECTED" {
		t.Errorf("collected order %s", done.raw)
	}
	got = byPath(t, rc.take())
	if len(got) != 1 || len(got["ITEMSTATUS/COLLECTED"]) != 1 {
		t.Errorf("collection webhooks %v (DELIVERED subscribers must not hear of a collection)", got)
	}

	for _, secret := range []string{"sandbox-secret", tok, "hook-secret-value"} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("logs contain a secret: %s", logs.String())
		}
	}
	if !strings.Contains(logs.String(), "COL1") {
		t.Errorf("logs do not record the order: %s", logs.String())
	}
}

// Each subscription keeps one envelope; across subscriptions both occur,
// chosen by the seed, and an Options value fixes it.
func TestWebhookEnvelopes(t *testing.T) {
	envelopes := func(opts Options) []bool {
		rc := newReceiver(t)
		e := newEnv(t, opts)
		tok := e.token()
		for range 8 {
			r := e.api(tok, http.MethodPost, "/webhooks/webhooks", map[string]any{"event": "ORDERSTATUS", "event_type": "CONSHEADER",
				"url_path": rc.srv.URL + "/hook", "http_method": "POST", "content_type": "application/json"})
			if r.status != 200 {
				t.Fatalf("subscribe: %s", r.raw)
			}
		}
		e.createOrder(tok, deliveryOrder("E1"))
		e.admin(http.MethodPost, "plan", map[string]any{"orderNo": "E1", "run": "RUN 01", "sequence": 1, "date": "2026-11-23"})
		// Deliveries arrive in any order; line them up by subscription.
		out := make([]bool, 8)
		got := rc.take()
		for _, g := range got {
			if get(t, g.body, "event", "event_code") != "PLANNEDDELIVERY" {
				t.Fatalf("payload %v", g.body)
			}
			id := int(get(t, g.body, "subscription", "id").(float64))
			if id < 1 || id > 8 {
				t.Fatalf("subscription id %d", id)
			}
			out[id-1] = g.wrapped
		}
		if len(got) != 8 {
			t.Fatalf("%d deliveries, want 8", len(got))
		}
		return out
	}
	a, b := envelopes(Options{Seed: 42}), envelopes(Options{Seed: 42})
	if !slices.Equal(a, b) {
		t.Fatalf("the same seed chose %v then %v", a, b)
	}
	if !slices.Contains(a, true) || !slices.Contains(a, false) {
		t.Fatalf("eight subscriptions all got one envelope: %v", a)
	}
	for env, want := range map[Envelope]bool{EnvelopeWrapped: true, EnvelopeBare: false} {
		for _, w := range envelopes(Options{WebhookEnvelope: env}) {
			if w != want {
				t.Fatalf("%s: a delivery came wrapped=%v", env, w)
			}
		}
	}
}
