package ddbcrypt_test

// End to end against DynamoDB Local: the guide's mapper example, the raw
// item it stores, and interoperability between the mapper, the raw item
// encryptor and items written by the Java client.

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors/vectorstest"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	gocmp "github.com/google/go-cmp/cmp"
)

func TestMapperGuideExample(t *testing.T) {
	ctx := context.Background()
	db := testenv.DynamoDB(t)
	name := testenv.NewTable(t, db, testenv.S("partition_attribute"), testenv.N("sort_attribute"))
	provider := testenv.WrappedProvider(t)
	m := mapper.New(db, provider)
	table, err := mapper.NewTable[testenv.GuideRecord](m, mapper.WithTableName(name))
	if err != nil {
		t.Fatal(err)
	}

	saved := testenv.Guide()
	if err := table.Save(ctx, &saved); err != nil {
		t.Fatal(err)
	}

	// The raw item as stored: keys and the do-not-touch attribute in
	// plaintext, everything else binary, plus the two reserved attributes.
	key := map[string]types.AttributeValue{
		"partition_attribute": &types.AttributeValueMemberS{Value: "is this"},
		"sort_attribute":      &types.AttributeValueMemberN{Value: "55"},
	}
	raw, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &name, Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	stored := raw.Item
	if got := stored["partition_attribute"].(*types.AttributeValueMemberS).Value; got != "is this" {
		t.Errorf("partition key stored as %q", got)
	}
	if got := stored["sort_attribute"].(*types.AttributeValueMemberN).Value; got != "55" {
		t.Errorf("sort key stored as %q", got)
	}
	if got, ok := stored["leave me"].(*types.AttributeValueMemberS); !ok || got.Value != "alone" {
		t.Errorf("do-not-touch attribute stored as %#v", stored["leave me"])
	}
	for _, name := range []string{"example", "some numbers", "and some binary", crypto.DescriptionAttribute, crypto.SignatureAttribute} {
		if _, ok := stored[name].(*types.AttributeValueMemberB); !ok {
			t.Errorf("%q stored as %T, want an encrypted (binary) value", name, stored[name])
		}
	}
	if len(stored) != 8 {
		t.Errorf("stored item has %d attributes, want 8: %v", len(stored), stored)
	}

	// Loaded back, it equals what was saved.
	loaded := testenv.GuideRecord{PartitionAttribute: "is this", SortAttribute: 55}
	if err := table.Load(ctx, &loaded, mapper.ConsistentRead()); err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(saved, loaded); diff != "" {
		t.Errorf("loaded item differs (-saved +loaded):\n%s", diff)
	}

	// The raw item encryptor reads what the mapper wrote...
	actions := testenv.GuideActions()
	ec := testenv.GuideContext(name)
	encryptor := crypto.NewEncryptor(provider)
	plain, err := encryptor.DecryptItem(ctx, stored, actions, ec)
	if err != nil {
		t.Fatalf("item encryptor on a mapper item: %v", err)
	}
	if got := plain["some numbers"].(*types.AttributeValueMemberN).Value; got != "99" {
		t.Errorf("some numbers = %s", got)
	}

	// ...and the mapper reads what the raw item encryptor wrote (the guide's
	// Python item, with the same attribute actions).
	python := testenv.GuideItem()
	python["sort_attribute"] = &types.AttributeValueMemberN{Value: "56"}
	enc, err := encryptor.EncryptItem(ctx, python, actions, ec)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &name, Item: enc}); err != nil {
		t.Fatal(err)
	}
	fromPython := testenv.GuideRecord{PartitionAttribute: "is this", SortAttribute: 56}
	if err := table.Load(ctx, &fromPython, mapper.ConsistentRead()); err != nil {
		t.Fatalf("mapper on an item encryptor item: %v", err)
	}
	want := testenv.Guide()
	want.SortAttribute = 56
	if diff := gocmp.Diff(want, fromPython); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}

	// A changed signed attribute in the table makes Load fail.
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &name, Key: key,
		UpdateExpression:          aws.String("SET #e = :v"),
		ExpressionAttributeNames:  map[string]string{"#e": "example"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":v": &types.AttributeValueMemberB{Value: make([]byte, 32)}},
	}); err != nil {
		t.Fatal(err)
	}
	err = table.Load(ctx, &loaded, mapper.ConsistentRead())
	var itemErr *mapper.ItemError
	if !errors.Is(err, ddbcrypt.ErrIntegrity) || !errors.As(err, &itemErr) || len(itemErr.Key) != 2 {
		t.Errorf("Load of a tampered item: %v; want ErrIntegrity naming the item key", err)
	}
}

