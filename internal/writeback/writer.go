package writeback

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"linnstream/internal/linnworks"
	"linnstream/internal/profile"
	"linnstream/internal/queue"
	"linnstream/internal/shipment"
	"linnstream/internal/stream"
	"linnstream/internal/wizard"
)

// Errors Handle returns; each leaves the message to the queue's retries and
// its dead-letter queue.
var (
	// ErrBadMessage: the body is not a usable Message. It will never be.
	ErrBadMessage = errors.New("write-back: bad message")
	// ErrTokenRefused: Linnworks refused the profile's API token; the
	// profile records it, and messages wait until a working one is saved.
	ErrTokenRefused = errors.New("write-back: Linnworks refused the profile's API token")
)

// Profiles reads profiles and records a refused Linnworks token.
// profile.Store satisfies it.
type Profiles interface {
	Get(ctx context.Context, id string) (*profile.Profile, error)
	Update(ctx context.Context, p *profile.Profile) error
}

// Shipments finds a profile's shipments and records what was applied.
// shipment.Store satisfies it.
type Shipments interface {
	Get(ctx context.Context, profileID, orderID string) (*shipment.Shipment, error)
	ByStreamOrder(ctx context.Context, profileID, orderNo string) (*shipment.Shipment, error)
	Update(ctx context.Context, s *shipment.Shipment) error
}

// OrderReader reads an order from Stream by order or consignment number.
// *stream.Client satisfies it.
type OrderReader interface {
	GetOrder(ctx context.Context, id string) (*stream.OrderDetail, error)
}

// Streams hands out the Stream client of a profile's account.
type Streams interface {
	OrderReader(acct stream.Account) (OrderReader, error)
}

// PoolStreams serves Streams from a *stream.Pool, so the write-back shares
// each account's token and rate limiter with the rest of the process.
type PoolStreams struct{ Pool *stream.Pool }

