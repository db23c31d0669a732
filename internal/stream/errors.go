package stream

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrNotFound is matched (errors.Is) by errors for an order or resource that
// Stream does not know: any HTTP 404, and a 422 with valid:false on a read.
var ErrNotFound = errors.New("stream: not found")

// ErrOutcomeUnknown is matched (errors.Is) by a create whose request may have
// reached Stream but whose answer was lost (timeout, dropped connection, 5xx,
// a success without a consignment number). Resolve it by reading the order
// back (see Client.CreateOrResolve); never blindly post the order again.
var ErrOutcomeUnknown = errors.New("stream: outcome unknown")

// ErrConfiguration is matched (errors.Is) by errors that an operator fixes in
// the profile rather than by retrying: bad credentials or a refused party
// (*AuthError), a reply that is not Stream's JSON or a redirect
// (*NotJSONError), a base URL without a token endpoint (*StatusError).
var ErrConfiguration = errors.New("stream: configuration error")

// ErrWrongURL is matched (errors.Is) by errors that show the base URL does
// not lead to Stream's API: a host that does not exist, refuses connections
// or fails the TLS handshake (*NetworkError), an answer that is not Stream's
// JSON (*NotJSONError), a missing token endpoint (*StatusError). Each also
// matches ErrConfiguration.
var ErrWrongURL = errors.New("stream: wrong API URL")

// Message is one item of Stream's "errors" array. Stream and its clients
// disagree on the text field (description or message), so both are kept.
type Message struct {
	Code        string `json:"code,omitempty"`
	Description string `json:"description,omitempty"`
	Message     string `json:"message,omitempty"`
	Severity    string `json:"severity,omitempty"`
	TraceID     string `json:"traceId,omitempty"`
}

// Text returns the human-readable part of the message: the description, the
// message, or both when they differ.
func (m Message) Text() string {
	switch {
	case m.Description == "":
		return m.Message
	case m.Message == "" || m.Message == m.Description:
		return m.Description
	default:
		return m.Description + " (" + m.Message + ")"
	}
}

// IsError reports whether the message blocks the request. Severities are
// compared case-insensitively; a message without a severity counts as an
// error, anything that is not an error level (WARNING, INFO …) is a warning.
func (m Message) IsError() bool {
	switch strings.ToLower(strings.TrimSpace(m.Severity)) {
	case "", "error", "fatal", "critical":
		return true
	}
	return false
}

func (m Message) String() string {
	text := m.Text()
	switch {
	case m.Code == "":
		return text
	case text == "":
		return m.Code
	default:
		return m.Code + ": " + text
	}
}

func joinMessages(ms []Message) string {
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		if s := m.String(); s != "" {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, "; ")
}

// splitMessages separates blocking messages from warnings.
func splitMessages(ms []Message) (errs, warnings []Message) {
	for _, m := range ms {
		if m.IsError() {
			errs = append(errs, m)
		} else {
			warnings = append(warnings, m)
		}
	}
	return errs, warnings
}

// ValidationError is a request Stream rejected (valid:false), or one this
// client refused before sending because a field breaks Stream's documented
// limits (Local is then true and Status 0). Messages holds every blocking
// message; Warnings the non-blocking ones that came with it.
type ValidationError struct {
	Op       string
	Status   int
	Local    bool
	Messages []Message
	Warnings []Message
}

func (e *ValidationError) Error() string {
	who := "stream rejected "
	if e.Local {
		who = "not sent to stream: "
	}
	text := joinMessages(e.Messages)
	if text == "" {
		text = "no reason given"
	}
	if e.Status != 0 {
		return fmt.Sprintf("%s%s (HTTP %d): %s", who, e.Op, e.Status, text)
	}
	return who + e.Op + ": " + text
}

// HasCode reports whether any message carries the code (case-insensitive).
func (e *ValidationError) HasCode(code string) bool {
	for _, m := range e.Messages {
		if strings.EqualFold(m.Code, code) {
			return true
		}
	}
	return false
}

// IsDuplicate reports whether err is Stream refusing an order number that it
// already holds. The sandbox answers code DUPLICATE; the live wording is not
// documented, so "duplicate" or "already exists" in the text also counts.
func IsDuplicate(err error) bool {
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Local {
		return false
	}
	for _, m := range ve.Messages {
		if strings.EqualFold(m.Code, "DUPLICATE") {
			return true
		}
		text := strings.ToLower(m.Code + " " + m.Text())
		if strings.Contains(text, "duplicate") || strings.Contains(text, "already exists") {
			return true
		}
	}
	return false
}

// AuthError is Stream refusing the client credentials: the problem+json body
// of the token endpoint (title, detail, status), or a second 401 on a call
// after a fresh token. It never contains the client secret.
type AuthError struct {
	ClientID string
	Status   int
	Type     string
	Title    string
	Detail   string
}

func (e *AuthError) Error() string {
	reason := e.Title
	switch {
	case reason == "":
		reason = e.Detail
	case e.Detail != "":
		reason += ": " + e.Detail
	}
	if reason == "" {
		reason = "credentials refused"
	}
	return fmt.Sprintf("stream authentication failed for client id %q: %s (HTTP %d)", e.ClientID, reason, e.Status)
}

// Is makes AuthError match ErrConfiguration.
func (e *AuthError) Is(target error) bool { return target == ErrConfiguration }

