package linnworks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// The endpoints of this file, with their idempotency: reads are always safe to repeat;
// SetOrderShippingInfo writes the same values again; AddOrdersNote and ProcessOrder are not
// repeated after an ambiguous failure.
var (
	epGetOpenOrders        = endpoint{http.MethodPost, "Orders/GetOpenOrders", true}
	epGetAllOpenOrders     = endpoint{http.MethodPost, "Orders/GetAllOpenOrders", true}
	epGetOpenOrdersDetails = endpoint{http.MethodPost, "OpenOrders/GetOpenOrdersDetails", true}
	epGetOrderByID         = endpoint{http.MethodGet, "Orders/GetOrderById", true}
	epGetOrdersByID        = endpoint{http.MethodPost, "Orders/GetOrdersById", true}
	epGetOrderByNum        = endpoint{http.MethodGet, "Orders/GetOrderDetailsByNumOrderId", true}
	epGetOrderNotes        = endpoint{http.MethodGet, "Orders/GetOrderNotes", true}
	epAddOrdersNote        = endpoint{http.MethodPost, "Orders/AddOrdersNote", false}
	epSetShippingInfo      = endpoint{http.MethodPost, "Orders/SetOrderShippingInfo", true}
	epProcessOrder         = endpoint{http.MethodPost, "Orders/ProcessOrder", false}
	epAddProcessedNote     = endpoint{http.MethodPost, "ProcessedOrders/AddOrderNote", false}
)

// OpenOrdersQuery selects a page of open orders (Orders/GetOpenOrders).
type OpenOrdersQuery struct {
	EntriesPerPage   int // 1–200; 0 means 100
	PageNumber       int // from 1; 0 means 1
	Filters          *FieldsFilter
	Sorting          []FieldSorting
	FulfilmentCenter string // location id; empty for the default location
	AdditionalFilter string
}

// OpenOrders returns one page of open orders matching q.
func (c *Client) OpenOrders(ctx context.Context, token string, q OpenOrdersQuery) (OrdersPage, error) {
	op := epGetOpenOrders.path
	if q.EntriesPerPage == 0 {
		q.EntriesPerPage = 100
	}
	if q.PageNumber == 0 {
		q.PageNumber = 1
	}
	if q.EntriesPerPage < 1 || q.EntriesPerPage > 200 || q.PageNumber < 1 {
		return OrdersPage{}, &DataError{Op: op, Message: fmt.Sprintf("invalid paging: %d entries per page, page %d", q.EntriesPerPage, q.PageNumber)}
	}
	if err := checkOptionalGUID(op, "fulfilmentCenter", q.FulfilmentCenter); err != nil {
		return OrdersPage{}, err
	}
	body := struct {
		EntriesPerPage   int            `json:"entriesPerPage"`
		PageNumber       int            `json:"pageNumber"`
		Filters          *FieldsFilter  `json:"filters,omitempty"`
		Sorting          []FieldSorting `json:"sorting,omitempty"`
		FulfilmentCenter string         `json:"fulfilmentCenter,omitempty"`
		AdditionalFilter string         `json:"additionalFilter,omitempty"`
	}{q.EntriesPerPage, q.PageNumber, q.Filters, q.Sorting, q.FulfilmentCenter, q.AdditionalFilter}
	var page OrdersPage
	if err := c.call(ctx, token, epGetOpenOrders, nil, body, &page); err != nil {
		return OrdersPage{}, err
	}
	return page, nil
}

// OpenOrderIDsQuery selects open orders without paging (Orders/GetAllOpenOrders).
type OpenOrderIDsQuery struct {
	Filters          *FieldsFilter
	Sorting          []FieldSorting
	FulfilmentCenter string
	AdditionalFilter string
	ExactMatch       bool
}

// OpenOrderIDs returns the ids (pkOrderId) of every open order matching q.
func (c *Client) OpenOrderIDs(ctx context.Context, token string, q OpenOrderIDsQuery) ([]string, error) {
	if err := checkOptionalGUID(epGetAllOpenOrders.path, "fulfilmentCenter", q.FulfilmentCenter); err != nil {
		return nil, err
	}
	body := struct {
		Filters          *FieldsFilter  `json:"filters,omitempty"`
		Sorting          []FieldSorting `json:"sorting,omitempty"`
		FulfilmentCenter string         `json:"fulfilmentCenter,omitempty"`
		AdditionalFilter string         `json:"additionalFilter,omitempty"`
		ExactMatch       bool           `json:"exactMatch"`
	}{q.Filters, q.Sorting, q.FulfilmentCenter, q.AdditionalFilter, q.ExactMatch}
	var ids []string
	if err := c.call(ctx, token, epGetAllOpenOrders, nil, body, &ids); err != nil {
		return nil, err
	}
	return ids, nil
}

