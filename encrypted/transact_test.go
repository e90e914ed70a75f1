package encrypted_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

func TestTransactWriteItems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tbl := aws.String(e.table)
	item1, item2 := fullItem("t", 1), fullItem("t", 2)

	// Puts are encrypted and signed.
	_, err := e.c.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: tbl, Item: item1}},
		{Put: &types.Put{TableName: tbl, Item: item2, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
	}})
	if err != nil {
		t.Fatalf("TransactWriteItems: %v", err)
	}
	stored1, stored2 := rawGet(t, e.db, e.table, key("t", 1)), rawGet(t, e.db, e.table, key("t", 2))
	checkStored(t, stored1, item1, "signed", "plain", "counter")
	checkStored(t, stored2, item2, "signed", "plain", "counter")
	checkItem(t, "GetItem of a transaction's put", get(t, e.c, e.table, key("t", 1)), item1)
	checkItem(t, "the caller's put after TransactWriteItems", item1, fullItem("t", 1))

	// A failed condition cancels the whole transaction: nothing is written,
	// and the error has a reason per item.
	item3 := fullItem("t", 3)
	_, err = e.c.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: tbl, Item: item3}},
		{Update: &types.Update{TableName: tbl, Key: key("t", 2), UpdateExpression: aws.String("ADD #c :one"),
			ExpressionAttributeNames: map[string]string{"#c": "counter"}, ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")}}},
		{ConditionCheck: &types.ConditionCheck{TableName: tbl, Key: key("t", 1), ConditionExpression: aws.String("#p = :p"),
			ExpressionAttributeNames: map[string]string{"#p": "plain"}, ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("not it")}}},
	}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("TransactWriteItems with a failing condition: %v, want a TransactionCanceledException", err)
	}
	if len(tce.CancellationReasons) != 3 {
		t.Errorf("%d cancellation reasons, want 3: %+v", len(tce.CancellationReasons), tce.CancellationReasons)
	} else if code := aws.ToString(tce.CancellationReasons[2].Code); code != "ConditionalCheckFailed" {
		t.Errorf("cancellation reason of the condition check: %q, want ConditionalCheckFailed", code)
	}
	if got := rawGet(t, e.db, e.table, key("t", 3)); got != nil {
		t.Errorf("the cancelled transaction wrote %s", renderItem(got))
	}
	if got := rawGet(t, e.db, e.table, key("t", 2)); renderItem(got) != renderItem(stored2) {
		t.Errorf("the cancelled transaction changed an item:\n got  %s\n want %s", renderItem(got), renderItem(stored2))
	}

	// Refused before any call: conditions on encrypted attributes, updates
	// of signed or encrypted ones. A refused transaction writes nothing.
	for _, tc := range []struct {
		what string
		item types.TransactWriteItem
		attr string
	}{
		{"a condition check on an encrypted attribute", types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: tbl, Key: key("t", 1),
			ConditionExpression: aws.String("attribute_exists(#s)"), ExpressionAttributeNames: map[string]string{"#s": "secret"}}}, "secret"},
		{"a delete with a condition on an encrypted attribute", types.TransactWriteItem{Delete: &types.Delete{TableName: tbl, Key: key("t", 1),
			ConditionExpression: aws.String("doc.a.b = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("deep")}}}, "doc"},
		{"a put with a condition on an encrypted attribute", types.TransactWriteItem{Put: &types.Put{TableName: tbl, Item: item3,
			ConditionExpression: aws.String("attribute_not_exists(number)")}}, "number"},
		{"an update of an encrypted attribute", types.TransactWriteItem{Update: &types.Update{TableName: tbl, Key: key("t", 1),
			UpdateExpression: aws.String("SET secret = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("x")}}}, "secret"},
		{"an update of a signed attribute", types.TransactWriteItem{Update: &types.Update{TableName: tbl, Key: key("t", 1),
			UpdateExpression: aws.String("REMOVE signed")}}, "signed"},
		{"an update with a condition on an encrypted attribute", types.TransactWriteItem{Update: &types.Update{TableName: tbl, Key: key("t", 1),
			UpdateExpression: aws.String("ADD counter :one"), ConditionExpression: aws.String("secret <> :one"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")}}}, "secret"},
	} {
		before := dataCalls(e.rec)
		_, err := e.c.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: tbl, Item: item3}},
			tc.item,
		}})
		checkRefused(t, "TransactWriteItems with "+tc.what, err, e.rec, before, tc.attr)
	}
	if got := rawGet(t, e.db, e.table, key("t", 3)); got != nil {
		t.Errorf("a refused transaction wrote %s", renderItem(got))
	}

	// An update of a DO_NOTHING counter is allowed, and leaves the item
	// verifiable; so are a delete and a condition check on plaintext.
	put(t, e.c, e.table, item3)
	_, err = e.c.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: tbl, Key: key("t", 1), UpdateExpression: aws.String("ADD #c :one"),
			ConditionExpression:      aws.String("signed = :s"),
			ExpressionAttributeNames: map[string]string{"#c": "counter"}, ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1"), ":s": s("signed t")}}},
		{ConditionCheck: &types.ConditionCheck{TableName: tbl, Key: key("t", 2), ConditionExpression: aws.String("plain = :p"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("plain t")}}},
		{Delete: &types.Delete{TableName: tbl, Key: key("t", 3), ConditionExpression: aws.String("attribute_exists(sk)")}},
	}})
	if err != nil {
		t.Fatalf("TransactWriteItems with an allowed update: %v", err)
	}
	checkItem(t, "GetItem after the transaction's counter update", get(t, e.c, e.table, key("t", 1)), with(item1, map[string]types.AttributeValue{"counter": n("1")}))
	if got := rawGet(t, e.db, e.table, key("t", 3)); got != nil {
		t.Errorf("the transaction did not delete %s", renderItem(got))
	}
}

// A cancelled transaction may carry the stored items in its reasons
// (ReturnValuesOnConditionCheckFailure ALL_OLD). They must not reach the
// caller raw: verified and decrypted, or the parameter refused.
func TestTransactCancellationItemIsNotRaw(t *testing.T) {
	t.Parallel()
	e, item := newEnvWithItem(t, "t", 1)
	_, err := e.c.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String(e.table), Key: key("t", 1), ConditionExpression: aws.String("plain = :p"),
			ExpressionAttributeValues:           map[string]types.AttributeValue{":p": s("not it")},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
	}})
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		if err == nil {
			t.Fatal("the transaction succeeded")
		}
		t.Logf("refused: %v", err)
		return
	}
	for i, r := range tce.CancellationReasons {
		if r.Item == nil {
			continue
		}
		if _, raw := r.Item[crypto.SignatureAttribute]; raw || renderItem(r.Item) != renderItem(item) {
			t.Errorf("cancellation reason %d carries the raw stored item, not the verified plaintext:\n got  %s\n want %s", i, renderItem(r.Item), renderItem(item))
		}
	}
}

