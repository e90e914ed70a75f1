package mapper

// Creating a struct's table from its tags.

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/schema"
)

// TableCreator is what Table.CreateTable needs of the mapper's client
// beyond Client: *dynamodb.Client satisfies it.
type TableCreator interface {
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// ClientError reports that the mapper's client lacks the methods an
// operation needs. It wraps ddbcrypt.ErrInvalidConfig.
type ClientError struct {
	Op     string // the operation, e.g. "CreateTable"
	Client string // the client's type
	Need   string // the interface the client must satisfy
}

func (e *ClientError) Error() string {
	return fmt.Sprintf("%v: %s needs a client that satisfies %s, and the mapper's client, a %s, does not", ddbcrypt.ErrInvalidConfig, e.Op, e.Need, e.Client)
}

func (e *ClientError) Unwrap() error { return ddbcrypt.ErrInvalidConfig }

// WithProvisionedThroughput (CreateTable, CreateTableInput) creates the
// table in PROVISIONED billing mode with read and write capacity units for
// the table and for each global secondary index (local ones share the
// table's). The default is PAY_PER_REQUEST, on demand.
func WithProvisionedThroughput(read, write int64) Option {
	return Option{"WithProvisionedThroughput", atCreate, func(s *settings) {
		s.create.read, s.create.write, s.create.provisioned = read, write, true
	}}
}

// WithResourceTag (CreateTable, CreateTableInput) adds an AWS resource tag
// (for cost allocation and access control) to the table.
func WithResourceTag(key, value string) Option {
	return Option{"WithResourceTag", atCreate, func(s *settings) {
		s.create.tags = append(s.create.tags, types.Tag{Key: aws.String(key), Value: aws.String(value)})
	}}
}

// WithStream (CreateTable, CreateTableInput) turns on the table's stream
// with the given view, e.g. types.StreamViewTypeNewAndOldImages. Its
// records hold the items as stored: encrypted and signed.
func WithStream(view types.StreamViewType) Option {
	return Option{"WithStream", atCreate, func(s *settings) { s.create.stream = view }}
}

// createSettings is what the options of CreateTable set.
type createSettings struct {
	read, write int64 // provisioned capacity units
	provisioned bool  // else on demand
	tags        []types.Tag
	stream      types.StreamViewType
}

// CreateTableInput returns the CreateTable request for T's table, for teams
// that manage tables as code (or to adjust before sending it):
//
//   - the table's name, and its key schema from the fields tagged hash and
//     range, with their attribute types (S, N or B) from the Go field
//     types as the tags encode them (schema.Field.KeyType);
//   - a secondary index for each index the tags declare (index=NAME:hash,
//     index=NAME:range): local if its partition key is the table's, global
//     otherwise, each projecting ALL attributes. An encrypted item can only
//     be verified whole, since its signature covers every signed attribute,
//     so an index that projects fewer attributes could not be read through
//     the mapper;
//   - an attribute definition for each key attribute of the table and of
//     its indexes, once;
//   - PAY_PER_REQUEST billing unless WithProvisionedThroughput says
//     otherwise, and the resource tags and stream of the options.
//
// It fails, wrapping ddbcrypt.ErrInvalidConfig, if T has no key tags (a
// struct that takes its keys from an existing table cannot say what they
// are) or an option is out of range.
func (t *Table[T]) CreateTableInput(opts ...Option) (*dynamodb.CreateTableInput, error) {
	return t.t.createTableInput("CreateTableInput", opts)
}

// CreateTable creates T's table as CreateTableInput describes it and waits
// until it is ACTIVE, for at most ten minutes or until ctx is done. On AWS
// that takes seconds to a few minutes.
//
// The mapper's client must also have CreateTable (TableCreator), or the
// error is a *ClientError. A failed call, or a failed wait, is a
// *ddbcrypt.DynamoDBError with Op "CreateTable", wrapping the SDK's error:
// for a table that already exists, a *types.ResourceInUseException. The role the mapper runs as
// needs dynamodb:CreateTable and dynamodb:DescribeTable (and
// dynamodb:TagResource with WithResourceTag).
//
// An item whose index key is missing is left out of that index. DynamoDB
// refuses an item whose index key is empty or NULL, so tag a key of a
// sparse index omitempty.
func (t *Table[T]) CreateTable(ctx context.Context, opts ...Option) error {
	in, err := t.t.createTableInput("CreateTable", opts)
	if err != nil {
		return err
	}
	c, ok := t.t.m.client.(TableCreator)
	if !ok {
		return &ClientError{Op: "CreateTable", Client: fmt.Sprintf("%T", t.t.m.client), Need: "mapper.TableCreator"}
	}
	if _, err := c.CreateTable(ctx, in); err != nil {
		return fmt.Errorf("table %s: %w", t.t.name, dynamoFailed("CreateTable", err))
	}
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = time.Second, 20*time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t.t.name)}, 10*time.Minute); err != nil {
		return fmt.Errorf("table %s: %w", t.t.name, dynamoFailed("CreateTable", fmt.Errorf("waiting for the table to become ACTIVE: %w", err)))
	}
	return nil
}

