package wizard

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ValueType is how Linnworks renders and sends a config item; the numbers are
// the contract's (STRING = 0 … LIST = 5).
type ValueType int

// The config item value types of the shipping-integration contract.
const (
	String   ValueType = 0
	Int      ValueType = 1
	Double   ValueType = 2
	Boolean  ValueType = 3
	Password ValueType = 4
	List     ValueType = 5
)

// Option is one choice of a LIST item.
type Option struct {
	Display string
	Value   string
}

// Stage names (ConfigStatus values), in wizard order. Config is the final,
// active stage in which every item stays editable.
const (
	StageCredentials = "STREAM_CREDENTIALS"
	StageSender      = "SENDER"
	StageLabels      = "LABELS"
	StageSync        = "SYNC"
	StageConfig      = "CONFIG"
)

// ConfigItemIds of the settings the wizard collects. They are at most 20
// characters, the tighter of the contract's two stated limits (one version
// says 40, another 20); renamed.go reads the longer names they replaced.
const (
	ItemStreamAPIURL       = "STREAM_API_URL"
	ItemStreamClientID     = "STREAM_CLIENT_ID"
	ItemStreamClientSecret = "STREAM_CLIENT_SECRET"
	ItemStreamParty        = "STREAM_PARTY"

	ItemPartnerID   = "PARTNER_ID"
	ItemPartnerName = "PARTNER_NAME"

	ItemSenderContactName = "SENDER_CONTACT_NAME"
	ItemSenderCompany     = "SENDER_COMPANY"
	ItemSenderAddress1    = "SENDER_ADDRESS_1"
	ItemSenderAddress2    = "SENDER_ADDRESS_2"
	ItemSenderCity        = "SENDER_CITY"
	ItemSenderRegion      = "SENDER_REGION"
	ItemSenderCountry     = "SENDER_COUNTRY"
	ItemSenderPostcode    = "SENDER_POSTCODE"
	ItemSenderPhone       = "SENDER_PHONE"

	ItemUseDefaultLocation    = "USE_DEFAULT_LOCATION"
	ItemDefaultLocation       = "DEFAULT_LOCATION"
	ItemUseCurrentDatePickup  = "PICKUP_CURRENT_DATE"
	ItemLabelReference        = "LABEL_REFERENCE"
	ItemLabelFormat           = "LABEL_FORMAT"
	ItemLabelCount            = "LABEL_COUNT"
	ItemSequenceIdentifiers   = "SEQUENCE_IDENTIFIERS"
	ItemMarkProcessedDelivery = "PROCESS_ON_DELIVERED"
	ItemWebhooksEnabled       = "WEBHOOKS_ENABLED"
	ItemWebhookURL            = "WEBHOOK_URL"
	// ItemSyncLastRun and ItemSyncFinished are read-only lines of the
	// CONFIG stage: what the last order sync did, and whether it finished.
	ItemSyncLastRun         = "SYNC_LAST_RUN"
	ItemSyncFinished        = "SYNC_FINISHED"
	ItemOrderSyncEnabled    = "ORDER_SYNC_ENABLED"
	ItemDispatchSyncEnabled = "DISPATCH_SYNC"
	ItemLookbackDays        = "LOOKBACK_DAYS"
	ItemLinnworksAPIToken   = "LINNWORKS_API_TOKEN"
	ItemOrderNumberPrefix   = "ORDER_NUMBER_PREFIX"
	ItemVehicleExtProps     = "VEHICLE_EXT_PROPS"
)

// LabelFormat is the layout of the rendered shipping label (guide Module 5).
type LabelFormat string

// The label formats of the guide.
const (
	LabelDefault4x6       LabelFormat = "DEFAULT_4X6"
	LabelPortraitNoQR     LabelFormat = "PORTRAIT_NO_QR"
	LabelPortraitStandard LabelFormat = "PORTRAIT_STANDARD"
	LabelCompact100x50    LabelFormat = "COMPACT_100X50"
)

// LabelReference is the identifier printed on the label as the reference.
type LabelReference string

// The label reference types.
const (
	RefOrderID       LabelReference = "ORDER_ID"
	RefOrderRef      LabelReference = "ORDER_REFERENCE"
	RefConsignmentNo LabelReference = "CONSIGNMENT_NO"
)

// DefaultStreamAPIURL is the Stream demo API, offered as the default base URL.
const DefaultStreamAPIURL = "https://www.demo.go2stream.net/api"

// Group names: the configuration sections of the guide's Module 3.
const (
	groupCredentials = "Stream API Credentials"
	groupPartner     = "Partner Account"
	groupSender      = "Sender Address"
	groupWarehouse   = "Warehouse Configuration"
	groupDate        = "Date Configuration"
	groupAdvanced    = "Advanced Settings"
	groupLabel       = "Label Configuration"
	groupStream      = "Stream Configuration"
	groupWebhook     = "Webhook Configuration"
	groupSync        = "Order Synchronization"
)

