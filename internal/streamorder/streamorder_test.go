package streamorder_test

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"linnstream/internal/stream"
	"linnstream/internal/streamorder"
	"linnstream/internal/wizard"
)

var now = time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)

func sampleOrder() streamorder.Order {
	return streamorder.Order{
		OrderID:   100001,
		Reference: "AMZ-778-2231",
		Recipient: streamorder.Recipient{
			Name: "Jane Doe", Company: "Doe & Co", Address1: "12 High Street", Address2: "Flat 3",
			Address3: "Hyde Park", Town: "Leeds", Region: "West Yorkshire", Country: "gb", Postcode: "ls1 4ap",
			Email: "jane@example.com", Phone: "+44 7700 900123",
		},
		DeliveryNote: "Ring twice",
		Packages: []streamorder.Package{
			{Number: 0, WeightGrams: 1500, WidthCm: 30, HeightCm: 20, DepthCm: 10, Format: "BOX", Items: []streamorder.Item{
				{Name: "Mug", SKU: "MUG-1", Quantity: 2, UnitWeightGrams: 400},
				{Name: "Tea", SKU: "TEA-9", Quantity: 1, UnitWeightGrams: 250,
					ExtendedProperties: []streamorder.ExtendedProperty{{Name: "ItemNotes", Value: "Keep dry"}}},
			}},
			{Number: 1, WeightGrams: 800, WidthCm: 10, HeightCm: 10, DepthCm: 10, Format: "packet", Items: []streamorder.Item{
				{Name: "Spoon", SKU: "SPN-2", Quantity: 4, UnitWeightGrams: 50},
			}},
		},
		ExtendedProperties: []streamorder.ExtendedProperty{
			{Name: "SafePlace", Value: "Behind the bins"},
			{Name: "driverNotes", Value: "Dog in garden"},
			{Name: "Unrelated", Value: "ignored"},
		},
	}
}

var delivery = streamorder.Service{OrderType: stream.OrderTypeDelivery, Method: "Courier", StockLocation: "Justin Depot", ServiceLevel: "Standard"}

var settings = streamorder.Settings{OrderNumberPrefix: "LW-", PartnerID: "P1", SenderCompany: "Shop Ltd", PickupToday: true}

func build(t *testing.T, o streamorder.Order, svc streamorder.Service, set streamorder.Settings) *stream.Order {
	t.Helper()
	out, err := streamorder.Build(o, svc, set, now)
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	return out
}

func TestBuildDeliveryMapsEveryField(t *testing.T) {
	got := build(t, sampleOrder(), delivery, settings)
	addr := stream.Address{Name: "Doe & Co", Address1: "12 High Street", Address2: "Flat 3", Address3: "Hyde Park",
		Address4: "Leeds", Address5: "West Yorkshire", Country: "GB", Postcode: "LS1 4AP"}
	legAddr := addr
	legAddr.LocationNotes = "Behind the bins"
	contact := stream.Contact{Name: "Jane Doe", Tel1: "+44 7700 900123", Mobile: "+44 7700 900123", Email: "jane@example.com"}
	day := stream.DateOf(now)
	c1, c2 := contact, contact
	want := &stream.Order{
		Header: stream.Header{
			OrderNo: "LW-100001", OrderDate: day, OrderType: "DELIVERY", ServiceLevel: "Standard",
			Partner:         &stream.Partner{ID: "P1", Name: "Shop Ltd"},
			Customer:        &stream.Customer{Name: "Jane Doe", Address: &addr, Contact: &c1},
			CustomerOrderNo: "AMZ-778-2231",
			DriverNotes:     "Ring twice / Dog in garden",
		},
		Delivery: &stream.Delivery{Address: legAddr, Contact: &c2, DeliveryMethod: "Courier", Items: []stream.Item{
			{Sequence: 1, Code: "BOX", Description: "Package 1 of 2 (BOX)", Quantity: 1, Weight: 0.45, Cube: 0.006,
				StockLocation: "Justin Depot", OnHandDate: day, PackageID: "0", PackageType: "BOX"},
			{Sequence: 2, ParentSequence: 1, Code: "MUG-1", Description: "Mug", Quantity: 2, Weight: 0.8,
				StockLocation: "Justin Depot", OnHandDate: day, PackageID: "0"},
			{Sequence: 3, ParentSequence: 1, Code: "TEA-9", Description: "Tea", Quantity: 1, Weight: 0.25,
				StockLocation: "Justin Depot", OnHandDate: day, PackageID: "0", Notes: "Keep dry"},
			{Sequence: 4, Code: "PACKET", Description: "Package 2 of 2 (PACKET)", Quantity: 1, Weight: 0.6, Cube: 0.001,
				StockLocation: "Justin Depot", OnHandDate: day, PackageID: "1", PackageType: "PACKET"},
			{Sequence: 5, ParentSequence: 4, Code: "SPN-2", Description: "Spoon", Quantity: 4, Weight: 0.2,
				StockLocation: "Justin Depot", OnHandDate: day, PackageID: "1"},
		}},
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		t.Errorf("order:\n%s\nwant:\n%s", g, w)
	}
	// The item weights add up to the package weights, in kg.
	var total float64
	for _, it := range got.Delivery.Items {
		total += it.Weight
	}
	if total < 2.2999 || total > 2.3001 {
		t.Errorf("item weights add up to %v kg, want 2.3", total)
	}
}

