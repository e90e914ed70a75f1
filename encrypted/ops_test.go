package encrypted_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

func TestPutGetRoundTrip(t *testing.T) {
	t.Parallel()
	e, item := newEnvWithItem(t, "p1", 1)

	// The stored item: keys and the signed-only and DO_NOTHING attributes in
	// plaintext, everything else binary ciphertext, plus the reserved
	// attributes.
	stored := rawGet(t, e.db, e.table, key("p1", 1))
	checkStored(t, stored, item, "signed", "plain", "counter")

	// What PutItem sent is what is stored: the caller's item was not
	// modified.
	if sent := e.rec.Last(opPut).(*dynamodb.PutItemInput); renderItem(sent.Item) != renderItem(stored) {
		t.Errorf("PutItem sent %s, but %s is stored", renderItem(sent.Item), renderItem(stored))
	}
	checkItem(t, "the caller's item after PutItem", item, fullItem("p1", 1))

	// GetItem verifies and decrypts.
	checkItem(t, "GetItem", get(t, e.c, e.table, key("p1", 1)), item)

	// A missing item is no item, not an error.
	if got := get(t, e.c, e.table, key("p1", 2)); got != nil {
		t.Errorf("GetItem of a missing item = %s, want nil", renderItem(got))
	}

	// ReturnValues ALL_OLD returns the old item decrypted; with no old item,
	// nothing.
	item2 := with(item, map[string]types.AttributeValue{"secret": s("second secret")})
	out, err := e.c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: item2, ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		t.Fatalf("PutItem ALL_OLD: %v", err)
	}
	checkItem(t, "PutItem ALL_OLD attributes", out.Attributes, item)
	checkItem(t, "GetItem after the second PutItem", get(t, e.c, e.table, key("p1", 1)), item2)
	out, err = e.c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: fullItem("p1", 3), ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		t.Fatalf("PutItem ALL_OLD of a new item: %v", err)
	}
	if out.Attributes != nil {
		t.Errorf("PutItem ALL_OLD of a new item returned %s", renderItem(out.Attributes))
	}

	// ReturnValues that return part of an item cannot be verified.
	for _, rv := range []types.ReturnValue{types.ReturnValueUpdatedNew, types.ReturnValueUpdatedOld} {
		before := dataCalls(e.rec)
		_, err := e.c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: fullItem("p1", 4), ReturnValues: rv})
		checkRefused(t, "PutItem ReturnValues "+string(rv), err, e.rec, before, "", string(rv))
	}
	if got := rawGet(t, e.db, e.table, key("p1", 4)); got != nil {
		t.Errorf("a refused PutItem wrote %s", renderItem(got))
	}

	// A condition on plaintext attributes is sent; one on an encrypted
	// attribute is refused.
	_, err = e.c.PutItem(t.Context(), &dynamodb.PutItemInput{
		TableName: aws.String(e.table), Item: item,
		ConditionExpression:       aws.String("#p = :p AND signed = :s"),
		ExpressionAttributeNames:  map[string]string{"#p": "plain"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("plain p1"), ":s": s("signed p1")},
	})
	if err != nil {
		t.Errorf("PutItem with a condition on plaintext attributes: %v", err)
	}
	before := dataCalls(e.rec)
	_, err = e.c.PutItem(t.Context(), &dynamodb.PutItemInput{
		TableName: aws.String(e.table), Item: item,
		ConditionExpression:       aws.String("attribute_exists(#s)"),
		ExpressionAttributeNames:  map[string]string{"#s": "secret"},
		ExpressionAttributeValues: nil,
	})
	checkRefused(t, "PutItem with a condition on an encrypted attribute", err, e.rec, before, "secret", "encrypted")
	before = dataCalls(e.rec)
	_, err = e.c.PutItem(t.Context(), &dynamodb.PutItemInput{
		TableName: aws.String(e.table), Item: item,
		Expected: map[string]types.ExpectedAttributeValue{"plain": {Exists: aws.Bool(true)}},
	})
	checkRefused(t, "PutItem with the legacy Expected", err, e.rec, before, "", "Expected")

	// An item that cannot be encrypted (a reserved attribute name) is an
	// error, and nothing is sent.
	before = dataCalls(e.rec)
	_, err = e.c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: with(item, map[string]types.AttributeValue{crypto.SignatureAttribute: b(1)})})
	checkRefused(t, "PutItem of an item with a reserved attribute", err, e.rec, before, crypto.SignatureAttribute)

	// A tampered item is refused, naming its table and key.
	tamper(t, e.db, e.table, key("p1", 1))
	out2, err := e.c.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: key("p1", 1), ConsistentRead: aws.Bool(true)})
	checkIntegrity(t, "GetItem of a tampered item", err, e.table, key("p1", 1))
	if out2 != nil {
		t.Errorf("GetItem of a tampered item returned %s", renderItem(out2.Item))
	}
}

