package vectors_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors/vectorstest"
)

// offline are the scenarios of the public vectors that the static and
// wrapped providers run offline; each holds 16 items with a plaintext.
var offline = []string{
	"static-aes-hmac-1.json",
	"static-aes-hmac-2.json",
	"static-aes-hmac-3.json",
	"wrapped-rsa-rsa-1.json",
	"wrapped-rsa-rsa-2.json",
	"wrapped-rsa-rsa-3.json",
	"wrapped-aes-hmac-1.json",
}

// skipped are the other scenarios, with a word their skip reason must hold.
var skipped = map[string]string{
	"aws-kms-direct-1.json":        "network",
	"metastore-data-tables-3.json": "network",
	"metastore-data-tables-1.json": "most_recent",
	"metastore-data-tables-2.json": "most_recent",
}

func encryptedItemDir(t *testing.T) string {
	return filepath.Join(vectorstest.Dir(t), "encrypted_item")
}

func decrypt(t *testing.T, dir string) *vectors.Report {
	t.Helper()
	rep, err := vectors.Decrypt(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func checkOffline(t *testing.T, rep *vectors.Report, names []string) {
	t.Helper()
	for _, name := range names {
		res := rep.Result(name)
		switch {
		case res == nil:
			t.Errorf("%s: no result", name)
		case res.Skipped:
			t.Errorf("%s: skipped: %s", name, res.SkipReason)
		case res.Failed != 0 || res.Passed != 16:
			t.Errorf("%s: %d passed, %d failed, want 16 passed", name, res.Passed, res.Failed)
			for _, f := range res.Failures {
				t.Logf("  %s", f)
			}
		}
	}
}

func TestDecryptPublicVectors(t *testing.T) {
	rep := decrypt(t, encryptedItemDir(t))
	if len(rep.Results) != len(offline)+len(skipped) {
		t.Errorf("%d scenarios, want %d", len(rep.Results), len(offline)+len(skipped))
	}
	checkOffline(t, rep, offline)
	for name, word := range skipped {
		res := rep.Result(name)
		if res == nil || !res.Skipped || !strings.Contains(res.SkipReason, word) {
			t.Errorf("%s: %+v, want skipped for %q", name, res, word)
		}
	}
	if got := rep.Result("static-aes-hmac-3.json").Unmatched; got != 2 {
		t.Errorf("static-aes-hmac-3.json: %d unmatched items, want the 2 leftover rows", got)
	}
	if rep.Failed() != 0 || rep.Passed() != 16*len(offline) {
		t.Errorf("%d passed, %d failed", rep.Passed(), rep.Failed())
	}
}

// TestDecryptLoadsParentDir checks that the vectors root, not only its
// encrypted_item directory, is accepted.
func TestDecryptLoadsParentDir(t *testing.T) {
	rep := decrypt(t, vectorstest.Dir(t))
	if rep.Passed() != 16*len(offline) {
		t.Errorf("%d passed, want %d", rep.Passed(), 16*len(offline))
	}
}

func TestEncryptRoundTrip(t *testing.T) {
	out := t.TempDir()
	wrep, err := vectors.Encrypt(context.Background(), encryptedItemDir(t), out)
	if err != nil {
		t.Fatal(err)
	}
	if len(wrep.Written) != len(offline) {
		t.Errorf("wrote %d ciphertext files, want %d", len(wrep.Written), len(offline))
	}
	for _, w := range wrep.Written {
		if w.Items != 16 || w.Path != "ciphertext/go/"+w.Scenario {
			t.Errorf("wrote %+v", w)
		}
	}
	for _, f := range []string{"scenarios.json", "keys.json", "plaintext.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}

	rep := decrypt(t, out)
	if len(rep.Results) != len(offline) {
		t.Errorf("%d scenarios in the output, want %d", len(rep.Results), len(offline))
	}
	checkOffline(t, rep, offline)

	// Our items must be new ciphertexts, not copies of the Java ones.
	ours := readItems(t, filepath.Join(out, "ciphertext", "go", "static-aes-hmac-1.json"), "TableName")
	java := readItems(t, filepath.Join(encryptedItemDir(t), "ciphertext", "java", "static-aes-hmac-1.json"), "TableName")
	if sig(ours, "5", "7") == "" || sig(ours, "5", "7") == sig(java, "5", "7") {
		t.Errorf("Go item hashKey=5 rangeKey=7 has signature %q, Java %q", sig(ours, "5", "7"), sig(java, "5", "7"))
	}
}

func TestEncryptRefusesInputDir(t *testing.T) {
	dir := copyVectors(t)
	if _, err := vectors.Encrypt(context.Background(), dir, dir); err == nil {
		t.Error("encrypting into the input directory succeeded")
	}
}

// TestDecryptDetectsTampering proves the harness can fail: one flipped
// ciphertext byte must fail exactly that item.
func TestDecryptDetectsTampering(t *testing.T) {
	dir := copyVectors(t)
	path := filepath.Join(dir, "ciphertext", "java", "static-aes-hmac-1.json")
	var tables map[string][]map[string]json.RawMessage
	readJSON(t, path, &tables)
	tampered := false
	for _, item := range tables["TableName"] {
		if hasKey(item, "5", "7") {
			av, err := vectors.UnmarshalAttribute(item["stringValue"])
			if err != nil {
				t.Fatal(err)
			}
			b := av.(*types.AttributeValueMemberB)
			b.Value[len(b.Value)-1] ^= 1
			if item["stringValue"], err = vectors.MarshalAttribute(b); err != nil {
				t.Fatal(err)
			}
			tampered = true
		}
	}
	if !tampered {
		t.Fatal("item hashKey=5 rangeKey=7 not found")
	}
	writeJSON(t, path, tables)

	rep := decrypt(t, dir)
	res := rep.Result("static-aes-hmac-1.json")
	if res.Failed != 1 || res.Passed != 15 {
		t.Fatalf("%d passed, %d failed, want 15 and 1", res.Passed, res.Failed)
	}
	f := res.Failures[0]
	if f.Table != "TableName" || f.Key != "hashKey=5 rangeKey=7" || !errors.Is(f.Err, ddbcrypt.ErrIntegrity) {
		t.Errorf("failure %+v, want an integrity failure of TableName hashKey=5 rangeKey=7", f)
	}
	if rep.Failed() != 1 {
		t.Errorf("%d items failed in all, want 1", rep.Failed())
	}
}

// TestDecryptDetectsWrongPlaintext checks the comparison itself: a
// ciphertext that verifies but differs from the expected plaintext fails.
func TestDecryptDetectsWrongPlaintext(t *testing.T) {
	dir := copyVectors(t)
	path := filepath.Join(dir, "plaintext.json")
	var pt map[string]any
	readJSON(t, path, &pt)
	base := pt["attributes"].(map[string]any)["base"].(map[string]any)
	base["stringValue"] = map[string]any{"S": "Hello world?"}
	writeJSON(t, path, pt)

	rep := decrypt(t, dir)
	res := rep.Result("static-aes-hmac-1.json")
	// The encrypt, mixed, sign and nothing items of TableName hold stringValue.
	if res.Failed != 4 {
		t.Fatalf("%d failed, want 4", res.Failed)
	}
	for _, f := range res.Failures {
		if f.Err != nil || !strings.Contains(f.Reason, `"stringValue"`) {
			t.Errorf("failure %s (err %v), want a stringValue mismatch", f, f.Err)
		}
	}
}

func TestCanonicalNumber(t *testing.T) {
	for in, want := range map[string]string{
		"0": "0", "-0": "0", "0.000": "0", "007.50": "7.5", "7.5e0": "7.5",
		"1e2": "100", "-1.0E-5": "-0.00001", "15": "15", "-34.2": "-34.2",
		"123456789012345678901234567890123456.78": "123456789012345678901234567890123456.78",
		"1e5000": `invalid number "1e5000"`, "x": `invalid number "x"`, "": `invalid number ""`,
	} {
		if got := vectors.CanonicalNumber(in); got != want {
			t.Errorf("CanonicalNumber(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestAttributeJSONRoundTrip(t *testing.T) {
	in := `{"B":{"B":"AAE="},"BOOL":{"BOOL":true},"BS":{"BS":["AQ==","AA=="]},"L":{"L":[{"N":"1"},{"NULL":true}]},"M":{"M":{"a":{"S":"x"}}},"NS":{"NS":["2","1.0"]},"S":{"S":"<&>"},"SS":{"SS":["b","a"]}}`
	item, err := vectors.UnmarshalItem([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	out, err := vectors.MarshalItem(item)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != in {
		t.Errorf("round trip:\n got %s\nwant %s", got, in)
	}
	other, _ := vectors.UnmarshalAttribute([]byte(`{"NS":["1","2.00"]}`))
	if !vectors.Equal(item["NS"], other) {
		t.Error("number sets equal by value in another order compare unequal")
	}
	for _, bad := range []string{`{}`, `{"S":"a","N":"1"}`, `{"X":1}`, `{"B":"!"}`, `{"S":null}`, `{"N": null}`, `{"SS":null}`, `{"BOOL":null}`, `{"M":null}`} {
		if _, err := vectors.UnmarshalAttribute([]byte(bad)); err == nil {
			t.Errorf("UnmarshalAttribute(%s) succeeded", bad)
		}
	}
}

// copyVectors copies the public encrypted_item directory to a temporary
// directory that a test may change.
func copyVectors(t *testing.T) string {
	t.Helper()
	src := encryptedItemDir(t)
	dst := t.TempDir()
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	return dst
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func readItems(t *testing.T, path, table string) []map[string]json.RawMessage {
	var tables map[string][]map[string]json.RawMessage
	readJSON(t, path, &tables)
	return tables[table]
}

// sig returns the signature attribute of the item with the given key.
func sig(items []map[string]json.RawMessage, hash, rng string) string {
	for _, it := range items {
		if hasKey(it, hash, rng) {
			return string(it["*amzn-ddb-map-sig*"])
		}
	}
	return ""
}

// hasKey reports whether a stored item has the numeric key hash/rng.
func hasKey(item map[string]json.RawMessage, hash, rng string) bool {
	h, err1 := vectors.UnmarshalAttribute(item["hashKey"])
	r, err2 := vectors.UnmarshalAttribute(item["rangeKey"])
	return err1 == nil && err2 == nil &&
		vectors.Equal(h, &types.AttributeValueMemberN{Value: hash}) &&
		vectors.Equal(r, &types.AttributeValueMemberN{Value: rng})
}
