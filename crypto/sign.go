package crypto

// The string to sign and the item signature (docs/format.md 5).

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"sync"

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
	return stringToSign(nil, table, signed, javaOrder)
}

// stringToSign computes the string to sign into buf, ordering attribute
// names and the members of plaintext values with ord.
func stringToSign(buf []byte, table string, signed []signedAttribute, ord ordering) ([]byte, error) {
	// Sort indices rather than the attributes themselves: cheaper to move.
	order := make([]int32, len(signed))
	for i := range order {
		order[i] = int32(i)
	}
	compare := strings.Compare // the orders agree unless a name diverges
	if ord == javaOrder && slices.ContainsFunc(signed, func(s signedAttribute) bool { return stringDiverges(s.name) }) {
		compare = ord.compareStrings
	}
	slices.SortFunc(order, func(i, j int32) int { return compare(signed[i].name, signed[j].name) })

	out := slices.Grow(buf[:0], sha256.Size*(1+3*len(signed)))
	h := sha256.New() // for binary values, hashed without copying them
	h.Write([]byte("TABLE>"))
	h.Write([]byte(table))
	h.Write([]byte("<TABLE"))
	out = h.Sum(out)
	var scratch []byte
	for _, i := range order {
		s := &signed[i]
		name := sha256.Sum256([]byte(s.name))
		out = append(out, name[:]...)
		if s.encrypted {
			out = append(out, encryptedMarker[:]...)
		} else {
			out = append(out, plaintextMarker[:]...)
		}
		if b, ok := s.value.(*types.AttributeValueMemberB); ok {
			scratch = appendLen(appendTag(scratch[:0], tagB), len(b.Value))
			h.Reset()
			h.Write(scratch)
			h.Write(b.Value)
			out = h.Sum(out)
			continue
		}
		var err error
		if scratch, err = appendAttribute(scratch[:0], s.value, ord, 0); err != nil {
			return nil, &ddbcrypt.AttributeError{Attribute: s.name, Err: err}
		}
		value := sha256.Sum256(scratch)
		out = append(out, value[:]...)
	}
	return out, nil
}

// messagePool recycles the strings to sign (2 KB for a 20-attribute item):
// keys do not keep the message (cmp.SigningKey), and fewer bytes allocated
// per item means less garbage collection, which limited multi-core scaling.
var messagePool = sync.Pool{New: func() any { return new([]byte) }}

// sign signs the attributes with key.
func sign(key cmp.SigningKey, table string, signed []signedAttribute) ([]byte, error) {
	buf := messagePool.Get().(*[]byte)
	defer messagePool.Put(buf)
	msg, err := stringToSign(*buf, table, signed, javaOrder)
	*buf = msg[:0]
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
func verify(key cmp.VerificationKey, table string, signed []signedAttribute, sig []byte, ord ordering) error {
	buf := messagePool.Get().(*[]byte)
	defer messagePool.Put(buf)
	msg, err := stringToSign(*buf, table, signed, ord)
	*buf = msg[:0]
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
