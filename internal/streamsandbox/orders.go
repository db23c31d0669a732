package streamsandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// readOrderJSON reads and strictly decodes a request body into v, writing the error answer
// (400 for malformed JSON, 422 for wrong field types) and returning false on failure.
func readOrderJSON(w http.ResponseWriter, r *http.Request, v any) ([]byte, bool) {
	body, err := readBody(r)
	if err != nil {
		status := http.StatusBadRequest
		if errors.Is(err, errBodyTooBig) {
			status = http.StatusRequestEntityTooLarge
		}
		writeEnvelope(w, status, false, []apiError{fieldError("INVALIDJSON", "body", err.Error())}, nil)
		return nil, false
	}
	if err := decodeStrict(body, v); err != nil {
		if errors.Is(err, errBadJSON) {
			writeEnvelope(w, http.StatusBadRequest, false, []apiError{fieldError("INVALIDJSON", "body", err.Error())}, nil)
			return nil, false
		}
		writeEnvelope(w, http.StatusUnprocessableEntity, false, []apiError{{Code: codeInvalid, Description: err.Error(), Severity: severityError}}, nil)
		return nil, false
	}
	return body, true
}

// createOrder answers POST /orders/orders.
func (s *Sandbox) createOrder(w http.ResponseWriter, r *http.Request, c caller) {
	var req orderRequest
	body, ok := readOrderJSON(w, r, &req)
	if !ok {
		return
	}
	v := &validator{s: s}
	v.validateCreate(&req)
	if len(v.errs) > 0 {
		writeEnvelope(w, http.StatusUnprocessableEntity, false, append(v.errs, v.warns...), nil)
		return
	}

	s.mu.Lock()
	st := s.stateFor(c.clientID)
	no := req.Header.OrderNo
	if _, dup := st.orders[no]; dup {
		s.mu.Unlock()
		writeEnvelope(w, http.StatusUnprocessableEntity, false, []apiError{fieldError(codeDuplicate, "header.orderNo",
			fmt.Sprintf("an order with orderNo %s already exists", no))}, nil)
		return
	}
	s.orderSeq++
	o := &order{
		clientID:      c.clientID,
		seq:           s.orderSeq,
		header:        *req.Header,
		consignmentNo: fmt.Sprintf("SB%08d", s.orderSeq),
		trackingID:    randomCode(10),
		status:        statusUnconfirmed,
		created:       s.now().UTC(),
		received:      json.RawMessage(body),
	}
	o.trackingURL = s.trackingBase(r) + "/track/" + o.trackingID
	switch o.header.OrderType {
	case TypeDelivery:
		s.addGroup(o, TypeDelivery, *req.Delivery)
	case TypeCollection:
		s.addGroup(o, TypeCollection, *req.Collection)
	default: // MULTI: the collection leg, then each delivery leg
		s.addGroup(o, TypeCollection, *req.Collection)
		for _, d := range req.Collection.Delivery {
			s.addGroup(o, TypeDelivery, d)
		}
	}
	st.orders[no] = o
	st.byConsignment[o.consignmentNo] = o
	st.order = append(st.order, o)
	resp := o.createdPayload()
	s.mu.Unlock()

	s.log.Info("stream sandbox order created", "client", c.clientID, "orderNo", no, "consignmentNo", o.consignmentNo)
	writeEnvelope(w, http.StatusOK, true, v.warns, resp)
}

// addGroup appends a group for leg l of type typ. Callers hold s.mu.
func (s *Sandbox) addGroup(o *order, typ string, l leg) {
	s.groupSeq++
	l.Delivery = nil
	method := l.DeliveryMethod
	if typ == TypeCollection {
		method = l.CollectionMethod
	}
	o.groups = append(o.groups, &group{id: s.groupSeq, typ: typ, leg: l, method: method, status: statusUnconfirmed})
}

// createdPayload is the payload of the create and update answers.
func (o *order) createdPayload() map[string]any {
	return map[string]any{
		"consignmentNo":   o.consignmentNo,
		"orderNo":         o.header.OrderNo,
		"customerOrderNo": o.header.CustomerOrderNo,
		"trackingId":      o.trackingID,
		"trackingURL":     o.trackingURL,
	}
}

// trackingBase is the absolute URL of the sandbox's mount point as the caller reached it.
func (s *Sandbox) trackingBase(r *http.Request) string {
	if s.trackBase != "" {
		return s.trackBase
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + mountPrefix(r)
}

// mountPrefix recovers the prefix http.StripPrefix removed, from the original request URI.
func mountPrefix(r *http.Request) string {
	if r.RequestURI == "" {
		return ""
	}
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		return ""
	}
	if p, ok := strings.CutSuffix(u.Path, r.URL.Path); ok {
		return strings.TrimRight(p, "/")
	}
	return ""
}

// lookup finds an order of client id by orderNo or consignmentNo. Callers hold s.mu.
func (s *Sandbox) lookup(clientID, id string) *order {
	st := s.stateFor(clientID)
	if o := st.orders[id]; o != nil {
		return o
	}
	return st.byConsignment[id]
}

// getOrder answers GET /orders/orders/{id}.
func (s *Sandbox) getOrder(w http.ResponseWriter, c caller, id string) {
	s.mu.Lock()
	o := s.lookup(c.clientID, id)
	if o == nil {
		s.mu.Unlock()
		writeEnvelope(w, http.StatusNotFound, false, []apiError{errNotFound("order", id)}, nil)
		return
	}
	doc := s.document(o)
	s.mu.Unlock()
	writeEnvelope(w, http.StatusOK, true, nil, map[string]any{"order": doc})
}

