package stream_test

import (
	"encoding/json"
	"errors"
	"maps"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/engine"
	"github.com/ddbcrypt/ddbcrypt/internal/stream"
	"github.com/ddbcrypt/ddbcrypt/internal/stream/streamtest"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/google/go-cmp/cmp"
)

// allFields compares the SDK's attribute values, whose structs have an
// unexported (empty) field.
var allFields = cmp.Exporter(func(reflect.Type) bool { return true })

// A record exactly as Lambda sends it, with every kind of attribute value,
// converts to exactly these values: numbers keep their text, sets their
// order, binary values their bytes (empty ones too).
func TestFromEventConvertsEveryType(t *testing.T) {
	const event = `{"Records": [{
		"eventID": "e1", "eventName": "MODIFY", "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": "eu-west-1",
		"eventSourceARN": "arn:aws:dynamodb:eu-west-1:123456789012:table/orders/stream/2024-05-01T12:34:56.789",
		"dynamodb": {
			"ApproximateCreationDateTime": 1714566896,
			"Keys": {"pk": {"S": "a"}, "sk": {"N": "1"}},
			"NewImage": {
				"s": {"S": "text"}, "empty": {"S": ""},
				"n": {"N": "1.50"}, "neg": {"N": "-0"}, "exp": {"N": "1E+3"}, "big": {"N": "123456789012345678901234567890123456789"},
				"b": {"B": "AAEC/w=="}, "eb": {"B": ""},
				"t": {"BOOL": true}, "f": {"BOOL": false}, "null": {"NULL": true},
				"ss": {"SS": ["b", "a"]}, "ns": {"NS": ["2.0", "1"]}, "bs": {"BS": ["AQ==", "AA=="]},
				"l": {"L": [{"N": "1"}, {"S": "x"}, {"L": []}, {"M": {}}, {"NULL": true}]},
				"m": {"M": {"inner": {"M": {"deep": {"SS": ["z"]}}}, "list": {"L": [{"B": "/w=="}]}}}
			},
			"SequenceNumber": "111", "SizeBytes": 26, "StreamViewType": "NEW_AND_OLD_IMAGES"
		}
	}]}`
	var ev events.DynamoDBEvent
	if err := json.Unmarshal([]byte(event), &ev); err != nil {
		t.Fatal(err)
	}
	r, err := stream.FromEvent(ev.Records[0])
	if err != nil {
		t.Fatalf("FromEvent: %v", err)
	}
	want := map[string]types.AttributeValue{
		"s": &types.AttributeValueMemberS{Value: "text"}, "empty": &types.AttributeValueMemberS{Value: ""},
		"n": &types.AttributeValueMemberN{Value: "1.50"}, "neg": &types.AttributeValueMemberN{Value: "-0"},
		"exp": &types.AttributeValueMemberN{Value: "1E+3"}, "big": &types.AttributeValueMemberN{Value: "123456789012345678901234567890123456789"},
		"b": &types.AttributeValueMemberB{Value: []byte{0, 1, 2, 255}}, "eb": &types.AttributeValueMemberB{Value: []byte{}},
		"t": &types.AttributeValueMemberBOOL{Value: true}, "f": &types.AttributeValueMemberBOOL{Value: false},
		"null": &types.AttributeValueMemberNULL{Value: true},
		"ss":   &types.AttributeValueMemberSS{Value: []string{"b", "a"}},
		"ns":   &types.AttributeValueMemberNS{Value: []string{"2.0", "1"}},
		"bs":   &types.AttributeValueMemberBS{Value: [][]byte{{1}, {0}}},
		"l": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberN{Value: "1"}, &types.AttributeValueMemberS{Value: "x"},
			&types.AttributeValueMemberL{Value: []types.AttributeValue{}}, &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
			&types.AttributeValueMemberNULL{Value: true},
		}},
		"m": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"inner": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"deep": &types.AttributeValueMemberSS{Value: []string{"z"}}}},
			"list":  &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberB{Value: []byte{255}}}},
		}},
	}
	if diff := cmp.Diff(want, r.NewImage, allFields); diff != "" {
		t.Errorf("NewImage (-want +got):\n%s", diff)
	}
	wantKeys := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}, "sk": &types.AttributeValueMemberN{Value: "1"}}
	if diff := cmp.Diff(wantKeys, r.Keys, allFields); diff != "" {
		t.Errorf("Keys (-want +got):\n%s", diff)
	}
	if r.OldImage != nil || r.Table != "orders" || r.Event != "MODIFY" || r.ID != "e1" {
		t.Errorf("record = table %q, event %q, ID %q, old image %v; want orders, MODIFY, e1, nil", r.Table, r.Event, r.ID, r.OldImage)
	}
}

