package codec

// The codec's contract: for every struct type the schema accepts, encode
// writes exactly the item attributevalue's Encoder (TagKey "ddb") writes,
// and decode leaves exactly the struct its Decoder leaves, or fails with
// the same error.

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
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
	"github.com/ddbcrypt/ddbcrypt/schema"
	"github.com/ddbcrypt/ddbcrypt/tags"
	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Named types with and without methods.
type (
	cdcStr      string
	cdcInt      int32
	cdcFloat    float32
	cdcBool     bool
	cdcBytes    []byte
	cdcByte     uint8
	cdcStrs     []string
	cdcInts     []int16
	cdcPStr     *string
	cdcStringer string // a String method alone does not make a number type
)

func (s cdcStringer) String() string { return "<" + string(s) + ">" }

// cdcUpper marshals itself upper-cased and unmarshals lower-cased.
type cdcUpper string

func (u cdcUpper) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return &types.AttributeValueMemberS{Value: strings.ToUpper(string(u))}, nil
}

func (u *cdcUpper) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	s, ok := av.(*types.AttributeValueMemberS)
	if !ok {
		return fmt.Errorf("cdcUpper: want S, got %T", av)
	}
	*u = cdcUpper(strings.ToLower(s.Value))
	return nil
}

// cdcCents has pointer-receiver methods on an integer: a decimal N with
// two digits after the point, which it reads back exactly (FuzzDecode
// encodes and decodes what it decoded).
type cdcCents int64

func (c *cdcCents) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	n := uint64(*c)
	sign := ""
	if *c < 0 {
		sign, n = "-", -n
	}
	return &types.AttributeValueMemberN{Value: fmt.Sprintf("%s%d.%02d", sign, n/100, n%100)}, nil
}

func (c *cdcCents) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	n, ok := av.(*types.AttributeValueMemberN)
	if !ok {
		return fmt.Errorf("cdcCents: want N, got %T", av)
	}
	whole, frac, _ := strings.Cut(n.Value, ".")
	neg := strings.HasPrefix(whole, "-")
	w, err := strconv.ParseUint(strings.TrimPrefix(whole, "-"), 10, 64)
	if err != nil {
		return err
	}
	var f uint64
	if frac != "" {
		if f, err = strconv.ParseUint(frac, 10, 64); err != nil || len(frac) != 2 {
			return fmt.Errorf("cdcCents: %q has not two digits after the point", n.Value)
		}
	}
	cents := w*100 + f
	if neg {
		cents = -cents
	}
	*c = cdcCents(cents)
	return nil
}

// cdcOnlyUnmarshal has an Unmarshaler but no Marshaler.
type cdcOnlyUnmarshal int

func (o *cdcOnlyUnmarshal) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	*o = 42
	return nil
}

// cdcNullish marshals to NULL whatever its value.
type cdcNullish struct{ X int }

func (cdcNullish) MarshalDynamoDBAttributeValue() (types.AttributeValue, error) {
	return &types.AttributeValueMemberNULL{Value: true}, nil
}

// cdcKey is a map key through encoding.TextMarshaler.
type cdcKey struct{ A, B string }

func (k cdcKey) MarshalText() ([]byte, error) { return []byte(k.A + "|" + k.B), nil }

func (k *cdcKey) UnmarshalText(b []byte) error {
	k.A, k.B, _ = strings.Cut(string(b), "|")
	return nil
}

type cdcScalars struct {
	S    string      `ddb:"s,hash"`
	SO   string      `ddb:"so,omitempty"`
	SN   string      `ddb:"sn,nullempty"`
	B    bool        `ddb:"b"`
	BO   bool        `ddb:"bo,omitempty"`
	BN   bool        `ddb:"bn,nullempty"`
	I    int         `ddb:"i,range"`
	IO   int         `ddb:"io,omitempty"`
	IN   int         `ddb:"in,nullempty"`
	I8   int8        `ddb:"i8"`
	I16  int16       `ddb:"i16,omitempty"`
	I32  int32       `ddb:"i32,nullempty"`
	I64  int64       `ddb:"i64"`
	U    uint        `ddb:"u"`
	U8   uint8       `ddb:"u8,omitempty"`
	U16  uint16      `ddb:"u16,nullempty"`
	U32  uint32      `ddb:"u32"`
	U64  uint64      `ddb:"u64,version"`
	F32  float32     `ddb:"f32"`
	F32O float32     `ddb:"f32o,omitempty"`
	F64  float64     `ddb:"f64"`
	F64O float64     `ddb:"f64o,omitempty"`
	F64N float64     `ddb:"f64n,nullempty"`
	UP   uintptr     `ddb:"up"`
	UPN  uintptr     `ddb:"upn,nullempty"`
	C    complex128  `ddb:"c"`
	MS   cdcStr      `ddb:"ms"`
	MI   cdcInt      `ddb:"mi,omitempty"`
	MF   cdcFloat    `ddb:"mf"`
	MB   cdcBool     `ddb:"mb,nullempty"`
	ST   cdcStringer `ddb:"st"`
	D    time.Duration
	Num  attributevalue.Number `ddb:"num"`
	JN   json.Number           `ddb:"jn,omitempty"`
	Up   cdcUpper              `ddb:"up2"`
	UpO  cdcUpper              `ddb:"upo,omitempty"`
	Ct   cdcCents              `ddb:"ct"`
	Ou   cdcOnlyUnmarshal      `ddb:"ou"`
	Nl   cdcNullish            `ddb:"nl,omitempty"`
	Both string                `ddb:"both,omitempty,nullempty"`

	PS   *string      `ddb:"ps"`
	PSO  *string      `ddb:"pso,omitempty"`
	PSN  *string      `ddb:"psn,nullempty"`
	PI   *int         `ddb:"pi"`
	PI8  *int8        `ddb:"pi8,omitempty"`
	PU   *uint32      `ddb:"pu"`
	PF   *float64     `ddb:"pf"`
	PF32 *float32     `ddb:"pf32"`
	PB   *bool        `ddb:"pb,omitempty"`
	PMS  *cdcStr      `ddb:"pms"`
	PPS  **string     `ddb:"pps"`
	PPSO **string     `ddb:"ppso,omitempty"`
	NP   cdcPStr      `ddb:"np"`
	PUp  *cdcUpper    `ddb:"pup"`
	PCt  *cdcCents    `ddb:"pct,omitempty"`
	PNum *json.Number `ddb:"pnum"`
}

