package mapper_test

// attributevalue's options given to mapper.New reach the items the mapper
// stores and the structs it loads.

import (
	"errors"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

type optionedItem struct {
	PK    string    `ddb:"pk,hash"`
	SK    int       `ddb:"sk,range"`
	When  time.Time `ddb:"when" ddbcrypt:"signonly"`
	Set   []string  `ddb:"set,stringset" ddbcrypt:"signonly"`
	Any   any       `ddb:"any" ddbcrypt:"signonly"`
	Code  textCode  `ddb:"code" ddbcrypt:"signonly"`
	Total int       `ddb:"total"`
}

// textCode is a string the mapper writes as it is, or upper-cased with
// UseEncodingMarshalers.
type textCode string

func (c textCode) MarshalText() ([]byte, error) {
	return []byte("CODE-" + string(c)), nil
}

// TestMapperCodecOptions: with options the codec implements and with one
// it hands to attributevalue, the attributes stored in the clear are what
// attributevalue writes with the same options, and Load gives the struct
// attributevalue decodes from them.
func TestMapperCodecOptions(t *testing.T) {
	millis := func(o *attributevalue.EncoderOptions) {
		o.EncodeTime = func(t time.Time) (types.AttributeValue, error) {
			return &types.AttributeValueMemberN{Value: strconv.FormatInt(t.UnixMilli(), 10)}, nil
		}
	}
	fromMillis := func(o *attributevalue.DecoderOptions) {
		o.UseNumber = true
		o.DecodeTime.N = func(s string) (time.Time, error) {
			ms, err := strconv.ParseInt(s, 10, 64)
			return time.UnixMilli(ms).UTC(), err
		}
	}
	when := time.Date(2024, 3, 12, 16, 3, 4, 5e6, time.UTC)
	for _, tc := range []struct {
		name string
		enc  []func(*attributevalue.EncoderOptions)
		dec  []func(*attributevalue.DecoderOptions)
		want map[string]types.AttributeValue // what the options change
	}{
		{"native", []func(*attributevalue.EncoderOptions){func(o *attributevalue.EncoderOptions) { o.NullEmptySets = false }, millis},
			[]func(*attributevalue.DecoderOptions){fromMillis},
			map[string]types.AttributeValue{
				"when": &types.AttributeValueMemberN{Value: "1710259384005"},
				"set":  &types.AttributeValueMemberSS{Value: []string{}},
				"code": &types.AttributeValueMemberS{Value: "x"},
			}},
		// time.Time is a TextMarshaler: attributevalue then ignores EncodeTime.
		{"fallback", []func(*attributevalue.EncoderOptions){func(o *attributevalue.EncoderOptions) { o.UseEncodingMarshalers = true }, millis},
			nil,
			map[string]types.AttributeValue{
				"when": &types.AttributeValueMemberS{Value: "2024-03-12T16:03:04.005Z"},
				"set":  &types.AttributeValueMemberNULL{Value: true},
				"code": &types.AttributeValueMemberS{Value: "CODE-x"},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc := testenv.NewFakeDB(t)
			m := mapper.New(fc, newProvider(t), fastRetry, mapper.WithEncoderOptions(tc.enc...), mapper.WithDecoderOptions(tc.dec...))
			tbl, err := mapper.NewTable[optionedItem](m, mapper.WithTableName("t"))
			if err != nil {
				t.Fatal(err)
			}
			in := &optionedItem{PK: "a", SK: 1, When: when, Set: []string{}, Any: 2.5, Code: "x", Total: 7}
			if err := tbl.Save(t.Context(), in); err != nil {
				t.Fatal(err)
			}
			ddb := func(o *attributevalue.EncoderOptions) { o.TagKey = "ddb" }
			want, err := attributevalue.MarshalMapWithOptions(in, append([]func(*attributevalue.EncoderOptions){ddb}, tc.enc...)...)
			if err != nil {
				t.Fatal(err)
			}
			stored := fc.Stored("t", key("a", 1))
			for _, name := range []string{"pk", "sk", "when", "set", "any", "code"} {
				if !reflect.DeepEqual(stored[name], want[name]) {
					t.Errorf("stored %s = %#v, attributevalue writes %#v", name, stored[name], want[name])
				}
			}
			for name, av := range tc.want {
				if !reflect.DeepEqual(stored[name], av) {
					t.Errorf("stored %s = %#v, want %#v", name, stored[name], av)
				}
			}
			var wantOut optionedItem
			ddbDec := func(o *attributevalue.DecoderOptions) { o.TagKey = "ddb" }
			if err := attributevalue.UnmarshalMapWithOptions(want, &wantOut, append([]func(*attributevalue.DecoderOptions){ddbDec}, tc.dec...)...); err != nil {
				t.Fatal(err)
			}
			out := &optionedItem{PK: "a", SK: 1}
			if err := tbl.Load(t.Context(), out); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(*out, wantOut) {
				t.Errorf("loaded %+v, attributevalue decodes %+v", *out, wantOut)
			}
		})
	}
}

// TestMapperCodecTagKey: the struct tags are "ddb" tags; another TagKey is
// refused on first use.
func TestMapperCodecTagKey(t *testing.T) {
	fc := testenv.NewFakeDB(t)
	for _, opt := range []mapper.Option{
		mapper.WithEncoderOptions(func(o *attributevalue.EncoderOptions) { o.TagKey = "json" }),
		mapper.WithDecoderOptions(func(o *attributevalue.DecoderOptions) { o.TagKey = "dynamodbav" }),
	} {
		m := mapper.New(fc, newProvider(t), opt)
		if _, err := mapper.NewTable[optionedItem](m, mapper.WithTableName("t")); !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("NewTable: err = %v, want ErrInvalidConfig", err)
		}
		if err := m.Save(t.Context(), &optionedItem{PK: "a", SK: 1}); !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("Save: err = %v, want ErrInvalidConfig", err)
		}
	}
	if n := len(fc.DataCalls()); n != 0 {
		t.Errorf("%d calls to DynamoDB, want none", n)
	}
}
