package mapper_test

// Beacons against DynamoDB Local: exact matches only from a beacon short
// enough to have false positives, what is stored, tampering, and the
// Python and Java references reading the items.

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
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/reftest"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// beaconCustomer's email has a 4-bit beacon: 16 buckets for 200 distinct
// emails, so every bucket holds about 12 of them and a query by beacon
// returns false positives by design.
type beaconCustomer struct {
	ID    string `ddb:"id,hash"`
	Email string `ddb:"email" ddbcrypt:"encrypt,beacon=4,beaconindex=by-email"`
	Name  string `ddb:"name"`
}

const (
	beaconItems    = 1000
	beaconDistinct = 200
)

func beaconEmail(i int) string { return fmt.Sprintf("user%03d@example.com", i%beaconDistinct) }

// TestBeaconQueries saves 1,000 customers and finds each of the 200
// emails, by the beacon index and by a scan, checking that the result is
// exactly the customers with that email while the index returned more.
func TestBeaconQueries(t *testing.T) {
	t.Parallel()
	provider := reftest.WrappedAES(t)
	db, tbl := newBeaconTable(t, provider, mapper.WithBeaconKeys(testenv.BeaconKeys(t)))
	name := tbl.Name()

	customers := make([]beaconCustomer, beaconItems)
	want := map[string][]string{} // email → ids
	for i := range customers {
		c := beaconCustomer{ID: fmt.Sprintf("c%04d", i), Email: beaconEmail(i), Name: fmt.Sprintf("customer %d", i)}
		customers[i] = c
		want[c.Email] = append(want[c.Email], c.ID)
	}
	if err := tbl.BatchSave(t.Context(), customers); err != nil {
		t.Fatal(err)
	}

	// What is stored: the email encrypted, its beacon a short string.
	raw := rawItems(t, db, name)
	if len(raw) != beaconItems {
		t.Fatalf("%d stored items, want %d", len(raw), beaconItems)
	}
	buckets := map[string]map[string]bool{} // beacon → emails
	for _, item := range raw {
		if _, ok := item["email"].(*types.AttributeValueMemberB); !ok {
			t.Fatalf("item %v: email stored as %T, not ciphertext", item["id"], item["email"])
		}
		b, ok := item["ddbcrypt_b_email"].(*types.AttributeValueMemberS)
		if !ok || len(b.Value) != 1 || strings.Contains(b.Value, "example") {
			t.Fatalf("item %v: beacon %#v, want one hex digit", item["id"], item["ddbcrypt_b_email"])
		}
		email := customers[idIndex(t, item)].Email
		if buckets[b.Value] == nil {
			buckets[b.Value] = map[string]bool{}
		}
		buckets[b.Value][email] = true
	}
	falsePositives := 0
	for _, emails := range buckets {
		falsePositives += len(emails) - 1
	}
	if falsePositives == 0 {
		t.Fatal("no two emails share a beacon: the test would not see false positives dropped")
	}

	for email, ids := range want {
		var got []string
		for c, err := range tbl.QueryBeacon("email", email).All(t.Context()) {
			if err != nil {
				t.Fatalf("QueryBeacon(%s): %v", email, err)
			}
			if c.Email != email {
				t.Fatalf("QueryBeacon(%s) returned %+v", email, c)
			}
			got = append(got, c.ID)
		}
		slices.Sort(got)
		if !slices.Equal(got, ids) {
			t.Fatalf("QueryBeacon(%s) = %v, want %v", email, got, ids)
		}
	}

	// A scan with a filter on the beacon, a limit counting exact matches,
	// and a query of the table's partition.
	email := beaconEmail(7)
	var got []string
	for c, err := range tbl.Scan().WhereEqual("email", email).All(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c.ID)
	}
	slices.Sort(got)
	if !slices.Equal(got, want[email]) {
		t.Errorf("Scan().WhereEqual(%s) = %v, want %v", email, got, want[email])
	}
	n := 0
	for _, err := range tbl.QueryBeacon("email", email).Limit(3).All(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 3 {
		t.Errorf("QueryBeacon().Limit(3) returned %d items", n)
	}
	for _, tc := range []struct {
		id, email string
		want      int
	}{{"c0007", beaconEmail(7), 1}, {"c0007", beaconEmail(8), 0}} {
		n := 0
		for _, err := range tbl.Query(tc.id).WhereEqual("email", tc.email).All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		if n != tc.want {
			t.Errorf("Query(%s).WhereEqual(%s) returned %d items, want %d", tc.id, tc.email, n, tc.want)
		}
	}
	for _, err := range tbl.QueryBeacon("name", "x").All(t.Context()) {
		if !errors.Is(err, ddbcrypt.ErrInvalidConfig) || !strings.Contains(err.Error(), `"name" has no beacon`) {
			t.Errorf("QueryBeacon of an attribute without a beacon: %v", err)
		}
	}

	// Java and Python verify and decrypt the items, with the beacon
	// attribute SIGN_ONLY.
	job := reftest.Job{Provider: provider, Table: name, PartitionKey: "id", Items: raw[:20],
		Actions: crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"ddbcrypt_b_email": crypto.SignOnly}}}
	for _, ref := range []*reftest.Ref{reftest.Python(t), reftest.Java(t)} {
		for _, item := range ref.Decrypt(t, job) {
			c := customers[idIndex(t, item)]
			if e, ok := item["email"].(*types.AttributeValueMemberS); !ok || e.Value != c.Email {
				t.Errorf("%s decrypted email %#v for %s, want %q", ref, item["email"], c.ID, c.Email)
			}
		}
	}
}

