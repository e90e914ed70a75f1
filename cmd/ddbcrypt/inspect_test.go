package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors/vectorstest"
)

// inspect names the provider of each kind of Java vector item, and reads
// both a bare item and a GetItem answer.
func TestInspect(t *testing.T) {
	dir := filepath.Join(vectorstest.Dir(t), "encrypted_item", "ciphertext", "java")
	for file, want := range map[string][]string{
		"static-aes-hmac-1.json":       {"provider:   Static", "signature:  32 bytes, an HMAC", "amzn-ddb-map-sym-mode = /CBC/PKCS5Padding", "stringValue"},
		"wrapped-aes-hmac-1.json":      {"provider:   Wrapped (AESWrap", "amzn-ddb-env-key = (40 bytes, wrapped)"},
		"wrapped-rsa-rsa-1.json":       {"legacy RSA PKCS#1 v1.5", "signature:  256 bytes, SHA256withRSA"},
		"aws-kms-direct-1.json":        {"provider:   Direct KMS (AES/256, signing HmacSHA256/256)", "aws-kms-ec-attr = *keys*"},
		"metastore-data-tables-2.json": {"provider:   Most Recent over a MetaStore, material version materialName#0"},
	} {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		var tables map[string][]json.RawMessage
		if err := json.Unmarshal(data, &tables); err != nil {
			t.Fatal(err)
		}
		// An encrypted item of the file: the one with the longest JSON.
		var item json.RawMessage
		for _, items := range tables {
			for _, it := range items {
				if len(it) > len(item) {
					item = it
				}
			}
		}
		for i, input := range [][]byte{item, []byte(`{"Item": ` + string(item) + `}`)} {
			path := filepath.Join(t.TempDir(), "item.json")
			if err := os.WriteFile(path, input, 0o644); err != nil {
				t.Fatal(err)
			}
			var out, errOut bytes.Buffer
			if code := run(t.Context(), []string{"inspect", path}, &out, &errOut); code != exitOK {
				t.Fatalf("%s (%d): exit %d: %s", file, i, code, errOut.String())
			}
			for _, w := range want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("%s (%d): output lacks %q:\n%s", file, i, w, out.String())
				}
			}
		}
	}
}

