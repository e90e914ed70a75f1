package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
)

// checkOnePrefix fails the test unless stderr's first line is one message
// with one "ddbcrypt: " prefix and no package prefix repeated inside.
func checkOnePrefix(t *testing.T, stderr string) {
	t.Helper()
	first, _, _ := strings.Cut(stderr, "\n")
	if !strings.HasPrefix(first, "ddbcrypt: ") {
		t.Errorf("stderr does not start with one message: %q", stderr)
	}
	for _, p := range packagePrefixes {
		if n := strings.Count(first, ": "+p); n > 0 {
			t.Errorf("message repeats the prefix %q: %q", p, first)
		}
	}
	if strings.Count(first, "ddbcrypt: ") != 1 {
		t.Errorf("message holds %d prefixes: %q", strings.Count(first, "ddbcrypt: "), first)
	}
}

// writeTemp writes a file in a fresh directory and returns its path.
func writeTemp(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestExitStatus is the contract of the exit status: 0 success, 1 a
// command that ran and failed, 2 a wrong command line (with a pointer to
// the help). None of these needs a service.
func TestExitStatus(t *testing.T) {
	item := writeTemp(t, "item.json", `{"pk": {"S": "x"}}`)
	items := writeTemp(t, "items.json", `{"Items": [{"pk": {"S": "x"}}, {"pk": {"S": "y"}}], "Count": 2}`)
	missing := filepath.Join(t.TempDir(), "missing")
	for _, tc := range []struct {
		args []string
		exit int
		want string // in stdout for exitOK, else in stderr
	}{
		{[]string{"--version"}, exitOK, "ddbcrypt "},
		{[]string{"version"}, exitOK, "ddbcrypt "},
		{[]string{"--help"}, exitOK, "Usage:"},
		{[]string{}, exitOK, "Available Commands:"},
		{[]string{"metastore"}, exitOK, "Available Commands:"},
		{[]string{"table"}, exitOK, "Available Commands:"},
		{[]string{"help", "inspect"}, exitOK, "inspect [FILE]"},
		{[]string{"inspect", item}, exitOK, "not encrypted"},

		{[]string{"inspect", missing}, exitFailure, "no such file"},
		{[]string{"inspect", items}, exitFailure, "expected one item, found 2 items"},
		{[]string{"vectors", "decrypt", missing}, exitFailure, missing},

		{[]string{"--bogus"}, exitUsage, "unknown flag: --bogus"},
		{[]string{"bogus"}, exitUsage, `unknown command "bogus" for "ddbcrypt"`},
		{[]string{"metastore", "version"}, exitUsage, `unknown command "version" for "ddbcrypt metastore"; did you mean versions?`},
		{[]string{"vectors", "bogus"}, exitUsage, `unknown command "bogus" for "ddbcrypt vectors"`},
		{[]string{"help", "bogus"}, exitUsage, `unknown command "bogus"`},
		{[]string{"vectors", "decrypt"}, exitUsage, "accepts 1 arg(s), received 0"},
		{[]string{"vectors", "encrypt", "x"}, exitUsage, "accepts 2 arg(s), received 1"},
		{[]string{"inspect", "a", "b"}, exitUsage, "accepts at most 1 arg(s)"},
		{[]string{"version", "x"}, exitUsage, `unknown command "x"`},
		{[]string{"--progress", "sometimes", "version"}, exitUsage, "must be auto, plain, on or off"},
		{[]string{"metastore", "create-table", "t", "--read-capacity", "x"}, exitUsage, `invalid argument "x"`},
		{[]string{"metastore", "create-table", "t", "--read-capacity", "1"}, exitUsage, "go together"},
		{[]string{"metastore", "versions", "t"}, exitUsage, "need an inner provider"},
		{[]string{"table", "verify", "--config", "c.json"}, exitUsage, `required flag(s) "table" not set`},
		{[]string{"table", "reencrypt", "--table", "t", "--from", "c.json"}, exitUsage, `required flag(s) "to" not set`},
		{[]string{"metastore", "versions", "t", "--kms-key-id", "k", "--signing-key-file", "f"}, exitUsage, "not both"},
		{[]string{"metastore", "new-version", "t", "a#b", "--kms-key-id", "k"}, exitUsage, "must not be empty nor contain '#'"},
	} {
		code, stdout, stderr := runCmd(t, tc.args...)
		if code != tc.exit {
			t.Errorf("%q: exit %d, want %d; stderr %q", tc.args, code, tc.exit, stderr)
			continue
		}
		if tc.exit == exitOK {
			if stderr != "" || !strings.Contains(stdout, tc.want) {
				t.Errorf("%q: stdout %q, stderr %q; want %q in stdout", tc.args, stdout, stderr, tc.want)
			}
			continue
		}
		if !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: stderr %q, want %q", tc.args, stderr, tc.want)
		}
		checkOnePrefix(t, stderr)
		if tc.args[0] == "help" && !strings.HasSuffix(stderr, "Run 'ddbcrypt --help' for usage.\n") {
			t.Errorf("%q: stderr %q does not point to ddbcrypt --help", tc.args, stderr)
		}
		hasUsage := strings.HasSuffix(stderr, " --help' for usage.\n")
		if hasUsage != (tc.exit == exitUsage) {
			t.Errorf("%q: stderr %q: a usage error, and only one, ends with a pointer to --help", tc.args, stderr)
		}
	}
}

