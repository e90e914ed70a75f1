package encrypted_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	streams "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/ddbcrypt/ddbcrypt"
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
