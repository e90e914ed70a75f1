package mapper

// The struct ↔ item codec. attributevalue's Encoder and Decoder walk a
// struct by reflection on every call and allocate for each value; the
// codec does that walk once per type, into a plan, and then:
//
//   - encodes and decodes the plain fields itself, through the field's
//     offset: strings, bools, integers and floats, pointers to those,
//     byte slices, and slices of strings or of numbers (as lists, or as
//     sets with stringset / numberset); and, with the nested type's own
//     plan, structs, pointers to structs and slices of structs. It writes
//     exactly what attributevalue writes for them (same number formatting,
//     same empty and NULL rules), and hands back to attributevalue any
//     value it does not expect (a NULL element, a malformed number, a type
//     mismatch), so that errors are attributevalue's own;
//   - passes every other field to attributevalue one at a time: a pointer
//     to the field, after applying omitempty / nullempty itself, when the
//     field's tag has no other option, or else a one-field struct that
//     carries the field's own tag, so that attributevalue applies the
//     options as it would inside the whole struct;
//   - falls back to attributevalue on the whole struct for types it cannot
//     split: fields behind an embedded pointer (encoding skips them when
//     the pointer is nil, decoding allocates it), and types whose pointer
//     implements attributevalue.Unmarshaler (decoding calls it instead of
//     decoding the fields).
//
// The equivalence tests in codec_test.go hold the codec to attributevalue's
// output, with the mapper's options (TagKey "ddb", everything else
// default).
//
// Two things it adds. Values nested deeper than DynamoDB's 32 levels are
// refused before attributevalue sees them, so that a value that contains
// itself is an error rather than a stack overflow. And an error names the
// attribute (a *ddbcrypt.AttributeError); for an encrypted attribute it
// withholds attributevalue's message, which may quote the plaintext.

import (
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/schema"
	"github.com/ddbcrypt/ddbcrypt/tags"
)

// codecs caches the plan of each struct type: reflect.Type → *codec.
var codecs sync.Map

// codecOf returns the cached plan for the schema's type.
func codecOf(s *schema.Schema) *codec {
	if c, ok := codecs.Load(s.Type); ok {
		return c.(*codec)
	}
	c, _ := codecs.LoadOrStore(s.Type, newCodec(s))
	return c.(*codec)
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
	sub    *codec       // the plan of the struct, for the struct kinds

	omitEmpty, nullEmpty bool
	encrypted            bool // errors withhold what may quote the value
	nesting              int  // staticNesting of typ

	enc, dec route
	wrapper  reflect.Type // for viaWrapper: struct{ V <typ> `ddb:"v,<options>"` }
}

