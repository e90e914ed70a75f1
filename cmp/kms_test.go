package cmp_test

// Direct KMS provider tests against an in-memory KMS (fakeKMS). The same
// behaviours against local-kms are in kms_integration_test.go.

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

const fakeKeyID = "arn:aws:kms:us-west-2:111122223333:key/11111111-2222-3333-4444-555555555555"

// ikm is the data key of docs/format.md 7.5's known answer: bytes 00..1f.
func ikm() []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = byte(i)
	}
	return b
}

func hmacSHA256(key, msg []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(msg)
	return m.Sum(nil)
}

// TestDirectKMSKnownAnswer checks the HKDF derivation against docs/format.md
// 7.5.4: IKM 00..1f gives these encryption and signing keys.
func TestDirectKMSKnownAnswer(t *testing.T) {
	wantEnc := mustHex("781ddf3715c39edff39465b0bdc122575ccc03d55a2bb23a3c2abadc853f0a78")
	wantSig := mustHex("1ce18b7e6ba3388e72a987d0c3b7993222c321f3cd78aefc2c846699a325a157")
	p := newDirectKMS(t, cmp.DirectKMSConfig{Client: &fakeKMS{dataKey: ikm()}, KeyID: fakeKeyID})
	ec := providerContext("kms-table", testenv.GuideItem(), nil)
	em, err := p.EncryptionMaterials(bg, ec)
	if err != nil {
		t.Fatal(err)
	}
	if !hmac.Equal(em.EncryptionKey, wantEnc) {
		t.Errorf("encryption key %x, want %x", em.EncryptionKey, wantEnc)
	}
	msg := []byte("string to sign")
	if sig, _ := em.SigningKey.Sign(msg); !hmac.Equal(sig, hmacSHA256(wantSig, msg)) || em.SigningKey.Algorithm() != "HmacSHA256" {
		t.Errorf("signing key %s does not match the known answer", em.SigningKey.Algorithm())
	}

	dm, err := p.DecryptionMaterials(bg, providerContext("kms-table", testenv.GuideItem(), em.MaterialDescription))
	if err != nil {
		t.Fatal(err)
	}
	if !hmac.Equal(dm.DecryptionKey, wantEnc) {
		t.Errorf("decryption key %x, want %x", dm.DecryptionKey, wantEnc)
	}
	if err := dm.VerificationKey.Verify(msg, hmacSHA256(wantSig, msg)); err != nil {
		t.Errorf("verification key does not match the known answer: %v", err)
	}
}

// TestDirectKMSWire checks the description and both KMS requests entry by
// entry (docs/format.md 7.5.2 – 7.5.4).
func TestDirectKMSWire(t *testing.T) {
	kmsc := newCountingKMS(&fakeKMS{})
	p := newDirectKMS(t, cmp.DirectKMSConfig{Client: kmsc, KeyID: fakeKeyID, GrantTokens: []string{"grant-1", "grant-2"},
		Description: map[string]string{"owner": "team-a"}})
	item := testenv.GuideItem()
	em, err := p.EncryptionMaterials(bg, providerContext("kms-table", item, map[string]string{"requested": "yes"}))
	if err != nil {
		t.Fatal(err)
	}
	wantContext := map[string]string{
		"*amzn-ddb-env-alg*":  "AES/256",
		"*amzn-ddb-sig-alg*":  "HmacSHA256/256",
		"partition_attribute": "is this",
		"sort_attribute":      "55",
		"*aws-kms-table*":     "kms-table",
	}
	gdk := kmsc.last()
	if gdk.Op != "GenerateDataKey" || gdk.KeyID != fakeKeyID || gdk.Bytes != 32 ||
		!maps.Equal(gdk.Context, wantContext) || strings.Join(gdk.GrantTokens, ",") != "grant-1,grant-2" {
		t.Errorf("GenerateDataKey request %+v\nwant key %s, 32 bytes, grant tokens, context %v", gdk, fakeKeyID, wantContext)
	}
	wantDesc := map[string]string{
		"owner":             "team-a",
		"requested":         "yes",
		"aws-kms-ec-attr":   "*keys*",
		"amzn-ddb-wrap-alg": "kms",
		"amzn-ddb-env-alg":  "AES/256",
		"amzn-ddb-sig-alg":  "HmacSHA256/256",
		"amzn-ddb-env-key":  base64.StdEncoding.EncodeToString([]byte("blob-1")),
	}
	if !maps.Equal(em.MaterialDescription, wantDesc) {
		t.Errorf("description %v\nwant %v", em.MaterialDescription, wantDesc)
	}

	if _, err := p.DecryptionMaterials(bg, providerContext("kms-table", item, em.MaterialDescription)); err != nil {
		t.Fatal(err)
	}
	dec := kmsc.last()
	if dec.Op != "Decrypt" || dec.KeyID != fakeKeyID || string(dec.Blob) != "blob-1" ||
		!maps.Equal(dec.Context, wantContext) || strings.Join(dec.GrantTokens, ",") != "grant-1,grant-2" {
		t.Errorf("Decrypt request %+v\nwant key %s, blob-1, grant tokens, context %v", dec, fakeKeyID, wantContext)
	}
	kmsc.wantCalls(t, 1, 1)
}

