package shipping

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"linnstream/internal/shipment"
	"linnstream/internal/stream"
	"linnstream/internal/wizard"
	"linnstream/internal/writeback"
)

// ShipmentLookup reads the shipment record of a profile's order. Every
// shipment.Store satisfies it.
type ShipmentLookup interface {
	Get(ctx context.Context, profileID, orderID string) (*shipment.Shipment, error)
}

var _ ShipmentLookup = (shipment.Store)(nil)

// handleCancelLabel cancels the Stream order GenerateLabel created for the
// order and records it. The order is deleted in Stream and then read back:
// only an order Stream no longer has, or shows as cancelled, is recorded as
// cancelled. Anything else (Stream refused, the order is dispatched, the
// read-back failed) is an error that asks the operator to cancel the
// consignment in Stream, naming it. Cancelling a cancelled order succeeds;
// an order this profile never made a label for is an error. A cancel that
// succeeds queues a write-back of the order.
func (h *Handlers) handleCancelLabel(ctx context.Context, c *call, req *CancelLabelRequest) (*CancelLabelResponse, error) {
	if h.streams == nil || h.creator == nil || h.shipments == nil {
		return nil, fail("label cancellation is not configured on this server")
	}
	orderID := strings.TrimSpace(req.OrderReference)
	if orderID == "" && req.OrderID != 0 {
		orderID = strconv.FormatInt(req.OrderID, 10)
	}
	// GenerateLabel's OrderId is a number, so "00123" names order 123.
	if n, err := strconv.ParseUint(orderID, 10, 63); err == nil && n > 0 {
		orderID = strconv.FormatUint(n, 10)
	}
	if orderID == "" {
		return nil, fail("OrderReference (or OrderId) is required: the Linnworks order number the label was generated for")
	}
	c.log = c.log.With("order_id", orderID)
	p := c.profile
	sh, err := h.shipments.Get(ctx, p.ID, orderID)
	switch {
	case errors.Is(err, shipment.ErrNotFound):
		return nil, fail("no label was generated for order %s with this integration, so there is nothing to cancel", clipValue(orderID))
	case err != nil:
		return nil, fmt.Errorf("look up shipment: %w", err)
	}
	switch sh.State {
	case shipment.StateCancelled:
		c.log.Info("label already cancelled", "stream_order_no", sh.StreamOrderNo)
		// Queued again: a repeat changes nothing on the Linnworks order,
		// and it is the way to recover a write-back the first cancel could
		// not queue, since the dispatch poll skips cancelled orders.
		h.queueCancelWriteBack(ctx, c, sh)
		return &CancelLabelResponse{}, nil
	case shipment.StatePending:
		return nil, fail("the Stream order of order %s is still being created; try again in a minute", orderID)
	case shipment.StateFailed:
		return nil, fail("Stream refused the order %s when its label was requested, so there is nothing to cancel", orderID)
	}

	client, err := h.streams.Client(wizard.Settings(p).Stream)
	if err != nil {
		return nil, fail("the Stream account settings are incomplete: %s", err.Error())
	}
	// Stream documents no cancel endpoint and the DELETE path is a guess
	// (stream-api.md §7.5), so its answer alone proves nothing: a 404 may be
	// a route this tenant does not serve, a lost answer may hide a success.
	// Only the order as Stream shows it afterwards decides.
	delErr := client.DeleteOrder(ctx, sh.StreamOrderNo)
	if errors.Is(delErr, context.DeadlineExceeded) || errors.Is(delErr, context.Canceled) {
		return nil, delErr
	}
	if delErr != nil {
		c.log.Info("stream delete answered with an error; reading the order back", "stream_order_no", sh.StreamOrderNo, "error", delErr.Error())
	}
	if err := h.confirmCancelled(ctx, client, orderID, sh, delErr); err != nil {
		return nil, err
	}
	cancelled, err := h.creator.Cancel(ctx, p.ID, orderID)
	if err != nil {
		if errors.Is(err, shipment.ErrNotCreated) {
			return nil, fail("order %s changed while it was being cancelled; try again", orderID)
		}
		return nil, fmt.Errorf("record cancellation of stream order %s: %w", sh.StreamOrderNo, err)
	}
	c.log.Info("label cancelled", "stream_order_no", sh.StreamOrderNo)
	h.queueCancelWriteBack(ctx, c, cancelled)
	return &CancelLabelResponse{}, nil
}

