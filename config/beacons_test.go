package config_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	gocmp "github.com/google/go-cmp/cmp"

	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/config"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// beaconDoc is a configuration with a static provider and the given
// "beacons" object.
func beaconDoc(k *keys, beacons string) string {
	return `{"provider": {"type": "static", "signingKey": {"hmac": "` + k.hmacB64 + `"}}, "actions": {"default": "encrypt"}, "beacons": ` + beacons + `}`
}

// sameBeacons fails the test unless got computes the beacons want does.
func sameBeacons(t *testing.T, got, want *beacon.Keys) {
	t.Helper()
	if got == nil {
		t.Fatal("no beacon keys")
	}
	v := &types.AttributeValueMemberS{Value: "ana@example.com"}
	g, err := got.Beacon(t.Context(), "customers", "email", v, 16)
	if err != nil {
		t.Fatal(err)
	}
	w, err := want.Beacon(t.Context(), "customers", "email", v, 16)
	if err != nil {
		t.Fatal(err)
	}
	if g.Value != w.Value {
		t.Errorf("beacon %s, want %s: not the configured root key", g.Value, w.Value)
	}
}

// TestBeacons: the beacons come sorted by attribute with their lengths,
// and a raw root key from every source gives the keys beacon.NewKeys gives.
func TestBeacons(t *testing.T) {
	k := newKeys(t)
	root := testenv.RandomKey(t, beacon.RootKeyBytes)
	want, err := beacon.NewKeys(root)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("CONFIG_TEST_BEACON_ROOT", base64.StdEncoding.EncodeToString(root))
	file := filepath.Join(k.dir, "beacon.key")
	if err := os.WriteFile(file, root, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, src := range []string{"base64:" + base64.StdEncoding.EncodeToString(root), "env:CONFIG_TEST_BEACON_ROOT", "file:" + file} {
		c, err := load(t, beaconDoc(k, `{"rootKey": {"raw": "`+src+`"}, "attributes": {"phone": 20, "email": 16}}`))
		src, _, _ := strings.Cut(src, ":") // the scheme only in messages: no key
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		specs := c.Beacons()
		if diff := gocmp.Diff([]beacon.Spec{{Attribute: "email", Bits: 16}, {Attribute: "phone", Bits: 20}}, specs); diff != "" {
			t.Errorf("%s: Beacons() (-want +got):\n%s", src, diff)
		}
		specs[0].Bits = 2
		if c.Beacons()[0].Bits != 16 {
			t.Error("changing the returned beacons changed the configuration")
		}
		got, err := c.BeaconKeys(config.Clients{})
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		sameBeacons(t, got, want)
	}

	// Attributes without a root key: a reader's configuration.
	c, err := load(t, beaconDoc(k, `{"attributes": {"email": 8}}`))
	if err != nil {
		t.Fatal(err)
	}
	if keys, err := c.BeaconKeys(fakes); keys != nil || err != nil {
		t.Errorf("BeaconKeys() without a root key = %v, %v; want nil, nil", keys, err)
	}
	if got := c.Beacons(); len(got) != 1 || got[0] != (beacon.Spec{Attribute: "email", Bits: 8}) {
		t.Errorf("Beacons() = %+v", got)
	}

	// No beacons at all.
	c, err = load(t, `{"provider": {"type": "static", "signingKey": {"hmac": "`+k.hmacB64+`"}}}`)
	if err != nil {
		t.Fatal(err)
	}
	if keys, err := c.BeaconKeys(fakes); keys != nil || err != nil || c.Beacons() != nil {
		t.Errorf("a file without beacons: BeaconKeys() = %v, %v; Beacons() = %v", keys, err, c.Beacons())
	}
}

// rootKeyKMS is a KMS client that decrypts one ciphertext under one key,
// with the beacon root key's encryption context, to plaintext.
type rootKeyKMS struct {
	fakeKMS
	keyID      string
	ciphertext []byte
	plaintext  []byte
}

func (f *rootKeyKMS) Decrypt(_ context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	if aws.ToString(in.KeyId) != f.keyID || !bytes.Equal(in.CiphertextBlob, f.ciphertext) || in.EncryptionContext[beacon.KMSContextKey] != beacon.KMSContextPurpose {
		return nil, errors.New("AccessDeniedException")
	}
	return &kms.DecryptOutput{Plaintext: bytes.Clone(f.plaintext)}, nil
}

// TestBeaconKMSRootKey: a root key under KMS is decrypted with the
// configured key id and ciphertext through Clients.KMS, which it needs.
func TestBeaconKMSRootKey(t *testing.T) {
	k := newKeys(t)
	client := &rootKeyKMS{keyID: "alias/beacons", ciphertext: testenv.RandomKey(t, 64), plaintext: testenv.RandomKey(t, beacon.RootKeyBytes)}
	want, err := beacon.NewKeys(client.plaintext)
	if err != nil {
		t.Fatal(err)
	}
	c, err := load(t, beaconDoc(k, `{"rootKey": {"kms": {"keyId": "alias/beacons", "ciphertext": "base64:`+base64.StdEncoding.EncodeToString(client.ciphertext)+`"}}, "attributes": {"email": 16}}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.BeaconKeys(config.Clients{KMS: client})
	if err != nil {
		t.Fatal(err)
	}
	sameBeacons(t, got, want)

	keys, err := c.BeaconKeys(config.Clients{DynamoDB: fakeDB{}})
	if keys != nil {
		t.Errorf("keys %v with an error", keys)
	}
	wantError(t, err, "beacons.rootKey.kms", "needs a KMS client", nil)
}

// TestBeaconErrors: each mistake in "beacons" is an *Error at its path,
// without key material.
func TestBeaconErrors(t *testing.T) {
	k := newKeys(t)
	short := base64.StdEncoding.EncodeToString(k.aes[:16])
	secrets := []string{short, string(k.aes[:16]), k.aesB64[len("base64:"):]}
	raw := `{"rootKey": {"raw": "` + k.aesB64 + `"}, "attributes": `
	tests := []struct {
		name, beacons, path, says string
	}{
		{"not an object", `[1]`, "beacons", "must be a JSON object"},
		{"empty", `{}`, "beacons", "needs attributes, rootKey or both"},
		{"unknown field", `{"attributes": {"email": 16}, "bits": 16}`, "beacons.bits", "unknown field"},
		{"attributes not an object", `{"attributes": ["email"]}`, "beacons.attributes", "must be an object"},
		{"bits not a number", raw + `{"email": "16"}}`, "beacons.attributes.email", "whole number of bits from 2 to 63"},
		{"bits not whole", raw + `{"email": 16.5}}`, "beacons.attributes.email", "whole number of bits"},
		{"bits null", raw + `{"email": null}}`, "beacons.attributes.email", "a beacon has 2 to 63 bits, not 0"},
		{"too few bits", raw + `{"email": 1}}`, "beacons.attributes.email", "a beacon has 2 to 63 bits, not 1"},
		{"too many bits", raw + `{"email": 64}}`, "beacons.attributes.email", "not 64"},
		{"empty attribute", raw + `{"": 16}}`, "beacons.attributes.", "must not be empty"},
		{"reserved attribute", raw + `{"*amzn-ddb-map-desc*": 16}}`, "beacons.attributes.*amzn-ddb-map-desc*", "reserved"},
		{"root key not an object", `{"rootKey": "` + k.aesB64 + `"}`, "beacons.rootKey", "must be a JSON object"},
		{"root key empty", `{"rootKey": {}}`, "beacons.rootKey", "exactly one of raw or kms"},
		{"root key both", `{"rootKey": {"raw": "` + k.aesB64 + `", "kms": {"keyId": "k", "ciphertext": "base64:AAAA"}}}`, "beacons.rootKey", "exactly one of raw or kms"},
		{"root key unknown field", `{"rootKey": {"aes": "` + k.aesB64 + `"}}`, "beacons.rootKey.aes", "unknown field"},
		{"root key short", `{"rootKey": {"raw": "base64:` + short + `"}}`, "beacons.rootKey.raw", "32 bytes, not 16"},
		{"root key no scheme", `{"rootKey": {"raw": "` + short + `"}}`, "beacons.rootKey.raw", "starts with base64:, env: or file:"},
		{"root key env unset", `{"rootKey": {"raw": "env:CONFIG_TEST_UNSET"}}`, "beacons.rootKey.raw", "CONFIG_TEST_UNSET is not set"},
		{"kms no key id", `{"rootKey": {"kms": {"ciphertext": "base64:AAAA"}}}`, "beacons.rootKey.kms.keyId", "required"},
		{"kms no ciphertext", `{"rootKey": {"kms": {"keyId": "alias/k"}}}`, "beacons.rootKey.kms.ciphertext", "required"},
		{"kms empty ciphertext", `{"rootKey": {"kms": {"keyId": "alias/k", "ciphertext": "base64:"}}}`, "beacons.rootKey.kms.ciphertext", "empty"},
		{"kms bad ciphertext", `{"rootKey": {"kms": {"keyId": "alias/k", "ciphertext": "base64:!"}}}`, "beacons.rootKey.kms.ciphertext", "not valid standard base64"},
		{"kms unknown field", `{"rootKey": {"kms": {"keyId": "alias/k", "ciphertext": "base64:AAAA", "grantTokens": []}}}`, "beacons.rootKey.kms.grantTokens", "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := load(t, beaconDoc(k, tt.beacons))
			wantError(t, err, tt.path, tt.says, secrets)
		})
	}
}
