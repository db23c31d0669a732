package shipping_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"linnstream/internal/profile"
	"linnstream/internal/services"
	"linnstream/internal/shipment"
	"linnstream/internal/shipping"
	"linnstream/internal/stream"
	"linnstream/internal/streamsandbox"
	"linnstream/internal/wizard"
)

// The shapes of request Linnworks' serialiser (Newtonsoft.Json) produces or
// accepts, sent to every endpoint; each refusal is shown to change nothing.

// countingProfiles counts the writes the profile store made.
type countingProfiles struct {
	profile.Store
	writes *atomic.Int64
}

func count(writes *atomic.Int64, err error) error {
	if err == nil {
		writes.Add(1)
	}
	return err
}

func (c countingProfiles) Create(ctx context.Context, p *profile.Profile) error {
	return count(c.writes, c.Store.Create(ctx, p))
}

func (c countingProfiles) Update(ctx context.Context, p *profile.Profile) error {
	return count(c.writes, c.Store.Update(ctx, p))
}

// countingShipments counts the writes the shipment store made.
type countingShipments struct {
	*shipment.MemStore
	writes *atomic.Int64
}

func (c countingShipments) Claim(ctx context.Context, s *shipment.Shipment, now time.Time) (*shipment.Shipment, shipment.Claimed, error) {
	rec, how, err := c.MemStore.Claim(ctx, s, now)
	if err == nil && how != shipment.NotClaimed {
		c.writes.Add(1)
	}
	return rec, how, err
}

func (c countingShipments) Update(ctx context.Context, s *shipment.Shipment) error {
	return count(c.writes, c.MemStore.Update(ctx, s))
}

func (c countingShipments) FileManifest(ctx context.Context, req shipment.ManifestRequest) (*shipment.Manifest, error) {
	m, err := c.MemStore.FileManifest(ctx, req)
	return m, count(c.writes, err)
}

func (c countingShipments) MarkEvent(ctx context.Context, profileID, key string, ttl time.Duration) (bool, error) {
	fresh, err := c.MemStore.MarkEvent(ctx, profileID, key, ttl)
	if fresh {
		c.writes.Add(1)
	}
	return fresh, err
}

// wireEnv is a label environment whose stores count their writes, with a
// configured profile that has labelled orders 100 to 119 and filed a
// manifest of order 100.
type wireEnv struct {
	*labelEnv
	writes   atomic.Int64
	tok      string
	svc      string
	manifest string
	// next, when set, returns a new accepted body on each call.
	next func() string
}

