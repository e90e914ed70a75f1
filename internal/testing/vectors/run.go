package vectors

// Running scenarios: decrypting a vector set and writing a new one.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/aws/aws-sdk-go-v2/aws"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// Runner runs vector sets. The zero value runs every offline scenario whose
// provider is in DefaultProviders.
type Runner struct {
	// Providers builds providers by scenario provider name; nil means
	// DefaultProviders().
	Providers map[string]ProviderBuilder
	// Network lets scenarios marked "network": true run; their builders must
	// then reach the AWS KMS key they name.
	Network bool
	// Options are given to every item encryptor.
	Options []crypto.Option
	// AWS configures the clients of builders that need AWS services (KMS, a
	// DynamoDB table for a MetaStore); nil means none are reachable.
	AWS *aws.Config
}

// Result is the outcome of one scenario.
type Result struct {
	Name     string // base name of the ciphertext file
	Provider string
	Version  string

	Skipped    bool
	SkipReason string

	Passed    int // items that decrypted to their plaintext
	Failed    int // items that did not; a scenario that could not run counts 1
	Unmatched int // ciphertext items with no plaintext counterpart, not run
	Failures  []Failure
}

// Failure says why one item (or a whole scenario, with no Table) failed.
type Failure struct {
	Table  string
	Key    string // e.g. "hashKey=5 rangeKey=7"
	Reason string
	Err    error // the encryptor's error, if that was the cause
}

func (f Failure) String() string {
	if f.Table == "" {
		return f.Reason
	}
	return f.Table + " " + f.Key + ": " + f.Reason
}

func (res *Result) fail(table, key string, err error, format string, args ...any) {
	res.Failed++
	res.Failures = append(res.Failures, Failure{Table: table, Key: key, Reason: fmt.Sprintf(format, args...), Err: err})
}

// Report is the outcome of a decrypt run, one Result per scenario in the
// order of scenarios.json.
type Report struct {
	Dir     string
	Results []Result
}

// Passed counts the items that passed in all scenarios.
func (r *Report) Passed() int {
	n := 0
	for _, res := range r.Results {
		n += res.Passed
	}
	return n
}

// Failed counts the items that failed in all scenarios.
func (r *Report) Failed() int {
	n := 0
	for _, res := range r.Results {
		n += res.Failed
	}
	return n
}

// Result returns the result of the scenario with the given name, or nil.
func (r *Report) Result(name string) *Result {
	for i := range r.Results {
		if r.Results[i].Name == name {
			return &r.Results[i]
		}
	}
	return nil
}

// Decrypt runs every scenario of the vector set in dir with a zero Runner.
func Decrypt(ctx context.Context, dir string) (*Report, error) {
	return (&Runner{}).Decrypt(ctx, dir)
}

// Encrypt writes a new vector set from dir to out with a zero Runner.
func Encrypt(ctx context.Context, dir, out string) (*EncryptReport, error) {
	return (&Runner{}).Encrypt(ctx, dir, out)
}

// Decrypt runs every scenario of the vector set in dir. The error is only
// for a set that cannot be loaded; scenario and item failures are in the
// report.
func (r *Runner) Decrypt(ctx context.Context, dir string) (*Report, error) {
	set, err := Load(dir)
	if err != nil {
		return nil, err
	}
	rep := &Report{Dir: set.Dir}
	for _, sc := range set.Scenarios {
		rep.Results = append(rep.Results, r.decryptScenario(ctx, set, sc))
	}
	return rep, nil
}

// skipReason says why a scenario cannot run here, or "".
func (r *Runner) skipReason(sc *Scenario) string {
	if sc.Network && !r.Network {
		return "network key: needs AWS KMS (" + sc.Provider + " provider)"
	}
	return ""
}

// provider builds a scenario's provider; a skip reason is returned for an
// unsupported one.
func (r *Runner) provider(set *Set, sc *Scenario, p Purpose) providerOrSkip {
	if reason := r.skipReason(sc); reason != "" {
		return providerOrSkip{skip: reason}
	}
	pr, err := r.BuildProvider(set, ProviderSpec{Provider: sc.Provider, Keys: sc.Keys, Purpose: p, Scenario: sc})
	switch {
	case errors.Is(err, ErrUnsupported):
		return providerOrSkip{skip: err.Error()}
	case err != nil:
		return providerOrSkip{err: err}
	}
	return providerOrSkip{enc: crypto.NewEncryptor(pr, r.Options...), provider: pr}
}

type providerOrSkip struct {
	enc      *crypto.Encryptor
	provider cmp.Provider // released after the scenario (mostrecent.go)
	skip     string
	err      error
}

