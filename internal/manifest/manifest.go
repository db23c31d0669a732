// Package manifest renders the end-of-day collection manifest that
// PrintManifest returns: an A4 PDF listing every consignment handed to the
// driver, with totals and a signature block.
package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// Manifest is one filed manifest.
type Manifest struct {
	Reference string    // e.g. STRM-20261122-001, see NewReference
	Date      time.Time // when it was filed; printed as a date and time
	Sender    Sender
	Rows      []Row // one per consignment, printed in this order
	// LeftOut are the order IDs that were listed for the manifest but left
	// out because they were already cancelled; printed after the table.
	LeftOut []string
}

// Sender is the shipper the manifest is for.
type Sender struct {
	Name     string
	Company  string
	Address  []string // street lines and town, in order
	Postcode string
	Country  string
	Phone    string
}

// Row is one consignment.
type Row struct {
	OrderID     string // Linnworks NumOrderId
	Reference   string // the order reference
	Consignee   string
	Postcode    string
	Tracking    string
	Packages    int
	WeightGrams float64
	// Cancelled marks a consignment cancelled after the manifest was
	// filed: its row says so instead of naming the consignee, and it is
	// left out of the totals, since the driver does not collect it.
	Cancelled bool
}

// cancelledText replaces the consignee of a cancelled row.
const cancelledText = "CANCELLED"

// ErrInvalidManifest is wrapped by every error RenderPDF returns because of
// the Manifest it was given.
var ErrInvalidManifest = errors.New("invalid manifest")

// NewReference returns a readable manifest reference, "STRM-" followed by
// the date of day (in day's location) as YYYYMMDD and seq as at least three
// digits: NewReference(22 Nov 2026, 1) is "STRM-20261122-001". seq counts
// the manifests of that day from 1; the caller keeps it unique.
func NewReference(day time.Time, seq int) (string, error) {
	if seq < 1 {
		return "", fmt.Errorf("manifest reference: sequence %d is below 1", seq)
	}
	return fmt.Sprintf("STRM-%s-%03d", day.Format("20060102"), seq), nil
}

// Page geometry, in millimetres.
const (
	marginMM  = 12
	pageW     = 210.0
	pageH     = 297.0
	rowH      = 6.0
	footerY   = -10.0 // from the bottom
	tableEnd  = pageH - 18
	totalsEnd = 44.0 // space the totals and signatures need
	tableFont = 9.0
)

// column is one table column: its header, width in mm and alignment.
type column struct {
	title string
	w     float64
	align string
	value func(i int, r Row) string
}

var columns = []column{
	{"#", 9, "R", func(i int, _ Row) string { return strconv.Itoa(i + 1) }},
	{"Order", 22, "L", func(_ int, r Row) string { return r.OrderID }},
	{"Reference", 28, "L", func(_ int, r Row) string { return r.Reference }},
	{"Consignee", 42, "L", func(_ int, r Row) string {
		if r.Cancelled {
			return cancelledText
		}
		return r.Consignee
	}},
	{"Postcode", 19, "L", func(_ int, r Row) string { return r.Postcode }},
	{"Tracking", 38, "L", func(_ int, r Row) string { return r.Tracking }},
	{"Pkgs", 12, "R", func(_ int, r Row) string { return strconv.Itoa(r.Packages) }},
	{"Weight kg", 16, "R", func(_ int, r Row) string { return kg(r.WeightGrams) }},
}

func kg(grams float64) string { return strconv.FormatFloat(grams/1000, 'f', 2, 64) }

