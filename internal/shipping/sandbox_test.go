package shipping_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"linnstream/internal/profile"
	"linnstream/internal/shipping"
	"linnstream/internal/streamsandbox"
	"linnstream/internal/wizard"
)

// TestWizardOverHTTPAgainstStreamSandbox walks a profile through the whole
// wizard over real HTTP, with credentials checked live against the Stream
// sandbox: wrong ones are refused with Stream's reason, right ones pass.
func TestWizardOverHTTPAgainstStreamSandbox(t *testing.T) {
	sandbox := httptest.NewServer(streamsandbox.New(streamsandbox.Options{}))
	defer sandbox.Close()
	store := profile.NewMemStore()
	logs := &lockedBuffer{}
	w, err := wizard.New(wizard.Options{Stream: wizard.StreamCredentials{}, PublicBaseURL: "http://127.0.0.1:3000", AllowLoopbackHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	h, err := shipping.New(shipping.Config{Store: store, Wizard: w, Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h.Mux())
	defer srv.Close()

	post := func(endpoint string, body any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(body)
		res, err := http.Post(srv.URL+"/linnworks/"+endpoint, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 || res.Header.Get("Content-Length") != strconv.Itoa(len(raw)) || len(res.TransferEncoding) != 0 {
			t.Fatalf("%s: HTTP %d, Content-Length %q for %d bytes, transfer encoding %v",
				endpoint, res.StatusCode, res.Header.Get("Content-Length"), len(raw), res.TransferEncoding)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s: %v: %s", endpoint, err, raw)
		}
		return m
	}

	r := post("AddNewUser", map[string]string{"Email": "ops@example.com",
		"LinnworksUniqueIdentifier": "4a287f98d1d3434d8d113159abd094e3", "AccountName": "Sandbox"})
	tok, _ := r["AuthorizationToken"].(string)
	if r["IsError"] != false || tok == "" {
		t.Fatalf("AddNewUser: %v", r)
	}
	base := sandbox.URL + "/api"
	creds := func(secret string) []item {
		return items("STREAM_API_URL", base, "STREAM_CLIENT_ID", "sandbox", "STREAM_CLIENT_SECRET", secret, "STREAM_PARTY", "")
	}
	r = post("UpdateConfig", update(tok, "STREAM_CREDENTIALS", creds("guessed-secret")))
	if r["IsError"] != true || !strings.Contains(r["ErrorMessage"].(string), "invalid_client: The client credentials are invalid") {
		t.Fatalf("wrong secret: %v", r)
	}
	if r := post("UserConfig", map[string]string{"AuthorizationToken": tok}); r["ConfigStatus"] != "STREAM_CREDENTIALS" {
		t.Fatalf("a refused stage advanced: %v", r)
	}
	steps := append([]struct {
		stage string
		items []item
	}{{"STREAM_CREDENTIALS", creds("sandbox-secret")}}, stageValues[1:]...)
	for _, s := range steps {
		if r := post("UserConfig", map[string]string{"AuthorizationToken": tok}); r["ConfigStatus"] != s.stage {
			t.Fatalf("UserConfig: %v, want stage %s", r["ConfigStatus"], s.stage)
		}
		if r := post("UpdateConfig", update(tok, s.stage, s.items)); r["IsError"] != false {
			t.Fatalf("UpdateConfig %s: %v", s.stage, r["ErrorMessage"])
		}
	}
	r = post("UserConfig", map[string]string{"AuthorizationToken": tok})
	if r["IsConfigActive"] != true || r["ConfigStatus"] != "CONFIG" {
		t.Fatalf("after the wizard: %v", r)
	}
	p, err := store.Get(t.Context(), profile.ID(tok))
	if err != nil {
		t.Fatal(err)
	}
	if got := wizard.Settings(p).Stream; got.BaseURL != base || got.ClientSecret != "sandbox-secret" || got.Party != "sandbox" {
		t.Errorf("stored Stream account = %+v", got)
	}
	if r := post("ConfigDeleted", map[string]string{"AuthorizationToken": tok}); r["IsError"] != false {
		t.Fatalf("ConfigDeleted: %v", r)
	}
	if r := post("UserConfig", map[string]string{"AuthorizationToken": tok}); r["ErrorMessage"] != "Authorization failed for token" {
		t.Fatalf("after delete: %v", r)
	}
	if l := logs.String(); strings.Contains(l, "sandbox-secret") || strings.Contains(l, "guessed-secret") || strings.Contains(l, tok) {
		t.Errorf("logs leak a secret or the token:\n%s", l)
	}
}
