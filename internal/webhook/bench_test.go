package webhook_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"linnstream/internal/localqueue"
	"linnstream/internal/profile"
	"linnstream/internal/webhook"
)

// BenchmarkReceiverToQueued is one webhook delivery from request to its
// message queued on the in-process queue, with the latency percentiles
// Stream would see.
func BenchmarkReceiverToQueued(b *testing.B) {
	store := profile.NewMemStore()
	newProfile(b, store, "bench", key, nil)
	q := localqueue.New(localqueue.Config{Name: "bench"})
	defer q.Close()
	h := (&webhook.Receiver{Profiles: store, Queue: q}).Handler()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		body := fmt.Sprintf(`{"webhook":{"event":{"event_code":"PLANNEDDELIVERY","event_date":"2026-06-20","event_time":"%d"},"order":{"id":"CN-%d"}}}`, i, i%50)
		r := httptest.NewRequest(http.MethodPost, "/stream/webhook/"+key, strings.NewReader(body))
		w := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(w, r)
		lat = append(lat, time.Since(start))
		if w.Code != http.StatusOK {
			b.Fatalf("status %d %s", w.Code, w.Body)
		}
	}
	b.StopTimer()
	if st := q.Stats(); st.Sent != b.N {
		b.Fatalf("queued %d of %d", st.Sent, b.N)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}
