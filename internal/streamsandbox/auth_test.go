package streamsandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTokenEndpoint(t *testing.T) {
	e := newEnv(t, Options{TokenTTL: 90 * time.Second})
	badClient := map[string]any{
		"type": problemType, "title": "invalid_client", "status": float64(400),
		"detail": "The client credentials are invalid",
	}
	tests := []struct {
		name        string
		method      string
		contentType string
		body        string
		wantStatus  int
		wantProblem map[string]any // exact problem body, or nil for success
		wantTitle   string         // problem title only
	}{
		{name: "json", method: http.MethodPost, contentType: "application/json",
			body: `{"grant_type":"client_credentials","client_id":"sandbox","client_secret":"sandbox-secret"}`, wantStatus: 200},
		{name: "form encoded", method: http.MethodPost, contentType: "application/x-www-form-urlencoded",
			body: "grant_type=client_credentials&client_id=sandbox&client_secret=sandbox-secret", wantStatus: 200},
		{name: "wrong secret", method: http.MethodPost, contentType: "application/json",
			body: `{"grant_type":"client_credentials","client_id":"sandbox","client_secret":"nope"}`, wantStatus: 400, wantProblem: badClient},
		{name: "unknown client", method: http.MethodPost, contentType: "application/json",
			body: `{"grant_type":"client_credentials","client_id":"someone","client_secret":"sandbox-secret"}`, wantStatus: 400, wantProblem: badClient},
		{name: "empty secret", method: http.MethodPost, contentType: "application/json",
			body: `{"grant_type":"client_credentials","client_id":"sandbox"}`, wantStatus: 400, wantProblem: badClient},
		{name: "wrong grant type", method: http.MethodPost, contentType: "application/json",
			body: `{"grant_type":"password","client_id":"sandbox","client_secret":"sandbox-secret"}`, wantStatus: 400, wantTitle: "unsupported_grant_type"},
		{name: "no grant type", method: http.MethodPost, contentType: "application/json",
			body: `{"client_id":"sandbox","client_secret":"sandbox-secret"}`, wantStatus: 400, wantTitle: "invalid_request"},
		{name: "malformed json", method: http.MethodPost, contentType: "application/json",
			body: `{"grant_type":`, wantStatus: 400, wantTitle: "invalid_request"},
		{name: "GET", method: http.MethodGet, wantStatus: 405, wantTitle: "Method Not Allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			r := e.do(tc.method, e.base+"/oauth", map[string]string{"Content-Type": tc.contentType}, body)
			if r.status != tc.wantStatus {
				t.Fatalf("HTTP %d, want %d: %s", r.status, tc.wantStatus, r.raw)
			}
			if tc.wantStatus == 200 {
				if ct := r.header.Get("Content-Type"); ct != "application/json" {
					t.Errorf("Content-Type %q", ct)
				}
				if tok, _ := r.body["access_token"].(string); len(tok) < 20 {
					t.Errorf("access_token %q", tok)
				}
				if r.body["expires_in"] != float64(90) || r.body["token_type"] != "Bearer" {
					t.Errorf("token answer %s", r.raw)
				}
				if _, ok := r.body["scope"].(string); !ok {
					t.Errorf("scope missing: %s", r.raw)
				}
				return
			}
			if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q, want application/problem+json", ct)
			}
			if strings.Contains(string(r.raw), "sandbox-secret") {
				t.Errorf("answer leaks the secret: %s", r.raw)
			}
			if tc.wantProblem != nil {
				if len(r.body) != len(tc.wantProblem) {
					t.Errorf("problem %s, want exactly %v", r.raw, tc.wantProblem)
				}
				for k, v := range tc.wantProblem {
					if r.body[k] != v {
						t.Errorf("%s = %v, want %v", k, r.body[k], v)
					}
				}
			}
			if tc.wantTitle != "" && r.body["title"] != tc.wantTitle {
				t.Errorf("title %v, want %s", r.body["title"], tc.wantTitle)
			}
		})
	}
}

func TestTokenExpires(t *testing.T) {
	e := newEnv(t, Options{TokenTTL: time.Minute})
	tok := e.token()
	if r := e.api(tok, http.MethodGet, "/depots/depots", nil); r.status != http.StatusOK {
		t.Fatalf("fresh token: HTTP %d %s", r.status, r.raw)
	}
	e.clock.Advance(59 * time.Second)
	if r := e.api(tok, http.MethodGet, "/depots/depots", nil); r.status != http.StatusOK {
		t.Fatalf("token before expiry: HTTP %d %s", r.status, r.raw)
	}
	e.clock.Advance(time.Second)
	r := e.api(tok, http.MethodGet, "/depots/depots", nil)
	if r.status != http.StatusUnauthorized || r.body["title"] != "invalid_token" || r.body["status"] != float64(401) {
		t.Fatalf("expired token: HTTP %d %s", r.status, r.raw)
	}
	if !strings.Contains(r.body["detail"].(string), "expired") {
		t.Errorf("detail %v does not say expired", r.body["detail"])
	}
}

