package streamsandbox

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestCreateOrderAccepted(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token()
	resp := e.createOrder(tok, deliveryOrder("100001"))

	if resp["orderNo"] != "100001" || resp["customerOrderNo"] != "LW-100001" {
		t.Errorf("answer %v", resp)
	}
	if errs := resp["errors"].([]any); len(errs) != 0 {
		t.Errorf("errors %v, want none", errs)
	}
	cons, _ := resp["consignmentNo"].(string)
	trID, _ := resp["trackingId"].(string)
	trURL, _ := resp["trackingURL"].(string)
	if cons == "" || trID == "" {
		t.Fatalf("consignmentNo %q trackingId %q", cons, trID)
	}
	if want := e.srv.URL + "/track/" + trID; trURL != want {
		t.Errorf("trackingURL %q, want %q", trURL, want)
	}

	st := e.api(tok, http.MethodGet, "/orders/status/100001", nil)
	if st.status != 200 || get(t, st.body, "response", "orderStatus") != "UNCONFIRMED" || get(t, st.body, "response", "trackingURL") != trURL {
		t.Errorf("status: HTTP %d %s", st.status, st.raw)
	}
	page := e.do(http.MethodGet, trURL, nil, nil)
	if page.status != 200 || !strings.Contains(string(page.raw), "UNCONFIRMED") || !strings.Contains(string(page.raw), cons) {
		t.Errorf("tracking page: HTTP %d %s", page.status, page.raw)
	}
}

func TestCreateOrderVariants(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(m map[string]any)
		groups []string // group types of the stored order
	}{
		{name: "lat/long instead of address lines", groups: []string{"DELIVERY"}, mutate: func(m map[string]any) {
			set(m, "delivery.address", map[string]any{"lat": 53.8, "long": "-1.55"})
		}},
		{name: "each default delivery method", groups: []string{"DELIVERY"}, mutate: func(m map[string]any) {
			set(m, "delivery.deliveryMethod", "Rishvi Vehicles")
			set(m, "delivery.items.0.stockLocation", "Rishvi")
		}},
		{name: "stock location by id", groups: []string{"DELIVERY"}, mutate: func(m map[string]any) {
			set(m, "delivery.items.0.stockLocation", "11")
		}},
		{name: "externalClientID spelling", groups: []string{"DELIVERY"}, mutate: func(m map[string]any) {
			set(m, "header.externalClientID", "X1")
		}},
		{name: "collection", groups: []string{"COLLECTION"}, mutate: func(m map[string]any) {
			set(m, "header.orderType", "COLLECTION")
			leg := m["delivery"].(map[string]any)
			delete(leg, "deliveryMethod")
			leg["collectionMethod"] = "Rcollection"
			m["collection"] = leg
			delete(m, "delivery")
		}},
		{name: "multi", groups: []string{"COLLECTION", "DELIVERY", "DELIVERY"}, mutate: func(m map[string]any) {
			set(m, "header.orderType", "MULTI")
			coll := deliveryOrder("x")["delivery"].(map[string]any)
			delete(coll, "deliveryMethod")
			coll["collectionMethod"] = "Collection"
			coll["delivery"] = []any{m["delivery"], deliveryOrder("y")["delivery"]}
			m["collection"] = coll
			delete(m, "delivery")
		}},
	}
	e := newEnv(t, Options{})
	tok := e.token()
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			no := fmt.Sprintf("V%d", i)
			body := deliveryOrder(no)
			tc.mutate(body)
			e.createOrder(tok, body)
			r := e.api(tok, http.MethodGet, "/orders/orders/"+no, nil)
			groups := get(t, r.body, "response", "order", "groups").([]any)
			if len(groups) != len(tc.groups) {
				t.Fatalf("groups %s", r.raw)
			}
			for j, typ := range tc.groups {
				if get(t, groups[j], "type") != typ {
					t.Errorf("group %d type %v, want %s", j, get(t, groups[j], "type"), typ)
				}
			}
		})
	}
}

