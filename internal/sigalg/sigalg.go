// Package sigalg is the one place that lists the signature and MAC
// algorithms ddbcrypt accepts (docs/format.md 5.4, 10 #14, 11 item 1;
// scope in 13 Q3): the names Python supports and section 13 Q3 adopts.
// Anything else (SHA1withRSA, HmacSHA1, ECDSA, ...) is refused, so that a
// tampered description cannot downgrade a signature. The algorithm of a
// signature always comes from the configured key; an item's
// "amzn-ddb-map-signingAlg" entry is at most checked against the list,
// never used to pick an algorithm.
package sigalg

import (
	"crypto"
	_ "crypto/sha256" // registers SHA-224 and SHA-256 for crypto.Hash.New
	_ "crypto/sha512" // registers SHA-384 and SHA-512 for crypto.Hash.New
)

// Algorithm describes one allow-listed JCE signature or MAC name.
type Algorithm struct {
	Hash       crypto.Hash
	Asymmetric bool // RSASSA-PKCS1-v1_5; otherwise HMAC
}

var algorithms = map[string]Algorithm{
	"HmacSHA224":    {crypto.SHA224, false},
	"HmacSHA256":    {crypto.SHA256, false},
	"HmacSHA384":    {crypto.SHA384, false},
	"HmacSHA512":    {crypto.SHA512, false},
	"SHA224withRSA": {crypto.SHA224, true},
	"SHA256withRSA": {crypto.SHA256, true},
	"SHA384withRSA": {crypto.SHA384, true},
	"SHA512withRSA": {crypto.SHA512, true},
}

// Lookup returns the algorithm called name, if it is accepted. Names are
// case-sensitive.
func Lookup(name string) (Algorithm, bool) {
	a, ok := algorithms[name]
	return a, ok
}

// IsAsymmetric reports whether name is an accepted asymmetric (RSA)
// signature algorithm. The item encryptor records
// "amzn-ddb-map-signingAlg" only for these, like Java (docs/format.md 10 #9).
func IsAsymmetric(name string) bool {
	a, ok := algorithms[name]
	return ok && a.Asymmetric
}
