package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

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
// that cannot run exits 1.
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
		"--dry-run for verify":               {[]string{"verify", "--table", "t", "--config", c, "--dry-run"}, exitUsage, "unknown flag: --dry-run"},
		"arguments":                          {[]string{"verify", "x", "--table", "t", "--config", c}, exitUsage, `unknown command "x"`},
		"bad configuration":                  {[]string{"verify", "--table", "t", "--config", bad}, exitFailure, "--config " + bad + ": "},
		"missing configuration":              {[]string{"reencrypt", "--table", "t", "--from", c, "--to", bad + ".none"}, exitFailure, "no such file"},
		"--job without --checkpoint-table":   {[]string{"verify", "--table", "t", "--config", c, "--job", "j"}, exitUsage, "--job needs --checkpoint-table"},
		"--checkpoint-table without --job":   {[]string{"verify", "--table", "t", "--config", c, "--checkpoint-table", "cp"}, exitUsage, "--checkpoint-table needs --job"},
		"empty --job":                        {[]string{"verify", "--table", "t", "--config", c, "--job", "", "--checkpoint-table", "cp"}, exitUsage, "--job must not be empty"},
		"--dry-run with --job":               {[]string{"reencrypt", "--table", "t", "--from", c, "--to", c + ".none", "--dry-run", "--job", "j", "--checkpoint-table", "cp"}, exitUsage, "--dry-run writes nothing"},
		"--segment-range without --segments": {[]string{"verify", "--table", "t", "--config", c, "--segment-range", "0..2"}, exitUsage, "--segment-range 0..2 needs --segments"},
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
	wantCounts(t, "verify of a missing table", readReport(t, reportFile), map[string]float64{"scanned": 0})
}
