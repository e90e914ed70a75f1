package metastore_test

// The Most Recent provider's part of the performance suite
// (spec/BENCHMARKS.md):
//
//	BenchmarkMostRecent/provider=<wrapped-aes|most-recent>/shape=medium/op=<encrypt|decrypt>
//	BenchmarkMostRecentParallel/provider=<static|most-recent>/shape=medium/op=<encrypt|decrypt>
//	BenchmarkMostRecentMetaStore/shape=medium/op=<encrypt|decrypt>   (DynamoDB Local)
//
// P6: while the TTL is live, a Most Recent provider makes no provider-store
// call (counted: the store-calls/op metric, and TestMostRecentNoStoreCalls
// over 1,000 items), and costs at most 1.05× the Wrapped-AES provider it
// hands out (TestPerfBudgetMostRecent, PERF_BUDGET=1). The ratio benchmarks
// use an in-memory store, so that they measure the provider, not DynamoDB;
// BenchmarkMostRecentMetaStore runs over the real MetaStore and counts its
// DynamoDB calls.
//
// P9: run BenchmarkMostRecentParallel with -cpu 1,2; TestPerfBudgetMostRecent
// checks 2 CPUs ÷ 1 CPU ≥ 1.8× when the machine has 2 CPUs.
//
//	PERF_BUDGET=1 go test -run TestPerfBudgetMostRecent -v ./metastore/

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// The suite's fixed keys and context (as in crypto/bench_test.go).
var (
	perfAESKey  = []byte("ddbcrypt-perf-aes-key-32-bytes!!")
	perfHMACKey = []byte("ddbcrypt-perf-hmac-key-32-bytes!")
	perfContext = crypto.Context{TableName: "perf-table", PartitionKeyName: "pk", SortKeyName: "sk"}
	perfActions = crypto.EncryptAll("pk", "sk")
)

// memStore is an in-memory provider store with one version of "perf",
// counting its calls: what the ratio benchmarks put under MostRecent.
type memStore struct {
	version cmp.Provider
	calls   atomic.Int64
}

func newMemStore(tb testing.TB) *memStore {
	return &memStore{version: testenv.NewWrapped(tb, perfAESKey, perfHMACKey, map[string]string{cmp.DescMetaID: "perf#0"})}
}

func (s *memStore) Provider(_ context.Context, name string, version int64) (cmp.Provider, error) {
	s.calls.Add(1)
	if name != "perf" || version != 0 {
		return nil, metastore.ErrNotFound
	}
	return s.version, nil
}

func (s *memStore) MaxVersion(context.Context, string) (int64, error) {
	s.calls.Add(1)
	return 0, nil
}

func (s *memStore) GetOrCreate(ctx context.Context, name string, version int64) (cmp.Provider, error) {
	return s.Provider(ctx, name, version)
}

// benchCase is one provider on the medium shape: its encryptor, the
// plaintext item and an encrypted copy, and the store-call counter (nil for
// providers without a store).
type benchCase struct {
	enc       *crypto.Encryptor
	plain     map[string]types.AttributeValue
	encrypted map[string]types.AttributeValue
	calls     func() int64
}

func newBenchCase(tb testing.TB, provider string) *benchCase {
	tb.Helper()
	c := &benchCase{plain: testenv.MediumItem(tb), calls: func() int64 { return 0 }}
	switch provider {
	case "wrapped-aes":
		c.enc = crypto.NewEncryptor(testenv.NewWrapped(tb, perfAESKey, perfHMACKey, nil))
	case "static":
		c.enc = crypto.NewEncryptor(testenv.NewStatic(tb, perfAESKey, perfHMACKey))
	case "most-recent":
		s := newMemStore(tb)
		mr, err := cmp.NewMostRecent(cmp.MostRecentConfig{Store: s, MaterialName: "perf", TTL: time.Hour})
		if err != nil {
			tb.Fatal(err)
		}
		c.enc, c.calls = crypto.NewEncryptor(mr), s.calls.Load
	default:
		tb.Fatalf("unknown provider %q", provider)
	}
	var err error
	if c.encrypted, err = c.enc.EncryptItem(context.Background(), c.plain, perfActions, perfContext); err != nil {
		tb.Fatal(err)
	}
	return c
}

