package shipping

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"linnstream/internal/label"
	"linnstream/internal/profile"
	"linnstream/internal/services"
	"linnstream/internal/shipment"
	"linnstream/internal/stream"
	"linnstream/internal/streamorder"
	"linnstream/internal/wizard"
	"linnstream/internal/writeback"
)

// StreamAccounts hands out the client of a Stream account, shared by every
// profile of that account. *stream.Pool satisfies it.
type StreamAccounts interface {
	Client(acct stream.Account) (*stream.Client, error)
}

var _ StreamAccounts = (*stream.Pool)(nil)

// ShipmentCreator creates the Stream order of a Linnworks order at most once
// per profile, whoever asks and however often, and records its
// cancellation. *shipment.Creator satisfies it.
type ShipmentCreator interface {
	Ensure(ctx context.Context, req shipment.EnsureRequest) (*shipment.Shipment, error)
	Cancel(ctx context.Context, profileID, orderID string) (*shipment.Shipment, error)
}

var _ ShipmentCreator = (*shipment.Creator)(nil)

// maxLabels bounds the labels one GenerateLabel answer carries, packages
// times LABEL_COUNT copies. A label is about 16 KB of PNG, 22 KB in base64;
// 200 of them stay well inside the 6 MB a Lambda function may answer with,
// which a larger answer would fail outright.
const maxLabels = 200

// DefaultCurrency is the Currency of a label response whose request names no
// OrderCurrency: Stream operates in the United Kingdom.
const DefaultCurrency = "GBP"

// handleGenerateLabel creates the order's Stream order (once, however often
// Linnworks asks) and returns one label per request package.
//
// Tracking numbers: Stream gives one trackingId per order, which its
// tracking page knows. LeadTrackingNumber is that trackingId (the
// consignment number when Stream gives none). A single package carries it as
// its TrackingNumber; with several packages, package n (1-based, in request
// order) carries "<trackingId>-<n>". The Code 128 barcode of each label
// encodes exactly the TrackingNumber returned for its package; the QR code
// encodes Stream's tracking URL.
func (h *Handlers) handleGenerateLabel(ctx context.Context, c *call, req *GenerateLabelRequest) (*GenerateLabelResponse, error) {
	if h.services == nil || h.streams == nil || h.creator == nil {
		return nil, fail("label generation is not configured on this server")
	}
	p := c.profile
	if !p.Active {
		return nil, fail("the integration's configuration is not complete; finish it in Linnworks before printing labels")
	}
	if err := checkLabelRequest(req); err != nil {
		return nil, err
	}
	c.log = c.log.With("order_id", req.OrderID)
	cfg := wizard.Settings(p)
	if copies := max(cfg.LabelCount, 1); len(req.Packages)*copies > maxLabels {
		return nil, fail("the order needs %d labels (%d packages, Number of labels %d), more than the %d one answer to Linnworks can carry; lower the Number of labels in the integration's settings or ship the order in fewer packages",
			len(req.Packages)*copies, len(req.Packages), copies, maxLabels)
	}
	format, err := label.ParseFormat(string(cfg.LabelFormat))
	if err != nil {
		return nil, fail("the label format setting %q is not one of the supported formats; choose one in the integration's settings", cfg.LabelFormat)
	}
	opts, err := services.ParseOptions(serviceConfig(req))
	if err != nil {
		return nil, fail("the service's settings are invalid: %s", err.Error())
	}
	// The order itself is checked before Stream is asked anything: a refused
	// order costs no call and leaves no record.
	var be *streamorder.Error
	if err := streamorder.Check(labelOrder(req), streamorder.SettingsOf(cfg)); errors.As(err, &be) {
		return nil, fail("%s", capitalise(be.Error()))
	} else if err != nil {
		return nil, fmt.Errorf("check stream order: %w", err)
	}
	svc, err := h.services.Resolve(ctx, p, req.ServiceID)
	switch {
	case errors.Is(err, services.ErrUnknownService):
		// The id is echoed clipped, and once: it may be anything at all.
		return nil, fail("ServiceId %s names no service of this integration: it is not one of the Stream account's depot and delivery method services; reload the services in Linnworks",
			clipValue(strings.TrimSpace(req.ServiceID)))
	case err != nil:
		return nil, streamProblem("the service could not be looked up in Stream", err)
	}

	order, err := streamorder.Build(labelOrder(req), streamorder.Service{
		OrderType:              svc.OrderType,
		Method:                 svc.Method.Name,
		StockLocation:          svc.StockLocation,
		ServiceLevel:           opts.ServiceLevel,
		SkipCompositeParent:    opts.SkipCompositeParent,
		OverridePackagingSplit: opts.OverridePackagingSplit,
	}, streamorder.SettingsOf(cfg), h.now())
	switch {
	case errors.As(err, &be):
		return nil, fail("%s", capitalise(be.Error()))
	case err != nil:
		return nil, fmt.Errorf("build stream order: %w", err)
	}
	client, err := h.streams.Client(cfg.Stream)
	if err != nil {
		return nil, fail("the Stream account settings are incomplete: %s", err.Error())
	}

	orderID := strconv.Itoa(req.OrderID)
	sh, err := h.creator.Ensure(ctx, shipment.EnsureRequest{
		ProfileID: p.ID,
		OrderID:   orderID,
		Origin:    shipment.OriginLabel,
		Order:     order,
		Stream:    client,
		Details:   labelDetails(req, svc),
	})
	if err != nil {
		h.queueRefusal(ctx, c, orderID, err)
		return nil, createProblem(c, orderID, order.Header.OrderNo, err)
	}
	c.log.Info("stream order ready", "stream_order_no", sh.StreamOrderNo, "consignment_no", sh.ConsignmentNo, "origin", string(sh.Origin))
	h.queueWriteBack(ctx, c, writeback.Message{ProfileID: p.ID, Ref: sh.StreamOrderNo, Consignment: sh.ConsignmentNo, OrderID: orderID, Source: writeback.SourceLabel})

	resp, err := h.labels(ctx, req, p, cfg, format, svc, sh)
	if err != nil {
		return nil, err
	}
	resp.Cost = opts.FlatRate
	h.keepServiceOptions(ctx, c, req.ServiceID, opts)
	return resp, nil
}

