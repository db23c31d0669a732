package shipping

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"linnstream/internal/manifest"
	"linnstream/internal/shipment"
	"linnstream/internal/wizard"
)

// maxManifestReferenceLen bounds a ManifestReference; ours are 17
// characters.
const maxManifestReferenceLen = 64

// handlePrintManifest renders a filed manifest as an A4 PDF: the profile's
// sender, the filing date and reference, one row per consignment as it was
// when filed, and the totals.
func (h *Handlers) handlePrintManifest(ctx context.Context, c *call, req *PrintManifestRequest) (*PrintManifestResponse, error) {
	if h.manifests == nil {
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
	pdf, err := manifest.RenderPDF(manifest.Manifest{
		Reference: m.Reference,
		Date:      m.FiledAt,
		Sender:    manifestSender(wizard.Settings(c.profile).Sender),
		Rows:      manifestRows(m.Orders),
	})
	if err != nil {
		return nil, err
	}
	c.log.Info("manifest printed", "manifest", m.Reference, "orders", len(m.Orders), "pdf_bytes", len(pdf))
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
