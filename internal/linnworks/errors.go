package linnworks

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ErrTokenRevoked reports that Linnworks refused the install token: AuthorizeByApplication
// answered 400 or 401, or the API kept answering 401 after a fresh session. The caller must
// stop using the token and ask the user for a new one; retrying will not help.
var ErrTokenRevoked = errors.New("linnworks install token refused (revoked or invalid)")

// ErrOrderNotFound reports that Linnworks has no order with the requested id. It is wrapped
// in a *DataError.
var ErrOrderNotFound = errors.New("linnworks order not found")

// RetryLaterError reports a failure that is expected to clear on its own: rate limiting that
// outlasted the caller's deadline, a 5xx answer, a locked or maintenance account, or a network
// failure. RetryAfter, when not zero, is how long Linnworks (or the client-side limiter) asked
// the caller to wait.
type RetryLaterError struct {
	Op         string        // the API method, e.g. "Orders/GetOrderById"
	Status     int           // HTTP status, 0 for network failures and client-side limits
	RetryAfter time.Duration // suggested wait, 0 when unknown
	Reason     string        // short description, never contains secrets
	Err        error         // underlying cause, may be nil
	// Limited is set when the client's own limiter held the request back: the endpoint's
	// budget for the account is used up for longer than the caller's deadline allows.
	// Nothing was sent.
	Limited bool

	// mayHaveRun is set when Linnworks may have carried the request out although the
	// caller got no success: a 5xx answer, or a connection lost after sending.
	mayHaveRun bool
}

// Explain says, for an operator, what happened: for a request the limiter held back, how
// long the budget stays used up.
func (e *RetryLaterError) Explain() string {
	if e.Limited {
		return fmt.Sprintf("Linnworks' request limit for %s on this account is used up for the next %s; try again then", e.Op, seconds(e.RetryAfter))
	}
	return strings.TrimPrefix(e.Error(), "linnworks "+e.Op+": ")
}

// seconds writes a wait as whole seconds, rounded up so that trying again after it is
// never too early.
func seconds(d time.Duration) string {
	return fmt.Sprintf("%d s", max(int64((d+time.Second-1)/time.Second), 1))
}

func (e *RetryLaterError) Error() string {
	if e.Limited {
		return "linnworks " + e.Op + ": " + e.Explain()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "linnworks %s: retry later", e.Op)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, " (retry after %s)", e.RetryAfter.Round(time.Millisecond))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *RetryLaterError) Unwrap() error { return e.Err }

// DataError reports that Linnworks rejected the request itself (400 or another 4xx, or a
// 200 answer that reports a failure): repeating the same request will fail the same way until
// the data is fixed. Message is Linnworks' own explanation, with secrets removed.
type DataError struct {
	Op      string // the API method, e.g. "Orders/ProcessOrder"
	Status  int    // HTTP status; 200 when the failure was reported inside a successful answer
	Message string // what Linnworks said, or what the client found wrong before sending
	Err     error  // a sentinel such as ErrOrderNotFound, may be nil
}

func (e *DataError) Error() string {
	msg := e.Message
	if msg == "" && e.Err != nil {
		msg = e.Err.Error()
	}
	if e.Status != 0 && e.Status != 200 {
		return fmt.Sprintf("linnworks %s: HTTP %d: %s", e.Op, e.Status, msg)
	}
	return fmt.Sprintf("linnworks %s: %s", e.Op, msg)
}

func (e *DataError) Unwrap() error { return e.Err }

// IsRetryable reports whether err (or an error it wraps) is a *RetryLaterError.
func IsRetryable(err error) bool {
	var rl *RetryLaterError
	return errors.As(err, &rl)
}

// IsTokenRevoked reports whether err means the install token no longer works.
func IsTokenRevoked(err error) bool { return errors.Is(err, ErrTokenRevoked) }

// IsDataError reports whether err (or an error it wraps) is a *DataError.
func IsDataError(err error) bool {
	var de *DataError
	return errors.As(err, &de)
}

// transportError is a failed exchange said in words (netfail); the transport's own text,
// which names the URL and Go internals, stays in the wrapped error.
type transportError struct {
	text string
	err  error
}

func (e *transportError) Error() string { return e.text }
func (e *transportError) Unwrap() error { return e.err }

// ErrOutcomeUnknown reports a request that is not safe to repeat (Orders/ProcessOrder) whose
// outcome could not be established: Linnworks failed after it may have acted, and reading
// the result back failed too. Check the order in Linnworks before sending it again.
var ErrOutcomeUnknown = errors.New("linnworks: outcome unknown")

// RetryAfter returns the wait suggested by a *RetryLaterError in err's chain, or 0.
func RetryAfter(err error) time.Duration {
	var rl *RetryLaterError
	if errors.As(err, &rl) {
		return rl.RetryAfter
	}
	return 0
}

// redactor removes secrets from text that came back from Linnworks before it is put into an
// error or a log line: Linnworks messages can echo what they were sent.
type redactor []string

func (r redactor) clean(s string) string {
	for _, secret := range r {
		if len(secret) < 8 {
			continue
		}
		for _, form := range []string{secret, strings.ReplaceAll(secret, "-", "")} {
			s = replaceFold(s, form, "[redacted]")
		}
	}
	return s
}

// replaceFold replaces every case-insensitive occurrence of old in s with repl.
func replaceFold(s, old, repl string) string {
	if old == "" {
		return s
	}
	lower, lowerOld := strings.ToLower(s), strings.ToLower(old)
	if len(lower) != len(s) {
		// Non-ASCII case folding changed lengths; fall back to exact matching.
		return strings.ReplaceAll(s, old, repl)
	}
	var b strings.Builder
	for {
		i := strings.Index(lower, lowerOld)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteString(repl)
		s, lower = s[i+len(old):], lower[i+len(old):]
	}
}

// truncate shortens s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }
