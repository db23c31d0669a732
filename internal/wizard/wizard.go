// Package wizard is the staged configuration of a linnstream profile: the
// stages Linnworks walks through (UserConfig / UpdateConfig), the config items
// of each, their validation, and typed access to the saved settings.
//
// Stages run STREAM_CREDENTIALS → SENDER → LABELS → SYNC → CONFIG. A stage's
// values are validated together (item rules, then rules across items, then
// live checks such as a Stream token request) and applied to the profile only
// if all pass. CONFIG is the active stage: every item stays editable there and
// is validated as in its own stage.
package wizard

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"linnstream/internal/linnworks"
	"linnstream/internal/profile"
	"linnstream/internal/stream"
)

// StreamChecker checks Stream API credentials with a live token request. The
// error carries Stream's reason and never the secret.
type StreamChecker interface {
	CheckCredentials(ctx context.Context, baseURL, clientID, clientSecret, party string) error
}

// ErrUnavailable marks a live-check error that says nothing about the values
// checked: the other service could not be reached, was rate limiting or
// failing. The user is asked to try again rather than to change the values.
var ErrUnavailable = errors.New("service unavailable")

// LinnworksInstaller checks a Linnworks API token live and installs what the
// integration needs in that Linnworks account (its identifiers, whose images
// are served under publicBaseURL). It must be idempotent: it runs whenever
// the token is saved. It is optional: without one, the SYNC stage checks the
// token's format and requiredness only.
type LinnworksInstaller interface {
	Install(ctx context.Context, token, publicBaseURL string) error
}

// Options are the dependencies of a Wizard.
type Options struct {
	// Stream checks the credentials of the STREAM_CREDENTIALS stage. Required.
	Stream StreamChecker
	// Linnworks, when set, checks LINNWORKS_API_TOKEN and installs the
	// identifiers whenever the token is saved.
	Linnworks LinnworksInstaller
	// PublicBaseURL is where this deployment is reachable (scheme and host,
	// optionally a path); WEBHOOK_URL is built from it. When empty, callers
	// supply it per request with WithBaseURL (a Lambda function learns its
	// API's address only from the requests it serves).
	PublicBaseURL string
	// Webhooks, when set, subscribes the profile's webhook URL to Stream's
	// events whenever a stage with WEBHOOKS_ENABLED on is saved.
	Webhooks WebhookSubscriber
	// Random is the source of webhook auth headers; nil means crypto/rand.
	Random io.Reader
	// AllowLoopbackHTTP admits a plain-http STREAM_API_URL on 127.0.0.1,
	// localhost or [::1], where the local runtime serves its Stream
	// sandbox. Deployments leave it off: credentials go over https only.
	AllowLoopbackHTTP bool
}

// Wizard knows the stages and items and applies UpdateConfig requests to
// profiles. It is safe for concurrent use.
type Wizard struct {
	stream    StreamChecker
	linnworks LinnworksInstaller
	webhooks  WebhookSubscriber
	random    io.Reader
	base      string
	items     []Item
	byID      map[string]*Item
	stages    map[string]*stage
}

// stage is one wizard step.
type stage struct {
	name        string
	title       string
	description string
	items       []string
	next        string
}

// Error is a configuration problem meant for the user as it stands: a
// failed validation, a stage mismatch or credentials Stream refused. Its
// message never contains secret values.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

func userError(format string, args ...any) *Error {
	return &Error{Message: fmt.Sprintf(format, args...)}
}

