package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"linnstream/internal/awsenv"
	"linnstream/internal/awsenv/awsenvtest"
	"linnstream/internal/dynamo"
	"linnstream/internal/localenv"
	"linnstream/internal/mototest"
	"linnstream/internal/profile"
	"linnstream/internal/services"
	"linnstream/internal/sqsqueue"
	"linnstream/internal/stack"
	"linnstream/internal/stream"
	"linnstream/internal/streamsandbox"
	"linnstream/internal/wizard"
)

func TestMain(m *testing.M) {
	// Deployed functions reach Stream over https only. The Stream sandbox of
	// the AWS-adapter scenario serves TLS with httptest's certificate, which
	// this test process trusts as its only root (crypto/x509 reads
	// SSL_CERT_FILE when it first loads the system roots, and nothing has
	// used TLS before this point).
	tlsSrv := httptest.NewTLSServer(http.NotFoundHandler())
	pemFile, err := os.CreateTemp("", "sandbox-root-*.pem")
	if err != nil {
		panic(err)
	}
	pem.Encode(pemFile, &pem.Block{Type: "CERTIFICATE", Bytes: tlsSrv.Certificate().Raw})
	pemFile.Close()
	tlsSrv.Close()
	os.Setenv("SSL_CERT_FILE", pemFile.Name())
	code := mototest.Main(m)
	os.Remove(pemFile.Name())
	os.Exit(code)
}

// scenario is the order the events/ fixtures run in, as one Linnworks
// account's day: install, configure, list services, quote, print two labels,
// file a manifest and print it, cancel one label, uninstall. Every fixture
// must have its place here.
var scenario = []string{
	"addnewuser.json",
	"userconfig.json",
	"updateconfig-credentials-stage.json",
	"updateconfig-sender-stage.json",
	"updateconfig-labels-stage.json",
	"updateconfig-sync-stage.json",
	"updateconfig.json",
	"useravailableservices.json",
	"extendedpropertymapping.json",
	"quote.json",
	"generatelabel.json",
	"generatelabel-collection.json",
	"streamwebhook.json",
	"createmanifest.json",
	"printmanifest.json",
	"cancellabel.json",
	"configdeleted.json",
	"configdeleted-legacy-route.json",
	"identifiers.json",
}

// fixtureBase is the Stream API URL the fixtures' ServiceIds were made for:
// the sandbox of `make run` on its default address.
const fixtureBase = "http://127.0.0.1:3000/sandbox/stream/api"

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
	byName := map[string]fixture{}
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
			if ev.RequestContext.HTTP.Method != e.HTTPMethod() {
				continue
			}
			for _, p := range e.Paths {
				if routeMatches(p, ev.RawPath) {
					fx.fn = e.LogicalID
				}
			}
		}
		if fx.fn == "" {
			t.Fatalf("%s: no function serves %s %s", f, ev.RequestContext.HTTP.Method, ev.RawPath)
		}
		if ev.RequestContext.HTTP.Method == "POST" {
			if err := json.Unmarshal([]byte(ev.Body), &fx.body); err != nil {
				t.Fatalf("%s: body is not JSON: %v", f, err)
			}
			if cl := ev.Headers["content-length"]; cl != strconv.Itoa(len(ev.Body)) {
				t.Errorf("%s: content-length header %s for a %d-byte body", f, cl, len(ev.Body))
			}
		}
		if !slices.Contains(scenario, fx.name) {
			t.Errorf("%s has no place in the fixture scenario", fx.name)
		}
		seen[fx.fn] = true
		byName[fx.name] = fx
	}
	for _, e := range stack.Endpoints {
		if !seen[e.LogicalID] {
			t.Errorf("no event in events/ for %s", e.LogicalID)
		}
	}
	var out []fixture
	for _, name := range scenario {
		fx, ok := byName[name]
		if !ok {
			t.Fatalf("scenario names %s, which is not in events/", name)
		}
		out = append(out, fx)
	}
	return out
}

// world is what a scenario runs against: a Stream sandbox and a store.
type world struct {
	t        *testing.T
	sandbox  *httptest.Server
	store    profile.Store
	seeded   map[string]bool
	rewrites map[string]string // fixture text → value for this run
	webhooks int               // webhook deliveries the receiver accepted
}

