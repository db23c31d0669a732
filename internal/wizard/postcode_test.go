package wizard

import (
	"strings"
	"testing"
)

// The sender's postal code rule, branch by branch: required; 2 to 10
// characters; the first a letter or digit; then letters, digits, spaces and
// hyphens only; stored in capitals. The advertised pattern (which Linnworks
// may check in the browser) agrees with the server on every case.
func TestSenderPostcodeRule(t *testing.T) {
	w := newWizard(t, &fakeStream{})
	it := w.byID[ItemSenderPostcode]
	cases := []struct {
		in, want, problem string
	}{
		{"", "", "is required"},
		{"L", "", it.PatternError},           // 1 character: too short
		{"L1", "L1", ""},                     // 2: the shortest
		{"AB12 3CD-EF", "", it.PatternError}, // 11: too long
		{"AB12 3CD-E", "AB12 3CD-E", ""},     // 10: the longest
		{" LS1 4AP", "", it.PatternError},    // starts with a space
		{"-1000", "", it.PatternError},       // starts with a hyphen
		{"LS1 4AP", "LS1 4AP", ""},           // a space inside
		{"1000-001", "1000-001", ""},         // a hyphen inside (Portugal)
		{"10115", "10115", ""},               // digits only (Germany)
		{"ls1 4ap", "LS1 4AP", ""},           // stored in capitals
		{"Ls1 4aP", "LS1 4AP", ""},           // mixed case too
		{"LS1.4AP", "", it.PatternError},     // other punctuation
		{"LS1_4AP", "", it.PatternError},     // underscore
		{"LS1\t4AP", "", it.PatternError},    // a tab is not a space
		{"ÅL 123", "", it.PatternError},      // letters outside A–Z
		{"LS1 4AP\n", "", it.PatternError},   // a trailing newline
	}
	if it.PatternError == "" || !strings.Contains(it.PatternError, "2 to 10") {
		t.Fatalf("PatternError %q does not state the rule", it.PatternError)
	}
	for _, c := range cases {
		got, problem := it.validate(c.in)
		if problem != c.problem || got != c.want {
			t.Errorf("postcode %q = %q, problem %q; want %q, problem %q", c.in, got, problem, c.want, c.problem)
		}
		if c.in != "" && it.re.MatchString(c.in) != (c.problem == "") {
			t.Errorf("postcode %q: advertised pattern matches = %v, server accepts = %v", c.in, it.re.MatchString(c.in), c.problem == "")
		}
	}
}
