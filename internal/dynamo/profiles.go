package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"linnstream/internal/profile"
	"linnstream/internal/secrets"
)

// Profiles is a profile.Store in the profiles table. Secrets and the
// webhook key are sealed into one Binary attribute (profile.Sealed); the
// AuthorizationToken is never stored, only its hash as the key, and the
// webhook key only as its hash, the key of the webhook index. ExpiresAt is
// kept to the second, as the epoch seconds DynamoDB's TTL reads.
type Profiles struct {
	api    API
	table  string
	sealer secrets.Sealer
}

var _ profile.Store = (*Profiles)(nil)

// NewProfiles returns the profile store in table, sealing secrets with
// sealer.
func NewProfiles(api API, table string, sealer secrets.Sealer) *Profiles {
	return &Profiles{api: api, table: table, sealer: sealer}
}

// profileItem is a profile as the table keeps it.
type profileItem struct {
	PK                        string            `dynamodbav:"pk"`
	Email                     string            `dynamodbav:"email,omitempty"`
	LinnworksUniqueIdentifier string            `dynamodbav:"linnworksUniqueIdentifier,omitempty"`
	AccountName               string            `dynamodbav:"accountName,omitempty"`
	Stage                     string            `dynamodbav:"stage,omitempty"`
	Active                    bool              `dynamodbav:"active"`
	Settings                  map[string]string `dynamodbav:"settings,omitempty"`
	Secrets                   []byte            `dynamodbav:"secrets,omitempty"`
	// WebhookKeyHash is omitted when there is no key: an index key cannot
	// be "".
	WebhookKeyHash string `dynamodbav:"webhookKeyHash,omitempty"`
	// LegacyWebhookKey is the plaintext key of an item written before keys
	// were sealed: read, never written, so the next put of the profile
	// drops it.
	LegacyWebhookKey string `dynamodbav:"webhookKey,omitempty"`
	// Numbering is omitted when empty, so that a condition can tell "holds
	// none" by its absence.
	Numbering string    `dynamodbav:"numbering,omitempty"`
	Deleted   bool      `dynamodbav:"deleted"`
	CreatedAt time.Time `dynamodbav:"createdAt"`
	UpdatedAt time.Time `dynamodbav:"updatedAt"`
	ExpiresAt int64     `dynamodbav:"expiresAt,omitempty"`
	// LinnworksTokenRefused is RFC 3339, omitted while the token works.
	LinnworksTokenRefused string `dynamodbav:"linnworksTokenRefused,omitempty"`
	Version               int64  `dynamodbav:"version"`
	// Sync is the order sync's state as JSON; Syncing marks the profiles
	// that sync orders or are polled for dispatch, for the sparse index,
	// omitted on the others.
	Sync    []byte `dynamodbav:"sync,omitempty"`
	Syncing string `dynamodbav:"syncing,omitempty"`
}

func (s *Profiles) item(ctx context.Context, p *profile.Profile, version int64) (map[string]types.AttributeValue, error) {
	sealed, err := profile.SealSecrets(ctx, s.sealer, p)
	if err != nil {
		return nil, err
	}
	sync, err := profile.MarshalSync(p.Sync)
	if err != nil {
		return nil, err
	}
	it := profileItem{
		Sync:                      sync,
		PK:                        p.ID,
		Email:                     p.Email,
		LinnworksUniqueIdentifier: p.LinnworksUniqueIdentifier,
		AccountName:               p.AccountName,
		Stage:                     p.Stage,
		Active:                    p.Active,
		Settings:                  p.Settings,
		Secrets:                   sealed,
		Numbering:                 p.Numbering,
		Deleted:                   p.Deleted,
		CreatedAt:                 p.CreatedAt.UTC(),
		UpdatedAt:                 p.UpdatedAt.UTC(),
		Version:                   version,
	}
	if p.WebhookKey != "" {
		it.WebhookKeyHash = profile.WebhookKeyHash(p.WebhookKey)
	}
	if !p.ExpiresAt.IsZero() {
		it.ExpiresAt = p.ExpiresAt.Unix()
	}
	if !p.LinnworksTokenRefused.IsZero() {
		it.LinnworksTokenRefused = p.LinnworksTokenRefused.UTC().Format(time.RFC3339Nano)
	}
	switch syncs, polls := p.SyncsOrders(), p.PollsDispatch(); {
	case syncs && polls:
		it.Syncing = syncingPolling
	case syncs:
		it.Syncing = syncingOn
	case polls:
		it.Syncing = pollingOn
	}
	av, err := attributevalue.MarshalMap(it)
	if err != nil {
		return nil, fmt.Errorf("encode profile item: %w", err)
	}
	return av, nil
}

