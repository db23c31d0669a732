package awsenv_test

import (
	"context"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"linnstream/internal/app"
	"linnstream/internal/awsenv"
	"linnstream/internal/awsenv/awsenvtest"
	"linnstream/internal/mototest"
	"linnstream/internal/sqsqueue"
)

// On moto: the write-back and sync worker functions, built as Lambda
// builds them, delay a message they fail (one they cannot read), so it is
// not received again at once. The queue hides nothing by itself
// (visibility timeout 0): the same handler built without an SQS client
// gets the message straight back.
func TestConsumersBackOffOnMoto(t *testing.T) {
	for _, fn := range []struct {
		name  string
		build func(context.Context, ...func(*config.LoadOptions) error) (func(context.Context, events.SQSEvent) (events.SQSEventResponse, error), error)
		on    func(*app.Deps, ...sqsqueue.ConsumerOption) (func(context.Context, events.SQSEvent) (events.SQSEventResponse, error), error)
	}{
		{"WriteBackFunction", awsenv.WriteBack, awsenv.WriteBackOn},
		{"SyncWorkerFunction", awsenv.SyncWorker, awsenv.SyncWorkerOn},
	} {
		t.Run(fn.name, func(t *testing.T) {
			srv := mototest.Get(t)
			ctx := mototest.Context(t)
			awsenvtest.Env(t, srv)
			t.Setenv(awsenv.EnvLinnworksAppID, "5d1f4a9e-3b7c-4e21-9a8f-6c2d0e1b7a34")
			t.Setenv(awsenv.EnvLinnworksAppSecret, "0c9e8d7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f")
			c := srv.SQS()
			q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(mototest.UniqueName("backoff-") + ".fifo"),
				Attributes: map[string]string{"FifoQueue": "true", "VisibilityTimeout": "0"}})
			if err != nil {
				t.Fatal(err)
			}
			attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: q.QueueUrl, MessageBody: aws.String("not a message"),
				MessageGroupId: aws.String("g"), MessageDeduplicationId: aws.String("d")}); err != nil {
				t.Fatal(err)
			}
			// consume hands what is received to h as Lambda's event source
			// does and returns how many messages there were.
			consume := func(h func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)) int {
				t.Helper()
				got, err := c.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10,
					MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
				if err != nil {
					t.Fatal(err)
				}
				var ev events.SQSEvent
				for _, m := range got.Messages {
					ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
						Body: aws.ToString(m.Body), Attributes: m.Attributes, EventSource: "aws:sqs", EventSourceARN: attrs.Attributes["QueueArn"],
						AWSRegion: mototest.Region})
				}
				if len(ev.Records) == 0 {
					return 0
				}
				resp, err := h(ctx, ev)
				if err != nil || len(resp.BatchItemFailures) != len(ev.Records) {
					t.Fatalf("%s = %+v, %v; want the unreadable message failed", fn.name, resp, err)
				}
				return len(ev.Records)
			}

			deps, err := awsenv.Load(ctx)
			if err != nil {
				t.Fatal(err)
			}
			plain, err := fn.on(deps)
			if err != nil {
				t.Fatal(err)
			}
			if n := consume(plain); n != 1 {
				t.Fatalf("received %d messages, want the one sent", n)
			}
			built, err := fn.build(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if n := consume(built); n != 1 {
				t.Fatalf("without the backoff the failed message came back %d times at once, want once", n)
			}
			if n := consume(built); n != 0 {
				t.Fatalf("received %d messages right after %s failed one, want none until its backoff ends", n, fn.name)
			}
		})
	}
}
