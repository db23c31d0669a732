package streamorder

import (
	"sort"
	"strings"
	"testing"
)

// TestCountryTable: the table holds the 249 assigned ISO 3166-1 alpha-2
// codes, each once, in order, and nothing else.
func TestCountryTable(t *testing.T) {
	codes := strings.Fields(countryCodes)
	if len(codes) != 249 {
		t.Errorf("%d codes, want 249", len(codes))
	}
	if !sort.StringsAreSorted(codes) {
		t.Error("codes are not sorted")
	}
	for i, c := range codes {
		if len(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z' {
			t.Errorf("code %q is not two capital letters", c)
		}
		if i > 0 && codes[i-1] == c {
			t.Errorf("code %s repeats", c)
		}
	}
	for _, c := range []string{"ZZ", "EU", "UN", "XK", "QO", "AA", "G", "GBR", ""} {
		if _, ok := country(c); ok {
			t.Errorf("country(%q) is accepted", c)
		}
	}
	for in, want := range map[string]string{"gb": "GB", "uk": "GB", "UK": "GB", "Ie": "IE", "ax": "AX"} {
		if got, ok := country(in); !ok || got != want {
			t.Errorf("country(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}
