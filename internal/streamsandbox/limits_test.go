package streamsandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRateLimitSlidingWindow(t *testing.T) {
	e := newEnv(t, Options{
		Accounts:   map[string]string{"sandbox": "sandbox-secret", "other": "other-secret"},
		RateLimit:  5,
		RateWindow: time.Minute,
	})
	tok := e.token() // request 1 at t=0: token requests count
	depots := func() reply { return e.api(tok, http.MethodGet, "/depots/depots", nil) }
	for i := 2; i <= 3; i++ { // requests 2-3 at t=0
		if r := depots(); r.status != 200 {
			t.Fatalf("request %d: HTTP %d", i, r.status)
		}
	}
	e.clock.Advance(30 * time.Second)
	for i := 4; i <= 5; i++ { // requests 4-5 at t=30s
		if r := depots(); r.status != 200 {
			t.Fatalf("request %d: HTTP %d", i, r.status)
		}
	}

	r := depots() // request 6 at t=30s: over the limit
	if r.status != http.StatusTooManyRequests {
		t.Fatalf("request 6: HTTP %d, want 429: %s", r.status, r.raw)
	}
	if _, wrapped := r.body["response"]; wrapped {
		t.Errorf("429 has a response wrapper: %s", r.raw)
	}
	errs, _ := r.body["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("429 errors %s", r.raw)
	}
	item := errs[0].(map[string]any)
	if item["code"] != "RUNRL" || item["description"] != "Maximum number of requests per minute exceeded" ||
		item["severity"] != "ERROR" || item["traceId"] == "" || item["traceId"] == nil {
		t.Errorf("429 item %v", item)
	}

	// Another account has its own window, token request included.
	otherTok := e.tokenFor("other", "other-secret")
	if r := e.do(http.MethodGet, e.base+"/depots/depots", e.headers(otherTok, "other"), nil); r.status != 200 {
		t.Errorf("other account: HTTP %d", r.status)
	}
	// Token requests of a limited account are refused as well.
	r = e.do(http.MethodPost, e.base+"/oauth", nil, map[string]string{"grant_type": "client_credentials", "client_id": "sandbox", "client_secret": "sandbox-secret"})
	if r.status != http.StatusTooManyRequests {
		t.Errorf("token request over the limit: HTTP %d", r.status)
	}

	// At t=60s+1ns the three requests of t=0 leave the window: three more fit, not four.
	e.clock.Advance(30*time.Second + time.Nanosecond)
	for i := range 3 {
		if r := depots(); r.status != 200 {
			t.Fatalf("after the window moved, request %d: HTTP %d", i, r.status)
		}
	}
	if r := depots(); r.status != http.StatusTooManyRequests {
		t.Errorf("fourth request after the window moved: HTTP %d, want 429", r.status)
	}
}

