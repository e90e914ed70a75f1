// Package crypto is the item encryptor of ddbcrypt: it encrypts and signs a
// raw DynamoDB item (map[string]types.AttributeValue) and verifies and
// decrypts it again, in the wire format of the legacy Amazon DynamoDB
// Encryption Client (Java's DynamoDBEncryptor, Python's
// encrypt_dynamodb_item). The format is specified in docs/format.md; each file of
// this package implements the sections named in its header comment:
//
//   - serialize.go, deserialize.go: canonical attribute serialization (2)
//   - order.go: Java and Python orderings of sets, map keys and names (2.4, 10)
//   - description.go: the material description (3)
//   - attribute.go: attribute value encryption (4)
//   - sign.go: the string to sign and the signature (5)
//   - actions.go: attribute actions (6)
//   - encryptor.go: the item procedures (1.1, 1.2)
//
// Numbers are canonicalized by package internal/number (2.3), which the KMS
// provider shares.
package crypto
