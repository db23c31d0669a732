package linnworkssandbox

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// fieldsFilter is the spec's FieldsFilter.
type fieldsFilter struct {
	TextFields []struct {
		FieldCode string `json:"FieldCode"`
		Type      string `json:"Type"`
		Text      string `json:"Text"`
	} `json:"TextFields"`
	BooleanFields []struct {
		FieldCode string `json:"FieldCode"`
		Value     bool   `json:"Value"`
	} `json:"BooleanFields"`
	NumericFields []struct {
		FieldCode string  `json:"FieldCode"`
		Type      string  `json:"Type"`
		Value     float64 `json:"Value"`
	} `json:"NumericFields"`
	DateFields []struct {
		FieldCode string     `json:"FieldCode"`
		Type      string     `json:"Type"`
		DateFrom  *time.Time `json:"DateFrom"`
		DateTo    *time.Time `json:"DateTo"`
		Value     int        `json:"Value"`
	} `json:"DateFields"`
	ListFields []struct {
		FieldCode string `json:"FieldCode"`
		Type      string `json:"Type"`
		Value     string `json:"Value"`
	} `json:"ListFields"`
}

// fieldSorting is the spec's FieldSorting.
type fieldSorting struct {
	FieldCode string `json:"FieldCode"`
	Direction string `json:"Direction"`
	Order     int    `json:"Order"`
}

// unsupportedField answers a filter or sort on a field code the sandbox does not evaluate:
// ignoring it would silently return the wrong orders.
func unsupportedField(kind, code string) *apiError {
	return &apiError{Status: http.StatusNotImplemented, Code: "NotImplemented",
		Message: fmt.Sprintf("The sandbox does not evaluate %s on field %s.", kind, code)}
}

// textValues are the texts a FieldCode names on an order; ok is false for a code the sandbox
// does not evaluate.
func (st *store) textValues(o *order, code string) ([]string, bool) {
	d := &o.d
	g := &d.GeneralInfo
	a := &d.CustomerInfo.Address
	switch code {
	case "GENERAL_INFO_ORDER_ID":
		return []string{strconv.Itoa(d.NumOrderId)}, true
	case "GENERAL_INFO_REFERENCE_NUMBER":
		return []string{g.ReferenceNum}, true
	case "GENERAL_INFO_CHANNEL_REFERENCE_NUMBER", "GENERAL_INFO_EXTERNAL_REFERENCE_NUMBER":
		return []string{g.ExternalReferenceNum}, true
	case "GENERAL_INFO_SOURCE":
		return []string{g.Source}, true
	case "GENERAL_INFO_SUBSOURCE":
		return []string{g.SubSource}, true
	case "GENERAL_INFO_IDENTIFIER":
		var out []string
		for _, ident := range st.identifiersOf(o) {
			out = append(out, ident.Tag, ident.Name)
		}
		return out, true
	case "GENERAL_INFO_SHIPPING_LABEL_ERROR":
		return []string{g.LabelError}, true
	case "SHIPPING_INFORMATION_VENDOR":
		return []string{d.ShippingInfo.Vendor}, true
	case "SHIPPING_INFORMATION_SERVICE":
		return []string{d.ShippingInfo.PostalServiceName}, true
	case "SHIPPING_INFORMATION_SERVICE_ID":
		return []string{d.ShippingInfo.PostalServiceId}, true
	case "SHIPPING_INFORMATION_TRACKING_NUMBER":
		return []string{d.ShippingInfo.TrackingNumber}, true
	case "CUSTOMER_ADDRESS_FULL_NAME":
		return []string{a.FullName}, true
	case "CUSTOMER_ADDRESS_COMPANY":
		return []string{a.Company}, true
	case "CUSTOMER_ADDRESS_POSTCODE":
		return []string{a.PostCode}, true
	case "CUSTOMER_ADDRESS_COUNTRY":
		return []string{a.Country}, true
	case "CUSTOMER_ADDRESS_TOWN":
		return []string{a.Town}, true
	case "CUSTOMER_EMAIL":
		return []string{a.EmailAddress}, true
	case "CUSTOMER_CHANNEL_BUYER_NAME":
		return []string{d.CustomerInfo.ChannelBuyerName}, true
	case "TOTALS_CURRENCY":
		return []string{d.TotalsInfo.Currency}, true
	case "FOLDER", "FOLDERS":
		return d.FolderName, true
	case "LOCATION_ID":
		return []string{d.FulfilmentLocationId}, true
	case "ITEMS_SKU":
		var out []string
		walkItems(d.Items, func(it OrderItem) { out = append(out, it.SKU) })
		return out, true
	}
	return nil, false
}

