package codec

// FuzzDecode: a stored item's DO_NOTHING and unknown attributes are not
// authenticated, so a table writer chooses their types and shapes. Decoding
// any item into any of the test types must fail cleanly or agree with
// attributevalue.

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/schema"
	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// An item is read from fuzz bytes as: one byte choosing the struct type,
// one choosing the options, then (name, value) pairs to the end. A name or
// string is a length byte and that many bytes, or (length byte ≥
// fuzzDictFrom) an entry of fuzzNames or fuzzStrings. A value is a tag byte
// (fuzzS …) and its content; a count byte fuzzNilCount makes a nil slice
// or map.
const (
	fuzzS = iota
	fuzzN
	fuzzB
	fuzzBOOL
	fuzzNULL
	fuzzSS
	fuzzNS
	fuzzBS
	fuzzL
	fuzzM
	fuzzNilValue  // a nil interface
	fuzzNilMember // a nil pointer of the member type the next byte chooses
	fuzzDeep      // the next value inside as many lists and maps as the next byte says
	fuzzTags

	fuzzDictFrom = 0xc0
	fuzzNilCount = 0xff
)

// fuzzStrings are texts worth trying where a string goes: numbers that
// overflow, do not parse or parse only as floats, times, set-like texts.
var fuzzStrings = []string{
	"", "0", "-0", "1", "-1", "255", "256", "-129", "65536", "4294967296", "9223372036854775807",
	"9223372036854775808", "-9223372036854775809", "18446744073709551616", "1.5", "1e400", "-1e400",
	"1e39", "3.5e38", "1e-400", "NaN", "Inf", "-Inf", "+Inf", "0x10", "1_000", " 1", "1e", ".", "abc",
	"2024-03-12T16:03:04Z", "2024-03-12T16:03:04.573+05:30", "1700000000", "-62135596800",
	"99999999999999999999999999999999999999", "1,2", "a|b", "true", "ümlaut", "\x00",
}

