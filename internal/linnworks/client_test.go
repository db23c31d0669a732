package linnworks_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"linnstream/internal/linnworks"
)

const (
	appID     = "aaaaaaaa-0000-0000-0000-000000000001"
	appSecret = "bbbbbbbb-0000-0000-0000-000000000002"
	install   = "11111111-1111-1111-1111-111111111111"
	install2  = "22222222-2222-2222-2222-222222222222"
)

// fakeLinnworks is a minimal Linnworks: an auth server that hands out numbered sessions and an
// API server (a separate host, returned as Server) whose behaviour each test sets.
type fakeLinnworks struct {
	t        *testing.T
	auth     *httptest.Server
	api      *httptest.Server
	authHits atomic.Int32
	apiHits  atomic.Int32
	// authStatus, when not 0, is answered by AuthorizeByApplication instead of a session.
	authStatus atomic.Int32
	authState  atomic.Value // string: Status.State of new sessions
	// handle answers API requests; sessionN is the number of the session used (1-based).
	mu           sync.Mutex
	handle       func(w http.ResponseWriter, r *http.Request, sessionN int)
	lastAuthBody []byte
}

func sessionToken(n int) string { return fmt.Sprintf("5e55105e-0000-0000-0000-%012d", n) }

func newFake(t *testing.T) *fakeLinnworks {
	f := &fakeLinnworks{t: t}
	f.authState.Store("AVAILABLE")
	f.api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.apiHits.Add(1)
		n := 0
		fmt.Sscanf(strings.TrimPrefix(r.Header.Get("Authorization"), "5e55105e-0000-0000-0000-"), "%d", &n)
		f.mu.Lock()
		h := f.handle
		f.mu.Unlock()
		if h == nil {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `[]`)
			return
		}
		h(w, r, n)
	}))
	f.auth = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := int(f.authHits.Add(1))
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.lastAuthBody = body
		f.mu.Unlock()
		if r.URL.Path != "/api/Auth/AuthorizeByApplication" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		if s := f.authStatus.Load(); s != 0 {
			w.WriteHeader(int(s))
			fmt.Fprintf(w, `{"Code":"Refused","Message":"Token %s is not valid"}`, install)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{
			"Id": sessionToken(n), "Token": sessionToken(n), "Server": f.api.URL,
			"EntityId": "e0000000-0000-0000-0000-000000000001", "UserId": "u0000000-0000-0000-0000-000000000001",
			"Locality": "EU", "Status": map[string]any{"State": f.authState.Load()},
		})
	}))
	t.Cleanup(func() { f.api.Close(); f.auth.Close() })
	return f
}

func (f *fakeLinnworks) setHandler(h func(w http.ResponseWriter, r *http.Request, sessionN int)) {
	f.mu.Lock()
	f.handle = h
	f.mu.Unlock()
}

// fakeTime is a clock that only moves when told, and a sleep that moves it.
type fakeTime struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeTime() *fakeTime { return &fakeTime{now: time.Date(2026, 5, 4, 9, 0, 0, 0, time.UTC)} }

func (ft *fakeTime) Now() time.Time {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return ft.now
}

func (ft *fakeTime) Advance(d time.Duration) {
	ft.mu.Lock()
	ft.now = ft.now.Add(d)
	ft.mu.Unlock()
}

func (ft *fakeTime) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	ft.mu.Lock()
	ft.sleeps = append(ft.sleeps, d)
	ft.now = ft.now.Add(d)
	ft.mu.Unlock()
	return nil
}

func (ft *fakeTime) Sleeps() []time.Duration {
	ft.mu.Lock()
	defer ft.mu.Unlock()
	return append([]time.Duration(nil), ft.sleeps...)
}

