package schema

// The schema lists exactly the attributes attributevalue's Encoder writes
// with TagKey "ddb".

import (
	"reflect"
	"slices"
	"sort"
	"testing"
	"time"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// encodeKeys encodes v as an attributevalue Encoder with TagKey "ddb" does
// and returns the attribute names it wrote.
func encodeKeys(t *testing.T, v any) []string {
	t.Helper()
	av, err := attributevalue.NewEncoder(func(o *attributevalue.EncoderOptions) { o.TagKey = "ddb" }).Encode(v)
	if err != nil {
		t.Fatalf("Encode(%T): %v", v, err)
	}
	m, ok := av.(*types.AttributeValueMemberM)
	if !ok {
		t.Fatalf("Encode(%T) = %T, want a map", v, av)
	}
	var names []string
	for k := range m.Value {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

func schemaNames(s *Schema, keep func(*Field) bool) []string {
	var names []string
	for i := range s.Fields {
		if keep == nil || keep(&s.Fields[i]) {
			names = append(names, s.Fields[i].Name)
		}
	}
	sort.Strings(names)
	return names
}

// fill gives every part of v a non-zero value, allocating pointers a few
// levels deep. Unexported fields are filled through unsafe, so that an
// embedded pointer to an unexported struct is allocated too.
func fill(v reflect.Value, depth int) {
	if !v.CanSet() && v.CanAddr() {
		v = reflect.NewAt(v.Type(), unsafe.Pointer(v.UnsafeAddr())).Elem()
	}
	switch v.Kind() {
	case reflect.Pointer:
		if depth > 4 {
			return
		}
		if v.CanSet() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		if !v.IsNil() {
			fill(v.Elem(), depth+1)
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			if v.CanSet() {
				v.Set(reflect.ValueOf(time.Unix(1700000000, 0)))
			}
			return
		}
		for i := range v.NumField() {
			fill(v.Field(i), depth)
		}
	case reflect.Interface:
		if v.CanSet() && v.NumMethod() == 0 {
			v.Set(reflect.ValueOf("x"))
		}
	case reflect.Slice:
		if v.CanSet() && depth <= 4 {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
			fill(v.Index(0), depth+1)
		}
	case reflect.Array:
		for i := range v.Len() {
			fill(v.Index(i), depth)
		}
	case reflect.Map:
		if v.CanSet() && depth <= 4 {
			v.Set(reflect.MakeMap(v.Type()))
			k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
			fill(k, depth+1)
			fill(e, depth+1)
			v.SetMapIndex(k, e)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString("x")
		}
	case reflect.Bool:
		if v.CanSet() {
			v.SetBool(true)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if v.CanSet() {
			v.SetInt(7)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if v.CanSet() {
			v.SetUint(7)
		}
	case reflect.Float32, reflect.Float64:
		if v.CanSet() {
			v.SetFloat(1.5)
		}
	}
}

type eqLeaf struct {
	LeafA string `ddb:"leaf_a,omitempty"`
	LeafB []byte
}

type eqPtrBase struct {
	PtrA int64 `ddb:"ptr_a" ddbcrypt:"signonly"`
	eqLeaf
}

type eqBase struct {
	Created time.Time `ddb:"created,unixtime"`
	Name    string    `ddb:"name"` // hidden by EqItem.Name
	Owner   string    `ddb:"owner,omitempty"`
}

type eqTagged struct {
	Label string `ddb:"label"`
	Code  string `ddb:"Code"` // wins over eqUntagged.Code by its tag
}

type eqUntagged struct {
	Code  string
	Other float64 `ddb:",omitempty"`
}

type EqScalar int

type eqDeep struct {
	DeepX string `ddb:"deep_x,omitempty"`
}

type eqMid struct {
	*eqDeep
	MidX uint16 `ddb:"mid_x"`
}

type EqItem struct {
	_  struct{} `ddbcrypt:"signonly"`
	PK string   `ddb:"pk,hash"`
	SK int      `ddb:"sk,range"`
	V  *int64   `ddb:"v,version,omitempty"`

	eqBase
	*eqPtrBase
	eqTagged
	eqUntagged
	EqScalar
	eqMid

	Name     string              `ddb:"name" ddbcrypt:"encrypt"`
	Tags     []string            `ddb:"tags,stringset,omitempty"`
	Nums     []int               `ddb:"nums,numberset,omitemptyelem"`
	Blobs    [][]byte            `ddb:"blobs,binaryset,nullempty"`
	When     time.Time           `ddb:"when,unixtime,omitempty"`
	Counts   map[string]int      `ddb:"counts,omitempty,omitemptyelem"`
	Nested   eqLeaf              `ddb:"nested"`
	NestedP  *eqLeaf             `ddb:"nested_p,omitempty"`
	Embedded eqBase              `ddb:"embedded_named"`
	Any      any                 `ddb:"any,omitempty"`
	Arr      [2]string           `ddb:"arr"`
	Str      int                 `ddb:"str,string"`
	Null     *string             `ddb:"null,nullempty"`
	Plain    bool                //
	Skip     string              `ddb:"-"`
	Spaced   string              `ddb:"with space" ddbcrypt:"donottouch"`
	Deeper   map[string][]string `ddb:",omitempty"`
	hidden   string              //lint:ignore U1000 test type: unexported, not an attribute
}

type EqSmall struct {
	ID string `ddb:"id,hash"`
	eqLeaf
	*eqDeep
}

func TestEquivalence(t *testing.T) {
	for _, v := range []any{new(EqItem), new(EqSmall), new(DataPoJo), new(Embedding), new(Shadow), new(EmbedMisc)} {
		rv := reflect.ValueOf(v).Elem()
		s, err := Of(rv.Type())
		if err != nil {
			t.Fatal(err)
		}
		all := schemaNames(s, nil)

		// Populated: every attribute, and nothing else.
		fill(rv, 0)
		if got := encodeKeys(t, v); !slices.Equal(got, all) {
			t.Errorf("%v populated:\nattributevalue %q\n        schema %q", rv.Type(), got, all)
		}

		// Zero: the attributes neither omitempty nor behind an embedded
		// pointer; omitempty ones may go either way (a zero struct is not
		// empty to attributevalue).
		rv.SetZero()
		got := encodeKeys(t, v)
		must := schemaNames(s, func(f *Field) bool { return !f.Tag.OmitEmpty && !f.ViaPointer })
		for _, name := range must {
			if !slices.Contains(got, name) {
				t.Errorf("%v zero: attributevalue lacks %q", rv.Type(), name)
			}
		}
		for _, name := range got {
			if s.Field(name) == nil {
				t.Errorf("%v zero: attributevalue wrote %q, which the schema lacks", rv.Type(), name)
			}
			if f := s.Field(name); f != nil && f.ViaPointer {
				t.Errorf("%v zero: attributevalue wrote %q behind a nil embedded pointer", rv.Type(), name)
			}
		}
	}
}

// Where the schema refuses a clash, attributevalue silently drops the
// attribute: the refusal is what keeps an attribute from vanishing.
func TestEquivalenceClashesDrop(t *testing.T) {
	type Untagged struct {
		clashA
		clashB
		K string
	}
	type Twice struct {
		Twice1
		Twice2
		K string
	}
	type Top struct {
		A string `ddb:"x"`
		B string `ddb:"x"`
		K string
	}
	for _, v := range []any{new(Untagged), new(Twice), new(Top)} {
		rv := reflect.ValueOf(v).Elem()
		if _, err := Of(rv.Type()); err == nil {
			t.Errorf("%v: no error", rv.Type())
		}
		fill(rv, 0)
		if got := encodeKeys(t, v); !slices.Equal(got, []string{"K"}) {
			t.Errorf("%v: attributevalue wrote %q, want only K", rv.Type(), got)
		}
	}
}
