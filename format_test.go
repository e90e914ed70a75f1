package ddbcrypt_test

// No exported type that holds key material, itself or through a field,
// prints key bytes under any fmt verb.

import (
	"context"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"maps"
	"math/big"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

var formatVerbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"}

// byteForms returns how fmt and the usual encodings can show b.
func byteForms(b []byte) []string {
	forms := []string{
		string(b),
		hex.EncodeToString(b),
		strings.ToUpper(hex.EncodeToString(b)),
		strings.Trim(fmt.Sprint(b), "[]"), // 1 2 3
		strings.TrimSuffix(strings.TrimPrefix(fmt.Sprintf("%#v", b), "[]byte{"), "}"), // 0x1, 0x2
		strings.Trim(fmt.Sprintf("%q", b), `"`),
		base64.StdEncoding.EncodeToString(b)[:len(b)*4/3-2], // without the padding and the last characters
		base64.URLEncoding.EncodeToString(b)[:len(b)*4/3-2],
	}
	// An AES key schedule begins with the key as 32-bit words.
	for _, order := range []binary.ByteOrder{binary.BigEndian, binary.LittleEndian} {
		words := make([]uint32, len(b)/4)
		for i := range words {
			words[i] = order.Uint32(b[4*i:])
		}
		forms = append(forms,
			strings.Trim(fmt.Sprint(words), "[]"),
			strings.Trim(fmt.Sprintf("%x", words), "[]"),
			strings.Trim(fmt.Sprintf("%X", words), "[]"))
	}
	return forms
}

// bigForms returns how fmt can show a secret integer.
func bigForms(n *big.Int) []string {
	limbs := n.Bits()
	return append(byteForms(n.Bytes()),
		n.String(), n.Text(16), strings.ToUpper(n.Text(16)),
		strings.Trim(fmt.Sprint(limbs[:2]), "[]"),
		strings.Trim(fmt.Sprintf("%x", limbs[:2]), "[]"))
}

// formatKeys are the secrets of the fixtures.
type formatKeys struct {
	aes, hmac, kek, dataKey []byte
	rsa                     *rsa.PrivateKey
}

func (k *formatKeys) forms(t *testing.T) []string {
	var forms []string
	for _, b := range [][]byte{k.aes, k.hmac, k.kek, k.dataKey} {
		forms = append(forms, byteForms(b)...)
	}
	for _, info := range []string{"Encryption", "Signing"} {
		derived, err := hkdf.Key(sha256.New, k.dataKey, nil, info, 32)
		if err != nil {
			t.Fatal(err)
		}
		forms = append(forms, byteForms(derived)...)
	}
	for _, n := range []*big.Int{k.rsa.D, k.rsa.Primes[0], k.rsa.Primes[1], k.rsa.Precomputed.Dp, k.rsa.Precomputed.Qinv} {
		forms = append(forms, bigForms(n)...)
	}
	return forms
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// formatKMS is a KMS that hands out one data key (a copy each time: the
// provider wipes it once used).
type formatKMS struct{ dataKey []byte }

func (k *formatKMS) GenerateDataKey(context.Context, *kms.GenerateDataKeyInput, ...func(*kms.Options)) (*kms.GenerateDataKeyOutput, error) {
	return &kms.GenerateDataKeyOutput{Plaintext: slices.Clone(k.dataKey), CiphertextBlob: []byte("blob"), KeyId: aws.String("key")}, nil
}

func (k *formatKMS) Decrypt(context.Context, *kms.DecryptInput, ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	return &kms.DecryptOutput{Plaintext: slices.Clone(k.dataKey), KeyId: aws.String("key")}, nil
}

// formatStore is a provider store with one version.
type formatStore struct{ p cmp.Provider }

func (s formatStore) Provider(context.Context, string, int64) (cmp.Provider, error) { return s.p, nil }
func (s formatStore) MaxVersion(context.Context, string) (int64, error)             { return 0, nil }
func (s formatStore) GetOrCreate(context.Context, string, int64) (cmp.Provider, error) {
	return s.p, nil
}

// Clients that are never called: the fixtures only need to exist.
type (
	formatDynamoDB  struct{ mapper.Client }
	formatAPI       struct{ encrypted.API }
	formatMetaStore struct{ metastore.Client }
)

type formatRecord struct {
	ID   string `ddb:"pk,hash"`
	Data string `ddb:"data"`
}

// formatFixtures returns every exported type that holds key material, as a
// pointer with its caches warm, and the keys they hold. value says whether
// a user can hold the type by value (it has no lock to copy).
func formatFixtures(t *testing.T) (map[string]any, map[string]bool, *formatKeys) {
	ctx := context.Background()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keys := &formatKeys{aes: randomBytes(t, 32), hmac: randomBytes(t, 32), kek: randomBytes(t, 32), dataKey: randomBytes(t, 32), rsa: priv}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	mac, err := cmp.NewHMACKey("HmacSHA256", keys.hmac)
	must(err)
	kek, err := cmp.NewAESWrappingKey(keys.kek)
	must(err)
	rsaSigner, err := cmp.NewRSASigningKey("SHA256withRSA", priv)
	must(err)
	rsaUnwrap, err := cmp.NewRSAUnwrappingKey(priv)
	must(err)
	rsaWrap, err := cmp.NewRSAWrappingKey(&priv.PublicKey)
	must(err)
	staticCfg := cmp.StaticConfig{EncryptionKey: keys.aes, SigningKey: mac}
	static, err := cmp.NewStatic(staticCfg)
	must(err)
	wrappedCfg := cmp.WrappedConfig{WrappingKey: kek, UnwrappingKey: kek, SigningKey: mac}
	wrapped, err := cmp.NewWrapped(wrappedCfg)
	must(err)
	rsaWrapped, err := cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: rsaWrap, UnwrappingKey: rsaUnwrap, SigningKey: rsaSigner})
	must(err)
	asymmetric, err := cmp.NewAsymmetricStatic(priv, rsaSigner, nil, nil)
	must(err)

	kmsCfg := cmp.DirectKMSConfig{Client: &formatKMS{dataKey: keys.dataKey}, KeyID: "key", Cache: &cmp.DataKeyCacheConfig{TTL: time.Hour}}
	directKMS, err := cmp.NewDirectKMS(kmsCfg)
	must(err)
	ec := &cmp.EncryptionContext{TableName: "t", PartitionKeyName: "pk", Attributes: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}}}
	encMat, err := directKMS.EncryptionMaterials(ctx, ec)
	must(err)
	dec := *ec
	dec.MaterialDescription = encMat.MaterialDescription
	decMat, err := directKMS.DecryptionMaterials(ctx, &dec) // now cached
	must(err)

	mrCfg := cmp.MostRecentConfig{Store: formatStore{static}, MaterialName: "m", TTL: time.Hour}
	mostRecent, err := cmp.NewMostRecent(mrCfg)
	must(err)
	_, err = mostRecent.EncryptionMaterials(ctx, &cmp.EncryptionContext{TableName: "t"})
	must(err)

	enc := crypto.NewEncryptor(static)
	_, err = enc.EncryptItem(ctx, map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "k"}, "x": &types.AttributeValueMemberS{Value: "x"}}, crypto.EncryptAll("pk"), crypto.Context{TableName: "t", PartitionKeyName: "pk"})
	must(err)
	store, err := metastore.New(formatMetaStore{}, "keys", static)
	must(err)
	tableCfg := encrypted.TableConfig{Provider: wrapped}
	client := encrypted.NewClient(formatAPI{}, static, encrypted.WithTable("t", tableCfg))
	m := mapper.New(formatDynamoDB{}, static)
	tbl, err := mapper.NewTable[formatRecord](m, mapper.WithTableName("t"))
	must(err)

	staticMat, err := static.EncryptionMaterials(ctx, &cmp.EncryptionContext{TableName: "t"})
	must(err)
	staticDec, err := static.DecryptionMaterials(ctx, &cmp.EncryptionContext{TableName: "t"})
	must(err)

	all := map[string]any{
		"cmp.HMACKey":                   mac,
		"cmp.AESWrappingKey":            kek,
		"cmp.RSASigningKey":             rsaSigner,
		"cmp.RSAUnwrappingKey":          rsaUnwrap,
		"cmp.StaticConfig":              &staticCfg,
		"cmp.Static":                    static,
		"cmp.WrappedConfig":             &wrappedCfg,
		"cmp.Wrapped":                   wrapped,
		"cmp.Wrapped (RSA)":             rsaWrapped,
		"cmp.Wrapped (asymmetric)":      asymmetric,
		"cmp.DirectKMSConfig":           &kmsCfg,
		"cmp.DirectKMS":                 directKMS,
		"cmp.MostRecentConfig":          &mrCfg,
		"cmp.MostRecent":                mostRecent,
		"cmp.EncryptionMaterials":       staticMat,
		"cmp.DecryptionMaterials":       staticDec,
		"cmp.EncryptionMaterials (KMS)": encMat,
		"cmp.DecryptionMaterials (KMS)": decMat,
		"crypto.Encryptor":              enc,
		"metastore.MetaStore":           store,
		"encrypted.TableConfig":         &tableCfg,
		"encrypted.Client":              client,
		"mapper.Mapper":                 m,
		"mapper.Table":                  tbl,
		"mapper.Query":                  tbl.Query("k"),
		"mapper.Scan":                   tbl.Scan(),
		"mapper.Iter":                   tbl.Scan().Iter(),
		"mapper.Tx":                     m.NewTx(),
	}
	// Types with a lock (or an atomic) cannot be copied, so users hold
	// them by pointer only; go vet reports a copy.
	byPointerOnly := map[string]bool{"cmp.MostRecent": true, "crypto.Encryptor": true, "encrypted.Client": true, "mapper.Mapper": true}
	value := map[string]bool{}
	for name := range all {
		value[name] = !byPointerOnly[name]
	}
	return all, value, keys
}

