package codec

// The plan: what the codec makes of a struct type once, and caches.

import (
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/schema"
	"github.com/ddbcrypt/ddbcrypt/tags"
)

// plans caches the plan of each struct type: reflect.Type → *plan.
var plans sync.Map

// planOf returns the cached plan for the schema's type.
func planOf(s *schema.Schema) *plan {
	if c, ok := plans.Load(s.Type); ok {
		return c.(*plan)
	}
	c, _ := plans.LoadOrStore(s.Type, newPlan(s))
	return c.(*plan)
}

// route is how one field is encoded or decoded.
type route uint8

const (
	viaField   route = iota // attributevalue on a pointer to the field
	viaWrapper              // attributevalue on a one-field struct with the field's tag
	viaPlan                 // the codec itself (the field's fast kind)
)

// fastKind is the shape of a field the codec encodes itself.
type fastKind uint8

const (
	notFast       fastKind = iota
	fastScalar             // a string, bool, integer or float: S, BOOL or N
	fastPointer            // an unnamed pointer to a fastScalar: as the scalar, or NULL
	fastBytes              // a slice of bytes: B
	fastStrings            // a slice of strings: SS with stringset, else L of S
	fastNumbers            // a slice of numbers: NS with numberset, else L of N
	fastStruct             // a struct with a plan of its own: M
	fastStructPtr          // an unnamed pointer to such a struct: M, or NULL
	fastStructs            // a slice of such structs: L of M
)

// fieldPlan is the plan for one attribute.
type fieldPlan struct {
	name   string
	goName string // for messages
	index  []int
	offset uintptr      // from the start of the struct
	typ    reflect.Type // the field's declared type
	fast   fastKind
	kind   reflect.Kind // of the scalar, the pointee or the slice element
	set    bool         // stringset / numberset on a fast slice
	sub    *plan        // the plan of the struct, for the struct kinds

	omitEmpty, nullEmpty bool
	encrypted            bool // errors withhold what may quote the value
	nesting              int  // staticNesting of typ

	enc, dec route
	wrapper  reflect.Type // for viaWrapper (and viaField with omitempty): struct{ V <typ> `ddb:"v,<options>"` }
}

// plan is the plan for one struct type. It is shared and read-only.
type plan struct {
	typ         reflect.Type
	schema      *schema.Schema // to name the field an error on the whole struct is about
	encrypted   bool           // some field is encrypted
	nesting     int            // the deepest staticNesting of a field
	whole       bool           // attributevalue on the whole struct, both ways
	wholeDecode bool           // attributevalue on the whole struct when decoding
	fields      []fieldPlan
	byName      map[string]int

	// How many values of each kind the fast fields produce at most, lists
	// aside: the arena's first sizes.
	nS, nN, nBool, nNull, nB int
}

var (
	timeType        = reflect.TypeFor[time.Time]()
	marshalerType   = reflect.TypeFor[attributevalue.Marshaler]()
	unmarshalerType = reflect.TypeFor[attributevalue.Unmarshaler]()
	// numbererType is what makes attributevalue encode a string kind as a
	// number (attributevalue.Number, json.Number).
	numbererType = reflect.TypeFor[interface {
		Float64() (float64, error)
		Int64() (int64, error)
		String() string
	}]()
)

// wrapperName is the attribute name of the wrappers' single field.
const wrapperName = "v"

func newPlan(s *schema.Schema) *plan {
	return buildPlan(s, map[reflect.Type]*plan{})
}

