package stream

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// maxResolveRounds bounds the read-then-post rounds of CreateOrResolve.
const maxResolveRounds = 3

// CreateOrResolve creates the order and settles an unknown outcome itself:
// it reads the order back by order number; if Stream has it, its data is
// returned with Recovered set; if not, the order is posted once more, and a
// duplicate refusal of that post is settled by reading again. When Stream
// cannot be read, or keeps refusing the order as a duplicate without showing
// it, the error still matches ErrOutcomeUnknown, so the caller can retry
// later without risking a second order.
func (c *Client) CreateOrResolve(ctx context.Context, o *Order) (*CreateResult, error) {
	res, err := c.CreateOrder(ctx, o)
	if err == nil || !errors.Is(err, ErrOutcomeUnknown) {
		return res, err
	}
	no := o.Header.OrderNo
	c.log.WarnContext(ctx, "stream create outcome unknown; reading the order back",
		"order_no", no, "error", err.Error())
	for round := 0; round < maxResolveRounds; round++ {
		found, gerr := c.readBack(ctx, no)
		if gerr == nil {
			return found, nil
		}
		if !errors.Is(gerr, ErrNotFound) {
			cause := err
			var ou *OutcomeUnknownError
			if errors.As(err, &ou) {
				cause = ou.Err
			}
			return nil, &OutcomeUnknownError{Op: "create order " + no, OrderNo: no,
				Err: fmt.Errorf("%w; reading it back failed: %w", cause, gerr)}
		}
		res, err = c.CreateOrder(ctx, o)
		switch {
		case err == nil:
			return res, nil
		case IsDuplicate(err), errors.Is(err, ErrOutcomeUnknown):
			continue
		default:
			return nil, err
		}
	}
	if !errors.Is(err, ErrOutcomeUnknown) {
		// The last post was refused as a duplicate: Stream holds an order
		// with this number that no read has shown yet. That is not a
		// rejection of the order, so the caller must resolve it by reading.
		err = &OutcomeUnknownError{Op: "create order " + no, OrderNo: no,
			Err: fmt.Errorf("%w; reading it back found nothing", err)}
	}
	return nil, err
}

// readBack reads an order back as a create result.
func (c *Client) readBack(ctx context.Context, orderNo string) (*CreateResult, error) {
	d, err := c.GetOrder(ctx, orderNo)
	if err != nil {
		return nil, err
	}
	res := &CreateResult{
		ConsignmentNo:   d.Header.ConsignmentNo,
		OrderNo:         d.Header.OrderNo,
		CustomerOrderNo: d.Header.CustomerOrderNo,
		TrackingID:      d.TrackingID,
		TrackingURL:     d.TrackingURL,
		Warnings:        d.Warnings,
		Recovered:       true,
	}
	if res.OrderNo == "" {
		res.OrderNo = orderNo
	}
	return res, nil
}

// BatchResult is the outcome of one order of a batch.
type BatchResult struct {
	OrderNo string
	Result  *CreateResult
	Err     error
}

// CreateOrders creates the orders, at most MaxCreatesInFlight at a time per
// Stream account (across all batches of the account's clients), each through
// CreateOrResolve. It returns one result per order, in input order. An order
// number repeated in the batch is created once; the repeats fail.
func (c *Client) CreateOrders(ctx context.Context, orders []*Order) []BatchResult {
	results := make([]BatchResult, len(orders))
	seen := make(map[string]int, len(orders))
	var wg sync.WaitGroup
	for i, o := range orders {
		if o == nil {
			results[i].Err = fmt.Errorf("stream batch: order %d is nil", i)
			continue
		}
		no := o.Header.OrderNo
		results[i].OrderNo = no
		if first, dup := seen[no]; dup && no != "" {
			results[i].Err = fmt.Errorf("stream batch: order %s repeats order %d of the batch", no, first)
			continue
		}
		seen[no] = i
		select {
		case c.account.creates <- struct{}{}:
		case <-ctx.Done():
			results[i].Err = fmt.Errorf("stream create order %s: not sent: %w", no, ctx.Err())
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-c.account.creates }()
			results[i].Result, results[i].Err = c.CreateOrResolve(ctx, o)
		}()
	}
	wg.Wait()
	return results
}
