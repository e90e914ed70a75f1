// Package stream opens DynamoDB Streams records of encrypted items: it turns
// a record — as the SDK's dynamodbstreams client reads it, or as AWS Lambda
// delivers it (aws-lambda-go's events.DynamoDBEventRecord) — into the
// DynamoDB attribute values the engine works on, and verifies and decrypts
// its images through the engine's table. It is the one path behind
// encrypted.Client's DecryptStreamRecord and DecryptEventRecord and
// mapper.Table's DecodeStreamRecord.
//
// A stream record is not authenticated as a whole: only each image's
// signature is. So before an image is verified, the record must agree with
// itself and with the table it is opened for: the table its event source
// ARN names is that table, each image has the primary key the record's Keys
// give, and an INSERT carries no old image, a REMOVE no new one.
package stream

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strconv"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/engine"
)

// MaxDepth is how deeply lists and maps may nest in an image: DynamoDB's
// own limit of 32 levels.
const MaxDepth = 32

// The event names of a stream record.
const (
	Insert = "INSERT"
	Modify = "MODIFY"
	Remove = "REMOVE"
)

// Record is a stream record with its attribute values converted to the
// DynamoDB API's types.
type Record struct {
	// Table is the name of the table the record's event source ARN names,
	// or "" when the record does not say (an SDK StreamRecord).
	Table string
	// Event is INSERT, MODIFY or REMOVE, or "" when the record does not
	// say (an SDK StreamRecord).
	Event string
	// ID identifies the record in messages: its event ID or sequence
	// number, or "".
	ID string
	// Keys is the primary key of the item; NewImage and OldImage are nil
	// when the stream's view type does not carry them.
	Keys, NewImage, OldImage map[string]types.AttributeValue
}

// FromEvent converts a record as AWS Lambda delivers it. The table is the
// one its event source ARN names (TableName); the event name must be one
// of INSERT, MODIFY and REMOVE. Attribute values are converted exactly:
// numbers keep their text, binary values and sets their bytes and order.
func FromEvent(rec events.DynamoDBEventRecord) (*Record, error) {
	table, err := TableName(rec.EventSourceArn)
	if err != nil {
		return nil, err
	}
	r := &Record{Table: table, Event: rec.EventName, ID: rec.EventID}
	switch rec.EventName {
	case Insert, Modify, Remove:
	default:
		return nil, r.invalid("the event name is %q, not INSERT, MODIFY or REMOVE", rec.EventName)
	}
	if err := r.convert(func(which string) (map[string]types.AttributeValue, error) {
		return convertItem(which, eventImage(rec.Change, which), fromEvent)
	}); err != nil {
		return nil, err
	}
	return r, nil
}

// FromSDK converts a record as the SDK's dynamodbstreams client reads it.
// Such a record names neither its table nor its event: the caller names
// the table.
func FromSDK(sr *streams.StreamRecord) (*Record, error) {
	if sr == nil {
		return nil, fmt.Errorf("%w: nil stream record", ddbcrypt.ErrInvalidItem)
	}
	r := &Record{}
	if sr.SequenceNumber != nil {
		r.ID = *sr.SequenceNumber
	}
	if err := r.convert(func(which string) (map[string]types.AttributeValue, error) {
		return convertItem(which, sdkImage(sr, which), fromSDK)
	}); err != nil {
		return nil, err
	}
	return r, nil
}

// The parts of a record that hold attribute values.
const (
	keysPart     = "Keys"
	newImagePart = "NewImage"
	oldImagePart = "OldImage"
)

// convert sets the record's keys and images from the converted parts.
func (r *Record) convert(part func(which string) (map[string]types.AttributeValue, error)) error {
	for _, p := range []struct {
		which string
		to    *map[string]types.AttributeValue
	}{{keysPart, &r.Keys}, {newImagePart, &r.NewImage}, {oldImagePart, &r.OldImage}} {
		item, err := part(p.which)
		if err != nil {
			return r.wrap(err)
		}
		*p.to = item
	}
	return nil
}

func eventImage(c events.DynamoDBStreamRecord, which string) map[string]events.DynamoDBAttributeValue {
	switch which {
	case keysPart:
		return c.Keys
	case newImagePart:
		return c.NewImage
	}
	return c.OldImage
}

func sdkImage(sr *streams.StreamRecord, which string) map[string]streams.AttributeValue {
	switch which {
	case keysPart:
		return sr.Keys
	case newImagePart:
		return sr.NewImage
	}
	return sr.OldImage
}

