package writeback

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"linnstream/internal/linnworks"
	"linnstream/internal/profile"
	"linnstream/internal/shipment"
	"linnstream/internal/wizard"
)

// maxRecordRounds bounds the conditional writes of one record before a
// conflict is handed back as an error (and the message retried).
const maxRecordRounds = 5

// apply reads the Linnworks order of sh once, writes what differs from t
// (tracking first, processing last) and records what was applied on sh.
func (w *Writer) apply(ctx context.Context, j *job, sh *shipment.Shipment, t target) error {
	num, err := strconv.Atoi(sh.OrderID)
	if err != nil || num <= 0 {
		j.log.WarnContext(ctx, "write-back dropped: the shipment's order id is not a Linnworks order number")
		return nil
	}
	o, err := w.lw.OrderByNumOrderID(ctx, j.token, num)
	switch {
	case errors.Is(err, linnworks.ErrOrderNotFound):
		j.log.WarnContext(ctx, "write-back dropped: Linnworks does not know the order")
		return nil
	case err != nil:
		return w.failed(ctx, j, "read the Linnworks order", err)
	}
	rec := cloneApplied(sh.Applied)
	rec.LinnworksOrderID = o.OrderID
	wrote := false

	have := map[string]bool{}
	for _, id := range o.GeneralInfo.Identifiers {
		if up := strings.ToUpper(strings.TrimSpace(id.Tag)); ourTags[up] != "" {
			have[up] = true
		}
	}
	if !o.Processed {
		// Processing is one-way and a processed order's shipping info is
		// frozen, so the tracking number goes first.
		if t.tracking != "" && o.ShippingInfo.TrackingNumber != t.tracking {
			if _, err := w.lw.WriteTrackingNumber(ctx, j.token, o, t.tracking); err != nil {
				return w.failed(ctx, j, "write the tracking number", err)
			}
			wrote = true
		}
		if !t.refusal {
			for _, up := range slices.Sorted(maps.Keys(have)) {
				if t.tags[up] {
					continue
				}
				if _, err := w.lw.UnassignIdentifier(ctx, j.token, ourTags[up], o.OrderID); err != nil {
					return w.failed(ctx, j, "unassign identifier "+ourTags[up], err)
				}
				delete(have, up)
				wrote = true
			}
		}
		for _, tag := range slices.Sorted(maps.Keys(t.tags)) {
			up := strings.ToUpper(tag)
			if have[up] {
				continue
			}
			if _, err := w.lw.AssignIdentifier(ctx, j.token, ourTags[up], o.OrderID); err != nil {
				return w.failed(ctx, j, "assign identifier "+ourTags[up], err)
			}
			have[up] = true
			wrote = true
		}
		if t.manage {
			if merged, changed := mergeProps(o.ExtendedProperties, t.props); changed {
				if _, err := w.lw.SetExtendedProperties(ctx, j.token, o.OrderID, merged); err != nil {
					return w.failed(ctx, j, "set extended properties", err)
				}
				wrote = true
			}
			rec.Properties = maps.Clone(t.props)
		}
		if t.tracking != "" {
			rec.TrackingNumber = t.tracking
		}
	}
	noted := map[string]bool{}
	for _, n := range o.Notes {
		noted[n.Note] = true
	}
	for _, n := range t.notes {
		ok, err := w.note(ctx, j, o, &rec, noted, n)
		if err != nil {
			return err
		}
		wrote = wrote || ok
	}
	if t.process && !o.Processed {
		_, err := w.lw.ProcessOrder(ctx, j.token, o.OrderID, linnworks.ProcessOptions{})
		var de *linnworks.DataError
		switch {
		case err == nil:
			rec.ProcessedAt = w.now().UTC()
			wrote = true
			j.log.InfoContext(ctx, "write-back processed the Linnworks order")
		case errors.As(err, &de) && !linnworks.IsRetryable(err) && !linnworks.IsTokenRevoked(err) && w.processedMeanwhile(ctx, j, num):
			// Processed since it was read: by a message about the same
			// order under its other Stream reference (a different queue
			// group, so it may run at the same time), or by a user.
			// What was wanted is done; there is nothing to tell.
			rec.ProcessedAt = w.now().UTC()
		case errors.As(err, &de) && !linnworks.IsRetryable(err) && !linnworks.IsTokenRevoked(err):
			// Linnworks will not process it as it stands (parked, locked,
			// unpaid): retrying cannot help, a note tells the user why.
			reason := strings.TrimSpace(de.Message)
			ok, err := w.note(ctx, j, o, &rec, noted, note{key: "process:" + strings.ToLower(reason),
				text: "Stream: the order was delivered, but Linnworks did not process it: " + reason})
			if err != nil {
				return err
			}
			wrote = wrote || ok
		default:
			return w.failed(ctx, j, "process the Linnworks order", err)
		}
	}
	rec.Identifiers = slices.Sorted(maps.Keys(have))
	for i, up := range rec.Identifiers {
		rec.Identifiers[i] = ourTags[up]
	}
	if wrote {
		rec.At = w.now().UTC()
	}
	return w.record(ctx, j, sh, rec, t)
}

