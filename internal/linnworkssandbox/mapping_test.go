package linnworkssandbox

import (
	"net/http"
	"testing"
)

// A postal service created through the admin API and linked to an
// integration's service is listed by GetPostalServices with that link, and
// orders seeded with it carry its id and filter on it.
func TestAdminPostalServiceLinksAndFilters(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()
	const linked = "0b4e7c52-2f4a-5d31-9a77-6c1e1f0a9b01"
	var ps AdminPostalService
	r := e.call("POST", "/admin/postalservices", "", map[string]string{"name": "Stream Next Day (profile A)", "integratedServiceId": linked, "vendor": StreamVendor})
	if r.status != http.StatusCreated {
		t.Fatalf("POST admin/postalservices: %d %s", r.status, r.body)
	}
	r.decode(t, &ps)
	if _, ok := normGUID(ps.ID); !ok || ps.IntegratedServiceID != linked || ps.Vendor != StreamVendor {
		t.Fatalf("created %+v", ps)
	}

	var list []postalServiceView
	e.ok(token, "GET", "/api/PostalServices/GetPostalServices", nil, 200).decode(t, &list)
	found := false
	for _, v := range list {
		if v.PkPostalServiceId == ps.ID {
			found = true
			if v.IntegratedServiceId != linked || !v.HasMappedShippingService {
				t.Errorf("listed as %+v, want linked to %s", v, linked)
			}
		}
	}
	if !found {
		t.Fatalf("GetPostalServices does not list %s", ps.ID)
	}

	added, err := e.sb.AddOrders(
		OrderDetails{ShippingInfo: OrderShippingInfo{PostalServiceName: "Stream Next Day (profile A)"}},
		OrderDetails{ShippingInfo: OrderShippingInfo{PostalServiceId: RoyalMailServiceID}},
	)
	if err != nil {
		t.Fatal(err)
	}
	if got := added[0].Order.ShippingInfo.PostalServiceId; got != ps.ID {
		t.Fatalf("seeded order's postal service %q, want %q", got, ps.ID)
	}
	ids := e.openIDs(token, map[string]any{"filters": map[string]any{"TextFields": []map[string]string{
		{"FieldCode": "SHIPPING_INFORMATION_SERVICE_ID", "Type": "Equal", "Text": ps.ID}}}})
	if len(ids) != 1 || ids[0] != added[0].Order.OrderId {
		t.Fatalf("orders of the new service: %v, want only %s", ids, added[0].Order.OrderId)
	}
}

func TestAdminPostalServiceRefusesBadInput(t *testing.T) {
	e := newEnv(t, Options{})
	before := len(e.sb.st.postal)
	for _, body := range []map[string]string{
		{"name": "", "vendor": "X"},
		{"name": "A", "vendor": ""},
		{"name": "A", "vendor": "X", "integratedServiceId": "not-a-guid"},
		{"name": "Royal Mail Tracked 48", "vendor": "RoyalMail"},
	} {
		if r := e.call("POST", "/admin/postalservices", "", body); r.status != http.StatusBadRequest {
			t.Errorf("%v: status %d, want 400: %s", body, r.status, r.body)
		}
	}
	if r := e.raw("POST", "/admin/postalservices", "", "application/json", []byte(`{"name":"A","vendor":"X","extra":1}`)); r.status != http.StatusBadRequest {
		t.Errorf("unknown field: status %d, want 400", r.status)
	}
	if after := len(e.sb.st.postal); after != before {
		t.Fatalf("refused requests changed the postal services: %d → %d", before, after)
	}
}

// An address changed through the admin API is what the API reads next, and
// the order's last change moves; fields left out are kept.
func TestAdminChangeAddress(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()
	added, err := e.sb.AddOrders(OrderDetails{NumOrderId: 7001, CustomerInfo: OrderCustomerInfo{Address: CustomerAddress{
		FullName: "Ada Lovelace", Address1: "1 Road", Town: "Leeds", Country: "United Kingdom"}}})
	if err != nil {
		t.Fatal(err)
	}
	id := added[0].Order.OrderId
	e.clock.Advance(5 * 60e9)
	r := e.call("POST", "/admin/orders/7001/address", "", map[string]string{"PostCode": "LS1 4AP", "Address2": "Flat 2"})
	if r.status != http.StatusOK {
		t.Fatalf("change address: %d %s", r.status, r.body)
	}
	var o OrderDetails
	e.ok(token, "GET", "/api/Orders/GetOrderById?pkOrderId="+id, nil, 200).decode(t, &o)
	a := o.CustomerInfo.Address
	if a.PostCode != "LS1 4AP" || a.Address2 != "Flat 2" || a.FullName != "Ada Lovelace" || a.Address1 != "1 Road" {
		t.Fatalf("address after change: %+v", a)
	}
	if got := e.sb.st.byNum[7001].lastUpdated; !got.Equal(e.clock.Now()) {
		t.Errorf("last update %v, want %v", got, e.clock.Now())
	}

	for _, c := range []struct {
		target string
		body   string
		want   int
	}{
		{"/admin/orders/9999999/address", `{"PostCode":"X"}`, http.StatusNotFound},
		{"/admin/orders/abc/address", `{"PostCode":"X"}`, http.StatusBadRequest},
		{"/admin/orders/7001/address", `{"Zip":"X"}`, http.StatusBadRequest},
		{"/admin/orders/7001/address", `{"PostCode":"X","postcode":"Y"}`, http.StatusBadRequest},
		{"/admin/orders/7001/address", `{}`, http.StatusBadRequest},
		{"/admin/orders/7001/address", `{"PostCode":5}`, http.StatusBadRequest},
	} {
		if r := e.raw("POST", c.target, "", "application/json", []byte(c.body)); r.status != c.want {
			t.Errorf("%s %s: status %d, want %d: %s", c.target, c.body, r.status, c.want, r.body)
		}
	}
	if got := e.adminOrder("7001").Order.CustomerInfo.Address.PostCode; got != "LS1 4AP" {
		t.Fatalf("refused changes altered the postcode to %q", got)
	}

	// Field names are taken in any case, as admin POST orders takes them.
	r = e.raw("POST", "/admin/orders/7001/address", "", "application/json", []byte(`{"postcode":"LS2 7HY","fullName":"Ada King"}`))
	if r.status != http.StatusOK {
		t.Fatalf("change address in lower case: %d %s", r.status, r.body)
	}
	if a := e.adminOrder("7001").Order.CustomerInfo.Address; a.PostCode != "LS2 7HY" || a.FullName != "Ada King" || a.Address2 != "Flat 2" {
		t.Fatalf("address after a lower-case change: %+v", a)
	}
}
