package streamsandbox

import (
	"time"
)

// The types below are the order document of GET /orders/orders/{id} (reference §7.2).

type docOrder struct {
	TrackingURL string     `json:"trackingURL"`
	TrackingID  string     `json:"trackingId"`
	Header      docHeader  `json:"header"`
	Groups      []docGroup `json:"groups"`
}

type docHeader struct {
	ConsignmentNo    string       `json:"consignmentNo"`
	OrderDate        string       `json:"orderDate"`
	DeliveryDate     string       `json:"deliveryDate"`
	OwnerID          string       `json:"ownerId"`
	OwnerName        string       `json:"ownerName"`
	Partner          partner      `json:"partner"`
	OrderNo          string       `json:"orderNo"`
	CustomerOrderNo  string       `json:"customerOrderNo"`
	OrderWeight      float64      `json:"orderWeight"`
	AssemblyRequired bool         `json:"assemblyRequired"`
	OrderStatus      string       `json:"orderStatus"`
	CollectionStatus string       `json:"collectionStatus"`
	StockStatus      string       `json:"stockStatus"`
	OrderType        string       `json:"orderType"`
	OrderCategory    string       `json:"orderCategory"`
	Invoiced         bool         `json:"invoiced"`
	InvoiceReference string       `json:"invoiceReference"`
	NutsCode         string       `json:"nutsCode"`
	ServiceLevel     string       `json:"serviceLevel"`
	Services         []service    `json:"services"`
	OrderNotes       []docNote    `json:"orderNotes"`
	DriverNotes      string       `json:"driverNotes"`
	RouteInfo        string       `json:"routeInfo"`
	ExternalClientID string       `json:"externalClientId"`
	CutOffTimeMet    bool         `json:"cutOffTimeMet"`
	DriverLinks      []driverLink `json:"driverLinks"`
	Customer         docCustomer  `json:"customer"`
}

type docNote struct {
	Code string `json:"code"`
	Desc string `json:"desc"`
}

type docCustomer struct {
	Name    string   `json:"name"`
	Address *address `json:"address"`
	Contact *contact `json:"contact"`
}

type docGroup struct {
	ID                      int        `json:"id"`
	Type                    string     `json:"type"`
	Status                  string     `json:"status"`
	DeliveryMethod          string     `json:"deliveryMethod"`
	DriverNotes             string     `json:"driverNotes"`
	Required                window     `json:"required"`
	Planned                 window     `json:"planned"`
	ConfirmedPlanning       bool       `json:"confirmedPlanning"`
	LiveDate                string     `json:"liveDate"`
	EstimateArrivalDateTime string     `json:"estimateArrivalDateTime"`
	Quantity                int        `json:"quantity"`
	Weight                  float64    `json:"weight"`
	Cube                    float64    `json:"cube"`
	TimeOnSite              timeOnSite `json:"timeOnSite"`
	BookingRequired         bool       `json:"bookingRequired"`
	Address                 *address   `json:"address"`
	Contact                 *contact   `json:"contact"`
	RunDetails              *docRun    `json:"runDetails"`
	Items                   []docItem  `json:"items"`
}

type docRun struct {
	ID            string      `json:"id"`
	Description   string      `json:"description"`
	GroupSequence int         `json:"groupSequence"`
	Vehicle       string      `json:"vehicle"`
	VehicleName   string      `json:"vehicleName"`
	VehicleType   string      `json:"vehicleType"`
	Driver        string      `json:"driver"`
	DriverName    string      `json:"driverName"`
	Dispatched    bool        `json:"dispatched"`
	Departed      bool        `json:"departed"`
	Completed     bool        `json:"completed"`
	Start         docRunPoint `json:"start"`
	End           docRunPoint `json:"end"`
}

type docRunPoint struct {
	ActualDateTime  string  `json:"actualDateTime"`
	PlannedDateTime string  `json:"plannedDateTime"`
	Postcode        string  `json:"postcode"`
	Lat             float64 `json:"lat"`
	Long            float64 `json:"long"`
}

