// Command invoke runs one Lambda function on one API Gateway event,
// in-process, the way `sam local invoke` would without Docker:
//
//	make invoke FN=UserConfigFunction EVENT=events/userconfig.json [TOKEN=…]
//
// With PROFILES_TABLE and SECRETS_KEY_ID set it uses the AWS adapters (and
// whatever AWS credentials and endpoint the environment gives); otherwise the
// embedded store and local key under DATA_DIR, the same ones `make run`
// uses (stop `make run` first: the store admits one process at a time).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"linnstream/internal/app"
	"linnstream/internal/awsenv"
	"linnstream/internal/dynamo"
	"linnstream/internal/localenv"
)

func main() {
	fn := flag.String("fn", "", "SAM logical id of the function, e.g. UserConfigFunction")
	eventPath := flag.String("event", "", "API Gateway v2 event JSON file, e.g. events/userconfig.json")
	dataDir := flag.String("data", ".local", "data directory of the embedded store (local mode)")
	token := flag.String("token", "", "AuthorizationToken to put into the event's body in place of its own")
	flag.Parse()
	if *fn == "" || *eventPath == "" {
		fmt.Fprintln(os.Stderr, "usage: invoke -fn <LogicalId> -event <file.json> [-data dir] [-token t]")
		os.Exit(2)
	}
	if err := run(context.Background(), *fn, *eventPath, *dataDir, *token, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "invoke:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, fn, eventPath, dataDir, token string, out io.Writer) error {
	payload, err := os.ReadFile(eventPath)
	if err != nil {
		return err
	}
	if token != "" {
		if payload, err = withToken(payload, token); err != nil {
			return err
		}
	}
	h, closeFn, err := handler(ctx, fn, dataDir)
	if err != nil {
		return err
	}
	defer closeFn()
	res, err := h.Invoke(ctx, payload)
	if err != nil {
		return fmt.Errorf("%s: %w", fn, err)
	}
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res, &resp); err != nil {
		return fmt.Errorf("decode the function's response: %w", err)
	}
	fmt.Fprintf(out, "HTTP %d\n", resp.StatusCode)
	var body any
	if json.Unmarshal([]byte(resp.Body), &body) == nil {
		pretty, _ := json.MarshalIndent(body, "", "  ")
		fmt.Fprintln(out, string(pretty))
	} else {
		fmt.Fprintln(out, resp.Body)
	}
	return nil
}

// handler returns the Lambda handler of fn on the AWS adapters when the
// environment names the tables, else on the local ones.
func handler(ctx context.Context, fn, dataDir string) (lambda.Handler, func(), error) {
	if os.Getenv(dynamo.EnvProfilesTable) != "" {
		h, err := awsenv.Handler(ctx, fn)
		return h, func() {}, err
	}
	env, err := localenv.Open(dataDir, app.NewLogger(os.Stderr, os.Getenv(awsenv.EnvLogLevel)), localenv.Options{})
	if err != nil {
		return nil, nil, err
	}
	env.Deps.RequestID = awsenv.RequestID
	h, err := env.Deps.Handler(fn)
	if err != nil {
		env.Close()
		return nil, nil, err
	}
	return lambda.NewHandler(httpadapter.NewV2(h).ProxyWithContext), func() { env.Close() }, nil
}

// withToken replaces the AuthorizationToken inside the event's JSON body.
func withToken(payload []byte, token string) ([]byte, error) {
	var ev map[string]any
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, fmt.Errorf("event is not JSON: %w", err)
	}
	raw, _ := ev["body"].(string)
	var body map[string]any
	if err := json.Unmarshal([]byte(raw), &body); err != nil {
		return nil, fmt.Errorf("event body is not a JSON object: %w", err)
	}
	body["AuthorizationToken"] = token
	b, _ := json.Marshal(body)
	ev["body"] = string(b)
	if h, ok := ev["headers"].(map[string]any); ok {
		delete(h, "content-length")
	}
	return json.Marshal(ev)
}
