package stream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestNewValidatesAccount(t *testing.T) {
	good := Account{BaseURL: "https://www.demo.go2stream.net/api/", ClientID: "id", ClientSecret: "Zx9-secret-Q"}
	tests := []struct {
		name string
		edit func(*Account)
		want string
	}{
		{"no base", func(a *Account) { a.BaseURL = "" }, "base URL is required"},
		{"relative", func(a *Account) { a.BaseURL = "www.demo.go2stream.net/api" }, "must start with https://"},
		{"ftp", func(a *Account) { a.BaseURL = "ftp://host/api" }, "must start with https://"},
		{"no host", func(a *Account) { a.BaseURL = "https:///api" }, "has no host"},
		{"userinfo", func(a *Account) { a.BaseURL = "https://u:p@host/api" }, "must not carry credentials"},
		{"query", func(a *Account) { a.BaseURL = "https://host/api?x=1" }, "query"},
		{"no id", func(a *Account) { a.ClientID = " " }, "client id is required"},
		{"no secret", func(a *Account) { a.ClientSecret = "" }, "client secret is required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := good
			tt.edit(&a)
			_, err := New(a)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New(%+v) error = %v, want containing %q", a, err, tt.want)
			}
			if err != nil && a.ClientSecret != "" && strings.Contains(err.Error(), a.ClientSecret) {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
	c, err := New(good)
	if err != nil {
		t.Fatal(err)
	}
	if c.BaseURL() != "https://www.demo.go2stream.net/api" || c.party != "id" {
		t.Fatalf("base %q party %q, want trimmed base and party = client id", c.BaseURL(), c.party)
	}
	if _, err := New(good, WithRateLimit(0, time.Minute)); err == nil {
		t.Fatal("a zero rate limit was accepted")
	}
}

func TestHeadersOnEveryCall(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"response": map[string]any{"valid": true, "depots": []any{}, "subscriptions": []any{},
			"consignmentNo": "C1", "id": 1, "orderStatus": "UNCONFIRMED", "order": map[string]any{"header": map[string]any{"orderNo": "1001"}}}})
	})
	acct := f.account()
	acct.Party = "PARTY7"
	c, err := New(acct)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Every operation, two depot reads among them.
	calls := []func() error{
		func() error { _, err := c.Depots(ctx); return err },
		func() error { _, err := c.Depots(ctx); return err },
		func() error { _, err := c.Webhooks(ctx); return err },
		func() error { _, err := c.CreateOrder(ctx, testOrder("1001")); return err },
		func() error { _, err := c.GetOrder(ctx, "1001"); return err },
		func() error { _, err := c.OrderStatus(ctx, "1001"); return err },
		func() error { return c.UpdateOrderHeader(ctx, "1001", &HeaderUpdate{DriverNotes: "Side gate"}) },
		func() error { return c.DeleteOrder(ctx, "1001") },
		func() error {
			_, err := c.SubscribeWebhook(ctx, Subscription{Event: "DELIVERED", EventType: "CONSHEADER", URLPath: "https://h.example/x"})
			return err
		},
	}
	for i, call := range calls {
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	all := f.requests(true)
	if len(all) != 1+len(calls) || all[0].Path != "/api/oauth" {
		t.Fatalf("got %d requests starting %v, want one token request then %d calls", len(all), all[0].Path, len(calls))
	}
	for _, r := range all {
		if hasBody := len(r.Body) > 0; hasBody != (r.Header.Get("Content-Type") == "application/json") {
			t.Fatalf("%s %s: body %d bytes with Content-Type %q", r.Method, r.Path, len(r.Body), r.Header.Get("Content-Type"))
		}
	}
	var grant map[string]string
	if err := json.Unmarshal(all[0].Body, &grant); err != nil {
		t.Fatalf("token body %q: %v", all[0].Body, err)
	}
	if grant["grant_type"] != "client_credentials" || grant["client_id"] != testClientID || grant["client_secret"] != testSecret {
		t.Fatalf("token body = %v", grant)
	}
	if all[0].Header.Get("Stream-Party") != "" || all[0].Header.Get("Authorization") != "" {
		t.Fatal("token request carries Stream-Party or Authorization")
	}
	nonces := map[string]bool{}
	for _, r := range all {
		n := r.Header.Get("Stream-Nonce")
		if len(n) != 32 || nonces[n] {
			t.Fatalf("nonce %q is missing, short or reused", n)
		}
		nonces[n] = true
		if r.Header.Get("Accept") != "application/json" {
			t.Fatalf("%s %s: Accept = %q", r.Method, r.Path, r.Header.Get("Accept"))
		}
	}
	for _, r := range all[1:] {
		if got := r.Header.Get("Authorization"); got != "Bearer tok-1" {
			t.Fatalf("%s %s: Authorization = %q", r.Method, r.Path, got)
		}
		if got := r.Header.Get("Stream-Party"); got != "PARTY7" {
			t.Fatalf("%s %s: Stream-Party = %q", r.Method, r.Path, got)
		}
	}
}

