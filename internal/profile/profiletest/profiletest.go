// Package profiletest is the contract every profile.Store must meet. Each
// adapter's tests call Run with a constructor for a fresh or shared store;
// the cases use random IDs and webhook keys, so a store may be shared.
package profiletest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"linnstream/internal/profile"
)

// Run runs the contract suite against the stores newStore returns.
func Run(t *testing.T, newStore func(t *testing.T) profile.Store) {
	t.Helper()
	cases := []struct {
		name string
		fn   func(t *testing.T, s profile.Store)
	}{
		{"CreateGet", testCreateGet},
		{"CreateExists", testCreateExists},
		{"GetNotFound", testGetNotFound},
		{"Update", testUpdate},
		{"UpdateConflict", testUpdateConflict},
		{"UpdateNotFound", testUpdateNotFound},
		{"ConcurrentWriters", testConcurrentWriters},
		{"ByWebhookKey", testByWebhookKey},
		{"ByWebhookKeyAfterChange", testByWebhookKeyAfterChange},
		{"WebhookKeyWithoutSecrets", testWebhookKeyWithoutSecrets},
		{"SecretsRoundTrip", testSecretsRoundTrip},
		{"Deleted", testDeleted},
		{"MapsNotAliased", testMapsNotAliased},
		{"EmptySettingKept", testEmptySettingKept},
		{"EndedContextWritesNothing", testEndedContextWritesNothing},
		{"NumberingHeldByOne", testNumberingHeldByOne},
		{"NumberingMovesAndReleases", testNumberingMoves},
		{"NumberingConcurrentHolders", testNumberingConcurrent},
		{"NumberingStaleWriteTakesNothing", testNumberingStale},
		{"UpdateKeepsNumbering", testUpdateKeepsNumbering},
		{"CreateHoldsNoNumbering", testCreateHoldsNoNumbering},
		{"SyncStateRoundTrip", testSyncStateRoundTrip},
		{"SyncingProfiles", testSyncingProfiles},
		{"PollingProfiles", testPollingProfiles},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.fn(t, newStore(t))
		})
	}
}

// NewProfile returns a profile with a random token-derived ID, a random
// webhook key and every field set, as AddNewUser and the wizard would leave it.
func NewProfile(t *testing.T) *profile.Profile {
	t.Helper()
	now := time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)
	return &profile.Profile{
		ID:                        profile.ID("token-" + randHex(t)),
		Email:                     "ops@example.com",
		LinnworksUniqueIdentifier: "4b1e0f3a-0000-4000-8000-" + randHex(t)[:12],
		AccountName:               "Example Ltd",
		Stage:                     "CONFIG",
		Active:                    false,
		Settings:                  map[string]string{"ClientId": "client-1", "LookbackDays": "3"},
		Secrets:                   map[string]string{"ClientSecret": "s3cr3t-" + randHex(t)},
		WebhookKey:                randHex(t),
		CreatedAt:                 now,
		UpdatedAt:                 now,
	}
}

func randHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random: %v", err)
	}
	return hex.EncodeToString(b)
}

