package shipmenttest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"linnstream/internal/shipment"
)

func testClaimNewAndGet(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	rec := Pending(p, "100001", clk.Now())
	got := MustClaim(t, s, rec, clk.Now(), shipment.ClaimedNew)
	want := shipment.Clone(rec)
	want.Version = 1
	if d := Diff(want, got); d != "" {
		t.Fatalf("Claim returned: %s", d)
	}
	if d := Diff(want, MustGet(t, s, p, "100001")); d != "" {
		t.Fatalf("Get after Claim: %s", d)
	}
}

func testClaimHeld(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	first := MustClaim(t, s, Pending(p, "100002", clk.Now()), clk.Now(), shipment.ClaimedNew)
	clk.Advance(59 * time.Second) // the lease runs a minute
	other := Pending(p, "100002", clk.Now())
	other.ClaimID = "someone-else"
	other.StreamOrderNo = "OTHER-100002"
	got := MustClaim(t, s, other, clk.Now(), shipment.NotClaimed)
	if d := Diff(first, got); d != "" {
		t.Fatalf("NotClaimed returned a record unlike the stored one: %s", d)
	}
	if d := Diff(first, MustGet(t, s, p, "100002")); d != "" {
		t.Fatalf("a refused claim changed the record: %s", d)
	}
}

func testClaimSettled(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	created := Created(t, s, p, "100003", clk.Now())
	clk.Advance(time.Hour)
	again := Pending(p, "100003", clk.Now())
	again.ClaimID = "late"
	if got := MustClaim(t, s, again, clk.Now(), shipment.NotClaimed); got.State != shipment.StateCreated || got.ConsignmentNo != created.ConsignmentNo {
		t.Fatalf("claim of a created order returned state %s consignment %q", got.State, got.ConsignmentNo)
	}
	created.State = shipment.StateCancelled
	MustUpdate(t, s, created)
	again.LeaseUntil = clk.Now().Add(time.Minute)
	if got := MustClaim(t, s, again, clk.Now(), shipment.NotClaimed); got.State != shipment.StateCancelled {
		t.Fatalf("claim of a cancelled order returned state %s", got.State)
	}
	if got := MustGet(t, s, p, "100003"); got.State != shipment.StateCancelled || got.ClaimID != "" || got.Version != created.Version {
		t.Fatalf("claims changed a cancelled record: state %s claim %q version %d", got.State, got.ClaimID, got.Version)
	}
}

func testClaimFailed(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	t0 := clk.Now()
	rec := MustClaim(t, s, Pending(p, "100004", t0), t0, shipment.ClaimedNew)
	rec.State = shipment.StateFailed
	rec.LastError = "REQUIRED: delivery.address1 is required\nINVALID: postcode"
	rec.ClaimID = ""
	rec.LeaseUntil = time.Time{}
	MustUpdate(t, s, rec)

	clk.Advance(10 * time.Minute)
	retry := Pending(p, "100004", clk.Now())
	retry.StreamOrderNo = "Q100004"
	retry.ConsigneePostcode = "LS2 2BB"
	retry.Origin = shipment.OriginSync
	got := MustClaim(t, s, retry, clk.Now(), shipment.ClaimedFailed)
	want := shipment.Clone(retry)
	want.CreatedAt = t0
	want.Version = 3
	if d := Diff(want, got); d != "" {
		t.Fatalf("claim over a failed record returned: %s", d)
	}
	if d := Diff(want, MustGet(t, s, p, "100004")); d != "" {
		t.Fatalf("stored after claim over a failed record: %s", d)
	}
}

func testClaimExpired(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	first := MustClaim(t, s, Pending(p, "100005", clk.Now()), clk.Now(), shipment.ClaimedNew)
	clk.Advance(time.Minute) // the lease ends exactly now
	taker := Pending(p, "100005", clk.Now())
	taker.ClaimID = "taker"
	taker.StreamOrderNo = "NEWNUMBER"
	taker.ConsigneeName = "Someone Else"
	got := MustClaim(t, s, taker, clk.Now(), shipment.ClaimedExpired)
	want := shipment.Clone(first)
	want.ClaimID = "taker"
	want.LeaseUntil = taker.LeaseUntil
	want.UpdatedAt = taker.UpdatedAt
	want.Version = 2
	if d := Diff(want, got); d != "" {
		t.Fatalf("take-over returned (the stored order number and details must be kept): %s", d)
	}
	if d := Diff(want, MustGet(t, s, p, "100005")); d != "" {
		t.Fatalf("stored after take-over: %s", d)
	}
	// The first holder's lease is gone; its claim cannot come back.
	late := Pending(p, "100005", clk.Now())
	late.ClaimID = first.ClaimID
	if got := MustClaim(t, s, late, clk.Now(), shipment.NotClaimed); got.ClaimID != "taker" {
		t.Fatalf("record held by %q after the old holder claimed again, want taker", got.ClaimID)
	}
}

