package encrypted_test

// Items DynamoDB returns must be the ones asked for: a store that answers
// with another item, valid as it is, must not pass it off as the one asked
// for.

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// newSwapEnv returns a fake environment holding two valid items, (a, 1)
// and (a, 2), written through the client.
func newSwapEnv(t *testing.T) *fakeEnv {
	t.Helper()
	e := newFakeEnv(t)
	put(t, e.c, e.table, fullItem("a", 1))
	put(t, e.c, e.table, fullItem("a", 2))
	return e
}

func TestGetItemChecksTheKey(t *testing.T) {
	e := newSwapEnv(t)
	// The same key, its number written otherwise, is the same item.
	got, err := e.c.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: map[string]types.AttributeValue{"pk": s("a"), "sk": n("1.0")}})
	if err != nil {
		t.Fatalf("GetItem with sk 1.0: %v", err)
	}
	checkItem(t, "GetItem with sk 1.0", got.Item, fullItem("a", 1))

	e.db.OnGetItem = func(context.Context, *dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error) {
		return &dynamodb.GetItemOutput{Item: e.db.Stored("t", key("a", 2))}, nil
	}
	out, err := e.c.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key("a", 1)})
	checkIntegrity(t, "GetItem answered with another item", err, "t", key("a", 1))
	if out != nil {
		t.Errorf("GetItem answered with another item returned %s", renderItem(out.Item))
	}
	// With a projection too, which leaves out the key.
	_, err = e.c.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String("t"), Key: key("a", 1), ProjectionExpression: aws.String("secret")})
	checkIntegrity(t, "GetItem with a projection answered with another item", err, "t", key("a", 1))
}

func TestBatchGetItemChecksTheKeys(t *testing.T) {
	e := newSwapEnv(t)
	answer := func(keys ...map[string]types.AttributeValue) {
		e.db.OnBatchGetItem = func(context.Context, *dynamodb.BatchGetItemInput) (*dynamodb.BatchGetItemOutput, error) {
			var items []map[string]types.AttributeValue
			for _, k := range keys {
				items = append(items, e.db.Stored("t", k))
			}
			return &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{"t": items}}, nil
		}
	}
	ask := &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"t": {Keys: []map[string]types.AttributeValue{key("a", 1)}}}}

	answer(key("a", 1))
	out, err := e.c.BatchGetItem(t.Context(), ask)
	if err != nil || len(out.Responses["t"]) != 1 {
		t.Fatalf("BatchGetItem: %v, %v", out, err)
	}
	checkItem(t, "BatchGetItem", out.Responses["t"][0], fullItem("a", 1))

	answer(key("a", 2))
	_, err = e.c.BatchGetItem(t.Context(), ask)
	checkIntegrity(t, "BatchGetItem answered with another item", err, "t", key("a", 2))

	answer(key("a", 1), key("a", 2))
	_, err = e.c.BatchGetItem(t.Context(), ask)
	checkIntegrity(t, "BatchGetItem answered with an item more", err, "t", key("a", 2))

	answer(key("a", 1), key("a", 1))
	_, err = e.c.BatchGetItem(t.Context(), ask)
	checkIntegrity(t, "BatchGetItem answered with an item twice", err, "t", key("a", 1))
}

func TestTransactGetItemsChecksTheKeys(t *testing.T) {
	e := newSwapEnv(t)
	e.db.OnTransactGetItems = func(_ context.Context, in *dynamodb.TransactGetItemsInput) (*dynamodb.TransactGetItemsOutput, error) {
		// The answers in the wrong order.
		out := &dynamodb.TransactGetItemsOutput{}
		for i := range in.TransactItems {
			other := in.TransactItems[len(in.TransactItems)-1-i].Get.Key
			out.Responses = append(out.Responses, types.ItemResponse{Item: e.db.Stored("t", other)})
		}
		return out, nil
	}
	get := func(k map[string]types.AttributeValue) types.TransactGetItem {
		return types.TransactGetItem{Get: &types.Get{TableName: aws.String("t"), Key: k}}
	}
	_, err := e.c.TransactGetItems(t.Context(), &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{get(key("a", 1)), get(key("a", 2))}})
	checkIntegrity(t, "TransactGetItems answered out of order", err, "t", key("a", 1))

	out, err := e.c.TransactGetItems(t.Context(), &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{get(key("a", 2))}})
	if err != nil || len(out.Responses) != 1 {
		t.Fatalf("TransactGetItems of one item: %v, %v", out, err)
	}
	checkItem(t, "TransactGetItems", out.Responses[0].Item, fullItem("a", 2))
}

// The old item returned by a write must be the written one's.
func TestPutItemOldItemChecksTheKey(t *testing.T) {
	e := newSwapEnv(t)
	e.db.OnPutItem = func(context.Context, *dynamodb.PutItemInput) (*dynamodb.PutItemOutput, error) {
		return &dynamodb.PutItemOutput{Attributes: e.db.Stored("t", key("a", 2))}, nil
	}
	_, err := e.c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String("t"), Item: fullItem("a", 1), ReturnValues: types.ReturnValueAllOld})
	checkIntegrity(t, "PutItem answered with another old item", err, "t", key("a", 1))
}
