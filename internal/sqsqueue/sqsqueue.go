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
	"time"

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

// The retry backoff of a message the consumer reports failed: it is
// received again FirstRetryDelay after its first failed receive, the delay
// doubling with each further one up to MaxRetryDelay, so 30 s, 1 min,
// 2 min, 4 min, then 5 min; with the template's five receives a message
// that keeps failing reaches the dead-letter queue about 12 minutes after
// its first failure. The first retry comes soon, for a blip (a throttled
// call, a lost connection); the later ones give an outage of Linnworks or
// Stream time to pass. The cap stays below the visibility timeout of every
// queue the consumers read (360 s and 1800 s in template.yaml; the stack's
// tests check it), so the backoff only ever brings a retry forward from
// what the queue alone would do: a message whose delay could not be set
// comes back later, never sooner, and a failure holds its FIFO group back
// 5 minutes at most (SQS would allow 12 hours). The in-process queue of
// make run doubles from 1 s to the same cap (localqueue.DefaultBaseBackoff,
// DefaultMaxBackoff), sooner for someone trying it by hand.
const (
	FirstRetryDelay = 30 * time.Second
	MaxRetryDelay   = 5 * time.Minute
)

// RetryDelay is how long a message that failed its receives-th receive
// waits before it is received again (see FirstRetryDelay).
func RetryDelay(receives int) time.Duration {
	d := FirstRetryDelay
	for i := 1; i < receives && d < MaxRetryDelay; i++ {
		d *= 2
	}
	return min(d, MaxRetryDelay)
}

// VisibilityAPI is the part of the SQS client the Consumer uses to delay a
// failed message's next receive.
type VisibilityAPI interface {
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

var _ VisibilityAPI = (*sqs.Client)(nil)

// ConsumerOption configures a Consumer.
type ConsumerOption func(*consumerConfig)

type consumerConfig struct {
	visibility VisibilityAPI
}

// WithBackoff has the Consumer delay each failed message's next receive by
// RetryDelay of its receive count, with api. Without it (or with a nil
// api) a failed message comes back after the queue's visibility timeout,
// every time.
func WithBackoff(api VisibilityAPI) ConsumerOption {
	return func(c *consumerConfig) { c.visibility = api }
}

// Consumer returns a Lambda handler of SQS events that calls h once per
// message, in order, and reports the messages that failed as batch item
// failures. Once a message of a FIFO group fails, the later messages of
// that group in the batch are reported failed without being handled, so
// the group keeps its order when SQS delivers them again. Messages left
// when the invocation's context ends are reported failed too.
//
// With WithBackoff, a failed message is made visible again after
// RetryDelay of its receive count, and the messages of its group behind it
// after the same delay, so the group comes back together. A delay that
// cannot be set is only logged: the message then comes back after the
// queue's visibility timeout, as without the option. Once the context has
// ended no delay is set (there is no time left to call SQS): the messages
// failed then keep the queue's timeout.
func Consumer(h queue.Handler, logger *slog.Logger, opts ...ConsumerOption) func(context.Context, events.SQSEvent) (events.SQSEventResponse, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var cfg consumerConfig
	for _, o := range opts {
		o(&cfg)
	}
	return func(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
		var resp events.SQSEventResponse
		// failed holds, per FIFO group with a failed message, the delay
		// its messages wait before they are received again.
		failed := map[string]time.Duration{}
		for _, rec := range ev.Records {
			group := rec.Attributes[string(types.MessageSystemAttributeNameMessageGroupId)]
			fail := func(delay time.Duration) {
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
				if group != "" { // a standard queue's messages have no order to keep
					if _, ok := failed[group]; !ok {
						failed[group] = delay
					}
				}
				if cfg.visibility != nil && ctx.Err() == nil {
					cfg.delay(ctx, logger, rec, delay)
				}
			}
			if delay, ok := failed[group]; ok || ctx.Err() != nil {
				fail(delay)
				continue
			}
			if err := call(ctx, h, []byte(rec.Body)); err != nil {
				receives := receiveCount(rec)
				logger.Warn("queued message failed; SQS delivers it again",
					"messageId", rec.MessageId, "receives", receives, "error", err.Error())
				fail(RetryDelay(receives))
			}
		}
		return resp, nil
	}
}

// delay makes the message visible again after d. A failure is logged and
// otherwise ignored: the queue's visibility timeout brings the message
// back anyway, only later.
func (c consumerConfig) delay(ctx context.Context, logger *slog.Logger, rec events.SQSMessage, d time.Duration) {
	url, err := QueueURL(rec.EventSourceARN)
	if err == nil {
		_, err = c.visibility.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url),
			ReceiptHandle: aws.String(rec.ReceiptHandle), VisibilityTimeout: int32(d / time.Second)})
	}
	if err != nil {
		logger.Warn("could not delay the failed message's next receive; it comes back after the queue's visibility timeout",
			"messageId", rec.MessageId, "delay", d.String(), "error", err.Error())
		return
	}
	logger.Info("failed message delayed", "messageId", rec.MessageId, "delay", d.String())
}

// receiveCount is how many times SQS has delivered the message, this time
// included; 1 if the event does not say.
func receiveCount(rec events.SQSMessage) int {
	n, err := strconv.Atoi(rec.Attributes[string(types.MessageSystemAttributeNameApproximateReceiveCount)])
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// QueueURL is the URL of the queue with the ARN, as an event's records
// name their queue (arn:PARTITION:sqs:REGION:ACCOUNT:NAME): the URL
// GetQueueUrl answers on AWS, https://sqs.REGION.amazonaws.com/ACCOUNT/NAME.
// It is built rather than asked for: asking would cost a call per cold
// start and a permission (sqs:GetQueueUrl) the consumers' roles do not
// have. Moto finds a queue by the name at the URL's end, whatever its host.
func QueueURL(arn string) (string, error) {
	parts := strings.Split(arn, ":")
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "sqs" || parts[3] == "" || parts[4] == "" || parts[5] == "" {
		return "", fmt.Errorf("%q is not the ARN of an SQS queue", arn)
	}
	domain := "amazonaws.com"
	if parts[1] == "aws-cn" {
		domain = "amazonaws.com.cn"
	}
	return fmt.Sprintf("https://sqs.%s.%s/%s/%s", parts[3], domain, parts[4], parts[5]), nil
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
