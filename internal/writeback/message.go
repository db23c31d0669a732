// Package writeback brings a Linnworks order up to date with its Stream
// order: it reads the truth from Stream, works out what the Linnworks order
// should show (tracking, identifiers, notes, processed) and changes only what
// differs. Webhooks, the dispatch poll, labels and the order sync each queue
// one Message per shipment change.
package writeback

// Source says what queued a write-back message.
type Source string

// Sources of write-back messages.
const (
	SourceWebhook Source = "webhook" // a Stream webhook named the order
	SourceLabel   Source = "label"   // GenerateLabel created, found or was refused an order
	SourcePoll    Source = "poll"    // the dispatch poll saw the order change
	SourceSync    Source = "sync"    // the lookback sync sent or refused the order
)

// Message asks for one Stream order's Linnworks order to be brought up to
// date. The consumer never trusts it for state: it re-reads the order from
// Stream. It is queued on a FIFO queue grouped by profile and reference.
type Message struct {
	// ProfileID is the profile's id (its store key).
	ProfileID string `json:"profileId"`
	// Ref is an opaque Stream reference: an order number or a consignment
	// number. Empty only for a refusal (the order was never created).
	Ref string `json:"ref,omitempty"`
	// OrderID is the Linnworks OrderId when the producer knows it (labels,
	// sync, poll); webhooks leave it empty.
	OrderID string `json:"orderId,omitempty"`
	Source  Source `json:"source"`
	// Event, EventTime and Run come from a webhook payload: its event code,
	// its event date and time as sent, and the run description, used only
	// when the Stream order does not name its run.
	Event     string `json:"event,omitempty"`
	EventTime string `json:"eventTime,omitempty"`
	Run       string `json:"run,omitempty"`
	// Refused holds Stream's messages (in words) when Stream refused the
	// order, or the reasons the order was not sent; the write-back marks the
	// order `Error from Stream` with a note saying them.
	Refused []string `json:"refused,omitempty"`
}
