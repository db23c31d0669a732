package writeback_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworkssandbox"
	"linnstream/internal/stream"
	"linnstream/internal/wizard"
	"linnstream/internal/writeback"
)

// The Linnworks tags of the identifiers the scenario expects.
var (
	sent   = linnworks.TagSent
	run03  = mustTag(linnworks.RunTag(3))
	run05  = mustTag(linnworks.RunTag(5))
	seq04  = mustTag(linnworks.SequenceTag(4))
	seq02  = mustTag(linnworks.SequenceTag(2))
	monday = "STREAM_DAY_MONDAY"
	wed    = "STREAM_DAY_WEDNESDAY"
)

func mustTag(tag string, ok bool) string {
	if !ok {
		panic("no tag")
	}
	return tag
}

func sorted(tags ...string) []string {
	out := slices.Clone(tags)
	slices.Sort(out)
	return out
}

// TestLabelPlanReplanDeliver is the scenario: label → plan RUN 03
// stop 4 → tracking, Sent to Stream, RUN 03, the weekday and SEQ 04 →
// re-plan RUN 05 stop 2 → the old three are gone → deliver → processed when
// the option is on, not when off.
func TestLabelPlanReplanDeliver(t *testing.T) {
	for _, process := range []bool{true, false} {
		name := "processed on delivered"
		if !process {
			name = "option off"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			tok := e.addProfile(func(s map[string]string) {
				s[wizard.ItemMarkProcessedDelivery] = map[bool]string{true: "true", false: "false"}[process]
			})
			e.writer()
			const num = 100234
			e.addOrder(num, "URGENT")
			msgs := e.label(tok, num)
			if len(msgs) != 1 {
				t.Fatalf("GenerateLabel queued %d write-backs, want 1", len(msgs))
			}
			sh := e.shipmentOf(tok, num)
			e.mustHandle(msgs[0].Body)
			o := e.order(num)
			lead := sh.TrackingID
			if lead == "" {
				lead = sh.ConsignmentNo
			}
			if o.TrackingNumber != lead || lead == "" {
				t.Fatalf("tracking %q, want the label's %q", o.TrackingNumber, lead)
			}
			if got := e.tags(num); !slices.Equal(got, sorted(sent, "URGENT")) {
				t.Fatalf("after the label: identifiers %v", got)
			}
			si := o.Order.ShippingInfo
			if si.PostalServiceId == "" || si.TotalWeight != 2.35 || si.ItemWeight != 2 || si.PostageCost != 4.95 || !si.ManualAdjust {
				t.Fatalf("writing the tracking number changed other shipping fields: %+v", si)
			}

			// 2026-11-23 is a Monday. The webhook names the consignment
			// number, as Stream's may.
			e.plan(sh.StreamOrderNo, "RUN 03", 4, "2026-11-23")
			e.mustHandle(webhook(tok, sh.ConsignmentNo, "LOCKPLANNING"))
			if got := e.tags(num); !slices.Equal(got, sorted(sent, "URGENT", run03, monday, seq04)) {
				t.Fatalf("after planning: identifiers %v", got)
			}

			// Re-planned onto RUN 05, stop 2, on Wednesday 25th.
			e.plan(sh.StreamOrderNo, "RUN 05", 2, "2026-11-25")
			e.mustHandle(webhook(tok, sh.StreamOrderNo, "LOCKPLANNING"))
			if got := e.tags(num); !slices.Equal(got, sorted(sent, "URGENT", run05, wed, seq02)) {
				t.Fatalf("after the re-plan: identifiers %v", got)
			}

			e.deliver(sh.StreamOrderNo)
			e.mustHandle(webhook(tok, sh.ConsignmentNo, "DELIVERED"))
			o = e.order(num)
			if o.Processed != process {
				t.Fatalf("delivered order processed = %v, want %v", o.Processed, process)
			}
			if got := e.tags(num); !slices.Equal(got, sorted(sent, "URGENT", run05, wed, seq02)) {
				t.Fatalf("after delivery: identifiers %v", got)
			}
			rec := e.shipmentOf(tok, num)
			if rec.Run != "RUN 05" || rec.Day != "WEDNESDAY" || rec.Sequence != 2 || rec.StreamStatus != "DELIVERED" ||
				rec.Applied.LinnworksOrderID != o.Order.OrderId || rec.Applied.TrackingNumber != lead ||
				!slices.Equal(rec.Applied.Identifiers, sorted(sent, run05, wed, seq02)) || rec.Applied.ProcessedAt.IsZero() != !process {
				t.Fatalf("shipment record after delivery: %+v", rec)
			}

			// An unchanged repeat writes nothing, to Linnworks or the store.
			before, version := e.writes(), rec.Version
			e.mustHandle(webhook(tok, sh.StreamOrderNo, "DELIVERED"))
			if n := e.writes() - before; n != 0 {
				t.Errorf("an unchanged repeat made %d Linnworks writes", n)
			}
			if v := e.shipmentOf(tok, num).Version; v != version {
				t.Errorf("an unchanged repeat rewrote the shipment record (version %d → %d)", version, v)
			}
			e.checkJournal()
		})
	}
}

