package beacon

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"fmt"
	"io"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/flight"
	"golang.org/x/sync/singleflight"
)

// RootKeyBytes is the size of a beacon root key: HKDF-SHA-256 gains
// nothing from a longer one, and a shorter one weakens every beacon key.
const RootKeyBytes = 32

// The KMS encryption context of a root key kept encrypted under KMS: it
// names the key's purpose, so that a ciphertext made for something else
// (an item's data key, say) does not decrypt as a beacon root key.
const (
	KMSContextKey     = "ddbcrypt-purpose"
	KMSContextPurpose = "beacon-root-key"
)

// KMSDecrypter is the part of the AWS KMS API that NewKMSKeys calls;
// *kms.Client satisfies it.
type KMSDecrypter interface {
	Decrypt(ctx context.Context, in *kms.DecryptInput, optFns ...func(*kms.Options)) (*kms.DecryptOutput, error)
}

// KMSGenerator is the part of the AWS KMS API that NewKMSRootKey calls;
// *kms.Client satisfies it.
type KMSGenerator interface {
	GenerateDataKeyWithoutPlaintext(ctx context.Context, in *kms.GenerateDataKeyWithoutPlaintextInput, optFns ...func(*kms.Options)) (*kms.GenerateDataKeyWithoutPlaintextOutput, error)
}

// Keys is a beacon root key and the beacon keys derived from it, one per
// table and attribute, each derived once. It is safe for concurrent use.
// Its fmt output never shows key material.
type Keys struct {
	load func(ctx context.Context) ([]byte, error) // the root key's source

	group   singleflight.Group
	mu      sync.Mutex
	root    []byte            // once loaded
	derived map[string][]byte // keyInfo → beacon key
}

// NewKeys returns beacon keys derived from root, a secret of RootKeyBytes
// random bytes kept apart from every item key (in a secrets manager, say).
// root is copied; the caller may clear its own copy.
func NewKeys(root []byte) (*Keys, error) {
	if len(root) != RootKeyBytes {
		return nil, fmt.Errorf("%w: a beacon root key has %d bytes, not %d", ddbcrypt.ErrInvalidConfig, RootKeyBytes, len(root))
	}
	k := &Keys{derived: map[string][]byte{}}
	k.root = append(make([]byte, 0, len(root)), root...)
	return k, nil
}

// NewKMSKeys returns beacon keys derived from a root key kept encrypted
// under the KMS key keyID: ciphertext is what NewKMSRootKey returned (or
// any KMS ciphertext of a 32-byte key made with the encryption context
// KMSContextKey: KMSContextPurpose). The first beacon asked for decrypts it
// (one KMS Decrypt call shared by concurrent callers, on the ctx of the
// call that needs it); the root key is then kept in memory. A failed call
// is a *cmp.KMSError, wrapping ddbcrypt.ErrKeyService, and is tried again
// by the next caller.
func NewKMSKeys(client KMSDecrypter, keyID string, ciphertext []byte) *Keys {
	blob := append([]byte(nil), ciphertext...)
	return &Keys{derived: map[string][]byte{}, load: func(ctx context.Context) ([]byte, error) {
		out, err := client.Decrypt(ctx, &kms.DecryptInput{
			CiphertextBlob:    blob,
			KeyId:             &keyID,
			EncryptionContext: map[string]string{KMSContextKey: KMSContextPurpose},
		})
		if err != nil {
			return nil, &cmp.KMSError{KeyID: keyID, Operation: "Decrypt", Err: err}
		}
		if len(out.Plaintext) != RootKeyBytes {
			n := len(out.Plaintext)
			clear(out.Plaintext)
			return nil, &cmp.KMSError{KeyID: keyID, Operation: "Decrypt", Err: fmt.Errorf("%w: the beacon root key has %d bytes, not %d", ddbcrypt.ErrInvalidConfig, n, RootKeyBytes)}
		}
		return out.Plaintext, nil
	}}
}

