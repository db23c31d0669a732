package shipping_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"linnstream/internal/profile"
	"linnstream/internal/shipping"
	"linnstream/internal/wizard"
)

const (
	streamURL    = "https://stream.example.test/api"
	streamID     = "client-42"
	streamSecret = "s3cret-stream-value"
	lwToken      = "a8e53e86-eead-4b69-beaa-0afcc29b67fb"
	publicBase   = "https://integration.example.test"
	customerMail = "fedor_demo@linnsystems.com"
	senderPhone  = "+44 113 496 0000"
	senderStreet = "1 High Street"
)

// fakeStream accepts one account and refuses others with a reason, as
// Stream's token endpoint does.
type fakeStream struct {
	mu    sync.Mutex
	calls int
}

func (f *fakeStream) CheckCredentials(ctx context.Context, baseURL, clientID, clientSecret, party string) error {
	f.mu.Lock()
	f.calls++
	f.mu.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
	if baseURL != streamURL || clientID != streamID || clientSecret != streamSecret {
		return errors.New("invalid_client: The client credentials are invalid")
	}
	return nil
}

// checkerFunc adapts a function to wizard.StreamChecker.
type checkerFunc func(ctx context.Context, baseURL, clientID, clientSecret, party string) error

func (f checkerFunc) CheckCredentials(ctx context.Context, baseURL, clientID, clientSecret, party string) error {
	return f(ctx, baseURL, clientID, clientSecret, party)
}

// countingStore counts profile creations.
type countingStore struct {
	profile.Store
	mu      sync.Mutex
	created []string
}

func (s *countingStore) Create(ctx context.Context, p *profile.Profile) error {
	err := s.Store.Create(ctx, p)
	if err == nil {
		s.mu.Lock()
		s.created = append(s.created, p.ID)
		s.mu.Unlock()
	}
	return err
}

func (s *countingStore) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.created)
}

// lockedBuffer collects log output from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

type harness struct {
	t     *testing.T
	mem   *profile.MemStore
	store *countingStore
	mux   http.Handler
	h     *shipping.Handlers
	logs  *lockedBuffer
	now   time.Time
	// bodies are every response body except AddNewUser's, for the checks
	// that nothing echoes a secret.
	bodies []string
}

type setup struct {
	checker wizard.StreamChecker
	timeout time.Duration
	// wrap, when set, wraps the store the handlers use.
	wrap func(profile.Store) profile.Store
}

func newHarness(t *testing.T, s setup) *harness {
	t.Helper()
	if s.checker == nil {
		s.checker = &fakeStream{}
	}
	mem := profile.NewMemStore()
	cs := &countingStore{Store: mem}
	var store profile.Store = cs
	if s.wrap != nil {
		store = s.wrap(cs)
	}
	w, err := wizard.New(wizard.Options{Stream: s.checker, PublicBaseURL: publicBase})
	if err != nil {
		t.Fatal(err)
	}
	hs := &harness{t: t, mem: mem, store: cs, logs: &lockedBuffer{},
		now: time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)}
	h, err := shipping.New(shipping.Config{
		Store:   store,
		Wizard:  w,
		Logger:  slog.New(slog.NewJSONHandler(hs.logs, nil)),
		Now:     func() time.Time { return hs.now },
		Timeout: s.timeout,
	})
	if err != nil {
		t.Fatal(err)
	}
	hs.h = h
	hs.mux = h.Mux()
	return hs
}

// reply is one answer as Linnworks sees it.
type reply struct {
	raw  string
	obj  map[string]any
	hdr  http.Header
	code int
}

func (r reply) isError() bool { return r.obj["IsError"] == true }

func (r reply) message() string {
	s, _ := r.obj["ErrorMessage"].(string)
	return s
}

