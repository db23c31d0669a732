// Package streamorder builds the Stream order for a Linnworks order: the
// header, the delivery or collection leg, and one parent item per package
// with the package's lines as its children. Its input is a neutral
// description of the order (Order), the profile's settings (Settings) and
// the chosen service (Service), so GenerateLabel and the scheduled order
// sync build identical orders from their different sources.
//
// Units: Linnworks gives grams and centimetres. Stream does not document its
// weight unit (stream-api.md §12, unknown 15 suggests kg by default), so
// weights are sent in kilograms; cube is sent in cubic metres. Stream sums
// item weights into the order weight, so a package's parent item carries the
// packaging's own weight (the package weight less its contents) and each line
// its line weight (unit weight × quantity): the order weight Stream shows is
// then the total of the package weights.
package streamorder

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"linnstream/internal/stream"
	"linnstream/internal/wizard"
)

// Stream's documented field lengths (stream-api.md §12), checked here so an
// operator is told which Linnworks value to shorten before Stream is called.
const (
	MaxOrderNo         = 17
	maxCustomerOrderNo = 35
	maxPartnerID       = 17
	maxName            = 35
	maxPostcode        = 17
	maxPhone           = 35
	maxEmail           = 70
	maxNotes           = 140
)

// Order is a Linnworks order to be shipped, independent of where it was read.
type Order struct {
	// OrderID is the Linnworks NumOrderId; the Stream order number is built
	// from it.
	OrderID int
	// Reference is the order's reference (the channel reference), sent as
	// Stream's customerOrderNo.
	Reference    string
	Recipient    Recipient
	DeliveryNote string
	Packages     []Package
	// ExtendedProperties are the order's extended properties; those listed
	// by Properties at LevelOrder are read, others ignored.
	ExtendedProperties []ExtendedProperty
}

// Recipient is the consignee: who receives (or hands over, for a collection)
// the goods, and where.
type Recipient struct {
	Name     string
	Company  string
	Address1 string
	Address2 string
	Address3 string
	Town     string
	Region   string
	// Country is an ISO 3166-1 alpha-2 code.
	Country  string
	Postcode string
	Email    string
	Phone    string
}

// Package is one parcel as Linnworks packed it.
type Package struct {
	// Number is the Linnworks package sequence number.
	Number      int
	WeightGrams float64
	WidthCm     float64
	HeightCm    float64
	DepthCm     float64
	// Format is BOX, PARCEL, PACKET or LETTER.
	Format string
	Items  []Item
}

// Item is an order line in a package.
type Item struct {
	Name            string
	SKU             string
	Quantity        int
	UnitWeightGrams float64
	// ExtendedProperties are the item's extended properties; those listed by
	// Properties at LevelItem are read.
	ExtendedProperties []ExtendedProperty
	// Components are the parts of a composite item, each with its own
	// quantity for the whole line. Empty for an ordinary item.
	Components []Item
}

// ExtendedProperty is a name and value Linnworks attaches to an order or item.
type ExtendedProperty struct {
	Name  string
	Value string
}

// Service is what the chosen Linnworks service says about the Stream order.
type Service struct {
	// OrderType is stream.OrderTypeDelivery or stream.OrderTypeCollection.
	OrderType string
	// Method is the depot's delivery method name, sent as deliveryMethod or
	// collectionMethod.
	Method string
	// StockLocation is the depot's stock location, sent on every item.
	StockLocation string
	// ServiceLevel, when set, is sent as the header's serviceLevel.
	ServiceLevel string
	// SkipCompositeParent replaces each composite item (one with
	// Components) by its components. Only orders read from the Linnworks
	// API have components; GenerateLabel's items never do.
	SkipCompositeParent bool
	// OverridePackagingSplit ignores how Linnworks split the order into
	// packages: every line of every package goes under a single parent item,
	// one handling unit for the whole order, whose weight and cube are the
	// totals of the packages.
	OverridePackagingSplit bool
}

// Settings are the profile settings the order is built with.
type Settings struct {
	// OrderNumberPrefix goes before the Linnworks order number.
	OrderNumberPrefix string
	// PartnerID and PartnerName name the Stream partner (the retailer).
	PartnerID   string
	PartnerName string
	// SenderCompany is the partner name when PartnerName is empty: the
	// company sending the goods is the retailer Stream knows the order by.
	SenderCompany string
	// PickupToday sets every item's onHandDate (the day the goods are ready
	// to be picked up) to the day the order is built.
	PickupToday bool
}

