package linnworkssandbox

import "time"

// The types below mirror the definitions of the official spec (same JSON names), restricted to
// the fields the sandbox keeps. Optional identifiers and dates are omitted rather than sent as
// null, because the Swagger 2 schemas do not allow null.

// OrderDetails is the spec's OrderDetails: an order with its notes and extended properties.
type OrderDetails struct {
	OrderId              string             `json:"OrderId"`
	NumOrderId           int                `json:"NumOrderId"`
	Processed            bool               `json:"Processed"`
	ProcessedDateTime    *time.Time         `json:"ProcessedDateTime,omitempty"`
	FulfilmentLocationId string             `json:"FulfilmentLocationId,omitempty"`
	GeneralInfo          OrderGeneralInfo   `json:"GeneralInfo"`
	ShippingInfo         OrderShippingInfo  `json:"ShippingInfo"`
	CustomerInfo         OrderCustomerInfo  `json:"CustomerInfo"`
	TotalsInfo           OrderTotalsInfo    `json:"TotalsInfo"`
	ExtendedProperties   []ExtendedProperty `json:"ExtendedProperties"`
	FolderName           []string           `json:"FolderName"`
	Items                []OrderItem        `json:"Items"`
	Notes                []OrderNote        `json:"Notes"`
	PaidDateTime         *time.Time         `json:"PaidDateTime,omitempty"`
	TaxId                string             `json:"TaxId,omitempty"`
}

// OpenOrder is the spec's OpenOrder, the shape of the open-order lists.
type OpenOrder struct {
	OrderId       string                `json:"OrderId"`
	NumOrderId    int                   `json:"NumOrderId"`
	GeneralInfo   OrderGeneralInfo      `json:"GeneralInfo"`
	ShippingInfo  OrderShippingInfo     `json:"ShippingInfo"`
	CustomerInfo  OrderCustomerInfo     `json:"CustomerInfo"`
	TotalsInfo    OrderTotalsInfo       `json:"TotalsInfo"`
	TaxInfo       OrderTaxInfo          `json:"TaxInfo"`
	FolderName    []string              `json:"FolderName"`
	CanFulfil     bool                  `json:"CanFulfil"`
	Fulfillment   OrderFulfillmentState `json:"Fulfillment"`
	Items         []OrderItem           `json:"Items"`
	HasItems      bool                  `json:"HasItems"`
	TotalItemsSum int                   `json:"TotalItemsSum"`
}

// OrderGeneralInfo is the spec's OrderGeneralInfo. Status: 0 UNPAID, 1 PAID, 2 RETURN,
// 3 PENDING, 4 RESEND; Marker 0–6 tags, 7 parked.
type OrderGeneralInfo struct {
	Status               int                `json:"Status"`
	LabelPrinted         bool               `json:"LabelPrinted"`
	LabelError           string             `json:"LabelError"`
	InvoicePrinted       bool               `json:"InvoicePrinted"`
	PickListPrinted      bool               `json:"PickListPrinted"`
	IsRuleRun            bool               `json:"IsRuleRun"`
	Notes                int                `json:"Notes"`
	PartShipped          bool               `json:"PartShipped"`
	Marker               int                `json:"Marker"`
	IsParked             bool               `json:"IsParked"`
	Identifiers          []Identifier       `json:"Identifiers"`
	ReferenceNum         string             `json:"ReferenceNum"`
	SecondaryReference   string             `json:"SecondaryReference"`
	ExternalReferenceNum string             `json:"ExternalReferenceNum"`
	ReceivedDate         time.Time          `json:"ReceivedDate"`
	Source               string             `json:"Source"`
	SubSource            string             `json:"SubSource"`
	SiteCode             string             `json:"SiteCode"`
	HoldOrCancel         bool               `json:"HoldOrCancel"`
	DespatchByDate       *time.Time         `json:"DespatchByDate,omitempty"`
	ScheduledDelivery    *ScheduledDelivery `json:"ScheduledDelivery,omitempty"`
	HasScheduledDelivery bool               `json:"HasScheduledDelivery"`
	Location             string             `json:"Location,omitempty"`
	NumItems             int                `json:"NumItems"`
}

// ScheduledDelivery is a delivery window.
type ScheduledDelivery struct {
	From time.Time `json:"From"`
	To   time.Time `json:"To"`
}

// Identifier is a status badge that can be assigned to open orders.
type Identifier struct {
	IdentifierId int    `json:"IdentifierId"`
	IsCustom     bool   `json:"IsCustom"`
	ImageId      string `json:"ImageId,omitempty"`
	ImageUrl     string `json:"ImageUrl"`
	Tag          string `json:"Tag"`
	Name         string `json:"Name"`
}

// OrderIdentifier is an identifier assigned to an order.
type OrderIdentifier struct {
	FkOrderId string `json:"fkOrderId"`
	Identifier
}

// OrderShippingInfo is the spec's OrderShippingInfo.
type OrderShippingInfo struct {
	Vendor            string  `json:"Vendor"`
	PostalServiceId   string  `json:"PostalServiceId,omitempty"`
	PostalServiceName string  `json:"PostalServiceName"`
	TotalWeight       float64 `json:"TotalWeight"`
	ItemWeight        float64 `json:"ItemWeight"`
	PackageCategoryId string  `json:"PackageCategoryId,omitempty"`
	PackageCategory   string  `json:"PackageCategory"`
	PackageTypeId     string  `json:"PackageTypeId,omitempty"`
	PackageType       string  `json:"PackageType"`
	PostageCost       float64 `json:"PostageCost"`
	PostageCostExTax  float64 `json:"PostageCostExTax"`
	TrackingNumber    string  `json:"TrackingNumber"`
	ManualAdjust      bool    `json:"ManualAdjust"`
}

