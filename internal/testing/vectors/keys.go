package vectors

// keys.json (docs/format.md 9.6).

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
)

// Key is one named entry of keys.json, decoded.
type Key struct {
	Name      string
	Algorithm string // JCE name: "AES", "HmacSHA256", "RSA", "SHA256withRSA"
	Type      string // "symmetric", "public" or "private"; empty for KMS keys

	Symmetric []byte          // RAW symmetric key material
	Public    *rsa.PublicKey  // from a DER X.509 SubjectPublicKeyInfo
	Private   *rsa.PrivateKey // from a DER PKCS#8 private key
	KeyID     string          // AWS KMS key id or ARN

	// err is why the key could not be decoded; it is reported by the
	// scenarios that use the key rather than failing the whole set.
	err error
}

type keyJSON struct {
	Material  string `json:"material"`
	Algorithm string `json:"algorithm"`
	Encoding  string `json:"encoding"`
	Type      string `json:"type"`
	KeyID     string `json:"keyId"`
}

func parseKeys(data []byte) (map[string]*Key, error) {
	var raw map[string]keyJSON
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	keys := make(map[string]*Key, len(raw))
	for name, kj := range raw {
		k := &Key{Name: name, Algorithm: kj.Algorithm, Type: kj.Type, KeyID: kj.KeyID}
		k.err = k.decode(kj)
		keys[name] = k
	}
	return keys, nil
}

func (k *Key) decode(kj keyJSON) error {
	if kj.KeyID != "" && kj.Material == "" {
		return nil
	}
	material, err := base64.StdEncoding.DecodeString(kj.Material)
	if err != nil {
		return fmt.Errorf("key %s: material: %w", k.Name, err)
	}
	switch {
	case kj.Type == "symmetric" && kj.Encoding == "RAW":
		k.Symmetric = material
	case kj.Type == "public" && kj.Encoding == "DER":
		pub, err := x509.ParsePKIXPublicKey(material)
		if err != nil {
			return fmt.Errorf("key %s: %w", k.Name, err)
		}
		rsaPub, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("key %s: %T is not an RSA public key", k.Name, pub)
		}
		k.Public = rsaPub
	case kj.Type == "private" && kj.Encoding == "DER":
		priv, err := x509.ParsePKCS8PrivateKey(material)
		if err != nil {
			return fmt.Errorf("key %s: %w", k.Name, err)
		}
		rsaPriv, ok := priv.(*rsa.PrivateKey)
		if !ok {
			return fmt.Errorf("key %s: %T is not an RSA private key", k.Name, priv)
		}
		k.Private = rsaPriv
		k.Public = &rsaPriv.PublicKey
	default:
		return fmt.Errorf("key %s: unsupported type %q with encoding %q", k.Name, kj.Type, kj.Encoding)
	}
	return nil
}

// Err reports why the key could not be decoded, or nil.
func (k *Key) Err() error { return k.err }
