package examples_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// record55 is setup.NewRecord(55, "data") as the examples print it.
const record55 = "{PartitionAttribute:is this SortAttribute:55 Status:active Example:data SomeNumbers:99 SomeBinary:[0 1 2] LeaveMe:alone}"

// lit matches a line of output exactly; re matches a line with a regular
// expression.
func lit(line string) *regexp.Regexp { return regexp.MustCompile("^" + regexp.QuoteMeta(line) + "$") }
func re(pattern string) *regexp.Regexp {
	return regexp.MustCompile("^" + pattern + "$")
}

// An example is one run of a program under examples/.
type example struct {
	dir  string   // the program's directory
	args []string // flags besides -table
	// kms: the program needs a KMS key; it gets one in DDBCRYPT_KMS_KEY_ID.
	// noTable: the program uses no table (and has no -table flag).
	kms, noTable bool
	// runs is how often the program runs against the same table (0 is 1).
	runs int
	// lines must each match a line of the output, in this order.
	lines []*regexp.Regexp
	// check, if set, checks what the program left in its table.
	check func(t *testing.T, db *dynamodb.Client, table string)
}

var examples = map[string]example{
	"static": {dir: "static", lines: []*regexp.Regexp{lit("saved  " + record55), lit("loaded " + record55)},
		check: storedRecord(func(t *testing.T, desc map[string]string, sig []byte) {
			// The keys themselves: no wrapped key; HMAC-SHA256 signs.
			if key, ok := desc["amzn-ddb-env-key"]; ok {
				t.Errorf("a static provider's item carries a wrapped key %q", key)
			}
			wantSignature(t, sig, 32)
		})},
	"wrapped-symmetric": {dir: "wrapped-symmetric", lines: []*regexp.Regexp{
		re(`saved record 55, its content key wrapped with AESWrap: \S{24}\.\.\.`),
		re(`saved record 56, its content key wrapped with AESWrap: \S{24}\.\.\.`),
		lit("loaded " + record55),
	}, check: storedRecord(func(t *testing.T, desc map[string]string, sig []byte) {
		wantDescription(t, desc, "amzn-ddb-wrap-alg", "AESWrap")
		if desc["amzn-ddb-env-key"] == "" {
			t.Errorf("material description has no wrapped content key (%v)", desc)
		}
		wantSignature(t, sig, 64) // HMAC-SHA512
	})},
	"wrapped-rsa": {dir: "wrapped-rsa", lines: []*regexp.Regexp{
		lit("saved  " + record55), lit("loaded " + record55), re(`the writer cannot load it: .*unwrap.*`),
	}, check: storedRecord(func(t *testing.T, desc map[string]string, sig []byte) {
		wantDescription(t, desc, "amzn-ddb-wrap-alg", "RSA/ECB/OAEPWithSHA-256AndMGF1Padding")
		wantDescription(t, desc, "amzn-ddb-map-signingAlg", "SHA512withRSA")
		wantSignature(t, sig, 256) // RSA-2048
	})},
	"direct-kms": {dir: "direct-kms", kms: true, lines: []*regexp.Regexp{
		lit("The record as stored in DynamoDB, beside the struct:"),
		re(` +example +B \S+ \(\d+ bytes\) +S "data"`),
		re(` +leave me +S "alone" +S "alone"`),
		lit("Its material description:"),
		re(` +amzn-ddb-wrap-alg +kms`),
		lit("loaded " + record55),
	}, check: storedRecord(func(t *testing.T, desc map[string]string, sig []byte) {
		wantDescription(t, desc, "amzn-ddb-wrap-alg", "kms")
		if desc["amzn-ddb-env-key"] == "" {
			t.Errorf("material description has no KMS-encrypted data key (%v)", desc)
		}
	})},
	"direct-kms-item": {dir: "direct-kms-item", kms: true, noTable: true, lines: []*regexp.Regexp{
		lit("Plaintext item:"), re(` +example +S "data"`),
		lit("Encrypted item:"), re(` +\*amzn-ddb-map-sig\* +B .*`), re(` +example +B .*`), re(` +status +S "active"`),
		lit("Decrypted item:"), re(` +example +S "data"`), re(` +some numbers +N 99`),
	}},
	"most-recent": {dir: "most-recent", kms: true, lines: []*regexp.Regexp{
		lit("record 55 is protected by example-material#0"),
		lit("created version 1"),
		lit("record 56 is protected by example-material#1"),
		lit("loaded " + record55),
	}, check: storedRecord(func(t *testing.T, desc map[string]string, _ []byte) {
		wantDescription(t, desc, "amzn-ddb-meta-id", "example-material#0")
	})},
	"encrypted-client": {dir: "encrypted-client", runs: 2, lines: []*regexp.Regexp{
		re(` +example +B \S+ \(\d+ bytes\) +S "data"`),
		re(` +leave me +S "alone" +S "alone"`),
		re(` +status +S "active" +S "active"`),
		lit("BatchWriteItem and BatchGetItem of 4 items:"),
		lit(`  partition_attribute=S "another" sort_attribute=N 55 status=S "active" example=S "data"`),
		lit(`  partition_attribute=S "another" sort_attribute=N 56 status=S "active" example=S "data"`),
		lit(`  partition_attribute=S "is this" sort_attribute=N 56 status=S "active" example=S "data"`),
		lit(`  partition_attribute=S "is this" sort_attribute=N 57 status=S "active" example=S "data"`),
		lit(`Query of partition "is this", filtered on "status":`),
		lit(`  partition_attribute=S "is this" sort_attribute=N 55 status=S "active" example=S "data"`),
		lit(`  partition_attribute=S "is this" sort_attribute=N 56 status=S "active" example=S "data"`),
		lit(`  partition_attribute=S "is this" sort_attribute=N 57 status=S "active" example=S "data"`),
		re(`A filter on "example" is refused: .+`),
		lit("Deleted the 5 items."),
	}, check: emptyTable},
	"beacon": {dir: "beacon", kms: true, runs: 2, lines: []*regexp.Regexp{
		re(` +ddbcrypt_b_email +S "[0-3]"`),
		re(` +email +B \S+ \(\d+ bytes\)`),
		re(`The index holds [2-6] customers with the beacon "[0-3]" of ana@example.com\.`),
		lit(`QueryBeacon("email", "ana@example.com"):`),
		re(`  c-[16] Ana.* <ana@example\.com>`),
		re(`  c-[16] Ana.* <ana@example\.com>`),
		re(`A filter on the encrypted email is refused: .*"email".*encrypted.*`),
	}, check: noEmailInTheClear},
}