// New returns a Wizard.
func New(o Options) (*Wizard, error) {
	if o.Stream == nil {
		return nil, errors.New("new wizard: a StreamChecker is required")
	}
	if o.PublicBaseURL != "" {
		if err := checkBaseURL(o.PublicBaseURL); err != nil {
			return nil, fmt.Errorf("new wizard: %w", err)
		}
	}
	w := &Wizard{
		stream:    o.Stream,
		linnworks: o.Linnworks,
		webhooks:  o.Webhooks,
		random:    o.Random,
		base:      strings.TrimRight(o.PublicBaseURL, "/"),
		items:     definitions(),
		byID:      map[string]*Item{},
	}
	for i := range w.items {
		it := &w.items[i]
		it.SortOrder = (i + 1) * 10
		if it.ID == ItemStreamAPIURL && o.AllowLoopbackHTTP {
			it.Pattern = patternLocalURL
			it.PatternError = "Enter an https:// URL (or http:// on this machine) without query or fragment"
		}
		if it.Pattern != "" {
			it.re = regexp.MustCompile(it.Pattern)
		}
		w.byID[it.ID] = it
	}
	w.stages = map[string]*stage{
		StageCredentials: {name: StageCredentials, next: StageSender,
			title:       "Stream API credentials",
			description: "Enter the API credentials your Stream administrator gave you. They are checked with Stream before you continue.",
			items:       []string{ItemStreamAPIURL, ItemStreamClientID, ItemStreamClientSecret, ItemStreamParty}},
		StageSender: {name: StageSender, next: StageLabels,
			title:       "Sender and warehouse",
			description: "The partner account, the sender address used for shipments and labels, the warehouse location and the pickup date.",
			items: []string{ItemPartnerID, ItemPartnerName,
				ItemSenderContactName, ItemSenderCompany, ItemSenderAddress1, ItemSenderAddress2, ItemSenderCity,
				ItemSenderRegion, ItemSenderCountry, ItemSenderPostcode, ItemSenderPhone,
				ItemUseDefaultLocation, ItemDefaultLocation, ItemUseCurrentDatePickup}},
		StageLabels: {name: StageLabels, next: StageSync,
			title:       "Labels",
			description: "How shipping labels are printed: the reference shown, the layout and the number of copies.",
			items:       []string{ItemLabelReference, ItemLabelFormat, ItemLabelCount}},
		StageSync: {name: StageSync, next: StageConfig,
			title:       "Synchronization",
			description: "Webhooks from Stream, order and dispatch synchronization, and the updates written back to Linnworks.",
			items: []string{ItemSequenceIdentifiers, ItemMarkProcessedDelivery, ItemWebhooksEnabled, ItemWebhookURL,
				ItemOrderSyncEnabled, ItemDispatchSyncEnabled, ItemLookbackDays, ItemLinnworksAPIToken, ItemOrderNumberPrefix,
				ItemVehicleExtProps, ItemSyncLastRun, ItemSyncFinished}},
		StageConfig: {name: StageConfig, next: StageConfig,
			title:       "Stream integration settings",
			description: "Every setting of the integration. Password fields are never shown: leave them empty to keep the saved values.",
		},
	}
	for _, it := range w.items {
		w.stages[StageConfig].items = append(w.stages[StageConfig].items, it.ID)
	}
	return w, nil
}

// Items returns the definitions of every config item in display order.
func (w *Wizard) Items() []Item { return slices.Clone(w.items) }

func checkBaseURL(s string) error {
	base, err := url.Parse(s)
	if err != nil || (base.Scheme != "https" && base.Scheme != "http") || base.Host == "" {
		return fmt.Errorf("public base URL %q is not an absolute http(s) URL", s)
	}
	return nil
}

// HasBaseURL reports whether the wizard was given its public base URL.
func (w *Wizard) HasBaseURL() bool { return w.base != "" }

// WithBaseURL returns a wizard that builds WEBHOOK_URL under base; it shares
// everything else with w.
func (w *Wizard) WithBaseURL(base string) (*Wizard, error) {
	if err := checkBaseURL(base); err != nil {
		return nil, err
	}
	c := *w
	c.base = strings.TrimRight(base, "/")
	return &c, nil
}

// WebhookURL returns the URL Stream sends this profile's events to.
func (w *Wizard) WebhookURL(p *profile.Profile) string { return WebhookURL(w.base, p.WebhookKey) }

// WebhookURL returns the webhook URL of a profile with the given webhook key
// under a public base URL.
func WebhookURL(base, key string) string {
	return strings.TrimRight(base, "/") + "/stream/webhook/" + url.PathEscape(key)
}

// StageOf returns the name of the profile's current stage: the stored one, or
// the first stage for a new profile (CONFIG for an active one whose stored
// stage is unknown).
func (w *Wizard) StageOf(p *profile.Profile) string { return w.stageOf(p).name }

