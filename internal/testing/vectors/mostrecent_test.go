package vectors_test

// The most_recent scenarios, with their MetaStore rows in DynamoDB Local.

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// mostRecentOffline are the most_recent scenarios of the public vectors that
// run without AWS KMS: a static and an RSA-wrapped MetaStore.
var mostRecentOffline = []string{"metastore-data-tables-1.json", "metastore-data-tables-2.json"}

// mrRunner returns a runner with the local DynamoDB's configuration, or
// skips (fails under CI=true) without one.
func mrRunner(t *testing.T) *vectors.Runner {
	t.Helper()
	testenv.DynamoDB(t)
	cfg, err := config.LoadDefaultConfig(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return &vectors.Runner{AWS: &cfg}
}

func TestMostRecentPublicVectors(t *testing.T) {
	r := mrRunner(t)
	rep, err := r.Decrypt(t.Context(), encryptedItemDir(t))
	if err != nil {
		t.Fatal(err)
	}
	checkOffline(t, rep, append(append([]string{}, offline...), mostRecentOffline...))
	for _, name := range []string{"metastore-data-tables-3.json", "aws-kms-direct-1.json"} {
		if res := rep.Result(name); res == nil || !res.Skipped || !strings.Contains(res.SkipReason, "network") {
			t.Errorf("%s: %+v, want skipped as a network scenario", name, res)
		}
	}
	if want := 16 * (len(offline) + len(mostRecentOffline)); rep.Failed() != 0 || rep.Passed() != want {
		t.Errorf("%d passed, %d failed; want %d passed", rep.Passed(), rep.Failed(), want)
	}
}

// TestMostRecentEncryptRoundTrip: an encrypt run writes the most_recent
// scenarios with their MetaStore rows, and the output decrypts on its own.
func TestMostRecentEncryptRoundTrip(t *testing.T) {
	r := mrRunner(t)
	out := t.TempDir()
	wrep, err := r.Encrypt(t.Context(), encryptedItemDir(t), out)
	if err != nil {
		t.Fatal(err)
	}
	written := map[string]int{}
	for _, w := range wrep.Written {
		written[w.Scenario] = w.Items
	}
	for _, name := range mostRecentOffline {
		if written[name] != 16 {
			t.Errorf("%s: %d items written, want 16", name, written[name])
		}
	}
	if len(wrep.Written) != len(offline)+len(mostRecentOffline) {
		t.Errorf("wrote %d scenarios, want %d", len(wrep.Written), len(offline)+len(mostRecentOffline))
	}

	// The MetaStore rows, in the input layout, named by the scenarios.
	var top struct {
		Scenarios []struct {
			Provider   string
			Ciphertext string
			MetaStore  *struct {
				TableName  string `json:"table_name"`
				Ciphertext string
			}
		}
	}
	readJSON(t, filepath.Join(out, "scenarios.json"), &top)
	stores := 0
	for _, sc := range top.Scenarios {
		if sc.Provider != "most_recent" {
			continue
		}
		stores++
		if sc.MetaStore == nil || !strings.HasPrefix(sc.MetaStore.Ciphertext, "file://ciphertext/go/metastore-") {
			t.Fatalf("scenario %s: metastore block %+v", sc.Ciphertext, sc.MetaStore)
		}
		rows := readItems(t, filepath.Join(out, strings.TrimPrefix(sc.MetaStore.Ciphertext, "file://")), sc.MetaStore.TableName)
		if len(rows) != 1 {
			t.Errorf("%s: %d rows, want the input's 1", sc.MetaStore.Ciphertext, len(rows))
		}
		// The items use the newest version, 0.
		data, err := os.ReadFile(filepath.Join(out, strings.TrimPrefix(sc.Ciphertext, "file://")))
		if err != nil {
			t.Fatal(err)
		}
		tables, err := unmarshalTables(data)
		if err != nil {
			t.Fatal(err)
		}
		for table, items := range tables {
			for _, item := range items {
				if _, ok := item[crypto.DescriptionAttribute]; !ok {
					continue // action set "nothing": stored as is
				}
				if id := metaIDOf(t, item); !strings.HasSuffix(id, "#0") {
					t.Errorf("%s %s: meta-id %q", sc.Ciphertext, table, id)
				}
			}
		}
	}
	if stores != len(mostRecentOffline) {
		t.Errorf("%d most_recent scenarios in the output, want %d", stores, len(mostRecentOffline))
	}

	rep, err := r.Decrypt(t.Context(), out)
	if err != nil {
		t.Fatal(err)
	}
	checkOffline(t, rep, mostRecentOffline)
	if want := 16 * (len(offline) + len(mostRecentOffline)); rep.Failed() != 0 || rep.Passed() != want {
		t.Errorf("output: %d passed, %d failed; want %d passed", rep.Passed(), rep.Failed(), want)
	}
}

// TestMostRecentUsesNewestVersion: with a version 1 added to the static
// MetaStore, an encrypt run writes with version 1, and the Java items of
// version 0 still decrypt.
func TestMostRecentUsesNewestVersion(t *testing.T) {
	r := mrRunner(t)
	ctx := t.Context()
	dir := copyVectors(t)
	set, err := vectors.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	aesKey, err := set.Key("aesKey")
	if err != nil {
		t.Fatal(err)
	}
	hmacKey, err := set.Key("hmacKey")
	if err != nil {
		t.Fatal(err)
	}
	mac, err := cmp.NewHMACKey(hmacKey.Algorithm, hmacKey.Symmetric)
	if err != nil {
		t.Fatal(err)
	}
	inner, err := cmp.NewStatic(cmp.StaticConfig{EncryptionKey: aesKey.Symmetric, SigningKey: mac})
	if err != nil {
		t.Fatal(err)
	}

	// Java's version 0 plus a version 1 made by the MetaStore.
	rowFile := filepath.Join(dir, "ciphertext", "java", "metastore-aes-hmac-2.json")
	data, err := os.ReadFile(rowFile)
	if err != nil {
		t.Fatal(err)
	}
	tables, err := unmarshalTables(data)
	if err != nil {
		t.Fatal(err)
	}
	db := testenv.DynamoDB(t)
	table := testenv.NewTable(t, db, testenv.S("N"), testenv.N("V"))
	for _, row := range tables["metastore"] {
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: row}); err != nil {
			t.Fatal(err)
		}
	}
	store, err := metastore.New(db, table, inner, metastore.WithSignatureTableName("metastore"))
	if err != nil {
		t.Fatal(err)
	}
	if _, v, err := store.NewProvider(ctx, "materialName"); err != nil || v != 1 {
		t.Fatalf("NewProvider: %d, %v", v, err)
	}
	scan, err := db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	var rows []json.RawMessage
	for _, item := range scan.Items {
		j, err := vectors.MarshalItem(item)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, j)
	}
	writeJSON(t, rowFile, map[string]any{"metastore": rows})

	// The Java items (version 0) still decrypt...
	rep, err := r.Decrypt(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	checkOffline(t, rep, []string{"metastore-data-tables-2.json"})

	// ...and new items use version 1.
	out := t.TempDir()
	if _, err := r.Encrypt(ctx, dir, out); err != nil {
		t.Fatal(err)
	}
	data, err = os.ReadFile(filepath.Join(out, "ciphertext", "go", "metastore-data-tables-2.json"))
	if err != nil {
		t.Fatal(err)
	}
	written, err := unmarshalTables(data)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, items := range written {
		for _, item := range items {
			if _, ok := item[crypto.DescriptionAttribute]; !ok {
				continue // action set "nothing": stored as is
			}
			n++
			if id := metaIDOf(t, item); id != "materialName#1" {
				t.Errorf("meta-id %q, want materialName#1", id)
			}
		}
	}
	if n == 0 {
		t.Error("no encrypted items")
	}
	if got := readItems(t, filepath.Join(out, "ciphertext", "go", "metastore-aes-hmac-2.json"), "metastore"); len(got) != 2 {
		t.Errorf("output MetaStore has %d rows, want 2", len(got))
	}
	rep, err = r.Decrypt(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	checkOffline(t, rep, []string{"metastore-data-tables-2.json"})
}

// TestMostRecentSkipReasons: without a reachable DynamoDB the scenarios are
// skipped, saying why.
func TestMostRecentSkipReasons(t *testing.T) {
	dir := encryptedItemDir(t)
	for what, tc := range map[string]struct {
		runner *vectors.Runner
		word   string
	}{
		"no AWS configuration": {&vectors.Runner{}, "no AWS configuration"},
		"no local endpoint":    {&vectors.Runner{AWS: &aws.Config{Region: "us-east-1"}}, "AWS_ENDPOINT_URL_DYNAMODB"},
		"unreachable": {&vectors.Runner{AWS: &aws.Config{
			Region:       "us-east-1",
			BaseEndpoint: aws.String("http://127.0.0.1:1"),
			Credentials:  aws.AnonymousCredentials{},
		}}, "unreachable"},
	} {
		t.Run(what, func(t *testing.T) {
			rep, err := tc.runner.Decrypt(context.Background(), dir)
			if err != nil {
				t.Fatal(err)
			}
			for _, name := range mostRecentOffline {
				res := rep.Result(name)
				if res == nil || !res.Skipped || !strings.Contains(res.SkipReason, "most_recent") || !strings.Contains(res.SkipReason, tc.word) {
					t.Errorf("%s: %+v, want skipped for %q", name, res, tc.word)
				}
			}
			if rep.Failed() != 0 {
				t.Errorf("%d failed", rep.Failed())
			}
		})
	}
}

func unmarshalTables(data []byte) (map[string][]map[string]types.AttributeValue, error) {
	var raw map[string][]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	out := map[string][]map[string]types.AttributeValue{}
	for table, list := range raw {
		for _, r := range list {
			item, err := vectors.UnmarshalItem(r)
			if err != nil {
				return nil, err
			}
			out[table] = append(out[table], item)
		}
	}
	return out, nil
}

func metaIDOf(t *testing.T, item map[string]types.AttributeValue) string {
	t.Helper()
	b, ok := item[crypto.DescriptionAttribute].(*types.AttributeValueMemberB)
	if !ok {
		t.Fatal("item without a description")
	}
	d, err := crypto.DecodeMaterialDescription(b.Value)
	if err != nil {
		t.Fatal(err)
	}
	return d[cmp.DescMetaID]
}
