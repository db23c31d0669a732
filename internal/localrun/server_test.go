package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"linnstream/internal/waitfor"
)

// syncBuffer lets the test read what run prints while run is still going.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startLocal runs the local runtime on a free loopback port and returns its
// base URL once the banner is printed.
func startLocal(t *testing.T) (base string, banner *syncBuffer) {
	t.Helper()
	return startLocalWith(t, Config{})
}

// startLocalWith is startLocal with cfg's other fields (a write-back
// consumer, queue settings).
func startLocalWith(t *testing.T, cfg Config) (base string, banner *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out := &syncBuffer{}
	done := make(chan error, 1)
	cfg.Addr, cfg.DataDir = "127.0.0.1:0", t.TempDir()
	go func() { done <- run(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), out) }()
	t.Cleanup(func() {
		cancel()
		if err := waitfor.Recv(t, done, "the local runtime to stop"); err != nil {
			t.Errorf("run: %v", err)
		}
	})
	waitfor.Cond(t, "the local runtime's banner", func() bool {
		select {
		case err := <-done:
			t.Fatalf("run ended early: %v", err)
		default:
		}
		return strings.Contains(out.String(), "running at ")
	})
	rest := strings.SplitN(out.String(), "running at ", 2)[1]
	return strings.Fields(rest)[0], out
}

func TestHealthz(t *testing.T) {
	base, _ := startLocal(t)
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("base URL %q is not on loopback", base)
	}
	res, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || string(body) != `{"status":"ok"}` {
		t.Fatalf("GET /healthz = %d %s", res.StatusCode, body)
	}
}
