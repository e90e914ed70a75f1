package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// A benchRun is one `go test -bench` of a package, repeated every round.
type benchRun struct {
	pkg   string // "./crypto"
	bench string // -test.bench
	cpu   string // -test.cpu
	// serviceTime, when set, is the -benchtime of a run against DynamoDB
	// Local or local-kms: their calls take hundreds of µs with pauses of
	// tens of ms, so a run of the per-item -benchtime is a hundred calls.
	serviceTime string
}

// benchRuns are the runs of one round. The crypto benchmarks run one
// provider and shape at a time, so that an implementation and its floor are
// measured seconds apart, not minutes; with withPython, the Python
// reference's benchmarks run right after the static provider's (in one
// process: starting the reference takes seconds).
func benchRuns(withPython bool) []benchRun {
	var runs []benchRun
	for _, p := range []string{"static", "wrapped-aes", "wrapped-rsa"} {
		for _, s := range shapes {
			runs = append(runs, benchRun{pkg: "./crypto", bench: fmt.Sprintf("^Benchmark(EncryptItem|DecryptItem|Floor)$/^provider=%s$/^shape=%s$", p, s), cpu: "1"})
			if p == "static" {
				runs = append(runs, benchRun{pkg: "./crypto", bench: fmt.Sprintf("^BenchmarkFloorWithResult$/^provider=static$/^shape=%s$", s), cpu: "1"})
			}
		}
		if withPython && p == "static" {
			runs = append(runs, benchRun{pkg: "./crypto", bench: "^BenchmarkPython(Encrypt|Decrypt)Item$", cpu: "1"})
		}
	}
	return append(runs,
		benchRun{pkg: "./metastore", bench: "^BenchmarkMostRecent$", cpu: "1"},
		benchRun{pkg: "./metastore", bench: "^BenchmarkMostRecentParallel$", cpu: "1,2"},
		benchRun{pkg: "./crypto", bench: "^Benchmark(FloorParallel|FloorWithResultParallel)$", cpu: "1,2"},
		benchRun{pkg: "./cmp", bench: "^BenchmarkDirectKMS$", cpu: "1", serviceTime: serviceBenchtime},
		benchRun{pkg: "./mapper", bench: "^BenchmarkMapper$", cpu: "1"},
		benchRun{pkg: "./mapper", bench: "^Benchmark(Save|PutItem|Load|GetItem)$", cpu: "1", serviceTime: serviceBenchtime},
	)
}

// warmUps run once before the rounds, for warmUpTime each, their output
// discarded: DynamoDB Local is a JVM that compiles its hot paths over its
// first thousands of requests (a cold PutItem took four times a warm one),
// which would otherwise weigh on the first rounds of P8 and P4.
var warmUps = []benchRun{
	{pkg: "./mapper", bench: "^Benchmark(Save|PutItem|Load|GetItem)$", cpu: "1"},
	{pkg: "./cmp", bench: "^BenchmarkDirectKMS$", cpu: "1"},
}

const (
	warmUpTime       = "2s"
	serviceBenchtime = "1s"
)

// runner builds each package's test binary once and runs the benchmarks.
type runner struct {
	goCmd     string
	root      string // the repository
	dir       string // where the test binaries go
	benchtime string
	log       io.Writer // progress
	binaries  map[string]string
}

func (r *runner) binary(ctx context.Context, pkg string) (string, error) {
	if bin, ok := r.binaries[pkg]; ok {
		return bin, nil
	}
	bin := filepath.Join(r.dir, strings.ReplaceAll(strings.Trim(pkg, "./"), "/", "_")+".test")
	cmd := exec.CommandContext(ctx, r.goCmd, "test", "-c", "-o", bin, pkg)
	cmd.Dir = r.root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("building the tests of %s: %v\n%s", pkg, err, out)
	}
	r.binaries[pkg] = bin
	return bin, nil
}

// run runs one benchmark run, in the package's directory as go test does,
// and returns its output.
func (r *runner) run(ctx context.Context, br benchRun) ([]byte, error) {
	if br.serviceTime != "" {
		return r.runFor(ctx, br, br.serviceTime)
	}
	return r.runFor(ctx, br, r.benchtime)
}

// runFor is run with another -benchtime.
func (r *runner) runFor(ctx context.Context, br benchRun, benchtime string) ([]byte, error) {
	bin, err := r.binary(ctx, br.pkg)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, bin, "-test.run=^$", "-test.bench="+br.bench, "-test.benchmem",
		"-test.cpu="+br.cpu, "-test.benchtime="+benchtime, "-test.count=1")
	cmd.Dir = filepath.Join(r.root, br.pkg)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s -test.bench %s: %v\n%s", br.pkg, br.bench, err, tailOf(out.Bytes(), 4<<10))
	}
	return out.Bytes(), nil
}

// rounds runs every benchmark run n times, round after round, so that each
// round compares implementation and baseline measured minutes apart at
// most, and returns the output of all of them.
func (r *runner) rounds(ctx context.Context, n int, runs []benchRun) ([]byte, error) {
	for _, br := range warmUps {
		start := time.Now()
		if _, err := r.runFor(ctx, br, warmUpTime); err != nil {
			return nil, err
		}
		fmt.Fprintf(r.log, "perfreport: warm-up: %s %s: %.1fs\n", br.pkg, br.bench, time.Since(start).Seconds())
	}
	var all bytes.Buffer
	for i := range n {
		for _, br := range runs {
			start := time.Now()
			out, err := r.run(ctx, br)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(r.log, "perfreport: round %d/%d: %s %s (cpu %s): %.1fs\n", i+1, n, br.pkg, br.bench, br.cpu, time.Since(start).Seconds())
			all.Write(out)
		}
	}
	return all.Bytes(), nil
}

func tailOf(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}

// Machine is what the report says about where it was measured.
type Machine struct {
	CPU       string // model name
	CPUs      int    // logical CPUs
	Go        string // go env GOVERSION
	OS        string // GOOS/GOARCH
	Commit    string // short hash, "+ uncommitted changes" when dirty
	LoadStart string // /proc/loadavg before and after the runs
	LoadEnd   string
}

// cpuInfo returns the model name and the number of processors listed in
// /proc/cpuinfo text.
func cpuInfo(text string) (model string, cpus int) {
	for line := range strings.Lines(text) {
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		switch strings.TrimSpace(key) {
		case "processor":
			cpus++
		case "model name":
			if model == "" {
				model = strings.TrimSpace(value)
			}
		}
	}
	return model, cpus
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// machine gathers the machine facts; what cannot be read is "unknown".
func machine(ctx context.Context, goCmd, root string) Machine {
	m := Machine{CPU: "unknown", LoadStart: loadAvg()}
	m.CPUs = runtime.NumCPU()
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		model, n := cpuInfo(string(b))
		if model != "" {
			m.CPU = model
		}
		if n > 0 {
			m.CPUs = n
		}
	}
	output := func(name string, args ...string) string {
		cmd := exec.CommandContext(ctx, name, args...)
		cmd.Dir = root
		b, err := cmd.Output()
		if err != nil {
			return "unknown"
		}
		return strings.TrimSpace(string(b))
	}
	m.Go = output(goCmd, "env", "GOVERSION")
	m.OS = output(goCmd, "env", "GOOS") + "/" + output(goCmd, "env", "GOARCH")
	m.Commit = output("git", "rev-parse", "--short", "HEAD")
	if st := output("git", "status", "--porcelain", "--untracked-files=no"); st != "" && st != "unknown" {
		m.Commit += " + uncommitted changes"
	}
	return m
}