// codec is the plan for one struct type. It is shared and read-only.
type codec struct {
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

func newCodec(s *schema.Schema) *codec {
	return buildCodec(s, map[reflect.Type]*codec{})
}

// buildCodec makes the plan of s's type. building holds the plans under
// construction, so that a type nested in itself refers to its own plan.
func buildCodec(s *schema.Schema, building map[reflect.Type]*codec) *codec {
	c := &codec{typ: s.Type, schema: s}
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
		if p.enc == viaWrapper || p.dec == viaWrapper {
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
func classifyStruct(t reflect.Type, tag tags.Tag, building map[reflect.Type]*codec) (fastKind, *codec) {
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
		sub = buildCodec(s, building)
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
	var b strings.Builder
	b.WriteString(wrapperName)
	for _, o := range []struct {
		on   bool
		name string
	}{
		{tag.OmitEmpty, "omitempty"},
		{tag.OmitEmptyElem, "omitemptyelem"},
		{tag.NullEmpty, "nullempty"},
		{tag.NullEmptyElem, "nullemptyelem"},
		{tag.AsString, "string"},
		{tag.AsStrSet, "stringset"},
		{tag.AsNumSet, "numberset"},
		{tag.AsBinSet, "binaryset"},
		{tag.AsUnixTime, "unixtime"},
	} {
		if o.on {
			b.WriteString(",")
			b.WriteString(o.name)
		}
	}
	return reflect.StructOf([]reflect.StructField{{
		Name: "V",
		Type: t,
		Tag:  reflect.StructTag(tags.Key + `:"` + b.String() + `"`),
	}})
}

// count adds what a fast field can produce to the codec's totals.
func (c *codec) count(p *fieldPlan) {
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

// arena hands out the attribute values of one item from a few arrays
// rather than one allocation each. The first arrays are sized by the plan;
// when one is full, the next values come from a new, larger one, and those
// already handed out stay where they are.
type arena struct {
	s    []types.AttributeValueMemberS
	n    []types.AttributeValueMemberN
	bl   []types.AttributeValueMemberBOOL
	null []types.AttributeValueMemberNULL
	b    []types.AttributeValueMemberB
	m    []types.AttributeValueMemberM
}

// take returns the next free element of *s, zero.
func take[T any](s *[]T) *T {
	if len(*s) == cap(*s) {
		*s = make([]T, 0, max(8, 2*cap(*s)))
	}
	*s = (*s)[:len(*s)+1]
	return &(*s)[len(*s)-1]
}

func (a *arena) str(v string) types.AttributeValue {
	x := take(&a.s)
	x.Value = v
	return x
}

func (a *arena) num(v string) types.AttributeValue {
	x := take(&a.n)
	x.Value = v
	return x
}

func (a *arena) boolean(v bool) types.AttributeValue {
	x := take(&a.bl)
	x.Value = v
	return x
}

func (a *arena) nul() types.AttributeValue {
	x := take(&a.null)
	x.Value = true
	return x
}

func (a *arena) bin(v []byte) types.AttributeValue {
	x := take(&a.b)
	x.Value = v
	return x
}

func (a *arena) mapOf(v map[string]types.AttributeValue) types.AttributeValue {
	x := take(&a.m)
	x.Value = v
	return x
}

func makeArena[T any](n int) []T {
	if n == 0 {
		return nil
	}
	return make([]T, 0, n)
}

// encode marshals the struct rv (addressable) into an item, as
// attributevalue's Encoder with TagKey "ddb" does.
func (c *codec) encode(enc *attributevalue.Encoder, rv reflect.Value) (map[string]types.AttributeValue, error) {
	if c.whole {
		if c.nesting > maxNesting {
			if err := c.checkWholeNesting(rv); err != nil {
				return nil, err
			}
		}
		av, err := enc.Encode(rv.Addr().Interface())
		if err != nil {
			return nil, c.locateEncodeError(enc, rv, err)
		}
		m, ok := av.(*types.AttributeValueMemberM)
		if !ok {
			return nil, invalidItem("%v did not marshal to a map", rv.Type())
		}
		return m.Value, nil
	}
	a := arena{
		s:    makeArena[types.AttributeValueMemberS](c.nS),
		n:    makeArena[types.AttributeValueMemberN](c.nN),
		bl:   makeArena[types.AttributeValueMemberBOOL](c.nBool),
		null: makeArena[types.AttributeValueMemberNULL](c.nNull),
		b:    makeArena[types.AttributeValueMemberB](c.nB),
	}
	item, err := c.encodeFields(enc, rv, rv.Addr().UnsafePointer(), &a, 0)
	if err != nil {
		return nil, err
	}
	return item, nil
}

// encodeFields encodes the struct at base, of the plan's type; rv is that
// struct, or the zero Value to make it from base when a field needs it.
// depth is the nesting level of its fields' values: 0 for the attributes of
// the item. There, an error becomes a *ddbcrypt.AttributeError that names
// the field.
func (c *codec) encodeFields(enc *attributevalue.Encoder, rv reflect.Value, base unsafe.Pointer, a *arena, depth int) (map[string]types.AttributeValue, error) {
	item := make(map[string]types.AttributeValue, len(c.fields))
	for i := range c.fields {
		f := &c.fields[i]
		var av types.AttributeValue
		var err error
		if f.enc == viaPlan {
			av, err = f.encodeFast(enc, unsafe.Add(base, f.offset), a, depth)
		} else {
			if !rv.IsValid() {
				rv = reflect.NewAt(c.typ, base).Elem()
			}
			fv := rv.FieldByIndex(f.index)
			if depth+f.nesting > maxNesting {
				err = checkNesting(fv, depth, 0)
			}
			switch {
			case err != nil:
			case f.enc == viaField:
				av, err = f.encodeField(enc, fv, a)
			default:
				av, err = f.encodeWrapped(enc, fv)
			}
		}
		if err != nil {
			if depth == 0 {
				err = c.fieldError(opMarshal, f.name, f.goName, f.typ, f.encrypted, nil, err)
			}
			return nil, err
		}
		if av != nil {
			item[f.name] = av
		}
	}
	return item, nil
}

// encodeFast encodes a fast field at p, at nesting level depth; nil means it
// is omitted.
func (f *fieldPlan) encodeFast(enc *attributevalue.Encoder, p unsafe.Pointer, a *arena, depth int) (types.AttributeValue, error) {
	switch f.fast {
	case fastScalar:
		if f.omitEmpty || f.nullEmpty {
			if scalarIsZero(p, f.kind) {
				if f.omitEmpty {
					return nil, nil
				}
				return a.nul(), nil
			}
		}
		return scalarValue(p, f.kind, a), nil
	case fastStruct: // never empty to attributevalue
		if depth >= maxNesting {
			return nil, errTooDeep
		}
		m, err := f.sub.encodeFields(enc, reflect.Value{}, p, a, depth+1)
		if err != nil {
			return nil, err
		}
		return a.mapOf(m), nil
	case fastPointer, fastStructPtr:
		q := *(*unsafe.Pointer)(p)
		if q == nil {
			if f.omitEmpty {
				return nil, nil
			}
			return a.nul(), nil
		}
		if f.fast == fastPointer {
			return scalarValue(q, f.kind, a), nil // the pointee is not tested for empty
		}
		if depth >= maxNesting {
			return nil, errTooDeep
		}
		m, err := f.sub.encodeFields(enc, reflect.Value{}, q, a, depth+1)
		if err != nil {
			return nil, err
		}
		return a.mapOf(m), nil
	}
	// A slice: empty (to attributevalue) only when nil.
	sv := reflect.NewAt(f.typ, p).Elem()
	if sv.IsNil() {
		if f.omitEmpty {
			return nil, nil
		}
		return a.nul(), nil
	}
	switch f.fast {
	case fastBytes:
		b := *(*[]byte)(p)
		return a.bin(append([]byte{}, b...)), nil
	case fastStrings:
		ss := *(*[]string)(p)
		if f.set {
			if len(ss) == 0 {
				return a.nul(), nil // attributevalue's NullEmptySets
			}
			return &types.AttributeValueMemberSS{Value: append(make([]string, 0, len(ss)), ss...)}, nil
		}
		if depth >= maxNesting {
			return nil, errTooDeep
		}
		l := make([]types.AttributeValue, len(ss))
		for i, s := range ss {
			l[i] = a.str(s)
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case fastNumbers:
		if f.set && sv.Len() == 0 {
			return a.nul(), nil
		}
		ns := formatNumbers(sv, f.kind)
		if f.set {
			return &types.AttributeValueMemberNS{Value: ns}, nil
		}
		if depth >= maxNesting {
			return nil, errTooDeep
		}
		l := make([]types.AttributeValue, len(ns))
		for i, n := range ns {
			l[i] = a.num(n)
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	default: // fastStructs
		if depth+1 >= maxNesting {
			return nil, errTooDeep
		}
		l := make([]types.AttributeValue, sv.Len())
		data, step := sv.UnsafePointer(), f.sub.typ.Size()
		for i := range l {
			m, err := f.sub.encodeFields(enc, reflect.Value{}, unsafe.Add(data, uintptr(i)*step), a, depth+2)
			if err != nil {
				return nil, err
			}
			l[i] = a.mapOf(m)
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	}
}

// scalarIsZero is attributevalue's test for an empty value, for a scalar.
func scalarIsZero(p unsafe.Pointer, k reflect.Kind) bool {
	switch k {
	case reflect.String:
		return len(*(*string)(p)) == 0
	case reflect.Bool:
		return !*(*bool)(p)
	case reflect.Float32:
		return *(*float32)(p) == 0 // -0 too
	case reflect.Float64:
		return *(*float64)(p) == 0
	}
	switch kindSize(k) {
	case 1:
		return *(*uint8)(p) == 0
	case 2:
		return *(*uint16)(p) == 0
	case 4:
		return *(*uint32)(p) == 0
	default:
		return *(*uint64)(p) == 0
	}
}

// kindSize is the size in bytes of an integer kind.
func kindSize(k reflect.Kind) uintptr {
	switch k {
	case reflect.Int8, reflect.Uint8:
		return 1
	case reflect.Int16, reflect.Uint16:
		return 2
	case reflect.Int32, reflect.Uint32:
		return 4
	case reflect.Int, reflect.Uint:
		return unsafe.Sizeof(int(0))
	}
	return 8
}

func scalarValue(p unsafe.Pointer, k reflect.Kind, a *arena) types.AttributeValue {
	switch k {
	case reflect.String:
		return a.str(*(*string)(p))
	case reflect.Bool:
		return a.boolean(*(*bool)(p))
	}
	return a.num(formatNumber(p, k))
}

// formatNumber formats the number at p as attributevalue does: integers in
// decimal, floats in the shortest 'f' form for their size (so NaN and ±Inf
// come out as "NaN", "+Inf" and "-Inf", which DynamoDB refuses).
func formatNumber(p unsafe.Pointer, k reflect.Kind) string {
	switch k {
	case reflect.Int:
		return strconv.FormatInt(int64(*(*int)(p)), 10)
	case reflect.Int8:
		return strconv.FormatInt(int64(*(*int8)(p)), 10)
	case reflect.Int16:
		return strconv.FormatInt(int64(*(*int16)(p)), 10)
	case reflect.Int32:
		return strconv.FormatInt(int64(*(*int32)(p)), 10)
	case reflect.Int64:
		return strconv.FormatInt(*(*int64)(p), 10)
	case reflect.Uint:
		return strconv.FormatUint(uint64(*(*uint)(p)), 10)
	case reflect.Uint8:
		return strconv.FormatUint(uint64(*(*uint8)(p)), 10)
	case reflect.Uint16:
		return strconv.FormatUint(uint64(*(*uint16)(p)), 10)
	case reflect.Uint32:
		return strconv.FormatUint(uint64(*(*uint32)(p)), 10)
	case reflect.Uint64:
		return strconv.FormatUint(*(*uint64)(p), 10)
	case reflect.Float32:
		return strconv.FormatFloat(float64(*(*float32)(p)), 'f', -1, 32)
	default: // reflect.Float64
		return strconv.FormatFloat(*(*float64)(p), 'f', -1, 64)
	}
}

// formatNumbers formats the elements of the slice of numbers at p.
func formatNumbers(sv reflect.Value, k reflect.Kind) []string {
	out := make([]string, sv.Len())
	data := sv.UnsafePointer()
	var step uintptr
	switch k {
	case reflect.Float32:
		step = 4
	case reflect.Float64:
		step = 8
	default:
		step = kindSize(k)
	}
	for i := range out {
		out[i] = formatNumber(unsafe.Add(data, uintptr(i)*step), k)
	}
	return out
}

// encodeField encodes a field through attributevalue: omitempty and
// nullempty (its only options) are applied here, as attributevalue applies
// them to a struct field, and the rest is what attributevalue does with a
// pointer to the field (or, for a pointer field, the pointer itself), which
// is what it does with the field once past that test.
func (f *fieldPlan) encodeField(enc *attributevalue.Encoder, fv reflect.Value, a *arena) (types.AttributeValue, error) {
	if emptyValue(fv) {
		if f.omitEmpty {
			return nil, nil
		}
		if f.nullEmpty || nilValue(fv) {
			return a.nul(), nil
		}
	}
	if fv.Kind() == reflect.Pointer {
		return enc.Encode(fv.Interface())
	}
	return enc.Encode(fv.Addr().Interface())
}

// encodeWrapped encodes a field as the only field of its wrapper struct and
// returns what attributevalue wrote for it; nil if it omitted it.
func (f *fieldPlan) encodeWrapped(enc *attributevalue.Encoder, fv reflect.Value) (types.AttributeValue, error) {
	w := reflect.New(f.wrapper)
	w.Elem().Field(0).Set(fv)
	av, err := enc.Encode(w.Interface())
	if err != nil {
		return nil, err
	}
	if m, ok := av.(*types.AttributeValueMemberM); ok {
		return m.Value[wrapperName], nil
	}
	return nil, nil
}

// emptyValue is attributevalue's test for an empty value: what omitempty
// leaves out and nullempty writes as NULL.
func emptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Invalid:
		return true
	case reflect.Array:
		return v.Len() == 0
	case reflect.Map, reflect.Slice, reflect.Interface, reflect.Pointer:
		return v.IsNil()
	case reflect.String:
		return v.Len() == 0
	case reflect.Bool:
		return !v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int() == 0
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return v.Uint() == 0
	case reflect.Float32, reflect.Float64:
		return v.Float() == 0
	}
	return false // structs (a zero time too), complex numbers, ...
}

// nilValue reports an empty value attributevalue writes as NULL even
// without nullempty.
func nilValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Invalid:
		return true
	case reflect.Map, reflect.Slice, reflect.Interface, reflect.Pointer:
		return v.IsNil()
	}
	return false
}

// decode unmarshals item into the struct rv (addressable), which it first
// zeroes, as attributevalue's Decoder with TagKey "ddb" does: attributes
// the struct lacks are ignored, and a name with no field of its own goes to
// the first field whose name matches it but for case.
func (c *codec) decode(dec *attributevalue.Decoder, item map[string]types.AttributeValue, rv reflect.Value) error {
	rv.SetZero()
	if c.whole || c.wholeDecode {
		if err := dec.Decode(&types.AttributeValueMemberM{Value: item}, rv.Addr().Interface()); err != nil {
			return c.locateDecodeError(dec, item, err)
		}
		return nil
	}
	return c.decodeFields(dec, item, rv, rv.Addr().UnsafePointer(), true)
}

// decodeFields decodes item into the struct at base, of the plan's type,
// over what it holds (attributevalue zeroes only the top-level struct, as
// the mapper asks); rv is that struct, or the zero Value to make it from
// base when a field needs it. For the item itself (top), an error becomes
// a *ddbcrypt.AttributeError that names the field.
func (c *codec) decodeFields(dec *attributevalue.Decoder, item map[string]types.AttributeValue, rv reflect.Value, base unsafe.Pointer, top bool) error {
	for name, av := range item {
		i, ok := c.byName[name]
		if !ok {
			if i = c.fold(name); i < 0 {
				continue
			}
		}
		f := &c.fields[i]
		var err error
		if f.dec == viaPlan {
			p := unsafe.Add(base, f.offset)
			var done bool
			if done, err = f.decodeFast(dec, av, p); !done && err == nil {
				err = dec.Decode(av, reflect.NewAt(f.typ, p).Interface())
			}
		} else {
			if !rv.IsValid() {
				rv = reflect.NewAt(c.typ, base).Elem()
			}
			if f.dec == viaField {
				err = dec.Decode(av, rv.FieldByIndex(f.index).Addr().Interface())
			} else {
				err = f.decodeWrapped(dec, av, rv.FieldByIndex(f.index))
			}
		}
		if err != nil {
			if top {
				err = c.fieldError(opUnmarshal, name, f.goName, f.typ, f.encrypted, av, err)
			}
			return err
		}
	}
	return nil
}

// fold finds the field attributevalue gives an attribute name that no field
// has exactly: the first whose name is equal under Unicode case folding.
func (c *codec) fold(name string) int {
	for i := range c.fields {
		if strings.EqualFold(c.fields[i].name, name) {
			return i
		}
	}
	return -1
}

// decodeWrapped decodes av into a field with options that affect decoding
// (string, unixtime) through its wrapper struct.
func (f *fieldPlan) decodeWrapped(dec *attributevalue.Decoder, av types.AttributeValue, fv reflect.Value) error {
	w := reflect.New(f.wrapper)
	w.Elem().Field(0).Set(fv)
	err := dec.Decode(&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{wrapperName: av}}, w.Interface())
	fv.Set(w.Elem().Field(0)) // what attributevalue had written so far, even on error
	return err
}

// decodeFast decodes av into the fast field at p. If it reports false (and
// no error), it has written nothing, and attributevalue is to decode the
// value (or report why it cannot). Errors come from nested structs, whose
// fields it decodes as decodeFields does.
func (f *fieldPlan) decodeFast(dec *attributevalue.Decoder, av types.AttributeValue, p unsafe.Pointer) (bool, error) {
	if _, ok := av.(*types.AttributeValueMemberNULL); ok {
		reflect.NewAt(f.typ, p).Elem().SetZero()
		return true, nil
	}
	switch f.fast {
	case fastScalar:
		return decodeScalar(av, p, f.kind), nil
	case fastPointer:
		if q := *(*unsafe.Pointer)(p); q != nil {
			return decodeScalar(av, q, f.kind), nil
		}
		q := reflect.New(f.typ.Elem()).UnsafePointer()
		if !decodeScalar(av, q, f.kind) {
			return false, nil
		}
		*(*unsafe.Pointer)(p) = q
		return true, nil
	case fastStruct, fastStructPtr:
		m, ok := av.(*types.AttributeValueMemberM)
		if !ok {
			return false, nil
		}
		if f.fast == fastStructPtr {
			q := *(*unsafe.Pointer)(p)
			if q == nil { // allocated before its fields are decoded, as attributevalue does
				q = reflect.New(f.sub.typ).UnsafePointer()
				*(*unsafe.Pointer)(p) = q
			}
			p = q
		}
		return true, f.sub.decodeFields(dec, m.Value, reflect.Value{}, p, false)
	case fastStructs:
		l, ok := av.(*types.AttributeValueMemberL)
		if !ok {
			return false, nil
		}
		for _, e := range l.Value {
			switch e.(type) {
			case *types.AttributeValueMemberM, *types.AttributeValueMemberNULL:
			default:
				return false, nil
			}
		}
		s := reflect.MakeSlice(f.typ, len(l.Value), len(l.Value))
		reflect.NewAt(f.typ, p).Elem().Set(s)
		data, step := s.UnsafePointer(), f.sub.typ.Size()
		for i, e := range l.Value {
			if m, ok := e.(*types.AttributeValueMemberM); ok { // NULL leaves the element zero
				if err := f.sub.decodeFields(dec, m.Value, reflect.Value{}, unsafe.Add(data, uintptr(i)*step), false); err != nil {
					return true, err
				}
			}
		}
		return true, nil
	case fastBytes:
		b, ok := av.(*types.AttributeValueMemberB)
		if !ok {
			return false, nil
		}
		out := make([]byte, len(b.Value))
		copy(out, b.Value)
		*(*[]byte)(p) = out
		return true, nil
	case fastStrings:
		var out []string
		switch v := av.(type) {
		case *types.AttributeValueMemberSS:
			out = append(make([]string, 0, len(v.Value)), v.Value...)
		case *types.AttributeValueMemberL:
			out = make([]string, len(v.Value))
			for i, e := range v.Value {
				s, ok := e.(*types.AttributeValueMemberS)
				if !ok {
					return false, nil
				}
				out[i] = s.Value
			}
		default:
			return false, nil
		}
		*(*[]string)(p) = out
		return true, nil
	default: // fastNumbers
		switch v := av.(type) {
		case *types.AttributeValueMemberNS:
			return decodeNumbers(p, f.typ, f.kind, len(v.Value), func(i int) (string, bool) { return v.Value[i], true }), nil
		case *types.AttributeValueMemberL:
			return decodeNumbers(p, f.typ, f.kind, len(v.Value), func(i int) (string, bool) {
				n, ok := v.Value[i].(*types.AttributeValueMemberN)
				if !ok {
					return "", false
				}
				return n.Value, true
			}), nil
		}
		return false, nil
	}
}

// decodeScalar decodes av into the scalar of kind k at p, if av is of the
// type attributevalue would decode into k without fault.
func decodeScalar(av types.AttributeValue, p unsafe.Pointer, k reflect.Kind) bool {
	switch k {
	case reflect.String:
		s, ok := av.(*types.AttributeValueMemberS)
		if ok {
			*(*string)(p) = s.Value
		}
		return ok
	case reflect.Bool:
		b, ok := av.(*types.AttributeValueMemberBOOL)
		if ok {
			*(*bool)(p) = b.Value
		}
		return ok
	}
	n, ok := av.(*types.AttributeValueMemberN)
	return ok && parseNumber(n.Value, p, k)
}

// parseNumber parses s into the number of kind k at p as attributevalue
// does, and reports whether it could without error or overflow.
func parseNumber(s string, p unsafe.Pointer, k reflect.Kind) bool {
	switch k {
	case reflect.Float32, reflect.Float64:
		x, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return false
		}
		if k == reflect.Float64 {
			*(*float64)(p) = x
			return true
		}
		if ax := math.Abs(x); math.MaxFloat32 < ax && ax <= math.MaxFloat64 {
			return false // reflect's OverflowFloat: ±Inf and NaN pass
		}
		*(*float32)(p) = float32(x)
		return true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return false
		}
		bits := kindSize(k) * 8
		if bits < 64 && (x<<(64-bits))>>(64-bits) != x {
			return false
		}
		switch bits {
		case 8:
			*(*int8)(p) = int8(x)
		case 16:
			*(*int16)(p) = int16(x)
		case 32:
			*(*int32)(p) = int32(x)
		default:
			*(*int64)(p) = x
		}
		return true
	default:
		x, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return false
		}
		bits := kindSize(k) * 8
		if bits < 64 && x>>bits != 0 {
			return false
		}
		switch bits {
		case 8:
			*(*uint8)(p) = uint8(x)
		case 16:
			*(*uint16)(p) = uint16(x)
		case 32:
			*(*uint32)(p) = uint32(x)
		default:
			*(*uint64)(p) = x
		}
		return true
	}
}

