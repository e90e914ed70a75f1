package codec

// Nesting: values nested deeper than DynamoDB allows are refused before
// attributevalue follows them.

import (
	"fmt"
	"math"
	"reflect"

	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/tags"
)

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
func (c *plan) checkWholeNesting(rv reflect.Value) error {
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
