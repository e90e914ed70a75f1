package metastore_test

// The MetaStore against DynamoDB Local: table layout, row layout and
// protection (docs/format.md 7.6), versions, racing creators, replication, bad
// names and tampering.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/metaid"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// The data items of these tests.
var (
	dataContext = crypto.Context{TableName: "data", PartitionKeyName: "pk", SortKeyName: "sk"}
	dataActions = crypto.EncryptAll("pk", "sk")
)

func dataItem(i int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk":     &types.AttributeValueMemberS{Value: "customer"},
		"sk":     &types.AttributeValueMemberN{Value: fmt.Sprint(i)},
		"secret": &types.AttributeValueMemberS{Value: fmt.Sprintf("secret %d", i)},
	}
}

func encryptWith(t testing.TB, p cmp.Provider, i int) map[string]types.AttributeValue {
	t.Helper()
	item, err := crypto.NewEncryptor(p).EncryptItem(context.Background(), dataItem(i), dataActions, dataContext)
	if err != nil {
		t.Fatal(err)
	}
	return item
}

func decryptWith(p cmp.Provider, item map[string]types.AttributeValue) error {
	got, err := crypto.NewEncryptor(p).DecryptItem(context.Background(), item, dataActions, dataContext)
	if err != nil {
		return err
	}
	if s, ok := got["secret"].(*types.AttributeValueMemberS); !ok || !strings.HasPrefix(s.Value, "secret ") {
		return fmt.Errorf("decrypted to %v", got)
	}
	return nil
}

func description(t testing.TB, item map[string]types.AttributeValue) map[string]string {
	t.Helper()
	d, err := crypto.DecodeMaterialDescription(item[crypto.DescriptionAttribute].(*types.AttributeValueMemberB).Value)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func wantMaterialError(t *testing.T, what string, err, kind error, name string, version int64) {
	t.Helper()
	var me *cmp.MaterialError
	if !errors.Is(err, kind) || !errors.As(err, &me) || me.Name != name || me.Version != version {
		t.Errorf("%s: %v; want a *cmp.MaterialError for %q version %d wrapping %v", what, err, name, version, kind)
	}
}

func TestCreateTable(t *testing.T) {
	db := testenv.DynamoDB(t)
	ctx := t.Context()

	name := newMetaTable(t, db)
	out, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	d := out.Table
	if d.TableStatus != types.TableStatusActive {
		t.Errorf("status %s", d.TableStatus)
	}
	keys := map[string]types.KeyType{}
	for _, k := range d.KeySchema {
		keys[*k.AttributeName] = k.KeyType
	}
	attrs := map[string]types.ScalarAttributeType{}
	for _, a := range d.AttributeDefinitions {
		attrs[*a.AttributeName] = a.AttributeType
	}
	if len(keys) != 2 || keys["N"] != types.KeyTypeHash || keys["V"] != types.KeyTypeRange ||
		len(attrs) != 2 || attrs["N"] != types.ScalarAttributeTypeS || attrs["V"] != types.ScalarAttributeTypeN {
		t.Errorf("key schema %v, attributes %v", keys, attrs)
	}
	if d.BillingModeSummary == nil || d.BillingModeSummary.BillingMode != types.BillingModePayPerRequest {
		t.Errorf("billing mode %+v, want PAY_PER_REQUEST", d.BillingModeSummary)
	}
	if len(d.GlobalSecondaryIndexes)+len(d.LocalSecondaryIndexes) != 0 || d.StreamSpecification != nil {
		t.Error("the table has indexes or a stream")
	}

	// Provisioned on request.
	prov := newMetaTable(t, db, metastore.WithProvisionedThroughput(3, 4))
	out, err = db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(prov)})
	if err != nil {
		t.Fatal(err)
	}
	if pt := out.Table.ProvisionedThroughput; pt == nil || aws.ToInt64(pt.ReadCapacityUnits) != 3 || aws.ToInt64(pt.WriteCapacityUnits) != 4 {
		t.Errorf("provisioned throughput %+v, want 3/4", pt)
	}

	// An existing table is an error the caller can recognize.
	err = metastore.CreateTable(ctx, db, name)
	var inUse *types.ResourceInUseException
	if !errors.As(err, &inUse) || !errors.Is(err, ddbcrypt.ErrKeyService) {
		t.Errorf("existing table: %v", err)
	}
	for what, opts := range map[string][]metastore.TableOption{
		"read only":     {metastore.WithProvisionedThroughput(1, 0)},
		"negative":      {metastore.WithProvisionedThroughput(-1, -1)},
		"zero max wait": {metastore.WithMaxWait(0)},
	} {
		if err := metastore.CreateTable(ctx, db, name+"-x", opts...); !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("%s: %v", what, err)
		}
	}
}

