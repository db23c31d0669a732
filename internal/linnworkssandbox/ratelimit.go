package linnworkssandbox

import (
	"fmt"
	"net/http"
	"time"
)

// allow records one call under key and refuses it with 429 when limit calls already happened
// within the sliding rate window. Callers hold s.mu.
func (s *Sandbox) allow(key string, limit int, now time.Time) error {
	cutoff := now.Add(-s.rateWindow)
	calls := s.rates[key]
	kept := calls[:0]
	for _, t := range calls {
		if t.After(cutoff) {
			kept = append(kept, t)
		}
	}
	if len(kept) >= limit {
		s.rates[key] = kept
		wait := kept[0].Add(s.rateWindow).Sub(now)
		secs := int((wait + time.Second - 1) / time.Second)
		if secs < 1 {
			secs = 1
		}
		return &apiError{
			Status:     http.StatusTooManyRequests,
			Code:       "TooManyRequests",
			Message:    fmt.Sprintf("Rate limit of %d requests per minute exceeded for this endpoint.", limit),
			RetryAfter: secs,
		}
	}
	s.rates[key] = append(kept, now)
	return nil
}
