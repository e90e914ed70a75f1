package ddbexpr

import (
	"fmt"
)

// ErrorKind classifies an Error.
type ErrorKind int

const (
	// ErrSyntax: the expression does not follow DynamoDB's grammar.
	ErrSyntax ErrorKind = iota + 1
	// ErrUndefinedName: a #placeholder is not in the expression attribute
	// names map. Error.Token is the placeholder.
	ErrUndefinedName
	// ErrInvalidName: a bare name is not a valid identifier (it starts with a
	// digit), or an attribute name resolves to the empty string.
	ErrInvalidName
	// ErrTooDeep: parentheses, NOT or function calls are nested deeper than
	// the parser allows.
	ErrTooDeep
)

func (k ErrorKind) String() string {
	switch k {
	case ErrSyntax:
		return "syntax error"
	case ErrUndefinedName:
		return "undefined expression attribute name"
	case ErrInvalidName:
		return "invalid attribute name"
	case ErrTooDeep:
		return "expression nested too deeply"
	}
	return fmt.Sprintf("ErrorKind(%d)", int(k))
}

// Error is the only error type returned by this package's parsers.
type Error struct {
	Kind ErrorKind
	// Offset is the byte offset in the expression where the problem was
	// found; len(expression) for a problem at its end.
	Offset int
	// Token is the text of the offending token; empty at the end of the
	// expression.
	Token string
	// Msg says what was wrong or what was expected.
	Msg string
}

func (e *Error) Error() string {
	near := "at end of expression"
	if e.Token != "" {
		near = fmt.Sprintf("near %q", e.Token)
	}
	return fmt.Sprintf("ddbexpr: %s at offset %d (%s): %s", e.Kind, e.Offset, near, e.Msg)
}
