package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworkssandbox"
	"linnstream/internal/localenv"
	"linnstream/internal/localqueue"
	"linnstream/internal/queue"
	"linnstream/internal/waitfor"
	"linnstream/internal/wizard"
)

// day is the README's day in the sandbox on a running local runtime: a
// profile set up through the wizard with the Linnworks sandbox's token, and
// the seeded Linnworks order it labels, driven over HTTP as a user would.
type day struct {
	t     *testing.T
	base  string
	token string
	num   int    // the Linnworks order (NumOrderId)
	order string // its Stream order number
}

// dayOrder is the seeded Linnworks order the README labels: Amelia
// Clarke's Oak Table Lamp.
const dayOrder = 100002

// newDay configures a profile with webhooks and sequence identifiers on and
// PROCESS_ON_DELIVERED as given, and labels dayOrder.
func newDay(t *testing.T, base string, processOnDelivered bool) *day {
	t.Helper()
	token := newConfigured(t, base)
	walkRest(t, base, token, map[string]string{
		wizard.ItemLinnworksAPIToken:     linnworkssandbox.DefaultInstallToken,
		wizard.ItemSequenceIdentifiers:   "true",
		wizard.ItemMarkProcessedDelivery: strconv.FormatBool(processOnDelivered),
		wizard.ItemWebhooksEnabled:       "true",
	})
	svcs := post(t, base, "UserAvailableServices", map[string]string{"AuthorizationToken": token})
	var serviceID string
	for _, s := range svcs["Services"].([]any) {
		if m := s.(map[string]any); m["ServiceName"] == "Courier (Justin Depot)" {
			serviceID, _ = m["ServiceUniqueId"].(string)
		}
	}
	if serviceID == "" {
		t.Fatalf("no Courier (Justin Depot) service: %v", svcs)
	}
	label := post(t, base, "GenerateLabel", map[string]any{"AuthorizationToken": token, "Name": "Amelia Clarke",
		"AddressLine1": "7 Orchard Close", "Town": "Reading", "Region": "Berkshire", "CountryCode": "GB",
		"Postalcode": "RG1 3AZ", "Email": "amelia.clarke@example.com", "Phone": "+44 118 496 0123",
		"OrderId": dayOrder, "OrderReference": "#5002", "ServiceId": serviceID,
		"Packages": []map[string]any{{"SequenceNumber": 1, "PackageWeight": 2300, "PackageFormat": "PARCEL",
			"Items": []map[string]any{{"ItemName": "Oak Table Lamp", "ProductCode": "LAMP-OAK-02", "Quantity": 1, "UnitWeight": 2300}}}}})
	if label["IsError"] != false {
		t.Fatalf("GenerateLabel: %v", label["ErrorMessage"])
	}
	return &day{t: t, base: base, token: token, num: dayOrder, order: strconv.Itoa(dayOrder)}
}

// stream posts to the Stream sandbox's admin API, which answers once the
// webhooks the action caused were delivered (queued by the receiver).
func (d *day) stream(action string, body map[string]any) {
	d.t.Helper()
	body["orderNo"] = d.order
	adminPost(d.t, d.base+streamSandboxPrefix+"/admin/"+action, body, http.StatusOK)
}

func (d *day) plan(run string, stop int, date string) {
	d.t.Helper()
	d.stream("plan", map[string]any{"run": run, "sequence": stop, "date": date})
}

func (d *day) deliver() {
	d.t.Helper()
	d.stream("dispatch", map[string]any{})
	d.stream("deliver", map[string]any{})
}

// linnworksOrder is the order as the Linnworks sandbox shows it.
func (d *day) linnworksOrder() linnworkssandbox.AdminOrder {
	d.t.Helper()
	var o linnworkssandbox.AdminOrder
	getJSON(d.t, d.base+linnworksSandboxPrefix+"/admin/orders/"+strconv.Itoa(d.num), &o)
	return o
}

// shows reports whether the order carries every identifier named (as
// Linnworks shows them: "RUN 03", "FRIDAY", "SEQ 04", "Sent to Stream").
func shows(o linnworkssandbox.AdminOrder, names ...string) bool {
	for _, n := range names {
		if !slices.Contains(identifierNames(o), n) {
			return false
		}
	}
	return true
}

// showsNone reports whether the order carries none of the identifiers named.
func showsNone(o linnworkssandbox.AdminOrder, names ...string) bool {
	for _, n := range names {
		if slices.Contains(identifierNames(o), n) {
			return false
		}
	}
	return true
}

