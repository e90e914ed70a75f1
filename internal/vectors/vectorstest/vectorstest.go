// Package vectorstest finds the public test vectors for the tests of the
// module. It is apart from package vectors, which the ddbcrypt CLI links,
// because it imports testing and testenv: only tests may import it.
package vectorstest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/internal/testenv"
)

// Dir returns the directory of the public test vectors for a test: the
// environment variable DDBCRYPT_VECTORS if set, else shared/vectors beside
// the repository. Without vectors the test is skipped, so that the module
// tests pass outside this workspace — except in CI (testenv.InCI), where
// missing vectors must not pass silently.
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
	dir = os.Getenv("DDBCRYPT_VECTORS")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			return "(repository root not found: " + err.Error() + ")", false
		}
		dir = filepath.Join(filepath.Dir(root), "shared", "vectors")
	}
	fi, err := os.Stat(dir)
	return dir, err == nil && fi.IsDir()
}

func missing(t testing.TB, dir string) {
	t.Helper()
	if testenv.InCI() {
		t.Fatalf("test vectors not found at %s; set DDBCRYPT_VECTORS", dir)
	}
	t.Skipf("test vectors not found at %s; set DDBCRYPT_VECTORS", dir)
}

// repoRoot walks up from the working directory (a package directory when
// under go test) to the directory holding go.mod.
func repoRoot() (string, error) {
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