func TestFormatHidesKeys(t *testing.T) {
	all, value, keys := formatFixtures(t)
	forms := keys.forms(t)
	// The forms catch each key printed as it is.
	for _, raw := range []any{keys.aes, keys.hmac, keys.kek, keys.dataKey, keys.rsa} {
		for _, verb := range formatVerbs {
			out := fmt.Sprintf(verb, raw)
			if !slices.ContainsFunc(forms, func(form string) bool { return strings.Contains(out, form) }) {
				t.Fatalf("no form of the keys is in %s of %T: %s", verb, raw, out)
			}
		}
	}
	check := func(name string, v any) {
		for _, verb := range formatVerbs {
			out := fmt.Sprintf(verb, v)
			for _, form := range forms {
				if strings.Contains(out, form) {
					t.Errorf("%s: fmt.Sprintf(%q) shows key material (%q):\n%s", name, verb, form, out)
					break
				}
			}
		}
	}
	for _, name := range sortedNames(all) {
		p := all[name]
		check("*"+name, p)
		if value[name] {
			// Through reflect, so that vet sees no copy.
			check(name, reflect.ValueOf(p).Elem().Interface())
		}
		// And as a field of a caller's struct, and in a slice.
		check("field of "+name, struct{ Field any }{p})
		check("slice of "+name, []any{p})
	}
}

func sortedNames(m map[string]any) []string { return slices.Sorted(maps.Keys(m)) }
