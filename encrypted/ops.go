package encrypted

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/ddbexpr"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// PutItem encrypts and signs in.Item and writes it. The old item returned
// with ReturnValues ALL_OLD is verified and decrypted.
func (c *Client) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	t, err := c.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	if err := t.legacy("Expected", len(in.Expected) > 0); err != nil {
		return nil, err
	}
	if err := t.checkCondition("condition", in.ConditionExpression, in.ExpressionAttributeNames); err != nil {
		return nil, err
	}
	if err := t.checkReturnValues(in.ReturnValues); err != nil {
		return nil, err
	}
	req := *in
	if req.Item, err = t.encrypt(ctx, in.Item); err != nil {
		return nil, err
	}
	out, err := c.db.PutItem(ctx, &req, optFns...)
	if err != nil {
		return nil, t.failed("PutItem", in.Item, t.conditionFailure(ctx, in.Item, err))
	}
	if out.Attributes, err = t.returned(ctx, in.Item, out.Attributes); err != nil {
		return nil, err
	}
	return out, nil
}

// failed names the operation and the item a failed DynamoDB call was
// about: a *ddbcrypt.DynamoDBError (ErrConditionFailed for a failed
// condition, else ErrDynamoDB) in a *ddbcrypt.ItemError. errors.As still
// finds the SDK's error in it. Only the key of item is named, never another
// attribute.
func (t *table) failed(op string, item map[string]types.AttributeValue, err error) error {
	return &ddbcrypt.ItemError{Table: t.name, Key: t.key(item), Err: &ddbcrypt.DynamoDBError{Op: op, Err: err}}
}

// conditionFailure verifies and decrypts the stored item DynamoDB returns
// with a failed condition (ReturnValuesOnConditionCheckFailure ALL_OLD), so
// that the caller never sees raw ciphertext or unverified plaintext: an
// item that does not verify, or has another key than key, is dropped.
func (t *table) conditionFailure(ctx context.Context, key map[string]types.AttributeValue, err error) error {
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) && ccf.Item != nil {
		ccf.Item, _ = t.returned(ctx, key, ccf.Item)
	}
	return err
}

// returned verifies and decrypts an item DynamoDB returned for a request of
// key; nil stays nil. An item with another key is an error wrapping
// ddbcrypt.ErrIntegrity, however valid it is.
func (t *table) returned(ctx context.Context, key, item map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	if err := t.info.CheckKey(t.name, key, item); err != nil {
		return nil, err
	}
	return t.decrypt(ctx, item)
}

// checkReturnValues refuses ReturnValues that return part of an item, which
// cannot be verified: only NONE, ALL_OLD and ALL_NEW.
func (t *table) checkReturnValues(rv types.ReturnValue) error {
	switch rv {
	case "", types.ReturnValueNone, types.ReturnValueAllOld, types.ReturnValueAllNew:
		return nil
	}
	return refused(t.name, "ReturnValues %s returns part of an item, which cannot be verified; use ALL_OLD or ALL_NEW", rv)
}

// GetItem reads, verifies and decrypts an item. A ProjectionExpression is
// applied after the whole item is verified. An item with another key than
// in.Key is an error wrapping ddbcrypt.ErrIntegrity.
func (c *Client) GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error) {
	t, err := c.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	if err := t.legacy("AttributesToGet", len(in.AttributesToGet) > 0); err != nil {
		return nil, err
	}
	paths, err := t.projection(in.ProjectionExpression, in.ExpressionAttributeNames)
	if err != nil {
		return nil, err
	}
	req := *in
	req.ProjectionExpression, req.ExpressionAttributeNames = nil, nil
	out, err := c.db.GetItem(ctx, &req, optFns...)
	if err != nil {
		return nil, t.failed("GetItem", in.Key, err)
	}
	if err := t.info.CheckKey(t.name, in.Key, out.Item); err != nil {
		return nil, err
	}
	if out.Item, err = t.read(ctx, out.Item, paths); err != nil {
		return nil, err
	}
	return out, nil
}

// read verifies and decrypts a stored item and applies a projection.
func (t *table) read(ctx context.Context, stored map[string]types.AttributeValue, paths []ddbexpr.Path) (map[string]types.AttributeValue, error) {
	item, err := t.decrypt(ctx, stored)
	if err != nil || item == nil || paths == nil {
		return item, err
	}
	return ddbexpr.Project(item, paths), nil
}

