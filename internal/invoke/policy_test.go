package main

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/smithy-go/middleware"

	"linnstream/internal/stack/stacktest"
)

// grant is one IAM permission a call needs: an action on a template
// resource (its logical id).
type grant struct{ action, resource string }

func (g grant) String() string { return g.action + " on " + g.resource }

// recorder notes the IAM permissions behind every AWS call a function makes.
type recorder struct {
	mu         sync.Mutex
	fn         string
	tables     map[string]string // table name → logical id
	queues     map[string]string // queue URL → logical id
	keyLogical string
	seen       map[string]map[grant]bool
}

func (r *recorder) start(fn string) {
	r.mu.Lock()
	r.fn = fn
	r.mu.Unlock()
}

func (r *recorder) note(gs ...grant) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen[r.fn] == nil {
		r.seen[r.fn] = map[grant]bool{}
	}
	for _, g := range gs {
		r.seen[r.fn][g] = true
	}
}

func (r *recorder) table(name *string) string {
	if name == nil {
		return "?"
	}
	if id, ok := r.tables[*name]; ok {
		return id
	}
	return *name
}

func (r *recorder) queue(url *string) string {
	if url == nil {
		return "?"
	}
	if id, ok := r.queues[*url]; ok {
		return id
	}
	return *url
}

// grants maps an operation to the permissions IAM checks for it: a
// transaction is authorised item by item.
func (r *recorder) grants(service, op string, in any) []grant {
	switch service {
	case "KMS":
		return []grant{{"kms:" + op, r.keyLogical}}
	case "SQS":
		// SendMessageBatch is authorised as sqs:SendMessage.
		if v, ok := in.(*sqs.SendMessageBatchInput); ok {
			return []grant{{"sqs:SendMessage", r.queue(v.QueueUrl)}}
		}
		if v, ok := in.(*sqs.ChangeMessageVisibilityInput); ok {
			return []grant{{"sqs:ChangeMessageVisibility", r.queue(v.QueueUrl)}}
		}
	case "DynamoDB":
		switch v := in.(type) {
		case *dynamodb.GetItemInput:
			return []grant{{"dynamodb:GetItem", r.table(v.TableName)}}
		case *dynamodb.PutItemInput:
			return []grant{{"dynamodb:PutItem", r.table(v.TableName)}}
		case *dynamodb.QueryInput:
			// A query of an index is authorised on the index's ARN.
			res := r.table(v.TableName)
			if v.IndexName != nil {
				res += "/index/" + *v.IndexName
			}
			return []grant{{"dynamodb:Query", res}}
		case *dynamodb.BatchGetItemInput:
			var out []grant
			for name := range v.RequestItems {
				out = append(out, grant{"dynamodb:BatchGetItem", r.table(&name)})
			}
			return out
		case *dynamodb.TransactWriteItemsInput:
			var out []grant
			for _, it := range v.TransactItems {
				switch {
				case it.Put != nil:
					out = append(out, grant{"dynamodb:PutItem", r.table(it.Put.TableName)})
				case it.Update != nil:
					out = append(out, grant{"dynamodb:UpdateItem", r.table(it.Update.TableName)})
				case it.Delete != nil:
					out = append(out, grant{"dynamodb:DeleteItem", r.table(it.Delete.TableName)})
				case it.ConditionCheck != nil:
					out = append(out, grant{"dynamodb:ConditionCheckItem", r.table(it.ConditionCheck.TableName)})
				}
			}
			return out
		}
	}
	return []grant{{strings.ToLower(service) + ":" + op, "?"}}
}

// option hooks the recorder into every AWS client a function builds.
func (r *recorder) option() func(*config.LoadOptions) error {
	return config.WithAPIOptions([]func(*middleware.Stack) error{func(s *middleware.Stack) error {
		return s.Initialize.Add(middleware.InitializeMiddlewareFunc("recordGrants",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				r.note(r.grants(awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx), in.Parameters)...)
				return next.HandleInitialize(ctx, in)
			}), middleware.After)
	}})
}

// allowed reads the permissions each function's role grants on template
// resources, from the SAM-transformed template.
func allowed(t *testing.T, out stacktest.Template) map[string]map[grant]bool {
	t.Helper()
	perms := map[string]map[grant]bool{}
	for id, res := range out.Resources {
		if res.Type != "AWS::IAM::Role" || !strings.HasSuffix(id, "FunctionRole") {
			continue
		}
		fn := strings.TrimSuffix(id, "Role")
		perms[fn] = map[grant]bool{}
		policies, _ := res.Properties["Policies"].([]any)
		for _, p := range policies {
			doc, _ := p.(map[string]any)["PolicyDocument"].(map[string]any)
			stmts, _ := doc["Statement"].([]any)
			for _, s := range stmts {
				st := s.(map[string]any)
				if st["Effect"] != "Allow" {
					continue
				}
				var resources []string
				raw, _ := json.Marshal(st["Resource"])
				// One resource, or a list of them.
				each := []json.RawMessage{raw}
				var list []json.RawMessage
				if json.Unmarshal(raw, &list) == nil {
					each = list
				}
				for _, raw := range each {
					var one map[string][]string
					if json.Unmarshal(raw, &one) == nil && len(one["Fn::GetAtt"]) == 2 {
						resources = append(resources, one["Fn::GetAtt"][0])
					}
					// An index: {"Fn::Sub": "${Table.Arn}/index/<name>"}.
					var sub map[string]string
					if json.Unmarshal(raw, &sub) == nil {
						if m := indexARN.FindStringSubmatch(sub["Fn::Sub"]); m != nil {
							resources = append(resources, m[1]+"/index/"+m[2])
						}
					}
				}
				for _, a := range asStrings(st["Action"]) {
					for _, r := range resources {
						perms[fn][grant{a, r}] = true
					}
				}
			}
		}
	}
	return perms
}

var indexARN = regexp.MustCompile(`^\$\{(\w+)\.Arn\}/index/([\w.-]+)$`)

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

// checkPolicies fails for every AWS call the scenario made that the calling
// function's role does not allow: least privilege must still be enough.
func checkPolicies(t *testing.T, rec *recorder) {
	t.Helper()
	_, out := stacktest.Transform(t, "../..")
	perms := allowed(t, out)
	if len(rec.seen) == 0 {
		t.Fatal("no AWS call was recorded")
	}
	for fn, gs := range rec.seen {
		var missing []string
		for g := range gs {
			if !perms[fn][g] {
				missing = append(missing, g.String())
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("%s makes calls its role does not allow: %s", fn, strings.Join(missing, "; "))
		}
	}
	var fns []string
	for fn := range rec.seen {
		fns = append(fns, fn)
	}
	slices.Sort(fns)
	t.Logf("AWS calls checked against the roles of %s", fmt.Sprint(fns))
}
