package main

import (
	"errors"
	"os/exec"
	"strings"
	"testing"
)

// testOnly are packages that must not be linked into the CLI: the testing
// package (it registers its -test.* flags and bloats the binary) and the
// module's test helpers, which import it.
var testOnly = []string{
	"testing",
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv",
	"github.com/ddbcrypt/ddbcrypt/internal/testing/reftest",
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors/vectorstest",
}

// TestNoTestingDeps keeps test-only packages out of the ddbcrypt binary.
func TestNoTestingDeps(t *testing.T) {
	gotool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("go tool not available: %v", err)
	}
	out, err := exec.CommandContext(t.Context(), gotool, "list", "-deps", ".").Output()
	if err != nil {
		var stderr []byte
		if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
			stderr = ee.Stderr
		}
		t.Fatalf("go list -deps: %v\n%s", err, stderr)
	}
	deps := make(map[string]bool)
	for _, p := range strings.Fields(string(out)) {
		deps[p] = true
	}
	if !deps["github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"] {
		t.Fatalf("go list -deps does not list internal/testing/vectors; is this the CLI package?\n%s", out)
	}
	for _, p := range testOnly {
		if deps[p] {
			t.Errorf("the ddbcrypt CLI depends on %s (find the importer with: go list -deps -f '{{.ImportPath}}: {{.Imports}}' ./cmd/ddbcrypt)", p)
		}
	}
}