// TestRunNotInRunForm: a run Stream names outside the RUN nn form gets no
// run identifier and one note, never repeated for the same run.
func TestRunNotInRunForm(t *testing.T) {
	e := newEnv(t)
	tok := e.addProfile(nil)
	e.writer()
	const num = 200001
	e.addOrder(num)
	e.mustHandle(e.label(tok, num)[0].Body)
	sh := e.shipmentOf(tok, num)
	e.plan(sh.StreamOrderNo, "North loop", 3, "2026-11-24")
	e.mustHandle(webhook(tok, sh.StreamOrderNo, "LOCKPLANNING"))
	e.mustHandle(webhook(tok, sh.ConsignmentNo, "PLANNEDDELIVERY"))
	e.plan(sh.StreamOrderNo, "North loop", 5, "2026-11-24")
	e.mustHandle(webhook(tok, sh.StreamOrderNo, "LOCKPLANNING"))
	want := "Stream: run 'North loop' is not in RUN nn form; no run identifier was applied"
	n := 0
	for _, text := range e.noteTexts(num) {
		if text == want {
			n++
		}
	}
	if n != 1 {
		t.Fatalf("%d notes %q, want exactly 1; notes %q", n, want, e.noteTexts(num))
	}
	if got := e.tags(num); !slices.Equal(got, sorted(sent, "STREAM_DAY_TUESDAY", mustTag(linnworks.SequenceTag(5)))) {
		t.Fatalf("identifiers %v", got)
	}
	// A run in RUN nn form in another case and without the leading zero.
	e.plan(sh.StreamOrderNo, "run 7", 1, "2026-11-24")
	e.mustHandle(webhook(tok, sh.StreamOrderNo, "LOCKPLANNING"))
	if got := e.tags(num); !slices.Contains(got, mustTag(linnworks.RunTag(7))) {
		t.Fatalf("'run 7' gave identifiers %v", got)
	}
}

func TestRunNumber(t *testing.T) {
	for desc, want := range map[string]int{
		"RUN 01": 1, "RUN 1": 1, "run 20": 20, "Run 07": 7, " RUN 12 ": 12, "RUN03": 3,
		"RUN 21": 0, "RUN 00": 0, "RUN 003": 0, "North loop": 0, "RUN": 0, "RUN 1a": 0, "": 0, "RUNS 02": 0,
	} {
		n, ok := writeback.RunNumber(desc)
		if ok != (want > 0) || n != want {
			t.Errorf("RunNumber(%q) = %d, %v; want %d", desc, n, ok, want)
		}
	}
}

// TestSequenceBeyondTwenty gets a note instead of an identifier; with the
// option off no SEQ identifier is applied at all.
func TestSequence(t *testing.T) {
	e := newEnv(t)
	tok := e.addProfile(nil)
	off := e.addProfile(func(s map[string]string) { s[wizard.ItemSequenceIdentifiers] = "false" })
	e.writer()
	e.addOrder(300001)
	e.addOrder(300002)
	e.mustHandle(e.label(tok, 300001)[0].Body)
	e.mustHandle(e.label(off, 300002)[0].Body)
	a, b := e.shipmentOf(tok, 300001), e.shipmentOf(off, 300002)
	e.plan(a.StreamOrderNo, "RUN 02", 23, "2026-11-26")
	e.plan(b.StreamOrderNo, "RUN 02", 4, "2026-11-26")
	for range 2 {
		e.mustHandle(webhook(tok, a.StreamOrderNo, "LOCKPLANNING"))
		e.mustHandle(webhook(off, b.StreamOrderNo, "LOCKPLANNING"))
	}
	if got := e.tags(300001); !slices.Equal(got, sorted(sent, mustTag(linnworks.RunTag(2)), "STREAM_DAY_THURSDAY")) {
		t.Errorf("stop 23: identifiers %v", got)
	}
	if notes := e.noteTexts(300001); len(notes) != 1 || !strings.Contains(notes[0], "stop 23") || !strings.Contains(notes[0], "SEQ 20") {
		t.Errorf("stop 23: notes %q, want one about SEQ 20", notes)
	}
	if got := e.tags(300002); !slices.Equal(got, sorted(sent, mustTag(linnworks.RunTag(2)), "STREAM_DAY_THURSDAY")) {
		t.Errorf("sequence identifiers off: identifiers %v", got)
	}
}

