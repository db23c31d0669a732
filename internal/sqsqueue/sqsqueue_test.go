package sqsqueue_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"linnstream/internal/mototest"
	"linnstream/internal/queue"
	"linnstream/internal/sqsqueue"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// fifoPair creates a FIFO queue whose messages go to a FIFO dead-letter
// queue after five receives, as template.yaml declares them, and returns
// their URLs.
func fifoPair(t *testing.T, c *sqs.Client) (main, dlq string) {
	t.Helper()
	ctx := mototest.Context(t)
	name := mototest.UniqueName("writeback-")
	d, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-dlq.fifo"),
		Attributes: map[string]string{"FifoQueue": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: d.QueueUrl,
		AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + ".fifo"),
		Attributes: map[string]string{
			"FifoQueue":                 "true",
			"ContentBasedDeduplication": "false",
			"VisibilityTimeout":         "360",
			"RedrivePolicy":             fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":5}`, attrs.Attributes["QueueArn"]),
		}})
	if err != nil {
		t.Fatal(err)
	}
	return *m.QueueUrl, *d.QueueUrl
}

// receive takes up to ten messages as Lambda's event source mapping would
// and returns them as the SQS event the consumer gets.
func receive(t *testing.T, c *sqs.Client, url string) events.SQSEvent {
	t.Helper()
	out, err := c.ReceiveMessage(mototest.Context(t), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	var ev events.SQSEvent
	for _, m := range out.Messages {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: *m.MessageId, ReceiptHandle: *m.ReceiptHandle,
			Body: *m.Body, Attributes: m.Attributes})
	}
	return ev
}

// settle does what the event source mapping does with a partial batch
// response: delete every message not reported failed. The failed ones
// come back once their visibility timeout ends; the test ends it at once
// rather than wait for it.
func settle(t *testing.T, c *sqs.Client, url string, ev events.SQSEvent, resp events.SQSEventResponse) {
	t.Helper()
	failed := map[string]bool{}
	for _, f := range resp.BatchItemFailures {
		failed[f.ItemIdentifier] = true
	}
	for _, r := range ev.Records {
		if failed[r.MessageId] {
			if _, err := c.ChangeMessageVisibility(mototest.Context(t), &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(url),
				ReceiptHandle: aws.String(r.ReceiptHandle), VisibilityTimeout: 0}); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if _, err := c.DeleteMessage(mototest.Context(t), &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: aws.String(r.ReceiptHandle)}); err != nil {
			t.Fatal(err)
		}
	}
}

func bodies(ev events.SQSEvent) []string {
	var out []string
	for _, r := range ev.Records {
		out = append(out, r.Body)
	}
	return out
}

func TestSendInBatchesWithGroupsAndDedupIDs(t *testing.T) {
	srv := mototest.Get(t)
	c := srv.SQS()
	url, _ := fifoPair(t, c)
	s, err := sqsqueue.NewSender(c, url)
	if err != nil {
		t.Fatal(err)
	}
	var msgs []queue.Message
	for i := range 23 {
		msgs = append(msgs, queue.Message{Group: fmt.Sprintf("g%d", i%3), DedupID: fmt.Sprintf("d%02d", i), Body: []byte(fmt.Sprintf(`{"n":%d}`, i))})
	}
	// Sent twice: the de-duplication ids drop the second copies.
	for range 2 {
		if err := s.Send(mototest.Context(t), msgs...); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	got := map[string][]string{}
	for range 10 {
		ev := receive(t, c, url)
		if len(ev.Records) == 0 {
			break
		}
		for _, r := range ev.Records {
			got[r.Attributes["MessageGroupId"]] = append(got[r.Attributes["MessageGroupId"]], r.Body)
		}
		settle(t, c, url, ev, events.SQSEventResponse{})
	}
	total := 0
	for g := range 3 {
		var want []string
		for i := g; i < 23; i += 3 {
			want = append(want, fmt.Sprintf(`{"n":%d}`, i))
		}
		if key := fmt.Sprintf("g%d", g); !slices.Equal(got[key], want) {
			t.Errorf("group %s received %v, want %v", key, got[key], want)
		}
		total += len(got[fmt.Sprintf("g%d", g)])
	}
	if total != 23 {
		t.Fatalf("received %d messages, want 23 (each once)", total)
	}
}

func TestSendRefusesBadMessagesBeforeSendingAny(t *testing.T) {
	srv := mototest.Get(t)
	c := srv.SQS()
	url, _ := fifoPair(t, c)
	s, err := sqsqueue.NewSender(c, url)
	if err != nil {
		t.Fatal(err)
	}
	good := queue.Message{Group: "g", DedupID: "d", Body: []byte("{}")}
	for name, bad := range map[string]queue.Message{
		"no group":      {DedupID: "d2", Body: []byte("{}")},
		"no dedup id":   {Group: "g", Body: []byte("{}")},
		"long group":    {Group: strings.Repeat("g", 129), DedupID: "d2", Body: []byte("{}")},
		"space in id":   {Group: "g", DedupID: "a b", Body: []byte("{}")},
		"too large":     {Group: "g", DedupID: "d2", Body: make([]byte, sqsqueue.MaxBodySize+1)},
		"empty message": {Group: "g", DedupID: "d2"},
	} {
		if err := s.Send(mototest.Context(t), good, bad); err == nil {
			t.Errorf("%s: Send succeeded", name)
		}
	}
	if ev := receive(t, c, url); len(ev.Records) != 0 {
		t.Fatalf("a refused call sent %v", bodies(ev))
	}
	if _, err := sqsqueue.NewSender(c, strings.TrimSuffix(url, ".fifo")); err == nil {
		t.Fatal("NewSender accepted a standard queue")
	}
}

// failingAPI refuses some entries of each batch, as SQS does in a partial
// batch failure.
type failingAPI struct{ calls int }

func (f *failingAPI) SendMessageBatch(_ context.Context, in *sqs.SendMessageBatchInput, _ ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error) {
	f.calls++
	out := &sqs.SendMessageBatchOutput{}
	for i, e := range in.Entries {
		if i == 1 {
			out.Failed = append(out.Failed, types.BatchResultErrorEntry{Id: e.Id, Code: aws.String("InternalError"), Message: aws.String("try again"), SenderFault: false})
			continue
		}
		out.Successful = append(out.Successful, types.SendMessageBatchResultEntry{Id: e.Id})
	}
	return out, nil
}

func TestPartialBatchFailureIsAnError(t *testing.T) {
	api := &failingAPI{}
	s, err := sqsqueue.NewSender(api, "https://sqs.eu-west-2.amazonaws.com/1/writeback.fifo")
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), queue.Message{Group: "g", DedupID: "1", Body: []byte("a")}, queue.Message{Group: "g", DedupID: "2", Body: []byte("b")})
	if err == nil || !strings.Contains(err.Error(), "1 of 2 messages refused") || !strings.Contains(err.Error(), "InternalError") {
		t.Fatalf("Send with a refused entry: %v", err)
	}
}

