package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	cfgfile "github.com/ddbcrypt/ddbcrypt/config"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// tableConfig writes a configuration file for a Wrapped provider with fresh
// keys: the wrapping key in the environment variable env (base64), the
// signing key in a file. It returns the file's path.
func tableConfig(t *testing.T, env string) string {
	t.Helper()
	t.Setenv(env, base64.StdEncoding.EncodeToString(testenv.RandomKey(t, 32)))
	sign, _ := keyFile(t, "sign.key", 32)
	return writeTemp(t, "config.json", fmt.Sprintf(`{
 "provider": {"type": "wrapped",
              "wrappingKey": {"aes": "env:%s"},
              "signingKey": {"hmac": "file:%s", "algorithm": "HmacSHA256"}},
 "actions": {"default": "encrypt", "overrides": {"status": "signonly", "views": "donottouch"}}}`, env, sign))
}

// tableKey is the primary key of test item i.
func tableKey(i int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("p%d", i%3)},
		"sk": &types.AttributeValueMemberN{Value: strconv.Itoa(i)},
	}
}

// fillTable writes items 0..n-1 to table through the encrypted client,
// protected as the configuration file at path says.
func fillTable(t *testing.T, db *dynamodb.Client, table, path string, n int) {
	t.Helper()
	cfg, err := cfgfile.LoadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	provider, err := cfg.Provider(cfgfile.Clients{})
	if err != nil {
		t.Fatal(err)
	}
	actions, err := cfg.Actions()
	if err != nil {
		t.Fatal(err)
	}
	c := encrypted.NewClient(db, provider, encrypted.WithTable(table, encrypted.TableConfig{Actions: &actions}))
	for i := range n {
		item := tableKey(i)
		item["data"] = &types.AttributeValueMemberS{Value: fmt.Sprintf("d%d", i)}
		item["status"] = &types.AttributeValueMemberS{Value: "new"}
		item["views"] = &types.AttributeValueMemberN{Value: "0"}
		if _, err := c.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
			t.Fatal(err)
		}
	}
}

// readReport reads a --report file.
func readReport(t *testing.T, path string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report %s: %v\n%s", path, err, b)
	}
	return r
}

// wantCounts fails the test unless the report's counters are want.
func wantCounts(t *testing.T, what string, r map[string]any, want map[string]float64) {
	t.Helper()
	for k, v := range want {
		if r[k] != v {
			t.Errorf("%s: report %s = %v, want %v (report %v)", what, k, r[k], v, r)
		}
	}
}

