package stream_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/stream"
	"github.com/ddbcrypt/ddbcrypt/internal/stream/streamtest"
	"github.com/google/go-cmp/cmp"
)

// FuzzFromEvent feeds FromEvent whatever aws-lambda-go makes of a record's
// JSON, which comes from outside: it must fail with ErrInvalidItem alone,
// or convert every attribute exactly as refEvent does. FromSDK must convert
// the same values, as the Streams API would carry them, the same way.
func FuzzFromEvent(f *testing.F) {
	all := map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "a"}, "n": &types.AttributeValueMemberN{Value: "1E+3"},
		"b": &types.AttributeValueMemberB{Value: []byte{0, 255}}, "eb": &types.AttributeValueMemberB{Value: []byte{}},
		"t": &types.AttributeValueMemberBOOL{Value: true}, "null": &types.AttributeValueMemberNULL{Value: true},
		"ss": &types.AttributeValueMemberSS{Value: []string{"b", "a", "b"}}, "ns": &types.AttributeValueMemberNS{Value: []string{"2.0", "x"}},
		"bs": &types.AttributeValueMemberBS{Value: [][]byte{{1}, {}}},
		"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberN{Value: "1"}, &types.AttributeValueMemberL{}, &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
		}},
		"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"inner": &types.AttributeValueMemberSS{Value: []string{"z"}}}},
	}
	keys := map[string]types.AttributeValue{"pk": all["pk"]}
	ev := streamtest.Event(f,
		streamtest.Record{Table: "orders", Event: stream.Insert, Keys: keys, NewImage: all},
		streamtest.Record{Table: "orders", Event: stream.Modify, Keys: keys, NewImage: all, OldImage: keys},
		streamtest.Record{Table: "orders", Event: stream.Remove, Keys: keys, OldImage: all},
		streamtest.Record{Table: "x", Event: "UPDATE", ARN: "arn:aws:dynamodb:us-east-1:123456789012:table/x"},
	)
	for _, rec := range ev.Records {
		b, err := json.Marshal(rec)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var rec events.DynamoDBEventRecord
		if lambdaPanics(func() { _ = json.Unmarshal(b, &rec) }) {
			return // aws-lambda-go's own panic: a Lambda handler never gets the record
		}
		// Even after an error, rec holds what aws-lambda-go made of the
		// JSON so far: FromEvent must take that too.
		r, err := stream.FromEvent(rec)
		_, arnErr := stream.TableName(rec.EventSourceArn)
		eventOK := rec.EventName == stream.Insert || rec.EventName == stream.Modify || rec.EventName == stream.Remove
		parts := map[string]map[string]events.DynamoDBAttributeValue{
			"Keys": rec.Change.Keys, "NewImage": rec.Change.NewImage, "OldImage": rec.Change.OldImage,
		}
		want, refErr := refRecord(parts)
		if err != nil {
			checkKind(t, err)
			if r != nil {
				t.Fatalf("FromEvent returned a record with the error %v", err)
			}
			if arnErr == nil && eventOK && refErr == nil {
				t.Fatalf("FromEvent: %v; the record is fine", err)
			}
			if arnErr == nil && eventOK {
				var ae *ddbcrypt.AttributeError
				if !errors.As(err, &ae) {
					t.Fatalf("FromEvent: %v names no attribute", err)
				}
			}
			return
		}
		if arnErr != nil || !eventOK || refErr != nil {
			t.Fatalf("FromEvent converts a record it must refuse (ARN %v, event %q, %v)", arnErr, rec.EventName, refErr)
		}
		got := map[string]map[string]types.AttributeValue{"Keys": r.Keys, "NewImage": r.NewImage, "OldImage": r.OldImage}
		if d := cmp.Diff(want, got, allFields); d != "" {
			t.Fatalf("FromEvent differs from the reference (-want +got):\n%s", d)
		}
		if r.Event != rec.EventName || r.ID != rec.EventID {
			t.Fatalf("FromEvent: event %q, ID %q; want %q, %q", r.Event, r.ID, rec.EventName, rec.EventID)
		}

		// The same values as the Streams API carries them.
		sr := &streams.StreamRecord{Keys: sdkItem(rec.Change.Keys), NewImage: sdkItem(rec.Change.NewImage), OldImage: sdkItem(rec.Change.OldImage)}
		rs, err := stream.FromSDK(sr)
		if err != nil {
			t.Fatalf("FromSDK: %v", err)
		}
		gotSDK := map[string]map[string]types.AttributeValue{"Keys": rs.Keys, "NewImage": rs.NewImage, "OldImage": rs.OldImage}
		if d := cmp.Diff(want, gotSDK, allFields); d != "" {
			t.Fatalf("FromSDK differs from the reference (-want +got):\n%s", d)
		}
	})
}