// DeleteItem deletes an item; its condition may only name plaintext
// attributes. The old item returned with ReturnValues ALL_OLD is verified
// and decrypted.
func (c *Client) DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	t, err := c.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	if err := t.legacy("Expected", len(in.Expected) > 0); err != nil {
		return nil, err
	}
	if err := t.checkCondition("condition", in.ConditionExpression, in.ExpressionAttributeNames); err != nil {
		return nil, err
	}
	if err := t.checkReturnValues(in.ReturnValues); err != nil {
		return nil, err
	}
	out, err := c.db.DeleteItem(ctx, in, optFns...)
	if err != nil {
		return nil, t.failed("DeleteItem", in.Key, t.conditionFailure(ctx, in.Key, err))
	}
	if out.Attributes, err = t.returned(ctx, in.Key, out.Attributes); err != nil {
		return nil, err
	}
	return out, nil
}

// UpdateItem is allowed only for updates that leave the item's signature
// valid: every attribute the expression writes must be DO_NOTHING (neither
// signed nor encrypted) and not a key — counters, TTLs, "last seen" times.
// Anything else is refused with an error naming the attribute. The item
// returned with ReturnValues ALL_OLD or ALL_NEW is verified and decrypted;
// UPDATED_OLD and UPDATED_NEW return only the DO_NOTHING attributes updated.
func (c *Client) UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error) {
	t, err := c.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	if err := t.legacy("AttributeUpdates", len(in.AttributeUpdates) > 0); err != nil {
		return nil, err
	}
	if err := t.legacy("Expected", len(in.Expected) > 0); err != nil {
		return nil, err
	}
	if err := t.checkUpdate(in.UpdateExpression, in.ExpressionAttributeNames); err != nil {
		return nil, err
	}
	if err := t.checkCondition("condition", in.ConditionExpression, in.ExpressionAttributeNames); err != nil {
		return nil, err
	}
	req := *in
	req.ConditionExpression, req.ExpressionAttributeNames = t.onlyExisting(in.ConditionExpression, in.ExpressionAttributeNames, in.UpdateExpression)
	out, err := c.db.UpdateItem(ctx, &req, optFns...)
	if err != nil {
		return nil, t.failed("UpdateItem", in.Key, t.conditionFailure(ctx, in.Key, err))
	}
	switch in.ReturnValues {
	case types.ReturnValueAllOld, types.ReturnValueAllNew:
		if out.Attributes, err = t.returned(ctx, in.Key, out.Attributes); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// Query reads, verifies and decrypts the items of a query. Key-condition
// and filter expressions may only name plaintext attributes; a projection is
// applied after each whole item is verified. A query of an index needs an
// index that projects all attributes.
func (c *Client) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	t, err := c.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	for _, l := range []struct {
		name string
		used bool
	}{{"KeyConditions", len(in.KeyConditions) > 0}, {"QueryFilter", len(in.QueryFilter) > 0}, {"AttributesToGet", len(in.AttributesToGet) > 0}} {
		if err := t.legacy(l.name, l.used); err != nil {
			return nil, err
		}
	}
	if err := t.checkCondition("key condition", in.KeyConditionExpression, in.ExpressionAttributeNames); err != nil {
		return nil, err
	}
	if err := t.checkCondition("filter", in.FilterExpression, in.ExpressionAttributeNames); err != nil {
		return nil, err
	}
	paths, err := t.checkRead(in.IndexName, in.Select, in.ProjectionExpression, in.ExpressionAttributeNames)
	if err != nil {
		return nil, err
	}
	req := *in
	if paths != nil {
		req.ProjectionExpression, req.Select = nil, ""
		req.ExpressionAttributeNames = usedNames(in.ExpressionAttributeNames, in.KeyConditionExpression, in.FilterExpression)
	}
	out, err := c.db.Query(ctx, &req, optFns...)
	if err != nil {
		return nil, t.readFailed("Query", in.IndexName, err)
	}
	if err := t.readAll(ctx, out.Items, paths); err != nil {
		return nil, err
	}
	return out, nil
}

// Scan reads, verifies and decrypts the items of a scan, like Query.
func (c *Client) Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	t, err := c.table(ctx, in.TableName)
	if err != nil {
		return nil, err
	}
	for _, l := range []struct {
		name string
		used bool
	}{{"ScanFilter", len(in.ScanFilter) > 0}, {"AttributesToGet", len(in.AttributesToGet) > 0}} {
		if err := t.legacy(l.name, l.used); err != nil {
			return nil, err
		}
	}
	if err := t.checkCondition("filter", in.FilterExpression, in.ExpressionAttributeNames); err != nil {
		return nil, err
	}
	paths, err := t.checkRead(in.IndexName, in.Select, in.ProjectionExpression, in.ExpressionAttributeNames)
	if err != nil {
		return nil, err
	}
	req := *in
	if paths != nil {
		req.ProjectionExpression, req.Select = nil, ""
		req.ExpressionAttributeNames = usedNames(in.ExpressionAttributeNames, in.FilterExpression)
	}
	out, err := c.db.Scan(ctx, &req, optFns...)
	if err != nil {
		return nil, t.readFailed("Scan", in.IndexName, err)
	}
	if err := t.readAll(ctx, out.Items, paths); err != nil {
		return nil, err
	}
	return out, nil
}