func TestGetItemProjection(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// The same item in plaintext in a plain table: DynamoDB's own
	// projection is the reference.
	plainTable := createTable(t, e.db)
	item := fullItem("p1", 1)
	put(t, e.c, e.table, item)
	rawPut(t, e.db, plainTable, item)

	for _, tc := range []struct {
		projection string
		names      map[string]string
		want       map[string]types.AttributeValue
	}{
		{"secret", nil, pick(item, "secret")},
		{"secret, sk, signed", nil, pick(item, "secret", "sk", "signed")},
		{"#h, #s", map[string]string{"#h": "my-attr", "#s": "secret"}, pick(item, "my-attr", "secret")},
		{"doc.a.b", nil, map[string]types.AttributeValue{"doc": m(map[string]types.AttributeValue{"a": m(map[string]types.AttributeValue{"b": s("deep")})})}},
		{"#d.#a.c, #d.l[2], #d.l[0]", map[string]string{"#d": "doc", "#a": "a"}, map[string]types.AttributeValue{"doc": m(map[string]types.AttributeValue{
			"a": m(map[string]types.AttributeValue{"c": s("other")}),
			"l": list(s("l0"), s("l2")),
		})}},
		{"doc.nope, secret", nil, pick(item, "secret")},
		{"nosuch", nil, map[string]types.AttributeValue{}},
	} {
		in := func(table string) *dynamodb.GetItemInput {
			return &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("p1", 1), ConsistentRead: aws.Bool(true),
				ProjectionExpression: aws.String(tc.projection), ExpressionAttributeNames: tc.names}
		}
		out, err := e.c.GetItem(t.Context(), in(e.table))
		if err != nil {
			t.Errorf("GetItem projection %q: %v", tc.projection, err)
			continue
		}
		checkItem(t, "GetItem projection "+tc.projection, out.Item, tc.want)
		ref, err := e.db.GetItem(t.Context(), in(plainTable), quiet)
		if err != nil {
			t.Errorf("plain GetItem projection %q: %v", tc.projection, err)
			continue
		}
		checkItem(t, "GetItem projection "+tc.projection+" against DynamoDB's own", out.Item, ref.Item)
		// The whole item was asked for, so that it could be verified.
		sent := e.rec.Last(opGet).(*dynamodb.GetItemInput)
		if sent.ProjectionExpression != nil || sent.ExpressionAttributeNames != nil {
			t.Errorf("GetItem projection %q: sent ProjectionExpression %q, names %v; want the whole item asked for", tc.projection, aws.ToString(sent.ProjectionExpression), sent.ExpressionAttributeNames)
		}
	}

	// A projection that leaves out the tampered attribute still verifies the
	// whole item.
	tamper(t, e.db, e.table, key("p1", 1))
	_, err := e.c.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: key("p1", 1), ProjectionExpression: aws.String("secret")})
	checkIntegrity(t, "GetItem with a projection of a tampered item", err, e.table, key("p1", 1))

	// A projection with an undefined placeholder, and the legacy
	// AttributesToGet, are refused.
	before := dataCalls(e.rec)
	_, err = e.c.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: key("p1", 1), ProjectionExpression: aws.String("#x")})
	checkRefused(t, "GetItem projection with an undefined placeholder", err, e.rec, before, "", "#x")
	_, err = e.c.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: key("p1", 1), AttributesToGet: []string{"secret"}})
	checkRefused(t, "GetItem with AttributesToGet", err, e.rec, before, "", "AttributesToGet")
}

