package streamsandbox

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The request types below mirror the order JSON of reference §7.1, field names spelled exactly.
// They are decoded case-sensitively (see decodeStrict): a key Stream would not recognise is
// ignored, as a server with exact field names would ignore it.

type orderRequest struct {
	Header     *header `json:"header"`
	Delivery   *leg    `json:"delivery"`
	Collection *leg    `json:"collection"`
}

type header struct {
	OrderNo            string       `json:"orderNo"`
	OrderDate          string       `json:"orderDate"`
	OrderType          string       `json:"orderType"`
	OrderCategory      string       `json:"orderCategory"`
	ServiceLevel       string       `json:"serviceLevel"`
	Services           []service    `json:"services"`
	Partner            *partner     `json:"partner"`
	Customer           *customer    `json:"customer"`
	CustomerOrderNo    string       `json:"customerOrderNo"`
	OrderNotes         string       `json:"orderNotes"`
	DriverNotes        string       `json:"driverNotes"`
	CutOffTimeMet      bool         `json:"cutOffTimeMet"`
	RouteInfo          string       `json:"routeInfo"`
	ExternalClientID   string       `json:"externalClientId"`
	ExternalClientIDKB string       `json:"externalClientID"` // the KB example's spelling
	DriverLinks        []driverLink `json:"driverLinks"`
	UpdateAddresses    bool         `json:"updateAddresses"`
}

type service struct {
	Code string `json:"code"`
}

type partner struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type customer struct {
	Name    string   `json:"name"`
	Address *address `json:"address"`
	Contact *contact `json:"contact"`
	Account *struct {
		Name   string `json:"name"`
		Number string `json:"number"`
	} `json:"account"`
}

type driverLink struct {
	Description string `json:"description"`
	Link        string `json:"link"`
}

type address struct {
	Name              string `json:"name"`
	Address1          string `json:"address1"`
	Address2          string `json:"address2"`
	Address3          string `json:"address3"`
	Address4          string `json:"address4"`
	Address5          string `json:"address5"`
	Country           string `json:"country"`
	Postcode          string `json:"postcode"`
	Lat               *coord `json:"lat"`
	Long              *coord `json:"long"`
	AltLat            *coord `json:"altLat,omitempty"`
	AltLong           *coord `json:"altLong,omitempty"`
	What3Words        string `json:"what3words,omitempty"`
	Nuts              string `json:"nuts"`
	ExternalAddressID string `json:"externalAddressId"`
	LocationNotes     string `json:"locationNotes"`
	AddressRef        string `json:"addressRef"`
	VehicleType       string `json:"vehicleType"`
}

type contact struct {
	Name        string     `json:"name"`
	Tel1        string     `json:"tel1"`
	Tel2        string     `json:"tel2"`
	Mobile      string     `json:"mobile"`
	Fax         string     `json:"fax"`
	Email       string     `json:"email"`
	OptOutEmail bool       `json:"optOutEmail"`
	OptOutSms   bool       `json:"optOutSms"`
	AltEmail    []altEmail `json:"altemail"`
}

type altEmail struct {
	Secondary  string `json:"secondary"`
	Operations string `json:"operations"`
	Financial  string `json:"financial"`
}

type window struct {
	FromDateTime string `json:"fromDateTime"`
	ToDateTime   string `json:"toDateTime"`
}

type timeOnSite struct {
	Unload   int `json:"unload"`
	Assembly int `json:"assembly"`
}

// leg is a delivery or collection section; Delivery holds the delivery legs of a MULTI order.
type leg struct {
	Address          *address    `json:"address"`
	Contact          *contact    `json:"contact"`
	Required         *window     `json:"required"`
	DeliveryMethod   string      `json:"deliveryMethod"`
	CollectionMethod string      `json:"collectionMethod"`
	TimeOnSite       *timeOnSite `json:"timeOnSite"`
	BookingRequired  bool        `json:"bookingRequired"`
	UpdateAddresses  bool        `json:"updateAddresses"`
	Items            []item      `json:"items"`
	Delivery         []leg       `json:"delivery"`
}

type item struct {
	Sequence          int        `json:"sequence"`
	ParentSequence    int        `json:"parentSequence"`
	ConsolidatedLevel int        `json:"consolidatedLevel"`
	Code              string     `json:"code"`
	Description       string     `json:"description"`
	Quantity          *int       `json:"quantity"`
	Weight            float64    `json:"weight"`
	Cube              float64    `json:"cube"`
	AssemblyTime      int        `json:"assemblyTime"`
	StockLocation     string     `json:"stockLocation"`
	OnHandDate        string     `json:"onHandDate"`
	PackageID         string     `json:"packageId"`
	Notes             string     `json:"notes"`
	PackageType       string     `json:"packageType"`
	Container         *container `json:"container"`
}

type container struct {
	ContainerID          string `json:"containerId"`
	ContainerDescription string `json:"containerDescription"`
	ContainerType        string `json:"containerType"`
}

// coord is a latitude or longitude, accepted as a JSON number or a numeric string.
type coord float64

func (c *coord) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		return nil
	}
	if unq, err := strconv.Unquote(s); err == nil {
		s = strings.TrimSpace(unq)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return fmt.Errorf("coordinate %s is not a number", string(b))
	}
	*c = coord(f)
	return nil
}

// Order states (reference §7.3).
const (
	statusUnconfirmed = "UNCONFIRMED"
	statusPlanned     = "PLANNED"
	statusReleased    = "RELEASED" // dispatched to the driver
	statusDelivered   = "DELIVERED"
	statusCollected   = "COLLECTED"
	statusCancelled   = "CANCELLED"
)

// streamTime is the layout of date-times Stream sends ("2026-06-20T07-00Z").
const streamTime = "2006-01-02T15-04Z"

// order is a stored Stream order (consignment).
type order struct {
	clientID      string
	seq           int
	header        header
	groups        []*group
	consignmentNo string
	trackingID    string
	trackingURL   string
	status        string
	created       time.Time
	received      json.RawMessage // the create request as sent
}

// group is one delivery or collection leg of an order, with its planning state.
type group struct {
	id     int
	typ    string // TypeDelivery or TypeCollection
	leg    leg
	method string
	status string
	run    *runAssignment
	done   time.Time // delivered or collected
}

// runAssignment is what the dispatcher decided for a group: run, stop, date and progress.
type runAssignment struct {
	loadID      string
	description string
	sequence    int
	date        string // yyyy-MM-dd
	eta         time.Time
	driverName  string
	vehicleName string
	vehicleType string
	dispatched  time.Time
	completed   time.Time
}

// loadKey identifies a run: the same description on the same date for one account.
type loadKey struct {
	clientID, description, date string
}
