package shipping

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sync/errgroup"

	"linnstream/internal/manifest"
	"linnstream/internal/shipment"
	"linnstream/internal/wizard"
)

// maxManifestReferenceLen bounds a ManifestReference; ours are 17
// characters.
const maxManifestReferenceLen = 64

// handlePrintManifest renders a filed manifest as an A4 PDF: the profile's
// sender, the filing date and reference, one row per consignment as it was
// when filed, and the totals. An order cancelled since it was filed is
// marked CANCELLED and left out of the totals, so a reprint never asks the
// driver to collect it; the orders left out at filing are listed.
func (h *Handlers) handlePrintManifest(ctx context.Context, c *call, req *PrintManifestRequest) (*PrintManifestResponse, error) {
	if h.manifests == nil || h.shipments == nil {
		return nil, fail("manifests are not configured on this server")
	}
	ref := strings.TrimSpace(req.ManifestReference)
	switch {
	case ref == "":
		return nil, fail("ManifestReference is required")
	case len(ref) > maxManifestReferenceLen:
		return nil, fail("ManifestReference is longer than %d characters", maxManifestReferenceLen)
	}
	m, err := h.manifests.GetManifest(ctx, c.profile.ID, ref)
	if errors.Is(err, shipment.ErrNotFound) {
		return nil, fail("manifest %q was not found; create it with CreateManifest first", ref)
	}
	if err != nil {
		return nil, fmt.Errorf("get manifest %s: %w", ref, err)
	}
	rows := manifestRows(m.Orders)
	cancelled, err := h.cancelledSinceFiling(ctx, c.profile.ID, m.Orders)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		rows[i].Cancelled = cancelled[i]
	}
	pdf, err := manifest.RenderPDF(manifest.Manifest{
		Reference: m.Reference,
		Date:      m.FiledAt,
		Sender:    manifestSender(wizard.Settings(c.profile).Sender),
		Rows:      rows,
		LeftOut:   m.LeftOut,
	})
	if err != nil {
		return nil, err
	}
	c.log.Info("manifest printed", "manifest", m.Reference, "orders", len(m.Orders), "left_out", len(m.LeftOut), "pdf_bytes", len(pdf))
	return &PrintManifestResponse{PDFBase64: base64.StdEncoding.EncodeToString(pdf)}, nil
}

// manifestSender is the configured sender as the manifest prints it: the
// contact as the name and the company beneath, or the company alone.
func manifestSender(s wizard.Sender) manifest.Sender {
	out := manifest.Sender{
		Name:     strings.TrimSpace(s.ContactName),
		Company:  strings.TrimSpace(s.Company),
		Postcode: s.Postcode,
		Country:  s.Country,
		Phone:    s.Phone,
	}
	if out.Name == "" {
		out.Name, out.Company = out.Company, ""
	}
	for _, l := range []string{s.Address1, s.Address2, s.City, s.Region} {
		if l = strings.TrimSpace(l); l != "" {
			out.Address = append(out.Address, l)
		}
	}
	return out
}

// manifestRows are the manifest's consignments in filing order. Tracking is
// Stream's tracking id, or the consignment number when Stream gave none.
func manifestRows(orders []shipment.ManifestOrder) []manifest.Row {
	rows := make([]manifest.Row, 0, len(orders))
	for _, o := range orders {
		tracking := o.TrackingID
		if tracking == "" {
			tracking = o.ConsignmentNo
		}
		rows = append(rows, manifest.Row{
			OrderID:     o.OrderID,
			Reference:   o.OrderReference,
			Consignee:   o.ConsigneeName,
			Postcode:    o.ConsigneePostcode,
			Tracking:    tracking,
			Packages:    o.Packages,
			WeightGrams: o.WeightGrams,
		})
	}
	return rows
}

// manifestReads bounds the shipment reads one print runs at once.
const manifestReads = 8

// cancelledSinceFiling reads each order's record as it is now and reports,
// per order, whether it was cancelled: by CancelLabel, or in Stream as the
// write-back recorded it.
func (h *Handlers) cancelledSinceFiling(ctx context.Context, profileID string, orders []shipment.ManifestOrder) ([]bool, error) {
	out := make([]bool, len(orders))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(manifestReads)
	for i, o := range orders {
		g.Go(func() error {
			sh, err := h.shipments.Get(gctx, profileID, o.OrderID)
			switch {
			case errors.Is(err, shipment.ErrNotFound):
				return nil
			case err != nil:
				return fmt.Errorf("read order %s of the manifest: %w", o.OrderID, err)
			}
			out[i] = sh.State == shipment.StateCancelled || strings.EqualFold(strings.TrimSpace(sh.StreamStatus), "CANCELLED")
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
}
