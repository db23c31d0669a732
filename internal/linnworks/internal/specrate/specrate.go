// Package specrate reads the per-endpoint rate limits out of the official Linnworks
// OpenAPI (Swagger 2) files, where each operation's description ends with
// "Rate limit: N / minute" in HTML.
package specrate

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// rateText matches the limit inside an operation description, e.g.
// `<b>Rate limit: </b><span style="…"><b>250</b></span> / minute`.
var rateText = regexp.MustCompile(`Rate limit:\s*(?:</b>)?\s*(?:<span[^>]*>)?\s*(?:<b>)?\s*(\d+)\s*(?:</b>)?\s*(?:</span>)?\s*/\s*minute`)

type spec struct {
	Paths map[string]map[string]struct {
		Description string `json:"description"`
	} `json:"paths"`
}

// Limit is one endpoint's stated limit.
type Limit struct {
	Path   string // "Orders/GetOrderById" (the part after /api/)
	Method string // "GET" or "POST"
	PerMin int
	File   string // base name of the spec file it came from
}

// ParseDir reads every *.json file in dir and returns the limits it states, sorted by path.
// An operation without a stated limit is an error: the table must cover every endpoint.
func ParseDir(dir string) ([]Limit, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no spec files in %s", dir)
	}
	var out []Limit
	for _, f := range files {
		ls, err := ParseFile(f)
		if err != nil {
			return nil, err
		}
		out = append(out, ls...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, nil
}

// ParseFile reads one spec file.
func ParseFile(file string) ([]Limit, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var s spec
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, fmt.Errorf("parse %s: %w", file, err)
	}
	var out []Limit
	for p, ops := range s.Paths {
		for method, op := range ops {
			m := rateText.FindStringSubmatch(op.Description)
			if m == nil {
				return nil, fmt.Errorf("%s: %s %s states no rate limit", filepath.Base(file), strings.ToUpper(method), p)
			}
			n, err := strconv.Atoi(m[1])
			if err != nil {
				return nil, fmt.Errorf("%s: %s %s: %w", filepath.Base(file), method, p, err)
			}
			out = append(out, Limit{
				Path:   strings.TrimPrefix(p, "/api/"),
				Method: strings.ToUpper(method),
				PerMin: n,
				File:   filepath.Base(file),
			})
		}
	}
	return out, nil
}
