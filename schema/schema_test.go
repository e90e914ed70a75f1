package schema

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/tags"
)

// DataPoJo is the guide's Java mapper example.
type DataPoJo = testenv.GuideRecord

type want struct {
	name   string
	goName string
	index  []int
	role   Role
	action crypto.Action
}

func mustOf[T any](t *testing.T) *Schema {
	t.Helper()
	s, err := For[T]()
	if err != nil {
		t.Fatalf("For[%v]: %v", reflect.TypeFor[T](), err)
	}
	return s
}

func checkFields(t *testing.T, s *Schema, wants []want) {
	t.Helper()
	var got []want
	for _, f := range s.Fields {
		got = append(got, want{f.Name, f.GoName, f.Index, f.Role, f.Action})
	}
	if !reflect.DeepEqual(got, wants) {
		t.Errorf("%v fields:\n got %v\nwant %v", s.Type, got, wants)
	}
	for i := range s.Fields {
		f := &s.Fields[i]
		if s.Field(f.Name) != f {
			t.Errorf("Field(%q) = %p, want %p", f.Name, s.Field(f.Name), f)
		}
	}
}

// wantErr checks that err is a *Error about type typ (and field, if not
// empty) wrapping ErrInvalidConfig, whose message holds every one of says.
func wantErr(t *testing.T, err error, typ reflect.Type, field string, says ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%v: no error, want one saying %q", typ, says)
	}
	if !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
		t.Errorf("%v: %v does not wrap ErrInvalidConfig", typ, err)
	}
	var se *Error
	if !errors.As(err, &se) {
		t.Fatalf("%v: %v is not a *schema.Error", typ, err)
	}
	if se.Type != typ || se.Field != field {
		t.Errorf("%v: error about type %v field %q, want field %q: %v", typ, se.Type, se.Field, field, err)
	}
	msg := err.Error()
	for _, s := range append(says, typ.String()) {
		if !strings.Contains(msg, s) {
			t.Errorf("%v: error %q does not say %q", typ, msg, s)
		}
	}
	if field != "" && !strings.Contains(msg, "field "+field) {
		t.Errorf("%v: error %q does not name field %s", typ, msg, field)
	}
}

func errOf[T any]() (reflect.Type, error) {
	_, err := For[T]()
	return reflect.TypeFor[T](), err
}

func TestDataPoJo(t *testing.T) {
	s := mustOf[DataPoJo](t)
	checkFields(t, s, []want{
		{"partition_attribute", "PartitionAttribute", []int{0}, PartitionKey, crypto.SignOnly},
		{"sort_attribute", "SortAttribute", []int{1}, SortKey, crypto.SignOnly},
		{"example", "Example", []int{2}, None, crypto.EncryptAndSign},
		{"some numbers", "SomeNumbers", []int{3}, None, crypto.EncryptAndSign},
		{"and some binary", "SomeBinary", []int{4}, None, crypto.EncryptAndSign},
		{"leave me", "LeaveMe", []int{5}, None, crypto.DoNothing},
	})
	if s.Type != reflect.TypeFor[DataPoJo]() || s.Default != crypto.EncryptAndSign || s.TableName != "" {
		t.Errorf("Type %v, Default %v, TableName %q", s.Type, s.Default, s.TableName)
	}
	if s.PartitionKey != s.Field("partition_attribute") || s.SortKey != s.Field("sort_attribute") || s.Version != nil {
		t.Errorf("keys %p %p %p", s.PartitionKey, s.SortKey, s.Version)
	}
	if s.Field("LeaveMe") != nil || s.Field("nope") != nil {
		t.Error("Field found a name that is not an attribute")
	}
	if f := s.Field("and some binary"); f.Type != reflect.TypeFor[[]byte]() || f.Tag.Name != "and some binary" {
		t.Errorf("Type %v, Tag %+v", f.Type, f.Tag)
	}
}

