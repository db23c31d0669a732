package linnworkssandbox

import (
	"bytes"
	"encoding/json"
)

// decode reads the JSON body into v; an empty body leaves v as it is (the spec marks most
// bodies optional). Field names match case-insensitively, as the .NET binder does.
func (c *call) decode(v any) error {
	if len(bytes.TrimSpace(c.body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(c.body, v); err != nil {
		return badRequest("The request body is invalid: %s", err)
	}
	return nil
}

// query returns a query parameter.
func (c *call) query(name string) string { return c.r.URL.Query().Get(name) }

// orderParam resolves an order id parameter to an order, or a 400 naming the parameter.
func (c *call) orderParam(name, value string) (*order, error) {
	if value == "" {
		return nil, badRequest("%s is required.", name)
	}
	o, ok := c.s.st.get(value)
	if !ok {
		return nil, badRequest("Order %s not found.", value)
	}
	return o, nil
}

// openOrderParam is orderParam for operations that only apply to open orders.
func (c *call) openOrderParam(name, value string) (*order, error) {
	o, err := c.orderParam(name, value)
	if err != nil {
		return nil, err
	}
	if o.d.Processed {
		return nil, badRequest("Order %d is processed and can no longer be changed.", o.d.NumOrderId)
	}
	return o, nil
}

// touch marks an order changed.
func (c *call) touch(o *order) { o.lastUpdated = c.now }
