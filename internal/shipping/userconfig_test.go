package shipping_test

import (
	"strings"
	"testing"

	"linnstream/internal/shipping"
)

var configItemFields = []string{"ConfigItemId", "Name", "Description", "GroupName", "SortOrder", "SelectedValue",
	"RegExValidation", "RegExError", "MustBeSpecified", "ReadOnly", "ListValues", "ValueType"}

func TestUserConfigFirstStage(t *testing.T) {
	hs := newHarness(t, setup{})
	tok := hs.addUser()
	before := hs.stored(tok)
	r := hs.post("UserConfig", `{"AuthorizationToken":"`+tok+`"}`)
	if r.isError() {
		t.Fatal(r.raw)
	}
	sameKeys(t, "UserConfig response", r.obj, "IsConfigActive", "ConfigStatus", "ConfigStage", "WizardStepDescription", "IsError", "ErrorMessage")
	if r.obj["ConfigStatus"] != "STREAM_CREDENTIALS" || r.obj["IsConfigActive"] != false {
		t.Errorf("status %v active %v", r.obj["ConfigStatus"], r.obj["IsConfigActive"])
	}
	stage := r.obj["ConfigStage"].(map[string]any)
	sameKeys(t, "ConfigStage", stage, "WizardStepDescription", "WizardStepTitle", "ConfigItems")
	if stage["WizardStepTitle"] == "" || stage["WizardStepDescription"] != r.obj["WizardStepDescription"] {
		t.Errorf("stage texts %v", stage)
	}
	list := stage["ConfigItems"].([]any)
	want := []struct {
		id        string
		valueType float64
		value     string
		required  bool
		regex     bool
	}{
		{"STREAM_API_URL", 0, "https://www.demo.go2stream.net/api", true, true},
		{"STREAM_CLIENT_ID", 0, "", true, true},
		{"STREAM_CLIENT_SECRET", 4, "", true, true},
		{"STREAM_PARTY", 0, "", false, true},
	}
	if len(list) != len(want) {
		t.Fatalf("%d items, want %d", len(list), len(want))
	}
	lastSort := -1.0
	for i, w := range want {
		it := list[i].(map[string]any)
		sameKeys(t, "ConfigItem", it, configItemFields...)
		if it["ConfigItemId"] != w.id || it["ValueType"] != w.valueType || it["SelectedValue"] != w.value ||
			it["MustBeSpecified"] != w.required || it["ReadOnly"] != false || it["GroupName"] != "Stream API Credentials" {
			t.Errorf("item %d = %v", i, it)
		}
		if lv, ok := it["ListValues"].([]any); !ok || len(lv) != 0 {
			t.Errorf("%s ListValues = %v, want []", w.id, it["ListValues"])
		}
		if _, isString := it["RegExValidation"].(string); isString != w.regex {
			t.Errorf("%s RegExValidation = %v", w.id, it["RegExValidation"])
		}
		if s := it["SortOrder"].(float64); s <= lastSort {
			t.Errorf("%s SortOrder %v not ascending", w.id, s)
		} else {
			lastSort = s
		}
	}
	hs.unchanged(tok, before, "UserConfig")
}

func TestUserConfigListAndBooleanItems(t *testing.T) {
	hs := newHarness(t, setup{})
	tok := hs.addUser()
	hs.walk(tok)
	r := hs.post("UserConfig", map[string]any{"AuthorizationToken": tok})
	if r.isError() || r.obj["ConfigStatus"] != "CONFIG" || r.obj["IsConfigActive"] != true {
		t.Fatalf("after the wizard: %.300s", r.raw)
	}
	byID := map[string]map[string]any{}
	groups := map[string]bool{}
	for _, x := range r.obj["ConfigStage"].(map[string]any)["ConfigItems"].([]any) {
		it := x.(map[string]any)
		byID[it["ConfigItemId"].(string)] = it
		groups[it["GroupName"].(string)] = true
	}
	if len(byID) != 33 {
		t.Errorf("CONFIG has %d items, want all 33", len(byID))
	}
	for _, g := range []string{"Stream API Credentials", "Partner Account", "Sender Address", "Warehouse Configuration",
		"Date Configuration", "Advanced Settings", "Label Configuration", "Stream Configuration",
		"Webhook Configuration", "Order Synchronization"} {
		if !groups[g] {
			t.Errorf("no items in group %q", g)
		}
	}
	// What each item is, as the guide and the issue name it.
	type def struct {
		valueType    float64
		required, ro bool
		group        string
	}
	const (
		creds, partner, sender, warehouse, date = "Stream API Credentials", "Partner Account", "Sender Address", "Warehouse Configuration", "Date Configuration"
		label, streamCfg, webhook, sync, adv    = "Label Configuration", "Stream Configuration", "Webhook Configuration", "Order Synchronization", "Advanced Settings"
	)
	defs := map[string]def{
		"STREAM_API_URL": {0, true, false, creds}, "STREAM_CLIENT_ID": {0, true, false, creds},
		// A stored password may be left empty to keep it.
		"STREAM_CLIENT_SECRET": {4, false, false, creds}, "STREAM_PARTY": {0, false, false, creds},
		"PARTNER_ID": {0, false, false, partner}, "PARTNER_NAME": {0, false, false, partner},
		"SENDER_CONTACT_NAME": {0, true, false, sender}, "SENDER_COMPANY": {0, true, false, sender},
		"SENDER_ADDRESS_1": {0, true, false, sender}, "SENDER_ADDRESS_2": {0, false, false, sender},
		"SENDER_CITY": {0, true, false, sender}, "SENDER_REGION": {0, true, false, sender},
		"SENDER_COUNTRY": {0, true, false, sender}, "SENDER_POSTCODE": {0, true, false, sender},
		"SENDER_PHONE":         {0, true, false, sender},
		"USE_DEFAULT_LOCATION": {3, true, false, warehouse}, "DEFAULT_LOCATION": {0, false, false, warehouse},
		"PICKUP_CURRENT_DATE": {3, true, false, date},
		"LABEL_REFERENCE":     {5, true, false, label}, "LABEL_FORMAT": {5, true, false, label}, "LABEL_COUNT": {5, true, false, label},
		"SEQUENCE_IDENTIFIERS": {3, true, false, streamCfg}, "PROCESS_ON_DELIVERED": {3, true, false, streamCfg},
		"WEBHOOKS_ENABLED": {3, true, false, webhook}, "WEBHOOK_URL": {0, false, true, webhook},
		"ORDER_SYNC_ENABLED": {3, true, false, sync}, "DISPATCH_SYNC": {3, true, false, sync},
		"LOOKBACK_DAYS":       {1, true, false, sync},
		"LINNWORKS_API_TOKEN": {4, false, false, adv}, "ORDER_NUMBER_PREFIX": {0, false, false, adv},
		"VEHICLE_EXT_PROPS": {3, true, false, adv},
	}
	for id, d := range defs {
		it, ok := byID[id]
		if !ok {
			t.Errorf("CONFIG lacks %s", id)
			continue
		}
		if it["ValueType"] != d.valueType || it["MustBeSpecified"] != d.required || it["ReadOnly"] != d.ro || it["GroupName"] != d.group {
			t.Errorf("%s = ValueType %v MustBeSpecified %v ReadOnly %v GroupName %v; want %v %v %v %q",
				id, it["ValueType"], it["MustBeSpecified"], it["ReadOnly"], it["GroupName"], d.valueType, d.required, d.ro, d.group)
		}
		if lv := it["ListValues"].([]any); (d.valueType == 5) != (len(lv) > 0) {
			t.Errorf("%s has %d ListValues", id, len(lv))
		}
	}
	if sc := byID["SENDER_COUNTRY"]; sc["RegExValidation"] != "^[A-Za-z]{2}$" || sc["RegExError"] == nil {
		t.Errorf("SENDER_COUNTRY = %v, want an alpha-2 pattern with its message", sc)
	}
	lf := byID["LABEL_FORMAT"]
	if lf["ValueType"] != 5.0 || lf["SelectedValue"] != "PORTRAIT_STANDARD" || lf["RegExValidation"] != nil {
		t.Errorf("LABEL_FORMAT = %v", lf)
	}
	wantLF := `[{"Display":"Default (4×6 with QR \u0026 Barcode)","Value":"DEFAULT_4X6"},{"Display":"Portrait without QR (4×6)","Value":"PORTRAIT_NO_QR"},` +
		`{"Display":"Portrait Standard (A6)","Value":"PORTRAIT_STANDARD"},{"Display":"Compact (100x50mm without QR)","Value":"COMPACT_100X50"}]`
	if got := fmtJSON(lf["ListValues"]); got != wantLF {
		t.Errorf("LABEL_FORMAT ListValues = %s", got)
	}
	if lr := byID["LABEL_REFERENCE"]; fmtJSON(lr["ListValues"]) != `[{"Display":"Linnworks order ID","Value":"ORDER_ID"},{"Display":"Order reference","Value":"ORDER_REFERENCE"},{"Display":"Stream consignment number","Value":"CONSIGNMENT_NO"}]` {
		t.Errorf("LABEL_REFERENCE ListValues = %v", lr["ListValues"])
	}
	if lc := byID["LABEL_COUNT"]; lc["ValueType"] != 5.0 || lc["SelectedValue"] != "2" || len(lc["ListValues"].([]any)) != 5 {
		t.Errorf("LABEL_COUNT = %v", lc)
	}
	if b := byID["WEBHOOKS_ENABLED"]; b["ValueType"] != 3.0 || b["SelectedValue"] != "true" {
		t.Errorf("WEBHOOKS_ENABLED = %v", b)
	}
	if ld := byID["LOOKBACK_DAYS"]; ld["ValueType"] != 1.0 || ld["SelectedValue"] != "7" || ld["RegExValidation"] != `^([1-9]|[12][0-9]|30)$` {
		t.Errorf("LOOKBACK_DAYS = %v", ld)
	}
	p := hs.stored(tok)
	if wu := byID["WEBHOOK_URL"]; wu["ReadOnly"] != true || wu["SelectedValue"] != publicBase+"/stream/webhook/"+p.WebhookKey {
		t.Errorf("WEBHOOK_URL = %v", wu)
	}
	for _, id := range []string{"STREAM_CLIENT_SECRET", "LINNWORKS_API_TOKEN"} {
		if it := byID[id]; it["ValueType"] != 4.0 || it["SelectedValue"] != "" || it["MustBeSpecified"] != false {
			t.Errorf("%s = %v; a stored password is never echoed and may be left empty", id, it)
		}
	}
	if strings.Contains(r.raw, streamSecret) || strings.Contains(r.raw, lwToken) || strings.Contains(r.raw, "a8e53e86") {
		t.Error("UserConfig echoes a secret")
	}
}

