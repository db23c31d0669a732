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
