// Package ordersync is the lookback order sync (the user guide's Module 6):
// without anyone printing a label, it finds a profile's eligible open
// Linnworks orders of the last LOOKBACK_DAYS and sends them to Stream
// through the same at-most-once path as GenerateLabel (shipment.Creator),
// then queues one write-back message per result, so the order shows `Sent to
// Stream` with its tracking number or `Error from Stream` with a note.
//
// A Scheduler queues one Job per syncing profile on a FIFO queue grouped by
// profile, so one profile never has two workers at once; a Worker runs a
// job. Every order it looks at gets exactly one decision with a reason code
// (the Reason constants), logged as one JSON line. A run stops before its
// deadline and the next resumes from a cursor stored on the profile; a run
// that reaches the last order ends the pass, and the next run starts a new
// one.
package ordersync

import (
	"context"

	"linnstream/internal/linnworks"
	"linnstream/internal/profile"
	"linnstream/internal/services"
	"linnstream/internal/shipment"
	"linnstream/internal/stream"
)

// Reason is why the sync did what it did with an order.
type Reason string

// Reasons of decisions. The sync sends only orders it finds no reason to
// skip.
const (
	// ReasonSent: Stream holds the order now (this run created or adopted it).
	ReasonSent Reason = "sent"
	// ReasonRefused: Stream refused the order; it is marked Error from Stream.
	ReasonRefused Reason = "refused_by_stream"
	// ReasonIncomplete: the order was not sent because it lacks what a
	// Stream order needs (name, first address line, postcode, country, or
	// any other check of the order builder); it is marked Error from Stream.
	ReasonIncomplete Reason = "incomplete"
	// ReasonNotSettled: Stream's answer could not be confirmed within the
	// run; the next run reads Stream before posting anything.
	ReasonNotSettled Reason = "not_settled"

	ReasonNotOurService   Reason = "not_our_service"
	ReasonOutsideLookback Reason = "outside_lookback"
	ReasonHasStreamOrder  Reason = "has_stream_order"
	ReasonCancelled       Reason = "stream_order_cancelled"
	ReasonAlreadySent     Reason = "already_sent"
	ReasonErrorUnchanged  Reason = "error_unchanged"
	ReasonParked          Reason = "parked"
	ReasonLockedOrOnHold  Reason = "locked_or_on_hold"
	ReasonNotPaid         Reason = "not_paid"
	ReasonProcessed       Reason = "processed"
)

// Profiles reads profiles and stores the sync's state on them.
// profile.Store satisfies it.
type Profiles interface {
	Get(ctx context.Context, id string) (*profile.Profile, error)
	Update(ctx context.Context, p *profile.Profile) error
}

// SyncingProfiles lists the profiles that sync orders, from an index.
// profile.Store satisfies it.
type SyncingProfiles interface {
	SyncingProfiles(ctx context.Context) ([]string, error)
}

// Catalogue lists a profile's shipping services. *services.Catalogue
// satisfies it.
type Catalogue interface {
	List(ctx context.Context, p *profile.Profile) ([]services.Service, error)
}

// Linnworks is the part of the Linnworks API the sync reads.
// *linnworks.Client satisfies it.
type Linnworks interface {
	PostalServices(ctx context.Context, token string) ([]linnworks.PostalService, error)
	OpenOrders(ctx context.Context, token string, q linnworks.OpenOrdersQuery) (linnworks.OrdersPage, error)
	OpenOrderDetails(ctx context.Context, token string, orderIDs []string) ([]linnworks.Order, error)
}

// Streams hands out the Stream client of an account.
type Streams interface {
	Stream(acct stream.Account) (shipment.Stream, error)
}

// PoolStreams serves Streams from a *stream.Pool, so the sync shares each
// account's token and request limit with labels and the write-back.
type PoolStreams struct{ Pool *stream.Pool }

// Stream implements Streams.
func (p PoolStreams) Stream(acct stream.Account) (shipment.Stream, error) {
	c, err := p.Pool.Client(acct)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Creator creates a Stream order at most once per Linnworks order.
// *shipment.Creator satisfies it.
type Creator interface {
	Ensure(ctx context.Context, req shipment.EnsureRequest) (*shipment.Shipment, error)
}

// Shipments reads the shipment record of an order. shipment.Store
// satisfies it.
type Shipments interface {
	Get(ctx context.Context, profileID, orderID string) (*shipment.Shipment, error)
}

var (
	_ Profiles        = profile.Store(nil)
	_ SyncingProfiles = profile.Store(nil)
	_ Catalogue       = (*services.Catalogue)(nil)
	_ Linnworks       = (*linnworks.Client)(nil)
	_ Streams         = PoolStreams{}
	_ Creator         = (*shipment.Creator)(nil)
	_ Shipments       = shipment.Store(nil)
)
