package streamsandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// eventPairs are the (event, event_type) subscriptions the reference (§10.3) knows of.
var eventPairs = [][2]string{
	{"DELIVERED", "CONSHEADER"},
	{"ORDERSTATUS", "CONSHEADER"},
	{"ITEMSTATUS", "CONSITEM"},
	{"GROUPSTATUS", "LOADALLOC"},
	{"LOADALLOCPUP", "CONSHEADER"},
	{"GROUPSTATUS", "LOADALLOCTRUNK"},
	{"RUNSTATUS", "LOADHEADER"},
}

// subscription is a stored webhook subscription.
type subscription struct {
	id          int
	partyID     string
	event       string
	eventType   string
	urlPath     string
	httpMethod  string
	contentType string
	authHeader  string // secret: never written to a response or a log
	envelope    Envelope
}

func (sub *subscription) is(event, eventType string) bool {
	return sub.event == event && sub.eventType == eventType
}

// view is the subscription as GET /webhooks/webhooks lists it (without the auth header).
func (sub *subscription) view() map[string]any {
	return map[string]any{
		"id":           sub.id,
		"party_id":     sub.partyID,
		"event":        sub.event,
		"event_type":   sub.eventType,
		"url_path":     sub.urlPath,
		"http_method":  sub.httpMethod,
		"content_type": sub.contentType,
	}
}

type subscribeRequest struct {
	Event       string `json:"event"`
	EventType   string `json:"event_type"`
	URLPath     string `json:"url_path"`
	HTTPMethod  string `json:"http_method"`
	ContentType string `json:"content_type"`
	AuthHeader  string `json:"auth_header"`
}

// subscribe answers POST /webhooks/webhooks.
func (s *Sandbox) subscribe(w http.ResponseWriter, r *http.Request, c caller) {
	var req subscribeRequest
	if _, ok := readOrderJSON(w, r, &req); !ok {
		return
	}
	v := &validator{s: s}
	if v.required("event", req.Event) && v.required("event_type", req.EventType) &&
		!slices.Contains(eventPairs, [2]string{req.Event, req.EventType}) {
		v.fail(codeInvalid, "event", fmt.Sprintf("%s/%s is not a known event and event_type pair", req.Event, req.EventType))
	}
	if v.required("url_path", req.URLPath) {
		u, err := url.Parse(req.URLPath)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.fail(codeInvalid, "url_path", "must be an absolute http or https URL")
		}
	}
	if v.required("http_method", req.HTTPMethod) && req.HTTPMethod != http.MethodPost {
		v.fail(codeInvalid, "http_method", fmt.Sprintf("%q is not supported; use POST", req.HTTPMethod))
	}
	if v.required("content_type", req.ContentType) {
		if mt, _, err := mime.ParseMediaType(req.ContentType); err != nil || mt != "application/json" {
			v.fail(codeInvalid, "content_type", fmt.Sprintf("%q is not supported; use application/json", req.ContentType))
		}
	}
	v.maxLen("auth_header", req.AuthHeader, 1024)
	if len(v.errs) > 0 {
		writeEnvelope(w, http.StatusUnprocessableEntity, false, v.errs, nil)
		return
	}

	s.mu.Lock()
	s.subSeq++
	sub := &subscription{
		id: s.subSeq, partyID: c.party, event: req.Event, eventType: req.EventType, urlPath: req.URLPath,
		httpMethod: req.HTTPMethod, contentType: req.ContentType, authHeader: req.AuthHeader, envelope: s.envelope,
	}
	if sub.envelope == "" {
		sub.envelope = EnvelopeWrapped
		if s.rng.IntN(2) == 1 {
			sub.envelope = EnvelopeBare
		}
	}
	st := s.stateFor(c.clientID)
	st.subscriptions = append(st.subscriptions, sub)
	s.mu.Unlock()
	writeEnvelope(w, http.StatusOK, true, nil, map[string]any{"id": sub.id})
}

