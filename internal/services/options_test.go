package services_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"linnstream/internal/profile"
	"linnstream/internal/services"
)

func TestOptionDefs(t *testing.T) {
	defs := services.OptionDefs()
	want := []struct {
		id   string
		name string
		kind services.Kind
		def  string
	}{
		{services.OptionOverridePackagingSplit, "Override Packaging Split", services.KindBoolean, "false"},
		{services.OptionSkipCompositeParent, "Skip Composite Parent", services.KindBoolean, "false"},
		{services.OptionServiceLevel, "Stream service level", services.KindString, ""},
		{services.OptionFlatRate, "Flat rate for quotes", services.KindDouble, "0"},
	}
	if len(defs) != len(want) {
		t.Fatalf("got %d option definitions, want %d", len(defs), len(want))
	}
	for i, d := range defs {
		w := want[i]
		if d.ID != w.id || d.Name != w.name || d.Kind != w.kind || d.Default != w.def || d.SortOrder != i+1 {
			t.Errorf("option %d = %+v, want %+v", i, d, w)
		}
		if len(d.ID) > 20 || utf8.RuneCountInString(d.Name) > 50 || utf8.RuneCountInString(d.Description) > 100 || d.Description == "" {
			t.Errorf("option %s breaks the contract's limits (id ≤ 20, name ≤ 50, description 1..100)", d.ID)
		}
	}
	// GenerateLabel requests carry no composite structure, so the option
	// must tell the user it only changes synced orders, and why.
	if d := defs[1].Description; !strings.HasPrefix(d, "Synced orders only") || !strings.Contains(d, "label requests list no components") {
		t.Errorf("Skip Composite Parent description %q does not say it applies to synced orders only, and why", d)
	}
}

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name    string
		values  map[string]string
		want    services.Options
		wantErr string
	}{
		{name: "defaults", values: nil, want: services.Options{}},
		{name: "all set", values: map[string]string{
			services.OptionOverridePackagingSplit: "true",
			services.OptionSkipCompositeParent:    "True",
			services.OptionServiceLevel:           "  Next Day ",
			services.OptionFlatRate:               "4.95",
			"SOMETHING_ELSE":                      "ignored",
		}, want: services.Options{OverridePackagingSplit: true, SkipCompositeParent: true, ServiceLevel: "Next Day", FlatRate: 4.95}},
		{name: "explicit false and empty rate", values: map[string]string{
			services.OptionOverridePackagingSplit: "false", services.OptionSkipCompositeParent: "0", services.OptionFlatRate: " ",
		}, want: services.Options{}},
		{name: "bad boolean", values: map[string]string{services.OptionSkipCompositeParent: "maybe"}, wantErr: `Skip Composite Parent must be true or false, not "maybe"`},
		{name: "bad rate", values: map[string]string{services.OptionFlatRate: "4,95"}, wantErr: `Flat rate for quotes must be a number, not "4,95"`},
		{name: "negative rate", values: map[string]string{services.OptionFlatRate: "-1"}, wantErr: "must be between 0 and 100000"},
		{name: "NaN rate", values: map[string]string{services.OptionFlatRate: "NaN"}, wantErr: "must be a number"},
		{name: "huge rate", values: map[string]string{services.OptionFlatRate: "1e9"}, wantErr: "must be between 0 and 100000"},
		{name: "long service level", values: map[string]string{services.OptionServiceLevel: strings.Repeat("x", 101)}, wantErr: "Stream service level is 101 characters; at most 100"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := services.ParseOptions(tt.values)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("ParseOptions = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestStoredFlatRate(t *testing.T) {
	p := &profile.Profile{}
	id := "E355D6D0-A8B0-5655-98A3-8F5B557B9C4C"
	if got := services.StoredFlatRate(p, id); got != 0 {
		t.Fatalf("rate of a profile without settings = %v", got)
	}
	if !services.RecordFlatRate(p, id, 3.5) {
		t.Fatal("first RecordFlatRate reported no change")
	}
	if services.RecordFlatRate(p, strings.ToLower(id), 3.5) {
		t.Error("recording the same rate under another spelling of the id reported a change")
	}
	if got := services.StoredFlatRate(p, strings.ReplaceAll(strings.ToLower(id), "-", "")); got != 3.5 {
		t.Errorf("StoredFlatRate = %v, want 3.5", got)
	}
	if got := p.Settings[services.FlatRateSetting(id)]; got != "3.5" {
		t.Errorf("stored setting = %q", got)
	}
	if !services.RecordFlatRate(p, id, 0) || len(p.Settings) != 0 {
		t.Errorf("recording 0 did not remove the setting: %v", p.Settings)
	}
	p.Settings = map[string]string{services.FlatRateSetting(id): "garbage"}
	if got := services.StoredFlatRate(p, id); got != 0 {
		t.Errorf("StoredFlatRate of a garbled value = %v, want 0", got)
	}
}

// A service's options stored on the profile come back as recorded, are
// stored once, and default when none are.
func TestStoredOptionsRoundTrip(t *testing.T) {
	p := &profile.Profile{}
	const id = "6F1C2A8E-53D4-4B07-9A31-0E7BC25894AD"
	if o, ok := services.StoredOptions(p, id); ok || o != (services.Options{}) {
		t.Fatalf("no options stored: %+v %v", o, ok)
	}
	want := services.Options{SkipCompositeParent: true, ServiceLevel: "NEXT=DAY;AM"}
	if !services.RecordOptions(p, id, want) || services.RecordOptions(p, id, want) {
		t.Fatal("RecordOptions should report a change once")
	}
	if got, ok := services.StoredOptions(p, "6f1c2a8e53d44b079a310e7bc25894ad"); !ok || got != want {
		t.Fatalf("stored %+v, read back %+v (%v)", want, got, ok)
	}
}
