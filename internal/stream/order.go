package stream

// Order types (header.orderType).
const (
	OrderTypeDelivery   = "DELIVERY"
	OrderTypeCollection = "COLLECTION"
)

// Order is one Stream order (consignment) as POSTed to /orders/orders:
// a header and either a delivery or a collection leg, matching
// Header.OrderType.
type Order struct {
	Header     Header      `json:"header"`
	Delivery   *Delivery   `json:"delivery,omitempty"`
	Collection *Collection `json:"collection,omitempty"`
}

// Header is the order header. OrderNo must be unique in the Stream account.
type Header struct {
	OrderNo          string       `json:"orderNo"`
	OrderDate        Date         `json:"orderDate,omitzero"`
	OrderType        string       `json:"orderType"`
	OrderCategory    string       `json:"orderCategory,omitempty"`
	ServiceLevel     string       `json:"serviceLevel,omitempty"`
	Services         []Service    `json:"services,omitempty"`
	Partner          *Partner     `json:"partner,omitempty"`
	Customer         *Customer    `json:"customer,omitempty"`
	CustomerOrderNo  string       `json:"customerOrderNo,omitempty"`
	OrderNotes       string       `json:"orderNotes,omitempty"`
	DriverNotes      string       `json:"driverNotes,omitempty"`
	CutOffTimeMet    bool         `json:"cutOffTimeMet"`
	RouteInfo        string       `json:"routeInfo,omitempty"`
	ExternalClientID string       `json:"externalClientId,omitempty"`
	DriverLinks      []DriverLink `json:"driverLinks,omitempty"`
	UpdateAddresses  bool         `json:"updateAddresses"`
}

// Service is an account-specific service code.
type Service struct {
	Code string `json:"code"`
}

