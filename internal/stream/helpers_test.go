package stream

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const (
	testClientID = "client-a"
	testSecret   = "s3cret-value-never-shown"
)

// seen is one request a fake Stream received.
type seen struct {
	Method, Path string
	Header       http.Header
	Body         []byte
}

// fakeStream is a small hand-written Stream for reply shapes the sandbox
// does not produce. /api/oauth issues tokens tok-1, tok-2 …; every other
// request goes to api.
type fakeStream struct {
	srv       *httptest.Server
	api       http.HandlerFunc
	oauth     http.HandlerFunc
	expiresIn int
	tokens    atomic.Int32

	mu   sync.Mutex
	reqs []seen
}

func newFake(t *testing.T, api http.HandlerFunc) *fakeStream {
	t.Helper()
	f := &fakeStream{api: api, expiresIn: 3600}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.reqs = append(f.reqs, seen{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body})
		f.mu.Unlock()
		r.Body = io.NopCloser(strings.NewReader(string(body)))
		if r.URL.Path == "/api/oauth" {
			if f.oauth != nil {
				f.oauth(w, r)
				return
			}
			n := f.tokens.Add(1)
			writeJSON(w, 200, map[string]any{"access_token": fmt.Sprintf("tok-%d", n), "expires_in": f.expiresIn, "token_type": "Bearer"})
			return
		}
		f.api(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeStream) account() Account {
	return Account{BaseURL: f.srv.URL + "/api", ClientID: testClientID, ClientSecret: testSecret}
}

func (f *fakeStream) client(t *testing.T, opts ...Option) *Client {
	t.Helper()
	opts = append([]Option{WithBackoff(time.Millisecond, 4*time.Millisecond)}, opts...)
	c, err := New(f.account(), opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// requests returns what was received, token requests excluded unless all.
func (f *fakeStream) requests(all bool) []seen {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []seen
	for _, r := range f.reqs {
		if all || r.Path != "/api/oauth" {
			out = append(out, r)
		}
	}
	return out
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeRaw(w http.ResponseWriter, status int, contentType, body string) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}

// hangUp closes the connection without answering.
func hangUp(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

func created(no string) map[string]any {
	return map[string]any{"response": map[string]any{
		"valid": true, "errors": []any{},
		"consignmentNo": "C-" + no, "orderNo": no, "customerOrderNo": "cust-" + no,
		"trackingId": "TR" + no, "trackingURL": "https://track.example/" + no,
	}}
}

func orderDoc(no string) map[string]any {
	return map[string]any{"response": map[string]any{
		"valid": true, "errors": []any{},
		"order": map[string]any{
			"trackingURL": "https://track.example/" + no, "trackingId": "TR" + no,
			"header": map[string]any{"consignmentNo": "C-" + no, "orderNo": no, "customerOrderNo": "cust-" + no, "orderStatus": "UNCONFIRMED"},
			"groups": []any{},
		},
	}}
}

// testOrder is a valid DELIVERY order for the sandbox's Justin Depot.
func testOrder(no string) *Order {
	return &Order{
		Header: Header{
			OrderNo:         no,
			OrderDate:       DateOf(time.Date(2026, 6, 19, 15, 0, 0, 0, time.UTC)),
			OrderType:       OrderTypeDelivery,
			ServiceLevel:    "Standard",
			Services:        []Service{{Code: "STREAM"}},
			CustomerOrderNo: "LW-" + no,
			Customer: &Customer{
				Name:    "Ada Lovelace",
				Address: &Address{Name: "Ada Lovelace", Address1: "1 Example Street", Address4: "Leeds", Country: "GB", Postcode: "LS1 1AA"},
				Contact: &Contact{Name: "Ada Lovelace", Email: "ada@example.com", Mobile: "07700900000"},
			},
			DriverNotes: "Leave with neighbour",
		},
		Delivery: &Delivery{
			Address:        Address{Name: "Ada Lovelace", Address1: "1 Example Street", Address4: "Leeds", Country: "GB", Postcode: "LS1 1AA"},
			Contact:        &Contact{Name: "Ada Lovelace", Email: "ada@example.com", Mobile: "07700900000"},
			DeliveryMethod: "Delivery",
			Items: []Item{
				{Sequence: 1, Code: "PARCEL", Description: "Package 1", Quantity: 1, Weight: 1.5},
				{Sequence: 2, ParentSequence: 1, Code: "SKU-1", Description: "Teapot", Quantity: 2, Weight: 0.75,
					OnHandDate: DateOf(time.Date(2026, 6, 19, 0, 0, 0, 0, time.UTC))},
			},
		},
	}
}