func TestCreateOrderValidation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("x", n) }
	type want struct{ code, field string }
	tests := []struct {
		name   string
		mutate func(m map[string]any)
		want   []want
	}{
		{"no header", func(m map[string]any) { delete(m, "header") }, []want{{"REQUIRED", "header"}}},
		{"no orderNo", func(m map[string]any) { set(m, "header.orderNo", nil) }, []want{{"REQUIRED", "header.orderNo"}}},
		{"orderNo too long", func(m map[string]any) { set(m, "header.orderNo", long(18)) }, []want{{"TOOLONG", "header.orderNo"}}},
		{"orderNo with slash", func(m map[string]any) { set(m, "header.orderNo", "A/1") }, []want{{"INVALID", "header.orderNo"}}},
		{"key in wrong case is ignored", func(m map[string]any) {
			h := m["header"].(map[string]any)
			h["OrderNo"] = h["orderNo"]
			delete(h, "orderNo")
		}, []want{{"REQUIRED", "header.orderNo"}}},
		{"no orderType", func(m map[string]any) { set(m, "header.orderType", nil) }, []want{{"REQUIRED", "header.orderType"}}},
		{"unknown orderType", func(m map[string]any) { set(m, "header.orderType", "Delivery") }, []want{{"INVALID", "header.orderType"}}},
		{"bad orderDate", func(m map[string]any) { set(m, "header.orderDate", "20/11/2026") }, []want{{"INVALIDDATE", "header.orderDate"}}},
		{"no customer", func(m map[string]any) { set(m, "header.customer", nil) }, []want{{"REQUIRED", "header.customer"}}},
		{"no customer name", func(m map[string]any) { set(m, "header.customer.name", "") }, []want{{"REQUIRED", "header.customer.name"}}},
		{"customer name too long", func(m map[string]any) { set(m, "header.customer.name", long(36)) }, []want{{"TOOLONG", "header.customer.name"}}},
		{"customerOrderNo too long", func(m map[string]any) { set(m, "header.customerOrderNo", long(36)) }, []want{{"TOOLONG", "header.customerOrderNo"}}},
		{"orderNotes too long", func(m map[string]any) { set(m, "header.orderNotes", long(141)) }, []want{{"TOOLONG", "header.orderNotes"}}},
		{"driverNotes too long", func(m map[string]any) { set(m, "header.driverNotes", long(141)) }, []want{{"TOOLONG", "header.driverNotes"}}},
		{"partner id too long", func(m map[string]any) { set(m, "header.partner", map[string]any{"id": long(18), "name": "P"}) }, []want{{"TOOLONG", "header.partner.id"}}},
		{"no delivery", func(m map[string]any) { delete(m, "delivery") }, []want{{"REQUIRED", "delivery"}}},
		{"collection in a delivery order", func(m map[string]any) { m["collection"] = map[string]any{} }, []want{{"INVALID", "collection"}}},
		{"no address", func(m map[string]any) { set(m, "delivery.address", nil) }, []want{{"REQUIRED", "delivery.address"}}},
		{"no address1", func(m map[string]any) { set(m, "delivery.address.address1", nil) }, []want{{"REQUIRED", "delivery.address.address1"}}},
		{"no postcode", func(m map[string]any) { set(m, "delivery.address.postcode", "") }, []want{{"REQUIRED", "delivery.address.postcode"}}},
		{"no country", func(m map[string]any) { set(m, "delivery.address.country", nil) }, []want{{"REQUIRED", "delivery.address.country"}}},
		{"three-letter country", func(m map[string]any) { set(m, "delivery.address.country", "GBR") }, []want{{"INVALID", "delivery.address.country"}}},
		{"lower-case country", func(m map[string]any) { set(m, "delivery.address.country", "gb") }, []want{{"INVALID", "delivery.address.country"}}},
		{"postcode too long", func(m map[string]any) { set(m, "delivery.address.postcode", long(18)) }, []want{{"TOOLONG", "delivery.address.postcode"}}},
		{"address1 too long", func(m map[string]any) { set(m, "delivery.address.address1", long(36)) }, []want{{"TOOLONG", "delivery.address.address1"}}},
		{"address5 too long", func(m map[string]any) { set(m, "delivery.address.address5", long(36)) }, []want{{"TOOLONG", "delivery.address.address5"}}},
		{"address name too long", func(m map[string]any) { set(m, "delivery.address.name", long(36)) }, []want{{"TOOLONG", "delivery.address.name"}}},
		{"lat without long", func(m map[string]any) { set(m, "delivery.address.lat", 53.1) }, []want{{"INVALID", "delivery.address"}}},
		{"latitude out of range", func(m map[string]any) {
			set(m, "delivery.address", map[string]any{"lat": 91, "long": 0})
		}, []want{{"INVALID", "delivery.address.lat"}}},
		{"tel1 too long", func(m map[string]any) { set(m, "delivery.contact.tel1", long(36)) }, []want{{"TOOLONG", "delivery.contact.tel1"}}},
		{"mobile too long", func(m map[string]any) { set(m, "delivery.contact.mobile", long(36)) }, []want{{"TOOLONG", "delivery.contact.mobile"}}},
		{"email too long", func(m map[string]any) { set(m, "delivery.contact.email", long(64)+"@ex.com") }, []want{{"TOOLONG", "delivery.contact.email"}}},
		{"email malformed", func(m map[string]any) { set(m, "delivery.contact.email", "ada at example") }, []want{{"INVALID", "delivery.contact.email"}}},
		{"customer email malformed", func(m map[string]any) { set(m, "header.customer.contact.email", "nope") }, []want{{"INVALID", "header.customer.contact.email"}}},
		{"bad required date-time", func(m map[string]any) { set(m, "delivery.required.fromDateTime", "tomorrow") }, []want{{"INVALIDDATE", "delivery.required.fromDateTime"}}},
		{"window ends before it starts", func(m map[string]any) { set(m, "delivery.required.toDateTime", "2026-11-22T08:00:00Z") }, []want{{"INVALID", "delivery.required.toDateTime"}}},
		{"no delivery method", func(m map[string]any) { set(m, "delivery.deliveryMethod", nil) }, []want{{"REQUIRED", "delivery.deliveryMethod"}}},
		{"unknown delivery method", func(m map[string]any) { set(m, "delivery.deliveryMethod", "Teleport") }, []want{{"UNKNOWNMETHOD", "delivery.deliveryMethod"}}},
		{"delivery method name in wrong case", func(m map[string]any) { set(m, "delivery.deliveryMethod", "courier") }, []want{{"UNKNOWNMETHOD", "delivery.deliveryMethod"}}},
		{"collection method on a delivery", func(m map[string]any) { set(m, "delivery.deliveryMethod", "Rcollection") }, []want{{"METHODTYPE", "delivery.deliveryMethod"}}},
		{"delivery method on a collection", func(m map[string]any) {
			set(m, "header.orderType", "COLLECTION")
			m["collection"] = m["delivery"]
			delete(m, "delivery")
		}, []want{{"REQUIRED", "collection.collectionMethod"}}},
		{"delivery method named as collection method", func(m map[string]any) {
			set(m, "header.orderType", "COLLECTION")
			set(m, "delivery.collectionMethod", "Courier")
			m["collection"] = m["delivery"]
			delete(m, "delivery")
		}, []want{{"METHODTYPE", "collection.collectionMethod"}}},
		{"multi without delivery legs", func(m map[string]any) {
			set(m, "header.orderType", "MULTI")
			set(m, "delivery.collectionMethod", "Collection")
			set(m, "delivery.deliveryMethod", nil)
			m["collection"] = m["delivery"]
			delete(m, "delivery")
		}, []want{{"REQUIRED", "collection.delivery"}}},
		{"no items", func(m map[string]any) { set(m, "delivery.items", []any{}) }, []want{{"REQUIRED", "delivery.items"}}},
		{"item without code, description, quantity", func(m map[string]any) {
			set(m, "delivery.items.1", map[string]any{"sequence": 2})
		}, []want{{"REQUIRED", "delivery.items[1].code"}, {"REQUIRED", "delivery.items[1].description"}, {"REQUIRED", "delivery.items[1].quantity"}}},
		{"zero quantity", func(m map[string]any) { set(m, "delivery.items.0.quantity", 0) }, []want{{"INVALID", "delivery.items[0].quantity"}}},
		{"negative weight", func(m map[string]any) { set(m, "delivery.items.0.weight", -1) }, []want{{"INVALID", "delivery.items[0].weight"}}},
		{"unknown stock location", func(m map[string]any) { set(m, "delivery.items.0.stockLocation", "Narnia") }, []want{{"UNKNOWNLOCATION", "delivery.items[0].stockLocation"}}},
		{"bad onHandDate", func(m map[string]any) { set(m, "delivery.items.0.onHandDate", "2026-11-20T10:00:00Z") }, []want{{"INVALIDDATE", "delivery.items[0].onHandDate"}}},
		{"duplicate item sequence", func(m map[string]any) { set(m, "delivery.items.1.sequence", 1) }, []want{{"INVALID", "delivery.items[1].sequence"}}},
		{"parent that does not exist", func(m map[string]any) { set(m, "delivery.items.1.parentSequence", 9) }, []want{{"INVALID", "delivery.items[1].parentSequence"}}},
		{"every problem at once", func(m map[string]any) {
			set(m, "header.orderNo", long(20))
			set(m, "header.customer.name", nil)
			set(m, "delivery.address.postcode", nil)
			set(m, "delivery.deliveryMethod", "Teleport")
			set(m, "delivery.items.0.quantity", nil)
		}, []want{{"TOOLONG", "header.orderNo"}, {"REQUIRED", "header.customer.name"}, {"REQUIRED", "delivery.address.postcode"},
			{"UNKNOWNMETHOD", "delivery.deliveryMethod"}, {"REQUIRED", "delivery.items[0].quantity"}}},
	}
	e := newEnv(t, Options{})
	tok := e.token()
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := deliveryOrder(fmt.Sprintf("E%d", i))
			tc.mutate(body)
			r := e.api(tok, http.MethodPost, "/orders/orders", body)
			if r.status != http.StatusUnprocessableEntity || r.response(t)["valid"] != false {
				t.Fatalf("HTTP %d, want 422 valid:false: %s", r.status, r.raw)
			}
			errs := r.errorsOf(t)
			var blocking int
			for _, e := range errs {
				if e["severity"] == "ERROR" {
					blocking++
				}
			}
			if blocking != len(tc.want) {
				t.Errorf("%d errors, want %d: %s", blocking, len(tc.want), r.raw)
			}
			for _, w := range tc.want {
				if !hasError(errs, w.code, w.field) {
					t.Errorf("no %s error for %s in %s", w.code, w.field, r.raw)
				}
			}
		})
	}
	if r := e.admin(http.MethodGet, "orders", nil); len(r.body["orders"].([]any)) != 0 {
		t.Errorf("rejected orders were stored: %s", r.raw)
	}
}

