package shipping_test

import (
	"strings"
	"testing"

	"linnstream/internal/shipping"
	"linnstream/internal/wizard"
)

// The cap on one answer counts every label it carries, packages times the
// copies Number of labels asks for, not packages alone: 41 packages at 5
// copies are 205 labels and refused before anything reaches Stream, while 40
// at 5 are exactly the 200 an answer carries.
func TestLabelCapCountsCopies(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", func(s map[string]string) { s[wizard.ItemLabelCount] = "5" })
	svc := e.serviceID("sandbox", justin, courier)
	withPackages := func(orderID, n int) *shipping.GenerateLabelRequest {
		req := labelRequest(tok, svc, orderID)
		req.Packages = nil
		for i := range n {
			req.Packages = append(req.Packages, &shipping.LabelPackage{SequenceNumber: i, PackageWeight: 100, PackageFormat: "PACKET",
				Items: []*shipping.LabelItem{{ItemName: "Card", ProductCode: "CARD", Quantity: 1, UnitWeight: 100}}})
		}
		return req
	}

	r := e.generate(withPackages(300041, 41))
	want := "the order needs 205 labels (41 packages, Number of labels 5), more than the 200 one answer to Linnworks can carry"
	if !r.isError() || !strings.Contains(r.message(), want) {
		t.Fatalf("41 packages × 5 copies: %s, want an error containing %q", r.raw[:min(len(r.raw), 300)], want)
	}
	if got := e.orders(); len(got) != 0 {
		t.Fatalf("a refused label request reached Stream: %d orders", len(got))
	}

	r = e.generate(withPackages(300040, 40))
	if r.isError() {
		t.Fatalf("40 packages × 5 copies (200 labels) refused: %s", r.message())
	}
	labels := 0
	for _, p := range r.resp.Package {
		labels += 1 + len(p.AdditionalPngsBase64)
	}
	if len(r.resp.Package) != 40 || labels != 200 {
		t.Errorf("answer carries %d packages and %d labels, want 40 and 200", len(r.resp.Package), labels)
	}
}
