package shipping_test

import (
	"bytes"
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"linnstream/internal/profile"
	"linnstream/internal/shipping"
	"linnstream/internal/waitfor"
	"linnstream/internal/wizard"
)

func TestWizardWalkEndToEnd(t *testing.T) {
	fs := &fakeStream{}
	hs := newHarness(t, setup{checker: fs})
	tok := hs.addUser()
	hs.walk(tok)
	r := hs.post("UpdateConfig", update(tok, "CONFIG", nil))
	if !r.isError() {
		t.Fatal("UpdateConfig without ConfigItems was accepted")
	}
	p := hs.stored(tok)
	if p.Stage != wizard.StageConfig || !p.Active || fs.calls != 1 {
		t.Fatalf("stage %s active %v stream checks %d", p.Stage, p.Active, fs.calls)
	}
	c := wizard.Settings(p)
	if c.Stream.ClientSecret != streamSecret || c.LinnworksAPIToken != lwToken || c.LabelFormat != wizard.LabelPortraitStandard ||
		c.LabelCount != 2 || c.Sender.Phone != senderPhone || !c.OrderSyncEnabled || c.LookbackDays != 7 {
		t.Errorf("settings = %+v", c)
	}
	for id, v := range p.Settings {
		if v == streamSecret || v == lwToken {
			t.Errorf("secret stored in setting %s", id)
		}
	}
	assertNoLeaks(t, hs, tok)
}

