package stream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Subscription is a webhook subscription: Stream POSTs events of the
// (Event, EventType) pair to URLPath, sending AuthHeader with them.
type Subscription struct {
	ID          Int    `json:"id,omitempty"`
	PartyID     ID     `json:"party_id,omitempty"`
	Event       string `json:"event"`
	EventType   string `json:"event_type"`
	URLPath     string `json:"url_path"`
	HTTPMethod  string `json:"http_method"`
	ContentType string `json:"content_type"`
	AuthHeader  string `json:"auth_header,omitempty"`
}

// SubscribeWebhook subscribes to one event pair and returns the
// subscription id. HTTPMethod defaults to POST and ContentType to
// application/json.
func (c *Client) SubscribeWebhook(ctx context.Context, s Subscription) (int, error) {
	op := fmt.Sprintf("subscribe webhook %s/%s", s.Event, s.EventType)
	if s.HTTPMethod == "" {
		s.HTTPMethod = "POST"
	}
	if s.ContentType == "" {
		s.ContentType = "application/json"
	}
	var problems []Message
	for _, f := range []struct{ name, value string }{
		{"event", s.Event}, {"event_type", s.EventType}, {"url_path", s.URLPath},
	} {
		if strings.TrimSpace(f.value) == "" {
			problems = append(problems, localMessage("REQUIRED", f.name+" is required"))
		}
	}
	if s.URLPath != "" {
		if u, err := url.Parse(s.URLPath); err != nil || !u.IsAbs() || u.Host == "" {
			problems = append(problems, localMessage("FORMAT", "url_path must be an absolute URL"))
		}
	}
	if len(problems) > 0 {
		return 0, &ValidationError{Op: op, Local: true, Messages: problems}
	}
	s.ID, s.PartyID = 0, ""
	body, err := json.Marshal(s)
	if err != nil {
		return 0, fmt.Errorf("stream %s: encode: %w", op, err)
	}
	var out struct {
		ID Int `json:"id"`
	}
	if _, err := c.do(ctx, request{op: op, method: "POST", path: "/webhooks/webhooks", body: body, kind: kindPost, secret: s.AuthHeader}, &out); err != nil {
		return 0, err
	}
	return int(out.ID), nil
}

// Webhooks lists the account's webhook subscriptions.
func (c *Client) Webhooks(ctx context.Context) ([]Subscription, error) {
	var out struct {
		Subscriptions []Subscription `json:"subscriptions"`
	}
	if _, err := c.do(ctx, request{op: "list webhooks", method: "GET", path: "/webhooks/webhooks", kind: kindRead}, &out); err != nil {
		return nil, err
	}
	return out.Subscriptions, nil
}

// WebhookPayload is the body Stream POSTs to a subscribed URL. Public code
// shows two envelopes, the payload inside a top-level "webhook" object and
// the payload bare; DecodeWebhook accepts both. Run-level events carry Run
// and Orders; order-level events carry Order. Every block is optional.
type WebhookPayload struct {
	Subscription WebhookSubscription `json:"subscription"`
	Event        WebhookEvent        `json:"event"`
	Run          *WebhookRun         `json:"run,omitempty"`
	Group        *WebhookGroup       `json:"group,omitempty"`
	Orders       []WebhookOrderRef   `json:"orders,omitempty"`
	Order        *WebhookOrder       `json:"order,omitempty"`
}

// The samples public code was generated from hold strings and numbers, and
// no document fixes either, so every scalar of a payload is decoded as
// text whether Stream sends a string or a number: one field sent as a
// number must not lose the whole event.

// WebhookSubscription identifies the subscription that fired.
type WebhookSubscription struct {
	PartyID    ID     `json:"party_id"`
	ID         Int    `json:"id"`
	Event      string `json:"event"`
	EventType  string `json:"event_type"`
	URLPath    string `json:"url_path"`
	HTTPMethod string `json:"http_method"`
}