// Diff describes how got differs from want, or returns "" when they hold
// the same values (nil and empty maps are the same; times compare with
// Equal).
func Diff(want, got *profile.Profile) string {
	var d []string
	add := func(field string, w, g any) { d = append(d, fmt.Sprintf("%s: want %v, got %v", field, w, g)) }
	if want.ID != got.ID {
		add("ID", want.ID, got.ID)
	}
	if want.Email != got.Email {
		add("Email", want.Email, got.Email)
	}
	if want.LinnworksUniqueIdentifier != got.LinnworksUniqueIdentifier {
		add("LinnworksUniqueIdentifier", want.LinnworksUniqueIdentifier, got.LinnworksUniqueIdentifier)
	}
	if want.AccountName != got.AccountName {
		add("AccountName", want.AccountName, got.AccountName)
	}
	if want.Stage != got.Stage {
		add("Stage", want.Stage, got.Stage)
	}
	if want.Active != got.Active {
		add("Active", want.Active, got.Active)
	}
	if !maps.Equal(want.Settings, got.Settings) {
		add("Settings", want.Settings, got.Settings)
	}
	if !maps.Equal(want.Secrets, got.Secrets) {
		// Only the key sets: values are secrets even in test output.
		add("Secrets keys", keys(want.Secrets), keys(got.Secrets))
		if maps.EqualFunc(want.Secrets, got.Secrets, func(string, string) bool { return true }) {
			d = append(d, "Secrets: same keys, different values")
		}
	}
	if want.WebhookKey != got.WebhookKey {
		add("WebhookKey", want.WebhookKey, got.WebhookKey)
	}
	if want.Numbering != got.Numbering {
		add("Numbering", want.Numbering, got.Numbering)
	}
	if want.Deleted != got.Deleted {
		add("Deleted", want.Deleted, got.Deleted)
	}
	if !want.LinnworksTokenRefused.Equal(got.LinnworksTokenRefused) {
		add("LinnworksTokenRefused", want.LinnworksTokenRefused, got.LinnworksTokenRefused)
	}
	if !want.CreatedAt.Equal(got.CreatedAt) {
		add("CreatedAt", want.CreatedAt, got.CreatedAt)
	}
	if !want.UpdatedAt.Equal(got.UpdatedAt) {
		add("UpdatedAt", want.UpdatedAt, got.UpdatedAt)
	}
	if !want.ExpiresAt.Equal(got.ExpiresAt) {
		add("ExpiresAt", want.ExpiresAt, got.ExpiresAt)
	}
	if want.Version != got.Version {
		add("Version", want.Version, got.Version)
	}
	if w, g := fmt.Sprintf("%+v", want.Sync), fmt.Sprintf("%+v", got.Sync); w != g {
		add("Sync", w, g)
	}
	if len(d) == 0 {
		return ""
	}
	return fmt.Sprint(d)
}

func keys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func mustGet(t *testing.T, s profile.Store, id string) *profile.Profile {
	t.Helper()
	got, err := s.Get(context.Background(), id)
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	return got
}

func mustCreate(t *testing.T, s profile.Store, p *profile.Profile) {
	t.Helper()
	if err := s.Create(context.Background(), p); err != nil {
		t.Fatalf("Create: %v", err)
	}
}

func testCreateGet(t *testing.T, s profile.Store) {
	p := NewProfile(t)
	want := *p
	mustCreate(t, s, p)
	if p.Version != 1 {
		t.Fatalf("Create set Version %d, want 1", p.Version)
	}
	want.Version = 1
	got := mustGet(t, s, p.ID)
	if d := Diff(&want, got); d != "" {
		t.Fatalf("Get after Create: %s", d)
	}
}

func testCreateExists(t *testing.T, s profile.Store) {
	p := NewProfile(t)
	mustCreate(t, s, p)
	again := NewProfile(t)
	again.ID = p.ID
	again.Email = "other@example.com"
	err := s.Create(context.Background(), again)
	if !errors.Is(err, profile.ErrExists) {
		t.Fatalf("second Create: got %v, want ErrExists", err)
	}
	if got := mustGet(t, s, p.ID); got.Email != p.Email || got.Version != 1 {
		t.Fatalf("failed Create changed the profile: email %q version %d", got.Email, got.Version)
	}
}

func testGetNotFound(t *testing.T, s profile.Store) {
	_, err := s.Get(context.Background(), profile.ID("never-issued-"+randHex(t)))
	if !errors.Is(err, profile.ErrNotFound) {
		t.Fatalf("Get unknown ID: got %v, want ErrNotFound", err)
	}
}

func testUpdate(t *testing.T, s profile.Store) {
	p := NewProfile(t)
	mustCreate(t, s, p)
	p.Stage = "COMPLETE"
	p.Active = true
	p.Settings["Depot"] = "LON1"
	delete(p.Settings, "LookbackDays")
	p.Secrets["LinnworksToken"] = "lw-" + randHex(t)
	p.UpdatedAt = p.UpdatedAt.Add(90 * time.Second)
	p.LinnworksTokenRefused = p.UpdatedAt.Add(123456789)
	if err := s.Update(context.Background(), p); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if p.Version != 2 {
		t.Fatalf("Update set Version %d, want 2", p.Version)
	}
	got := mustGet(t, s, p.ID)
	if d := Diff(p, got); d != "" {
		t.Fatalf("Get after Update: %s", d)
	}
	got.AccountName = "Renamed Ltd"
	got.LinnworksTokenRefused = time.Time{}
	if err := s.Update(context.Background(), got); err != nil {
		t.Fatalf("second Update: %v", err)
	}
	if got.Version != 3 {
		t.Fatalf("second Update set Version %d, want 3", got.Version)
	}
	if again := mustGet(t, s, p.ID); again.AccountName != "Renamed Ltd" || again.Version != 3 || !again.LinnworksTokenRefused.IsZero() {
		t.Fatalf("after second Update: account %q version %d, token refused %v", again.AccountName, again.Version, again.LinnworksTokenRefused)
	}
}