func TestBuildCollectionUsesTheCollectionLeg(t *testing.T) {
	svc := streamorder.Service{OrderType: stream.OrderTypeCollection, Method: "Rcollection", StockLocation: "Rishvi"}
	got := build(t, sampleOrder(), svc, settings)
	if got.Delivery != nil || got.Collection == nil {
		t.Fatalf("collection order has legs delivery=%v collection=%v", got.Delivery, got.Collection)
	}
	c := got.Collection
	if got.Header.OrderType != "COLLECTION" || c.CollectionMethod != "Rcollection" || c.Address.Postcode != "LS1 4AP" ||
		c.Address.LocationNotes != "Behind the bins" || c.Contact.Email != "jane@example.com" || len(c.Items) != 5 ||
		c.Items[0].StockLocation != "Rishvi" {
		t.Errorf("collection = %+v", c)
	}
	if got.Header.ServiceLevel != "" {
		t.Errorf("service level %q sent though the service has none", got.Header.ServiceLevel)
	}
}

func TestBuildCompositeItems(t *testing.T) {
	o := sampleOrder()
	o.Packages = o.Packages[:1]
	o.Packages[0].Items = []streamorder.Item{{Name: "Gift set", SKU: "SET-1", Quantity: 1, UnitWeightGrams: 900,
		Components: []streamorder.Item{
			{Name: "Mug", SKU: "MUG-1", Quantity: 2, UnitWeightGrams: 400},
			{Name: "Tea", SKU: "TEA-9", Quantity: 1, UnitWeightGrams: 100},
		}}}
	codes := func(o *stream.Order) []string {
		var out []string
		for _, it := range o.Delivery.Items {
			out = append(out, it.Code)
		}
		return out
	}
	if got := codes(build(t, o, delivery, settings)); !reflect.DeepEqual(got, []string{"BOX", "SET-1"}) {
		t.Errorf("composite kept: items %v", got)
	}
	skip := delivery
	skip.SkipCompositeParent = true
	got := build(t, o, skip, settings)
	if c := codes(got); !reflect.DeepEqual(c, []string{"BOX", "MUG-1", "TEA-9"}) {
		t.Errorf("composite skipped: items %v", c)
	}
	for _, it := range got.Delivery.Items[1:] {
		if it.ParentSequence != 1 {
			t.Errorf("component %s has parent %d, want the package", it.Code, it.ParentSequence)
		}
	}
}

func TestBuildOverridePackagingSplit(t *testing.T) {
	svc := delivery
	svc.OverridePackagingSplit = true
	got := build(t, sampleOrder(), svc, settings)
	items := got.Delivery.Items
	if len(items) != 4 {
		t.Fatalf("items = %+v, want one parent and three lines", items)
	}
	p := items[0]
	if p.Sequence != 1 || p.ParentSequence != 0 || p.Code != "PACKAGE" || p.Description != "Package 1 of 1" ||
		p.Weight != 1.05 || p.Cube != 0.007 {
		t.Errorf("merged parent = %+v", p)
	}
	for _, it := range items[1:] {
		if it.ParentSequence != 1 {
			t.Errorf("line %s under %d, want 1", it.Code, it.ParentSequence)
		}
	}
}

