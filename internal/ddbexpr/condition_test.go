package ddbexpr

import (
	"reflect"
	"strings"
	"testing"
)

var testNames = map[string]string{
	"#a":     "a",
	"#b":     "b",
	"#enc":   "secret",
	"#pk":    "pk",
	"#sk":    "sk",
	"#dot":   "x.y",
	"#pr":    "ProductReviews",
	"#1star": "OneStar",
	"#k":     "size",
	"#kw":    "AND",
	"#sp":    "my attr",
	"#e":     "",
	"#0":     "zero",
	"#_u":    "under",
}

func TestConditionPaths(t *testing.T) {
	checkPaths(t, "ConditionPaths", ConditionPaths, []pathCase{
		// Comparisons and placeholders.
		{"a = :v", []string{"a"}},
		{"#a = :v", []string{"a"}},
		{":v = a", []string{"a"}},
		{"a.b[0].c = :v", []string{"a.b[0].c"}},
		{"#a.#b[3] <> :v", []string{"a.b[3]"}},
		{"a[0][1] < :v", []string{"a[0][1]"}},
		{"#a[0].#b <= :v", []string{"a[0].b"}},
		{"a.b > c.d", []string{"a.b", "c.d"}},
		{"a >= b", []string{"a", "b"}},
		{"#0 = :0", []string{"zero"}},
		{"#_u = :_", []string{"under"}},
		{"_private = :v", []string{"_private"}},
		{"a1_B2 = :v", []string{"a1_B2"}},
		// A nested key whose name equals an encrypted top-level attribute is
		// a key inside #pr, not the attribute itself.
		{"#pr.#enc = :v", []string{"ProductReviews.secret"}},
		{"#pr.#1star[2] = :v", []string{"ProductReviews.OneStar[2]"}},
		// A placeholder is always one name, dots and all.
		{"#dot = :v", []string{`"x.y"`}},
		{"#a.#dot = :v", []string{`a."x.y"`}},
		{"#sp = :v", []string{`"my attr"`}},
		{"#kw = :v", []string{"AND"}},
		{"#k > :v", []string{"size"}},
		// Functions.
		{"size(#a) > :v", []string{"a"}},
		{"size (#a)>:v", []string{"a"}},
		{":v < size(a.b)", []string{"a.b"}},
		{"size(a) = size(b)", []string{"a", "b"}},
		{"size(a.b[1]) BETWEEN size(c) AND :x", []string{"a.b[1]", "c"}},
		{"attribute_exists(a)", []string{"a"}},
		{"attribute_exists (#a.#b)", []string{"a.b"}},
		{"attribute_not_exists(pk) AND attribute_not_exists(sk)", []string{"pk", "sk"}},
		{"attribute_type(a, :t) AND begins_with(b, :p) OR contains(c, d)", []string{"a", "b", "c", "d"}},
		{"contains(a, :v)", []string{"a"}},
		{"contains(#a, size(b)) OR contains(:v, c)", []string{"a", "b", "c"}},
		{"ATTRIBUTE_EXISTS(a) and Begins_With(b, :p)", []string{"a", "b"}},
		// Words spelled like functions, but not called, are names.
		{"size = :v", []string{"size"}},
		{"contains = :v AND attribute_exists <> :w", []string{"contains", "attribute_exists"}},
		// BETWEEN and IN.
		{"a BETWEEN :lo AND :hi", []string{"a"}},
		{"a BETWEEN :lo AND :hi AND b = :x", []string{"a", "b"}},
		{"a between b and c", []string{"a", "b", "c"}},
		{"x = :v AND a BETWEEN b AND c AND d = :w", []string{"x", "a", "b", "c", "d"}},
		{"(a BETWEEN b AND c) OR d IN (:x, e, :y)", []string{"a", "b", "c", "d", "e"}},
		{"a IN (b)", []string{"a", "b"}},
		{"a IN (:a,:b,:c)", []string{"a"}},
		{"a in (:a, size(b), c.d[0])", []string{"a", "b", "c.d[0]"}},
		{":v IN (a, b)", []string{"a", "b"}},
		// AND, OR, NOT, parentheses, case and spacing.
		{"NOT attribute_exists(a)", []string{"a"}},
		{"not (not (a = :v))", []string{"a"}},
		{"NoT a = :v", []string{"a"}},
		{"NOT NOT NOT a = :v", []string{"a"}},
		{"NOT(a = :v)", []string{"a"}},
		{"((((a = :v))))", []string{"a"}},
		{"((a = :v) AND ((b = :w) OR (NOT (c = :x))))", []string{"a", "b", "c"}},
		{"(a = :v)AND(b = :w)", []string{"a", "b"}},
		{"a = :v and b = :w Or c = :x", []string{"a", "b", "c"}},
		{"a <> b AND NOT (c >= :x OR d <= :y)", []string{"a", "b", "c", "d"}},
		{"a = :v AND b = :w AND c = :x AND d = :y OR e = :z", []string{"a", "b", "c", "d", "e"}},
		{"\ta\n=\r\n:v  ", []string{"a"}},
		{"a . b [ 0 ] = :v", []string{"a.b[0]"}},
		{"a=:v AND b<>:w", []string{"a", "b"}},
		// Words that only begin like keywords are names.
		{"AND_x = :v OR Between_ = :w OR notes = :n OR index = :i", []string{"AND_x", "Between_", "notes", "index"}},
		// Reserved words are left to DynamoDB.
		{"Comment = :v", []string{"Comment"}},
		// Key conditions.
		{"#pk = :pk", []string{"pk"}},
		{"#pk = :pk AND begins_with(#sk, :prefix)", []string{"pk", "sk"}},
		{"#pk = :pk AND #sk BETWEEN :a AND :b", []string{"pk", "sk"}},
		{"pk = :pk and sk > :s", []string{"pk", "sk"}},
		// Duplicates are reported once.
		{"a = :x OR a = :y", []string{"a"}},
		{"#a = :v OR a = :w", []string{"a"}},
		{"a.b = :x OR a.b = :y OR a.c = :z", []string{"a.b", "a.c"}},
	})
}

