package linnworkssandbox

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestRateLimitPerSessionAndEndpoint(t *testing.T) {
	e := newEnv(t, Options{NoSeed: true, RateWindow: 10 * time.Second})
	token := e.login()

	// GetIntegrations: one call per window.
	e.ok(token, "GET", "/api/ShippingService/GetIntegrations", nil, 200)
	r := e.call("GET", "/api/ShippingService/GetIntegrations", token, nil)
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "10" {
		t.Fatalf("second GetIntegrations: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	if !strings.Contains(r.v1err(t).Message, "1 requests per minute") {
		t.Errorf("message %s", r.body)
	}
	// Another endpoint and another session are not affected.
	e.ok(token, "GET", "/api/OpenOrders/GetIdentifiers", nil, 200)
	other := e.login()
	e.ok(other, "GET", "/api/ShippingService/GetIntegrations", nil, 200)

	e.clock.Advance(4 * time.Second)
	if r := e.call("GET", "/api/ShippingService/GetIntegrations", token, nil); r.header.Get("Retry-After") != "6" {
		t.Errorf("Retry-After after 4s: %q, want 6", r.header.Get("Retry-After"))
	}
	e.clock.Advance(6 * time.Second)
	e.ok(token, "GET", "/api/ShippingService/GetIntegrations", nil, 200)

	// GetIdentifiers: 150 per window, sliding.
	fresh := e.login()
	for i := 0; i < 150; i++ {
		if r := e.raw("GET", "/api/OpenOrders/GetIdentifiers", fresh, "", nil); r.status != 200 {
			t.Fatalf("call %d: %d", i+1, r.status)
		}
		if i == 99 {
			e.clock.Advance(5 * time.Second)
		}
	}
	if r := e.raw("GET", "/api/OpenOrders/GetIdentifiers", fresh, "", nil); r.status != 429 {
		t.Fatalf("call 151: %d, want 429", r.status)
	}
	// After the first 100 calls leave the window, 100 more are allowed.
	e.clock.Advance(5 * time.Second)
	if r := e.raw("GET", "/api/OpenOrders/GetIdentifiers", fresh, "", nil); r.status != 200 {
		t.Fatalf("after the window slid: %d", r.status)
	}
}

func TestFaults(t *testing.T) {
	e := newEnv(t, Options{NoSeed: true})
	token := e.login()
	inject := func(body string, want int) {
		t.Helper()
		if r := e.raw("POST", "/admin/faults", "", "application/json", []byte(body)); r.status != want {
			t.Fatalf("inject %s: %d %s", body, r.status, r.body)
		}
	}
	inject(`{"mode":"error","count":2}`, 201)
	inject(`{"mode":"429","count":1}`, 201)
	for i := 0; i < 2; i++ {
		r := e.call("GET", "/api/OpenOrders/GetIdentifiers", token, nil)
		if r.status != 500 || r.v1err(t).Code != "InternalServerError" {
			t.Fatalf("call %d: %d %s", i+1, r.status, r.body)
		}
		// Admin calls do not consume faults.
		e.raw("GET", "/admin/orders", "", "", nil)
	}
	r := e.call("GET", "/api/OpenOrders/GetIdentifiers", token, nil)
	if r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Fatalf("429 fault: %d Retry-After %q", r.status, r.header.Get("Retry-After"))
	}
	e.ok(token, "GET", "/api/OpenOrders/GetIdentifiers", nil, 200)

	for _, bad := range []string{`{"mode":"boom","count":1}`, `{"mode":"error","count":0}`, `{"mode":"latency","count":1}`, `{"mode":"error","count":1,"extra":1}`} {
		inject(bad, 400)
	}

	// Latency holds the answer back: a client that gives up first sees a timeout, then the
	// fault is used up and calls answer at once.
	inject(`{"mode":"latency","count":1,"latencyMs":60000}`, 201)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", e.srv.URL+"/api/OpenOrders/GetIdentifiers", nil)
	req.Header.Set("Authorization", token)
	resp, err := e.srv.Client().Do(req)
	if err == nil {
		resp.Body.Close()
		t.Fatalf("delayed call answered %d before the client's deadline", resp.StatusCode)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("delayed call: %v", err)
	}
	e.ok(token, "GET", "/api/OpenOrders/GetIdentifiers", nil, 200)

	inject(`{"mode":"error","count":5}`, 201)
	if r := e.raw("DELETE", "/admin/faults", "", "", nil); r.status != 204 {
		t.Fatalf("clear faults: %d", r.status)
	}
	e.ok(token, "GET", "/api/OpenOrders/GetIdentifiers", nil, 200)
}

func TestJournal(t *testing.T) {
	e := newEnv(t, Options{NoSeed: true})
	token := e.login()
	e.ok(token, "GET", "/api/Orders/GetOrderDetailsByNumOrderId?OrderId=7", nil, 200)
	e.raw("POST", "/api/Orders/GetOpenOrders", token, "application/json", []byte(`{"entriesPerPage":"x"}`))

	var journal []JournalEntry
	e.raw("GET", "/admin/requests", "", "", nil).decode(t, &journal)
	if len(journal) != 3 {
		t.Fatalf("journal has %d entries, want 3 (admin calls are not journaled)", len(journal))
	}
	auth, get, bad := journal[0], journal[1], journal[2]
	if auth.Path != "/api/Auth/AuthorizeByApplication" || auth.Status != 200 || !strings.Contains(auth.Body, DefaultInstallToken) {
		t.Errorf("auth entry %+v", auth)
	}
	if get.Method != "GET" || get.Query != "OrderId=7" || get.Status != 200 || get.Header.Get("Authorization") != redacted {
		t.Errorf("get entry %+v", get)
	}
	if bad.Body != `{"entriesPerPage":"x"}` || bad.Status != 400 || bad.Header.Get("Content-Type") != "application/json" {
		t.Errorf("bad entry %+v", bad)
	}
	for _, j := range journal {
		for _, v := range j.Header {
			if strings.Contains(strings.Join(v, ","), token) {
				t.Errorf("session token in the journal: %+v", j)
			}
		}
	}
	if r := e.raw("DELETE", "/admin/requests", "", "", nil); r.status != 204 {
		t.Fatalf("clear: %d", r.status)
	}
	if got := e.sb.Journal(); len(got) != 0 {
		t.Errorf("journal after clear: %d entries", len(got))
	}
}

// TestJournalIsBounded: a long-running sandbox keeps the most recent requests only, and the
// sequence numbers show what was dropped.
func TestJournalIsBounded(t *testing.T) {
	e := newEnv(t, Options{NoSeed: true})
	req := httptest.NewRequest("GET", "/api/OpenOrders/GetIdentifiers", nil)
	total := journalLimit + journalLimit/2
	for range total {
		e.sb.record(req, nil, http.StatusOK)
	}
	j := e.sb.Journal()
	if len(j) > journalLimit || len(j) < journalLimit*9/10 {
		t.Fatalf("journal holds %d entries after %d requests, want at most %d and at least %d", len(j), total, journalLimit, journalLimit*9/10)
	}
	if last := j[len(j)-1].Seq; last != total {
		t.Fatalf("last entry is %d, want %d", last, total)
	}
	for i := 1; i < len(j); i++ {
		if j[i].Seq != j[i-1].Seq+1 {
			t.Fatalf("entries %d and %d are not consecutive", j[i-1].Seq, j[i].Seq)
		}
	}
}
