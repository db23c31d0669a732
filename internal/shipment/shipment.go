// Package shipment maps Linnworks orders to the Stream orders created for
// them, and makes sure each Linnworks order gets at most one Stream order,
// whichever path (GenerateLabel or the lookback sync) gets there first. It
// also files end-of-day manifests of shipped orders and remembers which
// Stream events were already applied.
//
// A record is claimed with a conditional write before Stream is called, so
// concurrent or repeated requests for one order agree on a single creator;
// when the outcome of a create is in doubt, Stream is read before anything
// is posted again.
//
// Records are kept per profile, so two profiles may use the same Linnworks
// OrderId. Stream order numbers, though, must be unique per Stream account:
// the caller builds them (the profile's ORDER_NUMBER_PREFIX followed by the
// NumOrderId), so profiles sharing a Stream account need distinct prefixes
// (the wizard refuses a second profile on one account and prefix). Every
// order the Creator posts carries its profile's mark (Marker) in
// externalClientId, and an order read back to settle a doubt is adopted
// only with that mark and the record's customer order number and postcode:
// a profile whose order number is taken by another profile's order is
// refused (ErrOrderNoTaken) and asked for a prefix, however alike the two
// orders are. A profile never holds, cancels or files another's order.
//
// A claim is leased for a few seconds and renewed by its holder while it
// works, so the claim of a holder that died ends within one lease and the
// next request takes it over, reading Stream before posting anything.
package shipment

import (
	"errors"
	"maps"
	"slices"
	"time"
)

// State is where a shipment is in its life.
type State string

// States of a shipment record.
const (
	// StatePending: a request has claimed the order and is creating it in
	// Stream, or the outcome of its create is unknown. Whoever takes it over
	// after its lease expires reads Stream before posting.
	StatePending State = "pending"
	// StateCreated: Stream holds the order; the record has its consignment
	// and tracking.
	StateCreated State = "created"
	// StateFailed: Stream definitely refused the order (or it could not be
	// built); nothing exists in Stream and the order may be claimed again.
	StateFailed State = "failed"
	// StateCancelled: the order was cancelled in Stream. Stream keeps
	// cancelled order numbers, so the record is final.
	StateCancelled State = "cancelled"
)

// Origin says which flow created the Stream order.
type Origin string

// Origins of a shipment.
const (
	OriginLabel Origin = "label" // GenerateLabel
	OriginSync  Origin = "sync"  // the scheduled lookback sync
)

// Valid reports whether o is a known origin.
func (o Origin) Valid() bool { return o == OriginLabel || o == OriginSync }

// Package is one parcel of a shipment, as Linnworks numbered it.
type Package struct {
	SequenceNumber int
	TrackingNumber string
	WeightGrams    float64
}

// Details describe what is shipped: what the label and the manifest show.
// They are known before Stream is called.
type Details struct {
	// OrderReference is the Linnworks order reference (channel reference).
	OrderReference string
	ServiceID      string
	ServiceName    string
	Depot          string
	DeliveryMethod string
	// ConsigneeName and ConsigneePostcode are printed on manifests. They
	// are personal data: never log them.
	ConsigneeName     string
	ConsigneePostcode string
	Packages          []Package
	TotalWeightGrams  float64
}

// Shipment is the record of one Linnworks order of one profile and the
// Stream order created for it.
type Shipment struct {
	ProfileID string
	// OrderID is the Linnworks NumOrderId as a decimal string.
	OrderID string
	Details

	// StreamOrderNo is the order number sent to Stream. It is recorded
	// before the first create is posted, so a crash after posting can be
	// recovered by reading Stream.
	StreamOrderNo   string
	ConsignmentNo   string
	CustomerOrderNo string
	TrackingID      string
	TrackingURL     string

	State  State
	Origin Origin

	// Run, Day and Sequence are the planning Stream reports: the run label
	// (e.g. "RUN 01"), the delivery weekday and the stop number.
	Run          string
	Day          string
	Sequence     int
	StreamStatus string
	// ManifestRef is the manifest the order was filed in, if any.
	ManifestRef string
	// LastEventAt is the time of the last Stream event applied; older
	// events are ignored.
	LastEventAt time.Time
	// LastError is the last problem: for a failed record, Stream's
	// messages, one per line.
	LastError string
	// Applied is what the write-back last put on the Linnworks order.
	Applied Applied

	// ClaimID names the request holding a pending record; LeaseUntil is
	// when another request may take the claim over.
	ClaimID    string
	LeaseUntil time.Time

	CreatedAt time.Time
	UpdatedAt time.Time
	// Version counts successful writes; every conditional write names the
	// version it read and increments it.
	Version int64
}

// Applied is what the write-back put on the Linnworks order of a shipment.
// Linnworks itself is read before every write-back, so this record is not
// what decides a write; it keeps what Linnworks cannot tell: which notes the
// integration already wrote (a note deleted by a user is not written again)
// and when it processed the order.
type Applied struct {
	// LinnworksOrderID is the Linnworks pkOrderId of the order.
	LinnworksOrderID string
	// TrackingNumber is the tracking number last written.
	TrackingNumber string
	// Identifiers are the tags of the integration's identifiers on the order
	// after the last write-back, sorted.
	Identifiers []string
	// Notes are the keys of the notes the write-back wrote, in order.
	Notes []string
	// Properties are the extended properties the write-back set, by name.
	Properties map[string]string
	// ProcessedAt is when the write-back processed the order.
	ProcessedAt time.Time
	// At is when the write-back last changed the Linnworks order.
	At time.Time
}

// HasNote reports whether a note with the key was written.
func (a Applied) HasNote(key string) bool { return slices.Contains(a.Notes, key) }

// Live reports whether the shipment is a Stream order that still stands:
// created and not cancelled.
func (s *Shipment) Live() bool { return s.State == StateCreated }

// Clone returns a deep copy of s whose times carry no monotonic clock
// reading, as if read back from storage.
func Clone(s *Shipment) *Shipment {
	if s == nil {
		return nil
	}
	c := *s
	c.Packages = slices.Clone(s.Packages)
	c.Applied.Identifiers = slices.Clone(s.Applied.Identifiers)
	c.Applied.Notes = slices.Clone(s.Applied.Notes)
	c.Applied.Properties = maps.Clone(s.Applied.Properties)
	c.Applied.ProcessedAt = s.Applied.ProcessedAt.Round(0)
	c.Applied.At = s.Applied.At.Round(0)
	c.LastEventAt = s.LastEventAt.Round(0)
	c.LeaseUntil = s.LeaseUntil.Round(0)
	c.CreatedAt = s.CreatedAt.Round(0)
	c.UpdatedAt = s.UpdatedAt.Round(0)
	return &c
}

// Errors a Store returns; compare with errors.Is.
var (
	ErrNotFound       = errors.New("shipment not found")
	ErrConflict       = errors.New("shipment was changed by another request")
	ErrManifestExists = errors.New("manifest reference already used")
)

// ShortID returns a prefix of a profile ID that is safe and useful in logs
// and errors.
func ShortID(profileID string) string {
	if len(profileID) < 12 {
		return profileID
	}
	return profileID[:12]
}
