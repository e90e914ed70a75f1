package testenv

// The medium shape of the performance suite (BENCHMARKS.md), shared by the
// mapper's and the codec's benchmarks and equivalence tests.

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/tags"
	gocmp "github.com/google/go-cmp/cmp"
)

// Order is the medium shape as a Go struct.
type Order struct {
	PK              string     `ddb:"pk,hash"`
	SK              int64      `ddb:"sk,range"`
	Status          string     `ddb:"status"`
	CustomerID      string     `ddb:"customerId"`
	Email           string     `ddb:"email"`
	Phone           string     `ddb:"phone"`
	CreatedAt       string     `ddb:"createdAt"`
	UpdatedAt       int64      `ddb:"updatedAt"`
	Total           float64    `ddb:"total"`
	Currency        string     `ddb:"currency"`
	ItemCount       int        `ddb:"itemCount"`
	GiftWrap        bool       `ddb:"giftWrap"`
	CouponCode      *string    `ddb:"couponCode"`
	Tags            []string   `ddb:"tags,stringset"`
	Quantities      []int      `ddb:"quantities,numberset"`
	ShippingAddress Address    `ddb:"shippingAddress"`
	LineItems       []LineItem `ddb:"lineItems"`
	SignatureImage  []byte     `ddb:"signatureImage"`
	Notes           string     `ddb:"notes"`
	Description     string     `ddb:"description"`
}

// Address is Order's shipping address.
type Address struct {
	Street  string `ddb:"street"`
	City    string `ddb:"city"`
	State   string `ddb:"state"`
	Zip     string `ddb:"zip"`
	Country string `ddb:"country"`
	Geo     Geo    `ddb:"geo"`
}

// Geo is an Address's position.
type Geo struct {
	Lat float64 `ddb:"lat"`
	Lon float64 `ddb:"lon"`
}

// LineItem is one line of an Order.
type LineItem struct {
	SKU   string  `ddb:"sku"`
	Qty   int     `ddb:"qty"`
	Price float64 `ddb:"price"`
}

var (
	mediumOnce sync.Once
	mediumItem map[string]types.AttributeValue
	mediumErr  error
)

// MediumItem returns the medium item of the suite
// (crypto/testdata/shapes/medium.json). It is shared and must not be
// modified.
func MediumItem(tb testing.TB) map[string]types.AttributeValue {
	tb.Helper()
	mediumOnce.Do(func() {
		_, file, _, _ := runtime.Caller(0)
		var data []byte
		data, mediumErr = os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "..", "crypto", "testdata", "shapes", "medium.json"))
		if mediumErr == nil {
			mediumItem, mediumErr = attributevalue.UnmarshalMapJSON(data)
		}
	})
	if mediumErr != nil {
		tb.Fatalf("medium shape: %v", mediumErr)
	}
	return mediumItem
}

// MediumOrder returns the medium item as an Order, checking that
// attributevalue writes it back exactly as the fixture has it.
func MediumOrder(tb testing.TB) *Order {
	tb.Helper()
	item := MediumItem(tb)
	v := new(Order)
	if err := attributevalue.UnmarshalMapWithOptions(item, v, func(o *attributevalue.DecoderOptions) { o.TagKey = tags.Key }); err != nil {
		tb.Fatal(err)
	}
	back, err := attributevalue.MarshalMapWithOptions(v, func(o *attributevalue.EncoderOptions) { o.TagKey = tags.Key })
	if err != nil {
		tb.Fatal(err)
	}
	if diff := gocmp.Diff(item, back, gocmp.Exporter(func(reflect.Type) bool { return true })); diff != "" {
		tb.Fatalf("Order does not reproduce the medium shape (-fixture +struct):\n%s", diff)
	}
	return v
}
