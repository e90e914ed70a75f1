package main

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// A Result is one result line of `go test -bench` output, in the standard
// benchmark format (golang.org/design/14313-benchmark-format):
//
//	BenchmarkFloor/provider=static/shape=small/op=encrypt-2   230   5123 ns/op   48 B/op   2 allocs/op
type Result struct {
	Name    string             // the name without the -GOMAXPROCS suffix
	Procs   int                // GOMAXPROCS: the suffix, 1 when there is none
	Iters   int                // iterations
	Metrics map[string]float64 // value by unit: "ns/op", "B/op", "allocs/op", "MB/s", custom ones
}

// Key names the benchmark of a result.
func (r Result) Key() Key { return Key{r.Name, r.Procs} }

// A Key is a benchmark name at a GOMAXPROCS.
type Key struct {
	Name  string
	Procs int
}

func (k Key) String() string {
	if k.Procs == 1 {
		return k.Name
	}
	return fmt.Sprintf("%s-%d", k.Name, k.Procs)
}

// Output is parsed benchmark output: the results in order, and the
// configuration lines ("cpu: ...") with the value each key had last.
type Output struct {
	Config  map[string]string
	Results []Result
}

var (
	procsSuffix = regexp.MustCompile(`-([0-9]+)$`)
	configLine  = regexp.MustCompile(`^([a-z][^\s:]*):\s*(.*?)\s*$`)
)

// Parse reads benchmark output. Lines that are neither results nor
// configuration (PASS, ok, test logs) are skipped; a line that starts like
// a result but does not parse as one is an error naming its line number.
func Parse(r io.Reader) (*Output, error) {
	out := &Output{Config: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if m := configLine.FindStringSubmatch(line); m != nil {
			out.Config[m[1]] = m[2]
			continue
		}
		fields := strings.Fields(line)
		// A benchmark that logs prints its name alone on a line first.
		if len(fields) < 2 || !strings.HasPrefix(fields[0], "Benchmark") {
			continue
		}
		res, err := parseResult(fields)
		if err != nil {
			return nil, fmt.Errorf("benchmark output line %d %q: %w", n, line, err)
		}
		out.Results = append(out.Results, res)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading benchmark output: %w", err)
	}
	return out, nil
}

func parseResult(fields []string) (Result, error) {
	res := Result{Name: fields[0], Procs: 1, Metrics: map[string]float64{}}
	if m := procsSuffix.FindStringSubmatch(res.Name); m != nil {
		procs, err := strconv.Atoi(m[1])
		if err != nil || procs < 1 {
			return res, fmt.Errorf("GOMAXPROCS suffix %q", m[0])
		}
		res.Name, res.Procs = strings.TrimSuffix(res.Name, m[0]), procs
	}
	iters, err := strconv.Atoi(fields[1])
	if err != nil || iters < 1 {
		return res, fmt.Errorf("iterations %q: not a positive integer", fields[1])
	}
	res.Iters = iters
	if len(fields)%2 != 0 {
		return res, fmt.Errorf("a value without a unit")
	}
	for i := 2; i < len(fields); i += 2 {
		v, err := strconv.ParseFloat(fields[i], 64)
		if err != nil {
			return res, fmt.Errorf("value %q of %s: not a number", fields[i], fields[i+1])
		}
		res.Metrics[fields[i+1]] = v
	}
	if _, ok := res.Metrics["ns/op"]; !ok {
		return res, fmt.Errorf("no ns/op")
	}
	return res, nil
}

// Samples returns the values of unit of a benchmark's results, in order:
// one per -count or per round of the report.
func (o *Output) Samples(k Key, unit string) []float64 {
	var xs []float64
	for _, r := range o.Results {
		if r.Key() == k {
			if v, ok := r.Metrics[unit]; ok {
				xs = append(xs, v)
			}
		}
	}
	return xs
}
