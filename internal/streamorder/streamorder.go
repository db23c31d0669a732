// Package streamorder builds the Stream order for a Linnworks order: the
// header, the delivery or collection leg, and one parent item per package
// with the package's lines as its children. Its input is a neutral
// description of the order (Order), the profile's settings (Settings) and
// the chosen service (Service), so GenerateLabel and the scheduled order
// sync build identical orders from their different sources.
//
// Every value goes through one field policy (fields.go): numbers within
// plausible bounds, no control characters, names cut at a word to fit,
// notes cut with "…", addresses and references refused when they do not
// fit, countries from the ISO 3166-1 table. Check and CheckQuote apply it
// before anything is asked of Stream.
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
	// Null marks a package the source sent as null: Build refuses it
	// rather than ship an empty parcel.
	Null bool
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
	// Null marks an item the source sent as null; Build refuses it.
	Null bool
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
// never quote names, addresses or notes (they may be personal data) and
// never more than 80 characters of anything sent.
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

func (p *problems) required(what, v string) bool {
	if v == "" {
		p.addf("%s is required", what)
		return false
	}
	return true
}

// prepared is an order that passed the field policy, every value cleaned
// and cut as the policy says.
type prepared struct {
	no            string
	r             Recipient
	ref           string
	driverNotes   string
	locationNotes string
	what3words    string
	partner       *stream.Partner
	parcels       []parcel
}

// parcel is a checked package.
type parcel struct {
	number int
	grams  float64
	cubeM3 float64
	format string
	lines  []line
}

// line is a checked item.
type line struct {
	name, code, notes string
	quantity          int
	unitGrams         float64
	components        []line
}

// purpose says what an order is checked for.
type purpose int

const (
	forOrder purpose = iota // a Stream order: everything Stream needs is required
	forQuote                // a quote: only where the goods go is required
)

// Check applies the field policy of Build to o and set, without a service:
// the problems Build would find in the order itself, as an *Error, or nil.
// Callers run it before anything is asked of Stream.
func Check(o Order, set Settings) error {
	pr, p := prepare(o, set, forOrder)
	if len(p) > 0 {
		return &Error{OrderNo: pr.no, Problems: p}
	}
	return nil
}

// CheckQuote applies the field policy to a consignment to be quoted: the
// same rules as Check, but only the country and postcode are required and
// there is no order number.
func CheckQuote(o Order) error {
	if _, p := prepare(o, Settings{}, forQuote); len(p) > 0 {
		return &Error{Problems: p}
	}
	return nil
}

// prepare applies the field policy to o.
func prepare(o Order, set Settings, why purpose) (prepared, problems) {
	var p problems
	var out prepared
	if why == forOrder {
		no, err := OrderNo(set.OrderNumberPrefix, o.OrderID)
		if err != nil {
			p = append(p, err.Error())
		}
		out.no = no
	}
	out.r = prepareRecipient(&p, o.Recipient, why)
	out.ref = p.line("the order reference", o.Reference)
	p.fits("the order reference", out.ref, maxCustomerOrderNo)

	checkProperties(&p, "the order", o.ExtendedProperties, LevelOrder)
	driver := append([]string{p.note("the delivery note", o.DeliveryNote)},
		collect(o.ExtendedProperties, LevelOrder, TargetDriverNotes)...)
	out.driverNotes = cutNote(joinNotes(driver), maxNotes)
	out.locationNotes = cutNote(joinNotes(collect(o.ExtendedProperties, LevelOrder, TargetLocationNotes)), maxNotes)
	out.what3words = firstOf(collect(o.ExtendedProperties, LevelOrder, TargetWhat3Words))
	p.fits("the What3Words property", out.what3words, maxWhat3Words)

	if why == forOrder {
		out.partner = partnerOf(set)
		if out.partner != nil {
			p.fits("the partner ID in the integration settings", string(out.partner.ID), maxPartnerID)
			p.fits("the partner name in the integration settings", out.partner.Name, maxName)
		}
	}
	out.parcels = prepareParcels(&p, o.Packages)
	return out, p
}

// prepareRecipient checks the consignee: names are cut to fit, everything
// that locates the address is refused when it does not.
func prepareRecipient(p *problems, in Recipient, why purpose) Recipient {
	r := Recipient{
		Name:     cutName(p.line("the customer name", in.Name), maxName),
		Company:  cutName(p.line("the company name", in.Company), maxName),
		Address1: p.line("address line 1", in.Address1),
		Address2: p.line("address line 2", in.Address2),
		Address3: p.line("address line 3", in.Address3),
		Town:     p.line("the town", in.Town),
		Region:   p.line("the region", in.Region),
		Postcode: strings.ToUpper(p.line("the postcode", in.Postcode)),
		Email:    p.line("the email address", in.Email),
		Phone:    p.line("the phone number", in.Phone),
	}
	cc := p.line("the country code", in.Country)
	if why == forOrder {
		p.required("the customer name", r.Name)
		p.required("address line 1", r.Address1)
	}
	for _, f := range []struct {
		what, v string
		max     int
	}{
		{"address line 1", r.Address1, maxName}, {"address line 2", r.Address2, maxName}, {"address line 3", r.Address3, maxName},
		{"the town", r.Town, maxName}, {"the region", r.Region, maxName},
	} {
		if utf8.RuneCountInString(f.v) > f.max {
			p.addf("%s is %d characters; Stream allows %d (an address is never cut, as a cut address misdelivers: shorten it in Linnworks)",
				f.what, utf8.RuneCountInString(f.v), f.max)
		}
	}
	if p.required("the postcode", r.Postcode) {
		p.fits("the postcode", r.Postcode, maxPostcode)
	}
	if p.required("the country code", cc) {
		code, ok := country(cc)
		if !ok {
			p.addf("the country code %s is not an ISO 3166-1 country code (two letters, e.g. GB)", echo(cc))
		}
		r.Country = code
	}
	p.fits("the email address", r.Email, maxEmail)
	p.fits("the phone number", r.Phone, maxPhone)
	return r
}