func (r *Runner) decryptScenario(ctx context.Context, set *Set, sc *Scenario) Result {
	res := Result{Name: sc.Name(), Provider: sc.Provider, Version: sc.Version}
	p := r.provider(set, sc, ForDecrypt)
	if p.skip != "" {
		res.Skipped, res.SkipReason = true, p.skip
		return res
	}
	if p.err != nil {
		res.fail("", "", p.err, "building the provider: %v", p.err)
		return res
	}
	defer p.release()
	tables, err := readTables(sc.Ciphertext)
	if err != nil {
		res.fail("", "", err, "%v", err)
		return res
	}
	for _, table := range sortedKeys(tables) {
		items := tables[table]
		if _, ok := sc.plaintext.Tables[table]; !ok {
			res.Unmatched += len(items)
			continue
		}
		cases, err := sc.plaintext.Expand(table, sc.Version)
		if err != nil {
			res.fail(table, "", err, "%v", err)
			continue
		}
		for _, item := range items {
			c := matchCase(cases, item)
			if c == nil {
				res.Unmatched++
				continue
			}
			got, err := p.enc.DecryptItem(ctx, item, c.Actions, c.Context)
			if err != nil {
				res.fail(table, c.Key(), err, "decrypt: %v", err)
				continue
			}
			if diff := compareItems(c.Item, got); diff != "" {
				res.fail(table, c.Key(), nil, "%s", diff)
				continue
			}
			res.Passed++
		}
	}
	return res
}

// readTables reads a ciphertext file: table name → stored items.
func readTables(path string) (map[string][]map[string]types.AttributeValue, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var raw map[string][]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Base(path), err)
	}
	tables := make(map[string][]map[string]types.AttributeValue, len(raw))
	for table, list := range raw {
		for i, r := range list {
			item, err := UnmarshalItem(r)
			if err != nil {
				return nil, fmt.Errorf("%s: table %s item %d: %w", filepath.Base(path), table, i, err)
			}
			tables[table] = append(tables[table], item)
		}
	}
	return tables, nil
}

// matchCase finds the plaintext case with the same primary key values.
func matchCase(cases []Case, item map[string]types.AttributeValue) *Case {
	for i := range cases {
		c := &cases[i]
		if keyEqual(c.Item, item, c.Context.PartitionKeyName) && keyEqual(c.Item, item, c.Context.SortKeyName) {
			return c
		}
	}
	return nil
}

func keyEqual(a, b map[string]types.AttributeValue, name string) bool {
	if name == "" {
		return true
	}
	av, ok1 := a[name]
	bv, ok2 := b[name]
	return ok1 && ok2 && Equal(av, bv)
}

// versionAttribute is not compared: the Java mapper increments it on save,
// so Java ciphertexts hold 1 where the plaintext says 0 (docs/format.md 9.6).
const versionAttribute = "version"

// compareItems returns "" if got holds the attributes of want with equal
// values, else what differs.
func compareItems(want, got map[string]types.AttributeValue) string {
	var problems []string
	for _, name := range sortedKeys(want) {
		g, ok := got[name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("attribute %q missing", name))
		case name == versionAttribute:
		case !Equal(want[name], g):
			problems = append(problems, fmt.Sprintf("attribute %q = %s, want %s", name, describe(Canonical(g)), describe(Canonical(want[name]))))
		}
	}
	for _, name := range sortedKeys(got) {
		if _, ok := want[name]; !ok {
			problems = append(problems, fmt.Sprintf("unexpected attribute %q", name))
		}
	}
	return strings.Join(problems, "; ")
}

// EncryptReport says what an encrypt run wrote.
type EncryptReport struct {
	Out     string    // the output directory
	Written []Written // ciphertext files, in scenario order
	Rows    []Written // MetaStore rows of most_recent scenarios; Items counts rows
	Copied  []string  // keys and plaintext files copied, relative to Out
	Skipped []Result  // scenarios left out, with the reason
}

// Written is one ciphertext file of an encrypt run.
type Written struct {
	Scenario string // base name of the original ciphertext file
	Provider string
	Version  string
	Path     string // relative to Out, slash-separated
	Items    int
}

// goCiphertextDir is where an encrypt run puts its ciphertext files, beside
// the java/ and python/ directories of the reference vectors.
const goCiphertextDir = "ciphertext/go"

