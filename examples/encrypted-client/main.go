// Command encrypted-client follows the guide's EncryptedTable and
// EncryptedClient examples with package encrypted, the drop-in wrapper of
// the DynamoDB client: the program calls PutItem, GetItem, Query,
// BatchWriteItem and BatchGetItem as it would on *dynamodb.Client, and the
// items are encrypted and signed on the way in, verified and decrypted on
// the way out.
//
// It puts an item, reads it back both through the encrypted client and
// directly (to show what DynamoDB actually stores), writes and reads a
// batch, queries the partition, and deletes what it wrote.
//
// Run it against the local services (DynamoDB Local; local-kms for -provider
// kms):
//
//	scripts/services.sh start
//	eval "$(scripts/services.sh env)"
//	go run ./examples/encrypted-client [-provider static|wrapped|rsa|kms] [-table name]
package main

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
)

func run(ctx context.Context, env *setup.Env) error {
	// 1. The encrypted client, in place of the DynamoDB client. The actions:
	// "status" signed only, "leave me" left alone, the rest encrypted and
	// signed; the table's keys are learned from DescribeTable and only
	// signed, since DynamoDB must read them.
	actions := setup.Actions()
	client := encrypted.NewClient(env.DB, env.Provider, encrypted.WithTable(env.Table, encrypted.TableConfig{Actions: &actions}))

	// 2. Put an item, then read it back: through the encrypted client, and
	// directly, to see what is stored.
	key := setup.Key("is this", 55)
	if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &env.Table, Item: setup.Item("is this", 55)}); err != nil {
		return err
	}
	decrypted, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &env.Table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return err
	}
	stored, err := setup.Stored(ctx, env.DB, env.Table, key)
	if err != nil {
		return err
	}
	env.Printf("PutItem, then GetItem through the encrypted client and directly (table %s):\n\n", env.Table)
	if err := setup.SideBySide(env.Out, stored, decrypted.Item, "FROM THE ENCRYPTED CLIENT"); err != nil {
		return err
	}

	// 3. A batch: four more items written with BatchWriteItem, read back with
	// BatchGetItem. Unprocessed requests come back as they were given, in
	// plaintext, and are simply sent again through the client.
	var keys []map[string]types.AttributeValue
	var writes []types.WriteRequest
	for _, k := range []struct {
		partition string
		sort      int
	}{{"is this", 56}, {"is this", 57}, {"another", 55}, {"another", 56}} {
		keys = append(keys, setup.Key(k.partition, k.sort))
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: setup.Item(k.partition, k.sort)}})
	}
	if err := batchWrite(ctx, client, env.Table, writes); err != nil {
		return err
	}
	var got []map[string]types.AttributeValue
	request := map[string]types.KeysAndAttributes{env.Table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	for len(request) > 0 {
		out, err := client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: request})
		if err != nil {
			return err
		}
		got = append(got, out.Responses[env.Table]...)
		request = out.UnprocessedKeys
	}
	env.Printf("\nBatchWriteItem and BatchGetItem of %d items:\n", len(keys))
	printSummaries(env, got)

	// 4. A query of the partition "is this". The key condition and the filter
	// may only name attributes DynamoDB can read: keys, signed-only and
	// left-alone ones. "example" is encrypted: filtering on it is refused
	// before any call.
	query := &dynamodb.QueryInput{
		TableName:                &env.Table,
		KeyConditionExpression:   aws.String("partition_attribute = :p AND sort_attribute >= :s"),
		FilterExpression:         aws.String("#status = :active"),
		ExpressionAttributeNames: map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":p": &types.AttributeValueMemberS{Value: "is this"}, ":s": &types.AttributeValueMemberN{Value: "55"},
			":active": &types.AttributeValueMemberS{Value: "active"},
		},
		ConsistentRead: aws.Bool(true),
	}
	var found []map[string]types.AttributeValue
	for p := dynamodb.NewQueryPaginator(client, query); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		found = append(found, page.Items...)
	}
	env.Printf("\nQuery of partition \"is this\", filtered on \"status\":\n")
	printSummaries(env, found)
	query.FilterExpression = aws.String("example = :active")
	query.ExpressionAttributeNames = nil
	if _, err = client.Query(ctx, query); err == nil {
		return fmt.Errorf("a filter on the encrypted attribute \"example\" was not refused")
	}
	env.Printf("A filter on \"example\" is refused: %v\n", err)

	// 5. Clean up, in one more batch.
	var deletes []types.WriteRequest
	for _, k := range append(keys, key) {
		deletes = append(deletes, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}})
	}
	if err := batchWrite(ctx, client, env.Table, deletes); err != nil {
		return err
	}
	env.Printf("\nDeleted the %d items.\n", len(deletes))
	return nil
}

// batchWrite writes requests through the client, sending the unprocessed
// ones again until none is left.
func batchWrite(ctx context.Context, client *encrypted.Client, table string, requests []types.WriteRequest) error {
	pending := map[string][]types.WriteRequest{table: requests}
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt == 10 {
			return fmt.Errorf("BatchWriteItem: requests still unprocessed after %d attempts", attempt)
		}
		out, err := client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
		if err != nil {
			return err
		}
		pending = out.UnprocessedItems
	}
	return nil
}

// printSummaries prints items one a line, sorted: their key and a few of
// their attributes.
func printSummaries(env *setup.Env, items []map[string]types.AttributeValue) {
	var lines []string
	for _, item := range items {
		var parts []string
		for _, name := range []string{setup.PartitionKey, setup.SortKey, "status", "example"} {
			parts = append(parts, fmt.Sprintf("%s=%s", name, setup.Show(item[name])))
		}
		lines = append(lines, strings.Join(parts, " "))
	}
	slices.Sort(lines)
	for _, line := range lines {
		env.Printf("  %s\n", line)
	}
}

// main parses the flags, checks the AWS configuration, makes what the
// program asks for (its table, a KMS key, the provider) and calls run.
func main() { setup.Main(setup.Program{Table: "ddbcrypt-encrypted-client", ChooseProvider: true}, run) }