func TestDeleteItem(t *testing.T) {
	t.Parallel()
	e, item := newEnvWithItem(t, "p1", 1)

	// A condition on a plaintext attribute that fails: nothing deleted.
	_, err := e.c.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{
		TableName: aws.String(e.table), Key: key("p1", 1),
		ConditionExpression:       aws.String("#p = :p"),
		ExpressionAttributeNames:  map[string]string{"#p": "plain"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("something else")},
	})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Errorf("DeleteItem with a failing condition: %v, want a ConditionalCheckFailedException", err)
	}
	if rawGet(t, e.db, e.table, key("p1", 1)) == nil {
		t.Fatal("DeleteItem with a failing condition deleted the item")
	}

	// A condition on an encrypted attribute is refused.
	before := dataCalls(e.rec)
	_, err = e.c.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{
		TableName: aws.String(e.table), Key: key("p1", 1),
		ConditionExpression:       aws.String("signed = :s OR begins_with(secret, :s)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": s("x")},
	})
	checkRefused(t, "DeleteItem with a condition on an encrypted attribute", err, e.rec, before, "secret", "encrypted")
	_, err = e.c.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{
		TableName: aws.String(e.table), Key: key("p1", 1), ReturnValues: types.ReturnValueUpdatedOld,
	})
	checkRefused(t, "DeleteItem ReturnValues UPDATED_OLD", err, e.rec, before, "", "UPDATED_OLD")
	_, err = e.c.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{
		TableName: aws.String(e.table), Key: key("p1", 1),
		Expected: map[string]types.ExpectedAttributeValue{"secret": {Exists: aws.Bool(true)}},
	})
	checkRefused(t, "DeleteItem with the legacy Expected", err, e.rec, before, "", "Expected")

	// A condition on plaintext attributes that holds, with ALL_OLD: the old
	// item comes back decrypted.
	out, err := e.c.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{
		TableName: aws.String(e.table), Key: key("p1", 1),
		ConditionExpression:       aws.String("attribute_exists(pk) AND #p = :p AND signed = :s"),
		ExpressionAttributeNames:  map[string]string{"#p": "plain"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("plain p1"), ":s": s("signed p1")},
		ReturnValues:              types.ReturnValueAllOld,
	})
	if err != nil {
		t.Fatalf("DeleteItem: %v", err)
	}
	checkItem(t, "DeleteItem ALL_OLD attributes", out.Attributes, item)
	if got := rawGet(t, e.db, e.table, key("p1", 1)); got != nil {
		t.Errorf("the item is still there after DeleteItem: %s", renderItem(got))
	}

	// ALL_OLD of a tampered item: the delete happened, but the old item is
	// not handed back unverified.
	put(t, e.c, e.table, item)
	tamper(t, e.db, e.table, key("p1", 1))
	out, err = e.c.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(e.table), Key: key("p1", 1), ReturnValues: types.ReturnValueAllOld})
	checkIntegrity(t, "DeleteItem ALL_OLD of a tampered item", err, e.table, key("p1", 1))
	if out != nil {
		t.Errorf("DeleteItem ALL_OLD of a tampered item returned %s", renderItem(out.Attributes))
	}
}

