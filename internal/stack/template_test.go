package stack

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"linnstream/internal/mototest"
	"linnstream/internal/shipping"
	"linnstream/internal/sqsqueue"
	"linnstream/internal/stack/stacktest"
)

// repoRoot is where template.yaml, the Makefile and functions/ live.
const repoRoot = "../.."

func TestTemplatePassesCfnLint(t *testing.T) {
	lint := stacktest.NeedTool(t, "cfn-lint")
	out, err := exec.Command(lint, filepath.Join(repoRoot, "template.yaml")).CombinedOutput()
	if err != nil {
		t.Fatalf("cfn-lint template.yaml: %v\n%s", err, out)
	}
}

// transformed is template.yaml as written and as CloudFormation.
func transformed(t *testing.T) (source, out stacktest.Template) {
	t.Helper()
	return stacktest.Transform(t, repoRoot)
}

func TestTransformedTemplateInvariants(t *testing.T) {
	src, out := transformed(t)

	functions := map[string]bool{}
	for id, r := range src.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		functions[id] = true
		if r.Metadata["BuildMethod"] != "makefile" {
			t.Errorf("%s: Metadata.BuildMethod = %v, want makefile", id, r.Metadata["BuildMethod"])
		}
	}
	if len(functions) == 0 {
		t.Fatal("the template has no functions")
	}

	workers := map[string]bool{}
	for _, w := range Workers {
		workers[w.LogicalID] = true
	}
	for id := range functions {
		r, ok := out.Resources[id]
		if !ok || r.Type != "AWS::Lambda::Function" {
			t.Errorf("%s did not become an AWS::Lambda::Function", id)
			continue
		}
		p := r.Properties
		if p["Runtime"] != "provided.al2023" {
			t.Errorf("%s: Runtime = %v", id, p["Runtime"])
		}
		if a, _ := p["Architectures"].([]any); len(a) != 1 || a[0] != "arm64" {
			t.Errorf("%s: Architectures = %v, want [arm64]", id, p["Architectures"])
		}
		if p["Handler"] != "bootstrap" {
			t.Errorf("%s: Handler = %v", id, p["Handler"])
		}
		to, _ := p["Timeout"].(float64)
		if workers[id] {
			// Behind no API Gateway: checked with its queue below.
		} else if to <= 0 || to >= 30 {
			t.Errorf("%s: Timeout = %v, want below API Gateway's 30 s", id, p["Timeout"])
		}
		if !workers[id] && time.Duration(to*float64(time.Second)) <= shipping.DefaultTimeout {
			t.Errorf("%s: Timeout = %v s, not above the handlers' own %v deadline, so Lambda would cut them before they answer",
				id, p["Timeout"], shipping.DefaultTimeout)
		}
		if lc, _ := p["LoggingConfig"].(map[string]any); lc["LogFormat"] != "JSON" {
			t.Errorf("%s: LoggingConfig = %v, want JSON logs", id, p["LoggingConfig"])
		}
	}

	tables := map[string]bool{}
	for id, r := range out.Resources {
		if r.Type == "AWS::DynamoDB::Table" {
			tables[id] = true
			p := r.Properties
			if pitr, _ := p["PointInTimeRecoverySpecification"].(map[string]any); pitr["PointInTimeRecoveryEnabled"] != true {
				t.Errorf("table %s: point-in-time recovery is off", id)
			}
			if sse, _ := p["SSESpecification"].(map[string]any); sse["SSEEnabled"] != true {
				t.Errorf("table %s: encryption at rest is off", id)
			}
			if ttl, _ := p["TimeToLiveSpecification"].(map[string]any); ttl["AttributeName"] != "expiresAt" || ttl["Enabled"] != true {
				t.Errorf("table %s: TTL = %v, want expiresAt enabled", id, p["TimeToLiveSpecification"])
			}
			if p["BillingMode"] != "PAY_PER_REQUEST" {
				t.Errorf("table %s: BillingMode = %v", id, p["BillingMode"])
			}
		}
	}
	for _, want := range []string{"ProfilesTable", "ShipmentsTable"} {
		if !tables[want] {
			t.Errorf("missing table %s", want)
		}
	}

	// No policy grants a wildcard action, and nothing touching a table
	// grants more than named DynamoDB actions.
	for id, r := range out.Resources {
		if r.Type != "AWS::IAM::Role" {
			continue
		}
		for _, g := range grants(r.Properties) {
			if strings.Contains(g.action, "*") {
				t.Errorf("role %s grants wildcard action %q", id, g.action)
			}
			if strings.Contains(g.resource, `"*"`) {
				t.Errorf("role %s grants %s on every resource", id, g.action)
			}
		}
	}
}