func newWireEnv(t *testing.T) *wireEnv {
	t.Helper()
	e := &wireEnv{labelEnv: &labelEnv{t: t, logs: &lockedBuffer{}, now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}}
	e.sandbox = streamsandbox.New(streamsandbox.Options{})
	e.srv = httptest.NewServer(e.sandbox)
	t.Cleanup(e.srv.Close)
	e.profiles = profile.NewMemStore()
	mem := shipment.NewMemStore(e.clock)
	e.shipments = mem
	ships := countingShipments{MemStore: mem, writes: &e.writes}
	pool := stream.NewPool(stream.WithBackoff(time.Millisecond, 5*time.Millisecond))
	w, err := wizard.New(wizard.Options{Stream: wizard.StreamCredentials{}, PublicBaseURL: publicBase, AllowLoopbackHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	e.h, err = shipping.New(shipping.Config{
		Store:     countingProfiles{Store: e.profiles, writes: &e.writes},
		Wizard:    w,
		Logger:    slog.New(slog.NewJSONHandler(e.logs, nil)),
		Now:       e.clock,
		Services:  services.NewCatalogue(services.PoolSource(pool)),
		Manifests: ships,
		Streams:   pool,
		Creator: &shipment.Creator{Store: ships, Now: e.clock, Lease: time.Minute,
			PollMin: time.Millisecond, PollMax: 5 * time.Millisecond},
		Shipments: ships,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.mux = e.h.Mux()
	e.tok = e.addProfile("sandbox", "sandbox-secret", nil)
	e.svc = e.serviceID("sandbox", justin, courier)
	for id := 100; id <= 119; id++ {
		if r := e.generate(labelRequest(e.tok, e.svc, id)); r.isError() {
			t.Fatalf("label %d: %s", id, r.message())
		}
	}
	r := e.post("CreateManifest", map[string]any{"AuthorizationToken": e.tok, "OrderId": []string{"100"}})
	if r.isError() {
		t.Fatalf("manifest: %s", r.message())
	}
	e.manifest = r.obj["ManifestReference"].(string)
	return e
}

// wireState is what a refused request must leave as it was.
type wireState struct {
	writes  int64
	orders  []sandboxOrder
	profile *profile.Profile
}

func (e *wireEnv) state() wireState {
	e.t.Helper()
	return wireState{writes: e.writes.Load(), orders: e.orders(), profile: e.stored(e.tok)}
}

// send posts body with the given Content-Type ("" for none).
func (e *wireEnv) send(t *testing.T, endpoint, body, contentType string) labelReply {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/linnworks/"+endpoint, strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	raw := rec.Body.String()
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Length") != strconv.Itoa(len(raw)) {
		t.Fatalf("%s: HTTP %d, Content-Length %q for %d bytes", endpoint, rec.Code, rec.Header().Get("Content-Length"), len(raw))
	}
	r := labelReply{raw: raw}
	if err := json.Unmarshal([]byte(raw), &r.obj); err != nil {
		t.Fatalf("%s: %v: %s", endpoint, err, raw)
	}
	if err := json.Unmarshal([]byte(raw), &r.resp); err != nil {
		t.Fatalf("%s: %v: %s", endpoint, err, raw)
	}
	msg, present := r.obj["ErrorMessage"]
	if isErr, ok := r.obj["IsError"].(bool); !ok || !present || isErr != (msg != nil) {
		t.Fatalf("%s: bad error envelope: %s", endpoint, raw)
	}
	return r
}

// wireCase is one shape of request. want is part of the ErrorMessage of a
// refusal; "" means the shape is accepted, and check (when set) verifies
// what it did.
type wireCase struct {
	name        string
	body        string
	contentType string
	want        string
	check       func(t *testing.T, e *wireEnv, r labelReply)
}

// commonCases are the shapes every endpoint treats alike, built from
// bodies it accepts that carry key. next returns a body not sent before,
// for endpoints that accept a request only once (a manifest files an order
// once).
func commonCases(next func() string, key string) []wireCase {
	valid := next()
	rest := strings.TrimPrefix(valid, "{")
	return []wireCase{
		{name: "BOM, no Content-Type", body: "\ufeff" + valid},
		{name: "text/plain", body: next(), contentType: "text/plain"},
		{name: "form Content-Type", body: next(), contentType: "application/x-www-form-urlencoded"},
		{name: "odd charset", body: next(), contentType: "application/json; charset=utf-16"},
		{name: "BOM and JSON Content-Type", body: "\ufeff" + next(), contentType: "application/json; charset=utf-8"},

		{name: "duplicate key", body: `{"` + key + `":"x",` + rest, contentType: "application/json",
			want: `duplicate key "` + key + `" in request body`},
		{name: "case-variant duplicate", body: `{"` + strings.ToLower(key) + `":"x",` + rest,
			want: `duplicate key "` + key + `" in request body: "` + strings.ToLower(key) + `" is the same key in another case`},
		{name: "duplicate in an ignored member", body: `{"Extra":[{"a":1,"A":2}],` + rest, want: `duplicate key "A" in Extra[0]`},
		{name: "array for a string", body: `{"` + key + `":["x"],"Extra":` + valid + `}`, want: key + " must be a string"},
		{name: "object for a string", body: `{"` + key + `":{"v":"x"}}`, want: key + " must be a string"},
		{name: "UTF-16", body: "\xff\xfe{\x00}\x00", want: "request body must be UTF-8"},
		{name: "two BOMs", body: "\ufeff\ufeff" + valid, want: "request body is not valid JSON"},
		{name: "comment", body: "{/* Linnworks */" + rest, want: "request body is not valid JSON"},
		{name: "trailing data", body: valid + "{}", want: "unexpected data after the top-level object"},
		{name: "array body", body: "[" + valid + "]", want: "request body must be a JSON object"},
	}
}

// runWireCases sends the common cases and the endpoint's own. setup
// returns the environment, a body the endpoint accepts (any number of
// times, unless the environment's next gives fresh ones) and the
// endpoint's cases.
func runWireCases(t *testing.T, endpoint string, setup func(t *testing.T) (*wireEnv, string, []wireCase)) {
	e, valid, cases := setup(t)
	key := "AuthorizationToken"
	if endpoint == "AddNewUser" {
		key = "Email"
	}
	gen := func() string { return valid }
	if e.next != nil {
		gen = e.next
	}
	for _, c := range append(commonCases(gen, key), cases...) {
		t.Run(c.name, func(t *testing.T) {
			parent := e.t
			e.t = t
			defer func() { e.t = parent }()
			before := e.state()
			r := e.send(t, endpoint, c.body, c.contentType)
			if c.want == "" {
				if r.isError() {
					t.Fatalf("refused: %s\nbody %.300q", r.message(), c.body)
				}
				if c.check != nil {
					c.check(t, e, r)
				}
				return
			}
			if !r.isError() || !strings.Contains(r.message(), c.want) {
				t.Fatalf("got %.300s\nwant an error containing %q", r.raw, c.want)
			}
			after := e.state()
			if after.writes != before.writes {
				t.Errorf("the refused request made %d store writes", after.writes-before.writes)
			}
			if !reflect.DeepEqual(after.orders, before.orders) {
				t.Errorf("the refused request changed the Stream orders: %d orders before, %d after", len(before.orders), len(after.orders))
			}
			if !reflect.DeepEqual(after.profile, before.profile) {
				t.Errorf("the refused request changed the profile:\nbefore %+v\nafter  %+v", before.profile, after.profile)
			}
		})
	}
}

// sub replaces TOK with the profile's token.
func (e *wireEnv) sub(s string) string { return strings.ReplaceAll(s, "TOK", e.tok) }

// labelBody is a GenerateLabel request for order id as JSON, with edit
// applied to its decoded form.
func (e *wireEnv) labelBody(id int, edit func(m map[string]any)) string {
	e.t.Helper()
	b, err := json.Marshal(labelRequest(e.tok, e.svc, id))
	if err != nil {
		e.t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		e.t.Fatal(err)
	}
	if edit != nil {
		edit(m)
	}
	b, err = json.Marshal(m)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

func firstPackage(m map[string]any) map[string]any { return m["Packages"].([]any)[0].(map[string]any) }

func firstItem(m map[string]any) map[string]any {
	return firstPackage(m)["Items"].([]any)[0].(map[string]any)
}

func (e *wireEnv) orderStatus(t *testing.T, orderNo string) string {
	t.Helper()
	for _, o := range e.orders() {
		if o.OrderNo == orderNo {
			return o.OrderStatus
		}
	}
	return "missing"
}

func TestWireAddNewUser(t *testing.T) {
	runWireCases(t, "AddNewUser", func(t *testing.T) (*wireEnv, string, []wireCase) {
		e := newWireEnv(t)
		const luid = `"LinnworksUniqueIdentifier":"4A287F98-D1D3-434D-8D11-3159ABD094E3"`
		stored := func(email, account string) func(t *testing.T, e *wireEnv, r labelReply) {
			return func(t *testing.T, e *wireEnv, r labelReply) {
				tok, _ := r.obj["AuthorizationToken"].(string)
				p, err := e.profiles.Get(context.Background(), profile.ID(tok))
				if err != nil || p.Email != email || p.AccountName != account {
					t.Errorf("stored profile %+v (%v), want Email %q AccountName %q", p, err, email, account)
				}
			}
		}
		return e, `{"Email":"ops@example.com",` + luid + `,"AccountName":"ACC1"}`, []wireCase{
			{name: "email as given", body: `{"Email":"Ops Desk <ops@warehouse>",` + luid + `,"AccountName":"ACC1"}`,
				check: stored("Ops Desk <ops@warehouse>", "ACC1")},
			{name: "null email", body: `{"Email":null,` + luid + `,"AccountName":"ACC1"}`, check: stored("", "ACC1")},
			{name: "number account name", body: `{"Email":"a@b.c",` + luid + `,"AccountName":1234}`, check: stored("a@b.c", "1234")},
			{name: "keys in another case", body: `{"email":"a@b.c","linnworksuniqueidentifier":"4A287F98-D1D3-434D-8D11-3159ABD094E3","ACCOUNTNAME":"X"}`,
				check: stored("a@b.c", "X")},
			{name: "email too long", body: `{"Email":"` + strings.Repeat("a", 255) + `",` + luid + `,"AccountName":"A"}`,
				want: "Email must be at most 254 characters"},
			{name: "identifier an object", body: `{"Email":"a@b.c","LinnworksUniqueIdentifier":{"Id":1},"AccountName":"A"}`,
				want: "LinnworksUniqueIdentifier must be a string"},
			{name: "two identifiers", body: `{"Email":"a@b.c",` + luid + `,"AccountName":"A","linnworksUniqueIdentifier":"5A287F98-D1D3-434D-8D11-3159ABD094E3"}`,
				want: `duplicate key "linnworksUniqueIdentifier" in request body`},
		}
	})
}

func TestWireUserConfig(t *testing.T) {
	runWireCases(t, "UserConfig", func(t *testing.T) (*wireEnv, string, []wireCase) {
		e := newWireEnv(t)
		active := func(t *testing.T, e *wireEnv, r labelReply) {
			if r.obj["ConfigStatus"] != wizard.StageConfig {
				t.Errorf("ConfigStatus %v", r.obj["ConfigStatus"])
			}
		}
		return e, e.sub(`{"AuthorizationToken":"TOK"}`), []wireCase{
			{name: "lower-case key, ignored extras", body: e.sub(`{"authorizationtoken":"TOK","Extra":{"n":[1,2]}}`), check: active},
			{name: "null token", body: `{"AuthorizationToken":null}`, want: "AuthorizationToken is required"},
			{name: "number token", body: `{"AuthorizationToken":12345}`, want: "Authorization failed for token"},
		}
	})
}

func TestWireUpdateConfig(t *testing.T) {
	runWireCases(t, "UpdateConfig", func(t *testing.T) (*wireEnv, string, []wireCase) {
		e := newWireEnv(t)
		setting := func(id, want string) func(t *testing.T, e *wireEnv, r labelReply) {
			return func(t *testing.T, e *wireEnv, r labelReply) {
				if got := e.stored(e.tok).Settings[id]; got != want {
					t.Errorf("%s = %q, want %q", id, got, want)
				}
			}
		}
		return e, e.sub(`{"AuthorizationToken":"TOK","ConfigStatus":"CONFIG","ConfigItems":[{"ConfigItemId":"LABEL_COUNT","SelectedValue":"2"}]}`), []wireCase{
			{name: "number for SelectedValue", body: e.sub(`{"AuthorizationToken":"TOK","ConfigStatus":"CONFIG","ConfigItems":[{"ConfigItemId":"LABEL_COUNT","SelectedValue":3}]}`),
				check: setting(wizard.ItemLabelCount, "3")},
			{name: "boolean for SelectedValue", body: e.sub(`{"AuthorizationToken":"TOK","ConfigStatus":"CONFIG","ConfigItems":[{"ConfigItemId":"WEBHOOKS_ENABLED","SelectedValue":false}]}`),
				check: setting(wizard.ItemWebhooksEnabled, "false")},
			{name: "null SelectedValue", body: e.sub(`{"AuthorizationToken":"TOK","ConfigStatus":"CONFIG","ConfigItems":[{"ConfigItemId":"ORDER_NUMBER_PREFIX","SelectedValue":null}]}`),
				check: setting(wizard.ItemOrderNumberPrefix, "")},
			{name: "former ConfigItemId", body: e.sub(`{"AuthorizationToken":"TOK","ConfigStatus":"CONFIG","ConfigItems":[{"ConfigItemId":"USE_CURRENT_DATE_AS_PICKUP","SelectedValue":"false"}]}`),
				check: setting(wizard.ItemUseCurrentDatePickup, "false")},
			{name: "duplicate SelectedValue", body: e.sub(`{"AuthorizationToken":"TOK","ConfigStatus":"CONFIG","ConfigItems":[{"ConfigItemId":"LABEL_COUNT","SelectedValue":"4","SelectedValue":"5"}]}`),
				want: `duplicate key "SelectedValue" in ConfigItems[0]`},
			{name: "case-variant ConfigItemId", body: e.sub(`{"AuthorizationToken":"TOK","ConfigStatus":"CONFIG","ConfigItems":[{"ConfigItemId":"LABEL_COUNT","configItemID":"LABEL_FORMAT","SelectedValue":"4"}]}`),
				want: `duplicate key "configItemID" in ConfigItems[0]: "ConfigItemId" is the same key in another case`},
			{name: "two ConfigStatus", body: e.sub(`{"AuthorizationToken":"TOK","ConfigStatus":"SENDER","ConfigStatus":"CONFIG","ConfigItems":[]}`),
				want: `duplicate key "ConfigStatus" in request body`},
			{name: "array SelectedValue", body: e.sub(`{"AuthorizationToken":"TOK","ConfigStatus":"CONFIG","ConfigItems":[{"ConfigItemId":"LABEL_COUNT","SelectedValue":["4"]}]}`),
				want: "ConfigItems[0].SelectedValue must be a string"},
			{name: "one item, not a list", body: e.sub(`{"AuthorizationToken":"TOK","ConfigStatus":"CONFIG","ConfigItems":{"ConfigItemId":"LABEL_COUNT","SelectedValue":"4"}}`),
				want: "ConfigItems must be an array"},
			{name: "number for a list value the wizard refuses", body: e.sub(`{"AuthorizationToken":"TOK","ConfigStatus":"CONFIG","ConfigItems":[{"ConfigItemId":"LABEL_COUNT","SelectedValue":9}]}`),
				want: "Number of labels (LABEL_COUNT)"},
		}
	})
}

func TestWireConfigDeleted(t *testing.T) {
	runWireCases(t, "ConfigDeleted", func(t *testing.T) (*wireEnv, string, []wireCase) {
		e := newWireEnv(t)
		return e, e.sub(`{"AuthorizationToken":"TOK"}`), []wireCase{
			{name: "deleted", body: e.sub(`{"AuthorizationToken":"TOK"}`), check: func(t *testing.T, e *wireEnv, r labelReply) {
				if !e.stored(e.tok).Deleted {
					t.Error("the profile is not deleted")
				}
			}},
			{name: "token twice, the second another's", body: e.sub(`{"AuthorizationToken":"TOK","AuthorizationToken":"` + otherToken + `"}`),
				want: `duplicate key "AuthorizationToken" in request body`},
		}
	})
}

func TestWireUserAvailableServices(t *testing.T) {
	runWireCases(t, "UserAvailableServices", func(t *testing.T) (*wireEnv, string, []wireCase) {
		e := newWireEnv(t)
		return e, e.sub(`{"AuthorizationToken":"TOK"}`), []wireCase{
			{name: "services listed", body: "\ufeff" + e.sub(`{"AuthorizationToken":"TOK"}`), contentType: "text/plain",
				check: func(t *testing.T, e *wireEnv, r labelReply) {
					if s, _ := r.obj["Services"].([]any); len(s) == 0 {
						t.Errorf("no services: %.200s", r.raw)
					}
				}},
		}
	})
}

func TestWireExtendedPropertyMapping(t *testing.T) {
	runWireCases(t, "ExtendedPropertyMapping", func(t *testing.T) (*wireEnv, string, []wireCase) {
		e := newWireEnv(t)
		return e, e.sub(`{"AuthorizationToken":"TOK"}`), []wireCase{
			{name: "properties listed", body: "\ufeff" + e.sub(`{"AuthorizationToken":"TOK"}`),
				check: func(t *testing.T, e *wireEnv, r labelReply) {
					if s, _ := r.obj["Items"].([]any); len(s) == 0 {
						t.Errorf("no properties: %.200s", r.raw)
					}
				}},
		}
	})
}

func TestWireGenerateLabel(t *testing.T) {
	runWireCases(t, "GenerateLabel", func(t *testing.T) (*wireEnv, string, []wireCase) {
		e := newWireEnv(t)
		labelled := func(id int, weight float64) func(t *testing.T, e *wireEnv, r labelReply) {
			return func(t *testing.T, e *wireEnv, r labelReply) {
				s, err := e.shipments.Get(context.Background(), profile.ID(e.tok), strconv.Itoa(id))
				if err != nil || s.State != shipment.StateCreated || len(s.Packages) != 2 || s.Packages[0].WeightGrams != weight {
					t.Errorf("shipment of %d = %+v (%v)", id, s, err)
				}
				if e.orderStatus(t, strconv.Itoa(id)) == "missing" || r.resp.LeadTrackingNumber == "" {
					t.Errorf("no Stream order or tracking for %d: %.200s", id, r.raw)
				}
			}
		}
		return e, e.labelBody(100, nil), []wireCase{
			{name: "OrderId as a string", body: e.labelBody(200, func(m map[string]any) { m["OrderId"] = "200" }), check: labelled(200, 1500)},
			{name: "numbers as strings", body: e.labelBody(201, func(m map[string]any) {
				firstPackage(m)["PackageWeight"] = " 1250.5 "
				firstItem(m)["Quantity"] = "3"
				firstItem(m)["UnitWeight"] = "400"
			}), check: labelled(201, 1250.5)},
			{name: "numbers for strings", body: e.labelBody(202, func(m map[string]any) {
				m["OrderReference"] = 202
				m["Phone"] = 7700900123
				firstItem(m)["ProductCode"] = 12345
			}), check: func(t *testing.T, e *wireEnv, r labelReply) {
				labelled(202, 1500)(t, e, r)
				if s, _ := e.shipments.Get(context.Background(), profile.ID(e.tok), "202"); s == nil || s.OrderReference != "202" {
					t.Errorf("OrderReference stored as %+v", s)
				}
			}},
			{name: "nulls for optional strings", body: e.labelBody(203, func(m map[string]any) {
				for _, k := range []string{"CompanyName", "AddressLine2", "AddressLine3", "Region", "DeliveryNote", "OrderCurrency", "Email"} {
					m[k] = nil
				}
				m["OrderExtendedProperties"] = nil
			}), check: labelled(203, 1500)},
			{name: "OrderId a word", body: e.labelBody(300, func(m map[string]any) { m["OrderId"] = "300a" }), want: "OrderId must be an integer"},
			{name: "OrderId a fraction", body: e.labelBody(300, func(m map[string]any) { m["OrderId"] = 300.5 }), want: "OrderId must be an integer"},
			{name: "Quantity a fraction string", body: e.labelBody(300, func(m map[string]any) { firstItem(m)["Quantity"] = "1.5" }),
				want: "Packages[0].Items[0].Quantity must be an integer"},
			{name: "weight with a decimal comma", body: e.labelBody(300, func(m map[string]any) { firstPackage(m)["PackageWeight"] = "1,5" }),
				want: "Packages[0].PackageWeight must be a number"},
			{name: "weight a boolean", body: e.labelBody(300, func(m map[string]any) { firstPackage(m)["PackageWeight"] = true }),
				want: "Packages[0].PackageWeight must be a number"},
			{name: "one package, not a list", body: e.labelBody(300, func(m map[string]any) { m["Packages"] = firstPackage(m) }),
				want: "Packages must be an array"},
			{name: "name an object", body: e.labelBody(300, func(m map[string]any) { m["Name"] = map[string]any{"First": "Jane"} }),
				want: "Name must be a string"},
			{name: "two OrderIds", body: strings.Replace(e.labelBody(300, nil), `"OrderId":300`, `"OrderId":300,"orderid":301`, 1),
				want: `duplicate key "orderid" in request body: "OrderId" is the same key in another case`},
			{name: "two postcodes", body: strings.Replace(e.labelBody(300, nil), `"Postalcode":"LS6 1AA"`, `"Postalcode":"LS6 1AA","PostalCode":"M1 1AA"`, 1),
				want: `duplicate key "PostalCode" in request body`},
			{name: "duplicate in an item", body: strings.Replace(e.labelBody(300, nil), `"ItemName":"Mug"`, `"ItemName":"Mug","ItemName":"Knife"`, 1),
				want: `duplicate key "ItemName" in Packages[0].Items[0]`},
		}
	})
}

func TestWireQuote(t *testing.T) {
	runWireCases(t, "Quote", func(t *testing.T) (*wireEnv, string, []wireCase) {
		e := newWireEnv(t)
		quote := func(edit func(m map[string]any)) string {
			m := quoteBody(e.tok)
			if edit != nil {
				edit(m)
			}
			b, _ := json.Marshal(m)
			return string(b)
		}
		quoted := func(t *testing.T, e *wireEnv, r labelReply) {
			if q, _ := r.obj["QuoteItems"].([]any); len(q) == 0 {
				t.Errorf("no quotes: %.300s", r.raw)
			}
		}
		return e, quote(nil), []wireCase{
			{name: "null OrderCurrency", body: quote(func(m map[string]any) { m["OrderCurrency"] = nil }), check: func(t *testing.T, e *wireEnv, r labelReply) {
				quoted(t, e, r)
				for _, q := range r.obj["QuoteItems"].([]any) {
					if c := q.(map[string]any)["Currency"]; c != shipping.DefaultCurrency {
						t.Errorf("Currency %v, want %s", c, shipping.DefaultCurrency)
					}
				}
			}},
			{name: "nulls for optional strings", body: quote(func(m map[string]any) {
				for _, k := range []string{"CompanyName", "AddressLine2", "AddressLine3", "Email", "Phone", "DeliveryNote", "OrderReference"} {
					m[k] = nil
				}
			}), check: quoted},
			{name: "numbers as strings", body: quote(func(m map[string]any) {
				m["OrderValue"] = "42.50"
				m["Packages"].([]any)[0].(map[string]any)["PackageWeight"] = "1200"
			}), check: quoted},
			{name: "OrderReference a number", body: quote(func(m map[string]any) { m["OrderReference"] = 1001 }), check: quoted},
			{name: "country an array", body: quote(func(m map[string]any) { m["CountryCode"] = []string{"GB"} }), want: "CountryCode must be a string"},
			{name: "value a word", body: quote(func(m map[string]any) { m["OrderValue"] = "forty" }), want: "OrderValue must be a number"},
			{name: "two countries", body: strings.Replace(quote(nil), `"CountryCode":"GB"`, `"CountryCode":"GB","countrycode":"FR"`, 1),
				want: `duplicate key "countrycode" in request body: "CountryCode" is the same key in another case`},
		}
	})
}

func TestWireCancelLabel(t *testing.T) {
	runWireCases(t, "CancelLabel", func(t *testing.T) (*wireEnv, string, []wireCase) {
		e := newWireEnv(t)
		cancelled := func(orderNo string) func(t *testing.T, e *wireEnv, r labelReply) {
			return func(t *testing.T, e *wireEnv, r labelReply) {
				if s := e.orderStatus(t, orderNo); s != "CANCELLED" {
					t.Errorf("order %s is %s, want CANCELLED", orderNo, s)
				}
			}
		}
		return e, e.sub(`{"AuthorizationToken":"TOK","OrderReference":"101"}`), []wireCase{
			{name: "OrderReference a number", body: e.sub(`{"AuthorizationToken":"TOK","OrderReference":102}`), check: cancelled("102")},
			{name: "OrderId a string", body: e.sub(`{"AuthorizationToken":"TOK","OrderId":"103"}`), check: cancelled("103")},
			{name: "null OrderReference, OrderId given", body: e.sub(`{"AuthorizationToken":"TOK","OrderReference":null,"OrderId":101}`), check: cancelled("101")},
			{name: "OrderReference an object", body: e.sub(`{"AuthorizationToken":"TOK","OrderReference":{"Id":100}}`), want: "OrderReference must be a string"},
			{name: "OrderId exponent", body: e.sub(`{"AuthorizationToken":"TOK","OrderId":1e2}`), want: "OrderId must be an integer"},
			{name: "OrderId a word", body: e.sub(`{"AuthorizationToken":"TOK","OrderId":"hundred"}`), want: "OrderId must be an integer"},
			{name: "two references", body: e.sub(`{"AuthorizationToken":"TOK","OrderReference":"999","OrderReference":"100"}`),
				want: `duplicate key "OrderReference" in request body`},
			{name: "two references in two cases", body: e.sub(`{"AuthorizationToken":"TOK","OrderReference":"999","orderreference":100}`),
				want: `duplicate key "orderreference" in request body: "OrderReference" is the same key in another case`},
		}
	})
}

func TestWireCreateManifest(t *testing.T) {
	runWireCases(t, "CreateManifest", func(t *testing.T) (*wireEnv, string, []wireCase) {
		e := newWireEnv(t)
		filed := func(ids ...string) func(t *testing.T, e *wireEnv, r labelReply) {
			return func(t *testing.T, e *wireEnv, r labelReply) {
				ref, _ := r.obj["ManifestReference"].(string)
				m, err := e.shipments.(*shipment.MemStore).GetManifest(context.Background(), profile.ID(e.tok), ref)
				if err != nil {
					t.Fatalf("manifest %q: %v", ref, err)
				}
				var got []string
				for _, o := range m.Orders {
					got = append(got, o.OrderID)
				}
				if !reflect.DeepEqual(got, ids) {
					t.Errorf("manifest %s holds %v, want %v", ref, got, ids)
				}
			}
		}
		// Each order is filed once: the common cases file orders 110 on.
		id := 110
		e.next = func() string {
			id++
			return e.sub(fmt.Sprintf(`{"AuthorizationToken":"TOK","OrderId":["%d"]}`, id-1))
		}
		return e, "", []wireCase{
			{name: "numbers for order ids", body: e.sub(`{"AuthorizationToken":"TOK","OrderId":[102,"103"]}`), check: filed("102", "103")},
			{name: "ids an array of arrays", body: e.sub(`{"AuthorizationToken":"TOK","OrderId":[[101]]}`), want: "OrderId[0] must be a string"},
			{name: "one id, not a list", body: e.sub(`{"AuthorizationToken":"TOK","OrderId":"101"}`), want: "OrderId must be an array"},
			{name: "two id lists", body: e.sub(`{"AuthorizationToken":"TOK","OrderId":["101"],"OrderID":["102"]}`),
				want: `duplicate key "OrderID" in request body: "OrderId" is the same key in another case`},
			{name: "an unknown id", body: e.sub(`{"AuthorizationToken":"TOK","OrderId":[101,999]}`), want: "999"},
		}
	})
}

func TestWirePrintManifest(t *testing.T) {
	runWireCases(t, "PrintManifest", func(t *testing.T) (*wireEnv, string, []wireCase) {
		e := newWireEnv(t)
		valid := fmt.Sprintf(`{"AuthorizationToken":%q,"ManifestReference":%q}`, e.tok, e.manifest)
		return e, valid, []wireCase{
			{name: "printed", body: "\ufeff" + valid, contentType: "text/plain", check: func(t *testing.T, e *wireEnv, r labelReply) {
				if pdf, _ := r.obj["PDFbase64"].(string); pdf == "" {
					t.Error("no PDF")
				}
			}},
			{name: "null reference", body: e.sub(`{"AuthorizationToken":"TOK","ManifestReference":null}`), want: "ManifestReference is required"},
			{name: "reference an array", body: e.sub(`{"AuthorizationToken":"TOK","ManifestReference":["x"]}`), want: "ManifestReference must be a string"},
			{name: "two references", body: fmt.Sprintf(`{"AuthorizationToken":%q,"ManifestReference":%q,"ManifestReference":"other"}`, e.tok, e.manifest),
				want: `duplicate key "ManifestReference" in request body`},
		}
	})
}
