package linnworkssandbox

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func authBody(token string) map[string]string {
	return map[string]string{"ApplicationId": "9b1f3c55-1111-4222-8333-444455556666", "ApplicationSecret": "0c2d4e6f-7777-4888-9999-aaaabbbbcccc", "Token": token}
}

func TestAuthorizeByApplicationReturnsUsableSession(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.ok("", "POST", "/api/Auth/AuthorizeByApplication", authBody(DefaultInstallToken), 200)
	var s baseSession
	r.decode(t, &s)
	if s.Server != e.srv.URL {
		t.Errorf("Server = %q, want %q", s.Server, e.srv.URL)
	}
	if _, ok := normGUID(s.Token); !ok {
		t.Errorf("Token %q is not a GUID", s.Token)
	}
	if s.Status.State != "AVAILABLE" || s.Locality != "EU" || s.TTL != 20 {
		t.Errorf("session = %+v, want AVAILABLE, EU, TTL 20", s)
	}
	if s.UserId == "" || s.EntityId == "" || s.Id != s.UserId {
		t.Errorf("identity fields: Id %q UserId %q EntityId %q", s.Id, s.UserId, s.EntityId)
	}
	// The same install token is the same account.
	var again baseSession
	e.ok("", "POST", "/api/Auth/AuthorizeByApplication", authBody(DefaultInstallToken), 200).decode(t, &again)
	if again.UserId != s.UserId || again.Token == s.Token {
		t.Errorf("second session: UserId %q (want %q), Token %q (want a new one)", again.UserId, s.UserId, again.Token)
	}
	// The session opens the API, with or without hyphens.
	e.ok(s.Token, "GET", "/api/OpenOrders/GetIdentifiers", nil, 200)
	e.ok(strings.ReplaceAll(s.Token, "-", ""), "GET", "/api/OpenOrders/GetIdentifiers", nil, 200)
}

func TestServerIncludesTheMountPrefix(t *testing.T) {
	sb, err := New(Options{NoSeed: true})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/sandbox/linnworks/", http.StripPrefix("/sandbox/linnworks", sb))
	srv := httptest.NewServer(mux)
	defer srv.Close()
	e := &env{t: t, sb: sb, srv: srv, prefix: "/sandbox/linnworks"}
	var s baseSession
	e.ok("", "POST", "/sandbox/linnworks/api/Auth/AuthorizeByApplication", authBody(DefaultInstallToken), 200).decode(t, &s)
	if want := srv.URL + "/sandbox/linnworks"; s.Server != want {
		t.Fatalf("Server = %q, want %q", s.Server, want)
	}
	// The API is at <Server>/api/...
	r := e.raw("GET", "/sandbox/linnworks/api/OpenOrders/GetIdentifiers", s.Token, "", nil)
	if r.status != 200 {
		t.Fatalf("GetIdentifiers under the mount: %d %s", r.status, r.body)
	}
}

func TestAuthorizeByApplicationRefusals(t *testing.T) {
	e := newEnv(t, Options{NoSeed: true})
	tests := []struct {
		name   string
		body   map[string]string
		status int
	}{
		{"unknown install token", authBody("22222222-2222-2222-2222-222222222222"), http.StatusUnauthorized},
		{"token not a GUID", authBody("not-a-guid"), http.StatusBadRequest},
		{"token missing", map[string]string{"ApplicationId": "9b1f3c55-1111-4222-8333-444455556666", "ApplicationSecret": "0c2d4e6f-7777-4888-9999-aaaabbbbcccc"}, http.StatusBadRequest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call("POST", "/api/Auth/AuthorizeByApplication", "", tc.body)
			if r.status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.body)
			}
			r.v1err(t)
		})
	}
}