// The tables the template creates are the ones the adapters are tested on:
// the same keys, indexes and TTL attribute as mototest builds.
func TestTemplateTablesMatchTheAdapters(t *testing.T) {
	_, out := transformed(t)
	type index struct{ name, key string }
	want := map[string]struct {
		keys    []string
		indexes []index
	}{
		"ProfilesTable": {[]string{mototest.AttrPK}, []index{
			{mototest.WebhookHashIndex, mototest.AttrWebhookHash}, {mototest.WebhookKeyIndex, mototest.AttrWebhookKey}, {mototest.SyncingIndex, mototest.AttrSyncing}}},
		"ShipmentsTable": {[]string{mototest.AttrPK, mototest.AttrSK}, []index{{mototest.StreamOrderIndex, mototest.AttrStreamOrder}, {mototest.OpenIndex, mototest.AttrOpenProfile}}},
	}
	for id, w := range want {
		p := out.Resources[id].Properties
		raw, _ := json.Marshal(p)
		var tbl struct {
			KeySchema []struct{ AttributeName, KeyType string }
			GSIs      []struct {
				IndexName string
				KeySchema []struct{ AttributeName, KeyType string }
			} `json:"GlobalSecondaryIndexes"`
			TTL struct{ AttributeName string } `json:"TimeToLiveSpecification"`
		}
		if err := json.Unmarshal(raw, &tbl); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, k := range tbl.KeySchema {
			keys = append(keys, k.AttributeName)
		}
		if !slices.Equal(keys, w.keys) {
			t.Errorf("%s keys = %v, want %v", id, keys, w.keys)
		}
		var idx []index
		for _, g := range tbl.GSIs {
			idx = append(idx, index{g.IndexName, g.KeySchema[0].AttributeName})
		}
		if !slices.Equal(idx, w.indexes) {
			t.Errorf("%s indexes = %v, want %v", id, idx, w.indexes)
		}
		if tbl.TTL.AttributeName != mototest.AttrExpiresAt {
			t.Errorf("%s TTL attribute = %q, want %q", id, tbl.TTL.AttributeName, mototest.AttrExpiresAt)
		}
	}
}

