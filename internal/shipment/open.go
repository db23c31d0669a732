package shipment

import (
	"errors"
	"slices"
	"strings"
	"time"
)

// FinalStatus reports whether a Stream order status is final: the order
// was delivered or completed, or cancelled, and Stream will not plan it
// again. The dispatch poll stops reading an order once it is. A failed
// delivery is not final (Stream delivers again), nor are part-deliveries
// and part-collections.
func FinalStatus(status string) bool {
	switch strings.ToUpper(strings.TrimSpace(status)) {
	case "DELIVERED", "COMPLETED", "COMPLETE", StatusCancelled:
		return true
	}
	return false
}

// Open reports whether the shipment's Stream order may still change: it
// stands (created, not cancelled) and its last known status is not final.
// Stores index open shipments by profile and creation time (ListOpen).
func (s *Shipment) Open() bool { return s.Live() && !FinalStatus(s.StreamStatus) }

// openKeyTime is a fixed-width UTC layout, so open keys sort as their
// times do.
const openKeyTime = "2006-01-02T15:04:05.000000000Z"

// OpenKey is where an open shipment sorts among its profile's open
// shipments: its creation time, then its order ID. A ListOpen cursor is
// the OpenKey of the last shipment of a page.
func OpenKey(s *Shipment) string {
	return s.CreatedAt.UTC().Format(openKeyTime) + "#" + s.OrderID
}

// SinceKey is the lowest OpenKey of a shipment created at or after since.
func SinceKey(since time.Time) string { return since.UTC().Format(openKeyTime) }

// OpenPage is one page of a profile's open shipments.
type OpenPage struct {
	// Shipments are in OpenKey order.
	Shipments []*Shipment
	// Next is the cursor of the next page; "" when this page is the last.
	Next string
}

// MaxOpenPage is the most shipments ListOpen returns at once.
const MaxOpenPage = 100

// CheckListOpen checks the arguments of ListOpen.
func CheckListOpen(profileID string, limit int) error {
	switch {
	case profileID == "":
		return errors.New("list open shipments: no profile ID")
	case limit < 1 || limit > MaxOpenPage:
		return errors.New("list open shipments: limit out of 1 to 100")
	}
	return nil
}

// OpenFrom is the key ListOpen starts from, and whether that key itself is
// included: the later of since and the cursor after.
func OpenFrom(since time.Time, after string) (key string, inclusive bool) {
	key = SinceKey(since)
	if after != "" && after >= key {
		return after, false
	}
	return key, true
}

// PageOpen picks a page of ListOpen from all of a profile's records, for
// stores that read them all (in memory, on disk).
func PageOpen(all []*Shipment, since time.Time, after string, limit int) OpenPage {
	from, inclusive := OpenFrom(since, after)
	var open []*Shipment
	for _, s := range all {
		k := OpenKey(s)
		if s.Open() && (k > from || inclusive && k == from) {
			open = append(open, s)
		}
	}
	slices.SortFunc(open, func(a, b *Shipment) int { return strings.Compare(OpenKey(a), OpenKey(b)) })
	if len(open) <= limit {
		return OpenPage{Shipments: open}
	}
	page := open[:limit]
	return OpenPage{Shipments: page, Next: OpenKey(page[limit-1])}
}
