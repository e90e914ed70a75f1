// Command encrypted-client follows the guide's EncryptedTable and
// EncryptedClient examples with package encrypted, the drop-in wrapper of
// the DynamoDB client: the program calls PutItem, GetItem, Query,
// BatchWriteItem and BatchGetItem as it would on *dynamodb.Client, and the
// items are encrypted and signed on the way in, verified and decrypted on
// the way out.
//
// It puts an item, reads it back both through the encrypted client and
// directly (to show what DynamoDB actually stores), queries the partition,
// and writes and reads a batch. It checks what it shows, like the guide's
// examples do with their asserts, and cleans up after itself.
//
// It talks to whatever DynamoDB the standard AWS configuration points at;
// scripts/services.sh starts DynamoDB Local and `eval "$(scripts/services.sh
// env)"` points it there.
//
//	go run ./examples/encrypted-client [-table name]
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"os"
	"reflect"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/setup"
)

func main() {
	table := flag.String("table", "ddbcrypt-encrypted-client", "table to use (created if missing)")
	flag.Parse()
	log.SetFlags(0)
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		log.Fatalf("encrypted-client: %v", err)
	}
	if err := run(ctx, os.Stdout, dynamodb.NewFromConfig(cfg), *table); err != nil {
		log.Fatalf("encrypted-client: %v", err)
	}
}

// The attribute that is left alone: neither encrypted nor signed.
const leaveMe = "leave me"

func run(ctx context.Context, w io.Writer, db *dynamodb.Client, table string) error {
	if err := setup.Table(ctx, db, table, "partition_attribute", "sort_attribute"); err != nil {
		return err
	}

	// 1. The provider. A real application keeps its keys in a key store or
	// in KMS (see the other examples); these are fresh random keys: an AES
	// key that wraps a new content key for every item, and an HMAC key that
	// signs the items.
	provider, err := newProvider()
	if err != nil {
		return err
	}

	// 2. The encrypted client, in place of the DynamoDB client. Everything
	// is encrypted and signed except "leave me"; the keys of the table are
	// learned from DescribeTable and only signed, since DynamoDB must read
	// them.
	actions := crypto.AttributeActions{
		Default:   crypto.EncryptAndSign,
		Overrides: map[string]crypto.Action{leaveMe: crypto.DoNothing},
	}
	client := encrypted.NewClient(db, provider, encrypted.WithTable(table, encrypted.TableConfig{Actions: &actions}))

	// 3. Put an item, then read it back: through the encrypted client, and
	// directly, to see what is stored.
	key := itemKey("is this", 55)
	item := withAttributes(key)
	if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
		return err
	}
	decrypted, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return err
	}
	stored, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &table, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "PutItem, then GetItem through the encrypted client and directly (table %s):\n\n", table)
	setup.SideBySide(w, stored.Item, decrypted.Item, "FROM THE ENCRYPTED CLIENT")
	if err := check(item, stored.Item, decrypted.Item); err != nil {
		return err
	}

	// 4. A batch: four more items written with BatchWriteItem, read back with
	// BatchGetItem. Unprocessed requests come back as they were given, in
	// plaintext, and are simply sent again through the client.
	keys := []map[string]types.AttributeValue{itemKey("is this", 56), itemKey("is this", 57), itemKey("another", 55), itemKey("another", 56)}
	var writes []types.WriteRequest
	for _, k := range keys {
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: withAttributes(k)}})
	}
	if err := batchWrite(ctx, client, table, writes); err != nil {
		return err
	}
	var got []map[string]types.AttributeValue
	request := map[string]types.KeysAndAttributes{table: {Keys: keys, ConsistentRead: aws.Bool(true)}}
	for len(request) > 0 {
		out, err := client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: request})
		if err != nil {
			return err
		}
		got = append(got, out.Responses[table]...)
		request = out.UnprocessedKeys
	}
	fmt.Fprintf(w, "\nBatchWriteItem and BatchGetItem of %d items:\n", len(keys))
	for _, it := range sortedByKey(got) {
		fmt.Fprintf(w, "  %s\n", summary(it))
		k := map[string]types.AttributeValue{"partition_attribute": it["partition_attribute"], "sort_attribute": it["sort_attribute"]}
		if !reflect.DeepEqual(it, withAttributes(k)) {
			return fmt.Errorf("batch item %s did not come back as written", summary(k))
		}
	}
	if len(got) != len(keys) {
		return fmt.Errorf("BatchGetItem returned %d items, want %d", len(got), len(keys))
	}

	// 5. A query of the partition "is this". The key condition and the filter
	// may only name attributes DynamoDB can read: keys, signed-only and
	// left-alone ones. "example" is encrypted: filtering on it is refused
	// before any call.
	query := &dynamodb.QueryInput{
		TableName:                 &table,
		KeyConditionExpression:    aws.String("partition_attribute = :p AND sort_attribute >= :s"),
		FilterExpression:          aws.String("#leave = :alone"),
		ExpressionAttributeNames:  map[string]string{"#leave": leaveMe},
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": str("is this"), ":s": num("55"), ":alone": str("alone")},
		ConsistentRead:            aws.Bool(true),
	}
	var found []map[string]types.AttributeValue
	for p := dynamodb.NewQueryPaginator(client, query); p.HasMorePages(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return err
		}
		found = append(found, page.Items...)
	}
	fmt.Fprintf(w, "\nQuery of partition \"is this\", filtered on %q:\n", leaveMe)
	for _, it := range found {
		fmt.Fprintf(w, "  %s\n", summary(it))
	}
	if len(found) != 3 {
		return fmt.Errorf("the query found %d items, want 3", len(found))
	}
	_, err = client.Query(ctx, &dynamodb.QueryInput{
		TableName:                 &table,
		KeyConditionExpression:    aws.String("partition_attribute = :p"),
		FilterExpression:          aws.String("example = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": str("is this"), ":v": str("data")},
	})
	if err == nil {
		return fmt.Errorf("a filter on the encrypted attribute \"example\" was not refused")
	}
	fmt.Fprintf(w, "A filter on \"example\" is refused: %v\n", err)

	// 6. Clean up, in one more batch.
	var deletes []types.WriteRequest
	for _, k := range append(keys, key) {
		deletes = append(deletes, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: k}})
	}
	if err := batchWrite(ctx, client, table, deletes); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nDeleted the %d items.\n", len(deletes))
	return nil
}

