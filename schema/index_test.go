package schema

// Secondary indexes in the tags, key types, and the dynamodbav tag.

import (
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/tags"
)

// order has a global index with two keys, a second global index with a
// partition key only, and a local index.
type order struct {
	Customer string    `ddb:"customer,hash,index=by-placed:hash"`
	ID       string    `ddb:"id,range"`
	Email    string    `ddb:"email,index=by-email:hash"`
	Total    int64     `ddb:"total,index=by-email:range,index=by-total:hash"`
	Placed   time.Time `ddb:"placed,unixtime,index=by-placed:range"`
	Card     string    `ddb:"card"`
	Code     []byte    `ddb:"code" ddbcrypt:"signonly"`
}

func TestIndexes(t *testing.T) {
	s := mustOf[order](t)
	f := s.Field
	wantIndexes := []Index{
		{Name: "by-placed", PartitionKey: f("customer"), SortKey: f("placed"), Local: true},
		{Name: "by-email", PartitionKey: f("email"), SortKey: f("total")},
		{Name: "by-total", PartitionKey: f("total")},
	}
	if !reflect.DeepEqual(s.Indexes, wantIndexes) {
		t.Errorf("Indexes = %+v, want %+v", s.Indexes, wantIndexes)
	}
	for i, ix := range wantIndexes {
		if got := s.Index(ix.Name); got != &s.Indexes[i] || got.PartitionKey != ix.PartitionKey || got.SortKey != ix.SortKey {
			t.Errorf("Index(%q) = %+v", ix.Name, got)
		}
	}
	if s.Index("by-nothing") != nil {
		t.Error("Index of an undeclared name is not nil")
	}
	// The index keys are signed, never encrypted, like the table's; the
	// rest keep the default.
	checkFields(t, s, []want{
		{"customer", "Customer", []int{0}, PartitionKey, crypto.SignOnly},
		{"id", "ID", []int{1}, SortKey, crypto.SignOnly},
		{"email", "Email", []int{2}, None, crypto.SignOnly},
		{"total", "Total", []int{3}, None, crypto.SignOnly},
		{"placed", "Placed", []int{4}, None, crypto.SignOnly},
		{"card", "Card", []int{5}, None, crypto.EncryptAndSign},
		{"code", "Code", []int{6}, None, crypto.SignOnly},
	})
	for name, kt := range map[string]types.ScalarAttributeType{"customer": "S", "id": "S", "email": "S", "total": "N", "placed": "N", "card": "", "code": ""} {
		if got := f(name).KeyType; got != kt {
			t.Errorf("%s: KeyType %q, want %q", name, got, kt)
		}
	}
}

// TestIndexKeyRule: the schema's actions for index keys are the key rule's
// (crypto.AttributeActions.KeyAction, asked with TaggedActions), which is
// what the mapper asks at first use with the keys DescribeTable names.
func TestIndexKeyRule(t *testing.T) {
	type signAll struct {
		_  struct{} `ddbcrypt:"signonly"`
		PK string   `ddb:"pk,hash"`
		A  string   `ddb:"a,index=ix-a:hash" ddbcrypt:"signonly"`
		B  string   `ddb:"b,index=ix-a:range"`
	}
	type touchNothing struct {
		_  struct{} `ddbcrypt:"donottouch"`
		PK string   `ddb:"pk,hash"`
		A  string   `ddb:"a,index=ix-a:hash"`
		C  string   `ddb:"c" ddbcrypt:"encrypt"`
	}
	type nothingSigned struct {
		_  struct{} `ddbcrypt:"donottouch"`
		PK string   `ddb:"pk,hash"`
		A  string   `ddb:"a,index=ix-a:hash"`
	}
	for _, typ := range []reflect.Type{reflect.TypeFor[order](), reflect.TypeFor[signAll](), reflect.TypeFor[touchNothing](), reflect.TypeFor[nothingSigned]()} {
		s, err := Of(typ)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, ix := range s.Indexes {
			keys = append(keys, ix.PartitionKey.Name)
			if ix.SortKey != nil {
				keys = append(keys, ix.SortKey.Name)
			}
		}
		ruled, err := s.TaggedActions().ForKeys(keys...)
		if err != nil {
			t.Fatalf("%v: ForKeys: %v", typ, err)
		}
		for _, k := range keys {
			if got, rule := s.Field(k).Action, ruled.Of(k); got != rule {
				t.Errorf("%v: index key %s: schema says %v, the key rule %v", typ, k, got, rule)
			}
		}
	}
	if got := mustOf[nothingSigned](t).Field("a").Action; got != crypto.DoNothing {
		t.Errorf("nothing signed: the index key is %v, want it left alone as the item is", got)
	}
}