func (s *Profiles) profile(ctx context.Context, av map[string]types.AttributeValue) (*profile.Profile, error) {
	var it profileItem
	if err := attributevalue.UnmarshalMap(av, &it); err != nil {
		return nil, fmt.Errorf("decode profile item: %w", err)
	}
	sealed, err := profile.OpenSecrets(ctx, s.sealer, it.PK, it.Secrets)
	if err != nil {
		return nil, err
	}
	if sealed.WebhookKey == "" {
		// An item of the earlier shape: its next put seals the key.
		sealed.WebhookKey = it.LegacyWebhookKey
	}
	sync, err := profile.UnmarshalSync(it.Sync)
	if err != nil {
		return nil, err
	}
	p := &profile.Profile{
		Sync:                      sync,
		ID:                        it.PK,
		Email:                     it.Email,
		LinnworksUniqueIdentifier: it.LinnworksUniqueIdentifier,
		AccountName:               it.AccountName,
		Stage:                     it.Stage,
		Active:                    it.Active,
		Settings:                  maps.Clone(it.Settings),
		Secrets:                   sealed.Secrets,
		WebhookKey:                sealed.WebhookKey,
		Numbering:                 it.Numbering,
		Deleted:                   it.Deleted,
		CreatedAt:                 it.CreatedAt,
		UpdatedAt:                 it.UpdatedAt,
		Version:                   it.Version,
	}
	if it.ExpiresAt != 0 {
		p.ExpiresAt = time.Unix(it.ExpiresAt, 0).UTC()
	}
	if it.LinnworksTokenRefused != "" {
		t, err := time.Parse(time.RFC3339Nano, it.LinnworksTokenRefused)
		if err != nil {
			return nil, fmt.Errorf("decode profile item: linnworksTokenRefused: %w", err)
		}
		p.LinnworksTokenRefused = t
	}
	return p, nil
}

// Create stores p with version 1 and sets p.Version; profile.ErrExists if
// the ID is taken. The check and the write are one conditional put.
func (s *Profiles) Create(ctx context.Context, p *profile.Profile) error {
	if p.ID == "" {
		return errors.New("create profile: no ID")
	}
	if p.Numbering != "" {
		return fmt.Errorf("create profile %s: %w", p.Short(), profile.ErrNewNumbering)
	}
	av, err := s.item(ctx, p, 1)
	if err != nil {
		return fmt.Errorf("create profile %s: %w", p.Short(), err)
	}
	id := stampWrite(av)
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(s.table),
		Item:                                av,
		ConditionExpression:                 aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames:            map[string]string{"#pk": attrPK},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		exists, mine, err := s.stored(ctx, p.ID, failed.Item, id)
		switch {
		case err != nil:
			return fmt.Errorf("create profile %s: %w", p.Short(), err)
		case exists && !mine:
			return fmt.Errorf("create profile %s: %w", p.Short(), profile.ErrExists)
		case !exists:
			return fmt.Errorf("create profile %s: condition failed on no item", p.Short())
		}
	} else if err != nil {
		return fmt.Errorf("create profile %s: %w", p.Short(), err)
	}
	p.Version = 1
	return nil
}

// Get returns the profile with the ID, deleted or not, by a strongly
// consistent read.
func (s *Profiles) Get(ctx context.Context, id string) (*profile.Profile, error) {
	item, err := s.getItem(ctx, id)
	if err != nil {
		return nil, err
	}
	p, err := s.profile(ctx, item)
	if err != nil {
		return nil, fmt.Errorf("get profile %s: %w", shortID(id), err)
	}
	return p, nil
}

// getItem reads the item of the profile with the ID, strongly consistent,
// without opening it.
func (s *Profiles) getItem(ctx context.Context, id string) (map[string]types.AttributeValue, error) {
	if id == "" {
		return nil, fmt.Errorf("get profile: empty ID: %w", profile.ErrNotFound)
	}
	out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(s.table),
		Key:            map[string]types.AttributeValue{attrPK: &types.AttributeValueMemberS{Value: id}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, fmt.Errorf("get profile %s: %w", shortID(id), err)
	}
	if len(out.Item) == 0 {
		return nil, fmt.Errorf("get profile %s: %w", shortID(id), profile.ErrNotFound)
	}
	return out.Item, nil
}

