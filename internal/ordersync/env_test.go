package ordersync_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworkssandbox"
	"linnstream/internal/ordersync"
	"linnstream/internal/profile"
	"linnstream/internal/queue"
	"linnstream/internal/services"
	"linnstream/internal/shipment"
	"linnstream/internal/stream"
	"linnstream/internal/streamsandbox"
	"linnstream/internal/wizard"
	"linnstream/internal/writeback"
)

const (
	lwToken   = linnworkssandbox.DefaultInstallToken
	appID     = "5d1f4a9e-3b7c-4e21-9a8f-6c2d0e1b7a34"
	appSecret = "0c9e8d7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"
)

// clock is a settable clock for the sandboxes, the clients and the worker.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func (c *clock) sleep(ctx context.Context, d time.Duration) error {
	if d > 0 {
		c.Advance(d)
	}
	return ctx.Err()
}

// counter counts a client's HTTP requests, and its order creates.
type counter struct {
	rt      http.RoundTripper
	n       atomic.Int64
	creates atomic.Int64
	// before, when set, runs before each request is sent.
	before func(*http.Request)
}

func (c *counter) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	if r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/orders") {
		c.creates.Add(1)
	}
	if c.before != nil {
		c.before(r)
	}
	return c.rt.RoundTrip(r)
}

// outbox is the write-back queue.
type outbox struct {
	mu   sync.Mutex
	msgs []writeback.Message
}

func (o *outbox) Send(_ context.Context, msgs ...queue.Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, m := range msgs {
		wm, err := writeback.Decode(m.Body)
		if err != nil {
			return err
		}
		o.msgs = append(o.msgs, wm)
	}
	return nil
}