// TestRowLayout checks a created row against docs/format.md 7.6.2 and 7.6.3 by
// reading it with a plain item encryptor, and the version's provider
// against 7.6.4 by rebuilding it from the row's keys.
func TestRowLayout(t *testing.T) {
	e := newStoreEnv(t)
	ctx := t.Context()
	before := time.Now().UTC()
	p, err := e.store.GetOrCreate(ctx, "orders", 0)
	if err != nil {
		t.Fatal(err)
	}
	if cond := aws.ToString(e.cc.lastPut.ConditionExpression); cond != "attribute_not_exists(N) AND attribute_not_exists(V)" {
		t.Errorf("PutItem condition %q", cond)
	}

	stored := rawRow(t, e.db, e.table, "orders", "0")
	want := []string{"N", "V", "t", "enc", "encAlg", "int", "intAlg", "ddbcrypt-created", crypto.DescriptionAttribute, crypto.SignatureAttribute}
	if len(stored) != len(want) {
		t.Errorf("row has %d attributes, want %v", len(stored), want)
	}
	for _, name := range want {
		av, ok := stored[name]
		if !ok {
			t.Errorf("row lacks %s", name)
			continue
		}
		switch name {
		case "N":
			if s, ok := av.(*types.AttributeValueMemberS); !ok || s.Value != "orders" {
				t.Errorf("N = %#v", av)
			}
		case "V":
			if n, ok := av.(*types.AttributeValueMemberN); !ok || n.Value != "0" {
				t.Errorf("V = %#v", av)
			}
		default: // encrypted, or the reserved attributes
			if _, ok := av.(*types.AttributeValueMemberB); !ok {
				t.Errorf("%s is stored as %T, want encrypted B", name, av)
			}
		}
	}

	// Any item encryptor with the inner provider and the spec's context
	// opens it: table = the MetaStore table, keys N and V signed only.
	plain, err := crypto.NewEncryptor(e.inner).DecryptItem(ctx, stored,
		crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"N": crypto.SignOnly, "V": crypto.SignOnly}},
		crypto.Context{TableName: e.table, PartitionKeyName: "N", SortKeyName: "V"})
	if err != nil {
		t.Fatal(err)
	}
	str := func(name string) string {
		s, _ := plain[name].(*types.AttributeValueMemberS)
		if s == nil {
			t.Fatalf("%s = %#v, want S", name, plain[name])
		}
		return s.Value
	}
	bin := func(name string) []byte {
		b, _ := plain[name].(*types.AttributeValueMemberB)
		if b == nil {
			t.Fatalf("%s = %#v, want B", name, plain[name])
		}
		return b.Value
	}
	if str("t") != "0" || str("encAlg") != "AES" || str("intAlg") != "HmacSHA256" || len(bin("enc")) != 32 || len(bin("int")) != 32 {
		t.Errorf("row fields t=%q encAlg=%q intAlg=%q |enc|=%d |int|=%d", str("t"), str("encAlg"), str("intAlg"), len(bin("enc")), len(bin("int")))
	}
	created, err := time.Parse(time.RFC3339Nano, str("ddbcrypt-created"))
	if err != nil || created.Before(before.Add(-time.Second)) || created.After(time.Now().Add(time.Second)) || created.Location() != time.UTC {
		t.Errorf("created %q (%v)", str("ddbcrypt-created"), err)
	}

	// Items: a wrapped provider's, with the meta-id...
	item := encryptWith(t, p, 1)
	d := description(t, item)
	if d[cmp.DescMetaID] != "orders#0" || d[cmp.DescWrapAlgorithm] != "AESWrap" || d[cmp.DescEnvelopeKey] == "" {
		t.Errorf("item description %v", d)
	}
	// ...readable by a wrapped provider built by hand from the row's keys.
	kek, err := cmp.NewAESWrappingKey(bin("enc"))
	if err != nil {
		t.Fatal(err)
	}
	mac, err := cmp.NewHMACKey(str("intAlg"), bin("int"))
	if err != nil {
		t.Fatal(err)
	}
	byHand, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: kek, UnwrappingKey: kek, SigningKey: mac})
	if err != nil {
		t.Fatal(err)
	}
	if err := decryptWith(byHand, item); err != nil {
		t.Errorf("the row's keys do not open the item: %v", err)
	}
	if err := decryptWith(p, encryptWith(t, byHand, 2)); err != nil {
		t.Errorf("the version's provider does not open an item of the row's keys: %v", err)
	}
}

