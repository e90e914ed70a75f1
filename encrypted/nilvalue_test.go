package encrypted_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// typedNils holds a nil pointer of each member type, such as
// (*types.AttributeValueMemberS)(nil): a value the SDK's serializer
// dereferences, and so panics on.
var typedNils = map[string]types.AttributeValue{
	"S": (*types.AttributeValueMemberS)(nil), "N": (*types.AttributeValueMemberN)(nil),
	"B": (*types.AttributeValueMemberB)(nil), "BOOL": (*types.AttributeValueMemberBOOL)(nil),
	"NULL": (*types.AttributeValueMemberNULL)(nil), "SS": (*types.AttributeValueMemberSS)(nil),
	"NS": (*types.AttributeValueMemberNS)(nil), "BS": (*types.AttributeValueMemberBS)(nil),
	"L": (*types.AttributeValueMemberL)(nil), "M": (*types.AttributeValueMemberM)(nil),
}

// malformed returns the values no request may carry, by name: each typed
// nil at the top of a value and inside a list and a map, and a nil
// interface in a list and in a map (the SDK drops the one from a list and
// writes invalid JSON for the other).
func malformed() map[string]types.AttributeValue {
	vs := map[string]types.AttributeValue{
		"nil in a list": list(s("x"), nil),
		"nil in a map":  m(map[string]types.AttributeValue{"k": nil}),
	}
	for kind, v := range typedNils {
		vs["nil *"+kind] = v
		vs["nil *"+kind+" in a list"] = list(s("x"), v)
		vs["nil *"+kind+" in a map in a list"] = list(m(map[string]types.AttributeValue{"k": v}))
	}
	return vs
}

// TestTypedNilValuesAreRefused: a value that is a nil member pointer, such
// as (*types.AttributeValueMemberS)(nil), in a key, an encrypted or a
// signed attribute, is an invalid item before any data call: never a
// panic.
func TestTypedNilValuesAreRefused(t *testing.T) {
	for kind, nilValue := range typedNils {
		for _, attr := range []string{"secret", "signed", "pk", "sk"} {
			f, c := fakeClient(t)
			item := map[string]types.AttributeValue{"pk": s("p"), "sk": &types.AttributeValueMemberN{Value: "1"}, "secret": s("x"), "signed": s("y")}
			item[attr] = nilValue
			_, err := c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: fakeTbl, Item: item})
			if !errors.Is(err, ddbcrypt.ErrInvalidItem) {
				t.Errorf("nil *%s in %q: err = %v, want ErrInvalidItem", kind, attr, err)
			}
			if ops := f.DataCalls(); len(ops) != 0 {
				t.Errorf("nil *%s in %q: calls %v reached DynamoDB", kind, attr, ops)
			}
		}
	}
}

// nilSweepCase puts a bad value somewhere in a request: request returns
// the call; the refusal must name attr and say every word of where.
type nilSweepCase struct {
	what    string
	request func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error
	attr    string
	where   []string
}

// withAttr returns a copy of item with name set to v.
func withAttr(item map[string]types.AttributeValue, name string, v types.AttributeValue) map[string]types.AttributeValue {
	out := maps.Clone(item)
	out[name] = v
	return out
}

// badKey returns the key (r, 1) with the sort key replaced by bad.
func badKey(bad types.AttributeValue) map[string]types.AttributeValue {
	return withAttr(key("r", 1), "sk", bad)
}

// badValues returns expression values with :v set to bad.
func badValues(bad types.AttributeValue) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{":p": s("r"), ":v": bad}
}

