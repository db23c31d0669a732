package shipment

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Store keeps shipment records, manifests and event de-duplication marks,
// partitioned by profile: no call ever reads or writes another profile's
// records. Every write that guards against duplicates is conditional in the
// storage itself.
type Store interface {
	// Claim takes the right to create the Stream order of s.OrderID. s must
	// be a pending record (see CheckClaim). The outcome follows TakeOver:
	// s is stored if there is no record, or replaces a failed one; a
	// pending record whose lease ended at or before now is handed to
	// s.ClaimID with s.LeaseUntil, keeping its Stream order number; any
	// other record is returned unchanged with NotClaimed. Each write is
	// conditional on what was read (absence, state, claim ID, version).
	Claim(ctx context.Context, s *Shipment, now time.Time) (*Shipment, Claimed, error)
	// Get returns the record of the order; ErrNotFound when there is none.
	Get(ctx context.Context, profileID, orderID string) (*Shipment, error)
	// Update replaces the record if its stored Version equals s.Version,
	// then sets s.Version to the new version; ErrConflict otherwise,
	// ErrNotFound if there is no record.
	Update(ctx context.Context, s *Shipment) error
	// ByStreamOrder returns the record whose StreamOrderNo is orderNo;
	// ErrNotFound when there is none.
	ByStreamOrder(ctx context.Context, profileID, orderNo string) (*Shipment, error)
	// FileManifest files the listed orders into a new manifest, all or
	// nothing: every order must be created and in no manifest (a
	// *ManifestError names each that is not, and nothing is filed), except
	// that cancelled orders are left out and listed in Manifest.LeftOut (see
	// BuildManifest); ErrManifestExists if the reference is taken. At most
	// MaxManifestOrders distinct orders. No reader sees the manifest, or
	// any of its orders in it, before every order is filed; a filing that
	// fails part-way leaves every order as it was, in no manifest.
	FileManifest(ctx context.Context, req ManifestRequest) (*Manifest, error)
	// GetManifest returns a filed manifest; ErrNotFound when there is none.
	GetManifest(ctx context.Context, profileID, reference string) (*Manifest, error)
	// MarkEvent records that the event named key was seen, for ttl. first
	// is true for the first mark (or the first after the last one
	// expired); a concurrent or repeated mark gets false.
	MarkEvent(ctx context.Context, profileID, key string, ttl time.Duration) (first bool, err error)
	// ListOpen returns up to limit (1 to MaxOpenPage) of the profile's open
	// shipments (Open) created at or after since, in OpenKey order, after
	// the cursor after ("" starts at since), from an index that holds only
	// open shipments: closed and old records are never read. An index may
	// lag a write briefly; every record returned is read from the records
	// themselves and is open.
	ListOpen(ctx context.Context, profileID string, since time.Time, after string, limit int) (OpenPage, error)
	// PollCursor returns where the dispatch poll of the profile resumes; ""
	// when it starts afresh. SetPollCursor stores it ("" clears it). The
	// poll is the only writer, one run at a time, so the write is plain.
	PollCursor(ctx context.Context, profileID string) (string, error)
	SetPollCursor(ctx context.Context, profileID, cursor string) error
}

// Claimed is the outcome of Store.Claim.
type Claimed int

// Outcomes of a claim.
const (
	// NotClaimed: another record stands; it is returned unchanged.
	NotClaimed Claimed = iota
	// ClaimedNew: there was no record; the claim's record was stored.
	ClaimedNew
	// ClaimedFailed: Stream had refused the last attempt; the claim's
	// record replaced the failed one.
	ClaimedFailed
	// ClaimedExpired: a pending record's lease had ended; it is now held by
	// the claim, with its Stream order number kept. Stream may hold that
	// order: read it before posting.
	ClaimedExpired
)

func (c Claimed) String() string {
	switch c {
	case NotClaimed:
		return "not claimed"
	case ClaimedNew:
		return "claimed new"
	case ClaimedFailed:
		return "claimed failed"
	case ClaimedExpired:
		return "claimed expired"
	}
	return fmt.Sprintf("Claimed(%d)", int(c))
}

