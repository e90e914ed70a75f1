package mapper_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// member leaves its fields unsigned by default (Java's class-level
// @DoNotTouch, here a blank field) but encrypts one and signs another. Its
// keys and the key of the by-email index must still be signed.
type member struct {
	_      struct{} `ddbcrypt:"donottouch"`
	PK     string   `ddb:"pk,hash"`
	SK     int      `ddb:"sk,range"`
	Email  string   `ddb:"email"`
	Role   string   `ddb:"role" ddbcrypt:"signonly"`
	Secret string   `ddb:"secret" ddbcrypt:"encrypt"`
	Notes  string   `ddb:"notes"`
}

// memberUnsignedEmail says outright that the index key is not signed.
type memberUnsignedEmail struct {
	PK     string `ddb:"pk,hash"`
	SK     int    `ddb:"sk,range"`
	Email  string `ddb:"email" ddbcrypt:"donottouch"`
	Secret string `ddb:"secret"`
}

// byEmail is a table (pk S, sk N) with a global secondary index on email.
var byEmail = testenv.TableSpec{Partition: testenv.S("pk"), Sort: testenv.N("sk"), Indexes: []testenv.SecondaryIndex{
	{Name: "by-email", Partition: testenv.S("email"), Projection: types.ProjectionTypeAll},
}}

func TestKeysSignedWithDoNotTouchDefault(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t)
	name := testenv.CreateTable(t, e.db, byEmail)
	tbl := mustTable[member](t, e.m, name)
	for _, a := range []member{
		{PK: "alice", SK: 1, Email: "alice@example.com", Role: "user", Secret: "alice's secret"},
		{PK: "mallory", SK: 1, Email: "mallory@example.com", Role: "admin", Secret: "mallory's secret"},
	} {
		if err := tbl.Save(ctx, &a); err != nil {
			t.Fatalf("Save %s: %v", a.PK, err)
		}
	}

	// Mallory's stored item copied onto alice's key does not verify.
	moved := testenv.RawGet(t, e.db, name, key("mallory", 1))
	moved["pk"] = &types.AttributeValueMemberS{Value: "alice"}
	if _, err := e.db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(name), Item: moved}); err != nil {
		t.Fatal(err)
	}
	got := member{PK: "alice", SK: 1}
	err := tbl.Load(ctx, &got, mapper.ConsistentRead())
	if !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("mallory's item under alice's key: Load = %+v, %v; want ErrIntegrity", got, err)
	}

	// Nor does an item whose index key was changed.
	testenv.RawSet(t, e.db, name, key("mallory", 1), "email", &types.AttributeValueMemberS{Value: "alice@example.com"})
	got = member{PK: "mallory", SK: 1}
	if err := tbl.Load(ctx, &got, mapper.ConsistentRead()); !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("an item with a changed index key: Load = %+v, %v; want ErrIntegrity", got, err)
	}

	// The do-not-touch attribute that is no key stays unsigned.
	testenv.RawSet(t, e.db, name, key("mallory", 1), "email", &types.AttributeValueMemberS{Value: "mallory@example.com"})
	testenv.RawSet(t, e.db, name, key("mallory", 1), "notes", &types.AttributeValueMemberS{Value: "changed"})
	got = member{PK: "mallory", SK: 1}
	if err := tbl.Load(ctx, &got, mapper.ConsistentRead()); err != nil || got.Notes != "changed" || got.Secret != "mallory's secret" {
		t.Errorf("after changing a do-not-touch attribute: Load = %+v, %v", got, err)
	}
}

func TestExplicitDoNotTouchIndexKeyRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	name := testenv.CreateTable(t, e.db, byEmail)
	tbl := mustTable[memberUnsignedEmail](t, e.m, name)
	e.cc.Reset()
	err := tbl.Save(t.Context(), &memberUnsignedEmail{PK: "a", SK: 1, Email: "a@example.com", Secret: "s"})
	wantErrIs(t, "Save with a do-not-touch index key", err, ddbcrypt.ErrInvalidConfig)
	wantMention(t, "Save with a do-not-touch index key", err, "Email", `"email"`, "must be signed")
	if n := e.cc.Calls("PutItem"); n != 0 {
		t.Errorf("%d PutItem calls for a refused configuration", n)
	}
}