func TestBuildExtendedProperties(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		check       func(*stream.Order) string
	}{
		{"SafePlace", "Porch", func(o *stream.Order) string { return o.Delivery.Address.LocationNotes }},
		{"LocationInstructions", "Side gate", func(o *stream.Order) string { return o.Delivery.Address.LocationNotes }},
		{"DeliveryInstructions", "Call on arrival", func(o *stream.Order) string { return o.Header.DriverNotes }},
		{"DriverNotes", "Beware of the dog", func(o *stream.Order) string { return o.Header.DriverNotes }},
		{"What3Words", "filled.count.soap", func(o *stream.Order) string { return o.Delivery.Address.What3Words }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := sampleOrder()
			o.DeliveryNote = ""
			o.ExtendedProperties = []streamorder.ExtendedProperty{{Name: strings.ToLower(tc.name), Value: "  " + tc.value + "\n"}}
			if got := tc.check(build(t, o, delivery, settings)); got != tc.value {
				t.Errorf("%s reached Stream as %q, want %q", tc.name, got, tc.value)
			}
		})
	}
	// Every listed property is tested above or below, and nothing else is listed.
	var names []string
	for _, p := range streamorder.Properties() {
		names = append(names, p.Name)
	}
	if want := []string{"SafePlace", "LocationInstructions", "DeliveryInstructions", "DriverNotes", "What3Words", "ItemNotes"}; !reflect.DeepEqual(names, want) {
		t.Errorf("properties = %v, want %v", names, want)
	}
	// The notes are joined without repeats, and the customer address
	// carries none of the delivery point's notes.
	o := sampleOrder()
	o.ExtendedProperties = []streamorder.ExtendedProperty{{Name: "SafePlace", Value: "Porch"}, {Name: "LocationInstructions", Value: "Side gate"},
		{Name: "DriverNotes", Value: "Ring twice"}, {Name: "SafePlace", Value: "porch"}}
	got := build(t, o, delivery, settings)
	if got.Delivery.Address.LocationNotes != "Porch / Side gate" || got.Header.DriverNotes != "Ring twice" ||
		got.Header.Customer.Address.LocationNotes != "" {
		t.Errorf("joined notes: location %q, driver %q, customer %q", got.Delivery.Address.LocationNotes,
			got.Header.DriverNotes, got.Header.Customer.Address.LocationNotes)
	}
}

func TestBuildSettings(t *testing.T) {
	o := sampleOrder()
	got := build(t, o, delivery, streamorder.Settings{})
	if got.Header.OrderNo != "100001" || got.Header.Partner != nil || !got.Delivery.Items[0].OnHandDate.IsZero() {
		t.Errorf("without settings: orderNo %q, partner %+v, onHandDate %v", got.Header.OrderNo, got.Header.Partner, got.Delivery.Items[0].OnHandDate)
	}
	got = build(t, o, delivery, streamorder.Settings{PartnerName: "Retail Partner", SenderCompany: "Shop Ltd"})
	if got.Header.Partner == nil || got.Header.Partner.Name != "Retail Partner" || got.Header.Partner.ID != "" {
		t.Errorf("partner = %+v", got.Header.Partner)
	}
	long := strings.Repeat("Sender Company ", 5)
	got = build(t, o, delivery, streamorder.Settings{SenderCompany: long})
	if name := got.Header.Partner.Name; name != "Sender Company Sender Company" {
		t.Errorf("partner name from the sender company is %q, want it cut at a word to fit 35", name)
	}

	cfg := wizard.Config{OrderNumberPrefix: "X", UseCurrentDateAsPickup: true,
		Sender: wizard.Sender{PartnerID: "PID", PartnerName: "PN", Company: "Co"}}
	if s := streamorder.SettingsOf(cfg); s != (streamorder.Settings{OrderNumberPrefix: "X", PartnerID: "PID", PartnerName: "PN", SenderCompany: "Co", PickupToday: true}) {
		t.Errorf("SettingsOf = %+v", s)
	}
}

