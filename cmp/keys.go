package cmp

// Signing and verification keys (docs/format.md 5.4). The algorithm of a
// signature always comes from the configured key, never from the item.

// SigningKey signs the string-to-sign of an item.
type SigningKey interface {
	// Algorithm is the JCE name of the algorithm, e.g. "HmacSHA256" or
	// "SHA256withRSA".
	Algorithm() string
	// Sign returns the signature (or MAC) of msg. It must not keep msg,
	// whose buffer is reused.
	Sign(msg []byte) ([]byte, error)
}

// VerificationKey checks the signature of an item.
type VerificationKey interface {
	// Algorithm is the JCE name of the algorithm.
	Algorithm() string
	// Verify returns nil if sig is a valid signature of msg, and an error
	// wrapping ddbcrypt.ErrIntegrity otherwise. MACs are compared in constant
	// time. It must not keep msg, whose buffer is reused.
	Verify(msg, sig []byte) error
}