// TestCancelledInStream: a cancel unassigns the run, day and stop and notes
// it once; the order keeps Sent to Stream (it has a Stream order) and the
// identifiers that are not ours.
func TestCancelledInStream(t *testing.T) {
	e := newEnv(t)
	tok := e.addProfile(nil)
	e.writer()
	const num = 400001
	e.addOrder(num, "URGENT")
	e.mustHandle(e.label(tok, num)[0].Body)
	sh := e.shipmentOf(tok, num)
	e.plan(sh.StreamOrderNo, "RUN 03", 4, "2026-11-23")
	e.mustHandle(webhook(tok, sh.StreamOrderNo, "LOCKPLANNING"))
	c, err := newStreamClient(e)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteOrder(context.Background(), sh.StreamOrderNo); err != nil {
		t.Fatal(err)
	}
	e.mustHandle(webhook(tok, sh.ConsignmentNo, "CANCELLED"))
	e.mustHandle(webhook(tok, sh.ConsignmentNo, "CANCELLED"))
	if got := e.tags(num); !slices.Equal(got, sorted(sent, "URGENT")) {
		t.Errorf("after the cancel: identifiers %v", got)
	}
	if notes := e.noteTexts(num); len(notes) != 1 || !strings.Contains(notes[0], "cancelled in Stream") {
		t.Errorf("after the cancel: notes %q", notes)
	}
	if o := e.order(num); o.Processed {
		t.Error("a cancelled order was processed")
	}
}

// notFound is a Stream that no longer has any order, as after a cancel
// that deleted it; it counts the reads.
type notFound struct{ reads atomic.Int64 }

func (n *notFound) OrderReader(stream.Account) (writeback.OrderReader, error) { return n, nil }

func (n *notFound) GetOrder(_ context.Context, id string) (*stream.OrderDetail, error) {
	n.reads.Add(1)
	return nil, fmt.Errorf("get order %s: %w", id, stream.ErrNotFound)
}

// TestCancelledByLabel: a label cancelled through CancelLabel queues one
// write-back, which unassigns the run, day and stop and notes the cancel
// once, whether Stream shows the order cancelled or no longer has it (then
// the shipment record, which says cancelled, stands in for it). A repeat
// writes nothing.
func TestCancelledByLabel(t *testing.T) {
	for _, gone := range []bool{false, true} {
		name := "Stream shows it cancelled"
		if gone {
			name = "Stream no longer has it"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			tok := e.addProfile(nil)
			e.writer()
			const num = 410001
			e.addOrder(num, "URGENT")
			e.mustHandle(e.label(tok, num)[0].Body)
			sh := e.shipmentOf(tok, num)
			e.plan(sh.StreamOrderNo, "RUN 03", 4, "2026-11-23")
			e.mustHandle(webhook(tok, sh.StreamOrderNo, "LOCKPLANNING"))
			if got := e.tags(num); !slices.Equal(got, sorted(sent, "URGENT", run03, monday, seq04)) {
				t.Fatalf("after planning: identifiers %v", got)
			}
			missing := &notFound{}
			if gone {
				// Stream not knowing the order of a shipment that is not
				// cancelled still drops the message, writing nothing.
				e.streams = missing
				e.writer()
				before := e.writes()
				e.mustHandle(webhook(tok, sh.StreamOrderNo, "LOCKPLANNING"))
				if n := e.writes() - before; n != 0 || missing.reads.Load() != 1 {
					t.Fatalf("a live shipment's order unknown to Stream: %d Linnworks writes, %d Stream reads; want 0 and 1", n, missing.reads.Load())
				}
			}

			msgs := e.cancel(tok, num)
			if len(msgs) != 1 {
				t.Fatalf("CancelLabel queued %d write-backs, want 1", len(msgs))
			}
			m, err := writeback.Decode(msgs[0].Body)
			if err != nil || m.Source != writeback.SourceCancel || m.Ref != sh.StreamOrderNo || m.OrderID != strconv.Itoa(num) {
				t.Fatalf("CancelLabel queued %+v (%v)", m, err)
			}
			before := e.writes()
			e.mustHandle(msgs[0].Body)
			if gone && missing.reads.Load() != 2 {
				t.Fatalf("the write-back read Stream %d times, want 2 (404 each)", missing.reads.Load())
			}
			if got := e.tags(num); !slices.Equal(got, sorted(sent, "URGENT")) {
				t.Errorf("after the cancel: identifiers %v, want Sent to Stream and URGENT", got)
			}
			want := "Stream: order " + sh.ConsignmentNo + " was cancelled in Stream"
			if notes := e.noteTexts(num); !slices.Equal(notes, []string{want}) {
				t.Errorf("after the cancel: notes %q, want %q", notes, want)
			}
			// RUN 03, MONDAY and SEQ 04 off, the note on.
			if n := e.writes() - before; n != 4 {
				t.Errorf("the cancel made %d Linnworks writes, want 4", n)
			}
			if e.order(num).Processed {
				t.Error("a cancelled order was processed")
			}
			rec := e.shipmentOf(tok, num)
			if rec.Run != "" || rec.Day != "" || rec.Sequence != 0 || rec.StreamStatus != "CANCELLED" ||
				!slices.Equal(rec.Applied.Identifiers, []string{sent}) || !rec.Applied.HasNote("cancelled") {
				t.Errorf("shipment record after the cancel: %+v", rec)
			}

			before, version := e.writes(), rec.Version
			e.mustHandle(msgs[0].Body)
			e.mustHandle(webhook(tok, sh.ConsignmentNo, "CANCELLED"))
			if n := e.writes() - before; n != 0 {
				t.Errorf("repeats made %d Linnworks writes", n)
			}
			if v := e.shipmentOf(tok, num).Version; v != version {
				t.Errorf("repeats rewrote the shipment record (version %d → %d)", version, v)
			}
			e.checkJournal()
		})
	}
}