func TestOrderNo(t *testing.T) {
	for _, tc := range []struct {
		prefix string
		id     int
		want   string
		err    string
	}{
		{"", 100001, "100001", ""},
		{"LW-", 7, "LW-7", ""},
		{"ABCDEFGHIJ", 1234567, "ABCDEFGHIJ1234567", ""},
		{"ABCDEFGHIJ", 12345678, "", "is 18 characters; Stream allows 17"},
		{"", 0, "", "must be positive"},
		{"", -5, "", "must be positive"},
	} {
		got, err := streamorder.OrderNo(tc.prefix, tc.id)
		if got != tc.want || (err == nil) != (tc.err == "") || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("OrderNo(%q, %d) = %q, %v; want %q, %q", tc.prefix, tc.id, got, err, tc.want, tc.err)
		}
	}
}

func TestBuildReportsEveryProblem(t *testing.T) {
	o := sampleOrder()
	o.OrderID = 123456789012
	o.Recipient.Name = strings.Repeat("N", 36)
	o.Recipient.Company = strings.Repeat("C", 36)
	o.Recipient.Address1 = ""
	o.Recipient.Address2 = strings.Repeat("A", 36)
	o.Recipient.Town = strings.Repeat("T", 36)
	o.Recipient.Postcode = strings.Repeat("P", 18)
	o.Recipient.Country = "GBR"
	o.Recipient.Email = strings.Repeat("e", 71)
	o.Recipient.Phone = strings.Repeat("1", 36)
	o.Reference = strings.Repeat("R", 36)
	o.DeliveryNote = strings.Repeat("D", 141)
	o.ExtendedProperties = nil
	o.Packages[0].WeightGrams = -1
	o.Packages[0].Items[0].Quantity = 0
	o.Packages[1].Items[0].SKU, o.Packages[1].Items[0].Name = "", " "
	set := settings
	set.OrderNumberPrefix = "ABCDEF"
	set.PartnerID = strings.Repeat("I", 18)
	_, err := streamorder.Build(o, streamorder.Service{OrderType: "MULTI"}, set, now)
	var e *streamorder.Error
	if !errors.As(err, &e) {
		t.Fatalf("Build = %v, want *streamorder.Error", err)
	}
	want := []string{
		"the Stream order number ABCDEF123456789012 is 18 characters; Stream allows 17",
		"address line 1 is required",
		"address line 2 is 36 characters; Stream allows 35 (an address is never cut",
		"the town is 36 characters; Stream allows 35 (an address is never cut",
		"the postcode is 18 characters; Stream allows 17",
		`the country code "GBR" is not an ISO 3166-1 country code`,
		"the email address is 71 characters; Stream allows 70",
		"the phone number is 36 characters; Stream allows 35",
		"the order reference is 36 characters; Stream allows 35",
		"the partner ID in the integration settings is 18 characters; Stream allows 17",
		"package 1 weight must not be negative (-1 g)",
		"package 1 item 1 quantity must be at least 1, not 0",
		"package 2 item 1 has neither a SKU nor a name",
		`the service's order type "MULTI" is not DELIVERY or COLLECTION`,
		"the service names no Stream delivery method",
	}
	if len(e.Problems) != len(want) {
		t.Errorf("%d problems, want %d:\n%s", len(e.Problems), len(want), strings.Join(e.Problems, "\n"))
	}
	for i := range min(len(want), len(e.Problems)) {
		if !strings.HasPrefix(e.Problems[i], want[i]) {
			t.Errorf("problem %d = %q, want %q", i, e.Problems[i], want[i])
		}
	}
	if strings.Contains(err.Error(), "NNNN") || strings.Contains(err.Error(), "PPPP") {
		t.Errorf("the error quotes order values: %v", err)
	}

	o = sampleOrder()
	o.Packages = nil
	if _, err := streamorder.Build(o, delivery, settings, now); err == nil || !strings.Contains(err.Error(), "the order has no packages") {
		t.Errorf("no packages: %v", err)
	}
}
