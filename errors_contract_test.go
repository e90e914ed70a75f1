package ddbcrypt_test

// The error contract of errors.go, checked on errors produced for real
// through every package's public API, offline: each wraps exactly one of the
// seven kinds, and keeps what else it promises (the SDK's error, the item's
// key, the bare ErrIntegrity).

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// kinds are all the error kinds of errors.go.
var kinds = []struct {
	name string
	err  error
}{
	{"ErrIntegrity", ddbcrypt.ErrIntegrity},
	{"ErrInvalidConfig", ddbcrypt.ErrInvalidConfig},
	{"ErrInvalidItem", ddbcrypt.ErrInvalidItem},
	{"ErrKeyService", ddbcrypt.ErrKeyService},
	{"ErrNotFound", ddbcrypt.ErrNotFound},
	{"ErrConditionFailed", ddbcrypt.ErrConditionFailed},
	{"ErrDynamoDB", ddbcrypt.ErrDynamoDB},
}

// kindsOf names the kinds err wraps.
func kindsOf(err error) []string {
	var names []string
	for _, k := range kinds {
		if errors.Is(err, k.err) {
			names = append(names, k.name)
		}
	}
	return names
}

// wantKind fails the test unless err wraps kind and no other kind.
func wantKind(t *testing.T, what string, err, kind error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v", what, kind)
		return
	}
	got := kindsOf(err)
	if len(got) != 1 || !errors.Is(err, kind) {
		t.Errorf("%s: %v wraps the kinds %v, want exactly %v", what, err, got, kind)
	}
}

// Every kind wraps none of the others, and every more specific error wraps
// exactly the kind its doc comment says.
func TestErrorKindsAndRefinements(t *testing.T) {
	for _, k := range kinds {
		wantKind(t, k.name, k.err, k.err)
	}
	for _, c := range []struct {
		what      string
		err, kind error
	}{
		{"ddbcrypt.ErrVersionConflict", ddbcrypt.ErrVersionConflict, ddbcrypt.ErrConditionFailed},
		{"ddbcrypt.ErrMaterialDescription", ddbcrypt.ErrMaterialDescription, ddbcrypt.ErrInvalidItem},
		{"ddbcrypt.ErrSerialization", ddbcrypt.ErrSerialization, ddbcrypt.ErrInvalidItem},
		{"ddbcrypt.ErrUnknownAttribute", ddbcrypt.ErrUnknownAttribute, ddbcrypt.ErrInvalidItem},
		{"ddbcrypt.ErrNoMaterials", ddbcrypt.ErrNoMaterials, ddbcrypt.ErrInvalidConfig},
		{"mapper.ErrNotFound", mapper.ErrNotFound, ddbcrypt.ErrNotFound},
		{"mapper.ErrConditionFailed", mapper.ErrConditionFailed, ddbcrypt.ErrConditionFailed},
		{"mapper.ErrVersionConflict", mapper.ErrVersionConflict, ddbcrypt.ErrConditionFailed},
		{"metastore.ErrNotFound", metastore.ErrNotFound, ddbcrypt.ErrNotFound},
		{"metastore.ErrKeysDiffer", metastore.ErrKeysDiffer, ddbcrypt.ErrInvalidConfig},
	} {
		wantKind(t, c.what, c.err, c.kind)
	}
	if errors.Is(ddbcrypt.ErrConditionFailed, ddbcrypt.ErrVersionConflict) {
		t.Error("ErrConditionFailed wraps ErrVersionConflict: the specific error must wrap the kind, not the reverse")
	}
}

// sdkError is err as the SDK returns a service's error.
func sdkError(service, op string, err error) error {
	return &smithy.OperationError{ServiceID: service, OperationName: op, Err: err}
}

