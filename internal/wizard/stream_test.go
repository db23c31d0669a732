package wizard

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"linnstream/internal/profile"
	"linnstream/internal/stream"
	"linnstream/internal/streamsandbox"
)

func TestStreamCredentialsAgainstSandbox(t *testing.T) {
	srv := httptest.NewServer(streamsandbox.New(streamsandbox.Options{
		Parties: map[string][]string{"sandbox": {"PARTY-1"}},
	}))
	defer srv.Close()
	base := srv.URL + "/api"
	check := StreamCredentials{Options: []stream.Option{stream.WithBackoff(time.Millisecond, 5*time.Millisecond)}}
	cases := []struct {
		name, base, id, secret, party string
		want                          string // "" means accepted
	}{
		{"good", base, "sandbox", "sandbox-secret", "", ""},
		{"good with trailing slash", base + "/", "sandbox", "sandbox-secret", "", ""},
		{"good party", base, "sandbox", "sandbox-secret", "PARTY-1", ""},
		{"client id as party", base, "sandbox", "sandbox-secret", "sandbox", ""},
		{"wrong secret", base, "sandbox", "not-the-secret", "", "invalid_client"},
		{"unknown client", base, "nobody", "sandbox-secret", "", "invalid_client"},
		{"foreign party", base, "sandbox", "sandbox-secret", "PARTY-2", "is not a party of this client"},
		{"not the API", srv.URL + "/elsewhere", "sandbox", "sandbox-secret", "", "get token"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := check.CheckCredentials(context.Background(), c.base, c.id, c.secret, c.party)
			if c.want == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to mention %q", err, c.want)
			}
			if strings.Contains(err.Error(), c.secret) {
				t.Errorf("error %q contains the secret", err)
			}
		})
	}
}

func TestWizardCredentialsStageAgainstSandbox(t *testing.T) {
	srv := httptest.NewServer(streamsandbox.New(streamsandbox.Options{}))
	defer srv.Close()
	w, err := New(Options{Stream: StreamCredentials{}, PublicBaseURL: "http://127.0.0.1:3000"})
	if err != nil {
		t.Fatal(err)
	}
	p := &profile.Profile{ID: "p"}
	bad := vals(ItemStreamAPIURL, srv.URL+"/api", ItemStreamClientID, "sandbox", ItemStreamClientSecret, "guess-1234")
	err = w.Apply(context.Background(), p, StageCredentials, bad)
	var ue *Error
	if !errors.As(err, &ue) || !strings.HasPrefix(ue.Message, "Stream did not accept the credentials: ") ||
		!strings.Contains(ue.Message, "invalid_client") || strings.Contains(ue.Message, "guess-1234") {
		t.Fatalf("bad credentials: %v", err)
	}
	if p.Stage != "" || p.Secrets != nil {
		t.Fatalf("refused stage changed the profile: %+v", p)
	}
	good := vals(ItemStreamAPIURL, srv.URL+"/api", ItemStreamClientID, "sandbox", ItemStreamClientSecret, "sandbox-secret")
	if err := w.Apply(context.Background(), p, StageCredentials, good); err != nil {
		t.Fatal(err)
	}
	if p.Stage != StageSender || Settings(p).Stream.BaseURL != srv.URL+"/api" {
		t.Errorf("after good credentials: %+v", p)
	}
}
