package crypto

// Deserialization of an attribute value (docs/format.md 2.6).

import (
	"encoding/binary"
	"fmt"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
)

// DeserializeAttribute parses the canonical serialization of one attribute
// value. Set members are returned in stored order and numbers as stored.
// Malformed input, including trailing bytes, is an error wrapping
// ddbcrypt.ErrSerialization.
func DeserializeAttribute(b []byte) (types.AttributeValue, error) {
	d := deserializer{data: b, text: string(b)}
	return d.value()
}

// deserializeOwned is DeserializeAttribute for a buffer the caller gives
// away (a fresh decryption): binary values share its memory instead of
// being copied.
//
// Its strings share the buffer too, through unsafe.String: the buffer is
// never written again, and the binary values handed out are capped to their
// own bytes, so no caller can write under a string. Decrypting a 300 KB item
// would otherwise copy every plaintext once more.
//
// The scalar values come from values, which the attributes of one item share.
func deserializeOwned(b []byte, values *valueSlabs) (types.AttributeValue, error) {
	if len(b) == 0 {
		return DeserializeAttribute(b)
	}
	// The slabs are copied in and out rather than pointed to: the values
	// leak from d, and a pointer would drag the caller's variable to the heap.
	d := deserializer{data: b, text: unsafe.String(&b[0], len(b)), owned: true, slabbed: true, slabs: *values}
	av, err := d.value()
	*values = d.slabs
	return av, err
}

// valueSlabs hands out the scalar attribute values of one decrypted item
// from a few shared arrays rather than one allocation each: an item of a
// hundred strings and numbers takes a handful of allocations. The zero value
// is ready to use.
type valueSlabs struct {
	s []types.AttributeValueMemberS
	n []types.AttributeValueMemberN
	b []types.AttributeValueMemberB
	m []types.AttributeValueMemberM // nested documents: a map each
}

// valueCounts counts the values of each kind the slabs hand out.
type valueCounts struct{ s, n, b, m int }

// reserve sizes the slabs for n values: one allocation per kind, of the
// right size, where take would allocate by sixteens.
func (v *valueSlabs) reserve(n valueCounts) {
	v.s = make([]types.AttributeValueMemberS, n.s)
	v.n = make([]types.AttributeValueMemberN, n.n)
	v.b = make([]types.AttributeValueMemberB, n.b)
	v.m = make([]types.AttributeValueMemberM, n.m)
}

// countValues adds the values of serialization b to n. It reads lengths
// and tags only: it stops at the first malformed byte (the deserializer
// reports it), and a short count only means take allocates the rest.
func countValues(b []byte, n *valueCounts) {
	c := valueCounter{data: b, n: n}
	c.value(0)
}

type valueCounter struct {
	data []byte
	pos  int
	n    *valueCounts
}

func (c *valueCounter) skip(k int) bool {
	if k < 0 || k > len(c.data)-c.pos {
		return false
	}
	c.pos += k
	return true
}

// u32 reads a length or count; each is at most the input's size.
func (c *valueCounter) u32() (int, bool) {
	if len(c.data)-c.pos < 4 {
		return 0, false
	}
	v := binary.BigEndian.Uint32(c.data[c.pos:])
	c.pos += 4
	return int(v), v <= uint32(len(c.data))
}

// value counts one value; every loop consumes input or stops.
func (c *valueCounter) value(depth int) bool {
	if depth > maxDepth || !c.skip(2) {
		return false
	}
	tag := c.data[c.pos-1]
	switch tag {
	case tagNULL:
		return true
	case tagBOOL:
		return c.skip(1)
	case tagS, tagN, tagB:
		k, ok := c.u32()
		if !ok || !c.skip(k) {
			return false
		}
		switch tag {
		case tagS:
			c.n.s++
		case tagN:
			c.n.n++
		default:
			c.n.b++
		}
		return true
	case tagSS, tagNS, tagBS:
		k, ok := c.u32()
		for i := 0; ok && i < k; i++ {
			var l int
			l, ok = c.u32()
			ok = ok && c.skip(l)
		}
		return ok
	case tagL, tagM:
		k, ok := c.u32()
		if tag == tagM {
			c.n.m++
		}
		for i := 0; ok && i < k; i++ {
			if tag == tagM { // the key: a tagged string, not a slab value
				var l int
				ok = c.skip(2)
				if ok {
					l, ok = c.u32()
				}
				ok = ok && c.skip(l)
			}
			ok = ok && c.value(depth+1)
		}
		return ok
	}
	return false
}

// take returns the next element of *slab, refilling it when empty.
func take[T any](slab *[]T) *T {
	if len(*slab) == 0 {
		*slab = make([]T, 16)
	}
	v := &(*slab)[0]
	*slab = (*slab)[1:]
	return v
}

// deserializer reads one value from data. Strings are substrings of text, a
// single copy of data, so that they cost no allocation each.
type deserializer struct {
	data    []byte
	text    string
	pos     int
	owned   bool       // binary values may alias data
	slabbed bool       // scalar values and maps come from slabs
	slabs   valueSlabs // (otherwise: an allocation each)
}

func (d *deserializer) value() (types.AttributeValue, error) {
	av, err := d.read(0)
	if err != nil {
		return nil, err
	}
	if d.pos != len(d.data) {
		return nil, d.fail("%d trailing bytes", len(d.data)-d.pos)
	}
	return av, nil
}

