package encrypted_test

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// record is the mapper's view of the items the tests write with
// testActions: encrypted by default, "signed" signed only, "plain" and
// "counter" left alone.
type record struct {
	PK      string            `ddb:"pk,hash"`
	SK      int               `ddb:"sk,range"`
	Secret  string            `ddb:"secret"`
	Number  float64           `ddb:"number"`
	Blob    []byte            `ddb:"blob"`
	Doc     map[string]string `ddb:"doc"`
	Signed  string            `ddb:"signed" ddbcrypt:"signonly"`
	Plain   string            `ddb:"plain" ddbcrypt:"donottouch"`
	Counter int               `ddb:"counter" ddbcrypt:"donottouch"`
}

func sampleRecord(pk string, sk int) record {
	return record{PK: pk, SK: sk, Secret: "secret " + pk, Number: 2.5, Blob: []byte{0, 1, 2}, Doc: map[string]string{"k": "v"},
		Signed: "signed " + pk, Plain: "plain " + pk, Counter: 7}
}

func itemOf(t *testing.T, r record) map[string]types.AttributeValue {
	t.Helper()
	item, err := attributevalue.MarshalMapWithOptions(r, func(o *attributevalue.EncoderOptions) { o.TagKey = "ddb" })
	if err != nil {
		t.Fatal(err)
	}
	return item
}

// Items written through the encrypted client read back through the mapper
// and the raw item encryptor, and the other way round.
func TestInterop(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tbl, err := mapper.NewTable[record](mapper.New(e.db, e.p), mapper.WithTableName(e.table))
	if err != nil {
		t.Fatal(err)
	}
	enc := crypto.NewEncryptor(e.p)
	ctx := crypto.Context{TableName: e.table, PartitionKeyName: "pk", SortKeyName: "sk"}

	t.Run("client to mapper", func(t *testing.T) {
		want := sampleRecord("c2m", 1)
		put(t, e.c, e.table, itemOf(t, want))
		got := record{PK: want.PK, SK: want.SK}
		if err := tbl.Load(t.Context(), &got, mapper.ConsistentRead()); err != nil {
			t.Fatalf("mapper Load of an item written by the client: %v", err)
		}
		checkItem(t, "mapper Load", itemOf(t, got), itemOf(t, want))
	})

	t.Run("mapper to client", func(t *testing.T) {
		want := sampleRecord("m2c", 1)
		if err := tbl.Save(t.Context(), &want); err != nil {
			t.Fatalf("mapper Save: %v", err)
		}
		checkItem(t, "client GetItem of an item saved by the mapper", get(t, e.c, e.table, key("m2c", 1)), itemOf(t, want))
	})

	t.Run("client to item encryptor", func(t *testing.T) {
		item := fullItem("c2e", 1)
		put(t, e.c, e.table, item)
		got, err := enc.DecryptItem(t.Context(), rawGet(t, e.db, e.table, key("c2e", 1)), *testActions(), ctx)
		if err != nil {
			t.Fatalf("DecryptItem of an item written by the client: %v", err)
		}
		checkItem(t, "DecryptItem", got, item)
	})

	t.Run("item encryptor to client", func(t *testing.T) {
		item := fullItem("e2c", 1)
		stored, err := enc.EncryptItem(t.Context(), item, *testActions(), ctx)
		if err != nil {
			t.Fatal(err)
		}
		rawPut(t, e.db, e.table, stored)
		checkItem(t, "client GetItem of an item encrypted by the item encryptor", get(t, e.c, e.table, key("e2c", 1)), item)
	})

	t.Run("counter updated through the client, read by the mapper", func(t *testing.T) {
		want := sampleRecord("upd", 1)
		if err := tbl.Save(t.Context(), &want); err != nil {
			t.Fatal(err)
		}
		incrementCounter(t, e, key("upd", 1))
		got := record{PK: want.PK, SK: want.SK}
		if err := tbl.Load(t.Context(), &got, mapper.ConsistentRead()); err != nil {
			t.Fatalf("mapper Load after a counter update: %v", err)
		}
		want.Counter++
		checkItem(t, "mapper Load after a counter update", itemOf(t, got), itemOf(t, want))
	})
}
