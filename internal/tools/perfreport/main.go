// Command perfreport writes docs/performance.md and docs/performance.svg,
// the performance report: it runs the benchmarks of the performance suite
// (spec/BENCHMARKS.md) in rounds, or reads saved `go test -bench` output,
// and reports ddbcrypt's time as ratios to the crypto floor, to the calls
// and libraries it replaces, and to the Python reference, against the
// budgets. `make perf-report` runs it with the local services up.
//
//	go run ./internal/tools/perfreport [-rounds 5] [-benchtime 100ms] [-in bench.txt]
package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "perfreport:", err)
		os.Exit(1)
	}
}

func run() error {
	rounds := flag.Int("rounds", 5, "rounds: each runs every benchmark once")
	benchtime := flag.String("benchtime", "100ms", "-benchtime of each benchmark")
	in := flag.String("in", "", "read this benchmark output instead of running the benchmarks")
	raw := flag.String("raw", filepath.Join(".cache", "perfreport", "bench.txt"), "where to save the benchmark output of a run")
	out := flag.String("out", filepath.Join("docs", "performance.md"), "the report")
	svg := flag.String("svg", filepath.Join("docs", "performance.svg"), "the chart")
	flag.Parse()
	if *rounds < 1 {
		return fmt.Errorf("-rounds %d: at least 1", *rounds)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	root, err := os.Getwd()
	if err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return errors.New("run it from the repository's root (no go.mod here)")
	}
	goCmd := os.Getenv("GO")
	if goCmd == "" {
		goCmd = "go"
	}
	r := Run{Date: time.Now(), Machine: machine(ctx, goCmd, root), Rounds: *rounds, Benchtime: *benchtime,
		Input: *in, Chart: filepath.Base(*svg)}

	pythonDir := filepath.Join(sharedDir(root), "ref", "python")
	_, statErr := os.Stat(pythonDir)
	withPython := statErr == nil
	var data []byte
	if *in != "" {
		if data, err = os.ReadFile(*in); err != nil {
			return err
		}
	} else {
		tmp, err := os.MkdirTemp("", "perfreport-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		rn := &runner{goCmd: goCmd, root: root, dir: tmp, benchtime: *benchtime, log: os.Stderr, binaries: map[string]string{}}
		if data, err = rn.rounds(ctx, *rounds, benchRuns(withPython)); err != nil {
			return err
		}
		if err := writeFile(*raw, data); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "perfreport: benchmark output saved in %s\n", *raw)
		r.Notes = append(r.Notes, serviceNotes()...)
	}
	r.Machine.LoadEnd = loadAvg()
	o, err := Parse(bytes.NewReader(data))
	if err != nil {
		return err
	}
	if cpu := o.Config["cpu"]; cpu != "" {
		r.Machine.CPU = cpu
	}
	ms := Measure(o, Checks())
	if done, _ := measuredPass(selectGroup(ms, VsPython)); done == 0 {
		if !withPython && *in == "" {
			r.Notes = append(r.Notes, fmt.Sprintf("The Python reference was absent (no %s): its comparison was not measured.", rel(root, pythonDir)))
		} else {
			r.Notes = append(r.Notes, "The Python reference's benchmarks gave no result (`scripts/refs.sh install` says what it needs): its comparison was not measured.")
		}
	}
	chart, err := Chart(ms, "svg")
	if err != nil {
		return err
	}
	if err := writeFile(*svg, chart); err != nil {
		return err
	}
	if err := writeFile(*out, []byte(Report(r, ms))); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "perfreport: wrote %s and %s\n", *out, *svg)
	return nil
}

// sharedDir is the checkout of the reference implementations, found as
// scripts/refs.sh finds it.
func sharedDir(root string) string {
	if d := os.Getenv("DDBCRYPT_SHARED_DIR"); d != "" {
		return d
	}
	return filepath.Join(filepath.Dir(root), "shared")
}

// serviceNotes say which local services a run had not, and so what it
// could not measure.
func serviceNotes() []string {
	var notes []string
	if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") == "" {
		notes = append(notes, "DynamoDB Local was not configured (AWS_ENDPOINT_URL_DYNAMODB): P8 was not measured.")
	}
	if os.Getenv("AWS_ENDPOINT_URL_KMS") == "" {
		notes = append(notes, "local-kms was not configured (AWS_ENDPOINT_URL_KMS): P4 was not measured.")
	}
	return notes
}

// rel is path relative to root when it is beside it ("../shared/..."),
// else path as it is.
func rel(root, path string) string {
	if r, err := filepath.Rel(root, path); err == nil && !strings.HasPrefix(r, "../..") {
		return r
	}
	return path
}

func writeFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}
