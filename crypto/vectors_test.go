package crypto_test

// The unit vectors of the public test vectors (docs/format.md 9.2–9.5).

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	gocmp "github.com/google/go-cmp/cmp"

	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors/vectorstest"
)

// loadCases reads a unit vector file, which is a JSON array of cases.
func loadCases[T any](t *testing.T, name string, want int) []T {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectorstest.Dir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	var cases []T
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if len(cases) != want {
		t.Fatalf("%s: %d cases, want %d", name, len(cases), want)
	}
	return cases
}

func b64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func attribute(t *testing.T, raw json.RawMessage) types.AttributeValue {
	t.Helper()
	av, err := vectors.UnmarshalAttribute(raw)
	if err != nil {
		t.Fatal(err)
	}
	return av
}

type attributeCase struct {
	Attribute  json.RawMessage `json:"attribute"`
	Serialized string          `json:"serialized"`
}

func TestVectorsSerializeAttribute(t *testing.T) {
	for i, c := range loadCases[attributeCase](t, "serialize_attribute.json", 22) {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got, err := crypto.SerializeAttribute(attribute(t, c.Attribute))
			if err != nil {
				t.Fatalf("%s: %v", c.Attribute, err)
			}
			if want := b64(t, c.Serialized); !bytes.Equal(got, want) {
				t.Errorf("%s:\n got %x\nwant %x", c.Attribute, got, want)
			}
		})
	}
}

func TestVectorsDeserializeAttribute(t *testing.T) {
	for i, c := range loadCases[attributeCase](t, "deserialize_attribute.json", 15) {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			got, err := crypto.DeserializeAttribute(b64(t, c.Serialized))
			if err != nil {
				t.Fatalf("%s: %v", c.Serialized, err)
			}
			// Canonical forms compare sets without order and numbers by value.
			want := attribute(t, c.Attribute)
			if diff := gocmp.Diff(vectors.Canonical(want), vectors.Canonical(got)); diff != "" {
				t.Errorf("%s (-want +got):\n%s", c.Serialized, diff)
			}
		})
	}
}

func TestVectorsMaterialDescription(t *testing.T) {
	type descCase struct {
		Description map[string]string `json:"material_description"`
		Serialized  string            `json:"serialized"`
	}
	for i, c := range loadCases[descCase](t, "material_description.json", 3) {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			want := b64(t, c.Serialized)
			if got := crypto.EncodeMaterialDescription(c.Description); !bytes.Equal(got, want) {
				t.Errorf("encode %v:\n got %x\nwant %x", c.Description, got, want)
			}
			got, err := crypto.DecodeMaterialDescription(want)
			if err != nil {
				t.Fatal(err)
			}
			if diff := gocmp.Diff(c.Description, got); diff != "" {
				t.Errorf("decode %x (-want +got):\n%s", want, diff)
			}
		})
	}
}

func TestVectorsStringToSign(t *testing.T) {
	type signCase struct {
		Table string `json:"table"`
		Item  map[string]struct {
			Value  json.RawMessage `json:"value"`
			Action string          `json:"action"`
		} `json:"item"`
		StringToSign string `json:"string_to_sign"`
	}
	actionOf := map[string]crypto.Action{"encrypt": crypto.EncryptAndSign, "sign": crypto.SignOnly, "nothing": crypto.DoNothing}
	for i, c := range loadCases[signCase](t, "string_to_sign.json", 4) {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			item := map[string]types.AttributeValue{}
			// Attributes not listed would be DoNothing (docs/format.md 9.5).
			actions := crypto.AttributeActions{Default: crypto.DoNothing, Overrides: map[string]crypto.Action{}}
			for name, a := range c.Item {
				act, ok := actionOf[a.Action]
				if !ok {
					t.Fatalf("%s: unknown action %q", name, a.Action)
				}
				item[name] = attribute(t, a.Value)
				actions.Overrides[name] = act
			}
			got, err := crypto.StringToSign(c.Table, item, actions)
			if err != nil {
				t.Fatal(err)
			}
			if want := b64(t, c.StringToSign); !bytes.Equal(got, want) {
				t.Errorf("table %s:\n got %x\nwant %x", c.Table, got, want)
			}
		})
	}
}
