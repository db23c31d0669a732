package writeback_test

import (
	"testing"
	"time"
)

// BenchmarkWriteBack reports the Stream and Linnworks calls one write-back
// message costs: for the first message after an order is planned (tracking,
// Sent to Stream, run, day and stop to write) and for an unchanged repeat,
// which must read each side once and write nothing.
func BenchmarkWriteBack(b *testing.B) {
	b.Run("first plan", func(b *testing.B) {
		e := newEnv(b)
		tok := e.addProfile(nil)
		e.writer()
		var streamCalls, lwCalls, lwWrites int64
		b.ResetTimer()
		for i := range b.N {
			b.StopTimer()
			num := 1_000_000 + i
			e.addOrder(num)
			e.label(tok, num)
			sh := e.shipmentOf(tok, num)
			e.plan(sh.StreamOrderNo, "RUN 03", 4, "2026-11-23")
			body := webhook(tok, sh.ConsignmentNo, "LOCKPLANNING")
			e.clk.Advance(time.Second) // keeps the sandbox's per-minute limits out of the count
			s0, l0, w0 := e.streamN.n.Load(), e.lwN.n.Load(), e.writes()
			b.StartTimer()
			e.mustHandle(body)
			b.StopTimer()
			streamCalls += e.streamN.n.Load() - s0
			lwCalls += e.lwN.n.Load() - l0
			lwWrites += int64(e.writes() - w0)
			b.StartTimer()
		}
		report(b, streamCalls, lwCalls, lwWrites)
		if lwWrites != int64(5*b.N) {
			b.Fatalf("%d Linnworks writes for %d first plans, want 5 each", lwWrites, b.N)
		}
	})
	b.Run("unchanged repeat", func(b *testing.B) {
		e := newEnv(b)
		tok := e.addProfile(nil)
		e.writer()
		const num = 1_500_000
		e.addOrder(num)
		e.label(tok, num)
		sh := e.shipmentOf(tok, num)
		e.plan(sh.StreamOrderNo, "RUN 03", 4, "2026-11-23")
		body := webhook(tok, sh.ConsignmentNo, "LOCKPLANNING")
		e.mustHandle(body)
		s0, l0, w0 := e.streamN.n.Load(), e.lwN.n.Load(), e.writes()
		b.ResetTimer()
		for range b.N {
			e.mustHandle(body)
		}
		b.StopTimer()
		writes := int64(e.writes() - w0)
		report(b, e.streamN.n.Load()-s0, e.lwN.n.Load()-l0, writes)
		if writes != 0 {
			b.Fatalf("unchanged repeats made %d Linnworks writes", writes)
		}
	})
}

func report(b *testing.B, streamCalls, lwCalls, lwWrites int64) {
	n := float64(b.N)
	b.ReportMetric(float64(streamCalls)/n, "stream-calls/op")
	b.ReportMetric(float64(lwCalls)/n, "linnworks-calls/op")
	b.ReportMetric(float64(lwWrites)/n, "linnworks-writes/op")
}
