package writeback

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"linnstream/internal/linnworks"
	"linnstream/internal/stream"
)

// Extended properties the write-back sets when VEHICLE_EXT_PROPS is on, for
// picking by vehicle in the warehouse. The names are the integration's own:
// only properties with these names are ever changed.
const (
	PropDriver      = "stream_Driver"
	PropVehicle     = "stream_Vehicle"
	PropRun         = "stream_Run"
	PropPlannedDate = "stream_PlannedDate"
	// propType is the Linnworks type of the properties.
	propType = "Info"
)

// ourProps are the property names the write-back manages.
var ourProps = []string{PropDriver, PropVehicle, PropRun, PropPlannedDate}

// ourTags are the integration's identifier tags, upper-case: the only
// identifiers the write-back assigns or unassigns.
var ourTags = func() map[string]string {
	m := map[string]string{}
	for _, s := range linnworks.StandardIdentifiers() {
		m[strings.ToUpper(s.Tag)] = s.Tag
	}
	return m
}()

// runForm is a run description the guide's RUN nn syntax accepts: RUN
// (any case) and a number with or without a leading zero.
var runForm = regexp.MustCompile(`(?i)^RUN\s*([0-9]{1,2})$`)

// RunNumber returns the run number of a run description in RUN nn form
// ("RUN 03", "run 3"), 1 to linnworks.MaxRun.
func RunNumber(desc string) (int, bool) {
	m := runForm.FindStringSubmatch(strings.TrimSpace(desc))
	if m == nil {
		return 0, false
	}
	n, _ := strconv.Atoi(m[1])
	if n < 1 || n > linnworks.MaxRun {
		return 0, false
	}
	return n, true
}

// note is a note the Linnworks order should carry: its text and the key
// under which the shipment record remembers it was written.
type note struct {
	key  string
	text string
}

// target is what a Linnworks order should show, worked out from its Stream
// order.
type target struct {
	// tracking is the tracking number; "" leaves the order's as it is.
	tracking string
	// tags are the integration's identifiers the order should carry (their
	// tags are upper-case); every other identifier of ours is unassigned.
	tags map[string]bool
	// props, when manage is set, are the integration's extended properties
	// the order should carry (the others of ours are removed).
	props  map[string]string
	manage bool
	notes  []note
	// process asks for the order to be processed (delivered, with
	// MARK_PROCESSED_ON_DELIVERED on).
	process bool
	// refusal: there is no Stream order; tags are only added, since the
	// other identifiers belong to whatever Stream order may exist.
	refusal bool

	// What the shipment record keeps of the planning.
	status, run, day string
	sequence         int
}

// planning is what a Stream order says of its run.
type planning struct {
	planned  bool
	run      string // the run description, as typed by the dispatcher
	sequence int
	day      time.Time // the date the day identifier is taken from
	driver   string
	vehicle  string
	date     time.Time // the planned date, for the extended property
}

// options are the profile settings the target depends on.
type options struct {
	sequence, process, props bool
}

// planningOf reads the run, stop and day of a Stream order from its
// delivery group (a collection group when it has none), falling back to the
// run description a webhook carried when the order names none.
func planningOf(d *stream.OrderDetail, msgRun string) planning {
	var g *stream.Group
	for i := range d.Groups {
		c := &d.Groups[i]
		switch {
		case c.RunDetails == nil:
		case strings.EqualFold(c.Type, "DELIVERY"):
			g = c
		case g == nil:
			g = c
		}
		if g != nil && strings.EqualFold(g.Type, "DELIVERY") {
			break
		}
	}
	var p planning
	if g != nil {
		r := g.RunDetails
		p.planned = true
		p.run = strings.TrimSpace(r.Description)
		p.sequence = int(r.GroupSequence)
		p.driver = strings.TrimSpace(r.DriverName)
		p.vehicle = strings.TrimSpace(r.VehicleName)
		// The weekday is that of the estimated arrival; Stream writes "0"
		// there until it has one, and the planned date stands in.
		p.day = g.EstimateArrivalDateTime.Time
		if !g.EstimateArrivalDateTime.IsSet() {
			p.day = g.Planned.FromDateTime.Time
		}
		p.date = g.Planned.FromDateTime.Time
		if !g.Planned.FromDateTime.IsSet() {
			p.date = g.EstimateArrivalDateTime.Time
		}
	}
	if p.run == "" && strings.TrimSpace(msgRun) != "" {
		p.planned = true
		p.run = strings.TrimSpace(msgRun)
	}
	return p
}

