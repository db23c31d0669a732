package shipping_test

import (
	"context"
	"strings"
	"testing"

	"linnstream/internal/profile"
	"linnstream/internal/shipment"
	"linnstream/internal/wizard"
)

// TestTwoProfilesOnOneStreamAccount: profiles A and B share the sandbox's
// Stream account and both have the default empty order number prefix (as
// profiles installed before the wizard refused that could). Each only
// ever reaches its own Stream orders: B labelling an order A labelled gets
// a refusal, not A's order; and B's CancelLabel, CreateManifest and
// PrintManifest never touch A's order, shipment or manifest.
func TestTwoProfilesOnOneStreamAccount(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	a := e.addProfile("sandbox", "sandbox-secret", nil)
	b := e.addProfile("sandbox", "sandbox-secret", nil)
	svc := e.serviceID("sandbox", justin, courier)
	status := func(orderNo string) string {
		t.Helper()
		var found []string
		for _, so := range e.orders() {
			if so.OrderNo == orderNo {
				found = append(found, so.OrderStatus)
			}
		}
		if len(found) != 1 {
			t.Fatalf("Stream holds %d orders numbered %s, want 1", len(found), orderNo)
		}
		return found[0]
	}

	// A labels order 100001; B sends the very same request under its own
	// token (the same Linnworks OrderId, consignee and reference).
	ra := e.generate(labelRequest(a, svc, 100001))
	if ra.isError() {
		t.Fatal(ra.message())
	}
	aShip := e.shipmentOf(a, 100001)
	rb := e.generate(labelRequest(b, svc, 100001))
	if !rb.isError() || !strings.Contains(rb.message(), "did not create") || !strings.Contains(rb.message(), "prefix") {
		t.Fatalf("B's label of A's order: %s", rb.raw[:min(400, len(rb.raw))])
	}
	for _, secret := range []string{aShip.TrackingID, aShip.ConsignmentNo, aShip.TrackingURL} {
		if strings.Contains(rb.raw, secret) {
			t.Fatalf("B's answer carries A's %q", secret)
		}
	}
	if len(rb.resp.Package) != 0 || rb.resp.LeadTrackingNumber != "" {
		t.Fatalf("B got labels or tracking: %+v", rb.resp)
	}
	if sb := e.shipmentOf(b, 100001); sb.State != shipment.StateFailed || sb.ConsignmentNo != "" || sb.TrackingID != "" {
		t.Fatalf("B's record: %s consignment %q tracking %q, want failed without A's", sb.State, sb.ConsignmentNo, sb.TrackingID)
	}

	// B's cancel never cancels A's order in Stream.
	if r := e.post("CancelLabel", map[string]any{"AuthorizationToken": b, "OrderReference": "100001"}); !r.isError() {
		t.Fatalf("B cancelled order 100001: %s", r.raw)
	}
	if s := status("100001"); s == "CANCELLED" {
		t.Fatal("B's CancelLabel cancelled A's Stream order")
	}
	if s := e.shipmentOf(a, 100001); s.State != shipment.StateCreated {
		t.Fatalf("A's shipment after B's cancel: %s", s.State)
	}

	// B cannot file A's order in a manifest, nor print A's manifest.
	if r := e.post("CreateManifest", createManifest(b, "100001")); !r.isError() {
		t.Fatalf("B filed order 100001: %s", r.raw)
	}
	if s := e.shipmentOf(a, 100001); s.ManifestRef != "" {
		t.Fatalf("B's manifest request filed A's order into %s", s.ManifestRef)
	}
	r := e.post("CreateManifest", createManifest(a, "100001"))
	if r.isError() {
		t.Fatal(r.message())
	}
	ref, _ := r.obj["ManifestReference"].(string)
	if pr := e.post("PrintManifest", map[string]any{"AuthorizationToken": b, "ManifestReference": ref}); !pr.isError() || pr.obj["PDFbase64"] != "" {
		t.Fatalf("B printed A's manifest %s: %s", ref, pr.raw[:min(300, len(pr.raw))])
	}
	if pr := e.post("PrintManifest", map[string]any{"AuthorizationToken": a, "ManifestReference": ref}); pr.isError() {
		t.Fatalf("A's own manifest: %s", pr.message())
	}

	// The other way round: B labels first, A is refused, and A's cancel
	// leaves B's order standing.
	if r := e.generate(labelRequest(b, svc, 100002)); r.isError() {
		t.Fatal(r.message())
	}
	if r := e.generate(labelRequest(a, svc, 100002)); !r.isError() || !strings.Contains(r.message(), "did not create") {
		t.Fatalf("A's label of B's order: %s", r.raw[:min(300, len(r.raw))])
	}
	if r := e.post("CancelLabel", map[string]any{"AuthorizationToken": a, "OrderReference": "100002"}); !r.isError() {
		t.Fatalf("A cancelled order 100002: %s", r.raw)
	}
	if s := status("100002"); s == "CANCELLED" {
		t.Fatal("A's CancelLabel cancelled B's Stream order")
	}
	if r := e.post("CancelLabel", map[string]any{"AuthorizationToken": b, "OrderReference": "100002"}); r.isError() {
		t.Fatalf("B's own cancel: %s", r.message())
	}
	if s := status("100002"); s != "CANCELLED" {
		t.Fatalf("B's own cancel left its order %s", s)
	}
	if s := status("100001"); s == "CANCELLED" {
		t.Fatal("B's own cancel cancelled A's order")
	}
	for _, so := range e.orders() {
		o := so.order(t)
		want := shipment.Marker(profile.ID(a))
		if so.OrderNo == "100002" {
			want = shipment.Marker(profile.ID(b))
		}
		if o.Header.ExternalClientID != want {
			t.Errorf("Stream order %s carries mark %q, want its profile's %q", so.OrderNo, o.Header.ExternalClientID, want)
		}
	}
}