// assertNoLeaks checks that no answer (AddNewUser's aside) and no log line
// carries the token, a secret or personal data.
func assertNoLeaks(t *testing.T, hs *harness, token string) {
	t.Helper()
	logs := hs.logs.String()
	if logs == "" {
		t.Fatal("nothing was logged")
	}
	for _, s := range []string{token, strings.ReplaceAll(token, "-", ""), streamSecret, lwToken, customerMail, senderPhone, senderStreet} {
		if strings.Contains(logs, s) {
			t.Errorf("logs contain %q", s)
		}
		if s == customerMail || s == senderPhone || s == senderStreet {
			continue
		}
		for _, b := range hs.bodies {
			if strings.Contains(b, s) {
				t.Errorf("an answer contains %q: %.200s", s, b)
			}
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(logs), "\n") {
		if !strings.Contains(line, `"request_id":`) || !strings.Contains(line, `"function":`) {
			t.Errorf("log line without request id or function: %s", line)
		}
	}
	if !strings.Contains(logs, `"profile":"`+profile.ID(token)[:12]+`"`) {
		t.Error("no log line names the short profile hash")
	}
}

func TestUpdateConfigRefusals(t *testing.T) {
	hs := newHarness(t, setup{})
	tok := hs.addUser()
	// Move to SENDER so that stage mismatches in both directions are tried.
	if r := hs.post("UpdateConfig", update(tok, wizard.StageCredentials, stageValues[0].items)); r.isError() {
		t.Fatal(r.raw)
	}
	good := stageValues[1].items
	with := func(id, v string) []item {
		out := append([]item(nil), good...)
		for i := range out {
			if out[i].ConfigItemId == id {
				out[i].SelectedValue = v
			}
		}
		return out
	}
	cases := []struct {
		name string
		body any
		want string
	}{
		{"malformed JSON", `{"AuthorizationToken":"` + tok + `","ConfigStatus":"SENDER","ConfigItems":[{]}`, "request body is not valid JSON: invalid character ']'"},
		{"ConfigItems not an array", `{"AuthorizationToken":"` + tok + `","ConfigStatus":"SENDER","ConfigItems":{"a":1}}`, "ConfigItems must be an array"},
		{"item not an object", `{"AuthorizationToken":"` + tok + `","ConfigStatus":"SENDER","ConfigItems":["SENDER_CITY"]}`, "ConfigItems[0] must be an object"},
		{"value not a string", update(tok, "SENDER", append(items("SENDER_CITY", "Leeds", "SENDER_COUNTRY", "GB"), item{"SENDER_PHONE", []any{441134960000}})), "ConfigItems[2].SelectedValue must be a string"},
		{"object not a string", update(tok, "SENDER", []item{{"USE_DEFAULT_LOCATION", map[string]any{"Value": true}}}), "ConfigItems[0].SelectedValue must be a string"},
		{"status not a string", `{"AuthorizationToken":"` + tok + `","ConfigStatus":["SENDER"],"ConfigItems":[]}`, "ConfigStatus must be a string"},
		{"missing status", map[string]any{"AuthorizationToken": tok, "ConfigItems": good}, "ConfigStatus is required"},
		{"missing items", map[string]any{"AuthorizationToken": tok, "ConfigStatus": "SENDER"}, "ConfigItems is required"},
		{"empty item id", update(tok, "SENDER", append(with("SENDER_CITY", "York"), item{"", "x"})), "ConfigItems[14].ConfigItemId is required"},
		{"unknown item", update(tok, "SENDER", append(with("SENDER_CITY", "York"), item{"SENDER_FAX", "1"})), `unknown ConfigItemId for stage SENDER: "SENDER_FAX"`},
		{"item of another stage", update(tok, "SENDER", append(with("SENDER_CITY", "York"), item{"LABEL_COUNT", "2"})), `unknown ConfigItemId for stage SENDER: "LABEL_COUNT"`},
		{"previous stage", update(tok, wizard.StageCredentials, stageValues[0].items), `ConfigStatus "STREAM_CREDENTIALS" is not the current stage; expected "SENDER"`},
		{"skipping ahead", update(tok, wizard.StageConfig, items("LABEL_COUNT", "2")), `expected "SENDER"`},
		{"invented stage", update(tok, "ContactStage", good), `expected "SENDER"`},
		{"bad country", update(tok, "SENDER", with("SENDER_COUNTRY", "XX")), "Country (SENDER_COUNTRY) is not an ISO 3166 country code"},
		{"missing required", update(tok, "SENDER", with("SENDER_CONTACT_NAME", "")), "Contact name (SENDER_CONTACT_NAME) is required"},
		{"value too long", update(tok, "SENDER", with("SENDER_ADDRESS_2", strings.Repeat("x", 256))), "must be at most 255 characters"},
		{"bad boolean", update(tok, "SENDER", with("PICKUP_CURRENT_DATE", "yes")), `Use current date as pickup date (PICKUP_CURRENT_DATE) must be "true" or "false"`},
		{"too large", `{"AuthorizationToken":"` + tok + `","ConfigStatus":"SENDER","ConfigItems":[],"Pad":"` + strings.Repeat(" ", 1<<20) + `"}`, "request body is larger than 1 MiB"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := hs.stored(tok)
			r := hs.post("UpdateConfig", c.body)
			sameKeys(t, "UpdateConfig response", r.obj, "IsError", "ErrorMessage")
			if !r.isError() || !strings.Contains(r.message(), c.want) {
				t.Errorf("answer %.300s, want an error containing %q", r.raw, c.want)
			}
			hs.unchanged(tok, before, c.name)
		})
	}
	// The same stage with good values still goes through.
	if r := hs.post("UpdateConfig", update(tok, "SENDER", good)); r.isError() {
		t.Fatal(r.raw)
	}
	if hs.stored(tok).Stage != wizard.StageLabels {
		t.Error("SENDER did not advance")
	}
}

