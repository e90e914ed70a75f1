package crypto_test

// The item-encryptor benchmarks of the performance suite (spec/BENCHMARKS.md):
//
//	BenchmarkEncryptItem/provider=<p>/shape=<s>
//	BenchmarkDecryptItem/provider=<p>/shape=<s>
//	BenchmarkFloor/provider=<p>/shape=<s>/op=<encrypt|decrypt>   (floor_test.go)
//	BenchmarkEncryptItemParallel/provider=static/shape=medium
//
// with p in static, wrapped-aes, wrapped-rsa and s in small, medium, large.
// b.SetBytes is the size of the encrypted item (tableinfo.ItemSize), so that
// MB/s compares across providers. The same benchmark functions serve
// TestPerfBudget (budget_test.go), which computes the P1–P3 ratios.
//
// Nothing here needs the shared vectors folder: the shapes are in
// testdata/shapes and the RSA key pair in testdata/rsa-2048.json.

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors/vectorstest"
)

// perfProviders are the provider names in suite order.
var perfProviders = []string{"static", "wrapped-aes", "wrapped-rsa"}

// The fixed keys of the suite: a 32-byte AES key (the static provider's
// attribute key, and the wrapped-aes key-encryption key) and a 32-byte HMAC
// key.
var (
	perfAESKey  = []byte("ddbcrypt-perf-aes-key-32-bytes!!")
	perfHMACKey = []byte("ddbcrypt-perf-hmac-key-32-bytes!")
)

const perfTable = "perf-table"

// perfContext and perfActions: pk and sk are signed only, every other
// attribute is encrypted and signed.
var (
	perfContext = crypto.Context{TableName: perfTable, PartitionKeyName: "pk", SortKeyName: "sk"}
	perfActions = crypto.EncryptAll("pk", "sk")
)

var (
	rsaOnce sync.Once
	rsaPriv *rsa.PrivateKey
	rsaErr  error
)

// perfRSAKey returns the RSA-2048 key pair of testdata/rsa-2048.json (the
// vectors' rsaEncPriv, which is also their rsaSignPriv).
func perfRSAKey(tb testing.TB) *rsa.PrivateKey {
	tb.Helper()
	rsaOnce.Do(func() {
		var f struct {
			Public, Private struct{ Material string }
		}
		data, err := os.ReadFile(filepath.Join("testdata", "rsa-2048.json"))
		if err == nil {
			err = json.Unmarshal(data, &f)
		}
		var der []byte
		if err == nil {
			der, err = base64.StdEncoding.DecodeString(f.Private.Material)
		}
		var k any
		if err == nil {
			k, err = x509.ParsePKCS8PrivateKey(der)
		}
		if err != nil {
			rsaErr = err
			return
		}
		rsaPriv = k.(*rsa.PrivateKey)
		if der, err = base64.StdEncoding.DecodeString(f.Public.Material); err == nil {
			var pub any
			if pub, err = x509.ParsePKIXPublicKey(der); err == nil && !rsaPriv.PublicKey.Equal(pub) {
				rsaErr = os.ErrInvalid
			}
		}
		if err != nil {
			rsaErr = err
		}
	})
	if rsaErr != nil {
		tb.Fatalf("testdata/rsa-2048.json: %v", rsaErr)
	}
	return rsaPriv
}

// perfProvider builds a provider of the suite.
func perfProvider(tb testing.TB, name string) cmp.Provider {
	tb.Helper()
	must := func(err error) {
		tb.Helper()
		if err != nil {
			tb.Fatalf("provider %s: %v", name, err)
		}
	}
	var p cmp.Provider
	switch name {
	case "static":
		p = testenv.NewStatic(tb, perfAESKey, perfHMACKey)
	case "wrapped-aes":
		p = testenv.NewWrapped(tb, perfAESKey, perfHMACKey, nil)
	case "wrapped-rsa":
		priv := perfRSAKey(tb)
		wk, err := cmp.NewRSAWrappingKey(&priv.PublicKey)
		must(err)
		uk, err := cmp.NewRSAUnwrappingKey(priv)
		must(err)
		sk, err := cmp.NewRSASigningKey("SHA256withRSA", priv)
		must(err)
		p, err = cmp.NewWrapped(cmp.WrappedConfig{WrappingKey: wk, UnwrappingKey: uk, SigningKey: sk})
		must(err)
	default:
		tb.Fatalf("unknown provider %q", name)
	}
	return p
}