// nestedEvent and nestedSDK return a string wrapped in n lists.
func nestedEvent(n int) events.DynamoDBAttributeValue {
	v := events.NewStringAttribute("x")
	for range n {
		v = events.NewListAttribute([]events.DynamoDBAttributeValue{v})
	}
	return v
}

func nestedSDK(n int) streams.AttributeValue {
	var v streams.AttributeValue = &streams.AttributeValueMemberS{Value: "x"}
	for range n {
		v = &streams.AttributeValueMemberL{Value: []streams.AttributeValue{v}}
	}
	return v
}

// Lists and maps may nest 32 levels deep, as in DynamoDB, and no deeper;
// a value that cannot be converted is an error naming the record's part,
// the attribute and where in it, and no conversion panics.
func TestConversionRefusals(t *testing.T) {
	keys := map[string]events.DynamoDBAttributeValue{"pk": events.NewStringAttribute("a"), "sk": events.NewNumberAttribute("1")}
	event := func(attr events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
		return events.DynamoDBEventRecord{EventName: "INSERT", EventSourceArn: streamtest.StreamARN("orders"),
			Change: events.DynamoDBStreamRecord{Keys: keys, NewImage: map[string]events.DynamoDBAttributeValue{"pk": keys["pk"], "sk": keys["sk"], "attr": attr}}}
	}
	if _, err := stream.FromEvent(event(nestedEvent(stream.MaxDepth))); err != nil {
		t.Errorf("FromEvent of lists nested %d deep: %v", stream.MaxDepth, err)
	}
	if _, err := stream.FromSDK(&streams.StreamRecord{NewImage: map[string]streams.AttributeValue{"attr": nestedSDK(stream.MaxDepth)}}); err != nil {
		t.Errorf("FromSDK of lists nested %d deep: %v", stream.MaxDepth, err)
	}
	deepPath := "attr" + strings.Repeat("[0]", stream.MaxDepth+1)
	for _, c := range []struct {
		what     string
		convert  func() (*stream.Record, error)
		wantPath string
	}{
		{"events, too deep", func() (*stream.Record, error) { return stream.FromEvent(event(nestedEvent(stream.MaxDepth + 1))) }, deepPath},
		{"SDK, too deep", func() (*stream.Record, error) {
			return stream.FromSDK(&streams.StreamRecord{NewImage: map[string]streams.AttributeValue{"attr": nestedSDK(stream.MaxDepth + 1)}})
		}, deepPath},
		{"events, a zero value", func() (*stream.Record, error) { return stream.FromEvent(event(events.DynamoDBAttributeValue{})) }, ""},
		{"events, a zero value in a map in a list", func() (*stream.Record, error) {
			return stream.FromEvent(event(events.NewListAttribute([]events.DynamoDBAttributeValue{
				events.NewStringAttribute("ok"),
				events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{"k": {}}),
			})))
		}, "attr[1].k"},
		{"SDK, an unknown member", func() (*stream.Record, error) {
			return stream.FromSDK(&streams.StreamRecord{NewImage: map[string]streams.AttributeValue{"attr": &streams.UnknownUnionMember{Tag: "X"}}})
		}, ""},
	} {
		r, err := c.convert()
		var ae *ddbcrypt.AttributeError
		switch {
		case !errors.Is(err, ddbcrypt.ErrInvalidItem):
			t.Errorf("%s: %v, want ErrInvalidItem", c.what, err)
		case !errors.As(err, &ae) || ae.Attribute != "attr":
			t.Errorf("%s: %v does not name the attribute \"attr\"", c.what, err)
		case !strings.Contains(err.Error(), "NewImage"):
			t.Errorf("%s: %v does not name the NewImage", c.what, err)
		case c.wantPath != "" && !strings.Contains(err.Error(), "at "+c.wantPath+":"):
			t.Errorf("%s: %v does not say where: %s", c.what, err, c.wantPath)
		}
		if r != nil {
			t.Errorf("%s: a record with the error", c.what)
		}
	}
}

