package crypto_test

// The crypto floor (spec/BENCHMARKS.md, "The crypto floor"): only the
// primitive calls that one item needs, on buffers of the sizes the library
// produces. Everything else — serialization, material-description encoding,
// map building, sorting names, choosing actions — is done once, outside the
// timer, so the floor is a strict lower bound for EncryptItem and
// DecryptItem.
//
// Per item, encrypt:
//   - materials: none for static (its AES key schedule is built once, as a
//     provider with fixed keys could); wrapped-aes: rand(32) content key,
//     AES key wrap with cmp.AESWrappingKey (RFC 3394) and the content key's
//     AES key schedule; wrapped-rsa: rand(32), RSA-OAEP(SHA-256,
//     MGF1-SHA-1) encryption and the key schedule;
//   - per encrypted attribute: rand(16) for the IV and AES-CBC over the
//     padded canonical serialization;
//   - the string to sign: SHA-256("TABLE>perf-table<TABLE"), then per signed
//     attribute SHA-256(name) ‖ 32-byte flag ‖ SHA-256(serialized stored
//     value);
//   - HMAC-SHA256 of it (hmac.New per item), or SHA-256 + RSASSA-PKCS1-v1_5
//     signing for wrapped-rsa.
//
// Decrypt: the materials (nothing; AES key unwrap + key schedule; RSA-OAEP
// decryption + key schedule), the string to sign, HMAC verification
// (hmac.Equal) or RSA verification, and AES-CBC decryption of each
// encrypted attribute into a preallocated buffer with a padding check.
//
// TestFloorMatchesLibrary proves that the floor does the library's work: its
// output, assembled into an item, is decrypted by DecryptItem; its string to
// sign equals crypto.StringToSign; its buffers have the sizes of the
// library's.

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"hash"
	"maps"
	"slices"
	"testing"

	stdcrypto "crypto"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
	gocmp "github.com/google/go-cmp/cmp"
)

var (
	floorEncryptedFlag = sha256.Sum256([]byte("ENCRYPTED"))
	floorPlaintextFlag = sha256.Sum256([]byte("PLAINTEXT"))
	floorOAEP          = &rsa.OAEPOptions{Hash: stdcrypto.SHA256, MGFHash: stdcrypto.SHA1}
	errFloor           = errors.New("floor: verification failed")
)

// floorAttr is one signed attribute, in the order of the string to sign.
type floorAttr struct {
	key       string // attribute name
	name      []byte // the same, as bytes to hash
	encrypted bool
	plain     []byte  // encrypted: the padded serialization, the CBC input
	stored    []byte  // encrypted: IV ‖ ciphertext; sign-only: the serialization
	header    [6]byte // encrypted: the B tag and length hashed before stored
	out       []byte  // encrypted: where decryption writes
}

// floorCase is the floor of one provider×shape. Its buffers are reused from
// item to item; it is not safe for concurrent use.
type floorCase struct {
	provider string
	plain    map[string]types.AttributeValue
	size     int // encrypted item size, for b.SetBytes
	marker   []byte
	attrs    []floorAttr
	h        hash.Hash
	sts      []byte // the string to sign
	macKey   []byte
	block    cipher.Block // static: the fixed attribute key's schedule
	kek      *cmp.AESWrappingKey
	priv     *rsa.PrivateKey
	cek      [32]byte // wrapped: the content key
	wrapped  []byte   // wrapped: the wrapped content key
	sig      []byte
}

func newFloorCase(tb testing.TB, provider, shape string) *floorCase {
	tb.Helper()
	f := &floorCase{
		provider: provider,
		plain:    loadShape(tb, shape),
		marker:   []byte("TABLE>" + perfTable + "<TABLE"),
		h:        sha256.New(),
		macKey:   perfHMACKey,
	}
	var err error
	switch provider {
	case "static":
		f.block, err = aes.NewCipher(perfAESKey)
	case "wrapped-aes":
		f.kek, err = cmp.NewAESWrappingKey(perfAESKey)
	case "wrapped-rsa":
		f.priv = perfRSAKey(tb)
	default:
		tb.Fatalf("unknown provider %q", provider)
	}
	if err != nil {
		tb.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(f.plain)) { // ASCII names: Java order is byte order
		av := f.plain[name]
		ser, err := crypto.SerializeAttribute(av)
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		a := floorAttr{key: name, name: []byte(name), encrypted: name != "pk" && name != "sk"}
		if a.encrypted {
			pad := aes.BlockSize - len(ser)%aes.BlockSize
			a.plain = append(ser, bytes.Repeat([]byte{byte(pad)}, pad)...)
			a.stored = make([]byte, aes.BlockSize+len(a.plain))
			a.out = make([]byte, len(a.plain))
			a.header = [6]byte{0, 'b'}
			binary.BigEndian.PutUint32(a.header[2:], uint32(len(a.stored)))
		} else {
			a.stored = ser
		}
		f.attrs = append(f.attrs, a)
	}
	f.sts = make([]byte, 0, sha256.Size*(1+3*len(f.attrs)))
	if err := f.encrypt(); err != nil { // so that decrypt has an item to open
		tb.Fatal(err)
	}
	f.size = tableinfo.ItemSize(f.item())
	return f
}