// RenderPDF draws m as an A4 portrait PDF: title, sender, date and
// reference, then a table of the rows (its header repeated on every page),
// the totals (consignments, packages, weight in kg), a signature block for
// the collecting driver and "Page n of N" on every page. It uses the core
// Helvetica font in Windows-1252: characters outside it print as "?".
// The same manifest always renders to the same bytes.
func RenderPDF(m Manifest) ([]byte, error) {
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("render manifest %q: %w", m.Reference, err)
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetMargins(marginMM, marginMM, marginMM)
	pdf.SetAutoPageBreak(false, marginMM)
	// Resource catalogs are maps inside fpdf: sort them so the same
	// manifest always renders to the same bytes.
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(m.Date)
	pdf.SetModificationDate(m.Date)
	pdf.SetTitle(cp1252("Manifest "+m.Reference), false)
	pdf.SetAuthor(cp1252(m.Sender.Name), false)
	pdf.AliasNbPages("")
	ref := cp1252(m.Reference)
	pdf.SetFooterFunc(func() {
		pdf.SetY(footerY)
		pdf.SetFont("Helvetica", "", 8)
		pdf.CellFormat(0, 5, "Manifest "+ref, "", 0, "L", false, 0, "")
		pdf.CellFormat(0, 5, fmt.Sprintf("Page %d of {nb}", pdf.PageNo()), "", 0, "R", false, 0, "")
	})

	pdf.AddPage()
	drawHeading(pdf, m)
	drawTableHeader(pdf)
	var t totals
	for i, r := range m.Rows {
		if pdf.GetY()+rowH > tableEnd {
			pdf.AddPage()
			drawContinuation(pdf, m)
			drawTableHeader(pdf)
		}
		drawRow(pdf, i, r)
		if r.Cancelled {
			t.cancelled++
			continue
		}
		t.consignments++
		t.packages += r.Packages
		t.grams += r.WeightGrams
	}
	if len(m.Rows) == 0 {
		pdf.SetFont("Helvetica", "I", tableFont)
		pdf.CellFormat(0, rowH, "No consignments", "B", 1, "C", false, 0, "")
	}
	drawLeftOut(pdf, m)
	need := totalsEnd
	if t.cancelled > 0 {
		need += 6 // the line counting the cancelled rows
	}
	if pdf.GetY()+need > tableEnd {
		pdf.AddPage()
		drawContinuation(pdf, m)
	}
	drawTotals(pdf, t)

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render manifest %q: %w", m.Reference, err)
	}
	return buf.Bytes(), nil
}

func (m *Manifest) validate() error {
	switch {
	case strings.TrimSpace(m.Reference) == "":
		return fmt.Errorf("%w: reference is missing", ErrInvalidManifest)
	case m.Date.IsZero():
		return fmt.Errorf("%w: date is missing", ErrInvalidManifest)
	}
	for i, r := range m.Rows {
		switch {
		case r.Packages < 0:
			return fmt.Errorf("%w: row %d (order %s) has %d packages", ErrInvalidManifest, i+1, r.OrderID, r.Packages)
		case math.IsNaN(r.WeightGrams) || math.IsInf(r.WeightGrams, 0) || r.WeightGrams < 0:
			return fmt.Errorf("%w: row %d (order %s) weighs %v g", ErrInvalidManifest, i+1, r.OrderID, r.WeightGrams)
		}
	}
	return nil
}