// SettingsOf returns the order settings of a profile's configuration.
func SettingsOf(c wizard.Config) Settings {
	return Settings{
		OrderNumberPrefix: c.OrderNumberPrefix,
		PartnerID:         c.Sender.PartnerID,
		PartnerName:       c.Sender.PartnerName,
		SenderCompany:     c.Sender.Company,
		PickupToday:       c.UseCurrentDateAsPickup,
	}
}

// Error lists every problem that keeps an order from being sent to Stream,
// phrased for the operator who fixes the order or the settings. Problems
// never quote the values (they may be personal data).
type Error struct {
	OrderNo  string
	Problems []string
}

func (e *Error) Error() string {
	who := "the order"
	if e.OrderNo != "" {
		who = "order " + e.OrderNo
	}
	return who + " cannot be sent to Stream: " + strings.Join(e.Problems, "; ")
}

// OrderNo returns the Stream order number of a Linnworks order: the prefix
// followed by the NumOrderId. It fails when the order id is not positive or
// the number is longer than Stream's 17 characters.
func OrderNo(prefix string, orderID int) (string, error) {
	if orderID <= 0 {
		return "", fmt.Errorf("the Linnworks order number must be positive, not %d", orderID)
	}
	no := strings.TrimSpace(prefix) + strconv.Itoa(orderID)
	if n := len(no); n > MaxOrderNo {
		return "", fmt.Errorf("the Stream order number %s is %d characters; Stream allows %d (shorten the order number prefix)", no, n, MaxOrderNo)
	}
	return no, nil
}

// problems collects what is wrong with the input.
type problems []string

func (p *problems) addf(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p *problems) length(what, v string, limit int) {
	if n := utf8.RuneCountInString(v); n > limit {
		p.addf("%s is %d characters; Stream allows %d", what, n, limit)
	}
}

func (p *problems) required(what, v string) bool {
	if v == "" {
		p.addf("%s is required", what)
		return false
	}
	return true
}

func (p *problems) amount(what string, v float64) {
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		p.addf("%s must not be negative", what)
	}
}

