package cmp

// The wrapped (envelope) provider (docs/format.md 7.3, 10 #10 and #20, 11 item 1):
// a fresh content key per item, wrapped with AES Key Wrap or RSA-OAEP and
// stored in the item's description.

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ddbcrypt/ddbcrypt"
)

// defaultContentKeyBits is the content-key size when the configured
// description does not name one ("AES/256", docs/format.md 7.3.1).
const defaultContentKeyBits = 256

// WrappedConfig configures a wrapped provider, like Java's
// WrappedMaterialsProvider and Python's WrappedCryptographicMaterialsProvider.
type WrappedConfig struct {
	// WrappingKey wraps content keys; needed to encrypt. An *AESWrappingKey
	// or an *RSAWrappingKey.
	WrappingKey WrappingKey
	// UnwrappingKey recovers content keys; needed to decrypt. An
	// *AESWrappingKey or an *RSAUnwrappingKey.
	UnwrappingKey UnwrappingKey
	// SigningKey signs items; needed to encrypt. It is independent of the
	// content key.
	SigningKey SigningKey
	// VerificationKey checks signatures; needed to decrypt. Nil means
	// SigningKey if it can verify (*HMACKey), or the public half of an
	// *RSASigningKey.
	VerificationKey VerificationKey
	// Description holds user entries stored with every item. It may set
	// "amzn-ddb-env-alg" ("AES", "AES/128", "AES/192" or "AES/256") to choose
	// the content-key size, and "amzn-ddb-wrap-alg" if it names the wrapping
	// key's own algorithm; it must not set "amzn-ddb-env-key".
	Description map[string]string
	// AllowLegacyRSAPKCS1v15 lets an RSA unwrapping key read items without
	// "amzn-ddb-wrap-alg" (or with "RSA"), written by old Java versions with
	// RSA PKCS#1 v1.5. Off by default: since the description is not signed,
	// anyone who can write an item can then make the reader run PKCS#1 v1.5
	// decryption on a chosen blob, the setting of Bleichenbacher's attack
	// (docs/format.md 11 item 1). Turn it on only to read such old items.
	//
	// So that the reader's answers teach such a writer nothing, a bad blob
	// (bad padding, a key of another size, a truncated blob) is not
	// reported: the provider goes on with a content key that looks random,
	// of the size "amzn-ddb-env-alg" states (32 bytes for plain "AES", Java's
	// AES-256 default), chosen in constant time (implicit rejection; with an
	// *rsa.PrivateKey the same blob gets the same key on every read, as a
	// valid blob does). The item then fails exactly as one whose key
	// unwrapped to a wrong value does: its signature checks, since the
	// signing key is separate, and an encrypted attribute fails to decrypt:
	// the item encryptor's one ddbcrypt.ErrIntegrity, by the same path in
	// the same time whatever the blob. A legacy item whose content key is not the stated size (an
	// "AES" item with a 16-byte key) cannot be read. An HSM-backed decrypter
	// should honour rsa.PKCS1v15DecryptOptions.SessionKeyLen as
	// *rsa.PrivateKey does; its errors are rejected the same way, except
	// ctx's and those wrapping ddbcrypt.ErrKeyService.
	AllowLegacyRSAPKCS1v15 bool
}

// Wrapped is an envelope provider: each item gets a fresh random AES content
// key, wrapped under the provider's wrapping key and stored in
// "amzn-ddb-env-key". It is safe for concurrent use.
//
// Items are written with "amzn-ddb-env-alg" = "AES/<bits>" (like Python;
// Java writes "AES", and both read either, docs/format.md 10 #10) and
// "amzn-ddb-wrap-alg" = the wrapping key's algorithm.
//
// Decryption reads only the item's description (like Java; Python would fill
// gaps from the configured description). It requires "amzn-ddb-env-key",
// "amzn-ddb-env-alg" = "AES" or "AES/128|192|256", and an
// "amzn-ddb-wrap-alg" naming the unwrapping key's algorithm. Items without
// "amzn-ddb-wrap-alg" are read only with an RSA unwrapping key and
// AllowLegacyRSAPKCS1v15; Java's legacy AES fallback (AES/ECB) is not
// supported (docs/format.md 10 #20).
type Wrapped struct {
	wk          WrappingKey
	uk          UnwrappingKey
	sk          SigningKey
	vk          VerificationKey
	desc        map[string]string // configured user entries, without env-alg and wrap-alg
	keyBits     int               // content-key size written
	allowLegacy bool
}

