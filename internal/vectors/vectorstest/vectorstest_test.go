package vectorstest

import (
	"path/filepath"
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
	t.Setenv("DDBCRYPT_VECTORS", vectors)
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

func TestFindBesideRepository(t *testing.T) {
	t.Setenv("DDBCRYPT_VECTORS", "")
	dir, _ := Find()
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(root), "shared", "vectors"); dir != want {
		t.Errorf("Find = %q, want %q", dir, want)
	}
}
