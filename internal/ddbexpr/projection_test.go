package ddbexpr

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestProjectionPaths(t *testing.T) {
	checkPaths(t, "ProjectionPaths", ProjectionPaths, []pathCase{
		{"a", []string{"a"}},
		{"a, b.c, #a[1]", []string{"a", "b.c", "a[1]"}},
		{"#pr.#1star, #pr.FiveStar", []string{"ProductReviews.OneStar", "ProductReviews.FiveStar"}},
		{"Description, RelatedItems[0], ProductReviews.FiveStar", []string{"Description", "RelatedItems[0]", "ProductReviews.FiveStar"}},
		{"a,a", []string{"a"}},
		{" a ,\n#dot , #pr.#enc ", []string{"a", `"x.y"`, "ProductReviews.secret"}},
		{"size, contains, AND_x", []string{"size", "contains", "AND_x"}},
		{"Comment", []string{"Comment"}},
	})
}

func TestProjectionPathsErrors(t *testing.T) {
	checkRefusals(t, "ProjectionPaths", ProjectionPaths, []refusal{
		{"", ErrSyntax, 0, ""},
		{"a,", ErrSyntax, 2, ""},
		{",a", ErrSyntax, 0, ","},
		{"a b", ErrSyntax, 2, "b"},
		{"a = :v", ErrSyntax, 2, "="},
		{":v", ErrSyntax, 0, ":v"},
		{"size(a)", ErrSyntax, 4, "("},
		{"a, #x", ErrUndefinedName, 3, "#x"},
		{"#e", ErrInvalidName, 0, "#e"},
		{"a.b-c", ErrSyntax, 3, "-"},
		{"1st", ErrInvalidName, 0, "1st"},
	})
}

type av = types.AttributeValue

func s(v string) av { return &types.AttributeValueMemberS{Value: v} }
func n(v string) av { return &types.AttributeValueMemberN{Value: v} }
func m(kv ...any) av {
	out := map[string]av{}
	for i := 0; i < len(kv); i += 2 {
		v, _ := kv[i+1].(av)
		out[kv[i].(string)] = v
	}
	return &types.AttributeValueMemberM{Value: out}
}
func l(vs ...av) av { return &types.AttributeValueMemberL{Value: vs} }

func testItem() map[string]av {
	return map[string]av{
		"pk":  s("1"),
		"a":   m("b", n("1"), "c", l(s("x"), s("y"), m("d", s("z"), "e", s("w"))), "e", m()),
		"l":   l(n("0"), n("1"), n("2"), n("3")),
		"s":   s("str"),
		"x.y": s("dotted"),
		"ss":  &types.AttributeValueMemberSS{Value: []string{"p", "q"}},
	}
}

var avCmp = cmpopts.IgnoreUnexported(
	types.AttributeValueMemberS{}, types.AttributeValueMemberN{}, types.AttributeValueMemberM{},
	types.AttributeValueMemberL{}, types.AttributeValueMemberSS{},
)

func TestProject(t *testing.T) {
	tests := []struct {
		name  string
		paths []string // projection expressions, joined by ", "
		want  map[string]av
	}{
		{"top-level", []string{"pk", "s"}, map[string]av{"pk": s("1"), "s": s("str")}},
		{"whole map", []string{"a"}, map[string]av{"a": testItem()["a"]}},
		{"map key", []string{"a.b"}, map[string]av{"a": m("b", n("1"))}},
		{"map key and list element", []string{"a.b", "a.c[1]"}, map[string]av{"a": m("b", n("1"), "c", l(s("y")))}},
		{"deep", []string{"a.c[2].d"}, map[string]av{"a": m("c", l(m("d", s("z"))))}},
		{"two keys in one list element", []string{"a.c[2].d", "a.c[2].e"}, map[string]av{"a": m("c", l(m("d", s("z"), "e", s("w"))))}},
		{"list elements in index order, packed", []string{"l[3]", "l[1]"}, map[string]av{"l": l(n("1"), n("3"))}},
		{"list index past the end", []string{"l[10]"}, map[string]av{}},
		{"some list indexes missing", []string{"l[10]", "l[0]"}, map[string]av{"l": l(n("0"))}},
		{"missing map key leaves no empty map", []string{"a.zz"}, map[string]av{}},
		{"key into a scalar", []string{"s.x"}, map[string]av{}},
		{"index into a scalar", []string{"s[0]"}, map[string]av{}},
		{"index into a set", []string{"ss[0]"}, map[string]av{}},
		{"key into a list", []string{"a.c.x"}, map[string]av{}},
		{"index into a map", []string{"a[0]"}, map[string]av{}},
		{"key into a list at top", []string{"l.x"}, map[string]av{}},
		{"overlap: whole wins", []string{"a", "a.b"}, map[string]av{"a": testItem()["a"]}},
		{"overlap: whole wins, either order", []string{"a.b", "a"}, map[string]av{"a": testItem()["a"]}},
		{"overlap in list", []string{"a.c[2].d", "a.c[2]"}, map[string]av{"a": m("c", l(testItem()["a"].(*types.AttributeValueMemberM).Value["c"].(*types.AttributeValueMemberL).Value[2]))}},
		{"empty map is a value", []string{"a.e"}, map[string]av{"a": m("e", m())}},
		{"missing attribute", []string{"missing"}, map[string]av{}},
		{"dotted name", []string{"#dot"}, map[string]av{"x.y": s("dotted")}},
		{"dotted name as path finds nothing", []string{"x.y"}, map[string]av{}},
		{"duplicates", []string{"a.c[0]", "a.c[0]"}, map[string]av{"a": m("c", l(s("x")))}},
		{"mixed", []string{"pk", "a.c[0]", "l[2]", "missing.x"}, map[string]av{"pk": s("1"), "a": m("c", l(s("x"))), "l": l(n("2"))}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var paths []Path
			for _, e := range tc.paths {
				ps, err := ProjectionPaths(e, testNames)
				if err != nil {
					t.Fatal(err)
				}
				paths = append(paths, ps...)
			}
			item := testItem()
			got := Project(item, paths)
			if diff := cmp.Diff(tc.want, got, avCmp); diff != "" {
				t.Errorf("Project(%q) mismatch (-want +got):\n%s", tc.paths, diff)
			}
			if diff := cmp.Diff(testItem(), item, avCmp); diff != "" {
				t.Errorf("Project modified the item:\n%s", diff)
			}
		})
	}
}

func TestProjectEdgeCases(t *testing.T) {
	if got := Project(testItem(), nil); got == nil || len(got) != 0 {
		t.Errorf("Project with no paths = %v, want an empty map", got)
	}
	if got := Project(nil, []Path{{Name: "a"}}); got == nil || len(got) != 0 {
		t.Errorf("Project of a nil item = %v, want an empty map", got)
	}
	item := map[string]av{"a": nil, "b": m("c", nil), "d": l(nil, n("1"))}
	got := Project(item, []Path{{Name: "a"}, {Name: "b", Elements: []Element{{Key: "c"}}}, {Name: "d", Elements: []Element{{IsIndex: true}}}})
	if len(got) != 0 {
		t.Errorf("nil values were projected: %v", got)
	}
}