// implCase is one provider×shape of the implementation: an encryptor, the
// plaintext item and an encrypted copy of it.
type implCase struct {
	enc       *crypto.Encryptor
	plain     map[string]types.AttributeValue
	encrypted map[string]types.AttributeValue
	size      int // tableinfo.ItemSize(encrypted)
}

func newImplCase(tb testing.TB, provider, shape string) *implCase {
	tb.Helper()
	c := &implCase{enc: crypto.NewEncryptor(perfProvider(tb, provider)), plain: loadShape(tb, shape)}
	var err error
	if c.encrypted, err = c.enc.EncryptItem(context.Background(), c.plain, perfActions, perfContext); err != nil {
		tb.Fatalf("%s/%s: EncryptItem: %v", provider, shape, err)
	}
	c.size = tableinfo.ItemSize(c.encrypted)
	return c
}

func (c *implCase) encrypt() error {
	_, err := c.enc.EncryptItem(context.Background(), c.plain, perfActions, perfContext)
	return err
}

func (c *implCase) decrypt() error {
	_, err := c.enc.DecryptItem(context.Background(), c.encrypted, perfActions, perfContext)
	return err
}

// implBench returns the benchmark of EncryptItem or DecryptItem for one case.
func implBench(c *implCase, op string) func(*testing.B) {
	return opBench(c.size, c.encrypt, c.decrypt, op)
}

// opBench returns the benchmark of encrypt or decrypt, as op says, on an
// item whose encrypted size is size.
func opBench(size int, encrypt, decrypt func() error, op string) func(*testing.B) {
	return func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(size))
		run := encrypt
		if op == "decrypt" {
			run = decrypt
		}
		for b.Loop() {
			if err := run(); err != nil {
				b.Fatal(err)
			}
		}
	}
}

func BenchmarkEncryptItem(b *testing.B) { benchImpl(b, "encrypt") }

func BenchmarkDecryptItem(b *testing.B) { benchImpl(b, "decrypt") }

func benchImpl(b *testing.B, op string) {
	for _, p := range perfProviders {
		for _, s := range perfShapes {
			b.Run("provider="+p+"/shape="+s, func(b *testing.B) {
				implBench(newImplCase(b, p, s), op)(b)
			})
		}
	}
}

func BenchmarkFloor(b *testing.B) {
	for _, p := range perfProviders {
		for _, s := range perfShapes {
			for _, op := range []string{"encrypt", "decrypt"} {
				b.Run("provider="+p+"/shape="+s+"/op="+op, func(b *testing.B) {
					floorBench(newFloorCase(b, p, s), op)(b)
				})
			}
		}
	}
}

// BenchmarkOutputMaps rebuilds the maps and lists of each shape's plaintext
// item around its existing values: what DecryptItem must allocate to return
// a map[string]types.AttributeValue, which the floor leaves out. For the
// medium shape (a 20-entry map, 7 nested maps and a list) it takes 0.4–0.6×
// the decrypt floor by itself (-cpu 1), which leaves P1's 1.5× a tenth of
// the floor or less for everything else DecryptItem does.
func BenchmarkOutputMaps(b *testing.B) {
	for _, s := range perfShapes {
		b.Run("shape="+s, func(b *testing.B) {
			plain := loadShape(b, s)
			b.ReportAllocs()
			for b.Loop() {
				out := make(map[string]types.AttributeValue, len(plain))
				for k, v := range plain {
					out[k] = rebuildContainers(v)
				}
				outputMapsSink = out
			}
		})
	}
}