func TestOfTypes(t *testing.T) {
	s := mustOf[DataPoJo](t)
	for _, typ := range []reflect.Type{reflect.TypeFor[DataPoJo](), reflect.TypeFor[*DataPoJo]()} {
		if got, err := Of(typ); err != nil || got != s {
			t.Errorf("Of(%v) = %p, %v; want the cached %p", typ, got, err, s)
		}
	}
	if got := mustOf[*DataPoJo](t); got != s {
		t.Errorf("For[*DataPoJo] = %p, want %p", got, s)
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[int](), reflect.TypeFor[*int](), reflect.TypeFor[**DataPoJo](),
		reflect.TypeFor[[]DataPoJo](), reflect.TypeFor[map[string]any](), reflect.TypeFor[any](),
	} {
		_, err := Of(typ)
		want := typ
		if typ.Kind() == reflect.Pointer {
			want = typ.Elem()
		}
		wantErr(t, err, want, "", "not a struct")
	}
	_, err := Of(nil)
	if !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
		t.Errorf("Of(nil) = %v", err)
	}
}

type timeItem time.Time

type marshalerItem struct{ A string }

func (marshalerItem) MarshalDynamoDBAttributeValue() (any, error) { return nil, nil }

func TestNotItems(t *testing.T) {
	typ, err := errOf[time.Time]()
	wantErr(t, err, typ, "", "encodes as a time")
	typ, err = errOf[timeItem]()
	wantErr(t, err, typ, "", "encodes as a time")
	typ, err = errOf[marshalerItem]()
	wantErr(t, err, typ, "", "MarshalDynamoDBAttributeValue")
}

func TestEmpty(t *testing.T) {
	s := mustOf[struct{}](t)
	if len(s.Fields) != 0 || s.PartitionKey != nil || s.SortKey != nil || s.Version != nil || s.Default != crypto.EncryptAndSign {
		t.Errorf("%+v", s)
	}
}

func TestTags(t *testing.T) {
	type T struct {
		A  string            `ddb:"a,omitempty,omitemptyelem" ddbcrypt:"signonly"`
		B  []string          `ddb:"b,stringset,nullempty"`
		C  []int             `ddb:",numberset,nullemptyelem"`
		D  [][]byte          `ddb:"d,binaryset"`
		E  time.Time         `ddb:"e,unixtime"`
		F  int               `ddb:"f,string"`
		G  map[string]string `ddb:"g"`
		H  *string
		I  any
		J  string `ddb:"-"`
		K  string `ddbcrypt:"encrypt"`
		L  [3]int
		j  string //lint:ignore U1000 unexported fields are skipped
		_  int
		Nn struct{ X string } `ddb:"nn"`
	}
	s := mustOf[T](t)
	checkFields(t, s, []want{
		{"a", "A", []int{0}, None, crypto.SignOnly},
		{"b", "B", []int{1}, None, crypto.EncryptAndSign},
		{"C", "C", []int{2}, None, crypto.EncryptAndSign},
		{"d", "D", []int{3}, None, crypto.EncryptAndSign},
		{"e", "E", []int{4}, None, crypto.EncryptAndSign},
		{"f", "F", []int{5}, None, crypto.EncryptAndSign},
		{"g", "G", []int{6}, None, crypto.EncryptAndSign},
		{"H", "H", []int{7}, None, crypto.EncryptAndSign},
		{"I", "I", []int{8}, None, crypto.EncryptAndSign},
		{"K", "K", []int{10}, None, crypto.EncryptAndSign},
		{"L", "L", []int{11}, None, crypto.EncryptAndSign},
		{"nn", "Nn", []int{14}, None, crypto.EncryptAndSign},
	})
	wantTags := map[string]tags.Tag{
		"a": {Name: "a", OmitEmpty: true, OmitEmptyElem: true, Action: crypto.SignOnly, HasAction: true},
		"b": {Name: "b", AsStrSet: true, NullEmpty: true},
		"C": {AsNumSet: true, NullEmptyElem: true},
		"d": {Name: "d", AsBinSet: true},
		"e": {Name: "e", AsUnixTime: true},
		"f": {Name: "f", AsString: true},
		"H": {},
		"K": {Action: crypto.EncryptAndSign, HasAction: true},
	}
	for name, tag := range wantTags {
		if got := s.Field(name).Tag; !reflect.DeepEqual(got, tag) {
			t.Errorf("%s: Tag %+v, want %+v", name, got, tag)
		}
	}
	if got := s.Field("H").Type; got != reflect.TypeFor[*string]() {
		t.Errorf("H: Type %v, want the declared *string", got)
	}
	if s.Field("H").ViaPointer {
		t.Error("H: ViaPointer")
	}
}

