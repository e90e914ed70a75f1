package ddbexpr

import "strings"

// Update lists the document paths an update expression touches.
type Update struct {
	// Set are the targets of SET actions.
	Set []Path
	// Remove are the targets of REMOVE actions.
	Remove []Path
	// Add are the targets of ADD actions.
	Add []Path
	// Delete are the targets of DELETE actions.
	Delete []Path
	// Reads are the paths whose current values the update reads: operands
	// on the right-hand side of SET (a = b + :v, if_not_exists(c, :v),
	// list_append(d, :l)), and the value of an ADD or DELETE action if it is
	// a path rather than a :value.
	Reads []Path
}

// Written returns every path the update writes: Set, Remove, Add and
// Delete, in that order.
func (u *Update) Written() []Path {
	out := make([]Path, 0, len(u.Set)+len(u.Remove)+len(u.Add)+len(u.Delete))
	out = append(out, u.Set...)
	out = append(out, u.Remove...)
	out = append(out, u.Add...)
	return append(out, u.Delete...)
}

// ParseUpdate parses an update expression. Each list in the result is in
// order of first appearance, without duplicates. names is the request's
// ExpressionAttributeNames.
//
// Grammar (keywords case-insensitive; each clause at most once, in any
// order):
//
//	update  = clause { clause }
//	clause  = SET set { "," set } | REMOVE path { "," path }
//	        | ADD path value { "," path value } | DELETE path value { "," path value }
//	set     = path "=" operand { ("+" | "-") operand }
//	operand = path | :value | if_not_exists "(" sum "," sum ")"
//	        | list_append "(" sum "," sum ")"
//	sum     = operand { ("+" | "-") operand }
//	value   = :value | path
func ParseUpdate(expr string, names map[string]string) (*Update, error) {
	p, err := newParser(expr, names)
	if err != nil {
		return nil, err
	}
	var set, remove, add, del, reads pathSet
	seen := make(map[string]bool, 4)
	for p.peek().kind != tEOF {
		t := p.next()
		kw := ""
		if t.kind == tIdent {
			kw = strings.ToUpper(t.text)
		}
		var target *pathSet
		switch kw {
		case "SET":
			target = &set
		case "REMOVE":
			target = &remove
		case "ADD":
			target = &add
		case "DELETE":
			target = &del
		default:
			return nil, p.errorf(t, ErrSyntax, "expected SET, REMOVE, ADD or DELETE")
		}
		if seen[kw] {
			return nil, p.errorf(t, ErrSyntax, "the "+kw+" clause appears more than once")
		}
		seen[kw] = true
		for {
			if err := p.pathTo(target); err != nil {
				return nil, err
			}
			switch kw {
			case "SET":
				if _, err := p.expect(tEq, `"=" after the SET target`); err != nil {
					return nil, err
				}
				if err := p.setSum(&reads); err != nil {
					return nil, err
				}
			case "ADD", "DELETE":
				if err := p.actionValue(&reads, kw); err != nil {
					return nil, err
				}
			}
			if p.peek().kind != tComma {
				break
			}
			p.next()
		}
	}
	return &Update{Set: set.list, Remove: remove.list, Add: add.list, Delete: del.list, Reads: reads.list}, nil
}

// setFuncs are the functions allowed in SET, all with two arguments.
var setFuncs = map[string]bool{"if_not_exists": true, "list_append": true}

// setSum parses operand { ("+" | "-") operand }.
func (p *parser) setSum(reads *pathSet) error {
	for {
		if err := p.setOperand(reads); err != nil {
			return err
		}
		if k := p.peek().kind; k != tPlus && k != tMinus {
			return nil
		}
		p.next()
	}
}

func (p *parser) setOperand(reads *pathSet) error {
	return p.operand(reads, "a document path, a :value, if_not_exists(...) or list_append(...)", func(t token) error {
		if !setFuncs[strings.ToLower(t.text)] {
			return p.errorf(t, ErrSyntax, "unknown function "+t.text+" in SET (functions: if_not_exists, list_append)")
		}
		return p.call(2, func() error { return p.setSum(reads) })
	})
}

// actionValue parses the value of an ADD or DELETE action.
func (p *parser) actionValue(reads *pathSet, kw string) error {
	t := p.peek()
	switch {
	case t.kind == tValue:
		p.next()
		return nil
	case isPathStart(t) && p.peekAt(1).kind != tLParen:
		return p.pathTo(reads)
	}
	return p.errorf(t, ErrSyntax, "expected the value (:placeholder) of the "+kw+" action")
}