func TestCreateOrderBadBodies(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token()
	tests := []struct {
		name       string
		body       string
		wantStatus int
		wantCode   string
		wantField  string
	}{
		{"malformed JSON", `{"header":`, 400, "INVALIDJSON", "body"},
		{"two documents", `{} {}`, 400, "INVALIDJSON", "body"},
		{"quantity as a string", `{"header":{"orderNo":"Q1"},"delivery":{"items":[{"quantity":"2"}]}}`, 422, "INVALID", "delivery.items.quantity"},
		{"header as an array", `{"header":[]}`, 422, "INVALID", "header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.api(tok, http.MethodPost, "/orders/orders", tc.body)
			if r.status != tc.wantStatus || !hasError(r.errorsOf(t), tc.wantCode, tc.wantField) {
				t.Errorf("HTTP %d %s, want %d %s %s", r.status, r.raw, tc.wantStatus, tc.wantCode, tc.wantField)
			}
		})
	}
}

func TestCreateOrderWithoutEmailOrMobileWarns(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token()
	body := deliveryOrder("W1")
	set(body, "delivery.contact", map[string]any{"name": "Ada", "tel1": "0113 496 0001"})
	resp := e.createOrder(tok, body)
	errs := resp["errors"].([]any)
	if len(errs) != 1 {
		t.Fatalf("errors %v, want one warning", errs)
	}
	w := errs[0].(map[string]any)
	if w["severity"] != "Warning" || w["code"] != "NOCONTACT" || !strings.HasPrefix(w["description"].(string), "delivery.contact:") {
		t.Errorf("warning %v", w)
	}
	if resp["consignmentNo"] == "" {
		t.Errorf("no consignmentNo with a warning: %v", resp)
	}
}

