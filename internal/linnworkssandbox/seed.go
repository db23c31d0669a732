package linnworkssandbox

import (
	"fmt"
	"time"
)

// StreamVendor is the Vendor of the postal services the sandbox links to the Stream shipping
// integration.
const StreamVendor = "STREAM"

// Fixed identifiers of the seeded account, so demos and tests can name them.
const (
	defaultLocationID = zeroGUID
	// LeedsLocationID is the seeded "Leeds Warehouse" location.
	LeedsLocationID = "3f6f3c2a-5b1e-4c7d-9a0e-1d2c3b4a5e01"
	// ManchesterLocationID is the seeded "Manchester 3PL" fulfilment centre.
	ManchesterLocationID = "3f6f3c2a-5b1e-4c7d-9a0e-1d2c3b4a5e02"

	// CourierServiceID is the seeded "Courier (Justin Depot)" service.
	CourierServiceID = "7b0e2d4c-1a3f-4e5b-8c6d-2f1e0a9b8c01"
	// CollectionServiceID is the seeded "Collection (Justin Depot)" service.
	CollectionServiceID = "7b0e2d4c-1a3f-4e5b-8c6d-2f1e0a9b8c02"
	// RishviVehiclesServiceID is the seeded "Rishvi Vehicles (Rishvi)" service.
	RishviVehiclesServiceID = "7b0e2d4c-1a3f-4e5b-8c6d-2f1e0a9b8c03"
	// JustinDeliveryServiceID is the seeded "Justin Delivery (Justin Depot)" service.
	JustinDeliveryServiceID = "7b0e2d4c-1a3f-4e5b-8c6d-2f1e0a9b8c04"
	// RoyalMailServiceID is the seeded "Royal Mail Tracked 48" service, not a Stream one.
	RoyalMailServiceID = "7b0e2d4c-1a3f-4e5b-8c6d-2f1e0a9b8c05"

	streamAccountID = "stream-sandbox-account"
)

func systemIdentifiers() []Identifier {
	return []Identifier{
		{IdentifierId: 1, IsCustom: false, Tag: "AMAZON_PRIME", Name: "Amazon Prime", ImageUrl: "https://linnworks.invalid/identifiers/amazon_prime.png"},
		{IdentifierId: 2, IsCustom: false, Tag: "CLICK_AND_COLLECT", Name: "Click & Collect", ImageUrl: "https://linnworks.invalid/identifiers/click_and_collect.png"},
		{IdentifierId: 3, IsCustom: false, Tag: "EBAY_GSP", Name: "eBay Global Shipping", ImageUrl: "https://linnworks.invalid/identifiers/ebay_gsp.png"},
		{IdentifierId: 4, IsCustom: true, Tag: "GIFT", Name: "Gift", ImageUrl: "https://linnworks.invalid/identifiers/gift.png"},
	}
}

func defaultPostalServices() []postalService {
	stream := func(id, name, code string) postalService {
		return postalService{ID: id, Name: name, Tag: code, Code: code, Vendor: StreamVendor, Country: "GB",
			TrackingNumberRequired: true, WeightRequired: false, IntegratedServiceId: id, AccountId: streamAccountID}
	}
	return []postalService{
		stream(CourierServiceID, "Courier (Justin Depot)", "JUSTIN-COURIER"),
		stream(CollectionServiceID, "Collection (Justin Depot)", "JUSTIN-COLLECTION"),
		stream(RishviVehiclesServiceID, "Rishvi Vehicles (Rishvi)", "RISHVI-VEHICLES"),
		stream(JustinDeliveryServiceID, "Justin Delivery (Justin Depot)", "JUSTIN-DELIVERY"),
		{ID: RoyalMailServiceID, Name: "Royal Mail Tracked 48", Tag: "TRACKED48", Code: "TRACKED48", Vendor: "RoyalMail", Country: "GB", TrackingNumberRequired: true, WeightRequired: true},
	}
}

func defaultLocations() []location {
	return []location{
		{StockLocationId: defaultLocationID, LocationName: "Default", Address1: "1 Market Street", City: "London", ZipCode: "EC1A 1BB", Country: "United Kingdom", StockLocationIntId: 1},
		{StockLocationId: LeedsLocationID, LocationName: "Leeds Warehouse", Address1: "Unit 4, Aire Valley Park", City: "Leeds", ZipCode: "LS9 0PS", Country: "United Kingdom", StockLocationIntId: 2},
		{StockLocationId: ManchesterLocationID, LocationName: "Manchester 3PL", Address1: "Trafford Park Road", City: "Manchester", ZipCode: "M17 1PG", Country: "United Kingdom", IsFulfillmentCenter: true, StockLocationIntId: 3},
	}
}