func (w *Wizard) stageOf(p *profile.Profile) *stage {
	if s, ok := w.stages[p.Stage]; ok {
		return s
	}
	if p.Active {
		return w.stages[StageConfig]
	}
	return w.stages[StageCredentials]
}

// View is what UserConfig shows for a profile.
type View struct {
	// Status is the ConfigStatus: the current stage's name.
	Status      string
	Active      bool
	Title       string
	Description string
	Fields      []Field
}

// Field is an item with its current value. Secret items always have an
// empty Value.
type Field struct {
	Item
	Value string
}

// View returns the profile's current stage with current values (stored, or
// defaults). It does not change the profile.
func (w *Wizard) View(p *profile.Profile) View {
	st := w.stageOf(p)
	v := View{Status: st.name, Active: p.Active && st.name == StageConfig, Title: st.title, Description: st.description}
	if msg := TokenRefusedMessage(p); msg != "" {
		v.Description = msg + " " + v.Description
	}
	for _, id := range st.items {
		it := w.byID[id]
		f := Field{Item: *it}
		switch {
		case it.ID == ItemWebhookURL:
			f.Value = w.WebhookURL(p)
		case it.ID == ItemSyncLastRun:
			f.Value = SyncLastRun(p.Sync.Last)
		case it.ID == ItemSyncFinished:
			f.Value = SyncFinished(p.Sync.Last)
		case it.Secret():
			// A stored secret is kept when the field comes back empty, so
			// the user need not type it again.
			f.Required = it.Required && p.Secrets[it.ID] == ""
		default:
			f.Value = storedOrDefault(p, it)
		}
		v.Fields = append(v.Fields, f)
	}
	return v
}

func storedOrDefault(p *profile.Profile, it *Item) string {
	if v, ok := storedSetting(p, it.ID); ok {
		return v
	}
	return it.Default
}

// Value is one ConfigItemId and SelectedValue of an UpdateConfig request.
type Value struct {
	ID    string
	Value string
}

// draft is a stage's values after item validation: the effective value of
// every item (new ones for the stage's items, stored or default for the
// rest; secrets included) and which of them changed.
type draft struct {
	values  map[string]string
	changed map[string]bool
	// typed is true for items the request gave a non-empty value.
	typed   map[string]bool
	inStage map[string]bool
	// tokenChecked: Linnworks accepted the LINNWORKS_API_TOKEN just now.
	tokenChecked bool
}

func (d *draft) any(ids ...string) bool {
	for _, id := range ids {
		if d.inStage[id] {
			return true
		}
	}
	return false
}

func (d *draft) on(id string) bool { return d.values[id] == "true" }

