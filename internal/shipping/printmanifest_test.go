package shipping_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"linnstream/internal/manifest/pdftext"
	"linnstream/internal/profile"
)

func TestPrintManifestRendersTheFiledManifest(t *testing.T) {
	s := newSvcHarness(t, svcSetup{})
	tok := s.newProfile(svcToken, sbSecret)
	s.shipped(tok, "100001", details("SO-1", "Jane Doe", "LS1 5HD", 1200))
	s.shipped(tok, "100002", details("SO-2", "John Roe", "M1 1AA", 500, 750))
	r := s.post("CreateManifest", createManifest(tok, "100002", "100001"))
	if r.isError() {
		t.Fatal(r.raw)
	}
	ref := r.obj["ManifestReference"].(string)
	s.clock.Advance(3 * time.Hour) // printed later; the manifest keeps its filing time

	r = s.post("PrintManifest", map[string]any{"AuthorizationToken": tok, "ManifestReference": " " + ref + " "})
	if r.isError() {
		t.Fatal(r.message())
	}
	sameKeys(t, "PrintManifest response", r.obj, "PDFbase64", "IsError", "ErrorMessage")
	pdf, err := base64.StdEncoding.DecodeString(r.obj["PDFbase64"].(string))
	if err != nil {
		t.Fatalf("PDFbase64 is not base64: %v", err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", pdf[:min(len(pdf), 16)])
	}
	if !regexp.MustCompile(`/MediaBox \[0 0 595\.2\d+ 841\.8\d+\]`).Match(pdf) {
		t.Error("the PDF is not A4 portrait")
	}
	pages, err := pdftext.Read(pdf)
	if err != nil {
		t.Fatalf("read the PDF's text: %v", err)
	}
	text := pages.All()
	for _, want := range []string{
		"Collection manifest",
		senderName, senderCo, senderStreet, senderCity, senderPost + " GB", "Tel " + senderPhone,
		ref, "2026-03-02 10:00",
		// One row per consignment, in the order listed.
		"1", "100002", "SO-2", "John Roe", "M1 1AA", "TRK100002", "2", "1.25",
		"100001", "SO-1", "Jane Doe", "LS1 5HD", "TRK100001", "1.20",
		// Totals.
		"Consignments", "Packages", "3", "Total weight", "2.45 kg",
	} {
		if !slices.Contains(text, want) {
			t.Errorf("the PDF does not show %q; it shows %q", want, text)
		}
	}
	if i, j := slices.Index(text, "100002"), slices.Index(text, "100001"); i < 0 || j < i {
		t.Errorf("rows out of order: 100002 at %d, 100001 at %d", i, j)
	}
}

func TestPrintManifestBadInput(t *testing.T) {
	s := newSvcHarness(t, svcSetup{})
	tok := s.newProfile(svcToken, sbSecret)
	other := s.newProfile(otherToken, sbSecret)
	s.shipped(other, "100001", details("X-1", "Zed", "B1 1AA", 100))
	r := s.post("CreateManifest", createManifest(other, "100001"))
	if r.isError() {
		t.Fatal(r.raw)
	}
	othersRef := r.obj["ManifestReference"].(string)
	if _, err := s.ships.GetManifest(context.Background(), profile.ID(other), othersRef); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		body any
		want string
	}{
		{"no token", `{"ManifestReference":"STRM-20260302-001"}`, "AuthorizationToken is required"},
		{"unknown token", map[string]any{"AuthorizationToken": "9f9f9f9f-0000-4000-8000-000000000000", "ManifestReference": othersRef}, "Authorization failed for token"},
		{"no reference", map[string]any{"AuthorizationToken": tok}, "ManifestReference is required"},
		{"blank reference", map[string]any{"AuthorizationToken": tok, "ManifestReference": "  "}, "ManifestReference is required"},
		{"reference not a string", `{"AuthorizationToken":"` + tok + `","ManifestReference":[7]}`, "ManifestReference must be a string"},
		{"long reference", map[string]any{"AuthorizationToken": tok, "ManifestReference": strings.Repeat("R", 65)}, "ManifestReference is longer than 64 characters"},
		{"unknown reference", map[string]any{"AuthorizationToken": tok, "ManifestReference": "STRM-20260302-009"}, `manifest "STRM-20260302-009" was not found`},
		{"another profile's manifest", map[string]any{"AuthorizationToken": tok, "ManifestReference": othersRef}, `manifest "` + othersRef + `" was not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.post("PrintManifest", tt.body)
			if !r.isError() || !strings.Contains(r.message(), tt.want) {
				t.Fatalf("got %.300s, want an error containing %q", r.raw, tt.want)
			}
			if v, _ := r.obj["PDFbase64"].(string); v != "" {
				t.Error("an error answer carries a PDF")
			}
		})
	}
}

// TestManifestsAgreeWithCancellations: an order cancelled before filing is
// left out of the manifest and listed as such; one cancelled after filing
// (by CancelLabel, or in Stream as the write-back records it) prints as
// CANCELLED on a reprint and is not in the totals; an unknown order still
// refuses the manifest.
func TestManifestsAgreeWithCancellations(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	svc := e.serviceID("sandbox", justin, courier)
	for i, id := range []int{810001, 810002, 810003, 810004} {
		req := labelRequest(tok, svc, id)
		req.Name = []string{"Ann Early", "Bob Later", "Cat Stream", "Dan Kept"}[i]
		if r := e.generate(req); r.isError() {
			t.Fatal(r.message())
		}
	}
	// Cancelled before filing.
	if r := e.post("CancelLabel", map[string]any{"AuthorizationToken": tok, "OrderReference": "810001"}); r.isError() {
		t.Fatal(r.message())
	}
	// An unknown order still refuses the manifest, and names only itself.
	r := e.post("CreateManifest", map[string]any{"AuthorizationToken": tok, "OrderId": []string{"810001", "810002", "899999"}})
	if !r.isError() || !strings.Contains(r.message(), "order 899999 is unknown") || strings.Contains(r.message(), "810001") {
		t.Fatalf("manifest with an unknown order: %s", r.raw)
	}
	// Only cancelled orders: nothing to collect.
	if r := e.post("CreateManifest", map[string]any{"AuthorizationToken": tok, "OrderId": []string{"810001"}}); !r.isError() ||
		!strings.Contains(r.message(), "nothing to collect") {
		t.Fatalf("manifest of a cancelled order only: %s", r.raw)
	}
	r = e.post("CreateManifest", map[string]any{"AuthorizationToken": tok, "OrderId": []string{"810001", "810002", "810003", "810004"}})
	if r.isError() {
		t.Fatal(r.message())
	}
	ref, _ := r.obj["ManifestReference"].(string)
	if sh := e.shipmentOf(tok, 810001); sh.ManifestRef != "" {
		t.Errorf("the cancelled order was filed into %q", sh.ManifestRef)
	}

	// Cancelled after filing: by CancelLabel, and in Stream (as the
	// write-back records Stream's status).
	if r := e.post("CancelLabel", map[string]any{"AuthorizationToken": tok, "OrderReference": "810002"}); r.isError() {
		t.Fatal(r.message())
	}
	sh := e.shipmentOf(tok, 810003)
	sh.StreamStatus = "CANCELLED"
	if err := e.shipments.Update(context.Background(), sh); err != nil {
		t.Fatal(err)
	}

	r = e.post("PrintManifest", map[string]any{"AuthorizationToken": tok, "ManifestReference": ref})
	if r.isError() {
		t.Fatal(r.message())
	}
	pdf, err := base64.StdEncoding.DecodeString(r.obj["PDFbase64"].(string))
	if err != nil {
		t.Fatal(err)
	}
	pages, err := pdftext.Read(pdf)
	if err != nil {
		t.Fatal(err)
	}
	text := pages.All()
	// Rows: 810002 and 810003 marked, 810004 collected; 810001 not a row.
	if slices.Contains(text, "Ann Early") || slices.Contains(text, "Bob Later") || slices.Contains(text, "Cat Stream") ||
		!slices.Contains(text, "Dan Kept") || pages.Count("CANCELLED") != 2 {
		t.Errorf("rows: want 810002 and 810003 marked CANCELLED and 810004 named; the PDF shows %q", text)
	}
	if i := slices.Index(text, "810001"); i >= 0 && (i == 0 || text[i-1] != "Left out, already cancelled when the manifest was filed (1):") {
		t.Errorf("order 810001 is printed other than as left out: %q", text)
	}
	for _, want := range []string{
		"Left out, already cancelled when the manifest was filed (1):", "810001",
		"Consignments", "1", "Packages", "2", "Total weight", "2.30 kg",
		"Cancelled", "2, cancelled after filing: not collected, not in the totals",
	} {
		if !slices.Contains(text, want) {
			t.Errorf("the PDF does not show %q; it shows %q", want, text)
		}
	}
}
