package ddbexpr

import (
	"errors"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
)

func pathStrings(ps []Path) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func topNames(ps ...[]Path) []string {
	seen := map[string]bool{}
	var out []string
	for _, list := range ps {
		for _, p := range list {
			if !seen[p.Name] {
				seen[p.Name] = true
				out = append(out, p.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// oracleTokens is an independent, deliberately naive tokenizer used to
// cross-check the parsers: it knows nothing of the grammar.
var oracleTokens = regexp.MustCompile(`#\w+|:\w+|\w+|<>|<=|>=|\S`)

var oracleKeywords = map[string]bool{
	"AND": true, "OR": true, "NOT": true, "BETWEEN": true, "IN": true,
	"SET": true, "REMOVE": true, "ADD": true, "DELETE": true,
}

// oracleNames returns the top-level attribute names an expression must
// reference by a grammar-free rule: every bare word or #placeholder that is
// not a keyword, not preceded by "." (a nested element) and not followed by
// "(" (a function name). kwWords are the bare words spelled like keywords,
// which may or may not be names depending on their position.
func oracleNames(expr string, names map[string]string) (must, kwWords map[string]bool) {
	toks := oracleTokens.FindAllString(expr, -1)
	must, kwWords = map[string]bool{}, map[string]bool{}
	for i, t := range toks {
		isPlaceholder := strings.HasPrefix(t, "#") && len(t) > 1
		isWord := t[0] == '_' || t[0] >= 'a' && t[0] <= 'z' || t[0] >= 'A' && t[0] <= 'Z'
		if !isPlaceholder && !isWord {
			continue
		}
		if i > 0 && toks[i-1] == "." {
			continue
		}
		if i+1 < len(toks) && toks[i+1] == "(" {
			continue
		}
		name := t
		if isPlaceholder {
			name = names[t]
		} else if oracleKeywords[strings.ToUpper(t)] {
			kwWords[t] = true
			continue
		}
		must[name] = true
	}
	return must, kwWords
}

// checkOracle verifies, for a successfully parsed expression, that the
// reported top-level names are exactly those the naive rule finds (words
// spelled like keywords may be either).
func checkOracle(t testing.TB, expr string, names map[string]string, got ...[]Path) {
	t.Helper()
	must, kw := oracleNames(expr, names)
	have := map[string]bool{}
	for _, list := range got {
		for _, p := range list {
			have[p.Name] = true
		}
	}
	for n := range must {
		if !have[n] {
			t.Fatalf("%q: attribute %q is referenced but not reported (got %v)", expr, n, topNames(got...))
		}
	}
	for n := range have {
		if !must[n] && !kw[n] {
			t.Fatalf("%q: reported attribute %q that the expression does not reference as a top-level name", expr, n)
		}
	}
}

// checkErr asserts that err is a *Error and returns it.
func checkErr(t testing.TB, expr string, err error) *Error {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%q: error %v (%T) is not a *Error", expr, err, err)
	}
	if e.Offset < 0 || e.Offset > len(expr) {
		t.Fatalf("%q: error offset %d out of range: %v", expr, e.Offset, err)
	}
	if e.Kind < ErrSyntax || e.Kind > ErrTooDeep || e.Msg == "" {
		t.Fatalf("%q: malformed error %#v", expr, e)
	}
	return e
}

// pathCase is an expression and the paths it references, as strings.
type pathCase struct {
	expr string
	want []string
}

// checkPaths checks that parse (called name in messages) finds exactly
// each case's paths, in order, all named, and agrees with the oracle.
func checkPaths(t *testing.T, name string, parse func(string, map[string]string) ([]Path, error), cases []pathCase) {
	t.Helper()
	for _, tc := range cases {
		got, err := parse(tc.expr, testNames)
		if err != nil {
			t.Errorf("%s(%q): %v", name, tc.expr, err)
			continue
		}
		if s := pathStrings(got); !reflect.DeepEqual(s, tc.want) {
			t.Errorf("%s(%q) = %q, want %q", name, tc.expr, s, tc.want)
		}
		checkOracle(t, tc.expr, testNames, got)
		for _, p := range got {
			if p.Name == "" {
				t.Errorf("%s(%q): empty name", name, tc.expr)
			}
		}
	}
}

// refusal is an expression a parser must refuse: the kind of the error,
// and the byte offset and text of the token it names.
type refusal struct {
	expr   string
	kind   ErrorKind
	offset int
	token  string
}

// checkRefusals checks that parse (called name in messages) refuses each
// case with a well-formed *Error of the case's kind, offset and token, and
// returns nothing with it.
func checkRefusals[T any](t *testing.T, name string, parse func(string, map[string]string) (T, error), cases []refusal) {
	t.Helper()
	for _, tc := range cases {
		got, err := parse(tc.expr, testNames)
		if err == nil {
			t.Errorf("%s(%.40q) = %+v, want an error", name, tc.expr, got)
			continue
		}
		e := checkErr(t, tc.expr, err)
		if e.Kind != tc.kind || e.Offset != tc.offset || e.Token != tc.token {
			t.Errorf("%s(%.40q): got %v kind %v offset %d token %q, want kind %v offset %d token %q",
				name, tc.expr, err, e.Kind, e.Offset, e.Token, tc.kind, tc.offset, tc.token)
		}
		if !reflect.ValueOf(&got).Elem().IsZero() {
			t.Errorf("%s(%.40q): %+v returned with an error", name, tc.expr, got)
		}
	}
}
