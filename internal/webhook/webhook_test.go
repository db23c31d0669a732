package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"linnstream/internal/profile"
	"linnstream/internal/queue"
	"linnstream/internal/stream"
	"linnstream/internal/webhook"
	"linnstream/internal/wizard"
	"linnstream/internal/writeback"
)

const (
	key        = "7f3a9c0e4b2d1f6a8c5e3b9d0a7f2e4c6b8d1a3f5e7c9b0d2a4f6e8c1b3d5a7f"
	deletedKey = "1111111111111111111111111111111111111111111111111111111111111111"
	offKey     = "2222222222222222222222222222222222222222222222222222222222222222"
	authSecret = "hook-secret-9d2f"
)

// sent records what the receiver queued; err makes Send fail.
type sent struct {
	mu   sync.Mutex
	msgs []queue.Message
	err  error
}

func (s *sent) Send(_ context.Context, msgs ...queue.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	s.msgs = append(s.msgs, msgs...)
	return nil
}

type fixture struct {
	store *profile.MemStore
	queue *sent
	logs  *bytes.Buffer
	h     http.Handler
	p     *profile.Profile
}

func newProfile(t testing.TB, s *profile.MemStore, token, key string, settings map[string]string) *profile.Profile {
	t.Helper()
	p := &profile.Profile{ID: profile.ID(token), WebhookKey: key, Active: true, Stage: wizard.StageConfig,
		Settings: map[string]string{wizard.ItemStreamClientID: "client-a", wizard.ItemStreamParty: "PARTY1", wizard.ItemWebhooksEnabled: "true"},
		Secrets:  map[string]string{wizard.SecretWebhookAuthHeader: authSecret, wizard.ItemStreamClientSecret: "stream-secret"}}
	for k, v := range settings {
		p.Settings[k] = v
	}
	if err := s.Create(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	return p
}

func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{store: profile.NewMemStore(), queue: &sent{}, logs: &bytes.Buffer{}}
	f.p = newProfile(t, f.store, "tok-1", key, nil)
	gone := newProfile(t, f.store, "tok-2", deletedKey, nil)
	gone.MarkDeleted(gone.UpdatedAt, 0)
	if err := f.store.Update(context.Background(), gone); err != nil {
		t.Fatal(err)
	}
	newProfile(t, f.store, "tok-3", offKey, map[string]string{wizard.ItemWebhooksEnabled: "false"})
	rc := &webhook.Receiver{Profiles: f.store, Queue: f.queue, Logger: slog.New(slog.NewJSONHandler(f.logs, nil))}
	f.h = rc.Handler()
	return f
}