// OpenOrderDetails returns full details (folders, notes, identifiers, extended properties)
// of the given open orders (OpenOrders/GetOpenOrdersDetails).
func (c *Client) OpenOrderDetails(ctx context.Context, token string, orderIDs []string) ([]Order, error) {
	if err := checkGUIDs(epGetOpenOrdersDetails.path, "OrderIds", orderIDs); err != nil {
		return nil, err
	}
	if len(orderIDs) == 0 {
		return nil, nil
	}
	var out struct {
		Orders []Order `json:"Orders"`
	}
	if err := c.call(ctx, token, epGetOpenOrdersDetails, nil, struct {
		OrderIDs []string `json:"OrderIds"`
	}{orderIDs}, &out); err != nil {
		return nil, err
	}
	return out.Orders, nil
}

// Order returns the details of one order by its id (pkOrderId). An unknown id gives a
// *DataError wrapping ErrOrderNotFound.
func (c *Client) Order(ctx context.Context, token, orderID string) (Order, error) {
	op := epGetOrderByID.path
	if err := checkGUID(op, "pkOrderId", orderID); err != nil {
		return Order{}, err
	}
	var raw json.RawMessage
	if err := c.call(ctx, token, epGetOrderByID, url.Values{"pkOrderId": {orderID}}, nil, &raw); err != nil {
		return Order{}, err
	}
	o, err := decodeOrder(op, raw)
	if err != nil {
		return Order{}, err
	}
	if o.OrderID == "" {
		return Order{}, &DataError{Op: op, Status: http.StatusOK, Message: "order " + orderID + " not found", Err: ErrOrderNotFound}
	}
	return o, nil
}

