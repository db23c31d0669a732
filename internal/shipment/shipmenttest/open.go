package shipmenttest

import (
	"slices"
	"testing"
	"time"

	"linnstream/internal/shipment"
)

// listAllOpen reads every page of the profile's open shipments since
// since, limit at a time, and returns their order IDs in order.
func listAllOpen(t *testing.T, s shipment.Store, profileID string, since time.Time, limit int) []string {
	t.Helper()
	var ids []string
	after := ""
	for range 100 {
		page, err := s.ListOpen(ctxOf(t), profileID, since, after, limit)
		if err != nil {
			t.Fatalf("ListOpen after %q: %v", after, err)
		}
		if len(page.Shipments) > limit {
			t.Fatalf("ListOpen gave %d shipments, limit %d", len(page.Shipments), limit)
		}
		for _, sh := range page.Shipments {
			if sh.ProfileID != profileID || !sh.Open() {
				t.Fatalf("ListOpen gave %s of profile %s, state %s, status %s", sh.OrderID, shipment.ShortID(sh.ProfileID), sh.State, sh.StreamStatus)
			}
			ids = append(ids, sh.OrderID)
		}
		if page.Next == "" {
			return ids
		}
		after = page.Next
	}
	t.Fatalf("ListOpen did not end after 100 pages: %v", ids)
	return nil
}

// eventuallyOpen polls ListOpen until it lists want: an index may lag a
// write briefly (DynamoDB's global indexes are eventually consistent).
func eventuallyOpen(t *testing.T, s shipment.Store, profileID string, since time.Time, limit int, want []string) {
	t.Helper()
	var got []string
	for range 50 {
		if got = listAllOpen(t, s, profileID, since, limit); slices.Equal(got, want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("open shipments since %s = %v, want %v", since.Format(time.RFC3339), got, want)
}

// ListOpen lists the created shipments whose Stream status is not final,
// created at or after since, in creation order, a page at a time; it
// follows changes that close a shipment, and keeps profiles apart.
func testListOpen(t *testing.T, s shipment.Store, clk *Clock) {
	pid, other := ProfileID(t), ProfileID(t)
	now := clk.Now()
	since := now.Add(-14 * 24 * time.Hour)
	at := func(orderID string, created time.Time) *shipment.Shipment {
		return Created(t, s, pid, orderID, created)
	}
	at("1", since.Add(-time.Minute))        // a minute too old
	at("2", since)                          // exactly on the edge: in
	at("3", since.Add(time.Minute))         // a minute inside
	planned := at("4", now.Add(-time.Hour)) // planned: still open
	planned.StreamStatus, planned.Run, planned.Day, planned.Sequence = "PLANNED", "RUN 03", "FRIDAY", 4
	MustUpdate(t, s, planned)
	delivered := at("5", now.Add(-2*time.Hour))
	delivered.StreamStatus = "DELIVERED"
	MustUpdate(t, s, delivered)
	cancelled := at("6", now.Add(-3*time.Hour))
	cancelled.State, cancelled.StreamStatus = shipment.StateCancelled, shipment.StatusCancelled
	MustUpdate(t, s, cancelled)
	MustClaim(t, s, Pending(pid, "7", now), now, shipment.ClaimedNew) // no Stream order yet
	failed := MustClaim(t, s, Pending(pid, "8", now), now, shipment.ClaimedNew)
	failed.State, failed.ClaimID, failed.LeaseUntil = shipment.StateFailed, "", time.Time{}
	MustUpdate(t, s, failed)
	at("9", now.Add(-time.Minute))
	Created(t, s, other, "3", since.Add(time.Minute))

	// Creation order: 2 and 3 are days old, 4 an hour, 9 a minute; 1 is
	// too old, 5 and 6 final, 7 and 8 have no Stream order.
	want := []string{"2", "3", "4", "9"}
	for _, limit := range []int{1, 2, 3, shipment.MaxOpenPage} {
		eventuallyOpen(t, s, pid, since, limit, want)
	}
	eventuallyOpen(t, s, other, since, 10, []string{"3"})

	// A page ends where the next starts, and a cursor from before since
	// does not reach back past it.
	page, err := s.ListOpen(ctxOf(t), pid, since, "", 2)
	if err != nil {
		t.Fatal(err)
	}
	if page.Next == "" || len(page.Shipments) != 2 {
		t.Fatalf("first page of 2: %d shipments, next %q", len(page.Shipments), page.Next)
	}
	rest, err := s.ListOpen(ctxOf(t), pid, since, page.Next, 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, sh := range rest.Shipments {
		ids = append(ids, sh.OrderID)
	}
	if !slices.Equal(ids, []string{"4", "9"}) || rest.Next != "" {
		t.Fatalf("page after %q = %v next %q, want [4 9] and the end", page.Next, ids, rest.Next)
	}
	old, err := s.ListOpen(ctxOf(t), pid, now.Add(-time.Hour), page.Next, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(old.Shipments) != 2 || old.Shipments[0].OrderID != "4" {
		t.Fatalf("since an hour ago after an older cursor: %d shipments, want 4 and 9", len(old.Shipments))
	}

	// A record read from the list carries its version: it can be updated.
	got := rest.Shipments[0]
	if got.Run != "RUN 03" || got.Sequence != 4 || got.Version != planned.Version {
		t.Fatalf("listed record run %q seq %d version %d, want RUN 03, 4, %d", got.Run, got.Sequence, got.Version, planned.Version)
	}
	got.StreamStatus = "COMPLETED"
	MustUpdate(t, s, got)
	eventuallyOpen(t, s, pid, since, 10, []string{"2", "3", "9"})

	for _, bad := range []int{0, shipment.MaxOpenPage + 1} {
		if _, err := s.ListOpen(ctxOf(t), pid, since, "", bad); err == nil {
			t.Fatalf("ListOpen with limit %d: no error", bad)
		}
	}
}

// The poll cursor is kept per profile, replaced and cleared.
func testPollCursor(t *testing.T, s shipment.Store, _ *Clock) {
	ctx := ctxOf(t)
	pid, other := ProfileID(t), ProfileID(t)
	read := func(id string) string {
		t.Helper()
		c, err := s.PollCursor(ctx, id)
		if err != nil {
			t.Fatalf("PollCursor: %v", err)
		}
		return c
	}
	if c := read(pid); c != "" {
		t.Fatalf("new profile's cursor = %q", c)
	}
	for _, c := range []string{"2026-11-30T10:00:00.000000000Z#100002", "2026-12-01T08:30:00.000000000Z#100007"} {
		if err := s.SetPollCursor(ctx, pid, c); err != nil {
			t.Fatalf("SetPollCursor: %v", err)
		}
		if got := read(pid); got != c {
			t.Fatalf("cursor = %q, want %q", got, c)
		}
	}
	if c := read(other); c != "" {
		t.Fatalf("another profile's cursor = %q", c)
	}
	if err := s.SetPollCursor(ctx, pid, ""); err != nil {
		t.Fatalf("clear: %v", err)
	}
	if c := read(pid); c != "" {
		t.Fatalf("cleared cursor = %q", c)
	}
	if err := s.SetPollCursor(ctx, "", "x"); err == nil {
		t.Fatal("SetPollCursor without a profile: no error")
	}
}
