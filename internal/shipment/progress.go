package shipment

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Modify applies change to the record of the order and writes it if change
// returns true. The write is conditional on the version read; when another
// write came first, the record is read again and change applied again.
// It returns the record as stored.
func (c *Creator) Modify(ctx context.Context, profileID, orderID string, change func(*Shipment) (bool, error)) (*Shipment, error) {
	for range maxWriteRounds {
		s, err := c.Store.Get(ctx, profileID, orderID)
		if err != nil {
			return nil, err
		}
		write, err := change(s)
		if err != nil || !write {
			return s, err
		}
		err = c.Store.Update(ctx, s)
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, ErrConflict) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("update shipment %s: %d writes lost to concurrent changes: %w", orderID, maxWriteRounds, ErrConflict)
}

// Cancel marks the order's shipment cancelled, once Stream has accepted the
// cancellation (or deletion) of its Stream order. Cancelling a cancelled
// shipment returns it unchanged; a shipment without a created Stream order
// gives an error matching ErrNotCreated.
func (c *Creator) Cancel(ctx context.Context, profileID, orderID string) (*Shipment, error) {
	s, err := c.Modify(ctx, profileID, orderID, func(s *Shipment) (bool, error) {
		switch s.State {
		case StateCancelled:
			return false, nil
		case StateCreated:
		default:
			return false, fmt.Errorf("order %s is %s: %w", orderID, s.State, ErrNotCreated)
		}
		s.State = StateCancelled
		s.StreamStatus = StatusCancelled
		s.UpdatedAt = c.now()
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("cancel shipment: %w", err)
	}
	return s, nil
}

// Progress is what Stream reported about an order at one moment: its
// status, tracking and planning. Empty fields leave the record as it is.
type Progress struct {
	// At is when Stream reported it; a report older than the last one
	// applied is ignored. Zero means now.
	At           time.Time
	StreamStatus string
	TrackingID   string
	TrackingURL  string
	Run          string
	Day          string
	Sequence     int
}

// RecordProgress applies a Stream report to the order's shipment and tells
// whether it was applied (false for a report older than the last one, or
// for a failed record, which has no Stream order). A CANCELLED status
// cancels a created shipment.
func (c *Creator) RecordProgress(ctx context.Context, profileID, orderID string, p Progress) (*Shipment, bool, error) {
	at := p.At
	if at.IsZero() {
		at = c.now()
	}
	applied := false
	s, err := c.Modify(ctx, profileID, orderID, func(s *Shipment) (bool, error) {
		applied = false
		if s.State == StateFailed || (!s.LastEventAt.IsZero() && at.Before(s.LastEventAt)) {
			return false, nil
		}
		set := func(dst *string, v string) {
			if v != "" {
				*dst = v
			}
		}
		set(&s.StreamStatus, p.StreamStatus)
		set(&s.TrackingID, p.TrackingID)
		set(&s.TrackingURL, p.TrackingURL)
		set(&s.Run, p.Run)
		set(&s.Day, p.Day)
		if p.Sequence > 0 {
			s.Sequence = p.Sequence
		}
		if s.State == StateCreated && strings.EqualFold(p.StreamStatus, StatusCancelled) {
			s.State = StateCancelled
		}
		s.LastEventAt = at
		s.UpdatedAt = c.now()
		applied = true
		return true, nil
	})
	if err != nil {
		return nil, false, fmt.Errorf("record progress of order %s: %w", orderID, err)
	}
	return s, applied, nil
}

// maxManifestsPerDay bounds the references FileManifest tries.
const maxManifestsPerDay = 999

// FileManifest files the orders into a new manifest under the first free
// reference of today (STRM-YYYYMMDD-NNN in Location), all or nothing (see
// Store.FileManifest).
func (c *Creator) FileManifest(ctx context.Context, profileID string, orderIDs []string) (*Manifest, error) {
	now := c.now()
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	day := now.In(loc)
	for seq := 1; seq <= maxManifestsPerDay; seq++ {
		ref := ManifestReference(day, seq)
		// The filing is conditional on the reference being free, and a
		// store refuses a used one before it reads the orders.
		m, err := c.Store.FileManifest(ctx, ManifestRequest{ProfileID: profileID, Reference: ref, OrderIDs: orderIDs, FiledAt: now})
		if errors.Is(err, ErrManifestExists) {
			continue
		}
		if err != nil {
			return nil, err
		}
		c.log().InfoContext(ctx, "manifest filed", "profile", ShortID(profileID), "manifest", ref, "orders", len(m.Orders))
		return m, nil
	}
	return nil, fmt.Errorf("file manifest: all %d references of %s are used", maxManifestsPerDay, day.Format("2006-01-02"))
}
