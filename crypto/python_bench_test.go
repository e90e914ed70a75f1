package crypto_test

// The Python reference's side of the performance report (make perf-report,
// docs/performance.md):
//
//	BenchmarkPythonEncryptItem/provider=static/shape=<s>
//	BenchmarkPythonDecryptItem/provider=static/shape=<s>
//
// The legacy Python client, driven through internal/testing/reftest, runs the
// same shapes with the suite's Static provider keys and context. It times its
// own loop of b.N calls, and that time is reported as ns/op, so the driver's
// protocol and JSON are not in it. B/op and allocs/op are the Go side's and
// mean nothing here. DecryptItem decrypts the item ddbcrypt encrypted, which
// also proves that both sides hold the same keys.

import (
	"testing"
	"time"

	"github.com/ddbcrypt/ddbcrypt/internal/testing/reftest"
)

// pythonStatic is the suite's static provider (perfProvider "static") as
// the references describe it.
var pythonStatic = reftest.Provider{Kind: "static", EncryptionKey: perfAESKey, MACKey: perfHMACKey, MACAlgorithm: "HmacSHA256"}

// pythonJob is the job of one shape: the plaintext item to encrypt, or
// ddbcrypt's encryption of it to decrypt.
func pythonJob(c *implCase, op string) reftest.Job {
	item := c.plain
	if op == "decrypt" {
		item = c.encrypted
	}
	return reftest.Job{Provider: pythonStatic, Table: perfContext.TableName, PartitionKey: perfContext.PartitionKeyName,
		SortKey: perfContext.SortKeyName, Actions: perfActions, Items: []reftest.Item{item}}
}

func BenchmarkPythonEncryptItem(b *testing.B) { benchPython(b, "encrypt") }

func BenchmarkPythonDecryptItem(b *testing.B) { benchPython(b, "decrypt") }

func benchPython(b *testing.B, op string) {
	ref := reftest.Python(b)
	for _, s := range perfShapes {
		b.Run("provider=static/shape="+s, func(b *testing.B) {
			job := pythonJob(newImplCase(b, "static", s), op)
			perOp, err := ref.Time(op, job, b.N)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(perOp.Nanoseconds()), "ns/op")
		})
	}
}

// TestPythonTime checks the timing job of the Python driver: the time per
// call it reports, times the calls, fits in the wall time of the job, and
// is most of it; an unknown op is an error.
func TestPythonTime(t *testing.T) {
	ref := reftest.Python(t)
	job := pythonJob(newImplCase(t, "static", "small"), "decrypt")
	if _, err := ref.Time("decrypt", job, 1); err != nil { // start-up and first-use costs
		t.Fatal(err)
	}
	const n = 200
	start := time.Now()
	perOp, err := ref.Time("decrypt", job, n)
	wall := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if loop := n * perOp; loop > wall || loop < wall/4 {
		t.Errorf("%d calls of %v each = %v, but the job took %v", n, perOp, loop, wall)
	}
	if _, err := ref.Time("sign", job, 1); err == nil {
		t.Error("timing an unknown op: no error")
	}
	if _, err := ref.Time("decrypt", job, 0); err == nil {
		t.Error("timing 0 calls: no error")
	}
}
