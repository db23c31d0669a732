package ordersync_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"linnstream/internal/ordersync"
	"linnstream/internal/stream"
)

// Benchmark limits, scaled down from Stream's 200 requests a minute so a
// run takes a few seconds: 100 requests per 500 ms.
const (
	benchLimit  = 100
	benchWindow = 500 * time.Millisecond
)

// BenchmarkSync2000 syncs 2,000 seeded orders (profile A's share of them
// eligible) with Stream's request limit scaled down, and reports:
//
//   - stream_calls/eligible: Stream creates per order sent (goal: 1);
//   - lw_calls/minimum: the sync's Linnworks requests against the fewest
//     the API allows (a sign-in, the postal service list, one page per
//     200 orders of each of the profile's services, one detail batch per
//     page with anything to send) (goal: ≤ 1.1);
//   - wall/floor: the run's time against orders sent / allowed rate
//     (goal: ≤ 1.1).
func BenchmarkSync2000(b *testing.B) {
	var streamRatio, lwRatio, wallRatio float64
	for range b.N {
		b.StopTimer()
		w := newWorld(b)
		specs := w.seed(2000, 1000001)
		sent, _ := expected(specs, "A")
		perService := map[string]int{}
		for i, s := range specs {
			if s.owner == "A" && s.inside {
				perService[[]string{"a0", "a1", "", "", "", "a0"}[i%6]]++
			}
		}
		pages := 0
		for _, n := range perService {
			pages += (n + ordersync.DefaultPageSize - 1) / ordersync.DefaultPageSize
		}
		minimum := 1 + pages + pages
		w.pool = stream.NewPool(stream.WithBackoff(time.Millisecond, 2*time.Millisecond), stream.WithRateLimit(benchLimit, benchWindow),
			stream.WithHTTPClient(&http.Client{Transport: w.streamN, Timeout: 10 * time.Second}))
		worker := w.worker(nil)
		w.lw.ClearJournal()
		w.streamN.creates.Store(0)
		b.StartTimer()
		start := time.Now()
		sum, err := worker.Run(context.Background(), w.pa.ID)
		wall := time.Since(start)
		b.StopTimer()
		if err != nil || !sum.Finished || sum.Sent != len(sent) {
			b.Fatalf("run: %v, summary %+v, want %d sent", err, sum, len(sent))
		}
		lwCalls := 0
		paths := map[string]int{}
		for _, j := range w.lw.Journal() {
			if strings.HasPrefix(j.Path, "/api/") {
				lwCalls++
				paths[j.Path]++
			}
		}
		b.Logf("linnworks calls %v, minimum %d, per service %v, sent %d", paths, minimum, perService, len(sent))
		floor := time.Duration(float64(len(sent)) / benchLimit * float64(benchWindow))
		streamRatio = float64(w.streamN.creates.Load()) / float64(len(sent))
		lwRatio = float64(lwCalls) / float64(minimum)
		wallRatio = float64(wall) / float64(floor)
	}
	b.ReportMetric(streamRatio, "stream_calls/eligible")
	b.ReportMetric(lwRatio, "lw_calls/minimum")
	b.ReportMetric(wallRatio, "wall/floor")
}
