package shipping_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"

	"linnstream/internal/label"
	"linnstream/internal/profile"
	"linnstream/internal/queue"
	"linnstream/internal/services"
	"linnstream/internal/shipment"
	"linnstream/internal/shipping"
	"linnstream/internal/stream"
	"linnstream/internal/streamorder"
	"linnstream/internal/streamsandbox"
	"linnstream/internal/wizard"
)

// labelEnv is the whole label path against the Stream sandbox: profiles in
// memory, the real service catalogue, Stream client pool, shipment store
// and creator.
type labelEnv struct {
	t         testing.TB
	sandbox   *streamsandbox.Sandbox
	srv       *httptest.Server
	profiles  *profile.MemStore
	shipments shipment.Store
	h         *shipping.Handlers
	mux       http.Handler
	logs      *lockedBuffer

	mu  sync.Mutex
	now time.Time
}

type labelSetup struct {
	// accounts are the sandbox's Stream accounts; nil is the default one.
	accounts map[string]string
	// wrap wraps the shipment store the creator writes through.
	wrap func(shipment.Store) shipment.Store
	// pool options beyond the defaults.
	poolOpts []stream.Option
	// rateLimit of the sandbox; 0 is its default.
	rateLimit int
	// writebacks receives the write-back messages of labels.
	writebacks queue.Sender
}

