package embedded_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"linnstream/internal/embedded"
	"linnstream/internal/profile"
	"linnstream/internal/profile/profiletest"
	"linnstream/internal/secrets"
)

func openDB(t *testing.T, dir string) *embedded.DB {
	t.Helper()
	db, err := embedded.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func localKey(t *testing.T, dir string) secrets.Sealer {
	t.Helper()
	k, err := secrets.NewLocalKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestProfilesContract(t *testing.T) {
	profiletest.Run(t, func(t *testing.T) profile.Store {
		dir := t.TempDir()
		return embedded.NewProfiles(openDB(t, dir), localKey(t, dir))
	})
}

func TestProfilesSurviveReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	p := profiletest.NewProfile(t)
	if err := embedded.NewProfiles(db, localKey(t, dir)).Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	store := embedded.NewProfiles(openDB(t, dir), localKey(t, dir))
	got, err := store.Get(ctx, p.ID)
	if err != nil {
		t.Fatalf("Get after reopen: %v", err)
	}
	if d := profiletest.Diff(p, got); d != "" {
		t.Fatalf("after reopen: %s", d)
	}
	if byKey, err := store.ByWebhookKey(ctx, p.WebhookKey); err != nil || byKey.ID != p.ID {
		t.Fatalf("ByWebhookKey after reopen: %v", err)
	}
}

func TestFileHoldsNoPlaintextSecretOrToken(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openDB(t, dir)
	store := embedded.NewProfiles(db, localKey(t, dir))
	const token = "authorization-token-5b0c1d2e"
	const secret = "stream-client-secret-9f8e7d6c"
	p := profiletest.NewProfile(t)
	p.ID = profile.ID(token)
	p.Secrets = map[string]string{"ClientSecret": secret}
	if err := store.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	// A second version holds the same secret; bbolt may keep both pages.
	p.Stage = "COMPLETE"
	if err := store.Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, embedded.FileName))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(raw, []byte(p.ID)) || !bytes.Contains(raw, []byte("COMPLETE")) {
		t.Fatal("database file does not hold the profile; the check below would prove nothing")
	}
	if !bytes.Contains(raw, []byte(profile.WebhookKeyHash(p.WebhookKey))) {
		t.Fatal("database file does not hold the webhook key's hash")
	}
	for name, s := range map[string]string{"secret": secret, "secret name": "ClientSecret", "token": token, "webhook key": p.WebhookKey} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("database file contains the plaintext %s", name)
		}
	}
	if st, err := os.Stat(filepath.Join(dir, embedded.FileName)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("database file mode: %v %v, want 0600", st.Mode().Perm(), err)
	}
}

func TestSecretsNeedTheKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := openDB(t, dir)
	p := profiletest.NewProfile(t)
	if err := embedded.NewProfiles(db, localKey(t, dir)).Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	other := embedded.NewProfiles(db, localKey(t, t.TempDir()))
	if _, err := other.Get(ctx, p.ID); !errors.Is(err, secrets.ErrCannotOpen) {
		t.Fatalf("Get with another key: got %v, want ErrCannotOpen", err)
	}
}

func TestOpenIsExclusive(t *testing.T) {
	dir := t.TempDir()
	openDB(t, dir)
	// bbolt locks the file per open file description, so a second Open in
	// the same process stands for a second process.
	db, err := embedded.Open(dir)
	if err == nil {
		db.Close()
		t.Fatal("second Open of an open database succeeded")
	}
	if !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("second Open: %v, want an error saying the file is in use", err)
	}
}

func TestConcurrentCreatesOfOneID(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	store := embedded.NewProfiles(openDB(t, dir), localKey(t, dir))
	base := profiletest.NewProfile(t)
	const n = 8
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			p := profile.Clone(base)
			errs[i] = store.Create(ctx, p)
		})
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, profile.ErrExists):
			t.Fatalf("create %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d creates of one ID succeeded, want 1", won)
	}
}
