package mapper

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/ddbexpr"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
	"github.com/ddbcrypt/ddbcrypt/schema"
)

// Table is a typed handle on the table that holds items of type T, a struct
// type. It is safe for concurrent use.
type Table[T any] struct {
	t *table
}

// TableOption configures a Table.
type TableOption func(*tableConfig)

type tableConfig struct {
	name, signatureName string
	unsignedKeys        bool
}

// WithTableName names the table, for a type without a TableName method or
// to use another table.
func WithTableName(name string) TableOption {
	return func(c *tableConfig) { c.name = name }
}

// WithSignatureTableName binds items to the table name logical in their
// signature instead of the table's own name, so that items copied between
// tables still verify: Java's @TableAadOverride (docs/format.md 5.7).
func WithSignatureTableName(logical string) TableOption {
	return func(c *tableConfig) { c.signatureName = logical }
}

// WithUnsignedKeys lets the key attributes of the table and its indexes go
// unsigned when the struct's default action is donottouch, as the Python
// client writes items whose default is DO_NOTHING: it is the mapper's
// crypto.AttributeActions.UnsignedKeys, and carries its risk — anyone who
// can write to the table can move a stored item to another key and it
// still verifies. Use it only to read and write items written that way.
func WithUnsignedKeys() TableOption {
	return func(c *tableConfig) { c.unsignedKeys = true }
}

// NewTable returns the table of T. The struct's tags are checked now; the
// table itself is described (once) on first use.
func NewTable[T any](m *Mapper, opts ...TableOption) (*Table[T], error) {
	var cfg tableConfig
	for _, o := range opts {
		o(&cfg)
	}
	t, err := newTable(m, reflect.TypeFor[T](), cfg)
	if err != nil {
		return nil, err
	}
	return &Table[T]{t: t}, nil
}

// Name returns the table's name.
func (t *Table[T]) Name() string { return t.t.name }

// Save encrypts, signs and writes v as a whole item (PutItem), replacing any
// item with its key.
//
// If T has a version field (tag option "version"), Save increments it and
// writes only if the stored item still has the old version (or, for version
// 0, if there is no stored item); otherwise it returns an error wrapping
// ErrVersionConflict and leaves v unchanged.
func (t *Table[T]) Save(ctx context.Context, v *T, opts ...WriteOption) error {
	rv, err := structValue(v)
	if err != nil {
		return err
	}
	return t.t.save(ctx, rv, opts)
}

// Load reads the item with v's primary key, verifies and decrypts it, and
// replaces *v with it. A missing item is an error wrapping ErrNotFound; an
// item that fails verification, or has another key, one wrapping
// ddbcrypt.ErrIntegrity.
func (t *Table[T]) Load(ctx context.Context, v *T, opts ...ReadOption) error {
	rv, err := structValue(v)
	if err != nil {
		return err
	}
	return t.t.load(ctx, rv, opts)
}

// Delete deletes the item with v's primary key. For a versioned type with a
// version other than 0, only if the stored version is v's (else an error
// wrapping ErrVersionConflict); version 0, a struct never saved or loaded,
// deletes unconditionally.
func (t *Table[T]) Delete(ctx context.Context, v *T, opts ...WriteOption) error {
	rv, err := structValue(v)
	if err != nil {
		return err
	}
	return t.t.delete(ctx, rv, opts)
}

func structValue[T any](v *T) (reflect.Value, error) {
	if v == nil {
		return reflect.Value{}, invalidItem("nil %T", v)
	}
	return reflect.ValueOf(v).Elem(), nil
}

// table is the untyped machinery behind Table and the Mapper's methods.
type table struct {
	m       *Mapper
	schema  *schema.Schema
	name    string // the physical table name
	logical string // the name bound into signatures

	unsignedKeys bool // WithUnsignedKeys

	mu       sync.Mutex
	prepared *prepared // set on first successful use
}

// prepared is what a table knows once it has checked its type against the
// table's description.
type prepared struct {
	info    *tableinfo.Info
	actions crypto.AttributeActions
	context crypto.Context
}

