package codec

// Decoding: an item into a struct, by its plan.

import (
	"math"
	"reflect"
	"strconv"
	"strings"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// decode unmarshals item into the struct rv (addressable), which it first
// zeroes, as d's attributevalue Decoder does: attributes
// the struct lacks are ignored, and a name with no field of its own goes to
// the first field whose name matches it but for case.
//
// Where attributevalue panics on a stored value rather than failing (a nil
// member such as (*types.AttributeValueMemberS)(nil), a string for a field
// of a non-empty interface type), decode fails instead, naming the
// attribute: a table writer chooses the values of attributes that are not
// signed, and reading them must not crash the reader.
func (c *plan) decode(d *Codec, item map[string]types.AttributeValue, rv reflect.Value) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = c.locateDecodeError(d.dec, item, &panicError{r})
		}
	}()
	rv.SetZero()
	if c.whole || c.wholeDecode || d.decWhole {
		if err := d.dec.Decode(&types.AttributeValueMemberM{Value: item}, rv.Addr().Interface()); err != nil {
			return c.locateDecodeError(d.dec, item, err)
		}
		return nil
	}
	return c.decodeFields(d.dec, item, rv, rv.Addr().UnsafePointer(), true)
}

// decodeFields decodes item into the struct at base, of the plan's type,
// over what it holds (attributevalue zeroes only the top-level struct, as
// the mapper asks); rv is that struct, or the zero Value to make it from
// base when a field needs it. For the item itself (top), an error becomes
// a *ddbcrypt.AttributeError that names the field.
func (c *plan) decodeFields(dec *attributevalue.Decoder, item map[string]types.AttributeValue, rv reflect.Value, base unsafe.Pointer, top bool) error {
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
func (c *plan) fold(name string) int {
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
		storeInt(p, bits, uint64(x)) // two's complement: the bytes of the signed value
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
		storeInt(p, bits, x)
		return true
	}
}

// storeInt stores the low bits of x at p, an integer of the given size in
// bits.
func storeInt(p unsafe.Pointer, bits uintptr, x uint64) {
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
