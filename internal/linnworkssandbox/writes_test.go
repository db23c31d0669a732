package linnworkssandbox

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestNotesAreStoredAsGiven(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()
	id := e.adminOrder("100002").Order.OrderId

	var added struct{ OrderNotes []OrderNote }
	e.ok(token, "POST", "/api/Orders/AddOrdersNote", map[string]any{"OrderIds": []string{id}, "NoteText": "Stream order SO-1 created", "IsInternal": true}, 200).decode(t, &added)
	if len(added.OrderNotes) != 1 || added.OrderNotes[0].Note != "Stream order SO-1 created" || !added.OrderNotes[0].NoteDate.Equal(e.clock.Now()) {
		t.Fatalf("added %+v", added.OrderNotes)
	}
	e.ok(token, "POST", "/api/Orders/AddOrdersNote", map[string]any{"OrderIds": []string{id}, "NoteText": "second"}, 200)

	var notes []OrderNote
	e.ok(token, "GET", "/api/Orders/GetOrderNotes?orderId="+id, nil, 200).decode(t, &notes)
	if len(notes) != 2 || notes[0].Note != "Stream order SO-1 created" || notes[1].Note != "second" || notes[1].Internal {
		t.Fatalf("notes %+v", notes)
	}

	// SetOrderNotes replaces the list: writing back only one note deletes the other.
	notes[0].Note = "edited"
	e.ok(token, "POST", "/api/Orders/SetOrderNotes", map[string]any{"orderId": id, "orderNotes": notes[:1]}, 204)
	got := e.adminOrder(id).Notes
	if len(got) != 1 || got[0].Note != "edited" || got[0].OrderNoteId != notes[0].OrderNoteId {
		t.Fatalf("after SetOrderNotes: %+v", got)
	}
	// A note without an id or date gets both.
	e.ok(token, "POST", "/api/Orders/SetOrderNotes", map[string]any{"orderId": id, "orderNotes": []map[string]any{{"Note": "fresh", "Internal": false, "CreatedBy": "client"}}}, 204)
	got = e.adminOrder(id).Notes
	if len(got) != 1 || got[0].OrderNoteId == "" || got[0].CreatedBy != "client" || got[0].NoteDate.IsZero() {
		t.Fatalf("fresh note %+v", got)
	}

	var byOrder map[string][]OrderNote
	e.ok(token, "POST", "/api/Orders/GetOrdersNotes", map[string]any{"orderIds": []string{id}}, 200).decode(t, &byOrder)
	if len(byOrder[id]) != 1 {
		t.Errorf("GetOrdersNotes: %+v", byOrder)
	}
	var types []struct{ NoteTypeId int }
	e.ok(token, "GET", "/api/Orders/GetOrderNoteTypes", nil, 200).decode(t, &types)
	if len(types) == 0 {
		t.Errorf("no note types")
	}
	if r := e.call("POST", "/api/Orders/AddOrdersNote", token, map[string]any{"OrderIds": []string{"00000000-0000-0000-0000-0000000000aa"}, "NoteText": "x"}); r.status != 400 {
		t.Errorf("note on unknown order: %d", r.status)
	}
}

func TestShippingInfoIsReplacedWhole(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()
	o := e.adminOrder("100002")
	id := o.Order.OrderId

	// Read-modify-write keeps the service.
	info := map[string]any{"PostalServiceId": o.Order.ShippingInfo.PostalServiceId, "TotalWeight": 12.5, "ItemWeight": 12.5, "PostageCost": 8.4, "TrackingNumber": "STR-123"}
	var res updateTotalsResult
	e.ok(token, "POST", "/api/Orders/SetOrderShippingInfo", map[string]any{"orderId": id, "info": info}, 200).decode(t, &res)
	if res.ShippingInfo.TrackingNumber != "STR-123" || res.ShippingInfo.PostalServiceName != "Courier (Justin Depot)" || res.TotalsInfo.PostageCost != 8.4 {
		t.Fatalf("result %+v", res)
	}
	if want := round2(o.Order.TotalsInfo.Subtotal + 8.4); res.TotalsInfo.TotalCharge != want {
		t.Errorf("TotalCharge %.2f, want %.2f", res.TotalsInfo.TotalCharge, want)
	}
	after := e.adminOrder(id)
	if after.TrackingNumber != "STR-123" || after.Order.ShippingInfo.TotalWeight != 12.5 {
		t.Errorf("stored %+v", after.Order.ShippingInfo)
	}

	// Sending only the tracking number clears the rest, as the real endpoint does.
	e.ok(token, "POST", "/api/Orders/SetOrderShippingInfo", map[string]any{"orderId": id, "info": map[string]any{"TrackingNumber": "STR-456"}}, 200)
	after = e.adminOrder(id)
	if after.TrackingNumber != "STR-456" || after.Order.ShippingInfo.PostalServiceId != "" || after.Order.ShippingInfo.PostalServiceName != "" || after.Order.ShippingInfo.TotalWeight != 0 {
		t.Errorf("partial write did not replace: %+v", after.Order.ShippingInfo)
	}

	r := e.call("POST", "/api/Orders/SetOrderShippingInfo", token, map[string]any{"orderId": id, "info": map[string]any{"PostalServiceId": "99999999-9999-4999-8999-999999999999"}})
	if r.status != 400 || !strings.Contains(r.v1err(t).Message, "Postal service") {
		t.Errorf("unknown service: %d %s", r.status, r.body)
	}
	processed := e.adminOrder("100001").Order.OrderId
	if r := e.call("POST", "/api/Orders/SetOrderShippingInfo", token, map[string]any{"orderId": processed, "info": info}); r.status != 400 {
		t.Errorf("processed order: %d", r.status)
	}

	var changed []string
	e.ok(token, "POST", "/api/Orders/ChangeShippingMethod", map[string]any{"orderIds": []string{id}, "shippingMethod": "Rishvi Vehicles (Rishvi)"}, 200).decode(t, &changed)
	if len(changed) != 1 || e.adminOrder(id).Order.ShippingInfo.PostalServiceId != RishviVehiclesServiceID {
		t.Errorf("ChangeShippingMethod: %v", changed)
	}
}