func newClient(t *testing.T, f *fakeLinnworks, opts ...linnworks.Option) *linnworks.Client {
	t.Helper()
	c, err := linnworks.New(linnworks.Config{
		AuthURL:           f.auth.URL + "/api/Auth/AuthorizeByApplication",
		ApplicationID:     appID,
		ApplicationSecret: appSecret,
	}, append([]linnworks.Option{linnworks.WithLogger(slog.New(slog.DiscardHandler))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func TestNewValidatesConfig(t *testing.T) {
	for _, cfg := range []linnworks.Config{
		{ApplicationID: "", ApplicationSecret: appSecret},
		{ApplicationID: appID, ApplicationSecret: "not-a-guid"},
		{AuthURL: "ftp://x/y", ApplicationID: appID, ApplicationSecret: appSecret},
	} {
		if _, err := linnworks.New(cfg); err == nil {
			t.Errorf("New(%+v) accepted an invalid config", cfg)
		} else if strings.Contains(err.Error(), appSecret) {
			t.Errorf("error leaks the secret: %v", err)
		}
	}
}

func TestSessionIsObtainedOnceAndUsedAgainstServer(t *testing.T) {
	f := newFake(t)
	var badHeader atomic.Value
	f.setHandler(func(w http.ResponseWriter, r *http.Request, n int) {
		if got := r.Header.Get("Authorization"); got != sessionToken(1) {
			badHeader.Store(got)
		}
		if r.URL.Path != "/api/OpenOrders/GetIdentifiers" {
			http.NotFound(w, r)
			return
		}
		writeJSON(w, 200, []linnworks.Identifier{{IdentifierID: 3, Tag: "AMAZON_PRIME", Name: "Prime"}})
	})
	c := newClient(t, f)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			ids, err := c.Identifiers(context.Background(), install)
			if err == nil && (len(ids) != 1 || ids[0].Tag != "AMAZON_PRIME") {
				err = fmt.Errorf("unexpected identifiers %+v", ids)
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := f.authHits.Load(); n != 1 {
		t.Fatalf("20 concurrent calls authorised %d times, want 1", n)
	}
	if v := badHeader.Load(); v != nil {
		t.Fatalf("Authorization header %q, want the raw session token", v)
	}
	var authBody map[string]string
	if err := json.Unmarshal(f.lastAuthBody, &authBody); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"ApplicationId": appID, "ApplicationSecret": appSecret, "Token": install}
	for k, v := range want {
		if authBody[k] != v {
			t.Errorf("auth body %s = %q, want %q", k, authBody[k], v)
		}
	}
	// A second install token gets its own session.
	if _, err := c.Identifiers(context.Background(), install2); err != nil {
		t.Fatal(err)
	}
	if v := badHeader.Load(); v != sessionToken(2) {
		t.Fatalf("second token sent Authorization %q, want its own session %q", v, sessionToken(2))
	}
	if n := f.authHits.Load(); n != 2 {
		t.Fatalf("second token: %d authorisations, want 2", n)
	}
}

func TestSessionRenewedAfterTwentyMinutesIdle(t *testing.T) {
	f := newFake(t)
	sessions := make(chan int, 10)
	f.setHandler(func(w http.ResponseWriter, r *http.Request, n int) {
		sessions <- n
		writeJSON(w, 200, []any{})
	})
	ft := newFakeTime()
	c := newClient(t, f, linnworks.WithClock(ft.Now), linnworks.WithSleep(ft.Sleep))
	ctx := context.Background()
	step := func(advance time.Duration) int {
		ft.Advance(advance)
		if _, err := c.Identifiers(ctx, install); err != nil {
			t.Fatal(err)
		}
		return <-sessions
	}
	if n := step(0); n != 1 {
		t.Fatalf("first call used session %d", n)
	}
	// Use keeps the session alive: 19 minutes idle, twice.
	if n := step(19 * time.Minute); n != 1 {
		t.Fatalf("after 19 idle minutes session %d was used, want 1", n)
	}
	if n := step(19 * time.Minute); n != 1 {
		t.Fatalf("after another 19 idle minutes session %d was used, want 1", n)
	}
	if n := step(20 * time.Minute); n != 2 {
		t.Fatalf("after 20 idle minutes session %d was used, want a new one (2)", n)
	}
	if got := f.authHits.Load(); got != 2 {
		t.Fatalf("%d authorisations, want 2", got)
	}
}

func TestSessionRenewedOnceOn401(t *testing.T) {
	f := newFake(t)
	f.setHandler(func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			writeJSON(w, 401, map[string]string{"Message": "Authorization has been denied for this request."})
			return
		}
		writeJSON(w, 200, []linnworks.ExtendedProperty{{Name: "SAFE_PLACE", Value: "porch"}})
	})
	c := newClient(t, f)
	props, err := c.ExtendedProperties(context.Background(), install, "0a000000-0000-0000-0000-000000000001")
	if err != nil {
		t.Fatal(err)
	}
	if len(props) != 1 || props[0].Value != "porch" {
		t.Fatalf("props %+v", props)
	}
	if a, h := f.authHits.Load(), f.apiHits.Load(); a != 2 || h != 2 {
		t.Fatalf("authorisations %d, API calls %d; want 2 and 2", a, h)
	}
}

func TestSessionExpiredMessageOn400Renews(t *testing.T) {
	f := newFake(t)
	f.setHandler(func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			writeJSON(w, 400, map[string]string{"Message": "Invalid session token, session expired"})
			return
		}
		writeJSON(w, 200, []any{})
	})
	c := newClient(t, f)
	if _, err := c.PostalServices(context.Background(), install); err != nil {
		t.Fatal(err)
	}
	if a := f.authHits.Load(); a != 2 {
		t.Fatalf("authorisations %d, want 2", a)
	}
}

