package encrypted_test

// The encrypted client against a DynamoDB that fails (testenv.Faults):
// errors keep the SDK's types and say which item they are about, calls end
// with their ctx, unprocessed batch work comes back as the caller's own
// plaintext, and the table only ever holds whole items.

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// newFaultEnv is newEnv for a test that does not run in parallel: its
// Faults checks that the goroutines the test started have ended.
func newFaultEnv(t *testing.T) *env {
	t.Helper()
	return newEnvOn(t, testenv.NewFaults(t))
}

// storedWhole checks that every item in the table is whole: signed, with a
// material description, and verified and decrypted by a client that sees
// no faults. It returns the decrypted items by formatted key.
func storedWhole(t *testing.T, e *env) map[string]map[string]types.AttributeValue {
	t.Helper()
	clean := newClient(e.db, e.p, e.table, testActions())
	items := make(map[string]map[string]types.AttributeValue)
	for _, stored := range e.rec.Stored(t, e.table) {
		k := pick(stored, "pk", "sk")
		if stored[crypto.SignatureAttribute] == nil || stored[crypto.DescriptionAttribute] == nil {
			t.Errorf("item %s is stored without its signature or material description", ddbcrypt.FormatKey(k))
			continue
		}
		out, err := clean.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: k, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Errorf("stored item %s does not verify: %v", ddbcrypt.FormatKey(k), err)
			continue
		}
		items[ddbcrypt.FormatKey(k)] = out.Item
	}
	return items
}

// A single-item call that DynamoDB fails returns an error that keeps the
// SDK's type and names the table and the item; a failed put writes nothing,
// and the client makes the call once (the SDK retried already).
func TestFaultsSingleItemErrors(t *testing.T) {
	e := newFaultEnv(t)
	ctx := t.Context()
	put(t, e.c, e.table, fullItem("x", 0)) // describes the table

	for i, tc := range testenv.Failures() {
		t.Run(tc.Name, func(t *testing.T) {
			defer e.rec.Clear()
			k := key("p", i)
			for _, op := range []string{"PutItem", "GetItem", "DeleteItem"} {
				tc.Arm(e.rec.On(op))
			}
			calls := e.rec.Calls("PutItem")
			_, err := e.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: fullItem("p", i)})
			if !errors.As(err, tc.Want) {
				t.Errorf("PutItem: %v, want the SDK's error", err)
			}
			testenv.WantItemError(t, "PutItem", err, e.table, k)
			if n := e.rec.Calls("PutItem") - calls; n != 1 {
				t.Errorf("%d PutItem calls, want 1", n)
			}
			if _, ok := storedWhole(t, e)[ddbcrypt.FormatKey(k)]; ok {
				t.Error("a failed PutItem wrote the item")
			}

			_, err = e.c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: key("x", 0)})
			if !errors.As(err, tc.Want) {
				t.Errorf("GetItem: %v, want the SDK's error", err)
			}
			testenv.WantItemError(t, "GetItem", err, e.table, key("x", 0))

			_, err = e.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(e.table), Key: key("x", 0)})
			if !errors.As(err, tc.Want) {
				t.Errorf("DeleteItem: %v, want the SDK's error", err)
			}
			testenv.WantItemError(t, "DeleteItem", err, e.table, key("x", 0))
		})
	}
	if got := storedWhole(t, e); len(got) != 1 {
		t.Errorf("the table holds %d items, want 1", len(got))
	}
}