func newLabelEnv(t testing.TB, s labelSetup) *labelEnv {
	t.Helper()
	e := &labelEnv{t: t, logs: &lockedBuffer{}, now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	e.sandbox = streamsandbox.New(streamsandbox.Options{Accounts: s.accounts, RateLimit: s.rateLimit})
	e.srv = httptest.NewServer(e.sandbox)
	t.Cleanup(e.srv.Close)
	e.profiles = profile.NewMemStore()
	mem := shipment.NewMemStore(e.clock)
	e.shipments = mem
	var creatorStore shipment.Store = mem
	if s.wrap != nil {
		creatorStore = s.wrap(mem)
	}
	pool := stream.NewPool(append([]stream.Option{stream.WithBackoff(time.Millisecond, 5*time.Millisecond)}, s.poolOpts...)...)
	w, err := wizard.New(wizard.Options{Stream: wizard.StreamCredentials{}, PublicBaseURL: publicBase})
	if err != nil {
		t.Fatal(err)
	}
	e.h, err = shipping.New(shipping.Config{
		Store:     e.profiles,
		Wizard:    w,
		Logger:    slog.New(slog.NewJSONHandler(e.logs, nil)),
		Now:       e.clock,
		Services:  services.NewCatalogue(services.PoolSource(pool)),
		Manifests: mem,
		Streams:   pool,
		Creator: &shipment.Creator{Store: creatorStore, Now: e.clock, Lease: time.Minute,
			PollMin: time.Millisecond, PollMax: 5 * time.Millisecond},
		Shipments: mem,
		Writeback: s.writebacks,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.mux = e.h.Mux()
	return e
}

func (e *labelEnv) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *labelEnv) advance(d time.Duration) {
	e.mu.Lock()
	e.now = e.now.Add(d)
	e.mu.Unlock()
}

func (e *labelEnv) apiURL() string { return e.srv.URL + "/api" }

// profileSettings are the settings of a configured profile, by wizard item.
func (e *labelEnv) profileSettings(clientID string) map[string]string {
	return map[string]string{
		wizard.ItemStreamAPIURL: e.apiURL(), wizard.ItemStreamClientID: clientID, wizard.ItemStreamParty: "",
		wizard.ItemPartnerID: "P-77", wizard.ItemPartnerName: "",
		wizard.ItemSenderContactName: "Ann Smith", wizard.ItemSenderCompany: "Shop Ltd",
		wizard.ItemSenderAddress1: senderStreet, wizard.ItemSenderAddress2: "Unit 2", wizard.ItemSenderCity: "Leeds",
		wizard.ItemSenderRegion: "West Yorkshire", wizard.ItemSenderCountry: "GB", wizard.ItemSenderPostcode: "LS1 4AP",
		wizard.ItemSenderPhone: senderPhone, wizard.ItemUseDefaultLocation: "true", wizard.ItemDefaultLocation: "Default",
		wizard.ItemUseCurrentDatePickup: "true",
		wizard.ItemLabelReference:       string(wizard.RefOrderID), wizard.ItemLabelFormat: string(wizard.LabelDefault4x6),
		wizard.ItemLabelCount: "1", wizard.ItemOrderNumberPrefix: "",
	}
}

// addProfile stores an active, configured profile on a sandbox account and
// returns its token. change edits the settings first.
func (e *labelEnv) addProfile(clientID, secret string, change func(map[string]string)) string {
	e.t.Helper()
	var b [16]byte
	if _, err := io.ReadFull(randReader{}, b[:]); err != nil {
		e.t.Fatal(err)
	}
	tok := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	settings := e.profileSettings(clientID)
	if change != nil {
		change(settings)
	}
	p := &profile.Profile{ID: profile.ID(tok), AccountName: "ACC", Stage: wizard.StageConfig, Active: true,
		Settings: settings, Secrets: map[string]string{wizard.ItemStreamClientSecret: secret},
		WebhookKey: tok + "-hook", CreatedAt: e.clock()}
	if err := e.profiles.Create(context.Background(), p); err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// randReader reads from a counter-seeded source so tokens differ per call.
type randReader struct{}

var tokenSeq struct {
	sync.Mutex
	n int
}

func (randReader) Read(p []byte) (int, error) {
	tokenSeq.Lock()
	tokenSeq.n++
	n := tokenSeq.n
	tokenSeq.Unlock()
	for i := range p {
		p[i] = byte(n*31 + i*7)
	}
	return len(p), nil
}

// serviceID is the ServiceUniqueId of a sandbox depot × method.
func (e *labelEnv) serviceID(clientID, depot, method string) string {
	return services.ServiceID(stream.Account{BaseURL: e.apiURL(), ClientID: clientID}, stream.ID(depot), stream.ID(method))
}

// Sandbox depots and methods (streamsandbox.DefaultDepots).
const (
	justin, courier, collectionMethod = "1", "102", "104"
	rishvi, rcollection               = "2", "201"
)

func labelRequest(token, serviceID string, orderID int) *shipping.GenerateLabelRequest {
	return &shipping.GenerateLabelRequest{
		Auth: shipping.Auth{AuthorizationToken: token},
		Address: shipping.Address{Name: "Jane Doe", CompanyName: "Doe & Co",
			AddressLine1: "12 High Street", AddressLine2: "Flat 3", AddressLine3: "Hyde Park",
			Town: "Leeds", Region: "West Yorkshire", CountryCode: "GB", Postalcode: "LS6 1AA",
			Email: "jane.doe@example.com", Phone: "+44 7700 900123"},
		DeliveryNote: "Ring twice",
		OrderID:      orderID, OrderReference: "AMZ-" + strconv.Itoa(orderID), OrderCurrency: "GBP", OrderValue: 42.5, PostageCharges: 4.95,
		ServiceID: serviceID,
		Packages: []*shipping.LabelPackage{
			{SequenceNumber: 0, PackageWeight: 1500, PackageWidth: 30, PackageHeight: 20, PackageDepth: 10, PackageFormat: "BOX",
				Items: []*shipping.LabelItem{
					{ItemName: "Mug", ProductCode: "MUG-1", Quantity: 2, UnitValue: 8, UnitWeight: 400},
					{ItemName: "Tea", ProductCode: "TEA-9", Quantity: 1, UnitValue: 4, UnitWeight: 250},
				}},
			{SequenceNumber: 1, PackageWeight: 800, PackageWidth: 10, PackageHeight: 10, PackageDepth: 10, PackageFormat: "PARCEL",
				Items: []*shipping.LabelItem{{ItemName: "Spoon", ProductCode: "SPN-2", Quantity: 4, UnitValue: 1, UnitWeight: 50}}},
		},
		OrderExtendedProperties: []shipping.LabelExtendedProperty{{Name: "SafePlace", Value: "Behind the bins"}},
		ServiceConfigItems: []shipping.ConfigItemValue{{ConfigItemID: services.OptionServiceLevel, SelectedValue: "Standard"},
			{ConfigItemID: services.OptionFlatRate, SelectedValue: "4.5"}},
	}
}

// labelReply is a GenerateLabel answer, raw and decoded.
type labelReply struct {
	raw  string
	obj  map[string]any
	resp shipping.GenerateLabelResponse
}

func (r labelReply) isError() bool { return r.resp.IsError }

func (r labelReply) message() string {
	if r.resp.ErrorMessage == nil {
		return ""
	}
	return *r.resp.ErrorMessage
}

// post sends a contract request to the mux and checks the envelope every
// answer must have.
func (e *labelEnv) post(endpoint string, body any) labelReply {
	e.t.Helper()
	s, ok := body.(string)
	if !ok {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		s = string(b)
	}
	req := httptest.NewRequest(http.MethodPost, "/linnworks/"+endpoint, strings.NewReader(s))
	rec := httptest.NewRecorder()
	e.mux.ServeHTTP(rec, req)
	raw := rec.Body.String()
	if rec.Code != 200 || rec.Header().Get("Content-Length") != strconv.Itoa(len(raw)) {
		e.t.Fatalf("%s: HTTP %d, Content-Length %q for %d bytes", endpoint, rec.Code, rec.Header().Get("Content-Length"), len(raw))
	}
	r := labelReply{raw: raw}
	if err := json.Unmarshal([]byte(raw), &r.obj); err != nil {
		e.t.Fatalf("%s: %v: %s", endpoint, err, raw)
	}
	if err := json.Unmarshal([]byte(raw), &r.resp); err != nil {
		e.t.Fatalf("%s: %v: %s", endpoint, err, raw)
	}
	msg, present := r.obj["ErrorMessage"]
	if isErr, ok := r.obj["IsError"].(bool); !ok || !present || isErr != (msg != nil) {
		e.t.Fatalf("%s: bad error envelope: %s", endpoint, raw)
	}
	return r
}

func (e *labelEnv) generate(req *shipping.GenerateLabelRequest) labelReply {
	e.t.Helper()
	return e.post("GenerateLabel", req)
}

// sandboxOrder is one order as the sandbox's admin API lists it.
type sandboxOrder struct {
	ClientID      string          `json:"clientId"`
	OrderNo       string          `json:"orderNo"`
	ConsignmentNo string          `json:"consignmentNo"`
	OrderStatus   string          `json:"orderStatus"`
	Received      json.RawMessage `json:"received"`
	Order         struct {
		TrackingURL string `json:"trackingURL"`
		TrackingID  string `json:"trackingId"`
	} `json:"order"`
}

// order decodes the create request the sandbox received.
func (o sandboxOrder) order(t testing.TB) *stream.Order {
	t.Helper()
	var so stream.Order
	if err := json.Unmarshal(o.Received, &so); err != nil {
		t.Fatalf("received order %s: %v", o.OrderNo, err)
	}
	return &so
}

func (e *labelEnv) orders() []sandboxOrder {
	e.t.Helper()
	res, err := http.Get(e.srv.URL + "/admin/orders")
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Orders []sandboxOrder `json:"orders"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		e.t.Fatal(err)
	}
	return out.Orders
}

// onlyOrder returns the one order the sandbox holds.
func (e *labelEnv) onlyOrder() sandboxOrder {
	e.t.Helper()
	all := e.orders()
	if len(all) != 1 {
		e.t.Fatalf("sandbox holds %d orders, want 1: %+v", len(all), all)
	}
	return all[0]
}

func (e *labelEnv) admin(path string, body any) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(e.srv.URL+"/admin/"+path, "application/json", bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		raw, _ := io.ReadAll(res.Body)
		e.t.Fatalf("admin %s: HTTP %d: %s", path, res.StatusCode, raw)
	}
}

func (e *labelEnv) shipmentOf(token string, orderID int) *shipment.Shipment {
	e.t.Helper()
	s, err := e.shipments.Get(context.Background(), profile.ID(token), strconv.Itoa(orderID))
	if err != nil {
		e.t.Fatalf("shipment %d: %v", orderID, err)
	}
	return s
}

// pngOf decodes a base64 PNG.
func pngOf(t testing.TB, b64 string) image.Image {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatalf("label is not base64: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("label is not a PNG: %v", err)
	}
	return img
}

// symbols decodes the Code 128 barcode and the QR code of a label ("" when
// the label has no QR code).
func symbols(t testing.TB, img image.Image) (string, string) {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	bar, err := oned.NewCode128Reader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		t.Fatalf("no Code 128 barcode on the label: %v", err)
	}
	qr := ""
	if res, err := qrcode.NewQRCodeReader().Decode(bmp, nil); err == nil {
		qr = res.GetText()
	} else if all, err := multiqr.NewQRCodeMultiReader().DecodeMultiple(bmp, nil); err == nil && len(all) == 1 {
		// The single reader's finder-pattern search misses about one QR
		// code in a hundred that the multi reader (another search) reads.
		qr = all[0].GetText()
	}
	return bar.GetText(), qr
}

func TestGenerateLabelCreatesTheStreamOrderAndLabels(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", func(s map[string]string) {
		s[wizard.ItemLabelCount] = "3"
		s[wizard.ItemOrderNumberPrefix] = "LW-"
	})
	svc := e.serviceID("sandbox", justin, courier)
	req := labelRequest(tok, svc, 100001)
	r := e.generate(req)
	if r.isError() {
		t.Fatalf("GenerateLabel: %s", r.message())
	}
	sameKeys(t, "GenerateLabel response", r.obj, "LeadTrackingNumber", "Cost", "Currency", "Package", "IsError", "ErrorMessage")
	so := e.onlyOrder()
	if so.OrderNo != "LW-100001" || so.ClientID != "sandbox" || so.Order.TrackingID == "" || so.Order.TrackingURL == "" {
		t.Fatalf("sandbox order = %+v", so)
	}
	lead := so.Order.TrackingID
	if r.resp.LeadTrackingNumber != lead || r.resp.Cost != 4.5 || r.resp.Currency != "GBP" || len(r.resp.Package) != 2 {
		t.Errorf("response = lead %q cost %v currency %q packages %d; want lead %q", r.resp.LeadTrackingNumber,
			r.resp.Cost, r.resp.Currency, len(r.resp.Package), lead)
	}
	for i, pk := range r.resp.Package {
		obj := r.obj["Package"].([]any)[i].(map[string]any)
		sameKeys(t, "Package", obj, "SequenceNumber", "TrackingNumber", "PNGLabelDataBase64", "AdditionalPngsBase64",
			"PDFBytesDocumentationBase64", "LabelWidth", "LabelHeight")
		if docs, ok := obj["PDFBytesDocumentationBase64"].([]any); !ok || len(docs) != 0 {
			t.Errorf("package %d PDFBytesDocumentationBase64 = %v, want []", i, obj["PDFBytesDocumentationBase64"])
		}
		want := fmt.Sprintf("%s-%d", lead, i+1)
		if pk.SequenceNumber != req.Packages[i].SequenceNumber || pk.TrackingNumber != want ||
			pk.LabelWidth != 4 || pk.LabelHeight != 6 || len(pk.AdditionalPngsBase64) != 2 {
			t.Errorf("package %d = seq %d tracking %q %vx%v in, %d extra copies; want seq %d tracking %q 4x6 in, 2 extra",
				i, pk.SequenceNumber, pk.TrackingNumber, pk.LabelWidth, pk.LabelHeight, len(pk.AdditionalPngsBase64),
				req.Packages[i].SequenceNumber, want)
		}
		// Every copy is the label, and its symbols carry the tracking data.
		for k, copyB64 := range append([]string{pk.PNGLabelDataBase64}, pk.AdditionalPngsBase64...) {
			bar, qr := symbols(t, pngOf(t, copyB64))
			if bar != pk.TrackingNumber || qr != so.Order.TrackingURL {
				t.Errorf("package %d copy %d: barcode %q, QR %q; want %q, %q", i, k, bar, qr, pk.TrackingNumber, so.Order.TrackingURL)
			}
		}
		// The label shows exactly what the guide asks for: rendering the
		// expected content gives the same image.
		wantImg, err := label.Render(label.Default4x6, label.Label{
			Sender: label.Address{Name: "Ann Smith", Company: "Shop Ltd", Lines: []string{senderStreet, "Unit 2"},
				Town: "Leeds", Region: "West Yorkshire", Postcode: "LS1 4AP", Country: "GB"},
			Consignee: label.Address{Name: "Jane Doe", Company: "Doe & Co", Lines: []string{"12 High Street", "Flat 3", "Hyde Park"},
				Town: "Leeds", Region: "West Yorkshire", Postcode: "LS6 1AA", Country: "GB"},
			Reference: "100001", ReferenceCaption: "Order ID",
			Service: "Courier (Justin Depot)", Depot: "Justin Depot", Method: "Courier",
			Package: i + 1, Packages: 2, WeightGrams: req.Packages[i].PackageWeight,
			TrackingNumber: want, TrackingURL: so.Order.TrackingURL, Created: e.clock(),
		})
		if err != nil {
			t.Fatal(err)
		}
		if base64.StdEncoding.EncodeToString(wantImg.PNG) != pk.PNGLabelDataBase64 {
			t.Errorf("package %d label differs from the expected rendering", i)
		}
	}

	// The Stream order carries everything the request said.
	got := so.order(t)
	day := stream.DateOf(e.clock())
	h := got.Header
	if h.OrderNo != "LW-100001" || h.OrderType != "DELIVERY" || !h.OrderDate.Equal(day.Time) || h.ServiceLevel != "Standard" ||
		h.CustomerOrderNo != "AMZ-100001" || h.DriverNotes != "Ring twice" ||
		h.Partner == nil || h.Partner.ID != "P-77" || h.Partner.Name != "Shop Ltd" {
		t.Errorf("header = %+v", h)
	}
	if c := h.Customer; c == nil || c.Name != "Jane Doe" || c.Contact == nil || c.Contact.Email != "jane.doe@example.com" ||
		c.Contact.Tel1 != "+44 7700 900123" || c.Address == nil || c.Address.Postcode != "LS6 1AA" {
		t.Errorf("customer = %+v", c)
	}
	d := got.Delivery
	if d == nil || got.Collection != nil {
		t.Fatalf("legs: delivery %v collection %v", d, got.Collection)
	}
	wantAddr := stream.Address{Name: "Doe & Co", Address1: "12 High Street", Address2: "Flat 3", Address3: "Hyde Park",
		Address4: "Leeds", Address5: "West Yorkshire", Country: "GB", Postcode: "LS6 1AA", LocationNotes: "Behind the bins"}
	if d.Address != wantAddr || d.DeliveryMethod != "Courier" || d.Contact == nil || d.Contact.Email != "jane.doe@example.com" ||
		d.Contact.Mobile != "+44 7700 900123" || d.Contact.Name != "Jane Doe" {
		t.Errorf("delivery = %+v, address want %+v", d, wantAddr)
	}
	type line struct {
		Seq, Parent, Qty int
		Code             string
		Weight, Cube     float64
		Stock            string
		OnHand           string
	}
	var lines []line
	for _, it := range d.Items {
		lines = append(lines, line{it.Sequence, it.ParentSequence, it.Quantity, it.Code, it.Weight, it.Cube, it.StockLocation, it.OnHandDate.String()})
	}
	wantLines := []line{
		{1, 0, 1, "BOX", 0.45, 0.006, "Justin Depot", "2026-03-02"},
		{2, 1, 2, "MUG-1", 0.8, 0, "Justin Depot", "2026-03-02"},
		{3, 1, 1, "TEA-9", 0.25, 0, "Justin Depot", "2026-03-02"},
		{4, 0, 1, "PARCEL", 0.6, 0.001, "Justin Depot", "2026-03-02"},
		{5, 4, 4, "SPN-2", 0.2, 0, "Justin Depot", "2026-03-02"},
	}
	if !reflect.DeepEqual(lines, wantLines) {
		t.Errorf("items =\n%+v\nwant\n%+v", lines, wantLines)
	}

	// The record keeps what manifests and cancellations need.
	sh := e.shipmentOf(tok, 100001)
	if sh.State != shipment.StateCreated || sh.Origin != shipment.OriginLabel || sh.StreamOrderNo != "LW-100001" ||
		sh.ConsignmentNo != so.ConsignmentNo || sh.TrackingID != lead || sh.TrackingURL != so.Order.TrackingURL ||
		sh.ConsigneeName != "Jane Doe" || sh.ConsigneePostcode != "LS6 1AA" || sh.OrderReference != "AMZ-100001" ||
		sh.ServiceID != svc || sh.TotalWeightGrams != 2300 ||
		!reflect.DeepEqual(sh.Packages, []shipment.Package{{SequenceNumber: 0, WeightGrams: 1500}, {SequenceNumber: 1, WeightGrams: 800}}) {
		t.Errorf("shipment = %+v", sh)
	}
	// The flat rate is kept for Quote.
	if got := services.StoredFlatRate(e.stored(tok), svc); got != 4.5 {
		t.Errorf("stored flat rate = %v, want 4.5", got)
	}

	// Asking again returns the same consignment and tracking, and creates
	// nothing.
	again := e.generate(req)
	if again.isError() || again.resp.LeadTrackingNumber != lead || again.resp.Package[1].TrackingNumber != lead+"-2" {
		t.Errorf("second GenerateLabel: %s", again.raw[:min(len(again.raw), 300)])
	}
	if n := len(e.orders()); n != 1 {
		t.Errorf("sandbox holds %d orders after a repeated request", n)
	}
	if l := e.logs.String(); strings.Contains(l, "sandbox-secret") || strings.Contains(l, tok) || strings.Contains(l, "Jane Doe") ||
		strings.Contains(l, "jane.doe@example.com") {
		t.Errorf("logs leak a secret, the token or personal data")
	}
}

func (e *labelEnv) stored(tok string) *profile.Profile {
	e.t.Helper()
	p, err := e.profiles.Get(context.Background(), profile.ID(tok))
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

func TestGenerateLabelOnePackageUsesTheTrackingID(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	req := labelRequest(tok, e.serviceID("sandbox", justin, courier), 555)
	req.Packages = req.Packages[1:]
	req.Packages[0].SequenceNumber = 7
	req.OrderCurrency = ""
	r := e.generate(req)
	if r.isError() {
		t.Fatal(r.message())
	}
	so := e.onlyOrder()
	if r.resp.LeadTrackingNumber != so.Order.TrackingID || r.resp.Package[0].TrackingNumber != so.Order.TrackingID ||
		r.resp.Package[0].SequenceNumber != 7 || len(r.resp.Package[0].AdditionalPngsBase64) != 0 || r.resp.Currency != "GBP" {
		t.Errorf("response = %+v", r.resp)
	}
	if extra, ok := r.obj["Package"].([]any)[0].(map[string]any)["AdditionalPngsBase64"].([]any); !ok || len(extra) != 0 {
		t.Errorf("AdditionalPngsBase64 with one copy = %v, want []", extra)
	}
	if bar, _ := symbols(t, pngOf(t, r.resp.Package[0].PNGLabelDataBase64)); bar != so.Order.TrackingID {
		t.Errorf("barcode %q, want %q", bar, so.Order.TrackingID)
	}
}

func TestGenerateLabelCollectionService(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	for _, tc := range []struct {
		depot, method, name, stock string
		orderID                    int
	}{
		{rishvi, rcollection, "Rcollection", "Rishvi", 2001},
		{justin, collectionMethod, "Collection", "Justin Depot", 2002},
	} {
		r := e.generate(labelRequest(tok, e.serviceID("sandbox", tc.depot, tc.method), tc.orderID))
		if r.isError() {
			t.Fatalf("%s: %s", tc.name, r.message())
		}
		var found *stream.Order
		for _, so := range e.orders() {
			if so.OrderNo == strconv.Itoa(tc.orderID) {
				found = so.order(t)
			}
		}
		if found == nil {
			t.Fatalf("%s: no order %d in the sandbox", tc.name, tc.orderID)
		}
		c := found.Collection
		if found.Header.OrderType != "COLLECTION" || found.Delivery != nil || c == nil || c.CollectionMethod != tc.name ||
			c.Address.Postcode != "LS6 1AA" || c.Address.Address4 != "Leeds" || c.Address.LocationNotes != "Behind the bins" ||
			len(c.Items) != 5 || c.Items[0].StockLocation != tc.stock {
			t.Errorf("%s: order = %+v, collection %+v", tc.name, found.Header, c)
		}
	}
}

func TestGenerateLabelFormatsAndReferences(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	svc := e.serviceID("sandbox", justin, courier)
	sizes := map[label.Format][2]float64{
		label.Default4x6: {4, 6}, label.PortraitNoQR: {4, 6}, label.PortraitStandard: {4.13, 5.83}, label.Compact100x50: {3.94, 1.97},
	}
	refs := []wizard.LabelReference{wizard.RefOrderID, wizard.RefOrderRef, wizard.RefConsignmentNo}
	for i, f := range label.Formats() {
		ref := refs[i%len(refs)]
		tok := e.addProfile("sandbox", "sandbox-secret", func(s map[string]string) {
			s[wizard.ItemLabelFormat] = string(f)
			s[wizard.ItemLabelReference] = string(ref)
			s[wizard.ItemLabelCount] = "2"
		})
		orderID := 3000 + i
		req := labelRequest(tok, svc, orderID)
		req.Packages = req.Packages[:1]
		r := e.generate(req)
		if r.isError() {
			t.Fatalf("%s: %s", f, r.message())
		}
		pk := r.resp.Package[0]
		if sz := sizes[f]; pk.LabelWidth != sz[0] || pk.LabelHeight != sz[1] {
			t.Errorf("%s: %v x %v in, want %v", f, pk.LabelWidth, pk.LabelHeight, sz)
		}
		sh := e.shipmentOf(tok, orderID)
		bar, qr := symbols(t, pngOf(t, pk.PNGLabelDataBase64))
		wantQR := ""
		if f.HasQR() {
			wantQR = sh.TrackingURL
		}
		if bar != pk.TrackingNumber || bar != sh.TrackingID || qr != wantQR {
			t.Errorf("%s: barcode %q QR %q; want %q, %q", f, bar, qr, sh.TrackingID, wantQR)
		}
		reference, caption := strconv.Itoa(orderID), "Order ID"
		switch ref {
		case wizard.RefOrderRef:
			reference, caption = req.OrderReference, "Order ref"
		case wizard.RefConsignmentNo:
			reference, caption = sh.ConsignmentNo, "Consignment"
		}
		want, err := label.Render(f, label.Label{
			Sender: label.Address{Name: "Ann Smith", Company: "Shop Ltd", Lines: []string{senderStreet, "Unit 2"},
				Town: "Leeds", Region: "West Yorkshire", Postcode: "LS1 4AP", Country: "GB"},
			Consignee: label.Address{Name: "Jane Doe", Company: "Doe & Co", Lines: []string{"12 High Street", "Flat 3", "Hyde Park"},
				Town: "Leeds", Region: "West Yorkshire", Postcode: "LS6 1AA", Country: "GB"},
			Reference: reference, ReferenceCaption: caption,
			Service: "Courier (Justin Depot)", Depot: "Justin Depot", Method: "Courier",
			Package: 1, Packages: 1, WeightGrams: 1500,
			TrackingNumber: sh.TrackingID, TrackingURL: sh.TrackingURL, Created: e.clock(),
		})
		if err != nil {
			t.Fatal(err)
		}
		if base64.StdEncoding.EncodeToString(want.PNG) != pk.PNGLabelDataBase64 || pk.AdditionalPngsBase64[0] != pk.PNGLabelDataBase64 {
			t.Errorf("%s with reference %s: the label is not the expected rendering", f, ref)
		}
	}
}

// extractors read, for each target of the order builder, the value an
// extended property reached in the Stream order.
var extractors = map[streamorder.Target]func(*stream.Order) string{
	streamorder.TargetLocationNotes: func(o *stream.Order) string { return o.Delivery.Address.LocationNotes },
	streamorder.TargetDriverNotes:   func(o *stream.Order) string { return o.Header.DriverNotes },
	streamorder.TargetWhat3Words:    func(o *stream.Order) string { return o.Delivery.Address.What3Words },
	streamorder.TargetItemNotes:     func(o *stream.Order) string { return o.Delivery.Items[1].Notes },
}

func TestExtendedPropertiesReachTheStreamOrder(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	svc := e.serviceID("sandbox", justin, courier)
	// Exactly the properties GenerateLabel reads are listed…
	r := e.post("ExtendedPropertyMapping", map[string]string{"AuthorizationToken": tok})
	if r.isError() {
		t.Fatal(r.message())
	}
	sameKeys(t, "ExtendedPropertyMapping response", r.obj, "Items", "IsError", "ErrorMessage")
	for _, it := range r.obj["Items"].([]any) {
		sameKeys(t, "ExtendedPropertyMapping item", it.(map[string]any), "PropertyTitle", "PropertyName", "PropertyDescription", "PropertyType")
	}
	var listed struct{ Items []shipping.PropertyMapping }
	if err := json.Unmarshal([]byte(r.raw), &listed); err != nil {
		t.Fatal(err)
	}
	props := streamorder.Properties()
	if len(listed.Items) != len(props) {
		t.Fatalf("listed %d properties, the builder reads %d", len(listed.Items), len(props))
	}
	// …and each one's value reaches the Stream order.
	for i, p := range props {
		t.Run(p.Name, func(t *testing.T) {
			if listed.Items[i].PropertyName != p.Name || listed.Items[i].PropertyType != string(p.Level) {
				t.Errorf("listed %+v, want %s (%s)", listed.Items[i], p.Name, p.Level)
			}
			extract, ok := extractors[p.Target]
			if !ok {
				t.Fatalf("no test reads target %s of property %s", p.Target, p.Name)
			}
			orderID := 4000 + i
			req := labelRequest(tok, svc, orderID)
			req.DeliveryNote = ""
			req.OrderExtendedProperties = nil
			value := "Value of " + p.Name
			ep := shipping.LabelExtendedProperty{Name: p.Name, Value: value}
			if p.Level == streamorder.LevelItem {
				req.Packages[0].Items[0].ExtendedProperties = []shipping.LabelExtendedProperty{ep}
			} else {
				req.OrderExtendedProperties = []shipping.LabelExtendedProperty{ep, {Name: "NotMapped", Value: "ignored"}}
			}
			if r := e.generate(req); r.isError() {
				t.Fatal(r.message())
			}
			for _, so := range e.orders() {
				if so.OrderNo == strconv.Itoa(orderID) {
					if got := extract(so.order(t)); got != value {
						t.Errorf("%s reached Stream as %q, want %q", p.Name, got, value)
					}
					if strings.Contains(string(so.Received), "ignored") {
						t.Errorf("an unmapped property reached Stream")
					}
					return
				}
			}
			t.Fatalf("order %d not in the sandbox", orderID)
		})
	}
}

func TestGenerateLabelServiceOptions(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	svc := e.serviceID("sandbox", justin, courier)
	itemsOf := func(orderID int) []stream.Item {
		for _, so := range e.orders() {
			if so.OrderNo == strconv.Itoa(orderID) {
				return so.order(t).Delivery.Items
			}
		}
		t.Fatalf("order %d not in the sandbox", orderID)
		return nil
	}

	// Override Packaging Split: one handling unit for the whole order; the
	// response still has a label per package. SaveConfigItems is read too,
	// and ServiceConfigItems wins a clash.
	req := labelRequest(tok, svc, 5001)
	req.ServiceConfigItems = nil
	req.SaveConfigItems = []shipping.ConfigItemValue{{ConfigItemID: services.OptionOverridePackagingSplit, SelectedValue: "true"},
		{ConfigItemID: services.OptionServiceLevel, SelectedValue: "Next Day"}}
	r := e.generate(req)
	if r.isError() || len(r.resp.Package) != 2 {
		t.Fatalf("split override: %s", r.raw[:min(300, len(r.raw))])
	}
	items := itemsOf(5001)
	if len(items) != 4 || items[0].Code != "PACKAGE" || items[0].Weight != 1.05 || items[3].ParentSequence != 1 {
		t.Errorf("split override items = %+v", items)
	}
	req = labelRequest(tok, svc, 5002)
	req.SaveConfigItems = []shipping.ConfigItemValue{{ConfigItemID: services.OptionOverridePackagingSplit, SelectedValue: "true"}}
	req.ServiceConfigItems = []shipping.ConfigItemValue{{ConfigItemID: services.OptionOverridePackagingSplit, SelectedValue: "false"}}
	if r := e.generate(req); r.isError() {
		t.Fatal(r.message())
	}
	if items := itemsOf(5002); len(items) != 5 || items[3].Code != "PARCEL" {
		t.Errorf("ServiceConfigItems false did not win: items %+v", items)
	}
	// Skip Composite Parent is accepted; GenerateLabel's items carry no
	// composite structure, so the lines go as they are.
	req = labelRequest(tok, svc, 5003)
	req.ServiceConfigItems = []shipping.ConfigItemValue{{ConfigItemID: services.OptionSkipCompositeParent, SelectedValue: "true"}}
	if r := e.generate(req); r.isError() {
		t.Fatal(r.message())
	}
	if items := itemsOf(5003); len(items) != 5 {
		t.Errorf("skip composite items = %+v", items)
	}
	var hdr *stream.Order
	for _, so := range e.orders() {
		if so.OrderNo == "5001" {
			hdr = so.order(t)
		}
	}
	if hdr.Header.ServiceLevel != "Next Day" {
		t.Errorf("service level = %q", hdr.Header.ServiceLevel)
	}
}

func TestGenerateLabelRefusesBadInputBeforeStream(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", func(s map[string]string) { s[wizard.ItemOrderNumberPrefix] = "ABCDEFGHIJ" })
	svc := e.serviceID("sandbox", justin, courier)
	long := func(n int) string { return strings.Repeat("x", n) }
	for _, tc := range []struct {
		name   string
		change func(*shipping.GenerateLabelRequest)
		raw    string
		want   string
	}{
		{name: "malformed JSON", raw: `{"AuthorizationToken": "` + tok + `", "OrderId": 1,`, want: "request body is not valid JSON"},
		{name: "OrderId a word", raw: `{"AuthorizationToken": "` + tok + `", "OrderId": "12a"}`, want: "OrderId must be an integer"},
		{name: "Packages an object", raw: `{"AuthorizationToken": "` + tok + `", "Packages": {}}`, want: "Packages must be an array"},
		{name: "PackageWeight a string", raw: `{"AuthorizationToken": "` + tok + `", "Packages": [{"PackageWeight": "1kg"}]}`, want: "Packages[0].PackageWeight must be a number"},
		{name: "Quantity fractional", raw: `{"AuthorizationToken": "` + tok + `", "Packages": [{"Items": [{"Quantity": 1.5}]}]}`, want: "Packages[0].Items[0].Quantity must be an integer"},
		{name: "ServiceConfigItems value an array", raw: `{"AuthorizationToken": "` + tok + `", "ServiceConfigItems": [{"ConfigItemId": "X", "SelectedValue": [1]}]}`, want: "ServiceConfigItems[0].SelectedValue must be a string"},
		{name: "no token", change: func(r *shipping.GenerateLabelRequest) { r.AuthorizationToken = "" }, want: "AuthorizationToken is required"},
		{name: "unknown token", change: func(r *shipping.GenerateLabelRequest) { r.AuthorizationToken = lwToken }, want: "Authorization failed for token"},
		{name: "no ServiceId", change: func(r *shipping.GenerateLabelRequest) { r.ServiceID = " " }, want: "ServiceId is required"},
		{name: "unknown ServiceId", change: func(r *shipping.GenerateLabelRequest) { r.ServiceID = "6a476315-04db-4d25-a25c-e6917a1bcad9" },
			want: "ServiceId 6a476315-04db-4d25-a25c-e6917a1bcad9 names no service of this integration"},
		{name: "ServiceId not a GUID", change: func(r *shipping.GenerateLabelRequest) { r.ServiceID = "courier" }, want: "ServiceId courier names no service"},
		{name: "OrderId zero", change: func(r *shipping.GenerateLabelRequest) { r.OrderID = 0 }, want: "OrderId must be a positive Linnworks order number"},
		{name: "OrderId negative", change: func(r *shipping.GenerateLabelRequest) { r.OrderID = -4 }, want: "OrderId must be a positive Linnworks order number"},
		{name: "no packages", change: func(r *shipping.GenerateLabelRequest) { r.Packages = nil }, want: "Packages must list at least one package"},
		{name: "repeated SequenceNumber", change: func(r *shipping.GenerateLabelRequest) { r.Packages[1].SequenceNumber = 0 },
			want: "Packages[1].SequenceNumber 0 repeats that of Packages[0]"},
		{name: "bad option", change: func(r *shipping.GenerateLabelRequest) {
			r.ServiceConfigItems = append(r.ServiceConfigItems, shipping.ConfigItemValue{ConfigItemID: services.OptionSkipCompositeParent, SelectedValue: "maybe"})
		}, want: "the service's settings are invalid: option Skip Composite Parent must be true or false"},
		{name: "no name", change: func(r *shipping.GenerateLabelRequest) { r.Name = "" }, want: "the customer name is required"},
		{name: "no address", change: func(r *shipping.GenerateLabelRequest) { r.AddressLine1 = "  " }, want: "address line 1 is required"},
		{name: "no postcode", change: func(r *shipping.GenerateLabelRequest) { r.Postalcode = "" }, want: "the postcode is required"},
		{name: "no country", change: func(r *shipping.GenerateLabelRequest) { r.CountryCode = "" }, want: "the country code is required"},
		{name: "bad country", change: func(r *shipping.GenerateLabelRequest) { r.CountryCode = "GBR" }, want: `the country code "GBR" is not an ISO 3166-1 country code`},
		{name: "long address line 1", change: func(r *shipping.GenerateLabelRequest) { r.AddressLine1 = long(36) }, want: "address line 1 is 36 characters"},
		{name: "long address line 2", change: func(r *shipping.GenerateLabelRequest) { r.AddressLine2 = long(36) }, want: "address line 2 is 36 characters"},
		{name: "long address line 3", change: func(r *shipping.GenerateLabelRequest) { r.AddressLine3 = long(36) }, want: "address line 3 is 36 characters"},
		{name: "long town", change: func(r *shipping.GenerateLabelRequest) { r.Town = long(36) }, want: "the town is 36 characters"},
		{name: "long region", change: func(r *shipping.GenerateLabelRequest) { r.Region = long(36) }, want: "the region is 36 characters"},
		{name: "long postcode", change: func(r *shipping.GenerateLabelRequest) { r.Postalcode = long(18) }, want: "the postcode is 18 characters; Stream allows 17"},
		{name: "long email", change: func(r *shipping.GenerateLabelRequest) { r.Email = long(60) + "@example.com" }, want: "the email address is 72 characters; Stream allows 70"},
		{name: "long phone", change: func(r *shipping.GenerateLabelRequest) { r.Phone = long(36) }, want: "the phone number is 36 characters; Stream allows 35"},
		{name: "long reference", change: func(r *shipping.GenerateLabelRequest) { r.OrderReference = long(36) }, want: "the order reference is 36 characters; Stream allows 35"},
		{name: "long order number", change: func(r *shipping.GenerateLabelRequest) { r.OrderID = 12345678 },
			want: "the Stream order number ABCDEFGHIJ12345678 is 18 characters; Stream allows 17"},
		{name: "zero quantity", change: func(r *shipping.GenerateLabelRequest) { r.Packages[0].Items[1].Quantity = 0 }, want: "package 1 item 2 quantity must be at least 1"},
		{name: "negative weight", change: func(r *shipping.GenerateLabelRequest) { r.Packages[1].PackageWeight = -5 }, want: "package 2 weight must not be negative"},
		{name: "item without SKU or name", change: func(r *shipping.GenerateLabelRequest) {
			r.Packages[0].Items[0].ProductCode, r.Packages[0].Items[0].ItemName = "", ""
		}, want: "package 1 item 1 has neither a SKU nor a name"},
		{name: "more labels than an answer carries", change: func(r *shipping.GenerateLabelRequest) {
			for i := len(r.Packages); i < 201; i++ {
				r.Packages = append(r.Packages, &shipping.LabelPackage{SequenceNumber: i, PackageWeight: 100, PackageFormat: "PACKET",
					Items: []*shipping.LabelItem{{ItemName: "Card", ProductCode: "CARD", Quantity: 1, UnitWeight: 100}}})
			}
		}, want: "the order needs 201 labels (201 packages, Number of labels 1), more than the 200 one answer to Linnworks can carry"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body any = tc.raw
			if tc.raw == "" {
				req := labelRequest(tok, svc, 1234567)
				tc.change(req)
				body = req
			}
			r := e.post("GenerateLabel", body)
			if !r.isError() || !strings.Contains(r.message(), tc.want) {
				t.Errorf("got %s, want an error containing %q", r.raw[:min(len(r.raw), 400)], tc.want)
			}
			if r.resp.Package != nil || r.obj["Package"] != nil {
				t.Errorf("an error answer carries packages: %s", r.raw[:min(len(r.raw), 200)])
			}
		})
	}
	if n := len(e.orders()); n != 0 {
		t.Errorf("bad requests reached Stream: the sandbox holds %d orders", n)
	}
	if _, err := e.shipments.Get(context.Background(), profile.ID(tok), "1234567"); !errors.Is(err, shipment.ErrNotFound) {
		t.Errorf("a refused request left a shipment record: %v", err)
	}
}

func TestGenerateLabelNeedsAConfiguredProfile(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	p := e.stored(tok)
	p.Active = false
	if err := e.profiles.Update(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	r := e.generate(labelRequest(tok, e.serviceID("sandbox", justin, courier), 1))
	if !r.isError() || !strings.Contains(r.message(), "configuration is not complete") {
		t.Errorf("inactive profile: %s", r.raw)
	}
	// Credentials Stream refuses are reported as a settings problem.
	bad := e.addProfile("sandbox", "wrong-secret", nil)
	r = e.generate(labelRequest(bad, e.serviceID("sandbox", justin, courier), 2))
	if !r.isError() || !strings.Contains(r.message(), "check the Stream API settings") || strings.Contains(r.message(), "wrong-secret") {
		t.Errorf("refused credentials: %s", r.raw)
	}
	if n := len(e.orders()); n != 0 {
		t.Errorf("sandbox holds %d orders", n)
	}
	// A server without the label dependencies says so, for both endpoints.
	hs := newHarness(t, setup{})
	tok = hs.addUser()
	hs.walk(tok)
	for ep, want := range map[string]string{
		"GenerateLabel": "label generation is not configured", "CancelLabel": "label cancellation is not configured",
	} {
		body := map[string]any{"AuthorizationToken": tok, "OrderId": 1, "OrderReference": "1"}
		if r := hs.post(ep, body); !r.isError() || !strings.Contains(r.message(), want) {
			t.Errorf("%s without dependencies: %s", ep, r.raw)
		}
	}
}

func TestGenerateLabelSurfacesStreamValidation(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	req := labelRequest(tok, e.serviceID("sandbox", justin, courier), 6001)
	req.Email = "not-an-email"
	r := e.generate(req)
	if !r.isError() {
		t.Fatalf("Stream accepted a bad email: %s", r.raw)
	}
	for _, want := range []string{
		"Stream refused order 6001 (Stream order 6001): ",
		"Email (header.customer.contact.email): is not an email address [INVALID]",
		"Email (delivery.contact.email): is not an email address [INVALID]",
	} {
		if !strings.Contains(r.message(), want) {
			t.Errorf("message %q lacks %q", r.message(), want)
		}
	}
	if n := len(e.orders()); n != 0 {
		t.Errorf("sandbox holds %d orders after a refusal", n)
	}
	if sh := e.shipmentOf(tok, 6001); sh.State != shipment.StateFailed {
		t.Errorf("refused order recorded as %s", sh.State)
	}
	// The corrected order goes through.
	req.Email = "jane.doe@example.com"
	if r := e.generate(req); r.isError() {
		t.Fatalf("corrected order: %s", r.message())
	}
	if so := e.onlyOrder(); so.OrderNo != "6001" {
		t.Errorf("order = %+v", so)
	}
}

func TestGenerateLabelConcurrentRequestsMakeOneOrder(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	req := labelRequest(tok, e.serviceID("sandbox", justin, courier), 7001)
	const n = 50
	replies := make([]labelReply, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			replies[i] = e.generate(req)
		}()
	}
	close(start)
	wg.Wait()
	so := e.onlyOrder()
	for i, r := range replies {
		if r.isError() {
			t.Errorf("request %d: %s", i, r.message())
			continue
		}
		if r.resp.LeadTrackingNumber != so.Order.TrackingID || r.resp.Package[0].TrackingNumber != so.Order.TrackingID+"-1" {
			t.Errorf("request %d got tracking %q, want %q", i, r.resp.LeadTrackingNumber, so.Order.TrackingID)
		}
	}
}

func TestGenerateLabelRecoversADroppedCreate(t *testing.T) {
	e := newLabelEnv(t, labelSetup{})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	svc := e.serviceID("sandbox", justin, courier)
	// A first label gets the token and the depots, so the next API call is
	// the create.
	if r := e.generate(labelRequest(tok, svc, 8000)); r.isError() {
		t.Fatal(r.message())
	}
	e.admin("faults", map[string]any{"mode": "drop", "count": 1})
	r := e.generate(labelRequest(tok, svc, 8001))
	if r.isError() {
		t.Fatalf("after a dropped create: %s", r.message())
	}
	var found []sandboxOrder
	for _, so := range e.orders() {
		if so.OrderNo == "8001" {
			found = append(found, so)
		}
	}
	if len(found) != 1 {
		t.Fatalf("sandbox holds %d orders 8001, want 1", len(found))
	}
	for i, pk := range r.resp.Package {
		bar, qr := symbols(t, pngOf(t, pk.PNGLabelDataBase64))
		want := fmt.Sprintf("%s-%d", found[0].Order.TrackingID, i+1)
		if pk.TrackingNumber != want || bar != want || qr != found[0].Order.TrackingURL {
			t.Errorf("package %d: tracking %q barcode %q qr %q; want %q, %q", i, pk.TrackingNumber, bar, qr, want, found[0].Order.TrackingURL)
		}
	}
	if sh := e.shipmentOf(tok, 8001); sh.TrackingURL != found[0].Order.TrackingURL || sh.ConsignmentNo != found[0].ConsignmentNo || sh.State != shipment.StateCreated {
		t.Errorf("shipment = %+v", sh)
	}
}

// crashAfterCreate fails the write that records a created order once, as a
// process dying between Stream's reply and the write would.
type crashAfterCreate struct {
	shipment.Store
	mu      sync.Mutex
	crashed bool
}

func (c *crashAfterCreate) Update(ctx context.Context, s *shipment.Shipment) error {
	c.mu.Lock()
	crash := !c.crashed && s.State == shipment.StateCreated
	if crash {
		c.crashed = true
	}
	c.mu.Unlock()
	if crash {
		return errors.New("connection to the shipment store lost")
	}
	return c.Store.Update(ctx, s)
}

func TestGenerateLabelRecoversACrashBeforeTheWrite(t *testing.T) {
	e := newLabelEnv(t, labelSetup{wrap: func(s shipment.Store) shipment.Store { return &crashAfterCreate{Store: s} }})
	tok := e.addProfile("sandbox", "sandbox-secret", nil)
	req := labelRequest(tok, e.serviceID("sandbox", justin, courier), 9001)
	r := e.generate(req)
	if !r.isError() || !strings.Contains(r.message(), "is not confirmed yet") || strings.Contains(r.message(), "shipment store") {
		t.Fatalf("first request: %s", r.raw[:min(300, len(r.raw))])
	}
	so := e.onlyOrder()
	if sh := e.shipmentOf(tok, 9001); sh.State != shipment.StatePending {
		t.Fatalf("record after the crash = %s", sh.State)
	}
	// Once the lost request's lease has ended, the next one finds the order
	// in Stream instead of creating it again.
	e.advance(2 * time.Minute)
	r = e.generate(req)
	if r.isError() {
		t.Fatalf("after the crash: %s", r.message())
	}
	if n := len(e.orders()); n != 1 {
		t.Fatalf("sandbox holds %d orders, want 1", n)
	}
	if r.resp.LeadTrackingNumber != so.Order.TrackingID {
		t.Errorf("tracking %q, want %q", r.resp.LeadTrackingNumber, so.Order.TrackingID)
	}
	if bar, _ := symbols(t, pngOf(t, r.resp.Package[0].PNGLabelDataBase64)); bar != so.Order.TrackingID+"-1" {
		t.Errorf("barcode %q", bar)
	}
}

func TestGenerateLabelProfilesAreIndependent(t *testing.T) {
	e := newLabelEnv(t, labelSetup{accounts: map[string]string{"sandbox": "sandbox-secret", "other": "other-secret"}})
	a := e.addProfile("sandbox", "sandbox-secret", nil)
	b := e.addProfile("other", "other-secret", nil)
	ra := e.generate(labelRequest(a, e.serviceID("sandbox", justin, courier), 100001))
	reqB := labelRequest(b, e.serviceID("other", rishvi, "202"), 100001)
	reqB.Postalcode = "M1 1AE"
	rb := e.generate(reqB)
	if ra.isError() || rb.isError() {
		t.Fatalf("a: %s\nb: %s", ra.message(), rb.message())
	}
	all := e.orders()
	if len(all) != 2 || all[0].ClientID == all[1].ClientID || ra.resp.LeadTrackingNumber == rb.resp.LeadTrackingNumber {
		t.Fatalf("orders = %+v", all)
	}
	// Cancelling one profile's order leaves the other's alone.
	if r := e.post("CancelLabel", map[string]any{"AuthorizationToken": a, "OrderReference": "100001"}); r.isError() {
		t.Fatal(r.message())
	}
	if sa, sb := e.shipmentOf(a, 100001), e.shipmentOf(b, 100001); sa.State != shipment.StateCancelled || sb.State != shipment.StateCreated {
		t.Errorf("states after cancelling a's: a %s, b %s", sa.State, sb.State)
	}
	// Two profiles on one Stream account need their own order number
	// prefixes; with them, both orders are made.
	c := e.addProfile("sandbox", "sandbox-secret", func(s map[string]string) { s[wizard.ItemOrderNumberPrefix] = "C-" })
	if r := e.generate(labelRequest(c, e.serviceID("sandbox", justin, courier), 100001)); r.isError() {
		t.Fatal(r.message())
	}
	// Without one, the clash is reported rather than another order adopted.
	d := e.addProfile("sandbox", "sandbox-secret", nil)
	reqD := labelRequest(d, e.serviceID("sandbox", justin, courier), 100001)
	reqD.Postalcode = "BD1 1AA"
	reqD.OrderReference = "EBAY-1"
	r := e.generate(reqD)
	if !r.isError() || !strings.Contains(r.message(), "own order number prefix") {
		t.Errorf("clash: %s", r.raw[:min(300, len(r.raw))])
	}
	if n := len(e.orders()); n != 3 {
		t.Errorf("sandbox holds %d orders, want 3", n)
	}
}

// timedTransport adds up the time spent in exchanges with Stream.
type timedTransport struct {
	mu    sync.Mutex
	spent time.Duration
}

func (tt *timedTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	res, err := http.DefaultTransport.RoundTrip(r)
	if err == nil {
		// The body is part of Stream's answer: read it inside the timing.
		body, rerr := io.ReadAll(res.Body)
		res.Body.Close()
		res.Body = io.NopCloser(bytes.NewReader(body))
		err = rerr
	}
	tt.mu.Lock()
	tt.spent += time.Since(start)
	tt.mu.Unlock()
	return res, err
}

func (tt *timedTransport) take() time.Duration {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	d := tt.spent
	tt.spent = 0
	return d
}

// BenchmarkGenerateLabel runs GenerateLabel in-process against the Stream
// sandbox, one new order per iteration. Besides ns/op it reports the time
// spent waiting for Stream (stream-ms/op) and the rest (overhead-ms/op):
// decoding, the order build, the shipment record, the labels, the answer.
func BenchmarkGenerateLabel(b *testing.B) {
	for _, n := range []int{1, 10} {
		b.Run(fmt.Sprintf("packages=%d", n), func(b *testing.B) {
			tt := &timedTransport{}
			e := newLabelEnv(b, labelSetup{rateLimit: 1 << 30, poolOpts: []stream.Option{
				stream.WithRateLimit(1<<30, time.Minute), stream.WithHTTPClient(&http.Client{Transport: tt}),
			}})
			tok := e.addProfile("sandbox", "sandbox-secret", nil)
			svc := e.serviceID("sandbox", justin, courier)
			base := labelRequest(tok, svc, 1)
			base.Packages = nil
			for i := range n {
				base.Packages = append(base.Packages, &shipping.LabelPackage{SequenceNumber: i, PackageWeight: 1200,
					PackageWidth: 30, PackageHeight: 20, PackageDepth: 10, PackageFormat: "BOX",
					Items: []*shipping.LabelItem{{ItemName: "Mug", ProductCode: "MUG-1", Quantity: 2, UnitWeight: 400}}})
			}
			// Warm up: token, depots.
			if r := e.generate(base); r.isError() {
				b.Fatal(r.message())
			}
			bodies := make([][]byte, b.N)
			for i := range bodies {
				req := *base
				req.OrderID = 1000 + i
				bodies[i], _ = json.Marshal(&req)
			}
			tt.take()
			b.ReportAllocs()
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				rec := httptest.NewRecorder()
				e.mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/linnworks/GenerateLabel", bytes.NewReader(bodies[i])))
				if !strings.Contains(rec.Body.String(), `"IsError":false`) {
					b.Fatalf("order %d: %s", 1000+i, rec.Body.String()[:min(rec.Body.Len(), 300)])
				}
			}
			total := time.Since(start)
			b.StopTimer()
			streamTime := tt.take()
			b.ReportMetric(float64(streamTime.Microseconds())/1000/float64(b.N), "stream-ms/op")
			b.ReportMetric(float64((total-streamTime).Microseconds())/1000/float64(b.N), "overhead-ms/op")
		})
	}
}