func walkItems(items []OrderItem, f func(OrderItem)) {
	for _, it := range items {
		f(it)
		walkItems(it.CompositeSubItems, f)
	}
}

func (st *store) boolValue(o *order, code string) (bool, bool) {
	g := &o.d.GeneralInfo
	switch code {
	case "GENERAL_INFO_LABEL_PRINTED":
		return g.LabelPrinted, true
	case "GENERAL_INFO_INVOICE_PRINTED":
		return g.InvoicePrinted, true
	case "GENERAL_INFO_PICK_LIST_PRINTED":
		return g.PickListPrinted, true
	case "GENERAL_INFO_IS_RULE_RUN":
		return g.IsRuleRun, true
	case "GENERAL_INFO_LOCKED":
		return g.HoldOrCancel, true
	case "GENERAL_INFO_PARKED":
		return g.IsParked, true
	case "GENERAL_INFO_PART_SHIPPED":
		return g.PartShipped, true
	case "GENERAL_INFO_HAS_SHIPPING_LABEL_ERROR":
		return g.LabelError != "", true
	case "GENERAL_INFO_NOTES":
		return len(o.d.Notes) > 0, true
	}
	return false, false
}

func (st *store) numberValue(o *order, code string) (float64, bool) {
	d := &o.d
	switch code {
	case "GENERAL_INFO_ORDER_ID":
		return float64(d.NumOrderId), true
	case "GENERAL_INFO_STATUS":
		return float64(d.GeneralInfo.Status), true
	case "GENERAL_INFO_TAG":
		return float64(d.GeneralInfo.Marker), true
	case "GENERAL_INFO_ITEMS_COUNT":
		return float64(len(d.Items)), true
	case "GENERAL_INFO_NOTE_COUNT":
		return float64(len(d.Notes)), true
	case "SHIPPING_INFORMATION_WEIGHT":
		return d.ShippingInfo.TotalWeight, true
	case "SHIPPING_INFORMATION_COST":
		return d.ShippingInfo.PostageCost, true
	case "TOTALS_TOTAL", "ORDER_TOTAL_TOTAL":
		return d.TotalsInfo.TotalCharge, true
	case "TOTALS_SUBTOTAL":
		return d.TotalsInfo.Subtotal, true
	}
	return 0, false
}

func (st *store) dateValue(o *order, code string) (time.Time, bool) {
	g := &o.d.GeneralInfo
	switch code {
	case "GENERAL_INFO_DATE":
		return g.ReceivedDate, true
	case "GENERAL_INFO_DESPATCHBYDATE":
		if g.DespatchByDate == nil {
			return time.Time{}, true
		}
		return *g.DespatchByDate, true
	}
	return time.Time{}, false
}

// match reports whether an order passes every filter (filters combine with AND).
func (st *store) match(o *order, f *fieldsFilter, now time.Time) (bool, error) {
	for _, tf := range f.TextFields {
		values, ok := st.textValues(o, tf.FieldCode)
		if !ok {
			return false, unsupportedField("text filters", tf.FieldCode)
		}
		if len(values) == 0 {
			values = []string{""}
		}
		want := strings.ToLower(tf.Text)
		hit := slices.ContainsFunc(values, func(v string) bool {
			v = strings.ToLower(v)
			switch tf.Type {
			case "Contains":
				return strings.Contains(v, want)
			case "StartWith":
				return strings.HasPrefix(v, want)
			case "EndsWith":
				return strings.HasSuffix(v, want)
			default:
				return v == want
			}
		})
		if !hit {
			return false, nil
		}
	}
	for _, bf := range f.BooleanFields {
		v, ok := st.boolValue(o, bf.FieldCode)
		if !ok {
			return false, unsupportedField("boolean filters", bf.FieldCode)
		}
		if v != bf.Value {
			return false, nil
		}
	}
	for _, nf := range f.NumericFields {
		v, ok := st.numberValue(o, nf.FieldCode)
		if !ok {
			return false, unsupportedField("numeric filters", nf.FieldCode)
		}
		var hit bool
		switch nf.Type {
		case "Greater":
			hit = v > nf.Value
		case "Lower":
			hit = v < nf.Value
		default:
			hit = v == nf.Value
		}
		if !hit {
			return false, nil
		}
	}
	for _, df := range f.DateFields {
		v, ok := st.dateValue(o, df.FieldCode)
		if !ok {
			return false, unsupportedField("date filters", df.FieldCode)
		}
		if v.IsZero() {
			return false, nil
		}
		var hit bool
		switch df.Type {
		case "OlderThan":
			hit = v.Before(now.AddDate(0, 0, -df.Value))
		case "LastDays":
			hit = !v.Before(now.AddDate(0, 0, -df.Value))
		default:
			hit = (df.DateFrom == nil || !v.Before(*df.DateFrom)) && (df.DateTo == nil || !v.After(*df.DateTo))
		}
		if !hit {
			return false, nil
		}
	}
	for _, lf := range f.ListFields {
		var values []string
		if n, ok := st.numberValue(o, lf.FieldCode); ok && lf.FieldCode != "GENERAL_INFO_ORDER_ID" {
			values = []string{strconv.FormatFloat(n, 'f', -1, 64)}
		} else if t, ok := st.textValues(o, lf.FieldCode); ok {
			values = t
		} else {
			return false, unsupportedField("list filters", lf.FieldCode)
		}
		in := slices.ContainsFunc(values, func(v string) bool { return strings.EqualFold(v, lf.Value) })
		if in == (lf.Type == "Not") {
			return false, nil
		}
	}
	return true, nil
}

