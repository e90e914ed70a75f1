package mapper

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
)

// The mapper's errors are the ddbcrypt kinds: errors.Is(err,
// ddbcrypt.ErrNotFound) and errors.Is(err, mapper.ErrNotFound) are the same
// test. Bad input wraps ddbcrypt.ErrInvalidItem or ddbcrypt.ErrInvalidConfig,
// integrity failures ddbcrypt.ErrIntegrity, and any other failed DynamoDB
// call ddbcrypt.ErrDynamoDB (a *ddbcrypt.DynamoDBError, which wraps the
// SDK's error).
var (
	// ErrNotFound: Load or Update found no item with the given key. It is
	// ddbcrypt.ErrNotFound.
	ErrNotFound = ddbcrypt.ErrNotFound
	// ErrVersionConflict: Save or Delete of a versioned item found another
	// version in the table (someone else saved it first), or found an item
	// where it expected none. The struct is left unchanged. It is
	// ddbcrypt.ErrVersionConflict, which wraps ErrConditionFailed.
	ErrVersionConflict = ddbcrypt.ErrVersionConflict
	// ErrConditionFailed: a condition given with If was not met. It is
	// ddbcrypt.ErrConditionFailed.
	ErrConditionFailed = ddbcrypt.ErrConditionFailed
)

// IsNotFound reports whether err says that an item does not exist.
func IsNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// IsConflict reports whether err says that a versioned write lost a race or
// a condition was not met: the caller should reload and retry.
func IsConflict(err error) bool { return errors.Is(err, ErrConditionFailed) }

// dynamoFailed wraps the error of a failed DynamoDB call op: see
// ddbcrypt.DynamoDBError.
func dynamoFailed(op string, err error) error { return &ddbcrypt.DynamoDBError{Op: op, Err: err} }

// ItemError says which item an error is about: the table and the item's
// primary key. It is ddbcrypt.ItemError, shared with package encrypted.
type ItemError = ddbcrypt.ItemError

// BatchError reports the items of a batch call that were not written or
// read: DynamoDB left them unprocessed until the retries ran out or ctx was
// done, or the call failed.
type BatchError struct {
	Table string
	// Keys are the primary keys of the items not processed.
	Keys []map[string]types.AttributeValue
	Err  error
}

func (e *BatchError) Error() string {
	keys := make([]string, 0, min(len(e.Keys), 5))
	for _, k := range e.Keys[:min(len(e.Keys), 5)] {
		keys = append(keys, ddbcrypt.FormatKey(k))
	}
	more := ""
	if len(e.Keys) > 5 {
		more = fmt.Sprintf(" and %d more", len(e.Keys)-5)
	}
	return fmt.Sprintf("table %s: %d items not processed (%s%s): %v", e.Table, len(e.Keys), strings.Join(keys, ", "), more, e.Err)
}

func (e *BatchError) Unwrap() error { return e.Err }

func invalidItem(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ddbcrypt.ErrInvalidItem, fmt.Sprintf(format, args...))
}

func invalidConfig(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ddbcrypt.ErrInvalidConfig, fmt.Sprintf(format, args...))
}
