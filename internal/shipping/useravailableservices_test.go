package shipping_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"linnstream/internal/services"
	"linnstream/internal/stream"
)

const svcToken = "5b0c7a53-9d0e-4c61-8f1a-2e3d4c5b6a79"

var availableServiceFields = []string{"ServiceName", "ServiceCode", "ServiceTag", "ServiceGroup", "ServiceUniqueId", "ConfigItems", "ServiceProperty"}

func availableServices(t *testing.T, r reply) []map[string]any {
	t.Helper()
	if r.isError() {
		t.Fatalf("UserAvailableServices: %s", r.message())
	}
	list, ok := r.obj["Services"].([]any)
	if !ok {
		t.Fatalf("Services is not an array: %.300s", r.raw)
	}
	out := make([]map[string]any, len(list))
	for i, x := range list {
		out[i] = x.(map[string]any)
	}
	return out
}

func TestUserAvailableServicesListsDepotsTimesMethods(t *testing.T) {
	s := newSvcHarness(t, svcSetup{})
	tok := s.newProfile(svcToken, sbSecret)
	r := s.post("UserAvailableServices", map[string]any{"AuthorizationToken": tok})
	sameKeys(t, "UserAvailableServices response", r.obj, "Services", "IsError", "ErrorMessage")
	got := availableServices(t, r)

	acct := stream.Account{BaseURL: s.streamURL, ClientID: sbClientID}
	want := []struct{ name, code, tag, group, depot, method, stock, depotID, methodID string }{
		{"Delivery (Justin Depot)", "STREAM-1-101", "DELIVERY", "Justin Depot", "Justin Depot", "Delivery", "Justin Depot", "1", "101"},
		{"Courier (Justin Depot)", "STREAM-1-102", "DELIVERY", "Justin Depot", "Justin Depot", "Courier", "Justin Depot", "1", "102"},
		{"Trunk (Justin Depot)", "STREAM-1-103", "DELIVERY", "Justin Depot", "Justin Depot", "Trunk", "Justin Depot", "1", "103"},
		{"Collection (Justin Depot)", "STREAM-1-104", "COLLECTION", "Justin Depot", "Justin Depot", "Collection", "Justin Depot", "1", "104"},
		{"Rcollection (Rishvi)", "STREAM-2-201", "COLLECTION", "Rishvi", "Rishvi", "Rcollection", "Rishvi", "2", "201"},
		{"Rishvi Vehicles (Rishvi)", "STREAM-2-202", "DELIVERY", "Rishvi", "Rishvi", "Rishvi Vehicles", "Rishvi", "2", "202"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d services, want %d: %.500s", len(got), len(want), r.raw)
	}
	ids := map[any]bool{}
	for i, w := range want {
		svc := got[i]
		sameKeys(t, "service", svc, availableServiceFields...)
		if svc["ServiceName"] != w.name || svc["ServiceCode"] != w.code || svc["ServiceTag"] != w.tag || svc["ServiceGroup"] != w.group {
			t.Errorf("service %d = %v %v %v %v, want %+v", i, svc["ServiceName"], svc["ServiceCode"], svc["ServiceTag"], svc["ServiceGroup"], w)
		}
		if id := services.ServiceID(acct, stream.ID(w.depotID), stream.ID(w.methodID)); svc["ServiceUniqueId"] != id {
			t.Errorf("%s ServiceUniqueId = %v, want %s", w.name, svc["ServiceUniqueId"], id)
		}
		if ids[svc["ServiceUniqueId"]] {
			t.Errorf("%s repeats ServiceUniqueId %v", w.name, svc["ServiceUniqueId"])
		}
		ids[svc["ServiceUniqueId"]] = true

		props := svc["ServiceProperty"].([]any)
		wantProps := [][2]string{{"Depot", w.depot}, {"Delivery method", w.method}, {"Type", w.tag}, {"Stock location", w.stock}}
		if len(props) != len(wantProps) {
			t.Fatalf("%s ServiceProperty = %v", w.name, props)
		}
		for j, wp := range wantProps {
			p := props[j].(map[string]any)
			sameKeys(t, "ServiceProperty", p, "PropertyName", "PropertyValue")
			if p["PropertyName"] != wp[0] || p["PropertyValue"] != wp[1] {
				t.Errorf("%s property %d = %v, want %v", w.name, j, p, wp)
			}
		}

		items := svc["ConfigItems"].([]any)
		wantItems := []struct {
			id, name, value string
			valueType       float64
			regex           bool
		}{
			{services.OptionOverridePackagingSplit, "Override Packaging Split", "false", 3, false},
			{services.OptionSkipCompositeParent, "Skip Composite Parent", "false", 3, false},
			{services.OptionServiceLevel, "Stream service level", "", 0, true},
			{services.OptionFlatRate, "Flat rate for quotes", "0", 2, true},
		}
		if len(items) != len(wantItems) {
			t.Fatalf("%s has %d ConfigItems, want %d", w.name, len(items), len(wantItems))
		}
		for j, wi := range wantItems {
			it := items[j].(map[string]any)
			sameKeys(t, "service ConfigItem", it, configItemFields...)
			if it["ConfigItemId"] != wi.id || it["Name"] != wi.name || it["SelectedValue"] != wi.value || it["ValueType"] != wi.valueType ||
				it["GroupName"] != "Stream" || it["MustBeSpecified"] != false || it["ReadOnly"] != false || it["SortOrder"] != float64(j+1) {
				t.Errorf("%s ConfigItem %d = %v", w.name, j, it)
			}
			if lv, ok := it["ListValues"].([]any); !ok || len(lv) != 0 {
				t.Errorf("%s ListValues = %v, want []", wi.id, it["ListValues"])
			}
			if _, isString := it["RegExValidation"].(string); isString != wi.regex {
				t.Errorf("%s RegExValidation = %v", wi.id, it["RegExValidation"])
			}
		}
	}

	// The same ids on the next call, read again from Stream after the cache
	// expired.
	s.clock.Advance(2 * time.Minute)
	again := availableServices(t, s.post("UserAvailableServices", map[string]any{"AuthorizationToken": tok}))
	for i := range got {
		if again[i]["ServiceUniqueId"] != got[i]["ServiceUniqueId"] || again[i]["ServiceName"] != got[i]["ServiceName"] {
			t.Errorf("service %d changed across calls: %v then %v", i, got[i]["ServiceUniqueId"], again[i]["ServiceUniqueId"])
		}
	}
	if n := s.depots.Reads(); n != 2 {
		t.Errorf("depot reads = %d, want 2 (one per call, the cache having expired)", n)
	}
}

func TestUserAvailableServicesCachesAndPicksUpNewMethods(t *testing.T) {
	s := newSvcHarness(t, svcSetup{})
	tok := s.newProfile(svcToken, sbSecret)
	other := s.newProfile("7c1d2e3f-4a5b-4c6d-8e7f-901a2b3c4d5e", sbSecret)
	list := func(tok string) []map[string]any {
		t.Helper()
		return availableServices(t, s.post("UserAvailableServices", map[string]any{"AuthorizationToken": tok}))
	}
	if n := len(list(tok)); n != 6 {
		t.Fatalf("got %d services, want 6", n)
	}
	s.clock.Advance(30 * time.Second)
	list(tok)
	list(other) // another profile of the same Stream account shares the cache
	if n := s.depots.Reads(); n != 1 {
		t.Fatalf("depot reads within the TTL = %d, want 1", n)
	}

	s.depots.AddDepot(stream.Depot{ID: "7", Address: stream.Address{Name: "York Hub"}, StockLocation: stream.StockLocation{ID: "17", Name: "York Hub"},
		DeliveryMethods: []stream.DeliveryMethod{{ID: "701", Name: "Same Day", Type: "DELIVERY"}}})
	if n := len(list(tok)); n != 6 {
		t.Fatalf("within the TTL got %d services, want the cached 6", n)
	}
	s.clock.Advance(31 * time.Second)
	got := list(tok)
	if len(got) != 7 || got[6]["ServiceName"] != "Same Day (York Hub)" || got[6]["ServiceGroup"] != "York Hub" {
		t.Fatalf("after the TTL: %d services, last %v", len(got), got[len(got)-1]["ServiceName"])
	}
	if n := s.depots.Reads(); n != 2 {
		t.Errorf("depot reads = %d, want 2", n)
	}
}

func TestUserAvailableServicesShowsStoredFlatRate(t *testing.T) {
	s := newSvcHarness(t, svcSetup{})
	tok := s.newProfile(svcToken, sbSecret)
	courier := services.ServiceID(stream.Account{BaseURL: s.streamURL, ClientID: sbClientID}, "1", "102")
	p := s.stored(tok)
	services.RecordFlatRate(p, courier, 7.25)
	if err := s.mem.Update(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	for _, svc := range availableServices(t, s.post("UserAvailableServices", map[string]any{"AuthorizationToken": tok})) {
		rate := svc["ConfigItems"].([]any)[3].(map[string]any)["SelectedValue"]
		want := "0"
		if svc["ServiceUniqueId"] == courier {
			want = "7.25"
		}
		if rate != want {
			t.Errorf("%v flat rate = %v, want %s", svc["ServiceName"], rate, want)
		}
	}
}

func TestUserAvailableServicesFailures(t *testing.T) {
	s := newSvcHarness(t, svcSetup{})
	good := s.newProfile(svcToken, sbSecret)
	badSecret := s.newProfile("0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9", "not-the-secret")
	deleted := s.newProfile("1a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9", sbSecret)
	p := s.stored(deleted)
	p.Deleted = true
	if err := s.mem.Update(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	unconfigured := s.newProfile("2a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9", "")

	tests := []struct {
		name string
		body any
		want string
	}{
		{"no token", `{}`, "AuthorizationToken is required"},
		{"token not a string", `{"AuthorizationToken":{"Token":42}}`, "AuthorizationToken must be a string"},
		{"unknown token", map[string]any{"AuthorizationToken": "9f9f9f9f-0000-4000-8000-000000000000"}, "Authorization failed for token"},
		{"deleted profile", map[string]any{"AuthorizationToken": deleted}, "Authorization failed for token"},
		{"not JSON", `{"AuthorizationToken":`, "request body is not valid JSON"},
		{"not configured", map[string]any{"AuthorizationToken": unconfigured}, "the Stream API credentials are not configured; complete the integration's configuration first"},
		{"bad credentials", map[string]any{"AuthorizationToken": badSecret}, "Stream's depots and delivery methods could not be read: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.post("UserAvailableServices", tt.body)
			if !r.isError() || !strings.Contains(r.message(), tt.want) {
				t.Fatalf("got %s, want an error containing %q", r.raw, tt.want)
			}
			if list, ok := r.obj["Services"].([]any); r.obj["Services"] != nil && (!ok || len(list) != 0) {
				t.Errorf("an error answer lists services: %v", r.obj["Services"])
			}
		})
	}

	r := s.post("UserAvailableServices", map[string]any{"AuthorizationToken": badSecret})
	if !strings.Contains(r.message(), "The client credentials are invalid") {
		t.Errorf("bad credentials message %q does not give Stream's reason", r.message())
	}
	for _, body := range s.bodies {
		if strings.Contains(body, "not-the-secret") || strings.Contains(body, sbSecret) {
			t.Errorf("a response carries a Stream secret: %s", body)
		}
	}
	if strings.Contains(s.logs.String(), "not-the-secret") {
		t.Error("the logs carry a Stream secret")
	}

	// The right credentials still work: failures are not cached.
	if n := len(availableServices(t, s.post("UserAvailableServices", map[string]any{"AuthorizationToken": good}))); n != 6 {
		t.Errorf("good profile got %d services", n)
	}

	// Stream unreachable.
	s.streamSrv.Close()
	s.clock.Advance(time.Hour)
	r = s.post("UserAvailableServices", map[string]any{"AuthorizationToken": good})
	if !r.isError() || !strings.HasPrefix(r.message(), "Stream's depots and delivery methods could not be read: ") {
		t.Errorf("Stream down: %s", r.raw)
	}
}

func TestUserAvailableServicesWithoutCatalogue(t *testing.T) {
	s := newSvcHarness(t, svcSetup{noServices: true})
	tok := s.newProfile(svcToken, sbSecret)
	for _, ep := range []string{"UserAvailableServices", "Quote"} {
		r := s.post(ep, quoteBody(tok))
		if !r.isError() || r.message() != "services are not configured on this server" {
			t.Errorf("%s without a catalogue: %s", ep, r.raw)
		}
	}
	// The endpoints of the wizard are unaffected.
	if r := s.post("UserConfig", map[string]any{"AuthorizationToken": tok}); r.isError() {
		t.Errorf("UserConfig without a catalogue: %s", r.raw)
	}
}