func TestTagErrors(t *testing.T) {
	type Base struct {
		ID string `ddb:"id,hsah"`
	}
	type Outer struct{ Base }
	typ, err := errOf[Outer]()
	wantErr(t, err, typ, "Base.ID", `unknown option "hsah"`)
	var te *tags.Error
	if !errors.As(err, &te) || te.Field != "ID" {
		t.Errorf("%v does not wrap the *tags.Error", err)
	}

	type Crypt struct {
		X string `ddbcrypt:"sign"`
	}
	typ, err = errOf[Crypt]()
	wantErr(t, err, typ, "X", `ddbcrypt:"sign"`)

	type IgnoredCrypt struct {
		X string `ddb:"-" ddbcrypt:"signonly"`
	}
	typ, err = errOf[IgnoredCrypt]()
	wantErr(t, err, typ, "X", `not stored ("-") but tagged ddbcrypt:"signonly"`)
}

func TestUnexported(t *testing.T) {
	type OK struct {
		A string
		b string `ddb:"-"` //lint:ignore U1000 test type
		c string //lint:ignore U1000 test type
	}
	checkFields(t, mustOf[OK](t), []want{{"A", "A", []int{0}, None, crypto.EncryptAndSign}})

	type Named struct {
		A string
		b string `ddb:"b"` //lint:ignore U1000 test type
	}
	typ, err := errOf[Named]()
	wantErr(t, err, typ, "b", "unexported")

	type Crypt struct {
		A string
		b string `ddbcrypt:"signonly"` //lint:ignore U1000 test type
	}
	typ, err = errOf[Crypt]()
	wantErr(t, err, typ, "b", "unexported")
}

func TestUnstorable(t *testing.T) {
	type OK struct {
		A  string
		Ch chan int `ddb:"-"`
		Fn func()   `ddb:"-"`
	}
	checkFields(t, mustOf[OK](t), []want{{"A", "A", []int{0}, None, crypto.EncryptAndSign}})

	type Chan struct{ Ch chan int }
	typ, err := errOf[Chan]()
	wantErr(t, err, typ, "Ch", "chan cannot be stored")
	type Func struct{ Fn *func() }
	typ, err = errOf[Func]()
	wantErr(t, err, typ, "Fn", "func cannot be stored")
}

func TestReserved(t *testing.T) {
	type Desc struct {
		D []byte `ddb:"*amzn-ddb-map-desc*"`
	}
	typ, err := errOf[Desc]()
	wantErr(t, err, typ, "D", "reserved")
	type Sig struct {
		S []byte `ddb:"*amzn-ddb-map-sig*" ddbcrypt:"donottouch"`
	}
	typ, err = errOf[Sig]()
	wantErr(t, err, typ, "S", "reserved")
}

func TestDefault(t *testing.T) {
	type SignOnlyDefault struct {
		_  struct{} `ddbcrypt:"signonly"`
		PK string   `ddb:"pk,hash"`
		A  string
		B  string `ddbcrypt:"encrypt"`
		C  string `ddbcrypt:"donottouch"`
	}
	s := mustOf[SignOnlyDefault](t)
	if s.Default != crypto.SignOnly {
		t.Errorf("Default %v", s.Default)
	}
	checkFields(t, s, []want{
		{"pk", "PK", []int{1}, PartitionKey, crypto.SignOnly},
		{"A", "A", []int{2}, None, crypto.SignOnly},
		{"B", "B", []int{3}, None, crypto.EncryptAndSign},
		{"C", "C", []int{4}, None, crypto.DoNothing},
	})

	type EncryptDefault struct {
		A string
		_ int `ddbcrypt:"encrypt"`
	}
	s = mustOf[EncryptDefault](t)
	checkFields(t, s, []want{{"A", "A", []int{0}, None, crypto.EncryptAndSign}})

	type Two struct {
		_ struct{} `ddbcrypt:"signonly"`
		_ struct{} `ddbcrypt:"encrypt"`
		A string
	}
	typ, err := errOf[Two]()
	wantErr(t, err, typ, "_", "more than one blank field")

	type BlankDDB struct {
		_ struct{} `ddb:"x" ddbcrypt:"signonly"`
	}
	typ, err = errOf[BlankDDB]()
	wantErr(t, err, typ, "_", "blank field with a ddb tag")

	type BadBlank struct {
		_ struct{} `ddbcrypt:"sign"`
	}
	typ, err = errOf[BadBlank]()
	wantErr(t, err, typ, "_", `ddbcrypt:"sign"`)

	type Inner struct {
		_ struct{} `ddbcrypt:"signonly"`
		X string
	}
	type Outer struct{ Inner }
	typ, err = errOf[Outer]()
	wantErr(t, err, typ, "Inner._", "only read in the top-level struct")

	// A blank field without a tag, anywhere, is nothing.
	type Plain struct {
		_ struct{}
		X string
	}
	type Outer2 struct{ Plain }
	checkFields(t, mustOf[Outer2](t), []want{{"X", "Plain.X", []int{0, 1}, None, crypto.EncryptAndSign}})
}

