package shipment

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// MaxManifestOrders is the most orders one manifest holds: more than a
// warehouse ships in a day, and few enough that a filing ends well within the
// request's time limit (the DynamoDB store marks 98 orders per transaction).
const MaxManifestOrders = 5000

// ManifestRequest asks to file orders into a manifest.
type ManifestRequest struct {
	ProfileID string
	Reference string
	// OrderIDs are Linnworks NumOrderIds; repeats count once.
	OrderIDs []string
	FiledAt  time.Time
}

// Manifest is a filed manifest: a snapshot of its orders as they were when
// it was filed.
type Manifest struct {
	ProfileID string
	Reference string
	FiledAt   time.Time
	Orders    []ManifestOrder
	// LeftOut are the order IDs that were listed but left out because they
	// were already cancelled: nothing of theirs is collected, and the
	// manifest says so.
	LeftOut []string
}

// ManifestOrder is one order of a manifest.
type ManifestOrder struct {
	OrderID           string
	OrderReference    string
	StreamOrderNo     string
	ConsignmentNo     string
	TrackingID        string
	ServiceName       string
	ConsigneeName     string
	ConsigneePostcode string
	Packages          int
	WeightGrams       float64
}

// CloneManifest returns a deep copy of m.
func CloneManifest(m *Manifest) *Manifest {
	if m == nil {
		return nil
	}
	c := *m
	c.FiledAt = m.FiledAt.Round(0)
	c.Orders = append([]ManifestOrder(nil), m.Orders...)
	c.LeftOut = append([]string(nil), m.LeftOut...)
	return &c
}

// ManifestProblem is why one order cannot be filed.
type ManifestProblem struct {
	OrderID string
	Reason  string
}

// ManifestError is a manifest that was not filed because of some of its
// orders; it names each of them.
type ManifestError struct {
	Reference string
	Problems  []ManifestProblem
}

func (e *ManifestError) Error() string {
	parts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		parts[i] = fmt.Sprintf("order %s %s", p.OrderID, p.Reason)
	}
	return "manifest not filed, nothing was changed: " + strings.Join(parts, "; ")
}

// CheckedOrderIDs checks the request and returns its distinct order IDs in the
// order given, trimmed.
func (r ManifestRequest) CheckedOrderIDs() ([]string, error) {
	switch {
	case r.ProfileID == "":
		return nil, errors.New("file manifest: no profile ID")
	case strings.TrimSpace(r.Reference) == "":
		return nil, errors.New("file manifest: no reference")
	case len(r.OrderIDs) == 0:
		return nil, errors.New("file manifest: no orders listed")
	}
	seen := make(map[string]bool, len(r.OrderIDs))
	ids := make([]string, 0, len(r.OrderIDs))
	for i, id := range r.OrderIDs {
		id = strings.TrimSpace(id)
		if id == "" {
			return nil, fmt.Errorf("file manifest: order %d of the list is empty", i+1)
		}
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) > MaxManifestOrders {
		return nil, fmt.Errorf("file manifest: %d orders listed; a manifest holds at most %d, so file the rest in another manifest", len(ids), MaxManifestOrders)
	}
	return ids, nil
}

// problem returns why s (nil when there is no record) cannot be filed, or
// "" when it can.
func problem(s *Shipment) string {
	switch {
	case s == nil:
		return "is unknown: no Stream order was created for it by this integration"
	case s.State == StatePending:
		return "has no label yet: its Stream order is still being created"
	case s.State == StateFailed:
		return "has no label: Stream refused its order"
	case s.State != StateCreated:
		return fmt.Sprintf("is in state %q", s.State)
	case s.ManifestRef != "":
		return "is already in manifest " + s.ManifestRef
	}
	return ""
}

// BuildManifest applies the filing rules to the records found for ids (a
// missing key means no record): it returns the manifest to store and each
// record as it is to be written (ManifestRef set, next version), or a
// *ManifestError naming every order that cannot be filed. An order already
// cancelled is left out (Manifest.LeftOut) rather than refused: it is not
// collected, and the rest of the day's orders still are. Unknown orders and
// orders without a live Stream order still refuse the manifest, as does a
// list whose every order was cancelled, which leaves nothing to collect.
func BuildManifest(req ManifestRequest, ids []string, found map[string]*Shipment) (*Manifest, []*Shipment, error) {
	var problems []ManifestProblem
	var live, leftOut []string
	for _, id := range ids {
		if s := found[id]; s != nil && s.State == StateCancelled {
			leftOut = append(leftOut, id)
			continue
		}
		if why := problem(found[id]); why != "" {
			problems = append(problems, ManifestProblem{OrderID: id, Reason: why})
			continue
		}
		live = append(live, id)
	}
	if len(problems) == 0 && len(live) == 0 {
		for _, id := range leftOut {
			problems = append(problems, ManifestProblem{OrderID: id, Reason: "was cancelled, as was every order listed, so there is nothing to collect"})
		}
	}
	if len(problems) > 0 {
		return nil, nil, &ManifestError{Reference: req.Reference, Problems: problems}
	}
	m := &Manifest{ProfileID: req.ProfileID, Reference: strings.TrimSpace(req.Reference), FiledAt: req.FiledAt.Round(0), LeftOut: leftOut}
	filed := make([]*Shipment, 0, len(live))
	for _, id := range live {
		s := found[id]
		m.Orders = append(m.Orders, ManifestOrder{
			OrderID:           s.OrderID,
			OrderReference:    s.OrderReference,
			StreamOrderNo:     s.StreamOrderNo,
			ConsignmentNo:     s.ConsignmentNo,
			TrackingID:        s.TrackingID,
			ServiceName:       s.ServiceName,
			ConsigneeName:     s.ConsigneeName,
			ConsigneePostcode: s.ConsigneePostcode,
			Packages:          len(s.Packages),
			WeightGrams:       s.TotalWeightGrams,
		})
		next := Clone(s)
		next.ManifestRef = m.Reference
		next.UpdatedAt = m.FiledAt
		next.Version = s.Version + 1
		filed = append(filed, next)
	}
	return m, filed, nil
}

// ManifestReference returns a readable manifest reference: "STRM-", the
// date of day (in day's location) as YYYYMMDD and seq as at least three
// digits, e.g. "STRM-20261122-001" (the format the manifest PDF prints).
func ManifestReference(day time.Time, seq int) string {
	return fmt.Sprintf("STRM-%s-%03d", day.Format("20060102"), seq)
}
