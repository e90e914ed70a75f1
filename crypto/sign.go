package crypto

// The string to sign and the item signature (docs/format.md 5).

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"maps"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
)

// The action markers hashed after each attribute name (5.1):
// SHA256("ENCRYPTED") and SHA256("PLAINTEXT").
var (
	encryptedMarker = sha256.Sum256([]byte("ENCRYPTED"))
	plaintextMarker = sha256.Sum256([]byte("PLAINTEXT"))
)

// signedAttribute is one attribute that enters the signature, with its value
// as stored (the ciphertext for an encrypted attribute).
type signedAttribute struct {
	name      string
	value     types.AttributeValue
	encrypted bool
	plaintext []byte // the padded serialization EncryptItem encrypts, or DecryptItem's decrypted one
}

// StringToSign returns the bytes an item's signature covers (5.1), for the
// values of item as given and the actions' markers: useful to inspect items
// and to check other implementations. DoNothing attributes are skipped.
func StringToSign(table string, item map[string]types.AttributeValue, actions AttributeActions) ([]byte, error) {
	var c Context
	signed := make([]signedAttribute, 0, len(item))
	for name, av := range item {
		if act := actions.of(name, &c); act != DoNothing {
			signed = append(signed, signedAttribute{name: name, value: av, encrypted: act == EncryptAndSign})
		}
	}
	return stringToSign(newSignScratch(), nil, table, signed, javaOrder)
}

// signScratch is the working memory of one string to sign, recycled through
// signPool: the message (2 KB for a 20-attribute item), the serialization
// of a sign-only value and a SHA-256 state. Keys keep none of it
// (cmp.SigningKey), and fewer bytes allocated per item means less garbage
// collection, which limited multi-core scaling.
type signScratch struct {
	msg, value []byte
	h          hash.Hash
}

var signPool = sync.Pool{New: func() any { return newSignScratch() }}

func newSignScratch() *signScratch { return &signScratch{h: sha256.New()} }

// put returns s to signPool. The sign-only values it serialized are stored
// in the clear anyway, but are wiped all the same, like the hash state.
func (s *signScratch) put() {
	clear(s.value)
	s.h.Reset()
	signPool.Put(s)
}

// nameHashes caches SHA-256 of the attribute names an encryptor signs, and
// of its last table marker: every item hashes the same few names, at about
// 0.1 µs each (a SHA-256 block and its finalization), a map lookup a fifth
// of that. Names are not secret.
//
// The map is copied on write and read without a lock (nor the allocation
// a sync.Map key costs), so that concurrent items share it without
// contention. At most maxNameHashes names of at most maxHashedName bytes
// are kept, which bounds its size and the copying, whatever names items
// bring.
type nameHashes struct {
	names atomic.Pointer[map[string][sha256.Size]byte]
	mu    sync.Mutex // serializes writers
	table atomic.Pointer[tableHash]
}

type tableHash struct {
	table string
	sum   [sha256.Size]byte
}

const (
	maxNameHashes = 1024
	maxHashedName = 255 // DynamoDB's limit for key attribute names
)

// name returns SHA-256(name). c may be nil: no cache.
func (c *nameHashes) name(name string) [sha256.Size]byte {
	if c == nil {
		return sha256.Sum256([]byte(name))
	}
	cached := c.load()
	if sum, ok := cached[name]; ok {
		return sum
	}
	sum := sha256.Sum256([]byte(name))
	if len(name) <= maxHashedName && len(cached) < maxNameHashes {
		c.mu.Lock()
		if old := c.load(); len(old) < maxNameHashes {
			grown := make(map[string][sha256.Size]byte, len(old)+1)
			maps.Copy(grown, old)
			// A copy of the name: the item's may share a buffer its owner
			// reuses.
			grown[strings.Clone(name)] = sum
			c.names.Store(&grown)
		}
		c.mu.Unlock()
	}
	return sum
}

// load returns the cached names, nil before the first.
func (c *nameHashes) load() map[string][sha256.Size]byte {
	if m := c.names.Load(); m != nil {
		return *m
	}
	return nil
}

// appendTableMarker appends SHA-256("TABLE>" ‖ table ‖ "<TABLE"), the start
// of the string to sign, hashing with h. c may be nil: no cache.
func (c *nameHashes) appendTableMarker(out []byte, h hash.Hash, table string) []byte {
	if c != nil {
		if t := c.table.Load(); t != nil && t.table == table {
			return append(out, t.sum[:]...)
		}
	}
	h.Reset()
	h.Write([]byte("TABLE>"))
	h.Write([]byte(table))
	h.Write([]byte("<TABLE"))
	out = h.Sum(out)
	if c != nil {
		t := &tableHash{table: strings.Clone(table)}
		copy(t.sum[:], out[len(out)-sha256.Size:])
		c.table.Store(t)
	}
	return out
}

