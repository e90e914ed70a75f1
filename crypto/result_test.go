package crypto_test

// The floor with its result: no budget, a reading aid for P1, P2 and P9.
// The floor (floor_test.go) does the primitive work on buffers it reuses
// from item to item, but EncryptItem and DecryptItem must return an item
// the caller owns. resultCase adds to the floor the allocations of that
// item, shaped like the library's:
//
//   - encrypt: the output map (the attributes, the signature and the
//     description), one buffer for every ciphertext and the description,
//     and one B value each;
//   - decrypt: one buffer for the plaintexts (the values' strings and
//     binaries point into it), the scalar values from one slab per kind,
//     sets, lists and maps allocated as the deserializer does, and the
//     output map.
//
// TestResultMatchesLibrary checks that it allocates about what the library
// allocates, so that ddbcrypt ÷ (floor with its result) measures what the
// library spends beyond the primitives and the result it must return, and
// its RunParallel gain what two CPUs allow once that result is allocated.

import (
	"math"
	"runtime"
	"runtime/debug"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/crypto"
)

// resultCase is a floor case that also builds its result. Like the floor
// case it is not safe for concurrent use.
type resultCase struct {
	floor  *floorCase
	plain  map[string]types.AttributeValue
	ptSize int // decrypt: the plaintexts' buffer
	ctSize int // encrypt: the ciphertexts' and description's buffer
	counts resultCounts
}

// resultCounts are the scalar values of the encrypted attributes, which
// the library's decryption takes from one slab per kind.
type resultCounts struct{ s, n, b, m, encrypted int }

func newResultCase(tb testing.TB, provider, shape string) *resultCase {
	tb.Helper()
	f := newFloorCase(tb, provider, shape)
	r := &resultCase{floor: f, plain: f.plain}
	for _, a := range f.attrs {
		if a.encrypted {
			r.ptSize += len(a.plain)
			r.ctSize += len(a.stored)
			r.counts.encrypted++
			countScalars(f.plain[a.key], &r.counts)
		}
	}
	r.ctSize += len(crypto.EncodeMaterialDescription(f.description()))
	return r
}

func countScalars(av types.AttributeValue, c *resultCounts) {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		c.s++
	case *types.AttributeValueMemberN:
		c.n++
	case *types.AttributeValueMemberB:
		c.b++
	case *types.AttributeValueMemberL:
		for _, el := range v.Value {
			countScalars(el, c)
		}
	case *types.AttributeValueMemberM:
		c.m++
		for _, el := range v.Value {
			countScalars(el, c)
		}
	}
}

// resultSink keeps each result on the heap, as a caller's would be.
var resultSink map[string]types.AttributeValue

func (r *resultCase) encrypt() error {
	if err := r.floor.encrypt(); err != nil {
		return err
	}
	out := make(map[string]types.AttributeValue, len(r.plain)+2)
	buf := make([]byte, r.ctSize)
	values := make([]types.AttributeValueMemberB, r.counts.encrypted+2)
	i := 0
	for _, a := range r.floor.attrs {
		if !a.encrypted {
			out[a.key] = r.plain[a.key]
			continue
		}
		values[i].Value, buf = buf[:len(a.stored)], buf[len(a.stored):]
		out[a.key] = &values[i]
		i++
	}
	values[i].Value, values[i+1].Value = r.floor.sig, buf
	out[crypto.SignatureAttribute], out[crypto.DescriptionAttribute] = &values[i], &values[i+1]
	resultSink = out
	return nil
}

func (r *resultCase) decrypt() error {
	if err := r.floor.decrypt(); err != nil {
		return err
	}
	pt := make([]byte, r.ptSize)
	b := resultBuilder{
		s: make([]types.AttributeValueMemberS, r.counts.s),
		n: make([]types.AttributeValueMemberN, r.counts.n),
		b: make([]types.AttributeValueMemberB, r.counts.b),
		m: make([]types.AttributeValueMemberM, r.counts.m),
	}
	out := make(map[string]types.AttributeValue, len(r.plain))
	for _, a := range r.floor.attrs {
		if !a.encrypted {
			out[a.key] = r.plain[a.key]
			continue
		}
		out[a.key] = b.value(r.plain[a.key], pt)
	}
	resultSink = out
	return nil
}

// resultBuilder rebuilds a decrypted value as the deserializer allocates
// it: scalars from the slabs, binaries pointing into the plaintexts,
// strings as they are (the library's point into the plaintexts too).
type resultBuilder struct {
	s []types.AttributeValueMemberS
	n []types.AttributeValueMemberN
	b []types.AttributeValueMemberB
	m []types.AttributeValueMemberM
}

