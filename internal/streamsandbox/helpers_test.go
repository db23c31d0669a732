package streamsandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable clock for Options.Now.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// env is a sandbox behind an httptest server, with a raw HTTP client.
type env struct {
	t     *testing.T
	sb    *Sandbox
	srv   *httptest.Server
	base  string // API base URL
	clock *clock
	nonce atomic.Int64
}

func newEnv(t *testing.T, opts Options) *env {
	t.Helper()
	return newEnvWith(t, opts, func(sb *Sandbox) http.Handler { return sb })
}

// newEnvWith serves the sandbox through the handler wrap returns.
func newEnvWith(t *testing.T, opts Options, wrap func(*Sandbox) http.Handler) *env {
	t.Helper()
	c := newClock()
	if opts.Now == nil {
		opts.Now = c.Now
	}
	sb := New(opts)
	srv := httptest.NewServer(wrap(sb))
	t.Cleanup(srv.Close)
	return &env{t: t, sb: sb, srv: srv, base: srv.URL + "/api", clock: c}
}

// reply is a decoded HTTP answer.
type reply struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do sends a raw request and decodes a JSON answer when there is one.
func (e *env) do(method, url string, header map[string]string, body any) reply {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		enc, err := json.Marshal(b)
		if err != nil {
			e.t.Fatalf("encode body: %v", err)
		}
		rd = bytes.NewReader(enc)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		e.t.Fatalf("build request: %v", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("read answer: %v", err)
	}
	r := reply{status: resp.StatusCode, header: resp.Header, raw: raw}
	if strings.Contains(resp.Header.Get("Content-Type"), "json") {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			e.t.Fatalf("%s %s: answer is not JSON: %v: %s", method, url, err, raw)
		}
	}
	return r
}

// token gets an access token for the default account.
func (e *env) token() string {
	e.t.Helper()
	return e.tokenFor("sandbox", "sandbox-secret")
}

func (e *env) tokenFor(id, secret string) string {
	e.t.Helper()
	r := e.do(http.MethodPost, e.base+"/oauth", nil, map[string]string{
		"grant_type": "client_credentials", "client_id": id, "client_secret": secret,
	})
	if r.status != http.StatusOK {
		e.t.Fatalf("token for %s: HTTP %d %s", id, r.status, r.raw)
	}
	return r.body["access_token"].(string)
}

// headers are valid Stream headers for token tok and party.
func (e *env) headers(tok, party string) map[string]string {
	return map[string]string{
		"Authorization": "Bearer " + tok,
		"Stream-Nonce":  "n" + strconv.FormatInt(e.nonce.Add(1), 10),
		"Stream-Party":  party,
		"Accept":        "application/json",
	}
}

// api calls the Stream API as the default account with fresh headers.
func (e *env) api(tok, method, path string, body any) reply {
	e.t.Helper()
	return e.do(method, e.base+path, e.headers(tok, "sandbox"), body)
}

// admin calls the admin API.
func (e *env) admin(method, path string, body any) reply {
	e.t.Helper()
	return e.do(method, e.srv.URL+"/admin/"+path, nil, body)
}

// response returns the "response" object of an envelope answer.
func (r reply) response(t *testing.T) map[string]any {
	t.Helper()
	resp, ok := r.body["response"].(map[string]any)
	if !ok {
		t.Fatalf("answer has no response envelope: HTTP %d %s", r.status, r.raw)
	}
	return resp
}

// errorsOf returns the error items of an envelope answer.
func (r reply) errorsOf(t *testing.T) []map[string]any {
	t.Helper()
	items, ok := r.response(t)["errors"].([]any)
	if !ok {
		t.Fatalf("response has no errors array: %s", r.raw)
	}
	out := make([]map[string]any, len(items))
	for i, it := range items {
		out[i] = it.(map[string]any)
	}
	return out
}

// hasError reports whether errs has an item with code whose description starts with field+":".
func hasError(errs []map[string]any, code, field string) bool {
	for _, e := range errs {
		if e["code"] == code && strings.HasPrefix(e["description"].(string), field+":") {
			return true
		}
	}
	return false
}

// get walks a decoded JSON value: get(v, "response", "order", "groups", 0, "status").
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	cur := v
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("at %v: not an object: %v", path, cur)
			}
			cur = m[k]
		case int:
			a, ok := cur.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("at %v: not an array with index %d: %v", path, k, cur)
			}
			cur = a[k]
		}
	}
	return cur
}

// deliveryOrder is a valid DELIVERY create request for the default depots.
func deliveryOrder(orderNo string) map[string]any {
	return map[string]any{
		"header": map[string]any{
			"orderNo":         orderNo,
			"orderDate":       "2026-11-20",
			"orderType":       "DELIVERY",
			"serviceLevel":    "Standard",
			"services":        []any{map[string]any{"code": "STREAM"}},
			"customerOrderNo": "LW-" + orderNo,
			"driverNotes":     "Leave with neighbour",
			"customer": map[string]any{
				"name":    "Ada Lovelace",
				"address": map[string]any{"name": "Ada Lovelace", "address1": "1 High Street", "country": "GB", "postcode": "LS1 1AA"},
				"contact": map[string]any{"name": "Ada Lovelace", "email": "ada@example.com"},
			},
		},
		"delivery": map[string]any{
			"address": map[string]any{
				"name": "Ada Lovelace", "address1": "1 High Street", "address4": "Leeds",
				"country": "GB", "postcode": "LS1 1AA",
			},
			"contact":        map[string]any{"name": "Ada Lovelace", "mobile": "07700900123", "email": "ada@example.com"},
			"required":       map[string]any{"fromDateTime": "2026-11-23T08:00:00Z", "toDateTime": "2026-11-23T17:30:00Z"},
			"deliveryMethod": "Courier",
			"items": []any{
				map[string]any{"sequence": 1, "code": "PARCEL", "description": "Parcel 1", "quantity": 1, "weight": 2.5,
					"stockLocation": "Justin Depot", "onHandDate": "2026-11-20"},
				map[string]any{"sequence": 2, "parentSequence": 1, "code": "SKU-1", "description": "Teapot", "quantity": 2, "weight": 1.25},
			},
		},
	}
}

// set replaces the value at a dotted path inside a request built by deliveryOrder; a nil value
// deletes the key. Array indexes are written as numbers: "delivery.items.0.code".
func set(m map[string]any, path string, v any) {
	parts := strings.Split(path, ".")
	var cur any = m
	for _, p := range parts[:len(parts)-1] {
		if i, err := strconv.Atoi(p); err == nil {
			cur = cur.([]any)[i]
		} else {
			cur = cur.(map[string]any)[p]
		}
	}
	last := parts[len(parts)-1]
	if i, err := strconv.Atoi(last); err == nil {
		cur.([]any)[i] = v
		return
	}
	if v == nil {
		delete(cur.(map[string]any), last)
		return
	}
	cur.(map[string]any)[last] = v
}

// createOrder creates body as the default account and fails the test unless it is accepted.
func (e *env) createOrder(tok string, body map[string]any) map[string]any {
	e.t.Helper()
	r := e.api(tok, http.MethodPost, "/orders/orders", body)
	if r.status != http.StatusOK || r.response(e.t)["valid"] != true {
		e.t.Fatalf("create order: HTTP %d %s", r.status, r.raw)
	}
	return r.response(e.t)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("encode: %v", err)
	}
	return string(b)
}
