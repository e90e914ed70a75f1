package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/ddbexpr"
)

// TransactWrite encrypts and signs every Put of a transaction and writes
// it. Every element is checked (PrepareTransactItem) before anything is
// sent, so a refused transaction writes nothing. A cancelled transaction's
// error is SendTransactWrite's.
func TransactWrite(ctx context.Context, db DB, resolve Resolver, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	if len(in.TransactItems) == 0 {
		return nil, fmt.Errorf("%w: TransactWriteItems with no TransactItems", ddbcrypt.ErrInvalidItem)
	}
	for i, ti := range in.TransactItems {
		if err := checkTransactItem(i, ti); err != nil {
			return nil, err
		}
	}
	prepared := make([]types.TransactWriteItem, len(in.TransactItems))
	tables := make([]*Table, len(in.TransactItems))
	for i, ti := range in.TransactItems {
		t, err := resolve(ctx, transactTable(ti))
		if err != nil {
			return nil, err
		}
		if prepared[i], err = t.PrepareTransactItem(ctx, ti); err != nil {
			return nil, fmt.Errorf("TransactItems[%d]: %w", i, err)
		}
		tables[i] = t
	}
	return SendTransactWrite(ctx, db, in, prepared, tables, optFns...)
}

// transactTable returns the table a transaction element names.
func transactTable(ti types.TransactWriteItem) *string {
	switch {
	case ti.Put != nil:
		return ti.Put.TableName
	case ti.Delete != nil:
		return ti.Delete.TableName
	case ti.Update != nil:
		return ti.Update.TableName
	case ti.ConditionCheck != nil:
		return ti.ConditionCheck.TableName
	}
	return nil
}

// PrepareTransactItem checks one element of a transaction of this table
// and returns what is sent for it: a Put encrypted and signed, an Update
// limited to an existing item. Conditions may only name plaintext
// attributes, and an Update follows Policy.CheckUpdate.
func (t *Table) PrepareTransactItem(ctx context.Context, ti types.TransactWriteItem) (types.TransactWriteItem, error) {
	prepared, err := t.prepareTransactItem(ctx, ti)
	if err != nil {
		if _, ok := errors.AsType[*ddbcrypt.ItemError](err); !ok {
			err = t.refusal(writeKey(ti), err)
		}
	}
	return prepared, err
}

func (t *Table) prepareTransactItem(ctx context.Context, ti types.TransactWriteItem) (types.TransactWriteItem, error) {
	var err error
	switch {
	case ti.Put != nil:
		if err := t.policy.CheckCondition("condition", ti.Put.ConditionExpression, ti.Put.ExpressionAttributeNames); err != nil {
			return ti, err
		}
		if err := checkValues(values{"Put.ExpressionAttributeValues", ti.Put.ExpressionAttributeValues}); err != nil {
			return ti, err
		}
		put := *ti.Put
		if put.Item, err = t.Encrypt(ctx, ti.Put.Item); err != nil {
			return ti, err
		}
		ti.Put = &put
	case ti.Delete != nil:
		if err = t.policy.CheckCondition("condition", ti.Delete.ConditionExpression, ti.Delete.ExpressionAttributeNames); err == nil {
			err = checkValues(values{"Delete.Key", ti.Delete.Key}, values{"Delete.ExpressionAttributeValues", ti.Delete.ExpressionAttributeValues})
		}
	case ti.ConditionCheck != nil:
		if err = t.policy.CheckCondition("condition", ti.ConditionCheck.ConditionExpression, ti.ConditionCheck.ExpressionAttributeNames); err == nil {
			err = checkValues(values{"ConditionCheck.Key", ti.ConditionCheck.Key}, values{"ConditionCheck.ExpressionAttributeValues", ti.ConditionCheck.ExpressionAttributeValues})
		}
	case ti.Update != nil:
		if err := t.policy.CheckUpdate(ti.Update.UpdateExpression, ti.Update.ExpressionAttributeNames); err != nil {
			return ti, err
		}
		if err := t.policy.CheckCondition("condition", ti.Update.ConditionExpression, ti.Update.ExpressionAttributeNames); err != nil {
			return ti, err
		}
		if err := checkValues(values{"Update.Key", ti.Update.Key}, values{"Update.ExpressionAttributeValues", ti.Update.ExpressionAttributeValues}); err != nil {
			return ti, err
		}
		update := *ti.Update
		update.ConditionExpression, update.ExpressionAttributeNames = t.onlyExisting(ti.Update.ConditionExpression, ti.Update.ExpressionAttributeNames, ti.Update.UpdateExpression)
		ti.Update = &update
	}
	return ti, err
}

