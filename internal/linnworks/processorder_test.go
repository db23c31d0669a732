package linnworks_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworkssandbox"
)

// ProcessOrder is never sent twice after a 5xx: the order's processed state is read back,
// and the outcome follows from it, proven with the sandbox failing before and after it acts.
func TestProcessOrderAfterA5xxReadsBackInsteadOfRetrying(t *testing.T) {
	for _, tt := range []struct {
		name   string
		faults []linnworkssandbox.Fault
		check  func(t *testing.T, res linnworks.ProcessResult, err error, processed bool)
	}{
		{
			name:   "processed, then the answer failed",
			faults: []linnworkssandbox.Fault{{Mode: linnworkssandbox.FaultErrorAfter, Count: 1, Path: "Orders/ProcessOrder"}},
			check: func(t *testing.T, res linnworks.ProcessResult, err error, processed bool) {
				if err != nil || !res.Processed || !processed {
					t.Fatalf("result %+v, err %v, sandbox processed %v; want processed", res, err, processed)
				}
			},
		},
		{
			name:   "failed before processing",
			faults: []linnworkssandbox.Fault{{Mode: linnworkssandbox.FaultError, Count: 1, Path: "Orders/ProcessOrder"}},
			check: func(t *testing.T, res linnworks.ProcessResult, err error, processed bool) {
				if !linnworks.IsRetryable(err) || errors.Is(err, linnworks.ErrOutcomeUnknown) || res.Processed || processed {
					t.Fatalf("result %+v, err %v, sandbox processed %v; want a safe retry later", res, err, processed)
				}
				if !strings.Contains(err.Error(), "HTTP 500") || !strings.Contains(err.Error(), "is not processed") {
					t.Fatalf("err %q does not say what the read-back found", err)
				}
			},
		},
		{
			name: "failed, and the read-back failed too",
			faults: []linnworkssandbox.Fault{
				{Mode: linnworkssandbox.FaultErrorAfter, Count: 1, Path: "Orders/ProcessOrder"},
				{Mode: linnworkssandbox.FaultError, Count: 10, Path: "Orders/GetOrderById"},
			},
			check: func(t *testing.T, res linnworks.ProcessResult, err error, processed bool) {
				if !errors.Is(err, linnworks.ErrOutcomeUnknown) || linnworks.IsRetryable(err) || res.Processed {
					t.Fatalf("result %+v, err %v; want the outcome unknown", res, err)
				}
				if !processed {
					t.Fatal("the sandbox did not process the order; the case proves nothing")
				}
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := newSandboxEnv(t, linnworkssandbox.Options{})
			ctx := context.Background()
			added, err := e.sb.AddOrders(linnworkssandbox.OrderDetails{
				GeneralInfo:  linnworkssandbox.OrderGeneralInfo{Status: 1},
				ShippingInfo: linnworkssandbox.OrderShippingInfo{PostalServiceId: linnworkssandbox.JustinDeliveryServiceID, TotalWeight: 2, TrackingNumber: "STR-0001"},
				Items:        []linnworkssandbox.OrderItem{{SKU: "MUG-1", Title: "Mug", Quantity: 1, PricePerUnit: 8, Weight: 2}},
			})
			if err != nil {
				t.Fatal(err)
			}
			id := added[0].Order.OrderId
			if _, err := e.c.CheckToken(ctx, sandboxToken); err != nil {
				t.Fatal(err)
			}
			for _, f := range tt.faults {
				if err := e.sb.InjectFault(f); err != nil {
					t.Fatal(err)
				}
			}
			res, err := e.c.ProcessOrder(ctx, sandboxToken, id, linnworks.ProcessOptions{})
			tt.check(t, res, err, mustOrder(t, e.sb, id).Processed)
			if n := e.calls(http.MethodPost, "Orders/ProcessOrder", 0); n != 1 {
				t.Fatalf("ProcessOrder sent %d times, want once", n)
			}
			if n := e.calls(http.MethodGet, "Orders/GetOrderById", 0); n == 0 {
				t.Fatal("the order was not read back after the 5xx")
			}
		})
	}
}