// checkProperties refuses control characters in the values of the
// extended properties the builder reads: notes may hold line breaks, the
// others are single lines.
func checkProperties(p *problems, owner string, props []ExtendedProperty, level Level) {
	for _, ep := range props {
		prop, ok := lookup(level, ep.Name)
		if !ok {
			continue
		}
		what := fmt.Sprintf("the %s property of %s", prop.Name, owner)
		if prop.Target == TargetWhat3Words {
			p.line(what, ep.Value)
		} else {
			p.note(what, ep.Value)
		}
	}
}

// prepareParcels checks the packages and their items.
func prepareParcels(p *problems, pkgs []Package) []parcel {
	switch {
	case len(pkgs) == 0:
		p.addf("the order has no packages")
		return nil
	case len(pkgs) > MaxPackages:
		p.addf("the order has %d packages; at most %d are accepted", len(pkgs), MaxPackages)
		return nil
	}
	var out []parcel
	lines := 0
	for i, pk := range pkgs {
		what := fmt.Sprintf("package %d", i+1)
		if pk.Null {
			p.addf("%s is null: every package must be an object with its weight, size and items", what)
			continue
		}
		p.amount(what+" weight", pk.WeightGrams, MaxWeightGrams, "g")
		p.amount(what+" width", pk.WidthCm, MaxDimensionCm, "cm")
		p.amount(what+" height", pk.HeightCm, MaxDimensionCm, "cm")
		p.amount(what+" depth", pk.DepthCm, MaxDimensionCm, "cm")
		format := strings.ToUpper(p.line(what+" format", pk.Format))
		p.fits(what+" format", format, maxCode)
		pc := parcel{number: pk.Number, grams: pk.WeightGrams, format: format}
		if ok := finite(pk.WidthCm, pk.HeightCm, pk.DepthCm); ok {
			pc.cubeM3 = pk.WidthCm * pk.HeightCm * pk.DepthCm / 1e6
		}
		for j, it := range pk.Items {
			pc.lines = append(pc.lines, prepareLine(p, fmt.Sprintf("%s item %d", what, j+1), it, &lines))
		}
		out = append(out, pc)
	}
	if lines > MaxLines {
		p.addf("the order has %d item lines (with components); at most %d are accepted", lines, MaxLines)
	}
	return out
}

