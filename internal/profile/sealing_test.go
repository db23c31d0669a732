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
	if !maps.Equal(got, p.Secrets) {
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
	if m, err := profile.OpenSecrets(ctx, s, p.ID, nil); m != nil || err != nil {
		t.Fatalf("OpenSecrets of nothing: %v, %v", m, err)
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
