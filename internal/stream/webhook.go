package stream

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
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

// WebhookPayload is the body Stream POSTs to a subscribed URL (inside a
// top-level "webhook" object). Run-level events carry Run and Orders;
// order-level events carry Order.
type WebhookPayload struct {
	Subscription WebhookSubscription `json:"subscription"`
	Event        WebhookEvent        `json:"event"`
	Run          *WebhookRun         `json:"run,omitempty"`
	Group        *WebhookGroup       `json:"group,omitempty"`
	Orders       []WebhookOrderRef   `json:"orders,omitempty"`
	Order        *WebhookOrder       `json:"order,omitempty"`
}

// WebhookSubscription identifies the subscription that fired.
type WebhookSubscription struct {
	PartyID    ID     `json:"party_id"`
	ID         Int    `json:"id"`
	Event      string `json:"event"`
	EventType  string `json:"event_type"`
	URLPath    string `json:"url_path"`
	HTTPMethod string `json:"http_method"`
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

// WebhookRun is the run of a run-level event; Description is the run label.
type WebhookRun struct {
	LoadID      ID     `json:"loadId"`
	Status      string `json:"status"`
	Description string `json:"description"`
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

// WebhookOrder is the order of an order-level event.
type WebhookOrder struct {
	ID ID `json:"id"`
}

// DecodeWebhook decodes a webhook request body ({"webhook": {...}}).
func DecodeWebhook(data []byte) (*WebhookPayload, error) {
	var wrapper struct {
		Webhook *WebhookPayload `json:"webhook"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&wrapper); err != nil {
		return nil, fmt.Errorf("decode stream webhook: %w", err)
	}
	if wrapper.Webhook == nil {
		return nil, errors.New("decode stream webhook: no \"webhook\" object")
	}
	return wrapper.Webhook, nil
}

// OrderIDs returns the orders the event is about: the run's orders, or the
// single order of an order-level event.
func (p *WebhookPayload) OrderIDs() []string {
	ids := make([]string, 0, len(p.Orders)+1)
	for _, o := range p.Orders {
		if o.Order != "" {
			ids = append(ids, o.Order)
		}
	}
	if len(ids) == 0 && p.Order != nil && p.Order.ID != "" {
		ids = append(ids, string(p.Order.ID))
	}
	return ids
}

// Key identifies one delivery of an event for de-duplication: subscription,
// event code, orders and the event's date and time.
func (p *WebhookPayload) Key() string {
	return fmt.Sprintf("%d|%s|%s|%s|%s", p.Subscription.ID, p.Event.EventCode,
		strings.Join(p.OrderIDs(), ","), p.Event.EventDate, p.Event.EventTime)
}