type cdcSlices struct {
	ID    string    `ddb:"id,hash"`
	Bs    []byte    `ddb:"bs"`
	BsO   []byte    `ddb:"bso,omitempty"`
	BsN   []byte    `ddb:"bsn,nullempty"`
	NBs   cdcBytes  `ddb:"nbs"`
	Arr   [4]byte   `ddb:"arr"`
	Arr0  [0]int    `ddb:"arr0,omitempty"`
	ArrI  [3]int    `ddb:"arri"`
	SL    []string  `ddb:"sl"`
	SLO   []string  `ddb:"slo,omitempty"`
	SS    []string  `ddb:"ss,stringset"`
	SSO   []string  `ddb:"sso,stringset,omitempty"`
	SSN   []string  `ddb:"ssn,stringset,nullempty"`
	MSS   []cdcStr  `ddb:"mss,stringset"`
	NSS   cdcStrs   `ddb:"nss,stringset"`
	IL    []int     `ddb:"il"`
	INS   []int     `ddb:"ins,numberset"`
	I8NS  []int8    `ddb:"i8ns,numberset,omitempty"`
	UNS   []uint16  `ddb:"uns,numberset"`
	U64L  []uint64  `ddb:"u64l"`
	FNS   []float64 `ddb:"fns,numberset"`
	F32L  []float32 `ddb:"f32l"`
	MIns  cdcInts   `ddb:"mins,numberset"`
	MFl   []cdcFloat
	BL    []bool           `ddb:"bl"`
	BB    [][]byte         `ddb:"bb"`
	BBS   [][]byte         `ddb:"bbs,binaryset"`
	BBL   []cdcBytes       `ddb:"bbl"`
	PSL   []*string        `ddb:"psl"`
	AL    []any            `ddb:"al"`
	SOE   []string         `ddb:"soe,omitemptyelem"`
	PNE   []*string        `ddb:"pne,nullemptyelem"`
	SSOE  []string         `ddb:"ssoe,stringset,omitemptyelem"`
	UpS   []cdcUpper       `ddb:"ups,stringset"`
	UpL   []cdcUpper       `ddb:"upl"`
	CtNS  []cdcCents       `ddb:"ctns,numberset"`
	NumNS []json.Number    `ddb:"numns,numberset"`
	StS   []cdcStringer    `ddb:"sts,stringset"`
	SLL   [][]string       `ddb:"sll"`
	PSS   *[]string        `ddb:"pss,stringset"`
	PIL   *[]int           `ddb:"pil"`
	MapL  []map[string]int `ddb:"mapl"`
}

// cdcBadSets has set options attributevalue cannot apply to the type (it
// fails on any non-empty value) and a slice of a named byte type (it
// panics on any non-nil one).
type cdcBadSets struct {
	ID   string    `ddb:"id,hash"`
	MBs  []cdcByte `ddb:"mbs"`
	SNum []string  `ddb:"snum,numberset"`
	ISS  []int     `ddb:"iss,stringset"`
	NSSO []string  `ddb:"nsso,stringset,nullempty,omitempty"`
}

type cdcMaps struct {
	ID   string              `ddb:"id,hash"`
	MSS  map[string]string   `ddb:"mss"`
	MSI  map[string]int      `ddb:"msi,omitempty"`
	MIS  map[int]string      `ddb:"mis"`
	MSA  map[string]any      `ddb:"msa"`
	MSG  map[string]*cdcGeo  `ddb:"msg"`
	MOE  map[string]string   `ddb:"moe,omitemptyelem"`
	MNE  map[string]*string  `ddb:"mne,nullemptyelem"`
	MBI  map[bool]int        `ddb:"mbi"`
	MFS  map[float64]string  `ddb:"mfs,nullempty"`
	MK   map[cdcKey]int      `ddb:"mk"`
	MSL  map[string][]string `ddb:"msl"`
	MMS  map[cdcStr]cdcStr   `ddb:"mms"`
	MSSS map[string][]string `ddb:"msss,omitemptyelem"`
}

type cdcGeo struct {
	Lat float64 `ddb:"lat"`
	Lon float64 `ddb:"lon"`
}

type cdcAddress struct {
	Street string   `ddb:"street"`
	Geo    cdcGeo   `ddb:"geo"`
	Geo2   *cdcGeo  `ddb:"geo2,omitempty"`
	Tags   []string `ddb:"tags,stringset,omitempty"`
	hidden int
}

// CdcEmbedded is embedded by value and flattened.
type CdcEmbedded struct {
	EmbS string `ddb:"embS"`
	EmbN int    `ddb:",omitempty"`
	EmbP *int   `ddb:"embP"`
}

// cdcHidden is unexported and embedded: its exported fields are attributes.
type cdcHidden struct {
	HidS string `ddb:"hidS"`
	HidB []byte
}

// CdcNamedEmbed is embedded with a name: one map attribute.
type CdcNamedEmbed struct {
	X string `ddb:"x"`
}

type cdcNested struct {
	ID string `ddb:"id,hash"`
	CdcEmbedded
	cdcHidden
	CdcNamedEmbed `ddb:"named"`
	Addr          cdcAddress              `ddb:"addr"`
	AddrO         cdcAddress              `ddb:"addro,omitempty"`
	PAddr         *cdcAddress             `ddb:"paddr"`
	Lines         []cdcGeo                `ddb:"lines"`
	PLines        []*cdcGeo               `ddb:"plines"`
	LinesN        []cdcGeo                `ddb:"linesn,nullempty"`
	Any           any                     `ddb:"any"`
	AnyO          any                     `ddb:"anyo,omitempty"`
	AnyN          any                     `ddb:"anyn,nullempty"`
	Str           fmt.Stringer            `ddb:"str"`
	T             time.Time               `ddb:"t"`
	TO            time.Time               `ddb:"to,omitempty"`
	TU            time.Time               `ddb:"tu,unixtime"`
	PT            *time.Time              `ddb:"pt"`
	PTU           *time.Time              `ddb:"ptu,unixtime"`
	UT            attributevalue.UnixTime `ddb:"ut"`
	IStr          int                     `ddb:"istr,string"`
	FStr          float64                 `ddb:"fstr,string,omitempty"`
	SStr          string                  `ddb:"sstr,string"`
	PIStr         *int                    `ddb:"pistr,string"`
	IUnix         int64                   `ddb:"iunix,unixtime"`
	NlO           cdcNullish              `ddb:"nlo,omitempty"`
	Chk           [2]cdcGeo               `ddb:"chk"`
}