func (c *benchCase) run(tb testing.TB, op string) {
	var err error
	if op == "encrypt" {
		_, err = c.enc.EncryptItem(context.Background(), c.plain, perfActions, perfContext)
	} else {
		_, err = c.enc.DecryptItem(context.Background(), c.encrypted, perfActions, perfContext)
	}
	if err != nil {
		tb.Fatal(err)
	}
}

// bench returns the benchmark of one op; it reports store-calls/op.
func (c *benchCase) bench(op string) func(*testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		before := c.calls()
		for b.Loop() {
			c.run(b, op)
		}
		b.ReportMetric(float64(c.calls()-before)/float64(b.N), "store-calls/op")
	}
}

// parallelBench returns the RunParallel benchmark of one op.
func (c *benchCase) parallelBench(op string) func(*testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		before := c.calls()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				c.run(b, op)
			}
		})
		b.ReportMetric(float64(c.calls()-before)/float64(b.N), "store-calls/op")
	}
}

func BenchmarkMostRecent(b *testing.B) {
	for _, p := range []string{"wrapped-aes", "most-recent"} {
		for _, op := range []string{"encrypt", "decrypt"} {
			b.Run("provider="+p+"/shape=medium/op="+op, newBenchCase(b, p).bench(op))
		}
	}
}

// BenchmarkMostRecentParallel is P9: run it with -cpu 1,2. Wrapped-AES,
// the provider MostRecent hands out, is there for comparison.
func BenchmarkMostRecentParallel(b *testing.B) {
	for _, p := range []string{"static", "wrapped-aes", "most-recent"} {
		for _, op := range []string{"encrypt", "decrypt"} {
			b.Run("provider="+p+"/shape=medium/op="+op, newBenchCase(b, p).parallelBench(op))
		}
	}
}

// BenchmarkMostRecentMetaStore runs over the real MetaStore on DynamoDB
// Local; store-calls/op counts its DynamoDB calls (0 while warm).
func BenchmarkMostRecentMetaStore(b *testing.B) {
	e := newStoreEnv(b)
	mr, err := cmp.NewMostRecent(cmp.MostRecentConfig{Store: e.store, MaterialName: "perf", TTL: time.Hour})
	if err != nil {
		b.Fatal(err)
	}
	c := &benchCase{enc: crypto.NewEncryptor(mr), plain: testenv.MediumItem(b), calls: e.cc.total}
	if c.encrypted, err = c.enc.EncryptItem(context.Background(), c.plain, perfActions, perfContext); err != nil {
		b.Fatal(err)
	}
	for _, op := range []string{"encrypt", "decrypt"} {
		b.Run("shape=medium/op="+op, c.bench(op))
	}
}

// TestMostRecentNoStoreCalls is the counted half of P6: over 1,000 items
// each way with a live TTL, no store call. It always runs.
func TestMostRecentNoStoreCalls(t *testing.T) {
	c := newBenchCase(t, "most-recent")
	before := c.calls()
	for range 1000 {
		c.run(t, "encrypt")
		c.run(t, "decrypt")
	}
	if n := c.calls() - before; n != 0 {
		t.Errorf("%d store calls over 1,000 warm items, want 0", n)
	}
}

