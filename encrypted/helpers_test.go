package encrypted_test

// Shared helpers for the integration tests of package encrypted against
// DynamoDB Local: providers, tables with indexes, a wrapper of the real
// client that counts calls (and can leave batch work unprocessed), raw
// access to the stored items, and a canonical rendering of items so that
// they can be compared and printed.

import (
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/logging"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// Operation names, as testenv.Faults counts them.
const (
	opPut        = "PutItem"
	opGet        = "GetItem"
	opDelete     = "DeleteItem"
	opUpdate     = "UpdateItem"
	opQuery      = "Query"
	opScan       = "Scan"
	opBatchGet   = "BatchGetItem"
	opBatchWrite = "BatchWriteItem"
	opTxGet      = "TransactGetItems"
	opTxWrite    = "TransactWriteItems"
	opDescribe   = "DescribeTable"
)

// Throwaway providers, and raw reads of stored items, are testenv's.
var (
	newProvider       = testenv.WrappedProvider
	newStaticProvider = testenv.StaticProvider
	rawGet            = testenv.RawGet
)

// createTable creates a table with partition key "pk" (S) and sort key
// "sk" (N) and the given indexes, waits for it, and deletes it when the
// test ends. It returns the table's name.
func createTable(t *testing.T, db *dynamodb.Client, indexes ...testenv.SecondaryIndex) string {
	t.Helper()
	return testenv.CreateTable(t, db, testenv.TableSpec{Partition: testenv.S("pk"), Sort: testenv.N("sk"), Indexes: indexes})
}

// testActions is the configuration most tests use: everything encrypted
// and signed but "signed" (signed only), and "plain" and "counter" (left
// alone, DO_NOTHING). Keys are signed only, by the client's own rule.
func testActions() *crypto.AttributeActions {
	return &crypto.AttributeActions{
		Default: crypto.EncryptAndSign,
		Overrides: map[string]crypto.Action{
			"signed":  crypto.SignOnly,
			"plain":   crypto.DoNothing,
			"counter": crypto.DoNothing,
		},
	}
}

// quiet silences the SDK's logger: DynamoDB Local's error responses make
// the SDK warn about their checksums, which is noise here.
func quiet(o *dynamodb.Options) { o.Logger = logging.Nop{} }

// dataCalls returns how many calls f has seen, DescribeTable aside.
func dataCalls(f *testenv.Faults) int {
	n := 0
	for op, k := range f.Counts() {
		if op != opDescribe {
			n += k
		}
	}
	return n
}

// env is one test's table, real client, counting testenv.Faults and
// encrypted client (with testActions for the table).
type env struct {
	db    *dynamodb.Client
	rec   *testenv.Faults
	p     cmp.Provider
	c     *encrypted.Client
	table string
}

// newEnv returns an env for a test that runs in parallel with others: its
// Faults does not check for leaked goroutines.
func newEnv(t *testing.T, indexes ...testenv.SecondaryIndex) *env {
	t.Helper()
	return newEnvOn(t, testenv.NewParallelFaults(t), indexes...)
}

// newEnvOn returns an env whose client goes through f.
func newEnvOn(t *testing.T, f *testenv.Faults, indexes ...testenv.SecondaryIndex) *env {
	t.Helper()
	e := &env{db: f.DynamoDB, rec: f, p: newProvider(t)}
	e.table = createTable(t, e.db, indexes...)
	e.c = newClient(f, e.p, e.table, testActions())
	return e
}

// newEnvWithItem is newEnv with fullItem(pk, sk) put through the client; it
// returns the item.
func newEnvWithItem(t *testing.T, pk string, sk int) (*env, map[string]types.AttributeValue) {
	t.Helper()
	e := newEnv(t)
	item := fullItem(pk, sk)
	put(t, e.c, e.table, item)
	return e, item
}

// Attribute value constructors.
func s(v string) types.AttributeValue     { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue     { return &types.AttributeValueMemberN{Value: v} }
func b(v ...byte) types.AttributeValue    { return &types.AttributeValueMemberB{Value: v} }
func boolean(v bool) types.AttributeValue { return &types.AttributeValueMemberBOOL{Value: v} }
func list(vs ...types.AttributeValue) types.AttributeValue {
	return &types.AttributeValueMemberL{Value: vs}
}
func m(kv map[string]types.AttributeValue) types.AttributeValue {
	return &types.AttributeValueMemberM{Value: kv}
}

// key returns the primary key (pk, sk) of the test tables.
func key(pk string, sk int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": s(pk), "sk": n(fmt.Sprint(sk))}
}

// fullItem returns an item with every kind of value: encrypted ones (the
// default), a signed-only one, and two DO_NOTHING ones.
func fullItem(pk string, sk int) map[string]types.AttributeValue {
	item := key(pk, sk)
	maps.Copy(item, map[string]types.AttributeValue{
		"secret":  s("secret of " + pk + fmt.Sprint(sk)),
		"number":  n("12.5"),
		"blob":    b(0, 1, 2, 0xff),
		"strings": &types.AttributeValueMemberSS{Value: []string{"x", "y"}},
		"numbers": &types.AttributeValueMemberNS{Value: []string{"1", "2"}},
		"blobs":   &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2}}},
		"flag":    boolean(true),
		"nothing": &types.AttributeValueMemberNULL{Value: true},
		"doc": m(map[string]types.AttributeValue{
			"a": m(map[string]types.AttributeValue{"b": s("deep"), "c": s("other")}),
			"l": list(s("l0"), s("l1"), s("l2")),
		}),
		"my-attr": s("needs a placeholder"),
		"signed":  s("signed " + pk),
		"plain":   s("plain " + pk),
		"counter": n("0"),
	})
	return item
}