// CdcViaPtr is embedded through a pointer: the whole struct goes to
// attributevalue.
type CdcViaPtr struct {
	PtrS string `ddb:"ptrS"`
	PtrI int    `ddb:"ptrI"`
}

type cdcViaPointer struct {
	ID string `ddb:"id,hash"`
	*CdcViaPtr
	N int `ddb:"n"`
}

// cdcSelfDecoding decodes itself: decoding goes to attributevalue whole.
type cdcSelfDecoding struct {
	ID string `ddb:"id,hash"`
	N  int    `ddb:"n"`
}

func (s *cdcSelfDecoding) UnmarshalDynamoDBAttributeValue(av types.AttributeValue) error {
	m, ok := av.(*types.AttributeValueMemberM)
	if !ok {
		return errors.New("cdcSelfDecoding: not a map")
	}
	s.ID = "self:" + fmt.Sprint(len(m.Value))
	s.N = -1
	return nil
}

// cdcCase has names differing only by case, and a name that is not ASCII.
type cdcCase struct {
	ID    string `ddb:"id,hash"`
	Email string `ddb:"email"`
	Upper string `ddb:"EMAIL2"`
	Name  string `ddb:"Straße"`
	Lower int    `ddb:"a"`
	Cap   int    `ddb:"A"`
}

// cdcTree is recursive: its plan refers to itself.
type cdcTree struct {
	Name string     `ddb:"name"`
	Left *cdcTree   `ddb:"left,omitempty"`
	Kids []cdcTree  `ddb:"kids"`
	Meta cdcTreeTag `ddb:"meta"`
}

type cdcTreeTag struct {
	Tag  string   `ddb:"tag"`
	Back *cdcTree `ddb:"back"`
}

// cdcOdd is a struct the schema refuses (a dynamodbav tag) but
// attributevalue encodes.
type cdcOdd struct {
	A string `dynamodbav:"a"`
	B int
}

// cdcWithVia holds a field behind an embedded pointer: its plan is whole.
type cdcWithVia struct {
	*CdcViaPtr
	Z string `ddb:"z"`
}

// cdcInnerSlow is a nested struct whose fields take every route.
type cdcInnerSlow struct {
	Fast  string    `ddb:"fast"`
	Any   any       `ddb:"any"`
	Str   int       `ddb:"str,string"`
	When  time.Time `ddb:"when,unixtime"`
	Up    cdcUpper  `ddb:"up"`
	Email string    `ddb:"eMail"`
}

type cdcDeep struct {
	ID    string             `ddb:"id,hash"`
	Tree  cdcTree            `ddb:"tree"`
	Kids  []cdcTree          `ddb:"kids,omitempty"`
	Odd   cdcOdd             `ddb:"odd"`
	POdd  *cdcOdd            `ddb:"podd"`
	Via   cdcWithVia         `ddb:"via"`
	Self  cdcSelfDecoding    `ddb:"self"`
	LSelf []cdcSelfDecoding  `ddb:"lself"`
	Tim   []time.Time        `ddb:"tim"`
	Ptrs  []*cdcInnerSlow    `ddb:"ptrs"`
	Fold  cdcInnerSlow       `ddb:"fold"`
	Inner []cdcInnerSlow     `ddb:"inner,nullempty"`
	PIn   *cdcInnerSlow      `ddb:"pin,omitempty"`
	MIn   map[string]cdcTree `ddb:"min"`
}

// cdcTypes are the types under test, as pointers to zero values.
func cdcTypes() []any {
	return []any{
		new(cdcScalars), new(cdcSlices), new(cdcBadSets), new(cdcMaps), new(cdcNested), new(cdcDeep),
		new(cdcViaPointer), new(cdcSelfDecoding), new(cdcCase), new(testenv.Order),
	}
}

var (
	// cdc is the codec with the default options, and cdcEncoder and
	// cdcDecoder are attributevalue's, the reference.
	cdc        = mustNew(nil, nil)
	cdcEncoder = attributevalue.NewEncoder(func(o *attributevalue.EncoderOptions) { o.TagKey = tags.Key })
	cdcDecoder = attributevalue.NewDecoder(func(o *attributevalue.DecoderOptions) { o.TagKey = tags.Key })
)

// cdcEnv is a codec and the attributevalue Encoder and Decoder with the
// same options, which it must match.
type cdcEnv struct {
	c   *Codec
	enc *attributevalue.Encoder
	dec *attributevalue.Decoder
}

// cdcDefault is the codec with the mapper's default options.
var cdcDefault = &cdcEnv{cdc, cdcEncoder, cdcDecoder}

func mustNew(encOpts []func(*attributevalue.EncoderOptions), decOpts []func(*attributevalue.DecoderOptions)) *Codec {
	c, err := New(encOpts, decOpts)
	if err != nil {
		panic(err)
	}
	return c
}

// cdcCmpOptions compare items and structs exactly: unexported fields too,
// nil apart from empty, NaN equal to NaN, times by instant and zone.
var cdcCmpOptions = gocmp.Options{
	gocmp.Exporter(func(reflect.Type) bool { return true }),
	cmpopts.EquateNaNs(),
	gocmp.Comparer(func(a, b cdcFloat) bool { return a == b || (a != a && b != b) }),
	gocmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.String() == b.String() }),
	gocmp.Comparer(func(a, b attributevalue.UnixTime) bool {
		return time.Time(a).Equal(time.Time(b)) && time.Time(a).String() == time.Time(b).String()
	}),
}

func cdcCodec(t testing.TB, typ reflect.Type) *plan {
	t.Helper()
	s, err := schema.Of(typ)
	if err != nil {
		t.Fatalf("schema.Of(%v): %v", typ, err)
	}
	return planOf(s)
}

// wantEncode is the reference: attributevalue on the whole struct, with
// the mapper's error wrapping.
func wantEncode(rv reflect.Value) (map[string]types.AttributeValue, error) {
	return cdcDefault.wantEncode(rv)
}

func (env *cdcEnv) wantEncode(rv reflect.Value) (map[string]types.AttributeValue, error) {
	av, err := env.enc.Encode(rv.Addr().Interface())
	if err != nil {
		return nil, invalidItem("marshaling %v: %v", rv.Type(), err)
	}
	return av.(*types.AttributeValueMemberM).Value, nil
}