func nilSweepCases() []nilSweepCase {
	putItem, getItem, deleteItem, updateItem := (*encrypted.Client).PutItem, (*encrypted.Client).GetItem, (*encrypted.Client).DeleteItem, (*encrypted.Client).UpdateItem
	query, scan, batchGet, batchWrite := (*encrypted.Client).Query, (*encrypted.Client).Scan, (*encrypted.Client).BatchGetItem, (*encrypted.Client).BatchWriteItem
	tx, txGet := (*encrypted.Client).TransactWriteItems, (*encrypted.Client).TransactGetItems
	cond := aws.String("plain <> :v")
	return []nilSweepCase{
		{"PutItem Item, DO_NOTHING", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(putItem, &dynamodb.PutItemInput{TableName: fakeTbl, Item: withAttr(fullItem("r", 1), "plain", bad)})
		}, "plain", nil},
		{"PutItem condition values", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(putItem, &dynamodb.PutItemInput{TableName: fakeTbl, Item: fullItem("r", 1), ConditionExpression: aws.String("plain <> :v OR plain = :p"), ExpressionAttributeValues: badValues(bad)})
		}, ":v", []string{"ExpressionAttributeValues"}},
		{"GetItem Key", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(getItem, &dynamodb.GetItemInput{TableName: fakeTbl, Key: badKey(bad)})
		}, "sk", []string{"Key"}},
		{"DeleteItem Key", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(deleteItem, &dynamodb.DeleteItemInput{TableName: fakeTbl, Key: badKey(bad)})
		}, "sk", []string{"Key"}},
		{"DeleteItem condition values", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(deleteItem, &dynamodb.DeleteItemInput{TableName: fakeTbl, Key: key("r", 1), ConditionExpression: aws.String("plain <> :v OR plain = :p"), ExpressionAttributeValues: badValues(bad)})
		}, ":v", []string{"ExpressionAttributeValues"}},
		{"UpdateItem Key", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(updateItem, &dynamodb.UpdateItemInput{TableName: fakeTbl, Key: badKey(bad), UpdateExpression: aws.String("SET plain = :p")})
		}, "sk", []string{"Key"}},
		{"UpdateItem update values", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(updateItem, &dynamodb.UpdateItemInput{TableName: fakeTbl, Key: key("r", 1), UpdateExpression: aws.String("SET plain = :v, counter = :p"), ExpressionAttributeValues: badValues(bad)})
		}, ":v", []string{"ExpressionAttributeValues"}},
		{"UpdateItem condition values", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(updateItem, &dynamodb.UpdateItemInput{TableName: fakeTbl, Key: key("r", 1), UpdateExpression: aws.String("SET counter = :p"), ConditionExpression: cond, ExpressionAttributeValues: badValues(bad)})
		}, ":v", []string{"ExpressionAttributeValues"}},
		{"Query key condition values", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(query, &dynamodb.QueryInput{TableName: fakeTbl, KeyConditionExpression: aws.String("pk = :p AND sk = :v"), ExpressionAttributeValues: badValues(bad)})
		}, ":v", []string{"ExpressionAttributeValues"}},
		{"Query filter values", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(query, &dynamodb.QueryInput{TableName: fakeTbl, KeyConditionExpression: aws.String("pk = :p"), FilterExpression: cond, ExpressionAttributeValues: badValues(bad)})
		}, ":v", []string{"ExpressionAttributeValues"}},
		{"Query ExclusiveStartKey", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(query, &dynamodb.QueryInput{TableName: fakeTbl, KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("r")}, ExclusiveStartKey: badKey(bad)})
		}, "sk", []string{"ExclusiveStartKey"}},
		{"Scan filter values", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(scan, &dynamodb.ScanInput{TableName: fakeTbl, FilterExpression: aws.String("plain <> :v OR plain = :p"), ExpressionAttributeValues: badValues(bad)})
		}, ":v", []string{"ExpressionAttributeValues"}},
		{"Scan ExclusiveStartKey", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(scan, &dynamodb.ScanInput{TableName: fakeTbl, ExclusiveStartKey: badKey(bad)})
		}, "sk", []string{"ExclusiveStartKey"}},
		{"BatchGetItem Keys", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(batchGet, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{fakeTable: {Keys: []map[string]types.AttributeValue{key("r", 1), badKey(bad)}}}})
		}, "sk", []string{"Keys[1]"}},
		{"BatchWriteItem PutRequest, DO_NOTHING", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(batchWrite, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{fakeTable: {
				{PutRequest: &types.PutRequest{Item: fullItem("r", 1)}}, {PutRequest: &types.PutRequest{Item: withAttr(fullItem("r", 2), "counter", bad)}}}}})
		}, "counter", nil},
		{"BatchWriteItem DeleteRequest", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(batchWrite, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{fakeTable: {
				{PutRequest: &types.PutRequest{Item: fullItem("r", 2)}}, {DeleteRequest: &types.DeleteRequest{Key: badKey(bad)}}}}})
		}, "sk", []string{"[1].DeleteRequest.Key"}},
		{"TransactWriteItems Put, DO_NOTHING", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(tx, transactWith(types.TransactWriteItem{Put: &types.Put{TableName: fakeTbl, Item: withAttr(fullItem("r", 2), "plain", bad)}}))
		}, "plain", []string{"TransactItems[1]"}},
		{"TransactWriteItems Put condition values", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(tx, transactWith(types.TransactWriteItem{Put: &types.Put{TableName: fakeTbl, Item: fullItem("r", 2), ConditionExpression: aws.String("plain <> :v OR plain = :p"), ExpressionAttributeValues: badValues(bad)}}))
		}, ":v", []string{"TransactItems[1]", "Put.ExpressionAttributeValues"}},
		{"TransactWriteItems Update Key", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(tx, transactWith(types.TransactWriteItem{Update: &types.Update{TableName: fakeTbl, Key: badKey(bad), UpdateExpression: aws.String("REMOVE plain")}}))
		}, "sk", []string{"TransactItems[1]", "Update.Key"}},
		{"TransactWriteItems Update values", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(tx, transactWith(types.TransactWriteItem{Update: &types.Update{TableName: fakeTbl, Key: key("r", 2), UpdateExpression: aws.String("SET plain = :v, counter = :p"), ExpressionAttributeValues: badValues(bad)}}))
		}, ":v", []string{"TransactItems[1]", "Update.ExpressionAttributeValues"}},
		{"TransactWriteItems Delete Key", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(tx, transactWith(types.TransactWriteItem{Delete: &types.Delete{TableName: fakeTbl, Key: badKey(bad)}}))
		}, "sk", []string{"TransactItems[1]", "Delete.Key"}},
		{"TransactWriteItems Delete condition values", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(tx, transactWith(types.TransactWriteItem{Delete: &types.Delete{TableName: fakeTbl, Key: key("r", 2), ConditionExpression: aws.String("plain <> :v OR plain = :p"), ExpressionAttributeValues: badValues(bad)}}))
		}, ":v", []string{"TransactItems[1]", "Delete.ExpressionAttributeValues"}},
		{"TransactWriteItems ConditionCheck Key", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(tx, transactWith(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: fakeTbl, Key: badKey(bad), ConditionExpression: aws.String("attribute_exists(pk)")}}))
		}, "sk", []string{"TransactItems[1]", "ConditionCheck.Key"}},
		{"TransactWriteItems ConditionCheck values", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(tx, transactWith(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: fakeTbl, Key: key("r", 2), ConditionExpression: aws.String("plain <> :v OR plain = :p"), ExpressionAttributeValues: badValues(bad)}}))
		}, ":v", []string{"TransactItems[1]", "ConditionCheck.ExpressionAttributeValues"}},
		{"TransactGetItems Key", func(bad types.AttributeValue) func(context.Context, *encrypted.Client) error {
			return call(txGet, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{{Get: &types.Get{TableName: fakeTbl, Key: key("r", 1)}}, {Get: &types.Get{TableName: fakeTbl, Key: badKey(bad)}}}})
		}, "sk", []string{"TransactItems[1].Get.Key"}},
	}
}

