package stream

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"linnstream/internal/netfail"
)

// kind decides how a request may be retried.
type kind int

const (
	// kindRead (GET, the token request) is retried on any transient failure.
	kindRead kind = iota
	// kindIdempotent (PATCH, DELETE) gives the same end state when repeated,
	// so it is retried like a read.
	kindIdempotent
	// kindPost (create order, subscribe) is retried only when Stream surely
	// did not process it; otherwise the caller gets an OutcomeUnknownError.
	kindPost
)

const (
	maxTransientAttempts = 4
	maxRateLimitAttempts = 8
)

type request struct {
	op      string
	method  string
	path    string
	body    []byte
	kind    kind
	noAuth  bool   // the token request: no bearer, no party
	orderNo string // for the OutcomeUnknownError of a create
	secret  string // a secret the body carries (a webhook auth header), scrubbed from the reply
}

type response struct {
	status int
	header http.Header
	body   []byte
	url    string
}

var redacted = []byte("[redacted]")

// minScrubLen is the shortest secret or token scrubbed from replies.
const minScrubLen = 6

// send makes one HTTP exchange inside a rate-limit slot.
func (c *Client) send(ctx context.Context, req request, token string) (*response, error) {
	release, err := c.account.limiter.acquire(ctx, req.op)
	if err != nil {
		return nil, err
	}
	defer release()

	u := c.base + req.path
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	var connected atomic.Bool
	trace := &httptrace.ClientTrace{GotConn: func(httptrace.GotConnInfo) { connected.Store(true) }}
	hreq, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), req.method, u, body)
	if err != nil {
		return nil, &NetworkError{Op: req.op, Method: req.method, Host: c.host, Err: err}
	}
	h := hreq.Header
	h.Set("Accept", "application/json")
	if req.body != nil {
		h.Set("Content-Type", "application/json")
	}
	h.Set("Stream-Nonce", nonce())
	if !req.noAuth {
		h.Set("Authorization", "Bearer "+token)
		h.Set("Stream-Party", c.party)
	}
	resp, err := c.hc.Do(hreq)
	if err != nil {
		// Without a connection nothing was written: the request surely did
		// not reach Stream.
		return nil, &NetworkError{Op: req.op, Method: req.method, Host: c.host, Sent: connected.Load(), Err: c.scrubErr(err, token, req.secret)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, &NetworkError{Op: req.op, Method: req.method, Host: c.host, Sent: true, Err: fmt.Errorf("%w: %w", netfail.ErrAnswerCut, c.scrubErr(err, token, req.secret))}
	}
	data = c.scrub(data, token, req.secret)
	return &response{status: resp.StatusCode, header: resp.Header, body: data, url: u}, nil
}

// scrub removes the client secret, the bearer token and the request's own
// secret from a reply, should Stream ever echo them, so that no error built
// from it carries them.
func (c *Client) scrub(data []byte, token, extra string) []byte {
	for _, s := range [...]string{c.acct.ClientSecret, token, extra} {
		// A very short secret would match ordinary text; real ones are long.
		if len(s) >= minScrubLen && bytes.Contains(data, []byte(s)) {
			data = bytes.ReplaceAll(data, []byte(s), redacted)
		}
	}
	return data
}

type scrubbedError struct {
	msg   string
	cause error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.cause }

func (c *Client) scrubErr(err error, token, extra string) error {
	msg := err.Error()
	if clean := c.scrub([]byte(msg), token, extra); string(clean) != msg {
		return &scrubbedError{msg: string(clean), cause: errors.Unwrap(err)}
	}
	return err
}