func TestValidationShapes(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		wantCodes []string
		wantWarn  int
		wantText  []string
	}{
		{
			name:   "message instead of description, lower-case severities",
			status: 422,
			body: `{"response":{"valid":false,"errors":[
				{"code":"E1","message":"postcode is invalid","severity":"error","traceId":"t-1"},
				{"code":"W1","message":"no mobile number","severity":"warning"}]}}`,
			wantCodes: []string{"E1"}, wantWarn: 1,
			wantText: []string{"E1: postcode is invalid", "HTTP 422"},
		},
		{
			name:      "valid false with HTTP 200",
			status:    200,
			body:      `{"response":{"valid":false,"errors":[{"code":"DEPOT","description":"unknown depot","severity":"Error"}]}}`,
			wantCodes: []string{"DEPOT"},
			wantText:  []string{"DEPOT: unknown depot", "HTTP 200"},
		},
		{
			name:   "both description and message",
			status: 400,
			body: `{"response":{"valid":false,"errors":[
				{"code":"A","description":"first","message":"detail of first","severity":"ERROR"},
				{"code":"B","description":"second","severity":"ERROR"}]}}`,
			wantCodes: []string{"A", "B"},
			wantText:  []string{"A: first (detail of first); B: second"},
		},
		{
			name:      "valid false with only warnings keeps them as the reason",
			status:    422,
			body:      `{"response":{"valid":false,"errors":[{"code":"W","description":"odd","severity":"INFO"}]}}`,
			wantCodes: []string{"W"},
			wantText:  []string{"W: odd"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { writeRaw(w, tt.status, "application/json", tt.body) })
			_, err := f.client(t).CreateOrder(context.Background(), testOrder("1001"))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %T %v, want *ValidationError", err, err)
			}
			var codes []string
			for _, m := range ve.Messages {
				codes = append(codes, m.Code)
			}
			if strings.Join(codes, ",") != strings.Join(tt.wantCodes, ",") || len(ve.Warnings) != tt.wantWarn {
				t.Fatalf("codes %v warnings %d, want %v and %d", codes, len(ve.Warnings), tt.wantCodes, tt.wantWarn)
			}
			if ve.Status != tt.status || ve.Local {
				t.Fatalf("status %d local %v", ve.Status, ve.Local)
			}
			for _, want := range tt.wantText {
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("error %q lacks %q", err, want)
				}
			}
			if errors.Is(err, ErrOutcomeUnknown) || errors.Is(err, ErrNotFound) || IsDuplicate(err) {
				t.Fatalf("validation error matches a wrong sentinel: %v", err)
			}
			if n := len(f.requests(false)); n != 1 {
				t.Fatalf("%d create requests, want exactly 1 (a rejection is not retried)", n)
			}
		})
	}
	// The trace id and the message field survive.
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, 422, "application/json", `{"response":{"valid":false,"errors":[{"code":"E1","message":"bad","severity":"error","traceId":"t-9"}]}}`)
	})
	_, err := f.client(t).CreateOrder(context.Background(), testOrder("1002"))
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Messages[0] != (Message{Code: "E1", Message: "bad", Severity: "error", TraceID: "t-9"}) {
		t.Fatalf("messages = %+v", ve)
	}
}

