package crypto

import (
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
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

// TestEncodeDescriptionWith checks that the encryptor's own entries replace
// the provider's of the same key, byte for byte as if merged into one map.
func TestEncodeDescriptionWith(t *testing.T) {
	provider := map[string]string{"z": "last", DescSymmetricMode: "/GCM/NoPadding", "a": "first"}
	own := []descEntry{{DescSymmetricMode, SymmetricModeCBC}, {DescSigningAlgorithm, "SHA256withRSA"}}
	merged := map[string]string{"z": "last", DescSymmetricMode: SymmetricModeCBC, "a": "first", DescSigningAlgorithm: "SHA256withRSA"}
	if got, want := encodeDescription(provider, own), EncodeMaterialDescription(merged); string(got) != string(want) {
		t.Errorf("encodeDescription = %q, want %q", got, want)
	}
	if provider[DescSymmetricMode] != "/GCM/NoPadding" || len(provider) != 3 {
		t.Error("encodeDescription changed the provider's map")
	}
}