func TestDuplicateOrderNo(t *testing.T) {
	e := newEnv(t, Options{Accounts: map[string]string{"sandbox": "sandbox-secret", "other": "other-secret"}})
	tok := e.token()
	first := e.createOrder(tok, deliveryOrder("D1"))
	r := e.api(tok, http.MethodPost, "/orders/orders", deliveryOrder("D1"))
	if r.status != http.StatusUnprocessableEntity || r.response(t)["valid"] != false || !hasError(r.errorsOf(t), "DUPLICATE", "header.orderNo") {
		t.Fatalf("duplicate: HTTP %d %s", r.status, r.raw)
	}
	// The first order is untouched.
	got := e.api(tok, http.MethodGet, "/orders/orders/D1", nil)
	if get(t, got.body, "response", "order", "header", "consignmentNo") != first["consignmentNo"] {
		t.Errorf("order changed: %s", got.raw)
	}
	// orderNo is unique per account, not across accounts.
	other := e.tokenFor("other", "other-secret")
	r = e.do(http.MethodPost, e.base+"/orders/orders", e.headers(other, "other"), deliveryOrder("D1"))
	if r.status != 200 || r.response(t)["valid"] != true {
		t.Errorf("same orderNo in another account: HTTP %d %s", r.status, r.raw)
	}
	// Accounts do not see each other's orders.
	r = e.do(http.MethodGet, e.base+"/orders/orders/"+first["consignmentNo"].(string), e.headers(other, "other"), nil)
	if r.status != http.StatusNotFound {
		t.Errorf("other account reads consignment: HTTP %d %s", r.status, r.raw)
	}
}