func identifierNames(o linnworkssandbox.AdminOrder) []string {
	var out []string
	for _, tag := range o.Identifiers {
		if spec, ok := linnworks.LookupIdentifier(tag); ok {
			out = append(out, spec.Name)
		} else {
			out = append(out, tag)
		}
	}
	return out
}

// waitOrder waits until the Linnworks order satisfies cond.
func (d *day) waitOrder(what string, cond func(linnworkssandbox.AdminOrder) bool) linnworkssandbox.AdminOrder {
	d.t.Helper()
	var o linnworkssandbox.AdminOrder
	waitfor.Cond(d.t, what, func() bool {
		o = d.linnworksOrder()
		return cond(o)
	})
	return o
}

// queueStats are the write-back queue's counts from GET /local/queues.
func queueStats(t *testing.T, base string) localqueue.Stats {
	t.Helper()
	var qs struct{ Queues []localqueue.Stats }
	getJSON(t, base+"/local/queues", &qs)
	for _, q := range qs.Queues {
		if q.Name == localenv.WriteBackQueueName {
			return q
		}
	}
	t.Fatalf("no %s queue in %+v", localenv.WriteBackQueueName, qs.Queues)
	return localqueue.Stats{}
}

// drained waits until the write-back queue has nothing waiting or in
// flight, and returns its counts.
func drained(t *testing.T, base string) localqueue.Stats {
	t.Helper()
	var st localqueue.Stats
	waitfor.Cond(t, "the write-back queue to drain", func() bool {
		st = queueStats(t, base)
		return st.Waiting == 0 && st.InFlight == 0
	})
	return st
}

// linnworksWritePaths are the Linnworks operations that change an order.
var linnworksWritePaths = []string{
	"/api/Orders/SetOrderShippingInfo", "/api/OpenOrders/AssignOrderIdentifier", "/api/OpenOrders/UnassignOrderIdentifier",
	"/api/Orders/AddOrdersNote", "/api/ProcessedOrders/AddOrderNote", "/api/Orders/SetExtendedProperties",
	"/api/Orders/ProcessOrder", "/api/Orders/SetOrderNotes", "/api/Orders/AddExtendedProperties",
}

// linnworksWrites counts the successful order changes in the Linnworks
// sandbox's request log.
func linnworksWrites(t *testing.T, base string) int {
	t.Helper()
	var log []linnworkssandbox.JournalEntry
	getJSON(t, base+linnworksSandboxPrefix+"/admin/requests", &log)
	n := 0
	for _, e := range log {
		if slices.Contains(linnworksWritePaths, e.Path) && e.Status < 300 {
			n++
		}
	}
	return n
}

// weekday names the identifier of the weekday of an ISO date.
func weekday(t *testing.T, date string) string {
	t.Helper()
	d, err := time.Parse(time.DateOnly, date)
	if err != nil {
		t.Fatal(err)
	}
	spec, _ := linnworks.LookupIdentifier(linnworks.DayTag(d.Weekday()))
	return spec.Name
}

// The dates the scenario plans on: a Friday, then the Monday after.
const (
	firstDate  = "2026-12-04"
	secondDate = "2026-12-07"
)

// live runs the scenario with each step's webhooks applied as they come,
// waiting after each step for the Linnworks order to show it, and returns
// the order in the end.
func (d *day) live(processOnDelivered bool) linnworkssandbox.AdminOrder {
	d.t.Helper()
	fri, mon := weekday(d.t, firstDate), weekday(d.t, secondDate)
	labelled := d.waitOrder("the label's tracking number and Sent to Stream", func(o linnworkssandbox.AdminOrder) bool {
		return o.TrackingNumber != "" && shows(o, "Sent to Stream")
	})
	tracking := labelled.TrackingNumber

	d.plan("RUN 03", 4, firstDate)
	d.waitOrder("RUN 03, "+fri+" and SEQ 04", func(o linnworkssandbox.AdminOrder) bool {
		return o.TrackingNumber == tracking && shows(o, "Sent to Stream", "RUN 03", fri, "SEQ 04")
	})

	d.plan("RUN 05", 2, secondDate)
	d.waitOrder("RUN 05, "+mon+" and SEQ 02 in place of RUN 03, "+fri+" and SEQ 04", func(o linnworkssandbox.AdminOrder) bool {
		return shows(o, "Sent to Stream", "RUN 05", mon, "SEQ 02") && showsNone(o, "RUN 03", fri, "SEQ 04")
	})

	d.deliver()
	if processOnDelivered {
		return d.waitOrder("the delivered order to be processed", func(o linnworkssandbox.AdminOrder) bool { return o.Processed })
	}
	st := drained(d.t, d.base)
	if st.Done != st.Sent || st.DeadLettered != 0 {
		d.t.Fatalf("queue %+v: want every message applied", st)
	}
	return d.linnworksOrder()
}

