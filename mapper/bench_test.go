package mapper

// The mapper's benchmarks of the performance suite (spec/BENCHMARKS.md):
//
//	BenchmarkMapper/impl=<ddbcrypt|attributevalue>/op=<marshal|unmarshal>   (P7)
//	BenchmarkSave, BenchmarkLoad          the mapper against DynamoDB Local (P8)
//	BenchmarkPutItem, BenchmarkGetItem    the raw SDK calls they are measured by
//
// and TestMapperBudget (PERF_BUDGET=1), which alternates the P7 cases in one
// process and checks the median ratios;
// all on the medium shape, whose fixture (crypto/testdata/shapes/medium.json)
// testenv.Order reproduces exactly. P7 is the ratio of the ddbcrypt and
// attributevalue cases; P8 is (Save − PutItem) ÷ PutItem and (Load − GetItem)
// ÷ GetItem. The P8 benchmarks skip without AWS_ENDPOINT_URL_DYNAMODB.

import (
	"context"
	"os"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/tags"
)

// benchProvider is the suite's static provider: fixed 32-byte AES and HMAC
// keys.
func benchProvider(tb testing.TB) cmp.Provider {
	tb.Helper()
	key := func(b byte) []byte {
		k := make([]byte, 32)
		for i := range k {
			k[i] = b + byte(i)
		}
		return k
	}
	mac, err := cmp.NewHMACKey("HmacSHA256", key(0x40))
	if err != nil {
		tb.Fatal(err)
	}
	p, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: key(0x10), SigningKey: mac})
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// mapperCases are the four P7 operations on the medium struct, as
// functions to call in a loop.
func mapperCases(tb testing.TB) map[string]func() error {
	tb.Helper()
	item := testenv.MediumItem(tb)
	v := testenv.MediumOrder(tb)
	rv := reflect.ValueOf(v).Elem()
	// The mapper's own path: table.encode, and table.decode without the
	// decryption before it.
	t, err := newTable(New(nil, benchProvider(tb)), rv.Type(), settings{tableName: "perf-table"})
	if err != nil {
		tb.Fatal(err)
	}
	out := reflect.New(rv.Type()).Elem()
	encOpt := func(o *attributevalue.EncoderOptions) { o.TagKey = tags.Key }
	decOpt := func(o *attributevalue.DecoderOptions) { o.TagKey = tags.Key }
	return map[string]func() error{
		"impl=ddbcrypt/op=marshal": func() error {
			_, err := t.encode(rv)
			return err
		},
		"impl=ddbcrypt/op=unmarshal": func() error {
			return t.m.codec.Decode(t.schema, item, out)
		},
		"impl=attributevalue/op=marshal": func() error {
			_, err := attributevalue.MarshalMapWithOptions(v, encOpt)
			return err
		},
		"impl=attributevalue/op=unmarshal": func() error {
			var out testenv.Order
			return attributevalue.UnmarshalMapWithOptions(item, &out, decOpt)
		},
	}
}

var mapperCaseNames = []string{
	"impl=ddbcrypt/op=marshal", "impl=ddbcrypt/op=unmarshal",
	"impl=attributevalue/op=marshal", "impl=attributevalue/op=unmarshal",
}

