package ddbexpr

import "strings"

// ConditionPaths returns every document path referenced by a condition,
// filter or key-condition expression, in order of first appearance and
// without duplicates. names is the request's ExpressionAttributeNames.
//
// Grammar (keywords case-insensitive):
//
//	condition  = or
//	or         = and { OR and }
//	and        = not { AND not }
//	not        = NOT not | primary
//	primary    = "(" condition ")"
//	           | boolfunc "(" operand { "," operand } ")"
//	           | operand comparator operand
//	           | operand BETWEEN operand AND operand
//	           | operand IN "(" operand { "," operand } ")"
//	operand    = path | :value | size "(" operand ")"
//	comparator = "=" | "<>" | "<" | "<=" | ">" | ">="
//	boolfunc   = attribute_exists(1) | attribute_not_exists(1)
//	           | attribute_type(2) | begins_with(2) | contains(2)
//
// Function arguments may be any operand (DynamoDB requires a path where the
// documentation says path); every path among them is reported.
func ConditionPaths(expr string, names map[string]string) ([]Path, error) {
	p, err := newParser(expr, names)
	if err != nil {
		return nil, err
	}
	var s pathSet
	if err := p.orCond(&s); err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, p.errorf(t, ErrSyntax, "unexpected token after a complete condition (expected AND, OR or the end)")
	}
	return s.list, nil
}

// condFuncs are the functions that are conditions by themselves, with their
// number of arguments.
var condFuncs = map[string]int{
	"attribute_exists":     1,
	"attribute_not_exists": 1,
	"attribute_type":       2,
	"begins_with":          2,
	"contains":             2,
}

func (p *parser) orCond(s *pathSet) error {
	if err := p.enter(); err != nil {
		return err
	}
	defer p.leave()
	if err := p.andCond(s); err != nil {
		return err
	}
	for isKeyword(p.peek(), "OR") {
		p.next()
		if err := p.andCond(s); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) andCond(s *pathSet) error {
	if err := p.notCond(s); err != nil {
		return err
	}
	for isKeyword(p.peek(), "AND") {
		p.next()
		if err := p.notCond(s); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) notCond(s *pathSet) error {
	if !isKeyword(p.peek(), "NOT") {
		return p.primaryCond(s)
	}
	p.next()
	if err := p.enter(); err != nil {
		return err
	}
	defer p.leave()
	return p.notCond(s)
}

func (p *parser) primaryCond(s *pathSet) error {
	t := p.peek()
	if t.kind == tLParen {
		p.next()
		if err := p.orCond(s); err != nil {
			return err
		}
		_, err := p.expect(tRParen, `")" to close "("`)
		return err
	}
	if t.kind == tIdent && p.peekAt(1).kind == tLParen {
		if arity, ok := condFuncs[strings.ToLower(t.text)]; ok {
			return p.call(arity, func() error { return p.condOperand(s) })
		}
	}
	if err := p.condOperand(s); err != nil {
		return err
	}
	t = p.next()
	switch {
	case t.kind == tEq || t.kind == tNe || t.kind == tLt || t.kind == tLe || t.kind == tGt || t.kind == tGe:
		return p.condOperand(s)
	case isKeyword(t, "BETWEEN"):
		if err := p.condOperand(s); err != nil {
			return err
		}
		if t := p.next(); !isKeyword(t, "AND") {
			return p.errorf(t, ErrSyntax, "expected AND in BETWEEN ... AND ...")
		}
		return p.condOperand(s)
	case isKeyword(t, "IN"):
		if _, err := p.expect(tLParen, `"(" after IN`); err != nil {
			return err
		}
		for {
			if err := p.condOperand(s); err != nil {
				return err
			}
			t := p.next()
			if t.kind == tRParen {
				return nil
			}
			if t.kind != tComma {
				return p.errorf(t, ErrSyntax, `expected "," or ")" in IN list`)
			}
		}
	}
	return p.errorf(t, ErrSyntax, "expected a comparator (=, <>, <, <=, >, >=), BETWEEN or IN after the operand")
}

// condOperand parses path | :value | size(operand).
func (p *parser) condOperand(s *pathSet) error {
	return p.operand(s, "a document path, a :value or size(...)", func(t token) error {
		fn := strings.ToLower(t.text)
		if fn == "size" {
			return p.call(1, func() error { return p.condOperand(s) })
		}
		if _, ok := condFuncs[fn]; ok {
			return p.errorf(t, ErrSyntax, "function "+t.text+" is a condition and cannot be used as an operand")
		}
		return p.errorf(t, ErrSyntax, "unknown function "+t.text+" (condition functions: attribute_exists, attribute_not_exists, attribute_type, begins_with, contains, size)")
	})
}
