package crypto

// Attribute value encryption (docs/format.md 4): AES-CBC with PKCS#7 padding and
// a fresh random IV per attribute; stored as IV ‖ ciphertext.

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"fmt"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
)

const blockSize = aes.BlockSize

// ivSetter is implemented by the standard library's CBC modes: one mode
// serves every attribute of an item, re-keyed with a new IV each time,
// instead of a fresh mode (and key schedule copy) per attribute.
type ivSetter interface{ SetIV([]byte) }

// attributeCipher encrypts and decrypts the attributes of one item. It is
// not safe for concurrent use; each item gets its own, a local variable
// rather than an allocation.
type attributeCipher struct {
	block    cipher.Block
	enc, dec cipher.BlockMode
	values   valueSlabs  // for the decrypted values
	cached   *keyedBlock // block is its schedule: release recycles the modes
	modes    *cbcModes   // the box they came in, if recycled
}

// keyedBlock is a key schedule with the key it was made from.
type keyedBlock struct {
	key   []byte
	block cipher.Block
	// modes recycles the CBC modes of block (*cbcModes) from item to item:
	// each is 512 bytes with its own copy of the schedule, a third of what a
	// small item allocated. The modes hold no more than the cache holds
	// already (the schedule, and the last ciphertext block as the IV), and
	// go with it: the pool is reachable only from this entry.
	modes sync.Pool
}

// cbcModes boxes the CBC modes of one item for keyedBlock.modes.
type cbcModes struct{ enc, dec cipher.BlockMode }

// useKey readies c for key, with the modes of an earlier item when its
// schedule is cached. Call release when the item is done.
func (c *attributeCipher) useKey(blocks *blockCache, key []byte) error {
	block, cached, err := blocks.block(key)
	if err != nil {
		return err
	}
	c.block, c.cached = block, cached
	if cached != nil {
		if m, _ := cached.modes.Get().(*cbcModes); m != nil {
			c.modes, c.enc, c.dec = m, m.enc, m.dec
		}
	}
	return nil
}

// release hands c's modes back for the next item of the same key.
func (c *attributeCipher) release() {
	if c.cached == nil {
		return
	}
	m := c.modes
	if m == nil {
		m = new(cbcModes)
	}
	m.enc, m.dec = c.enc, c.dec
	c.cached.modes.Put(m)
	c.cached, c.modes, c.enc, c.dec = nil, nil, nil, nil
}

// blockCache keeps the last key schedule, so that providers with a fixed key
// (Static, a warm Most Recent) do not expand it for every item. A key that
// misses right after a miss is not cached: a content key that changes with
// each item (Wrapped) would cost two allocations per item for a cache that
// never hits.
type blockCache struct {
	last   atomic.Pointer[keyedBlock]
	missed atomic.Bool // the last lookup missed
}

// block returns the key schedule of key, and the cache entry that holds it
// (nil when the schedule is not cached).
func (c *blockCache) block(key []byte) (cipher.Block, *keyedBlock, error) {
	kb := c.last.Load()
	if kb != nil && subtle.ConstantTimeCompare(kb.key, key) == 1 {
		if c.missed.Load() { // read first: hits on many cores share the line
			c.missed.Store(false)
		}
		return kb.block, kb, nil
	}
	switch len(key) {
	case 16, 24, 32:
	default:
		return nil, nil, fmt.Errorf("%w: the provider gave an AES key of %d bytes", ddbcrypt.ErrNoMaterials, len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ddbcrypt.ErrNoMaterials, err)
	}
	if !c.missed.Swap(true) || kb == nil {
		kb = &keyedBlock{key: append([]byte(nil), key...), block: block}
		c.last.Store(kb)
		return block, kb, nil
	}
	return block, nil, nil
}

func (c *attributeCipher) encrypter(iv []byte) cipher.BlockMode {
	return withIV(&c.enc, c.block, iv, cipher.NewCBCEncrypter)
}

