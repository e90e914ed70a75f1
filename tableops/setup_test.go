package tableops

import (
	"context"
	"fmt"
	"reflect"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/engine"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// fixture is a fresh table on DynamoDB Local and two protections, A and B,
// with the same actions and unrelated Wrapped keys.
type fixture struct {
	t    *testing.T
	db   *dynamodb.Client
	name string
	a, b Protection
}

// testActions encrypt "data", sign "status" and leave "views" unsigned.
func testActions() crypto.AttributeActions {
	return crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{
		"status": crypto.SignOnly, "views": crypto.DoNothing,
	}}
}

func newFixture(t *testing.T) *fixture {
	db := testenv.DynamoDB(t)
	return &fixture{
		t: t, db: db,
		name: testenv.NewTable(t, db, testenv.S("pk"), testenv.N("sk")),
		a:    Protection{Provider: testenv.WrappedProvider(t), Actions: testActions()},
		b:    Protection{Provider: testenv.WrappedProvider(t), Actions: testActions()},
	}
}

// engine returns the engine table of p.
func (f *fixture) engine(p Protection) *engine.Table {
	f.t.Helper()
	info, _, _, err := describe(f.t.Context(), f.db, f.name)
	if err != nil {
		f.t.Fatal(err)
	}
	tbl, err := p.table(info)
	if err != nil {
		f.t.Fatal(err)
	}
	return tbl
}

// item is the plaintext item i with the given data and views.
func item(i int, data string, views int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk":     &types.AttributeValueMemberS{Value: fmt.Sprintf("p%d", i%7)},
		"sk":     &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
		"data":   &types.AttributeValueMemberS{Value: data},
		"status": &types.AttributeValueMemberS{Value: "new"},
		"views":  &types.AttributeValueMemberN{Value: strconv.Itoa(views)},
	}
}

// key is the primary key of item i.
func key(i int) map[string]types.AttributeValue {
	it := item(i, "", 0)
	return map[string]types.AttributeValue{"pk": it["pk"], "sk": it["sk"]}
}

// put saves a plaintext item under the protection of tbl.
func (f *fixture) put(ctx context.Context, tbl *engine.Table, it map[string]types.AttributeValue) error {
	_, err := tbl.Put(ctx, f.db, &dynamodb.PutItemInput{TableName: &f.name, Item: it})
	return err
}

// fill saves items 0..n-1 under p, with data "d<i>".
func (f *fixture) fill(p Protection, n int) {
	f.t.Helper()
	tbl := f.engine(p)
	for i := range n {
		if err := f.put(f.t.Context(), tbl, item(i, fmt.Sprintf("d%d", i), 0)); err != nil {
			f.t.Fatal(err)
		}
	}
}

// raw reads the stored item i as it is.
func (f *fixture) raw(i int) map[string]types.AttributeValue {
	f.t.Helper()
	out, err := f.db.GetItem(f.t.Context(), &dynamodb.GetItemInput{TableName: &f.name, Key: key(i), ConsistentRead: aws.Bool(true)})
	if err != nil {
		f.t.Fatal(err)
	}
	return out.Item
}

// tamper changes the signed "status" of stored item i behind the library.
func (f *fixture) tamper(i int) {
	f.t.Helper()
	_, err := f.db.UpdateItem(f.t.Context(), &dynamodb.UpdateItemInput{
		TableName: &f.name, Key: key(i),
		UpdateExpression:          aws.String("SET #s = :s"),
		ExpressionAttributeNames:  map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "paid"}},
	})
	if err != nil {
		f.t.Fatal(err)
	}
}

// under decrypts stored item i under p; it fails the test if the item
// verifies under both A and B, or neither, and reports which verified.
func (f *fixture) decrypt(i int) (plain map[string]types.AttributeValue, underB bool) {
	f.t.Helper()
	stored := f.raw(i)
	pa, errA := f.engine(f.a).Decrypt(f.t.Context(), stored)
	pb, errB := f.engine(f.b).Decrypt(f.t.Context(), stored)
	if (errA == nil) == (errB == nil) {
		f.t.Fatalf("item %d: verifies under A: %v, under B: %v; want exactly one", i, errA, errB)
	}
	if errB == nil {
		return pb, true
	}
	return pa, false
}

// sameItem fails the test if the plaintext items differ.
func sameItem(t *testing.T, what string, got, want map[string]types.AttributeValue) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: got %s, want %s", what, show(got), show(want))
	}
}

// show prints a plaintext item of scalar attributes.
func show(it map[string]types.AttributeValue) string {
	out := map[string]string{}
	for name, av := range it {
		switch v := av.(type) {
		case *types.AttributeValueMemberS:
			out[name] = v.Value
		case *types.AttributeValueMemberN:
			out[name] = v.Value
		default:
			out[name] = fmt.Sprintf("%T", av)
		}
	}
	return fmt.Sprint(out)
}
