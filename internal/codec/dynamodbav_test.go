package codec

// Structs tagged for attributevalue alone (`dynamodbav`), as Go code tags
// them today: the codec the mapper uses writes exactly the item
// attributevalue.MarshalMap writes, and reads back exactly what
// attributevalue.UnmarshalMap reads.

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

type avAddress struct {
	Street string `dynamodbav:"street"`
	Zip    string `dynamodbav:"zip,omitempty"`
	Note   string `dynamodbav:"-"`
}

type avAudit struct {
	CreatedBy string    `dynamodbav:"created_by"`
	Created   time.Time `dynamodbav:"created,unixtime"`
}

type avProduct struct {
	SKU      string             `dynamodbav:"sku"`
	Stock    *int               `dynamodbav:"stock,nullempty"`
	Ship     avAddress          `dynamodbav:"ship"`
	Labels   []string           `dynamodbav:"labels,stringset"`
	Price    int64              `dynamodbav:"price,string"`
	Blobs    [][]byte           `dynamodbav:"blobs,binaryset"`
	Weight   float64            `dynamodbav:"weight"`
	Notes    []string           `dynamodbav:"notes,omitemptyelem"`
	Name     string             `dynamodbav:"name,omitempty"`
	Sizes    []int              `dynamodbav:"sizes,numberset,omitempty"`
	Attrs    map[string]string  `dynamodbav:"attrs,nullemptyelem"`
	Alts     []avAddress        `dynamodbav:"alts"`
	Bill     *avAddress         `dynamodbav:"bill,omitempty"`
	Updated  time.Time          `dynamodbav:"updated"`
	Internal string             `dynamodbav:"-"`
	Extra    map[string]float64 // no tag: the Go name
	avAudit                     // embedded: its fields are the product's
}

// avKeyed adds ddb tags that agree with the dynamodbav tags, for the key
// roles and an index.
type avKeyed struct {
	PK    string `dynamodbav:"pk" ddb:"pk,hash"`
	SK    int    `dynamodbav:"sk" ddb:"sk,range"`
	Email string `dynamodbav:"email,omitempty" ddb:"email,omitempty,index=by-email:hash" ddbcrypt:"signonly"`
	Body  string `dynamodbav:"body"`
}

func TestCodecDynamodbav(t *testing.T) {
	stock := 3
	filled := []any{
		new(avProduct),
		&avProduct{
			SKU: "a-1", Name: "Lamp", Price: 1999, Weight: 1.25, Labels: []string{"x", "y"}, Sizes: []int{1, 2},
			Blobs: [][]byte{{1}, {2, 3}}, Notes: []string{"", "n"}, Attrs: map[string]string{"k": "", "l": "v"},
			Stock: &stock, Ship: avAddress{Street: "Main", Note: "dropped"}, Alts: []avAddress{{Zip: "1"}},
			Bill: &avAddress{Street: "B"}, Updated: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Internal: "dropped",
			Extra: map[string]float64{"e": 2.5}, avAudit: avAudit{CreatedBy: "me", Created: time.Unix(1700000000, 0)},
		},
		new(avKeyed),
		&avKeyed{PK: "p", SK: 7, Email: "e@x", Body: "b"},
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		for _, typ := range []reflect.Type{reflect.TypeFor[avProduct](), reflect.TypeFor[avKeyed]()} {
			v := reflect.New(typ)
			cdcRandom(v.Elem(), r, 0)
			filled = append(filled, v.Interface())
		}
	}
	for i, v := range filled {
		rv := reflect.ValueOf(v).Elem()
		what := fmt.Sprintf("#%d %v", i, rv.Type())
		c := cdcCodec(t, rv.Type())
		want, wantErr := attributevalue.MarshalMap(v)
		got, err := cdc.Encode(c.schema, rv)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%s: Encode error %v, MarshalMap error %v", what, err, wantErr)
		}
		if err != nil {
			continue
		}
		if d := diff(want, got); d != "" {
			t.Fatalf("%s: Encode differs from attributevalue.MarshalMap (-want +got):\n%s", what, d)
		}
		wantV, gotV := reflect.New(rv.Type()), reflect.New(rv.Type())
		wantErr = attributevalue.UnmarshalMap(want, wantV.Interface())
		err = cdc.Decode(c.schema, got, gotV.Elem())
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("%s: Decode error %v, UnmarshalMap error %v", what, err, wantErr)
		}
		if d := diff(wantV.Interface(), gotV.Interface()); err == nil && d != "" {
			t.Fatalf("%s: Decode differs from attributevalue.UnmarshalMap (-want +got):\n%s", what, d)
		}
		// And against the reference the other equivalence tests use
		// (attributevalue with the mapper's TagKey), field by field too.
		if item := checkEncode(t, c, v, what); item != nil {
			checkDecode(t, c, rv.Type(), item, v, what)
		}
	}
}

// TestCodecDynamodbavPlan: a dynamodbav-tagged struct takes the codec's own
// route, not attributevalue's whole-struct fallback, and its nested struct
// has a plan of its own.
func TestCodecDynamodbavPlan(t *testing.T) {
	c := cdcCodec(t, reflect.TypeFor[avProduct]())
	if c.whole || c.wholeDecode {
		t.Fatalf("avProduct is encoded whole")
	}
	ship := c.fields[c.byName["ship"]]
	if ship.sub == nil {
		t.Errorf("ship: no plan of its own (fast %v)", ship.fast)
	}
	if _, ok := c.byName["Internal"]; ok {
		t.Error(`a dynamodbav:"-" field is in the plan`)
	}
	if _, ok := c.byName["created_by"]; !ok {
		t.Error("the embedded struct's fields are not in the plan")
	}
	item, err := cdc.Encode(c.schema, reflect.ValueOf(&avProduct{Price: 5}).Elem())
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := item["price"].(*types.AttributeValueMemberS); !ok || p.Value != "5" {
		t.Errorf(`price (dynamodbav:"price,string") = %#v, want S "5"`, item["price"])
	}
}
