// Package linnworks is the client of the Linnworks public API (v1) used to read orders and to
// write results back: identifiers, notes, tracking numbers, processing and extended
// properties. It also installs the integration's identifiers on an account.
//
// One *Client serves every install token of the process. It keeps one session per install
// token (AuthorizeByApplication, renewed when idle for 20 minutes or refused with 401),
// enforces the per-endpoint rate limits of the specification per account, backs off on 429
// and reports failures as ErrTokenRevoked, *RetryLaterError or *DataError.
package linnworks

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"linnstream/internal/netfail"
)

// DefaultAuthURL is where sessions are obtained, whatever the account's server.
const DefaultAuthURL = "https://api.linnworks.net/api/Auth/AuthorizeByApplication"

// SessionIdleTimeout is how long Linnworks keeps an unused session alive.
const SessionIdleTimeout = 20 * time.Minute

// sessionIdleMargin renews a session slightly before Linnworks forgets it, so a request sent
// just under the limit does not race the expiry.
const sessionIdleMargin = 30 * time.Second

const (
	maxResponseBytes = 32 << 20 // order pages can be large; anything bigger is a fault
	maxMessageBytes  = 300      // of a Linnworks error message kept in errors
	max429Retries    = 5
	// maxRetryAfterSeconds bounds a parsed Retry-After (one day); anything longer is
	// handed back to the caller anyway.
	maxRetryAfterSeconds = 24 * 60 * 60
	maxTransientTry      = 3 // attempts for idempotent calls on 5xx or network failures
)

// Config is the stack's Linnworks application configuration.
type Config struct {
	// AuthURL is the AuthorizeByApplication endpoint; DefaultAuthURL when empty.
	AuthURL string
	// ApplicationID and ApplicationSecret identify the Linnworks app (developer portal).
	ApplicationID     string
	ApplicationSecret string
}

// Option adjusts a Client.
type Option func(*Client)

// WithHTTPClient sets the HTTP client (default: a client with a 30-second timeout).
func WithHTTPClient(h *http.Client) Option { return func(c *Client) { c.http = h } }

// WithClock sets the clock used for session idle time and rate-limit windows.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }

// WithSleep sets how the client waits for rate limits and back-off (default: a timer that
// honours ctx). Tests pair it with WithClock to run limits without real waiting.
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(c *Client) { c.sleep = sleep }
}

