package ordersync_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"linnstream/internal/ordersync"
	"linnstream/internal/profile"
	"linnstream/internal/queue"
	"linnstream/internal/wizard"
)

type jobBox struct{ msgs []queue.Message }

func (b *jobBox) Send(_ context.Context, msgs ...queue.Message) error {
	b.msgs = append(b.msgs, msgs...)
	return nil
}

// The scheduler queues one job per syncing profile, grouped by profile;
// the worker runs the job it is handed and refuses a body that is no job.
func TestSchedulerQueuesOneJobPerSyncingProfile(t *testing.T) {
	w := newWorld(t)
	off := w.addProfile(w.a, func(s map[string]string) { s[profile.SettingOrderSync] = "false" })
	w.onlyA(3, 900001)
	box := &jobBox{}
	ids, err := (&ordersync.Scheduler{Profiles: w.profiles, Queue: box, Now: w.clk.Now}).Schedule(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{w.pa.ID, w.pb.ID}
	slices.Sort(want)
	if !slices.Equal(ids, want) || slices.Contains(ids, off.ID) || len(box.msgs) != 2 {
		t.Fatalf("scheduled %v (%d messages), want %v", ids, len(box.msgs), want)
	}
	if box.msgs[0].Group == box.msgs[1].Group {
		t.Fatal("two profiles share a FIFO group")
	}
	worker := w.worker(nil)
	for _, m := range box.msgs {
		if err := worker.Handle(context.Background(), m.Body); err != nil {
			t.Fatal(err)
		}
	}
	if sent, _, _ := results(t, w.out.take(), w.pa); len(sent) != 3 {
		t.Fatalf("the jobs sent %v, want the 3 orders of A", sent)
	}
	if err := worker.Handle(context.Background(), []byte(`{"profile":"x"}`)); !errors.Is(err, ordersync.ErrBadJob) {
		t.Fatalf("a body that is no job: %v, want ErrBadJob", err)
	}
}

// A revoked Linnworks token stops the profile's sync without a retry
// storm: the run ends, the summary on the profile says why, nothing is
// sent.
func TestRevokedTokenStopsTheSync(t *testing.T) {
	w := newWorld(t)
	w.onlyA(3, 910001)
	w.lw.RevokeInstallToken(lwToken)
	sum, err := w.worker(nil).Run(context.Background(), w.pa.ID)
	if err != nil {
		t.Fatalf("a refused token is the profile's state, not a job to retry: %v", err)
	}
	stored, _ := w.profiles.Get(context.Background(), w.pa.ID)
	if sum.Finished || !strings.Contains(stored.Sync.Last.Problem, "refused the API token") || stored.LinnworksTokenRefused.IsZero() {
		t.Fatalf("summary %+v, want the refused token named", stored.Sync.Last)
	}
	if n := w.streamN.creates.Load(); n != 0 {
		t.Fatalf("%d Stream creates with a refused Linnworks token", n)
	}
	// The next run does not call Linnworks until a working token is saved.
	w.lw.ClearJournal()
	if _, err := w.worker(nil).Run(context.Background(), w.pa.ID); err != nil {
		t.Fatal(err)
	}
	if j := w.lw.Journal(); len(j) != 0 {
		t.Fatalf("a held profile still called Linnworks %d times", len(j))
	}
}

// A profile without a Linnworks token is told so in its summary; the job
// is not retried.
func TestNoTokenIsSaidNotRetried(t *testing.T) {
	w := newWorld(t)
	p, _ := w.profiles.Get(context.Background(), w.pa.ID)
	delete(p.Secrets, wizard.ItemLinnworksAPIToken)
	if err := w.profiles.Update(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	if _, err := w.worker(nil).Run(context.Background(), w.pa.ID); err != nil {
		t.Fatalf("no token: %v, want no error to retry", err)
	}
	stored, _ := w.profiles.Get(context.Background(), w.pa.ID)
	if !strings.Contains(stored.Sync.Last.Problem, "no Linnworks API token") {
		t.Fatalf("summary %+v", stored.Sync.Last)
	}
}
