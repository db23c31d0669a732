package wizard

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"linnstream/internal/stream"
)

// fakeSubscriber records subscriptions and fails while err is set.
type fakeSubscriber struct {
	calls []string
	auths []string
	pairs [][]WebhookPair
	err   error
}

func (f *fakeSubscriber) Subscribe(_ context.Context, acct stream.Account, url, auth string, pairs []WebhookPair) error {
	f.calls = append(f.calls, acct.BaseURL+" "+acct.ClientID+" "+url)
	f.auths = append(f.auths, auth)
	f.pairs = append(f.pairs, pairs)
	return f.err
}

func webhookWizard(t *testing.T, sub WebhookSubscriber) *Wizard {
	t.Helper()
	w, err := New(Options{Stream: &fakeStream{}, PublicBaseURL: "https://hooks.example.test/", Webhooks: sub})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestSavingWebhooksOnSubscribes(t *testing.T) {
	sub := &fakeSubscriber{}
	w := webhookWizard(t, sub)
	p := walk(t, w)
	want := goodURL + " " + goodID + " https://hooks.example.test/stream/webhook/wk123"
	if len(sub.calls) != 1 || sub.calls[0] != want {
		t.Fatalf("subscriptions %q, want one for %q at SYNC", sub.calls, want)
	}
	auth := p.Secrets[SecretWebhookAuthHeader]
	if len(auth) != 64 || sub.auths[0] != auth {
		t.Fatalf("auth header stored %q, given %q: want the same random 256-bit value", auth, sub.auths[0])
	}
	if !slices.Contains(sub.pairs[0], WebhookPair{"RUNSTATUS", "LOADHEADER"}) || !slices.Contains(sub.pairs[0], WebhookPair{"ORDERSTATUS", "CONSHEADER"}) {
		t.Fatalf("pairs %v", sub.pairs[0])
	}
	// Each save of CONFIG checks again, with the same auth header.
	if err := w.Apply(context.Background(), p, StageConfig, nil); err != nil {
		t.Fatal(err)
	}
	if len(sub.calls) != 2 || sub.auths[1] != auth || p.Secrets[SecretWebhookAuthHeader] != auth {
		t.Fatalf("second save: %d calls, auth %q then %q", len(sub.calls), sub.auths[1], p.Secrets[SecretWebhookAuthHeader])
	}
	// Turned off: nothing is subscribed.
	if err := w.Apply(context.Background(), p, StageConfig, vals(ItemWebhooksEnabled, "false")); err != nil {
		t.Fatal(err)
	}
	if len(sub.calls) != 2 {
		t.Fatalf("saving with webhooks off subscribed (%d calls)", len(sub.calls))
	}
}

func TestSubscriptionFailureIsAnErrorOnTheStep(t *testing.T) {
	sub := &fakeSubscriber{}
	w := webhookWizard(t, sub)
	p := newProfile()
	for _, s := range []struct {
		stage string
		v     []Value
	}{{StageCredentials, credsOK}, {StageSender, senderOK}, {StageLabels, labelsOK}} {
		if err := w.Apply(context.Background(), p, s.stage, s.v); err != nil {
			t.Fatal(err)
		}
	}
	before := len(p.Settings)
	sub.err = &stream.ValidationError{Op: "subscribe webhook", Status: 422, Messages: []stream.Message{{Description: "url_path must be reachable", Code: "INVALID"}}}
	err := w.Apply(context.Background(), p, StageSync, syncOK)
	var ue *Error
	if !errors.As(err, &ue) || !strings.Contains(ue.Message, "Stream did not accept the webhook subscription") || !strings.Contains(ue.Message, "must be reachable") {
		t.Fatalf("error %v, want a user error naming Stream's reason", err)
	}
	if strings.Contains(ue.Message, goodSecret) || strings.Contains(ue.Message, sub.auths[0]) {
		t.Fatal("the error shows a secret")
	}
	if p.Stage != StageSync || len(p.Settings) != before || p.Secrets[SecretWebhookAuthHeader] != "" {
		t.Fatalf("a failed subscription changed the profile: stage %s, %d settings", p.Stage, len(p.Settings))
	}
	sub.err = errors.Join(ErrUnavailable, errors.New("stream: 503"))
	if err := w.Apply(context.Background(), p, StageSync, syncOK); !errors.As(err, &ue) || !strings.Contains(ue.Message, "could not be reached") {
		t.Fatalf("unavailable: %v", err)
	}
}
