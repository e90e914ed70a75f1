package ddbexpr

import (
	"sort"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// ProjectionPaths parses a projection expression: document paths separated
// by commas. The result is in order of first appearance, without
// duplicates. names is the request's ExpressionAttributeNames.
func ProjectionPaths(expr string, names map[string]string) ([]Path, error) {
	p, err := newParser(expr, names)
	if err != nil {
		return nil, err
	}
	var s pathSet
	for {
		if err := p.pathTo(&s); err != nil {
			return nil, err
		}
		t := p.next()
		if t.kind == tEOF {
			return s.list, nil
		}
		if t.kind != tComma {
			return nil, p.errorf(t, ErrSyntax, `expected "," between document paths or the end of the projection`)
		}
	}
}

// Project applies a projection to a whole item the way DynamoDB does:
//
//   - a top-level path keeps that attribute;
//   - a nested path keeps the enclosing maps and lists, reduced to the
//     selected map keys and list elements (selected list elements keep
//     their order and are packed together, as DynamoDB returns them);
//   - a path that does not exist in the item, or that crosses a value of
//     the wrong type (a key into a list, an index into a map or a scalar),
//     selects nothing, and a map or list of which nothing is selected is
//     left out entirely;
//   - overlapping paths (a and a.b) keep the larger one. DynamoDB rejects
//     such projections; Project does not have to.
//
// The result is a new map, never nil; a selected value is shared with item,
// not copied. With no paths the result is empty.
func Project(item map[string]types.AttributeValue, paths []Path) map[string]types.AttributeValue {
	root := &projNode{}
	for _, p := range paths {
		root.insert(p)
	}
	out := make(map[string]types.AttributeValue, len(root.keys))
	for name, n := range root.keys {
		if v, ok := n.apply(item[name]); ok {
			out[name] = v
		}
	}
	return out
}

// projNode is a node of the projection tree: either the whole value is
// selected, or some map keys and/or list indexes below it.
type projNode struct {
	whole bool
	keys  map[string]*projNode
	idx   map[int]*projNode
}

func (n *projNode) insert(p Path) {
	n = n.child(Element{Key: p.Name})
	for _, e := range p.Elements {
		if n.whole {
			return
		}
		n = n.child(e)
	}
	n.whole, n.keys, n.idx = true, nil, nil
}

func (n *projNode) child(e Element) *projNode {
	if e.IsIndex {
		if n.idx == nil {
			n.idx = make(map[int]*projNode)
		}
		c := n.idx[e.Index]
		if c == nil {
			c = &projNode{}
			n.idx[e.Index] = c
		}
		return c
	}
	if n.keys == nil {
		n.keys = make(map[string]*projNode)
	}
	c := n.keys[e.Key]
	if c == nil {
		c = &projNode{}
		n.keys[e.Key] = c
	}
	return c
}

func (n *projNode) apply(v types.AttributeValue) (types.AttributeValue, bool) {
	if v == nil {
		return nil, false
	}
	if n.whole {
		return v, true
	}
	switch v := v.(type) {
	case *types.AttributeValueMemberM:
		out := make(map[string]types.AttributeValue)
		for k, c := range n.keys {
			if r, ok := c.apply(v.Value[k]); ok {
				out[k] = r
			}
		}
		if len(out) == 0 {
			return nil, false
		}
		return &types.AttributeValueMemberM{Value: out}, true
	case *types.AttributeValueMemberL:
		idx := make([]int, 0, len(n.idx))
		for i := range n.idx {
			if i < len(v.Value) {
				idx = append(idx, i)
			}
		}
		sort.Ints(idx)
		var out []types.AttributeValue
		for _, i := range idx {
			if r, ok := n.idx[i].apply(v.Value[i]); ok {
				out = append(out, r)
			}
		}
		if len(out) == 0 {
			return nil, false
		}
		return &types.AttributeValueMemberL{Value: out}, true
	}
	return nil, false
}
