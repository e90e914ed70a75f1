package vectors

// DynamoDB JSON (docs/format.md 9.1) and value comparison for the vectors.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/internal/number"
)

// UnmarshalAttribute parses one attribute value in DynamoDB JSON, e.g.
// {"N": "5"} or {"BS": ["AAE="]}. Exactly one type key is allowed, so that a
// typo in a vector file fails loudly instead of being dropped.
func UnmarshalAttribute(data []byte) (types.AttributeValue, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("attribute value: %w", err)
	}
	if len(obj) != 1 {
		return nil, fmt.Errorf("attribute value: want exactly one type key, got %d in %s", len(obj), data)
	}
	for tag, raw := range obj {
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			// encoding/json would read it as "", an empty set or false.
			return nil, fmt.Errorf("attribute value %s: null is no value (DynamoDB JSON writes {\"NULL\": true} for one)", tag)
		}
		av, err := unmarshalTagged(tag, raw)
		if err != nil {
			return nil, fmt.Errorf("attribute value %s: %w", tag, err)
		}
		return av, nil
	}
	panic("unreachable")
}

func unmarshalTagged(tag string, raw json.RawMessage) (types.AttributeValue, error) {
	switch tag {
	case "S":
		var s string
		err := json.Unmarshal(raw, &s)
		return &types.AttributeValueMemberS{Value: s}, err
	case "N":
		var s string
		err := json.Unmarshal(raw, &s)
		return &types.AttributeValueMemberN{Value: s}, err
	case "B":
		b, err := unmarshalBinary(raw)
		return &types.AttributeValueMemberB{Value: b}, err
	case "SS":
		var ss []string
		err := json.Unmarshal(raw, &ss)
		return &types.AttributeValueMemberSS{Value: ss}, err
	case "NS":
		var ns []string
		err := json.Unmarshal(raw, &ns)
		return &types.AttributeValueMemberNS{Value: ns}, err
	case "BS":
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, err
		}
		bs := make([][]byte, len(list))
		for i, r := range list {
			b, err := unmarshalBinary(r)
			if err != nil {
				return nil, err
			}
			bs[i] = b
		}
		return &types.AttributeValueMemberBS{Value: bs}, nil
	case "BOOL":
		var b bool
		err := json.Unmarshal(raw, &b)
		return &types.AttributeValueMemberBOOL{Value: b}, err
	case "NULL":
		var b bool
		err := json.Unmarshal(raw, &b)
		return &types.AttributeValueMemberNULL{Value: b}, err
	case "L":
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, err
		}
		l := make([]types.AttributeValue, len(list))
		for i, r := range list {
			av, err := UnmarshalAttribute(r)
			if err != nil {
				return nil, err
			}
			l[i] = av
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	case "M":
		m, err := UnmarshalItem(raw)
		return &types.AttributeValueMemberM{Value: m}, err
	}
	return nil, fmt.Errorf("unknown type key %q", tag)
}

func unmarshalBinary(raw json.RawMessage) ([]byte, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, err
	}
	return base64.StdEncoding.DecodeString(s)
}

// UnmarshalItem parses an item (attribute name → DynamoDB JSON value).
func UnmarshalItem(data []byte) (map[string]types.AttributeValue, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("item: %w", err)
	}
	item := make(map[string]types.AttributeValue, len(obj))
	for name, raw := range obj {
		av, err := UnmarshalAttribute(raw)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", name, err)
		}
		item[name] = av
	}
	return item, nil
}

