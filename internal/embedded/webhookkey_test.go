package embedded_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"linnstream/internal/embedded"
	"linnstream/internal/profile"
	"linnstream/internal/profile/profiletest"
)

// Bucket names of the file format, as a file written before webhook keys
// were sealed has them.
var (
	rawProfiles       = []byte("profiles")
	rawByKeyHash      = []byte("profiles.byWebhookKeyHash")
	rawLegacyByKey    = []byte("profiles.byWebhookKey")
	oldShapeKey       = strings.Repeat("5e", 32)
	oldShapeSecret    = "stream-client-secret-old-shape"
	oldShapeCreatedAt = time.Date(2025, 11, 2, 8, 0, 0, 0, time.UTC)
)

// writeOldShape stores, in the file in dir, a profile as it was kept before
// webhook keys were sealed: the plaintext key on the record and as the key
// of the webhook index, and the secrets sealed as a bare JSON object.
func writeOldShape(t *testing.T, dir string) *profile.Profile {
	t.Helper()
	ctx := context.Background()
	want := &profile.Profile{
		ID: profile.ID("old-shape-token"), AccountName: "Old Shape Ltd", Stage: "COMPLETE", Active: true,
		Settings:   map[string]string{"ClientId": "client-old"},
		Secrets:    map[string]string{"ClientSecret": oldShapeSecret},
		WebhookKey: oldShapeKey, CreatedAt: oldShapeCreatedAt, UpdatedAt: oldShapeCreatedAt, Version: 3,
	}
	plain, err := json.Marshal(want.Secrets)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := localKey(t, dir).Seal(ctx, plain, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := json.Marshal(map[string]any{
		"id": want.ID, "accountName": want.AccountName, "stage": want.Stage, "active": true,
		"settings": want.Settings, "sealedSecrets": sealed, "webhookKey": oldShapeKey,
		"createdAt": oldShapeCreatedAt, "updatedAt": oldShapeCreatedAt, "version": 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	db := openDB(t, dir)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	withFile(t, dir, func(tx *bolt.Tx) error {
		if err := tx.Bucket(rawProfiles).Put([]byte(want.ID), rec); err != nil {
			return err
		}
		return tx.Bucket(rawLegacyByKey).Put([]byte(oldShapeKey), []byte(want.ID))
	})
	return want
}

// withFile runs fn in a write transaction on the closed database file in
// dir, to read or write it as raw bytes.
func withFile(t *testing.T, dir string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	b, err := bolt.Open(filepath.Join(dir, embedded.FileName), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// assertNewShape checks the stored record and indexes of the profile: the
// key's hash indexed and on the record, the key itself nowhere.
func assertNewShape(t *testing.T, dir string, p *profile.Profile) {
	t.Helper()
	hash := profile.WebhookKeyHash(p.WebhookKey)
	withFile(t, dir, func(tx *bolt.Tx) error {
		rec := tx.Bucket(rawProfiles).Get([]byte(p.ID))
		if rec == nil {
			t.Fatal("record is gone")
		}
		if bytes.Contains(rec, []byte(p.WebhookKey)) || bytes.Contains(rec, []byte(oldShapeSecret)) {
			t.Errorf("record holds the webhook key or a secret in plaintext: %s", rec)
		}
		if !bytes.Contains(rec, []byte(`"webhookKeyHash":"`+hash+`"`)) {
			t.Errorf("record does not hold the key's hash: %s", rec)
		}
		if id := tx.Bucket(rawByKeyHash).Get([]byte(hash)); string(id) != p.ID {
			t.Errorf("hash index names %q, want the profile", id)
		}
		if id := tx.Bucket(rawLegacyByKey).Get([]byte(p.WebhookKey)); id != nil {
			t.Error("the plaintext key is still in the legacy index")
		}
		return nil
	})
}

func TestIndexHoldsOnlyTheKeyHash(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openDB(t, dir)
	p := profiletest.NewProfile(t)
	if err := embedded.NewProfiles(db, localKey(t, dir)).Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	assertNewShape(t, dir, p)
	withFile(t, dir, func(tx *bolt.Tx) error {
		return tx.Bucket(rawByKeyHash).ForEach(func(k, _ []byte) error {
			if string(k) == p.WebhookKey {
				t.Error("hash index is keyed by the plaintext key")
			}
			return nil
		})
	})
}

// A profile of the earlier shape is found by its key through the legacy
// index, and that lookup migrates it: afterwards it is found by the hash and
// its key is stored only sealed.
func TestOldShapeMigratesOnLookup(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	want := writeOldShape(t, dir)

	db := openDB(t, dir)
	store := embedded.NewProfiles(db, localKey(t, dir))
	got, err := store.ByWebhookKey(ctx, oldShapeKey)
	if err != nil {
		t.Fatalf("ByWebhookKey of an old-shape profile: %v", err)
	}
	if d := profiletest.Diff(want, got); d != "" {
		t.Fatalf("old-shape profile: %s", d)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	assertNewShape(t, dir, want)

	store = embedded.NewProfiles(openDB(t, dir), localKey(t, dir))
	again, err := store.ByWebhookKey(ctx, oldShapeKey)
	if err != nil {
		t.Fatalf("ByWebhookKey after migration: %v", err)
	}
	if d := profiletest.Diff(want, again); d != "" {
		t.Fatalf("migrated profile: %s", d)
	}
	// The migration kept the version: a writer holding the earlier read
	// still succeeds.
	got.Stage = "CONFIG"
	if err := store.Update(ctx, got); err != nil {
		t.Fatalf("Update from the read before migration: %v", err)
	}
}

// A profile of the earlier shape read by ID keeps its key, and its next
// write stores the current shape.
func TestOldShapeMigratesOnSave(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	want := writeOldShape(t, dir)

	db := openDB(t, dir)
	store := embedded.NewProfiles(db, localKey(t, dir))
	p, err := store.Get(ctx, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := profiletest.Diff(want, p); d != "" {
		t.Fatalf("old-shape profile: %s", d)
	}
	p.Stage = "CONFIG"
	if err := store.Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	assertNewShape(t, dir, want)
	store = embedded.NewProfiles(openDB(t, dir), localKey(t, dir))
	got, err := store.ByWebhookKey(ctx, oldShapeKey)
	if err != nil {
		t.Fatalf("ByWebhookKey after save: %v", err)
	}
	if got.Stage != "CONFIG" || got.Version != 4 || got.WebhookKey != oldShapeKey {
		t.Fatalf("after save: stage %q version %d, key kept %v", got.Stage, got.Version, got.WebhookKey == oldShapeKey)
	}
}

// Sweeping an expired profile of the earlier shape drops its entry in the
// legacy index too.
func TestSweepDropsLegacyIndexEntry(t *testing.T) {
	dir := t.TempDir()
	want := writeOldShape(t, dir)
	expired := oldShapeCreatedAt.Add(time.Hour)
	withFile(t, dir, func(tx *bolt.Tx) error {
		var rec map[string]any
		if err := json.Unmarshal(tx.Bucket(rawProfiles).Get([]byte(want.ID)), &rec); err != nil {
			return err
		}
		rec["deleted"], rec["expiresAt"] = true, expired
		data, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		return tx.Bucket(rawProfiles).Put([]byte(want.ID), data)
	})
	db := openDB(t, dir)
	if n, err := db.Sweep(expired.Add(time.Minute)); err != nil || n != 1 {
		t.Fatalf("Sweep: %d records, %v; want the expired profile", n, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	withFile(t, dir, func(tx *bolt.Tx) error {
		if tx.Bucket(rawProfiles).Get([]byte(want.ID)) != nil {
			t.Error("the expired profile is still stored")
		}
		if id := tx.Bucket(rawLegacyByKey).Get([]byte(oldShapeKey)); id != nil {
			t.Error("the swept profile's key is still in the legacy index")
		}
		return nil
	})
}