func TestInspectPlainAndBadItems(t *testing.T) {
	for input, want := range map[string]string{
		`{"pk": {"S": "x"}}`: "not encrypted",
		`{"pk": {"S": "x"}, "*amzn-ddb-map-desc*": {"B": "AAAAAA=="}}`: "signature:  MISSING",
	} {
		path := filepath.Join(t.TempDir(), "item.json")
		if err := os.WriteFile(path, []byte(input), 0o644); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		if code := run(t.Context(), []string{"inspect", path}, &out, &errOut); code != exitOK || !strings.Contains(out.String(), want) {
			t.Errorf("%s: exit %d, output %q, want %q", input, code, out.String(), want)
		}
	}
	path := filepath.Join(t.TempDir(), "item.json")
	if err := os.WriteFile(path, []byte(`{"*amzn-ddb-map-desc*": {"B": "AAAAAQ=="}, "*amzn-ddb-map-sig*": {"B": "AA=="}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run(t.Context(), []string{"inspect", path}, &out, &errOut); code != exitFailure || !strings.Contains(errOut.String(), "version") {
		t.Errorf("a description of version 1: exit %d, %q", code, errOut.String())
	}
}

// TestInspectInputs: what a newcomer or an attacker may pass instead of one
// item gets a message naming the file and saying what it holds; the inputs
// that hold exactly one item are read.
func TestInspectInputs(t *testing.T) {
	const one = `{"pk": {"S": "x"}}`
	for input, want := range map[string]string{
		"":                            "is empty: expected one item in DynamoDB JSON",
		"  \n":                        "is empty: expected one item in DynamoDB JSON",
		"hello":                       "is not JSON: line 1: invalid character 'h'",
		"{\"pk\": {\"S\": \"x\"},\n}": "is not JSON: line 2: invalid character '}'",
		one + "\n" + one + "\n":       "expected one item, found 2 JSON values",
		"[" + one + ", " + one + "]":  "expected one item, found 2 items in a JSON list",
		"[]":                          "expected one item, found 0 items in a JSON list",
		`{"Items": [` + one + `, ` + one + `, ` + one + `], "Count": 3, "ScannedCount": 3}`: "expected one item, found 3 items (the output of a scan or query)",
		`{"Items": [], "Count": 0}`:                         "expected one item, found 0 items",
		`{"orders": [` + one + `], "users": [` + one + `]}`: "expected one item, found lists of items (2 items in 2 tables)",
		`{}`:                                "holds an empty object, not an item",
		`null`:                              "holds a JSON null, not an item",
		`"text"`:                            "holds a JSON string, not an item",
		`[42]`:                              "holds a JSON number, not an item",
		`{"Item": 7}`:                       `attribute "Item" is not a value in DynamoDB JSON`,
		`{"pk": "x"}`:                       `attribute "pk" is not a value in DynamoDB JSON`,
		`{"pk": {"S": "x", "N": "1"}}`:      `attribute "pk" is not a value in DynamoDB JSON`,
		`{"pk": {"X": "x"}}`:                `attribute "pk" is not a value in DynamoDB JSON`,
		`{"pk": {"N": 7}}`:                  `"pk"`,
		`{"Item": {"pk": {"S": "x"}}, "x":`: "is not JSON",
	} {
		path := writeTemp(t, "input.json", input)
		code, stdout, stderr := runCmd(t, "inspect", path)
		if code != exitFailure || stdout != "" || !strings.Contains(stderr, path) || !strings.Contains(stderr, want) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want %d and %q naming the file", input, code, stdout, stderr, exitFailure, want)
		}
		checkOnePrefix(t, stderr)
	}

	// A hint says how to pick one item.
	path := writeTemp(t, "scan.json", `{"Items": [`+one+`, `+one+`]}`)
	if _, _, stderr := runCmd(t, "inspect", path); !strings.Contains(stderr, "\nhint: give one item, e.g. the first: jq '.Items[0]' "+path) {
		t.Errorf("no hint: %q", stderr)
	}
	path = writeTemp(t, "list.json", `[`+one+`, `+one+`]`)
	if _, _, stderr := runCmd(t, "inspect", path); !strings.Contains(stderr, "\nhint: give one item, e.g. the first: jq '.[0]' "+path) {
		t.Errorf("no hint: %q", stderr)
	}
	path = writeTemp(t, "plain.json", `{"pk": "x"}`)
	if _, _, stderr := runCmd(t, "inspect", path); !strings.Contains(stderr, "\nhint: is "+path+" plain JSON?") {
		t.Errorf("no hint: %q", stderr)
	}

	for _, input := range []string{
		one,
		"[" + one + "]",
		`{"Items": [` + one + `], "Count": 1}`,
		`{"Item": ` + one + `, "ConsumedCapacity": null}`,
		`{"Item": {"S": "an attribute named Item"}}`,
		`{"Items": {"L": []}}`,
	} {
		code, stdout, stderr := runCmd(t, "inspect", writeTemp(t, "input.json", input))
		if code != exitOK || !strings.Contains(stdout, "not encrypted") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", input, code, stdout, stderr)
		}
	}
}

// TestInspectStdin: standard input is named as such.
func TestInspectStdin(t *testing.T) {
	root := newRootCmd()
	var stdout, stderr bytes.Buffer
	root.SetArgs([]string{"inspect"})
	root.SetIn(strings.NewReader(`[{"a": {"S": "x"}}, {"a": {"S": "y"}}]`))
	root.SetOut(&stdout)
	root.SetErr(&stderr)
	cmd, err := root.ExecuteC()
	if code := report(&stderr, cmd, err); code != exitFailure || !strings.Contains(stderr.String(), "standard input: expected one item, found 2 items in a JSON list") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}
