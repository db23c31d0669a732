package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"linnstream/internal/app"
	"linnstream/internal/awsenv"
	"linnstream/internal/awsenv/awsenvtest"
	"linnstream/internal/linnworks"
	"linnstream/internal/linnworkssandbox"
	"linnstream/internal/mototest"
	"linnstream/internal/profile"
	"linnstream/internal/services"
	"linnstream/internal/shipping"
	"linnstream/internal/sqsqueue"
	"linnstream/internal/stream"
	"linnstream/internal/streamsandbox"
	"linnstream/internal/wizard"
)

// lambdaDay is the README's day on AWS adapters served by moto (DynamoDB,
// KMS and a real SQS FIFO queue): GenerateLabel and the webhook receiver
// queue on the FIFO queue, and the WriteBackFunction's handler is fed SQS
// events built from the messages received from it, as Lambda's event
// source does.
type lambdaDay struct {
	t        *testing.T
	ctx      context.Context
	sqs      *sqs.Client
	queueURL string
	queueARN string
	rec      *recorder
	stream   *httptest.Server
	lw       *linnworkssandbox.Sandbox
	label    *app.Deps
	receiver *app.Deps
	consumer func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)
	token    string
}

// load builds one function's dependencies as Lambda does, with the
// Linnworks sandbox as Linnworks.
func (d *lambdaDay) load(fn string, lwURL string) *app.Deps {
	d.t.Helper()
	deps, err := awsenv.Load(d.ctx, d.rec.option())
	if err != nil {
		d.t.Fatalf("%s: %v", fn, err)
	}
	deps.Linnworks, err = linnworks.New(linnworks.Config{AuthURL: lwURL + "/api/Auth/AuthorizeByApplication",
		ApplicationID: sandboxAppID, ApplicationSecret: sandboxAppSecret}, linnworks.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		d.t.Fatal(err)
	}
	return deps
}