// wantDecode is the reference: attributevalue on a zero struct.
func wantDecode(item map[string]types.AttributeValue, rv reflect.Value) error {
	return cdcDefault.wantDecode(item, rv)
}

func (env *cdcEnv) wantDecode(item map[string]types.AttributeValue, rv reflect.Value) error {
	rv.SetZero()
	if err := env.dec.Decode(&types.AttributeValueMemberM{Value: item}, rv.Addr().Interface()); err != nil {
		return invalidItem("unmarshaling into %v: %v", rv.Type(), err)
	}
	return nil
}

// catch turns a panic into an error, to compare where attributevalue
// panics (decoding a string into a non-empty interface, for one).
func catch(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}

// diff is gocmp.Diff with cdcCmpOptions, after a quicker check.
func diff(want, got any) string {
	if reflect.DeepEqual(want, got) {
		return ""
	}
	return gocmp.Diff(want, got, cdcCmpOptions)
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Error() == b.Error()
}

// rawError undoes the codec's wrapping of a field's error (fieldError):
// attributevalue's own error in the words wantEncode and wantDecode use, so
// that the equivalence tests compare the causes, which the message of an
// encrypted attribute withholds; a panic the codec turned into an error in
// catch's words.
func rawError(err error) error {
	var fe *fieldError
	if !errors.As(err, &fe) {
		return err
	}
	if pe, ok := fe.cause.(*panicError); ok {
		return fmt.Errorf("panic: %v", pe.value)
	}
	if fe.op == opMarshal {
		return invalidItem("marshaling %v: %v", fe.structType, fe.cause)
	}
	return invalidItem("unmarshaling into %v: %v", fe.structType, fe.cause)
}

// namedAttribute returns the attribute an error of the codec names, "" if
// none.
func namedAttribute(err error) string {
	var ae *ddbcrypt.AttributeError
	if errors.As(err, &ae) {
		return ae.Attribute
	}
	return ""
}

// checkEncode compares the codec's item for *v with attributevalue's, and
// returns the item (nil if both failed).
func checkEncode(t *testing.T, c *plan, v any, what string) map[string]types.AttributeValue {
	t.Helper()
	return cdcDefault.checkEncode(t, c, v, what)
}

func (env *cdcEnv) checkEncode(t *testing.T, c *plan, v any, what string) map[string]types.AttributeValue {
	t.Helper()
	rv := reflect.ValueOf(v).Elem()
	var want map[string]types.AttributeValue
	wantErr := catch(func() (err error) { want, err = env.wantEncode(rv); return err })
	before := reflect.New(rv.Type())
	before.Elem().Set(rv)
	var got map[string]types.AttributeValue
	err := catch(func() (err error) { got, err = c.encode(env.c, rv); return rawError(err) })
	if !sameError(err, wantErr) {
		t.Fatalf("%s: encode error\n got %v\nwant %v", what, err, wantErr)
	}
	if d := diff(want, got); d != "" {
		t.Fatalf("%s: encode differs from attributevalue (-want +got):\n%s", what, d)
	}
	if d := diff(before.Interface(), v); d != "" {
		t.Fatalf("%s: encode changed the struct:\n%s", what, d)
	}
	return got
}

// checkDecode compares the codec's decoding of item with attributevalue's.
// The codec decodes into a struct that is not zero, to show it zeroes it.
func checkDecode(t *testing.T, c *plan, typ reflect.Type, item map[string]types.AttributeValue, dirty any, what string) bool {
	t.Helper()
	return cdcDefault.checkDecode(t, c, typ, item, dirty, what)
}

func (env *cdcEnv) checkDecode(t *testing.T, c *plan, typ reflect.Type, item map[string]types.AttributeValue, dirty any, what string) bool {
	t.Helper()
	want := reflect.New(typ).Elem()
	wantErr := catch(func() error { return env.wantDecode(item, want) })
	got := reflect.New(typ).Elem()
	if dirty != nil {
		got.Set(reflect.ValueOf(dirty).Elem())
	}
	err := catch(func() error { return rawError(c.decode(env.c, item, got)) })
	if err != nil || wantErr != nil {
		// attributevalue stops at the first attribute it cannot decode, in
		// map order: with several, which one is chance, and so is what it
		// leaves in the struct. Each attribute alone must fail (or not) the
		// same way, and the item must fail with one of those errors.
		possible := map[string]bool{}
		for name, av := range item {
			one := map[string]types.AttributeValue{name: av}
			wantV, gotV := reflect.New(typ).Elem(), reflect.New(typ).Elem()
			wantOne := catch(func() error { return env.wantDecode(one, wantV) })
			var named string
			gotOne := catch(func() error {
				err := c.decode(env.c, one, gotV)
				named = namedAttribute(err)
				return rawError(err)
			})
			if !sameError(gotOne, wantOne) {
				t.Fatalf("%s: decode error for attribute %q alone\n got %v\nwant %v", what, name, gotOne, wantOne)
			}
			if gotOne != nil && !strings.HasPrefix(gotOne.Error(), "panic: ") && named != name && !c.wholeDecode {
				t.Fatalf("%s: decode error for attribute %q alone names attribute %q", what, name, named)
			}
			if wantOne == nil {
				if d := diff(wantV.Interface(), gotV.Interface()); d != "" {
					t.Fatalf("%s: decode of attribute %q alone differs from attributevalue (-want +got):\n%s", what, name, d)
				}
			}
			if wantOne != nil {
				possible[wantOne.Error()] = true
			}
		}
		if err == nil || wantErr == nil || !possible[err.Error()] || !possible[wantErr.Error()] {
			t.Fatalf("%s: decode error\n got %v\nwant %v\n(the attributes alone fail with %v)", what, err, wantErr, possible)
		}
		return false
	}
	if d := diff(want.Interface(), got.Interface()); d != "" {
		t.Fatalf("%s: decode differs from attributevalue (-want +got):\n%s", what, d)
	}
	return true
}