// do sends a request to the mux and checks what every answer must be:
// HTTP 200, JSON with a correct Content-Length, IsError and ErrorMessage.
func (hs *harness) do(method, path, body string) reply {
	hs.t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Request-Id", "req-"+strconv.Itoa(len(hs.bodies)))
	rec := httptest.NewRecorder()
	hs.mux.ServeHTTP(rec, req)
	res := rec.Result()
	raw := rec.Body.String()
	r := reply{raw: raw, hdr: res.Header, code: res.StatusCode}
	if res.StatusCode != http.StatusOK {
		hs.t.Fatalf("%s %s: HTTP %d, want 200", method, path, res.StatusCode)
	}
	if cl := res.Header.Get("Content-Length"); cl != strconv.Itoa(len(raw)) {
		hs.t.Fatalf("%s %s: Content-Length %q for %d bytes", method, path, cl, len(raw))
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		hs.t.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	if err := json.Unmarshal([]byte(raw), &r.obj); err != nil {
		hs.t.Fatalf("%s %s: answer is not a JSON object: %v\n%s", method, path, err, raw)
	}
	isErr, ok := r.obj["IsError"].(bool)
	msg, present := r.obj["ErrorMessage"]
	if !ok || !present || (isErr && msg == nil) || (!isErr && msg != nil) {
		hs.t.Fatalf("%s %s: bad error envelope: %s", method, path, raw)
	}
	if !strings.HasSuffix(path, "/AddNewUser") {
		hs.bodies = append(hs.bodies, raw)
	}
	return r
}

func (hs *harness) post(endpoint string, body any) reply {
	hs.t.Helper()
	s, ok := body.(string)
	if !ok {
		b, err := json.Marshal(body)
		if err != nil {
			hs.t.Fatal(err)
		}
		s = string(b)
	}
	return hs.do(http.MethodPost, "/linnworks/"+endpoint, s)
}

// addUser creates a profile and returns its token.
func (hs *harness) addUser() string {
	hs.t.Helper()
	r := hs.post("AddNewUser", map[string]any{"Email": customerMail,
		"LinnworksUniqueIdentifier": "4A287F98-D1D3-434D-8D11-3159ABD094E3", "AccountName": "ACC1"})
	if r.isError() {
		hs.t.Fatalf("AddNewUser: %s", r.raw)
	}
	tok, _ := r.obj["AuthorizationToken"].(string)
	if tok == "" {
		hs.t.Fatalf("AddNewUser gave no token: %s", r.raw)
	}
	return tok
}

// stored returns the stored profile of a token.
func (hs *harness) stored(token string) *profile.Profile {
	hs.t.Helper()
	p, err := hs.mem.Get(context.Background(), profile.ID(token))
	if err != nil {
		hs.t.Fatal(err)
	}
	return p
}

type item struct {
	ConfigItemId  string
	SelectedValue any
}

func items(kv ...string) []item {
	var out []item
	for i := 0; i < len(kv); i += 2 {
		out = append(out, item{kv[i], kv[i+1]})
	}
	return out
}

func update(token, status string, its []item) map[string]any {
	return map[string]any{"AuthorizationToken": token, "ConfigStatus": status, "ConfigItems": its}
}

var stageValues = []struct {
	stage string
	items []item
}{
	{wizard.StageCredentials, items("STREAM_API_URL", streamURL, "STREAM_CLIENT_ID", streamID,
		"STREAM_CLIENT_SECRET", streamSecret, "STREAM_PARTY", "")},
	{wizard.StageSender, items("PARTNER_ID", "", "PARTNER_NAME", "",
		"SENDER_CONTACT_NAME", "Ann Smith", "SENDER_COMPANY", "Shop Ltd", "SENDER_ADDRESS_1", senderStreet,
		"SENDER_ADDRESS_2", "", "SENDER_CITY", "Leeds", "SENDER_REGION", "West Yorkshire", "SENDER_COUNTRY", "GB",
		"SENDER_POSTCODE", "LS1 4AP", "SENDER_PHONE", senderPhone,
		"USE_DEFAULT_LOCATION", "true", "DEFAULT_LOCATION", "Default", "PICKUP_CURRENT_DATE", "true")},
	{wizard.StageLabels, items("LABEL_REFERENCE", "ORDER_ID", "LABEL_FORMAT", "PORTRAIT_STANDARD", "LABEL_COUNT", "2")},
	{wizard.StageSync, items("SEQUENCE_IDENTIFIERS", "true", "PROCESS_ON_DELIVERED", "true",
		"WEBHOOKS_ENABLED", "true", "WEBHOOK_URL", "", "ORDER_SYNC_ENABLED", "true", "DISPATCH_SYNC", "true",
		"LOOKBACK_DAYS", "7", "LINNWORKS_API_TOKEN", lwToken, "ORDER_NUMBER_PREFIX", "")},
}

// walk takes a new profile through the wizard the way Linnworks does:
// UserConfig, then UpdateConfig with the stage it returned.
func (hs *harness) walk(token string) {
	hs.t.Helper()
	for _, s := range stageValues {
		r := hs.post("UserConfig", map[string]any{"AuthorizationToken": token})
		if r.isError() || r.obj["ConfigStatus"] != s.stage || r.obj["IsConfigActive"] != false {
			hs.t.Fatalf("UserConfig before %s: %s", s.stage, r.raw)
		}
		if r = hs.post("UpdateConfig", update(token, s.stage, s.items)); r.isError() {
			hs.t.Fatalf("UpdateConfig %s: %s", s.stage, r.message())
		}
	}
}

func keys(m map[string]any) []string {
	var k []string
	for x := range m {
		k = append(k, x)
	}
	sort.Strings(k)
	return k
}

func sameKeys(t *testing.T, what string, m map[string]any, want ...string) {
	t.Helper()
	sort.Strings(want)
	if got := keys(m); !reflect.DeepEqual(got, want) {
		t.Errorf("%s fields = %v, want %v", what, got, want)
	}
}

// unchanged fails if the stored profile differs from before.
func (hs *harness) unchanged(token string, before *profile.Profile, what string) {
	hs.t.Helper()
	if after := hs.stored(token); !reflect.DeepEqual(after, before) {
		hs.t.Errorf("%s changed the stored profile:\nbefore %+v\nafter  %+v", what, before, after)
	}
}

func fmtJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("unencodable: %v", err)
	}
	return string(b)
}