func newLambdaDay(t *testing.T, processOnDelivered bool) *lambdaDay {
	t.Helper()
	srv := mototest.Get(t)
	tables := awsenvtest.Env(t, srv)
	profiles, shipments := tables.Profiles, tables.Shipments
	d := &lambdaDay{t: t, ctx: mototest.Context(t), sqs: srv.SQS(), queueURL: mototest.WriteBackQueue(t)}
	attrs, err := d.sqs.GetQueueAttributes(d.ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(d.queueURL),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	d.queueARN = attrs.Attributes["QueueArn"]
	// The consumer names the queue by the URL it builds from the event's
	// ARN, moto's clients by the URL moto gave.
	builtURL, err := sqsqueue.QueueURL(d.queueARN)
	if err != nil {
		t.Fatal(err)
	}
	d.rec = &recorder{tables: map[string]string{profiles: "ProfilesTable", shipments: "ShipmentsTable"},
		keyLogical: "SecretsKey", queues: map[string]string{d.queueURL: "WriteBackQueue", builtURL: "WriteBackQueue"},
		seen: map[string]map[grant]bool{}}

	// Deployed functions reach Stream over https only (TestMain trusts
	// httptest's certificate).
	d.stream = httptest.NewTLSServer(streamsandbox.New(streamsandbox.Options{RateLimit: 1 << 20}))
	t.Cleanup(d.stream.Close)
	if d.lw, err = linnworkssandbox.New(linnworkssandbox.Options{}); err != nil {
		t.Fatal(err)
	}
	lws := httptest.NewServer(d.lw)
	t.Cleanup(lws.Close)

	// The producers are given the queue, the consumer is not (as in the
	// template).
	t.Setenv(sqsqueue.EnvWriteBackQueueURL, d.queueURL)
	d.label, d.receiver = d.load("GenerateLabelFunction", lws.URL), d.load("StreamWebhookFunction", lws.URL)
	t.Setenv(sqsqueue.EnvWriteBackQueueURL, "")
	// The consumer backs off failed messages with the function's own SQS
	// client, as awsenv.WriteBack builds it.
	cfg, err := config.LoadDefaultConfig(d.ctx, d.rec.option())
	if err != nil {
		t.Fatal(err)
	}
	if d.consumer, err = awsenv.WriteBackOn(d.load("WriteBackFunction", lws.URL), sqsqueue.WithBackoff(sqs.NewFromConfig(cfg))); err != nil {
		t.Fatal(err)
	}
	if _, err := d.label.Linnworks.EnsureIdentifiers(d.ctx, linnworkssandbox.DefaultInstallToken, "https://integration.example.test/identifiers"); err != nil {
		t.Fatal(err)
	}

	// The API: the receiver as API Gateway routes it.
	receiver, err := d.receiver.Handler("StreamWebhookFunction")
	if err != nil {
		t.Fatal(err)
	}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.rec.start("StreamWebhookFunction")
		receiver.ServeHTTP(w, r)
	}))
	t.Cleanup(api.Close)

	// A profile as the wizard leaves it, subscribed to Stream's webhooks.
	acct := stream.Account{BaseURL: d.stream.URL + "/api", ClientID: streamsandbox.DefaultClientID, ClientSecret: streamsandbox.DefaultClientSecret}
	d.token = "tok-" + mototest.UniqueName("day")
	// A webhook key is 64 hex digits, as a SHA-256 digest is.
	key, auth := profile.ID(mototest.UniqueName("hook")), mototest.UniqueName("auth")
	p := &profile.Profile{ID: profile.ID(d.token), AccountName: "Example Ltd", Active: true, Stage: wizard.StageConfig, WebhookKey: key,
		Settings: map[string]string{
			wizard.ItemStreamAPIURL: acct.BaseURL, wizard.ItemStreamClientID: acct.ClientID,
			wizard.ItemPartnerID: "EXW01", wizard.ItemPartnerName: "Example",
			wizard.ItemSenderContactName: "Dispatch", wizard.ItemSenderCompany: "Example Ltd",
			wizard.ItemSenderAddress1: "1 Canal Road", wizard.ItemSenderCity: "Leeds", wizard.ItemSenderRegion: "West Yorkshire",
			wizard.ItemSenderCountry: "GB", wizard.ItemSenderPostcode: "LS12 2DU", wizard.ItemSenderPhone: "+44 113 496 0000",
			wizard.ItemUseCurrentDatePickup: "true", wizard.ItemLabelReference: string(wizard.RefOrderID),
			wizard.ItemLabelFormat: string(wizard.LabelDefault4x6), wizard.ItemLabelCount: "1",
			wizard.ItemWebhooksEnabled: "true", wizard.ItemSequenceIdentifiers: "true",
			wizard.ItemMarkProcessedDelivery: strconv.FormatBool(processOnDelivered)},
		Secrets: map[string]string{wizard.ItemStreamClientSecret: acct.ClientSecret,
			wizard.ItemLinnworksAPIToken: linnworkssandbox.DefaultInstallToken, wizard.SecretWebhookAuthHeader: auth},
		CreatedAt: time.Now()}
	if err := d.label.Profiles.Create(d.ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := (wizard.StreamWebhooks{Pool: d.label.Stream}).Subscribe(d.ctx, acct,
		wizard.WebhookURL(api.URL, key), auth, wizard.WebhookPairs); err != nil {
		t.Fatal(err)
	}

	// What the test itself stored is no function's doing.
	delete(d.rec.seen, "")

	// The label, through GenerateLabel's handler.
	h, err := d.label.Handler("GenerateLabelFunction")
	if err != nil {
		t.Fatal(err)
	}
	req := shipping.GenerateLabelRequest{Auth: shipping.Auth{AuthorizationToken: d.token},
		Address: shipping.Address{Name: "Amelia Clarke", AddressLine1: "7 Orchard Close", Town: "Reading", Region: "Berkshire",
			CountryCode: "GB", Postalcode: "RG1 3AZ", Email: "amelia.clarke@example.com"},
		OrderID: dayOrder, OrderReference: "#5002", ServiceID: services.ServiceID(acct, stream.ID("1"), stream.ID("102")),
		Packages: []*shipping.LabelPackage{{SequenceNumber: 1, PackageWeight: 2300, PackageFormat: "PARCEL",
			Items: []*shipping.LabelItem{{ItemName: "Oak Table Lamp", ProductCode: "LAMP-OAK-02", Quantity: 1, UnitWeight: 2300}}}}}
	body, _ := json.Marshal(req)
	res := httptest.NewRecorder()
	d.rec.start("GenerateLabelFunction")
	h.ServeHTTP(res, httptest.NewRequest(http.MethodPost, "/linnworks/GenerateLabel", bytes.NewReader(body)))
	var label shipping.GenerateLabelResponse
	if err := json.Unmarshal(res.Body.Bytes(), &label); err != nil || label.IsError {
		t.Fatalf("GenerateLabel: %s", res.Body.String())
	}
	return d
}

