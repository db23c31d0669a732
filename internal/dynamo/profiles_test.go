package dynamo_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"linnstream/internal/dynamo"
	"linnstream/internal/mototest"
	"linnstream/internal/profile"
	"linnstream/internal/profile/profiletest"
	"linnstream/internal/secrets/kmssealer"
)

func TestMain(m *testing.M) { os.Exit(mototest.Main(m)) }

// env is a profiles table and a KMS key on the test server.
type env struct {
	db    *dynamodb.Client
	table string
	seal  *kmssealer.Sealer
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := mototest.Get(t)
	seal, err := kmssealer.New(srv.KMS(), mototest.KMSKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return &env{db: srv.DynamoDB(), table: mototest.ProfilesTable(t), seal: seal}
}

// store returns a profile store on api, by default the test server's
// client with its writes serialized (see shipmentsEnv.serial: moto does not
// apply a conditional put atomically, DynamoDB does).
func (e *env) store(api dynamo.API) *dynamo.Profiles {
	if api == nil {
		api = &serialProfileWrites{API: e.db}
	}
	return dynamo.NewProfiles(api, e.table, e.seal)
}

type serialProfileWrites struct {
	dynamo.API
	mu sync.Mutex
}

func (s *serialProfileWrites) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opt ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.API.PutItem(ctx, in, opt...)
}

func (s *serialProfileWrites) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opt ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.API.TransactWriteItems(ctx, in, opt...)
}

func TestProfilesContract(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	profiletest.Run(t, func(t *testing.T) profile.Store { return e.store(nil) })
}

func rawItem(t *testing.T, e *env, id string) map[string]types.AttributeValue {
	t.Helper()
	out, err := e.db.GetItem(mototest.Context(t), &dynamodb.GetItemInput{
		TableName:      aws.String(e.table),
		Key:            map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: id}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("GetItem: %v", err)
	}
	if len(out.Item) == 0 {
		t.Fatalf("no item for %s", id)
	}
	return out.Item
}

// contains reports whether any attribute, however nested, holds s.
func contains(av types.AttributeValue, s string) bool {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return strings.Contains(v.Value, s)
	case *types.AttributeValueMemberB:
		return bytes.Contains(v.Value, []byte(s))
	case *types.AttributeValueMemberM:
		for k, x := range v.Value {
			if strings.Contains(k, s) || contains(x, s) {
				return true
			}
		}
	case *types.AttributeValueMemberL:
		for _, x := range v.Value {
			if contains(x, s) {
				return true
			}
		}
	}
	return false
}

func TestItemHoldsNoPlaintextSecretOrToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := mototest.Context(t)
	const token = "authorization-token-5b0c1d2e"
	const secret = "stream-client-secret-9f8e7d6c"
	p := profiletest.NewProfile(t)
	p.ID = profile.ID(token)
	p.Secrets = map[string]string{"ClientSecret": secret}
	if err := e.store(nil).Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	item := rawItem(t, e, p.ID)
	for name, a := range item {
		for what, s := range map[string]string{"secret": secret, "secret name": "ClientSecret", "token": token, "webhook key": p.WebhookKey} {
			if strings.Contains(name, s) || contains(a, s) {
				t.Errorf("attribute %s holds the plaintext %s", name, what)
			}
		}
	}
	if pk := item["pk"].(*types.AttributeValueMemberS).Value; pk != profile.ID(token) || len(pk) != 64 {
		t.Fatalf("pk %q, want the SHA-256 of the token", pk)
	}
	sealed, ok := item["secrets"].(*types.AttributeValueMemberB)
	if !ok || len(sealed.Value) < 40 {
		t.Fatalf("secrets attribute is %T, want a sealed Binary", item["secrets"])
	}
	if k, ok := item["webhookKeyHash"].(*types.AttributeValueMemberS); !ok || k.Value != profile.WebhookKeyHash(p.WebhookKey) {
		t.Fatalf("webhookKeyHash attribute %v, want the key's SHA-256", item["webhookKeyHash"])
	}
	if _, ok := item["webhookKey"]; ok {
		t.Fatal("item has the plaintext webhookKey attribute")
	}
	if v, ok := item["version"].(*types.AttributeValueMemberN); !ok || v.Value != "1" {
		t.Fatalf("version attribute %v, want N 1", item["version"])
	}
	if _, ok := item["expiresAt"]; ok {
		t.Fatal("a live profile has expiresAt; TTL would delete it")
	}
}