func TestUpdateConfigBadCredentials(t *testing.T) {
	fs := &fakeStream{}
	hs := newHarness(t, setup{checker: fs})
	tok := hs.addUser()
	before := hs.stored(tok)
	r := hs.post("UpdateConfig", update(tok, "STREAM_CREDENTIALS", items("STREAM_API_URL", streamURL,
		"STREAM_CLIENT_ID", streamID, "STREAM_CLIENT_SECRET", "wrong-secret-value", "STREAM_PARTY", "")))
	if !r.isError() || r.message() != "Stream did not accept the credentials: invalid_client: The client credentials are invalid" {
		t.Fatalf("answer %s", r.raw)
	}
	if fs.calls != 1 {
		t.Errorf("%d Stream checks, want 1", fs.calls)
	}
	hs.unchanged(tok, before, "refused credentials")
	if strings.Contains(hs.logs.String(), "wrong-secret-value") {
		t.Error("logs contain the refused secret")
	}
}

func TestConfigEditsKeepPasswords(t *testing.T) {
	fs := &fakeStream{}
	hs := newHarness(t, setup{checker: fs})
	tok := hs.addUser()
	hs.walk(tok)

	// Linnworks sends back every item as shown: passwords empty.
	r := hs.post("UserConfig", map[string]any{"AuthorizationToken": tok})
	var all []item
	for _, x := range r.obj["ConfigStage"].(map[string]any)["ConfigItems"].([]any) {
		it := x.(map[string]any)
		v := it["SelectedValue"].(string)
		if it["ConfigItemId"] == "LABEL_COUNT" {
			v = "4"
		}
		all = append(all, item{it["ConfigItemId"].(string), v})
	}
	if r := hs.post("UpdateConfig", update(tok, "CONFIG", all)); r.isError() {
		t.Fatal(r.raw)
	}
	p := hs.stored(tok)
	c := wizard.Settings(p)
	if c.LabelCount != 4 || c.Stream.ClientSecret != streamSecret || c.LinnworksAPIToken != lwToken || p.Stage != "CONFIG" || !p.Active {
		t.Errorf("after resave: %+v", c)
	}
	if fs.calls != 1 {
		t.Errorf("unchanged credentials were checked again (%d checks)", fs.calls)
	}

	// CONFIG validates like the item's own stage.
	before := hs.stored(tok)
	for _, bad := range [][]item{
		items("LOOKBACK_DAYS", "31"),
		items("SENDER_PHONE", "phone"),
		items("LINNWORKS_API_TOKEN", "secret-but-not-a-guid"),
		items("STREAM_CLIENT_SECRET", "another-wrong-secret"),
	} {
		if r := hs.post("UpdateConfig", update(tok, "CONFIG", bad)); !r.isError() {
			t.Errorf("CONFIG accepted %v", bad)
		}
	}
	hs.unchanged(tok, before, "refused CONFIG edits")
	if fs.calls != 2 {
		t.Errorf("a changed secret must be checked with Stream: %d checks", fs.calls)
	}
	assertNoLeaks(t, hs, tok)
	for _, s := range []string{"secret-but-not-a-guid", "another-wrong-secret"} {
		if strings.Contains(hs.logs.String(), s) || strings.Contains(strings.Join(hs.bodies, ""), s) {
			t.Errorf("%q leaked", s)
		}
	}
}

func TestUpdateConfigDeadline(t *testing.T) {
	blocking := checkerFunc(func(ctx context.Context, _, _, _, _ string) error {
		<-ctx.Done()
		return ctx.Err()
	})
	hs := newHarness(t, setup{checker: blocking, timeout: 20 * time.Millisecond})
	tok := hs.addUser()
	before := hs.stored(tok)
	r := hs.post("UpdateConfig", update(tok, "STREAM_CREDENTIALS", stageValues[0].items))
	if !r.isError() || r.message() != "the request did not complete within the time limit of 20ms; please try again" {
		t.Fatalf("answer %s", r.raw)
	}
	hs.unchanged(tok, before, "a timed-out update")
}

