package shipping_test

import (
	"strings"
	"testing"

	"linnstream/internal/shipment"
	"linnstream/internal/writeback"
)

func TestCancelLabel(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	svc := e.serviceID("sandbox", justin, courier)
	for _, id := range []int{100, 101, 102, 103} {
		if r := e.generate(labelRequest(tok, svc, id)); r.isError() {
			t.Fatal(r.message())
		}
	}
	status := func(orderNo string) string {
		for _, so := range e.orders() {
			if so.OrderNo == orderNo {
				return so.OrderStatus
			}
		}
		return "missing"
	}

	// OrderReference, the current spelling.
	r := e.post("CancelLabel", map[string]any{"AuthorizationToken": tok, "OrderReference": " 100 "})
	sameKeys(t, "CancelLabel response", r.obj, "IsError", "ErrorMessage")
	if r.isError() {
		t.Fatalf("cancel: %s", r.message())
	}
	if s := status("100"); s != "CANCELLED" {
		t.Errorf("Stream order status after cancel = %s", s)
	}
	if sh := e.shipmentOf(tok, 100); sh.State != shipment.StateCancelled || sh.StreamStatus != "CANCELLED" {
		t.Errorf("shipment after cancel = %s / %s", sh.State, sh.StreamStatus)
	}
	// Cancelling twice is a success and changes nothing.
	if r := e.post("CancelLabel", map[string]any{"AuthorizationToken": tok, "OrderReference": "100"}); r.isError() {
		t.Errorf("second cancel: %s", r.message())
	}
	// The older integer OrderId.
	if r := e.post("CancelLabel", map[string]any{"AuthorizationToken": tok, "OrderId": 101}); r.isError() {
		t.Errorf("cancel by OrderId: %s", r.message())
	}
	if s := status("101"); s != "CANCELLED" {
		t.Errorf("order 101 status = %s", s)
	}
	// Leading zeros name the same order number.
	if r := e.post("CancelLabel", map[string]any{"AuthorizationToken": tok, "OrderReference": "00103"}); r.isError() {
		t.Errorf("cancel by 00103: %s", r.message())
	}
	if s := status("103"); s != "CANCELLED" {
		t.Errorf("order 103 status = %s", s)
	}
	// A cancelled order is never shipped again under the same order.
	if r := e.generate(labelRequest(tok, svc, 100)); !r.isError() || !strings.Contains(r.message(), "was cancelled") {
		t.Errorf("GenerateLabel after cancel: %s", r.raw[:min(300, len(r.raw))])
	}
	if n := len(e.orders()); n != 4 {
		t.Errorf("sandbox holds %d orders, want 4", n)
	}

	// A dispatched order cannot be cancelled; Stream's reason is given.
	e.admin("plan", map[string]any{"orderNo": "102", "run": "RUN 01", "sequence": 1, "date": "2026-03-03"})
	e.admin("dispatch", map[string]any{"orderNo": "102"})
	r = e.post("CancelLabel", map[string]any{"AuthorizationToken": tok, "OrderReference": "102"})
	inStream := "cancel consignment " + e.shipmentOf(tok, 102).ConsignmentNo + " (Stream order 102) in Stream itself"
	if !r.isError() || !strings.Contains(r.message(), "Stream still shows its order as RELEASED; Stream refused to cancel it: NOTCANCELLABLE: ") ||
		!strings.Contains(r.message(), "dispatched") || !strings.Contains(r.message(), inStream) {
		t.Errorf("cancel dispatched: %s", r.raw)
	}
	if sh := e.shipmentOf(tok, 102); sh.State != shipment.StateCreated {
		t.Errorf("refused cancel changed the record to %s", sh.State)
	}

	for _, tc := range []struct {
		name string
		body any
		want string
	}{
		{"unknown order", map[string]any{"AuthorizationToken": tok, "OrderReference": "999"},
			"no label was generated for order 999 with this integration"},
		{"unknown order by id", map[string]any{"AuthorizationToken": tok, "OrderId": 998},
			"no label was generated for order 998"},
		{"no order", map[string]any{"AuthorizationToken": tok}, "OrderReference (or OrderId) is required"},
		{"blank reference", map[string]any{"AuthorizationToken": tok, "OrderReference": "  "}, "OrderReference (or OrderId) is required"},
		{"OrderId a word", `{"AuthorizationToken": "` + tok + `", "OrderId": "one hundred"}`, "OrderId must be an integer"},
		{"OrderReference an object", `{"AuthorizationToken": "` + tok + `", "OrderReference": {"n": 100}}`, "OrderReference must be a string"},
		{"malformed", `{"AuthorizationToken": "` + tok + `"`, "request body is not valid JSON"},
		{"unknown token", map[string]any{"AuthorizationToken": lwToken, "OrderReference": "100"}, "Authorization failed for token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.post("CancelLabel", tc.body)
			if !r.isError() || !strings.Contains(r.message(), tc.want) {
				t.Errorf("got %s, want an error containing %q", r.raw, tc.want)
			}
		})
	}
	// Another profile cannot cancel this profile's order.
	other := e.addProfile("sandbox", "sandbox-secret", nil)
	if r := e.post("CancelLabel", map[string]any{"AuthorizationToken": other, "OrderReference": "102"}); !r.isError() ||
		!strings.Contains(r.message(), "no label was generated for order 102") {
		t.Errorf("cancel by another profile: %s", r.raw)
	}
}

