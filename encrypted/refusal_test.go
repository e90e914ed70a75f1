package encrypted_test

// The client's refusals, checked without DynamoDB: an in-process fake
// answers DescribeTable and fails the test on any other call it was not
// told to expect, so `make unit` catches a check that stops refusing (or
// starts refusing what it should send).

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// fakeTable is the table the fake describes.
const fakeTable = "refusals"

// fakeClient returns a strict fake, which expects no call but
// DescribeTable, and an encrypted client over it with testActions for
// fakeTable. The fake's tables have the key (pk S, sk N), a global index on
// (grp, sk) projecting all attributes and a keys-only one on grp. So
// "signed" is signed only, "plain" and "counter" are DO_NOTHING, keys (pk,
// sk and the index key grp) are signed only, and everything else is
// encrypted.
func fakeClient(t *testing.T) (*testenv.FakeDB, *encrypted.Client) {
	f := testenv.NewFakeDB(t)
	f.Indexes = []testenv.Index{
		{Name: "byGroup", Keys: []testenv.Key{testenv.S("grp"), testenv.N("sk")}, Projection: types.ProjectionTypeAll},
		{Name: "keysOnly", Keys: []testenv.Key{testenv.S("grp")}, Projection: types.ProjectionTypeKeysOnly},
	}
	f.Expect()
	return f, newClient(f, testenv.WrappedProvider(t), fakeTable, testActions())
}

// refusedOffline checks that err is a refusal wrapping ErrInvalidItem that
// names attr (if not empty) and says every word in why, and that no call
// but DescribeTable reached the fake.
func refusedOffline(t *testing.T, f *testenv.FakeDB, what string, err error, attr string, why ...string) {
	t.Helper()
	if ops := f.DataCalls(); len(ops) != 0 {
		t.Errorf("%s: calls %v reached DynamoDB, want none", what, ops)
	}
	if err == nil {
		t.Errorf("%s: not refused", what)
		return
	}
	checkRefused(t, what, err, nil, 0, attr, why...)
}

var (
	fakeTbl    = aws.String(fakeTable)
	fakeValues = map[string]types.AttributeValue{":v": s("x")}
)

// call returns a call of the client's method op with in, for a table of
// requests.
func call[In, Out any](op func(*encrypted.Client, context.Context, *In, ...func(*dynamodb.Options)) (*Out, error), in *In) func(context.Context, *encrypted.Client) error {
	return func(ctx context.Context, c *encrypted.Client) error {
		_, err := op(c, ctx, in)
		return err
	}
}

// transactWith returns a transaction of item between an allowed put and an
// allowed condition check.
func transactWith(item types.TransactWriteItem) *dynamodb.TransactWriteItemsInput {
	return &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: fakeTbl, Item: fullItem("r", 1)}},
		item,
		{ConditionCheck: &types.ConditionCheck{TableName: fakeTbl, Key: key("r", 3), ConditionExpression: aws.String("attribute_exists(pk)")}},
	}}
}

