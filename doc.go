// Package ddbcrypt encrypts and signs Amazon DynamoDB items on the client,
// byte-compatible with the legacy Amazon DynamoDB Encryption Client for Java
// and Python: what one writes, the others read. Each attribute is encrypted
// and signed, signed only, or left alone, as the program says; keys are
// signed, never encrypted, so DynamoDB can still find the items.
//
// # Where to start
//
// This root package holds only what every layer shares: the errors below,
// the names of the two attributes an encrypted item carries, and DynamoDBAPI,
// the client interface of mapper and encrypted. The work is done
// in the sub-packages; a newcomer reads them in this order:
//
//   - mapper: Go structs in and out. Struct tags say what each field is
//     (key, encrypted, signed only, left alone); a mapper.Table[T] saves,
//     loads, queries, scans, deletes and writes transactions, encrypting on
//     the way in and verifying and decrypting on the way out. Most programs
//     need nothing else besides a provider.
//   - encrypted: the same protection for code that works with raw items
//     (map[string]types.AttributeValue): a drop-in replacement for
//     *dynamodb.Client with its method shapes, so paginators work with it.
//   - cmp: the providers, which choose the keys that protect each item.
//     Direct KMS takes a data key per item from AWS KMS (the usual choice);
//     Most Recent takes versioned keys from a MetaStore table (package
//     metastore), for fewer KMS calls and easy rotation; Wrapped and Static
//     use keys the program holds. Real keys come from KMS or a secrets
//     store, never from source code.
//   - crypto: the item encryptor both front ends are built on, for
//     encrypting or decrypting one item without calling DynamoDB (stream
//     records, exports, other storage).
//
// The examples directory of the module holds a runnable program for each
// provider and each front end.
//
// # Errors
//
// Every error a ddbcrypt package returns wraps exactly one of seven kinds, so
// that a caller can branch on any error from any package with errors.Is:
//
//	ErrIntegrity       tampered item or wrong keys (no detail given)
//	ErrInvalidConfig   a configuration or request that cannot work
//	ErrInvalidItem     an item that cannot be encrypted, decrypted or written as given
//	ErrKeyService      AWS KMS or a key store (a MetaStore) failed
//	ErrNotFound        no item, or no key store version, with that key
//	ErrConditionFailed a write's condition was not met
//	ErrDynamoDB        a DynamoDB call of package mapper or encrypted failed
//
// A few errors are more specific and wrap their kind: ErrVersionConflict
// (ErrConditionFailed), ErrMaterialDescription, ErrSerialization and
// ErrUnknownAttribute (ErrInvalidItem), ErrNoMaterials (ErrInvalidConfig).
// Errors also say where: *AttributeError, *DescriptionError, *ItemError,
// *DynamoDBError, and the packages' own types, found with errors.As.
package ddbcrypt