func TestWarningsDoNotFail(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, 200, "application/json", `{"response":{"valid":true,"consignmentNo":"C1","orderNo":"1001","customerOrderNo":"X","trackingId":"T1","trackingURL":"https://t/1",
			"errors":[{"code":"NOCONTACT","description":"no mobile","severity":"Warning"},{"code":"I","message":"fyi","severity":"info"}]}}`)
	})
	res, err := f.client(t).CreateOrder(context.Background(), testOrder("1001"))
	if err != nil {
		t.Fatal(err)
	}
	want := CreateResult{ConsignmentNo: "C1", OrderNo: "1001", CustomerOrderNo: "X", TrackingID: "T1", TrackingURL: "https://t/1"}
	if res.ConsignmentNo != want.ConsignmentNo || res.OrderNo != want.OrderNo || res.CustomerOrderNo != want.CustomerOrderNo ||
		res.TrackingID != want.TrackingID || res.TrackingURL != want.TrackingURL || res.Recovered {
		t.Fatalf("result = %+v", res)
	}
	if len(res.Warnings) != 2 || res.Warnings[0].Code != "NOCONTACT" || res.Warnings[1].Text() != "fyi" {
		t.Fatalf("warnings = %+v", res.Warnings)
	}
}

func TestNotJSONReplies(t *testing.T) {
	t.Run("HTML login page", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			writeRaw(w, 200, "text/html; charset=utf-8", "<html><head><title>Stream  Login</title></head><body>Sign in</body></html>")
		})
		_, err := f.client(t).Depots(context.Background())
		var nj *NotJSONError
		if !errors.As(err, &nj) || !errors.Is(err, ErrConfiguration) {
			t.Fatalf("err = %v, want *NotJSONError matching ErrConfiguration", err)
		}
		if nj.URL != f.srv.URL+"/api/depots/depots" || nj.Status != 200 || nj.Title != "Stream Login" || !strings.HasPrefix(nj.ContentType, "text/html") {
			t.Fatalf("error = %+v", nj)
		}
		if !strings.Contains(err.Error(), f.srv.URL+"/api/depots/depots") || !strings.Contains(err.Error(), "base URL") {
			t.Fatalf("message %q does not name the URL and the fix", err)
		}
	})
	t.Run("token endpoint answers HTML", func(t *testing.T) {
		f := newFake(t, nil)
		f.oauth = func(w http.ResponseWriter, r *http.Request) { writeRaw(w, 404, "text/html", "<h1>Not Found</h1>") }
		err := f.client(t).Authenticate(context.Background())
		var nj *NotJSONError
		if !errors.As(err, &nj) || nj.URL != f.srv.URL+"/api/oauth" || nj.Status != 404 {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("redirect is not followed", func(t *testing.T) {
		var followed atomic.Int32
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/login" {
				followed.Add(1)
				writeRaw(w, 200, "text/html", "<title>Login</title>")
				return
			}
			http.Redirect(w, r, "/login", http.StatusFound)
		})
		// Even a caller's client that follows redirects must not follow them.
		c := f.client(t, WithHTTPClient(&http.Client{}))
		_, err := c.GetOrder(context.Background(), "1001")
		var nj *NotJSONError
		if !errors.As(err, &nj) || nj.Status != 302 || nj.Location != "/login" || !errors.Is(err, ErrConfiguration) {
			t.Fatalf("err = %v", err)
		}
		if followed.Load() != 0 {
			t.Fatal("the redirect was followed")
		}
		if !strings.Contains(err.Error(), f.srv.URL+"/api/orders/orders/1001") {
			t.Fatalf("message %q does not name the URL", err)
		}
	})
}

func TestAuthErrors(t *testing.T) {
	f := newFake(t, nil)
	f.oauth = func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, 400, "application/problem+json", `{"type":"http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html","title":"invalid_client","status":400,"detail":"The client credentials are invalid"}`)
	}
	c := f.client(t)
	err := c.Authenticate(context.Background())
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Status != 400 || ae.Title != "invalid_client" || ae.Detail != "The client credentials are invalid" {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(err.Error(), "invalid_client: The client credentials are invalid") || strings.Contains(err.Error(), testSecret) {
		t.Fatalf("message %q", err)
	}
	if !errors.Is(err, ErrConfiguration) {
		t.Fatal("AuthError does not match ErrConfiguration")
	}
	// A create whose token is refused never reaches the orders endpoint and
	// is not an unknown outcome.
	_, err = c.CreateOrder(context.Background(), testOrder("1001"))
	if !errors.As(err, &ae) || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("create err = %v", err)
	}
	if n := len(f.requests(false)); n != 0 {
		t.Fatalf("%d API requests were made without a token", n)
	}
	if n := len(f.requests(true)); n != 2 {
		t.Fatalf("%d token requests, want 2 (bad credentials are not retried)", n)
	}
}

