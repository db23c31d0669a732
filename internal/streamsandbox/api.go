package streamsandbox

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

const maxBody = 1 << 20

var (
	errBadJSON    = errors.New("the request body is not valid JSON")
	errBadForm    = errors.New("the request body is not a valid form")
	errBodyTooBig = fmt.Errorf("the request body is larger than %d bytes", maxBody)
)

// readBody reads at most maxBody bytes of the request body.
func readBody(r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if len(body) > maxBody {
		return nil, errBodyTooBig
	}
	return body, nil
}

// caller identifies the account an authenticated API call acts for.
type caller struct {
	clientID string
	party    string
}

// serveAPI runs one Stream API call: faults, authentication, rate limit, Stream headers, route.
func (s *Sandbox) serveAPI(w http.ResponseWriter, r *http.Request, rest string) {
	f := s.takeFault()
	switch f.mode {
	case faultLatency:
		t := time.NewTimer(f.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	case faultError:
		if f.status == http.StatusNotFound {
			// A path this tenant does not serve, as a guessed route would meet.
			writeEnvelope(w, f.status, false, []apiError{{Code: "NOTFOUND", Description: "path: not found (injected fault)", Severity: severityError}}, nil)
			return
		}
		writeEnvelope(w, f.status, false, []apiError{{Code: "UNAVAILABLE", Description: "service: temporarily unavailable (injected fault)", Severity: severityError}}, nil)
		return
	case faultDrop:
		under := w
		w = &discardWriter{header: http.Header{}}
		defer dropConnection(under)
	}

	segs := segments(rest)
	if len(segs) == 1 && segs[0] == "oauth" {
		s.serveToken(w, r)
		return
	}

	now := s.now()
	s.mu.Lock()
	t, ok := s.authenticate(w, r, now)
	if !ok {
		s.mu.Unlock()
		return
	}
	if !s.stateFor(t.clientID).allow(now, s.rateLimit, s.rateWindow) {
		s.mu.Unlock()
		writeRateLimited(w)
		return
	}
	if !s.checkStreamHeaders(w, r, t) {
		s.mu.Unlock()
		return
	}
	c := caller{clientID: t.clientID, party: strings.TrimSpace(r.Header.Get("Stream-Party"))}
	s.mu.Unlock()

	s.route(w, r, c, segs)
}

// route dispatches an authenticated API call by path and method.
func (s *Sandbox) route(w http.ResponseWriter, r *http.Request, c caller, segs []string) {
	path := strings.Join(segs, "/")
	if (r.Method == http.MethodPost || r.Method == http.MethodPatch) && !requireJSON(w, r) {
		return
	}
	switch {
	case path == "orders/orders":
		if allowMethods(w, r, http.MethodPost) {
			s.createOrder(w, r, c)
		}
	case len(segs) == 3 && segs[0] == "orders" && segs[1] == "orders":
		if allowMethods(w, r, http.MethodGet, http.MethodPatch, http.MethodDelete) {
			switch r.Method {
			case http.MethodGet:
				s.getOrder(w, c, segs[2])
			case http.MethodPatch:
				s.patchOrder(w, r, c, segs[2])
			case http.MethodDelete:
				s.deleteOrder(w, c, segs[2])
			}
		}
	case len(segs) == 3 && segs[0] == "orders" && segs[1] == "status":
		if allowMethods(w, r, http.MethodGet) {
			s.getStatus(w, c, segs[2])
		}
	case path == "depots/depots":
		if allowMethods(w, r, http.MethodGet) {
			s.listDepots(w)
		}
	case path == "webhooks/webhooks":
		if allowMethods(w, r, http.MethodGet, http.MethodPost) {
			if r.Method == http.MethodGet {
				s.listSubscriptions(w, c)
			} else {
				s.subscribe(w, r, c)
			}
		}
	default:
		writeEnvelope(w, http.StatusNotFound, false, []apiError{errNotFound("path", "/"+path)}, nil)
	}
}

// requireJSON writes a 415 and returns false unless the request body is declared as JSON, as
// the reference says every request with a body is.
func requireJSON(w http.ResponseWriter, r *http.Request) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err == nil && mt == "application/json" {
		return true
	}
	writeEnvelope(w, http.StatusUnsupportedMediaType, false, []apiError{fieldError("CONTENTTYPE", "Content-Type",
		fmt.Sprintf("%q is not supported; send application/json", r.Header.Get("Content-Type")))}, nil)
	return false
}

// allowMethods writes a 405 and returns false unless r uses one of methods.
func allowMethods(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	writeEnvelope(w, http.StatusMethodNotAllowed, false, []apiError{fieldError("METHOD", "method", r.Method+" is not allowed here")}, nil)
	return false
}

// allow records a request at now unless limit requests were already accepted in the window
// ending at now. Callers hold s.mu.
func (st *accountState) allow(now time.Time, limit int, window time.Duration) bool {
	cutoff := now.Add(-window)
	i := 0
	for i < len(st.hits) && !st.hits[i].After(cutoff) {
		i++
	}
	if i > 0 {
		st.hits = append(st.hits[:0], st.hits[i:]...)
	}
	if len(st.hits) >= limit {
		return false
	}
	st.hits = append(st.hits, now)
	return true
}

// writeRateLimited writes Stream's 429, which has no "response" wrapper.
func writeRateLimited(w http.ResponseWriter) {
	writeJSON(w, http.StatusTooManyRequests, map[string]any{"errors": []apiError{{
		Code:        "RUNRL",
		Description: "Maximum number of requests per minute exceeded",
		Severity:    severityError,
		TraceID:     randomHex(8),
	}}})
}