// Decrypt verifies and decrypts the record's images as items of table t;
// an image the record does not carry stays nil. The record must agree
// with itself and with t first:
//
//   - a record whose ARN names another table than t's is refused
//     (ddbcrypt.ErrInvalidItem), before any image is verified;
//   - a record with an image must have Keys (ddbcrypt.ErrInvalidItem);
//   - an INSERT with an old image, or a REMOVE with a new one, is refused
//     (ddbcrypt.ErrInvalidItem);
//   - an image whose primary key is not the record's Keys is an
//     *ddbcrypt.ItemError wrapping ddbcrypt.ErrIntegrity, however valid
//     it is: a record must not pass off one item as another.
//
// An image that does not verify is the engine's error: an
// *ddbcrypt.ItemError naming the table and key and wrapping
// ddbcrypt.ErrIntegrity.
func (r *Record) Decrypt(ctx context.Context, t *engine.Table) (newImage, oldImage map[string]types.AttributeValue, err error) {
	if err := r.check(t); err != nil {
		return nil, nil, err
	}
	if newImage, err = r.open(ctx, t, newImagePart, r.NewImage); err != nil {
		return nil, nil, err
	}
	if oldImage, err = r.open(ctx, t, oldImagePart, r.OldImage); err != nil {
		return nil, nil, err
	}
	return newImage, oldImage, nil
}

// check refuses a record that does not agree with itself or with t.
func (r *Record) check(t *engine.Table) error {
	if name := t.Info().Name; r.Table != "" && r.Table != name {
		return r.invalid("the record is of table %s, not %s", r.Table, name)
	}
	hasImage := r.NewImage != nil || r.OldImage != nil
	switch {
	case hasImage && len(r.Keys) == 0:
		return r.invalid("the record has an image but no Keys")
	case r.Event == Insert && r.OldImage != nil:
		return r.invalid("an INSERT record has an OldImage")
	case r.Event == Remove && r.NewImage != nil:
		return r.invalid("a REMOVE record has a NewImage")
	}
	return nil
}

// open checks that an image has the record's key, then verifies and
// decrypts it.
func (r *Record) open(ctx context.Context, t *engine.Table, which string, image map[string]types.AttributeValue) (map[string]types.AttributeValue, error) {
	if image == nil {
		return nil, nil
	}
	info := t.Info()
	var item map[string]types.AttributeValue
	var err error
	if info.SameKey(r.Keys, image) {
		item, err = t.Decrypt(ctx, image)
	} else {
		err = &ddbcrypt.ItemError{Table: t.Name(), Key: info.PrimaryKey(r.Keys),
			Err: fmt.Errorf("%w: its key is %s, not the record's Keys", ddbcrypt.ErrIntegrity, ddbcrypt.FormatKey(info.PrimaryKey(image)))}
	}
	if err != nil {
		return nil, r.wrap(fmt.Errorf("%s: %w", which, err))
	}
	return item, nil
}

// invalid builds the error for a record that cannot be opened as given.
func (r *Record) invalid(format string, args ...any) error {
	return r.wrap(fmt.Errorf("%w: %s", ddbcrypt.ErrInvalidItem, fmt.Sprintf(format, args...)))
}

// wrap says which record err is about, and its table unless err names
// an item (and so the table) already.
func (r *Record) wrap(err error) error {
	table := r.Table
	if _, ok := errors.AsType[*ddbcrypt.ItemError](err); ok {
		table = ""
	}
	switch {
	case r.ID != "" && table != "":
		return fmt.Errorf("stream record %s of table %s: %w", r.ID, table, err)
	case r.ID != "":
		return fmt.Errorf("stream record %s: %w", r.ID, err)
	case table != "":
		return fmt.Errorf("stream record of table %s: %w", table, err)
	}
	return fmt.Errorf("stream record: %w", err)
}

// convertItem converts one part of a record (which: Keys, NewImage or
// OldImage); nil stays nil. Errors name the part and the attribute.
func convertItem[V any](which string, item map[string]V, value func(V, int) (types.AttributeValue, error)) (map[string]types.AttributeValue, error) {
	if item == nil {
		return nil, nil
	}
	out := make(map[string]types.AttributeValue, len(item))
	for name, av := range item {
		v, err := value(av, 0)
		if err != nil {
			var pe *pathError
			if errors.As(err, &pe) {
				pe.path = name + pe.path
			}
			return nil, fmt.Errorf("%s: %w", which, &ddbcrypt.AttributeError{Attribute: name, Err: err})
		}
		out[name] = v
	}
	return out, nil
}

// convertList and convertMap convert the elements of a list or a map at
// depth (the top-level value is at 0), refusing nesting deeper than
// MaxDepth.
func convertList[V any](l []V, depth int, value func(V, int) (types.AttributeValue, error)) (types.AttributeValue, error) {
	out := make([]types.AttributeValue, len(l))
	for i, el := range l {
		v, err := nested(el, depth, value)
		if err != nil {
			return nil, at("["+strconv.Itoa(i)+"]", err)
		}
		out[i] = v
	}
	return &types.AttributeValueMemberL{Value: out}, nil
}