// buildPlan makes the plan of s's type. building holds the plans under
// construction, so that a type nested in itself refers to its own plan.
func buildPlan(s *schema.Schema, building map[reflect.Type]*plan) *plan {
	c := &plan{typ: s.Type, schema: s}
	nesting := map[reflect.Type]int{}
	for i := range s.Fields {
		c.encrypted = c.encrypted || s.Fields[i].Action == crypto.EncryptAndSign
		c.nesting = max(c.nesting, staticNesting(s.Fields[i].Type, nesting, map[reflect.Type]bool{}))
	}
	offsets := make([]uintptr, len(s.Fields))
	for i := range s.Fields {
		off, ok := offsetOf(s.Type, s.Fields[i].Index)
		if s.Fields[i].ViaPointer || !ok {
			c.whole = true
			return c
		}
		offsets[i] = off
	}
	c.wholeDecode = reflect.PointerTo(s.Type).Implements(unmarshalerType)
	building[s.Type] = c
	c.fields = make([]fieldPlan, 0, len(s.Fields))
	c.byName = make(map[string]int, len(s.Fields))
	for i := range s.Fields {
		f := &s.Fields[i]
		p := fieldPlan{
			name:      f.Name,
			goName:    f.GoName,
			index:     f.Index,
			offset:    offsets[i],
			typ:       f.Type,
			omitEmpty: f.Tag.OmitEmpty,
			nullEmpty: f.Tag.NullEmpty,
			encrypted: f.Action == crypto.EncryptAndSign,
			nesting:   staticNesting(f.Type, nesting, map[reflect.Type]bool{}),
		}
		p.fast, p.kind, p.set = classify(f.Type, f.Tag)
		if p.fast == notFast {
			p.fast, p.sub = classifyStruct(f.Type, f.Tag, building)
		}
		t := f.Tag
		switch {
		case p.fast != notFast:
			p.enc, p.dec = viaPlan, viaPlan
			c.count(&p)
		default:
			p.enc, p.dec = viaField, viaField
			if t.OmitEmptyElem || t.NullEmptyElem || t.AsStrSet || t.AsNumSet || t.AsBinSet ||
				t.AsString || t.AsUnixTime || (t.OmitEmpty && t.NullEmpty) ||
				// attributevalue encodes what an interface holds, and what a
				// pointer to a pointer points to, with the field's options.
				f.Type.Kind() == reflect.Interface ||
				((t.OmitEmpty || t.NullEmpty) && f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.Pointer) {
				p.enc = viaWrapper
			}
			if t.AsString || t.AsUnixTime {
				p.dec = viaWrapper
			}
		}
		// With OmitNullAttributeValues or OmitEmptyTime, what omitempty
		// leaves out depends on the encoded value: such a field then goes
		// through its wrapper (see Codec.omitNulls).
		if p.enc == viaWrapper || p.dec == viaWrapper || (p.enc == viaField && t.OmitEmpty) {
			p.wrapper = wrapperType(f.Type, t)
		}
		c.byName[p.name] = len(c.fields)
		c.fields = append(c.fields, p)
	}
	return c
}

// classifyStruct says whether a field of type t with tag tag is a struct,
// a pointer to a struct or a slice of structs that the codec encodes with
// the struct's own plan: one with a schema, encoded field by field (not
// whole), neither it nor its pointer implementing Marshaler or
// Unmarshaler, and not a time. attributevalue never finds a struct empty,
// so omitempty and nullempty apply only to a nil pointer or slice; no other
// option is allowed.
func classifyStruct(t reflect.Type, tag tags.Tag, building map[reflect.Type]*plan) (fastKind, *plan) {
	if tag.OmitEmptyElem || tag.NullEmptyElem || tag.AsString || tag.AsUnixTime || tag.AsBinSet ||
		tag.AsStrSet || tag.AsNumSet || (tag.OmitEmpty && tag.NullEmpty) {
		return notFast, nil
	}
	kind := fastStruct
	switch {
	case t.Kind() == reflect.Pointer && t.Name() == "":
		kind, t = fastStructPtr, t.Elem()
	case t.Kind() == reflect.Slice && !hasCodecMethods(t):
		kind, t = fastStructs, t.Elem()
	}
	if t.Kind() != reflect.Struct || hasCodecMethods(t) || t.ConvertibleTo(timeType) {
		return notFast, nil
	}
	sub, ok := building[t]
	if !ok {
		s, err := schema.Of(t)
		if err != nil {
			return notFast, nil // attributevalue may still encode it
		}
		sub = buildPlan(s, building)
	}
	if sub.whole || sub.wholeDecode {
		return notFast, nil
	}
	return kind, sub
}

