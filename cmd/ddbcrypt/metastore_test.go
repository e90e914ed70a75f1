package main

import (
	"context"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// metastoreTable returns a fresh table name that is deleted when the test
// ends (the commands create it).
func metastoreTable(t *testing.T) string {
	t.Helper()
	db := testenv.DynamoDB(t)
	name := testenv.TableName(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(name)})
		var nf *types.ResourceNotFoundException
		if err != nil && !errors.As(err, &nf) {
			t.Errorf("DeleteTable %s: %v", name, err)
		}
	})
	return name
}

// keyFile writes n random bytes to a file and returns its path and bytes.
func keyFile(t *testing.T, name string, n int) (string, []byte) {
	t.Helper()
	b := make([]byte, n)
	rand.Read(b)
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path, b
}

var versionLine = regexp.MustCompile(`^(\S+)\s+(\d+)\s+(\S+)$`)

func TestMetastoreCommands(t *testing.T) {
	table := metastoreTable(t)
	wrap, wrapBytes := keyFile(t, "wrap.key", 32)
	sign, signBytes := keyFile(t, "sign.key", 32)
	keys := []string{"--wrapping-key-file", wrap, "--signing-key-file", sign}

	code, out, errOut := runCmd(t, "metastore", "create-table", table)
	if code != exitOK || out != "created MetaStore table "+table+" (on demand)\n" {
		t.Fatalf("create-table: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, _, errOut = runCmd(t, "metastore", "create-table", table)
	if code != exitFailure || !strings.Contains(errOut, "ResourceInUse") {
		t.Errorf("create-table of an existing table: exit %d, stderr %q", code, errOut)
	}

	for i, material := range []string{"orders", "orders", "payments", "orders"} {
		code, out, errOut := runCmd(t, append([]string{"metastore", "new-version", table, material}, keys...)...)
		want := map[int]string{0: "0", 1: "1", 2: "0", 3: "2"}[i]
		if code != exitOK || out != "created version "+want+" of "+material+" in "+table+"\n" {
			t.Fatalf("new-version %s: exit %d, stdout %q, stderr %q", material, code, out, errOut)
		}
	}

	code, out, errOut = runCmd(t, append([]string{"metastore", "versions", table}, keys...)...)
	if code != exitOK {
		t.Fatalf("versions: exit %d, stderr %q", code, errOut)
	}
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "MATERIAL") {
		t.Fatalf("versions output:\n%s", out)
	}
	var got []string
	for _, l := range lines[1:] {
		m := versionLine.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %q", l)
		}
		if created, err := time.Parse(time.RFC3339, m[3]); err != nil || time.Since(created) > time.Hour {
			t.Errorf("line %q: creation time %v", l, err)
		}
		got = append(got, m[1]+"#"+m[2])
	}
	if strings.Join(got, " ") != "orders#0 orders#1 orders#2 payments#0" {
		t.Errorf("versions %v", got)
	}
	for _, secret := range [][]byte{wrapBytes, signBytes} {
		if strings.Contains(out, string(secret)) {
			t.Error("the output holds key material")
		}
	}

	// With progress, the rows are counted on stderr; stdout is the same.
	quickProgress(t)
	code, withProgress, errOut := runCmd(t, append([]string{"metastore", "versions", table, "--progress", "on"}, keys...)...)
	if code != exitOK || withProgress != out || !strings.Contains(errOut, "verifying the rows of "+table) {
		t.Errorf("versions --progress on: exit %d, stdout %q, stderr %q", code, withProgress, errOut)
	}

	// Other keys do not open the rows, and the message says which to check.
	wrong, _ := keyFile(t, "other.key", 32)
	code, _, errOut = runCmd(t, "metastore", "versions", table, "--wrapping-key-file", wrong, "--signing-key-file", sign)
	if code != exitFailure || !strings.Contains(errOut, "integrity") ||
		!strings.Contains(errOut, "\nhint: ") || !strings.Contains(errOut, "--signing-key-file") {
		t.Errorf("versions with another key: exit %d, stderr %q", code, errOut)
	}
	checkOnePrefix(t, errOut)

	// A table that is not there.
	code, _, errOut = runCmd(t, append([]string{"metastore", "versions", table + "-none"}, keys...)...)
	if code != exitFailure || !strings.Contains(errOut, "hint: ") || !strings.Contains(errOut, "create-table "+table+"-none") {
		t.Errorf("versions of a missing table: exit %d, stderr %q", code, errOut)
	}
	checkOnePrefix(t, errOut)
}