// processedMeanwhile reports whether the Linnworks order is processed now,
// reading it again; a failed read says no.
func (w *Writer) processedMeanwhile(ctx context.Context, j *job, num int) bool {
	o, err := w.lw.OrderByNumOrderID(ctx, j.token, num)
	return err == nil && o.Processed
}

// note writes n unless it was written before (recorded on the shipment) or
// the order already carries the same text (a retry after a write whose
// record was lost). It reports whether it wrote.
func (w *Writer) note(ctx context.Context, j *job, o linnworks.Order, rec *shipment.Applied, noted map[string]bool, n note) (bool, error) {
	if rec.HasNote(n.key) {
		return false, nil
	}
	if noted[n.text] {
		rec.Notes = append(rec.Notes, n.key)
		return false, nil
	}
	var err error
	if o.Processed {
		err = w.lw.AppendProcessedOrderNote(ctx, j.token, o.OrderID, n.text, true)
	} else {
		_, err = w.lw.AppendOrderNote(ctx, j.token, o.OrderID, n.text, true)
	}
	if err != nil {
		return false, w.failed(ctx, j, "add a note", err)
	}
	noted[n.text] = true
	rec.Notes = append(rec.Notes, n.key)
	return true, nil
}

// mergeProps returns the order's extended properties with the
// integration's set to want (added, changed or removed) and every other
// property as it was, and whether anything changed.
func mergeProps(current []linnworks.ExtendedProperty, want map[string]string) ([]linnworks.ExtendedProperty, bool) {
	out := make([]linnworks.ExtendedProperty, 0, len(current)+len(want))
	seen := map[string]bool{}
	changed := false
	for _, p := range current {
		i := slices.IndexFunc(ourProps, func(n string) bool { return strings.EqualFold(n, strings.TrimSpace(p.Name)) })
		if i < 0 {
			out = append(out, p)
			continue
		}
		name := ourProps[i]
		v, ok := want[name]
		if !ok || seen[name] {
			changed = true
			continue
		}
		seen[name] = true
		if p.Value != v {
			p.Value = v
			changed = true
		}
		out = append(out, p)
	}
	for _, name := range ourProps {
		if v, ok := want[name]; ok && !seen[name] {
			out = append(out, linnworks.ExtendedProperty{Name: name, Value: v, Type: propType})
			changed = true
		}
	}
	return out, changed
}

// failed turns a Linnworks failure into Handle's error. A refused token is
// recorded on the profile first, so the user is told and later messages
// wait without calling Linnworks.
func (w *Writer) failed(ctx context.Context, j *job, what string, err error) error {
	if linnworks.IsTokenRevoked(err) {
		w.recordRefusedToken(ctx, j)
		return fmt.Errorf("write-back: %s: %w: %w", what, ErrTokenRefused, err)
	}
	return fmt.Errorf("write-back: %s: %w", what, err)
}

