package awsenv

import (
	"context"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/config"

	"linnstream/internal/app"
)

// DispatchPoll builds the dispatch poll function's handler: on each
// EventBridge schedule it polls every profile with DISPATCH_SYNC on, under
// the invocation's deadline, and queues write-backs on the write-back
// queue. A run that stops early resumes from its cursor next time. The
// handler fails (and the errors alarm fires) only when the poll's storage
// or queue failed; a profile whose Stream failed is logged.
func DispatchPoll(ctx context.Context, opts ...func(*config.LoadOptions) error) (scheduleHandler, error) {
	return loaded(ctx, opts, DispatchPollOn)
}

// DispatchPollOn is DispatchPoll on dependencies already built.
func DispatchPollOn(deps *app.Deps) (scheduleHandler, error) {
	poller, err := deps.DispatchPoll()
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, _ events.EventBridgeEvent) error {
		sums, err := poller.Run(ctx)
		deps.Logger.InfoContext(ctx, "dispatch poll run", "profiles", len(sums))
		return err
	}, nil
}

// StartDispatchPoll runs the dispatch poll function; it never returns.
func StartDispatchPoll() {
	start("DispatchPollFunction", func(ctx context.Context) (scheduleHandler, error) { return DispatchPoll(ctx) })
}