// Partner is the business partner (retailer) of an order.
type Partner struct {
	ID   ID     `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Customer is who placed the order.
type Customer struct {
	Name    string           `json:"name,omitempty"`
	Address *Address         `json:"address,omitempty"`
	Contact *Contact         `json:"contact,omitempty"`
	Account *CustomerAccount `json:"account,omitempty"`
}

// CustomerAccount is the customer's account with the shipper (customer.account).
type CustomerAccount struct {
	Name   string `json:"name,omitempty"`
	Number string `json:"number,omitempty"`
}

// DriverLink is a link shown to the driver in the Stream app.
type DriverLink struct {
	Description string `json:"description,omitempty"`
	Link        string `json:"link,omitempty"`
}

// Address is a Stream address. Stream validates addresses with Google Maps;
// lat/long may replace or complement the lines.
type Address struct {
	Name              string `json:"name,omitempty"`
	Address1          string `json:"address1,omitempty"`
	Address2          string `json:"address2,omitempty"`
	Address3          string `json:"address3,omitempty"`
	Address4          string `json:"address4,omitempty"`
	Address5          string `json:"address5,omitempty"`
	Country           string `json:"country,omitempty"`
	Postcode          string `json:"postcode,omitempty"`
	Lat               Number `json:"lat,omitempty"`
	Long              Number `json:"long,omitempty"`
	AltLat            Number `json:"altLat,omitempty"`
	AltLong           Number `json:"altLong,omitempty"`
	What3Words        string `json:"what3words,omitempty"`
	Nuts              string `json:"nuts,omitempty"`
	ExternalAddressID string `json:"externalAddressId,omitempty"`
	LocationNotes     string `json:"locationNotes,omitempty"`
	AddressRef        string `json:"addressRef,omitempty"`
	VehicleType       string `json:"vehicleType,omitempty"`
}

// Contact is a person to notify: SMS go to Mobile, emails to Email.
type Contact struct {
	Name        string     `json:"name,omitempty"`
	Tel1        string     `json:"tel1,omitempty"`
	Tel2        string     `json:"tel2,omitempty"`
	Mobile      string     `json:"mobile,omitempty"`
	Fax         string     `json:"fax,omitempty"`
	Email       string     `json:"email,omitempty"`
	OptOutEmail bool       `json:"optOutEmail"`
	OptOutSms   bool       `json:"optOutSms"`
	AltEmail    []AltEmail `json:"altemail,omitempty"`
}

// AltEmail holds further addresses for notifications.
type AltEmail struct {
	Secondary  string `json:"secondary,omitempty"`
	Operations string `json:"operations,omitempty"`
	Financial  string `json:"financial,omitempty"`
}

// Required is the agreed delivery or collection window, in the ISO form
// FormatDateTime produces.
type Required struct {
	FromDateTime string `json:"fromDateTime,omitempty"`
	ToDateTime   string `json:"toDateTime,omitempty"`
}

// TimeOnSite is the time a driver spends unloading and assembling.
type TimeOnSite struct {
	Unload   int `json:"unload"`
	Assembly int `json:"assembly"`
}

// Delivery is the delivery leg of a DELIVERY order. DeliveryMethod is the
// name of one of the depot's delivery methods (blank = account default).
type Delivery struct {
	Address         Address     `json:"address"`
	Contact         *Contact    `json:"contact,omitempty"`
	Required        *Required   `json:"required,omitempty"`
	DeliveryMethod  string      `json:"deliveryMethod,omitempty"`
	TimeOnSite      *TimeOnSite `json:"timeOnSite,omitempty"`
	BookingRequired bool        `json:"bookingRequired"`
	UpdateAddresses bool        `json:"updateAddresses"`
	Items           []Item      `json:"items,omitempty"`
}

// Collection is the collection leg of a COLLECTION order.
type Collection struct {
	Address          Address     `json:"address"`
	Contact          *Contact    `json:"contact,omitempty"`
	Required         *Required   `json:"required,omitempty"`
	CollectionMethod string      `json:"collectionMethod,omitempty"`
	TimeOnSite       *TimeOnSite `json:"timeOnSite,omitempty"`
	BookingRequired  bool        `json:"bookingRequired"`
	Items            []Item      `json:"items,omitempty"`
}

// Item is an order line. A package is a parent item; its contents point back
// to it through ParentSequence.
type Item struct {
	Sequence          int        `json:"sequence"`
	ParentSequence    int        `json:"parentSequence,omitempty"`
	ConsolidatedLevel int        `json:"consolidatedLevel,omitempty"`
	Code              string     `json:"code,omitempty"`
	Description       string     `json:"description,omitempty"`
	Quantity          int        `json:"quantity"`
	Weight            float64    `json:"weight,omitempty"`
	Cube              float64    `json:"cube,omitempty"`
	AssemblyTime      int        `json:"assemblyTime,omitempty"`
	StockLocation     string     `json:"stockLocation,omitempty"`
	OnHandDate        Date       `json:"onHandDate,omitzero"`
	PackageID         string     `json:"packageId,omitempty"`
	Notes             string     `json:"notes,omitempty"`
	PackageType       string     `json:"packageType,omitempty"`
	Container         *Container `json:"container,omitempty"`
}

// Container describes the container of a collection item.
type Container struct {
	ContainerID          string `json:"containerId,omitempty"`
	ContainerDescription string `json:"containerDescription,omitempty"`
	ContainerType        string `json:"containerType,omitempty"`
}

// CreateResult is what Stream returns for a created order. Recovered is set
// when the order was found by reading it back after an unknown outcome
// rather than from the create response itself.
type CreateResult struct {
	ConsignmentNo   string    `json:"consignmentNo"`
	OrderNo         string    `json:"orderNo"`
	CustomerOrderNo string    `json:"customerOrderNo"`
	TrackingID      string    `json:"trackingId"`
	TrackingURL     string    `json:"trackingURL"`
	Warnings        []Message `json:"-"`
	Recovered       bool      `json:"-"`
}

// HeaderUpdate is the body of PATCH /orders/orders/{id}. Stream overwrites
// what is sent, so send complete values; empty fields are omitted.
type HeaderUpdate struct {
	OrderDate       Date         `json:"orderDate,omitzero"`
	Partner         *Partner     `json:"partner,omitempty"`
	ServiceLevel    string       `json:"serviceLevel,omitempty"`
	CustomerOrderNo string       `json:"customerOrderNo,omitempty"`
	OrderNotes      string       `json:"orderNotes,omitempty"`
	DriverNotes     string       `json:"driverNotes,omitempty"`
	RouteInfo       string       `json:"routeInfo,omitempty"`
	DriverLinks     []DriverLink `json:"driverLinks,omitempty"`
	Customer        *Customer    `json:"customer,omitempty"`
}