func TestGetOrderDocument(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token()
	created := e.createOrder(tok, deliveryOrder("G1"))
	cons := created["consignmentNo"].(string)

	for _, id := range []string{"G1", cons} {
		r := e.api(tok, http.MethodGet, "/orders/orders/"+id, nil)
		if r.status != 200 || r.header.Get("Content-Type") != "application/json" {
			t.Fatalf("GET %s: HTTP %d %s", id, r.status, r.raw)
		}
		o := get(t, r.body, "response", "order")
		checks := []struct {
			path []any
			want any
		}{
			{[]any{"trackingId"}, created["trackingId"]},
			{[]any{"trackingURL"}, created["trackingURL"]},
			{[]any{"header", "orderNo"}, "G1"},
			{[]any{"header", "consignmentNo"}, cons},
			{[]any{"header", "customerOrderNo"}, "LW-G1"},
			{[]any{"header", "orderStatus"}, "UNCONFIRMED"},
			{[]any{"header", "orderType"}, "DELIVERY"},
			{[]any{"header", "orderDate"}, "2026-11-20"},
			{[]any{"header", "serviceLevel"}, "Standard"},
			{[]any{"header", "orderWeight"}, 3.75},
			{[]any{"header", "deliveryDate"}, "0"},
			{[]any{"header", "customer", "name"}, "Ada Lovelace"},
			{[]any{"groups", 0, "type"}, "DELIVERY"},
			{[]any{"groups", 0, "status"}, "UNCONFIRMED"},
			{[]any{"groups", 0, "deliveryMethod"}, "Courier"},
			{[]any{"groups", 0, "driverNotes"}, "Leave with neighbour"},
			{[]any{"groups", 0, "required", "fromDateTime"}, "2026-11-23T08-00Z"},
			{[]any{"groups", 0, "required", "toDateTime"}, "2026-11-23T17-30Z"},
			{[]any{"groups", 0, "planned", "fromDateTime"}, "0"},
			{[]any{"groups", 0, "estimateArrivalDateTime"}, "0"},
			{[]any{"groups", 0, "confirmedPlanning"}, false},
			{[]any{"groups", 0, "quantity"}, float64(3)},
			{[]any{"groups", 0, "runDetails"}, nil},
			{[]any{"groups", 0, "address", "postcode"}, "LS1 1AA"},
			{[]any{"groups", 0, "contact", "mobile"}, "07700900123"},
			{[]any{"groups", 0, "items", 1, "parentSequence"}, float64(1)},
			{[]any{"groups", 0, "items", 1, "code"}, "SKU-1"},
			{[]any{"groups", 0, "items", 1, "delivered"}, false},
			{[]any{"groups", 0, "items", 1, "deliveredDateTime"}, "0"},
		}
		for _, c := range checks {
			if got := get(t, o, c.path...); got != c.want {
				t.Errorf("GET %s: %v = %v, want %v", id, c.path, got, c.want)
			}
		}
		if _, ok := get(t, o, "groups", 0, "id").(float64); !ok {
			t.Errorf("group id is not a number: %v", get(t, o, "groups", 0, "id"))
		}
	}

	for _, path := range []string{"/orders/orders/NOPE", "/orders/status/NOPE"} {
		r := e.api(tok, http.MethodGet, path, nil)
		if r.status != http.StatusNotFound || r.response(t)["valid"] != false || !hasError(r.errorsOf(t), "NOTFOUND", "order") {
			t.Errorf("%s: HTTP %d %s", path, r.status, r.raw)
		}
	}
}

