package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"linnstream/internal/awsenv"
	"linnstream/internal/dynamo"
	"linnstream/internal/localenv"
	"linnstream/internal/mototest"
	"linnstream/internal/profile"
	"linnstream/internal/secrets/kmssealer"
	"linnstream/internal/stack"
	"linnstream/internal/wizard"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// fixture is one events/*.json file and what it is for.
type fixture struct {
	name    string
	payload []byte
	fn      string // SAM logical id
	body    map[string]any
}

func loadFixtures(t *testing.T) []fixture {
	t.Helper()
	files, err := filepath.Glob("../../events/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no events: %v", err)
	}
	var out []fixture
	seen := map[string]bool{}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		fx := fixture{name: filepath.Base(f), payload: raw}
		for _, e := range stack.Endpoints {
			for _, p := range e.Paths {
				if ev.RequestContext.HTTP.Method == "POST" && ev.RawPath == p {
					fx.fn = e.LogicalID
				}
			}
		}
		if fx.fn == "" {
			t.Fatalf("%s: no function serves %s %s", f, ev.RequestContext.HTTP.Method, ev.RawPath)
		}
		if err := json.Unmarshal([]byte(ev.Body), &fx.body); err != nil {
			t.Fatalf("%s: body is not JSON: %v", f, err)
		}
		seen[fx.fn] = true
		out = append(out, fx)
	}
	for _, e := range stack.Endpoints {
		if !seen[e.LogicalID] {
			t.Errorf("no event in events/ for %s", e.LogicalID)
		}
	}
	return out
}

// seed stores the profile a fixture's AuthorizationToken names, at the stage
// its ConfigStatus expects (or configured, for endpoints without one).
func seed(t *testing.T, store profile.Store, fx fixture) {
	t.Helper()
	token, _ := fx.body["AuthorizationToken"].(string)
	if token == "" {
		return
	}
	p := &profile.Profile{ID: profile.ID(token), Stage: wizard.StageConfig, Active: true,
		WebhookKey: "wk-" + fx.name, Settings: map[string]string{}, Secrets: map[string]string{wizard.ItemStreamClientSecret: "s3cret-value"}}
	if st, _ := fx.body["ConfigStatus"].(string); st != "" && st != wizard.StageConfig {
		p.Stage, p.Active = st, false
	}
	if err := store.Create(context.Background(), p); err != nil {
		t.Fatalf("%s: seed profile: %v", fx.name, err)
	}
}

var guid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// check asserts what Linnworks needs of every answer: HTTP 200, JSON with a
// Content-Length that matches, IsError false on these well-formed events.
func check(t *testing.T, fx fixture, res []byte) map[string]any {
	t.Helper()
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res, &resp); err != nil {
		t.Fatalf("%s: response is not an API Gateway v2 response: %v", fx.name, err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("%s: HTTP %d", fx.name, resp.StatusCode)
	}
	if cl := resp.Headers["Content-Length"]; cl != strconv.Itoa(len(resp.Body)) {
		t.Errorf("%s: Content-Length %q for a %d-byte body", fx.name, cl, len(resp.Body))
	}
	var body map[string]any
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
		t.Fatalf("%s: body is not JSON: %v", fx.name, err)
	}
	if body["IsError"] != false {
		t.Fatalf("%s: IsError: %v", fx.name, body["ErrorMessage"])
	}
	if fx.fn == "AddNewUserFunction" {
		if tok, _ := body["AuthorizationToken"].(string); !guid.MatchString(tok) {
			t.Errorf("%s: AuthorizationToken %q is not a GUID", fx.name, tok)
		}
	}
	if strings.Contains(resp.Body, "s3cret-value") {
		t.Errorf("%s: the answer contains a secret", fx.name)
	}
	return body
}