// getStatus answers GET /orders/status/{id}.
func (s *Sandbox) getStatus(w http.ResponseWriter, c caller, id string) {
	s.mu.Lock()
	o := s.lookup(c.clientID, id)
	if o == nil {
		s.mu.Unlock()
		writeEnvelope(w, http.StatusNotFound, false, []apiError{errNotFound("order", id)}, nil)
		return
	}
	payload := map[string]any{
		"orderNo":       o.header.OrderNo,
		"consignmentNo": o.consignmentNo,
		"orderStatus":   o.status,
		"trackingId":    o.trackingID,
		"trackingURL":   o.trackingURL,
	}
	s.mu.Unlock()
	writeEnvelope(w, http.StatusOK, true, nil, payload)
}

// patchOrder answers PATCH /orders/orders/{id}: the given header fields overwrite the stored
// ones, and the result is validated as on create.
func (s *Sandbox) patchOrder(w http.ResponseWriter, r *http.Request, c caller, id string) {
	var req struct {
		Header map[string]json.RawMessage `json:"header"`
	}
	body, err := readBody(r)
	if err != nil {
		writeEnvelope(w, http.StatusBadRequest, false, []apiError{fieldError("INVALIDJSON", "body", err.Error())}, nil)
		return
	}
	if err := json.Unmarshal(body, &req); err != nil {
		writeEnvelope(w, http.StatusBadRequest, false, []apiError{fieldError("INVALIDJSON", "body", errBadJSON.Error())}, nil)
		return
	}
	if req.Header == nil {
		writeEnvelope(w, http.StatusUnprocessableEntity, false, []apiError{fieldError(codeRequired, "header", "is required")}, nil)
		return
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	o := s.lookup(c.clientID, id)
	if o == nil {
		writeEnvelope(w, http.StatusNotFound, false, []apiError{errNotFound("order", id)}, nil)
		return
	}
	switch o.status {
	case statusCancelled, statusDelivered, statusCollected:
		writeEnvelope(w, http.StatusUnprocessableEntity, false, []apiError{fieldError("NOTUPDATABLE", "order",
			fmt.Sprintf("%s is %s and can no longer be updated", o.header.OrderNo, o.status))}, nil)
		return
	}

	// Overwrite the stored header with the given keys, then decode the merged header strictly.
	current, err := json.Marshal(o.header)
	if err != nil {
		writeEnvelope(w, http.StatusInternalServerError, false, []apiError{fieldError("INTERNAL", "order", err.Error())}, nil)
		return
	}
	var merged map[string]json.RawMessage
	_ = json.Unmarshal(current, &merged) // just produced by json.Marshal
	for k, raw := range req.Header {
		merged[k] = raw
	}
	mergedJSON, _ := json.Marshal(merged)
	var h header
	if err := decodeStrict(mergedJSON, &h); err != nil {
		writeEnvelope(w, http.StatusUnprocessableEntity, false, []apiError{{Code: codeInvalid, Description: "header." + err.Error(), Severity: severityError}}, nil)
		return
	}
	v := &validator{s: s}
	v.validateHeader(&h)
	if h.OrderNo != o.header.OrderNo {
		v.fail(codeInvalid, "header.orderNo", "cannot be changed")
	}
	if h.OrderType != o.header.OrderType {
		v.fail(codeInvalid, "header.orderType", "cannot be changed")
	}
	if len(v.errs) > 0 {
		writeEnvelope(w, http.StatusUnprocessableEntity, false, v.errs, nil)
		return
	}
	o.header = h
	writeEnvelope(w, http.StatusOK, true, nil, o.createdPayload())
}

// deleteOrder answers DELETE /orders/orders/{orderNo}: the order is cancelled (it stays
// readable with status CANCELLED), unless it has been dispatched, delivered or cancelled.
func (s *Sandbox) deleteOrder(w http.ResponseWriter, c caller, id string) {
	s.mu.Lock()
	o := s.lookup(c.clientID, id)
	if o == nil {
		s.mu.Unlock()
		writeEnvelope(w, http.StatusNotFound, false, []apiError{errNotFound("order", id)}, nil)
		return
	}
	switch o.status {
	case statusCancelled:
		s.mu.Unlock()
		writeEnvelope(w, http.StatusUnprocessableEntity, false, []apiError{fieldError("CANCELLED", "order",
			fmt.Sprintf("%s is already cancelled", o.header.OrderNo))}, nil)
		return
	case statusReleased:
		s.mu.Unlock()
		writeEnvelope(w, http.StatusUnprocessableEntity, false, []apiError{fieldError("NOTCANCELLABLE", "order",
			fmt.Sprintf("%s was already dispatched and cannot be cancelled", o.header.OrderNo))}, nil)
		return
	case statusDelivered, statusCollected:
		s.mu.Unlock()
		writeEnvelope(w, http.StatusUnprocessableEntity, false, []apiError{fieldError("NOTCANCELLABLE", "order",
			fmt.Sprintf("%s was already dispatched and %s and cannot be cancelled", o.header.OrderNo, strings.ToLower(o.status)))}, nil)
		return
	}
	o.status = statusCancelled
	for _, g := range o.groups {
		g.status = statusCancelled
	}
	jobs := s.orderEvents(o, eventCancelled)
	payload := map[string]any{"orderNo": o.header.OrderNo, "consignmentNo": o.consignmentNo, "orderStatus": o.status}
	s.mu.Unlock()

	s.deliver(jobs)
	writeEnvelope(w, http.StatusOK, true, nil, payload)
}
