package main

import (
	"fmt"
	"slices"

	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// Group is the family of a check: what ddbcrypt is compared with.
type Group int

const (
	VsFloor    Group = iota // EncryptItem/DecryptItem ÷ the crypto floor (P1–P3)
	VsBaseline              // the library ÷ the call or library it replaces (P4, P6–P8)
	Scaling                 // 1 CPU ÷ 2 CPUs time per item: throughput gained (P9)
	VsPython                // ddbcrypt ÷ the Python reference, no budget
)

// A Check is one ratio of the report: the median time of Num over that of
// Den, with the budget it is held to.
type Check struct {
	ID       string // budget id of BENCHMARKS.md ("P1"), "" for none
	Group    Group
	Label    string // what is measured, for tables and the chart
	Num, Den Key
	Budget   float64 // 0: no budget
	AtLeast  bool    // the budget is a lower bound (P9); else an upper one
	Overhead bool    // shown as (Num − Den) ÷ Den (P8)
	Note     string  // with no budget: what the ratio is for
}

var (
	shapes = []string{"small", "medium", "large"}
	ops    = []string{"encrypt", "decrypt"}
)

// itemBench is the crypto benchmark of EncryptItem or DecryptItem (as op
// says) with provider p on shape s: ddbcrypt's ("Benchmark" prefix) or the
// Python reference's ("BenchmarkPython").
func itemBench(prefix, op, p, s string) Key {
	fn := "EncryptItem"
	if op == "decrypt" {
		fn = "DecryptItem"
	}
	return Key{fmt.Sprintf("%s%s/provider=%s/shape=%s", prefix, fn, p, s), 1}
}

func floorBench(p, s, op string) Key {
	return Key{fmt.Sprintf("BenchmarkFloor/provider=%s/shape=%s/op=%s", p, s, op), 1}
}

// withResultLabel labels ddbcrypt ÷ (the floor with its result).
func withResultLabel(shape, op string) string {
	return "static " + shape + " (floor with its result) " + op
}

// ceilingLabel begins the labels of the P9 ceiling, the crypto floor's own
// throughput gain on two CPUs.
const ceilingLabel = "crypto floor, static medium"

// resultCeilingLabel begins the labels of the same with the result.
const resultCeilingLabel = "crypto floor with result, static medium"

func mostRecentBench(p, op string) Key {
	return Key{fmt.Sprintf("BenchmarkMostRecent/provider=%s/shape=medium/op=%s", p, op), 1}
}

// Checks are the ratios of the report, in its order. Every per-item
// benchmark runs at GOMAXPROCS 1; the P9 ones at 1 and 2.
func Checks() []Check {
	var cs []Check
	for _, p := range []string{"static", "wrapped-aes", "wrapped-rsa"} {
		for _, s := range shapes {
			id, budget := "P1", 1.5
			switch {
			case p == "wrapped-rsa":
				id, budget = "P3", 1.1
			case s == "large":
				id, budget = "P2", 1.1
			}
			for _, op := range ops {
				cs = append(cs, Check{ID: id, Group: VsFloor, Label: p + " " + s + " " + op,
					Num: itemBench("Benchmark", op, p, s), Den: floorBench(p, s, op), Budget: budget})
			}
		}
	}
	for _, op := range ops {
		// Most Recent hands out Wrapped-AES materials: its floor is theirs.
		cs = append(cs, Check{ID: "P1", Group: VsFloor, Label: "most-recent medium " + op,
			Num: mostRecentBench("most-recent", op), Den: floorBench("wrapped-aes", "medium", op), Budget: 1.5})
	}
	// No budget: ddbcrypt against the floor plus the result it must return
	// (an item the caller owns), which the floor leaves out.
	for _, s := range shapes {
		for _, op := range ops {
			cs = append(cs, Check{Group: VsFloor, Label: withResultLabel(s, op),
				Num: itemBench("Benchmark", op, "static", s), Den: Key{fmt.Sprintf("BenchmarkFloorWithResult/provider=static/shape=%s/op=%s", s, op), 1},
				Note: "÷ floor with its result"})
		}
	}
	for _, s := range []string{"small", "medium"} {
		for _, pair := range [][3]string{{"encrypt", "EncryptItem", "GenerateDataKey"}, {"decrypt", "DecryptItem", "Decrypt"}} {
			cs = append(cs, Check{ID: "P4", Group: VsBaseline, Label: fmt.Sprintf("Direct KMS %s %s ÷ %s", s, pair[0], pair[2]),
				Num: Key{"BenchmarkDirectKMS/op=" + pair[1] + "/shape=" + s, 1}, Den: Key{"BenchmarkDirectKMS/op=" + pair[2] + "/shape=" + s, 1}, Budget: 1.1})
		}
	}
	for _, op := range ops {
		cs = append(cs, Check{ID: "P6", Group: VsBaseline, Label: "most-recent medium " + op + " ÷ wrapped-aes",
			Num: mostRecentBench("most-recent", op), Den: mostRecentBench("wrapped-aes", op), Budget: 1.05})
	}
	for _, op := range []string{"marshal", "unmarshal"} {
		cs = append(cs, Check{ID: "P7", Group: VsBaseline, Label: "mapper " + op + " ÷ attributevalue",
			Num: Key{"BenchmarkMapper/impl=ddbcrypt/op=" + op, 1}, Den: Key{"BenchmarkMapper/impl=attributevalue/op=" + op, 1}, Budget: 0.8})
	}
	for _, pair := range [][2]string{{"Save", "PutItem"}, {"Load", "GetItem"}} {
		cs = append(cs, Check{ID: "P8", Group: VsBaseline, Label: pair[0] + " ÷ raw " + pair[1],
			Num: Key{"Benchmark" + pair[0], 1}, Den: Key{"Benchmark" + pair[1], 1}, Budget: 1.05, Overhead: true})
	}
	for _, p := range []string{"static", "most-recent"} {
		for _, op := range ops {
			name := fmt.Sprintf("BenchmarkMostRecentParallel/provider=%s/shape=medium/op=%s", p, op)
			cs = append(cs, Check{ID: "P9", Group: Scaling, Label: p + " medium " + op + ", 2 CPUs ÷ 1",
				Num: Key{name, 1}, Den: Key{name, 2}, Budget: 1.8, AtLeast: true})
		}
	}
	// No budget: what two CPUs of this machine gain on the primitives
	// alone, and on the primitives with the result the library returns:
	// the ceilings P9 is measured under.
	for _, c := range []struct{ bench, label, note string }{
		{"BenchmarkFloorParallel", ceilingLabel, "the primitives' ceiling"},
		{"BenchmarkFloorWithResultParallel", resultCeilingLabel, "the ceiling with the result"},
	} {
		for _, op := range ops {
			name := c.bench + "/provider=static/shape=medium/op=" + op
			cs = append(cs, Check{Group: Scaling, Label: c.label + " " + op + ", 2 CPUs ÷ 1",
				Num: Key{name, 1}, Den: Key{name, 2}, AtLeast: true, Note: c.note})
		}
	}
	for _, s := range shapes {
		for _, op := range ops {
			cs = append(cs, Check{Group: VsPython, Label: "static " + s + " " + op,
				Num: itemBench("Benchmark", op, "static", s), Den: itemBench("BenchmarkPython", op, "static", s)})
		}
	}
	return cs
}

// A Ratio is a check measured: the median over rounds of the ratio of the
// round's Num and Den times, the rounds' smallest and largest ratio, and
// the median times.
type Ratio struct {
	Median, Min, Max float64
	NumNs, DenNs     float64 // median ns/op
	Rounds           int
}

// A Measured check; Ratio is nil when either side has no result (its
// benchmark skipped or did not run).
type Measured struct {
	Check
	Ratio *Ratio
}

// Pass tells whether the measured ratio is within the budget.
func (m Measured) Pass() bool {
	if m.Ratio == nil || m.Budget == 0 {
		return false
	}
	if m.AtLeast {
		return m.Ratio.Median >= m.Budget
	}
	return m.Ratio.Median <= m.Budget
}

// Measure computes every check from the output. The i-th result of Num is
// paired with the i-th of Den: results of the same round when the output
// holds rounds of one -count each, as the report's runs write it.
func Measure(o *Output, checks []Check) []Measured {
	ms := make([]Measured, len(checks))
	for i, c := range checks {
		ms[i] = Measured{Check: c, Ratio: ratio(o.Samples(c.Num, "ns/op"), o.Samples(c.Den, "ns/op"))}
	}
	return ms
}

func ratio(num, den []float64) *Ratio {
	n := min(len(num), len(den))
	if n == 0 {
		return nil
	}
	rs := make([]float64, n)
	for i := range rs {
		rs[i] = num[i] / den[i]
	}
	return &Ratio{Median: testenv.Median(rs), Min: slices.Min(rs), Max: slices.Max(rs),
		NumNs: testenv.Median(num[:n]), DenNs: testenv.Median(den[:n]), Rounds: n}
}
