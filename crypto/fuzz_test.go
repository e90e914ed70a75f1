package crypto_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors/vectorstest"
)

// vectorSeeds returns the base64 field of every case of a unit vector file,
// decoded, to seed a fuzz corpus; none when the vectors are absent.
func vectorSeeds(f *testing.F, file, field string) [][]byte {
	dir, ok := vectorstest.Find()
	if !ok {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		f.Fatal(err)
	}
	var cases []map[string]any
	if err := json.Unmarshal(data, &cases); err != nil {
		f.Fatal(err)
	}
	var seeds [][]byte
	for _, c := range cases {
		s, _ := c[field].(string)
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			f.Fatalf("%s: %v", file, err)
		}
		seeds = append(seeds, b)
	}
	return seeds
}

func FuzzDeserializeAttribute(f *testing.F) {
	f.Add([]byte{0, 0})
	for _, file := range []string{"serialize_attribute.json", "deserialize_attribute.json"} {
		for _, b := range vectorSeeds(f, file, "serialized") {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		av, err := crypto.DeserializeAttribute(b)
		if err != nil {
			if !errors.Is(err, ddbcrypt.ErrSerialization) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// What parses serializes again, unless it holds a malformed number
		// (numbers are returned as stored).
		if _, err := crypto.SerializeAttribute(av); err != nil && !errors.Is(err, ddbcrypt.ErrInvalidItem) {
			t.Fatalf("re-serializing %x: %v", b, err)
		}
	})
}

func FuzzDecodeMaterialDescription(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0})
	for _, b := range vectorSeeds(f, "material_description.json", "serialized") {
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
