package main

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"
)

// The schedule settings: unset is a minute, a Go duration of a second or
// more is taken, anything else is refused naming the setting.
func TestEverySetting(t *testing.T) {
	for _, c := range []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"", time.Minute, true},
		{"30s", 30 * time.Second, true},
		{"2m", 2 * time.Minute, true},
		{"1s", time.Second, true},
		{"500ms", 0, false},
		{"-1m", 0, false},
		{"often", 0, false},
	} {
		t.Setenv("POLL_EVERY", c.value)
		got, err := every("POLL_EVERY")
		if c.ok && (err != nil || got != c.want) {
			t.Errorf("POLL_EVERY=%q: %v, %v; want %v", c.value, got, err, c.want)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "POLL_EVERY")) {
			t.Errorf("POLL_EVERY=%q: %v, %v; want an error naming the setting", c.value, got, err)
		}
	}
}

// make run reads both schedule settings: a bad one stops it before it
// listens, naming the setting.
func TestRunReadsTheScheduleSettings(t *testing.T) {
	for _, name := range []string{"SYNC_EVERY", "POLL_EVERY"} {
		t.Run(name, func(t *testing.T) {
			t.Setenv("SYNC_EVERY", "")
			t.Setenv("POLL_EVERY", "")
			t.Setenv(name, "often")
			// Already over: a run that ignored the setting would start and
			// return at once rather than serve on.
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			var out strings.Builder
			err := run(ctx, Config{Addr: "127.0.0.1:0", DataDir: t.TempDir()}, slog.New(slog.DiscardHandler), &out)
			if err == nil || !strings.Contains(err.Error(), name) {
				t.Fatalf("run with %s=often: %v, want an error naming %s", name, err, name)
			}
			if out.Len() != 0 {
				t.Fatalf("run started anyway: %s", out.String())
			}
		})
	}
}