// seedOrder describes one seeded order compactly.
type seedOrder struct {
	age       time.Duration
	serviceID string
	location  string
	status    int
	locked    bool
	parked    bool
	source    string
	subSource string
	customer  CustomerAddress
	items     []OrderItem
	props     map[string]string
	tags      []string
	tracking  string
	processed bool
	despatch  time.Duration // despatch-by offset from the received date, 0 = none
	scheduled bool
}

func item(sku, title string, qty int, price, weight float64) OrderItem {
	return OrderItem{SKU: sku, Title: title, ChannelSKU: sku, ChannelTitle: title, Quantity: qty,
		PricePerUnit: price, UnitCost: price * 0.6, Cost: price * float64(qty) / 1.2, CostIncTax: price * float64(qty),
		Tax: price * float64(qty) / 6, TaxRate: 20, Weight: weight, CategoryName: "Default", ItemSource: "SHOPIFY",
		BarcodeNumber: fmt.Sprintf("50%011d", len(sku)*7919+qty), BinRack: "A1-" + sku[len(sku)-2:]}
}

func address(name, company, line1, line2, town, region, postCode, country, email, phone string) CustomerAddress {
	return CustomerAddress{FullName: name, Company: company, Address1: line1, Address2: line2, Town: town, Region: region,
		PostCode: postCode, Country: country, Continent: "Europe", EmailAddress: email, PhoneNumber: phone}
}

