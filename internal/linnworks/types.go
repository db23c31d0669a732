package linnworks

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Time is a Linnworks timestamp. Linnworks writes ISO-8601 with an offset
// ("2023-01-10T13:49:54.541253+00:00") but some endpoints omit the offset; those are read
// as UTC. A null or empty value is the zero time, and the zero time is written as null.
type Time struct{ time.Time }

var localLayouts = []string{
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// UnmarshalJSON implements json.Unmarshaler.
func (t *Time) UnmarshalJSON(b []byte) error {
	if bytes.Equal(b, []byte("null")) {
		t.Time = time.Time{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("linnworks time: %w", err)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		t.Time = time.Time{}
		return nil
	}
	if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
		t.Time = v
		return nil
	}
	for _, layout := range localLayouts {
		if v, err := time.ParseInLocation(layout, s, time.UTC); err == nil {
			t.Time = v
			return nil
		}
	}
	return fmt.Errorf("linnworks time: cannot parse %q", s)
}

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	return json.Marshal(t.UTC().Format(time.RFC3339Nano))
}

// Order is an open order or order details as Linnworks returns them (OpenOrder and
// OrderDetails in the specification; OrderDetails adds Processed, ExtendedProperties and
// Notes).
type Order struct {
	OrderID              string             `json:"OrderId"`
	NumOrderID           int                `json:"NumOrderId"`
	Processed            bool               `json:"Processed,omitempty"`
	ProcessedDateTime    Time               `json:"ProcessedDateTime,omitzero"`
	FulfilmentLocationID string             `json:"FulfilmentLocationId,omitempty"`
	GeneralInfo          GeneralInfo        `json:"GeneralInfo"`
	ShippingInfo         ShippingInfo       `json:"ShippingInfo"`
	CustomerInfo         CustomerInfo       `json:"CustomerInfo"`
	TotalsInfo           TotalsInfo         `json:"TotalsInfo"`
	ExtendedProperties   []ExtendedProperty `json:"ExtendedProperties,omitempty"`
	FolderName           []string           `json:"FolderName,omitempty"`
	Items                []OrderItem        `json:"Items,omitempty"`
	Notes                []OrderNote        `json:"Notes,omitempty"`
	PaidDateTime         Time               `json:"PaidDateTime,omitzero"`
	TaxID                string             `json:"TaxId,omitempty"`
}

// HasIdentifier reports whether the order carries the identifier tag.
func (o Order) HasIdentifier(tag string) bool {
	for _, id := range o.GeneralInfo.Identifiers {
		if strings.EqualFold(id.Tag, tag) {
			return true
		}
	}
	return false
}

// GeneralInfo is OrderGeneralInfo.
type GeneralInfo struct {
	Status               int                `json:"Status"` // 0 UNPAID, 1 PAID, 2 RETURN, 3 PENDING, 4 RESEND
	LabelPrinted         bool               `json:"LabelPrinted"`
	LabelError           string             `json:"LabelError,omitempty"`
	InvoicePrinted       bool               `json:"InvoicePrinted"`
	PickListPrinted      bool               `json:"PickListPrinted"`
	IsRuleRun            bool               `json:"IsRuleRun"`
	Notes                int                `json:"Notes"`
	PartShipped          bool               `json:"PartShipped"`
	Marker               int                `json:"Marker"` // 0 none, 1–6 tag, 7 parked
	IsParked             bool               `json:"IsParked"`
	Identifiers          []Identifier       `json:"Identifiers,omitempty"`
	ReferenceNum         string             `json:"ReferenceNum,omitempty"`
	SecondaryReference   string             `json:"SecondaryReference,omitempty"`
	ExternalReferenceNum string             `json:"ExternalReferenceNum,omitempty"`
	ReceivedDate         Time               `json:"ReceivedDate,omitzero"`
	Source               string             `json:"Source,omitempty"`
	SubSource            string             `json:"SubSource,omitempty"`
	SiteCode             string             `json:"SiteCode,omitempty"`
	HoldOrCancel         bool               `json:"HoldOrCancel"`
	DespatchByDate       Time               `json:"DespatchByDate,omitzero"`
	ScheduledDelivery    *ScheduledDelivery `json:"ScheduledDelivery,omitempty"`
	Location             string             `json:"Location,omitempty"`
	NumItems             int                `json:"NumItems"`
}

