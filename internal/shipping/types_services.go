package shipping

// Wire types of UserAvailableServices and Quote (contract §6.5, §6.11).
// Response tags are byte-exact: ServiceProperty is singular although it is
// an array, ConfigItems is per service.

// UserAvailableServicesRequest asks for the services a profile offers.
type UserAvailableServicesRequest struct {
	Auth
}

// UserAvailableServicesResponse lists the services.
type UserAvailableServicesResponse struct {
	Services []AvailableService `json:"Services"`
	Result
}

// AvailableService is one service: a Stream depot × delivery method.
type AvailableService struct {
	ServiceName     string            `json:"ServiceName"`
	ServiceCode     string            `json:"ServiceCode"`
	ServiceTag      string            `json:"ServiceTag"`
	ServiceGroup    string            `json:"ServiceGroup"`
	ServiceUniqueID string            `json:"ServiceUniqueId"`
	ConfigItems     []ConfigItem      `json:"ConfigItems"`
	ServiceProperty []ServiceProperty `json:"ServiceProperty"`
}

// ServiceProperty is read-only information about a service.
type ServiceProperty struct {
	PropertyName  string `json:"PropertyName"`
	PropertyValue string `json:"PropertyValue"`
}

// QuoteRequest is a consignment to quote for: GenerateLabel's request
// without OrderId, PostageCharges, ServiceId and the service config.
// DeliveryNote is tolerated (the apidocs example sends it) and unused.
type QuoteRequest struct {
	Auth
	Address
	DeliveryNote            string                  `json:"DeliveryNote"`
	OrderReference          string                  `json:"OrderReference"`
	OrderCurrency           string                  `json:"OrderCurrency"`
	OrderValue              float64                 `json:"OrderValue"`
	Packages                []*LabelPackage         `json:"Packages"`
	OrderExtendedProperties []LabelExtendedProperty `json:"OrderExtendedProperties"`
}

// QuoteResponse lists one quote per usable service.
type QuoteResponse struct {
	QuoteItems []QuoteItem `json:"QuoteItems"`
	Result
}

// QuoteItem is the quote of one service. Dates are ISO-8601 UTC
// ("2026-03-02T10:00:00Z"), see quoteDate.
type QuoteItem struct {
	ServiceName           string              `json:"ServiceName"`
	ServiceCode           string              `json:"ServiceCode"`
	ServiceID             string              `json:"ServiceId"`
	ServiceTag            string              `json:"ServiceTag"`
	CollectionDate        string              `json:"CollectionDate"`
	EstimatedDeliveryDate string              `json:"EstimatedDeliveryDate"`
	Cost                  float64             `json:"Cost"`
	Tax                   float64             `json:"Tax"`
	TotalCost             float64             `json:"TotalCost"`
	Currency              string              `json:"Currency"`
	PropertyItem          []QuotePropertyItem `json:"PropertyItem"`
	Options               []QuoteOption       `json:"Options"`
}

// QuotePropertyItem is read-only information about a quote.
type QuotePropertyItem struct {
	Title string `json:"Title"`
	Value string `json:"Value"`
}

// QuoteOption is an option of a quote.
type QuoteOption struct {
	OptionName  string `json:"OptionName"`
	OptionValue string `json:"OptionValue"`
}
