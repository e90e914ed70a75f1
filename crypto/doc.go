// Package crypto is the item encryptor: it encrypts and signs one raw
// DynamoDB item (map[string]types.AttributeValue) and verifies and decrypts
// it again, without calling DynamoDB. Packages mapper and encrypted are
// built on it; use it directly for items that do not go through them —
// stream records, exports, items kept elsewhere — or to write your own
// front end. The items are those of the legacy Amazon DynamoDB Encryption
// Client (Java's DynamoDBEncryptor, Python's encrypt_dynamodb_item), so
// each side reads what the other writes.
//
// An Encryptor takes its keys from a provider (package cmp). Each call
// names what to do with every attribute (AttributeActions: encrypt and
// sign, sign only, or leave alone) and the item's Context (its table and
// the names of its primary key):
//
//	encryptor := crypto.NewEncryptor(provider)
//	actions := crypto.AttributeActions{Default: crypto.EncryptAndSign,
//		Overrides: map[string]crypto.Action{"status": crypto.SignOnly}}
//	c := crypto.Context{TableName: "orders", PartitionKeyName: "pk", SortKeyName: "sk"}
//	stored, err := encryptor.EncryptItem(ctx, item, actions, c)
//	...
//	item, err = encryptor.DecryptItem(ctx, stored, actions, c)
//
// EncryptItem replaces each encrypted attribute with a binary ciphertext and
// adds two attributes: the material description (DescriptionAttribute),
// which tells the provider how to find the item's keys again, and the
// signature (SignatureAttribute), which covers the table name, every signed
// attribute's name and value, and which attributes are encrypted. Key
// attributes are signed, never encrypted, so that DynamoDB can still find
// the item and a stored item cannot be moved to another key. DecryptItem
// decrypts nothing unless the signature verifies; a tampered item or wrong
// keys give an error wrapping ddbcrypt.ErrIntegrity, which says no more.
//
// Both sides must use the same actions and context: a reader that signs or
// encrypts differently from the writer fails to verify. Options cover items
// moved between tables (WithSignatureTableName), attributes the actions do
// not name (WithUnknownAttributes), and the reading of items signed in the
// Python client's order, on by default (WithStrictOrdering turns it off).
//
// The wire format, which this package implements and tests against the
// Java and Python clients, is described in docs/format.md; the functions
// SerializeAttribute, StringToSign and DecodeMaterialDescription expose its
// parts, for inspecting stored items.
package crypto