// Calls that hang end with ctx and write nothing; a put whose response is
// lost wrote the whole item.
func TestFaultsHangs(t *testing.T) {
	e := newFaultEnv(t)
	put(t, e.c, e.table, fullItem("x", 0)) // describes the table
	const wait = 200 * time.Millisecond

	e.rec.On("PutItem").Nth(1).Hang()
	e.rec.On("PutItem").Nth(2).LoseResponse()
	for i, lost := range []bool{false, true} {
		item := fullItem("h", i)
		err := testenv.Promptly(t, wait, func(ctx context.Context) error {
			_, err := e.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: item})
			return err
		})
		wantErrIs(t, "PutItem that hangs", err, context.DeadlineExceeded)
		got, ok := storedWhole(t, e)[ddbcrypt.FormatKey(key("h", i))]
		if ok != lost {
			t.Errorf("lost response %v: item stored %v", lost, ok)
		}
		if lost {
			checkItem(t, "the item whose response was lost", got, item)
		}
	}

	e.rec.On("TransactWriteItems").Hang()
	err := testenv.Promptly(t, wait, func(ctx context.Context) error {
		_, err := e.c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: aws.String(e.table), Item: fullItem("t", 1)}},
			{Put: &types.Put{TableName: aws.String(e.table), Item: fullItem("t", 2)}},
		}})
		return err
	})
	wantErrIs(t, "TransactWriteItems that hangs", err, context.DeadlineExceeded)

	e.rec.On("Query").Hang()
	err = testenv.Promptly(t, wait, func(ctx context.Context) error {
		_, err := e.c.Query(ctx, &dynamodb.QueryInput{
			TableName:                 aws.String(e.table),
			KeyConditionExpression:    aws.String("pk = :pk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":pk": s("x")},
		})
		return err
	})
	wantErrIs(t, "Query that hangs", err, context.DeadlineExceeded)

	if got := storedWhole(t, e); len(got) != 2 {
		t.Errorf("the table holds %d items, want 2", len(got))
	}
}

// A caller that sends a batch's unprocessed items back, as the SDK's
// documentation says to, ends with every item written once and whole: the
// client returns them as the caller's plaintext, never as ciphertext that
// would be encrypted twice.
func TestFaultsBatchWritePartial(t *testing.T) {
	e := newFaultEnv(t)
	ctx := t.Context()
	put(t, e.c, e.table, fullItem("gone", 1))
	want := make(map[string]map[string]types.AttributeValue)
	writes := []types.WriteRequest{{DeleteRequest: &types.DeleteRequest{Key: key("gone", 1)}}}
	for i := range 10 {
		item := fullItem("w", i)
		writes = append(writes, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}})
		want[ddbcrypt.FormatKey(key("w", i))] = item
	}
	e.rec.On("BatchWriteItem").Nth(1).Partial(4)
	e.rec.On("BatchWriteItem").Nth(2).Partial(0)
	e.rec.On("BatchWriteItem").Nth(3).Partial(3)

	pending := map[string][]types.WriteRequest{e.table: writes}
	for round := 1; len(pending) > 0; round++ {
		if round > 5 {
			t.Fatalf("items still unprocessed after %d rounds", round-1)
		}
		out, err := e.c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for _, w := range out.UnprocessedItems[e.table] {
			if w.PutRequest != nil {
				if _, ok := w.PutRequest.Item[crypto.SignatureAttribute]; ok {
					t.Fatalf("round %d: an unprocessed put came back encrypted", round)
				}
				checkItem(t, "unprocessed put", w.PutRequest.Item, want[ddbcrypt.FormatKey(pick(w.PutRequest.Item, "pk", "sk"))])
			}
		}
		pending = out.UnprocessedItems
		if len(pending[e.table]) == 0 {
			pending = nil
		}
	}
	got := storedWhole(t, e)
	if len(got) != len(want) {
		t.Errorf("the table holds %d items, want %d", len(got), len(want))
	}
	for k, item := range want {
		checkItem(t, "stored "+k, got[k], item)
	}
	if n := e.rec.Calls("BatchWriteItem"); n != 4 {
		t.Errorf("%d BatchWriteItem calls, want 4", n)
	}

	e.rec.On("BatchWriteItem").ServerError()
	_, err := e.c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		e.table: {{PutRequest: &types.PutRequest{Item: fullItem("fail", 1)}}},
	}})
	var ise *types.InternalServerError
	if !errors.As(err, &ise) {
		t.Errorf("BatchWriteItem with a server error: %v", err)
	}
	if _, ok := storedWhole(t, e)[ddbcrypt.FormatKey(key("fail", 1))]; ok {
		t.Error("a failed BatchWriteItem wrote its item")
	}
}