// A request whose condition fails may ask DynamoDB for the stored item in
// the error (ReturnValuesOnConditionCheckFailure ALL_OLD). The client must
// not hand the caller the raw stored item: ciphertext and reserved
// attributes, unverified. It may verify and decrypt it, or refuse the
// parameter before the call.
func TestConditionFailureItemIsNotRaw(t *testing.T) {
	t.Parallel()
	e, item := newEnvWithItem(t, "p1", 1)
	cond := func() (*string, map[string]string, map[string]types.AttributeValue) {
		return aws.String("#p = :p"), map[string]string{"#p": "plain"}, map[string]types.AttributeValue{":p": s("not it")}
	}
	check := func(what string, err error) {
		t.Helper()
		var ccf *types.ConditionalCheckFailedException
		switch {
		case errors.As(err, &ccf):
			if ccf.Item == nil {
				return
			}
			if _, raw := ccf.Item[crypto.SignatureAttribute]; raw || renderItem(ccf.Item) != renderItem(item) {
				t.Errorf("%s: the ConditionalCheckFailedException carries the raw stored item, not the verified plaintext:\n got  %s\n want %s", what, renderItem(ccf.Item), renderItem(item))
			}
		case err != nil && strings.Contains(err.Error(), "ReturnValuesOnConditionCheckFailure"):
			// refused before the call: fine
		default:
			t.Errorf("%s: error %v, want a ConditionalCheckFailedException or a refusal", what, err)
		}
	}

	c, names, values := cond()
	_, err := e.c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: item,
		ConditionExpression: c, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	check("PutItem", err)
	c, names, values = cond()
	_, err = e.c.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: aws.String(e.table), Key: key("p1", 1),
		ConditionExpression: c, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	check("DeleteItem", err)
	c, names, values = cond()
	names["#c"] = "counter"
	values[":one"] = n("1")
	_, err = e.c.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(e.table), Key: key("p1", 1),
		UpdateExpression: aws.String("ADD #c :one"), ConditionExpression: c, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	check("UpdateItem", err)
}

func TestUpdateItemCounter(t *testing.T) {
	t.Parallel()
	e, item := newEnvWithItem(t, "p1", 1)

	one := map[string]types.AttributeValue{":one": n("1")}
	// ADD to a DO_NOTHING counter leaves the item verifiable.
	out, err := e.c.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table), Key: key("p1", 1),
		UpdateExpression:          aws.String("ADD #c :one"),
		ExpressionAttributeNames:  map[string]string{"#c": "counter"},
		ExpressionAttributeValues: one,
		ReturnValues:              types.ReturnValueAllNew,
	})
	if err != nil {
		t.Fatalf("UpdateItem ADD counter: %v", err)
	}
	want := with(item, map[string]types.AttributeValue{"counter": n("1")})
	checkItem(t, "UpdateItem ALL_NEW attributes", out.Attributes, want)
	checkItem(t, "GetItem after ADD counter", get(t, e.c, e.table, key("p1", 1)), want)

	// UPDATED_NEW returns only the counter; ALL_OLD the whole old item,
	// decrypted. A condition on a plaintext attribute is fine.
	out, err = e.c.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table), Key: key("p1", 1),
		UpdateExpression:          aws.String("SET #c = #c + :one, plain = :p"),
		ConditionExpression:       aws.String("signed = :s"),
		ExpressionAttributeNames:  map[string]string{"#c": "counter"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1"), ":p": s("changed"), ":s": s("signed p1")},
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if err != nil {
		t.Fatalf("UpdateItem SET counter: %v", err)
	}
	checkItem(t, "UpdateItem UPDATED_NEW attributes", out.Attributes, map[string]types.AttributeValue{"counter": n("2"), "plain": s("changed")})
	out, err = e.c.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table), Key: key("p1", 1),
		UpdateExpression:          aws.String("ADD #c :one REMOVE plain"),
		ExpressionAttributeNames:  map[string]string{"#c": "counter"},
		ExpressionAttributeValues: one,
		ReturnValues:              types.ReturnValueAllOld,
	})
	if err != nil {
		t.Fatalf("UpdateItem ALL_OLD: %v", err)
	}
	checkItem(t, "UpdateItem ALL_OLD attributes", out.Attributes, with(item, map[string]types.AttributeValue{"counter": n("2"), "plain": s("changed")}))
	after := with(item, map[string]types.AttributeValue{"counter": n("3")})
	delete(after, "plain")
	checkItem(t, "GetItem after three updates", get(t, e.c, e.table, key("p1", 1)), after)
}