func TestKeys(t *testing.T) {
	type Defaulted struct {
		Ver int64  `ddb:"ver,version"`
		PK  string `ddb:"pk,hash"`
		SK  []byte `ddb:"sk,range"`
	}
	s := mustOf[Defaulted](t)
	checkFields(t, s, []want{
		{"ver", "Ver", []int{0}, Version, crypto.SignOnly},
		{"pk", "PK", []int{1}, PartitionKey, crypto.SignOnly},
		{"sk", "SK", []int{2}, SortKey, crypto.SignOnly},
	})
	if s.PartitionKey != &s.Fields[1] || s.SortKey != &s.Fields[2] || s.Version != &s.Fields[0] {
		t.Error("key pointers do not point into Fields")
	}

	type Explicit struct {
		PK  string `ddb:"pk,hash" ddbcrypt:"signonly"`
		SK  string `ddb:"sk,range" ddbcrypt:"signonly"`
		Ver *uint8 `ddb:"ver,version" ddbcrypt:"donottouch"` // allowed, as in Java
	}
	checkFields(t, mustOf[Explicit](t), []want{
		{"pk", "PK", []int{0}, PartitionKey, crypto.SignOnly},
		{"sk", "SK", []int{1}, SortKey, crypto.SignOnly},
		{"ver", "Ver", []int{2}, Version, crypto.DoNothing},
	})

	type HashOnly struct {
		PK string `ddb:"pk,hash"`
	}
	s = mustOf[HashOnly](t)
	if s.PartitionKey == nil || s.SortKey != nil || s.Version != nil {
		t.Errorf("keys %v %v %v", s.PartitionKey, s.SortKey, s.Version)
	}

	type EncryptHash struct {
		PK string `ddb:"pk,hash" ddbcrypt:"encrypt"`
	}
	typ, err := errOf[EncryptHash]()
	wantErr(t, err, typ, "PK", "partition key cannot be encrypted")
	type EncryptRange struct {
		PK string `ddb:"pk,hash"`
		SK string `ddb:"sk,range" ddbcrypt:"encrypt"`
	}
	typ, err = errOf[EncryptRange]()
	wantErr(t, err, typ, "SK", "sort key cannot be encrypted")
	type EncryptVersion struct {
		V int `ddb:"v,version" ddbcrypt:"encrypt"`
	}
	typ, err = errOf[EncryptVersion]()
	wantErr(t, err, typ, "V", "version attribute cannot be encrypted")
	type UntouchedHash struct {
		PK string `ddb:"pk,hash" ddbcrypt:"donottouch"`
	}
	typ, err = errOf[UntouchedHash]()
	wantErr(t, err, typ, "PK", "partition key must be signed")
	type UntouchedRange struct {
		PK string `ddb:"pk,hash"`
		SK string `ddb:"sk,range" ddbcrypt:"donottouch"`
	}
	typ, err = errOf[UntouchedRange]()
	wantErr(t, err, typ, "SK", "sort key must be signed")

	type TwoHash struct {
		A string `ddb:"a,hash"`
		B string `ddb:"b,hash"`
	}
	typ, err = errOf[TwoHash]()
	wantErr(t, err, typ, "B", "second partition key", "field A")
	type TwoRange struct {
		H string `ddb:"h,hash"`
		A string `ddb:"a,range"`
		B string `ddb:"b,range"`
	}
	typ, err = errOf[TwoRange]()
	wantErr(t, err, typ, "B", "second sort key", "field A")
	type TwoVersion struct {
		A int `ddb:"a,version"`
		B int `ddb:"b,version"`
	}
	typ, err = errOf[TwoVersion]()
	wantErr(t, err, typ, "B", "second version", "field A")
	type RangeOnly struct {
		SK string `ddb:"sk,range"`
	}
	typ, err = errOf[RangeOnly]()
	wantErr(t, err, typ, "SK", "needs a partition key")
	for _, typ := range []reflect.Type{
		reflect.TypeFor[struct {
			PK []string `ddb:"pk,hash,stringset"`
		}](),
		reflect.TypeFor[struct {
			PK string   `ddb:"pk,hash"`
			SK [][]byte `ddb:"sk,range,binaryset"`
		}](),
		reflect.TypeFor[struct {
			V []int `ddb:"v,version,numberset"`
		}](),
	} {
		_, err := Of(typ)
		wantErr(t, err, typ, typ.Field(typ.NumField()-1).Name, "not a set")
	}

	type TwoRoles struct {
		PK string `ddb:"pk,hash,range"`
	}
	typ, err = errOf[TwoRoles]()
	wantErr(t, err, typ, "PK", "more than one key role")
}