// Update replaces the profile if its stored version is p.Version and its
// stored numbering p.Numbering, and increments p.Version;
// profile.ErrConflict if another write came first, profile.ErrNotFound if
// there is no such profile.
func (s *Profiles) Update(ctx context.Context, p *profile.Profile) error {
	if p.ID == "" {
		return errors.New("update profile: no ID")
	}
	av, err := s.item(ctx, p, p.Version+1)
	if err != nil {
		return fmt.Errorf("update profile %s: %w", p.Short(), err)
	}
	id := stampWrite(av)
	cond, names, values := profileCondition(p)
	_, err = s.api.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:                           aws.String(s.table),
		Item:                                av,
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var failed *types.ConditionalCheckFailedException
	if errors.As(err, &failed) {
		exists, mine, err := s.stored(ctx, p.ID, failed.Item, id)
		switch {
		case err != nil:
			return fmt.Errorf("update profile %s: %w", p.Short(), err)
		case !exists:
			return fmt.Errorf("update profile %s: %w", p.Short(), profile.ErrNotFound)
		case !mine:
			return fmt.Errorf("update profile %s at version %d: %w", p.Short(), p.Version, profile.ErrConflict)
		}
	} else if err != nil {
		return fmt.Errorf("update profile %s: %w", p.Short(), err)
	}
	p.Version++
	return nil
}

// profileCondition is the condition of a write replacing p as read: the
// version it read and the numbering it holds (absent when none).
func profileCondition(p *profile.Profile) (string, map[string]string, map[string]types.AttributeValue) {
	names := map[string]string{"#v": attrVersion, "#n": attrNumbering}
	values := map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.FormatInt(p.Version, 10)}}
	if p.Numbering == "" {
		return "#v = :v AND attribute_not_exists(#n)", names, values
	}
	values[":n"] = &types.AttributeValueMemberS{Value: p.Numbering}
	return "#v = :v AND #n = :n", names, values
}

// numberingKey is the key of the item recording which profile holds a
// numbering. It lives in the profiles table beside the profiles: profile
// keys are hex hashes, so the two never meet.
func numberingKey(numbering string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: &types.AttributeValueMemberS{Value: "numbering#" + numbering}}
}

// UpdateNumbering is Update that moves the profile's numbering hold from
// p.Numbering to numbering in one transaction: the profile's put
// (conditional as in Update), the put naming it holder of numbering
// (conditional on no other holder), and the put releasing its old one
// (conditional on its being the holder). A released hold keeps its item
// without a holder, expiring by TTL. Only PutItem is used, the permission
// the functions writing profiles already have.
func (s *Profiles) UpdateNumbering(ctx context.Context, p *profile.Profile, numbering string) error {
	if numbering == p.Numbering {
		return s.Update(ctx, p)
	}
	if p.ID == "" {
		return errors.New("update profile: no ID")
	}
	next := *p
	next.Numbering = numbering
	av, err := s.item(ctx, &next, p.Version+1)
	if err != nil {
		return fmt.Errorf("update profile %s: %w", p.Short(), err)
	}
	stampWrite(av)
	cond, names, values := profileCondition(p)
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName: aws.String(s.table), Item: av,
		ConditionExpression: aws.String(cond), ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}}}
	holder := map[string]types.AttributeValue{":id": &types.AttributeValueMemberS{Value: p.ID}}
	holderNames := map[string]string{"#h": attrHolder}
	taking := -1
	if numbering != "" {
		it := numberingKey(numbering)
		it[attrHolder] = &types.AttributeValueMemberS{Value: p.ID}
		taking = len(items)
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(s.table), Item: it,
			ConditionExpression:      aws.String("attribute_not_exists(#h) OR #h = :id"),
			ExpressionAttributeNames: holderNames, ExpressionAttributeValues: holder,
		}})
	}
	if p.Numbering != "" {
		it := numberingKey(p.Numbering)
		it[attrExpiresAt] = &types.AttributeValueMemberN{Value: strconv.FormatInt(time.Now().Unix(), 10)}
		items = append(items, types.TransactWriteItem{Put: &types.Put{
			TableName: aws.String(s.table), Item: it,
			ConditionExpression:      aws.String("attribute_not_exists(#h) OR #h = :id"),
			ExpressionAttributeNames: holderNames, ExpressionAttributeValues: holder,
		}})
	}
	token := make([]byte, 16)
	_, _ = rand.Read(token)
	// The token makes the SDK's resend of a transaction that landed succeed
	// instead of failing its own conditions.
	_, err = s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems:      items,
		ClientRequestToken: aws.String(hex.EncodeToString(token)),
	})
	var canceled *types.TransactionCanceledException
	switch {
	case err == nil:
		p.Version++
		p.Numbering = numbering
		return nil
	case !errors.As(err, &canceled):
		return fmt.Errorf("update profile %s: %w", p.Short(), err)
	}
	return s.whyCanceled(ctx, p, numbering, taking, canceled)
}

