// Package stream is the client of the Stream (go2stream) delivery API: OAuth
// client-credentials tokens, orders, depots and webhooks, with Stream's
// three error shapes turned into typed errors, a per-account rate limiter and
// create semantics that never post an order twice.
package stream

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Default limits. Stream documents 200 requests per minute per account; no
// batch endpoint exists, so batches are bounded by creates in flight.
const (
	DefaultRateLimit      = 200
	DefaultRateWindow     = time.Minute
	MaxCreatesInFlight    = 10
	defaultRequestTimeout = 30 * time.Second
	defaultTokenTTL       = time.Hour
	maxResponseBytes      = 8 << 20
)

// Account is one Stream API account as a profile configures it. BaseURL is
// the whole API base including its /api or /API suffix; Party is sent as
// Stream-Party and defaults to ClientID.
type Account struct {
	BaseURL      string
	ClientID     string
	ClientSecret string
	Party        string
}

// validate checks the account and returns the normalised base URL.
func (a Account) validate() (string, error) {
	base := strings.TrimRight(strings.TrimSpace(a.BaseURL), "/")
	u, err := url.Parse(base)
	switch {
	case base == "":
		return "", errors.New("stream account: base URL is required")
	case err != nil:
		return "", fmt.Errorf("stream account: base URL %q: %w", a.BaseURL, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("stream account: base URL %q must start with https:// (or http://)", a.BaseURL)
	case u.Host == "":
		return "", fmt.Errorf("stream account: base URL %q has no host", a.BaseURL)
	case u.User != nil:
		return "", errors.New("stream account: base URL must not carry credentials; use the client id and secret")
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("stream account: base URL %q must not have a query or fragment", a.BaseURL)
	case strings.TrimSpace(a.ClientID) == "":
		return "", errors.New("stream account: client id is required")
	case a.ClientSecret == "":
		return "", errors.New("stream account: client secret is required")
	}
	return base, nil
}

func (a Account) party() string {
	if p := strings.TrimSpace(a.Party); p != "" {
		return p
	}
	return a.ClientID
}

// AccountKey is the identity of a Stream account as Stream sees it,
// whatever the spelling of its settings: the scheme and host of baseURL in
// lower case (without a default port), its path in lower case (Stream
// answers /api and /API alike) without trailing slashes, the client id, and
// the party (the client id when empty). Two profiles with the same key talk
// to one Stream account and party; they share a request budget and a token.
// The key is opaque text, stable across releases, fit for storing.
func AccountKey(baseURL, clientID, party string) string {
	clientID = strings.TrimSpace(clientID)
	party = strings.TrimSpace(party)
	if party == "" {
		party = clientID
	}
	return endpointKey(baseURL) + "\x00" + clientID + "\x00" + party
}

// endpointKey normalises a base URL to scheme://host/path in lower case, so
// that spellings of one API root compare equal. A URL that does not parse
// is kept as written, lower-cased; the client refuses it anyway.
func endpointKey(baseURL string) string {
	base := strings.TrimRight(strings.TrimSpace(baseURL), "/")
	u, err := url.Parse(base)
	if err != nil || u.Host == "" {
		return strings.ToLower(base)
	}
	scheme := strings.ToLower(u.Scheme)
	host := strings.ToLower(u.Hostname())
	port := u.Port()
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	if port != "" {
		host = net.JoinHostPort(host, port)
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]" // an IPv6 literal keeps its brackets
	}
	return scheme + "://" + host + strings.ToLower(strings.TrimRight(u.EscapedPath(), "/"))
}

// key identifies the account's token and client: the account, and the
// secret, so that a profile with a wrong secret never uses a token another
// profile obtained. The secret enters only as a hash.
func (a Account) key() string {
	sum := sha256.Sum256([]byte(a.ClientSecret))
	return AccountKey(a.BaseURL, a.ClientID, a.Party) + "\x00" + hex.EncodeToString(sum[:])
}

// limitKey identifies the requests Stream counts together. It leaves the
// party out: the token request carries no party, so Stream can only count
// per client, and sharing one budget among the parties of a client can
// hold requests back but never provokes a 429.
func (a Account) limitKey() string {
	return endpointKey(a.BaseURL) + "\x00" + strings.TrimSpace(a.ClientID)
}

type options struct {
	hc          *http.Client
	limit       int
	window      time.Duration
	logger      *slog.Logger
	now         func() time.Time
	backoffBase time.Duration
	backoffMax  time.Duration
}

// Option configures a Client.
type Option func(*options)

// WithHTTPClient sets the HTTP client. Its redirect policy is replaced: a
// redirect from Stream is a configuration error, never followed.
func WithHTTPClient(hc *http.Client) Option { return func(o *options) { o.hc = hc } }

// WithRateLimit sets the client-side limit: at most n requests (token
// requests included) in any window. The default is 200 per minute.
func WithRateLimit(n int, window time.Duration) Option {
	return func(o *options) { o.limit, o.window = n, window }
}

