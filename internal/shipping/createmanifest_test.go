package shipping_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"linnstream/internal/manifest/pdftext"
	"linnstream/internal/profile"
	"linnstream/internal/shipment"
	"linnstream/internal/shipping"
)

const otherToken = "3e2d1c0b-a998-4877-8665-544332211000"

func details(ref, name, postcode string, weights ...float64) shipment.Details {
	d := shipment.Details{OrderReference: ref, ServiceName: "Courier (Justin Depot)", Depot: "Justin Depot", DeliveryMethod: "Courier",
		ConsigneeName: name, ConsigneePostcode: postcode}
	for i, w := range weights {
		d.Packages = append(d.Packages, shipment.Package{SequenceNumber: i + 1, WeightGrams: w})
		d.TotalWeightGrams += w
	}
	return d
}

func createManifest(token string, ids ...string) map[string]any {
	return map[string]any{"AuthorizationToken": token, "OrderId": ids}
}

func TestCreateManifestFilesOrders(t *testing.T) {
	s := newSvcHarness(t, svcSetup{})
	tok := s.newProfile(svcToken, sbSecret)
	s.shipped(tok, "100001", details("SO-1", "Jane Doe", "LS1 5HD", 1200))
	s.shipped(tok, "100002", details("SO-2", "John Roe", "M1 1AA", 500, 700))
	s.shipped(tok, "100003", details("SO-3", "Ann Poe", "YO1 7HH", 300))

	r := s.post("CreateManifest", createManifest(tok, "100001", " 100002", "100001"))
	if r.isError() {
		t.Fatal(r.message())
	}
	sameKeys(t, "CreateManifest response", r.obj, "ManifestReference", "IsError", "ErrorMessage")
	if r.obj["ManifestReference"] != "STRM-20260302-001" {
		t.Fatalf("ManifestReference = %v", r.obj["ManifestReference"])
	}
	m, err := s.ships.GetManifest(context.Background(), profile.ID(tok), "STRM-20260302-001")
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Orders) != 2 || m.Orders[0].OrderID != "100001" || m.Orders[1].OrderID != "100002" || m.Orders[1].Packages != 2 ||
		m.Orders[1].WeightGrams != 1200 || !m.FiledAt.Equal(s.clock.Now()) {
		t.Errorf("filed manifest = %+v", m)
	}
	for id, want := range map[string]string{"100001": "STRM-20260302-001", "100002": "STRM-20260302-001", "100003": ""} {
		sh, err := s.ships.Get(context.Background(), profile.ID(tok), id)
		if err != nil || sh.ManifestRef != want {
			t.Errorf("order %s manifest %q, want %q (%v)", id, sh.ManifestRef, want, err)
		}
	}

	// The next manifest of the day takes the next sequence; leading zeros
	// name the same order.
	r = s.post("CreateManifest", createManifest(tok, "00100003"))
	if r.isError() || r.obj["ManifestReference"] != "STRM-20260302-002" {
		t.Fatalf("second manifest: %s", r.raw)
	}
	// Another profile numbers its own manifests.
	other := s.newProfile(otherToken, sbSecret)
	s.shipped(other, "100001", details("X-1", "Zed", "B1 1AA", 100))
	if r = s.post("CreateManifest", createManifest(other, "100001")); r.isError() || r.obj["ManifestReference"] != "STRM-20260302-001" {
		t.Fatalf("other profile's manifest: %s", r.raw)
	}
	// A new day starts at 001 again.
	s.clock.Advance(24 * time.Hour)
	s.shipped(tok, "100004", details("SO-4", "Kim Loe", "S1 2BB", 900))
	if r = s.post("CreateManifest", createManifest(tok, "100004")); r.isError() || r.obj["ManifestReference"] != "STRM-20260303-001" {
		t.Fatalf("next day's manifest: %s", r.raw)
	}
}