func (c *attributeCipher) decrypter(iv []byte) cipher.BlockMode {
	return withIV(&c.dec, c.block, iv, cipher.NewCBCDecrypter)
}

// withIV returns *mode set to iv, making a new mode with newMode when there
// is none yet or it cannot be reset.
func withIV(mode *cipher.BlockMode, b cipher.Block, iv []byte, newMode func(cipher.Block, []byte) cipher.BlockMode) cipher.BlockMode {
	if s, ok := (*mode).(ivSetter); ok {
		s.SetIV(iv)
	} else {
		*mode = newMode(b, iv)
	}
	return *mode
}

// streamable returns the tag and bytes of a B or S value of at least
// minStreamed bytes, which encryptStreamed encrypts from its own bytes.
func streamable(av types.AttributeValue) (tag byte, v []byte, ok bool) {
	switch v := av.(type) {
	case *types.AttributeValueMemberB:
		if v == nil { // appendAttribute reports it
			return 0, nil, false
		}
		return tagB, v.Value, len(v.Value) >= minStreamed
	case *types.AttributeValueMemberS:
		if v == nil {
			return 0, nil, false
		}
		// Only read, by the cipher: the string's bytes are never written.
		return tagS, unsafe.Slice(unsafe.StringData(v.Value), len(v.Value)), len(v.Value) >= minStreamed
	}
	return 0, nil, false
}

// streamedSize is the size of IV ‖ ciphertext of a B or S value of n bytes.
func streamedSize(n int) int {
	const header = 6 // tag and length
	return blockSize + header + n + blockSize - (header+n)%blockSize
}

// appendPadded appends the serialization of av with its PKCS#7 padding.
func appendPadded(dst []byte, av types.AttributeValue) ([]byte, error) {
	start := len(dst)
	out, err := appendAttribute(dst, av, javaOrder, 0)
	if err != nil {
		return out, err
	}
	pad := blockSize - (len(out)-start)%blockSize
	for range pad {
		out = append(out, byte(pad))
	}
	return out, nil
}

// seal writes IV ‖ AES-CBC(padded) into out, 16 bytes longer than padded,
// with the 16 random bytes iv as the IV.
func (c *attributeCipher) seal(out, iv, padded []byte) {
	copy(out, iv[:blockSize])
	c.encrypter(out[:blockSize]).CryptBlocks(out[blockSize:], padded)
}

// plainBuf holds the padded serializations of the values of one item that
// EncryptItem encrypts, so that their ciphertext sizes are known exactly
// before the item's one ciphertext allocation, without a walk of the values
// to size them. It is recycled through plainPool and holds plaintext: put
// wipes it, and a growth wipes the array it leaves (the arrays append goes
// through inside one value cannot be reached; once the pooled buffer has
// grown to the items' size, there are none).
type plainBuf struct{ b []byte }

var plainPool = sync.Pool{New: func() any { return new(plainBuf) }}

// maxPooledPlain bounds the buffer kept for the next item: one item with
// a large nested value does not pin its size.
const maxPooledPlain = 64 << 10

func getPlainBuf() *plainBuf { return plainPool.Get().(*plainBuf) }

// put wipes p and returns it to plainPool.
func (p *plainBuf) put() {
	clear(p.b)
	if cap(p.b) > maxPooledPlain {
		return
	}
	p.b = p.b[:0]
	plainPool.Put(p)
}

// serializeEncrypted sets the plaintext of each encrypted attribute that is
// not streamable to its padded serialization in p, and returns the size of
// IV ‖ ciphertext of all encrypted attributes.
func (p *plainBuf) serializeEncrypted(signed []signedAttribute) (int, error) {
	size := 0
	for i := range signed {
		s := &signed[i]
		if !s.encrypted {
			continue
		}
		if _, v, ok := streamable(s.value); ok {
			size += streamedSize(len(v))
			continue
		}
		start := len(p.b)
		b, err := appendPadded(p.b, s.value)
		if cap(b) != cap(p.b) {
			clear(p.b[:cap(p.b)])
		}
		p.b = b // also on error: put wipes what was written
		if err != nil {
			return 0, &ddbcrypt.AttributeError{Attribute: s.name, Err: err}
		}
		s.plaintext = b[start:]
		size += blockSize + len(b) - start
	}
	// A growth moved the earlier plaintexts: point them into the last array.
	off := 0
	for i := range signed {
		if s := &signed[i]; s.plaintext != nil {
			n := len(s.plaintext)
			s.plaintext = p.b[off : off+n : off+n]
			off += n
		}
	}
	return size, nil
}