// On make run, with no AWS: the Stream sandbox's webhooks reach the
// receiver, the in-process queue hands them to the write-back, and the
// Linnworks sandbox's order shows the tracking, the run, the day and the
// stop as they are planned and re-planned, and is processed once
// delivered when PROCESS_ON_DELIVERED is on (and only then).
func TestStreamEventsChangeTheLinnworksOrder(t *testing.T) {
	for _, process := range []bool{true, false} {
		t.Run(fmt.Sprintf("PROCESS_ON_DELIVERED %v", process), func(t *testing.T) {
			base, _ := startLocalWith(t, Config{Queue: fastQueue})
			d := newDay(t, base, process)
			o := d.live(process)
			if o.Processed != process {
				t.Errorf("delivered order processed = %v, want %v", o.Processed, process)
			}
			if !shows(o, "Sent to Stream", "RUN 05", weekday(t, secondDate), "SEQ 02") || o.TrackingNumber == "" {
				t.Errorf("delivered order shows %v, tracking %q", identifierNames(o), o.TrackingNumber)
			}
			st := drained(t, base)
			if st.Done != st.Sent || st.DeadLettered != 0 {
				t.Errorf("queue %+v: want every message applied", st)
			}
		})
	}
}

// The identifiers the scenario's end state is compared on, sorted.
func endState(o linnworkssandbox.AdminOrder) string {
	names := identifierNames(o)
	slices.Sort(names)
	b, _ := json.Marshal(map[string]any{"identifiers": names, "tracking": o.TrackingNumber != "", "processed": o.Processed, "notes": len(o.Notes)})
	return string(b)
}

// gate holds the write-back until released.
type gate struct {
	open chan struct{}
	once sync.Once
}

func newGate() *gate { return &gate{open: make(chan struct{})} }

func (g *gate) wrap(h queue.Handler) queue.Handler {
	return func(ctx context.Context, body []byte) error {
		select {
		case <-g.open:
		case <-ctx.Done():
			return ctx.Err()
		}
		return h(ctx, body)
	}
}

func (g *gate) release() { g.once.Do(func() { close(g.open) }) }

// webhookURL is the profile's WEBHOOK_URL as the wizard shows it.
func webhookURL(t *testing.T, base, token string) string {
	t.Helper()
	out := post(t, base, "UserConfig", map[string]string{"AuthorizationToken": token})
	for _, it := range out["ConfigStage"].(map[string]any)["ConfigItems"].([]any) {
		if m := it.(map[string]any); m["ConfigItemId"] == wizard.ItemWebhookURL {
			if u, _ := m["SelectedValue"].(string); u != "" {
				return u
			}
		}
	}
	t.Fatalf("no WEBHOOK_URL in %v", out)
	return ""
}

var fastQueue = localqueue.Config{BaseBackoff: time.Millisecond}