func TestUnauthorizedRefreshesOnce(t *testing.T) {
	var creates atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		// Only the second token is accepted.
		if r.Header.Get("Authorization") != "Bearer tok-2" {
			writeRaw(w, 401, "application/problem+json", `{"title":"invalid_token","status":401,"detail":"The access token provided has expired"}`)
			return
		}
		creates.Add(1)
		writeJSON(w, 200, created("1001"))
	})
	res, err := f.client(t).CreateOrder(context.Background(), testOrder("1001"))
	if err != nil || res.ConsignmentNo != "C-1001" {
		t.Fatalf("create = %+v, %v", res, err)
	}
	if f.tokens.Load() != 2 || creates.Load() != 1 || len(f.requests(false)) != 2 {
		t.Fatalf("tokens %d, accepted creates %d, create requests %d; want 2, 1, 2", f.tokens.Load(), creates.Load(), len(f.requests(false)))
	}

	// A 401 that persists after one refresh is an AuthError, not a loop.
	g := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, 401, "application/json", `{"response":{"valid":false,"errors":[{"code":"AUTH","description":"party not allowed","severity":"ERROR"}]}}`)
	})
	_, err = g.client(t).Depots(context.Background())
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Status != 401 || !strings.Contains(ae.Detail, "party not allowed") {
		t.Fatalf("err = %v", err)
	}
	if g.tokens.Load() != 2 || len(g.requests(false)) != 2 {
		t.Fatalf("tokens %d, calls %d; want 2 and 2", g.tokens.Load(), len(g.requests(false)))
	}
}

func TestRateLimited(t *testing.T) {
	const runrl = `{"errors":[{"code":"RUNRL","description":"Maximum number of requests per minute exceeded","severity":"ERROR","traceId":"abc"}]}`
	t.Run("backs off and succeeds", func(t *testing.T) {
		var n atomic.Int32
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) <= 2 {
				writeRaw(w, 429, "application/json", runrl)
				return
			}
			writeJSON(w, 200, created("1001"))
		})
		res, err := f.client(t).CreateOrder(context.Background(), testOrder("1001"))
		if err != nil || res.ConsignmentNo != "C-1001" || n.Load() != 3 {
			t.Fatalf("create = %+v, %v after %d attempts; want success on the third", res, err, n.Load())
		}
	})
	t.Run("gives up when the wait would pass the deadline", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "30")
			writeRaw(w, 429, "application/json", runrl)
		})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := f.client(t).CreateOrder(ctx, testOrder("1001"))
		var rl *RateLimitError
		if !errors.As(err, &rl) || rl.Local || rl.Attempts != 1 || rl.RetryAfter < 30*time.Second {
			t.Fatalf("err = %#v", err)
		}
		if len(rl.Messages) != 1 || rl.Messages[0].Code != "RUNRL" || rl.Messages[0].TraceID != "abc" {
			t.Fatalf("messages = %+v", rl.Messages)
		}
		if errors.Is(err, ErrOutcomeUnknown) {
			t.Fatal("a 429 is not an unknown outcome: Stream documents it as not processed")
		}
		if n := len(f.requests(false)); n != 1 {
			t.Fatalf("%d attempts, want 1", n)
		}
	})
	t.Run("bounded attempts without a deadline", func(t *testing.T) {
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) { writeRaw(w, 429, "application/json", runrl) })
		_, err := f.client(t).Depots(context.Background())
		var rl *RateLimitError
		if !errors.As(err, &rl) || rl.Attempts != maxRateLimitAttempts || len(f.requests(false)) != maxRateLimitAttempts {
			t.Fatalf("err = %v after %d requests", err, len(f.requests(false)))
		}
	})
}