// decodeNumbers decodes n numbers, given by at, into a new slice of type t
// (elements of kind k) and stores it at p, unless one of them is not a
// number attributevalue decodes without fault.
func decodeNumbers(p unsafe.Pointer, t reflect.Type, k reflect.Kind, n int, at func(int) (string, bool)) bool {
	s := reflect.MakeSlice(t, n, n)
	data := s.UnsafePointer()
	step := t.Elem().Size()
	for i := range n {
		v, ok := at(i)
		if !ok || !parseNumber(v, unsafe.Add(data, uintptr(i)*step), k) {
			return false
		}
	}
	reflect.NewAt(t, p).Elem().Set(s)
	return true
}

// maxNesting is DynamoDB's limit on nested lists and maps, which the item
// encryptor enforces too: an attribute's value may hold lists and maps 32
// levels deep. Encoding stops there, before attributevalue, which would
// follow a value that contains itself until the stack overflows.
const maxNesting = 32

// maxHops bounds the pointers and interfaces checkNesting follows along one
// path, for pointers that lead back to themselves through no list or map.
const maxHops = 1024

// unbounded is the staticNesting of a type that can nest without limit.
const unbounded = math.MaxInt32

var errTooDeep = fmt.Errorf("lists and maps nested deeper than %d levels (a value that contains itself?)", maxNesting)

