package wizard

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"

	"linnstream/internal/stream"
)

// SecretWebhookAuthHeader names, in a profile's Secrets, the random value
// given to Stream as the auth_header of the profile's webhook
// subscriptions. It is sealed with the other secrets; the receiver checks
// it when a delivery carries an Authorization header.
const SecretWebhookAuthHeader = "WEBHOOK_AUTH_HEADER"

// WebhookPair is one (event, event_type) subscription.
type WebhookPair struct{ Event, EventType string }

// WebhookPairs are the subscriptions that cover planning, dispatch,
// delivery and collection (the pairs public code subscribes to, less the
// item-level and trunk ones, which name nothing a Linnworks order shows).
var WebhookPairs = []WebhookPair{
	{"ORDERSTATUS", "CONSHEADER"},  // an order's status: planned, dispatched, delivered, cancelled
	{"DELIVERED", "CONSHEADER"},    // an order fully delivered
	{"GROUPSTATUS", "LOADALLOC"},   // a delivery group allocated to a run
	{"LOADALLOCPUP", "CONSHEADER"}, // a collection allocated to a run
	{"RUNSTATUS", "LOADHEADER"},    // a run planned, locked or dispatched, with its stops
}

// WebhookSubscriber subscribes a profile's webhook URL to Stream's events.
type WebhookSubscriber interface {
	// Subscribe makes sure each pair is subscribed for url in the Stream
	// account, with authHeader; it lists the account's subscriptions first
	// and creates only the missing ones. Errors carry Stream's reason and
	// never a secret.
	Subscribe(ctx context.Context, acct stream.Account, url, authHeader string, pairs []WebhookPair) error
}

// StreamWebhooks subscribes with the project's Stream client.
type StreamWebhooks struct {
	// Pool, when set, builds the clients, so that subscribing counts
	// against the account's shared request budget.
	Pool *stream.Pool
	// Options configure each client built for a subscription when there is
	// no Pool.
	Options []stream.Option
}

var _ WebhookSubscriber = StreamWebhooks{}

// Subscribe implements WebhookSubscriber.
func (s StreamWebhooks) Subscribe(ctx context.Context, acct stream.Account, url, authHeader string, pairs []WebhookPair) error {
	var c *stream.Client
	var err error
	if s.Pool != nil {
		c, err = s.Pool.Detached(acct)
	} else {
		c, err = stream.New(acct, s.Options...)
	}
	if err != nil {
		return err
	}
	subs, err := c.Webhooks(ctx)
	if err != nil {
		return streamUnavailable(fmt.Errorf("list webhook subscriptions: %w", err))
	}
	have := map[WebhookPair]bool{}
	for _, sub := range subs {
		if sub.URLPath == url {
			have[WebhookPair{strings.ToUpper(sub.Event), strings.ToUpper(sub.EventType)}] = true
		}
	}
	for _, p := range pairs {
		if have[p] {
			continue
		}
		// Never retried blindly: a POST whose outcome is unknown is found
		// by the listing of the next save instead.
		if _, err := c.SubscribeWebhook(ctx, stream.Subscription{Event: p.Event, EventType: p.EventType, URLPath: url, AuthHeader: authHeader}); err != nil {
			return streamUnavailable(err)
		}
	}
	return nil
}

// newAuthHeader returns a random value for a profile's auth_header.
func newAuthHeader(random io.Reader) (string, error) {
	if random == nil {
		random = rand.Reader
	}
	b := make([]byte, 32)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", fmt.Errorf("generate webhook auth header: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// subscribe subscribes the profile's webhook URL when the saved stage holds
// WEBHOOKS_ENABLED and it is on: saving it, or saving new Stream
// credentials or under a new public URL (each save of the CONFIG stage),
// checks the subscriptions again. It returns the auth header to store when
// the profile had none.
func (w *Wizard) subscribe(ctx context.Context, webhookKey string, d *draft, stored string) (newAuth string, err error) {
	if w.webhooks == nil || !d.any(ItemWebhooksEnabled) || !d.on(ItemWebhooksEnabled) {
		return "", nil
	}
	if w.base == "" {
		return "", errors.New("subscribe webhooks: the public base URL is not known")
	}
	auth := stored
	if auth == "" {
		if auth, err = newAuthHeader(w.random); err != nil {
			return "", err
		}
		newAuth = auth
	}
	acct := stream.Account{BaseURL: d.values[ItemStreamAPIURL], ClientID: d.values[ItemStreamClientID],
		ClientSecret: d.values[ItemStreamClientSecret], Party: d.values[ItemStreamParty]}
	err = w.webhooks.Subscribe(ctx, acct, WebhookURL(w.base, webhookKey), auth, WebhookPairs)
	if err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("subscribe webhooks: %w", ctx.Err())
		}
		msg := clip(redact(redact(err.Error(), acct.ClientSecret), auth), 300)
		if errors.Is(err, ErrUnavailable) {
			return "", userError("Stream could not be reached to subscribe to its webhooks; try again in a few minutes (%s)", msg)
		}
		return "", userError("Stream did not accept the webhook subscription: %s", msg)
	}
	return newAuth, nil
}