// recordRefusedToken marks the profile's token refused, unless the token
// was replaced since the message started: a token saved meanwhile has not
// been refused.
func (w *Writer) recordRefusedToken(ctx context.Context, j *job) {
	j.log.WarnContext(ctx, "Linnworks refused the profile's API token; write-backs are held until a working one is saved")
	for range maxRecordRounds {
		p, err := w.profiles.Get(ctx, j.p.ID)
		if err != nil {
			j.log.WarnContext(ctx, "refused Linnworks token not recorded", "error", err.Error())
			return
		}
		if p.Deleted || p.Secrets[wizard.ItemLinnworksAPIToken] != j.token || !p.LinnworksTokenRefused.IsZero() {
			return
		}
		p.LinnworksTokenRefused = w.now().UTC()
		err = w.profiles.Update(ctx, p)
		if err == nil {
			return
		}
		if !errors.Is(err, profile.ErrConflict) {
			j.log.WarnContext(ctx, "refused Linnworks token not recorded", "error", err.Error())
			return
		}
	}
	j.log.WarnContext(ctx, "refused Linnworks token not recorded: the profile kept changing")
}

// record stores what was applied and the planning Stream reported on the
// shipment, if that changed anything. A conflicting write is read again and
// merged: notes written are never forgotten.
func (w *Writer) record(ctx context.Context, j *job, sh *shipment.Shipment, rec shipment.Applied, t target) error {
	if sh.Version == 0 {
		return nil // no record: a refusal of an order never stored
	}
	cur := sh
	for range maxRecordRounds {
		next := shipment.Clone(cur)
		next.Applied = mergeApplied(cur.Applied, rec)
		if !t.refusal {
			next.Run, next.Day, next.Sequence, next.StreamStatus = t.run, t.day, t.sequence, t.status
		}
		if sameRecord(cur, next) {
			return nil
		}
		next.UpdatedAt = w.now().UTC()
		err := w.shipments.Update(ctx, next)
		if err == nil {
			return nil
		}
		if !errors.Is(err, shipment.ErrConflict) {
			return fmt.Errorf("write-back: record what was applied: %w", err)
		}
		if cur, err = w.shipments.Get(ctx, sh.ProfileID, sh.OrderID); err != nil {
			return fmt.Errorf("write-back: record what was applied: %w", err)
		}
	}
	return fmt.Errorf("write-back: record what was applied: %w", shipment.ErrConflict)
}

// mergeApplied is rec over stored: notes and the processing time are kept
// from either.
func mergeApplied(stored, rec shipment.Applied) shipment.Applied {
	out := cloneApplied(rec)
	for _, k := range stored.Notes {
		if !slices.Contains(out.Notes, k) {
			out.Notes = append(out.Notes, k)
		}
	}
	if out.ProcessedAt.IsZero() {
		out.ProcessedAt = stored.ProcessedAt
	}
	if out.At.IsZero() || stored.At.After(out.At) {
		out.At = stored.At
	}
	return out
}

func cloneApplied(a shipment.Applied) shipment.Applied {
	a.Identifiers = slices.Clone(a.Identifiers)
	a.Notes = slices.Clone(a.Notes)
	a.Properties = maps.Clone(a.Properties)
	return a
}

func sameRecord(a, b *shipment.Shipment) bool {
	x, y := a.Applied, b.Applied
	return a.Run == b.Run && a.Day == b.Day && a.Sequence == b.Sequence && a.StreamStatus == b.StreamStatus &&
		x.LinnworksOrderID == y.LinnworksOrderID && x.TrackingNumber == y.TrackingNumber &&
		slices.Equal(x.Identifiers, y.Identifiers) && slices.Equal(x.Notes, y.Notes) &&
		maps.Equal(x.Properties, y.Properties) && x.ProcessedAt.Equal(y.ProcessedAt) && x.At.Equal(y.At)
}
