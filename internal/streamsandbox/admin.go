package streamsandbox

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// The admin API is the sandbox's own, not Stream's: it lets tests and demos look at what was
// received and play the dispatcher. JSON in and out; errors are {"error": "..."}.

type adminError struct {
	Error string `json:"error"`
}

func writeAdminError(w http.ResponseWriter, status int, format string, args ...any) {
	writeJSON(w, status, adminError{Error: fmt.Sprintf(format, args...)})
}

// serveAdmin dispatches /admin/... calls.
func (s *Sandbox) serveAdmin(w http.ResponseWriter, r *http.Request, rest string) {
	segs := segments(rest)
	switch {
	case len(segs) == 1 && segs[0] == "orders" && r.Method == http.MethodGet:
		s.adminOrders(w, "")
	case len(segs) == 2 && segs[0] == "orders" && r.Method == http.MethodGet:
		s.adminOrders(w, segs[1])
	case len(segs) == 1 && segs[0] == "plan" && r.Method == http.MethodPost:
		s.adminPlan(w, r)
	case len(segs) == 1 && segs[0] == "dispatch" && r.Method == http.MethodPost:
		s.adminDispatch(w, r)
	case len(segs) == 1 && segs[0] == "deliver" && r.Method == http.MethodPost:
		s.adminDeliver(w, r)
	case len(segs) == 1 && segs[0] == "faults" && (r.Method == http.MethodPost || r.Method == http.MethodGet):
		s.adminFaults(w, r)
	case len(segs) == 1 && segs[0] == "webhooks" && r.Method == http.MethodGet:
		s.adminWebhooks(w)
	default:
		writeAdminError(w, http.StatusNotFound, "no admin endpoint %s %s", r.Method, "/admin/"+strings.Join(segs, "/"))
	}
}

// adminOrder is one stored order as GET /admin/orders lists it.
type adminOrder struct {
	ClientID      string          `json:"clientId"`
	OrderNo       string          `json:"orderNo"`
	ConsignmentNo string          `json:"consignmentNo"`
	OrderStatus   string          `json:"orderStatus"`
	CreatedAt     time.Time       `json:"createdAt"`
	Order         docOrder        `json:"order"`
	Received      json.RawMessage `json:"received"`
}

func (s *Sandbox) adminView(o *order) adminOrder {
	return adminOrder{
		ClientID: o.clientID, OrderNo: o.header.OrderNo, ConsignmentNo: o.consignmentNo, OrderStatus: o.status,
		CreatedAt: o.created, Order: s.document(o), Received: o.received,
	}
}

// adminOrders answers GET /admin/orders (every order, oldest first) and GET /admin/orders/{orderNo}.
func (s *Sandbox) adminOrders(w http.ResponseWriter, orderNo string) {
	s.mu.Lock()
	var all []*order
	for _, st := range s.state {
		all = append(all, st.order...)
	}
	slices.SortFunc(all, func(a, b *order) int { return a.seq - b.seq })
	views := []adminOrder{}
	for _, o := range all {
		if orderNo == "" || o.header.OrderNo == orderNo || o.consignmentNo == orderNo {
			views = append(views, s.adminView(o))
		}
	}
	s.mu.Unlock()
	if orderNo == "" {
		writeJSON(w, http.StatusOK, map[string]any{"orders": views})
		return
	}
	if len(views) == 0 {
		writeAdminError(w, http.StatusNotFound, "order %s not found", orderNo)
		return
	}
	writeJSON(w, http.StatusOK, views[0])
}

// decodeAdmin decodes an admin request body, refusing unknown fields.
func decodeAdmin(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := readBody(r)
	if err != nil {
		writeAdminError(w, http.StatusBadRequest, "%v", err)
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeAdminError(w, http.StatusBadRequest, "invalid JSON body: %v", err)
		return false
	}
	return true
}

// findAdminOrder finds orderNo (or a consignmentNo) in any account, or in clientID's when given.
// It writes the error and returns nil when there is no single match. Callers hold s.mu.
func (s *Sandbox) findAdminOrder(w http.ResponseWriter, orderNo, clientID string) *order {
	if strings.TrimSpace(orderNo) == "" {
		writeAdminError(w, http.StatusBadRequest, "orderNo is required")
		return nil
	}
	var found []*order
	for id := range s.state {
		if clientID != "" && id != clientID {
			continue
		}
		if o := s.lookup(id, orderNo); o != nil {
			found = append(found, o)
		}
	}
	switch len(found) {
	case 0:
		writeAdminError(w, http.StatusNotFound, "order %s not found", orderNo)
		return nil
	case 1:
		return found[0]
	default:
		writeAdminError(w, http.StatusBadRequest, "order %s exists in several accounts; give clientId", orderNo)
		return nil
	}
}