func newTable(m *Mapper, typ reflect.Type, cfg tableConfig) (*table, error) {
	if m.codecErr != nil {
		return nil, m.codecErr
	}
	s, err := schema.Of(typ)
	if err != nil {
		return nil, err
	}
	t := &table{m: m, schema: s, name: cfg.name, logical: cfg.signatureName, unsignedKeys: cfg.unsignedKeys}
	if t.name == "" {
		t.name = s.TableName
	}
	if t.name == "" {
		return nil, invalidConfig("type %v has no TableName method and no table name was given", typ)
	}
	if t.logical == "" {
		t.logical = t.name
	}
	if s.PartitionKey == nil {
		return nil, invalidConfig("type %v has no partition key field (tag option \"hash\")", typ)
	}
	return t, nil
}

// prepare checks the struct against the table on first use: the keys must
// match, and attributes that are keys of a secondary index must stay
// readable, so they are signed only (an explicit "encrypt" is an error).
//
// The lock is not held across DescribeTable, so that every caller waits on
// its own ctx (the table info cache shares the call); callers that race
// here compute the same value, and the first one stored is kept.
func (t *table) prepare(ctx context.Context) (*prepared, error) {
	t.mu.Lock()
	p := t.prepared
	t.mu.Unlock()
	if p != nil {
		return p, nil
	}
	info, err := t.m.infos.Get(ctx, t.name)
	if err != nil {
		return nil, err
	}
	s := t.schema
	sortName := ""
	if s.SortKey != nil {
		sortName = s.SortKey.Name
	}
	if info.Keys.Partition != s.PartitionKey.Name || info.Keys.Sort != sortName {
		return nil, invalidConfig("type %v has primary key (%q, %q) but table %s has (%q, %q)",
			s.Type, s.PartitionKey.Name, sortName, t.name, info.Keys.Partition, info.Keys.Sort)
	}
	actions, err := t.actions(info)
	if err != nil {
		return nil, err
	}
	p = &prepared{
		info:    info,
		actions: actions,
		context: crypto.Context{TableName: t.logical, PartitionKeyName: info.Keys.Partition, SortKeyName: info.Keys.Sort},
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.prepared == nil {
		t.prepared = p
	}
	return t.prepared, nil
}

// actions returns the item encryptor's actions for the struct in the table
// described by info: each field's action from the schema, and for the keys
// of the table and of its secondary indexes the action of the key rule
// (crypto.AttributeActions.KeyAction), which knows the index keys and
// WithUnsignedKeys as the schema cannot.
func (t *table) actions(info *tableinfo.Info) (crypto.AttributeActions, error) {
	s := t.schema
	// The key rule decides every key of the table and its indexes, asked
	// with the actions the tags state (with unsigned keys, it leaves an
	// untagged key to the default, which the schema settled as signed).
	tagged := s.TaggedActions()
	tagged.UnsignedKeys = t.unsignedKeys
	actions := crypto.AttributeActions{Default: s.Default, Overrides: make(map[string]crypto.Action, len(s.Fields)), UnsignedKeys: t.unsignedKeys}
	for _, f := range s.Fields {
		actions.Overrides[f.Name] = f.Action
	}
	// Index keys the struct lacks are unknown attributes, refused on Load
	// unless AcceptUnknownAttributes; then they are signed too.
	var indexKeys []string
	for _, name := range info.KeyNames() {
		if _, modeled := actions.Overrides[name]; modeled || t.m.opts.acceptUnknown {
			indexKeys = append(indexKeys, name)
		}
	}
	keyed, err := tagged.ForKeys(indexKeys...)
	if err != nil {
		var ae *ddbcrypt.AttributeError
		if errors.As(err, &ae) && s.Field(ae.Attribute) != nil {
			f := s.Field(ae.Attribute)
			for _, reason := range [...]error{crypto.ErrKeyEncrypted, crypto.ErrKeyUnsigned} {
				if errors.Is(err, reason) {
					return crypto.AttributeActions{}, invalidConfig("field %s of %v: attribute %q is a key of a secondary index of table %s, and %v", f.GoName, s.Type, f.Name, t.name, reason)
				}
			}
		}
		return crypto.AttributeActions{}, fmt.Errorf("table %s: %w", t.name, err)
	}
	for _, name := range indexKeys {
		actions.Overrides[name] = keyed.Overrides[name]
	}
	return actions, nil
}

// encode marshals the struct rv into an item, as attributevalue does, with
// the type's cached codec plan (internal/codec).
func (t *table) encode(rv reflect.Value) (map[string]types.AttributeValue, error) {
	return t.m.codec.Encode(t.schema, rv)
}

// keyOf returns the primary key of an item and checks it is there. The key
// names come from the struct (prepare checks them against the table), so
// that bad input is refused before any call to DynamoDB.
func (t *table) keyOf(item map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	key := make(map[string]types.AttributeValue, 2)
	for _, f := range [...]*schema.Field{t.schema.PartitionKey, t.schema.SortKey} {
		if f == nil {
			continue
		}
		name := f.Name
		av, ok := item[name]
		if !ok || isEmptyKey(av) {
			return nil, invalidItem("type %v: the key attribute %q has no value", t.schema.Type, name)
		}
		key[name] = av
	}
	return key, nil
}

// keyOfStruct returns the primary key of a struct, marshaling only its key
// fields.
func (t *table) keyOfStruct(rv reflect.Value) (map[string]types.AttributeValue, error) {
	item := make(map[string]types.AttributeValue, 2)
	for _, f := range [...]*schema.Field{t.schema.PartitionKey, t.schema.SortKey} {
		if f == nil {
			continue
		}
		fv, err := rv.FieldByIndexErr(f.Index)
		if err != nil {
			return nil, invalidItem("type %v: key field %s is inside a nil embedded pointer", t.schema.Type, f.GoName)
		}
		av, err := t.m.codec.Encoder().Encode(fv.Interface())
		if err != nil {
			return nil, invalidItem("marshaling key field %s of %v: %v", f.GoName, t.schema.Type, err)
		}
		item[f.Name] = av
	}
	return t.keyOf(item)
}

// isEmptyKey reports a value DynamoDB refuses as a key.
func isEmptyKey(av types.AttributeValue) bool {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return v.Value == ""
	case *types.AttributeValueMemberB:
		return len(v.Value) == 0
	case *types.AttributeValueMemberN:
		return false
	}
	return true // NULL (a nil pointer) or a type no key can have
}