func testUpdateConflict(t *testing.T, s profile.Store) {
	p := NewProfile(t)
	mustCreate(t, s, p)
	stale := mustGet(t, s, p.ID)
	p.Stage = "FIRST"
	if err := s.Update(context.Background(), p); err != nil {
		t.Fatalf("Update: %v", err)
	}
	stale.Stage = "SECOND"
	err := s.Update(context.Background(), stale)
	if !errors.Is(err, profile.ErrConflict) {
		t.Fatalf("stale Update: got %v, want ErrConflict", err)
	}
	if stale.Version != 1 {
		t.Fatalf("failed Update changed Version to %d", stale.Version)
	}
	if got := mustGet(t, s, p.ID); got.Stage != "FIRST" || got.Version != 2 {
		t.Fatalf("after conflict: stage %q version %d, want FIRST 2", got.Stage, got.Version)
	}
	ahead := mustGet(t, s, p.ID)
	ahead.Version = 7
	if err := s.Update(context.Background(), ahead); !errors.Is(err, profile.ErrConflict) {
		t.Fatalf("Update from a future version: got %v, want ErrConflict", err)
	}
}

func testUpdateNotFound(t *testing.T, s profile.Store) {
	p := NewProfile(t)
	p.Version = 1
	err := s.Update(context.Background(), p)
	if !errors.Is(err, profile.ErrNotFound) {
		t.Fatalf("Update unknown profile: got %v, want ErrNotFound", err)
	}
	if _, err := s.Get(context.Background(), p.ID); !errors.Is(err, profile.ErrNotFound) {
		t.Fatalf("Update created the profile: Get returned %v", err)
	}
}