// ScheduledDelivery is the delivery window some channels set.
type ScheduledDelivery struct {
	From Time `json:"From,omitzero"`
	To   Time `json:"To,omitzero"`
}

// ShippingInfo is OrderShippingInfo.
type ShippingInfo struct {
	Vendor            string  `json:"Vendor,omitempty"`
	PostalServiceID   string  `json:"PostalServiceId,omitempty"`
	PostalServiceName string  `json:"PostalServiceName,omitempty"`
	TotalWeight       float64 `json:"TotalWeight"`
	ItemWeight        float64 `json:"ItemWeight"`
	PackageCategoryID string  `json:"PackageCategoryId,omitempty"`
	PackageCategory   string  `json:"PackageCategory,omitempty"`
	PackageTypeID     string  `json:"PackageTypeId,omitempty"`
	PackageType       string  `json:"PackageType,omitempty"`
	PostageCost       float64 `json:"PostageCost"`
	PostageCostExTax  float64 `json:"PostageCostExTax"`
	TrackingNumber    string  `json:"TrackingNumber,omitempty"`
	ManualAdjust      bool    `json:"ManualAdjust"`
}

// CustomerInfo is OrderCustomerInfo.
type CustomerInfo struct {
	ChannelBuyerName string  `json:"ChannelBuyerName,omitempty"`
	Address          Address `json:"Address"`
	BillingAddress   Address `json:"BillingAddress"`
}

// Address is CustomerAddress.
type Address struct {
	EmailAddress string `json:"EmailAddress,omitempty"`
	Address1     string `json:"Address1,omitempty"`
	Address2     string `json:"Address2,omitempty"`
	Address3     string `json:"Address3,omitempty"`
	Town         string `json:"Town,omitempty"`
	Region       string `json:"Region,omitempty"`
	PostCode     string `json:"PostCode,omitempty"`
	Country      string `json:"Country,omitempty"`
	Continent    string `json:"Continent,omitempty"`
	FullName     string `json:"FullName,omitempty"`
	Company      string `json:"Company,omitempty"`
	PhoneNumber  string `json:"PhoneNumber,omitempty"`
	CountryID    string `json:"CountryId,omitempty"`
}

// TotalsInfo is OrderTotalsInfo.
type TotalsInfo struct {
	Subtotal         float64 `json:"Subtotal"`
	PostageCost      float64 `json:"PostageCost"`
	PostageCostExTax float64 `json:"PostageCostExTax"`
	Tax              float64 `json:"Tax"`
	TotalCharge      float64 `json:"TotalCharge"`
	PaymentMethod    string  `json:"PaymentMethod,omitempty"`
	PaymentMethodID  string  `json:"PaymentMethodId,omitempty"`
	TotalDiscount    float64 `json:"TotalDiscount"`
	Currency         string  `json:"Currency,omitempty"`
	CountryTaxRate   float64 `json:"CountryTaxRate"`
	ConversionRate   float64 `json:"ConversionRate"`
}

// OrderItem is one order line.
type OrderItem struct {
	ItemID            string            `json:"ItemId,omitempty"`
	RowID             string            `json:"RowId,omitempty"`
	StockItemID       string            `json:"StockItemId,omitempty"`
	ItemNumber        string            `json:"ItemNumber,omitempty"`
	SKU               string            `json:"SKU,omitempty"`
	ItemSource        string            `json:"ItemSource,omitempty"`
	Title             string            `json:"Title,omitempty"`
	ItemName          string            `json:"ItemName,omitempty"`
	ChannelSKU        string            `json:"ChannelSKU,omitempty"`
	ChannelTitle      string            `json:"ChannelTitle,omitempty"`
	BarcodeNumber     string            `json:"BarcodeNumber,omitempty"`
	CategoryName      string            `json:"CategoryName,omitempty"`
	Quantity          int               `json:"Quantity"`
	PricePerUnit      float64           `json:"PricePerUnit"`
	UnitCost          float64           `json:"UnitCost"`
	Discount          float64           `json:"Discount"`
	Tax               float64           `json:"Tax"`
	TaxRate           float64           `json:"TaxRate"`
	Cost              float64           `json:"Cost"`
	CostIncTax        float64           `json:"CostIncTax"`
	Weight            float64           `json:"Weight"`
	IsService         bool              `json:"IsService"`
	PartShipped       bool              `json:"PartShipped"`
	BinRack           string            `json:"BinRack,omitempty"`
	CompositeSubItems []OrderItem       `json:"CompositeSubItems,omitempty"`
	AdditionalInfo    []OrderItemOption `json:"AdditionalInfo,omitempty"`
}