// listSubscriptions answers GET /webhooks/webhooks.
func (s *Sandbox) listSubscriptions(w http.ResponseWriter, c caller) {
	s.mu.Lock()
	subs := []map[string]any{}
	for _, sub := range s.stateFor(c.clientID).subscriptions {
		subs = append(subs, sub.view())
	}
	s.mu.Unlock()
	writeEnvelope(w, http.StatusOK, true, nil, map[string]any{"subscriptions": subs})
}

// eventKind is an event code with its description.
type eventKind struct{ code, desc string }

var (
	eventLockPlanning    = eventKind{"LOCKPLANNING", "Planning locked"}
	eventPlannedDelivery = eventKind{"PLANNEDDELIVERY", "Order planned"}
	eventPlannedGroup    = eventKind{"PLANNEDGROUP", "Group allocated to a run"}
	eventDispatched      = eventKind{"DISPATCHED", "Run dispatched"}
	eventDelivered       = eventKind{"DELIVERED", "Order delivered"}
	eventCollected       = eventKind{"COLLECTED", "Order collected"}
	eventCancelled       = eventKind{"CANCELLED", "Order cancelled"}
)

// Webhook payload (reference §10.4).
type webhookBody struct {
	Webhook webhookContent `json:"webhook"`
}

type webhookContent struct {
	Subscription webhookSubscription `json:"subscription"`
	Event        webhookEvent        `json:"event"`
	Run          *webhookRun         `json:"run,omitempty"`
	Group        *webhookGroup       `json:"group,omitempty"`
	Orders       []webhookRunOrder   `json:"orders,omitempty"`
	Order        *webhookOrder       `json:"order,omitempty"`
}

type webhookSubscription struct {
	PartyID    string `json:"party_id"`
	ID         int    `json:"id"`
	Event      string `json:"event"`
	EventType  string `json:"event_type"`
	URLPath    string `json:"url_path"`
	HTTPMethod string `json:"http_method"`
}

type webhookEvent struct {
	EventCode     string `json:"event_code"`
	EventCodeDesc string `json:"event_code_desc"`
	EventDesc     string `json:"event_desc"`
	EventDate     string `json:"event_date"`
	EventTime     string `json:"event_time"`
	EventText     string `json:"event_text"`
	EventLink     string `json:"event_link"`
}

type webhookRun struct {
	LoadID      string `json:"loadId"`
	Status      string `json:"status"`
	Description string `json:"description"`
}

type webhookGroup struct {
	IntSeq int    `json:"int_seq"`
	LoadID string `json:"loadId"`
}

type webhookRunOrder struct {
	Sequence int    `json:"sequence"`
	Order    string `json:"order"`
}

type webhookOrder struct {
	ID string `json:"id"`
}

// DeliveryRecord is one webhook delivery attempt, as GET /admin/webhooks shows it. Orders are
// the references the payload names: consignment numbers, as Stream's receivers in public code
// read them, and not the orderNo a client chose, so a receiver cannot mistake one for the other.
type DeliveryRecord struct {
	ID             int       `json:"id"`
	SubscriptionID int       `json:"subscriptionId"`
	ClientID       string    `json:"clientId"`
	Event          string    `json:"event"`
	EventType      string    `json:"eventType"`
	EventCode      string    `json:"eventCode"`
	Orders         []string  `json:"orders"`
	LoadID         string    `json:"loadId,omitempty"`
	URL            string    `json:"url"`
	Envelope       Envelope  `json:"envelope"`
	Done           bool      `json:"done"`
	StatusCode     int       `json:"statusCode"`
	Error          string    `json:"error,omitempty"`
	At             time.Time `json:"at"`
	Payload        any       `json:"payload"`
}

// webhookJob is one POST to make.
type webhookJob struct {
	record      int // index into s.deliveries
	method      string
	url         string
	contentType string
	auth        string
	body        []byte
}

