package crypto

// UnknownAttributes says how DecryptItem treats attributes of a stored item
// that neither AttributeActions.Overrides nor the Context's key names name
// (Java's @HandleUnknownAttributes, docs/format.md 5.6).
type UnknownAttributes int

const (
	// UnknownUseDefault gives unnamed attributes the default action, as
	// Python does. This is the default.
	UnknownUseDefault UnknownAttributes = iota
	// UnknownIgnore leaves unnamed attributes unverified and returns them as
	// stored, as Java does for a class without @HandleUnknownAttributes.
	UnknownIgnore
	// UnknownReject fails with ddbcrypt.ErrUnknownAttribute, naming them.
	UnknownReject
)

// Option configures an Encryptor.
type Option func(*options)

type options struct {
	tableNames     map[string]string // physical → logical table name
	unknown        UnknownAttributes
	strictOrdering bool
}

// WithSignatureTableName binds items of table physical to the table name
// logical in their signature (and in a KMS encryption context): items copied
// from table logical verify when read from table physical, and items written
// to physical verify when copied to logical. It is Java's @TableAadOverride
// and overrideEncryptionContextTableName (docs/format.md 5.7). May be given more
// than once.
func WithSignatureTableName(physical, logical string) Option {
	return func(o *options) {
		if o.tableNames == nil {
			o.tableNames = make(map[string]string)
		}
		o.tableNames[physical] = logical
	}
}

// WithUnknownAttributes sets how DecryptItem treats attributes the actions do
// not name. See UnknownAttributes.
func WithUnknownAttributes(u UnknownAttributes) Option {
	return func(o *options) { o.unknown = u }
}

// WithStrictOrdering switches off the reader tolerance for the Python
// ordering (docs/format.md 10 #1, #2 and 13 Q1). By default, when a signature fails
// to verify with the Java ordering and the item holds a string or binary
// value on which Java and Python order differently, DecryptItem verifies once
// more with the Python ordering, so items written by the Python client are
// read. The tolerance only accepts another order of the same signed values.
func WithStrictOrdering() Option {
	return func(o *options) { o.strictOrdering = true }
}
