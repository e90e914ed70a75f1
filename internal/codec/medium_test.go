package codec

// The medium shape of the performance suite (spec/BENCHMARKS.md), as the
// mapper's bench_test.go has it, and the codec's own benchmark on it.

import (
	"reflect"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/schema"
)

// BenchmarkCodec: the codec and attributevalue on the medium shape, both
// ways (the mapper's BenchmarkMapper adds nothing but the call through the
// table).
func BenchmarkCodec(b *testing.B) {
	item := testenv.MediumItem(b)
	v := testenv.MediumOrder(b)
	rv := reflect.ValueOf(v).Elem()
	s, err := schema.Of(rv.Type())
	if err != nil {
		b.Fatal(err)
	}
	out := reflect.New(rv.Type()).Elem()
	for _, bc := range []struct {
		name string
		f    func() error
	}{
		{"impl=codec/op=marshal", func() error { _, err := cdc.Encode(s, rv); return err }},
		{"impl=codec/op=unmarshal", func() error { return cdc.Decode(s, item, out) }},
		{"impl=attributevalue/op=marshal", func() error { _, err := cdcEncoder.Encode(v); return err }},
		{"impl=attributevalue/op=unmarshal", func() error { return wantDecode(item, out) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := bc.f(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