// fuzzNames are the attribute names of the test types, and case variants.
var fuzzNames = func() []string {
	seen := map[string]bool{}
	var names []string
	for _, typ := range fuzzTypes {
		s, err := schema.Of(typ)
		if err != nil {
			panic(err)
		}
		for _, f := range s.Fields {
			for _, n := range []string{f.Name, strings.ToUpper(f.Name), upperFirst(f.Name)} {
				if !seen[n] {
					seen[n] = true
					names = append(names, n)
				}
			}
		}
	}
	// Nested structs' attributes too, which no schema above lists.
	for _, n := range []string{"lat", "lng", "street", "geo", "tags", "name", "left", "kids", "meta", "tag", "back",
		"fast", "any", "str", "when", "up", "eMail", "A", "B", "X", "ptrS", "ptrI", "z"} {
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}()

func upperFirst(s string) string {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}

// fuzzTypes are the struct types decoded into: between them, every kind of
// field the codec supports and every route.
var fuzzTypes = []reflect.Type{
	reflect.TypeFor[cdcScalars](), reflect.TypeFor[cdcSlices](), reflect.TypeFor[cdcBadSets](),
	reflect.TypeFor[cdcMaps](), reflect.TypeFor[cdcNested](), reflect.TypeFor[cdcDeep](),
	reflect.TypeFor[cdcViaPointer](), reflect.TypeFor[cdcSelfDecoding](), reflect.TypeFor[cdcCase](),
	reflect.TypeFor[cdcText](),
}

// fuzzOptions are the option sets of the codec under test.
var fuzzOptions = []struct {
	enc []func(*attributevalue.EncoderOptions)
	dec []func(*attributevalue.DecoderOptions)
}{
	{},
	{[]func(*attributevalue.EncoderOptions){encNoNullEmptySets, encOmitNulls, encOmitEmptyTime, encUnixMillis},
		[]func(*attributevalue.DecoderOptions){decUseNumber, decUnixMillis, decFixSets}},
	{[]func(*attributevalue.EncoderOptions){func(o *attributevalue.EncoderOptions) { o.UseEncodingMarshalers = true }},
		[]func(*attributevalue.DecoderOptions){func(o *attributevalue.DecoderOptions) { o.UseEncodingUnmarshalers = true }}},
}

// fuzzReader reads an item from fuzz bytes; past their end it reads zeros.
type fuzzReader struct{ b []byte }

func (r *fuzzReader) byte() byte {
	if len(r.b) == 0 {
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *fuzzReader) bytes() []byte {
	n := int(r.byte())
	n = min(n, len(r.b))
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

func (r *fuzzReader) text(dict []string) string {
	if len(r.b) > 0 && r.b[0] >= fuzzDictFrom {
		return dict[int(r.byte()-fuzzDictFrom)%len(dict)]
	}
	return string(r.bytes())
}

// count reads a count, bounded by the bytes left so that no input makes a
// large value; -1 is a nil slice or map.
func (r *fuzzReader) count() int {
	n := r.byte()
	if n == fuzzNilCount {
		return -1
	}
	return min(int(n), len(r.b))
}

func (r *fuzzReader) item() map[string]types.AttributeValue {
	return r.attributes(-1, 0)
}

// attributes reads n attributes of a map at depth (all that are left for
// n < 0). Of names equal but for case, it keeps the first: attributevalue
// gives a field the value of whichever it meets last in map order, and so
// does the codec, as it must to match it. (Not a way round the signature:
// a name that is not a field's own is an unknown attribute, which the
// mapper refuses or signs.)
func (r *fuzzReader) attributes(n, depth int) map[string]types.AttributeValue {
	m := map[string]types.AttributeValue{}
	var folded []string
	for i := 0; n < 0 && len(r.b) > 0 || i < n; i++ {
		name := r.text(fuzzNames)
		v := r.value(depth)
		if !slices.ContainsFunc(folded, func(f string) bool { return strings.EqualFold(f, name) }) {
			folded = append(folded, name)
			m[name] = v
		}
	}
	return m
}

func (r *fuzzReader) value(depth int) types.AttributeValue {
	switch r.byte() % fuzzTags {
	case fuzzS:
		return &types.AttributeValueMemberS{Value: r.text(fuzzStrings)}
	case fuzzN:
		return &types.AttributeValueMemberN{Value: r.text(fuzzStrings)}
	case fuzzB:
		return &types.AttributeValueMemberB{Value: r.bytes()}
	case fuzzBOOL:
		return &types.AttributeValueMemberBOOL{Value: r.byte()&1 == 1}
	case fuzzNULL:
		return &types.AttributeValueMemberNULL{Value: r.byte()&1 == 0}
	case fuzzSS:
		return &types.AttributeValueMemberSS{Value: fuzzSlice(r, func() string { return r.text(fuzzStrings) })}
	case fuzzNS:
		return &types.AttributeValueMemberNS{Value: fuzzSlice(r, func() string { return r.text(fuzzStrings) })}
	case fuzzBS:
		return &types.AttributeValueMemberBS{Value: fuzzSlice(r, r.bytes)}
	case fuzzL:
		return &types.AttributeValueMemberL{Value: fuzzSlice(r, func() types.AttributeValue { return r.value(depth + 1) })}
	case fuzzM:
		n := r.count()
		if n < 0 {
			return &types.AttributeValueMemberM{}
		}
		return &types.AttributeValueMemberM{Value: r.attributes(n, depth+1)}
	case fuzzNilValue:
		return nil
	case fuzzNilMember:
		return fuzzNilMembers[int(r.byte())%len(fuzzNilMembers)]
	default: // fuzzDeep
		n := int(r.byte())
		v := r.value(depth + n)
		for i := range n {
			if i%2 == 0 {
				v = &types.AttributeValueMemberL{Value: []types.AttributeValue{v}}
			} else {
				v = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"any": v}}
			}
		}
		return v
	}
}

func fuzzSlice[T any](r *fuzzReader, next func() T) []T {
	n := r.count()
	if n < 0 {
		return nil
	}
	out := make([]T, n)
	for i := range out {
		out[i] = next()
	}
	return out
}

var fuzzNilMembers = []types.AttributeValue{
	(*types.AttributeValueMemberS)(nil), (*types.AttributeValueMemberN)(nil), (*types.AttributeValueMemberB)(nil),
	(*types.AttributeValueMemberBOOL)(nil), (*types.AttributeValueMemberNULL)(nil), (*types.AttributeValueMemberSS)(nil),
	(*types.AttributeValueMemberNS)(nil), (*types.AttributeValueMemberBS)(nil), (*types.AttributeValueMemberL)(nil),
	(*types.AttributeValueMemberM)(nil),
}

// fuzzWriter writes an item in the form fuzzReader reads, for seeds.
type fuzzWriter struct{ b []byte }

func (w *fuzzWriter) bytes(b []byte) {
	b = b[:min(len(b), fuzzDictFrom-1)]
	w.b = append(append(w.b, byte(len(b))), b...)
}

func (w *fuzzWriter) count(n int, isNil bool) {
	if isNil {
		w.b = append(w.b, fuzzNilCount)
		return
	}
	w.b = append(w.b, byte(min(n, fuzzNilCount-1)))
}

func (w *fuzzWriter) value(av types.AttributeValue) {
	if i := slices.Index(fuzzNilMembers, av); i >= 0 {
		w.b = append(w.b, fuzzNilMember, byte(i))
		return
	}
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		w.b = append(w.b, fuzzS)
		w.bytes([]byte(v.Value))
	case *types.AttributeValueMemberN:
		w.b = append(w.b, fuzzN)
		w.bytes([]byte(v.Value))
	case *types.AttributeValueMemberB:
		w.b = append(w.b, fuzzB)
		w.bytes(v.Value)
	case *types.AttributeValueMemberBOOL:
		w.b = append(w.b, fuzzBOOL, map[bool]byte{false: 0, true: 1}[v.Value])
	case *types.AttributeValueMemberNULL:
		w.b = append(w.b, fuzzNULL, 0)
	case *types.AttributeValueMemberSS:
		w.b = append(w.b, fuzzSS)
		w.count(len(v.Value), v.Value == nil)
		for _, s := range v.Value {
			w.bytes([]byte(s))
		}
	case *types.AttributeValueMemberNS:
		w.b = append(w.b, fuzzNS)
		w.count(len(v.Value), v.Value == nil)
		for _, s := range v.Value {
			w.bytes([]byte(s))
		}
	case *types.AttributeValueMemberBS:
		w.b = append(w.b, fuzzBS)
		w.count(len(v.Value), v.Value == nil)
		for _, b := range v.Value {
			w.bytes(b)
		}
	case *types.AttributeValueMemberL:
		w.b = append(w.b, fuzzL)
		w.count(len(v.Value), v.Value == nil)
		for _, e := range v.Value {
			w.value(e)
		}
	case *types.AttributeValueMemberM:
		w.b = append(w.b, fuzzM)
		w.item(v.Value, true)
	default:
		w.b = append(w.b, fuzzNilValue)
	}
}