func BenchmarkMapper(b *testing.B) {
	cases := mapperCases(b)
	for _, name := range mapperCaseNames {
		f := cases[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := f(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestMapperBudget checks P7 with PERF_BUDGET=1: it alternates the four
// cases of BenchmarkMapper in one process, 15 rounds of about 40ms each,
// and checks the median of the rounds' ratios ddbcrypt ÷ attributevalue
// against 0.8 for marshal and for unmarshal. Pin it to one CPU:
//
//	PERF_BUDGET=1 taskset -c 1 go test -run TestMapperBudget -v ./mapper/
func TestMapperBudget(t *testing.T) {
	if os.Getenv("PERF_BUDGET") != "1" {
		t.Skip("set PERF_BUDGET=1 to measure the P7 budget")
	}
	cases := mapperCases(t)
	// Calibrate: iterations for about 40ms of each case.
	n := map[string]int{}
	for _, name := range mapperCaseNames {
		f := cases[name]
		iters := 1
		for {
			start := time.Now()
			for range iters {
				if err := f(); err != nil {
					t.Fatal(err)
				}
			}
			if d := time.Since(start); d > 10*time.Millisecond {
				n[name] = max(1, int(float64(iters)*float64(40*time.Millisecond)/float64(d)))
				break
			}
			iters *= 2
		}
	}
	const rounds = 15
	perOp := map[string][]float64{}
	for range rounds {
		for _, name := range mapperCaseNames {
			f := cases[name]
			start := time.Now()
			for range n[name] {
				_ = f()
			}
			perOp[name] = append(perOp[name], float64(time.Since(start).Nanoseconds())/float64(n[name]))
		}
	}
	median := func(xs []float64) float64 {
		xs = slices.Clone(xs)
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	for _, op := range []string{"marshal", "unmarshal"} {
		impl, ref := perOp["impl=ddbcrypt/op="+op], perOp["impl=attributevalue/op="+op]
		ratios := make([]float64, rounds)
		for i := range ratios {
			ratios[i] = impl[i] / ref[i]
		}
		r := median(ratios)
		t.Logf("P7 %-9s ddbcrypt %6.0f ns, attributevalue %6.0f ns (medians); median ratio %.3f (budget 0.8)", op, median(impl), median(ref), r)
		if r > 0.8 {
			t.Errorf("P7 %s: ratio %.3f over the budget 0.8", op, r)
		}
	}
}

// p8 is a DynamoDB Local table holding the medium item, saved by the
// mapper, and the same item as the mapper stores it (encrypted and signed)
// for the raw SDK calls.
type p8 struct {
	db        *dynamodb.Client
	name      string
	table     *Table[testenv.Order]
	order     *testenv.Order
	encrypted map[string]types.AttributeValue
	key       map[string]types.AttributeValue
}

func newP8(b testing.TB) *p8 {
	b.Helper()
	db := testenv.DynamoDB(b)
	name := testenv.NewTable(b, db, testenv.S("pk"), testenv.N("sk"))
	m := New(db, benchProvider(b))
	tbl, err := NewTable[testenv.Order](m, WithTableName(name))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	e := &p8{db: db, name: name, table: tbl, order: testenv.MediumOrder(b)}
	if err := tbl.Save(ctx, e.order); err != nil {
		b.Fatal(err)
	}
	plain, key, err := tbl.t.encodeForWrite(ctx, reflect.ValueOf(e.order).Elem())
	if err != nil {
		b.Fatal(err)
	}
	p, err := tbl.t.prepare(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if e.encrypted, err = p.Encrypt(ctx, plain); err != nil {
		b.Fatal(err)
	}
	e.key = key
	return e
}

// The P8 operations, each one call.

func (e *p8) save(ctx context.Context) error { return e.table.Save(ctx, e.order) }

func (e *p8) putItem(ctx context.Context) error {
	_, err := e.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &e.name, Item: e.encrypted})
	return err
}

func (e *p8) load(ctx context.Context) error {
	return e.table.Load(ctx, &testenv.Order{PK: e.order.PK, SK: e.order.SK})
}

func (e *p8) getItem(ctx context.Context) error {
	consistent := false
	out, err := e.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &e.name, Key: e.key, ConsistentRead: &consistent})
	if err == nil && out.Item == nil {
		err = ErrNotFound
	}
	return err
}

// benchP8 runs one P8 operation. Each benchmark has a table of its own, set
// up alike; TestP8Budget alternates the four on one table.
func benchP8(b *testing.B, op func(*p8, context.Context) error) {
	e := newP8(b)
	ctx := context.Background()
	b.SetBytes(int64(tableinfo.ItemSize(e.encrypted)))
	b.ReportAllocs()
	for b.Loop() {
		if err := op(e, ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSave: encode, encrypt and sign, PutItem.
func BenchmarkSave(b *testing.B) { benchP8(b, (*p8).save) }

// BenchmarkPutItem: the raw PutItem of the same item, as Save stores it.
func BenchmarkPutItem(b *testing.B) { benchP8(b, (*p8).putItem) }

// BenchmarkLoad: encode the key, GetItem, verify and decrypt, decode.
func BenchmarkLoad(b *testing.B) { benchP8(b, (*p8).load) }

// BenchmarkGetItem: the raw GetItem of the same item.
func BenchmarkGetItem(b *testing.B) { benchP8(b, (*p8).getItem) }

// TestP8Budget measures P8 with PERF_BUDGET=1 against DynamoDB Local: on
// one table it alternates Save, PutItem, Load and GetItem, 15 rounds of
// 60 calls each, and checks the medians of the rounds' ratios
// (Save − PutItem) ÷ PutItem and (Load − GetItem) ÷ GetItem against 5%.
//
//	PERF_BUDGET=1 go test -run TestP8Budget -v ./mapper/
func TestP8Budget(t *testing.T) {
	if os.Getenv("PERF_BUDGET") != "1" {
		t.Skip("set PERF_BUDGET=1 to measure the P8 budget")
	}
	e := newP8(t)
	ctx := context.Background()
	ops := []struct {
		name string
		f    func(*p8, context.Context) error
	}{{"Save", (*p8).save}, {"PutItem", (*p8).putItem}, {"Load", (*p8).load}, {"GetItem", (*p8).getItem}}
	const rounds, calls = 15, 60
	perOp := map[string][]float64{}
	for _, o := range ops { // warm up
		for range 20 {
			if err := o.f(e, ctx); err != nil {
				t.Fatal(err)
			}
		}
	}
	for r := range rounds {
		for i := range ops {
			o := ops[(i+r)%len(ops)] // rotate the order, against drift within a round
			start := time.Now()
			for range calls {
				if err := o.f(e, ctx); err != nil {
					t.Fatal(err)
				}
			}
			perOp[o.name] = append(perOp[o.name], float64(time.Since(start).Nanoseconds())/calls)
		}
	}
	median := func(xs []float64) float64 {
		xs = slices.Clone(xs)
		slices.Sort(xs)
		return xs[len(xs)/2]
	}
	for _, pair := range [][2]string{{"Save", "PutItem"}, {"Load", "GetItem"}} {
		impl, raw := perOp[pair[0]], perOp[pair[1]]
		over := make([]float64, rounds)
		for i := range over {
			over[i] = (impl[i] - raw[i]) / raw[i]
		}
		o := median(over)
		t.Logf("P8 %-4s %7.0f ns, %-7s %7.0f ns (medians); median overhead %+.1f%% (budget 5%%)",
			pair[0], median(impl), pair[1], median(raw), 100*o)
		if o > 0.05 {
			t.Errorf("P8 %s: overhead %.1f%% over %s, budget 5%%", pair[0], 100*o, pair[1])
		}
	}
}