// staticNesting returns how many levels of lists and maps attributevalue can
// make of a value of type t at most, or unbounded for a type that contains
// itself or an interface. It may count too many (an embedded struct, a
// struct with a pointer-receiver marshaler), never too few: it decides
// which values checkNesting must walk. done memoizes it; visiting holds the
// struct types on the way, to find cycles.
func staticNesting(t reflect.Type, done map[reflect.Type]int, visiting map[reflect.Type]bool) int {
	if n, ok := done[t]; ok {
		return n
	}
	if t.Implements(marshalerType) || t.ConvertibleTo(timeType) {
		return 0
	}
	level := func(n int) int { return min(n+1, unbounded) }
	n := 0
	switch t.Kind() {
	case reflect.Pointer:
		n = staticNesting(t.Elem(), done, visiting)
	case reflect.Interface:
		n = unbounded
	case reflect.Map:
		n = level(staticNesting(t.Elem(), done, visiting))
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() != reflect.Uint8 {
			n = level(staticNesting(t.Elem(), done, visiting))
		}
	case reflect.Struct:
		if visiting[t] {
			return unbounded
		}
		visiting[t] = true
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() || f.Anonymous {
				n = max(n, staticNesting(f.Type, done, visiting))
			}
		}
		delete(visiting, t)
		n = level(n)
	}
	done[t] = n
	return n
}

