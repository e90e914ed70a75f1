package testenv

// Helpers of the performance budgets of spec/BENCHMARKS.md, which run only
// with PERF_BUDGET=1.

import (
	"flag"
	"os"
	"slices"
	"testing"
)

// PerfBudget skips the test unless PERF_BUDGET=1, saying what it would
// measure (what: "the P1–P3 ratios").
func PerfBudget(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("PERF_BUDGET") != "1" {
		t.Skip("set PERF_BUDGET=1 to measure " + what)
	}
}

// PerfBenchtime makes each benchmark the test starts with
// testing.Benchmark run for PERF_BENCHTIME (default 300ms), unless
// -test.benchtime is given, until the test ends.
func PerfBenchtime(t *testing.T) {
	t.Helper()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.benchtime" })
	if explicit {
		return
	}
	benchtime := os.Getenv("PERF_BENCHTIME")
	if benchtime == "" {
		benchtime = "300ms"
	}
	old := flag.Lookup("test.benchtime").Value.String()
	if err := flag.Set("test.benchtime", benchtime); err != nil {
		t.Fatalf("PERF_BENCHTIME: %v", err)
	}
	t.Cleanup(func() { flag.Set("test.benchtime", old) })
}

// Median returns the median of xs (the mean of the middle two when their
// number is even), leaving xs as they are.
func Median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// NsPerOp returns a benchmark's nanoseconds per operation, with more
// precision than testing.BenchmarkResult.NsPerOp; 0 when it ran none.
func NsPerOp(r testing.BenchmarkResult) float64 {
	if r.N == 0 {
		return 0
	}
	return float64(r.T.Nanoseconds()) / float64(r.N)
}