// newProvider makes a wrapped provider with fresh random keys.
func newProvider() (cmp.Provider, error) {
	random := func(n int) []byte {
		b := make([]byte, n)
		rand.Read(b)
		return b
	}
	mac, err := cmp.NewHMACKey("HmacSHA256", random(32))
	if err != nil {
		return nil, err
	}
	kek, err := cmp.NewAESWrappingKey(random(32))
	if err != nil {
		return nil, err
	}
	return cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: kek, UnwrappingKey: kek, SigningKey: mac})
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

func str(s string) types.AttributeValue { return &types.AttributeValueMemberS{Value: s} }
func num(n string) types.AttributeValue { return &types.AttributeValueMemberN{Value: n} }

func itemKey(partition string, sort int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"partition_attribute": str(partition), "sort_attribute": num(fmt.Sprint(sort))}
}

// withAttributes returns the guide's item with the given key.
func withAttributes(key map[string]types.AttributeValue) map[string]types.AttributeValue {
	item := maps.Clone(key)
	item["example"] = str("data")
	item["some numbers"] = num("99")
	item["and some binary"] = &types.AttributeValueMemberB{Value: []byte{0x00, 0x01, 0x02}}
	item[leaveMe] = str("alone")
	return item
}

// check does what the guide's asserts do: the encrypted attributes are
// stored as something else, and everything reads back as written.
func check(plaintext, stored, decrypted map[string]types.AttributeValue) error {
	for name, want := range plaintext {
		switch name {
		case "partition_attribute", "sort_attribute", leaveMe:
			if !reflect.DeepEqual(stored[name], want) {
				return fmt.Errorf("%q is not stored in plaintext", name)
			}
		default:
			if _, ok := stored[name].(*types.AttributeValueMemberB); !ok || reflect.DeepEqual(stored[name], want) {
				return fmt.Errorf("%q is not stored encrypted", name)
			}
		}
	}
	if !reflect.DeepEqual(decrypted, plaintext) {
		return fmt.Errorf("the item did not read back as written")
	}
	return nil
}

// summary renders an item's key and a few of its attributes on one line.
func summary(item map[string]types.AttributeValue) string {
	var parts []string
	for _, name := range []string{"partition_attribute", "sort_attribute", "example", leaveMe} {
		if av, ok := item[name]; ok {
			parts = append(parts, fmt.Sprintf("%s=%s", name, setup.Show(av)))
		}
	}
	return strings.Join(parts, " ")
}

func sortedByKey(items []map[string]types.AttributeValue) []map[string]types.AttributeValue {
	out := slices.Clone(items)
	slices.SortFunc(out, func(a, b map[string]types.AttributeValue) int {
		return strings.Compare(summary(a), summary(b))
	})
	return out
}