func TestCreateIsNotRetriedAfterSending(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"5xx", func(w http.ResponseWriter, r *http.Request) {
			writeRaw(w, 502, "text/html", "<title>Bad Gateway</title>")
		}},
		{"connection dropped", func(w http.ResponseWriter, r *http.Request) { hangUp(w) }},
		{"valid without consignment", func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 200, map[string]any{"response": map[string]any{"valid": true}})
		}},
		{"garbled success", func(w http.ResponseWriter, r *http.Request) {
			writeRaw(w, 200, "application/json", `{"response":{"valid":true,"consignmentNo":{"oops":1}}}`)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, tt.handler)
			_, err := f.client(t).CreateOrder(context.Background(), testOrder("1001"))
			var ou *OutcomeUnknownError
			if !errors.Is(err, ErrOutcomeUnknown) || !errors.As(err, &ou) || ou.OrderNo != "1001" {
				t.Fatalf("err = %v, want an unknown outcome for 1001", err)
			}
			if n := len(f.requests(false)); n != 1 {
				t.Fatalf("%d POSTs, want exactly 1", n)
			}
		})
	}
	t.Run("timeout after sending", func(t *testing.T) {
		release := make(chan struct{})
		f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-release:
			case <-r.Context().Done():
			}
		})
		defer close(release)
		c := f.client(t)
		if err := c.Authenticate(context.Background()); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := c.CreateOrder(ctx, testOrder("1001"))
		if !errors.Is(err, ErrOutcomeUnknown) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want unknown outcome caused by the deadline", err)
		}
	})
}

func TestCreateRetriedWhenNeverSent(t *testing.T) {
	// A port nobody listens on: every dial is refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	var dials atomic.Int32
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, a string) (net.Conn, error) {
		dials.Add(1)
		return (&net.Dialer{}).DialContext(ctx, network, a)
	}}}
	c, err := New(Account{BaseURL: "http://" + addr + "/api", ClientID: "id", ClientSecret: "sec"},
		WithHTTPClient(hc), WithBackoff(time.Millisecond, 2*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	// Seed a token so the create itself meets the refused connection.
	c.tok.token, c.tok.refreshAt = "seeded", time.Now().Add(time.Hour)
	_, err = c.CreateOrder(context.Background(), testOrder("1001"))
	var ne *NetworkError
	if !errors.As(err, &ne) || ne.Sent || errors.Is(err, ErrOutcomeUnknown) {
		t.Fatalf("err = %v, want a NetworkError that was never sent", err)
	}
	if ne.Host != addr || ne.Op != "create order 1001" || !strings.Contains(err.Error(), addr) {
		t.Fatalf("error %q does not name host and operation", err)
	}
	if dials.Load() != maxTransientAttempts {
		t.Fatalf("%d dials, want %d (retried because nothing was sent)", dials.Load(), maxTransientAttempts)
	}
}

func TestReadsRetryTransientFailures(t *testing.T) {
	var n atomic.Int32
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		switch n.Add(1) {
		case 1:
			writeRaw(w, 503, "text/plain", "busy")
		case 2:
			hangUp(w)
		default:
			writeJSON(w, 200, map[string]any{"response": map[string]any{"valid": true, "orderStatus": "PLANNED", "trackingURL": "https://t/9"}})
		}
	})
	st, err := f.client(t).OrderStatus(context.Background(), "1001")
	if err != nil || st.OrderStatus != "PLANNED" || st.TrackingURL != "https://t/9" || n.Load() != 3 {
		t.Fatalf("status = %+v, %v after %d attempts", st, err, n.Load())
	}
	// Persistent 5xx ends in a StatusError after the retry budget.
	g := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, 500, "application/json", `{"response":{"valid":false}}`)
	})
	_, err = g.client(t).OrderStatus(context.Background(), "1001")
	var se *StatusError
	if !errors.As(err, &se) || se.Status != 500 || len(g.requests(false)) != maxTransientAttempts {
		t.Fatalf("err = %v after %d attempts", err, len(g.requests(false)))
	}
}

