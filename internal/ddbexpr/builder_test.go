package ddbexpr

import (
	"math/rand/v2"
	"reflect"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The expression builder of aws-sdk-go-v2 is the most common producer of
// expressions; everything it builds must parse and yield exactly the paths
// it was given.

func sorted(ss []string) []string {
	out := append([]string(nil), ss...)
	sort.Strings(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

func dedupSorted(ss []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return sorted(out)
}

func mustBuild(t *testing.T, b expression.Builder) expression.Expression {
	t.Helper()
	e, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestBuilderExpressions(t *testing.T) {
	N, V := expression.Name, expression.Value
	tests := []struct {
		name    string
		builder expression.Builder
		cond    []string
		filter  []string
		key     []string
		proj    []string
	}{
		{
			name:    "comparisons",
			builder: expression.NewBuilder().WithCondition(N("a").Equal(V(1)).And(N("b").NotEqual(N("c")), N("d").LessThan(V(2)), N("e").LessThanEqual(V(3)), N("f").GreaterThan(V(4)), N("g").GreaterThanEqual(V(5)))),
			cond:    []string{"a", "b", "c", "d", "e", "f", "g"},
		},
		{
			name:    "nested names and indexes",
			builder: expression.NewBuilder().WithCondition(N("a.b[0].c").Equal(V("x")).Or(N("m.secret").AttributeExists(), N("l[1][2]").AttributeNotExists())),
			cond:    []string{"a.b[0].c", "m.secret", "l[1][2]"},
		},
		{
			name:    "functions",
			builder: expression.NewBuilder().WithCondition(expression.And(N("a").AttributeType(expression.Number), N("b").BeginsWith("pre"), N("c").Contains("sub"), N("d").Size().GreaterThan(V(3)))),
			cond:    []string{"a", "b", "c", "d"},
		},
		{
			name:    "between, in, not",
			builder: expression.NewBuilder().WithCondition(expression.Not(N("a").Between(V(1), N("hi"))).And(N("c").In(V(1), N("d"), V(3)), expression.Not(expression.Not(N("e").Equal(V(0)))))),
			cond:    []string{"a", "hi", "c", "d", "e"},
		},
		{
			name:    "names needing placeholders",
			builder: expression.NewBuilder().WithCondition(expression.NameNoDotSplit("x.y").Equal(V(1)).And(N("my-attr").Equal(V(2)), N("Comment").Equal(V(3)), N("AND").Equal(V(4)), N("sp ace.k").Equal(V(5)), N("数据").Equal(V(6)))),
			cond:    []string{`"x.y"`, `"my-attr"`, "Comment", "AND", `"sp ace".k`, `"数据"`},
		},
		{
			name:    "value on the left, size both sides",
			builder: expression.NewBuilder().WithCondition(V(3).LessThan(N("a")).And(N("b").Size().Equal(N("c").Size()), N("d").Size().Between(V(1), V(2)), N("e").Size().In(V(1), V(2)))),
			cond:    []string{"a", "b", "c", "d", "e"},
		},
		{
			name: "query: key condition, filter, projection",
			builder: expression.NewBuilder().
				WithKeyCondition(expression.Key("pk").Equal(V("p")).And(expression.Key("sk").BeginsWith("x"))).
				WithFilter(N("status").Equal(V("ok")).Or(N("secret").AttributeNotExists())).
				WithProjection(expression.NamesList(N("pk"), N("a.b"), N("l[3]"), expression.NameNoDotSplit("x.y"))),
			key:    []string{"pk", "sk"},
			filter: []string{"status", "secret"},
			proj:   []string{"pk", "a.b", "l[3]", `"x.y"`},
		},
		{
			name:    "key between",
			builder: expression.NewBuilder().WithKeyCondition(expression.KeyAnd(expression.Key("pk").Equal(V(1)), expression.Key("sk").Between(V(1), V(9)))),
			key:     []string{"pk", "sk"},
		},
		{
			name:    "key comparisons",
			builder: expression.NewBuilder().WithKeyCondition(expression.Key("pk").Equal(V(1)).And(expression.Key("a.b").GreaterThanEqual(V(1)))),
			key:     []string{"pk", `"a.b"`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := mustBuild(t, tc.builder)
			check := func(kind string, s *string, want []string, parse func(string, map[string]string) ([]Path, error)) {
				if s == nil {
					if want != nil {
						t.Fatalf("no %s expression built", kind)
					}
					return
				}
				got, err := parse(*s, e.Names())
				if err != nil {
					t.Fatalf("%s %q: %v", kind, *s, err)
				}
				if g, w := sorted(pathStrings(got)), sorted(want); !reflect.DeepEqual(g, w) {
					t.Errorf("%s %q (names %v) = %q, want %q", kind, *s, e.Names(), g, w)
				}
				checkOracle(t, *s, e.Names(), got)
			}
			check("condition", e.Condition(), tc.cond, ConditionPaths)
			check("filter", e.Filter(), tc.filter, ConditionPaths)
			check("key condition", e.KeyCondition(), tc.key, ConditionPaths)
			check("projection", e.Projection(), tc.proj, ProjectionPaths)
		})
	}
}

func TestBuilderUpdate(t *testing.T) {
	N, V := expression.Name, expression.Value
	u := expression.Set(N("a"), V(1)).
		Set(N("b.c[2]"), N("b.c[2]").Plus(V(1))).
		Set(N("cnt"), expression.IfNotExists(N("cnt"), V(0))).
		Set(N("l"), expression.ListAppend(expression.IfNotExists(N("l"), V([]int{})), V([]int{1}))).
		Set(N("m.secret"), N("src").Minus(V(2))).
		Set(N("x"), expression.Plus(N("y").Plus(V(1)), N("z"))).
		Remove(N("r1")).Remove(N("r2[0]")).
		Add(N("n"), V(1)).
		Delete(N("ss"), V(types.AttributeValueMemberSS{Value: []string{"x"}}))
	e := mustBuild(t, expression.NewBuilder().WithUpdate(u).WithCondition(N("version").Equal(V(3))))
	got, err := ParseUpdate(*e.Update(), e.Names())
	if err != nil {
		t.Fatalf("%q: %v", *e.Update(), err)
	}
	want := map[string][]string{
		"set":    {"a", "b.c[2]", "cnt", "l", "m.secret", "x"},
		"remove": {"r1", "r2[0]"},
		"add":    {"n"},
		"delete": {"ss"},
		"reads":  {"b.c[2]", "cnt", "l", "src", "y", "z"},
	}
	have := map[string][]string{
		"set": sorted(pathStrings(got.Set)), "remove": sorted(pathStrings(got.Remove)),
		"add": sorted(pathStrings(got.Add)), "delete": sorted(pathStrings(got.Delete)),
		"reads": sorted(pathStrings(got.Reads)),
	}
	for k := range want {
		want[k] = sorted(want[k])
	}
	if !reflect.DeepEqual(have, want) {
		t.Errorf("%q = %v, want %v", *e.Update(), have, want)
	}
	checkOracle(t, *e.Update(), e.Names(), got.Set, got.Remove, got.Add, got.Delete, got.Reads)
}

// namePool are builder names and the Path.String they must come back as.
var namePool = []struct {
	b    func() expression.NameBuilder
	path string
}{
	{func() expression.NameBuilder { return expression.Name("a") }, "a"},
	{func() expression.NameBuilder { return expression.Name("secret") }, "secret"},
	{func() expression.NameBuilder { return expression.Name("a.b") }, "a.b"},
	{func() expression.NameBuilder { return expression.Name("m.secret") }, "m.secret"},
	{func() expression.NameBuilder { return expression.Name("l[2].x") }, "l[2].x"},
	{func() expression.NameBuilder { return expression.Name("l[0][1]") }, "l[0][1]"},
	{func() expression.NameBuilder { return expression.NameNoDotSplit("x.y") }, `"x.y"`},
	{func() expression.NameBuilder { return expression.Name("my-attr") }, `"my-attr"`},
	{func() expression.NameBuilder { return expression.Name("AND") }, "AND"},
	{func() expression.NameBuilder { return expression.Name("size") }, "size"},
	{func() expression.NameBuilder { return expression.Name("Comment") }, "Comment"},
	{func() expression.NameBuilder { return expression.Name("sp ace.k") }, `"sp ace".k`},
	{func() expression.NameBuilder { return expression.Name("secret.secret") }, "secret.secret"},
}

type randGen struct {
	r     *rand.Rand
	paths []string
}

func (g *randGen) name() expression.NameBuilder {
	n := namePool[g.r.IntN(len(namePool))]
	g.paths = append(g.paths, n.path)
	return n.b()
}

func (g *randGen) operand() expression.OperandBuilder {
	switch g.r.IntN(3) {
	case 0:
		return g.name()
	case 1:
		return g.name().Size()
	}
	return expression.Value(g.r.IntN(10))
}

func (g *randGen) cond(depth int) expression.ConditionBuilder {
	if depth > 0 {
		switch g.r.IntN(5) {
		case 0:
			return g.cond(depth-1).And(g.cond(depth-1), g.cond(depth-1))
		case 1:
			return g.cond(depth - 1).Or(g.cond(depth - 1))
		case 2:
			return expression.Not(g.cond(depth - 1))
		}
	}
	switch g.r.IntN(11) {
	case 0:
		return expression.Equal(g.operand(), g.operand())
	case 1:
		return expression.NotEqual(g.operand(), g.operand())
	case 2:
		return expression.LessThan(g.operand(), g.operand())
	case 3:
		return expression.GreaterThanEqual(g.operand(), g.operand())
	case 4:
		return expression.Between(g.operand(), g.operand(), g.operand())
	case 5:
		return expression.In(g.operand(), g.operand(), g.operand(), g.operand())
	case 6:
		return g.name().AttributeExists()
	case 7:
		return g.name().AttributeNotExists()
	case 8:
		return g.name().AttributeType(expression.StringSet)
	case 9:
		return g.name().BeginsWith("p")
	}
	return g.name().Contains("s")
}

func (g *randGen) setValue(depth int, reads *[]string) expression.OperandBuilder {
	name := func() expression.NameBuilder {
		b := g.name()
		*reads = append(*reads, g.paths[len(g.paths)-1])
		return b
	}
	if depth > 0 {
		switch g.r.IntN(5) {
		case 0:
			return expression.Plus(g.setValue(depth-1, reads), g.setValue(depth-1, reads))
		case 1:
			return expression.Minus(g.setValue(depth-1, reads), g.setValue(depth-1, reads))
		case 2:
			return expression.ListAppend(g.setValue(depth-1, reads), g.setValue(depth-1, reads))
		case 3:
			return expression.IfNotExists(name(), g.setValue(depth-1, reads))
		}
	}
	if g.r.IntN(2) == 0 {
		return name()
	}
	return expression.Value(g.r.IntN(10))
}

func TestBuilderRandom(t *testing.T) {
	g := &randGen{r: rand.New(rand.NewPCG(1, 2))}
	for i := 0; i < 3000; i++ {
		g.paths = nil
		cond := g.cond(3)
		wantCond := dedupSorted(g.paths)

		g.paths = nil
		k := expression.Key("pk").Equal(expression.Value(1))
		wantKey := []string{"pk"}
		switch g.r.IntN(4) {
		case 1:
			k = k.And(expression.Key("sk").BeginsWith("x"))
			wantKey = append(wantKey, "sk")
		case 2:
			k = k.And(expression.Key("x.y").Between(expression.Value(1), expression.Value(2)))
			wantKey = append(wantKey, `"x.y"`)
		case 3:
			k = k.And(expression.Key("sk").LessThanEqual(expression.Value(1)))
			wantKey = append(wantKey, "sk")
		}

		g.paths = nil
		proj := expression.NamesList(g.name(), g.name(), g.name())
		wantProj := dedupSorted(g.paths)

		g.paths = nil
		up := expression.UpdateBuilder{}
		var reads, sets, removes, adds, deletes []string
		for j := 1 + g.r.IntN(4); j > 0; j-- {
			switch g.r.IntN(4) {
			case 0:
				nb := g.name()
				sets = append(sets, g.paths[len(g.paths)-1])
				up = up.Set(nb, g.setValue(2, &reads))
			case 1:
				nb := g.name()
				removes = append(removes, g.paths[len(g.paths)-1])
				up = up.Remove(nb)
			case 2:
				nb := g.name()
				adds = append(adds, g.paths[len(g.paths)-1])
				up = up.Add(nb, expression.Value(1))
			case 3:
				nb := g.name()
				deletes = append(deletes, g.paths[len(g.paths)-1])
				up = up.Delete(nb, expression.Value(types.AttributeValueMemberNS{Value: []string{"1"}}))
			}
		}
		e, err := expression.NewBuilder().WithCondition(cond).WithFilter(cond).WithKeyCondition(k).
			WithProjection(proj).WithUpdate(up).Build()
		if err != nil {
			t.Fatal(err)
		}
		names := e.Names()
		for _, c := range []struct {
			kind string
			s    *string
			want []string
			f    func(string, map[string]string) ([]Path, error)
		}{
			{"condition", e.Condition(), wantCond, ConditionPaths},
			{"filter", e.Filter(), wantCond, ConditionPaths},
			{"key condition", e.KeyCondition(), wantKey, ConditionPaths},
			{"projection", e.Projection(), wantProj, ProjectionPaths},
		} {
			got, err := c.f(*c.s, names)
			if err != nil {
				t.Fatalf("%s %q: %v", c.kind, *c.s, err)
			}
			if g, w := pathStrings(got), c.want; !reflect.DeepEqual(sorted(g), sorted(w)) || len(g) != len(w) {
				t.Fatalf("%s %q (names %v) = %q, want %q", c.kind, *c.s, names, g, w)
			}
			checkOracle(t, *c.s, names, got)
		}
		u, err := ParseUpdate(*e.Update(), names)
		if err != nil {
			t.Fatalf("update %q: %v", *e.Update(), err)
		}
		for _, c := range []struct {
			kind      string
			got, want []string
		}{
			{"SET", pathStrings(u.Set), sets}, {"REMOVE", pathStrings(u.Remove), removes},
			{"ADD", pathStrings(u.Add), adds}, {"DELETE", pathStrings(u.Delete), deletes},
			{"reads", pathStrings(u.Reads), reads},
		} {
			if g, w := sorted(c.got), dedupSorted(c.want); !reflect.DeepEqual(g, w) {
				t.Fatalf("update %q (names %v): %s = %q, want %q", *e.Update(), names, c.kind, g, w)
			}
		}
		checkOracle(t, *e.Update(), names, u.Set, u.Remove, u.Add, u.Delete, u.Reads)
	}
}