// stringToSign computes the string to sign into s.msg and returns it,
// ordering attribute names and the members of plaintext values with ord.
// Name hashes come from names (nil: computed each time).
func stringToSign(s *signScratch, names *nameHashes, table string, signed []signedAttribute, ord ordering) ([]byte, error) {
	// Sort indices rather than the attributes themselves: cheaper to move.
	var small [maxStackAttributes]int32
	order := small[:0]
	for i := range signed {
		order = append(order, int32(i))
	}
	compare := strings.Compare // the orders agree unless a name diverges
	if ord == javaOrder && slices.ContainsFunc(signed, func(s signedAttribute) bool { return stringDiverges(s.name) }) {
		compare = ord.compareStrings
	}
	slices.SortFunc(order, func(i, j int32) int { return compare(signed[i].name, signed[j].name) })

	h := s.h // for binary values, hashed without copying them
	out := slices.Grow(s.msg[:0], sha256.Size*(1+3*len(signed)))
	out = names.appendTableMarker(out, h, table)
	for _, i := range order {
		a := &signed[i]
		name := names.name(a.name)
		out = append(out, name[:]...)
		if a.encrypted {
			out = append(out, encryptedMarker[:]...)
		} else {
			out = append(out, plaintextMarker[:]...)
		}
		if b, ok := a.value.(*types.AttributeValueMemberB); ok && b != nil {
			s.value = appendLen(appendTag(s.value[:0], tagB), len(b.Value))
			h.Reset()
			h.Write(s.value)
			h.Write(b.Value)
			out = h.Sum(out)
			continue
		}
		var err error
		if s.value, err = appendAttribute(s.value[:0], a.value, ord, 0); err != nil {
			return nil, &ddbcrypt.AttributeError{Attribute: a.name, Err: err}
		}
		value := sha256.Sum256(s.value)
		out = append(out, value[:]...)
	}
	s.msg = out
	return out, nil
}

// sign signs the attributes with key.
func sign(key cmp.SigningKey, names *nameHashes, table string, signed []signedAttribute) ([]byte, error) {
	s := signPool.Get().(*signScratch)
	defer s.put()
	msg, err := stringToSign(s, names, table, signed, javaOrder)
	if err != nil {
		return nil, err
	}
	sig, err := key.Sign(msg)
	if err != nil {
		return nil, fmt.Errorf("signing the item with %s: %w", key.Algorithm(), err)
	}
	return sig, nil
}

// verify checks sig over the attributes in one ordering. Every mismatch is
// ddbcrypt.ErrIntegrity.
func verify(key cmp.VerificationKey, names *nameHashes, table string, signed []signedAttribute, sig []byte, ord ordering) error {
	s := signPool.Get().(*signScratch)
	defer s.put()
	msg, err := stringToSign(s, names, table, signed, ord)
	if err != nil {
		return err
	}
	if err := key.Verify(msg, sig); err != nil {
		return ddbcrypt.ErrIntegrity
	}
	return nil
}

// ordersDiffer reports whether the Java and Python orderings could give
// different strings to sign for these attributes: some name, or some member
// or map key of a plaintext value, holds a character or byte on which they
// disagree (2.4). Encrypted values are binary and order-free.
func ordersDiffer(signed []signedAttribute) bool {
	for _, s := range signed {
		if stringDiverges(s.name) || (!s.encrypted && valueDiverges(s.value, 0)) {
			return true
		}
	}
	return false
}

func valueDiverges(av types.AttributeValue, depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch v := av.(type) {
	case *types.AttributeValueMemberSS:
		return slices.ContainsFunc(v.Value, stringDiverges)
	case *types.AttributeValueMemberBS:
		return slices.ContainsFunc(v.Value, bytesDiverge)
	case *types.AttributeValueMemberL:
		return slices.ContainsFunc(v.Value, func(el types.AttributeValue) bool { return valueDiverges(el, depth+1) })
	case *types.AttributeValueMemberM:
		for k, el := range v.Value {
			if stringDiverges(k) || valueDiverges(el, depth+1) {
				return true
			}
		}
	}
	return false
}

// unknownAttributesError names the attributes a reader refuses.
func unknownAttributesError(names []string) error {
	slices.Sort(names)
	return fmt.Errorf("%w: the stored item has attributes the configuration does not name: %s", ddbcrypt.ErrUnknownAttribute, strings.Join(names, ", "))
}
