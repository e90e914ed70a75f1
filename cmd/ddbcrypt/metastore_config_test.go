package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// clicfgTable returns a fresh table name, deleted when the test ends.
func clicfgTable(t *testing.T) string {
	t.Helper()
	name := "clicfg-" + testenv.TableName(t)
	testenv.DeleteTableAtEnd(t, testenv.DynamoDB(t), name)
	return name
}

// rowsProvider is a wrapped provider object over key files, as the
// metastore commands' --wrapping-key-file and --signing-key-file read them.
func rowsProvider(wrap, sign string) string {
	return fmt.Sprintf(`{"type": "wrapped", "wrappingKey": {"aes": "file:%s"}, "signingKey": {"hmac": "file:%s"}}`, wrap, sign)
}

// mostRecentConfig is a most-recent configuration over a MetaStore table
// whose rows inner protects.
func mostRecentConfig(table, material, inner string) string {
	return fmt.Sprintf(`{"provider": {"type": "most-recent", "metastoreTable": %q, "materialName": %q, "ttl": "1m", "provider": %s}}`, table, material, inner)
}

// TestMetastoreConfig: a configuration describes the inner provider, either
// itself or as a most-recent provider's, which also gives TABLE and
// MATERIAL; the rows are the ones the key-file flags read.
func TestMetastoreConfig(t *testing.T) {
	table := clicfgTable(t)
	wrap, _ := keyFile(t, "wrap.key", 32)
	sign, _ := keyFile(t, "sign.key", 32)
	plain := writeTemp(t, "plain.json", `{"provider": `+rowsProvider(wrap, sign)+`}`)
	mostRecent := writeTemp(t, "most-recent.json", mostRecentConfig(table, "orders", rowsProvider(wrap, sign)))

	steps := []struct {
		args []string
		want string
	}{
		{[]string{"create-table", "--config", mostRecent}, "created MetaStore table " + table + " (on demand)\n"},
		{[]string{"new-version", table, "orders", "--config", plain}, "created version 0 of orders in " + table + "\n"},
		{[]string{"new-version", "--config", mostRecent}, "created version 1 of orders in " + table + "\n"},
		{[]string{"new-version", table, "--config", mostRecent}, "created version 2 of orders in " + table + "\n"},
		{[]string{"new-version", table, "payments", "--config", plain}, "created version 0 of payments in " + table + "\n"},
	}
	for _, s := range steps {
		code, out, errOut := runCmd(t, append([]string{"metastore"}, s.args...)...)
		if code != exitOK || out != s.want {
			t.Fatalf("%v: exit %d, stdout %q, stderr %q", s.args, code, out, errOut)
		}
	}
	// The same rows through --config (both kinds) and the key-file flags.
	var lists []string
	for _, args := range [][]string{
		{"versions", "--config", mostRecent},
		{"versions", table, "--config", plain},
		{"versions", table, "--wrapping-key-file", wrap, "--signing-key-file", sign},
	} {
		code, out, errOut := runCmd(t, append([]string{"metastore"}, args...)...)
		if code != exitOK {
			t.Fatalf("%v: exit %d, stderr %q", args, code, errOut)
		}
		var got []string
		for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n")[1:] {
			m := versionLine.FindStringSubmatch(l)
			if m == nil {
				t.Fatalf("%v: line %q", args, l)
			}
			got = append(got, m[1]+"#"+m[2])
		}
		lists = append(lists, strings.Join(got, " "))
	}
	for i, l := range lists {
		if l != "orders#0 orders#1 orders#2 payments#0" {
			t.Errorf("versions (%d): %s", i, l)
		}
	}

	// Other keys in the configuration: the rows do not open, and the hint
	// names the configuration.
	other, _ := keyFile(t, "other.key", 32)
	wrong := writeTemp(t, "wrong.json", mostRecentConfig(table, "orders", rowsProvider(other, sign)))
	code, _, errOut := runCmd(t, "metastore", "versions", "--config", wrong)
	if _, hint, _ := strings.Cut(errOut, "\nhint: "); code != exitFailure || !strings.Contains(errOut, "integrity") || !strings.Contains(hint, "--config "+wrong) {
		t.Errorf("versions with other keys: exit %d, stderr %q", code, errOut)
	}
	checkOnePrefix(t, errOut)
}