func nonce() string {
	var b [16]byte
	_, _ = crand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// exchange sends the request, retrying what the kind allows: 429 with
// backoff, transient failures of reads, failures of posts that surely never
// reached Stream. It returns the first answer that is not one of those.
func (c *Client) exchange(ctx context.Context, req request, token string) (*response, error) {
	transient, limited := 0, 0
	for {
		res, err := c.send(ctx, req, token)
		var (
			wait    time.Duration
			lastErr error
		)
		switch {
		case err != nil:
			var ne *NetworkError
			if !errors.As(err, &ne) {
				return nil, err
			}
			if ne.Sent && req.kind == kindPost {
				return nil, &OutcomeUnknownError{Op: req.op, OrderNo: req.orderNo, Err: err}
			}
			transient++
			// An unknown host or a failed certificate check is the same a
			// moment later; a refused connection may be a restart.
			permanent := errors.Is(err, ErrWrongURL) && !errors.Is(err, syscall.ECONNREFUSED)
			if permanent || transient >= maxTransientAttempts || ctx.Err() != nil {
				return nil, err
			}
			lastErr, wait = err, c.backoffWait(transient, 0)
		case res.status == http.StatusTooManyRequests:
			limited++
			head, _ := parseHead(res.body)
			wait = c.backoffWait(limited, retryAfter(res.header))
			rle := &RateLimitError{Op: req.op, Attempts: limited, RetryAfter: wait, Messages: head.messages}
			if limited >= maxRateLimitAttempts {
				return nil, rle
			}
			lastErr = rle
		case res.status >= 500:
			head, _ := parseHead(res.body)
			se := &StatusError{Op: req.op, URL: res.url, Status: res.status, Messages: head.messages}
			if req.kind == kindPost {
				return nil, &OutcomeUnknownError{Op: req.op, OrderNo: req.orderNo, Err: se}
			}
			transient++
			if transient >= maxTransientAttempts {
				return nil, se
			}
			lastErr, wait = se, c.backoffWait(transient, 0)
		default:
			return res, nil
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			return nil, lastErr
		}
		c.log.LogAttrs(ctx, slog.LevelWarn, "stream retry",
			slog.String("op", req.op), slog.String("reason", lastErr.Error()), slog.Duration("wait", wait))
		if !sleep(ctx, wait) {
			return nil, lastErr
		}
	}
}

// backoffWait is the exponential delay before retry n (1-based) with equal
// jitter, never below what Stream asked for in Retry-After.
func (c *Client) backoffWait(n int, floor time.Duration) time.Duration {
	base, limit := c.backoff[0], c.backoff[1]
	d := base
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	d = d/2 + rand.N(d/2+1)
	return max(d, floor)
}

func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// do runs an API call: token, exchange, one token refresh on a 401, and the
// interpretation of Stream's envelope. The payload inside "response" is
// decoded into out; the warnings that came with it are returned.
func (c *Client) do(ctx context.Context, req request, out any) ([]Message, error) {
	refreshed := false
	for {
		token, err := c.token(ctx)
		if err != nil {
			return nil, err
		}
		res, err := c.exchange(ctx, req, token)
		if err != nil {
			return nil, err
		}
		if res.status == http.StatusUnauthorized && !refreshed {
			// An expired or revoked token: Stream did not process the call.
			refreshed = true
			c.tok.invalidate(token)
			c.log.LogAttrs(ctx, slog.LevelInfo, "stream token refused; refreshing", slog.String("op", req.op))
			continue
		}
		return c.interpret(ctx, req, res, out)
	}
}

// head is the part of every Stream reply that says whether it worked.
type head struct {
	hasEnvelope bool
	valid       *bool
	messages    []Message
	payload     json.RawMessage
}

// parseHead reads Stream's envelope: {"response": {"valid", "errors", …}},
// or the 429 shape with a top-level "errors". ok is false when the body is
// not a JSON object.
func parseHead(body []byte) (head, bool) {
	var outer struct {
		Response json.RawMessage `json:"response"`
		Valid    *bool           `json:"valid"`
		Errors   messageList     `json:"errors"`
	}
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &outer) != nil {
		return head{}, false
	}
	h := head{valid: outer.Valid, messages: outer.Errors, payload: trimmed}
	if r := bytes.TrimSpace(outer.Response); len(r) > 0 && r[0] == '{' {
		var inner struct {
			Valid  *bool       `json:"valid"`
			Errors messageList `json:"errors"`
		}
		if json.Unmarshal(r, &inner) == nil {
			h.hasEnvelope = true
			h.valid = inner.Valid
			h.messages = append(h.messages, inner.Errors...)
			h.payload = r
		}
	}
	return h, true
}