func TestTokenRefusals(t *testing.T) {
	for _, endpoint := range []string{"UserConfig", "UpdateConfig", "ConfigDeleted"} {
		t.Run(endpoint, func(t *testing.T) {
			hs := newHarness(t, setup{})
			tok := hs.addUser()
			deleted := hs.addUser()
			if r := hs.post("ConfigDeleted", map[string]any{"AuthorizationToken": deleted}); r.isError() {
				t.Fatal(r.raw)
			}
			before := hs.stored(tok)
			cases := []struct{ name, body, want string }{
				{"missing", `{}`, "AuthorizationToken is required"},
				{"blank", `{"AuthorizationToken":"  "}`, "AuthorizationToken is required"},
				{"null", `{"AuthorizationToken":null}`, "AuthorizationToken is required"},
				{"wrong type", `{"AuthorizationToken":[12345]}`, "AuthorizationToken must be a string"},
				{"unknown", `{"AuthorizationToken":"0b5bd7a3-7c41-4b8e-9d0c-5a1f2e3d4c5b"}`, "Authorization failed for token"},
				{"malformed", `{"AuthorizationToken":"` + tok + `"`, "request body is not valid JSON"},
				{"too large", `{"AuthorizationToken":"` + tok + `","ConfigStatus":"STREAM_CREDENTIALS","ConfigItems":[],"Pad":"` +
					strings.Repeat(" ", shipping.MaxBodyBytes) + `"}`, "request body is larger than 1 MiB"},
				{"array body", `[{"AuthorizationToken":"` + tok + `"}]`, "request body must be a JSON object"},
			}
			if endpoint != "ConfigDeleted" {
				cases = append(cases, struct{ name, body, want string }{"deleted", `{"AuthorizationToken":"` + deleted + `","ConfigStatus":"STREAM_CREDENTIALS","ConfigItems":[]}`, "Authorization failed for token"})
			}
			for _, c := range cases {
				r := hs.post(endpoint, c.body)
				if !r.isError() || r.message() != c.want && !strings.HasPrefix(r.message(), c.want) {
					t.Errorf("%s: %s, want %q", c.name, r.raw, c.want)
				}
				if strings.Contains(r.raw, "0b5bd7a3") || strings.Contains(r.raw, deleted) {
					t.Errorf("%s: the answer repeats the token", c.name)
				}
			}
			hs.unchanged(tok, before, "refused calls")
		})
	}
}

func TestTokenFormsAreEquivalent(t *testing.T) {
	hs := newHarness(t, setup{})
	tok := hs.addUser()
	bare := strings.ReplaceAll(tok, "-", "")
	for _, form := range []string{strings.ToUpper(tok), bare, "{" + tok + "}", " " + tok + " "} {
		if r := hs.post("UserConfig", map[string]any{"AuthorizationToken": form}); r.isError() {
			t.Errorf("token form %q refused: %s", form, r.message())
		}
	}
	if r := hs.post("UserConfig", map[string]any{"AuthorizationToken": bare[:31]}); !r.isError() {
		t.Error("a shortened token was accepted")
	}
}