// NewWrapped returns a wrapped provider. The description is copied. A
// provider needs a wrapping or an unwrapping key, and a signing or a
// verification key.
func NewWrapped(cfg WrappedConfig) (*Wrapped, error) {
	p := &Wrapped{
		wk:          cfg.WrappingKey,
		uk:          cfg.UnwrappingKey,
		sk:          cfg.SigningKey,
		vk:          defaultVerificationKey(cfg.SigningKey, cfg.VerificationKey),
		desc:        cloneDescription(cfg.Description),
		keyBits:     defaultContentKeyBits,
		allowLegacy: cfg.AllowLegacyRSAPKCS1v15,
	}
	if p.wk == nil && p.uk == nil {
		return nil, fmt.Errorf("%w: a wrapped provider needs a wrapping or an unwrapping key", ddbcrypt.ErrInvalidConfig)
	}
	if p.sk == nil && p.vk == nil {
		return nil, fmt.Errorf("%w: a wrapped provider needs a signing or a verification key", ddbcrypt.ErrInvalidConfig)
	}
	if p.wk != nil && !isWrapAlgorithm(p.wk.WrapAlgorithm()) {
		return nil, fmt.Errorf("%w: unsupported wrapping algorithm %q", ddbcrypt.ErrInvalidConfig, p.wk.WrapAlgorithm())
	}
	if p.uk != nil && !isWrapAlgorithm(p.uk.WrapAlgorithm()) {
		return nil, fmt.Errorf("%w: unsupported unwrapping algorithm %q", ddbcrypt.ErrInvalidConfig, p.uk.WrapAlgorithm())
	}
	if _, ok := p.desc[DescEnvelopeKey]; ok {
		return nil, fmt.Errorf("%w: the configured description must not set %q", ddbcrypt.ErrInvalidConfig, DescEnvelopeKey)
	}
	if alg, ok := p.desc[DescEnvelopeAlgorithm]; ok {
		bits, ok := parseEnvelopeAlgorithm(alg)
		if !ok {
			return nil, fmt.Errorf("%w: configured %s %q is not AES, AES/128, AES/192 or AES/256", ddbcrypt.ErrInvalidConfig, DescEnvelopeAlgorithm, alg)
		}
		if bits != 0 {
			p.keyBits = bits
		}
		delete(p.desc, DescEnvelopeAlgorithm)
	}
	if alg, ok := p.desc[DescWrapAlgorithm]; ok {
		if p.wk == nil || alg != p.wk.WrapAlgorithm() {
			return nil, fmt.Errorf("%w: configured %s %q does not name the wrapping key's algorithm", ddbcrypt.ErrInvalidConfig, DescWrapAlgorithm, alg)
		}
		delete(p.desc, DescWrapAlgorithm)
	}
	return p, nil
}

// NewAsymmetricStatic returns a wrapped provider whose RSA key pair both
// wraps (with the public key) and unwraps (with decrypter), like Java's
// AsymmetricStaticProvider. decrypter.Public() must be an *rsa.PublicKey;
// decrypter may live in an HSM. verification may be nil (see
// WrappedConfig.VerificationKey). Legacy PKCS#1 v1.5 items need NewWrapped
// with AllowLegacyRSAPKCS1v15.
func NewAsymmetricStatic(decrypter crypto.Decrypter, signing SigningKey, verification VerificationKey, description map[string]string) (*Wrapped, error) {
	if decrypter == nil {
		return nil, fmt.Errorf("%w: nil RSA decrypter", ddbcrypt.ErrInvalidConfig)
	}
	pub, ok := decrypter.Public().(*rsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: the decrypter's public key is %T, not *rsa.PublicKey", ddbcrypt.ErrInvalidConfig, decrypter.Public())
	}
	wk, err := NewRSAWrappingKey(pub)
	if err != nil {
		return nil, err
	}
	uk, err := NewRSAUnwrappingKey(decrypter)
	if err != nil {
		return nil, err
	}
	return NewWrapped(WrappedConfig{
		WrappingKey:     wk,
		UnwrappingKey:   uk,
		SigningKey:      signing,
		VerificationKey: verification,
		Description:     description,
	})
}