func (f *fixture) post(t *testing.T, k, body string, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/stream/webhook/"+k, strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	for n, v := range hdr {
		r.Header.Set(n, v)
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

const runEvent = `{"subscription":{"party_id":"PARTY1","id":7,"event":"RUNSTATUS","event_type":"LOADHEADER"},
	"event":{"event_code":"LOCKPLANNING","event_date":"2026-06-20","event_time":"06:55:00"},
	"run":{"loadId":"L42","status":"LOCKED","description":"RUN 03"},
	"orders":[{"sequence":4,"order":"CN-0001"},{"sequence":5,"order":"CN-0002"}]}`

func TestBothEnvelopesQueueOneMessagePerOrder(t *testing.T) {
	for name, body := range map[string]string{
		"wrapped": `{"webhook":` + runEvent + `}`,
		"bare":    runEvent,
	} {
		t.Run(name, func(t *testing.T) {
			f := setup(t)
			w := f.post(t, key, body, nil)
			if w.Code != http.StatusOK || w.Body.String() != "{}" {
				t.Fatalf("answer %d %s, want 200 {}", w.Code, w.Body)
			}
			if len(f.queue.msgs) != 2 {
				t.Fatalf("queued %d messages, want one per order", len(f.queue.msgs))
			}
			var refs []string
			for _, m := range f.queue.msgs {
				var wm writeback.Message
				if err := json.Unmarshal(m.Body, &wm); err != nil {
					t.Fatal(err)
				}
				if wm.ProfileID != f.p.ID || wm.Source != writeback.SourceWebhook || wm.Event != "LOCKPLANNING" ||
					wm.Run != "RUN 03" || wm.EventTime != "2026-06-20 06:55:00" || wm.OrderID != "" {
					t.Fatalf("message %+v", wm)
				}
				// The group is the one every producer gives this order.
				shared, err := writeback.Message{ProfileID: f.p.ID, Ref: wm.Ref, Source: writeback.SourceLabel}.Queued()
				if err != nil {
					t.Fatal(err)
				}
				if m.Group != shared.Group || len(m.DedupID) != 64 {
					t.Fatalf("group %q dedup %q", m.Group, m.DedupID)
				}
				refs = append(refs, wm.Ref)
			}
			if !slices.Equal(refs, []string{"CN-0001", "CN-0002"}) {
				t.Fatalf("refs %v", refs)
			}
			if f.queue.msgs[0].Group == f.queue.msgs[1].Group || f.queue.msgs[0].DedupID == f.queue.msgs[1].DedupID {
				t.Fatal("two orders share a group or a de-duplication id")
			}
		})
	}
}

func TestOrderLevelEventWithNumbers(t *testing.T) {
	f := setup(t)
	w := f.post(t, key, `{"webhook":{"subscription":{"party_id":40017,"id":3},"event":{"event_code":"DELIVERED","event_date":20260620,"event_time":1015},"order":{"id":5001}}}`, nil)
	if w.Code != http.StatusOK || len(f.queue.msgs) != 1 {
		t.Fatalf("answer %d, %d queued", w.Code, len(f.queue.msgs))
	}
	var wm writeback.Message
	json.Unmarshal(f.queue.msgs[0].Body, &wm)
	if wm.Ref != "5001" || wm.Event != "DELIVERED" || wm.EventTime != "20260620 1015" || wm.Run != "" {
		t.Fatalf("message %+v", wm)
	}
	// party_id 40017 is not the profile's party: a warning, not a refusal.
	if !strings.Contains(f.logs.String(), "party_id differs") {
		t.Fatalf("no warning about the party in %s", f.logs)
	}
}

func TestDedupIDsTellDeliveriesApart(t *testing.T) {
	f := setup(t)
	ev := func(code, date, loadID string) string {
		return fmt.Sprintf(`{"event":{"event_code":%q,"event_date":%q,"event_time":"10:00"},"run":{"loadId":%q,"description":"RUN 01"},"order":{"id":"CN-1"}}`, code, date, loadID)
	}
	bodies := []string{
		ev("LOCKPLANNING", "2026-06-20", "L1"),
		ev("LOCKPLANNING", "2026-06-20", "L1"), // the same delivery again
		ev("LOCKPLANNING", "2026-06-20", "L2"), // re-planned onto another run
		ev("DISPATCHED", "2026-06-20", "L1"),
		ev("LOCKPLANNING", "2026-06-21", "L1"),
	}
	for _, b := range bodies {
		if w := f.post(t, key, b, nil); w.Code != http.StatusOK {
			t.Fatalf("%d for %s", w.Code, b)
		}
	}
	ids := map[string]bool{}
	for _, m := range f.queue.msgs {
		ids[m.DedupID] = true
		if m.Group != f.queue.msgs[0].Group {
			t.Fatal("one order's messages in different groups")
		}
	}
	if len(f.queue.msgs) != 5 || len(ids) != 4 {
		t.Fatalf("%d messages with %d distinct dedup ids, want 5 with 4 (only the repeat shares one)", len(f.queue.msgs), len(ids))
	}
	// Another profile's delivery of the same event is its own.
	p, err := stream.DecodeWebhook([]byte(bodies[0]))
	if err != nil {
		t.Fatal(err)
	}
	a, errA := webhook.Messages(f.p.ID, p)
	b, errB := webhook.Messages(profile.ID("someone-else"), p)
	if errA != nil || errB != nil || a[0].DedupID == b[0].DedupID || a[0].Group == b[0].Group {
		t.Fatal("two profiles share a dedup id or group for the same event")
	}
}

func TestBadInputQueuesNothing(t *testing.T) {
	big := `{"event":{"event_code":"DELIVERED","event_text":"` + strings.Repeat("x", webhook.MaxBody) + `"},"order":{"id":"1"}}`
	valid := `{"event":{"event_code":"DELIVERED"},"order":{"id":"CN-1"}}`
	cases := []struct {
		name   string
		key    string
		body   string
		hdr    map[string]string
		status int
	}{
		{"unknown key", strings.Repeat("ab", 32), valid, nil, http.StatusNotFound},
		{"malformed key", "not-a-key", valid, nil, http.StatusNotFound},
		{"upper-case key of another length", strings.ToUpper(key[:60]), valid, nil, http.StatusNotFound},
		{"deleted profile", deletedKey, valid, nil, http.StatusGone},
		{"wrong auth header", key, valid, map[string]string{"Authorization": "Bearer guess"}, http.StatusUnauthorized},
		{"empty auth header", key, valid, map[string]string{"Authorization": ""}, http.StatusUnauthorized},
		{"too large", key, big, nil, http.StatusRequestEntityTooLarge},
		{"not JSON", key, `event=DELIVERED`, nil, http.StatusBadRequest},
		{"truncated JSON", key, `{"event":{"event_code":"DELIVERED"}`, nil, http.StatusBadRequest},
		{"empty body", key, ``, nil, http.StatusBadRequest},
		{"webhooks off", offKey, valid, nil, http.StatusOK},
		{"JSON array", key, `[1,2]`, nil, http.StatusOK},
		{"unknown object", key, `{"hello":"world"}`, nil, http.StatusOK},
		{"webhook not an object", key, `{"webhook":"x"}`, nil, http.StatusOK},
		{"order id an object", key, `{"event":{"event_code":"DELIVERED"},"order":{"id":{"x":1}}}`, nil, http.StatusOK},
		{"unknown event code", key, `{"event":{"event_code":"WEATHERALERT"},"order":{"id":"CN-1"}}`, nil, http.StatusOK},
		{"no event code", key, `{"order":{"id":"CN-1"}}`, nil, http.StatusOK},
		{"no order", key, `{"event":{"event_code":"DELIVERED"},"run":{"loadId":"L1"}}`, nil, http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := setup(t)
			w := f.post(t, c.key, c.body, c.hdr)
			if w.Code != c.status {
				t.Fatalf("status %d (%s), want %d", w.Code, w.Body, c.status)
			}
			if len(f.queue.msgs) != 0 {
				t.Fatalf("queued %d messages", len(f.queue.msgs))
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" || !json.Valid(w.Body.Bytes()) {
				t.Fatalf("answer %q %s is not JSON", ct, w.Body)
			}
			if strings.Contains(f.logs.String(), authSecret) || strings.Contains(f.logs.String(), "Bearer guess") {
				t.Fatal("a header value reached the log")
			}
		})
	}
}