func TestRefusalsOffline(t *testing.T) {
	t.Parallel()
	item, k := fullItem("r", 1), key("r", 1)
	putItem, deleteItem, updateItem := (*encrypted.Client).PutItem, (*encrypted.Client).DeleteItem, (*encrypted.Client).UpdateItem
	query, scan, tx := (*encrypted.Client).Query, (*encrypted.Client).Scan, (*encrypted.Client).TransactWriteItems
	one := map[string]types.AttributeValue{":one": n("1")}
	values := map[string]types.AttributeValue{":p": s("r"), ":v": s("x")}
	for _, tc := range []struct {
		what string
		call func(context.Context, *encrypted.Client) error
		attr string
		why  []string
	}{
		{"PutItem with a condition on an encrypted attribute", call(putItem, &dynamodb.PutItemInput{TableName: fakeTbl, Item: item,
			ConditionExpression: aws.String("secret = :v"), ExpressionAttributeValues: fakeValues}), "secret", []string{"condition", "encrypted"}},
		{"PutItem with a condition on an encrypted attribute through a placeholder", call(putItem, &dynamodb.PutItemInput{TableName: fakeTbl, Item: item,
			ConditionExpression: aws.String("attribute_not_exists(pk) OR #x <> :v"), ExpressionAttributeNames: map[string]string{"#x": "number"}, ExpressionAttributeValues: fakeValues}),
			"number", []string{"condition", "encrypted"}},
		{"PutItem with a condition on a nested path of an encrypted attribute", call(putItem, &dynamodb.PutItemInput{TableName: fakeTbl, Item: item,
			ConditionExpression: aws.String("doc.a[0].b = :v"), ExpressionAttributeValues: fakeValues}), "doc", []string{"encrypted"}},
		{"PutItem with a condition on an attribute the item lacks (encrypted by default)", call(putItem, &dynamodb.PutItemInput{TableName: fakeTbl, Item: item,
			ConditionExpression: aws.String("attribute_exists(other)")}), "other", []string{"encrypted"}},
		{"PutItem with a size() of an encrypted attribute", call(putItem, &dynamodb.PutItemInput{TableName: fakeTbl, Item: item,
			ConditionExpression: aws.String("size(blob) > :n"), ExpressionAttributeValues: map[string]types.AttributeValue{":n": n("1")}}), "blob", []string{"encrypted"}},
		{"PutItem with the legacy Expected", call(putItem, &dynamodb.PutItemInput{TableName: fakeTbl, Item: item,
			Expected: map[string]types.ExpectedAttributeValue{"plain": {Exists: aws.Bool(false)}}}), "", []string{"Expected"}},
		{"PutItem with ReturnValues UPDATED_NEW", call(putItem, &dynamodb.PutItemInput{TableName: fakeTbl, Item: item,
			ReturnValues: types.ReturnValueUpdatedNew}), "", []string{"UPDATED_NEW"}},

		{"DeleteItem with a condition on an encrypted attribute", call(deleteItem, &dynamodb.DeleteItemInput{TableName: fakeTbl, Key: k,
			ConditionExpression: aws.String("plain = :v AND contains(#s, :v)"), ExpressionAttributeNames: map[string]string{"#s": "strings"}, ExpressionAttributeValues: fakeValues}),
			"strings", []string{"condition", "encrypted"}},
		{"DeleteItem with the legacy Expected", call(deleteItem, &dynamodb.DeleteItemInput{TableName: fakeTbl, Key: k,
			Expected: map[string]types.ExpectedAttributeValue{"secret": {Exists: aws.Bool(true)}}}), "", []string{"Expected"}},

		{"UpdateItem with SET of an encrypted attribute", call(updateItem, &dynamodb.UpdateItemInput{TableName: fakeTbl, Key: k,
			UpdateExpression: aws.String("SET secret = :v"), ExpressionAttributeValues: fakeValues}), "secret", []string{"ENCRYPT_AND_SIGN", "signature"}},
		{"UpdateItem with SET of a signed attribute", call(updateItem, &dynamodb.UpdateItemInput{TableName: fakeTbl, Key: k,
			UpdateExpression: aws.String("SET counter = :one, #s = :one"), ExpressionAttributeNames: map[string]string{"#s": "signed"}, ExpressionAttributeValues: one}),
			"signed", []string{"SIGN_ONLY", "signature"}},
		{"UpdateItem with REMOVE of a nested encrypted path", call(updateItem, &dynamodb.UpdateItemInput{TableName: fakeTbl, Key: k,
			UpdateExpression: aws.String("REMOVE doc.a.b")}), "doc", []string{"ENCRYPT_AND_SIGN"}},
		{"UpdateItem with ADD to the sort key", call(updateItem, &dynamodb.UpdateItemInput{TableName: fakeTbl, Key: k,
			UpdateExpression: aws.String("ADD sk :one"), ExpressionAttributeValues: one}), "sk", []string{"key"}},
		{"UpdateItem with SET of an index key", call(updateItem, &dynamodb.UpdateItemInput{TableName: fakeTbl, Key: k,
			UpdateExpression: aws.String("SET grp = :v"), ExpressionAttributeValues: fakeValues}), "grp", []string{"key"}},
		{"UpdateItem with SET of the signature", call(updateItem, &dynamodb.UpdateItemInput{TableName: fakeTbl, Key: k,
			UpdateExpression: aws.String("SET #r = :v"), ExpressionAttributeNames: map[string]string{"#r": crypto.SignatureAttribute}, ExpressionAttributeValues: fakeValues}),
			crypto.SignatureAttribute, []string{"reserved"}},
		{"UpdateItem with a read of an encrypted attribute", call(updateItem, &dynamodb.UpdateItemInput{TableName: fakeTbl, Key: k,
			UpdateExpression: aws.String("SET plain = if_not_exists(secret, :v)"), ExpressionAttributeValues: fakeValues}), "secret", []string{"reads", "encrypted"}},
		{"UpdateItem with a condition on an encrypted attribute", call(updateItem, &dynamodb.UpdateItemInput{TableName: fakeTbl, Key: k,
			UpdateExpression: aws.String("ADD counter :one"), ConditionExpression: aws.String("secret <> :one"), ExpressionAttributeValues: one}),
			"secret", []string{"condition", "encrypted"}},
		{"UpdateItem with the legacy AttributeUpdates", call(updateItem, &dynamodb.UpdateItemInput{TableName: fakeTbl, Key: k,
			AttributeUpdates: map[string]types.AttributeValueUpdate{"counter": {Action: types.AttributeActionAdd, Value: n("1")}}}), "", []string{"AttributeUpdates"}},
		{"UpdateItem with the legacy Expected", call(updateItem, &dynamodb.UpdateItemInput{TableName: fakeTbl, Key: k,
			UpdateExpression: aws.String("ADD counter :one"), ExpressionAttributeValues: one, Expected: map[string]types.ExpectedAttributeValue{"plain": {Exists: aws.Bool(true)}}}),
			"", []string{"Expected"}},
		{"UpdateItem with no UpdateExpression", call(updateItem, &dynamodb.UpdateItemInput{TableName: fakeTbl, Key: k}), "", []string{"UpdateExpression"}},

		{"Query with a key condition on an encrypted attribute", call(query, &dynamodb.QueryInput{TableName: fakeTbl,
			KeyConditionExpression: aws.String("pk = :p AND begins_with(#s, :v)"), ExpressionAttributeNames: map[string]string{"#s": "secret"}, ExpressionAttributeValues: values}),
			"secret", []string{"key condition", "encrypted"}},
		{"Query with a filter on an encrypted attribute", call(query, &dynamodb.QueryInput{TableName: fakeTbl,
			KeyConditionExpression: aws.String("pk = :p"), FilterExpression: aws.String("plain = :v OR flag = :v"), ExpressionAttributeValues: values}),
			"flag", []string{"filter", "encrypted"}},
		{"Query with a filter on an encrypted attribute, on an index", call(query, &dynamodb.QueryInput{TableName: fakeTbl, IndexName: aws.String("byGroup"),
			KeyConditionExpression: aws.String("grp = :p"), FilterExpression: aws.String("NOT attribute_type(secret, :v)"), ExpressionAttributeValues: values}),
			"secret", []string{"filter", "encrypted"}},
		{"Query with the legacy KeyConditions", call(query, &dynamodb.QueryInput{TableName: fakeTbl,
			KeyConditions: map[string]types.Condition{"pk": {ComparisonOperator: types.ComparisonOperatorEq, AttributeValueList: []types.AttributeValue{s("r")}}}}),
			"", []string{"KeyConditions"}},
		{"Query with the legacy QueryFilter", call(query, &dynamodb.QueryInput{TableName: fakeTbl, KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: values,
			QueryFilter: map[string]types.Condition{"secret": {ComparisonOperator: types.ComparisonOperatorNotNull}}}), "", []string{"QueryFilter"}},
		{"Query with the legacy AttributesToGet", call(query, &dynamodb.QueryInput{TableName: fakeTbl, KeyConditionExpression: aws.String("pk = :p"), ExpressionAttributeValues: values,
			AttributesToGet: []string{"plain"}}), "", []string{"AttributesToGet"}},
		{"Query with a keys-only index", call(query, &dynamodb.QueryInput{TableName: fakeTbl, IndexName: aws.String("keysOnly"),
			KeyConditionExpression: aws.String("grp = :p"), ExpressionAttributeValues: values}), "", []string{"keysOnly"}},

		{"Scan with a filter on an encrypted attribute", call(scan, &dynamodb.ScanInput{TableName: fakeTbl,
			FilterExpression: aws.String("signed = :v AND #n BETWEEN :v AND :v"), ExpressionAttributeNames: map[string]string{"#n": "my-attr"}, ExpressionAttributeValues: fakeValues}),
			"my-attr", []string{"filter", "encrypted"}},
		{"Scan with the legacy ScanFilter", call(scan, &dynamodb.ScanInput{TableName: fakeTbl,
			ScanFilter: map[string]types.Condition{"plain": {ComparisonOperator: types.ComparisonOperatorNotNull}}}), "", []string{"ScanFilter"}},
		{"Scan with the legacy AttributesToGet", call(scan, &dynamodb.ScanInput{TableName: fakeTbl, AttributesToGet: []string{"plain"}}), "", []string{"AttributesToGet"}},

		{"GetItem with AttributesToGet", call((*encrypted.Client).GetItem, &dynamodb.GetItemInput{TableName: fakeTbl, Key: k, AttributesToGet: []string{"plain"}}),
			"", []string{"AttributesToGet"}},
		{"BatchGetItem with AttributesToGet", call((*encrypted.Client).BatchGetItem, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
			fakeTable: {Keys: []map[string]types.AttributeValue{k}, AttributesToGet: []string{"plain"}},
		}}), "", []string{"AttributesToGet"}},

		// Each refused element of a transaction comes after an allowed put
		// and before an allowed condition check: nothing of it is sent.
		{"TransactWriteItems with a condition check on an encrypted attribute", call(tx, transactWith(types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{
			TableName: fakeTbl, Key: key("r", 2), ConditionExpression: aws.String("attribute_exists(#s)"), ExpressionAttributeNames: map[string]string{"#s": "secret"}}})),
			"secret", []string{"condition", "encrypted"}},
		{"TransactWriteItems with a delete with a condition on an encrypted attribute", call(tx, transactWith(types.TransactWriteItem{Delete: &types.Delete{
			TableName: fakeTbl, Key: key("r", 2), ConditionExpression: aws.String("doc.l[1] = :v"), ExpressionAttributeValues: fakeValues}})),
			"doc", []string{"condition", "encrypted"}},
		{"TransactWriteItems with a put with a condition on an encrypted attribute", call(tx, transactWith(types.TransactWriteItem{Put: &types.Put{
			TableName: fakeTbl, Item: fullItem("r", 2), ConditionExpression: aws.String("attribute_not_exists(numbers)")}})),
			"numbers", []string{"condition", "encrypted"}},
		{"TransactWriteItems with an update of an encrypted attribute", call(tx, transactWith(types.TransactWriteItem{Update: &types.Update{
			TableName: fakeTbl, Key: key("r", 2), UpdateExpression: aws.String("SET secret = :v"), ExpressionAttributeValues: fakeValues}})),
			"secret", []string{"ENCRYPT_AND_SIGN"}},
		{"TransactWriteItems with an update of a signed attribute", call(tx, transactWith(types.TransactWriteItem{Update: &types.Update{
			TableName: fakeTbl, Key: key("r", 2), UpdateExpression: aws.String("REMOVE signed")}})),
			"signed", []string{"SIGN_ONLY"}},
		{"TransactWriteItems with an update reading an encrypted attribute", call(tx, transactWith(types.TransactWriteItem{Update: &types.Update{
			TableName: fakeTbl, Key: key("r", 2), UpdateExpression: aws.String("SET plain = secret")}})),
			"secret", []string{"reads", "encrypted"}},
		{"TransactWriteItems with an update with a condition on an encrypted attribute", call(tx, transactWith(types.TransactWriteItem{Update: &types.Update{
			TableName: fakeTbl, Key: key("r", 2), UpdateExpression: aws.String("ADD counter :one"), ConditionExpression: aws.String("flag = :one"), ExpressionAttributeValues: one}})),
			"flag", []string{"condition", "encrypted"}},
	} {
		f, c := fakeClient(t)
		refusedOffline(t, f, tc.what, tc.call(t.Context(), c), tc.attr, tc.why...)
	}
}

