package tableops

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// customer has a 3-bit beacon on its encrypted email, the partition key
// of the index by-email: 8 beacon values for the tests' 10 emails, so
// that queries meet false positives.
type customer struct {
	ID    string `ddb:"id,hash"`
	Email string `ddb:"email" ddbcrypt:"encrypt,beacon=3,beaconindex=by-email"`
	Name  string `ddb:"name" ddbcrypt:"signonly"`
}

// scannedCustomer is customer without the index: its beacon is found by
// a filter only, and no key rule signs it.
type scannedCustomer struct {
	ID    string `ddb:"id,hash"`
	Email string `ddb:"email" ddbcrypt:"encrypt,beacon=3"`
	Name  string `ddb:"name" ddbcrypt:"signonly"`
}

const customers = 30

// emailOf is the email of customer i: 10 distinct emails.
func emailOf(i int) string { return fmt.Sprintf("c%d@example.com", i%10) }

// customerItem is customer i as a plaintext item.
func customerItem(i int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"id":    &types.AttributeValueMemberS{Value: fmt.Sprintf("id%02d", i)},
		"email": &types.AttributeValueMemberS{Value: emailOf(i)},
		"name":  &types.AttributeValueMemberS{Value: fmt.Sprintf("name %d", i)},
	}
}

// customerProtection is the protection the mapper gives customer under
// provider, with the email's beacon if keys is not nil or beacons is set.
func customerProtection(provider cmp.Provider, beacons bool, keys *beacon.Keys) Protection {
	p := Protection{Provider: provider, Actions: crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"name": crypto.SignOnly}}}
	if beacons || keys != nil {
		p.Beacons, p.BeaconKeys = []beacon.Spec{{Attribute: "email", Bits: 3}}, keys
	}
	return p
}

// customerTable creates, with the mapper, the table of T (and its
// indexes) and returns its name and the mapper's table under provider and
// keys.
func customerTable[T any](t *testing.T, db *dynamodb.Client, provider cmp.Provider, keys *beacon.Keys) (string, *mapper.Table[T]) {
	t.Helper()
	name := testenv.TableName(t)
	tbl := mapperTable[T](t, db, name, provider, keys)
	if err := tbl.CreateTable(t.Context()); err != nil {
		t.Fatal(err)
	}
	testenv.DeleteTableAtEnd(t, db, name)
	return name, tbl
}

// plainCustomers is customerTable holding the customers as plaintext
// items, written behind the library.
func plainCustomers(t *testing.T, db *dynamodb.Client, provider cmp.Provider, keys *beacon.Keys) (string, *mapper.Table[customer]) {
	t.Helper()
	name, tbl := customerTable[customer](t, db, provider, keys)
	for i := range customers {
		if _, err := db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: &name, Item: customerItem(i)}); err != nil {
			t.Fatal(err)
		}
	}
	return name, tbl
}

// mapperTable is the mapper's table of T called name, under provider and
// beacon keys.
func mapperTable[T any](t *testing.T, db *dynamodb.Client, name string, provider cmp.Provider, keys *beacon.Keys) *mapper.Table[T] {
	t.Helper()
	tbl, err := mapper.NewTable[T](mapper.New(db, provider, mapper.WithBeaconKeys(keys)), mapper.WithTableName(name))
	if err != nil {
		t.Fatal(err)
	}
	return tbl
}

// wantFound checks that the mapper finds by email, with QueryBeacon on the
// index and with a scan's WhereEqual, exactly the customers of each email.
func wantFound(t *testing.T, tbl *mapper.Table[customer]) {
	t.Helper()
	for e := range 10 {
		email := emailOf(e)
		var want []string
		for i := range customers {
			if emailOf(i) == email {
				want = append(want, fmt.Sprintf("id%02d", i))
			}
		}
		for what, found := range map[string]func(yield func(customer, error) bool){
			"QueryBeacon": tbl.QueryBeacon("email", email).All(t.Context()),
			"WhereEqual":  tbl.Scan().WhereEqual("email", email).All(t.Context()),
		} {
			var got []string
			for c, err := range found {
				if err != nil {
					t.Fatalf("%s %s: %v", what, email, err)
				}
				got = append(got, c.ID)
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s %s found %v, want %v", what, email, got, want)
			}
		}
	}
}