func (t *table) createTableInput(call string, opts []Option) (*dynamodb.CreateTableInput, error) {
	o, err := options(atCreate, call, opts)
	if err != nil {
		return nil, err
	}
	c := o.create
	if err := c.check(); err != nil {
		return nil, err
	}
	s := t.schema
	if s.PartitionKey == nil {
		return nil, invalidConfig("type %v has no key tags, so the key schema of table %s is not known: tag the partition key field ddb:\"NAME,hash\" (and a sort key field ddb:\"NAME,range\"), or create the table yourself, whose keys the mapper then takes", s.Type, t.name)
	}
	var defs []types.AttributeDefinition
	keySchema := func(partition, sort *schema.Field) []types.KeySchemaElement {
		ks := []types.KeySchemaElement{{AttributeName: aws.String(partition.Name), KeyType: types.KeyTypeHash}}
		if sort != nil {
			ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(sort.Name), KeyType: types.KeyTypeRange})
		}
		for _, f := range [...]*schema.Field{partition, sort} {
			if f != nil && !slices.ContainsFunc(defs, func(d types.AttributeDefinition) bool { return *d.AttributeName == f.Name }) {
				defs = append(defs, types.AttributeDefinition{AttributeName: aws.String(f.Name), AttributeType: f.KeyType})
			}
		}
		return ks
	}
	in := &dynamodb.CreateTableInput{
		TableName:   aws.String(t.name),
		KeySchema:   keySchema(s.PartitionKey, s.SortKey),
		BillingMode: types.BillingModePayPerRequest,
		Tags:        c.tags,
	}
	throughput := func() *types.ProvisionedThroughput { return nil }
	if c.provisioned {
		in.BillingMode = types.BillingModeProvisioned
		throughput = func() *types.ProvisionedThroughput {
			return &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(c.read), WriteCapacityUnits: aws.Int64(c.write)}
		}
		in.ProvisionedThroughput = throughput()
	}
	for _, ix := range s.Indexes {
		ks := keySchema(ix.PartitionKey, ix.SortKey)
		all := &types.Projection{ProjectionType: types.ProjectionTypeAll}
		if ix.Local {
			in.LocalSecondaryIndexes = append(in.LocalSecondaryIndexes, types.LocalSecondaryIndex{IndexName: aws.String(ix.Name), KeySchema: ks, Projection: all})
		} else {
			in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{IndexName: aws.String(ix.Name), KeySchema: ks, Projection: all, ProvisionedThroughput: throughput()})
		}
	}
	in.AttributeDefinitions = defs
	if c.stream != "" {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: c.stream}
	}
	return in, nil
}

// check refuses options DynamoDB would refuse, before any call.
func (c *createSettings) check() error {
	if c.provisioned && (c.read < 1 || c.write < 1) {
		return invalidConfig("provisioned throughput of %d read and %d write capacity units: each must be at least 1", c.read, c.write)
	}
	for _, tag := range c.tags {
		if *tag.Key == "" {
			return invalidConfig("a resource tag needs a key")
		}
	}
	if c.stream != "" && !slices.Contains(c.stream.Values(), c.stream) {
		return invalidConfig("stream view type %q: want one of %v", c.stream, c.stream.Values())
	}
	return nil
}
