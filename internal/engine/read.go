package engine

// Queries and scans.

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/ddbexpr"
)

// Query reads, verifies and decrypts one page of a query: QueryPage, then
// ReadAll.
func (t *Table) Query(ctx context.Context, db DB, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	out, paths, err := t.QueryPage(ctx, db, in, optFns...)
	if err != nil {
		return nil, err
	}
	if err := t.ReadAll(ctx, out.Items, paths); err != nil {
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
	if err := t.checkLegacy(param{"KeyConditions", len(in.KeyConditions) > 0}, param{"QueryFilter", len(in.QueryFilter) > 0}, param{"AttributesToGet", len(in.AttributesToGet) > 0}); err != nil {
		return nil, nil, err
	}
	if err := t.policy.CheckCondition("key condition", in.KeyConditionExpression, in.ExpressionAttributeNames); err != nil {
		return nil, nil, err
	}
	if err := t.policy.CheckCondition("filter", in.FilterExpression, in.ExpressionAttributeNames); err != nil {
		return nil, nil, err
	}
	paths, err := t.checkRead(in.IndexName, in.Select, in.ProjectionExpression, in.ExpressionAttributeNames)
	if err != nil {
		return nil, nil, err
	}
	req := *in
	if paths != nil {
		req.ProjectionExpression, req.Select = nil, ""
		req.ExpressionAttributeNames = usedNames(in.ExpressionAttributeNames, in.KeyConditionExpression, in.FilterExpression)
	}
	out, err := db.Query(ctx, &req, optFns...)
	if err != nil {
		return nil, nil, t.readFailed("Query", in.IndexName, err)
	}
	return out, paths, nil
}

// Scan reads, verifies and decrypts one page of a scan: ScanPage, then
// ReadAll.
func (t *Table) Scan(ctx context.Context, db DB, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	out, paths, err := t.ScanPage(ctx, db, in, optFns...)
	if err != nil {
		return nil, err
	}
	if err := t.ReadAll(ctx, out.Items, paths); err != nil {
		return nil, err
	}
	return out, nil
}

// ScanPage checks a scan and reads one page of stored items, like
// QueryPage.
func (t *Table) ScanPage(ctx context.Context, db DB, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, []ddbexpr.Path, error) {
	if err := t.checkLegacy(param{"ScanFilter", len(in.ScanFilter) > 0}, param{"AttributesToGet", len(in.AttributesToGet) > 0}); err != nil {
		return nil, nil, err
	}
	if err := t.policy.CheckCondition("filter", in.FilterExpression, in.ExpressionAttributeNames); err != nil {
		return nil, nil, err
	}
	paths, err := t.checkRead(in.IndexName, in.Select, in.ProjectionExpression, in.ExpressionAttributeNames)
	if err != nil {
		return nil, nil, err
	}
	req := *in
	if paths != nil {
		req.ProjectionExpression, req.Select = nil, ""
		req.ExpressionAttributeNames = usedNames(in.ExpressionAttributeNames, in.FilterExpression)
	}
	out, err := db.Scan(ctx, &req, optFns...)
	if err != nil {
		return nil, nil, t.readFailed("Scan", in.IndexName, err)
	}
	return out, paths, nil
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
