// Package shipmenttest is the contract every shipment.Store must meet (Run)
// and the at-most-once protocol of shipment.Creator checked against the
// Stream sandbox on a given store (RunProtocol). Each adapter's tests call
// both with a constructor; the cases use random profile IDs, so a store (or
// a table) may be shared between them.
package shipmenttest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"linnstream/internal/shipment"
)

// NewStore returns a store for one test; now is the clock the store must
// use for event expiry.
type NewStore func(t *testing.T, now func() time.Time) shipment.Store

// Clock is a settable clock for tests.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// T0 is the time contract tests start at.
var T0 = time.Date(2026, 6, 19, 9, 26, 53, 589793238, time.UTC)

// RandHex returns 2n random hex digits.
func RandHex(t testing.TB, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatalf("random: %v", err)
	}
	return hex.EncodeToString(b)
}

// ProfileID returns a random profile ID shaped like a real one (64 hex).
func ProfileID(t testing.TB) string { return RandHex(t, 32) }

// Run runs the store contract against the stores newStore returns.
func Run(t *testing.T, newStore NewStore) {
	t.Helper()
	cases := []struct {
		name string
		fn   func(t *testing.T, s shipment.Store, clk *Clock)
	}{
		{"ClaimNewAndGet", testClaimNewAndGet},
		{"ClaimHeldByLiveLease", testClaimHeld},
		{"ClaimSettledRecords", testClaimSettled},
		{"ClaimFailedReplaces", testClaimFailed},
		{"ClaimExpiredKeepsOrder", testClaimExpired},
		{"ClaimInvalid", testClaimInvalid},
		{"ConcurrentClaims", testConcurrentClaims},
		{"ConcurrentTakeOvers", testConcurrentTakeOvers},
		{"RoundTrip", testRoundTrip},
		{"GetNotFound", testGetNotFound},
		{"UpdateConflict", testUpdateConflict},
		{"UpdateNotFound", testUpdateNotFound},
		{"ConcurrentUpdates", testConcurrentUpdates},
		{"ByStreamOrder", testByStreamOrder},
		{"ProfilesIsolated", testProfilesIsolated},
		{"FileManifest", testFileManifest},
		{"FileManifestAllOrNothing", testFileManifestAllOrNothing},
		{"FileManifestLeavesOutCancelled", testFileManifestLeavesOutCancelled},
		{"FileManifestReferenceTaken", testFileManifestReferenceTaken},
		{"FileManifestLimits", testFileManifestLimits},
		{"FileManifestManyOrders", testFileManifestManyOrders},
		{"ConcurrentManifests", testConcurrentManifests},
		{"MarkEvent", testMarkEvent},
		{"ConcurrentMarkEvent", testConcurrentMarkEvent},
		{"NotAliased", testNotAliased},
		{"ListOpen", testListOpen},
		{"PollCursor", testPollCursor},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			clk := NewClock(T0)
			c.fn(t, newStore(t, clk.Now), clk)
		})
	}
}

// Pending returns a pending claim record of the order with every field
// set, leased for a minute from now.
func Pending(profileID, orderID string, now time.Time) *shipment.Shipment {
	return &shipment.Shipment{
		ProfileID: profileID,
		OrderID:   orderID,
		Details: shipment.Details{
			OrderReference:    "REF-" + orderID,
			ServiceID:         "8f14e45f-ceea-467f-a0e6-3b2f0a1c1b2d",
			ServiceName:       "Stream Next Day",
			Depot:             "Justin Depot",
			DeliveryMethod:    "Delivery",
			ConsigneeName:     "Ada Lovelace",
			ConsigneePostcode: "LS1 1AA",
			Packages: []shipment.Package{
				{SequenceNumber: 1, TrackingNumber: "T1-" + orderID, WeightGrams: 1250.5},
				{SequenceNumber: 2, TrackingNumber: "T2-" + orderID, WeightGrams: 800},
			},
			TotalWeightGrams: 2050.5,
		},
		StreamOrderNo:   "P" + orderID,
		CustomerOrderNo: "REF-" + orderID,
		State:           shipment.StatePending,
		Origin:          shipment.OriginLabel,
		ClaimID:         "claim-" + orderID + "-" + now.Format("150405.000000000"),
		LeaseUntil:      now.Add(time.Minute),
		CreatedAt:       now,
		UpdatedAt:       now,
	}
}