// WithRateWindow scales the rate-limit window (default one minute). Retry-After waits and
// back-off delays are scaled by the same factor, so tests can exercise limits quickly.
func WithRateWindow(d time.Duration) Option { return func(c *Client) { c.window = d } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// Client calls the Linnworks API for any number of install tokens. It is safe for
// concurrent use; build one per process.
type Client struct {
	cfg    Config
	http   *http.Client
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
	window time.Duration
	log    *slog.Logger

	mu       sync.Mutex
	accounts map[string]*account // by install token
}

// account is the state kept for one install token: its session and its rate limits.
type account struct {
	token string
	hash  string        // short hash of the token, for logs
	lock  chan struct{} // one holder at a time may read or replace the session
	sess  *session      // nil when none is cached
	used  time.Time     // when the session was last used
	rate  *windowLimiter
}

type session struct {
	token   string // the session token (sent as Authorization)
	apiBase string // Server + "/api/"
	acct    Account
}

// New returns a Client for the application in cfg.
func New(cfg Config, opts ...Option) (*Client, error) {
	if cfg.AuthURL == "" {
		cfg.AuthURL = DefaultAuthURL
	}
	u, err := url.Parse(cfg.AuthURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("linnworks: invalid AuthURL %q", cfg.AuthURL)
	}
	if !isGUID(cfg.ApplicationID) {
		return nil, errors.New("linnworks: ApplicationID must be a GUID")
	}
	if !isGUID(cfg.ApplicationSecret) {
		return nil, errors.New("linnworks: ApplicationSecret must be a GUID")
	}
	c := &Client{
		cfg:      cfg,
		http:     &http.Client{Timeout: 30 * time.Second},
		now:      time.Now,
		sleep:    sleepCtx,
		window:   time.Minute,
		log:      slog.Default(),
		accounts: make(map[string]*account),
	}
	for _, o := range opts {
		o(c)
	}
	if c.window <= 0 {
		return nil, errors.New("linnworks: rate window must be positive")
	}
	return c, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$`)

func isGUID(s string) bool { return guidRE.MatchString(s) }

func shortHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:4])
}

// accountKey is the install token as one account: Linnworks reads a GUID in either case and
// with or without hyphens, so all spellings share one session and one rate budget.
func accountKey(token string) string {
	return strings.ToLower(strings.ReplaceAll(token, "-", ""))
}

func (c *Client) account(token string) *account {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := accountKey(token)
	a := c.accounts[key]
	if a == nil {
		a = &account{token: token, hash: shortHash(key), lock: make(chan struct{}, 1), rate: newWindowLimiter()}
		c.accounts[key] = a
	}
	return a
}

func (a *account) acquire(ctx context.Context) error {
	select {
	case a.lock <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (a *account) release() { <-a.lock }

// session returns the cached session for a, authorising a new one when there is none or the
// cached one has been idle too long. Concurrent callers share one authorisation.
func (c *Client) session(ctx context.Context, a *account) (*session, error) {
	if err := a.acquire(ctx); err != nil {
		return nil, &RetryLaterError{Op: "Auth/AuthorizeByApplication", Reason: "waiting for session", Err: err}
	}
	defer a.release()
	now := c.now()
	if a.sess != nil && now.Sub(a.used) < SessionIdleTimeout-sessionIdleMargin {
		a.used = now
		return a.sess, nil
	}
	if a.sess != nil {
		c.log.DebugContext(ctx, "linnworks session idle, renewing", "account", a.hash, "idle", now.Sub(a.used).String())
	}
	s, err := c.authorize(ctx, a)
	if err != nil {
		a.sess = nil
		if errors.Is(err, ErrTokenRevoked) {
			c.drop(a)
		}
		return nil, err
	}
	a.sess, a.used = s, c.now()
	return s, nil
}

// drop removes a refused token's state so that bad tokens do not accumulate.
func (c *Client) drop(a *account) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if key := accountKey(a.token); c.accounts[key] == a {
		delete(c.accounts, key)
	}
}

// CheckToken authorises a new session for the install token right now, whatever is cached,
// and returns the account it belongs to. The wizard calls it when the token is saved.
// A refused token gives an error for which IsTokenRevoked is true.
func (c *Client) CheckToken(ctx context.Context, token string) (Account, error) {
	if !isGUID(token) {
		return Account{}, fmt.Errorf("linnworks %s: install token is not a GUID: %w", opAuthorize, ErrTokenRevoked)
	}
	a := c.account(token)
	if err := a.acquire(ctx); err != nil {
		return Account{}, &RetryLaterError{Op: opAuthorize, Reason: "waiting for session", Err: err}
	}
	defer a.release()
	s, err := c.authorize(ctx, a)
	if err != nil {
		a.sess = nil
		if errors.Is(err, ErrTokenRevoked) {
			c.drop(a)
		}
		return Account{}, err
	}
	a.sess, a.used = s, c.now()
	return s.acct, nil
}

// forget drops s from a's cache unless another caller already replaced it.
func (c *Client) forget(ctx context.Context, a *account, s *session) error {
	if err := a.acquire(ctx); err != nil {
		return err
	}
	if a.sess == s {
		a.sess = nil
	}
	a.release()
	return nil
}

// baseSession is the part of BaseSession the client reads.
type baseSession struct {
	ID       string `json:"Id"`
	EntityID string `json:"EntityId"`
	UserID   string `json:"UserId"`
	UserName string `json:"UserName"`
	Email    string `json:"Email"`
	Locality string `json:"Locality"`
	Token    string `json:"Token"`
	Server   string `json:"Server"`
	Status   *struct {
		State  string `json:"State"`
		Reason string `json:"Reason"`
	} `json:"Status"`
}

const opAuthorize = "Auth/AuthorizeByApplication"

// authorize obtains a new session for a. The caller holds a's lock.
func (c *Client) authorize(ctx context.Context, a *account) (*session, error) {
	body, err := json.Marshal(map[string]string{
		"ApplicationId":     c.cfg.ApplicationID,
		"ApplicationSecret": c.cfg.ApplicationSecret,
		"Token":             a.token,
	})
	if err != nil {
		return nil, fmt.Errorf("linnworks %s: encode: %w", opAuthorize, err)
	}
	build := func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.AuthURL, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json")
		return req, nil
	}
	res, err := c.exchange(ctx, a, nil, opAuthorize, true, build)
	if err != nil {
		return nil, err
	}
	switch {
	case res.status == http.StatusBadRequest || res.status == http.StatusUnauthorized || res.status == http.StatusForbidden:
		c.log.WarnContext(ctx, "linnworks refused the install token", "account", a.hash, "status", res.status)
		return nil, fmt.Errorf("linnworks %s: HTTP %d: %w", opAuthorize, res.status, ErrTokenRevoked)
	case res.status < 200 || res.status > 299:
		return nil, c.statusError(opAuthorize, res, nil, a)
	}
	var bs baseSession
	if err := json.Unmarshal(res.body, &bs); err != nil {
		return nil, &RetryLaterError{Op: opAuthorize, Status: res.status, Reason: "unreadable session", Err: err}
	}
	if bs.Token == "" {
		// Linnworks answers 200 with an empty body for some refused tokens.
		return nil, fmt.Errorf("linnworks %s: no session returned: %w", opAuthorize, ErrTokenRevoked)
	}
	if bs.Status != nil && bs.Status.State != "" && bs.Status.State != "AVAILABLE" {
		reason := "account " + bs.Status.State
		if bs.Status.Reason != "" {
			reason += ": " + truncate(bs.Status.Reason, maxMessageBytes)
		}
		return nil, &RetryLaterError{Op: opAuthorize, Status: res.status, Reason: c.redact(a, nil).clean(reason)}
	}
	server := strings.TrimRight(bs.Server, "/")
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, &RetryLaterError{Op: opAuthorize, Status: res.status, Reason: "session has no usable Server"}
	}
	// The session token travels in every request to Server: a session obtained over HTTPS
	// is never used over plain HTTP (only a local sandbox authorises over HTTP).
	if strings.HasPrefix(strings.ToLower(c.cfg.AuthURL), "https:") && u.Scheme != "https" {
		return nil, &RetryLaterError{Op: opAuthorize, Status: res.status, Reason: "session Server is not HTTPS"}
	}
	c.log.InfoContext(ctx, "linnworks session authorised", "account", a.hash, "locality", bs.Locality)
	return &session{
		token:   bs.Token,
		apiBase: server + "/api/",
		acct: Account{
			ID: bs.ID, EntityID: bs.EntityID, UserID: bs.UserID, UserName: bs.UserName,
			Email: bs.Email, Locality: bs.Locality, Server: server,
		},
	}, nil
}

// endpoint is one API method the client calls.
type endpoint struct {
	method     string // http.MethodGet or http.MethodPost
	path       string // "Orders/GetOrderById"
	idempotent bool   // safe to repeat after a 5xx or network failure
}

// call sends one API request for token and decodes a 2xx answer into out (when out is not
// nil and the answer has a body). query is for GETs, in for POST bodies (JSON).
func (c *Client) call(ctx context.Context, token string, ep endpoint, query url.Values, in, out any) error {
	if !isGUID(token) {
		return fmt.Errorf("linnworks %s: install token is not a GUID: %w", ep.path, ErrTokenRevoked)
	}
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return fmt.Errorf("linnworks %s: encode request: %w", ep.path, err)
		}
	}
	a := c.account(token)
	renewed := false
	for {
		s, err := c.session(ctx, a)
		if err != nil {
			return err
		}
		build := func(ctx context.Context) (*http.Request, error) {
			u := s.apiBase + ep.path
			if len(query) > 0 {
				u += "?" + query.Encode()
			}
			var rd io.Reader
			if body != nil {
				rd = bytes.NewReader(body)
			}
			req, err := http.NewRequestWithContext(ctx, ep.method, u, rd)
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", s.token)
			req.Header.Set("Accept", "application/json")
			if body != nil {
				req.Header.Set("Content-Type", "application/json")
			}
			return req, nil
		}
		res, err := c.exchange(ctx, a, s, ep.path, ep.idempotent, build)
		if err != nil {
			return err
		}
		if res.status == http.StatusUnauthorized || (res.status == http.StatusBadRequest && sessionMessage(res.body)) {
			if renewed {
				c.log.WarnContext(ctx, "linnworks refused a fresh session", "account", a.hash, "endpoint", ep.path, "status", res.status)
				_ = c.forget(ctx, a, s)
				return fmt.Errorf("linnworks %s: HTTP %d after renewing the session: %w", ep.path, res.status, ErrTokenRevoked)
			}
			c.log.InfoContext(ctx, "linnworks session refused, renewing", "account", a.hash, "endpoint", ep.path, "status", res.status)
			if err := c.forget(ctx, a, s); err != nil {
				return &RetryLaterError{Op: ep.path, Reason: "renewing session", Err: err}
			}
			renewed = true
			continue
		}
		if res.status < 200 || res.status > 299 {
			return c.statusError(ep.path, res, s, a)
		}
		if out == nil || res.status == http.StatusNoContent || len(bytes.TrimSpace(res.body)) == 0 {
			return nil
		}
		if err := json.Unmarshal(res.body, out); err != nil {
			return &DataError{Op: ep.path, Status: res.status, Message: "unreadable response: " + err.Error()}
		}
		return nil
	}
}

// sessionWordings are the phrases (lower case) with which a Linnworks error message says the
// session token is no longer valid. The status Linnworks uses for an expired session (400 or
// 401) is not documented, so a 400 whose message holds one of them renews the session once,
// like a 401. Each is matched as written: a message that merely mentions a session and a
// problem is Linnworks refusing the data, and renewing would not help.
var sessionWordings = []string{
	"invalid session",           // "Invalid session token", "Invalid session"
	"session is invalid",        // "The session is invalid"
	"session token is invalid",  // "Session token is invalid or has been revoked"
	"session expired",           // "Session expired"
	"session has expired",       // "Your session has expired"
	"session token has expired", // "The session token has expired"
	"session token expired",     // "Session token expired"
	"session has timed out",     // "The session has timed out"
	"session not found",         // "Session not found"
	"unknown session",           // "Unknown session token"
}

// sessionMessage reports whether an error body says the session is invalid or expired.
func sessionMessage(body []byte) bool { return sessionWorded(errorMessage(body), sessionWordings) }

// sessionWorded reports whether msg holds one of the wordings, ignoring case and runs of
// white space.
func sessionWorded(msg string, wordings []string) bool {
	m := strings.Join(strings.Fields(strings.ToLower(msg)), " ")
	for _, w := range wordings {
		if strings.Contains(m, w) {
			return true
		}
	}
	return false
}

// response is a completed HTTP exchange.
type response struct {
	status     int
	body       []byte
	retryAfter time.Duration // scaled, from Retry-After
}

// exchange sends the request built by build, respecting the account's rate limit for op,
// and retries 429 answers (honouring Retry-After) while the context allows. Idempotent
// requests are also retried after 5xx answers and network failures. A Retry-After longer
// than the rate window (one minute) is not waited out here but handed back as the
// *RetryLaterError's RetryAfter: it signals an outage rather than throttling, and a caller
// without a deadline must not be held for it. It returns the final answer, whatever its
// status, or a *RetryLaterError.
func (c *Client) exchange(ctx context.Context, a *account, s *session, op string, idempotent bool, build func(context.Context) (*http.Request, error)) (response, error) {
	limit := RateLimit(op)
	// Linnworks counts requests when they arrive; a slightly longer window keeps network
	// jitter from pushing a burst over the limit.
	window := c.window + c.window/60
	transient := 0
	throttled := 0
	for {
		wait, ok := a.rate.reserve(op, limit, window, c.now(), budget(ctx))
		if !ok {
			return response{}, &RetryLaterError{Op: op, RetryAfter: wait, Limited: true,
				Reason: fmt.Sprintf("rate limit of %d per minute reached", limit)}
		}
		if wait > 0 {
			c.log.DebugContext(ctx, "linnworks rate limit wait", "account", a.hash, "endpoint", op, "wait", wait.String())
			if err := c.sleep(ctx, wait); err != nil {
				return response{}, &RetryLaterError{Op: op, RetryAfter: wait, Limited: true, Reason: "waiting for rate limit", Err: err}
			}
		}
		req, err := build(ctx)
		if err != nil {
			return response{}, fmt.Errorf("linnworks %s: build request: %w", op, err)
		}
		res, err := c.do(req)
		if err != nil {
			text, _ := netfail.Describe(err, "Linnworks", req.URL.Host)
			err = &transportError{text: text, err: c.redact(a, s).err(err)}
			if ctx.Err() == nil && idempotent && transient+1 < maxTransientTry {
				transient++
				d := c.backoff(transient)
				c.log.WarnContext(ctx, "linnworks request failed, retrying", "account", a.hash, "endpoint", op, "error", text, "wait", d.String())
				if fits(ctx, d) && c.sleep(ctx, d) == nil {
					continue
				}
			}
			return response{}, &RetryLaterError{Op: op, Err: err, mayHaveRun: !idempotent}
		}
		switch {
		case res.status == http.StatusTooManyRequests:
			throttled++
			d := res.retryAfter
			if d <= 0 {
				d = c.backoff(throttled)
			}
			if throttled > max429Retries || !fits(ctx, d) || d > c.window {
				return response{}, &RetryLaterError{Op: op, Status: res.status, RetryAfter: d, Reason: "throttled by Linnworks"}
			}
			c.log.WarnContext(ctx, "linnworks throttled the request, backing off", "account", a.hash, "endpoint", op, "wait", d.String())
			if err := c.sleep(ctx, d); err != nil {
				return response{}, &RetryLaterError{Op: op, Status: res.status, RetryAfter: d, Reason: "throttled by Linnworks", Err: err}
			}
			continue
		case res.status >= 500 && idempotent && transient+1 < maxTransientTry:
			transient++
			d := res.retryAfter
			if d <= 0 {
				d = c.backoff(transient)
			}
			if fits(ctx, d) && d <= c.window {
				c.log.WarnContext(ctx, "linnworks server error, retrying", "account", a.hash, "endpoint", op, "status", res.status, "wait", d.String())
				if c.sleep(ctx, d) == nil {
					continue
				}
			}
		}
		return res, nil
	}
}

// do sends req and reads the whole answer.
func (c *Client) do(req *http.Request) (response, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	if err != nil {
		return response{}, fmt.Errorf("%w: %w", netfail.ErrAnswerCut, err)
	}
	if len(body) > maxResponseBytes {
		return response{}, fmt.Errorf("response larger than %d bytes", maxResponseBytes)
	}
	return response{status: resp.StatusCode, body: body, retryAfter: c.parseRetryAfter(resp.Header.Get("Retry-After"))}, nil
}

// parseRetryAfter reads seconds or an HTTP date and scales the wait to the rate window.
func (c *Client) parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
		// Clamp before converting: a float beyond the range of Duration converts to an
		// undefined value.
		d = time.Duration(min(n, maxRetryAfterSeconds) * float64(time.Second))
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(c.now())
	}
	if d <= 0 {
		return 0
	}
	return c.scale(d)
}

// scale converts a real-world duration to the configured rate window.
func (c *Client) scale(d time.Duration) time.Duration {
	if c.window == time.Minute {
		return d
	}
	return time.Duration(float64(d) * float64(c.window) / float64(time.Minute))
}

// backoff is the exponential wait (with jitter) before retry number n when Linnworks gave
// no Retry-After: about 1s, 2s, 4s … capped at 30s, scaled to the rate window.
func (c *Client) backoff(n int) time.Duration {
	d := time.Second << min(n-1, 5)
	d = min(d, 30*time.Second)
	d = d/2 + rand.N(d/2+1)
	return c.scale(d)
}

// budget is the time left before ctx's deadline, or -1 without one.
func budget(ctx context.Context) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return -1
	}
	return max(time.Until(dl), 0)
}

func fits(ctx context.Context, d time.Duration) bool {
	b := budget(ctx)
	return b < 0 || d <= b
}

// statusError turns a non-2xx answer (other than 401/429 handled by the caller) into a
// typed error.
func (c *Client) statusError(op string, res response, s *session, a *account) error {
	msg := c.redact(a, s).clean(truncate(errorMessage(res.body), maxMessageBytes))
	if res.status >= 500 || res.status == http.StatusRequestTimeout || res.status == http.StatusTooManyRequests {
		return &RetryLaterError{Op: op, Status: res.status, RetryAfter: res.retryAfter, Reason: msg,
			mayHaveRun: res.status != http.StatusTooManyRequests}
	}
	if msg == "" {
		msg = http.StatusText(res.status)
	}
	return &DataError{Op: op, Status: res.status, Message: msg}
}

// errorMessage extracts Linnworks' explanation from an error body: the JSON Message (v1),
// detail or title (problem+json), or the text itself.
func errorMessage(body []byte) string {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return ""
	}
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		for _, k := range []string{"Message", "message", "detail", "title", "Error", "error"} {
			if v, ok := m[k].(string); ok && v != "" {
				return v
			}
		}
	}
	var s string
	if json.Unmarshal(body, &s) == nil {
		return s
	}
	return string(body)
}

// redact returns the secrets that must not leave the client in any text.
func (c *Client) redact(a *account, s *session) redactor {
	r := redactor{c.cfg.ApplicationSecret}
	if a != nil {
		r = append(r, a.token)
	}
	if s != nil {
		r = append(r, s.token)
	}
	return r
}

// err returns an error whose text has the secrets removed. Errors from net/http carry only
// the URL, which holds no secret, but Linnworks-supplied text could.
func (r redactor) err(err error) error {
	msg := err.Error()
	if clean := r.clean(msg); clean != msg {
		return errors.New(clean)
	}
	return err
}