// versionField returns the version field of rv, or an invalid Value.
func (t *table) versionField(rv reflect.Value) (reflect.Value, error) {
	if t.schema.Version == nil {
		return reflect.Value{}, nil
	}
	fv, err := rv.FieldByIndexErr(t.schema.Version.Index)
	if err != nil {
		return reflect.Value{}, invalidItem("type %v: version field %s is inside a nil embedded pointer", t.schema.Type, t.schema.Version.GoName)
	}
	return fv, nil
}

func (t *table) save(ctx context.Context, rv reflect.Value, opts []WriteOption) error {
	w, err := t.preparePut(ctx, rv, collectWriteOptions(opts))
	if err != nil {
		return err
	}
	in := &dynamodb.PutItemInput{TableName: &t.name, Item: w.item}
	if w.cond != nil {
		in.ConditionExpression = w.cond.Condition()
		in.ExpressionAttributeNames = w.cond.Names()
		in.ExpressionAttributeValues = w.cond.Values()
		in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	if _, err := t.m.client.PutItem(ctx, in); err != nil {
		return &ItemError{Table: t.name, Key: w.key, Err: t.conditionError("PutItem", err, w.versioned, w.storedVersion)}
	}
	w.done()
	return nil
}

// write is a write of one struct, ready to send: the key, the encrypted
// item of a put, and the condition.
type write struct {
	key           map[string]types.AttributeValue
	item          map[string]types.AttributeValue // a put's encrypted item; nil for a delete
	cond          *expression.Expression
	versioned     bool
	storedVersion uint64 // the version the condition expects in the table
	done          func() // applies the write to the struct once it succeeded
}

// preparePut encrypts the struct with its next version, without changing
// the struct: the new version is set by done, after the write succeeded.
func (t *table) preparePut(ctx context.Context, rv reflect.Value, wo writeOptions) (*write, error) {
	vf, err := t.versionField(rv)
	if err != nil {
		return nil, err
	}
	w := &write{versioned: vf.IsValid(), done: func() {}}
	if w.versioned {
		saved := reflect.New(vf.Type()).Elem()
		saved.Set(vf)
		w.storedVersion = getVersion(vf)
		setVersion(vf, w.storedVersion+1)
		next := reflect.New(vf.Type()).Elem()
		next.Set(vf)
		defer vf.Set(saved) // the struct changes only in done
		w.done = func() { vf.Set(next) }
	}
	item, key, err := t.encodeForWrite(rv)
	if err != nil {
		return nil, err
	}
	w.key = key
	p, err := t.prepare(ctx)
	if err != nil {
		return nil, &ItemError{Table: t.name, Key: key, Err: err}
	}
	if w.cond, err = t.condition(p, wo.conditions, w.versioned, w.storedVersion); err != nil {
		return nil, &ItemError{Table: t.name, Key: key, Err: err}
	}
	if w.item, err = t.m.encryptor.EncryptItem(ctx, item, p.actions, p.context); err != nil {
		return nil, &ItemError{Table: t.name, Key: key, Err: err}
	}
	if size := tableinfo.ItemSize(w.item); size > tableinfo.MaxItemSize {
		return nil, &ItemError{Table: t.name, Key: key, Err: invalidItem("the encrypted item is %d bytes, over DynamoDB's limit of %d", size, tableinfo.MaxItemSize)}
	}
	return w, nil
}

func (t *table) load(ctx context.Context, rv reflect.Value, opts []ReadOption) error {
	ro := collectReadOptions(opts)
	key, err := t.keyOfStruct(rv)
	if err != nil {
		return err
	}
	p, err := t.prepare(ctx)
	if err != nil {
		return &ItemError{Table: t.name, Key: key, Err: err}
	}
	out, err := t.m.client.GetItem(ctx, &dynamodb.GetItemInput{TableName: &t.name, Key: key, ConsistentRead: &ro.consistent})
	if err != nil {
		return &ItemError{Table: t.name, Key: key, Err: dynamoFailed("GetItem", err)}
	}
	if out.Item == nil {
		return &ItemError{Table: t.name, Key: key, Err: ErrNotFound}
	}
	if err := t.checkLoaded(p, key, out.Item); err != nil {
		return err
	}
	if err := t.decode(ctx, p, out.Item, rv); err != nil {
		return &ItemError{Table: t.name, Key: key, Err: err}
	}
	return nil
}

// decode verifies and decrypts a stored item into rv, which it first zeroes
// so that no field keeps a value the item does not have.
func (t *table) decode(ctx context.Context, p *prepared, stored map[string]types.AttributeValue, rv reflect.Value) error {
	item, err := t.m.encryptor.DecryptItem(ctx, stored, p.actions, p.context)
	if err != nil {
		return err
	}
	return t.m.codec.Decode(t.schema, item, rv)
}

func (t *table) delete(ctx context.Context, rv reflect.Value, opts []WriteOption) error {
	w, err := t.prepareDelete(ctx, rv, collectWriteOptions(opts))
	if err != nil {
		return err
	}
	in := &dynamodb.DeleteItemInput{TableName: &t.name, Key: w.key}
	if w.cond != nil {
		in.ConditionExpression = w.cond.Condition()
		in.ExpressionAttributeNames = w.cond.Names()
		in.ExpressionAttributeValues = w.cond.Values()
		in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	}
	if _, err := t.m.client.DeleteItem(ctx, in); err != nil {
		return &ItemError{Table: t.name, Key: w.key, Err: t.conditionError("DeleteItem", err, w.versioned, w.storedVersion)}
	}
	return nil
}

// prepareDelete builds the key and condition of a delete.
func (t *table) prepareDelete(ctx context.Context, rv reflect.Value, wo writeOptions) (*write, error) {
	key, err := t.keyOfStruct(rv)
	if err != nil {
		return nil, err
	}
	vf, err := t.versionField(rv)
	if err != nil {
		return nil, err
	}
	w := &write{key: key, done: func() {}}
	if vf.IsValid() {
		w.storedVersion = getVersion(vf)
	}
	// A version of 0 is a struct never saved: delete unconditionally.
	w.versioned = w.storedVersion != 0
	p, err := t.prepare(ctx)
	if err != nil {
		return nil, &ItemError{Table: t.name, Key: key, Err: err}
	}
	if w.cond, err = t.condition(p, wo.conditions, w.versioned, w.storedVersion); err != nil {
		return nil, &ItemError{Table: t.name, Key: key, Err: err}
	}
	return w, nil
}

// condition builds the write condition: the user's conditions, which may
// only name plaintext attributes, and, if versioned, the check that the
// stored item has storedVersion (0: that there is no stored item).
func (t *table) condition(p *prepared, user []expression.ConditionBuilder, versioned bool, storedVersion uint64) (*expression.Expression, error) {
	var conds []expression.ConditionBuilder
	for _, c := range user {
		if err := t.checkPlaintext(p, expression.NewBuilder().WithCondition(c), "condition"); err != nil {
			return nil, err
		}
		conds = append(conds, c)
	}
	if versioned {
		if storedVersion == 0 {
			conds = append(conds, expression.AttributeNotExists(expression.Name(p.info.Keys.Partition)))
		} else {
			conds = append(conds, expression.Name(t.schema.Version.Name).Equal(expression.Value(storedVersion)))
		}
	}
	if len(conds) == 0 {
		return nil, nil
	}
	c := conds[0]
	if len(conds) > 1 {
		c = expression.And(conds[0], conds[1], conds[2:]...)
	}
	expr, err := expression.NewBuilder().WithCondition(c).Build()
	if err != nil {
		return nil, invalidItem("building the condition: %v", err)
	}
	return &expr, nil
}

// checkPlaintext refuses an expression that names an encrypted attribute:
// DynamoDB only sees its ciphertext.
func (t *table) checkPlaintext(p *prepared, b expression.Builder, what string) error {
	expr, err := b.Build()
	if err != nil {
		return invalidItem("building the %s: %v", what, err)
	}
	// The placeholders also name the members of nested paths; only each
	// path's top-level attribute has an action.
	for _, text := range [...]*string{expr.Condition(), expr.Filter()} {
		if text == nil {
			continue
		}
		paths, err := ddbexpr.ConditionPaths(*text, expr.Names())
		if err != nil {
			return invalidItem("the %s: %v", what, err)
		}
		for _, path := range paths {
			if p.actions.Of(path.Name) == crypto.EncryptAndSign { // Default: how an attribute the struct lacks is read
				return &ddbcrypt.AttributeError{Attribute: path.Name, Err: invalidItem("the %s refers to attribute %q, which is encrypted: DynamoDB sees only its ciphertext", what, path.Name)}
			}
		}
	}
	return nil
}

// conditionError turns a failed condition into ErrVersionConflict or
// ErrConditionFailed, looking at the stored item DynamoDB returned to tell
// which; any other failure of DynamoDB call op is ErrDynamoDB.
func (t *table) conditionError(op string, err error, versioned bool, storedVersion uint64) error {
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		return dynamoFailed(op, err)
	}
	if !versioned {
		return fmt.Errorf("%w: %v", ErrConditionFailed, err)
	}
	switch stored, exists := ccf.Item[t.schema.Version.Name].(*types.AttributeValueMemberN); {
	case ccf.Item == nil && storedVersion != 0:
		return fmt.Errorf("%w: expected version %d in the table, found no item", ErrVersionConflict, storedVersion)
	case ccf.Item != nil && storedVersion == 0:
		return fmt.Errorf("%w: expected no item in the table, found one; load it first", ErrVersionConflict)
	case ccf.Item != nil && (!exists || stored.Value != strconv.FormatUint(storedVersion, 10)):
		return fmt.Errorf("%w: expected version %d in the table", ErrVersionConflict, storedVersion)
	}
	return fmt.Errorf("%w: %v", ErrConditionFailed, err) // the version matched: a user condition failed
}