// lambdaPanics runs f and reports whether it panicked.
func lambdaPanics(f func()) (panicked bool) {
	defer func() { panicked = recover() != nil }()
	f()
	return false
}

// checkKind fails unless err wraps ErrInvalidItem and no other kind.
func checkKind(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ddbcrypt.ErrInvalidItem) {
		t.Fatalf("error %v: not ErrInvalidItem", err)
	}
	for _, k := range []error{ddbcrypt.ErrIntegrity, ddbcrypt.ErrInvalidConfig, ddbcrypt.ErrKeyService, ddbcrypt.ErrNotFound, ddbcrypt.ErrConditionFailed, ddbcrypt.ErrDynamoDB} {
		if errors.Is(err, k) {
			t.Fatalf("error %v: wraps %v too", err, k)
		}
	}
}

// refRecord converts the parts of a record plainly, without FromEvent's
// code: a nil part stays nil. It fails where a value holds nothing or
// nests deeper than stream.MaxDepth.
func refRecord(parts map[string]map[string]events.DynamoDBAttributeValue) (map[string]map[string]types.AttributeValue, error) {
	out := map[string]map[string]types.AttributeValue{}
	for which, item := range parts {
		if item == nil {
			out[which] = nil
			continue
		}
		out[which] = map[string]types.AttributeValue{}
		for name, av := range item {
			v, depth, err := refEvent(av)
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", which, name, err)
			}
			if depth > stream.MaxDepth {
				return nil, fmt.Errorf("%s.%s: nested %d deep", which, name, depth)
			}
			out[which][name] = v
		}
	}
	return out, nil
}

// refEvent converts av and returns how deeply lists and maps nest in it
// (0 for a scalar).
func refEvent(av events.DynamoDBAttributeValue) (types.AttributeValue, int, error) {
	if av.DataType() == events.DataTypeNull {
		return &types.AttributeValueMemberNULL{Value: true}, 0, nil
	}
	if av.IsNull() {
		return nil, 0, errors.New("holds no value")
	}
	switch av.DataType() {
	case events.DataTypeString:
		return &types.AttributeValueMemberS{Value: av.String()}, 0, nil
	case events.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: av.Number()}, 0, nil
	case events.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: av.Binary()}, 0, nil
	case events.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: av.Boolean()}, 0, nil
	case events.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: av.StringSet()}, 0, nil
	case events.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: av.NumberSet()}, 0, nil
	case events.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: av.BinarySet()}, 0, nil
	case events.DataTypeList:
		l := &types.AttributeValueMemberL{Value: []types.AttributeValue{}}
		depth := 0
		for _, e := range av.List() {
			v, d, err := refEvent(e)
			if err != nil {
				return nil, 0, err
			}
			l.Value = append(l.Value, v)
			depth = max(depth, d)
		}
		return l, depth + 1, nil
	case events.DataTypeMap:
		m := &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}
		depth := 0
		for k, e := range av.Map() {
			v, d, err := refEvent(e)
			if err != nil {
				return nil, 0, err
			}
			m.Value[k] = v
			depth = max(depth, d)
		}
		return m, depth + 1, nil
	}
	return nil, 0, fmt.Errorf("data type %d", av.DataType())
}