// TestDirectKMSContextValues checks how key values enter the KMS context:
// S as is, N canonical, B base64; no sort key entry for a table without one.
func TestDirectKMSContextValues(t *testing.T) {
	for _, tc := range []struct {
		name     string
		pk, sk   types.AttributeValue
		noSort   bool
		wantPK   string
		wantSK   string
		noSortEC bool
	}{
		{name: "S and N", pk: &types.AttributeValueMemberS{Value: "ü 1.0"}, sk: &types.AttributeValueMemberN{Value: "7"}, wantPK: "ü 1.0", wantSK: "7"},
		{name: "N 1.0", pk: &types.AttributeValueMemberN{Value: "1.0"}, sk: &types.AttributeValueMemberN{Value: "1E2"}, wantPK: "1", wantSK: "100"},
		{name: "N odd forms", pk: &types.AttributeValueMemberN{Value: "-0"}, sk: &types.AttributeValueMemberN{Value: "-1.0E-5"}, wantPK: "0", wantSK: "-0.00001"},
		{name: "N leading zeros", pk: &types.AttributeValueMemberN{Value: "001.50"}, sk: &types.AttributeValueMemberN{Value: "+3"}, wantPK: "1.5", wantSK: "3"},
		{name: "B", pk: &types.AttributeValueMemberB{Value: []byte{0xfb, 0xff, 0x00}}, sk: &types.AttributeValueMemberB{Value: []byte("x")}, wantPK: "+/8A", wantSK: "eA=="},
		{name: "no sort key", pk: &types.AttributeValueMemberS{Value: "only"}, noSort: true, wantPK: "only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kmsc := newCountingKMS(&fakeKMS{})
			p := newDirectKMS(t, cmp.DirectKMSConfig{Client: kmsc, KeyID: fakeKeyID})
			item := map[string]types.AttributeValue{"pk": tc.pk, "v": &types.AttributeValueMemberS{Value: "x"}}
			ec := &cmp.EncryptionContext{TableName: "t", PartitionKeyName: "pk", Attributes: item}
			want := map[string]string{"*amzn-ddb-env-alg*": "AES/256", "*amzn-ddb-sig-alg*": "HmacSHA256/256", "*aws-kms-table*": "t", "pk": tc.wantPK}
			if !tc.noSort {
				item["sk"] = tc.sk
				ec.SortKeyName = "sk"
				want["sk"] = tc.wantSK
			}
			em, err := p.EncryptionMaterials(bg, ec)
			if err != nil {
				t.Fatal(err)
			}
			if got := kmsc.last().Context; !maps.Equal(got, want) {
				t.Errorf("context %v, want %v", got, want)
			}
			ec.MaterialDescription = em.MaterialDescription
			if _, err := p.DecryptionMaterials(bg, ec); err != nil {
				t.Fatal(err)
			}
			if got := kmsc.last().Context; !maps.Equal(got, want) {
				t.Errorf("decrypt context %v, want %v", got, want)
			}
		})
	}
}

// TestDirectKMSNumberKeyReadBack: an item written with key 1.0 decrypts
// when DynamoDB hands it back as 1 (docs/format.md 11 item 8, 13 Q2).
func TestDirectKMSNumberKeyReadBack(t *testing.T) {
	kmsc := newCountingKMS(&fakeKMS{})
	enc := crypto.NewEncryptor(newDirectKMS(t, cmp.DirectKMSConfig{Client: kmsc, KeyID: fakeKeyID}))
	c := crypto.Context{TableName: "t", PartitionKeyName: "pk", SortKeyName: "sk"}
	for _, tc := range []struct{ written, returned string }{{"1.0", "1"}, {"1E2", "100"}, {"-0", "0"}, {"1.50", "1.5"}} {
		item := map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberN{Value: tc.written},
			"sk": &types.AttributeValueMemberN{Value: tc.written},
			"v":  &types.AttributeValueMemberS{Value: "secret"},
		}
		stored, err := enc.EncryptItem(bg, item, testenv.GuideActions(), c)
		if err != nil {
			t.Fatal(err)
		}
		stored["pk"] = &types.AttributeValueMemberN{Value: tc.returned}
		stored["sk"] = &types.AttributeValueMemberN{Value: tc.returned}
		got, err := enc.DecryptItem(bg, stored, testenv.GuideActions(), c)
		if err != nil {
			t.Fatalf("key %s read back as %s: %v", tc.written, tc.returned, err)
		}
		if v := got["v"].(*types.AttributeValueMemberS).Value; v != "secret" {
			t.Errorf("v = %q", v)
		}
	}
}