// seedOrders is the realistic open-order book of the sandbox account.
func seedOrders() []seedOrder {
	day := 24 * time.Hour
	gardenSet := item("GARDEN-SET-04", "Garden Furniture Set (table + 4 chairs)", 1, 349.99, 38.5)
	gardenSet.CompositeSubItems = []OrderItem{
		item("GARDEN-TABLE-01", "Acacia Garden Table 150cm", 1, 0, 18.5),
		item("GARDEN-CHAIR-01", "Acacia Folding Chair", 4, 0, 5),
	}
	return []seedOrder{
		{age: 14*day + 2*time.Hour, serviceID: CourierServiceID, status: 1, source: "SHOPIFY", subSource: "Sandbox Shop",
			customer: address("Oliver Bennett", "", "14 Wellington Road", "", "London", "Greater London", "SW19 8EQ", "United Kingdom", "oliver.bennett@example.com", "+44 20 7946 0011"),
			items:    []OrderItem{item("MUG-BLUE-01", "Stoneware Mug, Blue", 2, 12.5, 0.4)}, tracking: "STR-SEED-0000", processed: true},
		{age: 13*day + 5*time.Hour, serviceID: CourierServiceID, status: 1, source: "SHOPIFY", subSource: "Sandbox Shop",
			customer: address("Amelia Clarke", "", "7 Orchard Close", "", "Reading", "Berkshire", "RG1 3AZ", "United Kingdom", "amelia.clarke@example.com", "+44 118 496 0123"),
			items:    []OrderItem{item("LAMP-OAK-02", "Oak Table Lamp", 1, 64.0, 2.3)},
			props:    map[string]string{"SafePlace": "Porch"}},
		{age: 12*day + 1*time.Hour, serviceID: CourierServiceID, location: LeedsLocationID, status: 1, source: "AMAZON", subSource: "Amazon UK",
			customer: address("Maximilian Alexander Fitzgerald-Worthington-Smythe", "The Worthington-Smythe Heritage Furniture Restoration Company Ltd", "Flat 12B, The Old Victorian Textile Mill Apartments", "Riverside Industrial Heritage Quarter", "Huddersfield", "West Yorkshire", "HD1 6QA", "United Kingdom", "max.fws@example.com", "+44 1484 496 0456"),
			items:    []OrderItem{item("RUG-WOOL-03", "Hand-woven Wool Rug 200x300", 1, 289.0, 11.2), item("CUSHION-GRY-01", "Linen Cushion, Grey", 3, 18.0, 0.6)},
			props:    map[string]string{"DriverNotes": "Ring the bell twice; the dog in the garden is friendly."},
			tags:     []string{"AMAZON_PRIME"}},
		{age: 10*day + 3*time.Hour, serviceID: CollectionServiceID, status: 1, source: "SHOPIFY", subSource: "Sandbox Shop",
			customer: address("Priya Raghunathan", "", "22 Beech Avenue", "", "Leicester", "Leicestershire", "LE2 1TT", "United Kingdom", "priya.r@example.com", "+44 116 496 0789"),
			items:    []OrderItem{gardenSet},
			props:    map[string]string{"SafePlace": "Side gate, behind the bins"}},
		{age: 9*day + 7*time.Hour, serviceID: RishviVehiclesServiceID, location: ManchesterLocationID, status: 1, source: "EBAY", subSource: "eBay UK",
			customer: address("Zoë Łukasiewicz-Øvergård", "", "Flat 3, 12 Rue de l'Église House", "Ancoats", "Manchester", "Greater Manchester", "M4 6WX", "United Kingdom", "zoe.lo@example.com", "+44 161 496 0222"),
			items:    []OrderItem{item("SOFA-3S-GRN", "Three-seat Sofa, Forest Green", 1, 899.0, 54.0)},
			props:    map[string]string{"DriverNotes": "Two-person delivery; narrow staircase.", "SafePlace": "Concierge desk"}},
		{age: 7*day + 4*time.Hour, serviceID: CourierServiceID, status: 0, source: "SHOPIFY", subSource: "Sandbox Shop",
			customer: address("Callum McAllister", "", "3 Thistle Street", "", "Edinburgh", "Midlothian", "EH2 1EN", "United Kingdom", "callum.mca@example.com", "+44 131 496 0333"),
			items:    []OrderItem{item("THROW-TAR-01", "Tartan Wool Throw", 1, 75.0, 1.1)}},
		{age: 6*day + 2*time.Hour, serviceID: CourierServiceID, status: 1, locked: true, source: "AMAZON", subSource: "Amazon UK",
			customer: address("Siobhán Ní Bhriain", "", "48 Harbour View", "", "Belfast", "County Antrim", "BT3 9DT", "United Kingdom", "siobhan.nb@example.com", "+44 28 9649 6044"),
			items:    []OrderItem{item("KETTLE-CU-01", "Copper Kettle 1.7L", 1, 59.99, 1.5)}},
		{age: 5*day + 6*time.Hour, serviceID: CollectionServiceID, status: 1, parked: true, source: "SHOPIFY", subSource: "Sandbox Shop",
			customer: address("Thomas Okonkwo", "Okonkwo Interiors", "Unit 9, Canal Side Works", "", "Birmingham", "West Midlands", "B1 2JT", "United Kingdom", "t.okonkwo@example.com", "+44 121 496 0555"),
			items:    []OrderItem{item("SHELF-OAK-80", "Oak Floating Shelf 80cm", 4, 34.0, 2.8)}},
		{age: 4*day + 1*time.Hour, serviceID: RoyalMailServiceID, status: 1, source: "EBAY", subSource: "eBay UK",
			customer: address("Hannah Whitfield", "", "5 Church Lane", "Little Snoring", "Fakenham", "Norfolk", "NR21 0AA", "United Kingdom", "hannah.w@example.com", "+44 1328 496 066"),
			items:    []OrderItem{item("CANDLE-FIG-01", "Fig Scented Candle", 2, 16.5, 0.5)},
			tags:     []string{"GIFT"}},
		{age: 3*day + 5*time.Hour, serviceID: CourierServiceID, location: LeedsLocationID, status: 1, source: "SHOPIFY", subSource: "Sandbox Shop",
			customer: address("Αλέξανδρος Παπαδόπουλος", "", "61 Kingsway", "", "Cardiff", "South Glamorgan", "CF10 3AF", "United Kingdom", "alex.pap@example.com", "+44 29 2049 6077"),
			items:    []OrderItem{item("CHAIR-DIN-02", "Dining Chair, Walnut", 2, 129.0, 7.5)},
			tracking: "STR-SEED-0009"},
		{age: 2*day + 8*time.Hour, serviceID: JustinDeliveryServiceID, location: LeedsLocationID, status: 1, source: "AMAZON", subSource: "Amazon UK",
			customer: address("محمد العلي", "", "Apartment 1402, Skyline Tower", "", "Leeds", "West Yorkshire", "LS1 4BR", "United Kingdom", "m.alali@example.com", "+44 113 496 0888"),
			items:    []OrderItem{item("BED-KING-01", "King Size Bed Frame", 1, 549.0, 48.0), item("MATT-KING-01", "Pocket Sprung Mattress, King", 1, 399.0, 32.0)},
			props:    map[string]string{"SafePlace": "Do not leave unattended", "DriverNotes": "Call 30 minutes before arrival; lift to 14th floor."},
			despatch: 3 * day},
		{age: 26 * time.Hour, serviceID: RishviVehiclesServiceID, status: 1, source: "SHOPIFY", subSource: "Sandbox Shop",
			customer: address("王小明 (Xiaoming Wang)", "", "88 Chinatown Gate", "Faulkner Street", "Manchester", "Greater Manchester", "M1 4FH", "United Kingdom", "xm.wang@example.com", "+44 161 496 0999"),
			items:    []OrderItem{item("DESK-STAND-01", "Standing Desk 140cm", 1, 429.0, 36.0), item("CABLE-TRAY-01", "Cable Tray", 2, 19.0, 0.9)}},
		{age: 3 * time.Hour, serviceID: CourierServiceID, location: ManchesterLocationID, status: 1, source: "SHOPIFY", subSource: "Sandbox Shop",
			customer: address("Grace O'Sullivan-Hughes", "", "2 Quay Street", "", "Salford", "Greater Manchester", "M3 4AN", "United Kingdom", "grace.osh@example.com", "+44 161 496 0100"),
			items:    []OrderItem{item("PLANT-FIG-01", "Fiddle Leaf Fig, 120cm", 1, 89.0, 9.0)},
			props:    map[string]string{"SafePlace": "Greenhouse"},
			despatch: 24 * time.Hour, scheduled: true},
	}
}