func TestRepeated401MeansTokenRevoked(t *testing.T) {
	f := newFake(t)
	f.setHandler(func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 401, map[string]string{"Message": "Authorization has been denied for this request."})
	})
	c := newClient(t, f)
	_, err := c.Identifiers(context.Background(), install)
	if !linnworks.IsTokenRevoked(err) || linnworks.IsRetryable(err) || linnworks.IsDataError(err) {
		t.Fatalf("err = %v; want only token revoked", err)
	}
	if a, h := f.authHits.Load(), f.apiHits.Load(); a != 2 || h != 2 {
		t.Fatalf("authorisations %d, API calls %d; want 2 and 2 (one renewal)", a, h)
	}
}

func TestAuthorizeRefusalMeansTokenRevoked(t *testing.T) {
	for _, status := range []int{400, 401} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			f := newFake(t)
			f.authStatus.Store(int32(status))
			var logs bytes.Buffer
			c := newClient(t, f, linnworks.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
			_, err := c.CheckToken(context.Background(), install)
			if !linnworks.IsTokenRevoked(err) || linnworks.IsRetryable(err) {
				t.Fatalf("err = %v; want token revoked", err)
			}
			_, err = c.OrderNotes(context.Background(), install, "0a000000-0000-0000-0000-000000000001")
			if !linnworks.IsTokenRevoked(err) {
				t.Fatalf("API call err = %v; want token revoked", err)
			}
			if f.apiHits.Load() != 0 {
				t.Fatal("API called without a session")
			}
			for _, secret := range []string{install, appSecret} {
				if strings.Contains(err.Error(), secret) || strings.Contains(logs.String(), secret) {
					t.Fatalf("secret leaked: err %q logs %q", err, logs.String())
				}
			}
		})
	}
}

func TestMalformedTokenIsRevokedWithoutACall(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f)
	_, err := c.CheckToken(context.Background(), "not a token")
	if !linnworks.IsTokenRevoked(err) {
		t.Fatalf("err = %v", err)
	}
	if f.authHits.Load() != 0 {
		t.Fatal("malformed token was sent to Linnworks")
	}
}

func TestLockedAccountIsRetryLater(t *testing.T) {
	f := newFake(t)
	f.authState.Store("MAINTENANCE")
	c := newClient(t, f)
	_, err := c.CheckToken(context.Background(), install)
	if !linnworks.IsRetryable(err) || linnworks.IsTokenRevoked(err) {
		t.Fatalf("err = %v; want retry later", err)
	}
	if !strings.Contains(err.Error(), "MAINTENANCE") {
		t.Fatalf("err %q does not say why", err)
	}
}

