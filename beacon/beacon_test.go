package beacon

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ddbcrypt/ddbcrypt"
)

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }

// katRoot is the root key of the known answers: bytes 0x00 to 0x1f.
func katRoot() []byte {
	root := make([]byte, RootKeyBytes)
	for i := range root {
		root[i] = byte(i)
	}
	return root
}

func mustKeys(t *testing.T, root []byte) *Keys {
	t.Helper()
	k, err := NewKeys(root)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func beaconOf(t *testing.T, k *Keys, table, attr string, av types.AttributeValue, bits int) string {
	t.Helper()
	b, err := k.Beacon(t.Context(), table, attr, av, bits)
	if err != nil {
		t.Fatal(err)
	}
	return b.Value
}

// TestDeriveRFC5869 checks the HKDF the beacon keys are derived with
// against RFC 5869's test case 3 (no salt, no info), whose 42 bytes start
// with the 32 a beacon key has.
func TestDeriveRFC5869(t *testing.T) {
	ikm := bytes.Repeat([]byte{0x0b}, 22)
	want := "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	got, err := derive(ikm, "")
	if err != nil {
		t.Fatal(err)
	}
	if hex.EncodeToString(got) != want {
		t.Fatalf("HKDF-SHA-256 = %x, want %s", got, want)
	}
}

// TestKnownAnswers pins the derivation and the beacon to values computed
// apart (with Python's hmac and hashlib, following the package's rules), so
// that a change of either is seen: every stored beacon would stop matching.
func TestKnownAnswers(t *testing.T) {
	root := katRoot()
	key, err := derive(root, keyInfo("customers", "email"))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(key), "7e285f5ff2cb1e7115b9e29fc5f85d1e2c0dc783befea6abf30898f114e8ee03"; got != want {
		t.Fatalf("beacon key of customers/email = %s, want %s", got, want)
	}
	k := mustKeys(t, root)
	for _, tc := range []struct {
		av   types.AttributeValue
		bits int
		want string
	}{
		{s("a@example.com"), 2, "2"},
		{s("a@example.com"), 8, "a6"},
		{s("a@example.com"), 10, "298"},
		{s("a@example.com"), 16, "a622"},
		{s("a@example.com"), 63, "53116d09c00aaff8"},
		{n("1.50"), 16, "b2bf"}, // canonical "1.5"
		{n("1.5"), 16, "b2bf"},
	} {
		if got := beaconOf(t, k, "customers", "email", tc.av, tc.bits); got != tc.want {
			t.Errorf("beacon of %v, %d bits = %q, want %q", tc.av, tc.bits, got, tc.want)
		}
	}
}

// TestBeaconsDiffer checks that one plaintext has unrelated beacons in two
// tables, in two attributes, and as two types, that the length-prefixed
// info keeps ("ab", "c") apart from ("a", "bc"), and that a beacon is never
// the plaintext.
func TestBeaconsDiffer(t *testing.T) {
	k := mustKeys(t, katRoot())
	const bits = 63 // long enough that a chance equality would be a bug
	base := beaconOf(t, k, "customers", "email", s("a@example.com"), bits)
	others := map[string]string{
		"another table":     beaconOf(t, k, "orders", "email", s("a@example.com"), bits),
		"another attribute": beaconOf(t, k, "customers", "contact", s("a@example.com"), bits),
		"another type":      beaconOf(t, k, "customers", "email", &types.AttributeValueMemberB{Value: []byte("a@example.com")}, bits),
		"another root key":  beaconOf(t, mustKeys(t, bytes.Repeat([]byte{7}, RootKeyBytes)), "customers", "email", s("a@example.com"), bits),
	}
	for what, b := range others {
		if b == base {
			t.Errorf("%s: the same beacon %s", what, b)
		}
	}
	if a, b := beaconOf(t, k, "ab", "c", s("x"), bits), beaconOf(t, k, "a", "bc", s("x"), bits); a == b {
		t.Errorf(`tables "ab"/"c" and "a"/"bc" share beacon %s`, a)
	}
	if strings.Contains(base, "example") {
		t.Errorf("beacon %q holds the plaintext", base)
	}
	if got := len(beaconOf(t, k, "customers", "email", s("a@example.com"), 13)); got != 4 {
		t.Errorf("a 13-bit beacon has %d hex digits, want 4", got)
	}
}

func TestBounds(t *testing.T) {
	k := mustKeys(t, katRoot())
	for _, bits := range []int{-1, 0, 1, 64, 256} {
		if _, err := k.Beacon(t.Context(), "t", "email", s("x"), bits); !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("%d bits: err = %v, want ErrInvalidConfig", bits, err)
		}
	}
	for _, size := range []int{0, 16, 31, 33, 64} {
		if _, err := NewKeys(make([]byte, size)); !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("a root key of %d bytes: err = %v, want ErrInvalidConfig", size, err)
		}
	}
	if err := (Spec{Attribute: "email", Bits: 70}).Check(); !errors.Is(err, ddbcrypt.ErrInvalidConfig) || !strings.Contains(err.Error(), "email") {
		t.Errorf("Spec of 70 bits: err = %v, want ErrInvalidConfig naming email", err)
	}
	if got := (Spec{Attribute: "email"}).Length(); got != DefaultBits {
		t.Errorf("default length %d, want %d", got, DefaultBits)
	}
	if _, err := k.Beacon(t.Context(), "t", "email", &types.AttributeValueMemberNULL{Value: false}, 16); !errors.Is(err, ddbcrypt.ErrInvalidItem) {
		t.Errorf("a value that cannot be serialized: err = %v, want ErrInvalidItem", err)
	}
}

