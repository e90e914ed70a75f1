package encrypted_test

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// The key rule in the client: whatever the configured actions, a stored
// item cannot be moved to another key (or index key) and still verify.

// userItem is a user's item: an encrypted secret, a signed role, and an
// email that is the key of a global secondary index.
func userItem(pk, secret, role, email string) map[string]types.AttributeValue {
	item := key(pk, 1)
	item["secret"], item["role"], item["email"] = s(secret), s(role), s(email)
	return item
}

var byEmail = testenv.SecondaryIndex{Name: "by-email", Partition: testenv.S("email"), Projection: types.ProjectionTypeAll}

// doNothingDefault signs and encrypts two attributes and leaves the rest,
// keys included, to the default: DO_NOTHING.
func doNothingDefault() *crypto.AttributeActions {
	return &crypto.AttributeActions{Default: crypto.DoNothing, Overrides: map[string]crypto.Action{"secret": crypto.EncryptAndSign, "role": crypto.SignOnly}}
}

func TestKeysSignedWithDoNothingDefault(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := e2eDB(t)
	table := createTable(t, db, byEmail)
	c := newClient(db, newProvider(t), table, doNothingDefault())
	put(t, c, table, userItem("alice", "alice's secret", "user", "alice@example.com"))
	put(t, c, table, userItem("mallory", "mallory's secret", "admin", "mallory@example.com"))

	stored := rawGet(t, db, table, key("alice", 1))
	checkStored(t, stored, userItem("alice", "alice's secret", "user", "alice@example.com"), "role", "email")

	// Mallory copies her stored item onto alice's key.
	moved := maps.Clone(rawGet(t, db, table, key("mallory", 1)))
	moved["pk"] = s("alice")
	rawPut(t, db, table, moved)
	_, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("alice", 1), ConsistentRead: aws.Bool(true)})
	checkIntegrity(t, "mallory's item under alice's key", err, table, key("alice", 1))

	// The index key is signed too: changing it breaks the signature, so a
	// query by email cannot be pointed at another user's item.
	put(t, c, table, userItem("bob", "bob's secret", "user", "bob@example.com"))
	tamper := rawGet(t, db, table, key("bob", 1))
	tamper["email"] = s("alice@example.com")
	rawPut(t, db, table, tamper)
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("bob", 1), ConsistentRead: aws.Bool(true)})
	checkIntegrity(t, "bob's item under alice's email", err, table, key("bob", 1))
}

func TestExplicitUnsignedKeyRefused(t *testing.T) {
	t.Parallel()
	db := e2eDB(t)
	table := createTable(t, db, byEmail)
	for _, attr := range []string{"pk", "sk", "email"} {
		actions := doNothingDefault()
		actions.Overrides[attr] = crypto.DoNothing
		rec := testenv.NewParallelFaults(t)
		c := newClient(rec, newProvider(t), table, actions)
		_, err := c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: userItem("alice", "x", "user", "a@example.com")})
		checkRefused(t, "explicit DO_NOTHING on "+attr, err, rec, 0, attr, "must be signed", "UnsignedKeys")
		if !errors.Is(err, ddbcrypt.ErrInvalidConfig) || !errors.Is(err, crypto.ErrKeyUnsigned) {
			t.Errorf("explicit DO_NOTHING on %s: %v, want ErrInvalidConfig and crypto.ErrKeyUnsigned", attr, err)
		}
		_, err = c.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("alice", 1)})
		checkRefused(t, "GetItem with explicit DO_NOTHING on "+attr, err, rec, 0, attr)
	}
}

// UnsignedKeys reads and writes items whose keys are unsigned (the Python
// client with a DO_NOTHING default); the moved item then verifies, which is
// the risk its documentation states.
func TestUnsignedKeysOptIn(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := e2eDB(t)
	table := createTable(t, db, byEmail)
	p := newProvider(t)
	actions := doNothingDefault()
	actions.UnsignedKeys = true
	c := newClient(db, p, table, actions)
	put(t, c, table, userItem("mallory", "mallory's secret", "admin", "mallory@example.com"))
	moved := maps.Clone(rawGet(t, db, table, key("mallory", 1)))
	moved["pk"] = s("alice")
	rawPut(t, db, table, moved)
	got := get(t, c, table, key("alice", 1))
	if render(got["secret"]) != render(s("mallory's secret")) {
		t.Errorf("with UnsignedKeys, the moved item reads %s", renderItem(got))
	}
	// A client without the opt-in refuses those items.
	strict := newClient(db, p, table, doNothingDefault())
	_, err := strict.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key("mallory", 1), ConsistentRead: aws.Bool(true)})
	checkIntegrity(t, "an unsigned-keys item read without the opt-in", err, table, key("mallory", 1))
}

// Streams images are verified with the same key rule.
func TestStreamRecordKeysSigned(t *testing.T) {
	t.Parallel()
	db := e2eDB(t)
	table := createTable(t, db, byEmail)
	c := encrypted.NewClient(db, newProvider(t), encrypted.WithTable(table, encrypted.TableConfig{Actions: doNothingDefault()}))
	put(t, c, table, userItem("mallory", "mallory's secret", "admin", "mallory@example.com"))
	moved := maps.Clone(rawGet(t, db, table, key("mallory", 1)))
	moved["pk"] = s("alice")
	_, _, err := c.DecryptStreamRecord(context.Background(), table, &streams.StreamRecord{Keys: toStream(t, key("alice", 1)), NewImage: toStream(t, moved)})
	if !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("a moved item in a stream record: %v, want ErrIntegrity", err)
	}
}