// Every event goes through lambda.NewHandler on the local adapters, exactly
// as `make invoke` runs it.
func TestEveryEventOnLocalAdapters(t *testing.T) {
	for _, fx := range loadFixtures(t) {
		t.Run(fx.name, func(t *testing.T) {
			env, err := localenv.Open(t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)), localenv.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer env.Close()
			seed(t, env.Deps.Profiles, fx)
			h, err := env.Deps.Handler(fx.fn)
			if err != nil {
				t.Fatal(err)
			}
			res, err := lambda.NewHandler(httpadapter.NewV2(h).ProxyWithContext).Invoke(context.Background(), fx.payload)
			if err != nil {
				t.Fatal(err)
			}
			check(t, fx, res)
		})
	}
}

// Every event goes through the Lambda wiring of awsenv, on DynamoDB and KMS
// served by moto.
func TestEveryEventOnAWSAdapters(t *testing.T) {
	srv := mototest.Get(t)
	table := mototest.ProfilesTable(t)
	key := mototest.KMSKey(t)
	t.Setenv(dynamo.EnvProfilesTable, table)
	t.Setenv(kmssealer.EnvKeyID, key)
	t.Setenv("AWS_ENDPOINT_URL", srv.Endpoint())
	t.Setenv("AWS_ACCESS_KEY_ID", "testing")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "testing")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "eu-west-2")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))

	ctx := context.Background()
	deps, err := awsenv.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, fx := range loadFixtures(t) {
		t.Run(fx.name, func(t *testing.T) {
			if tok, _ := fx.body["AuthorizationToken"].(string); tok != "" {
				// Each fixture starts from its own profile state.
				_, err := srv.DynamoDB().DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table),
					Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: profile.ID(tok)}}})
				if err != nil {
					t.Fatal(err)
				}
			}
			seed(t, deps.Profiles, fx)
			h, err := awsenv.Handler(ctx, fx.fn)
			if err != nil {
				t.Fatal(err)
			}
			res, err := h.Invoke(ctx, fx.payload)
			if err != nil {
				t.Fatal(err)
			}
			body := check(t, fx, res)
			if fx.fn == "AddNewUserFunction" {
				tok := body["AuthorizationToken"].(string)
				out, err := srv.DynamoDB().GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table),
					Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: profile.ID(tok)}}})
				if err != nil || out.Item == nil {
					t.Fatalf("the new profile is not in DynamoDB: %v", err)
				}
				raw, _ := json.Marshal(out.Item)
				if bytes.Contains(raw, []byte(tok)) {
					t.Error("the DynamoDB item contains the AuthorizationToken")
				}
			}
		})
	}
}

func TestInvokeCommandPrintsTheAnswer(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), "UserConfigFunction", "../../events/userconfig.json", t.TempDir(), "", &out)
	if err != nil {
		t.Fatal(err)
	}
	// No profile has the fixture's token in a fresh data directory.
	if !strings.HasPrefix(out.String(), "HTTP 200\n") || !strings.Contains(out.String(), `"IsError": true`) ||
		!strings.Contains(out.String(), "Authorization failed") {
		t.Errorf("output:\n%s", out.String())
	}
	if err := run(context.Background(), "NoSuchFunction", "../../events/userconfig.json", t.TempDir(), "", &out); err == nil ||
		!strings.Contains(err.Error(), "unknown function") {
		t.Errorf("unknown function: %v", err)
	}
}

func TestWithTokenReplacesTheBodyToken(t *testing.T) {
	raw, err := os.ReadFile("../../events/userconfig.json")
	if err != nil {
		t.Fatal(err)
	}
	out, err := withToken(raw, "11111111-2222-3333-4444-555555555555")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(out, &ev); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(ev.Body, `"AuthorizationToken":"11111111-2222-3333-4444-555555555555"`) {
		t.Errorf("body = %s", ev.Body)
	}
	if _, err := withToken([]byte("nope"), "x"); err == nil {
		t.Error("withToken accepted a non-JSON event")
	}
}