func asStrings(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func TestEveryEndpointIsRoutedAndPublished(t *testing.T) {
	src, _ := transformed(t)
	for _, e := range Endpoints {
		r, ok := src.Resources[e.LogicalID]
		if !ok {
			t.Errorf("%s: no function %s in template.yaml", e.Contract, e.LogicalID)
			continue
		}
		var routes []string
		events, _ := r.Properties["Events"].(map[string]any)
		for _, ev := range events {
			ev := ev.(map[string]any)
			if ev["Type"] != "HttpApi" {
				continue
			}
			p := ev["Properties"].(map[string]any)
			routes = append(routes, p["Method"].(string)+" "+p["Path"].(string))
		}
		for _, path := range e.Paths {
			if !slices.Contains(routes, e.HTTPMethod()+" "+path) {
				t.Errorf("%s: template routes %v, missing %s %s", e.LogicalID, routes, e.HTTPMethod(), path)
			}
		}
		if len(routes) != len(e.Paths) {
			t.Errorf("%s: template routes %v, stack lists %v", e.LogicalID, routes, e.Paths)
		}
		if e.ManifestParam == "" {
			continue
		}
		o, ok := src.Outputs[e.ManifestParam]
		if !ok {
			t.Errorf("no output %s", e.ManifestParam)
			continue
		}
		sub, _ := o.Value.(map[string]any)["Fn::Sub"].(string)
		if !strings.HasSuffix(sub, e.Paths[0]) {
			t.Errorf("output %s = %q, want the URL of %s", e.ManifestParam, sub, e.Paths[0])
		}
	}
}

func TestEveryFunctionHasABuildTarget(t *testing.T) {
	src, _ := transformed(t)
	dirs := map[string]string{}
	for _, e := range Endpoints {
		dirs[e.LogicalID] = e.Dir()
	}
	for _, w := range Workers {
		dirs[w.LogicalID] = w.Dir
	}
	for id, r := range src.Resources {
		if r.Type != "AWS::Serverless::Function" {
			continue
		}
		dir, ok := dirs[id]
		if !ok {
			t.Errorf("function %s is not in stack.Endpoints or stack.Workers", id)
			continue
		}
		if _, err := os.Stat(filepath.Join(repoRoot, dir, "main.go")); err != nil {
			t.Errorf("%s: %v", id, err)
		}
		cmd := exec.Command("make", "-n", "-C", repoRoot, "build-"+id, "ARTIFACTS_DIR=/tmp/artifacts-"+id)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("make -n build-%s: %v\n%s", id, err, out)
			continue
		}
		want := regexp.MustCompile(`go build .*-o /tmp/artifacts-` + id + `/bootstrap .*\./` + regexp.QuoteMeta(dir))
		if !want.Match(out) {
			t.Errorf("make -n build-%s does not build ./%s into $(ARTIFACTS_DIR)/bootstrap:\n%s", id, dir, out)
		}
		if !strings.Contains(string(out), "GOARCH=arm64") || !strings.Contains(string(out), "lambda.norpc") {
			t.Errorf("build-%s is not an arm64 lambda.norpc build:\n%s", id, out)
		}
	}
}

// consumerTimeout is the write-back consumer's function timeout; AWS advises
// a queue visibility timeout of six times it.
const consumerTimeout = 60

func TestWriteBackQueueIsFIFOWithDeadLetterQueueAndAlarm(t *testing.T) {
	src, out := transformed(t)
	q, ok := out.Resources["WriteBackQueue"]
	if !ok || q.Type != "AWS::SQS::Queue" {
		t.Fatal("no WriteBackQueue")
	}
	p := q.Properties
	name, _ := p["QueueName"].(map[string]any)["Fn::Sub"].(string)
	if p["FifoQueue"] != true || p["ContentBasedDeduplication"] != false || !strings.HasSuffix(name, ".fifo") {
		t.Errorf("WriteBackQueue FifoQueue %v, ContentBasedDeduplication %v, name %q: want FIFO without content-based de-duplication",
			p["FifoQueue"], p["ContentBasedDeduplication"], name)
	}
	if p["VisibilityTimeout"] != float64(6*consumerTimeout) {
		t.Errorf("WriteBackQueue VisibilityTimeout = %v, want %d", p["VisibilityTimeout"], 6*consumerTimeout)
	}
	rp, _ := p["RedrivePolicy"].(map[string]any)
	target, _ := json.Marshal(rp["deadLetterTargetArn"])
	if rp["maxReceiveCount"] != float64(5) || string(target) != `{"Fn::GetAtt":["WriteBackDeadLetterQueue","Arn"]}` {
		t.Errorf("WriteBackQueue RedrivePolicy = %v, want WriteBackDeadLetterQueue after 5 receives", rp)
	}
	dlq, ok := out.Resources["WriteBackDeadLetterQueue"]
	if !ok || dlq.Properties["FifoQueue"] != true {
		t.Fatal("WriteBackDeadLetterQueue is missing or not FIFO (a FIFO queue's dead-letter queue must be FIFO)")
	}
	for id, r := range out.Resources {
		if r.Type != "AWS::SQS::Queue" {
			continue
		}
		if r.Properties["SqsManagedSseEnabled"] != true {
			t.Errorf("queue %s is not encrypted at rest", id)
		}
	}

	var alarmed bool
	for _, r := range out.Resources {
		if r.Type != "AWS::CloudWatch::Alarm" {
			continue
		}
		ap := r.Properties
		dims, _ := json.Marshal(ap["Dimensions"])
		if ap["Namespace"] == "AWS/SQS" && ap["MetricName"] == "ApproximateNumberOfMessagesVisible" &&
			ap["ComparisonOperator"] == "GreaterThanThreshold" && ap["Threshold"] == float64(0) &&
			strings.Contains(string(dims), `"WriteBackDeadLetterQueue","QueueName"`) {
			alarmed = true
		}
	}
	if !alarmed {
		t.Error("no alarm fires when WriteBackDeadLetterQueue holds a message")
	}

	if o, ok := src.Outputs["WebhookBaseUrl"]; !ok || !strings.HasSuffix(o.Value.(map[string]any)["Fn::Sub"].(string), "/stream/webhook") {
		t.Errorf("output WebhookBaseUrl = %v, want the receiver's base URL", src.Outputs["WebhookBaseUrl"])
	}
}

