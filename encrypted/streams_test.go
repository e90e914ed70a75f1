package encrypted_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/stream/streamtest"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// toStream converts a stored item to the Streams service's attribute values,
// as a stream record carries it.
func toStream(t *testing.T, item map[string]types.AttributeValue) map[string]streams.AttributeValue {
	t.Helper()
	out := make(map[string]streams.AttributeValue, len(item))
	for name, av := range item {
		out[name] = toStreamValue(t, av)
	}
	return out
}

func toStreamValue(t *testing.T, av types.AttributeValue) streams.AttributeValue {
	t.Helper()
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return &streams.AttributeValueMemberS{Value: v.Value}
	case *types.AttributeValueMemberN:
		return &streams.AttributeValueMemberN{Value: v.Value}
	case *types.AttributeValueMemberB:
		return &streams.AttributeValueMemberB{Value: v.Value}
	case *types.AttributeValueMemberSS:
		return &streams.AttributeValueMemberSS{Value: v.Value}
	case *types.AttributeValueMemberNS:
		return &streams.AttributeValueMemberNS{Value: v.Value}
	case *types.AttributeValueMemberBS:
		return &streams.AttributeValueMemberBS{Value: v.Value}
	case *types.AttributeValueMemberBOOL:
		return &streams.AttributeValueMemberBOOL{Value: v.Value}
	case *types.AttributeValueMemberNULL:
		return &streams.AttributeValueMemberNULL{Value: v.Value}
	case *types.AttributeValueMemberL:
		l := make([]streams.AttributeValue, len(v.Value))
		for i, el := range v.Value {
			l[i] = toStreamValue(t, el)
		}
		return &streams.AttributeValueMemberL{Value: l}
	case *types.AttributeValueMemberM:
		mm := make(map[string]streams.AttributeValue, len(v.Value))
		for k, el := range v.Value {
			mm[k] = toStreamValue(t, el)
		}
		return &streams.AttributeValueMemberM{Value: mm}
	}
	t.Fatalf("toStream: unsupported %T", av)
	return nil
}

func TestDecryptStreamRecord(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	oldItem := fullItem("s", 1)
	put(t, e.c, e.table, oldItem)
	storedOld := rawGet(t, e.db, e.table, key("s", 1))
	// Every plaintext value kind also travels unencrypted: "plain" holds a
	// nested document.
	newItem := with(fullItem("s", 1), map[string]types.AttributeValue{
		"secret": s("new secret"),
		"plain": m(map[string]types.AttributeValue{
			"l":  list(n("1"), s("x"), b(9), boolean(false), &types.AttributeValueMemberNULL{Value: true}),
			"ss": &types.AttributeValueMemberSS{Value: []string{"a"}},
			"ns": &types.AttributeValueMemberNS{Value: []string{"1"}},
			"bs": &types.AttributeValueMemberBS{Value: [][]byte{{1}}},
		}),
	})
	put(t, e.c, e.table, newItem)
	storedNew := rawGet(t, e.db, e.table, key("s", 1))

	rec := &streams.StreamRecord{
		Keys:     toStream(t, key("s", 1)),
		NewImage: toStream(t, storedNew),
		OldImage: toStream(t, storedOld),
	}
	gotNew, gotOld, err := e.c.DecryptStreamRecord(t.Context(), e.table, rec)
	if err != nil {
		t.Fatalf("DecryptStreamRecord: %v", err)
	}
	checkItem(t, "new image", gotNew, newItem)
	checkItem(t, "old image", gotOld, oldItem)

	// A NEW_IMAGE stream has no old image; a KEYS_ONLY stream neither.
	gotNew, gotOld, err = e.c.DecryptStreamRecord(t.Context(), e.table, &streams.StreamRecord{Keys: rec.Keys, NewImage: rec.NewImage})
	if err != nil {
		t.Fatalf("DecryptStreamRecord of a new image only: %v", err)
	}
	checkItem(t, "new image only", gotNew, newItem)
	if gotOld != nil {
		t.Errorf("old image of a NEW_IMAGE record: %s, want nil", renderItem(gotOld))
	}
	gotNew, gotOld, err = e.c.DecryptStreamRecord(t.Context(), e.table, &streams.StreamRecord{Keys: rec.Keys})
	if err != nil || gotNew != nil || gotOld != nil {
		t.Errorf("DecryptStreamRecord of a KEYS_ONLY record = %s, %s, %v; want nil, nil, nil", renderItem(gotNew), renderItem(gotOld), err)
	}

	// A tampered image, new or old, is an integrity error naming the item.
	for _, which := range []string{"new", "old"} {
		tampered := toStream(t, with(storedOld, map[string]types.AttributeValue{"signed": s("tampered")}))
		r := &streams.StreamRecord{Keys: rec.Keys, NewImage: rec.NewImage, OldImage: rec.OldImage}
		if which == "new" {
			r.NewImage = tampered
		} else {
			r.OldImage = tampered
		}
		gotNew, gotOld, err := e.c.DecryptStreamRecord(t.Context(), e.table, r)
		checkIntegrity(t, fmt.Sprintf("DecryptStreamRecord with a tampered %s image", which), err, e.table, key("s", 1))
		if gotNew != nil || gotOld != nil {
			t.Errorf("DecryptStreamRecord with a tampered %s image returned images %s, %s", which, renderItem(gotNew), renderItem(gotOld))
		}
	}

	// An image from another table does not verify: the table name is bound
	// into the signature.
	other := createTable(t, e.db)
	_, _, err = e.c.DecryptStreamRecord(t.Context(), other, &streams.StreamRecord{Keys: rec.Keys, NewImage: rec.NewImage})
	if !errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Errorf("DecryptStreamRecord of another table's image: %v, want ErrIntegrity", err)
	}

	if _, _, err := e.c.DecryptStreamRecord(t.Context(), e.table, nil); !errors.Is(err, ddbcrypt.ErrInvalidItem) {
		t.Errorf("DecryptStreamRecord(nil): %v, want ErrInvalidItem", err)
	}
}