func testClaimInvalid(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	now := clk.Now()
	cases := map[string]func(r *shipment.Shipment){
		"no profile":      func(r *shipment.Shipment) { r.ProfileID = "" },
		"no order":        func(r *shipment.Shipment) { r.OrderID = "" },
		"no order number": func(r *shipment.Shipment) { r.StreamOrderNo = "" },
		"not pending":     func(r *shipment.Shipment) { r.State = shipment.StateCreated },
		"no claim ID":     func(r *shipment.Shipment) { r.ClaimID = "" },
		"lease over":      func(r *shipment.Shipment) { r.LeaseUntil = now },
	}
	for name, breakIt := range cases {
		rec := Pending(p, "100006", now)
		breakIt(rec)
		if _, _, err := s.Claim(ctxOf(t), rec, now); err == nil {
			t.Errorf("Claim with %s succeeded", name)
		}
	}
	if _, err := s.Get(ctxOf(t), p, "100006"); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("invalid claims stored a record: Get returned %v", err)
	}
}

// race runs fn n times at once and returns the results.
func race[T any](n int, fn func(i int) T) []T {
	out := make([]T, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			out[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return out
}

type claimResult struct {
	rec *shipment.Shipment
	how shipment.Claimed
	err error
}

func testConcurrentClaims(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	now := clk.Now()
	res := race(12, func(i int) claimResult {
		rec := Pending(p, "100007", now)
		rec.ClaimID = fmt.Sprintf("claim-%d", i)
		got, how, err := s.Claim(ctxOf(t), rec, now)
		return claimResult{got, how, err}
	})
	winner := ""
	for i, r := range res {
		if r.err != nil {
			t.Fatalf("claim %d: %v", i, r.err)
		}
		if r.how == shipment.ClaimedNew {
			if winner != "" {
				t.Fatalf("claims %s and claim-%d both won", winner, i)
			}
			winner = fmt.Sprintf("claim-%d", i)
		} else if r.how != shipment.NotClaimed {
			t.Fatalf("claim %d: %s", i, r.how)
		}
	}
	if winner == "" {
		t.Fatal("no claim won")
	}
	for i, r := range res {
		if r.rec.ClaimID != winner {
			t.Fatalf("claim %d sees holder %q, want %q", i, r.rec.ClaimID, winner)
		}
	}
	if got := MustGet(t, s, p, "100007"); got.ClaimID != winner || got.Version != 1 {
		t.Fatalf("stored holder %q version %d, want %q 1", got.ClaimID, got.Version, winner)
	}
}

func testConcurrentTakeOvers(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	for _, start := range []shipment.State{shipment.StatePending, shipment.StateFailed} {
		orderID := "100008-" + string(start)
		rec := MustClaim(t, s, Pending(p, orderID, clk.Now()), clk.Now(), shipment.ClaimedNew)
		if start == shipment.StateFailed {
			rec.State = shipment.StateFailed
			rec.ClaimID = ""
			MustUpdate(t, s, rec)
		}
		clk.Advance(2 * time.Minute)
		now := clk.Now()
		res := race(10, func(i int) claimResult {
			r := Pending(p, orderID, now)
			r.ClaimID = fmt.Sprintf("taker-%d", i)
			got, how, err := s.Claim(ctxOf(t), r, now)
			return claimResult{got, how, err}
		})
		won := 0
		var holder string
		for i, r := range res {
			if r.err != nil {
				t.Fatalf("%s: take-over %d: %v", start, i, r.err)
			}
			if r.how != shipment.NotClaimed {
				won++
				holder = r.rec.ClaimID
			}
		}
		if won != 1 {
			t.Fatalf("%s: %d take-overs succeeded, want 1", start, won)
		}
		if got := MustGet(t, s, p, orderID); got.ClaimID != holder || got.State != shipment.StatePending {
			t.Fatalf("%s: stored holder %q state %s, want %q pending", start, got.ClaimID, got.State, holder)
		}
	}
}

func testRoundTrip(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	rec := MustClaim(t, s, Pending(p, "100009", clk.Now()), clk.Now(), shipment.ClaimedNew)
	rec.State = shipment.StateCreated
	rec.ConsignmentNo = "SB00000042"
	rec.CustomerOrderNo = "Ünïcödé \"quoted\" ref"
	rec.TrackingID = "ABCDEFGHIJ"
	rec.TrackingURL = "https://track.example/ABCDEFGHIJ?x=1&y=2"
	rec.Run = "RUN 01"
	rec.Day = "Tuesday"
	rec.Sequence = 7
	rec.StreamStatus = "PLANNED"
	rec.LastEventAt = T0.Add(90*time.Minute + 123456789)
	rec.LastError = "line one\nline two"
	rec.Applied = shipment.Applied{
		LinnworksOrderID: "6f1c2b9e-4d5a-4e6f-8a7b-9c0d1e2f3a4b",
		TrackingNumber:   "ABCDEFGHIJ",
		Identifiers:      []string{"STREAM_DAY_MONDAY", "STREAM_RUN_03", "STREAM_SENT"},
		Notes:            []string{"run:north loop", "refused:9f86d081"},
		Properties:       map[string]string{"stream_Driver": "Sam O'Neil", "stream_Run": "RUN 03"},
		ProcessedAt:      T0.Add(3*time.Hour + 987654321),
		At:               T0.Add(3*time.Hour + 987654322),
	}
	rec.ClaimID = ""
	rec.LeaseUntil = time.Time{}
	rec.UpdatedAt = T0.Add(time.Hour)
	want := shipment.Clone(rec)
	MustUpdate(t, s, rec)
	if rec.Version != 2 {
		t.Fatalf("Update set version %d, want 2", rec.Version)
	}
	want.Version = 2
	if d := Diff(want, MustGet(t, s, p, "100009")); d != "" {
		t.Fatalf("after Update: %s", d)
	}
	rec.Packages = nil
	rec.Details.TotalWeightGrams = 0
	rec.Applied = shipment.Applied{}
	MustUpdate(t, s, rec)
	if got := MustGet(t, s, p, "100009"); len(got.Packages) != 0 || got.TotalWeightGrams != 0 || got.Version != 3 {
		t.Fatalf("cleared packages came back: %v weight %v version %d", got.Packages, got.TotalWeightGrams, got.Version)
	} else if d := Diff(&shipment.Shipment{ProfileID: p, OrderID: "100009", Applied: got.Applied}, &shipment.Shipment{ProfileID: p, OrderID: "100009"}); d != "" {
		t.Fatalf("cleared write-back record came back: %s", d)
	}
}

func testGetNotFound(t *testing.T, s shipment.Store, _ *Clock) {
	if _, err := s.Get(ctxOf(t), ProfileID(t), "999999"); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("Get unknown: %v, want ErrNotFound", err)
	}
}

func testUpdateConflict(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	rec := Created(t, s, p, "100010", clk.Now())
	stale := MustGet(t, s, p, "100010")
	rec.Run = "RUN 02"
	MustUpdate(t, s, rec)
	stale.Run = "RUN 03"
	if err := s.Update(ctxOf(t), stale); !errors.Is(err, shipment.ErrConflict) {
		t.Fatalf("stale Update: %v, want ErrConflict", err)
	}
	if stale.Version != 2 {
		t.Fatalf("failed Update changed the version to %d", stale.Version)
	}
	if got := MustGet(t, s, p, "100010"); got.Run != "RUN 02" || got.Version != 3 {
		t.Fatalf("after conflict: run %q version %d, want RUN 02 3", got.Run, got.Version)
	}
}

func testUpdateNotFound(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	rec := Pending(p, "100011", clk.Now())
	rec.Version = 1
	if err := s.Update(ctxOf(t), rec); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("Update of a missing record: %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctxOf(t), p, "100011"); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("Update created a record: Get returned %v", err)
	}
	bad := Created(t, s, p, "100012", clk.Now())
	bad.State = "shipped"
	if err := s.Update(ctxOf(t), bad); err == nil {
		t.Fatal("Update with an unknown state succeeded")
	}
}

func testConcurrentUpdates(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	Created(t, s, p, "100013", clk.Now())
	copies := make([]*shipment.Shipment, 8)
	for i := range copies {
		copies[i] = MustGet(t, s, p, "100013")
		copies[i].Run = fmt.Sprintf("RUN %02d", i)
	}
	errs := race(len(copies), func(i int) error { return s.Update(ctxOf(t), copies[i]) })
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			if winner >= 0 {
				t.Fatalf("writers %d and %d both won", winner, i)
			}
			winner = i
		case !errors.Is(err, shipment.ErrConflict):
			t.Fatalf("writer %d: %v", i, err)
		}
	}
	if winner < 0 {
		t.Fatal("no writer won")
	}
	if got := MustGet(t, s, p, "100013"); got.Run != fmt.Sprintf("RUN %02d", winner) || got.Version != 3 {
		t.Fatalf("stored run %q version %d", got.Run, got.Version)
	}
}

