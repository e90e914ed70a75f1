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
	"github.com/ddbcrypt/ddbcrypt/schema"
)

// maxTransactItems is DynamoDB's limit on the items of one transaction.
const maxTransactItems = 100

// Tx collects saves and deletes, possibly of several tables, that Commit
// writes all or none of (TransactWriteItems). Items are encrypted when they
// are added; versioned structs get their new version only when Commit
// succeeds. A Tx is not safe for concurrent use.
type Tx struct {
	m       *Mapper
	items   []types.TransactWriteItem
	writes  []*write
	tables  []*table
	commits int
}

// NewTx starts a transaction.
func (m *Mapper) NewTx() *Tx { return &Tx{m: m} }

// TxSave adds the save of v to tx: encrypted and signed now, written with
// the same version check as Save when tx commits.
func (t *Table[T]) TxSave(ctx context.Context, tx *Tx, v *T, opts ...WriteOption) error {
	rv, err := structValue(v)
	if err != nil {
		return err
	}
	if err := tx.check(t.t); err != nil {
		return err
	}
	w, err := t.t.preparePut(ctx, rv, collectWriteOptions(opts))
	if err != nil {
		return err
	}
	put := &types.Put{TableName: &t.t.name, Item: w.item}
	if w.cond != nil {
		put.ConditionExpression, put.ExpressionAttributeNames, put.ExpressionAttributeValues = w.cond.Condition(), w.cond.Names(), w.cond.Values()
		put.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	tx.add(t.t, w, types.TransactWriteItem{Put: put})
	return nil
}

// TxDelete adds the delete of v's item to tx, with the same version check
// as Delete.
func (t *Table[T]) TxDelete(ctx context.Context, tx *Tx, v *T, opts ...WriteOption) error {
	rv, err := structValue(v)
	if err != nil {
		return err
	}
	if err := tx.check(t.t); err != nil {
		return err
	}
	w, err := t.t.prepareDelete(ctx, rv, collectWriteOptions(opts))
	if err != nil {
		return err
	}
	del := &types.Delete{TableName: &t.t.name, Key: w.key}
	if w.cond != nil {
		del.ConditionExpression, del.ExpressionAttributeNames, del.ExpressionAttributeValues = w.cond.Condition(), w.cond.Names(), w.cond.Values()
		del.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	tx.add(t.t, w, types.TransactWriteItem{Delete: del})
	return nil
}

func (tx *Tx) check(t *table) error {
	switch {
	case tx == nil || tx.m == nil:
		return invalidConfig("nil transaction; start one with Mapper.NewTx")
	case tx.m != t.m:
		return invalidConfig("the transaction belongs to another mapper")
	case tx.commits > 0:
		return invalidConfig("the transaction was committed already")
	case len(tx.items) >= maxTransactItems:
		return invalidItem("a transaction holds at most %d items", maxTransactItems)
	}
	return nil
}

func (tx *Tx) add(t *table, w *write, item types.TransactWriteItem) {
	tx.items = append(tx.items, item)
	tx.writes = append(tx.writes, w)
	tx.tables = append(tx.tables, t)
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
	if len(tx.items) == 0 {
		return nil
	}
	_, err := tx.m.client.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: tx.items})
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
	rv, err := structValue(v)
	if err != nil {
		return err
	}
	return t.t.update(ctx, rv, fields)
}

func (t *table) update(ctx context.Context, rv reflect.Value, fields []string) error {
	if len(fields) == 0 {
		return invalidItem("Update needs at least one field")
	}
	item, key, err := t.encodeForWrite(rv)
	if err != nil {
		return err
	}
	p, err := t.prepare(ctx)
	if err != nil {
		return &ItemError{Table: t.name, Key: key, Err: err}
	}
	var set, remove []*schema.Field
	for _, name := range fields {
		f := t.field(name)
		switch {
		case f == nil:
			return invalidItem("type %v has no field or attribute %q", t.schema.Type, name)
		case f.Role != schema.None:
			return invalidItem("field %s of %v is a %v and cannot be updated alone", f.GoName, t.schema.Type, f.Role)
		case p.actions.Overrides[f.Name] != crypto.DoNothing:
			return invalidItem("field %s (attribute %q) of %v is %v: a partial update would break the item's signature; tag it ddbcrypt:\"donottouch\" or use Save", f.GoName, f.Name, t.schema.Type, p.actions.Overrides[f.Name])
		}
		if _, ok := item[f.Name]; ok {
			set = append(set, f)
		} else {
			remove = append(remove, f)
		}
	}
	var ub expression.UpdateBuilder
	for _, f := range set {
		ub = ub.Set(expression.Name(f.Name), expression.Value(item[f.Name]))
	}
	for _, f := range remove {
		ub = ub.Remove(expression.Name(f.Name))
	}
	// Only an existing item: an update must not create an unsigned one.
	exists := expression.AttributeExists(expression.Name(p.info.Keys.Partition))
	expr, err := expression.NewBuilder().WithUpdate(ub).WithCondition(exists).Build()
	if err != nil {
		return &ItemError{Table: t.name, Key: key, Err: invalidItem("building the update: %v", err)}
	}
	_, err = t.m.client.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: &t.name, Key: key,
		UpdateExpression: expr.Update(), ConditionExpression: expr.Condition(),
		ExpressionAttributeNames: expr.Names(), ExpressionAttributeValues: expr.Values(),
	})
	if err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			// Update's only condition is that the item exists.
			return &ItemError{Table: t.name, Key: key, Err: fmt.Errorf("%w: UpdateItem: %w", ErrNotFound, err)}
		}
		return &ItemError{Table: t.name, Key: key, Err: dynamoFailed("UpdateItem", err)}
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