func init() {
	for _, provider := range []string{"static", "wrapped", "rsa", "kms"} {
		examples["demo/"+provider] = example{dir: "demo", args: []string{"-provider", provider}, kms: provider == "kms",
			lines: []*regexp.Regexp{
				re(`Saved 3 records to table \S+ with the ` + provider + ` provider\.`),
				re(` +example +B \S+ \(\d+ bytes\) +S "data"`),
				re(` +status +S "active" +S "active"`),
				lit(`  56: example="more data", some numbers=99, and some binary=000102`),
				lit(`  57: example="even more data", some numbers=99, and some binary=000102`),
				re(`Loading record 55 now fails: .*integrity check.*`),
			},
			check: storedRecord(nil)}
		examples["item-encryptor/"+provider] = example{dir: "item-encryptor", args: []string{"-provider", provider}, kms: provider == "kms",
			lines: []*regexp.Regexp{
				re(`Provider ` + provider + `, table \S+: the item as stored in DynamoDB, and as decrypted\.`),
				re(` +example +B \S+ \(\d+ bytes\) +S "data"`),
				re(` +status +S "active" +S "active"`),
				re(`Reading it back is refused: .*integrity check.*`),
			}}
	}
}

// Every example runs against the local services and prints and stores what
// it should.
func TestExamples(t *testing.T) {
	db := testenv.DynamoDB(t)
	for _, name := range slices.Sorted(maps.Keys(examples)) {
		ex := examples[name]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			env := os.Environ()
			if ex.kms {
				env = append(env, "DDBCRYPT_KMS_KEY_ID="+testenv.NewKMSKey(t, testenv.KMS(t)))
			}
			args, table := ex.args, testenv.TableName(t)
			if !ex.noTable {
				args = append(slices.Clone(args), "-table", table)
				deleteAtEnd(t, db, table)
			}
			for run := range max(ex.runs, 1) {
				stdout, stderr, err := runExample(t, ex.dir, env, args...)
				if err != nil {
					t.Fatalf("run %d: %v\n%s%s", run+1, err, stdout, stderr)
				}
				checkLines(t, stdout, ex.lines)
			}
			if ex.check != nil {
				ex.check(t, db, table)
			}
		})
	}
}