type planRequest struct {
	OrderNo     string `json:"orderNo"`
	ClientID    string `json:"clientId"`
	Run         string `json:"run"`
	Sequence    int    `json:"sequence"`
	Date        string `json:"date"`
	ETA         string `json:"eta"` // HH:MM; default 08:00 plus 20 minutes per earlier stop
	DriverName  string `json:"driverName"`
	VehicleName string `json:"vehicleName"`
	VehicleType string `json:"vehicleType"`
}

var clockTime = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// adminPlan answers POST /admin/plan: the order joins a run at a stop, planning is locked and
// the planning webhooks are delivered before the answer.
func (s *Sandbox) adminPlan(w http.ResponseWriter, r *http.Request) {
	var req planRequest
	if !decodeAdmin(w, r, &req) {
		return
	}
	var problems []string
	if strings.TrimSpace(req.Run) == "" {
		problems = append(problems, "run is required")
	} else if utf8.RuneCountInString(req.Run) > maxName {
		problems = append(problems, fmt.Sprintf("run is longer than %d characters", maxName))
	}
	if req.Sequence < 1 {
		problems = append(problems, "sequence must be at least 1")
	}
	date, err := time.Parse(time.DateOnly, req.Date)
	if err != nil {
		problems = append(problems, "date must be yyyy-MM-dd")
	}
	eta := date.Add(8*time.Hour + time.Duration(max(req.Sequence-1, 0))*20*time.Minute)
	if req.ETA != "" {
		if !clockTime.MatchString(req.ETA) {
			problems = append(problems, "eta must be HH:MM")
		} else {
			t, _ := time.Parse("15:04", req.ETA)
			eta = date.Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute)
		}
	}
	if eta.Day() != date.Day() {
		eta = date.Add(23*time.Hour + 59*time.Minute)
	}
	if len(problems) > 0 {
		writeAdminError(w, http.StatusBadRequest, "%s", strings.Join(problems, "; "))
		return
	}

	s.mu.Lock()
	o := s.findAdminOrder(w, req.OrderNo, req.ClientID)
	if o == nil {
		s.mu.Unlock()
		return
	}
	if o.status != statusUnconfirmed && o.status != statusPlanned {
		s.mu.Unlock()
		writeAdminError(w, http.StatusConflict, "order %s is %s and cannot be planned", o.header.OrderNo, o.status)
		return
	}
	key := loadKey{clientID: o.clientID, description: req.Run, date: req.Date}
	loadID := s.loads[key]
	if loadID == "" {
		s.loadSeq++
		loadID = fmt.Sprintf("LD%06d", s.loadSeq)
		s.loads[key] = loadID
	}
	for _, g := range o.groups {
		g.run = &runAssignment{
			loadID: loadID, description: req.Run, sequence: req.Sequence, date: req.Date, eta: eta,
			driverName: req.DriverName, vehicleName: req.VehicleName, vehicleType: req.VehicleType,
		}
		g.status = statusPlanned
	}
	o.status = statusPlanned

	run := webhookRun{LoadID: loadID, Status: "LOCKED", Description: req.Run}
	jobs := s.runEvents(o.clientID, run, s.stops(o.clientID, loadID), eventLockPlanning)
	jobs = append(jobs, s.groupEvents(o, eventPlannedGroup)...)
	jobs = append(jobs, s.orderEvents(o, eventPlannedDelivery)...)
	s.mu.Unlock()

	s.finishAdmin(w, o, jobs)
}

// stops lists the live orders planned on loadID with their stop sequence. Callers hold s.mu.
func (s *Sandbox) stops(clientID, loadID string) []webhookRunOrder {
	var out []webhookRunOrder
	for _, o := range s.stateFor(clientID).order {
		if o.status == statusCancelled {
			continue
		}
		if g := o.groups[0]; g.run != nil && g.run.loadID == loadID {
			out = append(out, webhookRunOrder{Sequence: g.run.sequence, Order: o.consignmentNo})
		}
	}
	slices.SortStableFunc(out, func(a, b webhookRunOrder) int { return a.Sequence - b.Sequence })
	return out
}

type orderAction struct {
	OrderNo  string `json:"orderNo"`
	ClientID string `json:"clientId"`
}

// adminDispatch answers POST /admin/dispatch: a planned order leaves with its run.
func (s *Sandbox) adminDispatch(w http.ResponseWriter, r *http.Request) {
	s.adminTransition(w, r, statusPlanned, "only a PLANNED order can be dispatched", func(o *order) []webhookJob {
		now := s.now().UTC()
		for _, g := range o.groups {
			g.run.dispatched = now
			g.status = statusReleased
		}
		o.status = statusReleased
		g := o.groups[0]
		run := webhookRun{LoadID: g.run.loadID, Status: runStatus(g.run), Description: g.run.description}
		jobs := s.runEvents(o.clientID, run, []webhookRunOrder{{Sequence: g.run.sequence, Order: o.consignmentNo}}, eventDispatched)
		return append(jobs, s.orderEvents(o, eventDispatched)...)
	})
}

