package writeback_test

import (
	"errors"
	"reflect"
	"regexp"
	"testing"

	"linnstream/internal/writeback"
)

// TestQueuedMessages: one order's messages share a FIFO group, a message
// sent twice has one de-duplication id, and both ids are what SQS accepts.
func TestQueuedMessages(t *testing.T) {
	label := writeback.Message{ProfileID: "p1", Ref: "R100234", OrderID: "100234", Source: writeback.SourceLabel}
	plan := writeback.Message{ProfileID: "p1", Ref: "R100234", Source: writeback.SourceWebhook, Event: "LOCKPLANNING", Run: "RUN 03"}
	other := writeback.Message{ProfileID: "p2", Ref: "R100234", Source: writeback.SourceWebhook, Event: "LOCKPLANNING", Run: "RUN 03"}
	refused := writeback.Message{ProfileID: "p1", OrderID: "100234", Source: writeback.SourceLabel, Refused: []string{"Postcode is invalid"}}
	// A label knows the consignment number; a webhook may name the order
	// by it: both join the consignment's group.
	labelC := writeback.Message{ProfileID: "p1", Ref: "R100234", Consignment: "C778", OrderID: "100234", Source: writeback.SourceLabel}
	planC := writeback.Message{ProfileID: "p1", Ref: "C778", Source: writeback.SourceWebhook, Event: "LOCKPLANNING", Run: "RUN 03"}
	q := func(m writeback.Message) (g, d string) {
		t.Helper()
		qm, err := m.Queued()
		if err != nil {
			t.Fatal(err)
		}
		back, err := writeback.Decode(qm.Body)
		if err != nil || !reflect.DeepEqual(back, m) {
			t.Fatalf("body %s decodes to %+v, %v; want %+v", qm.Body, back, err, m)
		}
		ids := regexp.MustCompile(`^[0-9a-f]{64}$`)
		if !ids.MatchString(qm.Group) || !ids.MatchString(qm.DedupID) {
			t.Fatalf("group %q / dedup id %q are not SQS-safe", qm.Group, qm.DedupID)
		}
		return qm.Group, qm.DedupID
	}
	// A poll's observation travels in the body, so it decodes as sent.
	poll := writeback.Message{ProfileID: "p1", Ref: "R100234", OrderID: "100234", Source: writeback.SourcePoll,
		Observed: &writeback.Observation{Status: "PLANNED", Run: "RUN 03", Day: "FRIDAY", Sequence: 4}}
	q(poll)
	lg, ld := q(label)
	pg, pd := q(plan)
	og, _ := q(other)
	rg, rd := q(refused)
	if lg != pg || og == pg || rg == lg {
		t.Errorf("groups: label %s plan %s other profile %s refusal %s", lg, pg, og, rg)
	}
	if lcg, pcg := func() string { g, _ := q(labelC); return g }(), func() string { g, _ := q(planC); return g }(); lcg != pcg || lcg == lg {
		t.Errorf("groups by consignment: label %s webhook %s (by order number %s)", lcg, pcg, lg)
	}
	if _, again := q(plan); again != pd || ld == pd || rd == ld {
		t.Errorf("de-duplication ids: label %s plan %s (again %s) refusal %s", ld, pd, again, rd)
	}
	if _, err := (writeback.Message{ProfileID: "p1"}).Queued(); !errors.Is(err, writeback.ErrBadMessage) {
		t.Errorf("a message without ref or refusal queued: %v", err)
	}
}