// noPanic runs call, turning a panic into an error that wraps no error
// kind, so that a table of cases reports every case that panics.
func noPanic(ctx context.Context, c *encrypted.Client, call func(context.Context, *encrypted.Client) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return call(ctx, c)
}

// TestMalformedValuesAreRefused: a nil or nil-member value anywhere in a
// request (a DO_NOTHING attribute, a key, an expression value, a paging
// key, of every operation) is refused naming the attribute or placeholder
// and the part of the request, before any DynamoDB call: the SDK would
// panic on it, or send invalid JSON.
func TestMalformedValuesAreRefused(t *testing.T) {
	t.Parallel()
	for _, tc := range nilSweepCases() {
		for kind, bad := range malformed() {
			what := tc.what + ": " + kind
			f, c := fakeClient(t)
			err := noPanic(t.Context(), c, tc.request(bad))
			refusedOffline(t, f, what, err, tc.attr, append([]string{"invalid item", "nil"}, tc.where...)...)
		}
	}
}

// TestMalformedValuesInAllDoNothingTable: a table that neither signs nor
// encrypts sends items as they are; a nil value in one is still refused.
func TestMalformedValuesInAllDoNothingTable(t *testing.T) {
	t.Parallel()
	for kind, bad := range malformed() {
		f := testenv.NewFakeDB(t)
		f.Expect()
		c := newClient(f, testenv.WrappedProvider(t), fakeTable, &crypto.AttributeActions{Default: crypto.DoNothing})
		err := noPanic(t.Context(), c, call((*encrypted.Client).PutItem, &dynamodb.PutItemInput{TableName: fakeTbl, Item: withAttr(key("r", 1), "other", bad)}))
		refusedOffline(t, f, "all DO_NOTHING PutItem: "+kind, err, "other", "nil")
	}
}

