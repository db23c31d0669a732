package streamsandbox

import (
	"net/http"
	"slices"
)

// Method types of a depot's delivery methods.
const (
	TypeDelivery   = "DELIVERY"
	TypeCollection = "COLLECTION"
)

// Depot is a Stream depot as GET /depots/depots returns it.
type Depot struct {
	ID              string           `json:"id"`
	Address         DepotAddress     `json:"address"`
	Contact         DepotContact     `json:"contact"`
	StockLocation   StockLocation    `json:"stockLocation"`
	DeliveryMethods []DeliveryMethod `json:"deliveryMethods"`
}

// DepotAddress is a depot's address.
type DepotAddress struct {
	Name     string  `json:"name"`
	Address1 string  `json:"address1"`
	Address2 string  `json:"address2"`
	Address3 string  `json:"address3"`
	Address4 string  `json:"address4"`
	Address5 string  `json:"address5"`
	Country  string  `json:"country"`
	Postcode string  `json:"postcode"`
	Lat      float64 `json:"lat"`
	Long     float64 `json:"long"`
}

// DepotContact is a depot's contact.
type DepotContact struct {
	Name   string `json:"name"`
	Tel1   string `json:"tel1"`
	Tel2   string `json:"tel2"`
	Mobile string `json:"mobile"`
	Email  string `json:"email"`
}

// StockLocation is the single stock location Stream exposes per depot.
type StockLocation struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// DeliveryMethod is a fleet of a depot; Type is TypeDelivery or TypeCollection.
type DeliveryMethod struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Type string `json:"type"`
}

// DefaultDepots returns the depots of the user guide's examples: Justin Depot (Delivery, Courier,
// Trunk, Collection) and Rishvi (Rcollection, Rishvi Vehicles).
func DefaultDepots() []Depot {
	return []Depot{
		{
			ID: "1",
			Address: DepotAddress{Name: "Justin Depot", Address1: "Unit 4, Ring Road", Address2: "Lower Wortley",
				Address4: "Leeds", Address5: "West Yorkshire", Country: "GB", Postcode: "LS12 6AA", Lat: 53.7840, Long: -1.5912},
			Contact:       DepotContact{Name: "Justin Depot Office", Tel1: "0113 496 0000", Email: "justin.depot@example.com"},
			StockLocation: StockLocation{ID: "11", Name: "Justin Depot"},
			DeliveryMethods: []DeliveryMethod{
				{ID: "101", Name: "Delivery", Type: TypeDelivery},
				{ID: "102", Name: "Courier", Type: TypeDelivery},
				{ID: "103", Name: "Trunk", Type: TypeDelivery},
				{ID: "104", Name: "Collection", Type: TypeCollection},
			},
		},
		{
			ID: "2",
			Address: DepotAddress{Name: "Rishvi", Address1: "1 Trafford Wharf Road", Address4: "Manchester",
				Address5: "Greater Manchester", Country: "GB", Postcode: "M17 1AB", Lat: 53.4682, Long: -2.2925},
			Contact:       DepotContact{Name: "Rishvi Despatch", Tel1: "0161 496 0000", Email: "despatch.rishvi@example.com"},
			StockLocation: StockLocation{ID: "12", Name: "Rishvi"},
			DeliveryMethods: []DeliveryMethod{
				{ID: "201", Name: "Rcollection", Type: TypeCollection},
				{ID: "202", Name: "Rishvi Vehicles", Type: TypeDelivery},
			},
		},
	}
}

// listDepots answers GET /depots/depots.
func (s *Sandbox) listDepots(w http.ResponseWriter) {
	writeEnvelope(w, http.StatusOK, true, nil, map[string]any{"depots": s.depots})
}

// methodDepot returns the depot offering a method of that name and type.
func (s *Sandbox) methodDepot(name, typ string) (Depot, bool) {
	for _, d := range s.depots {
		if slices.ContainsFunc(d.DeliveryMethods, func(m DeliveryMethod) bool { return m.Name == name && m.Type == typ }) {
			return d, true
		}
	}
	return Depot{}, false
}

// methodTypes returns the types of every method named name, across depots.
func (s *Sandbox) methodTypes(name string) []string {
	var types []string
	for _, d := range s.depots {
		for _, m := range d.DeliveryMethods {
			if m.Name == name && !slices.Contains(types, m.Type) {
				types = append(types, m.Type)
			}
		}
	}
	return types
}

// isStockLocation reports whether v names (or identifies) a depot's stock location.
func (s *Sandbox) isStockLocation(v string) bool {
	for _, d := range s.depots {
		if d.StockLocation.Name == v || d.StockLocation.ID == v {
			return true
		}
	}
	return false
}