// EncryptionMaterials generates a fresh content key, wraps it and returns it
// with the signing key and the description: the configured entries, the
// entries requested in ec (see describe), and the envelope entries.
func (p *Wrapped) EncryptionMaterials(_ context.Context, ec *EncryptionContext) (*EncryptionMaterials, error) {
	if p.wk == nil {
		return nil, fmt.Errorf("%w: the wrapped provider has no wrapping key", ddbcrypt.ErrNoMaterials)
	}
	if p.sk == nil {
		return nil, fmt.Errorf("%w: the wrapped provider has no signing key", ddbcrypt.ErrNoMaterials)
	}
	base, err := describe(p.desc, ec)
	if err != nil {
		return nil, err
	}
	desc := cloneDescription(base) // gets this item's envelope entries
	key := make([]byte, p.keyBits/8)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("%w: generating a content key: %v", ddbcrypt.ErrNoMaterials, err)
	}
	wrapped, err := p.wk.Wrap(key)
	if err != nil {
		clear(key)
		return nil, fmt.Errorf("cmp: wrapping the content key: %w", err)
	}
	desc[DescEnvelopeKey] = base64.StdEncoding.EncodeToString(wrapped)
	desc[DescEnvelopeAlgorithm] = envelopeAlgorithm(p.keyBits)
	desc[DescWrapAlgorithm] = p.wk.WrapAlgorithm()
	return &EncryptionMaterials{EncryptionKey: key, SigningKey: p.sk, MaterialDescription: desc}, nil
}

// DecryptionMaterials unwraps the item's content key (docs/format.md 7.3.3).
// Description problems return a *ddbcrypt.DescriptionError naming the field;
// a blob that does not unwrap, whatever the reason, returns
// ddbcrypt.ErrIntegrity; an unwrapping key that could not be used (see
// UnwrappingKey) returns an error wrapping ddbcrypt.ErrKeyService. The legacy
// PKCS#1 v1.5 unwrap returns a random key instead of ErrIntegrity (see
// WrappedConfig.AllowLegacyRSAPKCS1v15).
func (p *Wrapped) DecryptionMaterials(ctx context.Context, ec *EncryptionContext) (*DecryptionMaterials, error) {
	if p.uk == nil {
		return nil, fmt.Errorf("%w: the wrapped provider has no unwrapping key", ddbcrypt.ErrNoMaterials)
	}
	if p.vk == nil {
		return nil, fmt.Errorf("%w: the wrapped provider has no verification key", ddbcrypt.ErrNoMaterials)
	}
	var d map[string]string
	if ec != nil {
		d = ec.MaterialDescription
	}

	encoded, ok := d[DescEnvelopeKey]
	if !ok {
		return nil, descriptionError(DescEnvelopeKey, "", "missing")
	}
	wrapped, err := decodeBase64Lenient(encoded)
	if err != nil || len(wrapped) == 0 {
		// No Value: the field holds (wrapped) key material.
		return nil, descriptionError(DescEnvelopeKey, "", "not base64")
	}

	envAlg, ok := d[DescEnvelopeAlgorithm]
	if !ok {
		return nil, descriptionError(DescEnvelopeAlgorithm, "", "missing")
	}
	bits, ok := parseEnvelopeAlgorithm(envAlg)
	if !ok {
		return nil, descriptionError(DescEnvelopeAlgorithm, envAlg, "not AES, AES/128, AES/192 or AES/256")
	}

	unwrap, err := p.unwrapFunc(d, bits)
	if err != nil {
		return nil, err
	}
	key, err := unwrap(ctx, wrapped)
	if err != nil {
		return nil, unwrapError(d[DescWrapAlgorithm], err)
	}
	if !contentKeyLengthOK(len(key), bits) {
		clear(key)
		return nil, ddbcrypt.ErrIntegrity
	}
	return &DecryptionMaterials{DecryptionKey: key, VerificationKey: p.vk}, nil
}