// dayOrder is the seeded Linnworks order the README labels.
const dayOrder = 100002

// admin calls the Stream sandbox's admin API, which answers once the
// webhooks the action caused were answered by the receiver.
func (d *lambdaDay) admin(action string, body map[string]any) {
	d.t.Helper()
	body["orderNo"] = strconv.Itoa(dayOrder)
	raw, _ := json.Marshal(body)
	res, err := d.stream.Client().Post(d.stream.URL+"/admin/"+action, "application/json", bytes.NewReader(raw))
	if err != nil {
		d.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		d.t.Fatalf("stream admin %s: HTTP %d", action, res.StatusCode)
	}
}

// consume does what Lambda's SQS event source does until the queue is
// empty: receives up to ten messages, hands them to the WriteBackFunction's
// handler as one event, deletes those it does not report failed and makes
// the failed ones visible again at once (Lambda would wait out the
// consumer's backoff). It returns the number of messages handed over.
func (d *lambdaDay) consume() int {
	d.t.Helper()
	handed := 0
	for round := 0; ; round++ {
		if round == 100 {
			d.t.Fatal("the write-back queue never emptied")
		}
		got, err := d.sqs.ReceiveMessage(d.ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(d.queueURL), MaxNumberOfMessages: 10,
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll}})
		if err != nil {
			d.t.Fatal(err)
		}
		if len(got.Messages) == 0 {
			return handed
		}
		var ev events.SQSEvent
		for _, m := range got.Messages {
			ev.Records = append(ev.Records, events.SQSMessage{MessageId: aws.ToString(m.MessageId), ReceiptHandle: aws.ToString(m.ReceiptHandle),
				Body: aws.ToString(m.Body), Attributes: m.Attributes, EventSource: "aws:sqs", EventSourceARN: d.queueARN, AWSRegion: mototest.Region})
		}
		handed += len(ev.Records)
		d.rec.start("WriteBackFunction")
		resp, err := d.consumer(d.ctx, ev)
		if err != nil {
			d.t.Fatalf("WriteBackFunction: %v", err)
		}
		failed := map[string]bool{}
		for _, f := range resp.BatchItemFailures {
			failed[f.ItemIdentifier] = true
		}
		for _, m := range got.Messages {
			if failed[aws.ToString(m.MessageId)] {
				d.t.Logf("message %s failed; it is received again", aws.ToString(m.MessageId))
				if _, err := d.sqs.ChangeMessageVisibility(d.ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(d.queueURL),
					ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0}); err != nil {
					d.t.Fatal(err)
				}
				continue
			}
			if _, err := d.sqs.DeleteMessage(d.ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(d.queueURL), ReceiptHandle: m.ReceiptHandle}); err != nil {
				d.t.Fatal(err)
			}
		}
	}
}

// shows reports whether the Linnworks order carries every identifier
// named (as Linnworks shows them) and none of those in not.
func (d *lambdaDay) shows(names []string, not ...string) (linnworkssandbox.AdminOrder, bool) {
	o, ok := d.lw.Order(strconv.Itoa(dayOrder))
	if !ok {
		d.t.Fatalf("no order %d in the Linnworks sandbox", dayOrder)
	}
	var have []string
	for _, tag := range o.Identifiers {
		if spec, ok := linnworks.LookupIdentifier(tag); ok {
			have = append(have, spec.Name)
		}
	}
	for _, n := range names {
		if !slices.Contains(have, n) {
			return o, false
		}
	}
	for _, n := range not {
		if slices.Contains(have, n) {
			return o, false
		}
	}
	return o, true
}

