package dynamo_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"linnstream/internal/dynamo"
	"linnstream/internal/mototest"
	"linnstream/internal/profile"
	"linnstream/internal/profile/profiletest"
)

// putOldShape stores a profile as the table kept it before webhook keys
// were sealed: the plaintext key in webhookKey, the attribute of the legacy
// index, and the secrets sealed as a bare JSON object.
func putOldShape(t *testing.T, e *env) *profile.Profile {
	t.Helper()
	ctx := mototest.Context(t)
	created := time.Date(2025, 11, 2, 8, 0, 0, 0, time.UTC)
	want := &profile.Profile{
		ID: profile.ID("old-shape-" + profiletest.NewProfile(t).ID), AccountName: "Old Shape Ltd", Stage: "COMPLETE", Active: true,
		Settings:   map[string]string{"ClientId": "client-old"},
		Secrets:    map[string]string{"ClientSecret": "stream-client-secret-old-shape"},
		WebhookKey: strings.Repeat("5e", 16) + profiletest.NewProfile(t).WebhookKey,
		CreatedAt:  created, UpdatedAt: created, Version: 3,
	}
	plain, err := json.Marshal(want.Secrets)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := e.seal.Seal(ctx, plain, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	item, err := attributevalue.MarshalMap(map[string]any{
		"pk": want.ID, "accountName": want.AccountName, "stage": want.Stage, "active": true,
		"settings": want.Settings, "secrets": sealed, "webhookKey": want.WebhookKey, "deleted": false,
		"createdAt": created, "updatedAt": created, "version": 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: item}); err != nil {
		t.Fatal(err)
	}
	return want
}

// assertNoPlaintextKey checks that the profile's item holds the key's hash
// and not the key.
func assertNoPlaintextKey(t *testing.T, e *env, p *profile.Profile) {
	t.Helper()
	item := rawItem(t, e, p.ID)
	for name, a := range item {
		if contains(a, p.WebhookKey) {
			t.Errorf("attribute %s holds the plaintext webhook key", name)
		}
	}
	if h, ok := item["webhookKeyHash"].(*types.AttributeValueMemberS); !ok || h.Value != profile.WebhookKeyHash(p.WebhookKey) {
		t.Fatalf("webhookKeyHash attribute %v, want the key's SHA-256", item["webhookKeyHash"])
	}
}

// A profile of the earlier shape is found by its key through the legacy
// index; the lookup leaves it as it is (the receiver does not write), and
// its next write stores the current shape, found by the hash.
func TestOldShapeItem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := mototest.Context(t)
	store := e.store(nil)
	want := putOldShape(t, e)

	got, err := store.ByWebhookKey(ctx, want.WebhookKey)
	if err != nil {
		t.Fatalf("ByWebhookKey of an old-shape profile: %v", err)
	}
	if d := profiletest.Diff(want, got); d != "" {
		t.Fatalf("old-shape profile by key: %s", d)
	}
	if _, err := store.ByWebhookKey(ctx, profile.WebhookKeyHash(want.WebhookKey)); err == nil {
		t.Fatal("ByWebhookKey of the key's hash found the profile")
	}

	p, err := store.Get(ctx, want.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := profiletest.Diff(want, p); d != "" {
		t.Fatalf("old-shape profile by ID: %s", d)
	}
	p.Stage = "CONFIG"
	if err := store.Update(ctx, p); err != nil {
		t.Fatalf("Update: %v", err)
	}
	assertNoPlaintextKey(t, e, want)

	// Now only the hash index has it: the legacy one no longer does.
	out, err := e.db.Query(ctx, &dynamodb.QueryInput{
		TableName: aws.String(e.table), IndexName: aws.String(mototest.WebhookKeyIndex),
		KeyConditionExpression:    aws.String("webhookKey = :k"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": &types.AttributeValueMemberS{Value: want.WebhookKey}},
	})
	if err != nil || len(out.Items) != 0 {
		t.Fatalf("legacy index after the write: %d items, %v", len(out.Items), err)
	}
	again, err := store.ByWebhookKey(ctx, want.WebhookKey)
	if err != nil {
		t.Fatalf("ByWebhookKey after the write: %v", err)
	}
	if again.ID != want.ID || again.Stage != "CONFIG" || again.Version != 4 || again.WebhookKey != want.WebhookKey {
		t.Fatalf("after the write: %s stage %q version %d, key kept %v", again.Short(), again.Stage, again.Version, again.WebhookKey == want.WebhookKey)
	}
}

// The webhook index is queried by the key's hash, never by the key.
func TestByWebhookKeyQueriesTheHash(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := mototest.Context(t)
	p := profiletest.NewProfile(t)
	if err := e.store(nil).Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	assertNoPlaintextKey(t, e, p)
	rec := &queryRecorder{API: e.db}
	if _, err := e.store(rec).ByWebhookKey(ctx, p.WebhookKey); err != nil {
		t.Fatalf("ByWebhookKey: %v", err)
	}
	if len(rec.queries) != 1 || aws.ToString(rec.queries[0].IndexName) != mototest.WebhookHashIndex {
		t.Fatalf("queries %v, want one of %s", rec.indexes(), mototest.WebhookHashIndex)
	}
	for _, v := range rec.queries[0].ExpressionAttributeValues {
		if s, ok := v.(*types.AttributeValueMemberS); !ok || s.Value != profile.WebhookKeyHash(p.WebhookKey) {
			t.Fatalf("query value %v, want the key's hash", v)
		}
	}
}

// queryRecorder records the queries sent through it.
type queryRecorder struct {
	dynamo.API
	mu      sync.Mutex
	queries []*dynamodb.QueryInput
}

func (r *queryRecorder) Query(ctx context.Context, in *dynamodb.QueryInput, opt ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	r.mu.Lock()
	r.queries = append(r.queries, in)
	r.mu.Unlock()
	return r.API.Query(ctx, in, opt...)
}

func (r *queryRecorder) indexes() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var names []string
	for _, q := range r.queries {
		names = append(names, aws.ToString(q.IndexName))
	}
	return names
}
