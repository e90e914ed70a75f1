package cmp

// Signature and MAC keys (docs/format.md 5.4, 10 #14, 11 item 1; scope in 13 Q3).
//
// The signature algorithms ddbcrypt accepts are listed in one place,
// internal/sigalg. The algorithm of a signature always comes from the
// configured key; the item's "amzn-ddb-map-signingAlg" entry is at most
// checked against IsKnownSignatureAlgorithm, never used to pick an
// algorithm.

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"hash"
	"io"
	"sync"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/sigalg"
)

// IsKnownSignatureAlgorithm reports whether alg is one of the signature or
// MAC algorithms ddbcrypt accepts (HmacSHA224/256/384/512 and
// SHA224/256/384/512withRSA). The item encryptor checks a stored
// "amzn-ddb-map-signingAlg" against it. Names are case-sensitive.
func IsKnownSignatureAlgorithm(alg string) bool {
	_, ok := sigalg.Lookup(alg)
	return ok
}

// lookupSignatureAlgorithm returns the hash of alg if alg is known and of the
// wanted kind.
func lookupSignatureAlgorithm(alg string, asymmetric bool) (crypto.Hash, error) {
	a, ok := sigalg.Lookup(alg)
	if !ok || a.Asymmetric != asymmetric {
		kind := "HMAC"
		if asymmetric {
			kind = "RSA signature"
		}
		return 0, fmt.Errorf("%w: %q is not a supported %s algorithm", ddbcrypt.ErrInvalidConfig, alg, kind)
	}
	return a.Hash, nil
}

// digest hashes msg with h. RSA signers are handed the digest, not msg.
func digest(h crypto.Hash, msg []byte) []byte {
	d := h.New()
	d.Write(msg)
	return d.Sum(nil)
}

// HMACKey is a symmetric signing and verification key. It is safe for
// concurrent use. Its key bytes never appear in String or any fmt output.
type HMACKey struct {
	alg  string
	hash crypto.Hash
	key  []byte
	// macs recycles keyed HMAC states (hash.Hash), reset after each use:
	// hmac.New costs six allocations and hashes the padded key twice, and
	// a reset state resumes from its saved inner and outer pads. The states
	// hold nothing the key does not: they live and die with it.
	macs *sync.Pool
}

// NewHMACKey returns an HMAC key for algorithm "HmacSHA224", "HmacSHA256",
// "HmacSHA384" or "HmacSHA512". Any non-empty key length is accepted, because
// items written with short keys (the test vectors use 8 bytes) must stay
// readable (docs/format.md 11 item 9). The key bytes are copied.
func NewHMACKey(algorithm string, key []byte) (*HMACKey, error) {
	h, err := lookupSignatureAlgorithm(algorithm, false)
	if err != nil {
		return nil, err
	}
	if len(key) == 0 {
		return nil, fmt.Errorf("%w: empty HMAC key", ddbcrypt.ErrInvalidConfig)
	}
	return &HMACKey{alg: algorithm, hash: h, key: append([]byte(nil), key...), macs: new(sync.Pool)}, nil
}

// Algorithm returns the JCE MAC name, e.g. "HmacSHA256".
func (k *HMACKey) Algorithm() string { return k.alg }

// Sign returns the HMAC of msg.
func (k *HMACKey) Sign(msg []byte) ([]byte, error) {
	return k.mac(nil, msg), nil
}

// Verify compares the HMAC of msg with sig in constant time. A mismatch
// returns ddbcrypt.ErrIntegrity and nothing more.
func (k *HMACKey) Verify(msg, sig []byte) error {
	var buf [64]byte // the largest tag, HmacSHA512's: no allocation
	if !hmac.Equal(k.mac(buf[:0], msg), sig) {
		return ddbcrypt.ErrIntegrity
	}
	return nil
}

// mac appends the HMAC of msg to dst.
func (k *HMACKey) mac(dst, msg []byte) []byte {
	var m hash.Hash
	if k.macs != nil { // nil in a zero HMACKey
		m, _ = k.macs.Get().(hash.Hash)
	}
	if m == nil {
		m = hmac.New(k.hash.New, k.key)
	}
	m.Write(msg)
	dst = m.Sum(dst)
	if k.macs != nil {
		m.Reset() // back to the keyed state: nothing of msg stays in the pool
		k.macs.Put(m)
	}
	return dst
}

// String names the algorithm only.
func (k HMACKey) String() string { return "cmp.HMACKey(" + k.alg + ")" }

// Format prints String for every verb, so that %x, %d or %#v cannot leak the
// key bytes into a log.
func (k HMACKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// RSASigningKey signs with RSASSA-PKCS1-v1_5. The private key is reached only
// through crypto.Signer, so it may live in an HSM or a KMS. It is safe for
// concurrent use if the signer is (an *rsa.PrivateKey is).
type RSASigningKey struct {
	alg    string
	hash   crypto.Hash
	signer crypto.Signer
	pub    *rsa.PublicKey
}

// NewRSASigningKey returns a signing key for algorithm "SHA224withRSA",
// "SHA256withRSA", "SHA384withRSA" or "SHA512withRSA". signer.Public() must
// be an *rsa.PublicKey.
func NewRSASigningKey(algorithm string, signer crypto.Signer) (*RSASigningKey, error) {
	h, err := lookupSignatureAlgorithm(algorithm, true)
	if err != nil {
		return nil, err
	}
	if signer == nil {
		return nil, fmt.Errorf("%w: nil RSA signer", ddbcrypt.ErrInvalidConfig)
	}
	pub, ok := signer.Public().(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: the signer's public key is %T, not *rsa.PublicKey", ddbcrypt.ErrInvalidConfig, signer.Public())
	}
	return &RSASigningKey{alg: algorithm, hash: h, signer: signer, pub: pub}, nil
}

// Algorithm returns the JCE signature name, e.g. "SHA256withRSA".
func (k *RSASigningKey) Algorithm() string { return k.alg }

// Sign returns the PKCS#1 v1.5 signature of msg. Passing a crypto.Hash as
// the signer options selects PKCS#1 v1.5 (not PSS) for every crypto.Signer.
func (k *RSASigningKey) Sign(msg []byte) ([]byte, error) {
	return k.signer.Sign(rand.Reader, digest(k.hash, msg), k.hash)
}

// VerificationKey returns the matching verification key, built from the
// signer's public key.
func (k *RSASigningKey) VerificationKey() *RSAVerificationKey {
	return &RSAVerificationKey{alg: k.alg, hash: k.hash, pub: k.pub}
}

// String names the algorithm only.
func (k RSASigningKey) String() string { return "cmp.RSASigningKey(" + k.alg + ")" }

// Format prints String for every verb, so that the private key never reaches
// a log through fmt.
func (k RSASigningKey) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }

// RSAVerificationKey checks RSASSA-PKCS1-v1_5 signatures. It is safe for
// concurrent use.
type RSAVerificationKey struct {
	alg  string
	hash crypto.Hash
	pub  *rsa.PublicKey
}

// NewRSAVerificationKey returns a verification key for algorithm
// "SHA224withRSA", "SHA256withRSA", "SHA384withRSA" or "SHA512withRSA".
func NewRSAVerificationKey(algorithm string, pub *rsa.PublicKey) (*RSAVerificationKey, error) {
	h, err := lookupSignatureAlgorithm(algorithm, true)
	if err != nil {
		return nil, err
	}
	if pub == nil {
		return nil, fmt.Errorf("%w: nil RSA public key", ddbcrypt.ErrInvalidConfig)
	}
	return &RSAVerificationKey{alg: algorithm, hash: h, pub: pub}, nil
}

// Algorithm returns the JCE signature name.
func (k *RSAVerificationKey) Algorithm() string { return k.alg }

// Verify checks sig. A bad signature returns ddbcrypt.ErrIntegrity and
// nothing more.
func (k *RSAVerificationKey) Verify(msg, sig []byte) error {
	if rsa.VerifyPKCS1v15(k.pub, k.hash, digest(k.hash, msg), sig) != nil {
		return ddbcrypt.ErrIntegrity
	}
	return nil
}

// String names the algorithm only.
func (k RSAVerificationKey) String() string { return "cmp.RSAVerificationKey(" + k.alg + ")" }

// Interface checks.
var (
	_ SigningKey      = (*HMACKey)(nil)
	_ VerificationKey = (*HMACKey)(nil)
	_ SigningKey      = (*RSASigningKey)(nil)
	_ VerificationKey = (*RSAVerificationKey)(nil)
)