// TestBeaconTampered changes a stored beacon: the item no longer verifies,
// so it can neither be moved into another value's bucket unnoticed nor
// read.
func TestBeaconTampered(t *testing.T) {
	t.Parallel()
	db, tbl := newBeaconTable(t, reftest.WrappedAES(t), mapper.WithBeaconKeys(testenv.BeaconKeys(t)))
	c := beaconCustomer{ID: "c1", Email: "a@example.com", Name: "A"}
	if err := tbl.Save(t.Context(), &c); err != nil {
		t.Fatal(err)
	}
	stored := rawItems(t, db, tbl.Name())[0]["ddbcrypt_b_email"].(*types.AttributeValueMemberS).Value
	other := "0"
	if stored == "0" {
		other = "1"
	}
	if _, err := db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(tbl.Name()),
		Key:                       map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: "c1"}},
		UpdateExpression:          aws.String("SET ddbcrypt_b_email = :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": &types.AttributeValueMemberS{Value: other}}}); err != nil {
		t.Fatal(err)
	}
	got := beaconCustomer{ID: "c1"}
	if err := tbl.Load(t.Context(), &got); !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Fatalf("Load of an item with a changed beacon: %v, want ErrIntegrity", err)
	}
}

// TestBeaconNeedsKeys: a type with a beacon and a mapper without beacon
// keys fail on first use, naming the field.
func TestBeaconNeedsKeys(t *testing.T) {
	t.Parallel()
	_, tbl := newBeaconTable(t, reftest.WrappedAES(t))
	err := tbl.Save(t.Context(), &beaconCustomer{ID: "c1", Email: "a@example.com"})
	if !errors.Is(err, ddbcrypt.ErrInvalidConfig) || !strings.Contains(err.Error(), "field Email") || !strings.Contains(err.Error(), "WithBeaconKeys") {
		t.Fatalf("Save without beacon keys: %v", err)
	}
}

// newBeaconTable creates beaconCustomer's table from its tags, the beacon
// index included, with a mapper over provider.
func newBeaconTable(t *testing.T, provider reftest.Provider, opts ...mapper.Option) (*dynamodb.Client, *mapper.Table[beaconCustomer]) {
	t.Helper()
	db := testenv.DynamoDB(t)
	tbl := mustTable[beaconCustomer](t, mapper.New(db, provider.Build(t), opts...), testenv.TableName(t))
	in, err := tbl.CreateTableInput()
	if err != nil {
		t.Fatal(err)
	}
	if len(in.GlobalSecondaryIndexes) != 1 || *in.GlobalSecondaryIndexes[0].KeySchema[0].AttributeName != "ddbcrypt_b_email" || in.AttributeDefinitions[1].AttributeType != types.ScalarAttributeTypeS {
		t.Fatalf("CreateTableInput = %+v, want the index by-email on the string ddbcrypt_b_email", in)
	}
	if err := tbl.CreateTable(t.Context()); err != nil {
		t.Fatal(err)
	}
	testenv.DeleteTableAtEnd(t, db, tbl.Name())
	return db, tbl
}

// rawItems scans a table with the plain client.
func rawItems(t *testing.T, db *dynamodb.Client, table string) []map[string]types.AttributeValue {
	t.Helper()
	var items []map[string]types.AttributeValue
	for p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table)}); p.HasMorePages(); {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, out.Items...)
	}
	return items
}

// idIndex returns i of an item whose id is c%04d.
func idIndex(t *testing.T, item map[string]types.AttributeValue) int {
	t.Helper()
	var i int
	if _, err := fmt.Sscanf(item["id"].(*types.AttributeValueMemberS).Value, "c%04d", &i); err != nil {
		t.Fatal(err)
	}
	return i
}

// beaconNoIndex has a beacon and no index on it.
type beaconNoIndex struct {
	ID    string `ddb:"id,hash"`
	Email string `ddb:"email" ddbcrypt:"beacon=2"`
}

// TestBeaconWithoutIndex: QueryBeacon needs an index on the beacon and
// says so; a scan with WhereEqual finds the exact matches without one.
func TestBeaconWithoutIndex(t *testing.T) {
	t.Parallel()
	db := testenv.DynamoDB(t)
	name := testenv.NewTable(t, db, testenv.S("id"))
	tbl := mustTable[beaconNoIndex](t, mapper.New(db, newProvider(t), mapper.WithBeaconKeys(testenv.BeaconKeys(t))), name)
	items := []beaconNoIndex{{"a", "x@example.com"}, {"b", "y@example.com"}, {"c", "x@example.com"}, {"d", "z@example.com"}, {"e", "w@example.com"}}
	if err := tbl.BatchSave(t.Context(), items); err != nil {
		t.Fatal(err)
	}
	for _, err := range tbl.QueryBeacon("email", "x@example.com").All(t.Context()) {
		if !errors.Is(err, ddbcrypt.ErrInvalidConfig) || !strings.Contains(err.Error(), `no index whose partition key is "ddbcrypt_b_email"`) {
			t.Errorf("QueryBeacon without an index: %v", err)
		}
	}
	var got []string
	for c, err := range tbl.Scan().WhereEqual("email", "x@example.com").All(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, c.ID)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"a", "c"}) {
		t.Errorf("Scan().WhereEqual = %v, want [a c]", got)
	}
}
