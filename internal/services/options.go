package services

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"linnstream/internal/profile"
)

// ConfigItemIds of the per-service options Linnworks shows on a service's
// settings and sends back with GenerateLabel. They are at most 20
// characters, the tighter of the contract's two stated limits.
const (
	OptionOverridePackagingSplit = "OVERRIDE_PACK_SPLIT"
	OptionSkipCompositeParent    = "SKIP_COMPOSITE"
	OptionServiceLevel           = "SERVICE_LEVEL"
	OptionFlatRate               = "FLAT_RATE"
)

// Kind is the value type of an option.
type Kind int

// Option kinds; the contract layer maps them to its ValueType numbers.
const (
	KindString Kind = iota
	KindBoolean
	KindDouble
)

// MaxServiceLevelLength bounds the service level: it is a name configured
// in Stream, and the contract caps SelectedValue at 255.
const MaxServiceLevelLength = 100

// MaxFlatRate bounds the flat rate, to catch a mistyped value.
const MaxFlatRate = 100000

// OptionDef describes one per-service option.
type OptionDef struct {
	ID          string
	Name        string
	Description string
	Kind        Kind
	// Default is the value used when none is given.
	Default   string
	SortOrder int
	// Pattern is a client-side validation regex ("" for none) and
	// PatternError its message.
	Pattern      string
	PatternError string
}

// OptionDefs returns the per-service options in display order. Names are at
// most 50 characters and descriptions at most 100, the contract's limits.
func OptionDefs() []OptionDef {
	return []OptionDef{
		{
			ID: OptionOverridePackagingSplit, Name: "Override Packaging Split", Kind: KindBoolean, Default: "false", SortOrder: 1,
			Description: "Group or split packages by your own packaging rules instead of the default",
		},
		{
			// GenerateLabel's items (§6.7 of the contract: ItemName,
			// ProductCode, Quantity, UnitValue, UnitWeight, dimensions,
			// ExtendedProperties) say nothing of composites: no parent
			// flag, no component list. Only an order read from the
			// Linnworks API (OrderItem.CompositeSubItems), as the sync
			// reads it, has the structure to act on.
			ID: OptionSkipCompositeParent, Name: "Skip Composite Parent", Kind: KindBoolean, Default: "false", SortOrder: 2,
			Description: "Synced orders only: send composite products as their components (label requests list no components)",
		},
		{
			ID: OptionServiceLevel, Name: "Stream service level", Kind: KindString, Default: "", SortOrder: 3,
			Description: "A service level configured in Stream; empty uses the account default",
			Pattern:     `^.{0,100}$`, PatternError: "At most 100 characters",
		},
		{
			ID: OptionFlatRate, Name: "Flat rate for quotes", Kind: KindDouble, Default: "0", SortOrder: 4,
			Description: "Cost quoted for this service, in the order currency; 0 when not set",
			Pattern:     `^\s*\d{0,6}(\.\d{1,4})?\s*$`, PatternError: "A non-negative amount, e.g. 4.95",
		},
	}
}

// Options are a service's option values, typed.
type Options struct {
	OverridePackagingSplit bool
	// SkipCompositeParent sends a composite item's components instead of
	// it. It changes orders built from the Linnworks API, whose items list
	// their components; GenerateLabel's items carry no such list, so on a
	// label request it changes nothing.
	SkipCompositeParent bool
	// ServiceLevel is Stream's serviceLevel; "" leaves it to the account
	// default.
	ServiceLevel string
	// FlatRate is the quoted cost, 0 by default.
	FlatRate float64
}

// ParseOptions types the option values of one service, keyed by
// ConfigItemId (as GenerateLabel's service config array carries them).
// Missing or empty values take the default; ids that are not options are
// ignored. A value that does not parse is an error naming the option.
func ParseOptions(values map[string]string) (Options, error) {
	var o Options
	var err error
	if o.OverridePackagingSplit, err = parseBool(values, OptionOverridePackagingSplit, "Override Packaging Split"); err != nil {
		return Options{}, err
	}
	if o.SkipCompositeParent, err = parseBool(values, OptionSkipCompositeParent, "Skip Composite Parent"); err != nil {
		return Options{}, err
	}
	o.ServiceLevel = strings.TrimSpace(values[OptionServiceLevel])
	if n := len([]rune(o.ServiceLevel)); n > MaxServiceLevelLength {
		return Options{}, fmt.Errorf("option Stream service level is %d characters; at most %d are allowed", n, MaxServiceLevelLength)
	}
	if o.FlatRate, err = ParseFlatRate(values[OptionFlatRate]); err != nil {
		return Options{}, err
	}
	return o, nil
}

