// Package number puts DynamoDB number text into canonical form (docs/format.md
// 2.3 and 13 Q2): plain decimal notation, no exponent, no sign but a leading
// "-", no leading zeros, no trailing fractional zeros, no trailing dot, and
// "0" for every zero. It is the form the reference clients serialize numbers
// in for signing and encryption, and the form DynamoDB itself returns, so
// the item encryptor and the KMS encryption context share it.
//
// The work is exact string manipulation: numbers never pass through binary
// floating point.
package number

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/ddbcrypt/ddbcrypt"
)

// DynamoDB's limits on numbers: 38 significant digits, and a magnitude from
// 1E-130 up to (but not including) 1E+126.
const (
	maxDigits   = 38
	minExponent = -130 // exponent of the most significant digit
	maxExponent = 125
)

// Canonical returns the canonical text of the DynamoDB number s. It returns
// s itself, without allocating, when s is canonical already. Text that is not
// a number, or a number DynamoDB would refuse, is an error wrapping
// ddbcrypt.ErrInvalidItem that says why but does not quote s.
func Canonical(s string) (string, error) {
	if plainCanonical(s) {
		return s, nil
	}
	p, err := parse(s)
	if err != nil {
		return "", err
	}
	if p.isCanonical(s) {
		return s, nil
	}
	return string(p.appendTo(make([]byte, 0, p.size()))), nil
}

// AppendCanonical appends the canonical text of s to dst.
func AppendCanonical(dst []byte, s string) ([]byte, error) {
	if plainCanonical(s) {
		return append(dst, s...), nil
	}
	p, err := parse(s)
	if err != nil {
		return dst, err
	}
	return p.appendTo(dst), nil
}

// CanonicalLen returns the length of the canonical text of s.
func CanonicalLen(s string) (int, error) {
	p, err := parse(s)
	if err != nil {
		return 0, err
	}
	return p.size(), nil
}

// plainCanonical reports whether s is canonical by its look alone: an
// optional "-", then "0" or digits without a leading zero, then optionally a
// dot and digits ending in a non-zero one, at most 38 digits in all, and not
// "-0". Such text is within DynamoDB's limits (38 digits reach neither 1E+126
// nor 1E-130) and is its own canonical form, so it needs no parse; most
// stored numbers look so. Whatever it refuses is parsed, so the errors stay
// those of parse.
func plainCanonical(s string) bool {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	if len(s) == 0 || len(s) > maxDigits+1 { // +1: the dot
		return false
	}
	i := 0
	if s[0] == '0' {
		i = 1
		if len(s) == 1 {
			return !neg
		}
	} else {
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == 0 {
			return false
		}
		if i == len(s) {
			return i <= maxDigits
		}
	}
	if s[i] != '.' || i == len(s)-1 || s[len(s)-1] == '0' {
		return false
	}
	for _, c := range []byte(s[i+1:]) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// parsed is a number as neg × digits × 10^exp, with digits holding no leading
// or trailing zeros; zero has no digits.
type parsed struct {
	neg    bool
	digits string // significant digits as they appear in the input, without the dot
	dot    int    // index in digits before which the input's dot stood, or -1
	exp    int    // exponent applied to the integer digits
}

func parse(s string) (parsed, error) {
	bad := func(why string) (parsed, error) {
		// Not s itself: it may be the plaintext of an encrypted attribute.
		// Callers name the attribute.
		return parsed{}, fmt.Errorf("%w: invalid number: %s", ddbcrypt.ErrInvalidItem, why)
	}
	var p parsed
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		p.neg = s[i] == '-'
		i++
	}
	// Mantissa: digits with at most one dot. Remember where the significant
	// digits start and end, and how many fractional digits there are.
	start, end := -1, -1 // significant digits s[start:end], possibly with a dot inside
	fracDigits, nDigits, sawDot := 0, 0, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			nDigits++
			if sawDot {
				fracDigits++
			}
			if c != '0' {
				if start < 0 {
					start = i
				}
				end = i + 1
			}
		case c == '.' && !sawDot:
			sawDot = true
		default:
			goto exponent
		}
	}
exponent:
	if nDigits == 0 {
		return bad("no digits")
	}
	exp := 0
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return bad("unexpected character")
		}
		e := s[i+1:]
		if len(e) > 0 && e[0] == '+' {
			e = e[1:] // strconv.Atoi accepts "+5", but not "+-5" or "++5"
			if len(e) > 0 && (e[0] == '+' || e[0] == '-') {
				return bad("malformed exponent")
			}
		}
		if len(e) == 0 || len(e) > 9 {
			return bad("malformed exponent")
		}
		v, err := strconv.Atoi(e)
		if err != nil {
			return bad("malformed exponent")
		}
		exp = v
	}
	if start < 0 {
		return parsed{dot: -1}, nil // zero, whatever its sign or exponent
	}
	// Collect the significant digits s[start:end], skipping the dot.
	sig := s[start:end]
	p.dot = strings.IndexByte(sig, '.')
	nSig := len(sig)
	if p.dot >= 0 {
		nSig--
	}
	if nSig > maxDigits {
		return bad("more than 38 significant digits")
	}
	p.digits = sig
	// value = digits × 10^(exp − fractional digits + zeros after the last
	// significant digit), counting only digits, not the dot.
	zeros := 0
	for _, c := range []byte(s[end:i]) {
		if c == '0' {
			zeros++
		}
	}
	p.exp = exp - fracDigits + zeros
	if top := p.exp + nSig - 1; top > maxExponent || top < minExponent {
		return bad("out of DynamoDB's range")
	}
	return p, nil
}

// digitCount is the number of significant digits.
func (p parsed) digitCount() int {
	if p.dot >= 0 {
		return len(p.digits) - 1
	}
	return len(p.digits)
}

// size is the length of the canonical text.
func (p parsed) size() int {
	n := p.digitCount()
	if n == 0 {
		return 1 // "0"
	}
	size := n
	if p.neg {
		size++
	}
	switch point := n + p.exp; {
	case p.exp >= 0:
		size += p.exp
	case point > 0:
		size++ // "."
	default:
		size += 2 - point // "0." and leading fractional zeros
	}
	return size
}

// appendTo appends the canonical text.
func (p parsed) appendTo(dst []byte) []byte {
	n := p.digitCount()
	if n == 0 {
		return append(dst, '0')
	}
	if p.neg {
		dst = append(dst, '-')
	}
	point := n + p.exp // digits before the decimal point
	if point <= 0 {
		dst = append(dst, '0', '.')
		for range -point {
			dst = append(dst, '0')
		}
	}
	written := 0
	for i := 0; i < len(p.digits); i++ {
		if p.digits[i] == '.' {
			continue
		}
		if written == point && point > 0 {
			dst = append(dst, '.')
		}
		dst = append(dst, p.digits[i])
		written++
	}
	for range p.exp {
		dst = append(dst, '0')
	}
	return dst
}

// isCanonical reports whether s is already the canonical text of p.
func (p parsed) isCanonical(s string) bool {
	if len(s) != p.size() {
		return false
	}
	if p.digitCount() == 0 {
		return s == "0"
	}
	// Same length, and a canonical text has no exponent, no '+', no leading or
	// trailing zeros: compare against the rendering without allocating.
	if s[0] == '+' || strings.ContainsAny(s, "eE") {
		return false
	}
	var buf [64]byte
	if p.size() > len(buf) {
		return string(p.appendTo(nil)) == s
	}
	return string(p.appendTo(buf[:0])) == s
}