// TestUpdateConfigRefusesASecondProfileWithoutAPrefix: the second profile
// on one Stream account and party cannot finish the wizard without its own
// order number prefix; with one it can. Removing the first frees its
// numbering for another.
func TestUpdateConfigRefusesASecondProfileWithoutAPrefix(t *testing.T) {
	hs := newHarness(t, setup{})
	first := hs.addUser()
	hs.walk(first)
	second := hs.addUser()
	sync := stageValues[len(stageValues)-1]
	for _, s := range stageValues[:len(stageValues)-1] {
		if r := hs.post("UpdateConfig", update(second, s.stage, s.items)); r.isError() {
			t.Fatalf("UpdateConfig %s: %s", s.stage, r.message())
		}
	}
	before := hs.stored(second)
	r := hs.post("UpdateConfig", update(second, sync.stage, sync.items))
	if !r.isError() || !strings.Contains(r.message(), "another active Stream integration") ||
		!strings.Contains(r.message(), streamURL) || !strings.Contains(r.message(), wizard.ItemOrderNumberPrefix) {
		t.Fatalf("second profile's activation: %s", r.raw)
	}
	hs.unchanged(second, before, "the refused activation")

	withPrefix := append([]item(nil), sync.items...)
	for i := range withPrefix {
		if withPrefix[i].ConfigItemId == wizard.ItemOrderNumberPrefix {
			withPrefix[i].SelectedValue = "B-"
		}
	}
	if r := hs.post("UpdateConfig", update(second, sync.stage, withPrefix)); r.isError() {
		t.Fatalf("activation with a prefix: %s", r.message())
	}
	if p := hs.stored(second); !p.Active || p.Numbering == "" || p.Numbering == hs.stored(first).Numbering {
		t.Fatalf("second profile: active %v numbering %q", p.Active, p.Numbering)
	}

	if r := hs.post("ConfigDeleted", map[string]any{"AuthorizationToken": first}); r.isError() {
		t.Fatal(r.message())
	}
	third := hs.addUser()
	hs.walk(third)
	if p, _ := hs.mem.Get(context.Background(), profile.ID(third)); !p.Active {
		t.Fatal("the deleted profile's numbering was not released")
	}
}