// checkLabelRequest refuses what no order can be built from.
func checkLabelRequest(req *GenerateLabelRequest) error {
	var probs []string
	if strings.TrimSpace(req.ServiceID) == "" {
		probs = append(probs, "ServiceId is required")
	}
	if req.OrderID <= 0 {
		probs = append(probs, "OrderId must be a positive Linnworks order number")
	}
	if len(req.Packages) == 0 {
		probs = append(probs, "Packages must list at least one package")
	}
	seen := map[int]int{}
	for i, pk := range req.Packages {
		if pk == nil {
			// The order builder refuses it, with the order's other problems.
			continue
		}
		if j, dup := seen[pk.SequenceNumber]; dup {
			probs = append(probs, fmt.Sprintf("Packages[%d].SequenceNumber %d repeats that of Packages[%d]", i, pk.SequenceNumber, j))
			continue
		}
		seen[pk.SequenceNumber] = i
	}
	if len(probs) > 0 {
		return fail("%s", strings.Join(probs, "; "))
	}
	return nil
}

// serviceConfig merges the two spellings of the service config array by
// ConfigItemId; ServiceConfigItems wins a clash (§6.7).
func serviceConfig(req *GenerateLabelRequest) map[string]string {
	m := make(map[string]string, len(req.SaveConfigItems)+len(req.ServiceConfigItems))
	for _, it := range req.SaveConfigItems {
		m[strings.TrimSpace(it.ConfigItemID)] = it.SelectedValue
	}
	for _, it := range req.ServiceConfigItems {
		m[strings.TrimSpace(it.ConfigItemID)] = it.SelectedValue
	}
	return m
}

// labelOrder is the neutral order of a GenerateLabel request.
func labelOrder(req *GenerateLabelRequest) streamorder.Order {
	return streamorder.Order{
		OrderID:            req.OrderID,
		Reference:          req.OrderReference,
		Recipient:          recipient(req.Address),
		DeliveryNote:       req.DeliveryNote,
		Packages:           orderPackages(req.Packages),
		ExtendedProperties: properties(req.OrderExtendedProperties),
	}
}

// recipient is the consignee of a GenerateLabel or Quote request.
func recipient(a Address) streamorder.Recipient {
	return streamorder.Recipient{
		Name: a.Name, Company: a.CompanyName,
		Address1: a.AddressLine1, Address2: a.AddressLine2, Address3: a.AddressLine3,
		Town: a.Town, Region: a.Region, Country: a.CountryCode, Postcode: a.Postalcode,
		Email: a.Email, Phone: a.Phone,
	}
}

