package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"linnstream/internal/ordersync"
	"linnstream/internal/profile"
)

// Order sync on the local runtime: the scheduler runs every SyncEvery
// (SYNC_EVERY, default a minute), and POST /local/sync runs one sync of
// every syncing profile now.
const (
	defaultSyncEvery = time.Minute
	// syncRunBudget bounds one profile's run, as the worker function's
	// timeout does in AWS; a run stops before it and resumes next time.
	syncRunBudget = 4 * time.Minute
)

// syncEvery reads SYNC_EVERY (a Go duration, at least a second).
func syncEvery() (time.Duration, error) {
	v := os.Getenv("SYNC_EVERY")
	if v == "" {
		return defaultSyncEvery, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		return 0, fmt.Errorf("SYNC_EVERY %q is not a duration of a second or more (e.g. 1m, 30s)", v)
	}
	return d, nil
}

// syncer runs the order sync of every syncing profile, one run at a time
// (so one profile never has two).
type syncer struct {
	mu       sync.Mutex
	profiles profile.Store
	worker   *ordersync.Worker
	log      *slog.Logger
}

// profileSummary is one profile's line of POST /local/sync.
type profileSummary struct {
	Profile string          `json:"profile"`
	Summary profile.SyncRun `json:"summary"`
	Error   string          `json:"error,omitempty"`
}

// syncAll runs every syncing profile's sync now.
func (s *syncer) syncAll(ctx context.Context) ([]profileSummary, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids, err := s.profiles.SyncingProfiles(ctx)
	if err != nil {
		return nil, err
	}
	out := []profileSummary{}
	for _, id := range ids {
		rctx, cancel := context.WithTimeout(ctx, syncRunBudget)
		sum, err := s.worker.Run(rctx, id)
		cancel()
		line := profileSummary{Profile: (&profile.Profile{ID: id}).Short(), Summary: sum}
		if err != nil {
			line.Error = err.Error()
			s.log.WarnContext(ctx, "order sync run failed; the next run resumes", "profile", line.Profile, "error", err.Error())
		}
		out = append(out, line)
	}
	return out, nil
}

// loop runs syncAll every every until ctx is done.
func (s *syncer) loop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := s.syncAll(ctx); err != nil && !errors.Is(err, context.Canceled) {
			s.log.Warn("scheduled order sync failed", "error", err.Error())
		}
	}
}

// serveSync answers POST /local/sync with each profile's summary.
func (s *syncer) serveSync(w http.ResponseWriter, r *http.Request) {
	out, err := s.syncAll(r.Context())
	w.Header().Set("Content-Type", "application/json")
	if err != nil {
		w.WriteHeader(http.StatusInternalServerError)
		json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	json.NewEncoder(w).Encode(map[string]any{"profiles": out})
}