// item writes the attributes of m in name order, after their count if
// counted (a nested map).
func (w *fuzzWriter) item(m map[string]types.AttributeValue, counted bool) {
	if counted {
		w.count(len(m), m == nil)
	}
	names := make([]string, 0, len(m))
	for name := range m {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		w.bytes([]byte(name))
		w.value(m[name])
	}
}

// fuzzSeed is the fuzz input for item decoded into fuzzTypes[typ] with
// fuzzOptions[opts].
func fuzzSeed(typ, opts int, item map[string]types.AttributeValue) []byte {
	w := &fuzzWriter{b: []byte{byte(typ), byte(opts)}}
	w.item(item, false)
	return w.b
}

// fuzzEnvs are the codecs of fuzzOptions, with attributevalue's Encoder
// and Decoder of the same options.
var fuzzEnvs []*cdcEnv

func FuzzDecode(f *testing.F) {
	if fuzzEnvs == nil {
		for _, o := range fuzzOptions {
			fuzzEnvs = append(fuzzEnvs, newEnv(f, o.enc, o.dec))
		}
	}
	// Seeds: the items of the equivalence tests' values, and the variants
	// of one of them, for each option set.
	index := map[reflect.Type]int{}
	for i, typ := range fuzzTypes {
		index[typ] = i
	}
	for _, v := range append(cdcFilled(), cdcTextFilled()) {
		rv := reflect.ValueOf(v).Elem()
		i, ok := index[rv.Type()]
		if !ok {
			continue
		}
		for o, env := range fuzzEnvs {
			var item map[string]types.AttributeValue
			// attributevalue panics on a non-empty slice of named bytes.
			if catch(func() (err error) { item, err = env.c.Encode(cdcCodec(f, rv.Type()).schema, rv); return err }) != nil {
				continue
			}
			f.Add(fuzzSeed(i, o, item))
		}
	}
	scalars, err := cdc.Encode(cdcCodec(f, fuzzTypes[0]).schema, reflect.ValueOf(cdcFilled()[0]).Elem())
	if err != nil {
		f.Fatal(err)
	}
	for _, variant := range itemVariants(scalars)[:64] {
		f.Add(fuzzSeed(0, 0, variant))
	}
	for _, tc := range panicItems {
		if i, ok := index[tc.typ]; ok {
			f.Add(fuzzSeed(i, 0, map[string]types.AttributeValue{tc.name: tc.av}))
		}
	}

	f.Fuzz(func(t *testing.T, b []byte) {
		r := &fuzzReader{b: b}
		typ := fuzzTypes[int(r.byte())%len(fuzzTypes)]
		env := fuzzEnvs[int(r.byte())%len(fuzzEnvs)]
		item := r.item()
		checkFuzzDecode(t, env, typ, item)
	})
}