func TestTableName(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-05-01T12:34:56.789":            "orders",
		"arn:aws-cn:dynamodb:cn-north-1:123456789012:table/My_Table-1.v2/stream/2024-05-01T00:00:00.000": "My_Table-1.v2",
		"arn:aws:dynamodb:ddblocal:000000000000:table/abc/stream/label":                                  "abc",
	} {
		if got, err := stream.TableName(arn); err != nil || got != want {
			t.Errorf("TableName(%q) = %q, %v; want %q", arn, got, err, want)
		}
	}
	long := strings.Repeat("t", 256)
	for arn, reason := range map[string]string{
		"":       "empty",
		"orders": "not an ARN",
		"arn:aws:dynamodb:us-east-1:123456789012:table/orders":                                 "resource",
		"arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/":                         "label",
		"arn:aws:dynamodb:us-east-1:123456789012:table/orders/index/by-x":                      "resource",
		"arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/x/y":                      "resource",
		"arn:aws:kinesis:us-east-1:123456789012:table/orders/stream/x":                         "service",
		"arn:aws:dynamodb:us-east-1:12345:table/orders/stream/x":                               "account",
		"arn:aws:dynamodb:us-east-1:12345678901x:table/orders/stream/x":                        "account",
		"arn:aws:dynamodb::123456789012:table/orders/stream/x":                                 "region",
		"arn:aws:dynamodb:US-EAST-1:123456789012:table/orders/stream/x":                        "region",
		"arn::dynamodb:us-east-1:123456789012:table/orders/stream/x":                           "partition",
		"urn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/x":                        "not an ARN",
		"arn:aws:dynamodb:us-east-1:123456789012:table/ab/stream/x":                            "table name",
		"arn:aws:dynamodb:us-east-1:123456789012:table/a b c/stream/x":                         "table name",
		"arn:aws:dynamodb:us-east-1:123456789012:table/" + long + "/stream/x":                  "table name",
		"arn:aws:dynamodb:us-east-1:123456789012:TABLE/orders/stream/x":                        "resource",
		"arn:aws:dynamodb:us-east-1:123456789012:table//stream/x":                              "table name",
		"arn:aws:dynamodb:us-east-1:123456789012:table/orders/stream/2024-05-01T12:34:56.789/": "resource",
	} {
		name, err := stream.TableName(arn)
		var ae *stream.ARNError
		switch {
		case !errors.As(err, &ae):
			t.Errorf("TableName(%q) = %q, %v; want an *ARNError", arn, name, err)
		case ae.ARN != arn || !strings.Contains(ae.Reason, reason) || !strings.Contains(err.Error(), arn):
			t.Errorf("TableName(%q): %v; want the ARN and a reason about the %s", arn, err, reason)
		case !errors.Is(err, ddbcrypt.ErrInvalidItem):
			t.Errorf("TableName(%q): %v does not wrap ErrInvalidItem", arn, err)
		}
	}
}

func TestFromEventRefusals(t *testing.T) {
	ok := events.DynamoDBEventRecord{EventName: "INSERT", EventSourceArn: streamtest.StreamARN("orders")}
	if _, err := stream.FromEvent(ok); err != nil {
		t.Fatalf("FromEvent(%+v): %v", ok, err)
	}
	badARN := ok
	badARN.EventSourceArn = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
	var ae *stream.ARNError
	if _, err := stream.FromEvent(badARN); !errors.As(err, &ae) || ae.ARN != badARN.EventSourceArn {
		t.Errorf("FromEvent with a table's ARN for a stream's: %v, want an *ARNError naming it", err)
	}
	for _, name := range []string{"", "UPDATE", "insert"} {
		rec := ok
		rec.EventName = name
		if _, err := stream.FromEvent(rec); !errors.Is(err, ddbcrypt.ErrInvalidItem) || !strings.Contains(err.Error(), "orders") {
			t.Errorf("FromEvent with the event name %q: %v, want ErrInvalidItem naming the table", name, err)
		}
	}
	if _, err := stream.FromSDK(nil); !errors.Is(err, ddbcrypt.ErrInvalidItem) {
		t.Errorf("FromSDK(nil): %v, want ErrInvalidItem", err)
	}
}

// newTable returns the engine's table called name, with the key pk (S),
// sk (N): "plain" is DO_NOTHING, the rest encrypted and signed.
func newTable(t *testing.T, name string, enc *crypto.Encryptor) *engine.Table {
	t.Helper()
	info := &tableinfo.Info{Name: name, Keys: tableinfo.KeySchema{Partition: "pk", Sort: "sk"},
		Types: map[string]types.ScalarAttributeType{"pk": types.ScalarAttributeTypeS, "sk": types.ScalarAttributeTypeN}}
	policy, err := engine.NewPolicy(info, crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"plain": crypto.DoNothing}}, info.KeyNames()...)
	if err != nil {
		t.Fatal(err)
	}
	return engine.NewTable(name, info, policy, "", enc)
}

const secretText = "the secret"

func item(pk, secret string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberN{Value: "1"},
		"secret": &types.AttributeValueMemberS{Value: secret}, "plain": &types.AttributeValueMemberS{Value: "p"},
	}
}

