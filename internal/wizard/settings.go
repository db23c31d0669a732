package wizard

import (
	"strconv"

	"linnstream/internal/profile"
	"linnstream/internal/stream"
)

// Sender is the partner account and the origin address of shipments.
type Sender struct {
	PartnerID   string
	PartnerName string
	ContactName string
	Company     string
	Address1    string
	Address2    string
	City        string
	Region      string
	// Country is an ISO 3166-1 alpha-2 code.
	Country  string
	Postcode string
	Phone    string
}

// Config is a profile's configuration, typed, with defaults for whatever the
// wizard has not stored yet. Other packages read settings through it and
// never parse Profile.Settings themselves.
type Config struct {
	// Stream is the profile's Stream account; its Party is STREAM_PARTY, or
	// the client ID when that is empty.
	Stream stream.Account
	Sender Sender

	UseDefaultLocation bool
	// DefaultLocation is a Linnworks stock location name or ID.
	DefaultLocation        string
	UseCurrentDateAsPickup bool

	LabelReference LabelReference
	LabelFormat    LabelFormat
	// LabelCount is the number of copies of each label, 1 to 5.
	LabelCount int

	SequenceIdentifiers      bool
	MarkProcessedOnDelivered bool
	WebhooksEnabled          bool
	OrderSyncEnabled         bool
	DispatchSyncEnabled      bool
	// LookbackDays is how far back order synchronization looks, 1 to 30.
	LookbackDays int
	// LinnworksAPIToken is the Linnworks application token (a secret);
	// empty when none was given.
	LinnworksAPIToken string
	OrderNumberPrefix string
	// VehicleExtProps writes the driver, vehicle, run and planned date of
	// each planned order as Linnworks extended properties.
	VehicleExtProps bool
}

// WritesToLinnworks reports whether any enabled option writes to the
// Linnworks API (and so needs LinnworksAPIToken).
func (c Config) WritesToLinnworks() bool {
	return c.OrderSyncEnabled || c.DispatchSyncEnabled || c.SequenceIdentifiers || c.MarkProcessedOnDelivered || c.VehicleExtProps
}

var defaults = func() map[string]string {
	m := map[string]string{}
	for _, it := range definitions() {
		m[it.ID] = it.Default
	}
	return m
}()

// Settings returns the typed configuration of p.
func Settings(p *profile.Profile) Config {
	get := func(id string) string {
		if v, ok := storedSetting(p, id); ok {
			return v
		}
		return defaults[id]
	}
	flag := func(id string) bool { return get(id) == "true" }
	num := func(id string, lo, hi int) int {
		n, err := strconv.Atoi(get(id))
		if err != nil || n < lo || n > hi {
			n, _ = strconv.Atoi(defaults[id])
		}
		return n
	}
	c := Config{
		Stream: stream.Account{
			BaseURL:      get(ItemStreamAPIURL),
			ClientID:     get(ItemStreamClientID),
			ClientSecret: p.Secrets[ItemStreamClientSecret],
			Party:        get(ItemStreamParty),
		},
		Sender: Sender{
			PartnerID:   get(ItemPartnerID),
			PartnerName: get(ItemPartnerName),
			ContactName: get(ItemSenderContactName),
			Company:     get(ItemSenderCompany),
			Address1:    get(ItemSenderAddress1),
			Address2:    get(ItemSenderAddress2),
			City:        get(ItemSenderCity),
			Region:      get(ItemSenderRegion),
			Country:     get(ItemSenderCountry),
			Postcode:    get(ItemSenderPostcode),
			Phone:       get(ItemSenderPhone),
		},
		UseDefaultLocation:       flag(ItemUseDefaultLocation),
		DefaultLocation:          get(ItemDefaultLocation),
		UseCurrentDateAsPickup:   flag(ItemUseCurrentDatePickup),
		LabelReference:           LabelReference(get(ItemLabelReference)),
		LabelFormat:              LabelFormat(get(ItemLabelFormat)),
		LabelCount:               num(ItemLabelCount, 1, 5),
		SequenceIdentifiers:      flag(ItemSequenceIdentifiers),
		MarkProcessedOnDelivered: flag(ItemMarkProcessedDelivery),
		WebhooksEnabled:          flag(ItemWebhooksEnabled),
		OrderSyncEnabled:         flag(ItemOrderSyncEnabled),
		DispatchSyncEnabled:      flag(ItemDispatchSyncEnabled),
		LookbackDays:             num(ItemLookbackDays, 1, 30),
		LinnworksAPIToken:        p.Secrets[ItemLinnworksAPIToken],
		OrderNumberPrefix:        get(ItemOrderNumberPrefix),
		VehicleExtProps:          flag(ItemVehicleExtProps),
	}
	if c.Stream.Party == "" {
		c.Stream.Party = c.Stream.ClientID
	}
	return c
}