// encrypt does the primitive work of one EncryptItem.
func (f *floorCase) encrypt() error {
	block := f.block
	var err error
	switch f.provider {
	case "wrapped-aes":
		rand.Read(f.cek[:])
		if f.wrapped, err = f.kek.Wrap(f.cek[:]); err != nil {
			return err
		}
		if block, err = aes.NewCipher(f.cek[:]); err != nil {
			return err
		}
	case "wrapped-rsa":
		rand.Read(f.cek[:])
		if f.wrapped, err = rsa.EncryptOAEPWithOptions(rand.Reader, &f.priv.PublicKey, f.cek[:], floorOAEP); err != nil {
			return err
		}
		if block, err = aes.NewCipher(f.cek[:]); err != nil {
			return err
		}
	}
	var mode cipher.BlockMode // one per item, re-keyed with SetIV, as the library does
	for i := range f.attrs {
		a := &f.attrs[i]
		if !a.encrypted {
			continue
		}
		iv := a.stored[:aes.BlockSize]
		rand.Read(iv)
		if mode == nil {
			mode = cipher.NewCBCEncrypter(block, iv)
		} else {
			mode.(interface{ SetIV([]byte) }).SetIV(iv)
		}
		mode.CryptBlocks(a.stored[aes.BlockSize:], a.plain)
	}
	f.stringToSign()
	if f.provider == "wrapped-rsa" {
		digest := sha256.Sum256(f.sts)
		f.sig, err = rsa.SignPKCS1v15(rand.Reader, f.priv, stdcrypto.SHA256, digest[:])
		return err
	}
	m := hmac.New(sha256.New, f.macKey)
	m.Write(f.sts)
	f.sig = m.Sum(f.sig[:0])
	return nil
}

// decrypt does the primitive work of one DecryptItem on the item the last
// encrypt produced.
func (f *floorCase) decrypt() error {
	block := f.block
	var err error
	switch f.provider {
	case "wrapped-aes":
		cek, err := f.kek.Unwrap(context.Background(), f.wrapped)
		if err != nil {
			return err
		}
		if block, err = aes.NewCipher(cek); err != nil {
			return err
		}
	case "wrapped-rsa":
		cek, err := f.priv.Decrypt(rand.Reader, f.wrapped, floorOAEP)
		if err != nil {
			return err
		}
		if block, err = aes.NewCipher(cek); err != nil {
			return err
		}
	}
	f.stringToSign()
	if f.provider == "wrapped-rsa" {
		digest := sha256.Sum256(f.sts)
		if err = rsa.VerifyPKCS1v15(&f.priv.PublicKey, stdcrypto.SHA256, digest[:], f.sig); err != nil {
			return err
		}
	} else {
		m := hmac.New(sha256.New, f.macKey)
		m.Write(f.sts)
		var tag [sha256.Size]byte
		if !hmac.Equal(m.Sum(tag[:0]), f.sig) {
			return errFloor
		}
	}
	var mode cipher.BlockMode
	for i := range f.attrs {
		a := &f.attrs[i]
		if !a.encrypted {
			continue
		}
		if iv := a.stored[:aes.BlockSize]; mode == nil {
			mode = cipher.NewCBCDecrypter(block, iv)
		} else {
			mode.(interface{ SetIV([]byte) }).SetIV(iv)
		}
		mode.CryptBlocks(a.out, a.stored[aes.BlockSize:])
		if pad := a.out[len(a.out)-1]; pad == 0 || pad > aes.BlockSize {
			return errFloor
		}
	}
	return nil
}