// sdkItem and sdkValue give the Streams API's form of values refEvent
// converts.
func sdkItem(item map[string]events.DynamoDBAttributeValue) map[string]streams.AttributeValue {
	if item == nil {
		return nil
	}
	out := map[string]streams.AttributeValue{}
	for name, av := range item {
		out[name] = sdkValue(av)
	}
	return out
}

func sdkValue(av events.DynamoDBAttributeValue) streams.AttributeValue {
	switch av.DataType() {
	case events.DataTypeString:
		return &streams.AttributeValueMemberS{Value: av.String()}
	case events.DataTypeNumber:
		return &streams.AttributeValueMemberN{Value: av.Number()}
	case events.DataTypeBinary:
		return &streams.AttributeValueMemberB{Value: av.Binary()}
	case events.DataTypeBoolean:
		return &streams.AttributeValueMemberBOOL{Value: av.Boolean()}
	case events.DataTypeStringSet:
		return &streams.AttributeValueMemberSS{Value: av.StringSet()}
	case events.DataTypeNumberSet:
		return &streams.AttributeValueMemberNS{Value: av.NumberSet()}
	case events.DataTypeBinarySet:
		return &streams.AttributeValueMemberBS{Value: av.BinarySet()}
	case events.DataTypeList:
		l := &streams.AttributeValueMemberL{Value: []streams.AttributeValue{}}
		for _, e := range av.List() {
			l.Value = append(l.Value, sdkValue(e))
		}
		return l
	case events.DataTypeMap:
		m := &streams.AttributeValueMemberM{Value: map[string]streams.AttributeValue{}}
		for k, e := range av.Map() {
			m.Value[k] = sdkValue(e)
		}
		return m
	}
	return &streams.AttributeValueMemberNULL{Value: true}
}

// TestFromSDKRefusesNilMembers: a nil member such as
// (*streams.AttributeValueMemberS)(nil), or a nil value, anywhere in a
// record built by hand is an ErrInvalidItem naming the attribute, not a
// panic.
func TestFromSDKRefusesNilMembers(t *testing.T) {
	for _, av := range []streams.AttributeValue{
		nil,
		(*streams.AttributeValueMemberS)(nil), (*streams.AttributeValueMemberN)(nil), (*streams.AttributeValueMemberB)(nil),
		(*streams.AttributeValueMemberBOOL)(nil), (*streams.AttributeValueMemberNULL)(nil), (*streams.AttributeValueMemberSS)(nil),
		(*streams.AttributeValueMemberNS)(nil), (*streams.AttributeValueMemberBS)(nil), (*streams.AttributeValueMemberL)(nil),
		(*streams.AttributeValueMemberM)(nil), (*streams.UnknownUnionMember)(nil),
	} {
		for _, wrapped := range []streams.AttributeValue{
			av,
			&streams.AttributeValueMemberL{Value: []streams.AttributeValue{&streams.AttributeValueMemberS{Value: "ok"}, av}},
			&streams.AttributeValueMemberM{Value: map[string]streams.AttributeValue{"k": av}},
		} {
			var err error
			if lambdaPanics(func() {
				_, err = stream.FromSDK(&streams.StreamRecord{Keys: map[string]streams.AttributeValue{"attr": wrapped}})
			}) {
				t.Errorf("FromSDK of %#v panics", wrapped)
				continue
			}
			var ae *ddbcrypt.AttributeError
			if !errors.Is(err, ddbcrypt.ErrInvalidItem) || !errors.As(err, &ae) || ae.Attribute != "attr" {
				t.Errorf("FromSDK of %#v: %v; want ErrInvalidItem naming \"attr\"", wrapped, err)
			}
		}
	}
}
