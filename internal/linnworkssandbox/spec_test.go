package linnworkssandbox

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// officialSpecDigests are the SHA-256 digests of the official Linnworks OpenAPI
// files (LinnSystems/PublicApiSpecs) the sandbox embeds. They are recorded here so
// a fresh clone can prove its copies unchanged without the project's shared folder.
var officialSpecDigests = map[string]string{
	"spec/1.0/auth.json":            "79bd9bdec3b7769aa61c71a2afca30e8e06b642d54a6edfd86482450822a51d8",
	"spec/1.0/locations.json":       "3bfe58bc50ad1e934a4e3e6674c8cb33122bfc88d1a0c7081805bb657aad3e58",
	"spec/1.0/openorders.json":      "893a13d1402d9e1c8de26cff3abf0e166c48a5e50c761ccf26ae03768365ccea",
	"spec/1.0/orders.json":          "b53fec379941cc4b7335b550d6cdf42183e519faa5f2245813eae81000e680dc",
	"spec/1.0/postalservices.json":  "1923395033cbfadc90c8b4a293f8eae35381c88ad5d2ec949e77d44fe5de94bb",
	"spec/1.0/processedorders.json": "c12509ead1726a716c6a4632fe5e6f20b26509e9bc5e870559bf5d9f273b30aa",
	"spec/1.0/shippingservice.json": "66953942438e1ad7ea158c1b85ddaaab0b902ec68d1f6db129b8da3d8c85c5a1",
	"spec/2.0/orders-v2.json":       "a00bf084e3dcfb473cbac5fa2c9fb3db9489cfad9c83e8e8738d80786c94601b",
}

// TestEmbeddedSpecsAreTheOfficialFiles proves the embedded copies are the official
// files byte for byte, by their recorded digests. Where the project's shared folder
// sits beside the repository (a development checkout, not a fresh clone) the copies
// are also compared with it, so a spec update there is noticed here.
func TestEmbeddedSpecsAreTheOfficialFiles(t *testing.T) {
	names, err := fs.Glob(specFiles, "spec/*/*.json")
	if err != nil || len(names) != len(officialSpecDigests) {
		t.Fatalf("embedded spec files: %v (%v), want the %d official ones", names, err, len(officialSpecDigests))
	}
	shared := filepath.Join("..", "..", "..", "shared", "specs", "linnworks")
	_, statErr := os.Stat(shared)
	for _, name := range names {
		embedded, err := specFiles.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		want, ok := officialSpecDigests[name]
		if !ok {
			t.Errorf("%s is embedded but is not an official file", name)
			continue
		}
		if got := fmt.Sprintf("%x", sha256.Sum256(embedded)); got != want {
			t.Errorf("%s: SHA-256 %s, want the official %s", name, got, want)
		}
		if statErr != nil {
			continue
		}
		official, err := os.ReadFile(filepath.Join(shared, strings.TrimPrefix(name, "spec/")))
		if err != nil {
			t.Fatalf("read official %s: %v", name, err)
		}
		if !bytes.Equal(embedded, official) {
			t.Errorf("%s differs from the file in %s", name, shared)
		}
	}
}

func TestRateLimitsComeFromTheSpec(t *testing.T) {
	limits, err := RateLimits()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{
		"POST /api/Auth/AuthorizeByApplication":      150,
		"POST /api/Orders/GetOpenOrders":             250,
		"POST /api/OpenOrders/GetOpenOrders":         150,
		"POST /api/OpenOrders/AssignOrderIdentifier": 250,
		"GET /api/ShippingService/GetIntegrations":   1,
		"POST /api/Orders/AddOrdersNote":             150,
	}
	for k, v := range want {
		if limits[k] != v {
			t.Errorf("limit of %s = %d, want %d", k, limits[k], v)
		}
	}
	if len(limits) < 150 {
		t.Errorf("only %d limits parsed", len(limits))
	}
}

