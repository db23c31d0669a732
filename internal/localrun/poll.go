package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"linnstream/internal/dispatchpoll"
)

// pollRunBudget bounds one run of the dispatch poll on the local runtime,
// as the function's timeout does in AWS; a run stops before it and resumes
// next time. POST /local/poll runs one poll of every polling profile now.
const pollRunBudget = 4 * time.Minute

// dispatchPoller runs the dispatch poll one run at a time, as the
// function's reserved concurrency of 1 does in AWS.
type dispatchPoller struct {
	mu     sync.Mutex
	poller *dispatchpoll.Poller
	log    *slog.Logger
}

// pollAll runs one poll of every polling profile now.
func (p *dispatchPoller) pollAll(ctx context.Context) ([]dispatchpoll.Summary, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, pollRunBudget)
	defer cancel()
	return p.poller.Run(ctx)
}

// loop runs pollAll every period until ctx is done.
func (p *dispatchPoller) loop(ctx context.Context, period time.Duration) {
	tick(ctx, period, p.log, "dispatch poll", func(ctx context.Context) error {
		_, err := p.pollAll(ctx)
		return err
	})
}

// servePoll answers POST /local/poll with each polled profile's summary:
// orders considered, changed, write-backs queued and Stream calls made.
func (p *dispatchPoller) servePoll(w http.ResponseWriter, r *http.Request) {
	sums, err := p.pollAll(r.Context())
	if sums == nil {
		sums = []dispatchpoll.Summary{}
	}
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]any{"profiles": sums, "error": err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"profiles": sums})
}
