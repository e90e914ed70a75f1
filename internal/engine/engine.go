// Package engine is the one path between the front ends — package mapper
// (structs) and package encrypted (the SDK's method shapes) — and DynamoDB:
// for each table, a Policy that alone decides what happens to each
// attribute and what a request may name, and a Table that checks requests
// against it, encrypts and signs what is written, and verifies and decrypts
// what is read, including the stored items DynamoDB returns with a failed
// condition or a cancelled transaction.
//
// Every front end asks the engine; none decides a security rule itself.
// See docs/architecture.md.
package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/ddbexpr"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// DB is the part of the DynamoDB API the engine calls.
type DB = ddbcrypt.DynamoDBAPI

// Resolver returns the prepared table a request names (by name or ARN),
// describing it on first use. Batch and transaction calls, which may span
// tables, ask it for each.
type Resolver func(ctx context.Context, name *string) (*Table, error)

// Table is one table's protection, ready to use: its description, its
// policy, the context its items are signed in, and the item encryptor. A
// Table is immutable and safe for concurrent use.
type Table struct {
	name      string // as requests name it (a name or an ARN)
	info      *tableinfo.Info
	policy    *Policy
	context   crypto.Context
	encryptor *crypto.Encryptor

	unknownHint string       // added to an ErrUnknownAttribute error: WithUnknownHint
	beaconKeys  *beacon.Keys // WithBeaconKeys
}

// NewTable returns the table called name (as requests name it), described
// by info, whose items are protected by policy and encryptor and bound in
// their signature to signatureName (the table's own name when empty).
func NewTable(name string, info *tableinfo.Info, policy *Policy, signatureName string, encryptor *crypto.Encryptor) *Table {
	if signatureName == "" {
		signatureName = info.Name
	}
	return &Table{
		name:      name,
		info:      info,
		policy:    policy,
		context:   crypto.Context{TableName: signatureName, PartitionKeyName: info.Keys.Partition, SortKeyName: info.Keys.Sort},
		encryptor: encryptor,
	}
}

// WithUnknownHint returns a copy of t whose errors for a stored item with
// attributes the policy does not name (ddbcrypt.ErrUnknownAttribute, when
// the encryptor refuses them) end with hint: what the front end's user can
// do about them.
func (t *Table) WithUnknownHint(hint string) *Table {
	c := *t
	c.unknownHint = hint
	return &c
}

// WithBeaconKeys returns a copy of t that computes the beacons its policy
// declares with keys.
func (t *Table) WithBeaconKeys(keys *beacon.Keys) *Table {
	c := *t
	c.beaconKeys = keys
	return &c
}

// Beacon returns the beacon of the value av of the encrypted attribute
// attr, for a query or a filter on its beacon attribute. It fails, naming
// the attribute, if attr has no beacon.
func (t *Table) Beacon(ctx context.Context, attr string, av types.AttributeValue) (*types.AttributeValueMemberS, error) {
	s, err := t.beacon(ctx, attr, av)
	if err != nil {
		return nil, fmt.Errorf("table %s: %w", t.name, err)
	}
	return s, nil
}

// beacon is Beacon without naming the table.
func (t *Table) beacon(ctx context.Context, attr string, av types.AttributeValue) (*types.AttributeValueMemberS, error) {
	b, ok := t.policy.Beacon(attr)
	if !ok {
		return nil, &ddbcrypt.AttributeError{Attribute: attr, Err: misconfigured("attribute %q has no beacon", attr)}
	}
	if t.beaconKeys == nil {
		return nil, noBeaconKeys(attr)
	}
	return t.beaconKeys.Beacon(ctx, t.context.TableName, attr, av, b.Length())
}

// CheckBeaconKeys fails, naming a beacon's attribute, if the policy
// declares beacons and t has no beacon keys: t reads items (a beacon is
// verified as one more signed attribute) but cannot write one. A front
// end that writes calls it once, rather than failing every item.
func (t *Table) CheckBeaconKeys() error {
	if t.beaconKeys != nil || len(t.policy.beacons) == 0 {
		return nil
	}
	return fmt.Errorf("table %s: %w", t.name, noBeaconKeys(slices.Min(slices.Collect(maps.Keys(t.policy.beacons)))))
}

// noBeaconKeys is the error of a beacon of attr that cannot be computed.
func noBeaconKeys(attr string) error {
	return &ddbcrypt.AttributeError{Attribute: attr, Err: misconfigured("the attribute has a beacon, and no beacon keys were given to compute it")}
}

// withBeacons returns the item with the beacon of each encrypted attribute
// that has one, replacing any beacon the item carries (a stale one, say,
// from an item read and changed); an item without the attribute gets no
// beacon. The caller's map is not changed.
func (t *Table) withBeacons(ctx context.Context, item map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	if len(t.policy.beacons) == 0 {
		return item, nil
	}
	out := make(map[string]types.AttributeValue, len(item)+len(t.policy.beacons))
	for name, av := range item {
		out[name] = av
	}
	for attr, b := range t.policy.beacons {
		delete(out, b.Name())
		av, ok := item[attr]
		if !ok {
			continue
		}
		s, err := t.beacon(ctx, attr, av)
		if err != nil {
			return nil, err
		}
		out[b.Name()] = s
	}
	return out, nil
}

