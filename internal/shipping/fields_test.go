package shipping_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"linnstream/internal/profile"
	"linnstream/internal/shipment"
	"linnstream/internal/stream"
)

// countingTransport counts the requests that reach Stream.
type countingTransport struct {
	mu   sync.Mutex
	seen []string
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.mu.Lock()
	c.seen = append(c.seen, r.Method+" "+r.URL.Path)
	c.mu.Unlock()
	return http.DefaultTransport.RoundTrip(r)
}

func (c *countingTransport) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.seen
	c.seen = nil
	return s
}

// fieldsBody is a GenerateLabel request as JSON that Quote reads too (it
// ignores OrderId, ServiceId and the service config), changed by change.
func fieldsBody(t *testing.T, tok, svc string, change func(m map[string]any)) map[string]any {
	t.Helper()
	b, err := json.Marshal(labelRequest(tok, svc, 500123))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if change != nil {
		change(m)
	}
	return m
}

func pkgAt(m map[string]any, i int) map[string]any { return m["Packages"].([]any)[i].(map[string]any) }

func itemAt(m map[string]any, p, i int) map[string]any {
	return pkgAt(m, p)["Items"].([]any)[i].(map[string]any)
}

// TestLabelAndQuoteRefuseInsaneFields sends every kind of value the field
// policy refuses through GenerateLabel and Quote: each is refused with the
// field and its problem, Stream receives no request at all, and neither the
// shipment store nor the profile changes.
func TestLabelAndQuoteRefuseInsaneFields(t *testing.T) {
	ct := &countingTransport{}
	e := newLabelEnv(t, labelSetup{poolOpts: []stream.Option{stream.WithHTTPClient(&http.Client{Transport: ct})}})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	svc := e.serviceID("sandbox", justin, courier)
	long := strings.Repeat("y", 10_000)
	before := e.stored(tok)

	for _, tc := range []struct {
		name   string
		change func(m map[string]any)
		want   string
	}{
		{"null package", func(m map[string]any) { m["Packages"] = append(m["Packages"].([]any), nil) }, "package 3 is null"},
		{"only a null package", func(m map[string]any) { m["Packages"] = []any{nil} }, "package 1 is null"},
		{"null item", func(m map[string]any) { pkgAt(m, 0)["Items"] = []any{nil} }, "package 1 item 1 is null"},
		{"weight 1e15 g", func(m map[string]any) { pkgAt(m, 0)["PackageWeight"] = 1e15 }, "package 1 weight of 1e+15 g is beyond the 2000000 g accepted"},
		{"weight 1e308 g", func(m map[string]any) { pkgAt(m, 1)["PackageWeight"] = 1e308 }, "package 2 weight of 1e+308 g is beyond"},
		{"unit weight 1e308 g", func(m map[string]any) { itemAt(m, 0, 0)["UnitWeight"] = 1e308 }, "package 1 item 1 unit weight of 1e+308 g is beyond"},
		{"height 1e12 cm", func(m map[string]any) { pkgAt(m, 0)["PackageHeight"] = 1e12 }, "package 1 height of 1e+12 cm is beyond the 1500 cm accepted"},
		{"negative width", func(m map[string]any) { pkgAt(m, 0)["PackageWidth"] = -1 }, "package 1 width must not be negative"},
		{"quantity 1e9", func(m map[string]any) { itemAt(m, 0, 0)["Quantity"] = 1_000_000_000 }, "package 1 item 1 quantity of 1000000000 is beyond the 10000 accepted"},
		{"NUL in the name", func(m map[string]any) { m["Name"] = "Jane\x00Doe" }, "the customer name contains a control character (U+0000"},
		{"NUL in an item name", func(m map[string]any) { itemAt(m, 0, 1)["ItemName"] = "Tea\x00" }, "package 1 item 2 name contains a control character"},
		{"bell in the safe place", func(m map[string]any) {
			m["OrderExtendedProperties"] = []any{map[string]any{"Name": "SafePlace", "Value": "Porch\a"}}
		}, "the SafePlace property of the order contains a control character (U+0007"},
		{"country ZZ", func(m map[string]any) { m["CountryCode"] = "ZZ" }, `the country code "ZZ" is not an ISO 3166-1 country code`},
		{"country of 10,000 characters", func(m map[string]any) { m["CountryCode"] = long }, `the country code "` + strings.Repeat("y", 79) + `…" is not`},
		{"address line of 10,000 characters", func(m map[string]any) { m["AddressLine1"] = long }, "address line 1 is 10000 characters; Stream allows 35 (an address is never cut"},
		{"address line of 36", func(m map[string]any) { m["AddressLine2"] = strings.Repeat("a", 36) }, "address line 2 is 36 characters"},
		{"SKU of 10,000 characters", func(m map[string]any) { itemAt(m, 1, 0)["ProductCode"] = long }, "package 2 item 1 SKU is 10000 characters"},
	} {
		for _, endpoint := range []string{"GenerateLabel", "Quote"} {
			t.Run(endpoint+"/"+tc.name, func(t *testing.T) {
				r := e.post(endpoint, fieldsBody(t, tok, svc, tc.change))
				msg := r.message()
				if !r.isError() || !strings.Contains(msg, tc.want) {
					t.Fatalf("got %.400s\nwant an error containing %q", r.raw, tc.want)
				}
				if strings.Contains(msg, strings.Repeat("y", 81)) {
					t.Errorf("the error echoes more than 80 characters of what was sent: %.300s", msg)
				}
				if seen := ct.take(); len(seen) != 0 {
					t.Errorf("Stream received %v", seen)
				}
			})
		}
	}
	if n := len(e.orders()); n != 0 {
		t.Errorf("the sandbox holds %d orders", n)
	}
	if _, err := e.shipments.Get(context.Background(), profile.ID(tok), "500123"); !errors.Is(err, shipment.ErrNotFound) {
		t.Errorf("a refused request left a shipment record: %v", err)
	}
	if after := e.stored(tok); !reflect.DeepEqual(before, after) {
		t.Errorf("the profile changed:\nbefore %+v\nafter  %+v", before, after)
	}
	// The count is real: a good quote asks Stream for the depots.
	if r := e.post("Quote", fieldsBody(t, tok, svc, nil)); r.isError() || len(ct.take()) == 0 {
		t.Errorf("a good quote: %.300s, and Stream saw no request", r.raw)
	}
}

