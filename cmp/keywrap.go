package cmp

// Key wrapping for the wrapped provider (docs/format.md 7.3.2, 11 items 1, 4, 5).
//
// Two algorithms are written and read: "AESWrap" (RFC 3394 with the default
// IV, no padding) and "RSA/ECB/OAEPWithSHA-256AndMGF1Padding" (RSAES-OAEP
// with SHA-256 as the label hash but MGF1 over SHA-1, the JCE default for
// that name). Legacy RSA PKCS#1 v1.5 can only be read, and only when the
// wrapped provider is told so (wrapped.go).
//
// Every cryptographic unwrap failure returns ddbcrypt.ErrIntegrity and
// nothing else, so that the cause cannot serve as an oracle; a key that could
// not be used at all (an unreachable HSM, a cancelled call) returns
// ddbcrypt.ErrKeyService. The legacy PKCS#1 v1.5 unwrap never fails on a bad
// blob: it returns a random key instead (implicit rejection).

import (
	"context"
	"crypto"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/ddbcrypt/ddbcrypt"
)

// Wrap algorithm names as written in "amzn-ddb-wrap-alg".
const (
	WrapAlgorithmAES     = "AESWrap"
	WrapAlgorithmRSAOAEP = "RSA/ECB/OAEPWithSHA-256AndMGF1Padding"
	// wrapAlgorithmLegacyRSA is JCE "RSA", i.e. RSA/ECB/PKCS1Padding. It is
	// never written; a reader meets it only in old or tampered items.
	wrapAlgorithmLegacyRSA = "RSA"
)

// WrappingKey wraps content keys for the wrapped provider. Implementations
// must be safe for concurrent use, and their errors should wrap one of the
// ddbcrypt error kinds.
type WrappingKey interface {
	// WrapAlgorithm is the name recorded in "amzn-ddb-wrap-alg": one of
	// WrapAlgorithmAES or WrapAlgorithmRSAOAEP. The wrapped provider refuses
	// keys with any other name.
	WrapAlgorithm() string
	// Wrap returns the wrapped form of a raw content key.
	Wrap(contentKey []byte) ([]byte, error)
}

// UnwrappingKey recovers content keys for the wrapped provider.
// Implementations must be safe for concurrent use.
//
// The wrapped provider sorts Unwrap errors by what they wrap:
//   - ddbcrypt.ErrIntegrity or rsa.ErrDecryption: the blob does not unwrap
//     under this key (a tampered item, another key). The provider returns
//     ddbcrypt.ErrIntegrity and nothing more, so that the cause is no oracle.
//   - anything else, ctx's error included: the key could not be used (an HSM
//     that cannot be reached, a cancelled call). The provider returns it
//     wrapped in ddbcrypt.ErrKeyService, with the operation, so that callers
//     can retry. Such errors must not hold key bytes or the wrapped blob.
type UnwrappingKey interface {
	// WrapAlgorithm is the name of the algorithm this key unwraps; an item
	// whose "amzn-ddb-wrap-alg" differs is refused before Unwrap is called.
	WrapAlgorithm() string
	// Unwrap returns the raw content key. ctx bounds the call, for keys kept
	// in an HSM or a remote service.
	Unwrap(ctx context.Context, wrapped []byte) ([]byte, error)
}

// oaepOptions are the JCE parameters of RSA/ECB/OAEPWithSHA-256AndMGF1Padding.
// The one-hash helpers rsa.EncryptOAEP/DecryptOAEP would use SHA-256 for MGF1
// too and produce blobs Java and Python cannot read.
var oaepOptions = &rsa.OAEPOptions{Hash: crypto.SHA256, MGFHash: crypto.SHA1}

// AESWrappingKey wraps and unwraps with RFC 3394 AES Key Wrap ("AESWrap").
// It is safe for concurrent use. Its key bytes never appear in fmt output.
type AESWrappingKey struct {
	block cipher.Block
	bits  int
}

// NewAESWrappingKey returns an AES Key Wrap key for a 16-, 24- or 32-byte
// key-encryption key. The bytes are not retained beyond the AES key schedule.
func NewAESWrappingKey(kek []byte) (*AESWrappingKey, error) {
	switch len(kek) {
	case 16, 24, 32:
	default:
		return nil, fmt.Errorf("%w: an AES key-wrapping key must be 16, 24 or 32 bytes, not %d", ddbcrypt.ErrInvalidConfig, len(kek))
	}
	b, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("%w: AES key-wrapping key: %v", ddbcrypt.ErrInvalidConfig, err)
	}
	return &AESWrappingKey{block: b, bits: 8 * len(kek)}, nil
}

// WrapAlgorithm returns "AESWrap".
func (k *AESWrappingKey) WrapAlgorithm() string { return WrapAlgorithmAES }

// Wrap wraps contentKey, which must be a multiple of 8 bytes and at least 16.
func (k *AESWrappingKey) Wrap(contentKey []byte) ([]byte, error) {
	out, ok := aesKeyWrap(k.block, contentKey)
	if !ok {
		return nil, fmt.Errorf("%w: AES key wrap needs a multiple of 8 bytes, at least 16, not %d", ddbcrypt.ErrInvalidConfig, len(contentKey))
	}
	return out, nil
}

// Unwrap unwraps and checks the RFC 3394 integrity value. It is local and
// quick, so it does not watch ctx.
func (k *AESWrappingKey) Unwrap(_ context.Context, wrapped []byte) ([]byte, error) {
	out, ok := aesKeyUnwrap(k.block, wrapped)
	if !ok {
		return nil, ddbcrypt.ErrIntegrity
	}
	return out, nil
}

// String names the algorithm and key size only.
func (k AESWrappingKey) String() string { return fmt.Sprintf("cmp.AESWrappingKey(AES-%d)", k.bits) }

// Format prints String for every verb, so that the key schedule never
// reaches a log through fmt.
func (k AESWrappingKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// kwIV is the RFC 3394 section 2.2.3.1 default initial value.
const kwIV = 0xA6A6A6A6A6A6A6A6

// aesKeyWrap implements RFC 3394 section 2.2.1 (index-based form). It
// reports false if plaintext is not n 64-bit blocks with n >= 2.
func aesKeyWrap(block cipher.Block, plaintext []byte) ([]byte, bool) {
	if len(plaintext) < 16 || len(plaintext)%8 != 0 {
		return nil, false
	}
	n := len(plaintext) / 8
	out := make([]byte, 8+len(plaintext))
	copy(out[8:], plaintext) // R[1..n] live in out[8:]
	a := uint64(kwIV)
	var b [16]byte
	for j := 0; j <= 5; j++ {
		for i := 1; i <= n; i++ {
			r := out[8*i : 8*i+8]
			binary.BigEndian.PutUint64(b[:8], a)
			copy(b[8:], r)
			block.Encrypt(b[:], b[:])
			a = binary.BigEndian.Uint64(b[:8]) ^ uint64(n*j+i)
			copy(r, b[8:])
		}
	}
	binary.BigEndian.PutUint64(out[:8], a)
	return out, true
}

// aesKeyUnwrap implements RFC 3394 section 2.2.2 and the integrity check of
// section 2.2.3, comparing in constant time. It reports false on any failure
// and then returns no data.
func aesKeyUnwrap(block cipher.Block, ciphertext []byte) ([]byte, bool) {
	if len(ciphertext) < 24 || len(ciphertext)%8 != 0 {
		return nil, false
	}
	n := len(ciphertext)/8 - 1
	out := make([]byte, 8*n)
	copy(out, ciphertext[8:]) // R[1..n] live in out
	a := binary.BigEndian.Uint64(ciphertext[:8])
	var b [16]byte
	for j := 5; j >= 0; j-- {
		for i := n; i >= 1; i-- {
			r := out[8*(i-1) : 8*i]
			binary.BigEndian.PutUint64(b[:8], a^uint64(n*j+i))
			copy(b[8:], r)
			block.Decrypt(b[:], b[:])
			a = binary.BigEndian.Uint64(b[:8])
			copy(r, b[8:])
		}
	}
	var got, want [8]byte
	binary.BigEndian.PutUint64(got[:], a)
	binary.BigEndian.PutUint64(want[:], kwIV)
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		clear(out)
		return nil, false
	}
	return out, true
}

// RSAWrappingKey wraps content keys with RSA-OAEP (SHA-256, MGF1-SHA-1). It
// is safe for concurrent use.
type RSAWrappingKey struct {
	pub *rsa.PublicKey
}

// NewRSAWrappingKey returns an RSA-OAEP wrapping key for pub.
func NewRSAWrappingKey(pub *rsa.PublicKey) (*RSAWrappingKey, error) {
	if pub == nil {
		return nil, fmt.Errorf("%w: nil RSA public key", ddbcrypt.ErrInvalidConfig)
	}
	return &RSAWrappingKey{pub: pub}, nil
}

// WrapAlgorithm returns "RSA/ECB/OAEPWithSHA-256AndMGF1Padding".
func (k *RSAWrappingKey) WrapAlgorithm() string { return WrapAlgorithmRSAOAEP }

// Wrap encrypts contentKey with RSA-OAEP(SHA-256, MGF1-SHA-1, empty label).
func (k *RSAWrappingKey) Wrap(contentKey []byte) ([]byte, error) {
	out, err := rsa.EncryptOAEPWithOptions(rand.Reader, k.pub, contentKey, oaepOptions)
	if err != nil {
		// Only a key too small for OAEP gets here; the message names no secret.
		return nil, fmt.Errorf("%w: RSA-OAEP wrap: %v", ddbcrypt.ErrInvalidConfig, err)
	}
	return out, nil
}

// RSAUnwrappingKey unwraps content keys with an RSA private key reached
// through crypto.Decrypter, so that it may live in an HSM. It is safe for
// concurrent use if the decrypter is (an *rsa.PrivateKey is).
//
// Every failure of an *rsa.PrivateKey is cryptographic (ddbcrypt.ErrIntegrity).
// Another decrypter must say so by returning an error that wraps
// rsa.ErrDecryption or ddbcrypt.ErrIntegrity; any other error it returns is
// taken as operational and wrapped in ddbcrypt.ErrKeyService.
type RSAUnwrappingKey struct {
	priv   crypto.Decrypter
	local  *rsa.PrivateKey // priv, if it is one
	size   int             // modulus bytes: the length of every blob
	reject []byte          // HMAC key of the legacy unwrap's rejection keys
}

// NewRSAUnwrappingKey returns an RSA-OAEP unwrapping key. priv.Public() must
// be an *rsa.PublicKey.
func NewRSAUnwrappingKey(priv crypto.Decrypter) (*RSAUnwrappingKey, error) {
	if priv == nil {
		return nil, fmt.Errorf("%w: nil RSA decrypter", ddbcrypt.ErrInvalidConfig)
	}
	pub, ok := priv.Public().(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: the decrypter's public key is %T, not *rsa.PublicKey", ddbcrypt.ErrInvalidConfig, priv.Public())
	}
	local, _ := priv.(*rsa.PrivateKey)
	reject := make([]byte, 32)
	rand.Read(reject) // never fails (Go 1.24+)
	return &RSAUnwrappingKey{priv: priv, local: local, size: pub.Size(), reject: reject}, nil
}

// WrapAlgorithm returns "RSA/ECB/OAEPWithSHA-256AndMGF1Padding".
func (k *RSAUnwrappingKey) WrapAlgorithm() string { return WrapAlgorithmRSAOAEP }