// jsonValue returns av as a tree of plain Go values that encoding/json writes
// as DynamoDB JSON, with map keys sorted.
func jsonValue(av types.AttributeValue) (any, error) {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": v.Value}, nil
	case *types.AttributeValueMemberN:
		return map[string]any{"N": v.Value}, nil
	case *types.AttributeValueMemberB:
		return map[string]any{"B": base64.StdEncoding.EncodeToString(v.Value)}, nil
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": nonNil(v.Value)}, nil
	case *types.AttributeValueMemberNS:
		return map[string]any{"NS": nonNil(v.Value)}, nil
	case *types.AttributeValueMemberBS:
		bs := make([]string, len(v.Value))
		for i, b := range v.Value {
			bs[i] = base64.StdEncoding.EncodeToString(b)
		}
		return map[string]any{"BS": bs}, nil
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}, nil
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": v.Value}, nil
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			j, err := jsonValue(e)
			if err != nil {
				return nil, err
			}
			l[i] = j
		}
		return map[string]any{"L": l}, nil
	case *types.AttributeValueMemberM:
		m, err := jsonItem(v.Value)
		if err != nil {
			return nil, err
		}
		return map[string]any{"M": m}, nil
	}
	return nil, fmt.Errorf("cannot write attribute value of type %T as DynamoDB JSON", av)
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func jsonItem(item map[string]types.AttributeValue) (map[string]any, error) {
	m := make(map[string]any, len(item))
	for name, av := range item {
		j, err := jsonValue(av)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", name, err)
		}
		m[name] = j
	}
	return m, nil
}

// MarshalAttribute writes av as DynamoDB JSON, map keys sorted.
func MarshalAttribute(av types.AttributeValue) ([]byte, error) {
	j, err := jsonValue(av)
	if err != nil {
		return nil, err
	}
	return marshalJSON(j, "")
}

// MarshalItem writes item as a JSON object of DynamoDB JSON values, keys
// sorted.
func MarshalItem(item map[string]types.AttributeValue) ([]byte, error) {
	j, err := jsonItem(item)
	if err != nil {
		return nil, err
	}
	return marshalJSON(j, "")
}

// marshalJSON is json.Marshal without HTML escaping (vector files hold
// arbitrary strings) and with optional indentation.
func marshalJSON(v any, indent string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if indent != "" {
		enc.SetIndent("", indent)
	}
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Canonical returns a plain Go value (maps, slices, strings, bools) that is
// equal under reflect.DeepEqual or go-cmp exactly when two attribute values
// are equal as the vectors mean it: set members in any order, numbers by
// value. Its JSON form is readable DynamoDB JSON, so it also serves in
// failure messages and diffs.
func Canonical(av types.AttributeValue) any {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": v.Value}
	case *types.AttributeValueMemberN:
		return map[string]any{"N": CanonicalNumber(v.Value)}
	case *types.AttributeValueMemberB:
		return map[string]any{"B": base64.StdEncoding.EncodeToString(v.Value)}
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": sorted(slices.Clone(v.Value))}
	case *types.AttributeValueMemberNS:
		ns := make([]string, len(v.Value))
		for i, n := range v.Value {
			ns[i] = CanonicalNumber(n)
		}
		return map[string]any{"NS": sorted(ns)}
	case *types.AttributeValueMemberBS:
		bs := make([]string, len(v.Value))
		for i, b := range v.Value {
			bs[i] = base64.StdEncoding.EncodeToString(b)
		}
		return map[string]any{"BS": sorted(bs)}
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": v.Value}
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = Canonical(e)
		}
		return map[string]any{"L": l}
	case *types.AttributeValueMemberM:
		return map[string]any{"M": CanonicalItem(v.Value)}
	}
	return map[string]any{"unsupported": fmt.Sprintf("%T", av)}
}

// CanonicalItem applies Canonical to every attribute of item.
func CanonicalItem(item map[string]types.AttributeValue) map[string]any {
	m := make(map[string]any, len(item))
	for name, av := range item {
		m[name] = Canonical(av)
	}
	return m
}

func sorted(s []string) []string {
	if s == nil {
		return []string{}
	}
	slices.Sort(s)
	return s
}

// Equal reports whether two attribute values are equal with sets compared
// without order and numbers by value.
func Equal(a, b types.AttributeValue) bool {
	return reflect.DeepEqual(Canonical(a), Canonical(b))
}

// describe renders a canonical value compactly for a failure message.
func describe(v any) string {
	b, err := marshalJSON(v, "")
	if err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(string(b))
}

// CanonicalNumber returns a form of the DynamoDB number text n that is equal
// for equal values ("007.50" and "7.5e0" both give "7.5"): the canonical form
// of package number. Text that is not a number is returned marked as such,
// so it still compares by its exact text.
func CanonicalNumber(n string) string {
	c, err := number.Canonical(n)
	if err != nil {
		return "invalid number " + strconv.Quote(n)
	}
	return c
}

// sortedKeys returns the keys of m in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
