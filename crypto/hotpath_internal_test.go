package crypto

// Tests of the hot paths' internals: the name-hash and key-schedule caches,
// the description encoder, streamed encryption and value counting.

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// TestNameHashes checks that the cache of an encryptor's name and table
// hashes answers SHA-256 whatever it holds, and that it stays bounded.
func TestNameHashes(t *testing.T) {
	var c nameHashes
	long := strings.Repeat("n", maxHashedName+1)
	for round := range 2 { // the second round reads what the first cached
		for i := range maxNameHashes + 10 {
			name := fmt.Sprintf("attr%d", i)
			if got := c.name(name); got != sha256.Sum256([]byte(name)) {
				t.Fatalf("round %d: hash of %q is wrong", round, name)
			}
		}
		if got := c.name(long); got != sha256.Sum256([]byte(long)) {
			t.Fatalf("round %d: hash of a long name is wrong", round)
		}
	}
	if n := len(c.load()); n != maxNameHashes {
		t.Errorf("%d cached names, want the bound %d", n, maxNameHashes)
	}
	if _, ok := c.load()[long]; ok {
		t.Error("a name longer than maxHashedName was cached")
	}

	h := sha256.New()
	for _, table := range []string{"a", "b", "a", "a", "b"} {
		want := sha256.Sum256([]byte("TABLE>" + table + "<TABLE"))
		if got := c.appendTableMarker([]byte("x"), h, table); string(got) != "x"+string(want[:]) {
			t.Fatalf("table marker of %q is wrong", table)
		}
	}
}

// TestAppendDescriptionWith checks that the encryptor's own entries replace
// the provider's of the same key, byte for byte as if merged into one map.
func TestAppendDescriptionWith(t *testing.T) {
	provider := map[string]string{"z": "last", DescSymmetricMode: "/GCM/NoPadding", "a": "first"}
	own := []descEntry{{DescSymmetricMode, SymmetricModeCBC}, {DescSigningAlgorithm, "SHA256withRSA"}}
	merged := map[string]string{"z": "last", DescSymmetricMode: SymmetricModeCBC, "a": "first", DescSigningAlgorithm: "SHA256withRSA"}
	got := appendDescription([]byte("prefix"), provider, own)
	if want := EncodeMaterialDescription(merged); string(got) != "prefix"+string(want) {
		t.Errorf("appendDescription = %q, want %q after the prefix", got, want)
	}
	if n := descriptionSize(provider, own); n != len(got)-len("prefix") {
		t.Errorf("descriptionSize = %d, want %d", n, len(got)-len("prefix"))
	}
	if provider[DescSymmetricMode] != "/GCM/NoPadding" || len(provider) != 3 {
		t.Error("appendDescription changed the provider's map")
	}
}

// TestBlockCache checks that the key schedule cache always answers the
// schedule of the key asked for, keeps a key that repeats, and is not
// replaced by keys that change with every lookup.
func TestBlockCache(t *testing.T) {
	key := func(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }
	var c blockCache
	lookup := func(k []byte) *keyedBlock {
		t.Helper()
		block, _, err := c.block(k)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := aes.NewCipher(k)
		var got, exp [aes.BlockSize]byte
		block.Encrypt(got[:], got[:])
		want.Encrypt(exp[:], exp[:])
		if got != exp {
			t.Fatalf("the schedule of key %x is another key's", k[0])
		}
		return c.last.Load()
	}
	for _, k := range []byte{1, 1, 2, 2, 1, 2, 1, 2, 3} { // repeats and alternations
		lookup(key(k))
	}
	a := lookup(key(10)) // after a miss: not cached
	if a.key[0] == 10 {
		t.Error("a key that missed after a miss replaced the cached one")
	}
	for k := range byte(20) { // a fresh key each time, like Wrapped's
		if kb := lookup(key(100 + k)); kb != a {
			t.Fatalf("fresh key %d replaced the cached one", k)
		}
	}
	lookup(key(a.key[0])) // a hit, then a new key that repeats: cached
	lookup(key(7))
	if kb := lookup(key(7)); kb.key[0] != 7 {
		t.Error("a new key after a hit was not cached")
	}
}

