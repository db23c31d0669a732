package shipment

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"linnstream/internal/stream"
)

// Stream is the part of the Stream client the Creator uses: one order
// create and one order read. *stream.Client implements it.
type Stream interface {
	// CreateOrder posts the order once. An error matching
	// stream.ErrOutcomeUnknown means Stream may have processed it.
	CreateOrder(ctx context.Context, o *stream.Order) (*stream.CreateResult, error)
	// GetOrder reads an order by order number; stream.ErrNotFound when
	// Stream does not hold it.
	GetOrder(ctx context.Context, id string) (*stream.OrderDetail, error)
}

var _ Stream = (*stream.Client)(nil)

// Defaults of a Creator.
const (
	// DefaultLease is how long a claim lasts after its holder last renewed
	// it. The holder renews it every third of a lease while it works, so a
	// live holder keeps it however slow Stream is, and a claim whose holder
	// died (a Lambda killed mid-request) ends within one lease: a relabel
	// then takes it over, reading Stream first, well inside its own 25 s.
	DefaultLease   = 10 * time.Second
	defaultPollMin = 20 * time.Millisecond
	defaultPollMax = 500 * time.Millisecond

	// maxCreateRounds bounds the posts of one claim; a post is repeated only
	// after a read showed that Stream does not hold the order.
	maxCreateRounds = 3
	// maxClaimRounds bounds the claims of one Ensure.
	maxClaimRounds = 10
	// maxWriteRounds bounds the retries of a write that lost a version race.
	maxWriteRounds = 10
	// settleTimeout bounds the writes that record an outcome. They run even
	// when the caller's context has ended: an order Stream accepted must be
	// recorded.
	settleTimeout = 15 * time.Second

	// StatusCancelled is the Stream order status of a cancelled order.
	StatusCancelled = "CANCELLED"
)

// Errors of the Creator; compare with errors.Is.
var (
	// ErrPending: the order's creation is not settled: Stream's answer was
	// lost and could not be checked yet, or another request is still
	// creating it. The record stays pending; the next attempt reads Stream
	// before posting anything.
	ErrPending = errors.New("stream order creation is not settled")
	// ErrCancelled is matched by *CancelledError.
	ErrCancelled = errors.New("stream order was cancelled")
	// ErrRefused is matched by *RefusedError.
	ErrRefused = errors.New("stream refused the order")
	// ErrOrderNoTaken: Stream holds an order with the number that is not
	// this order (another profile sharing the Stream account without its
	// own order number prefix).
	ErrOrderNoTaken = errors.New("stream order number belongs to another order")
	// ErrNotCreated: the operation needs a created Stream order.
	ErrNotCreated = errors.New("no stream order was created")
)

// RefusedError is an order Stream definitely did not create: it refused it
// (Messages are its messages), the client refused to send it, or it could
// not be built. The record is failed; a corrected request may try again.
type RefusedError struct {
	OrderID       string
	StreamOrderNo string
	Messages      []string
	// Err is the cause when known to this request (a *stream.ValidationError,
	// ErrOrderNoTaken …); nil when the refusal was read from the record of
	// another request.
	Err error
}

func (e *RefusedError) Error() string {
	text := strings.Join(e.Messages, "; ")
	if text == "" {
		text = "no reason given"
	}
	return fmt.Sprintf("stream refused order %s (Stream order %s): %s", e.OrderID, e.StreamOrderNo, text)
}

func (e *RefusedError) Unwrap() error { return e.Err }

// Is makes RefusedError match ErrRefused.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// CancelledError is an order whose Stream order was cancelled. Stream keeps
// cancelled order numbers and a Linnworks order gets at most one Stream
// order, so it cannot be shipped again under the same Linnworks order.
type CancelledError struct {
	OrderID       string
	StreamOrderNo string
	ConsignmentNo string
}

func (e *CancelledError) Error() string {
	return fmt.Sprintf("order %s: its Stream order %s (consignment %s) was cancelled; a Stream order is created only once per Linnworks order, so shipping it again needs a new Linnworks order",
		e.OrderID, e.StreamOrderNo, e.ConsignmentNo)
}

// Is makes CancelledError match ErrCancelled.
func (e *CancelledError) Is(target error) bool { return target == ErrCancelled }

// errLostClaim: while this request was working, another one took its claim
// over (its lease had ended). The order is settled by whoever holds it.
var errLostClaim = errors.New("claim was taken over by another request")

