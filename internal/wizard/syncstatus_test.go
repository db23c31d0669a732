package wizard

import (
	"testing"
	"time"

	"linnstream/internal/profile"
)

// The CONFIG stage shows the last order sync read-only: when, what it
// considered, sent and could not send, what it skipped by reason, and
// whether it finished.
func TestConfigShowsTheLastSync(t *testing.T) {
	w := newWizard(t, &fakeStream{})
	p := newProfile()
	p.Active, p.Stage = true, StageConfig
	values := func() map[string]Field {
		out := map[string]Field{}
		for _, f := range w.View(p).Fields {
			out[f.ID] = f
		}
		return out
	}
	if v := values(); v[ItemSyncLastRun].Value != "not run yet" || !v[ItemSyncLastRun].ReadOnly || v[ItemSyncFinished].Value != "" {
		t.Fatalf("before any run: %q, %q", v[ItemSyncLastRun].Value, v[ItemSyncFinished].Value)
	}
	end := time.Date(2026, 11, 20, 9, 5, 0, 0, time.UTC)
	p.Sync.Last = profile.SyncRun{Started: end.Add(-time.Minute).Unix(), Ended: end.Unix(), Considered: 40, Sent: 30, Errors: 2,
		Skipped: map[string]int{"parked": 3, "not_paid": 5}, Problem: "stopped before its deadline; the next run resumes where it stopped"}
	v := values()
	if got, want := v[ItemSyncLastRun].Value, "20 Nov 2026 09:05 UTC: 40 orders considered, 30 sent, 2 errors; skipped: not paid 5, parked 3"; got != want {
		t.Errorf("last run = %q, want %q", got, want)
	}
	if got := v[ItemSyncFinished].Value; got != "no: stopped before its deadline; the next run resumes where it stopped" || !v[ItemSyncFinished].ReadOnly {
		t.Errorf("finished = %q", got)
	}
	p.Sync.Last.Finished, p.Sync.Last.Problem = true, ""
	if got := values()[ItemSyncFinished].Value; got != "yes" {
		t.Errorf("finished = %q, want yes", got)
	}
}
