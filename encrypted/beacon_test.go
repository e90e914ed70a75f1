package encrypted_test

// Beacons through the encrypted client, against DynamoDB Local.

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// TestBeaconQuery writes items with a 3-bit beacon on "email" (8 buckets
// for 40 emails), queries the beacon index with Client.Beacon's value,
// and checks that KeepMatches leaves exactly the items with the email.
func TestBeaconQuery(t *testing.T) {
	t.Parallel()
	db := testenv.DynamoDB(t)
	table := createTable(t, db, testenv.SecondaryIndex{Name: "by-email", Partition: testenv.S("ddbcrypt_b_email"), Projection: types.ProjectionTypeAll})
	c := encrypted.NewClient(db, newProvider(t), encrypted.WithTable(table, encrypted.TableConfig{
		Actions:    testActions(),
		Beacons:    []beacon.Spec{{Attribute: "email", Bits: 3}},
		BeaconKeys: testenv.BeaconKeys(t),
	}))
	want := map[string][]string{}
	for i := range 200 {
		email := fmt.Sprintf("u%02d@example.com", i%40)
		item := key("p", i)
		item["email"] = s(email)
		item["ddbcrypt_b_email"] = s("stale") // replaced by the client
		put(t, c, table, item)
		want[email] = append(want[email], fmt.Sprint(i))
	}
	stored := rawGet(t, db, table, key("p", 0))
	if v, ok := stored["ddbcrypt_b_email"].(*types.AttributeValueMemberS); !ok || len(v.Value) != 1 {
		t.Fatalf("stored beacon %#v, want one hex digit", stored["ddbcrypt_b_email"])
	}
	if _, ok := stored["email"].(*types.AttributeValueMemberB); !ok {
		t.Fatalf("stored email %#v, want ciphertext", stored["email"])
	}
	falsePositives := 0
	for email, sks := range want {
		b, err := c.Beacon(t.Context(), table, "email", s(email))
		if err != nil {
			t.Fatal(err)
		}
		var items []map[string]types.AttributeValue
		for p := dynamodb.NewQueryPaginator(c, &dynamodb.QueryInput{TableName: aws.String(table), IndexName: aws.String("by-email"),
			KeyConditionExpression:    aws.String("#b = :b"),
			ExpressionAttributeNames:  map[string]string{"#b": beacon.Attribute("email")},
			ExpressionAttributeValues: map[string]types.AttributeValue{":b": b}}); p.HasMorePages(); {
			out, err := p.NextPage(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			items = append(items, out.Items...)
		}
		n := len(items)
		var got []string
		for _, item := range encrypted.KeepMatches(items, "email", s(email)) {
			got = append(got, item["sk"].(*types.AttributeValueMemberN).Value)
		}
		falsePositives += n - len(got)
		slices.Sort(got)
		slices.Sort(sks)
		if !slices.Equal(got, sks) {
			t.Fatalf("%s: %v, want %v", email, got, sks)
		}
	}
	if falsePositives == 0 {
		t.Fatal("no false positives: the test would not see them dropped")
	}

	// A filter may name the beacon attribute but not the email itself.
	_, err := c.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(table), FilterExpression: aws.String("email = :e"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":e": s("u01@example.com")}})
	if !errors.Is(err, ddbcrypt.ErrInvalidItem) {
		t.Errorf("a filter on the encrypted email: %v, want a refusal", err)
	}
	if _, err := c.Beacon(t.Context(), table, "plain", s("x")); !errors.Is(err, ddbcrypt.ErrInvalidConfig) || !strings.Contains(err.Error(), `"plain" has no beacon`) {
		t.Errorf("Beacon of an attribute without one: %v", err)
	}
}

