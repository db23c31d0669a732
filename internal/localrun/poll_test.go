package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"testing"
	"time"

	"linnstream/internal/dispatchpoll"
	"linnstream/internal/linnworks"
	"linnstream/internal/linnworkssandbox"
	"linnstream/internal/localenv"
	"linnstream/internal/localqueue"
	"linnstream/internal/waitfor"
	"linnstream/internal/wizard"
)

// startApplying runs the local runtime as run does, with the write-back
// queue consumed by the runtime's own write-back, and returns its base URL.
func startApplying(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Addr: ln.Addr().String(), DataDir: t.TempDir(), BaseURL: "http://" + ln.Addr().String(),
		Queue: localqueue.Config{BaseBackoff: time.Millisecond}}
	srv, err := New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	writer, err := srv.env.Deps.WritebackConsumer()
	if err != nil {
		t.Fatal(err)
	}
	srv.env.WriteBack.SetHandler(writer.Handle)
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		hs.Shutdown(ctx)
		if err := waitfor.Recv(t, done, "the local runtime to stop"); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("serve: %v", err)
		}
		srv.Close()
	})
	return cfg.BaseURL
}

// writeBackQueue returns the write-back queue's counts.
func writeBackQueue(t *testing.T, base string) localqueue.Stats {
	t.Helper()
	var qs struct{ Queues []localqueue.Stats }
	getJSON(t, base+"/local/queues", &qs)
	for _, q := range qs.Queues {
		if q.Name == localenv.WriteBackQueueName {
			return q
		}
	}
	t.Fatal("no write-back queue")
	return localqueue.Stats{}
}

// drained waits until every write-back message queued so far was applied.
func pollDrained(t *testing.T, base string) {
	t.Helper()
	waitfor.Cond(t, "the write-back queue to drain", func() bool {
		st := writeBackQueue(t, base)
		if st.DeadLettered != 0 {
			t.Fatalf("write-backs dead-lettered: %+v", st)
		}
		return st.Waiting == 0 && st.InFlight == 0 && st.Done == st.Sent
	})
}

// pollNow answers POST /local/poll's summary of the one polling profile.
func pollNow(t *testing.T, base string) dispatchpoll.Summary {
	t.Helper()
	var answer struct {
		Profiles []dispatchpoll.Summary `json:"profiles"`
	}
	if err := json.Unmarshal(adminPost(t, base+"/local/poll", nil, http.StatusOK), &answer); err != nil {
		t.Fatal(err)
	}
	if len(answer.Profiles) != 1 {
		t.Fatalf("POST /local/poll polled %d profiles, want 1: %+v", len(answer.Profiles), answer.Profiles)
	}
	return answer.Profiles[0]
}

// labelledWithoutWebhooks starts the local runtime with a profile whose
// webhooks are off and DISPATCH_SYNC on, labels seeded order 100002 and
// waits for the label's write-back; it answers the base URL and the
// profile's AuthorizationToken.
func labelledWithoutWebhooks(t *testing.T) (base, token string) {
	t.Helper()
	base = startApplying(t)
	token = newConfigured(t, base)
	walkRest(t, base, token, map[string]string{
		wizard.ItemWebhooksEnabled: "false", wizard.ItemDispatchSyncEnabled: "true", wizard.ItemSequenceIdentifiers: "true",
		wizard.ItemLinnworksAPIToken: linnworkssandbox.DefaultInstallToken})
	svcs := post(t, base, "UserAvailableServices", map[string]string{"AuthorizationToken": token})
	list, _ := svcs["Services"].([]any)
	if len(list) == 0 {
		t.Fatalf("no services: %v", svcs)
	}
	serviceID := list[0].(map[string]any)["ServiceUniqueId"].(string)
	label := post(t, base, "GenerateLabel", map[string]any{"AuthorizationToken": token, "Name": "Amelia Clarke",
		"AddressLine1": "7 Orchard Close", "Town": "Reading", "CountryCode": "GB", "Postalcode": "RG1 3AZ",
		"OrderId": 100002, "OrderReference": "#5002", "ServiceId": serviceID,
		"Packages": []map[string]any{{"SequenceNumber": 1, "PackageWeight": 2300, "PackageFormat": "PARCEL",
			"Items": []map[string]any{{"ItemName": "Oak Table Lamp", "ProductCode": "LAMP-OAK-02", "Quantity": 1, "UnitWeight": 2300}}}}})
	if label["IsError"] != false {
		t.Fatalf("GenerateLabel: %v", label["ErrorMessage"])
	}
	pollDrained(t, base)
	return base, token
}

