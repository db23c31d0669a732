package stream

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Documented field lengths (Stream's upload column definitions, which the
// API shares).
const (
	maxOrderNo         = 17
	maxCustomerOrderNo = 35
	maxPartnerID       = 17
	maxName            = 35
	maxAddressLine     = 35
	maxPostcode        = 17
	maxCountry         = 2
	maxPhone           = 35
	maxEmail           = 70
	maxNotes           = 140
)

// checker collects the problems of a request body before it is sent.
type checker struct{ msgs []Message }

func localMessage(code, text string) Message {
	return Message{Code: code, Description: text, Severity: "ERROR"}
}

func (c *checker) length(field, value string, limit int) {
	if n := utf8.RuneCountInString(value); n > limit {
		c.msgs = append(c.msgs, localMessage("LENGTH", fmt.Sprintf("%s is %d characters; Stream allows %d", field, n, limit)))
	}
}

func (c *checker) required(field, value string) {
	if strings.TrimSpace(value) == "" {
		c.msgs = append(c.msgs, localMessage("REQUIRED", field+" is required"))
	}
}

func (c *checker) add(code, text string) { c.msgs = append(c.msgs, localMessage(code, text)) }

func (c *checker) err(op string) error {
	if len(c.msgs) == 0 {
		return nil
	}
	return &ValidationError{Op: op, Local: true, Messages: c.msgs}
}

func (c *checker) address(path string, a *Address) {
	if a == nil {
		return
	}
	c.length(path+".name", a.Name, maxName)
	for i, line := range []string{a.Address1, a.Address2, a.Address3, a.Address4, a.Address5} {
		c.length(fmt.Sprintf("%s.address%d", path, i+1), line, maxAddressLine)
	}
	c.length(path+".postcode", a.Postcode, maxPostcode)
	c.length(path+".country", a.Country, maxCountry)
}

func (c *checker) contact(path string, ct *Contact) {
	if ct == nil {
		return
	}
	c.length(path+".name", ct.Name, maxName)
	c.length(path+".tel1", ct.Tel1, maxPhone)
	c.length(path+".tel2", ct.Tel2, maxPhone)
	c.length(path+".mobile", ct.Mobile, maxPhone)
	c.length(path+".fax", ct.Fax, maxPhone)
	c.length(path+".email", ct.Email, maxEmail)
	for i, alt := range ct.AltEmail {
		p := fmt.Sprintf("%s.altemail[%d]", path, i)
		c.length(p+".secondary", alt.Secondary, maxEmail)
		c.length(p+".operations", alt.Operations, maxEmail)
		c.length(p+".financial", alt.Financial, maxEmail)
	}
}

func (c *checker) partner(path string, p *Partner) {
	if p == nil {
		return
	}
	c.length(path+".id", string(p.ID), maxPartnerID)
	c.length(path+".name", p.Name, maxName)
}

func (c *checker) customer(path string, cu *Customer) {
	if cu == nil {
		return
	}
	c.length(path+".name", cu.Name, maxName)
	c.address(path+".address", cu.Address)
	c.contact(path+".contact", cu.Contact)
}

func (c *checker) items(path string, items []Item) {
	seen := make(map[int]bool, len(items))
	for _, it := range items {
		seen[it.Sequence] = true
	}
	for i, it := range items {
		p := fmt.Sprintf("%s[%d]", path, i)
		if it.Quantity < 0 {
			c.add("FORMAT", fmt.Sprintf("%s.quantity is negative", p))
		}
		if it.ParentSequence != 0 && (!seen[it.ParentSequence] || it.ParentSequence == it.Sequence) {
			c.add("FORMAT", fmt.Sprintf("%s.parentSequence %d names no other item of the order", p, it.ParentSequence))
		}
	}
}

// Check reports, as a local *ValidationError, what in the order Stream would
// refuse: a missing order number or type, a leg that does not match the
// type, and every field longer than Stream's documented limits.
func (o *Order) Check() error {
	var c checker
	h := &o.Header
	c.required("header.orderNo", h.OrderNo)
	c.length("header.orderNo", h.OrderNo, maxOrderNo)
	switch h.OrderType {
	case OrderTypeDelivery:
		if o.Delivery == nil {
			c.add("REQUIRED", "delivery is required for a DELIVERY order")
		}
		if o.Collection != nil {
			c.add("FORMAT", "a DELIVERY order has no collection leg")
		}
	case OrderTypeCollection:
		if o.Collection == nil {
			c.add("REQUIRED", "collection is required for a COLLECTION order")
		}
		if o.Delivery != nil {
			c.add("FORMAT", "a COLLECTION order has no delivery leg")
		}
	case "":
		c.add("REQUIRED", "header.orderType is required (DELIVERY or COLLECTION)")
	default:
		c.add("FORMAT", fmt.Sprintf("header.orderType %q is not DELIVERY or COLLECTION", h.OrderType))
	}
	c.length("header.customerOrderNo", h.CustomerOrderNo, maxCustomerOrderNo)
	c.length("header.orderNotes", h.OrderNotes, maxNotes)
	c.length("header.driverNotes", h.DriverNotes, maxNotes)
	c.partner("header.partner", h.Partner)
	c.customer("header.customer", h.Customer)
	if d := o.Delivery; d != nil {
		c.address("delivery.address", &d.Address)
		c.contact("delivery.contact", d.Contact)
		c.items("delivery.items", d.Items)
	}
	if col := o.Collection; col != nil {
		c.address("collection.address", &col.Address)
		c.contact("collection.contact", col.Contact)
		c.items("collection.items", col.Items)
	}
	return c.err("create order " + h.OrderNo)
}

// Check reports fields of the update longer than Stream's limits.
func (u *HeaderUpdate) Check(id string) error {
	var c checker
	c.length("header.customerOrderNo", u.CustomerOrderNo, maxCustomerOrderNo)
	c.length("header.orderNotes", u.OrderNotes, maxNotes)
	c.length("header.driverNotes", u.DriverNotes, maxNotes)
	c.partner("header.partner", u.Partner)
	c.customer("header.customer", u.Customer)
	return c.err("update order " + id)
}
