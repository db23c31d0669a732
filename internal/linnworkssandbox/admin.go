package linnworkssandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// AdminOrder is an order as the admin API shows it: the full OrderDetails plus the parts tests
// look at most, flattened.
type AdminOrder struct {
	Order          OrderDetails `json:"order"`
	Identifiers    []string     `json:"identifiers"`
	Notes          []OrderNote  `json:"notes"`
	TrackingNumber string       `json:"trackingNumber"`
	Processed      bool         `json:"processed"`
}

func (st *store) adminOrder(o *order) AdminOrder {
	d := st.details(o)
	tags := []string{}
	for _, ident := range d.GeneralInfo.Identifiers {
		tags = append(tags, ident.Tag)
	}
	return AdminOrder{Order: d, Identifiers: tags, Notes: d.Notes, TrackingNumber: d.ShippingInfo.TrackingNumber, Processed: d.Processed}
}

// Order returns an order by pkOrderId or NumOrderId.
func (s *Sandbox) Order(id string) (AdminOrder, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.lookup(id)
	if !ok {
		return AdminOrder{}, false
	}
	return s.st.adminOrder(o), true
}

func (s *Sandbox) lookup(id string) (*order, bool) {
	if num, err := strconv.Atoi(id); err == nil {
		o, ok := s.st.byNum[num]
		return o, ok
	}
	return s.st.get(id)
}

// Orders returns every order, open and processed, by NumOrderId.
func (s *Sandbox) Orders() []AdminOrder {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []AdminOrder{}
	for _, o := range s.st.sorted() {
		out = append(out, s.st.adminOrder(o))
	}
	return out
}

// AddOrders adds open orders. Missing OrderId, NumOrderId, ReceivedDate, row ids and the
// default location are filled in; a PostalServiceName of a known service sets its id and
// vendor; GeneralInfo.Identifiers assigns existing identifiers by Tag. Either every order is
// added or none.
func (s *Sandbox) AddOrders(orders ...OrderDetails) ([]AdminOrder, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	// Validate on a copy of the indexes so a failure part-way leaves the store unchanged.
	trial := &store{orders: map[string]*order{}, byNum: map[int]*order{}, nextNum: s.st.nextNum,
		identifiers: s.st.identifiers, postal: s.st.postal, locations: s.st.locations}
	for k, v := range s.st.orders {
		trial.orders[k] = v
	}
	for k, v := range s.st.byNum {
		trial.byNum[k] = v
	}
	var added []*order
	for i, d := range orders {
		o, err := trial.add(clone(d), now)
		if err != nil {
			return nil, fmt.Errorf("add order %d: %w", i+1, err)
		}
		added = append(added, o)
	}
	s.st.orders, s.st.byNum, s.st.nextNum = trial.orders, trial.byNum, trial.nextNum
	out := make([]AdminOrder, 0, len(added))
	for _, o := range added {
		out = append(out, s.st.adminOrder(o))
	}
	return out, nil
}

// RevokeInstallToken makes AuthorizeByApplication refuse token and ends its sessions, as
// uninstalling the application does. It reports whether the token was live.
func (s *Sandbox) RevokeInstallToken(token string) bool {
	key, ok := normGUID(token)
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	live := s.tokens[key]
	delete(s.tokens, key)
	for k, sess := range s.sessions {
		if sess.installToken == key {
			delete(s.sessions, k)
		}
	}
	return live
}

// AddInstallToken makes AuthorizeByApplication accept token, as installing the application does.
func (s *Sandbox) AddInstallToken(token string) error {
	key, ok := normGUID(token)
	if !ok {
		return errors.New("add install token: not a GUID")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[key] = true
	return nil
}

// ExpireSessions ends every session, so the next API call answers 401.
func (s *Sandbox) ExpireSessions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.sessions)
}

// serveAdmin serves the admin API, which is not part of Linnworks.
func (s *Sandbox) serveAdmin(w http.ResponseWriter, r *http.Request) {
	rest := strings.TrimPrefix(r.URL.Path, "/admin/")
	if s.serveMapping(w, r, rest) {
		return
	}
	switch {
	case rest == "orders" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.Orders())
	case rest == "orders" && r.Method == http.MethodPost:
		s.adminAddOrders(w, r)
	case strings.HasPrefix(rest, "orders/") && r.Method == http.MethodGet:
		o, ok := s.Order(strings.TrimPrefix(rest, "orders/"))
		if !ok {
			adminError(w, http.StatusNotFound, "order not found")
			return
		}
		writeJSON(w, http.StatusOK, o)
	case rest == "requests" && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, s.nonNilJournal())
	case rest == "requests" && r.Method == http.MethodDelete:
		s.ClearJournal()
		w.WriteHeader(http.StatusNoContent)
	case rest == "faults" && r.Method == http.MethodPost:
		var f Fault
		if err := decodeAdmin(r, &f); err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		if err := s.InjectFault(f); err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusCreated, f)
	case rest == "faults" && r.Method == http.MethodDelete:
		s.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	case (rest == "tokens" || rest == "tokens/revoke") && r.Method == http.MethodPost:
		var req struct {
			Token string `json:"token"`
		}
		if err := decodeAdmin(r, &req); err != nil {
			adminError(w, http.StatusBadRequest, err.Error())
			return
		}
		if rest == "tokens" {
			if err := s.AddInstallToken(req.Token); err != nil {
				adminError(w, http.StatusBadRequest, err.Error())
				return
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		if !s.RevokeInstallToken(req.Token) {
			adminError(w, http.StatusNotFound, "install token not found")
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case rest == "sessions/expire" && r.Method == http.MethodPost:
		s.ExpireSessions()
		w.WriteHeader(http.StatusNoContent)
	default:
		adminError(w, http.StatusNotFound, fmt.Sprintf("no admin operation %s %s", r.Method, r.URL.Path))
	}
}

func (s *Sandbox) nonNilJournal() []JournalEntry {
	j := s.Journal()
	if j == nil {
		return []JournalEntry{}
	}
	return j
}

// adminAddOrders accepts one OrderDetails object or an array of them.
func (s *Sandbox) adminAddOrders(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		adminError(w, http.StatusBadRequest, "read body: "+err.Error())
		return
	}
	var orders []OrderDetails
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		var one OrderDetails
		err = json.Unmarshal(trimmed, &one)
		orders = []OrderDetails{one}
	} else {
		err = json.Unmarshal(trimmed, &orders)
	}
	if err != nil {
		adminError(w, http.StatusBadRequest, "decode orders: "+err.Error())
		return
	}
	added, err := s.AddOrders(orders...)
	if err != nil {
		adminError(w, http.StatusBadRequest, err.Error())
		return
	}
	writeJSON(w, http.StatusCreated, added)
}

func decodeAdmin(r *http.Request, v any) error {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBodyBytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("decode body: %w", err)
	}
	return nil
}

func adminError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