// maxValueLen is the contract's limit for SelectedValue.
const maxValueLen = 255

// Item is the definition of one config item: what UserConfig shows and what
// UpdateConfig enforces. Pattern is both the advertised RegExValidation and
// the first server-side rule, so the two cannot drift apart.
type Item struct {
	ID          string
	Name        string
	Description string
	Group       string
	SortOrder   int
	Type        ValueType
	Options     []Option
	// Pattern is the RegExValidation ("" for none); PatternError its message.
	Pattern      string
	PatternError string
	Required     bool
	ReadOnly     bool
	Default      string

	re *regexp.Regexp
	// normalize canonicalises a trimmed value that passed Pattern.
	normalize func(string) string
	// check is a rule beyond Pattern and Options (a code list, for
	// example); it returns the problem without repeating the value.
	check func(string) string
}

// Secret reports whether the item's value is kept in Profile.Secrets and
// never shown.
func (it *Item) Secret() bool { return it.Type == Password }

// validate returns the canonical form of a trimmed value, or a problem
// phrased without the value (values can be personal data and must not reach
// logs through error messages).
func (it *Item) validate(v string) (string, string) {
	if utf8.RuneCountInString(v) > maxValueLen {
		return "", fmt.Sprintf("must be at most %d characters", maxValueLen)
	}
	if v == "" {
		if it.Required {
			return "", "is required"
		}
		return "", ""
	}
	switch it.Type {
	case Boolean:
		switch strings.ToLower(v) {
		case "true":
			return "true", ""
		case "false":
			return "false", ""
		}
		return "", `must be "true" or "false"`
	case List:
		for _, o := range it.Options {
			if strings.EqualFold(o.Value, v) {
				return o.Value, ""
			}
		}
		vals := make([]string, len(it.Options))
		for i, o := range it.Options {
			vals[i] = o.Value
		}
		return "", "must be one of " + strings.Join(vals, ", ")
	case Int:
		if _, err := strconv.Atoi(v); err != nil {
			return "", "must be a whole number"
		}
	}
	if it.re != nil && !it.re.MatchString(v) {
		return "", it.PatternError
	}
	if it.normalize != nil {
		v = it.normalize(v)
	}
	if it.check != nil {
		if p := it.check(v); p != "" {
			return "", p
		}
	}
	return v, ""
}

// Patterns use the subset of regular-expression syntax that Go, .NET and
// JavaScript read the same way, since Linnworks may check them client-side.
const (
	patternURL = `^https://[^\s/?#@]+(/[^\s?#]*)?$`
	// patternLocalURL also admits plain http on this machine, for the
	// sandbox of the local runtime (Options.AllowLoopbackHTTP).
	patternLocalURL = `^(https://[^\s/?#@]+|http://(127\.0\.0\.1|localhost|\[::1\])(:[0-9]{1,5})?)(/[^\s?#]*)?$`
	patternToken    = `^[!-~]+$`
	patternOptToken = `^[!-~]*$`
	patternText     = `^[^\r\n\t]*$`
	patternCountry  = `^[A-Za-z]{2}$`
	patternPostcode = `^[A-Za-z0-9][A-Za-z0-9 -]{1,9}$`
	patternPhone    = `^\+?[0-9][0-9 ()-]{5,24}$`
	patternLookback = `^([1-9]|[12][0-9]|30)$`
	patternGUID     = `^([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{32})?$`
	patternPrefix   = `^[A-Za-z0-9_-]{0,10}$`
)

