// Package awsenv builds linnstream's dependencies from a Lambda function's
// environment: DynamoDB tables, KMS envelope encryption and the Stream client
// pool. Function main packages call Start; nothing else imports it.
package awsenv

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"linnstream/internal/app"
	"linnstream/internal/dynamo"
	"linnstream/internal/linnworks"
	"linnstream/internal/secrets/kmssealer"
	"linnstream/internal/sqsqueue"
	"linnstream/internal/stream"
)

// Environment variables the functions read besides the table and key names.
const (
	EnvLogLevel      = "LOG_LEVEL"
	EnvPublicBaseURL = "PUBLIC_BASE_URL"
	// The Linnworks application the stack was deployed for; without them the
	// wizard cannot check Linnworks API tokens live.
	EnvLinnworksAppID     = "LINNWORKS_APP_ID"
	EnvLinnworksAppSecret = "LINNWORKS_APP_SECRET"
)

// Load builds the dependencies from the environment; opts adjust how the
// AWS configuration is loaded.
func Load(ctx context.Context, opts ...func(*config.LoadOptions) error) (*app.Deps, error) {
	deps, _, err := load(ctx, opts...)
	return deps, err
}

// load is Load that also returns the AWS configuration, for the clients
// the dependencies do not hold.
func load(ctx context.Context, opts ...func(*config.LoadOptions) error) (*app.Deps, aws.Config, error) {
	logger := app.NewLogger(os.Stdout, os.Getenv(EnvLogLevel))
	profilesTable := os.Getenv(dynamo.EnvProfilesTable)
	shipmentsTable := os.Getenv(dynamo.EnvShipmentsTable)
	keyID := os.Getenv(kmssealer.EnvKeyID)
	if profilesTable == "" || shipmentsTable == "" || keyID == "" {
		return nil, aws.Config{}, fmt.Errorf("%s, %s and %s must be set", dynamo.EnvProfilesTable, dynamo.EnvShipmentsTable, kmssealer.EnvKeyID)
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	db := dynamodb.NewFromConfig(cfg)
	sealer, err := kmssealer.New(kms.NewFromConfig(cfg), keyID)
	if err != nil {
		return nil, aws.Config{}, err
	}
	streamOpts := []stream.Option{stream.WithLogger(logger)}
	var lw *linnworks.Client
	if id := os.Getenv(EnvLinnworksAppID); id != "" {
		lw, err = linnworks.New(linnworks.Config{ApplicationID: id, ApplicationSecret: os.Getenv(EnvLinnworksAppSecret)},
			linnworks.WithLogger(logger))
		if err != nil {
			return nil, aws.Config{}, err
		}
	}
	deps := &app.Deps{
		Linnworks:     lw,
		Logger:        logger,
		Profiles:      dynamo.NewProfiles(db, profilesTable, sealer),
		Shipments:     dynamo.NewShipments(db, shipmentsTable, nil),
		Stream:        stream.NewPool(streamOpts...),
		StreamOptions: streamOpts,
		PublicBaseURL: os.Getenv(EnvPublicBaseURL),
		RequestID:     RequestID,
	}
	// Only the functions that queue write-backs are given the queue (and
	// the right to send to it).
	if url := os.Getenv(sqsqueue.EnvWriteBackQueueURL); url != "" {
		if deps.Writeback, err = sqsqueue.NewSender(sqs.NewFromConfig(cfg), url); err != nil {
			return nil, aws.Config{}, err
		}
	}
	return deps, cfg, nil
}

// RequestID is API Gateway's id of the request, so log lines match the
// gateway's access log; outside API Gateway it is empty and the handlers
// make one up.
func RequestID(r *http.Request) string {
	if rc, ok := core.GetAPIGatewayV2ContextFromContext(r.Context()); ok && rc.RequestID != "" {
		return rc.RequestID
	}
	return r.Header.Get("X-Request-Id")
}

// Handler builds the dependencies and returns the Lambda handler of the
// function with the SAM logical id.
func Handler(ctx context.Context, logicalID string, opts ...func(*config.LoadOptions) error) (lambda.Handler, error) {
	deps, err := Load(ctx, opts...)
	if err != nil {
		return nil, err
	}
	h, err := deps.Handler(logicalID)
	if err != nil {
		return nil, err
	}
	return lambda.NewHandler(httpadapter.NewV2(h).ProxyWithContext), nil
}

// Start runs the function with the SAM logical id; it never returns. A
// function that cannot build its dependencies fails its init, which Lambda
// reports, rather than answering requests half-configured.
func Start(logicalID string) {
	start(logicalID, func(ctx context.Context) (lambda.Handler, error) { return Handler(ctx, logicalID) })
}

// start runs the function with the SAM logical id on the handler build
// makes; it never returns. A failed build fails the function's init.
func start[H any](logicalID string, build func(context.Context) (H, error)) {
	h, err := build(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: init failed: %v\n", logicalID, err)
		os.Exit(1)
	}
	lambda.Start(h)
}

// loaded builds a handler with on, on the dependencies Load builds.
func loaded[H any](ctx context.Context, opts []func(*config.LoadOptions) error, on func(*app.Deps) (H, error)) (H, error) {
	deps, err := Load(ctx, opts...)
	if err != nil {
		var none H
		return none, err
	}
	return on(deps)
}

// consumer builds an SQS consumer's handler with on, on the dependencies
// Load builds, backing off failed messages with an SQS client of the same
// configuration (the function's role may change the visibility of its
// queue's messages).
func consumer(ctx context.Context, opts []func(*config.LoadOptions) error, on func(*app.Deps, ...sqsqueue.ConsumerOption) (sqsHandler, error)) (sqsHandler, error) {
	deps, cfg, err := load(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return on(deps, sqsqueue.WithBackoff(sqs.NewFromConfig(cfg)))
}

// The handlers of the functions outside the HTTP API: an SQS consumer
// with partial batch responses, and a scheduled run.
type (
	sqsHandler      = func(context.Context, events.SQSEvent) (events.SQSEventResponse, error)
	scheduleHandler = func(context.Context, events.EventBridgeEvent) error
)