func TestVersionType(t *testing.T) {
	type Ints struct {
		A int `ddb:"a,version"`
		B struct {
			V int8 `ddb:"v,version"` // nested (not embedded): not a role of the item
		} `ddb:"b"`
	}
	if s := mustOf[Ints](t); s.Version.Name != "a" {
		t.Errorf("Version %+v", s.Version)
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[struct {
			V string `ddb:"v,version"`
		}](),
		reflect.TypeFor[struct {
			V float64 `ddb:"v,version"`
		}](),
		reflect.TypeFor[struct {
			V uintptr `ddb:"v,version"`
		}](),
		reflect.TypeFor[struct {
			V *bool `ddb:"v,version"`
		}](),
	} {
		_, err := Of(typ)
		wantErr(t, err, typ, "V", "version attribute must be an integer")
	}
	type AsString struct {
		V int `ddb:"v,version,string"`
	}
	typ, err := errOf[AsString]()
	wantErr(t, err, typ, "V", "stored as a number")

	type Untouched struct {
		V int `ddb:"v,version" ddbcrypt:"donottouch"` // as Java allows
		X string
	}
	checkFields(t, mustOf[Untouched](t), []want{
		{"v", "V", []int{0}, Version, crypto.DoNothing},
		{"X", "X", []int{1}, None, crypto.EncryptAndSign},
	})
}

// With crypto.DoNothing by default, keys are signed as soon as anything is, and
// left alone when nothing is (Java's @crypto.DoNothing class).
func TestDoNotTouchDefault(t *testing.T) {
	type Nothing struct {
		_   struct{} `ddbcrypt:"donottouch"`
		PK  string   `ddb:"pk,hash"`
		SK  string   `ddb:"sk,range"`
		V   int      `ddb:"v,version"`
		Any string
	}
	s := mustOf[Nothing](t)
	if s.Default != crypto.DoNothing {
		t.Errorf("Default %v", s.Default)
	}
	checkFields(t, s, []want{
		{"pk", "PK", []int{1}, PartitionKey, crypto.DoNothing},
		{"sk", "SK", []int{2}, SortKey, crypto.DoNothing},
		{"v", "V", []int{3}, Version, crypto.DoNothing},
		{"Any", "Any", []int{4}, None, crypto.DoNothing},
	})

	type Something struct {
		_      struct{} `ddbcrypt:"donottouch"`
		PK     string   `ddb:"pk,hash"`
		SK     string   `ddb:"sk,range"`
		V      int      `ddb:"v,version"`
		Any    string
		Secret string `ddbcrypt:"encrypt"`
	}
	checkFields(t, mustOf[Something](t), []want{
		{"pk", "PK", []int{1}, PartitionKey, crypto.SignOnly},
		{"sk", "SK", []int{2}, SortKey, crypto.SignOnly},
		{"v", "V", []int{3}, Version, crypto.SignOnly},
		{"Any", "Any", []int{4}, None, crypto.DoNothing},
		{"Secret", "Secret", []int{5}, None, crypto.EncryptAndSign},
	})

	type SignedKey struct {
		_  struct{} `ddbcrypt:"donottouch"`
		PK string   `ddb:"pk,hash" ddbcrypt:"signonly"`
		SK string   `ddb:"sk,range"`
	}
	checkFields(t, mustOf[SignedKey](t), []want{
		{"pk", "PK", []int{1}, PartitionKey, crypto.SignOnly},
		{"sk", "SK", []int{2}, SortKey, crypto.SignOnly},
	})
}

