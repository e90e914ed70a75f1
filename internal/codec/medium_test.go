package codec

// The medium shape of the performance suite (spec/BENCHMARKS.md), as the
// mapper's bench_test.go has it, and the codec's own benchmark on it.

import (
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/schema"
	"github.com/ddbcrypt/ddbcrypt/tags"
	gocmp "github.com/google/go-cmp/cmp"
)

// benchOrder is the medium shape as a Go struct.
type benchOrder struct {
	PK              string          `ddb:"pk,hash"`
	SK              int64           `ddb:"sk,range"`
	Status          string          `ddb:"status"`
	CustomerID      string          `ddb:"customerId"`
	Email           string          `ddb:"email"`
	Phone           string          `ddb:"phone"`
	CreatedAt       string          `ddb:"createdAt"`
	UpdatedAt       int64           `ddb:"updatedAt"`
	Total           float64         `ddb:"total"`
	Currency        string          `ddb:"currency"`
	ItemCount       int             `ddb:"itemCount"`
	GiftWrap        bool            `ddb:"giftWrap"`
	CouponCode      *string         `ddb:"couponCode"`
	Tags            []string        `ddb:"tags,stringset"`
	Quantities      []int           `ddb:"quantities,numberset"`
	ShippingAddress benchAddress    `ddb:"shippingAddress"`
	LineItems       []benchLineItem `ddb:"lineItems"`
	SignatureImage  []byte          `ddb:"signatureImage"`
	Notes           string          `ddb:"notes"`
	Description     string          `ddb:"description"`
}

type benchAddress struct {
	Street  string   `ddb:"street"`
	City    string   `ddb:"city"`
	State   string   `ddb:"state"`
	Zip     string   `ddb:"zip"`
	Country string   `ddb:"country"`
	Geo     benchGeo `ddb:"geo"`
}

type benchGeo struct {
	Lat float64 `ddb:"lat"`
	Lon float64 `ddb:"lon"`
}

type benchLineItem struct {
	SKU   string  `ddb:"sku"`
	Qty   int     `ddb:"qty"`
	Price float64 `ddb:"price"`
}

var (
	mediumOnce sync.Once
	mediumItem map[string]types.AttributeValue
	mediumErr  error
)

// mediumFixture returns the medium item of the suite. It is shared and must
// not be modified.
func mediumFixture(tb testing.TB) map[string]types.AttributeValue {
	tb.Helper()
	mediumOnce.Do(func() {
		var data []byte
		data, mediumErr = os.ReadFile(filepath.Join("..", "..", "crypto", "testdata", "shapes", "medium.json"))
		if mediumErr == nil {
			mediumItem, mediumErr = attributevalue.UnmarshalMapJSON(data)
		}
	})
	if mediumErr != nil {
		tb.Fatalf("medium shape: %v", mediumErr)
	}
	return mediumItem
}

// mediumOrder returns the medium item as a benchOrder, checking that
// attributevalue writes it back exactly as the fixture has it.
func mediumOrder(tb testing.TB) *benchOrder {
	tb.Helper()
	item := mediumFixture(tb)
	v := new(benchOrder)
	if err := attributevalue.UnmarshalMapWithOptions(item, v, func(o *attributevalue.DecoderOptions) { o.TagKey = tags.Key }); err != nil {
		tb.Fatal(err)
	}
	back, err := attributevalue.MarshalMapWithOptions(v, func(o *attributevalue.EncoderOptions) { o.TagKey = tags.Key })
	if err != nil {
		tb.Fatal(err)
	}
	if diff := gocmp.Diff(item, back, gocmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
		tb.Fatalf("benchOrder does not reproduce the medium shape (-fixture +struct):\n%s", diff)
	}
	return v
}

// BenchmarkCodec: the codec and attributevalue on the medium shape, both
// ways (the mapper's BenchmarkMapper adds nothing but the call through the
// table).
func BenchmarkCodec(b *testing.B) {
	item := mediumFixture(b)
	v := mediumOrder(b)
	rv := reflect.ValueOf(v).Elem()
	s, err := schema.Of(rv.Type())
	if err != nil {
		b.Fatal(err)
	}
	out := reflect.New(rv.Type()).Elem()
	for _, bc := range []struct {
		name string
		f    func() error
	}{
		{"impl=codec/op=marshal", func() error { _, err := cdc.Encode(s, rv); return err }},
		{"impl=codec/op=unmarshal", func() error { return cdc.Decode(s, item, out) }},
		{"impl=attributevalue/op=marshal", func() error { _, err := cdcEncoder.Encode(v); return err }},
		{"impl=attributevalue/op=unmarshal", func() error { return wantDecode(item, out) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.f(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
