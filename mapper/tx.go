package mapper

// Saves and deletes committed together (TransactWriteItems), and partial
// updates of do-not-touch fields.

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/engine"
	"github.com/ddbcrypt/ddbcrypt/schema"
)

// maxTransactItems is DynamoDB's limit on the items of one transaction.
const maxTransactItems = 100

// Tx collects saves and deletes, possibly of several tables, that Commit
// writes all or none of (TransactWriteItems). Items are encrypted when they
// are added; versioned structs get their new version only when Commit
// succeeds. A Tx is not safe for concurrent use.
type Tx struct {
	m        *Mapper
	plain    []types.TransactWriteItem // as added, before encryption
	prepared []types.TransactWriteItem // as sent
	writes   []*write
	tables   []*table
	engines  []*engine.Table
	commits  int
}

// NewTx starts a transaction.
func (m *Mapper) NewTx() *Tx { return &Tx{m: m} }

// TxSave adds the save of v to tx: encrypted and signed now, written with
// the same version check as Save when tx commits.
func (t *Table[T]) TxSave(ctx context.Context, tx *Tx, v *T, opts ...Option) error {
	return t.t.txAdd(ctx, tx, "TxSave", v, opts, func(rv reflect.Value, wo settings) (*write, *engine.Table, types.TransactWriteItem, error) {
		w, p, err := t.t.preparePut(ctx, rv, wo)
		if err != nil {
			return nil, nil, types.TransactWriteItem{}, err
		}
		put := &types.Put{TableName: &t.t.name, Item: w.item}
		put.ConditionExpression, put.ExpressionAttributeNames, put.ExpressionAttributeValues, put.ReturnValuesOnConditionCheckFailure = w.condition()
		return w, p, types.TransactWriteItem{Put: put}, nil
	})
}

// TxDelete adds the delete of v's item to tx, with the same version check
// as Delete.
func (t *Table[T]) TxDelete(ctx context.Context, tx *Tx, v *T, opts ...Option) error {
	return t.t.txAdd(ctx, tx, "TxDelete", v, opts, func(rv reflect.Value, wo settings) (*write, *engine.Table, types.TransactWriteItem, error) {
		w, p, err := t.t.prepareDelete(ctx, rv, wo)
		if err != nil {
			return nil, nil, types.TransactWriteItem{}, err
		}
		del := &types.Delete{TableName: &t.t.name, Key: w.key}
		del.ConditionExpression, del.ExpressionAttributeNames, del.ExpressionAttributeValues, del.ReturnValuesOnConditionCheckFailure = w.condition()
		return w, p, types.TransactWriteItem{Delete: del}, nil
	})
}

// txAdd checks the call (what: TxSave or TxDelete) and adds the element
// element builds from v to tx.
func (t *table) txAdd(ctx context.Context, tx *Tx, what string, v any, opts []Option, element func(reflect.Value, settings) (*write, *engine.Table, types.TransactWriteItem, error)) error {
	rv, err := itemValue(what, v)
	if err != nil {
		return err
	}
	if err := tx.check(t); err != nil {
		return err
	}
	wo, err := options(atWrite, what, opts)
	if err != nil {
		return err
	}
	w, p, item, err := element(rv, wo)
	if err != nil {
		return err
	}
	return tx.add(ctx, t, p, w, item)
}

func (tx *Tx) check(t *table) error {
	switch {
	case tx == nil || tx.m == nil:
		return invalidConfig("nil transaction; start one with Mapper.NewTx")
	case tx.m != t.m:
		return invalidConfig("the transaction belongs to another mapper")
	case tx.commits > 0:
		return invalidConfig("the transaction was committed already")
	case len(tx.prepared) >= maxTransactItems:
		return invalidItem("a transaction holds at most %d items", maxTransactItems)
	}
	return nil
}

// add checks and encrypts an element of the transaction (the engine's
// PrepareTransactItem) and adds it.
func (tx *Tx) add(ctx context.Context, t *table, p *engine.Table, w *write, item types.TransactWriteItem) error {
	prepared, err := p.PrepareTransactItem(ctx, item)
	if err != nil {
		return t.itemError(w.key, err)
	}
	tx.plain = append(tx.plain, item)
	tx.prepared = append(tx.prepared, prepared)
	tx.writes = append(tx.writes, w)
	tx.tables = append(tx.tables, t)
	tx.engines = append(tx.engines, p)
	return nil
}

// Commit writes every save and delete of tx, or none. If a condition fails,
// the error wraps ErrVersionConflict or ErrConditionFailed and DynamoDB's
// *types.TransactionCanceledException, and names the items that failed.
// Any other error names the table and key of every item of tx.
func (tx *Tx) Commit(ctx context.Context) error {
	if tx == nil || tx.m == nil {
		return invalidConfig("nil transaction; start one with Mapper.NewTx")
	}
	if tx.commits++; tx.commits > 1 {
		return invalidConfig("the transaction was committed already")
	}
	if len(tx.prepared) == 0 {
		return nil
	}
	_, err := engine.SendTransactWrite(ctx, tx.m.client, &dynamodb.TransactWriteItemsInput{TransactItems: tx.plain}, tx.prepared, tx.engines)
	if err != nil {
		return tx.commitError(err)
	}
	for _, w := range tx.writes {
		w.done()
	}
	return nil
}

