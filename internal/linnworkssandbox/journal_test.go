package linnworkssandbox

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestEveryHandlerIsASpecOperation(t *testing.T) {
	s, err := officialSpec()
	if err != nil {
		t.Fatal(err)
	}
	for key := range apiHandlers() {
		method, path, _ := strings.Cut(key, " ")
		if strings.HasPrefix(path, "/orders") {
			path = v2Base + path
		}
		rt, err := s.find(method, path)
		if err != nil {
			t.Errorf("%s: %v", key, err)
			continue
		}
		if got := rt.r.Method + " " + rt.r.Path; got != key {
			t.Errorf("%s resolves to %s", key, got)
		}
	}
}

// TestJournalOfAFullRunMatchesTheSpec drives every simulated operation the way a client
// does and then checks the journal: each request the sandbox accepted passes the official
// spec, each it refused as invalid does not, and every operation was exercised.
func TestJournalOfAFullRunMatchesTheSpec(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()
	a := e.adminOrder("100002").Order
	b := e.adminOrder("100003").Order
	done := e.adminOrder("100001").Order
	now := e.clock.Now()

	calls := []struct {
		method, target string
		body           any
	}{
		{"POST", "/api/Auth/GetApplicationProfileBySecretKey", map[string]any{"applicationId": "9b1f3c55-1111-4222-8333-444455556666", "applicationSecret": "0c2d4e6f-7777-4888-9999-aaaabbbbcccc", "userId": derivedGUID("user", DefaultInstallToken)}},
		{"POST", "/api/Orders/GetOpenOrders", map[string]any{"entriesPerPage": 5, "pageNumber": 1, "filters": textFilter("SHIPPING_INFORMATION_VENDOR", "Contains", "STREAM"), "sorting": []map[string]any{{"FieldCode": "GENERAL_INFO_DATE", "Direction": "Ascending", "Order": 0}}, "fulfilmentCenter": defaultLocationID}},
		{"POST", "/api/Orders/GetAllOpenOrders", map[string]any{"filters": textFilter("SHIPPING_INFORMATION_TRACKING_NUMBER", "Equal", ""), "exactMatch": false}},
		{"POST", "/api/Orders/GetOrdersById", map[string]any{"pkOrderIds": []string{a.OrderId, b.OrderId}}},
		{"POST", "/api/Orders/GetOrders", map[string]any{"ordersIds": []string{a.OrderId}, "loadItems": true, "loadAdditionalInfo": true}},
		{"GET", "/api/Orders/GetOrderById?pkOrderId=" + a.OrderId, nil},
		{"GET", "/api/Orders/GetOrderDetailsByNumOrderId?OrderId=100003", nil},
		{"GET", "/api/Orders/GetOrderDetailsByReferenceId?ReferenceId=" + url.QueryEscape(a.GeneralInfo.ReferenceNum), nil},
		{"POST", "/api/OpenOrders/GetOpenOrders", map[string]any{"ViewId": 0, "LocationId": defaultLocationID, "EntriesPerPage": 10, "PageNumber": 1}},
		{"POST", "/api/OpenOrders/GetOpenOrderIds", map[string]any{"ViewId": 0, "LocationId": LeedsLocationID, "EntriesPerPage": 10, "PageNumber": 1}},
		{"POST", "/api/OpenOrders/GetOpenOrdersDetails", map[string]any{"OrderIds": []string{a.OrderId}, "DetailLevel": []string{}}},
		{"GET", "/api/OpenOrders/GetIdentifiers", nil},
		{"POST", "/api/OpenOrders/SaveIdentifier", map[string]any{"Identifier": map[string]any{"Tag": "STREAM_ERROR", "Name": "Error from Stream", "ImageUrl": "https://example.com/e.png", "IsCustom": true}}},
		{"POST", "/api/OpenOrders/AssignOrderIdentifier", map[string]any{"OrderIds": []string{a.OrderId}, "Tag": "STREAM_ERROR"}},
		{"POST", "/api/OpenOrders/GetIdentifiersByOrderIds", map[string]any{"OrderIds": []string{a.OrderId}}},
		{"POST", "/api/OpenOrders/UnassignOrderIdentifier", map[string]any{"OrderIds": []string{a.OrderId}, "Tag": "STREAM_ERROR"}},
		{"POST", "/api/OpenOrders/DeleteIdentifier", map[string]any{"Tag": "STREAM_ERROR"}},
		{"GET", "/api/Orders/GetOrderNoteTypes", nil},
		{"POST", "/api/Orders/AddOrdersNote", map[string]any{"OrderIds": []string{a.OrderId}, "NoteText": "Sent to Stream", "IsInternal": true, "IsProcessingNote": false}},
		{"GET", "/api/Orders/GetOrderNotes?orderId=" + a.OrderId, nil},
		{"POST", "/api/Orders/GetOrdersNotes", map[string]any{"orderIds": []string{a.OrderId}}},
		{"POST", "/api/Orders/SetOrderNotes", map[string]any{"orderId": b.OrderId, "orderNotes": []map[string]any{{"Note": "Run 4, seq 12", "Internal": true, "NoteDate": now.Format(time.RFC3339), "CreatedBy": "linnstream", "NoteTypeId": 1}}}},
		{"GET", "/api/Orders/GetExtendedProperties?orderId=" + a.OrderId, nil},
		{"POST", "/api/Orders/AddExtendedProperties", map[string]any{"request": map[string]any{"OrderId": a.OrderId, "ExtendedProperties": []map[string]string{{"Name": "StreamOrderNo", "Value": "SO-1", "Type": "Info"}}}}},
		{"POST", "/api/Orders/SetExtendedProperties", map[string]any{"orderId": b.OrderId, "extendedProperties": []map[string]string{{"Name": "StreamRun", "Value": "4", "Type": "Info"}}}},
		{"GET", "/api/Orders/GetShippingMethods", nil},
		{"GET", "/api/PostalServices/GetPostalServices", nil},
		{"GET", "/api/ShippingService/GetIntegrations", nil},
		{"GET", "/api/Locations/GetLocation?pkStockLocationId=" + LeedsLocationID, nil},
		{"POST", "/api/Orders/ChangeShippingMethod", map[string]any{"orderIds": []string{b.OrderId}, "shippingMethod": "Courier (Justin Depot)"}},
		{"POST", "/api/Orders/SetOrderShippingInfo", map[string]any{"orderId": a.OrderId, "info": map[string]any{"PostalServiceId": CourierServiceID, "TotalWeight": 2.3, "ItemWeight": 2.3, "PostageCost": 6.99, "TrackingNumber": "STR-1", "ManualAdjust": false}}},
		{"POST", "/api/Orders/SetLabelsPrinted", map[string]any{"orderIds": []string{a.OrderId}}},
		{"POST", "/api/ShippingService/CancelOrderShippingLabel", map[string]any{"request": map[string]any{"pkOrderId": a.OrderId}}},
		{"POST", "/api/Orders/SetOrderShippingInfo", map[string]any{"orderId": a.OrderId, "info": map[string]any{"PostalServiceId": CourierServiceID, "TotalWeight": 2.3, "ItemWeight": 2.3, "PostageCost": 6.99, "TrackingNumber": "STR-2", "ManualAdjust": false}}},
		{"POST", "/api/Orders/SetOrderGeneralInfo", map[string]any{"orderId": b.OrderId, "info": map[string]any{"Status": 1, "ReceivedDate": b.GeneralInfo.ReceivedDate.Format(time.RFC3339), "DespatchByDate": now.Add(24 * time.Hour).Format(time.RFC3339), "ReferenceNum": b.GeneralInfo.ReferenceNum}, "wasDraft": false}},
		{"POST", "/api/Orders/ProcessOrder", map[string]any{"orderId": a.OrderId, "scanPerformed": false, "locationId": defaultLocationID, "context": map[string]string{"Module": "linnstream"}}},
		{"POST", "/api/Orders/ProcessOrdersInBatch", map[string]any{"ordersIds": []string{b.OrderId}, "locationId": defaultLocationID}},
		{"POST", "/api/ProcessedOrders/AddOrderNote", map[string]any{"pkOrderID": done.OrderId, "noteText": "Delivered", "isInternal": false}},
		{"GET", "/api/ProcessedOrders/GetProcessedOrderNotes?pkOrderId=" + done.OrderId, nil},
		{"POST", "/api/ProcessedOrders/SearchProcessedOrders", map[string]any{"request": map[string]any{"SearchTerm": "", "DateField": "processed", "FromDate": now.Add(-30 * 24 * time.Hour).Format(time.RFC3339), "ToDate": now.Format(time.RFC3339), "PageNumber": 1, "ResultsPerPage": 10}}},
		{"GET", "/v2/orders?" + url.Values{"fromDate": {now.Add(-time.Hour).Format(time.RFC3339)}, "entriesPerPage": {"50"}, "includeProcessed": {"true"}}.Encode(), nil},
	}
	for _, c := range calls {
		r := e.call(c.method, c.target, token, c.body)
		if r.status >= 300 {
			t.Fatalf("%s %s: %d %s", c.method, c.target, r.status, r.body)
		}
	}
	// Two requests the spec refuses.
	e.raw("POST", "/api/Orders/GetOpenOrders", token, "application/json", []byte(`{"entriesPerPage":"5"}`))
	e.raw("POST", "/api/OpenOrders/AssignOrderIdentifier", token, "application/json", []byte(`{"orderIds":[]}`))

	journal := e.sb.Journal()
	if len(journal) != len(calls)+3 {
		t.Fatalf("journal has %d entries, want %d", len(journal), len(calls)+3)
	}
	exercised := map[string]bool{}
	for _, j := range journal {
		err := ValidateRequest(j.Method, j.Target(), j.Header, []byte(j.Body))
		switch {
		case j.Status < 300 && err != nil:
			t.Errorf("accepted request does not match the spec: %s %s: %v", j.Method, j.Target(), err)
		case j.Status == 400 && err == nil:
			t.Errorf("refused request matches the spec: %s %s %s", j.Method, j.Target(), j.Body)
		}
		if j.Status < 300 {
			exercised[j.Method+" "+strings.TrimPrefix(j.Path, v2Base)] = true
		}
	}
	for key := range apiHandlers() {
		if !exercised[key] {
			t.Errorf("the full run did not exercise %s", key)
		}
	}
	// The run changed what it should have.
	if got := e.adminOrder(a.OrderId); !got.Processed || got.TrackingNumber != "STR-2" || len(got.Notes) != 1 {
		t.Errorf("order a after the run: processed %v, tracking %q, %d notes", got.Processed, got.TrackingNumber, len(got.Notes))
	}
	// Order b has no tracking number, which its Stream service requires, so it stays open.
	if got := e.adminOrder(b.OrderId); got.Processed || got.Order.GeneralInfo.DespatchByDate == nil || got.Order.ShippingInfo.PostalServiceName != "Courier (Justin Depot)" {
		t.Errorf("order b after the run: %+v", got.Order.GeneralInfo)
	}
}