func TestIndexErrors(t *testing.T) {
	type noHash struct {
		PK string `ddb:"pk,hash"`
		A  string `ddb:"a,index=ix-a:range"`
	}
	type twoHashes struct {
		PK string `ddb:"pk,hash"`
		A  string `ddb:"a,index=ix-a:hash"`
		B  string `ddb:"b,index=ix-a:hash"`
	}
	type twoRanges struct {
		PK string `ddb:"pk,hash"`
		A  string `ddb:"a,index=ix-a:hash"`
		B  string `ddb:"b,index=ix-a:range"`
		C  int    `ddb:"c,index=ix-b:hash,index=ix-a:range"`
	}
	type set struct {
		PK string   `ddb:"pk,hash"`
		A  []string `ddb:"a,stringset,index=ix-a:hash"`
	}
	type boolKey struct {
		PK string `ddb:"pk,hash"`
		A  string `ddb:"a,index=ix-a:hash"`
		B  bool   `ddb:"b,index=ix-a:range"`
	}
	type encrypted struct {
		PK string `ddb:"pk,hash"`
		A  string `ddb:"a,index=ix-a:hash" ddbcrypt:"encrypt"`
	}
	type unsigned struct {
		PK string `ddb:"pk,hash"`
		A  string `ddb:"a,index=ix-a:hash"`
		B  string `ddb:"b,index=ix-a:range" ddbcrypt:"donottouch"`
	}
	type localNoSort struct {
		PK string `ddb:"pk,hash,index=ix-a:hash"`
		SK string `ddb:"sk,range"`
	}
	type localTableNoSort struct {
		PK string `ddb:"pk,hash,index=ix-a:hash"`
		A  int    `ddb:"a,index=ix-a:range"`
	}
	type tableKeyType struct { // a table key keeps its own role in messages
		PK map[string]string `ddb:"pk,hash,index=ix-a:hash"`
	}
	for _, c := range []struct {
		typ   reflect.Type
		field string
		says  []string
	}{
		{reflect.TypeFor[noHash](), "A", []string{`index "ix-a" has a sort key but no partition key`, "index=ix-a:hash"}},
		{reflect.TypeFor[twoHashes](), "B", []string{`a second partition key of index "ix-a"; the first is field A`}},
		{reflect.TypeFor[twoRanges](), "C", []string{`a second sort key of index "ix-a"; the first is field B`}},
		{reflect.TypeFor[set](), "A", []string{`the partition key of index "ix-a" must be a single value, not a set`}},
		{reflect.TypeFor[boolKey](), "B", []string{`the sort key of index "ix-a": a key is a string, a number or binary, and a bool is stored as none of them`}},
		{reflect.TypeFor[encrypted](), "A", []string{`the partition key of index "ix-a" ` + crypto.ErrKeyEncrypted.Error()}},
		{reflect.TypeFor[unsigned](), "B", []string{`the sort key of index "ix-a" must be signed`}},
		{reflect.TypeFor[localNoSort](), "PK", []string{`index "ix-a" has the table's partition key, which makes it a local secondary index`, "needs a sort key of its own and a table with a sort key"}},
		{reflect.TypeFor[localTableNoSort](), "PK", []string{`index "ix-a"`, "a table with a sort key"}},
		{reflect.TypeFor[tableKeyType](), "PK", []string{`the partition key: a key is a string, a number or binary, and a map[string]string is stored as none of them`}},
	} {
		_, err := Of(c.typ)
		wantErr(t, err, c.typ, c.field, c.says...)
	}
}

// Key types of the kinds and types attributevalue stores as S, N or B.
type (
	kString   string
	kNumber   json.Number
	kBool     bool
	kMarshalN struct{ X int }
	kMarshalL struct{}
	kPanics   struct{}
	kFails    struct{}
)

func (kMarshalN) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return &types.AttributeValueMemberN{Value: "0"}, nil
}
func (*kMarshalL) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return &types.AttributeValueMemberL{}, nil
}
func (kPanics) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) { panic("boom") }
func (kFails) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return nil, errors.New("no")
}

func TestKeyTypes(t *testing.T) {
	type K struct {
		S1 string                `ddb:"s1,hash"`
		S2 *string               `ddb:"s2,index=ix-1:hash"`
		S3 kString               `ddb:"s3,index=ix-2:hash"`
		S4 int                   `ddb:"s4,string,index=ix-3:hash"`
		S5 time.Time             `ddb:"s5,index=ix-4:hash"`
		S6 json.Number           `ddb:"s6,string,index=ix-5:hash"`
		S7 kNumber               `ddb:"s7,index=ix-8:hash"` // a new type without json.Number's methods
		N1 int64                 `ddb:"n1,range"`
		N2 *uint8                `ddb:"n2,index=ix-1:range"`
		N3 float32               `ddb:"n3,index=ix-2:range"`
		N4 json.Number           `ddb:"n4,index=ix-3:range"`
		N5 attributevalue.Number `ddb:"n5,index=ix-4:range"`
		N6 time.Time             `ddb:"n6,unixtime,index=ix-5:range"`
		N7 kMarshalN             `ddb:"n7,index=ix-6:hash"`
		N8 *kMarshalN            `ddb:"n8,index=ix-7:hash"`
		B1 []byte                `ddb:"b1,index=ix-6:range"`
		B2 [16]byte              `ddb:"b2,index=ix-7:range"`
	}
	s := mustOf[K](t)
	// The name says the type, and so does attributevalue.
	v := reflect.New(s.Type).Elem()
	fill(v, 0)
	av, err := attributevalue.NewEncoder(func(o *attributevalue.EncoderOptions) { o.TagKey = "ddb" }).Encode(v.Interface())
	if err != nil {
		t.Fatal(err)
	}
	item := av.(*types.AttributeValueMemberM).Value
	for _, f := range s.Fields {
		want := map[byte]types.ScalarAttributeType{'s': "S", 'n': "N", 'b': "B"}[f.Name[0]]
		if f.KeyType != want {
			t.Errorf("%s (%v): KeyType %q, want %q", f.Name, f.Type, f.KeyType, want)
		}
		written := map[reflect.Type]types.ScalarAttributeType{
			reflect.TypeFor[*types.AttributeValueMemberS](): "S",
			reflect.TypeFor[*types.AttributeValueMemberN](): "N",
			reflect.TypeFor[*types.AttributeValueMemberB](): "B",
		}[reflect.TypeOf(item[f.Name])]
		if written != want {
			t.Errorf("%s (%v): attributevalue writes %T, want %s", f.Name, f.Type, item[f.Name], want)
		}
	}

	for _, c := range []struct {
		typ  reflect.Type
		says string
	}{
		{reflect.TypeFor[struct {
			K kBool `ddb:"k,hash"`
		}](), "a schema.kBool is stored as none of them"},
		{reflect.TypeFor[struct {
			K []string `ddb:"k,hash"`
		}](), "a []string is stored as none of them"},
		{reflect.TypeFor[struct {
			K any `ddb:"k,hash"`
		}](), "a interface {} is stored as none of them"},
		{reflect.TypeFor[struct {
			K struct{ A string } `ddb:"k,hash"`
		}](), "is stored as none of them"},
		{reflect.TypeFor[struct {
			K kMarshalL `ddb:"k,hash"`
		}](), "schema.kMarshalL's MarshalDynamoDBAttributeValue writes *types.AttributeValueMemberL for the zero value"},
		{reflect.TypeFor[struct {
			K kPanics `ddb:"k,hash"`
		}](), "panicked on the zero value, so the key's type cannot be known: boom"},
		{reflect.TypeFor[struct {
			K kFails `ddb:"k,hash"`
		}](), "failed on the zero value, so the key's type cannot be known: no"},
	} {
		_, err := Of(c.typ)
		wantErr(t, err, c.typ, "K", "the partition key: ", c.says)
	}
}

// catalog is tagged for attributevalue only, as Go code tags structs today.
type catalog struct {
	SKU     string            `dynamodbav:"sku"`
	Title   string            `dynamodbav:"title,omitempty"`
	Tags    []string          `dynamodbav:"tags,stringset"`
	Price   int               `dynamodbav:",string"`
	Skip    string            `dynamodbav:"-"`
	Meta    map[string]string `dynamodbav:"meta" ddbcrypt:"signonly"`
	Plain   int
	private string //lint:ignore U1000 unexported fields are skipped
}

// TestDynamodbav: the names and options come from the dynamodbav tag, and
// the attributes are those attributevalue.MarshalMap writes.
func TestDynamodbav(t *testing.T) {
	s := mustOf[catalog](t)
	checkFields(t, s, []want{
		{"sku", "SKU", []int{0}, None, crypto.EncryptAndSign},
		{"title", "Title", []int{1}, None, crypto.EncryptAndSign},
		{"tags", "Tags", []int{2}, None, crypto.EncryptAndSign},
		{"Price", "Price", []int{3}, None, crypto.EncryptAndSign},
		{"meta", "Meta", []int{5}, None, crypto.SignOnly},
		{"Plain", "Plain", []int{6}, None, crypto.EncryptAndSign},
	})
	if f := s.Field("title"); !f.Tag.OmitEmpty {
		t.Errorf("title: %+v, want omitempty", f.Tag)
	}
	if f := s.Field("tags"); !f.Tag.AsStrSet {
		t.Errorf("tags: %+v, want stringset", f.Tag)
	}
	if f := s.Field("Price"); !f.Tag.AsString {
		t.Errorf("Price: %+v, want string", f.Tag)
	}
	v := catalog{SKU: "a", Title: "t", Tags: []string{"x"}, Price: 1, Skip: "s", Meta: map[string]string{"k": "v"}, Plain: 2}
	item, err := attributevalue.MarshalMap(v)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range item {
		names = append(names, name)
	}
	slices.Sort(names)
	if got := schemaNames(s, nil); !slices.Equal(got, names) {
		t.Errorf("schema has %v, MarshalMap writes %v", got, names)
	}

	// With a ddb tag that agrees, the ddb tag adds the roles.
	type both struct {
		SKU   string `dynamodbav:"sku" ddb:"sku,hash"`
		Title string `dynamodbav:"title,omitempty" ddb:"title,omitempty,index=by-title:hash"`
	}
	s2 := mustOf[both](t)
	if s2.PartitionKey == nil || s2.PartitionKey.Name != "sku" || s2.Index("by-title") == nil || !s2.Field("title").Tag.OmitEmpty {
		t.Errorf("both tags: %+v", s2)
	}

	type disagree struct {
		X string `ddb:"x" dynamodbav:"y"`
	}
	typ, err := errOf[disagree]()
	wantErr(t, err, typ, "X", `tag ddb:"x": disagrees with dynamodbav:"y"`)
	var te *tags.Error
	if !errors.As(err, &te) || te.Field != "X" {
		t.Errorf("%v does not wrap the *tags.Error", err)
	}

	type ignoredCrypt struct {
		X string `dynamodbav:"-" ddbcrypt:"encrypt"`
	}
	typ, err = errOf[ignoredCrypt]()
	wantErr(t, err, typ, "X", `not stored ("-") but tagged ddbcrypt:"encrypt"`)

	type unexportedAV struct {
		x string `dynamodbav:"x"` //lint:ignore U1000 test type
	}
	typ, err = errOf[unexportedAV]()
	wantErr(t, err, typ, "x", "unexported, so its tags would have no effect")
	type unexportedAVDash struct {
		X string
		x string `dynamodbav:"-"` //lint:ignore U1000 test type
	}
	mustOf[unexportedAVDash](t)

	type blankAV struct {
		_ struct{} `dynamodbav:"x"`
	}
	typ, err = errOf[blankAV]()
	wantErr(t, err, typ, "_", "blank field with a dynamodbav tag")

	type promotedAV struct {
		Inner `dynamodbav:",omitempty"`
	}
	typ, err = errOf[promotedAV]()
	wantErr(t, err, typ, "Inner", "embedded struct without a name")
}

// Inner is embedded by a test type.
type Inner struct{ A string }

// AsKeyType answers for fields without a key tag what KeyType says for key
// fields, so that a struct without key roles can take its keys from the
// table.
func TestAsKeyType(t *testing.T) {
	type K struct {
		S1 string    `dynamodbav:"s1"`
		S2 int       `ddb:"s2,string"`
		N1 *int64    `ddb:"n1"`
		N2 time.Time `ddb:"n2,unixtime"`
		N3 kMarshalN `ddb:"n3"`
		B1 []byte    `ddb:"b1"`
		S3 string    `ddb:"s3,index=ix-1:hash"` // a key field: its KeyType
		X1 bool      `ddb:"x1"`
		X2 []string  `ddb:"x2,stringset"`
	}
	s := mustOf[K](t)
	for _, f := range s.Fields {
		got, err := f.AsKeyType()
		if f.Name[0] == 'x' {
			if err == nil || got != "" {
				t.Errorf("%s (%v): %q, %v; want an error", f.Name, f.Type, got, err)
			}
			continue
		}
		want := map[byte]types.ScalarAttributeType{'s': "S", 'n': "N", 'b': "B"}[f.Name[0]]
		if err != nil || got != want {
			t.Errorf("%s (%v): %q, %v; want %q", f.Name, f.Type, got, err, want)
		}
	}
}