func TestErrorClasses(t *testing.T) {
	orderID := "0a000000-0000-0000-0000-000000000001"
	cases := []struct {
		name      string
		status    int
		body      string
		header    map[string]string
		call      func(c *linnworks.Client) error
		retryable bool
		data      bool
		wantHits  int32
		wantMsg   string
	}{
		{
			name: "400 is data", status: 400, body: `{"Code":"Invalid","Message":"Tag 'X' does not exist"}`,
			call: func(c *linnworks.Client) error {
				_, err := c.AssignIdentifier(context.Background(), install, "X", orderID)
				return err
			},
			data: true, wantHits: 1, wantMsg: "Tag 'X' does not exist",
		},
		{
			name: "404 is data", status: 404, body: `not here`,
			call: func(c *linnworks.Client) error {
				_, err := c.Identifiers(context.Background(), install)
				return err
			},
			data: true, wantHits: 1, wantMsg: "not here",
		},
		{
			name: "500 on a read is retried then retry later", status: 500, body: `{"Message":"boom"}`,
			call: func(c *linnworks.Client) error {
				_, err := c.Identifiers(context.Background(), install)
				return err
			},
			retryable: true, wantHits: 3, wantMsg: "boom",
		},
		{
			name: "500 on a note is not repeated", status: 503, body: `{"Message":"busy"}`,
			call: func(c *linnworks.Client) error {
				_, err := c.AppendOrderNote(context.Background(), install, orderID, "hello", true)
				return err
			},
			retryable: true, wantHits: 1, wantMsg: "busy",
		},
		{
			name: "429 past the deadline", status: 429, header: map[string]string{"Retry-After": "120"},
			call: func(c *linnworks.Client) error {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_, err := c.Identifiers(ctx, install)
				if linnworks.RetryAfter(err) != 120*time.Second {
					return fmt.Errorf("RetryAfter = %v, want 2m: %w", linnworks.RetryAfter(err), err)
				}
				return err
			},
			retryable: true, wantHits: 1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.setHandler(func(w http.ResponseWriter, r *http.Request, n int) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			ft := newFakeTime()
			c := newClient(t, f, linnworks.WithClock(ft.Now), linnworks.WithSleep(ft.Sleep))
			err := tc.call(c)
			if err == nil {
				t.Fatal("no error")
			}
			if linnworks.IsRetryable(err) != tc.retryable || linnworks.IsDataError(err) != tc.data || linnworks.IsTokenRevoked(err) {
				t.Fatalf("err %v: retryable=%v data=%v", err, linnworks.IsRetryable(err), linnworks.IsDataError(err))
			}
			if got := f.apiHits.Load(); got != tc.wantHits {
				t.Fatalf("%d requests, want %d", got, tc.wantHits)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("err %q does not carry %q", err, tc.wantMsg)
			}
		})
	}
}

func TestNetworkFailureIsRetryLater(t *testing.T) {
	f := newFake(t)
	ft := newFakeTime()
	c := newClient(t, f, linnworks.WithClock(ft.Now), linnworks.WithSleep(ft.Sleep))
	if _, err := c.CheckToken(context.Background(), install); err != nil {
		t.Fatal(err)
	}
	f.api.Close() // the session's server is gone
	_, err := c.Identifiers(context.Background(), install)
	if !linnworks.IsRetryable(err) {
		t.Fatalf("err = %v; want retry later", err)
	}
	if n := len(ft.Sleeps()); n != 2 {
		t.Fatalf("idempotent read backed off %d times, want 2", n)
	}
}

func Test429HonoursRetryAfterThenSucceeds(t *testing.T) {
	for _, tc := range []struct {
		window time.Duration
		want   time.Duration
	}{
		{time.Minute, 3 * time.Second},
		{6 * time.Second, 300 * time.Millisecond}, // scaled with the window
	} {
		f := newFake(t)
		var hits atomic.Int32
		f.setHandler(func(w http.ResponseWriter, r *http.Request, n int) {
			if hits.Add(1) <= 2 {
				w.Header().Set("Retry-After", "3")
				w.WriteHeader(429)
				return
			}
			writeJSON(w, 200, map[string]any{"Changed": []string{"0a000000-0000-0000-0000-000000000001"}, "NotChanged": []string{}})
		})
		ft := newFakeTime()
		c := newClient(t, f, linnworks.WithClock(ft.Now), linnworks.WithSleep(ft.Sleep), linnworks.WithRateWindow(tc.window))
		res, err := c.AssignIdentifier(context.Background(), install, linnworks.TagSent, "0a000000-0000-0000-0000-000000000001")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Changed) != 1 {
			t.Fatalf("result %+v", res)
		}
		sleeps := ft.Sleeps()
		if len(sleeps) != 2 || sleeps[0] != tc.want || sleeps[1] != tc.want {
			t.Fatalf("window %v: slept %v, want twice %v", tc.window, sleeps, tc.want)
		}
	}
}