// Without the local services' configuration every example stops at once,
// with exit status 1 and the hint that names `scripts/services.sh env`:
// with no configuration at all, and with credentials and a region but no
// endpoint (the examples do not create tables or keys in AWS unasked).
func TestExamplesWithoutServices(t *testing.T) {
	home := t.TempDir()
	bare := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
		"AWS_EC2_METADATA_DISABLED=true"}
	envs := map[string][]string{
		"nothing":     bare,
		"no endpoint": append(slices.Clone(bare), "AWS_REGION=us-east-1", "AWS_ACCESS_KEY_ID=x", "AWS_SECRET_ACCESS_KEY=y"),
	}
	dirs := map[string]bool{}
	for _, ex := range examples {
		dirs[ex.dir] = true
	}
	for _, dir := range slices.Sorted(maps.Keys(dirs)) {
		for envName, env := range envs {
			t.Run(dir+"/"+envName, func(t *testing.T) {
				t.Parallel()
				buildExamples(t) // not part of the time to fail
				start := time.Now()
				stdout, stderr, err := runExample(t, dir, env)
				if exit, ok := errors.AsType[*exec.ExitError](err); !ok || exit.ExitCode() != 1 {
					t.Errorf("exit: %v, want status 1\n%s%s", err, stdout, stderr)
				}
				if !strings.Contains(stderr, `eval "$(scripts/services.sh env)"`) || !strings.HasPrefix(stderr, dir+": ") {
					t.Errorf("stderr lacks the hint or the program's name:\n%s", stderr)
				}
				if d := time.Since(start); d > 10*time.Second {
					t.Errorf("took %v to fail", d)
				}
			})
		}
	}
}

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
)

// runExample runs the program in dir with the given environment and
// arguments.
func runExample(t *testing.T, dir string, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	bin := buildExamples(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, dir), args...)
	var out, errOut bytes.Buffer
	cmd.Env, cmd.Stdout, cmd.Stderr = env, &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// buildExamples builds the programs, once per test run, and returns the
// directory that holds them: one of the user's cache that is kept, so that
// go build relinks only what changed. In a fresh clone that takes tens of
// seconds.
func buildExamples(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = buildDir()
		if buildErr != nil {
			return
		}
		out, err := exec.Command("go", "build", "-o", binDir+string(filepath.Separator), "./...").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build ./examples/...: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// buildDir returns the directory the programs of this checkout are built
// into, one for each checkout (by its path) and GOFLAGS.
func buildDir() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	here, err := os.Getwd()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(here + "\x00" + os.Getenv("GOFLAGS")))
	dir := filepath.Join(cache, "ddbcrypt", "examples-bin", hex.EncodeToString(sum[:8]))
	return dir, os.MkdirAll(dir, 0o755)
}

// checkLines checks that each of want matches a line of out, in order.
func checkLines(t *testing.T, out string, want []*regexp.Regexp) {
	t.Helper()
	lines := strings.Split(out, "\n")
	for _, w := range want {
		i := slices.IndexFunc(lines, w.MatchString)
		if i < 0 {
			t.Errorf("no line (after the ones matched before) matches %v in the output:\n%s", w, out)
			return
		}
		lines = lines[i+1:]
	}
}