func TestConditionNestedPlaceholderIsNotTopLevel(t *testing.T) {
	// "secret" is an encrypted top-level attribute; #pr.#enc is the key
	// "secret" inside the map ProductReviews.
	got, err := ConditionPaths("#pr.#enc = :v AND secret2 = :w", testNames)
	if err != nil {
		t.Fatal(err)
	}
	want := []Path{
		{Name: "ProductReviews", Elements: []Element{{Key: "secret"}}},
		{Name: "secret2"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
	if got[0].IsTopLevel() || !got[1].IsTopLevel() {
		t.Fatal("IsTopLevel wrong")
	}
	got, err = ConditionPaths("#enc.#pr = :v", testNames)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Name != "secret" {
		t.Fatalf("got %v, want the top-level attribute secret", got)
	}
}

func TestConditionPathsIndexes(t *testing.T) {
	got, err := ConditionPaths("a[0][12].b[007] = :v", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []Path{{Name: "a", Elements: []Element{
		{Index: 0, IsIndex: true}, {Index: 12, IsIndex: true}, {Key: "b"}, {Index: 7, IsIndex: true},
	}}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %#v, want %#v", got, want)
	}
}

func TestConditionPathsErrors(t *testing.T) {
	deepParens := strings.Repeat("(", 5000) + "a = :v" + strings.Repeat(")", 5000)
	deepNot := strings.Repeat("NOT ", 5000) + "a = :v"
	deepSize := strings.Repeat("size(", 5000) + "a" + strings.Repeat(")", 5000) + " = :v"
	checkRefusals(t, "ConditionPaths", ConditionPaths, []refusal{
		{"", ErrSyntax, 0, ""},
		{"   \n", ErrSyntax, 0, ""},
		{"#x = :v", ErrUndefinedName, 0, "#x"},
		{"a = :v AND #missing = :w", ErrUndefinedName, 11, "#missing"},
		{"a.#missing = :v", ErrUndefinedName, 2, "#missing"},
		{"size(#nope) > :v", ErrUndefinedName, 5, "#nope"},
		{"#e = :v", ErrInvalidName, 0, "#e"},
		{"a.#e = :v", ErrInvalidName, 2, "#e"},
		{"1a = :v", ErrInvalidName, 0, "1a"},
		{"a.1b = :v", ErrInvalidName, 2, "1b"},
		{"a-b = :v", ErrSyntax, 1, "-"},
		{"a = :v AND", ErrSyntax, 10, ""},
		{"(a = :v", ErrSyntax, 7, ""},
		{"a = :v)", ErrSyntax, 6, ")"},
		{"a", ErrSyntax, 1, ""},
		{"a = ", ErrSyntax, 4, ""},
		{"a b = :v", ErrSyntax, 2, "b"},
		{"a BETWEEN :x", ErrSyntax, 12, ""},
		{"a BETWEEN :x OR :y", ErrSyntax, 13, "OR"},
		{"a IN ()", ErrSyntax, 6, ")"},
		{"a IN (:x", ErrSyntax, 8, ""},
		{"a IN :x", ErrSyntax, 5, ":x"},
		{"foo(a) = :v", ErrSyntax, 0, "foo"},
		{"if_not_exists(a, :v) = :w", ErrSyntax, 0, "if_not_exists"},
		{"attribute_exists(a, b)", ErrSyntax, 18, ","},
		{"begins_with(a)", ErrSyntax, 13, ")"},
		{"size(a)", ErrSyntax, 7, ""},
		{"attribute_exists(a) = :v", ErrSyntax, 20, "="},
		{"a = contains(b, :v)", ErrSyntax, 4, "contains"},
		{"a[:i] = :v", ErrSyntax, 2, ":i"},
		{"a[-1] = :v", ErrSyntax, 2, "-"},
		{"a[99999999999999999999] = :v", ErrSyntax, 2, "99999999999999999999"},
		{"a[1 = :v", ErrSyntax, 4, "="},
		{"a. = :v", ErrSyntax, 3, "="},
		{"a.[0] = :v", ErrSyntax, 2, "["},
		{"[0] = :v", ErrSyntax, 0, "["},
		{"# = :v", ErrSyntax, 0, "#"},
		{"a = :", ErrSyntax, 4, ":"},
		{"a = :v; DROP", ErrSyntax, 6, ";"},
		{`a = "x"`, ErrSyntax, 4, `"`},
		{"a = 5", ErrSyntax, 4, "5"},
		{"a == :v", ErrSyntax, 3, "="},
		{"(a) = :v", ErrSyntax, 2, ")"},
		{"a ≠ :v", ErrSyntax, 2, "≠"},
		{"é = :v", ErrSyntax, 0, "é"},
		{"a = :v\x00", ErrSyntax, 6, "\x00"},
		{"a = :v AND AND b = :w", ErrSyntax, 15, "b"}, // the second AND is read as a name
		{"NOT", ErrSyntax, 3, ""},
		{"a = :v b = :w", ErrSyntax, 7, "b"},
		{deepParens, ErrTooDeep, 1000, "("},
		{deepNot, ErrTooDeep, 4000, "NOT"},
		{deepSize, ErrTooDeep, 4995, "size"},
	})
}

func TestErrorMessage(t *testing.T) {
	_, err := ConditionPaths("a = :v AND #missing = :w", testNames)
	msg := err.Error()
	for _, want := range []string{"#missing", "offset 11", "undefined"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	_, err = ConditionPaths("a = :v AND", nil)
	if !strings.Contains(err.Error(), "end of expression") {
		t.Errorf("error %q does not say it is at the end", err)
	}
	if s := ErrorKind(99).String(); s != "ErrorKind(99)" {
		t.Errorf("unknown kind renders as %q", s)
	}
}

func TestNilNames(t *testing.T) {
	if _, err := ConditionPaths("a = :v", nil); err != nil {
		t.Fatal(err)
	}
	_, err := ConditionPaths("#a = :v", nil)
	if e := checkErr(t, "#a = :v", err); e.Kind != ErrUndefinedName {
		t.Fatal(err)
	}
}

func TestPathString(t *testing.T) {
	tests := []struct {
		p    Path
		want string
	}{
		{Path{Name: "a"}, "a"},
		{Path{Name: "a", Elements: []Element{{Key: "b"}, {Index: 3, IsIndex: true}, {Key: "c"}}}, "a.b[3].c"},
		{Path{Name: "x.y", Elements: []Element{{Key: "my-key"}}}, `"x.y"."my-key"`},
		{Path{Name: "1a"}, `"1a"`},
		{Path{Name: ""}, `""`},
	}
	for _, tc := range tests {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.p, got, tc.want)
		}
	}
}
