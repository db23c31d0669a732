package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"

	"linnstream/internal/linnworkssandbox"
	"linnstream/internal/streamsandbox"
	"linnstream/internal/waitfor"
	"linnstream/internal/wizard"
)

// wire sits between the local runtime and its sandboxes' API paths. It
// records every credential that crosses the wire (Stream bearer tokens,
// Linnworks session tokens), and on request makes a sandbox answer once with
// an error that echoes every secret of the request back, as a careless or
// hostile server might, so that the clients' redaction is what keeps them
// out of logs and messages.
type wire struct {
	next http.Handler

	mu          sync.Mutex
	seen        map[string]bool
	hooks       map[string]bool // webhook keys and auth headers Stream sent
	streamRead  bool            // the next GET of Stream's depots answers 500 with an echo
	streamWrite bool            // the next POST of a Stream order answers 500 with an echo
	linnworks   bool            // the next Linnworks API call (not the authorisation) answers 400 with an echo
}

func (w *wire) secrets() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for s := range w.seen {
		out = append(out, s)
	}
	return out
}

// webhookSecrets are the webhook keys and auth headers seen so far.
func (w *wire) webhookSecrets() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for s := range w.hooks {
		out = append(out, s)
	}
	return out
}

func (w *wire) arm(read, write, lw bool) {
	w.mu.Lock()
	w.streamRead, w.streamWrite, w.linnworks = read, write, lw
	w.mu.Unlock()
}

func (w *wire) take(flag *bool) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	v := *flag
	*flag = false
	return v
}

func (w *wire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	auth := r.Header.Get("Authorization")
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	switch {
	case strings.HasPrefix(path, "/stream/webhook/"):
		w.mu.Lock()
		if w.hooks == nil {
			w.hooks = map[string]bool{}
		}
		w.hooks[strings.TrimPrefix(path, "/stream/webhook/")] = true
		if auth != "" {
			w.hooks[auth] = true
		}
		w.mu.Unlock()
	case strings.HasPrefix(path, streamSandboxPrefix+"/api/"):
		bearer := strings.TrimPrefix(auth, "Bearer ")
		if bearer != "" {
			w.record(bearer)
		}
		echo := fmt.Sprintf("token %s, secret %s, request %s", bearer, streamsandbox.DefaultClientSecret, body)
		if (r.Method == http.MethodGet && strings.HasSuffix(path, "/depots") && w.take(&w.streamRead)) ||
			(r.Method == http.MethodPost && strings.HasSuffix(path, "/orders/orders") && w.take(&w.streamWrite)) {
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusInternalServerError)
			json.NewEncoder(rw).Encode(map[string]any{"response": map[string]any{"valid": false,
				"errors": []any{map[string]any{"code": "ECHO", "description": echo}}}})
			return
		}
	case strings.HasPrefix(path, linnworksSandboxPrefix+"/api/"):
		if strings.HasSuffix(path, "/Auth/AuthorizeByApplication") {
			break
		}
		if auth != "" {
			w.record(auth)
		}
		if w.take(&w.linnworks) {
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(rw).Encode(map[string]any{"Code": "Echo", "Message": fmt.Sprintf(
				"session %s, application secret %s, install token %s", auth, sandboxAppSecret, linnworkssandbox.DefaultInstallToken)})
			return
		}
	}
	w.next.ServeHTTP(rw, r)
}

func (w *wire) record(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.seen == nil {
		w.seen = map[string]bool{}
	}
	w.seen[s] = true
}

