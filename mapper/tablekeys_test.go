package mapper_test

// Structs without key roles in their tags take their keys from the table's
// key schema on first use.

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/stream/streamtest"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	gocmp "github.com/google/go-cmp/cmp"
)

// untaggedKeys has no key roles: its pk and sk fields become the keys of a
// table keyed pk (S), sk (N).
type untaggedKeys struct {
	PK    string `dynamodbav:"pk"`
	SK    int    `ddb:"sk"`
	Card  string `ddb:"card"`
	Views int    `ddb:"views" ddbcrypt:"donottouch"`
}

func TestKeysFromTable(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e, tbl := newTableEnv[untaggedKeys](t)
	name := e.table
	if n := total(e.cc); n != 0 {
		t.Errorf("NewTable made calls %v", e.cc.Counts())
	}
	items := []untaggedKeys{{PK: "alice", SK: 1, Card: "4111"}, {PK: "alice", SK: 2, Card: "5500"}, {PK: "bob", SK: 1, Card: "3400"}}
	for i := range items {
		if err := tbl.Save(ctx, &items[i]); err != nil {
			t.Fatalf("Save %d: %v", i, err)
		}
	}
	got := untaggedKeys{PK: "alice", SK: 2}
	if err := tbl.Load(ctx, &got, mapper.ConsistentRead()); err != nil || got != items[1] {
		t.Errorf("Load = %+v, %v; want %+v", got, err, items[1])
	}
	found, err := collect(tbl.Query("alice", mapper.ConsistentRead()).All(ctx))
	if d := gocmp.Diff(items[:2], found); err != nil || d != "" {
		t.Errorf("Query: %v (-want +got):\n%s", err, d)
	}

	// The keys are stored as plaintext, the rest encrypted.
	stored := testenv.RawGet(t, e.db, name, key("alice", 1))
	if fmtKey(map[string]types.AttributeValue{"pk": stored["pk"], "sk": stored["sk"]}) != fmtKey(key("alice", 1)) {
		t.Errorf("stored keys %s, want the plaintext %s", fmtKey(stored), fmtKey(key("alice", 1)))
	}
	if _, ok := stored["card"].(*types.AttributeValueMemberB); !ok {
		t.Errorf("stored card is %T, want ciphertext (B)", stored["card"])
	}
	// ... and signed: an item moved to another key does not verify.
	for _, to := range []untaggedKeys{{PK: "alice", SK: 3}, {PK: "carol", SK: 1}} {
		moved := key(to.PK, to.SK)
		stored["pk"], stored["sk"] = moved["pk"], moved["sk"]
		if _, err := e.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &name, Item: stored}); err != nil {
			t.Fatal(err)
		}
		if err := tbl.Load(ctx, &to, mapper.ConsistentRead()); !errors.Is(err, ddbcrypt.ErrIntegrity) {
			t.Errorf("an item moved to %s: Load = %+v, %v; want ErrIntegrity", fmtKey(moved), to, err)
		}
	}

	// Update, batches, transactions and Delete find the keys too.
	items[0].Views = 7
	if err := tbl.Update(ctx, &items[0], "Views"); err != nil {
		t.Errorf("Update: %v", err)
	}
	err = tbl.Update(ctx, &items[0], "SK")
	wantMention(t, "Update of a key", err, `key attribute "sk"`)
	if err != nil && strings.Contains(err.Error(), "donottouch") {
		t.Errorf("Update of a key: %v; a key cannot be do-not-touch", err)
	}
	more := []untaggedKeys{{PK: "dave", SK: 1, Card: "1"}, {PK: "dave", SK: 2, Card: "2"}}
	if err := tbl.BatchSave(ctx, more); err != nil {
		t.Fatalf("BatchSave: %v", err)
	}
	loaded, err := tbl.BatchLoad(ctx, []untaggedKeys{{PK: "alice", SK: 1}, {PK: "dave", SK: 2}}, mapper.ConsistentRead())
	if err != nil || !gocmp.Equal(fmtLoaded(loaded), []string{"alice/1/4111/7", "dave/2/2/0"}) {
		t.Errorf("BatchLoad = %v, %v", fmtLoaded(loaded), err)
	}
	if err := tbl.BatchDelete(ctx, more); err != nil {
		t.Errorf("BatchDelete: %v", err)
	}
	tx := e.m.NewTx()
	if err := tbl.TxSave(ctx, tx, &untaggedKeys{PK: "erin", SK: 1, Card: "9"}); err != nil {
		t.Fatalf("TxSave: %v", err)
	}
	if err := tbl.TxDelete(ctx, tx, &items[2]); err != nil {
		t.Fatalf("TxDelete: %v", err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if err := tbl.Delete(ctx, &items[1]); err != nil {
		t.Errorf("Delete: %v", err)
	}
	want := []string{fmtKey(key("alice", 1)), fmtKey(key("alice", 3)), fmtKey(key("carol", 1)), fmtKey(key("erin", 1))}
	if got := rawKeys(t, e.db, name); !gocmp.Equal(got, want) {
		t.Errorf("stored keys %v, want %v", got, want)
	}
}

func fmtLoaded(items []untaggedKeys) []string {
	out := make([]string, len(items))
	for i, v := range items {
		out[i] = fmt.Sprintf("%s/%d/%s/%d", v.PK, v.SK, v.Card, v.Views)
	}
	return out
}

// A struct without key roles that does not fit the table's keys is refused
// on first use, before any item is sent, naming the table and the key.
func TestKeysFromTableRefused(t *testing.T) {
	type noSort struct {
		PK   string `ddb:"pk"`
		Card string `ddb:"card"`
	}
	type stringSort struct {
		PK string `ddb:"pk"`
		SK string `ddb:"sk"`
	}
	type boolSort struct {
		PK string `ddb:"pk"`
		SK bool   `ddb:"sk"`
	}
	type encryptedKey struct {
		PK string `ddb:"pk" ddbcrypt:"encrypt"`
		SK int    `ddb:"sk"`
	}
	type unsignedKey struct {
		PK   string `ddb:"pk"`
		SK   int    `ddb:"sk" ddbcrypt:"donottouch"`
		Card string `ddb:"card"`
	}
	db := testenv.NewFakeDB(t)
	db.Expect() // DescribeTable only
	m := mapper.New(db, newProvider(t))
	_, batchErr := mustTable[noSort](t, m, "orders").BatchLoad(t.Context(), []noSort{{PK: "a"}})
	for _, c := range []struct {
		name string
		err  error
		says []string
	}{
		{"no field for the sort key", saveTo(t, m, noSort{PK: "a"}), []string{"no key tags", "table orders", `key attribute "sk"`}},
		{"a string for a number key", saveTo(t, m, stringSort{PK: "a", SK: "1"}), []string{"field SK", "type S", `"sk" of table orders has type N`}},
		{"a bool for a key", saveTo(t, m, boolSort{PK: "a", SK: true}), []string{"field SK", `key attribute "sk" of table orders`, "stored as none of them"}},
		{"an encrypted key", saveTo(t, m, encryptedKey{PK: "a", SK: 1}), []string{"field PK", "partition key of table orders", "cannot be encrypted"}},
		{"an unsigned key", saveTo(t, m, unsignedKey{PK: "a", SK: 1}), []string{"field SK", "sort key of table orders", "must be signed"}},
		{"Load", mustTable[noSort](t, m, "orders").Load(t.Context(), &noSort{PK: "a"}), []string{`key attribute "sk"`}},
		{"Delete", mustTable[noSort](t, m, "orders").Delete(t.Context(), &noSort{PK: "a"}), []string{`key attribute "sk"`}},
		{"BatchLoad", batchErr, []string{`key attribute "sk"`}},
	} {
		wantErrIs(t, c.name, c.err, ddbcrypt.ErrInvalidConfig)
		wantMention(t, c.name, c.err, c.says...)
	}

	// CreateTableInput cannot know the keys.
	_, err := mustTable[noSort](t, m, "orders").CreateTableInput()
	wantErrIs(t, "CreateTableInput", err, ddbcrypt.ErrInvalidConfig)
	wantMention(t, "CreateTableInput", err, "no key tags", "key schema of table orders is not known")

	// A table that cannot be described: the call's error.
	db.Fail = func(string) error { return errors.New("no route to DynamoDB") }
	err = saveTo(t, mapper.New(db, newProvider(t)), noSort{PK: "a"})
	wantErrIs(t, "Save when DescribeTable fails", err, ddbcrypt.ErrDynamoDB)
	wantMention(t, "Save when DescribeTable fails", err, "no route to DynamoDB")
}

// saveTo saves v to table orders through a new handle.
func saveTo[T any](t *testing.T, m *mapper.Mapper, v T) error {
	return mustTable[T](t, m, "orders").Save(t.Context(), &v)
}

// A table without a sort key, and a stream record read before anything
// else, by many goroutines at once on a new handle (run with -race).
func TestKeysFromTableConcurrentFirstUse(t *testing.T) {
	type account struct {
		ID      string `ddb:"id"`
		Balance int    `ddb:"balance"`
	}
	db := testenv.NewFakeDB(t)
	db.Keys = []testenv.Key{testenv.S("id")}
	p := newProvider(t)
	writer := mustTable[account](t, mapper.New(db, p), "accounts")
	if err := writer.Save(t.Context(), &account{ID: "stream", Balance: 5}); err != nil {
		t.Fatal(err)
	}
	id := func(s string) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: s}}
	}
	rec := streamtest.Event(t, streamtest.Record{Event: "INSERT", Table: "accounts", Keys: id("stream"), NewImage: db.Stored("accounts", id("stream"))}).Records[0]

	describes := db.Count("DescribeTable")
	tbl := mustTable[account](t, mapper.New(db, p), "accounts")
	var wg sync.WaitGroup
	errs := make([]error, 16)
	for i := range errs {
		wg.Go(func() {
			if i == 0 {
				got, _, err := tbl.DecodeStreamRecord(t.Context(), rec)
				if err == nil && (got == nil || *got != account{ID: "stream", Balance: 5}) {
					err = fmt.Errorf("DecodeStreamRecord = %+v", got)
				}
				errs[i] = err
				return
			}
			v := account{ID: fmt.Sprint(i), Balance: i}
			if errs[i] = tbl.Save(t.Context(), &v); errs[i] == nil {
				got := account{ID: v.ID}
				if errs[i] = tbl.Load(t.Context(), &got); errs[i] == nil && got != v {
					errs[i] = fmt.Errorf("Load = %+v, want %+v", got, v)
				}
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("goroutine %d: %v", i, err)
		}
	}
	if n := db.Count("DescribeTable") - describes; n != 1 {
		t.Errorf("%d DescribeTable calls for one new handle, want 1", n)
	}
	stored := db.Stored("accounts", id("3"))
	if s, ok := stored["id"].(*types.AttributeValueMemberS); !ok || s.Value != "3" {
		t.Errorf("stored key %#v, want the plaintext id", stored["id"])
	}
}
