package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"
)

// Schedules of the local runtime, standing in for EventBridge: the order
// sync every SYNC_EVERY and the dispatch poll every POLL_EVERY, a minute
// each by default (AWS's defaults are 5 and 15 minutes).
const defaultEvery = time.Minute

// every reads the schedule setting name: a Go duration of a second or more,
// defaultEvery when unset.
func every(name string) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return defaultEvery, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second {
		return 0, fmt.Errorf("%s %q is not a duration of a second or more (e.g. 1m, 30s)", name, v)
	}
	return d, nil
}

// tick runs run every period until ctx is done, logging a run that fails
// (the next one resumes) as what.
func tick(ctx context.Context, period time.Duration, log *slog.Logger, what string, run func(context.Context) error) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Warn("scheduled "+what+" failed", "error", err.Error())
		}
	}
}
