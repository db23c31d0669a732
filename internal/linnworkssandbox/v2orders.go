package linnworkssandbox

import (
	"net/http"
	"strconv"
	"time"
)

// The v2 shapes (2.0/orders-v2.json) differ from v1: Folders instead of FolderName, PaidOn and
// ProcessedOn, LastUpdated, IsLocked, NotesCount, and an OrderItemWithChildren tree.

type v2Order struct {
	OrderId              string               `json:"OrderId"`
	NumOrderId           int                  `json:"NumOrderId"`
	Processed            bool                 `json:"Processed"`
	ProcessedOn          *time.Time           `json:"ProcessedOn,omitempty"`
	PaidOn               *time.Time           `json:"PaidOn,omitempty"`
	LastUpdated          time.Time            `json:"LastUpdated"`
	FulfilmentLocationId string               `json:"FulfilmentLocationId"`
	ShippingInfo         v2ShippingInfo       `json:"ShippingInfo"`
	TotalsInfo           v2TotalsInfo         `json:"TotalsInfo"`
	ExtendedProperties   []v2ExtendedProperty `json:"ExtendedProperties"`
	Folders              []string             `json:"Folders"`
	TaxId                string               `json:"TaxId"`
	GeneralInfo          map[string]any       `json:"GeneralInfo"`
	CustomerInfo         v2CustomerInfo       `json:"CustomerInfo"`
	Items                []v2Item             `json:"Items"`
	Notes                []v2Note             `json:"Notes"`
}

type v2ShippingInfo struct {
	Vendor            string  `json:"Vendor"`
	PostalServiceId   string  `json:"PostalServiceId,omitempty"`
	PostalServiceName string  `json:"PostalServiceName"`
	TotalWeight       float64 `json:"TotalWeight"`
	ItemWeight        float64 `json:"ItemWeight"`
	PackageCategoryId string  `json:"PackageCategoryId,omitempty"`
	PackageCategory   string  `json:"PackageCategory"`
	PackageTypeId     string  `json:"PackageTypeId,omitempty"`
	PackageType       string  `json:"PackageType"`
	TrackingNumber    string  `json:"TrackingNumber"`
	ManualAdjust      bool    `json:"ManualAdjust"`
}

type v2TotalsInfo struct {
	Subtotal         float64 `json:"Subtotal"`
	PostageCost      float64 `json:"PostageCost"`
	PostageCostExTax float64 `json:"PostageCostExTax"`
	Tax              float64 `json:"Tax"`
	TotalCharge      float64 `json:"TotalCharge"`
	PaymentMethod    string  `json:"PaymentMethod"`
	PaymentMethodId  string  `json:"PaymentMethodId,omitempty"`
	TotalDiscount    float64 `json:"TotalDiscount"`
	Currency         string  `json:"Currency"`
	CountryTaxRate   float64 `json:"CountryTaxRate"`
	ConversionRate   float64 `json:"ConversionRate"`
}

type v2ExtendedProperty struct {
	RowId      string    `json:"RowId"`
	Name       string    `json:"Name"`
	Value      string    `json:"Value"`
	Type       string    `json:"Type"`
	CreateDate time.Time `json:"CreateDate"`
	LastUpdate time.Time `json:"LastUpdate"`
	UpdatedBy  string    `json:"UpdatedBy"`
}

type v2Address struct {
	Address1     string `json:"Address1"`
	Address2     string `json:"Address2"`
	Address3     string `json:"Address3"`
	Town         string `json:"Town"`
	Region       string `json:"Region"`
	PostCode     string `json:"PostCode"`
	Country      string `json:"Country"`
	CountryId    string `json:"CountryId,omitempty"`
	FullName     string `json:"FullName"`
	Company      string `json:"Company"`
	PhoneNumber  string `json:"PhoneNumber"`
	EmailAddress string `json:"EmailAddress"`
}

type v2ShippingAddress struct {
	v2Address
	Continent string `json:"Continent"`
}

