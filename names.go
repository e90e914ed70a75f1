package ddbcrypt

// The reserved attributes an encrypted item carries (docs/format.md 1, 8). They
// are here, below every package, because both the struct model (which
// refuses them as field names) and the item encryptor (which writes them)
// need them; package crypto re-exports them.
const (
	DescriptionAttribute = "*amzn-ddb-map-desc*"
	SignatureAttribute   = "*amzn-ddb-map-sig*"
)
