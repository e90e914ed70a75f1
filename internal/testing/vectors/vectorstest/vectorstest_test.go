package vectorstest

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// outcomeTB records how Dir ended a test instead of ending it. It does not
// stop the caller as a testing.TB would, so only the first outcome counts.
type outcomeTB struct {
	testing.TB
	outcome string
}

func (o *outcomeTB) end(outcome string) {
	if o.outcome == "" {
		o.outcome = outcome
	}
}

func (o *outcomeTB) Helper()               {}
func (o *outcomeTB) Fatalf(string, ...any) { o.end("fatal") }
func (o *outcomeTB) Skipf(string, ...any)  { o.end("skip") }

func dirOutcome(t *testing.T, vectors, ci string) (string, string) {
	t.Helper()
	t.Setenv(Env, vectors)
	t.Setenv("CI", ci)
	tb := &outcomeTB{}
	dir := Dir(tb)
	return dir, tb.outcome
}

func TestDir(t *testing.T) {
	present := t.TempDir()
	absent := filepath.Join(present, "absent")
	for _, tc := range []struct {
		name, vectors, ci, outcome string
	}{
		{"present", present, "", ""},
		{"present in CI", present, "true", ""},
		{"absent", absent, "", "skip"},
		{"absent in CI", absent, "true", "fatal"},
	} {
		dir, outcome := dirOutcome(t, tc.vectors, tc.ci)
		if dir != tc.vectors || outcome != tc.outcome {
			t.Errorf("%s: Dir = %q, ended %q; want %q, ended %q", tc.name, dir, outcome, tc.vectors, tc.outcome)
		}
	}
}

// TestFindInModule checks that without DDBCRYPT_VECTORS the vectors are
// the module's own copy, and that they are there.
func TestFindInModule(t *testing.T) {
	t.Setenv(Env, "")
	dir, ok := Find()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(mod, []byte("module github.com/ddbcrypt/ddbcrypt\n")) {
		t.Errorf("module root %s is not this module's", root)
	}
	if want := filepath.Join(root, "testdata", "vectors"); dir != want || !ok {
		t.Errorf("Find = %q, %v; want %q, true", dir, ok, want)
	}
	if _, err := os.Stat(filepath.Join(dir, "encrypted_item", "scenarios.json")); err != nil {
		t.Errorf("the module's vectors are incomplete: %v", err)
	}
}

// TestFindFromElsewhere checks that the module root does not depend on the
// working directory.
func TestFindFromElsewhere(t *testing.T) {
	if _, file, _, _ := runtime.Caller(0); !filepath.IsAbs(file) {
		t.Skip("built with -trimpath: the module root is found from the working directory")
	}
	t.Setenv(Env, "")
	want, _ := Find()
	t.Chdir(t.TempDir())
	if got, ok := Find(); got != want || !ok {
		t.Errorf("Find from another directory = %q, %v; want %q, true", got, ok, want)
	}
}
