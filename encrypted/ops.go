package encrypted

// The DynamoDB methods: each finds the table its request names and lets the
// engine (internal/engine) check, encrypt, send, verify and decrypt.

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/engine"
)

// PutItem encrypts and signs in.Item and writes it. Its condition may only
// name plaintext attributes. The old item returned with ReturnValues
// ALL_OLD, or with a failed condition, is verified and decrypted.
func (c *Client) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if in == nil {
		return nil, nilInput(in)
	}
	t, err := c.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	return t.Put(ctx, c.db, in, optFns...)
}

// GetItem reads, verifies and decrypts an item. A ProjectionExpression is
// applied after the whole item is verified. An item with another key than
// in.Key is an error wrapping ddbcrypt.ErrIntegrity.
func (c *Client) GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if in == nil {
		return nil, nilInput(in)
	}
	t, err := c.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	return t.Get(ctx, c.db, in, optFns...)
}

// DeleteItem deletes an item; its condition may only name plaintext
// attributes. The old item returned with ReturnValues ALL_OLD, or with a
// failed condition, is verified and decrypted.
func (c *Client) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if in == nil {
		return nil, nilInput(in)
	}
	t, err := c.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	return t.Delete(ctx, c.db, in, optFns...)
}

// UpdateItem is allowed only for updates that leave the item's signature
// valid: every attribute the expression writes must be DO_NOTHING (neither
// signed nor encrypted) and not a key — counters, TTLs, "last seen" times.
// Anything else is refused with an error naming the attribute. When the
// table signs its items, only an existing item is updated (a condition is
// added): a new one would have no signature. The item returned with
// ReturnValues ALL_OLD or ALL_NEW is verified and decrypted; UPDATED_OLD
// and UPDATED_NEW return only the DO_NOTHING attributes updated.
func (c *Client) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if in == nil {
		return nil, nilInput(in)
	}
	t, err := c.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	return t.Update(ctx, c.db, in, optFns...)
}

// Query reads, verifies and decrypts the items of a query. Key-condition
// and filter expressions may only name plaintext attributes; a projection is
// applied after each whole item is verified. A query of an index needs an
// index that projects all attributes.
func (c *Client) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if in == nil {
		return nil, nilInput(in)
	}
	t, err := c.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	return t.Query(ctx, c.db, in, optFns...)
}

// Scan reads, verifies and decrypts the items of a scan, like Query.
func (c *Client) Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	if in == nil {
		return nil, nilInput(in)
	}
	t, err := c.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	return t.Scan(ctx, c.db, in, optFns...)
}

// BatchGetItem reads, verifies and decrypts the items of a batch. Each item
// must have one of the keys asked for, and no two the same: another is an
// error wrapping ddbcrypt.ErrIntegrity. Unprocessed keys come back with the
// request's own projection, ready to be sent again.
func (c *Client) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	if in == nil {
		return nil, nilInput(in)
	}
	return engine.BatchGet(ctx, c.db, c.table, in, optFns...)
}

// BatchWriteItem encrypts and signs every put of a batch. A write request
// that sets both a put and a delete, or neither, is refused before any call.
// Unprocessed items come back as the caller's own plaintext requests, ready
// to be sent again.
func (c *Client) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	if in == nil {
		return nil, nilInput(in)
	}
	return engine.BatchWrite(ctx, c.db, c.table, in, optFns...)
}

// TransactWriteItems encrypts and signs every Put of a transaction. Puts,
// Deletes and ConditionChecks may only have conditions on plaintext
// attributes, and Updates follow UpdateItem's rule. Everything is checked
// before anything is sent, so a refused transaction writes nothing; an
// element that sets several operations is refused before any call. A
// cancelled transaction's error names the elements DynamoDB gave a reason
// for and wraps its *types.TransactionCanceledException, whose reasons
// (one per element) carry stored items verified and decrypted, or none.
func (c *Client) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if in == nil {
		return nil, nilInput(in)
	}
	return engine.TransactWrite(ctx, c.db, c.table, in, optFns...)
}

// TransactGetItems reads, verifies and decrypts the items of a transaction;
// projections are applied after verification. Each item must have the key
// asked for: another one is an error wrapping ddbcrypt.ErrIntegrity.
func (c *Client) TransactGetItems(ctx context.Context, in *dynamodb.TransactGetItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactGetItemsOutput, error) {
	if in == nil {
		return nil, nilInput(in)
	}
	return engine.TransactGet(ctx, c.db, c.table, in, optFns...)
}

// nilInput refuses a nil request, which the SDK's own client reports as
// missing fields: the engine would dereference it.
func nilInput(in any) error { return fmt.Errorf("%w: a nil %T", ddbcrypt.ErrInvalidItem, in) }
