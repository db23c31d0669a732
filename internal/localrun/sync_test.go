package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworkssandbox"
	"linnstream/internal/wizard"
)

func adminPost(t *testing.T, url string, body any, want int) []byte {
	t.Helper()
	raw, _ := json.Marshal(body)
	res, err := http.Post(url, "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("POST %s: HTTP %d: %s", url, res.StatusCode, b)
	}
	return b
}

// The README's walk-through: a configured profile with order sync on, a
// postal service mapped to one of its services, orders seeded in the
// Linnworks sandbox; POST /local/sync sends the good one and marks it Sent
// to Stream with its tracking number, marks the one without a postcode
// Error from Stream with a note, and answers with the profile's summary,
// which the CONFIG stage shows.
func TestLocalSyncWalkThrough(t *testing.T) {
	base, _ := startLocal(t)
	token := newConfigured(t, base)
	walkRest(t, base, token, map[string]string{
		wizard.ItemOrderSyncEnabled: "true", wizard.ItemLinnworksAPIToken: linnworkssandbox.DefaultInstallToken, wizard.ItemLookbackDays: "3"})
	svcs := post(t, base, "UserAvailableServices", map[string]string{"AuthorizationToken": token})
	list, _ := svcs["Services"].([]any)
	if len(list) == 0 {
		t.Fatalf("no services: %v", svcs)
	}
	svcID := list[0].(map[string]any)["ServiceUniqueId"].(string)
	lw := base + linnworksSandboxPrefix
	var ps struct {
		ID string `json:"id"`
	}
	json.Unmarshal(adminPost(t, lw+"/admin/postalservices", map[string]string{"name": "Stream Courier", "integratedServiceId": svcID, "vendor": linnworkssandbox.StreamVendor}, http.StatusCreated), &ps)
	now := time.Now().UTC()
	order := func(num int, postcode string) map[string]any {
		return map[string]any{"NumOrderId": num,
			"GeneralInfo":  map[string]any{"Status": 1, "ReceivedDate": now.Add(-time.Hour)},
			"ShippingInfo": map[string]any{"PostalServiceName": "Stream Courier", "TotalWeight": 1.5},
			"CustomerInfo": map[string]any{"Address": map[string]any{"FullName": "Priya Shah", "Address1": "14 Wellington Street",
				"Town": "Leeds", "PostCode": postcode, "Country": "United Kingdom"}},
			"Items": []map[string]any{{"SKU": "OAK-ST-01", "Title": "Oak side table", "Quantity": 1, "Weight": 1.5}}}
	}
	adminPost(t, lw+"/admin/orders", []map[string]any{order(910001, "LS1 4DL"), order(910002, "")}, http.StatusCreated)

	res, err := http.Post(base+"/local/sync", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var answer struct {
		Profiles []struct {
			Summary struct {
				Sent, Errors int
				Finished     bool
			} `json:"summary"`
		} `json:"profiles"`
	}
	if err := json.Unmarshal(b, &answer); err != nil || len(answer.Profiles) != 1 {
		t.Fatalf("POST /local/sync: %d %s", res.StatusCode, b)
	}
	if s := answer.Profiles[0].Summary; s.Sent != 1 || s.Errors != 1 || !s.Finished {
		t.Fatalf("summary %s", b)
	}
	get := func(num string) linnworkssandbox.AdminOrder {
		res, err := http.Get(lw + "/admin/orders/" + num)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var o linnworkssandbox.AdminOrder
		json.NewDecoder(res.Body).Decode(&o)
		return o
	}
	if o := get("910001"); !slices.Contains(o.Identifiers, linnworks.TagSent) || o.TrackingNumber == "" {
		t.Errorf("sent order shows %v, tracking %q", o.Identifiers, o.TrackingNumber)
	}
	if o := get("910002"); !slices.Contains(o.Identifiers, linnworks.TagError) || len(o.Notes) != 1 || !strings.Contains(o.Notes[0].Note, "postcode") {
		t.Errorf("refused order shows %v, notes %+v", o.Identifiers, o.Notes)
	}
	cfg := post(t, base, "UserConfig", map[string]string{"AuthorizationToken": token})
	raw, _ := json.Marshal(cfg)
	if !strings.Contains(string(raw), "1 sent, 1 errors") {
		t.Errorf("CONFIG does not show the last sync: %.400s", raw)
	}
}
