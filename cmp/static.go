package cmp

// The static provider (docs/format.md 7.2, 10 #18): fixed keys, no envelope.

import (
	"context"
	"fmt"
	"io"

	"github.com/ddbcrypt/ddbcrypt"
)

// StaticConfig configures a static provider: the same AES key and signing
// key for every item, like Java's SymmetricStaticProvider and Python's
// StaticCryptographicMaterialsProvider.
type StaticConfig struct {
	// EncryptionKey is the AES key (16, 24 or 32 bytes) that encrypts
	// attributes. Nil for a sign-only provider.
	EncryptionKey []byte
	// DecryptionKey is the AES key that decrypts attributes. Nil means
	// EncryptionKey.
	DecryptionKey []byte
	// SigningKey signs items; needed to encrypt.
	SigningKey SigningKey
	// VerificationKey checks signatures; needed to decrypt. Nil means
	// SigningKey if it can verify (*HMACKey), or the public half of an
	// *RSASigningKey.
	VerificationKey VerificationKey
	// Description holds user entries stored with every item.
	Description map[string]string
}

// String hides the keys.
func (c StaticConfig) String() string { return "cmp.StaticConfig{keys redacted}" }

// Format prints String for every verb, so that logging a configuration
// cannot leak its AES keys.
func (c StaticConfig) Format(f fmt.State, _ rune) { io.WriteString(f, c.String()) }

// Static is a provider with fixed keys. It is safe for concurrent use.
//
// When decrypting it does not check that the item's description contains the
// configured entries (docs/format.md 10 #18): like Python, and unlike Java. The
// description is not signed, so the check would add no integrity, only a
// failure mode; the signature check with the configured key is what binds an
// item to this provider.
type Static struct {
	encKey, decKey []byte
	sk             SigningKey
	vk             VerificationKey
	desc           map[string]string
}

// NewStatic returns a static provider. The key bytes and the description are
// copied. A provider needs at least a signing or a verification key.
func NewStatic(cfg StaticConfig) (*Static, error) {
	if err := checkAESKey("EncryptionKey", cfg.EncryptionKey); err != nil {
		return nil, err
	}
	if err := checkAESKey("DecryptionKey", cfg.DecryptionKey); err != nil {
		return nil, err
	}
	p := &Static{
		encKey: cloneBytes(cfg.EncryptionKey),
		decKey: cloneBytes(cfg.DecryptionKey),
		sk:     cfg.SigningKey,
		vk:     defaultVerificationKey(cfg.SigningKey, cfg.VerificationKey),
		desc:   cloneDescription(cfg.Description),
	}
	if p.decKey == nil {
		p.decKey = p.encKey
	}
	if p.sk == nil && p.vk == nil {
		return nil, fmt.Errorf("%w: a static provider needs a signing or a verification key", ddbcrypt.ErrInvalidConfig)
	}
	return p, nil
}

// EncryptionMaterials returns the configured AES key (nil for sign-only),
// the signing key and a fresh description: the configured entries plus the
// entries requested in ec (see describe for the rules).
func (p *Static) EncryptionMaterials(_ context.Context, ec *EncryptionContext) (*EncryptionMaterials, error) {
	if p.sk == nil {
		return nil, fmt.Errorf("%w: the static provider has no signing key", ddbcrypt.ErrNoMaterials)
	}
	desc, err := describe(p.desc, ec)
	if err != nil {
		return nil, err
	}
	return &EncryptionMaterials{EncryptionKey: p.encKey, SigningKey: p.sk, MaterialDescription: desc}, nil
}

// DecryptionMaterials returns the configured AES key (nil for sign-only) and
// verification key, whatever the item's description says.
func (p *Static) DecryptionMaterials(_ context.Context, _ *EncryptionContext) (*DecryptionMaterials, error) {
	if p.vk == nil {
		return nil, fmt.Errorf("%w: the static provider has no verification key", ddbcrypt.ErrNoMaterials)
	}
	return &DecryptionMaterials{DecryptionKey: p.decKey, VerificationKey: p.vk}, nil
}

// String hides the keys.
func (p Static) String() string { return "cmp.Static{keys redacted}" }

// Format prints String for every verb, so that logging a provider cannot
// leak its AES keys.
func (p Static) Format(f fmt.State, _ rune) { io.WriteString(f, p.String()) }

// checkAESKey accepts nil (no key) or an AES-128/192/256 key. The message
// names the field and length, never the bytes.
func checkAESKey(field string, key []byte) error {
	if key == nil {
		return nil
	}
	switch len(key) {
	case 16, 24, 32:
		return nil
	}
	return fmt.Errorf("%w: %s must be 16, 24 or 32 bytes, not %d", ddbcrypt.ErrInvalidConfig, field, len(key))
}

// cloneBytes copies b, keeping nil as nil. Materials get their own copy so
// that a consumer cannot alter the provider's key.
func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}

var _ Provider = (*Static)(nil)