// TestVerifyBeacons: items the mapper wrote with a beacon verify under a
// protection that declares it, with no beacon keys; without it, the beacon
// is taken for an encrypted attribute and every item fails, named.
func TestVerifyBeacons(t *testing.T) {
	db := testenv.DynamoDB(t)
	provider := testenv.WrappedProvider(t)
	name, tbl := customerTable[scannedCustomer](t, db, provider, testenv.BeaconKeys(t))
	for i := range customers {
		if err := tbl.Save(t.Context(), &scannedCustomer{ID: fmt.Sprintf("id%02d", i), Email: emailOf(i), Name: "n"}); err != nil {
			t.Fatal(err)
		}
	}

	rep, err := Verify(t.Context(), db, name, customerProtection(provider, true, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Scanned != customers || rep.Verified != customers || rep.Failed != 0 {
		t.Errorf("Verify with the beacon: %+v", rep)
	}

	rep, err = Verify(t.Context(), db, name, customerProtection(provider, false, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Scanned != customers || rep.Verified != 0 || rep.Failed != customers || len(rep.Failures) != customers {
		t.Fatalf("Verify without the beacon: %+v", rep)
	}
	if reason := rep.Failures[0].Reason; !strings.Contains(reason, beacon.Attribute("email")) {
		t.Errorf("failure %q does not name the beacon attribute", reason)
	}
}

// TestEncryptBackfillsBeacons: encrypting a plaintext table under a
// protection with a beacon writes the beacons, so that the mapper finds
// the items by email; without beacon keys the job does not start.
func TestEncryptBackfillsBeacons(t *testing.T) {
	db := testenv.DynamoDB(t)
	provider, keys := testenv.WrappedProvider(t), testenv.BeaconKeys(t)
	name, tbl := plainCustomers(t, db, provider, keys)

	rep, err := Encrypt(t.Context(), db, name, customerProtection(provider, true, nil), Options{})
	if !errors.Is(err, ddbcrypt.ErrInvalidConfig) || !strings.Contains(err.Error(), `attribute "email"`) || rep.Scanned != 0 {
		t.Fatalf("Encrypt without beacon keys: %+v, %v; want ErrInvalidConfig naming email, nothing scanned", rep, err)
	}

	rep, err = Encrypt(t.Context(), db, name, customerProtection(provider, true, keys), Options{Segments: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Scanned != customers || rep.Rewritten != customers || rep.Failed != 0 {
		t.Errorf("Encrypt: %+v", rep)
	}
	wantFound(t, tbl)
	rep, err = Verify(t.Context(), db, name, customerProtection(provider, true, nil), Options{})
	if err != nil || rep.Verified != customers {
		t.Errorf("Verify after Encrypt: %+v, %v", rep, err)
	}
}

// TestReencryptBeacons: a rewrite computes the to protection's beacons:
// it adds a beacon to encrypted items, recomputes it under new beacon
// keys, and drops it for a protection without one, which would otherwise
// take it for an ordinary attribute.
func TestReencryptBeacons(t *testing.T) {
	db := testenv.DynamoDB(t)
	p1, p2, p3 := testenv.WrappedProvider(t), testenv.WrappedProvider(t), testenv.WrappedProvider(t)
	k1, k2 := testenv.BeaconKeys(t), testenv.BeaconKeys(t)
	name, _ := customerTable[customer](t, db, p1, k1)
	info, _, _, err := describe(t.Context(), db, name)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := customerProtection(p1, false, nil).table(info)
	if err != nil {
		t.Fatal(err)
	}
	for i := range customers {
		if _, err := plain.Put(t.Context(), db, &dynamodb.PutItemInput{TableName: &name, Item: customerItem(i)}); err != nil {
			t.Fatal(err)
		}
	}
	reencrypt := func(from, to Protection, rewritten, skipped int64) {
		t.Helper()
		rep, err := Reencrypt(t.Context(), db, name, from, to, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Scanned != customers || rep.Rewritten != rewritten || rep.Skipped != skipped || rep.Failed != 0 {
			t.Fatalf("Reencrypt: %+v, want %d rewritten, %d skipped", rep, rewritten, skipped)
		}
	}

	// Added: encrypted items without beacons get them.
	reencrypt(customerProtection(p1, false, nil), customerProtection(p1, true, k1), customers, 0)
	wantFound(t, mapperTable[customer](t, db, name, p1, k1))
	// Again: the key rule signs the index key ddbcrypt_b_email under from
	// too, so the items still verify under from and are rewritten, as
	// they are.
	reencrypt(customerProtection(p1, false, nil), customerProtection(p1, true, k1), customers, 0)
	wantFound(t, mapperTable[customer](t, db, name, p1, k1))

	// Recomputed under new beacon keys; the from side needs none.
	reencrypt(customerProtection(p1, true, nil), customerProtection(p2, true, k2), customers, 0)
	wantFound(t, mapperTable[customer](t, db, name, p2, k2))

	// Dropped: no beacon attribute is left, and the items are as written.
	none := customerProtection(p3, false, nil)
	reencrypt(customerProtection(p2, true, nil), none, customers, 0)
	noneTable, err := none.table(info)
	if err != nil {
		t.Fatal(err)
	}
	for i := range customers {
		stored := testenv.RawGet(t, db, name, map[string]types.AttributeValue{"id": customerItem(i)["id"]})
		if _, ok := stored[beacon.Attribute("email")]; ok {
			t.Fatalf("item %d keeps a beacon attribute after a reencrypt to a protection without beacons: %v", i, slices.Sorted(maps.Keys(stored)))
		}
		got, err := noneTable.Decrypt(t.Context(), stored)
		if err != nil {
			t.Fatal(err)
		}
		sameItem(t, fmt.Sprintf("item %d", i), got, customerItem(i))
	}
}

// TestDecryptDropsBeacons: a decrypted table keeps no beacon.
func TestDecryptDropsBeacons(t *testing.T) {
	db := testenv.DynamoDB(t)
	provider, keys := testenv.WrappedProvider(t), testenv.BeaconKeys(t)
	name, tbl := customerTable[customer](t, db, provider, keys)
	for i := range customers {
		if err := tbl.Save(t.Context(), &customer{ID: fmt.Sprintf("id%02d", i), Email: emailOf(i), Name: fmt.Sprintf("name %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := Decrypt(t.Context(), db, name, customerProtection(provider, true, nil), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Rewritten != customers || rep.Failed != 0 {
		t.Errorf("Decrypt: %+v", rep)
	}
	out, err := db.Scan(t.Context(), &dynamodb.ScanInput{TableName: &name, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Items) != customers {
		t.Fatalf("%d items after Decrypt, want %d", len(out.Items), customers)
	}
	for _, stored := range out.Items {
		var i int
		if _, err := fmt.Sscanf(stored["id"].(*types.AttributeValueMemberS).Value, "id%d", &i); err != nil {
			t.Fatal(err)
		}
		sameItem(t, fmt.Sprintf("item %d", i), stored, customerItem(i))
	}
}

// TestEncryptSkipsEncryptedItemsWithoutBeacons: items encrypted before the
// beacon was declared verify without it, so Encrypt skips them as they
// are, beaconless; Reencrypt from the protection to itself backfills them.
func TestEncryptSkipsEncryptedItemsWithoutBeacons(t *testing.T) {
	db := testenv.DynamoDB(t)
	provider, keys := testenv.WrappedProvider(t), testenv.BeaconKeys(t)
	name, tbl := plainCustomers(t, db, provider, keys)
	if _, err := Encrypt(t.Context(), db, name, customerProtection(provider, false, nil), Options{}); err != nil {
		t.Fatal(err)
	}
	to := customerProtection(provider, true, keys)
	rep, err := Encrypt(t.Context(), db, name, to, Options{})
	if err != nil || rep.Skipped != customers || rep.Rewritten != 0 {
		t.Fatalf("Encrypt of encrypted items: %+v, %v; want all skipped", rep, err)
	}
	for c, err := range tbl.QueryBeacon("email", emailOf(0)).All(t.Context()) {
		t.Fatalf("QueryBeacon before the backfill found %+v, %v; want nothing", c, err)
	}
	if rep, err = Reencrypt(t.Context(), db, name, to, to, Options{}); err != nil || rep.Rewritten != customers {
		t.Fatalf("Reencrypt to itself: %+v, %v", rep, err)
	}
	wantFound(t, tbl)
}