func testByStreamOrder(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	a := Created(t, s, p, "100014", clk.Now())
	Created(t, s, p, "100015", clk.Now())
	got, err := s.ByStreamOrder(ctxOf(t), p, a.StreamOrderNo)
	if err != nil {
		t.Fatalf("ByStreamOrder: %v", err)
	}
	if d := Diff(a, got); d != "" {
		t.Fatalf("ByStreamOrder: %s", d)
	}
	for _, no := range []string{"NOSUCH", ""} {
		if _, err := s.ByStreamOrder(ctxOf(t), p, no); !errors.Is(err, shipment.ErrNotFound) {
			t.Fatalf("ByStreamOrder(%q): %v, want ErrNotFound", no, err)
		}
	}
	// A failed attempt re-claimed under a new number moves the lookup.
	f := MustClaim(t, s, Pending(p, "100016", clk.Now()), clk.Now(), shipment.ClaimedNew)
	f.State = shipment.StateFailed
	f.ClaimID = ""
	MustUpdate(t, s, f)
	retry := Pending(p, "100016", clk.Now())
	retry.StreamOrderNo = "R100016"
	MustClaim(t, s, retry, clk.Now(), shipment.ClaimedFailed)
	if _, err := s.ByStreamOrder(ctxOf(t), p, f.StreamOrderNo); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("ByStreamOrder of the abandoned number: %v, want ErrNotFound", err)
	}
	if got, err := s.ByStreamOrder(ctxOf(t), p, "R100016"); err != nil || got.OrderID != "100016" {
		t.Fatalf("ByStreamOrder of the new number: %v %v", got, err)
	}
}

