package webhook_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"linnstream/internal/embedded"
	"linnstream/internal/profile"
	"linnstream/internal/secrets"
	"linnstream/internal/webhook"
	"linnstream/internal/wizard"
)

// countingSealer counts the blobs opened through it.
type countingSealer struct {
	secrets.Sealer
	opens atomic.Int64
}

func (c *countingSealer) Open(ctx context.Context, sealed []byte, context string) ([]byte, error) {
	c.opens.Add(1)
	return c.Sealer.Open(ctx, sealed, context)
}

// The receiver on the embedded store, which keeps only the hash of each
// webhook key: a live profile's key is queued, a deleted profile's gets
// 410, an unknown key 404 without anything being opened, and the hash
// itself is no key.
func TestReceiverOnEmbeddedStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	local, err := secrets.NewLocalKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	sealer := &countingSealer{Sealer: local}
	store := embedded.NewProfiles(db, sealer)
	for token, k := range map[string]string{"tok-1": key, "tok-2": deletedKey} {
		p := &profile.Profile{ID: profile.ID(token), WebhookKey: k, Active: true, Stage: wizard.StageConfig,
			Settings: map[string]string{wizard.ItemStreamClientID: "client-a", wizard.ItemStreamParty: "PARTY1", wizard.ItemWebhooksEnabled: "true"},
			Secrets:  map[string]string{wizard.SecretWebhookAuthHeader: authSecret}}
		if err := store.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		if k == deletedKey {
			p.MarkDeleted(p.UpdatedAt, 0)
			if err := store.Update(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	q := &sent{}
	h := (&webhook.Receiver{Profiles: store, Queue: q, Logger: slog.New(slog.DiscardHandler)}).Handler()
	post := func(k string) int {
		r := httptest.NewRequest(http.MethodPost, "/stream/webhook/"+k, strings.NewReader(`{"event":{"event_code":"DELIVERED"},"order":{"id":"CN-1"}}`))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Code
	}

	if got := post(key); got != http.StatusOK || len(q.msgs) != 1 {
		t.Fatalf("live key: status %d, %d messages queued; want 200 and 1", got, len(q.msgs))
	}
	if got := post(deletedKey); got != http.StatusGone {
		t.Fatalf("deleted profile's key: status %d, want 410", got)
	}
	before := sealer.opens.Load()
	if got := post(strings.Repeat("ab", 32)); got != http.StatusNotFound {
		t.Fatalf("unknown key: status %d, want 404", got)
	}
	if got := post(profile.WebhookKeyHash(key)); got != http.StatusNotFound {
		t.Fatalf("the key's hash as key: status %d, want 404", got)
	}
	if n := sealer.opens.Load() - before; n != 0 {
		t.Fatalf("looking up unknown keys opened %d sealed blobs, want none", n)
	}
	if len(q.msgs) != 1 {
		t.Fatalf("%d messages queued, want only the live key's", len(q.msgs))
	}
}
