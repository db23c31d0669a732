package writeback_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworkssandbox"
	"linnstream/internal/profile"
	"linnstream/internal/queue"
	"linnstream/internal/services"
	"linnstream/internal/shipment"
	"linnstream/internal/shipping"
	"linnstream/internal/stream"
	"linnstream/internal/streamsandbox"
	"linnstream/internal/wizard"
	"linnstream/internal/writeback"
)

const (
	lwToken    = linnworkssandbox.DefaultInstallToken
	appID      = "5d1f4a9e-3b7c-4e21-9a8f-6c2d0e1b7a34"
	appSecret  = "0c9e8d7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"
	publicBase = "https://integration.example.test"
)

// clock is a settable clock shared by the sandboxes and the clients, so
// rate windows and back-off need no real waiting.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// sleep is the Linnworks client's wait: it moves the clock instead.
func (c *clock) sleep(ctx context.Context, d time.Duration) error {
	if d > 0 {
		c.Advance(d)
	}
	return ctx.Err()
}

// counter counts the HTTP requests a client makes.
type counter struct {
	rt http.RoundTripper
	n  atomic.Int64
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.rt.RoundTrip(r)
}

// outbox is the write-back queue GenerateLabel sends to.
type outbox struct {
	mu   sync.Mutex
	msgs []queue.Message
}

func (o *outbox) Send(_ context.Context, msgs ...queue.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.msgs = append(o.msgs, msgs...)
	return nil
}

