package crypto

// Deserialization of an attribute value (FORMAT.md 2.6).

import (
	"encoding/binary"
	"fmt"

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
func deserializeOwned(b []byte) (types.AttributeValue, error) {
	d := deserializer{data: b, text: string(b), owned: true}
	return d.value()
}

// deserializer reads one value from data. Strings are substrings of text, a
// single copy of data, so that they cost no allocation each.
type deserializer struct {
	data  []byte
	text  string
	pos   int
	owned bool // binary values may alias data
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
			return nil, d.fail("BOOL byte must be 0 or 1, not %d", b)
		}
		d.pos++
		return &types.AttributeValueMemberBOOL{Value: b == 1}, nil
	case tagS:
		s, err := d.str()
		return &types.AttributeValueMemberS{Value: s}, err
	case tagN:
		s, err := d.str()
		return &types.AttributeValueMemberN{Value: s}, err
	case tagB:
		b, err := d.bytes()
		return &types.AttributeValueMemberB{Value: b}, err
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
		return &types.AttributeValueMemberM{Value: m}, nil
	}
	return nil, d.fail("unknown type tag 0x%02x", tag)
}