// isMarshaler reports a value that attributevalue hands to its own
// MarshalDynamoDBAttributeValue, whose result it does not walk.
func isMarshaler(v reflect.Value) bool {
	t := v.Type()
	return t.Implements(marshalerType) || (v.CanAddr() && reflect.PointerTo(t).Implements(marshalerType))
}

// checkNesting walks v, a value at nesting level depth (0 for an attribute
// of the item), as attributevalue encodes it, and returns errTooDeep if its
// lists and maps (slices, arrays, maps and structs) go deeper than
// maxNesting. hops counts the pointers and interfaces followed so far.
func checkNesting(v reflect.Value, depth, hops int) error {
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() || isMarshaler(v) {
			return nil
		}
		if hops++; hops > maxHops {
			return errTooDeep
		}
		v = v.Elem()
	}
	if !v.IsValid() || isMarshaler(v) || v.Type().ConvertibleTo(timeType) {
		return nil
	}
	switch v.Kind() {
	case reflect.Map:
		if depth >= maxNesting {
			return errTooDeep
		}
		for it := v.MapRange(); it.Next(); {
			if err := checkNesting(it.Value(), depth+1, hops); err != nil {
				return err
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return nil
		}
		if depth >= maxNesting {
			return errTooDeep
		}
		for i := range v.Len() {
			if err := checkNesting(v.Index(i), depth+1, hops); err != nil {
				return err
			}
		}
	case reflect.Struct:
		if depth >= maxNesting {
			return errTooDeep
		}
		return checkFields(v, depth+1, hops)
	}
	return nil
}

