package encrypted_test

import (
	"context"
	"maps"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// leaveHalfUnprocessed makes the first BatchWriteItem and BatchGetItem calls
// process only the first request (or key) of each table and hand the rest
// back as unprocessed, exactly as they were sent; later calls go through.
func leaveHalfUnprocessed(f *testenv.Faults) {
	f.On(opBatchWrite).First(1).Do(func(ctx context.Context, _ int, in any) (any, error) {
		now := map[string][]types.WriteRequest{}
		later := map[string][]types.WriteRequest{}
		for table, writes := range in.(*dynamodb.BatchWriteItemInput).RequestItems {
			now[table], later[table] = writes[:1], writes[1:]
		}
		if _, err := f.DynamoDB.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: now}); err != nil {
			return nil, err
		}
		return &dynamodb.BatchWriteItemOutput{UnprocessedItems: later}, nil
	})
	f.On(opBatchGet).First(1).Do(func(ctx context.Context, _ int, in any) (any, error) {
		now := map[string]types.KeysAndAttributes{}
		later := map[string]types.KeysAndAttributes{}
		for table, ka := range in.(*dynamodb.BatchGetItemInput).RequestItems {
			first, rest := ka, ka
			first.Keys, rest.Keys = ka.Keys[:1], ka.Keys[1:]
			now[table], later[table] = first, rest
		}
		out, err := f.DynamoDB.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: now})
		if err != nil {
			return nil, err
		}
		out.UnprocessedKeys = later
		return out, nil
	})
}

