package awsenv

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/config"

	"linnstream/internal/app"
	"linnstream/internal/sqsqueue"
)

// WriteBack builds the write-back function's handler: an SQS consumer of
// the write-back queue (partial batch responses) that brings one Linnworks
// order up to date per message. A message that fails is reported as a
// batch item failure and delayed by sqsqueue.RetryDelay, so SQS delivers
// it again with backoff and, after the queue's maximum receives, moves it
// to the dead-letter queue.
func WriteBack(ctx context.Context, opts ...func(*config.LoadOptions) error) (sqsHandler, error) {
	return consumer(ctx, opts, WriteBackOn)
}

// WriteBackOn is WriteBack on dependencies already built; without
// sqsqueue.WithBackoff among opts a failed message comes back after the
// queue's visibility timeout.
func WriteBackOn(deps *app.Deps, opts ...sqsqueue.ConsumerOption) (sqsHandler, error) {
	writer, err := deps.WritebackConsumer()
	if err != nil {
		return nil, err
	}
	return sqsqueue.Consumer(writer.Handle, deps.Logger, opts...), nil
}

// StartWriteBack runs the write-back function; it never returns.
func StartWriteBack() {
	start("WriteBackFunction", func(ctx context.Context) (sqsHandler, error) { return WriteBack(ctx) })
}