// isJSONType reports whether a Content-Type names JSON.
func isJSONType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// interpret turns an answer into the payload or a typed error.
func (c *Client) interpret(ctx context.Context, req request, res *response, out any) ([]Message, error) {
	if res.status >= 300 && res.status < 400 {
		return nil, &NotJSONError{Op: req.op, URL: res.url, Status: res.status,
			ContentType: res.header.Get("Content-Type"), Location: res.header.Get("Location")}
	}
	if res.status == http.StatusNoContent && len(bytes.TrimSpace(res.body)) == 0 && out == nil {
		return nil, nil
	}
	h, ok := parseHead(res.body)
	if !ok {
		ct := res.header.Get("Content-Type")
		if res.status == http.StatusNotFound && !isJSONType(ct) && !strings.HasPrefix(ct, "text/html") && len(bytes.TrimSpace(res.body)) == 0 {
			return nil, &NotFoundError{Op: req.op, URL: res.url, Status: res.status}
		}
		return nil, &NotJSONError{Op: req.op, URL: res.url, Status: res.status, ContentType: ct, Title: htmlTitle(res.body)}
	}
	errs, warnings := splitMessages(h.messages)
	failed := (h.valid != nil && !*h.valid) || (h.valid == nil && (res.status >= 400 || len(errs) > 0))
	switch {
	case res.status == http.StatusNotFound,
		res.status == http.StatusUnprocessableEntity && req.method == http.MethodGet && failed:
		return nil, &NotFoundError{Op: req.op, URL: res.url, Status: res.status, Messages: h.messages}
	case res.status == http.StatusUnauthorized || res.status == http.StatusForbidden:
		// The refusal comes as Stream's envelope or, from its OAuth layer,
		// as problem+json (title, detail).
		var p struct{ Type, Title, Detail string }
		_ = json.Unmarshal(res.body, &p) // parseHead already saw a JSON object
		ae := &AuthError{ClientID: c.acct.ClientID, Status: res.status, Type: p.Type, Title: p.Title, Detail: p.Detail}
		if text := joinMessages(h.messages); text != "" {
			ae.Detail = text
		}
		return nil, ae
	case failed:
		if len(errs) == 0 {
			errs, warnings = h.messages, nil
		}
		return nil, &ValidationError{Op: req.op, Status: res.status, Messages: errs, Warnings: warnings}
	case res.status >= 400:
		return nil, &StatusError{Op: req.op, URL: res.url, Status: res.status, Messages: h.messages}
	}
	// Stream accepted the request, so nothing it said blocks it: every
	// message, whatever its severity, is returned to the caller as a warning.
	warnings = nil
	if len(h.messages) > 0 {
		warnings = h.messages
		// Only the codes are logged: the texts may quote the addresses and
		// contacts they are about.
		codes := make([]string, len(warnings))
		for i, m := range warnings {
			codes[i] = m.Code
		}
		c.log.LogAttrs(ctx, slog.LevelInfo, "stream warnings",
			slog.String("op", req.op), slog.String("codes", strings.Join(codes, ",")))
	}
	if out != nil {
		if err := json.Unmarshal(h.payload, out); err != nil {
			se := &StatusError{Op: req.op, URL: res.url, Status: res.status,
				Messages: []Message{{Code: "DECODE", Description: "unexpected answer: " + err.Error()}}}
			if req.kind == kindPost {
				return warnings, &OutcomeUnknownError{Op: req.op, OrderNo: req.orderNo, Err: se}
			}
			return warnings, se
		}
	}
	return warnings, nil
}

// htmlTitle extracts the <title> of an HTML page, if any.
func htmlTitle(body []byte) string {
	lower := bytes.ToLower(body)
	i := bytes.Index(lower, []byte("<title"))
	if i < 0 {
		return ""
	}
	j := bytes.IndexByte(lower[i:], '>')
	if j < 0 {
		return ""
	}
	start := i + j + 1
	end := bytes.Index(lower[start:], []byte("</title"))
	if end < 0 {
		return ""
	}
	title := strings.Join(strings.Fields(string(body[start:start+end])), " ")
	if len(title) > 80 {
		title = title[:80]
	}
	return title
}

// messageList decodes Stream's "errors": normally an array of objects, but a
// single object, strings, or null are accepted too.
type messageList []Message

func (l *messageList) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || bytes.Equal(data, []byte("null")) {
		*l = nil
		return nil
	}
	var raws []json.RawMessage
	switch data[0] {
	case '[':
		if err := json.Unmarshal(data, &raws); err != nil {
			return err
		}
	default:
		raws = []json.RawMessage{data}
	}
	out := make([]Message, 0, len(raws))
	for _, raw := range raws {
		raw = bytes.TrimSpace(raw)
		if len(raw) > 0 && raw[0] == '{' {
			var m struct {
				Code        ID     `json:"code"`
				Description string `json:"description"`
				Message     string `json:"message"`
				Severity    string `json:"severity"`
				TraceID     ID     `json:"traceId"`
			}
			if err := json.Unmarshal(raw, &m); err != nil {
				return err
			}
			out = append(out, Message{Code: string(m.Code), Description: m.Description, Message: m.Message, Severity: m.Severity, TraceID: string(m.TraceID)})
			continue
		}
		if text := scalarText(raw); text != "" {
			out = append(out, Message{Message: text})
		}
	}
	*l = out
	return nil
}
