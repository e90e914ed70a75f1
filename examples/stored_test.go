package examples_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// storedRecord checks the stored item of setup.NewRecord(55, "data"): keys,
// "status" and "leave me" stored as they are, "example", "some numbers" and
// "and some binary" binary ciphertexts that do not hold their plaintext, the
// two reserved attributes, and nothing else. Then it hands the decoded
// material description and the signature to provider's checks, if any.
func storedRecord(provider func(t *testing.T, desc map[string]string, signature []byte)) func(*testing.T, *dynamodb.Client, string) {
	return func(t *testing.T, db *dynamodb.Client, table string) {
		key := map[string]types.AttributeValue{
			"partition_attribute": &types.AttributeValueMemberS{Value: "is this"},
			"sort_attribute":      &types.AttributeValueMemberN{Value: "55"},
		}
		out, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
		if err != nil || out.Item == nil {
			t.Fatalf("reading record 55 as stored: %v, %v", out, err)
		}
		item := out.Item
		plain := map[string]string{"partition_attribute": "is this", "sort_attribute": "55", "status": "active", "leave me": "alone"}
		encrypted := map[string]string{"example": "data", "some numbers": "99", "and some binary": "\x00\x01\x02"}
		want := append(slices.Collect(maps.Keys(plain)), slices.Collect(maps.Keys(encrypted))...)
		want = append(want, crypto.DescriptionAttribute, crypto.SignatureAttribute)
		slices.Sort(want)
		if got := slices.Sorted(maps.Keys(item)); !slices.Equal(got, want) {
			t.Errorf("stored attributes %q, want %q", got, want)
		}
		for name, v := range plain {
			if got := scalar(item[name]); got != v {
				t.Errorf("stored %q = %#v, want %q as saved", name, item[name], v)
			}
		}
		for name, pt := range encrypted {
			ct, ok := item[name].(*types.AttributeValueMemberB)
			if !ok {
				t.Errorf("stored %q = %T, want an encrypted (binary) value", name, item[name])
				continue
			}
			// IV and at least one AES block; shorter plaintexts may occur in
			// random bytes by chance.
			if len(ct.Value) < 32 || len(pt) >= 4 && bytes.Contains(ct.Value, []byte(pt)) {
				t.Errorf("stored %q = %x is no ciphertext of %q", name, ct.Value, pt)
			}
		}
		b, ok := item[crypto.DescriptionAttribute].(*types.AttributeValueMemberB)
		if !ok {
			t.Fatalf("stored %s = %T, want binary", crypto.DescriptionAttribute, item[crypto.DescriptionAttribute])
		}
		desc, err := crypto.DecodeMaterialDescription(b.Value)
		if err != nil {
			t.Fatalf("stored material description: %v", err)
		}
		wantDescription(t, desc, "amzn-ddb-map-sym-mode", "/CBC/PKCS5Padding")
		sig, ok := item[crypto.SignatureAttribute].(*types.AttributeValueMemberB)
		if !ok {
			t.Fatalf("stored %s = %T, want binary", crypto.SignatureAttribute, item[crypto.SignatureAttribute])
		}
		if provider != nil {
			provider(t, desc, sig.Value)
		}
	}
}

func scalar(av types.AttributeValue) string {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return v.Value
	case *types.AttributeValueMemberN:
		return v.Value
	}
	return fmt.Sprintf("%T", av)
}

func wantDescription(t *testing.T, desc map[string]string, field, want string) {
	t.Helper()
	if got := desc[field]; got != want {
		t.Errorf("material description %s = %q, want %q (%v)", field, got, want, desc)
	}
}

func wantSignature(t *testing.T, sig []byte, n int) {
	t.Helper()
	if len(sig) != n {
		t.Errorf("signature of %d bytes, want %d", len(sig), n)
	}
}

// deleteAtEnd deletes the example's table when the test ends: the examples
// create their table and leave it, as a program should.
func deleteAtEnd(t *testing.T, db *dynamodb.Client, table string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)})
		if _, notFound := errors.AsType[*types.ResourceNotFoundException](err); err != nil && !notFound {
			t.Errorf("deleting table %s: %v", table, err)
		}
	})
}

// noEmailInTheClear checks that examples/beacon stored its six customers
// with each email encrypted and a one-digit beacon, and no email anywhere
// in the clear.
func noEmailInTheClear(t *testing.T, db *dynamodb.Client, table string) {
	scan, err := db.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	if len(scan.Items) != 6 {
		t.Fatalf("%d customers stored, want 6", len(scan.Items))
	}
	for _, item := range scan.Items {
		if _, ok := item["email"].(*types.AttributeValueMemberB); !ok {
			t.Errorf("customer %v: email stored as %T", item["id"], item["email"])
		}
		if b, ok := item["ddbcrypt_b_email"].(*types.AttributeValueMemberS); !ok || len(b.Value) != 1 {
			t.Errorf("customer %v: beacon %#v", item["id"], item["ddbcrypt_b_email"])
		}
		for name, av := range item {
			if s, ok := av.(*types.AttributeValueMemberS); ok && strings.Contains(s.Value, "@") {
				t.Errorf("customer %v: attribute %q holds an email in the clear: %q", item["id"], name, s.Value)
			}
		}
	}
}

// emptyTable checks that the example left no item in its table.
func emptyTable(t *testing.T, db *dynamodb.Client, table string) {
	scan, err := db.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(table), Select: types.SelectCount})
	if err != nil {
		t.Fatal(err)
	}
	if scan.Count != 0 {
		t.Errorf("the example left %d items behind", scan.Count)
	}
}