func TestMetastoreCommandErrors(t *testing.T) {
	table := metastoreTable(t)
	wrap, _ := keyFile(t, "wrap.key", 32)
	short, _ := keyFile(t, "short.key", 10)
	sign, _ := keyFile(t, "sign.key", 32)
	if code, _, errOut := runCmd(t, "metastore", "create-table", table, "--read-capacity", "2", "--write-capacity", "3"); code != exitOK {
		t.Fatalf("provisioned create-table: %s", errOut)
	}
	for what, tc := range map[string]struct {
		args []string
		exit int
		want string
	}{
		"no inner provider": {[]string{"new-version", table, "orders"}, exitUsage, "--kms-key-id"},
		"one key file":      {[]string{"new-version", table, "orders", "--wrapping-key-file", wrap}, exitUsage, "--signing-key-file"},
		"both kinds":        {[]string{"new-version", table, "orders", "--kms-key-id", "k", "--wrapping-key-file", wrap}, exitUsage, "not both"},
		"short AES key":     {[]string{"new-version", table, "orders", "--wrapping-key-file", short, "--signing-key-file", sign}, exitFailure, "16, 24 or 32 bytes"},
		"bad MAC":           {[]string{"new-version", table, "orders", "--wrapping-key-file", wrap, "--signing-key-file", sign, "--signing-algorithm", "HmacSHA1"}, exitUsage, "HmacSHA1"},
		"# in the name":     {[]string{"new-version", table, "a#b", "--wrapping-key-file", wrap, "--signing-key-file", sign}, exitUsage, "'#'"},
		"missing file":      {[]string{"versions", table, "--wrapping-key-file", wrap + ".none", "--signing-key-file", sign}, exitFailure, "no such file"},
		"capacity half":     {[]string{"create-table", table + "-x", "--read-capacity", "2"}, exitUsage, "--read-capacity and --write-capacity go together"},
		"arguments":         {[]string{"new-version", table}, exitUsage, "accepts 2 arg"},
	} {
		code, _, errOut := runCmd(t, append([]string{"metastore"}, tc.args...)...)
		if code != tc.exit || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", what, code, errOut, tc.exit, tc.want)
		}
		checkOnePrefix(t, errOut)
	}
}

// TestMetastoreCommandsKMS: the production set-up, rows protected by Direct
// KMS (local-kms).
func TestMetastoreCommandsKMS(t *testing.T) {
	table := metastoreTable(t)
	keyID := testenv.NewKMSKey(t, testenv.KMS(t))
	if code, _, errOut := runCmd(t, "metastore", "create-table", table); code != exitOK {
		t.Fatal(errOut)
	}
	for range 2 {
		if code, _, errOut := runCmd(t, "metastore", "new-version", table, "orders", "--kms-key-id", keyID); code != exitOK {
			t.Fatal(errOut)
		}
	}
	code, out, errOut := runCmd(t, "metastore", "versions", table, "--kms-key-id", keyID)
	if code != exitOK || strings.Count(out, "orders") != 2 {
		t.Errorf("versions: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	other := testenv.NewKMSKey(t, testenv.KMS(t))
	if code, _, errOut := runCmd(t, "metastore", "versions", table, "--kms-key-id", other); code != exitFailure ||
		!strings.Contains(errOut, "integrity") || !strings.Contains(errOut, "hint: ") || !strings.Contains(errOut, "--kms-key-id") {
		t.Errorf("versions with another KMS key: exit %d, stderr %q", code, errOut)
	}
	// Raw keys for rows that a KMS key wrote: the hint names --kms-key-id.
	wrap, _ := keyFile(t, "wrap.key", 32)
	sign, _ := keyFile(t, "sign.key", 32)
	code, _, errOut = runCmd(t, "metastore", "versions", table, "--wrapping-key-file", wrap, "--signing-key-file", sign)
	if _, hint, _ := strings.Cut(errOut, "\nhint: "); code != exitFailure || !strings.Contains(hint, "--kms-key-id, if a KMS key did") {
		t.Errorf("versions with key files: exit %d, stderr %q", code, errOut)
	}
	checkOnePrefix(t, errOut)
}
