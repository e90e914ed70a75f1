package crypto_test

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

func FuzzDecodeMaterialDescription(f *testing.F) {
	for _, s := range []string{
		"AAAAAA==",
		"AAAAAAAAAAFBAAAAB0ZpZWxkIEEAAAABQgAAAAdGaWVsZCBCAAAAAUMAAAADMTIz",
		"AAAAAAAAABVhbXpuLWRkYi1tYXAtc3ltLW1vZGUAAAARL0NCQy9QS0NTNVBhZGRpbmc=",
	} {
		b, _ := base64.StdEncoding.DecodeString(s)
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := crypto.DecodeMaterialDescription(b)
		if err != nil {
			if !errors.Is(err, ddbcrypt.ErrMaterialDescription) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// A parsed description re-encodes to something that parses the same.
		d2, err := crypto.DecodeMaterialDescription(crypto.EncodeMaterialDescription(d))
		if err != nil || len(d2) != len(d) {
			t.Fatalf("re-encoding %v: %v, %v", d, d2, err)
		}
	})
}

// FuzzDecryptItem feeds DecryptItem an encrypted item with one attribute
// replaced by fuzzed bytes: it must fail cleanly (never panic, never
// succeed unless the bytes are the original ones).
func FuzzDecryptItem(f *testing.F) {
	e := crypto.NewEncryptor(wrappedProvider(f))
	item, err := e.EncryptItem(context.Background(), exampleItem(), exampleActions, testContext)
	if err != nil {
		f.Fatal(err)
	}
	names := []string{"example", "binary", crypto.SignatureAttribute, crypto.DescriptionAttribute, "test"}
	for i, name := range names {
		if b, ok := item[name].(*types.AttributeValueMemberB); ok {
			f.Add(uint8(i), b.Value)
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, value []byte) {
		name := names[int(which)%len(names)]
		tampered := make(map[string]types.AttributeValue, len(item))
		for k, v := range item {
			tampered[k] = v
		}
		tampered[name] = &types.AttributeValueMemberB{Value: value}
		_, err := e.DecryptItem(context.Background(), tampered, exampleActions, testContext)
		if err == nil {
			if orig, ok := item[name].(*types.AttributeValueMemberB); !ok || string(orig.Value) != string(value) {
				t.Fatalf("tampered %s decrypted without error", name)
			}
		}
	})
}
