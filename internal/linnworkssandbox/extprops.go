package linnworkssandbox

import (
	"fmt"
	"slices"
	"strings"
)

// getExtendedProperties is Orders/GetExtendedProperties.
func getExtendedProperties(c *call) (any, error) {
	o, err := c.orderParam("orderId", c.query("orderId"))
	if err != nil {
		return nil, err
	}
	return c.s.st.details(o).ExtendedProperties, nil
}

// setExtendedProperties is Orders/SetExtendedProperties: replaces every property of the order.
func setExtendedProperties(c *call) (any, error) {
	var req struct {
		OrderId            string             `json:"orderId"`
		ExtendedProperties []ExtendedProperty `json:"extendedProperties"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	o, err := c.openOrderParam("orderId", req.OrderId)
	if err != nil {
		return nil, err
	}
	props := make([]ExtendedProperty, 0, len(req.ExtendedProperties))
	for _, p := range req.ExtendedProperties {
		if strings.TrimSpace(p.Name) == "" {
			return nil, badRequest("Extended property Name is required.")
		}
		if id, ok := normGUID(p.RowId); ok {
			p.RowId = id
		} else {
			p.RowId = newGUID()
		}
		props = append(props, p)
	}
	o.d.ExtendedProperties = props
	c.touch(o)
	return c.s.st.details(o).ExtendedProperties, nil
}

// addExtendedProperties is Orders/AddExtendedProperties (body wrapped in "request"): inserts
// properties whose name the order does not have yet; an existing name is reported in Errors and
// left unchanged.
func addExtendedProperties(c *call) (any, error) {
	var req struct {
		Request *struct {
			OrderId            string `json:"OrderId"`
			ExtendedProperties []struct {
				Name  string `json:"Name"`
				Value string `json:"Value"`
				Type  string `json:"Type"`
			} `json:"ExtendedProperties"`
		} `json:"request"`
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	if req.Request == nil {
		return nil, badRequest("request is required.")
	}
	o, err := c.openOrderParam("OrderId", req.Request.OrderId)
	if err != nil {
		return nil, err
	}
	out := struct {
		ExtendedPropertiesInserted int      `json:"ExtendedPropertiesInserted"`
		Errors                     []string `json:"Errors"`
	}{Errors: []string{}}
	for _, p := range req.Request.ExtendedProperties {
		if strings.TrimSpace(p.Name) == "" {
			out.Errors = append(out.Errors, "Extended property Name is required.")
			continue
		}
		if slices.ContainsFunc(o.d.ExtendedProperties, func(e ExtendedProperty) bool { return strings.EqualFold(e.Name, p.Name) }) {
			out.Errors = append(out.Errors, fmt.Sprintf("Extended property %s already exists on order %d.", p.Name, o.d.NumOrderId))
			continue
		}
		o.d.ExtendedProperties = append(o.d.ExtendedProperties, ExtendedProperty{RowId: newGUID(), Name: p.Name, Value: p.Value, Type: p.Type})
		out.ExtendedPropertiesInserted++
	}
	if out.ExtendedPropertiesInserted > 0 {
		c.touch(o)
	}
	return out, nil
}
