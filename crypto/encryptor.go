package crypto

// The item procedures (docs/format.md 1.1 and 1.2).

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
)

// The reserved attributes that an encrypted item carries (docs/format.md 1).
const (
	DescriptionAttribute = ddbcrypt.DescriptionAttribute
	SignatureAttribute   = ddbcrypt.SignatureAttribute
)

// Context is the DynamoDB side of an item's encryption context.
type Context struct {
	// TableName is the table the item is written to or read from. Required:
	// it is bound into the signature.
	TableName string
	// PartitionKeyName and SortKeyName name the table's primary key; the sort
	// key name is empty for a table without one. Key attributes are never
	// encrypted.
	PartitionKeyName string
	SortKeyName      string
	// MaterialDescription is handed to the provider when encrypting (most
	// providers copy it into the item). Optional.
	MaterialDescription map[string]string
}

// maxStackAttributes is how many signed attributes an item may have for
// their list to live on the stack (40 bytes each).
const maxStackAttributes = 32

// Encryptor encrypts and signs items, and verifies and decrypts them, with
// keys from one provider. An Encryptor is safe for concurrent use by many
// goroutines if its provider is.
type Encryptor struct {
	provider cmp.Provider
	opts     options
	blocks   blockCache
	hashes   nameHashes
}

// NewEncryptor returns an item encryptor that takes its keys from p.
func NewEncryptor(p cmp.Provider, opts ...Option) *Encryptor {
	e := &Encryptor{provider: p}
	for _, o := range opts {
		o(&e.opts)
	}
	e.opts.tableNames = maps.Clone(e.opts.tableNames)
	return e
}

// tableName returns the table name bound into signatures for physical.
func (e *Encryptor) tableName(physical string) string {
	if logical, ok := e.opts.tableNames[physical]; ok {
		return logical
	}
	return physical
}

// checkContext rejects a context and actions that cannot work, before any
// key is asked for.
func (e *Encryptor) checkContext(c *Context, actions AttributeActions) error {
	if e.provider == nil {
		return fmt.Errorf("%w: the encryptor has no provider", ddbcrypt.ErrInvalidConfig)
	}
	if c.TableName == "" {
		return fmt.Errorf("%w: the encryption context needs a table name", ddbcrypt.ErrInvalidConfig)
	}
	return actions.validate(c)
}