// TestDirectKMSDescriptors checks configured descriptors: they choose the
// derived key sizes, are written to the item and the KMS context, and are
// read back from the item.
func TestDirectKMSDescriptors(t *testing.T) {
	for _, tc := range []struct {
		env, sig       string
		encLen, sigLen int
		sigAlg         string
	}{
		{"AES/128", "HmacSHA256/256", 16, 32, "HmacSHA256"},
		{"AES/192", "HmacSHA384/384", 24, 48, "HmacSHA384"},
		{"AES/256", "HmacSHA512/512", 32, 64, "HmacSHA512"},
		{"AES", "HmacSHA224", 32, 32, "HmacSHA224"},
	} {
		t.Run(tc.env+" "+tc.sig, func(t *testing.T) {
			kmsc := newCountingKMS(&fakeKMS{dataKey: ikm()})
			p := newDirectKMS(t, cmp.DirectKMSConfig{Client: kmsc, KeyID: fakeKeyID,
				Description: map[string]string{"amzn-ddb-env-alg": tc.env, "amzn-ddb-sig-alg": tc.sig}})
			em, err := p.EncryptionMaterials(bg, providerContext("kms-table", testenv.GuideItem(), nil))
			if err != nil {
				t.Fatal(err)
			}
			if len(em.EncryptionKey) != tc.encLen || em.SigningKey.Algorithm() != tc.sigAlg {
				t.Errorf("%d-byte key, %s; want %d, %s", len(em.EncryptionKey), em.SigningKey.Algorithm(), tc.encLen, tc.sigAlg)
			}
			if d := em.MaterialDescription; d["amzn-ddb-env-alg"] != tc.env || d["amzn-ddb-sig-alg"] != tc.sig {
				t.Errorf("description %v", d)
			}
			if c := kmsc.last().Context; c["*amzn-ddb-env-alg*"] != tc.env || c["*amzn-ddb-sig-alg*"] != tc.sig {
				t.Errorf("context %v", c)
			}
			// The encryption key is the HKDF output prefix of the right length.
			wantEnc := mustHex("781ddf3715c39edff39465b0bdc122575ccc03d55a2bb23a3c2abadc853f0a78")
			if !hmac.Equal(em.EncryptionKey, wantEnc[:tc.encLen]) {
				t.Errorf("encryption key %x", em.EncryptionKey)
			}
			// A reader with the default configuration follows the item.
			reader := newDirectKMS(t, cmp.DirectKMSConfig{Client: kmsc, KeyID: fakeKeyID})
			dm, err := reader.DecryptionMaterials(bg, providerContext("kms-table", testenv.GuideItem(), em.MaterialDescription))
			if err != nil {
				t.Fatal(err)
			}
			if !hmac.Equal(dm.DecryptionKey, em.EncryptionKey) || dm.VerificationKey.Algorithm() != tc.sigAlg {
				t.Errorf("decryption materials differ")
			}
		})
	}
}

func TestDirectKMSConfigErrors(t *testing.T) {
	f := &fakeKMS{}
	for name, cfg := range map[string]cmp.DirectKMSConfig{
		"no key id":             {Client: f},
		"no client":             {KeyID: fakeKeyID},
		"region client, no ARN": {KeyID: "alias/x", RegionClient: func(string) (cmp.KMSClient, error) { return f, nil }},
		"region client fails":   {KeyID: fakeKeyID, RegionClient: func(string) (cmp.KMSClient, error) { return nil, errors.New("no") }},
		"env-alg AES/64":        {Client: f, KeyID: "k", Description: map[string]string{"amzn-ddb-env-alg": "AES/64"}},
		"env-alg DES":           {Client: f, KeyID: "k", Description: map[string]string{"amzn-ddb-env-alg": "DESede/168"}},
		"sig-alg RSA":           {Client: f, KeyID: "k", Description: map[string]string{"amzn-ddb-sig-alg": "SHA256withRSA/256"}},
		"sig-alg SHA1":          {Client: f, KeyID: "k", Description: map[string]string{"amzn-ddb-sig-alg": "HmacSHA1/160"}},
		"sig-alg odd length":    {Client: f, KeyID: "k", Description: map[string]string{"amzn-ddb-sig-alg": "HmacSHA256/100"}},
		"sig-alg 0":             {Client: f, KeyID: "k", Description: map[string]string{"amzn-ddb-sig-alg": "HmacSHA256/0"}},
		"reserved env-key":      {Client: f, KeyID: "k", Description: map[string]string{"amzn-ddb-env-key": "x"}},
		"reserved wrap-alg":     {Client: f, KeyID: "k", Description: map[string]string{"amzn-ddb-wrap-alg": "kms"}},
		"reserved ec-attr":      {Client: f, KeyID: "k", Description: map[string]string{"aws-kms-ec-attr": "*keys*"}},
		"reserved sym-mode":     {Client: f, KeyID: "k", Description: map[string]string{"amzn-ddb-map-sym-mode": "/CBC/PKCS5Padding"}},
		"cache without TTL":     {Client: f, KeyID: "k", Cache: &cmp.DataKeyCacheConfig{MaxEntries: 10}},
		"cache negative size":   {Client: f, KeyID: "k", Cache: &cmp.DataKeyCacheConfig{MaxEntries: -1, TTL: time.Minute}},
		"cache negative uses":   {Client: f, KeyID: "k", Cache: &cmp.DataKeyCacheConfig{MaxUses: -1, TTL: time.Minute}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := cmp.NewDirectKMS(cfg)
			wantIs(t, err, ddbcrypt.ErrInvalidConfig)
		})
	}
}