// The README's "Getting started" shows examples/getting-started/main.go
// from `package main` on, to the byte.
func TestGettingStartedInREADME(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	program, err := os.ReadFile("getting-started/main.go")
	if err != nil {
		t.Fatal(err)
	}
	_, want, ok := bytes.Cut(program, []byte("\npackage main\n"))
	if !ok {
		t.Fatal("getting-started/main.go has no line `package main`")
	}
	_, block, ok := bytes.Cut(readme, []byte("\n```go\npackage main\n"))
	if !ok {
		t.Fatal("README.md has no ```go block that starts with `package main`")
	}
	block, _, ok = bytes.Cut(block, []byte("\n```\n"))
	if !ok {
		t.Fatal("README.md: the getting-started block does not end")
	}
	if got, want := string(block)+"\n", string(want); got != want {
		gotLines, wantLines := strings.Split(got, "\n"), strings.Split(want, "\n")
		for i := range min(len(gotLines), len(wantLines)) {
			if gotLines[i] != wantLines[i] {
				t.Fatalf("README.md's program differs from examples/getting-started/main.go at line %d after `package main`:\nREADME:  %q\nmain.go: %q", i+1, gotLines[i], wantLines[i])
			}
		}
		t.Fatalf("README.md's program has %d lines after `package main`, examples/getting-started/main.go %d", len(gotLines), len(wantLines))
	}
}

// The README's program runs against DynamoDB Local: it creates its table,
// saves, loads and queries, and runs again on the table it created. The
// card is stored encrypted, the status signed in plaintext.
func TestGettingStarted(t *testing.T) {
	db := testenv.DynamoDB(t)
	table := testenv.TableName(t)
	deleteAtEnd(t, db, table)
	env := append(os.Environ(), "ORDERS_WRAPPING_KEY="+randomKey(t), "ORDERS_SIGNING_KEY="+randomKey(t))
	const want = "loaded  {Customer:c-7 ID:1 Status:open Card:4111 1111 1111 1111}\n" +
		"queried {Customer:c-7 ID:2 Status:paid Card:5500 0000 0000 0004}\n"
	for run := range 2 {
		stdout, stderr, err := runExample(t, "getting-started", env, "-table", table)
		if err != nil || stdout != want {
			t.Fatalf("run %d: %v\nstdout:\n%s\nwant:\n%s\nstderr:\n%s", run+1, err, stdout, want, stderr)
		}
	}
	key := map[string]types.AttributeValue{"customer": &types.AttributeValueMemberS{Value: "c-7"}, "id": &types.AttributeValueMemberN{Value: "1"}}
	out, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: new(table), Key: key, ConsistentRead: new(true)})
	if err != nil || out.Item == nil {
		t.Fatalf("reading order 1 as stored: %v, %v", out, err)
	}
	if card, ok := out.Item["card"].(*types.AttributeValueMemberB); !ok || bytes.Contains(card.Value, []byte("4111")) {
		t.Errorf("card is stored as %#v, want ciphertext", out.Item["card"])
	}
	if status, ok := out.Item["status"].(*types.AttributeValueMemberS); !ok || status.Value != "open" {
		t.Errorf("status is stored as %#v, want S open", out.Item["status"])
	}
	for _, attr := range []string{crypto.SignatureAttribute, crypto.DescriptionAttribute} {
		if _, ok := out.Item[attr]; !ok {
			t.Errorf("the stored item has no %s", attr)
		}
	}
}

// Without its keys the README's program stops before any AWS call, saying
// how to make them.
func TestGettingStartedWithoutKeys(t *testing.T) {
	home := t.TempDir()
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(home, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, "none"),
		"AWS_EC2_METADATA_DISABLED=true", "ORDERS_WRAPPING_KEY=not base64!"}
	_, stderr, err := runExample(t, "getting-started", env)
	if exit, ok := errors.AsType[*exec.ExitError](err); !ok || exit.ExitCode() != 1 ||
		!strings.Contains(stderr, "ORDERS_WRAPPING_KEY must hold a key in base64: export ORDERS_WRAPPING_KEY=$(openssl rand -base64 32)") {
		t.Errorf("exit: %v, want status 1 and the hint; stderr:\n%s", err, stderr)
	}
}

func randomKey(t *testing.T) string {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(k)
}
