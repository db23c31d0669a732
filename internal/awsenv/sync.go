package awsenv

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"linnstream/internal/app"
	"linnstream/internal/dynamo"
	"linnstream/internal/ordersync"
	"linnstream/internal/queue"
	"linnstream/internal/sqsqueue"
)

// EnvSyncQueueURL names the order sync's FIFO job queue.
const EnvSyncQueueURL = "SYNC_QUEUE_URL"

// SyncScheduler builds the scheduler function's handler: on each
// EventBridge schedule it queues one job per profile with order sync on,
// read from the profiles table's sparse index. It needs only the table and
// the queue (no secrets).
func SyncScheduler(ctx context.Context, opts ...func(*config.LoadOptions) error) (scheduleHandler, error) {
	table, url := os.Getenv(dynamo.EnvProfilesTable), os.Getenv(EnvSyncQueueURL)
	if table == "" || url == "" {
		return nil, fmt.Errorf("%s and %s must be set", dynamo.EnvProfilesTable, EnvSyncQueueURL)
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	sender, err := sqsqueue.NewSender(sqs.NewFromConfig(cfg), url)
	if err != nil {
		return nil, err
	}
	logger := app.NewLogger(os.Stdout, os.Getenv(EnvLogLevel))
	s := &ordersync.Scheduler{
		// The index query reads keys only; the sealer is never asked.
		Profiles: dynamo.NewProfiles(dynamodb.NewFromConfig(cfg), table, nil),
		Queue:    sender,
		Logger:   logger,
	}
	return func(ctx context.Context, _ events.EventBridgeEvent) error {
		_, err := s.Schedule(ctx)
		return err
	}, nil
}

// SyncWorker builds the worker function's handler: an SQS consumer of the
// sync queue (partial batch responses) running one profile's sync per job,
// under the invocation's deadline; a failed job is delayed by
// sqsqueue.RetryDelay before SQS delivers it again. Its write-backs are
// applied in the function: one that fails stops the run and fails the job,
// and the next run queues again what Linnworks does not show yet.
func SyncWorker(ctx context.Context, opts ...func(*config.LoadOptions) error) (sqsHandler, error) {
	return consumer(ctx, opts, SyncWorkerOn)
}

// SyncWorkerOn is SyncWorker on dependencies already built; without
// sqsqueue.WithBackoff among opts a failed job comes back after the
// queue's visibility timeout.
func SyncWorkerOn(deps *app.Deps, opts ...sqsqueue.ConsumerOption) (sqsHandler, error) {
	writer, err := deps.WritebackConsumer()
	if err != nil {
		return nil, err
	}
	worker, err := deps.OrderSync(queue.Direct{Handler: writer.Handle})
	if err != nil {
		return nil, err
	}
	return sqsqueue.Consumer(worker.Handle, deps.Logger, opts...), nil
}

// StartSyncScheduler runs the scheduler function; it never returns.
func StartSyncScheduler() {
	start("SyncSchedulerFunction", func(ctx context.Context) (scheduleHandler, error) { return SyncScheduler(ctx) })
}

// StartSyncWorker runs the worker function; it never returns.
func StartSyncWorker() {
	start("SyncWorkerFunction", func(ctx context.Context) (sqsHandler, error) { return SyncWorker(ctx) })
}
