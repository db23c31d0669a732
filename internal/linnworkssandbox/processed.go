package linnworkssandbox

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// processedOrderWeb is the spec's ProcessedOrderWeb, with the fields the sandbox knows.
type processedOrderWeb struct {
	PkOrderID              string     `json:"pkOrderID"`
	NOrderId               int        `json:"nOrderId"`
	NStatus                int        `json:"nStatus"`
	DReceivedDate          time.Time  `json:"dReceivedDate"`
	DProcessedOn           time.Time  `json:"dProcessedOn"`
	DPaidOn                *time.Time `json:"dPaidOn,omitempty"`
	FPostageCost           float64    `json:"fPostageCost"`
	FTotalCharge           float64    `json:"fTotalCharge"`
	Subtotal               float64    `json:"Subtotal"`
	FTax                   float64    `json:"fTax"`
	CCurrency              string     `json:"cCurrency"`
	PostalTrackingNumber   string     `json:"PostalTrackingNumber"`
	PostalServiceName      string     `json:"PostalServiceName"`
	Vendor                 string     `json:"Vendor"`
	Source                 string     `json:"Source"`
	SubSource              string     `json:"SubSource"`
	ReferenceNum           string     `json:"ReferenceNum"`
	SecondaryReference     string     `json:"SecondaryReference"`
	ExternalReference      string     `json:"ExternalReference"`
	CFullName              string     `json:"cFullName"`
	CEmailAddress          string     `json:"cEmailAddress"`
	CPostCode              string     `json:"cPostCode"`
	CCountry               string     `json:"cCountry"`
	Address1               string     `json:"Address1"`
	Town                   string     `json:"Town"`
	ChannelBuyerName       string     `json:"ChannelBuyerName"`
	HoldOrCancel           bool       `json:"HoldOrCancel"`
	TotalWeight            float64    `json:"TotalWeight"`
	FulfilmentLocationName string     `json:"FulfilmentLocationName"`
}

func (st *store) processedView(o *order) processedOrderWeb {
	d := &o.d
	a := d.CustomerInfo.Address
	loc := ""
	for _, l := range st.locations {
		if l.StockLocationId == d.FulfilmentLocationId {
			loc = l.LocationName
		}
	}
	v := processedOrderWeb{
		PkOrderID: d.OrderId, NOrderId: d.NumOrderId, NStatus: d.GeneralInfo.Status, DReceivedDate: d.GeneralInfo.ReceivedDate,
		DPaidOn: d.PaidDateTime, FPostageCost: d.TotalsInfo.PostageCost, FTotalCharge: d.TotalsInfo.TotalCharge, Subtotal: d.TotalsInfo.Subtotal,
		FTax: d.TotalsInfo.Tax, CCurrency: d.TotalsInfo.Currency, PostalTrackingNumber: d.ShippingInfo.TrackingNumber,
		PostalServiceName: d.ShippingInfo.PostalServiceName, Vendor: d.ShippingInfo.Vendor, Source: d.GeneralInfo.Source,
		SubSource: d.GeneralInfo.SubSource, ReferenceNum: d.GeneralInfo.ReferenceNum, SecondaryReference: d.GeneralInfo.SecondaryReference,
		ExternalReference: d.GeneralInfo.ExternalReferenceNum, CFullName: a.FullName, CEmailAddress: a.EmailAddress, CPostCode: a.PostCode,
		CCountry: a.Country, Address1: a.Address1, Town: a.Town, ChannelBuyerName: d.CustomerInfo.ChannelBuyerName,
		HoldOrCancel: d.GeneralInfo.HoldOrCancel, TotalWeight: d.ShippingInfo.TotalWeight, FulfilmentLocationName: loc,
	}
	if d.ProcessedDateTime != nil {
		v.DProcessedOn = *d.ProcessedDateTime
	}
	return v
}

