package engine

// Queries and scans.

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/ddbexpr"
)

// Query reads, verifies and decrypts one page of a query: QueryPage, then
// ReadAll.
func (t *Table) Query(ctx context.Context, db DB, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, paths, err := t.QueryPage(ctx, db, in, optFns...)
	return readPage(ctx, t, out, paths, err, func(o *dynamodb.QueryOutput) []map[string]types.AttributeValue { return o.Items })
}

// Scan reads, verifies and decrypts one page of a scan: ScanPage, then
// ReadAll.
func (t *Table) Scan(ctx context.Context, db DB, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	out, paths, err := t.ScanPage(ctx, db, in, optFns...)
	return readPage(ctx, t, out, paths, err, func(o *dynamodb.ScanOutput) []map[string]types.AttributeValue { return o.Items })
}

// readPage verifies, decrypts and projects the items of a page read with
// the projection paths, unless reading it failed.
func readPage[Out any](ctx context.Context, t *Table, out *Out, paths []ddbexpr.Path, err error, items func(*Out) []map[string]types.AttributeValue) (*Out, error) {
	if err == nil {
		err = t.ReadAll(ctx, items(out), paths)
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// QueryPage checks a query and reads one page of stored items, still
// encrypted, for the caller to verify and decrypt with Read and the
// projection returned. Key-condition and filter expressions may only name
// plaintext attributes; a query of an index needs an index that projects
// all attributes.
func (t *Table) QueryPage(ctx context.Context, db DB, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, []ddbexpr.Path, error) {
	req := *in
	r := readRequest{op: "Query", keyCond: in.KeyConditionExpression, filter: in.FilterExpression, index: in.IndexName, sel: in.Select, projection: in.ProjectionExpression, names: in.ExpressionAttributeNames,
		values: in.ExpressionAttributeValues, start: in.ExclusiveStartKey,
		legacy: []param{{"KeyConditions", len(in.KeyConditions) > 0}, {"QueryFilter", len(in.QueryFilter) > 0}, {"AttributesToGet", len(in.AttributesToGet) > 0}}}
	return sendRead(t, r, func(names map[string]string) {
		req.ProjectionExpression, req.Select, req.ExpressionAttributeNames = nil, "", names
	},
		func() (*dynamodb.QueryOutput, error) { return db.Query(ctx, &req, optFns...) })
}

// ScanPage checks a scan and reads one page of stored items, like
// QueryPage.
func (t *Table) ScanPage(ctx context.Context, db DB, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, []ddbexpr.Path, error) {
	req := *in
	r := readRequest{op: "Scan", filter: in.FilterExpression, index: in.IndexName, sel: in.Select, projection: in.ProjectionExpression, names: in.ExpressionAttributeNames,
		values: in.ExpressionAttributeValues, start: in.ExclusiveStartKey,
		legacy: []param{{"ScanFilter", len(in.ScanFilter) > 0}, {"AttributesToGet", len(in.AttributesToGet) > 0}}}
	return sendRead(t, r, func(names map[string]string) {
		req.ProjectionExpression, req.Select, req.ExpressionAttributeNames = nil, "", names
	},
		func() (*dynamodb.ScanOutput, error) { return db.Scan(ctx, &req, optFns...) })
}

// sendRead checks the query or scan r and sends it; the engine applies a
// projection itself, after verification, so a request with one is sent
// without it (strip, given the names the other expressions still use).
func sendRead[Out any](t *Table, r readRequest, strip func(names map[string]string), send func() (*Out, error)) (*Out, []ddbexpr.Path, error) {
	paths, err := t.checkReadRequest(r)
	if err != nil {
		return nil, nil, t.refusal(nil, err)
	}
	if paths != nil {
		strip(usedNames(r.names, r.keyCond, r.filter))
	}
	out, err := send()
	if err != nil {
		return nil, nil, t.readFailed(r.op, r.index, err)
	}
	return out, paths, nil
}

// readRequest is what the checks of a query or a scan look at.
type readRequest struct {
	op              string // Query or Scan
	legacy          []param
	keyCond, filter *string
	index           *string
	sel             types.Select
	projection      *string
	names           map[string]string
	values, start   map[string]types.AttributeValue // ExpressionAttributeValues, ExclusiveStartKey
}

// checkReadRequest checks a query or scan and returns the projection the
// engine applies itself (nil for none).
func (t *Table) checkReadRequest(r readRequest) ([]ddbexpr.Path, error) {
	if err := t.checkLegacy(r.legacy...); err != nil {
		return nil, err
	}
	if err := t.policy.CheckCondition("key condition", r.keyCond, r.names); err != nil {
		return nil, err
	}
	if err := t.policy.CheckCondition("filter", r.filter, r.names); err != nil {
		return nil, err
	}
	if err := checkValues(values{"ExpressionAttributeValues", r.values}, values{"ExclusiveStartKey", r.start}); err != nil {
		return nil, err
	}
	return t.checkRead(r.index, r.sel, r.projection, r.names)
}

// readFailed names the operation, the table and the index of a failed
// query or scan.
func (t *Table) readFailed(op string, index *string, err error) error {
	err = &ddbcrypt.DynamoDBError{Op: op, Err: err}
	if index != nil {
		return fmt.Errorf("table %s, index %s: %w", t.name, *index, err)
	}
	return fmt.Errorf("table %s: %w", t.name, err)
}