func TestCustomInstallTokens(t *testing.T) {
	e := newEnv(t, Options{NoSeed: true, InstallTokens: []string{"abcdefab-cdef-4abc-8def-abcdefabcdef"}})
	if r := e.call("POST", "/api/Auth/AuthorizeByApplication", "", authBody(DefaultInstallToken)); r.status != 401 {
		t.Fatalf("default token with a custom token list: %d, want 401", r.status)
	}
	e.ok("", "POST", "/api/Auth/AuthorizeByApplication", authBody("ABCDEFAB-CDEF-4ABC-8DEF-ABCDEFABCDEF"), 200)
}

func TestSessionRequired(t *testing.T) {
	e := newEnv(t, Options{NoSeed: true})
	token := e.login()
	for _, auth := range []string{"", "Bearer " + token, "33333333-3333-3333-3333-333333333333"} {
		r := e.call("GET", "/api/OpenOrders/GetIdentifiers", auth, nil)
		if r.status != http.StatusUnauthorized {
			t.Errorf("Authorization %q: status %d, want 401", auth, r.status)
		}
		if got := r.v1err(t).Message; got != "Authorization has been denied for this request." {
			t.Errorf("Message = %q", got)
		}
	}
}

func TestSessionExpiresAfterInactivity(t *testing.T) {
	e := newEnv(t, Options{NoSeed: true, SessionTTL: 10 * time.Minute})
	token := e.login()
	e.clock.Advance(9 * time.Minute)
	e.ok(token, "GET", "/api/OpenOrders/GetIdentifiers", nil, 200)
	// Use renews the session: 9 more minutes are still within 10 of the last call.
	e.clock.Advance(9 * time.Minute)
	e.ok(token, "GET", "/api/OpenOrders/GetIdentifiers", nil, 200)
	e.clock.Advance(10*time.Minute + time.Second)
	if r := e.call("GET", "/api/OpenOrders/GetIdentifiers", token, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("expired session: status %d, want 401", r.status)
	}
	// A new session works.
	e.ok(e.login(), "GET", "/api/OpenOrders/GetIdentifiers", nil, 200)
}

func TestRevokedInstallToken(t *testing.T) {
	e := newEnv(t, Options{NoSeed: true})
	token := e.login()
	r := e.raw("POST", "/admin/tokens/revoke", "", "application/json", []byte(`{"token":"`+DefaultInstallToken+`"}`))
	if r.status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.status, r.body)
	}
	if r := e.call("GET", "/api/OpenOrders/GetIdentifiers", token, nil); r.status != http.StatusUnauthorized {
		t.Errorf("session of a revoked token: %d, want 401", r.status)
	}
	r = e.call("POST", "/api/Auth/AuthorizeByApplication", "", authBody(DefaultInstallToken))
	if r.status != http.StatusUnauthorized {
		t.Errorf("authorize with a revoked token: %d, want 401", r.status)
	}
	if !strings.Contains(r.v1err(t).Message, "revoked") {
		t.Errorf("message %q does not say the token may be revoked", r.body)
	}
	if r := e.raw("POST", "/admin/tokens/revoke", "", "application/json", []byte(`{"token":"`+DefaultInstallToken+`"}`)); r.status != http.StatusNotFound {
		t.Errorf("revoking twice: %d, want 404", r.status)
	}
	// Reinstalling brings it back.
	if r := e.raw("POST", "/admin/tokens", "", "application/json", []byte(`{"token":"`+DefaultInstallToken+`"}`)); r.status != http.StatusNoContent {
		t.Fatalf("add token: %d %s", r.status, r.body)
	}
	e.login()
}

func TestAdminExpireSessions(t *testing.T) {
	e := newEnv(t, Options{NoSeed: true})
	token := e.login()
	if r := e.raw("POST", "/admin/sessions/expire", "", "", nil); r.status != http.StatusNoContent {
		t.Fatalf("expire: %d", r.status)
	}
	if r := e.call("GET", "/api/OpenOrders/GetIdentifiers", token, nil); r.status != http.StatusUnauthorized {
		t.Fatalf("after expire: %d, want 401", r.status)
	}
}