func TestConsumerKeepsGroupOrderAndDeadLetters(t *testing.T) {
	srv := mototest.Get(t)
	c := srv.SQS()
	url, dlq := fifoPair(t, c)
	s, err := sqsqueue.NewSender(c, url)
	if err != nil {
		t.Fatal(err)
	}
	msgs := []queue.Message{
		{Group: "a", DedupID: "a1", Body: []byte("a1")},
		{Group: "b", DedupID: "b1", Body: []byte("b1")},
		{Group: "a", DedupID: "a2", Body: []byte("a2")},
		{Group: "b", DedupID: "b2", Body: []byte("b2")},
	}
	if err := s.Send(mototest.Context(t), msgs...); err != nil {
		t.Fatal(err)
	}
	var handled []string
	h := func(_ context.Context, body []byte) error {
		handled = append(handled, string(body))
		if string(body) == "a1" {
			return errors.New("linnworks answered 503")
		}
		return nil
	}
	consume := sqsqueue.Consumer(h, nil)

	ev := receive(t, c, url)
	if len(ev.Records) != 4 {
		t.Fatalf("first receive got %v, want all four", bodies(ev))
	}
	resp, err := consume(context.Background(), ev)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		for _, r := range ev.Records {
			if r.MessageId == f.ItemIdentifier {
				failed = append(failed, r.Body)
			}
		}
	}
	if !slices.Equal(failed, []string{"a1", "a2"}) {
		t.Fatalf("batch item failures %v, want a1 and a2 (a2 follows a1 in its group)", failed)
	}
	if !slices.Equal(handled, []string{"a1", "b1", "b2"}) {
		t.Fatalf("handled %v, want a2 left alone after a1 failed", handled)
	}
	settle(t, c, url, ev, resp)

	// a1 keeps failing: after its fifth receive SQS moves the group's
	// messages on to the dead-letter queue, a1 first.
	receives := 1
	for ; receives < 10; receives++ {
		ev := receive(t, c, url)
		if len(ev.Records) == 0 {
			break
		}
		if ev.Records[0].Body != "a1" {
			t.Fatalf("receive %d began with %q, want a1 (group order): %v", receives+1, ev.Records[0].Body, bodies(ev))
		}
		resp, _ := consume(context.Background(), ev)
		settle(t, c, url, ev, resp)
	}
	if receives != 5 {
		t.Fatalf("a1 was received %d times before leaving the queue, want 5", receives)
	}
	dead := receive(t, c, dlq)
	if got := bodies(dead); len(got) == 0 || got[0] != "a1" {
		t.Fatalf("dead-letter queue holds %v, want a1 first", got)
	}
}

func TestConsumerStopsWhenTheInvocationEnds(t *testing.T) {
	calls := 0
	consume := sqsqueue.Consumer(func(context.Context, []byte) error { calls++; return nil }, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	resp, err := consume(ctx, events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "1", Body: "x", Attributes: map[string]string{"MessageGroupId": "g"}},
		{MessageId: "2", Body: "y", Attributes: map[string]string{"MessageGroupId": "h"}},
	}})
	if err != nil || calls != 0 || len(resp.BatchItemFailures) != 2 {
		t.Fatalf("after the deadline: %d calls, %+v, %v; want both reported failed unhandled", calls, resp, err)
	}
}

func TestConsumerSurvivesAPanic(t *testing.T) {
	consume := sqsqueue.Consumer(func(_ context.Context, b []byte) error {
		if string(b) == "bad" {
			panic("nil map")
		}
		return nil
	}, nil)
	resp, _ := consume(context.Background(), events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "1", Body: "bad", Attributes: map[string]string{"MessageGroupId": "g"}},
		{MessageId: "2", Body: "ok", Attributes: map[string]string{"MessageGroupId": "h"}},
	}})
	if len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0].ItemIdentifier != "1" {
		t.Fatalf("failures %+v, want only the panicking message", resp.BatchItemFailures)
	}
}