func drawHeading(pdf *fpdf.Fpdf, m Manifest) {
	top := pdf.GetY()
	pdf.SetFont("Helvetica", "B", 18)
	pdf.CellFormat(0, 9, "Collection manifest", "", 1, "L", false, 0, "")
	pdf.Ln(2)

	// Sender on the left.
	s := m.Sender
	half := (pageW - 2*marginMM) / 2
	pdf.SetFont("Helvetica", "B", 10)
	cell(pdf, half, 5, s.Name, "L", 1)
	pdf.SetFont("Helvetica", "", 10)
	for _, l := range append([]string{s.Company}, s.Address...) {
		if strings.TrimSpace(l) != "" {
			cell(pdf, half, 5, l, "L", 1)
		}
	}
	for _, l := range []string{strings.TrimSpace(s.Postcode + " " + s.Country), prefixed("Tel ", s.Phone)} {
		if l != "" {
			cell(pdf, half, 5, l, "L", 1)
		}
	}
	senderEnd := pdf.GetY()

	// Reference and date on the right.
	x := marginMM + half
	pdf.SetXY(x, top+11)
	for _, kv := range [][2]string{
		{"Manifest", m.Reference},
		{"Date", m.Date.Format("2006-01-02 15:04")},
		{"Carrier", "Stream"},
	} {
		pdf.SetX(x)
		pdf.SetFont("Helvetica", "", 10)
		pdf.CellFormat(25, 5, kv[0], "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "B", 10)
		cell(pdf, half-25, 5, kv[1], "L", 1)
	}
	pdf.SetY(max(senderEnd, pdf.GetY()) + 5)
}

// drawContinuation heads the pages after the first.
func drawContinuation(pdf *fpdf.Fpdf, m Manifest) {
	pdf.SetFont("Helvetica", "B", 11)
	cell(pdf, 0, 6, "Collection manifest "+m.Reference+" (continued)", "L", 1)
	pdf.SetFont("Helvetica", "", 9)
	cell(pdf, 0, 5, strings.TrimSpace(m.Sender.Name+"  "+m.Date.Format("2006-01-02")), "L", 1)
	pdf.Ln(3)
}

func drawTableHeader(pdf *fpdf.Fpdf) {
	pdf.SetFont("Helvetica", "B", tableFont)
	pdf.SetFillColor(225, 225, 225)
	for _, c := range columns {
		pdf.CellFormat(c.w, rowH+1, c.title, "1", 0, c.align, true, 0, "")
	}
	pdf.Ln(-1)
}

func drawRow(pdf *fpdf.Fpdf, i int, r Row) {
	pdf.SetFont("Helvetica", "", tableFont)
	for _, c := range columns {
		cell(pdf, c.w, rowH, c.value(i, r), c.align, 0, "1")
	}
	pdf.Ln(-1)
}

// totals are what the driver collects: cancelled rows are counted apart.
type totals struct {
	consignments, packages, cancelled int
	grams                             float64
}

// leftOutPerLine is how many order IDs one line of the left-out note holds.
const leftOutPerLine = 10

// drawLeftOut notes the orders left out of the manifest as already
// cancelled, so whoever compares it with the day's list sees why they are
// missing.
func drawLeftOut(pdf *fpdf.Fpdf, m Manifest) {
	if len(m.LeftOut) == 0 {
		return
	}
	pdf.Ln(3)
	lines := []string{fmt.Sprintf("Left out, already cancelled when the manifest was filed (%d):", len(m.LeftOut))}
	for i := 0; i < len(m.LeftOut); i += leftOutPerLine {
		lines = append(lines, strings.Join(m.LeftOut[i:min(i+leftOutPerLine, len(m.LeftOut))], ", "))
	}
	for i, l := range lines {
		if pdf.GetY()+5 > tableEnd {
			pdf.AddPage()
			drawContinuation(pdf, m)
		}
		style := ""
		if i == 0 {
			style = "B"
		}
		pdf.SetFont("Helvetica", style, tableFont)
		cell(pdf, 0, 5, l, "L", 1)
	}
}

func drawTotals(pdf *fpdf.Fpdf, t totals) {
	pdf.Ln(4)
	pdf.SetFont("Helvetica", "B", 11)
	pdf.CellFormat(0, 7, "Totals", "", 1, "L", false, 0, "")
	rows := [][2]string{
		{"Consignments", strconv.Itoa(t.consignments)},
		{"Packages", strconv.Itoa(t.packages)},
		{"Total weight", kg(t.grams) + " kg"},
	}
	if t.cancelled > 0 {
		rows = append(rows, [2]string{"Cancelled", fmt.Sprintf("%d, cancelled after filing: not collected, not in the totals", t.cancelled)})
	}
	for _, kv := range rows {
		pdf.SetFont("Helvetica", "", 10)
		pdf.CellFormat(35, 6, kv[0], "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "B", 10)
		pdf.CellFormat(0, 6, kv[1], "", 1, "L", false, 0, "")
	}
	pdf.Ln(6)
	pdf.SetFont("Helvetica", "", 10)
	w := (pageW - 2*marginMM) / 3
	for _, t := range []string{"Collected by (driver)", "Signature", "Date and time"} {
		pdf.CellFormat(w-4, 8, t, "B", 0, "L", false, 0, "")
		pdf.CellFormat(4, 8, "", "", 0, "L", false, 0, "")
	}
	pdf.Ln(-1)
}

// cell draws s, converted to Windows-1252 and shortened with "…" to fit w
// (the rest of the line when w is 0).
func cell(pdf *fpdf.Fpdf, w, h float64, s, align string, ln int, border ...string) {
	b := ""
	if len(border) > 0 {
		b = border[0]
	}
	avail := w
	if avail == 0 {
		avail = pageW - marginMM - pdf.GetX()
	}
	pdf.CellFormat(w, h, fit(pdf, cp1252(s), avail-2*pdf.GetCellMargin()), b, ln, align, false, 0, "")
}

// fit shortens s (already Windows-1252) with an ellipsis until it is at most
// w mm wide in the current font.
func fit(pdf *fpdf.Fpdf, s string, w float64) string {
	if pdf.GetStringWidth(s) <= w {
		return s
	}
	const ell = "\x85" // "…" in Windows-1252
	// Widths grow with the prefix length, so search for the longest prefix
	// that fits with the ellipsis.
	n := sort.Search(len(s)+1, func(n int) bool { return pdf.GetStringWidth(s[:n]+ell) > w }) - 1
	return strings.TrimRight(s[:max(n, 0)], " ") + ell
}

func prefixed(p, s string) string {
	if s = strings.TrimSpace(s); s == "" {
		return ""
	}
	return p + s
}