func TestDeletedProfileErasesSecretsAndExpires(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := mototest.Context(t)
	store := e.store(nil)
	p := profiletest.NewProfile(t)
	if err := store.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2025, 5, 1, 12, 0, 0, 0, time.UTC)
	p.MarkDeleted(now, 30*24*time.Hour)
	if err := store.Update(ctx, p); err != nil {
		t.Fatalf("Update: %v", err)
	}
	item := rawItem(t, e, p.ID)
	// What stays sealed is the webhook key alone, so that Stream's
	// deliveries are still told the integration was removed.
	sealed, ok := item["secrets"].(*types.AttributeValueMemberB)
	if !ok {
		t.Fatalf("secrets attribute is %T, want the sealed webhook key", item["secrets"])
	}
	kept, err := profile.OpenSecrets(ctx, e.seal, p.ID, sealed.Value)
	if err != nil || len(kept.Secrets) != 0 || kept.WebhookKey != p.WebhookKey {
		t.Fatalf("deleted profile's sealed blob holds %d secrets (%v), want none and the webhook key", len(kept.Secrets), err)
	}
	exp, ok := item["expiresAt"].(*types.AttributeValueMemberN)
	if want := strconv.FormatInt(now.Add(30*24*time.Hour).Unix(), 10); !ok || exp.Value != want {
		t.Fatalf("expiresAt %v, want N %s (epoch seconds)", item["expiresAt"], want)
	}
	if d, ok := item["deleted"].(*types.AttributeValueMemberBOOL); !ok || !d.Value {
		t.Fatalf("deleted attribute %v, want true", item["deleted"])
	}
	got, err := store.Get(ctx, p.ID)
	if err != nil || !got.Deleted || got.Active || len(got.Secrets) != 0 {
		t.Fatalf("Get of deleted profile: %v", err)
	}
}

// staleIndex answers index queries with the profile IDs it was given, as a
// lagging global secondary index might.
type staleIndex struct {
	dynamo.API
	ids []string
}

func (s staleIndex) Query(context.Context, *dynamodb.QueryInput, ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out := &dynamodb.QueryOutput{}
	for _, id := range s.ids {
		out.Items = append(out.Items, map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: id}})
	}
	return out, nil
}

func TestByWebhookKeyRereadsStaleIndex(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := mototest.Context(t)
	store := e.store(nil)
	moved := profiletest.NewProfile(t)
	if err := store.Create(ctx, moved); err != nil {
		t.Fatal(err)
	}
	oldKey := moved.WebhookKey
	moved.WebhookKey = "rotated-key"
	if err := store.Update(ctx, moved); err != nil {
		t.Fatal(err)
	}
	current := profiletest.NewProfile(t)
	current.WebhookKey = oldKey
	if err := store.Create(ctx, current); err != nil {
		t.Fatal(err)
	}

	// The index still lists the moved profile, and a profile that is gone.
	lagging := e.store(staleIndex{API: e.db, ids: []string{moved.ID, profile.ID("gone"), current.ID}})
	got, err := lagging.ByWebhookKey(ctx, oldKey)
	if err != nil {
		t.Fatalf("ByWebhookKey: %v", err)
	}
	if got.ID != current.ID {
		t.Fatalf("ByWebhookKey returned %s, want %s (the index entry of %s is stale)", got.Short(), current.Short(), moved.Short())
	}
	onlyStale := e.store(staleIndex{API: e.db, ids: []string{moved.ID}})
	if _, err := onlyStale.ByWebhookKey(ctx, oldKey); !errors.Is(err, profile.ErrNotFound) {
		t.Fatalf("ByWebhookKey with only a stale entry: got %v, want ErrNotFound", err)
	}
	twice := e.store(staleIndex{API: e.db, ids: []string{current.ID, current.ID}})
	if _, err := twice.ByWebhookKey(ctx, oldKey); err == nil || !strings.Contains(err.Error(), "share the key") {
		t.Fatalf("ByWebhookKey with two matching entries: got %v, want an error", err)
	}
}