// EncryptItem returns a copy of item with its attributes encrypted and signed
// as actions say, plus the material description and signature attributes.
// The input item is not modified. An item whose actions are all DoNothing is
// returned unchanged.
func (e *Encryptor) EncryptItem(ctx context.Context, item map[string]types.AttributeValue, actions AttributeActions, c Context) (map[string]types.AttributeValue, error) {
	if err := e.checkContext(&c, actions); err != nil {
		return nil, err
	}
	if actions.allDoNothing() {
		for name, av := range item {
			if err := CheckValue(av); err != nil {
				return nil, &ddbcrypt.AttributeError{Attribute: name, Err: err}
			}
		}
		return item, nil
	}
	for _, reserved := range [...]string{DescriptionAttribute, SignatureAttribute} {
		if _, ok := item[reserved]; ok {
			return nil, &ddbcrypt.AttributeError{Attribute: reserved, Err: fmt.Errorf("%w: reserved attribute name in a plaintext item", ddbcrypt.ErrInvalidItem)}
		}
	}
	ec := &cmp.EncryptionContext{
		TableName:           e.tableName(c.TableName),
		PartitionKeyName:    c.PartitionKeyName,
		SortKeyName:         c.SortKeyName,
		Attributes:          item,
		MaterialDescription: c.MaterialDescription,
	}
	mat, err := e.provider.EncryptionMaterials(ctx, ec)
	if err != nil {
		return nil, err
	}
	if mat == nil || mat.SigningKey == nil {
		return nil, fmt.Errorf("%w: the provider returned no signing key", ddbcrypt.ErrNoMaterials)
	}
	// The encryptor's own description entries, written over the provider's
	// without copying its map.
	var ownArr [2]descEntry
	own := ownArr[:0]

	var enc attributeCipher // no block: the provider gave no encryption key
	if mat.EncryptionKey != nil {
		if err := enc.useKey(&e.blocks, mat.EncryptionKey); err != nil {
			return nil, err
		}
		defer enc.release()
		own = append(own, descEntry{DescSymmetricMode, SymmetricModeCBC})
	}

	// Sort the attributes by action, then serialize the encrypted ones, so
	// that their ciphertexts and values take one allocation per item rather
	// than one per attribute.
	out := make(map[string]types.AttributeValue, len(item)+2)
	var small [maxStackAttributes]signedAttribute // most items: no allocation
	signed := small[:0]
	nEncrypted := 0
	for name, av := range item {
		switch act := actions.of(name, &c); act {
		case DoNothing:
			// Sent as it is: nothing else looks at it before the SDK does.
			if err := CheckValue(av); err != nil {
				return nil, &ddbcrypt.AttributeError{Attribute: name, Err: err}
			}
			out[name] = av
		case SignOnly:
			out[name] = av
			signed = append(signed, signedAttribute{name: name, value: av})
		case EncryptAndSign:
			if enc.block == nil {
				return nil, &ddbcrypt.AttributeError{Attribute: name, Err: fmt.Errorf("%w: the attribute is to be encrypted but the provider gave no encryption key", ddbcrypt.ErrNoMaterials)}
			}
			nEncrypted++
			signed = append(signed, signedAttribute{name: name, value: av, encrypted: true})
		}
	}
	plain := getPlainBuf()
	defer plain.put()
	ctSize, err := plain.serializeEncrypted(signed)
	if err != nil {
		return nil, err
	}
	// The IVs of all attributes come from one read of the random source: a
	// read per attribute cost more than encrypting a small attribute.
	var ivArr [maxStackAttributes * blockSize]byte
	var ivs []byte
	if n := nEncrypted * blockSize; n <= len(ivArr) {
		ivs = ivArr[:n]
	} else {
		ivs = make([]byte, n)
	}
	if _, err := rand.Read(ivs); err != nil {
		return nil, fmt.Errorf("generating the IVs: %w", err)
	}
	// The ciphertexts and the material description share one allocation,
	// and so do their B values and the signature's: two per item, not one
	// per attribute. The full slice expressions keep the description out of
	// the ciphertexts' reach.
	own = signingAlgorithmEntry(own, mat.SigningKey)
	descSize := descriptionSize(mat.MaterialDescription, own)
	slab := make([]byte, ctSize+descSize)
	ctBuf := slab[:ctSize:ctSize]
	desc := appendDescription(slab[ctSize:ctSize:ctSize+descSize], mat.MaterialDescription, own)
	values := make([]types.AttributeValueMemberB, nEncrypted+2)
	for i := range signed {
		s := &signed[i]
		if !s.encrypted {
			continue
		}
		iv := ivs[:blockSize]
		ivs = ivs[blockSize:]
		var n int
		if tag, v, ok := streamable(s.value); ok {
			n = streamedSize(len(v))
			enc.encryptStreamed(tag, v, ctBuf[:n:n], iv)
		} else {
			n = blockSize + len(s.plaintext)
			enc.seal(ctBuf[:n:n], iv, s.plaintext)
			s.plaintext = nil
		}
		values[0].Value, ctBuf = ctBuf[:n:n], ctBuf[n:]
		s.value, values = &values[0], values[1:]
		out[s.name] = s.value
	}
	sig, err := sign(mat.SigningKey, &e.hashes, ec.TableName, signed)
	if err != nil {
		return nil, err
	}
	values[0].Value, values[1].Value = sig, desc
	out[SignatureAttribute], out[DescriptionAttribute] = &values[0], &values[1]
	return out, nil
}