// With webhooks off and DISPATCH_SYNC on, planning an order in Stream
// reaches Linnworks only through the poll: POST /local/poll sees the
// change, queues one write-back, and the Linnworks order shows RUN 03,
// FRIDAY and SEQ 04. A second poll with nothing changed queues nothing.
func TestPollBringsPlanningToLinnworks(t *testing.T) {
	base, _ := labelledWithoutWebhooks(t)
	if s := pollNow(t, base); s.Considered != 1 || s.Queued != 0 || s.Calls != 1 || !s.Finished {
		t.Fatalf("poll before planning: %+v, want the order read and nothing queued", s)
	}

	postAdmin(t, base+streamSandboxPrefix+"/admin/plan", `{"orderNo":"100002","run":"RUN 03","sequence":4,"date":"2026-12-04"}`)
	var hooks sandboxHooks
	getJSON(t, base+streamSandboxPrefix+"/admin/webhooks", &hooks)
	if len(hooks.Subscriptions) != 0 || len(hooks.Deliveries) != 0 {
		t.Fatalf("with webhooks off the sandbox has %d subscriptions and sent %d webhooks", len(hooks.Subscriptions), len(hooks.Deliveries))
	}
	sent := writeBackQueue(t, base).Sent
	want := dispatchpoll.Summary{Profile: "", Considered: 1, Changed: 1, Queued: 1, Calls: 1, Finished: true}
	got := pollNow(t, base)
	want.Profile = got.Profile
	if got != want {
		t.Fatalf("poll after planning: %+v, want %+v", got, want)
	}
	if n := writeBackQueue(t, base).Sent - sent; n != 1 {
		t.Fatalf("the poll queued %d write-backs, want 1", n)
	}
	pollDrained(t, base)
	var o linnworkssandbox.AdminOrder
	getJSON(t, base+linnworksSandboxPrefix+"/admin/orders/100002", &o)
	run, _ := linnworks.RunTag(3)
	seq, _ := linnworks.SequenceTag(4)
	for _, tag := range []string{linnworks.TagSent, run, linnworks.DayTag(time.Friday), seq} {
		if !slices.Contains(o.Identifiers, tag) {
			t.Fatalf("the Linnworks order shows %v, want %s among them", o.Identifiers, tag)
		}
	}

	sent = writeBackQueue(t, base).Sent
	if s := pollNow(t, base); s.Changed != 0 || s.Queued != 0 || s.Calls != 1 {
		t.Fatalf("second poll: %+v, want nothing changed or queued", s)
	}
	if n := writeBackQueue(t, base).Sent - sent; n != 0 {
		t.Fatalf("the second poll queued %d write-backs", n)
	}
}

// With webhooks off, a label cancelled through CancelLabel still reaches
// Linnworks: CancelLabel queues one write-back, which takes RUN 03, FRIDAY
// and SEQ 04 (brought by the poll) off the order and adds one note naming
// the consignment; the order keeps Sent to Stream and is not processed,
// and the poll leaves the cancelled order alone afterwards.
func TestCancelLabelTakesThePlanningOffTheLinnworksOrder(t *testing.T) {
	base, token := labelledWithoutWebhooks(t)
	postAdmin(t, base+streamSandboxPrefix+"/admin/plan", `{"orderNo":"100002","run":"RUN 03","sequence":4,"date":"2026-12-04"}`)
	if s := pollNow(t, base); s.Queued != 1 {
		t.Fatalf("poll after planning: %+v, want one write-back queued", s)
	}
	pollDrained(t, base)
	order := func() linnworkssandbox.AdminOrder {
		var o linnworkssandbox.AdminOrder
		getJSON(t, base+linnworksSandboxPrefix+"/admin/orders/100002", &o)
		return o
	}
	planned := order()
	if !shows(planned, "Sent to Stream", "RUN 03", "FRIDAY", "SEQ 04") {
		t.Fatalf("after planning the Linnworks order shows %v", identifierNames(planned))
	}

	sent := writeBackQueue(t, base).Sent
	if r := post(t, base, "CancelLabel", map[string]any{"AuthorizationToken": token, "OrderReference": "100002"}); r["IsError"] != false {
		t.Fatalf("CancelLabel: %v", r["ErrorMessage"])
	}
	if n := writeBackQueue(t, base).Sent - sent; n != 1 {
		t.Fatalf("CancelLabel queued %d write-backs, want 1", n)
	}
	pollDrained(t, base)
	var hooks sandboxHooks
	getJSON(t, base+streamSandboxPrefix+"/admin/webhooks", &hooks)
	if len(hooks.Deliveries) != 0 {
		t.Fatalf("with webhooks off the sandbox sent %d webhooks", len(hooks.Deliveries))
	}
	var streamOrder struct{ ConsignmentNo, OrderStatus string }
	getJSON(t, base+streamSandboxPrefix+"/admin/orders/100002", &streamOrder)
	if streamOrder.OrderStatus != "CANCELLED" || streamOrder.ConsignmentNo == "" {
		t.Fatalf("the Stream order after CancelLabel: %+v", streamOrder)
	}

	o := order()
	if !shows(o, "Sent to Stream") || !showsNone(o, "RUN 03", "FRIDAY", "SEQ 04") {
		t.Errorf("after the cancel the Linnworks order shows %v, want Sent to Stream without RUN 03, FRIDAY or SEQ 04", identifierNames(o))
	}
	var added []string
	for _, n := range o.Notes[len(planned.Notes):] {
		added = append(added, n.Note)
	}
	if want := "Stream: order " + streamOrder.ConsignmentNo + " was cancelled in Stream"; !slices.Equal(added, []string{want}) {
		t.Errorf("the cancel added the notes %q, want %q", added, want)
	}
	if o.Processed {
		t.Error("the cancelled order was processed")
	}

	sent = writeBackQueue(t, base).Sent
	if s := pollNow(t, base); s.Considered != 0 || s.Queued != 0 {
		t.Errorf("poll after the cancel: %+v, want the cancelled order left alone", s)
	}
	if n := writeBackQueue(t, base).Sent - sent; n != 0 {
		t.Errorf("the poll after the cancel queued %d write-backs", n)
	}
}
