package shipping_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"linnstream/internal/services"
	"linnstream/internal/stream"
)

var quoteItemFields = []string{"ServiceName", "ServiceCode", "ServiceId", "ServiceTag", "CollectionDate", "EstimatedDeliveryDate",
	"Cost", "Tax", "TotalCost", "Currency", "PropertyItem", "Options"}

// quoteBody is a Quote request as the apidocs example shapes it (with the
// DeliveryNote it tolerates).
func quoteBody(token string) map[string]any {
	return map[string]any{
		"AuthorizationToken": token,
		"Name":               "Jane Doe", "CompanyName": "", "AddressLine1": "2 Park Row", "AddressLine2": "", "AddressLine3": "",
		"Town": "Leeds", "Region": "West Yorkshire", "CountryCode": "GB", "Postalcode": "LS1 5HD",
		"Email": "jane@example.com", "Phone": "0113 496 0001", "DeliveryNote": "Leave with neighbour",
		"OrderReference": "SO-1001", "OrderCurrency": "gbp", "OrderValue": 42.5,
		"Packages": []any{
			map[string]any{"SequenceNumber": 1, "PackageWeight": 1200, "PackageWidth": 20, "PackageHeight": 10, "PackageDepth": 15,
				"PackageFormat": "PARCEL", "Items": []any{map[string]any{"ItemName": "Mug", "ProductCode": "MUG-1", "Quantity": 2,
					"UnitValue": 8.5, "UnitWeight": 400, "Height": 10, "Width": 8, "Length": 8, "ExtendedProperties": []any{}}}},
		},
		"OrderExtendedProperties": []any{map[string]any{"Name": "SafePlace", "Value": "Porch"}},
	}
}

func TestQuoteOnePerDeliveryService(t *testing.T) {
	s := newSvcHarness(t, svcSetup{})
	tok := s.newProfile(svcToken, sbSecret)
	acct := stream.Account{BaseURL: s.streamURL, ClientID: sbClientID}
	courier := services.ServiceID(acct, "1", "102")
	p := s.stored(tok)
	services.RecordFlatRate(p, courier, 4.95)
	if err := s.mem.Update(context.Background(), p); err != nil {
		t.Fatal(err)
	}

	r := s.post("Quote", quoteBody(tok))
	if r.isError() {
		t.Fatal(r.message())
	}
	sameKeys(t, "Quote response", r.obj, "QuoteItems", "IsError", "ErrorMessage")
	quotes := r.obj["QuoteItems"].([]any)

	// The service ids are UserAvailableServices' ServiceUniqueIds.
	byName := map[any]any{}
	for _, svc := range availableServices(t, s.post("UserAvailableServices", map[string]any{"AuthorizationToken": tok})) {
		byName[svc["ServiceName"]] = svc["ServiceUniqueId"]
	}
	want := []struct {
		name, code, depot, method string
		cost                      float64
	}{
		{"Delivery (Justin Depot)", "STREAM-1-101", "Justin Depot", "Delivery", 0},
		{"Courier (Justin Depot)", "STREAM-1-102", "Justin Depot", "Courier", 4.95},
		{"Trunk (Justin Depot)", "STREAM-1-103", "Justin Depot", "Trunk", 0},
		{"Rishvi Vehicles (Rishvi)", "STREAM-2-202", "Rishvi", "Rishvi Vehicles", 0},
	}
	if len(quotes) != len(want) {
		t.Fatalf("got %d quotes, want %d (DELIVERY services only): %.600s", len(quotes), len(want), r.raw)
	}
	for i, w := range want {
		q := quotes[i].(map[string]any)
		sameKeys(t, "QuoteItem", q, quoteItemFields...)
		if q["ServiceName"] != w.name || q["ServiceCode"] != w.code || q["ServiceTag"] != "DELIVERY" {
			t.Errorf("quote %d = %v %v %v, want %+v", i, q["ServiceName"], q["ServiceCode"], q["ServiceTag"], w)
		}
		if id, ok := byName[w.name]; !ok || q["ServiceId"] != id {
			t.Errorf("%s ServiceId = %v, UserAvailableServices says %v", w.name, q["ServiceId"], id)
		}
		if q["Cost"] != w.cost || q["Tax"] != 0.0 || q["TotalCost"] != w.cost || q["Currency"] != "GBP" {
			t.Errorf("%s cost %v tax %v total %v currency %v, want %v GBP", w.name, q["Cost"], q["Tax"], q["TotalCost"], q["Currency"], w.cost)
		}
		if q["CollectionDate"] != "2026-03-02T10:00:00Z" || q["EstimatedDeliveryDate"] != "2026-03-03T00:00:00Z" {
			t.Errorf("%s dates %v → %v", w.name, q["CollectionDate"], q["EstimatedDeliveryDate"])
		}
		props := q["PropertyItem"].([]any)
		if len(props) != 2 || fmtJSON(props) != fmtJSON([]map[string]string{{"Title": "Depot", "Value": w.depot}, {"Title": "Delivery method", "Value": w.method}}) {
			t.Errorf("%s PropertyItem = %v", w.name, props)
		}
		if o, ok := q["Options"].([]any); !ok || len(o) != 0 {
			t.Errorf("%s Options = %v, want []", w.name, q["Options"])
		}
	}
}

