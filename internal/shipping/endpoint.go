package shipping

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"linnstream/internal/profile"
	"linnstream/internal/wizard"
)

// authMode says whether and how an endpoint looks its profile up.
type authMode int

const (
	// noAuth: the request carries no token (AddNewUser).
	noAuth authMode = iota
	// activeProfile: a token of a profile that is not deleted.
	activeProfile
	// anyProfile: a token of any profile, deleted ones included
	// (ConfigDeleted, which is idempotent).
	anyProfile
)

// Messages of the shared checks.
const (
	msgMethod        = "only POST is supported"
	msgTooLarge      = "request body is larger than 1 MiB"
	msgTokenRequired = "AuthorizationToken is required"
	msgAuthFailed    = "Authorization failed for token"
)

// call is what a handler gets besides its request: the request id, the
// authorised profile (a private copy it may change) and a logger carrying
// both.
type call struct {
	requestID string
	// baseURL is the address the request came to (scheme and host), for
	// URLs handed out when the wizard has no fixed public base.
	baseURL string
	profile *profile.Profile
	log     *slog.Logger
}

// setProfile names the profile the request is about, for the log lines.
func (c *call) setProfile(p *profile.Profile) {
	c.profile = p
	c.log = c.log.With("profile", p.Short())
}

// failure is an error whose message is for the caller as it stands.
type failure struct{ msg string }

func (f *failure) Error() string { return f.msg }

func fail(format string, args ...any) error {
	return &failure{msg: fmt.Sprintf(format, args...)}
}

// userMessage returns the message of an error meant for the caller.
func userMessage(err error) (string, bool) {
	var f *failure
	if errors.As(err, &f) {
		return f.msg, true
	}
	var we *wizard.Error
	if errors.As(err, &we) {
		return we.Message, true
	}
	return "", false
}

// response is a contract response: a struct embedding Result.
type response[T any] interface {
	*T
	setError(string)
}

// endpoint wraps fn with what every contract endpoint shares: POST only, a
// body of at most MaxBodyBytes, strict decoding, the token lookup, a
// deadline, panic recovery, one log line, and an HTTP 200 JSON answer with
// Content-Length whatever happens.
func endpoint[Req any, Resp any, PR response[Resp]](h *Handlers, name string, mode authMode,
	fn func(ctx context.Context, c *call, req *Req) (*Resp, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := h.now()
		c := &call{requestID: h.requestID(r), baseURL: requestBaseURL(r)}
		if c.requestID == "" {
			// A configured source (API Gateway's id) that has none for this
			// request must not leave the log lines and messages without one.
			c.requestID = defaultRequestID(r)
		}
		c.log = h.log.With("request_id", c.requestID, "function", name)

		resp, err := runCall(h, r, c, mode, fn)
		msg := ""
		if err != nil {
			msg = h.explain(c, err)
			var zero Resp
			resp = &zero
			PR(resp).setError(msg)
		}
		body, merr := json.Marshal(resp)
		if merr != nil {
			c.log.Error("encode response", "error", merr.Error())
			var zero Resp
			PR(&zero).setError(internalMessage(c.requestID))
			body, _ = json.Marshal(&zero)
			msg = "response could not be encoded"
		}
		hdr := w.Header()
		hdr.Set("Content-Type", "application/json; charset=utf-8")
		hdr.Set("Content-Length", strconv.Itoa(len(body)))
		hdr.Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		w.Write(body)

		attrs := []any{"is_error", msg != "", "duration_ms", h.now().Sub(start).Milliseconds()}
		if msg != "" {
			attrs = append(attrs, "error_message", msg)
		}
		c.log.Info("linnworks request", attrs...)
	})
}