// javaItem is the Java vectors' item class (docs/format.md 9.6), "encrypt"
// action set: everything but the keys and the version is encrypted.
type javaItem struct {
	HashKey        int       `ddb:"hashKey,hash"`
	RangeKey       int       `ddb:"rangeKey,range"`
	Version        int       `ddb:"version,version"`
	StringValue    string    `ddb:"stringValue,omitempty"`
	IntValue       int       `ddb:"intValue,omitempty"`
	ByteArrayValue []byte    `ddb:"byteArrayValue,omitempty"`
	StringSet      []string  `ddb:"stringSet,stringset,omitempty"`
	IntSet         []int     `ddb:"intSet,numberset,omitempty"`
	DoubleValue    float64   `ddb:"doubleValue,omitempty"`
	DoubleSet      []float64 `ddb:"doubleSet,numberset,omitempty"`
}

// The items the Java client wrote load into Go structs.
func TestMapperLoadsJavaItems(t *testing.T) {
	dir := filepath.Join(vectorstest.Dir(t), "encrypted_item")
	ctx := context.Background()
	db := testenv.DynamoDB(t)
	name := testenv.NewTable(t, db, testenv.N("hashKey"), testenv.N("rangeKey"))

	// The Java static scenario with doubles (v1), written to table "TableName".
	data, err := os.ReadFile(filepath.Join(dir, "ciphertext", "java", "static-aes-hmac-3.json"))
	if err != nil {
		t.Fatal(err)
	}
	var tables map[string][]json.RawMessage
	if err := json.Unmarshal(data, &tables); err != nil {
		t.Fatal(err)
	}
	for _, raw := range tables["TableName"] {
		item, err := vectors.UnmarshalItem(raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &name, Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	set, err := vectors.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	aesKey, _ := set.Key("aesKey")
	hmacKey, _ := set.Key("hmacKey")
	mac, err := cmp.NewHMACKey(hmacKey.Algorithm, hmacKey.Symmetric)
	if err != nil {
		t.Fatal(err)
	}
	provider, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: aesKey.Symmetric, SigningKey: mac})
	if err != nil {
		t.Fatal(err)
	}
	// The items are bound to the Java table name "TableName".
	table, err := mapper.NewTable[javaItem](mapper.New(db, provider), mapper.WithTableName(name), mapper.WithSignatureTableName("TableName"))
	if err != nil {
		t.Fatal(err)
	}
	got := javaItem{HashKey: 5, RangeKey: 7}
	if err := table.Load(ctx, &got); err != nil {
		t.Fatal(err)
	}
	want := javaItem{
		HashKey: 5, RangeKey: 7, Version: 1, // the Java mapper incremented it
		StringValue: "Hello world!", IntValue: 123, ByteArrayValue: []byte{0, 1, 2, 3, 4, 5},
		StringSet: []string{"Goodbye", "Cruel", "World", "?"}, IntSet: []int{1, 200, 10, 15, 0},
		DoubleValue: 15, DoubleSet: []float64{15, 7.6, -3, -34.2, 0},
	}
	// Sets come back in any order.
	sets := gocmp.Options{gocmp.Transformer("strings", setOf[string]), gocmp.Transformer("ints", setOf[int]), gocmp.Transformer("floats", setOf[float64])}
	if diff := gocmp.Diff(want, got, sets); diff != "" {
		t.Errorf("Java item (-want +got):\n%s", diff)
	}

	// Without the signature table name, the same item does not verify.
	plain, err := mapper.NewTable[javaItem](mapper.New(db, provider), mapper.WithTableName(name))
	if err != nil {
		t.Fatal(err)
	}
	if err := plain.Load(ctx, &got); !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("Java item under its physical table name: %v, want ErrIntegrity", err)
	}
}

// setOf returns the elements of s as a set.
func setOf[T comparable](s []T) map[T]bool {
	m := make(map[T]bool, len(s))
	for _, v := range s {
		m[v] = true
	}
	return m
}
