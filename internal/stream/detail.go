package stream

// OrderDetail is an order read back from GET /orders/orders/{id}, including
// its groups (delivery/collection legs) and their run details.
type OrderDetail struct {
	TrackingURL string       `json:"trackingURL"`
	TrackingID  string       `json:"trackingId"`
	Header      DetailHeader `json:"header"`
	Groups      []Group      `json:"groups"`
	// Warnings are non-blocking messages that came with the order.
	Warnings []Message `json:"-"`
}

// DetailHeader is the header of an order read back from Stream. Unlike on
// create, orderNotes is a list.
type DetailHeader struct {
	ConsignmentNo    string    `json:"consignmentNo"`
	OrderNo          string    `json:"orderNo"`
	CustomerOrderNo  string    `json:"customerOrderNo"`
	OrderDate        Time      `json:"orderDate"`
	DeliveryDate     Time      `json:"deliveryDate"`
	OwnerID          ID        `json:"ownerId"`
	OwnerName        string    `json:"ownerName"`
	Partner          *Partner  `json:"partner,omitempty"`
	OrderWeight      Number    `json:"orderWeight"`
	AssemblyRequired bool      `json:"assemblyRequired"`
	OrderStatus      string    `json:"orderStatus"`
	CollectionStatus string    `json:"collectionStatus"`
	StockStatus      string    `json:"stockStatus"`
	OrderType        string    `json:"orderType"`
	Invoiced         bool      `json:"invoiced"`
	InvoiceReference string    `json:"invoiceReference"`
	NutsCode         string    `json:"nutsCode"`
	ServiceLevel     string    `json:"serviceLevel"`
	OrderNotes       []Note    `json:"orderNotes"`
	RouteInfo        string    `json:"routeInfo"`
	ExternalClientID string    `json:"externalClientId"`
	Customer         *Customer `json:"customer,omitempty"`
}

// Note is one entry of an order's notes as read back.
type Note struct {
	Code string `json:"code"`
	Desc string `json:"desc"`
}

// Group is one delivery or collection leg of an order with its planning.
type Group struct {
	ID                      ID           `json:"id"`
	Type                    string       `json:"type"`
	Status                  string       `json:"status"`
	DeliveryMethod          string       `json:"deliveryMethod"`
	DriverNotes             string       `json:"driverNotes"`
	Required                Window       `json:"required"`
	Planned                 Window       `json:"planned"`
	ConfirmedPlanning       bool         `json:"confirmedPlanning"`
	LiveDate                Time         `json:"liveDate"`
	EstimateArrivalDateTime Time         `json:"estimateArrivalDateTime"`
	Quantity                Number       `json:"quantity"`
	Weight                  Number       `json:"weight"`
	Cube                    Number       `json:"cube"`
	TimeOnSite              *TimeOnSite  `json:"timeOnSite,omitempty"`
	BookingRequired         bool         `json:"bookingRequired"`
	Address                 *Address     `json:"address,omitempty"`
	Contact                 *Contact     `json:"contact,omitempty"`
	RunDetails              *RunDetails  `json:"runDetails,omitempty"`
	Items                   []ItemDetail `json:"items"`
}

// Window is a from/to pair of Stream date-times.
type Window struct {
	FromDateTime Time `json:"fromDateTime"`
	ToDateTime   Time `json:"toDateTime"`
}

// RunDetails is the run a group is planned on. Description is the run label
// the dispatcher typed (e.g. "RUN 01"); GroupSequence is the stop number.
type RunDetails struct {
	ID            ID       `json:"id"`
	Description   string   `json:"description"`
	GroupSequence Int      `json:"groupSequence"`
	Vehicle       ID       `json:"vehicle"`
	VehicleName   string   `json:"vehicleName"`
	VehicleType   string   `json:"vehicleType"`
	Driver        ID       `json:"driver"`
	DriverName    string   `json:"driverName"`
	Dispatched    bool     `json:"dispatched"`
	Departed      bool     `json:"departed"`
	Completed     bool     `json:"completed"`
	Start         *RunStop `json:"start,omitempty"`
	End           *RunStop `json:"end,omitempty"`
}

// RunStop is the start or end point of a run.
type RunStop struct {
	ActualDateTime  Time   `json:"actualDateTime"`
	PlannedDateTime Time   `json:"plannedDateTime"`
	Postcode        string `json:"postcode"`
	Lat             Number `json:"lat"`
	Long            Number `json:"long"`
}

// ItemDetail is an order line as read back, with its delivery state.
type ItemDetail struct {
	Sequence          Int        `json:"sequence"`
	ParentSequence    Int        `json:"parentSequence"`
	ExternalSequence  Int        `json:"externalSequence"`
	Code              string     `json:"code"`
	Description       string     `json:"description"`
	Quantity          Number     `json:"quantity"`
	Weight            Number     `json:"weight"`
	Cube              Number     `json:"cube"`
	StockLocation     string     `json:"stockLocation"`
	OnHandDate        Time       `json:"onHandDate"`
	PackageID         string     `json:"packageId"`
	PackageType       string     `json:"packageType"`
	Delivered         bool       `json:"delivered"`
	DeliveredDateTime Time       `json:"deliveredDateTime"`
	Collected         bool       `json:"collected"`
	CollectedDateTime Time       `json:"collectedDateTime"`
	Notes             string     `json:"notes"`
	Container         *Container `json:"container,omitempty"`
}

// Status is the answer of GET /orders/status/{id}.
type Status struct {
	OrderNo       string    `json:"orderNo,omitempty"`
	ConsignmentNo string    `json:"consignmentNo,omitempty"`
	OrderStatus   string    `json:"orderStatus"`
	TrackingURL   string    `json:"trackingURL"`
	TrackingID    string    `json:"trackingId"`
	Warnings      []Message `json:"-"`
}

// Depot is a Stream depot with the delivery methods (vehicle fleets) that
// serve it and its stock location.
type Depot struct {
	ID              ID               `json:"id"`
	Address         Address          `json:"address"`
	Contact         Contact          `json:"contact"`
	StockLocation   StockLocation    `json:"stockLocation"`
	DeliveryMethods []DeliveryMethod `json:"deliveryMethods"`
}

// StockLocation is where a depot holds stock.
type StockLocation struct {
	ID   ID     `json:"id"`
	Name string `json:"name"`
}

// DeliveryMethod is a fleet; its Name goes into deliveryMethod or
// collectionMethod, its Type says which (DELIVERY, COLLECTION …).
type DeliveryMethod struct {
	ID   ID     `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}
