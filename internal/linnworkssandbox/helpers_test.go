package linnworkssandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a sandbox served over loopback HTTP with a fake clock.
type env struct {
	t     *testing.T
	sb    *Sandbox
	srv   *httptest.Server
	clock *fakeClock
	// prefix is the mount point in front of the sandbox, if any.
	prefix string
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 3, 16, 10, 30, 0, 0, time.UTC)}
	if opts.Now == nil {
		opts.Now = clock.Now
	}
	sb, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return &env{t: t, sb: sb, srv: srv, clock: clock}
}

// reply is an HTTP answer.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// v1err decodes a v1 error body.
func (r reply) v1err(t *testing.T) v1Error {
	t.Helper()
	var e v1Error
	r.decode(t, &e)
	if e.Message == "" || e.Code == "" {
		t.Fatalf("error body %s lacks Code or Message", r.body)
	}
	return e
}

// raw sends a request with a raw body and content type.
func (e *env) raw(method, target, token, contentType string, body []byte) reply {
	e.t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, e.srv.URL+target, bytes.NewReader(body))
	if err != nil {
		e.t.Fatalf("new request: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read body: %v", err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

// call sends JSON (nil = no body) and, for a successful answer, checks the response against
// the response schema of the spec.
func (e *env) call(method, target, token string, body any) reply {
	e.t.Helper()
	var raw []byte
	ct := ""
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			e.t.Fatalf("marshal: %v", err)
		}
		ct = "application/json"
	}
	r := e.raw(method, target, token, ct, raw)
	if r.status < 300 && !strings.HasPrefix(strings.TrimPrefix(target, e.prefix), "/admin/") {
		e.checkResponse(method, target, r)
	}
	return r
}

// checkResponse validates a successful API answer against the spec's response schema.
func (e *env) checkResponse(method, target string, r reply) {
	e.t.Helper()
	target = strings.TrimPrefix(target, e.prefix)
	path, _, _ := strings.Cut(target, "?")
	if path == v2Base+"/orders" {
		checkV2Response(e.t, r.body)
		return
	}
	rt, err := e.sb.spec.find(method, path)
	if err != nil {
		e.t.Fatalf("route %s %s: %v", method, path, err)
	}
	req := httptest.NewRequest(method, target, nil)
	if err := e.sb.spec.validateResponse(context.Background(), rt, req, r.status, r.header, r.body); err != nil {
		e.t.Fatalf("%s %s: response does not match the spec: %v\n%s", method, target, err, truncate(r.body))
	}
}

func truncate(b []byte) string {
	if len(b) > 2000 {
		return string(b[:2000]) + "…"
	}
	return string(b)
}

// login authorizes with the default install token and returns the session token.
func (e *env) login() string {
	e.t.Helper()
	r := e.call("POST", "/api/Auth/AuthorizeByApplication", "", map[string]string{
		"ApplicationId": "5f2b7a1c-0000-4000-8000-000000000001", "ApplicationSecret": "5f2b7a1c-0000-4000-8000-000000000002", "Token": DefaultInstallToken,
	})
	if r.status != http.StatusOK {
		e.t.Fatalf("AuthorizeByApplication: %d %s", r.status, r.body)
	}
	var s baseSession
	r.decode(e.t, &s)
	return s.Token
}

// ok sends an authorized JSON call and requires the status.
func (e *env) ok(token, method, target string, body any, want int) reply {
	e.t.Helper()
	r := e.call(method, target, token, body)
	if r.status != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, target, r.status, want, truncate(r.body))
	}
	return r
}

// adminOrder reads an order through the admin API.
func (e *env) adminOrder(id string) AdminOrder {
	e.t.Helper()
	r := e.raw("GET", "/admin/orders/"+id, "", "", nil)
	if r.status != http.StatusOK {
		e.t.Fatalf("admin order %s: %d %s", id, r.status, r.body)
	}
	var o AdminOrder
	r.decode(e.t, &o)
	return o
}

// openIDs returns the ids of every open order.
func (e *env) openIDs(token string, body any) []string {
	e.t.Helper()
	var ids []string
	e.ok(token, "POST", "/api/Orders/GetAllOpenOrders", body, 200).decode(e.t, &ids)
	return ids
}
