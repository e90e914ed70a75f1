package crypto

// The material description (docs/format.md 3) and the item encryptor's checks of
// the entries it owns (3.3, 4, 5.4, 11.1).

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/sigalg"
)

// Material description entries written and checked by the item encryptor.
// Provider entries are in package cmp.
const (
	DescSymmetricMode    = "amzn-ddb-map-sym-mode"
	DescSigningAlgorithm = "amzn-ddb-map-signingAlg"

	// SymmetricModeCBC is the only cipher mode ever written: AES/CBC with
	// PKCS#7 padding. Every other value is refused.
	SymmetricModeCBC = "/CBC/PKCS5Padding"
)

// descriptionVersion is the only version of the layout (3.1).
const descriptionVersion = 0

// EncodeMaterialDescription serializes a material description with its
// entries sorted by key, as Python writes it (Java's order is arbitrary;
// readers accept any). An empty description is four zero bytes.
func EncodeMaterialDescription(d map[string]string) []byte {
	return appendDescription(make([]byte, 0, descriptionSize(d, nil)), d, nil)
}

// descEntry is one entry of a material description.
type descEntry struct{ key, value string }

// overridden reports whether set replaces the entry k of the provider's
// description.
func overridden(set []descEntry, k string) bool {
	return slices.ContainsFunc(set, func(e descEntry) bool { return e.key == k })
}

// descriptionSize is the length of the serialization of d with the entries
// of set, so that EncryptItem can give it room in the item's one buffer.
func descriptionSize(d map[string]string, set []descEntry) int {
	size := 4
	for k, v := range d {
		if !overridden(set, k) {
			size += 8 + len(k) + len(v)
		}
	}
	for _, e := range set {
		size += 8 + len(e.key) + len(e.value)
	}
	return size
}

// appendDescription appends the serialization of d with the entries of set
// added, replacing those of d with the same key: the item encryptor's own
// entries, written without copying the provider's map.
func appendDescription(out []byte, d map[string]string, set []descEntry) []byte {
	var small [16]string // most descriptions: keys sorted on the stack
	keys := small[:0]
	for k := range d {
		if !overridden(set, k) {
			keys = append(keys, k)
		}
	}
	for _, e := range set {
		keys = append(keys, e.key)
	}
	slices.Sort(keys)
	out = binary.BigEndian.AppendUint32(out, descriptionVersion)
	for _, k := range keys {
		v, ok := d[k]
		if i := slices.IndexFunc(set, func(e descEntry) bool { return e.key == k }); i >= 0 {
			v, ok = set[i].value, true
		}
		if ok {
			out = appendString(appendString(out, k), v)
		}
	}
	return out
}

// DecodeMaterialDescription parses a serialized material description.
// Entries may come in any order; a repeated key keeps its last value.
// Malformed input is an error wrapping ddbcrypt.ErrMaterialDescription.
func DecodeMaterialDescription(b []byte) (map[string]string, error) {
	bad := func(why string, args ...any) error {
		return &ddbcrypt.DescriptionError{Field: DescriptionAttribute, Err: fmt.Errorf("%w: %s", ddbcrypt.ErrMaterialDescription, fmt.Sprintf(why, args...))}
	}
	if len(b) < 4 {
		return nil, bad("shorter than its 4-byte version")
	}
	if v := binary.BigEndian.Uint32(b); v != descriptionVersion {
		return nil, bad("unsupported version %d", v)
	}
	// owned: bytes returns slices of b, which descString copies or maps
	// to a constant.
	d := deserializer{data: b, pos: 4, owned: true}
	desc := make(map[string]string)
	for d.pos < len(d.data) {
		k, err := d.bytes()
		if err != nil {
			return nil, bad("truncated key: %v", err)
		}
		v, err := d.bytes()
		if err != nil {
			return nil, bad("truncated value of %q: %v", k, err)
		}
		desc[descString(k)] = descString(v)
	}
	return desc, nil
}

// knownDescStrings are the keys and values most descriptions hold.
var knownDescStrings = [...]string{
	DescSymmetricMode, SymmetricModeCBC, DescSigningAlgorithm,
	cmp.DescEnvelopeKey, cmp.DescEnvelopeAlgorithm, cmp.DescWrapAlgorithm, cmp.DescSigningAlgorithm,
	"AES/256", cmp.WrapAlgorithmAES, cmp.WrapAlgorithmKMS,
}

// descString returns b as a string: one of knownDescStrings without an
// allocation (a Static item's description takes none), or a copy.
func descString(b []byte) string {
	for _, k := range knownDescStrings {
		if string(b) == k {
			return k
		}
	}
	return string(b)
}

// checkDescription refuses values of the encryptor's own entries that this
// library does not accept: the description is not signed, so every entry is
// attacker-controlled (11.1).
func checkDescription(desc map[string]string) error {
	if mode, ok := desc[DescSymmetricMode]; ok && mode != SymmetricModeCBC {
		return &ddbcrypt.DescriptionError{Field: DescSymmetricMode, Value: mode, Err: fmt.Errorf("%w: only %s is accepted", ddbcrypt.ErrMaterialDescription, SymmetricModeCBC)}
	}
	if alg, ok := desc[DescSigningAlgorithm]; ok && !cmp.IsKnownSignatureAlgorithm(alg) {
		return &ddbcrypt.DescriptionError{Field: DescSigningAlgorithm, Value: alg, Err: fmt.Errorf("%w: not an accepted signature algorithm", ddbcrypt.ErrMaterialDescription)}
	}
	return nil
}

// signingAlgorithmEntry names an asymmetric signing algorithm in the
// description, as both references do; HMAC needs no entry (5.4, 10 #9).
func signingAlgorithmEntry(set []descEntry, key cmp.SigningKey) []descEntry {
	if alg := key.Algorithm(); sigalg.IsAsymmetric(alg) {
		set = append(set, descEntry{DescSigningAlgorithm, alg})
	}
	return set
}

// checkSigningAlgorithm cross-checks a recorded asymmetric algorithm against
// the configured verification key: the key decides the algorithm, never the
// item (5.4). HMAC keys ignore the entry, as Java does.
func checkSigningAlgorithm(desc map[string]string, key cmp.VerificationKey) error {
	alg, ok := desc[DescSigningAlgorithm]
	if !ok || !sigalg.IsAsymmetric(key.Algorithm()) || alg == key.Algorithm() {
		return nil
	}
	return &ddbcrypt.DescriptionError{Field: DescSigningAlgorithm, Value: alg, Err: fmt.Errorf("%w: the verification key uses %s", ddbcrypt.ErrMaterialDescription, key.Algorithm())}
}