// runCall reads and decodes the request, then runs the token lookup and fn
// under the deadline. A dependency that ignores its context cannot hold the
// answer past the deadline: fn runs on its own goroutine and the answer is
// given when the deadline passes.
func runCall[Req, Resp any](h *Handlers, r *http.Request, c *call, mode authMode,
	fn func(ctx context.Context, c *call, req *Req) (*Resp, error)) (*Resp, error) {
	if r.Method != http.MethodPost {
		return nil, fail(msgMethod)
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, fail("the request body could not be read")
	}
	if len(body) > MaxBodyBytes {
		return nil, fail(msgTooLarge)
	}
	req := new(Req)
	if err := decodeRequest(body, req); err != nil {
		return nil, fail("%s", err.Error())
	}

	ctx, cancel := context.WithTimeout(r.Context(), h.timeout)
	defer cancel()
	type outcome struct {
		resp *Resp
		err  error
	}
	// The goroutine works on its own copy of the call, so a late finish
	// cannot race with the log line written for the time-out.
	gc := *c
	done := make(chan outcome, 1)
	go func() {
		var o outcome
		defer func() {
			if v := recover(); v != nil {
				o = outcome{err: &panicError{value: v}}
			}
			done <- o
		}()
		if mode != noAuth {
			p, err := h.authorize(ctx, req, mode)
			if err != nil {
				o.err = err
				return
			}
			gc.setProfile(p)
		}
		o.resp, o.err = fn(ctx, &gc, req)
		if o.resp == nil && o.err == nil {
			o.err = errors.New("handler returned no response")
		}
	}()
	select {
	case o := <-done:
		*c = gc
		return o.resp, o.err
	case <-ctx.Done():
		return nil, fmt.Errorf("%s: %w", r.URL.Path, ctx.Err())
	}
}

// panicError is a recovered panic.
type panicError struct{ value any }

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// authorize finds the profile of the request's AuthorizationToken. It never
// repeats the token in its errors.
func (h *Handlers) authorize(ctx context.Context, req any, mode authMode) (*profile.Profile, error) {
	tr, ok := req.(interface{ token() string })
	if !ok {
		return nil, errors.New("request type carries no AuthorizationToken")
	}
	tok := strings.TrimSpace(tr.token())
	if tok == "" {
		return nil, fail(msgTokenRequired)
	}
	p, err := h.store.Get(ctx, profile.ID(canonicalToken(tok)))
	if errors.Is(err, profile.ErrNotFound) {
		return nil, fail(msgAuthFailed)
	}
	if err != nil {
		return nil, fmt.Errorf("look up profile: %w", err)
	}
	if p.Deleted && mode != anyProfile {
		return nil, fail(msgAuthFailed)
	}
	return p, nil
}

// explain turns an error into the ErrorMessage, logging what the caller is
// not told.
func (h *Handlers) explain(c *call, err error) string {
	if msg, ok := userMessage(err); ok {
		return msg
	}
	var pe *panicError
	if errors.As(err, &pe) {
		c.log.Error("handler panicked", "panic", fmt.Sprint(pe.value))
		return internalMessage(c.requestID)
	}
	if msg, ok := limitWords(err); ok {
		return msg
	}
	if errors.Is(err, context.DeadlineExceeded) {
		c.log.Warn("deadline exceeded", "error", err.Error(), "timeout_ms", h.timeout.Milliseconds())
		return fmt.Sprintf("the request did not complete within the time limit of %s; please try again", h.timeout)
	}
	c.log.Error("internal error", "error", err.Error())
	return internalMessage(c.requestID)
}

func internalMessage(requestID string) string {
	return "internal error; please try again (request id " + requestID + ")"
}

// requestBaseURL is the scheme and host a request was addressed to. Behind
// API Gateway the Lambda adapter puts https and the API's domain name in the
// request URL; a plain server sees only the Host header.
func requestBaseURL(r *http.Request) string {
	scheme := r.URL.Scheme
	if scheme == "" {
		scheme = "http"
		if r.TLS != nil {
			scheme = "https"
		}
	}
	host := r.Host
	if host == "" {
		host = r.URL.Host
	}
	return scheme + "://" + host
}