func testConcurrentWriters(t *testing.T, s profile.Store) {
	p := NewProfile(t)
	mustCreate(t, s, p)
	const writers = 8
	var (
		wg     sync.WaitGroup
		start  = make(chan struct{})
		errs   = make([]error, writers)
		copies = make([]*profile.Profile, writers)
	)
	for i := range writers {
		copies[i] = mustGet(t, s, p.ID)
		copies[i].Stage = fmt.Sprintf("writer-%d", i)
	}
	for i := range writers {
		wg.Go(func() {
			<-start
			errs[i] = s.Update(context.Background(), copies[i])
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("writers %d and %d both won from version 1", winner, i)
			}
			winner = i
		case errors.Is(err, profile.ErrConflict):
		default:
			t.Fatalf("writer %d: got %v, want nil or ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer won")
	}
	got := mustGet(t, s, p.ID)
	if want := fmt.Sprintf("writer-%d", winner); got.Stage != want || got.Version != 2 {
		t.Fatalf("stored stage %q version %d, want %q 2", got.Stage, got.Version, want)
	}
}

func testByWebhookKey(t *testing.T, s profile.Store) {
	p := NewProfile(t)
	mustCreate(t, s, p)
	other := NewProfile(t)
	mustCreate(t, s, other)
	got, err := s.ByWebhookKey(context.Background(), p.WebhookKey)
	if err != nil {
		t.Fatalf("ByWebhookKey: %v", err)
	}
	if d := Diff(p, got); d != "" {
		t.Fatalf("ByWebhookKey: %s", d)
	}
	if _, err := s.ByWebhookKey(context.Background(), randHex(t)); !errors.Is(err, profile.ErrNotFound) {
		t.Fatalf("ByWebhookKey unknown key: got %v, want ErrNotFound", err)
	}
	if _, err := s.ByWebhookKey(context.Background(), ""); !errors.Is(err, profile.ErrNotFound) {
		t.Fatalf("ByWebhookKey empty key: got %v, want ErrNotFound", err)
	}
}

func testByWebhookKeyAfterChange(t *testing.T, s profile.Store) {
	p := NewProfile(t)
	mustCreate(t, s, p)
	oldKey := p.WebhookKey
	p.WebhookKey = randHex(t)
	if err := s.Update(context.Background(), p); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if _, err := s.ByWebhookKey(context.Background(), oldKey); !errors.Is(err, profile.ErrNotFound) {
		t.Fatalf("ByWebhookKey old key: got %v, want ErrNotFound", err)
	}
	got, err := s.ByWebhookKey(context.Background(), p.WebhookKey)
	if err != nil {
		t.Fatalf("ByWebhookKey new key: %v", err)
	}
	if got.ID != p.ID || got.Version != 2 {
		t.Fatalf("ByWebhookKey new key: got %s version %d, want %s version 2", got.Short(), got.Version, p.Short())
	}
	p.WebhookKey = ""
	if err := s.Update(context.Background(), p); err != nil {
		t.Fatalf("Update clearing the key: %v", err)
	}
	if _, err := s.ByWebhookKey(context.Background(), got.WebhookKey); !errors.Is(err, profile.ErrNotFound) {
		t.Fatalf("ByWebhookKey cleared key: got %v, want ErrNotFound", err)
	}
}

// testWebhookKeyWithoutSecrets: a profile with a key and no secrets yet (as
// AddNewUser creates it) keeps its key, though the key is sealed with the
// secrets.
func testWebhookKeyWithoutSecrets(t *testing.T, s profile.Store) {
	p := NewProfile(t)
	p.Secrets = nil
	mustCreate(t, s, p)
	if got := mustGet(t, s, p.ID); got.WebhookKey != p.WebhookKey || len(got.Secrets) != 0 {
		t.Fatalf("Get: key %q and %d secrets, want %q and none", got.WebhookKey, len(got.Secrets), p.WebhookKey)
	}
	got, err := s.ByWebhookKey(context.Background(), p.WebhookKey)
	if err != nil {
		t.Fatalf("ByWebhookKey: %v", err)
	}
	if d := Diff(p, got); d != "" {
		t.Fatalf("ByWebhookKey: %s", d)
	}
	if _, err := s.ByWebhookKey(context.Background(), profile.WebhookKeyHash(p.WebhookKey)); !errors.Is(err, profile.ErrNotFound) {
		t.Fatalf("ByWebhookKey of the key's hash: got %v, want ErrNotFound", err)
	}
}

func testSecretsRoundTrip(t *testing.T, s profile.Store) {
	secrets := map[string]string{
		"ClientSecret":   "a secret with spaces, \"quotes\" and ünïcödé",
		"LinnworksToken": randHex(t),
		"Empty":          "",
	}
	p := NewProfile(t)
	p.Secrets = maps.Clone(secrets)
	mustCreate(t, s, p)
	if got := mustGet(t, s, p.ID); !maps.Equal(got.Secrets, secrets) {
		t.Fatalf("secrets after Create: keys %v, want %v", keys(got.Secrets), keys(secrets))
	}
	none := NewProfile(t)
	none.Secrets = nil
	mustCreate(t, s, none)
	if got := mustGet(t, s, none.ID); len(got.Secrets) != 0 {
		t.Fatalf("profile created without secrets has %d", len(got.Secrets))
	}
	none.Secrets = map[string]string{"ClientSecret": "added-later"}
	if err := s.Update(context.Background(), none); err != nil {
		t.Fatalf("Update adding secrets: %v", err)
	}
	if got := mustGet(t, s, none.ID); got.Secrets["ClientSecret"] != "added-later" || len(got.Secrets) != 1 {
		t.Fatalf("secrets added by Update not returned (keys %v)", keys(got.Secrets))
	}
}

func testDeleted(t *testing.T, s profile.Store) {
	p := NewProfile(t)
	mustCreate(t, s, p)
	p.Deleted = true
	p.Active = false
	p.Secrets = nil
	p.UpdatedAt = p.UpdatedAt.Add(time.Hour)
	p.ExpiresAt = time.Date(2025, 6, 12, 9, 26, 53, 0, time.UTC)
	if err := s.Update(context.Background(), p); err != nil {
		t.Fatalf("Update marking deleted: %v", err)
	}
	got := mustGet(t, s, p.ID)
	if d := Diff(p, got); d != "" {
		t.Fatalf("deleted profile: %s", d)
	}
	if !got.Deleted || len(got.Secrets) != 0 {
		t.Fatalf("deleted profile: Deleted=%v with %d secrets", got.Deleted, len(got.Secrets))
	}
	byKey, err := s.ByWebhookKey(context.Background(), p.WebhookKey)
	if err != nil {
		t.Fatalf("ByWebhookKey of deleted profile: %v", err)
	}
	if !byKey.Deleted {
		t.Fatal("ByWebhookKey returned a deleted profile with Deleted=false")
	}
}

func testMapsNotAliased(t *testing.T, s profile.Store) {
	p := NewProfile(t)
	wantSettings := maps.Clone(p.Settings)
	wantSecrets := maps.Clone(p.Secrets)
	mustCreate(t, s, p)
	p.Settings["ClientId"] = "changed-after-create"
	p.Secrets["ClientSecret"] = "changed-after-create"
	got := mustGet(t, s, p.ID)
	if !maps.Equal(got.Settings, wantSettings) || !maps.Equal(got.Secrets, wantSecrets) {
		t.Fatal("changing the caller's maps after Create changed the stored profile")
	}
	got.Settings["ClientId"] = "changed-after-get"
	got.Secrets["ClientSecret"] = "changed-after-get"
	again := mustGet(t, s, p.ID)
	if !maps.Equal(again.Settings, wantSettings) || !maps.Equal(again.Secrets, wantSecrets) {
		t.Fatal("changing the maps Get returned changed the stored profile")
	}
	byKey, err := s.ByWebhookKey(context.Background(), p.WebhookKey)
	if err != nil {
		t.Fatalf("ByWebhookKey: %v", err)
	}
	byKey.Settings["ClientId"] = "changed-after-bywebhookkey"
	if again := mustGet(t, s, p.ID); !maps.Equal(again.Settings, wantSettings) {
		t.Fatal("changing the maps ByWebhookKey returned changed the stored profile")
	}
	upd := mustGet(t, s, p.ID)
	upd.Settings["Depot"] = "LON1"
	if err := s.Update(context.Background(), upd); err != nil {
		t.Fatalf("Update: %v", err)
	}
	upd.Settings["Depot"] = "changed-after-update"
	if again := mustGet(t, s, p.ID); again.Settings["Depot"] != "LON1" {
		t.Fatalf("changing the caller's maps after Update changed the stored profile: Depot %q", again.Settings["Depot"])
	}
}

// testEmptySettingKept: a setting saved as "" must come back as "", not
// vanish; a missing setting means "use the default", which for some items
// (DEFAULT_LOCATION) is not empty.
func testEmptySettingKept(t *testing.T, s profile.Store) {
	p := NewProfile(t)
	p.Settings["DEFAULT_LOCATION"] = ""
	mustCreate(t, s, p)
	got := mustGet(t, s, p.ID)
	if v, ok := got.Settings["DEFAULT_LOCATION"]; !ok || v != "" {
		t.Fatalf("setting saved empty came back as %q (present %v), want an empty value", v, ok)
	}
	got.Settings["ClientId"] = ""
	if err := s.Update(context.Background(), got); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if again := mustGet(t, s, p.ID); !maps.Equal(again.Settings, got.Settings) {
		t.Fatalf("settings after Update = %v, want %v", again.Settings, got.Settings)
	}
}

// testEndedContextWritesNothing: a request whose deadline has passed (its
// caller was already told it failed) must not write.
func testEndedContextWritesNothing(t *testing.T, s profile.Store) {
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	p := NewProfile(t)
	if err := s.Create(ended, p); !errors.Is(err, context.Canceled) {
		t.Fatalf("Create with an ended context: got %v, want context.Canceled", err)
	}
	if _, err := s.Get(context.Background(), p.ID); !errors.Is(err, profile.ErrNotFound) {
		t.Fatalf("Create with an ended context stored the profile: Get returned %v", err)
	}
	mustCreate(t, s, p)
	changed := profile.Clone(p)
	changed.Stage = "CHANGED"
	if err := s.Update(ended, changed); !errors.Is(err, context.Canceled) {
		t.Fatalf("Update with an ended context: got %v, want context.Canceled", err)
	}
	if changed.Version != 1 {
		t.Fatalf("failed Update changed Version to %d", changed.Version)
	}
	if got := mustGet(t, s, p.ID); got.Stage != p.Stage || got.Version != 1 {
		t.Fatalf("Update with an ended context wrote: stage %q version %d", got.Stage, got.Version)
	}
}

// numbering returns a random numbering shaped like wizard.Numbering's.
func numbering(t *testing.T) string { return randHex(t) + randHex(t) }

func mustNumber(t *testing.T, s profile.Store, p *profile.Profile, n string) {
	t.Helper()
	if err := s.UpdateNumbering(context.Background(), p, n); err != nil {
		t.Fatalf("UpdateNumbering %s: %v", p.Short(), err)
	}
	if got := mustGet(t, s, p.ID); got.Numbering != n || p.Numbering != n || got.Version != p.Version {
		t.Fatalf("after UpdateNumbering: stored %q (version %d), profile %q (version %d), want %q", got.Numbering, got.Version, p.Numbering, p.Version, n)
	}
}

// refused fails the test unless p cannot take n, and checks that nothing
// of p was written.
func refused(t *testing.T, s profile.Store, p *profile.Profile, n string) {
	t.Helper()
	before := mustGet(t, s, p.ID)
	changed := profile.Clone(p)
	changed.Stage = "REFUSED"
	err := s.UpdateNumbering(context.Background(), changed, n)
	if !errors.Is(err, profile.ErrNumberingTaken) {
		t.Fatalf("UpdateNumbering of a held numbering: got %v, want ErrNumberingTaken", err)
	}
	if changed.Version != before.Version || changed.Numbering != before.Numbering {
		t.Fatalf("refused UpdateNumbering changed the caller's profile: version %d numbering %q", changed.Version, changed.Numbering)
	}
	if d := Diff(before, mustGet(t, s, p.ID)); d != "" {
		t.Fatalf("refused UpdateNumbering wrote: %s", d)
	}
}

func testNumberingHeldByOne(t *testing.T, s profile.Store) {
	a, b := NewProfile(t), NewProfile(t)
	mustCreate(t, s, a)
	mustCreate(t, s, b)
	n := numbering(t)
	a.Active = true
	mustNumber(t, s, a, n)
	refused(t, s, b, n)
	// The holder may write again with the same numbering.
	a.Stage = "AGAIN"
	mustNumber(t, s, a, n)
	if got := mustGet(t, s, a.ID); got.Stage != "AGAIN" || !got.Active {
		t.Fatalf("holder's write: stage %q active %v", got.Stage, got.Active)
	}
	refused(t, s, b, n)
}

func testNumberingMoves(t *testing.T, s profile.Store) {
	a, b := NewProfile(t), NewProfile(t)
	mustCreate(t, s, a)
	mustCreate(t, s, b)
	first, second := numbering(t), numbering(t)
	mustNumber(t, s, a, first)
	// A moves (its prefix or account changed): the first numbering is free,
	// the second held.
	mustNumber(t, s, a, second)
	mustNumber(t, s, b, first)
	refused(t, s, b, second)
	// A releases it (the profile was deleted): B may move to it, which
	// frees the first one in turn.
	a.Deleted = true
	mustNumber(t, s, a, "")
	mustNumber(t, s, b, second)
	c := NewProfile(t)
	mustCreate(t, s, c)
	refused(t, s, c, second)
	mustNumber(t, s, c, first)
}

func testNumberingConcurrent(t *testing.T, s profile.Store) {
	const holders = 6
	n := numbering(t)
	ps := make([]*profile.Profile, holders)
	for i := range ps {
		ps[i] = NewProfile(t)
		mustCreate(t, s, ps[i])
	}
	var (
		wg    sync.WaitGroup
		start = make(chan struct{})
		errs  = make([]error, holders)
	)
	for i := range holders {
		wg.Go(func() {
			<-start
			errs[i] = s.UpdateNumbering(context.Background(), ps[i], n)
		})
	}
	close(start)
	wg.Wait()
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("profiles %d and %d both took one numbering", winner, i)
			}
			winner = i
		case errors.Is(err, profile.ErrNumberingTaken):
		case errors.Is(err, profile.ErrConflict):
			// DynamoDB may cancel a transaction racing another on the
			// same item rather than evaluate its condition.
		default:
			t.Fatalf("holder %d: got %v, want nil, ErrNumberingTaken or ErrConflict", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no profile took the numbering")
	}
	for i, p := range ps {
		got := mustGet(t, s, p.ID)
		if (i == winner) != (got.Numbering == n) {
			t.Fatalf("profile %d stored numbering %q; the winner is %d", i, got.Numbering, winner)
		}
	}
}

