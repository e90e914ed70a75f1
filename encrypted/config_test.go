package encrypted_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

func TestPerTableConfiguration(t *testing.T) {
	t.Parallel()
	db := e2eDB(t)
	rec := testenv.NewParallelFaults(t)
	defaults, special := createTable(t, db), createTable(t, db)
	pDefault, pSpecial := newProvider(t), newStaticProvider(t)
	specialActions := &crypto.AttributeActions{Default: crypto.SignOnly, Overrides: map[string]crypto.Action{"secret": crypto.EncryptAndSign, "loose": crypto.DoNothing}}
	c := encrypted.NewClient(rec, pDefault, encrypted.WithTable(special, encrypted.TableConfig{Provider: pSpecial, Actions: specialActions}))
	item := map[string]types.AttributeValue{"pk": s("p"), "sk": n("1"), "secret": s("the secret"), "note": s("a note"), "loose": s("loose")}
	put(t, c, defaults, item)
	put(t, c, special, item)

	// The table without a configuration: Python's default, everything but
	// the keys encrypted.
	checkStored(t, rawGet(t, db, defaults, key("p", 1)), item)
	// The configured table: its own actions...
	checkStored(t, rawGet(t, db, special, key("p", 1)), item, "note", "loose")
	checkItem(t, "GetItem from the table with defaults", get(t, c, defaults, key("p", 1)), item)
	checkItem(t, "GetItem from the configured table", get(t, c, special, key("p", 1)), item)

	// ... and its own provider: a client with another provider of the same
	// kind cannot read it, nor can one with the right provider but the wrong
	// actions.
	other := encrypted.NewClient(db, newStaticProvider(t), encrypted.WithTable(special, encrypted.TableConfig{Actions: &crypto.AttributeActions{Default: crypto.SignOnly, Overrides: map[string]crypto.Action{"secret": crypto.EncryptAndSign}}}))
	_, err := other.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(special), Key: key("p", 1)})
	checkIntegrity(t, "GetItem with another provider", err, special, key("p", 1))
	wrongActions := encrypted.NewClient(db, pSpecial)
	_, err = wrongActions.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(special), Key: key("p", 1)})
	checkIntegrity(t, "GetItem with other actions", err, special, key("p", 1))

	// A DO_NOTHING attribute of the configured table can be updated; the
	// same attribute in the other table is encrypted and cannot.
	if _, err := c.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(special), Key: key("p", 1),
		UpdateExpression: aws.String("SET loose = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("changed")}}); err != nil {
		t.Errorf("UpdateItem of a DO_NOTHING attribute: %v", err)
	}
	checkItem(t, "GetItem after the update", get(t, c, special, key("p", 1)), with(item, map[string]types.AttributeValue{"loose": s("changed")}))
	before := dataCalls(rec)
	_, err = c.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(defaults), Key: key("p", 1),
		UpdateExpression: aws.String("SET loose = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("changed")}})
	checkRefused(t, "UpdateItem of an encrypted attribute", err, rec, before, "loose", "ENCRYPT_AND_SIGN")

	// The caller's actions are not modified by the client.
	if len(specialActions.Overrides) != 2 || specialActions.Default != crypto.SignOnly {
		t.Errorf("the client changed the configured actions to %+v", *specialActions)
	}

	// A table that does not exist: DescribeTable's error, and no other call.
	before = dataCalls(rec)
	_, err = c.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(testenv.TableName(t)), Key: key("p", 1)})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("GetItem of a table that does not exist: %v, want a ResourceNotFoundException", err)
	}
	if dataCalls(rec) != before {
		t.Errorf("GetItem of a table that does not exist made %d calls besides DescribeTable", dataCalls(rec)-before)
	}

	// A client without any provider for a table refuses to use it.
	none := encrypted.NewClient(rec, nil)
	before = dataCalls(rec)
	_, err = none.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(defaults), Item: item})
	if !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
		t.Errorf("PutItem through a client without a provider: %v, want ErrInvalidConfig", err)
	}
	if dataCalls(rec) != before {
		t.Errorf("a client without a provider made %d calls", dataCalls(rec)-before)
	}
	// A request without a table name.
	_, err = c.GetItem(t.Context(), &dynamodb.GetItemInput{Key: key("p", 1)})
	if !errors.Is(err, ddbcrypt.ErrInvalidItem) {
		t.Errorf("GetItem without a table name: %v, want ErrInvalidItem", err)
	}
}