// A dependency that ignores its context cannot hold the answer: it is given
// when the deadline passes, and the late finish writes nothing.
func TestDeadlineWithStuckDependency(t *testing.T) {
	release := make(chan struct{})
	finished := make(chan struct{})
	stuck := checkerFunc(func(ctx context.Context, _, _, _, _ string) error {
		<-release
		defer close(finished)
		return nil
	})
	hs := newHarness(t, setup{checker: stuck, timeout: 20 * time.Millisecond})
	tok := hs.addUser()
	before := hs.stored(tok)
	r := hs.post("UpdateConfig", update(tok, "STREAM_CREDENTIALS", stageValues[0].items))
	if !r.isError() || !strings.Contains(r.message(), "time limit") {
		t.Fatalf("answer %s", r.raw)
	}
	close(release)
	waitfor.Recv(t, finished, "the stuck dependency to return")
	// The handler's goroutine carries on from there (it checks the context
	// before writing); only once it has ended can the test tell that it
	// wrote nothing.
	waitfor.Cond(t, "the late handler's goroutine to end", func() bool {
		buf := make([]byte, 1<<20)
		return !bytes.Contains(buf[:runtime.Stack(buf, true)], []byte("internal/shipping.runCall"))
	})
	hs.unchanged(tok, before, "a late finish")
}

func TestUpdateConfigPanicIsRecovered(t *testing.T) {
	boom := checkerFunc(func(context.Context, string, string, string, string) error {
		panic("checker exploded")
	})
	hs := newHarness(t, setup{checker: boom})
	tok := hs.addUser()
	before := hs.stored(tok)
	r := hs.post("UpdateConfig", update(tok, "STREAM_CREDENTIALS", stageValues[0].items))
	if !r.isError() || !strings.HasPrefix(r.message(), "internal error; please try again (request id req-") ||
		strings.Contains(r.raw, "exploded") || strings.Contains(r.raw, "goroutine") {
		t.Fatalf("answer %s", r.raw)
	}
	if logs := hs.logs.String(); !strings.Contains(logs, "handler panicked") || !strings.Contains(logs, "checker exploded") {
		t.Errorf("the panic was not logged:\n%s", logs)
	}
	hs.unchanged(tok, before, "a panicking update")
}

func TestUpdateConfigConflict(t *testing.T) {
	var hs *harness
	var tok string
	// While Stream is being asked, another request saves the profile.
	racing := checkerFunc(func(ctx context.Context, _, _, _, _ string) error {
		p, err := hs.mem.Get(ctx, profile.ID(tok))
		if err != nil {
			return err
		}
		p.AccountName = "changed meanwhile"
		return hs.mem.Update(ctx, p)
	})
	hs = newHarness(t, setup{checker: racing})
	tok = hs.addUser()
	r := hs.post("UpdateConfig", update(tok, "STREAM_CREDENTIALS", stageValues[0].items))
	if !r.isError() || r.message() != "the configuration was changed by another request; reload and try again" {
		t.Fatalf("answer %s", r.raw)
	}
	p := hs.stored(tok)
	if p.AccountName != "changed meanwhile" || p.Stage != "" || len(p.Secrets) != 0 || len(p.Settings) != 0 {
		t.Errorf("stored profile = %+v; the losing write must leave no trace", p)
	}
}

// Without a configured timeout the handlers still run under a deadline, and
// it ends before API Gateway cuts the request at 30 s.
func TestDefaultDeadlineIsBelowAPIGateway(t *testing.T) {
	var (
		deadline time.Time
		has      bool
		left     time.Duration
	)
	recording := checkerFunc(func(ctx context.Context, _, _, _, _ string) error {
		deadline, has = ctx.Deadline()
		left = time.Until(deadline)
		return nil
	})
	hs := newHarness(t, setup{checker: recording})
	tok := hs.addUser()
	if r := hs.post("UpdateConfig", update(tok, wizard.StageCredentials, stageValues[0].items)); r.isError() {
		t.Fatal(r.raw)
	}
	if !has || left <= 0 || left >= 30*time.Second {
		t.Fatalf("the live check ran with deadline %v (set %v), %v ahead; want one under 30 s", deadline, has, left)
	}
	if shipping.DefaultTimeout <= 0 || shipping.DefaultTimeout >= 30*time.Second {
		t.Fatalf("DefaultTimeout = %v, want below API Gateway's 30 s", shipping.DefaultTimeout)
	}
}

