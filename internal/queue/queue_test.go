package queue_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"linnstream/internal/queue"
)

// Direct hands the messages over in order and stops at the first that
// fails, returning its error, so the caller knows the rest were not handled.
func TestDirectStopsAtTheFirstFailure(t *testing.T) {
	var seen []string
	boom := errors.New("boom")
	d := queue.Direct{Handler: func(_ context.Context, body []byte) error {
		seen = append(seen, string(body))
		if string(body) == "b" {
			return boom
		}
		return nil
	}}
	err := d.Send(context.Background(), queue.Message{Body: []byte("a")}, queue.Message{Body: []byte("b")}, queue.Message{Body: []byte("c")})
	if !errors.Is(err, boom) || !slices.Equal(seen, []string{"a", "b"}) {
		t.Fatalf("err %v, handled %v; want boom after a and b", err, seen)
	}
}