// orderPackages are the neutral packages of a request; a null package or
// item is passed on as such, for the builder to refuse.
func orderPackages(pkgs []*LabelPackage) []streamorder.Package {
	out := make([]streamorder.Package, 0, len(pkgs))
	for _, pk := range pkgs {
		if pk == nil {
			out = append(out, streamorder.Package{Null: true})
			continue
		}
		np := streamorder.Package{
			Number:      pk.SequenceNumber,
			WeightGrams: pk.PackageWeight,
			WidthCm:     pk.PackageWidth,
			HeightCm:    pk.PackageHeight,
			DepthCm:     pk.PackageDepth,
			Format:      pk.PackageFormat,
		}
		for _, it := range pk.Items {
			if it == nil {
				np.Items = append(np.Items, streamorder.Item{Null: true})
				continue
			}
			np.Items = append(np.Items, streamorder.Item{
				Name:               it.ItemName,
				SKU:                it.ProductCode,
				Quantity:           it.Quantity,
				UnitWeightGrams:    it.UnitWeight,
				ExtendedProperties: properties(it.ExtendedProperties),
			})
		}
		out = append(out, np)
	}
	return out
}

func properties(in []LabelExtendedProperty) []streamorder.ExtendedProperty {
	out := make([]streamorder.ExtendedProperty, 0, len(in))
	for _, ep := range in {
		out = append(out, streamorder.ExtendedProperty{Name: ep.Name, Value: ep.Value})
	}
	return out
}

// labelDetails is what the shipment record keeps for manifests and
// cancellations.
func labelDetails(req *GenerateLabelRequest, svc services.Service) shipment.Details {
	d := shipment.Details{
		OrderReference:    strings.TrimSpace(req.OrderReference),
		ServiceID:         svc.ID,
		ServiceName:       svc.Name,
		Depot:             svc.DepotName,
		DeliveryMethod:    svc.Method.Name,
		ConsigneeName:     strings.TrimSpace(req.Name),
		ConsigneePostcode: strings.ToUpper(strings.TrimSpace(req.Postalcode)),
	}
	for _, pk := range req.Packages {
		d.Packages = append(d.Packages, shipment.Package{SequenceNumber: pk.SequenceNumber, WeightGrams: pk.PackageWeight})
		d.TotalWeightGrams += pk.PackageWeight
	}
	return d
}

// TrackingNumbers returns the lead tracking number of a shipment and the
// tracking number of each of its n packages, as GenerateLabel returns them:
// the Stream trackingId (else the consignment number) for the lead and a
// single package, "<lead>-<i>" for package i of several.
func TrackingNumbers(s *shipment.Shipment, n int) (string, []string) {
	lead := strings.TrimSpace(s.TrackingID)
	if lead == "" {
		lead = strings.TrimSpace(s.ConsignmentNo)
	}
	out := make([]string, n)
	for i := range out {
		if n == 1 {
			out[i] = lead
		} else {
			out[i] = lead + "-" + strconv.Itoa(i+1)
		}
	}
	return lead, out
}

// labels renders each package's label, LabelCount copies of it.
func (h *Handlers) labels(ctx context.Context, req *GenerateLabelRequest, p *profile.Profile, cfg wizard.Config,
	format label.Format, svc services.Service, sh *shipment.Shipment) (*GenerateLabelResponse, error) {
	lead, numbers := TrackingNumbers(sh, len(req.Packages))
	if lead == "" {
		return nil, fmt.Errorf("stream order %s has neither a tracking id nor a consignment number", sh.StreamOrderNo)
	}
	ref, caption := labelReference(cfg.LabelReference, req, sh)
	sender := label.Address{
		Name: cfg.Sender.ContactName, Company: cfg.Sender.Company,
		Lines: []string{cfg.Sender.Address1, cfg.Sender.Address2},
		Town:  cfg.Sender.City, Region: cfg.Sender.Region, Postcode: cfg.Sender.Postcode, Country: cfg.Sender.Country,
	}
	consignee := label.Address{
		Name: req.Name, Company: req.CompanyName,
		Lines: []string{req.AddressLine1, req.AddressLine2, req.AddressLine3},
		Town:  req.Town, Region: req.Region, Postcode: strings.ToUpper(strings.TrimSpace(req.Postalcode)),
		Country: strings.ToUpper(strings.TrimSpace(req.CountryCode)),
	}
	copies := max(cfg.LabelCount, 1)
	created := h.now()
	out := make([]LabelPackageResult, len(req.Packages))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, pk := range req.Packages {
		g.Go(func() error {
			if err := gctx.Err(); err != nil {
				return err
			}
			img, err := label.Render(format, label.Label{
				Sender: sender, Consignee: consignee,
				Reference: ref, ReferenceCaption: caption,
				Service: svc.Name, Depot: svc.DepotName, Method: svc.Method.Name,
				Package: i + 1, Packages: len(req.Packages),
				WeightGrams:    max(pk.PackageWeight, 0),
				TrackingNumber: numbers[i],
				TrackingURL:    sh.TrackingURL,
				Created:        created,
			})
			if err != nil {
				return fmt.Errorf("label of package %d of order %d: %w", pk.SequenceNumber, req.OrderID, err)
			}
			png := base64.StdEncoding.EncodeToString(img.PNG)
			more := make([]string, copies-1)
			for k := range more {
				more[k] = png
			}
			out[i] = LabelPackageResult{
				SequenceNumber:              pk.SequenceNumber,
				TrackingNumber:              numbers[i],
				PNGLabelDataBase64:          png,
				AdditionalPngsBase64:        more,
				PDFBytesDocumentationBase64: []string{},
				LabelWidth:                  round2(img.WidthInches),
				LabelHeight:                 round2(img.HeightInches),
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	currency := strings.ToUpper(strings.TrimSpace(req.OrderCurrency))
	if currency == "" {
		currency = DefaultCurrency
	}
	return &GenerateLabelResponse{LeadTrackingNumber: lead, Currency: currency, Package: out}, nil
}

// labelReference is the reference LABEL_REFERENCE chooses, with its caption.
func labelReference(kind wizard.LabelReference, req *GenerateLabelRequest, sh *shipment.Shipment) (string, string) {
	switch kind {
	case wizard.RefOrderRef:
		if ref := strings.TrimSpace(req.OrderReference); ref != "" {
			return ref, "Order ref"
		}
	case wizard.RefConsignmentNo:
		if sh.ConsignmentNo != "" {
			return sh.ConsignmentNo, "Consignment"
		}
	}
	return strconv.Itoa(req.OrderID), "Order ID"
}

func round2(v float64) float64 {
	f, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 2, 64), 64)
	return f
}

// keepServiceOptions remembers the service's options on the profile: the
// flat rate for Quote and the order-shaping options for the order sync,
// whose requests carry no service config. It is best effort: the label is
// already made, so a failure is logged, not returned.
func (h *Handlers) keepServiceOptions(ctx context.Context, c *call, serviceID string, opts services.Options) {
	p := profile.Clone(c.profile)
	for range 3 {
		rate := services.RecordFlatRate(p, serviceID, opts.FlatRate)
		shaping := services.RecordOptions(p, serviceID, opts)
		if !rate && !shaping {
			return
		}
		err := h.store.Update(ctx, p)
		if err == nil {
			return
		}
		if !errors.Is(err, profile.ErrConflict) {
			c.log.Warn("service options not stored", "error", err.Error())
			return
		}
		if p, err = h.store.Get(ctx, p.ID); err != nil {
			c.log.Warn("service options not stored", "error", err.Error())
			return
		}
	}
	c.log.Warn("service options not stored: the profile kept changing")
}

// capitalise upper-cases the first letter of a message.
func capitalise(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// streamProblem explains a failed call to Stream in words an operator can
// act on. A deadline or cancellation stays the request's own error, so the
// shared time-out message applies.
func streamProblem(what string, err error) error {
	msg, ok := streamWords(err)
	if !ok {
		return err
	}
	return fail("%s: %s", what, msg)
}

// createProblem explains why the order's Stream order is not there.
func createProblem(c *call, orderID, orderNo string, err error) error {
	var refused *shipment.RefusedError
	var cancelled *shipment.CancelledError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &refused):
		msgs := make([]string, 0, len(refused.Messages))
		for _, m := range refused.Messages {
			msgs = append(msgs, explainStreamMessage(m))
		}
		if len(msgs) == 0 {
			msgs = append(msgs, "no reason given")
		}
		return fail("Stream refused order %s (Stream order %s): %s", orderID, refused.StreamOrderNo, strings.Join(msgs, "; "))
	case errors.As(err, &cancelled):
		return fail("%s", capitalise(cancelled.Error()))
	case errors.Is(err, stream.ErrWrongURL):
		return fail("Stream order %s was not created: check STREAM_API_URL in the integration's settings: %s", orderNo, streamCause(err))
	case errors.Is(err, stream.ErrConfiguration):
		return fail("Stream order %s was not created: %s; check the Stream API settings of the integration", orderNo, streamCause(err))
	case errors.Is(err, shipment.ErrPending):
		const retry = "try again (the next attempt checks Stream before creating anything, so the order is never created twice)"
		var rl *stream.RateLimitError
		if errors.As(err, &rl) {
			return fail("Stream order %s is not confirmed yet: %s (the next attempt checks Stream before creating anything, so the order is never created twice)", orderNo, rl.Explain())
		}
		c.log.Warn("stream order not settled", "stream_order_no", orderNo, "error", err.Error())
		if cause := streamCause(err); cause != "" {
			return fail("Stream order %s is not confirmed yet: %s; %s", orderNo, cause, retry)
		}
		return fail("Stream order %s is not confirmed yet; %s", orderNo, retry)
	}
	return fmt.Errorf("ensure stream order %s: %w", orderNo, err)
}

// streamCause is the text of the Stream error inside err; "" when the
// problem lies elsewhere (the shipment store), which the caller is not told.
func streamCause(err error) string {
	var (
		ae *stream.AuthError
		nj *stream.NotJSONError
		ne *stream.NetworkError
		se *stream.StatusError
		ou *stream.OutcomeUnknownError
	)
	switch {
	case errors.As(err, &ae):
		return ae.Error()
	case errors.As(err, &nj):
		return nj.Error()
	case errors.As(err, &ne):
		return ne.Error()
	case errors.As(err, &se):
		return se.Error()
	case errors.As(err, &ou):
		return ou.Error()
	}
	return ""
}

// streamMessage is a Stream message as the shipment record keeps it:
// "CODE: field.path: problem".
var streamMessage = regexp.MustCompile(`^([A-Z][A-Z0-9_]*): ((?:header|delivery|collection)(?:\.[A-Za-z0-9]+(?:\[\d+\])?)*): (.*)$`)

// streamFields names, for the Stream fields an operator fixes in Linnworks,
// the GenerateLabel field or setting they come from. Keys are paths with
// the leg (delivery/collection) written as "leg" and item indexes dropped.
var streamFields = map[string]string{
	"header.orderNo":                   "OrderId with the order number prefix",
	"header.customerOrderNo":           "OrderReference",
	"header.driverNotes":               "DeliveryNote and the DeliveryInstructions/DriverNotes properties",
	"header.serviceLevel":              "the service's Stream service level option",
	"header.partner.id":                "the partner ID setting",
	"header.partner.name":              "the partner name setting",
	"header.customer.name":             "Name",
	"header.customer.address.name":     "CompanyName (or Name)",
	"header.customer.address.postcode": "Postalcode",
	"header.customer.contact.email":    "Email",
	"header.customer.contact.tel1":     "Phone",
	"leg.address.name":                 "CompanyName (or Name)",
	"leg.address.address1":             "AddressLine1",
	"leg.address.address2":             "AddressLine2",
	"leg.address.address3":             "AddressLine3",
	"leg.address.address4":             "Town",
	"leg.address.address5":             "Region",
	"leg.address.postcode":             "Postalcode",
	"leg.address.country":              "CountryCode",
	"leg.address.locationNotes":        "the SafePlace/LocationInstructions properties",
	"leg.contact.name":                 "Name",
	"leg.contact.email":                "Email",
	"leg.contact.tel1":                 "Phone",
	"leg.contact.mobile":               "Phone",
	"leg.deliveryMethod":               "the service's delivery method (reload the services in Linnworks)",
	"leg.collectionMethod":             "the service's collection method (reload the services in Linnworks)",
	"leg.items":                        "the packages' items",
	"leg.items.code":                   "an item's ProductCode",
	"leg.items.description":            "an item's ItemName",
	"leg.items.quantity":               "an item's Quantity",
	"leg.items.weight":                 "a package or item weight",
	"leg.items.stockLocation":          "the service's depot stock location (reload the services in Linnworks)",
}

var itemIndex = regexp.MustCompile(`\[\d+\]`)

// explainStreamMessage puts the Linnworks name of the field a Stream
// message is about in front of it, keeping Stream's own words.
func explainStreamMessage(m string) string {
	sm := streamMessage.FindStringSubmatch(m)
	if sm == nil {
		return m
	}
	path := itemIndex.ReplaceAllString(sm[2], "")
	for _, leg := range []string{"delivery.", "collection."} {
		if strings.HasPrefix(path, leg) {
			path = "leg." + strings.TrimPrefix(path, leg)
		}
	}
	name, ok := streamFields[path]
	if !ok {
		return m
	}
	return fmt.Sprintf("%s (%s): %s [%s]", name, sm[2], sm[3], sm[1])
}