// TestProcessedOrderTakesNotesOnly: once the Linnworks order is processed
// (here by a user), the write-back only adds notes, through the processed
// orders' own call.
func TestProcessedOrderTakesNotesOnly(t *testing.T) {
	e := newEnv(t)
	tok := e.addProfile(nil)
	e.writer()
	const num = 450001
	e.addOrder(num)
	e.mustHandle(e.label(tok, num)[0].Body)
	if _, err := e.lwClient.ProcessOrder(context.Background(), lwToken, e.order(num).Order.OrderId, linnworks.ProcessOptions{}); err != nil {
		t.Fatal(err)
	}
	sh := e.shipmentOf(tok, num)
	e.plan(sh.StreamOrderNo, "North loop", 30, "2026-11-23")
	e.lw.ClearJournal()
	e.mustHandle(webhook(tok, sh.StreamOrderNo, "LOCKPLANNING"))
	var paths []string
	for _, j := range e.lw.Journal() {
		if slices.Contains(writePaths, j.Path) {
			paths = append(paths, j.Path)
		}
	}
	want := []string{"/api/ProcessedOrders/AddOrderNote", "/api/ProcessedOrders/AddOrderNote"}
	if !slices.Equal(paths, want) {
		t.Fatalf("writes to a processed order: %v, want two notes (run form, stop beyond 20)", paths)
	}
	if got := e.tags(num); !slices.Equal(got, []string{sent}) {
		t.Fatalf("identifiers of the processed order changed: %v", got)
	}
	e.checkJournal()
}

// TestDeliveredOrderLinnworksWillNotProcess: Linnworks refusing to process
// a delivered order (here: on hold) is noted once, not retried.
func TestDeliveredOrderLinnworksWillNotProcess(t *testing.T) {
	e := newEnv(t)
	tok := e.addProfile(nil)
	e.writer()
	const num = 460001
	if _, err := e.lw.AddOrders(linnworkssandbox.OrderDetails{NumOrderId: num,
		GeneralInfo: linnworkssandbox.OrderGeneralInfo{Status: 1, HoldOrCancel: true}}); err != nil {
		t.Fatal(err)
	}
	e.label(tok, num)
	sh := e.shipmentOf(tok, num)
	e.plan(sh.StreamOrderNo, "RUN 01", 1, "2026-11-23")
	e.deliver(sh.StreamOrderNo)
	for range 2 {
		e.mustHandle(webhook(tok, sh.StreamOrderNo, "DELIVERED"))
	}
	o := e.order(num)
	if o.Processed {
		t.Fatal("an order on hold was processed")
	}
	if notes := e.noteTexts(num); len(notes) != 1 || !strings.Contains(notes[0], "did not process it: Order is locked.") {
		t.Fatalf("notes %q, want one saying why Linnworks did not process the order", notes)
	}
}