// checkFields runs checkNesting on the attributes of the struct v: its
// exported fields but those tagged "-", and the fields of its embedded
// structs, which attributevalue puts beside them.
func checkFields(v reflect.Value, depth, hops int) error {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() && !sf.Anonymous {
			continue
		}
		tag, _ := tags.Parse(sf)
		if tag.Ignore {
			continue
		}
		fv := v.Field(i)
		if sf.Anonymous && tag.Name == "" {
			ev, h := fv, hops
			for ev.Kind() == reflect.Pointer && !ev.IsNil() && !isMarshaler(ev) {
				ev, h = ev.Elem(), h+1
			}
			if h > maxHops {
				return errTooDeep
			}
			if ev.Kind() == reflect.Struct && !isMarshaler(ev) && !ev.Type().ConvertibleTo(timeType) {
				if err := checkFields(ev, depth, h); err != nil {
					return err
				}
				continue
			}
		}
		if !sf.IsExported() {
			continue
		}
		if err := checkNesting(fv, depth, hops); err != nil {
			return err
		}
	}
	return nil
}

// checkWholeNesting runs checkNesting on each field of a struct that
// attributevalue encodes whole.
func (c *codec) checkWholeNesting(rv reflect.Value) error {
	for i := range c.schema.Fields {
		f := &c.schema.Fields[i]
		fv, err := rv.FieldByIndexErr(f.Index)
		if err != nil {
			continue // behind a nil embedded pointer: absent
		}
		if err := checkNesting(fv, 0, 0); err != nil {
			return c.fieldError(opMarshal, f.Name, f.GoName, f.Type, f.Action == crypto.EncryptAndSign, nil, err)
		}
	}
	return nil
}