// buildBinary builds the ddbcrypt binary into a temporary directory and
// returns its path; the test skips without the go tool.
func buildBinary(t *testing.T) string {
	t.Helper()
	return startBuild(t)()
}

// startBuild starts building the binary as buildBinary does and returns
// the wait for its path, so that a test can prepare meanwhile. The binary
// is built without -race, whatever the test binary's flags, so that it
// runs at full speed.
func startBuild(t *testing.T) (wait func() string) {
	t.Helper()
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go tool not available: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "ddbcrypt")
	// -buildvcs=auto records the commit when built in a checkout, whatever
	// GOFLAGS says.
	build := exec.CommandContext(t.Context(), gotool, "build", "-buildvcs=auto", "-o", bin, ".")
	var out bytes.Buffer
	build.Stdout, build.Stderr = &out, &out
	if err := build.Start(); err != nil {
		t.Fatalf("go build: %v", err)
	}
	done := sync.OnceValue(build.Wait)
	t.Cleanup(func() { done() }) // reap it when the test ends first
	return func() string {
		t.Helper()
		if err := done(); err != nil {
			t.Fatalf("go build: %v\n%s", err, out.Bytes())
		}
		return bin
	}
}

// TestBinaryExitStatus builds the binary and checks its exit statuses and
// --version as a shell sees them.
func TestBinaryExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	item := writeTemp(t, "item.json", `{"pk": {"S": "x"}}`)
	for _, tc := range []struct {
		args []string
		exit int
	}{
		{[]string{"inspect", item}, exitOK},
		{[]string{"inspect", item + ".none"}, exitFailure},
		{[]string{"--bogus"}, exitUsage},
		{[]string{"vectors", "decrypt"}, exitUsage},
	} {
		cmd := exec.CommandContext(t.Context(), bin, tc.args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		code := 0
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.exit {
			t.Errorf("ddbcrypt %q: exit %d, want %d; stderr %q", tc.args, code, tc.exit, stderr.String())
		}
		if code != exitOK {
			checkOnePrefix(t, stderr.String())
		}
	}

	out, err := exec.CommandContext(t.Context(), bin, "--version").Output()
	if err != nil {
		t.Fatalf("--version: %v", err)
	}
	got := strings.TrimSpace(string(out))
	if !strings.HasPrefix(got, "ddbcrypt ") || !strings.Contains(got, "(go1.") {
		t.Errorf("--version %q", got)
	}
	// Built in a git clone, the binary records the commit (not in a git
	// worktree, which the go tool does not recognize), and the version
	// names it.
	info, err := exec.CommandContext(t.Context(), "go", "version", "-m", bin).Output()
	if err != nil {
		t.Fatalf("go version -m: %v", err)
	}
	if _, rev, ok := strings.Cut(string(info), "vcs.revision="); ok && len(rev) >= 12 {
		if !strings.Contains(got, rev[:12]) {
			t.Errorf("--version %q does not name the commit %.12s", got, rev)
		}
	} else {
		t.Logf("the binary records no commit; --version %q", got)
	}
}

