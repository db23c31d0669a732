package shipping_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	"linnstream/internal/profile"
	"linnstream/internal/shipping"
	"linnstream/internal/wizard"
)

// A Lambda function cannot know its API's address before it serves a
// request, so a wizard without a public base builds WEBHOOK_URL from the
// address each request came to.
func TestWebhookURLFollowsTheRequestAddress(t *testing.T) {
	mem := profile.NewMemStore()
	w, err := wizard.New(wizard.Options{Stream: &fakeStream{}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := shipping.New(shipping.Config{Store: mem, Wizard: w, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	const token = "0f0e0d0c-0b0a-4908-8706-050403020100"
	if err := mem.Create(context.Background(), &profile.Profile{
		ID: profile.ID(token), Stage: wizard.StageConfig, Active: true, WebhookKey: "key1", Settings: map[string]string{},
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ url, want string }{
		{"https://abc.execute-api.eu-west-2.amazonaws.com/linnworks/UserConfig", "https://abc.execute-api.eu-west-2.amazonaws.com/stream/webhook/key1"},
		{"http://127.0.0.1:3000/linnworks/UserConfig", "http://127.0.0.1:3000/stream/webhook/key1"},
	} {
		req := httptest.NewRequest("POST", c.url, strings.NewReader(`{"AuthorizationToken":"`+token+`"}`))
		rec := httptest.NewRecorder()
		h.UserConfig().ServeHTTP(rec, req)
		var resp shipping.UserConfigResponse
		if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil || resp.IsError {
			t.Fatalf("UserConfig: %v %s", err, rec.Body)
		}
		got := ""
		for _, it := range resp.ConfigStage.ConfigItems {
			if it.ConfigItemID == wizard.ItemWebhookURL {
				got = it.SelectedValue
			}
		}
		if got != c.want {
			t.Errorf("request to %s: WEBHOOK_URL = %q, want %q", c.url, got, c.want)
		}
	}
}
