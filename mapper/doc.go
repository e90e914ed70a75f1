// Package mapper saves Go structs to DynamoDB as encrypted and signed items
// and loads them back, verified and decrypted: Go's equivalent of Java's
// DynamoDBMapper with the AttributeEncryptor, byte-compatible with it.
//
// Struct tags say what each field is:
//
//	type Order struct {
//		ID      string `ddb:"pk,hash"`                     // partition key: signed, never encrypted
//		Created int64  `ddb:"sk,range"`                    // sort key: likewise
//		Version int    `ddb:"version,version"`             // optimistic locking: signed
//		Status  string `ddb:"status" ddbcrypt:"signonly"`  // readable, signed
//		Views   int    `ddb:"views" ddbcrypt:"donottouch"` // neither: may be updated alone
//		Card    string `ddb:"card"`                        // the rest is encrypted and signed
//	}
//
// The ddb tag takes attributevalue's options (omitempty, stringset,
// unixtime, "-", ...) and values are converted as attributevalue converts
// them. A field without a ddb tag takes its name and options from its
// dynamodbav tag, so structs tagged for attributevalue keep their
// attributes; a field with both must have tags that agree (package tags).
// A blank field `_ struct{} ddbcrypt:"signonly"` changes a type's default
// action.
//
// A struct whose tags give no key roles (no hash, no range), such as one
// tagged for attributevalue alone, takes its keys from the table's key
// schema on first use, when the table is described: the fields named like
// the table's key attributes become its keys, signed and never encrypted
// like tagged keys. The first call fails, naming the table and the
// attribute, if the struct has no such field or stores it as another type
// than the table's; CreateTable and CreateTableInput need the key tags.
//
// The ddb option index=NAME:hash or index=NAME:range makes a field a key of
// a secondary index, signed and never encrypted like the table's keys:
//
//	Email string `ddb:"email,index=by-email:hash"`
//	Total int64  `ddb:"total,index=by-email:range"`
//
// Table.CreateTable creates the table with those indexes and
// Table.CreateTableInput returns the request; Query.Index reads through
// an index.
//
// A Table[T] is the typed handle on a table; the Mapper's own Save, Load
// and Delete serve types with a TableName method. Every write is a whole
// item: a partial update of a signed item would break its signature, so
// Update writes only do-not-touch fields. ctx is taken by the calls that
// reach DynamoDB (or a key service), never by the builders of queries.
//
// Every error wraps exactly one kind of package ddbcrypt (ErrNotFound,
// ErrVersionConflict and ErrConditionFailed are its kinds; a failed DynamoDB
// call is ddbcrypt.ErrDynamoDB and keeps the SDK's error); an *ItemError names the table
// and the item's key, a *BatchError the keys a batch did not process, and a
// *ddbcrypt.AttributeError the attribute a field failed to marshal or
// unmarshal, without quoting the value of an encrypted one. A value nested
// deeper than DynamoDB's 32 levels of lists and maps, as one that contains
// itself would be, is refused with ddbcrypt.ErrInvalidItem.
package mapper