// checkFuzzDecode decodes item into a typ with env's codec, which must
// not panic, and checks what it made of it.
func checkFuzzDecode(t *testing.T, env *cdcEnv, typ reflect.Type, item map[string]types.AttributeValue) {
	t.Helper()
	c := cdcCodec(t, typ)
	got := reflect.New(typ).Elem()
	err := env.c.Decode(c.schema, item, got)

	// Every error is an invalid item, naming an attribute of the item (but
	// where the type decodes itself from the whole item).
	if err != nil {
		if !errors.Is(err, ddbcrypt.ErrInvalidItem) {
			t.Fatalf("decode error %v: not ErrInvalidItem", err)
		}
		for _, k := range []error{ddbcrypt.ErrIntegrity, ddbcrypt.ErrInvalidConfig, ddbcrypt.ErrKeyService, ddbcrypt.ErrNotFound, ddbcrypt.ErrConditionFailed, ddbcrypt.ErrDynamoDB} {
			if errors.Is(err, k) {
				t.Fatalf("decode error %v: wraps %v too", err, k)
			}
		}
		if name := namedAttribute(err); name == "" {
			if !c.wholeDecode {
				t.Fatalf("decode error %v names no attribute", err)
			}
		} else if _, ok := item[name]; !ok {
			t.Fatalf("decode error %v names %q, not an attribute of the item", err, name)
		}
	}

	// attributevalue on the same item: both fail, or both leave the same
	// struct. Where it panics, the codec must have failed.
	want := reflect.New(typ).Elem()
	wantErr := catch(func() error { return env.wantDecode(item, want) })
	if wantErr != nil && !errors.Is(wantErr, ddbcrypt.ErrInvalidItem) { // a panic
		if err == nil {
			t.Fatalf("attributevalue: %v; the codec decodes the item", wantErr)
		}
		return
	}
	if (err == nil) != (wantErr == nil) {
		t.Fatalf("decode error %v, attributevalue's %v", err, wantErr)
	}
	if err != nil {
		return
	}
	if !fuzzEqual(want, got, false) {
		t.Fatalf("decode differs from attributevalue (-want +got):\n%s", diff(want.Interface(), got.Interface()))
	}

	// Encoding and decoding again reaches a fixed point after one round:
	// the first may normalize what attributevalue reads back otherwise (a
	// set held by an interface comes back a list, an empty slice nil, a
	// type's own unmarshaler its own way), the second must change nothing
	// but an empty slice or map for nil or back (omitempty, NULL).
	once, ok := fuzzRoundTrip(t, env, c, got)
	if !ok {
		return
	}
	twice, ok := fuzzRoundTrip(t, env, c, once)
	if !ok {
		t.Fatalf("encoding %v fails after one round", once)
	}
	if !fuzzEqual(once, twice, true) {
		t.Fatalf("a second round of encode, decode changes the struct (-first +second):\n%s",
			gocmp.Diff(once.Interface(), twice.Interface(), cdcCmpOptions, cmpopts.EquateEmpty()))
	}
}