func throttled(op string) error {
	return sdkError("DynamoDB", op, &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")})
}

// wantThrottle fails the test unless err keeps the SDK's throttling error.
func wantThrottle(t *testing.T, what string, err error) {
	t.Helper()
	if _, ok := errors.AsType[*types.ProvisionedThroughputExceededException](err); !ok {
		t.Errorf("%s: %v (%T) lost the SDK's error", what, err, err)
	}
}

// wantItem fails the test unless err is an *ItemError naming key's pk.
func wantItem(t *testing.T, what string, err error, pk string) {
	t.Helper()
	ie, ok := errors.AsType[*ddbcrypt.ItemError](err)
	if !ok {
		t.Errorf("%s: %v is not an *ItemError", what, err)
		return
	}
	if v, _ := ie.Key["pk"].(*types.AttributeValueMemberS); v == nil || v.Value != pk {
		t.Errorf("%s: %v names key %s, want pk %q", what, err, ddbcrypt.FormatKey(ie.Key), pk)
	}
}

func wrappedProvider(t *testing.T) cmp.Provider { return testenv.WrappedProvider(t) }

func item(pk string, sk int, secret string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk":     &types.AttributeValueMemberS{Value: pk},
		"sk":     &types.AttributeValueMemberN{Value: strconv.Itoa(sk)},
		"secret": &types.AttributeValueMemberS{Value: secret},
	}
}

var ec = crypto.Context{TableName: "t", PartitionKeyName: "pk", SortKeyName: "sk"}

func keyActions() crypto.AttributeActions {
	a, err := crypto.AttributeActions{Default: crypto.EncryptAndSign}.ForKeys("pk", "sk")
	if err != nil {
		panic(err)
	}
	return a
}

// tamper flips a bit of the encrypted attribute attr of a stored item, in a
// copy.
func tamper(stored map[string]types.AttributeValue, attr string) map[string]types.AttributeValue {
	out := maps.Clone(stored)
	b := slices.Clone(stored[attr].(*types.AttributeValueMemberB).Value)
	b[len(b)-1] ^= 1
	out[attr] = &types.AttributeValueMemberB{Value: b}
	return out
}

func TestErrorContractCrypto(t *testing.T) {
	ctx := t.Context()
	enc := crypto.NewEncryptor(wrappedProvider(t))
	actions := keyActions()

	_, err := enc.EncryptItem(ctx, item("a", 1, "s"), actions, crypto.Context{PartitionKeyName: "pk"})
	wantKind(t, "crypto: no table name", err, ddbcrypt.ErrInvalidConfig)

	reserved := item("a", 1, "s")
	reserved[crypto.SignatureAttribute] = &types.AttributeValueMemberB{Value: []byte{1}}
	_, err = enc.EncryptItem(ctx, reserved, actions, ec)
	wantKind(t, "crypto: reserved attribute name", err, ddbcrypt.ErrInvalidItem)

	bad := item("a", 1, "s")
	bad["nothing"] = nil
	_, err = enc.EncryptItem(ctx, bad, actions, ec)
	wantKind(t, "crypto: nil attribute value", err, ddbcrypt.ErrInvalidItem)

	stored, err := enc.EncryptItem(ctx, item("a", 1, "s"), actions, ec)
	if err != nil {
		t.Fatal(err)
	}
	_, err = enc.DecryptItem(ctx, tamper(stored, "secret"), actions, ec)
	wantKind(t, "crypto: tampered", err, ddbcrypt.ErrIntegrity)
	if err != ddbcrypt.ErrIntegrity {
		t.Errorf("crypto: tampered: %v, want the bare ddbcrypt.ErrIntegrity", err)
	}

	extra := make(map[string]types.AttributeValue, len(stored)+1)
	for k, v := range stored {
		extra[k] = v
	}
	extra["stranger"] = &types.AttributeValueMemberS{Value: "x"}
	strict := crypto.NewEncryptor(wrappedProvider(t), crypto.WithUnknownAttributes(crypto.UnknownReject))
	named := crypto.AttributeActions{Overrides: map[string]crypto.Action{"pk": crypto.SignOnly, "sk": crypto.SignOnly, "secret": crypto.EncryptAndSign}}
	_, err = strict.DecryptItem(ctx, extra, named, ec)
	wantKind(t, "crypto: unknown attribute", err, ddbcrypt.ErrInvalidItem)
	if !errors.Is(err, ddbcrypt.ErrUnknownAttribute) {
		t.Errorf("crypto: unknown attribute: %v, want ErrUnknownAttribute", err)
	}
}