func TestVersionsIncrease(t *testing.T) {
	e := newStoreEnv(t)
	ctx := t.Context()
	if v, err := e.store.MaxVersion(ctx, "orders"); err != nil || v != -1 {
		t.Fatalf("MaxVersion of a new name = %d, %v; want -1", v, err)
	}
	q := e.cc.lastQuery
	if !aws.ToBool(q.ConsistentRead) || aws.ToInt32(q.Limit) != 1 || q.ScanIndexForward == nil || *q.ScanIndexForward ||
		q.ProjectionExpression == nil || q.ExpressionAttributeNames[*q.ProjectionExpression] != "V" {
		t.Errorf("MaxVersion query %+v: want consistent, limit 1, descending, projecting V (docs/format.md 10 #19)", q)
	}

	var providers []cmp.Provider
	var items []map[string]types.AttributeValue
	for want := range int64(3) {
		p, v, err := e.store.NewProvider(ctx, "orders")
		if err != nil || v != want {
			t.Fatalf("NewProvider: version %d, %v; want %d", v, err, want)
		}
		providers = append(providers, p)
		item := encryptWith(t, p, int(v))
		if got := description(t, item)[cmp.DescMetaID]; got != metaid.Format("orders", v) {
			t.Errorf("version %d: meta-id %q", v, got)
		}
		items = append(items, item)
	}
	if v, err := e.store.MaxVersion(ctx, "orders"); err != nil || v != 2 {
		t.Errorf("MaxVersion = %d, %v; want 2", v, err)
	}
	if v, err := e.store.MaxVersion(ctx, "other"); err != nil || v != -1 {
		t.Errorf("MaxVersion of another name = %d, %v; want -1", v, err)
	}
	for v, item := range items {
		loaded, err := e.store.Provider(ctx, "orders", int64(v))
		if err != nil {
			t.Fatal(err)
		}
		if err := decryptWith(loaded, item); err != nil {
			t.Errorf("version %d: loaded provider: %v", v, err)
		}
		other := providers[(v+1)%len(providers)]
		if err := decryptWith(other, item); !errors.Is(err, ddbcrypt.ErrIntegrity) {
			t.Errorf("version %d item opened by another version: %v", v, err)
		}
	}
	// GetOrCreate of an existing version returns it.
	p, err := e.store.GetOrCreate(ctx, "orders", 1)
	if err != nil {
		t.Fatal(err)
	}
	if err := decryptWith(p, items[1]); err != nil {
		t.Errorf("GetOrCreate of an existing version: %v", err)
	}
	if n := countRows(t, e.db, e.table, "orders"); n != 3 {
		t.Errorf("%d rows, want 3", n)
	}
}

