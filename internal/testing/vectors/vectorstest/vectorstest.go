// Package vectorstest finds the public test vectors for the tests of the
// module. It is apart from package vectors, which the ddbcrypt CLI links,
// because it imports testing and testenv: only tests may import it.
package vectorstest

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// Env is the environment variable that points the tests at another copy of
// the vectors.
const Env = "DDBCRYPT_VECTORS"

// Dir returns the directory of the public test vectors for a test: the
// environment variable DDBCRYPT_VECTORS if set, else testdata/vectors in
// the module, which ships them. If they are not there the test is skipped
// (a copy of the module without its testdata, say), except in CI
// (testenv.InCI), where missing vectors must not pass silently.
func Dir(t testing.TB) string {
	t.Helper()
	dir, ok := Find()
	if !ok {
		missing(t, dir)
	}
	return dir
}

// Find returns where the test vectors are looked for, and whether they are
// there. Fuzz targets use it to seed their corpora when they can.
func Find() (dir string, ok bool) {
	dir = os.Getenv(Env)
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			return "(module root not found: " + err.Error() + ")", false
		}
		dir = filepath.Join(root, "testdata", "vectors")
	}
	fi, err := os.Stat(dir)
	return dir, err == nil && fi.IsDir()
}

func missing(t testing.TB, dir string) {
	t.Helper()
	if testenv.InCI() {
		t.Fatalf("test vectors not found at %s; set %s", dir, Env)
	}
	t.Skipf("test vectors not found at %s; set %s", dir, Env)
}

// moduleRoot returns the directory holding the module's go.mod: four
// levels above this source file, or — when the source path is not on disk
// (a -trimpath build) — the first directory with a go.mod above the working
// directory, which under go test is a package directory of the module.
func moduleRoot() (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		root := filepath.Join(filepath.Dir(file), "..", "..", "..", "..")
		if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
			return filepath.Clean(root), nil
		}
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