// render renders an attribute value canonically: sets sorted, map keys
// sorted, so that equal values render equally.
func render(av types.AttributeValue) string {
	switch v := av.(type) {
	case nil:
		return "<nil>"
	case *types.AttributeValueMemberS:
		return fmt.Sprintf("S%q", v.Value)
	case *types.AttributeValueMemberN:
		return "N(" + v.Value + ")"
	case *types.AttributeValueMemberB:
		return "B(" + hex.EncodeToString(v.Value) + ")"
	case *types.AttributeValueMemberBOOL:
		return fmt.Sprintf("BOOL(%v)", v.Value)
	case *types.AttributeValueMemberNULL:
		return "NULL"
	case *types.AttributeValueMemberSS:
		ss := slices.Clone(v.Value)
		slices.Sort(ss)
		return fmt.Sprintf("SS%q", ss)
	case *types.AttributeValueMemberNS:
		ns := slices.Clone(v.Value)
		slices.Sort(ns)
		return fmt.Sprintf("NS%v", ns)
	case *types.AttributeValueMemberBS:
		bs := make([]string, len(v.Value))
		for i, x := range v.Value {
			bs[i] = hex.EncodeToString(x)
		}
		slices.Sort(bs)
		return fmt.Sprintf("BS%v", bs)
	case *types.AttributeValueMemberL:
		parts := make([]string, len(v.Value))
		for i, x := range v.Value {
			parts[i] = render(x)
		}
		return "L[" + strings.Join(parts, ", ") + "]"
	case *types.AttributeValueMemberM:
		return "M" + renderItem(v.Value)
	}
	return fmt.Sprintf("%T", av)
}

// renderItem renders an item canonically; a nil item is "<nil>".
func renderItem(item map[string]types.AttributeValue) string {
	if item == nil {
		return "<nil>"
	}
	parts := make([]string, 0, len(item))
	for _, k := range slices.Sorted(maps.Keys(item)) {
		parts = append(parts, fmt.Sprintf("%q: %s", k, render(item[k])))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// checkItem fails the test unless got and want are the same item.
func checkItem(t *testing.T, what string, got, want map[string]types.AttributeValue) {
	t.Helper()
	if g, w := renderItem(got), renderItem(want); g != w {
		t.Errorf("%s:\n got  %s\n want %s", what, g, w)
	}
}

// pick returns the named attributes of item.
func pick(item map[string]types.AttributeValue, names ...string) map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(names))
	for _, n := range names {
		if av, ok := item[n]; ok {
			out[n] = av
		}
	}
	return out
}

// with returns a copy of item with the given attributes replaced.
func with(item map[string]types.AttributeValue, kv map[string]types.AttributeValue) map[string]types.AttributeValue {
	out := maps.Clone(item)
	maps.Copy(out, kv)
	return out
}

// rawPut writes an item as is, bypassing the encrypted client.
func rawPut(t *testing.T, db *dynamodb.Client, table string, item map[string]types.AttributeValue) {
	t.Helper()
	if _, err := db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}, quiet); err != nil {
		t.Fatalf("raw PutItem: %v", err)
	}
}

// tamper changes the signed attribute "signed" of a stored item behind the
// client's back, as someone with write access to the table could.
func tamper(t *testing.T, db *dynamodb.Client, table string, key map[string]types.AttributeValue) {
	t.Helper()
	testenv.RawSet(t, db, table, key, "signed", s("tampered"))
}

// put writes an item through the encrypted client.
func put(t *testing.T, c *encrypted.Client, table string, item map[string]types.AttributeValue) {
	t.Helper()
	if _, err := c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatalf("PutItem %s: %v", ddbcrypt.FormatKey(pick(item, "pk", "sk")), err)
	}
}

