package codec

// Errors: they name the attribute, and withhold what may quote the value of
// an encrypted one.

import (
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// locateEncodeError names the field that made attributevalue fail to
// encode the whole struct rv with err: the first that fails alone.
func (c *plan) locateEncodeError(enc *attributevalue.Encoder, rv reflect.Value, err error) error {
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
// decode item into the whole struct with err (or made decoding panic): the
// first, by name, that fails or panics alone. A type's own UnmarshalDynamoDBAttributeValue may fail on
// none of them.
func (c *plan) locateDecodeError(dec *attributevalue.Decoder, item map[string]types.AttributeValue, err error) error {
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
		if ferr := decodeAlone(dec, wrapperType(f.Type, f.Tag), av); ferr != nil {
			return c.fieldError(opUnmarshal, name, f.GoName, f.Type, f.Action == crypto.EncryptAndSign, av, ferr)
		}
	}
	return c.fieldError(opUnmarshal, "", "", nil, c.encrypted, nil, err)
}

// decodeAlone decodes av into a new wrapper of type w, turning a panic
// into a *panicError.
func decodeAlone(dec *attributevalue.Decoder, w reflect.Type, av types.AttributeValue) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{r}
		}
	}()
	return dec.Decode(&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{wrapperName: av}}, reflect.New(w).Interface())
}

// panicError is a panic while unmarshaling a stored value, as an error.
type panicError struct{ value any }

func (e *panicError) Error() string {
	return fmt.Sprintf("the value does not unmarshal (unmarshaling it panicked: %v)", e.value)
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
func (c *plan) fieldError(op, name, goName string, typ reflect.Type, encrypted bool, stored types.AttributeValue, err error) error {
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

func invalidItem(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ddbcrypt.ErrInvalidItem, fmt.Sprintf(format, args...))
}