func testProfilesIsolated(t *testing.T, s shipment.Store, clk *Clock) {
	a, b := ProfileID(t), ProfileID(t)
	now := clk.Now()
	ra := Pending(a, "200001", now)
	rb := Pending(b, "200001", now)
	rb.ConsigneeName = "Grace Hopper"
	MustClaim(t, s, ra, now, shipment.ClaimedNew)
	MustClaim(t, s, rb, now, shipment.ClaimedNew) // same order ID, other profile
	if got := MustGet(t, s, a, "200001"); got.ConsigneeName != "Ada Lovelace" || got.ProfileID != a {
		t.Fatalf("profile A reads %q of profile %s", got.ConsigneeName, shipment.ShortID(got.ProfileID))
	}
	if got := MustGet(t, s, b, "200001"); got.ConsigneeName != "Grace Hopper" || got.ProfileID != b {
		t.Fatalf("profile B reads %q of profile %s", got.ConsigneeName, shipment.ShortID(got.ProfileID))
	}
	if got, err := s.ByStreamOrder(ctxOf(t), b, ra.StreamOrderNo); err != nil || got.ProfileID != b {
		t.Fatalf("ByStreamOrder in profile B: %v %v", got, err)
	}
	c := ProfileID(t)
	if _, err := s.ByStreamOrder(ctxOf(t), c, ra.StreamOrderNo); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("ByStreamOrder in a third profile: %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctxOf(t), c, "200001"); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("Get in a third profile: %v, want ErrNotFound", err)
	}
	Created(t, s, a, "200002", now)
	Created(t, s, b, "200002", now)
	for _, p := range []string{a, b} {
		if _, err := s.FileManifest(ctxOf(t), shipment.ManifestRequest{ProfileID: p, Reference: "STRM-20260619-001", OrderIDs: []string{"200002"}, FiledAt: now}); err != nil {
			t.Fatalf("manifest of profile %s: %v", shipment.ShortID(p), err)
		}
	}
	if _, err := s.FileManifest(ctxOf(t), shipment.ManifestRequest{ProfileID: c, Reference: "STRM-20260619-002", OrderIDs: []string{"200002"}, FiledAt: now}); !isManifestError(err, "200002") {
		t.Fatalf("a third profile filed another profile's order: %v", err)
	}
	for _, p := range []string{a, b} {
		if first, err := s.MarkEvent(ctxOf(t), p, "evt-1", time.Hour); err != nil || !first {
			t.Fatalf("MarkEvent in profile %s: first=%v err=%v", shipment.ShortID(p), first, err)
		}
	}
}