// DecryptEventRecord opens a record as Lambda delivers it with the
// configuration of the table its ARN names, offline; it takes the same
// path as DecryptStreamRecord and gives the same answers.
func TestDecryptEventRecord(t *testing.T) {
	t.Parallel()
	db := testenv.NewFakeDB(t)
	p := newStaticProvider(t)
	c := newClient(db, p, "orders", testActions())
	oldItem, newItem := fullItem("s", 1), with(fullItem("s", 1), map[string]types.AttributeValue{"secret": s("new secret")})
	put(t, c, "orders", oldItem)
	storedOld := db.Stored("orders", key("s", 1))
	put(t, c, "orders", newItem)
	storedNew := db.Stored("orders", key("s", 1))

	event := func(r streamtest.Record) events.DynamoDBEventRecord {
		t.Helper()
		r.Table, r.Keys = "orders", key("s", 1)
		return streamtest.Event(t, r).Records[0]
	}
	gotNew, gotOld, err := c.DecryptEventRecord(t.Context(), event(streamtest.Record{Event: "MODIFY", NewImage: storedNew, OldImage: storedOld}))
	if err != nil {
		t.Fatalf("DecryptEventRecord: %v", err)
	}
	checkItem(t, "new image", gotNew, newItem)
	checkItem(t, "old image", gotOld, oldItem)
	sdkNew, sdkOld, err := c.DecryptStreamRecord(t.Context(), "orders", &streams.StreamRecord{Keys: toStream(t, key("s", 1)), NewImage: toStream(t, storedNew), OldImage: toStream(t, storedOld)})
	if err != nil || renderItem(sdkNew) != renderItem(gotNew) || renderItem(sdkOld) != renderItem(gotOld) {
		t.Errorf("DecryptStreamRecord of the same record = %s, %s, %v; want DecryptEventRecord's answer", renderItem(sdkNew), renderItem(sdkOld), err)
	}

	gotNew, gotOld, err = c.DecryptEventRecord(t.Context(), event(streamtest.Record{Event: "REMOVE", OldImage: storedOld}))
	if err != nil || gotNew != nil {
		t.Errorf("DecryptEventRecord of a REMOVE = %s, _, %v; want a nil new image", renderItem(gotNew), err)
	}
	checkItem(t, "old image of a REMOVE", gotOld, oldItem)

	_, _, err = c.DecryptEventRecord(t.Context(), event(streamtest.Record{Event: "INSERT", NewImage: with(storedNew, map[string]types.AttributeValue{"signed": s("tampered")})}))
	checkIntegrity(t, "DecryptEventRecord of a tampered image", err, "orders", key("s", 1))

	// A record of another table is opened with that table's configuration
	// (here the defaults): the image, bound to "orders", does not verify.
	rec := event(streamtest.Record{Event: "INSERT", NewImage: storedNew})
	rec.EventSourceArn = streamtest.StreamARN("payments")
	_, _, err = c.DecryptEventRecord(t.Context(), rec)
	checkIntegrity(t, "DecryptEventRecord of an image under another table's ARN", err, "payments", key("s", 1))

	// A malformed ARN is refused before any call.
	db.Expect()
	rec.EventSourceArn = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
	var ae *encrypted.StreamARNError
	if _, _, err := c.DecryptEventRecord(t.Context(), rec); !errors.As(err, &ae) || ae.ARN != rec.EventSourceArn || !errors.Is(err, ddbcrypt.ErrInvalidItem) {
		t.Errorf("DecryptEventRecord with a table's ARN for a stream's: %v, want a *StreamARNError naming it", err)
	}
	if n := db.Count("DescribeTable"); n != 2 {
		t.Errorf("%d DescribeTable calls, want 2 (orders, payments)", n)
	}
}