// SendTransactWrite sends the prepared elements of the transaction in (in
// itself holds the caller's plaintext elements; tables, the table of each).
// A cancelled transaction's error names the elements DynamoDB gave a reason
// for and wraps its *types.TransactionCanceledException, whose reasons (one
// per element) carry stored items verified and decrypted, or none.
func SendTransactWrite(ctx context.Context, db DB, in *dynamodb.TransactWriteItemsInput, prepared []types.TransactWriteItem, tables []*Table, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	req := *in
	req.TransactItems = prepared
	out, err := db.TransactWriteItems(ctx, &req, optFns...)
	if err == nil {
		return out, nil
	}
	keys := make([]map[string]types.AttributeValue, len(in.TransactItems))
	for i, ti := range in.TransactItems {
		keys[i] = writeKey(ti)
	}
	// Reasons may carry stored items (ALL_OLD): verify and decrypt them.
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for i := range tce.CancellationReasons {
			if r := &tce.CancellationReasons[i]; r.Item != nil && i < len(tables) && tables[i] != nil {
				r.Item, _ = tables[i].Returned(ctx, keys[i], r.Item)
			}
		}
	}
	return nil, transactFailed("TransactWriteItems", tables, keys, err)
}

// transactFailed names what a failed transaction was about: the elements
// DynamoDB gave a reason for cancelling it, by index, table, key and
// reason code, or else its tables and how many elements each had, and the
// operation op (a *ddbcrypt.DynamoDBError, kind ErrDynamoDB). keys
// holds the key, or whole item, of each element; only keys are named.
func transactFailed(op string, tables []*Table, keys []map[string]types.AttributeValue, err error) error {
	var tce *types.TransactionCanceledException
	var failed []string
	if errors.As(err, &tce) {
		for i, r := range tce.CancellationReasons {
			code := aws.ToString(r.Code)
			if code == "" || code == "None" || i >= len(tables) || tables[i] == nil {
				continue
			}
			failed = append(failed, fmt.Sprintf("TransactItems[%d] (table %s, item %s) %s", i, tables[i].name, ddbcrypt.FormatKey(tables[i].Key(keys[i])), code))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("%s: %w", strings.Join(failed, "; "), &ddbcrypt.DynamoDBError{Op: op, Err: err})
	}
	counts := make(map[string]int)
	for _, t := range tables {
		if t != nil {
			counts[t.name]++
		}
	}
	return batchFailed(op, counts, "item", err)
}

// writeKey returns the key of the item a transaction element deletes,
// updates or checks, or the whole item a Put writes.
func writeKey(ti types.TransactWriteItem) map[string]types.AttributeValue {
	switch {
	case ti.Put != nil:
		return ti.Put.Item
	case ti.Delete != nil:
		return ti.Delete.Key
	case ti.Update != nil:
		return ti.Update.Key
	case ti.ConditionCheck != nil:
		return ti.ConditionCheck.Key
	}
	return nil
}

// TransactGet reads, verifies and decrypts the items of a transaction;
// projections are applied after verification. Each item must have the key
// asked for: another one is an error wrapping ddbcrypt.ErrIntegrity.
func TransactGet(ctx context.Context, db DB, resolve Resolver, in *dynamodb.TransactGetItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactGetItemsOutput, error) {
	if len(in.TransactItems) == 0 {
		return nil, fmt.Errorf("%w: TransactGetItems with no TransactItems", ddbcrypt.ErrInvalidItem)
	}
	req := *in
	req.TransactItems = make([]types.TransactGetItem, len(in.TransactItems))
	tables := make([]*Table, len(in.TransactItems))
	projections := make([][]ddbexpr.Path, len(in.TransactItems))
	for i, ti := range in.TransactItems {
		if ti.Get == nil {
			return nil, fmt.Errorf("%w: TransactItems[%d] sets no Get", ddbcrypt.ErrInvalidItem, i)
		}
		t, err := resolve(ctx, ti.Get.TableName)
		if err != nil {
			return nil, err
		}
		if err := badValue(ti.Get.Key); err != nil {
			return nil, t.refusal(ti.Get.Key, fmt.Errorf("TransactItems[%d].Get.Key: %w", i, err))
		}
		if projections[i], err = t.projection(ti.Get.ProjectionExpression, ti.Get.ExpressionAttributeNames); err != nil {
			return nil, t.refusal(ti.Get.Key, err)
		}
		get := *ti.Get
		get.ProjectionExpression, get.ExpressionAttributeNames = nil, nil
		req.TransactItems[i], tables[i] = types.TransactGetItem{Get: &get}, t
	}
	out, err := db.TransactGetItems(ctx, &req, optFns...)
	if err != nil {
		keys := make([]map[string]types.AttributeValue, len(in.TransactItems))
		for i, ti := range in.TransactItems {
			if ti.Get != nil {
				keys[i] = ti.Get.Key
			}
		}
		return nil, transactFailed("TransactGetItems", tables, keys, err)
	}
	for i := range out.Responses {
		if i >= len(tables) || tables[i] == nil {
			continue
		}
		if err := tables[i].info.CheckKey(tables[i].name, in.TransactItems[i].Get.Key, out.Responses[i].Item); err != nil {
			return nil, err
		}
		if out.Responses[i].Item, err = tables[i].Read(ctx, out.Responses[i].Item, projections[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