// Every webhook of the day, delivered three times (once as Stream sends
// it, then twice more in a shuffled order) through the receiver, the queue
// and the write-back, ends as one delivery of each applied as it came: the
// same Linnworks order, and no more Linnworks writes. The write-back is
// held until every delivery is in, so no message sees a state the next
// one changes.
func TestRepeatedShuffledWebhooksEndAsOneDeliveryOfEach(t *testing.T) {
	base, _ := startLocalWith(t, Config{Queue: fastQueue})
	once := newDay(t, base, true)
	once.live(true)
	drained(t, base)
	want, wantWrites := endState(once.linnworksOrder()), linnworksWrites(t, base)

	g := newGate()
	base2, _ := startLocalWith(t, Config{Queue: fastQueue, WrapWriteBack: g.wrap})
	t.Cleanup(g.release) // before the runtime stops, which waits for the held message
	d := newDay(t, base2, true)
	d.plan("RUN 03", 4, firstDate)
	d.plan("RUN 05", 2, secondDate)
	d.deliver()
	hook := webhookURL(t, base2, d.token)
	var hooks sandboxHooks
	getJSON(t, base2+streamSandboxPrefix+"/admin/webhooks", &hooks)
	var again []json.RawMessage
	for _, dl := range hooks.Deliveries {
		if dl.URL == hook {
			if dl.StatusCode != http.StatusOK {
				t.Fatalf("the receiver answered %s with %d", dl.EventCode, dl.StatusCode)
			}
			again = append(again, dl.Payload, dl.Payload)
		}
	}
	if len(again) == 0 {
		t.Fatal("the day sent no webhook to the receiver")
	}
	rand.New(rand.NewPCG(7, 11)).Shuffle(len(again), func(i, j int) { again[i], again[j] = again[j], again[i] })
	before := queueStats(t, base2)
	for _, p := range again {
		res, err := http.Post(hook, "application/json", bytes.NewReader(p))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("redelivery answered %d", res.StatusCode)
		}
	}
	after := queueStats(t, base2)
	// The queue's de-duplication drops each repeat, as SQS FIFO does.
	if after.Sent != before.Sent || after.Duplicates-before.Duplicates < len(again) {
		t.Errorf("queue before the repeats %+v, after %+v: want every repeat dropped as a duplicate", before, after)
	}
	g.release()
	st := drained(t, base2)
	if st.Done != st.Sent || st.DeadLettered != 0 {
		t.Errorf("queue %+v: want every message applied", st)
	}
	if got := endState(d.linnworksOrder()); got != want {
		t.Errorf("end state %s, want %s", got, want)
	}
	if n := linnworksWrites(t, base2); n > wantWrites || n == 0 {
		t.Errorf("%d Linnworks writes, want at most the %d of one delivery of each", n, wantWrites)
	}
}

// streamFault makes the Stream sandbox's next API calls fail.
func streamFault(t *testing.T, base string, fault map[string]any) {
	t.Helper()
	adminPost(t, base+streamSandboxPrefix+"/admin/faults", fault, http.StatusOK)
}

// linnworksFault queues a fault on the Linnworks sandbox's next API calls.
func linnworksFault(t *testing.T, base string, fault linnworkssandbox.Fault) {
	t.Helper()
	adminPost(t, base+linnworksSandboxPrefix+"/admin/faults", fault, http.StatusCreated)
}

// linnworksAnswers counts the Linnworks sandbox's answers with the status.
func linnworksAnswers(t *testing.T, base string, status int) int {
	t.Helper()
	var log []linnworkssandbox.JournalEntry
	getJSON(t, base+linnworksSandboxPrefix+"/admin/requests", &log)
	n := 0
	for _, e := range log {
		if e.Status == status {
			n++
		}
	}
	return n
}

// Linnworks answering 429 and 500, and Stream 503, for a few calls each:
// the write-back retries (in its clients and through the queue) and the
// day ends as it should, with every message applied.
func TestTransientFaultsOnTheWayBack(t *testing.T) {
	base, _ := startLocalWith(t, Config{Queue: fastQueue})
	d := newDay(t, base, true)
	d.waitOrder("the label's write-back", func(o linnworkssandbox.AdminOrder) bool { return shows(o, "Sent to Stream") })
	linnworksFault(t, base, linnworkssandbox.Fault{Mode: linnworkssandbox.FaultRateLimit, Count: 2})
	linnworksFault(t, base, linnworkssandbox.Fault{Mode: linnworkssandbox.FaultError, Count: 2})
	streamFault(t, base, map[string]any{"mode": "error", "count": 3, "status": http.StatusServiceUnavailable})
	o := d.live(true)
	if !o.Processed || !shows(o, "RUN 05", weekday(t, secondDate), "SEQ 02") || !showsNone(o, "RUN 03", "SEQ 04") {
		t.Errorf("after the faults the order shows %v, processed %v", identifierNames(o), o.Processed)
	}
	if n429, n500 := linnworksAnswers(t, base, http.StatusTooManyRequests), linnworksAnswers(t, base, http.StatusInternalServerError); n429 != 2 || n500 != 2 {
		t.Errorf("Linnworks answered 429 %d times and 500 %d times, want the 2 and 2 injected", n429, n500)
	}
	var pending struct {
		Mode string `json:"mode"`
	}
	getJSON(t, base+streamSandboxPrefix+"/admin/faults", &pending)
	if pending.Mode != "none" {
		t.Errorf("the Stream fault is still pending (%s): the write-back never met it", pending.Mode)
	}
	st := drained(t, base)
	if st.Done != st.Sent || st.DeadLettered != 0 {
		t.Errorf("queue %+v: want every message applied after retries", st)
	}
}