type Audit struct {
	Created int64  `ddb:"created"`
	By      string `ddb:"by" ddbcrypt:"signonly"`
}

type Owner struct {
	OwnerID string `ddb:"owner_id,range"`
}

type internal struct {
	Note string `ddb:"note"`
}

type Level2 struct {
	Deep string `ddb:"deep"`
}

type Level1 struct {
	*Level2
	Mid string `ddb:"mid"`
}

type Embedding struct {
	ID string `ddb:"id,hash"`
	Audit
	*Owner
	internal
	Level1
	Named  Audit  `ddb:"named"`
	NamedP *Owner `ddb:"named_p" ddbcrypt:"signonly"`
	Last   string
}

func TestEmbedding(t *testing.T) {
	s := mustOf[Embedding](t)
	checkFields(t, s, []want{
		{"id", "ID", []int{0}, PartitionKey, crypto.SignOnly},
		{"created", "Audit.Created", []int{1, 0}, None, crypto.EncryptAndSign},
		{"by", "Audit.By", []int{1, 1}, None, crypto.SignOnly},
		{"owner_id", "Owner.OwnerID", []int{2, 0}, SortKey, crypto.SignOnly},
		{"note", "internal.Note", []int{3, 0}, None, crypto.EncryptAndSign},
		{"deep", "Level1.Level2.Deep", []int{4, 0, 0}, None, crypto.EncryptAndSign},
		{"mid", "Level1.Mid", []int{4, 1}, None, crypto.EncryptAndSign},
		{"named", "Named", []int{5}, None, crypto.EncryptAndSign},
		{"named_p", "NamedP", []int{6}, None, crypto.SignOnly},
		{"Last", "Last", []int{7}, None, crypto.EncryptAndSign},
	})
	for _, f := range s.Fields {
		want := f.Name == "owner_id" || f.Name == "deep"
		if f.ViaPointer != want {
			t.Errorf("%s: ViaPointer %v", f.Name, f.ViaPointer)
		}
	}
	if s.SortKey.Name != "owner_id" || s.Field("named_p").Type != reflect.TypeFor[*Owner]() {
		t.Errorf("SortKey %+v, named_p %+v", s.SortKey, s.Field("named_p"))
	}

	// Index works with reflect on a populated value.
	v := Embedding{ID: "i", Owner: &Owner{OwnerID: "o"}, Level1: Level1{Level2: &Level2{Deep: "d"}}}
	for name, want := range map[string]string{"id": "i", "owner_id": "o", "deep": "d"} {
		got, err := reflect.ValueOf(v).FieldByIndexErr(s.Field(name).Index)
		if err != nil || got.String() != want {
			t.Errorf("%s = %v, %v", name, got, err)
		}
	}
}

type Node struct {
	*Node
	X string
}

type ignoredEmbed struct{ Gone string }

type Scalar int

//lint:ignore U1000 embedded to test how unexported embedded fields are treated
type unexportedScalar int

type EmbedMisc struct {
	ignoredEmbed `ddb:"-"`
	Scalar
	time.Time `ddb:"when"`
	Node
	//lint:ignore U1000 read through reflection
	unexportedScalar `ddb:"-"`
}

func TestEmbeddingMisc(t *testing.T) {
	// A recursive type is explored once; an embedded non-struct is an
	// attribute named after its type; a time embedded with a name is an
	// attribute.
	checkFields(t, mustOf[Node](t), []want{{"X", "X", []int{1}, None, crypto.EncryptAndSign}})
	checkFields(t, mustOf[EmbedMisc](t), []want{
		{"Scalar", "Scalar", []int{1}, None, crypto.EncryptAndSign},
		{"when", "Time", []int{2}, None, crypto.EncryptAndSign},
		{"X", "Node.X", []int{3, 1}, None, crypto.EncryptAndSign},
	})

	// attributevalue would list an unexported embedded field that is not
	// flattened, then panic on it.
	type UnexportedScalar struct {
		unexportedScalar //lint:ignore U1000 read through reflection
	}
	typ, err := errOf[UnexportedScalar]()
	wantErr(t, err, typ, "unexportedScalar", "unexported embedded field")
	type UnexportedNamed struct {
		internal `ddb:"in"`
	}
	typ, err = errOf[UnexportedNamed]()
	wantErr(t, err, typ, "internal", "unexported embedded field")

	// A time embedded without a name is flattened, and has no exported
	// fields: attributevalue writes nothing for it.
	type Flat struct {
		time.Time
		A string
	}
	checkFields(t, mustOf[Flat](t), []want{{"A", "A", []int{1}, None, crypto.EncryptAndSign}})
}

