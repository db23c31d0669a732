// Package dynamo keeps linnstream's data in DynamoDB: the profiles table and
// (later) the shipments table declared in template.yaml.
package dynamo

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Environment variables naming the tables in Lambda.
const (
	EnvProfilesTable  = "PROFILES_TABLE"
	EnvShipmentsTable = "SHIPMENTS_TABLE"
)

// Attribute and index names agreed with template.yaml.
const (
	attrPK        = "pk"
	attrExpiresAt = "expiresAt"
	attrVersion   = "version"
	attrNumbering = "numbering"
	// attrHolder names the profile holding a numbering on its item.
	attrHolder = "holder"
	// attrWebhookKeyHash holds profile.WebhookKeyHash of a profile's
	// webhook key; webhookKeyHashIndex finds a profile by it.
	attrWebhookKeyHash  = "webhookKeyHash"
	webhookKeyHashIndex = "webhookKeyHash-index"
	// attrLegacyWebhookKey is the plaintext key on profiles written before
	// keys were sealed, and legacyWebhookKeyIndex the index on it. Nothing
	// writes the attribute any more; ByWebhookKey falls back to the index
	// until every profile has been written again (see ByWebhookKey).
	attrLegacyWebhookKey  = "webhookKey"
	legacyWebhookKeyIndex = "webhookKey-index"
	// attrSyncing is set only on profiles with background work, to what
	// they take part in: syncingOn (the order sync), pollingOn (the
	// dispatch poll) or syncingPolling (both). syncingIndex is sparse,
	// holding just those, and each list queries its two values. One index
	// serves both, as one stack update may add only one index to a table.
	attrSyncing    = "syncing"
	syncingOn      = "1"
	pollingOn      = "poll"
	syncingPolling = "1+poll"
	syncingIndex   = "syncing-index"
)

// API is the part of the DynamoDB client the stores use. Build the client
// once at init and share it.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
	TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error)
}

var _ API = (*dynamodb.Client)(nil)

// attrWriteID holds a random ID that each conditional put stamps on its
// item. When the SDK resends a put whose first attempt was applied but whose
// reply was lost (a 500, a timeout, a reset connection), the resend fails its
// own condition; finding our ID on the stored item tells that the write did
// land, so it is not mistaken for a lost race.
const attrWriteID = "writeId"

// stampWrite sets a fresh write ID on the item and returns it.
func stampWrite(av map[string]types.AttributeValue) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	id := hex.EncodeToString(b)
	av[attrWriteID] = &types.AttributeValueMemberS{Value: id}
	return id
}

// landed reports whether the stored item is the one a put stamped with id.
func landed(stored map[string]types.AttributeValue, id string) bool {
	w, ok := stored[attrWriteID].(*types.AttributeValueMemberS)
	return ok && id != "" && w.Value == id
}