func TestUpdateItemRefused(t *testing.T) {
	t.Parallel()
	e, item := newEnvWithItem(t, "p1", 1)
	stored := rawGet(t, e.db, e.table, key("p1", 1))

	for _, tc := range []struct {
		what   string
		in     dynamodb.UpdateItemInput
		attr   string
		reason []string
	}{
		{"SET of an encrypted attribute", dynamodb.UpdateItemInput{
			UpdateExpression: aws.String("SET secret = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("x")},
		}, "secret", []string{"ENCRYPT_AND_SIGN", "signature"}},
		{"SET of an encrypted attribute through a placeholder", dynamodb.UpdateItemInput{
			UpdateExpression: aws.String("SET #d.a.b = :v"), ExpressionAttributeNames: map[string]string{"#d": "doc"}, ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("x")},
		}, "doc", []string{"ENCRYPT_AND_SIGN", "signature"}},
		{"SET of a signed attribute", dynamodb.UpdateItemInput{
			UpdateExpression: aws.String("SET counter = :v, signed = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("x")},
		}, "signed", []string{"SIGN_ONLY", "signature"}},
		{"SET of a sort key", dynamodb.UpdateItemInput{
			UpdateExpression: aws.String("SET sk = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": n("9")},
		}, "sk", []string{"key"}},
		{"REMOVE of a signed attribute", dynamodb.UpdateItemInput{
			UpdateExpression: aws.String("REMOVE signed"),
		}, "signed", []string{"SIGN_ONLY", "signature"}},
		{"ADD to a new attribute (encrypted by default)", dynamodb.UpdateItemInput{
			UpdateExpression: aws.String("ADD visits :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": n("1")},
		}, "visits", []string{"ENCRYPT_AND_SIGN"}},
		{"DELETE from an encrypted set", dynamodb.UpdateItemInput{
			UpdateExpression: aws.String("DELETE strings :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberSS{Value: []string{"x"}}},
		}, "strings", []string{"ENCRYPT_AND_SIGN"}},
		{"SET plain = encrypted attribute", dynamodb.UpdateItemInput{
			UpdateExpression: aws.String("SET plain = secret"),
		}, "secret", []string{"reads", "encrypted"}},
		{"SET plain = if_not_exists(encrypted attribute)", dynamodb.UpdateItemInput{
			UpdateExpression: aws.String("SET plain = if_not_exists(#s, :v)"), ExpressionAttributeNames: map[string]string{"#s": "secret"}, ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("x")},
		}, "secret", []string{"encrypted"}},
		{"a condition on an encrypted attribute", dynamodb.UpdateItemInput{
			UpdateExpression: aws.String("ADD counter :one"), ConditionExpression: aws.String("secret = :v"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1"), ":v": s("x")},
		}, "secret", []string{"condition", "encrypted"}},
		{"the legacy AttributeUpdates", dynamodb.UpdateItemInput{
			AttributeUpdates: map[string]types.AttributeValueUpdate{"counter": {Action: types.AttributeActionAdd, Value: n("1")}},
		}, "", []string{"AttributeUpdates"}},
		{"the legacy Expected", dynamodb.UpdateItemInput{
			UpdateExpression: aws.String("ADD counter :one"), ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")},
			Expected: map[string]types.ExpectedAttributeValue{"secret": {Exists: aws.Bool(true)}},
		}, "", []string{"Expected"}},
		{"no update expression", dynamodb.UpdateItemInput{}, "", []string{"UpdateExpression"}},
		{"an unparsable update expression", dynamodb.UpdateItemInput{
			UpdateExpression: aws.String("SET counter = :one + "), ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")},
		}, "", nil},
	} {
		in := tc.in
		in.TableName, in.Key = aws.String(e.table), key("p1", 1)
		before := dataCalls(e.rec)
		_, err := e.c.UpdateItem(t.Context(), &in)
		checkRefused(t, "UpdateItem: "+tc.what, err, e.rec, before, tc.attr, tc.reason...)
	}
	if got := rawGet(t, e.db, e.table, key("p1", 1)); renderItem(got) != renderItem(stored) {
		t.Errorf("refused updates changed the stored item:\n got  %s\n want %s", renderItem(got), renderItem(stored))
	}
	checkItem(t, "GetItem after the refused updates", get(t, e.c, e.table, key("p1", 1)), item)
}

// With a DO_NOTHING default, attributes not named are writable by an
// update; the reserved signature and material description attributes are
// not: writing or removing them breaks (or forges) every read of the item.
func TestUpdateItemReservedAttributes(t *testing.T) {
	t.Parallel()
	db := e2eDB(t)
	rec := testenv.NewParallelFaults(t)
	table := createTable(t, db)
	actions := &crypto.AttributeActions{Default: crypto.DoNothing, Overrides: map[string]crypto.Action{"secret": crypto.EncryptAndSign, "signed": crypto.SignOnly}}
	c := newClient(rec, newProvider(t), table, actions)
	item := pick(fullItem("p1", 1), "pk", "sk", "secret", "signed", "plain", "counter")
	put(t, c, table, item)

	// A new, unnamed attribute is DO_NOTHING: an update may write it.
	if _, err := c.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: key("p1", 1),
		UpdateExpression: aws.String("SET seen = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": n("5")}}); err != nil {
		t.Fatalf("UpdateItem of an unnamed attribute under a DO_NOTHING default: %v", err)
	}
	checkItem(t, "GetItem after the update", get(t, c, table, key("p1", 1)), with(item, map[string]types.AttributeValue{"seen": n("5")}))
	stored := rawGet(t, db, table, key("p1", 1))

	for _, tc := range []struct {
		what, expr string
		values     map[string]types.AttributeValue
		attr       string
	}{
		{"SET of the signature", "SET #r = :v", map[string]types.AttributeValue{":v": b(1, 2, 3)}, crypto.SignatureAttribute},
		{"REMOVE of the signature", "REMOVE #r", nil, crypto.SignatureAttribute},
		{"SET of the material description", "SET #r = :v", map[string]types.AttributeValue{":v": b(0, 0, 0, 0)}, crypto.DescriptionAttribute},
		{"REMOVE of the material description", "REMOVE #r", nil, crypto.DescriptionAttribute},
	} {
		before := dataCalls(rec)
		_, err := c.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: key("p1", 1),
			UpdateExpression: aws.String(tc.expr), ExpressionAttributeNames: map[string]string{"#r": tc.attr}, ExpressionAttributeValues: tc.values})
		checkRefused(t, "UpdateItem: "+tc.what, err, rec, before, tc.attr)
		if err == nil {
			// Put the item back for the next case.
			rawPut(t, db, table, stored)
		}
	}
	if _, err := c.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("p1", 1), ConsistentRead: aws.Bool(true)}); err != nil {
		t.Errorf("GetItem after the updates of reserved attributes: %v", err)
	}
}

