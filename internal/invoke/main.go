// Command invoke runs one Lambda function on one API Gateway event,
// in-process, the way `sam local invoke` would without Docker:
//
//	make invoke FN=UserConfigFunction EVENT=events/userconfig.json [TOKEN=…] [SANDBOX=1]
//
// FN is a SAM logical id (GenerateLabelFunction) or the contract name alone
// (GenerateLabel). Three modes:
//
//   - With PROFILES_TABLE and SECRETS_KEY_ID set it uses the AWS adapters
//     (and whatever AWS credentials and endpoint the environment gives).
//   - By default, the embedded store and local key under DATA_DIR, the same
//     ones `make run` uses. The store admits one process at a time, so while
//     `make run` holds it, invoke says so and how to go on.
//   - With -sandbox (SANDBOX=1), the event runs on its own: a fresh store that
//     is thrown away afterwards, the Stream and Linnworks sandboxes
//     in-process at the addresses `make run` gives them by default (so the
//     ServiceIds in events/ are valid), and the event's AuthorizationToken
//     already configured against them, at the wizard stage its ConfigStatus
//     names. Nothing listens on a port; `make run` may be running meanwhile.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"linnstream/internal/app"
	"linnstream/internal/awsenv"
	"linnstream/internal/dynamo"
	"linnstream/internal/embedded"
	"linnstream/internal/linnworks"
	"linnstream/internal/linnworkssandbox"
	"linnstream/internal/localenv"
	"linnstream/internal/profile"
	"linnstream/internal/stack"
	"linnstream/internal/streamsandbox"
	"linnstream/internal/wizard"
)

// options is what one invocation runs.
type options struct {
	fn      string // SAM logical id or contract name
	event   string // path of the API Gateway v2 event
	dataDir string // embedded store of the default mode
	token   string // AuthorizationToken to put into the event, if set
	sandbox bool   // run on its own, with in-process sandboxes
}

func main() {
	var o options
	flag.StringVar(&o.fn, "fn", "", "SAM logical id of the function, e.g. UserConfigFunction (or UserConfig)")
	flag.StringVar(&o.event, "event", "", "API Gateway v2 event JSON file, e.g. events/userconfig.json")
	flag.StringVar(&o.dataDir, "data", ".local", "data directory of the embedded store (local mode)")
	flag.StringVar(&o.token, "token", "", "AuthorizationToken to put into the event's body in place of its own")
	flag.BoolVar(&o.sandbox, "sandbox", false, "run on a fresh store with the Stream and Linnworks sandboxes in-process")
	flag.Parse()
	if o.fn == "" || o.event == "" {
		fmt.Fprintln(os.Stderr, "usage: invoke -fn <LogicalId> -event <file.json> [-data dir] [-token t] [-sandbox]")
		fmt.Fprintln(os.Stderr, "functions: "+strings.Join(functionNames(), ", "))
		os.Exit(2)
	}
	if err := run(context.Background(), o, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "invoke:", err)
		os.Exit(1)
	}
}

// functionNames are the SAM logical ids invoke can run.
func functionNames() []string {
	names := make([]string, len(stack.Endpoints))
	for i, e := range stack.Endpoints {
		names[i] = e.LogicalID
	}
	return names
}

// resolveFunction returns the logical id that name means: the id itself or
// the contract name without "Function", in any case.
func resolveFunction(name string) (string, error) {
	n := strings.TrimSpace(name)
	for _, e := range stack.Endpoints {
		if strings.EqualFold(n, e.LogicalID) || strings.EqualFold(n+"Function", e.LogicalID) {
			return e.LogicalID, nil
		}
	}
	return "", fmt.Errorf("unknown function %q; the functions are %s (FN=GenerateLabel works as well as FN=GenerateLabelFunction)",
		name, strings.Join(functionNames(), ", "))
}