// locateEncodeError names the field that made attributevalue fail to
// encode the whole struct rv with err: the first that fails alone.
func (c *codec) locateEncodeError(enc *attributevalue.Encoder, rv reflect.Value, err error) error {
	for i := range c.schema.Fields {
		f := &c.schema.Fields[i]
		fv, ferr := rv.FieldByIndexErr(f.Index)
		if ferr != nil {
			continue
		}
		w := reflect.New(wrapperType(f.Type, f.Tag))
		w.Elem().Field(0).Set(fv)
		if _, ferr := enc.Encode(w.Interface()); ferr != nil {
			return c.fieldError(opMarshal, f.Name, f.GoName, f.Type, f.Action == crypto.EncryptAndSign, nil, ferr)
		}
	}
	return c.fieldError(opMarshal, "", "", nil, c.encrypted, nil, err)
}

// locateDecodeError names the attribute that made attributevalue fail to
// decode item into the whole struct with err: the first, by name, that
// fails alone. A type's own UnmarshalDynamoDBAttributeValue may fail on
// none of them.
func (c *codec) locateDecodeError(dec *attributevalue.Decoder, item map[string]types.AttributeValue, err error) error {
	names := make([]string, 0, len(item))
	for name := range item {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		f := c.schema.Field(name)
		for i := 0; f == nil && i < len(c.schema.Fields); i++ {
			if strings.EqualFold(c.schema.Fields[i].Name, name) {
				f = &c.schema.Fields[i]
			}
		}
		if f == nil {
			continue
		}
		av := item[name]
		w := reflect.New(wrapperType(f.Type, f.Tag))
		if ferr := dec.Decode(&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{wrapperName: av}}, w.Interface()); ferr != nil {
			return c.fieldError(opUnmarshal, name, f.GoName, f.Type, f.Action == crypto.EncryptAndSign, av, ferr)
		}
	}
	return c.fieldError(opUnmarshal, "", "", nil, c.encrypted, nil, err)
}