func (o *outbox) take() []queue.Message {
	o.mu.Lock()
	defer o.mu.Unlock()
	out := o.msgs
	o.msgs = nil
	return out
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// env is the write-back on the local adapters with both sandboxes: labels
// through the real GenerateLabel handler, planning through the Stream
// sandbox's admin API, the Linnworks order in the Linnworks sandbox.
type env struct {
	t         testing.TB
	clk       *clock
	stream    *streamsandbox.Sandbox
	streamURL string
	lw        *linnworkssandbox.Sandbox
	lwURL     string
	lwClient  *linnworks.Client
	profiles  *profile.MemStore
	shipments *shipment.MemStore
	labels    http.Handler
	out       *outbox
	logs      *lockedBuffer
	streamN   *counter
	lwN       *counter
	// port is what the Writer calls Linnworks through (the client, or a
	// wrapper a test installs before calling writer()).
	port writeback.Linnworks
	// streams, when set, replaces the Stream sandbox as the Writer's
	// source of Stream orders.
	streams writeback.Streams
	w       *writeback.Writer
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, clk: &clock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}, out: &outbox{}, logs: &lockedBuffer{}}
	// Stream's 200 requests a minute would throttle benchmarks in real
	// time; no test here is about Stream's limit.
	e.stream = streamsandbox.New(streamsandbox.Options{RateLimit: 1 << 20})
	ss := httptest.NewServer(e.stream)
	t.Cleanup(ss.Close)
	e.streamURL = ss.URL
	var err error
	e.lw, err = linnworkssandbox.New(linnworkssandbox.Options{Now: e.clk.Now, NoSeed: true})
	if err != nil {
		t.Fatal(err)
	}
	ls := httptest.NewServer(e.lw)
	t.Cleanup(ls.Close)
	e.lwURL = ls.URL
	e.streamN = &counter{rt: http.DefaultTransport}
	e.lwN = &counter{rt: http.DefaultTransport}
	e.lwClient, err = linnworks.New(linnworks.Config{
		AuthURL: ls.URL + "/api/Auth/AuthorizeByApplication", ApplicationID: appID, ApplicationSecret: appSecret,
	}, linnworks.WithClock(e.clk.Now), linnworks.WithSleep(e.clk.sleep), linnworks.WithLogger(slog.New(slog.DiscardHandler)),
		linnworks.WithHTTPClient(&http.Client{Transport: e.lwN, Timeout: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.lwClient.EnsureIdentifiers(context.Background(), lwToken, publicBase+"/identifiers"); err != nil {
		t.Fatal(err)
	}
	// An identifier of the account's own, which the write-back must leave alone.
	if _, err := e.lwClient.SaveIdentifier(context.Background(), lwToken, linnworks.Identifier{
		Tag: "URGENT", Name: "Urgent", IsCustom: true, ImageURL: publicBase + "/urgent.png"}); err != nil {
		t.Fatal(err)
	}
	e.port = e.lwClient
	e.profiles = profile.NewMemStore()
	e.shipments = shipment.NewMemStore(e.clk.Now)
	labelPool := stream.NewPool(stream.WithBackoff(time.Millisecond, 2*time.Millisecond), stream.WithRateLimit(1<<20, time.Minute))
	w, err := wizard.New(wizard.Options{Stream: wizard.StreamCredentials{}, PublicBaseURL: publicBase})
	if err != nil {
		t.Fatal(err)
	}
	h, err := shipping.New(shipping.Config{
		Store: e.profiles, Wizard: w, Logger: slog.New(slog.DiscardHandler), Now: e.clk.Now,
		Services: services.NewCatalogue(services.PoolSource(labelPool)), Manifests: e.shipments, Streams: labelPool,
		Creator: &shipment.Creator{Store: e.shipments, Now: e.clk.Now, Lease: time.Minute,
			PollMin: time.Millisecond, PollMax: 2 * time.Millisecond},
		Shipments: e.shipments, Writeback: e.out,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.labels = h.Mux()
	return e
}

// writer builds the Writer on the env's adapters (again, after a test
// changed e.port).
func (e *env) writer() *writeback.Writer {
	pool := stream.NewPool(stream.WithBackoff(time.Millisecond, 2*time.Millisecond), stream.WithRateLimit(1<<20, time.Minute),
		stream.WithHTTPClient(&http.Client{Transport: e.streamN, Timeout: 10 * time.Second}))
	var streams writeback.Streams = writeback.PoolStreams{Pool: pool}
	if e.streams != nil {
		streams = e.streams
	}
	w, err := writeback.New(writeback.Config{
		Profiles: e.profiles, Shipments: e.shipments, Streams: streams,
		Linnworks: e.port, Now: e.clk.Now,
		Logger: slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	if err != nil {
		e.t.Fatal(err)
	}
	e.w = w
	return w
}

// addProfile stores an active profile on the sandbox's Stream account with
// the Linnworks token, and returns its AuthorizationToken.
func (e *env) addProfile(change func(map[string]string)) string {
	e.t.Helper()
	tok := fmt.Sprintf("tok-%d", profileSeq.Add(1))
	settings := map[string]string{
		wizard.ItemStreamAPIURL: e.streamURL + "/api", wizard.ItemStreamClientID: "sandbox",
		wizard.ItemSenderContactName: "Ann Smith", wizard.ItemSenderCompany: "Shop Ltd",
		wizard.ItemSenderAddress1: "1 Canal Road", wizard.ItemSenderCity: "Leeds", wizard.ItemSenderRegion: "West Yorkshire",
		wizard.ItemSenderCountry: "GB", wizard.ItemSenderPostcode: "LS12 2DU", wizard.ItemSenderPhone: "+44 113 496 0000",
		wizard.ItemUseDefaultLocation: "true", wizard.ItemDefaultLocation: "Default", wizard.ItemUseCurrentDatePickup: "true",
		wizard.ItemLabelReference: string(wizard.RefOrderID), wizard.ItemLabelFormat: string(wizard.LabelDefault4x6),
		wizard.ItemLabelCount: "1", wizard.ItemSequenceIdentifiers: "true", wizard.ItemMarkProcessedDelivery: "true",
	}
	if change != nil {
		change(settings)
	}
	p := &profile.Profile{ID: profile.ID(tok), AccountName: "ACC", Stage: wizard.StageConfig, Active: true,
		Settings: settings, Secrets: map[string]string{wizard.ItemStreamClientSecret: "sandbox-secret", wizard.ItemLinnworksAPIToken: lwToken},
		CreatedAt: e.clk.Now()}
	if err := e.profiles.Create(context.Background(), p); err != nil {
		e.t.Fatal(err)
	}
	return tok
}

var profileSeq atomic.Int64

// addOrder adds a paid open order with the number to the Linnworks sandbox
// and returns its pkOrderId.
func (e *env) addOrder(num int, tags ...string) string {
	e.t.Helper()
	d := linnworkssandbox.OrderDetails{
		NumOrderId:  num,
		GeneralInfo: linnworkssandbox.OrderGeneralInfo{Status: 1, ReferenceNum: "WEB-" + strconv.Itoa(num)},
		ShippingInfo: linnworkssandbox.OrderShippingInfo{PostalServiceId: linnworkssandbox.CourierServiceID,
			TotalWeight: 2.35, ItemWeight: 2, PostageCost: 4.95, ManualAdjust: true},
		Items: []linnworkssandbox.OrderItem{{SKU: "OAK-ST-01", Title: "Oak side table", Quantity: 1, PricePerUnit: 120, Weight: 2}},
	}
	for _, tag := range tags {
		d.GeneralInfo.Identifiers = append(d.GeneralInfo.Identifiers, linnworkssandbox.Identifier{Tag: tag})
	}
	added, err := e.lw.AddOrders(d)
	if err != nil {
		e.t.Fatal(err)
	}
	return added[0].Order.OrderId
}

// label prints the order's label through GenerateLabel and returns the
// write-back messages it queued.
func (e *env) label(tok string, num int) []queue.Message {
	e.t.Helper()
	svc := services.ServiceID(stream.Account{BaseURL: e.streamURL + "/api", ClientID: "sandbox"}, stream.ID("1"), stream.ID("102"))
	req := shipping.GenerateLabelRequest{
		Auth: shipping.Auth{AuthorizationToken: tok},
		Address: shipping.Address{Name: "Priya Shah", AddressLine1: "14 Wellington Street", Town: "Leeds",
			CountryCode: "GB", Postalcode: "LS1 4DL", Email: "priya@example.com"},
		OrderID: num, OrderReference: "WEB-" + strconv.Itoa(num), ServiceID: svc,
		Packages: []*shipping.LabelPackage{{SequenceNumber: 1, PackageWeight: 2350, PackageFormat: "PARCEL",
			Items: []*shipping.LabelItem{{ItemName: "Oak side table", ProductCode: "OAK-ST-01", Quantity: 1, UnitWeight: 2000}}}},
	}
	b, _ := json.Marshal(req)
	rec := httptest.NewRecorder()
	e.labels.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/linnworks/GenerateLabel", bytes.NewReader(b)))
	var resp shipping.GenerateLabelResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.IsError {
		e.t.Fatalf("GenerateLabel %d: %s", num, rec.Body.String())
	}
	return e.out.take()
}

// cancel cancels the order's label through CancelLabel and returns the
// write-back messages it queued.
func (e *env) cancel(tok string, num int) []queue.Message {
	e.t.Helper()
	b, _ := json.Marshal(map[string]any{"AuthorizationToken": tok, "OrderReference": strconv.Itoa(num)})
	rec := httptest.NewRecorder()
	e.labels.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/linnworks/CancelLabel", bytes.NewReader(b)))
	var resp shipping.CancelLabelResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.IsError {
		e.t.Fatalf("CancelLabel %d: %s", num, rec.Body.String())
	}
	return e.out.take()
}

// admin calls the Stream sandbox's admin API.
func (e *env) admin(path string, body any) {
	e.t.Helper()
	b, _ := json.Marshal(body)
	res, err := http.Post(e.streamURL+"/admin/"+path, "application/json", bytes.NewReader(b))
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(res.Body)
		e.t.Fatalf("stream admin %s: HTTP %d: %s", path, res.StatusCode, raw)
	}
}

func (e *env) plan(orderNo, run string, stop int, date string) {
	e.t.Helper()
	e.admin("plan", map[string]any{"orderNo": orderNo, "run": run, "sequence": stop, "date": date,
		"driverName": "Sam Driver", "vehicleName": "VAN 7"})
}

func (e *env) deliver(orderNo string) {
	e.t.Helper()
	e.admin("dispatch", map[string]any{"orderNo": orderNo})
	e.admin("deliver", map[string]any{"orderNo": orderNo})
}

func (e *env) shipmentOf(tok string, num int) *shipment.Shipment {
	e.t.Helper()
	s, err := e.shipments.Get(context.Background(), profile.ID(tok), strconv.Itoa(num))
	if err != nil {
		e.t.Fatal(err)
	}
	return s
}

// webhook is the message the receiver queues for a Stream reference.
func webhook(tok, ref, event string) []byte {
	b, _ := json.Marshal(writeback.Message{ProfileID: profile.ID(tok), Ref: ref, Source: writeback.SourceWebhook, Event: event})
	return b
}

// handle delivers a body as the queue does: again after each error, up to
// tries times. It returns the number of receives and the last error.
func (e *env) handle(body []byte, tries int) (int, error) {
	e.t.Helper()
	var err error
	for n := 1; n <= tries; n++ {
		if err = e.w.Handle(context.Background(), body); err == nil {
			return n, nil
		}
		e.clk.Advance(time.Second)
	}
	return tries, err
}

// mustHandle delivers a body and fails the test unless it is applied at the
// first receive.
func (e *env) mustHandle(body []byte) {
	e.t.Helper()
	if n, err := e.handle(body, 1); err != nil {
		e.t.Fatalf("Handle (receive %d): %v", n, err)
	}
}

// order is the Linnworks sandbox's view of the order.
func (e *env) order(num int) linnworkssandbox.AdminOrder {
	e.t.Helper()
	o, ok := e.lw.Order(strconv.Itoa(num))
	if !ok {
		e.t.Fatalf("no Linnworks order %d", num)
	}
	return o
}

// tags are the order's identifiers, sorted.
func (e *env) tags(num int) []string {
	t := slices.Clone(e.order(num).Identifiers)
	slices.Sort(t)
	return t
}

// noteTexts are the order's notes.
func (e *env) noteTexts(num int) []string {
	var out []string
	for _, n := range e.order(num).Notes {
		out = append(out, n.Note)
	}
	return out
}

// writePaths are the Linnworks operations that change an order.
var writePaths = []string{
	"/api/Orders/SetOrderShippingInfo", "/api/OpenOrders/AssignOrderIdentifier", "/api/OpenOrders/UnassignOrderIdentifier",
	"/api/Orders/AddOrdersNote", "/api/ProcessedOrders/AddOrderNote", "/api/Orders/SetExtendedProperties",
	"/api/Orders/ProcessOrder", "/api/Orders/SetOrderNotes", "/api/Orders/AddExtendedProperties",
}

// writes counts the successful Linnworks writes in the sandbox's journal.
func (e *env) writes() int {
	n := 0
	for _, j := range e.lw.Journal() {
		if slices.Contains(writePaths, j.Path) && j.Status < 300 {
			n++
		}
	}
	return n
}

// checkJournal fails when a request the sandbox received does not follow the
// official specification (the sandbox answers those 400) or failed for a
// reason other than the faults a test injected.
func (e *env) checkJournal(allowed ...int) {
	e.t.Helper()
	for _, j := range e.lw.Journal() {
		if j.Status >= 300 && !slices.Contains(allowed, j.Status) {
			e.t.Errorf("Linnworks request %d %s %s answered %d: %s", j.Seq, j.Method, j.Target(), j.Status, j.Body)
		}
	}
}

// newStreamClient is a Stream client of the sandbox account, for actions
// the admin API does not offer (a cancel).
func newStreamClient(e *env) (*stream.Client, error) {
	return stream.New(stream.Account{BaseURL: e.streamURL + "/api", ClientID: "sandbox", ClientSecret: "sandbox-secret"},
		stream.WithBackoff(time.Millisecond, 2*time.Millisecond))
}