func TestEmbeddedTags(t *testing.T) {
	type Crypt struct {
		Audit `ddbcrypt:"signonly"`
	}
	typ, err := errOf[Crypt]()
	wantErr(t, err, typ, "Audit", "flattened")
	type Opts struct {
		*Audit `ddb:",omitempty"`
	}
	typ, err = errOf[Opts]()
	wantErr(t, err, typ, "Audit", "flattened")
	type KeyRole struct {
		Audit `ddb:",hash"`
	}
	typ, err = errOf[KeyRole]()
	wantErr(t, err, typ, "Audit", "flattened")
}

type ShadowBase struct {
	Name  string `ddb:"name"`
	Other string
}

type TaggedAtDepth struct {
	X string `ddb:"x"`
}

type UntaggedAtDepth struct {
	X string
}

type Shadow struct {
	ShadowBase
	TaggedAtDepth
	UntaggedAtDepth
	Name string `ddb:"name"` // hides ShadowBase.Name
}

func TestShadowing(t *testing.T) {
	// The shallowest field wins; at equal depth the tagged one does: "X" is
	// UntaggedAtDepth.X (its only field named "X"), "x" is TaggedAtDepth.X.
	checkFields(t, mustOf[Shadow](t), []want{
		{"Other", "ShadowBase.Other", []int{0, 1}, None, crypto.EncryptAndSign},
		{"x", "TaggedAtDepth.X", []int{1, 0}, None, crypto.EncryptAndSign},
		{"X", "UntaggedAtDepth.X", []int{2, 0}, None, crypto.EncryptAndSign},
		{"name", "Name", []int{3}, None, crypto.EncryptAndSign},
	})

	type B struct {
		V string
	}
	type C struct {
		W string `ddb:"V"`
	}
	type TagWins struct {
		B // "V", untagged
		C // "V", from a tag: wins
	}
	checkFields(t, mustOf[TagWins](t), []want{{"V", "C.W", []int{1, 0}, None, crypto.EncryptAndSign}})
}

type clashA struct {
	V string
}

type clashB struct {
	V string
}

type clashTA struct {
	V string `ddb:"v"`
}

type clashTB struct {
	W string `ddb:"v"`
}

type Twice1 struct{ clashA }
type Twice2 struct{ clashA }

type roleBase struct {
	ID string `ddb:"id,hash"`
}

type cryptBase struct {
	ID string `ddb:"id" ddbcrypt:"signonly"`
}

func TestClashes(t *testing.T) {
	type Top struct {
		A string `ddb:"x"`
		B string `ddb:"x"`
	}
	typ, err := errOf[Top]()
	wantErr(t, err, typ, "A", `attribute "x" is ambiguous`, "also field B")

	type TopGoName struct {
		X string
		Y string `ddb:"X"`
	}
	// The tag wins at equal depth: no clash.
	checkFields(t, mustOf[TopGoName](t), []want{{"X", "Y", []int{1}, None, crypto.EncryptAndSign}})

	type Untagged struct {
		clashA
		clashB
	}
	typ, err = errOf[Untagged]()
	wantErr(t, err, typ, "clashA.V", `attribute "V" is ambiguous`, "also field clashB.V")

	type Tagged struct {
		clashTA
		clashTB
	}
	typ, err = errOf[Tagged]()
	wantErr(t, err, typ, "clashTA.V", `attribute "v" is ambiguous`, "also field clashTB.W")

	type Twice struct {
		Twice1
		Twice2
	}
	typ, err = errOf[Twice]()
	wantErr(t, err, typ, "Twice1.clashA.V", `attribute "V" is ambiguous`, "embedded more than once", "also as Twice2.clashA")

	// A shallower field settles a clash below it.
	type Settled struct {
		Twice1
		Twice2
		V string `ddb:"V"`
	}
	checkFields(t, mustOf[Settled](t), []want{{"V", "V", []int{2}, None, crypto.EncryptAndSign}})

	type HiddenRole struct {
		roleBase
		ID string `ddb:"id"`
	}
	typ, err = errOf[HiddenRole]()
	wantErr(t, err, typ, "roleBase.ID", "hidden by field ID")

	type HiddenCrypt struct {
		cryptBase
		ID string `ddb:"id"`
	}
	typ, err = errOf[HiddenCrypt]()
	wantErr(t, err, typ, "cryptBase.ID", "hidden by field ID")
}