// noOldItem drops the old item from failed conditional writes, as some
// DynamoDB implementations do.
type noOldItem struct{ dynamo.API }

func (n noOldItem) PutItem(ctx context.Context, in *dynamodb.PutItemInput, opt ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	out, err := n.API.PutItem(ctx, in, opt...)
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		failed.Item = nil
	}
	return out, err
}

func TestUpdateTellsConflictFromNotFoundWithoutOldItem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := mototest.Context(t)
	store := e.store(noOldItem{e.db})
	p := profiletest.NewProfile(t)
	if err := store.Create(ctx, p); err != nil {
		t.Fatal(err)
	}
	stale := profile.Clone(p)
	if err := store.Update(ctx, p); err != nil {
		t.Fatal(err)
	}
	if err := store.Update(ctx, stale); !errors.Is(err, profile.ErrConflict) {
		t.Fatalf("stale Update: got %v, want ErrConflict", err)
	}
	missing := profiletest.NewProfile(t)
	missing.Version = 1
	if err := store.Update(ctx, missing); !errors.Is(err, profile.ErrNotFound) {
		t.Fatalf("Update of missing profile: got %v, want ErrNotFound", err)
	}
}

func TestConcurrentCreatesOfOneID(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := mototest.Context(t)
	store := e.store(nil)
	base := profiletest.NewProfile(t)
	const n = 6
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = store.Create(ctx, profile.Clone(base)) })
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, profile.ErrExists):
			t.Fatalf("create %d: %v", i, err)
		}
	}
	if won != 1 {
		t.Fatalf("%d creates of one ID succeeded, want 1", won)
	}
}

// noReasons drops the cancellation reasons of failed transactions, as not
// every DynamoDB implementation returns them.
type noReasons struct{ dynamo.API }

func (n noReasons) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, opt ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	out, err := n.API.TransactWriteItems(ctx, in, opt...)
	var canceled *types.TransactionCanceledException
	if errors.As(err, &canceled) {
		canceled.CancellationReasons = nil
	}
	return out, err
}

func TestProfilesContractWithoutCancellationReasons(t *testing.T) {
	e := newEnv(t)
	profiletest.Run(t, func(t *testing.T) profile.Store { return e.store(noReasons{&serialProfileWrites{API: e.db}}) })
}

func TestNumberingHoldIsNoProfile(t *testing.T) {
	e := newEnv(t)
	s := e.store(nil)
	p := profiletest.NewProfile(t)
	if err := s.Create(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	const numbering = "4f2a9c"
	if err := s.UpdateNumbering(t.Context(), p, numbering); err != nil {
		t.Fatal(err)
	}
	hold := rawItem(t, e, "numbering#"+numbering)
	if h, ok := hold["holder"].(*types.AttributeValueMemberS); !ok || h.Value != p.ID || hold["webhookKey"] != nil || len(hold) != 2 {
		t.Fatalf("hold item %v, want only its key and the holder %s", hold, p.Short())
	}
	if err := s.UpdateNumbering(t.Context(), p, ""); err != nil {
		t.Fatal(err)
	}
	released := rawItem(t, e, "numbering#"+numbering)
	if _, held := released["holder"]; held || released["expiresAt"] == nil {
		t.Fatalf("released hold item %v, want no holder and an expiry", released)
	}
}
