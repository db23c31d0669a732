package streamsandbox

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"
)

// The account a Sandbox has when Options.Accounts is nil.
const (
	DefaultClientID     = "sandbox"
	DefaultClientSecret = "sandbox-secret"
)

// Options configures a Sandbox. The zero value gives one account "sandbox" / "sandbox-secret",
// 5-minute tokens and 200 requests per minute.
type Options struct {
	// Accounts maps client id to client secret; nil means {"sandbox": "sandbox-secret"}.
	Accounts map[string]string
	// Parties lists, per client id, Stream-Party codes accepted besides the client id itself.
	Parties map[string][]string
	// TokenTTL is the lifetime of an access token; default 5 minutes.
	TokenTTL time.Duration
	// RateLimit is the number of requests an account may make in any RateWindow; default 200.
	RateLimit int
	// RateWindow is the sliding window of the rate limit; default 1 minute.
	RateWindow time.Duration
	// Now is the clock used for tokens, rate limiting and dates; default time.Now.
	Now func() time.Time
	// WebhookClient delivers webhooks; default an http.Client with a 5 s timeout.
	WebhookClient *http.Client
	// Logger receives operational logs (never secrets); default discards.
	Logger *slog.Logger
	// TrackingBaseURL, when set, is the absolute URL tracking links start with (followed by
	// /track/{trackingId}); otherwise links are built from the request's Host and mount prefix.
	TrackingBaseURL string
	// Depots replaces the default depots (Justin Depot and Rishvi) when non-nil.
	Depots []Depot
	// WebhookEnvelope fixes the envelope of every webhook; empty chooses one
	// at random for each subscription (see Envelope).
	WebhookEnvelope Envelope
	// Seed seeds that random choice; 0 takes a random seed.
	Seed uint64
}

// Envelope is how a webhook body holds its payload. Public code shows both
// and nothing says which Stream sends, so the sandbox sends both and a
// receiver cannot come to rely on one.
type Envelope string

// Envelopes.
const (
	EnvelopeWrapped Envelope = "wrapped" // {"webhook": {...}}
	EnvelopeBare    Envelope = "bare"    // {...}
)

// Sandbox is an http.Handler serving the Stream API imitation and its admin API.
// It is safe for concurrent use.
type Sandbox struct {
	accounts   map[string]string
	parties    map[string]map[string]bool
	tokenTTL   time.Duration
	rateLimit  int
	rateWindow time.Duration
	now        func() time.Time
	client     *http.Client
	log        *slog.Logger
	trackBase  string
	depots     []Depot

	mu          sync.Mutex
	tokens      map[string]*token
	state       map[string]*accountState // by client id
	orderSeq    int
	groupSeq    int
	subSeq      int
	deliverySeq int
	loadSeq     int
	loads       map[loadKey]string
	deliveries  []DeliveryRecord
	fault       faultState
	pending     int
	idle        chan struct{}
	envelope    Envelope
	rng         *rand.Rand
}

// New returns a Sandbox configured by opts, with defaults filled in.
func New(opts Options) *Sandbox {
	s := &Sandbox{
		accounts:   map[string]string{DefaultClientID: DefaultClientSecret},
		parties:    map[string]map[string]bool{},
		tokenTTL:   opts.TokenTTL,
		rateLimit:  opts.RateLimit,
		rateWindow: opts.RateWindow,
		now:        opts.Now,
		client:     opts.WebhookClient,
		log:        opts.Logger,
		trackBase:  strings.TrimRight(opts.TrackingBaseURL, "/"),
		depots:     opts.Depots,
		tokens:     map[string]*token{},
		state:      map[string]*accountState{},
		loads:      map[loadKey]string{},
		envelope:   opts.WebhookEnvelope,
	}
	seed := opts.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	s.rng = rand.New(rand.NewPCG(seed, seed>>1|1))
	if opts.Accounts != nil {
		s.accounts = make(map[string]string, len(opts.Accounts))
		for id, secret := range opts.Accounts {
			s.accounts[id] = secret
		}
	}
	for id, codes := range opts.Parties {
		set := map[string]bool{}
		for _, c := range codes {
			set[c] = true
		}
		s.parties[id] = set
	}
	if s.tokenTTL <= 0 {
		s.tokenTTL = 5 * time.Minute
	}
	if s.rateLimit <= 0 {
		s.rateLimit = 200
	}
	if s.rateWindow <= 0 {
		s.rateWindow = time.Minute
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 5 * time.Second}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.depots == nil {
		s.depots = DefaultDepots()
	}
	return s
}

// ServeHTTP dispatches to the Stream API, the admin API or the tracking page.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	first, rest := splitFirst(strings.TrimPrefix(p, "/"))
	switch {
	case strings.EqualFold(first, "api"):
		s.serveAPI(w, r, rest)
	case first == "admin":
		s.serveAdmin(w, r, rest)
	case first == "track":
		s.serveTracking(w, r, rest)
	default:
		writeEnvelope(w, http.StatusNotFound, false, []apiError{errNotFound("path", p)}, nil)
	}
}

// WaitIdle blocks until every webhook delivery started so far has finished (successfully or
// not), or ctx ends. Admin actions already wait for the deliveries they cause before answering;
// WaitIdle is for deliveries caused by API calls such as a cancellation.
func (s *Sandbox) WaitIdle(ctx context.Context) error {
	for {
		s.mu.Lock()
		if s.pending == 0 {
			s.mu.Unlock()
			return nil
		}
		ch := s.idle
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// accountState is everything stored for one client id.
type accountState struct {
	orders        map[string]*order // by orderNo
	byConsignment map[string]*order
	order         []*order // creation order
	subscriptions []*subscription
	hits          []time.Time // accepted requests inside the rate window
}

// stateFor returns the state of client id, creating it. Callers hold s.mu.
func (s *Sandbox) stateFor(clientID string) *accountState {
	st := s.state[clientID]
	if st == nil {
		st = &accountState{orders: map[string]*order{}, byConsignment: map[string]*order{}}
		s.state[clientID] = st
	}
	return st
}

// splitFirst splits "a/b/c" into "a" and "b/c".
func splitFirst(p string) (string, string) {
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i], p[i+1:]
	}
	return p, ""
}

// segments splits a relative path into non-empty segments.
func segments(p string) []string {
	var out []string
	for _, seg := range strings.Split(p, "/") {
		if seg != "" {
			out = append(out, seg)
		}
	}
	return out
}