// TestAnswersEchoLittleOfWhatWasSent: values that name nothing the
// integration knows are quoted clipped, never whole.
func TestAnswersEchoLittleOfWhatWasSent(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	long := strings.Repeat("z", 10_000)
	for _, tc := range []struct {
		endpoint string
		body     map[string]any
		want     string
	}{
		{"GenerateLabel", fieldsBody(t, tok, long, nil), "names no service of this integration"},
		{"CancelLabel", map[string]any{"AuthorizationToken": tok, "OrderReference": long}, "no label was generated for order"},
		{"CreateManifest", map[string]any{"AuthorizationToken": tok, "OrderId": []string{long}}, "must be a Linnworks order number"},
	} {
		r := e.post(tc.endpoint, tc.body)
		if !r.isError() || !strings.Contains(r.message(), tc.want) {
			t.Errorf("%s: %.300s, want an error containing %q", tc.endpoint, r.raw, tc.want)
		}
		if strings.Contains(r.raw, strings.Repeat("z", 81)) {
			t.Errorf("%s echoes more than 80 characters of what was sent: %.300s", tc.endpoint, r.raw)
		}
	}
}

// TestLabelCutsNamesAndNotes: what the policy cuts rather than refuses
// reaches Stream cut to fit, and the order is created.
func TestLabelCutsNamesAndNotes(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	svc := e.serviceID("sandbox", justin, courier)
	long := strings.Repeat("word ", 2_000)
	name := "Alexandra Catherine Montgomery-Smythe" // 37 characters
	r := e.post("GenerateLabel", fieldsBody(t, tok, svc, func(m map[string]any) {
		m["Name"] = name
		m["CompanyName"] = ""
		m["CountryCode"] = "uk"
		itemAt(m, 0, 0)["ItemName"] = "Mug " + long
		m["OrderExtendedProperties"] = []any{map[string]any{"Name": "SafePlace", "Value": "Porch " + long}}
	}))
	if r.isError() {
		t.Fatal(r.message())
	}
	o := e.onlyOrder().order(t)
	d := o.Delivery
	if o.Header.Customer.Name != "Alexandra Catherine" || d.Contact.Name != "Alexandra Catherine" || d.Address.Name != "Alexandra Catherine" {
		t.Errorf("names reached Stream as %q, %q, %q; want cut at a word to fit 35", o.Header.Customer.Name, d.Contact.Name, d.Address.Name)
	}
	if d.Address.Country != "GB" {
		t.Errorf("country %q, want GB", d.Address.Country)
	}
	if desc := d.Items[1].Description; utf8.RuneCountInString(desc) > 50 || !strings.HasPrefix(desc, "Mug word word") || strings.HasSuffix(desc, " ") {
		t.Errorf("item description %q, want the name cut at a word to fit 50", desc)
	}
	if n := utf8.RuneCountInString(d.Address.LocationNotes); n > 140 || !strings.HasPrefix(d.Address.LocationNotes, "Porch word") ||
		!strings.HasSuffix(d.Address.LocationNotes, "…") {
		t.Errorf("safe place %q (%d characters), want it cut to fit 140 with …", d.Address.LocationNotes, n)
	}
	// The shipment keeps the name whole, as the label and manifest print it.
	if sh := e.shipmentOf(tok, 500123); sh.ConsigneeName != name {
		t.Errorf("shipment consignee %q, want %q", sh.ConsigneeName, name)
	}
}