func TestPatchOrder(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token()
	e.createOrder(tok, deliveryOrder("P1"))

	tests := []struct {
		name       string
		body       any
		wantStatus int
		wantCode   string
		wantField  string
	}{
		{"no header", map[string]any{}, 422, "REQUIRED", "header"},
		{"notes too long", map[string]any{"header": map[string]any{"driverNotes": strings.Repeat("n", 141)}}, 422, "TOOLONG", "header.driverNotes"},
		{"customer without name", map[string]any{"header": map[string]any{"customer": map[string]any{"address": map[string]any{"country": "GB"}}}}, 422, "REQUIRED", "header.customer.name"},
		{"change orderNo", map[string]any{"header": map[string]any{"orderNo": "P2"}}, 422, "INVALID", "header.orderNo"},
		{"bad date", map[string]any{"header": map[string]any{"orderDate": "tomorrow"}}, 422, "INVALIDDATE", "header.orderDate"},
		{"wrong type", map[string]any{"header": map[string]any{"driverNotes": 5}}, 422, "INVALID", "header.driverNotes"},
		{"malformed", `{"header":`, 400, "INVALIDJSON", "body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.api(tok, http.MethodPatch, "/orders/orders/P1", tc.body)
			if r.status != tc.wantStatus || !hasError(r.errorsOf(t), tc.wantCode, tc.wantField) {
				t.Errorf("HTTP %d %s, want %d %s %s", r.status, r.raw, tc.wantStatus, tc.wantCode, tc.wantField)
			}
		})
	}

	r := e.api(tok, http.MethodPatch, "/orders/orders/P1", map[string]any{"header": map[string]any{
		"customerOrderNo": "NEW-REF", "driverNotes": "Ring twice", "orderNotes": "Fragile",
		"customer": map[string]any{"name": "Grace Hopper"},
	}})
	if r.status != 200 || r.response(t)["valid"] != true || r.response(t)["customerOrderNo"] != "NEW-REF" || r.response(t)["orderNo"] != "P1" {
		t.Fatalf("patch: HTTP %d %s", r.status, r.raw)
	}
	o := get(t, e.api(tok, http.MethodGet, "/orders/orders/P1", nil).body, "response", "order")
	for _, c := range []struct {
		path []any
		want any
	}{
		{[]any{"header", "customerOrderNo"}, "NEW-REF"},
		{[]any{"header", "driverNotes"}, "Ring twice"},
		{[]any{"header", "orderNotes", 0, "desc"}, "Fragile"},
		{[]any{"header", "customer", "name"}, "Grace Hopper"},
		{[]any{"header", "customer", "address"}, nil}, // the customer object was overwritten as a whole
		{[]any{"header", "serviceLevel"}, "Standard"}, // fields not given are kept
	} {
		if got := get(t, o, c.path...); got != c.want {
			t.Errorf("%v = %v, want %v", c.path, got, c.want)
		}
	}

	if r := e.api(tok, http.MethodPatch, "/orders/orders/NOPE", map[string]any{"header": map[string]any{}}); r.status != http.StatusNotFound {
		t.Errorf("unknown order: HTTP %d %s", r.status, r.raw)
	}
}

