package metastore

// The plaintext view of a MetaStore row (docs/format.md 7.6.2) and the wrapped
// provider built from it (7.6.4).

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/metaid"
)

// rowKeys are the keys of one version. Never printed.
type rowKeys struct {
	enc, int       []byte
	encAlg, intAlg string
	created        time.Time // zero if the row has none
}

// newRowKeys generates the keys of a new version: two random 32-byte keys,
// AES and HmacSHA256 (Java and Python generate the same).
func newRowKeys(now time.Time) (*rowKeys, error) {
	k := &rowKeys{
		enc:     make([]byte, generatedKeyLength),
		int:     make([]byte, generatedKeyLength),
		encAlg:  encryptionAlgorithm,
		intAlg:  integrityAlgorithm,
		created: now.UTC(),
	}
	if _, err := rand.Read(k.enc); err != nil {
		return nil, fmt.Errorf("%w: generating keys: %v", ddbcrypt.ErrNoMaterials, err)
	}
	if _, err := rand.Read(k.int); err != nil {
		return nil, fmt.Errorf("%w: generating keys: %v", ddbcrypt.ErrNoMaterials, err)
	}
	return k, nil
}

// item is the plaintext row of name and version. It shares the key bytes.
func (k *rowKeys) item(name string, version int64) map[string]types.AttributeValue {
	item := rowKey(name, version)
	item[AttrType] = &types.AttributeValueMemberS{Value: MaterialTypeWrapped}
	item[AttrEncryptionKey] = &types.AttributeValueMemberB{Value: k.enc}
	item[AttrEncryptionAlg] = &types.AttributeValueMemberS{Value: k.encAlg}
	item[AttrIntegrityKey] = &types.AttributeValueMemberB{Value: k.int}
	item[AttrIntegrityAlg] = &types.AttributeValueMemberS{Value: k.intAlg}
	item[AttrCreated] = &types.AttributeValueMemberS{Value: k.created.Format(time.RFC3339Nano)}
	return item
}

// parseRow reads the keys from a verified, decrypted row and checks that it
// is the row of name and version, of material type "0".
func parseRow(plain map[string]types.AttributeValue, name string, version int64) (*rowKeys, error) {
	gotName, gotVersion, err := storedKey(plain)
	if err != nil {
		return nil, err
	}
	if gotName != name || gotVersion != version {
		return nil, fmt.Errorf("%w: the row read is %s", ddbcrypt.ErrIntegrity, metaid.Format(gotName, gotVersion))
	}
	t, err := stringField(plain, AttrType)
	if err != nil {
		return nil, err
	}
	if t != MaterialTypeWrapped {
		return nil, fmt.Errorf("%w: material type %q is not supported (only %q)", ddbcrypt.ErrNoMaterials, t, MaterialTypeWrapped)
	}
	k := &rowKeys{}
	if k.enc, err = binaryField(plain, AttrEncryptionKey); err != nil {
		return nil, err
	}
	if k.int, err = binaryField(plain, AttrIntegrityKey); err != nil {
		return nil, err
	}
	if k.encAlg, err = stringField(plain, AttrEncryptionAlg); err != nil {
		return nil, err
	}
	if k.encAlg != encryptionAlgorithm {
		return nil, fmt.Errorf("%w: %s %q is not %q", ddbcrypt.ErrNoMaterials, AttrEncryptionAlg, k.encAlg, encryptionAlgorithm)
	}
	if k.intAlg, err = stringField(plain, AttrIntegrityAlg); err != nil {
		return nil, err
	}
	if c, ok := plain[AttrCreated].(*types.AttributeValueMemberS); ok {
		// Informational only: an unreadable time is left zero.
		k.created, _ = time.Parse(time.RFC3339Nano, c.Value)
	}
	return k, nil
}

func stringField(item map[string]types.AttributeValue, name string) (string, error) {
	s, ok := item[name].(*types.AttributeValueMemberS)
	if !ok {
		return "", fieldError(item, name, "a string")
	}
	return s.Value, nil
}

func binaryField(item map[string]types.AttributeValue, name string) ([]byte, error) {
	b, ok := item[name].(*types.AttributeValueMemberB)
	if !ok || len(b.Value) == 0 {
		return nil, fieldError(item, name, "non-empty binary")
	}
	return b.Value, nil
}

func fieldError(item map[string]types.AttributeValue, name, want string) error {
	why := "missing"
	if _, ok := item[name]; ok {
		why = "not " + want
	}
	return &ddbcrypt.AttributeError{Attribute: name, Err: fmt.Errorf("%w: MetaStore field %s", ddbcrypt.ErrInvalidItem, why)}
}

// provider builds the version's wrapped provider: enc wraps and unwraps,
// int signs, and items record "amzn-ddb-meta-id" = "<name>#<version>".
func (k *rowKeys) provider(op, name string, version int64) (cmp.Provider, error) {
	fail := func(err error) (cmp.Provider, error) {
		return nil, &cmp.MaterialError{Op: op, Name: name, Version: version, Err: err}
	}
	wk, err := cmp.NewAESWrappingKey(k.enc)
	if err != nil {
		return fail(err)
	}
	mac, err := cmp.NewHMACKey(k.intAlg, k.int)
	if err != nil {
		return fail(err)
	}
	p, err := cmp.NewWrapped(cmp.WrappedConfig{
		WrappingKey:   wk,
		UnwrappingKey: wk,
		SigningKey:    mac,
		Description:   map[string]string{cmp.DescMetaID: metaid.Format(name, version)},
	})
	if err != nil {
		return fail(err)
	}
	return p, nil
}

// equal compares two versions' keys in constant time.
func (k *rowKeys) equal(o *rowKeys) bool {
	return subtle.ConstantTimeCompare(k.enc, o.enc)&subtle.ConstantTimeCompare(k.int, o.int) == 1 &&
		k.encAlg == o.encAlg && k.intAlg == o.intAlg
}

// wipe zeroes the key bytes once the provider holds its own copies.
func (k *rowKeys) wipe() {
	clear(k.enc)
	clear(k.int)
}

// String hides the keys.
func (k *rowKeys) String() string {
	return "metastore.rowKeys(" + k.encAlg + ", " + k.intAlg + ", created " + strconv.Quote(k.created.String()) + ")"
}

// Format prints String for every verb.
func (k *rowKeys) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }
