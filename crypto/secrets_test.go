package crypto_test

// Errors about encrypted attributes name the attribute and the problem,
// never the value; every failure after the signature verifies is exactly
// ddbcrypt.ErrIntegrity; cyclic values are refused promptly.

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

const (
	secretSSN   = "078-05-1120"
	secretEmail = "alice@example.com"
)

// wantNoSecret fails if err does not name attribute or shows a secret.
func wantNoSecret(t *testing.T, what string, err error, attribute string, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	msg := err.Error()
	for _, s := range secrets {
		if strings.Contains(msg, s) {
			t.Errorf("%s: error %q reveals %q", what, msg, s)
		}
	}
	if attribute != "" && !strings.Contains(msg, attribute) {
		t.Errorf("%s: error %q does not name attribute %q", what, msg, attribute)
	}
}

func TestEncryptErrorsHideEncryptedValues(t *testing.T) {
	e := crypto.NewEncryptor(staticProvider(t))
	n := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	tests := []struct {
		name    string
		value   types.AttributeValue
		secrets []string
	}{
		{"number", n(secretSSN), []string{secretSSN}},
		{"number set member", &types.AttributeValueMemberNS{Value: []string{"1", secretSSN}}, []string{secretSSN}},
		{"map key", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			secretEmail: &types.AttributeValueMemberNULL{Value: false},
		}}, []string{secretEmail}},
		{"number under a map key", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			secretEmail: n(secretSSN),
		}}, []string{secretEmail, secretSSN}},
		{"number in a list", &types.AttributeValueMemberL{Value: []types.AttributeValue{n("1"), n(secretSSN)}}, []string{secretSSN}},
	}
	for _, tt := range tests {
		item := exampleItem()
		item["secret"] = tt.value
		_, err := e.EncryptItem(context.Background(), item, crypto.EncryptAll(), testContext)
		if !errors.Is(err, ddbcrypt.ErrInvalidItem) {
			t.Errorf("%s: err = %v, want ErrInvalidItem", tt.name, err)
		}
		wantNoSecret(t, tt.name, err, "secret", tt.secrets...)
		_, err = crypto.SerializeAttribute(tt.value)
		wantNoSecret(t, "SerializeAttribute of a "+tt.name, err, "", tt.secrets...)
	}
}

// splitKeys is a provider whose decryption key differs from its encryption
// key while the signing key is shared: the signature of its items verifies,
// and then the ciphertext decrypts to garbage.
type splitKeys struct {
	enc, dec []byte
	mac      *cmp.HMACKey
}

func (p *splitKeys) EncryptionMaterials(_ context.Context, ec *cmp.EncryptionContext) (*cmp.EncryptionMaterials, error) {
	return &cmp.EncryptionMaterials{EncryptionKey: p.enc, SigningKey: p.mac, MaterialDescription: maps.Clone(ec.MaterialDescription)}, nil
}

func (p *splitKeys) DecryptionMaterials(context.Context, *cmp.EncryptionContext) (*cmp.DecryptionMaterials, error) {
	return &cmp.DecryptionMaterials{DecryptionKey: p.dec, VerificationKey: p.mac}, nil
}

// cbcDecrypt decrypts IV ‖ ciphertext with key and reports whether the
// PKCS#7 padding is valid, returning the unpadded plaintext.
func cbcDecrypt(t *testing.T, key, ct []byte) ([]byte, bool) {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	pt := make([]byte, len(ct)-aes.BlockSize)
	cipher.NewCBCDecrypter(block, ct[:aes.BlockSize]).CryptBlocks(pt, ct[aes.BlockSize:])
	pad := int(pt[len(pt)-1])
	if pad < 1 || pad > aes.BlockSize {
		return nil, false
	}
	for _, b := range pt[len(pt)-pad:] {
		if int(b) != pad {
			return nil, false
		}
	}
	return pt[:len(pt)-pad], true
}

// cbcEncrypt returns a zero IV ‖ AES-CBC(pt with PKCS#7 padding) under key.
func cbcEncrypt(t *testing.T, key, pt []byte) []byte {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	pad := aes.BlockSize - len(pt)%aes.BlockSize
	out := make([]byte, aes.BlockSize, aes.BlockSize+len(pt)+pad)
	out = append(out, pt...)
	for range pad {
		out = append(out, byte(pad))
	}
	cipher.NewCBCEncrypter(block, out[:aes.BlockSize]).CryptBlocks(out[aes.BlockSize:], out[aes.BlockSize:])
	return out
}

// resign replaces attribute name of a stored item and signs the result
// again with testHMACKey, as a writer holding the signing key would.
func resign(t *testing.T, stored map[string]types.AttributeValue, name string, av types.AttributeValue, actions crypto.AttributeActions) map[string]types.AttributeValue {
	t.Helper()
	out := maps.Clone(stored)
	out[name] = av
	plain := maps.Clone(out)
	delete(plain, crypto.SignatureAttribute)
	delete(plain, crypto.DescriptionAttribute)
	msg, err := crypto.StringToSign(testContext.TableName, plain, actions)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, testHMACKey)
	m.Write(msg)
	out[crypto.SignatureAttribute] = &types.AttributeValueMemberB{Value: m.Sum(nil)}
	return out
}