// TestDirectKMSRegionClient: with RegionClient, calls for a key ARN go to
// the client of the ARN's region (docs/format.md 7.5, Java's multi-Region key
// example); key ids and alias names use Client.
func TestDirectKMSRegionClient(t *testing.T) {
	for _, tc := range []struct {
		keyID, region string
	}{
		{"arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd", "eu-west-1"},
		{"arn:aws:kms:ap-south-2:111122223333:alias/my-key", "ap-south-2"},
		{"arn:aws-cn:kms:cn-north-1:111122223333:key/abc", "cn-north-1"},
		{"1234abcd-12ab-34cd-56ef-1234567890ab", ""},
		{"alias/my-key", ""},
		{"arn:aws:kms:eu-west-1:111122223333:something/else", ""},
		{"arn:aws:s3:eu-west-1:111122223333:key/x", ""},
	} {
		t.Run(tc.keyID, func(t *testing.T) {
			if got, ok := cmp.KMSKeyRegion(tc.keyID); got != tc.region || ok != (tc.region != "") {
				t.Errorf("region %q, %v; want %q", got, ok, tc.region)
			}
			home, regional := newCountingKMS(&fakeKMS{}), newCountingKMS(&fakeKMS{})
			var asked []string
			p := newDirectKMS(t, cmp.DirectKMSConfig{Client: home, KeyID: tc.keyID, RegionClient: func(r string) (cmp.KMSClient, error) {
				asked = append(asked, r)
				return regional, nil
			}})
			em, err := p.EncryptionMaterials(bg, providerContext("t", testenv.GuideItem(), nil))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := p.DecryptionMaterials(bg, providerContext("t", testenv.GuideItem(), em.MaterialDescription)); err != nil {
				t.Fatal(err)
			}
			used, unused := home, regional
			if tc.region != "" {
				used, unused = regional, home
				if len(asked) != 1 || asked[0] != tc.region {
					t.Errorf("RegionClient called with %q, want [%s]", asked, tc.region)
				}
			} else if len(asked) != 0 {
				t.Errorf("RegionClient called with %q for a key without region", asked)
			}
			used.wantCalls(t, 1, 1)
			unused.wantCalls(t, 0, 0)
		})
	}
	// Client may be nil when RegionClient serves the key.
	f := &fakeKMS{}
	if _, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{KeyID: fakeKeyID, RegionClient: func(string) (cmp.KMSClient, error) { return f, nil }}); err != nil {
		t.Errorf("RegionClient without Client: %v", err)
	}
}

// TestDirectKMSDescriptionErrors: the item's description is not signed, so
// only known values are accepted, and bad ones fail before any KMS call.
func TestDirectKMSDescriptionErrors(t *testing.T) {
	kmsc := newCountingKMS(&fakeKMS{})
	p := newDirectKMS(t, cmp.DirectKMSConfig{Client: kmsc, KeyID: fakeKeyID})
	em, err := p.EncryptionMaterials(bg, providerContext("t", testenv.GuideItem(), nil))
	if err != nil {
		t.Fatal(err)
	}
	good := em.MaterialDescription
	for _, tc := range []struct {
		field string
		kv    []string
	}{
		{"amzn-ddb-env-key", []string{"amzn-ddb-env-key", "<delete>"}},
		{"amzn-ddb-env-key", []string{"amzn-ddb-env-key", "!!!"}},
		{"amzn-ddb-env-alg", []string{"amzn-ddb-env-alg", "<delete>"}},
		{"amzn-ddb-env-alg", []string{"amzn-ddb-env-alg", "AES/64"}},
		{"amzn-ddb-env-alg", []string{"amzn-ddb-env-alg", "DESede/168"}},
		{"amzn-ddb-env-alg", []string{"amzn-ddb-env-alg", "AES/256/x"}},
		{"amzn-ddb-sig-alg", []string{"amzn-ddb-sig-alg", "<delete>"}},
		{"amzn-ddb-sig-alg", []string{"amzn-ddb-sig-alg", "HmacSHA1/160"}},
		{"amzn-ddb-sig-alg", []string{"amzn-ddb-sig-alg", "HmacSHA256/8"}},
		{"amzn-ddb-sig-alg", []string{"amzn-ddb-sig-alg", "SHA256withRSA"}},
		{"amzn-ddb-wrap-alg", []string{"amzn-ddb-wrap-alg", "AESWrap"}},
	} {
		_, err := p.DecryptionMaterials(bg, providerContext("t", testenv.GuideItem(), with(good, tc.kv...)))
		wantDescriptionError(t, err, tc.field)
	}
	kmsc.wantCalls(t, 1, 0)
	// wrap-alg may be absent.
	if _, err := p.DecryptionMaterials(bg, providerContext("t", testenv.GuideItem(), with(good, "amzn-ddb-wrap-alg", "<delete>"))); err != nil {
		t.Errorf("without wrap-alg: %v", err)
	}
}