// TestCodecPlan pins which route each kind of field takes.
func TestCodecPlan(t *testing.T) {
	routes := func(v any) map[string]string {
		c := cdcCodec(t, reflect.TypeOf(v))
		m := map[string]string{}
		for _, f := range c.fields {
			m[f.name] = fmt.Sprint(f.enc, "/", f.dec)
		}
		return m
	}
	fast, field, wrapped := "2/2", "0/0", "1/0"
	for _, tc := range []struct {
		v    any
		want map[string]string
	}{
		{cdcScalars{}, map[string]string{
			"s": fast, "so": fast, "sn": fast, "b": fast, "i8": fast, "u64": fast, "f32": fast, "f64n": fast,
			"ms": fast, "mi": fast, "mf": fast, "mb": fast, "st": fast, "D": fast,
			"up": field, "c": field, "num": field, "jn": field, "up2": field, "ct": field, "ou": field, "nl": field,
			"both": wrapped,
			"ps":   fast, "pso": fast, "psn": fast, "pf32": fast, "pms": fast,
			"pps": field, "ppso": wrapped, "np": field, "pup": field, "pct": field, "pnum": field,
		}},
		{cdcSlices{}, map[string]string{
			"bs": fast, "bso": fast, "bsn": fast, "nbs": fast, "arr": field, "arri": field,
			"sl": fast, "ss": fast, "sso": fast, "ssn": fast, "mss": fast, "nss": fast,
			"il": fast, "ins": fast, "i8ns": fast, "uns": fast, "u64l": fast, "fns": fast,
			"f32l": fast, "mins": fast, "MFl": fast, "bl": field, "bb": field, "bbs": wrapped,
			"psl": field, "al": field, "soe": wrapped, "pne": wrapped, "ssoe": wrapped, "ups": wrapped,
			"upl": field, "ctns": wrapped, "numns": wrapped, "sts": fast, "pss": wrapped, "pil": field,
		}},
		{cdcNested{}, map[string]string{
			"embS": fast, "hidS": fast, "HidB": fast, "named": fast, "addr": fast, "addro": fast, "paddr": fast,
			"lines": fast, "plines": field, "linesn": fast, "chk": field,
			"any": wrapped, "str": wrapped, "t": field, "tu": "1/1", "istr": "1/1", "sstr": "1/1", "iunix": "1/1",
		}},
	} {
		got := routes(tc.v)
		for name, want := range tc.want {
			if got[name] != want {
				t.Errorf("%T.%s: route %s, want %s", tc.v, name, got[name], want)
			}
		}
	}
	for name, want := range map[string]string{"snum": wrapped, "iss": wrapped, "mbs": field, "nsso": wrapped} {
		if got := routes(cdcBadSets{})[name]; got != want {
			t.Errorf("cdcBadSets.%s: route %s, want %s", name, got, want)
		}
	}
	if c := cdcCodec(t, reflect.TypeFor[cdcViaPointer]()); !c.whole {
		t.Error("cdcViaPointer: not encoded whole")
	}
	if c := cdcCodec(t, reflect.TypeFor[cdcSelfDecoding]()); c.whole || !c.wholeDecode {
		t.Errorf("cdcSelfDecoding: whole %v, wholeDecode %v; want false, true", c.whole, c.wholeDecode)
	}
}

