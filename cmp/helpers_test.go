package cmp_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

var bg = context.Background()

// testRSAKey is one generated 2048-bit key shared by all tests (generation is
// slow, especially under -race).
var testRSAKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// vectorsDir returns the public test vectors directory — DDBCRYPT_VECTORS,
// else the module's testdata/vectors — or skips the test. It is
// internal/testing/vectors/vectorstest.Dir, which this package's tests cannot
// import: it imports cmp (through testenv).
func vectorsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DDBCRYPT_VECTORS")
	if dir == "" {
		dir = filepath.Join("..", "testdata", "vectors") // go test runs in cmp/
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		if testenv.InCI() {
			t.Fatalf("test vectors not found at %s; set DDBCRYPT_VECTORS", dir)
		}
		t.Skipf("test vectors not found at %s; set DDBCRYPT_VECTORS", dir)
	}
	return dir
}

// vectorKeys returns the raw materials of keys.json.
func vectorKeys(t *testing.T) map[string][]byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectorsDir(t), "encrypted_item", "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]struct {
		Material string `json:"material"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	out := make(map[string][]byte)
	for name, k := range raw {
		if k.Material == "" {
			continue
		}
		b, err := base64.StdEncoding.DecodeString(k.Material)
		if err != nil {
			t.Fatalf("key %s: %v", name, err)
		}
		out[name] = b
	}
	return out
}

// vectorRSAKey returns the vectors' rsaEncPriv (PKCS#8 DER).
func vectorRSAKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := x509.ParsePKCS8PrivateKey(vectorKeys(t)["rsaEncPriv"])
	if err != nil {
		t.Fatal(err)
	}
	return k.(*rsa.PrivateKey)
}

// vectorDescriptions returns the parsed material descriptions of every item
// in a Java ciphertext file.
func vectorDescriptions(t *testing.T, file string) []map[string]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(vectorsDir(t), "encrypted_item", "ciphertext", "java", file))
	if err != nil {
		t.Fatal(err)
	}
	var tables map[string][]map[string]struct {
		B string `json:"B"`
	}
	if err := json.Unmarshal(data, &tables); err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, items := range tables {
		for _, item := range items {
			raw, ok := item["*amzn-ddb-map-desc*"]
			if !ok {
				continue
			}
			b, err := base64.StdEncoding.DecodeString(raw.B)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, parseDescription(t, b))
		}
	}
	return out
}

// parseDescription is a minimal docs/format.md 3.1 reader for the tests.
func parseDescription(t *testing.T, b []byte) map[string]string {
	t.Helper()
	if len(b) < 4 || binary.BigEndian.Uint32(b) != 0 {
		t.Fatalf("bad description version")
	}
	b = b[4:]
	next := func() string {
		if len(b) < 4 || uint32(len(b)-4) < binary.BigEndian.Uint32(b) {
			t.Fatalf("truncated description")
		}
		n := binary.BigEndian.Uint32(b)
		s := string(b[4 : 4+n])
		b = b[4+n:]
		return s
	}
	d := make(map[string]string)
	for len(b) > 0 {
		k := next()
		d[k] = next()
	}
	return d
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

func mustHMAC(t testing.TB, alg string, key []byte) *cmp.HMACKey {
	t.Helper()
	k, err := cmp.NewHMACKey(alg, key)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// wantIs fails unless err wraps target.
func wantIs(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("error %v, want one wrapping %v", err, target)
	}
}

// wantIntegrity fails unless err is exactly ddbcrypt.ErrIntegrity: integrity
// failures must all look the same.
func wantIntegrity(t *testing.T, err error) {
	t.Helper()
	if err != ddbcrypt.ErrIntegrity {
		t.Fatalf("error %v, want exactly ddbcrypt.ErrIntegrity", err)
	}
}

// wantDescriptionError fails unless err is a *ddbcrypt.DescriptionError for
// field wrapping ErrMaterialDescription.
func wantDescriptionError(t *testing.T, err error, field string) *ddbcrypt.DescriptionError {
	t.Helper()
	var de *ddbcrypt.DescriptionError
	if !errors.As(err, &de) {
		t.Fatalf("error %v, want a *ddbcrypt.DescriptionError", err)
	}
	if de.Field != field {
		t.Fatalf("DescriptionError.Field = %q, want %q (%v)", de.Field, field, err)
	}
	wantIs(t, err, ddbcrypt.ErrMaterialDescription)
	return de
}

// wantNoSecret fails if s contains key in hex (either case) or base64.
func wantNoSecret(t *testing.T, s string, key []byte) {
	t.Helper()
	for _, enc := range []string{
		hex.EncodeToString(key),
		strings.ToUpper(hex.EncodeToString(key)),
		base64.StdEncoding.EncodeToString(key),
		base64.RawStdEncoding.EncodeToString(key),
		string(key),
	} {
		if enc != "" && strings.Contains(s, enc) {
			t.Fatalf("%q contains key material", s)
		}
	}
	// fmt's %v of a []byte prints decimal bytes.
	if dec := strings.Trim(fmt.Sprint(key), "[]"); len(key) >= 4 && strings.Contains(s, dec) {
		t.Fatalf("%q contains key material (decimal)", s)
	}
}