func TestTableCommands(t *testing.T) {
	const n = 12
	db := testenv.DynamoDB(t)
	table := testenv.NewTable(t, db, testenv.S("pk"), testenv.N("sk"))
	c1 := tableConfig(t, "DDBCRYPT_TEST_TABLE_WRAP_1")
	c2 := tableConfig(t, "DDBCRYPT_TEST_TABLE_WRAP_2")
	fillTable(t, db, table, c1, n)
	dir := t.TempDir()
	reportFile := filepath.Join(dir, "report.json")

	// Every item verifies under C1.
	code, out, errOut := runCmd(t, "table", "verify", "--table", table, "--config", c1, "--segments", "3", "--report", reportFile)
	if code != exitOK || out != "" || !strings.Contains(errOut, fmt.Sprintf("%d scanned, %d verified", n, n)) {
		t.Fatalf("verify: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	wantCounts(t, "verify", readReport(t, reportFile), map[string]float64{"scanned": n, "verified": n, "failed": 0})

	// An encrypted attribute changed behind the library: exit 1, and the
	// summary and the report name the item.
	const tampered = 4
	original := testenv.RawGet(t, db, table, tableKey(tampered))
	testenv.RawSet(t, db, table, tableKey(tampered), "data", &types.AttributeValueMemberB{Value: []byte("not the ciphertext")})
	code, _, errOut = runCmd(t, "table", "verify", "--table", table, "--config", c1, "--report", reportFile)
	if code != exitFailure || !strings.Contains(errOut, `FAIL {"pk":"p1","sk":4}: `) || !strings.Contains(errOut, "1 failed") {
		t.Errorf("verify of a tampered item: exit %d, stderr %q", code, errOut)
	}
	r := readReport(t, reportFile)
	wantCounts(t, "verify of a tampered item", r, map[string]float64{"scanned": n, "verified": n - 1, "failed": 1})
	if f, _ := r["failures"].([]any); len(f) != 1 || fmt.Sprint(f[0].(map[string]any)["key"]) != "map[pk:p1 sk:4]" {
		t.Errorf("report failures %v", r["failures"])
	}
	// reencrypt leaves it alone and fails too.
	code, _, errOut = runCmd(t, "table", "reencrypt", "--table", table, "--from", c1, "--to", c2, "--dry-run")
	if code != exitFailure || !strings.Contains(errOut, `FAIL {"pk":"p1","sk":4}`) {
		t.Errorf("reencrypt --dry-run with a tampered item: exit %d, stderr %q", code, errOut)
	}
	if _, err := db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: &table, Item: original}); err != nil {
		t.Fatal(err)
	}

	// --dry-run writes nothing: the items still verify under C1 only.
	code, _, errOut = runCmd(t, "table", "reencrypt", "--table", table, "--from", c1, "--to", c2, "--dry-run", "--report", reportFile)
	if code != exitOK {
		t.Fatalf("reencrypt --dry-run: exit %d, stderr %q", code, errOut)
	}
	wantCounts(t, "reencrypt --dry-run", readReport(t, reportFile), map[string]float64{"scanned": n, "verified": n, "rewritten": 0})
	if code, _, errOut := runCmd(t, "table", "verify", "--table", table, "--config", c1); code != exitOK {
		t.Errorf("verify after --dry-run: exit %d, stderr %q", code, errOut)
	}

	quickProgress(t)
	code, _, errOut = runCmd(t, "table", "reencrypt", "--table", table, "--from", c1, "--to", c2, "--report", reportFile, "--progress", "on")
	if code != exitOK || !strings.Contains(errOut, "reencrypt table "+table) {
		t.Fatalf("reencrypt: exit %d, stderr %q", code, errOut)
	}
	wantCounts(t, "reencrypt", readReport(t, reportFile), map[string]float64{"scanned": n, "rewritten": n, "skipped": 0, "failed": 0})

	code, _, errOut = runCmd(t, "table", "verify", "--table", table, "--config", c2, "--report", reportFile)
	if code != exitOK {
		t.Errorf("verify under C2: exit %d, stderr %q", code, errOut)
	}
	wantCounts(t, "verify under C2", readReport(t, reportFile), map[string]float64{"scanned": n, "verified": n, "failed": 0})
	code, _, errOut = runCmd(t, "table", "verify", "--table", table, "--config", c1, "--report", reportFile)
	if code != exitFailure {
		t.Errorf("verify under C1 after reencrypt: exit %d, stderr %q", code, errOut)
	}
	wantCounts(t, "verify under C1 after reencrypt", readReport(t, reportFile), map[string]float64{"scanned": n, "verified": 0, "failed": n})

	// Run again: every item has moved already and is skipped.
	code, _, errOut = runCmd(t, "table", "reencrypt", "--table", table, "--from", c1, "--to", c2, "--report", reportFile)
	if code != exitOK {
		t.Errorf("second reencrypt: exit %d, stderr %q", code, errOut)
	}
	wantCounts(t, "second reencrypt", readReport(t, reportFile), map[string]float64{"scanned": n, "rewritten": 0, "skipped": n})
}