func TestProcessOrder(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()
	process := func(num string) processOrderResult {
		t.Helper()
		var res processOrderResult
		e.ok(token, "POST", "/api/Orders/ProcessOrder", map[string]any{"orderId": e.adminOrder(num).Order.OrderId, "scanPerformed": true}, 200).decode(t, &res)
		return res
	}
	tests := []struct {
		num, err string
	}{
		{"100002", "Tracking number is required"},
		{"100006", "not paid"},
		{"100007", "locked"},
		{"100008", "parked"},
		{"100001", "already processed"},
	}
	for _, tc := range tests {
		if res := process(tc.num); res.Processed || !strings.Contains(res.Error, tc.err) {
			t.Errorf("order %s: %+v, want error %q", tc.num, res, tc.err)
		}
	}
	e.clock.Advance(time.Minute)
	res := process("100010") // has a tracking number
	if !res.Processed || res.Error != "" {
		t.Fatalf("process: %+v", res)
	}
	o := e.adminOrder("100010")
	if !o.Processed || !o.Order.ProcessedDateTime.Equal(e.clock.Now()) {
		t.Errorf("stored: processed %v at %v", o.Processed, o.Order.ProcessedDateTime)
	}
	if slices.Contains(e.openIDs(token, map[string]any{}), o.Order.OrderId) {
		t.Errorf("processed order still listed as open")
	}
	// Processed orders cannot be amended, but notes can still be added.
	if r := e.call("POST", "/api/Orders/SetExtendedProperties", token, map[string]any{"orderId": o.Order.OrderId, "extendedProperties": []any{}}); r.status != 400 {
		t.Errorf("amending a processed order: %d", r.status)
	}
	var noteID string
	e.ok(token, "POST", "/api/ProcessedOrders/AddOrderNote", map[string]any{"pkOrderID": o.Order.OrderId, "noteText": "Delivered", "isInternal": true}, 200).decode(t, &noteID)
	if n := e.adminOrder("100010").Notes; len(n) != 1 || n[0].OrderNoteId != noteID {
		t.Errorf("processed note: %+v", n)
	}

	var batch []processOrderResult
	e.ok(token, "POST", "/api/Orders/ProcessOrdersInBatch", map[string]any{"ordersIds": []string{e.adminOrder("100010").Order.OrderId, "00000000-0000-0000-0000-0000000000bb"}}, 200).decode(t, &batch)
	if len(batch) != 2 || batch[0].Processed || batch[1].Error != "Order not found." {
		t.Errorf("batch: %+v", batch)
	}
}

func TestExtendedProperties(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()
	id := e.adminOrder("100002").Order.OrderId // has SafePlace

	var res struct {
		ExtendedPropertiesInserted int
		Errors                     []string
	}
	e.ok(token, "POST", "/api/Orders/AddExtendedProperties", map[string]any{"request": map[string]any{"OrderId": id, "ExtendedProperties": []map[string]string{
		{"Name": "StreamRun", "Value": "RUN-7", "Type": "Info"}, {"Name": "SafePlace", "Value": "Garage", "Type": "Info"}}}}, 200).decode(t, &res)
	if res.ExtendedPropertiesInserted != 1 || len(res.Errors) != 1 || !strings.Contains(res.Errors[0], "SafePlace") {
		t.Fatalf("add: %+v", res)
	}
	var props []ExtendedProperty
	e.ok(token, "GET", "/api/Orders/GetExtendedProperties?orderId="+id, nil, 200).decode(t, &props)
	if len(props) != 2 || props[0].Value != "Porch" || props[1].Name != "StreamRun" || props[1].RowId == "" {
		t.Fatalf("after add: %+v", props)
	}
	// Set replaces everything.
	props[1].Value = "RUN-8"
	var set []ExtendedProperty
	e.ok(token, "POST", "/api/Orders/SetExtendedProperties", map[string]any{"orderId": id, "extendedProperties": props[1:]}, 200).decode(t, &set)
	if len(set) != 1 || set[0].Value != "RUN-8" || set[0].RowId != props[1].RowId {
		t.Fatalf("set: %+v", set)
	}
	if got := e.adminOrder(id).Order.ExtendedProperties; len(got) != 1 || got[0].Name != "StreamRun" {
		t.Errorf("stored: %+v", got)
	}
}