// OrderItemOption is an item-level option (the item's extended properties in the shipping
// contract's sense).
type OrderItemOption struct {
	OptionID string `json:"pkOptionId,omitempty"`
	Property string `json:"Property"`
	Value    string `json:"Value"`
}

// OrderNote is a note on an order (OrderNote / OrderNoteDto).
type OrderNote struct {
	OrderNoteID string `json:"OrderNoteId,omitempty"`
	OrderID     string `json:"OrderId,omitempty"`
	NoteDate    Time   `json:"NoteDate,omitzero"`
	Internal    bool   `json:"Internal"`
	Note        string `json:"Note"`
	CreatedBy   string `json:"CreatedBy,omitempty"`
	NoteTypeID  int    `json:"NoteTypeId,omitempty"`
}

// ExtendedProperty is an order extended property. RowID is empty for a new one.
type ExtendedProperty struct {
	RowID string `json:"RowId,omitempty"`
	Name  string `json:"Name"`
	Value string `json:"Value"`
	Type  string `json:"Type"`
}

// Identifier is an order identifier (the badges shown on orders).
type Identifier struct {
	IdentifierID int    `json:"IdentifierId,omitempty"`
	IsCustom     bool   `json:"IsCustom"`
	ImageID      string `json:"ImageId,omitempty"`
	ImageURL     string `json:"ImageUrl,omitempty"`
	Tag          string `json:"Tag"`
	Name         string `json:"Name"`
}

// OrderIdentifier is an identifier as assigned to one order.
type OrderIdentifier struct {
	Identifier
	OrderID string `json:"fkOrderId"`
}

// AssignResult lists the orders whose identifiers changed and those that already were in the
// requested state.
type AssignResult struct {
	Changed    []string `json:"Changed"`
	NotChanged []string `json:"NotChanged"`
}

// PostalService is a Linnworks postal service (PostalService_WithChannelAndShippingLinks).
type PostalService struct {
	ID                     string                  `json:"pkPostalServiceId"`
	PostalServiceName      string                  `json:"PostalServiceName"`
	PostalServiceTag       string                  `json:"PostalServiceTag,omitempty"`
	PostalServiceCode      string                  `json:"PostalServiceCode,omitempty"`
	Vendor                 string                  `json:"Vendor,omitempty"`
	ServiceCountry         string                  `json:"ServiceCountry,omitempty"`
	TrackingNumberRequired bool                    `json:"TrackingNumberRequired"`
	WeightRequired         bool                    `json:"WeightRequired"`
	IgnorePackagingGroup   bool                    `json:"IgnorePackagingGroup"`
	IntegratedServiceID    string                  `json:"IntegratedServiceId,omitempty"`
	ShippingAPIConfigID    int                     `json:"fkShippingAPIConfigId,omitempty"`
	HasMappedService       bool                    `json:"hasMappedShippingService"`
	PrintModule            string                  `json:"PrintModule,omitempty"`
	PrintModuleTitle       string                  `json:"PrintModuleTitle,omitempty"`
	ShippingServices       []PostalShippingService `json:"ShippingServices,omitempty"`
}

// PostalShippingService is a courier service mapped to a postal service.
type PostalShippingService struct {
	PostalServiceID    string `json:"pkPostalServiceId,omitempty"`
	PostalServiceName  string `json:"PostalServiceName,omitempty"`
	Vendor             string `json:"vendor,omitempty"`
	AccountID          string `json:"accountid,omitempty"`
	VendorFriendlyName string `json:"vendorFriendlyName,omitempty"`
}

// ProcessResult is ProcessOrderResult.
type ProcessResult struct {
	OrderID   string `json:"OrderId"`
	Processed bool   `json:"Processed"`
	Error     string `json:"Error,omitempty"`
}