func TestQuoteDates(t *testing.T) {
	tests := []struct {
		now        time.Time
		collection string
		delivery   string
	}{
		{time.Date(2026, 3, 3, 23, 59, 59, 900_000_000, time.UTC), "2026-03-03T23:59:59Z", "2026-03-04T00:00:00Z"}, // Tuesday
		{time.Date(2026, 3, 6, 16, 30, 0, 0, time.UTC), "2026-03-06T16:30:00Z", "2026-03-09T00:00:00Z"},            // Friday → Monday
		{time.Date(2026, 3, 7, 9, 0, 0, 0, time.UTC), "2026-03-07T09:00:00Z", "2026-03-09T00:00:00Z"},              // Saturday → Monday
		{time.Date(2026, 3, 8, 9, 0, 0, 0, time.FixedZone("BST", 3600)), "2026-03-08T08:00:00Z", "2026-03-09T00:00:00Z"},
	}
	s := newSvcHarness(t, svcSetup{})
	tok := s.newProfile(svcToken, sbSecret)
	for _, tt := range tests {
		s.clock.Set(tt.now)
		r := s.post("Quote", quoteBody(tok))
		if r.isError() {
			t.Fatal(r.message())
		}
		for _, x := range r.obj["QuoteItems"].([]any) {
			q := x.(map[string]any)
			if q["CollectionDate"] != tt.collection || q["EstimatedDeliveryDate"] != tt.delivery {
				t.Errorf("at %s: %v → %v, want %s → %s", tt.now, q["CollectionDate"], q["EstimatedDeliveryDate"], tt.collection, tt.delivery)
			}
		}
	}
}

func TestQuoteBadInput(t *testing.T) {
	s := newSvcHarness(t, svcSetup{})
	tok := s.newProfile(svcToken, sbSecret)
	with := func(change func(m map[string]any)) map[string]any {
		m := quoteBody(tok)
		change(m)
		return m
	}
	pkg := func(m map[string]any) map[string]any { return m["Packages"].([]any)[0].(map[string]any) }
	tests := []struct {
		name string
		body any
		want string
	}{
		{"no token", with(func(m map[string]any) { delete(m, "AuthorizationToken") }), "AuthorizationToken is required"},
		{"unknown token", with(func(m map[string]any) { m["AuthorizationToken"] = "9f9f9f9f-0000-4000-8000-000000000000" }), "Authorization failed for token"},
		{"no country", with(func(m map[string]any) { m["CountryCode"] = " " }), "CountryCode is required"},
		{"bad country", with(func(m map[string]any) { m["CountryCode"] = "GBR" }), `the country code "GBR" is not an ISO 3166-1 country code`},
		{"country not a string", with(func(m map[string]any) { m["CountryCode"] = map[string]any{"Code": "GB"} }), "CountryCode must be a string"},
		{"no postcode", with(func(m map[string]any) { delete(m, "Postalcode") }), "Postalcode is required"},
		{"long postcode", with(func(m map[string]any) { m["Postalcode"] = strings.Repeat("A", 21) }), "the postcode is 21 characters; Stream allows 17"},
		{"bad currency", with(func(m map[string]any) { m["OrderCurrency"] = "£" }), `OrderCurrency must be a 3-letter currency code, not "£"`},
		{"negative value", with(func(m map[string]any) { m["OrderValue"] = -1 }), "OrderValue must not be negative"},
		{"no packages", with(func(m map[string]any) { m["Packages"] = []any{} }), "Packages must list at least one package"},
		{"packages not an array", with(func(m map[string]any) { m["Packages"] = "box" }), "Packages must be an array"},
		{"too many packages", with(func(m map[string]any) {
			many := make([]any, 201)
			for i := range many {
				many[i] = map[string]any{"SequenceNumber": i + 1, "PackageWeight": 10}
			}
			m["Packages"] = many
		}), "the order has 201 packages; at most 200 are accepted"},
		{"negative weight", with(func(m map[string]any) { pkg(m)["PackageWeight"] = -5 }), "package 1 weight must not be negative (-5 g)"},
		{"negative depth", with(func(m map[string]any) { pkg(m)["PackageDepth"] = -0.5 }), "package 1 depth must not be negative (-0.5 cm)"},
		{"weight not a number", with(func(m map[string]any) { pkg(m)["PackageWeight"] = "heavy" }), "Packages[0].PackageWeight must be a number"},
		{"negative quantity", with(func(m map[string]any) { pkg(m)["Items"].([]any)[0].(map[string]any)["Quantity"] = -1 }), "package 1 item 1 quantity must be at least 1, not -1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.post("Quote", tt.body)
			if !r.isError() || !strings.Contains(r.message(), tt.want) {
				t.Fatalf("got %.300s, want an error containing %q", r.raw, tt.want)
			}
		})
	}
	if n := s.depots.Reads(); n != 0 {
		t.Errorf("bad requests read Stream's depots %d times", n)
	}
}

func TestQuoteStreamFailure(t *testing.T) {
	s := newSvcHarness(t, svcSetup{})
	tok := s.newProfile(svcToken, "wrong-secret")
	r := s.post("Quote", quoteBody(tok))
	if !r.isError() || !strings.Contains(r.message(), "The client credentials are invalid") || strings.Contains(r.raw, "wrong-secret") {
		t.Errorf("Quote with bad Stream credentials: %s", r.raw)
	}
}