func TestTransactGetItems(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := createTable(t, e.db)
	item1, item2 := fullItem("g", 1), fullItem("g", 2)
	put(t, e.c, e.table, item1)
	put(t, e.c, e.table, item2)
	// The other table has the client's defaults: everything but the keys
	// encrypted.
	item3 := map[string]types.AttributeValue{"pk": s("o"), "sk": n("1"), "plain": s("encrypted here")}
	put(t, e.c, other, item3)
	checkStored(t, rawGet(t, e.db, other, key("o", 1)), item3)

	out, err := e.c.TransactGetItems(t.Context(), &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String(e.table), Key: key("g", 1)}},
		{Get: &types.Get{TableName: aws.String(e.table), Key: key("g", 2), ProjectionExpression: aws.String("#s, doc.a"), ExpressionAttributeNames: map[string]string{"#s": "secret"}}},
		{Get: &types.Get{TableName: aws.String(e.table), Key: key("g", 9)}},
		{Get: &types.Get{TableName: aws.String(other), Key: key("o", 1)}},
	}})
	if err != nil {
		t.Fatalf("TransactGetItems: %v", err)
	}
	if len(out.Responses) != 4 {
		t.Fatalf("%d responses, want 4", len(out.Responses))
	}
	checkItem(t, "TransactGetItems item 0", out.Responses[0].Item, item1)
	checkItem(t, "TransactGetItems item 1 (projected)", out.Responses[1].Item, map[string]types.AttributeValue{
		"secret": item2["secret"],
		"doc":    m(map[string]types.AttributeValue{"a": m(map[string]types.AttributeValue{"b": s("deep"), "c": s("other")})}),
	})
	if out.Responses[2].Item != nil {
		t.Errorf("TransactGetItems of a missing item: %s", renderItem(out.Responses[2].Item))
	}
	checkItem(t, "TransactGetItems item 3 (other table)", out.Responses[3].Item, item3)
	for i, g := range e.rec.Last(opTxGet).(*dynamodb.TransactGetItemsInput).TransactItems {
		if g.Get.ProjectionExpression != nil {
			t.Errorf("TransactGetItems sent projection %q for item %d; want whole items", aws.ToString(g.Get.ProjectionExpression), i)
		}
	}

	tamper(t, e.db, e.table, key("g", 2))
	_, err = e.c.TransactGetItems(t.Context(), &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		{Get: &types.Get{TableName: aws.String(e.table), Key: key("g", 1)}},
		{Get: &types.Get{TableName: aws.String(e.table), Key: key("g", 2), ProjectionExpression: aws.String("pk")}},
	}})
	checkIntegrity(t, "TransactGetItems of a tampered item", err, e.table, key("g", 2))
}