func (d *deserializer) fail(format string, args ...any) error {
	return fmt.Errorf("%w at byte %d: %s", ddbcrypt.ErrSerialization, d.pos, fmt.Sprintf(format, args...))
}

func (d *deserializer) need(n int) error {
	if n < 0 || n > len(d.data)-d.pos {
		return d.fail("length %d exceeds the %d bytes left", n, len(d.data)-d.pos)
	}
	return nil
}

func (d *deserializer) u32() (int, error) {
	if err := d.need(4); err != nil {
		return 0, err
	}
	v := binary.BigEndian.Uint32(d.data[d.pos:])
	d.pos += 4
	if v > uint32(len(d.data)) {
		return 0, d.fail("length %d exceeds the input", v)
	}
	return int(v), nil
}

// count reads a member count and checks that the input can hold that many
// members of at least minSize bytes each, before anything is allocated.
func (d *deserializer) count(minSize int) (int, error) {
	n, err := d.u32()
	if err != nil {
		return 0, err
	}
	if n > (len(d.data)-d.pos)/minSize {
		return 0, d.fail("count %d exceeds what the %d bytes left can hold", n, len(d.data)-d.pos)
	}
	return n, nil
}

// str reads a length-prefixed string.
func (d *deserializer) str() (string, error) {
	n, err := d.u32()
	if err != nil {
		return "", err
	}
	if err := d.need(n); err != nil {
		return "", err
	}
	s := d.text[d.pos : d.pos+n]
	d.pos += n
	return s, nil
}

// bytes reads length-prefixed bytes.
func (d *deserializer) bytes() ([]byte, error) {
	n, err := d.u32()
	if err != nil {
		return nil, err
	}
	if err := d.need(n); err != nil {
		return nil, err
	}
	b := d.data[d.pos : d.pos+n : d.pos+n]
	d.pos += n
	if !d.owned {
		b = append([]byte(nil), b...)
	}
	return b, nil
}

func (d *deserializer) tag() (byte, error) {
	if err := d.need(2); err != nil {
		return 0, err
	}
	if d.data[d.pos] != 0 {
		return 0, d.fail("type tag must start with a zero byte")
	}
	t := d.data[d.pos+1]
	d.pos += 2
	return t, nil
}

func (d *deserializer) read(depth int) (types.AttributeValue, error) {
	tag, err := d.tag()
	if err != nil {
		return nil, err
	}
	switch tag {
	case tagNULL:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case tagBOOL:
		if err := d.need(1); err != nil {
			return nil, err
		}
		b := d.data[d.pos]
		if b > 1 {
			return nil, d.fail("BOOL byte must be 0 or 1") // not b: it may be plaintext
		}
		d.pos++
		return &types.AttributeValueMemberBOOL{Value: b == 1}, nil
	case tagS:
		s, err := d.str()
		if err != nil || !d.slabbed {
			return &types.AttributeValueMemberS{Value: s}, err
		}
		v := take(&d.slabs.s)
		v.Value = s
		return v, nil
	case tagN:
		s, err := d.str()
		if err != nil || !d.slabbed {
			return &types.AttributeValueMemberN{Value: s}, err
		}
		v := take(&d.slabs.n)
		v.Value = s
		return v, nil
	case tagB:
		b, err := d.bytes()
		if err != nil || !d.slabbed {
			return &types.AttributeValueMemberB{Value: b}, err
		}
		v := take(&d.slabs.b)
		v.Value = b
		return v, nil
	case tagSS, tagNS:
		n, err := d.count(4)
		if err != nil {
			return nil, err
		}
		members := make([]string, n)
		for i := range members {
			if members[i], err = d.str(); err != nil {
				return nil, err
			}
		}
		if tag == tagSS {
			return &types.AttributeValueMemberSS{Value: members}, nil
		}
		return &types.AttributeValueMemberNS{Value: members}, nil
	case tagBS:
		n, err := d.count(4)
		if err != nil {
			return nil, err
		}
		members := make([][]byte, n)
		for i := range members {
			if members[i], err = d.bytes(); err != nil {
				return nil, err
			}
		}
		return &types.AttributeValueMemberBS{Value: members}, nil
	case tagL:
		if depth >= maxDepth {
			return nil, d.fail("lists and maps nested deeper than %d levels", maxDepth)
		}
		n, err := d.count(2)
		if err != nil {
			return nil, err
		}
		list := make([]types.AttributeValue, n)
		for i := range list {
			if list[i], err = d.read(depth + 1); err != nil {
				return nil, err
			}
		}
		return &types.AttributeValueMemberL{Value: list}, nil
	case tagM:
		if depth >= maxDepth {
			return nil, d.fail("lists and maps nested deeper than %d levels", maxDepth)
		}
		n, err := d.count(8) // a key (tag and length) and a value (tag)
		if err != nil {
			return nil, err
		}
		m := make(map[string]types.AttributeValue, n)
		for range n {
			t, err := d.tag()
			if err != nil {
				return nil, err
			}
			if t != tagS {
				return nil, d.fail("map key must be a string")
			}
			k, err := d.str()
			if err != nil {
				return nil, err
			}
			if m[k], err = d.read(depth + 1); err != nil { // duplicate keys: last wins
				return nil, err
			}
		}
		if !d.slabbed {
			return &types.AttributeValueMemberM{Value: m}, nil
		}
		v := take(&d.slabs.m)
		v.Value = m
		return v, nil
	}
	return nil, d.fail("unknown type tag") // not the tag: it may be plaintext
}
