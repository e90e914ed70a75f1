package setup

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Table creates an on-demand table for Record (a string partition key and a
// number sort key), unless it exists already.
func Table(ctx context.Context, db *dynamodb.Client, name string) error {
	// List rather than describe: DynamoDB Local's error responses make the
	// SDK log a checksum warning.
	for p := dynamodb.NewListTablesPaginator(db, &dynamodb.ListTablesInput{}); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		if slices.Contains(page.TableNames, name) {
			return nil
		}
	}
	in := &dynamodb.CreateTableInput{TableName: &name, BillingMode: types.BillingModePayPerRequest}
	for _, key := range []struct {
		name string
		role types.KeyType
		typ  types.ScalarAttributeType
	}{
		{PartitionKey, types.KeyTypeHash, types.ScalarAttributeTypeS},
		{SortKey, types.KeyTypeRange, types.ScalarAttributeTypeN},
	} {
		in.KeySchema = append(in.KeySchema, types.KeySchemaElement{AttributeName: aws.String(key.name), KeyType: key.role})
		in.AttributeDefinitions = append(in.AttributeDefinitions, types.AttributeDefinition{AttributeName: aws.String(key.name), AttributeType: key.typ})
	}
	_, err := db.CreateTable(ctx, in)
	if err != nil {
		return err
	}
	return dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: &name}, time.Minute)
}