type docItem struct {
	Sequence          int          `json:"sequence"`
	ParentSequence    int          `json:"parentSequence"`
	ExternalSequence  int          `json:"externalSequence"`
	Code              string       `json:"code"`
	Description       string       `json:"description"`
	Quantity          int          `json:"quantity"`
	Weight            float64      `json:"weight"`
	Cube              float64      `json:"cube"`
	StockLocation     string       `json:"stockLocation"`
	OnHandDate        string       `json:"onHandDate"`
	PackageID         string       `json:"packageId"`
	PackageType       string       `json:"packageType"`
	Delivered         bool         `json:"delivered"`
	DeliveredDateTime string       `json:"deliveredDateTime"`
	Collected         bool         `json:"collected"`
	CollectedDateTime string       `json:"collectedDateTime"`
	Notes             string       `json:"notes"`
	Container         docContainer `json:"container"`
}

type docContainer struct {
	ContainerID string `json:"containerId"`
}

// notSet is how Stream writes an unset date-time.
const notSet = "0"

func streamDateTime(t time.Time) string {
	if t.IsZero() {
		return notSet
	}
	return t.UTC().Format(streamTime)
}

// streamWindow converts an accepted required window to Stream's output format.
func streamWindow(w *window) window {
	out := window{FromDateTime: notSet, ToDateTime: notSet}
	if w == nil {
		return out
	}
	if t, ok := parseDateTime(w.FromDateTime); ok {
		out.FromDateTime = streamDateTime(t)
	}
	if t, ok := parseDateTime(w.ToDateTime); ok {
		out.ToDateTime = streamDateTime(t)
	}
	return out
}

// document renders o as Stream's order document. Callers hold s.mu.
func (s *Sandbox) document(o *order) docOrder {
	h := o.header
	doc := docOrder{
		TrackingURL: o.trackingURL,
		TrackingID:  o.trackingID,
		Header: docHeader{
			ConsignmentNo:    o.consignmentNo,
			OrderDate:        h.OrderDate,
			DeliveryDate:     notSet,
			OwnerID:          o.clientID,
			OwnerName:        "Stream sandbox " + o.clientID,
			OrderNo:          h.OrderNo,
			CustomerOrderNo:  h.CustomerOrderNo,
			OrderStatus:      o.status,
			StockStatus:      "INSTOCK",
			OrderType:        h.OrderType,
			OrderCategory:    h.OrderCategory,
			ServiceLevel:     h.ServiceLevel,
			Services:         h.Services,
			OrderNotes:       []docNote{},
			DriverNotes:      h.DriverNotes,
			RouteInfo:        h.RouteInfo,
			ExternalClientID: h.ExternalClientID,
			CutOffTimeMet:    h.CutOffTimeMet,
			DriverLinks:      h.DriverLinks,
		},
		Groups: []docGroup{},
	}
	if doc.Header.Services == nil {
		doc.Header.Services = []service{}
	}
	if doc.Header.DriverLinks == nil {
		doc.Header.DriverLinks = []driverLink{}
	}
	if doc.Header.ExternalClientID == "" {
		doc.Header.ExternalClientID = h.ExternalClientIDKB
	}
	if h.Partner != nil {
		doc.Header.Partner = *h.Partner
	}
	if h.OrderNotes != "" {
		doc.Header.OrderNotes = append(doc.Header.OrderNotes, docNote{Code: "ORDER", Desc: h.OrderNotes})
	}
	if h.Customer != nil {
		doc.Header.Customer = docCustomer{Name: h.Customer.Name, Address: h.Customer.Address, Contact: h.Customer.Contact}
	}
	if h.OrderType == TypeCollection {
		doc.Header.CollectionStatus = o.status
	}
	today := s.now().UTC().Format(time.DateOnly)
	for _, g := range o.groups {
		dg := s.groupDocument(o, g)
		for _, it := range g.leg.Items {
			doc.Header.OrderWeight += it.Weight
			if it.AssemblyTime > 0 {
				doc.Header.AssemblyRequired = true
			}
			if it.OnHandDate > today {
				doc.Header.StockStatus = "AWAITINGSTOCK"
			}
		}
		if g.leg.Address != nil && doc.Header.NutsCode == "" {
			doc.Header.NutsCode = g.leg.Address.Nuts
		}
		if g.run != nil && doc.Header.DeliveryDate == notSet {
			doc.Header.DeliveryDate = g.run.date
		}
		doc.Groups = append(doc.Groups, dg)
	}
	return doc
}

