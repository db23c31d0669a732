// Package writeback brings a Linnworks order up to date with its Stream
// order: it reads the truth from Stream, works out what the Linnworks order
// should show (tracking, identifiers, notes, processed) and changes only what
// differs. Webhooks, the dispatch poll, labels (made or cancelled) and the
// order sync each queue one Message per shipment change; a Writer consumes
// them (Writer.Handle is a queue.Handler).
//
// The Writer never trusts a message for state, so a repeated, late or
// out-of-order message is harmless: every message re-reads the Stream order
// and the Linnworks order (once each) and writes only the difference. What
// Linnworks cannot tell (the notes already written, when the order was
// processed) is kept on the shipment record (shipment.Applied).
//
// Failures: a message that cannot be applied now (Stream or Linnworks 5xx,
// 429, time-outs, a refused Linnworks token, a store error) makes Handle
// return an error, so the queue retries it and, after its maximum receives,
// dead-letters it; nothing is dropped silently. Messages that can never
// apply to anything (the profile is gone or deleted, it has no Linnworks
// token, the order is not this profile's, Stream or Linnworks no longer
// know the order) are logged and dropped; an order Stream no longer knows
// whose shipment the profile records as cancelled is brought to the
// cancelled state from the record instead. A body that is not a Message is
// logged and dead-lettered (Handle returns ErrBadMessage every time): it is
// a producer's bug an operator must see, and the dead-letter alarm shows it.
package writeback

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"linnstream/internal/queue"
)

// Source says what queued a write-back message.
type Source string

// Sources of write-back messages.
const (
	SourceWebhook Source = "webhook" // a Stream webhook named the order
	SourceLabel   Source = "label"   // GenerateLabel created, found or was refused an order
	SourcePoll    Source = "poll"    // the dispatch poll saw the order change
	SourceSync    Source = "sync"    // the lookback sync sent or refused the order
	// SourceCancel: CancelLabel cancelled the order in Stream. Its own
	// source also keeps its body apart from the label's message about the
	// same order, which the FIFO queue would otherwise drop as a duplicate.
	SourceCancel Source = "cancel"
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
	// Consignment is the order's consignment number when the producer
	// knows it (labels, sync, poll). It chooses the FIFO group only:
	// webhooks name orders by consignment number (as public code shows),
	// and one order's messages must share a group whoever queued them.
	Consignment string `json:"consignment,omitempty"`
	Source      Source `json:"source"`
	// Event, EventTime and Run come from a webhook payload: its event code,
	// its event date and time as sent, and the run description, used only
	// when the Stream order does not name its run.
	Event     string `json:"event,omitempty"`
	EventTime string `json:"eventTime,omitempty"`
	Run       string `json:"run,omitempty"`
	// Observed is what the dispatch poll saw of the Stream order. The
	// consumer does not use it (it reads the order again); being part of
	// the body, it keeps the de-duplication ids of distinct changes of one
	// order distinct, while a second poll of the same change queues once.
	Observed *Observation `json:"observed,omitempty"`
	// Refused holds Stream's messages (in words) when Stream refused the
	// order, or the reasons the order was not sent; the write-back marks the
	// order `Error from Stream` with a note saying them.
	Refused []string `json:"refused,omitempty"`
}

// Check reports what makes m unusable: it needs a profile, and either a
// Stream reference or a refusal of a known Linnworks order.
func (m Message) Check() error {
	var probs []string
	if strings.TrimSpace(m.ProfileID) == "" {
		probs = append(probs, "no profileId")
	}
	switch {
	case len(m.Refused) > 0:
		if _, err := strconv.Atoi(strings.TrimSpace(m.OrderID)); err != nil {
			probs = append(probs, "a refusal needs the Linnworks orderId (a number)")
		}
	case strings.TrimSpace(m.Ref) == "":
		probs = append(probs, "no ref")
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w: %s", ErrBadMessage, strings.Join(probs, "; "))
	}
	return nil
}

// Decode reads a message body. Unknown fields are allowed, so producers can
// add some before the consumer knows them; anything else that is wrong is
// an error wrapping ErrBadMessage.
func Decode(body []byte) (Message, error) {
	var m Message
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil {
		return Message{}, fmt.Errorf("%w: %v", ErrBadMessage, err)
	}
	if dec.More() {
		return Message{}, fmt.Errorf("%w: more than one JSON value", ErrBadMessage)
	}
	if err := m.Check(); err != nil {
		return Message{}, err
	}
	return m, nil
}

// Queued returns m as a FIFO queue message: grouped by profile and
// consignment number, or reference when the producer knows no consignment
// number (by Linnworks order for a refusal), so one order's messages are
// applied one at a time and in order, and de-duplicated on everything the
// message says, so a producer that sends it twice within the queue's
// window queues it once.
func (m Message) Queued() (queue.Message, error) {
	if err := m.Check(); err != nil {
		return queue.Message{}, err
	}
	body, err := json.Marshal(m)
	if err != nil {
		return queue.Message{}, fmt.Errorf("encode write-back message: %w", err)
	}
	key := "ref\x00" + m.Ref
	switch {
	case m.Consignment != "":
		key = "ref\x00" + m.Consignment
	case m.Ref == "":
		key = "order\x00" + m.OrderID
	}
	// SQS allows 128 characters of a restricted set in both ids; a hash
	// fits any reference.
	return queue.Message{
		Group:   digest(m.ProfileID, key),
		DedupID: digest(string(body)),
		Body:    body,
	}, nil
}

// digest is the hex SHA-256 of the parts, separated so that ("ab","c") and
// ("a","bc") differ.
func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}
