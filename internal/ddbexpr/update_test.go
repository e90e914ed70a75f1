package ddbexpr

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseUpdate(t *testing.T) {
	type want struct{ set, remove, add, del, reads []string }
	tests := []struct {
		expr string
		want want
	}{
		{"SET a = :v", want{set: []string{"a"}}},
		{"SET #a = :v, b.c[2] = :w", want{set: []string{"a", "b.c[2]"}}},
		{"SET a[0] = :v", want{set: []string{"a[0]"}}},
		{"SET a = b + :v", want{set: []string{"a"}, reads: []string{"b"}}},
		{"SET a = a - :one", want{set: []string{"a"}, reads: []string{"a"}}},
		{"SET a = :one + b.c", want{set: []string{"a"}, reads: []string{"b.c"}}},
		{"SET a = if_not_exists(c, :v)", want{set: []string{"a"}, reads: []string{"c"}}},
		{"SET a = if_not_exists(b, c)", want{set: []string{"a"}, reads: []string{"b", "c"}}},
		{"SET a = list_append(d, :l)", want{set: []string{"a"}, reads: []string{"d"}}},
		{"SET a = list_append(:l, d)", want{set: []string{"a"}, reads: []string{"d"}}},
		{"SET a = list_append(if_not_exists(a, :empty), :l)", want{set: []string{"a"}, reads: []string{"a"}}},
		{"SET a = if_not_exists(a, :zero) + :one", want{set: []string{"a"}, reads: []string{"a"}}},
		{"SET a = b + c - d", want{set: []string{"a"}, reads: []string{"b", "c", "d"}}},
		{"SET a = List_Append (b, c) , d = IF_NOT_EXISTS(e,:v)", want{set: []string{"a", "d"}, reads: []string{"b", "c", "e"}}},
		{"SET a = size", want{set: []string{"a"}, reads: []string{"size"}}},
		{"SET #pr.#enc = :v", want{set: []string{"ProductReviews.secret"}}},
		{"SET #dot = #a", want{set: []string{`"x.y"`}, reads: []string{"a"}}},
		{"REMOVE a, b[1], #a.d", want{remove: []string{"a", "b[1]", "a.d"}}},
		{"ADD counter :one, tags :t", want{add: []string{"counter", "tags"}}},
		{"DELETE tags :t", want{del: []string{"tags"}}},
		{"ADD a b", want{add: []string{"a"}, reads: []string{"b"}}},
		{"DELETE a #b.c", want{del: []string{"a"}, reads: []string{"b.c"}}},
		{"SET a = :v REMOVE b ADD c :x DELETE d :y", want{set: []string{"a"}, remove: []string{"b"}, add: []string{"c"}, del: []string{"d"}}},
		{"REMOVE b SET a = :v", want{set: []string{"a"}, remove: []string{"b"}}},
		{"delete d :y add c :x", want{add: []string{"c"}, del: []string{"d"}}},
		{"set a = :v remove b", want{set: []string{"a"}, remove: []string{"b"}}},
		{"Set a=:v,b=c+:w Remove d,e", want{set: []string{"a", "b"}, remove: []string{"d", "e"}, reads: []string{"c"}}},
		{"ADD #0 :0\nDELETE #a :1\nREMOVE #b\nSET #pk = :2\n", want{set: []string{"pk"}, remove: []string{"b"}, add: []string{"zero"}, del: []string{"a"}}},
		{"SET a = :v, a = :w", want{set: []string{"a"}}},
		{"SET a = b, c = b", want{set: []string{"a", "c"}, reads: []string{"b"}}},
		// Reserved words are left to DynamoDB.
		{"SET Comment = :v", want{set: []string{"Comment"}}},
	}
	for _, tc := range tests {
		u, err := ParseUpdate(tc.expr, testNames)
		if err != nil {
			t.Errorf("ParseUpdate(%q): %v", tc.expr, err)
			continue
		}
		got := want{pathStrings(u.Set), pathStrings(u.Remove), pathStrings(u.Add), pathStrings(u.Delete), pathStrings(u.Reads)}
		norm := func(w want) want {
			for _, p := range []*[]string{&w.set, &w.remove, &w.add, &w.del, &w.reads} {
				if len(*p) == 0 {
					*p = nil
				}
			}
			return w
		}
		if g, w := norm(got), norm(tc.want); !reflect.DeepEqual(g, w) {
			t.Errorf("ParseUpdate(%q) = %+v, want %+v", tc.expr, g, w)
		}
		checkOracle(t, tc.expr, testNames, u.Set, u.Remove, u.Add, u.Delete, u.Reads)
		written := u.Written()
		if len(written) != len(u.Set)+len(u.Remove)+len(u.Add)+len(u.Delete) {
			t.Errorf("ParseUpdate(%q): Written() = %v", tc.expr, written)
		}
	}
}

func TestParseUpdateErrors(t *testing.T) {
	checkRefusals(t, "ParseUpdate", ParseUpdate, []refusal{
		{"", ErrSyntax, 0, ""},
		{"SET", ErrSyntax, 3, ""},
		{"SET a", ErrSyntax, 5, ""},
		{"SET a =", ErrSyntax, 7, ""},
		{"SET a = :v,", ErrSyntax, 11, ""},
		{"SET a = :v SET b = :w", ErrSyntax, 11, "SET"},
		{"set a = :v REMOVE b Set c = :w", ErrSyntax, 20, "Set"},
		{"UPDATE a = :v", ErrSyntax, 0, "UPDATE"},
		{"a = :v", ErrSyntax, 0, "a"},
		{"SET a = :v b = :w", ErrSyntax, 11, "b"},
		{"SET a = size(b)", ErrSyntax, 8, "size"},
		{"SET a = if_not_exists(b)", ErrSyntax, 23, ")"},
		{"SET a = list_append(a, :b, :c)", ErrSyntax, 25, ","},
		{"SET a = (b)", ErrSyntax, 8, "("},
		{"SET a = -:v", ErrSyntax, 8, "-"},
		{"SET a + :v = :w", ErrSyntax, 6, "+"},
		{"SET a = b +", ErrSyntax, 11, ""},
		{"SET :v = a", ErrSyntax, 4, ":v"},
		{"ADD a", ErrSyntax, 5, ""},
		{"ADD a, b :v", ErrSyntax, 5, ","},
		{"ADD a :v :w", ErrSyntax, 9, ":w"},
		{"DELETE a if_not_exists(b, :c)", ErrSyntax, 9, "if_not_exists"},
		{"REMOVE a = :v", ErrSyntax, 9, "="},
		{"REMOVE :v", ErrSyntax, 7, ":v"},
		{"SET a = :v REMOVE", ErrSyntax, 17, ""},
		{"SET #x = :v", ErrUndefinedName, 4, "#x"},
		{"SET a = #x", ErrUndefinedName, 8, "#x"},
		{"SET a = list_append(#x, :v)", ErrUndefinedName, 20, "#x"},
		{"ADD a #x", ErrUndefinedName, 6, "#x"},
		{"REMOVE #e", ErrInvalidName, 7, "#e"},
		{"SET a-b = :v", ErrSyntax, 5, "-"},
		{"SET a = :v;", ErrSyntax, 10, ";"},
		{"SET a = if_not_exists(" + strings.Repeat("if_not_exists(", 2000), ErrTooDeep, 1000*14 + 8, "if_not_exists"},
	})
}
