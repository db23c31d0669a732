// Package dynamo keeps linnstream's data in DynamoDB: the profiles table and
// (later) the shipments table declared in template.yaml.
package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// Environment variables naming the tables in Lambda.
const (
	EnvProfilesTable  = "PROFILES_TABLE"
	EnvShipmentsTable = "SHIPMENTS_TABLE"
)

// Attribute and index names agreed with template.yaml.
const (
	attrPK          = "pk"
	attrWebhookKey  = "webhookKey"
	attrExpiresAt   = "expiresAt"
	attrVersion     = "version"
	webhookKeyIndex = "webhookKey-index"
)

// API is the part of the DynamoDB client the stores use. Build the client
// once at init and share it.
type API interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

var _ API = (*dynamodb.Client)(nil)