// Encrypt encrypts every plaintext item of every scenario it can run, with
// that scenario's provider, keys and actions, and writes a vector set in the
// same layout to out: scenarios.json listing only those scenarios (their
// ciphertext pointing at ciphertext/go/<original base name>), the keys and
// plaintext files, and the ciphertext files. Any failure is an error: a
// partial vector set would be misleading.
func (r *Runner) Encrypt(ctx context.Context, dir, out string) (*EncryptReport, error) {
	set, err := Load(dir)
	if err != nil {
		return nil, err
	}
	absOut, err := filepath.Abs(out)
	if err != nil {
		return nil, err
	}
	if absOut == set.Dir {
		return nil, fmt.Errorf("vectors: the output directory is the input directory %s", set.Dir)
	}
	rep := &EncryptReport{Out: absOut}
	if err := os.MkdirAll(filepath.Join(absOut, filepath.FromSlash(goCiphertextDir)), 0o755); err != nil {
		return nil, err
	}

	var scenarios []any
	used := map[string]bool{}
	var held []providerOrSkip
	defer func() {
		for _, p := range held {
			p.release()
		}
	}()
	for _, sc := range set.Scenarios {
		p := r.provider(set, sc, ForEncrypt)
		held = append(held, p)
		if p.skip == "" && p.err == nil && sc.MetaStore != nil && !p.writesMetaStore() {
			p.skip = "encrypt run does not write MetaStore rows for this provider"
		}
		if p.skip != "" {
			rep.Skipped = append(rep.Skipped, Result{Name: sc.Name(), Provider: sc.Provider, Version: sc.Version, Skipped: true, SkipReason: p.skip})
			continue
		}
		if p.err != nil {
			return nil, fmt.Errorf("vectors: %s: building the provider: %w", sc.Name(), p.err)
		}
		tables := map[string][]any{}
		n := 0
		for _, table := range sortedKeys(sc.plaintext.Tables) {
			cases, err := sc.plaintext.Expand(table, sc.Version)
			if err != nil {
				return nil, fmt.Errorf("vectors: %s: %w", sc.Name(), err)
			}
			for _, c := range cases {
				ct, err := p.enc.EncryptItem(ctx, c.Item, c.Actions, c.Context)
				if err != nil {
					return nil, fmt.Errorf("vectors: %s: %s %s: %w", sc.Name(), table, c.Key(), err)
				}
				j, err := jsonItem(ct)
				if err != nil {
					return nil, fmt.Errorf("vectors: %s: %s %s: %w", sc.Name(), table, c.Key(), err)
				}
				tables[table] = append(tables[table], j)
				n++
			}
		}
		rel := goCiphertextDir + "/" + uniqueName(sc, used)
		if err := writeJSON(filepath.Join(absOut, filepath.FromSlash(rel)), tables); err != nil {
			return nil, err
		}
		rep.Written = append(rep.Written, Written{Scenario: sc.Name(), Provider: sc.Provider, Version: sc.Version, Path: rel, Items: n})

		raw := make(map[string]json.RawMessage, len(sc.Raw))
		for k, v := range sc.Raw {
			raw[k] = v
		}
		uri, _ := json.Marshal("file://" + rel)
		raw["ciphertext"] = uri
		if sc.MetaStore != nil {
			rows, n, err := p.writeMetaStore(ctx, absOut, used, raw)
			if err != nil {
				return nil, fmt.Errorf("vectors: %s: %w", sc.Name(), err)
			}
			rep.Rows = append(rep.Rows, Written{Scenario: sc.Name(), Provider: sc.MetaStore.Provider, Version: sc.Version, Path: rows, Items: n})
		}
		scenarios = append(scenarios, raw)
	}

	// Copy the shared files to the same relative places, so that the URIs in
	// scenarios.json stay valid.
	copied := map[string]bool{}
	for _, path := range append([]string{set.keysPath, set.plaintextPath}, set.scenarioPlaintexts()...) {
		if path == "" || copied[path] {
			continue
		}
		copied[path] = true
		rel, err := filepath.Rel(set.Dir, path)
		if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return nil, fmt.Errorf("vectors: %s lies outside %s and cannot be copied", path, set.Dir)
		}
		if err := copyFile(path, filepath.Join(absOut, rel)); err != nil {
			return nil, err
		}
		rep.Copied = append(rep.Copied, filepath.ToSlash(rel))
	}

	top := make(map[string]any, len(set.raw))
	for k, v := range set.raw {
		top[k] = v
	}
	if scenarios == nil {
		scenarios = []any{}
	}
	top["scenarios"] = scenarios
	if err := writeJSON(filepath.Join(absOut, "scenarios.json"), top); err != nil {
		return nil, err
	}
	return rep, nil
}

// scenarioPlaintexts lists the plaintext files of all scenarios, sorted.
func (set *Set) scenarioPlaintexts() []string {
	var paths []string
	for _, sc := range set.Scenarios {
		paths = append(paths, sc.Plaintext)
	}
	sort.Strings(paths)
	return paths
}

// uniqueName returns the output base name for a scenario: its original base
// name, or, if another scenario already took it (java/x.json and
// python/x.json), one prefixed with the original's directory name.
func uniqueName(sc *Scenario, used map[string]bool) string {
	name := sc.Name()
	if used[name] {
		name = filepath.Base(filepath.Dir(sc.Ciphertext)) + "-" + name
		for i := 2; used[name]; i++ {
			name = fmt.Sprintf("%d-%s", i, sc.Name())
		}
	}
	used[name] = true
	return name
}

// writeJSON writes v indented with sorted keys, as the vector files are.
func writeJSON(path string, v any) error {
	data, err := marshalJSON(v, "    ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

func copyFile(from, to string) error {
	data, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	return os.WriteFile(to, data, 0o644)
}
