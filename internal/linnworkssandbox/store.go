package linnworkssandbox

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// store is the account state. Every method runs with Sandbox.mu held.
type store struct {
	epoch       time.Time
	orders      map[string]*order
	byNum       map[int]*order
	nextNum     int
	identifiers []Identifier
	nextIdentID int
	postal      []postalService
	locations   []location
}

// order is one order: the spec's OrderDetails plus the tags assigned to it. Identifier
// details are resolved from the tags when the order is read, so an identifier renamed with
// SaveIdentifier shows its new name everywhere.
type order struct {
	d           OrderDetails
	tags        []string
	lastUpdated time.Time
}

func newStore(now time.Time) *store {
	return &store{
		epoch:       now,
		orders:      map[string]*order{},
		byNum:       map[int]*order{},
		nextNum:     100001,
		identifiers: systemIdentifiers(),
		nextIdentID: 100,
		postal:      defaultPostalServices(),
		locations:   defaultLocations(),
	}
}

// get finds an order by pkOrderId in any GUID form.
func (st *store) get(id string) (*order, bool) {
	key, ok := normGUID(id)
	if !ok {
		return nil, false
	}
	o, ok := st.orders[key]
	return o, ok
}

// add stores a new order, filling what a channel import fills: ids, number, dates, row ids.
func (st *store) add(d OrderDetails, now time.Time) (*order, error) {
	if d.OrderId == "" {
		d.OrderId = newGUID()
	}
	id, ok := normGUID(d.OrderId)
	if !ok {
		return nil, fmt.Errorf("OrderId %q is not a GUID", d.OrderId)
	}
	d.OrderId = id
	if _, dup := st.orders[id]; dup {
		return nil, fmt.Errorf("order %s already exists", id)
	}
	if d.NumOrderId == 0 {
		d.NumOrderId = st.nextNum
	}
	if _, dup := st.byNum[d.NumOrderId]; dup {
		return nil, fmt.Errorf("NumOrderId %d already exists", d.NumOrderId)
	}
	if d.NumOrderId >= st.nextNum {
		st.nextNum = d.NumOrderId + 1
	}
	if d.GeneralInfo.ReceivedDate.IsZero() {
		d.GeneralInfo.ReceivedDate = now
	}
	if d.FulfilmentLocationId == "" {
		d.FulfilmentLocationId = defaultLocationID
	}
	if loc, ok := normGUID(d.FulfilmentLocationId); ok {
		d.FulfilmentLocationId = loc
	} else {
		return nil, fmt.Errorf("FulfilmentLocationId %q is not a GUID", d.FulfilmentLocationId)
	}
	d.GeneralInfo.Location = d.FulfilmentLocationId
	if d.ShippingInfo.PostalServiceId == "" && d.ShippingInfo.PostalServiceName != "" {
		if ps, ok := st.postalByName(d.ShippingInfo.PostalServiceName); ok {
			d.ShippingInfo.PostalServiceId = ps.ID
		}
	}
	if ps, ok := st.postalByID(d.ShippingInfo.PostalServiceId); ok {
		d.ShippingInfo.PostalServiceName = ps.Name
		d.ShippingInfo.Vendor = ps.Vendor
	}
	for i := range d.Items {
		fillItem(&d.Items[i], d.OrderId)
	}
	for i := range d.ExtendedProperties {
		if d.ExtendedProperties[i].RowId == "" {
			d.ExtendedProperties[i].RowId = newGUID()
		}
	}
	for i := range d.Notes {
		n := &d.Notes[i]
		if n.OrderNoteId == "" {
			n.OrderNoteId = newGUID()
		}
		n.OrderId = d.OrderId
		if n.NoteDate.IsZero() {
			n.NoteDate = now
		}
	}
	var tags []string
	for _, ident := range d.GeneralInfo.Identifiers {
		if _, ok := st.identifier(ident.Tag); !ok {
			return nil, fmt.Errorf("identifier tag %q does not exist", ident.Tag)
		}
		tags = append(tags, ident.Tag)
	}
	d.GeneralInfo.Identifiers = nil
	if d.GeneralInfo.Marker == 7 {
		d.GeneralInfo.IsParked = true
	}
	if d.GeneralInfo.Status == 1 && d.PaidDateTime == nil {
		paid := d.GeneralInfo.ReceivedDate
		d.PaidDateTime = &paid
	}
	o := &order{d: d, tags: tags, lastUpdated: now}
	st.orders[id] = o
	st.byNum[d.NumOrderId] = o
	return o, nil
}

