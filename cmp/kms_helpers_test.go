package cmp_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// kmsCall is one recorded KMS call.
type kmsCall struct {
	Op          string // "GenerateDataKey" or "Decrypt"
	KeyID       string
	Context     map[string]string
	GrantTokens []string
	Blob        []byte // Decrypt's CiphertextBlob
	Bytes       int32  // GenerateDataKey's NumberOfBytes
}

// countingKMS records every call and passes it on to next.
type countingKMS struct {
	next cmp.KMSClient

	mu    sync.Mutex
	calls []kmsCall
}

func newCountingKMS(next cmp.KMSClient) *countingKMS { return &countingKMS{next: next} }

func (c *countingKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, o ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	c.record(kmsCall{Op: "GenerateDataKey", KeyID: aws.ToString(in.KeyId), Context: maps.Clone(in.EncryptionContext),
		GrantTokens: append([]string(nil), in.GrantTokens...), Bytes: aws.ToInt32(in.NumberOfBytes)})
	return c.next.GenerateDataKey(ctx, in, o...)
}

func (c *countingKMS) Decrypt(ctx context.Context, in *kms.DecryptInput, o ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	c.record(kmsCall{Op: "Decrypt", KeyID: aws.ToString(in.KeyId), Context: maps.Clone(in.EncryptionContext),
		GrantTokens: append([]string(nil), in.GrantTokens...), Blob: bytes.Clone(in.CiphertextBlob)})
	return c.next.Decrypt(ctx, in, o...)
}

func (c *countingKMS) record(k kmsCall) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = append(c.calls, k)
}

// count returns the number of calls of op ("" for all).
func (c *countingKMS) count(op string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, k := range c.calls {
		if op == "" || k.Op == op {
			n++
		}
	}
	return n
}

func (c *countingKMS) last() kmsCall {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.calls) == 0 {
		return kmsCall{}
	}
	return c.calls[len(c.calls)-1]
}

func (c *countingKMS) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.calls = nil
}

// wantCalls fails unless exactly gdk GenerateDataKey and dec Decrypt calls
// were made, and no others.
func (c *countingKMS) wantCalls(t testing.TB, gdk, dec int) {
	t.Helper()
	if g, d, all := c.count("GenerateDataKey"), c.count("Decrypt"), c.count(""); g != gdk || d != dec || all != gdk+dec {
		t.Fatalf("KMS calls: %d GenerateDataKey, %d Decrypt, %d in all; want %d, %d", g, d, all, gdk, dec)
	}
}

// fakeKMS is an in-memory KMS: GenerateDataKey returns dataKey (or a
// counter-derived key) and a blob that Decrypt accepts only with the same
// encryption context and key id.
type fakeKMS struct {
	dataKey []byte // fixed data key; nil: a fresh one per call
	keyID   string // the only key id accepted; "" accepts any

	// err, if set, is returned by every call.
	err error
	// block, if set, makes Decrypt wait until it is closed.
	block chan struct{}

	mu    sync.Mutex
	n     int
	blobs map[string]fakeBlob
}

type fakeBlob struct {
	key     []byte
	context map[string]string
	keyID   string
}

func (f *fakeKMS) GenerateDataKey(ctx context.Context, in *kms.GenerateDataKeyInput, _ ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.err != nil {
		return nil, f.err
	}
	if f.keyID != "" && aws.ToString(in.KeyId) != f.keyID {
		return nil, &kmstypes.NotFoundException{Message: aws.String("no such key")}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	key := f.dataKey
	if key == nil {
		key = bytes.Repeat([]byte{byte(f.n)}, int(aws.ToInt32(in.NumberOfBytes)))
	}
	blob := fmt.Sprintf("blob-%d", f.n)
	if f.blobs == nil {
		f.blobs = map[string]fakeBlob{}
	}
	f.blobs[blob] = fakeBlob{key: bytes.Clone(key), context: maps.Clone(in.EncryptionContext), keyID: aws.ToString(in.KeyId)}
	return &kms.GenerateDataKeyOutput{Plaintext: bytes.Clone(key), CiphertextBlob: []byte(blob), KeyId: in.KeyId}, nil
}

func (f *fakeKMS) Decrypt(ctx context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if f.err != nil {
		return nil, f.err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.blobs[string(in.CiphertextBlob)]
	if !ok || !maps.Equal(b.context, in.EncryptionContext) {
		return nil, &kmstypes.InvalidCiphertextException{Message: aws.String("bad ciphertext")}
	}
	if in.KeyId != nil && *in.KeyId != b.keyID {
		return nil, &kmstypes.IncorrectKeyException{Message: aws.String("wrong key")}
	}
	return &kms.DecryptOutput{Plaintext: bytes.Clone(b.key), KeyId: aws.String(b.keyID)}, nil
}

// newDirectKMS builds a provider or fails the test.
func newDirectKMS(t testing.TB, cfg cmp.DirectKMSConfig) *cmp.DirectKMS {
	t.Helper()
	p, err := cmp.NewDirectKMS(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// providerContext is the provider-side context of an item in that table.
func providerContext(table string, item map[string]types.AttributeValue, desc map[string]string) *cmp.EncryptionContext {
	return &cmp.EncryptionContext{TableName: table, PartitionKeyName: "partition_attribute", SortKeyName: "sort_attribute",
		Attributes: item, MaterialDescription: desc}
}

// storedDescription parses the description of an encrypted item.
func storedDescription(t testing.TB, item map[string]types.AttributeValue) map[string]string {
	t.Helper()
	b, ok := item[crypto.DescriptionAttribute].(*types.AttributeValueMemberB)
	if !ok {
		t.Fatalf("no material description in %v", item)
	}
	d, err := crypto.DecodeMaterialDescription(b.Value)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// wantKMSError fails unless err is a *cmp.KMSError for op that wraps
// ddbcrypt.ErrKeyService.
func wantKMSError(t testing.TB, err error, keyID, op string) *cmp.KMSError {
	t.Helper()
	var ke *cmp.KMSError
	if !errors.As(err, &ke) {
		t.Fatalf("error %v (%T), want a *cmp.KMSError", err, err)
	}
	if ke.KeyID != keyID || ke.Operation != op {
		t.Fatalf("KMSError{KeyID: %q, Operation: %q}, want %q, %q", ke.KeyID, ke.Operation, keyID, op)
	}
	if !errors.Is(err, ddbcrypt.ErrKeyService) {
		t.Fatalf("error %v does not wrap ddbcrypt.ErrKeyService", err)
	}
	return ke
}
