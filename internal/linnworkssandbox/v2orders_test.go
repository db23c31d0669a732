package linnworkssandbox

import (
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

var (
	v2SchemaOnce sync.Once
	v2Schema     *openapi3.Schema
	v2SchemaErr  error
)

// v2ResponseSchema is GetOrdersResponse of the v2 spec read as its generator meant it: the
// file models inheritance as allOf next to "additionalProperties": false, which taken
// literally refuses every inherited property, and uses oneOf between shapes that overlap.
// Flattening allOf into the properties and reading oneOf as anyOf keeps every name and type.
func v2ResponseSchema(t *testing.T) *openapi3.Schema {
	t.Helper()
	v2SchemaOnce.Do(func() {
		raw, err := specFiles.ReadFile("spec/2.0/orders-v2.json")
		if err != nil {
			v2SchemaErr = err
			return
		}
		doc, err := openapi3.NewLoader().LoadFromData(raw)
		if err != nil {
			v2SchemaErr = err
			return
		}
		seen := map[*openapi3.Schema]bool{}
		for _, ref := range doc.Components.Schemas {
			flatten(ref.Value, seen)
		}
		v2Schema = doc.Components.Schemas["GetOrdersResponse"].Value
	})
	if v2SchemaErr != nil {
		t.Fatalf("load v2 schema: %v", v2SchemaErr)
	}
	return v2Schema
}

func flatten(s *openapi3.Schema, seen map[*openapi3.Schema]bool) {
	if s == nil || seen[s] {
		return
	}
	seen[s] = true
	for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
		for _, p := range group {
			flatten(p.Value, seen)
		}
	}
	// A schema with its own properties next to allOf is a derived type: take in the base's
	// properties. A schema with only allOf wraps a reference (to add nullable or a
	// description) and stays as it is.
	if len(s.Properties) > 0 && len(s.AllOf) > 0 {
		for _, part := range s.AllOf {
			for k, v := range part.Value.Properties {
				if _, own := s.Properties[k]; !own {
					s.Properties[k] = v
				}
			}
		}
		s.AllOf = nil
	}
	if len(s.OneOf) > 0 {
		s.AnyOf, s.OneOf = append(s.AnyOf, s.OneOf...), nil
	}
	for _, p := range s.Properties {
		flatten(p.Value, seen)
	}
	if s.Items != nil {
		flatten(s.Items.Value, seen)
	}
}

func checkV2Response(t *testing.T, body []byte) {
	t.Helper()
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		t.Fatalf("decode v2 response: %v", err)
	}
	err := v2ResponseSchema(t).VisitJSON(v,
		openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(uuidPattern.String())),
		openapi3.DisableSchemaErrorDetails())
	if err != nil {
		t.Fatalf("v2 response does not match GetOrdersResponse: %v\n%s", err, truncate(body))
	}
}

func TestV2Orders(t *testing.T) {
	e := newEnv(t, Options{})
	token := e.login()
	get := func(query url.Values) v2OrdersResponse {
		t.Helper()
		r := e.ok(token, "GET", "/v2/orders?"+query.Encode(), nil, 200)
		var out v2OrdersResponse
		r.decode(t, &out)
		return out
	}

	all := get(url.Values{"includeProcessed": {"true"}})
	if all.TotalOrders != 13 || len(all.OpenOrders) != 12 || len(all.ProcessedOrders) != 1 || all.NextSearchToken != nil {
		t.Fatalf("all orders: total %d, %d open, %d processed", all.TotalOrders, len(all.OpenOrders), len(all.ProcessedOrders))
	}
	if open := get(url.Values{}); open.TotalOrders != 12 || len(open.ProcessedOrders) != 0 {
		t.Errorf("open only: %d / %d processed", open.TotalOrders, len(open.ProcessedOrders))
	}
	if paid := get(url.Values{"onlyPaid": {"true"}}); paid.TotalOrders != 11 {
		t.Errorf("paid: %d", paid.TotalOrders)
	}

	// fromDate works on LastUpdated: a write makes an old order show up.
	since := e.clock.Now().Add(-time.Hour)
	if recent := get(url.Values{"fromDate": {since.Format(time.RFC3339)}}); recent.TotalOrders != 0 {
		t.Errorf("updated in the last hour before any write: %d", recent.TotalOrders)
	}
	old := e.adminOrder("100002").Order.OrderId
	e.ok(token, "POST", "/api/Orders/AddOrdersNote", map[string]any{"OrderIds": []string{old}, "NoteText": "touched"}, 200)
	recent := get(url.Values{"fromDate": {since.Format(time.RFC3339)}})
	if recent.TotalOrders != 1 || recent.OpenOrders[0].OrderId != old || len(recent.OpenOrders[0].Notes) != 1 {
		t.Errorf("after a write: %+v", recent)
	}

	// Paging by search token.
	first := get(url.Values{"entriesPerPage": {"5"}})
	if len(first.OpenOrders) != 5 || first.NextSearchToken == nil || first.TotalOrders != 12 {
		t.Fatalf("first page: %d orders, token %v", len(first.OpenOrders), first.NextSearchToken)
	}
	seen := map[string]bool{}
	pageResp := first
	for pages := 1; ; pages++ {
		for _, o := range pageResp.OpenOrders {
			if seen[o.OrderId] {
				t.Fatalf("order %s on two pages", o.OrderId)
			}
			seen[o.OrderId] = true
		}
		if pageResp.NextSearchToken == nil {
			if pages != 3 {
				t.Errorf("%d pages, want 3", pages)
			}
			break
		}
		pageResp = get(url.Values{"searchToken": {*pageResp.NextSearchToken}})
	}
	if len(seen) != 12 {
		t.Errorf("paged through %d orders, want 12", len(seen))
	}
	r := e.call("GET", "/v2/orders?searchToken="+*first.NextSearchToken, token, nil)
	if r.status != 404 || r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("used token: %d %s", r.status, r.header.Get("Content-Type"))
	}

	// By id, other parameters ignored; the composite item keeps its children.
	composite := e.adminOrder("100004").Order.OrderId
	byID := get(url.Values{"id": {composite}, "onlyPaid": {"true"}, "entriesPerPage": {"1"}})
	if len(byID.OpenOrders) != 1 || len(byID.OpenOrders[0].Items[0].CompositeSubItems) != 2 {
		t.Fatalf("by id: %+v", byID.OpenOrders)
	}
	if child := byID.OpenOrders[0].Items[0].CompositeSubItems[0]; child.ParentItemId != byID.OpenOrders[0].Items[0].RowId {
		t.Errorf("child ParentItemId %q", child.ParentItemId)
	}

	// Errors are problem details.
	r = e.call("GET", "/v2/orders?id=not-a-guid", token, nil)
	if r.status != 400 || !strings.Contains(string(r.body), `"status":400`) {
		t.Errorf("bad id: %d %s", r.status, r.body)
	}
	r = e.call("GET", "/v2/orders", "", nil)
	if r.status != 401 || r.header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("no session: %d %s", r.status, r.header.Get("Content-Type"))
	}
}