func TestCreateManifestAllOrNothing(t *testing.T) {
	s := newSvcHarness(t, svcSetup{})
	tok := s.newProfile(svcToken, sbSecret)
	s.shipped(tok, "100001", details("SO-1", "Jane Doe", "LS1 5HD", 1200))
	s.cancelled(tok, "100002", details("SO-2", "John Roe", "M1 1AA", 500))
	s.shipped(tok, "100005", details("SO-5", "Filed Already", "M2 2AA", 100))
	if r := s.post("CreateManifest", createManifest(tok, "100005")); r.isError() {
		t.Fatal(r.raw)
	}
	other := s.newProfile(otherToken, sbSecret)
	s.shipped(other, "100007", details("X-7", "Not Yours", "B1 1AA", 100))

	r := s.post("CreateManifest", createManifest(tok, "100001", "100002", "999999", "100005", "100007"))
	if !r.isError() {
		t.Fatalf("a manifest with bad orders was filed: %s", r.raw)
	}
	msg := r.message()
	for _, want := range []string{"nothing was changed", "order 999999 is unknown", "order 100005 is already in manifest STRM-20260302-001", "order 100007 is unknown"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not say %q", msg, want)
		}
	}
	if strings.Contains(msg, "100001") || strings.Contains(msg, "100002") {
		t.Errorf("message %q names the order that was fine or the cancelled one, which is left out", msg)
	}
	if r.obj["ManifestReference"] != "" && r.obj["ManifestReference"] != nil {
		t.Errorf("error answer carries a reference: %v", r.obj["ManifestReference"])
	}
	sh, err := s.ships.Get(context.Background(), profile.ID(tok), "100001")
	if err != nil || sh.ManifestRef != "" {
		t.Errorf("order 100001 was filed into %q by a failed manifest (%v)", sh.ManifestRef, err)
	}
	if _, err := s.ships.GetManifest(context.Background(), profile.ID(tok), "STRM-20260302-002"); !errors.Is(err, shipment.ErrNotFound) {
		t.Errorf("a failed filing stored a manifest: %v", err)
	}
	// The good order alone files into the next free reference.
	if r := s.post("CreateManifest", createManifest(tok, "100001")); r.isError() || r.obj["ManifestReference"] != "STRM-20260302-002" {
		t.Errorf("after the failure: %s", r.raw)
	}
}

func TestCreateAndPrintManifestOfManyOrders(t *testing.T) {
	// More orders than one DynamoDB transaction holds (the old limit was 99).
	const n = 250
	s := newSvcHarness(t, svcSetup{})
	tok := s.newProfile(svcToken, sbSecret)
	ids := make([]string, n)
	for i := range ids {
		ids[i] = strconv.Itoa(300000 + i)
		s.shipped(tok, ids[i], details("SO-"+ids[i], "Jane Doe", "LS1 5HD", 1000))
	}
	r := s.post("CreateManifest", createManifest(tok, ids...))
	if r.isError() {
		t.Fatal(r.message())
	}
	ref := r.obj["ManifestReference"].(string)
	for _, id := range []string{ids[0], ids[n-1]} {
		if sh, err := s.ships.Get(context.Background(), profile.ID(tok), id); err != nil || sh.ManifestRef != ref {
			t.Fatalf("order %s in manifest %q, want %q (%v)", id, sh.ManifestRef, ref, err)
		}
	}
	r = s.post("PrintManifest", map[string]any{"AuthorizationToken": tok, "ManifestReference": ref})
	if r.isError() {
		t.Fatal(r.message())
	}
	pdf, err := base64.StdEncoding.DecodeString(r.obj["PDFbase64"].(string))
	if err != nil {
		t.Fatal(err)
	}
	pages, err := pdftext.Read(pdf)
	if err != nil {
		t.Fatalf("read the PDF's text: %v", err)
	}
	text := pages.All()
	for _, id := range ids {
		if !slices.Contains(text, id) {
			t.Fatalf("the PDF has no row for order %s", id)
		}
	}
	if !slices.Contains(text, "250.00 kg") || !slices.Contains(text, strconv.Itoa(n)) {
		t.Errorf("the PDF's totals do not show %d consignments of 250.00 kg", n)
	}
}

func TestCreateManifestBadInput(t *testing.T) {
	s := newSvcHarness(t, svcSetup{})
	tok := s.newProfile(svcToken, sbSecret)
	many := make([]string, shipment.MaxManifestOrders+1)
	for i := range many {
		many[i] = strconv.Itoa(200000 + i)
	}
	tests := []struct {
		name string
		body any
		want string
	}{
		{"no token", `{"OrderId":["1"]}`, "AuthorizationToken is required"},
		{"unknown token", createManifest("9f9f9f9f-0000-4000-8000-000000000000", "1"), "Authorization failed for token"},
		{"no orders field", map[string]any{"AuthorizationToken": tok}, "OrderId must list at least one order"},
		{"empty list", createManifest(tok), "OrderId must list at least one order"},
		{"empty id", createManifest(tok, "100001", " "), "OrderId[1] is empty"},
		{"not digits", createManifest(tok, "SO-1"), `OrderId[0] must be a Linnworks order number (digits), not "SO-1"`},
		{"zero", createManifest(tok, "0"), `OrderId[0] must be a Linnworks order number (digits), not "0"`},
		{"objects, not strings", `{"AuthorizationToken":"` + tok + `","OrderId":[{"Id":100001}]}`, "OrderId[0] must be a string"},
		{"not an array", `{"AuthorizationToken":"` + tok + `","OrderId":"100001"}`, "OrderId must be an array"},
		{"too many", createManifest(tok, many...), fmt.Sprintf("OrderId lists %d orders; a manifest holds at most %d", len(many), shipment.MaxManifestOrders)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := s.post("CreateManifest", tt.body)
			if !r.isError() || !strings.Contains(r.message(), tt.want) {
				t.Fatalf("got %.300s, want an error containing %q", r.raw, tt.want)
			}
		})
	}
}