// TestEncryptStreamed checks that a value encrypted from its own bytes
// decrypts to its canonical serialization and padding, for lengths all
// around the block boundaries, in the size streamedSize gives.
func TestEncryptStreamed(t *testing.T) {
	block, err := aes.NewCipher(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	for n := minStreamed; n < minStreamed+2*aes.BlockSize+1; n++ {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(i * 7)
		}
		for _, av := range []types.AttributeValue{&types.AttributeValueMemberB{Value: data}, &types.AttributeValueMemberS{Value: string(data)}} {
			c := attributeCipher{block: block}
			tag, v, ok := streamable(av)
			if !ok {
				t.Fatalf("%T of %d bytes is not streamable", av, n)
			}
			ct := make([]byte, streamedSize(len(v)))
			c.encryptStreamed(tag, v, ct, bytes.Repeat([]byte{byte(n)}, aes.BlockSize))
			pt := make([]byte, len(ct)-aes.BlockSize)
			cipher.NewCBCDecrypter(block, ct[:aes.BlockSize]).CryptBlocks(pt, ct[aes.BlockSize:])
			ser, _ := SerializeAttribute(av)
			pad := aes.BlockSize - len(ser)%aes.BlockSize
			if want := append(ser, bytes.Repeat([]byte{byte(pad)}, pad)...); !bytes.Equal(pt, want) {
				t.Fatalf("%T of %d bytes: the plaintext is not the padded serialization", av, n)
			}
		}
	}
}

// TestCountValues checks that the count of a serialization is what its
// deserialization takes from the slabs, exactly, and that malformed input
// (every truncation, flipped bytes) stops the count without a panic.
func TestCountValues(t *testing.T) {
	s := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	n := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	av := &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		"s": s("x"), "n": n("1"), "b": &types.AttributeValueMemberB{Value: []byte{1}},
		"null": &types.AttributeValueMemberNULL{Value: true}, "bool": &types.AttributeValueMemberBOOL{Value: true},
		"ss": &types.AttributeValueMemberSS{Value: []string{"a", "b"}}, "ns": &types.AttributeValueMemberNS{Value: []string{"1"}},
		"bs": &types.AttributeValueMemberBS{Value: [][]byte{{2}}},
		"l":  &types.AttributeValueMemberL{Value: []types.AttributeValue{s("y"), n("2"), &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"k": s("z")}}}},
	}}
	ser, err := SerializeAttribute(av)
	if err != nil {
		t.Fatal(err)
	}
	var counts valueCounts
	countValues(ser, &counts)
	if want := (valueCounts{s: 3, n: 2, b: 1, m: 2}); counts != want {
		t.Fatalf("counts %+v, want %+v", counts, want)
	}
	var slabs valueSlabs
	slabs.reserve(counts)
	if _, err := deserializeOwned(ser, &slabs); err != nil {
		t.Fatal(err)
	}
	if len(slabs.s)+len(slabs.n)+len(slabs.b)+len(slabs.m) != 0 {
		t.Errorf("slabs left over or refilled after deserializing: %d S, %d N, %d B, %d M", len(slabs.s), len(slabs.n), len(slabs.b), len(slabs.m))
	}
	for i := range ser {
		countValues(ser[:i], &counts)
		bad := bytes.Clone(ser)
		bad[i] ^= 0xff
		countValues(bad, &counts)
	}
}

// TestPlainBuf checks that the serializations EncryptItem encrypts are the
// padded serializations of the values, also after the buffer grew under
// them, that streamable values are only sized, and that put leaves no
// plaintext behind.
func TestPlainBuf(t *testing.T) {
	big := &types.AttributeValueMemberB{Value: bytes.Repeat([]byte{9}, minStreamed)}
	signed := []signedAttribute{{name: "pk", value: &types.AttributeValueMemberS{Value: "key"}}, {name: "streamed", value: big, encrypted: true}}
	for i := range 20 { // far more than a fresh buffer holds: it grows
		signed = append(signed, signedAttribute{name: fmt.Sprint("a", i), encrypted: true,
			value: &types.AttributeValueMemberS{Value: strings.Repeat("secret ", i*10)}})
	}
	p := &plainBuf{}
	size, err := p.serializeEncrypted(signed)
	if err != nil {
		t.Fatal(err)
	}
	want := streamedSize(len(big.Value))
	for _, s := range signed[2:] {
		padded, _ := appendPadded(nil, s.value)
		if !bytes.Equal(s.plaintext, padded) {
			t.Fatalf("%s: plaintext is not the padded serialization", s.name)
		}
		want += aes.BlockSize + len(padded)
	}
	if signed[0].plaintext != nil || signed[1].plaintext != nil {
		t.Error("a sign-only or streamable value was serialized")
	}
	if size != want {
		t.Errorf("size = %d, want %d", size, want)
	}
	all := p.b[:cap(p.b)]
	p.put()
	if bytes.ContainsFunc(all, func(r rune) bool { return r != 0 }) {
		t.Error("put left plaintext in the buffer")
	}
}

// TestDecodeDescriptionCopies checks that a decoded description shares no
// memory with the item's bytes, whose owner may reuse them, whether its
// strings are known constants or copies.
func TestDecodeDescriptionCopies(t *testing.T) {
	want := map[string]string{DescSymmetricMode: SymmetricModeCBC, "custom-key": "custom value"}
	b := EncodeMaterialDescription(want)
	got, err := DecodeMaterialDescription(b)
	if err != nil {
		t.Fatal(err)
	}
	clear(b)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("after the input was overwritten, the description is %q, want %q", got, want)
	}
}