// NewKMSRootKey makes a new beacon root key under the KMS key keyID and
// returns it encrypted (KMS GenerateDataKeyWithoutPlaintext, with the
// purpose's encryption context), for NewKMSKeys: the plaintext key never
// leaves KMS here. Store the ciphertext with the application's
// configuration; losing it loses every beacon.
func NewKMSRootKey(ctx context.Context, client KMSGenerator, keyID string) ([]byte, error) {
	n := int32(RootKeyBytes)
	out, err := client.GenerateDataKeyWithoutPlaintext(ctx, &kms.GenerateDataKeyWithoutPlaintextInput{
		KeyId:             &keyID,
		NumberOfBytes:     &n,
		EncryptionContext: map[string]string{KMSContextKey: KMSContextPurpose},
	})
	if err != nil {
		return nil, &cmp.KMSError{KeyID: keyID, Operation: "GenerateDataKeyWithoutPlaintext", Err: err}
	}
	return out.CiphertextBlob, nil
}

// Beacon returns the beacon of the value av of attribute attr in table
// (the table name bound into the items' signatures), bits long, as a
// string attribute value.
func (k *Keys) Beacon(ctx context.Context, table, attr string, av types.AttributeValue, bits int) (*types.AttributeValueMemberS, error) {
	if err := CheckBits(bits); err != nil {
		return nil, &ddbcrypt.AttributeError{Attribute: attr, Err: err}
	}
	key, err := k.key(ctx, table, attr)
	if err != nil {
		return nil, err
	}
	s, err := compute(key, av, bits)
	if err != nil {
		return nil, &ddbcrypt.AttributeError{Attribute: attr, Err: fmt.Errorf("%w: the value has no beacon: %v", ddbcrypt.ErrInvalidItem, err)}
	}
	return &types.AttributeValueMemberS{Value: s}, nil
}

// key returns the beacon key of attr in table, deriving it on first use.
func (k *Keys) key(ctx context.Context, table, attr string) ([]byte, error) {
	info := keyInfo(table, attr)
	k.mu.Lock()
	key, root := k.derived[info], k.root
	k.mu.Unlock()
	if key != nil {
		return key, nil
	}
	if root == nil {
		var err error
		if root, err = k.loadRoot(ctx); err != nil {
			return nil, err
		}
	}
	key, err := derive(root, info)
	if err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if old := k.derived[info]; old != nil {
		clear(key)
		return old, nil
	}
	k.derived[info] = key
	return key, nil
}

// loadRoot decrypts the root key once among concurrent callers and keeps
// it.
func (k *Keys) loadRoot(ctx context.Context) ([]byte, error) {
	if k.load == nil {
		return nil, fmt.Errorf("%w: beacon keys without a root key; build them with NewKeys or NewKMSKeys", ddbcrypt.ErrInvalidConfig)
	}
	return flight.Do(ctx, &k.group, "root", func(ctx context.Context) ([]byte, error) {
		k.mu.Lock()
		root := k.root
		k.mu.Unlock()
		if root != nil {
			return root, nil
		}
		root, err := k.load(ctx)
		if err != nil {
			return nil, err
		}
		k.mu.Lock()
		defer k.mu.Unlock()
		if k.root == nil {
			k.root = root
		}
		return k.root, nil
	})
}

// derive is HKDF-SHA-256 of the root key with no salt and the given info.
func derive(root []byte, info string) ([]byte, error) {
	key, err := hkdf.Key(sha256.New, root, nil, info, sha256.Size)
	if err != nil {
		return nil, fmt.Errorf("%w: deriving a beacon key: %v", ddbcrypt.ErrInvalidConfig, err)
	}
	return key, nil
}

// String names the type only: the fields hold key material.
func (k *Keys) String() string { return "beacon.Keys{…}" }

// Format prints String for every verb, so that logging the keys cannot
// leak them.
func (k *Keys) Format(f fmt.State, _ rune) { io.WriteString(f, k.String()) }
