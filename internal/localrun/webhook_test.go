package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"linnstream/internal/localenv"
	"linnstream/internal/localqueue"
	"linnstream/internal/profile"
	"linnstream/internal/queue"
	"linnstream/internal/stream"
	"linnstream/internal/wizard"
	"linnstream/internal/writeback"
)

// consumed collects the write-back messages the local queue hands over.
type consumed struct {
	mu   sync.Mutex
	msgs []writeback.Message
}

func (c *consumed) handle(_ context.Context, body []byte) error {
	var m writeback.Message
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("not a write-back message: %w", err)
	}
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
	return nil
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, res.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v: %s", url, err, b)
	}
}

func postAdmin(t *testing.T, url, body string) {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("POST %s: %d %s", url, res.StatusCode, b)
	}
}

type sandboxHooks struct {
	Subscriptions []struct {
		URLPath       string `json:"url_path"`
		Event         string `json:"event"`
		EventType     string `json:"event_type"`
		HasAuthHeader bool   `json:"hasAuthHeader"`
	} `json:"subscriptions"`
	Deliveries []struct {
		URL        string          `json:"url"`
		EventCode  string          `json:"eventCode"`
		StatusCode int             `json:"statusCode"`
		Done       bool            `json:"done"`
		Payload    json.RawMessage `json:"payload"`
	} `json:"deliveries"`
}

func (h sandboxHooks) subscribed(url string) []string {
	var out []string
	for _, s := range h.Subscriptions {
		if s.URLPath == url && s.HasAuthHeader {
			out = append(out, s.Event+"/"+s.EventType)
		}
	}
	return out
}

