package awsenv_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"linnstream/internal/awsenv"
	"linnstream/internal/awsenv/awsenvtest"
	"linnstream/internal/linnworkssandbox"
	"linnstream/internal/mototest"
	"linnstream/internal/profile"
	"linnstream/internal/shipment/shipmenttest"
	"linnstream/internal/sqsqueue"
	"linnstream/internal/streamsandbox"
	"linnstream/internal/wizard"
	"linnstream/internal/writeback"
)

// On moto: the poll function finds the one profile with DISPATCH_SYNC on
// through the profiles table's polling index, reads its open shipment
// through the shipments table's open-index, sees in the Stream sandbox that
// the order was planned and queues one write-back on the FIFO queue; run
// again with nothing changed, it queues nothing.
func TestDispatchPollOnMoto(t *testing.T) {
	srv := mototest.Get(t)
	ctx := mototest.Context(t)
	q, err := srv.SQS().CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(mototest.UniqueName("writeback-") + ".fifo"),
		Attributes: map[string]string{"FifoQueue": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	awsenvtest.Env(t, srv)
	t.Setenv(sqsqueue.EnvWriteBackQueueURL, aws.ToString(q.QueueUrl))

	sb := httptest.NewServer(streamsandbox.New(streamsandbox.Options{RateLimit: 1 << 20}))
	t.Cleanup(sb.Close)
	deps, err := awsenv.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	deps.AllowLoopbackHTTP = true
	now := time.Now().UTC()
	newProfile := func(dispatchSync, orderID string) *profile.Profile {
		p := &profile.Profile{ID: profile.ID("tok-" + mototest.UniqueName("p")), Active: true, Stage: wizard.StageConfig,
			Settings: map[string]string{wizard.ItemStreamAPIURL: sb.URL + "/api", wizard.ItemStreamClientID: streamsandbox.DefaultClientID,
				wizard.ItemDispatchSyncEnabled: dispatchSync, wizard.ItemWebhooksEnabled: "false"},
			Secrets:   map[string]string{wizard.ItemStreamClientSecret: streamsandbox.DefaultClientSecret, wizard.ItemLinnworksAPIToken: linnworkssandbox.DefaultInstallToken},
			CreatedAt: now}
		if err := deps.Profiles.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		// The order in Stream, and its shipment as a label leaves it.
		sh := shipmenttest.Created(t, deps.Shipments, p.ID, orderID, now.Add(-time.Hour))
		c, err := deps.Stream.Client(wizard.Settings(p).Stream)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.CreateOrder(ctx, shipmenttest.Order(sh.StreamOrderNo, orderID)); err != nil {
			t.Fatal(err)
		}
		d, err := c.GetOrder(ctx, sh.StreamOrderNo)
		if err != nil {
			t.Fatal(err)
		}
		sh.StreamStatus = d.Header.OrderStatus
		shipmenttest.MustUpdate(t, deps.Shipments, sh)
		res, err := http.Post(sb.URL+"/admin/plan", "application/json",
			strings.NewReader(`{"orderNo":"`+sh.StreamOrderNo+`","run":"RUN 03","sequence":4,"date":"2026-12-04"}`))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("plan %s: %d", sh.StreamOrderNo, res.StatusCode)
		}
		return p
	}
	p := newProfile("true", "990001")
	newProfile("false", "990002")

	handler, err := awsenv.DispatchPollOn(deps)
	if err != nil {
		t.Fatal(err)
	}
	invoke := func() []writeback.Message {
		t.Helper()
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if err := handler(rctx, events.EventBridgeEvent{DetailType: "Scheduled Event", Source: "aws.scheduler"}); err != nil {
			t.Fatalf("poll: %v", err)
		}
		got, err := srv.SQS().ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		var out []writeback.Message
		for _, m := range got.Messages {
			wm, err := writeback.Decode([]byte(aws.ToString(m.Body)))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, wm)
			if _, err := srv.SQS().DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: q.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
				t.Fatal(err)
			}
		}
		return out
	}
	msgs := invoke()
	if len(msgs) != 1 || msgs[0].ProfileID != p.ID || msgs[0].OrderID != "990001" || msgs[0].Ref != "P990001" || msgs[0].Source != writeback.SourcePoll {
		t.Fatalf("the poll queued %+v, want one poll message for order 990001", msgs)
	}
	sh, err := deps.Shipments.Get(ctx, p.ID, "990001")
	if err != nil || sh.Run != "RUN 03" || sh.Sequence != 4 || sh.Day != "FRIDAY" {
		t.Fatalf("recorded %+v, %v; want RUN 03, stop 4, FRIDAY", sh, err)
	}
	if msgs := invoke(); len(msgs) != 0 {
		t.Fatalf("a second poll with nothing changed queued %+v", msgs)
	}
}
