package wizard

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"linnstream/internal/profile"
	"linnstream/internal/stream"
)

// fakeStream accepts exactly one account and answers the others the way
// Stream's token endpoint does (an OAuth problem with a reason).
type fakeStream struct {
	mu    sync.Mutex
	calls []string // "baseURL clientID party"
	// echoSecret makes the refusal repeat the secret it was sent, to prove
	// the wizard never passes such a message on.
	echoSecret bool
}

const (
	goodURL    = "https://stream.example.test/api"
	goodID     = "client-42"
	goodSecret = "s3cret-value-42"
)

func (f *fakeStream) CheckCredentials(ctx context.Context, baseURL, clientID, clientSecret, party string) error {
	f.mu.Lock()
	f.calls = append(f.calls, baseURL+" "+clientID+" "+party)
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if baseURL != goodURL {
		return fmt.Errorf("POST %s/oauth: no Stream API at this address", baseURL)
	}
	if clientID != goodID || clientSecret != goodSecret {
		if f.echoSecret {
			return fmt.Errorf("invalid_client: client %s with secret %s is not known", clientID, clientSecret)
		}
		return errors.New("invalid_client: The client credentials are invalid")
	}
	return nil
}

func (f *fakeStream) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

func newWizard(t *testing.T, s StreamChecker) *Wizard {
	t.Helper()
	w, err := New(Options{Stream: s, PublicBaseURL: "https://hooks.example.test/"})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func newProfile() *profile.Profile {
	return &profile.Profile{ID: profile.ID("tok"), WebhookKey: "wk123", Settings: map[string]string{}, Secrets: map[string]string{}}
}

func vals(kv ...string) []Value {
	var v []Value
	for i := 0; i < len(kv); i += 2 {
		v = append(v, Value{ID: kv[i], Value: kv[i+1]})
	}
	return v
}

var (
	credsOK  = vals(ItemStreamAPIURL, goodURL+"/", ItemStreamClientID, goodID, ItemStreamClientSecret, goodSecret, ItemStreamParty, "")
	senderOK = vals(ItemPartnerID, "P-1", ItemPartnerName, "Partner Ltd",
		ItemSenderContactName, "Ann Smith", ItemSenderCompany, "Shop Ltd", ItemSenderAddress1, "1 High St",
		ItemSenderAddress2, "", ItemSenderCity, "Leeds", ItemSenderRegion, "West Yorkshire", ItemSenderCountry, "gb",
		ItemSenderPostcode, "ls1 4ap", ItemSenderPhone, "+44 113 496 0000",
		ItemUseDefaultLocation, "True", ItemDefaultLocation, "Default", ItemUseCurrentDatePickup, "false")
	labelsOK = vals(ItemLabelReference, "CONSIGNMENT_NO", ItemLabelFormat, "COMPACT_100X50", ItemLabelCount, "3")
	syncOK   = vals(ItemSequenceIdentifiers, "true", ItemMarkProcessedDelivery, "false", ItemWebhooksEnabled, "true",
		ItemWebhookURL, "https://attacker.example/x", ItemOrderSyncEnabled, "true", ItemDispatchSyncEnabled, "true",
		ItemLookbackDays, "14", ItemLinnworksAPIToken, "A8E53E86EEAD4B69BEAA0AFCC29B67FB", ItemOrderNumberPrefix, "LW-")
)

// walk takes a new profile through every stage.
func walk(t *testing.T, w *Wizard) *profile.Profile {
	t.Helper()
	p := newProfile()
	for _, s := range []struct {
		stage string
		v     []Value
	}{{StageCredentials, credsOK}, {StageSender, senderOK}, {StageLabels, labelsOK}, {StageSync, syncOK}} {
		if got := w.StageOf(p); got != s.stage {
			t.Fatalf("stage = %s, want %s", got, s.stage)
		}
		if err := w.Apply(context.Background(), p, s.stage, s.v); err != nil {
			t.Fatalf("apply %s: %v", s.stage, err)
		}
	}
	return p
}

func TestDefinitions(t *testing.T) {
	w := newWizard(t, &fakeStream{})
	sections := map[string]bool{}
	seen := map[string]string{}
	for _, st := range []string{StageCredentials, StageSender, StageLabels, StageSync} {
		for _, id := range w.stages[st].items {
			if prev, dup := seen[id]; dup {
				t.Errorf("%s is in stages %s and %s", id, prev, st)
			}
			seen[id] = st
		}
	}
	items := w.Items()
	if len(seen) != len(items) || len(w.stages[StageConfig].items) != len(items) {
		t.Errorf("stages hold %d items, CONFIG %d, definitions %d", len(seen), len(w.stages[StageConfig].items), len(items))
	}
	lastSort := 0
	for _, it := range items {
		sections[it.Group] = true
		if len(it.ID) > 40 || utf8.RuneCountInString(it.Name) > 50 || utf8.RuneCountInString(it.Description) > 100 {
			t.Errorf("%s exceeds a contract limit (id ≤ 40, name ≤ 50, description ≤ 100)", it.ID)
		}
		if it.SortOrder <= lastSort {
			t.Errorf("%s SortOrder %d not after %d", it.ID, it.SortOrder, lastSort)
		}
		lastSort = it.SortOrder
		if (it.Pattern == "") != (it.PatternError == "") {
			t.Errorf("%s has a pattern without its error or the reverse", it.ID)
		}
		if (it.Type == List) != (len(it.Options) > 0) {
			t.Errorf("%s: ListValues only on LIST items", it.ID)
		}
		if it.Default != "" {
			if got, problem := it.validate(it.Default); problem != "" || got != it.Default {
				t.Errorf("%s default %q fails its own rules: %q %q", it.ID, it.Default, got, problem)
			}
		}
	}
	want := []string{groupCredentials, groupPartner, groupSender, groupWarehouse, groupDate, groupAdvanced,
		groupLabel, groupStream, groupWebhook, groupSync}
	for _, g := range want {
		if !sections[g] {
			t.Errorf("no item in section %q", g)
		}
	}
	if len(sections) != len(want) {
		t.Errorf("groups %v, want the guide's %d sections", sections, len(want))
	}
}

func TestItemValidation(t *testing.T) {
	w := newWizard(t, &fakeStream{})
	cases := []struct {
		id, in, want string // want "" with problem != "" means invalid
		problem      string
	}{
		{ItemStreamAPIURL, "https://www.demo.go2stream.net/api/", "https://www.demo.go2stream.net/api", ""},
		{ItemStreamAPIURL, "http://127.0.0.1:8080/api", "", "https://"},
		{ItemStreamAPIURL, "http://stream.example/api", "", "Enter an https:// URL"},
		{ItemStreamAPIURL, "https://x.test/api?x=1", "", "Enter an https:// URL"},
		{ItemStreamAPIURL, "https://user@x.test/api", "", "Enter an https:// URL"},
		{ItemStreamAPIURL, "", "", "is required"},
		{ItemStreamClientID, "a b", "", "cannot contain spaces"},
		{ItemStreamParty, "", "", ""},
		{ItemStreamParty, strings.Repeat("p", 51), "", "at most 50"},
		{ItemSenderCountry, "gb", "GB", ""},
		{ItemSenderCountry, "uk", "GB", ""},
		{ItemSenderCountry, "XX", "", "not an ISO 3166"},
		{ItemSenderCountry, "GBR", "", "two-letter"},
		{ItemSenderPostcode, "ls1 4ap", "LS1 4AP", ""},
		{ItemSenderPostcode, "L", "", "postal code"},
		{ItemSenderPhone, "+44 (0)113 496-0000", "+44 (0)113 496-0000", ""},
		{ItemSenderPhone, "call me", "", "phone number"},
		{ItemSenderContactName, "Ann\nSmith", "", "single line"},
		{ItemSenderContactName, strings.Repeat("é", 101), "", "at most 100"},
		{ItemSenderCompany, strings.Repeat("x", 256), "", "at most 255"},
		{ItemUseDefaultLocation, "TRUE", "true", ""},
		{ItemUseDefaultLocation, "yes", "", `"true" or "false"`},
		{ItemLabelFormat, "portrait_no_qr", "PORTRAIT_NO_QR", ""},
		{ItemLabelFormat, "A4", "", "must be one of DEFAULT_4X6, PORTRAIT_NO_QR, PORTRAIT_STANDARD, COMPACT_100X50"},
		{ItemLabelReference, "ORDER_REFERENCE", "ORDER_REFERENCE", ""},
		{ItemLabelCount, "5", "5", ""},
		{ItemLabelCount, "6", "", "must be one of 1, 2, 3, 4, 5"},
		{ItemLookbackDays, "30", "30", ""},
		{ItemLookbackDays, "0", "", "from 1 to 30"},
		{ItemLookbackDays, "31", "", "from 1 to 30"},
		{ItemLookbackDays, "7.5", "", "whole number"},
		{ItemLinnworksAPIToken, "A8E53E86EEAD4B69BEAA0AFCC29B67FB", "a8e53e86-eead-4b69-beaa-0afcc29b67fb", ""},
		{ItemLinnworksAPIToken, "a8e53e86-eead-4b69-beaa-0afcc29b67fb", "a8e53e86-eead-4b69-beaa-0afcc29b67fb", ""},
		{ItemLinnworksAPIToken, "not-a-guid", "", "GUID"},
		{ItemOrderNumberPrefix, "LW-", "LW-", ""},
		{ItemOrderNumberPrefix, "LW 1", "", "up to 10"},
		{ItemOrderNumberPrefix, "ABCDEFGHIJK", "", "up to 10"},
	}
	for _, c := range cases {
		it := w.byID[c.id]
		got, problem := it.validate(c.in)
		if c.problem == "" {
			if problem != "" || got != c.want {
				t.Errorf("%s %q = %q, %q; want %q", c.id, c.in, got, problem, c.want)
			}
			continue
		}
		if !strings.Contains(problem, c.problem) {
			t.Errorf("%s %q problem = %q, want it to mention %q", c.id, c.in, problem, c.problem)
		}
		if len(c.in) >= 3 && strings.Contains(problem, c.in) {
			t.Errorf("%s problem %q repeats the value", c.id, problem)
		}
		// The advertised pattern must agree with the server's verdict for
		// values it rejects by pattern.
		if it.re != nil && strings.Contains(problem, it.PatternError) && it.re.MatchString(c.in) {
			t.Errorf("%s %q: rejected by pattern message but the advertised pattern matches", c.id, c.in)
		}
	}
}

func TestWalkStoresEveryStage(t *testing.T) {
	fs := &fakeStream{}
	w := newWizard(t, fs)
	p := walk(t, w)
	if p.Stage != StageConfig || !p.Active {
		t.Fatalf("after the wizard: stage %q active %v", p.Stage, p.Active)
	}
	if fs.callCount() != 1 || fs.calls[0] != goodURL+" "+goodID+" " {
		t.Errorf("Stream checks = %q, want one with the normalised URL", fs.calls)
	}
	wantSecrets := map[string]string{
		ItemStreamClientSecret: goodSecret,
		ItemLinnworksAPIToken:  "a8e53e86-eead-4b69-beaa-0afcc29b67fb",
	}
	if !reflect.DeepEqual(p.Secrets, wantSecrets) {
		t.Errorf("secrets = %v, want %v", p.Secrets, wantSecrets)
	}
	for id, v := range p.Settings {
		if strings.Contains(v, goodSecret) || id == ItemStreamClientSecret || id == ItemLinnworksAPIToken {
			t.Errorf("setting %s holds a secret", id)
		}
	}
	if _, ok := p.Settings[ItemWebhookURL]; ok {
		t.Error("the read-only webhook URL was stored")
	}
	c := Settings(p)
	want := Config{
		Stream: stream.Account{BaseURL: goodURL, ClientID: goodID, ClientSecret: goodSecret, Party: goodID},
		Sender: Sender{PartnerID: "P-1", PartnerName: "Partner Ltd", ContactName: "Ann Smith", Company: "Shop Ltd",
			Address1: "1 High St", City: "Leeds", Region: "West Yorkshire", Country: "GB", Postcode: "LS1 4AP", Phone: "+44 113 496 0000"},
		UseDefaultLocation: true, DefaultLocation: "Default", UseCurrentDateAsPickup: false,
		LabelReference: RefConsignmentNo, LabelFormat: LabelCompact100x50, LabelCount: 3,
		SequenceIdentifiers: true, WebhooksEnabled: true, OrderSyncEnabled: true, DispatchSyncEnabled: true,
		LookbackDays: 14, LinnworksAPIToken: "a8e53e86-eead-4b69-beaa-0afcc29b67fb", OrderNumberPrefix: "LW-",
	}
	if c != want {
		t.Errorf("Settings =\n%+v\nwant\n%+v", c, want)
	}
	if !c.WritesToLinnworks() {
		t.Error("WritesToLinnworks is false with synchronization on")
	}
}

func TestSettingsDefaults(t *testing.T) {
	c := Settings(&profile.Profile{})
	if c.Stream.BaseURL != DefaultStreamAPIURL || c.LabelFormat != LabelDefault4x6 || c.LabelReference != RefOrderID ||
		c.LabelCount != 1 || c.LookbackDays != 7 || !c.WebhooksEnabled || c.OrderSyncEnabled || !c.UseDefaultLocation ||
		c.DefaultLocation != "Default" || !c.UseCurrentDateAsPickup || c.Sender.Country != "GB" || c.WritesToLinnworks() {
		t.Errorf("defaults = %+v", c)
	}
	c = Settings(&profile.Profile{Settings: map[string]string{ItemLookbackDays: "99", ItemLabelCount: "x"}})
	if c.LookbackDays != 7 || c.LabelCount != 1 {
		t.Errorf("out-of-range stored numbers gave %d, %d; want the defaults", c.LookbackDays, c.LabelCount)
	}
}

func TestViewFirstStage(t *testing.T) {
	w := newWizard(t, &fakeStream{})
	p := newProfile()
	v := w.View(p)
	if v.Status != StageCredentials || v.Active || v.Title == "" || v.Description == "" {
		t.Fatalf("view = %+v", v)
	}
	var ids []string
	for _, f := range v.Fields {
		ids = append(ids, f.ID)
	}
	if want := []string{ItemStreamAPIURL, ItemStreamClientID, ItemStreamClientSecret, ItemStreamParty}; !reflect.DeepEqual(ids, want) {
		t.Errorf("fields %v, want %v", ids, want)
	}
	if f := v.Fields[0]; f.Value != DefaultStreamAPIURL || !f.Required || f.Type != String || f.Pattern != patternURL {
		t.Errorf("URL field = %+v", f)
	}
	if f := v.Fields[2]; f.Type != Password || !f.Required || f.Value != "" {
		t.Errorf("secret field = %+v", f)
	}
	if p.Stage != "" {
		t.Errorf("View changed the stored stage to %q", p.Stage)
	}
}

func TestViewConfig(t *testing.T) {
	w := newWizard(t, &fakeStream{})
	p := walk(t, w)
	v := w.View(p)
	if v.Status != StageConfig || !v.Active || len(v.Fields) != len(w.items) {
		t.Fatalf("view status %s active %v with %d fields", v.Status, v.Active, len(v.Fields))
	}
	for _, f := range v.Fields {
		switch f.ID {
		case ItemStreamClientSecret, ItemLinnworksAPIToken:
			if f.Value != "" || f.Required {
				t.Errorf("%s shows %q required=%v; a stored secret is never shown and may stay empty", f.ID, f.Value, f.Required)
			}
		case ItemWebhookURL:
			if f.Value != "https://hooks.example.test/stream/webhook/wk123" || !f.ReadOnly {
				t.Errorf("webhook field = %+v", f)
			}
		case ItemLabelFormat:
			if f.Value != "COMPACT_100X50" || f.Group != "Label Configuration" {
				t.Errorf("label format field = %+v", f)
			}
		}
		if f.Value != "" && (strings.Contains(f.Value, goodSecret) || strings.Contains(f.Value, "a8e53e86")) {
			t.Errorf("%s echoes a secret", f.ID)
		}
	}
}

func TestApplyRefusals(t *testing.T) {
	w := newWizard(t, &fakeStream{echoSecret: true})
	cases := []struct {
		name   string
		stage  string // the profile's stage
		status string
		values []Value
		want   string
	}{
		{"stage mismatch", "", StageSender, senderOK, `expected "STREAM_CREDENTIALS"`},
		{"later stage than stored", StageSender, StageConfig, nil, `expected "SENDER"`},
		{"unknown item", "", StageCredentials, append(vals("NOPE", "1", ItemSenderCity, "x"), credsOK...), `unknown ConfigItemId for stage STREAM_CREDENTIALS: "NOPE", "SENDER_CITY"`},
		{"duplicate item", "", StageCredentials, append(vals(ItemStreamClientID, "a"), credsOK...), "listed more than once: STREAM_CLIENT_ID"},
		{"missing secret", "", StageCredentials, vals(ItemStreamAPIURL, goodURL, ItemStreamClientID, goodID), "Stream client secret (STREAM_CLIENT_SECRET) is required"},
		{"bad credentials", "", StageCredentials, vals(ItemStreamAPIURL, goodURL, ItemStreamClientID, goodID, ItemStreamClientSecret, "wrong-secret-1"), "Stream did not accept the credentials: invalid_client"},
		{"wrong address", "", StageCredentials, vals(ItemStreamAPIURL, "https://other.test/api", ItemStreamClientID, goodID, ItemStreamClientSecret, goodSecret), "no Stream API at this address"},
		{"several problems", StageSender, StageSender, vals(ItemSenderCountry, "ZZ", ItemSenderPhone, "x"), "Country (SENDER_COUNTRY) is not an ISO 3166 country code; "},
		{"token required", StageSync, StageSync, vals(ItemOrderSyncEnabled, "true"), `Linnworks API token (LINNWORKS_API_TOKEN) is required when "Enable order synchronization" is on`},
		{"bad token", StageSync, StageSync, vals(ItemLinnworksAPIToken, "123"), "GUID"},
		{"lookback", StageSync, StageSync, vals(ItemLookbackDays, "45"), "Order lookback days (LOOKBACK_DAYS) Enter a number of days from 1 to 30"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newProfile()
			p.Stage = c.stage
			before := profile.Clone(p)
			err := w.Apply(context.Background(), p, c.status, c.values)
			var ue *Error
			if !errors.As(err, &ue) {
				t.Fatalf("err = %v, want a user error", err)
			}
			if !strings.Contains(ue.Message, c.want) {
				t.Errorf("message %q does not contain %q", ue.Message, c.want)
			}
			if strings.Contains(ue.Message, goodSecret) || strings.Contains(ue.Message, "wrong-secret-1") {
				t.Errorf("message %q contains a secret", ue.Message)
			}
			if !reflect.DeepEqual(p, before) {
				t.Errorf("a refused update changed the profile:\n%+v\n%+v", p, before)
			}
		})
	}
}