// unwrapFunc picks the unwrap operation for an item from its
// "amzn-ddb-wrap-alg", refusing anything that is not allow-listed or does not
// match the configured unwrapping key. bits is the content-key size the item
// states (0: any AES size).
func (p *Wrapped) unwrapFunc(d map[string]string, bits int) (func(context.Context, []byte) ([]byte, error), error) {
	have := p.uk.WrapAlgorithm()
	alg, present := d[DescWrapAlgorithm]
	switch {
	case present && isWrapAlgorithm(alg):
		if alg != have {
			return nil, descriptionError(DescWrapAlgorithm, alg, "does not match the provider's unwrapping key ("+have+")")
		}
		return p.uk.Unwrap, nil
	case present && alg != wrapAlgorithmLegacyRSA:
		return nil, descriptionError(DescWrapAlgorithm, alg, "unsupported wrapping algorithm")
	}
	// Absent, or "RSA": the legacy fallback to the key's own algorithm.
	legacy, ok := p.uk.(*RSAUnwrappingKey)
	if !ok || legacy == nil {
		if have == WrapAlgorithmAES {
			return nil, descriptionError(DescWrapAlgorithm, alg, "missing or legacy; unwrapping AES keys without it is not supported")
		}
		return nil, descriptionError(DescWrapAlgorithm, alg, "missing or legacy; the unwrapping key has no legacy mode")
	}
	if !p.allowLegacy {
		return nil, descriptionError(DescWrapAlgorithm, alg, "missing or legacy RSA PKCS#1 v1.5; reading it needs AllowLegacyRSAPKCS1v15")
	}
	if bits == 0 {
		bits = defaultContentKeyBits
	}
	return func(ctx context.Context, wrapped []byte) ([]byte, error) {
		return legacy.unwrapPKCS1v15(ctx, wrapped, bits/8)
	}, nil
}

// unwrapError sorts an unwrap failure (see UnwrappingKey): a cryptographic
// one is ddbcrypt.ErrIntegrity and nothing more; any other wraps
// ddbcrypt.ErrKeyService and names the operation, never the blob.
func unwrapError(alg string, err error) error {
	if errors.Is(err, ddbcrypt.ErrIntegrity) || errors.Is(err, rsa.ErrDecryption) {
		return ddbcrypt.ErrIntegrity
	}
	if !isWrapAlgorithm(alg) {
		alg = "legacy RSA PKCS#1 v1.5"
	}
	if errors.Is(err, ddbcrypt.ErrKeyService) {
		return fmt.Errorf("cmp: unwrapping the content key (%s): %w", alg, err)
	}
	return fmt.Errorf("%w: cmp: unwrapping the content key (%s): %w", ddbcrypt.ErrKeyService, alg, err)
}

// String hides the keys.
func (p Wrapped) String() string { return "cmp.Wrapped{keys redacted}" }

// Format prints String for every verb, so that logging a provider cannot
// leak its keys.
func (p Wrapped) Format(f fmt.State, _ rune) { io.WriteString(f, p.String()) }

// descriptionError reports a bad description field. value must never be key
// material.
func descriptionError(field, value, why string) error {
	return &ddbcrypt.DescriptionError{Field: field, Value: value, Err: fmt.Errorf("%w: %s", ddbcrypt.ErrMaterialDescription, why)}
}

// isWrapAlgorithm is the allow-list of wrapping algorithms written and read.
func isWrapAlgorithm(alg string) bool {
	return alg == WrapAlgorithmAES || alg == WrapAlgorithmRSAOAEP
}

// parseEnvelopeAlgorithm accepts "AES" (bits 0: any AES size) and
// "AES/128", "AES/192", "AES/256". Java reads any suffix; we accept only
// sizes that make sense (docs/format.md 11 item 1: only AES content keys).
func parseEnvelopeAlgorithm(s string) (bits int, ok bool) {
	name, size, hasSize := strings.Cut(s, "/")
	if name != "AES" {
		return 0, false
	}
	if !hasSize {
		return 0, true
	}
	switch size {
	case "128":
		return 128, true
	case "192":
		return 192, true
	case "256":
		return 256, true
	}
	return 0, false
}

// contentKeyLengthOK checks an unwrapped key against the size the
// description announced (bits 0: any AES size).
func contentKeyLengthOK(n, bits int) bool {
	if bits != 0 {
		return n*8 == bits
	}
	return n == 16 || n == 24 || n == 32
}

// decodeBase64Lenient decodes standard base64, skipping characters outside
// the alphabet (old Java writers broke lines with CRLF) and not requiring
// padding, as both reference readers do (docs/format.md 0).
func decodeBase64Lenient(s string) ([]byte, error) {
	clean := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/' {
			clean = append(clean, c)
		}
	}
	return base64.RawStdEncoding.DecodeString(string(clean))
}

var _ Provider = (*Wrapped)(nil)

// envelopeAlgorithm names a content key size, "AES/256", without building
// the string for each item.
func envelopeAlgorithm(bits int) string {
	switch bits {
	case 128:
		return "AES/128"
	case 192:
		return "AES/192"
	case 256:
		return "AES/256"
	}
	return "AES/" + strconv.Itoa(bits)
}