// get reads an item through the encrypted client.
func get(t *testing.T, c *encrypted.Client, table string, key map[string]types.AttributeValue) map[string]types.AttributeValue {
	t.Helper()
	out, err := c.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("GetItem %s: %v", ddbcrypt.FormatKey(key), err)
	}
	return out.Item
}

// checkStored checks the stored form of plaintext item: key attributes and
// the attributes named plaintext as they were, every other attribute a
// binary ciphertext that differs from its plaintext, and the two reserved
// attributes present as binary values.
func checkStored(t *testing.T, stored, plaintext map[string]types.AttributeValue, plain ...string) {
	t.Helper()
	if stored == nil {
		t.Fatal("no item stored")
	}
	for name, want := range plaintext {
		got, ok := stored[name]
		if !ok {
			t.Errorf("stored item lacks attribute %q", name)
			continue
		}
		if name == "pk" || name == "sk" || slices.Contains(plain, name) {
			if render(got) != render(want) {
				t.Errorf("stored %q = %s, want it in plaintext: %s", name, render(got), render(want))
			}
			continue
		}
		ct, ok := got.(*types.AttributeValueMemberB)
		if !ok {
			t.Errorf("stored %q = %s, want an encrypted (binary) value", name, render(got))
			continue
		}
		if pt, ok := want.(*types.AttributeValueMemberS); ok && len(pt.Value) >= 4 && strings.Contains(string(ct.Value), pt.Value) {
			t.Errorf("stored %q = %s holds its plaintext %q", name, render(got), pt.Value)
		}
		if render(ct) == render(want) {
			t.Errorf("stored %q = %s is its plaintext", name, render(got))
		}
	}
	for _, reserved := range []string{crypto.SignatureAttribute, crypto.DescriptionAttribute} {
		if _, ok := stored[reserved].(*types.AttributeValueMemberB); !ok {
			t.Errorf("stored item lacks the binary reserved attribute %q: %s", reserved, renderItem(stored))
		}
	}
	if len(stored) != len(plaintext)+2 {
		t.Errorf("stored item has %d attributes, want %d (the item's and the two reserved ones): %s", len(stored), len(plaintext)+2, renderItem(stored))
	}
}

// checkRefused checks that err is the client's refusal of a request,
// before any call: it wraps ddbcrypt.ErrInvalidItem (or ErrInvalidConfig),
// names the attribute (when attr is not empty) in an AttributeError and in
// its message together with the words in why, and no call but
// DescribeTable was made.
func checkRefused(t *testing.T, what string, err error, rec *testenv.Faults, before int, attr string, why ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: not refused", what)
		return
	}
	if !errors.Is(err, ddbcrypt.ErrInvalidItem) && !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
		t.Errorf("%s: error %v wraps neither ErrInvalidItem nor ErrInvalidConfig", what, err)
	}
	if attr != "" {
		var ae *ddbcrypt.AttributeError
		if !errors.As(err, &ae) || ae.Attribute != attr {
			t.Errorf("%s: error %v is not an *AttributeError naming %q", what, err, attr)
		}
		if !strings.Contains(err.Error(), attr) {
			t.Errorf("%s: error %q does not name %q", what, err, attr)
		}
	}
	for _, w := range why {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error %q does not say %q", what, err, w)
		}
	}
	if rec != nil {
		if got := dataCalls(rec); got != before {
			t.Errorf("%s: %d DynamoDB calls were made before the refusal (%v), want none", what, got-before, rec.Counts())
		}
	}
}

// checkIntegrity checks that err reports a tampered item of table with the
// given key.
func checkIntegrity(t *testing.T, what string, err error, table string, key map[string]types.AttributeValue) {
	t.Helper()
	if !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("%s: error %v, want one wrapping ErrIntegrity", what, err)
		return
	}
	var ie *ddbcrypt.ItemError
	if !errors.As(err, &ie) {
		t.Errorf("%s: error %v is not an *ItemError", what, err)
		return
	}
	if ie.Table != table {
		t.Errorf("%s: ItemError.Table = %q, want %q", what, ie.Table, table)
	}
	if got, want := renderItem(ie.Key), renderItem(key); got != want {
		t.Errorf("%s: ItemError.Key = %s, want %s", what, got, want)
	}
}

// e2eDB returns the DynamoDB Local client (or skips the test).
func e2eDB(t *testing.T) *dynamodb.Client {
	t.Helper()
	return testenv.DynamoDB(t)
}

// newClient returns an encrypted client with the given actions for table.
func newClient(api encrypted.API, p cmp.Provider, table string, actions *crypto.AttributeActions) *encrypted.Client {
	return encrypted.NewClient(api, p, encrypted.WithTable(table, encrypted.TableConfig{Actions: actions}))
}
