package mapper_test

import (
	"errors"
	"maps"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/stream/streamtest"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	"github.com/google/go-cmp/cmp"
)

// streamOrder has every kind of field action; its table is the fake's
// (pk S, sk N).
type streamOrder struct {
	PK     string            `ddb:"pk,hash"`
	SK     int               `ddb:"sk,range"`
	Card   string            `ddb:"card"`
	Tags   []string          `ddb:"tags,stringset"`
	Attrs  map[string]string `ddb:"attrs"`
	Blob   []byte            `ddb:"blob"`
	Status string            `ddb:"status" ddbcrypt:"signonly"`
	Views  int               `ddb:"views" ddbcrypt:"donottouch"`
}

// DecodeStreamRecord decodes a record's images into structs, as Load
// would, through the same verification; the record must agree with
// itself and with the table.
func TestDecodeStreamRecord(t *testing.T) {
	db, m := newFakeMapper(t)
	orders := mustTable[streamOrder](t, m, "orders")
	oldOrder := streamOrder{PK: "c1", SK: 1, Card: "4111 old", Tags: []string{"a"}, Attrs: map[string]string{"k": "v"}, Blob: []byte{0, 1}, Status: "open", Views: 3}
	newOrder := oldOrder
	newOrder.Card, newOrder.Status, newOrder.Tags = "4111 new", "paid", []string{"a", "b"}
	if err := orders.Save(t.Context(), &oldOrder); err != nil {
		t.Fatal(err)
	}
	oldStored := db.Stored("orders", key("c1", 1))
	if err := orders.Save(t.Context(), &newOrder); err != nil {
		t.Fatal(err)
	}
	newStored := db.Stored("orders", key("c1", 1))
	other := streamOrder{PK: "c2", SK: 1, Card: "5500", Status: "open"}
	if err := orders.Save(t.Context(), &other); err != nil {
		t.Fatal(err)
	}
	otherStored := db.Stored("orders", key("c2", 1))

	decode := func(r streamtest.Record) (newImage, oldImage *streamOrder, err error) {
		t.Helper()
		if r.Table == "" {
			r.Table = "orders"
		}
		if r.Keys == nil {
			r.Keys = key("c1", 1)
		}
		return orders.DecodeStreamRecord(t.Context(), streamtest.Event(t, r).Records[0])
	}

	for _, c := range []struct {
		what             string
		r                streamtest.Record
		wantNew, wantOld *streamOrder
	}{
		{"MODIFY", streamtest.Record{Event: "MODIFY", NewImage: newStored, OldImage: oldStored}, &newOrder, &oldOrder},
		{"INSERT", streamtest.Record{Event: "INSERT", NewImage: oldStored}, &oldOrder, nil},
		{"REMOVE", streamtest.Record{Event: "REMOVE", OldImage: newStored}, nil, &newOrder},
		{"KEYS_ONLY", streamtest.Record{Event: "REMOVE"}, nil, nil},
	} {
		gotNew, gotOld, err := decode(c.r)
		if err != nil {
			t.Errorf("%s: %v", c.what, err)
			continue
		}
		if diff := cmp.Diff(c.wantNew, gotNew); diff != "" {
			t.Errorf("%s: new image (-want +got):\n%s", c.what, diff)
		}
		if diff := cmp.Diff(c.wantOld, gotOld); diff != "" {
			t.Errorf("%s: old image (-want +got):\n%s", c.what, diff)
		}
	}

	tampered := maps.Clone(newStored)
	tampered["status"] = &types.AttributeValueMemberS{Value: "refunded"} // signed, not encrypted
	for _, c := range []struct {
		what string
		r    streamtest.Record
		want error
	}{
		{"a tampered new image", streamtest.Record{Event: "MODIFY", NewImage: tampered, OldImage: oldStored}, ddbcrypt.ErrIntegrity},
		{"a tampered old image", streamtest.Record{Event: "MODIFY", NewImage: newStored, OldImage: tampered}, ddbcrypt.ErrIntegrity},
		{"a new image of another item", streamtest.Record{Event: "MODIFY", NewImage: otherStored, OldImage: oldStored}, ddbcrypt.ErrIntegrity},
		{"Keys of another item", streamtest.Record{Event: "INSERT", NewImage: newStored, Keys: key("c2", 1)}, ddbcrypt.ErrIntegrity},
		{"a record of another table", streamtest.Record{Event: "INSERT", Table: "payments", NewImage: newStored}, ddbcrypt.ErrInvalidItem},
		{"an INSERT with an old image", streamtest.Record{Event: "INSERT", NewImage: newStored, OldImage: oldStored}, ddbcrypt.ErrInvalidItem},
		{"an image without Keys", streamtest.Record{Event: "INSERT", NewImage: newStored, Keys: map[string]types.AttributeValue{}}, ddbcrypt.ErrInvalidItem},
	} {
		gotNew, gotOld, err := decode(c.r)
		wantErrIs(t, c.what, err, c.want)
		if gotNew != nil || gotOld != nil {
			t.Errorf("%s: images returned with the error %v", c.what, err)
		}
		if c.want == ddbcrypt.ErrIntegrity && itemKey(t, err) == "{}" {
			t.Errorf("%s: %v names no item", c.what, err)
		}
	}

	// A malformed ARN is refused before any call.
	db.Expect()
	rec := streamtest.Event(t, streamtest.Record{Event: "INSERT", Table: "orders", Keys: key("c1", 1), NewImage: newStored}).Records[0]
	rec.EventSourceArn = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
	var ae *mapper.StreamARNError
	if _, _, err := orders.DecodeStreamRecord(t.Context(), rec); !errors.As(err, &ae) || ae.ARN != rec.EventSourceArn || !errors.Is(err, ddbcrypt.ErrInvalidItem) {
		t.Errorf("DecodeStreamRecord with a table's ARN for a stream's: %v, want a *StreamARNError naming it", err)
	}
}