// cdcFilled returns a value of every type with every field set, and one
// with the edge values.
func cdcFilled() []any {
	s, e := "str", ""
	ps, pe := &s, &e
	i, i8, u32, f, f32, bl := 7, int8(-8), uint32(32), 2.5, float32(-0.25), true
	ms, up, ct, jn := cdcStr("ms"), cdcUpper("MiXeD"), cdcCents(-1234), json.Number("12.5")
	when := time.Date(2024, 3, 12, 16, 3, 4, 573000000, time.FixedZone("X", 5*3600+1800))
	nan := math.NaN()
	return []any{
		&cdcScalars{
			S: "s", SO: "so", SN: "sn", B: true, BO: true, BN: true, I: -1, IO: 1, IN: 2,
			I8: math.MinInt8, I16: math.MaxInt16, I32: math.MinInt32, I64: math.MinInt64,
			U: math.MaxUint, U8: math.MaxUint8, U16: 16, U32: math.MaxUint32, U64: math.MaxUint64,
			F32: math.MaxFloat32, F32O: float32(math.Inf(-1)), F64: math.SmallestNonzeroFloat64, F64O: 1e21, F64N: 0.1,
			UP: 9, UPN: 0, C: complex(1, 2), MS: "named", MI: -5, MF: 1.5, MB: true, ST: "st", D: time.Hour,
			Num: "123.45", JN: "6", Up: "up", UpO: "x", Ct: 1999, Ou: 3, Nl: cdcNullish{1}, Both: "both",
			PS: ps, PSO: pe, PSN: ps, PI: &i, PI8: &i8, PU: &u32, PF: &f, PF32: &f32, PB: &bl, PMS: &ms,
			PPS: &ps, PPSO: new(*string), NP: ps, PUp: &up, PCt: &ct, PNum: &jn,
		},
		&cdcScalars{F32: float32(math.NaN()), F64: nan, F64O: math.Inf(1), F64N: math.Copysign(0, -1), MF: cdcFloat(math.Copysign(0, -1)),
			PF: &nan, PS: pe, PPS: new(*string), S: "ümlaut, \x00 and \u2028", Num: "", Nl: cdcNullish{}},
		&cdcSlices{
			ID: "id", Bs: []byte{1, 2, 3}, BsO: []byte{}, BsN: []byte{}, NBs: cdcBytes{4},
			Arr: [4]byte{1}, ArrI: [3]int{1, 2, 3}, SL: []string{"a", "", "c"}, SLO: []string{},
			SS: []string{"x", "y"}, SSO: []string{}, SSN: []string{"", "z"}, MSS: []cdcStr{"m"}, NSS: cdcStrs{"n"},
			IL: []int{1, -2, 0}, INS: []int{3, 4}, I8NS: []int8{}, UNS: []uint16{65535},
			U64L: []uint64{math.MaxUint64}, FNS: []float64{nan, math.Inf(1), 1.25, math.Copysign(0, -1)}, F32L: []float32{0.1, 3},
			MIns: cdcInts{-7}, MFl: []cdcFloat{1}, BL: []bool{true, false},
			BB: [][]byte{{1}, {}}, BBS: [][]byte{{2}, {3}}, BBL: []cdcBytes{{9}}, PSL: []*string{ps, nil, pe},
			AL: []any{"a", 1.5, nil, []any{true}, map[string]any{"k": "v"}}, SOE: []string{"", "x", ""},
			PNE: []*string{nil, pe, ps}, SSOE: []string{"", "q"}, UpS: []cdcUpper{"lo"}, UpL: []cdcUpper{"a", "b"},
			CtNS: []cdcCents{150}, NumNS: []json.Number{"1", "2.5"}, StS: []cdcStringer{"s"},
			SLL: [][]string{{"a"}, nil, {}}, PSS: &[]string{"p"}, PIL: &[]int{},
			MapL: []map[string]int{{"a": 1}, nil},
		},
		&cdcSlices{ID: "id", SS: []string{}, INS: []int{}, FNS: []float64{}, IL: []int{}, SL: []string{},
			PSS: new([]string), BBS: [][]byte{}, Bs: []byte{}, NBs: cdcBytes{}},
		&cdcBadSets{ID: "id", SNum: []string{}, ISS: []int{}, MBs: []cdcByte{}, NSSO: []string{"w"}},
		&cdcMaps{
			ID: "id", MSS: map[string]string{"a": "b", "e": ""}, MSI: map[string]int{}, MIS: map[int]string{-1: "m"},
			MSA: map[string]any{"n": 1.0, "s": "s", "l": []any{"x"}, "nil": nil}, MSG: map[string]*cdcGeo{"g": {1, 2}, "n": nil},
			MOE: map[string]string{"a": "", "b": "x"}, MNE: map[string]*string{"n": nil, "e": pe},
			MBI: map[bool]int{true: 1}, MFS: map[float64]string{1.5: "f"}, MK: map[cdcKey]int{{"a", "b"}: 1},
			MSL: map[string][]string{"l": {"x"}, "n": nil}, MMS: map[cdcStr]cdcStr{"k": "v"},
			MSSS: map[string][]string{"e": {}, "n": nil, "f": {"x"}},
		},
		&cdcMaps{ID: "id", MFS: map[float64]string{}},
		&cdcNested{
			ID:            "id",
			CdcEmbedded:   CdcEmbedded{EmbS: "e", EmbN: 3, EmbP: &i},
			cdcHidden:     cdcHidden{HidS: "h", HidB: []byte("hb")},
			CdcNamedEmbed: CdcNamedEmbed{X: "x"},
			Addr:          cdcAddress{Street: "st", Geo: cdcGeo{1.5, -2.25}, Geo2: &cdcGeo{}, Tags: []string{"t"}, hidden: 3},
			PAddr:         &cdcAddress{},
			Lines:         []cdcGeo{{1, 2}, {3, 4}},
			PLines:        []*cdcGeo{{5, 6}, nil},
			LinesN:        []cdcGeo{},
			Any:           []string(nil),
			AnyO:          0,
			AnyN:          map[string]any{},
			Str:           cdcStringer("s"),
			T:             when,
			TO:            time.Time{},
			TU:            when,
			PT:            &when,
			PTU:           &when,
			UT:            attributevalue.UnixTime(when),
			IStr:          -12,
			FStr:          1.5,
			SStr:          "not a number",
			PIStr:         &i,
			IUnix:         1700000000,
			NlO:           cdcNullish{2},
			Chk:           [2]cdcGeo{{1, 1}},
		},
		&cdcNested{ID: "id", Any: cdcUpper("via any"), AnyO: (*int)(nil), Str: (*cdcStringerPtr)(nil)},
		&cdcDeep{
			ID: "id",
			Tree: cdcTree{Name: "root", Left: &cdcTree{Name: "l", Kids: []cdcTree{{Name: "k"}}},
				Kids: []cdcTree{{Name: "a", Meta: cdcTreeTag{Tag: "t", Back: &cdcTree{Name: "b"}}}, {}}},
			Kids:  []cdcTree{},
			Odd:   cdcOdd{A: "a", B: 1},
			POdd:  &cdcOdd{},
			Via:   cdcWithVia{CdcViaPtr: &CdcViaPtr{PtrS: "v"}, Z: "z"},
			Self:  cdcSelfDecoding{ID: "s", N: 2},
			LSelf: []cdcSelfDecoding{{ID: "l"}},
			Tim:   []time.Time{when, {}},
			Ptrs:  []*cdcInnerSlow{{Fast: "f", Any: 1.5, Str: 3, When: when, Up: "u"}, nil},
			Fold:  cdcInnerSlow{Fast: "fold", Any: []any{"x"}, Str: -1, Up: "Q", Email: "e@x"},
			Inner: []cdcInnerSlow{{Fast: "i", Any: map[string]any{"k": true}}, {}},
			PIn:   &cdcInnerSlow{Email: "p"},
			MIn:   map[string]cdcTree{"m": {Name: "m", Left: &cdcTree{}}},
		},
		&cdcDeep{ID: "id", Via: cdcWithVia{Z: "nil via"}, Inner: []cdcInnerSlow{}},
		&cdcViaPointer{ID: "id", CdcViaPtr: &CdcViaPtr{PtrS: "p", PtrI: 1}, N: 2},
		&cdcViaPointer{ID: "id", N: 2},
		&cdcSelfDecoding{ID: "id", N: 1},
		&cdcCase{ID: "id", Email: "e", Upper: "U", Name: "n", Lower: 1, Cap: 2},
	}
}

// cdcStringerPtr implements fmt.Stringer on its pointer, for a typed nil in
// an interface.
type cdcStringerPtr struct{}

func (*cdcStringerPtr) String() string { return "ptr" }

// TestCodecEquivalence: zero values and filled values of every type encode
// and decode as with attributevalue.
func TestCodecEquivalence(t *testing.T) {
	values := cdcTypes() // zero values
	values = append(values, cdcFilled()...)
	values = append(values, testenv.MediumOrder(t))
	for i, v := range values {
		typ := reflect.TypeOf(v).Elem()
		what := fmt.Sprintf("#%d %v", i, typ)
		c := cdcCodec(t, typ)
		item := checkEncode(t, c, v, what)
		if item == nil {
			continue
		}
		checkDecode(t, c, typ, item, nil, what)
		checkDecode(t, c, typ, item, v, what+" (into a filled struct)")
		for j, variant := range itemVariants(item) {
			checkDecode(t, c, typ, variant, v, fmt.Sprintf("%s variant %d", what, j))
		}
	}
}

