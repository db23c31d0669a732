package ordersync

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"linnstream/internal/linnworks"
	"linnstream/internal/shipment"
	"linnstream/internal/streamorder"
)

// Linnworks order statuses (GeneralInfo.Status) that are not paid for.
const (
	statusUnpaid  = 0
	statusPending = 3
	markerParked  = 7
)

// precheck decides what the order list alone can tell: everything but the
// shipment record and the order builder's checks. ok means "look further".
func precheck(o linnworks.Order, ours map[string]bool, cutoff time.Time, marks map[string]string) (Reason, bool) {
	g := o.GeneralInfo
	switch {
	case o.Processed:
		return ReasonProcessed, false
	case !ours[normGUID(o.ShippingInfo.PostalServiceID)]:
		return ReasonNotOurService, false
	case g.ReceivedDate.Time.IsZero() || g.ReceivedDate.Time.Before(cutoff):
		return ReasonOutsideLookback, false
	case o.HasIdentifier(linnworks.TagSent):
		return ReasonAlreadySent, false
	case o.HasIdentifier(linnworks.TagError) && marks[fmt.Sprint(o.NumOrderID)] == fingerprint(o):
		// Sending it again would fail the same way; an operator's
		// correction (address, service, lines) changes the fingerprint,
		// and removing the identifier asks for another try.
		return ReasonErrorUnchanged, false
	case g.IsParked || g.Marker == markerParked:
		return ReasonParked, false
	case g.HoldOrCancel:
		return ReasonLockedOrOnHold, false
	case g.Status == statusUnpaid || g.Status == statusPending:
		return ReasonNotPaid, false
	}
	return "", true
}

// recordCheck decides from the order's shipment record: an order Stream
// holds (or held) is not sent again. A pending record goes on, to the
// Creator, which reads Stream before posting anything; a failed one is
// tried again.
func recordCheck(sh *shipment.Shipment) (Reason, bool) {
	if sh == nil {
		return "", true
	}
	switch sh.State {
	case shipment.StateCreated:
		return ReasonHasStreamOrder, false
	case shipment.StateCancelled:
		return ReasonCancelled, false
	}
	return "", true
}

// fingerprint sums up what an operator corrects on an order that could not
// be sent: the address, the postal service and the lines. An order whose
// fingerprint moved since its error is tried again.
func fingerprint(o linnworks.Order) string {
	a := o.CustomerInfo.Address
	h := sha256.New()
	for _, v := range []string{a.FullName, a.Company, a.Address1, a.Address2, a.Address3, a.Town, a.Region, a.PostCode,
		a.Country, a.CountryID, a.EmailAddress, a.PhoneNumber, normGUID(o.ShippingInfo.PostalServiceID)} {
		fmt.Fprintf(h, "%q;", strings.TrimSpace(v))
	}
	var items func([]linnworks.OrderItem)
	items = func(its []linnworks.OrderItem) {
		for _, it := range its {
			fmt.Fprintf(h, "[%q %q %d %g", it.SKU, it.Title, it.Quantity, it.Weight)
			items(it.CompositeSubItems)
			h.Write([]byte("]"))
		}
	}
	items(o.Items)
	return hex.EncodeToString(h.Sum(nil))[:24]
}

// neutral is the order as the Stream order builder takes it: one package
// holding every line (Linnworks lists an open order's lines, not how they
// will be packed), weights from kilograms to grams, composite items with
// their parts so Skip Composite Parent can apply.
func neutral(o linnworks.Order) streamorder.Order {
	a := o.CustomerInfo.Address
	out := streamorder.Order{
		OrderID:   o.NumOrderID,
		Reference: firstNonEmpty(o.GeneralInfo.ReferenceNum, o.GeneralInfo.ExternalReferenceNum),
		Recipient: streamorder.Recipient{
			Name: a.FullName, Company: a.Company,
			Address1: a.Address1, Address2: a.Address2, Address3: a.Address3,
			Town: a.Town, Region: a.Region, Country: countryCode(a.Country), Postcode: a.PostCode,
			Email: a.EmailAddress, Phone: a.PhoneNumber,
		},
	}
	for _, p := range o.ExtendedProperties {
		out.ExtendedProperties = append(out.ExtendedProperties, streamorder.ExtendedProperty{Name: p.Name, Value: p.Value})
	}
	pk := streamorder.Package{Number: 1, WeightGrams: o.ShippingInfo.TotalWeight * 1000}
	for _, it := range o.Items {
		if it.IsService {
			continue // a service line (gift wrap, postage) is nothing to carry
		}
		pk.Items = append(pk.Items, item(it))
	}
	if pk.WeightGrams == 0 {
		for _, it := range pk.Items {
			pk.WeightGrams += it.UnitWeightGrams * float64(it.Quantity)
		}
	}
	out.Packages = []streamorder.Package{pk}
	return out
}

func item(it linnworks.OrderItem) streamorder.Item {
	out := streamorder.Item{
		Name:            firstNonEmpty(it.Title, it.ItemName, it.ChannelTitle),
		SKU:             firstNonEmpty(it.SKU, it.ChannelSKU, it.ItemNumber),
		Quantity:        it.Quantity,
		UnitWeightGrams: it.Weight * 1000,
	}
	for _, opt := range it.AdditionalInfo {
		out.ExtendedProperties = append(out.ExtendedProperties, streamorder.ExtendedProperty{Name: opt.Property, Value: opt.Value})
	}
	for _, c := range it.CompositeSubItems {
		out.Components = append(out.Components, item(c))
	}
	return out
}

// countries maps the country names Linnworks shows on UK orders to ISO
// codes; a two-letter value is taken as a code. Anything else is left as
// it is and the builder says the country code is wrong, which tells the
// operator what to fix.
var countries = map[string]string{
	"united kingdom": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
	"northern ireland": "GB", "uk": "GB", "ireland": "IE", "republic of ireland": "IE",
	"isle of man": "IM", "jersey": "JE", "guernsey": "GG",
}

func countryCode(name string) string {
	n := strings.TrimSpace(name)
	if c, ok := countries[strings.ToLower(n)]; ok {
		return c
	}
	if len(n) == 2 {
		return strings.ToUpper(n)
	}
	return n
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// normGUID reduces a GUID to its lower-case hex digits.
func normGUID(s string) string {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(strings.TrimSuffix(s, "}"), "{")
	return strings.ToLower(strings.ReplaceAll(s, "-", ""))
}