// UnmarshalJSON decodes every field leniently.
func (s *WebhookSubscription) UnmarshalJSON(data []byte) error {
	var raw struct {
		PartyID    ID  `json:"party_id"`
		ID         Int `json:"id"`
		Event      ID  `json:"event"`
		EventType  ID  `json:"event_type"`
		URLPath    ID  `json:"url_path"`
		HTTPMethod ID  `json:"http_method"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("webhook subscription: %w", err)
	}
	*s = WebhookSubscription{PartyID: raw.PartyID, ID: raw.ID, Event: string(raw.Event), EventType: string(raw.EventType),
		URLPath: string(raw.URLPath), HTTPMethod: string(raw.HTTPMethod)}
	return nil
}

// WebhookEvent describes what happened. EventDate and EventTime are kept as
// sent (their format is not documented).
type WebhookEvent struct {
	EventCode     string `json:"event_code"`
	EventCodeDesc string `json:"event_code_desc"`
	EventDesc     string `json:"event_desc"`
	EventDate     string `json:"event_date"`
	EventTime     string `json:"event_time"`
	EventText     string `json:"event_text"`
	EventLink     string `json:"event_link"`
}

// UnmarshalJSON decodes every field leniently.
func (e *WebhookEvent) UnmarshalJSON(data []byte) error {
	var raw struct {
		EventCode     ID `json:"event_code"`
		EventCodeDesc ID `json:"event_code_desc"`
		EventDesc     ID `json:"event_desc"`
		EventDate     ID `json:"event_date"`
		EventTime     ID `json:"event_time"`
		EventText     ID `json:"event_text"`
		EventLink     ID `json:"event_link"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("webhook event: %w", err)
	}
	*e = WebhookEvent{EventCode: string(raw.EventCode), EventCodeDesc: string(raw.EventCodeDesc), EventDesc: string(raw.EventDesc),
		EventDate: string(raw.EventDate), EventTime: string(raw.EventTime), EventText: string(raw.EventText), EventLink: string(raw.EventLink)}
	return nil
}

// WebhookRun is the run of a run-level event; Description is the run label.
type WebhookRun struct {
	LoadID      ID     `json:"loadId"`
	Status      string `json:"status"`
	Description string `json:"description"`
}

// UnmarshalJSON decodes every field leniently.
func (r *WebhookRun) UnmarshalJSON(data []byte) error {
	var raw struct {
		LoadID      ID `json:"loadId"`
		Status      ID `json:"status"`
		Description ID `json:"description"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("webhook run: %w", err)
	}
	*r = WebhookRun{LoadID: raw.LoadID, Status: string(raw.Status), Description: string(raw.Description)}
	return nil
}

// WebhookGroup is the group (leg) of a group-level event.
type WebhookGroup struct {
	IntSeq Int `json:"int_seq"`
	LoadID ID  `json:"loadId"`
}

// WebhookOrderRef is an order on a run with its stop sequence.
type WebhookOrderRef struct {
	Sequence Int    `json:"sequence"`
	Order    string `json:"order"`
}

// UnmarshalJSON decodes every field leniently.
func (o *WebhookOrderRef) UnmarshalJSON(data []byte) error {
	var raw struct {
		Sequence Int `json:"sequence"`
		Order    ID  `json:"order"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return fmt.Errorf("webhook order reference: %w", err)
	}
	*o = WebhookOrderRef{Sequence: raw.Sequence, Order: string(raw.Order)}
	return nil
}

// WebhookOrder is the order of an order-level event.
type WebhookOrder struct {
	ID ID `json:"id"`
}

// ErrWebhookShape is returned by DecodeWebhook for JSON that is not a
// webhook payload in either envelope.
var ErrWebhookShape = errors.New("not a stream webhook payload")

// payloadKeys are the top-level keys of a bare payload.
var payloadKeys = []string{"subscription", "event", "order", "orders", "run", "group"}

// DecodeWebhook decodes a webhook request body in either envelope: a
// top-level "webhook" object holding the payload, or the payload itself. A
// body that is JSON but neither gives an error wrapping ErrWebhookShape.
func DecodeWebhook(data []byte) (*WebhookPayload, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) || !json.Valid(data) {
			return nil, fmt.Errorf("decode stream webhook: %w", err)
		}
		return nil, fmt.Errorf("decode stream webhook: top level is not an object: %w", ErrWebhookShape)
	}
	body := data
	if w, ok := top["webhook"]; ok {
		if t := bytes.TrimSpace(w); len(t) == 0 || t[0] != '{' {
			return nil, fmt.Errorf("decode stream webhook: \"webhook\" is not an object: %w", ErrWebhookShape)
		}
		body = w
	} else if !slices.ContainsFunc(payloadKeys, func(k string) bool { _, ok := top[k]; return ok }) {
		return nil, fmt.Errorf("decode stream webhook: neither a \"webhook\" object nor a bare payload: %w", ErrWebhookShape)
	}
	var p WebhookPayload
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("decode stream webhook: %w: %w", ErrWebhookShape, err)
	}
	return &p, nil
}

// OrderIDs returns the Stream order references the event names, each once:
// the run's orders and the order of an order-level event. They are opaque
// (an order number or a consignment number).
func (p *WebhookPayload) OrderIDs() []string {
	ids := make([]string, 0, len(p.Orders)+1)
	add := func(id string) {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, o := range p.Orders {
		add(o.Order)
	}
	if p.Order != nil {
		add(string(p.Order.ID))
	}
	return ids
}

// Key identifies one delivery of an event for de-duplication: subscription,
// event code, orders and the event's date and time.
func (p *WebhookPayload) Key() string {
	return fmt.Sprintf("%d|%s|%s|%s|%s", p.Subscription.ID, p.Event.EventCode,
		strings.Join(p.OrderIDs(), ","), p.Event.EventDate, p.Event.EventTime)
}
