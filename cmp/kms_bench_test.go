package cmp_test

// Direct KMS benchmarks (spec/BENCHMARKS.md P4, P5), against the local KMS
// server; they skip without it.
//
//	BenchmarkDirectKMS/op=EncryptItem|GenerateDataKey|DecryptItem|Decrypt/shape=small|medium
//
// EncryptItem and DecryptItem go through the item encryptor and the Direct
// KMS provider; GenerateDataKey and Decrypt are the bare SDK calls with the
// same key, encryption context and data key, on the same endpoint: the P4
// denominators. BenchmarkDirectKMSCached/keys=<k> reads k items round robin
// with the data-key cache on (P5). Each reports kms-calls/op from a
// counting client.
//
// TestDirectKMSPerfBudget (PERF_BUDGET=1) times each P4 pair interleaved
// call by call in one process, takes the median of 7 per-round ratios, and
// checks P4 (≤ 1.1×, exactly one
// KMS call per item) and P5 (one KMS call per distinct data key):
//
//	eval "$(scripts/services.sh env)"
//	PERF_BUDGET=1 go test -run TestDirectKMSPerfBudget -v ./cmp/

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
)

const perfTable = "perf-table"

var (
	perfActions = crypto.AttributeActions{Default: crypto.EncryptAndSign}
	perfContext = crypto.Context{TableName: perfTable, PartitionKeyName: "pk", SortKeyName: "sk"}
)

// kmsShape loads a BENCHMARKS.md item shape from crypto/testdata/shapes.
func kmsShape(tb testing.TB, name string) map[string]types.AttributeValue {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "crypto", "testdata", "shapes", name+".json"))
	if err != nil {
		tb.Fatal(err)
	}
	item, err := vectors.UnmarshalItem(data)
	if err != nil {
		tb.Fatal(err)
	}
	return item
}

// kmsBenchCase is one shape with a provider on a counting client, an item
// encrypted with it, and the raw SDK requests equal to the provider's.
type kmsBenchCase struct {
	client  *kms.Client
	kmsc    *countingKMS
	enc     *crypto.Encryptor
	item    map[string]types.AttributeValue
	stored  map[string]types.AttributeValue
	gdkIn   *kms.GenerateDataKeyInput
	decIn   *kms.DecryptInput
	itemLen int
}

func newKMSBenchCase(tb testing.TB, client *kms.Client, keyARN, shape string) *kmsBenchCase {
	tb.Helper()
	c := &kmsBenchCase{client: client, kmsc: newCountingKMS(client), item: kmsShape(tb, shape)}
	p, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: c.kmsc, KeyID: keyARN})
	if err != nil {
		tb.Fatal(err)
	}
	c.enc = crypto.NewEncryptor(p)
	if c.stored, err = c.enc.EncryptItem(context.Background(), c.item, perfActions, perfContext); err != nil {
		tb.Fatal(err)
	}
	gdk, dec := c.kmsc.calls[0], kmsCall{}
	if _, err := c.enc.DecryptItem(context.Background(), c.stored, perfActions, perfContext); err != nil {
		tb.Fatal(err)
	}
	dec = c.kmsc.calls[1]
	c.kmsc.reset()
	c.gdkIn = &kms.GenerateDataKeyInput{KeyId: aws.String(keyARN), NumberOfBytes: aws.Int32(32), EncryptionContext: gdk.Context}
	c.decIn = &kms.DecryptInput{KeyId: aws.String(keyARN), CiphertextBlob: dec.Blob, EncryptionContext: dec.Context}
	if data, err := vectors.MarshalItem(c.item); err == nil {
		c.itemLen = len(data)
	}
	return c
}

// op returns one call of an op: EncryptItem, DecryptItem, or the raw
// GenerateDataKey or Decrypt.
func (c *kmsBenchCase) op(op string) func() error {
	ctx := context.Background()
	switch op {
	case "EncryptItem":
		return func() error { _, err := c.enc.EncryptItem(ctx, c.item, perfActions, perfContext); return err }
	case "DecryptItem":
		return func() error { _, err := c.enc.DecryptItem(ctx, c.stored, perfActions, perfContext); return err }
	case "GenerateDataKey":
		return func() error { _, err := c.kmsc.GenerateDataKey(ctx, c.gdkIn); return err }
	case "Decrypt":
		return func() error { _, err := c.kmsc.Decrypt(ctx, c.decIn); return err }
	}
	panic("unknown op " + op)
}

// bench returns the benchmark function of one op.
func (c *kmsBenchCase) bench(op string) func(*testing.B) {
	run := c.op(op)
	return func(b *testing.B) {
		b.ReportAllocs()
		c.kmsc.reset()
		for b.Loop() {
			if err := run(); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(c.kmsc.count(""))/float64(b.N), "kms-calls/op")
	}
}

var kmsBenchOps = []string{"EncryptItem", "GenerateDataKey", "DecryptItem", "Decrypt"}

func BenchmarkDirectKMS(b *testing.B) {
	client, keyARN := benchKey(b)
	for _, shape := range []string{"small", "medium"} {
		c := newKMSBenchCase(b, client, keyARN, shape)
		for _, op := range kmsBenchOps {
			b.Run("op="+op+"/shape="+shape, c.bench(op))
		}
	}
}

// BenchmarkDirectKMSCached reads k distinct items round robin with the
// data-key cache on: kms-calls/op falls to k/N, one call per data key.
func BenchmarkDirectKMSCached(b *testing.B) {
	client, keyARN := benchKey(b)
	for _, k := range []int{1, 8} {
		b.Run(fmt.Sprintf("keys=%d/shape=small", k), func(b *testing.B) {
			c := newCachedBenchCase(b, client, keyARN, k)
			c.run(b)
		})
	}
}

