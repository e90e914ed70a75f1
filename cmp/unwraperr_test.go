package cmp_test

// Unwrap failures are sorted (UnwrappingKey): a blob that does not unwrap is
// ddbcrypt.ErrIntegrity and nothing more; a key that could not be used (an
// unreachable HSM, a cancelled ctx) is ddbcrypt.ErrKeyService, so that
// callers can tell a tampered item from an outage.

import (
	"context"
	stdcrypto "crypto"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
)

// errHSMDown is an operational failure of a key kept elsewhere.
var errHSMDown = errors.New("hsm: connection refused")

type ctxKey struct{}

// customUnwrapper is a custom AESWrap key (an HSM, say) that fails with err
// and records the ctx it was handed.
type customUnwrapper struct {
	err error
	ctx context.Context
}

func (*customUnwrapper) WrapAlgorithm() string { return cmp.WrapAlgorithmAES }
func (u *customUnwrapper) Unwrap(ctx context.Context, _ []byte) ([]byte, error) {
	u.ctx = ctx
	if u.err == nil {
		return nil, ctx.Err()
	}
	return nil, u.err
}

// failingDecrypter is an RSA key behind crypto.Decrypter whose Decrypt fails
// with err (nil: decrypts with the key), after calling before if set. It
// records the options of each call.
type failingDecrypter struct {
	priv   *rsa.PrivateKey
	err    error
	before func()
	opts   []stdcrypto.DecrypterOpts
}

func (d *failingDecrypter) Public() stdcrypto.PublicKey { return d.priv.Public() }
func (d *failingDecrypter) Decrypt(r io.Reader, msg []byte, opts stdcrypto.DecrypterOpts) ([]byte, error) {
	d.opts = append(d.opts, opts)
	if d.before != nil {
		d.before()
	}
	if d.err != nil {
		return nil, d.err
	}
	return d.priv.Decrypt(r, msg, opts)
}

// wantKeyService fails unless err wraps ErrKeyService and target, not
// ErrIntegrity, and holds none of the secrets.
func wantKeyService(t *testing.T, err, target error, secrets ...[]byte) {
	t.Helper()
	if !errors.Is(err, ddbcrypt.ErrKeyService) || errors.Is(err, ddbcrypt.ErrIntegrity) {
		t.Fatalf("error %v, want one wrapping ddbcrypt.ErrKeyService and not ErrIntegrity", err)
	}
	if !errors.Is(err, target) {
		t.Fatalf("error %v does not wrap %v", err, target)
	}
	if !strings.Contains(err.Error(), "unwrapping the content key") {
		t.Fatalf("error %q does not name the operation", err)
	}
	for _, s := range secrets {
		wantNoSecret(t, err.Error(), s)
		wantNoSecret(t, fmt.Sprintf("%#v", err), s)
	}
}