func (r *resultBuilder) value(av types.AttributeValue, pt []byte) types.AttributeValue {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		s := &r.s[0]
		r.s, s.Value = r.s[1:], v.Value
		return s
	case *types.AttributeValueMemberN:
		n := &r.n[0]
		r.n, n.Value = r.n[1:], v.Value
		return n
	case *types.AttributeValueMemberB:
		b := &r.b[0]
		r.b, b.Value = r.b[1:], pt[:len(v.Value):len(v.Value)]
		return b
	case *types.AttributeValueMemberSS:
		return &types.AttributeValueMemberSS{Value: append([]string(nil), v.Value...)}
	case *types.AttributeValueMemberNS:
		return &types.AttributeValueMemberNS{Value: append([]string(nil), v.Value...)}
	case *types.AttributeValueMemberBS:
		return &types.AttributeValueMemberBS{Value: append([][]byte(nil), v.Value...)}
	case *types.AttributeValueMemberBOOL:
		return &types.AttributeValueMemberBOOL{Value: v.Value}
	case *types.AttributeValueMemberNULL:
		return &types.AttributeValueMemberNULL{Value: true}
	case *types.AttributeValueMemberL:
		l := make([]types.AttributeValue, len(v.Value))
		for i, el := range v.Value {
			l[i] = r.value(el, pt)
		}
		return &types.AttributeValueMemberL{Value: l}
	case *types.AttributeValueMemberM:
		m := &r.m[0]
		r.m = r.m[1:]
		m.Value = make(map[string]types.AttributeValue, len(v.Value))
		for k, el := range v.Value {
			m.Value[k] = r.value(el, pt)
		}
		return m
	}
	return av
}

// BenchmarkFloorWithResult is the floor with the result EncryptItem and
// DecryptItem return, Static provider.
func BenchmarkFloorWithResult(b *testing.B) {
	for _, s := range perfShapes {
		for _, op := range []string{"encrypt", "decrypt"} {
			b.Run("provider=static/shape="+s+"/op="+op, func(b *testing.B) {
				r := newResultCase(b, "static", s)
				opBench(r.floor.size, r.encrypt, r.decrypt, op)(b)
			})
		}
	}
}

// BenchmarkFloorWithResultParallel runs BenchmarkFloorWithResult's medium
// cases with b.RunParallel, each goroutine on its own case: with -cpu 1,2,
// what two CPUs gain once the result is allocated, beside
// BenchmarkFloorParallel's gain on the primitives alone.
func BenchmarkFloorWithResultParallel(b *testing.B) {
	for _, op := range []string{"encrypt", "decrypt"} {
		b.Run("provider=static/shape=medium/op="+op, func(b *testing.B) {
			parallelBench(b, op, func() *resultCase { return newResultCase(b, "static", "medium") },
				func(r *resultCase) (int, func() error, func() error) { return r.floor.size, r.encrypt, r.decrypt })
		})
	}
}

// TestResultMatchesLibrary checks that the result the floor builds
// allocates about what the library does per item, Static provider, every
// shape: what the floor with its result allocates beyond the floor alone
// is within 6 allocations, and 1 KiB + 10%, of the library's allocations
// (which also hold its own bookkeeping: the material description, the
// context).
func TestResultMatchesLibrary(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector changes allocation counts")
	}
	// The collector off, as in TestAllocBudget: a GC empties the pools
	// the library recycles buffers through.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	runtime.GC()
	for _, s := range perfShapes {
		r := newResultCase(t, "static", s)
		impl := newImplCase(t, "static", s)
		for _, op := range []string{"encrypt", "decrypt"} {
			lib, res, floor := impl.encrypt, r.encrypt, r.floor.encrypt
			if op == "decrypt" {
				lib, res, floor = impl.decrypt, r.decrypt, r.floor.decrypt
			}
			count := func(f func() error) (float64, float64) {
				run := func() {
					if err := f(); err != nil {
						t.Fatal(err)
					}
				}
				return testing.AllocsPerRun(20, run), float64(bytesPerRun(20, run))
			}
			la, lb := count(lib)
			ra, rb := count(res)
			fa, fb := count(floor)
			ra, rb = ra-fa, rb-fb
			t.Logf("%s/%s: library %.0f allocs %.0f bytes; the floor's result %.0f allocs %.0f bytes", s, op, la, lb, ra, rb)
			if math.Abs(la-ra) > 6 || math.Abs(lb-rb) > 1024+0.1*lb {
				t.Errorf("%s/%s: the floor's result makes %.0f allocations of %.0f bytes, the library %.0f of %.0f", s, op, ra, rb, la, lb)
			}
		}
	}
}
