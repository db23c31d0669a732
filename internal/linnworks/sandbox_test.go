package linnworks_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworks/badge"
	"linnstream/internal/linnworkssandbox"
)

const sandboxToken = linnworkssandbox.DefaultInstallToken

// sandboxEnv is a Linnworks sandbox on a loopback server and a client pointed at it. Both share
// one fake clock; the client's waits advance it, so limits and idle times need no real time.
type sandboxEnv struct {
	sb  *linnworkssandbox.Sandbox
	srv *httptest.Server
	c   *linnworks.Client
	ft  *fakeTime
}

func newSandboxEnv(t *testing.T, opts linnworkssandbox.Options) *sandboxEnv {
	t.Helper()
	ft := newFakeTime()
	opts.Now = ft.Now
	sb, err := linnworkssandbox.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	c, err := linnworks.New(linnworks.Config{
		AuthURL:           srv.URL + "/api/Auth/AuthorizeByApplication",
		ApplicationID:     appID,
		ApplicationSecret: appSecret,
	}, linnworks.WithClock(ft.Now), linnworks.WithSleep(ft.Sleep), linnworks.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	return &sandboxEnv{sb: sb, srv: srv, c: c, ft: ft}
}

// statuses counts journal entries by "METHOD path status".
func (e *sandboxEnv) calls(method, path string, status int) int {
	n := 0
	for _, j := range e.sb.Journal() {
		if j.Method == method && j.Path == "/api/"+path && (status == 0 || j.Status == status) {
			n++
		}
	}
	return n
}

// checkJournal validates every request the sandbox received against the official
// specification and fails on statuses outside allowed.
func (e *sandboxEnv) checkJournal(t *testing.T, v *specValidator, allowed ...int) {
	t.Helper()
	journal := e.sb.Journal()
	if len(journal) == 0 {
		t.Fatal("the sandbox journal is empty")
	}
	ok := append([]int{http.StatusOK, http.StatusNoContent}, allowed...)
	for _, j := range journal {
		if err := v.validate(j.Method, j.Target(), j.Header, []byte(j.Body)); err != nil {
			t.Errorf("request %d does not match the spec: %v\n  body: %s", j.Seq, err, j.Body)
		}
		if !slices.Contains(ok, j.Status) {
			t.Errorf("request %d %s %s answered %d", j.Seq, j.Method, j.Target(), j.Status)
		}
		if ct := j.Header.Get("Content-Type"); j.Body != "" && ct != "application/json" {
			t.Errorf("request %d sent a body as %q", j.Seq, ct)
		}
	}
}

func openOrders(sb *linnworkssandbox.Sandbox) []linnworkssandbox.AdminOrder {
	var out []linnworkssandbox.AdminOrder
	for _, o := range sb.Orders() {
		if !o.Processed {
			out = append(out, o)
		}
	}
	return out
}

func mustOrder(t *testing.T, sb *linnworkssandbox.Sandbox, id string) linnworkssandbox.AdminOrder {
	t.Helper()
	o, ok := sb.Order(id)
	if !ok {
		t.Fatalf("sandbox has no order %s", id)
	}
	return o
}

// TestSandboxFullRun calls every operation of the client against the sandbox, checks what
// the sandbox holds afterwards, then checks every request it received against the spec.
func TestSandboxFullRun(t *testing.T) {
	v := newSpecValidator(t)
	e := newSandboxEnv(t, linnworkssandbox.Options{})
	ctx := context.Background()
	c, sb := e.c, e.sb
	open := openOrders(sb)
	if len(open) < 6 {
		t.Fatalf("sandbox seeded %d open orders", len(open))
	}

	t.Run("CheckToken", func(t *testing.T) {
		acct, err := c.CheckToken(ctx, sandboxToken)
		if err != nil {
			t.Fatal(err)
		}
		if acct.Server != e.srv.URL || acct.Locality != "EU" || acct.EntityID == "" || acct.UserID == "" {
			t.Fatalf("account %+v", acct)
		}
	})

	t.Run("OpenOrders paging", func(t *testing.T) {
		seen := map[string]bool{}
		var total int64
		for page := 1; ; page++ {
			p, err := c.OpenOrders(ctx, sandboxToken, linnworks.OpenOrdersQuery{EntriesPerPage: 4, PageNumber: page})
			if err != nil {
				t.Fatal(err)
			}
			total = p.TotalEntries
			if p.PageNumber != page || p.EntriesPerPage != 4 || len(p.Data) > 4 {
				t.Fatalf("page %d: %+v", page, p)
			}
			for _, o := range p.Data {
				if seen[o.OrderID] {
					t.Fatalf("order %s on two pages", o.OrderID)
				}
				seen[o.OrderID] = true
			}
			if page >= p.TotalPages {
				break
			}
		}
		if int(total) != len(open) || len(seen) != len(open) {
			t.Fatalf("paged %d orders of %d (TotalEntries %d)", len(seen), len(open), total)
		}
	})

	filters := &linnworks.FieldsFilter{TextFields: []linnworks.TextFieldFilter{
		{FieldCode: linnworks.FieldVendor, Type: linnworks.TextContains, Text: linnworkssandbox.StreamVendor},
		{FieldCode: linnworks.FieldTrackingNumber, Type: linnworks.TextEqual, Text: ""},
	}}
	var want []string
	for _, o := range open {
		if o.Order.ShippingInfo.Vendor == linnworkssandbox.StreamVendor && o.TrackingNumber == "" {
			want = append(want, o.Order.OrderId)
		}
	}
	sort.Strings(want)
	if len(want) < 3 || len(want) == len(open) {
		t.Fatalf("seed gives %d Stream orders without tracking of %d; the filter test needs a mix", len(want), len(open))
	}

	t.Run("OpenOrders filtered and sorted", func(t *testing.T) {
		p, err := c.OpenOrders(ctx, sandboxToken, linnworks.OpenOrdersQuery{
			EntriesPerPage: 100, Filters: filters,
			Sorting: []linnworks.FieldSorting{{FieldCode: linnworks.FieldDate, Direction: linnworks.SortAscending}},
		})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i, o := range p.Data {
			got = append(got, o.OrderID)
			if o.ShippingInfo.Vendor != linnworkssandbox.StreamVendor || o.ShippingInfo.TrackingNumber != "" {
				t.Errorf("filter let through %+v", o.ShippingInfo)
			}
			if i > 0 && o.GeneralInfo.ReceivedDate.Before(p.Data[i-1].GeneralInfo.ReceivedDate.Time) {
				t.Errorf("not sorted by date at %d", i)
			}
		}
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Fatalf("filtered orders %v, want %v", got, want)
		}
	})

	t.Run("OpenOrderIDs and details", func(t *testing.T) {
		ids, err := c.OpenOrderIDs(ctx, sandboxToken, linnworks.OpenOrderIDsQuery{Filters: filters})
		if err != nil {
			t.Fatal(err)
		}
		got := append([]string(nil), ids...)
		sort.Strings(got)
		if !slices.Equal(got, want) {
			t.Fatalf("ids %v, want %v", got, want)
		}
		details, err := c.OpenOrderDetails(ctx, sandboxToken, ids[:3])
		if err != nil {
			t.Fatal(err)
		}
		if len(details) != 3 {
			t.Fatalf("%d details for 3 ids", len(details))
		}
		for i, d := range details {
			if d.OrderID != ids[i] || d.NumOrderID == 0 || len(d.Items) == 0 || d.CustomerInfo.Address.PostCode == "" {
				t.Errorf("details %d: %+v", i, d)
			}
		}
	})

	sample := open[1]
	t.Run("Order by id and by number", func(t *testing.T) {
		o, err := c.Order(ctx, sandboxToken, sample.Order.OrderId)
		if err != nil {
			t.Fatal(err)
		}
		if o.NumOrderID != sample.Order.NumOrderId || o.ShippingInfo.PostalServiceID != sample.Order.ShippingInfo.PostalServiceId {
			t.Fatalf("order %+v, want %d", o, sample.Order.NumOrderId)
		}
		byNum, err := c.OrderByNumOrderID(ctx, sandboxToken, sample.Order.NumOrderId)
		if err != nil {
			t.Fatal(err)
		}
		if byNum.OrderID != sample.Order.OrderId {
			t.Fatalf("by number: %s, want %s", byNum.OrderID, sample.Order.OrderId)
		}
		many, err := c.Orders(ctx, sandboxToken, []string{open[0].Order.OrderId, sample.Order.OrderId})
		if err != nil {
			t.Fatal(err)
		}
		if len(many) != 2 {
			t.Fatalf("GetOrdersById returned %d orders", len(many))
		}
		_, err = c.OrderByNumOrderID(ctx, sandboxToken, 987654)
		if !errors.Is(err, linnworks.ErrOrderNotFound) || !linnworks.IsDataError(err) {
			t.Fatalf("unknown number: %v", err)
		}
		_, err = c.Order(ctx, sandboxToken, "0ddba11c-0000-4000-8000-000000000000")
		if !errors.Is(err, linnworks.ErrOrderNotFound) {
			t.Fatalf("unknown id: %v", err)
		}
	})

	t.Run("Identifiers save, assign, unassign", func(t *testing.T) {
		ids, err := c.Identifiers(ctx, sandboxToken)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(ids, func(i linnworks.Identifier) bool { return i.Tag == "AMAZON_PRIME" && !i.IsCustom }) {
			t.Fatalf("system identifiers missing: %+v", ids)
		}
		saved, err := c.SaveIdentifier(ctx, sandboxToken, linnworks.Identifier{IsCustom: true, Tag: "TEST_BADGE", Name: "Test badge", ImageURL: "https://example.invalid/test.png"})
		if err != nil {
			t.Fatal(err)
		}
		if saved.IdentifierID == 0 || saved.Tag != "TEST_BADGE" {
			t.Fatalf("saved %+v", saved)
		}
		id := sample.Order.OrderId
		res, err := c.AssignIdentifier(ctx, sandboxToken, "TEST_BADGE", id)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Changed, []string{id}) {
			t.Fatalf("assign: %+v", res)
		}
		if tags := mustOrder(t, sb, id).Identifiers; !slices.Contains(tags, "TEST_BADGE") {
			t.Fatalf("order tags %v", tags)
		}
		oi, err := c.OrderIdentifiers(ctx, sandboxToken, []string{id})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(oi, func(i linnworks.OrderIdentifier) bool { return i.Tag == "TEST_BADGE" && i.OrderID == id }) {
			t.Fatalf("order identifiers %+v", oi)
		}
		again, err := c.AssignIdentifier(ctx, sandboxToken, "TEST_BADGE", id)
		if err != nil || len(again.Changed) != 0 || len(again.NotChanged) != 1 {
			t.Fatalf("assign again: %+v %v", again, err)
		}
		res, err = c.UnassignIdentifier(ctx, sandboxToken, "TEST_BADGE", id)
		if err != nil || !slices.Equal(res.Changed, []string{id}) {
			t.Fatalf("unassign: %+v %v", res, err)
		}
		if tags := mustOrder(t, sb, id).Identifiers; slices.Contains(tags, "TEST_BADGE") {
			t.Fatalf("tag still on the order: %v", tags)
		}
		_, err = c.AssignIdentifier(ctx, sandboxToken, "NO_SUCH_TAG", id)
		var de *linnworks.DataError
		if !errors.As(err, &de) || de.Status != http.StatusBadRequest || !strings.Contains(de.Message, "NO_SUCH_TAG") {
			t.Fatalf("unknown tag: %v", err)
		}
	})

	t.Run("AppendOrderNote keeps existing notes", func(t *testing.T) {
		id := sample.Order.OrderId
		before := len(mustOrder(t, sb, id).Notes)
		first, err := c.AppendOrderNote(ctx, sandboxToken, id, "Stream: address validated", true)
		if err != nil {
			t.Fatal(err)
		}
		if first.Note != "Stream: address validated" || !first.Internal || first.OrderID != id {
			t.Fatalf("note %+v", first)
		}
		if _, err := c.AppendOrderNote(ctx, sandboxToken, id, "Stream: postcode invalid", false); err != nil {
			t.Fatal(err)
		}
		notes := mustOrder(t, sb, id).Notes
		if len(notes) != before+2 || notes[before].Note != "Stream: address validated" || notes[before+1].Note != "Stream: postcode invalid" {
			t.Fatalf("notes after two appends: %+v", notes)
		}
		read, err := c.OrderNotes(ctx, sandboxToken, id)
		if err != nil || len(read) != before+2 {
			t.Fatalf("OrderNotes: %d notes, %v", len(read), err)
		}
	})

	// A paid Stream order whose shipping info differs in every field SetOrderShippingInfo
	// takes (two weights, a cost, a manual adjustment), so that dropping or mixing up any of
	// them shows.
	added, err := sb.AddOrders(linnworkssandbox.OrderDetails{
		GeneralInfo: linnworkssandbox.OrderGeneralInfo{Status: 1},
		ShippingInfo: linnworkssandbox.OrderShippingInfo{PostalServiceId: linnworkssandbox.JustinDeliveryServiceID,
			TotalWeight: 12.75, ItemWeight: 11.5, PostageCost: 8.45, ManualAdjust: true},
		Items: []linnworkssandbox.OrderItem{{SKU: "BOX-01", Title: "Storage box", Quantity: 1, PricePerUnit: 20, Weight: 11.5}},
	})
	if err != nil {
		t.Fatal(err)
	}
	ship := added[0]

	t.Run("SetTrackingNumber keeps the shipping info", func(t *testing.T) {
		before := ship.Order.ShippingInfo
		si, err := c.SetTrackingNumber(ctx, sandboxToken, ship.Order.OrderId, "STR-TRACK-0001")
		if err != nil {
			t.Fatal(err)
		}
		if si.TrackingNumber != "STR-TRACK-0001" {
			t.Fatalf("returned %+v", si)
		}
		after := mustOrder(t, sb, ship.Order.OrderId).Order.ShippingInfo
		if after.TrackingNumber != "STR-TRACK-0001" {
			t.Fatalf("tracking not stored: %+v", after)
		}
		if before.PostalServiceId == "" || before.ItemWeight == before.TotalWeight || before.PostageCost == 0 || !before.ManualAdjust {
			t.Fatalf("the order's shipping info cannot show a lost field: %+v", before)
		}
		if after.PostalServiceId != before.PostalServiceId || after.PostalServiceName != before.PostalServiceName ||
			after.Vendor != before.Vendor || after.TotalWeight != before.TotalWeight || after.ItemWeight != before.ItemWeight ||
			after.PostageCost != before.PostageCost || after.ManualAdjust != before.ManualAdjust {
			t.Fatalf("shipping info changed:\nbefore %+v\nafter  %+v", before, after)
		}
	})

	t.Run("ProcessOrder", func(t *testing.T) {
		res, err := c.ProcessOrder(ctx, sandboxToken, ship.Order.OrderId, linnworks.ProcessOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !res.Processed || res.OrderID != ship.Order.OrderId {
			t.Fatalf("result %+v", res)
		}
		if !mustOrder(t, sb, ship.Order.OrderId).Processed {
			t.Fatal("sandbox order not processed")
		}
		res, err = c.ProcessOrder(ctx, sandboxToken, ship.Order.OrderId, linnworks.ProcessOptions{})
		if !linnworks.IsDataError(err) || res.Processed || !strings.Contains(err.Error(), "already processed") {
			t.Fatalf("second processing: %+v %v", res, err)
		}
		_, err = c.SetTrackingNumber(ctx, sandboxToken, ship.Order.OrderId, "STR-TRACK-0002")
		if !linnworks.IsDataError(err) {
			t.Fatalf("tracking on a processed order: %v", err)
		}
		before := len(mustOrder(t, sb, ship.Order.OrderId).Notes)
		if err := c.AppendProcessedOrderNote(ctx, sandboxToken, ship.Order.OrderId, "Stream: delivered", true); err != nil {
			t.Fatal(err)
		}
		if notes := mustOrder(t, sb, ship.Order.OrderId).Notes; len(notes) != before+1 || notes[before].Note != "Stream: delivered" || !notes[before].Internal {
			t.Fatalf("notes of the processed order: %+v", notes)
		}
	})

	t.Run("WriteTrackingNumber sends back the order as read", func(t *testing.T) {
		added, err := sb.AddOrders(linnworkssandbox.OrderDetails{
			GeneralInfo: linnworkssandbox.OrderGeneralInfo{Status: 1},
			ShippingInfo: linnworkssandbox.OrderShippingInfo{PostalServiceId: linnworkssandbox.JustinDeliveryServiceID,
				TotalWeight: 3.5, ItemWeight: 3.25, PostageCost: 4.2, ManualAdjust: true},
		})
		if err != nil {
			t.Fatal(err)
		}
		o, err := c.OrderByNumOrderID(ctx, sandboxToken, added[0].Order.NumOrderId)
		if err != nil {
			t.Fatal(err)
		}
		reads := e.calls(http.MethodGet, "Orders/GetOrderById", 0)
		if _, err := c.WriteTrackingNumber(ctx, sandboxToken, o, "STR-TRACK-0003"); err != nil {
			t.Fatal(err)
		}
		after := mustOrder(t, sb, o.OrderID).Order.ShippingInfo
		if after.TrackingNumber != "STR-TRACK-0003" || after.TotalWeight != 3.5 || after.ItemWeight != 3.25 ||
			after.PostageCost != 4.2 || !after.ManualAdjust || after.PostalServiceId != linnworkssandbox.JustinDeliveryServiceID {
			t.Fatalf("shipping info after WriteTrackingNumber: %+v", after)
		}
		if n := e.calls(http.MethodGet, "Orders/GetOrderById", 0); n != reads {
			t.Fatalf("WriteTrackingNumber read the order again (%d reads)", n-reads)
		}
	})

	t.Run("PostalServices", func(t *testing.T) {
		ps, err := c.PostalServices(ctx, sandboxToken)
		if err != nil {
			t.Fatal(err)
		}
		i := slices.IndexFunc(ps, func(p linnworks.PostalService) bool { return p.ID == linnworkssandbox.CourierServiceID })
		if i < 0 || ps[i].Vendor != linnworkssandbox.StreamVendor || ps[i].PostalServiceName == "" || !ps[i].TrackingNumberRequired {
			t.Fatalf("courier service missing or wrong: %+v", ps)
		}
	})

	t.Run("ExtendedProperties", func(t *testing.T) {
		var o linnworkssandbox.AdminOrder
		for _, cand := range openOrders(sb) {
			names := map[string]bool{}
			for _, p := range cand.Order.ExtendedProperties {
				names[p.Name] = true
			}
			if names["SafePlace"] && names["DriverNotes"] {
				o = cand
				break
			}
		}
		if o.Order.OrderId == "" {
			t.Fatal("no seeded order with SafePlace and DriverNotes")
		}
		id := o.Order.OrderId
		props, err := c.ExtendedProperties(ctx, sandboxToken, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(props) != len(o.Order.ExtendedProperties) {
			t.Fatalf("read %d properties, sandbox has %d", len(props), len(o.Order.ExtendedProperties))
		}
		n, err := c.AddExtendedProperties(ctx, sandboxToken, id, []linnworks.ExtendedProperty{{Name: "StreamRun", Value: "RUN 03", Type: "Info"}})
		if err != nil || n != 1 {
			t.Fatalf("add: %d %v", n, err)
		}
		n, err = c.AddExtendedProperties(ctx, sandboxToken, id, []linnworks.ExtendedProperty{{Name: "StreamRun", Value: "RUN 04", Type: "Info"}})
		if !linnworks.IsDataError(err) || n != 0 {
			t.Fatalf("adding an existing name: %d %v", n, err)
		}
		merged, err := c.UpsertExtendedProperties(ctx, sandboxToken, id, []linnworks.ExtendedProperty{
			{Name: "SafePlace", Value: "Garage"}, {Name: "StreamDay", Value: "MONDAY", Type: "Info"},
		})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, p := range mustOrder(t, sb, id).Order.ExtendedProperties {
			got[p.Name] = p.Value
		}
		dn := ""
		for _, p := range o.Order.ExtendedProperties {
			if p.Name == "DriverNotes" {
				dn = p.Value
			}
		}
		if got["SafePlace"] != "Garage" || got["StreamDay"] != "MONDAY" || got["StreamRun"] != "RUN 03" || got["DriverNotes"] != dn || len(got) != len(merged) {
			t.Fatalf("after upsert %v (returned %d)", got, len(merged))
		}
		before := len(e.sb.Journal())
		if _, err := c.UpsertExtendedProperties(ctx, sandboxToken, id, []linnworks.ExtendedProperty{{Name: "safeplace", Value: "Garage"}}); err != nil {
			t.Fatal(err)
		}
		if calls := len(e.sb.Journal()) - before; calls != 1 {
			t.Fatalf("an upsert that changes nothing made %d calls, want 1 (the read)", calls)
		}
	})

	// Only the deliberately provoked unknown tag may have failed.
	if n := e.calls(http.MethodPost, "OpenOrders/AssignOrderIdentifier", http.StatusBadRequest); n != 1 {
		t.Errorf("%d refused assignments, want 1", n)
	}
	e.checkJournal(t, v, http.StatusBadRequest)
	for _, call := range []string{
		"POST Orders/GetOpenOrders", "POST Orders/GetAllOpenOrders", "POST OpenOrders/GetOpenOrdersDetails",
		"GET Orders/GetOrderById", "POST Orders/GetOrdersById", "GET Orders/GetOrderDetailsByNumOrderId",
		"GET OpenOrders/GetIdentifiers", "POST OpenOrders/GetIdentifiersByOrderIds", "POST OpenOrders/SaveIdentifier",
		"POST OpenOrders/AssignOrderIdentifier", "POST OpenOrders/UnassignOrderIdentifier", "POST Orders/AddOrdersNote",
		"GET Orders/GetOrderNotes", "POST Orders/SetOrderShippingInfo", "POST Orders/ProcessOrder",
		"GET PostalServices/GetPostalServices", "GET Orders/GetExtendedProperties", "POST Orders/AddExtendedProperties",
		"POST Orders/SetExtendedProperties", "POST ProcessedOrders/AddOrderNote",
	} {
		method, path, _ := strings.Cut(call, " ")
		if e.calls(method, path, 0) == 0 {
			t.Errorf("the run never called %s", call)
		}
	}
	if n := e.calls(http.MethodPost, "Orders/SetOrderNotes", 0); n != 0 {
		t.Errorf("SetOrderNotes (which replaces notes) was called %d times", n)
	}
}

func TestSandboxSessionRenewal(t *testing.T) {
	v := newSpecValidator(t)
	e := newSandboxEnv(t, linnworkssandbox.Options{})
	ctx := context.Background()
	auths := func() int { return e.calls(http.MethodPost, "Auth/AuthorizeByApplication", http.StatusOK) }

	if _, err := e.c.Identifiers(ctx, sandboxToken); err != nil {
		t.Fatal(err)
	}
	e.ft.Advance(15 * time.Minute)
	if _, err := e.c.Identifiers(ctx, sandboxToken); err != nil {
		t.Fatal(err)
	}
	if n := auths(); n != 1 {
		t.Fatalf("%d authorisations within the idle limit, want 1", n)
	}
	// Idle past 20 minutes: the client renews before the sandbox would refuse the session.
	e.ft.Advance(21 * time.Minute)
	if _, err := e.c.Identifiers(ctx, sandboxToken); err != nil {
		t.Fatal(err)
	}
	if n := auths(); n != 2 {
		t.Fatalf("%d authorisations after 21 idle minutes, want 2", n)
	}
	if n := e.calls(http.MethodGet, "OpenOrders/GetIdentifiers", http.StatusUnauthorized); n != 0 {
		t.Fatalf("%d requests were refused; the idle session should have been renewed first", n)
	}
	// The server forgets the session: one 401, a new session, and the call succeeds.
	e.sb.ExpireSessions()
	ids, err := e.c.Identifiers(ctx, sandboxToken)
	if err != nil || len(ids) == 0 {
		t.Fatalf("after expiry: %v", err)
	}
	if n := auths(); n != 3 {
		t.Fatalf("%d authorisations after a 401, want 3", n)
	}
	if n := e.calls(http.MethodGet, "OpenOrders/GetIdentifiers", http.StatusUnauthorized); n != 1 {
		t.Fatalf("%d refused requests, want 1", n)
	}
	// Uninstalling revokes the token: the client reports it as such.
	e.sb.RevokeInstallToken(sandboxToken)
	_, err = e.c.Identifiers(ctx, sandboxToken)
	if !linnworks.IsTokenRevoked(err) || linnworks.IsRetryable(err) {
		t.Fatalf("revoked token: %v", err)
	}
	if strings.Contains(err.Error(), sandboxToken) {
		t.Fatalf("error leaks the token: %v", err)
	}
	e.checkJournal(t, v, http.StatusUnauthorized)
}

func TestSandboxRateLimits(t *testing.T) {
	v := newSpecValidator(t)
	e := newSandboxEnv(t, linnworkssandbox.Options{NoSeed: true})
	ctx := context.Background()
	// 400 calls on a 150-per-minute endpoint: the client spaces them so that the sandbox,
	// which enforces the same limit, never answers 429.
	for i := range 400 {
		if _, err := e.c.Identifiers(ctx, sandboxToken); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if n := e.calls(http.MethodGet, "OpenOrders/GetIdentifiers", http.StatusOK); n != 400 {
		t.Fatalf("%d successful calls, want 400", n)
	}
	if n := e.calls(http.MethodGet, "OpenOrders/GetIdentifiers", http.StatusTooManyRequests); n != 0 {
		t.Fatalf("the sandbox throttled %d calls", n)
	}
	if s := e.ft.Sleeps(); len(s) != 2 {
		t.Fatalf("client waited %d times (%v), want 2 (before calls 151 and 301)", len(s), s)
	}

	// A 429 from Linnworks is honoured (Retry-After: 1) and the call succeeds.
	before := len(e.ft.Sleeps())
	if err := e.sb.InjectFault(linnworkssandbox.Fault{Mode: linnworkssandbox.FaultRateLimit, Count: 2}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.PostalServices(ctx, sandboxToken); err != nil {
		t.Fatal(err)
	}
	if s := e.ft.Sleeps()[before:]; len(s) != 2 || s[0] != time.Second || s[1] != time.Second {
		t.Fatalf("waits after 429s: %v, want [1s 1s]", s)
	}
	if n := e.calls(http.MethodGet, "PostalServices/GetPostalServices", http.StatusTooManyRequests); n != 2 {
		t.Fatalf("%d throttled calls recorded, want 2", n)
	}

	// Past the caller's deadline a 429 is RetryLater, without waiting.
	if err := e.sb.InjectFault(linnworkssandbox.Fault{Mode: linnworkssandbox.FaultRateLimit, Count: 1}); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	before = len(e.ft.Sleeps())
	_, err := e.c.PostalServices(short, sandboxToken)
	if !linnworks.IsRetryable(err) || linnworks.RetryAfter(err) != time.Second {
		t.Fatalf("429 past the deadline: %v (retry after %v)", err, linnworks.RetryAfter(err))
	}
	if len(e.ft.Sleeps()) != before {
		t.Fatal("the client waited beyond the deadline")
	}
	e.checkJournal(t, v, http.StatusTooManyRequests)
}

func TestSandboxErrorClasses(t *testing.T) {
	v := newSpecValidator(t)
	e := newSandboxEnv(t, linnworkssandbox.Options{})
	ctx := context.Background()
	open := openOrders(e.sb)
	id := open[0].Order.OrderId
	if _, err := e.c.CheckToken(ctx, sandboxToken); err != nil {
		t.Fatal(err)
	}

	// One 500 on a read: retried and answered.
	if err := e.sb.InjectFault(linnworkssandbox.Fault{Mode: linnworkssandbox.FaultError, Count: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.c.Order(ctx, sandboxToken, id); err != nil {
		t.Fatalf("read after one 500: %v", err)
	}
	// Persistent 500s: retry later.
	if err := e.sb.InjectFault(linnworkssandbox.Fault{Mode: linnworkssandbox.FaultError, Count: 3}); err != nil {
		t.Fatal(err)
	}
	_, err := e.c.Order(ctx, sandboxToken, id)
	if !linnworks.IsRetryable(err) || linnworks.IsDataError(err) || linnworks.IsTokenRevoked(err) {
		t.Fatalf("persistent 500: %v", err)
	}
	// A 500 on a note is not repeated: the note may have been written.
	if err := e.sb.InjectFault(linnworkssandbox.Fault{Mode: linnworkssandbox.FaultError, Count: 1}); err != nil {
		t.Fatal(err)
	}
	before := e.calls(http.MethodPost, "Orders/AddOrdersNote", 0)
	_, err = e.c.AppendOrderNote(ctx, sandboxToken, id, "hello", true)
	if !linnworks.IsRetryable(err) || e.calls(http.MethodPost, "Orders/AddOrdersNote", 0) != before+1 {
		t.Fatalf("note after a 500: %v", err)
	}
	// Fix the data: the sandbox refuses a tag that does not exist.
	_, err = e.c.AssignIdentifier(ctx, sandboxToken, "NOT_A_TAG", id)
	if !linnworks.IsDataError(err) || linnworks.IsRetryable(err) {
		t.Fatalf("unknown tag: %v", err)
	}
	// The token is revoked: an unknown install token.
	_, err = e.c.CheckToken(ctx, "99999999-9999-9999-9999-999999999999")
	if !linnworks.IsTokenRevoked(err) {
		t.Fatalf("unknown token: %v", err)
	}
	e.checkJournal(t, v, http.StatusInternalServerError, http.StatusBadRequest, http.StatusUnauthorized)
}

func TestSandboxInstallIdentifiersTwice(t *testing.T) {
	v := newSpecValidator(t)
	e := newSandboxEnv(t, linnworkssandbox.Options{})
	ctx := context.Background()
	images := httptest.NewServer(http.StripPrefix("/assets", badge.Handler()))
	defer images.Close()
	base := images.URL + "/assets" + strings.TrimSuffix(badge.PathPrefix, "/")

	// An earlier install that stopped part-way left one identifier behind.
	seq5, _ := linnworks.SequenceTag(5)
	if _, err := e.c.SaveIdentifier(ctx, sandboxToken, linnworks.Identifier{IsCustom: true, Tag: seq5, Name: "SEQ 05", ImageURL: linnworks.IdentifierImageURL(base, seq5)}); err != nil {
		t.Fatal(err)
	}
	acct, first, err := e.c.Install(ctx, sandboxToken, base)
	if err != nil {
		t.Fatal(err)
	}
	if acct.Server != e.srv.URL {
		t.Fatalf("account %+v", acct)
	}
	// The token is checked live although a session was cached.
	if n := e.calls(http.MethodPost, "Auth/AuthorizeByApplication", http.StatusOK); n != 2 {
		t.Fatalf("%d authorisations, want 2 (the earlier session and the live check)", n)
	}
	specs := linnworks.StandardIdentifiers()
	if first.Created != len(specs)-1 || first.Updated != 0 || first.Unchanged != 1 {
		t.Fatalf("first install: %+v, want %d created and the existing one unchanged", first, len(specs)-1)
	}
	saves := e.calls(http.MethodPost, "OpenOrders/SaveIdentifier", http.StatusOK)
	second, err := e.c.EnsureIdentifiers(ctx, sandboxToken, base)
	if err != nil {
		t.Fatal(err)
	}
	if second.Created != 0 || second.Updated != 0 || second.Unchanged != len(specs) {
		t.Fatalf("second install: %+v, want nothing created", second)
	}
	if n := e.calls(http.MethodPost, "OpenOrders/SaveIdentifier", 0); n != saves {
		t.Fatalf("second install saved %d identifiers", n-saves)
	}

	ids, err := e.c.Identifiers(ctx, sandboxToken)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	byTag := map[string]linnworks.Identifier{}
	for _, id := range ids {
		count[id.Tag]++
		byTag[id.Tag] = id
	}
	for _, s := range specs {
		id, ok := byTag[s.Tag]
		if !ok || count[s.Tag] != 1 {
			t.Fatalf("%s present %d times", s.Tag, count[s.Tag])
		}
		if id.Name != s.Name || !id.IsCustom {
			t.Errorf("%s: %+v", s.Tag, id)
		}
		resp, err := http.Get(id.ImageURL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" || len(body) < 100 {
			t.Fatalf("%s image %s: %d %s (%d bytes)", s.Tag, id.ImageURL, resp.StatusCode, resp.Header.Get("Content-Type"), len(body))
		}
	}
	for _, name := range []string{"Sent to Stream", "Error from Stream", "RUN 01", "RUN 20", "MONDAY", "SUNDAY", "SEQ 01", "SEQ 20"} {
		if !slices.ContainsFunc(ids, func(i linnworks.Identifier) bool { return i.Name == name }) {
			t.Errorf("identifier %q missing", name)
		}
	}

	// A new public base moves the images without creating anything.
	moved, err := e.c.EnsureIdentifiers(ctx, sandboxToken, "https://new.example.invalid/identifiers")
	if err != nil {
		t.Fatal(err)
	}
	if moved.Created != 0 || moved.Updated != len(specs) {
		t.Fatalf("moved images: %+v", moved)
	}

	// A bad token fails the wizard step.
	_, _, err = e.c.Install(ctx, "99999999-9999-9999-9999-999999999999", base)
	if !linnworks.IsTokenRevoked(err) {
		t.Fatalf("bad token: %v", err)
	}
	e.checkJournal(t, v, http.StatusUnauthorized)
}

func TestRunSequenceAndDayTags(t *testing.T) {
	for n, want := range map[int]string{1: "STREAM_RUN_01", 20: "STREAM_RUN_20"} {
		if got, ok := linnworks.RunTag(n); !ok || got != want {
			t.Errorf("RunTag(%d) = %q %v", n, got, ok)
		}
	}
	for _, n := range []int{0, 21, -1} {
		if _, ok := linnworks.RunTag(n); ok {
			t.Errorf("RunTag(%d) accepted", n)
		}
		if _, ok := linnworks.SequenceTag(n); ok {
			t.Errorf("SequenceTag(%d) accepted", n)
		}
	}
	if got, _ := linnworks.SequenceTag(7); got != "STREAM_SEQ_07" {
		t.Errorf("SequenceTag(7) = %q", got)
	}
	if got := linnworks.DayTag(time.Sunday); got != "STREAM_DAY_SUNDAY" {
		t.Errorf("DayTag(Sunday) = %q", got)
	}
	specs := linnworks.StandardIdentifiers()
	tags := map[string]bool{}
	for _, s := range specs {
		if tags[s.Tag] {
			t.Errorf("duplicate tag %s", s.Tag)
		}
		tags[s.Tag] = true
		if got, ok := linnworks.LookupIdentifier(s.Tag); !ok || got != s {
			t.Errorf("LookupIdentifier(%s) = %+v %v", s.Tag, got, ok)
		}
	}
	if len(specs) != 2+linnworks.MaxRun+7+linnworks.MaxSequence {
		t.Fatalf("%d identifiers", len(specs))
	}
}
