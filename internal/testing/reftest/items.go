package reftest

import "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

// Attribute value constructors, to write test items briefly.

func S(s string) types.AttributeValue                  { return &types.AttributeValueMemberS{Value: s} }
func N(n string) types.AttributeValue                  { return &types.AttributeValueMemberN{Value: n} }
func B(b ...byte) types.AttributeValue                 { return &types.AttributeValueMemberB{Value: b} }
func SS(ss ...string) types.AttributeValue             { return &types.AttributeValueMemberSS{Value: ss} }
func NS(ns ...string) types.AttributeValue             { return &types.AttributeValueMemberNS{Value: ns} }
func BS(bs ...[]byte) types.AttributeValue             { return &types.AttributeValueMemberBS{Value: bs} }
func L(l ...types.AttributeValue) types.AttributeValue { return &types.AttributeValueMemberL{Value: l} }
func M(m Item) types.AttributeValue                    { return &types.AttributeValueMemberM{Value: m} }
func Bool(b bool) types.AttributeValue                 { return &types.AttributeValueMemberBOOL{Value: b} }
func Null() types.AttributeValue                       { return &types.AttributeValueMemberNULL{Value: true} }

// VariedItems returns items with key attributes pk (S) and sk (N), and every
// attribute type: numbers spelled oddly, sets, nested lists and maps, empty
// values. The strings are ASCII or at least order the same in Java and
// Python, so every reference verifies every other's signature over them.
// The attribute names used with non-default actions in tests are
// "signed_n", "signed_set", "signed_m", "plain" and "b".
func VariedItems() []Item {
	return []Item{
		{
			"pk": S("varied"), "sk": N("1"),
			"s": S("text with spaces, ünïcödé and 😀"), "empty": S(""),
			"n_int": N("42"), "n_padded": N("007.50"), "n_exp": N("1E+3"), "n_neg": N("-0.00125"),
			"n_big": N("123456789012345678901234567"), "n_tiny": N("1e-7"),
			"b":  B(0x00, 0x01, 0xfe, 0xff),
			"ss": SS("pear", "apple", "fig"), "ns": NS("3", "1.50", "2e2", "-1"), "bs": BS([]byte{0x80}, []byte{0xff, 0x00}, []byte{0x81, 0x7f}, []byte{}),
			"t": Bool(true), "f": Bool(false), "nul": Null(),
			"l": L(S("x"), N("2.0"), Null(), Bool(false), L(), M(Item{}), B(0x7f), SS("b", "a")),
			"m": M(Item{
				"inner": M(Item{"deep": L(N("1"), S("two"), NS("3", "4"))}),
				"k2":    N("5"), "ß": S("sharp s"), "empty": M(Item{}),
			}),
			"signed_n":   N("055.00"),
			"signed_set": SS("z", "é", "a", "😀"),
			"signed_m":   M(Item{"b": N("1.0"), "a": L(S("x")), "c": BS([]byte{1}, []byte{2})}),
			"plain":      S("left alone"),
		},
		{"pk": S("varied"), "sk": N("2"), "b": B(0xde, 0xad), "signed_n": N("-3.14"), "plain": N("0")},
	}
}

// Strings on which UTF-16 order (Java) and code point order (Python, Go)
// disagree: a supplementary character is a surrogate pair (0xD800–0xDFFF)
// in UTF-16, so it sorts before U+E000–U+FFFF there and after them by code
// point.
const (
	Grinning    = "😀"      // U+1F600
	Halfwidth   = "\uFF61" // ｡
	Replacement = "\uFFFD" // �
	PrivateUse  = "\uE000"
)

// DivergentItems returns items whose attribute names, map keys and set
// members sort differently in Java and Python, so that a signature over
// them verifies only in the writer's ordering. Binary set members do too
// (signed bytes in Java, unsigned in Python). The divergent values are in
// attributes named "signed_*" (to be signed only, so their serialization is
// hashed); the divergent names carry any action.
func DivergentItems() []Item {
	return []Item{
		{
			"pk": S("divergent"), "sk": N("1"),
			Grinning: S("grinning"), Halfwidth: S("halfwidth"), Replacement: N("65533"), PrivateUse: B(0xe0),
			"a" + Grinning: S("a-grinning"), "a" + Halfwidth: S("a-halfwidth"),
			"signed_set": SS(Replacement, Grinning, Halfwidth, "a", PrivateUse, "a"+Grinning, "a"+Replacement),
			"signed_m": M(Item{
				Grinning: S("1"), Halfwidth: S("2"), Replacement: S("3"), "x": S("4"),
				"nested": M(Item{PrivateUse: N("1"), "\U0001F680": N("2")}),
			}),
			"signed_bs": BS([]byte{0x80}, []byte{0x01}, []byte{0x7f, 0x80}, []byte{0xff}),
			"signed_l":  L(SS(Halfwidth, Grinning), M(Item{Replacement: Null(), Grinning: Bool(true)})),
		},
		{
			"pk": S("divergent"), "sk": N("2"),
			Grinning + Halfwidth: S("x"), Halfwidth + Grinning: S("y"), "signed_set": SS(Grinning, Replacement),
		},
	}
}