func TestValidateRequest(t *testing.T) {
	auth := http.Header{"Authorization": {"x"}, "Content-Type": {"application/json"}}
	tests := []struct {
		name    string
		method  string
		target  string
		header  http.Header
		body    string
		wantErr string
	}{
		{"valid multi-parameter body", "POST", "/api/Orders/GetOpenOrders", auth, `{"entriesPerPage":10,"pageNumber":1}`, ""},
		{"valid v2 query", "GET", "/v2/orders?entriesPerPage=5&onlyPaid=true", auth, "", ""},
		{"missing required body", "POST", "/api/Orders/GetOpenOrders", auth, "", "value is required"},
		{"wrong type", "POST", "/api/Orders/GetOpenOrders", auth, `{"entriesPerPage":"ten"}`, "entriesPerPage"},
		{"bad uuid", "POST", "/api/Orders/GetOrdersById", auth, `{"pkOrderIds":["nope"]}`, "uuid"},
		{"bad enum", "POST", "/api/Orders/GetAllOpenOrders", auth, `{"filters":{"TextFields":[{"FieldCode":"NOPE","Type":"Equal","Text":""}]}}`, "FieldCode"},
		{"required property", "POST", "/api/OpenOrders/GetOpenOrders", auth, `{"ViewId":0,"EntriesPerPage":10}`, "LocationId"},
		{"query type", "GET", "/api/Orders/GetOrderDetailsByNumOrderId?OrderId=abc", auth, "", "OrderId"},
		{"no Authorization", "GET", "/api/OpenOrders/GetIdentifiers", http.Header{}, "", "Authorization"},
		{"form body", "POST", "/api/Orders/GetOpenOrders", http.Header{"Authorization": {"x"}, "Content-Type": {"application/x-www-form-urlencoded"}}, "entriesPerPage=1", "Content-Type"},
		{"unknown path", "POST", "/api/Orders/Nope", auth, "{}", "no operation"},
		{"wrong method", "GET", "/api/Orders/GetOpenOrders", auth, "", "method"},
		{"misspelt property", "POST", "/api/Orders/GetOpenOrders", auth, `{"entriesPerPage":10,"pagenumber":1}`, `"pagenumber"`},
		{"wrong case of a wrapper name", "POST", "/api/Orders/SetOrderShippingInfo", auth, `{"OrderId":"11111111-1111-1111-1111-111111111111","info":{}}`, `"OrderId"`},
		{"unknown nested property", "POST", "/api/Orders/SetOrderShippingInfo", auth, `{"orderId":"11111111-1111-1111-1111-111111111111","info":{"Tracking":"x"}}`, `"Tracking" at "/info/"`},
		{"unknown property in an array item", "POST", "/api/Orders/SetOrderNotes", auth, `{"orderId":"11111111-1111-1111-1111-111111111111","orderNotes":[{"Text":"x"}]}`, `"Text"`},
		{"unknown query parameter", "GET", "/api/Orders/GetOrderById?orderId=11111111-1111-1111-1111-111111111111", auth, "", `"orderId"`},
		{"map values are free", "POST", "/api/Orders/SetOrderGeneralInfo", auth, `{"orderId":"11111111-1111-1111-1111-111111111111","info":{"Status":1}}`, ""},
		{"auth needs no header", "POST", "/api/Auth/AuthorizeByApplication", http.Header{"Content-Type": {"application/json"}}, `{"Token":"11111111-1111-1111-1111-111111111111"}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateRequest(tc.method, tc.target, tc.header, []byte(tc.body))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestSandboxRejectsWhatTheSpecRejects(t *testing.T) {
	e := newEnv(t, Options{NoSeed: true})
	token := e.login()
	tests := []struct {
		name        string
		method      string
		target      string
		contentType string
		body        string
		status      int
		message     string
	}{
		{"missing required body", "POST", "/api/Orders/GetOrdersById", "application/json", "", 400, "required"},
		{"wrong type", "POST", "/api/Orders/GetOpenOrders", "application/json", `{"entriesPerPage":"50"}`, 400, "entriesPerPage"},
		{"missing required property", "POST", "/api/OpenOrders/GetOpenOrders", "application/json", `{"ViewId":0,"EntriesPerPage":5}`, 400, "LocationId"},
		{"query parameter type", "GET", "/api/Orders/GetOrderDetailsByNumOrderId?OrderId=12x", "", "", 400, "OrderId"},
		{"malformed JSON", "POST", "/api/Orders/GetOpenOrders", "application/json", `{"entriesPerPage":`, 400, "invalid"},
		{"form encoding", "POST", "/api/Orders/GetOpenOrders", "application/x-www-form-urlencoded", `entriesPerPage=5`, 400, "Content-Type"},
		{"unknown path", "POST", "/api/Orders/DoesNotExist", "application/json", `{}`, 404, "No HTTP resource"},
		{"path case differs", "POST", "/api/orders/getopenorders", "application/json", `{}`, 404, "No HTTP resource"},
		{"wrong method", "GET", "/api/Orders/GetOpenOrders", "", "", 405, "does not support http method 'GET'"},
		{"property the spec does not define", "POST", "/api/OpenOrders/AssignOrderIdentifier", "application/json", `{"OrderIds":[],"Tag":"X","Identifier":"X"}`, 400, `"Identifier"`},
		{"operation not simulated", "POST", "/api/Orders/ProcessOrder_RequiredBatchScans", "application/json", `{}`, 501, "does not simulate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.raw(tc.method, tc.target, token, tc.contentType, []byte(tc.body))
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			if msg := r.v1err(t).Message; !strings.Contains(msg, tc.message) {
				t.Fatalf("Message %q does not mention %q", msg, tc.message)
			}
		})
	}
}

func TestUnknownV2PathAnswersProblemDetails(t *testing.T) {
	e := newEnv(t, Options{NoSeed: true})
	r := e.raw("GET", "/v2/nothing", e.login(), "", nil)
	if r.status != 404 || r.header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d, type %q", r.status, r.header.Get("Content-Type"))
	}
	var p problem
	r.decode(t, &p)
	if p.Status != 404 || p.Title != "Not Found" || p.Instance != "/v2/nothing" {
		t.Fatalf("problem = %+v", p)
	}
}
