package linnworks_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"linnstream/internal/linnworks"
)

// A failed exchange with Linnworks is told in words, never with Go's transport text, both
// in the error and in the log lines at INFO and above.
func TestTransportFailuresInWords(t *testing.T) {
	raw := []string{`Post "`, `Get "`, "dial tcp", "EOF", "connect: ", "read tcp"}
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, f *fakeLinnworks)
		words string
	}{
		{"connection closed", func(t *testing.T, f *fakeLinnworks) {
			f.setHandler(func(w http.ResponseWriter, r *http.Request, n int) {
				conn, _, err := http.NewResponseController(w).Hijack()
				if err == nil {
					conn.Close()
				}
			})
		}, "was closed before Linnworks answered"},
		{"connection refused", func(t *testing.T, f *fakeLinnworks) {
			f.api.Close()
		}, "refused the connection"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t)
			tt.setup(t, f)
			logs := &strings.Builder{}
			c, err := linnworks.New(linnworks.Config{AuthURL: f.auth.URL + "/api/Auth/AuthorizeByApplication", ApplicationID: appID, ApplicationSecret: appSecret},
				linnworks.WithLogger(jsonLogger(logs)), linnworks.WithSleep(newFakeTime().Sleep))
			if err != nil {
				t.Fatal(err)
			}
			// A note is not repeated; a read is retried, and logs each retry.
			for _, call := range []func() error{
				func() error {
					_, err := c.AppendOrderNote(context.Background(), install, orderGUID, "hello", true)
					return err
				},
				func() error { _, err := c.Identifiers(context.Background(), install); return err },
			} {
				err := call()
				if !linnworks.IsRetryable(err) || !strings.Contains(err.Error(), tt.words) {
					t.Fatalf("err = %v, want it to say %q", err, tt.words)
				}
				for _, r := range raw {
					if strings.Contains(err.Error(), r) {
						t.Errorf("error %q carries transport text %q", err, r)
					}
				}
			}
			if !strings.Contains(logs.String(), tt.words) {
				t.Errorf("the retry was not logged in words:\n%s", logs)
			}
			for _, r := range raw {
				if strings.Contains(logs.String(), r) {
					t.Errorf("logs carry transport text %q:\n%s", r, logs)
				}
			}
		})
	}
}

const orderGUID = "0a0b0c0d-0000-4000-8000-000000000001"

// jsonLogger logs at INFO and above as JSON into w.
func jsonLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}