// adminDeliver answers POST /admin/deliver: a dispatched order is delivered (a COLLECTION order
// is collected), every item with the current date-time.
func (s *Sandbox) adminDeliver(w http.ResponseWriter, r *http.Request) {
	s.adminTransition(w, r, statusReleased, "only a dispatched (RELEASED) order can be delivered", func(o *order) []webhookJob {
		now := s.now().UTC()
		status := statusDelivered
		if o.header.OrderType == TypeCollection {
			status = statusCollected
		}
		for _, g := range o.groups {
			g.done = now
			g.run.completed = now
			g.status = statusDelivered
			if g.typ == TypeCollection {
				g.status = statusCollected
			}
		}
		o.status = status
		return s.orderEvents(o, statusEventKind(status))
	})
}

// adminTransition runs an admin status change: it reads {"orderNo","clientId"}, finds the order,
// refuses it unless its status is from, applies change under the lock and answers with the order
// and the webhooks change fired.
func (s *Sandbox) adminTransition(w http.ResponseWriter, r *http.Request, from, refusal string, change func(*order) []webhookJob) {
	var req orderAction
	if !decodeAdmin(w, r, &req) {
		return
	}
	s.mu.Lock()
	o := s.findAdminOrder(w, req.OrderNo, req.ClientID)
	if o == nil {
		s.mu.Unlock()
		return
	}
	if o.status != from {
		s.mu.Unlock()
		writeAdminError(w, http.StatusConflict, "order %s is %s; %s", o.header.OrderNo, o.status, refusal)
		return
	}
	jobs := change(o)
	s.mu.Unlock()

	s.finishAdmin(w, o, jobs)
}

// finishAdmin delivers jobs, waits for them and answers with the order and the deliveries.
func (s *Sandbox) finishAdmin(w http.ResponseWriter, o *order, jobs []webhookJob) {
	s.deliver(jobs)()
	s.mu.Lock()
	view := s.adminView(o)
	recs := []DeliveryRecord{}
	for _, j := range jobs {
		recs = append(recs, s.deliveries[j.record])
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"order": view, "webhooks": recs})
}

type faultRequest struct {
	Mode      string `json:"mode"`
	Count     int    `json:"count"`
	LatencyMs int    `json:"latencyMs"`
	Status    int    `json:"status"` // for mode "error": 500–599 or 404, default 503
}

// faultView shows the pending fault.
func (f faultState) view() map[string]any {
	mode := string(f.mode)
	if mode == "" {
		mode = "none"
	}
	return map[string]any{"mode": mode, "remaining": f.remaining, "latencyMs": f.latency.Milliseconds(), "status": f.status}
}

// adminFaults answers POST /admin/faults (replacing the pending fault) and GET /admin/faults.
func (s *Sandbox) adminFaults(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet {
		s.mu.Lock()
		v := s.fault.view()
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, v)
		return
	}
	var req faultRequest
	if !decodeAdmin(w, r, &req) {
		return
	}
	f := faultState{mode: faultMode(req.Mode), remaining: req.Count}
	switch f.mode {
	case "none":
		f = faultState{}
	case faultLatency:
		if req.LatencyMs < 1 || req.LatencyMs > 120000 {
			writeAdminError(w, http.StatusBadRequest, "latencyMs must be between 1 and 120000")
			return
		}
		f.latency = time.Duration(req.LatencyMs) * time.Millisecond
	case faultError:
		f.status = req.Status
		if f.status == 0 {
			f.status = http.StatusServiceUnavailable
		}
		if (f.status < 500 || f.status > 599) && f.status != http.StatusNotFound {
			writeAdminError(w, http.StatusBadRequest, "status must be a 5xx code or 404")
			return
		}
	case faultDrop:
	default:
		writeAdminError(w, http.StatusBadRequest, "mode must be latency, error, drop or none")
		return
	}
	if f.mode != faultNone && f.remaining < 1 {
		writeAdminError(w, http.StatusBadRequest, "count must be at least 1")
		return
	}
	s.mu.Lock()
	s.fault = f
	v := f.view()
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, v)
}

// adminWebhooks answers GET /admin/webhooks: every subscription (auth headers masked) and every
// delivery attempt.
func (s *Sandbox) adminWebhooks(w http.ResponseWriter) {
	s.mu.Lock()
	subs := []map[string]any{}
	ids := make([]string, 0, len(s.state))
	for id := range s.state {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		for _, sub := range s.state[id].subscriptions {
			v := sub.view()
			v["clientId"] = id
			v["hasAuthHeader"] = sub.authHeader != ""
			subs = append(subs, v)
		}
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"subscriptions": subs, "deliveries": s.Deliveries()})
}