func (s *Sandbox) groupDocument(o *order, g *group) docGroup {
	dg := docGroup{
		ID:                      g.id,
		Type:                    g.typ,
		Status:                  g.status,
		DeliveryMethod:          g.method,
		DriverNotes:             o.header.DriverNotes,
		Required:                streamWindow(g.leg.Required),
		Planned:                 window{FromDateTime: notSet, ToDateTime: notSet},
		LiveDate:                streamDateTime(o.created),
		EstimateArrivalDateTime: notSet,
		BookingRequired:         g.leg.BookingRequired,
		Address:                 g.leg.Address,
		Contact:                 g.leg.Contact,
		Items:                   []docItem{},
	}
	if g.leg.TimeOnSite != nil {
		dg.TimeOnSite = *g.leg.TimeOnSite
	}
	for _, it := range g.leg.Items {
		qty := 0
		if it.Quantity != nil {
			qty = *it.Quantity
		}
		dg.Quantity += qty
		dg.Weight += it.Weight
		dg.Cube += it.Cube
		di := docItem{
			Sequence: it.Sequence, ParentSequence: it.ParentSequence, ExternalSequence: it.Sequence,
			Code: it.Code, Description: it.Description, Quantity: qty, Weight: it.Weight, Cube: it.Cube,
			StockLocation: it.StockLocation, OnHandDate: it.OnHandDate, PackageID: it.PackageID,
			PackageType: it.PackageType, Notes: it.Notes,
			DeliveredDateTime: notSet, CollectedDateTime: notSet,
		}
		if it.Container != nil {
			di.Container.ContainerID = it.Container.ContainerID
		}
		if !g.done.IsZero() {
			if g.typ == TypeCollection {
				di.Collected, di.CollectedDateTime = true, streamDateTime(g.done)
			} else {
				di.Delivered, di.DeliveredDateTime = true, streamDateTime(g.done)
			}
		}
		dg.Items = append(dg.Items, di)
	}
	if r := g.run; r != nil {
		dg.Planned = window{FromDateTime: r.date + "T00-01Z", ToDateTime: r.date + "T23-59Z"}
		dg.ConfirmedPlanning = true
		dg.EstimateArrivalDateTime = streamDateTime(r.eta)
		depot, _ := s.methodDepot(g.method, g.typ)
		point := docRunPoint{ActualDateTime: notSet, Postcode: depot.Address.Postcode, Lat: depot.Address.Lat, Long: depot.Address.Long}
		start, end := point, point
		start.PlannedDateTime = r.date + "T07-00Z"
		end.PlannedDateTime = r.date + "T19-00Z"
		start.ActualDateTime = streamDateTime(r.dispatched)
		end.ActualDateTime = streamDateTime(r.completed)
		dg.RunDetails = &docRun{
			ID: r.loadID, Description: r.description, GroupSequence: r.sequence,
			Vehicle: r.vehicleName, VehicleName: r.vehicleName, VehicleType: r.vehicleType,
			Driver: r.driverName, DriverName: r.driverName,
			Dispatched: !r.dispatched.IsZero(), Departed: !r.dispatched.IsZero(), Completed: !r.completed.IsZero(),
			Start: start, End: end,
		}
	}
	return dg
}