// Unprocessed keys of a projected batch read come back with the caller's
// projection, and the items read are verified and projected.
func TestFaultsBatchGetPartial(t *testing.T) {
	e := newFaultEnv(t)
	ctx := t.Context()
	var keys []map[string]types.AttributeValue
	for i := range 6 {
		put(t, e.c, e.table, fullItem("r", i))
		keys = append(keys, key("r", i))
	}
	e.rec.On("BatchGetItem").Nth(1).Partial(2)
	e.rec.On("BatchGetItem").Nth(2).Partial(0)

	pending := map[string]types.KeysAndAttributes{e.table: {
		Keys:                     keys,
		ProjectionExpression:     aws.String("pk, sk, #s"),
		ExpressionAttributeNames: map[string]string{"#s": "secret"},
		ConsistentRead:           aws.Bool(true),
	}}
	read := make(map[string]map[string]types.AttributeValue)
	for round := 1; len(pending) > 0; round++ {
		if round > 5 {
			t.Fatalf("keys still unprocessed after %d rounds", round-1)
		}
		out, err := e.c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		for _, item := range out.Responses[e.table] {
			read[ddbcrypt.FormatKey(pick(item, "pk", "sk"))] = item
		}
		un, ok := out.UnprocessedKeys[e.table]
		if !ok || len(un.Keys) == 0 {
			break
		}
		if aws.ToString(un.ProjectionExpression) != "pk, sk, #s" || un.ExpressionAttributeNames["#s"] != "secret" {
			t.Errorf("round %d: unprocessed keys lost the projection: %+v", round, un)
		}
		pending = out.UnprocessedKeys
	}
	for i := range 6 {
		want := pick(fullItem("r", i), "pk", "sk", "secret")
		checkItem(t, fmt.Sprint("item ", i), read[ddbcrypt.FormatKey(key("r", i))], want)
	}
	if n := e.rec.Calls("BatchGetItem"); n != 3 {
		t.Errorf("%d BatchGetItem calls, want 3", n)
	}
}

// Describing a table on first use: a hang ends with each caller's own ctx;
// a timeout is not retried without end.
func TestFaultsFirstUseDescribeTable(t *testing.T) {
	t.Run("hangs", func(t *testing.T) {
		e := newFaultEnv(t)
		e.rec.On("DescribeTable").Hang()
		first := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			defer cancel()
			_, err := e.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: fullItem("d", 1)})
			first <- err
		}()
		for i := 0; e.rec.Calls("DescribeTable") == 0; i++ {
			if i == 500 {
				t.Fatal("the first PutItem never described the table")
			}
			time.Sleep(10 * time.Millisecond)
		}
		err := testenv.Promptly(t, 200*time.Millisecond, func(ctx context.Context) error {
			_, err := e.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: fullItem("d", 2)})
			return err
		})
		wantErrIs(t, "second PutItem while the table is being described", err, context.DeadlineExceeded)
		select {
		case err := <-first:
			wantErrIs(t, "first PutItem", err, context.DeadlineExceeded)
		case <-time.After(10 * time.Second):
			t.Fatal("the first PutItem did not return when its ctx ended")
		}
		if got := storedWhole(t, e); len(got) != 0 {
			t.Errorf("the table holds %d items", len(got))
		}
	})

	t.Run("times out", func(t *testing.T) {
		e := newFaultEnv(t)
		e.rec.On("DescribeTable").Timeout()
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		defer cancel()
		_, err := e.c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: key("d", 1)})
		var timeout interface{ Timeout() bool }
		if !errors.As(err, &timeout) || ctx.Err() != nil {
			t.Errorf("GetItem: %v (ctx: %v), want the SDK's timeout error before ctx ends", err, ctx.Err())
		}
		if n := e.rec.Calls("DescribeTable"); n > 3 {
			t.Errorf("%d DescribeTable calls for one GetItem, want at most 3", n)
		}
	})
}

// wantErrIs fails the test unless err wraps target.
func wantErrIs(t *testing.T, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Errorf("%s: %v (%T), want an error wrapping %q", what, err, err, target)
	}
}