// WithLogger sets the logger for retries and token refreshes. Nothing
// secret or personal is logged.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithClock sets the clock used for token expiry and the rate limiter.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithBackoff sets the first and the largest wait between retries
// (defaults 250ms and 15s); each wait is jittered.
func WithBackoff(base, max time.Duration) Option {
	return func(o *options) { o.backoffBase, o.backoffMax = base, max }
}

func buildOptions(opts []Option) (options, error) {
	o := options{
		limit:       DefaultRateLimit,
		window:      DefaultRateWindow,
		now:         time.Now,
		backoffBase: 250 * time.Millisecond,
		backoffMax:  15 * time.Second,
	}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case o.limit < 1 || o.window <= 0:
		return o, fmt.Errorf("stream client: rate limit %d per %s is not positive", o.limit, o.window)
	case o.backoffBase <= 0 || o.backoffMax < o.backoffBase:
		return o, fmt.Errorf("stream client: backoff %s..%s is invalid", o.backoffBase, o.backoffMax)
	}
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}
	if o.hc == nil {
		o.hc = defaultHTTPClient()
	} else {
		hc := *o.hc
		o.hc = &hc
	}
	o.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return o, nil
}

// sharedTransport is the connection pool of every client built without
// WithHTTPClient, so that clients made per check (the wizard's credentials
// test) reuse connections instead of each opening and abandoning its own.
var sharedTransport = sync.OnceValue(func() *http.Transport {
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   2 * MaxCreatesInFlight,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
})

func defaultHTTPClient() *http.Client {
	return &http.Client{Transport: sharedTransport(), Timeout: defaultRequestTimeout}
}

// accountState is what every Client of one Stream account shares: Stream
// counts requests per account.
type accountState struct {
	limiter *limiter
	creates chan struct{} // semaphore of batch creates in flight
}

func newAccountState(o options) *accountState {
	return &accountState{
		limiter: newLimiter(o.limit, o.window, o.now),
		creates: make(chan struct{}, MaxCreatesInFlight),
	}
}

// Client talks to one Stream account. It owns the account's token cache and
// (unless built by a Pool, which shares it) its rate limiter. It is safe for
// concurrent use.
type Client struct {
	acct    Account
	base    string
	party   string
	host    string
	hc      *http.Client
	log     *slog.Logger
	now     func() time.Time
	backoff [2]time.Duration
	account *accountState
	tok     tokenCache
}

// New returns a client of the account.
func New(acct Account, opts ...Option) (*Client, error) {
	o, err := buildOptions(opts)
	if err != nil {
		return nil, err
	}
	return newClient(acct, o, nil)
}

func newClient(acct Account, o options, state *accountState) (*Client, error) {
	base, err := acct.validate()
	if err != nil {
		return nil, err
	}
	if state == nil {
		state = newAccountState(o)
	}
	u, _ := url.Parse(base)
	return &Client{
		acct:    acct,
		base:    base,
		party:   acct.party(),
		host:    u.Host,
		hc:      o.hc,
		log:     o.logger,
		now:     o.now,
		backoff: [2]time.Duration{o.backoffBase, o.backoffMax},
		account: state,
	}, nil
}

// BaseURL returns the normalised base URL the client calls.
func (c *Client) BaseURL() string { return c.base }

// Pool hands out one Client per Stream account, so that profiles sharing an
// account share its token and rate limiter. Build it once per process.
type Pool struct {
	opts    options
	optErr  error
	mu      sync.Mutex
	clients map[string]*Client
	states  map[string]*accountState
}

// NewPool returns a pool whose clients are built with opts.
func NewPool(opts ...Option) *Pool {
	o, err := buildOptions(opts)
	return &Pool{opts: o, optErr: err, clients: map[string]*Client{}, states: map[string]*accountState{}}
}

// Client returns the client of the account, creating it on first use.
// Accounts with the same AccountKey and secret get the same client (and
// token); accounts of one client id differing in party or secret share the
// limiter.
func (p *Pool) Client(acct Account) (*Client, error) {
	if p.optErr != nil {
		return nil, p.optErr
	}
	if _, err := acct.validate(); err != nil {
		return nil, err
	}
	key := acct.key()
	p.mu.Lock()
	defer p.mu.Unlock()
	if c, ok := p.clients[key]; ok {
		return c, nil
	}
	lk := acct.limitKey()
	state, ok := p.states[lk]
	if !ok {
		state = newAccountState(p.opts)
		p.states[lk] = state
	}
	c, err := newClient(acct, p.opts, state)
	if err != nil {
		return nil, err
	}
	p.clients[key] = c
	return c, nil
}

// Detached returns a client of the account that counts against the
// account's shared request budget but has its own token and is not kept by
// the pool: a credentials check made while profiles of the account are
// busy neither exceeds Stream's limit nor leaves a client behind for every
// secret someone types.
func (p *Pool) Detached(acct Account) (*Client, error) {
	if p.optErr != nil {
		return nil, p.optErr
	}
	if _, err := acct.validate(); err != nil {
		return nil, err
	}
	p.mu.Lock()
	lk := acct.limitKey()
	state, ok := p.states[lk]
	if !ok {
		state = newAccountState(p.opts)
		p.states[lk] = state
	}
	p.mu.Unlock()
	return newClient(acct, p.opts, state)
}