func testNumberingStale(t *testing.T, s profile.Store) {
	a, b := NewProfile(t), NewProfile(t)
	mustCreate(t, s, a)
	mustCreate(t, s, b)
	stale := mustGet(t, s, a.ID)
	a.Stage = "MOVED ON"
	if err := s.Update(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	n := numbering(t)
	if err := s.UpdateNumbering(context.Background(), stale, n); !errors.Is(err, profile.ErrConflict) {
		t.Fatalf("UpdateNumbering from a stale version: got %v, want ErrConflict", err)
	}
	if stale.Numbering != "" || stale.Version != 1 {
		t.Fatalf("failed UpdateNumbering changed the caller's profile: %q version %d", stale.Numbering, stale.Version)
	}
	// The failed write took nothing: another profile may hold it.
	mustNumber(t, s, b, n)
	if got := mustGet(t, s, a.ID); got.Numbering != "" || got.Stage != "MOVED ON" {
		t.Fatalf("stale UpdateNumbering wrote: numbering %q stage %q", got.Numbering, got.Stage)
	}
}

func testCreateHoldsNoNumbering(t *testing.T, s profile.Store) {
	p := NewProfile(t)
	p.Numbering = numbering(t)
	if err := s.Create(context.Background(), p); !errors.Is(err, profile.ErrNewNumbering) {
		t.Fatalf("Create of a profile holding a numbering: got %v, want ErrNewNumbering", err)
	}
	if _, err := s.Get(context.Background(), p.ID); !errors.Is(err, profile.ErrNotFound) {
		t.Fatalf("refused Create stored the profile: Get returned %v", err)
	}
	other := NewProfile(t)
	mustCreate(t, s, other)
	mustNumber(t, s, other, p.Numbering)
}

func testUpdateKeepsNumbering(t *testing.T, s profile.Store) {
	a := NewProfile(t)
	mustCreate(t, s, a)
	n := numbering(t)
	mustNumber(t, s, a, n)
	a.AccountName = "Renamed Ltd"
	if err := s.Update(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, a.ID); got.Numbering != n || got.AccountName != "Renamed Ltd" {
		t.Fatalf("Update lost the numbering: %q %q", got.Numbering, got.AccountName)
	}
	// Update never changes the numbering: only UpdateNumbering moves it, so
	// that the hold and the profile never disagree.
	sneaky := mustGet(t, s, a.ID)
	sneaky.Numbering = numbering(t)
	if err := s.Update(context.Background(), sneaky); !errors.Is(err, profile.ErrConflict) {
		t.Fatalf("Update changing the numbering: got %v, want ErrConflict", err)
	}
	if got := mustGet(t, s, a.ID); got.Numbering != n || got.Version != a.Version {
		t.Fatalf("refused Update wrote: numbering %q version %d", got.Numbering, got.Version)
	}
	cleared := mustGet(t, s, a.ID)
	cleared.Numbering = ""
	if err := s.Update(context.Background(), cleared); !errors.Is(err, profile.ErrConflict) {
		t.Fatalf("Update dropping the numbering: got %v, want ErrConflict", err)
	}
	if got := mustGet(t, s, a.ID); got.Numbering != n || got.Version != a.Version {
		t.Fatalf("refused Update wrote: numbering %q version %d", got.Numbering, got.Version)
	}
	b := NewProfile(t)
	mustCreate(t, s, b)
	mustNumber(t, s, b, sneaky.Numbering)
}

// The order sync's state comes back as it was stored.
func testSyncStateRoundTrip(t *testing.T, s profile.Store) {
	ctx := context.Background()
	p := NewProfile(t)
	mustCreate(t, s, p)
	p.Sync = profile.SyncState{
		Last: profile.SyncRun{Started: 1700000000, Ended: 1700000042, Finished: false, Considered: 12, Sent: 7, Errors: 2,
			Skipped: map[string]int{"parked": 2, "not_paid": 1}, Problem: "stopped at its deadline"},
		Cursor:     "2:100123",
		ErrorMarks: map[string]profile.ErrorMark{"100004": {Fingerprint: "ab12", Received: 1699990000}},
	}
	if err := s.Update(ctx, p); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if d := Diff(p, mustGet(t, s, p.ID)); d != "" {
		t.Fatalf("read back: %s", d)
	}
	p.Sync = profile.SyncState{}
	if err := s.Update(ctx, p); err != nil {
		t.Fatalf("Update: %v", err)
	}
	if got := mustGet(t, s, p.ID).Sync; !got.IsZero() {
		t.Fatalf("cleared sync state read back as %+v", got)
	}
}

// SyncingProfiles lists exactly the active, undeleted profiles with order
// sync on, following every change that turns one of those off or on.
func testSyncingProfiles(t *testing.T, s profile.Store) {
	ctx := context.Background()
	on := func(p *profile.Profile) {
		p.Active = true
		p.Settings[profile.SettingOrderSync] = "true"
	}
	syncing := NewProfile(t)
	on(syncing)
	inactive := NewProfile(t)
	inactive.Settings[profile.SettingOrderSync] = "true"
	off := NewProfile(t)
	off.Active = true
	off.Settings[profile.SettingOrderSync] = "false"
	turnedOff := NewProfile(t)
	on(turnedOff)
	deleted := NewProfile(t)
	on(deleted)
	later := NewProfile(t)
	for _, p := range []*profile.Profile{syncing, inactive, off, turnedOff, deleted, later} {
		mustCreate(t, s, p)
	}
	turnedOff.Settings[profile.SettingOrderSync] = "false"
	deleted.Deleted = true
	on(later)
	for _, p := range []*profile.Profile{turnedOff, deleted, later} {
		if err := s.Update(ctx, p); err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	mine := map[string]string{syncing.ID: "syncing", inactive.ID: "inactive", off.ID: "off",
		turnedOff.ID: "turned off", deleted.ID: "deleted", later.ID: "turned on later"}
	want := map[string]bool{syncing.ID: true, later.ID: true}
	// A store may be shared with other cases and its index may lag a write
	// briefly (DynamoDB's is eventually consistent): poll, bounded.
	var got map[string]bool
	for range 50 {
		ids, err := s.SyncingProfiles(ctx)
		if err != nil {
			t.Fatalf("SyncingProfiles: %v", err)
		}
		got = map[string]bool{}
		for _, id := range ids {
			if _, ok := mine[id]; ok {
				got[id] = true
			}
		}
		if maps.Equal(got, want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	var names []string
	for id := range got {
		names = append(names, mine[id])
	}
	t.Fatalf("SyncingProfiles of this case's profiles: %v, want syncing and turned on later", names)
}

// PollingProfiles lists exactly the active, undeleted profiles with
// dispatch sync on and a Linnworks API token, following every change that
// turns one of those off or on.
func testPollingProfiles(t *testing.T, s profile.Store) {
	ctx := context.Background()
	on := func(p *profile.Profile) {
		p.Active = true
		p.Settings[profile.SettingDispatchSync] = "true"
		p.Secrets[profile.SecretLinnworksToken] = "11111111-1111-1111-1111-111111111111"
	}
	polling := NewProfile(t)
	on(polling)
	both := NewProfile(t) // polls and syncs orders: in both lists
	on(both)
	both.Settings[profile.SettingOrderSync] = "true"
	noToken := NewProfile(t)
	on(noToken)
	delete(noToken.Secrets, profile.SecretLinnworksToken)
	inactive := NewProfile(t)
	on(inactive)
	inactive.Active = false
	off := NewProfile(t)
	on(off)
	off.Settings[profile.SettingDispatchSync] = "false"
	turnedOff := NewProfile(t)
	on(turnedOff)
	deleted := NewProfile(t)
	on(deleted)
	later := NewProfile(t)
	for _, p := range []*profile.Profile{polling, both, noToken, inactive, off, turnedOff, deleted, later} {
		mustCreate(t, s, p)
	}
	turnedOff.Settings[profile.SettingDispatchSync] = "false"
	deleted.Deleted = true
	on(later)
	for _, p := range []*profile.Profile{turnedOff, deleted, later} {
		if err := s.Update(ctx, p); err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	mine := map[string]string{polling.ID: "polling", both.ID: "both", noToken.ID: "no token", inactive.ID: "inactive", off.ID: "off",
		turnedOff.ID: "turned off", deleted.ID: "deleted", later.ID: "turned on later"}
	// As for SyncingProfiles: the index may lag a write briefly.
	for _, list := range []struct {
		name string
		fn   func(context.Context) ([]string, error)
		want map[string]bool
	}{
		{"PollingProfiles", s.PollingProfiles, map[string]bool{polling.ID: true, both.ID: true, later.ID: true}},
		{"SyncingProfiles", s.SyncingProfiles, map[string]bool{both.ID: true}},
	} {
		var got map[string]bool
		for range 50 {
			ids, err := list.fn(ctx)
			if err != nil {
				t.Fatalf("%s: %v", list.name, err)
			}
			got = map[string]bool{}
			for _, id := range ids {
				if _, ok := mine[id]; ok {
					got[id] = true
				}
			}
			if maps.Equal(got, list.want) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if !maps.Equal(got, list.want) {
			var names, want []string
			for id := range got {
				names = append(names, mine[id])
			}
			for id := range list.want {
				want = append(want, mine[id])
			}
			t.Fatalf("%s of this case's profiles: %v, want %v", list.name, names, want)
		}
	}
}
