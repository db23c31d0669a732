package shipping

// Wire types of GenerateLabel (contract §6.7). Request keys match
// case-insensitively (Postalcode/PostalCode, Length/length); response tags
// are exact.

// LabelExtendedProperty is a mapped extended property of an order or item.
type LabelExtendedProperty struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

// LabelItem is an order line in a GenerateLabel package.
type LabelItem struct {
	ItemName           string                  `json:"ItemName"`
	ProductCode        string                  `json:"ProductCode"`
	Quantity           int                     `json:"Quantity"`
	UnitValue          float64                 `json:"UnitValue"`
	UnitWeight         float64                 `json:"UnitWeight"`
	Height             float64                 `json:"Height"`
	Width              float64                 `json:"Width"`
	Length             float64                 `json:"Length"`
	ExtendedProperties []LabelExtendedProperty `json:"ExtendedProperties"`
}

// LabelPackage is one package of a GenerateLabel request. Weights are grams,
// dimensions centimetres. Requests hold packages and items by pointer so a
// null entry stays nil and is refused, rather than read as an empty parcel.
type LabelPackage struct {
	SequenceNumber int          `json:"SequenceNumber"`
	PackageWeight  float64      `json:"PackageWeight"`
	PackageWidth   float64      `json:"PackageWidth"`
	PackageHeight  float64      `json:"PackageHeight"`
	PackageDepth   float64      `json:"PackageDepth"`
	PackageFormat  string       `json:"PackageFormat"`
	Items          []*LabelItem `json:"Items"`
}

// Address is the consignee's address and contact, as GenerateLabel and
// Quote carry them (note the lower-case c of Postalcode).
type Address struct {
	Name         string `json:"Name"`
	CompanyName  string `json:"CompanyName"`
	AddressLine1 string `json:"AddressLine1"`
	AddressLine2 string `json:"AddressLine2"`
	AddressLine3 string `json:"AddressLine3"`
	Town         string `json:"Town"`
	Region       string `json:"Region"`
	CountryCode  string `json:"CountryCode"`
	Postalcode   string `json:"Postalcode"`
	Email        string `json:"Email"`
	Phone        string `json:"Phone"`
}

// GenerateLabelRequest asks for the labels of one Linnworks order. The
// service's option values arrive as ServiceConfigItems or, in the current
// API pages' spelling, SaveConfigItems; both are read (§6.7).
type GenerateLabelRequest struct {
	Auth
	Address
	DeliveryNote            string                  `json:"DeliveryNote"`
	OrderID                 int                     `json:"OrderId"`
	OrderReference          string                  `json:"OrderReference"`
	OrderCurrency           string                  `json:"OrderCurrency"`
	OrderValue              float64                 `json:"OrderValue"`
	PostageCharges          float64                 `json:"PostageCharges"`
	ServiceID               string                  `json:"ServiceId"`
	Packages                []*LabelPackage         `json:"Packages"`
	OrderExtendedProperties []LabelExtendedProperty `json:"OrderExtendedProperties"`
	ServiceConfigItems      []ConfigItemValue       `json:"ServiceConfigItems"`
	SaveConfigItems         []ConfigItemValue       `json:"SaveConfigItems"`
}

// LabelPackageResult is the label of one request package.
type LabelPackageResult struct {
	SequenceNumber int    `json:"SequenceNumber"`
	TrackingNumber string `json:"TrackingNumber"`
	// PNGLabelDataBase64 is the first copy of the label.
	PNGLabelDataBase64 string `json:"PNGLabelDataBase64"`
	// AdditionalPngsBase64 holds the further copies LABEL_COUNT asks for.
	AdditionalPngsBase64 []string `json:"AdditionalPngsBase64"`
	// PDFBytesDocumentationBase64 must be an array; null breaks Linnworks.
	PDFBytesDocumentationBase64 []string `json:"PDFBytesDocumentationBase64"`
	LabelWidth                  float64  `json:"LabelWidth"`
	LabelHeight                 float64  `json:"LabelHeight"`
}

// GenerateLabelResponse carries one label per request package.
type GenerateLabelResponse struct {
	LeadTrackingNumber string               `json:"LeadTrackingNumber"`
	Cost               float64              `json:"Cost"`
	Currency           string               `json:"Currency"`
	Package            []LabelPackageResult `json:"Package"`
	Result
}
