package streamsandbox

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"
)

// Field limits of reference §12 (CSV upload limits, which the API is taken to share).
const (
	maxOrderNo         = 17
	maxCustomerOrderNo = 35
	maxPartnerID       = 17
	maxName            = 35
	maxPostcode        = 17
	maxPhone           = 35
	maxEmail           = 70
	maxNotes           = 140
)

// Error codes of validation failures.
const (
	codeRequired      = "REQUIRED"
	codeTooLong       = "TOOLONG"
	codeInvalid       = "INVALID"
	codeInvalidDate   = "INVALIDDATE"
	codeUnknownMethod = "UNKNOWNMETHOD"
	codeMethodType    = "METHODTYPE"
	codeUnknownStock  = "UNKNOWNLOCATION"
	codeDuplicate     = "DUPLICATE"
	codeNoContact     = "NOCONTACT"
)

// validator collects every problem of a request, so one answer lists them all.
type validator struct {
	s     *Sandbox
	errs  []apiError
	warns []apiError
}

func (v *validator) fail(code, field, problem string) {
	v.errs = append(v.errs, fieldError(code, field, problem))
}

func (v *validator) warn(code, field, problem string) {
	v.warns = append(v.warns, apiError{Code: code, Description: field + ": " + problem, Severity: severityWarning})
}

func (v *validator) required(field, val string) bool {
	if strings.TrimSpace(val) == "" {
		v.fail(codeRequired, field, "is required")
		return false
	}
	return true
}

func (v *validator) maxLen(field, val string, n int) {
	if c := utf8.RuneCountInString(val); c > n {
		v.fail(codeTooLong, field, fmt.Sprintf("is %d characters, longer than %d", c, n))
	}
}

// date checks an optional yyyy-MM-dd date.
func (v *validator) date(field, val string) {
	if val == "" {
		return
	}
	if _, err := time.Parse(time.DateOnly, val); err != nil {
		v.fail(codeInvalidDate, field, fmt.Sprintf("%q is not a date in the format yyyy-MM-dd", val))
	}
}

// dateTimeLayouts are the forms accepted for required.fromDateTime/toDateTime; the reference does
// not document which Stream accepts, so ISO forms and Stream's own output form are all taken.
var dateTimeLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02 15:04:05", streamTime, time.DateOnly}