// TestGetOrCreateRace: many creators of the same version, through two
// MetaStores (two hosts) on one table, all end up with the keys of the one
// row written.
func TestGetOrCreateRace(t *testing.T) {
	e := newStoreEnv(t)
	other := newCounting(testenv.DynamoDB(t))
	store2, err := metastore.New(other, e.table, e.inner)
	if err != nil {
		t.Fatal(err)
	}
	const n = 24
	providers := make([]cmp.Provider, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		s := e.store
		if i%2 == 1 {
			s = store2
		}
		wg.Go(func() {
			<-start
			providers[i], errs[i] = s.GetOrCreate(context.Background(), "race", 0)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("creator %d: %v", i, err)
		}
	}
	if got := countRows(t, e.db, e.table, "race"); got != 1 {
		t.Errorf("%d rows, want 1", got)
	}
	if lost := e.cc.conditionalFailures.Load() + other.conditionalFailures.Load(); lost != n-1 {
		t.Errorf("%d creators lost the condition, want %d", lost, n-1)
	}
	for i, p := range providers {
		item := encryptWith(t, p, i)
		if err := decryptWith(providers[(i+1)%n], item); err != nil {
			t.Errorf("creator %d's keys differ from creator %d's: %v", i, (i+1)%n, err)
		}
	}
}

func TestReplicate(t *testing.T) {
	src := newStoreEnv(t)
	dst := newStoreEnv(t) // another table, another inner provider
	ctx := t.Context()
	var items []map[string]types.AttributeValue
	for range 2 {
		p, v, err := src.store.NewProvider(ctx, "orders")
		if err != nil {
			t.Fatal(err)
		}
		items = append(items, encryptWith(t, p, int(v)))
		if err := src.store.Replicate(ctx, "orders", v, dst.store); err != nil {
			t.Fatalf("Replicate version %d: %v", v, err)
		}
	}
	if v, err := dst.store.MaxVersion(ctx, "orders"); err != nil || v != 1 {
		t.Errorf("target MaxVersion %d, %v", v, err)
	}
	for v, item := range items {
		p, err := dst.store.Provider(ctx, "orders", int64(v))
		if err != nil {
			t.Fatal(err)
		}
		if err := decryptWith(p, item); err != nil {
			t.Errorf("version %d from the target: %v", v, err)
		}
	}
	// The copy is re-encrypted: the source's inner provider cannot read it.
	wrongInner, err := metastore.New(dst.cc, dst.table, src.inner)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := wrongInner.Provider(ctx, "orders", 0); !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("replica read with the source's inner provider: %v", err)
	}
	// The creation time travels with the row.
	sv, err := src.store.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dv, err := dst.store.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(sv) != 2 || len(dv) != 2 || !sv[0].Created.Equal(dv[0].Created) || !sv[1].Created.Equal(dv[1].Created) || sv[1].Created.IsZero() {
		t.Errorf("versions: source %v, target %v", sv, dv)
	}

	// Replicating again changes nothing.
	puts := dst.cc.put.Load()
	if err := src.store.Replicate(ctx, "orders", 1, dst.store); err != nil {
		t.Errorf("second Replicate: %v", err)
	}
	if n := countRows(t, dst.db, dst.table, "orders"); n != 2 || dst.cc.put.Load() != puts+1 {
		t.Errorf("%d rows after replicating twice", n)
	}
	// A target with other keys for the version is never overwritten.
	if _, err := dst.store.GetOrCreate(ctx, "orders", 2); err != nil {
		t.Fatal(err)
	}
	if _, _, err := src.store.NewProvider(ctx, "orders"); err != nil {
		t.Fatal(err)
	}
	before := rawRow(t, dst.db, dst.table, "orders", "2")
	err = src.store.Replicate(ctx, "orders", 2, dst.store)
	if !errors.Is(err, metastore.ErrKeysDiffer) {
		t.Errorf("conflicting replicate: %v", err)
	}
	wantMaterialError(t, "conflicting replicate", err, ddbcrypt.ErrInvalidConfig, "orders", 2)
	after := rawRow(t, dst.db, dst.table, "orders", "2")
	if !equalB(before[crypto.SignatureAttribute], after[crypto.SignatureAttribute]) {
		t.Error("the conflicting row was overwritten")
	}
	// A missing version cannot be replicated.
	err = src.store.Replicate(ctx, "orders", 9, dst.store)
	wantMaterialError(t, "missing version", err, metastore.ErrNotFound, "orders", 9)
	if err := src.store.Replicate(ctx, "orders", 0, nil); !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
		t.Errorf("nil target: %v", err)
	}
}

func equalB(a, b types.AttributeValue) bool {
	x, ok1 := a.(*types.AttributeValueMemberB)
	y, ok2 := b.(*types.AttributeValueMemberB)
	return ok1 && ok2 && string(x.Value) == string(y.Value)
}

