package crypto

// Canonical serialization of an attribute value (docs/format.md 2.1–2.4).

import (
	"encoding/binary"
	"fmt"
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/number"
)

// Type tags: a zero byte, then one ASCII character (2.1).
const (
	tagNULL = 0x00
	tagBOOL = '?'
	tagS    = 's'
	tagN    = 'n'
	tagB    = 'b'
	tagSS   = 'S'
	tagNS   = 'N'
	tagBS   = 'B'
	tagL    = 'L'
	tagM    = 'M'
)

// maxDepth bounds the nesting of lists and maps, as DynamoDB does (32 levels
// below the top-level value). It also stops a map that contains itself.
const maxDepth = 32

// SerializeAttribute returns the canonical serialization of av, with sets and
// map keys in the Java ordering: the bytes that are encrypted for an
// encrypted attribute and hashed into the signature for a signed one.
// Numbers are canonicalized first, so N "1.50" serializes as "1.5".
func SerializeAttribute(av types.AttributeValue) ([]byte, error) {
	return appendAttribute(make([]byte, 0, sizeHint(av)), av, javaOrder, 0)
}

func appendTag(dst []byte, tag byte) []byte { return append(dst, 0, tag) }

func appendLen(dst []byte, n int) []byte { return binary.BigEndian.AppendUint32(dst, uint32(n)) }

func appendString(dst []byte, s string) []byte { return append(appendLen(dst, len(s)), s...) }

func appendBytes(dst []byte, b []byte) []byte { return append(appendLen(dst, len(b)), b...) }

// appendNumber appends the length-prefixed canonical text of s, writing the
// length after the text so that s is parsed once.
func appendNumber(dst []byte, s string) ([]byte, error) {
	at := len(dst)
	dst, err := number.AppendCanonical(appendLen(dst, 0), s)
	if err != nil {
		return dst, err
	}
	binary.BigEndian.PutUint32(dst[at:], uint32(len(dst)-at-4))
	return dst, nil
}

// appendSet appends a set: its tag, its size and its members in the order
// of compare, sorting a copy when they are not in that order (never the
// caller's set).
func appendSet[E string | []byte](dst []byte, tag byte, members []E, compare func(a, b E) int) []byte {
	if !slices.IsSortedFunc(members, compare) {
		var small [16]E // most sets are small: sort on the stack
		members = append(small[:0], members...)
		slices.SortFunc(members, compare)
	}
	dst = appendLen(appendTag(dst, tag), len(members))
	for _, m := range members {
		dst = append(appendLen(dst, len(m)), m...) // as appendString, appendBytes
	}
	return dst
}

// totalLen returns the sum of the lengths of xs.
func totalLen[E string | []byte](xs []E) int {
	n := 0
	for _, x := range xs {
		n += len(x)
	}
	return n
}