// Only the producers of write-backs (the receiver, GenerateLabel and the
// dispatch poll) may send to the write-back queue, and they may do nothing
// else there; only the consumer may receive from it, and it may send
// nothing.
func TestOnlyProducersSendToTheWriteBackQueue(t *testing.T) {
	_, out := transformed(t)
	for id, r := range out.Resources {
		if r.Type != "AWS::IAM::Role" {
			continue
		}
		var sqsActions []string
		for _, g := range grants(r.Properties) {
			// The order sync's own queue is checked with its wiring.
			if strings.Contains(g.resource, "WriteBackQueue") && strings.HasPrefix(g.action, "sqs:") {
				sqsActions = append(sqsActions, g.String())
			}
		}
		want := []string(nil)
		switch id {
		case "StreamWebhookFunctionRole", "GenerateLabelFunctionRole", "CancelLabelFunctionRole", "DispatchPollFunctionRole":
			want = []string{`sqs:SendMessage on {"Fn::GetAtt":["WriteBackQueue","Arn"]}`}
		case "WriteBackFunctionRole":
			for _, a := range consumerSQSActions {
				want = append(want, a+` on {"Fn::GetAtt":["WriteBackQueue","Arn"]}`)
			}
		}
		if !slices.Equal(sqsActions, want) {
			t.Errorf("%s SQS permissions %v, want %v", id, sqsActions, want)
		}
	}
	for _, id := range []string{"StreamWebhookFunction", "GenerateLabelFunction", "CancelLabelFunction", "DispatchPollFunction"} {
		env, _ := json.Marshal(out.Resources[id].Properties["Environment"])
		if !strings.Contains(string(env), `"WRITEBACK_QUEUE_URL":{"Ref":"WriteBackQueue"}`) {
			t.Errorf("%s environment %s does not name the write-back queue", id, env)
		}
	}
}

