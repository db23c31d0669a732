package linnworkssandbox

import (
	"math"
	"time"
)

// updateTotalsResult is the spec's UpdateTotalsResult.
type updateTotalsResult struct {
	TotalsInfo   OrderTotalsInfo   `json:"TotalsInfo"`
	ShippingInfo OrderShippingInfo `json:"ShippingInfo"`
}

// setOrderShippingInfo is Orders/SetOrderShippingInfo. Like the real API it replaces the
// shipping info with what is sent: a field left out is cleared (an absent PostalServiceId
// removes the service), so clients read, modify and write back.
func setOrderShippingInfo(c *call) (any, error) {
	var req struct {
		OrderId string `json:"orderId"`
		Info    *struct {
			PostalServiceId string  `json:"PostalServiceId"`
			TotalWeight     float64 `json:"TotalWeight"`
			ItemWeight      float64 `json:"ItemWeight"`
			PostageCost     float64 `json:"PostageCost"`
			TrackingNumber  string  `json:"TrackingNumber"`
			ManualAdjust    bool    `json:"ManualAdjust"`
		} `json:"info"`
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
	in := req.Info
	si := OrderShippingInfo{
		TotalWeight: in.TotalWeight, ItemWeight: in.ItemWeight, PostageCost: in.PostageCost,
		TrackingNumber: in.TrackingNumber, ManualAdjust: in.ManualAdjust,
		PackageCategoryId: o.d.ShippingInfo.PackageCategoryId, PackageCategory: o.d.ShippingInfo.PackageCategory,
		PackageTypeId: o.d.ShippingInfo.PackageTypeId, PackageType: o.d.ShippingInfo.PackageType,
	}
	if in.PostalServiceId != "" && in.PostalServiceId != zeroGUID {
		ps, ok := c.s.st.postalByID(in.PostalServiceId)
		if !ok {
			return nil, badRequest("Postal service %s not found.", in.PostalServiceId)
		}
		si.PostalServiceId, si.PostalServiceName, si.Vendor = ps.ID, ps.Name, ps.Vendor
	}
	rate := o.d.TotalsInfo.CountryTaxRate
	if rate == 0 {
		rate = 20
	}
	si.PostageCostExTax = round2(si.PostageCost / (1 + rate/100))
	o.d.ShippingInfo = si
	t := &o.d.TotalsInfo
	t.PostageCost, t.PostageCostExTax = si.PostageCost, si.PostageCostExTax
	t.TotalCharge = round2(t.Subtotal + t.PostageCost - t.TotalDiscount)
	c.touch(o)
	return updateTotalsResult{TotalsInfo: clone(o.d.TotalsInfo), ShippingInfo: clone(o.d.ShippingInfo)}, nil
}

func round2(v float64) float64 { return math.Round(v*100) / 100 }

// changeShippingMethod is Orders/ChangeShippingMethod: sets the service (by name) of open
// orders, answers the ids changed.
func changeShippingMethod(c *call) (any, error) {
	var req struct {
		OrderIds       []string `json:"orderIds"`
		ShippingMethod string   `json:"shippingMethod"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	ps, ok := c.s.st.postalByName(req.ShippingMethod)
	if !ok {
		return nil, badRequest("Shipping method %q not found.", req.ShippingMethod)
	}
	changed := []string{}
	for _, id := range req.OrderIds {
		o, ok := c.s.st.get(id)
		if !ok || o.d.Processed {
			continue
		}
		o.d.ShippingInfo.PostalServiceId, o.d.ShippingInfo.PostalServiceName, o.d.ShippingInfo.Vendor = ps.ID, ps.Name, ps.Vendor
		c.touch(o)
		changed = append(changed, o.d.OrderId)
	}
	return changed, nil
}

// processOrderResult is the spec's ProcessOrderResult.
type processOrderResult struct {
	OrderId   string `json:"OrderId"`
	Processed bool   `json:"Processed"`
	Error     string `json:"Error,omitempty"`
}

// process applies the checks Linnworks makes before processing an order, then processes it.
// Processing is one-way.
func (c *call) process(o *order) processOrderResult {
	res := processOrderResult{OrderId: o.d.OrderId}
	g := &o.d.GeneralInfo
	switch {
	case o.d.Processed:
		res.Error = "Order is already processed."
	case g.HoldOrCancel:
		res.Error = "Order is locked."
	case g.IsParked:
		res.Error = "Order is parked."
	case g.Status != 1:
		res.Error = "Order is not paid."
	default:
		if ps, ok := c.s.st.postalByID(o.d.ShippingInfo.PostalServiceId); ok && ps.TrackingNumberRequired && o.d.ShippingInfo.TrackingNumber == "" {
			res.Error = "Tracking number is required by the postal service " + ps.Name + "."
			break
		}
		at := c.now.UTC().Truncate(time.Millisecond)
		o.d.Processed = true
		o.d.ProcessedDateTime = &at
		c.touch(o)
		res.Processed = true
	}
	return res
}

// processOrder is Orders/ProcessOrder.
func processOrder(c *call) (any, error) {
	var req struct {
		OrderId       string `json:"orderId"`
		ScanPerformed bool   `json:"scanPerformed"`
		LocationId    string `json:"locationId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	o, err := c.orderParam("orderId", req.OrderId)
	if err != nil {
		return nil, err
	}
	return c.process(o), nil
}

// processOrdersInBatch is Orders/ProcessOrdersInBatch (the parameter is spelt ordersIds).
func processOrdersInBatch(c *call) (any, error) {
	var req struct {
		OrdersIds  []string `json:"ordersIds"`
		LocationId string   `json:"locationId"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	out := []processOrderResult{}
	for _, id := range req.OrdersIds {
		o, ok := c.s.st.get(id)
		if !ok {
			out = append(out, processOrderResult{OrderId: id, Error: "Order not found."})
			continue
		}
		out = append(out, c.process(o))
	}
	return out, nil
}
