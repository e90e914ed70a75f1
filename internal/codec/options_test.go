package codec

// The codec with attributevalue's options: it matches attributevalue with
// the same options, on its own plan for the options it implements and by
// handing the struct to attributevalue for those it does not.

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/tags"
)

// newEnv returns the codec with the options and attributevalue's Encoder
// and Decoder with the mapper's TagKey and then the same options.
func newEnv(t testing.TB, encOpts []func(*attributevalue.EncoderOptions), decOpts []func(*attributevalue.DecoderOptions)) *cdcEnv {
	t.Helper()
	c, err := New(encOpts, decOpts)
	if err != nil {
		t.Fatal(err)
	}
	enc := append([]func(*attributevalue.EncoderOptions){func(o *attributevalue.EncoderOptions) { o.TagKey = tags.Key }}, encOpts...)
	dec := append([]func(*attributevalue.DecoderOptions){func(o *attributevalue.DecoderOptions) { o.TagKey = tags.Key }}, decOpts...)
	return &cdcEnv{c: c, enc: attributevalue.NewEncoder(enc...), dec: attributevalue.NewDecoder(dec...)}
}

// checkAll runs the equivalence checks of TestCodecEquivalence and a few
// random values of TestCodecRandom with env; the items that differ from the
// encoded ones in one attribute only with variants (for decoder options).
func (env *cdcEnv) checkAll(t *testing.T, variants bool) {
	t.Helper()
	values := cdcTypes()
	values = append(values, cdcFilled()...)
	values = append(values, testenv.MediumOrder(t), &cdcText{}, cdcTextFilled())
	for i, v := range values {
		typ := reflect.TypeOf(v).Elem()
		what := fmt.Sprintf("#%d %v", i, typ)
		c := cdcCodec(t, typ)
		item := env.checkEncode(t, c, v, what)
		if item == nil {
			continue
		}
		env.checkDecode(t, c, typ, item, nil, what)
		env.checkDecode(t, c, typ, item, v, what+" (into a filled struct)")
		if !variants {
			continue
		}
		for j, variant := range itemVariants(item) {
			env.checkDecode(t, c, typ, variant, v, fmt.Sprintf("%s variant %d", what, j))
		}
	}
	r := rand.New(rand.NewPCG(3, 4))
	for _, proto := range append(cdcTypes(), &cdcText{}) {
		typ := reflect.TypeOf(proto).Elem()
		c := cdcCodec(t, typ)
		for i := range 20 {
			v := reflect.New(typ)
			cdcRandom(v.Elem(), r, 0)
			what := fmt.Sprintf("%v random #%d", typ, i)
			if item := env.checkEncode(t, c, v.Interface(), what); item != nil {
				env.checkDecode(t, c, typ, item, v.Interface(), what)
			}
		}
	}
}

// The options the codec implements on its plan.
var (
	encNoNullEmptySets = func(o *attributevalue.EncoderOptions) { o.NullEmptySets = false }
	encOmitNulls       = func(o *attributevalue.EncoderOptions) { o.OmitNullAttributeValues = true }
	encOmitEmptyTime   = func(o *attributevalue.EncoderOptions) { o.OmitEmptyTime = true }
	encUnixMillis      = func(o *attributevalue.EncoderOptions) {
		o.EncodeTime = func(t time.Time) (types.AttributeValue, error) {
			return &types.AttributeValueMemberN{Value: strconv.FormatInt(t.UnixMilli(), 10)}, nil
		}
	}
	decUseNumber  = func(o *attributevalue.DecoderOptions) { o.UseNumber = true }
	decUnixMillis = func(o *attributevalue.DecoderOptions) {
		o.DecodeTime.N = func(s string) (time.Time, error) {
			ms, err := strconv.ParseInt(s, 10, 64)
			return time.UnixMilli(ms).UTC(), err
		}
		o.DecodeTime.S = func(s string) (time.Time, error) { return time.Parse(time.DateTime, s) }
	}
	decFixSets = func(o *attributevalue.DecoderOptions) { o.FixUnmarshalIndividualSetValues = true }
)

// TestCodecOptionsNative: with each option the plan implements, and with
// all of them, the codec still uses its plan and matches attributevalue.
func TestCodecOptionsNative(t *testing.T) {
	t.Parallel()
	type encOpts = []func(*attributevalue.EncoderOptions)
	type decOpts = []func(*attributevalue.DecoderOptions)
	for _, tc := range []struct {
		name string
		enc  encOpts
		dec  decOpts
	}{
		{"NullEmptySets=false", encOpts{encNoNullEmptySets}, nil},
		{"OmitNullAttributeValues", encOpts{encOmitNulls}, nil},
		{"OmitEmptyTime", encOpts{encOmitEmptyTime}, nil},
		{"EncodeTime", encOpts{encUnixMillis}, decOpts{decUnixMillis}},
		{"UseNumber", nil, decOpts{decUseNumber}},
		{"DecodeTime", nil, decOpts{decUnixMillis}},
		{"FixUnmarshalIndividualSetValues", nil, decOpts{decFixSets}},
		{"all", encOpts{encNoNullEmptySets, encOmitNulls, encOmitEmptyTime, encUnixMillis}, decOpts{decUseNumber, decUnixMillis, decFixSets}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // each option set has its own codec; 50 s under -race one after the other
			env := newEnv(t, tc.enc, tc.dec)
			if env.c.encWhole || env.c.decWhole {
				t.Fatalf("the codec falls back to attributevalue (encWhole %v, decWhole %v)", env.c.encWhole, env.c.decWhole)
			}
			env.checkAll(t, tc.dec != nil)
		})
	}
}