// Orders returns the details of several orders by id (Orders/GetOrdersById). Unknown ids are
// left out of the answer.
func (c *Client) Orders(ctx context.Context, token string, orderIDs []string) ([]Order, error) {
	if err := checkGUIDs(epGetOrdersByID.path, "pkOrderIds", orderIDs); err != nil {
		return nil, err
	}
	if len(orderIDs) == 0 {
		return nil, nil
	}
	var out []Order
	if err := c.call(ctx, token, epGetOrdersByID, nil, struct {
		IDs []string `json:"pkOrderIds"`
	}{orderIDs}, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// OrderByNumOrderID returns the details of an order by its number (NumOrderId, the OrderId
// Linnworks sends to GenerateLabel). An unknown number gives a *DataError wrapping
// ErrOrderNotFound: Linnworks answers with an empty object.
func (c *Client) OrderByNumOrderID(ctx context.Context, token string, numOrderID int) (Order, error) {
	op := epGetOrderByNum.path
	if numOrderID <= 0 || numOrderID > 1<<31-1 {
		return Order{}, &DataError{Op: op, Message: fmt.Sprintf("order number %d out of range", numOrderID)}
	}
	var raw json.RawMessage
	if err := c.call(ctx, token, epGetOrderByNum, url.Values{"OrderId": {strconv.Itoa(numOrderID)}}, nil, &raw); err != nil {
		return Order{}, err
	}
	o, err := decodeOrder(op, raw)
	if err != nil {
		return Order{}, err
	}
	if o.OrderID == "" || o.OrderID == zeroGUID {
		return Order{}, &DataError{Op: op, Status: http.StatusOK, Message: fmt.Sprintf("order number %d not found", numOrderID), Err: ErrOrderNotFound}
	}
	return o, nil
}

const zeroGUID = "00000000-0000-0000-0000-000000000000"

func decodeOrder(op string, raw json.RawMessage) (Order, error) {
	var o Order
	if len(raw) == 0 || string(raw) == "null" {
		return o, nil
	}
	if err := json.Unmarshal(raw, &o); err != nil {
		return Order{}, &DataError{Op: op, Status: http.StatusOK, Message: "unreadable order: " + err.Error()}
	}
	if o.OrderID == zeroGUID {
		o.OrderID = ""
	}
	return o, nil
}

// OrderNotes returns the notes of an order.
func (c *Client) OrderNotes(ctx context.Context, token, orderID string) ([]OrderNote, error) {
	if err := checkGUID(epGetOrderNotes.path, "orderId", orderID); err != nil {
		return nil, err
	}
	var notes []OrderNote
	if err := c.call(ctx, token, epGetOrderNotes, url.Values{"orderId": {orderID}}, nil, &notes); err != nil {
		return nil, err
	}
	return notes, nil
}

// AppendOrderNote adds a note to an order, keeping every existing note
// (Orders/AddOrdersNote; SetOrderNotes would replace them). internal notes are not printed
// on invoices. It is not retried after an ambiguous failure, so a note is never doubled by
// the client itself.
func (c *Client) AppendOrderNote(ctx context.Context, token, orderID, text string, internal bool) (OrderNote, error) {
	op := epAddOrdersNote.path
	if err := checkGUID(op, "OrderIds", orderID); err != nil {
		return OrderNote{}, err
	}
	if strings.TrimSpace(text) == "" {
		return OrderNote{}, &DataError{Op: op, Message: "note text is empty"}
	}
	body := struct {
		OrderIDs         []string `json:"OrderIds"`
		NoteText         string   `json:"NoteText"`
		IsInternal       bool     `json:"IsInternal"`
		IsProcessingNote bool     `json:"IsProcessingNote"`
	}{[]string{orderID}, text, internal, false}
	var out struct {
		OrderNotes []OrderNote `json:"OrderNotes"`
	}
	if err := c.call(ctx, token, epAddOrdersNote, nil, body, &out); err != nil {
		return OrderNote{}, err
	}
	for _, n := range out.OrderNotes {
		if strings.EqualFold(n.OrderID, orderID) || n.OrderID == "" {
			return n, nil
		}
	}
	return OrderNote{OrderID: orderID, Note: text, Internal: internal}, nil
}

// AppendProcessedOrderNote adds a note to a processed order (ProcessedOrders/AddOrderNote),
// the one change Linnworks still takes once an order is processed. Like AppendOrderNote it
// is not retried after an ambiguous failure.
func (c *Client) AppendProcessedOrderNote(ctx context.Context, token, orderID, text string, internal bool) error {
	op := epAddProcessedNote.path
	if err := checkGUID(op, "pkOrderID", orderID); err != nil {
		return err
	}
	if strings.TrimSpace(text) == "" {
		return &DataError{Op: op, Message: "note text is empty"}
	}
	body := struct {
		OrderID    string `json:"pkOrderID"`
		NoteText   string `json:"noteText"`
		IsInternal bool   `json:"isInternal"`
	}{orderID, text, internal}
	var id string
	return c.call(ctx, token, epAddProcessedNote, nil, body, &id)
}

// SetTrackingNumber writes the tracking number of an order and keeps the rest of its shipping
// information (postal service, weights, postage cost, manual adjustment): SetOrderShippingInfo
// replaces every field it is given, so the current values are read first and sent back.
// It returns the shipping information Linnworks holds afterwards.
func (c *Client) SetTrackingNumber(ctx context.Context, token, orderID, trackingNumber string) (ShippingInfo, error) {
	op := epSetShippingInfo.path
	if err := checkGUID(op, "orderId", orderID); err != nil {
		return ShippingInfo{}, err
	}
	if strings.TrimSpace(trackingNumber) == "" {
		return ShippingInfo{}, &DataError{Op: op, Message: "tracking number is empty"}
	}
	o, err := c.Order(ctx, token, orderID)
	if err != nil {
		return ShippingInfo{}, fmt.Errorf("read shipping info before setting tracking: %w", err)
	}
	return c.WriteTrackingNumber(ctx, token, o, trackingNumber)
}

// WriteTrackingNumber is SetTrackingNumber for an order the caller has just read: it sends
// o's shipping information back with the new tracking number, saving the read. o must be
// the order's details as Linnworks returned them.
func (c *Client) WriteTrackingNumber(ctx context.Context, token string, o Order, trackingNumber string) (ShippingInfo, error) {
	op := epSetShippingInfo.path
	orderID := o.OrderID
	if err := checkGUID(op, "orderId", orderID); err != nil {
		return ShippingInfo{}, err
	}
	if strings.TrimSpace(trackingNumber) == "" {
		return ShippingInfo{}, &DataError{Op: op, Message: "tracking number is empty"}
	}
	if o.Processed {
		return ShippingInfo{}, &DataError{Op: op, Status: http.StatusOK, Message: "order " + orderID + " is already processed; its shipping info cannot change"}
	}
	cur := o.ShippingInfo
	info := struct {
		PostalServiceID string  `json:"PostalServiceId,omitempty"`
		TotalWeight     float64 `json:"TotalWeight"`
		ItemWeight      float64 `json:"ItemWeight"`
		PostageCost     float64 `json:"PostageCost"`
		TrackingNumber  string  `json:"TrackingNumber"`
		ManualAdjust    bool    `json:"ManualAdjust"`
	}{cur.PostalServiceID, cur.TotalWeight, cur.ItemWeight, cur.PostageCost, trackingNumber, cur.ManualAdjust}
	body := struct {
		OrderID string `json:"orderId"`
		Info    any    `json:"info"`
	}{orderID, info}
	var out struct {
		ShippingInfo *ShippingInfo `json:"ShippingInfo"`
	}
	if err := c.call(ctx, token, epSetShippingInfo, nil, body, &out); err != nil {
		return ShippingInfo{}, err
	}
	if out.ShippingInfo != nil {
		return *out.ShippingInfo, nil
	}
	cur.TrackingNumber = trackingNumber
	return cur, nil
}

// ProcessOptions are the optional parts of ProcessOrder.
type ProcessOptions struct {
	LocationID    string // the location processing the order; empty for the order's own
	ScanPerformed bool   // whether items were scanned
}

// ProcessOrder processes (despatches) an open order. Processing is one-way: shipping info
// must be set before. When Linnworks answers but does not process the order the error is a
// *DataError carrying its reason, returned with the result.
//
// ProcessOrder is never repeated blindly. When Linnworks fails after it may have acted (a
// 5xx answer, a connection lost after sending) the order is read back: processed means
// done; not processed gives a *RetryLaterError saying so (trying again is safe); a
// read-back that fails too gives an error matching ErrOutcomeUnknown.
func (c *Client) ProcessOrder(ctx context.Context, token, orderID string, opts ProcessOptions) (ProcessResult, error) {
	op := epProcessOrder.path
	if err := checkGUID(op, "orderId", orderID); err != nil {
		return ProcessResult{}, err
	}
	if err := checkOptionalGUID(op, "locationId", opts.LocationID); err != nil {
		return ProcessResult{}, err
	}
	body := struct {
		OrderID       string `json:"orderId"`
		ScanPerformed bool   `json:"scanPerformed"`
		LocationID    string `json:"locationId,omitempty"`
	}{orderID, opts.ScanPerformed, opts.LocationID}
	var res ProcessResult
	if err := c.call(ctx, token, epProcessOrder, nil, body, &res); err != nil {
		var rl *RetryLaterError
		if !errors.As(err, &rl) || !rl.mayHaveRun {
			return ProcessResult{}, err
		}
		return c.processedAfterFault(ctx, token, orderID, rl)
	}
	if !res.Processed {
		msg := res.Error
		if msg == "" {
			msg = "order " + orderID + " was not processed"
		}
		return res, &DataError{Op: op, Status: http.StatusOK, Message: c.redact(nil, nil).clean(truncate(msg, maxMessageBytes))}
	}
	return res, nil
}

func checkGUID(op, field, v string) error {
	if !isGUID(v) {
		return &DataError{Op: op, Message: fmt.Sprintf("%s %q is not a GUID", field, truncate(v, 64))}
	}
	return nil
}

func checkOptionalGUID(op, field, v string) error {
	if v == "" {
		return nil
	}
	return checkGUID(op, field, v)
}

func checkGUIDs(op, field string, vs []string) error {
	for _, v := range vs {
		if err := checkGUID(op, field, v); err != nil {
			return err
		}
	}
	return nil
}

// processedAfterFault settles a ProcessOrder that failed after Linnworks may have acted on
// it, by reading the order's processed state back.
func (c *Client) processedAfterFault(ctx context.Context, token, orderID string, fault *RetryLaterError) (ProcessResult, error) {
	op := epProcessOrder.path
	what := "Linnworks failed"
	if fault.Status != 0 {
		what = fmt.Sprintf("Linnworks answered HTTP %d", fault.Status)
	} else if fault.Err != nil {
		what = fault.Err.Error()
	}
	o, err := c.Order(ctx, token, orderID)
	if err != nil {
		c.log.WarnContext(ctx, "linnworks order processing outcome unknown", "endpoint", op, "order_id", orderID)
		return ProcessResult{}, fmt.Errorf("linnworks %s: %s and order %s could not be read back to see whether it was processed (%s); check it in Linnworks before processing it again: %w",
			op, what, orderID, err.Error(), ErrOutcomeUnknown)
	}
	if o.Processed {
		c.log.InfoContext(ctx, "linnworks processed the order although its answer failed", "endpoint", op, "order_id", orderID)
		return ProcessResult{OrderID: orderID, Processed: true}, nil
	}
	return ProcessResult{}, &RetryLaterError{Op: op, Status: fault.Status, RetryAfter: fault.RetryAfter,
		Reason: what + "; the order was read back and is not processed, so trying again is safe"}
}