// TestDirectKMSMissingKeyAttribute: a key attribute missing from the item,
// or of a type a KMS context cannot hold, is an error naming it, before any
// KMS call (docs/format.md 10 #12).
func TestDirectKMSMissingKeyAttribute(t *testing.T) {
	kmsc := newCountingKMS(&fakeKMS{})
	p := newDirectKMS(t, cmp.DirectKMSConfig{Client: kmsc, KeyID: fakeKeyID})
	em, err := p.EncryptionMaterials(bg, providerContext("t", testenv.GuideItem(), nil))
	if err != nil {
		t.Fatal(err)
	}
	kmsc.reset()
	for _, tc := range []struct {
		attr string
		av   types.AttributeValue // nil: removed
	}{
		{"sort_attribute", nil},
		{"partition_attribute", nil},
		{"sort_attribute", &types.AttributeValueMemberBOOL{Value: true}},
		{"partition_attribute", &types.AttributeValueMemberSS{Value: []string{"a"}}},
		{"sort_attribute", &types.AttributeValueMemberN{Value: "1e999"}},
	} {
		item := testenv.GuideItem()
		if tc.av == nil {
			delete(item, tc.attr)
		} else {
			item[tc.attr] = tc.av
		}
		for op, call := range map[string]func() error{
			"encrypt": func() error { _, err := p.EncryptionMaterials(bg, providerContext("t", item, nil)); return err },
			"decrypt": func() error {
				_, err := p.DecryptionMaterials(bg, providerContext("t", item, em.MaterialDescription))
				return err
			},
		} {
			err := call()
			var ae *ddbcrypt.AttributeError
			if !errors.As(err, &ae) || ae.Attribute != tc.attr || !errors.Is(err, ddbcrypt.ErrInvalidItem) {
				t.Errorf("%s with %s = %v: error %v, want an AttributeError for it wrapping ErrInvalidItem", op, tc.attr, tc.av, err)
			}
		}
	}
	kmsc.wantCalls(t, 0, 0)
}

// TestDirectKMSErrors: KMS failures are *KMSError wrapping ErrKeyService and
// the SDK error; a refused ciphertext is exactly ErrIntegrity.
func TestDirectKMSErrors(t *testing.T) {
	writer := newDirectKMS(t, cmp.DirectKMSConfig{Client: &fakeKMS{}, KeyID: fakeKeyID})
	em, err := writer.EncryptionMaterials(bg, providerContext("t", testenv.GuideItem(), nil))
	if err != nil {
		t.Fatal(err)
	}
	disabled := &kmstypes.DisabledException{Message: aws.String("key is disabled")}
	for _, tc := range []struct {
		name      string
		err       error
		integrity bool
	}{
		{"disabled", disabled, false},
		{"access denied", fmt.Errorf("operation error KMS: AccessDeniedException: not allowed"), false},
		{"throttled", &kmstypes.LimitExceededException{Message: aws.String("slow down")}, false},
		{"invalid ciphertext", &kmstypes.InvalidCiphertextException{Message: aws.String("bad")}, true},
		{"incorrect key", &kmstypes.IncorrectKeyException{Message: aws.String("other key")}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newDirectKMS(t, cmp.DirectKMSConfig{Client: &fakeKMS{err: tc.err}, KeyID: fakeKeyID})
			_, derr := p.DecryptionMaterials(bg, providerContext("t", testenv.GuideItem(), em.MaterialDescription))
			if tc.integrity {
				wantIntegrity(t, derr)
				return
			}
			wantKMSError(t, derr, fakeKeyID, "Decrypt")
			if !errors.Is(derr, tc.err) {
				t.Errorf("%v does not wrap the SDK error", derr)
			}
			if msg := derr.Error(); !strings.Contains(msg, fakeKeyID) || !strings.Contains(msg, "Decrypt") {
				t.Errorf("message %q does not name the key and operation", msg)
			}
			_, eerr := p.EncryptionMaterials(bg, providerContext("t", testenv.GuideItem(), nil))
			wantKMSError(t, eerr, fakeKeyID, "GenerateDataKey")
			if errors.Is(eerr, ddbcrypt.ErrIntegrity) {
				t.Errorf("a KMS failure must not look like an integrity failure: %v", eerr)
			}
		})
	}
	var de *kmstypes.DisabledException
	p := newDirectKMS(t, cmp.DirectKMSConfig{Client: &fakeKMS{err: disabled}, KeyID: fakeKeyID})
	if _, err := p.EncryptionMaterials(bg, providerContext("t", testenv.GuideItem(), nil)); !errors.As(err, &de) {
		t.Errorf("errors.As does not reach the SDK's DisabledException: %v", err)
	}
}