type v2CustomerInfo struct {
	ChannelBuyerName string            `json:"ChannelBuyerName"`
	Address          v2ShippingAddress `json:"Address"`
	BillingAddress   v2Address         `json:"BillingAddress"`
	TaxId            string            `json:"TaxId"`
}

type v2Item struct {
	RowId             string         `json:"RowId"`
	StockItemId       string         `json:"StockItemId"`
	IsService         bool           `json:"IsService"`
	Quantity          int            `json:"Quantity"`
	ItemNumber        string         `json:"ItemNumber"`
	SKU               string         `json:"SKU"`
	ItemSource        string         `json:"ItemSource"`
	Title             string         `json:"Title"`
	CategoryName      string         `json:"CategoryName"`
	PricePerUnit      float64        `json:"PricePerUnit"`
	UnitCost          float64        `json:"UnitCost"`
	Discount          float64        `json:"Discount"`
	TaxRate           float64        `json:"TaxRate"`
	Cost              float64        `json:"Cost"`
	CostIncTax        float64        `json:"CostIncTax"`
	Weight            float64        `json:"Weight"`
	BarcodeNumber     string         `json:"BarcodeNumber"`
	ChannelSKU        string         `json:"ChannelSKU"`
	ChannelTitle      string         `json:"ChannelTitle"`
	ParentItemId      string         `json:"ParentItemId,omitempty"`
	CompositeSubItems []v2Item       `json:"CompositeSubItems"`
	AdditionalInfo    []v2ItemOption `json:"AdditionalInfo"`
}

type v2ItemOption struct {
	OptionId string `json:"OptionId,omitempty"`
	Property string `json:"Property"`
	Value    string `json:"Value"`
}

type v2Note struct {
	OrderNoteId string    `json:"OrderNoteId"`
	NoteDate    time.Time `json:"NoteDate"`
	Internal    bool      `json:"Internal"`
	Note        string    `json:"Note"`
	CreatedBy   string    `json:"CreatedBy"`
	NoteTypeId  int       `json:"NoteTypeId"`
}

var orderStatusNames = map[int]string{0: "UNPAID", 1: "PAID", 2: "RETURN", 3: "PENDING", 4: "RESEND"}

func v2Items(items []OrderItem, parent string) []v2Item {
	out := []v2Item{}
	for _, it := range items {
		opts := []v2ItemOption{}
		for _, o := range it.AdditionalInfo {
			opts = append(opts, v2ItemOption{OptionId: o.PkOptionId, Property: o.Property, Value: o.Value})
		}
		out = append(out, v2Item{
			RowId: it.RowId, StockItemId: it.StockItemId, IsService: it.IsService, Quantity: it.Quantity, ItemNumber: it.ItemNumber,
			SKU: it.SKU, ItemSource: it.ItemSource, Title: it.Title, CategoryName: it.CategoryName, PricePerUnit: it.PricePerUnit,
			UnitCost: it.UnitCost, Discount: it.Discount, TaxRate: it.TaxRate, Cost: it.Cost, CostIncTax: it.CostIncTax,
			Weight: it.Weight, BarcodeNumber: it.BarcodeNumber, ChannelSKU: it.ChannelSKU, ChannelTitle: it.ChannelTitle,
			ParentItemId: parent, CompositeSubItems: v2Items(it.CompositeSubItems, it.RowId), AdditionalInfo: opts,
		})
	}
	return out
}

func v2Addr(a CustomerAddress) v2Address {
	return v2Address{Address1: a.Address1, Address2: a.Address2, Address3: a.Address3, Town: a.Town, Region: a.Region,
		PostCode: a.PostCode, Country: a.Country, CountryId: a.CountryId, FullName: a.FullName, Company: a.Company,
		PhoneNumber: a.PhoneNumber, EmailAddress: a.EmailAddress}
}