// fakeKMS fails every call with err.
type fakeKMS struct{ err error }

func (f fakeKMS) GenerateDataKey(context.Context, *kms.GenerateDataKeyInput, ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return nil, f.err
}

func (f fakeKMS) Decrypt(context.Context, *kms.DecryptInput, ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	return nil, f.err
}

func TestErrorContractCMP(t *testing.T) {
	ctx := t.Context()
	disabled := sdkError("KMS", "GenerateDataKey", &kmstypes.DisabledException{Message: aws.String("key disabled")})
	p, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: fakeKMS{disabled}, KeyID: "alias/test"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.EncryptionMaterials(ctx, &cmp.EncryptionContext{TableName: "t"})
	wantKind(t, "cmp: KMS disabled key", err, ddbcrypt.ErrKeyService)
	if _, ok := errors.AsType[*kmstypes.DisabledException](err); !ok {
		t.Errorf("cmp: KMS disabled key: %v lost the SDK's error", err)
	}
	_, err = crypto.NewEncryptor(p).EncryptItem(ctx, item("a", 1, "s"), keyActions(), ec)
	wantKind(t, "cmp: KMS failure through the encryptor", err, ddbcrypt.ErrKeyService)

	_, err = cmp.NewAESWrappingKey(make([]byte, 7))
	wantKind(t, "cmp: 7-byte wrapping key", err, ddbcrypt.ErrInvalidConfig)
	_, err = cmp.NewHMACKey("HmacSHA256", nil)
	wantKind(t, "cmp: empty HMAC key", err, ddbcrypt.ErrInvalidConfig)
	_, err = cmp.NewStatic(cmp.StaticConfig{EncryptionKey: make([]byte, 5)})
	wantKind(t, "cmp: 5-byte static key", err, ddbcrypt.ErrInvalidConfig)

	mac, err := cmp.NewHMACKey("HmacSHA256", testenv.RandomKey(t, 32))
	if err != nil {
		t.Fatal(err)
	}
	kek, err := cmp.NewAESWrappingKey(testenv.RandomKey(t, 32))
	if err != nil {
		t.Fatal(err)
	}
	readOnly, err := cmp.NewWrapped(cmp.WrappedConfig{UnwrappingKey: kek, SigningKey: mac})
	if err != nil {
		t.Fatal(err)
	}
	_, err = readOnly.EncryptionMaterials(ctx, &cmp.EncryptionContext{TableName: "t"})
	wantKind(t, "cmp: no wrapping key", err, ddbcrypt.ErrInvalidConfig)
	if !errors.Is(err, ddbcrypt.ErrNoMaterials) {
		t.Errorf("cmp: no wrapping key: %v, want ErrNoMaterials", err)
	}
}

