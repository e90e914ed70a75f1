package codec

// Encoding: a struct into an item, by its plan.

import (
	"reflect"
	"strconv"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

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

// encode marshals the struct rv (addressable) into an item, as e's
// attributevalue Encoder does.
func (c *plan) encode(e *Codec, rv reflect.Value) (map[string]types.AttributeValue, error) {
	if c.whole || e.encWhole {
		if c.nesting > maxNesting {
			if err := c.checkWholeNesting(rv); err != nil {
				return nil, err
			}
		}
		av, err := e.enc.Encode(rv.Addr().Interface())
		if err != nil {
			return nil, c.locateEncodeError(e.enc, rv, err)
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
	item, err := c.encodeFields(e, rv, rv.Addr().UnsafePointer(), &a, 0)
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
func (c *plan) encodeFields(e *Codec, rv reflect.Value, base unsafe.Pointer, a *arena, depth int) (map[string]types.AttributeValue, error) {
	item := make(map[string]types.AttributeValue, len(c.fields))
	for i := range c.fields {
		f := &c.fields[i]
		var av types.AttributeValue
		var err error
		if f.enc == viaPlan {
			av, err = f.encodeFast(e, unsafe.Add(base, f.offset), a, depth)
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
			case f.enc == viaField && !(f.omitEmpty && e.omitNulls): // else the wrapper applies omitempty to what attributevalue makes
				av, err = f.encodeField(e, fv, a)
			default:
				av, err = f.encodeWrapped(e, fv)
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
func (f *fieldPlan) encodeFast(e *Codec, p unsafe.Pointer, a *arena, depth int) (types.AttributeValue, error) {
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
		m, err := f.sub.encodeFields(e, reflect.Value{}, p, a, depth+1)
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
		m, err := f.sub.encodeFields(e, reflect.Value{}, q, a, depth+1)
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
			if len(ss) == 0 && e.nullEmptySets {
				return a.nul(), nil
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
		if f.set && sv.Len() == 0 && e.nullEmptySets {
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
			m, err := f.sub.encodeFields(e, reflect.Value{}, unsafe.Add(data, uintptr(i)*step), a, depth+2)
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
func (f *fieldPlan) encodeField(e *Codec, fv reflect.Value, a *arena) (types.AttributeValue, error) {
	if emptyValue(fv) {
		if f.omitEmpty {
			return nil, nil
		}
		if f.nullEmpty || nilValue(fv) {
			return a.nul(), nil
		}
	}
	if fv.Kind() == reflect.Pointer {
		return e.enc.Encode(fv.Interface())
	}
	return e.enc.Encode(fv.Addr().Interface())
}

// encodeWrapped encodes a field as the only field of its wrapper struct and
// returns what attributevalue wrote for it; nil if it omitted it.
func (f *fieldPlan) encodeWrapped(e *Codec, fv reflect.Value) (types.AttributeValue, error) {
	w := reflect.New(f.wrapper)
	w.Elem().Field(0).Set(fv)
	av, err := e.enc.Encode(w.Interface())
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