// whyCanceled explains a cancelled UpdateNumbering: from the cancellation
// reasons, or, when there are none, by reading what its conditions read.
func (s *Profiles) whyCanceled(ctx context.Context, p *profile.Profile, numbering string, taking int, canceled *types.TransactionCanceledException) error {
	failed := func(i int) bool {
		return i >= 0 && i < len(canceled.CancellationReasons) && aws.ToString(canceled.CancellationReasons[i].Code) == "ConditionalCheckFailed"
	}
	if len(canceled.CancellationReasons) == 0 {
		cur, err := s.Get(ctx, p.ID)
		switch {
		case errors.Is(err, profile.ErrNotFound):
			return fmt.Errorf("update profile %s: %w", p.Short(), profile.ErrNotFound)
		case err != nil:
			return fmt.Errorf("update profile %s: %w", p.Short(), err)
		case cur.Version != p.Version || cur.Numbering != p.Numbering:
			return fmt.Errorf("update profile %s at version %d: %w", p.Short(), p.Version, profile.ErrConflict)
		}
		out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(s.table), Key: numberingKey(numbering), ConsistentRead: aws.Bool(true),
		})
		if err != nil {
			return fmt.Errorf("update profile %s: read numbering: %w", p.Short(), err)
		}
		if h, ok := out.Item[attrHolder].(*types.AttributeValueMemberS); ok && h.Value != p.ID {
			return fmt.Errorf("update profile %s: %w", p.Short(), profile.ErrNumberingTaken)
		}
		return fmt.Errorf("update profile %s: transaction cancelled: %w", p.Short(), canceled)
	}
	switch {
	case failed(0):
		if _, err := s.Get(ctx, p.ID); errors.Is(err, profile.ErrNotFound) {
			return fmt.Errorf("update profile %s: %w", p.Short(), profile.ErrNotFound)
		}
		return fmt.Errorf("update profile %s at version %d: %w", p.Short(), p.Version, profile.ErrConflict)
	case failed(taking):
		return fmt.Errorf("update profile %s: %w", p.Short(), profile.ErrNumberingTaken)
	}
	for _, r := range canceled.CancellationReasons {
		if aws.ToString(r.Code) == "TransactionConflict" {
			// Another transaction was writing the same items: a race the
			// caller resolves as any other conflict, by reading again.
			return fmt.Errorf("update profile %s: %w", p.Short(), profile.ErrConflict)
		}
	}
	return fmt.Errorf("update profile %s: transaction cancelled: %w", p.Short(), canceled)
}

// stored tells, after a put stamped with id failed its condition, whether
// an item is stored and whether it is the one the put wrote (its first
// attempt landed and the failure was the SDK's resend). old is the item the
// failure returned; not every DynamoDB implementation returns it, so it is
// read when empty.
func (s *Profiles) stored(ctx context.Context, profileID string, old map[string]types.AttributeValue, id string) (exists, mine bool, err error) {
	if len(old) == 0 {
		out, err := s.api.GetItem(ctx, &dynamodb.GetItemInput{
			TableName:                aws.String(s.table),
			Key:                      map[string]types.AttributeValue{attrPK: &types.AttributeValueMemberS{Value: profileID}},
			ConsistentRead:           aws.Bool(true),
			ProjectionExpression:     aws.String("#pk, #w"),
			ExpressionAttributeNames: map[string]string{"#pk": attrPK, "#w": attrWriteID},
		})
		if err != nil {
			return false, false, fmt.Errorf("read profile key: %w", err)
		}
		old = out.Item
	}
	return len(old) > 0, landed(old, id), nil
}