func newWorld(t *testing.T, store profile.Store, withTLS bool) *world {
	t.Helper()
	sb := httptest.NewUnstartedServer(streamsandbox.New(streamsandbox.Options{}))
	if withTLS {
		sb.StartTLS()
	} else {
		sb.Start()
	}
	t.Cleanup(sb.Close)
	w := &world{t: t, sandbox: sb, store: store, seeded: map[string]bool{}, rewrites: map[string]string{}}
	// The fixtures' Stream URL and ServiceIds belong to the sandbox on make
	// run's address; map them to this sandbox's.
	w.rewrites[fixtureBase] = w.account().BaseURL
	for _, d := range streamsandbox.DefaultDepots() {
		for _, m := range d.DeliveryMethods {
			from := services.ServiceID(stream.Account{BaseURL: fixtureBase, ClientID: streamsandbox.DefaultClientID}, stream.ID(d.ID), stream.ID(m.ID))
			w.rewrites[from] = services.ServiceID(w.account(), stream.ID(d.ID), stream.ID(m.ID))
		}
	}
	return w
}

func (w *world) account() stream.Account {
	return stream.Account{BaseURL: w.sandbox.URL + "/api", ClientID: streamsandbox.DefaultClientID, ClientSecret: streamsandbox.DefaultClientSecret}
}

// seed stores the profile a fixture's AuthorizationToken names the first
// time it appears: at the stage its ConfigStatus expects, or configured
// against this world's sandbox.
func (w *world) seed(fx fixture) {
	w.t.Helper()
	if fx.fn == "StreamWebhookFunction" {
		w.seedWebhookProfile(fx)
		return
	}
	token, _ := fx.body["AuthorizationToken"].(string)
	if token == "" || w.seeded[token] {
		return
	}
	w.seeded[token] = true
	p := &profile.Profile{ID: profile.ID(token), Stage: wizard.StageConfig, Active: true, WebhookKey: "wk-" + fx.name,
		Settings: map[string]string{
			wizard.ItemStreamAPIURL: w.account().BaseURL, wizard.ItemStreamClientID: streamsandbox.DefaultClientID,
			wizard.ItemPartnerID: "EXW01", wizard.ItemPartnerName: "Example", wizard.ItemSenderContactName: "Dispatch",
			wizard.ItemSenderCompany: "Example Warehouse Ltd", "SENDER_ADDRESS_1": "Unit 4, Aire Valley Park",
			wizard.ItemSenderCity: "Leeds", wizard.ItemSenderRegion: "West Yorkshire", wizard.ItemSenderCountry: "GB",
			wizard.ItemSenderPostcode: "LS12 2DU", wizard.ItemSenderPhone: "+44 113 496 0000",
		},
		Secrets: map[string]string{wizard.ItemStreamClientSecret: streamsandbox.DefaultClientSecret}}
	if st, _ := fx.body["ConfigStatus"].(string); st != "" && st != wizard.StageConfig {
		p.Stage, p.Active = st, false
	}
	if err := w.store.Create(context.Background(), p); err != nil {
		w.t.Fatalf("%s: seed profile: %v", fx.name, err)
	}
}

// webhookFixtureKey is the webhook key in the path of events/streamwebhook.json.
const webhookFixtureKey = "5b1e0c7d9a3f4e2b8c6d0a1f3e5b7c9d2f4a6b8c0e1d3f5a7b9c2e4d6f8a0b1c"

// seedWebhookProfile stores the configured profile, webhooks on, whose
// webhook key the receiver's fixture names.
func (w *world) seedWebhookProfile(fx fixture) {
	w.t.Helper()
	if !strings.Contains(string(fx.payload), webhookFixtureKey) {
		w.t.Fatalf("%s does not name the webhook key %s", fx.name, webhookFixtureKey)
	}
	if w.seeded[webhookFixtureKey] {
		return
	}
	w.seeded[webhookFixtureKey] = true
	p := &profile.Profile{ID: profile.ID("webhook-fixture"), Stage: wizard.StageConfig, Active: true, WebhookKey: webhookFixtureKey,
		Settings: map[string]string{wizard.ItemStreamAPIURL: w.account().BaseURL, wizard.ItemStreamClientID: streamsandbox.DefaultClientID,
			wizard.ItemWebhooksEnabled: "true"},
		Secrets: map[string]string{wizard.ItemStreamClientSecret: streamsandbox.DefaultClientSecret, wizard.SecretWebhookAuthHeader: "fixture-auth"}}
	if err := w.store.Create(context.Background(), p); err != nil {
		w.t.Fatalf("%s: seed profile: %v", fx.name, err)
	}
}

func (w *world) payload(fx fixture) []byte {
	s := string(fx.payload)
	for from, to := range w.rewrites {
		s = strings.ReplaceAll(s, from, to)
	}
	if s == string(fx.payload) {
		return fx.payload
	}
	// The body changed: drop its recorded length.
	var ev map[string]any
	if err := json.Unmarshal([]byte(s), &ev); err != nil {
		w.t.Fatal(err)
	}
	delete(ev["headers"].(map[string]any), "content-length")
	out, _ := json.Marshal(ev)
	return out
}

