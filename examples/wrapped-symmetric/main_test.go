package main

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/guidetest"
	"github.com/ddbcrypt/ddbcrypt/internal/testenv"
)

// The example saves and loads the guide's record on DynamoDB Local: the
// record loads back as saved, and is stored encrypted under an AES-wrapped
// content key and signed with HMAC-SHA512.
func TestExample(t *testing.T) {
	db, table := testenv.DynamoDB(t), testenv.TableName(t)
	guidetest.DeleteTableAtEnd(t, db, table)
	var out bytes.Buffer
	if err := run(t.Context(), &out, db, table); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want := Record{PartitionAttribute: guidetest.Partition, SortAttribute: guidetest.Sort, Example: guidetest.Example,
		SomeNumbers: guidetest.Numbers, SomeBinary: guidetest.Binary, LeaveMe: guidetest.LeaveMe}
	if rest := guidetest.CheckLines(t, out.String(), fmt.Sprintf("%+v", want)); len(rest) != 0 {
		t.Errorf("unexpected output after the loaded line: %q", rest)
	}
	desc, sig := guidetest.Stored(t, db, table)
	if got := desc[cmp.DescWrapAlgorithm]; got != "AESWrap" {
		t.Errorf("material description %s = %q, want AESWrap (%v)", cmp.DescWrapAlgorithm, got, desc)
	}
	if desc[cmp.DescEnvelopeKey] == "" {
		t.Errorf("material description has no wrapped content key (%v)", desc)
	}
	if len(sig) != 64 {
		t.Errorf("signature of %d bytes, want 64 (HMAC-SHA512)", len(sig))
	}
}
