package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors/vectorstest"
)

func runCmd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// mostRecentItems is the number of items of the offline most_recent
// scenarios: they run (2 × 16 items) when a local DynamoDB is configured for
// their MetaStore tables, and are skipped otherwise.
func mostRecentItems() int {
	if os.Getenv("AWS_ENDPOINT_URL_DYNAMODB") != "" {
		return 32
	}
	return 0
}

// mostRecentLine is the report line of metastore-data-tables-1.json.
func mostRecentLine() string {
	if mostRecentItems() > 0 {
		return "PASS metastore-data-tables-1.json (most_recent, v1): 16 items\n"
	}
	return "SKIP metastore-data-tables-1.json: most_recent: the MetaStore needs a DynamoDB table"
}

func TestVectorsDecrypt(t *testing.T) {
	code, out, errOut := runCmd(t, "vectors", "decrypt", vectorstest.Dir(t))
	if code != exitOK || errOut != "" {
		t.Fatalf("exit %d, stderr %q, stdout:\n%s", code, errOut, out)
	}
	if got, want := lastLine(out), fmt.Sprintf("%d passed, 0 failed", 112+mostRecentItems()); got != want {
		t.Errorf("last line %q, want %q", got, want)
	}
	for _, want := range []string{
		"PASS static-aes-hmac-1.json (static, v0): 16 items\n",
		"PASS wrapped-rsa-rsa-1.json (wrapped, v0): 16 items\n",
		"SKIP aws-kms-direct-1.json: network key",
		mostRecentLine(),
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestVectorsDecryptFails checks the exit status and report of a failing
// run: one tampered signature fails one item.
func TestVectorsDecryptFails(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(vectorstest.Dir(t), "encrypted_item"))); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ciphertext", "java", "static-aes-hmac-2.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// Every item's signature is a base64 B value; change the first one's
	// first character.
	const marker = `"*amzn-ddb-map-sig*": {`
	i := bytes.Index(data, []byte(marker))
	if i < 0 {
		t.Fatal("no signature found")
	}
	j := bytes.Index(data[i:], []byte(`"B": "`))
	if j < 0 {
		t.Fatal("no signature value found")
	}
	k := i + j + len(`"B": "`)
	if data[k] == 'A' {
		data[k] = 'B'
	} else {
		data[k] = 'A'
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}

	code, out, _ := runCmd(t, "vectors", "decrypt", dir)
	if code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	if got, want := lastLine(out), fmt.Sprintf("%d passed, 1 failed", 111+mostRecentItems()); got != want {
		t.Errorf("last line %q, want %q:\n%s", got, want, out)
	}
	if !strings.Contains(out, "FAIL static-aes-hmac-2.json (static, v0): 1 of 16 failed\n    ") {
		t.Errorf("no FAIL line with a reason:\n%s", out)
	}
}

func TestVectorsEncrypt(t *testing.T) {
	out := filepath.Join(t.TempDir(), "out")
	code, stdout, errOut := runCmd(t, "vectors", "encrypt", vectorstest.Dir(t), out)
	if code != exitOK {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if !strings.Contains(stdout, "wrote ciphertext/go/static-aes-hmac-1.json (static, v0): 16 items\n") {
		t.Errorf("output:\n%s", stdout)
	}
	code, stdout, _ = runCmd(t, "vectors", "decrypt", out)
	if code != exitOK || lastLine(stdout) != fmt.Sprintf("%d passed, 0 failed", 112+mostRecentItems()) {
		t.Errorf("decrypting our vectors: exit %d:\n%s", code, stdout)
	}
}

// TestVectorsProgress: with --progress on, a run shows its scenarios on
// stderr and erases the bar; the report is the same.
func TestVectorsProgress(t *testing.T) {
	dir := vectorstest.Dir(t)
	code, quiet, errOut := runCmd(t, "vectors", "decrypt", "--progress", "on", dir)
	if code != exitOK || errOut != "" {
		t.Fatalf("a run quicker than the delay: exit %d, stderr %q", code, errOut)
	}
	quickProgress(t)
	code, out, errOut := runCmd(t, "vectors", "decrypt", "--progress", "on", dir)
	if code != exitOK || out != quiet {
		t.Fatalf("exit %d, stdout:\n%s\nwant:\n%s", code, out, quiet)
	}
	// The bar names the scenarios as they run and counts them (once the
	// runner has loaded them, which may come after the first draw here).
	if !regexp.MustCompile(`vectors decrypt: [a-z-]+-\d\.json +\d+% \|.*\| \(\d+/\d+\)`).MatchString(errOut) || !strings.HasSuffix(errOut, "\r") {
		t.Errorf("stderr %q", errOut)
	}
	if code, _, errOut := runCmd(t, "vectors", "decrypt", "--progress", "off", dir); code != exitOK || errOut != "" {
		t.Errorf("--progress off: exit %d, stderr %q", code, errOut)
	}
}