func TestCancelLabelOfARefusedOrder(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	req := labelRequest(tok, e.serviceID("sandbox", justin, courier), 300)
	req.Email = "broken"
	if r := e.generate(req); !r.isError() {
		t.Fatal("Stream accepted a bad email")
	}
	r := e.post("CancelLabel", map[string]any{"AuthorizationToken": tok, "OrderReference": "300"})
	if !r.isError() || !strings.Contains(r.message(), "nothing to cancel") {
		t.Errorf("cancel of a refused order: %s", r.raw)
	}
}

// TestCancelLabelBelievesOnlyStream: whatever the DELETE answers, the
// label counts as cancelled only when Stream, read back, no longer has the
// order or shows it cancelled; otherwise the operator is told to cancel the
// consignment in Stream and the record stays as it was. Only a confirmed
// cancel queues a write-back, exactly one.
func TestCancelLabelBelievesOnlyStream(t *testing.T) {
	for _, tc := range []struct {
		name string
		// before runs before CancelLabel: sandbox admin calls.
		before    func(e *labelEnv, orderNo string)
		want      string // "" for a success
		status    string // the order's status in Stream afterwards
		cancelled bool   // whether the record says cancelled
	}{
		{name: "delete succeeds", status: "CANCELLED", cancelled: true},
		{name: "delete answers 404 but the order is live", before: func(e *labelEnv, _ string) {
			e.admin("faults", map[string]any{"mode": "error", "status": 404, "count": 1})
		}, want: "Stream still shows its order as UNCONFIRMED; this Stream account does not offer cancelling by the integration", status: "UNCONFIRMED"},
		{name: "delete and read-back answer 404", before: func(e *labelEnv, _ string) {
			e.admin("faults", map[string]any{"mode": "error", "status": 404, "count": 2})
		}, status: "UNCONFIRMED", cancelled: true},
		{name: "delete processed, answer lost", before: func(e *labelEnv, _ string) {
			e.admin("faults", map[string]any{"mode": "drop", "count": 1})
		}, status: "CANCELLED", cancelled: true},
		{name: "Stream unavailable", before: func(e *labelEnv, _ string) {
			e.admin("faults", map[string]any{"mode": "error", "status": 503, "count": 1000})
		}, want: "Stream could not be asked whether its order is cancelled", status: "UNCONFIRMED"},
		{name: "delivered", before: func(e *labelEnv, no string) {
			e.admin("plan", map[string]any{"orderNo": no, "run": "RUN 02", "sequence": 1, "date": "2026-03-03"})
			e.admin("dispatch", map[string]any{"orderNo": no})
			e.admin("deliver", map[string]any{"orderNo": no})
		}, want: "Stream still shows its order as DELIVERED; Stream refused to cancel it: NOTCANCELLABLE", status: "DELIVERED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sent := &sentMessages{}
			e := newLabelEnv(t, labelSetup{writebacks: sent})
			tok := e.addProfile("sandbox", "sandbox-secret", nil)
			if r := e.generate(labelRequest(tok, e.serviceID("sandbox", justin, courier), 700)); r.isError() {
				t.Fatal(r.message())
			}
			before := e.shipmentOf(tok, 700)
			labelled := len(sent.decoded(t))
			if tc.before != nil {
				tc.before(e, "700")
			}
			r := e.post("CancelLabel", map[string]any{"AuthorizationToken": tok, "OrderReference": "700"})
			e.admin("faults", map[string]any{"mode": "none"})
			switch {
			case tc.want == "" && r.isError():
				t.Errorf("cancel: %s", r.message())
			case tc.want != "" && (!r.isError() || !strings.Contains(r.message(), tc.want) ||
				!strings.Contains(r.message(), "cancel consignment "+before.ConsignmentNo+" (Stream order 700) in Stream itself")):
				t.Errorf("cancel: %s\nwant an error containing %q and the consignment %s", r.raw, tc.want, before.ConsignmentNo)
			}
			if s := e.onlyOrder().OrderStatus; s != tc.status {
				t.Errorf("Stream shows the order as %s, want %s", s, tc.status)
			}
			after := e.shipmentOf(tok, 700)
			if got := after.State == shipment.StateCancelled; got != tc.cancelled {
				t.Errorf("record state %s, want cancelled %v", after.State, tc.cancelled)
			}
			if !tc.cancelled && after.Version != before.Version {
				t.Errorf("a cancel that did not happen changed the record: version %d → %d", before.Version, after.Version)
			}
			msgs := sent.decoded(t)[labelled:]
			want := 0
			if tc.cancelled {
				want = 1
			}
			if len(msgs) != want {
				t.Fatalf("CancelLabel queued %d write-backs, want %d: %+v", len(msgs), want, msgs)
			}
			if want == 1 && (msgs[0].Source != writeback.SourceCancel || msgs[0].Ref != "700" || msgs[0].OrderID != "700" ||
				msgs[0].Consignment != before.ConsignmentNo || msgs[0].ProfileID != before.ProfileID) {
				t.Errorf("write-back message = %+v, want a cancel of Stream order 700, consignment %s", msgs[0], before.ConsignmentNo)
			}
		})
	}
}