// Stream failing every call: each message of the planning fails its five
// receives and ends in the dead-letter queue, so that every message in is
// either applied or dead-lettered. Once Stream is back, a redrive (POST
// /local/queues/writeback/redrive) applies them.
func TestPersistentFaultEndsInTheDeadLetterQueue(t *testing.T) {
	base, _ := startLocalWith(t, Config{Queue: fastQueue})
	d := newDay(t, base, true)
	d.waitOrder("the label's write-back", func(o linnworkssandbox.AdminOrder) bool { return shows(o, "Sent to Stream") })
	streamFault(t, base, map[string]any{"mode": "error", "count": 100000, "status": http.StatusInternalServerError})
	d.plan("RUN 03", 4, firstDate)
	st := deadLettered(t, base)
	if o := d.linnworksOrder(); !showsNone(o, "RUN 03", "SEQ 04") {
		t.Errorf("with Stream failing the order shows %v", identifierNames(o))
	}

	streamFault(t, base, map[string]any{"mode": "none"})
	var redriven map[string]int
	json.Unmarshal(adminPost(t, base+"/local/queues/"+localenv.WriteBackQueueName+"/redrive", nil, http.StatusOK), &redriven)
	if redriven["redriven"] != st.DeadLettered {
		t.Errorf("redrove %v, want the %d dead letters", redriven, st.DeadLettered)
	}
	d.waitOrder("RUN 03, "+weekday(t, firstDate)+" and SEQ 04 after the redrive", func(o linnworkssandbox.AdminOrder) bool {
		return shows(o, "RUN 03", weekday(t, firstDate), "SEQ 04")
	})
	if st := drained(t, base); st.Done != st.Sent || st.DeadLettered != 0 {
		t.Errorf("queue after the redrive %+v: want every message applied", st)
	}
}

// A Linnworks token revoked after the label: the planning's messages are
// not retried forever but wait in the dead-letter queue, the profile
// records the refusal, and UserConfig tells the user in words.
func TestRevokedTokenIsShownAndItsMessagesWait(t *testing.T) {
	base, _ := startLocalWith(t, Config{Queue: fastQueue})
	d := newDay(t, base, true)
	d.waitOrder("the label's write-back", func(o linnworkssandbox.AdminOrder) bool { return shows(o, "Sent to Stream") })
	drained(t, base)
	if desc := userConfigDescription(t, base, d.token); strings.Contains(desc, "refused") {
		t.Fatalf("before the revocation UserConfig says %q", desc)
	}
	adminPost(t, base+linnworksSandboxPrefix+"/admin/tokens/revoke",
		map[string]string{"token": linnworkssandbox.DefaultInstallToken}, http.StatusNoContent)
	d.plan("RUN 03", 4, firstDate)
	deadLettered(t, base)
	if desc := userConfigDescription(t, base, d.token); !strings.Contains(desc, "Linnworks refused the Linnworks API token") ||
		!strings.Contains(desc, "save a working token") {
		t.Errorf("UserConfig says %q, want the refused token in words", desc)
	}
	if o := d.linnworksOrder(); !showsNone(o, "RUN 03", "SEQ 04") {
		t.Errorf("with the token revoked the order shows %v", identifierNames(o))
	}
}

// deadLettered waits until every message but the label's has been
// dead-lettered (each takes five receives, one after another, so it waits
// one dead letter at a time) and checks that nothing was lost: every
// message sent was applied or dead-lettered, and only the label's applied.
func deadLettered(t *testing.T, base string) localqueue.Stats {
	t.Helper()
	var st localqueue.Stats
	for st.DeadLettered == 0 || st.Waiting+st.InFlight > 0 {
		prev := st.DeadLettered
		waitfor.Cond(t, "the next message of the planning to be dead-lettered", func() bool {
			st = queueStats(t, base)
			return st.DeadLettered > prev
		})
	}
	if st.Sent != st.Done+st.DeadLettered || st.Done != 1 {
		t.Errorf("queue %+v: want the label's message applied and every other dead-lettered", st)
	}
	return st
}

// userConfigDescription is the wizard step description UserConfig gives
// the profile.
func userConfigDescription(t *testing.T, base, token string) string {
	t.Helper()
	out := post(t, base, "UserConfig", map[string]string{"AuthorizationToken": token})
	if out["IsError"] != false {
		t.Fatalf("UserConfig: %v", out["ErrorMessage"])
	}
	desc, _ := out["WizardStepDescription"].(string)
	return desc
}