func TestErrorContractMetaStore(t *testing.T) {
	ctx := t.Context()
	db := testenv.NewFakeDB(t)
	db.Keys = []testenv.Key{testenv.S("N"), testenv.N("V")}
	store, err := metastore.New(db, "keys", wrappedProvider(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.Provider(ctx, "orders", 3)
	wantKind(t, "metastore: missing version", err, ddbcrypt.ErrNotFound)
	if !errors.Is(err, metastore.ErrNotFound) {
		t.Errorf("metastore: missing version: %v, want metastore.ErrNotFound", err)
	}

	_, err = metastore.New(db, "", wrappedProvider(t))
	wantKind(t, "metastore: no table name", err, ddbcrypt.ErrInvalidConfig)

	db.Fail = func(op string) error { return throttled(op) }
	_, err = store.Provider(ctx, "orders", 3)
	wantKind(t, "metastore: GetItem throttled", err, ddbcrypt.ErrKeyService)
	wantThrottle(t, "metastore: GetItem throttled", err)
	_, err = store.MaxVersion(ctx, "orders")
	wantKind(t, "metastore: Query throttled", err, ddbcrypt.ErrKeyService)

	mr, err := cmp.NewMostRecent(cmp.MostRecentConfig{Store: store, MaterialName: "orders", TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	_, err = mr.EncryptionMaterials(ctx, &cmp.EncryptionContext{TableName: "t"})
	wantKind(t, "most recent: store throttled", err, ddbcrypt.ErrKeyService)
	wantThrottle(t, "most recent: store throttled", err)
}

type account struct {
	ID      string `ddb:"pk,hash"`
	N       int    `ddb:"sk,range"`
	Version int    `ddb:"version,version"`
	Owner   string `ddb:"owner"`
}

func (account) TableName() string { return "accounts" }

type note struct {
	ID   string `ddb:"pk,hash"`
	N    int    `ddb:"sk,range"`
	Text string `ddb:"text"`
	Tag  string `ddb:"tag" ddbcrypt:"signonly"`
	Memo string `ddb:"memo" ddbcrypt:"donottouch"`
}

func (note) TableName() string { return "notes" }

// conditionFailed is DynamoDB's answer to a failed condition, with the
// stored item when asked for.
func conditionFailed(op string, stored map[string]types.AttributeValue) error {
	return sdkError("DynamoDB", op, &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed"), Item: stored})
}

// creatingDB is a FakeDB that can be asked to create a table, and is
// throttled when it is.
type creatingDB struct{ *testenv.FakeDB }

func (creatingDB) CreateTable(context.Context, *dynamodb.CreateTableInput, ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error) {
	return nil, throttled("CreateTable")
}

func TestErrorContractMapper(t *testing.T) {
	ctx := t.Context()
	db := testenv.NewFakeDB(t)
	m := mapper.New(db, wrappedProvider(t))
	accounts, err := mapper.NewTable[account](m)
	if err != nil {
		t.Fatal(err)
	}
	notes, err := mapper.NewTable[note](m)
	if err != nil {
		t.Fatal(err)
	}

	a := account{ID: "missing", N: 1}
	err = accounts.Load(ctx, &a)
	wantKind(t, "mapper: Load of a missing item", err, ddbcrypt.ErrNotFound)
	wantItem(t, "mapper: Load of a missing item", err, "missing")
	if !mapper.IsNotFound(err) || !errors.Is(err, mapper.ErrNotFound) {
		t.Errorf("mapper: Load of a missing item: %v, want mapper.ErrNotFound", err)
	}

	err = notes.Update(ctx, &note{ID: "x", N: 1})
	wantKind(t, "mapper: Update of no field", err, ddbcrypt.ErrInvalidItem)

	_, err = mapper.NewTable[struct{ X int }](m)
	wantKind(t, "mapper: type without keys", err, ddbcrypt.ErrInvalidConfig)

	err = accounts.CreateTable(ctx)
	wantKind(t, "mapper: CreateTable through a client without it", err, ddbcrypt.ErrInvalidConfig)
	_, err = accounts.CreateTableInput(mapper.WithProvisionedThroughput(0, 0))
	wantKind(t, "mapper: CreateTableInput with no capacity", err, ddbcrypt.ErrInvalidConfig)
	creating, err := mapper.NewTable[account](mapper.New(creatingDB{db}, wrappedProvider(t)))
	if err != nil {
		t.Fatal(err)
	}
	err = creating.CreateTable(ctx)
	wantKind(t, "mapper: CreateTable throttled", err, ddbcrypt.ErrDynamoDB)
	wantThrottle(t, "mapper: CreateTable throttled", err)

	// Someone else saved version 5 first.
	db.Fail = func(op string) error {
		if op == "PutItem" {
			return conditionFailed(op, map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: "acct"}, "sk": &types.AttributeValueMemberN{Value: "1"},
				"version": &types.AttributeValueMemberN{Value: "5"},
			})
		}
		return nil
	}
	a = account{ID: "acct", N: 1, Version: 4}
	err = accounts.Save(ctx, &a)
	wantKind(t, "mapper: version conflict", err, ddbcrypt.ErrConditionFailed)
	wantItem(t, "mapper: version conflict", err, "acct")
	if !errors.Is(err, mapper.ErrVersionConflict) || !errors.Is(err, ddbcrypt.ErrVersionConflict) || !mapper.IsConflict(err) {
		t.Errorf("mapper: version conflict: %v, want ErrVersionConflict", err)
	}

	db.Fail = func(op string) error {
		if op == "PutItem" {
			return conditionFailed(op, nil)
		}
		return nil
	}
	err = notes.Save(ctx, &note{ID: "n", N: 1}, mapper.If(expression.Name("tag").Equal(expression.Value("open"))))
	wantKind(t, "mapper: condition failed", err, ddbcrypt.ErrConditionFailed)
	wantItem(t, "mapper: condition failed", err, "n")
	if errors.Is(err, ddbcrypt.ErrVersionConflict) {
		t.Errorf("mapper: condition failed: %v is a version conflict", err)
	}

	db.Fail = throttled
	err = notes.Load(ctx, &note{ID: "n", N: 1})
	wantKind(t, "mapper: GetItem throttled", err, ddbcrypt.ErrDynamoDB)
	wantItem(t, "mapper: GetItem throttled", err, "n")
	wantThrottle(t, "mapper: GetItem throttled", err)
	if de, ok := errors.AsType[*ddbcrypt.DynamoDBError](err); !ok || de.Op != "GetItem" {
		t.Errorf("mapper: GetItem throttled: %v does not name the operation", err)
	}
	err = notes.Save(ctx, &note{ID: "n", N: 1})
	wantKind(t, "mapper: PutItem throttled", err, ddbcrypt.ErrDynamoDB)
	wantItem(t, "mapper: PutItem throttled", err, "n")
	err = notes.Update(ctx, &note{ID: "n", N: 1}, "memo")
	wantKind(t, "mapper: UpdateItem throttled", err, ddbcrypt.ErrDynamoDB)
	for _, err := range notes.Query("n").All(ctx) {
		wantKind(t, "mapper: Query throttled", err, ddbcrypt.ErrDynamoDB)
		wantThrottle(t, "mapper: Query throttled", err)
		break
	}
	err = notes.BatchSave(ctx, []note{{ID: "b", N: 1}})
	wantKind(t, "mapper: BatchWriteItem throttled", err, ddbcrypt.ErrDynamoDB)
	wantThrottle(t, "mapper: BatchWriteItem throttled", err)

	// A table never described yet: DescribeTable fails.
	fresh, err := mapper.NewTable[account](mapper.New(db, wrappedProvider(t)))
	if err != nil {
		t.Fatal(err)
	}
	err = fresh.Load(ctx, &account{ID: "d", N: 1})
	wantKind(t, "mapper: DescribeTable throttled", err, ddbcrypt.ErrDynamoDB)
	wantThrottle(t, "mapper: DescribeTable throttled", err)

	// An update of an item that does not exist.
	db.Fail = func(op string) error {
		if op == "UpdateItem" {
			return conditionFailed(op, nil)
		}
		return nil
	}
	err = notes.Update(ctx, &note{ID: "gone", N: 1}, "memo")
	wantKind(t, "mapper: Update of a missing item", err, ddbcrypt.ErrNotFound)
	wantItem(t, "mapper: Update of a missing item", err, "gone")

	// A stored item that does not verify.
	db.Fail = nil
	if err := notes.Save(ctx, &note{ID: "tampered", N: 1, Text: "t"}); err != nil {
		t.Fatal(err)
	}
	stored := db.Stored("notes", map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "tampered"}, "sk": &types.AttributeValueMemberN{Value: "1"}})
	db.OnGetItem = func(context.Context, *dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error) {
		return &dynamodb.GetItemOutput{Item: tamper(stored, "text")}, nil
	}
	err = notes.Load(ctx, &note{ID: "tampered", N: 1})
	wantKind(t, "mapper: tampered item", err, ddbcrypt.ErrIntegrity)
}

func TestErrorContractEncrypted(t *testing.T) {
	ctx := t.Context()
	db := testenv.NewFakeDB(t)
	c := encrypted.NewClient(db, wrappedProvider(t))
	table := aws.String("t")

	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item("a", 1, "s"), ReturnValues: types.ReturnValueUpdatedOld})
	wantKind(t, "encrypted: ReturnValues UPDATED_OLD refused", err, ddbcrypt.ErrInvalidItem)
	cond := "secret = :v"
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item("a", 1, "s"), ConditionExpression: &cond,
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: "s"}}})
	wantKind(t, "encrypted: condition on an encrypted attribute refused", err, ddbcrypt.ErrInvalidItem)
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{Item: item("a", 1, "s")})
	wantKind(t, "encrypted: no table", err, ddbcrypt.ErrInvalidItem)

	db.Fail = throttled
	fresh := encrypted.NewClient(db, wrappedProvider(t)) // has described no table
	_, err = fresh.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: item("a", 1, "s")})
	wantKind(t, "encrypted: DescribeTable throttled", err, ddbcrypt.ErrDynamoDB)
	wantThrottle(t, "encrypted: DescribeTable throttled", err)
	if de, ok := errors.AsType[*ddbcrypt.DynamoDBError](err); !ok || de.Op != "DescribeTable" {
		t.Errorf("encrypted: DescribeTable throttled: %v does not name the operation", err)
	}
	db.Fail = func(op string) error {
		if op == "DescribeTable" {
			return nil
		}
		return throttled(op)
	}
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}, "sk": &types.AttributeValueMemberN{Value: "1"}}
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: key})
	wantKind(t, "encrypted: GetItem throttled", err, ddbcrypt.ErrDynamoDB)
	wantItem(t, "encrypted: GetItem throttled", err, "a")
	wantThrottle(t, "encrypted: GetItem throttled", err)
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item("a", 1, "s")})
	wantKind(t, "encrypted: PutItem throttled", err, ddbcrypt.ErrDynamoDB)
	wantItem(t, "encrypted: PutItem throttled", err, "a")
	_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: table, KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: "a"}}})
	wantKind(t, "encrypted: Query throttled", err, ddbcrypt.ErrDynamoDB)
	_, err = c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"t": {Keys: []map[string]types.AttributeValue{key}}}})
	wantKind(t, "encrypted: BatchGetItem throttled", err, ddbcrypt.ErrDynamoDB)
	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{{Put: &types.Put{TableName: table, Item: item("a", 1, "s")}}}})
	wantKind(t, "encrypted: TransactWriteItems throttled", err, ddbcrypt.ErrDynamoDB)

	db.Fail = func(op string) error {
		if op == "PutItem" {
			return conditionFailed(op, nil)
		}
		return nil
	}
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item("a", 1, "s"), ConditionExpression: aws.String("attribute_not_exists(pk)")})
	wantKind(t, "encrypted: condition failed", err, ddbcrypt.ErrConditionFailed)
	wantItem(t, "encrypted: condition failed", err, "a")
	if _, ok := errors.AsType[*types.ConditionalCheckFailedException](err); !ok {
		t.Errorf("encrypted: condition failed: %v lost the SDK's error", err)
	}

	db.Fail = nil
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: table, Item: item("a", 1, "s")}); err != nil {
		t.Fatal(err)
	}
	stored := db.Stored("t", key)
	db.OnGetItem = func(context.Context, *dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error) {
		return &dynamodb.GetItemOutput{Item: tamper(stored, "secret")}, nil
	}
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: table, Key: key})
	wantKind(t, "encrypted: tampered item", err, ddbcrypt.ErrIntegrity)
}
