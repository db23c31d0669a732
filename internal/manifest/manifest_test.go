package manifest_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"time"

	"linnstream/internal/manifest"
	"linnstream/internal/manifest/pdftext"
)

var filed = time.Date(2026, 11, 22, 17, 30, 0, 0, time.UTC)

func sender() manifest.Sender {
	return manifest.Sender{
		Name: "Acme Warehouse", Company: "Acme Ltd",
		Address:  []string{"Unit 4, Trade Park", "Leeds"},
		Postcode: "LS1 4AB", Country: "United Kingdom", Phone: "+44 113 496 0000",
	}
}

func rows(n int) []manifest.Row {
	out := make([]manifest.Row, n)
	for i := range out {
		out[i] = manifest.Row{
			OrderID:     fmt.Sprint(100001 + i),
			Reference:   fmt.Sprintf("AMZ-%04d", i),
			Consignee:   fmt.Sprintf("Customer %d", i),
			Postcode:    fmt.Sprintf("M%d 2AB", i%10),
			Tracking:    fmt.Sprintf("STRM%08dGB", i),
			Packages:    1 + i%3,
			WeightGrams: 250 + float64(i)*10,
		}
	}
	return out
}

func render(t *testing.T, m manifest.Manifest) ([]byte, pdftext.Pages) {
	t.Helper()
	data, err := manifest.RenderPDF(m)
	if err != nil {
		t.Fatalf("RenderPDF: %v", err)
	}
	text, err := pdftext.Read(data)
	if err != nil {
		t.Fatalf("read the PDF's text: %v", err)
	}
	return data, text
}

func TestRenderPDFShowsEveryConsignmentAndTotals(t *testing.T) {
	m := manifest.Manifest{
		Reference: "STRM-20261122-001", Date: filed, Sender: sender(),
		Rows: []manifest.Row{
			{OrderID: "100001", Reference: "AMZ-1", Consignee: "Jane Smith", Postcode: "M1 2AB", Tracking: "STRM00000001GB", Packages: 1, WeightGrams: 1250},
			{OrderID: "100002", Reference: "EBAY-77", Consignee: "Zoë Ørsted", Postcode: "EH1 1AA", Tracking: "STRM00000002GB", Packages: 3, WeightGrams: 4000.5},
			{OrderID: "100003", Reference: "WEB (phone)", Consignee: `O'Brien \ Sons`, Postcode: "BT1 5GS", Tracking: "STRM00000003GB", Packages: 2, WeightGrams: 99.5},
		},
	}
	_, text := render(t, m)
	want := []string{
		"Collection manifest", "STRM-20261122-001", "2026-11-22 17:30",
		"Acme Warehouse", "Acme Ltd", "Unit 4, Trade Park", "Leeds", "LS1 4AB United Kingdom", "Tel +44 113 496 0000",
		"Order", "Reference", "Consignee", "Postcode", "Tracking", "Pkgs", "Weight kg",
		"100001", "AMZ-1", "Jane Smith", "M1 2AB", "STRM00000001GB", "1.25",
		"100002", "EBAY-77", "Zoë Ørsted", "EH1 1AA", "STRM00000002GB", "4.00",
		"100003", "WEB (phone)", `O'Brien \ Sons`, "BT1 5GS", "STRM00000003GB", "0.10",
		"Totals", "Consignments", "Packages", "6", "Total weight", "5.35 kg",
		"Collected by (driver)", "Signature", "Page 1 of 1",
	}
	for _, s := range want {
		if text.Count(s) == 0 {
			t.Errorf("PDF does not show %q; it shows %q", s, text.All())
		}
	}
	// "3" is both a row number and the consignment total.
	if n := text.Count("3"); n < 2 {
		t.Errorf("%q shown %d times, want row number and consignment total", "3", n)
	}
}

func TestRenderPDFIsA4(t *testing.T) {
	data, text := render(t, manifest.Manifest{Reference: "STRM-20261122-002", Date: filed, Sender: sender(), Rows: rows(3)})
	if !bytes.HasPrefix(data, []byte("%PDF-")) {
		t.Errorf("file starts %q, want %%PDF-", data[:min(8, len(data))])
	}
	if !bytes.Contains(data[max(0, len(data)-16):], []byte("%%EOF")) {
		t.Errorf("file does not end with %s", "%%EOF")
	}
	boxes := regexp.MustCompile(`/MediaBox \[([^\]]*)\]`).FindAllSubmatch(data, -1)
	if len(boxes) == 0 {
		t.Fatal("no MediaBox")
	}
	for _, b := range boxes {
		if got := strings.Join(strings.Fields(string(b[1])), " "); got != "0 0 595.28 841.89" {
			t.Errorf("MediaBox [%s], want A4 [0 0 595.28 841.89]", got)
		}
	}
	if len(text) != 1 {
		t.Errorf("%d pages, want 1", len(text))
	}
}