// What the client allows is sent, with the expressions as given: the
// refusals above are about encrypted attributes, not about conditions.
func TestAllowedExpressionsAreSent(t *testing.T) {
	t.Parallel()
	item := fullItem("r", 1)
	names := map[string]string{"#p": "plain"}
	values := map[string]types.AttributeValue{":v": s("x"), ":k": s("r")}

	t.Run("PutItem", func(t *testing.T) {
		f, c := fakeClient(t)
		f.Expect(opPut)
		cond := "attribute_not_exists(pk) OR (#p = :v AND signed <> :v AND sk > :k)"
		if _, err := c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: fakeTbl, Item: item, ConditionExpression: aws.String(cond),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values}); err != nil {
			t.Fatalf("PutItem with a condition on plaintext attributes: %v", err)
		}
		in := onlyInput[*dynamodb.PutItemInput](t, f, opPut)
		checkSentCondition(t, "PutItem", in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, cond, names, values)
		// The item went out encrypted: plaintext where allowed, binary
		// ciphertext elsewhere.
		checkStored(t, in.Item, item, "signed", "plain", "counter")
	})

	t.Run("DeleteItem", func(t *testing.T) {
		f, c := fakeClient(t)
		f.Expect(opDelete)
		cond := "#p = :v AND attribute_exists(counter)"
		if _, err := c.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: fakeTbl, Key: key("r", 1), ConditionExpression: aws.String(cond),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values}); err != nil {
			t.Fatalf("DeleteItem with a condition on plaintext attributes: %v", err)
		}
		in := onlyInput[*dynamodb.DeleteItemInput](t, f, opDelete)
		checkSentCondition(t, "DeleteItem", in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, cond, names, values)
	})

	t.Run("UpdateItem", func(t *testing.T) {
		f, c := fakeClient(t)
		f.Expect(opUpdate)
		update, cond := "ADD counter :one SET #p = :v", "signed = :v"
		if _, err := c.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: fakeTbl, Key: key("r", 1),
			UpdateExpression: aws.String(update), ConditionExpression: aws.String(cond), ExpressionAttributeNames: names,
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1"), ":v": s("x")}}); err != nil {
			t.Fatalf("UpdateItem of DO_NOTHING attributes: %v", err)
		}
		in := onlyInput[*dynamodb.UpdateItemInput](t, f, opUpdate)
		if got := aws.ToString(in.UpdateExpression); got != update {
			t.Errorf("UpdateItem sent UpdateExpression %q, want %q", got, update)
		}
		// The user's condition, and that the item exists (a signed item
		// must not be created by an update).
		got := aws.ToString(in.ConditionExpression)
		if !strings.Contains(got, cond) {
			t.Errorf("UpdateItem sent ConditionExpression %q, without the caller's %q", got, cond)
		}
		if !strings.Contains(resolveNames(got, in.ExpressionAttributeNames), "attribute_exists(pk)") {
			t.Errorf("UpdateItem sent ConditionExpression %q (names %v), which does not require the item to exist", got, in.ExpressionAttributeNames)
		}
		if in.ExpressionAttributeNames["#p"] != "plain" {
			t.Errorf("UpdateItem lost the caller's names: %v", in.ExpressionAttributeNames)
		}
	})

	t.Run("Query", func(t *testing.T) {
		f, c := fakeClient(t)
		f.Expect(opQuery)
		filter := "#p = :v OR signed = :v"
		for _, index := range []*string{nil, aws.String("byGroup")} {
			kc := "pk = :k AND sk > :v"
			if index != nil {
				kc = "grp = :k"
			}
			if _, err := c.Query(t.Context(), &dynamodb.QueryInput{TableName: fakeTbl, IndexName: index, KeyConditionExpression: aws.String(kc), FilterExpression: aws.String(filter),
				ExpressionAttributeNames: names, ExpressionAttributeValues: values}); err != nil {
				t.Fatalf("Query %v with key condition %q and filter on plaintext: %v", aws.ToString(index), kc, err)
			}
			ins := f.Inputs(opQuery)
			in := ins[len(ins)-1].(*dynamodb.QueryInput)
			if aws.ToString(in.KeyConditionExpression) != kc || aws.ToString(in.FilterExpression) != filter || aws.ToString(in.IndexName) != aws.ToString(index) {
				t.Errorf("Query sent index %q, key condition %q, filter %q; want %q, %q, %q",
					aws.ToString(in.IndexName), aws.ToString(in.KeyConditionExpression), aws.ToString(in.FilterExpression), aws.ToString(index), kc, filter)
			}
		}
	})

	t.Run("Scan", func(t *testing.T) {
		f, c := fakeClient(t)
		f.Expect(opScan)
		filter := "#p = :v AND grp = :k"
		if _, err := c.Scan(t.Context(), &dynamodb.ScanInput{TableName: fakeTbl, FilterExpression: aws.String(filter),
			ExpressionAttributeNames: names, ExpressionAttributeValues: values}); err != nil {
			t.Fatalf("Scan with a filter on plaintext: %v", err)
		}
		in := onlyInput[*dynamodb.ScanInput](t, f, opScan)
		checkSentCondition(t, "Scan", in.FilterExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, filter, names, values)
	})

	t.Run("TransactWriteItems", func(t *testing.T) {
		f, c := fakeClient(t)
		f.Expect(opTxWrite)
		items := []types.TransactWriteItem{
			{Put: &types.Put{TableName: fakeTbl, Item: item, ConditionExpression: aws.String("attribute_not_exists(pk)")}},
			{ConditionCheck: &types.ConditionCheck{TableName: fakeTbl, Key: key("r", 2), ConditionExpression: aws.String("#p = :v"), ExpressionAttributeNames: names, ExpressionAttributeValues: pick(values, ":v")}},
			{Delete: &types.Delete{TableName: fakeTbl, Key: key("r", 3), ConditionExpression: aws.String("signed = :v"), ExpressionAttributeValues: pick(values, ":v")}},
			{Update: &types.Update{TableName: fakeTbl, Key: key("r", 4), UpdateExpression: aws.String("REMOVE counter")}},
		}
		if _, err := c.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
			t.Fatalf("TransactWriteItems with conditions on plaintext: %v", err)
		}
		in := onlyInput[*dynamodb.TransactWriteItemsInput](t, f, opTxWrite)
		if len(in.TransactItems) != len(items) {
			t.Fatalf("TransactWriteItems sent %d items, want %d", len(in.TransactItems), len(items))
		}
		sent := in.TransactItems
		if sent[0].Put == nil || aws.ToString(sent[0].Put.ConditionExpression) != "attribute_not_exists(pk)" {
			t.Errorf("the put went out as %+v", sent[0].Put)
		} else {
			checkStored(t, sent[0].Put.Item, item, "signed", "plain", "counter")
		}
		if cc := sent[1].ConditionCheck; cc == nil || aws.ToString(cc.ConditionExpression) != "#p = :v" {
			t.Errorf("the condition check went out as %+v", cc)
		}
		if d := sent[2].Delete; d == nil || aws.ToString(d.ConditionExpression) != "signed = :v" {
			t.Errorf("the delete went out as %+v", d)
		}
		if u := sent[3].Update; u == nil || aws.ToString(u.UpdateExpression) != "REMOVE counter" {
			t.Errorf("the update went out as %+v", u)
		}
	})
}

