package profile_test

import (
	"bytes"
	"context"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"linnstream/internal/profile"
	"linnstream/internal/secrets"
)

func TestSealSecretsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, err := secrets.NewLocalKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := &profile.Profile{ID: profile.ID("tok"), Secrets: map[string]string{"ClientSecret": "hunter2-secret", "LinnworksToken": "lw-token-value"}}
	blob, err := profile.SealSecrets(ctx, s, p)
	if err != nil {
		t.Fatalf("SealSecrets: %v", err)
	}
	if bytes.Contains(blob, []byte("hunter2-secret")) || bytes.Contains(blob, []byte("ClientSecret")) {
		t.Fatal("sealed blob shows a secret or its name")
	}
	got, err := profile.OpenSecrets(ctx, s, p.ID, blob)
	if err != nil {
		t.Fatalf("OpenSecrets: %v", err)
	}
	if !maps.Equal(got.Secrets, p.Secrets) || got.WebhookKey != "" {
		t.Fatal("opened secrets differ from the sealed ones")
	}
	_, err = profile.OpenSecrets(ctx, s, profile.ID("other"), blob)
	if !errors.Is(err, secrets.ErrCannotOpen) || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("OpenSecrets for another profile: got %v, want ErrCannotOpen without the secret", err)
	}
	p.Secrets = nil
	if blob, err := profile.SealSecrets(ctx, s, p); blob != nil || err != nil {
		t.Fatalf("SealSecrets without secrets: %d bytes, %v; want nothing", len(blob), err)
	}
	if m, err := profile.OpenSecrets(ctx, s, p.ID, nil); m.Secrets != nil || m.WebhookKey != "" || err != nil {
		t.Fatalf("OpenSecrets of nothing: %d secrets, %v", len(m.Secrets), err)
	}
}

func TestSealWebhookKey(t *testing.T) {
	ctx := context.Background()
	s, err := secrets.NewLocalKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	key := strings.Repeat("ab12", 16)
	for _, sec := range []map[string]string{{"ClientSecret": "hunter2-secret"}, nil} {
		p := &profile.Profile{ID: profile.ID("tok"), Secrets: sec, WebhookKey: key}
		blob, err := profile.SealSecrets(ctx, s, p)
		if err != nil {
			t.Fatalf("SealSecrets: %v", err)
		}
		if len(blob) == 0 || bytes.Contains(blob, []byte(key)) {
			t.Fatalf("sealed blob of %d bytes is empty or shows the webhook key", len(blob))
		}
		got, err := profile.OpenSecrets(ctx, s, p.ID, blob)
		if err != nil {
			t.Fatalf("OpenSecrets: %v", err)
		}
		if got.WebhookKey != key || !maps.Equal(got.Secrets, sec) {
			t.Fatalf("opened key %q and %d secrets, want the sealed ones", got.WebhookKey, len(got.Secrets))
		}
	}
}

// A blob sealed before the webhook key was sealed, a bare JSON object of
// secrets, still opens, with no key; a secret named "v" does not make it
// look like the current form.
func TestOpenSecretsEarlierForm(t *testing.T) {
	ctx := context.Background()
	s, err := secrets.NewLocalKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"ClientSecret": "hunter2-secret", "v": "2"}
	blob, err := s.Seal(ctx, []byte(`{"ClientSecret":"hunter2-secret","v":"2"}`), "id")
	if err != nil {
		t.Fatal(err)
	}
	got, err := profile.OpenSecrets(ctx, s, "id", blob)
	if err != nil {
		t.Fatalf("OpenSecrets: %v", err)
	}
	if !maps.Equal(got.Secrets, want) || got.WebhookKey != "" {
		t.Fatalf("opened %d secrets and key %q, want %d and none", len(got.Secrets), got.WebhookKey, len(want))
	}
}

func TestWebhookKeyHash(t *testing.T) {
	// SHA-256 of "abc", a published test vector.
	if got, want := profile.WebhookKeyHash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"; got != want {
		t.Fatalf("WebhookKeyHash(abc) = %s, want %s", got, want)
	}
}

func TestOpenSecretsNotJSON(t *testing.T) {
	ctx := context.Background()
	s, err := secrets.NewLocalKey(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	blob, err := s.Seal(ctx, []byte(`["hunter2-secret"]`), "id")
	if err != nil {
		t.Fatal(err)
	}
	_, err = profile.OpenSecrets(ctx, s, "id", blob)
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("OpenSecrets of a JSON array: got %v, want an error without the secret", err)
	}
}

func TestMarkDeleted(t *testing.T) {
	now := time.Date(2025, 5, 1, 12, 0, 0, 500, time.UTC)
	p := &profile.Profile{ID: "x", Active: true, Email: "ops@example.com", AccountName: "ACC1",
		Secrets: map[string]string{"ClientSecret": "s"}, Settings: map[string]string{"Depot": "LON1"}}
	p.MarkDeleted(now, 90*24*time.Hour)
	if !p.Deleted || p.Active || p.Secrets != nil || p.Email != "" {
		t.Fatalf("after MarkDeleted: Deleted=%v Active=%v secrets=%d email %q", p.Deleted, p.Active, len(p.Secrets), p.Email)
	}
	if p.AccountName != "ACC1" {
		t.Fatal("MarkDeleted dropped the account name that identifies the record until it expires")
	}
	if !p.UpdatedAt.Equal(now) || !p.ExpiresAt.Equal(time.Date(2025, 7, 30, 12, 0, 0, 0, time.UTC)) {
		t.Fatalf("UpdatedAt %v ExpiresAt %v", p.UpdatedAt, p.ExpiresAt)
	}
	if p.Settings["Depot"] != "LON1" {
		t.Fatal("MarkDeleted dropped the settings kept for history")
	}
}
