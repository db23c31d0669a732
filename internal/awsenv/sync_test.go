package awsenv_test

import (
	"log/slog"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"linnstream/internal/awsenv"
	"linnstream/internal/awsenv/awsenvtest"
	"linnstream/internal/linnworks"
	"linnstream/internal/linnworkssandbox"
	"linnstream/internal/mototest"
	"linnstream/internal/profile"
	"linnstream/internal/services"
	"linnstream/internal/streamsandbox"
	"linnstream/internal/wizard"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// On moto: the schedule's event starts the scheduler, which finds the one
// syncing profile through the profiles table's sparse index and queues its
// job on the FIFO sync queue; the worker, fed that SQS message, sends the
// profile's order to Stream and marks it Sent to Stream in Linnworks.
func TestScheduleSchedulerQueueWorkerOnMoto(t *testing.T) {
	srv := mototest.Get(t)
	ctx := mototest.Context(t)
	q, err := srv.SQS().CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(mototest.UniqueName("sync-") + ".fifo"),
		Attributes: map[string]string{"FifoQueue": "true"}})
	if err != nil {
		t.Fatal(err)
	}
	awsenvtest.Env(t, srv)
	t.Setenv(awsenv.EnvSyncQueueURL, aws.ToString(q.QueueUrl))

	stream := httptest.NewServer(streamsandbox.New(streamsandbox.Options{RateLimit: 1 << 20}))
	t.Cleanup(stream.Close)
	lw, err := linnworkssandbox.New(linnworkssandbox.Options{NoSeed: true})
	if err != nil {
		t.Fatal(err)
	}
	lws := httptest.NewServer(lw)
	t.Cleanup(lws.Close)

	deps, err := awsenv.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Linnworks is the sandbox here; everything else is as Lambda builds it.
	deps.Linnworks, err = linnworks.New(linnworks.Config{AuthURL: lws.URL + "/api/Auth/AuthorizeByApplication",
		ApplicationID: "5d1f4a9e-3b7c-4e21-9a8f-6c2d0e1b7a34", ApplicationSecret: "0c9e8d7f-6a5b-4c3d-8e2f-1a0b9c8d7e6f"},
		linnworks.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	deps.AllowLoopbackHTTP = true
	if _, err := deps.Linnworks.EnsureIdentifiers(ctx, linnworkssandbox.DefaultInstallToken, "https://integration.example.test/identifiers"); err != nil {
		t.Fatal(err)
	}
	newProfile := func(sync string) *profile.Profile {
		p := &profile.Profile{ID: profile.ID("tok-" + mototest.UniqueName("p")), Active: true, Stage: wizard.StageConfig,
			Settings: map[string]string{wizard.ItemStreamAPIURL: stream.URL + "/api", wizard.ItemStreamClientID: "sandbox",
				wizard.ItemSenderCompany: "Shop Ltd", wizard.ItemOrderSyncEnabled: sync, wizard.ItemLookbackDays: "3"},
			Secrets:   map[string]string{wizard.ItemStreamClientSecret: "sandbox-secret", wizard.ItemLinnworksAPIToken: linnworkssandbox.DefaultInstallToken},
			CreatedAt: time.Now()}
		if err := deps.Profiles.Create(ctx, p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := newProfile("true")
	newProfile("false")
	svcs, err := services.NewCatalogue(services.PoolSource(deps.Stream)).List(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	ps, err := lw.AddPostalService(linnworkssandbox.PostalServiceRequest{Name: "Stream Courier", IntegratedServiceID: svcs[0].ID, Vendor: linnworkssandbox.StreamVendor})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lw.AddOrders(linnworkssandbox.OrderDetails{NumOrderId: 990001,
		GeneralInfo:  linnworkssandbox.OrderGeneralInfo{Status: 1, ReceivedDate: time.Now().Add(-time.Hour)},
		ShippingInfo: linnworkssandbox.OrderShippingInfo{PostalServiceId: ps.ID, TotalWeight: 1},
		CustomerInfo: linnworkssandbox.OrderCustomerInfo{Address: linnworkssandbox.CustomerAddress{
			FullName: "Priya Shah", Address1: "14 Wellington Street", Town: "Leeds", PostCode: "LS1 4DL", Country: "GB"}},
		Items: []linnworkssandbox.OrderItem{{SKU: "A", Title: "Oak side table", Quantity: 1, Weight: 1}}}); err != nil {
		t.Fatal(err)
	}

	schedule, err := awsenv.SyncScheduler(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := schedule(ctx, events.EventBridgeEvent{DetailType: "Scheduled Event", Source: "aws.scheduler"}); err != nil {
		t.Fatalf("scheduler: %v", err)
	}
	got, err := srv.SQS().ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, MaxNumberOfMessages: 10,
		MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Messages) != 1 {
		t.Fatalf("the scheduler queued %d jobs, want 1 (the one profile with order sync on)", len(got.Messages))
	}
	var ev events.SQSEvent
	for _, m := range got.Messages {
		ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), Body: aws.ToString(m.Body), Attributes: m.Attributes})
	}
	worker, err := awsenv.SyncWorkerOn(deps)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := worker(ctx, ev)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("worker: %v, failures %v", err, resp.BatchItemFailures)
	}
	o, _ := lw.Order(strconv.Itoa(990001))
	if !slices.Contains(o.Identifiers, linnworks.TagSent) || o.TrackingNumber == "" {
		t.Fatalf("after the worker the order shows %v, tracking %q", o.Identifiers, o.TrackingNumber)
	}
	stored, err := deps.Profiles.Get(ctx, p.ID)
	if err != nil || stored.Sync.Last.Sent != 1 || !stored.Sync.Last.Finished {
		t.Fatalf("stored summary %+v, %v", stored.Sync.Last, err)
	}
}
