package embedded_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"linnstream/internal/embedded"
	"linnstream/internal/shipment"
	"linnstream/internal/shipment/shipmenttest"
)

func newShipments(t *testing.T, now func() time.Time) shipment.Store {
	return embedded.NewShipments(openDB(t, t.TempDir()), now)
}

func TestShipmentsContract(t *testing.T) { shipmenttest.Run(t, newShipments) }

func TestShipmentsProtocol(t *testing.T) { shipmenttest.RunProtocol(t, newShipments) }

func TestShipmentsSurviveReopen(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clk := shipmenttest.NewClock(shipmenttest.T0)
	db, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	st := embedded.NewShipments(db, clk.Now)
	p := shipmenttest.ProfileID(t)
	rec := shipmenttest.Created(t, st, p, "100001", clk.Now())
	m, err := st.FileManifest(ctx, shipment.ManifestRequest{ProfileID: p, Reference: "STRM-20260619-001", OrderIDs: []string{"100001"}, FiledAt: clk.Now()})
	if err != nil {
		t.Fatal(err)
	}
	if first, err := st.MarkEvent(ctx, p, "evt", time.Hour); err != nil || !first {
		t.Fatalf("MarkEvent: %v %v", first, err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	again := embedded.NewShipments(openDB(t, dir), clk.Now)
	rec.ManifestRef = m.Reference
	rec.Version++
	rec.UpdatedAt = m.FiledAt
	got, err := again.ByStreamOrder(ctx, p, rec.StreamOrderNo)
	if err != nil {
		t.Fatalf("ByStreamOrder after reopen: %v", err)
	}
	if d := shipmenttest.Diff(rec, got); d != "" {
		t.Fatalf("after reopen: %s", d)
	}
	gm, err := again.GetManifest(ctx, p, m.Reference)
	if err != nil || len(gm.Orders) != 1 || gm.Orders[0] != m.Orders[0] || !gm.FiledAt.Equal(m.FiledAt) {
		t.Fatalf("manifest after reopen: %+v %v", gm, err)
	}
	if first, err := again.MarkEvent(ctx, p, "evt", time.Hour); err != nil || first {
		t.Fatalf("MarkEvent after reopen: first=%v %v, want the mark kept", first, err)
	}
}

// A file written before the open shipments index existed gets the index
// built when it is opened: its open shipments are listed, closed ones not.
func TestOpenIndexBuiltForOlderFiles(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	clk := shipmenttest.NewClock(shipmenttest.T0)
	db, err := embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	st := embedded.NewShipments(db, clk.Now)
	p := shipmenttest.ProfileID(t)
	shipmenttest.Created(t, st, p, "100001", clk.Now())
	done := shipmenttest.Created(t, st, p, "100002", clk.Now())
	done.StreamStatus = "DELIVERED"
	shipmenttest.MustUpdate(t, st, done)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// As an older version left it: no index.
	raw, err := bolt.Open(filepath.Join(dir, embedded.FileName), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := raw.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("shipments.open")) }); err != nil {
		t.Fatal(err)
	}
	raw.Close()

	db, err = embedded.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	page, err := embedded.NewShipments(db, clk.Now).ListOpen(ctx, p, clk.Now().Add(-time.Hour), "", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Shipments) != 1 || page.Shipments[0].OrderID != "100001" {
		t.Fatalf("open shipments after reopening: %d, want order 100001 alone", len(page.Shipments))
	}
}
