package encrypted_test

// Items of the public vectors through the encrypted client: Java's items read
// back, and items the client writes decrypted by the vectors harness.

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors/vectorstest"
)

func TestVectorsInterop(t *testing.T) {
	dir := filepath.Join(vectorstest.Dir(t), "encrypted_item")
	ctx := t.Context()
	set, err := vectors.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var sc *vectors.Scenario
	for _, s := range set.Scenarios {
		if s.Name() == "static-aes-hmac-3.json" {
			sc = s
		}
	}
	if sc == nil {
		t.Fatal("scenario static-aes-hmac-3.json not found")
	}
	runner := &vectors.Runner{}
	provider, err := runner.BuildProvider(set, vectors.ProviderSpec{Provider: sc.Provider, Keys: sc.Keys, Purpose: vectors.ForDecrypt, Scenario: sc})
	if err != nil {
		t.Fatal(err)
	}
	cases, err := sc.PlaintextFile().Expand("TableName", sc.Version)
	if err != nil {
		t.Fatal(err)
	}
	// The client has one configuration per table: use the items of the
	// "encrypt" action set.
	var encryptCases []vectors.Case
	for _, c := range cases {
		if c.ActionSet == "encrypt" {
			encryptCases = append(encryptCases, c)
		}
	}
	if len(encryptCases) < 2 {
		t.Fatalf("only %d items with the encrypt action set", len(encryptCases))
	}
	actions := encryptCases[0].Actions

	db := testenv.DynamoDB(t)
	javaTable := testenv.NewTable(t, db, testenv.N("hashKey"), testenv.N("rangeKey"))
	goTable := testenv.NewTable(t, db, testenv.N("hashKey"), testenv.N("rangeKey"))
	// Both tables' items are bound to the vectors' table name.
	client := encrypted.NewClient(db, provider,
		encrypted.WithTable(javaTable, encrypted.TableConfig{Actions: &actions, SignatureTableName: "TableName"}),
		encrypted.WithTable(goTable, encrypted.TableConfig{Actions: &actions, SignatureTableName: "TableName"}))

	// Java's items, stored as they are, read through the client.
	data, err := os.ReadFile(sc.Ciphertext)
	if err != nil {
		t.Fatal(err)
	}
	var files map[string][]json.RawMessage
	if err := json.Unmarshal(data, &files); err != nil {
		t.Fatal(err)
	}
	for _, raw := range files["TableName"] {
		item, err := vectors.UnmarshalItem(raw)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &javaTable, Item: item}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range encryptCases {
		key := map[string]types.AttributeValue{"hashKey": c.Item["hashKey"], "rangeKey": c.Item["rangeKey"]}
		out, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &javaTable, Key: key, ConsistentRead: boolPtr(true)})
		if err != nil {
			t.Fatalf("Java item %s: %v", c.Key(), err)
		}
		for name, want := range c.Item {
			if name != "version" && !vectors.Equal(out.Item[name], want) {
				t.Errorf("Java item %s, %s: got %v, want %v", c.Key(), name, out.Item[name], want)
			}
		}
	}

	// The client's items, read raw, decrypt with the vectors harness.
	var written []json.RawMessage
	for _, c := range encryptCases {
		if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: &goTable, Item: c.Item}); err != nil {
			t.Fatal(err)
		}
		key := map[string]types.AttributeValue{"hashKey": c.Item["hashKey"], "rangeKey": c.Item["rangeKey"]}
		raw, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: &goTable, Key: key, ConsistentRead: boolPtr(true)})
		if err != nil {
			t.Fatal(err)
		}
		b, err := vectors.MarshalItem(raw.Item)
		if err != nil {
			t.Fatal(err)
		}
		written = append(written, b)
	}
	out := t.TempDir()
	for _, f := range []string{"keys.json", "plaintext.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(out, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ciphertext, _ := json.Marshal(map[string][]json.RawMessage{"TableName": written})
	if err := os.WriteFile(filepath.Join(out, "client.json"), ciphertext, 0o644); err != nil {
		t.Fatal(err)
	}
	scenarios, _ := json.Marshal(map[string]any{
		"plaintext": "file://plaintext.json", "keys": "file://keys.json",
		"scenarios": []map[string]any{{"version": sc.Version, "provider": sc.Provider, "keys": sc.Keys,
			"plaintext": "file://plaintext.json", "ciphertext": "file://client.json", "network": false}},
	})
	if err := os.WriteFile(filepath.Join(out, "scenarios.json"), scenarios, 0o644); err != nil {
		t.Fatal(err)
	}
	rep, err := runner.Decrypt(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed() != 0 || rep.Passed() != len(encryptCases) {
		t.Errorf("vectors harness on the client's items: %d passed, %d failed, want %d passed: %+v", rep.Passed(), rep.Failed(), len(encryptCases), rep.Results)
	}
}

func boolPtr(b bool) *bool { return &b }
