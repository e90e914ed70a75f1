package reftest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

// Provider describes a materials provider and its keys, so that ddbcrypt
// (Build) and the references (in a Job) build the same one. Byte fields go
// over the wire as base64.
type Provider struct {
	// Kind is "static", "wrapped", "kms" or "most_recent".
	Kind string `json:"kind"`

	// Static: the AES content key.
	EncryptionKey []byte `json:"encryption_key,omitempty"`
	// Wrapped: an AES key-encryption key (AESWrap), or an RSA key pair
	// (RSA-OAEP) as PKIX and PKCS #8 DER.
	WrapKey    []byte `json:"wrap_key,omitempty"`
	RSAPublic  []byte `json:"rsa_public,omitempty"`
	RSAPrivate []byte `json:"rsa_private,omitempty"`

	// Static and Wrapped sign with an HMAC key, or with an RSA key pair
	// (PKIX and PKCS #8 DER) and SignatureAlgorithm.
	MACKey             []byte `json:"mac_key,omitempty"`
	MACAlgorithm       string `json:"mac_algorithm,omitempty"`
	SigningRSAPublic   []byte `json:"signing_rsa_public,omitempty"`
	SigningRSAPrivate  []byte `json:"signing_rsa_private,omitempty"`
	SignatureAlgorithm string `json:"signature_algorithm,omitempty"`

	// Direct KMS: the key (in local-kms).
	KeyID string `json:"key_id,omitempty"`

	// Most Recent: the MetaStore table, the material name, the TTL of the
	// current version and the provider that protects the MetaStore's rows
	// (Static or Wrapped: Java's driver has no Direct KMS).
	Table     string    `json:"table,omitempty"`
	Material  string    `json:"material,omitempty"`
	TTLMillis int64     `json:"ttl_ms,omitempty"`
	Inner     *Provider `json:"inner,omitempty"`

	// Description entries the provider puts in every item.
	Description map[string]string `json:"description,omitempty"`
}

// Static returns a static provider with fresh AES-256 and HmacSHA256 keys.
func Static(t testing.TB) Provider {
	return Provider{Kind: "static", EncryptionKey: testenv.RandomKey(t, 32), MACKey: testenv.RandomKey(t, 32), MACAlgorithm: "HmacSHA256"}
}

// WrappedAES returns a wrapped provider with a fresh AES-256 key-encryption
// key (AESWrap) and HmacSHA256 key.
func WrappedAES(t testing.TB) Provider {
	return Provider{Kind: "wrapped", WrapKey: testenv.RandomKey(t, 32), MACKey: testenv.RandomKey(t, 32), MACAlgorithm: "HmacSHA256"}
}

// WrappedRSA returns a wrapped provider that wraps content keys with RSA-OAEP
// and signs with SHA256withRSA, both with one 2048-bit key pair shared by the
// test binary (generating one is slow).
func WrappedRSA(t testing.TB) Provider {
	t.Helper()
	pub, priv := rsaKey()
	return Provider{Kind: "wrapped", RSAPublic: pub, RSAPrivate: priv,
		SigningRSAPublic: pub, SigningRSAPrivate: priv, SignatureAlgorithm: "SHA256withRSA"}
}

var rsaKey = sync.OnceValues(func() (pub, priv []byte) {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	if pub, err = x509.MarshalPKIXPublicKey(&k.PublicKey); err != nil {
		panic(err)
	}
	if priv, err = x509.MarshalPKCS8PrivateKey(k); err != nil {
		panic(err)
	}
	return pub, priv
})

// DirectKMS returns a Direct KMS provider with a new key in local-kms
// (skipping the test when local-kms is not configured).
func DirectKMS(t testing.TB) Provider {
	t.Helper()
	return Provider{Kind: "kms", KeyID: testenv.NewKMSKey(t, testenv.KMS(t))}
}

// NewMetaStoreTable creates a MetaStore table in DynamoDB Local for the test.
func NewMetaStoreTable(t testing.TB) string {
	t.Helper()
	return testenv.NewTable(t, testenv.DynamoDB(t), testenv.S(metastore.AttrName), testenv.N(metastore.AttrVersion))
}

// MostRecent returns a Most Recent provider over the MetaStore in table,
// whose rows inner protects.
func MostRecent(table, material string, inner Provider) Provider {
	return Provider{Kind: "most_recent", Table: table, Material: material, TTLMillis: time.Minute.Milliseconds(), Inner: &inner}
}

// Build returns ddbcrypt's provider for p.
func (p Provider) Build(t testing.TB) cmp.Provider {
	t.Helper()
	built, err := p.build(t)
	if err != nil {
		t.Fatalf("reftest: building ddbcrypt's %s provider: %v", p.Kind, err)
	}
	return built
}

func (p Provider) build(t testing.TB) (cmp.Provider, error) {
	switch p.Kind {
	case "static":
		sk, err := p.signingKey()
		if err != nil {
			return nil, err
		}
		return cmp.NewStatic(cmp.StaticConfig{EncryptionKey: p.EncryptionKey, SigningKey: sk, Description: p.Description})
	case "wrapped":
		sk, err := p.signingKey()
		if err != nil {
			return nil, err
		}
		cfg := cmp.WrappedConfig{SigningKey: sk, Description: p.Description}
		if p.WrapKey != nil {
			k, err := cmp.NewAESWrappingKey(p.WrapKey)
			if err != nil {
				return nil, err
			}
			cfg.WrappingKey, cfg.UnwrappingKey = k, k
		} else {
			priv, err := x509.ParsePKCS8PrivateKey(p.RSAPrivate)
			if err != nil {
				return nil, err
			}
			if cfg.WrappingKey, err = cmp.NewRSAWrappingKey(&priv.(*rsa.PrivateKey).PublicKey); err != nil {
				return nil, err
			}
			if cfg.UnwrappingKey, err = cmp.NewRSAUnwrappingKey(priv.(*rsa.PrivateKey)); err != nil {
				return nil, err
			}
		}
		return cmp.NewWrapped(cfg)
	case "kms":
		return cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: testenv.KMS(t), KeyID: p.KeyID, Description: p.Description})
	case "most_recent":
		inner, err := p.Inner.build(t)
		if err != nil {
			return nil, err
		}
		store, err := metastore.New(testenv.DynamoDB(t), p.Table, inner)
		if err != nil {
			return nil, err
		}
		return cmp.NewMostRecent(cmp.MostRecentConfig{Store: store, MaterialName: p.Material, TTL: time.Duration(p.TTLMillis) * time.Millisecond})
	}
	return nil, fmt.Errorf("unknown provider kind %q", p.Kind)
}

func (p Provider) signingKey() (cmp.SigningKey, error) {
	if p.MACKey != nil {
		return cmp.NewHMACKey(p.MACAlgorithm, p.MACKey)
	}
	priv, err := x509.ParsePKCS8PrivateKey(p.SigningRSAPrivate)
	if err != nil {
		return nil, err
	}
	return cmp.NewRSASigningKey(p.SignatureAlgorithm, priv.(*rsa.PrivateKey))
}
