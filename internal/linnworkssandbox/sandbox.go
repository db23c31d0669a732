// Package linnworkssandbox is an in-process imitation of the Linnworks public API for tests and
// for `make run`. It checks every request against the official OpenAPI files (embedded from
// LinnSystems/PublicApiSpecs), keeps an account's open orders and what clients write to them
// (identifiers, notes, shipping info, extended properties, processing), enforces the
// per-endpoint rate limits the spec states, and has an admin API that is not part of Linnworks.
//
// Paths are relative to the mount point: AuthorizeByApplication at
// /api/Auth/AuthorizeByApplication (it answers the mount's absolute URL as Server), the v1 API
// at /api/<Controller>/<Method>, the v2 API at /v2/orders…, the admin API at /admin/. Mount it
// with http.StripPrefix("/sandbox/linnworks", sb) or serve it with httptest.NewServer(sb).
//
// Every API request goes through the steps the real API applies: route (404, 405), session
// (401; the raw session token in Authorization), rate limit (429 with Retry-After), validation
// against the spec (400 {"Code","Message"}; v2 answers RFC 7807 problem details), then the
// operation. Beyond the spec's own checks, property and query names the spec does not define
// are refused: the real API would silently ignore a misspelt name. Operations of the spec the
// sandbox does not simulate answer 501, as do filters on fields it does not evaluate.
//
// Admin API:
//
//	GET    /admin/orders             every order, open and processed (AdminOrder)
//	GET    /admin/orders/{id}        one order by pkOrderId or NumOrderId
//	POST   /admin/orders             add orders: one OrderDetails object or an array
//	GET    /admin/requests           the journal of API requests (JournalEntry)
//	DELETE /admin/requests           clear the journal
//	POST   /admin/faults             {"mode":"latency"|"error"|"429","count":N,"latencyMs":M}
//	DELETE /admin/faults             drop pending faults
//	POST   /admin/tokens             {"token":…} install a token
//	POST   /admin/tokens/revoke      {"token":…} revoke a token and end its sessions
//	POST   /admin/sessions/expire    end every session
package linnworkssandbox

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// zeroGUID is the empty GUID, which .NET clients send for "none".
const zeroGUID = "00000000-0000-0000-0000-000000000000"

// DefaultInstallToken is the install token the sandbox accepts when Options.InstallTokens is nil,
// with any application id and secret.
const DefaultInstallToken = "11111111-1111-1111-1111-111111111111"

// maxBodyBytes bounds the body the sandbox reads from one request.
const maxBodyBytes = 8 << 20

// Options configures a Sandbox. The zero value is usable.
type Options struct {
	// InstallTokens are the install tokens AuthorizeByApplication accepts; nil means
	// DefaultInstallToken.
	InstallTokens []string
	// SessionTTL is how long a session token stays valid without being used (Linnworks
	// documents 20 minutes of inactivity); zero means 20 minutes.
	SessionTTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// RateWindow is the sliding window the per-minute limits of the spec apply to; zero means one
	// minute. Tests shorten it together with a fake clock.
	RateWindow time.Duration
	// NoSeed leaves the sandbox without the realistic open orders it otherwise starts with.
	NoSeed bool
	// Logger receives one line per request; nil discards.
	Logger *slog.Logger
}

// Sandbox is the Linnworks API imitation. It implements http.Handler and is safe for concurrent use.
type Sandbox struct {
	spec       *spec
	now        func() time.Time
	sessionTTL time.Duration
	rateWindow time.Duration
	log        *slog.Logger
	handlers   map[string]handler

	mu         sync.Mutex
	st         *store
	sessions   map[string]*session
	tokens     map[string]bool
	rates      map[string][]time.Time
	faults     []Fault
	searches   map[string]searchPage // v2 NextSearchToken → the rest of the result set
	journal    []JournalEntry
	journalSeq int
}

// session is a live session token.
type session struct {
	key          string
	installToken string
	userID       string
	lastUsed     time.Time
}

// New builds a sandbox. It fails only if the embedded specs cannot be parsed.
func New(opts Options) (*Sandbox, error) {
	sp, err := officialSpec()
	if err != nil {
		return nil, fmt.Errorf("load linnworks spec: %w", err)
	}
	s := &Sandbox{
		spec:       sp,
		now:        opts.Now,
		sessionTTL: opts.SessionTTL,
		rateWindow: opts.RateWindow,
		log:        opts.Logger,
		sessions:   map[string]*session{},
		tokens:     map[string]bool{},
		rates:      map[string][]time.Time{},
		searches:   map[string]searchPage{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.sessionTTL <= 0 {
		s.sessionTTL = 20 * time.Minute
	}
	if s.rateWindow <= 0 {
		s.rateWindow = time.Minute
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	tokens := opts.InstallTokens
	if tokens == nil {
		tokens = []string{DefaultInstallToken}
	}
	for _, t := range tokens {
		id, ok := normGUID(t)
		if !ok {
			return nil, fmt.Errorf("install token %d is not a GUID", len(s.tokens)+1)
		}
		s.tokens[id] = true
	}
	s.st = newStore(s.now())
	if !opts.NoSeed {
		s.st.seed(s.now())
	}
	s.handlers = apiHandlers()
	return s, nil
}

// ServeHTTP serves the API and the admin API.
func (s *Sandbox) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/admin/") {
		s.serveAdmin(w, r)
		return
	}
	s.serveAPI(w, r)
}

// apiError is an answer other than success. The v1 API answers {"Code","Message"}; the v2 API
// answers RFC 7807 problem details.
type apiError struct {
	Status  int
	Code    string
	Message string
	// RetryAfter, in seconds, is sent as the Retry-After header when positive.
	RetryAfter int
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

func badRequest(format string, args ...any) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: "BadRequest", Message: fmt.Sprintf(format, args...)}
}

