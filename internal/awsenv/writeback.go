package awsenv

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"

	"linnstream/internal/app"
	"linnstream/internal/sqsqueue"
)

// WriteBack builds the write-back function's handler: an SQS consumer of
// the write-back queue (partial batch responses) that brings one Linnworks
// order up to date per message. A message that fails is reported as a
// batch item failure, so SQS delivers it again and, after the queue's
// maximum receives, moves it to the dead-letter queue.
func WriteBack(ctx context.Context, opts ...func(*config.LoadOptions) error) (func(context.Context, events.SQSEvent) (events.SQSEventResponse, error), error) {
	deps, err := Load(ctx, opts...)
	if err != nil {
		return nil, err
	}
	return WriteBackOn(deps)
}

// WriteBackOn is WriteBack on dependencies already built.
func WriteBackOn(deps *app.Deps) (func(context.Context, events.SQSEvent) (events.SQSEventResponse, error), error) {
	writer, err := deps.WritebackConsumer()
	if err != nil {
		return nil, err
	}
	return sqsqueue.Consumer(writer.Handle, deps.Logger), nil
}

// StartWriteBack runs the write-back function; it never returns.
func StartWriteBack() {
	h, err := WriteBack(context.Background())
	if err != nil {
		fmt.Fprintf(os.Stderr, "WriteBackFunction: init failed: %v\n", err)
		os.Exit(1)
	}
	lambda.Start(h)
}