func TestNotFound(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"404 envelope", 404, `{"response":{"valid":false,"errors":[{"code":"NOTFOUND","description":"order: 9 was not found","severity":"ERROR"}]}}`},
		{"422 on a read", 422, `{"response":{"valid":false,"errors":[{"code":"E","description":"no such order","severity":"ERROR"}]}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, func(w http.ResponseWriter, r *http.Request) { writeRaw(w, tt.status, "application/json", tt.body) })
			c := f.client(t)
			_, err := c.GetOrder(context.Background(), "9")
			var nf *NotFoundError
			if !errors.Is(err, ErrNotFound) || !errors.As(err, &nf) || nf.Status != tt.status || len(nf.Messages) != 1 {
				t.Fatalf("err = %v", err)
			}
			if _, err := c.OrderStatus(context.Background(), "9"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("status err = %v", err)
			}
		})
	}
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, 404, "application/json", `{"response":{"valid":false,"errors":[{"code":"NOTFOUND","description":"gone","severity":"ERROR"}]}}`)
	})
	if err := f.client(t).DeleteOrder(context.Background(), "9"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("delete err = %v", err)
	}
}

func TestSecretsNeverInErrors(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		// A server that echoes what it was sent.
		echo := r.Header.Get("Authorization") + " " + testSecret
		writeJSON(w, 422, map[string]any{"response": map[string]any{"valid": false,
			"errors": []any{map[string]any{"code": "X", "description": echo, "severity": "ERROR"}}}})
	})
	f.oauth = func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"access_token": "tok-visible-nowhere", "expires_in": 60})
	}
	_, err := f.client(t).CreateOrder(context.Background(), testOrder("1001"))
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), testSecret) || strings.Contains(err.Error(), "tok-visible-nowhere") {
		t.Fatalf("error leaks a secret: %v", err)
	}
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("error %q lost the rest of the message", err)
	}
}

func TestLengthChecksBeforeSending(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, created("x")) })
	c := f.client(t)
	o := testOrder("1001")
	o.Delivery.Address.Address1 = strings.Repeat("a", 41)
	o.Header.OrderNo = "123456789012345678"
	o.Delivery.Contact.Email = strings.Repeat("é", 71)
	o.Header.Customer.Address.Country = "GBR"
	_, err := c.CreateOrder(context.Background(), o)
	var ve *ValidationError
	if !errors.As(err, &ve) || !ve.Local {
		t.Fatalf("err = %v, want a local ValidationError", err)
	}
	for _, want := range []string{
		"header.orderNo is 18 characters; Stream allows 17",
		"delivery.address.address1 is 41 characters; Stream allows 35",
		"delivery.contact.email is 71 characters; Stream allows 70",
		"header.customer.address.country is 3 characters; Stream allows 2",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if len(ve.Messages) != 4 {
		t.Fatalf("%d messages, want 4: %v", len(ve.Messages), err)
	}
	if n := len(f.requests(true)); n != 0 {
		t.Fatalf("%d requests reached Stream", n)
	}
	// Other local checks.
	for name, edit := range map[string]func(*Order){
		"no type":          func(o *Order) { o.Header.OrderType = "" },
		"leg mismatch":     func(o *Order) { o.Header.OrderType = OrderTypeCollection },
		"bad parent":       func(o *Order) { o.Delivery.Items[1].ParentSequence = 7 },
		"notes too long":   func(o *Order) { o.Header.DriverNotes = strings.Repeat("n", 141) },
		"partner too long": func(o *Order) { o.Header.Partner = &Partner{ID: ID(strings.Repeat("p", 18))} },
	} {
		o := testOrder("1001")
		edit(o)
		if _, err := c.CreateOrder(context.Background(), o); !errors.As(err, &ve) || !ve.Local {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	if err := c.UpdateOrderHeader(context.Background(), "1001", &HeaderUpdate{OrderNotes: strings.Repeat("n", 141)}); !errors.As(err, &ve) ||
		!strings.Contains(err.Error(), "header.orderNotes is 141 characters; Stream allows 140") {
		t.Errorf("update err = %v", err)
	}
	if n := len(f.requests(true)); n != 0 {
		t.Fatalf("%d requests reached Stream", n)
	}
}

func TestRequestBodies(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodPost:
			writeJSON(w, 200, map[string]any{"response": map[string]any{"valid": true, "id": "17"}})
		default:
			writeJSON(w, 200, map[string]any{"response": map[string]any{"valid": true, "errors": []any{}}})
		}
	})
	c := f.client(t)
	ctx := context.Background()
	if err := c.UpdateOrderHeader(ctx, "10/01", &HeaderUpdate{DriverNotes: "Ring twice", OrderDate: DateOf(time.Date(2026, 6, 20, 23, 0, 0, 0, time.UTC))}); err != nil {
		t.Fatal(err)
	}
	id, err := c.SubscribeWebhook(ctx, Subscription{Event: "DELIVERED", EventType: "CONSHEADER", URLPath: "https://hooks.example/stream/webhook/k1", AuthHeader: "hook-secret"})
	if err != nil || id != 17 {
		t.Fatalf("subscribe = %d, %v", id, err)
	}
	if _, err := c.SubscribeWebhook(ctx, Subscription{Event: "DELIVERED", URLPath: "/relative"}); err == nil ||
		!strings.Contains(err.Error(), "event_type is required") || !strings.Contains(err.Error(), "url_path must be an absolute URL") {
		t.Fatalf("bad subscription err = %v", err)
	}
	reqs := f.requests(false)
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	if reqs[0].Method != http.MethodPatch || reqs[0].Path != "/api/orders/orders/10/01" && reqs[0].Path != "/api/orders/orders/10%2F01" {
		t.Fatalf("patch went to %s %s", reqs[0].Method, reqs[0].Path)
	}
	if got := string(reqs[0].Body); got != `{"header":{"orderDate":"2026-06-20","driverNotes":"Ring twice"}}` {
		t.Fatalf("patch body = %s", got)
	}
	var sub map[string]any
	_ = json.Unmarshal(reqs[1].Body, &sub)
	want := map[string]any{"event": "DELIVERED", "event_type": "CONSHEADER", "url_path": "https://hooks.example/stream/webhook/k1",
		"http_method": "POST", "content_type": "application/json", "auth_header": "hook-secret"}
	if len(sub) != len(want) {
		t.Fatalf("subscribe body = %v", sub)
	}
	for k, v := range want {
		if sub[k] != v {
			t.Fatalf("subscribe body %s = %v, want %v", k, sub[k], v)
		}
	}
}

func TestCreateOrderBody(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, created("1001")) })
	if _, err := f.client(t).CreateOrder(context.Background(), testOrder("1001")); err != nil {
		t.Fatal(err)
	}
	var body struct {
		Header     map[string]any `json:"header"`
		Delivery   map[string]any `json:"delivery"`
		Collection any            `json:"collection"`
	}
	raw := f.requests(false)[0].Body
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatal(err)
	}
	if body.Header["orderNo"] != "1001" || body.Header["orderDate"] != "2026-06-19" || body.Header["orderType"] != "DELIVERY" ||
		body.Header["customerOrderNo"] != "LW-1001" || body.Collection != nil {
		t.Fatalf("header = %v", body.Header)
	}
	items := body.Delivery["items"].([]any)
	child := items[1].(map[string]any)
	if child["parentSequence"] != float64(1) || child["onHandDate"] != "2026-06-19" || child["quantity"] != float64(2) {
		t.Fatalf("child item = %v", child)
	}
	if _, has := items[0].(map[string]any)["onHandDate"]; has {
		t.Fatal("an unset onHandDate was sent")
	}
	if body.Delivery["deliveryMethod"] != "Delivery" {
		t.Fatalf("delivery = %v", body.Delivery)
	}
}

// TestAcceptedAnswerKeepsEveryMessage: an answer with valid:true succeeds
// whatever the severities of its messages, and none of them is lost; the
// log names their codes but never their texts, which may quote addresses.
func TestAcceptedAnswerKeepsEveryMessage(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, 200, "application/json", `{"response":{"valid":true,"consignmentNo":"C1","orderNo":"1001","trackingId":"T1","trackingURL":"https://t/1",
			"errors":[{"code":"GEOCODE","description":"1 Example Street, LS1 1AA could not be located","severity":"ERROR"},
			          {"code":"NOCONTACT","message":"ada@example.com bounced","severity":"warning"}]}}`)
	})
	var logs bytes.Buffer
	c := f.client(t, WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	res, err := c.CreateOrder(context.Background(), testOrder("1001"))
	if err != nil {
		t.Fatalf("a valid:true answer failed: %v", err)
	}
	if len(res.Warnings) != 2 || res.Warnings[0].Code != "GEOCODE" || res.Warnings[1].Text() != "ada@example.com bounced" {
		t.Fatalf("warnings = %+v, want both messages", res.Warnings)
	}
	out := logs.String()
	if !strings.Contains(out, "GEOCODE,NOCONTACT") {
		t.Fatalf("log %q does not name the warning codes", out)
	}
	for _, personal := range []string{"Example Street", "LS1 1AA", "ada@example.com"} {
		if strings.Contains(out, personal) {
			t.Fatalf("log carries %q: %s", personal, out)
		}
	}
}

// TestWebhookAuthHeaderNeverInErrors: a subscription carries the profile's
// webhook secret; a Stream that quotes the request back must not put it in
// the error.
func TestWebhookAuthHeaderNeverInErrors(t *testing.T) {
	const hookSecret = "whk-9f3a7c-never-shown"
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		writeJSON(w, 422, map[string]any{"response": map[string]any{"valid": false,
			"errors": []any{map[string]any{"code": "BADHOOK", "description": "cannot subscribe " + string(body), "severity": "ERROR"}}}})
	})
	_, err := f.client(t).SubscribeWebhook(context.Background(), Subscription{Event: "DELIVERED", EventType: "CONSHEADER",
		URLPath: "https://hooks.example/stream/webhook/k1", AuthHeader: hookSecret})
	var ve *ValidationError
	if !errors.As(err, &ve) || !ve.HasCode("BADHOOK") {
		t.Fatalf("err = %v, want Stream's refusal", err)
	}
	if strings.Contains(err.Error(), hookSecret) || strings.Contains(fmt.Sprint(ve.Messages), hookSecret) {
		t.Fatalf("error leaks the webhook secret: %v", err)
	}
	if !strings.Contains(err.Error(), "[redacted]") || !strings.Contains(err.Error(), "hooks.example") {
		t.Fatalf("error %q lost the rest of the message", err)
	}
}

// TestPersistent401KeepsTheProblem: when a fresh token is refused too, the
// problem+json Stream's OAuth layer answered with says why.
func TestPersistent401KeepsTheProblem(t *testing.T) {
	f := newFake(t, func(w http.ResponseWriter, r *http.Request) {
		writeRaw(w, 401, "application/problem+json", `{"type":"http://www.w3.org/Protocols/rfc2616/rfc2616-sec10.html","title":"invalid_token","status":401,"detail":"The access token is not valid for this party"}`)
	})
	_, err := f.client(t).OrderStatus(context.Background(), "1001")
	var ae *AuthError
	if !errors.As(err, &ae) || ae.Status != 401 || ae.Title != "invalid_token" || ae.Detail != "The access token is not valid for this party" {
		t.Fatalf("err = %#v", err)
	}
	if !strings.Contains(err.Error(), "invalid_token: The access token is not valid for this party (HTTP 401)") || !errors.Is(err, ErrConfiguration) {
		t.Fatalf("message %q", err)
	}
	if f.tokens.Load() != 2 || len(f.requests(false)) != 2 {
		t.Fatalf("tokens %d, calls %d; want one refresh", f.tokens.Load(), len(f.requests(false)))
	}
}

// Clients built without an HTTP client of their own share one connection
// pool, however many are made.
func TestDefaultClientsShareOneTransport(t *testing.T) {
	acct := Account{BaseURL: "https://stream.example.test/api", ClientID: "a", ClientSecret: "s"}
	c1, err := New(acct)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := New(acct)
	if err != nil {
		t.Fatal(err)
	}
	if c1.hc == c2.hc {
		t.Fatal("two clients share one *http.Client, whose redirect policy each sets")
	}
	if c1.hc.Transport == nil || c1.hc.Transport != c2.hc.Transport {
		t.Errorf("clients built without WithHTTPClient have different transports")
	}
}
