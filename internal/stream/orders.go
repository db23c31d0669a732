package stream

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// CreateOrder posts one order. Fields beyond Stream's documented lengths are
// refused before sending (*ValidationError with Local set). The request is
// repeated only when it surely never reached Stream; when it may have, the
// error matches ErrOutcomeUnknown and the order must be looked up (see
// CreateOrResolve) rather than posted again.
func (c *Client) CreateOrder(ctx context.Context, o *Order) (*CreateResult, error) {
	if o == nil {
		return nil, errors.New("stream create order: nil order")
	}
	if err := o.Check(); err != nil {
		return nil, err
	}
	body, err := json.Marshal(o)
	if err != nil {
		return nil, fmt.Errorf("stream create order %s: encode: %w", o.Header.OrderNo, err)
	}
	op := "create order " + o.Header.OrderNo
	var out struct {
		ConsignmentNo   ID     `json:"consignmentNo"`
		OrderNo         ID     `json:"orderNo"`
		CustomerOrderNo ID     `json:"customerOrderNo"`
		TrackingID      ID     `json:"trackingId"`
		TrackingURL     string `json:"trackingURL"`
	}
	warnings, err := c.do(ctx, request{op: op, method: http.MethodPost, path: "/orders/orders", body: body,
		kind: kindPost, orderNo: o.Header.OrderNo}, &out)
	if err != nil {
		return nil, err
	}
	if out.ConsignmentNo == "" {
		// Stream said valid but gave no consignment: whether the order exists
		// is for a read to tell.
		return nil, &OutcomeUnknownError{Op: op, OrderNo: o.Header.OrderNo,
			Err: errors.New("the answer was valid but had no consignmentNo")}
	}
	res := &CreateResult{
		ConsignmentNo:   string(out.ConsignmentNo),
		OrderNo:         string(out.OrderNo),
		CustomerOrderNo: string(out.CustomerOrderNo),
		TrackingID:      string(out.TrackingID),
		TrackingURL:     out.TrackingURL,
		Warnings:        warnings,
	}
	if res.OrderNo == "" {
		res.OrderNo = o.Header.OrderNo
	}
	return res, nil
}

func orderPath(prefix, id string) (string, error) {
	if strings.TrimSpace(id) == "" {
		return "", errors.New("order id is empty")
	}
	return prefix + url.PathEscape(id), nil
}

// GetOrder reads an order with its groups and run details. id is the order
// number (Stream also accepts the consignment number on some accounts). An
// unknown order gives an error matching ErrNotFound.
func (c *Client) GetOrder(ctx context.Context, id string) (*OrderDetail, error) {
	path, err := orderPath("/orders/orders/", id)
	if err != nil {
		return nil, fmt.Errorf("stream get order: %w", err)
	}
	var out struct {
		Order *OrderDetail `json:"order"`
	}
	warnings, err := c.do(ctx, request{op: "get order " + id, method: http.MethodGet, path: path, kind: kindRead}, &out)
	if err != nil {
		return nil, err
	}
	if out.Order == nil {
		return nil, &StatusError{Op: "get order " + id, URL: c.base + path, Status: http.StatusOK,
			Messages: []Message{{Code: "DECODE", Description: "the answer has no order"}}}
	}
	out.Order.Warnings = warnings
	return out.Order, nil
}

// OrderStatus reads an order's status and tracking link, a lighter call than
// GetOrder.
func (c *Client) OrderStatus(ctx context.Context, id string) (*Status, error) {
	path, err := orderPath("/orders/status/", id)
	if err != nil {
		return nil, fmt.Errorf("stream order status: %w", err)
	}
	var out Status
	warnings, err := c.do(ctx, request{op: "order status " + id, method: http.MethodGet, path: path, kind: kindRead}, &out)
	if err != nil {
		return nil, err
	}
	out.Warnings = warnings
	return &out, nil
}

// UpdateOrderHeader patches an order's header. Stream overwrites the fields
// sent; empty fields are left out of the request.
func (c *Client) UpdateOrderHeader(ctx context.Context, id string, u *HeaderUpdate) error {
	path, err := orderPath("/orders/orders/", id)
	if err != nil {
		return fmt.Errorf("stream update order: %w", err)
	}
	if u == nil {
		return errors.New("stream update order " + id + ": nil update")
	}
	if err := u.Check(id); err != nil {
		return err
	}
	body, err := json.Marshal(struct {
		Header *HeaderUpdate `json:"header"`
	}{u})
	if err != nil {
		return fmt.Errorf("stream update order %s: encode: %w", id, err)
	}
	_, err = c.do(ctx, request{op: "update order " + id, method: http.MethodPatch, path: path, body: body, kind: kindIdempotent}, nil)
	return err
}

// DeleteOrder deletes an order by order number. An order Stream does not
// know (perhaps deleted by an earlier attempt) gives an error matching
// ErrNotFound.
func (c *Client) DeleteOrder(ctx context.Context, orderNo string) error {
	path, err := orderPath("/orders/orders/", orderNo)
	if err != nil {
		return fmt.Errorf("stream delete order: %w", err)
	}
	_, err = c.do(ctx, request{op: "delete order " + orderNo, method: http.MethodDelete, path: path, kind: kindIdempotent}, nil)
	return err
}

// Depots lists the account's depots with their delivery methods and stock
// location.
func (c *Client) Depots(ctx context.Context) ([]Depot, error) {
	var out struct {
		Depots []Depot `json:"depots"`
	}
	if _, err := c.do(ctx, request{op: "list depots", method: http.MethodGet, path: "/depots/depots", kind: kindRead}, &out); err != nil {
		return nil, err
	}
	return out.Depots, nil
}