// TestMetastoreConfigKMS: a Direct KMS configuration (local-kms) writes rows
// that --kms-key-id reads.
func TestMetastoreConfigKMS(t *testing.T) {
	table := clicfgTable(t)
	keyID := testenv.NewKMSKey(t, testenv.KMS(t))
	config := writeTemp(t, "kms.json", `{"provider": {"type": "direct-kms", "keyId": "`+keyID+`"}}`)
	if code, _, errOut := runCmd(t, "metastore", "create-table", table); code != exitOK {
		t.Fatal(errOut)
	}
	if code, out, errOut := runCmd(t, "metastore", "new-version", table, "orders", "--config", config); code != exitOK || !strings.Contains(out, "created version 0") {
		t.Fatalf("new-version: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	code, out, errOut := runCmd(t, "metastore", "versions", table, "--kms-key-id", keyID)
	if code != exitOK || strings.Count(out, "orders") != 1 {
		t.Errorf("versions: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}

// TestMetastoreConfigErrors: conflicts with the other inner-provider flags,
// missing arguments and configurations that cannot be used are usage
// errors found before any AWS call.
func TestMetastoreConfigErrors(t *testing.T) {
	wrap, _ := keyFile(t, "wrap.key", 32)
	sign, _ := keyFile(t, "sign.key", 32)
	plain := writeTemp(t, "plain.json", `{"provider": `+rowsProvider(wrap, sign)+`}`)
	mostRecent := writeTemp(t, "most-recent.json", mostRecentConfig("keys", "orders", rowsProvider(wrap, sign)))
	for what, tc := range map[string]struct {
		args []string
		want string
	}{
		"config and kms key":     {[]string{"versions", "keys", "--config", plain, "--kms-key-id", "k"}, "either --config or --kms-key-id, not both"},
		"config and key file":    {[]string{"new-version", "keys", "m", "--config", plain, "--wrapping-key-file", wrap}, "either --config or --wrapping-key-file"},
		"config and algorithm":   {[]string{"versions", "--config", mostRecent, "--signing-algorithm", "HmacSHA512"}, "either --config or --signing-algorithm"},
		"missing file":           {[]string{"versions", "keys", "--config", plain + ".none"}, "--config " + plain + ".none"},
		"empty path":             {[]string{"versions", "keys", "--config", ""}, "--config must not be empty"},
		"bad inner key":          {[]string{"versions", "--config", writeTemp(t, "c.json", mostRecentConfig("keys", "orders", `{"type": "wrapped", "wrappingKey": {"aes": "base64:AAAA"}, "signingKey": {"hmac": "file:`+sign+`"}}`))}, "provider.provider.wrappingKey"},
		"# in the material":      {[]string{"new-version", "--config", writeTemp(t, "c.json", mostRecentConfig("keys", "a#b", rowsProvider(wrap, sign)))}, "provider.materialName"},
		"plain without table":    {[]string{"versions", "--config", plain}, "TABLE is required: --config " + plain + " describes the inner provider only"},
		"plain without material": {[]string{"new-version", "keys", "--config", plain}, "MATERIAL is required"},
		"plain without either":   {[]string{"new-version", "--config", plain}, "TABLE and MATERIAL are required"},
		"another table":          {[]string{"versions", "other", "--config", mostRecent}, "TABLE other differs from provider.metastoreTable keys of --config " + mostRecent},
		"another material":       {[]string{"new-version", "keys", "payments", "--config", mostRecent}, "MATERIAL payments differs from provider.materialName orders"},
		"too many arguments":     {[]string{"versions", "a", "b", "--config", mostRecent}, "accepts between 0 and 1 arg"},
		"still two without it":   {[]string{"new-version", "keys"}, "accepts 2 arg"},
	} {
		code, _, errOut := runCmd(t, append([]string{"metastore"}, tc.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", what, code, errOut, exitUsage, tc.want)
		}
		checkOnePrefix(t, errOut)
	}
}