// TestDirectKMSTamperFake: a changed key value, table name, descriptor or
// data key makes KMS refuse, which is ErrIntegrity.
func TestDirectKMSTamperFake(t *testing.T) {
	p := newDirectKMS(t, cmp.DirectKMSConfig{Client: &fakeKMS{}, KeyID: fakeKeyID})
	em, err := p.EncryptionMaterials(bg, providerContext("t", testenv.GuideItem(), nil))
	if err != nil {
		t.Fatal(err)
	}
	otherKey := newDirectKMS(t, cmp.DirectKMSConfig{Client: &fakeKMS{}, KeyID: fakeKeyID + "-other"})
	changedKey := testenv.GuideItem()
	changedKey["sort_attribute"] = &types.AttributeValueMemberN{Value: "56"}
	for name, ec := range map[string]*cmp.EncryptionContext{
		"key value":  providerContext("t", changedKey, em.MaterialDescription),
		"table name": providerContext("u", testenv.GuideItem(), em.MaterialDescription),
		"env-alg":    providerContext("t", testenv.GuideItem(), with(em.MaterialDescription, "amzn-ddb-env-alg", "AES/128")),
		"sig-alg":    providerContext("t", testenv.GuideItem(), with(em.MaterialDescription, "amzn-ddb-sig-alg", "HmacSHA512/512")),
		"env-key":    providerContext("t", testenv.GuideItem(), with(em.MaterialDescription, "amzn-ddb-env-key", base64.StdEncoding.EncodeToString([]byte("blob-9")))),
	} {
		_, err := p.DecryptionMaterials(bg, ec)
		if err != ddbcrypt.ErrIntegrity {
			t.Errorf("%s changed: %v, want exactly ErrIntegrity", name, err)
		}
	}
	// Decrypt sends the configured key id: an item under another key is refused.
	if _, err := otherKey.DecryptionMaterials(bg, providerContext("t", testenv.GuideItem(), em.MaterialDescription)); err == nil {
		t.Errorf("a provider with another key opened the item")
	}
}