// TestCodecEncodeErrors: the errors attributevalue reports from inside a
// struct come out the same.
func TestCodecEncodeErrors(t *testing.T) {
	for i, v := range []any{
		&cdcScalars{}, // both omitempty and nullempty on a zero value
		&cdcBadSets{ID: "x", SNum: []string{"1"}}, // numberset of strings
		&cdcBadSets{ID: "x", ISS: []int{1}},       // stringset of ints
		&cdcSlices{ID: "x", BBS: [][]byte{nil}},   // nil in a binary set
		&cdcMaps{ID: "x", MSS: map[string]string{"": "empty key"}},
	} {
		rv := reflect.ValueOf(v).Elem()
		if rv.Type() == reflect.TypeFor[cdcScalars]() {
			rv.FieldByName("Both").SetString("")
		}
		_, wantErr := wantEncode(rv)
		if wantErr == nil {
			t.Fatalf("#%d %T: attributevalue encodes it", i, v)
		}
		checkEncode(t, cdcCodec(t, rv.Type()), v, fmt.Sprintf("#%d %T", i, v))
	}
}

// itemVariants returns items that differ from item in one attribute: each
// attribute replaced in turn by values of other types (most of them
// errors for the field), renamed to its upper-case form, or dropped, and
// an unknown attribute added.
func itemVariants(item map[string]types.AttributeValue) []map[string]types.AttributeValue {
	replacements := []types.AttributeValue{
		&types.AttributeValueMemberNULL{Value: true},
		&types.AttributeValueMemberS{Value: "x"},
		&types.AttributeValueMemberS{Value: "2024-03-12T16:03:04Z"},
		&types.AttributeValueMemberS{Value: "17"},
		&types.AttributeValueMemberN{Value: "12"},
		&types.AttributeValueMemberN{Value: "-1"},
		&types.AttributeValueMemberN{Value: "300"},
		&types.AttributeValueMemberN{Value: "70000"},
		&types.AttributeValueMemberN{Value: "5000000000"},
		&types.AttributeValueMemberN{Value: "1.5"},
		&types.AttributeValueMemberN{Value: "1e400"},
		&types.AttributeValueMemberN{Value: "1e39"},
		&types.AttributeValueMemberN{Value: "NaN"},
		&types.AttributeValueMemberN{Value: "-Inf"},
		&types.AttributeValueMemberN{Value: "99999999999999999999"},
		&types.AttributeValueMemberN{Value: "abc"},
		&types.AttributeValueMemberBOOL{Value: true},
		&types.AttributeValueMemberB{Value: []byte{1, 2}},
		&types.AttributeValueMemberB{},
		&types.AttributeValueMemberSS{Value: []string{"a", "b"}},
		&types.AttributeValueMemberSS{Value: []string{}},
		&types.AttributeValueMemberNS{Value: []string{"1", "2"}},
		&types.AttributeValueMemberNS{Value: []string{"1", "300"}},
		&types.AttributeValueMemberNS{Value: []string{"x"}},
		&types.AttributeValueMemberBS{Value: [][]byte{{1}}},
		&types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "a"}, &types.AttributeValueMemberNULL{Value: true}}},
		&types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberN{Value: "3"}}},
		&types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "s"}}},
		&types.AttributeValueMemberL{Value: []types.AttributeValue{}},
		&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"lat": &types.AttributeValueMemberN{Value: "1"}}},
		&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
		nil,
	}
	clone := func() map[string]types.AttributeValue {
		m := make(map[string]types.AttributeValue, len(item)+1)
		for k, v := range item {
			m[k] = v
		}
		return m
	}
	var out []map[string]types.AttributeValue
	for name := range item {
		for _, r := range replacements {
			m := clone()
			m[name] = r
			out = append(out, m)
		}
		m := clone()
		delete(m, name)
		out = append(out, m)
		if up := strings.ToUpper(name); up != name {
			if _, taken := item[up]; !taken {
				m := clone()
				m[up] = m[name]
				delete(m, name)
				out = append(out, m)
			}
		}
	}
	m := clone()
	m["not-a-field"] = &types.AttributeValueMemberS{Value: "ignored"}
	out = append(out, m)
	return out
}

// TestCodecCaseFolding: an attribute whose name matches a field only but
// for case goes to the first such field, as with attributevalue.
func TestCodecCaseFolding(t *testing.T) {
	c := cdcCodec(t, reflect.TypeFor[cdcCase]())
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	n := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	for i, item := range []map[string]types.AttributeValue{
		{"ID": s("id"), "EMAIL": s("e"), "email2": s("u"), "STRASSE": s("no fold"), "straße": s("fold")},
		{"Email": s("e"), "Email2": s("u"), "a": n("1"), "A": n("2")},
		{"id": s("x"), "b": n("1")},
	} {
		typ := reflect.TypeFor[cdcCase]()
		checkDecode(t, c, typ, item, nil, fmt.Sprintf("item %d", i))
	}
	// In nested structs too, whether their plan is the codec's or not.
	deep := cdcCodec(t, reflect.TypeFor[cdcDeep]())
	m := func(kv map[string]types.AttributeValue) types.AttributeValue {
		return &types.AttributeValueMemberM{Value: kv}
	}
	for i, item := range []map[string]types.AttributeValue{
		{"ID": s("id"), "FOLD": m(map[string]types.AttributeValue{"EMAIL": s("e"), "FAST": s("f"), "Str": s("12")})},
		{"Tree": m(map[string]types.AttributeValue{"NAME": s("n"), "kids": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			m(map[string]types.AttributeValue{"Name": s("k")}), &types.AttributeValueMemberNULL{Value: true}}}})},
		{"odd": m(map[string]types.AttributeValue{"A": s("a"), "b": n("2")})},
	} {
		checkDecode(t, deep, reflect.TypeFor[cdcDeep](), item, nil, fmt.Sprintf("deep item %d", i))
	}
	for i, item := range []map[string]types.AttributeValue{} {
		typ := reflect.TypeFor[cdcCase]()
		checkDecode(t, c, typ, item, nil, fmt.Sprintf("item %d", i))
	}
}

// TestCodecRandom encodes and decodes seeded random values of every type.
func TestCodecRandom(t *testing.T) {
	n := 300
	if testing.Short() {
		n = 50
	}
	r := rand.New(rand.NewPCG(1, 2))
	for _, proto := range cdcTypes() {
		typ := reflect.TypeOf(proto).Elem()
		c := cdcCodec(t, typ)
		encoded, decoded := 0, 0
		for i := range n {
			v := reflect.New(typ)
			cdcRandom(v.Elem(), r, 0)
			what := fmt.Sprintf("%v random #%d", typ, i)
			item := checkEncode(t, c, v.Interface(), what)
			if item == nil {
				continue
			}
			encoded++
			if checkDecode(t, c, typ, item, v.Interface(), what) {
				decoded++
			}
		}
		t.Logf("%v: %d values, %d encoded, %d of those decoded back", typ, n, encoded, decoded)
	}
}