// Stream order states the write-back acts on. Stream's list of statuses is
// not published; "Delivery Failed" is named without a code, so any status
// containing FAIL counts as a failed delivery.
func isDelivered(status string) bool {
	switch strings.ToUpper(strings.TrimSpace(status)) {
	case "DELIVERED", "COMPLETED", "COMPLETE":
		return true
	}
	return false
}

func isCancelled(status string) bool {
	return strings.EqualFold(strings.TrimSpace(status), "CANCELLED")
}

func isFailed(status string) bool {
	return strings.Contains(strings.ToUpper(status), "FAIL")
}

// trackingOf is the tracking number of a Stream order as GenerateLabel
// gives it to Linnworks: the trackingId, else the consignment number.
func trackingOf(d *stream.OrderDetail, fallback string) string {
	if t := strings.TrimSpace(d.TrackingID); t != "" {
		return t
	}
	if c := strings.TrimSpace(d.Header.ConsignmentNo); c != "" {
		return c
	}
	return strings.TrimSpace(fallback)
}

// targetOf works out what the Linnworks order of a Stream order should
// show.
func targetOf(d *stream.OrderDetail, msgRun, fallbackTracking string, o options) target {
	status := strings.TrimSpace(d.Header.OrderStatus)
	// Sent to Stream stays on a cancelled order too: the order did reach
	// Stream, which keeps a cancelled order's number, so it cannot be sent
	// again under it (the sync skips the order by its identifier and its
	// record); taking the identifier off would make the order look as if
	// it were still waiting to be sent.
	t := target{tracking: trackingOf(d, fallbackTracking), tags: map[string]bool{linnworks.TagSent: true}, status: status}
	cancelled := isCancelled(status)
	p := planningOf(d, msgRun)
	if p.planned && !cancelled {
		t.run, t.sequence = p.run, p.sequence
		if n, ok := RunNumber(p.run); ok {
			tag, _ := linnworks.RunTag(n)
			t.tags[tag] = true
		} else if p.run != "" {
			t.notes = append(t.notes, note{key: "run:" + strings.ToLower(p.run),
				text: fmt.Sprintf("Stream: run '%s' is not in RUN nn form; no run identifier was applied", p.run)})
		}
		if !p.day.IsZero() {
			t.day = strings.ToUpper(p.day.Weekday().String())
			t.tags[linnworks.DayTag(p.day.Weekday())] = true
		}
		if o.sequence && p.sequence > 0 {
			if tag, ok := linnworks.SequenceTag(p.sequence); ok {
				t.tags[tag] = true
			} else {
				t.notes = append(t.notes, note{key: fmt.Sprintf("seq:%s:%d", strings.ToLower(p.run), p.sequence),
					text: fmt.Sprintf("Stream: stop %d on run '%s' is beyond SEQ %02d; no sequence identifier was applied", p.sequence, p.run, linnworks.MaxSequence)})
			}
		}
	}
	if o.props {
		t.manage = true
		t.props = map[string]string{}
		if p.planned && !cancelled {
			set := func(name, v string) {
				if v != "" {
					t.props[name] = v
				}
			}
			set(PropDriver, p.driver)
			set(PropVehicle, p.vehicle)
			set(PropRun, p.run)
			if !p.date.IsZero() {
				set(PropPlannedDate, p.date.Format(time.DateOnly))
			}
		}
	}
	switch {
	case cancelled:
		// Named by its consignment number, the number Stream's webhooks
		// name orders by.
		name := strings.TrimSpace(d.Header.ConsignmentNo)
		if name == "" {
			name = strings.TrimSpace(d.Header.OrderNo)
		}
		t.notes = append(t.notes, note{key: "cancelled",
			text: fmt.Sprintf("Stream: order %s was cancelled in Stream", name)})
	case isFailed(status):
		t.notes = append(t.notes, note{key: "failed:" + strings.ToLower(status),
			text: fmt.Sprintf("Stream: delivery failed (Stream status %s)", status)})
	case isDelivered(status) && o.process:
		t.process = true
	}
	return t
}

// refusalNote is the note of a refusal: Stream's messages in words, keyed
// by their hash so the same refusal is noted once.
func refusalNote(msgs []string) note {
	var clean []string
	for _, m := range msgs {
		if m = strings.TrimSpace(m); m != "" {
			clean = append(clean, m)
		}
	}
	if len(clean) == 0 {
		clean = []string{"no reason given"}
	}
	text := "Error from Stream: " + strings.Join(clean, "; ")
	return note{key: "refused:" + digest(text)[:16], text: text}
}
