package ddbexpr

import (
	"fmt"
	"unicode/utf8"
)

type tokenKind int

const (
	tEOF    tokenKind = iota
	tIdent            // bare name or keyword: [A-Za-z_][A-Za-z0-9_]*
	tName             // expression attribute name: #[A-Za-z0-9_]+
	tValue            // expression attribute value: :[A-Za-z0-9_]+
	tNumber           // [0-9]+, only meaningful as a list index
	tDot              // .
	tLBrack           // [
	tRBrack           // ]
	tLParen           // (
	tRParen           // )
	tComma            // ,
	tEq               // =
	tNe               // <>
	tLt               // <
	tLe               // <=
	tGt               // >
	tGe               // >=
	tPlus             // +
	tMinus            // -
)

type token struct {
	kind tokenKind
	text string
	off  int
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isSpace reports the whitespace bytes allowed between tokens. Anything
// else that is not part of a token is an error.
func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// lex splits src into tokens. The last token is always tEOF at len(src).
func lex(src string) ([]token, error) {
	var toks []token
	i := 0
	for i < len(src) {
		c := src[i]
		if isSpace(c) {
			i++
			continue
		}
		start := i
		switch {
		case c == '#' || c == ':':
			i++
			for i < len(src) && isWordByte(src[i]) {
				i++
			}
			if i == start+1 {
				what := "expression attribute name"
				if c == ':' {
					what = "expression attribute value"
				}
				return nil, &Error{Kind: ErrSyntax, Offset: start, Token: src[start : start+1],
					Msg: fmt.Sprintf("%q must be followed by the letters, digits or underscores of an %s", c, what)}
			}
			k := tName
			if c == ':' {
				k = tValue
			}
			toks = append(toks, token{k, src[start:i], start})
		case isWordByte(c):
			allDigits := true
			for i < len(src) && isWordByte(src[i]) {
				if !isDigit(src[i]) {
					allDigits = false
				}
				i++
			}
			switch {
			case allDigits:
				toks = append(toks, token{tNumber, src[start:i], start})
			case isDigit(c):
				return nil, &Error{Kind: ErrInvalidName, Offset: start, Token: src[start:i],
					Msg: "a name starting with a digit must be given as an expression attribute name (#placeholder)"}
			default:
				toks = append(toks, token{tIdent, src[start:i], start})
			}
		default:
			k, n := punct(src[i:])
			if n == 0 {
				r, size := utf8.DecodeRuneInString(src[i:])
				return nil, &Error{Kind: ErrSyntax, Offset: start, Token: src[i : i+size],
					Msg: fmt.Sprintf("unexpected character %q (names with special characters must be given as expression attribute names)", r)}
			}
			i += n
			toks = append(toks, token{k, src[start:i], start})
		}
	}
	toks = append(toks, token{tEOF, "", len(src)})
	return toks, nil
}

// punct recognizes an operator or punctuation token at the start of s and
// returns its kind and length, or length 0.
func punct(s string) (tokenKind, int) {
	switch s[0] {
	case '.':
		return tDot, 1
	case '[':
		return tLBrack, 1
	case ']':
		return tRBrack, 1
	case '(':
		return tLParen, 1
	case ')':
		return tRParen, 1
	case ',':
		return tComma, 1
	case '=':
		return tEq, 1
	case '+':
		return tPlus, 1
	case '-':
		return tMinus, 1
	case '<':
		if len(s) > 1 && s[1] == '=' {
			return tLe, 2
		}
		if len(s) > 1 && s[1] == '>' {
			return tNe, 2
		}
		return tLt, 1
	case '>':
		if len(s) > 1 && s[1] == '=' {
			return tGe, 2
		}
		return tGt, 1
	}
	return tEOF, 0
}
