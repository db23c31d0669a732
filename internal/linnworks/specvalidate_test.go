package linnworks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// specValidator checks requests against the official Swagger 2 files (see specDir), read
// independently of the sandbox. Beyond kin-openapi's validation (paths, methods, parameter
// and body types, formats, the Authorization header) it refuses property names and query
// parameters the specification does not define: its schemas allow additional properties, so
// a misspelt field would otherwise pass unnoticed.
type specValidator struct {
	routers []routers.Router
	opts    *openapi3filter.Options
}

var guidPattern = regexp.MustCompile(`^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32})$`)

func newSpecValidator(t *testing.T) *specValidator {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(specDir(t), "1.0", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no spec files: %v", err)
	}
	v := &specValidator{
		opts: &openapi3filter.Options{
			AuthenticationFunc: func(_ context.Context, in *openapi3filter.AuthenticationInput) error {
				s := in.SecurityScheme
				if s == nil || s.Type != "apiKey" || s.In != "header" {
					return fmt.Errorf("unexpected security scheme %q", in.SecuritySchemeName)
				}
				if in.RequestValidationInput.Request.Header.Get(s.Name) == "" {
					return fmt.Errorf("missing %s header", s.Name)
				}
				return nil
			},
			SchemaValidationOptions: []openapi3.SchemaValidationOption{
				openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(guidPattern.String())),
			},
		},
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc2 openapi2.T
		if err := doc2.UnmarshalJSON(raw); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		doc, err := openapi2conv.ToV3(&doc2)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		doc.Servers = nil // match on path only; the sandbox and Linnworks servers differ
		r, err := gorillamux.NewRouter(doc)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		v.routers = append(v.routers, r)
	}
	return v
}

// validate checks one request: target is the path (from /api/) with its query string.
func (v *specValidator) validate(method, target string, header http.Header, body []byte) error {
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return err
	}
	req, err := http.NewRequest(method, "http://linnworks.invalid"+u.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header = header.Clone()
	var route *routers.Route
	var params map[string]string
	for _, r := range v.routers {
		rt, ps, err := r.FindRoute(req)
		if err == nil {
			route, params = rt, ps
			break
		}
		if !errors.Is(err, routers.ErrPathNotFound) && !errors.Is(err, routers.ErrMethodNotAllowed) {
			return err
		}
	}
	if route == nil {
		return fmt.Errorf("%s %s is not an operation of the specification", method, u.Path)
	}
	// Query parameters must be ones the operation declares.
	declared := map[string]bool{}
	for _, p := range route.Operation.Parameters {
		if p.Value != nil && p.Value.In == "query" {
			declared[p.Value.Name] = true
		}
	}
	for name := range u.Query() {
		if !declared[name] {
			return fmt.Errorf("%s: query parameter %q is not in the specification", u.Path, name)
		}
	}
	if err := openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: req, PathParams: params, Route: route, Options: v.opts,
	}); err != nil {
		return fmt.Errorf("%s %s: %w", method, u.Path, err)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	rb := route.Operation.RequestBody
	if rb == nil || rb.Value == nil {
		return fmt.Errorf("%s: sends a body the operation does not take", u.Path)
	}
	mt := rb.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return fmt.Errorf("%s: no JSON body schema", u.Path)
	}
	var doc any
	if err := json.Unmarshal(body, &doc); err != nil {
		return fmt.Errorf("%s: body is not JSON: %w", u.Path, err)
	}
	if unknown := unknownProperties(mt.Schema.Value, doc, "$"); len(unknown) > 0 {
		return fmt.Errorf("%s: properties not in the specification: %s", u.Path, strings.Join(unknown, ", "))
	}
	return nil
}

// unknownProperties lists the JSON paths of object members the schema does not define.
func unknownProperties(s *openapi3.Schema, v any, at string) []string {
	if s == nil {
		return nil
	}
	var out []string
	switch val := v.(type) {
	case map[string]any:
		if len(s.Properties) == 0 {
			return nil // a free-form object (e.g. a dictionary)
		}
		keys := make([]string, 0, len(val))
		for k := range val {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p, ok := s.Properties[k]
			if !ok || p.Value == nil {
				out = append(out, at+"."+k)
				continue
			}
			out = append(out, unknownProperties(p.Value, val[k], at+"."+k)...)
		}
	case []any:
		if s.Items == nil {
			return nil
		}
		for i, e := range val {
			out = append(out, unknownProperties(s.Items.Value, e, fmt.Sprintf("%s[%d]", at, i))...)
		}
	}
	return out
}

// TestSpecValidatorCatchesMistakes makes sure the journal check can fail.
func TestSpecValidatorCatchesMistakes(t *testing.T) {
	v := newSpecValidator(t)
	auth := http.Header{"Authorization": {"x"}, "Content-Type": {"application/json"}}
	good := []struct{ method, target, body string }{
		{"POST", "/api/OpenOrders/AssignOrderIdentifier", `{"OrderIds":["0a000000-0000-0000-0000-000000000001"],"Tag":"STREAM_SENT"}`},
		{"GET", "/api/Orders/GetOrderById?pkOrderId=0a000000-0000-0000-0000-000000000001", ``},
		{"POST", "/api/Orders/AddExtendedProperties", `{"request":{"OrderId":"0a000000-0000-0000-0000-000000000001","ExtendedProperties":[{"Name":"A","Value":"B","Type":"Info"}]}}`},
	}
	for _, g := range good {
		if err := v.validate(g.method, g.target, auth, []byte(g.body)); err != nil {
			t.Errorf("valid request refused: %v", err)
		}
	}
	bad := []struct{ method, target, body string }{
		{"POST", "/api/OpenOrders/AssignOrderIdentifier", `{"orderIds":["0a000000-0000-0000-0000-000000000001"],"Tag":"X"}`},
		{"POST", "/api/OpenOrders/AssignOrderIdentifier", `{"OrderIds":["42"],"Tag":"X"}`},
		{"GET", "/api/Orders/GetOrderById?orderId=0a000000-0000-0000-0000-000000000001", ``},
		{"POST", "/api/Orders/AddExtendedProperties", `{"OrderId":"0a000000-0000-0000-0000-000000000001"}`},
		{"POST", "/api/Orders/GetOrderByIdentifier", `{}`},
		{"GET", "/api/Orders/SetOrderShippingInfo", ``},
	}
	for _, b := range bad {
		if err := v.validate(b.method, b.target, auth, []byte(b.body)); err == nil {
			t.Errorf("%s %s %s accepted", b.method, b.target, b.body)
		}
	}
	if err := v.validate("GET", "/api/OpenOrders/GetIdentifiers", http.Header{}, nil); err == nil {
		t.Error("request without Authorization accepted")
	}
}
