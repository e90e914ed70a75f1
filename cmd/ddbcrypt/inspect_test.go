package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/internal/vectors/vectorstest"
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
	if code := run(t.Context(), []string{"inspect", path}, &out, &errOut); code != exitError || !strings.Contains(errOut.String(), "version") {
		t.Errorf("a description of version 1: exit %d, %q", code, errOut.String())
	}
}