// OrderCustomerInfo is the buyer and the addresses.
type OrderCustomerInfo struct {
	ChannelBuyerName string          `json:"ChannelBuyerName"`
	Address          CustomerAddress `json:"Address"`
	BillingAddress   CustomerAddress `json:"BillingAddress"`
}

// CustomerAddress is the spec's CustomerAddress.
type CustomerAddress struct {
	EmailAddress string `json:"EmailAddress"`
	Address1     string `json:"Address1"`
	Address2     string `json:"Address2"`
	Address3     string `json:"Address3"`
	Town         string `json:"Town"`
	Region       string `json:"Region"`
	PostCode     string `json:"PostCode"`
	Country      string `json:"Country"`
	Continent    string `json:"Continent"`
	FullName     string `json:"FullName"`
	Company      string `json:"Company"`
	PhoneNumber  string `json:"PhoneNumber"`
	CountryId    string `json:"CountryId,omitempty"`
}

// OrderTotalsInfo is the spec's OrderTotalsInfo.
type OrderTotalsInfo struct {
	Subtotal         float64 `json:"Subtotal"`
	PostageCost      float64 `json:"PostageCost"`
	PostageCostExTax float64 `json:"PostageCostExTax"`
	Tax              float64 `json:"Tax"`
	TotalCharge      float64 `json:"TotalCharge"`
	PaymentMethod    string  `json:"PaymentMethod"`
	PaymentMethodId  string  `json:"PaymentMethodId,omitempty"`
	ProfitMargin     float64 `json:"ProfitMargin"`
	TotalDiscount    float64 `json:"TotalDiscount"`
	Currency         string  `json:"Currency"`
	CountryTaxRate   float64 `json:"CountryTaxRate"`
	ConversionRate   float64 `json:"ConversionRate"`
}

// OrderTaxInfo is the spec's OrderTaxInfo.
type OrderTaxInfo struct {
	TaxNumber string `json:"TaxNumber"`
}

// OrderFulfillmentState is the spec's OrderFulfillmentState.
type OrderFulfillmentState struct {
	FulfillmentState   string `json:"FulfillmentState"`
	PurchaseOrderState string `json:"PurchaseOrderState"`
}

// OrderItem is an order line; a composite parent lists its children in CompositeSubItems.
type OrderItem struct {
	ItemId            string            `json:"ItemId,omitempty"`
	ItemNumber        string            `json:"ItemNumber"`
	SKU               string            `json:"SKU"`
	ItemSource        string            `json:"ItemSource"`
	Title             string            `json:"Title"`
	Quantity          int               `json:"Quantity"`
	CategoryName      string            `json:"CategoryName"`
	PricePerUnit      float64           `json:"PricePerUnit"`
	UnitCost          float64           `json:"UnitCost"`
	Discount          float64           `json:"Discount"`
	Tax               float64           `json:"Tax"`
	TaxRate           float64           `json:"TaxRate"`
	Cost              float64           `json:"Cost"`
	CostIncTax        float64           `json:"CostIncTax"`
	CompositeSubItems []OrderItem       `json:"CompositeSubItems"`
	IsService         bool              `json:"IsService"`
	Weight            float64           `json:"Weight"`
	BarcodeNumber     string            `json:"BarcodeNumber"`
	ChannelSKU        string            `json:"ChannelSKU"`
	ChannelTitle      string            `json:"ChannelTitle"`
	BinRack           string            `json:"BinRack"`
	AdditionalInfo    []OrderItemOption `json:"AdditionalInfo"`
	RowId             string            `json:"RowId,omitempty"`
	OrderId           string            `json:"OrderId,omitempty"`
	StockItemId       string            `json:"StockItemId,omitempty"`
}

// OrderItemOption is an item option (name/value).
type OrderItemOption struct {
	PkOptionId string `json:"pkOptionId,omitempty"`
	Property   string `json:"Property"`
	Value      string `json:"Value"`
}

// ExtendedProperty is an order extended property.
type ExtendedProperty struct {
	RowId string `json:"RowId,omitempty"`
	Name  string `json:"Name"`
	Value string `json:"Value"`
	Type  string `json:"Type"`
}

// OrderNote is an order note.
type OrderNote struct {
	OrderNoteId string    `json:"OrderNoteId,omitempty"`
	OrderId     string    `json:"OrderId,omitempty"`
	NoteDate    time.Time `json:"NoteDate"`
	Internal    bool      `json:"Internal"`
	Note        string    `json:"Note"`
	CreatedBy   string    `json:"CreatedBy"`
	NoteTypeId  int       `json:"NoteTypeId,omitempty"`
}

// postalService is a postal (shipping) service configured in the account; the API renders it
// in the shapes of GetPostalServices and GetShippingMethods.
type postalService struct {
	ID                     string
	Name                   string
	Tag                    string
	Code                   string
	Vendor                 string
	Country                string
	TrackingNumberRequired bool
	WeightRequired         bool
	// IntegratedServiceId links the service to a shipping integration's service, empty if none.
	IntegratedServiceId string
	// AccountId is the shipping integration account that provides the service, empty if none.
	AccountId string
}

// location is a stock (fulfilment) location.
type location struct {
	StockLocationId     string `json:"StockLocationId"`
	LocationName        string `json:"LocationName"`
	Address1            string `json:"Address1"`
	City                string `json:"City"`
	ZipCode             string `json:"ZipCode"`
	Country             string `json:"Country"`
	IsFulfillmentCenter bool   `json:"IsFulfillmentCenter"`
	StockLocationIntId  int    `json:"StockLocationIntId"`
}