func TestBadNames(t *testing.T) {
	e := newStoreEnv(t)
	ctx := t.Context()
	for _, name := range []string{"", "a#b", "#", "orders#1"} {
		_, err := e.store.Provider(ctx, name, 0)
		wantMaterialError(t, "Provider "+name, err, ddbcrypt.ErrInvalidConfig, name, 0)
		_, err = e.store.MaxVersion(ctx, name)
		wantMaterialError(t, "MaxVersion "+name, err, ddbcrypt.ErrInvalidConfig, name, -1)
		_, err = e.store.GetOrCreate(ctx, name, 0)
		wantMaterialError(t, "GetOrCreate "+name, err, ddbcrypt.ErrInvalidConfig, name, 0)
		_, _, err = e.store.NewProvider(ctx, name)
		wantMaterialError(t, "NewProvider "+name, err, ddbcrypt.ErrInvalidConfig, name, -1)
		err = e.store.Replicate(ctx, name, 0, e.store)
		wantMaterialError(t, "Replicate "+name, err, ddbcrypt.ErrInvalidConfig, name, 0)
	}
	_, err := e.store.GetOrCreate(ctx, "orders", -1)
	wantMaterialError(t, "negative version", err, ddbcrypt.ErrInvalidConfig, "orders", -1)
	if n := e.cc.total(); n != 0 {
		t.Errorf("bad names made %d DynamoDB calls", n)
	}
	if _, err := cmp.NewMostRecent(cmp.MostRecentConfig{Store: e.store, MaterialName: "a#b", TTL: time.Second}); !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
		t.Errorf("MostRecent with '#': %v", err)
	}

	for what, f := range map[string]func() (*metastore.MetaStore, error){
		"nil client":  func() (*metastore.MetaStore, error) { return metastore.New(nil, "t", e.inner) },
		"no table":    func() (*metastore.MetaStore, error) { return metastore.New(e.cc, "", e.inner) },
		"nil provide": func() (*metastore.MetaStore, error) { return metastore.New(e.cc, "t", nil) },
	} {
		if _, err := f(); !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("%s: %v", what, err)
		}
	}
}

func TestNotFound(t *testing.T) {
	e := newStoreEnv(t)
	_, err := e.store.Provider(t.Context(), "orders", 3)
	wantMaterialError(t, "missing version", err, metastore.ErrNotFound, "orders", 3)
	if !errors.Is(err, ddbcrypt.ErrNotFound) || errors.Is(err, ddbcrypt.ErrNoMaterials) {
		t.Errorf("metastore.ErrNotFound wraps ddbcrypt.ErrNotFound only: %v", err)
	}
}

