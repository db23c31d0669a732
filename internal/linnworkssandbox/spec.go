package linnworkssandbox

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// specFiles holds byte-identical copies of the official Linnworks OpenAPI files
// (LinnSystems/PublicApiSpecs), embedded so the sandbox runs without ../shared.
//
//go:embed spec/1.0/*.json spec/2.0/*.json
var specFiles embed.FS

// v2Base is the path the v2 API lives under: its servers are https://{eu|us|as}-api.linnworks.net/v2/.
const v2Base = "/v2"

// uuidPattern accepts what .NET's Guid parser accepts for the formats clients send:
// hyphenated ("D") and plain ("N") hexadecimal.
var uuidPattern = regexp.MustCompile(`^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9a-fA-F]{32})$`)

// rateLimitPattern finds the limit in an operation description, which the spec writes as
// `<b>Rate limit: </b><span …><b>150</b></span> / minute`.
var rateLimitPattern = regexp.MustCompile(`Rate limit: </b><span[^>]*><b>(\d+)</b></span> / minute`)

// spec is the parsed set of official API descriptions.
type spec struct {
	docs   []specDoc
	limits map[string]int // "POST /api/Orders/GetOpenOrders" → requests per minute
	opts   *openapi3filter.Options
}

type specDoc struct {
	file   string
	v2     bool
	doc    *openapi3.T
	router routers.Router
}

// route is a matched operation.
type route struct {
	r      *routers.Route
	params map[string]string
	v2     bool
}

var (
	loadOnce  sync.Once
	loaded    *spec
	loadedErr error
)

// officialSpec parses the embedded files once per process; the documents are read-only afterwards.
func officialSpec() (*spec, error) {
	loadOnce.Do(func() { loaded, loadedErr = parseSpec(specFiles) })
	return loaded, loadedErr
}

func parseSpec(files fs.FS) (*spec, error) {
	s := &spec{limits: map[string]int{}}
	names, err := fs.Glob(files, "spec/*/*.json")
	if err != nil {
		return nil, fmt.Errorf("list spec files: %w", err)
	}
	if len(names) == 0 {
		return nil, errors.New("no spec files embedded")
	}
	sort.Strings(names)
	for _, name := range names {
		raw, err := fs.ReadFile(files, name)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		v2 := strings.HasPrefix(name, "spec/2.0/")
		doc, err := convert(raw, v2)
		if err != nil {
			return nil, fmt.Errorf("load %s: %w", name, err)
		}
		// The sandbox answers on any host; only the v2 base path is kept from the servers.
		doc.Servers = nil
		if v2 {
			doc.Servers = openapi3.Servers{{URL: v2Base}}
		}
		router, err := gorillamux.NewRouter(doc)
		if err != nil {
			return nil, fmt.Errorf("route %s: %w", name, err)
		}
		s.docs = append(s.docs, specDoc{file: name, v2: v2, doc: doc, router: router})
		for p, item := range doc.Paths.Map() {
			for method, op := range item.Operations() {
				if m := rateLimitPattern.FindStringSubmatch(op.Description); m != nil {
					n, err := strconv.Atoi(m[1])
					if err != nil {
						return nil, fmt.Errorf("rate limit of %s %s: %w", method, p, err)
					}
					s.limits[method+" "+p] = n
				}
			}
		}
	}
	s.opts = &openapi3filter.Options{
		AuthenticationFunc: requireAuthorizationHeader,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.WithStringFormatValidator("uuid", openapi3.NewRegexpFormatValidator(uuidPattern.String())),
			openapi3.DisableSchemaErrorDetails(),
		},
	}
	return s, nil
}

func convert(raw []byte, v2 bool) (*openapi3.T, error) {
	if v2 {
		doc, err := openapi3.NewLoader().LoadFromData(raw)
		if err != nil {
			return nil, fmt.Errorf("parse openapi 3: %w", err)
		}
		return doc, nil
	}
	var doc2 openapi2.T
	if err := doc2.UnmarshalJSON(raw); err != nil {
		return nil, fmt.Errorf("parse swagger 2: %w", err)
	}
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("convert to openapi 3: %w", err)
	}
	return doc, nil
}

