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

	"github.com/ddbcrypt/ddbcrypt/internal/testenv"
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
	if code != exitError || !strings.Contains(errOut, "ResourceInUse") {
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

	// Other keys do not open the rows.
	wrong, _ := keyFile(t, "other.key", 32)
	code, _, errOut = runCmd(t, "metastore", "versions", table, "--wrapping-key-file", wrong, "--signing-key-file", sign)
	if code != exitError || !strings.Contains(errOut, "integrity") {
		t.Errorf("versions with another key: exit %d, stderr %q", code, errOut)
	}
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
		want string
	}{
		"no inner provider": {[]string{"new-version", table, "orders"}, "--kms-key-id"},
		"one key file":      {[]string{"new-version", table, "orders", "--wrapping-key-file", wrap}, "--signing-key-file"},
		"both kinds":        {[]string{"new-version", table, "orders", "--kms-key-id", "k", "--wrapping-key-file", wrap}, "not both"},
		"short AES key":     {[]string{"new-version", table, "orders", "--wrapping-key-file", short, "--signing-key-file", sign}, "16, 24 or 32 bytes"},
		"bad MAC":           {[]string{"new-version", table, "orders", "--wrapping-key-file", wrap, "--signing-key-file", sign, "--signing-algorithm", "HmacSHA1"}, "HmacSHA1"},
		"# in the name":     {[]string{"new-version", table, "a#b", "--wrapping-key-file", wrap, "--signing-key-file", sign}, "'#'"},
		"missing file":      {[]string{"versions", table, "--wrapping-key-file", wrap + ".none", "--signing-key-file", sign}, "no such file"},
		"capacity half":     {[]string{"create-table", table + "-x", "--read-capacity", "2"}, "both read and write"},
		"arguments":         {[]string{"new-version", table}, "accepts 2 arg"},
	} {
		code, _, errOut := runCmd(t, append([]string{"metastore"}, tc.args...)...)
		if code != exitError || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want %q", what, code, errOut, tc.want)
		}
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
	if code, _, errOut := runCmd(t, "metastore", "versions", table, "--kms-key-id", other); code != exitError || !strings.Contains(errOut, "integrity") {
		t.Errorf("versions with another KMS key: exit %d, stderr %q", code, errOut)
	}
}
