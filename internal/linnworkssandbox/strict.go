package linnworkssandbox

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// The spec's schemas allow properties they do not define, and the real API ignores them, so a
// misspelt field name (or the wrong case: the spec spells "orderId" for Orders/* but
// "OrderIds" for OpenOrders/*) would be dropped without a word. The sandbox refuses names the
// spec does not define, so such a mistake fails in tests instead of in production.

// checkNames reports query parameters and body properties the operation does not define.
func checkNames(rt *route, query url.Values, body []byte) error {
	known := map[string]bool{}
	for _, p := range rt.r.Operation.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
			known[p.Value.Name] = true
		}
	}
	var unknown []string
	for name := range query {
		if !known[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		sort.Strings(unknown)
		return fmt.Errorf("query parameter %q is not defined by the spec", unknown[0])
	}
	rb := rt.r.Operation.RequestBody
	if rb == nil || rb.Value == nil || len(strings.TrimSpace(string(body))) == 0 {
		return nil
	}
	mt := rb.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	return unknownProperties(mt.Schema.Value, v, "")
}

// properties collects the properties a schema defines, its allOf parts included.
func properties(s *openapi3.Schema) (map[string]*openapi3.SchemaRef, bool) {
	props := map[string]*openapi3.SchemaRef{}
	closed := false
	var walk func(*openapi3.Schema)
	walk = func(s *openapi3.Schema) {
		if s == nil {
			return
		}
		for k, p := range s.Properties {
			props[k] = p
			closed = true
		}
		for _, part := range s.AllOf {
			walk(part.Value)
		}
	}
	walk(s)
	if ap := s.AdditionalProperties; ap.Schema != nil || (ap.Has != nil && *ap.Has) {
		closed = false
	}
	return props, closed
}

func unknownProperties(s *openapi3.Schema, v any, at string) error {
	if s == nil {
		return nil
	}
	switch val := v.(type) {
	case map[string]any:
		props, closed := properties(s)
		keys := make([]string, 0, len(val))
		for k := range val {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p, ok := props[k]
			if !ok {
				if closed {
					return fmt.Errorf("property %q at %q is not defined by the spec", k, at+"/")
				}
				if ap := s.AdditionalProperties.Schema; ap != nil {
					if err := unknownProperties(ap.Value, val[k], at+"/"+k); err != nil {
						return err
					}
				}
				continue
			}
			if err := unknownProperties(p.Value, val[k], at+"/"+k); err != nil {
				return err
			}
		}
	case []any:
		if s.Items == nil {
			return nil
		}
		for i, item := range val {
			if err := unknownProperties(s.Items.Value, item, fmt.Sprintf("%s/%d", at, i)); err != nil {
				return err
			}
		}
	}
	return nil
}