var cdcLocations = []*time.Location{time.UTC, time.FixedZone("", -7*3600), time.FixedZone("Y", 3600)}

// cdcRandom fills v with random values, edge values more often than not.
func cdcRandom(v reflect.Value, r *rand.Rand, depth int) {
	if !v.CanSet() {
		return
	}
	pick := func(n int) int { return r.IntN(n) }
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(pick(2) == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := v.Type().Bits()
		switch pick(5) {
		case 0:
			v.SetInt(0)
		case 1:
			v.SetInt(-1 << (bits - 1))
		case 2:
			v.SetInt(1<<(bits-1) - 1)
		default:
			v.SetInt(r.Int64N(1000) - 500)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		switch pick(4) {
		case 0:
			v.SetUint(0)
		case 1:
			v.SetUint(math.MaxUint64 >> (64 - v.Type().Bits()))
		default:
			v.SetUint(r.Uint64N(100000))
		}
	case reflect.Float32, reflect.Float64:
		vals := []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), 1e300, 1e-300, 0.1, 123.456,
			float64(float32(0.1)), math.MaxFloat32, r.NormFloat64() * 1e6, r.Float64()}
		v.SetFloat(vals[pick(len(vals))])
	case reflect.Complex64, reflect.Complex128:
		v.SetComplex(complex(r.Float64(), 1))
	case reflect.String:
		vals := []string{"", "a", "héllo wörld", "with,comma", "12", "-1.5e3", "\x00", strings.Repeat("z", 40)}
		v.SetString(vals[pick(len(vals))])
	case reflect.Pointer:
		if depth > 3 || pick(4) == 0 {
			v.SetZero()
			return
		}
		p := reflect.New(v.Type().Elem())
		cdcRandom(p.Elem(), r, depth+1)
		v.Set(p)
	case reflect.Slice:
		switch {
		case depth > 3 || pick(5) == 0:
			v.SetZero()
		case pick(6) == 0:
			v.Set(reflect.MakeSlice(v.Type(), 0, pick(3)))
		default:
			n := 1 + pick(4)
			s := reflect.MakeSlice(v.Type(), n, n)
			for i := range n {
				cdcRandom(s.Index(i), r, depth+1)
				if e := s.Index(i); e.Kind() == reflect.Slice && e.IsNil() && e.Type().Elem().Kind() == reflect.Uint8 && pick(8) != 0 {
					e.Set(reflect.MakeSlice(e.Type(), 1, 1)) // mostly no nil in a binary set
				}
			}
			v.Set(s)
		}
	case reflect.Array:
		for i := range v.Len() {
			cdcRandom(v.Index(i), r, depth+1)
		}
	case reflect.Map:
		switch {
		case depth > 3 || pick(5) == 0:
			v.SetZero()
		default:
			m := reflect.MakeMap(v.Type())
			for range pick(4) {
				k := reflect.New(v.Type().Key()).Elem()
				cdcRandom(k, r, depth+1)
				if k.Kind() == reflect.String && k.Len() == 0 && pick(4) != 0 {
					k.SetString("k")
				}
				if k.CanFloat() && math.IsNaN(k.Float()) {
					k.SetFloat(1) // NaN keys cannot be compared
				}
				e := reflect.New(v.Type().Elem()).Elem()
				cdcRandom(e, r, depth+1)
				m.SetMapIndex(k, e)
			}
			v.Set(m)
		}
	case reflect.Interface:
		if pick(4) == 0 {
			v.SetZero()
			return
		}
		var cands []any
		if v.Type().NumMethod() == 0 {
			cands = []any{"s", "", 1.5, 0, true, []any{"x", 2.0, nil}, map[string]any{"k": "v"}, []byte{1},
				[]string(nil), (*int)(nil), cdcUpper("up"), cdcGeo{1, 2}, &cdcGeo{3, 4}, map[string]int(nil)}
		} else {
			cands = []any{cdcStringer("s"), cdcStringer(""), (*cdcStringerPtr)(nil), &cdcStringerPtr{}}
		}
		c := reflect.ValueOf(cands[pick(len(cands))])
		if c.Type().Implements(v.Type()) {
			v.Set(c)
		}
	case reflect.Struct:
		if v.Type().ConvertibleTo(reflect.TypeFor[time.Time]()) {
			when := time.Unix(r.Int64N(4e9)-1e9, r.Int64N(1e9)*int64(pick(2))).In(cdcLocations[pick(len(cdcLocations))])
			if pick(6) == 0 {
				when = time.Time{}
			}
			v.Set(reflect.ValueOf(when).Convert(v.Type()))
			return
		}
		for i := range v.NumField() {
			if pick(8) == 0 {
				continue // leave a zero field now and then
			}
			cdcRandom(v.Field(i), r, depth+1)
		}
	}
}

// TestCodecCached: one plan per type, shared.
func TestCodecCached(t *testing.T) {
	s, err := schema.Of(reflect.TypeFor[cdcScalars]())
	if err != nil {
		t.Fatal(err)
	}
	first, again := planOf(s), planOf(s)
	if first != again {
		t.Error("planOf built two plans for one type")
	}
}

// TestCodecAllocs: the plan pays off in allocations on the medium struct.
func TestCodecAllocs(t *testing.T) {
	v := testenv.MediumOrder(t)
	rv := reflect.ValueOf(v).Elem()
	c := cdcCodec(t, rv.Type())
	item, err := c.encode(cdc, rv)
	if err != nil {
		t.Fatal(err)
	}
	out := reflect.New(rv.Type()).Elem()
	enc := testing.AllocsPerRun(50, func() { _, _ = c.encode(cdc, rv) })
	dec := testing.AllocsPerRun(50, func() { _ = c.decode(cdc, item, out) })
	avEnc := testing.AllocsPerRun(50, func() { _, _ = cdcEncoder.Encode(v) })
	avDec := testing.AllocsPerRun(50, func() { _ = wantDecode(item, out) })
	t.Logf("allocs per item: encode %.0f (attributevalue %.0f), decode %.0f (attributevalue %.0f)", enc, avEnc, dec, avDec)
	if enc > 0.8*avEnc || dec > 0.8*avDec {
		t.Errorf("allocs per item: encode %.0f, decode %.0f; want at most 0.8× attributevalue's %.0f, %.0f", enc, dec, avEnc, avDec)
	}
}