// stringToSign computes the string to sign into f.sts.
func (f *floorCase) stringToSign() {
	table := sha256.Sum256(f.marker)
	sts := append(f.sts[:0], table[:]...)
	for i := range f.attrs {
		a := &f.attrs[i]
		name := sha256.Sum256(a.name)
		sts = append(sts, name[:]...)
		if a.encrypted {
			sts = append(sts, floorEncryptedFlag[:]...)
			f.h.Reset()
			f.h.Write(a.header[:])
			f.h.Write(a.stored)
			sts = f.h.Sum(sts)
		} else {
			sts = append(sts, floorPlaintextFlag[:]...)
			value := sha256.Sum256(a.stored)
			sts = append(sts, value[:]...)
		}
	}
	f.sts = sts
}

// description is the material description the library writes for the
// floor's materials.
func (f *floorCase) description() map[string]string {
	d := map[string]string{crypto.DescSymmetricMode: crypto.SymmetricModeCBC}
	switch f.provider {
	case "wrapped-aes":
		d[cmp.DescWrapAlgorithm] = cmp.WrapAlgorithmAES
	case "wrapped-rsa":
		d[cmp.DescWrapAlgorithm] = cmp.WrapAlgorithmRSAOAEP
		d[crypto.DescSigningAlgorithm] = "SHA256withRSA"
	}
	if f.wrapped != nil {
		d[cmp.DescEnvelopeKey] = base64.StdEncoding.EncodeToString(f.wrapped)
		d[cmp.DescEnvelopeAlgorithm] = "AES/256"
	}
	return d
}

// item assembles the floor's last output into an encrypted item (outside
// any timer).
func (f *floorCase) item() map[string]types.AttributeValue {
	out := make(map[string]types.AttributeValue, len(f.attrs)+2)
	for _, a := range f.attrs {
		if a.encrypted {
			out[a.key] = &types.AttributeValueMemberB{Value: slices.Clone(a.stored)}
		} else {
			out[a.key] = f.plain[a.key]
		}
	}
	out[crypto.SignatureAttribute] = &types.AttributeValueMemberB{Value: slices.Clone(f.sig)}
	out[crypto.DescriptionAttribute] = &types.AttributeValueMemberB{Value: crypto.EncodeMaterialDescription(f.description())}
	return out
}

// floorBench returns the benchmark of the floor's encrypt or decrypt.
func floorBench(f *floorCase, op string) func(*testing.B) {
	return opBench(f.size, f.encrypt, f.decrypt, op)
}

// TestFloorMatchesLibrary checks that the floor computes what the library
// computes, on buffers of the library's sizes.
func TestFloorMatchesLibrary(t *testing.T) {
	for _, p := range perfProviders {
		for _, s := range perfShapes {
			t.Run(p+"/"+s, func(t *testing.T) {
				f := newFloorCase(t, p, s)
				item := f.item()

				// The library opens the floor's item...
				impl := newImplCase(t, p, s)
				dec, err := impl.enc.DecryptItem(context.Background(), item, perfActions, perfContext)
				if err != nil {
					t.Fatalf("DecryptItem of the floor's item: %v", err)
				}
				canon := func(item map[string]types.AttributeValue) map[string]any {
					out := make(map[string]any, len(item))
					for k, v := range item {
						out[k] = vectors.Canonical(v)
					}
					return out
				}
				if diff := gocmp.Diff(canon(f.plain), canon(dec)); diff != "" {
					t.Fatalf("DecryptItem of the floor's item (-want +got):\n%s", diff)
				}

				// ...the string to sign is the library's...
				signed := maps.Clone(item)
				delete(signed, crypto.SignatureAttribute)
				delete(signed, crypto.DescriptionAttribute)
				sts, err := crypto.StringToSign(perfTable, signed, perfActions)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(sts, f.sts) {
					t.Fatal("the floor's string to sign differs from crypto.StringToSign")
				}

				// ...the buffers have the library's sizes...
				if len(impl.encrypted) != len(item) {
					t.Fatalf("library item has %d attributes, floor %d", len(impl.encrypted), len(item))
				}
				for name, av := range impl.encrypted {
					_, lib := avTypeLen(av)
					_, flo := avTypeLen(item[name])
					if lib != flo {
						t.Errorf("%s: library value of %d bytes, floor %d", name, lib, flo)
					}
				}
				if impl.size != f.size {
					t.Errorf("encrypted item size: library %d, floor %d", impl.size, f.size)
				}

				// ...and the floor's decrypt opens it and recovers the
				// serializations.
				if err := f.decrypt(); err != nil {
					t.Fatalf("floor decrypt: %v", err)
				}
				for _, a := range f.attrs {
					if a.encrypted && !bytes.Equal(a.out, a.plain) {
						t.Errorf("%s: floor decrypt recovered other bytes", a.key)
					}
				}
			})
		}
	}
}