func parseDateTime(val string) (time.Time, bool) {
	for _, l := range dateTimeLayouts {
		if t, err := time.Parse(l, val); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (v *validator) window(field string, w *window) {
	if w == nil {
		return
	}
	from, fromOK := v.dateTime(field+".fromDateTime", w.FromDateTime)
	to, toOK := v.dateTime(field+".toDateTime", w.ToDateTime)
	if fromOK && toOK && !from.IsZero() && !to.IsZero() && to.Before(from) {
		v.fail(codeInvalid, field+".toDateTime", "is before fromDateTime")
	}
}

func (v *validator) dateTime(field, val string) (time.Time, bool) {
	if val == "" || val == "0" {
		return time.Time{}, true
	}
	t, ok := parseDateTime(val)
	if !ok {
		v.fail(codeInvalidDate, field, fmt.Sprintf("%q is not a date-time such as 2026-06-20T07:00:00Z", val))
	}
	return t, ok
}

// validateHeader checks a header; orderNo and orderType are checked by the caller on create.
func (v *validator) validateHeader(h *header) {
	v.maxLen("header.orderNo", h.OrderNo, maxOrderNo)
	v.date("header.orderDate", h.OrderDate)
	v.maxLen("header.customerOrderNo", h.CustomerOrderNo, maxCustomerOrderNo)
	v.maxLen("header.orderNotes", h.OrderNotes, maxNotes)
	v.maxLen("header.driverNotes", h.DriverNotes, maxNotes)
	if h.Partner != nil {
		v.maxLen("header.partner.id", h.Partner.ID, maxPartnerID)
		v.maxLen("header.partner.name", h.Partner.Name, maxName)
	}
	for i, sv := range h.Services {
		v.required(fmt.Sprintf("header.services[%d].code", i), sv.Code)
	}
	for i, l := range h.DriverLinks {
		v.required(fmt.Sprintf("header.driverLinks[%d].link", i), l.Link)
	}
	if h.Customer == nil {
		v.fail(codeRequired, "header.customer", "is required")
		return
	}
	if v.required("header.customer.name", h.Customer.Name) {
		v.maxLen("header.customer.name", h.Customer.Name, maxName)
	}
	if h.Customer.Address != nil {
		v.addressFields("header.customer.address", h.Customer.Address)
	}
	if h.Customer.Contact != nil {
		v.contact("header.customer.contact", h.Customer.Contact)
	}
}

// addressFields checks lengths and formats of whatever address fields are present.
func (v *validator) addressFields(field string, a *address) {
	v.maxLen(field+".name", a.Name, maxName)
	for i, line := range []string{a.Address1, a.Address2, a.Address3, a.Address4, a.Address5} {
		v.maxLen(fmt.Sprintf("%s.address%d", field, i+1), line, maxName)
	}
	v.maxLen(field+".postcode", a.Postcode, maxPostcode)
	if a.Country != "" && !isCountryCode(a.Country) {
		v.fail(codeInvalid, field+".country", fmt.Sprintf("%q is not a 2-letter ISO country code", a.Country))
	}
	if a.Lat != nil && (*a.Lat < -90 || *a.Lat > 90) {
		v.fail(codeInvalid, field+".lat", "must be between -90 and 90")
	}
	if a.Long != nil && (*a.Long < -180 || *a.Long > 180) {
		v.fail(codeInvalid, field+".long", "must be between -180 and 180")
	}
	if (a.Lat == nil) != (a.Long == nil) {
		v.fail(codeInvalid, field, "lat and long must be given together")
	}
}

// deliveryAddress checks a leg's address: address1 + postcode + country, or lat/long.
func (v *validator) deliveryAddress(field string, a *address) {
	if a == nil {
		v.fail(codeRequired, field, "is required")
		return
	}
	v.addressFields(field, a)
	if a.Lat != nil && a.Long != nil {
		return
	}
	v.required(field+".address1", a.Address1)
	v.required(field+".postcode", a.Postcode)
	v.required(field+".country", a.Country)
}

func (v *validator) contact(field string, c *contact) {
	v.maxLen(field+".name", c.Name, maxName)
	v.maxLen(field+".tel1", c.Tel1, maxPhone)
	v.maxLen(field+".tel2", c.Tel2, maxPhone)
	v.maxLen(field+".mobile", c.Mobile, maxPhone)
	v.maxLen(field+".fax", c.Fax, maxPhone)
	v.email(field+".email", c.Email)
	for i, alt := range c.AltEmail {
		v.email(fmt.Sprintf("%s.altemail[%d].secondary", field, i), alt.Secondary)
		v.email(fmt.Sprintf("%s.altemail[%d].operations", field, i), alt.Operations)
		v.email(fmt.Sprintf("%s.altemail[%d].financial", field, i), alt.Financial)
	}
}

func (v *validator) email(field, val string) {
	if val == "" {
		return
	}
	v.maxLen(field, val, maxEmail)
	if a, err := mail.ParseAddress(val); err != nil || a.Address != val {
		v.fail(codeInvalid, field, "is not an email address")
	}
}

// validateLeg checks a delivery or collection section whose method must be of type typ.
func (v *validator) validateLeg(field string, l *leg, typ string) {
	v.deliveryAddress(field+".address", l.Address)
	if l.Contact != nil {
		v.contact(field+".contact", l.Contact)
	}
	if l.Contact == nil || (strings.TrimSpace(l.Contact.Email) == "" && strings.TrimSpace(l.Contact.Mobile) == "") {
		v.warn(codeNoContact, field+".contact", "no email or mobile; the customer will not be notified")
	}
	v.window(field+".required", l.Required)

	methodField, method := field+".deliveryMethod", l.DeliveryMethod
	if typ == TypeCollection {
		methodField, method = field+".collectionMethod", l.CollectionMethod
	}
	if v.required(methodField, method) {
		if _, ok := v.s.methodDepot(method, typ); !ok {
			if types := v.s.methodTypes(method); len(types) > 0 {
				v.fail(codeMethodType, methodField, fmt.Sprintf("%q is a %s method, not a %s method", method, strings.Join(types, "/"), typ))
			} else {
				v.fail(codeUnknownMethod, methodField, fmt.Sprintf("%q is not a delivery method of any depot", method))
			}
		}
	}

	if len(l.Items) == 0 {
		v.fail(codeRequired, field+".items", "at least one item is required")
	}
	seqs := map[int]bool{}
	for _, it := range l.Items {
		if it.Sequence != 0 {
			seqs[it.Sequence] = true
		}
	}
	seen := map[int]bool{}
	for i, it := range l.Items {
		f := fmt.Sprintf("%s.items[%d]", field, i)
		v.required(f+".code", it.Code)
		v.required(f+".description", it.Description)
		switch {
		case it.Quantity == nil:
			v.fail(codeRequired, f+".quantity", "is required")
		case *it.Quantity < 1:
			v.fail(codeInvalid, f+".quantity", "must be at least 1")
		}
		if it.Weight < 0 {
			v.fail(codeInvalid, f+".weight", "must not be negative")
		}
		if it.Cube < 0 {
			v.fail(codeInvalid, f+".cube", "must not be negative")
		}
		if it.StockLocation != "" && !v.s.isStockLocation(it.StockLocation) {
			v.fail(codeUnknownStock, f+".stockLocation", fmt.Sprintf("%q is not the stock location of any depot", it.StockLocation))
		}
		v.date(f+".onHandDate", it.OnHandDate)
		if it.Sequence != 0 {
			if seen[it.Sequence] {
				v.fail(codeInvalid, f+".sequence", fmt.Sprintf("%d is used by another item", it.Sequence))
			}
			seen[it.Sequence] = true
		}
		if it.ParentSequence != 0 && !seqs[it.ParentSequence] {
			v.fail(codeInvalid, f+".parentSequence", fmt.Sprintf("%d is not the sequence of an item of this order", it.ParentSequence))
		}
	}
}

// validateCreate checks a whole create request.
func (v *validator) validateCreate(req *orderRequest) {
	if req.Header == nil {
		v.fail(codeRequired, "header", "is required")
		return
	}
	h := req.Header
	v.required("header.orderNo", h.OrderNo)
	if strings.ContainsAny(h.OrderNo, "/?#%") {
		v.fail(codeInvalid, "header.orderNo", "must not contain / ? # or %")
	}
	v.validateHeader(h)
	switch h.OrderType {
	case "":
		v.fail(codeRequired, "header.orderType", "is required")
	case TypeDelivery:
		if req.Delivery == nil {
			v.fail(codeRequired, "delivery", "is required for a DELIVERY order")
		} else {
			v.validateLeg("delivery", req.Delivery, TypeDelivery)
		}
		if req.Collection != nil {
			v.fail(codeInvalid, "collection", "is not allowed in a DELIVERY order")
		}
	case TypeCollection:
		if req.Collection == nil {
			v.fail(codeRequired, "collection", "is required for a COLLECTION order")
		} else {
			v.validateLeg("collection", req.Collection, TypeCollection)
		}
		if req.Delivery != nil {
			v.fail(codeInvalid, "delivery", "is not allowed in a COLLECTION order")
		}
	case "MULTI":
		if req.Collection == nil {
			v.fail(codeRequired, "collection", "is required for a MULTI order")
			break
		}
		v.validateLeg("collection", req.Collection, TypeCollection)
		if len(req.Collection.Delivery) == 0 {
			v.fail(codeRequired, "collection.delivery", "at least one delivery leg is required for a MULTI order")
		}
		for i := range req.Collection.Delivery {
			v.validateLeg(fmt.Sprintf("collection.delivery[%d]", i), &req.Collection.Delivery[i], TypeDelivery)
		}
	default:
		v.fail(codeInvalid, "header.orderType", fmt.Sprintf("%q is not DELIVERY, COLLECTION or MULTI", h.OrderType))
	}
}

func isCountryCode(s string) bool {
	if len(s) != 2 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}