// CheckClaim checks a claim's record before a Store writes it: it must name
// its profile, order, Stream order number and claim, be pending and hold a
// lease that ends after now.
func CheckClaim(s *Shipment, now time.Time) error {
	switch {
	case s == nil:
		return errors.New("claim shipment: nil record")
	case s.ProfileID == "":
		return errors.New("claim shipment: no profile ID")
	case s.OrderID == "":
		return errors.New("claim shipment: no order ID")
	case s.StreamOrderNo == "":
		return fmt.Errorf("claim shipment %s: no Stream order number", s.OrderID)
	case s.State != StatePending:
		return fmt.Errorf("claim shipment %s: state %q, want %q", s.OrderID, s.State, StatePending)
	case s.ClaimID == "":
		return fmt.Errorf("claim shipment %s: no claim ID", s.OrderID)
	case !s.LeaseUntil.After(now):
		return fmt.Errorf("claim shipment %s: lease until %s is not after now %s", s.OrderID, s.LeaseUntil.Format(time.RFC3339Nano), now.Format(time.RFC3339Nano))
	}
	return nil
}

// CheckRecord checks a record before a Store writes it with Update.
func CheckRecord(s *Shipment) error {
	switch {
	case s == nil:
		return errors.New("write shipment: nil record")
	case s.ProfileID == "":
		return errors.New("write shipment: no profile ID")
	case s.OrderID == "":
		return errors.New("write shipment: no order ID")
	}
	switch s.State {
	case StatePending, StateCreated, StateFailed, StateCancelled:
		return nil
	}
	return fmt.Errorf("write shipment %s: unknown state %q", s.OrderID, s.State)
}

// TakeOver is the rule every Store applies to a claim: given the stored
// record (nil if none) and the claim's record, it returns the record to
// write and the outcome, or the stored record and NotClaimed. The record to
// write carries the next version; the Store writes it only if the stored
// record is still the one given (same version, state and claim ID).
func TakeOver(stored, claim *Shipment, now time.Time) (*Shipment, Claimed) {
	switch {
	case stored == nil:
		next := Clone(claim)
		next.Version = 1
		return next, ClaimedNew
	case stored.State == StateFailed:
		next := Clone(claim)
		next.CreatedAt = stored.CreatedAt
		next.Version = stored.Version + 1
		return next, ClaimedFailed
	case stored.State == StatePending && !stored.LeaseUntil.After(now):
		next := Clone(stored)
		next.ClaimID = claim.ClaimID
		next.LeaseUntil = claim.LeaseUntil
		next.UpdatedAt = claim.UpdatedAt
		next.Version = stored.Version + 1
		return next, ClaimedExpired
	}
	return Clone(stored), NotClaimed
}

// EventExpiry is when a mark made at now for ttl expires, to the second
// (DynamoDB's TTL reads epoch seconds); it is at least one second after now.
func EventExpiry(now time.Time, ttl time.Duration) time.Time {
	exp := now.Add(ttl).Truncate(time.Second)
	if !exp.After(now) {
		exp = now.Truncate(time.Second).Add(time.Second)
	}
	return exp
}

// MaxEventKey is the longest event key MarkEvent accepts, in bytes (a
// DynamoDB sort key holds at most 1024).
const MaxEventKey = 512

// CheckEvent checks the arguments of MarkEvent.
func CheckEvent(profileID, key string, ttl time.Duration) error {
	switch {
	case profileID == "":
		return errors.New("mark event: no profile ID")
	case key == "":
		return errors.New("mark event: empty key")
	case len(key) > MaxEventKey:
		return fmt.Errorf("mark event: key of %d bytes is longer than %d", len(key), MaxEventKey)
	case ttl <= 0:
		return fmt.Errorf("mark event %s: ttl %s is not positive", key, ttl)
	}
	return nil
}

// PickByStreamOrder chooses the record of a Stream order number among those
// an index lists: records whose number has changed since are ignored, and a
// failed attempt yields to a live record. ErrNotFound when none is left.
func PickByStreamOrder(found []*Shipment, orderNo string) (*Shipment, error) {
	var match []*Shipment
	for _, s := range found {
		if s != nil && orderNo != "" && s.StreamOrderNo == orderNo {
			match = append(match, s)
		}
	}
	if len(match) > 1 {
		var live []*Shipment
		for _, s := range match {
			if s.State != StateFailed {
				live = append(live, s)
			}
		}
		if len(live) > 0 {
			match = live
		} else {
			match = match[:1]
		}
	}
	switch len(match) {
	case 0:
		return nil, fmt.Errorf("shipment by stream order %s: %w", orderNo, ErrNotFound)
	case 1:
		return match[0], nil
	}
	return nil, fmt.Errorf("shipment by stream order %s: orders %s and %s both use it", orderNo, match[0].OrderID, match[1].OrderID)
}
