package crypto

// Attribute value encryption (FORMAT.md 4): AES-CBC with PKCS#7 padding and
// a fresh random IV per attribute; stored as IV ‖ ciphertext.

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
)

// attributeCipher encrypts and decrypts attribute values under one AES key.
type attributeCipher struct {
	block cipher.Block
}

func newAttributeCipher(key []byte) (*attributeCipher, error) {
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, fmt.Errorf("%w: the provider gave an AES key of %d bytes", ddbcrypt.ErrNoMaterials, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ddbcrypt.ErrNoMaterials, err)
	}
	return &attributeCipher{block: block}, nil
}

// encrypt serializes av and returns IV ‖ AES-CBC(serialization). The value is
// serialized straight into the output buffer and encrypted in place, so the
// result is the only allocation.
func (c *attributeCipher) encrypt(av types.AttributeValue) ([]byte, error) {
	const bs = aes.BlockSize
	out := make([]byte, bs, bs+sizeHint(av)+bs)
	out, err := appendAttribute(out, av, javaOrder, 0)
	if err != nil {
		return nil, err
	}
	pad := bs - (len(out)-bs)%bs
	for range pad {
		out = append(out, byte(pad))
	}
	iv := out[:bs]
	if _, err := rand.Read(iv); err != nil {
		return nil, err
	}
	cipher.NewCBCEncrypter(c.block, iv).CryptBlocks(out[bs:], out[bs:])
	return out, nil
}

// decrypt returns the attribute value whose IV ‖ ciphertext is ct. Every
// failure before deserialization is ddbcrypt.ErrIntegrity, whatever its cause
// (callers have verified the signature already, so this is no padding
// oracle, but the error says no more than it must).
func (c *attributeCipher) decrypt(ct []byte) (types.AttributeValue, error) {
	const bs = aes.BlockSize
	if len(ct) < 2*bs || len(ct)%bs != 0 {
		return nil, ddbcrypt.ErrIntegrity
	}
	pt := make([]byte, len(ct)-bs)
	cipher.NewCBCDecrypter(c.block, ct[:bs]).CryptBlocks(pt, ct[bs:])
	n, ok := unpad(pt)
	if !ok {
		return nil, ddbcrypt.ErrIntegrity
	}
	return deserializeOwned(pt[:n])
}

// unpad checks PKCS#7 padding in constant time and returns the length of the
// data before it.
func unpad(b []byte) (int, bool) {
	pad := int(b[len(b)-1])
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, aes.BlockSize)
	for i := 1; i <= aes.BlockSize; i++ {
		inPad := subtle.ConstantTimeLessOrEq(i, pad)
		match := subtle.ConstantTimeByteEq(b[len(b)-i], byte(pad))
		good &= match | (inPad ^ 1)
	}
	return len(b) - pad, good == 1
}
