package stream

import (
	"fmt"
	"strings"

	"github.com/ddbcrypt/ddbcrypt"
)

// ARNError reports an event source ARN that is not the ARN of a DynamoDB
// table's stream. It wraps ddbcrypt.ErrInvalidItem.
type ARNError struct {
	ARN    string // the ARN as the record gave it
	Reason string // what is wrong with it
}

func (e *ARNError) Error() string {
	return fmt.Sprintf("event source ARN %q: %s", e.ARN, e.Reason)
}

func (e *ARNError) Unwrap() error { return ddbcrypt.ErrInvalidItem }

// TableName returns the name of the table whose stream arn is:
//
//	arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL
//
// with a partition and a region of lowercase letters, digits and hyphens,
// a 12-digit account, a table name as DynamoDB allows it (3 to 255 of
// A-Z a-z 0-9 _ - .) and a non-empty label (a time stamp, which may hold
// colons). Anything else is an *ARNError.
func TableName(arn string) (string, error) {
	fail := func(format string, args ...any) (string, error) {
		return "", &ARNError{ARN: arn, Reason: fmt.Sprintf(format, args...)}
	}
	if arn == "" {
		return fail("empty: the record names no table")
	}
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 {
		return fail("not an ARN: want arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME/stream/LABEL")
	}
	prefix, partition, service, region, account, resource := parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]
	switch {
	case prefix != "arn":
		return fail("not an ARN: it does not start with \"arn:\"")
	case !isLabel(partition):
		return fail("partition %q is not lowercase letters, digits and hyphens", partition)
	case service != "dynamodb":
		return fail("service %q is not dynamodb", service)
	case !isLabel(region):
		return fail("region %q is not lowercase letters, digits and hyphens", region)
	case !isAccount(account):
		return fail("account %q is not 12 digits", account)
	}
	res := strings.Split(resource, "/")
	if len(res) != 4 || res[0] != "table" || res[2] != "stream" {
		return fail("resource %q is not table/NAME/stream/LABEL", resource)
	}
	if !isTableName(res[1]) {
		return fail("table name %q is not 3 to 255 of A-Z a-z 0-9 _ - .", res[1])
	}
	if res[3] == "" {
		return fail("the stream label is empty")
	}
	return res[1], nil
}

func isLabel(s string) bool {
	return s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == ""
}

func isAccount(s string) bool {
	return len(s) == 12 && strings.Trim(s, "0123456789") == ""
}

func isTableName(s string) bool {
	const allowed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-."
	return len(s) >= 3 && len(s) <= 255 && strings.Trim(s, allowed) == ""
}
