package config

// Keys and key sources. A key object names its kind and where its bytes
// come from: {"aes": SOURCE}, {"hmac": SOURCE, "algorithm": ...} or
// {"rsa": SOURCE, "algorithm": ...}. A source is
//
//	base64:DATA  the bytes, standard base64
//	env:NAME     the environment variable NAME: base64 for AES and HMAC,
//	             PEM (or base64 DER) for RSA
//	file:PATH    the file's bytes: the raw key for AES and HMAC, PEM (or
//	             DER) for RSA
//
// No error says what a source or a key holds, only where it is.

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/ddbcrypt/ddbcrypt/cmp"
)

// keySpec is a key object. Exactly one of AES, HMAC and RSA is set.
type keySpec struct {
	AES       string `json:"aes"`
	HMAC      string `json:"hmac"`
	RSA       string `json:"rsa"`
	Algorithm string `json:"algorithm"`
}

// Default signature algorithms, when a key object names none.
const (
	defaultHMACAlgorithm = "HmacSHA256"
	defaultRSAAlgorithm  = "SHA256withRSA"
)

// kind returns the one kind k sets ("aes", "hmac" or "rsa"), which must
// be one of allowed, and its source.
func (k *keySpec) kind(path string, allowed ...string) (kind, source string, err error) {
	n := 0
	for name, src := range map[string]string{"aes": k.AES, "hmac": k.HMAC, "rsa": k.RSA} {
		if src != "" {
			kind, source, n = name, src, n+1
		}
	}
	want := strings.Join(allowed, " or ")
	switch {
	case n != 1:
		return "", "", &Error{Path: path, Err: fmt.Errorf("needs exactly one of %s", want)}
	case !slices.Contains(allowed, kind):
		return "", "", &Error{Path: join(path, kind), Err: fmt.Errorf("not a key this field takes: want %s", want)}
	}
	return kind, source, nil
}

// noAlgorithm refuses an algorithm on a key that takes none (AES keys).
func (k *keySpec) noAlgorithm(path string) error {
	if k.Algorithm != "" {
		return &Error{Path: join(path, "algorithm"), Err: errors.New("only a signing key takes an algorithm")}
	}
	return nil
}

// aesKey reads the AES key of an {"aes": ...} object. The caller clears
// the bytes once they are copied.
func aesKey(path string, k *keySpec) ([]byte, error) {
	_, src, err := k.kind(path, "aes")
	if err != nil {
		return nil, err
	}
	if err := k.noAlgorithm(path); err != nil {
		return nil, err
	}
	return readSource(join(path, "aes"), src, true)
}

// wrappingKeys reads a wrapped provider's key: an AES key both wraps and
// unwraps; an RSA private key unwraps, and its public half wraps; an RSA
// public key only wraps.
func wrappingKeys(path string, k *keySpec) (cmp.WrappingKey, cmp.UnwrappingKey, error) {
	kind, src, err := k.kind(path, "aes", "rsa")
	if err != nil {
		return nil, nil, err
	}
	if err := k.noAlgorithm(path); err != nil {
		return nil, nil, err
	}
	p := join(path, kind)
	if kind == "aes" {
		b, err := readSource(p, src, true)
		if err != nil {
			return nil, nil, err
		}
		defer clear(b)
		w, err := cmp.NewAESWrappingKey(b)
		if err != nil {
			return nil, nil, &Error{Path: p, Err: err}
		}
		return w, w, nil
	}
	priv, pub, err := rsaKey(p, src)
	if err != nil {
		return nil, nil, err
	}
	w, err := cmp.NewRSAWrappingKey(pub)
	if err != nil || priv == nil {
		return w, nil, wrapErr(p, err)
	}
	u, err := cmp.NewRSAUnwrappingKey(priv)
	return w, u, wrapErr(p, err)
}