func TestAPIHeaders(t *testing.T) {
	e := newEnv(t, Options{
		Accounts: map[string]string{"sandbox": "sandbox-secret", "other": "other-secret"},
		Parties:  map[string][]string{"sandbox": {"PARTY7"}},
	})
	tok := e.token()
	otherTok := e.tokenFor("other", "other-secret")
	tests := []struct {
		name       string
		path       string
		header     map[string]string
		wantStatus int
		wantCodes  []string // envelope error codes; nil for a problem or success
	}{
		{name: "valid", header: map[string]string{"Authorization": "Bearer " + tok, "Stream-Nonce": "a1", "Stream-Party": "sandbox"}, wantStatus: 200},
		{name: "upper-case API segment", path: "/API/depots/depots", header: map[string]string{"Authorization": "Bearer " + tok, "Stream-Nonce": "a2", "Stream-Party": "sandbox"}, wantStatus: 200},
		{name: "lower-case bearer", header: map[string]string{"Authorization": "bearer " + tok, "Stream-Nonce": "a3", "Stream-Party": "sandbox"}, wantStatus: 200},
		{name: "configured party", header: map[string]string{"Authorization": "Bearer " + tok, "Stream-Nonce": "a4", "Stream-Party": "PARTY7"}, wantStatus: 200},
		{name: "no authorization", header: map[string]string{"Stream-Nonce": "b1", "Stream-Party": "sandbox"}, wantStatus: 401},
		{name: "unknown token", header: map[string]string{"Authorization": "Bearer abc", "Stream-Nonce": "b2", "Stream-Party": "sandbox"}, wantStatus: 401},
		{name: "basic scheme", header: map[string]string{"Authorization": "Basic " + tok, "Stream-Nonce": "b3", "Stream-Party": "sandbox"}, wantStatus: 401},
		{name: "no nonce", header: map[string]string{"Authorization": "Bearer " + tok, "Stream-Party": "sandbox"}, wantStatus: 400, wantCodes: []string{"NONCE"}},
		{name: "no party", header: map[string]string{"Authorization": "Bearer " + tok, "Stream-Nonce": "c1"}, wantStatus: 400, wantCodes: []string{"PARTY"}},
		{name: "neither", header: map[string]string{"Authorization": "Bearer " + tok}, wantStatus: 400, wantCodes: []string{"NONCE", "PARTY"}},
		{name: "reused nonce", header: map[string]string{"Authorization": "Bearer " + tok, "Stream-Nonce": "a1", "Stream-Party": "sandbox"}, wantStatus: 400, wantCodes: []string{"NONCE"}},
		{name: "another client's party", header: map[string]string{"Authorization": "Bearer " + tok, "Stream-Nonce": "c2", "Stream-Party": "other"}, wantStatus: 403, wantCodes: []string{"PARTY"}},
		{name: "party configured for another client", header: map[string]string{"Authorization": "Bearer " + otherTok, "Stream-Nonce": "c3", "Stream-Party": "PARTY7"}, wantStatus: 403, wantCodes: []string{"PARTY"}},
		{name: "same nonce on another token", header: map[string]string{"Authorization": "Bearer " + otherTok, "Stream-Nonce": "a1", "Stream-Party": "other"}, wantStatus: 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := tc.path
			if path == "" {
				path = "/api/depots/depots"
			}
			r := e.do(http.MethodGet, e.srv.URL+path, tc.header, nil)
			if r.status != tc.wantStatus {
				t.Fatalf("HTTP %d, want %d: %s", r.status, tc.wantStatus, r.raw)
			}
			switch {
			case tc.wantStatus == 401:
				if r.header.Get("Content-Type") != "application/problem+json" || r.body["status"] != float64(401) {
					t.Errorf("401 answer %s (%s)", r.raw, r.header.Get("Content-Type"))
				}
			case tc.wantCodes != nil:
				errs := r.errorsOf(t)
				if r.response(t)["valid"] != false || len(errs) != len(tc.wantCodes) {
					t.Fatalf("errors %s, want codes %v", r.raw, tc.wantCodes)
				}
				for i, code := range tc.wantCodes {
					if errs[i]["code"] != code || errs[i]["severity"] != "ERROR" {
						t.Errorf("error %d = %v, want code %s", i, errs[i], code)
					}
				}
			default:
				if r.response(t)["valid"] != true {
					t.Errorf("answer %s", r.raw)
				}
			}
		})
	}
}

func TestUnknownPathAndMethod(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token()
	r := e.api(tok, http.MethodGet, "/orders/runs", nil)
	if r.status != http.StatusNotFound || !hasError(r.errorsOf(t), "NOTFOUND", "path") {
		t.Errorf("unknown path: HTTP %d %s", r.status, r.raw)
	}
	r = e.api(tok, http.MethodPut, "/orders/orders", map[string]any{})
	if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "POST" {
		t.Errorf("PUT: HTTP %d Allow %q %s", r.status, r.header.Get("Allow"), r.raw)
	}
}