func isManifestError(err error, orderIDs ...string) bool {
	var me *shipment.ManifestError
	if !errors.As(err, &me) || len(me.Problems) != len(orderIDs) {
		return false
	}
	for i, id := range orderIDs {
		if me.Problems[i].OrderID != id || !strings.Contains(err.Error(), "order "+id+" ") {
			return false
		}
	}
	return true
}

func testFileManifest(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	now := clk.Now()
	var recs []*shipment.Shipment
	for _, id := range []string{"300001", "300002", "300003"} {
		recs = append(recs, Created(t, s, p, id, now))
	}
	filedAt := now.Add(8 * time.Hour)
	req := shipment.ManifestRequest{ProfileID: p, Reference: "STRM-20260619-001",
		OrderIDs: []string{"300002", " 300001 ", "300003", "300002"}, FiledAt: filedAt}
	m, err := s.FileManifest(ctxOf(t), req)
	if err != nil {
		t.Fatalf("FileManifest: %v", err)
	}
	if m.Reference != req.Reference || m.ProfileID != p || !m.FiledAt.Equal(filedAt) {
		t.Fatalf("manifest %s of %s at %s", m.Reference, shipment.ShortID(m.ProfileID), m.FiledAt)
	}
	wantOrder := []string{"300002", "300001", "300003"}
	if len(m.Orders) != 3 {
		t.Fatalf("manifest has %d orders, want 3 (repeats count once)", len(m.Orders))
	}
	byID := map[string]*shipment.Shipment{}
	for _, r := range recs {
		byID[r.OrderID] = r
	}
	for i, o := range m.Orders {
		r := byID[wantOrder[i]]
		want := shipment.ManifestOrder{OrderID: r.OrderID, OrderReference: r.OrderReference, StreamOrderNo: r.StreamOrderNo,
			ConsignmentNo: r.ConsignmentNo, TrackingID: r.TrackingID, ServiceName: r.ServiceName,
			ConsigneeName: r.ConsigneeName, ConsigneePostcode: r.ConsigneePostcode, Packages: 2, WeightGrams: 2050.5}
		if o != want {
			t.Fatalf("manifest order %d: %+v, want %+v", i, o, want)
		}
	}
	got, err := s.GetManifest(ctxOf(t), p, req.Reference)
	if err != nil {
		t.Fatalf("GetManifest: %v", err)
	}
	if got.Reference != m.Reference || !got.FiledAt.Equal(filedAt) || len(got.Orders) != 3 || got.Orders[0] != m.Orders[0] || got.Orders[2] != m.Orders[2] {
		t.Fatalf("GetManifest returned %+v, want %+v", got, m)
	}
	for _, r := range recs {
		after := MustGet(t, s, p, r.OrderID)
		if after.ManifestRef != req.Reference || after.Version != r.Version+1 || !after.UpdatedAt.Equal(filedAt) {
			t.Fatalf("order %s after filing: manifest %q version %d (was %d)", r.OrderID, after.ManifestRef, after.Version, r.Version)
		}
	}
	if _, err := s.GetManifest(ctxOf(t), p, "STRM-20260619-009"); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("GetManifest unknown: %v, want ErrNotFound", err)
	}
}

func testFileManifestAllOrNothing(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	now := clk.Now()
	Created(t, s, p, "400001", now)
	cancelled := Created(t, s, p, "400002", now)
	cancelled.State = shipment.StateCancelled
	MustUpdate(t, s, cancelled)
	MustClaim(t, s, Pending(p, "400003", now), now, shipment.ClaimedNew)
	failed := MustClaim(t, s, Pending(p, "400004", now), now, shipment.ClaimedNew)
	failed.State = shipment.StateFailed
	failed.ClaimID = ""
	MustUpdate(t, s, failed)
	Created(t, s, p, "400005", now)
	if _, err := s.FileManifest(ctxOf(t), shipment.ManifestRequest{ProfileID: p, Reference: "STRM-20260618-001", OrderIDs: []string{"400005"}, FiledAt: now}); err != nil {
		t.Fatalf("first manifest: %v", err)
	}

	before := map[string]*shipment.Shipment{}
	for _, id := range []string{"400001", "400002", "400003", "400004", "400005"} {
		before[id] = MustGet(t, s, p, id)
	}
	_, err := s.FileManifest(ctxOf(t), shipment.ManifestRequest{ProfileID: p, Reference: "STRM-20260619-001",
		OrderIDs: []string{"400001", "400002", "400099", "400003", "400004", "400005"}, FiledAt: now})
	if !isManifestError(err, "400099", "400003", "400004", "400005") {
		t.Fatalf("FileManifest with bad orders: %v; want a ManifestError naming 400099 400003 400004 400005 in order", err)
	}
	for _, want := range []string{"400099 is unknown", "400003 has no label yet", "400004 has no label", "400005 is already in manifest STRM-20260618-001"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "order 400001") || strings.Contains(err.Error(), "order 400002") {
		t.Errorf("error names the good order 400001 or the cancelled 400002, which is left out: %v", err)
	}
	for id, b := range before {
		if d := Diff(b, MustGet(t, s, p, id)); d != "" {
			t.Fatalf("refused manifest changed order %s: %s", id, d)
		}
	}
	if _, err := s.GetManifest(ctxOf(t), p, "STRM-20260619-001"); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("refused manifest was stored: %v", err)
	}
}

