package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"linnstream/internal/linnworks"
	"linnstream/internal/linnworkssandbox"
	"linnstream/internal/streamsandbox"
	"linnstream/internal/wizard"
)

// post sends a contract request to the local server and decodes the answer,
// checking the envelope every answer must have.
func post(t *testing.T, base, endpoint string, body any) map[string]any {
	t.Helper()
	raw, _ := json.Marshal(body)
	res, err := http.Post(base+"/linnworks/"+endpoint, "application/json", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%s: HTTP %d", endpoint, res.StatusCode)
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("%s: %v: %s", endpoint, err, b)
	}
	if _, ok := out["IsError"].(bool); !ok {
		t.Fatalf("%s: no IsError: %s", endpoint, b)
	}
	return out
}

// stageItems returns UserConfig's stage name and its items' current values.
func stageItems(t *testing.T, base, token string) (string, bool, map[string]string) {
	t.Helper()
	out := post(t, base, "UserConfig", map[string]string{"AuthorizationToken": token})
	if out["IsError"] == true {
		t.Fatalf("UserConfig: %v", out["ErrorMessage"])
	}
	values := map[string]string{}
	stage := out["ConfigStage"].(map[string]any)
	for _, it := range stage["ConfigItems"].([]any) {
		m := it.(map[string]any)
		if m["ReadOnly"] == true {
			continue
		}
		v, _ := m["SelectedValue"].(string)
		values[m["ConfigItemId"].(string)] = v
	}
	return out["ConfigStatus"].(string), out["IsConfigActive"] == true, values
}

func update(t *testing.T, base, token, status string, values map[string]string) map[string]any {
	t.Helper()
	var items []map[string]string
	for id, v := range values {
		items = append(items, map[string]string{"ConfigItemId": id, "SelectedValue": v})
	}
	return post(t, base, "UpdateConfig", map[string]any{"AuthorizationToken": token, "ConfigStatus": status, "ConfigItems": items})
}

// The install-and-configure flow of the README, end to end through the local
// server, with the credentials checked live against its Stream sandbox.
func TestWizardWalkThroughTheLocalServer(t *testing.T) {
	base, banner := startLocal(t)
	apiURL := base + streamSandboxPrefix + "/api"
	if !strings.Contains(banner.String(), apiURL) || !strings.Contains(banner.String(), streamsandbox.DefaultClientSecret) {
		t.Fatalf("the banner does not give the sandbox credentials:\n%s", banner)
	}

	added := post(t, base, "AddNewUser", map[string]string{
		"Email": "ops@example.com", "LinnworksUniqueIdentifier": "3f1c2b9e4d5a4e6f8a7b9c0d1e2f3a4b", "AccountName": "Example Ltd"})
	token, _ := added["AuthorizationToken"].(string)
	if added["IsError"] == true || token == "" {
		t.Fatalf("AddNewUser: %v", added)
	}

	status, active, values := stageItems(t, base, token)
	if status != wizard.StageCredentials || active {
		t.Fatalf("first stage = %s (active %v)", status, active)
	}
	values[wizard.ItemStreamAPIURL] = apiURL
	values[wizard.ItemStreamClientID] = streamsandbox.DefaultClientID
	values[wizard.ItemStreamClientSecret] = "wrong-secret"
	if out := update(t, base, token, status, values); out["IsError"] != true || !strings.Contains(out["ErrorMessage"].(string), "invalid_client") {
		t.Fatalf("bad credentials: %v", out)
	}
	if s, _, _ := stageItems(t, base, token); s != wizard.StageCredentials {
		t.Fatalf("a refused stage moved the wizard on to %s", s)
	}
	values[wizard.ItemStreamClientSecret] = streamsandbox.DefaultClientSecret
	if out := update(t, base, token, status, values); out["IsError"] != false {
		t.Fatalf("good credentials: %v", out["ErrorMessage"])
	}

	walkRest(t, base, token, nil)
	status, active, values = stageItems(t, base, token)
	if status != wizard.StageConfig || !active {
		t.Fatalf("after the last stage: %s active=%v", status, active)
	}
	if values[wizard.ItemStreamClientSecret] != "" {
		t.Error("UserConfig echoes the Stream client secret")
	}

	if out := post(t, base, "ConfigDeleted", map[string]string{"AuthorizationToken": token}); out["IsError"] != false {
		t.Fatalf("ConfigDeleted: %v", out["ErrorMessage"])
	}
	if out := post(t, base, "UserConfig", map[string]string{"AuthorizationToken": token}); out["IsError"] != true {
		t.Fatal("a deleted profile's token still works")
	}
}

// walkRest takes a profile past its credentials through the remaining
// stages, with extra values for any stage that has those items.
func walkRest(t *testing.T, base, token string, extra map[string]string) {
	t.Helper()
	fill := map[string]string{
		wizard.ItemPartnerID: "EXW01", wizard.ItemPartnerName: "Example", wizard.ItemSenderContactName: "Dispatch",
		wizard.ItemSenderCompany: "Example Ltd", "SENDER_ADDRESS_1": "1 Canal Road", wizard.ItemSenderCity: "Leeds",
		wizard.ItemSenderCountry: "GB", wizard.ItemSenderRegion: "West Yorkshire", wizard.ItemSenderPostcode: "LS12 2DU", wizard.ItemSenderPhone: "+44 113 496 0000",
	}
	for _, want := range []string{wizard.StageSender, wizard.StageLabels, wizard.StageSync} {
		status, _, values := stageItems(t, base, token)
		if status != want {
			t.Fatalf("stage = %s, want %s", status, want)
		}
		for _, m := range []map[string]string{fill, extra} {
			for id, v := range m {
				if _, ok := values[id]; ok {
					values[id] = v
				}
			}
		}
		if out := update(t, base, token, status, values); out["IsError"] != false {
			t.Fatalf("%s: %v", status, out["ErrorMessage"])
		}
	}
}

