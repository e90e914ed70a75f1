// Package reftest runs the Python and Java reference implementations (the
// legacy "Amazon DynamoDB Encryption Client") from tests, so that ddbcrypt's
// items can be checked against a second and a third implementation. Their
// sources are not part of the module: scripts/refs.sh finds them in the
// checkout of the reference implementations, DDBCRYPT_SHARED_DIR (by
// default a directory named "shared" beside the repository).
//
// Each reference runs as one long-lived driver process per test binary
// (internal/testing/reftest/python/driver.py and java/DdbcryptRefDriver.java, started
// through scripts/refs.sh, which also builds the Java one). The protocol is
// one JSON object per line each way: a job
//
//	{"op": "encrypt"|"decrypt"|"put"|"get"|"batch_put", "provider": {...}, "table": "T",
//	 "partition_key": "pk", "sort_key": "sk",
//	 "actions": {"default": "ENCRYPT_AND_SIGN", "overrides": {"name": "SIGN_ONLY"}},
//	 "items": [item in DynamoDB JSON, ...]}
//
// is answered by {"items": [...]} or {"error": "..."}. "encrypt" and
// "decrypt" work on raw items; "put", "get" and "batch_put" (Python only)
// go through the reference's EncryptedTable to DynamoDB, "batch_put" with
// BatchWriteItem for many items. Keys are signed, never encrypted.
// "time" (Python only; the job also has "time_op": "encrypt"|"decrypt" and
// "repeat": N, and one item) is answered by {"items": [], "us_per_op": µs}:
// the reference's own clock around N calls, for the performance report.
//
// When a reference cannot run (no python3 modules, no Java, no checkout of
// the references) the test is skipped with a message naming what to install,
// or fails when the CI variable is set, so CI can never pass by skipping.
package reftest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
	gocmp "github.com/google/go-cmp/cmp"
)

// Bounds on waiting for a driver. Starting may build the Java reference
// (a download and a javac run) when `scripts/refs.sh install` has not.
const (
	startTimeout = 10 * time.Minute
	jobTimeout   = 2 * time.Minute
)

// Item is an attribute-value map, plaintext or encrypted.
type Item = map[string]types.AttributeValue

// Job is what a reference is asked to do with some items.
type Job struct {
	Provider     Provider
	Table        string
	PartitionKey string
	SortKey      string // empty for a table without a sort key
	Actions      crypto.AttributeActions
	Items        []Item
}

// Ref is a running reference driver. Its methods may be called from
// parallel tests; jobs run one at a time.
type Ref struct {
	name string

	mu     sync.Mutex
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan []byte // stdout, one line each; closed when the driver exits
	stderr *tail
	dead   error // why the driver can no longer be used
}

var (
	refsMu sync.Mutex
	refs   = map[string]*Ref{}
	absent = map[string]string{} // reference name → why it cannot run
)

// Python returns the Python reference's driver, starting it on first use.
func Python(t testing.TB) *Ref { t.Helper(); return get(t, "python") }

// Java returns the Java reference's driver, starting it (and building the
// reference if needed) on first use.
func Java(t testing.TB) *Ref { t.Helper(); return get(t, "java") }

func get(t testing.TB, name string) *Ref {
	t.Helper()
	refsMu.Lock()
	defer refsMu.Unlock()
	if why, ok := absent[name]; ok {
		skipOrFail(t, why)
	}
	if r := refs[name]; r != nil {
		r.mu.Lock()
		dead := r.dead
		r.mu.Unlock()
		if dead == nil {
			return r
		}
	}
	r, why, err := start(name)
	if why != "" {
		absent[name] = why
		skipOrFail(t, why)
	}
	if err != nil {
		t.Fatalf("reftest: starting the %s reference: %v", name, err)
	}
	refs[name] = r
	return r
}

// skipOrFail skips the test, or fails it when CI is set.
func skipOrFail(t testing.TB, why string) {
	t.Helper()
	if testenv.InCI() {
		t.Fatalf("reftest: %s (CI is set: cross-language tests must not be skipped)", why)
	}
	t.Skip("reftest: " + why)
}