// offsetOf sums the offsets along index, which must cross only structs
// held by value.
func offsetOf(t reflect.Type, index []int) (uintptr, bool) {
	var off uintptr
	for i, x := range index {
		if t.Kind() != reflect.Struct {
			return 0, false
		}
		sf := t.Field(x)
		off += sf.Offset
		if i < len(index)-1 {
			t = sf.Type
		}
	}
	return off, true
}

// classify says whether the codec encodes a field of type t with tag tag
// itself, and how. A fast type is one attributevalue encodes by its kind
// alone: neither it nor its pointer may implement Marshaler or Unmarshaler,
// and a string kind may not look like a number type. The only options
// allowed are omitempty or nullempty (not both: attributevalue refuses a
// zero value then), and the set option that matches the slice.
func classify(t reflect.Type, tag tags.Tag) (fastKind, reflect.Kind, bool) {
	if tag.OmitEmptyElem || tag.NullEmptyElem || tag.AsString || tag.AsUnixTime || tag.AsBinSet ||
		(tag.OmitEmpty && tag.NullEmpty) {
		return notFast, 0, false
	}
	sets := tag.AsStrSet || tag.AsNumSet
	switch {
	case plainScalar(t):
		if sets {
			break
		}
		return fastScalar, t.Kind(), false
	case t.Kind() == reflect.Pointer && t.Name() == "" && plainScalar(t.Elem()):
		if sets {
			break
		}
		return fastPointer, t.Elem().Kind(), false
	case t.Kind() == reflect.Slice && !hasCodecMethods(t):
		e := t.Elem()
		switch {
		case e.Kind() == reflect.Uint8:
			// attributevalue copies a slice of bytes to B whatever the
			// methods of the slice type, but panics on a named element type.
			if !sets && e == reflect.TypeFor[byte]() {
				return fastBytes, reflect.Uint8, false
			}
		case !plainScalar(e):
		case e.Kind() == reflect.String:
			if !tag.AsNumSet {
				return fastStrings, reflect.String, tag.AsStrSet
			}
		case e.Kind() != reflect.Bool:
			if !tag.AsStrSet {
				return fastNumbers, e.Kind(), tag.AsNumSet
			}
		}
	}
	return notFast, 0, false
}

// plainScalar reports a string, bool, integer or float type that
// attributevalue encodes and decodes by its kind alone.
func plainScalar(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.String:
		return !hasCodecMethods(t) && !reflect.PointerTo(t).Implements(numbererType)
	case reflect.Bool,
		reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return !hasCodecMethods(t)
	}
	return false // uintptr too: attributevalue does not encode it
}

// hasCodecMethods reports whether t or *t implements attributevalue's
// Marshaler or Unmarshaler (the method set of *t includes t's).
func hasCodecMethods(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return pt.Implements(marshalerType) || pt.Implements(unmarshalerType)
}

// wrapperType returns struct{ V t `ddb:"v,<the tag's value options>"` }:
// encoding it runs attributevalue's code for a struct field on the value
// with the field's own options.
func wrapperType(t reflect.Type, tag tags.Tag) reflect.Type {
	opts := append([]string{wrapperName}, tag.Options()...)
	return reflect.StructOf([]reflect.StructField{{
		Name: "V",
		Type: t,
		Tag:  reflect.StructTag(tags.Key + `:"` + strings.Join(opts, ",") + `"`),
	}})
}

// count adds what a fast field can produce to the codec's totals.
func (c *plan) count(p *fieldPlan) {
	if p.nullEmpty || p.fast != fastScalar && p.fast != fastStruct {
		c.nNull++ // what may be NULL: a nil pointer or slice, or an empty value with nullempty
	}
	switch p.fast {
	case fastScalar, fastPointer:
		switch p.kind {
		case reflect.String:
			c.nS++
		case reflect.Bool:
			c.nBool++
		default:
			c.nN++
		}
	case fastBytes:
		c.nB++
	case fastStruct:
		if sub := p.sub; sub != c { // a plan still being built counts short, which only costs an allocation
			c.nS += sub.nS
			c.nN += sub.nN
			c.nBool += sub.nBool
			c.nNull += sub.nNull
			c.nB += sub.nB
		}
	}
}