// TestTableCommandErrors: usage errors exit 2 before any AWS call; a job
// that cannot run exits 1. A configuration file that cannot be used is a
// usage error, as for inspect and metastore.
func TestTableCommandErrors(t *testing.T) {
	c := writeTemp(t, "c.json", `{"provider": {"type": "static", "signingKey": {"hmac": "base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}}, "actions": {"default": "signonly"}}`)
	bad := writeTemp(t, "bad.json", `{"provider": {"type": "static", "signingKey": {"hmac": "AAEC"}}, "bogus": 1}`)
	for what, tc := range map[string]struct {
		args []string
		exit int
		want string
	}{
		"verify without --table":             {[]string{"verify", "--config", c}, exitUsage, `required flag(s) "table" not set`},
		"verify without --config":            {[]string{"verify", "--table", "t"}, exitUsage, `required flag(s) "config" not set`},
		"reencrypt without --to":             {[]string{"reencrypt", "--table", "t", "--from", c}, exitUsage, `required flag(s) "to" not set`},
		"reencrypt without --from":           {[]string{"reencrypt", "--table", "t", "--to", c}, exitUsage, `required flag(s) "from" not set`},
		"empty --table":                      {[]string{"verify", "--table", "", "--config", c}, exitUsage, "--table must not be empty"},
		"negative --segments":                {[]string{"verify", "--table", "t", "--config", c, "--segments", "-1"}, exitUsage, "--segments -1"},
		"negative --page-size":               {[]string{"verify", "--table", "t", "--config", c, "--page-size", "-1"}, exitUsage, "--page-size -1"},
		"--page-size over int32":             {[]string{"verify", "--table", "t", "--config", c, "--page-size", "2147483648"}, exitUsage, "--page-size 2147483648"},
		"--dry-run for verify":               {[]string{"verify", "--table", "t", "--config", c, "--dry-run"}, exitUsage, "unknown flag: --dry-run"},
		"arguments":                          {[]string{"verify", "x", "--table", "t", "--config", c}, exitUsage, `unknown command "x"`},
		"bad configuration":                  {[]string{"verify", "--table", "t", "--config", bad}, exitUsage, "--config " + bad + ": "},
		"missing configuration":              {[]string{"reencrypt", "--table", "t", "--from", c, "--to", bad + ".none"}, exitUsage, "no such file"},
		"--job without --checkpoint-table":   {[]string{"verify", "--table", "t", "--config", c, "--job", "j"}, exitUsage, "--job needs --checkpoint-table"},
		"--checkpoint-table without --job":   {[]string{"verify", "--table", "t", "--config", c, "--checkpoint-table", "cp"}, exitUsage, "--checkpoint-table needs --job"},
		"empty --job":                        {[]string{"verify", "--table", "t", "--config", c, "--job", "", "--checkpoint-table", "cp"}, exitUsage, "--job must not be empty"},
		"--dry-run with --job":               {[]string{"reencrypt", "--table", "t", "--from", c, "--to", c + ".none", "--dry-run", "--job", "j", "--checkpoint-table", "cp"}, exitUsage, "--dry-run writes nothing"},
		"--segment-range without --segments": {[]string{"verify", "--table", "t", "--config", c, "--segment-range", "0..2"}, exitUsage, "--segment-range 0..2 needs --segments"},
		"encrypt without --to":               {[]string{"encrypt", "--table", "t"}, exitUsage, `required flag(s) "to" not set`},
		"decrypt without --from":             {[]string{"decrypt", "--table", "t", "--yes"}, exitUsage, `required flag(s) "from" not set`},
		"decrypt without --yes":              {[]string{"decrypt", "--table", "t", "--from", c}, exitUsage, "add --yes to confirm"},
		"encrypt --dry-run with --job":       {[]string{"encrypt", "--table", "t", "--to", c, "--dry-run", "--job", "j", "--checkpoint-table", "cp"}, exitUsage, "--dry-run writes nothing"},
		"decrypt --dry-run with --job":       {[]string{"decrypt", "--table", "t", "--from", c, "--dry-run", "--job", "j", "--checkpoint-table", "cp"}, exitUsage, "--dry-run writes nothing"},
		"--yes for encrypt":                  {[]string{"encrypt", "--table", "t", "--to", c, "--yes"}, exitUsage, "unknown flag: --yes"},
		"bad --progress":                     {[]string{"verify", "--table", "t", "--config", c, "--progress", "bar"}, exitUsage, "must be auto, plain, on or off"},
	} {
		code, _, errOut := runCmd(t, append([]string{"table"}, tc.args...)...)
		if code != tc.exit || !strings.Contains(errOut, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want %d and %q", what, code, errOut, tc.exit, tc.want)
		}
		checkOnePrefix(t, errOut)
	}
	for _, r := range []string{"", "2", "0-2", "0...2", "..2", "0..", "-1..2", "+0..2", " 0..2", "0..2 ", "0..2..3", "2..2", "3..1", "0..5", "a..b", "0x0..2", "0..99999999999999999999"} {
		for _, cmd := range [][]string{{"verify", "--config", c}, {"reencrypt", "--from", c, "--to", c}} {
			args := append([]string{"table"}, cmd...)
			code, _, errOut := runCmd(t, append(args, "--table", "t", "--segments", "4", "--segment-range", r)...)
			if code != exitUsage || !strings.Contains(errOut, "--segment-range") {
				t.Errorf("%s --segment-range %q: exit %d, stderr %q; want %d", cmd[0], r, code, errOut, exitUsage)
			}
			checkOnePrefix(t, errOut)
		}
	}
}