// matchesSearch is the free-text additionalFilter: number, references, name, postcode, email.
func matchesSearch(o *order, text string) bool {
	if text == "" {
		return true
	}
	d := &o.d
	text = strings.ToLower(text)
	for _, v := range []string{strconv.Itoa(d.NumOrderId), d.GeneralInfo.ReferenceNum, d.GeneralInfo.ExternalReferenceNum,
		d.CustomerInfo.Address.FullName, d.CustomerInfo.Address.PostCode, d.CustomerInfo.Address.EmailAddress} {
		if strings.Contains(strings.ToLower(v), text) {
			return true
		}
	}
	return false
}

// openOrderQuery is what the open-order list operations have in common.
type openOrderQuery struct {
	filters    *fieldsFilter
	sorting    []fieldSorting
	location   string
	search     string
	exactMatch bool
}

// query returns the open orders that pass q, sorted as asked (by NumOrderId otherwise).
func (st *store) query(q openOrderQuery, now time.Time) ([]*order, error) {
	loc := ""
	if q.location != "" {
		var ok bool
		if loc, ok = normGUID(q.location); !ok {
			return nil, badRequest("fulfilmentCenter %q is not a GUID.", q.location)
		}
	}
	var out []*order
	for _, o := range st.open() {
		if loc != "" && o.d.FulfilmentLocationId != loc {
			continue
		}
		if q.exactMatch && q.search != "" {
			if !matchesReference(o, q.search) {
				continue
			}
		} else if !matchesSearch(o, q.search) {
			continue
		}
		if q.filters != nil {
			ok, err := st.match(o, q.filters, now)
			if err != nil {
				return nil, err
			}
			if !ok {
				continue
			}
		}
		out = append(out, o)
	}
	if err := st.sortOrders(out, q.sorting); err != nil {
		return nil, err
	}
	return out, nil
}

// matchesReference reports whether ref is the order's number or one of its references.
func matchesReference(o *order, ref string) bool {
	g := &o.d.GeneralInfo
	return strconv.Itoa(o.d.NumOrderId) == ref || strings.EqualFold(g.ReferenceNum, ref) ||
		strings.EqualFold(g.ExternalReferenceNum, ref) || strings.EqualFold(g.SecondaryReference, ref)
}

// sortOrders orders by the sort fields in their Order, then by NumOrderId.
func (st *store) sortOrders(orders []*order, sorting []fieldSorting) error {
	keys := slices.Clone(sorting)
	slices.SortStableFunc(keys, func(a, b fieldSorting) int { return cmp.Compare(a.Order, b.Order) })
	for _, k := range keys {
		if !st.sortable(k.FieldCode) {
			return unsupportedField("sorting", k.FieldCode)
		}
	}
	slices.SortStableFunc(orders, func(a, b *order) int {
		for _, k := range keys {
			c := st.compareOn(a, b, k.FieldCode)
			if k.Direction == "Descending" {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a.d.NumOrderId, b.d.NumOrderId)
	})
	return nil
}

// sortable reports whether the sandbox can sort on a field code.
func (st *store) sortable(code string) bool {
	probe := &order{}
	_, date := st.dateValue(probe, code)
	_, number := st.numberValue(probe, code)
	_, text := st.textValues(probe, code)
	return date || number || text
}

func (st *store) compareOn(a, b *order, code string) int {
	if x, ok := st.dateValue(a, code); ok {
		y, _ := st.dateValue(b, code)
		return x.Compare(y)
	}
	if x, ok := st.numberValue(a, code); ok {
		y, _ := st.numberValue(b, code)
		return cmp.Compare(x, y)
	}
	x, _ := st.textValues(a, code)
	y, _ := st.textValues(b, code)
	return strings.Compare(strings.ToLower(strings.Join(x, ",")), strings.ToLower(strings.Join(y, ",")))
}
