package wizard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworkssandbox"
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
	w, err := New(Options{Stream: StreamCredentials{}, PublicBaseURL: "http://127.0.0.1:3000", AllowLoopbackHTTP: true})
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

// The adapters tell an outage (ErrUnavailable: try again) from a refusal
// (change the values), against the real sandboxes.
func TestAdaptersTellOutagesFromRefusals(t *testing.T) {
	sb := httptest.NewServer(streamsandbox.New(streamsandbox.Options{}))
	defer sb.Close()
	check := StreamCredentials{Options: []stream.Option{stream.WithBackoff(time.Millisecond, 5*time.Millisecond)}}
	ctx := context.Background()

	err := check.CheckCredentials(ctx, sb.URL+"/api", "sandbox", "wrong", "")
	if err == nil || errors.Is(err, ErrUnavailable) {
		t.Errorf("wrong secret: %v, want a refusal", err)
	}
	res, err := http.Post(sb.URL+"/admin/faults", "application/json", strings.NewReader(`{"mode":"error","count":20}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := check.CheckCredentials(ctx, sb.URL+"/api", "sandbox", "sandbox-secret", ""); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Stream answering 5xx: %v, want ErrUnavailable", err)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	// A host that refuses connections is a wrong address, not an outage to
	// wait out.
	if err := check.CheckCredentials(ctx, closed.URL+"/api", "sandbox", "sandbox-secret", ""); errors.Is(err, ErrUnavailable) || !errors.Is(err, stream.ErrWrongURL) {
		t.Errorf("Stream unreachable: %v, want a wrong URL", err)
	}
	res, err = http.Post(sb.URL+"/admin/faults", "application/json", strings.NewReader(`{"mode":"drop","count":20}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if err := check.CheckCredentials(ctx, sb.URL+"/api", "sandbox", "sandbox-secret", ""); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Stream dropping connections: %v, want ErrUnavailable", err)
	}

	lwsb, err := linnworkssandbox.New(linnworkssandbox.Options{NoSeed: true})
	if err != nil {
		t.Fatal(err)
	}
	lsrv := httptest.NewServer(lwsb)
	defer lsrv.Close()
	client, err := linnworks.New(linnworks.Config{AuthURL: lsrv.URL + "/api/Auth/AuthorizeByApplication",
		ApplicationID: "6c0d8a47-1f5e-4b2a-9c3d-8e7f6a5b4c3d", ApplicationSecret: "2e4f6a8c-0b1d-4e3f-a5c7-9d1b3f5a7c9e"})
	if err != nil {
		t.Fatal(err)
	}
	install := LinnworksAccount{Client: client}
	if err := install.Install(ctx, "99999999-9999-4999-8999-999999999999", lsrv.URL); err == nil || errors.Is(err, ErrUnavailable) {
		t.Errorf("unknown Linnworks token: %v, want a refusal", err)
	}
	if err := lwsb.InjectFault(linnworkssandbox.Fault{Mode: "error", Count: 50}); err != nil {
		t.Fatal(err)
	}
	if err := install.Install(ctx, linnworkssandbox.DefaultInstallToken, lsrv.URL); !errors.Is(err, ErrUnavailable) {
		t.Errorf("Linnworks answering 5xx: %v, want ErrUnavailable", err)
	}
}

// A Stream API URL that does not lead to Stream's API (a host refusing
// connections, a page that is not the API) is reported in the live check
// as a URL to fix, in words, never as an outage to wait out.
func TestWizardWrongStreamURLSaysCheckTheURL(t *testing.T) {
	srv := httptest.NewServer(streamsandbox.New(streamsandbox.Options{}))
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("<html><head><title>Page not found</title></head></html>"))
	}))
	defer html.Close()
	w, err := New(Options{Stream: StreamCredentials{Pool: stream.NewPool(stream.WithBackoff(time.Millisecond, 5*time.Millisecond))},
		PublicBaseURL: "http://127.0.0.1:3000", AllowLoopbackHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, url, words string
	}{
		{"connection refused", closed.URL + "/api", "refused the connection"},
		{"HTML 404 page", html.URL + "/api", `page "Page not found"`},
		{"no API there", srv.URL + "/elsewhere", "/elsewhere/oauth answered HTTP 404"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := &profile.Profile{ID: "p"}
			err := w.Apply(context.Background(), p, StageCredentials,
				vals(ItemStreamAPIURL, tt.url, ItemStreamClientID, "sandbox", ItemStreamClientSecret, "sandbox-secret"))
			var ue *Error
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a message for the user", err)
			}
			msg := ue.Message
			if !strings.HasPrefix(msg, "check STREAM_API_URL: ") || !strings.Contains(msg, tt.words) ||
				strings.Contains(msg, "try again") || strings.Contains(msg, "did not accept") {
				t.Fatalf("message %q", msg)
			}
			for _, raw := range []string{`Post "`, "dial tcp", "EOF", "sandbox-secret"} {
				if strings.Contains(msg, raw) {
					t.Errorf("message %q carries %q", msg, raw)
				}
			}
			if p.Stage != "" {
				t.Errorf("a wrong URL moved the wizard on to %s", p.Stage)
			}
		})
	}
}

type limitedStream struct{}

func (limitedStream) CheckCredentials(context.Context, string, string, string, string) error {
	return streamUnavailable(&stream.RateLimitError{Op: "get token", Local: true, RetryAfter: 40 * time.Second})
}

type limitedLinnworks struct{}

func (limitedLinnworks) Install(context.Context, string, string) error {
	return fmt.Errorf("%w: %w", ErrUnavailable, &linnworks.RetryLaterError{Op: "Auth/AuthorizeByApplication", Limited: true, RetryAfter: 40 * time.Second})
}

// A check the clients' own limiters held back says so, with the wait, instead of asking to
// try again in a few minutes.
func TestLimitedChecksSaySo(t *testing.T) {
	w, err := New(Options{Stream: limitedStream{}, PublicBaseURL: "http://127.0.0.1:3000"})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Apply(context.Background(), newProfile(), StageCredentials, credsOK)
	want := "the credentials could not be checked: Stream's request limit for this account is used up for the next 40 s; try again then"
	if err == nil || err.Error() != want {
		t.Errorf("Stream limit: %v, want %q", err, want)
	}
	w, err = New(Options{Stream: &fakeStream{}, Linnworks: limitedLinnworks{}, PublicBaseURL: "http://127.0.0.1:3000"})
	if err != nil {
		t.Fatal(err)
	}
	p := newProfile()
	p.Stage = StageSync
	err = w.Apply(context.Background(), p, StageSync, syncOK)
	want = "the API token could not be checked: Linnworks' request limit for Auth/AuthorizeByApplication on this account is used up for the next 40 s; try again then"
	if err == nil || err.Error() != want {
		t.Errorf("Linnworks limit: %v, want %q", err, want)
	}
}
