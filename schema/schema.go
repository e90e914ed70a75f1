package schema

import (
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/tags"
)

// Role is the part an attribute plays in the table.
type Role int

// Roles.
const (
	None         Role = iota // an ordinary attribute
	PartitionKey             // `ddb:",hash"`
	SortKey                  // `ddb:",range"`
	Version                  // `ddb:",version"`: Java's @DynamoDBVersionAttribute
)

func (r Role) String() string {
	switch r {
	case None:
		return "None"
	case PartitionKey:
		return "PartitionKey"
	case SortKey:
		return "SortKey"
	case Version:
		return "Version"
	}
	return fmt.Sprintf("Role(%d)", int(r))
}

func (r Role) describe() string {
	switch r {
	case PartitionKey:
		return "partition key"
	case SortKey:
		return "sort key"
	case Version:
		return "version attribute"
	}
	return "attribute"
}

// Field is one attribute of a Schema.
type Field struct {
	Name   string       // attribute name
	GoName string       // Go path of the field, e.g. "Audit.Created", for messages
	Index  []int        // for reflect.Value.FieldByIndex; crosses embedded structs
	Type   reflect.Type // the field's declared type (not dereferenced)
	Role   Role
	Action crypto.Action // resolved: the tag, the struct default, and for keys and the version their rule
	Tag    tags.Tag      // as parsed, for its value-encoding options and its indexes

	// KeyType is the type DynamoDB knows the attribute by when it is a key
	// of the table or of an index (tag options hash, range, index=): S, N
	// or B, as attributevalue's Encoder with its default options writes
	// the field. It is "" for other fields.
	KeyType types.ScalarAttributeType

	// ViaPointer says that Index crosses an embedded pointer to a struct. A
	// nil pointer there means the attribute is absent when encoding (as in
	// attributevalue) and must be allocated when decoding; FieldByIndex would
	// panic, FieldByIndexErr does not.
	ViaPointer bool
}

// Schema is the model of one struct type. It is shared by every caller and
// must not be modified.
type Schema struct {
	Type   reflect.Type // the struct type (never a pointer)
	Fields []Field      // in attributevalue's order: declaration order, embedded fields in place

	// The fields with a key role or the version role, nil if none.
	PartitionKey, SortKey, Version *Field

	// Indexes are the secondary indexes the tags declare (tag option
	// index=NAME:hash or index=NAME:range), in the order of their first
	// key field.
	Indexes []Index

	// Beacons are the beacons the tags declare (ddbcrypt tag option
	// beacon), in field order.
	Beacons []Beacon

	// Default is the action of the untagged fields, from a blank field's
	// ddbcrypt tag or else Encrypt. Java's @HandleUnknownAttributes gives
	// the same action to attributes the class does not model (docs/format.md 5.6).
	Default crypto.Action

	// TableName is what a `TableName() string` method on the type or its
	// pointer returns for a zero value, called once; "" if there is none.
	TableName string

	byName map[string]int
}

// Index is a secondary index declared in the tags.
type Index struct {
	Name         string
	PartitionKey *Field // never nil
	SortKey      *Field // nil if the index has none
	// Local: the index's partition key is the table's, which makes it a
	// local secondary index (sharing the table's partitions, created with
	// the table only); otherwise it is a global one.
	Local bool
}

// Beacon is a beacon declared in the tags: `ddbcrypt:"beacon=BITS"`, and
// beaconindex=NAME for an index whose partition key is the beacon
// attribute. That the field is encrypted, and that the beacon attribute
// clashes with no other, is the engine's policy to check
// (engine.NewBeaconPolicy).
type Beacon struct {
	Field *Field      // the encrypted field
	Spec  beacon.Spec // the field's attribute and the beacon's length
	// Key is the beacon attribute as the partition key of the index its
	// tag names: a string attribute that no field holds. Nil without
	// beaconindex.
	Key *Field
}

// BeaconSpecs returns the specs of s.Beacons.
func (s *Schema) BeaconSpecs() []beacon.Spec {
	specs := make([]beacon.Spec, len(s.Beacons))
	for i, b := range s.Beacons {
		specs[i] = b.Spec
	}
	return specs
}

// Index returns the secondary index declared in the tags with the name,
// nil if there is none.
func (s *Schema) Index(name string) *Index {
	for i := range s.Indexes {
		if s.Indexes[i].Name == name {
			return &s.Indexes[i]
		}
	}
	return nil
}

// Field returns the field of the attribute name, nil if there is none.
func (s *Schema) Field(name string) *Field {
	if i, ok := s.byName[name]; ok {
		return &s.Fields[i]
	}
	return nil
}

// Error reports a struct type that cannot be modelled. It names the type and,
// when the fault is one field's, the field; it wraps
// ddbcrypt.ErrInvalidConfig (through a *tags.Error for a malformed tag).
type Error struct {
	Type   reflect.Type
	Field  string // Go path of the field, e.g. "Audit.Created"; "" for the type as a whole
	Detail string
	Err    error // ddbcrypt.ErrInvalidConfig or a *tags.Error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v: type %v", ddbcrypt.ErrInvalidConfig, e.Type)
	if e.Field != "" {
		fmt.Fprintf(&b, ", field %s", e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Detail)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(t reflect.Type, field, format string, args ...any) error {
	return &Error{Type: t, Field: field, Detail: fmt.Sprintf(format, args...), Err: ddbcrypt.ErrInvalidConfig}
}

// cache maps a struct type to its *entry. Concurrent first uses of a type
// may each build a schema, but LoadOrStore makes them all return the first
// one stored.
var cache sync.Map

type entry struct {
	s   *Schema
	err error
}

// Of returns the schema of the struct type t, or of the struct t points to.
// The result is cached: the same type always gets the same *Schema, or the
// same error.
func Of(t reflect.Type) (*Schema, error) {
	if t == nil {
		return nil, errorf(nil, "", "not a struct or pointer to struct")
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if v, ok := cache.Load(t); ok {
		e := v.(*entry)
		return e.s, e.err
	}
	s, err := build(t)
	v, _ := cache.LoadOrStore(t, &entry{s, err})
	e := v.(*entry)
	return e.s, e.err
}

// For is Of for the type parameter.
func For[T any]() (*Schema, error) {
	return Of(reflect.TypeFor[T]())
}