// newJob builds the delivery of content to sub and records it. Callers hold s.mu.
func (s *Sandbox) newJob(clientID string, sub *subscription, content webhookContent, orders []string) webhookJob {
	now := s.now().UTC()
	content.Subscription = webhookSubscription{
		PartyID: sub.partyID, ID: sub.id, Event: sub.event, EventType: sub.eventType,
		URLPath: sub.urlPath, HTTPMethod: sub.httpMethod,
	}
	content.Event.EventDate = now.Format(time.DateOnly)
	content.Event.EventTime = now.Format(time.TimeOnly)
	var body []byte
	if sub.envelope == EnvelopeBare {
		body, _ = json.Marshal(content) // plain structs always encode
	} else {
		body, _ = json.Marshal(webhookBody{Webhook: content})
	}
	s.deliverySeq++
	rec := DeliveryRecord{
		ID: s.deliverySeq, SubscriptionID: sub.id, ClientID: clientID, Event: sub.event, EventType: sub.eventType,
		EventCode: content.Event.EventCode, Orders: orders, URL: sub.urlPath, Envelope: sub.envelope, At: now, Payload: json.RawMessage(body),
	}
	if content.Run != nil {
		rec.LoadID = content.Run.LoadID
	}
	s.deliveries = append(s.deliveries, rec)
	return webhookJob{
		record: len(s.deliveries) - 1, method: sub.httpMethod, url: sub.urlPath,
		contentType: "application/json", auth: sub.authHeader, body: body,
	}
}

// orderEvents builds order-level deliveries of kind for o. Callers hold s.mu.
func (s *Sandbox) orderEvents(o *order, kind eventKind) []webhookJob {
	var jobs []webhookJob
	st := s.stateFor(o.clientID)
	for _, sub := range st.subscriptions {
		wanted := sub.is("ORDERSTATUS", "CONSHEADER")
		switch kind {
		case eventDelivered:
			wanted = wanted || sub.is("DELIVERED", "CONSHEADER") || sub.is("ITEMSTATUS", "CONSITEM")
		case eventCollected:
			wanted = wanted || sub.is("ITEMSTATUS", "CONSITEM")
		}
		if !wanted {
			continue
		}
		content := webhookContent{
			Event: webhookEvent{
				EventCode: kind.code, EventCodeDesc: kind.desc,
				EventDesc: fmt.Sprintf("%s: %s", o.header.OrderNo, kind.desc),
				EventText: o.status, EventLink: o.trackingURL,
			},
			Order: &webhookOrder{ID: o.consignmentNo},
		}
		if g := o.groups[0]; g.run != nil {
			content.Run = &webhookRun{LoadID: g.run.loadID, Status: runStatus(g.run), Description: g.run.description}
			content.Group = &webhookGroup{IntSeq: g.id, LoadID: g.run.loadID}
		}
		jobs = append(jobs, s.newJob(o.clientID, sub, content, []string{o.consignmentNo}))
	}
	return jobs
}

// groupEvents builds GROUPSTATUS/LOADALLOC deliveries for each planned group of o. Callers hold s.mu.
func (s *Sandbox) groupEvents(o *order, kind eventKind) []webhookJob {
	var jobs []webhookJob
	for _, sub := range s.stateFor(o.clientID).subscriptions {
		if !sub.is("GROUPSTATUS", "LOADALLOC") {
			continue
		}
		for _, g := range o.groups {
			if g.run == nil {
				continue
			}
			content := webhookContent{
				Event: webhookEvent{
					EventCode: kind.code, EventCodeDesc: kind.desc,
					EventDesc: fmt.Sprintf("%s group %d: %s", o.header.OrderNo, g.id, kind.desc),
					EventText: g.status, EventLink: o.trackingURL,
				},
				Run:   &webhookRun{LoadID: g.run.loadID, Status: runStatus(g.run), Description: g.run.description},
				Group: &webhookGroup{IntSeq: g.id, LoadID: g.run.loadID},
				Order: &webhookOrder{ID: o.consignmentNo},
			}
			jobs = append(jobs, s.newJob(o.clientID, sub, content, []string{o.consignmentNo}))
		}
	}
	return jobs
}