// errLeaseLapsing cuts a holder's Stream calls when its lease is about to
// end without a renewal (the store is failing), so that a request taking
// the claim over never posts alongside it.
var errLeaseLapsing = errors.New("the claim's lease could not be renewed")

// Marker returns the mark the Creator stamps on every Stream order it
// creates for the profile, in the header's externalClientId, which Stream
// echoes when the order is read. It is a short hash of the profile ID: it
// reveals nothing of the profile, its token or its key, and differs between
// profiles. An order read back is adopted only when it carries the mark of
// the profile reading it, so a profile never takes another's order for its
// own, whatever else the two orders share.
func Marker(profileID string) string {
	sum := sha256.Sum256([]byte("linnstream stream order marker\x00" + profileID))
	return "LS" + hex.EncodeToString(sum[:7])
}

// Creator creates Stream orders at most once per profile and Linnworks
// order. Set Store; the other fields have working defaults. It is safe for
// concurrent use.
type Creator struct {
	Store Store
	// Now is the clock of leases and timestamps; nil means time.Now.
	Now func() time.Time
	// Lease is how long a claim lasts without a renewal; zero means
	// DefaultLease. The holder renews it every third of a lease and cuts its
	// Stream calls when a fifth is left unrenewed.
	Lease time.Duration
	// PollMin and PollMax bound the wait between reads of a record another
	// request is creating; zero means 20ms and 500ms.
	PollMin, PollMax time.Duration
	// Location is where manifest dates are counted; nil means UTC.
	Location *time.Location
	// Logger receives outcomes (no addresses or secrets); nil discards.
	Logger *slog.Logger
}

// EnsureRequest asks for the Stream order of one Linnworks order.
type EnsureRequest struct {
	ProfileID string
	// OrderID is the Linnworks NumOrderId as a decimal string.
	OrderID string
	Origin  Origin
	// Order is what to post to Stream. Its Header.OrderNo is the Stream
	// order number; it must be unique in the Stream account, so profiles
	// sharing an account need distinct order number prefixes. Ensure posts
	// a copy whose Header.ExternalClientID is Marker(ProfileID); the
	// caller's value there is replaced.
	Order *stream.Order
	// Stream is the client of the profile's Stream account.
	Stream Stream
	// Details are recorded with the shipment; empty consignee and delivery
	// method fields are taken from Order.
	Details Details
}

func (r *EnsureRequest) check() error {
	switch {
	case r.ProfileID == "":
		return errors.New("ensure stream order: no profile ID")
	case r.OrderID == "":
		return errors.New("ensure stream order: no order ID")
	case !r.Origin.Valid():
		return fmt.Errorf("ensure stream order %s: origin %q is not label or sync", r.OrderID, r.Origin)
	case r.Order == nil:
		return fmt.Errorf("ensure stream order %s: no Stream order", r.OrderID)
	case strings.TrimSpace(r.Order.Header.OrderNo) == "":
		return fmt.Errorf("ensure stream order %s: the Stream order has no order number", r.OrderID)
	case r.Stream == nil:
		return fmt.Errorf("ensure stream order %s: no Stream client", r.OrderID)
	}
	return nil
}

func (c *Creator) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c *Creator) lease() time.Duration {
	if c.Lease > 0 {
		return c.Lease
	}
	return DefaultLease
}