// An update of a DO_NOTHING attribute of an item that does not exist would,
// in DynamoDB, create an item with only the key and that attribute: no
// signature, so that every later read of it, and every query or scan that
// meets it, fails. The client must not leave such an item behind: the
// update should fail (say, with a condition that the item exists), or the
// item read back.
func TestUpdateItemOfMissingItem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	put(t, e.c, e.table, fullItem("p1", 1))
	_, updateErr := e.c.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table), Key: key("p1", 2),
		UpdateExpression:          aws.String("ADD #c :one"),
		ExpressionAttributeNames:  map[string]string{"#c": "counter"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": n("1")},
	})
	raw := rawGet(t, e.db, e.table, key("p1", 2))
	if raw == nil {
		if updateErr == nil {
			t.Error("UpdateItem of a missing item reported success but wrote nothing")
		}
		return
	}
	if _, err := e.c.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(e.table), Key: key("p1", 2), ConsistentRead: aws.Bool(true)}); err != nil {
		t.Errorf("UpdateItem of a missing item (error: %v) created the unsigned item %s, which cannot be read: %v", updateErr, renderItem(raw), err)
	}
	if _, err := e.c.Query(t.Context(), &dynamodb.QueryInput{TableName: aws.String(e.table), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("p1")}, ConsistentRead: aws.Bool(true)}); err != nil {
		t.Errorf("after UpdateItem of a missing item, a query of its partition fails: %v", err)
	}
}