// formerItemIDs are the ConfigItemIds that were longer than 20 characters,
// with the names that replaced them.
var formerItemIDs = map[string]string{
	"USE_CURRENT_DATE_AS_PICKUP":  "PICKUP_CURRENT_DATE",
	"STREAM_SEQUENCE_IDENTIFIERS": "SEQUENCE_IDENTIFIERS",
	"MARK_PROCESSED_ON_DELIVERED": "PROCESS_ON_DELIVERED",
	"DISPATCH_SYNC_ENABLED":       "DISPATCH_SYNC",
}

// A profile installed before the ConfigItemIds were shortened holds its
// settings under the former names; every one of them survives, and the
// wizard saves with the new names.
func TestProfileSavedWithFormerConfigItemIds(t *testing.T) {
	hs := newHarness(t, setup{})
	tok := hs.addUser()
	hs.walk(tok)

	// Store the profile as the former version did, each renamed setting off
	// its default so that losing it would show.
	p := hs.stored(tok)
	saved := map[string]string{"PICKUP_CURRENT_DATE": "false", "SEQUENCE_IDENTIFIERS": "true",
		"PROCESS_ON_DELIVERED": "true", "DISPATCH_SYNC": "true"}
	for old, cur := range formerItemIDs {
		delete(p.Settings, cur)
		p.Settings[old] = saved[cur]
	}
	if err := hs.mem.Update(context.Background(), p); err != nil {
		t.Fatal(err)
	}
	loaded := hs.stored(tok)
	want := wizard.Settings(loaded)
	if want.UseCurrentDateAsPickup || !want.SequenceIdentifiers || !want.MarkProcessedOnDelivered || !want.DispatchSyncEnabled {
		t.Fatalf("settings read from the former names = %+v", want)
	}

	// UserConfig shows every setting under its new name, none longer than 20.
	r := hs.post("UserConfig", map[string]any{"AuthorizationToken": tok})
	if r.isError() || r.obj["ConfigStatus"] != wizard.StageConfig {
		t.Fatalf("UserConfig: %s", r.raw)
	}
	shown := map[string]any{}
	for _, it := range r.obj["ConfigStage"].(map[string]any)["ConfigItems"].([]any) {
		m := it.(map[string]any)
		id := m["ConfigItemId"].(string)
		shown[id] = m["SelectedValue"]
		if len(id) > 20 {
			t.Errorf("ConfigItemId %s is longer than 20 characters", id)
		}
	}
	for old, cur := range formerItemIDs {
		if _, ok := shown[old]; ok {
			t.Errorf("UserConfig shows the former name %s", old)
		}
		if shown[cur] != saved[cur] {
			t.Errorf("UserConfig shows %s = %v, want %s", cur, shown[cur], saved[cur])
		}
	}

	// UpdateConfig with the new names changes only what it sends.
	r = hs.post("UpdateConfig", update(tok, wizard.StageConfig, items("DISPATCH_SYNC", "false", "PICKUP_CURRENT_DATE", "false")))
	if r.isError() {
		t.Fatalf("UpdateConfig: %s", r.message())
	}
	after := hs.stored(tok)
	want.DispatchSyncEnabled = false
	if got := wizard.Settings(after); got != want {
		t.Errorf("settings after UpdateConfig:\n%+v\nwant\n%+v", got, want)
	}
	for old, cur := range formerItemIDs {
		if _, ok := after.Settings[old]; ok {
			t.Errorf("former name %s still stored", old)
		}
		if _, ok := after.Settings[cur]; !ok {
			t.Errorf("%s not stored under its new name", cur)
		}
	}
}
