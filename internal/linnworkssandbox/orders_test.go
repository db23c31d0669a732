package linnworkssandbox

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"
)

// textFilter builds a FieldsFilter with text conditions (code, type, text triples).
func textFilter(conds ...string) map[string]any {
	var fields []map[string]string
	for i := 0; i+2 < len(conds); i += 3 {
		fields = append(fields, map[string]string{"FieldCode": conds[i], "Type": conds[i+1], "Text": conds[i+2]})
	}
	return map[string]any{"TextFields": fields}
}

func TestSeededOrderBook(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()
	var page pagedOpenOrders
	e.ok(token, "POST", "/api/Orders/GetOpenOrders", map[string]any{"entriesPerPage": 100, "pageNumber": 1}, 200).decode(t, &page)
	if page.TotalEntries != 12 || len(page.Data) != 12 || page.TotalPages != 1 {
		t.Fatalf("open orders: total %d, %d rows, %d pages; want 12 open (one seeded order is processed)", page.TotalEntries, len(page.Data), page.TotalPages)
	}
	services, locations := map[string]bool{}, map[string]bool{}
	var unpaid, locked, parked, composite, nonLatin, props int
	oldest, newest := page.Data[0].GeneralInfo.ReceivedDate, page.Data[0].GeneralInfo.ReceivedDate
	for _, o := range page.Data {
		services[o.ShippingInfo.PostalServiceName] = true
		locations[o.GeneralInfo.Location] = true
		if o.GeneralInfo.Status == 0 {
			unpaid++
		}
		if o.GeneralInfo.HoldOrCancel {
			locked++
		}
		if o.GeneralInfo.IsParked {
			parked++
		}
		for _, it := range o.Items {
			if len(it.CompositeSubItems) > 0 {
				composite++
			}
		}
		for _, r := range o.CustomerInfo.Address.FullName {
			if r > 0x24F {
				nonLatin++
				break
			}
		}
		oldest = minTime(oldest, o.GeneralInfo.ReceivedDate)
		newest = maxTime(newest, o.GeneralInfo.ReceivedDate)
	}
	for _, name := range []string{"Courier (Justin Depot)", "Collection (Justin Depot)", "Rishvi Vehicles (Rishvi)", "Royal Mail Tracked 48"} {
		if !services[name] {
			t.Errorf("no open order uses %q", name)
		}
	}
	if len(locations) < 3 {
		t.Errorf("orders span %d locations, want 3", len(locations))
	}
	if unpaid == 0 || locked == 0 || parked == 0 || composite == 0 || nonLatin < 2 {
		t.Errorf("unpaid %d, locked %d, parked %d, composite %d, non-Latin names %d: want each present", unpaid, locked, parked, composite, nonLatin)
	}
	now := e.clock.Now()
	if now.Sub(oldest) > 14*24*time.Hour || now.Sub(newest) > 6*time.Hour || newest.After(now) {
		t.Errorf("received dates %s..%s are not within the last two weeks of %s", oldest, newest, now)
	}
	// Extended properties are on the details.
	for _, o := range e.sb.Orders() {
		for _, p := range o.Order.ExtendedProperties {
			if p.Name == "SafePlace" || p.Name == "DriverNotes" {
				props++
			}
		}
	}
	if props < 4 {
		t.Errorf("%d SafePlace/DriverNotes properties, want several", props)
	}
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func TestGetOpenOrdersPagingFiltersAndSorting(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()

	var p2 pagedOpenOrders
	e.ok(token, "POST", "/api/Orders/GetOpenOrders", map[string]any{"entriesPerPage": 5, "pageNumber": 2}, 200).decode(t, &p2)
	if p2.PageNumber != 2 || p2.TotalPages != 3 || len(p2.Data) != 5 || p2.TotalEntries != 12 {
		t.Fatalf("page 2: %+v", p2)
	}
	if p2.Data[0].NumOrderId != 100007 {
		t.Errorf("page 2 starts at %d, want 100007 (sorted by number)", p2.Data[0].NumOrderId)
	}

	// Stream orders with no tracking number yet.
	ids := e.openIDs(token, map[string]any{"filters": textFilter(
		"SHIPPING_INFORMATION_VENDOR", "Contains", "stream",
		"SHIPPING_INFORMATION_TRACKING_NUMBER", "Equal", "")})
	if len(ids) != 10 {
		t.Errorf("stream orders without tracking: %d, want 10", len(ids))
	}
	for _, id := range ids {
		o := e.adminOrder(id)
		if o.Order.ShippingInfo.Vendor != StreamVendor || o.TrackingNumber != "" {
			t.Errorf("order %d: vendor %q tracking %q", o.Order.NumOrderId, o.Order.ShippingInfo.Vendor, o.TrackingNumber)
		}
	}

	// Fulfilment centre.
	ids = e.openIDs(token, map[string]any{"fulfilmentCenter": ManchesterLocationID})
	for _, id := range ids {
		if loc := e.adminOrder(id).Order.FulfilmentLocationId; loc != ManchesterLocationID {
			t.Errorf("order at %s returned for Manchester", loc)
		}
	}
	if len(ids) != 2 {
		t.Errorf("Manchester orders: %d, want 2", len(ids))
	}

	// Sorting by received date, newest first, and a date filter.
	var page pagedOpenOrders
	e.ok(token, "POST", "/api/Orders/GetOpenOrders", map[string]any{
		"entriesPerPage": 50, "pageNumber": 1,
		"filters": map[string]any{"DateFields": []map[string]any{{"FieldCode": "GENERAL_INFO_DATE", "Type": "LastDays", "Value": 3}}},
		"sorting": []map[string]any{{"FieldCode": "GENERAL_INFO_DATE", "Direction": "Descending", "Order": 0}},
	}, 200).decode(t, &page)
	if len(page.Data) != 3 {
		t.Fatalf("orders of the last 3 days: %d, want 3", len(page.Data))
	}
	if !slices.IsSortedFunc(page.Data, func(a, b OpenOrder) int { return b.GeneralInfo.ReceivedDate.Compare(a.GeneralInfo.ReceivedDate) }) {
		t.Errorf("not sorted newest first")
	}

	// Boolean and numeric filters.
	ids = e.openIDs(token, map[string]any{"filters": map[string]any{
		"BooleanFields": []map[string]any{{"FieldCode": "GENERAL_INFO_LOCKED", "Value": true}}}})
	if len(ids) != 1 {
		t.Errorf("locked orders: %d, want 1", len(ids))
	}
	ids = e.openIDs(token, map[string]any{"filters": map[string]any{
		"NumericFields": []map[string]any{{"FieldCode": "GENERAL_INFO_STATUS", "Type": "Equal", "Value": 0}}}})
	if len(ids) != 1 {
		t.Errorf("unpaid orders: %d, want 1", len(ids))
	}
	// A field the sandbox does not evaluate is refused, not ignored.
	r := e.call("POST", "/api/Orders/GetAllOpenOrders", token, map[string]any{"filters": textFilter("ITEMS_BINRACK", "Equal", "A1")})
	if r.status != 501 || !strings.Contains(r.v1err(t).Message, "ITEMS_BINRACK") {
		t.Errorf("unsupported filter: %d %s", r.status, r.body)
	}
}

func TestOrderDetailsLookups(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()
	want := e.adminOrder("100004")

	var byNum OrderDetails
	e.ok(token, "GET", "/api/Orders/GetOrderDetailsByNumOrderId?OrderId=100004", nil, 200).decode(t, &byNum)
	if byNum.OrderId != want.Order.OrderId || byNum.NumOrderId != 100004 {
		t.Fatalf("by number: %s/%d", byNum.OrderId, byNum.NumOrderId)
	}
	parent := byNum.Items[0]
	if len(parent.CompositeSubItems) != 2 || parent.CompositeSubItems[1].Quantity != 4 {
		t.Errorf("composite item: %+v", parent)
	}
	if len(byNum.ExtendedProperties) != 1 || byNum.ExtendedProperties[0].Name != "SafePlace" {
		t.Errorf("extended properties: %+v", byNum.ExtendedProperties)
	}

	r := e.ok(token, "GET", "/api/Orders/GetOrderDetailsByNumOrderId?OrderId=999", nil, 200)
	if strings.TrimSpace(string(r.body)) != "{}" {
		t.Errorf("unknown number: %s, want {}", r.body)
	}

	var byID OrderDetails
	e.ok(token, "GET", "/api/Orders/GetOrderById?pkOrderId="+strings.ToUpper(want.Order.OrderId), nil, 200).decode(t, &byID)
	if byID.NumOrderId != 100004 {
		t.Errorf("by id: %d", byID.NumOrderId)
	}

	var list []OrderDetails
	e.ok(token, "POST", "/api/Orders/GetOrdersById", map[string]any{"pkOrderIds": []string{want.Order.OrderId, "00000000-0000-0000-0000-00000000abcd", e.adminOrder("100001").Order.OrderId}}, 200).decode(t, &list)
	if len(list) != 2 || list[1].NumOrderId != 100001 || !list[1].Processed {
		t.Errorf("GetOrdersById: %d orders", len(list))
	}

	var refs []OrderDetails
	e.ok(token, "GET", "/api/Orders/GetOrderDetailsByReferenceId?ReferenceId="+want.Order.GeneralInfo.ReferenceNum[1:], nil, 200).decode(t, &refs)
	if len(refs) != 0 {
		t.Errorf("partial reference matched %d orders", len(refs))
	}
	e.ok(token, "GET", "/api/Orders/GetOrderDetailsByReferenceId?ReferenceId=%23"+want.Order.GeneralInfo.ReferenceNum[1:], nil, 200).decode(t, &refs)
	if len(refs) != 1 || refs[0].NumOrderId != 100004 {
		t.Errorf("by reference: %+v", refs)
	}

	var open []OpenOrder
	e.ok(token, "POST", "/api/Orders/GetOrders", map[string]any{"ordersIds": []string{want.Order.OrderId}, "loadItems": false}, 200).decode(t, &open)
	if len(open) != 1 || len(open[0].Items) != 0 || !open[0].HasItems {
		t.Errorf("GetOrders without items: %+v", open)
	}

	var details struct{ Orders []OrderDetails }
	e.ok(token, "POST", "/api/OpenOrders/GetOpenOrdersDetails", map[string]any{"OrderIds": []string{want.Order.OrderId}, "DetailLevel": []string{"NOTES"}}, 200).decode(t, &details)
	if len(details.Orders) != 1 || len(details.Orders[0].ExtendedProperties) != 0 {
		t.Errorf("detail level NOTES still has extended properties: %+v", details.Orders)
	}
}

func TestOpenOrdersViewEndpoints(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()
	var res postFilterPaged
	e.ok(token, "POST", "/api/OpenOrders/GetOpenOrders", map[string]any{"ViewId": 0, "LocationId": LeedsLocationID, "EntriesPerPage": 2, "PageNumber": 1}, 200).decode(t, &res)
	if res.TotalEntries != 3 || len(res.Data) != 2 || res.TotalPages != 2 {
		t.Fatalf("Leeds view: %+v", res)
	}
	var ids pagedIDs
	e.ok(token, "POST", "/api/OpenOrders/GetOpenOrderIds", map[string]any{"ViewId": 0, "LocationId": defaultLocationID, "EntriesPerPage": 100}, 200).decode(t, &ids)
	if ids.TotalEntries != 7 || len(ids.Data) != 7 {
		t.Fatalf("default location ids: %+v", ids)
	}
}

func TestIdentifiersLifecycle(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()
	a, b := e.adminOrder("100002").Order.OrderId, e.adminOrder("100003").Order.OrderId
	processed := e.adminOrder("100001").Order.OrderId

	var created Identifier
	e.ok(token, "POST", "/api/OpenOrders/SaveIdentifier", map[string]any{"Identifier": map[string]any{
		"Tag": "SENT_TO_STREAM", "Name": "Sent to Stream", "ImageUrl": "https://example.com/s.png", "IsCustom": true}}, 200).decode(t, &created)
	if created.IdentifierId == 0 || !created.IsCustom || created.Tag != "SENT_TO_STREAM" {
		t.Fatalf("created %+v", created)
	}
	var all []Identifier
	e.ok(token, "GET", "/api/OpenOrders/GetIdentifiers", nil, 200).decode(t, &all)
	if !slices.ContainsFunc(all, func(i Identifier) bool { return i.Tag == "SENT_TO_STREAM" }) {
		t.Fatalf("GetIdentifiers lacks the new tag: %+v", all)
	}

	var res assignResult
	e.ok(token, "POST", "/api/OpenOrders/AssignOrderIdentifier", map[string]any{"OrderIds": []string{a, b, processed}, "Tag": "SENT_TO_STREAM"}, 200).decode(t, &res)
	if len(res.Changed) != 2 || len(res.NotChanged) != 1 || res.NotChanged[0] != processed {
		t.Fatalf("assign: %+v", res)
	}
	if got := e.adminOrder(a).Identifiers; !slices.Equal(got, []string{"SENT_TO_STREAM"}) {
		t.Errorf("order a identifiers %v", got)
	}
	e.ok(token, "POST", "/api/OpenOrders/AssignOrderIdentifier", map[string]any{"OrderIds": []string{a}, "Tag": "SENT_TO_STREAM"}, 200).decode(t, &res)
	if len(res.Changed) != 0 || len(res.NotChanged) != 1 {
		t.Errorf("assigning twice: %+v", res)
	}

	// Renaming shows everywhere.
	e.ok(token, "POST", "/api/OpenOrders/SaveIdentifier", map[string]any{"Identifier": map[string]any{
		"IdentifierId": created.IdentifierId, "Tag": "SENT_TO_STREAM", "Name": "Stream: sent", "ImageUrl": "https://example.com/s.png"}}, 200)
	var byOrder []OrderIdentifier
	e.ok(token, "POST", "/api/OpenOrders/GetIdentifiersByOrderIds", map[string]any{"OrderIds": []string{a, b}}, 200).decode(t, &byOrder)
	// Order b (100003) also carries the seeded AMAZON_PRIME.
	if len(byOrder) != 3 || byOrder[0].Name != "Stream: sent" || byOrder[0].FkOrderId != a || byOrder[2].FkOrderId != b || byOrder[2].Name != "Stream: sent" {
		t.Errorf("identifiers by order: %+v", byOrder)
	}

	e.ok(token, "POST", "/api/OpenOrders/UnassignOrderIdentifier", map[string]any{"OrderIds": []string{a}, "Tag": "SENT_TO_STREAM"}, 200).decode(t, &res)
	if len(res.Changed) != 1 || len(e.adminOrder(a).Identifiers) != 0 {
		t.Errorf("unassign: %+v, order has %v", res, e.adminOrder(a).Identifiers)
	}

	for _, tc := range []struct{ path, body, msg string }{
		{"/api/OpenOrders/DeleteIdentifier", `{"Tag":"AMAZON_PRIME"}`, "System identifier"},
		{"/api/OpenOrders/AssignOrderIdentifier", `{"OrderIds":["` + a + `"],"Tag":"NO_SUCH_TAG"}`, "not found"},
		{"/api/OpenOrders/SaveIdentifier", `{"Identifier":{"Tag":"","Name":"x"}}`, "required"},
	} {
		r := e.raw("POST", tc.path, token, "application/json", []byte(tc.body))
		if r.status != 400 || !strings.Contains(r.v1err(t).Message, tc.msg) {
			t.Errorf("%s %s: %d %s", tc.path, tc.body, r.status, r.body)
		}
	}

	r := e.ok(token, "POST", "/api/OpenOrders/DeleteIdentifier", map[string]any{"Tag": "SENT_TO_STREAM"}, 204)
	if len(r.body) != 0 {
		t.Errorf("204 with a body: %q", r.body)
	}
	if got := e.adminOrder(b).Identifiers; !slices.Equal(got, []string{"AMAZON_PRIME"}) {
		t.Errorf("deleted identifier still on order: %v", got)
	}
}

func TestAdminAddOrders(t *testing.T) {
	e := newEnv(t, Options{NoSeed: true})
	body := `[{"GeneralInfo":{"Status":1,"ReferenceNum":"R-1","Identifiers":[{"Tag":"GIFT"}]},
	  "ShippingInfo":{"PostalServiceName":"Courier (Justin Depot)"},
	  "CustomerInfo":{"Address":{"FullName":"Test Buyer","PostCode":"LS1 1AA"}},
	  "Items":[{"SKU":"SKU-1","Title":"Thing","Quantity":2}]},
	 {"NumOrderId":500,"FulfilmentLocationId":"` + LeedsLocationID + `"}]`
	r := e.raw("POST", "/admin/orders", "", "application/json", []byte(body))
	if r.status != 201 {
		t.Fatalf("add: %d %s", r.status, r.body)
	}
	var added []AdminOrder
	r.decode(t, &added)
	if len(added) != 2 {
		t.Fatalf("added %d", len(added))
	}
	first := added[0]
	if first.Order.NumOrderId != 100001 || first.Order.ShippingInfo.PostalServiceId != CourierServiceID || first.Order.ShippingInfo.Vendor != StreamVendor {
		t.Errorf("first: %+v", first.Order.ShippingInfo)
	}
	if !slices.Equal(first.Identifiers, []string{"GIFT"}) || first.Order.Items[0].RowId == "" || first.Order.FulfilmentLocationId != defaultLocationID {
		t.Errorf("first: identifiers %v, item %+v, location %s", first.Identifiers, first.Order.Items[0], first.Order.FulfilmentLocationId)
	}
	if !first.Order.GeneralInfo.ReceivedDate.Equal(e.clock.Now()) {
		t.Errorf("ReceivedDate %s, want now", first.Order.GeneralInfo.ReceivedDate)
	}
	if added[1].Order.NumOrderId != 500 {
		t.Errorf("explicit NumOrderId: %d", added[1].Order.NumOrderId)
	}
	// All or nothing: a duplicate number rejects the whole batch.
	r = e.raw("POST", "/admin/orders", "", "application/json", []byte(`[{"NumOrderId":900},{"NumOrderId":500}]`))
	if r.status != 400 {
		t.Fatalf("duplicate: %d %s", r.status, r.body)
	}
	if _, ok := e.sb.Order("900"); ok {
		t.Errorf("order 900 added although the batch failed")
	}
	// A single object is accepted too.
	if r := e.raw("POST", "/admin/orders", "", "application/json", []byte(`{"GeneralInfo":{"Status":1}}`)); r.status != 201 {
		t.Errorf("single object: %d %s", r.status, r.body)
	}
	if r := e.raw("GET", "/admin/orders/12345", "", "", nil); r.status != 404 {
		t.Errorf("unknown order: %d", r.status)
	}
	var all []AdminOrder
	e.raw("GET", "/admin/orders", "", "", nil).decode(t, &all)
	if len(all) != 3 {
		t.Errorf("admin lists %d orders, want 3", len(all))
	}
	raw, _ := json.Marshal(all[0])
	if !strings.Contains(string(raw), `"processed":false`) || !strings.Contains(string(raw), `"trackingNumber":""`) {
		t.Errorf("admin order JSON lacks flattened fields: %s", raw)
	}
}