type cachedBenchCase struct {
	kmsc   *countingKMS
	enc    *crypto.Encryptor
	stored []map[string]types.AttributeValue
}

func newCachedBenchCase(tb testing.TB, client *kms.Client, keyARN string, k int) *cachedBenchCase {
	tb.Helper()
	c := &cachedBenchCase{kmsc: newCountingKMS(client)}
	p, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: c.kmsc, KeyID: keyARN, Cache: &cmp.DataKeyCacheConfig{TTL: time.Hour}})
	if err != nil {
		tb.Fatal(err)
	}
	c.enc = crypto.NewEncryptor(p)
	item := kmsShape(tb, "small")
	for i := range k {
		item["sk"] = &types.AttributeValueMemberN{Value: fmt.Sprint(1000 + i)}
		s, err := c.enc.EncryptItem(context.Background(), item, perfActions, perfContext)
		if err != nil {
			tb.Fatal(err)
		}
		c.stored = append(c.stored, s)
	}
	return c
}

func (c *cachedBenchCase) run(b *testing.B) {
	b.ReportAllocs()
	c.kmsc.reset()
	i := 0
	for b.Loop() {
		if _, err := c.enc.DecryptItem(context.Background(), c.stored[i%len(c.stored)], perfActions, perfContext); err != nil {
			b.Fatal(err)
		}
		i++
	}
	calls := c.kmsc.count("")
	b.ReportMetric(float64(calls)/float64(b.N), "kms-calls/op")
	b.ReportMetric(float64(calls)/float64(len(c.stored)), "kms-calls/key")
}

// benchKey returns the local KMS client and a fresh key, or skips.
func benchKey(tb testing.TB) (*kms.Client, string) {
	tb.Helper()
	client := testenv.KMS(tb)
	return client, testenv.NewKMSKey(tb, client)
}

func TestDirectKMSPerfBudget(t *testing.T) {
	testenv.PerfBudget(t, "the P4 and P5 budgets")
	client, keyARN := benchKey(t)
	const rounds, perRound, budget = 7, 400, 1.1
	var report strings.Builder
	fmt.Fprintf(&report, "\n%d rounds of %d interleaved pairs, median of per-round ratios (local KMS at %s)\n",
		rounds, perRound, os.Getenv(testenv.EnvKMSEndpoint))
	fmt.Fprintf(&report, "%-7s %-12s %-16s %10s %10s %7s %10s %7s\n", "shape", "op", "raw SDK call", "impl µs", "raw µs", "ratio", "kms-calls", "result")
	var failed []string
	for _, shape := range []string{"small", "medium"} {
		c := newKMSBenchCase(t, client, keyARN, shape)
		for _, pair := range [][2]string{{"EncryptItem", "GenerateDataKey"}, {"DecryptItem", "Decrypt"}} {
			impl, raw := c.op(pair[0]), c.op(pair[1])
			for range 50 { // warm up connections and caches
				impl()
				raw()
			}
			var ratios, implUs, rawUs []float64
			c.kmsc.reset()
			for range rounds {
				// Each pair runs the two calls back to back, in alternating
				// order, so that both see the same machine: the host is
				// shared and local-kms runs on it.
				var ti, tr time.Duration
				for i := range perRound {
					if i%2 == 0 {
						ti += timed(t, impl)
						tr += timed(t, raw)
					} else {
						tr += timed(t, raw)
						ti += timed(t, impl)
					}
				}
				ratios = append(ratios, float64(ti)/float64(tr))
				implUs = append(implUs, float64(ti.Microseconds())/perRound)
				rawUs = append(rawUs, float64(tr.Microseconds())/perRound)
			}
			// Calls made by the implementation per item: all calls minus
			// the raw ones, which make exactly one each.
			calls := float64(c.kmsc.count("")-rounds*perRound) / float64(rounds*perRound)
			ratio := testenv.Median(ratios)
			result := "pass"
			if ratio > budget || calls != 1 {
				result = "FAIL"
				failed = append(failed, fmt.Sprintf("%s/%s %.3f×, %.2f KMS calls/op", shape, pair[0], ratio, calls))
			}
			fmt.Fprintf(&report, "%-7s %-12s %-16s %10.1f %10.1f %6.3f× %10.2f %7s\n",
				shape, pair[0], pair[1], testenv.Median(implUs), testenv.Median(rawUs), ratio, calls, result)
			t.Logf("%s/%s ratios %.3f", shape, pair[0], ratios)
		}
	}
	// P5: one KMS call per distinct data key.
	for _, k := range []int{1, 8} {
		c := newCachedBenchCase(t, client, keyARN, k)
		r := testing.Benchmark(c.run)
		perKey := r.Extra["kms-calls/key"]
		result := "pass"
		if perKey != 1 {
			result = "FAIL"
			failed = append(failed, fmt.Sprintf("cache keys=%d: %.2f KMS calls per key", k, perKey))
		}
		fmt.Fprintf(&report, "P5 cached DecryptItem, %d distinct data key(s): %d reads, %.1f µs/op, %.2f KMS calls per key, %.5f per read: %s\n",
			k, r.N, float64(r.T.Nanoseconds())/float64(r.N)/1e3, perKey, r.Extra["kms-calls/op"], result)
	}
	t.Log(report.String())
	if len(failed) > 0 {
		t.Errorf("over budget (P4 ≤ %.1f×, 1 call per item; P5 1 call per key): %s", budget, strings.Join(failed, "; "))
	}
}

func timed(t *testing.T, f func() error) time.Duration {
	start := time.Now()
	if err := f(); err != nil {
		t.Fatal(err)
	}
	return time.Since(start)
}
