package shipping

import (
	"context"
	"errors"

	"linnstream/internal/shipment"
	"linnstream/internal/writeback"
)

// queueWriteBack queues a write-back message for the label's order. It is
// best effort: the label is made (or cancelled), so a queueing failure is
// logged, not returned; the dispatch poll brings a made label's order up to
// date later, and cancelling the label again queues a cancel's anew.
func (h *Handlers) queueWriteBack(ctx context.Context, c *call, m writeback.Message) {
	if h.writebacks == nil {
		return
	}
	qm, err := m.Queued()
	if err == nil {
		err = h.writebacks.Send(ctx, qm)
	}
	if err != nil {
		catchUp := "the dispatch poll will catch up"
		if m.Source == writeback.SourceCancel {
			catchUp = "cancelling the label again queues it"
		}
		c.log.Warn("write-back not queued; "+catchUp, "error", err.Error(), "source", string(m.Source))
	}
}

// queueRefusal queues the write-back of a refused label (Error from Stream
// and a note with Stream's messages), when err is Stream refusing the
// order.
func (h *Handlers) queueRefusal(ctx context.Context, c *call, orderID string, err error) {
	var refused *shipment.RefusedError
	if !errors.As(err, &refused) {
		return
	}
	msgs := make([]string, 0, len(refused.Messages))
	for _, m := range refused.Messages {
		msgs = append(msgs, explainStreamMessage(m))
	}
	if len(msgs) == 0 {
		msgs = append(msgs, "Stream refused the order without a reason")
	}
	h.queueWriteBack(ctx, c, writeback.Message{ProfileID: c.profile.ID, OrderID: orderID, Source: writeback.SourceLabel, Refused: msgs})
}