// TestTamperedRow: every change to a stored row fails its signature.
func TestTamperedRow(t *testing.T) {
	e := newStoreEnv(t)
	ctx := t.Context()
	if _, err := e.store.GetOrCreate(ctx, "orders", 0); err != nil {
		t.Fatal(err)
	}
	orig := rawRow(t, e.db, e.table, "orders", "0")
	clone := func() map[string]types.AttributeValue {
		c := make(map[string]types.AttributeValue, len(orig))
		for k, v := range orig {
			if b, ok := v.(*types.AttributeValueMemberB); ok {
				v = &types.AttributeValueMemberB{Value: append([]byte(nil), b.Value...)}
			}
			c[k] = v
		}
		return c
	}
	flip := func(attr string) func(map[string]types.AttributeValue) {
		return func(row map[string]types.AttributeValue) {
			b := row[attr].(*types.AttributeValueMemberB).Value
			b[len(b)-1] ^= 1
		}
	}
	cases := map[string]func(map[string]types.AttributeValue){
		"enc":       flip("enc"),
		"int":       flip("int"),
		"t":         flip("t"),
		"intAlg":    flip("intAlg"),
		"created":   flip("ddbcrypt-created"),
		"signature": flip(crypto.SignatureAttribute),
		"no signature": func(row map[string]types.AttributeValue) {
			delete(row, crypto.SignatureAttribute)
		},
		"extra attribute": func(row map[string]types.AttributeValue) {
			row["x"] = &types.AttributeValueMemberS{Value: "injected"}
		},
		"dropped attribute": func(row map[string]types.AttributeValue) { delete(row, "intAlg") },
	}
	for what, tamper := range cases {
		t.Run(what, func(t *testing.T) {
			row := clone()
			tamper(row)
			rawPut(t, e.db, e.table, row)
			_, err := e.store.Provider(ctx, "orders", 0)
			wantMaterialError(t, what, err, ddbcrypt.ErrIntegrity, "orders", 0)
		})
	}

	// A row moved to another version (or name) does not verify there.
	row := clone()
	row["V"] = &types.AttributeValueMemberN{Value: "1"}
	rawPut(t, e.db, e.table, row)
	_, err := e.store.Provider(ctx, "orders", 1)
	wantMaterialError(t, "row moved to version 1", err, ddbcrypt.ErrIntegrity, "orders", 1)
	row = clone()
	row["N"] = &types.AttributeValueMemberS{Value: "payments"}
	rawPut(t, e.db, e.table, row)
	_, err = e.store.Provider(ctx, "payments", 0)
	wantMaterialError(t, "row moved to another name", err, ddbcrypt.ErrIntegrity, "payments", 0)

	// Versions refuses to list a row that does not verify, naming it.
	_, err = e.store.Versions(ctx)
	var me *cmp.MaterialError
	if !errors.Is(err, ddbcrypt.ErrIntegrity) || !errors.As(err, &me) {
		t.Errorf("Versions over tampered rows: %v", err)
	}

	// Another inner provider cannot read the rows.
	rawPut(t, e.db, e.table, orig)
	stranger, err := metastore.New(e.cc, e.table, testenv.WrappedProvider(t))
	if err != nil {
		t.Fatal(err)
	}
	_, err = stranger.Provider(ctx, "orders", 0)
	wantMaterialError(t, "another inner provider", err, ddbcrypt.ErrIntegrity, "orders", 0)
	if _, err := e.store.Provider(ctx, "orders", 0); err != nil {
		t.Errorf("restored row: %v", err)
	}
}

// TestLogicalTableName: rows are bound to the MetaStore's table name, or to
// the logical name it is given.
func TestLogicalTableName(t *testing.T) {
	e := newStoreEnv(t, metastore.WithSignatureTableName("keys"))
	ctx := t.Context()
	p, err := e.store.GetOrCreate(ctx, "orders", 0)
	if err != nil {
		t.Fatal(err)
	}
	unbound, err := metastore.New(e.cc, e.table, e.inner)
	if err != nil {
		t.Fatal(err)
	}
	_, err = unbound.Provider(ctx, "orders", 0)
	wantMaterialError(t, "without the logical name", err, ddbcrypt.ErrIntegrity, "orders", 0)

	// The row copied to another table with the same logical name verifies.
	other := newMetaTable(t, e.db)
	rawPut(t, e.db, other, rawRow(t, e.db, e.table, "orders", "0"))
	moved, err := metastore.New(e.cc, other, e.inner, metastore.WithSignatureTableName("keys"))
	if err != nil {
		t.Fatal(err)
	}
	q, err := moved.Provider(ctx, "orders", 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := decryptWith(q, encryptWith(t, p, 1)); err != nil {
		t.Error(err)
	}
}

func TestVersionsList(t *testing.T) {
	e := newStoreEnv(t)
	ctx := t.Context()
	before := time.Now()
	for _, name := range []string{"payments", "orders", "orders", "orders"} {
		if _, _, err := e.store.NewProvider(ctx, name); err != nil {
			t.Fatal(err)
		}
	}
	after := time.Now()
	list, err := e.store.Versions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range list {
		got = append(got, metaid.Format(v.Name, v.Version))
		if v.Created.Before(before.Add(-time.Millisecond)) || v.Created.After(after.Add(time.Millisecond)) {
			t.Errorf("%s created %v, not between %v and %v", v.Name, v.Created, before, after)
		}
	}
	if strings.Join(got, " ") != "orders#0 orders#1 orders#2 payments#0" {
		t.Errorf("versions %v", got)
	}
	empty := newStoreEnv(t)
	if list, err := empty.store.Versions(ctx); err != nil || len(list) != 0 {
		t.Errorf("empty store: %v, %v", list, err)
	}
	if s := fmt.Sprintf("%v %+v", e.store, list[0]); strings.Contains(s, "enc") {
		t.Errorf("formatted: %s", s)
	}
}
