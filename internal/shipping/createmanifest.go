package shipping

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"linnstream/internal/manifest"
	"linnstream/internal/shipment"
)

// ManifestStore files and reads a profile's manifests. Every shipment.Store
// satisfies it.
type ManifestStore interface {
	FileManifest(ctx context.Context, req shipment.ManifestRequest) (*shipment.Manifest, error)
	GetManifest(ctx context.Context, profileID, reference string) (*shipment.Manifest, error)
}

var _ ManifestStore = (shipment.Store)(nil)

// maxManifestsPerDay bounds the sequence numbers tried for one day's
// manifest references.
const maxManifestsPerDay = 999

// maxFilingConflicts bounds the filings given up to concurrent changes of
// their orders before CreateManifest says so.
const maxFilingConflicts = 3

// handleCreateManifest files every listed order into one new manifest, all
// or nothing: each order must have a live Stream order in no other
// manifest, or the error names every order that does not and nothing is
// filed. Orders already cancelled are left out and listed as such on the
// manifest (PrintManifest prints them); unknown orders refuse it. The reference is readable and unique per
// profile: "STRM-<UTC date>-<sequence of the day>", the next free sequence,
// taken again on a conflict with a concurrent filing.
func (h *Handlers) handleCreateManifest(ctx context.Context, c *call, req *CreateManifestRequest) (*CreateManifestResponse, error) {
	if h.manifests == nil {
		return nil, fail("manifests are not configured on this server")
	}
	ids, err := manifestOrderIDs(req.OrderID)
	if err != nil {
		return nil, err
	}
	now := h.now().UTC()
	conflicts := 0
	// Each store refuses a used reference before it reads the orders, so
	// trying the references in turn costs little per used one.
	for seq := 1; seq <= maxManifestsPerDay; seq++ {
		ref, err := manifest.NewReference(now, seq)
		if err != nil {
			return nil, err
		}
		m, err := h.manifests.FileManifest(ctx, shipment.ManifestRequest{
			ProfileID: c.profile.ID, Reference: ref, OrderIDs: ids, FiledAt: now,
		})
		var me *shipment.ManifestError
		switch {
		case err == nil:
			c.log.Info("manifest filed", "manifest", m.Reference, "orders", len(m.Orders))
			return &CreateManifestResponse{ManifestReference: m.Reference}, nil
		case errors.Is(err, shipment.ErrManifestExists):
			continue
		case errors.Is(err, shipment.ErrConflict) && conflicts < maxFilingConflicts:
			// An order changed while it was filed (it was cancelled, say);
			// the given-up filing used its reference, so the next one files
			// the orders as they are now.
			conflicts++
			c.log.Info("manifest filing lost to a change of its orders; filing again", "manifest", ref)
			continue
		case errors.Is(err, shipment.ErrConflict):
			return nil, fail("the listed orders kept changing while the manifest was filed; try again")
		case errors.As(err, &me):
			return nil, fail("%s", me.Error())
		default:
			return nil, fmt.Errorf("file manifest %s: %w", ref, err)
		}
	}
	return nil, fail("%d manifests were already filed today; no manifest reference is left for today", maxManifestsPerDay)
}

// manifestOrderIDs checks the listed NumOrderIds and returns them in
// canonical decimal form, repeats removed.
func manifestOrderIDs(list []string) ([]string, error) {
	if len(list) == 0 {
		return nil, fail("OrderId must list at least one order")
	}
	seen := make(map[string]bool, len(list))
	ids := make([]string, 0, len(list))
	for i, raw := range list {
		v := strings.TrimSpace(raw)
		if v == "" {
			return nil, fail("OrderId[%d] is empty", i)
		}
		n, err := strconv.ParseUint(v, 10, 63)
		if err != nil || n == 0 {
			return nil, fail("OrderId[%d] must be a Linnworks order number (digits), not %q", i, clipValue(v))
		}
		id := strconv.FormatUint(n, 10)
		if !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	if len(ids) > shipment.MaxManifestOrders {
		return nil, fail("OrderId lists %d orders; a manifest holds at most %d, so file the rest in another manifest", len(ids), shipment.MaxManifestOrders)
	}
	return ids, nil
}
