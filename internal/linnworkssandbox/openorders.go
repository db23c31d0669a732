package linnworkssandbox

import (
	"slices"
	"strings"
)

// openOrdersRequest is the spec's GetOpenOrdersRequest (ViewId, LocationId and EntriesPerPage
// are required by the spec, which the validation enforces).
type openOrdersRequest struct {
	ViewId         int      `json:"ViewId"`
	LocationId     string   `json:"LocationId"`
	EntriesPerPage int      `json:"EntriesPerPage"`
	PageNumber     int      `json:"PageNumber"`
	OrderIds       []string `json:"OrderIds"`
}

// viewOrders selects the open orders of a GetOpenOrdersRequest. The sandbox has one view (the
// default, all open orders) whatever ViewId says.
func (c *call) viewOrders() ([]*order, openOrdersRequest, error) {
	var req openOrdersRequest
	if err := c.decode(&req); err != nil {
		return nil, req, err
	}
	if req.EntriesPerPage <= 0 {
		return nil, req, badRequest("EntriesPerPage must be greater than 0.")
	}
	loc, ok := normGUID(req.LocationId)
	if !ok {
		return nil, req, badRequest("LocationId is required.")
	}
	var only map[string]bool
	if len(req.OrderIds) > 0 {
		only = map[string]bool{}
		for _, id := range req.OrderIds {
			if key, ok := normGUID(id); ok {
				only[key] = true
			}
		}
	}
	var out []*order
	for _, o := range c.s.st.open() {
		if o.d.FulfilmentLocationId != loc || (only != nil && !only[o.d.OrderId]) {
			continue
		}
		out = append(out, o)
	}
	return out, req, nil
}

// postFilterPaged is the spec's PostFilterPagedResponse_OpenOrder.
type postFilterPaged struct {
	ResultCountRemovedByPostFilter int64       `json:"ResultCountRemovedByPostFilter"`
	PageNumber                     int         `json:"PageNumber"`
	EntriesPerPage                 int         `json:"EntriesPerPage"`
	TotalEntries                   int64       `json:"TotalEntries"`
	TotalPages                     int         `json:"TotalPages"`
	Data                           []OpenOrder `json:"Data"`
}

// openOrdersGetOpenOrders is OpenOrders/GetOpenOrders.
func openOrdersGetOpenOrders(c *call) (any, error) {
	orders, req, err := c.viewOrders()
	if err != nil {
		return nil, err
	}
	items, number, pages := page(orders, req.PageNumber, req.EntriesPerPage)
	out := postFilterPaged{PageNumber: number, EntriesPerPage: req.EntriesPerPage, TotalEntries: int64(len(orders)), TotalPages: pages, Data: []OpenOrder{}}
	for _, o := range items {
		out.Data = append(out.Data, c.s.st.openOrder(o))
	}
	return out, nil
}

// pagedIDs is the spec's GenericPagedResult_Guid.
type pagedIDs struct {
	PageNumber     int      `json:"PageNumber"`
	EntriesPerPage int      `json:"EntriesPerPage"`
	TotalEntries   int64    `json:"TotalEntries"`
	TotalPages     int      `json:"TotalPages"`
	Data           []string `json:"Data"`
}

// openOrdersGetOpenOrderIDs is OpenOrders/GetOpenOrderIds.
func openOrdersGetOpenOrderIDs(c *call) (any, error) {
	orders, req, err := c.viewOrders()
	if err != nil {
		return nil, err
	}
	items, number, pages := page(orders, req.PageNumber, req.EntriesPerPage)
	out := pagedIDs{PageNumber: number, EntriesPerPage: req.EntriesPerPage, TotalEntries: int64(len(orders)), TotalPages: pages, Data: []string{}}
	for _, o := range items {
		out.Data = append(out.Data, o.d.OrderId)
	}
	return out, nil
}

