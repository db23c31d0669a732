package writeback_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"linnstream/internal/linnworks"
	"linnstream/internal/stream"
	"linnstream/internal/wizard"
	"linnstream/internal/writeback"
)

// storedOrder is a Stream that answers one order document, as Stream
// writes it, whatever reference it is asked for.
type storedOrder struct{ doc string }

func (s *storedOrder) OrderReader(stream.Account) (writeback.OrderReader, error) { return s, nil }

func (s *storedOrder) GetOrder(_ context.Context, id string) (*stream.OrderDetail, error) {
	var d stream.OrderDetail
	if err := json.Unmarshal([]byte(s.doc), &d); err != nil {
		return nil, fmt.Errorf("order document: %w", err)
	}
	return &d, nil
}

// group renders a Stream group; run is the runDetails object or "null".
func group(typ, eta, planned, run string) string {
	return fmt.Sprintf(`{"id":1,"type":%q,"status":"PLANNED","estimateArrivalDateTime":%q,`+
		`"planned":{"fromDateTime":%q,"toDateTime":"0"},"runDetails":%s,"items":[]}`, typ, eta, planned, run)
}

func runDetails(desc string, seq int) string {
	return fmt.Sprintf(`{"id":"LD1","description":%q,"groupSequence":"%d","driverName":"Ali","vehicleName":"VAN 2"}`, desc, seq)
}

// TestPlanningAsStreamWritesIt: the run, day and stop are read from the
// delivery group (else the collection group) of the order as Stream writes
// it, with its hyphenated times and "0" for unset ones; the webhook's run
// stands in when the order names none; a failed delivery is noted.
func TestPlanningAsStreamWritesIt(t *testing.T) {
	for _, c := range []struct {
		name, status, groups, msgRun string
		want                         []string
		note                         string
	}{
		{"ETA unset: the planned date's weekday", "PLANNED",
			group("DELIVERY", "0", "2026-06-20T07-00Z", runDetails("RUN 03", 4)), "",
			[]string{"STREAM_RUN_03", "STREAM_DAY_SATURDAY", "STREAM_SEQ_04"}, ""},
		{"the ETA's weekday first", "PLANNED",
			group("DELIVERY", "2026-06-22T09-30Z", "2026-06-20T00-01Z", runDetails("run 3", 12)), "",
			[]string{"STREAM_RUN_03", "STREAM_DAY_MONDAY", "STREAM_SEQ_12"}, ""},
		{"a collection order's group", "PLANNED",
			group("COLLECTION", "2026-06-23T10-00Z", "0", runDetails("RUN 9", 1)), "",
			[]string{"STREAM_RUN_09", "STREAM_DAY_TUESDAY", "STREAM_SEQ_01"}, ""},
		{"the delivery group before the collection group", "PLANNED",
			group("COLLECTION", "2026-06-23T10-00Z", "0", runDetails("RUN 02", 1)) + "," +
				group("DELIVERY", "2026-06-24T10-00Z", "0", runDetails("RUN 04", 7)), "",
			[]string{"STREAM_RUN_04", "STREAM_DAY_WEDNESDAY", "STREAM_SEQ_07"}, ""},
		{"not planned: the webhook's run", "CONFIRMED",
			group("DELIVERY", "0", "0", "null"), "RUN 11",
			[]string{"STREAM_RUN_11"}, ""},
		{"not planned, no run", "CONFIRMED", group("DELIVERY", "0", "0", "null"), "", nil, ""},
		{"delivery failed", "DELIVERY FAILED",
			group("DELIVERY", "2026-06-22T09-30Z", "0", runDetails("RUN 03", 2)), "",
			[]string{"STREAM_RUN_03", "STREAM_DAY_MONDAY", "STREAM_SEQ_02"}, "Stream: delivery failed (Stream status DELIVERY FAILED)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t)
			tok := e.addProfile(nil)
			const num = 950001
			e.addOrder(num, "URGENT")
			e.label(tok, num)
			sh := e.shipmentOf(tok, num)
			e.streams = &storedOrder{doc: fmt.Sprintf(`{"trackingId":"TRK-%d","header":{"orderNo":%q,"consignmentNo":%q,"orderStatus":%q},"groups":[%s]}`,
				num, sh.StreamOrderNo, sh.ConsignmentNo, c.status, c.groups)}
			e.writer()
			body, _ := json.Marshal(writeback.Message{ProfileID: sh.ProfileID, Ref: sh.ConsignmentNo, Source: writeback.SourceWebhook, Run: c.msgRun})
			e.mustHandle(body)
			want := sorted(append([]string{linnworks.TagSent, "URGENT"}, c.want...)...)
			if got := e.tags(num); !slices.Equal(got, want) {
				t.Errorf("identifiers %v, want %v", got, want)
			}
			if o := e.order(num); o.TrackingNumber != fmt.Sprintf("TRK-%d", num) {
				t.Errorf("tracking %q", o.TrackingNumber)
			}
			notes := e.noteTexts(num)
			if (c.note == "") != (len(notes) == 0) || (c.note != "" && !slices.Equal(notes, []string{c.note})) {
				t.Errorf("notes %q, want %q", notes, c.note)
			}
			if e.order(num).Processed {
				t.Error("an undelivered order was processed")
			}
		})
	}
}