// fillItem gives an item and its composite children the ids Linnworks assigns.
func fillItem(it *OrderItem, orderID string) {
	if it.RowId == "" {
		it.RowId = newGUID()
	}
	if it.ItemId == "" {
		it.ItemId = it.RowId
	}
	if it.StockItemId == "" {
		it.StockItemId = newGUID()
	}
	it.OrderId = orderID
	if it.ItemNumber == "" {
		it.ItemNumber = it.SKU
	}
	for i := range it.CompositeSubItems {
		fillItem(&it.CompositeSubItems[i], orderID)
	}
}

// sorted returns the orders by NumOrderId.
func (st *store) sorted() []*order {
	out := make([]*order, 0, len(st.orders))
	for _, o := range st.orders {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].d.NumOrderId < out[j].d.NumOrderId })
	return out
}

// open returns the open (unprocessed) orders by NumOrderId.
func (st *store) open() []*order {
	var out []*order
	for _, o := range st.sorted() {
		if !o.d.Processed {
			out = append(out, o)
		}
	}
	return out
}

// details renders an order as the spec's OrderDetails: a deep copy with identifiers resolved
// and every array present.
func (st *store) details(o *order) OrderDetails {
	d := clone(o.d)
	d.GeneralInfo.Identifiers = st.identifiersOf(o)
	d.GeneralInfo.Notes = len(d.Notes)
	d.GeneralInfo.NumItems = len(d.Items)
	if d.ExtendedProperties == nil {
		d.ExtendedProperties = []ExtendedProperty{}
	}
	if d.FolderName == nil {
		d.FolderName = []string{}
	}
	if d.Notes == nil {
		d.Notes = []OrderNote{}
	}
	d.Items = normItems(d.Items)
	return d
}

func normItems(items []OrderItem) []OrderItem {
	if items == nil {
		return []OrderItem{}
	}
	for i := range items {
		items[i].CompositeSubItems = normItems(items[i].CompositeSubItems)
		if items[i].AdditionalInfo == nil {
			items[i].AdditionalInfo = []OrderItemOption{}
		}
	}
	return items
}

// openOrder renders an order as the spec's OpenOrder.
func (st *store) openOrder(o *order) OpenOrder {
	d := st.details(o)
	sum := 0
	for _, it := range d.Items {
		sum += it.Quantity
	}
	return OpenOrder{
		OrderId:       d.OrderId,
		NumOrderId:    d.NumOrderId,
		GeneralInfo:   d.GeneralInfo,
		ShippingInfo:  d.ShippingInfo,
		CustomerInfo:  d.CustomerInfo,
		TotalsInfo:    d.TotalsInfo,
		TaxInfo:       OrderTaxInfo{TaxNumber: d.TaxId},
		FolderName:    d.FolderName,
		CanFulfil:     true,
		Fulfillment:   OrderFulfillmentState{FulfillmentState: "Sufficient_Stock", PurchaseOrderState: "Sufficient_PO"},
		Items:         d.Items,
		HasItems:      len(d.Items) > 0,
		TotalItemsSum: sum,
	}
}

// identifiersOf resolves the tags of an order to identifiers.
func (st *store) identifiersOf(o *order) []Identifier {
	out := []Identifier{}
	for _, tag := range o.tags {
		if ident, ok := st.identifier(tag); ok {
			out = append(out, ident)
		}
	}
	return out
}

func (st *store) identifier(tag string) (Identifier, bool) {
	for _, ident := range st.identifiers {
		if ident.Tag == tag {
			return ident, true
		}
	}
	return Identifier{}, false
}

func (st *store) postalByID(id string) (postalService, bool) {
	key, ok := normGUID(id)
	if !ok {
		return postalService{}, false
	}
	for _, ps := range st.postal {
		if ps.ID == key {
			return ps, true
		}
	}
	return postalService{}, false
}

func (st *store) postalByName(name string) (postalService, bool) {
	for _, ps := range st.postal {
		if strings.EqualFold(ps.Name, name) {
			return ps, true
		}
	}
	return postalService{}, false
}

// findByReference finds open or processed orders whose number or references equal ref.
func (st *store) findByReference(ref string) []*order {
	var out []*order
	for _, o := range st.sorted() {
		if matchesReference(o, ref) {
			out = append(out, o)
		}
	}
	return out
}

// clone deep-copies a JSON-shaped value.
func clone[T any](v T) T {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("clone %T: %v", v, err))
	}
	var out T
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("clone %T: %v", v, err))
	}
	return out
}