// testFileManifestLeavesOutCancelled: an order already cancelled is left
// out of the manifest and listed as such, untouched; a list of nothing but
// cancelled orders files nothing.
func testFileManifestLeavesOutCancelled(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	now := clk.Now()
	Created(t, s, p, "410001", now)
	var cancelled []*shipment.Shipment
	for _, id := range []string{"410002", "410003"} {
		c := Created(t, s, p, id, now)
		c.State = shipment.StateCancelled
		MustUpdate(t, s, c)
		cancelled = append(cancelled, MustGet(t, s, p, id))
	}
	Created(t, s, p, "410004", now)

	ref := "STRM-20260620-001"
	m, err := s.FileManifest(ctxOf(t), shipment.ManifestRequest{ProfileID: p, Reference: ref,
		OrderIDs: []string{"410002", "410001", "410003", "410004"}, FiledAt: now})
	if err != nil {
		t.Fatalf("manifest with cancelled orders: %v", err)
	}
	got, err := s.GetManifest(ctxOf(t), p, ref)
	if err != nil {
		t.Fatal(err)
	}
	for _, man := range []*shipment.Manifest{m, got} {
		var ids []string
		for _, o := range man.Orders {
			ids = append(ids, o.OrderID)
		}
		if !slices.Equal(ids, []string{"410001", "410004"}) || !slices.Equal(man.LeftOut, []string{"410002", "410003"}) {
			t.Fatalf("manifest holds %v and leaves out %v; want 410001 410004, leaving out 410002 410003", ids, man.LeftOut)
		}
	}
	for _, c := range cancelled {
		if d := Diff(c, MustGet(t, s, p, c.OrderID)); d != "" {
			t.Fatalf("filing changed the cancelled order %s: %s", c.OrderID, d)
		}
	}
	if got := MustGet(t, s, p, "410004"); got.ManifestRef != ref {
		t.Fatalf("order 410004 is in manifest %q, want %s", got.ManifestRef, ref)
	}

	// Only cancelled orders: nothing to collect, nothing filed.
	_, err = s.FileManifest(ctxOf(t), shipment.ManifestRequest{ProfileID: p, Reference: "STRM-20260620-002",
		OrderIDs: []string{"410003", "410002"}, FiledAt: now})
	if !isManifestError(err, "410003", "410002") || !strings.Contains(err.Error(), "nothing to collect") {
		t.Fatalf("manifest of cancelled orders only: %v; want a ManifestError saying there is nothing to collect", err)
	}
	if _, err := s.GetManifest(ctxOf(t), p, "STRM-20260620-002"); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("a manifest of cancelled orders was stored: %v", err)
	}
}

func testFileManifestReferenceTaken(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	now := clk.Now()
	Created(t, s, p, "500001", now)
	b := Created(t, s, p, "500002", now)
	ref := "STRM-20260619-001"
	if _, err := s.FileManifest(ctxOf(t), shipment.ManifestRequest{ProfileID: p, Reference: ref, OrderIDs: []string{"500001"}, FiledAt: now}); err != nil {
		t.Fatal(err)
	}
	_, err := s.FileManifest(ctxOf(t), shipment.ManifestRequest{ProfileID: p, Reference: ref, OrderIDs: []string{"500002"}, FiledAt: now})
	if !errors.Is(err, shipment.ErrManifestExists) {
		t.Fatalf("second manifest with the reference: %v, want ErrManifestExists", err)
	}
	if d := Diff(b, MustGet(t, s, p, "500002")); d != "" {
		t.Fatalf("refused manifest changed the order: %s", d)
	}
	m, err := s.GetManifest(ctxOf(t), p, ref)
	if err != nil || len(m.Orders) != 1 || m.Orders[0].OrderID != "500001" {
		t.Fatalf("first manifest after a refused second: %+v %v", m, err)
	}
}