func TestDecrypt(t *testing.T) {
	enc := crypto.NewEncryptor(testenv.StaticProvider(t))
	orders := newTable(t, "orders", enc)
	encrypt := func(tbl *engine.Table, it map[string]types.AttributeValue) map[string]types.AttributeValue {
		t.Helper()
		out, err := tbl.Encrypt(t.Context(), it)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	oldPlain, newPlain := item("a", "old "+secretText), item("a", "new "+secretText)
	oldStored, newStored := encrypt(orders, oldPlain), encrypt(orders, newPlain)
	keys := orders.Key(newPlain)
	open := func(r streamtest.Record) (newImage, oldImage map[string]types.AttributeValue, err error) {
		t.Helper()
		if r.Table == "" {
			r.Table = "orders"
		}
		if r.Keys == nil {
			r.Keys = keys
		}
		rec, err := stream.FromEvent(streamtest.Event(t, r).Records[0])
		if err != nil {
			t.Fatalf("FromEvent: %v", err)
		}
		return rec.Decrypt(t.Context(), orders)
	}

	for _, c := range []struct {
		what             string
		r                streamtest.Record
		wantNew, wantOld map[string]types.AttributeValue
	}{
		{"MODIFY", streamtest.Record{Event: "MODIFY", NewImage: newStored, OldImage: oldStored}, newPlain, oldPlain},
		{"INSERT", streamtest.Record{Event: "INSERT", NewImage: newStored}, newPlain, nil},
		{"REMOVE", streamtest.Record{Event: "REMOVE", OldImage: oldStored}, nil, oldPlain},
		{"KEYS_ONLY", streamtest.Record{Event: "MODIFY"}, nil, nil},
		{"Keys with another number text", streamtest.Record{Event: "INSERT", NewImage: newStored,
			Keys: map[string]types.AttributeValue{"pk": keys["pk"], "sk": &types.AttributeValueMemberN{Value: "1.0"}}}, newPlain, nil},
	} {
		gotNew, gotOld, err := open(c.r)
		if err != nil {
			t.Errorf("%s: %v", c.what, err)
			continue
		}
		if diff := cmp.Diff(c.wantNew, gotNew, allFields); diff != "" {
			t.Errorf("%s: new image (-want +got):\n%s", c.what, diff)
		}
		if diff := cmp.Diff(c.wantOld, gotOld, allFields); diff != "" {
			t.Errorf("%s: old image (-want +got):\n%s", c.what, diff)
		}
	}

	tampered := maps.Clone(newStored)
	tampered["plain"] = &types.AttributeValueMemberS{Value: "p"} // unsigned: still verifies
	tampered["sk"] = &types.AttributeValueMemberN{Value: "1"}
	tampered["secret"] = oldStored["secret"] // another item's ciphertext
	otherItem := encrypt(orders, item("b", secretText))
	otherTable := encrypt(newTable(t, "other", enc), newPlain)
	for _, c := range []struct {
		what     string
		r        streamtest.Record
		integrty bool // else ErrInvalidItem
	}{
		{"a tampered new image", streamtest.Record{Event: "MODIFY", NewImage: tampered, OldImage: oldStored}, true},
		{"a tampered old image", streamtest.Record{Event: "MODIFY", NewImage: newStored, OldImage: tampered}, true},
		{"a new image of another item", streamtest.Record{Event: "MODIFY", NewImage: otherItem, OldImage: oldStored}, true},
		{"an old image of another item", streamtest.Record{Event: "MODIFY", NewImage: newStored, OldImage: otherItem}, true},
		{"Keys of another item", streamtest.Record{Event: "INSERT", NewImage: newStored, Keys: orders.Key(item("b", ""))}, true},
		{"an image of another table", streamtest.Record{Event: "INSERT", NewImage: otherTable}, true},
		{"a record of another table", streamtest.Record{Event: "INSERT", Table: "other", NewImage: newStored}, false},
		{"an image without Keys", streamtest.Record{Event: "INSERT", NewImage: newStored, Keys: map[string]types.AttributeValue{}}, false},
		{"an INSERT with an old image", streamtest.Record{Event: "INSERT", NewImage: newStored, OldImage: oldStored}, false},
		{"a REMOVE with a new image", streamtest.Record{Event: "REMOVE", NewImage: newStored, OldImage: oldStored}, false},
	} {
		gotNew, gotOld, err := open(c.r)
		if gotNew != nil || gotOld != nil {
			t.Errorf("%s: images returned with the error %v", c.what, err)
		}
		if strings.Contains(err.Error(), secretText) {
			t.Errorf("%s: the error %v holds plaintext", c.what, err)
		}
		if !c.integrty {
			if !errors.Is(err, ddbcrypt.ErrInvalidItem) || errors.Is(err, ddbcrypt.ErrIntegrity) {
				t.Errorf("%s: %v, want ErrInvalidItem", c.what, err)
			}
			continue
		}
		var ie *ddbcrypt.ItemError
		switch {
		case !errors.Is(err, ddbcrypt.ErrIntegrity):
			t.Errorf("%s: %v, want ErrIntegrity", c.what, err)
		case !errors.As(err, &ie) || ie.Table != "orders":
			t.Errorf("%s: %v is not an *ItemError naming the table", c.what, err)
		}
	}
}