// v2View renders an order in the v2 shape.
func (st *store) v2View(o *order) v2Order {
	d := st.details(o)
	g := d.GeneralInfo
	idents := []map[string]string{}
	for _, i := range g.Identifiers {
		idents = append(idents, map[string]string{"Tag": i.Tag, "Name": i.Name})
	}
	gi := map[string]any{
		"Status": g.Status, "StatusDescription": orderStatusNames[g.Status], "LabelPrinted": g.LabelPrinted, "LabelError": g.LabelError,
		"InvoicePrinted": g.InvoicePrinted, "PickListPrinted": g.PickListPrinted, "NotesCount": len(d.Notes), "Marker": g.Marker,
		"Identifiers": idents, "ReferenceNum": g.ReferenceNum, "SecondaryReference": g.SecondaryReference,
		"ExternalReferenceNum": g.ExternalReferenceNum, "ReceivedDate": g.ReceivedDate, "Source": g.Source, "SubSource": g.SubSource,
		"HasScheduledDelivery": g.HasScheduledDelivery, "NumItems": len(d.Items), "StockAllocationType": "Full",
	}
	if g.DespatchByDate != nil {
		gi["DespatchByDate"] = *g.DespatchByDate
	}
	if g.ScheduledDelivery != nil {
		gi["ScheduledDelivery"] = g.ScheduledDelivery
	}
	if d.Processed {
		gi["IsCancelled"] = false
	} else {
		gi["IsParked"], gi["IsMerged"], gi["IsLocked"], gi["IsRuleRun"] = g.IsParked, false, g.HoldOrCancel, g.IsRuleRun
	}
	props := []v2ExtendedProperty{}
	for _, p := range d.ExtendedProperties {
		props = append(props, v2ExtendedProperty{RowId: p.RowId, Name: p.Name, Value: p.Value, Type: p.Type,
			CreateDate: g.ReceivedDate, LastUpdate: o.lastUpdated, UpdatedBy: sandboxUserName})
	}
	notes := []v2Note{}
	for _, n := range d.Notes {
		notes = append(notes, v2Note{OrderNoteId: n.OrderNoteId, NoteDate: n.NoteDate, Internal: n.Internal, Note: n.Note, CreatedBy: n.CreatedBy, NoteTypeId: n.NoteTypeId})
	}
	s, t, c := d.ShippingInfo, d.TotalsInfo, d.CustomerInfo
	return v2Order{
		OrderId: d.OrderId, NumOrderId: d.NumOrderId, Processed: d.Processed, ProcessedOn: d.ProcessedDateTime, PaidOn: d.PaidDateTime,
		LastUpdated: o.lastUpdated, FulfilmentLocationId: d.FulfilmentLocationId,
		ShippingInfo: v2ShippingInfo{Vendor: s.Vendor, PostalServiceId: s.PostalServiceId, PostalServiceName: s.PostalServiceName,
			TotalWeight: s.TotalWeight, ItemWeight: s.ItemWeight, PackageCategoryId: s.PackageCategoryId, PackageCategory: s.PackageCategory,
			PackageTypeId: s.PackageTypeId, PackageType: s.PackageType, TrackingNumber: s.TrackingNumber, ManualAdjust: s.ManualAdjust},
		TotalsInfo: v2TotalsInfo{Subtotal: t.Subtotal, PostageCost: t.PostageCost, PostageCostExTax: t.PostageCostExTax, Tax: t.Tax,
			TotalCharge: t.TotalCharge, PaymentMethod: t.PaymentMethod, PaymentMethodId: t.PaymentMethodId, TotalDiscount: t.TotalDiscount,
			Currency: t.Currency, CountryTaxRate: t.CountryTaxRate, ConversionRate: t.ConversionRate},
		ExtendedProperties: props, Folders: d.FolderName, TaxId: d.TaxId, GeneralInfo: gi,
		CustomerInfo: v2CustomerInfo{ChannelBuyerName: c.ChannelBuyerName, Address: v2ShippingAddress{v2Address: v2Addr(c.Address), Continent: c.Address.Continent},
			BillingAddress: v2Addr(c.BillingAddress), TaxId: d.TaxId},
		Items: v2Items(d.Items, ""), Notes: notes,
	}
}

