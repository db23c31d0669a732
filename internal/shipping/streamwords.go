package shipping

import (
	"context"
	"errors"

	"linnstream/internal/stream"
)

// streamWords says, for the operator reading the ErrorMessage, why a call to
// Stream failed and what to do about it. ok is false for a deadline or a
// cancellation of the request itself, which the shared time-out message
// covers. A request the client's own limiter held back says so even though
// the deadline was what it could not wait past.
func streamWords(err error) (msg string, ok bool) {
	var rl *stream.RateLimitError
	switch {
	case errors.As(err, &rl):
		return rl.Explain(), true
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return "", false
	case errors.Is(err, stream.ErrWrongURL):
		return "check STREAM_API_URL in the integration's settings: " + err.Error(), true
	case errors.Is(err, stream.ErrConfiguration):
		return err.Error() + "; check the Stream API settings of the integration", true
	}
	return err.Error(), true
}

// limitWords is the message of a request that Stream's request limit held
// back, wherever in a handler it happened.
func limitWords(err error) (string, bool) {
	var rl *stream.RateLimitError
	if errors.As(err, &rl) {
		return capitalise(rl.Explain()), true
	}
	return "", false
}