// TestCodecOptionsMatter: the options of TestCodecOptionsNative change
// attributevalue's output for the test values, so that matching it tests
// something.
func TestCodecOptionsMatter(t *testing.T) {
	when := time.Date(2024, 3, 12, 16, 3, 4, 0, time.UTC)
	v := &cdcOptioned{ID: "id", Set: []string{}, Nums: []int{}, Null: cdcNullish{1}, When: when, Any: 1.5}
	item := map[string]types.AttributeValue{
		"id":  &types.AttributeValueMemberS{Value: "id"},
		"any": &types.AttributeValueMemberN{Value: "1.5"}, "when": &types.AttributeValueMemberS{Value: "2024-03-12 16:03:04"},
	}
	rv := reflect.ValueOf(v).Elem()
	base, err := cdcDefault.wantEncode(rv)
	if err != nil {
		t.Fatal(err)
	}
	for name, opt := range map[string]func(*attributevalue.EncoderOptions){
		"NullEmptySets=false": encNoNullEmptySets, "OmitNullAttributeValues": encOmitNulls,
		"OmitEmptyTime": encOmitEmptyTime, "EncodeTime": encUnixMillis,
	} {
		env := newEnv(t, []func(*attributevalue.EncoderOptions){opt}, nil)
		if name == "OmitEmptyTime" {
			rv.FieldByName("When").SetZero()
		}
		got, err := env.wantEncode(rv)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff(base, got) == "" && name != "OmitEmptyTime" || name == "OmitEmptyTime" && got["when"] != nil {
			t.Errorf("%s: attributevalue's output does not change: %v", name, got)
		}
		env.checkEncode(t, cdcCodec(t, rv.Type()), v, name)
		rv.FieldByName("When").Set(reflect.ValueOf(when))
	}
	var plain cdcOptioned
	if err := cdcDefault.wantDecode(item, reflect.ValueOf(&plain).Elem()); err == nil {
		t.Errorf("attributevalue decodes %q as a time by default", "2024-03-12 16:03:04")
	}
	for name, opt := range map[string]func(*attributevalue.DecoderOptions){"UseNumber": decUseNumber, "DecodeTime": decUnixMillis} {
		env := newEnv(t, nil, []func(*attributevalue.DecoderOptions){opt, decUnixMillis})
		var got cdcOptioned
		if err := env.wantDecode(item, reflect.ValueOf(&got).Elem()); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, isNumber := got.Any.(attributevalue.Number); isNumber != (name == "UseNumber") {
			t.Errorf("%s: any decodes to %T", name, got.Any)
		}
		env.checkDecode(t, cdcCodec(t, rv.Type()), rv.Type(), item, nil, name)
	}
}

// cdcOptioned has a field each option of TestCodecOptionsMatter changes.
type cdcOptioned struct {
	ID   string     `ddb:"id,hash"`
	Set  []string   `ddb:"set,stringset"`
	Nums []int      `ddb:"nums,numberset"`
	Null cdcNullish `ddb:"null,omitempty"`
	When time.Time  `ddb:"when,omitempty"`
	Any  any        `ddb:"any"`
}

// cdcText has types the plan would encode itself (a string kind, a struct)
// but for their encoding.TextMarshaler / BinaryMarshaler methods, which
// attributevalue calls only with UseEncodingMarshalers (and the
// unmarshalers with UseEncodingUnmarshalers).
type cdcText struct {
	ID   string        `ddb:"id,hash"`
	Code cdcTextCode   `ddb:"code"`
	PC   *cdcTextCode  `ddb:"pc,omitempty"`
	Pt   cdcTextPoint  `ddb:"pt"`
	Bin  cdcBinary     `ddb:"bin"`
	Cs   []cdcTextCode `ddb:"cs"`
	N    int           `ddb:"n"`
}

// cdcTextCode is upper-cased as text, lower-cased back.
type cdcTextCode string

func (c cdcTextCode) MarshalText() ([]byte, error) { return []byte(strings.ToUpper(string(c))), nil }

func (c *cdcTextCode) UnmarshalText(b []byte) error {
	*c = cdcTextCode(strings.ToLower(string(b)))
	return nil
}

// cdcTextPoint is a struct written as "x,y".
type cdcTextPoint struct{ X, Y int }

func (p cdcTextPoint) MarshalText() ([]byte, error) { return fmt.Appendf(nil, "%d,%d", p.X, p.Y), nil }

func (p *cdcTextPoint) UnmarshalText(b []byte) error {
	_, err := fmt.Sscanf(string(b), "%d,%d", &p.X, &p.Y)
	return err
}

// cdcBinary is a number written as one byte.
type cdcBinary uint8

func (n cdcBinary) MarshalBinary() ([]byte, error) { return []byte{byte(n)}, nil }

func (n *cdcBinary) UnmarshalBinary(b []byte) error {
	if len(b) != 1 {
		return errors.New("cdcBinary: want one byte")
	}
	*n = cdcBinary(b[0])
	return nil
}

func cdcTextFilled() *cdcText {
	pc := cdcTextCode("ptr")
	return &cdcText{ID: "id", Code: "abc", PC: &pc, Pt: cdcTextPoint{3, -4}, Bin: 7, Cs: []cdcTextCode{"x", ""}, N: 1}
}

// TestCodecOptionsFallback: with UseEncodingMarshalers and
// UseEncodingUnmarshalers, which the plan does not implement, the codec
// hands the struct to attributevalue and its output is attributevalue's
// exactly, which differs from what it is without them.
func TestCodecOptionsFallback(t *testing.T) {
	t.Parallel()
	env := newEnv(t,
		[]func(*attributevalue.EncoderOptions){func(o *attributevalue.EncoderOptions) { o.UseEncodingMarshalers = true }},
		[]func(*attributevalue.DecoderOptions){func(o *attributevalue.DecoderOptions) { o.UseEncodingUnmarshalers = true }})
	if !env.c.encWhole || !env.c.decWhole {
		t.Fatalf("encWhole %v, decWhole %v; want both", env.c.encWhole, env.c.decWhole)
	}
	v := cdcTextFilled()
	rv := reflect.ValueOf(v).Elem()
	want, err := env.wantEncode(rv)
	if err != nil {
		t.Fatal(err)
	}
	got, err := env.c.Encode(cdcCodec(t, rv.Type()).schema, rv)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(want, got); d != "" {
		t.Fatalf("encode differs from attributevalue with UseEncodingMarshalers (-want +got):\n%s", d)
	}
	if code, ok := got["code"].(*types.AttributeValueMemberS); !ok || code.Value != "ABC" {
		t.Fatalf("code = %#v, want the text form %q", got["code"], "ABC")
	}
	if plain, _ := cdcDefault.wantEncode(rv); diff(plain, got) == "" {
		t.Fatal("UseEncodingMarshalers changes nothing for the test value")
	}
	out := reflect.New(rv.Type()).Elem()
	if err := env.c.Decode(cdcCodec(t, rv.Type()).schema, got, out); err != nil {
		t.Fatal(err)
	}
	back := cdcTextFilled()
	*back.PC, back.Code, back.Cs[0] = "ptr", "abc", "x"
	if d := diff(back, out.Addr().Interface()); d != "" {
		t.Fatalf("decode with UseEncodingUnmarshalers (-want +got):\n%s", d)
	}
	env.checkAll(t, true)

	// Errors still name the attribute, and keep an encrypted value out.
	_, err = env.c.Encode(cdcCodec(t, reflect.TypeFor[secretsFast]()).schema, reflect.ValueOf(&secretsFast{ID: "k", Says: secretSSN}).Elem())
	if namedAttribute(err) != "says" || strings.Contains(err.Error(), secretSSN) {
		t.Errorf("fallback encode error %q: want it to name %q and hide the value", err, "says")
	}
	err = env.c.Decode(cdcCodec(t, reflect.TypeFor[secretsFast]()).schema,
		map[string]types.AttributeValue{"card": &types.AttributeValueMemberN{Value: secretCard}}, reflect.New(reflect.TypeFor[secretsFast]()).Elem())
	if namedAttribute(err) != "card" || strings.Contains(err.Error(), secretCard) {
		t.Errorf("fallback decode error %q: want it to name %q and hide the value", err, "card")
	}
}

// TestCodecOptionsTagKey: a TagKey other than the mapper's is refused, the
// mapper's own is accepted.
func TestCodecOptionsTagKey(t *testing.T) {
	for _, key := range []string{"json", "dynamodbav", ""} {
		_, err := New([]func(*attributevalue.EncoderOptions){func(o *attributevalue.EncoderOptions) { o.TagKey = key }}, nil)
		if !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("encoder TagKey %q: err = %v, want ErrInvalidConfig", key, err)
		}
		_, err = New(nil, []func(*attributevalue.DecoderOptions){func(o *attributevalue.DecoderOptions) { o.TagKey = key }})
		if !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("decoder TagKey %q: err = %v, want ErrInvalidConfig", key, err)
		}
	}
	if _, err := New([]func(*attributevalue.EncoderOptions){func(o *attributevalue.EncoderOptions) { o.TagKey = tags.Key }}, nil); err != nil {
		t.Errorf("TagKey %q: %v", tags.Key, err)
	}
}
