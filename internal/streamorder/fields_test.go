package streamorder_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"unicode/utf8"

	"linnstream/internal/stream"
	"linnstream/internal/streamorder"
)

// refusal is a value the field policy refuses: the change to a good order
// and a fragment of the problem it must report.
type refusal struct {
	name   string
	change func(*streamorder.Order)
	want   string
	// sent is the value sent, when no problem may echo more than 80
	// characters of it.
	sent string
}

var long = strings.Repeat("x", 10_000)

// refusals are every kind of value the policy refuses, as label requests,
// quotes and the order sync may send them.
var refusals = []refusal{
	{"null package", func(o *streamorder.Order) { o.Packages[1] = streamorder.Package{Null: true} }, "package 2 is null", ""},
	{"null item", func(o *streamorder.Order) { o.Packages[0].Items[1] = streamorder.Item{Null: true} }, "package 1 item 2 is null", ""},
	{"null component", func(o *streamorder.Order) {
		o.Packages[0].Items[0].Components = []streamorder.Item{{Null: true}}
	}, "package 1 item 1 component 1 is null", ""},
	{"weight 1e15 g", func(o *streamorder.Order) { o.Packages[0].WeightGrams = 1e15 }, "package 1 weight of 1e+15 g is beyond the 2000000 g accepted", ""},
	{"weight 1e308 g", func(o *streamorder.Order) { o.Packages[0].WeightGrams = 1e308 }, "package 1 weight of 1e+308 g is beyond", ""},
	{"weight NaN", func(o *streamorder.Order) { o.Packages[0].WeightGrams = math.NaN() }, "package 1 weight is not a finite number", ""},
	{"weight +Inf", func(o *streamorder.Order) { o.Packages[1].WeightGrams = math.Inf(1) }, "package 2 weight is not a finite number", ""},
	{"negative weight", func(o *streamorder.Order) { o.Packages[0].WeightGrams = -0.5 }, "package 1 weight must not be negative (-0.5 g)", ""},
	{"height 1e12 cm", func(o *streamorder.Order) { o.Packages[0].HeightCm = 1e12 }, "package 1 height of 1e+12 cm is beyond the 1500 cm accepted", ""},
	{"width 1501 cm", func(o *streamorder.Order) { o.Packages[1].WidthCm = 1501 }, "package 2 width of 1501 cm is beyond", ""},
	{"negative depth", func(o *streamorder.Order) { o.Packages[0].DepthCm = -1 }, "package 1 depth must not be negative", ""},
	{"depth -Inf", func(o *streamorder.Order) { o.Packages[0].DepthCm = math.Inf(-1) }, "package 1 depth is not a finite number", ""},
	{"quantity 1e9", func(o *streamorder.Order) { o.Packages[0].Items[0].Quantity = 1e9 }, "package 1 item 1 quantity of 1000000000 is beyond the 10000 accepted", ""},
	{"quantity 0", func(o *streamorder.Order) { o.Packages[0].Items[0].Quantity = 0 }, "package 1 item 1 quantity must be at least 1, not 0", ""},
	{"negative quantity", func(o *streamorder.Order) { o.Packages[0].Items[0].Quantity = -3 }, "quantity must be at least 1, not -3", ""},
	{"unit weight 1e308", func(o *streamorder.Order) { o.Packages[0].Items[0].UnitWeightGrams = 1e308 }, "package 1 item 1 unit weight of 1e+308 g is beyond", ""},
	{"negative unit weight", func(o *streamorder.Order) { o.Packages[0].Items[0].UnitWeightGrams = -1 }, "package 1 item 1 unit weight must not be negative", ""},
	{"line weight", func(o *streamorder.Order) {
		o.Packages[0].Items[0].Quantity, o.Packages[0].Items[0].UnitWeightGrams = 10_000, 1_000
	}, "package 1 item 1 line weight (unit weight × quantity) of 10000000 g is beyond", ""},
	{"component quantity", func(o *streamorder.Order) {
		o.Packages[0].Items[0].Components = []streamorder.Item{{SKU: "C", Quantity: 20_000}}
	}, "package 1 item 1 component 1 quantity of 20000 is beyond", ""},
	{"too many packages", func(o *streamorder.Order) {
		for len(o.Packages) <= streamorder.MaxPackages {
			o.Packages = append(o.Packages, o.Packages[1])
		}
	}, "the order has 201 packages; at most 200 are accepted", ""},
	{"too many lines", func(o *streamorder.Order) {
		for range streamorder.MaxLines {
			o.Packages[1].Items = append(o.Packages[1].Items, o.Packages[1].Items[0])
		}
	}, "the order has 1003 item lines (with components); at most 1000 are accepted", ""},
	{"country ZZ", func(o *streamorder.Order) { o.Recipient.Country = "ZZ" }, `the country code "ZZ" is not an ISO 3166-1 country code`, ""},
	{"country of three letters", func(o *streamorder.Order) { o.Recipient.Country = "GBR" }, `the country code "GBR" is not`, ""},
	{"country of 10,000 characters", func(o *streamorder.Order) { o.Recipient.Country = long }, "the country code \"" + strings.Repeat("x", 79) + "…\" is not", long},
	{"NUL in the name", func(o *streamorder.Order) { o.Recipient.Name = "Jane\x00Doe" }, "the customer name contains a control character (U+0000 at character 5)", ""},
	{"newline in the name", func(o *streamorder.Order) { o.Recipient.Name = "Jane\nDoe" }, "the customer name contains a control character (U+000A", ""},
	{"escape in the company", func(o *streamorder.Order) { o.Recipient.Company = "Doe\x1b[31m" }, "the company name contains a control character (U+001B", ""},
	{"tab in address line 1", func(o *streamorder.Order) { o.Recipient.Address1 = "12\tHigh Street" }, "address line 1 contains a control character (U+0009", ""},
	{"C1 control in the town", func(o *streamorder.Order) { o.Recipient.Town = "Lee\u0085ds" }, "the town contains a control character (U+0085", ""},
	{"DEL in the postcode", func(o *streamorder.Order) { o.Recipient.Postcode = "LS1\x7f4AP" }, "the postcode contains a control character (U+007F", ""},
	{"NUL in the phone", func(o *streamorder.Order) { o.Recipient.Phone = "0113\x00" }, "the phone number contains a control character", ""},
	{"NUL in the email", func(o *streamorder.Order) { o.Recipient.Email = "a\x00@example.com" }, "the email address contains a control character", ""},
	{"NUL in the reference", func(o *streamorder.Order) { o.Reference = "AMZ\x00" }, "the order reference contains a control character", ""},
	{"NUL in an item name", func(o *streamorder.Order) { o.Packages[0].Items[0].Name = "Mug\x00" }, "package 1 item 1 name contains a control character", ""},
	{"NUL in a SKU", func(o *streamorder.Order) { o.Packages[1].Items[0].SKU = "SPN\x00" }, "package 2 item 1 SKU contains a control character", ""},
	{"NUL in a package format", func(o *streamorder.Order) { o.Packages[1].Format = "BOX\x00" }, "package 2 format contains a control character", ""},
	{"NUL in the delivery note", func(o *streamorder.Order) { o.DeliveryNote = "Ring\x00twice" }, "the delivery note contains a control character (U+0000 at character 5); only text and line breaks", ""},
	{"tab in the delivery note", func(o *streamorder.Order) { o.DeliveryNote = "Ring\ttwice" }, "the delivery note contains a control character (U+0009", ""},
	{"bell in the safe place", func(o *streamorder.Order) {
		o.ExtendedProperties = []streamorder.ExtendedProperty{{Name: "safeplace", Value: "Porch\a"}}
	}, "the SafePlace property of the order contains a control character (U+0007", ""},
	{"NUL in item notes", func(o *streamorder.Order) {
		o.Packages[0].Items[0].ExtendedProperties = []streamorder.ExtendedProperty{{Name: "ItemNotes", Value: "\x00"}}
	}, "the ItemNotes property of package 1 item 1 contains a control character", ""},
	{"newline in what3words", func(o *streamorder.Order) {
		o.ExtendedProperties = []streamorder.ExtendedProperty{{Name: "What3Words", Value: "filled.\ncount.soap"}}
	}, "the What3Words property of the order contains a control character", ""},
	{"long what3words", func(o *streamorder.Order) {
		o.ExtendedProperties = []streamorder.ExtendedProperty{{Name: "What3Words", Value: long}}
	}, "the What3Words property is 10000 characters", long},
	{"address line of 36", func(o *streamorder.Order) { o.Recipient.Address1 = strings.Repeat("a", 36) }, "address line 1 is 36 characters; Stream allows 35 (an address is never cut", ""},
	{"address line of 10,000", func(o *streamorder.Order) { o.Recipient.Address2 = long }, "address line 2 is 10000 characters", long},
	{"address line 3 of 36", func(o *streamorder.Order) { o.Recipient.Address3 = strings.Repeat("a ", 18) + "b" }, "address line 3 is 37 characters", ""},
	{"town of 36", func(o *streamorder.Order) { o.Recipient.Town = strings.Repeat("t", 36) }, "the town is 36 characters", ""},
	{"region of 36", func(o *streamorder.Order) { o.Recipient.Region = strings.Repeat("r", 36) }, "the region is 36 characters", ""},
	{"postcode of 18", func(o *streamorder.Order) { o.Recipient.Postcode = strings.Repeat("p", 18) }, "the postcode is 18 characters; Stream allows 17", ""},
	{"email of 71", func(o *streamorder.Order) { o.Recipient.Email = strings.Repeat("e", 71) }, "the email address is 71 characters; Stream allows 70", ""},
	{"phone of 36", func(o *streamorder.Order) { o.Recipient.Phone = strings.Repeat("1", 36) }, "the phone number is 36 characters; Stream allows 35", ""},
	{"reference of 10,000", func(o *streamorder.Order) { o.Reference = long }, "the order reference is 10000 characters; Stream allows 35", long},
	{"SKU of 51", func(o *streamorder.Order) { o.Packages[0].Items[0].SKU = strings.Repeat("S", 51) }, "package 1 item 1 SKU is 51 characters; Stream allows 50", ""},
	{"package format of 10,000", func(o *streamorder.Order) { o.Packages[0].Format = long }, "package 1 format is 10000 characters", long},
}