// The operations a fieldError is about.
const (
	opMarshal   = "marshaling"
	opUnmarshal = "unmarshaling"
)

// fieldError wraps err, the failure of op on the field goName (attribute
// name, of type typ; stored is what the attribute holds, unmarshaling), in
// a *ddbcrypt.AttributeError that names the attribute. With name "", the
// failure is the whole struct's.
func (c *codec) fieldError(op, name, goName string, typ reflect.Type, encrypted bool, stored types.AttributeValue, err error) error {
	fe := &fieldError{op: op, structType: c.typ, field: goName, fieldType: typ, stored: stored, encrypted: encrypted, cause: err}
	if name == "" {
		return fe
	}
	return &ddbcrypt.AttributeError{Attribute: name, Err: fe}
}

// fieldError reports a field that did not marshal or unmarshal. For an
// encrypted attribute its message withholds the cause, unless the cause is
// one of attributevalue's errors that never hold a value: attributevalue
// quotes numbers and map keys ("number overflow, 4111111111111111"), and a
// type's own (un)marshaler may quote anything.
type fieldError struct {
	op         string       // opMarshal or opUnmarshal
	structType reflect.Type // the struct
	field      string       // the Go field; "" for the whole struct
	fieldType  reflect.Type
	stored     types.AttributeValue // what the attribute holds, unmarshaling; only its type is told
	encrypted  bool
	cause      error
}

func (e *fieldError) Error() string {
	reason, _ := e.reason()
	if e.field == "" {
		return fmt.Sprintf("%v: %s %v: %s", ddbcrypt.ErrInvalidItem, e.op, e.structType, reason)
	}
	return fmt.Sprintf("%v: %s field %s (%v) of %v: %s", ddbcrypt.ErrInvalidItem, e.op, e.field, e.fieldType, e.structType, reason)
}

// Unwrap returns ddbcrypt.ErrInvalidItem and, unless it is withheld, the
// cause.
func (e *fieldError) Unwrap() []error {
	if _, withheld := e.reason(); withheld {
		return []error{ddbcrypt.ErrInvalidItem}
	}
	return []error{ddbcrypt.ErrInvalidItem, e.cause}
}

// valueFreeKinds are the Value texts of attributevalue's
// UnmarshalTypeErrors that name a kind of value, not a value.
var valueFreeKinds = map[string]bool{
	"binary": true, "binary set": true, "bool": true, "number": true, "number set": true,
	"list": true, "map": true, "string": true, "string set": true,
	"map key must be string, number, bool, or TextUnmarshaler": true,
}

// reason is the cause as told, and whether the cause itself is withheld:
// for an encrypted attribute, the message tells only what holds no part of
// the value.
func (e *fieldError) reason() (string, bool) {
	if !e.encrypted || e.cause == errTooDeep {
		return e.cause.Error(), false
	}
	switch c := e.cause.(type) {
	case *attributevalue.InvalidMarshalError, *attributevalue.InvalidUnmarshalError:
		return c.Error(), false
	case *attributevalue.UnmarshalTypeError:
		switch {
		case valueFreeKinds[c.Value]:
			return c.Error(), false
		case strings.HasPrefix(c.Value, "number overflow"):
			return fmt.Sprintf("a number out of range for %v", c.Type), true
		case strings.HasPrefix(c.Value, "map key"):
			return fmt.Sprintf("a map key that does not unmarshal into %v", c.Type), true
		}
	case *strconv.NumError:
		return fmt.Sprintf("a number that does not parse: strconv.%s: %v", c.Func, c.Err), true
	}
	if e.stored != nil {
		return fmt.Sprintf("cannot unmarshal %s (the cause is withheld: the attribute is encrypted)", storedKind(e.stored)), true
	}
	return "the cause is withheld: the attribute is encrypted", true
}

// storedKind names the DynamoDB type of av.
func storedKind(av types.AttributeValue) string {
	switch av.(type) {
	case *types.AttributeValueMemberS:
		return "S"
	case *types.AttributeValueMemberN:
		return "N"
	case *types.AttributeValueMemberB:
		return "B"
	case *types.AttributeValueMemberBOOL:
		return "BOOL"
	case *types.AttributeValueMemberNULL:
		return "NULL"
	case *types.AttributeValueMemberSS:
		return "SS"
	case *types.AttributeValueMemberNS:
		return "NS"
	case *types.AttributeValueMemberBS:
		return "BS"
	case *types.AttributeValueMemberL:
		return "L"
	case *types.AttributeValueMemberM:
		return "M"
	}
	return fmt.Sprintf("%T", av)
}