// TestRootKeyNotShown checks that the root key is copied (the caller may
// clear its own) and never printed.
func TestRootKeyNotShown(t *testing.T) {
	root := bytes.Repeat([]byte{0xab}, RootKeyBytes)
	k := mustKeys(t, root)
	before := beaconOf(t, k, "t", "a", s("v"), 32)
	clear(root)
	k2 := mustKeys(t, bytes.Repeat([]byte{0xab}, RootKeyBytes))
	if after := beaconOf(t, k2, "t", "a", s("v"), 32); after != before {
		t.Fatalf("beacon changed after the caller cleared its root key copy")
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		out := fmt.Sprintf(verb, k2)
		if strings.Contains(strings.ToLower(out), "abab") || strings.Contains(out, "\xab") || strings.Contains(out, "171") {
			t.Errorf("%s of the keys shows key material: %s", verb, out)
		}
	}
}

func TestEqualAndFilter(t *testing.T) {
	if !Equal(n("1.50"), n("1.5")) || !Equal(&types.AttributeValueMemberSS{Value: []string{"b", "a"}}, &types.AttributeValueMemberSS{Value: []string{"a", "b"}}) {
		t.Error("equal values differ")
	}
	if Equal(s("1"), n("1")) || Equal(s("a"), s("A")) {
		t.Error("different values are equal")
	}
	items := []map[string]types.AttributeValue{{"email": s("a")}, {"email": s("b")}, {"other": s("a")}, {"email": s("a")}}
	got := Filter(items, "email", s("a"))
	if len(got) != 2 || !Equal(got[0]["email"], s("a")) || !Equal(got[1]["email"], s("a")) {
		t.Errorf("Filter = %v, want the two items with email a", got)
	}
}

// fakeKMS answers Decrypt with a fixed plaintext and counts the calls.
type fakeKMS struct {
	plain []byte
	err   error
	calls atomic.Int32
	ctx   map[string]string
}

func (f *fakeKMS) Decrypt(_ context.Context, in *kms.DecryptInput, _ ...func(*kms.Options)) (*kms.DecryptOutput, error) {
	f.calls.Add(1)
	f.ctx = in.EncryptionContext
	if f.err != nil {
		return nil, f.err
	}
	return &kms.DecryptOutput{Plaintext: append([]byte(nil), f.plain...)}, nil
}

// TestKMSKeysCached checks that the root key under KMS is decrypted once,
// with the purpose's encryption context, however many beacons and
// goroutines ask, and gives the beacons of the same raw key.
func TestKMSKeysCached(t *testing.T) {
	f := &fakeKMS{plain: katRoot()}
	k := NewKMSKeys(f, "alias/beacons", []byte("blob"))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if _, err := k.Beacon(t.Context(), "t", fmt.Sprintf("a%d", i%3), s("v"), 16); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := f.calls.Load(); got != 1 {
		t.Errorf("%d Decrypt calls, want 1", got)
	}
	if f.ctx[KMSContextKey] != KMSContextPurpose || len(f.ctx) != 1 {
		t.Errorf("encryption context %v, want only %s: %s", f.ctx, KMSContextKey, KMSContextPurpose)
	}
	if got, want := beaconOf(t, k, "customers", "email", s("a@example.com"), 16), "a622"; got != want {
		t.Errorf("beacon under KMS = %s, want %s, the raw key's", got, want)
	}
}

func TestKMSKeysErrors(t *testing.T) {
	f := &fakeKMS{err: errors.New("AccessDenied")}
	k := NewKMSKeys(f, "alias/beacons", []byte("blob"))
	_, err := k.Beacon(t.Context(), "t", "a", s("v"), 16)
	if !errors.Is(err, ddbcrypt.ErrKeyService) || !strings.Contains(err.Error(), "alias/beacons") {
		t.Fatalf("err = %v, want ErrKeyService naming the key", err)
	}
	f.err = nil
	f.plain = make([]byte, 16)
	if _, err := k.Beacon(t.Context(), "t", "a", s("v"), 16); !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
		t.Fatalf("a 16-byte root key: err = %v, want ErrInvalidConfig", err)
	}
	f.plain = katRoot()
	if _, err := k.Beacon(t.Context(), "t", "a", s("v"), 16); err != nil {
		t.Fatalf("after failures, a good answer: %v", err)
	}
	if got := f.calls.Load(); got != 3 {
		t.Errorf("%d Decrypt calls, want 3: a failure is tried again", got)
	}
}
