package stack

import (
	"encoding/json"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

func TestManifestListsEveryEndpoint(t *testing.T) {
	raw, err := Manifest("https://abc123.execute-api.eu-west-2.amazonaws.com/", Vendor{Name: "LINNSTREAM", FriendlyName: "Stream", LogoURL: "https://example.com/logo.png"})
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Modules []struct {
			Type       string `json:"type"`
			Parameters []struct {
				Name, Value string
			} `json:"parameters"`
		} `json:"modules"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("manifest is not strict JSON: %v", err)
	}
	if len(m.Modules) != 2 || m.Modules[0].Type != "ExternalApplication" || m.Modules[1].Type != "ShippingIntegration" {
		t.Fatalf("modules = %+v", m.Modules)
	}
	got := map[string]string{}
	for _, p := range m.Modules[1].Parameters {
		got[p.Name] = p.Value
	}
	if got["VendorName"] != "LINNSTREAM" || got["VendorLogoURL"] != "https://example.com/logo.png" {
		t.Errorf("vendor parameters = %v", got)
	}
	if got["AddNewUserEndpoint"] != "https://abc123.execute-api.eu-west-2.amazonaws.com/linnworks/AddNewUser" {
		t.Errorf("AddNewUserEndpoint = %q", got["AddNewUserEndpoint"])
	}
	if len(got) != 3+11 {
		t.Errorf("%d parameters, want the 3 vendor ones and the contract's 11: %v", len(got), got)
	}
	if got["ConfigDeletedEndpoint"] != "https://abc123.execute-api.eu-west-2.amazonaws.com/linnworks/ConfigDeleted" {
		t.Errorf("ConfigDeletedEndpoint = %q", got["ConfigDeletedEndpoint"])
	}
	for _, e := range Endpoints {
		if e.ManifestParam == "" {
			continue
		}
		if !strings.HasSuffix(got[e.ManifestParam], e.Paths[0]) {
			t.Errorf("%s = %q", e.ManifestParam, got[e.ManifestParam])
		}
	}
}

func TestManifestRefusesBadInput(t *testing.T) {
	cases := []struct {
		base string
		v    Vendor
		want string
	}{
		{"not a url", DefaultVendor, "absolute"},
		{"ftp://x", DefaultVendor, "absolute"},
		{"https://x", Vendor{Name: "lower"}, "upper case"},
		{"https://x", Vendor{Name: "WAY_TOO_LONG_FOR_LINNWORKS_X"}, "24"},
		{"https://x", Vendor{Name: "HAS SPACE"}, "spaces"},
	}
	for _, c := range cases {
		_, err := Manifest(c.base, c.v)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Manifest(%q, %+v) error = %v, want mention of %q", c.base, c.v, err, c.want)
		}
	}
}

// TestMakeInvokeListsWhatInvokeRuns checks that `make invoke` without FN
// names exactly the functions internal/invoke runs: the HTTP endpoints, not
// the queue and schedule workers, which take no API Gateway event.
func TestMakeInvokeListsWhatInvokeRuns(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("SKIPPED: make is not installed")
	}
	out, _ := exec.Command("make", "-s", "-C", repoRoot, "invoke").CombinedOutput()
	var listed []string
	for _, line := range strings.Split(string(out), "\n") {
		if rest, ok := strings.CutPrefix(line, "functions: "); ok {
			listed = strings.Fields(rest)
		}
	}
	var want []string
	for _, e := range Endpoints {
		want = append(want, e.LogicalID)
	}
	if !slices.Equal(listed, want) {
		t.Errorf("make invoke lists %v, want the endpoints %v\n%s", listed, want, out)
	}
}