func testFileManifestLimits(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	now := clk.Now()
	ids := make([]string, shipment.MaxManifestOrders+1)
	for i := range ids {
		ids[i] = fmt.Sprintf("6%05d", i)
	}
	Created(t, s, p, ids[0], now)
	_, err := s.FileManifest(ctxOf(t), shipment.ManifestRequest{ProfileID: p, Reference: "STRM-20260619-001", OrderIDs: ids, FiledAt: now})
	if limit := fmt.Sprintf("at most %d", shipment.MaxManifestOrders); err == nil || !strings.Contains(err.Error(), limit) {
		t.Fatalf("manifest of %d orders: %v, want a refusal saying %q", len(ids), err, limit)
	}
	for name, req := range map[string]shipment.ManifestRequest{
		"no orders":    {ProfileID: p, Reference: "STRM-20260619-001", FiledAt: now},
		"empty order":  {ProfileID: p, Reference: "STRM-20260619-001", OrderIDs: []string{ids[0], " "}, FiledAt: now},
		"no reference": {ProfileID: p, OrderIDs: []string{ids[0]}, FiledAt: now},
	} {
		if _, err := s.FileManifest(ctxOf(t), req); err == nil {
			t.Errorf("manifest with %s was filed", name)
		}
	}
	if got := MustGet(t, s, p, ids[0]); got.ManifestRef != "" {
		t.Fatalf("a refused manifest filed order %s into %q", ids[0], got.ManifestRef)
	}
}

func testFileManifestManyOrders(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	now := clk.Now()
	recs := CreatedMany(t, s, p, 610000, ManyOrders, now)
	ids := make([]string, len(recs))
	for i, r := range recs {
		ids[i] = r.OrderID
	}

	// One bad order, last in the list, refuses the whole manifest.
	last := recs[len(recs)-1]
	last.State = shipment.StateFailed
	MustUpdate(t, s, last)
	_, err := s.FileManifest(ctxOf(t), shipment.ManifestRequest{ProfileID: p, Reference: "STRM-20260619-001", OrderIDs: ids, FiledAt: now})
	if !isManifestError(err, last.OrderID) {
		t.Fatalf("manifest of %d orders, the last refused by Stream: %v; want a ManifestError naming %s", len(ids), err, last.OrderID)
	}
	for _, r := range recs {
		if d := Diff(r, MustGet(t, s, p, r.OrderID)); d != "" {
			t.Fatalf("refused manifest changed order %s: %s", r.OrderID, d)
		}
	}

	good := ids[:len(ids)-1]
	filedAt := now.Add(8 * time.Hour)
	m, err := s.FileManifest(ctxOf(t), shipment.ManifestRequest{ProfileID: p, Reference: "STRM-20260619-002", OrderIDs: good, FiledAt: filedAt})
	if err != nil {
		t.Fatalf("manifest of %d orders: %v", len(good), err)
	}
	got, err := s.GetManifest(ctxOf(t), p, "STRM-20260619-002")
	if err != nil {
		t.Fatalf("GetManifest: %v", err)
	}
	for _, man := range []*shipment.Manifest{m, got} {
		if len(man.Orders) != len(good) {
			t.Fatalf("manifest holds %d orders, want %d", len(man.Orders), len(good))
		}
		for i, o := range man.Orders {
			if o.OrderID != good[i] || o.TrackingID != "TRK"+good[i] || o.Packages != 2 {
				t.Fatalf("manifest order %d: %+v, want order %s", i, o, good[i])
			}
		}
	}
	for _, r := range recs[:len(good)] {
		after := MustGet(t, s, p, r.OrderID)
		if after.ManifestRef != "STRM-20260619-002" || after.Version != r.Version+1 || !after.UpdatedAt.Equal(filedAt) {
			t.Fatalf("order %s after filing: manifest %q version %d (was %d) updated %s",
				r.OrderID, after.ManifestRef, after.Version, r.Version, after.UpdatedAt)
		}
	}
	if _, err := s.GetManifest(ctxOf(t), p, "STRM-20260619-001"); !errors.Is(err, shipment.ErrNotFound) {
		t.Fatalf("the refused manifest was stored: %v", err)
	}
}