func TestCustomUnwrappingKeyErrors(t *testing.T) {
	d := itemDescription(t, newAESWrapped(t, nil))
	wrapped, _ := base64.StdEncoding.DecodeString(d["amzn-ddb-env-key"])
	provider := func(u *customUnwrapper) *cmp.Wrapped {
		p, err := cmp.NewWrapped(cmp.WrappedConfig{UnwrappingKey: u, VerificationKey: mustHMAC(t, "HmacSHA256", aes128)})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	decrypt := func(ctx context.Context, u *customUnwrapper) error {
		_, err := provider(u).DecryptionMaterials(ctx, &cmp.EncryptionContext{MaterialDescription: d})
		return err
	}

	// Cryptographic failures, as the interface documents them.
	for _, err := range []error{ddbcrypt.ErrIntegrity, fmt.Errorf("hsm: bad blob: %w", ddbcrypt.ErrIntegrity), fmt.Errorf("hsm: %w", rsa.ErrDecryption)} {
		wantIntegrity(t, decrypt(bg, &customUnwrapper{err: err}))
	}
	// Operational ones.
	wantKeyService(t, decrypt(bg, &customUnwrapper{err: errHSMDown}), errHSMDown, wrapped)
	wantKeyService(t, decrypt(bg, &customUnwrapper{err: fmt.Errorf("%w: hsm throttled", ddbcrypt.ErrKeyService)}), ddbcrypt.ErrKeyService, wrapped)

	// The caller's ctx reaches the key, and its cancellation is operational.
	ctx, cancel := context.WithCancel(context.WithValue(bg, ctxKey{}, "mine"))
	cancel()
	u := &customUnwrapper{}
	wantKeyService(t, decrypt(ctx, u), context.Canceled, wrapped)
	if u.ctx == nil || u.ctx.Value(ctxKey{}) != "mine" {
		t.Fatal("Unwrap did not get the caller's ctx")
	}
}

func TestRSADecrypterErrors(t *testing.T) {
	priv := testRSAKey()
	d := itemDescription(t, newRSAWrapped(t, false))
	wrapped, _ := base64.StdEncoding.DecodeString(d["amzn-ddb-env-key"])
	decrypt := func(ctx context.Context, dec *failingDecrypter, d map[string]string) error {
		p, err := cmp.NewAsymmetricStatic(dec, mustHMAC(t, "HmacSHA256", aes128), nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = p.DecryptionMaterials(ctx, &cmp.EncryptionContext{MaterialDescription: d})
		return err
	}
	secrets := [][]byte{wrapped, priv.D.Bytes()[:16]}

	// The HSM cannot be reached: operational, not a bad item.
	wantKeyService(t, decrypt(bg, &failingDecrypter{priv: priv, err: errHSMDown}, d), errHSMDown, secrets...)
	// It says the blob does not decrypt: cryptographic.
	wantIntegrity(t, decrypt(bg, &failingDecrypter{priv: priv, err: rsa.ErrDecryption}, d))
	wantIntegrity(t, decrypt(bg, &failingDecrypter{priv: priv, err: fmt.Errorf("pkcs11: %w", ddbcrypt.ErrIntegrity)}, d))
	// It decrypts, and finds the blob tampered with: cryptographic.
	tampered := append([]byte(nil), wrapped...)
	tampered[10] ^= 1
	wantIntegrity(t, decrypt(bg, &failingDecrypter{priv: priv}, with(d, "amzn-ddb-env-key", base64.StdEncoding.EncodeToString(tampered))))
	// A blob of the wrong size never reaches the decrypter.
	dec := &failingDecrypter{priv: priv, err: errHSMDown}
	wantIntegrity(t, decrypt(bg, dec, with(d, "amzn-ddb-env-key", base64.StdEncoding.EncodeToString(wrapped[1:]))))
	if len(dec.opts) != 0 {
		t.Fatal("a blob of the wrong size was handed to the decrypter")
	}

	// A cancelled ctx is operational: before the call (the decrypter is not
	// called), and during it (the decrypter gave up).
	ctx, cancel := context.WithCancel(bg)
	cancel()
	dec = &failingDecrypter{priv: priv}
	wantKeyService(t, decrypt(ctx, dec, d), context.Canceled, secrets...)
	if len(dec.opts) != 0 {
		t.Fatal("the decrypter was called with a cancelled ctx")
	}
	ctx, cancel = context.WithCancel(bg)
	defer cancel()
	wantKeyService(t, decrypt(ctx, &failingDecrypter{priv: priv, err: errors.New("pkcs11: operation aborted"), before: cancel}, d), context.Canceled, secrets...)
}

// TestLegacyPKCS1v15DecrypterErrors: through a crypto.Decrypter, the legacy
// unwrap keeps its implicit rejection: a decrypter error is a random key,
// unless it says it is operational (ddbcrypt.ErrKeyService) or ctx is done.
func TestLegacyPKCS1v15DecrypterErrors(t *testing.T) {
	priv := testRSAKey()
	hk := mustHMAC(t, "HmacSHA256", aes128)
	key := make([]byte, 16)
	d := map[string]string{"amzn-ddb-env-key": base64.StdEncoding.EncodeToString(legacyPKCS1(t, &priv.PublicKey, key)), "amzn-ddb-env-alg": "AES/128"}
	decrypt := func(ctx context.Context, dec stdcrypto.Decrypter, d map[string]string) (*cmp.DecryptionMaterials, error) {
		return legacyReader(t, hk, dec).DecryptionMaterials(ctx, &cmp.EncryptionContext{MaterialDescription: d})
	}

	// The decrypter is asked for implicit rejection with the stated size.
	dec := &failingDecrypter{priv: priv}
	dm, err := decrypt(bg, dec, d)
	if err != nil || len(dm.DecryptionKey) != 16 {
		t.Fatalf("genuine blob: %v", err)
	}
	//lint:ignore SA1019 the legacy unwrap's options are under test.
	if o, ok := dec.opts[0].(*rsa.PKCS1v15DecryptOptions); !ok || o.SessionKeyLen != 16 {
		t.Fatalf("Decrypt options %#v, want SessionKeyLen 16", dec.opts[0])
	}

	// Errors that may mean "bad padding" are a random key, not an error.
	for _, e := range []error{rsa.ErrDecryption, errors.New("pkcs11: CKR_ENCRYPTED_DATA_INVALID"), errHSMDown} {
		dm, err := decrypt(bg, &failingDecrypter{priv: priv, err: e}, d)
		if err != nil || len(dm.DecryptionKey) != 16 {
			t.Fatalf("decrypter error %v: got %v, want a random 16-byte key", e, err)
		}
	}
	// A decrypter that ignores SessionKeyLen is rejected implicitly too.
	for name, blob := range legacyBlobs(t, &priv.PublicKey) {
		dm, err := decrypt(bg, naiveDecrypter{priv}, with(d, "amzn-ddb-env-key", base64.StdEncoding.EncodeToString(blob), "amzn-ddb-env-alg", "AES"))
		if err != nil || len(dm.DecryptionKey) != 32 {
			t.Fatalf("%s through a decrypter ignoring SessionKeyLen: %v", name, err)
		}
	}

	// Operational, as the decrypter says or ctx shows.
	wrapped, _ := base64.StdEncoding.DecodeString(d["amzn-ddb-env-key"])
	_, err = decrypt(bg, &failingDecrypter{priv: priv, err: fmt.Errorf("%w: %w", ddbcrypt.ErrKeyService, errHSMDown)}, d)
	wantKeyService(t, err, errHSMDown, wrapped)
	ctx, cancel := context.WithCancel(bg)
	cancel()
	_, err = decrypt(ctx, nil, d)
	wantKeyService(t, err, context.Canceled, wrapped)
	ctx, cancel = context.WithCancel(bg)
	defer cancel()
	_, err = decrypt(ctx, &failingDecrypter{priv: priv, err: errors.New("pkcs11: operation aborted"), before: cancel}, d)
	wantKeyService(t, err, context.Canceled, wrapped)
}

// naiveDecrypter decrypts PKCS#1 v1.5 without implicit rejection, as a
// decrypter ignoring SessionKeyLen would.
type naiveDecrypter struct{ priv *rsa.PrivateKey }

func (d naiveDecrypter) Public() stdcrypto.PublicKey { return d.priv.Public() }
func (d naiveDecrypter) Decrypt(r io.Reader, msg []byte, _ stdcrypto.DecrypterOpts) ([]byte, error) {
	return d.priv.Decrypt(r, msg, nil)
}