// noContent is the success value of operations the spec answers with 204.
type noContent struct{}

// call is one API request as a handler sees it.
type call struct {
	s    *Sandbox
	r    *http.Request
	body []byte
	sess *session
	base string
	now  time.Time
}

// handler implements one operation. It runs with s.mu held.
type handler func(c *call) (any, error)

// recorder captures the status a handler answered, for the journal.
type recorder struct {
	http.ResponseWriter
	status int
}

func (w *recorder) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *recorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *Sandbox) serveAPI(w http.ResponseWriter, r *http.Request) {
	v2 := strings.HasPrefix(r.URL.Path, v2Base+"/")
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	rec := &recorder{ResponseWriter: w}
	defer func() {
		s.record(r, body, rec.status)
		s.log.Info("linnworks sandbox request", "method", r.Method, "path", r.URL.Path, "status", rec.status)
	}()
	if err != nil {
		writeError(rec, v2, r.URL.Path, &apiError{Status: http.StatusRequestEntityTooLarge, Code: "RequestTooLarge", Message: "The request body is too large."})
		return
	}
	f, faulted := s.takeFault(r.URL.Path)
	if faulted {
		if done := s.applyFault(r.Context(), rec, v2, r.URL.Path, f); done {
			return
		}
	}
	v, err := s.dispatch(r, body)
	if faulted && f.Mode == FaultErrorAfter {
		// The work is done (or refused); the answer is lost to a server error.
		writeError(rec, v2, r.URL.Path, &apiError{Status: http.StatusInternalServerError, Code: "InternalServerError", Message: "An error has occurred."})
		return
	}
	if err != nil {
		var ae *apiError
		if !errors.As(err, &ae) {
			s.log.Error("linnworks sandbox handler failed", "path", r.URL.Path, "err", err)
			ae = &apiError{Status: http.StatusInternalServerError, Code: "InternalServerError", Message: "An error has occurred."}
		}
		writeError(rec, v2, r.URL.Path, ae)
		return
	}
	if _, ok := v.(noContent); ok {
		rec.WriteHeader(http.StatusNoContent)
		return
	}
	writeJSON(rec, http.StatusOK, v)
}

// dispatch runs the pipeline the real API applies: route, authenticate, rate-limit, validate
// against the spec, then the operation.
func (s *Sandbox) dispatch(r *http.Request, body []byte) (any, error) {
	rt, err := s.spec.find(r.Method, r.URL.Path)
	switch {
	case errors.Is(err, errPathNotFound):
		return nil, &apiError{Status: http.StatusNotFound, Code: "NotFound", Message: fmt.Sprintf("No HTTP resource was found that matches the request URI '%s'.", r.URL.Path)}
	case errors.Is(err, errMethodNotAllowed):
		return nil, &apiError{Status: http.StatusMethodNotAllowed, Code: "MethodNotAllowed", Message: fmt.Sprintf("The requested resource does not support http method '%s'.", r.Method)}
	case err != nil:
		return nil, err
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()

	c := &call{s: s, r: r, body: body, now: now, base: requestBase(r)}
	rateKey := "client " + clientHost(r)
	if needsSession(rt) {
		sess, err := s.authenticate(r.Header.Get("Authorization"), now)
		if err != nil {
			return nil, err
		}
		c.sess = sess
		rateKey = "session " + sess.key
	}
	if limit := s.spec.limit(rt); limit > 0 {
		if err := s.allow(rateKey+" "+rt.r.Method+" "+rt.r.Path, limit, now); err != nil {
			return nil, err
		}
	}
	if err := s.spec.validate(r.Context(), rt, r, body); err != nil {
		return nil, badRequest("The request is invalid: %s", err)
	}
	h, ok := s.handlers[rt.r.Method+" "+rt.r.Path]
	if !ok {
		return nil, &apiError{Status: http.StatusNotImplemented, Code: "NotImplemented", Message: fmt.Sprintf("The sandbox does not simulate %s %s.", rt.r.Method, rt.r.Path)}
	}
	return h(c)
}

// needsSession reports whether the operation declares a security requirement.
func needsSession(rt *route) bool {
	sec := rt.r.Operation.Security
	if sec == nil {
		sec = &rt.r.Spec.Security
	}
	return len(*sec) > 0
}

// requestBase is the absolute base URL of the sandbox as the caller sees it: scheme, host and
// the prefix a http.StripPrefix in front of the sandbox removed.
func requestBase(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	// RequestURI is the path as the client sent it; r.URL.Path is what is left after
	// http.StripPrefix. The difference is the mount point.
	prefix := ""
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil {
		prefix = strings.TrimSuffix(u.EscapedPath(), r.URL.EscapedPath())
	}
	return scheme + "://" + r.Host + prefix
}

// clientHost is the address calls without a session are rate-limited by.
func clientHost(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// newGUID returns a random (version 4) GUID.
func newGUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("crypto/rand failed: %v", err))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// normGUID returns a GUID in lower-case hyphenated form; it accepts the hyphenated and plain
// forms, as .NET does.
func normGUID(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if !uuidPattern.MatchString(s) {
		return "", false
	}
	if len(s) == 32 {
		s = s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
	}
	return s, true
}

// sleepCtx waits for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