// TestPerfBudgetMostRecent measures P6 (MostRecent ÷ Wrapped-AES ≤ 1.05×,
// medium shape, median of 9 alternating rounds) and, with 2 CPUs, P9
// (RunParallel throughput at 2 CPUs ÷ 1 CPU ≥ 1.8×, Static and MostRecent).
// Only with PERF_BUDGET=1; PERF_BENCHTIME (default 300ms) sets each run's
// length unless -test.benchtime is given.
func TestPerfBudgetMostRecent(t *testing.T) {
	testenv.PerfBudget(t, "the P6 and P9 ratios")
	testenv.PerfBenchtime(t)
	// More rounds than crypto's TestPerfBudget: the ratio is close to 1 and
	// the shared machines' noise is ±10% per run.
	const rounds = 9
	var report strings.Builder
	var failed []string

	fmt.Fprintf(&report, "\nP6, GOMAXPROCS=%d, %d rounds, median of ratios\n", runtime.GOMAXPROCS(0), rounds)
	fmt.Fprintf(&report, "%-8s %15s %16s %7s %8s %12s %6s\n", "op", "most-recent µs", "wrapped-aes µs", "ratio", "budget", "store calls", "result")
	mr, wa := newBenchCase(t, "most-recent"), newBenchCase(t, "wrapped-aes")
	for _, op := range []string{"encrypt", "decrypt"} {
		var ratios, mrNs, waNs []float64
		calls := mr.calls()
		for r := range rounds {
			var rm, rw testing.BenchmarkResult
			if r%2 == 0 {
				rm, rw = testing.Benchmark(mr.bench(op)), testing.Benchmark(wa.bench(op))
			} else {
				rw, rm = testing.Benchmark(wa.bench(op)), testing.Benchmark(mr.bench(op))
			}
			if rm.N == 0 || rw.N == 0 {
				t.Fatalf("%s: a benchmark failed", op)
			}
			mrNs, waNs = append(mrNs, testenv.NsPerOp(rm)), append(waNs, testenv.NsPerOp(rw))
			ratios = append(ratios, testenv.NsPerOp(rm)/testenv.NsPerOp(rw))
		}
		calls = mr.calls() - calls
		ratio := testenv.Median(ratios)
		result := "pass"
		if ratio > 1.05 || calls != 0 {
			result = "FAIL"
			failed = append(failed, fmt.Sprintf("P6 %s: %.3f× (≤ 1.05×), %d store calls (0)", op, ratio, calls))
		}
		fmt.Fprintf(&report, "%-8s %15.2f %16.2f %6.3f× %8s %12d %6s\n", op, testenv.Median(mrNs)/1e3, testenv.Median(waNs)/1e3, ratio, "≤1.05×", calls, result)
		t.Logf("P6 %s ratios %.3f", op, ratios)
	}

	if runtime.NumCPU() < 2 {
		t.Logf("P9 not measured: %d CPU", runtime.NumCPU())
	} else {
		fmt.Fprintf(&report, "\nP9, RunParallel, median of %d rounds\n", rounds)
		fmt.Fprintf(&report, "%-12s %-8s %13s %13s %7s %7s %6s\n", "provider", "op", "1 CPU op/s", "2 CPU op/s", "ratio", "budget", "result")
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
		for _, p := range []string{"static", "most-recent"} {
			c := newBenchCase(t, p)
			for _, op := range []string{"encrypt", "decrypt"} {
				var ratios, one, two []float64
				for range rounds {
					runtime.GOMAXPROCS(1)
					r1 := testing.Benchmark(c.parallelBench(op))
					runtime.GOMAXPROCS(2)
					r2 := testing.Benchmark(c.parallelBench(op))
					if r1.N == 0 || r2.N == 0 {
						t.Fatalf("%s/%s: a benchmark failed", p, op)
					}
					one, two = append(one, 1e9/testenv.NsPerOp(r1)), append(two, 1e9/testenv.NsPerOp(r2))
					ratios = append(ratios, testenv.NsPerOp(r1)/testenv.NsPerOp(r2))
				}
				ratio := testenv.Median(ratios)
				result := "pass"
				if ratio < 1.8 {
					result = "FAIL"
					failed = append(failed, fmt.Sprintf("P9 %s/%s: %.2f× (≥ 1.8×)", p, op, ratio))
				}
				fmt.Fprintf(&report, "%-12s %-8s %13.0f %13.0f %6.2f× %7s %6s\n", p, op, testenv.Median(one), testenv.Median(two), ratio, "≥1.8×", result)
			}
		}
	}
	t.Log(report.String())
	for _, f := range failed {
		t.Errorf("over budget: %s", f)
	}
}