func TestRenderPDFPaginatesLongManifests(t *testing.T) {
	rs := rows(200)
	data, text := render(t, manifest.Manifest{Reference: "STRM-20261122-003", Date: filed, Sender: sender(), Rows: rs})

	pages := len(regexp.MustCompile(`/Type /Page\b[^s]`).FindAll(data, -1))
	if pages < 4 || pages != len(text) {
		t.Fatalf("%d page objects and %d content streams, want the same number, at least 4", pages, len(text))
	}
	for i := range text {
		for _, h := range []string{"Order", "Tracking", "Weight kg", fmt.Sprintf("Page %d of %d", i+1, pages)} {
			if !text.PageHas(i, h) {
				t.Errorf("page %d lacks %q", i+1, h)
			}
		}
		if i > 0 && !text.PageHas(i, "Collection manifest STRM-20261122-003 (continued)") {
			t.Errorf("page %d lacks the continuation heading", i+1)
		}
	}
	for i, r := range rs {
		for _, s := range []string{r.OrderID, r.Tracking, r.Consignee, fmt.Sprint(i + 1)} {
			if n := text.Count(s); n < 1 {
				t.Errorf("row %d: %q is missing", i+1, s)
			}
		}
		if n := text.Count(r.Tracking); n != 1 {
			t.Errorf("row %d: tracking %q shown %d times, want once", i+1, r.Tracking, n)
		}
	}
	var packages int
	var grams float64
	for _, r := range rs {
		packages += r.Packages
		grams += r.WeightGrams
	}
	last := len(text) - 1
	for _, s := range []string{"Totals", "200", fmt.Sprint(packages), fmt.Sprintf("%.2f kg", grams/1000)} {
		if !text.PageHas(last, s) {
			t.Errorf("last page lacks total %q", s)
		}
	}
	if text.PageHas(0, "Totals") {
		t.Error("totals are on the first page of a multi-page manifest")
	}
}

func TestRenderPDFTextOutsideWindows1252(t *testing.T) {
	m := manifest.Manifest{
		Reference: "STRM-20261122-004", Date: filed,
		Sender: manifest.Sender{Name: "Café “Zürich” – Entrepôt €", Address: []string{"Улица 1"}},
		Rows: []manifest.Row{{
			OrderID: "100001", Reference: "注文-7", Consignee: "王小明 😀 Müller\tand\nSons\x00",
			Postcode: "100000", Tracking: "STRM1", Packages: 1, WeightGrams: 10,
		}},
	}
	data, text := render(t, m)
	for _, s := range []string{"Café “Zürich” – Entrepôt €", "????? 1", "??-7", "??? ? Müller and Sons"} {
		if text.Count(s) != 1 {
			t.Errorf("PDF does not show %q; it shows %q", s, text.All())
		}
	}
	if bytes.Contains(data, []byte("王")) || bytes.Contains(data, []byte("\x00Sons")) {
		t.Error("raw UTF-8 or control bytes reached the PDF")
	}
}

func TestRenderPDFShortensOverlongCells(t *testing.T) {
	long := strings.Repeat("Bartholomew Fitzwilliam ", 10)
	_, text := render(t, manifest.Manifest{
		Reference: "STRM-20261122-005", Date: filed, Sender: sender(),
		Rows: []manifest.Row{{OrderID: "100001", Consignee: long, Tracking: "STRM1", Packages: 1}},
	})
	var cut string
	for _, s := range text.All() {
		if strings.HasPrefix(s, "Bartholomew") {
			cut = s
		}
	}
	prefix, ok := strings.CutSuffix(cut, "…")
	if !ok || !strings.HasPrefix(long, prefix) || len(prefix) < 10 || len(prefix) > 40 {
		t.Errorf("consignee cell shows %q, want a prefix of the name ending in …", cut)
	}
}

func TestRenderPDFWithoutRows(t *testing.T) {
	_, text := render(t, manifest.Manifest{Reference: "STRM-20261122-006", Date: filed, Sender: sender()})
	for _, s := range []string{"No consignments", "Totals", "0", "0.00 kg"} {
		if text.Count(s) == 0 {
			t.Errorf("PDF does not show %q", s)
		}
	}
}

func TestRenderPDFIsReproducible(t *testing.T) {
	m := manifest.Manifest{Reference: "STRM-20261122-007", Date: filed, Sender: sender(), Rows: rows(60)}
	a, _ := render(t, m)
	b, _ := render(t, m)
	if !bytes.Equal(a, b) {
		t.Error("the same manifest rendered to different bytes")
	}
	m.Rows[59].Tracking = "CHANGED"
	if c, _ := render(t, m); bytes.Equal(a, c) {
		t.Error("a changed manifest rendered to the same bytes")
	}
}