// ByWebhookKey returns the profile whose webhook key is key. It queries
// the webhook index for profile.WebhookKeyHash(key) (keys only: nothing
// sealed is in the index), and reads each profile it names again from the
// table, keeping it only if its stored hash still matches: the index is
// eventually consistent. Finding the profile opens nothing; the profile
// returned is opened as Get opens it.
//
// Profiles written before webhook keys were sealed carry the plaintext key
// and are in the legacy index only, so when the hash finds nothing the
// legacy index is asked for the key itself. Such a profile is not rewritten
// here: the receiver may read profiles but not write them or seal, so the
// profile takes the current shape at its next write (the wizard, the sync,
// the write-back), which puts the whole item without the plaintext.
func (s *Profiles) ByWebhookKey(ctx context.Context, key string) (*profile.Profile, error) {
	if key == "" {
		return nil, fmt.Errorf("profile by webhook key: empty key: %w", profile.ErrNotFound)
	}
	p, err := s.byIndex(ctx, webhookKeyHashIndex, attrWebhookKeyHash, profile.WebhookKeyHash(key))
	if errors.Is(err, profile.ErrNotFound) {
		p, err = s.byIndex(ctx, legacyWebhookKeyIndex, attrLegacyWebhookKey, key)
	}
	if err != nil {
		return nil, fmt.Errorf("profile by webhook key: %w", err)
	}
	return p, nil
}

// byIndex returns the one profile whose attribute attr is value, found
// through index and read again from the table.
func (s *Profiles) byIndex(ctx context.Context, index, attr, value string) (*profile.Profile, error) {
	out, err := s.api.Query(ctx, &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(index),
		KeyConditionExpression:    aws.String("#k = :k"),
		ExpressionAttributeNames:  map[string]string{"#k": attr, "#pk": attrPK},
		ExpressionAttributeValues: map[string]types.AttributeValue{":k": &types.AttributeValueMemberS{Value: value}},
		ProjectionExpression:      aws.String("#pk"),
		Limit:                     aws.Int32(10),
	})
	if err != nil {
		return nil, fmt.Errorf("query %s: %w", index, err)
	}
	var found map[string]types.AttributeValue
	var foundID string
	for _, it := range out.Items {
		pk, ok := it[attrPK].(*types.AttributeValueMemberS)
		if !ok {
			continue
		}
		item, err := s.getItem(ctx, pk.Value)
		if errors.Is(err, profile.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if v, ok := item[attr].(*types.AttributeValueMemberS); !ok || v.Value != value {
			continue
		}
		if found != nil {
			return nil, fmt.Errorf("profiles %s and %s share the key", shortID(foundID), shortID(pk.Value))
		}
		found, foundID = item, pk.Value
	}
	if found == nil {
		return nil, profile.ErrNotFound
	}
	return s.profile(ctx, found)
}

// SyncingProfiles returns the IDs of the profiles that sync orders, read
// page by page from the sparse syncing index (keys only). The index is
// eventually consistent: the caller reads each profile before acting.
func (s *Profiles) SyncingProfiles(ctx context.Context) ([]string, error) {
	ids, err := s.sparseIndex(ctx, syncingOn, syncingPolling)
	if err != nil {
		return nil, fmt.Errorf("syncing profiles: %w", err)
	}
	return ids, nil
}

// PollingProfiles returns the IDs of the profiles the dispatch poll reads,
// from the same sparse index, like SyncingProfiles.
func (s *Profiles) PollingProfiles(ctx context.Context) ([]string, error) {
	ids, err := s.sparseIndex(ctx, pollingOn, syncingPolling)
	if err != nil {
		return nil, fmt.Errorf("polling profiles: %w", err)
	}
	return ids, nil
}

// sparseIndex reads the IDs of the profiles whose syncing attribute is one
// of values from the sparse syncing index, page by page, sorted.
func (s *Profiles) sparseIndex(ctx context.Context, values ...string) ([]string, error) {
	var ids []string
	for _, v := range values {
		var start map[string]types.AttributeValue
		for {
			out, err := s.api.Query(ctx, &dynamodb.QueryInput{
				TableName:                 aws.String(s.table),
				IndexName:                 aws.String(syncingIndex),
				KeyConditionExpression:    aws.String("#s = :on"),
				ExpressionAttributeNames:  map[string]string{"#s": attrSyncing},
				ExpressionAttributeValues: map[string]types.AttributeValue{":on": &types.AttributeValueMemberS{Value: v}},
				ExclusiveStartKey:         start,
			})
			if err != nil {
				return nil, fmt.Errorf("query index %s: %w", syncingIndex, err)
			}
			for _, it := range out.Items {
				if pk, ok := it[attrPK].(*types.AttributeValueMemberS); ok {
					ids = append(ids, pk.Value)
				}
			}
			if len(out.LastEvaluatedKey) == 0 {
				break
			}
			start = out.LastEvaluatedKey
		}
	}
	slices.Sort(ids)
	return ids, nil
}

func shortID(id string) string { return (&profile.Profile{ID: id}).Short() }