// Build returns the Stream order of o, shipped with svc under settings set,
// dated now. Every problem is reported at once, as an *Error; nothing in the
// result breaks Stream's documented limits.
func Build(o Order, svc Service, set Settings, now time.Time) (*stream.Order, error) {
	var p problems
	no, err := OrderNo(set.OrderNumberPrefix, o.OrderID)
	if err != nil {
		p = append(p, err.Error())
	}
	r := trimRecipient(o.Recipient)

	// Header: customer, references, partner, notes.
	p.required("the customer name", r.Name)
	p.length("the customer name", r.Name, maxName)
	p.length("the company name", r.Company, maxName)
	if p.required("address line 1", r.Address1) {
		p.length("address line 1", r.Address1, maxName)
	}
	p.length("address line 2", r.Address2, maxName)
	p.length("address line 3", r.Address3, maxName)
	p.length("the town", r.Town, maxName)
	p.length("the region", r.Region, maxName)
	if p.required("the postcode", r.Postcode) {
		p.length("the postcode", r.Postcode, maxPostcode)
	}
	if p.required("the country code", r.Country) && !isCountryCode(r.Country) {
		p.addf("the country code must be two letters (ISO 3166-1, e.g. GB)")
	}
	p.length("the email address", r.Email, maxEmail)
	p.length("the phone number", r.Phone, maxPhone)
	ref := clean(o.Reference)
	p.length("the order reference", ref, maxCustomerOrderNo)

	driverNotes := joinNotes(append([]string{clean(o.DeliveryNote)},
		collect(o.ExtendedProperties, LevelOrder, TargetDriverNotes)...))
	p.length("the driver notes (delivery note with the DeliveryInstructions and DriverNotes properties)", driverNotes, maxNotes)
	locationNotes := joinNotes(collect(o.ExtendedProperties, LevelOrder, TargetLocationNotes))
	what3words := firstOf(collect(o.ExtendedProperties, LevelOrder, TargetWhat3Words))

	partner := partnerOf(set)
	if partner != nil {
		p.length("the partner ID in the integration settings", string(partner.ID), maxPartnerID)
		p.length("the partner name in the integration settings", partner.Name, maxName)
	}

	switch svc.OrderType {
	case stream.OrderTypeDelivery, stream.OrderTypeCollection:
	default:
		p.addf("the service's order type %q is not DELIVERY or COLLECTION", svc.OrderType)
	}
	if strings.TrimSpace(svc.Method) == "" {
		p.addf("the service names no Stream delivery method")
	}

	var onHand stream.Date
	if set.PickupToday {
		onHand = stream.DateOf(now)
	}
	items := buildItems(&p, o.Packages, svc, onHand)

	if len(p) > 0 {
		return nil, &Error{OrderNo: no, Problems: p}
	}

	contact := &stream.Contact{Name: r.Name, Tel1: r.Phone, Email: r.Email}
	// Linnworks has one phone number; Stream texts updates to mobile only,
	// so the number goes to both.
	contact.Mobile = r.Phone
	addrName := r.Company
	if addrName == "" {
		addrName = r.Name
	}
	addr := stream.Address{
		Name:     addrName,
		Address1: r.Address1,
		Address2: r.Address2,
		Address3: r.Address3,
		// Stream's lines 4 and 5 hold town and county (stream-api.md §7.1).
		Address4:      r.Town,
		Address5:      r.Region,
		Country:       r.Country,
		Postcode:      r.Postcode,
		LocationNotes: locationNotes,
		What3Words:    what3words,
	}
	customerAddr := addr
	customerAddr.LocationNotes, customerAddr.What3Words = "", ""
	customerContact := *contact

	out := &stream.Order{Header: stream.Header{
		OrderNo:         no,
		OrderDate:       stream.DateOf(now),
		OrderType:       svc.OrderType,
		ServiceLevel:    strings.TrimSpace(svc.ServiceLevel),
		Partner:         partner,
		Customer:        &stream.Customer{Name: r.Name, Address: &customerAddr, Contact: &customerContact},
		CustomerOrderNo: ref,
		DriverNotes:     driverNotes,
	}}
	if svc.OrderType == stream.OrderTypeCollection {
		out.Collection = &stream.Collection{Address: addr, Contact: contact, CollectionMethod: svc.Method, Items: items}
	} else {
		out.Delivery = &stream.Delivery{Address: addr, Contact: contact, DeliveryMethod: svc.Method, Items: items}
	}
	// The same limits, checked by the client's own rules: a field this
	// package forgot is still refused before Stream sees it.
	if err := out.Check(); err != nil {
		var ve *stream.ValidationError
		if errors.As(err, &ve) {
			e := &Error{OrderNo: no}
			for _, m := range ve.Messages {
				e.Problems = append(e.Problems, m.Text())
			}
			return nil, e
		}
		return nil, err
	}
	return out, nil
}