// Name returns the table's name as requests name it.
func (t *Table) Name() string { return t.name }

// Info returns the table's description.
func (t *Table) Info() *tableinfo.Info { return t.info }

// Policy returns the table's policy.
func (t *Table) Policy() *Policy { return t.policy }

// Encrypt adds the beacons the policy declares to a plaintext item to be
// written, encrypts and signs it, and checks that the result fits in
// DynamoDB's item limit. Errors name the item.
func (t *Table) Encrypt(ctx context.Context, item map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	item, err := t.withBeacons(ctx, item)
	if err != nil {
		return nil, &ddbcrypt.ItemError{Table: t.name, Key: t.Key(item), Err: err}
	}
	enc, err := t.encryptor.EncryptItem(ctx, item, t.policy.actions, t.context)
	if err != nil {
		return nil, &ddbcrypt.ItemError{Table: t.name, Key: t.Key(item), Err: err}
	}
	if size := tableinfo.ItemSize(enc); size > tableinfo.MaxItemSize {
		return nil, &ddbcrypt.ItemError{Table: t.name, Key: t.Key(item), Err: refusedf("the encrypted item is %d bytes, over DynamoDB's limit of %d", size, tableinfo.MaxItemSize)}
	}
	return enc, nil
}

// Decrypt verifies and decrypts a stored item; nil stays nil. Errors name
// the item.
func (t *Table) Decrypt(ctx context.Context, item map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	if item == nil {
		return nil, nil
	}
	dec, err := t.encryptor.DecryptItem(ctx, item, t.policy.actions, t.context)
	if err != nil {
		if t.unknownHint != "" && errors.Is(err, ddbcrypt.ErrUnknownAttribute) {
			err = fmt.Errorf("%w; %s", err, t.unknownHint)
		}
		if hint := t.undeclaredBeacons(item); hint != "" {
			err = fmt.Errorf("%w; %s", err, hint)
		}
		return nil, &ddbcrypt.ItemError{Table: t.name, Key: t.Key(item), Err: err}
	}
	return dec, nil
}

// undeclaredBeacons says which attributes of an item that failed to
// decrypt look like beacons the policy does not declare and so takes for
// encrypted ones: the likely cause, for a reader configured without the
// writer's beacons. It reads attribute names only, so the hint is the
// same whatever failed. Empty if there are none.
func (t *Table) undeclaredBeacons(item map[string]types.AttributeValue) string {
	var names []string
	for name := range item {
		if strings.HasPrefix(name, beacon.Prefix) && t.policy.Action(name) == crypto.EncryptAndSign {
			names = append(names, strconv.Quote(name))
		}
	}
	if len(names) == 0 {
		return ""
	}
	slices.Sort(names)
	return fmt.Sprintf("the item has beacon attributes (%s) that the table's configuration does not declare, so it takes them for encrypted ones (a beacon is signed, never encrypted): declare the writer's beacons", strings.Join(names, ", "))
}

// Returned verifies and decrypts an item DynamoDB returned for a request
// of key; nil stays nil. An item with another key is an error wrapping
// ddbcrypt.ErrIntegrity, however valid it is.
func (t *Table) Returned(ctx context.Context, key, item map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	if err := t.info.CheckKey(t.name, key, item); err != nil {
		return nil, err
	}
	return t.Decrypt(ctx, item)
}

// Read verifies and decrypts a stored item and applies a projection (nil
// paths: none).
func (t *Table) Read(ctx context.Context, stored map[string]types.AttributeValue, paths []ddbexpr.Path) (map[string]types.AttributeValue, error) {
	item, err := t.Decrypt(ctx, stored)
	if err != nil || item == nil || paths == nil {
		return item, err
	}
	return ddbexpr.Project(item, paths), nil
}

// ReadAll verifies, decrypts and projects items in place.
func (t *Table) ReadAll(ctx context.Context, items []map[string]types.AttributeValue, paths []ddbexpr.Path) error {
	for i, stored := range items {
		item, err := t.Read(ctx, stored, paths)
		if err != nil {
			return err
		}
		items[i] = item
	}
	return nil
}

// Key returns the primary key attributes of an item.
func (t *Table) Key(item map[string]types.AttributeValue) map[string]types.AttributeValue {
	key := make(map[string]types.AttributeValue, 2)
	for _, name := range []string{t.info.Keys.Partition, t.info.Keys.Sort} {
		if av, ok := item[name]; ok && name != "" {
			key[name] = av
		}
	}
	return key
}

// BeaconIndex returns the name of an index whose partition key is the
// beacon attribute of attr and that holds whole items, the first by name
// if several do; ok is false if none does.
func (t *Table) BeaconIndex(attr string) (name string, ok bool) {
	b, has := t.policy.Beacon(attr)
	if !has {
		return "", false
	}
	for _, n := range slices.Sorted(maps.Keys(t.info.Indexes)) {
		if ix := t.info.Indexes[n]; ix.Keys.Partition == b.Name() && ix.ProjectsAll {
			return n, true
		}
	}
	return "", false
}
