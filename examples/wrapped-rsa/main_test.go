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
// record loads back as saved, and is stored encrypted under an RSA-OAEP
// wrapped content key and signed with a 2048-bit RSA key.
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
	if got := desc[cmp.DescWrapAlgorithm]; got != "RSA/ECB/OAEPWithSHA-256AndMGF1Padding" {
		t.Errorf("material description %s = %q, want RSA/ECB/OAEPWithSHA-256AndMGF1Padding (%v)", cmp.DescWrapAlgorithm, got, desc)
	}
	if got := desc["amzn-ddb-map-signingAlg"]; got != "SHA512withRSA" {
		t.Errorf("material description amzn-ddb-map-signingAlg = %q, want SHA512withRSA (%v)", got, desc)
	}
	if len(sig) != 256 {
		t.Errorf("signature of %d bytes, want 256 (RSA-2048)", len(sig))
	}
}