func (c *Creator) log() *slog.Logger {
	if c.Logger != nil {
		return c.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (c *Creator) pollBounds() (time.Duration, time.Duration) {
	lo, hi := c.PollMin, c.PollMax
	if lo <= 0 {
		lo = defaultPollMin
	}
	if hi < lo {
		hi = max(defaultPollMax, lo)
	}
	return lo, hi
}

func newClaimID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// Ensure returns the created shipment of the order, creating its Stream
// order if no request has. Repeated and concurrent calls for one order get
// the same consignment and tracking; at most one Stream order is ever
// created for it:
//
//   - the record is claimed with a conditional write before Stream is called;
//   - the claim holder posts the order; if the answer is lost it reads the
//     order back by number and posts again only when Stream does not hold it;
//   - a request that finds the order claimed waits for the holder (bounded by
//     ctx) and returns its outcome; when the holder's lease ends, it takes the
//     claim over and reads Stream before posting anything.
//
// A definite refusal by Stream marks the record failed and returns a
// *RefusedError; a later call may try again. A cancelled order returns a
// *CancelledError. An unsettled outcome returns an error matching
// ErrPending and leaves the record for the next attempt to settle.
func (c *Creator) Ensure(ctx context.Context, req EnsureRequest) (*Shipment, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	stamped := *req.Order
	stamped.Header.ExternalClientID = Marker(req.ProfileID)
	req.Order = &stamped
	log := c.log().With("profile", ShortID(req.ProfileID), "order_id", req.OrderID, "stream_order_no", req.Order.Header.OrderNo)
	for round := 0; round < maxClaimRounds; round++ {
		now := c.now()
		cur, how, err := c.Store.Claim(ctx, c.claimRecord(&req, now), now)
		if err != nil {
			return nil, fmt.Errorf("ensure stream order for order %s: %w", req.OrderID, err)
		}
		if how != NotClaimed {
			s, err := c.holding(ctx, &req, cur, how, log)
			if errors.Is(err, errLostClaim) {
				continue
			}
			return s, err
		}
		switch cur.State {
		case StateCreated:
			return cur, nil
		case StateCancelled:
			return nil, cancelledError(cur)
		case StatePending:
			settled, err := c.wait(ctx, cur)
			if err != nil {
				return nil, err
			}
			if settled == nil {
				continue // the holder's lease ended: claim it
			}
			switch settled.State {
			case StateCreated:
				return settled, nil
			case StateCancelled:
				return nil, cancelledError(settled)
			case StateFailed:
				// This request raced the one that was refused; it shares
				// its outcome rather than posting the same order again.
				return nil, refusedFromRecord(settled)
			}
		}
	}
	return nil, fmt.Errorf("ensure stream order for order %s: gave up after %d claims: %w", req.OrderID, maxClaimRounds, ErrPending)
}

// holding settles a claim this request holds. While it works, a heartbeat
// renews the claim's lease; its Stream calls are cut when the claim is lost
// or its lease is about to end unrenewed, so a request taking the claim
// over never runs alongside a create still in flight.
func (c *Creator) holding(ctx context.Context, req *EnsureRequest, held *Shipment, how Claimed, log *slog.Logger) (*Shipment, error) {
	h := &hold{c: c, rec: held}
	work, cut := context.WithCancelCause(ctx)
	defer cut(nil)
	stop := h.heartbeat(work, cut, log)
	defer stop()
	if how == ClaimedExpired {
		log.WarnContext(ctx, "shipment claim taken over; reading Stream before any create",
			"stored_stream_order_no", held.StreamOrderNo)
		return c.recover(work, req, h, log)
	}
	log.InfoContext(ctx, "shipment claimed", "claim", how.String(), "origin", string(req.Origin))
	return c.post(work, req, h, log)
}

// hold is a claim this request holds: the record as it last wrote it.
// Writes of the outcome and renewals of the lease take turns on it.
type hold struct {
	c   *Creator
	mu  sync.Mutex
	rec *Shipment
	// ended: the claim was settled, released or lost; nothing renews it.
	ended bool
}

// heartbeat renews the lease every third of a lease until stop is called.
// It cuts the work (cut) when the claim is lost, or when a fifth of the
// lease is left and no renewal has succeeded.
func (h *hold) heartbeat(ctx context.Context, cut context.CancelCauseFunc, log *slog.Logger) (stop func()) {
	lease := h.c.lease()
	margin := lease / 5
	h.mu.Lock()
	left := h.rec.LeaseUntil.Sub(h.c.now())
	h.mu.Unlock()
	lapse := time.AfterFunc(max(left-margin, 0), func() { cut(errLeaseLapsing) })
	done := make(chan struct{})
	quit := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(max(lease/3, time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			until, err := h.renew(ctx, lease/3)
			switch {
			case errors.Is(err, errLostClaim):
				log.WarnContext(ctx, "shipment claim taken over by another request while this one worked")
				cut(errLostClaim)
				return
			case err != nil:
				// The lapse timer still runs: if no renewal lands before
				// it fires, the work stops.
				log.WarnContext(ctx, "shipment claim not renewed", "error", err.Error())
			case until.IsZero():
				return // the claim ended
			default:
				lapse.Reset(max(until.Sub(h.c.now())-margin, 0))
			}
		}
	}()
	return func() {
		close(quit)
		<-done
		lapse.Stop()
	}
}

// renew extends the lease of the claim by a lease from now and returns its
// new end; the zero time when the claim has ended, errLostClaim when
// another request holds it now.
func (h *hold) renew(ctx context.Context, timeout time.Duration) (time.Time, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ended {
		return time.Time{}, nil
	}
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	next, err := h.write(wctx, func(s *Shipment) { s.LeaseUntil = h.c.now().Add(h.c.lease()) })
	if err != nil {
		return time.Time{}, err
	}
	return next.LeaseUntil, nil
}

// settle writes change to the record while this request's claim holds it;
// end says the write ends the claim (no renewal follows it). The write
// runs even when ctx has ended: an order Stream accepted must be recorded.
// errLostClaim when another request holds the claim now.
func (h *hold) settle(ctx context.Context, end bool, change func(*Shipment)) (*Shipment, error) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
	defer cancel()
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ended {
		return nil, errLostClaim
	}
	next, err := h.write(wctx, change)
	if err == nil && end {
		h.ended = true
	}
	return next, err
}

// write applies change to the record and writes it, conditional on its
// version; when another write came first, the record is read again and the
// change re-applied as long as it is still pending under this claim.
// h.mu is held.
func (h *hold) write(ctx context.Context, change func(*Shipment)) (*Shipment, error) {
	cur := h.rec
	for range maxWriteRounds {
		next := Clone(cur)
		change(next)
		err := h.c.Store.Update(ctx, next)
		if err == nil {
			h.rec = next
			return next, nil
		}
		if !errors.Is(err, ErrConflict) {
			return nil, err
		}
		if cur, err = h.c.Store.Get(ctx, h.rec.ProfileID, h.rec.OrderID); err != nil {
			return nil, err
		}
		if cur.State != StatePending || cur.ClaimID != h.rec.ClaimID {
			h.ended = true
			return nil, errLostClaim
		}
	}
	return nil, fmt.Errorf("update shipment %s: %d writes lost to concurrent changes: %w", h.rec.OrderID, maxWriteRounds, ErrConflict)
}

// current returns the record as this request last wrote it.
func (h *hold) current() *Shipment {
	h.mu.Lock()
	defer h.mu.Unlock()
	return Clone(h.rec)
}

// claimRecord is the pending record a request claims with.
func (c *Creator) claimRecord(req *EnsureRequest, now time.Time) *Shipment {
	s := &Shipment{
		ProfileID:  req.ProfileID,
		OrderID:    req.OrderID,
		State:      StatePending,
		Origin:     req.Origin,
		ClaimID:    newClaimID(),
		LeaseUntil: now.Add(c.lease()),
		CreatedAt:  now,
		UpdatedAt:  now,
	}
	describe(s, req)
	return s
}

// describe sets what the record says about the order to be posted.
func describe(s *Shipment, req *EnsureRequest) {
	s.Details = req.Details
	s.Packages = append([]Package(nil), req.Details.Packages...)
	s.Origin = req.Origin
	s.StreamOrderNo = strings.TrimSpace(req.Order.Header.OrderNo)
	s.CustomerOrderNo = req.Order.Header.CustomerOrderNo
	addr, method := legOf(req.Order)
	if s.DeliveryMethod == "" {
		s.DeliveryMethod = method
	}
	if addr != nil {
		if s.ConsigneeName == "" {
			s.ConsigneeName = addr.Name
		}
		if s.ConsigneePostcode == "" {
			s.ConsigneePostcode = addr.Postcode
		}
	}
	if s.ConsigneeName == "" && req.Order.Header.Customer != nil {
		s.ConsigneeName = req.Order.Header.Customer.Name
	}
}

// legOf returns the address and method of the order's delivery or
// collection leg.
func legOf(o *stream.Order) (*stream.Address, string) {
	switch {
	case o.Delivery != nil:
		return &o.Delivery.Address, o.Delivery.DeliveryMethod
	case o.Collection != nil:
		return &o.Collection.Address, o.Collection.CollectionMethod
	}
	return nil, ""
}

// recover settles a claim taken over from a request whose lease ended: that
// request may have posted the order, so Stream is read first.
func (c *Creator) recover(ctx context.Context, req *EnsureRequest, h *hold, log *slog.Logger) (*Shipment, error) {
	held := h.current()
	found, err := req.Stream.GetOrder(ctx, held.StreamOrderNo)
	switch {
	case err == nil:
		log.InfoContext(ctx, "stream order found after take-over; checking it is this order's")
		return c.adopt(ctx, h, found)
	case !errors.Is(err, stream.ErrNotFound):
		return nil, c.release(ctx, h, fmt.Errorf("read stream order %s: %w", held.StreamOrderNo, err))
	}
	// Stream does not hold it: record what is about to be posted (the order
	// number may differ from the stored one), then post.
	if _, err = h.settle(ctx, false, func(s *Shipment) {
		describe(s, req)
		s.UpdatedAt = c.now()
	}); err != nil {
		return nil, err
	}
	return c.post(ctx, req, h, log)
}

// post creates the order in Stream for the claim held. A post is repeated
// only after a read showed Stream does not hold the order.
func (c *Creator) post(ctx context.Context, req *EnsureRequest, h *hold, log *slog.Logger) (*Shipment, error) {
	no := h.current().StreamOrderNo
	var last error
	for round := 0; round < maxCreateRounds; round++ {
		res, err := req.Stream.CreateOrder(ctx, req.Order)
		var ve *stream.ValidationError
		switch {
		case err == nil:
			return c.finish(ctx, h, created{
				consignmentNo: res.ConsignmentNo, customerOrderNo: res.CustomerOrderNo,
				trackingID: res.TrackingID, trackingURL: res.TrackingURL,
			})
		case stream.IsDuplicate(err), errors.Is(err, stream.ErrOutcomeUnknown):
			log.WarnContext(ctx, "stream create not confirmed; reading the order back", "error", err.Error())
			found, gerr := req.Stream.GetOrder(ctx, no)
			switch {
			case gerr == nil:
				return c.adopt(ctx, h, found)
			case errors.Is(gerr, stream.ErrNotFound):
				last = err
				continue
			default:
				return nil, c.release(ctx, h, fmt.Errorf("%w; reading it back: %w", err, gerr))
			}
		case errors.As(err, &ve):
			msgs := make([]string, 0, len(ve.Messages))
			for _, m := range ve.Messages {
				msgs = append(msgs, m.String())
			}
			log.InfoContext(ctx, "stream refused the order", "messages", len(msgs))
			return nil, c.fail(ctx, h, msgs, err)
		default:
			if cause := context.Cause(ctx); errors.Is(cause, errLostClaim) {
				return nil, errLostClaim
			}
			return nil, c.release(ctx, h, err)
		}
	}
	return nil, c.release(ctx, h, fmt.Errorf("stream order %s not confirmed after %d creates: %w", no, maxCreateRounds, last))
}

// created is what the record learns from Stream about a created order.
type created struct {
	consignmentNo, customerOrderNo, trackingID, trackingURL, status string
}

// adopt records an order read back from Stream as this order's, after
// checking that it is: an order with the number that another profile
// created (sharing the Stream account), or that was created for another
// order, is refused.
func (c *Creator) adopt(ctx context.Context, h *hold, d *stream.OrderDetail) (*Shipment, error) {
	held := h.current()
	if why := mismatch(held, d); why != "" {
		msg := fmt.Sprintf("Stream already holds an order numbered %s %s; give each integration that shares this Stream account its own order number prefix", held.StreamOrderNo, why)
		return nil, c.fail(ctx, h, []string{msg}, ErrOrderNoTaken)
	}
	return c.finish(ctx, h, created{
		consignmentNo: d.Header.ConsignmentNo, customerOrderNo: d.Header.CustomerOrderNo,
		trackingID: d.TrackingID, trackingURL: d.TrackingURL, status: d.Header.OrderStatus,
	})
}

// mismatch says what shows that the order read back is not the one the
// record describes, or returns "". The profile's mark decides; the customer
// order number and postcode catch an order number the profile itself used
// for another order (its prefix changed, say).
func mismatch(held *Shipment, d *stream.OrderDetail) string {
	if strings.TrimSpace(d.Header.ExternalClientID) != Marker(held.ProfileID) {
		return "that this integration did not create"
	}
	if a, b := strings.TrimSpace(held.CustomerOrderNo), strings.TrimSpace(d.Header.CustomerOrderNo); a != "" && b != "" && !strings.EqualFold(a, b) {
		return "for a different customer order number"
	}
	if a, b := normPostcode(held.ConsigneePostcode), normPostcode(postcodeOf(d)); a != "" && b != "" && a != b {
		return "for a different delivery postcode"
	}
	return ""
}

func postcodeOf(d *stream.OrderDetail) string {
	for _, g := range d.Groups {
		if g.Address != nil && g.Address.Postcode != "" {
			return g.Address.Postcode
		}
	}
	if d.Header.Customer != nil && d.Header.Customer.Address != nil {
		return d.Header.Customer.Address.Postcode
	}
	return ""
}

func normPostcode(p string) string {
	return strings.ToUpper(strings.Join(strings.Fields(p), ""))
}

// finish records the created order and ends the claim.
func (c *Creator) finish(ctx context.Context, h *hold, r created) (*Shipment, error) {
	s, err := h.settle(ctx, true, func(s *Shipment) {
		s.State = StateCreated
		s.ConsignmentNo = r.consignmentNo
		if r.customerOrderNo != "" {
			s.CustomerOrderNo = r.customerOrderNo
		}
		s.TrackingID = r.trackingID
		s.TrackingURL = r.trackingURL
		if r.status != "" {
			s.StreamStatus = r.status
		}
		if strings.EqualFold(r.status, StatusCancelled) {
			s.State = StateCancelled
		}
		s.LastError = ""
		s.ClaimID = ""
		s.LeaseUntil = time.Time{}
		s.UpdatedAt = c.now()
	})
	if err != nil {
		if errors.Is(err, errLostClaim) {
			return nil, err
		}
		held := h.current()
		return nil, fmt.Errorf("record stream order %s (consignment %s): %w: %w", held.StreamOrderNo, r.consignmentNo, ErrPending, err)
	}
	if s.State == StateCancelled {
		return nil, cancelledError(s)
	}
	return s, nil
}

// fail records a definite refusal and ends the claim, so that a corrected
// request may claim the order again. errLostClaim when another request
// holds the claim now: its outcome is the order's, not this refusal.
func (c *Creator) fail(ctx context.Context, h *hold, msgs []string, cause error) error {
	held := h.current()
	refused := &RefusedError{OrderID: held.OrderID, StreamOrderNo: held.StreamOrderNo, Messages: msgs, Err: cause}
	_, err := h.settle(ctx, true, func(s *Shipment) {
		s.State = StateFailed
		s.LastError = strings.Join(msgs, "\n")
		s.ClaimID = ""
		s.LeaseUntil = time.Time{}
		s.UpdatedAt = c.now()
	})
	switch {
	case errors.Is(err, errLostClaim):
		return errLostClaim
	case err != nil:
		return fmt.Errorf("%w (recording it failed: %w)", refused, err)
	}
	return refused
}

// release keeps the record pending but ends the lease at once, so that the
// next attempt takes it over and reads Stream before posting. It returns
// the error for the caller, matching ErrPending; errLostClaim when another
// request holds the claim now.
func (c *Creator) release(ctx context.Context, h *hold, cause error) error {
	held := h.current()
	_, err := h.settle(ctx, true, func(s *Shipment) {
		s.LastError = cause.Error()
		s.LeaseUntil = c.now()
		s.UpdatedAt = s.LeaseUntil
	})
	switch {
	case errors.Is(err, errLostClaim):
		return errLostClaim
	case err != nil:
		return fmt.Errorf("create stream order %s for order %s: %w: %w (recording it failed: %v)", held.StreamOrderNo, held.OrderID, ErrPending, cause, err)
	}
	return fmt.Errorf("create stream order %s for order %s: %w; it will be read from Stream before any new create: %w", held.StreamOrderNo, held.OrderID, ErrPending, cause)
}

// wait polls a record another request holds until it is settled (returned)
// or the holder's lease ends (nil), bounded by ctx.
func (c *Creator) wait(ctx context.Context, seen *Shipment) (*Shipment, error) {
	lo, hi := c.pollBounds()
	delay := lo
	for {
		left := seen.LeaseUntil.Sub(c.now())
		if left <= 0 {
			return nil, nil
		}
		busy := func() error {
			return fmt.Errorf("order %s: another request is creating its Stream order %s: %w: %w", seen.OrderID, seen.StreamOrderNo, ErrPending, ctx.Err())
		}
		t := time.NewTimer(max(min(delay, left), lo))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, busy()
		case <-t.C:
		}
		delay = min(delay*2, hi)
		cur, err := c.Store.Get(ctx, seen.ProfileID, seen.OrderID)
		if err != nil {
			if ctx.Err() != nil {
				return nil, busy()
			}
			return nil, fmt.Errorf("wait for order %s: %w", seen.OrderID, err)
		}
		if cur.State != StatePending {
			return cur, nil
		}
		seen = cur
	}
}

func cancelledError(s *Shipment) error {
	return &CancelledError{OrderID: s.OrderID, StreamOrderNo: s.StreamOrderNo, ConsignmentNo: s.ConsignmentNo}
}

func refusedFromRecord(s *Shipment) error {
	var msgs []string
	if s.LastError != "" {
		msgs = strings.Split(s.LastError, "\n")
	}
	return &RefusedError{OrderID: s.OrderID, StreamOrderNo: s.StreamOrderNo, Messages: msgs}
}