// newConfigured adds a profile and passes the credentials stage.
func newConfigured(t *testing.T, base string) string {
	t.Helper()
	added := post(t, base, "AddNewUser", map[string]string{
		"Email": "ops@example.com", "LinnworksUniqueIdentifier": "3f1c2b9e4d5a4e6f8a7b9c0d1e2f3a4b", "AccountName": "Example Ltd"})
	token, _ := added["AuthorizationToken"].(string)
	status, _, values := stageItems(t, base, token)
	values[wizard.ItemStreamAPIURL] = base + streamSandboxPrefix + "/api"
	values[wizard.ItemStreamClientID] = streamsandbox.DefaultClientID
	values[wizard.ItemStreamClientSecret] = streamsandbox.DefaultClientSecret
	if out := update(t, base, token, status, values); out["IsError"] != false {
		t.Fatalf("credentials: %v", out["ErrorMessage"])
	}
	return token
}

// linnworksCalls counts the requests to path in the Linnworks sandbox's
// journal.
func linnworksCalls(t *testing.T, base, path string) int {
	t.Helper()
	res, err := http.Get(base + linnworksSandboxPrefix + "/admin/requests")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return strings.Count(string(b), `"`+path+`"`)
}

const (
	authorizePath      = "/api/Auth/AuthorizeByApplication"
	saveIdentifierPath = "/api/OpenOrders/SaveIdentifier"
)

// Saving LINNWORKS_API_TOKEN checks it live against the Linnworks sandbox and
// installs the integration's identifiers once; saving it again creates
// nothing; a token Linnworks refuses is an error on that step.
func TestLinnworksTokenInstallsIdentifiersOnce(t *testing.T) {
	base, _ := startLocal(t)
	token := newConfigured(t, base)
	walkRest(t, base, token, map[string]string{
		wizard.ItemOrderSyncEnabled: "true", wizard.ItemLinnworksAPIToken: linnworkssandbox.DefaultInstallToken})
	saves := linnworksCalls(t, base, saveIdentifierPath)
	if want := len(linnworks.StandardIdentifiers()); saves != want {
		t.Fatalf("first install saved %d identifiers, want %d", saves, want)
	}
	auths := linnworksCalls(t, base, authorizePath)
	if auths == 0 {
		t.Fatal("the token was never checked with AuthorizeByApplication")
	}

	status, active, values := stageItems(t, base, token)
	if status != wizard.StageConfig || !active {
		t.Fatalf("stage %s active=%v", status, active)
	}
	values[wizard.ItemLinnworksAPIToken] = linnworkssandbox.DefaultInstallToken
	if out := update(t, base, token, status, values); out["IsError"] != false {
		t.Fatalf("saving the token again: %v", out["ErrorMessage"])
	}
	if again := linnworksCalls(t, base, authorizePath); again <= auths {
		t.Errorf("saving the token again did not check it live (%d AuthorizeByApplication calls before and after)", again)
	}
	if again := linnworksCalls(t, base, saveIdentifierPath); again != saves {
		t.Errorf("saving the token again saved %d more identifiers", again-saves)
	}

	values[wizard.ItemLinnworksAPIToken] = "99999999-9999-4999-8999-999999999999"
	out := update(t, base, token, status, values)
	if out["IsError"] != true || !strings.Contains(out["ErrorMessage"].(string), "Linnworks did not accept the API token") {
		t.Fatalf("a refused token: %v", out)
	}
	if strings.Contains(out["ErrorMessage"].(string), "99999999-9999-4999-8999-999999999999") {
		t.Error("the error repeats the refused token")
	}
}

func TestSandboxesAreMounted(t *testing.T) {
	base, _ := startLocal(t)
	for _, c := range []struct {
		method, path, body string
		want               int
	}{
		{"POST", streamSandboxPrefix + "/api/oauth", `{"grant_type":"client_credentials","client_id":"sandbox","client_secret":"sandbox-secret"}`, 200},
		{"GET", streamSandboxPrefix + "/admin/orders", "", 200},
		{"POST", linnworksSandboxPrefix + "/api/Auth/AuthorizeByApplication", `{"ApplicationId":"5b9a3c1e-0d2f-4e6a-9b8c-7d6e5f4a3b2c","ApplicationSecret":"0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d","Token":"11111111-1111-1111-1111-111111111111"}`, 200},
		{"GET", "/identifiers/STREAM_SENT.png", "", 200},
		{"GET", "/identifiers/NOPE.png", "", 404},
	} {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("%s %s = %d, want %d: %s", c.method, c.path, res.StatusCode, c.want, b)
		}
		if strings.Contains(c.path, "AuthorizeByApplication") && !strings.Contains(string(b), base+linnworksSandboxPrefix) {
			t.Errorf("the Linnworks sandbox does not give its mounted base as Server: %s", b)
		}
	}
}
