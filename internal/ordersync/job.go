package ordersync

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"linnstream/internal/queue"
)

// ErrBadJob: a sync queue message that is not a Job. It never will be, so
// it goes to the dead-letter queue, where an operator sees it.
var ErrBadJob = errors.New("order sync: bad job")

// Job asks for one sync of one profile.
type Job struct {
	ProfileID string `json:"profileId"`
	// At is when the scheduler queued it (RFC 3339), which also keeps the
	// jobs of two schedules apart in the FIFO de-duplication window.
	At string `json:"at"`
}

// DecodeJob reads a job body.
func DecodeJob(body []byte) (Job, error) {
	var j Job
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return Job{}, fmt.Errorf("%w: %v", ErrBadJob, err)
	}
	if strings.TrimSpace(j.ProfileID) == "" {
		return Job{}, fmt.Errorf("%w: no profileId", ErrBadJob)
	}
	return j, nil
}

// Queued returns the job as a message of the FIFO sync queue: grouped by
// profile, so one profile never has two workers at once, and
// de-duplicated per profile and schedule time, so a scheduler that sends
// twice queues once.
func (j Job) Queued() (queue.Message, error) {
	body, err := json.Marshal(j)
	if err != nil {
		return queue.Message{}, fmt.Errorf("encode sync job: %w", err)
	}
	return queue.Message{Group: digest("sync", j.ProfileID), DedupID: digest("sync", j.ProfileID, j.At), Body: body}, nil
}

// Handle is the queue.Handler of the sync queue: it runs the job's sync.
// An error leaves the job to the queue's retries and dead-letter queue.
func (w *Worker) Handle(ctx context.Context, body []byte) error {
	j, err := DecodeJob(body)
	if err != nil {
		w.cfg.Logger.ErrorContext(ctx, "sync job unusable; leaving it for the dead-letter queue", "error", err.Error(), "bytes", len(body))
		return err
	}
	_, err = w.Run(ctx, j.ProfileID)
	return err
}

var _ queue.Handler = (*Worker)(nil).Handle

// Scheduler queues one sync job per profile that syncs orders.
type Scheduler struct {
	Profiles SyncingProfiles
	Queue    queue.Sender
	// Now is the clock; default time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Schedule queues the jobs and returns the profiles it queued.
func (s *Scheduler) Schedule(ctx context.Context) ([]string, error) {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ids, err := s.Profiles.SyncingProfiles(ctx)
	if err != nil {
		return nil, fmt.Errorf("schedule order sync: %w", err)
	}
	at := now().UTC().Format(time.RFC3339)
	msgs := make([]queue.Message, 0, len(ids))
	for _, id := range ids {
		m, err := Job{ProfileID: id, At: at}.Queued()
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	if len(msgs) > 0 {
		if err := s.Queue.Send(ctx, msgs...); err != nil {
			return nil, fmt.Errorf("schedule order sync: queue %d jobs: %w", len(msgs), err)
		}
	}
	if s.Logger != nil {
		s.Logger.InfoContext(ctx, "order sync scheduled", "profiles", len(ids))
	}
	return ids, nil
}