// appendAttribute appends the serialization of av to dst, ordering sets and
// map keys with ord.
func appendAttribute(dst []byte, av types.AttributeValue, ord ordering, depth int) ([]byte, error) {
	if av == nil || nilMember(av) {
		return dst, nilValue(av)
	}
	switch v := av.(type) {
	case *types.AttributeValueMemberNULL:
		if !v.Value {
			return dst, fmt.Errorf("%w: a NULL value must be true", ddbcrypt.ErrInvalidItem)
		}
		return appendTag(dst, tagNULL), nil
	case *types.AttributeValueMemberBOOL:
		b := byte(0)
		if v.Value {
			b = 1
		}
		return append(appendTag(dst, tagBOOL), b), nil
	case *types.AttributeValueMemberS:
		return appendString(appendTag(dst, tagS), v.Value), nil
	case *types.AttributeValueMemberN:
		return appendNumber(appendTag(dst, tagN), v.Value)
	case *types.AttributeValueMemberB:
		return appendBytes(appendTag(dst, tagB), v.Value), nil
	case *types.AttributeValueMemberSS:
		return appendSet(dst, tagSS, v.Value, ord.compareStrings), nil
	case *types.AttributeValueMemberNS:
		// Members are canonicalized first, then sorted (canonical numbers are
		// ASCII, so both orderings agree).
		members := v.Value
		var rewritten []string // nil while every member is canonical
		for i, m := range members {
			c, err := number.Canonical(m)
			if err != nil {
				return dst, err
			}
			if c != m && rewritten == nil {
				rewritten = make([]string, len(members))
				copy(rewritten, members[:i])
			}
			if rewritten != nil {
				rewritten[i] = c
			}
		}
		if rewritten != nil {
			slices.Sort(rewritten) // our own copy
			members = rewritten
		}
		return appendSet(dst, tagNS, members, strings.Compare), nil
	case *types.AttributeValueMemberBS:
		return appendSet(dst, tagBS, v.Value, ord.compareBytes), nil
	case *types.AttributeValueMemberL:
		if depth >= maxDepth {
			return dst, errTooDeep
		}
		dst = appendLen(appendTag(dst, tagL), len(v.Value))
		for _, el := range v.Value {
			var err error
			if dst, err = appendAttribute(dst, el, ord, depth+1); err != nil {
				return dst, err
			}
		}
		return dst, nil
	case *types.AttributeValueMemberM:
		if depth >= maxDepth {
			return dst, errTooDeep
		}
		dst = appendLen(appendTag(dst, tagM), len(v.Value))
		// Most maps are small: sort their entries on the stack rather than
		// in an allocation per map, with their values, so that no key is
		// looked up again. The entries of an encrypted value are plaintext;
		// the frame holding them is gone on return.
		var small [16]mapEntry
		entries := small[:0]
		for k, el := range v.Value {
			entries = append(entries, mapEntry{k, el})
		}
		sortEntries(entries, ord)
		for _, e := range entries {
			dst = appendString(appendTag(dst, tagS), e.key)
			var err error
			if dst, err = appendAttribute(dst, e.value, ord, depth+1); err != nil {
				return dst, err // not naming k: a map key of an encrypted value is plaintext
			}
		}
		return dst, nil
	}
	return dst, unsupported(av)
}

// errTooDeep refuses a value nested deeper than DynamoDB allows.
var errTooDeep = fmt.Errorf("%w: lists and maps nested deeper than %d levels", ddbcrypt.ErrInvalidItem, maxDepth)

// nilValue refuses av, a nil value or a nil member pointer.
func nilValue(av types.AttributeValue) error {
	if av == nil {
		return fmt.Errorf("%w: nil attribute value", ddbcrypt.ErrInvalidItem)
	}
	return fmt.Errorf("%w: a nil %T attribute value", ddbcrypt.ErrInvalidItem, av)
}

// unsupported refuses av, of a type that is no DynamoDB value.
func unsupported(av types.AttributeValue) error {
	return fmt.Errorf("%w: unsupported attribute value type %T", ddbcrypt.ErrInvalidItem, av)
}

// CheckValue refuses, with an error wrapping ddbcrypt.ErrInvalidItem, a
// value the SDK cannot send: nil or a nil member pointer, at the top or
// inside a list or map (its serializer panics on the one, writes invalid
// JSON or drops the other), a type that is no DynamoDB value, or nesting
// deeper than DynamoDB's limit (a value holding itself would never end).
// Serializing a signed value checks the same; CheckValue is for the
// values nothing serializes: DO_NOTHING attributes, keys and expression
// values. It does not allocate unless it fails.
func CheckValue(av types.AttributeValue) error {
	budget := maxHintValues
	return checkValue(av, 0, &budget)
}

func checkValue(av types.AttributeValue, depth int, budget *int) error {
	if av == nil || nilMember(av) {
		return nilValue(av)
	}
	if *budget--; *budget < 0 {
		return fmt.Errorf("%w: a value of more than %d lists, maps and values", ddbcrypt.ErrInvalidItem, maxHintValues)
	}
	switch v := av.(type) {
	case *types.AttributeValueMemberS, *types.AttributeValueMemberN, *types.AttributeValueMemberB,
		*types.AttributeValueMemberBOOL, *types.AttributeValueMemberNULL,
		*types.AttributeValueMemberSS, *types.AttributeValueMemberNS, *types.AttributeValueMemberBS:
		return nil
	case *types.AttributeValueMemberL:
		return checkElements(slices.Values(v.Value), depth, budget)
	case *types.AttributeValueMemberM:
		return checkElements(maps.Values(v.Value), depth, budget)
	}
	return unsupported(av)
}