// The wizard subscribes the profile's webhook URL in the Stream sandbox;
// planning two orders there sends webhooks to make run's receiver, which
// queues one write-back message per order each names, and the in-process
// queue hands every one to the consumer.
func TestSandboxWebhooksReachTheWriteBackConsumer(t *testing.T) {
	got := &consumed{}
	base, _ := startLocalWith(t, Config{WrapWriteBack: func(queue.Handler) queue.Handler { return got.handle }, Queue: localqueue.Config{BaseBackoff: time.Millisecond}})
	token := newConfigured(t, base)
	walkRest(t, base, token, nil)

	status, _, values := stageItems(t, base, token)
	out := post(t, base, "UserConfig", map[string]string{"AuthorizationToken": token})
	var hookURL string
	for _, it := range out["ConfigStage"].(map[string]any)["ConfigItems"].([]any) {
		if m := it.(map[string]any); m["ConfigItemId"] == wizard.ItemWebhookURL {
			hookURL, _ = m["SelectedValue"].(string)
		}
	}
	if !strings.HasPrefix(hookURL, base+"/stream/webhook/") {
		t.Fatalf("WEBHOOK_URL %q is not under %s", hookURL, base)
	}
	var hooks sandboxHooks
	getJSON(t, base+streamSandboxPrefix+"/admin/webhooks", &hooks)
	subs := hooks.subscribed(hookURL)
	if len(subs) != len(wizard.WebhookPairs) {
		t.Fatalf("subscriptions for the webhook URL: %v, want the %d pairs", subs, len(wizard.WebhookPairs))
	}
	// Saving again creates nothing.
	if r := update(t, base, token, status, values); r["IsError"] != false {
		t.Fatalf("saving CONFIG again: %v", r["ErrorMessage"])
	}
	getJSON(t, base+streamSandboxPrefix+"/admin/webhooks", &hooks)
	if again := hooks.subscribed(hookURL); len(again) != len(subs) {
		t.Fatalf("saving again left %d subscriptions, want %d", len(again), len(subs))
	}

	// Two labels, two Stream orders.
	svc := post(t, base, "UserAvailableServices", map[string]string{"AuthorizationToken": token})
	serviceID := svc["Services"].([]any)[0].(map[string]any)["ServiceUniqueId"].(string)
	for _, id := range []int{100234, 100235} {
		label := post(t, base, "GenerateLabel", map[string]any{"AuthorizationToken": token, "Name": "Priya Shah",
			"AddressLine1": "14 Wellington Street", "Town": "Leeds", "CountryCode": "GB", "Postalcode": "LS1 4DL",
			"Email": "priya@example.com", "OrderId": id, "OrderReference": fmt.Sprintf("WEB-%d", id), "ServiceId": serviceID,
			"Packages": []map[string]any{{"SequenceNumber": 1, "PackageWeight": 2350, "PackageFormat": "PARCEL",
				"Items": []map[string]any{{"ItemName": "Oak side table", "ProductCode": "OAK-ST-01", "Quantity": 1, "UnitWeight": 2000}}}}})
		if label["IsError"] != false {
			t.Fatalf("GenerateLabel %d: %v", id, label["ErrorMessage"])
		}
	}
	// The dispatcher plans both onto RUN 03; the sandbox delivers the
	// planning webhooks before it answers.
	postAdmin(t, base+streamSandboxPrefix+"/admin/plan", `{"orderNo":"100234","run":"RUN 03","sequence":4,"date":"2026-11-23"}`)
	postAdmin(t, base+streamSandboxPrefix+"/admin/plan", `{"orderNo":"100235","run":"RUN 03","sequence":5,"date":"2026-11-23"}`)

	// Stream references (order or consignment numbers) → orderNo.
	var orders struct {
		Orders []struct{ OrderNo, ConsignmentNo string } `json:"orders"`
	}
	getJSON(t, base+streamSandboxPrefix+"/admin/orders", &orders)
	orderOf := map[string]string{}
	for _, o := range orders.Orders {
		orderOf[o.OrderNo], orderOf[o.ConsignmentNo] = o.OrderNo, o.OrderNo
	}

	getJSON(t, base+streamSandboxPrefix+"/admin/webhooks", &hooks)
	want := map[string]bool{} // orderNo + event code of each order a delivery names
	named := 0
	for _, d := range hooks.Deliveries {
		if d.URL != hookURL {
			continue
		}
		if !d.Done || d.StatusCode != http.StatusOK {
			t.Fatalf("delivery %s answered %d (done %v)", d.EventCode, d.StatusCode, d.Done)
		}
		p, err := stream.DecodeWebhook(d.Payload)
		if err != nil {
			t.Fatalf("the sandbox sent %s: %v", d.Payload, err)
		}
		for _, ref := range p.OrderIDs() {
			want[orderOf[ref]+" "+p.Event.EventCode] = true
			named++
		}
	}
	if len(want) == 0 {
		t.Fatal("planning sent no webhook to the receiver")
	}

	// Every queued message reaches the consumer.
	deadline := time.Now().Add(10 * time.Second)
	var st localqueue.Stats
	for {
		var qs struct{ Queues []localqueue.Stats }
		getJSON(t, base+"/local/queues", &qs)
		for _, q := range qs.Queues {
			if q.Name == localenv.WriteBackQueueName {
				st = q
			}
		}
		if st.Sent > 0 && st.Waiting == 0 && st.InFlight == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the write-back queue never drained: %+v", st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if st.Done != st.Sent || st.DeadLettered != 0 {
		t.Fatalf("queue stats %+v: want every message done", st)
	}
	got.mu.Lock()
	defer got.mu.Unlock()
	// Each label queued its own write-back too.
	var hooked []writeback.Message
	labels := 0
	for _, m := range got.msgs {
		switch m.Source {
		case writeback.SourceLabel:
			labels++
		default:
			hooked = append(hooked, m)
		}
	}
	if len(got.msgs) != st.Done || labels != 2 || len(hooked) > named || len(hooked) < len(want) {
		t.Fatalf("%d messages consumed (queue done %d), %d of labels, for %d order references in %d distinct events",
			len(got.msgs), st.Done, labels, named, len(want))
	}
	seen := map[string]bool{}
	for _, m := range hooked {
		if m.ProfileID != profile.ID(token) || m.Source != writeback.SourceWebhook || orderOf[m.Ref] == "" {
			t.Fatalf("message %+v is not a webhook message for this profile's orders", m)
		}
		seen[orderOf[m.Ref]+" "+m.Event] = true
	}
	for k := range want {
		if !seen[k] {
			t.Errorf("no message for %s", k)
		}
	}
	if !seen["100234 LOCKPLANNING"] || !seen["100235 LOCKPLANNING"] {
		t.Errorf("messages %v lack the run's planning of both orders", seen)
	}
}

func TestLocalQueuesEndpoint(t *testing.T) {
	base, _ := startLocal(t)
	var qs struct{ Queues []localqueue.Stats }
	getJSON(t, base+"/local/queues", &qs)
	if len(qs.Queues) != 1 || qs.Queues[0].Name != localenv.WriteBackQueueName || qs.Queues[0].Waiting != 0 {
		t.Fatalf("queues %+v, want the empty write-back queue", qs.Queues)
	}
	res, err := http.Post(base+"/local/queues/nope/redrive", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound {
		t.Fatalf("redrive of an unknown queue: %d", res.StatusCode)
	}
	var r map[string]int
	res, err = http.Post(base+"/local/queues/"+localenv.WriteBackQueueName+"/redrive", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(res.Body).Decode(&r)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || r["redriven"] != 0 {
		t.Fatalf("redrive of an empty dead-letter queue: %d %v", res.StatusCode, r)
	}
}
