package encrypted

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

// TransactWriteItems encrypts and signs every Put of a transaction. Puts,
// Deletes and ConditionChecks may only have conditions on plaintext
// attributes, and Updates follow UpdateItem's rule. Everything is checked
// before anything is sent, so a refused transaction writes nothing; an
// element that sets several operations is refused before any call. A
// cancelled transaction's error names the elements DynamoDB gave a reason
// for and wraps its *types.TransactionCanceledException, whose reasons
// (one per element) carry stored items verified and decrypted, or none.
func (c *Client) TransactWriteItems(ctx context.Context, in *dynamodb.TransactWriteItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactWriteItemsOutput, error) {
	for i, ti := range in.TransactItems {
		if err := checkTransactItem(i, ti); err != nil {
			return nil, err
		}
	}
	req := *in
	req.TransactItems = make([]types.TransactWriteItem, len(in.TransactItems))
	tables := make([]*table, len(in.TransactItems))
	for i, ti := range in.TransactItems {
		var t *table
		var err error
		switch {
		case ti.Put != nil:
			t, err = c.table(ctx, ti.Put.TableName)
			if err != nil {
				return nil, err
			}
			if err := t.checkCondition("condition", ti.Put.ConditionExpression, ti.Put.ExpressionAttributeNames); err != nil {
				return nil, err
			}
			put := *ti.Put
			if put.Item, err = t.encrypt(ctx, ti.Put.Item); err != nil {
				return nil, err
			}
			ti.Put = &put
		case ti.Delete != nil:
			t, err = c.table(ctx, ti.Delete.TableName)
			if err != nil {
				return nil, err
			}
			if err := t.checkCondition("condition", ti.Delete.ConditionExpression, ti.Delete.ExpressionAttributeNames); err != nil {
				return nil, err
			}
		case ti.ConditionCheck != nil:
			t, err = c.table(ctx, ti.ConditionCheck.TableName)
			if err != nil {
				return nil, err
			}
			if err := t.checkCondition("condition", ti.ConditionCheck.ConditionExpression, ti.ConditionCheck.ExpressionAttributeNames); err != nil {
				return nil, err
			}
		case ti.Update != nil:
			t, err = c.table(ctx, ti.Update.TableName)
			if err != nil {
				return nil, err
			}
			if err := t.checkUpdate(ti.Update.UpdateExpression, ti.Update.ExpressionAttributeNames); err != nil {
				return nil, err
			}
			if err := t.checkCondition("condition", ti.Update.ConditionExpression, ti.Update.ExpressionAttributeNames); err != nil {
				return nil, err
			}
			update := *ti.Update
			update.ConditionExpression, update.ExpressionAttributeNames = t.onlyExisting(ti.Update.ConditionExpression, ti.Update.ExpressionAttributeNames, ti.Update.UpdateExpression)
			ti.Update = &update
		}
		req.TransactItems[i], tables[i] = ti, t
	}
	out, err := c.db.TransactWriteItems(ctx, &req, optFns...)
	if err != nil {
		// Reasons may carry stored items (ALL_OLD): verify and decrypt them.
		var tce *types.TransactionCanceledException
		if errors.As(err, &tce) {
			for i := range tce.CancellationReasons {
				if r := &tce.CancellationReasons[i]; r.Item != nil && i < len(tables) && tables[i] != nil {
					r.Item, _ = tables[i].returned(ctx, writeKey(in.TransactItems[i]), r.Item)
				}
			}
		}
		keys := make([]map[string]types.AttributeValue, len(in.TransactItems))
		for i, ti := range in.TransactItems {
			keys[i] = writeKey(ti)
		}
		return nil, transactFailed("TransactWriteItems", tables, keys, err)
	}
	return out, nil
}

// transactFailed names what a failed transaction was about: the elements
// DynamoDB gave a reason for cancelling it, by index, table, key and
// reason code, or else its tables and how many elements each had, and the
// operation op (a *ddbcrypt.DynamoDBError, kind ErrDynamoDB). keys
// holds the key, or whole item, of each element; only keys are named.
func transactFailed(op string, tables []*table, keys []map[string]types.AttributeValue, err error) error {
	var tce *types.TransactionCanceledException
	var failed []string
	if errors.As(err, &tce) {
		for i, r := range tce.CancellationReasons {
			code := aws.ToString(r.Code)
			if code == "" || code == "None" || i >= len(tables) || tables[i] == nil {
				continue
			}
			failed = append(failed, fmt.Sprintf("TransactItems[%d] (table %s, item %s) %s", i, tables[i].name, ddbcrypt.FormatKey(tables[i].key(keys[i])), code))
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

// TransactGetItems reads, verifies and decrypts the items of a transaction;
// projections are applied after verification. Each item must have the key
// asked for: another one is an error wrapping ddbcrypt.ErrIntegrity.
func (c *Client) TransactGetItems(ctx context.Context, in *dynamodb.TransactGetItemsInput, optFns ...func(*dynamodb.Options)) (*dynamodb.TransactGetItemsOutput, error) {
	req := *in
	req.TransactItems = make([]types.TransactGetItem, len(in.TransactItems))
	tables := make([]*table, len(in.TransactItems))
	projections := make([][]ddbexpr.Path, len(in.TransactItems))
	for i, ti := range in.TransactItems {
		if ti.Get == nil {
			req.TransactItems[i] = ti
			continue
		}
		t, err := c.table(ctx, ti.Get.TableName)
		if err != nil {
			return nil, err
		}
		if projections[i], err = t.projection(ti.Get.ProjectionExpression, ti.Get.ExpressionAttributeNames); err != nil {
			return nil, err
		}
		get := *ti.Get
		get.ProjectionExpression, get.ExpressionAttributeNames = nil, nil
		req.TransactItems[i], tables[i] = types.TransactGetItem{Get: &get}, t
	}
	out, err := c.db.TransactGetItems(ctx, &req, optFns...)
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
		if out.Responses[i].Item, err = tables[i].read(ctx, out.Responses[i].Item, projections[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