// An image with an attribute the struct lacks is refused, as by Load,
// unless AcceptUnknownAttributes.
func TestDecodeStreamRecordUnknownAttributes(t *testing.T) {
	type wide struct {
		PK    string `ddb:"pk,hash"`
		SK    int    `ddb:"sk,range"`
		Card  string `ddb:"card"`
		Extra string `ddb:"extra"`
	}
	type narrow struct {
		PK   string `ddb:"pk,hash"`
		SK   int    `ddb:"sk,range"`
		Card string `ddb:"card"`
	}
	db := testenv.NewFakeDB(t)
	p := newProvider(t)
	m := mapper.New(db, p)
	if err := mustTable[wide](t, m, "orders").Save(t.Context(), &wide{PK: "c1", SK: 1, Card: "4111", Extra: "x"}); err != nil {
		t.Fatal(err)
	}
	rec := streamtest.Event(t, streamtest.Record{Event: "INSERT", Table: "orders", Keys: key("c1", 1), NewImage: db.Stored("orders", key("c1", 1))}).Records[0]
	_, _, err := mustTable[narrow](t, m, "orders").DecodeStreamRecord(t.Context(), rec)
	wantErrIs(t, "an image with an unknown attribute", err, ddbcrypt.ErrUnknownAttribute)
	wantMention(t, "an image with an unknown attribute", err, "extra", "mapper.AcceptUnknownAttributes()")

	lenient := mapper.New(db, p, mapper.AcceptUnknownAttributes())
	got, _, err := mustTable[narrow](t, lenient, "orders").DecodeStreamRecord(t.Context(), rec)
	if err != nil || got == nil || *got != (narrow{PK: "c1", SK: 1, Card: "4111"}) {
		t.Errorf("with AcceptUnknownAttributes: %+v, %v; want the narrow struct", got, err)
	}
}