// minStreamed is the size from which a binary or string value is encrypted
// straight from its own bytes by encryptStreamed, rather than serialized
// into the output first: below it, the copy costs less than the extra calls.
const minStreamed = 4 << 10

// encryptStreamed writes IV ‖ AES-CBC(serialization) of a B or S value
// (tag) of bytes v, len(v) >= minStreamed, without copying v into the output
// first: a 300 KB blob would otherwise be copied once more than it is
// encrypted. The serialization is the 6-byte tag and length, v and the
// padding; CBC chains across CryptBlocks calls, so the first block (header
// and the start of v), the whole blocks of v read in place, and the last
// block (the rest of v and the padding) are encrypted one after the other
// into out, of streamedSize(len(v)) bytes.
func (c *attributeCipher) encryptStreamed(tag byte, v, out, iv []byte) {
	const header = 6
	pad := blockSize - (header+len(v))%blockSize
	copy(out, iv[:blockSize])
	mode := c.encrypter(out[:blockSize])

	first := out[blockSize : 2*blockSize]
	appendLen(appendTag(first[:0], tag), len(v))
	copy(first[header:], v)
	mode.CryptBlocks(first, first)

	rest := v[blockSize-header:]
	whole := len(rest) - len(rest)%blockSize
	mode.CryptBlocks(out[2*blockSize:2*blockSize+whole], rest[:whole])

	last := out[2*blockSize+whole:] // one block: the tail of v and pad bytes
	k := copy(last, rest[whole:])
	for i := k; i < len(last); i++ {
		last[i] = byte(pad)
	}
	mode.CryptBlocks(last, last)
}

// open decrypts IV ‖ ciphertext ct into buf (len(ct)−16 bytes) and returns
// the plaintext without its padding. Every failure is ddbcrypt.ErrIntegrity
// whatever its cause (callers have verified the signature already, so this
// is no padding oracle, but the error says no more than it must, and
// nothing of the plaintext).
func (c *attributeCipher) open(ct, buf []byte) ([]byte, error) {
	if len(ct) < 2*blockSize || len(ct)%blockSize != 0 || len(buf) != len(ct)-blockSize {
		return nil, ddbcrypt.ErrIntegrity
	}
	c.decrypter(ct[:blockSize]).CryptBlocks(buf, ct[blockSize:])
	n, ok := unpad(buf)
	if !ok {
		return nil, ddbcrypt.ErrIntegrity
	}
	return buf[:n], nil
}

// value deserializes a plaintext that open returned, which the result may
// share, taking scalar values from the item's slabs. A malformed plaintext
// is ddbcrypt.ErrIntegrity, as in open.
func (c *attributeCipher) value(pt []byte) (types.AttributeValue, error) {
	av, err := deserializeOwned(pt, &c.values)
	if err != nil {
		return nil, ddbcrypt.ErrIntegrity
	}
	return av, nil
}

// unpad checks PKCS#7 padding in constant time and returns the length of the
// data before it.
func unpad(b []byte) (int, bool) {
	pad := int(b[len(b)-1])
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, blockSize)
	for i := 1; i <= blockSize; i++ {
		inPad := subtle.ConstantTimeLessOrEq(i, pad)
		match := subtle.ConstantTimeByteEq(b[len(b)-i], byte(pad))
		good &= match | (inPad ^ 1)
	}
	return len(b) - pad, good == 1
}
