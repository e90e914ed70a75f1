package schema

import (
	"fmt"
	"reflect"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/tags"
)

// numberer is what makes attributevalue write a string type as a number
// (json.Number, attributevalue.Number).
type numberer interface {
	Float64() (float64, error)
	Int64() (int64, error)
	String() string
}

var (
	marshalerType = reflect.TypeFor[attributevalue.Marshaler]()
	numbererType  = reflect.TypeFor[numberer]()
	timeType      = reflect.TypeFor[time.Time]()
)

// AsKeyType returns the type DynamoDB would know the attribute by as a
// key: KeyType for a key field, and for any other field what KeyType
// would be had its tag made it a key. It is an error for a field stored
// as neither a string, a number nor binary (a struct, a list, a set, a
// bool, ...).
func (f *Field) AsKeyType() (types.ScalarAttributeType, error) {
	if f.KeyType != "" {
		return f.KeyType, nil
	}
	return keyType(f.Type, f.Tag)
}

// keyType returns the type DynamoDB is told a key attribute has (S, N or
// B): what attributevalue's Encoder, with its default options, writes for
// a field of type t with the tag's options. A type with its own
// MarshalDynamoDBAttributeValue is asked with its zero value.
func keyType(t reflect.Type, tag tags.Tag) (types.ScalarAttributeType, error) {
	t = deref(t)
	if reflect.PointerTo(t).Implements(marshalerType) {
		return marshaledType(t)
	}
	if t.ConvertibleTo(timeType) {
		if tag.AsUnixTime {
			return types.ScalarAttributeTypeN, nil
		}
		return types.ScalarAttributeTypeS, nil // RFC 3339
	}
	switch t.Kind() {
	case reflect.String:
		if !t.Implements(numbererType) || tag.AsString {
			return types.ScalarAttributeTypeS, nil
		}
		return types.ScalarAttributeTypeN, nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		if tag.AsString {
			return types.ScalarAttributeTypeS, nil
		}
		return types.ScalarAttributeTypeN, nil
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return types.ScalarAttributeTypeB, nil
		}
	}
	return "", fmt.Errorf("a key is a string, a number or binary, and a %v is stored as none of them", t)
}

// marshaledType calls the MarshalDynamoDBAttributeValue method of a zero t
// and returns the scalar type of what it writes.
func marshaledType(t reflect.Type) (st types.ScalarAttributeType, err error) {
	defer func() {
		if r := recover(); r != nil {
			st, err = "", fmt.Errorf("%v's MarshalDynamoDBAttributeValue panicked on the zero value, so the key's type cannot be known: %v", t, r)
		}
	}()
	av, err := reflect.New(t).Interface().(attributevalue.Marshaler).MarshalDynamoDBAttributeValue()
	if err != nil {
		return "", fmt.Errorf("%v's MarshalDynamoDBAttributeValue failed on the zero value, so the key's type cannot be known: %v", t, err)
	}
	switch av.(type) {
	case *types.AttributeValueMemberS:
		return types.ScalarAttributeTypeS, nil
	case *types.AttributeValueMemberN:
		return types.ScalarAttributeTypeN, nil
	case *types.AttributeValueMemberB:
		return types.ScalarAttributeTypeB, nil
	}
	return "", fmt.Errorf("a key is a string, a number or binary, and %v's MarshalDynamoDBAttributeValue writes %T for the zero value", t, av)
}
