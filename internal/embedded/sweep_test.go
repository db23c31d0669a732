package embedded_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"linnstream/internal/embedded"
	"linnstream/internal/profile"
	"linnstream/internal/profile/profiletest"
)

func TestSweepDropsWhatTTLWouldHave(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openDB(t, dir)
	profiles := embedded.NewProfiles(db, localKey(t, dir))
	now := time.Date(2026, 6, 19, 9, 0, 0, 0, time.UTC)
	shipments := embedded.NewShipments(db, func() time.Time { return now })

	live := profiletest.NewProfile(t)
	removedLongAgo := profiletest.NewProfile(t)
	removedLongAgo.MarkDeleted(now.Add(-31*24*time.Hour), 30*24*time.Hour)
	removedToday := profiletest.NewProfile(t)
	removedToday.MarkDeleted(now, 30*24*time.Hour)
	for _, p := range []*profile.Profile{live, removedLongAgo, removedToday} {
		if err := profiles.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
	}
	if first, err := shipments.MarkEvent(ctx, live.ID, "old", time.Hour); err != nil || !first {
		t.Fatalf("MarkEvent old: %v %v", first, err)
	}
	now = now.Add(2 * time.Hour)
	if first, err := shipments.MarkEvent(ctx, live.ID, "fresh", time.Hour); err != nil || !first {
		t.Fatalf("MarkEvent fresh: %v %v", first, err)
	}

	n, err := db.Sweep(now)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Fatalf("swept %d records, want the expired profile and the expired mark", n)
	}
	if _, err := profiles.Get(ctx, removedLongAgo.ID); !errors.Is(err, profile.ErrNotFound) {
		t.Fatalf("expired profile after sweep: %v", err)
	}
	// The webhook key goes with it, rather than naming a missing profile.
	if _, err := profiles.ByWebhookKey(ctx, removedLongAgo.WebhookKey); !errors.Is(err, profile.ErrNotFound) || strings.Contains(err.Error(), "missing profile") {
		t.Fatalf("expired profile's webhook key after sweep: %v", err)
	}
	for _, p := range []*profile.Profile{live, removedToday} {
		if _, err := profiles.Get(ctx, p.ID); err != nil {
			t.Fatalf("unexpired profile swept: %v", err)
		}
	}
	// The fresh mark is kept: marking it again is a duplicate.
	if first, err := shipments.MarkEvent(ctx, live.ID, "fresh", time.Hour); err != nil || first {
		t.Fatalf("fresh mark after sweep: first=%v %v", first, err)
	}
	if n, err := db.Sweep(now); err != nil || n != 0 {
		t.Fatalf("second sweep: %d %v", n, err)
	}
}