// TestBeaconConfigErrors: a beacon without keys, a beacon attribute with an
// action of its own, and a beacon on a signed attribute are refused on
// first use, naming the table and the attribute.
func TestBeaconConfigErrors(t *testing.T) {
	t.Parallel()
	db := testenv.DynamoDB(t)
	table := createTable(t, db)
	for _, tc := range []struct {
		name string
		cfg  encrypted.TableConfig
		says string
	}{
		{"no keys", encrypted.TableConfig{Beacons: []beacon.Spec{{Attribute: "email"}}}, "Beacons without BeaconKeys"},
		{"a clash", encrypted.TableConfig{Beacons: []beacon.Spec{{Attribute: "email"}}, BeaconKeys: testenv.BeaconKeys(t),
			Actions: &crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"ddbcrypt_b_email": crypto.SignOnly}}}, `"ddbcrypt_b_email" is the beacon attribute of "email"`},
		{"a signed attribute", encrypted.TableConfig{Beacons: []beacon.Spec{{Attribute: "signed"}}, BeaconKeys: testenv.BeaconKeys(t), Actions: testActions()}, `attribute "signed" has a beacon but is SIGN_ONLY`},
	} {
		c := encrypted.NewClient(db, newProvider(t), encrypted.WithTable(table, tc.cfg))
		_, err := c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: key("p", 1)})
		if !errors.Is(err, ddbcrypt.ErrInvalidConfig) || !strings.Contains(err.Error(), tc.says) || !strings.Contains(err.Error(), table) {
			t.Errorf("%s: %v, want ErrInvalidConfig naming %s and saying %q", tc.name, err, table, tc.says)
		}
	}
}

// TestBeaconNotSuppliedByCaller: a beacon the caller puts in an item is
// replaced on every write path (BatchWriteItem, TransactWriteItems), and
// an update naming the beacon attribute, through a placeholder or in a
// transaction, is refused before it is sent.
func TestBeaconNotSuppliedByCaller(t *testing.T) {
	t.Parallel()
	db := testenv.DynamoDB(t)
	table := createTable(t, db)
	keys := testenv.BeaconKeys(t)
	c := encrypted.NewClient(db, newProvider(t), encrypted.WithTable(table, encrypted.TableConfig{
		Actions: testActions(), Beacons: []beacon.Spec{{Attribute: "email", Bits: 8}}, BeaconKeys: keys,
	}))
	want, err := c.Beacon(t.Context(), table, "email", s("a@example.com"))
	if err != nil {
		t.Fatal(err)
	}
	withStale := func(i int) map[string]types.AttributeValue {
		item := key("p", i)
		item["email"], item["ddbcrypt_b_email"] = s("a@example.com"), s("ff")
		return item
	}
	if _, err := c.BatchWriteItem(t.Context(), &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		table: {{PutRequest: &types.PutRequest{Item: withStale(1)}}},
	}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: aws.String(table), Item: withStale(2)}},
	}}); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		if got := rawGet(t, db, table, key("p", i))["ddbcrypt_b_email"]; !beacon.Equal(got, want) {
			t.Errorf("item %d: stored beacon %#v, want %#v", i, got, want)
		}
	}
	set := aws.String("SET #b = :b")
	names, values := map[string]string{"#b": "ddbcrypt_b_email"}, map[string]types.AttributeValue{":b": s("ff")}
	_, err = c.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: key("p", 1),
		UpdateExpression: set, ExpressionAttributeNames: names, ExpressionAttributeValues: values})
	if !errors.Is(err, ddbcrypt.ErrInvalidItem) {
		t.Errorf("UpdateItem of the beacon: %v, want ErrInvalidItem", err)
	}
	_, err = c.TransactWriteItems(t.Context(), &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Update: &types.Update{TableName: aws.String(table), Key: key("p", 2),
			UpdateExpression: set, ExpressionAttributeNames: names, ExpressionAttributeValues: values}},
	}})
	if !errors.Is(err, ddbcrypt.ErrInvalidItem) {
		t.Errorf("TransactWriteItems update of the beacon: %v, want ErrInvalidItem", err)
	}
	for i := 1; i <= 2; i++ {
		if got := rawGet(t, db, table, key("p", i))["ddbcrypt_b_email"]; !beacon.Equal(got, want) {
			t.Errorf("item %d after the updates: stored beacon %#v", i, got)
		}
	}
}