func TestRateLimitSlidingWindowPerAccountAndEndpoint(t *testing.T) {
	f := newFake(t)
	ft := newFakeTime()
	c := newClient(t, f, linnworks.WithClock(ft.Now), linnworks.WithSleep(ft.Sleep))
	ctx := context.Background()
	limit := linnworks.RateLimit("OpenOrders/GetIdentifiers")
	if limit != 150 {
		t.Fatalf("GetIdentifiers limit %d, want 150 as the spec states", limit)
	}
	for i := range limit {
		if _, err := c.Identifiers(ctx, install); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if s := ft.Sleeps(); len(s) != 0 {
		t.Fatalf("slept %v within the limit", s)
	}
	// Another endpoint and another account are not held up.
	if _, err := c.PostalServices(ctx, install); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Identifiers(ctx, install2); err != nil {
		t.Fatal(err)
	}
	if s := ft.Sleeps(); len(s) != 0 {
		t.Fatalf("slept %v for another endpoint or account", s)
	}
	// With a deadline shorter than the wait, the call is refused without being sent.
	hits := f.apiHits.Load()
	short, cancel := context.WithTimeout(ctx, 5*time.Second)
	_, err := c.Identifiers(short, install)
	cancel()
	if !linnworks.IsRetryable(err) || linnworks.RetryAfter(err) <= 5*time.Second {
		t.Fatalf("err = %v (retry after %v); want retry later beyond the deadline", err, linnworks.RetryAfter(err))
	}
	if f.apiHits.Load() != hits {
		t.Fatal("a request over the limit was sent")
	}
	// It says so in words an operator can act on.
	var rl *linnworks.RetryLaterError
	if !errors.As(err, &rl) || !rl.Limited ||
		!regexp.MustCompile(`^Linnworks' request limit for OpenOrders/GetIdentifiers on this account is used up for the next \d+ s; try again then$`).MatchString(rl.Explain()) {
		t.Fatalf("err = %v, want the client's limit explained", err)
	}
	// Without a deadline the 151st call waits for the first to leave the window (plus the
	// one-second-per-minute safety margin).
	if _, err := c.Identifiers(ctx, install); err != nil {
		t.Fatal(err)
	}
	if s := ft.Sleeps(); len(s) != 1 || s[0] != 61*time.Second {
		t.Fatalf("slept %v, want [1m1s]", s)
	}
	// The window slid by one minute: the next 149 calls fit without waiting again.
	for range limit - 1 {
		if _, err := c.Identifiers(ctx, install); err != nil {
			t.Fatal(err)
		}
	}
	if s := ft.Sleeps(); len(s) != 1 {
		t.Fatalf("slept %v, want one wait", s)
	}
}

func TestSecretsAreRedactedFromErrors(t *testing.T) {
	f := newFake(t)
	f.setHandler(func(w http.ResponseWriter, r *http.Request, n int) {
		writeJSON(w, 400, map[string]string{"Message": "bad token " + install + " / " + strings.ReplaceAll(r.Header.Get("Authorization"), "-", "") + " / " + strings.ToUpper(appSecret)})
	})
	var logs bytes.Buffer
	c := newClient(t, f, linnworks.WithLogger(slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	_, err := c.Identifiers(context.Background(), install)
	if !linnworks.IsDataError(err) {
		t.Fatalf("err = %v", err)
	}
	text := err.Error() + logs.String()
	for _, secret := range []string{install, appSecret, strings.ToUpper(appSecret), sessionToken(1), strings.ReplaceAll(sessionToken(1), "-", "")} {
		if strings.Contains(text, secret) {
			t.Fatalf("%q leaked in %q", secret, text)
		}
	}
	if !strings.Contains(err.Error(), "[redacted]") {
		t.Fatalf("err %q: expected the message with secrets redacted", err)
	}
}

func TestValidationHappensBeforeSending(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f)
	ctx := context.Background()
	checks := []error{
		func() error { _, err := c.Order(ctx, install, "42"); return err }(),
		func() error { _, err := c.OrderByNumOrderID(ctx, install, 0); return err }(),
		func() error {
			_, err := c.AssignIdentifier(ctx, install, "", "0a000000-0000-0000-0000-000000000001")
			return err
		}(),
		func() error {
			_, err := c.AppendOrderNote(ctx, install, "0a000000-0000-0000-0000-000000000001", "  ", false)
			return err
		}(),
		func() error {
			_, err := c.OpenOrders(ctx, install, linnworks.OpenOrdersQuery{EntriesPerPage: 500})
			return err
		}(),
		func() error {
			_, err := c.SetTrackingNumber(ctx, install, "0a000000-0000-0000-0000-000000000001", "")
			return err
		}(),
	}
	for i, err := range checks {
		var de *linnworks.DataError
		if !errors.As(err, &de) {
			t.Errorf("check %d: err = %v, want *DataError", i, err)
		}
	}
	if f.authHits.Load() != 0 || f.apiHits.Load() != 0 {
		t.Fatal("invalid requests were sent")
	}
}

func TestTimeAcceptsLinnworksFormats(t *testing.T) {
	for in, want := range map[string]time.Time{
		`"2023-01-10T13:49:54.541253+00:00"`: time.Date(2023, 1, 10, 13, 49, 54, 541253000, time.UTC),
		`"2023-01-10T13:49:54.54"`:           time.Date(2023, 1, 10, 13, 49, 54, 540000000, time.UTC),
		`"2023-01-10T14:49:54+01:00"`:        time.Date(2023, 1, 10, 13, 49, 54, 0, time.UTC),
		`null`:                               {},
		`""`:                                 {},
	} {
		var v linnworks.Time
		if err := json.Unmarshal([]byte(in), &v); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if !v.Equal(want) {
			t.Errorf("%s: got %v want %v", in, v.Time, want)
		}
	}
	var v linnworks.Time
	if err := json.Unmarshal([]byte(`"yesterday"`), &v); err == nil {
		t.Error("accepted a non-date")
	}
}

// TestRateLimitWaitsWithTheRealClock exercises the default sleep with a scaled-down window:
// the call past the limit waits and then goes through; a cancelled wait is retry later.
func TestRateLimitWaitsWithTheRealClock(t *testing.T) {
	f := newFake(t)
	c := newClient(t, f, linnworks.WithRateWindow(30*time.Millisecond))
	ctx := context.Background()
	limit := linnworks.RateLimit("PostalServices/GetPostalServices")
	for i := range limit + 1 {
		if _, err := c.PostalServices(ctx, install); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if got := f.apiHits.Load(); got != int32(limit+1) {
		t.Fatalf("%d requests, want %d", got, limit+1)
	}
	// Use up the next window, then cancel while waiting.
	for range limit - 1 {
		if _, err := c.PostalServices(ctx, install); err != nil {
			t.Fatal(err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_, err := c.PostalServices(cancelled, install)
	if !linnworks.IsRetryable(err) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
}

// TestLongRetryAfterIsHandedBack: a wait longer than the rate window is an outage, not
// throttling; the client returns at once with the wait instead of holding a caller that has
// no deadline.
func TestLongRetryAfterIsHandedBack(t *testing.T) {
	for _, tc := range []struct {
		name       string
		status     int
		retryAfter string
		want       time.Duration
	}{
		{"429 for an hour", http.StatusTooManyRequests, "3600", time.Hour},
		{"503 for ten minutes", http.StatusServiceUnavailable, "600", 10 * time.Minute},
		{"absurd value is clamped to a day", http.StatusTooManyRequests, "1e30", 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.setHandler(func(w http.ResponseWriter, r *http.Request, n int) {
				w.Header().Set("Retry-After", tc.retryAfter)
				writeJSON(w, tc.status, map[string]string{"Message": "down for maintenance"})
			})
			ft := newFakeTime()
			c := newClient(t, f, linnworks.WithClock(ft.Now), linnworks.WithSleep(ft.Sleep))
			_, err := c.Identifiers(context.Background(), install)
			if !linnworks.IsRetryable(err) || linnworks.RetryAfter(err) != tc.want {
				t.Fatalf("err = %v (retry after %v); want retry later after %v", err, linnworks.RetryAfter(err), tc.want)
			}
			if s := ft.Sleeps(); len(s) != 0 {
				t.Fatalf("the client waited %v itself", s)
			}
			if n := f.apiHits.Load(); n != 1 {
				t.Fatalf("%d requests, want 1", n)
			}
		})
	}
}

// Test429BacksOffWithoutRetryAfterAndReadsDates: without Retry-After the waits grow
// exponentially (with jitter); an HTTP-date Retry-After is read against the clock.
func Test429BacksOffWithoutRetryAfterAndReadsDates(t *testing.T) {
	f := newFake(t)
	ft := newFakeTime()
	var hits atomic.Int32
	var dateWait atomic.Int64 // HTTP dates have whole seconds; the clock has jitter in it
	f.setHandler(func(w http.ResponseWriter, r *http.Request, n int) {
		switch hits.Add(1) {
		case 1, 2:
			w.WriteHeader(http.StatusTooManyRequests)
		case 3:
			now := ft.Now()
			at := now.Add(5 * time.Second).Truncate(time.Second)
			dateWait.Store(int64(at.Sub(now)))
			w.Header().Set("Retry-After", at.Format(http.TimeFormat))
			w.WriteHeader(http.StatusTooManyRequests)
		default:
			writeJSON(w, 200, []linnworks.Identifier{{Tag: "GIFT", Name: "Gift"}})
		}
	})
	c := newClient(t, f, linnworks.WithClock(ft.Now), linnworks.WithSleep(ft.Sleep))
	ids, err := c.Identifiers(context.Background(), install)
	if err != nil || len(ids) != 1 {
		t.Fatalf("identifiers %+v, err %v", ids, err)
	}
	s := ft.Sleeps()
	if len(s) != 3 {
		t.Fatalf("slept %v, want three waits", s)
	}
	if s[0] < 500*time.Millisecond || s[0] > time.Second || s[1] < time.Second || s[1] > 2*time.Second {
		t.Errorf("back-off %v, want about 1s then about 2s", s[:2])
	}
	if want := time.Duration(dateWait.Load()); s[2] != want || want <= 4*time.Second {
		t.Errorf("HTTP-date Retry-After gave a wait of %v, want %v", s[2], want)
	}
}

// TestErrorMessageShapes reads Linnworks' explanation from every error body shape it uses:
// v1 {Code, Message}, lower-case message, RFC 7807 problem details, a JSON string, plain text
// and an empty body.
func TestErrorMessageShapes(t *testing.T) {
	for _, tc := range []struct {
		name, contentType, body, want string
		status                        int
	}{
		{"v1", "application/json", `{"Code":"Invalid","Message":"Order is locked"}`, "Order is locked", 400},
		{"lower case", "application/json", `{"message":"Tag is required"}`, "Tag is required", 400},
		{"problem details", "application/problem+json", `{"type":"about:blank","title":"Unprocessable","status":422,"detail":"fromDate is in the future","instance":"/v2/orders"}`, "fromDate is in the future", 422},
		{"problem title only", "application/problem+json", `{"type":"about:blank","title":"Conflict","status":409}`, "Conflict", 409},
		{"JSON string", "application/json", `"Invalid order id"`, "Invalid order id", 400},
		{"plain text", "text/plain", `Bad things happened`, "Bad things happened", 400},
		{"empty body", "", ``, "Forbidden", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t)
			f.setHandler(func(w http.ResponseWriter, r *http.Request, n int) {
				if tc.contentType != "" {
					w.Header().Set("Content-Type", tc.contentType)
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			})
			c := newClient(t, f)
			_, err := c.PostalServices(context.Background(), install)
			var de *linnworks.DataError
			if !errors.As(err, &de) || linnworks.IsRetryable(err) || linnworks.IsTokenRevoked(err) {
				t.Fatalf("err = %v; want only a *DataError", err)
			}
			if de.Status != tc.status || de.Message != tc.want || de.Op != "PostalServices/GetPostalServices" {
				t.Fatalf("DataError %+v, want status %d message %q", de, tc.status, tc.want)
			}
		})
	}
}

// TestSessionServerMustKeepHTTPS: a session obtained over HTTPS whose Server is plain HTTP
// is refused, so the session token never crosses the network in clear.
func TestSessionServerMustKeepHTTPS(t *testing.T) {
	var apiHits atomic.Int32
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		apiHits.Add(1)
		writeJSON(w, 200, []any{})
	}))
	defer api.Close()
	auth := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"Token": sessionToken(1), "Server": api.URL, "Status": map[string]string{"State": "AVAILABLE"}})
	}))
	defer auth.Close()
	c, err := linnworks.New(linnworks.Config{
		AuthURL:       auth.URL + "/api/Auth/AuthorizeByApplication",
		ApplicationID: appID, ApplicationSecret: appSecret,
	}, linnworks.WithHTTPClient(auth.Client()), linnworks.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Identifiers(context.Background(), install)
	if !linnworks.IsRetryable(err) || !strings.Contains(err.Error(), "not HTTPS") {
		t.Fatalf("err = %v; want retry later naming the plain HTTP server", err)
	}
	if n := apiHits.Load(); n != 0 {
		t.Fatalf("the session token was sent over plain HTTP %d times", n)
	}
}