// requireAuthorizationHeader enforces the spec's security scheme (an API key in the
// Authorization header); whether the key is a live session is the sandbox's business.
func requireAuthorizationHeader(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	scheme := in.SecurityScheme
	if scheme == nil || scheme.Type != "apiKey" || scheme.In != "header" {
		return fmt.Errorf("unsupported security scheme %q", in.SecuritySchemeName)
	}
	if in.RequestValidationInput.Request.Header.Get(scheme.Name) == "" {
		return fmt.Errorf("missing %s header", scheme.Name)
	}
	return nil
}

// errPathNotFound and errMethodNotAllowed classify a request no operation matches.
var (
	errPathNotFound     = errors.New("no operation has this path")
	errMethodNotAllowed = errors.New("the path does not support this method")
)

// find returns the operation for method and path (path relative to the sandbox mount).
func (s *spec) find(method, p string) (*route, error) {
	req := &http.Request{Method: method, URL: &url.URL{Path: p}, Host: "sandbox.invalid", Header: http.Header{}}
	notAllowed := false
	for _, d := range s.docs {
		r, params, err := d.router.FindRoute(req)
		switch {
		case err == nil:
			return &route{r: r, params: params, v2: d.v2}, nil
		case errors.Is(err, routers.ErrMethodNotAllowed):
			notAllowed = true
		case errors.Is(err, routers.ErrPathNotFound):
		default:
			return nil, fmt.Errorf("route %s %s in %s: %w", method, p, d.file, err)
		}
	}
	if notAllowed {
		return nil, errMethodNotAllowed
	}
	return nil, errPathNotFound
}

// limit is the requests-per-minute limit the spec states for an operation, 0 if none.
func (s *spec) limit(rt *route) int {
	return s.limits[rt.r.Method+" "+rt.r.Path]
}

// validate checks a request (URL path relative to the mount, query, headers, body) against
// the operation it matched.
func (s *spec) validate(ctx context.Context, rt *route, req *http.Request, body []byte) error {
	clone := req.Clone(ctx)
	clone.Body = io.NopCloser(bytes.NewReader(body))
	clone.ContentLength = int64(len(body))
	in := &openapi3filter.RequestValidationInput{
		Request:    clone,
		PathParams: rt.params,
		Route:      rt.r,
		Options:    s.opts,
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		return err
	}
	return checkNames(rt, req.URL.Query(), body)
}

// validateResponse checks a response against the operation's response schemas.
func (s *spec) validateResponse(ctx context.Context, rt *route, req *http.Request, status int, header http.Header, body []byte) error {
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    req,
			PathParams: rt.params,
			Route:      rt.r,
			Options:    s.opts,
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true, SchemaValidationOptions: s.opts.SchemaValidationOptions},
	}
	return openapi3filter.ValidateResponse(ctx, in)
}

// ValidateRequest checks one request against the official Linnworks OpenAPI files the sandbox
// embeds: that the path and method name an operation, the Authorization header is present where
// the spec requires it, and the parameters and JSON body have the required fields and types.
// target is the path relative to the API host (for v1 "/api/Orders/GetOpenOrders", for v2
// "/v2/orders"), optionally with a query string. The journal entries of the sandbox can be fed
// to it directly.
func ValidateRequest(method, target string, header http.Header, body []byte) error {
	s, err := officialSpec()
	if err != nil {
		return fmt.Errorf("load linnworks spec: %w", err)
	}
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return fmt.Errorf("parse target %q: %w", target, err)
	}
	rt, err := s.find(method, u.Path)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, u.Path, err)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, u.String(), nil)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if err := s.validate(context.Background(), rt, req, body); err != nil {
		return fmt.Errorf("%s %s: %w", method, u.Path, err)
	}
	return nil
}

// RateLimits returns the per-minute limit the official spec states for each v1 operation,
// keyed by "METHOD /api/Controller/Method".
func RateLimits() (map[string]int, error) {
	s, err := officialSpec()
	if err != nil {
		return nil, fmt.Errorf("load linnworks spec: %w", err)
	}
	out := make(map[string]int, len(s.limits))
	for k, v := range s.limits {
		out[k] = v
	}
	return out, nil
}