// routeMatches reports whether an API Gateway route such as
// /identifiers/{name} matches a request path.
func routeMatches(route, path string) bool {
	r, p := strings.Split(route, "/"), strings.Split(path, "/")
	if len(r) != len(p) {
		return false
	}
	for i := range r {
		if r[i] != p[i] && !(strings.HasPrefix(r[i], "{") && strings.HasSuffix(r[i], "}") && p[i] != "") {
			return false
		}
	}
	return true
}

var guid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// check asserts what Linnworks needs of every answer (HTTP 200, JSON with a
// matching Content-Length, IsError false on these well-formed events) and
// what each endpoint must give.
func (w *world) check(fx fixture, res []byte) {
	t := w.t
	t.Helper()
	var resp events.APIGatewayV2HTTPResponse
	if err := json.Unmarshal(res, &resp); err != nil {
		t.Fatalf("%s: response is not an API Gateway v2 response: %v", fx.name, err)
	}
	if resp.StatusCode != 200 {
		t.Fatalf("%s: HTTP %d", fx.name, resp.StatusCode)
	}
	if fx.fn == "StreamWebhookFunction" {
		if resp.Body != "{}" {
			t.Errorf("%s: answer %s, want {}", fx.name, resp.Body)
		}
		w.webhooks++
		return
	}
	if fx.fn == "IdentifiersFunction" {
		png, err := base64.StdEncoding.DecodeString(resp.Body)
		if !resp.IsBase64Encoded || err != nil || !bytes.HasPrefix(png, []byte("\x89PNG")) ||
			resp.Headers["Content-Type"] != "image/png" {
			t.Errorf("%s: not a PNG answer: base64 %v, %s", fx.name, resp.IsBase64Encoded, resp.Headers)
		}
		if cl := resp.Headers["Content-Length"]; cl != strconv.Itoa(len(png)) {
			t.Errorf("%s: Content-Length %q for a %d-byte image", fx.name, cl, len(png))
		}
		return
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
	if strings.Contains(resp.Body, streamsandbox.DefaultClientSecret) {
		t.Errorf("%s: the answer contains the Stream client secret", fx.name)
	}
	switch fx.fn {
	case "AddNewUserFunction":
		if tok, _ := body["AuthorizationToken"].(string); !guid.MatchString(tok) {
			t.Errorf("%s: AuthorizationToken %q is not a GUID", fx.name, tok)
		}
	case "UserAvailableServicesFunction":
		if svcs, _ := body["Services"].([]any); len(svcs) != 6 {
			t.Errorf("%s: %d services, want the sandbox's 6", fx.name, len(svcs))
		}
	case "GenerateLabelFunction":
		pkgs, _ := body["Package"].([]any)
		want := len(fx.body["Packages"].([]any))
		if len(pkgs) != want {
			t.Fatalf("%s: %d packages answered, want %d", fx.name, len(pkgs), want)
		}
		for _, p := range pkgs {
			png, _ := base64.StdEncoding.DecodeString(p.(map[string]any)["PNGLabelDataBase64"].(string))
			if !bytes.HasPrefix(png, []byte("\x89PNG")) {
				t.Errorf("%s: a package has no PNG label", fx.name)
			}
		}
	case "CreateManifestFunction":
		ref, _ := body["ManifestReference"].(string)
		if ref == "" {
			t.Fatalf("%s: no ManifestReference", fx.name)
		}
		// PrintManifest asks for the manifest this run filed.
		w.rewrites["STRM-20261122-001"] = ref
	case "PrintManifestFunction":
		pdf, _ := base64.StdEncoding.DecodeString(body["PDFbase64"].(string))
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
			t.Errorf("%s: PDFbase64 is not a PDF", fx.name)
		}
	}
}

