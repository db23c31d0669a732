// Package sqsqueue is the queue port on Amazon SQS FIFO queues: a Sender
// that sends in batches, and a Lambda consumer that turns an SQS event into
// handler calls with partial batch responses (ReportBatchItemFailures).
package sqsqueue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"linnstream/internal/queue"
)

// EnvWriteBackQueueURL names the write-back queue in a function's
// environment.
const EnvWriteBackQueueURL = "WRITEBACK_QUEUE_URL"

// BatchSize is the most messages SendMessageBatch takes.
const BatchSize = 10

// MaxBodySize is the largest message body SQS takes.
const MaxBodySize = 256 << 10

// API is the part of the SQS client the Sender uses.
type API interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
}

var _ API = (*sqs.Client)(nil)

// Sender sends to one FIFO queue.
type Sender struct {
	api API
	url string
}

var _ queue.Sender = (*Sender)(nil)

// NewSender returns a Sender to the FIFO queue at url.
func NewSender(api API, url string) (*Sender, error) {
	if !strings.HasSuffix(url, ".fifo") {
		return nil, fmt.Errorf("sqs queue %q is not a FIFO queue (its name must end in .fifo)", url)
	}
	return &Sender{api: api, url: url}, nil
}

// Send sends msgs in batches of ten, each with its group and
// de-duplication id. Every message is checked before any is sent; a batch
// SQS refuses in part is an error naming how many failed and why (sending
// them all again is harmless: the de-duplication ids drop the repeats).
func (s *Sender) Send(ctx context.Context, msgs ...queue.Message) error {
	for i, m := range msgs {
		if err := check(m); err != nil {
			return fmt.Errorf("send to sqs: message %d: %w", i, err)
		}
	}
	for start := 0; start < len(msgs); start += BatchSize {
		chunk := msgs[start:min(start+BatchSize, len(msgs))]
		entries := make([]types.SendMessageBatchRequestEntry, len(chunk))
		for i, m := range chunk {
			entries[i] = types.SendMessageBatchRequestEntry{
				Id:                     aws.String(strconv.Itoa(start + i)),
				MessageBody:            aws.String(string(m.Body)),
				MessageGroupId:         aws.String(m.Group),
				MessageDeduplicationId: aws.String(m.DedupID),
			}
		}
		out, err := s.api.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: aws.String(s.url), Entries: entries})
		if err != nil {
			return fmt.Errorf("send to sqs: messages %d-%d: %w", start, start+len(chunk)-1, err)
		}
		if len(out.Failed) > 0 {
			reasons := make([]string, 0, len(out.Failed))
			for _, f := range out.Failed {
				reasons = append(reasons, fmt.Sprintf("message %s: %s %s", aws.ToString(f.Id), aws.ToString(f.Code), aws.ToString(f.Message)))
			}
			return fmt.Errorf("send to sqs: %d of %d messages refused: %s", len(out.Failed), len(chunk), strings.Join(reasons, "; "))
		}
	}
	return nil
}

// Errors Send returns for a message SQS FIFO would refuse.
var (
	ErrNoGroup   = errors.New("message has no group")
	ErrNoDedupID = errors.New("message has no de-duplication id")
	ErrTooLarge  = fmt.Errorf("message body is over %d bytes", MaxBodySize)
)

// check applies SQS FIFO's rules for one message: the group and
// de-duplication ids are 1-128 characters of letters, digits and
// punctuation, and the queue has no content-based de-duplication.
func check(m queue.Message) error {
	switch {
	case m.Group == "":
		return ErrNoGroup
	case m.DedupID == "":
		return ErrNoDedupID
	case len(m.Body) > MaxBodySize:
		return ErrTooLarge
	case len(m.Body) == 0:
		return errors.New("message body is empty")
	}
	for _, f := range []struct{ name, v string }{{"group", m.Group}, {"de-duplication id", m.DedupID}} {
		if len(f.v) > 128 {
			return fmt.Errorf("%s is over 128 characters", f.name)
		}
		for _, r := range f.v {
			if r < '!' || r > '~' {
				return fmt.Errorf("%s holds a character SQS refuses (%q)", f.name, r)
			}
		}
	}
	return nil
}

// Consumer returns a Lambda handler of SQS events that calls h once per
// message, in order, and reports the messages that failed as batch item
// failures. Once a message of a FIFO group fails, the later messages of
// that group in the batch are reported failed without being handled, so
// the group keeps its order when SQS delivers them again. Messages left
// when the invocation's context ends are reported failed too.
func Consumer(h queue.Handler, logger *slog.Logger) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		failed := map[string]bool{}
		for _, rec := range ev.Records {
			group := rec.Attributes[string(types.MessageSystemAttributeNameMessageGroupId)]
			fail := func() {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
				if group != "" { // a standard queue's messages have no order to keep
					failed[group] = true
				}
			}
			switch {
			case failed[group], ctx.Err() != nil:
				fail()
				continue
			}
			if err := call(ctx, h, []byte(rec.Body)); err != nil {
				logger.Warn("queued message failed; SQS delivers it again",
					"messageId", rec.MessageId, "receives", rec.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)],
					"error", err.Error())
				fail()
			}
		}
		return resp, nil
	}
}

// call runs the handler, turning a panic into a failure of that message
// alone rather than of the whole batch.
func call(ctx context.Context, h queue.Handler, body []byte) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("handler panicked: %v", r)
		}
	}()
	return h(ctx, body)
}