// TestVehicleProperties: with VEHICLE_EXT_PROPS on the driver, vehicle,
// run and planned date follow the plan; other properties are kept; without
// it nothing is written.
func TestVehicleProperties(t *testing.T) {
	e := newEnv(t)
	on := e.addProfile(func(s map[string]string) { s[wizard.ItemVehicleExtProps] = "true" })
	off := e.addProfile(nil)
	e.writer()
	props := func(num int) map[string]string {
		m := map[string]string{}
		for _, p := range e.order(num).Order.ExtendedProperties {
			m[p.Name] = p.Value
		}
		return m
	}
	e.addOrder(960001)
	e.addOrder(960002)
	if _, err := e.lwClient.AddExtendedProperties(context.Background(), lwToken, e.order(960001).Order.OrderId,
		[]linnworks.ExtendedProperty{{Name: "SafePlace", Value: "Porch", Type: "Info"}}); err != nil {
		t.Fatal(err)
	}
	e.mustHandle(e.label(on, 960001)[0].Body)
	e.mustHandle(e.label(off, 960002)[0].Body)
	a, b := e.shipmentOf(on, 960001), e.shipmentOf(off, 960002)
	e.plan(a.StreamOrderNo, "RUN 03", 4, "2026-11-23")
	e.plan(b.StreamOrderNo, "RUN 03", 5, "2026-11-23")
	e.mustHandle(webhook(on, a.StreamOrderNo, "LOCKPLANNING"))
	e.mustHandle(webhook(off, b.StreamOrderNo, "LOCKPLANNING"))
	want := map[string]string{"SafePlace": "Porch", writeback.PropDriver: "Sam Driver", writeback.PropVehicle: "VAN 7",
		writeback.PropRun: "RUN 03", writeback.PropPlannedDate: "2026-11-23"}
	if got := props(960001); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("properties %v, want %v", got, want)
	}
	if got := props(960002); len(got) != 0 {
		t.Errorf("option off: properties %v", got)
	}
	e.plan(a.StreamOrderNo, "RUN 06", 1, "2026-11-27")
	e.mustHandle(webhook(on, a.StreamOrderNo, "LOCKPLANNING"))
	if got := props(960001); got[writeback.PropRun] != "RUN 06" || got[writeback.PropPlannedDate] != "2026-11-27" || got["SafePlace"] != "Porch" || len(got) != 5 {
		t.Errorf("after the re-plan: properties %v", got)
	}
	rec := e.shipmentOf(on, 960001)
	if rec.Applied.Properties[writeback.PropRun] != "RUN 06" || strings.Contains(fmt.Sprint(rec.Applied.Properties), "Porch") {
		t.Errorf("recorded properties %v", rec.Applied.Properties)
	}
	e.checkJournal()
}
