package ddbexpr

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// The fuzz targets assert that no input panics, that errors are well-formed
// *Error values, that no returned path has an empty name, and, on success,
// that the reported top-level names are exactly those a grammar-free scan
// of the expression finds (see oracleNames).

var fuzzNames = map[string]string{
	"#a": "a", "#b": "b.c", "#0": "zero", "#k": "AND", "#e": "", "#enc": "secret",
}

func checkFuzzResult(t *testing.T, expr string, err error, lists ...[]Path) {
	t.Helper()
	if err != nil {
		checkErr(t, expr, err)
		for _, l := range lists {
			if l != nil {
				t.Fatalf("%q: paths returned with error %v", expr, err)
			}
		}
		return
	}
	for _, l := range lists {
		for _, p := range l {
			if p.Name == "" {
				t.Fatalf("%q: empty Path.Name in %v", expr, l)
			}
			for _, e := range p.Elements {
				if !e.IsIndex && e.Key == "" || e.IsIndex && (e.Index < 0 || e.Key != "") {
					t.Fatalf("%q: malformed element %#v", expr, e)
				}
			}
			_ = p.String()
		}
	}
	checkOracle(t, expr, fuzzNames, lists...)
}

var conditionSeeds = []string{
	"a = :v", "#a.#b[3] <> :v", "size(#a) > :v", "a BETWEEN :lo AND :hi AND b = :x",
	"(a BETWEEN b AND c) OR d IN (:x, e, :y)", "NOT attribute_exists(a)", "not (not (a = :v))",
	"attribute_type(a, :t) AND begins_with(b, :p) OR contains(c, d)", "((((a = :v))))",
	"#0 = :0 AND begins_with(#enc, :1)", "a . b [ 0 ] = :v", "size = :v", "#k = :v AND #e = :w",
	"(#0 = :0) AND (size (#a[1][2].#b) BETWEEN :1 AND :2)", "a IN (b)", "a[99999999999] = :v",
	"NOT NOT a <= b OR c >= d", "a = :v)", "# = :", "attribute_exists(a, b)",
}

func FuzzConditionPaths(f *testing.F) {
	for _, seed := range conditionSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		paths, err := ConditionPaths(expr, fuzzNames)
		checkFuzzResult(t, expr, err, paths)
	})
}

var projectionSeeds = []string{
	"a", "a, b.c, #a[1]", "#a.#b, #a.x[0][1]", " a ,\n#0 , #enc ", "a,", "a b", "size(a)", "#x",
}

func FuzzProjectionPaths(f *testing.F) {
	for _, seed := range projectionSeeds {
		f.Add(seed)
	}
	item := map[string]types.AttributeValue{
		"a":    m("b.c", l(n("1"), m("x", s("y"))), "x", l(l(n("0"), n("1")))),
		"zero": l(n("0"), m("a", n("1"))),
		"AND":  s("kw"),
	}
	f.Fuzz(func(t *testing.T, expr string) {
		paths, err := ProjectionPaths(expr, fuzzNames)
		checkFuzzResult(t, expr, err, paths)
		if err != nil {
			return
		}
		out := Project(item, paths)
		for k := range out {
			found := false
			for _, p := range paths {
				found = found || p.Name == k
			}
			if !found {
				t.Fatalf("%q: Project returned attribute %q that no path names", expr, k)
			}
		}
	})
}

var updateSeeds = []string{
	"SET a = :v", "SET a = b + :v, c = if_not_exists(c, :z)", "SET a = list_append(if_not_exists(a, :e), :l)",
	"REMOVE a, b[1], #a.d", "ADD counter :one, tags :t", "DELETE tags :t",
	"SET a = :v REMOVE b ADD c :x DELETE d :y", "ADD #0 :0\nDELETE #a :1\nREMOVE #b\nSET #enc = :2\n",
	"set a = :v remove b", "SET a = b + c - d", "SET a = :v SET b = :w", "ADD a b", "SET #k = #e",
}

func FuzzParseUpdate(f *testing.F) {
	for _, seed := range updateSeeds {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		u, err := ParseUpdate(expr, fuzzNames)
		if err != nil {
			if u != nil {
				t.Fatalf("%q: result returned with error %v", expr, err)
			}
			checkFuzzResult(t, expr, err)
			return
		}
		if len(u.Set)+len(u.Remove)+len(u.Add)+len(u.Delete) == 0 {
			t.Fatalf("%q: update with no targets accepted", expr)
		}
		checkFuzzResult(t, expr, nil, u.Set, u.Remove, u.Add, u.Delete, u.Reads)
	})
}
