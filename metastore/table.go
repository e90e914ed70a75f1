package metastore

// Creating a MetaStore table (docs/format.md 7.6.1).

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// TableClient is the part of the DynamoDB API CreateTable calls.
// *dynamodb.Client satisfies it.
type TableClient interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// TableOption configures CreateTable.
type TableOption func(*tableOptions)

type tableOptions struct {
	read, write int64 // provisioned capacity; 0: on demand
	wait        time.Duration
}

// WithProvisionedThroughput creates the table with provisioned capacity
// (read and write capacity units) instead of on demand (PAY_PER_REQUEST),
// as Java's and Python's createTable do.
func WithProvisionedThroughput(read, write int64) TableOption {
	return func(o *tableOptions) { o.read, o.write = read, write }
}

// WithMaxWait bounds how long CreateTable waits for the table to become
// active; the default is 5 minutes. The context bounds it too.
func WithMaxWait(d time.Duration) TableOption {
	return func(o *tableOptions) { o.wait = d }
}

// CreateTable creates a MetaStore table: partition key N (S), sort key V
// (N), nothing else, on demand unless WithProvisionedThroughput is given.
// It waits until the table is active. An existing table is an error that
// wraps the SDK's *types.ResourceInUseException.
func CreateTable(ctx context.Context, client TableClient, tableName string, opts ...TableOption) error {
	o := tableOptions{wait: 5 * time.Minute}
	for _, opt := range opts {
		opt(&o)
	}
	if client == nil || tableName == "" {
		return fmt.Errorf("%w: CreateTable needs a client and a table name", ddbcrypt.ErrInvalidConfig)
	}
	if o.read < 0 || o.write < 0 || (o.read == 0) != (o.write == 0) || o.wait <= 0 {
		return fmt.Errorf("%w: CreateTable needs both read and write capacity (or neither) and a positive wait", ddbcrypt.ErrInvalidConfig)
	}
	in := tableinfo.StringNumberTable(tableName, tableinfo.KeySchema{Partition: AttrName, Sort: AttrVersion})
	if o.read > 0 {
		in.BillingMode = types.BillingModeProvisioned
		in.ProvisionedThroughput = &types.ProvisionedThroughput{
			ReadCapacityUnits:  aws.Int64(o.read),
			WriteCapacityUnits: aws.Int64(o.write),
		}
	}
	if _, err := client.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("%w: DynamoDB CreateTable %s: %w", ddbcrypt.ErrKeyService, tableName, err)
	}
	if err := tableinfo.WaitActive(ctx, client, tableName, o.wait); err != nil {
		return fmt.Errorf("%w: waiting for table %s to become active: %w", ddbcrypt.ErrKeyService, tableName, err)
	}
	return nil
}