// TestMalformedRequestsAreRefused: a request with a nil input, or a nil or
// empty piece where DynamoDB needs one, is refused before any call, saying
// what is missing.
func TestMalformedRequestsAreRefused(t *testing.T) {
	t.Parallel()
	tx := (*encrypted.Client).TransactWriteItems
	batchGet, batchWrite := (*encrypted.Client).BatchGetItem, (*encrypted.Client).BatchWriteItem
	for _, tc := range []struct {
		what string
		call func(context.Context, *encrypted.Client) error
		why  []string
	}{
		{"nil PutItemInput", call((*encrypted.Client).PutItem, nil), []string{"nil *dynamodb.PutItemInput"}},
		{"nil GetItemInput", call((*encrypted.Client).GetItem, nil), []string{"nil *dynamodb.GetItemInput"}},
		{"nil DeleteItemInput", call((*encrypted.Client).DeleteItem, nil), []string{"nil *dynamodb.DeleteItemInput"}},
		{"nil UpdateItemInput", call((*encrypted.Client).UpdateItem, nil), []string{"nil *dynamodb.UpdateItemInput"}},
		{"nil QueryInput", call((*encrypted.Client).Query, nil), []string{"nil *dynamodb.QueryInput"}},
		{"nil ScanInput", call((*encrypted.Client).Scan, nil), []string{"nil *dynamodb.ScanInput"}},
		{"nil BatchGetItemInput", call(batchGet, nil), []string{"nil *dynamodb.BatchGetItemInput"}},
		{"nil BatchWriteItemInput", call(batchWrite, nil), []string{"nil *dynamodb.BatchWriteItemInput"}},
		{"nil TransactWriteItemsInput", call(tx, nil), []string{"nil *dynamodb.TransactWriteItemsInput"}},
		{"nil TransactGetItemsInput", call((*encrypted.Client).TransactGetItems, nil), []string{"nil *dynamodb.TransactGetItemsInput"}},

		{"TransactWriteItems with no TransactItems", call(tx, &dynamodb.TransactWriteItemsInput{}), []string{"TransactItems"}},
		{"TransactWriteItems with an empty element", call(tx, transactWith(types.TransactWriteItem{})), []string{"TransactItems[1]", "no operation"}},
		{"TransactGetItems with no TransactItems", call((*encrypted.Client).TransactGetItems, &dynamodb.TransactGetItemsInput{}), []string{"TransactItems"}},
		{"TransactGetItems with an element without Get", call((*encrypted.Client).TransactGetItems, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
			{Get: &types.Get{TableName: fakeTbl, Key: key("r", 1)}}, {}}}), []string{"TransactItems[1]", "Get"}},
		{"BatchGetItem with no RequestItems", call(batchGet, &dynamodb.BatchGetItemInput{}), []string{"RequestItems"}},
		{"BatchGetItem with nil Keys", call(batchGet, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{fakeTable: {}}}), []string{"Keys"}},
		{"BatchGetItem with a nil key", call(batchGet, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{fakeTable: {
			Keys: []map[string]types.AttributeValue{key("r", 1), nil}}}}), []string{"Keys[1]"}},
		{"BatchWriteItem with no RequestItems", call(batchWrite, &dynamodb.BatchWriteItemInput{}), []string{"RequestItems"}},
		{"BatchWriteItem with no requests for a table", call(batchWrite, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{fakeTable: nil}}), []string{"RequestItems", fakeTable}},
		{"BatchWriteItem with an empty request", call(batchWrite, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{fakeTable: {
			{PutRequest: &types.PutRequest{Item: fullItem("r", 1)}}, {}}}}), []string{"[1]", "neither"}},
		{"BatchWriteItem with a nil delete key", call(batchWrite, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{fakeTable: {
			{PutRequest: &types.PutRequest{Item: fullItem("r", 1)}}, {DeleteRequest: &types.DeleteRequest{}}}}}), []string{"[1].DeleteRequest", "Key"}},
	} {
		f, c := fakeClient(t)
		err := noPanic(t.Context(), c, tc.call)
		refusedOffline(t, f, tc.what, err, "", tc.why...)
	}
}