func TestPostalServicesAndIntegrations(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()
	var services []postalServiceView
	e.ok(token, "GET", "/api/PostalServices/GetPostalServices", nil, 200).decode(t, &services)
	if len(services) != 5 {
		t.Fatalf("%d services", len(services))
	}
	stream := 0
	for _, s := range services {
		if s.Vendor == StreamVendor {
			stream++
			if !s.HasMappedShippingService || len(s.ShippingServices) != 1 {
				t.Errorf("stream service %s not linked: %+v", s.PostalServiceName, s)
			}
		}
	}
	if stream != 4 {
		t.Errorf("%d stream services, want 4", stream)
	}
	var methods []struct {
		Vendor         string
		PostalServices []struct{ PostalServiceName string }
	}
	e.ok(token, "GET", "/api/Orders/GetShippingMethods", nil, 200).decode(t, &methods)
	if len(methods) != 2 || methods[0].Vendor != StreamVendor || len(methods[0].PostalServices) != 4 {
		t.Errorf("shipping methods: %+v", methods)
	}
	var integrations []map[string]any
	e.ok(token, "GET", "/api/ShippingService/GetIntegrations", nil, 200).decode(t, &integrations)
	if len(integrations) != 1 || integrations[0]["Vendor"] != StreamVendor {
		t.Errorf("integrations: %+v", integrations)
	}
	var loc location
	e.ok(token, "GET", "/api/Locations/GetLocation?pkStockLocationId="+ManchesterLocationID, nil, 200).decode(t, &loc)
	if loc.LocationName != "Manchester 3PL" || !loc.IsFulfillmentCenter {
		t.Errorf("location: %+v", loc)
	}
}

func TestCancelShippingLabel(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()
	type result struct {
		LabelCanceled, IsError bool
		ErrorMessage           string
	}
	var res result
	withLabel := e.adminOrder("100010").Order.OrderId
	e.ok(token, "POST", "/api/ShippingService/CancelOrderShippingLabel", map[string]any{"request": map[string]any{"pkOrderId": withLabel}}, 200).decode(t, &res)
	if !res.LabelCanceled || res.IsError || e.adminOrder(withLabel).TrackingNumber != "" {
		t.Fatalf("cancel: %+v", res)
	}
	e.ok(token, "POST", "/api/ShippingService/CancelOrderShippingLabel", map[string]any{"request": map[string]any{"pkOrderId": withLabel}}, 200).decode(t, &res)
	if res.LabelCanceled || !res.IsError || !strings.Contains(res.ErrorMessage, "no shipping label") {
		t.Errorf("second cancel: %+v", res)
	}
}

func TestSearchProcessedOrders(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()
	var res struct {
		ProcessedOrders struct {
			TotalEntries int64
			Data         []processedOrderWeb
		}
	}
	e.ok(token, "POST", "/api/ProcessedOrders/SearchProcessedOrders", map[string]any{"request": map[string]any{
		"SearchTerm": "", "DateField": "processed", "FromDate": e.clock.Now().Add(-15 * 24 * time.Hour).Format(time.RFC3339), "ToDate": e.clock.Now().Format(time.RFC3339),
		"PageNumber": 1, "ResultsPerPage": 20}}, 200).decode(t, &res)
	if res.ProcessedOrders.TotalEntries != 1 || res.ProcessedOrders.Data[0].NOrderId != 100001 || res.ProcessedOrders.Data[0].PostalTrackingNumber != "STR-SEED-0000" {
		t.Fatalf("search: %+v", res.ProcessedOrders)
	}
	e.ok(token, "POST", "/api/ProcessedOrders/SearchProcessedOrders", map[string]any{"request": map[string]any{
		"DateField": "processed", "FromDate": e.clock.Now().Add(-time.Hour).Format(time.RFC3339), "PageNumber": 1, "ResultsPerPage": 20}}, 200).decode(t, &res)
	if res.ProcessedOrders.TotalEntries != 0 {
		t.Errorf("date filter: %d", res.ProcessedOrders.TotalEntries)
	}
}