// OrdersPage is one page of GenericPagedResult<OpenOrder>.
type OrdersPage struct {
	PageNumber     int     `json:"PageNumber"`
	EntriesPerPage int     `json:"EntriesPerPage"`
	TotalEntries   int64   `json:"TotalEntries"`
	TotalPages     int     `json:"TotalPages"`
	Data           []Order `json:"Data"`
}

// Field codes used with FieldsFilter and FieldSorting (the specification lists 124).
const (
	FieldIdentifier     = "GENERAL_INFO_IDENTIFIER"
	FieldTag            = "GENERAL_INFO_TAG"
	FieldDate           = "GENERAL_INFO_DATE"
	FieldStatus         = "GENERAL_INFO_STATUS"
	FieldLabelPrinted   = "GENERAL_INFO_LABEL_PRINTED"
	FieldOrderID        = "GENERAL_INFO_ORDER_ID"
	FieldVendor         = "SHIPPING_INFORMATION_VENDOR"
	FieldService        = "SHIPPING_INFORMATION_SERVICE"
	FieldServiceID      = "SHIPPING_INFORMATION_SERVICE_ID"
	FieldTrackingNumber = "SHIPPING_INFORMATION_TRACKING_NUMBER"
	FieldLocationID     = "LOCATION_ID"
	FieldFolder         = "FOLDER"
	SortAscending       = "Ascending"
	SortDescending      = "Descending"
	TextEqual           = "Equal"
	TextContains        = "Contains"
	TextStartWith       = "StartWith"
	TextEndsWith        = "EndsWith"
	NumericEqual        = "Equal"
	NumericGreater      = "Greater"
	NumericLower        = "Lower"
	DateRange           = "Range"
	DateOlderThan       = "OlderThan"
	DateLastDays        = "LastDays"
	ListIs              = "Is"
	ListNot             = "Not"
)

// FieldsFilter narrows an open-order query.
type FieldsFilter struct {
	TextFields    []TextFieldFilter    `json:"TextFields,omitempty"`
	BooleanFields []BooleanFieldFilter `json:"BooleanFields,omitempty"`
	NumericFields []NumericFieldFilter `json:"NumericFields,omitempty"`
	DateFields    []DateFieldFilter    `json:"DateFields,omitempty"`
	ListFields    []ListFieldFilter    `json:"ListFields,omitempty"`
}

// TextFieldFilter matches a text field; Text may be empty ("has no tracking number").
type TextFieldFilter struct {
	FieldCode string `json:"FieldCode"`
	Type      string `json:"Type"`
	Text      string `json:"Text"`
}

// BooleanFieldFilter matches a boolean field.
type BooleanFieldFilter struct {
	FieldCode string `json:"FieldCode"`
	Value     bool   `json:"Value"`
}

// NumericFieldFilter compares a numeric field.
type NumericFieldFilter struct {
	FieldCode string  `json:"FieldCode"`
	Type      string  `json:"Type"`
	Value     float64 `json:"Value"`
}

// DateFieldFilter matches a date field: a Range between DateFrom and DateTo, OlderThan or
// LastDays Value days.
type DateFieldFilter struct {
	FieldCode string    `json:"FieldCode"`
	Type      string    `json:"Type"`
	DateFrom  time.Time `json:"DateFrom,omitzero"`
	DateTo    time.Time `json:"DateTo,omitzero"`
	Value     int       `json:"Value,omitempty"`
}

// ListFieldFilter matches a list field (for example an identifier tag).
type ListFieldFilter struct {
	FieldCode string `json:"FieldCode"`
	Type      string `json:"Type"`
	Value     string `json:"Value"`
}

// FieldSorting orders a query's results.
type FieldSorting struct {
	FieldCode string `json:"FieldCode"`
	Direction string `json:"Direction"`
	Order     int    `json:"Order"`
}

// Account describes the Linnworks account behind an install token, from the session
// AuthorizeByApplication returned. It holds no secrets.
type Account struct {
	ID       string // session id
	EntityID string
	UserID   string
	UserName string
	Email    string
	Locality string // EU, US or AS
	Server   string // base URL of the account's API server
}
