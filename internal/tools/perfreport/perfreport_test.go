package main

import (
	"math"
	"os"
	"strings"
	"testing"
)

// testdata/sample.txt is benchmark output as the report's runs write it:
// three rounds of a few of the suite's benchmarks, with the lines around
// results (pkg:, PASS, ok, a benchmark's log) that the parser must skip.
// Its times are chosen so that the median of the rounds' ratios differs
// from the ratio of the medians.
func sample(t *testing.T) *Output {
	t.Helper()
	f, err := os.Open("testdata/sample.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	o, err := Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestParse(t *testing.T) {
	o := sample(t)
	if len(o.Results) != 39 {
		t.Fatalf("%d results, want 39", len(o.Results))
	}
	r := o.Results[0]
	if r.Name != "BenchmarkEncryptItem/provider=static/shape=small" || r.Procs != 1 || r.Iters != 3556 {
		t.Errorf("first result %s procs %d iters %d", r.Name, r.Procs, r.Iters)
	}
	want := map[string]float64{"ns/op": 6000, "MB/s": 12.53, "B/op": 2352, "allocs/op": 18}
	for unit, v := range want {
		if r.Metrics[unit] != v {
			t.Errorf("first result %s = %v, want %v", unit, r.Metrics[unit], v)
		}
	}
	par := o.Results[6]
	if par.Name != "BenchmarkMostRecentParallel/provider=static/shape=medium/op=encrypt" || par.Procs != 2 || par.Metrics["ns/op"] != 50000 {
		t.Errorf("the -2 result: %+v", par)
	}
	if _, ok := par.Metrics["store-calls/op"]; !ok {
		t.Errorf("the -2 result has no store-calls/op: %v", par.Metrics)
	}
	if k := par.Key(); k.String() != "BenchmarkMostRecentParallel/provider=static/shape=medium/op=encrypt-2" {
		t.Errorf("the -2 result's key: %s", k)
	}
	if got := o.Samples(Key{"BenchmarkPythonEncryptItem/provider=static/shape=small", 1}, "ns/op"); len(got) != 3 || got[1] != 140000 {
		t.Errorf("Python samples %v, want 3 with 140000 second", got)
	}
	if o.Config["cpu"] != "Sample CPU @ 2.00GHz" || o.Config["pkg"] != "github.com/ddbcrypt/ddbcrypt/mapper" {
		t.Errorf("config %v", o.Config)
	}
}

func TestParseErrors(t *testing.T) {
	for _, line := range []string{
		"BenchmarkX 10 abc ns/op",
		"BenchmarkX 0 5 ns/op",
		"BenchmarkX 10 5",
		"BenchmarkX 10 5 B/op",
		"BenchmarkX-0 10 5 ns/op",
	} {
		_, err := Parse(strings.NewReader("goos: linux\nPASS\n" + line + "\n"))
		if err == nil || !strings.Contains(err.Error(), "line 3") {
			t.Errorf("%q: error %v, want one naming line 3", line, err)
		}
	}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9*math.Max(1, math.Abs(b)) }

// measured returns the sample's check of the given label and group.
func measured(t *testing.T, ms []Measured, g Group, label string) Measured {
	t.Helper()
	for _, m := range ms {
		if m.Group == g && m.Label == label {
			return m
		}
	}
	t.Fatalf("no check %q", label)
	return Measured{}
}

func TestMeasure(t *testing.T) {
	ms := Measure(sample(t), Checks())
	for _, c := range []struct {
		g                            Group
		label                        string
		median, lo, hi, numNs, denNs float64
		pass                         bool
	}{
		// 6000/4000, 9000/5000, 6600/6000: the median ratio is 1.5; the
		// ratio of the median times (6600/5000) would be 1.32.
		{VsFloor, "static small encrypt", 1.5, 1.1, 1.8, 6600, 5000, true},
		// 1100/1000, 1300/1200, 1000/1000: +8.3% over the 5% of P8.
		{VsBaseline, "Save ÷ raw PutItem", 1300.0 / 1200, 1, 1.1, 1100, 1000, false},
		// 100000/50000, 90000/60000, 100000/55000: ≥ 1.8 by a hair.
		{Scaling, "static medium encrypt, 2 CPUs ÷ 1", 100000.0 / 55000, 1.5, 2, 100000, 55000, true},
		{VsPython, "static small encrypt", 6600.0 / 120000, 6000.0 / 130000, 9000.0 / 140000, 6600, 130000, false},
	} {
		m := measured(t, ms, c.g, c.label)
		r := m.Ratio
		if r == nil {
			t.Errorf("%s: not measured", c.label)
			continue
		}
		if !near(r.Median, c.median) || !near(r.Min, c.lo) || !near(r.Max, c.hi) || r.NumNs != c.numNs || r.DenNs != c.denNs || r.Rounds != 3 {
			t.Errorf("%s: %+v, want median %v in [%v, %v], times %v / %v over 3 rounds", c.label, *r, c.median, c.lo, c.hi, c.numNs, c.denNs)
		}
		if m.Pass() != c.pass {
			t.Errorf("%s: pass %v, want %v", c.label, m.Pass(), c.pass)
		}
	}
	if m := measured(t, ms, VsFloor, "static small decrypt"); m.Ratio != nil || m.Pass() {
		t.Errorf("static small decrypt is not in the sample, but measured %+v", m.Ratio)
	}
}

func TestReport(t *testing.T) {
	ms := Measure(sample(t), Checks())
	run := Run{Machine: Machine{CPU: "Sample CPU", CPUs: 2, Go: "go1.26.0", Commit: "abc1234"}, Rounds: 3, Benchtime: "100ms",
		Notes: []string{"local-kms was not configured."}, Chart: "performance.svg"}
	md := Report(run, ms)
	for _, want := range []string{
		"| static small encrypt | 6.6 | 5.0 | 1.50× | 1.10× – 1.80× | ≤ 1.50× | pass |",
		"| static small decrypt | — | — | — | — | ≤ 1.50× | not measured |",
		"| Save ÷ raw PutItem | 1.1 | 1.0 | +8.3% | +0.0% – +10.0% | ≤ +5.0% | **FAIL** |",
		"| static medium encrypt, 2 CPUs ÷ 1 | 100 | 55.0 | 1.82× | 1.50× – 2.00× | ≥ 1.80× | pass |",
		"| static small encrypt | 6.6 | 130 | 0.055× | 0.046× – 0.064× | 18.2× |",
		"| static small (floor with its result) encrypt | 6.6 | 6.0 | 1.20× | 1.10× – 1.50× | none | ÷ floor with its result |",
		"Static, encrypt and decrypt: small items 1.2×.",
		"| crypto floor, static medium encrypt, 2 CPUs ÷ 1 | 10.0 | 5.4 | 1.85× | 1.79× – 1.92× | none | the primitives' ceiling |",
		"| crypto floor with result, static medium encrypt, 2 CPUs ÷ 1 | 12.0 | 9.0 | 1.33× | 1.25× – 1.50× | none | the ceiling with the result |",
		"- P9's ceilings on this machine (static medium, encrypt and decrypt, 2 CPUs ÷ 1): the crypto floor alone gains 1.9×; the floor with the result gains 1.3×.",
		"| P1 | EncryptItem / DecryptItem ÷ crypto floor: Static, Wrapped-AES, Most Recent; small and medium | ≤ 1.50× | 1 of 1 | 1.50× |",
		"| P4 | Direct KMS EncryptItem / DecryptItem ÷ the raw GenerateDataKey / Decrypt, same local-kms | ≤ 1.10× | not measured | — |",
		"- P8, (Save − PutItem) ÷ PutItem and (Load − GetItem) ÷ GetItem, medium, DynamoDB Local: within ≤ +5.0% for 0 of 1 cases (+8.3%); furthest from the budget Save ÷ raw PutItem of ≤ +5.0%: +8.3%.",
		"- P4 (≤ 1.10×): not measured.",
		"ddbcrypt is faster by: small items 18.2×.",
		"- local-kms was not configured.",
		"on Sample CPU (2 logical CPUs)",
		"3 rounds; each round runs every benchmark once (`-benchtime 100ms -benchmem`; those against DynamoDB Local",
		"](performance.svg)",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(md)
	}
	run.Input = "bench.txt"
	if md := Report(run, ms); !strings.Contains(md, "from the benchmark output in `bench.txt`, measured on Sample CPU") || strings.Contains(md, "load average") {
		t.Errorf("a report from saved output does not say so, or gives this machine's load:\n%s", md[:600])
	}
}

func TestChart(t *testing.T) {
	svg, err := Chart(Measure(sample(t), Checks()), "svg")
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	for _, want := range []string{"<svg", "ddbcrypt ÷ crypto floor", "static small", "P8 Save ÷ raw PutItem", "Python reference ÷ ddbcrypt", "18.18"} {
		if !strings.Contains(s, want) {
			t.Errorf("the chart lacks %q", want)
		}
	}
	if _, err := Chart(Measure(&Output{}, Checks()), "svg"); err == nil {
		t.Error("a chart of nothing measured: no error")
	}
}

func TestCPUInfo(t *testing.T) {
	text := "processor\t: 0\nmodel name\t: AMD EPYC 9R14\nflags\t: aes\n\nprocessor\t: 1\nmodel name\t: AMD EPYC 9R14\n"
	if model, n := cpuInfo(text); model != "AMD EPYC 9R14" || n != 2 {
		t.Errorf("cpuInfo: %q, %d", model, n)
	}
}

func TestMicros(t *testing.T) {
	for ns, want := range map[float64]string{5250: "5.2", 99_940: "99.9", 100_000: "100", 1_234_567: "1,235", 355_123_456: "355,123"} {
		if got := micros(ns); got != want {
			t.Errorf("micros(%v) = %q, want %q", ns, got, want)
		}
	}
}