// readFailed names the operation, the table and the index of a failed
// query or scan.
func (t *table) readFailed(op string, index *string, err error) error {
	err = &ddbcrypt.DynamoDBError{Op: op, Err: err}
	if index != nil {
		return fmt.Errorf("table %s, index %s: %w", t.name, *index, err)
	}
	return fmt.Errorf("table %s: %w", t.name, err)
}

// checkRead checks the index and Select of a query or scan, and returns the
// projection the client applies itself (nil for none).
func (t *table) checkRead(index *string, sel types.Select, projection *string, names map[string]string) ([]ddbexpr.Path, error) {
	if index != nil {
		ix, ok := t.info.Indexes[*index]
		if !ok {
			return nil, refused(t.name, "no index %q", *index)
		}
		if !ix.ProjectsAll && sel != types.SelectCount {
			return nil, refused(t.name, "index %q does not project all attributes; encrypted items can only be verified whole", *index)
		}
	}
	if sel == types.SelectAllProjectedAttributes && index == nil {
		return nil, refused(t.name, "Select ALL_PROJECTED_ATTRIBUTES needs an index")
	}
	paths, err := t.projection(projection, names)
	if err != nil {
		return nil, err
	}
	if paths != nil && sel == types.SelectCount {
		return nil, refused(t.name, "Select COUNT with a ProjectionExpression")
	}
	if paths != nil || sel != types.SelectSpecificAttributes {
		return paths, nil
	}
	return nil, refused(t.name, "Select SPECIFIC_ATTRIBUTES needs a ProjectionExpression")
}

// readAll verifies, decrypts and projects items in place.
func (t *table) readAll(ctx context.Context, items []map[string]types.AttributeValue, paths []ddbexpr.Path) error {
	for i, stored := range items {
		item, err := t.read(ctx, stored, paths)
		if err != nil {
			return err
		}
		items[i] = item
	}
	return nil
}