// OrderReader implements Streams.
func (p PoolStreams) OrderReader(acct stream.Account) (OrderReader, error) {
	c, err := p.Pool.Client(acct)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Linnworks is the part of the Linnworks API the write-back uses.
// *linnworks.Client satisfies it.
type Linnworks interface {
	OrderByNumOrderID(ctx context.Context, token string, numOrderID int) (linnworks.Order, error)
	WriteTrackingNumber(ctx context.Context, token string, o linnworks.Order, trackingNumber string) (linnworks.ShippingInfo, error)
	AssignIdentifier(ctx context.Context, token, tag string, orderIDs ...string) (linnworks.AssignResult, error)
	UnassignIdentifier(ctx context.Context, token, tag string, orderIDs ...string) (linnworks.AssignResult, error)
	SetExtendedProperties(ctx context.Context, token, orderID string, props []linnworks.ExtendedProperty) ([]linnworks.ExtendedProperty, error)
	AppendOrderNote(ctx context.Context, token, orderID, text string, internal bool) (linnworks.OrderNote, error)
	AppendProcessedOrderNote(ctx context.Context, token, orderID, text string, internal bool) error
	ProcessOrder(ctx context.Context, token, orderID string, opts linnworks.ProcessOptions) (linnworks.ProcessResult, error)
}

var (
	_ Profiles    = profile.Store(nil)
	_ Shipments   = shipment.Store(nil)
	_ OrderReader = (*stream.Client)(nil)
	_ Streams     = PoolStreams{}
	_ Linnworks   = (*linnworks.Client)(nil)
)

// Config holds a Writer's dependencies.
type Config struct {
	Profiles  Profiles
	Shipments Shipments
	Streams   Streams
	Linnworks Linnworks
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logger; default slog.Default().
	Logger *slog.Logger
}

// Writer applies write-back messages. Build it once; it is safe for
// concurrent use (messages of one order must come one at a time, as the
// FIFO queue's groups deliver them).
type Writer struct {
	profiles  Profiles
	shipments Shipments
	streams   Streams
	lw        Linnworks
	now       func() time.Time
	log       *slog.Logger
}

var _ queue.Handler = (*Writer)(nil).Handle

// New returns a Writer.
func New(cfg Config) (*Writer, error) {
	if cfg.Profiles == nil || cfg.Shipments == nil || cfg.Streams == nil || cfg.Linnworks == nil {
		return nil, errors.New("new write-back: Profiles, Shipments, Streams and Linnworks are required")
	}
	w := &Writer{profiles: cfg.Profiles, shipments: cfg.Shipments, streams: cfg.Streams, lw: cfg.Linnworks,
		now: cfg.Now, log: cfg.Logger}
	if w.now == nil {
		w.now = time.Now
	}
	if w.log == nil {
		w.log = slog.Default()
	}
	return w, nil
}

// job is one message being applied.
type job struct {
	msg   Message
	p     *profile.Profile
	cfg   wizard.Config
	token string
	log   *slog.Logger
}

// Handle applies one message body; it is the queue.Handler of the
// write-back queue. nil means done (applied, or logged and dropped); an
// error means "receive it again later".
func (w *Writer) Handle(ctx context.Context, body []byte) error {
	msg, err := Decode(body)
	if err != nil {
		// Only the size: a body is not logged, whatever it holds.
		w.log.ErrorContext(ctx, "write-back message unusable; leaving it for the dead-letter queue",
			"error", err.Error(), "bytes", len(body))
		return err
	}
	log := w.log.With("profile", shipment.ShortID(msg.ProfileID), "source", string(msg.Source))
	if msg.Ref != "" {
		log = log.With("ref", msg.Ref)
	}
	if msg.OrderID != "" {
		log = log.With("order_id", msg.OrderID)
	}
	p, err := w.profiles.Get(ctx, msg.ProfileID)
	switch {
	case errors.Is(err, profile.ErrNotFound):
		log.InfoContext(ctx, "write-back dropped: the profile does not exist")
		return nil
	case err != nil:
		return fmt.Errorf("write-back: read profile: %w", err)
	case p.Deleted:
		log.InfoContext(ctx, "write-back dropped: the profile was deleted")
		return nil
	}
	cfg := wizard.Settings(p)
	if cfg.LinnworksAPIToken == "" {
		log.InfoContext(ctx, "write-back dropped: the profile has no Linnworks API token")
		return nil
	}
	if !p.LinnworksTokenRefused.IsZero() {
		// Calling Linnworks again would only be refused again; the message
		// waits (retries, then the dead-letter queue) for a working token.
		log.WarnContext(ctx, "write-back held: Linnworks refused the profile's API token",
			"refused_at", p.LinnworksTokenRefused.UTC().Format(time.RFC3339))
		return ErrTokenRefused
	}
	j := &job{msg: msg, p: p, cfg: cfg, token: cfg.LinnworksAPIToken, log: log}
	if len(msg.Refused) > 0 {
		err = w.refusal(ctx, j)
	} else {
		err = w.update(ctx, j, msg.Ref)
	}
	if err != nil {
		j.log.WarnContext(ctx, "write-back failed; the queue will deliver the message again", "error", err.Error())
	}
	return err
}

// update brings the Linnworks order of the Stream order ref up to date.
func (w *Writer) update(ctx context.Context, j *job, ref string) error {
	reader, err := w.streams.OrderReader(j.cfg.Stream)
	if err != nil {
		return fmt.Errorf("write-back: the profile's Stream account: %w", err)
	}
	d, err := reader.GetOrder(ctx, ref)
	switch {
	case errors.Is(err, stream.ErrNotFound):
		return w.gone(ctx, j, ref)
	case err != nil:
		return fmt.Errorf("write-back: read Stream order %s: %w", ref, err)
	}
	sh, err := w.shipmentOf(ctx, j, ref, d)
	switch {
	case errors.Is(err, shipment.ErrNotFound):
		j.log.DebugContext(ctx, "write-back dropped: not an order of this profile", "stream_order_no", d.Header.OrderNo)
		return nil
	case err != nil:
		return fmt.Errorf("write-back: find the shipment of %s: %w", ref, err)
	}
	// The Stream order must carry this profile's mark as well: an order
	// stamped by another profile is never written to this profile's
	// Linnworks order, whatever the numbers say. Orders created before
	// the mark existed carry none and are judged by the record alone.
	if mark := strings.TrimSpace(d.Header.ExternalClientID); mark != "" && mark != shipment.Marker(j.p.ID) {
		j.log.WarnContext(ctx, "write-back dropped: the Stream order carries another profile's mark", "stream_order_no", d.Header.OrderNo)
		return nil
	}
	j.log = j.log.With("order_id", sh.OrderID, "stream_order_no", sh.StreamOrderNo)
	return w.apply(ctx, j, sh, targetOf(d, j.msg.Run, sh.TrackingID, j.options()))
}

// gone handles a Stream order that Stream does not know. Cancelling may
// delete the order outright (CancelLabel counts an order Stream no longer
// has as cancelled), so the order of a shipment this profile records as
// cancelled is brought to the state a cancelled Stream order gives, worked
// out from the record. Any other is dropped: there is nothing to read.
func (w *Writer) gone(ctx context.Context, j *job, ref string) error {
	// With no Stream order to read, the reference is all there is.
	sh, err := w.shipmentOf(ctx, j, ref, &stream.OrderDetail{})
	switch {
	case errors.Is(err, shipment.ErrNotFound):
	case err != nil:
		return fmt.Errorf("write-back: find the shipment of %s: %w", ref, err)
	case sh.State == shipment.StateCancelled:
		j.log = j.log.With("order_id", sh.OrderID, "stream_order_no", sh.StreamOrderNo)
		j.log.InfoContext(ctx, "write-back: Stream no longer has the order, which was cancelled; applying the cancel from the record")
		d := &stream.OrderDetail{TrackingID: sh.TrackingID, Header: stream.DetailHeader{
			OrderNo: sh.StreamOrderNo, ConsignmentNo: sh.ConsignmentNo, OrderStatus: shipment.StatusCancelled}}
		return w.apply(ctx, j, sh, targetOf(d, "", sh.TrackingID, j.options()))
	}
	j.log.WarnContext(ctx, "write-back dropped: Stream does not know the order")
	return nil
}

// options are the profile settings the target depends on.
func (j *job) options() options {
	return options{
		sequence: j.cfg.SequenceIdentifiers,
		process:  j.cfg.MarkProcessedOnDelivered,
		props:    j.cfg.VehicleExtProps,
	}
}

// shipmentOf finds the profile's shipment of a Stream order: by its order
// number, else (for a producer that named the Linnworks order) by the
// order's consignment number. Only this profile's records are searched, so
// another profile's shipment is never acted on.
func (w *Writer) shipmentOf(ctx context.Context, j *job, ref string, d *stream.OrderDetail) (*shipment.Shipment, error) {
	pid := j.p.ID
	if no := strings.TrimSpace(d.Header.OrderNo); no != "" {
		sh, err := w.shipments.ByStreamOrder(ctx, pid, no)
		if !errors.Is(err, shipment.ErrNotFound) {
			return sh, err
		}
	}
	cons := strings.TrimSpace(d.Header.ConsignmentNo)
	if j.msg.OrderID != "" {
		sh, err := w.shipments.Get(ctx, pid, j.msg.OrderID)
		if err != nil {
			return nil, err
		}
		byConsignment := cons != "" && strings.EqualFold(sh.ConsignmentNo, cons)
		byRef := d.Header.OrderNo == "" && (strings.EqualFold(sh.ConsignmentNo, ref) || sh.StreamOrderNo == ref)
		if byConsignment || byRef {
			return sh, nil
		}
		return nil, shipment.ErrNotFound
	}
	if d.Header.OrderNo == "" {
		// Stream gave no order number: the reference is all there is.
		return w.shipments.ByStreamOrder(ctx, pid, ref)
	}
	return nil, shipment.ErrNotFound
}

// refusal marks the Linnworks order of a refused Stream order `Error from
// Stream` with a note saying Stream's messages.
func (w *Writer) refusal(ctx context.Context, j *job) error {
	orderID := strings.TrimSpace(j.msg.OrderID)
	sh, err := w.shipments.Get(ctx, j.p.ID, orderID)
	switch {
	case errors.Is(err, shipment.ErrNotFound):
		sh = nil
	case err != nil:
		return fmt.Errorf("write-back: read the shipment of order %s: %w", orderID, err)
	case sh.Live():
		// A later attempt created the order after all: what Linnworks
		// should show now is that Stream order, not the old refusal.
		j.log.InfoContext(ctx, "write-back: refusal superseded by a created Stream order; applying that instead")
		return w.update(ctx, j, sh.StreamOrderNo)
	}
	t := target{tags: map[string]bool{linnworks.TagError: true}, notes: []note{refusalNote(j.msg.Refused)}, refusal: true}
	if sh == nil {
		sh = &shipment.Shipment{ProfileID: j.p.ID, OrderID: orderID}
	}
	return w.apply(ctx, j, sh, t)
}
