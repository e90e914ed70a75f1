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
	"github.com/ddbcrypt/ddbcrypt/internal/engine"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
	"github.com/ddbcrypt/ddbcrypt/schema"
)

// Table is a typed handle on the table that holds items of type T, a struct
// type. It is safe for concurrent use.
type Table[T any] struct {
	t *table
}

// NewTable returns the table of T. The struct's tags are checked now; the
// table itself is described (once) on first use. A struct without key roles
// in its tags (no hash, no range) takes its keys from the table's key
// schema then: the fields named like the table's key attributes.
func NewTable[T any](m *Mapper, opts ...Option) (*Table[T], error) {
	var cfg settings
	if err := cfg.apply(atNewTable, "NewTable", opts); err != nil {
		return nil, err
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
func (t *Table[T]) Save(ctx context.Context, v *T, opts ...Option) error {
	rv, err := itemValue("Save", v)
	if err != nil {
		return err
	}
	return t.t.save(ctx, rv, opts)
}

// Load reads the item with v's primary key, verifies and decrypts it, and
// replaces *v with it. A missing item is an error wrapping ErrNotFound; an
// item that fails verification, or has another key, one wrapping
// ddbcrypt.ErrIntegrity.
func (t *Table[T]) Load(ctx context.Context, v *T, opts ...Option) error {
	rv, err := itemValue("Load", v)
	if err != nil {
		return err
	}
	return t.t.load(ctx, rv, opts)
}

// Delete deletes the item with v's primary key. For a versioned type with a
// version other than 0, only if the stored version is v's (else an error
// wrapping ErrVersionConflict); version 0, a struct never saved or loaded,
// deletes unconditionally.
func (t *Table[T]) Delete(ctx context.Context, v *T, opts ...Option) error {
	rv, err := itemValue("Delete", v)
	if err != nil {
		return err
	}
	return t.t.delete(ctx, rv, opts)
}

// itemValue returns the struct v points to, for the method call of Table
// or Mapper. Any v but a non-nil pointer to a struct is refused with the
// same words whichever method was called, typed or untyped.
func itemValue(call string, v any) (reflect.Value, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() && rv.Elem().Kind() == reflect.Struct {
		return rv.Elem(), nil
	}
	got := fmt.Sprintf("a %T", v)
	switch {
	case v == nil:
		got = "nil"
	case rv.Kind() == reflect.Pointer && rv.IsNil():
		got = fmt.Sprintf("a nil %T", v)
	}
	return reflect.Value{}, invalidItem("%s: want a non-nil pointer to a struct, got %s", call, got)
}

// table is the untyped machinery behind Table and the Mapper's methods.
type table struct {
	m       *Mapper
	schema  *schema.Schema
	name    string // the physical table name
	logical string // the name bound into signatures

	unsignedKeys bool // WithUnsignedKeys

	mu       sync.Mutex
	prepared *engine.Table // set on first successful use
}

func newTable(m *Mapper, typ reflect.Type, cfg settings) (*table, error) {
	if m.configErr != nil {
		return nil, m.configErr
	}
	s, err := schema.Of(typ)
	if err != nil {
		return nil, err
	}
	t := &table{m: m, schema: s, name: cfg.tableName, logical: cfg.signatureName, unsignedKeys: cfg.unsignedKeys}
	if t.name == "" {
		t.name = s.TableName
	}
	if t.name == "" {
		return nil, invalidConfig("type %v has no TableName method and no table name was given", typ)
	}
	return t, nil
}

// prepare checks the struct against the table on first use and returns the
// engine's table, through which every read and write goes: the keys must
// match, and attributes that are keys of a secondary index must stay
// readable, so they are signed only (an explicit "encrypt" is an error).
//
// The lock is not held across DescribeTable, so that every caller waits on
// its own ctx (the table info cache shares the call); callers that race
// here compute the same value, and the first one stored is kept.
func (t *table) prepare(ctx context.Context) (*engine.Table, error) {
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
	if err := t.checkKeys(info); err != nil {
		return nil, err
	}
	policy, err := t.policy(info)
	if err != nil {
		return nil, err
	}
	p = engine.NewTable(t.name, info, policy, t.logical, t.m.encryptor).WithBeaconKeys(t.m.opts.beaconKeys)
	if p.CheckBeaconKeys() != nil {
		return nil, invalidConfig("type %v declares a beacon on field %s, and the mapper has no beacon keys: create it with mapper.WithBeaconKeys", t.schema.Type, t.schema.Beacons[0].Field.GoName)
	}
	if !t.m.opts.acceptUnknown {
		p = p.WithUnknownHint(fmt.Sprintf("type %v has no field for them: add the fields, or create the mapper with mapper.AcceptUnknownAttributes() to verify such attributes and ignore them", t.schema.Type))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.prepared == nil {
		t.prepared = p
	}
	return t.prepared, nil
}

// checkKeys checks the struct's keys against the table's description, so
// that a mismatch is told in the struct's terms before any item is sent:
// the primary key's names and types, and each index the tags declare. A
// struct without key roles must have a field for each key attribute.
func (t *table) checkKeys(info *tableinfo.Info) error {
	s := t.schema
	if s.PartitionKey != nil {
		want := tableinfo.KeySchema{Partition: s.PartitionKey.Name}
		if s.SortKey != nil {
			want.Sort = s.SortKey.Name
		}
		if want != info.Keys {
			return invalidConfig("type %v has primary key %s but table %s has %s", s.Type, describeKeys(want), t.name, describeKeys(info.Keys))
		}
	}
	for _, name := range [...]string{info.Keys.Partition, info.Keys.Sort} {
		if name == "" {
			continue
		}
		f := s.Field(name)
		if f == nil {
			return invalidConfig("type %v has no key tags, so its keys are those of table %s, and it has no field for the key attribute %q; add one, or tag the key fields (ddb:\",hash\", ddb:\",range\")", s.Type, t.name, name)
		}
		kt, err := f.AsKeyType()
		if err != nil {
			return invalidConfig("field %s of %v is the key attribute %q of table %s, and %v", f.GoName, s.Type, name, t.name, err)
		}
		if info.Types[name] != "" && kt != info.Types[name] {
			return invalidConfig("field %s of %v is stored as type %s, but the key attribute %q of table %s has type %s", f.GoName, s.Type, kt, name, t.name, info.Types[name])
		}
	}
	for _, ix := range s.Indexes {
		got, ok := info.Indexes[ix.Name]
		if !ok {
			return invalidConfig("type %v declares index %q, which table %s does not have", s.Type, ix.Name, t.name)
		}
		want := tableinfo.KeySchema{Partition: ix.PartitionKey.Name}
		if ix.SortKey != nil {
			want.Sort = ix.SortKey.Name
		}
		if want != got.Keys {
			return invalidConfig("type %v declares index %q with key %s, but in table %s it has %s", s.Type, ix.Name, describeKeys(want), t.name, describeKeys(got.Keys))
		}
	}
	return nil
}

// describeKeys writes a key schema for messages.
func describeKeys(k tableinfo.KeySchema) string {
	if k.Sort == "" {
		return fmt.Sprintf("(partition key %q, no sort key)", k.Partition)
	}
	return fmt.Sprintf("(partition key %q, sort key %q)", k.Partition, k.Sort)
}

// policy returns the engine's policy for the struct in the table described
// by info: each field's action from the schema, and for the keys of the
// table and of its secondary indexes the action of the key rule, asked with
// the actions the tags state (schema.TaggedActions) and WithUnsignedKeys.
func (t *table) policy(info *tableinfo.Info) (*engine.Policy, error) {
	s := t.schema
	tagged := s.TaggedActions()
	configured := crypto.AttributeActions{Default: s.Default, Overrides: make(map[string]crypto.Action, len(s.Fields)), UnsignedKeys: t.unsignedKeys}
	for _, f := range s.Fields {
		if f.Role == schema.None && !info.IsKey(f.Name) {
			configured.Overrides[f.Name] = f.Action
		} else if act, ok := tagged.Overrides[f.Name]; ok {
			configured.Overrides[f.Name] = act // the key rule tells a tagged action from a default
		}
	}
	// Index keys the struct lacks are unknown attributes, refused on Load
	// unless AcceptUnknownAttributes; then they are signed too.
	var keys []string
	for _, name := range info.KeyNames() {
		if name != "" && (s.Field(name) != nil || t.m.opts.acceptUnknown) {
			keys = append(keys, name)
		}
	}
	policy, err := engine.NewBeaconPolicy(info, configured, s.BeaconSpecs(), keys...)
	if err != nil {
		var ae *ddbcrypt.AttributeError
		if f := (*schema.Field)(nil); errors.As(err, &ae) {
			if f = s.Field(ae.Attribute); f != nil && f.Role == schema.None {
				what := "a key of a secondary index"
				switch f.Name {
				case info.Keys.Partition:
					what = "the partition key"
				case info.Keys.Sort:
					what = "the sort key"
				}
				for _, reason := range [...]error{crypto.ErrKeyEncrypted, crypto.ErrKeyUnsigned} {
					if errors.Is(err, reason) {
						return nil, invalidConfig("field %s of %v: attribute %q is %s of table %s, and %v", f.GoName, s.Type, f.Name, what, t.name, reason)
					}
				}
			}
		}
		return nil, err
	}
	return policy, nil
}

// encode marshals the struct rv into an item, as attributevalue does, with
// the type's cached codec plan (internal/codec).
func (t *table) encode(rv reflect.Value) (map[string]types.AttributeValue, error) {
	return t.m.codec.Encode(t.schema, rv)
}

// keyFields returns the fields of the primary key (the sort key nil if
// there is none): the fields tagged hash and range, so that bad input is
// refused before any call to DynamoDB (prepare checks them against the
// table). A struct without key roles has the table's keys, which are known
// once the table is described, so this prepares it first.
func (t *table) keyFields(ctx context.Context) ([2]*schema.Field, error) {
	s := t.schema
	if s.PartitionKey != nil {
		return [2]*schema.Field{s.PartitionKey, s.SortKey}, nil
	}
	p, err := t.prepare(ctx)
	if err != nil {
		return [2]*schema.Field{}, err
	}
	var keys [2]*schema.Field
	for i, name := range [...]string{p.Info().Keys.Partition, p.Info().Keys.Sort} {
		if name != "" {
			keys[i] = s.Field(name) // there is one: checkKeys
		}
	}
	return keys, nil
}

// keyOf returns the primary key of an item, whose key fields are fields,
// and checks it is there.
func (t *table) keyOf(fields [2]*schema.Field, item map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	key := make(map[string]types.AttributeValue, 2)
	for _, f := range fields {
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
func (t *table) keyOfStruct(ctx context.Context, rv reflect.Value) (map[string]types.AttributeValue, error) {
	fields, err := t.keyFields(ctx)
	if err != nil {
		return nil, err
	}
	item := make(map[string]types.AttributeValue, 2)
	for _, f := range fields {
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
	return t.keyOf(fields, item)
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

func (t *table) save(ctx context.Context, rv reflect.Value, opts []Option) error {
	wo, err := options(atWrite, "Save", opts)
	if err != nil {
		return err
	}
	w, p, err := t.preparePut(ctx, rv, wo)
	if err != nil {
		return err
	}
	in := &dynamodb.PutItemInput{TableName: &t.name, Item: w.item}
	in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.ReturnValuesOnConditionCheckFailure = w.condition()
	if _, err := p.Put(ctx, t.m.client, in); err != nil {
		return t.writeError("PutItem", w, err)
	}
	w.done()
	return nil
}

// write is a write of one struct, ready to send: the key, the plaintext
// item of a put, and the condition.
type write struct {
	key           map[string]types.AttributeValue
	item          map[string]types.AttributeValue // a put's plaintext item; nil for a delete
	cond          *expression.Expression
	versioned     bool
	storedVersion uint64 // the version the condition expects in the table
	done          func() // applies the write to the struct once it succeeded
}

// condition returns the parts of a request that carry the write's
// condition: none, or the expression, its names and values, and a request
// for the stored item should it fail (to tell a version conflict apart).
func (w *write) condition() (expr *string, names map[string]string, values map[string]types.AttributeValue, onFailure types.ReturnValuesOnConditionCheckFailure) {
	if w.cond == nil {
		return nil, nil, nil, ""
	}
	return w.cond.Condition(), w.cond.Names(), w.cond.Values(), types.ReturnValuesOnConditionCheckFailureAllOld
}

// preparePut encodes the struct with its next version, without changing
// the struct: the new version is set by done, after the write succeeded.
func (t *table) preparePut(ctx context.Context, rv reflect.Value, wo settings) (*write, *engine.Table, error) {
	vf, err := t.versionField(rv)
	if err != nil {
		return nil, nil, err
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
	if w.item, w.key, err = t.encodeForWrite(ctx, rv); err != nil {
		return nil, nil, err
	}
	p, err := t.prepare(ctx)
	if err != nil {
		return nil, nil, &ItemError{Table: t.name, Key: w.key, Err: err}
	}
	if w.cond, err = t.condition(p, wo.conditions, w.versioned, w.storedVersion); err != nil {
		return nil, nil, &ItemError{Table: t.name, Key: w.key, Err: err}
	}
	return w, p, nil
}

func (t *table) load(ctx context.Context, rv reflect.Value, opts []Option) error {
	ro, err := options(atRead, "Load", opts)
	if err != nil {
		return err
	}
	key, err := t.keyOfStruct(ctx, rv)
	if err != nil {
		return err
	}
	p, err := t.prepare(ctx)
	if err != nil {
		return &ItemError{Table: t.name, Key: key, Err: err}
	}
	out, err := p.Get(ctx, t.m.client, &dynamodb.GetItemInput{TableName: &t.name, Key: key, ConsistentRead: &ro.consistent})
	if err != nil {
		return err
	}
	if out.Item == nil {
		return &ItemError{Table: t.name, Key: key, Err: ErrNotFound}
	}
	if err := t.m.codec.Decode(t.schema, out.Item, rv); err != nil {
		return &ItemError{Table: t.name, Key: key, Err: err}
	}
	return nil
}

// decode verifies and decrypts a stored item into rv, which it first zeroes
// so that no field keeps a value the item does not have. Errors name the
// item.
func (t *table) decode(ctx context.Context, p *engine.Table, stored map[string]types.AttributeValue, rv reflect.Value) error {
	item, err := p.Decrypt(ctx, stored)
	if err != nil {
		return err
	}
	return t.decodePlain(p, stored, item, rv)
}

// decodePlain decodes the decrypted item of stored into rv, which it first
// zeroes.
func (t *table) decodePlain(p *engine.Table, stored, item map[string]types.AttributeValue, rv reflect.Value) error {
	if err := t.m.codec.Decode(t.schema, item, rv); err != nil {
		return &ItemError{Table: t.name, Key: p.Key(stored), Err: err}
	}
	return nil
}

func (t *table) delete(ctx context.Context, rv reflect.Value, opts []Option) error {
	wo, err := options(atWrite, "Delete", opts)
	if err != nil {
		return err
	}
	w, p, err := t.prepareDelete(ctx, rv, wo)
	if err != nil {
		return err
	}
	in := &dynamodb.DeleteItemInput{TableName: &t.name, Key: w.key}
	in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, in.ReturnValuesOnConditionCheckFailure = w.condition()
	if _, err := p.Delete(ctx, t.m.client, in); err != nil {
		return t.writeError("DeleteItem", w, err)
	}
	return nil
}

// prepareDelete builds the key and condition of a delete.
func (t *table) prepareDelete(ctx context.Context, rv reflect.Value, wo settings) (*write, *engine.Table, error) {
	key, err := t.keyOfStruct(ctx, rv)
	if err != nil {
		return nil, nil, err
	}
	vf, err := t.versionField(rv)
	if err != nil {
		return nil, nil, err
	}
	w := &write{key: key, done: func() {}}
	if vf.IsValid() {
		w.storedVersion = getVersion(vf)
	}
	// A version of 0 is a struct never saved: delete unconditionally.
	w.versioned = w.storedVersion != 0
	p, err := t.prepare(ctx)
	if err != nil {
		return nil, nil, &ItemError{Table: t.name, Key: key, Err: err}
	}
	if w.cond, err = t.condition(p, wo.conditions, w.versioned, w.storedVersion); err != nil {
		return nil, nil, &ItemError{Table: t.name, Key: key, Err: err}
	}
	return w, p, nil
}

// condition builds the write condition: the user's conditions and, if
// versioned, the check that the stored item has storedVersion (0: that
// there is no stored item). What it may name is the engine's to check
// (engine.Policy.CheckCondition), when the write is sent or added to a
// transaction.
func (t *table) condition(p *engine.Table, user []expression.ConditionBuilder, versioned bool, storedVersion uint64) (*expression.Expression, error) {
	conds := user
	if versioned {
		if storedVersion == 0 {
			conds = append(conds[:len(conds):len(conds)], expression.AttributeNotExists(expression.Name(p.Info().Keys.Partition)))
		} else {
			conds = append(conds[:len(conds):len(conds)], expression.Name(t.schema.Version.Name).Equal(expression.Value(storedVersion)))
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

// writeError turns the engine's error for the write w into the mapper's: a
// failed condition becomes ErrVersionConflict or ErrConditionFailed, told
// apart by the stored item DynamoDB returned (verified by the engine); any
// other failure of DynamoDB call op is ErrDynamoDB. An error the engine
// raised before sending (a refused condition, say) is returned as it is,
// naming the item.
func (t *table) writeError(op string, w *write, err error) error {
	cause := dynamoCause(err)
	if cause == nil {
		return t.itemError(w.key, err)
	}
	return &ItemError{Table: t.name, Key: w.key, Err: t.conditionError(op, cause, w.versioned, w.storedVersion)}
}

// itemError names the item key in err, unless err names an item already.
func (t *table) itemError(key map[string]types.AttributeValue, err error) error {
	if _, ok := errors.AsType[*ItemError](err); ok {
		return err
	}
	return &ItemError{Table: t.name, Key: key, Err: err}
}

// dynamoCause returns the SDK's error of a failed DynamoDB call inside an
// engine error, or nil when err is not about a DynamoDB call.
func dynamoCause(err error) error {
	if de, ok := errors.AsType[*ddbcrypt.DynamoDBError](err); ok {
		return de.Err
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
		return fmt.Errorf("%w: expected version %d in the table, found no item that verifies", ErrVersionConflict, storedVersion)
	case ccf.Item != nil && storedVersion == 0:
		return fmt.Errorf("%w: expected no item in the table, found one; load it first", ErrVersionConflict)
	case ccf.Item != nil && (!exists || stored.Value != strconv.FormatUint(storedVersion, 10)):
		return fmt.Errorf("%w: expected version %d in the table", ErrVersionConflict, storedVersion)
	}
	return fmt.Errorf("%w: %v", ErrConditionFailed, err) // the version matched: a user condition failed
}

// encodeForWrite marshals the struct to be written and checks it before any
// write: its key is there, and its plaintext is not already over DynamoDB's
// item limit (the encrypted item is checked again, exactly). Only for a
// struct without key roles is the table described first.
func (t *table) encodeForWrite(ctx context.Context, rv reflect.Value) (item, key map[string]types.AttributeValue, err error) {
	if item, err = t.encode(rv); err != nil {
		return nil, nil, err
	}
	fields, err := t.keyFields(ctx)
	if err != nil {
		return nil, nil, err
	}
	if key, err = t.keyOf(fields, item); err != nil {
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
