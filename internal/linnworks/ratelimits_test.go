package linnworks_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworks/internal/specrate"
	"linnstream/internal/linnworkssandbox"
)

// specDir is the official Swagger 2 files as the repository embeds them for the
// Linnworks sandbox (their digests are checked there). The tests read them from disk
// and parse them on their own, independently of the sandbox's parsing.
func specDir(t *testing.T) string {
	t.Helper()
	dir := filepath.Join("..", "linnworkssandbox", "spec")
	if _, err := os.Stat(filepath.Join(dir, "1.0", "orders.json")); err != nil {
		t.Fatalf("official Linnworks specs not found at %s: %v", dir, err)
	}
	return dir
}

// TestRateLimitTableMatchesSpec keeps the generated table equal to what the official
// specification states, so a spec update cannot drift silently (run go generate).
func TestRateLimitTableMatchesSpec(t *testing.T) {
	limits, err := specrate.ParseDir(filepath.Join(specDir(t), "1.0"))
	if err != nil {
		t.Fatal(err)
	}
	if len(limits) != len(linnworks.RateLimits) {
		t.Errorf("spec states %d endpoint limits, table has %d", len(limits), len(linnworks.RateLimits))
	}
	for _, l := range limits {
		if got, ok := linnworks.RateLimits[l.Path]; !ok || got != l.PerMin {
			t.Errorf("%s: table %d (present %v), spec %d", l.Path, got, ok, l.PerMin)
		}
	}
	// The values the issue names.
	for path, want := range map[string]int{
		"ShippingService/GetIntegrations":  1,
		"Orders/GetOpenOrders":             250,
		"Orders/GetOrderById":              150,
		"OpenOrders/AssignOrderIdentifier": 250,
		"Auth/AuthorizeByApplication":      150,
	} {
		if got := linnworks.RateLimit(path); got != want {
			t.Errorf("RateLimit(%s) = %d, want %d", path, got, want)
		}
	}
}

// TestRateLimitTableMatchesSandbox checks the table against the limits the sandbox reads from
// its embedded copy of the specification, so client and sandbox throttle alike.
func TestRateLimitTableMatchesSandbox(t *testing.T) {
	sandbox, err := linnworkssandbox.RateLimits()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for key, want := range sandbox {
		method, path, _ := strings.Cut(key, " ")
		path, ok := strings.CutPrefix(path, "/api/")
		if !ok {
			continue // v2 operations state no limits
		}
		n++
		if got := linnworks.RateLimit(path); got != want {
			t.Errorf("%s %s: client %d, sandbox %d", method, path, got, want)
		}
	}
	if n != len(linnworks.RateLimits) {
		t.Errorf("sandbox knows %d v1 limits, client %d", n, len(linnworks.RateLimits))
	}
}