// Unwrap decrypts an RSA-OAEP(SHA-256, MGF1-SHA-1) blob. A blob that is not
// the modulus size is refused without calling the decrypter.
func (k *RSAUnwrappingKey) Unwrap(ctx context.Context, wrapped []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, decrypterError(err)
	}
	if len(wrapped) != k.size {
		return nil, ddbcrypt.ErrIntegrity
	}
	out, err := k.priv.Decrypt(rand.Reader, wrapped, oaepOptions)
	if err == nil {
		return out, nil
	}
	switch {
	case k.local != nil, errors.Is(err, rsa.ErrDecryption), errors.Is(err, ddbcrypt.ErrIntegrity):
		return nil, ddbcrypt.ErrIntegrity
	case ctx.Err() != nil: // most likely why the decrypter gave up
		return nil, decrypterError(ctx.Err())
	}
	return nil, decrypterError(err)
}

// unwrapPKCS1v15 decrypts a legacy RSAES-PKCS1-v1_5 blob (JCE "RSA") that
// should hold a keyLen-byte content key. The wrapped provider calls it only
// when AllowLegacyRSAPKCS1v15 is set.
//
// It never reports a bad blob (implicit rejection, RFC 3218 2.3.2): bad
// padding, a message of another length or a blob of the wrong size yield a
// key of keyLen bytes that looks random, chosen in constant time, so that
// the item then fails like one read with a wrong key, by the same path, in
// the same time. An *rsa.PrivateKey gives the HMAC of the blob under a
// secret of this key (rsa.DecryptPKCS1v15SessionKey): the same blob gets
// the same key on every read, as a valid one does, so that not even a key
// cache in the item encryptor tells them apart. Another decrypter is asked
// for its own implicit rejection (rsa.PKCS1v15DecryptOptions.SessionKeyLen).
// Only a cancelled ctx, or a decrypter error that wraps
// ddbcrypt.ErrKeyService, is reported (operational); any other decrypter
// error might be its way to say "bad padding", so it is rejected implicitly
// like one.
func (k *RSAUnwrappingKey) unwrapPKCS1v15(ctx context.Context, wrapped []byte, keyLen int) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, decrypterError(err)
	}
	m := hmac.New(sha256.New, k.reject)
	m.Write(wrapped)
	key := m.Sum(nil)[:keyLen] // keyLen <= 32
	if len(wrapped) != k.size {
		return key, nil // the size is public: no need to decrypt
	}
	if k.local != nil {
		// On bad padding key is left as it is; an error (the blob is not
		// below the modulus, a public fact) leaves it too.
		//lint:ignore SA1019 reading legacy items is the point; it is opt-in (docs/format.md 11 item 1).
		_ = rsa.DecryptPKCS1v15SessionKey(nil, k.local, wrapped, key)
		return key, nil
	}
	//lint:ignore SA1019 reading legacy items is the point; it is opt-in (docs/format.md 11 item 1).
	out, err := k.priv.Decrypt(rand.Reader, wrapped, &rsa.PKCS1v15DecryptOptions{SessionKeyLen: keyLen})
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, decrypterError(ctx.Err())
	case err != nil && errors.Is(err, ddbcrypt.ErrKeyService):
		return nil, decrypterError(err)
	case err != nil || len(out) != keyLen: // a decrypter ignoring SessionKeyLen
		clear(out)
		return key, nil
	}
	clear(key)
	return out, nil
}

// decrypterError reports a decrypter that could not be used.
func decrypterError(err error) error {
	if errors.Is(err, ddbcrypt.ErrKeyService) {
		return fmt.Errorf("RSA decrypter: %w", err)
	}
	return fmt.Errorf("%w: RSA decrypter: %w", ddbcrypt.ErrKeyService, err)
}

// String names the algorithm only.
func (k RSAUnwrappingKey) String() string {
	return "cmp.RSAUnwrappingKey(" + WrapAlgorithmRSAOAEP + ")"
}

// Format prints String for every verb, so that the private key never reaches
// a log through fmt.
func (k RSAUnwrappingKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// Interface checks.
var (
	_ WrappingKey   = (*AESWrappingKey)(nil)
	_ UnwrappingKey = (*AESWrappingKey)(nil)
	_ WrappingKey   = (*RSAWrappingKey)(nil)
	_ UnwrappingKey = (*RSAUnwrappingKey)(nil)
)