func TestDepots(t *testing.T) {
	e := newEnv(t, Options{})
	r := e.api(e.token(), http.MethodGet, "/depots/depots", nil)
	if r.status != 200 || r.response(t)["valid"] != true {
		t.Fatalf("HTTP %d %s", r.status, r.raw)
	}
	depots := r.response(t)["depots"].([]any)
	want := map[string][]string{
		"Justin Depot": {"Delivery/DELIVERY", "Courier/DELIVERY", "Trunk/DELIVERY", "Collection/COLLECTION"},
		"Rishvi":       {"Rcollection/COLLECTION", "Rishvi Vehicles/DELIVERY"},
	}
	if len(depots) != len(want) {
		t.Fatalf("%d depots: %s", len(depots), r.raw)
	}
	for _, d := range depots {
		name := get(t, d, "address", "name").(string)
		var got []string
		for _, m := range get(t, d, "deliveryMethods").([]any) {
			if _, ok := get(t, m, "id").(string); !ok {
				t.Errorf("%s: method id is not a string: %v", name, m)
			}
			got = append(got, fmt.Sprintf("%s/%s", get(t, m, "name"), get(t, m, "type")))
		}
		if strings.Join(got, ",") != strings.Join(want[name], ",") {
			t.Errorf("%s methods %v, want %v", name, got, want[name])
		}
		if get(t, d, "stockLocation", "name") != name || get(t, d, "address", "country") != "GB" {
			t.Errorf("%s: stock location or address %v", name, d)
		}
		if _, ok := get(t, d, "id").(string); !ok {
			t.Errorf("%s: id is not a string", name)
		}
	}
}

func TestConcurrentCreates(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token()
	var wg sync.WaitGroup
	statuses := make([]int, 20)
	for i := range statuses {
		wg.Go(func() {
			r := e.api(tok, http.MethodPost, "/orders/orders", deliveryOrder(fmt.Sprintf("C%d", i%10)))
			statuses[i] = r.status
		})
	}
	wg.Wait()
	ok, dup := 0, 0
	for _, s := range statuses {
		switch s {
		case 200:
			ok++
		case 422:
			dup++
		}
	}
	if ok != 10 || dup != 10 {
		t.Errorf("%d accepted and %d duplicates, want 10 and 10 (%v)", ok, dup, statuses)
	}
	if r := e.admin(http.MethodGet, "orders", nil); len(r.body["orders"].([]any)) != 10 {
		t.Errorf("admin lists %d orders", len(r.body["orders"].([]any)))
	}
}