func TestBatchWriteAndGet(t *testing.T) {
	t.Parallel()
	db := e2eDB(t)
	rec := testenv.NewParallelFaults(t)
	leaveHalfUnprocessed(rec)
	tableA := createTable(t, db)
	tableB := createTable(t, db)
	// Table B has its own provider and actions: "note" stays readable.
	c := encrypted.NewClient(rec, newProvider(t),
		encrypted.WithTable(tableA, encrypted.TableConfig{Actions: testActions()}),
		encrypted.WithTable(tableB, encrypted.TableConfig{Provider: newStaticProvider(t), Actions: &crypto.AttributeActions{
			Default: crypto.SignOnly, Overrides: map[string]crypto.Action{"secret": crypto.EncryptAndSign},
		}}),
	)
	// An item to delete in the batch.
	put(t, c, tableA, fullItem("a", 99))

	var itemsA, itemsB []map[string]types.AttributeValue
	var writesA, writesB []types.WriteRequest
	for sk := 1; sk <= 4; sk++ {
		a := fullItem("a", sk)
		bItem := map[string]types.AttributeValue{"pk": s("b"), "sk": n(strconv.Itoa(sk)), "secret": s("b secret"), "note": s("b note")}
		itemsA, itemsB = append(itemsA, a), append(itemsB, bItem)
		writesA = append(writesA, types.WriteRequest{PutRequest: &types.PutRequest{Item: a}})
		writesB = append(writesB, types.WriteRequest{PutRequest: &types.PutRequest{Item: bItem}})
	}
	writesA = append(writesA, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key("a", 99)}})
	request := map[string][]types.WriteRequest{tableA: writesA, tableB: writesB}

	out, err := c.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: request})
	if err != nil {
		t.Fatalf("BatchWriteItem: %v", err)
	}
	// The unprocessed requests are the caller's own plaintext ones.
	for table, writes := range map[string][]types.WriteRequest{tableA: writesA[1:], tableB: writesB[1:]} {
		got := out.UnprocessedItems[table]
		if len(got) != len(writes) {
			t.Fatalf("table %s: %d unprocessed requests, want %d", table, len(got), len(writes))
		}
		for i, w := range writes {
			switch {
			case w.PutRequest != nil:
				if got[i].PutRequest == nil {
					t.Errorf("table %s: unprocessed request %d is not a put", table, i)
					continue
				}
				checkItem(t, "unprocessed put", got[i].PutRequest.Item, w.PutRequest.Item)
			case w.DeleteRequest != nil:
				if got[i].DeleteRequest == nil {
					t.Errorf("table %s: unprocessed request %d is not a delete", table, i)
					continue
				}
				checkItem(t, "unprocessed delete", got[i].DeleteRequest.Key, w.DeleteRequest.Key)
			}
		}
	}
	// Sent again through the client, they are encrypted again.
	out, err = c.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: out.UnprocessedItems})
	if err != nil {
		t.Fatalf("BatchWriteItem of the unprocessed requests: %v", err)
	}
	if len(out.UnprocessedItems) != 0 {
		t.Fatalf("second BatchWriteItem left %v unprocessed", out.UnprocessedItems)
	}
	for _, it := range itemsA {
		checkStored(t, rawGet(t, db, tableA, pick(it, "pk", "sk")), it, "signed", "plain", "counter")
	}
	for _, it := range itemsB {
		checkStored(t, rawGet(t, db, tableB, pick(it, "pk", "sk")), it, "note")
	}
	if got := rawGet(t, db, tableA, key("a", 99)); got != nil {
		t.Errorf("the batch did not delete %s", renderItem(got))
	}
	// The request the caller built is untouched.
	checkItem(t, "the caller's first put after BatchWriteItem", request[tableA][0].PutRequest.Item, fullItem("a", 1))

	// BatchGetItem with a projection in one table and none in the other.
	getReq := map[string]types.KeysAndAttributes{
		tableA: {
			Keys:                     []map[string]types.AttributeValue{key("a", 1), key("a", 2), key("a", 3), key("a", 4)},
			ProjectionExpression:     aws.String("#k, sk, #s, doc.l[1]"),
			ExpressionAttributeNames: map[string]string{"#k": "pk", "#s": "secret"},
			ConsistentRead:           aws.Bool(true),
		},
		tableB: {Keys: []map[string]types.AttributeValue{key("b", 1), key("b", 2), key("b", 3), key("b", 4)}, ConsistentRead: aws.Bool(true)},
	}
	got := map[string][]map[string]types.AttributeValue{}
	gout, err := c.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{RequestItems: getReq})
	if err != nil {
		t.Fatalf("BatchGetItem: %v", err)
	}
	for table, items := range gout.Responses {
		got[table] = append(got[table], items...)
	}
	// The unprocessed keys keep the caller's projection and names.
	ua := gout.UnprocessedKeys[tableA]
	if len(ua.Keys) != 3 || aws.ToString(ua.ProjectionExpression) != "#k, sk, #s, doc.l[1]" || !maps.Equal(ua.ExpressionAttributeNames, getReq[tableA].ExpressionAttributeNames) || !aws.ToBool(ua.ConsistentRead) {
		t.Errorf("unprocessed keys of %s: %d keys, projection %q, names %v, consistent %v; want 3 keys with the caller's projection, names and consistency",
			tableA, len(ua.Keys), aws.ToString(ua.ProjectionExpression), ua.ExpressionAttributeNames, aws.ToBool(ua.ConsistentRead))
	}
	if ub := gout.UnprocessedKeys[tableB]; len(ub.Keys) != 3 || ub.ProjectionExpression != nil {
		t.Errorf("unprocessed keys of %s: %d keys, projection %q; want 3 keys and no projection", tableB, len(ub.Keys), aws.ToString(ub.ProjectionExpression))
	}
	if aws.ToString(getReq[tableA].ProjectionExpression) != "#k, sk, #s, doc.l[1]" || len(getReq[tableA].ExpressionAttributeNames) != 2 {
		t.Errorf("BatchGetItem changed the caller's request: %+v", getReq[tableA])
	}
	// The projection was not sent.
	for table, ka := range rec.Last(opBatchGet).(*dynamodb.BatchGetItemInput).RequestItems {
		if ka.ProjectionExpression != nil || ka.ExpressionAttributeNames != nil {
			t.Errorf("BatchGetItem sent projection %q for %s; want whole items asked for", aws.ToString(ka.ProjectionExpression), table)
		}
	}
	gout, err = c.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{RequestItems: gout.UnprocessedKeys})
	if err != nil {
		t.Fatalf("BatchGetItem of the unprocessed keys: %v", err)
	}
	if len(gout.UnprocessedKeys) != 0 {
		t.Fatalf("second BatchGetItem left %v unprocessed", gout.UnprocessedKeys)
	}
	for table, items := range gout.Responses {
		got[table] = append(got[table], items...)
	}
	var wantA []map[string]types.AttributeValue
	for _, it := range itemsA {
		p := pick(it, "pk", "sk", "secret")
		p["doc"] = m(map[string]types.AttributeValue{"l": list(s("l1"))})
		wantA = append(wantA, p)
	}
	sortBySK(got[tableA])
	sortBySK(got[tableB])
	checkItems(t, "BatchGetItem with a projection", got[tableA], wantA)
	checkItems(t, "BatchGetItem without a projection", got[tableB], itemsB)

	// A tampered item fails the batch with the item's table and key.
	tamperB := pick(itemsB[2], "pk", "sk")
	if _, err := db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(tableB), Key: tamperB,
		UpdateExpression: aws.String("SET note = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("tampered")}}, quiet); err != nil {
		t.Fatal(err)
	}
	_, err = c.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		tableB: {Keys: []map[string]types.AttributeValue{tamperB}, ConsistentRead: aws.Bool(true)},
	}})
	checkIntegrity(t, "BatchGetItem of a tampered item", err, tableB, tamperB)

	// The legacy AttributesToGet is refused.
	before := dataCalls(rec)
	_, err = c.BatchGetItem(t.Context(), &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		tableA: {Keys: []map[string]types.AttributeValue{key("a", 1)}, AttributesToGet: []string{"secret"}},
	}})
	checkRefused(t, "BatchGetItem with AttributesToGet", err, rec, before, "", "AttributesToGet")
}
