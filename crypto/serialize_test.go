package crypto

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/google/go-cmp/cmp"
)

func mustHex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err) // a typo in a test constant
	}
	return b
}

// The worked example of docs/format.md 2.2.
func TestSerializeWorkedExample(t *testing.T) {
	av := &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		"b": &types.AttributeValueMemberL{Value: []types.AttributeValue{
			&types.AttributeValueMemberN{Value: "1.50"}, &types.AttributeValueMemberBOOL{Value: true}}},
		"a": &types.AttributeValueMemberSS{Value: []string{"y", "x"}},
		"c": &types.AttributeValueMemberNULL{Value: true},
	}}
	want := mustHex(t, "004d00000003"+
		"00730000000161"+"0053000000020000000178"+"0000000179"+
		"00730000000162"+"004c00000002"+"006e00000003312e35"+"003f01"+
		"00730000000163"+"0000")
	got, err := SerializeAttribute(av)
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(got, want) {
		t.Errorf("got  %x\nwant %x", got, want)
	}
}

// The Java/Python divergences of docs/format.md 2.4, byte for byte.
func TestSerializeOrderings(t *testing.T) {
	tests := []struct {
		name         string
		av           types.AttributeValue
		java, python string
	}{
		{"BS signed bytes", &types.AttributeValueMemberBS{Value: [][]byte{{0x80}, {0x01}}},
			"0042000000020000000180" + "0000000101", "0042000000020000000101" + "0000000180"},
		{"SS UTF-16 code units", &types.AttributeValueMemberSS{Value: []string{"\uFF61", "\U0001F600"}},
			"00530000000200000004f09f9880" + "00000003efbda1", "00530000000200000003efbda1" + "00000004f09f9880"},
		{"M keys UTF-16 code units", &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"\uFF61": &types.AttributeValueMemberNULL{Value: true}, "\U0001F600": &types.AttributeValueMemberNULL{Value: true}}},
			"004d00000002" + "007300000004f09f98800000" + "007300000003efbda10000", "004d00000002" + "007300000003efbda10000" + "007300000004f09f98800000"},
	}
	for _, tt := range tests {
		for _, o := range []struct {
			ord  ordering
			want string
		}{{javaOrder, tt.java}, {pythonOrder, tt.python}} {
			got, err := appendAttribute(nil, tt.av, o.ord, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !cmp.Equal(got, mustHex(t, o.want)) {
				t.Errorf("%s, ordering %d: got %x, want %s", tt.name, o.ord, got, o.want)
			}
		}
	}
	if s, _ := SerializeAttribute(tests[0].av); hex.EncodeToString(s) != tests[0].java {
		t.Errorf("SerializeAttribute does not write the Java ordering: %x", s)
	}
}