// On moto: the label's message and the webhooks of planning, re-planning
// and delivering the order go through the receiver's handler and a real
// FIFO queue to the WriteBackFunction's handler, and the Linnworks order
// follows; it is processed on delivery only with PROCESS_ON_DELIVERED on.
// Every AWS call each function makes is allowed by its role.
func TestWriteBackFunctionOnMoto(t *testing.T) {
	for _, process := range []bool{true, false} {
		t.Run("PROCESS_ON_DELIVERED "+strconv.FormatBool(process), func(t *testing.T) {
			d := newLambdaDay(t, process)
			if n := d.consume(); n != 1 {
				t.Errorf("the label queued %d messages, want 1", n)
			}
			if o, ok := d.shows([]string{"Sent to Stream"}); !ok || o.TrackingNumber == "" {
				t.Fatalf("after the label's message the order shows %v, tracking %q", o.Identifiers, o.TrackingNumber)
			}

			d.admin("plan", map[string]any{"run": "RUN 03", "sequence": 4, "date": "2026-12-04"})
			if d.consume() == 0 {
				res, _ := d.stream.Client().Get(d.stream.URL + "/admin/webhooks")
				b, _ := io.ReadAll(res.Body)
				t.Fatalf("planning queued nothing: %s", b)
			}
			if o, ok := d.shows([]string{"Sent to Stream", "RUN 03", "FRIDAY", "SEQ 04"}); !ok {
				t.Fatalf("after planning the order shows %v", o.Identifiers)
			}

			d.admin("plan", map[string]any{"run": "RUN 05", "sequence": 2, "date": "2026-12-07"})
			d.consume()
			if o, ok := d.shows([]string{"Sent to Stream", "RUN 05", "MONDAY", "SEQ 02"}, "RUN 03", "FRIDAY", "SEQ 04"); !ok {
				t.Fatalf("after re-planning the order shows %v", o.Identifiers)
			}

			d.admin("dispatch", map[string]any{})
			d.admin("deliver", map[string]any{})
			d.consume()
			o, ok := d.shows([]string{"Sent to Stream", "RUN 05", "MONDAY", "SEQ 02"})
			if !ok || o.Processed != process {
				t.Errorf("after delivery the order shows %v, processed %v; want processed %v", o.Identifiers, o.Processed, process)
			}
			// A message the write-back cannot read fails every receive,
			// backed off each time, until it leaves for the dead-letter
			// queue.
			if _, err := d.sqs.SendMessage(d.ctx, &sqs.SendMessageInput{QueueUrl: aws.String(d.queueURL), MessageBody: aws.String("not a write-back"),
				MessageGroupId: aws.String("unreadable"), MessageDeduplicationId: aws.String("unreadable")}); err != nil {
				t.Fatal(err)
			}
			if n := d.consume(); n != 5 {
				t.Errorf("the unreadable message was handed over %d times, want 5 (then the dead-letter queue)", n)
			}
			attrs, err := d.sqs.GetQueueAttributes(d.ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(d.queueURL),
				AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
					sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
			if err != nil {
				t.Fatal(err)
			}
			if attrs.Attributes["ApproximateNumberOfMessages"] != "0" || attrs.Attributes["ApproximateNumberOfMessagesNotVisible"] != "0" {
				t.Errorf("the queue still holds messages: %v", attrs.Attributes)
			}
			checkPolicies(t, d.rec)
			if !d.rec.seen["WriteBackFunction"][grant{"dynamodb:Query", "ShipmentsTable/index/streamOrder-index"}] ||
				!d.rec.seen["WriteBackFunction"][grant{"sqs:ChangeMessageVisibility", "WriteBackQueue"}] {
				t.Errorf("the write-back's calls were not recorded: %v", d.rec.seen["WriteBackFunction"])
			}
		})
	}
}
