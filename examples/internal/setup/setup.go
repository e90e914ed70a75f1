// Package setup holds what the examples share besides the steps they show:
// making sure their table exists, a provider with throwaway keys, a KMS key
// for local runs, and printing items.
package setup

import (
	"context"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Table creates an on-demand table with a string partition key and a
// number sort key, unless it exists already.
func Table(ctx context.Context, db *dynamodb.Client, name, partitionKey, sortKey string) error {
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
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: &name,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(partitionKey), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(sortKey), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(partitionKey), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(sortKey), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		return err
	}
	return dynamodb.NewTableExistsWaiter(db).Wait(ctx, &dynamodb.DescribeTableInput{TableName: &name}, time.Minute)
}