// signingKeys reads a signing key: an HMAC key signs and verifies; an RSA
// private key signs, and its public half verifies; an RSA public key only
// verifies.
func signingKeys(path string, k *keySpec) (cmp.SigningKey, cmp.VerificationKey, error) {
	kind, src, err := k.kind(path, "hmac", "rsa")
	if err != nil {
		return nil, nil, err
	}
	p := join(path, kind)
	if kind == "hmac" {
		b, err := readSource(p, src, true)
		if err != nil {
			return nil, nil, err
		}
		defer clear(b)
		h, err := cmp.NewHMACKey(orDefault(k.Algorithm, defaultHMACAlgorithm), b)
		if err != nil {
			return nil, nil, &Error{Path: p, Err: err}
		}
		return h, h, nil
	}
	priv, pub, err := rsaKey(p, src)
	if err != nil {
		return nil, nil, err
	}
	alg := orDefault(k.Algorithm, defaultRSAAlgorithm)
	if priv == nil {
		v, err := cmp.NewRSAVerificationKey(alg, pub)
		return nil, v, wrapErr(p, err)
	}
	s, err := cmp.NewRSASigningKey(alg, priv)
	if err != nil {
		return nil, nil, &Error{Path: p, Err: err}
	}
	return s, s.VerificationKey(), nil
}

// rsaKey reads an RSA key, private (priv and its public half) or public
// (priv nil), in PEM or DER: PKCS #1, PKCS #8 or PKIX.
func rsaKey(path, src string) (priv *rsa.PrivateKey, pub *rsa.PublicKey, err error) {
	b, err := readSource(path, src, false)
	if err != nil {
		return nil, nil, err
	}
	defer clear(b)
	der := b
	if block, _ := pem.Decode(b); block != nil {
		der = block.Bytes
		defer clear(der)
	}
	if k, err := x509.ParsePKCS1PrivateKey(der); err == nil {
		return k, &k.PublicKey, nil
	}
	if k, err := x509.ParsePKCS8PrivateKey(der); err == nil {
		if k, ok := k.(*rsa.PrivateKey); ok {
			return k, &k.PublicKey, nil
		}
	}
	if k, err := x509.ParsePKIXPublicKey(der); err == nil {
		if k, ok := k.(*rsa.PublicKey); ok {
			return nil, k, nil
		}
	}
	if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
		return nil, k, nil
	}
	// The parsers' errors are not passed on: they may quote the input.
	return nil, nil, &Error{Path: path, Err: errors.New("not an RSA private or public key in PEM or DER (PKCS #1, PKCS #8 or PKIX)")}
}

// readSource returns the bytes of a key source. With symmetric, an env:
// variable holds base64; otherwise (RSA) its text is the key.
func readSource(path, src string, symmetric bool) ([]byte, error) {
	scheme, rest, _ := strings.Cut(src, ":")
	fail := func(format string, args ...any) error {
		return &Error{Path: path, Err: fmt.Errorf(format, args...)}
	}
	switch scheme {
	case "base64":
		b, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return nil, fail("base64: is not valid standard base64")
		}
		return b, nil
	case "env":
		if rest == "" {
			return nil, fail("env: names no variable")
		}
		v, ok := os.LookupEnv(rest)
		if !ok {
			return nil, fail("environment variable %s is not set", rest)
		}
		if !symmetric {
			return []byte(v), nil
		}
		b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(v))
		if err != nil {
			return nil, fail("environment variable %s is not valid standard base64", rest)
		}
		return b, nil
	case "file":
		if rest == "" {
			return nil, fail("file: names no file")
		}
		b, err := os.ReadFile(rest)
		if err != nil {
			return nil, &Error{Path: path, Err: err}
		}
		return b, nil
	}
	// Not quoted: a key pasted in by mistake must not reach a log.
	return nil, fail("a key source starts with base64:, env: or file:")
}

// wrapErr returns nil for nil, else err at path.
func wrapErr(path string, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Path: path, Err: err}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