func TestCompareStringsJava(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"a", "b", -1}, {"b", "a", 1}, {"a", "a", 0}, {"a", "ab", -1},
		{"\U0001F600", "\uFF61", -1},     // surrogate before U+FF61
		{"\U0001F600", "\u00e9", 1},      // but after U+00E9
		{"x\U0001F600", "x\uE000", -1},   // after a common prefix
		{"\U0001F600", "\U0001F601", -1}, // two supplementary: code point order
		{"\uFFFF", "\U00010000", 1},      // the boundary
		{"\uD7FF", "\U00010000", -1},     // below the surrogates
	}
	for _, tt := range tests {
		if got := javaOrder.compareStrings(tt.a, tt.b); signum(got) != tt.want {
			t.Errorf("compare(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}

func signum(n int) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

func TestSerializeRejects(t *testing.T) {
	deep := types.AttributeValue(&types.AttributeValueMemberS{Value: "x"})
	for range maxDepth + 1 {
		deep = &types.AttributeValueMemberL{Value: []types.AttributeValue{deep}}
	}
	selfRef := &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}}
	selfRef.Value["me"] = selfRef
	for name, av := range map[string]types.AttributeValue{
		"nil":           nil,
		"NULL false":    &types.AttributeValueMemberNULL{Value: false},
		"bad number":    &types.AttributeValueMemberN{Value: "12abc"},
		"bad NS member": &types.AttributeValueMemberNS{Value: []string{"1", "x"}},
		"unknown":       &types.UnknownUnionMember{Tag: "X"},
		"too deep":      deep,
		"self-ref map":  selfRef,
		"bad in map":    &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": nil}},
	} {
		if _, err := SerializeAttribute(av); !errors.Is(err, ddbcrypt.ErrInvalidItem) {
			t.Errorf("%s: err = %v, want ErrInvalidItem", name, err)
		}
	}
}

func TestSerializeDoesNotModifyInput(t *testing.T) {
	ss := []string{"b", "a"}
	ns := []string{"2.0", "1"}
	bs := [][]byte{{2}, {1}}
	for _, av := range []types.AttributeValue{
		&types.AttributeValueMemberSS{Value: ss}, &types.AttributeValueMemberNS{Value: ns}, &types.AttributeValueMemberBS{Value: bs},
	} {
		if _, err := SerializeAttribute(av); err != nil {
			t.Fatal(err)
		}
	}
	if ss[0] != "b" || ns[0] != "2.0" || bs[0][0] != 2 {
		t.Errorf("serialization reordered its input: %v %v %v", ss, ns, bs)
	}
}

func TestDeserializeRejects(t *testing.T) {
	for name, in := range map[string]string{
		"empty":              "",
		"one byte":           "00",
		"bad first tag byte": "0173",
		"unknown tag":        "007a",
		"short length":       "0073000000",
		"length too long":    "00730000000561",
		"bool 2":             "003f02",
		"bool missing":       "003f",
		"huge count":         "0053ffffffff",
		"count beyond input": "00530000000200000001",
		"map key not S":      "004d00000001006e00000001310000",
		"trailing bytes":     "000000",
	} {
		if _, err := DeserializeAttribute(mustHex(t, in)); !errors.Is(err, ddbcrypt.ErrSerialization) {
			t.Errorf("%s: err = %v, want ErrSerialization", name, err)
		}
	}
	deep := "004c00000001"
	in := ""
	for range maxDepth + 1 {
		in += deep
	}
	if _, err := DeserializeAttribute(mustHex(t, in+"0000")); !errors.Is(err, ddbcrypt.ErrSerialization) {
		t.Errorf("too deep: err = %v", err)
	}
}

func TestDeserializeCopiesInput(t *testing.T) {
	in := mustHex(t, "0062000000020102")
	av, err := DeserializeAttribute(in)
	if err != nil {
		t.Fatal(err)
	}
	in[6] = 9
	if got := av.(*types.AttributeValueMemberB).Value; got[0] != 1 {
		t.Errorf("DeserializeAttribute aliases its input: %v", got)
	}
}

// typedNils are the attribute-value members as nil pointers: a non-nil
// interface that a type switch matches but whose Value a read would
// dereference.
func typedNils() map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		"S": (*types.AttributeValueMemberS)(nil), "N": (*types.AttributeValueMemberN)(nil),
		"B": (*types.AttributeValueMemberB)(nil), "BOOL": (*types.AttributeValueMemberBOOL)(nil),
		"NULL": (*types.AttributeValueMemberNULL)(nil), "SS": (*types.AttributeValueMemberSS)(nil),
		"NS": (*types.AttributeValueMemberNS)(nil), "BS": (*types.AttributeValueMemberBS)(nil),
		"L": (*types.AttributeValueMemberL)(nil), "M": (*types.AttributeValueMemberM)(nil),
	}
}

// TestSerializeRejectsTypedNils: a nil member pointer, at the top or
// nested, is an invalid item, never a panic.
func TestSerializeRejectsTypedNils(t *testing.T) {
	for name, av := range typedNils() {
		for where, v := range map[string]types.AttributeValue{
			"top":       av,
			"in a list": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "x"}, av}},
			"in a map":  &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"a": &types.AttributeValueMemberS{Value: "x"}, "k": av}},
		} {
			if _, err := SerializeAttribute(v); !errors.Is(err, ddbcrypt.ErrInvalidItem) {
				t.Errorf("nil *%s %s: err = %v, want ErrInvalidItem", name, where, err)
			}
		}
	}
}