func TestRateFlag(t *testing.T) {
	c := writeTemp(t, "c.json", `{"provider": {"type": "static", "signingKey": {"hmac": "base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}}, "actions": {"default": "signonly"}}`)
	for _, r := range []string{"", "0", "0.0", "-1", "+5", "abc", "1e3", " 5", "5 ", "5.", ".5", "1.2.3", "NaN", "Inf", "0x10", "5/s", strings.Repeat("9", 400)} {
		for _, cmd := range [][]string{{"verify", "--config", c}, {"reencrypt", "--from", c, "--to", c}, {"encrypt", "--to", c}, {"decrypt", "--from", c, "--yes"}} {
			args := append([]string{"table"}, cmd...)
			code, _, errOut := runCmd(t, append(args, "--table", "t", "--rate", r)...)
			if code != exitUsage || !strings.Contains(errOut, "--rate") {
				t.Errorf("%s --rate %q: exit %d, stderr %q; want %d", cmd[0], r, code, errOut, exitUsage)
			}
			checkOnePrefix(t, errOut)
		}
	}
}

func TestParseSegmentRange(t *testing.T) {
	for s, want := range map[string][2]int{"0..4": {0, 4}, "0..1": {0, 1}, "3..4": {3, 4}, "1..3": {1, 3}, "01..2": {1, 2}} {
		if got, err := parseSegmentRange(s, 4); err != nil || got != want {
			t.Errorf("parseSegmentRange(%q, 4) = %v, %v; want %v", s, got, err, want)
		}
	}
}

// TestTableJob: one reencrypt job run as two invocations, each with half of
// the segments, moves the whole table; running it again finds every
// segment done.
func TestTableJob(t *testing.T) {
	const n = 20
	db := testenv.DynamoDB(t)
	table := testenv.NewTable(t, db, testenv.S("pk"), testenv.N("sk"))
	cpTable := testenv.TableName(t) + "-cp"
	t.Cleanup(func() {
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(cpTable)})
	})
	c1 := tableConfig(t, "DDBCRYPT_TEST_TABLE_WRAP_1")
	c2 := tableConfig(t, "DDBCRYPT_TEST_TABLE_WRAP_2")
	fillTable(t, db, table, c1, n)
	reportFile := filepath.Join(t.TempDir(), "report.json")
	job := []string{"table", "reencrypt", "--table", table, "--from", c1, "--to", c2, "--segments", "4",
		"--job", "move", "--checkpoint-table", cpTable, "--report", reportFile}

	var scanned float64
	for i, r := range []string{"0..2", "2..4"} {
		code, _, errOut := runCmd(t, append(job, "--segment-range", r)...)
		if code != exitOK {
			t.Fatalf("reencrypt --segment-range %s: exit %d, stderr %q", r, code, errOut)
		}
		rep := readReport(t, reportFile)
		segs, _ := rep["segments"].([]any)
		if len(segs) != 2 {
			t.Fatalf("reencrypt --segment-range %s: report segments %v, want 2", r, rep["segments"])
		}
		for k, s := range segs {
			m := s.(map[string]any)
			if m["segment"] != float64(2*i+k) || m["done"] != true {
				t.Errorf("reencrypt --segment-range %s: segment %v", r, m)
			}
		}
		wantCounts(t, "reencrypt --segment-range "+r, rep, map[string]float64{"failed": 0, "skipped": 0, "rewritten": rep["scanned"].(float64)})
		scanned += rep["scanned"].(float64)
		if want := fmt.Sprintf("job move (every process): %v scanned", scanned); !strings.Contains(errOut, want) {
			t.Errorf("reencrypt --segment-range %s: stderr %q, want %q", r, errOut, want)
		}
	}
	if scanned != n {
		t.Errorf("the two halves scanned %v items, want %d", scanned, n)
	}
	if code, _, errOut := runCmd(t, "table", "verify", "--table", table, "--config", c2); code != exitOK {
		t.Errorf("verify under C2 after the job: exit %d, stderr %q", code, errOut)
	}

	// The same job again: every segment is done, nothing is scanned again,
	// and the report carries the checkpoints' counters.
	code, _, errOut := runCmd(t, job...)
	if code != exitOK || !strings.Contains(errOut, "4 of 4 checkpointed segments done") {
		t.Fatalf("rerun of the job: exit %d, stderr %q", code, errOut)
	}
	rep := readReport(t, reportFile)
	wantCounts(t, "rerun of the job", rep, map[string]float64{"scanned": n, "rewritten": n, "skipped": 0, "failed": 0})
	if segs, _ := rep["segments"].([]any); len(segs) != 4 {
		t.Errorf("rerun of the job: report segments %v, want 4", rep["segments"])
	} else {
		for _, s := range segs {
			if s.(map[string]any)["done"] != true {
				t.Errorf("rerun of the job: segment %v not done", s)
			}
		}
	}
}

