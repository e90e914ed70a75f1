package examples_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testenv"
)

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
	out, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
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