func TestBuildRefusesWhatThePolicyRefuses(t *testing.T) {
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			o := sampleOrder()
			tc.change(&o)
			out, err := streamorder.Build(o, delivery, settings, now)
			var e *streamorder.Error
			if !errors.As(err, &e) || out != nil {
				t.Fatalf("Build = %v, %v; want an *streamorder.Error and no order", out, err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
			if tc.sent != "" && echoes(err.Error(), tc.sent) > 80 {
				t.Errorf("error echoes %d characters of the value sent: %q", echoes(err.Error(), tc.sent), err)
			}
			// Check finds the same problems before a service is chosen.
			if cerr := streamorder.Check(o, settings); cerr == nil || cerr.Error() != err.Error() {
				t.Errorf("Check = %v\nBuild = %v", cerr, err)
			}
		})
	}
}

// echoes is the length of the longest run of sent's characters err quotes.
func echoes(err, sent string) int {
	n := 0
	for lo, hi := 0, utf8.RuneCountInString(sent); lo <= hi; {
		mid := (lo + hi) / 2
		if strings.Contains(err, string([]rune(sent)[:mid])) {
			n, lo = mid, mid+1
		} else {
			hi = mid - 1
		}
	}
	return n
}

// TestBuildCutsNamesAndNotes: names are cut at a word to fit, notes with
// an ellipsis; the rest of the order is untouched.
func TestBuildCutsNamesAndNotes(t *testing.T) {
	o := sampleOrder()
	o.Recipient.Name = "Bartholomew Fitzwilliam-Montgomery Esq" // 38
	o.Recipient.Company = "Montgomery Fine Furniture and Antiques Ltd"
	o.DeliveryNote = "Leave with neighbour at number 14\r\nif nobody answers. " + long
	o.ExtendedProperties = []streamorder.ExtendedProperty{{Name: "SafePlace", Value: strings.Repeat("behind the shed ", 700)}}
	o.Packages[0].Items[0].Name = "Hand-thrown stoneware mug with speckled glaze and a " + long
	o.Packages[0].Items[0].ExtendedProperties = []streamorder.ExtendedProperty{{Name: "ItemNotes", Value: long}}
	o.Packages[1].Items[0].SKU = ""
	o.Packages[1].Items[0].Name = strings.Repeat("Spoon ", 20)
	got := build(t, o, delivery, settings)
	h, d := got.Header, got.Delivery
	for _, c := range []struct{ what, got, want string }{
		{"customer name", h.Customer.Name, "Bartholomew Fitzwilliam-Montgomery"},
		{"contact name", d.Contact.Name, "Bartholomew Fitzwilliam-Montgomery"},
		{"address name (company)", d.Address.Name, "Montgomery Fine Furniture and"},
		{"item description", d.Items[1].Description, "Hand-thrown stoneware mug with speckled glaze and"},
		{"item code from its name", d.Items[4].Code, strings.TrimSpace(strings.Repeat("Spoon ", 8))},
	} {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.what, c.got, c.want)
		}
	}
	for _, c := range []struct{ what, got, start string }{
		{"driver notes", h.DriverNotes, "Leave with neighbour at number 14\nif nobody answers. xxx"},
		{"location notes", d.Address.LocationNotes, "behind the shed behind the shed"},
		{"item notes", d.Items[1].Notes, "xxxx"},
	} {
		if n := utf8.RuneCountInString(c.got); n > 140 || n < 130 || !strings.HasSuffix(c.got, "…") || !strings.HasPrefix(c.got, c.start) {
			t.Errorf("%s = %q (%d characters), want %q… cut to fit 140, ending in …", c.what, c.got, n, c.start)
		}
	}
	if d.Address.Address1 != "12 High Street" || d.Address.Postcode != "LS1 4AP" || h.CustomerOrderNo != "AMZ-778-2231" {
		t.Errorf("address or reference changed: %+v, %q", d.Address, h.CustomerOrderNo)
	}
}