func (o *outbox) take() []writeback.Message {
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

// account is one Stream account (a sandbox of its own) a profile uses.
type account struct {
	sb   *streamsandbox.Sandbox
	url  string
	acct stream.Account
}

// env is the sync on the local adapters with the sandboxes of Linnworks
// (one account) and Stream.
type env struct {
	t         testing.TB
	clk       *clock
	lw        *linnworkssandbox.Sandbox
	lwClient  *linnworks.Client
	lwN       *counter
	streamN   *counter
	pool      *stream.Pool
	profiles  *profile.MemStore
	shipments *shipment.MemStore
	creator   *shipment.Creator
	out       *outbox
	logs      *lockedBuffer
	catalogue *services.Catalogue
	port      ordersync.Linnworks
	wall      func() time.Time
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, clk: &clock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}, out: &outbox{}, logs: &lockedBuffer{}}
	var err error
	e.lw, err = linnworkssandbox.New(linnworkssandbox.Options{Now: e.clk.Now, NoSeed: true})
	if err != nil {
		t.Fatal(err)
	}
	ls := httptest.NewServer(e.lw)
	t.Cleanup(ls.Close)
	e.lwN = &counter{rt: http.DefaultTransport}
	e.lwClient, err = linnworks.New(linnworks.Config{
		AuthURL: ls.URL + "/api/Auth/AuthorizeByApplication", ApplicationID: appID, ApplicationSecret: appSecret,
	}, linnworks.WithClock(e.clk.Now), linnworks.WithSleep(e.clk.sleep), linnworks.WithLogger(slog.New(slog.DiscardHandler)),
		linnworks.WithHTTPClient(&http.Client{Transport: e.lwN, Timeout: 10 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.lwClient.EnsureIdentifiers(context.Background(), lwToken, "https://integration.example.test/identifiers"); err != nil {
		t.Fatal(err)
	}
	e.port = e.lwClient
	e.streamN = &counter{rt: http.DefaultTransport}
	e.pool = stream.NewPool(stream.WithBackoff(time.Millisecond, 2*time.Millisecond), stream.WithRateLimit(1<<20, time.Minute),
		stream.WithHTTPClient(&http.Client{Transport: e.streamN, Timeout: 10 * time.Second}))
	e.catalogue = services.NewCatalogue(services.PoolSource(e.pool))
	e.profiles = profile.NewMemStore()
	e.shipments = shipment.NewMemStore(e.clk.Now)
	e.creator = &shipment.Creator{Store: e.shipments, Now: e.clk.Now, Lease: time.Minute, PollMin: time.Millisecond, PollMax: 2 * time.Millisecond}
	return e
}

// newAccount starts a Stream sandbox for a profile.
func (e *env) newAccount() *account {
	e.t.Helper()
	sb := streamsandbox.New(streamsandbox.Options{RateLimit: 1 << 20})
	srv := httptest.NewServer(sb)
	e.t.Cleanup(srv.Close)
	return &account{sb: sb, url: srv.URL, acct: stream.Account{BaseURL: srv.URL + "/api", ClientID: "sandbox", ClientSecret: "sandbox-secret", Party: "sandbox"}}
}

var profileSeq atomic.Int64

// addProfile stores an active profile on the account with order sync on,
// a lookback of 3 days, and returns it.
func (e *env) addProfile(a *account, change func(map[string]string)) *profile.Profile {
	e.t.Helper()
	settings := map[string]string{
		wizard.ItemStreamAPIURL: a.acct.BaseURL, wizard.ItemStreamClientID: "sandbox",
		wizard.ItemSenderContactName: "Ann Smith", wizard.ItemSenderCompany: "Shop Ltd",
		wizard.ItemSenderAddress1: "1 Canal Road", wizard.ItemSenderCity: "Leeds",
		wizard.ItemSenderCountry: "GB", wizard.ItemSenderPostcode: "LS12 2DU", wizard.ItemSenderPhone: "+44 113 496 0000",
		wizard.ItemUseCurrentDatePickup: "true",
		wizard.ItemOrderSyncEnabled:     "true", wizard.ItemLookbackDays: "3",
	}
	if change != nil {
		change(settings)
	}
	p := &profile.Profile{ID: profile.ID(fmt.Sprintf("tok-%d", profileSeq.Add(1))), AccountName: "ACC", Stage: wizard.StageConfig, Active: true,
		Settings: settings, Secrets: map[string]string{wizard.ItemStreamClientSecret: "sandbox-secret", wizard.ItemLinnworksAPIToken: lwToken},
		CreatedAt: e.clk.Now()}
	if err := e.profiles.Create(context.Background(), p); err != nil {
		e.t.Fatal(err)
	}
	return p
}

// link creates n Linnworks postal services linked to the first n services
// of the profile, as a user mapping them does, and returns their ids.
func (e *env) link(p *profile.Profile, n int) []string {
	e.t.Helper()
	svcs, err := e.catalogue.List(context.Background(), p)
	if err != nil {
		e.t.Fatal(err)
	}
	if len(svcs) < n {
		e.t.Fatalf("the Stream account offers %d services, want %d", len(svcs), n)
	}
	var ids []string
	for i := range n {
		ps, err := e.lw.AddPostalService(linnworkssandbox.PostalServiceRequest{
			Name: fmt.Sprintf("%s for %s", svcs[i].Name, p.Short()), IntegratedServiceID: svcs[i].ID, Vendor: linnworkssandbox.StreamVendor})
		if err != nil {
			e.t.Fatal(err)
		}
		ids = append(ids, ps.ID)
	}
	return ids
}

// worker builds a Worker on the env.
func (e *env) worker(change func(*ordersync.Config)) *ordersync.Worker {
	e.t.Helper()
	cfg := ordersync.Config{
		Profiles: e.profiles, Catalogue: e.catalogue, Linnworks: e.port, Streams: ordersync.PoolStreams{Pool: e.pool},
		Creator: e.creator, Shipments: e.shipments, WriteBack: e.out, Now: e.clk.Now, Wall: e.wall,
		Logger:  slog.New(slog.NewJSONHandler(e.logs, nil)),
		Backoff: time.Millisecond,
	}
	if change != nil {
		change(&cfg)
	}
	w, err := ordersync.New(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	return w
}

// writer is the write-back consumer on the env's adapters.
func (e *env) writer() *writeback.Writer {
	e.t.Helper()
	wb, err := writeback.New(writeback.Config{Profiles: e.profiles, Shipments: e.shipments,
		Streams: writeback.PoolStreams{Pool: e.pool}, Linnworks: e.lwClient, Now: e.clk.Now,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		e.t.Fatal(err)
	}
	return wb
}

// writePaths are the Linnworks operations that change an order.
var writePaths = []string{
	"/api/Orders/SetOrderShippingInfo", "/api/OpenOrders/AssignOrderIdentifier", "/api/OpenOrders/UnassignOrderIdentifier",
	"/api/Orders/AddOrdersNote", "/api/Orders/SetExtendedProperties", "/api/Orders/ProcessOrder", "/api/Orders/SetOrderNotes",
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

// checkJournal fails on a Linnworks request the sandbox refused (it
// validates every call against the official specification) other than the
// statuses a test caused.
func (e *env) checkJournal(allowed ...int) {
	e.t.Helper()
	for _, j := range e.lw.Journal() {
		if j.Status >= 300 && !slices.Contains(allowed, j.Status) {
			e.t.Errorf("Linnworks request %s %s answered %d: %s", j.Method, j.Target(), j.Status, j.Body)
		}
	}
}
