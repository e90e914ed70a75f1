package encrypted_test

// Requests whose shape the client must refuse before any call, and the
// placeholder the client adds to updates.

import (
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
)

// A transaction element that sets several operations is refused before any
// call: the client would check one and DynamoDB might perform another (an
// update of an encrypted attribute hidden behind a harmless put).
func TestTransactElementWithSeveralOperations(t *testing.T) {
	tbl := aws.String("t")
	put := &types.Put{TableName: tbl, Item: fullItem("p", 1)}
	del := &types.Delete{TableName: tbl, Key: key("p", 1)}
	check := &types.ConditionCheck{TableName: tbl, Key: key("p", 1), ConditionExpression: aws.String("attribute_exists(pk)")}
	badUpdate := &types.Update{TableName: tbl, Key: key("p", 1), UpdateExpression: aws.String("SET secret = :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("x")}}
	for _, tc := range []struct {
		what string
		item types.TransactWriteItem
		ops  []string
	}{
		{"Put and Update", types.TransactWriteItem{Put: put, Update: badUpdate}, []string{"Put", "Update"}},
		{"Delete and Update", types.TransactWriteItem{Delete: del, Update: badUpdate}, []string{"Delete", "Update"}},
		{"Put and Delete", types.TransactWriteItem{Put: put, Delete: del}, []string{"Put", "Delete"}},
		{"ConditionCheck and Update", types.TransactWriteItem{ConditionCheck: check, Update: badUpdate}, []string{"ConditionCheck", "Update"}},
		{"ConditionCheck and Put", types.TransactWriteItem{ConditionCheck: check, Put: put}, []string{"ConditionCheck", "Put"}},
		{"no operation", types.TransactWriteItem{}, []string{"no operation"}},
	} {
		e := newFakeEnv(t)
		_, err := e.c.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: tbl, Item: fullItem("ok", 1)}},
			tc.item,
		}})
		if !errors.Is(err, ddbcrypt.ErrInvalidItem) {
			t.Errorf("%s: error %v, want one wrapping ErrInvalidItem", tc.what, err)
			continue
		}
		for _, w := range append([]string{"TransactItems[1]"}, tc.ops...) {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", tc.what, err, w)
			}
		}
		if tc.item.Put != nil && !strings.Contains(err.Error(), "table t") {
			t.Errorf("%s: error %q does not name the table", tc.what, err)
		}
		if n := len(e.db.DataCalls()) + e.db.Count(opDescribe); n != 0 {
			t.Errorf("%s: %d calls before the refusal, want none", tc.what, n)
		}
	}
}

// A batch write request that sets both a put and a delete (or neither) is
// refused before any call.
func TestBatchWriteRequestWithPutAndDelete(t *testing.T) {
	for _, tc := range []struct {
		what string
		req  types.WriteRequest
		want string
	}{
		{"put and delete", types.WriteRequest{PutRequest: &types.PutRequest{Item: fullItem("b", 2)}, DeleteRequest: &types.DeleteRequest{Key: key("b", 3)}}, "PutRequest and DeleteRequest"},
		{"neither", types.WriteRequest{}, "neither"},
	} {
		e := newFakeEnv(t)
		_, err := e.c.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
			"t": {{PutRequest: &types.PutRequest{Item: fullItem("b", 1)}}, tc.req},
		}})
		checkRefused(t, tc.what, err, nil, 0, "", `RequestItems["t"][1]`, tc.want, "table t")
		if n := len(e.db.DataCalls()) + e.db.Count(opDescribe); n != 0 {
			t.Errorf("%s: %d calls before the refusal, want none", tc.what, n)
		}
	}
}

// The client's own placeholder in an update's condition never takes the
// place of one of the caller's: a caller's "#ddbcrypt_exists" keeps naming
// the caller's attribute.
func TestUpdatePlaceholderCollision(t *testing.T) {
	e := newFakeEnv(t)
	names := map[string]string{"#ddbcrypt_exists": "plain", "#ddbcrypt_exists1": "counter"}
	values := map[string]types.AttributeValue{":v": s("x"), ":one": n("1")}
	check := func(what string, cond *string, gotNames map[string]string) {
		t.Helper()
		for ph, attr := range names {
			if gotNames[ph] != attr {
				t.Errorf("%s: the caller's %s names %q, want %q", what, ph, gotNames[ph], attr)
			}
		}
		if len(gotNames) != len(names)+1 {
			t.Fatalf("%s: names %v, want the caller's and one more", what, gotNames)
		}
		var mine string
		for ph := range gotNames {
			if _, ok := names[ph]; !ok {
				mine = ph
			}
		}
		if gotNames[mine] != "pk" {
			t.Errorf("%s: the client's placeholder %s names %q, want pk", what, mine, gotNames[mine])
		}
		if want := "(#ddbcrypt_exists = :v) AND attribute_exists(" + mine + ")"; aws.ToString(cond) != want {
			t.Errorf("%s: condition %q, want %q", what, aws.ToString(cond), want)
		}
	}
	_, err := e.c.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName: aws.String("t"), Key: key("u", 1),
		UpdateExpression:         aws.String("ADD #ddbcrypt_exists1 :one"),
		ConditionExpression:      aws.String("#ddbcrypt_exists = :v"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	})
	if err != nil {
		t.Fatalf("UpdateItem: %v", err)
	}
	in := e.db.Last(opUpdate).(*dynamodb.UpdateItemInput)
	check("UpdateItem", in.ConditionExpression, in.ExpressionAttributeNames)

	_, err = e.c.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Update: &types.Update{
		TableName: aws.String("t"), Key: key("u", 1),
		UpdateExpression:         aws.String("ADD #ddbcrypt_exists1 :one"),
		ConditionExpression:      aws.String("#ddbcrypt_exists = :v"),
		ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	}}}})
	if err != nil {
		t.Fatalf("TransactWriteItems: %v", err)
	}
	u := e.db.Last(opTxWrite).(*dynamodb.TransactWriteItemsInput).TransactItems[0].Update
	check("TransactWriteItems", u.ConditionExpression, u.ExpressionAttributeNames)
}

// Against DynamoDB: a caller's condition on "#ddbcrypt_exists" is evaluated
// on the caller's attribute, not on the partition key.
func TestUpdatePlaceholderCollisionE2E(t *testing.T) {
	t.Parallel()
	e, item := newEnvWithItem(t, "c", 1) // plain is "plain c"
	_, err := e.c.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{
		TableName: aws.String(e.table), Key: key("c", 1),
		UpdateExpression:          aws.String("ADD #n :one"),
		ConditionExpression:       aws.String("#ddbcrypt_exists = :v"),
		ExpressionAttributeNames:  map[string]string{"#ddbcrypt_exists": "plain", "#n": "counter"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("c"), ":one": n("1")}, // pk is "c", plain is not
	})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Errorf("an update whose condition on plain fails: %v, want ConditionalCheckFailed", err)
	}
	checkItem(t, "the item after a failed update", get(t, e.c, e.table, key("c", 1)), item)
}