// The order sync runs as the issue describes: a schedule (a stack
// parameter, every 5 minutes by default) starts the scheduler; the FIFO
// sync queue, whose visibility outlasts six worker timeouts, feeds the
// worker with partial batch responses; a job failing 5 receives goes to a
// FIFO dead-letter queue with an alarm; the scheduler may only query the
// sparse index and send to the queue.
func TestOrderSyncWiring(t *testing.T) {
	src, out := transformed(t)
	if d := src.Parameters["SyncSchedule"]; d["Default"] != "rate(5 minutes)" {
		t.Errorf("SyncSchedule parameter = %v, want default rate(5 minutes)", src.Parameters["SyncSchedule"])
	}
	props := func(id string) map[string]any {
		r, ok := out.Resources[id]
		if !ok {
			t.Fatalf("no resource %s", id)
		}
		return r.Properties
	}
	q, dlq := props("SyncQueue"), props("SyncDeadLetterQueue")
	if q["FifoQueue"] != true || dlq["FifoQueue"] != true {
		t.Errorf("sync queues are not FIFO: %v %v", q["FifoQueue"], dlq["FifoQueue"])
	}
	rp, _ := q["RedrivePolicy"].(map[string]any)
	if n, _ := rp["maxReceiveCount"].(float64); n != 5 {
		t.Errorf("RedrivePolicy = %v, want maxReceiveCount 5", rp)
	}
	if raw, _ := json.Marshal(props("SyncDeadLetterAlarm")); !strings.Contains(string(raw), "SyncDeadLetterQueue") {
		t.Errorf("the alarm does not watch the dead-letter queue: %s", raw)
	}
	worker := props("SyncWorkerFunction")
	to, _ := worker["Timeout"].(float64)
	if vis, _ := q["VisibilityTimeout"].(float64); to <= 0 || vis < 6*to {
		t.Errorf("worker timeout %v s, queue visibility %v s: want visibility at least six timeouts", to, q["VisibilityTimeout"])
	}
	mapping := eventSource(t, out, "SyncQueue")
	if raw, _ := json.Marshal(mapping); !strings.Contains(string(raw), "ReportBatchItemFailures") || !strings.Contains(string(raw), "SyncWorkerFunction") {
		t.Errorf("the worker's SQS event source = %s, want the sync queue with ReportBatchItemFailures", raw)
	}
	schedule := scheduleOf(out, "SyncSchedulerFunction")
	if raw, _ := json.Marshal(schedule); !strings.Contains(string(raw), "SyncSchedule") || !strings.Contains(string(raw), "SyncSchedulerFunction") {
		t.Errorf("schedule = %s, want SyncSchedule starting the scheduler", raw)
	}
	var actions []string
	for id, r := range out.Resources {
		if r.Type != "AWS::IAM::Role" || !strings.HasPrefix(id, "SyncSchedulerFunction") {
			continue
		}
		raw, _ := json.Marshal(r.Properties["Policies"])
		for _, a := range []string{"dynamodb:Query", "sqs:SendMessage", "dynamodb:PutItem", "dynamodb:Scan", "kms:Decrypt"} {
			if strings.Contains(string(raw), a) {
				actions = append(actions, a)
			}
		}
	}
	if !slices.Equal(actions, []string{"dynamodb:Query", "sqs:SendMessage"}) {
		t.Errorf("the scheduler's role grants %v, want only dynamodb:Query and sqs:SendMessage", actions)
	}
}

// No role may poll every queue of the account: SAM's SQS event adds the
// managed AWSLambdaSQSQueueExecutionRole (Resource "*") to a function's
// generated role, so each queue's consumer has a role of its own granting
// the consumer's actions on its queue alone.
func TestNoRolePollsEveryQueue(t *testing.T) {
	_, out := transformed(t)
	for id, r := range out.Resources {
		if r.Type != "AWS::IAM::Role" {
			continue
		}
		if managed, _ := json.Marshal(r.Properties["ManagedPolicyArns"]); strings.Contains(string(managed), "SQS") {
			t.Errorf("%s has managed policies %s: a queue's consumer may poll its own queue only", id, managed)
		}
	}
	for fn, queue := range map[string]string{"SyncWorkerFunction": "SyncQueue", "WriteBackFunction": "WriteBackQueue"} {
		role := fn + "Role"
		if got, _ := json.Marshal(out.Resources[fn].Properties["Role"]); string(got) != `{"Fn::GetAtt":["`+role+`","Arn"]}` {
			t.Errorf("%s Role = %s, want %s", fn, got, role)
		}
		var polled []string
		for _, g := range grants(out.Resources[role].Properties) {
			if strings.HasPrefix(g.action, "sqs:") {
				polled = append(polled, g.String())
			}
		}
		var want []string
		for _, a := range consumerSQSActions {
			want = append(want, a+` on {"Fn::GetAtt":["`+queue+`","Arn"]}`)
		}
		if !slices.Equal(polled, want) {
			t.Errorf("%s grants %v, want %v", role, polled, want)
		}
	}
}