// streamOrders returns the sandbox's stored orders by orderNo with their
// status.
func (w *world) streamOrders() map[string]string {
	w.t.Helper()
	res, err := w.sandbox.Client().Get(w.sandbox.URL + "/admin/orders")
	if err != nil {
		w.t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Orders []struct {
			OrderNo     string `json:"orderNo"`
			OrderStatus string `json:"orderStatus"`
		} `json:"orders"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		w.t.Fatal(err)
	}
	got := map[string]string{}
	for _, o := range out.Orders {
		got[o.OrderNo] = o.OrderStatus
	}
	return got
}

// run plays the scenario through invoke(fn, payload) and checks what ends
// up in Stream: the two labelled orders, one of them cancelled.
func (w *world) run(invoke func(fn string, payload []byte) []byte) {
	for _, fx := range loadFixtures(w.t) {
		w.seed(fx)
		w.check(fx, invoke(fx.fn, w.payload(fx)))
	}
	got := w.streamOrders()
	if len(got) != 2 || got["100234"] == "" || got["100235"] != "CANCELLED" {
		w.t.Errorf("Stream orders after the scenario = %v, want 100234 live and 100235 cancelled", got)
	}
}

// Every event goes through lambda.NewHandler on the local adapters, exactly
// as `make invoke` runs it.
func TestEventScenarioOnLocalAdapters(t *testing.T) {
	env, err := localenv.Open(t.TempDir(), slog.New(slog.NewTextHandler(io.Discard, nil)), localenv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	w := newWorld(t, env.Deps.Profiles, false)
	w.run(func(fn string, payload []byte) []byte {
		h, err := env.Deps.Handler(fn)
		if err != nil {
			t.Fatal(err)
		}
		res, err := lambda.NewHandler(httpadapter.NewV2(h).ProxyWithContext).Invoke(context.Background(), payload)
		if err != nil {
			t.Fatal(err)
		}
		return res
	})
	// No consumer is plugged in, so the messages of the two labels, of the
	// webhook and of the cancelled label wait.
	if st := env.WriteBack.Stats(); w.webhooks != 1 || st.Sent != 4 || st.Waiting != 4 {
		t.Errorf("after 2 labels, %d webhook(s) and a cancel the write-back queue holds %+v, want four messages waiting", w.webhooks, st)
	}
}

// Every event goes through the Lambda wiring of awsenv, on DynamoDB and KMS
// served by moto: each function builds its own dependencies, as each Lambda
// does.
func TestEventScenarioOnAWSAdapters(t *testing.T) {
	srv := mototest.Get(t)
	table := awsenvtest.Env(t, srv).Profiles
	queueURL := mototest.WriteBackQueue(t)
	t.Setenv(sqsqueue.EnvWriteBackQueueURL, queueURL)

	ctx := context.Background()
	deps, err := awsenv.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	w := newWorld(t, deps.Profiles, true)
	rec := &recorder{tables: map[string]string{table: "ProfilesTable", os.Getenv(dynamo.EnvShipmentsTable): "ShipmentsTable"},
		keyLogical: "SecretsKey", queues: map[string]string{queueURL: "WriteBackQueue"}, seen: map[string]map[grant]bool{}}
	var newToken string
	w.run(func(fn string, payload []byte) []byte {
		rec.start(fn)
		h, err := awsenv.Handler(ctx, fn, rec.option())
		if err != nil {
			t.Fatal(err)
		}
		res, err := h.Invoke(ctx, payload)
		if err != nil {
			t.Fatal(err)
		}
		if fn == "AddNewUserFunction" {
			var resp events.APIGatewayV2HTTPResponse
			json.Unmarshal(res, &resp)
			var body struct{ AuthorizationToken string }
			json.Unmarshal([]byte(resp.Body), &body)
			newToken = body.AuthorizationToken
		}
		return res
	})
	out, err := srv.DynamoDB().GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: profile.ID(newToken)}}})
	if err != nil || out.Item == nil {
		t.Fatalf("the profile AddNewUser created is not in DynamoDB: %v", err)
	}
	raw, _ := json.Marshal(out.Item)
	if bytes.Contains(raw, []byte(newToken)) {
		t.Error("the DynamoDB item contains the AuthorizationToken")
	}
	got, err := srv.SQS().ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(queueURL), MaxNumberOfMessages: 10})
	var bodies []string
	if err == nil {
		for _, m := range got.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
		}
	}
	if err != nil || w.webhooks != 1 || !slices.ContainsFunc(bodies, func(b string) bool { return strings.Contains(b, `"ref":"CN0100234"`) }) {
		t.Errorf("the webhook's write-back message is not on the queue: %v, %q", err, bodies)
	}
	checkPolicies(t, rec)
}

func TestInvokeCommandPrintsTheAnswer(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), options{fn: "UserConfigFunction", event: "../../events/userconfig.json", dataDir: t.TempDir()}, &out, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	// No profile has the fixture's token in a fresh data directory.
	if !strings.HasPrefix(out.String(), "HTTP 200\n") || !strings.Contains(out.String(), `"IsError": true`) ||
		!strings.Contains(out.String(), "Authorization failed") {
		t.Errorf("output:\n%s", out.String())
	}
	if err := run(context.Background(), options{fn: "NoSuchFunction", event: "../../events/userconfig.json", dataDir: t.TempDir()}, &out, io.Discard); err == nil ||
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