// Apply validates the values of an UpdateConfig for stage status and, only if
// all of them pass, writes them to p and advances p to the next stage (the
// last stage makes it active). On any error p is unchanged. Errors of type
// *Error are for the user; others (the context ending during a live check)
// are not.
func (w *Wizard) Apply(ctx context.Context, p *profile.Profile, status string, values []Value) error {
	st := w.stageOf(p)
	if status != st.name {
		return userError("ConfigStatus %q is not the current stage; expected %q. Reload the configuration and try again", clip(status, 40), st.name)
	}
	inStage := map[string]bool{}
	for _, id := range st.items {
		inStage[id] = true
	}
	given := map[string]string{}
	var unknown, dups []string
	for _, v := range values {
		v.ID = currentID(v.ID)
		switch _, seen := given[v.ID]; {
		case !inStage[v.ID]:
			unknown = append(unknown, fmt.Sprintf("%q", clip(v.ID, 40)))
		case seen:
			dups = append(dups, v.ID)
		default:
			given[v.ID] = strings.TrimSpace(v.Value)
		}
	}
	if len(unknown) > 0 {
		return userError("unknown ConfigItemId for stage %s: %s", st.name, listClip(unknown, 10))
	}
	if len(dups) > 0 {
		return userError("ConfigItemId listed more than once: %s", listClip(dups, 10))
	}

	d := &draft{values: map[string]string{}, changed: map[string]bool{}, typed: map[string]bool{}, inStage: inStage}
	for i := range w.items {
		it := &w.items[i]
		old := storedOrDefault(p, it)
		if it.Secret() {
			old = p.Secrets[it.ID]
		}
		d.values[it.ID] = old
	}
	var problems []string
	for _, id := range st.items {
		it := w.byID[id]
		if it.ReadOnly {
			continue
		}
		old := d.values[id]
		raw, ok := given[id]
		if !ok || (it.Secret() && raw == "") {
			raw = old
		}
		v, problem := it.validate(raw)
		if problem != "" {
			problems = append(problems, fmt.Sprintf("%s (%s) %s", it.Name, it.ID, problem))
			continue
		}
		d.values[id] = v
		d.changed[id] = v != old
		d.typed[id] = ok && given[id] != ""
	}
	problems = append(problems, w.crossCheck(d)...)
	if len(problems) > 0 {
		return userError("%s", strings.Join(problems, "; "))
	}
	if err := w.liveCheck(ctx, st, d); err != nil {
		return err
	}
	newAuth, err := w.subscribe(ctx, p.WebhookKey, d, p.Secrets[SecretWebhookAuthHeader])
	if err != nil {
		return err
	}

	if p.Settings == nil {
		p.Settings = map[string]string{}
	}
	if p.Secrets == nil {
		p.Secrets = map[string]string{}
	}
	for _, id := range st.items {
		it := w.byID[id]
		switch {
		case it.ReadOnly:
		case it.Secret():
			if v := d.values[id]; v != "" {
				p.Secrets[id] = v
			}
		default:
			p.Settings[id] = d.values[id]
			forgetFormerNames(p, id)
		}
	}
	// A token Linnworks has just accepted (or, with no live check, a new
	// token) ends the hold on the write-back.
	if d.tokenChecked || (w.linnworks == nil && d.changed[ItemLinnworksAPIToken]) {
		p.LinnworksTokenRefused = time.Time{}
	}
	if newAuth != "" {
		p.Secrets[SecretWebhookAuthHeader] = newAuth
	}
	p.Stage = st.next
	if st.next == StageConfig {
		p.Active = true
	}
	return nil
}

// SyncLastRun is the CONFIG stage's line about the last order sync run.
func SyncLastRun(r profile.SyncRun) string {
	if r.Started == 0 {
		return "not run yet"
	}
	line := fmt.Sprintf("%s: %d orders considered, %d sent, %d errors",
		time.Unix(r.Ended, 0).UTC().Format("2 Jan 2006 15:04 MST"), r.Considered, r.Sent, r.Errors)
	reasons := slices.Sorted(maps.Keys(r.Skipped))
	if len(reasons) > 0 {
		parts := make([]string, len(reasons))
		for i, k := range reasons {
			parts[i] = fmt.Sprintf("%s %d", strings.ReplaceAll(k, "_", " "), r.Skipped[k])
		}
		line += "; skipped: " + strings.Join(parts, ", ")
	}
	return line
}

// SyncFinished is the CONFIG stage's line saying whether the last order
// sync run finished, and what stopped it if not.
func SyncFinished(r profile.SyncRun) string {
	switch {
	case r.Started == 0:
		return ""
	case r.Finished:
		return "yes"
	case r.Problem != "":
		return "no: " + r.Problem
	}
	return "no"
}

// TokenRefusedMessage says, in words for the user, that Linnworks refused
// the profile's API token and what that holds up; "" while it works.
func TokenRefusedMessage(p *profile.Profile) string {
	if p.LinnworksTokenRefused.IsZero() {
		return ""
	}
	return fmt.Sprintf("Linnworks refused the Linnworks API token on %s (it was revoked, or the app was removed). "+
		"Updates from Stream (tracking, run, day and sequence identifiers, processing) are not written to Linnworks "+
		"and wait until you save a working token under \"Linnworks API token\".",
		p.LinnworksTokenRefused.UTC().Format("2 Jan 2006 15:04 MST"))
}

