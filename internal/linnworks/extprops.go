package linnworks

import (
	"context"
	"net/http"
	"net/url"
	"strings"
)

var (
	epGetExtendedProperties = endpoint{http.MethodGet, "Orders/GetExtendedProperties", true}
	epSetExtendedProperties = endpoint{http.MethodPost, "Orders/SetExtendedProperties", true}
	epAddExtendedProperties = endpoint{http.MethodPost, "Orders/AddExtendedProperties", false}
)

// ExtendedProperties returns the extended properties of an order.
func (c *Client) ExtendedProperties(ctx context.Context, token, orderID string) ([]ExtendedProperty, error) {
	if err := checkGUID(epGetExtendedProperties.path, "orderId", orderID); err != nil {
		return nil, err
	}
	var props []ExtendedProperty
	if err := c.call(ctx, token, epGetExtendedProperties, url.Values{"orderId": {orderID}}, nil, &props); err != nil {
		return nil, err
	}
	return props, nil
}

// AddExtendedProperties appends properties to an order (Orders/AddExtendedProperties). It does
// not change a property that already exists under the same name; use
// UpsertExtendedProperties for that. Errors Linnworks reports per property come back as a
// *DataError together with the number inserted.
func (c *Client) AddExtendedProperties(ctx context.Context, token, orderID string, props []ExtendedProperty) (int, error) {
	op := epAddExtendedProperties.path
	if err := checkGUID(op, "OrderId", orderID); err != nil {
		return 0, err
	}
	if err := checkPropertyNames(op, props); err != nil {
		return 0, err
	}
	type basic struct {
		Name  string `json:"Name"`
		Value string `json:"Value"`
		Type  string `json:"Type"`
	}
	req := struct {
		OrderID            string  `json:"OrderId"`
		ExtendedProperties []basic `json:"ExtendedProperties"`
	}{OrderID: orderID}
	for _, p := range props {
		req.ExtendedProperties = append(req.ExtendedProperties, basic{p.Name, p.Value, p.Type})
	}
	// The specification wraps this method's single parameter: {"request": {...}}.
	var out struct {
		Inserted int      `json:"ExtendedPropertiesInserted"`
		Errors   []string `json:"Errors"`
	}
	if err := c.call(ctx, token, epAddExtendedProperties, nil, struct {
		Request any `json:"request"`
	}{req}, &out); err != nil {
		return 0, err
	}
	if len(out.Errors) > 0 {
		msg := truncate(strings.Join(out.Errors, "; "), maxMessageBytes)
		return out.Inserted, &DataError{Op: op, Status: http.StatusOK, Message: c.redact(nil, nil).clean(msg)}
	}
	return out.Inserted, nil
}

// SetExtendedProperties replaces every extended property of an order with props and returns
// the properties as saved. Properties not in props are deleted.
func (c *Client) SetExtendedProperties(ctx context.Context, token, orderID string, props []ExtendedProperty) ([]ExtendedProperty, error) {
	op := epSetExtendedProperties.path
	if err := checkGUID(op, "orderId", orderID); err != nil {
		return nil, err
	}
	if err := checkPropertyNames(op, props); err != nil {
		return nil, err
	}
	for _, p := range props {
		if err := checkOptionalGUID(op, "RowId", p.RowID); err != nil {
			return nil, err
		}
	}
	if props == nil {
		props = []ExtendedProperty{}
	}
	var saved []ExtendedProperty
	if err := c.call(ctx, token, epSetExtendedProperties, nil, struct {
		OrderID            string             `json:"orderId"`
		ExtendedProperties []ExtendedProperty `json:"extendedProperties"`
	}{orderID, props}, &saved); err != nil {
		return nil, err
	}
	return saved, nil
}

// UpsertExtendedProperties sets the given properties on an order, replacing the values of
// properties with the same name (case-insensitive) and keeping every other property. It
// reads the current properties, merges, and writes the result back.
func (c *Client) UpsertExtendedProperties(ctx context.Context, token, orderID string, props []ExtendedProperty) ([]ExtendedProperty, error) {
	op := epSetExtendedProperties.path
	if err := checkPropertyNames(op, props); err != nil {
		return nil, err
	}
	current, err := c.ExtendedProperties(ctx, token, orderID)
	if err != nil {
		return nil, err
	}
	merged := append([]ExtendedProperty(nil), current...)
	changed := false
	for _, p := range props {
		found := false
		for i := range merged {
			if strings.EqualFold(merged[i].Name, p.Name) {
				found = true
				if merged[i].Value != p.Value || (p.Type != "" && merged[i].Type != p.Type) {
					merged[i].Value = p.Value
					if p.Type != "" {
						merged[i].Type = p.Type
					}
					changed = true
				}
			}
		}
		if !found {
			merged = append(merged, ExtendedProperty{Name: p.Name, Value: p.Value, Type: p.Type})
			changed = true
		}
	}
	if !changed {
		return current, nil
	}
	return c.SetExtendedProperties(ctx, token, orderID, merged)
}

func checkPropertyNames(op string, props []ExtendedProperty) error {
	for _, p := range props {
		if strings.TrimSpace(p.Name) == "" {
			return &DataError{Op: op, Message: "extended property without a name"}
		}
	}
	return nil
}