// racingStore loses the race for the first reference it files: another
// request takes it between the lookup and the filing.
type racingStore struct {
	*shipment.MemStore
	lost atomic.Bool
}

func (r *racingStore) FileManifest(ctx context.Context, req shipment.ManifestRequest) (*shipment.Manifest, error) {
	if r.lost.CompareAndSwap(false, true) {
		return nil, shipment.ErrManifestExists
	}
	return r.MemStore.FileManifest(ctx, req)
}

func TestCreateManifestRetriesATakenReference(t *testing.T) {
	s := newSvcHarness(t, svcSetup{manifests: func(m *shipment.MemStore) shipping.ManifestStore { return &racingStore{MemStore: m} }})
	tok := s.newProfile(svcToken, sbSecret)
	s.shipped(tok, "100001", details("SO-1", "Jane Doe", "LS1 5HD", 1200))
	r := s.post("CreateManifest", createManifest(tok, "100001"))
	if r.isError() || r.obj["ManifestReference"] != "STRM-20260302-002" {
		t.Fatalf("after losing STRM-20260302-001: %s", r.raw)
	}
}

// conflictingStore gives up its first filings to a change of their orders,
// as the DynamoDB store does when an order is cancelled while it files.
type conflictingStore struct {
	*shipment.MemStore
	conflicts atomic.Int32
	tried     []string
}

func (c *conflictingStore) FileManifest(ctx context.Context, req shipment.ManifestRequest) (*shipment.Manifest, error) {
	c.tried = append(c.tried, req.Reference)
	if c.conflicts.Add(-1) >= 0 {
		return nil, fmt.Errorf("file manifest %s: %w", req.Reference, shipment.ErrConflict)
	}
	return c.MemStore.FileManifest(ctx, req)
}

func TestCreateManifestFilesAgainAfterAConflict(t *testing.T) {
	for _, tc := range []struct {
		conflicts int32
		want      string // the reference, or the error
		tried     int
	}{
		{1, "STRM-20260302-002", 2},
		{3, "STRM-20260302-004", 4},
		{4, "the listed orders kept changing while the manifest was filed; try again", 4},
	} {
		store := &conflictingStore{}
		s := newSvcHarness(t, svcSetup{manifests: func(m *shipment.MemStore) shipping.ManifestStore {
			store.MemStore = m
			store.conflicts.Store(tc.conflicts)
			return store
		}})
		tok := s.newProfile(svcToken, sbSecret)
		s.shipped(tok, "100001", details("SO-1", "Jane Doe", "LS1 5HD", 1200))
		r := s.post("CreateManifest", createManifest(tok, "100001"))
		if got := r.message(); r.obj["ManifestReference"] != tc.want && got != tc.want {
			t.Errorf("%d conflicts: %s, want %q", tc.conflicts, r.raw, tc.want)
		}
		if len(store.tried) != tc.tried {
			t.Errorf("%d conflicts: filed %d times (%v), want %d", tc.conflicts, len(store.tried), store.tried, tc.tried)
		}
	}
}

// brokenManifestStore cannot be reached.
type brokenManifestStore struct{ *shipment.MemStore }

func (brokenManifestStore) GetManifest(context.Context, string, string) (*shipment.Manifest, error) {
	return nil, errors.New("dynamodb: connection refused")
}

func (brokenManifestStore) FileManifest(context.Context, shipment.ManifestRequest) (*shipment.Manifest, error) {
	return nil, errors.New("dynamodb: connection refused")
}

func TestManifestStoreFailures(t *testing.T) {
	s := newSvcHarness(t, svcSetup{manifests: func(m *shipment.MemStore) shipping.ManifestStore { return brokenManifestStore{m} }})
	tok := s.newProfile(svcToken, sbSecret)
	for _, call := range []struct {
		ep   string
		body any
	}{{"CreateManifest", createManifest(tok, "100001")}, {"PrintManifest", map[string]any{"AuthorizationToken": tok, "ManifestReference": "STRM-20260302-001"}}} {
		r := s.post(call.ep, call.body)
		if !r.isError() || !strings.HasPrefix(r.message(), "internal error; please try again (request id ") || strings.Contains(r.message(), "dynamodb") {
			t.Errorf("%s with a failing store: %s", call.ep, r.raw)
		}
	}
	if !strings.Contains(s.logs.String(), "dynamodb: connection refused") {
		t.Error("the store's error was not logged")
	}

	ns := newSvcHarness(t, svcSetup{noManifests: true})
	tok = ns.newProfile(svcToken, sbSecret)
	for _, ep := range []string{"CreateManifest", "PrintManifest"} {
		r := ns.post(ep, map[string]any{"AuthorizationToken": tok, "OrderId": []string{"1"}, "ManifestReference": "X"})
		if !r.isError() || r.message() != "manifests are not configured on this server" {
			t.Errorf("%s without a store: %s", ep, r.raw)
		}
	}
}
