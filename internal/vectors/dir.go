package vectors

import (
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the directory of the public test vectors for a test: the
// environment variable DDBCRYPT_VECTORS if set, else shared/vectors beside
// the repository. Without vectors the test is skipped, so that the module
// tests pass outside this workspace — except in CI (CI=true), where missing
// vectors must not pass silently.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("DDBCRYPT_VECTORS")
	if dir == "" {
		root, err := repoRoot()
		if err != nil {
			missing(t, "(repository root not found: "+err.Error()+")")
			return ""
		}
		dir = filepath.Join(filepath.Dir(root), "shared", "vectors")
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		missing(t, dir)
	}
	return dir
}

func missing(t testing.TB, dir string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
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