// queueCancelWriteBack queues the write-back of a cancelled label, which
// takes the run, day and stop off the Linnworks order and notes the
// cancel. It is queued after the record says cancelled, so the write-back
// finds the cancel there even when Stream no longer has the order.
func (h *Handlers) queueCancelWriteBack(ctx context.Context, c *call, sh *shipment.Shipment) {
	h.queueWriteBack(ctx, c, writeback.Message{ProfileID: sh.ProfileID, Ref: sh.StreamOrderNo, Consignment: sh.ConsignmentNo,
		OrderID: sh.OrderID, Source: writeback.SourceCancel})
}

// OrderReader reads an order back from Stream. *stream.Client satisfies it.
type OrderReader interface {
	GetOrder(ctx context.Context, id string) (*stream.OrderDetail, error)
}

var _ OrderReader = (*stream.Client)(nil)

// confirmCancelled reads the shipment's Stream order after a DELETE (whose
// error, if any, is delErr) and returns nil only when Stream no longer has
// it or shows it cancelled.
func (h *Handlers) confirmCancelled(ctx context.Context, client OrderReader, orderID string, sh *shipment.Shipment, delErr error) error {
	consignment := sh.ConsignmentNo
	if consignment == "" {
		consignment = sh.StreamOrderNo
	}
	inStream := fmt.Sprintf("cancel consignment %s (Stream order %s) in Stream itself", consignment, sh.StreamOrderNo)
	detail, err := client.GetOrder(ctx, sh.StreamOrderNo)
	switch {
	case errors.Is(err, stream.ErrNotFound):
		return nil
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	case err != nil:
		return fail("the label of order %s is not cancelled: Stream could not be asked whether its order is cancelled (%s); try again, or %s",
			orderID, streamReadProblem(err), inStream)
	}
	if c := strings.TrimSpace(detail.Header.ConsignmentNo); c != "" && sh.ConsignmentNo != "" && c != sh.ConsignmentNo {
		return fail("the label of order %s is not cancelled: Stream order %s is now consignment %s, not the %s this label was made for; check in Stream and %s",
			orderID, sh.StreamOrderNo, c, sh.ConsignmentNo, inStream)
	}
	status := strings.ToUpper(strings.TrimSpace(detail.Header.OrderStatus))
	if status == "CANCELLED" {
		return nil
	}
	shown := status
	if shown == "" {
		shown = "without a status"
	}
	why := ""
	var ve *stream.ValidationError
	switch {
	case delErr == nil:
		why = "; Stream accepted the delete but still shows the order"
	case errors.As(delErr, &ve) && !ve.Local:
		msgs := make([]string, 0, len(ve.Messages))
		for _, m := range ve.Messages {
			msgs = append(msgs, m.String())
		}
		if len(msgs) > 0 {
			why = "; Stream refused to cancel it: " + strings.Join(msgs, "; ")
		}
	case errors.Is(delErr, stream.ErrNotFound):
		why = "; this Stream account does not offer cancelling by the integration"
	}
	return fail("the label of order %s is not cancelled: Stream still shows its order as %s%s; %s",
		orderID, shown, why, inStream)
}

// streamReadProblem says in words why a read from Stream failed.
func streamReadProblem(err error) string {
	var rl *stream.RateLimitError
	switch {
	case errors.As(err, &rl):
		return "Stream's request limit was reached"
	case errors.Is(err, stream.ErrConfiguration):
		return "the Stream API settings are wrong: " + err.Error()
	}
	if cause := streamCause(err); cause != "" {
		return cause
	}
	return "no answer"
}
