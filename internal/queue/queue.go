// Package queue is the small port between the parts of the return half that
// produce work (the webhook receiver, GenerateLabel, the dispatch poll, the
// order sync) and the consumers that do it. In AWS it is SQS (FIFO); in
// `make run` an in-process queue with the same semantics.
package queue

import "context"

// Message is one message to queue.
type Message struct {
	// Group is the FIFO message group: messages of one group are delivered
	// one at a time, in order.
	Group string
	// DedupID is the FIFO de-duplication id: a second message with the same
	// id within the queue's de-duplication window is dropped.
	DedupID string
	// Body is the message, JSON.
	Body []byte
}

// Sender puts messages on a queue. Send either queues every message or
// returns an error; a caller that gets an error may send them all again
// (de-duplication ids make that harmless).
type Sender interface {
	Send(ctx context.Context, msgs ...Message) error
}

// Handler consumes one message body. A nil error deletes the message; an
// error leaves it to be received again after a backoff, and to go to the
// dead-letter queue after the queue's maximum number of receives.
type Handler func(ctx context.Context, body []byte) error

// Direct is a Sender that hands each message to Handler at once, in order,
// for a process that consumes its own messages (the local runtime, and the
// order sync's write-backs). An error stops at that message and is
// returned, so the sender's caller knows the rest were not handled.
type Direct struct{ Handler Handler }

// Send implements Sender.
func (d Direct) Send(ctx context.Context, msgs ...Message) error {
	for _, m := range msgs {
		if err := d.Handler(ctx, m.Body); err != nil {
			return err
		}
	}
	return nil
}