// outputMapsSink keeps BenchmarkOutputMaps' maps on the heap, as
// DecryptItem's are.
var outputMapsSink map[string]types.AttributeValue

// rebuildContainers returns av with its maps and lists allocated afresh.
func rebuildContainers(av types.AttributeValue) types.AttributeValue {
	switch v := av.(type) {
	case *types.AttributeValueMemberM:
		m := make(map[string]types.AttributeValue, len(v.Value))
		for k, el := range v.Value {
			m[k] = rebuildContainers(el)
		}
		return &types.AttributeValueMemberM{Value: m}
	case *types.AttributeValueMemberL:
		l := make([]types.AttributeValue, len(v.Value))
		for i, el := range v.Value {
			l[i] = rebuildContainers(el)
		}
		return &types.AttributeValueMemberL{Value: l}
	}
	return av
}

// BenchmarkEncryptItemParallel measures throughput with b.RunParallel; run
// it with -cpu 1,2 for P9 (2 CPUs ÷ 1 CPU ≥ 1.8×).
func BenchmarkEncryptItemParallel(b *testing.B) {
	b.Run("provider=static/shape=medium", func(b *testing.B) {
		c := newImplCase(b, "static", "medium")
		b.ReportAllocs()
		b.SetBytes(int64(c.size))
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := c.encrypt(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}

// TestPerfRSAKeyMatchesVectors checks that testdata/rsa-2048.json is the key
// pair of the shared vectors' keys.json, when the vectors are present.
func TestPerfRSAKeyMatchesVectors(t *testing.T) {
	dir := vectorstest.Dir(t)
	data, err := os.ReadFile(filepath.Join(dir, "encrypted_item", "keys.json"))
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]struct{ Material string }
	if err := json.Unmarshal(data, &keys); err != nil {
		t.Fatal(err)
	}
	der, err := base64.StdEncoding.DecodeString(keys["rsaSignPriv"].Material)
	if err != nil {
		t.Fatal(err)
	}
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	if !perfRSAKey(t).Equal(k) {
		t.Fatal("testdata/rsa-2048.json is not the vectors' rsaSignPriv key")
	}
}

// BenchmarkFloorParallel runs the crypto floor with b.RunParallel, each
// goroutine on its own buffers: with -cpu 1,2 it gives the throughput that
// two CPUs of this machine gain on the primitives alone, the ceiling that
// P9 (EncryptItem and DecryptItem, 2 CPUs ÷ 1 CPU ≥ 1.8×) is measured
// under.
func BenchmarkFloorParallel(b *testing.B) {
	for _, op := range []string{"encrypt", "decrypt"} {
		b.Run("provider=static/shape=medium/op="+op, func(b *testing.B) {
			parallelBench(b, op, func() *floorCase { return newFloorCase(b, "static", "medium") },
				func(f *floorCase) (int, func() error, func() error) { return f.size, f.encrypt, f.decrypt })
		})
	}
}

// parallelBench runs op with b.RunParallel, each goroutine on a case of
// its own made by newCase (RunParallel starts GOMAXPROCS goroutines). ops
// gives a case's item size and operations.
func parallelBench[C any](b *testing.B, op string, newCase func() C, ops func(C) (size int, encrypt, decrypt func() error)) {
	cases := make(chan C, runtime.GOMAXPROCS(0))
	for range cap(cases) {
		cases <- newCase()
	}
	first := <-cases
	cases <- first
	size, _, _ := ops(first)
	b.ReportAllocs()
	b.SetBytes(int64(size))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		_, run, decrypt := ops(<-cases)
		if op == "decrypt" {
			run = decrypt
		}
		for pb.Next() {
			if err := run(); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