type tableByValue struct{ A string }

func (tableByValue) TableName() string { return "by-value" }

type tableByPointer struct{ Env string }

func (t *tableByPointer) TableName() string { return "orders" + t.Env }

type tableBadSig struct{ A string }

func (tableBadSig) TableName() (string, error) { return "", nil }

type tablePanics struct{ M map[string]int }

func (t tablePanics) TableName() string { t.M["x"] = 1; return "" }

type tablePromoted struct {
	tableByValue
	B string
}

func TestTableName(t *testing.T) {
	for name, got := range map[string]string{
		"by-value": mustOf[tableByValue](t).TableName,
		"orders":   mustOf[tableByPointer](t).TableName,
		"":         mustOf[DataPoJo](t).TableName,
	} {
		if got != name {
			t.Errorf("TableName %q, want %q", got, name)
		}
	}
	if got := mustOf[tablePromoted](t).TableName; got != "by-value" {
		t.Errorf("promoted TableName %q", got)
	}
	typ, err := errOf[tableBadSig]()
	wantErr(t, err, typ, "", "want func() string")
	typ, err = errOf[tablePanics]()
	wantErr(t, err, typ, "", "panicked")
}

func TestErrorCached(t *testing.T) {
	type Bad struct {
		A string `ddb:"a,nope"`
	}
	_, err1 := For[Bad]()
	_, err2 := For[*Bad]()
	if err1 == nil || err1 != err2 {
		t.Errorf("errors %v, %v: want the same cached error", err1, err2)
	}
}

func TestRoleStrings(t *testing.T) {
	for r, want := range map[Role]string{None: "None", PartitionKey: "PartitionKey", SortKey: "SortKey", Version: "Version", 9: "Role(9)"} {
		if r.String() != want {
			t.Errorf("%d: %q", int(r), r.String())
		}
	}
}

// Concurrent first uses of the same types must all get one schema.
type conc0 struct {
	A string `ddb:"a,hash"`
	Audit
}
type conc1 struct{ conc0 }
type conc2 struct {
	*conc1
	B int `ddb:"b,version"`
}
type concBad struct {
	A string `ddb:"a,range"`
}

func TestConcurrentFirstUse(t *testing.T) {
	types := []reflect.Type{
		reflect.TypeFor[conc0](), reflect.TypeFor[*conc1](), reflect.TypeFor[conc2](),
		reflect.TypeFor[*conc2](), reflect.TypeFor[concBad](),
	}
	const n = 64
	got := make([][]*Schema, n)
	errs := make([][]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for g := range n {
		wg.Go(func() {
			<-start
			for i := range types {
				k := (i + g) % len(types)
				if got[g] == nil {
					got[g], errs[g] = make([]*Schema, len(types)), make([]error, len(types))
				}
				got[g][k], errs[g][k] = Of(types[k])
			}
		})
	}
	close(start)
	wg.Wait()
	for g := range n {
		if !slices.Equal(got[g], got[0]) || !slices.Equal(errs[g], errs[0]) {
			t.Fatalf("goroutine %d got %v %v, goroutine 0 %v %v", g, got[g], errs[g], got[0], errs[0])
		}
	}
	if got[0][2] != got[0][3] || got[0][4] != nil || errs[0][4] == nil {
		t.Errorf("results %v %v", got[0], errs[0])
	}
	for _, s := range got[0][:4] {
		if s == nil || s.PartitionKey == nil || s.PartitionKey.Name != "a" {
			t.Errorf("schema %+v", s)
		}
	}
}