func TestMountedUnderPrefix(t *testing.T) {
	e := newEnvWith(t, Options{}, func(sb *Sandbox) http.Handler {
		mux := http.NewServeMux()
		mux.Handle("/sandbox/stream/", http.StripPrefix("/sandbox/stream", sb))
		return mux
	})
	srv := e.srv
	e.base = srv.URL + "/sandbox/stream/api"
	tok := e.token()
	resp := e.createOrder(tok, deliveryOrder("M1"))
	want := srv.URL + "/sandbox/stream/track/" + resp["trackingId"].(string)
	if resp["trackingURL"] != want {
		t.Errorf("trackingURL %v, want %s", resp["trackingURL"], want)
	}
	if page := e.do(http.MethodGet, want, nil, nil); page.status != 200 {
		t.Errorf("tracking page: HTTP %d", page.status)
	}
	admin := e.do(http.MethodGet, srv.URL+"/sandbox/stream/admin/orders", nil, nil)
	if admin.status != 200 || len(admin.body["orders"].([]any)) != 1 {
		t.Errorf("admin: HTTP %d %s", admin.status, admin.raw)
	}
}

func TestTrackingBaseURLOption(t *testing.T) {
	e := newEnv(t, Options{TrackingBaseURL: "https://track.example.com/stream/"})
	resp := e.createOrder(e.token(), deliveryOrder("T1"))
	if want := "https://track.example.com/stream/track/" + resp["trackingId"].(string); resp["trackingURL"] != want {
		t.Errorf("trackingURL %v, want %s", resp["trackingURL"], want)
	}
}

func TestRequestBodyMustBeJSON(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token()
	h := e.headers(tok, "sandbox")
	h["Content-Type"] = "text/plain"
	r := e.do(http.MethodPost, e.base+"/orders/orders", h, mustJSON(t, deliveryOrder("J1")))
	if r.status != http.StatusUnsupportedMediaType || !hasError(r.errorsOf(t), "CONTENTTYPE", "Content-Type") {
		t.Errorf("text/plain body: HTTP %d %s", r.status, r.raw)
	}
	h = e.headers(tok, "sandbox")
	h["Content-Type"] = "application/json; charset=utf-8"
	if r := e.do(http.MethodPost, e.base+"/orders/orders", h, mustJSON(t, deliveryOrder("J1"))); r.status != 200 {
		t.Errorf("JSON with charset: HTTP %d %s", r.status, r.raw)
	}
}

// TestExternalClientIDIsEchoed: the header's externalClientId (the mark a
// client stamps on its orders) comes back on GET as sent, in either of the
// two spellings the reference records, and an order without one reads
// back with an empty one.
func TestExternalClientIDIsEchoed(t *testing.T) {
	e := newEnv(t, Options{})
	tok := e.token()
	cases := []struct{ orderNo, field, sent, want string }{
		{"X1", "externalClientId", "LS0a1b2c3d4e5f60", "LS0a1b2c3d4e5f60"},
		{"X2", "externalClientID", "LS-KB-SPELLING", "LS-KB-SPELLING"},
		{"X3", "", "", ""},
	}
	for _, c := range cases {
		body := deliveryOrder(c.orderNo)
		if c.field != "" {
			set(body, "header."+c.field, c.sent)
		}
		e.createOrder(tok, body)
		r := e.api(tok, http.MethodGet, "/orders/orders/"+c.orderNo, nil)
		if r.status != 200 {
			t.Fatalf("GET %s: HTTP %d %s", c.orderNo, r.status, r.raw)
		}
		if got := get(t, r.body, "response", "order", "header", "externalClientId"); got != c.want {
			t.Errorf("order %s sent %s %q: read back externalClientId %v, want %q", c.orderNo, c.field, c.sent, got, c.want)
		}
	}
}
