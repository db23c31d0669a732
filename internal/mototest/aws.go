package mototest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// Region is the region every client of the test server uses.
const Region = "eu-west-2"

// Names agreed with the SAM template for the tables' keys, indexes and TTL.
const (
	AttrPK            = "pk"
	AttrSK            = "sk"
	AttrWebhookKey    = "webhookKey"
	AttrWebhookHash   = "webhookKeyHash"
	AttrStreamOrder   = "streamOrderKey"
	AttrExpiresAt     = "expiresAt"
	WebhookKeyIndex   = "webhookKey-index"
	WebhookHashIndex  = "webhookKeyHash-index"
	AttrSyncing       = "syncing"
	SyncingIndex      = "syncing-index"
	AttrOpenProfile   = "openProfile"
	AttrOpenKey       = "openKey"
	OpenIndex         = "open-index"
	StreamOrderIndex  = "streamOrder-index"
	profilesTablePfx  = "profiles-"
	shipmentsTablePfx = "shipments-"
)

// AWSConfig returns an SDK configuration that sends every service to the
// server with fixed fake credentials in Region.
func (s *Server) AWSConfig() aws.Config {
	return aws.Config{
		Region:       Region,
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(s.endpoint),
	}
}

// DynamoDB returns a DynamoDB client for the server.
func (s *Server) DynamoDB() *dynamodb.Client { return dynamodb.NewFromConfig(s.AWSConfig()) }

// SQS returns an SQS client for the server.
func (s *Server) SQS() *sqs.Client { return sqs.NewFromConfig(s.AWSConfig()) }

// KMS returns a KMS client for the server.
func (s *Server) KMS() *kms.Client { return kms.NewFromConfig(s.AWSConfig()) }

// UniqueName returns prefix followed by random hex, so tests sharing a
// server do not share tables.
func UniqueName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// CreateProfilesTable creates a profiles table as template.yaml declares it:
// partition key pk (S); global secondary indexes webhookKeyHash-index on
// webhookKeyHash (S, keys only), the legacy webhookKey-index on webhookKey
// (S, all attributes) and syncing-index on syncing (S, keys only); TTL on
// expiresAt.
func CreateProfilesTable(ctx context.Context, db *dynamodb.Client, name string) error {
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(AttrPK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrWebhookHash), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrWebhookKey), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrSyncing), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrPK), KeyType: types.KeyTypeHash},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String(WebhookHashIndex),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String(AttrWebhookHash), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}, {
			IndexName:  aws.String(WebhookKeyIndex),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String(AttrWebhookKey), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}, {
			IndexName:  aws.String(SyncingIndex),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String(AttrSyncing), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}},
	}
	return createTable(ctx, db, in)
}

// CreateShipmentsTable creates a shipments table as template.yaml declares
// it: partition key pk (S), sort key sk (S), global secondary index
// streamOrder-index on streamOrderKey (S, all attributes), the sparse
// keys-only open-index on openProfile and openKey (S, S), and TTL on
// expiresAt.
func CreateShipmentsTable(ctx context.Context, db *dynamodb.Client, name string) error {
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(AttrPK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrSK), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrStreamOrder), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrOpenProfile), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(AttrOpenKey), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(AttrPK), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(AttrSK), KeyType: types.KeyTypeRange},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{
			IndexName:  aws.String(StreamOrderIndex),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String(AttrStreamOrder), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}, {
			IndexName: aws.String(OpenIndex),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String(AttrOpenProfile), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String(AttrOpenKey), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly},
		}},
	}
	return createTable(ctx, db, in)
}

func createTable(ctx context.Context, db *dynamodb.Client, in *dynamodb.CreateTableInput) error {
	name := aws.ToString(in.TableName)
	if _, err := db.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	waiter := dynamodb.NewTableExistsWaiter(db)
	if err := waiter.Wait(ctx, &dynamodb.DescribeTableInput{TableName: in.TableName}, startTimeout); err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{
		TableName: in.TableName,
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(AttrExpiresAt),
			Enabled:       aws.Bool(true),
		},
	})
	if err != nil {
		return fmt.Errorf("enable TTL on table %s: %w", name, err)
	}
	return nil
}

// CreateKMSKey creates a symmetric encryption key and returns its ARN.
func CreateKMSKey(ctx context.Context, c *kms.Client) (string, error) {
	out, err := c.CreateKey(ctx, &kms.CreateKeyInput{
		Description: aws.String("linnstream profile secrets (test)"),
		KeySpec:     kmstypes.KeySpecSymmetricDefault,
		KeyUsage:    kmstypes.KeyUsageTypeEncryptDecrypt,
	})
	if err != nil {
		return "", fmt.Errorf("create KMS key: %w", err)
	}
	return aws.ToString(out.KeyMetadata.Arn), nil
}

// ProfilesTable creates a fresh profiles table for the test and returns its
// name.
func ProfilesTable(t testing.TB) string {
	t.Helper()
	s := Get(t)
	name := UniqueName(profilesTablePfx)
	if err := CreateProfilesTable(Context(t), s.DynamoDB(), name); err != nil {
		t.Fatal(err)
	}
	return name
}

// ShipmentsTable creates a fresh shipments table for the test and returns
// its name.
func ShipmentsTable(t testing.TB) string {
	t.Helper()
	s := Get(t)
	name := UniqueName(shipmentsTablePfx)
	if err := CreateShipmentsTable(Context(t), s.DynamoDB(), name); err != nil {
		t.Fatal(err)
	}
	return name
}

// KMSKey creates a fresh KMS key for the test and returns its ARN.
func KMSKey(t testing.TB) string {
	t.Helper()
	s := Get(t)
	arn, err := CreateKMSKey(Context(t), s.KMS())
	if err != nil {
		t.Fatal(err)
	}
	return arn
}

// WriteBackQueue creates a FIFO write-back queue with a FIFO dead-letter
// queue after five receives, as template.yaml declares them, and returns
// its URL.
func WriteBackQueue(t testing.TB) string {
	t.Helper()
	c := Get(t).SQS()
	ctx := Context(t)
	name := UniqueName("writeback-")
	dlq, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-dlq.fifo"),
		Attributes: map[string]string{"FifoQueue": "true"}})
	if err != nil {
		t.Fatalf("create dead-letter queue: %v", err)
	}
	attrs, err := c.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: dlq.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatalf("read dead-letter queue ARN: %v", err)
	}
	q, err := c.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + ".fifo"),
		Attributes: map[string]string{
			"FifoQueue":                 "true",
			"ContentBasedDeduplication": "false",
			"VisibilityTimeout":         "360",
			"RedrivePolicy":             fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":5}`, attrs.Attributes["QueueArn"]),
		}})
	if err != nil {
		t.Fatalf("create write-back queue: %v", err)
	}
	return *q.QueueUrl
}
