package linnworkssandbox

import (
	"encoding/json"
	"strconv"
)

// pagedOpenOrders is the spec's GenericPagedResult_OpenOrder.
type pagedOpenOrders struct {
	PageNumber     int         `json:"PageNumber"`
	EntriesPerPage int         `json:"EntriesPerPage"`
	TotalEntries   int64       `json:"TotalEntries"`
	TotalPages     int         `json:"TotalPages"`
	Data           []OpenOrder `json:"Data"`
}

// page cuts one page out of orders; page numbers start at 1.
func page[T any](all []T, pageNumber, perPage int) (items []T, number, pages int) {
	if pageNumber < 1 {
		pageNumber = 1
	}
	pages = (len(all) + perPage - 1) / perPage
	start := (pageNumber - 1) * perPage
	if start >= len(all) {
		return []T{}, pageNumber, pages
	}
	end := min(start+perPage, len(all))
	return all[start:end], pageNumber, pages
}

// getOpenOrders is Orders/GetOpenOrders: one page of open orders, filtered and sorted.
func getOpenOrders(c *call) (any, error) {
	var req struct {
		EntriesPerPage   int            `json:"entriesPerPage"`
		PageNumber       int            `json:"pageNumber"`
		Filters          *fieldsFilter  `json:"filters"`
		Sorting          []fieldSorting `json:"sorting"`
		FulfilmentCenter string         `json:"fulfilmentCenter"`
		AdditionalFilter string         `json:"additionalFilter"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.EntriesPerPage <= 0 {
		return nil, badRequest("entriesPerPage must be greater than 0.")
	}
	orders, err := c.s.st.query(openOrderQuery{filters: req.Filters, sorting: req.Sorting, location: req.FulfilmentCenter, search: req.AdditionalFilter}, c.now)
	if err != nil {
		return nil, err
	}
	items, number, pages := page(orders, req.PageNumber, req.EntriesPerPage)
	out := pagedOpenOrders{PageNumber: number, EntriesPerPage: req.EntriesPerPage, TotalEntries: int64(len(orders)), TotalPages: pages, Data: []OpenOrder{}}
	for _, o := range items {
		out.Data = append(out.Data, c.s.st.openOrder(o))
	}
	return out, nil
}

// getAllOpenOrders is Orders/GetAllOpenOrders: the ids of every open order that passes the filters.
func getAllOpenOrders(c *call) (any, error) {
	var req struct {
		Filters          *fieldsFilter  `json:"filters"`
		Sorting          []fieldSorting `json:"sorting"`
		FulfilmentCenter string         `json:"fulfilmentCenter"`
		AdditionalFilter string         `json:"additionalFilter"`
		ExactMatch       bool           `json:"exactMatch"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	orders, err := c.s.st.query(openOrderQuery{filters: req.Filters, sorting: req.Sorting, location: req.FulfilmentCenter, search: req.AdditionalFilter, exactMatch: req.ExactMatch}, c.now)
	if err != nil {
		return nil, err
	}
	ids := []string{}
	for _, o := range orders {
		ids = append(ids, o.d.OrderId)
	}
	return ids, nil
}

// getOrdersByID is Orders/GetOrdersById: details of open and processed orders; unknown ids are skipped.
func getOrdersByID(c *call) (any, error) {
	var req struct {
		PkOrderIds []string `json:"pkOrderIds"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	out := []OrderDetails{}
	for _, id := range req.PkOrderIds {
		if o, ok := c.s.st.get(id); ok {
			out = append(out, c.s.st.details(o))
		}
	}
	return out, nil
}

// getOrders is Orders/GetOrders: open orders by id, as OpenOrder, items only when asked for.
func getOrders(c *call) (any, error) {
	var req struct {
		OrdersIds            []string `json:"ordersIds"`
		FulfilmentLocationId string   `json:"fulfilmentLocationId"`
		LoadItems            bool     `json:"loadItems"`
		LoadAdditionalInfo   bool     `json:"loadAdditionalInfo"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	loc, hasLoc := normGUID(req.FulfilmentLocationId)
	out := []OpenOrder{}
	for _, id := range req.OrdersIds {
		o, ok := c.s.st.get(id)
		if !ok || o.d.Processed || (hasLoc && o.d.FulfilmentLocationId != loc) {
			continue
		}
		oo := c.s.st.openOrder(o)
		if !req.LoadItems {
			oo.Items = []OrderItem{}
		} else if !req.LoadAdditionalInfo {
			stripAdditionalInfo(oo.Items)
		}
		out = append(out, oo)
	}
	return out, nil
}

func stripAdditionalInfo(items []OrderItem) {
	for i := range items {
		items[i].AdditionalInfo = []OrderItemOption{}
		stripAdditionalInfo(items[i].CompositeSubItems)
	}
}

// emptyObject is what the order-details lookups answer when nothing matches.
var emptyObject = json.RawMessage("{}")

// getOrderByID is Orders/GetOrderById.
func getOrderByID(c *call) (any, error) {
	id := c.query("pkOrderId")
	if id == "" {
		return nil, badRequest("pkOrderId is required.")
	}
	if _, ok := normGUID(id); !ok {
		return nil, badRequest("pkOrderId %q is not a GUID.", id)
	}
	o, ok := c.s.st.get(id)
	if !ok {
		return emptyObject, nil
	}
	return c.s.st.details(o), nil
}

// getOrderDetailsByNumOrderID is Orders/GetOrderDetailsByNumOrderId; an unknown number answers
// an empty object, as the real API does.
func getOrderDetailsByNumOrderID(c *call) (any, error) {
	raw := c.query("OrderId")
	if raw == "" {
		return nil, badRequest("OrderId is required.")
	}
	num, err := strconv.Atoi(raw)
	if err != nil {
		return nil, badRequest("OrderId %q is not a number.", raw)
	}
	o, ok := c.s.st.byNum[num]
	if !ok {
		return emptyObject, nil
	}
	return c.s.st.details(o), nil
}

// getOrderDetailsByReferenceID is Orders/GetOrderDetailsByReferenceId: at most 50 orders.
func getOrderDetailsByReferenceID(c *call) (any, error) {
	ref := c.query("ReferenceId")
	if ref == "" {
		return nil, badRequest("ReferenceId is required.")
	}
	out := []OrderDetails{}
	for _, o := range c.s.st.findByReference(ref) {
		if len(out) == 50 {
			break
		}
		out = append(out, c.s.st.details(o))
	}
	return out, nil
}

// setOrderGeneralInfo is Orders/SetOrderGeneralInfo: the general info is replaced as sent;
// identifiers and location are managed by their own operations and kept.
func setOrderGeneralInfo(c *call) (any, error) {
	var req struct {
		OrderId  string            `json:"orderId"`
		Info     *OrderGeneralInfo `json:"info"`
		WasDraft bool              `json:"wasDraft"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	o, err := c.openOrderParam("orderId", req.OrderId)
	if err != nil {
		return nil, err
	}
	if req.Info == nil {
		return nil, badRequest("info is required.")
	}
	info := *req.Info
	info.Identifiers = nil
	info.Location = o.d.GeneralInfo.Location
	info.IsParked = info.Marker == 7
	if info.Status == 1 && o.d.PaidDateTime == nil {
		paid := c.now
		o.d.PaidDateTime = &paid
	}
	o.d.GeneralInfo = info
	c.touch(o)
	return noContent{}, nil
}

// setLabelsPrinted is Orders/SetLabelsPrinted: marks open orders printed, answers those changed.
func setLabelsPrinted(c *call) (any, error) {
	var req struct {
		OrderIds []string `json:"orderIds"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	changed := []string{}
	for _, id := range req.OrderIds {
		o, ok := c.s.st.get(id)
		if !ok || o.d.Processed {
			continue
		}
		o.d.GeneralInfo.LabelPrinted = true
		c.touch(o)
		changed = append(changed, o.d.OrderId)
	}
	return changed, nil
}