// BatchGetItem reads, verifies and decrypts the items of a batch. Each item
// must have one of the keys asked for, and no two the same: another is an
// error wrapping ddbcrypt.ErrIntegrity. Unprocessed keys come back with the
// request's own projection, ready to be sent again.
func (c *Client) BatchGetItem(ctx context.Context, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	req := *in
	req.RequestItems = make(map[string]types.KeysAndAttributes, len(in.RequestItems))
	tables := make(map[string]*table, len(in.RequestItems))
	projections := make(map[string][]ddbexpr.Path, len(in.RequestItems))
	for name, ka := range in.RequestItems {
		t, err := c.table(ctx, &name)
		if err != nil {
			return nil, err
		}
		if err := t.legacy("AttributesToGet", len(ka.AttributesToGet) > 0); err != nil {
			return nil, err
		}
		paths, err := t.projection(ka.ProjectionExpression, ka.ExpressionAttributeNames)
		if err != nil {
			return nil, err
		}
		ka.ProjectionExpression, ka.ExpressionAttributeNames = nil, nil
		req.RequestItems[name], tables[name], projections[name] = ka, t, paths
	}
	out, err := c.db.BatchGetItem(ctx, &req, optFns...)
	if err != nil {
		counts := make(map[string]int, len(in.RequestItems))
		for name, ka := range in.RequestItems {
			counts[name] = len(ka.Keys)
		}
		return nil, batchFailed("BatchGetItem", counts, "key", err)
	}
	for name, items := range out.Responses {
		t, ok := tables[name]
		if !ok {
			return nil, refused(name, "an answer for a table not asked for")
		}
		if err := t.info.CheckKeys(name, in.RequestItems[name].Keys, items); err != nil {
			return nil, err
		}
		if err := t.readAll(ctx, items, projections[name]); err != nil {
			return nil, err
		}
	}
	for name, ka := range out.UnprocessedKeys {
		if orig, ok := in.RequestItems[name]; ok {
			orig.Keys = ka.Keys
			out.UnprocessedKeys[name] = orig
		}
	}
	return out, nil
}

// BatchWriteItem encrypts and signs every put of a batch. A write request
// that sets both a put and a delete, or neither, is refused before any call.
// Unprocessed items come back as the caller's own plaintext requests, ready
// to be sent again.
func (c *Client) BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	for name, writes := range in.RequestItems {
		for i, w := range writes {
			if err := checkWriteRequest(name, i, w); err != nil {
				return nil, err
			}
		}
	}
	req := *in
	req.RequestItems = make(map[string][]types.WriteRequest, len(in.RequestItems))
	originals := make(map[string]map[string]types.WriteRequest) // table → key → plaintext request
	tables := make(map[string]*table, len(in.RequestItems))
	for name, writes := range in.RequestItems {
		t, err := c.table(ctx, &name)
		if err != nil {
			return nil, err
		}
		tables[name] = t
		byKey := make(map[string]types.WriteRequest, len(writes))
		encrypted := make([]types.WriteRequest, len(writes))
		for i, w := range writes {
			switch {
			case w.PutRequest != nil:
				item, err := t.encrypt(ctx, w.PutRequest.Item)
				if err != nil {
					return nil, err
				}
				encrypted[i] = types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}
				byKey[tableinfo.KeyID(t.key(w.PutRequest.Item))] = w
			case w.DeleteRequest != nil:
				encrypted[i] = w
				byKey[tableinfo.KeyID(w.DeleteRequest.Key)] = w
			}
		}
		req.RequestItems[name], originals[name] = encrypted, byKey
	}
	out, err := c.db.BatchWriteItem(ctx, &req, optFns...)
	if err != nil {
		counts := make(map[string]int, len(in.RequestItems))
		for name, writes := range in.RequestItems {
			counts[name] = len(writes)
		}
		return nil, batchFailed("BatchWriteItem", counts, "write request", err)
	}
	for name, writes := range out.UnprocessedItems {
		t, ok := tables[name]
		if !ok {
			continue
		}
		plain := slices.Clone(writes)
		for i, w := range writes {
			var key string
			if w.PutRequest != nil {
				key = tableinfo.KeyID(t.key(w.PutRequest.Item))
			} else if w.DeleteRequest != nil {
				key = tableinfo.KeyID(w.DeleteRequest.Key)
			}
			if orig, ok := originals[name][key]; ok {
				plain[i] = orig
			}
		}
		out.UnprocessedItems[name] = plain
	}
	return out, nil
}

// batchFailed names the operation op, the tables of a failed batch call
// and how many requests (what, singular) each had: DynamoDB failed them
// all, none in particular.
func batchFailed(op string, counts map[string]int, what string, err error) error {
	err = &ddbcrypt.DynamoDBError{Op: op, Err: err}
	parts := make([]string, 0, len(counts))
	for _, name := range slices.Sorted(maps.Keys(counts)) {
		plural := "s"
		if counts[name] == 1 {
			plural = ""
		}
		parts = append(parts, fmt.Sprintf("table %s (%d %s%s)", name, counts[name], what, plural))
	}
	if len(parts) == 0 {
		return err
	}
	return fmt.Errorf("%s: %w", strings.Join(parts, ", "), err)
}
