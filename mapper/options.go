package mapper

import "github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"

// WriteOption configures one Save or Delete.
type WriteOption func(*writeOptions)

type writeOptions struct {
	conditions []expression.ConditionBuilder
}

// If adds a condition the write must meet, e.g.
// If(expression.Name("status").Equal(expression.Value("open"))). It may
// only name attributes that are not encrypted. A condition that fails is an
// error wrapping ErrConditionFailed.
func If(cond expression.ConditionBuilder) WriteOption {
	return func(o *writeOptions) { o.conditions = append(o.conditions, cond) }
}

func collectWriteOptions(opts []WriteOption) writeOptions {
	var o writeOptions
	for _, f := range opts {
		f(&o)
	}
	return o
}

// ReadOption configures one Load.
type ReadOption func(*readOptions)

type readOptions struct {
	consistent bool
}

// ConsistentRead makes Load read the latest committed item.
func ConsistentRead() ReadOption {
	return func(o *readOptions) { o.consistent = true }
}

func collectReadOptions(opts []ReadOption) readOptions {
	var o readOptions
	for _, f := range opts {
		f(&o)
	}
	return o
}
