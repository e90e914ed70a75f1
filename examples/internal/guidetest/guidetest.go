// Package guidetest checks what the mapper examples leave in DynamoDB Local
// when they save the guide's record: keys and "leave me" stored as they
// are, every other attribute encrypted to a binary value, and the two
// reserved attributes. It is for the examples' tests only.
package guidetest

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

// The guide's record, as the examples save it.
const (
	Partition = "is this"
	Sort      = 55
	Example   = "data"
	Numbers   = 99
	LeaveMe   = "alone"
)

// Binary is the record's "and some binary".
var Binary = []byte{0x00, 0x01, 0x02}

// Key is the record's primary key.
func Key() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"partition_attribute": &types.AttributeValueMemberS{Value: Partition},
		"sort_attribute":      &types.AttributeValueMemberN{Value: fmt.Sprint(Sort)},
	}
}

// CheckLines checks an example's output: a "saved" and a "loaded" line
// (then, optionally, more), both showing want, the record the test expects
// formatted with %+v.
func CheckLines(t testing.TB, out, want string) (rest []string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 {
		t.Fatalf("output has %d lines, want a saved and a loaded one:\n%s", len(lines), out)
	}
	for i, prefix := range []string{"saved  ", "loaded "} {
		if got, ok := strings.CutPrefix(lines[i], prefix); !ok || got != want {
			t.Errorf("line %d: %q, want %q", i+1, lines[i], prefix+want)
		}
	}
	return lines[2:]
}

// Stored reads the guide's record as stored in table and checks it: the
// keys and "leave me" as saved, "example", "some numbers" and "and some
// binary" binary ciphertexts that do not hold their plaintext, the two
// reserved attributes binary, and nothing else. It returns the decoded
// material description and the signature, for the provider's own checks.
func Stored(t testing.TB, db *dynamodb.Client, table string) (desc map[string]string, signature []byte) {
	t.Helper()
	out, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: Key(), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatalf("reading the stored record: %v", err)
	}
	item := out.Item
	if item == nil {
		t.Fatalf("no record stored in %s", table)
	}
	plain := map[string]types.AttributeValue{
		"partition_attribute": &types.AttributeValueMemberS{Value: Partition},
		"sort_attribute":      &types.AttributeValueMemberN{Value: fmt.Sprint(Sort)},
		"leave me":            &types.AttributeValueMemberS{Value: LeaveMe},
	}
	encrypted := map[string][]byte{
		"example":         []byte(Example),
		"some numbers":    []byte(fmt.Sprint(Numbers)),
		"and some binary": Binary,
	}
	want := slices.Sorted(maps.Keys(plain))
	want = append(want, slices.Sorted(maps.Keys(encrypted))...)
	want = append(want, crypto.DescriptionAttribute, crypto.SignatureAttribute)
	slices.Sort(want)
	if got := slices.Sorted(maps.Keys(item)); !slices.Equal(got, want) {
		t.Errorf("stored attributes %q, want %q", got, want)
	}
	for name, av := range plain {
		if got, ok := item[name]; !ok || !sameScalar(got, av) {
			t.Errorf("stored %q = %#v, want it as saved: %#v", name, got, av)
		}
	}
	for name, pt := range encrypted {
		ct, ok := item[name].(*types.AttributeValueMemberB)
		if !ok {
			t.Errorf("stored %q = %T, want an encrypted (binary) value", name, item[name])
			continue
		}
		// IV and at least one AES block.
		if len(ct.Value) < 32 {
			t.Errorf("stored %q is %d bytes, too short for a ciphertext", name, len(ct.Value))
		}
		// Shorter plaintexts may occur in random bytes by chance.
		if len(pt) >= 4 && bytes.Contains(ct.Value, pt) {
			t.Errorf("stored %q holds its plaintext %q", name, pt)
		}
	}
	b, ok := item[crypto.DescriptionAttribute].(*types.AttributeValueMemberB)
	if !ok {
		t.Fatalf("stored %s = %T, want binary", crypto.DescriptionAttribute, item[crypto.DescriptionAttribute])
	}
	if desc, err = crypto.DecodeMaterialDescription(b.Value); err != nil {
		t.Fatalf("stored material description: %v", err)
	}
	if got := desc["amzn-ddb-map-sym-mode"]; got != "/CBC/PKCS5Padding" {
		t.Errorf("material description amzn-ddb-map-sym-mode = %q, want /CBC/PKCS5Padding (%v)", got, desc)
	}
	sig, ok := item[crypto.SignatureAttribute].(*types.AttributeValueMemberB)
	if !ok {
		t.Fatalf("stored %s = %T, want binary", crypto.SignatureAttribute, item[crypto.SignatureAttribute])
	}
	return desc, sig.Value
}

func sameScalar(a, b types.AttributeValue) bool {
	switch x := a.(type) {
	case *types.AttributeValueMemberS:
		y, ok := b.(*types.AttributeValueMemberS)
		return ok && x.Value == y.Value
	case *types.AttributeValueMemberN:
		y, ok := b.(*types.AttributeValueMemberN)
		return ok && x.Value == y.Value
	}
	return false
}

// DeleteTableAtEnd deletes the example's table when the test ends: the
// examples create their table and leave it, as a program should.
func DeleteTableAtEnd(t testing.TB, db *dynamodb.Client, table string) {
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)})
		var nf *types.ResourceNotFoundException
		if err != nil && !errors.As(err, &nf) {
			t.Errorf("deleting table %s: %v", table, err)
		}
	})
}