func convertMap[V any](m map[string]V, depth int, value func(V, int) (types.AttributeValue, error)) (types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(m))
	for k, el := range m {
		v, err := nested(el, depth, value)
		if err != nil {
			return nil, at("."+k, err)
		}
		out[k] = v
	}
	return &types.AttributeValueMemberM{Value: out}, nil
}

func nested[V any](el V, depth int, value func(V, int) (types.AttributeValue, error)) (types.AttributeValue, error) {
	if depth+1 > MaxDepth {
		return nil, fmt.Errorf("%w: lists and maps nested deeper than %d levels", ddbcrypt.ErrInvalidItem, MaxDepth)
	}
	return value(el, depth+1)
}

// pathError says where in a nested value an error is: path is appended to
// the attribute's name (".a[2].b").
type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string { return "at " + e.path + ": " + e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }

// at puts segment in front of the path of err.
func at(segment string, err error) error {
	if pe, ok := errors.AsType[*pathError](err); ok {
		pe.path = segment + pe.path
		return err
	}
	return &pathError{path: segment, err: err}
}

// fromEvent converts one of aws-lambda-go's attribute values. Its accessors
// panic on a value of another type, so each is called only for the type
// the value says it has; a value holding nothing (the zero
// DynamoDBAttributeValue) is an error.
func fromEvent(av events.DynamoDBAttributeValue, depth int) (types.AttributeValue, error) {
	dt := av.DataType()
	if dt == events.DataTypeNull {
		return &types.AttributeValueMemberNULL{Value: true}, nil
	}
	if av.IsNull() {
		return nil, fmt.Errorf("%w: an attribute value of type %s holds no value", ddbcrypt.ErrInvalidItem, dataTypeName(dt))
	}
	switch dt {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: av.String()}, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: av.Number()}, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: av.Binary()}, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: av.Boolean()}, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: av.StringSet()}, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: av.NumberSet()}, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: av.BinarySet()}, nil
	case events.DataTypeList:
		return convertList(av.List(), depth, fromEvent)
	case events.DataTypeMap:
		return convertMap(av.Map(), depth, fromEvent)
	}
	return nil, fmt.Errorf("%w: unsupported attribute value type %s", ddbcrypt.ErrInvalidItem, dataTypeName(dt))
}

// dataTypeName names an aws-lambda-go data type as DynamoDB does.
func dataTypeName(dt events.DynamoDBDataType) string {
	names := [...]string{
		events.DataTypeBinary: "B", events.DataTypeBoolean: "BOOL", events.DataTypeBinarySet: "BS",
		events.DataTypeList: "L", events.DataTypeMap: "M", events.DataTypeNumber: "N", events.DataTypeNumberSet: "NS",
		events.DataTypeNull: "NULL", events.DataTypeString: "S", events.DataTypeStringSet: "SS",
	}
	if dt >= 0 && int(dt) < len(names) {
		return names[dt]
	}
	return "#" + strconv.Itoa(int(dt))
}

// fromSDK converts one of the Streams service's attribute values: the two
// services have their own, identical, attribute value types. A nil value,
// or a nil member such as (*streams.AttributeValueMemberS)(nil) in a
// record built by hand, is an error, not a panic.
func fromSDK(av streams.AttributeValue, depth int) (types.AttributeValue, error) {
	if v := reflect.ValueOf(av); !v.IsValid() || v.Kind() == reflect.Pointer && v.IsNil() {
		return nil, fmt.Errorf("%w: a nil attribute value %T", ddbcrypt.ErrInvalidItem, av)
	}
	switch v := av.(type) {
	case *streams.AttributeValueMemberS:
		return &types.AttributeValueMemberS{Value: v.Value}, nil
	case *streams.AttributeValueMemberN:
		return &types.AttributeValueMemberN{Value: v.Value}, nil
	case *streams.AttributeValueMemberB:
		return &types.AttributeValueMemberB{Value: v.Value}, nil
	case *streams.AttributeValueMemberBOOL:
		return &types.AttributeValueMemberBOOL{Value: v.Value}, nil
	case *streams.AttributeValueMemberSS:
		return &types.AttributeValueMemberSS{Value: v.Value}, nil
	case *streams.AttributeValueMemberNS:
		return &types.AttributeValueMemberNS{Value: v.Value}, nil
	case *streams.AttributeValueMemberBS:
		return &types.AttributeValueMemberBS{Value: v.Value}, nil
	case *streams.AttributeValueMemberNULL:
		return &types.AttributeValueMemberNULL{Value: v.Value}, nil
	case *streams.AttributeValueMemberL:
		return convertList(v.Value, depth, fromSDK)
	case *streams.AttributeValueMemberM:
		return convertMap(v.Value, depth, fromSDK)
	}
	return nil, fmt.Errorf("%w: unsupported stream attribute value %T", ddbcrypt.ErrInvalidItem, av)
}
