package writeback

import "linnstream/internal/stream"

// Observation is what a shipment record keeps of its Stream order's
// progress: the status, run, weekday and stop the write-back works out from
// the order (the shipment's StreamStatus, Run, Day and Sequence). The
// dispatch poll compares a fresh one with the record's to tell whether the
// order changed.
type Observation struct {
	Status   string `json:"status,omitempty"`
	Run      string `json:"run,omitempty"`
	Day      string `json:"day,omitempty"`
	Sequence int    `json:"sequence,omitempty"`
}

// Observe returns the observation of a Stream order, exactly as Handle
// records it on the shipment.
func Observe(d *stream.OrderDetail) Observation {
	t := targetOf(d, "", "", options{})
	return Observation{Status: t.status, Run: t.run, Day: t.day, Sequence: t.sequence}
}