func testConcurrentManifests(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	now := clk.Now()
	for _, id := range []string{"700001", "700002", "700003"} {
		Created(t, s, p, id, now)
	}
	lists := [][]string{{"700001", "700002"}, {"700002", "700003"}, {"700003", "700001"}}
	errs := race(len(lists), func(i int) error {
		_, err := s.FileManifest(ctxOf(t), shipment.ManifestRequest{ProfileID: p,
			Reference: fmt.Sprintf("STRM-20260619-%03d", i+1), OrderIDs: lists[i], FiledAt: now})
		return err
	})
	won := -1
	for i, err := range errs {
		var me *shipment.ManifestError
		switch {
		case err == nil:
			if won >= 0 {
				t.Fatalf("manifests %d and %d both filed a shared order", won, i)
			}
			won = i
		case errors.As(err, &me), errors.Is(err, shipment.ErrConflict):
		default:
			t.Fatalf("manifest %d: %v", i, err)
		}
	}
	if won < 0 {
		t.Fatal("no manifest was filed")
	}
	ref := fmt.Sprintf("STRM-20260619-%03d", won+1)
	for _, id := range lists[won] {
		if got := MustGet(t, s, p, id); got.ManifestRef != ref {
			t.Fatalf("order %s in manifest %q, want %q", id, got.ManifestRef, ref)
		}
	}
}

func testMarkEvent(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	mark := func(key string, ttl time.Duration) bool {
		t.Helper()
		first, err := s.MarkEvent(ctxOf(t), p, key, ttl)
		if err != nil {
			t.Fatalf("MarkEvent %s: %v", key, err)
		}
		return first
	}
	if !mark("SB00000001#DELIVERED", time.Hour) {
		t.Fatal("first mark was not first")
	}
	if mark("SB00000001#DELIVERED", time.Hour) {
		t.Fatal("repeated mark was first")
	}
	if !mark("SB00000001#PLANNED", time.Hour) {
		t.Fatal("mark of another key was not first")
	}
	clk.Advance(59 * time.Minute)
	if mark("SB00000001#DELIVERED", time.Hour) {
		t.Fatal("mark inside the ttl was first")
	}
	clk.Advance(2 * time.Minute)
	if !mark("SB00000001#DELIVERED", time.Hour) {
		t.Fatal("mark after the ttl ended was not first")
	}
	if mark("SB00000001#DELIVERED", time.Hour) {
		t.Fatal("repeat of a renewed mark was first")
	}
	for name, call := range map[string]func() error{
		"empty key":  func() error { _, err := s.MarkEvent(ctxOf(t), p, "", time.Hour); return err },
		"no profile": func() error { _, err := s.MarkEvent(ctxOf(t), "", "k", time.Hour); return err },
		"zero ttl":   func() error { _, err := s.MarkEvent(ctxOf(t), p, "k", 0); return err },
		"long key": func() error {
			_, err := s.MarkEvent(ctxOf(t), p, strings.Repeat("k", shipment.MaxEventKey+1), time.Hour)
			return err
		},
	} {
		if call() == nil {
			t.Errorf("MarkEvent with %s succeeded", name)
		}
	}
}

func testConcurrentMarkEvent(t *testing.T, s shipment.Store, _ *Clock) {
	p := ProfileID(t)
	firsts := race(10, func(int) error {
		first, err := s.MarkEvent(ctxOf(t), p, "webhook-delivery-42", time.Hour)
		if err != nil {
			return err
		}
		if first {
			return nil
		}
		return errNotFirst
	})
	n := 0
	for i, err := range firsts {
		switch {
		case err == nil:
			n++
		case !errors.Is(err, errNotFirst):
			t.Fatalf("mark %d: %v", i, err)
		}
	}
	if n != 1 {
		t.Fatalf("%d concurrent marks were first, want 1", n)
	}
}

var errNotFirst = errors.New("not first")

func testNotAliased(t *testing.T, s shipment.Store, clk *Clock) {
	p := ProfileID(t)
	rec := Pending(p, "800001", clk.Now())
	got := MustClaim(t, s, rec, clk.Now(), shipment.ClaimedNew)
	rec.Packages[0].TrackingNumber = "changed-after-claim"
	got.Packages[1].TrackingNumber = "changed-in-result"
	read := MustGet(t, s, p, "800001")
	if read.Packages[0].TrackingNumber != "T1-800001" || read.Packages[1].TrackingNumber != "T2-800001" {
		t.Fatalf("caller's slices alias the stored record: %v", read.Packages)
	}
	read.Packages[0].WeightGrams = 1
	if again := MustGet(t, s, p, "800001"); again.Packages[0].WeightGrams != 1250.5 {
		t.Fatal("the slice Get returned aliases the stored record")
	}
}