// start runs `scripts/refs.sh name` and waits for the driver's ready line.
// A missing prerequisite (the script's status 3) is returned as why.
func start(name string) (r *Ref, why string, err error) {
	root, err := repoRoot()
	if err != nil {
		return nil, "", err
	}
	cmd := exec.Command("bash", filepath.Join(root, "scripts", "refs.sh"), name)
	cmd.Dir = root
	r = &Ref{name: name, cmd: cmd, lines: make(chan []byte, 1), stderr: &tail{}}
	cmd.Stderr = r.stderr
	if r.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, "", err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, "", err
	}
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	exited := make(chan error, 1)
	go func() {
		sc := bufio.NewReader(stdout)
		for {
			line, err := sc.ReadBytes('\n')
			if err != nil {
				break
			}
			r.lines <- line
		}
		close(r.lines)
		exited <- cmd.Wait()
	}()

	select {
	case line, ok := <-r.lines:
		var hello struct{ Ready string }
		if ok && json.Unmarshal(line, &hello) == nil && hello.Ready != "" {
			return r, "", nil
		}
		if ok {
			_ = cmd.Process.Kill()
		}
		for range r.lines { // until the reader is done
		}
		err := <-exited
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 3 {
			return nil, fmt.Sprintf("the %s reference cannot run: %s", name, bytes.TrimSpace(r.stderr.bytes())), nil
		}
		return nil, "", fmt.Errorf("the driver did not start (%v); its output:\n%s%s", err, line, r.stderr.bytes())
	case <-time.After(startTimeout):
		_ = cmd.Process.Kill()
		return nil, "", fmt.Errorf("the driver was not ready within %v; its output:\n%s", startTimeout, r.stderr.bytes())
	}
}

// repoRoot is the repository holding this source file.
func repoRoot() (string, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return "", errors.New("cannot locate the reftest source directory")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", ".."), nil
}

// Encrypt encrypts and signs the job's items, failing the test on error.
func (r *Ref) Encrypt(t testing.TB, job Job) []Item { t.Helper(); return r.must(t, "encrypt", job) }

// Decrypt verifies and decrypts the job's items, failing the test on error.
func (r *Ref) Decrypt(t testing.TB, job Job) []Item { t.Helper(); return r.must(t, "decrypt", job) }

// Put writes the job's plaintext items to DynamoDB through the reference's
// encrypted table (Python's EncryptedTable), failing the test on error.
func (r *Ref) Put(t testing.TB, job Job) { t.Helper(); r.must(t, "put", job) }

// Get reads the items whose keys are the job's items through the
// reference's encrypted table, failing the test on error.
func (r *Ref) Get(t testing.TB, job Job) []Item { t.Helper(); return r.must(t, "get", job) }

// BatchPut writes the job's plaintext items to DynamoDB through the
// reference's EncryptedTable with BatchWriteItem, failing the test on
// error: Put for thousands of items. Each job must be answered within a
// couple of minutes, so write a few thousand items per call.
func (r *Ref) BatchPut(t testing.TB, job Job) { t.Helper(); r.must(t, "batch_put", job) }

func (r *Ref) must(t testing.TB, op string, job Job) []Item {
	t.Helper()
	items, err := r.Do(op, job)
	if err != nil {
		t.Fatalf("reftest: %s %s: %v", r.name, op, err)
	}
	return items
}

// Do runs one job and returns the resulting items, or the reference's error
// (for tests that expect the reference to refuse an item).
func (r *Ref) Do(op string, job Job) ([]Item, error) {
	req, err := job.request(op)
	if err != nil {
		return nil, err
	}
	var resp struct{ Items []json.RawMessage }
	if err := r.call(req, &resp); err != nil {
		return nil, err
	}
	items := make([]Item, len(resp.Items))
	for i, raw := range resp.Items {
		if items[i], err = vectors.UnmarshalItem(raw); err != nil {
			return nil, fmt.Errorf("the %s driver's item %d: %v", r.name, i, err)
		}
	}
	return items, nil
}

// Time has the reference run op ("encrypt" or "decrypt") on the job's one
// item n times after one warm-up call, and returns the time per call by the
// reference's own clock around that loop, so that no protocol or JSON work
// is in it. Only the Python driver times.
func (r *Ref) Time(op string, job Job, n int) (time.Duration, error) {
	if len(job.Items) != 1 {
		return 0, fmt.Errorf("timing takes one item, not %d", len(job.Items))
	}
	req, err := job.request("time")
	if err != nil {
		return 0, err
	}
	req.TimeOp, req.Repeat = op, n
	var resp struct {
		MicrosPerOp *float64 `json:"us_per_op"`
	}
	if err := r.call(req, &resp); err != nil {
		return 0, err
	}
	if resp.MicrosPerOp == nil || *resp.MicrosPerOp <= 0 {
		return 0, fmt.Errorf("the %s driver's timing of %d %s calls has no positive us_per_op", r.name, n, op)
	}
	return time.Duration(*resp.MicrosPerOp * float64(time.Microsecond)), nil
}

