package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"linnstream/internal/dispatchpoll"
)

// The dispatch poll on the local runtime: it runs every PollEvery
// (POLL_EVERY, default a minute; AWS's default is 15 minutes), and POST
// /local/poll runs one poll of every polling profile now.
const (
	defaultPollEvery = time.Minute
	// pollRunBudget bounds one run, as the function's timeout does in AWS;
	// a run stops before it and resumes next time.
	pollRunBudget = 4 * time.Minute
)

// pollEvery reads POLL_EVERY (a Go duration, at least a second).
func pollEvery() (time.Duration, error) {
	v := os.Getenv("POLL_EVERY")
	if v == "" {
		return defaultPollEvery, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		return 0, fmt.Errorf("POLL_EVERY %q is not a duration of a second or more (e.g. 1m, 30s)", v)
	}
	return d, nil
}

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

// loop runs pollAll every every until ctx is done.
func (p *dispatchPoller) loop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if _, err := p.pollAll(ctx); err != nil && !errors.Is(err, context.Canceled) {
			p.log.Warn("scheduled dispatch poll failed", "error", err.Error())
		}
	}
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
