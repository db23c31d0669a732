package shipping_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"linnstream/internal/profile"
	"linnstream/internal/shipping"
	"linnstream/internal/wizard"
)

// benchHandlers returns handlers on an in-memory store with one configured
// profile, and that profile's token.
func benchHandlers(b *testing.B) (*shipping.Handlers, string) {
	b.Helper()
	mem := profile.NewMemStore()
	w, err := wizard.New(wizard.Options{Stream: &fakeStream{}, PublicBaseURL: "http://127.0.0.1:3000"})
	if err != nil {
		b.Fatal(err)
	}
	h, err := shipping.New(shipping.Config{Store: mem, Wizard: w, Logger: slog.New(slog.NewJSONHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	const token = "0f0e0d0c-0b0a-4908-8706-050403020100"
	err = mem.Create(context.Background(), &profile.Profile{ID: profile.ID(token), Stage: wizard.StageConfig, Active: true,
		WebhookKey: "k", Settings: map[string]string{
			wizard.ItemStreamAPIURL: "https://www.demo.go2stream.net/api", wizard.ItemStreamClientID: "acme",
			wizard.ItemSenderContactName: "Dispatch", wizard.ItemSenderCompany: "Example Ltd", "SENDER_ADDRESS_1": "1 Canal Road",
			wizard.ItemSenderCity: "Leeds", wizard.ItemSenderRegion: "West Yorkshire", wizard.ItemSenderCountry: "GB",
			wizard.ItemSenderPostcode: "LS12 2DU", wizard.ItemSenderPhone: "+44 113 496 0000",
		}, Secrets: map[string]string{wizard.ItemStreamClientSecret: "secret"}})
	if err != nil {
		b.Fatal(err)
	}
	return h, token
}

// BenchmarkUserConfig measures one UserConfig of a configured profile,
// in-process: decoding, the token lookup, building every item, encoding.
func BenchmarkUserConfig(b *testing.B) {
	h, token := benchHandlers(b)
	body := `{"AuthorizationToken":"` + token + `"}`
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.UserConfig().ServeHTTP(rec, httptest.NewRequest("POST", "/linnworks/UserConfig", strings.NewReader(body)))
		if !strings.Contains(rec.Body.String(), `"IsError":false`) {
			b.Fatal(rec.Body.String())
		}
	}
}

// BenchmarkUpdateConfig measures saving one edit on the CONFIG stage (no
// live credentials check, since the credentials do not change).
func BenchmarkUpdateConfig(b *testing.B) {
	h, token := benchHandlers(b)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		body := `{"AuthorizationToken":"` + token + `","ConfigStatus":"CONFIG","ConfigItems":[{"ConfigItemId":"LABEL_COUNT","SelectedValue":"` +
			strconv.Itoa(1+i%5) + `"}]}`
		rec := httptest.NewRecorder()
		h.UpdateConfig().ServeHTTP(rec, httptest.NewRequest("POST", "/linnworks/UpdateConfig", strings.NewReader(body)))
		if !strings.Contains(rec.Body.String(), `"IsError":false`) {
			b.Fatal(rec.Body.String())
		}
	}
}