func TestSignatureTableName(t *testing.T) {
	t.Parallel()
	db := e2eDB(t)
	p := newProvider(t)
	source, copyTo, plainCopy := createTable(t, db), createTable(t, db), createTable(t, db)
	const logical = "orders"
	c := encrypted.NewClient(db, p,
		encrypted.WithTable(source, encrypted.TableConfig{SignatureTableName: logical}),
		encrypted.WithTable(copyTo, encrypted.TableConfig{SignatureTableName: logical}),
	)
	item := fullItem("x", 1)
	put(t, c, source, item)
	stored := rawGet(t, db, source, key("x", 1))

	// The item is bound to the logical name: the raw item encryptor reads it
	// with that name, and not with the physical one.
	enc := crypto.NewEncryptor(p)
	got, err := enc.DecryptItem(t.Context(), stored, crypto.EncryptAll(), crypto.Context{TableName: logical, PartitionKeyName: "pk", SortKeyName: "sk"})
	if err != nil {
		t.Fatalf("DecryptItem with the logical table name: %v", err)
	}
	checkItem(t, "DecryptItem with the logical table name", got, item)
	if _, err := enc.DecryptItem(t.Context(), stored, crypto.EncryptAll(), crypto.Context{TableName: source, PartitionKeyName: "pk", SortKeyName: "sk"}); !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("DecryptItem with the physical table name: %v, want ErrIntegrity", err)
	}

	// Copied as is to another table with the same logical name, it reads;
	// to one without, it does not.
	rawPut(t, db, copyTo, stored)
	rawPut(t, db, plainCopy, stored)
	checkItem(t, "GetItem of the copy", get(t, c, copyTo, key("x", 1)), item)
	_, err = c.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(plainCopy), Key: key("x", 1)})
	checkIntegrity(t, "GetItem of a copy in a table without the logical name", err, plainCopy, key("x", 1))
}

func TestEncryptedKeyIsAnError(t *testing.T) {
	t.Parallel()
	db := e2eDB(t)
	rec := testenv.NewParallelFaults(t)
	gsiSort := testenv.N("when")
	table := createTable(t, db, testenv.SecondaryIndex{Name: "byOwner", Partition: testenv.S("owner"), Sort: &gsiSort, Projection: types.ProjectionTypeAll})
	item := map[string]types.AttributeValue{"pk": s("k"), "sk": n("1"), "owner": s("me"), "when": n("5"), "secret": s("x")}

	for _, attr := range []string{"pk", "sk", "owner", "when"} {
		c := newClient(rec, newProvider(t), table, &crypto.AttributeActions{Default: crypto.SignOnly, Overrides: map[string]crypto.Action{attr: crypto.EncryptAndSign}})
		before := dataCalls(rec)
		_, err := c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item})
		checkRefused(t, "PutItem with key attribute "+attr+" explicitly encrypted", err, rec, before, attr, "key")
		if !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("key attribute %s explicitly encrypted: %v, want ErrInvalidConfig", attr, err)
		}
		_, err = c.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("k", 1)})
		checkRefused(t, "GetItem with key attribute "+attr+" explicitly encrypted", err, rec, before, attr, "key")
	}
	if got := rawGet(t, db, table, key("k", 1)); got != nil {
		t.Errorf("a refused PutItem wrote %s", renderItem(got))
	}

	// By default the keys of the table and of its indexes are signed only.
	c := encrypted.NewClient(rec, newProvider(t))
	put(t, c, table, item)
	checkStored(t, rawGet(t, db, table, key("k", 1)), item, "owner", "when")
	out, err := c.Query(t.Context(), &dynamodb.QueryInput{TableName: aws.String(table), IndexName: aws.String("byOwner"),
		KeyConditionExpression: aws.String("#o = :o AND #w = :w"), ExpressionAttributeNames: map[string]string{"#o": "owner", "#w": "when"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": s("me"), ":w": n("5")}})
	if err != nil {
		t.Fatalf("Query of the index: %v", err)
	}
	checkItems(t, "Query of the index", out.Items, []map[string]types.AttributeValue{item})
}

// Options for the item encryptors reach them: here, refusing stored
// attributes the actions do not name.
func TestEncryptorOptions(t *testing.T) {
	t.Parallel()
	db := e2eDB(t)
	table := createTable(t, db)
	c := encrypted.NewClient(db, newProvider(t),
		encrypted.WithTable(table, encrypted.TableConfig{Actions: &crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"secret": crypto.EncryptAndSign, "note": crypto.SignOnly}}}),
		encrypted.WithEncryptorOptions(crypto.WithUnknownAttributes(crypto.UnknownReject)))
	item := map[string]types.AttributeValue{"pk": s("u"), "sk": n("1"), "secret": s("x"), "note": s("y")}
	put(t, c, table, item)
	checkItem(t, "GetItem", get(t, c, table, key("u", 1)), item)
	if _, err := db.UpdateItem(t.Context(), &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: key("u", 1),
		UpdateExpression: aws.String("SET extra = :v"), ExpressionAttributeValues: map[string]types.AttributeValue{":v": s("z")}}, quiet); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("u", 1), ConsistentRead: aws.Bool(true)})
	if !errors.Is(err, ddbcrypt.ErrUnknownAttribute) {
		t.Errorf("GetItem of an item with an unnamed attribute under UnknownReject: %v, want ErrUnknownAttribute", err)
	}
}
