package ddbexpr

import (
	"strconv"
	"strings"
)

// Path is a document path referenced by an expression.
type Path struct {
	// Name is the top-level attribute name, with any #placeholder resolved.
	// It is never empty.
	Name string
	// Elements are the nested map keys and list indexes after Name, in order.
	Elements []Element
}

// Element is one step of a nested document path: a map key or a list index.
type Element struct {
	// Key is the map key (placeholder resolved) when IsIndex is false.
	Key string
	// Index is the list index when IsIndex is true.
	Index int
	// IsIndex tells a list index from a map key.
	IsIndex bool
}

// IsTopLevel reports whether p names a whole top-level attribute.
func (p Path) IsTopLevel() bool { return len(p.Elements) == 0 }

// String renders p for messages and logs: a.b[0].c, with names that are not
// plain identifiers quoted ("my-attr".x). It is not DynamoDB syntax.
func (p Path) String() string {
	var b strings.Builder
	writeName(&b, p.Name)
	for _, e := range p.Elements {
		if e.IsIndex {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(e.Index))
			b.WriteByte(']')
			continue
		}
		b.WriteByte('.')
		writeName(&b, e.Key)
	}
	return b.String()
}

func writeName(b *strings.Builder, s string) {
	if isIdentifier(s) {
		b.WriteString(s)
	} else {
		b.WriteString(strconv.Quote(s))
	}
}

func isIdentifier(s string) bool {
	if s == "" || isDigit(s[0]) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isWordByte(s[i]) {
			return false
		}
	}
	return true
}

// key returns a string that is equal for two paths exactly when the paths
// are equal.
func (p Path) key() string {
	var b strings.Builder
	b.WriteString(strconv.Quote(p.Name))
	for _, e := range p.Elements {
		if e.IsIndex {
			b.WriteString("[" + strconv.Itoa(e.Index) + "]")
		} else {
			b.WriteString("." + strconv.Quote(e.Key))
		}
	}
	return b.String()
}

// maxDepth bounds nesting of parentheses, NOT and function calls, so that
// no input can exhaust the stack. DynamoDB caps expressions at 4 KB, far
// below anything that could legitimately reach it.
const maxDepth = 1000

// maxIndex is the largest list index accepted.
const maxIndex = 1<<31 - 1

// parser holds the state shared by the expression parsers.
type parser struct {
	toks  []token
	pos   int
	names map[string]string
	depth int
}

func newParser(expr string, names map[string]string) (*parser, error) {
	toks, err := lex(expr)
	if err != nil {
		return nil, err
	}
	if len(toks) == 1 {
		return nil, &Error{Kind: ErrSyntax, Offset: 0, Msg: "empty expression"}
	}
	return &parser{toks: toks, names: names}, nil
}

func (p *parser) peek() token { return p.toks[p.pos] }

// peekAt returns the token n positions ahead; tEOF past the end.
func (p *parser) peekAt(n int) token {
	if p.pos+n < len(p.toks) {
		return p.toks[p.pos+n]
	}
	return p.toks[len(p.toks)-1]
}

func (p *parser) next() token {
	t := p.toks[p.pos]
	if t.kind != tEOF {
		p.pos++
	}
	return t
}

func (p *parser) errorf(t token, kind ErrorKind, msg string) error {
	return &Error{Kind: kind, Offset: t.off, Token: t.text, Msg: msg}
}

func (p *parser) expect(k tokenKind, what string) (token, error) {
	t := p.next()
	if t.kind != k {
		return t, p.errorf(t, ErrSyntax, "expected "+what)
	}
	return t, nil
}

// enter and leave bracket every recursive descent so that depth is bounded.
func (p *parser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		t := p.peek()
		return p.errorf(t, ErrTooDeep, "more than "+strconv.Itoa(maxDepth)+" levels of nesting")
	}
	return nil
}

func (p *parser) leave() { p.depth-- }