// definitions returns every item in display order. It is called once, by
// newCatalog.
func definitions() []Item {
	text := func(max int) func(string) string {
		return func(v string) string {
			if len([]rune(v)) > max {
				return fmt.Sprintf("must be at most %d characters", max)
			}
			return ""
		}
	}
	return []Item{
		// Stream API Credentials
		{ID: ItemStreamAPIURL, Name: "Stream API base URL", Group: groupCredentials, Type: String,
			Description: "Base URL of the Stream API, e.g. https://www.demo.go2stream.net/api",
			Pattern:     patternURL, PatternError: "Enter an https:// URL without query or fragment",
			Required: true, Default: DefaultStreamAPIURL,
			normalize: func(v string) string { return strings.TrimRight(v, "/") }},
		{ID: ItemStreamClientID, Name: "Stream client ID", Group: groupCredentials, Type: String,
			Description: "Client ID of your Stream API credentials",
			Pattern:     patternToken, PatternError: "The client ID cannot contain spaces",
			Required: true},
		{ID: ItemStreamClientSecret, Name: "Stream client secret", Group: groupCredentials, Type: Password,
			Description: "Client secret of your Stream API credentials; leave empty to keep the saved one",
			Pattern:     patternOptToken, PatternError: "The client secret cannot contain spaces",
			Required: true},
		{ID: ItemStreamParty, Name: "Stream party", Group: groupCredentials, Type: String,
			Description: "Stream party code, if Stream gave you one; empty means the client ID",
			Pattern:     patternOptToken, PatternError: "The party code cannot contain spaces",
			check: text(50)},

		// Partner Account
		{ID: ItemPartnerID, Name: "Partner ID", Group: groupPartner, Type: String,
			Description: "Stream partner account ID, if your Stream account is run by a partner",
			Pattern:     patternOptToken, PatternError: "The partner ID cannot contain spaces",
			check: text(50)},
		{ID: ItemPartnerName, Name: "Partner name", Group: groupPartner, Type: String,
			Description: "Name of the Stream partner account",
			Pattern:     patternText, PatternError: "Use a single line of text", check: text(100)},

		// Sender Address
		{ID: ItemSenderContactName, Name: "Contact name", Group: groupSender, Type: String,
			Description: "Person to contact at the sender address",
			Pattern:     patternText, PatternError: "Use a single line of text", Required: true, check: text(100)},
		{ID: ItemSenderCompany, Name: "Company name", Group: groupSender, Type: String,
			Description: "Company shipping the orders; may appear on labels",
			Pattern:     patternText, PatternError: "Use a single line of text", Required: true, check: text(100)},
		{ID: ItemSenderAddress1, Name: "Address line 1", Group: groupSender, Type: String,
			Description: "First line of the sender address",
			Pattern:     patternText, PatternError: "Use a single line of text", Required: true, check: text(100)},
		{ID: ItemSenderAddress2, Name: "Address line 2", Group: groupSender, Type: String,
			Description: "Second line of the sender address (optional)",
			Pattern:     patternText, PatternError: "Use a single line of text", check: text(100)},
		{ID: ItemSenderCity, Name: "City", Group: groupSender, Type: String,
			Description: "Town or city of the sender address",
			Pattern:     patternText, PatternError: "Use a single line of text", Required: true, check: text(60)},
		{ID: ItemSenderRegion, Name: "Region / state", Group: groupSender, Type: String,
			Description: "County, region or state of the sender address",
			Pattern:     patternText, PatternError: "Use a single line of text", Required: true, check: text(60)},
		{ID: ItemSenderCountry, Name: "Country", Group: groupSender, Type: String,
			Description: "Two-letter ISO 3166 country code, e.g. GB",
			Pattern:     patternCountry, PatternError: "Enter a two-letter country code such as GB",
			Required: true, Default: "GB",
			normalize: normalizeCountry,
			check: func(v string) string {
				if !isCountryCode(v) {
					return "is not an ISO 3166 country code"
				}
				return ""
			}},
		{ID: ItemSenderPostcode, Name: "Postal code", Group: groupSender, Type: String,
			Description: "Postal code of the sender address",
			Pattern:     patternPostcode, PatternError: "Enter a postal code of 2 to 10 letters, digits, spaces or hyphens",
			Required: true, normalize: strings.ToUpper},
		{ID: ItemSenderPhone, Name: "Contact phone number", Group: groupSender, Type: String,
			Description: "Phone number of the sender contact, e.g. +44 20 7946 0000",
			Pattern:     patternPhone, PatternError: "Enter a phone number of digits, spaces, brackets or hyphens, optionally starting with +",
			Required: true},

		// Warehouse Configuration
		{ID: ItemUseDefaultLocation, Name: "Use default warehouse location", Group: groupWarehouse, Type: Boolean,
			Description: "Use the location below for every shipment created through the integration",
			Default:     "true", Required: true},
		{ID: ItemDefaultLocation, Name: "Default warehouse location", Group: groupWarehouse, Type: String,
			Description: "Linnworks stock location name or ID; required when the option above is on",
			Pattern:     patternText, PatternError: "Use a single line of text",
			Default: "Default", check: text(100)},

		// Date Configuration
		{ID: ItemUseCurrentDatePickup, Name: "Use current date as pickup date", Group: groupDate, Type: Boolean,
			Description: "Set the pickup date of each shipment to the day it is created",
			Default:     "true", Required: true},

		// Label Configuration
		{ID: ItemLabelReference, Name: "Label reference type", Group: groupLabel, Type: List,
			Description: "Identifier printed on the label as its reference",
			Options: []Option{
				{Display: "Linnworks order ID", Value: string(RefOrderID)},
				{Display: "Order reference", Value: string(RefOrderRef)},
				{Display: "Stream consignment number", Value: string(RefConsignmentNo)},
			},
			Default: string(RefOrderID), Required: true},
		{ID: ItemLabelFormat, Name: "Label format", Group: groupLabel, Type: List,
			Description: "Layout of the shipping label",
			Options: []Option{
				{Display: "Default (4×6 with QR & Barcode)", Value: string(LabelDefault4x6)},
				{Display: "Portrait without QR (4×6)", Value: string(LabelPortraitNoQR)},
				{Display: "Portrait Standard (A6)", Value: string(LabelPortraitStandard)},
				{Display: "Compact (100x50mm without QR)", Value: string(LabelCompact100x50)},
			},
			Default: string(LabelDefault4x6), Required: true},
		{ID: ItemLabelCount, Name: "Number of labels", Group: groupLabel, Type: List,
			Description: "Copies of the label generated for each package",
			Options: []Option{
				{Display: "1 label copy", Value: "1"},
				{Display: "2 label copies", Value: "2"},
				{Display: "3 label copies", Value: "3"},
				{Display: "4 label copies", Value: "4"},
				{Display: "5 label copies", Value: "5"},
			},
			Default: "1", Required: true},

		// Stream Configuration
		{ID: ItemSequenceIdentifiers, Name: "Apply sequence identifiers", Group: groupStream, Type: Boolean,
			Description: "Tag orders with their delivery sequence (SEQ nn) from Stream; needs the Linnworks API token",
			Default:     "false", Required: true},
		{ID: ItemMarkProcessedDelivery, Name: "Mark order processed on delivered", Group: groupStream, Type: Boolean,
			Description: "Process the Linnworks order when Stream reports it delivered; needs the Linnworks API token",
			Default:     "false", Required: true},

		// Webhook Configuration
		{ID: ItemWebhooksEnabled, Name: "Enable webhooks", Group: groupWebhook, Type: Boolean,
			Description: "Let Stream notify this integration of shipment events as they happen",
			Default:     "true", Required: true},
		{ID: ItemWebhookURL, Name: "Webhook URL", Group: groupWebhook, Type: String,
			Description: "The address Stream sends this integration's events to",
			ReadOnly:    true},

		// Order Synchronization
		{ID: ItemOrderSyncEnabled, Name: "Enable order synchronization", Group: groupSync, Type: Boolean,
			Description: "Send eligible open Linnworks orders to Stream; needs the Linnworks API token",
			Default:     "false", Required: true},
		{ID: ItemDispatchSyncEnabled, Name: "Enable dispatch synchronization", Group: groupSync, Type: Boolean,
			Description: "Write tracking, run, day and status updates from Stream back to Linnworks",
			Default:     "false", Required: true},
		{ID: ItemLookbackDays, Name: "Order lookback days", Group: groupSync, Type: Int,
			Description: "How many days back order synchronization looks for orders (1 to 30)",
			Pattern:     patternLookback, PatternError: "Enter a number of days from 1 to 30",
			Default: "7", Required: true},
		{ID: ItemSyncLastRun, Name: "Last order sync", Group: groupSync, Type: String,
			Description: "When order sync last ran: orders considered, sent, not sent, and skipped by reason",
			ReadOnly:    true},
		{ID: ItemSyncFinished, Name: "Last order sync finished", Group: groupSync, Type: String,
			Description: "Whether the last run reached the last order; a stopped run resumes where it stopped",
			ReadOnly:    true},

		// Advanced Settings
		{ID: ItemLinnworksAPIToken, Name: "Linnworks API token", Group: groupAdvanced, Type: Password,
			Description: "Linnworks application token; required when synchronization or updates to Linnworks are on",
			Pattern:     patternGUID, PatternError: "Enter the token as a GUID (32 hexadecimal digits, hyphens optional)",
			normalize: canonicalGUID},
		{ID: ItemOrderNumberPrefix, Name: "Stream order number prefix", Group: groupAdvanced, Type: String,
			Description: "Prefix of Stream order numbers (up to 10 letters, digits, _ or -), unique per Stream account",
			Pattern:     patternPrefix, PatternError: "Use up to 10 letters, digits, underscores or hyphens"},
		{ID: ItemVehicleExtProps, Name: "Write vehicle details to orders", Group: groupAdvanced, Type: Boolean,
			Description: "Driver, vehicle, run and planned date as order extended properties (stream_…)",
			Default:     "false", Required: true},
	}
}

// canonicalGUID returns a GUID of either form as lower-case hyphenated text;
// other input is returned unchanged.
func canonicalGUID(v string) string {
	h := strings.ToLower(strings.ReplaceAll(v, "-", ""))
	if len(h) != 32 {
		return v
	}
	for _, c := range h {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return v
		}
	}
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