func TestBuildAcceptsTheEdges(t *testing.T) {
	o := sampleOrder()
	o.Recipient.Country = " uk "
	o.Recipient.Name = strings.Repeat("N", 36) // one word: cut at 35
	o.Recipient.Address1 = strings.Repeat("a", 35)
	o.Packages[0].WeightGrams = streamorder.MaxWeightGrams
	o.Packages[0].WidthCm, o.Packages[0].HeightCm, o.Packages[0].DepthCm = streamorder.MaxDimensionCm, streamorder.MaxDimensionCm, 0
	o.Packages[0].Items = []streamorder.Item{{SKU: "PALLET", Quantity: streamorder.MaxQuantity, UnitWeightGrams: 200}}
	o.DeliveryNote = "  Ring twice\n\n\n  then   wait \n"
	o.ExtendedProperties = nil
	got := build(t, o, delivery, settings)
	d := got.Delivery
	if d.Address.Country != "GB" || got.Header.Customer.Name != strings.Repeat("N", 35) || d.Address.Address1 != o.Recipient.Address1 {
		t.Errorf("country %q, name %q, line 1 %q", d.Address.Country, got.Header.Customer.Name, d.Address.Address1)
	}
	if d.Items[0].Weight != 0 || d.Items[1].Weight != 2000 || d.Items[1].Quantity != streamorder.MaxQuantity {
		t.Errorf("items = %+v", d.Items)
	}
	if got.Header.DriverNotes != "Ring twice\nthen wait" {
		t.Errorf("driver notes = %q, want line breaks kept and spaces collapsed", got.Header.DriverNotes)
	}
	for _, cc := range []string{"GB", "ie", "US", "AX", "SS", "XK"} {
		o := sampleOrder()
		o.Recipient.Country = cc
		_, err := streamorder.Build(o, delivery, settings, now)
		if (err == nil) != (cc != "XK") {
			t.Errorf("country %s: %v", cc, err)
		}
	}
}