func TestFaults(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token()

	t.Run("error", func(t *testing.T) {
		if r := e.admin(http.MethodPost, "faults", map[string]any{"mode": "error", "count": 2}); r.status != 200 || r.body["remaining"] != float64(2) {
			t.Fatalf("set fault: HTTP %d %s", r.status, r.raw)
		}
		// Admin calls are not affected and do not use up the fault.
		if r := e.admin(http.MethodGet, "orders", nil); r.status != 200 {
			t.Fatalf("admin during fault: HTTP %d", r.status)
		}
		r := e.api(tok, http.MethodPost, "/orders/orders", deliveryOrder("F1"))
		if r.status != http.StatusServiceUnavailable {
			t.Fatalf("first call: HTTP %d, want 503", r.status)
		}
		if r := e.api(tok, http.MethodGet, "/depots/depots", nil); r.status != http.StatusServiceUnavailable {
			t.Fatalf("second call: HTTP %d, want 503", r.status)
		}
		if r := e.api(tok, http.MethodGet, "/orders/orders/F1", nil); r.status != http.StatusNotFound {
			t.Errorf("the failed create was processed: HTTP %d %s", r.status, r.raw)
		}
	})

	t.Run("error with status", func(t *testing.T) {
		e.admin(http.MethodPost, "faults", map[string]any{"mode": "error", "count": 1, "status": 500})
		if r := e.api(tok, http.MethodGet, "/depots/depots", nil); r.status != http.StatusInternalServerError {
			t.Fatalf("HTTP %d, want 500", r.status)
		}
		if r := e.api(tok, http.MethodGet, "/depots/depots", nil); r.status != 200 {
			t.Fatalf("after the fault: HTTP %d", r.status)
		}
	})

	t.Run("error 404", func(t *testing.T) {
		// A route the tenant does not serve: the call is not processed.
		if r := e.api(tok, http.MethodPost, "/orders/orders", deliveryOrder("F404")); r.status != 200 {
			t.Fatalf("create: HTTP %d %s", r.status, r.raw)
		}
		e.admin(http.MethodPost, "faults", map[string]any{"mode": "error", "count": 1, "status": 404})
		r := e.api(tok, http.MethodDelete, "/orders/orders/F404", nil)
		if r.status != http.StatusNotFound || !hasError(r.errorsOf(t), "NOTFOUND", "path") {
			t.Fatalf("faulted delete: HTTP %d %s", r.status, r.raw)
		}
		if r := e.admin(http.MethodGet, "orders/F404", nil); r.body["orderStatus"] != "UNCONFIRMED" {
			t.Errorf("the faulted delete was processed: %s", r.raw)
		}
	})

	t.Run("drop", func(t *testing.T) {
		e.admin(http.MethodPost, "faults", map[string]any{"mode": "drop", "count": 1})
		req, _ := http.NewRequest(http.MethodPost, e.base+"/orders/orders", strings.NewReader(mustJSON(t, deliveryOrder("F2"))))
		for k, v := range e.headers(tok, "sandbox") {
			req.Header.Set(k, v)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("dropped call answered HTTP %d", resp.StatusCode)
		}
		r := e.admin(http.MethodGet, "orders/F2", nil)
		if r.status != 200 || r.body["orderStatus"] != "UNCONFIRMED" {
			t.Fatalf("the dropped create was not stored: HTTP %d %s", r.status, r.raw)
		}
		// A blind retry of the POST now meets the duplicate rule.
		retry := e.api(tok, http.MethodPost, "/orders/orders", deliveryOrder("F2"))
		if retry.status != http.StatusUnprocessableEntity || !hasError(retry.errorsOf(t), "DUPLICATE", "header.orderNo") {
			t.Errorf("retry: HTTP %d %s", retry.status, retry.raw)
		}
	})

	t.Run("latency", func(t *testing.T) {
		e.admin(http.MethodPost, "faults", map[string]any{"mode": "latency", "count": 1, "latencyMs": 5000})
		client := &http.Client{Timeout: 50 * time.Millisecond}
		req, _ := http.NewRequest(http.MethodGet, e.base+"/depots/depots", nil)
		for k, v := range e.headers(tok, "sandbox") {
			req.Header.Set(k, v)
		}
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("slowed call answered HTTP %d before the client's timeout", resp.StatusCode)
		}
		if r := e.admin(http.MethodGet, "faults", nil); r.body["mode"] != "none" {
			t.Errorf("fault still pending: %s", r.raw)
		}
		if r := e.api(tok, http.MethodGet, "/depots/depots", nil); r.status != 200 {
			t.Errorf("after the fault: HTTP %d", r.status)
		}
	})

	t.Run("invalid", func(t *testing.T) {
		for _, body := range []map[string]any{
			{"mode": "explode", "count": 1},
			{"mode": "error", "count": 0},
			{"mode": "latency", "count": 1},
			{"mode": "error", "count": 1, "status": 403},
			{"mode": "drop", "count": 1, "surprise": true},
		} {
			if r := e.admin(http.MethodPost, "faults", body); r.status != http.StatusBadRequest || r.body["error"] == "" {
				t.Errorf("%v: HTTP %d %s", body, r.status, r.raw)
			}
		}
	})
}

// TestDefaults: the zero Options give the documented Stream behaviour: the
// account sandbox / sandbox-secret, tokens that last five minutes, and 200
// requests a minute per account, token requests included.
func TestDefaults(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.do(http.MethodPost, e.base+"/oauth", nil, map[string]string{
		"grant_type": "client_credentials", "client_id": DefaultClientID, "client_secret": DefaultClientSecret,
	})
	if r.status != http.StatusOK || r.body["expires_in"] != float64(300) {
		t.Fatalf("default token: HTTP %d %s, want expires_in 300", r.status, r.raw)
	}
	tok := r.body["access_token"].(string)
	for i := 2; i <= 200; i++ {
		if r := e.api(tok, http.MethodGet, "/depots/depots", nil); r.status != http.StatusOK {
			t.Fatalf("request %d: HTTP %d %s", i, r.status, r.raw)
		}
	}
	if r := e.api(tok, http.MethodGet, "/depots/depots", nil); r.status != http.StatusTooManyRequests {
		t.Fatalf("request 201: HTTP %d, want 429", r.status)
	}
	e.clock.Advance(time.Minute)
	if r := e.api(tok, http.MethodGet, "/depots/depots", nil); r.status != http.StatusOK {
		t.Fatalf("a minute later: HTTP %d %s", r.status, r.raw)
	}
	e.clock.Advance(4 * time.Minute)
	if r := e.api(tok, http.MethodGet, "/depots/depots", nil); r.status != http.StatusUnauthorized {
		t.Fatalf("after five minutes the token still works: HTTP %d", r.status)
	}
}