// searchProcessedOrders is ProcessedOrders/SearchProcessedOrders (body wrapped in "request").
// SearchTerm matches the order number, references, name, postcode, email and tracking number.
func searchProcessedOrders(c *call) (any, error) {
	var req struct {
		Request *struct {
			SearchTerm    string `json:"SearchTerm"`
			SearchFilters []struct {
				SearchField string `json:"SearchField"`
				SearchTerm  string `json:"SearchTerm"`
			} `json:"SearchFilters"`
			DateField      string     `json:"DateField"`
			FromDate       *time.Time `json:"FromDate"`
			ToDate         *time.Time `json:"ToDate"`
			PageNumber     int        `json:"PageNumber"`
			ResultsPerPage int        `json:"ResultsPerPage"`
			SearchSorting  *struct {
				SortField     string `json:"SortField"`
				SortDirection string `json:"SortDirection"`
			} `json:"SearchSorting"`
		} `json:"request"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.Request == nil {
		return nil, badRequest("request is required.")
	}
	q := req.Request
	if q.ResultsPerPage <= 0 {
		return nil, badRequest("ResultsPerPage must be greater than 0.")
	}
	var hits []*order
	for _, o := range c.s.st.sorted() {
		if !o.d.Processed {
			continue
		}
		if q.SearchTerm != "" && !matchesSearch(o, q.SearchTerm) && !strings.EqualFold(o.d.ShippingInfo.TrackingNumber, q.SearchTerm) {
			continue
		}
		if !processedFiltersMatch(o, q.SearchFilters) {
			continue
		}
		var when *time.Time
		switch q.DateField {
		case "processed":
			when = o.d.ProcessedDateTime
		case "payment":
			when = o.d.PaidDateTime
		case "received":
			when = &o.d.GeneralInfo.ReceivedDate
		case "cancelled":
			when = nil
		}
		if q.DateField != "" && (q.FromDate != nil || q.ToDate != nil) {
			if when == nil || (q.FromDate != nil && when.Before(*q.FromDate)) || (q.ToDate != nil && when.After(*q.ToDate)) {
				continue
			}
		}
		hits = append(hits, o)
	}
	if s := q.SearchSorting; s != nil && strings.EqualFold(s.SortField, "dProcessedOn") {
		slices.SortStableFunc(hits, func(a, b *order) int {
			r := cmp.Compare(a.d.ProcessedDateTime.UnixNano(), b.d.ProcessedDateTime.UnixNano())
			if s.SortDirection == "DESC" {
				r = -r
			}
			return r
		})
	}
	items, number, pages := page(hits, q.PageNumber, q.ResultsPerPage)
	type pagedProcessed struct {
		PageNumber     int                 `json:"PageNumber"`
		EntriesPerPage int                 `json:"EntriesPerPage"`
		TotalEntries   int64               `json:"TotalEntries"`
		TotalPages     int                 `json:"TotalPages"`
		Data           []processedOrderWeb `json:"Data"`
	}
	out := pagedProcessed{PageNumber: number, EntriesPerPage: q.ResultsPerPage, TotalEntries: int64(len(hits)), TotalPages: pages, Data: []processedOrderWeb{}}
	for _, o := range items {
		out.Data = append(out.Data, c.s.st.processedView(o))
	}
	return struct {
		ProcessedOrders pagedProcessed `json:"ProcessedOrders"`
	}{out}, nil
}

func processedFiltersMatch(o *order, filters []struct {
	SearchField string `json:"SearchField"`
	SearchTerm  string `json:"SearchTerm"`
}) bool {
	for _, f := range filters {
		var v string
		switch f.SearchField {
		case "Source":
			v = o.d.GeneralInfo.Source
		case "SubSource":
			v = o.d.GeneralInfo.SubSource
		case "ItemIdentifier":
			hit := false
			walkItems(o.d.Items, func(it OrderItem) {
				hit = hit || strings.EqualFold(it.SKU, f.SearchTerm) || strings.EqualFold(it.BarcodeNumber, f.SearchTerm)
			})
			if !hit {
				return false
			}
			continue
		}
		if !strings.EqualFold(v, f.SearchTerm) {
			return false
		}
	}
	return true
}

// processedOrderNote is the spec's ProcessedOrderNote.
type processedOrderNote struct {
	PkOrderNoteId string    `json:"pkOrderNoteId"`
	FkOrderId     string    `json:"fkOrderId"`
	Note          string    `json:"Note"`
	NoteEntryDate time.Time `json:"NoteEntryDate"`
	NoteUserName  string    `json:"NoteUserName"`
	Internal      bool      `json:"Internal"`
	NoteTypeId    int       `json:"NoteTypeId"`
}

// getProcessedOrderNotes is ProcessedOrders/GetProcessedOrderNotes.
func getProcessedOrderNotes(c *call) (any, error) {
	o, err := c.orderParam("pkOrderId", c.query("pkOrderId"))
	if err != nil {
		return nil, err
	}
	out := []processedOrderNote{}
	for _, n := range o.d.Notes {
		out = append(out, processedOrderNote{PkOrderNoteId: n.OrderNoteId, FkOrderId: o.d.OrderId, Note: n.Note, NoteEntryDate: n.NoteDate,
			NoteUserName: n.CreatedBy, Internal: n.Internal, NoteTypeId: n.NoteTypeId})
	}
	return out, nil
}

// addProcessedOrderNote is ProcessedOrders/AddOrderNote: appends a note to any order (notes
// are what may still change after processing) and answers its id.
func addProcessedOrderNote(c *call) (any, error) {
	var req struct {
		PkOrderID  string `json:"pkOrderID"`
		NoteText   string `json:"noteText"`
		IsInternal bool   `json:"isInternal"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	o, err := c.orderParam("pkOrderID", req.PkOrderID)
	if err != nil {
		return nil, err
	}
	if req.NoteText == "" {
		return nil, badRequest("noteText is required.")
	}
	n := c.newNote(o, req.NoteText, req.IsInternal)
	o.d.Notes = append(o.d.Notes, n)
	c.touch(o)
	return n.OrderNoteId, nil
}