// TestTableMissing: a table that is not there is an error of the job (exit
// 1), and the report file is still written.
func TestTableMissing(t *testing.T) {
	testenv.DynamoDB(t) // skips without DynamoDB Local
	c := tableConfig(t, "DDBCRYPT_TEST_TABLE_WRAP_1")
	reportFile := filepath.Join(t.TempDir(), "report.json")
	name := testenv.TableName(t)
	code, _, errOut := runCmd(t, "table", "verify", "--table", name, "--config", c, "--report", reportFile)
	if code != exitFailure || !strings.Contains(errOut, "table "+name) {
		t.Errorf("verify of a missing table: exit %d, stderr %q", code, errOut)
	}
	checkOnePrefix(t, errOut)
	if n := strings.Count(errOut, "table "+name+":"); n != 1 {
		t.Errorf("verify of a missing table: the table is named %d times, want once: %q", n, errOut)
	}
	wantCounts(t, "verify of a missing table", readReport(t, reportFile), map[string]float64{"scanned": 0})
}

// putPlainTable writes n plaintext items to table, as they are.
func putPlainTable(t *testing.T, db *dynamodb.Client, table string, n int) []map[string]types.AttributeValue {
	t.Helper()
	var out []map[string]types.AttributeValue
	for i := range n {
		item := tableKey(i)
		item["data"] = &types.AttributeValueMemberS{Value: fmt.Sprintf("d%d", i)}
		item["tags"] = &types.AttributeValueMemberSS{Value: []string{"a", "b"}}
		item["views"] = &types.AttributeValueMemberN{Value: strconv.Itoa(i)}
		if _, err := db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: &table, Item: item}); err != nil {
			t.Fatal(err)
		}
		out = append(out, item)
	}
	return out
}

// sameTable fails the test unless the stored items of table are want.
func sameTable(t *testing.T, db *dynamodb.Client, table string, want []map[string]types.AttributeValue) {
	t.Helper()
	for i, w := range want {
		got := testenv.RawGet(t, db, table, tableKey(i))
		if d := gocmp.Diff(w, got, gocmp.Exporter(func(reflect.Type) bool { return true }), cmpopts.SortSlices(func(a, b string) bool { return a < b })); d != "" {
			t.Errorf("item %d (-want +got):\n%s", i, d)
		}
	}
}