// A whole lifecycle through the local runtime and both sandboxes (wizard
// with a live Stream check and a Linnworks install, services, labels, a
// cancel, a manifest and its PDF, the way back from Stream (a webhook, its
// write-back, a sync and a dispatch poll), removal), logged at DEBUG,
// never puts a secret in a log line or an answer: not the Stream client
// secret (right or wrong), the Stream bearer tokens, the Linnworks
// application secret, the install token, the Linnworks session tokens, nor
// the AuthorizationToken, even when Stream and Linnworks echo them back in
// errors; nor, in a log line, the webhook key or the auth_header Stream
// sends back (the wizard's WEBHOOK_URL shows the key to its user).
func TestNoSecretInDebugLogsOrAnswers(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	logs := &syncBuffer{}
	srv, err := New(Config{DataDir: t.TempDir(), BaseURL: base}, slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	w := &wire{next: srv}
	hs := &http.Server{Handler: w}
	go hs.Serve(ln)
	t.Cleanup(func() { hs.Close(); srv.Close() })

	var answers strings.Builder
	call := func(endpoint string, body any) map[string]any {
		t.Helper()
		out := post(t, base, endpoint, body)
		b, _ := json.Marshal(out)
		answers.Write(b)
		return out
	}
	mustOK := func(what string, out map[string]any) {
		t.Helper()
		if out["IsError"] != false {
			t.Fatalf("%s: %v", what, out["ErrorMessage"])
		}
	}

	added := post(t, base, "AddNewUser", map[string]string{
		"Email": "ops@example.com", "LinnworksUniqueIdentifier": "3f1c2b9e4d5a4e6f8a7b9c0d1e2f3a4b", "AccountName": "Example Ltd"})
	token, _ := added["AuthorizationToken"].(string)
	if token == "" {
		t.Fatalf("AddNewUser: %v", added)
	}
	auth := map[string]string{"AuthorizationToken": token}

	// Credentials: a wrong secret first, then the right one.
	const wrongSecret = "not-the-sandbox-secret-7f3a"
	status, _, values := stageItems(t, base, token)
	values[wizard.ItemStreamAPIURL] = base + streamSandboxPrefix + "/api"
	values[wizard.ItemStreamClientID] = streamsandbox.DefaultClientID
	values[wizard.ItemStreamClientSecret] = wrongSecret
	if out := call("UpdateConfig", map[string]any{"AuthorizationToken": token, "ConfigStatus": status, "ConfigItems": itemsOf(values)}); out["IsError"] != true {
		t.Fatalf("a wrong secret was accepted: %v", out)
	}
	values[wizard.ItemStreamClientSecret] = streamsandbox.DefaultClientSecret
	mustOK("credentials", call("UpdateConfig", map[string]any{"AuthorizationToken": token, "ConfigStatus": status, "ConfigItems": itemsOf(values)}))
	walkRest(t, base, token, map[string]string{
		wizard.ItemOrderSyncEnabled: "true", wizard.ItemDispatchSyncEnabled: "true", wizard.ItemWebhooksEnabled: "true",
		wizard.ItemLinnworksAPIToken: linnworkssandbox.DefaultInstallToken})

	// Saving the Linnworks token again while Linnworks echoes the session,
	// the application secret and the install token in its refusal.
	status, _, values = stageItems(t, base, token)
	values[wizard.ItemLinnworksAPIToken] = linnworkssandbox.DefaultInstallToken
	w.arm(false, false, true)
	if out := call("UpdateConfig", map[string]any{"AuthorizationToken": token, "ConfigStatus": status, "ConfigItems": itemsOf(values)}); out["IsError"] != true {
		t.Fatalf("the echoing Linnworks refusal was not reported: %v", out)
	}

	// Services, with Stream echoing the bearer token and the secret on a
	// failed read that the client retries.
	w.arm(true, false, false)
	svcs := call("UserAvailableServices", auth)
	mustOK("UserAvailableServices", svcs)
	list, _ := svcs["Services"].([]any)
	if len(list) == 0 {
		t.Fatalf("no services: %v", svcs)
	}
	svc := list[0].(map[string]any)["ServiceUniqueId"].(string)

	label := func(orderID int) map[string]any {
		return call("GenerateLabel", map[string]any{"AuthorizationToken": token, "Name": "Priya Shah",
			"AddressLine1": "14 Wellington Street", "Town": "Leeds", "CountryCode": "GB", "Postalcode": "LS1 4DL",
			"Email": "priya@example.com", "OrderId": orderID, "OrderReference": fmt.Sprintf("WEB-%d", orderID), "ServiceId": svc,
			"Packages": []any{map[string]any{"SequenceNumber": 1, "PackageWeight": 2350, "PackageFormat": "PARCEL",
				"Items": []any{map[string]any{"ItemName": "Oak side table", "ProductCode": "OAK-ST-01", "Quantity": 1, "UnitWeight": 2000}}}}})
	}
	// A create whose answer is a 500 echoing the secrets: the outcome is
	// unknown, and the next attempt settles it.
	w.arm(false, true, false)
	label(100234)
	mustOK("GenerateLabel after the echo", label(100234))
	mustOK("CancelLabel", call("CancelLabel", map[string]any{"AuthorizationToken": token, "OrderReference": "100234"}))
	mustOK("GenerateLabel", label(100235))
	manifest := call("CreateManifest", map[string]any{"AuthorizationToken": token, "OrderId": []string{"100235"}})
	mustOK("CreateManifest", manifest)
	mustOK("PrintManifest", call("PrintManifest", map[string]any{"AuthorizationToken": token, "ManifestReference": manifest["ManifestReference"]}))

	// The way back: planning 100235 in Stream sends webhooks (with the
	// profile's auth_header) to its key's URL, and their write-backs read
	// Stream and write Linnworks; then a sync and a dispatch poll.
	postAdmin(t, base+streamSandboxPrefix+"/admin/plan", `{"orderNo":"100235","run":"RUN 03","sequence":4,"date":"2026-12-04"}`)
	waitfor.Cond(t, "a webhook with its auth_header", func() bool { return len(w.webhookSecrets()) >= 2 })
	if st := drained(t, base); st.DeadLettered != 0 {
		t.Fatalf("write-backs dead-lettered: %+v", st)
	}
	adminPost(t, base+"/local/sync", nil, http.StatusOK)
	if sum := pollNow(t, base); sum.Calls == 0 {
		t.Fatalf("the poll read nothing from Stream: %+v", sum)
	}
	mustOK("ConfigDeleted", call("ConfigDeleted", auth))

	wired := w.secrets()
	var bearers, sessions int
	for _, s := range wired {
		if strings.Count(s, "-") == 4 {
			sessions++
		} else {
			bearers++
		}
	}
	if bearers == 0 || sessions == 0 {
		t.Fatalf("saw %d bearer tokens and %d session tokens on the wire; the test proves nothing", bearers, sessions)
	}
	secrets := append(wired, streamsandbox.DefaultClientSecret, wrongSecret, sandboxAppSecret,
		linnworkssandbox.DefaultInstallToken, token)
	out := logs.String()
	if !strings.Contains(out, `"level":"DEBUG"`) {
		t.Fatal("nothing was logged at DEBUG; the test proves nothing")
	}
	for _, s := range w.webhookSecrets() {
		if strings.Contains(out, s) {
			t.Errorf("the logs contain the webhook secret %q:\n%s", s, linesWith(out, s))
		}
	}
	for _, s := range secrets {
		for _, form := range []string{s, strings.ReplaceAll(s, "-", "")} {
			if strings.Contains(out, form) {
				t.Errorf("the logs contain the secret %q:\n%s", form, linesWith(out, form))
			}
			if strings.Contains(answers.String(), form) {
				t.Errorf("an answer contains the secret %q", form)
			}
		}
	}
}

func itemsOf(values map[string]string) []map[string]string {
	var items []map[string]string
	for id, v := range values {
		items = append(items, map[string]string{"ConfigItemId": id, "SelectedValue": v})
	}
	return items
}

func linesWith(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