// getOpenOrdersDetails is OpenOrders/GetOpenOrdersDetails: open orders only; DetailLevel limits
// which optional parts are filled (empty = all).
func getOpenOrdersDetails(c *call) (any, error) {
	var req struct {
		OrderIds    []string `json:"OrderIds"`
		DetailLevel []string `json:"DetailLevel"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	want := func(level string) bool { return len(req.DetailLevel) == 0 || slices.Contains(req.DetailLevel, level) }
	out := struct {
		Orders []OrderDetails `json:"Orders"`
	}{Orders: []OrderDetails{}}
	for _, id := range req.OrderIds {
		o, ok := c.s.st.get(id)
		if !ok || o.d.Processed {
			continue
		}
		d := c.s.st.details(o)
		if !want("FOLDER") {
			d.FolderName = []string{}
		}
		if !want("NOTES") {
			d.Notes = []OrderNote{}
		}
		if !want("IDENTIFIERS") {
			d.GeneralInfo.Identifiers = []Identifier{}
		}
		if !want("EXTENDEDPROPERTIES") {
			d.ExtendedProperties = []ExtendedProperty{}
		}
		out.Orders = append(out.Orders, d)
	}
	return out, nil
}

// getIdentifiers is OpenOrders/GetIdentifiers.
func getIdentifiers(c *call) (any, error) {
	return slices.Clone(c.s.st.identifiers), nil
}

// getIdentifiersByOrderIDs is OpenOrders/GetIdentifiersByOrderIds.
func getIdentifiersByOrderIDs(c *call) (any, error) {
	var req struct {
		OrderIds []string `json:"OrderIds"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	out := []OrderIdentifier{}
	for _, id := range req.OrderIds {
		o, ok := c.s.st.get(id)
		if !ok {
			continue
		}
		for _, ident := range c.s.st.identifiersOf(o) {
			out = append(out, OrderIdentifier{FkOrderId: o.d.OrderId, Identifier: ident})
		}
	}
	return out, nil
}

// saveIdentifier is OpenOrders/SaveIdentifier: creates a custom identifier, or updates the one
// with the given IdentifierId or Tag. System identifiers cannot be changed.
func saveIdentifier(c *call) (any, error) {
	var req struct {
		Identifier *Identifier `json:"Identifier"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	in := req.Identifier
	if in == nil {
		return nil, badRequest("Identifier is required.")
	}
	in.Tag = strings.TrimSpace(in.Tag)
	st := c.s.st
	idx := -1
	for i, ident := range st.identifiers {
		if (in.IdentifierId != 0 && ident.IdentifierId == in.IdentifierId) || (in.IdentifierId == 0 && ident.Tag == in.Tag) {
			idx = i
			break
		}
	}
	if idx < 0 && in.IdentifierId != 0 {
		return nil, badRequest("Identifier %d not found.", in.IdentifierId)
	}
	if in.Tag == "" || strings.TrimSpace(in.Name) == "" {
		return nil, badRequest("Identifier Tag and Name are required.")
	}
	if idx < 0 {
		ident := Identifier{IdentifierId: st.nextIdentID, IsCustom: true, ImageId: newGUID(), ImageUrl: in.ImageUrl, Tag: in.Tag, Name: in.Name}
		st.nextIdentID++
		st.identifiers = append(st.identifiers, ident)
		return ident, nil
	}
	cur := &st.identifiers[idx]
	if !cur.IsCustom {
		return nil, badRequest("System identifier %s cannot be changed.", cur.Tag)
	}
	if in.Tag != cur.Tag {
		if _, taken := st.identifier(in.Tag); taken {
			return nil, badRequest("Identifier tag %s already exists.", in.Tag)
		}
		for _, o := range st.orders {
			for i, t := range o.tags {
				if t == cur.Tag {
					o.tags[i] = in.Tag
				}
			}
		}
	}
	cur.Tag, cur.Name, cur.ImageUrl = in.Tag, in.Name, in.ImageUrl
	if in.ImageId != "" {
		cur.ImageId = in.ImageId
	}
	return *cur, nil
}

// deleteIdentifier is OpenOrders/DeleteIdentifier: removes a custom identifier from the account
// and from every order.
func deleteIdentifier(c *call) (any, error) {
	var req struct {
		Tag string `json:"Tag"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	st := c.s.st
	ident, ok := st.identifier(req.Tag)
	if !ok {
		return nil, badRequest("Identifier tag %q not found.", req.Tag)
	}
	if !ident.IsCustom {
		return nil, badRequest("System identifier %s cannot be deleted.", ident.Tag)
	}
	st.identifiers = slices.DeleteFunc(st.identifiers, func(i Identifier) bool { return i.Tag == req.Tag })
	for _, o := range st.orders {
		if n := len(o.tags); n > 0 {
			o.tags = slices.DeleteFunc(o.tags, func(t string) bool { return t == req.Tag })
			if len(o.tags) != n {
				c.touch(o)
			}
		}
	}
	return noContent{}, nil
}

// assignResult is the spec's AssignResult.
type assignResult struct {
	Changed    []string `json:"Changed"`
	NotChanged []string `json:"NotChanged"`
}

// changeIdentifier is OpenOrders/AssignOrderIdentifier (assign) and
// OpenOrders/UnassignOrderIdentifier (!assign). Unknown and processed orders, and orders
// already in the wanted state, are NotChanged.
func changeIdentifier(assign bool) handler {
	return func(c *call) (any, error) {
		var req struct {
			OrderIds []string `json:"OrderIds"`
			Tag      string   `json:"Tag"`
		}
		if err := c.decode(&req); err != nil {
			return nil, err
		}
		if _, ok := c.s.st.identifier(req.Tag); !ok {
			return nil, badRequest("Identifier tag %q not found.", req.Tag)
		}
		out := assignResult{Changed: []string{}, NotChanged: []string{}}
		for _, id := range req.OrderIds {
			o, ok := c.s.st.get(id)
			if !ok || o.d.Processed {
				out.NotChanged = append(out.NotChanged, id)
				continue
			}
			has := slices.Contains(o.tags, req.Tag)
			switch {
			case assign && !has:
				o.tags = append(o.tags, req.Tag)
			case !assign && has:
				o.tags = slices.DeleteFunc(o.tags, func(t string) bool { return t == req.Tag })
			default:
				out.NotChanged = append(out.NotChanged, o.d.OrderId)
				continue
			}
			c.touch(o)
			out.Changed = append(out.Changed, o.d.OrderId)
		}
		return out, nil
	}
}