// grant is one action a statement of a role's inline policies allows (or
// denies) on its resource, written as JSON.
type grant struct {
	allow            bool
	action, resource string
}

func (g grant) String() string { return g.action + " on " + g.resource }

// grants lists the actions of a role's inline policies, statement by
// statement.
func grants(role map[string]any) []grant {
	var out []grant
	policies, _ := role["Policies"].([]any)
	for _, pol := range policies {
		doc, _ := pol.(map[string]any)["PolicyDocument"].(map[string]any)
		stmts, _ := doc["Statement"].([]any)
		for _, s := range stmts {
			st := s.(map[string]any)
			res, _ := json.Marshal(st["Resource"])
			for _, a := range asStrings(st["Action"]) {
				out = append(out, grant{allow: st["Effect"] == "Allow", action: a, resource: string(res)})
			}
		}
	}
	return out
}

// grantList is grants written "action on resource", sorted.
func grantList(role map[string]any) []string {
	var out []string
	for _, g := range grants(role) {
		out = append(out, g.String())
	}
	slices.Sort(out)
	return out
}

// consumerSQSActions are what Lambda's SQS event source needs of the queue
// it polls.
var consumerSQSActions = []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"}

// eventSource returns the properties of the SQS event source mapping of
// the queue with the logical id.
func eventSource(t *testing.T, out stacktest.Template, queue string) map[string]any {
	t.Helper()
	var found []map[string]any
	for _, r := range out.Resources {
		if r.Type != "AWS::Lambda::EventSourceMapping" {
			continue
		}
		if src, _ := json.Marshal(r.Properties["EventSourceArn"]); string(src) == `{"Fn::GetAtt":["`+queue+`","Arn"]}` {
			found = append(found, r.Properties)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d event source mappings read %s, want 1", len(found), queue)
	}
	return found[0]
}

// The write-back consumer is its own function: fed by the write-back queue
// in batches of ten with partial batch responses, the queue's visibility
// timeout six times the function's, and a role that may poll that queue
// alone (no managed policy granting every queue of the account), read and
// write the profiles and shipments it needs and use the secrets key.
func TestWriteBackConsumerWiring(t *testing.T) {
	_, out := transformed(t)
	fn, ok := out.Resources["WriteBackFunction"]
	if !ok || fn.Type != "AWS::Lambda::Function" {
		t.Fatal("no WriteBackFunction")
	}
	if to, _ := fn.Properties["Timeout"].(float64); to != consumerTimeout {
		t.Errorf("WriteBackFunction Timeout = %v, want %d", fn.Properties["Timeout"], consumerTimeout)
	}
	if vis, _ := out.Resources["WriteBackQueue"].Properties["VisibilityTimeout"].(float64); vis < 6*consumerTimeout {
		t.Errorf("WriteBackQueue VisibilityTimeout = %v, want at least six function timeouts", vis)
	}
	m := eventSource(t, out, "WriteBackQueue")
	if name, _ := json.Marshal(m["FunctionName"]); string(name) != `{"Ref":"WriteBackFunction"}` {
		t.Errorf("the write-back queue feeds %s, want WriteBackFunction", name)
	}
	if m["BatchSize"] != float64(10) || !slices.Equal(asStrings(m["FunctionResponseTypes"]), []string{"ReportBatchItemFailures"}) {
		t.Errorf("event source BatchSize %v, FunctionResponseTypes %v: want 10 and [ReportBatchItemFailures]", m["BatchSize"], m["FunctionResponseTypes"])
	}
	if role, _ := json.Marshal(fn.Properties["Role"]); string(role) != `{"Fn::GetAtt":["WriteBackFunctionRole","Arn"]}` {
		t.Errorf("WriteBackFunction Role = %s, want WriteBackFunctionRole", role)
	}

	role, ok := out.Resources["WriteBackFunctionRole"]
	if !ok {
		t.Fatal("no WriteBackFunctionRole")
	}
	managed, _ := json.Marshal(role.Properties["ManagedPolicyArns"])
	if strings.Contains(string(managed), "SQS") {
		t.Errorf("WriteBackFunctionRole has managed policies %s: SQS access must be to the write-back queue only", managed)
	}
	if !strings.Contains(string(managed), "AWSLambdaBasicExecutionRole") || !strings.Contains(string(managed), "AWSXrayWriteOnlyAccess") {
		t.Errorf("WriteBackFunctionRole managed policies %s, want logs and X-Ray", managed)
	}
	got := map[string][]string{} // resource → actions
	for _, g := range grants(role.Properties) {
		if g.allow {
			got[g.resource] = append(got[g.resource], g.action)
		}
	}
	want := map[string][]string{
		`{"Fn::GetAtt":["WriteBackQueue","Arn"]}`: consumerSQSActions,
		`{"Fn::GetAtt":["ProfilesTable","Arn"]}`:  {"dynamodb:GetItem", "dynamodb:PutItem"},
		`{"Fn::GetAtt":["SecretsKey","Arn"]}`:     {"kms:Decrypt", "kms:GenerateDataKey"},
		`[{"Fn::GetAtt":["ShipmentsTable","Arn"]},{"Fn::Sub":"${ShipmentsTable.Arn}/index/streamOrder-index"}]`: {
			"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"},
	}
	if len(got) != len(want) {
		t.Errorf("WriteBackFunctionRole grants %v, want %v", got, want)
	}
	for res, actions := range want {
		if !slices.Equal(got[res], actions) {
			t.Errorf("WriteBackFunctionRole grants %v on %s, want %v", got[res], res, actions)
		}
	}
}

// The receiver finds a profile by the hash of its webhook key (or, for
// profiles not yet written again, the legacy index of keys) and may not
// write profiles or seal: the lookup needs no key material, and KMS only
// opens the profile's secrets.
func TestWebhookReceiverRole(t *testing.T) {
	_, out := transformed(t)
	role, ok := out.Resources["StreamWebhookFunctionRole"]
	if !ok {
		t.Fatal("no StreamWebhookFunctionRole")
	}
	granted := grantList(role.Properties)
	want := []string{
		`dynamodb:GetItem on {"Fn::GetAtt":["ProfilesTable","Arn"]}`,
		`dynamodb:Query on {"Fn::Sub":"${ProfilesTable.Arn}/index/webhookKey-index"}`,
		`dynamodb:Query on {"Fn::Sub":"${ProfilesTable.Arn}/index/webhookKeyHash-index"}`,
		`kms:Decrypt on {"Fn::GetAtt":["SecretsKey","Arn"]}`,
		`sqs:SendMessage on {"Fn::GetAtt":["WriteBackQueue","Arn"]}`,
	}
	if !slices.Equal(granted, want) {
		t.Errorf("the receiver's role grants\n%s\nwant\n%s", strings.Join(granted, "\n"), strings.Join(want, "\n"))
	}
}

// scheduleOf returns the properties of the EventBridge schedule that starts
// the function.
func scheduleOf(out stacktest.Template, function string) map[string]any {
	for _, r := range out.Resources {
		if r.Type != "AWS::Scheduler::Schedule" {
			continue
		}
		if raw, _ := json.Marshal(r.Properties["Target"]); strings.Contains(string(raw), `"`+function+`"`) {
			return r.Properties
		}
	}
	return nil
}

// The dispatch poll runs as the issue describes: a schedule (a stack
// parameter, every 15 minutes by default) starts it, one run at a time; its
// role reads the sparse syncing index, profiles (opening their secrets) and open
// shipments, writes shipments and sends to the write-back queue, and
// nothing more; an alarm tells when a run fails.
func TestDispatchPollWiring(t *testing.T) {
	src, out := transformed(t)
	if d := src.Parameters["DispatchPollSchedule"]; d["Default"] != "rate(15 minutes)" {
		t.Errorf("DispatchPollSchedule parameter = %v, want default rate(15 minutes)", src.Parameters["DispatchPollSchedule"])
	}
	fn, ok := out.Resources["DispatchPollFunction"]
	if !ok {
		t.Fatal("no DispatchPollFunction")
	}
	if n, _ := fn.Properties["ReservedConcurrentExecutions"].(float64); n != 1 {
		t.Errorf("ReservedConcurrentExecutions = %v, want 1: a profile must never be polled twice at once", fn.Properties["ReservedConcurrentExecutions"])
	}
	if to, _ := fn.Properties["Timeout"].(float64); to < 60 || to > 900 {
		t.Errorf("Timeout = %v s, want a run of minutes", fn.Properties["Timeout"])
	}
	schedule := scheduleOf(out, "DispatchPollFunction")
	if raw, _ := json.Marshal(schedule); schedule == nil || !strings.Contains(string(raw), "DispatchPollSchedule") {
		t.Errorf("schedule = %s, want DispatchPollSchedule starting the poll", raw)
	}
	granted := grantList(out.Resources["DispatchPollFunctionRole"].Properties)
	want := []string{
		`dynamodb:GetItem on {"Fn::GetAtt":["ProfilesTable","Arn"]}`,
		`dynamodb:GetItem on {"Fn::GetAtt":["ShipmentsTable","Arn"]}`,
		`dynamodb:PutItem on {"Fn::GetAtt":["ShipmentsTable","Arn"]}`,
		`dynamodb:Query on {"Fn::Sub":"${ProfilesTable.Arn}/index/syncing-index"}`,
		`dynamodb:Query on {"Fn::Sub":"${ShipmentsTable.Arn}/index/open-index"}`,
		`kms:Decrypt on {"Fn::GetAtt":["SecretsKey","Arn"]}`,
		`sqs:SendMessage on {"Fn::GetAtt":["WriteBackQueue","Arn"]}`,
	}
	if !slices.Equal(granted, want) {
		t.Errorf("the poll's role grants\n%s\nwant\n%s", strings.Join(granted, "\n"), strings.Join(want, "\n"))
	}
	alarm, ok := out.Resources["DispatchPollErrorsAlarm"]
	raw, _ := json.Marshal(alarm.Properties)
	if !ok || !strings.Contains(string(raw), `"MetricName":"Errors"`) || !strings.Contains(string(raw), `"Ref":"DispatchPollFunction"`) {
		t.Errorf("DispatchPollErrorsAlarm = %s, want the poll's Errors", raw)
	}
}

// The consumers' retry backoff stays below the visibility timeout of every
// queue a function consumes, so a delay it sets only ever brings a retry
// forward from what the queue alone would do (see sqsqueue.MaxRetryDelay).
func TestRetryBackoffIsBelowTheConsumedQueuesVisibilityTimeout(t *testing.T) {
	_, out := transformed(t)
	var queues []string
	for _, r := range out.Resources {
		if r.Type != "AWS::Lambda::EventSourceMapping" {
			continue
		}
		var src struct {
			GetAtt []string `json:"Fn::GetAtt"`
		}
		raw, _ := json.Marshal(r.Properties["EventSourceArn"])
		if json.Unmarshal(raw, &src) != nil || len(src.GetAtt) != 2 || out.Resources[src.GetAtt[0]].Type != "AWS::SQS::Queue" {
			continue
		}
		queues = append(queues, src.GetAtt[0])
		// A queue without the property has SQS's default of 30 s.
		vis, ok := out.Resources[src.GetAtt[0]].Properties["VisibilityTimeout"].(float64)
		if !ok {
			vis = 30
		}
		if time.Duration(vis)*time.Second <= sqsqueue.MaxRetryDelay {
			t.Errorf("%s VisibilityTimeout = %v s, want above the consumers' longest backoff, %v", src.GetAtt[0], vis, sqsqueue.MaxRetryDelay)
		}
	}
	slices.Sort(queues)
	if !slices.Equal(queues, []string{"SyncQueue", "WriteBackQueue"}) {
		t.Errorf("SQS event sources read %v, want SyncQueue and WriteBackQueue", queues)
	}
}