func run(ctx context.Context, o options, out, diag io.Writer) error {
	fn, err := resolveFunction(o.fn)
	if err != nil {
		return err
	}
	payload, err := os.ReadFile(o.event)
	if err != nil {
		return err
	}
	if o.token != "" {
		if payload, err = withToken(payload, o.token); err != nil {
			return err
		}
	}
	logger := app.NewLogger(diag, os.Getenv(awsenv.EnvLogLevel))
	var h lambda.Handler
	var closeFn func()
	switch {
	case o.sandbox:
		h, closeFn, err = sandboxHandler(ctx, fn, payload, logger, diag)
	case os.Getenv(dynamo.EnvProfilesTable) != "":
		h, err = awsenv.Handler(ctx, fn)
		closeFn = func() {}
	default:
		h, closeFn, err = localHandler(fn, o.dataDir, logger)
	}
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

// localHandler is fn on the embedded store in dataDir.
func localHandler(fn, dataDir string, logger *slog.Logger) (lambda.Handler, func(), error) {
	env, err := localenv.Open(dataDir, logger, localenv.Options{})
	if errors.Is(err, embedded.ErrInUse) {
		return nil, nil, fmt.Errorf("%w\nAnother process, most likely `make run`, holds the store in %s. Either stop it (Ctrl-C) and "+
			"invoke again, or run the event on its own with its own store and the sandboxes in-process: "+
			"make invoke FN=%s EVENT=… SANDBOX=1 (or point this one elsewhere: DATA_DIR=.local-invoke)", err, dataDir, fn)
	}
	if err != nil {
		return nil, nil, err
	}
	return wrap(env, fn)
}

func wrap(env *localenv.Env, fn string) (lambda.Handler, func(), error) {
	env.Deps.RequestID = awsenv.RequestID
	h, err := env.Deps.Handler(fn)
	if err != nil {
		env.Close()
		return nil, nil, err
	}
	return lambda.NewHandler(httpadapter.NewV2(h).ProxyWithContext), func() { env.Close() }, nil
}

// sandboxBase is where the sandboxes appear to be in -sandbox mode: make
// run's default address, which the ServiceIds of events/ were made for.
const sandboxBase = "http://127.0.0.1:3000"

// Mount points of the sandboxes, as `make run` has them.
const (
	streamSandboxPath    = "/sandbox/stream"
	linnworksSandboxPath = "/sandbox/linnworks"
)

// The Linnworks application the invoker presents to the Linnworks sandbox,
// which accepts any.
const (
	sandboxAppID     = "6c0d8a47-1f5e-4b2a-9c3d-8e7f6a5b4c3d"
	sandboxAppSecret = "2e4f6a8c-0b1d-4e3f-a5c7-9d1b3f5a7c9e"
)

// sandboxHandler is fn on a fresh store in a temporary directory, with the
// sandboxes served in-process and the event's profile seeded.
func sandboxHandler(ctx context.Context, fn string, payload []byte, logger *slog.Logger, diag io.Writer) (lambda.Handler, func(), error) {
	dir, err := os.MkdirTemp("", "linnstream-invoke-")
	if err != nil {
		return nil, nil, err
	}
	lw, err := linnworkssandbox.New(linnworkssandbox.Options{Logger: logger.With("component", "linnworks-sandbox")})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(streamSandboxPath+"/", http.StripPrefix(streamSandboxPath,
		streamsandbox.New(streamsandbox.Options{Logger: logger.With("component", "stream-sandbox")})))
	mux.Handle(linnworksSandboxPath+"/", http.StripPrefix(linnworksSandboxPath, lw))
	client := &http.Client{Transport: inProcess{host: strings.TrimPrefix(sandboxBase, "http://"), h: mux}, Timeout: 30 * time.Second}

	env, err := localenv.Open(dir, logger, localenv.Options{
		PublicBaseURL: sandboxBase,
		HTTPClient:    client,
		Linnworks: linnworks.Config{
			AuthURL:           sandboxBase + linnworksSandboxPath + "/api/Auth/AuthorizeByApplication",
			ApplicationID:     sandboxAppID,
			ApplicationSecret: sandboxAppSecret,
		},
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	cleanup := func() {
		env.Close()
		os.RemoveAll(dir)
	}
	stage, err := seedProfile(ctx, env.Deps.Profiles, payload)
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	if stage != "" {
		fmt.Fprintf(diag, "invoke: sandboxes in-process at %s%s and %s%s; a fresh store (discarded); the event's profile set up at %s\n",
			sandboxBase, streamSandboxPath, sandboxBase, linnworksSandboxPath, stage)
	}
	h, closeEnv, err := wrap(env, fn)
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return h, func() { closeEnv(); os.RemoveAll(dir) }, nil
}

// seedProfile stores a profile for the AuthorizationToken in the event's
// body, configured against the sandboxes: complete (CONFIG), or at the stage
// the event's ConfigStatus names, before that stage's values. It returns the
// stage, or "" when the event carries no token (AddNewUser, identifiers).
func seedProfile(ctx context.Context, store profile.Store, payload []byte) (string, error) {
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(payload, &ev); err != nil {
		return "", fmt.Errorf("event is not JSON: %w", err)
	}
	var body struct {
		AuthorizationToken string
		ConfigStatus       string
	}
	if ev.Body != "" {
		// A body that is not an object is the function's to refuse.
		_ = json.Unmarshal([]byte(ev.Body), &body)
	}
	token := strings.TrimSpace(body.AuthorizationToken)
	if token == "" {
		return "", nil
	}
	key := make([]byte, 16)
	rand.Read(key)
	p := &profile.Profile{
		ID: profile.ID(token), Email: "ops@example.com", AccountName: "Sandbox account",
		Stage: wizard.StageConfig, Active: true, WebhookKey: hex.EncodeToString(key),
		Settings: map[string]string{
			wizard.ItemStreamAPIURL: sandboxBase + streamSandboxPath + "/api", wizard.ItemStreamClientID: streamsandbox.DefaultClientID,
			wizard.ItemPartnerID: "EXW01", wizard.ItemPartnerName: "Example Warehouse", wizard.ItemSenderContactName: "Dispatch Desk",
			wizard.ItemSenderCompany: "Example Warehouse Ltd", wizard.ItemSenderAddress1: "Unit 4, Aire Valley Park",
			wizard.ItemSenderCity: "Leeds", wizard.ItemSenderRegion: "West Yorkshire", wizard.ItemSenderCountry: "GB",
			wizard.ItemSenderPostcode: "LS12 2DU", wizard.ItemSenderPhone: "+44 113 496 0000",
		},
		Secrets: map[string]string{wizard.ItemStreamClientSecret: streamsandbox.DefaultClientSecret},
	}
	if st := strings.TrimSpace(body.ConfigStatus); st != "" && !strings.EqualFold(st, wizard.StageConfig) {
		p.Stage, p.Active = st, false
	}
	if err := store.Create(ctx, p); err != nil {
		return "", fmt.Errorf("set up the event's profile: %w", err)
	}
	return p.Stage, nil
}

// inProcess is an http.RoundTripper that serves requests to host with h,
// in this process, and refuses every other destination: in -sandbox mode
// nothing leaves the machine.
type inProcess struct {
	host string
	h    http.Handler
}

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" || req.URL.Host != t.host {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("invoke -sandbox serves only %s in-process, not %s://%s", sandboxBase, req.URL.Scheme, req.URL.Host)
	}
	// The handler sees what a server would: the raw request URI (the
	// Linnworks sandbox derives its public base from it), host and peer.
	in := req.Clone(req.Context())
	in.RequestURI = req.URL.RequestURI()
	in.Host = t.host
	in.RemoteAddr = "127.0.0.1:1"
	if in.Body == nil {
		in.Body = http.NoBody
	}
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, in)
	res := rec.Result()
	res.Request = req
	return res, nil
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
