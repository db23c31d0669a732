package services_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"linnstream/internal/profile"
	"linnstream/internal/services"
	"linnstream/internal/services/servicestest"
	"linnstream/internal/stream"
	"linnstream/internal/streamsandbox"
	"linnstream/internal/waitfor"
	"linnstream/internal/wizard"
)

// fixture is a Stream sandbox and a pool of clients of it.
type fixture struct {
	base string
	pool *stream.Pool
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	srv := httptest.NewServer(streamsandbox.New(streamsandbox.Options{}))
	t.Cleanup(srv.Close)
	return &fixture{base: srv.URL + "/api", pool: stream.NewPool(stream.WithBackoff(time.Millisecond, 5*time.Millisecond))}
}

func (f *fixture) profile(clientID, secret string) *profile.Profile {
	return &profile.Profile{
		ID: "p-" + clientID,
		Settings: map[string]string{
			wizard.ItemStreamAPIURL:   f.base,
			wizard.ItemStreamClientID: clientID,
		},
		Secrets: map[string]string{wizard.ItemStreamClientSecret: secret},
	}
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

var uuidV5 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestListSeedDepots(t *testing.T) {
	f := newFixture(t)
	cat := services.NewCatalogue(services.PoolSource(f.pool))
	p := f.profile("sandbox", "sandbox-secret")
	got, err := cat.List(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ name, group, typ, method, stock, code string }
	want := []row{
		{"Delivery (Justin Depot)", "Justin Depot", "DELIVERY", "Delivery", "Justin Depot", "STREAM-1-101"},
		{"Courier (Justin Depot)", "Justin Depot", "DELIVERY", "Courier", "Justin Depot", "STREAM-1-102"},
		{"Trunk (Justin Depot)", "Justin Depot", "DELIVERY", "Trunk", "Justin Depot", "STREAM-1-103"},
		{"Collection (Justin Depot)", "Justin Depot", "COLLECTION", "Collection", "Justin Depot", "STREAM-1-104"},
		{"Rcollection (Rishvi)", "Rishvi", "COLLECTION", "Rcollection", "Rishvi", "STREAM-2-201"},
		{"Rishvi Vehicles (Rishvi)", "Rishvi", "DELIVERY", "Rishvi Vehicles", "Rishvi", "STREAM-2-202"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d services, want %d: %+v", len(got), len(want), got)
	}
	ids := map[string]bool{}
	for i, s := range got {
		w := want[i]
		if s.Name != w.name || s.Group != w.group || s.DepotName != w.group || s.OrderType != w.typ ||
			s.Method.Name != w.method || s.StockLocation != w.stock || s.Code != w.code {
			t.Errorf("service %d = {%q %q %q %q %q %q}, want %+v", i, s.Name, s.Group, s.OrderType, s.Method.Name, s.StockLocation, s.Code, w)
		}
		if !uuidV5.MatchString(s.ID) {
			t.Errorf("service %q id %q is not a lower-case version 5 UUID", s.Name, s.ID)
		}
		if ids[s.ID] {
			t.Errorf("service %q repeats id %s", s.Name, s.ID)
		}
		ids[s.ID] = true
		if want := services.ServiceID(wizard.Settings(p).Stream, s.Depot.ID, s.Method.ID); s.ID != want {
			t.Errorf("service %q id %s, ServiceID gives %s", s.Name, s.ID, want)
		}
	}

	// A new process (a new catalogue) derives the same ids.
	again, err := services.NewCatalogue(services.PoolSource(f.pool)).List(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if again[i].ID != got[i].ID {
			t.Errorf("service %q id changed across calls: %s then %s", got[i].Name, got[i].ID, again[i].ID)
		}
	}
}

func TestServiceIDDerivation(t *testing.T) {
	acct := stream.Account{BaseURL: "https://stream.example.com/api", ClientID: "acme", ClientSecret: "s1"}
	id := services.ServiceID(acct, "1", "102")
	// Pinned: Linnworks keeps this id on every service the user created, so
	// the derivation must never change.
	if id != pinnedID {
		t.Fatalf("ServiceID = %s, want the pinned %s", id, pinnedID)
	}
	same := []stream.Account{
		{BaseURL: "https://stream.example.com/api/", ClientID: "acme", ClientSecret: "rotated"},
		{BaseURL: "HTTPS://Stream.Example.com/API", ClientID: "acme", Party: "other"},
	}
	for _, a := range same {
		if got := services.ServiceID(a, "1", "102"); got != id {
			t.Errorf("ServiceID(%+v) = %s, want %s (secret, party, case and trailing slash do not matter)", a.BaseURL, got, id)
		}
	}
	differ := map[string]string{
		"other client": services.ServiceID(stream.Account{BaseURL: acct.BaseURL, ClientID: "acme2"}, "1", "102"),
		"other base":   services.ServiceID(stream.Account{BaseURL: "https://stream2.example.com/api", ClientID: "acme"}, "1", "102"),
		"other depot":  services.ServiceID(acct, "2", "102"),
		"other method": services.ServiceID(acct, "1", "103"),
		"shifted ids":  services.ServiceID(acct, "11", "02"),
	}
	seen := map[string]string{id: "original"}
	for name, got := range differ {
		if prev, ok := seen[got]; ok {
			t.Errorf("%s gives the same id as %s: %s", name, prev, got)
		}
		seen[got] = name
	}
}

func TestCacheAndNewMethods(t *testing.T) {
	f := newFixture(t)
	clk := &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	cnt := servicestest.New(f.pool)
	cat := services.NewCatalogue(cnt.Source, services.WithClock(clk.Now), services.WithTTL(time.Minute))
	p := f.profile("sandbox", "sandbox-secret")
	other := f.profile("sandbox", "sandbox-secret")
	other.ID = "second profile, same account"
	ctx := context.Background()

	first, err := cat.List(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cat.List(ctx, other); err != nil {
		t.Fatal(err)
	}
	clk.Advance(59 * time.Second)
	if _, err := cat.Resolve(ctx, p, first[1].ID); err != nil {
		t.Fatal(err)
	}
	if n := cnt.Reads(); n != 1 {
		t.Fatalf("depot reads within the TTL = %d, want 1", n)
	}

	cnt.AddDepot(stream.Depot{
		ID: "3", Address: stream.Address{Name: "Leeds North"}, StockLocation: stream.StockLocation{ID: "13"},
		DeliveryMethods: []stream.DeliveryMethod{{ID: "301", Name: "Vans", Type: "delivery"}, {ID: "302", Name: "Drones", Type: "AIR"}},
	})
	cached, err := cat.List(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if len(cached) != 6 {
		t.Fatalf("within the TTL got %d services, want the cached 6", len(cached))
	}
	clk.Advance(2 * time.Second)
	fresh, err := cat.List(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if n := cnt.Reads(); n != 2 {
		t.Fatalf("depot reads after expiry = %d, want 2", n)
	}
	if len(fresh) != 7 {
		t.Fatalf("after expiry got %d services, want 7 (the AIR method is not orderable): %+v", len(fresh), fresh)
	}
	s := fresh[6]
	if s.Name != "Vans (Leeds North)" || s.OrderType != "DELIVERY" || s.Group != "Leeds North" || s.StockLocation != "13" {
		t.Errorf("new service = %q %q %q %q", s.Name, s.OrderType, s.Group, s.StockLocation)
	}
	for i := range first {
		if fresh[i].ID != first[i].ID {
			t.Errorf("service %q id changed when a depot was added", first[i].Name)
		}
	}
}

func TestResolve(t *testing.T) {
	f := newFixture(t)
	clk := &clock{t: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)}
	cnt := servicestest.New(f.pool)
	cat := services.NewCatalogue(cnt.Source, services.WithClock(clk.Now))
	p := f.profile("sandbox", "sandbox-secret")
	ctx := context.Background()
	list, err := cat.List(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	courier := list[1]

	spellings := []string{
		courier.ID,
		strings.ToUpper(courier.ID),
		strings.ReplaceAll(courier.ID, "-", ""),
		"{" + strings.ToUpper(courier.ID) + "}",
	}
	for _, id := range spellings {
		got, err := cat.Resolve(ctx, p, id)
		if err != nil {
			t.Fatalf("Resolve(%s): %v", id, err)
		}
		if got.Name != "Courier (Justin Depot)" || got.Method.Name != "Courier" || got.Depot.ID != "1" {
			t.Errorf("Resolve(%s) = %q", id, got.Name)
		}
	}
	if n := cnt.Reads(); n != 1 {
		t.Fatalf("depot reads = %d, want 1 (hits come from the cache)", n)
	}

	// A method created in Stream a moment ago resolves at once: the miss
	// refreshes the cache.
	cnt.AddDepot(stream.Depot{ID: "9", Address: stream.Address{Name: "Hull"}, StockLocation: stream.StockLocation{Name: "Hull"},
		DeliveryMethods: []stream.DeliveryMethod{{ID: "901", Name: "Bikes", Type: "COLLECTION"}}})
	newID := services.ServiceID(wizard.Settings(p).Stream, "9", "901")
	got, err := cat.Resolve(ctx, p, newID)
	if err != nil {
		t.Fatalf("Resolve(new method): %v", err)
	}
	if got.Name != "Bikes (Hull)" || got.OrderType != "COLLECTION" {
		t.Errorf("new method resolved to %q %q", got.Name, got.OrderType)
	}
	if n := cnt.Reads(); n != 2 {
		t.Fatalf("depot reads = %d, want 2", n)
	}

	// An unknown id refreshes once, then fails with a typed error.
	unknown := services.ServiceID(wizard.Settings(p).Stream, "1", "999")
	_, err = cat.Resolve(ctx, p, unknown)
	var ue *services.UnknownServiceError
	if !errors.Is(err, services.ErrUnknownService) || !errors.As(err, &ue) || ue.ID != unknown {
		t.Fatalf("Resolve(unknown) error = %v, want UnknownServiceError for %s", err, unknown)
	}
	if n := cnt.Reads(); n != 3 {
		t.Fatalf("depot reads after an unknown id = %d, want 3 (exactly one refresh)", n)
	}

	// Not a GUID at all: rejected without asking Stream.
	for _, bad := range []string{"", "courier", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", courier.ID + "0"} {
		if _, err := cat.Resolve(ctx, p, bad); !errors.Is(err, services.ErrUnknownService) {
			t.Errorf("Resolve(%q) error = %v, want ErrUnknownService", bad, err)
		}
	}
	if n := cnt.Reads(); n != 3 {
		t.Fatalf("depot reads after malformed ids = %d, want 3", n)
	}

	// Another account's service does not resolve for this profile.
	foreign := services.ServiceID(stream.Account{BaseURL: f.base, ClientID: "someone-else"}, "1", "102")
	if _, err := cat.Resolve(ctx, p, foreign); !errors.Is(err, services.ErrUnknownService) {
		t.Errorf("Resolve(another account's id) error = %v, want ErrUnknownService", err)
	}
}

func TestStreamFailures(t *testing.T) {
	f := newFixture(t)
	cat := services.NewCatalogue(services.PoolSource(f.pool))
	ctx := context.Background()

	bad := f.profile("sandbox", "wrong-secret-value")
	_, err := cat.List(ctx, bad)
	if err == nil {
		t.Fatal("List with a wrong secret succeeded")
	}
	if !errors.Is(err, stream.ErrConfiguration) || !strings.Contains(err.Error(), "The client credentials are invalid") {
		t.Errorf("error = %v, want Stream's reason as a configuration error", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Errorf("error leaks the secret: %v", err)
	}
	if _, err := cat.Resolve(ctx, bad, services.ServiceID(wizard.Settings(bad).Stream, "1", "102")); err == nil || errors.Is(err, services.ErrUnknownService) {
		t.Errorf("Resolve with a wrong secret error = %v, want Stream's error", err)
	}

	unset := &profile.Profile{ID: "unset"}
	if _, err := cat.List(ctx, unset); err == nil || !strings.HasPrefix(err.Error(), "stream account: ") || !strings.Contains(err.Error(), "is required") {
		t.Errorf("List without a Stream account error = %v", err)
	}

	// Errors are not cached: the right secret works straight after.
	good := f.profile("sandbox", "sandbox-secret")
	if got, err := cat.List(ctx, good); err != nil || len(got) != 6 {
		t.Fatalf("List after a failure = %d services, %v", len(got), err)
	}
}

// blocking is a DepotLister that waits for release and counts calls;
// started is closed when the first call begins.
type blocking struct {
	calls   atomic.Int32
	release chan struct{}
	started chan struct{}
	once    sync.Once
}

func newBlocking() *blocking {
	return &blocking{release: make(chan struct{}), started: make(chan struct{})}
}

func (b *blocking) Depots(ctx context.Context) ([]stream.Depot, error) {
	b.calls.Add(1)
	b.once.Do(func() { close(b.started) })
	select {
	case <-b.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return []stream.Depot{{ID: "1", Address: stream.Address{Name: "D"}, DeliveryMethods: []stream.DeliveryMethod{{ID: "1", Name: "M", Type: "DELIVERY"}}}}, nil
}

// waitingCtx announces on waiting when a caller first asks for its Done
// channel: the catalogue does that only once the caller has joined the
// shared read and waits for its result.
type waitingCtx struct {
	context.Context
	waiting chan<- struct{}
	once    sync.Once
}

func (w *waitingCtx) Done() <-chan struct{} {
	w.once.Do(func() { w.waiting <- struct{}{} })
	return w.Context.Done()
}

func TestConcurrentListsShareOneRead(t *testing.T) {
	b := newBlocking()
	cat := services.NewCatalogue(func(stream.Account) (services.DepotLister, error) { return b, nil })
	p := &profile.Profile{Settings: map[string]string{wizard.ItemStreamAPIURL: "https://x.example/api", wizard.ItemStreamClientID: "c"}}
	var wg sync.WaitGroup
	results := make([][]services.Service, 5)
	waiting := make(chan struct{}, len(results))
	for i := range results {
		wg.Go(func() {
			results[i], _ = cat.List(&waitingCtx{Context: context.Background(), waiting: waiting}, p)
		})
	}
	waitfor.Recv(t, b.started, "the depot read to start")
	for i := range results {
		waitfor.Recv(t, waiting, fmt.Sprintf("caller %d of %d to wait for the shared read", i+1, len(results)))
	}
	close(b.release)
	waitfor.Group(t, &wg, "the callers to return")
	for i, r := range results {
		if len(r) != 1 || r[0].Name != "M (D)" {
			t.Errorf("caller %d got %+v", i, r)
		}
	}
	if n := b.calls.Load(); n != 1 {
		t.Errorf("concurrent lists made %d depot reads, want 1", n)
	}
}

func TestListCancelled(t *testing.T) {
	b := newBlocking()
	cat := services.NewCatalogue(func(stream.Account) (services.DepotLister, error) { return b, nil })
	p := &profile.Profile{Settings: map[string]string{wizard.ItemStreamAPIURL: "https://x.example/api", wizard.ItemStreamClientID: "c"}}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := cat.List(ctx, p); !errors.Is(err, context.Canceled) {
		t.Errorf("List with a cancelled context error = %v", err)
	}
}

// The caller that started a shared depot read giving up does not fail the
// callers waiting on the same read.
func TestFirstCallerLeavingDoesNotFailTheOthers(t *testing.T) {
	b := newBlocking()
	cat := services.NewCatalogue(func(stream.Account) (services.DepotLister, error) { return b, nil })
	p := &profile.Profile{Settings: map[string]string{wizard.ItemStreamAPIURL: "https://x.example/api", wizard.ItemStreamClientID: "c"}}
	first, cancel := context.WithCancel(context.Background())
	firstErr := make(chan error, 1)
	go func() {
		_, err := cat.List(first, p)
		firstErr <- err
	}()
	waitfor.Recv(t, b.started, "the depot read to start")
	second := make(chan []services.Service, 1)
	waiting := make(chan struct{}, 1)
	go func() {
		r, _ := cat.List(&waitingCtx{Context: context.Background(), waiting: waiting}, p)
		second <- r
	}()
	waitfor.Recv(t, waiting, "the second caller to join the read in flight")
	cancel()
	if err := waitfor.Recv(t, firstErr, "the first caller to give up"); !errors.Is(err, context.Canceled) {
		t.Errorf("the first caller's error = %v, want context.Canceled", err)
	}
	close(b.release)
	if r := waitfor.Recv(t, second, "the second caller's list"); len(r) != 1 || r[0].Name != "M (D)" {
		t.Errorf("the second caller got %+v after the first gave up", r)
	}
	if n := b.calls.Load(); n != 1 {
		t.Errorf("%d depot reads, want the one shared read", n)
	}
}

// pinnedID is the id of depot 1 × method 102 of https://stream.example.com/api, client acme
// (checked against Python's uuid.uuid5 with the package namespace).
const pinnedID = "e355d6d0-a8b0-5655-98a3-8f5b557b9c4c"