// commitError names the items whose condition failed, or else every item
// of tx: their keys, never encrypted, say which transaction failed.
func (tx *Tx) commitError(err error) error {
	if cause := dynamoCause(err); cause != nil {
		err = cause
	}
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		return fmt.Errorf("transaction of %s: %w", tx.itemList(), dynamoFailed("TransactWriteItems", err))
	}
	var failed []string
	kind := ErrConditionFailed
	for i, r := range tce.CancellationReasons {
		if r.Code == nil || *r.Code != "ConditionalCheckFailed" || i >= len(tx.writes) {
			continue
		}
		failed = append(failed, fmt.Sprintf("%s %s", tx.tables[i].name, ddbcrypt.FormatKey(tx.writes[i].key)))
		if tx.writes[i].versioned {
			kind = ErrVersionConflict
		}
	}
	if len(failed) == 0 {
		return fmt.Errorf("transaction of %s: %w", tx.itemList(), dynamoFailed("TransactWriteItems", err))
	}
	return fmt.Errorf("%w: condition failed for %s: %w", kind, strings.Join(failed, ", "), err)
}

// itemList lists the items of tx for messages: the table and key of each.
func (tx *Tx) itemList() string {
	parts := make([]string, len(tx.writes))
	for i, w := range tx.writes {
		parts[i] = fmt.Sprintf("%s %s", tx.tables[i].name, ddbcrypt.FormatKey(w.key))
	}
	return fmt.Sprintf("%d items (%s)", len(tx.writes), strings.Join(parts, ", "))
}

// Update writes only the named fields of v to its stored item, which must
// exist. The fields (attribute or Go field names) must be tagged
// ddbcrypt:"donottouch": neither signed nor encrypted, so that changing them
// leaves the item's signature valid — counters, TTLs, "last seen" times.
// Any other field is refused with an error that says why: a partial update
// of a signed attribute would break the item's signature; use Save. A field
// whose value is omitted (omitempty) is removed.
func (t *Table[T]) Update(ctx context.Context, v *T, fields ...string) error {
	rv, err := itemValue("Update", v)
	if err != nil {
		return err
	}
	return t.t.update(ctx, rv, fields)
}

func (t *table) update(ctx context.Context, rv reflect.Value, fields []string) error {
	if len(fields) == 0 {
		return invalidItem("Update needs at least one field")
	}
	item, key, err := t.encodeForWrite(ctx, rv)
	if err != nil {
		return err
	}
	p, err := t.prepare(ctx)
	if err != nil {
		return &ItemError{Table: t.name, Key: key, Err: err}
	}
	// What an update may write is the engine's to decide
	// (engine.Policy.CheckUpdate); the mapper only maps fields to
	// attributes, and keeps its version to Save.
	var ub expression.UpdateBuilder
	for _, name := range fields {
		switch f := t.field(name); {
		case f == nil:
			return invalidItem("type %v has no field or attribute %q", t.schema.Type, name)
		case f.Role == schema.Version:
			return invalidItem("field %s of %v is the version and cannot be updated alone: Save changes it", f.GoName, t.schema.Type)
		default:
			if av, ok := item[f.Name]; ok {
				ub = ub.Set(expression.Name(f.Name), expression.Value(av))
			} else {
				ub = ub.Remove(expression.Name(f.Name)) // omitted (omitempty): removed
			}
		}
	}
	// Only an existing item: Update never creates one.
	exists := expression.AttributeExists(expression.Name(p.Info().Keys.Partition))
	expr, err := expression.NewBuilder().WithUpdate(ub).WithCondition(exists).Build()
	if err != nil {
		return &ItemError{Table: t.name, Key: key, Err: invalidItem("building the update: %v", err)}
	}
	_, err = p.Update(ctx, t.m.client, &dynamodb.UpdateItemInput{
		TableName: &t.name, Key: key,
		UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	if cause := dynamoCause(err); cause != nil {
		if _, ok := errors.AsType[*types.ConditionalCheckFailedException](cause); ok {
			// Update's only condition is that the item exists.
			return &ItemError{Table: t.name, Key: key, Err: fmt.Errorf("%w: UpdateItem: %w", ErrNotFound, cause)}
		}
	}
	if ae, ok := errors.AsType[*ddbcrypt.AttributeError](err); ok {
		if f := t.schema.Field(ae.Attribute); f != nil {
			hint := ""
			if f.Role == schema.None && !p.Info().IsKey(f.Name) && p.Policy().Action(f.Name) != crypto.DoNothing {
				hint = `; to update it alone, tag it ddbcrypt:"donottouch"`
			}
			err = fmt.Errorf("field %s of %v: %w%s", f.GoName, t.schema.Type, err, hint)
		}
	}
	if err != nil {
		return t.itemError(key, err)
	}
	return nil
}

// field finds a field by attribute name, then by Go field name.
func (t *table) field(name string) *schema.Field {
	if f := t.schema.Field(name); f != nil {
		return f
	}
	for i := range t.schema.Fields {
		if t.schema.Fields[i].GoName == name {
			return &t.schema.Fields[i]
		}
	}
	return nil
}
