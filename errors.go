package ddbcrypt

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
)

// Error kinds. Every error returned by ddbcrypt wraps exactly one of these.
var (
	// ErrIntegrity reports that an item failed an integrity check: a bad or
	// missing signature, a key that did not unwrap, or bad padding. The cause is
	// deliberately not said, so that no failure can serve as an oracle.
	ErrIntegrity = errors.New("ddbcrypt: item failed its integrity check")

	// ErrInvalidItem reports an item that cannot be encrypted or decrypted as
	// given: an unsupported or empty attribute value, a reserved attribute name,
	// an encrypted primary key, an encrypted value that is not binary, a
	// request package encrypted refuses.
	ErrInvalidItem = errors.New("ddbcrypt: invalid item")

	// ErrInvalidConfig reports a configuration that cannot work: bad key sizes,
	// unknown algorithms, a missing table name, conflicting attribute actions,
	// a provider without the key an operation needs.
	ErrInvalidConfig = errors.New("ddbcrypt: invalid configuration")

	// ErrKeyService reports that a key service failed or refused a call: AWS
	// KMS (a disabled key, denied access, throttling, no connection), or a
	// key store. A MetaStore is a key store, so a failed DynamoDB call of a
	// MetaStore is ErrKeyService, not ErrDynamoDB. The error says which key
	// or table and which operation, and wraps the SDK's error.
	ErrKeyService = errors.New("ddbcrypt: key service call failed")

	// ErrNotFound reports that there is no item with the key asked for
	// (mapper's Load, Update), or no such version in a key store.
	ErrNotFound = errors.New("ddbcrypt: not found")

	// ErrConditionFailed reports that DynamoDB did not write because a
	// write's condition was not met. The caller may reload and retry.
	ErrConditionFailed = errors.New("ddbcrypt: condition not met")

	// ErrDynamoDB reports that a DynamoDB call of package mapper or encrypted
	// failed: throttling, a missing table, no connection, a cancelled ctx.
	// It comes as a *DynamoDBError, which names the operation and wraps the
	// SDK's error, so errors.As finds the SDK's types. A failed condition is
	// ErrConditionFailed instead.
	ErrDynamoDB = errors.New("ddbcrypt: DynamoDB call failed")
)

// More specific errors, each wrapping one kind.
var (
	// ErrVersionConflict reports that a versioned write found another version
	// of the item in the table (someone else wrote it first), or an item
	// where it expected none. It wraps ErrConditionFailed.
	ErrVersionConflict error = &refinedError{"ddbcrypt: version conflict", ErrConditionFailed}

	// ErrMaterialDescription reports a material description that is malformed
	// or holds a value this library does not accept. It wraps ErrInvalidItem.
	ErrMaterialDescription error = &refinedError{"ddbcrypt: invalid material description", ErrInvalidItem}

	// ErrSerialization reports bytes that are not a valid serialized attribute
	// value. It wraps ErrInvalidItem.
	ErrSerialization error = &refinedError{"ddbcrypt: invalid serialized attribute", ErrInvalidItem}

	// ErrUnknownAttribute reports attributes in a stored item that the reader's
	// configuration does not name, when it is set to refuse them. It wraps
	// ErrInvalidItem.
	ErrUnknownAttribute error = &refinedError{"ddbcrypt: unknown attribute", ErrInvalidItem}

	// ErrNoMaterials reports that a provider cannot supply the materials asked
	// for: a provider without a wrapping key asked to encrypt, without an
	// unwrapping key asked to decrypt, and the like. It wraps
	// ErrInvalidConfig.
	ErrNoMaterials error = &refinedError{"ddbcrypt: no materials", ErrInvalidConfig}
)

// refinedError is a more specific error than its kind, which it wraps
// without repeating it in its message.
type refinedError struct {
	msg  string
	kind error
}

func (e *refinedError) Error() string { return e.msg }
func (e *refinedError) Unwrap() error { return e.kind }

// DynamoDBError says which DynamoDB call failed. It wraps the SDK's error,
// so errors.As finds the SDK's types (*types.ProvisionedThroughputExceededException,
// smithy.APIError, ...), and one kind: ErrConditionFailed when the SDK's
// error is a *types.ConditionalCheckFailedException, else ErrDynamoDB.
type DynamoDBError struct {
	Op  string // the operation, e.g. "PutItem"
	Err error  // the SDK's error
}

// Error is the SDK's message, which names the operation ("operation error
// DynamoDB: PutItem, ..."), or else the operation and the error.
func (e *DynamoDBError) Error() string {
	if oe, ok := errors.AsType[*smithy.OperationError](e.Err); ok && oe.ServiceID == "DynamoDB" && oe.OperationName == e.Op {
		return e.Err.Error()
	}
	return fmt.Sprintf("DynamoDB %s: %v", e.Op, e.Err)
}

func (e *DynamoDBError) Unwrap() []error {
	if _, ok := errors.AsType[*types.ConditionalCheckFailedException](e.Err); ok {
		return []error{ErrConditionFailed, e.Err}
	}
	return []error{ErrDynamoDB, e.Err}
}

// AttributeError says which attribute an error is about.
type AttributeError struct {
	Attribute string // the attribute name
	Err       error  // wraps one of the error kinds
}

func (e *AttributeError) Error() string { return fmt.Sprintf("attribute %q: %v", e.Attribute, e.Err) }
func (e *AttributeError) Unwrap() error { return e.Err }

// DescriptionError says which material description field an error is about.
type DescriptionError struct {
	Field string // the description key, e.g. "amzn-ddb-wrap-alg"
	Value string // the offending value, never key material
	Err   error  // wraps ErrMaterialDescription or ErrNoMaterials
}

func (e *DescriptionError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("material description field %q: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("material description field %q = %q: %v", e.Field, e.Value, e.Err)
}
func (e *DescriptionError) Unwrap() error { return e.Err }

// ItemError says which item an error is about: the table and the item's
// primary key, whose attributes are never encrypted.
type ItemError struct {
	Table string
	Key   map[string]types.AttributeValue
	Err   error
}

func (e *ItemError) Error() string {
	return fmt.Sprintf("table %s, item %s: %v", e.Table, FormatKey(e.Key), e.Err)
}

func (e *ItemError) Unwrap() error { return e.Err }

// FormatKey renders a primary key for messages: name=value pairs in name
// order, strings quoted, binary values in hex.
func FormatKey(key map[string]types.AttributeValue) string {
	names := make([]string, 0, len(key))
	for name := range key {
		names = append(names, name)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, name := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(name)
		b.WriteByte('=')
		switch v := key[name].(type) {
		case *types.AttributeValueMemberS:
			if v != nil {
				fmt.Fprintf(&b, "%q", v.Value)
				continue
			}
		case *types.AttributeValueMemberN:
			if v != nil {
				b.WriteString(v.Value)
				continue
			}
		case *types.AttributeValueMemberB:
			if v != nil {
				fmt.Fprintf(&b, "0x%x", v.Value)
				continue
			}
		}
		fmt.Fprintf(&b, "%T", key[name]) // a refused key names what it holds
	}
	b.WriteByte('}')
	return b.String()
}