func TestDecryptFailuresAfterVerificationAreIntegrity(t *testing.T) {
	ctx := context.Background()
	mac, err := cmp.NewHMACKey("HmacSHA256", testHMACKey)
	if err != nil {
		t.Fatal(err)
	}
	// The key attributes named, so that StringToSign, which has no Context,
	// marks them as EncryptItem does.
	actions := crypto.EncryptAll(testContext.PartitionKeyName, testContext.SortKeyName)
	plain := map[string]types.AttributeValue{
		testContext.PartitionKeyName: &types.AttributeValueMemberS{Value: "pk"},
		testContext.SortKeyName:      &types.AttributeValueMemberN{Value: "1"},
		"ssn":                        &types.AttributeValueMemberS{Value: secretSSN},
	}
	stored, err := crypto.NewEncryptor(&splitKeys{enc: testAESKey, mac: mac}).EncryptItem(ctx, plain, actions, testContext)
	if err != nil {
		t.Fatal(err)
	}
	ct := stored["ssn"].(*types.AttributeValueMemberB).Value

	// Decryption keys under which the ciphertext has bad padding, and under
	// which the padding holds but the plaintext is no serialized value.
	var badPadding, badValue []byte
	for i := 0; i < 1<<20 && (badPadding == nil || badValue == nil); i++ {
		key := sha256.Sum256([]byte{byte(i), byte(i >> 8), byte(i >> 16)})
		pt, ok := cbcDecrypt(t, key[:], ct)
		switch {
		case !ok && badPadding == nil:
			badPadding = key[:]
		case ok && badValue == nil:
			if _, err := crypto.DeserializeAttribute(pt); err != nil {
				badValue = key[:]
			}
		}
	}
	if badPadding == nil || badValue == nil {
		t.Fatal("found no wrong keys")
	}

	same := crypto.NewEncryptor(&splitKeys{enc: testAESKey, dec: testAESKey, mac: mac})
	tests := []struct {
		name string
		e    *crypto.Encryptor
		item map[string]types.AttributeValue
	}{
		{"wrong key, bad padding", crypto.NewEncryptor(&splitKeys{dec: badPadding, mac: mac}), stored},
		{"wrong key, good padding", crypto.NewEncryptor(&splitKeys{dec: badValue, mac: mac}), stored},
		{"signed as encrypted but not binary", same, resign(t, stored, "ssn", &types.AttributeValueMemberS{Value: secretSSN}, actions)},
		{"ciphertext not whole blocks", same, resign(t, stored, "ssn", &types.AttributeValueMemberB{Value: ct[:len(ct)-1]}, actions)},
		{"plaintext with trailing bytes", same, resign(t, stored, "ssn", &types.AttributeValueMemberB{
			Value: cbcEncrypt(t, testAESKey, append([]byte("\x00s\x00\x00\x00\x0b"+secretSSN), 0, 0)),
		}, actions)},
		{"plaintext with a bad BOOL", same, resign(t, stored, "ssn", &types.AttributeValueMemberB{
			Value: cbcEncrypt(t, testAESKey, []byte("\x00?\x07")),
		}, actions)},
		{"plaintext with an unknown tag", same, resign(t, stored, "ssn", &types.AttributeValueMemberB{
			Value: cbcEncrypt(t, testAESKey, []byte("\x00\x7f")),
		}, actions)},
	}
	for _, tt := range tests {
		_, err := tt.e.DecryptItem(ctx, tt.item, actions, testContext)
		if err != ddbcrypt.ErrIntegrity {
			t.Errorf("%s: err = %v, want exactly ErrIntegrity", tt.name, err)
		}
	}

	// The control: the same item, signed the same way, decrypts.
	if _, err := same.DecryptItem(ctx, resign(t, stored, "ssn", stored["ssn"], actions), actions, testContext); err != nil {
		t.Fatalf("re-signed original: %v", err)
	}
}

// selfMap returns a map attribute that contains itself under two keys.
func selfMap() *types.AttributeValueMemberM {
	m := &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}
	m.Value["a"] = m
	m.Value["b"] = m
	return m
}

// selfList returns a list attribute that contains itself twice.
func selfList() *types.AttributeValueMemberL {
	l := &types.AttributeValueMemberL{Value: make([]types.AttributeValue, 2)}
	l.Value[0], l.Value[1] = l, l
	return l
}

func TestCyclicValuesAreRefused(t *testing.T) {
	e := crypto.NewEncryptor(staticProvider(t))
	for _, action := range []crypto.Action{crypto.EncryptAndSign, crypto.SignOnly} {
		for name, av := range map[string]types.AttributeValue{"map": selfMap(), "list": selfList()} {
			done := make(chan error, 1)
			go func() {
				item := exampleItem()
				item["cyclic"] = av
				actions := crypto.AttributeActions{Default: crypto.SignOnly, Overrides: map[string]crypto.Action{"cyclic": action}}
				_, err := e.EncryptItem(context.Background(), item, actions, testContext)
				done <- err
			}()
			select {
			case err := <-done:
				if !errors.Is(err, ddbcrypt.ErrInvalidItem) {
					t.Errorf("%v %s: err = %v, want ErrInvalidItem", action, name, err)
				}
				wantNoSecret(t, action.String()+" "+name, err, "cyclic")
			case <-time.After(30 * time.Second):
				t.Fatalf("%v %s: EncryptItem of a cyclic value did not return", action, name)
			}
		}
	}
	// A stored (plaintext, signed) cyclic value read back.
	for name, av := range map[string]types.AttributeValue{"map": selfMap(), "list": selfList()} {
		done := make(chan error, 1)
		go func() {
			item := exampleItem()
			item["cyclic"] = av
			item[crypto.SignatureAttribute] = &types.AttributeValueMemberB{Value: make([]byte, 32)}
			actions := crypto.AttributeActions{Default: crypto.SignOnly}
			_, err := e.DecryptItem(context.Background(), item, actions, testContext)
			done <- err
		}()
		select {
		case err := <-done:
			if !errors.Is(err, ddbcrypt.ErrInvalidItem) {
				t.Errorf("DecryptItem %s: err = %v, want ErrInvalidItem", name, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("DecryptItem of a cyclic %s did not return", name)
		}
	}
}