// DecryptItem verifies the signature of a stored item and returns a copy of
// it with its encrypted attributes decrypted and the reserved attributes
// removed. Nothing is decrypted unless the signature verifies; every
// integrity failure returns an error that wraps ddbcrypt.ErrIntegrity and
// says nothing more. Once the signature verifies, an encrypted attribute
// that does not decrypt to a valid value (not binary, bad length or
// padding, malformed plaintext: wrong keys, typically) returns
// ddbcrypt.ErrIntegrity itself, like a bad signature, naming neither the
// attribute nor anything of its plaintext. An item whose actions are all
// DoNothing is returned unchanged.
func (e *Encryptor) DecryptItem(ctx context.Context, item map[string]types.AttributeValue, actions AttributeActions, c Context) (map[string]types.AttributeValue, error) {
	if err := e.checkContext(&c, actions); err != nil {
		return nil, err
	}
	if actions.allDoNothing() {
		return item, nil
	}
	sigAV, ok := item[SignatureAttribute]
	if !ok {
		return nil, fmt.Errorf("%w: the item has no signature attribute %s", ddbcrypt.ErrIntegrity, SignatureAttribute)
	}
	sigB, ok := sigAV.(*types.AttributeValueMemberB)
	if !ok || sigB == nil {
		return nil, &ddbcrypt.AttributeError{Attribute: SignatureAttribute, Err: fmt.Errorf("%w: the signature is not a binary value", ddbcrypt.ErrInvalidItem)}
	}
	var desc map[string]string // absent: an empty description
	if descAV, ok := item[DescriptionAttribute]; ok {
		descB, ok := descAV.(*types.AttributeValueMemberB)
		if !ok || descB == nil {
			return nil, &ddbcrypt.AttributeError{Attribute: DescriptionAttribute, Err: fmt.Errorf("%w: the material description is not a binary value", ddbcrypt.ErrInvalidItem)}
		}
		var err error
		if desc, err = DecodeMaterialDescription(descB.Value); err != nil {
			return nil, err
		}
	}
	if err := checkDescription(desc); err != nil {
		return nil, err
	}

	// Sort the attributes by action before asking for keys, so that a
	// configuration error is reported without a provider call. The output
	// gets every attribute that is not encrypted now, in the same pass; the
	// encrypted ones are added once the signature holds.
	var small [maxStackAttributes]signedAttribute // most items: no allocation
	signed := small[:0]
	var unknown []string
	out := make(map[string]types.AttributeValue, len(item))
	for name, av := range item {
		if name == SignatureAttribute || name == DescriptionAttribute {
			continue
		}
		if _, named := actions.Overrides[name]; !named && e.opts.unknown != UnknownUseDefault && name != c.PartitionKeyName && name != c.SortKeyName {
			unknown = append(unknown, name)
			out[name] = av
			continue
		}
		act := actions.of(name, &c)
		if act != DoNothing {
			signed = append(signed, signedAttribute{name: name, value: av, encrypted: act == EncryptAndSign})
		}
		if act != EncryptAndSign {
			out[name] = av
		}
	}
	if len(unknown) > 0 && e.opts.unknown == UnknownReject {
		return nil, unknownAttributesError(unknown)
	}

	ec := &cmp.EncryptionContext{
		TableName:           e.tableName(c.TableName),
		PartitionKeyName:    c.PartitionKeyName,
		SortKeyName:         c.SortKeyName,
		Attributes:          item,
		MaterialDescription: desc,
	}
	mat, err := e.provider.DecryptionMaterials(ctx, ec)
	if err != nil {
		return nil, err
	}
	if mat == nil || mat.VerificationKey == nil {
		return nil, fmt.Errorf("%w: the provider returned no verification key", ddbcrypt.ErrNoMaterials)
	}
	if err := checkSigningAlgorithm(desc, mat.VerificationKey); err != nil {
		return nil, err
	}
	if err := e.verify(mat.VerificationKey, ec.TableName, signed, sigB.Value); err != nil {
		return nil, err
	}

	// The signature holds: only now is anything decrypted.
	// From here on, a failure of an encrypted attribute is the bare
	// ddbcrypt.ErrIntegrity, as for a bad signature: what the item holds is
	// signed, so only wrong keys (a substituted content key, say) or a
	// faulty writer get here, and the message must not tell which attribute
	// failed how, nor show any of its plaintext.
	//
	// All plaintexts of the item share one buffer.
	ptSize := 0
	for _, s := range signed {
		if !s.encrypted {
			continue
		}
		ct, ok := s.value.(*types.AttributeValueMemberB)
		if !ok || len(ct.Value) < 2*blockSize || len(ct.Value)%blockSize != 0 {
			return nil, ddbcrypt.ErrIntegrity
		}
		ptSize += len(ct.Value) - blockSize
	}
	if ptSize == 0 {
		return out, nil
	}
	if mat.DecryptionKey == nil {
		return nil, fmt.Errorf("%w: the item has encrypted attributes but the provider gave no decryption key", ddbcrypt.ErrNoMaterials)
	}
	if _, ok := desc[DescSymmetricMode]; !ok {
		return nil, &ddbcrypt.DescriptionError{Field: DescSymmetricMode, Err: fmt.Errorf("%w: required to decrypt the encrypted attributes", ddbcrypt.ErrMaterialDescription)}
	}
	var dec attributeCipher
	if err := dec.useKey(&e.blocks, mat.DecryptionKey); err != nil {
		return nil, err
	}
	defer dec.release()
	// Decrypt every attribute, then count the values of all plaintexts, so
	// that the scalar values of the item take one allocation per kind.
	ptBuf := make([]byte, ptSize)
	var counts valueCounts
	for i := range signed {
		s := &signed[i]
		if !s.encrypted {
			continue
		}
		ct := s.value.(*types.AttributeValueMemberB).Value
		buf := ptBuf[: len(ct)-blockSize : len(ct)-blockSize]
		ptBuf = ptBuf[len(buf):]
		if s.plaintext, err = dec.open(ct, buf); err != nil {
			return nil, err
		}
		countValues(s.plaintext, &counts)
	}
	dec.values.reserve(counts)
	for _, s := range signed {
		if !s.encrypted {
			continue
		}
		pt, err := dec.value(s.plaintext)
		if err != nil {
			return nil, err
		}
		out[s.name] = pt
	}
	return out, nil
}

// verify checks sig over the signed attributes in the Java ordering and, as
// the documented reader tolerance, in the Python ordering (docs/format.md 13 Q1).
// Only a signature mismatch is tried again: a value that cannot be
// serialized (too deep, cyclic) fails the same in either ordering.
func (e *Encryptor) verify(key cmp.VerificationKey, table string, signed []signedAttribute, sig []byte) error {
	err := verify(key, &e.hashes, table, signed, sig, javaOrder)
	if !errors.Is(err, ddbcrypt.ErrIntegrity) || e.opts.strictOrdering || !ordersDiffer(signed) {
		return err
	}
	return verify(key, &e.hashes, table, signed, sig, pythonOrder)
}