// call sends one request and decodes the answer into resp, or returns the
// reference's error.
func (r *Ref) call(req *request, resp any) error {
	line, err := json.Marshal(req)
	if err != nil {
		return err
	}
	if line, err = r.roundTrip(line); err != nil {
		return err
	}
	var failed struct{ Error string }
	if err := json.Unmarshal(line, &failed); err != nil {
		return fmt.Errorf("the %s driver's answer %q: %v", r.name, line, err)
	}
	if failed.Error != "" {
		return fmt.Errorf("%s reference: %s", r.name, failed.Error)
	}
	if err := json.Unmarshal(line, resp); err != nil {
		return fmt.Errorf("the %s driver's answer %q: %v", r.name, line, err)
	}
	return nil
}

// roundTrip writes one request line and reads the answer line.
func (r *Ref) roundTrip(req []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.dead != nil {
		return nil, r.dead
	}
	if _, err := r.stdin.Write(append(req, '\n')); err != nil {
		r.dead = fmt.Errorf("writing to the %s driver: %v; its stderr:\n%s", r.name, err, r.stderr.bytes())
		return nil, r.dead
	}
	var line []byte
	select {
	case l, ok := <-r.lines:
		if !ok {
			r.dead = fmt.Errorf("the %s driver exited; its stderr:\n%s", r.name, r.stderr.bytes())
			return nil, r.dead
		}
		line = l
	case <-time.After(jobTimeout):
		_ = r.cmd.Process.Kill()
		r.dead = fmt.Errorf("the %s driver did not answer within %v; its stderr:\n%s", r.name, jobTimeout, r.stderr.bytes())
		return nil, r.dead
	}
	return line, nil
}

// request is a job on the wire.
type request struct {
	Op           string            `json:"op"`
	Provider     Provider          `json:"provider"`
	Table        string            `json:"table"`
	PartitionKey string            `json:"partition_key,omitempty"`
	SortKey      string            `json:"sort_key,omitempty"`
	Actions      requestActions    `json:"actions"`
	Items        []json.RawMessage `json:"items"`
	TimeOp       string            `json:"time_op,omitempty"`
	Repeat       int               `json:"repeat,omitempty"`
}

type requestActions struct {
	Default   string            `json:"default"`
	Overrides map[string]string `json:"overrides,omitempty"`
}

func (job Job) request(op string) (*request, error) {
	w := &request{Op: op, Provider: job.Provider, Table: job.Table, PartitionKey: job.PartitionKey, SortKey: job.SortKey}
	w.Actions.Default = job.Actions.Default.String()
	for name, act := range job.Actions.Overrides {
		if w.Actions.Overrides == nil {
			w.Actions.Overrides = map[string]string{}
		}
		w.Actions.Overrides[name] = act.String()
	}
	w.Items = make([]json.RawMessage, len(job.Items))
	for i, item := range job.Items {
		b, err := vectors.MarshalItem(item)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		w.Items[i] = b
	}
	return w, nil
}

// tail keeps the last few KB written to it: a driver's stderr, for messages.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

const tailSize = 16 << 10

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > tailSize {
		t.buf = append(t.buf[:0], t.buf[len(t.buf)-tailSize:]...)
	}
	return len(p), nil
}

func (t *tail) bytes() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Clone(t.buf)
}

// CheckItems fails the test unless got and want hold the same items in the
// same order, attribute values compared as the vectors do: set members in
// any order, numbers by value.
func CheckItems(t testing.TB, what string, got, want []Item) {
	t.Helper()
	canon := func(items []Item) []map[string]any {
		out := make([]map[string]any, len(items))
		for i, item := range items {
			out[i] = vectors.CanonicalItem(item)
		}
		return out
	}
	if diff := gocmp.Diff(canon(want), canon(got)); diff != "" {
		t.Errorf("%s: items differ (-want +got):\n%s", what, diff)
	}
}
