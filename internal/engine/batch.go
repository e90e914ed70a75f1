package engine

import (
	"context"
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

// BatchGet reads, verifies and decrypts the items of a batch. Each item
// must have one of the keys asked for, and no two the same: another is an
// error wrapping ddbcrypt.ErrIntegrity. Unprocessed keys come back with the
// request's own projection, ready to be sent again.
func BatchGet(ctx context.Context, db DB, resolve Resolver, in *dynamodb.BatchGetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchGetItemOutput, error) {
	if len(in.RequestItems) == 0 {
		return nil, fmt.Errorf("%w: BatchGetItem with no RequestItems", ddbcrypt.ErrInvalidItem)
	}
	req := *in
	req.RequestItems = make(map[string]types.KeysAndAttributes, len(in.RequestItems))
	tables := make(map[string]*Table, len(in.RequestItems))
	projections := make(map[string][]ddbexpr.Path, len(in.RequestItems))
	for name, ka := range in.RequestItems {
		t, err := resolve(ctx, &name)
		if err != nil {
			return nil, err
		}
		if err := t.checkLegacy(param{"AttributesToGet", len(ka.AttributesToGet) > 0}); err != nil {
			return nil, t.refusal(nil, err)
		}
		if err := checkKeys(name, ka.Keys); err != nil {
			return nil, t.refusal(nil, err)
		}
		paths, err := t.projection(ka.ProjectionExpression, ka.ExpressionAttributeNames)
		if err != nil {
			return nil, t.refusal(nil, err)
		}
		ka.ProjectionExpression, ka.ExpressionAttributeNames = nil, nil
		req.RequestItems[name], tables[name], projections[name] = ka, t, paths
	}
	out, err := db.BatchGetItem(ctx, &req, optFns...)
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
		if err := t.ReadAll(ctx, items, projections[name]); err != nil {
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

// BatchWrite encrypts and signs every put of a batch and writes it. A
// write request that sets both a put and a delete, or neither, is refused
// before any call. Unprocessed items come back as the caller's own
// plaintext requests, ready to be sent again.
func BatchWrite(ctx context.Context, db DB, resolve Resolver, in *dynamodb.BatchWriteItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error) {
	if len(in.RequestItems) == 0 {
		return nil, fmt.Errorf("%w: BatchWriteItem with no RequestItems", ddbcrypt.ErrInvalidItem)
	}
	for name, writes := range in.RequestItems {
		if len(writes) == 0 {
			return nil, refused(name, "RequestItems[%q] holds no write request", name)
		}
		for i, w := range writes {
			if err := checkWriteRequest(name, i, w); err != nil {
				return nil, err
			}
		}
	}
	req := *in
	req.RequestItems = make(map[string][]types.WriteRequest, len(in.RequestItems))
	originals := make(map[string]map[string]types.WriteRequest) // table → key → plaintext request
	tables := make(map[string]*Table, len(in.RequestItems))
	for name, writes := range in.RequestItems {
		t, err := resolve(ctx, &name)
		if err != nil {
			return nil, err
		}
		tables[name] = t
		byKey := make(map[string]types.WriteRequest, len(writes))
		encrypted := make([]types.WriteRequest, len(writes))
		for i, w := range writes {
			if encrypted[i], err = t.EncryptWrite(ctx, w); err != nil {
				return nil, err
			}
			byKey[t.writeID(w)] = w
		}
		req.RequestItems[name], originals[name] = encrypted, byKey
	}
	out, err := db.BatchWriteItem(ctx, &req, optFns...)
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
			if orig, ok := originals[name][t.writeID(w)]; ok {
				plain[i] = orig
			}
		}
		out.UnprocessedItems[name] = plain
	}
	return out, nil
}

// checkKeys refuses the keys of a batch read of table unless there are
// some, and each is a key the SDK can send.
func checkKeys(table string, keys []map[string]types.AttributeValue) error {
	if len(keys) == 0 {
		return refusedf("RequestItems[%q] has no Keys", table)
	}
	for i, k := range keys {
		if len(k) == 0 {
			return refusedf("RequestItems[%q].Keys[%d] is empty", table, i)
		}
		if err := badValue(k); err != nil {
			return fmt.Errorf("RequestItems[%q].Keys[%d]: %w", table, i, err)
		}
	}
	return nil
}

// EncryptWrite returns what is sent for one batch write request of this
// table: a put encrypted and signed, a delete as it is.
func (t *Table) EncryptWrite(ctx context.Context, w types.WriteRequest) (types.WriteRequest, error) {
	if w.PutRequest == nil {
		return w, nil
	}
	item, err := t.Encrypt(ctx, w.PutRequest.Item)
	if err != nil {
		return w, err
	}
	return types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}, nil
}

// WriteKey returns the primary key of the item a write request puts or
// deletes.
func (t *Table) WriteKey(w types.WriteRequest) map[string]types.AttributeValue {
	if w.PutRequest != nil {
		return t.Key(w.PutRequest.Item)
	}
	if w.DeleteRequest != nil {
		return w.DeleteRequest.Key
	}
	return nil
}

// writeID identifies the item of a write request, whether encrypted or not
// (keys are never encrypted).
func (t *Table) writeID(w types.WriteRequest) string { return tableinfo.KeyID(t.WriteKey(w)) }

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