// isKeyword reports whether t is the bare word kw, ignoring case.
func isKeyword(t token, kw string) bool {
	return t.kind == tIdent && strings.EqualFold(t.text, kw)
}

// isPathStart reports whether t can begin a document path.
func isPathStart(t token) bool { return t.kind == tIdent || t.kind == tName }

// resolveName returns the attribute name or map key that a path element
// token stands for.
func (p *parser) resolveName(t token) (string, error) {
	switch t.kind {
	case tIdent:
		return t.text, nil
	case tName:
		name, ok := p.names[t.text]
		if !ok {
			return "", p.errorf(t, ErrUndefinedName, t.text+" is not in the expression attribute names map")
		}
		if name == "" {
			return "", p.errorf(t, ErrInvalidName, t.text+" stands for an empty attribute name")
		}
		return name, nil
	}
	return "", p.errorf(t, ErrSyntax, "expected an attribute name or an expression attribute name (#placeholder)")
}

// path parses a document path: name { "." name | "[" number "]" }.
func (p *parser) path() (Path, error) {
	t := p.next()
	name, err := p.resolveName(t)
	if err != nil {
		return Path{}, err
	}
	out := Path{Name: name}
	for {
		switch p.peek().kind {
		case tDot:
			p.next()
			t := p.next()
			key, err := p.resolveName(t)
			if err != nil {
				return Path{}, err
			}
			out.Elements = append(out.Elements, Element{Key: key})
		case tLBrack:
			p.next()
			t := p.next()
			if t.kind != tNumber {
				return Path{}, p.errorf(t, ErrSyntax, "expected a list index (a non-negative integer)")
			}
			n, err := strconv.Atoi(t.text)
			if err != nil || n > maxIndex {
				return Path{}, p.errorf(t, ErrSyntax, "list index out of range")
			}
			if _, err := p.expect(tRBrack, `"]" after list index`); err != nil {
				return Path{}, err
			}
			out.Elements = append(out.Elements, Element{Index: n, IsIndex: true})
		default:
			return out, nil
		}
	}
}

// pathSet collects paths in order of first appearance, without duplicates.
type pathSet struct {
	list []Path
	seen map[string]bool
}

func (s *pathSet) add(ps ...Path) {
	for _, p := range ps {
		k := p.key()
		if s.seen[k] {
			continue
		}
		if s.seen == nil {
			s.seen = make(map[string]bool)
		}
		s.seen[k] = true
		s.list = append(s.list, p)
	}
}

// pathTo parses a document path and adds it to s.
func (p *parser) pathTo(s *pathSet) error {
	path, err := p.path()
	if err != nil {
		return err
	}
	s.add(path)
	return nil
}

// operand parses an operand: a :value, a document path, which it adds to
// s, or a function call, which call parses from the function's name t.
// what lists the operands allowed, for the error when there is none.
func (p *parser) operand(s *pathSet, what string, call func(t token) error) error {
	t := p.peek()
	switch {
	case t.kind == tValue:
		p.next()
		return nil
	case t.kind == tIdent && p.peekAt(1).kind == tLParen:
		return call(t)
	case isPathStart(t):
		return p.pathTo(s)
	}
	return p.errorf(t, ErrSyntax, "expected an operand ("+what+")")
}

// call parses fn "(" arg { "," arg } ")" with exactly arity arguments, each
// read by arg; the current token is the function name.
func (p *parser) call(arity int, arg func() error) error {
	if err := p.enter(); err != nil {
		return err
	}
	defer p.leave()
	fn := p.next()
	p.next() // "("
	for i := range arity {
		if i > 0 {
			if _, err := p.expect(tComma, `"," between the arguments of `+fn.text); err != nil {
				return err
			}
		}
		if err := arg(); err != nil {
			return err
		}
	}
	_, err := p.expect(tRParen, `")": `+fn.text+" takes "+plural(arity, "argument"))
	return err
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