// TestTableEncryptDecrypt: encrypt of a plaintext table and decrypt back
// give the original items; decrypt refuses to run without --yes.
func TestTableEncryptDecrypt(t *testing.T) {
	const n = 12
	db := testenv.DynamoDB(t)
	table := testenv.NewTable(t, db, testenv.S("pk"), testenv.N("sk"))
	c1 := tableConfig(t, "DDBCRYPT_TEST_TABLE_WRAP_1")
	original := putPlainTable(t, db, table, n)
	reportFile := filepath.Join(t.TempDir(), "report.json")

	code, _, errOut := runCmd(t, "table", "encrypt", "--table", table, "--to", c1, "--dry-run", "--report", reportFile)
	if code != exitOK || !strings.Contains(errOut, "encrypt --dry-run (nothing written) table "+table) {
		t.Fatalf("encrypt --dry-run: exit %d, stderr %q", code, errOut)
	}
	wantCounts(t, "encrypt --dry-run", readReport(t, reportFile), map[string]float64{"scanned": n, "rewritten": n, "failed": 0})
	sameTable(t, db, table, original)

	const rate = 40 // a lower bound on the time taken, which cannot flake
	start := time.Now()
	code, _, errOut = runCmd(t, "table", "encrypt", "--table", table, "--to", c1, "--rate", strconv.Itoa(rate), "--progress", "plain", "--report", reportFile)
	if took, least := time.Since(start), (n-1)*time.Second/rate; took < least {
		t.Errorf("encrypt --rate %d of %d items took %v, less than %v", rate, n, took, least)
	}
	want := fmt.Sprintf("encrypt table %s: %d scanned of about %d, 0 verified, %d rewritten, 0 skipped, 0 failed; ", table, n, n, n)
	if code != exitOK || !strings.Contains(errOut, want) {
		t.Fatalf("encrypt: exit %d, stderr %q; want a plain progress line %q", code, errOut, want)
	}
	wantCounts(t, "encrypt", readReport(t, reportFile), map[string]float64{"scanned": n, "rewritten": n, "skipped": 0, "failed": 0})
	if code, _, errOut := runCmd(t, "table", "verify", "--table", table, "--config", c1, "--report", reportFile); code != exitOK {
		t.Fatalf("verify after encrypt: exit %d, stderr %q", code, errOut)
	}
	wantCounts(t, "verify after encrypt", readReport(t, reportFile), map[string]float64{"scanned": n, "verified": n})
	code, _, errOut = runCmd(t, "table", "encrypt", "--table", table, "--to", c1, "--report", reportFile)
	if code != exitOK {
		t.Fatalf("second encrypt: exit %d, stderr %q", code, errOut)
	}
	wantCounts(t, "second encrypt", readReport(t, reportFile), map[string]float64{"scanned": n, "rewritten": 0, "skipped": n})

	code, _, errOut = runCmd(t, "table", "decrypt", "--table", table, "--from", c1)
	if code != exitUsage || !strings.Contains(errOut, "removing its encryption and signature: add --yes to confirm") {
		t.Errorf("decrypt without --yes: exit %d, stderr %q", code, errOut)
	}
	checkOnePrefix(t, errOut)
	code, _, errOut = runCmd(t, "table", "decrypt", "--table", table, "--from", c1, "--yes", "--report", reportFile)
	if code != exitOK {
		t.Fatalf("decrypt: exit %d, stderr %q", code, errOut)
	}
	wantCounts(t, "decrypt", readReport(t, reportFile), map[string]float64{"scanned": n, "verified": n, "rewritten": n, "failed": 0})
	sameTable(t, db, table, original)
}

// TestTableEncryptLeavesOtherKeys: an item encrypted under other keys is
// not plaintext: encrypt names it and exits 1, and leaves it as it is.
func TestTableEncryptLeavesOtherKeys(t *testing.T) {
	db := testenv.DynamoDB(t)
	table := testenv.NewTable(t, db, testenv.S("pk"), testenv.N("sk"))
	c1 := tableConfig(t, "DDBCRYPT_TEST_TABLE_WRAP_1")
	c2 := tableConfig(t, "DDBCRYPT_TEST_TABLE_WRAP_2")
	fillTable(t, db, table, c2, 2)
	before := testenv.RawGet(t, db, table, tableKey(1))
	code, _, errOut := runCmd(t, "table", "encrypt", "--table", table, "--to", c1)
	if code != exitFailure || !strings.Contains(errOut, `FAIL {"pk":"p1","sk":1}: `) || !strings.Contains(errOut, "not plaintext") {
		t.Errorf("encrypt of items under other keys: exit %d, stderr %q", code, errOut)
	}
	if d := gocmp.Diff(before, testenv.RawGet(t, db, table, tableKey(1)), gocmp.Exporter(func(reflect.Type) bool { return true })); d != "" {
		t.Errorf("the item was changed:\n%s", d)
	}
}

func TestParseRate(t *testing.T) {
	for s, want := range map[string]float64{"500": 500, "2.5": 2.5, "0.5": 0.5, "007": 7} {
		if got, err := parseRate(s); err != nil || got != want {
			t.Errorf("parseRate(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
}