func TestVersionOf(t *testing.T) {
	for _, tc := range []struct {
		info *debug.BuildInfo
		want string
	}{
		{nil, "(unknown: the binary has no build information)"},
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0 (go1.26.0)"},
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}}, "(devel) (go1.26.0)"},
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
			{Key: "vcs", Value: "git"},
			{Key: "vcs.revision", Value: "3ae6490a12acbf60159479b9ba4377f957157d70"},
			{Key: "vcs.modified", Value: "true"},
		}}, "(devel) commit 3ae6490a12ac, modified (go1.26.0)"},
		{&debug.BuildInfo{Main: debug.Module{}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "3ae6490a12acbf60159479b9ba4377f957157d70"},
			{Key: "vcs.modified", Value: "false"},
		}}, "(devel) commit 3ae6490a12ac"},
		// Built in a clone, the version is a pseudo-version naming the commit.
		{&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.0.0-20261205112230-3ae6490a12ac+dirty"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "3ae6490a12acbf60159479b9ba4377f957157d70"},
			{Key: "vcs.modified", Value: "true"},
		}}, "v0.0.0-20261205112230-3ae6490a12ac+dirty (go1.26.0)"},
	} {
		if got := versionOf(tc.info); got != tc.want {
			t.Errorf("versionOf(%+v) = %q, want %q", tc.info, got, tc.want)
		}
	}
}

// TestMessage: the package prefixes of wrapped errors go, quoted text
// stays.
func TestMessage(t *testing.T) {
	for in, want := range map[string]string{
		"ddbcrypt: key service call failed: DynamoDB Scan on table t: operation error DynamoDB: Scan":                  "key service call failed: DynamoDB Scan on table t: operation error DynamoDB: Scan",
		`list material "orders" version 0: ddbcrypt: item failed its integrity check`:                                  `list material "orders" version 0: item failed its integrity check`,
		`create material "m" version 1: cmp: AWS KMS GenerateDataKey with key k: ddbcrypt: key service call failed: x`: `create material "m" version 1: AWS KMS GenerateDataKey with key k: key service call failed: x`,
		`material "a: ddbcrypt: b\" cmp: c": ddbcrypt: not found`:                                                      `material "a: ddbcrypt: b\" cmp: c": not found`,
		"vectors: cmp: ddbcrypt: invalid configuration":                                                                "invalid configuration",
		"open x: no such file or directory":                                                                            "open x: no such file or directory",
		"a mapper: not a prefix":                                                                                       "a mapper: not a prefix",
	} {
		if got := message(errors.New(in)); got != want {
			t.Errorf("message(%q)\n = %q\nwant %q", in, got, want)
		}
	}
	err := withHint(&runError{fmt.Errorf("x: %w", errors.New("ddbcrypt: y"))}, "do z")
	var stderr bytes.Buffer
	if code := report(&stderr, nil, err); code != exitFailure || stderr.String() != "ddbcrypt: x: y\nhint: do z\n" {
		t.Errorf("report: exit %d, %q", code, stderr.String())
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "0 rows", 1: "1 row", 2: "2 rows"} {
		if got := plural(n, "row", "rows"); got != want {
			t.Errorf("plural(%d) = %q", n, got)
		}
	}
}