// checkElements checks the elements of a list or map at depth.
func checkElements(elements iter.Seq[types.AttributeValue], depth int, budget *int) error {
	if depth >= maxDepth {
		return errTooDeep
	}
	for el := range elements {
		if err := checkValue(el, depth+1, budget); err != nil {
			return err
		}
	}
	return nil
}

// nilMember reports whether av is a nil pointer of a member type, such as
// (*types.AttributeValueMemberS)(nil): a non-nil interface that a type
// switch matches, whose Value cannot be read. Callers build such values
// by mistake; they are invalid items, not panics.
func nilMember(av types.AttributeValue) bool {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return v == nil
	case *types.AttributeValueMemberN:
		return v == nil
	case *types.AttributeValueMemberB:
		return v == nil
	case *types.AttributeValueMemberBOOL:
		return v == nil
	case *types.AttributeValueMemberNULL:
		return v == nil
	case *types.AttributeValueMemberSS:
		return v == nil
	case *types.AttributeValueMemberNS:
		return v == nil
	case *types.AttributeValueMemberBS:
		return v == nil
	case *types.AttributeValueMemberL:
		return v == nil
	case *types.AttributeValueMemberM:
		return v == nil
	}
	return false
}

// mapEntry is one entry of a map value.
type mapEntry struct {
	key   string
	value types.AttributeValue
}

// sortEntries sorts entries by key in the ordering: natively, which is
// cheaper than the Java comparison (it decodes runes), unless a key holds a
// character on which the orderings disagree.
func sortEntries(entries []mapEntry, ord ordering) {
	compare := strings.Compare
	if ord == javaOrder && slices.ContainsFunc(entries, func(e mapEntry) bool { return stringDiverges(e.key) }) {
		compare = ord.compareStrings
	}
	slices.SortFunc(entries, func(a, b mapEntry) int { return compare(a.key, b.key) })
}

// maxHintValues bounds the values sizeHint looks at. More than DynamoDB's
// 400 KB item can hold, so that it only stops on a value that shares its
// lists and maps: one holding itself twice is 2^32 values deep down to the
// nesting limit, where appendAttribute stops at the first path.
const maxHintValues = 1 << 20

// sizeHint returns the serialized size of av, or a close estimate where
// numbers are not canonical yet, so buffers are allocated once.
func sizeHint(av types.AttributeValue) int {
	budget := maxHintValues
	return sizeHintAt(av, 0, &budget)
}

func sizeHintAt(av types.AttributeValue, depth int, budget *int) int {
	const header = 6 // tag and length
	if depth > maxDepth || *budget <= 0 || nilMember(av) {
		return 0 // appendAttribute reports the error, or the buffer grows
	}
	*budget--
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return header + len(v.Value)
	case *types.AttributeValueMemberN:
		return header + len(v.Value)
	case *types.AttributeValueMemberB:
		return header + len(v.Value)
	case *types.AttributeValueMemberSS: // each member: a 4-byte length and its bytes
		return header + 4*len(v.Value) + totalLen(v.Value)
	case *types.AttributeValueMemberNS:
		return header + 4*len(v.Value) + totalLen(v.Value)
	case *types.AttributeValueMemberBS:
		return header + 4*len(v.Value) + totalLen(v.Value)
	case *types.AttributeValueMemberL:
		n := header
		for _, el := range v.Value {
			n += sizeHintAt(el, depth+1, budget)
		}
		return n
	case *types.AttributeValueMemberM:
		n := header
		for k, el := range v.Value {
			n += header + len(k) + sizeHintAt(el, depth+1, budget)
		}
		return n
	}
	return 3
}