// TestDirectKMSHidesSecrets: no key material in String, %v, %#v or errors.
func TestDirectKMSHidesSecrets(t *testing.T) {
	p := newDirectKMS(t, cmp.DirectKMSConfig{Client: &fakeKMS{dataKey: ikm()}, KeyID: fakeKeyID, Cache: &cmp.DataKeyCacheConfig{TTL: time.Minute}})
	em, err := p.EncryptionMaterials(bg, providerContext("t", testenv.GuideItem(), nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.DecryptionMaterials(bg, providerContext("t", testenv.GuideItem(), em.MaterialDescription)); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{p.String(), fmt.Sprint(p), fmt.Sprintf("%#v", p), fmt.Sprintf("%+v", p), fmt.Sprintf("%x", p)} {
		wantNoSecret(t, s, ikm())
		wantNoSecret(t, s, em.EncryptionKey)
	}
}

// TestDirectKMSEncryptorRoundTrip: through the item encryptor, one KMS call
// per item each way.
func TestDirectKMSEncryptorRoundTrip(t *testing.T) {
	kmsc := newCountingKMS(&fakeKMS{})
	enc := crypto.NewEncryptor(newDirectKMS(t, cmp.DirectKMSConfig{Client: kmsc, KeyID: fakeKeyID}))
	c := testenv.GuideContext("kms-table")
	stored, err := enc.EncryptItem(bg, testenv.GuideItem(), testenv.GuideActions(), c)
	if err != nil {
		t.Fatal(err)
	}
	d := storedDescription(t, stored)
	if d["amzn-ddb-map-sym-mode"] != "/CBC/PKCS5Padding" || d["amzn-ddb-wrap-alg"] != "kms" {
		t.Errorf("stored description %v", d)
	}
	if _, ok := d["amzn-ddb-map-signingAlg"]; ok {
		t.Errorf("an HMAC-signed item has amzn-ddb-map-signingAlg: %v", d)
	}
	got, err := enc.DecryptItem(bg, stored, testenv.GuideActions(), c)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(got, testenv.GuideItem(), func(a, b types.AttributeValue) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
		t.Errorf("round trip: %v", got)
	}
	kmsc.wantCalls(t, 1, 1)
}

// Data-key cache.

func cachedProvider(t *testing.T, kmsc cmp.KMSClient, cache cmp.DataKeyCacheConfig) *cmp.DirectKMS {
	return newDirectKMS(t, cmp.DirectKMSConfig{Client: kmsc, KeyID: fakeKeyID, Cache: &cache})
}

func TestDataKeyCacheHits(t *testing.T) {
	kmsc := newCountingKMS(&fakeKMS{})
	p := cachedProvider(t, kmsc, cmp.DataKeyCacheConfig{TTL: time.Minute})
	em, err := p.EncryptionMaterials(bg, providerContext("t", testenv.GuideItem(), nil))
	if err != nil {
		t.Fatal(err)
	}
	ec := providerContext("t", testenv.GuideItem(), em.MaterialDescription)
	first, err := p.DecryptionMaterials(bg, ec)
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		m, err := p.DecryptionMaterials(bg, ec)
		if err != nil || m != first {
			t.Fatalf("cached read: %v, %p want %p", err, m, first)
		}
	}
	kmsc.wantCalls(t, 1, 1)

	// A different context is a different entry: it goes to KMS, which
	// refuses it.
	changed := testenv.GuideItem()
	changed["sort_attribute"] = &types.AttributeValueMemberN{Value: "56"}
	if _, err := p.DecryptionMaterials(bg, providerContext("t", changed, em.MaterialDescription)); err != ddbcrypt.ErrIntegrity {
		t.Errorf("changed key value with a warm cache: %v, want ErrIntegrity", err)
	}
	if _, err := p.DecryptionMaterials(bg, providerContext("u", testenv.GuideItem(), em.MaterialDescription)); err != ddbcrypt.ErrIntegrity {
		t.Errorf("changed table with a warm cache: %v, want ErrIntegrity", err)
	}
	kmsc.wantCalls(t, 1, 3)
	// Errors are not cached.
	if _, err := p.DecryptionMaterials(bg, providerContext("u", testenv.GuideItem(), em.MaterialDescription)); err != ddbcrypt.ErrIntegrity {
		t.Errorf("again: %v", err)
	}
	kmsc.wantCalls(t, 1, 4)
}

func TestDataKeyCacheTTL(t *testing.T) {
	kmsc := newCountingKMS(&fakeKMS{})
	p := cachedProvider(t, kmsc, cmp.DataKeyCacheConfig{TTL: time.Minute})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cmp.SetDataKeyCacheClock(p, func() time.Time { return now })
	em, _ := p.EncryptionMaterials(bg, providerContext("t", testenv.GuideItem(), nil))
	ec := providerContext("t", testenv.GuideItem(), em.MaterialDescription)
	read := func() {
		t.Helper()
		if _, err := p.DecryptionMaterials(bg, ec); err != nil {
			t.Fatal(err)
		}
	}
	read()
	now = now.Add(59 * time.Second)
	read()
	kmsc.wantCalls(t, 1, 1)
	now = now.Add(time.Second) // the entry was fetched 60s ago: expired
	read()
	kmsc.wantCalls(t, 1, 2)
	now = now.Add(30 * time.Second)
	read()
	kmsc.wantCalls(t, 1, 2)
}

func TestDataKeyCacheMaxUses(t *testing.T) {
	kmsc := newCountingKMS(&fakeKMS{})
	p := cachedProvider(t, kmsc, cmp.DataKeyCacheConfig{TTL: time.Hour, MaxUses: 3})
	em, _ := p.EncryptionMaterials(bg, providerContext("t", testenv.GuideItem(), nil))
	ec := providerContext("t", testenv.GuideItem(), em.MaterialDescription)
	for range 7 {
		if _, err := p.DecryptionMaterials(bg, ec); err != nil {
			t.Fatal(err)
		}
	}
	// Reads 1-3 use the first fetch, 4-6 the second, 7 the third.
	kmsc.wantCalls(t, 1, 3)
}

func TestDataKeyCacheLRU(t *testing.T) {
	kmsc := newCountingKMS(&fakeKMS{})
	p := cachedProvider(t, kmsc, cmp.DataKeyCacheConfig{TTL: time.Hour, MaxEntries: 2})
	var ecs []*cmp.EncryptionContext
	for i := range 3 {
		item := testenv.GuideItem()
		item["sort_attribute"] = &types.AttributeValueMemberN{Value: fmt.Sprint(i)}
		em, err := p.EncryptionMaterials(bg, providerContext("t", item, nil))
		if err != nil {
			t.Fatal(err)
		}
		ecs = append(ecs, providerContext("t", item, em.MaterialDescription))
	}
	kmsc.reset()
	read := func(i int) {
		t.Helper()
		if _, err := p.DecryptionMaterials(bg, ecs[i]); err != nil {
			t.Fatal(err)
		}
	}
	read(0)
	read(1)
	read(0) // hit; 1 is now least recently used
	read(2) // evicts 1
	if n := cmp.DataKeyCacheLen(p); n != 2 {
		t.Errorf("%d entries, want 2", n)
	}
	kmsc.wantCalls(t, 0, 3)
	read(0) // hit
	read(2) // hit
	kmsc.wantCalls(t, 0, 3)
	read(1) // miss
	kmsc.wantCalls(t, 0, 4)
}

// TestDataKeyCacheConcurrentMisses: many readers of one item that is not
// cached make a single KMS call.
func TestDataKeyCacheConcurrentMisses(t *testing.T) {
	f := &fakeKMS{}
	kmsc := newCountingKMS(f)
	p := cachedProvider(t, kmsc, cmp.DataKeyCacheConfig{TTL: time.Hour})
	em, _ := p.EncryptionMaterials(bg, providerContext("t", testenv.GuideItem(), nil))
	f.block = make(chan struct{})
	const readers = 32
	var wg sync.WaitGroup
	errs := make(chan error, readers)
	for range readers {
		wg.Go(func() {
			_, err := p.DecryptionMaterials(bg, providerContext("t", testenv.GuideItem(), em.MaterialDescription))
			errs <- err
		})
	}
	waitFor(t, func() bool { return kmsc.count("Decrypt") >= 1 })
	time.Sleep(20 * time.Millisecond) // let the others queue up behind the call
	close(f.block)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	kmsc.wantCalls(t, 1, 1)
}

// TestDataKeyCacheLeaderCancelled: when the reader whose call the others
// wait on gives up, a waiter with a live context makes its own call rather
// than failing with the other's cancellation.
func TestDataKeyCacheLeaderCancelled(t *testing.T) {
	f := &fakeKMS{}
	kmsc := newCountingKMS(f)
	p := cachedProvider(t, kmsc, cmp.DataKeyCacheConfig{TTL: time.Hour})
	em, _ := p.EncryptionMaterials(bg, providerContext("t", testenv.GuideItem(), nil))
	f.block = make(chan struct{})
	ec := providerContext("t", testenv.GuideItem(), em.MaterialDescription)

	leaderCtx, cancel := context.WithCancel(bg)
	leader := make(chan error, 1)
	go func() { _, err := p.DecryptionMaterials(leaderCtx, ec); leader <- err }()
	waitFor(t, func() bool { return kmsc.count("Decrypt") == 1 })
	follower := make(chan error, 1)
	go func() { _, err := p.DecryptionMaterials(bg, ec); follower <- err }()
	time.Sleep(20 * time.Millisecond)
	cancel()
	err := <-leader
	wantKMSError(t, err, fakeKeyID, "Decrypt")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("leader: %v, want context.Canceled", err)
	}
	close(f.block)
	if err := <-follower; err != nil {
		t.Errorf("follower: %v", err)
	}
}