// onlyInput returns the input of the one call of op, or fails the test.
func onlyInput[In any](t *testing.T, f *testenv.FakeDB, op string) In {
	t.Helper()
	ins := f.Inputs(op)
	if len(ins) != 1 {
		t.Fatalf("%d %s calls reached DynamoDB, want 1", len(ins), op)
	}
	return ins[0].(In)
}

// checkSentCondition checks that an expression and its names and values
// were sent as the caller gave them.
func checkSentCondition(t *testing.T, what string, expr *string, names map[string]string, values map[string]types.AttributeValue,
	wantExpr string, wantNames map[string]string, wantValues map[string]types.AttributeValue) {
	t.Helper()
	if got := aws.ToString(expr); got != wantExpr {
		t.Errorf("%s sent the expression %q, want %q", what, got, wantExpr)
	}
	if !maps.Equal(names, wantNames) {
		t.Errorf("%s sent the names %v, want %v", what, names, wantNames)
	}
	if got, want := renderItem(values), renderItem(wantValues); got != want {
		t.Errorf("%s sent the values %s, want %s", what, got, want)
	}
}

// resolveNames replaces the #placeholders of an expression with the names
// they stand for, longest first.
func resolveNames(expr string, names map[string]string) string {
	phs := slices.Collect(maps.Keys(names))
	slices.SortFunc(phs, func(a, b string) int { return len(b) - len(a) })
	for _, ph := range phs {
		expr = strings.ReplaceAll(expr, ph, names[ph])
	}
	return expr
}