// v2OrdersResponse is the spec's GetOrdersResponse.
type v2OrdersResponse struct {
	TotalOrders     int       `json:"TotalOrders"`
	NextSearchToken *string   `json:"NextSearchToken"`
	OpenOrders      []v2Order `json:"OpenOrders"`
	ProcessedOrders []v2Order `json:"ProcessedOrders"`
}

// searchPage is the rest of a v2 result set, kept for its NextSearchToken.
type searchPage struct {
	ids     []string
	total   int
	perPage int
}

// defaultV2PageSize is the page size when entriesPerPage is absent.
const defaultV2PageSize = 100

// maxSearches bounds the result sets kept for search tokens clients never follow.
const maxSearches = 256

// v2GetOrders is GET /v2/orders: by id (all other parameters ignored, as the spec says), or
// every order updated since fromDate, open (and processed if asked), paid only if asked, at a
// location if asked; pages continue with NextSearchToken.
func v2GetOrders(c *call) (any, error) {
	q := c.r.URL.Query()
	st := c.s.st
	var res searchPage
	switch token := q.Get("searchToken"); {
	case token != "":
		key, _ := normGUID(token)
		p, ok := c.s.searches[key]
		if !ok {
			return nil, &apiError{Status: http.StatusNotFound, Code: "NotFound", Message: "The search token is unknown or expired."}
		}
		delete(c.s.searches, key)
		res = p
	case len(q["id"]) > 0:
		for _, id := range q["id"] {
			if o, ok := st.get(id); ok {
				res.ids = append(res.ids, o.d.OrderId)
			}
		}
		res.total, res.perPage = len(res.ids), max(len(res.ids), 1)
	default:
		var from time.Time
		if raw := q.Get("fromDate"); raw != "" {
			t, err := time.Parse(time.RFC3339Nano, raw)
			if err != nil {
				return nil, badRequest("fromDate %q is not a date-time.", raw)
			}
			from = t
		}
		includeProcessed, _ := strconv.ParseBool(q.Get("includeProcessed"))
		onlyPaid, _ := strconv.ParseBool(q.Get("onlyPaid"))
		loc, hasLoc := normGUID(q.Get("locationId"))
		for _, o := range st.sorted() {
			switch {
			case o.lastUpdated.Before(from),
				o.d.Processed && !includeProcessed,
				onlyPaid && o.d.GeneralInfo.Status != 1,
				hasLoc && o.d.FulfilmentLocationId != loc:
				continue
			}
			res.ids = append(res.ids, o.d.OrderId)
		}
		res.total = len(res.ids)
		res.perPage = defaultV2PageSize
		if n, err := strconv.Atoi(q.Get("entriesPerPage")); err == nil {
			if n <= 0 {
				return nil, badRequest("entriesPerPage must be greater than 0.")
			}
			res.perPage = n
		}
	}
	out := v2OrdersResponse{TotalOrders: res.total, OpenOrders: []v2Order{}, ProcessedOrders: []v2Order{}}
	n := min(res.perPage, len(res.ids))
	for _, id := range res.ids[:n] {
		o, ok := st.get(id)
		if !ok {
			continue
		}
		if o.d.Processed {
			out.ProcessedOrders = append(out.ProcessedOrders, st.v2View(o))
		} else {
			out.OpenOrders = append(out.OpenOrders, st.v2View(o))
		}
	}
	if rest := res.ids[n:]; len(rest) > 0 {
		if len(c.s.searches) >= maxSearches {
			clear(c.s.searches)
		}
		token := newGUID()
		c.s.searches[token] = searchPage{ids: rest, total: res.total, perPage: res.perPage}
		out.NextSearchToken = &token
	}
	return out, nil
}