func parseBool(values map[string]string, id, name string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(values[id])) {
	case "", "false", "0", "no":
		return false, nil
	case "true", "1", "yes":
		return true, nil
	}
	return false, fmt.Errorf("option %s must be true or false, not %q", name, values[id])
}

// ParseFlatRate parses a flat-rate value: "" is 0; otherwise a finite,
// non-negative decimal of at most MaxFlatRate.
func ParseFlatRate(v string) (float64, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, nil
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("option Flat rate for quotes must be a number, not %q", v)
	}
	if f < 0 || f > MaxFlatRate {
		return 0, fmt.Errorf("option Flat rate for quotes must be between 0 and %d, not %s", MaxFlatRate, v)
	}
	return f, nil
}

// flatRatePrefix prefixes the profile setting that stores a service's flat
// rate. Quote requests carry no service config, so the rate Linnworks last
// sent for a service (with GenerateLabel) is kept on the profile.
const flatRatePrefix = "SERVICE_FLAT_RATE:"

// FlatRateSetting is the profile setting key of a service's stored flat
// rate.
func FlatRateSetting(serviceID string) string {
	if n := normaliseID(serviceID); n != "" {
		serviceID = n
	}
	return flatRatePrefix + serviceID
}

// StoredFlatRate returns the flat rate stored on the profile for a service;
// 0 when none is stored or the stored value does not parse.
func StoredFlatRate(p *profile.Profile, serviceID string) float64 {
	f, err := ParseFlatRate(p.Settings[FlatRateSetting(serviceID)])
	if err != nil {
		return 0
	}
	return f
}

// RecordFlatRate stores a service's flat rate on the profile (in memory)
// and reports whether the value changed, so that the caller saves the
// profile only then. A zero rate removes the setting.
func RecordFlatRate(p *profile.Profile, serviceID string, rate float64) bool {
	key := FlatRateSetting(serviceID)
	old, had := p.Settings[key]
	if rate == 0 {
		if !had {
			return false
		}
		delete(p.Settings, key)
		return true
	}
	v := strconv.FormatFloat(rate, 'f', -1, 64)
	if had && old == v {
		return false
	}
	if p.Settings == nil {
		p.Settings = map[string]string{}
	}
	p.Settings[key] = v
	return true
}

// optionsPrefix prefixes the profile setting that stores the options
// Linnworks last sent for a service. Linnworks keeps the user's option
// values and sends them only with GenerateLabel; the order sync, which
// has no such request, reads them from here.
const optionsPrefix = "SERVICE_OPTIONS:"

// OptionsSetting is the profile setting key of a service's stored options.
func OptionsSetting(serviceID string) string {
	if n := normaliseID(serviceID); n != "" {
		serviceID = n
	}
	return optionsPrefix + serviceID
}

// encodeOptions is the stored form of the options that shape a Stream
// order (the flat rate is kept apart, for Quote).
func encodeOptions(o Options) string {
	return fmt.Sprintf("%s=%t;%s=%t;%s=%s", OptionOverridePackagingSplit, o.OverridePackagingSplit,
		OptionSkipCompositeParent, o.SkipCompositeParent, OptionServiceLevel, o.ServiceLevel)
}

// StoredOptions returns the options stored on the profile for a service,
// and whether any are stored; the defaults when none are (or they no
// longer parse).
func StoredOptions(p *profile.Profile, serviceID string) (Options, bool) {
	raw, ok := p.Settings[OptionsSetting(serviceID)]
	if !ok {
		return Options{}, false
	}
	values := map[string]string{}
	for _, part := range strings.SplitN(raw, ";", 3) {
		k, v, _ := strings.Cut(part, "=")
		values[k] = v
	}
	o, err := ParseOptions(values)
	if err != nil {
		return Options{}, false
	}
	return o, true
}

// RecordOptions stores a service's options on the profile (in memory) and
// reports whether the stored value changed.
func RecordOptions(p *profile.Profile, serviceID string, o Options) bool {
	key, v := OptionsSetting(serviceID), encodeOptions(o)
	if old, had := p.Settings[key]; had && old == v {
		return false
	}
	if p.Settings == nil {
		p.Settings = map[string]string{}
	}
	p.Settings[key] = v
	return true
}
