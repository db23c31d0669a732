package streamsandbox

import (
	"net/http"
	"time"
)

type faultMode string

const (
	faultNone    faultMode = ""
	faultLatency faultMode = "latency"
	faultError   faultMode = "error"
	faultDrop    faultMode = "drop"
)

// faultState is the fault applied to the next `remaining` API calls.
type faultState struct {
	mode      faultMode
	remaining int
	latency   time.Duration
	status    int
}

// takeFault consumes one API call's worth of the configured fault.
func (s *Sandbox) takeFault() faultState {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fault.remaining <= 0 || s.fault.mode == faultNone {
		return faultState{}
	}
	s.fault.remaining--
	f := s.fault
	if s.fault.remaining == 0 {
		s.fault = faultState{}
	}
	return f
}

// discardWriter swallows the response of a call whose connection is going to be dropped.
type discardWriter struct{ header http.Header }

func (d *discardWriter) Header() http.Header         { return d.header }
func (d *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (d *discardWriter) WriteHeader(int)             {}

// dropConnection closes the client connection without writing a response, as a network failure
// after the server processed the call would.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// Not hijackable (HTTP/2): abort the stream instead; net/http does not log this panic.
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}