// seed fills the store with the seeded order book, dated relative to now.
func (st *store) seed(now time.Time) {
	for i, so := range seedOrders() {
		received := now.Add(-so.age).UTC().Truncate(time.Second)
		ps, ok := st.postalByID(so.serviceID)
		if !ok {
			panic(fmt.Sprintf("seed: postal service %s missing", so.serviceID))
		}
		var subtotal, weight float64
		for _, it := range so.items {
			subtotal += it.CostIncTax
			weight += it.Weight * float64(it.Quantity)
		}
		postage := 6.99
		d := OrderDetails{
			FulfilmentLocationId: so.location,
			GeneralInfo: OrderGeneralInfo{
				Status: so.status, HoldOrCancel: so.locked, IsParked: so.parked,
				ReceivedDate: received, Source: so.source, SubSource: so.subSource,
				ReferenceNum: fmt.Sprintf("#%d", 5001+i), ExternalReferenceNum: fmt.Sprintf("EXT-%06d", 731000+37*i),
			},
			ShippingInfo: OrderShippingInfo{PostalServiceId: ps.ID, PostalServiceName: ps.Name, Vendor: ps.Vendor,
				TotalWeight: weight, ItemWeight: weight, PostageCost: postage, PostageCostExTax: postage / 1.2, TrackingNumber: so.tracking,
				PackageCategory: "Default", PackageType: "Parcel"},
			CustomerInfo: OrderCustomerInfo{ChannelBuyerName: so.customer.FullName, Address: so.customer, BillingAddress: so.customer},
			TotalsInfo: OrderTotalsInfo{Subtotal: subtotal, PostageCost: postage, PostageCostExTax: postage / 1.2, Tax: (subtotal + postage) / 6,
				TotalCharge: subtotal + postage, PaymentMethod: "Default", Currency: "GBP", ConversionRate: 1},
			Items: so.items,
		}
		if so.parked {
			d.GeneralInfo.Marker = 7
		}
		if so.despatch > 0 {
			by := received.Add(so.despatch)
			d.GeneralInfo.DespatchByDate = &by
		}
		if so.scheduled {
			from := received.Add(48 * time.Hour).Truncate(time.Hour)
			d.GeneralInfo.ScheduledDelivery = &ScheduledDelivery{From: from, To: from.Add(4 * time.Hour)}
			d.GeneralInfo.HasScheduledDelivery = true
		}
		for _, name := range []string{"SafePlace", "DriverNotes"} {
			if v, ok := so.props[name]; ok {
				d.ExtendedProperties = append(d.ExtendedProperties, ExtendedProperty{Name: name, Value: v, Type: "Info"})
			}
		}
		for _, tag := range so.tags {
			d.GeneralInfo.Identifiers = append(d.GeneralInfo.Identifiers, Identifier{Tag: tag})
		}
		o, err := st.add(d, received)
		if err != nil {
			panic(fmt.Sprintf("seed order: %v", err))
		}
		if so.processed {
			at := received.Add(20 * time.Hour)
			o.d.Processed = true
			o.d.ProcessedDateTime = &at
			o.lastUpdated = at
		}
	}
}
