package linnworkssandbox

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Fault modes.
const (
	FaultLatency    = "latency"
	FaultError      = "error"
	FaultErrorAfter = "error-after"
	FaultRateLimit  = "429"
)

// Fault makes the next Count API calls (admin calls excluded) misbehave: "latency" delays each
// by LatencyMs and then answers normally, "error" answers 500 without doing anything,
// "error-after" carries the call out and then answers 500 (a server failing after its
// work, which leaves the caller unsure), "429" answers 429 with Retry-After. With Path set
// only calls whose path ends with it (case-insensitively, e.g. "Orders/ProcessOrder") count.
type Fault struct {
	Mode      string `json:"mode"`
	Count     int    `json:"count"`
	LatencyMs int    `json:"latencyMs,omitempty"`
	Path      string `json:"path,omitempty"`
}

// matches reports whether the fault applies to a call on path.
func (f Fault) matches(path string) bool {
	return f.Path == "" || strings.HasSuffix(strings.ToLower(path), strings.ToLower(f.Path))
}

func (f Fault) check() error {
	switch f.Mode {
	case FaultLatency:
		if f.LatencyMs <= 0 {
			return fmt.Errorf("latencyMs must be positive for mode %q", f.Mode)
		}
	case FaultError, FaultErrorAfter, FaultRateLimit:
	default:
		return fmt.Errorf("unknown fault mode %q (want %q, %q, %q or %q)", f.Mode, FaultLatency, FaultError, FaultErrorAfter, FaultRateLimit)
	}
	if f.Count <= 0 {
		return fmt.Errorf("count must be positive, got %d", f.Count)
	}
	return nil
}

// InjectFault queues f; faults apply in the order they were injected.
func (s *Sandbox) InjectFault(f Fault) error {
	if err := f.check(); err != nil {
		return fmt.Errorf("inject fault: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
	return nil
}

// ClearFaults drops every pending fault.
func (s *Sandbox) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault consumes one call of the first pending fault that applies to path.
func (s *Sandbox) takeFault(path string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if !f.matches(path) {
			continue
		}
		s.faults[i].Count--
		if s.faults[i].Count <= 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return f, true
	}
	return Fault{}, false
}

// applyFault acts out f and reports whether it answered the request.
func (s *Sandbox) applyFault(ctx context.Context, w http.ResponseWriter, v2 bool, path string, f Fault) bool {
	switch f.Mode {
	case FaultLatency:
		sleepCtx(ctx, time.Duration(f.LatencyMs)*time.Millisecond)
		return false
	case FaultErrorAfter:
		return false
	case FaultRateLimit:
		writeError(w, v2, path, &apiError{Status: http.StatusTooManyRequests, Code: "TooManyRequests", Message: "Rate limit exceeded (injected fault).", RetryAfter: 1})
	default:
		writeError(w, v2, path, &apiError{Status: http.StatusInternalServerError, Code: "InternalServerError", Message: "An error has occurred."})
	}
	return true
}