func TestRenderPDFRejectsInvalidManifests(t *testing.T) {
	valid := func() manifest.Manifest {
		return manifest.Manifest{Reference: "STRM-20261122-008", Date: filed, Sender: sender(), Rows: rows(2)}
	}
	tests := []struct {
		name   string
		change func(*manifest.Manifest)
		want   string
	}{
		{"no reference", func(m *manifest.Manifest) { m.Reference = " " }, "reference is missing"},
		{"no date", func(m *manifest.Manifest) { m.Date = time.Time{} }, "date is missing"},
		{"negative packages", func(m *manifest.Manifest) { m.Rows[1].Packages = -1 }, "row 2 (order 100002) has -1 packages"},
		{"negative weight", func(m *manifest.Manifest) { m.Rows[0].WeightGrams = -5 }, "row 1 (order 100001) weighs -5 g"},
		{"NaN weight", func(m *manifest.Manifest) { m.Rows[0].WeightGrams = math.NaN() }, "weighs NaN g"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := valid()
			tt.change(&m)
			data, err := manifest.RenderPDF(m)
			if !errors.Is(err, manifest.ErrInvalidManifest) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want ErrInvalidManifest mentioning %q", err, tt.want)
			}
			if data != nil {
				t.Error("a PDF came back with the error")
			}
		})
	}
}

func TestNewReference(t *testing.T) {
	day := time.Date(2026, 11, 22, 23, 59, 0, 0, time.UTC)
	tests := []struct {
		day  time.Time
		seq  int
		want string
	}{
		{day, 1, "STRM-20261122-001"},
		{day, 42, "STRM-20261122-042"},
		{day, 1000, "STRM-20261122-1000"},
		// The date is the caller's local date, not UTC.
		{day.In(time.FixedZone("UTC+2", 2*3600)), 7, "STRM-20261123-007"},
	}
	for _, tt := range tests {
		got, err := manifest.NewReference(tt.day, tt.seq)
		if err != nil || got != tt.want {
			t.Errorf("NewReference(%v, %d) = %q, %v; want %q", tt.day, tt.seq, got, err, tt.want)
		}
	}
	for _, seq := range []int{0, -1} {
		if got, err := manifest.NewReference(day, seq); err == nil {
			t.Errorf("NewReference(seq %d) = %q, want an error", seq, got)
		}
	}
}

// TestRenderPDFMarksCancelledAndLeftOutOrders: a row cancelled after
// filing says so in place of its consignee and is not in the totals; the
// orders left out at filing are listed after the table.
func TestRenderPDFMarksCancelledAndLeftOutOrders(t *testing.T) {
	rs := rows(3)
	rs[1].Cancelled = true
	leftOut := make([]string, 12)
	for i := range leftOut {
		leftOut[i] = fmt.Sprint(200001 + i)
	}
	_, text := render(t, manifest.Manifest{Reference: "STRM-20261122-004", Date: filed, Sender: sender(), Rows: rs, LeftOut: leftOut})
	if text.Count("CANCELLED") != 1 || text.Count(rs[1].Consignee) != 0 {
		t.Errorf("row 2 is not marked cancelled in place of its consignee: %q", text.All())
	}
	for _, s := range []string{rs[1].OrderID, rs[1].Tracking, rs[0].Consignee, rs[2].Consignee} {
		if text.Count(s) != 1 {
			t.Errorf("%q shown %d times, want once", s, text.Count(s))
		}
	}
	// Totals of rows 1 and 3: packages 1+3, weight 250+270 g.
	for _, s := range []string{
		"Consignments", "2", "Packages", "4", "Total weight", "0.52 kg",
		"Cancelled", "1, cancelled after filing: not collected, not in the totals",
		"Left out, already cancelled when the manifest was filed (12):",
		"200001, 200002, 200003, 200004, 200005, 200006, 200007, 200008, 200009, 200010",
		"200011, 200012",
	} {
		if text.Count(s) == 0 {
			t.Errorf("PDF does not show %q; it shows %q", s, text.All())
		}
	}
	// Without cancellations, neither note is printed.
	_, plain := render(t, manifest.Manifest{Reference: "STRM-20261122-005", Date: filed, Sender: sender(), Rows: rows(3)})
	for _, s := range []string{"Cancelled", "CANCELLED"} {
		if plain.Count(s) != 0 {
			t.Errorf("a manifest without cancellations shows %q", s)
		}
	}
	for _, s := range plain.All() {
		if strings.HasPrefix(s, "Left out") {
			t.Errorf("a manifest without left-out orders shows %q", s)
		}
	}
}