// TestDataKeyCacheConcurrent hammers the cache with readers of several
// items, under -race.
func TestDataKeyCacheConcurrent(t *testing.T) {
	kmsc := newCountingKMS(&fakeKMS{})
	p := cachedProvider(t, kmsc, cmp.DataKeyCacheConfig{TTL: time.Hour, MaxEntries: 3, MaxUses: 5})
	enc := crypto.NewEncryptor(p)
	c := testenv.GuideContext("t")
	var stored []map[string]types.AttributeValue
	for i := range 5 {
		item := testenv.GuideItem()
		item["sort_attribute"] = &types.AttributeValueMemberN{Value: fmt.Sprint(i)}
		s, err := enc.EncryptItem(bg, item, testenv.GuideActions(), c)
		if err != nil {
			t.Fatal(err)
		}
		stored = append(stored, s)
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				s := stored[(g+i)%len(stored)]
				got, err := enc.DecryptItem(bg, s, testenv.GuideActions(), c)
				if err != nil {
					t.Error(err)
					return
				}
				if got["example"].(*types.AttributeValueMemberS).Value != "data" {
					t.Error("wrong plaintext")
					return
				}
			}
		})
	}
	wg.Wait()
	if n := kmsc.count("Decrypt"); n < 5 || n > 400 {
		t.Errorf("%d Decrypt calls for 400 reads", n)
	}
	if n := cmp.DataKeyCacheLen(p); n > 3 {
		t.Errorf("%d cache entries, bound is 3", n)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
}
