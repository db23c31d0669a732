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
)

// ShipmentLookup reads the shipment record of a profile's order. Every
// shipment.Store satisfies it.
type ShipmentLookup interface {
	Get(ctx context.Context, profileID, orderID string) (*shipment.Shipment, error)
}

var _ ShipmentLookup = (shipment.Store)(nil)

// handleCancelLabel cancels the Stream order GenerateLabel created for the
// order and records it. Cancelling a cancelled order succeeds; an order
// Stream refuses to cancel (already dispatched) is an error with Stream's
// reason, as is an order this profile never made a label for.
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
		return nil, fail("no label was generated for order %s with this integration, so there is nothing to cancel", orderID)
	case err != nil:
		return nil, fmt.Errorf("look up shipment: %w", err)
	}
	switch sh.State {
	case shipment.StateCancelled:
		c.log.Info("label already cancelled", "stream_order_no", sh.StreamOrderNo)
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
	err = client.DeleteOrder(ctx, sh.StreamOrderNo)
	var ve *stream.ValidationError
	switch {
	case err == nil:
	case errors.Is(err, stream.ErrNotFound):
		// Stream no longer holds the order: an earlier attempt cancelled it
		// before its answer was lost, or it was deleted in Stream.
		c.log.Info("stream order already gone; recording the cancellation", "stream_order_no", sh.StreamOrderNo)
	case errors.As(err, &ve) && ve.HasCode("CANCELLED"):
		c.log.Info("stream order already cancelled; recording it", "stream_order_no", sh.StreamOrderNo)
	case errors.As(err, &ve) && !ve.Local:
		msgs := make([]string, 0, len(ve.Messages))
		for _, m := range ve.Messages {
			msgs = append(msgs, m.String())
		}
		if len(msgs) == 0 {
			msgs = append(msgs, "no reason given")
		}
		return nil, fail("Stream refused to cancel order %s (Stream order %s): %s", orderID, sh.StreamOrderNo, strings.Join(msgs, "; "))
	default:
		return nil, streamProblem(fmt.Sprintf("Stream order %s could not be cancelled", sh.StreamOrderNo), err)
	}
	if _, err := h.creator.Cancel(ctx, p.ID, orderID); err != nil {
		if errors.Is(err, shipment.ErrNotCreated) {
			return nil, fail("order %s changed while it was being cancelled; try again", orderID)
		}
		return nil, fmt.Errorf("record cancellation of stream order %s: %w", sh.StreamOrderNo, err)
	}
	c.log.Info("label cancelled", "stream_order_no", sh.StreamOrderNo)
	return &CancelLabelResponse{}, nil
}