// fuzzEqual is gocmp.Equal with cdcCmpOptions (and cmpopts.EquateEmpty if
// emptyNil), in time linear in the size of the values: go-cmp takes time
// exponential in how deeply interfaces nest (two seconds at 32 levels), and
// the fuzz makes such values.
func fuzzEqual(a, b reflect.Value, emptyNil bool) bool {
	if !a.IsValid() || !b.IsValid() {
		return a.IsValid() == b.IsValid()
	}
	if a.Type() != b.Type() {
		return false
	}
	if t := a.Type(); (t == timeType || t == reflect.TypeFor[attributevalue.UnixTime]()) && a.CanInterface() {
		x, y := a.Convert(timeType).Interface().(time.Time), b.Convert(timeType).Interface().(time.Time)
		return x.Equal(y) && x.String() == y.String()
	}
	sameFloat := func(x, y float64) bool { return x == y || x != x && y != y }
	switch a.Kind() {
	case reflect.Bool:
		return a.Bool() == b.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return a.Int() == b.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return a.Uint() == b.Uint()
	case reflect.Float32, reflect.Float64:
		return sameFloat(a.Float(), b.Float())
	case reflect.Complex64, reflect.Complex128:
		return sameFloat(real(a.Complex()), real(b.Complex())) && sameFloat(imag(a.Complex()), imag(b.Complex()))
	case reflect.String:
		return a.String() == b.String()
	case reflect.Pointer, reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return fuzzEqual(a.Elem(), b.Elem(), emptyNil)
	case reflect.Struct:
		for i := range a.NumField() {
			if !fuzzEqual(a.Field(i), b.Field(i), emptyNil) {
				return false
			}
		}
		return true
	case reflect.Slice, reflect.Map:
		if a.Len() != b.Len() || (a.IsNil() != b.IsNil() && !(emptyNil && a.Len() == 0)) {
			return false
		}
		if a.Kind() == reflect.Map {
			nans := 0 // NaN keys find nothing: count them
			for it := a.MapRange(); it.Next(); {
				if k := it.Key(); k.CanFloat() && k.Float() != k.Float() {
					nans++
				} else if !fuzzEqual(it.Value(), b.MapIndex(k), emptyNil) {
					return false
				}
			}
			for it := b.MapRange(); it.Next(); {
				if k := it.Key(); k.CanFloat() && k.Float() != k.Float() {
					nans--
				}
			}
			return nans == 0
		}
		fallthrough
	case reflect.Array:
		for i := range a.Len() {
			if !fuzzEqual(a.Index(i), b.Index(i), emptyNil) {
				return false
			}
		}
		return true
	}
	panic(fmt.Sprintf("fuzzEqual: %v", a.Type()))
}

// fuzzRoundTrip encodes v and decodes the item into a new value. It
// reports false if encoding fails (or panics, which attributevalue does on
// some values), which is attributevalue's to do.
func fuzzRoundTrip(t *testing.T, env *cdcEnv, c *plan, v reflect.Value) (reflect.Value, bool) {
	t.Helper()
	var item map[string]types.AttributeValue
	if catch(func() (err error) { item, err = env.c.Encode(c.schema, v); return err }) != nil {
		return reflect.Value{}, false
	}
	back := reflect.New(v.Type()).Elem()
	if err := env.c.Decode(c.schema, item, back); err != nil {
		t.Fatalf("the item %v of a decoded value does not decode: %v", item, err)
	}
	return back, true
}

// panicItems are stored values attributevalue panics on rather than
// failing (an attribute of a type, and its value): a string for a field of
// a non-empty interface type, which FuzzDecode hit first, and nil members.
// They seed FuzzDecode too.
var panicItems = []struct {
	typ  reflect.Type
	name string
	av   types.AttributeValue
}{
	{reflect.TypeFor[cdcNested](), "str", &types.AttributeValueMemberS{Value: "x"}}, // a string for a fmt.Stringer
	{reflect.TypeFor[cdcNested](), "id", (*types.AttributeValueMemberS)(nil)},       // the plan's own string field
	{reflect.TypeFor[cdcNested](), "any", (*types.AttributeValueMemberN)(nil)},
	{reflect.TypeFor[cdcNested](), "istr", (*types.AttributeValueMemberS)(nil)}, // through its wrapper
	{reflect.TypeFor[cdcNested](), "lines", &types.AttributeValueMemberL{Value: []types.AttributeValue{(*types.AttributeValueMemberM)(nil)}}},
	{reflect.TypeFor[cdcSlices](), "ss", (*types.AttributeValueMemberSS)(nil)},
	{reflect.TypeFor[cdcSlices](), "il", &types.AttributeValueMemberL{Value: []types.AttributeValue{(*types.AttributeValueMemberN)(nil)}}},
	{reflect.TypeFor[cdcViaPointer](), "ptrS", (*types.AttributeValueMemberS)(nil)}, // decoded whole
	{reflect.TypeFor[secretsFast](), "card", (*types.AttributeValueMemberN)(nil)},   // encrypted
}

// TestDecodeRefusesWhatAttributevaluePanicsOn (found by FuzzDecode): a
// stored value attributevalue panics on, rather than failing, is an
// ErrInvalidItem naming the attribute, whichever route the field takes,
// and an encrypted attribute's error still withholds the cause.
func TestDecodeRefusesWhatAttributevaluePanicsOn(t *testing.T) {
	for _, tc := range panicItems {
		what := fmt.Sprintf("%v.%s = %#v", tc.typ, tc.name, tc.av)
		item := map[string]types.AttributeValue{tc.name: tc.av}
		var err error
		if p := catch(func() error {
			err = cdc.Decode(cdcCodec(t, tc.typ).schema, item, reflect.New(tc.typ).Elem())
			return nil
		}); p != nil {
			t.Errorf("%s: %v", what, p)
			continue
		}
		if !errors.Is(err, ddbcrypt.ErrInvalidItem) || namedAttribute(err) != tc.name {
			t.Errorf("%s: %v; want ErrInvalidItem naming %q", what, err, tc.name)
		}
		if err != nil && tc.typ == reflect.TypeFor[secretsFast]() && strings.Contains(err.Error(), "panicked") {
			t.Errorf("%s: %v tells an encrypted attribute's cause", what, err)
		}
	}
}