// crossCheck applies the rules that span items, when the stage holds any of
// their items.
func (w *Wizard) crossCheck(d *draft) []string {
	var problems []string
	if d.any(ItemUseDefaultLocation, ItemDefaultLocation) &&
		d.on(ItemUseDefaultLocation) && d.values[ItemDefaultLocation] == "" {
		problems = append(problems, fmt.Sprintf("%s (%s) is required when %q is on",
			w.byID[ItemDefaultLocation].Name, ItemDefaultLocation, w.byID[ItemUseDefaultLocation].Name))
	}
	writers := []string{ItemOrderSyncEnabled, ItemDispatchSyncEnabled, ItemSequenceIdentifiers, ItemMarkProcessedDelivery, ItemVehicleExtProps}
	if d.any(append(writers, ItemLinnworksAPIToken)...) && d.values[ItemLinnworksAPIToken] == "" {
		var on []string
		for _, id := range writers {
			if d.on(id) {
				on = append(on, fmt.Sprintf("%q", w.byID[id].Name))
			}
		}
		if len(on) > 0 {
			problems = append(problems, fmt.Sprintf("%s (%s) is required when %s is on",
				w.byID[ItemLinnworksAPIToken].Name, ItemLinnworksAPIToken, strings.Join(on, ", ")))
		}
	}
	return problems
}

// liveCheck runs the checks that call other services: the Stream token
// request on the credentials stage and whenever credentials change, and the
// Linnworks token check when one is configured and the token changes.
func (w *Wizard) liveCheck(ctx context.Context, st *stage, d *draft) error {
	creds := []string{ItemStreamAPIURL, ItemStreamClientID, ItemStreamClientSecret, ItemStreamParty}
	credsChanged := false
	for _, id := range creds {
		credsChanged = credsChanged || d.changed[id]
	}
	if st.name == StageCredentials || (d.any(creds...) && credsChanged) {
		secret := d.values[ItemStreamClientSecret]
		err := w.stream.CheckCredentials(ctx, d.values[ItemStreamAPIURL], d.values[ItemStreamClientID], secret, d.values[ItemStreamParty])
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("check Stream credentials: %w", ctx.Err())
			}
			var rl *stream.RateLimitError
			if errors.As(err, &rl) {
				return userError("the credentials could not be checked: %s", rl.Explain())
			}
			if errors.Is(err, stream.ErrWrongURL) {
				return userError("check STREAM_API_URL: %s", clip(redact(err.Error(), secret), 300))
			}
			if errors.Is(err, ErrUnavailable) {
				return userError("Stream could not be reached to check the credentials; try again in a few minutes (%s)", clip(redact(err.Error(), secret), 300))
			}
			return userError("Stream did not accept the credentials: %s", clip(redact(err.Error(), secret), 300))
		}
	}
	// The Linnworks token is checked, and the identifiers installed, each
	// time it is saved: typed in again, changed, or carried through SYNC.
	token := d.values[ItemLinnworksAPIToken]
	saved := d.typed[ItemLinnworksAPIToken] || d.changed[ItemLinnworksAPIToken] || st.name == StageSync
	if w.linnworks != nil && token != "" && d.any(ItemLinnworksAPIToken) && saved {
		if err := w.linnworks.Install(ctx, token, w.base); err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("check Linnworks token: %w", ctx.Err())
			}
			var lrl *linnworks.RetryLaterError
			if errors.As(err, &lrl) && lrl.Limited {
				return userError("the API token could not be checked: %s", lrl.Explain())
			}
			if errors.Is(err, ErrUnavailable) {
				return userError("Linnworks could not be reached to check the API token; try again in a few minutes (%s)", clip(redact(err.Error(), token), 300))
			}
			return userError("Linnworks did not accept the API token: %s", clip(redact(err.Error(), token), 300))
		}
		d.tokenChecked = true
	}
	return nil
}

// redact removes a secret from a message that came from elsewhere, in case
// the other side echoed it.
func redact(msg, secret string) string {
	if len(secret) < 4 {
		return msg
	}
	return strings.ReplaceAll(msg, secret, "[redacted]")
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

func listClip(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(items[:n], ", "), len(items)-n)
}

// sensitiveGroups are the groups whose settings are personal data, erased
// by Forget.
var sensitiveGroups = []string{groupSender}

// Forget erases what a deleted profile must not keep: every secret and the
// settings that are personal data (the sender contact and address).
func Forget(p *profile.Profile) {
	p.Secrets = map[string]string{}
	for _, it := range definitions() {
		if slices.Contains(sensitiveGroups, it.Group) {
			delete(p.Settings, it.ID)
		}
	}
}
