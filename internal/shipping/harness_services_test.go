package shipping_test

import (
	"context"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"linnstream/internal/profile"
	"linnstream/internal/services"
	"linnstream/internal/services/servicestest"
	"linnstream/internal/shipment"
	"linnstream/internal/shipping"
	"linnstream/internal/stream"
	"linnstream/internal/streamsandbox"
	"linnstream/internal/wizard"
)

// Sender of the profiles of the services and manifest tests.
const (
	sbClientID = "sandbox"
	sbSecret   = "sandbox-secret"
	senderName = "Ann Smith"
	senderCo   = "Shop Ltd"
	senderCity = "Leeds"
	senderPost = "LS1 4AP"
)

// settableClock is the clock of the handlers and the catalogue.
type settableClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settableClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *settableClock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

func (c *settableClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// svcHarness runs the handlers with a real Stream sandbox behind the
// services catalogue and an in-memory shipment store behind manifests.
type svcHarness struct {
	*harness
	streamSrv *httptest.Server
	streamURL string
	clock     *settableClock
	depots    *servicestest.Source
	ships     *shipment.MemStore
}

type svcSetup struct {
	noServices  bool
	noManifests bool
	// manifests, when set, wraps the shipment store the handlers use.
	manifests func(*shipment.MemStore) shipping.ManifestStore
}

func newSvcHarness(t *testing.T, s svcSetup) *svcHarness {
	t.Helper()
	srv := httptest.NewServer(streamsandbox.New(streamsandbox.Options{}))
	t.Cleanup(srv.Close)
	clk := &settableClock{t: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)} // a Monday
	src := servicestest.New(stream.NewPool(stream.WithBackoff(time.Millisecond, 5*time.Millisecond)))
	ships := shipment.NewMemStore(clk.Now)
	mem := profile.NewMemStore()
	cs := &countingStore{Store: mem}
	w, err := wizard.New(wizard.Options{Stream: &fakeStream{}, PublicBaseURL: publicBase})
	if err != nil {
		t.Fatal(err)
	}
	hs := &harness{t: t, mem: mem, store: cs, logs: &lockedBuffer{}}
	cfg := shipping.Config{
		Store:  cs,
		Wizard: w,
		Logger: slog.New(slog.NewJSONHandler(hs.logs, nil)),
		Now:    clk.Now,
	}
	if !s.noServices {
		cfg.Services = services.NewCatalogue(src.Source, services.WithClock(clk.Now))
	}
	if !s.noManifests {
		cfg.Manifests, cfg.Shipments = ships, ships
		if s.manifests != nil {
			cfg.Manifests = s.manifests(ships)
		}
	}
	h, err := shipping.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs.h, hs.mux = h, h.Mux()
	return &svcHarness{harness: hs, streamSrv: srv, streamURL: srv.URL + "/api", clock: clk, depots: src, ships: ships}
}

// newProfile stores a configured profile using the sandbox account with the
// given secret and returns its token.
func (s *svcHarness) newProfile(token, secret string) string {
	s.t.Helper()
	now := s.clock.Now()
	p := &profile.Profile{
		ID:     profile.ID(token),
		Email:  customerMail,
		Stage:  wizard.StageConfig,
		Active: true,
		Settings: map[string]string{
			wizard.ItemStreamAPIURL:      s.streamURL,
			wizard.ItemStreamClientID:    sbClientID,
			wizard.ItemSenderContactName: senderName,
			wizard.ItemSenderCompany:     senderCo,
			wizard.ItemSenderAddress1:    senderStreet,
			wizard.ItemSenderCity:        senderCity,
			wizard.ItemSenderCountry:     "GB",
			wizard.ItemSenderPostcode:    senderPost,
			wizard.ItemSenderPhone:       senderPhone,
		},
		Secrets:    map[string]string{wizard.ItemStreamClientSecret: secret},
		WebhookKey: token + "-hook",
		CreatedAt:  now,
		UpdatedAt:  now,
	}
	if err := s.mem.Create(context.Background(), p); err != nil {
		s.t.Fatal(err)
	}
	return token
}

// shipped stores a created shipment of the profile, as GenerateLabel leaves
// it: claimed, then updated with Stream's answer.
func (s *svcHarness) shipped(token, orderID string, d shipment.Details) *shipment.Shipment {
	s.t.Helper()
	ctx := context.Background()
	now := s.clock.Now()
	claim := &shipment.Shipment{
		ProfileID: profile.ID(token), OrderID: orderID, Details: d,
		StreamOrderNo: "LW" + orderID, State: shipment.StatePending, Origin: shipment.OriginLabel,
		ClaimID: "claim-" + orderID, LeaseUntil: now.Add(time.Minute), CreatedAt: now, UpdatedAt: now,
	}
	rec, how, err := s.ships.Claim(ctx, claim, now)
	if err != nil || how != shipment.ClaimedNew {
		s.t.Fatalf("claim order %s: %v %v", orderID, how, err)
	}
	rec.State = shipment.StateCreated
	rec.ConsignmentNo = "CN" + orderID
	rec.TrackingID = "TRK" + orderID
	rec.ClaimID, rec.LeaseUntil = "", time.Time{}
	if err := s.ships.Update(ctx, rec); err != nil {
		s.t.Fatal(err)
	}
	return rec
}

// cancelled stores a shipment of the profile that was cancelled in Stream.
func (s *svcHarness) cancelled(token, orderID string, d shipment.Details) {
	s.t.Helper()
	rec := s.shipped(token, orderID, d)
	rec.State = shipment.StateCancelled
	if err := s.ships.Update(context.Background(), rec); err != nil {
		s.t.Fatal(err)
	}
}