// RateLimitError is Stream's 429 RUNRL after the client gave up backing off,
// or the client-side limiter holding the request because the account's
// budget is used up for longer than the context allows (Local true).
// Either way the request was not processed.
type RateLimitError struct {
	Op       string
	Local    bool
	Attempts int
	// RetryAfter is the wait that would have come next: for a local refusal,
	// how long until the limiter frees a slot (at least).
	RetryAfter time.Duration
	Messages   []Message
}

func (e *RateLimitError) Error() string { return "stream " + e.Op + ": " + e.Explain() }

// Explain says, for an operator, what happened and when to try again.
func (e *RateLimitError) Explain() string {
	if e.Local {
		return fmt.Sprintf("Stream's request limit for this account is used up for the next %s; try again then", seconds(e.RetryAfter))
	}
	s := "Stream rate limited the request: this account's request limit is used up"
	if text := joinMessages(e.Messages); text != "" {
		s += " (Stream said " + text + ")"
	}
	if e.RetryAfter > 0 {
		return s + "; try again in " + seconds(e.RetryAfter)
	}
	return s + "; try again in a minute"
}

// seconds writes a wait as whole seconds (whole minutes from two minutes
// on), rounded up so that trying again after it is never too early.
func seconds(d time.Duration) string {
	n := max(int64((d+time.Second-1)/time.Second), 1)
	if n < 120 {
		return fmt.Sprintf("%d s", n)
	}
	return fmt.Sprintf("%d min", (n+59)/60)
}

// NotJSONError is a reply that is not Stream's JSON API: an HTML login page,
// an empty or garbled body, or a redirect (Location set). It usually means a
// wrong base URL or an account without API access, so URL names what
// answered.
type NotJSONError struct {
	Op          string
	URL         string
	Status      int
	ContentType string
	Location    string
	// Title is the <title> of an HTML reply, when there is one.
	Title string
}

func (e *NotJSONError) Error() string {
	if e.Location != "" || (e.Status >= 300 && e.Status < 400) {
		return fmt.Sprintf("stream %s: %s answered HTTP %d redirecting to %q; check the Stream base URL and that the account has API access", e.Op, e.URL, e.Status, e.Location)
	}
	what := e.ContentType
	if what == "" {
		what = "no content type"
	}
	if e.Title != "" {
		what += fmt.Sprintf(", page %q", e.Title)
	}
	return fmt.Sprintf("stream %s: %s answered HTTP %d with %s instead of JSON; check the Stream base URL and that the account has API access", e.Op, e.URL, e.Status, what)
}

// Is makes NotJSONError match ErrConfiguration and ErrWrongURL.
func (e *NotJSONError) Is(target error) bool {
	return target == ErrConfiguration || target == ErrWrongURL
}

// NetworkError is a failure to exchange a request with Stream: DNS, dial,
// TLS, reset, timeout. Sent reports whether the request may have reached
// Stream. Its text says what happened in words; the transport's own text
// (which names the whole URL and Go internals) stays in Err.
type NetworkError struct {
	Op     string
	Method string
	Host   string
	Sent   bool
	Err    error
}

func (e *NetworkError) Error() string {
	return "stream " + e.Op + ": " + e.Explain()
}

// Explain says what went wrong, in words, naming the host.
func (e *NetworkError) Explain() string {
	text, _ := describeTransport(e.Err, e.Host)
	return text
}

func (e *NetworkError) Unwrap() error { return e.Err }

// Is makes a NetworkError that shows the host is wrong (unknown, refusing
// connections, failing TLS) match ErrWrongURL and ErrConfiguration.
func (e *NetworkError) Is(target error) bool {
	if target != ErrWrongURL && target != ErrConfiguration {
		return false
	}
	_, wrong := describeTransport(e.Err, e.Host)
	return wrong
}

// StatusError is an HTTP status the API does not give meaning to (5xx, a 4xx
// without Stream's envelope).
type StatusError struct {
	Op       string
	URL      string
	Status   int
	Messages []Message
	// Config is set when the status points at the profile's settings (the
	// token endpoint is missing: a wrong base URL).
	Config bool
}

func (e *StatusError) Error() string {
	s := fmt.Sprintf("stream %s: %s answered HTTP %d", e.Op, e.URL, e.Status)
	if text := joinMessages(e.Messages); text != "" {
		s += ": " + text
	}
	if e.Config {
		s += "; check the Stream base URL"
	}
	return s
}

// Is makes a StatusError with Config set match ErrConfiguration and
// ErrWrongURL.
func (e *StatusError) Is(target error) bool {
	return e.Config && (target == ErrConfiguration || target == ErrWrongURL)
}

// NotFoundError is Stream saying the addressed order or resource does not
// exist. It matches ErrNotFound.
type NotFoundError struct {
	Op       string
	URL      string
	Status   int
	Messages []Message
}

func (e *NotFoundError) Error() string {
	s := fmt.Sprintf("stream %s: not found (HTTP %d)", e.Op, e.Status)
	if text := joinMessages(e.Messages); text != "" {
		s += ": " + text
	}
	return s
}

// Is makes NotFoundError match ErrNotFound.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// OutcomeUnknownError is a POST (an order create, a webhook subscription)
// that may or may not have been processed by Stream. It matches
// ErrOutcomeUnknown and unwraps to the cause.
type OutcomeUnknownError struct {
	Op string
	// OrderNo is the order number of a create.
	OrderNo string
	Err     error
}

func (e *OutcomeUnknownError) Error() string {
	return fmt.Sprintf("stream %s: outcome unknown, Stream may have processed it: %v", e.Op, e.Err)
}

func (e *OutcomeUnknownError) Unwrap() error { return e.Err }

// Is makes OutcomeUnknownError match ErrOutcomeUnknown.
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }
