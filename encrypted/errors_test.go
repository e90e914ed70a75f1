package encrypted_test

// What the client's errors say when DynamoDB fails a call: the SDK's error,
// whole, and which table and item (or request) the call was about, never
// the value of an encrypted attribute.

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// sdkError wraps err as the SDK returns a service's error.
func sdkError(op string, err error) error {
	return &smithy.OperationError{ServiceID: "DynamoDB", OperationName: op, Err: err}
}

func throttled(op string) error {
	return sdkError(op, &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")})
}

// wantSays fails the test unless err keeps the SDK's error code, says
// every one of says, and says nothing of the items' encrypted values.
func wantSays(t *testing.T, what string, err error, code string, says ...string) {
	t.Helper()
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != code {
		t.Errorf("%s: %v (%T), want the SDK's %s", what, err, err, code)
		return
	}
	for _, s := range says {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("%s: %q does not say %q", what, err, s)
		}
	}
	if strings.Contains(err.Error(), "secret of") {
		t.Errorf("%s: %q holds an encrypted value", what, err)
	}
}

// A failed single-item call is an *ItemError naming the table and the key,
// around the SDK's error.
func TestSingleItemErrorsSayWhichItem(t *testing.T) {
	e := newFakeEnv(t)
	ctx := t.Context()
	tbl := aws.String(e.table)
	put(t, e.c, e.table, fullItem("a", 1))
	e.db.Fail = func(op string) error {
		if op == opDescribe {
			return nil
		}
		return throttled(op)
	}
	var tp *types.ProvisionedThroughputExceededException
	const where = `table t, item {pk="a", sk=1}: `

	_, err := e.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: fullItem("a", 1)})
	testenv.WantItemError(t, "PutItem", err, e.table, key("a", 1))
	wantSays(t, "PutItem", err, "ProvisionedThroughputExceededException", where+"operation error DynamoDB: PutItem")
	_, err = e.c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: key("a", 1)})
	testenv.WantItemError(t, "GetItem", err, e.table, key("a", 1))
	wantSays(t, "GetItem", err, "ProvisionedThroughputExceededException", where)
	_, err = e.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: key("a", 1)})
	testenv.WantItemError(t, "DeleteItem", err, e.table, key("a", 1))
	wantSays(t, "DeleteItem", err, "ProvisionedThroughputExceededException", where)
	_, err = e.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: key("a", 1),
		UpdateExpression: aws.String("SET #c = :one"), ExpressionAttributeNames: map[string]string{"#c": "counter"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")}})
	testenv.WantItemError(t, "UpdateItem", err, e.table, key("a", 1))
	wantSays(t, "UpdateItem", err, "ProvisionedThroughputExceededException", where)
	if !errors.As(err, &tp) {
		t.Errorf("UpdateItem: %v, errors.As finds no *types.ProvisionedThroughputExceededException", err)
	}
}

// A failed condition's error is an *ItemError too, in which errors.As finds
// the SDK's exception, with the stored item it carries verified and
// decrypted.
func TestConditionFailureSaysWhichItem(t *testing.T) {
	e := newFakeEnv(t)
	ctx := t.Context()
	tbl := aws.String(e.table)
	item := fullItem("a", 1)
	put(t, e.c, e.table, item)
	stored := e.db.Stored(e.table, key("a", 1))
	e.db.Fail = func(op string) error {
		if op == opDescribe {
			return nil
		}
		return sdkError(op, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed"), Item: stored})
	}
	cond := aws.String("attribute_not_exists(pk)")
	for _, c := range []struct {
		op   string
		call func() error
	}{
		{opPut, func() error {
			_, err := e.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item, ConditionExpression: cond,
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
			return err
		}},
		{opDelete, func() error {
			_, err := e.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: key("a", 1), ConditionExpression: cond,
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
			return err
		}},
		{opUpdate, func() error {
			_, err := e.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: key("a", 1), ConditionExpression: cond,
				UpdateExpression: aws.String("SET #c = :one"), ExpressionAttributeNames: map[string]string{"#c": "counter"},
				ExpressionAttributeValues:           map[string]types.AttributeValue{":one": n("1")},
				ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
			return err
		}},
	} {
		err := c.call()
		testenv.WantItemError(t, c.op, err, e.table, key("a", 1))
		wantSays(t, c.op, err, "ConditionalCheckFailedException", `table t, item {pk="a", sk=1}: `)
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			t.Errorf("%s: %v, errors.As finds no *types.ConditionalCheckFailedException", c.op, err)
			continue
		}
		if _, raw := ccf.Item[crypto.SignatureAttribute]; raw || renderItem(ccf.Item) != renderItem(item) {
			t.Errorf("%s: the exception carries %s, want the verified plaintext %s", c.op, renderItem(ccf.Item), renderItem(item))
		}
	}
}

// A failed query or scan names the table; a failed batch, its tables and
// how many requests each had; a cancelled transaction, the elements
// DynamoDB gave a reason for.
func TestRequestErrorsSayWhere(t *testing.T) {
	e := newFakeEnv(t)
	ctx := t.Context()
	tbl := aws.String(e.table)
	var fail error
	e.db.Fail = func(op string) error {
		if op == opDescribe {
			return nil
		}
		return fail
	}

	fail = throttled(opQuery)
	_, err := e.c.Query(ctx, &dynamodb.QueryInput{TableName: tbl, KeyConditionExpression: aws.String("pk = :pk"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("a")}})
	wantSays(t, "Query", err, "ProvisionedThroughputExceededException", "table t: operation error DynamoDB: Query")
	fail = throttled(opScan)
	_, err = e.c.Scan(ctx, &dynamodb.ScanInput{TableName: tbl})
	wantSays(t, "Scan", err, "ProvisionedThroughputExceededException", "table t: operation error DynamoDB: Scan")

	fail = throttled(opBatchGet)
	_, err = e.c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"t": {Keys: []map[string]types.AttributeValue{key("a", 1), key("a", 2)}},
		"u": {Keys: []map[string]types.AttributeValue{key("b", 1)}},
	}})
	wantSays(t, "BatchGetItem", err, "ProvisionedThroughputExceededException", "table t (2 keys), table u (1 key): operation error")
	fail = throttled(opBatchWrite)
	_, err = e.c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		"t": {{PutRequest: &types.PutRequest{Item: fullItem("a", 1)}}, {DeleteRequest: &types.DeleteRequest{Key: key("a", 2)}}},
	}})
	wantSays(t, "BatchWriteItem", err, "ProvisionedThroughputExceededException", "table t (2 write requests): operation error")

	writes := []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: tbl, Key: key("a", 1), ConditionExpression: aws.String("attribute_exists(pk)")}},
		{Put: &types.Put{TableName: tbl, Item: fullItem("a", 2)}},
		{Delete: &types.Delete{TableName: aws.String("u"), Key: key("b", 3)}},
	}
	fail = sdkError(opTxWrite, &types.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: []types.CancellationReason{
		{Code: aws.String("None")}, {Code: aws.String("ConditionalCheckFailed")}, {Code: aws.String("TransactionConflict")},
	}})
	_, err = e.c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
	wantSays(t, "TransactWriteItems cancelled", err, "TransactionCanceledException",
		`TransactItems[1] (table t, item {pk="a", sk=2}) ConditionalCheckFailed; TransactItems[2] (table u, item {pk="b", sk=3}) TransactionConflict: operation error`)
	if strings.Contains(err.Error(), "TransactItems[0]") {
		t.Errorf("TransactWriteItems cancelled: %q names an element DynamoDB had no reason for", err)
	}
	fail = throttled(opTxWrite)
	_, err = e.c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: writes})
	wantSays(t, "TransactWriteItems throttled", err, "ProvisionedThroughputExceededException", "table t (2 items), table u (1 item): operation error")

	fail = sdkError(opTxGet, &types.TransactionCanceledException{Message: aws.String("Transaction cancelled"), CancellationReasons: []types.CancellationReason{
		{Code: aws.String("TransactionConflict")}, {Code: aws.String("None")},
	}})
	_, err = e.c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: tbl, Key: key("a", 1)}}, {Get: &types.Get{TableName: tbl, Key: key("a", 2)}},
	}})
	wantSays(t, "TransactGetItems cancelled", err, "TransactionCanceledException",
		`TransactItems[0] (table t, item {pk="a", sk=1}) TransactionConflict: operation error`)
}
