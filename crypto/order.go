package crypto

// Orderings of set members, map keys and attribute names (docs/format.md 2.4, 5.3,
// 10 #1–#2, 13 Q1). Writers use the Java ordering; readers fall back to the
// Python ordering as a documented tolerance.

import (
	"bytes"
	"unicode/utf8"
)

// ordering selects how strings and byte strings are compared.
type ordering int

const (
	// javaOrder compares strings by UTF-16 code units and bytes as signed
	// int8, like Java's String.compareTo and ByteBuffer.compareTo.
	javaOrder ordering = iota
	// pythonOrder compares strings by code points and bytes as unsigned, like
	// the Python client (and Go's native comparisons).
	pythonOrder
)

// compareStrings compares a and b in the ordering.
func (o ordering) compareStrings(a, b string) int {
	if o == pythonOrder || a == b {
		return compareNative(a, b)
	}
	// Find the first differing code point. UTF-16 order equals code point
	// order except when one of the two is supplementary (a surrogate pair,
	// 0xD800…) and the other a BMP character at or above 0xE000.
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	if i == len(a) || i == len(b) {
		return len(a) - len(b) // one is a prefix of the other
	}
	for i > 0 && !utf8.RuneStart(a[i]) {
		i-- // the prefix is shared, so both strings have a rune start here
	}
	ra, _ := utf8.DecodeRuneInString(a[i:])
	rb, _ := utf8.DecodeRuneInString(b[i:])
	if (ra >= 0x10000) != (rb >= 0x10000) && min(ra, rb) >= 0xE000 {
		// The supplementary one has a surrogate (0xD800–0xDBFF) first, which
		// sorts before every BMP character from 0xE000.
		if ra >= 0x10000 {
			return -1
		}
		return 1
	}
	return compareNative(a, b)
}

func compareNative(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// compareBytes compares a and b in the ordering.
func (o ordering) compareBytes(a, b []byte) int {
	if o == pythonOrder {
		return bytes.Compare(a, b)
	}
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			if int8(a[i]) < int8(b[i]) {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

// stringDiverges reports whether s holds a character on which the two
// orderings can disagree: anything at or above U+E000.
func stringDiverges(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0xEE { // lead byte of U+E000 and above
			return true
		}
	}
	return false
}

// bytesDiverge reports whether b holds a byte on which signed and unsigned
// comparison disagree.
func bytesDiverge(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}