// buildItems returns the items of the packages: a parent per package (or
// one for all with OverridePackagingSplit) followed by its lines.
func buildItems(p *problems, pkgs []Package, svc Service, onHand stream.Date) []stream.Item {
	if len(pkgs) == 0 {
		p.addf("the order has no packages")
		return nil
	}
	for i, pk := range pkgs {
		what := fmt.Sprintf("package %d", i+1)
		p.amount(what+" weight", pk.WeightGrams)
		p.amount(what+" width", pk.WidthCm)
		p.amount(what+" height", pk.HeightCm)
		p.amount(what+" depth", pk.DepthCm)
		for j, it := range pk.Items {
			checkItem(p, fmt.Sprintf("%s item %d", what, j+1), it)
		}
	}
	if len(*p) > 0 {
		return nil
	}
	// A group is what one parent item stands for: a package, or with
	// OverridePackagingSplit the whole order.
	type group struct {
		Package
		cubeM3 float64
	}
	var groups []group
	if svc.OverridePackagingSplit {
		merged := group{Package: Package{Number: pkgs[0].Number, Format: pkgs[0].Format}}
		for _, pk := range pkgs {
			merged.WeightGrams += pk.WeightGrams
			merged.Items = append(merged.Items, pk.Items...)
			merged.cubeM3 += cubeM3(pk)
			if !strings.EqualFold(clean(pk.Format), clean(merged.Format)) {
				merged.Format = ""
			}
		}
		groups = []group{merged}
	} else {
		for _, pk := range pkgs {
			groups = append(groups, group{Package: pk, cubeM3: cubeM3(pk)})
		}
	}
	var items []stream.Item
	seq := 0
	for i, pk := range groups {
		seq++
		parent := seq
		lines := expand(pk.Items, svc.SkipCompositeParent)
		var contents float64
		for _, l := range lines {
			contents += l.UnitWeightGrams * float64(l.Quantity)
		}
		format := strings.ToUpper(clean(pk.Format))
		code := format
		if code == "" {
			code = "PACKAGE"
		}
		desc := fmt.Sprintf("Package %d of %d", i+1, len(groups))
		if format != "" {
			desc += " (" + format + ")"
		}
		items = append(items, stream.Item{
			Sequence:      parent,
			Code:          code,
			Description:   desc,
			Quantity:      1,
			Weight:        kg(max(pk.WeightGrams-contents, 0)),
			Cube:          round(pk.cubeM3, 6),
			StockLocation: svc.StockLocation,
			OnHandDate:    onHand,
			PackageID:     strconv.Itoa(pk.Number),
			PackageType:   format,
		})
		for _, l := range lines {
			seq++
			code, desc := clean(l.SKU), clean(l.Name)
			if code == "" {
				code = desc
			}
			if desc == "" {
				desc = code
			}
			items = append(items, stream.Item{
				Sequence:       seq,
				ParentSequence: parent,
				Code:           code,
				Description:    desc,
				Quantity:       l.Quantity,
				Weight:         kg(l.UnitWeightGrams * float64(l.Quantity)),
				StockLocation:  svc.StockLocation,
				OnHandDate:     onHand,
				PackageID:      strconv.Itoa(pk.Number),
				Notes:          joinNotes(collect(l.ExtendedProperties, LevelItem, TargetItemNotes)),
			})
		}
	}
	return items
}

func checkItem(p *problems, what string, it Item) {
	if it.Quantity < 1 {
		p.addf("%s quantity must be at least 1", what)
	}
	if clean(it.SKU) == "" && clean(it.Name) == "" {
		p.addf("%s has neither a SKU nor a name", what)
	}
	p.amount(what+" unit weight", it.UnitWeightGrams)
	for k, c := range it.Components {
		checkItem(p, fmt.Sprintf("%s component %d", what, k+1), c)
	}
}

// expand returns the lines to send: composite items are replaced by their
// components when skip is set, and sent as themselves otherwise (their
// components are inside them).
func expand(items []Item, skip bool) []Item {
	var out []Item
	for _, it := range items {
		if skip && len(it.Components) > 0 {
			out = append(out, expand(it.Components, skip)...)
			continue
		}
		out = append(out, it)
	}
	return out
}

// cubeM3 is the package's volume in cubic metres.
func cubeM3(pk Package) float64 { return pk.WidthCm * pk.HeightCm * pk.DepthCm / 1e6 }

func partnerOf(set Settings) *stream.Partner {
	id := strings.TrimSpace(set.PartnerID)
	name := clean(set.PartnerName)
	if name == "" {
		// A derived name is cut to fit rather than refused: the operator
		// did not type it as the partner name.
		name = cut(clean(set.SenderCompany), maxName)
	}
	if id == "" && name == "" {
		return nil
	}
	return &stream.Partner{ID: stream.ID(id), Name: name}
}

func trimRecipient(r Recipient) Recipient {
	return Recipient{
		Name: clean(r.Name), Company: clean(r.Company),
		Address1: clean(r.Address1), Address2: clean(r.Address2), Address3: clean(r.Address3),
		Town: clean(r.Town), Region: clean(r.Region),
		Country:  strings.ToUpper(clean(r.Country)),
		Postcode: strings.ToUpper(clean(r.Postcode)),
		Email:    clean(r.Email), Phone: clean(r.Phone),
	}
}

// clean trims a value and folds line breaks and tabs into spaces: Stream's
// fields are single lines.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\r', '\n', '\t':
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func joinNotes(parts []string) string {
	var keep []string
	for _, s := range parts {
		if s != "" && !contains(keep, s) {
			keep = append(keep, s)
		}
	}
	return strings.Join(keep, " / ")
}

func firstOf(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
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

// kg converts grams to kilograms, to the gram.
func kg(grams float64) float64 { return round(grams/1000, 3) }

func round(v float64, places int) float64 {
	f := math.Pow(10, float64(places))
	return math.Round(v*f) / f
}