func TestCheckQuote(t *testing.T) {
	// A quote needs only where the goods go.
	q := streamorder.Order{Recipient: streamorder.Recipient{Country: "GB", Postcode: "LS1 4AP"},
		Packages: []streamorder.Package{{WeightGrams: 1000}}}
	if err := streamorder.CheckQuote(q); err != nil {
		t.Fatalf("CheckQuote(minimal) = %v", err)
	}
	for _, tc := range refusals {
		o := sampleOrder()
		tc.change(&o)
		err := streamorder.CheckQuote(o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: CheckQuote = %v, want %q", tc.name, err, tc.want)
		}
	}
	q.Recipient.Postcode = ""
	if err := streamorder.CheckQuote(q); err == nil || !strings.Contains(err.Error(), "the postcode is required") {
		t.Errorf("no postcode: %v", err)
	}
}

// TestBuildNeverExceedsStreamLimits builds orders at and beyond every
// length and checks what the client's own rules say of the result.
func TestBuildNeverExceedsStreamLimits(t *testing.T) {
	o := sampleOrder()
	o.Recipient.Name, o.Recipient.Company = long, long
	o.DeliveryNote = long
	o.ExtendedProperties = []streamorder.ExtendedProperty{{Name: "SafePlace", Value: long}, {Name: "DriverNotes", Value: "x " + long}}
	for _, svc := range []streamorder.Service{delivery, {OrderType: stream.OrderTypeCollection, Method: "C"}} {
		got := build(t, o, svc, settings)
		if err := got.Check(); err != nil {
			t.Errorf("%s: %v", svc.OrderType, err)
		}
	}
}