func TestCrossItemRules(t *testing.T) {
	w := newWizard(t, &fakeStream{})
	p := newProfile()
	p.Stage = StageSender
	var v []Value
	for _, x := range senderOK {
		if x.ID == ItemDefaultLocation {
			x.Value = ""
		}
		v = append(v, x)
	}
	err := w.Apply(context.Background(), p, StageSender, v)
	if err == nil || !strings.Contains(err.Error(), `Default warehouse location (DEFAULT_LOCATION) is required when "Use default warehouse location" is on`) {
		t.Fatalf("err = %v", err)
	}
	for i := range v {
		if v[i].ID == ItemUseDefaultLocation {
			v[i].Value = "false"
		}
	}
	if err := w.Apply(context.Background(), p, StageSender, v); err != nil {
		t.Fatalf("with the option off the location may be empty: %v", err)
	}
	if p.Settings[ItemDefaultLocation] != "" || p.Stage != StageLabels {
		t.Errorf("settings %v stage %s", p.Settings, p.Stage)
	}

	// SYNC with every writer off needs no token.
	p.Stage = StageSync
	err = w.Apply(context.Background(), p, StageSync, vals(ItemSequenceIdentifiers, "false", ItemMarkProcessedDelivery, "false",
		ItemOrderSyncEnabled, "false", ItemDispatchSyncEnabled, "false", ItemLinnworksAPIToken, ""))
	if err != nil || !p.Active {
		t.Fatalf("sync without writers: %v, active %v", err, p.Active)
	}
	if _, ok := p.Secrets[ItemLinnworksAPIToken]; ok {
		t.Error("an empty token was stored")
	}
	// Turning a writer on in CONFIG without a token is refused and names it.
	err = w.Apply(context.Background(), p, StageConfig, vals(ItemMarkProcessedDelivery, "true"))
	if err == nil || !strings.Contains(err.Error(), `"Mark order processed on delivered"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestConfigEdits(t *testing.T) {
	fs := &fakeStream{}
	w := newWizard(t, fs)
	p := walk(t, w)
	calls := fs.callCount()

	// Sending back every field as UserConfig shows it (secrets empty) keeps
	// everything and does not call Stream.
	var all []Value
	for _, f := range w.View(p).Fields {
		all = append(all, Value{ID: f.ID, Value: f.Value})
	}
	before := profile.Clone(p)
	if err := w.Apply(context.Background(), p, StageConfig, all); err != nil {
		t.Fatalf("resave: %v", err)
	}
	if !reflect.DeepEqual(p, before) {
		t.Errorf("resaving unchanged values changed the profile")
	}
	if fs.callCount() != calls {
		t.Errorf("unchanged credentials were checked again")
	}

	// A partial edit validates like its stage and keeps the rest.
	if err := w.Apply(context.Background(), p, StageConfig, vals(ItemLabelCount, "2", ItemSenderCity, "York")); err != nil {
		t.Fatal(err)
	}
	if c := Settings(p); c.LabelCount != 2 || c.Sender.City != "York" || c.Sender.Company != "Shop Ltd" || c.Stream.ClientSecret != goodSecret {
		t.Errorf("after edit: %+v", c)
	}
	if err := w.Apply(context.Background(), p, StageConfig, vals(ItemSenderCountry, "QQ")); err == nil {
		t.Error("CONFIG accepted a country code the SENDER stage refuses")
	}

	// Changing a credential checks Stream again, with the stored secret.
	err := w.Apply(context.Background(), p, StageConfig, vals(ItemStreamClientID, "someone-else", ItemStreamClientSecret, ""))
	if err == nil || !strings.Contains(err.Error(), "invalid_client") {
		t.Fatalf("changed client id: %v", err)
	}
	if fs.callCount() != calls+1 || Settings(p).Stream.ClientID != goodID {
		t.Errorf("calls %d, client id %q", fs.callCount()-calls, Settings(p).Stream.ClientID)
	}
	if err := w.Apply(context.Background(), p, StageConfig, vals(ItemStreamParty, "PARTY1")); err != nil {
		t.Fatal(err)
	}
	if fs.calls[len(fs.calls)-1] != goodURL+" "+goodID+" PARTY1" || Settings(p).Stream.Party != "PARTY1" {
		t.Errorf("party change: calls %q", fs.calls)
	}
}

// blockingStream waits until the context ends.
type blockingStream struct{}

func (blockingStream) CheckCredentials(ctx context.Context, _, _, _, _ string) error {
	<-ctx.Done()
	return fmt.Errorf("POST /oauth: %w", ctx.Err())
}

func TestLiveCheckContextEnded(t *testing.T) {
	w := newWizard(t, blockingStream{})
	p := newProfile()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := w.Apply(ctx, p, StageCredentials, credsOK)
	var ue *Error
	if err == nil || errors.As(err, &ue) || !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want the context error, not a user error", err)
	}
	if p.Stage != "" || len(p.Settings) != 0 || len(p.Secrets) != 0 {
		t.Errorf("profile changed: %+v", p)
	}
}

type fakeLinnworks struct{ calls, bases []string }

func (f *fakeLinnworks) Install(_ context.Context, token, base string) error {
	f.calls = append(f.calls, token)
	f.bases = append(f.bases, base)
	if token != "a8e53e86-eead-4b69-beaa-0afcc29b67fb" {
		return fmt.Errorf("token %s is not authorised", token)
	}
	return nil
}

func TestLinnworksCheckerPlugsIn(t *testing.T) {
	lw := &fakeLinnworks{}
	w, err := New(Options{Stream: &fakeStream{}, Linnworks: lw, PublicBaseURL: "http://127.0.0.1:3000"})
	if err != nil {
		t.Fatal(err)
	}
	p := newProfile()
	p.Stage = StageSync
	err = w.Apply(context.Background(), p, StageSync, vals(ItemLinnworksAPIToken, "00000000-0000-0000-0000-000000000000"))
	if err == nil || !strings.Contains(err.Error(), "Linnworks did not accept the API token: token [redacted] is not authorised") {
		t.Fatalf("err = %v", err)
	}
	if err := w.Apply(context.Background(), p, StageSync, syncOK); err != nil {
		t.Fatal(err)
	}
	if len(lw.calls) != 2 || p.Secrets[ItemLinnworksAPIToken] == "" {
		t.Errorf("calls %v secrets %v", lw.calls, p.Secrets)
	}
	if lw.bases[1] != "http://127.0.0.1:3000" {
		t.Errorf("the installer was given public base %q", lw.bases[1])
	}
}

// Saving the token again on CONFIG (typed in, unchanged) checks it live and
// runs the installer again; an edit that leaves the password field empty
// keeps the token and does not.
func TestLinnworksTokenIsCheckedWheneverSaved(t *testing.T) {
	lw := &fakeLinnworks{}
	w, err := New(Options{Stream: &fakeStream{}, Linnworks: lw, PublicBaseURL: "http://127.0.0.1:3000"})
	if err != nil {
		t.Fatal(err)
	}
	p := walk(t, w)
	token := p.Secrets[ItemLinnworksAPIToken]
	if token == "" || len(lw.calls) != 1 {
		t.Fatalf("after the walk: token %q, installer calls %v", token, lw.calls)
	}
	if err := w.Apply(context.Background(), p, StageConfig, vals(ItemLinnworksAPIToken, token)); err != nil {
		t.Fatal(err)
	}
	if len(lw.calls) != 2 {
		t.Errorf("re-saving the same token ran the installer %d times in all, want 2", len(lw.calls))
	}
	if err := w.Apply(context.Background(), p, StageConfig, vals(ItemLinnworksAPIToken, "", ItemLabelCount, "3")); err != nil {
		t.Fatal(err)
	}
	if len(lw.calls) != 2 {
		t.Errorf("an edit without the token ran the installer (%d calls)", len(lw.calls))
	}
}

type unavailableLinnworks struct{}

func (unavailableLinnworks) Install(context.Context, string, string) error {
	return fmt.Errorf("%w: linnworks authorize: HTTP 503", ErrUnavailable)
}

type unavailableStream struct{}

func (unavailableStream) CheckCredentials(context.Context, string, string, string, string) error {
	return fmt.Errorf("%w: stream token: connection refused", ErrUnavailable)
}

// An outage is not reported as a refused token or refused credentials.
func TestOutagesAskToTryAgain(t *testing.T) {
	w, err := New(Options{Stream: &fakeStream{}, Linnworks: unavailableLinnworks{}, PublicBaseURL: "http://127.0.0.1:3000"})
	if err != nil {
		t.Fatal(err)
	}
	p := newProfile()
	p.Stage = StageSync
	err = w.Apply(context.Background(), p, StageSync, syncOK)
	if err == nil || !strings.Contains(err.Error(), "Linnworks could not be reached") || strings.Contains(err.Error(), "did not accept") {
		t.Errorf("Linnworks outage: %v", err)
	}
	w, err = New(Options{Stream: unavailableStream{}, PublicBaseURL: "http://127.0.0.1:3000"})
	if err != nil {
		t.Fatal(err)
	}
	err = w.Apply(context.Background(), newProfile(), StageCredentials, credsOK)
	if err == nil || !strings.Contains(err.Error(), "Stream could not be reached") || strings.Contains(err.Error(), "did not accept") {
		t.Errorf("Stream outage: %v", err)
	}
}

func TestNewRequiresDependencies(t *testing.T) {
	if _, err := New(Options{PublicBaseURL: "https://x.test"}); err == nil {
		t.Error("New without a StreamChecker succeeded")
	}
	if _, err := New(Options{Stream: &fakeStream{}, PublicBaseURL: "/relative"}); err == nil {
		t.Error("New with a relative base URL succeeded")
	}
}

// Plain http reaches the Stream API only on this machine, and only where the
// local runtime allows it for its sandbox.
func TestLoopbackHTTPOnlyWhereAllowed(t *testing.T) {
	local, err := New(Options{Stream: &fakeStream{}, AllowLoopbackHTTP: true})
	if err != nil {
		t.Fatal(err)
	}
	deployed := newWizard(t, &fakeStream{})
	for _, c := range []struct {
		in                string
		local, deployedOK bool
	}{
		{"https://www.demo.go2stream.net/api", true, true},
		{"http://127.0.0.1:3000/sandbox/stream/api", true, false},
		{"http://localhost:8080/api", true, false},
		{"http://[::1]:3000/api", true, false},
		{"http://www.demo.go2stream.net/api", false, false},
		{"http://127.0.0.1.example.com/api", false, false},
	} {
		_, lp := local.byID[ItemStreamAPIURL].validate(c.in)
		_, dp := deployed.byID[ItemStreamAPIURL].validate(c.in)
		if (lp == "") != c.local || (dp == "") != c.deployedOK {
			t.Errorf("%s: local problem %q, deployed problem %q; want local ok %v, deployed ok %v", c.in, lp, dp, c.local, c.deployedOK)
		}
	}
	if local.byID[ItemStreamAPIURL].Pattern == deployed.byID[ItemStreamAPIURL].Pattern {
		t.Error("the advertised RegExValidation does not follow what is enforced")
	}
}

func TestWebhookURLFromPerRequestBase(t *testing.T) {
	w, err := New(Options{Stream: &fakeStream{}})
	if err != nil {
		t.Fatal(err)
	}
	if w.HasBaseURL() {
		t.Fatal("a wizard without PublicBaseURL claims a base URL")
	}
	if _, err := w.WithBaseURL("not a url"); err == nil {
		t.Error("WithBaseURL accepted a relative URL")
	}
	wb, err := w.WithBaseURL("https://abc.execute-api.eu-west-2.amazonaws.com/")
	if err != nil {
		t.Fatal(err)
	}
	p := &profile.Profile{WebhookKey: "k1"}
	if got, want := wb.WebhookURL(p), "https://abc.execute-api.eu-west-2.amazonaws.com/stream/webhook/k1"; got != want {
		t.Errorf("WebhookURL = %q, want %q", got, want)
	}
	if w.HasBaseURL() {
		t.Error("WithBaseURL changed the original wizard")
	}
}

func TestForget(t *testing.T) {
	w := newWizard(t, &fakeStream{})
	p := walk(t, w)
	Forget(p)
	if len(p.Secrets) != 0 {
		t.Errorf("secrets left: %v", p.Secrets)
	}
	for id := range p.Settings {
		if strings.HasPrefix(id, "SENDER_") {
			t.Errorf("personal setting %s left", id)
		}
	}
	if p.Settings[ItemLabelFormat] != "COMPACT_100X50" {
		t.Errorf("non-personal settings were erased too: %v", p.Settings)
	}
}

// A token Linnworks refused is shown to the user in words until a token
// that works is saved; a failed check keeps the mark.
func TestRefusedLinnworksToken(t *testing.T) {
	lw := &fakeLinnworks{}
	w, err := New(Options{Stream: &fakeStream{}, Linnworks: lw, PublicBaseURL: "http://127.0.0.1:3000"})
	if err != nil {
		t.Fatal(err)
	}
	p := walk(t, w)
	if v := w.View(p); strings.Contains(v.Description, "refused") {
		t.Fatalf("a working token is reported refused: %q", v.Description)
	}
	p.LinnworksTokenRefused = time.Date(2026, 12, 3, 19, 45, 0, 0, time.UTC)
	v := w.View(p)
	for _, want := range []string{"Linnworks refused the Linnworks API token on 3 Dec 2026 19:45 UTC", "save a working token"} {
		if !strings.Contains(v.Description, want) {
			t.Errorf("UserConfig description %q lacks %q", v.Description, want)
		}
	}
	if err := w.Apply(context.Background(), p, StageConfig, vals(ItemLinnworksAPIToken, "00000000-0000-0000-0000-000000000000")); err == nil {
		t.Fatal("a refused token was saved")
	}
	if p.LinnworksTokenRefused.IsZero() {
		t.Fatal("a token Linnworks refused cleared the mark")
	}
	if err := w.Apply(context.Background(), p, StageConfig, vals(ItemLabelCount, "2")); err != nil {
		t.Fatal(err)
	}
	if p.LinnworksTokenRefused.IsZero() {
		t.Fatal("an edit that did not save the token cleared the mark")
	}
	if err := w.Apply(context.Background(), p, StageConfig, vals(ItemLinnworksAPIToken, "a8e53e86-eead-4b69-beaa-0afcc29b67fb")); err != nil {
		t.Fatal(err)
	}
	if !p.LinnworksTokenRefused.IsZero() || strings.Contains(w.View(p).Description, "refused") {
		t.Fatalf("saving a working token kept the mark: %v", p.LinnworksTokenRefused)
	}
}
