package engine

// Single-item operations.

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
)

// Put encrypts and signs in.Item and writes it. Its condition may only
// name plaintext attributes. The old item returned with ReturnValues
// ALL_OLD, or with a failed condition, is verified and decrypted.
func (t *Table) Put(ctx context.Context, db DB, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if err := t.checkWrite(len(in.Expected) > 0, in.ConditionExpression, in.ExpressionAttributeNames, in.ReturnValues,
		values{"ExpressionAttributeValues", in.ExpressionAttributeValues}); err != nil {
		return nil, t.refusal(in.Item, err)
	}
	req := *in
	var err error
	if req.Item, err = t.Encrypt(ctx, in.Item); err != nil {
		return nil, err
	}
	out, err := db.PutItem(ctx, &req, optFns...)
	if err != nil {
		return nil, t.failed("PutItem", in.Item, t.conditionFailure(ctx, in.Item, err))
	}
	if out.Attributes, err = t.Returned(ctx, in.Item, out.Attributes); err != nil {
		return nil, err
	}
	return out, nil
}

// Get reads, verifies and decrypts an item. A ProjectionExpression is
// applied after the whole item is verified. An item with another key than
// in.Key is an error wrapping ddbcrypt.ErrIntegrity.
func (t *Table) Get(ctx context.Context, db DB, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	if err := t.checkLegacy(param{"AttributesToGet", len(in.AttributesToGet) > 0}); err != nil {
		return nil, t.refusal(in.Key, err)
	}
	if err := checkValues(values{"Key", in.Key}); err != nil {
		return nil, t.refusal(in.Key, err)
	}
	paths, err := t.projection(in.ProjectionExpression, in.ExpressionAttributeNames)
	if err != nil {
		return nil, t.refusal(in.Key, err)
	}
	req := *in
	req.ProjectionExpression, req.ExpressionAttributeNames = nil, nil
	out, err := db.GetItem(ctx, &req, optFns...)
	if err != nil {
		return nil, t.failed("GetItem", in.Key, err)
	}
	if err := t.info.CheckKey(t.name, in.Key, out.Item); err != nil {
		return nil, err
	}
	if out.Item, err = t.Read(ctx, out.Item, paths); err != nil {
		return nil, err
	}
	return out, nil
}

// Delete deletes an item; its condition may only name plaintext
// attributes. The old item returned with ReturnValues ALL_OLD, or with a
// failed condition, is verified and decrypted.
func (t *Table) Delete(ctx context.Context, db DB, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	if err := t.checkWrite(len(in.Expected) > 0, in.ConditionExpression, in.ExpressionAttributeNames, in.ReturnValues,
		values{"Key", in.Key}, values{"ExpressionAttributeValues", in.ExpressionAttributeValues}); err != nil {
		return nil, t.refusal(in.Key, err)
	}
	out, err := db.DeleteItem(ctx, in, optFns...)
	if err != nil {
		return nil, t.failed("DeleteItem", in.Key, t.conditionFailure(ctx, in.Key, err))
	}
	if out.Attributes, err = t.Returned(ctx, in.Key, out.Attributes); err != nil {
		return nil, err
	}
	return out, nil
}

// Update is allowed only for updates that leave the item's signature
// valid (Policy.CheckUpdate), and only of an existing item when the table
// signs its items. The item returned with ReturnValues ALL_OLD or ALL_NEW
// is verified and decrypted; UPDATED_OLD and UPDATED_NEW return only the
// DO_NOTHING attributes updated.
func (t *Table) Update(ctx context.Context, db DB, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	if err := t.checkLegacy(param{"AttributeUpdates", len(in.AttributeUpdates) > 0}, param{"Expected", len(in.Expected) > 0}); err != nil {
		return nil, t.refusal(in.Key, err)
	}
	if err := t.policy.CheckUpdate(in.UpdateExpression, in.ExpressionAttributeNames); err != nil {
		return nil, t.refusal(in.Key, err)
	}
	if err := t.policy.CheckCondition("condition", in.ConditionExpression, in.ExpressionAttributeNames); err != nil {
		return nil, t.refusal(in.Key, err)
	}
	if err := checkValues(values{"Key", in.Key}, values{"ExpressionAttributeValues", in.ExpressionAttributeValues}); err != nil {
		return nil, t.refusal(in.Key, err)
	}
	req := *in
	req.ConditionExpression, req.ExpressionAttributeNames = t.onlyExisting(in.ConditionExpression, in.ExpressionAttributeNames, in.UpdateExpression)
	out, err := db.UpdateItem(ctx, &req, optFns...)
	if err != nil {
		return nil, t.failed("UpdateItem", in.Key, t.conditionFailure(ctx, in.Key, err))
	}
	switch in.ReturnValues {
	case types.ReturnValueAllOld, types.ReturnValueAllNew:
		if out.Attributes, err = t.Returned(ctx, in.Key, out.Attributes); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// checkWrite checks what a put or a delete asks beyond its item: no
// legacy Expected, a condition on plaintext attributes only, ReturnValues
// that return whole items, and values the SDK can send (vals).
func (t *Table) checkWrite(expected bool, cond *string, names map[string]string, rv types.ReturnValue, vals ...values) error {
	if err := t.checkLegacy(param{"Expected", expected}); err != nil {
		return err
	}
	if err := t.policy.CheckCondition("condition", cond, names); err != nil {
		return err
	}
	if err := t.checkReturnValues(rv); err != nil {
		return err
	}
	return checkValues(vals...)
}

// failed names the operation and the item a failed DynamoDB call was
// about: a *ddbcrypt.DynamoDBError (ErrConditionFailed for a failed
// condition, else ErrDynamoDB) in a *ddbcrypt.ItemError. errors.As still
// finds the SDK's error in it. Only the key of item is named, never another
// attribute.
func (t *Table) failed(op string, item map[string]types.AttributeValue, err error) error {
	return &ddbcrypt.ItemError{Table: t.name, Key: t.Key(item), Err: &ddbcrypt.DynamoDBError{Op: op, Err: err}}
}

// conditionFailure verifies and decrypts the stored item DynamoDB returns
// with a failed condition (ReturnValuesOnConditionCheckFailure ALL_OLD), so
// that the caller never sees raw ciphertext or unverified plaintext: an
// item that does not verify, or has another key than key, is dropped.
func (t *Table) conditionFailure(ctx context.Context, key map[string]types.AttributeValue, err error) error {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) && ccf.Item != nil {
		ccf.Item, _ = t.Returned(ctx, key, ccf.Item)
	}
	return err
}