// encodeForWrite marshals the struct to be written and checks it before any
// network call: its key is there, and its plaintext is not already over
// DynamoDB's item limit (the encrypted item is checked again, exactly).
func (t *table) encodeForWrite(rv reflect.Value) (item, key map[string]types.AttributeValue, err error) {
	if item, err = t.encode(rv); err != nil {
		return nil, nil, err
	}
	if key, err = t.keyOf(item); err != nil {
		return nil, nil, err
	}
	if size := tableinfo.ItemSize(item); size > tableinfo.MaxItemSize {
		return nil, nil, &ItemError{Table: t.name, Key: key, Err: invalidItem("the item is %d bytes, over DynamoDB's limit of %d", size, tableinfo.MaxItemSize)}
	}
	return item, key, nil
}

// getVersion reads an integer version field, or a pointer to one (nil is 0).
func getVersion(v reflect.Value) uint64 {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return 0
		}
		v = v.Elem()
	}
	if v.CanInt() {
		return uint64(v.Int())
	}
	return v.Uint()
}

// setVersion sets a version field. A pointer field gets a new pointer, so
// that copies of the struct sharing the old one do not change.
func setVersion(v reflect.Value, n uint64) {
	if v.Kind() == reflect.Pointer {
		p := reflect.New(v.Type().Elem())
		setVersion(p.Elem(), n)
		v.Set(p)
		return
	}
	if v.CanInt() {
		v.SetInt(int64(n))
	} else {
		v.SetUint(n)
	}
}