// runEvents builds RUNSTATUS/LOADHEADER deliveries of kind for run (its loadId and
// description) carrying stops. Callers hold s.mu.
func (s *Sandbox) runEvents(clientID string, run webhookRun, stops []webhookRunOrder, kind eventKind) []webhookJob {
	var jobs []webhookJob
	orders := make([]string, len(stops))
	for i, st := range stops {
		orders[i] = st.Order
	}
	for _, sub := range s.stateFor(clientID).subscriptions {
		if !sub.is("RUNSTATUS", "LOADHEADER") {
			continue
		}
		r := run
		content := webhookContent{
			Event: webhookEvent{
				EventCode: kind.code, EventCodeDesc: kind.desc,
				EventDesc: fmt.Sprintf("%s: %s", run.Description, kind.desc), EventText: run.Status,
			},
			Run:    &r,
			Orders: slices.Clone(stops),
		}
		jobs = append(jobs, s.newJob(clientID, sub, content, orders))
	}
	return jobs
}

// runStatus is the run status a webhook reports for an assignment.
func runStatus(r *runAssignment) string {
	switch {
	case !r.completed.IsZero():
		return "COMPLETED"
	case !r.dispatched.IsZero():
		return "DISPATCHED"
	default:
		return "LOCKED"
	}
}

// deliver starts the POSTs of jobs in the background and returns a function that waits for
// them. Callers must not hold s.mu.
func (s *Sandbox) deliver(jobs []webhookJob) (wait func()) {
	if len(jobs) == 0 {
		return func() {}
	}
	done := make(chan struct{}, len(jobs))
	s.mu.Lock()
	if s.pending == 0 {
		s.idle = make(chan struct{})
	}
	s.pending += len(jobs)
	s.mu.Unlock()
	for _, j := range jobs {
		go func() {
			status, err := s.post(j)
			s.mu.Lock()
			rec := &s.deliveries[j.record]
			rec.Done, rec.StatusCode = true, status
			if err != nil {
				rec.Error = err.Error()
			}
			s.pending--
			if s.pending == 0 {
				close(s.idle)
			}
			s.mu.Unlock()
			done <- struct{}{}
		}()
	}
	return func() {
		for range jobs {
			<-done
		}
	}
}

// post makes one webhook request and returns the receiver's status code.
func (s *Sandbox) post(j webhookJob) (int, error) {
	req, err := http.NewRequestWithContext(context.Background(), j.method, j.url, bytes.NewReader(j.body))
	if err != nil {
		return 0, fmt.Errorf("build webhook request: %w", err)
	}
	req.Header.Set("Content-Type", j.contentType)
	req.Header.Set("User-Agent", "stream-sandbox-webhooks/1")
	if j.auth != "" {
		req.Header.Set("Authorization", j.auth)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		// url.Error repeats the URL, which may carry a secret path; keep only the cause.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		s.log.Warn("stream sandbox webhook failed", "host", hostOf(j.url), "error", err.Error())
		return 0, fmt.Errorf("post webhook: %w", err)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	_ = resp.Body.Close()
	if resp.StatusCode >= 300 {
		s.log.Warn("stream sandbox webhook refused", "host", hostOf(j.url), "status", resp.StatusCode)
	}
	return resp.StatusCode, nil
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}

// Deliveries returns every webhook delivery made or under way, oldest first.
func (s *Sandbox) Deliveries() []DeliveryRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := slices.Clone(s.deliveries)
	for i := range out {
		out[i].Orders = slices.Clone(out[i].Orders)
	}
	return out
}

// statusEventKind maps a terminal status to its event.
func statusEventKind(status string) eventKind {
	if strings.EqualFold(status, statusCollected) {
		return eventCollected
	}
	return eventDelivered
}
