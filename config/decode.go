package config

// Strict decoding: encoding/json matches field names case-insensitively,
// ignores unknown fields, and its DisallowUnknownFields error does not say
// where the field is. decodeObject decodes one field at a time instead, so
// every error names its JSON path.

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// decodeObject decodes the JSON object raw, found at path, into the struct
// *v. Each key must be the exact `json` tag of a field of *v. Fields of
// struct type, or pointer to struct, are decoded the same way, one level
// down; json.RawMessage fields are kept for the caller to decode.
func decodeObject(path string, raw []byte, v any) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			// The offset only: the text there could be a key.
			return &Error{Path: path, Err: fmt.Errorf("not valid JSON (at byte %d)", syn.Offset)}
		}
		return &Error{Path: path, Err: errors.New("must be a JSON object")}
	}
	sv := reflect.ValueOf(v).Elem()
	index := fieldIndex(sv.Type())
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		p := join(path, name)
		i, ok := index[name]
		if !ok {
			return &Error{Path: p, Err: fmt.Errorf("unknown field (known: %s)", strings.Join(slices.Sorted(maps.Keys(index)), ", "))}
		}
		if err := decodeField(p, fields[name], sv.Field(i)); err != nil {
			return err
		}
	}
	return nil
}

// decodeField decodes raw into the struct field f.
func decodeField(path string, raw json.RawMessage, f reflect.Value) error {
	t := f.Type()
	switch {
	case t.Kind() == reflect.Struct:
		return decodeObject(path, raw, f.Addr().Interface())
	case t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct:
		p := reflect.New(t.Elem())
		if err := decodeObject(path, raw, p.Interface()); err != nil {
			return err
		}
		f.Set(p)
		return nil
	}
	if err := json.Unmarshal(raw, f.Addr().Interface()); err != nil {
		return &Error{Path: path, Err: fmt.Errorf("must be %s", jsonKind(t))}
	}
	return nil
}

// fieldIndex maps the `json` tag names of struct type t to field indexes.
func fieldIndex(t reflect.Type) map[string]int {
	index := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		index[name] = i
	}
	return index
}

// jsonKind says in words what JSON a field of type t takes.
func jsonKind(t reflect.Type) string {
	switch {
	case t.Kind() == reflect.String:
		return "a string"
	case t.Kind() == reflect.Bool:
		return "true or false"
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.String:
		return "an array of strings"
	case t.Kind() == reflect.Map && t.Elem().Kind() == reflect.String:
		return "an object whose values are strings"
	case t.Kind() == reflect.Map:
		return "an object"
	}
	return "a " + t.String()
}

// join appends a field name to a JSON path.
func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}
