package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"linnstream/internal/ordersync"
	"linnstream/internal/profile"
)

// syncRunBudget bounds one profile's order sync run on the local runtime,
// as the worker function's timeout does in AWS; a run stops before it and
// resumes next time. POST /local/sync runs one sync of every syncing
// profile now.
const syncRunBudget = 4 * time.Minute

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

// loop runs syncAll every period until ctx is done.
func (s *syncer) loop(ctx context.Context, period time.Duration) {
	tick(ctx, period, s.log, "order sync", func(ctx context.Context) error {
		_, err := s.syncAll(ctx)
		return err
	})
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
