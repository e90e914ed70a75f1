package crypto_test

// Raw items between ddbcrypt and the Java reference, both ways. Java is the
// independent oracle for the string to sign's ordering: it orders attribute
// names, map keys and set members by UTF-16 code unit, and binary set
// members by signed byte, as ddbcrypt writes. ddbcrypt reads Java's items
// with strict ordering, so that its Python-order fallback cannot hide a
// wrong ordering.

import (
	"testing"

	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/reftest"
)

func TestJavaInterop(t *testing.T) {
	java := reftest.Java(t)
	strict := reftest.Ddbcrypt{Options: []crypto.Option{crypto.WithStrictOrdering()}}
	// Java's driver has no Direct KMS: its provider needs the KMS SDK.
	runInterop(t, java, strict, interopProviders(t, false), reftest.VariedItems())
}

func TestJavaDivergentOrder(t *testing.T) {
	java := reftest.Java(t)
	strict := reftest.Ddbcrypt{Options: []crypto.Option{crypto.WithStrictOrdering()}}
	signed := []string{"signed_set", "signed_m", "signed_bs", "signed_l"}
	mixes := []struct {
		name    string
		actions crypto.AttributeActions
	}{
		{"encrypt by default", crypto.EncryptAll(signed...)},
		{"sign by default", crypto.AttributeActions{Default: crypto.SignOnly}},
	}
	for _, p := range interopProviders(t, false) {
		t.Run(p.name, func(t *testing.T) {
			for _, mix := range mixes {
				t.Run(mix.name, func(t *testing.T) {
					job := reftest.Job{Provider: p.provider, Table: "interop-table", PartitionKey: "pk", SortKey: "sk", Actions: mix.actions, Items: reftest.DivergentItems()}
					reftest.RoundTrip(t, strict, java, job)
					reftest.RoundTrip(t, java, strict, job)
				})
			}
		})
	}
}