func TestAuthHeaderIsOptionalButMustMatch(t *testing.T) {
	f := setup(t)
	valid := `{"event":{"event_code":"DELIVERED"},"order":{"id":"CN-1"}}`
	if w := f.post(t, key, valid, map[string]string{"Authorization": authSecret, "X-Trace": "t-1"}); w.Code != http.StatusOK || len(f.queue.msgs) != 1 {
		t.Fatalf("with the right header: %d, %d queued", w.Code, len(f.queue.msgs))
	}
	if w := f.post(t, key, valid, nil); w.Code != http.StatusOK {
		t.Fatalf("without the header: %d", w.Code)
	}
	logs := f.logs.String()
	if strings.Contains(logs, authSecret) || strings.Contains(logs, "t-1") {
		t.Fatalf("a header value reached the log: %s", logs)
	}
	if !strings.Contains(logs, `"Authorization"`) || !strings.Contains(logs, `"X-Trace"`) {
		t.Fatalf("header names missing from the log: %s", logs)
	}
}

func TestQueueFailureIs503(t *testing.T) {
	f := setup(t)
	f.queue.err = errors.New("sqs: throttled")
	w := f.post(t, key, runEvent, nil)
	if w.Code != http.StatusServiceUnavailable {
		t.Fatalf("status %d, want 503", w.Code)
	}
}

// failingStore fails every lookup, as an unreachable DynamoDB would.
type failingStore struct{}

func (failingStore) ByWebhookKey(context.Context, string) (*profile.Profile, error) {
	return nil, errors.New("dynamodb: connection reset")
}

func TestStoreFailureIs503(t *testing.T) {
	q := &sent{}
	h := (&webhook.Receiver{Profiles: failingStore{}, Queue: q}).Handler()
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/stream/webhook/"+key, strings.NewReader(runEvent)))
	if w.Code != http.StatusServiceUnavailable || len(q.msgs) != 0 {
		t.Fatalf("status %d, %d queued; want 503 and nothing", w.Code, len(q.msgs))
	}
}

func TestOtherMethodsAreRefused(t *testing.T) {
	f := setup(t)
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/stream/webhook/"+key, nil))
	if w.Code != http.StatusMethodNotAllowed || len(f.queue.msgs) != 0 {
		t.Fatalf("GET: %d", w.Code)
	}
}

// The size limit is 256 KiB exactly: a body of that size is queued, one
// byte more is 413 and queues nothing.
func TestBodySizeLimitEdge(t *testing.T) {
	if webhook.MaxBody != 256<<10 {
		t.Fatalf("MaxBody %d, want 256 KiB", webhook.MaxBody)
	}
	body := func(size int) string {
		head, tail := `{"event":{"event_code":"DELIVERED","event_text":"`, `"},"order":{"id":"CN-1"}}`
		return head + strings.Repeat("x", size-len(head)-len(tail)) + tail
	}
	f := setup(t)
	if w := f.post(t, key, body(webhook.MaxBody), nil); w.Code != http.StatusOK || len(f.queue.msgs) != 1 {
		t.Fatalf("a body of %d bytes: %d %s, %d queued; want 200 and one message", webhook.MaxBody, w.Code, w.Body, len(f.queue.msgs))
	}
	if w := f.post(t, key, body(webhook.MaxBody+1), nil); w.Code != http.StatusRequestEntityTooLarge || len(f.queue.msgs) != 1 {
		t.Fatalf("a body of %d bytes: %d, %d queued; want 413 and nothing more", webhook.MaxBody+1, w.Code, len(f.queue.msgs))
	}
}