// Diff describes how got differs from want, or returns "" (times compare
// with Equal; nil and empty package lists are the same).
func Diff(want, got *shipment.Shipment) string {
	if want == nil || got == nil {
		if want == got {
			return ""
		}
		return fmt.Sprintf("want %v, got %v", want, got)
	}
	var d []string
	add := func(field string, w, g any) { d = append(d, fmt.Sprintf("%s: want %v, got %v", field, w, g)) }
	str := []struct {
		name string
		w, g string
	}{
		{"ProfileID", want.ProfileID, got.ProfileID},
		{"OrderID", want.OrderID, got.OrderID},
		{"OrderReference", want.OrderReference, got.OrderReference},
		{"ServiceID", want.ServiceID, got.ServiceID},
		{"ServiceName", want.ServiceName, got.ServiceName},
		{"Depot", want.Depot, got.Depot},
		{"DeliveryMethod", want.DeliveryMethod, got.DeliveryMethod},
		{"ConsigneeName", want.ConsigneeName, got.ConsigneeName},
		{"ConsigneePostcode", want.ConsigneePostcode, got.ConsigneePostcode},
		{"StreamOrderNo", want.StreamOrderNo, got.StreamOrderNo},
		{"ConsignmentNo", want.ConsignmentNo, got.ConsignmentNo},
		{"CustomerOrderNo", want.CustomerOrderNo, got.CustomerOrderNo},
		{"TrackingID", want.TrackingID, got.TrackingID},
		{"TrackingURL", want.TrackingURL, got.TrackingURL},
		{"State", string(want.State), string(got.State)},
		{"Origin", string(want.Origin), string(got.Origin)},
		{"Run", want.Run, got.Run},
		{"Day", want.Day, got.Day},
		{"StreamStatus", want.StreamStatus, got.StreamStatus},
		{"ManifestRef", want.ManifestRef, got.ManifestRef},
		{"LastError", want.LastError, got.LastError},
		{"ClaimID", want.ClaimID, got.ClaimID},
		{"Applied.LinnworksOrderID", want.Applied.LinnworksOrderID, got.Applied.LinnworksOrderID},
		{"Applied.TrackingNumber", want.Applied.TrackingNumber, got.Applied.TrackingNumber},
	}
	for _, f := range str {
		if f.w != f.g {
			add(f.name, f.w, f.g)
		}
	}
	if want.Sequence != got.Sequence {
		add("Sequence", want.Sequence, got.Sequence)
	}
	if want.TotalWeightGrams != got.TotalWeightGrams {
		add("TotalWeightGrams", want.TotalWeightGrams, got.TotalWeightGrams)
	}
	if !slices.Equal(want.Packages, got.Packages) {
		add("Packages", want.Packages, got.Packages)
	}
	if !slices.Equal(want.Applied.Identifiers, got.Applied.Identifiers) {
		add("Applied.Identifiers", want.Applied.Identifiers, got.Applied.Identifiers)
	}
	if !slices.Equal(want.Applied.Notes, got.Applied.Notes) {
		add("Applied.Notes", want.Applied.Notes, got.Applied.Notes)
	}
	if !maps.Equal(want.Applied.Properties, got.Applied.Properties) {
		add("Applied.Properties", want.Applied.Properties, got.Applied.Properties)
	}
	times := []struct {
		name string
		w, g time.Time
	}{
		{"LastEventAt", want.LastEventAt, got.LastEventAt},
		{"LeaseUntil", want.LeaseUntil, got.LeaseUntil},
		{"CreatedAt", want.CreatedAt, got.CreatedAt},
		{"UpdatedAt", want.UpdatedAt, got.UpdatedAt},
		{"Applied.ProcessedAt", want.Applied.ProcessedAt, got.Applied.ProcessedAt},
		{"Applied.At", want.Applied.At, got.Applied.At},
	}
	for _, f := range times {
		if !f.w.Equal(f.g) {
			add(f.name, f.w, f.g)
		}
	}
	if want.Version != got.Version {
		add("Version", want.Version, got.Version)
	}
	if len(d) == 0 {
		return ""
	}
	return fmt.Sprint(d)
}

func ctxOf(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// MustClaim claims s at now and fails the test unless the outcome is want.
func MustClaim(t *testing.T, s shipment.Store, rec *shipment.Shipment, now time.Time, want shipment.Claimed) *shipment.Shipment {
	t.Helper()
	got, how, err := s.Claim(ctxOf(t), rec, now)
	if err != nil {
		t.Fatalf("Claim %s: %v", rec.OrderID, err)
	}
	if how != want {
		t.Fatalf("Claim %s: %s, want %s", rec.OrderID, how, want)
	}
	return got
}

// MustGet reads a record and fails the test on error.
func MustGet(t *testing.T, s shipment.Store, profileID, orderID string) *shipment.Shipment {
	t.Helper()
	got, err := s.Get(ctxOf(t), profileID, orderID)
	if err != nil {
		t.Fatalf("Get %s: %v", orderID, err)
	}
	return got
}

// MustUpdate writes a record and fails the test on error.
func MustUpdate(t *testing.T, s shipment.Store, rec *shipment.Shipment) {
	t.Helper()
	if err := s.Update(ctxOf(t), rec); err != nil {
		t.Fatalf("Update %s: %v", rec.OrderID, err)
	}
}

// ManyOrders is how many orders the contract files into one manifest to
// prove a manifest is not bound by one DynamoDB transaction (at most 100
// items, which held 99 orders).
const ManyOrders = 102

// CreatedMany writes n created orders numbered from first, as Created
// does, and returns them in order.
func CreatedMany(t *testing.T, s shipment.Store, profileID string, first, n int, now time.Time) []*shipment.Shipment {
	t.Helper()
	out := make([]*shipment.Shipment, n)
	for i := range n {
		out[i] = Created(t, s, profileID, strconv.Itoa(first+i), now)
	}
	return out
}

// Created claims the order and writes it as created with a consignment,
// as the Creator would after Stream accepted it.
func Created(t *testing.T, s shipment.Store, profileID, orderID string, now time.Time) *shipment.Shipment {
	t.Helper()
	rec := MustClaim(t, s, Pending(profileID, orderID, now), now, shipment.ClaimedNew)
	rec.State = shipment.StateCreated
	rec.ConsignmentNo = "SB-" + orderID
	rec.TrackingID = "TRK" + orderID
	rec.TrackingURL = "https://track.example/" + orderID
	rec.StreamStatus = "UNCONFIRMED"
	rec.ClaimID = ""
	rec.LeaseUntil = time.Time{}
	rec.UpdatedAt = now.Add(time.Second)
	MustUpdate(t, s, rec)
	return rec
}