func finite(vs ...float64) bool {
	for _, v := range vs {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return true
}

// prepareLine checks an item and its components.
func prepareLine(p *problems, what string, it Item, count *int) line {
	*count++
	if it.Null {
		p.addf("%s is null: every item must be an object with its name or SKU and quantity", what)
		return line{}
	}
	l := line{
		name:      cutName(p.line(what+" name", it.Name), maxItemName),
		code:      p.line(what+" SKU", it.SKU),
		quantity:  it.Quantity,
		unitGrams: it.UnitWeightGrams,
	}
	p.fits(what+" SKU", l.code, maxCode)
	switch {
	case it.Quantity < 1:
		p.addf("%s quantity must be at least 1, not %d", what, it.Quantity)
	case it.Quantity > MaxQuantity:
		p.addf("%s quantity of %d is beyond the %d accepted", what, it.Quantity, MaxQuantity)
	}
	if l.code == "" && l.name == "" {
		p.addf("%s has neither a SKU nor a name", what)
	}
	before := len(*p)
	p.amount(what+" unit weight", it.UnitWeightGrams, MaxWeightGrams, "g")
	if len(*p) == before && it.Quantity >= 1 && it.Quantity <= MaxQuantity {
		p.amount(what+" line weight (unit weight × quantity)", it.UnitWeightGrams*float64(it.Quantity), MaxWeightGrams, "g")
	}
	checkProperties(p, what, it.ExtendedProperties, LevelItem)
	l.notes = cutNote(joinNotes(collect(it.ExtendedProperties, LevelItem, TargetItemNotes)), maxNotes)
	for k, c := range it.Components {
		l.components = append(l.components, prepareLine(p, fmt.Sprintf("%s component %d", what, k+1), c, count))
	}
	return l
}

// Build returns the Stream order of o, shipped with svc under settings set,
// dated now. It applies the field policy (see fields.go): every problem is
// reported at once, as an *Error; nothing in the result breaks Stream's
// documented limits or the policy's bounds.
func Build(o Order, svc Service, set Settings, now time.Time) (*stream.Order, error) {
	pr, p := prepare(o, set, forOrder)
	no, r := pr.no, pr.r

	switch svc.OrderType {
	case stream.OrderTypeDelivery, stream.OrderTypeCollection:
	default:
		p.addf("the service's order type %s is not DELIVERY or COLLECTION", echo(svc.OrderType))
	}
	if strings.TrimSpace(svc.Method) == "" {
		p.addf("the service names no Stream delivery method")
	}
	if len(p) > 0 {
		return nil, &Error{OrderNo: no, Problems: p}
	}

	var onHand stream.Date
	if set.PickupToday {
		onHand = stream.DateOf(now)
	}
	items := buildItems(pr.parcels, svc, onHand)

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
		LocationNotes: pr.locationNotes,
		What3Words:    pr.what3words,
	}
	customerAddr := addr
	customerAddr.LocationNotes, customerAddr.What3Words = "", ""
	customerContact := *contact

	out := &stream.Order{Header: stream.Header{
		OrderNo:         no,
		OrderDate:       stream.DateOf(now),
		OrderType:       svc.OrderType,
		ServiceLevel:    strings.TrimSpace(svc.ServiceLevel),
		Partner:         pr.partner,
		Customer:        &stream.Customer{Name: r.Name, Address: &customerAddr, Contact: &customerContact},
		CustomerOrderNo: pr.ref,
		DriverNotes:     pr.driverNotes,
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
func buildItems(pcs []parcel, svc Service, onHand stream.Date) []stream.Item {
	groups := pcs
	if svc.OverridePackagingSplit {
		// One parent item stands for the whole order.
		merged := parcel{number: pcs[0].number, format: pcs[0].format}
		for _, pc := range pcs {
			merged.grams += pc.grams
			merged.lines = append(merged.lines, pc.lines...)
			merged.cubeM3 += pc.cubeM3
			if pc.format != merged.format {
				merged.format = ""
			}
		}
		groups = []parcel{merged}
	}
	var items []stream.Item
	seq := 0
	for i, pk := range groups {
		seq++
		parent := seq
		lines := expand(pk.lines, svc.SkipCompositeParent)
		var contents float64
		for _, l := range lines {
			contents += l.unitGrams * float64(l.quantity)
		}
		code := pk.format
		if code == "" {
			code = "PACKAGE"
		}
		desc := fmt.Sprintf("Package %d of %d", i+1, len(groups))
		if pk.format != "" {
			desc += " (" + pk.format + ")"
		}
		items = append(items, stream.Item{
			Sequence:      parent,
			Code:          code,
			Description:   desc,
			Quantity:      1,
			Weight:        kg(max(pk.grams-contents, 0)),
			Cube:          round(pk.cubeM3, 6),
			StockLocation: svc.StockLocation,
			OnHandDate:    onHand,
			PackageID:     strconv.Itoa(pk.number),
			PackageType:   pk.format,
		})
		for _, l := range lines {
			seq++
			code, desc := l.code, l.name
			if code == "" {
				code = cutName(desc, maxCode)
			}
			if desc == "" {
				desc = cutName(code, maxItemName)
			}
			items = append(items, stream.Item{
				Sequence:       seq,
				ParentSequence: parent,
				Code:           code,
				Description:    desc,
				Quantity:       l.quantity,
				Weight:         kg(l.unitGrams * float64(l.quantity)),
				StockLocation:  svc.StockLocation,
				OnHandDate:     onHand,
				PackageID:      strconv.Itoa(pk.number),
				Notes:          l.notes,
			})
		}
	}
	return items
}

// expand returns the lines to send: composite items are replaced by their
// components when skip is set, and sent as themselves otherwise (their
// components are inside them).
func expand(lines []line, skip bool) []line {
	var out []line
	for _, l := range lines {
		if skip && len(l.components) > 0 {
			out = append(out, expand(l.components, skip)...)
			continue
		}
		out = append(out, l)
	}
	return out
}

func partnerOf(set Settings) *stream.Partner {
	id := strings.TrimSpace(set.PartnerID)
	name := clean(set.PartnerName)
	if name == "" {
		// A derived name is cut to fit rather than refused: the operator
		// did not type it as the partner name.
		name = cutName(clean(set.SenderCompany), maxName)
	}
	if id == "" && name == "" {
		return nil
	}
	return &stream.Partner{ID: stream.ID(id), Name: name}
}

// clean trims a value and folds line breaks and tabs into spaces, for
// single-line fields whose control characters were refused or cannot occur
// (the settings the wizard checked).
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

// cleanNote trims a note, keeps its line breaks (one at a time, as \n) and
// collapses the white space within each line.
func cleanNote(s string) string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.Join(strings.Fields(l), " "); l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
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

// kg converts grams to kilograms, to the gram.
func kg(grams float64) float64 { return round(grams/1000, 3) }

func round(v float64, places int) float64 {
	f := math.Pow(10, float64(places))
	return math.Round(v*f) / f
}
