package main

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/examples/internal/guidetest"
	"github.com/ddbcrypt/ddbcrypt/internal/testenv"
)

// The example saves and loads the guide's record on DynamoDB Local: the
// record loads back as saved, and is stored encrypted and signed.
func TestExample(t *testing.T) {
	db, table := testenv.DynamoDB(t), testenv.TableName(t)
	guidetest.DeleteTableAtEnd(t, db, table)
	var out bytes.Buffer
	if err := run(t.Context(), &out, db, table); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want := DataPoJo{PartitionAttribute: guidetest.Partition, SortAttribute: guidetest.Sort, Example: guidetest.Example,
		SomeNumbers: guidetest.Numbers, SomeBinary: guidetest.Binary, LeaveMe: guidetest.LeaveMe}
	if rest := guidetest.CheckLines(t, out.String(), fmt.Sprintf("%+v", want)); len(rest) != 0 {
		t.Errorf("unexpected output after the loaded line: %q", rest)
	}
	// A static provider: the keys themselves, no wrapped key in the
	// description; HMAC-SHA256 signs.
	desc, sig := guidetest.Stored(t, db, table)
	if key, ok := desc["amzn-ddb-env-key"]; ok {
		t.Errorf("a static provider's item carries a wrapped key %q", key)
	}
	if len(sig) != 32 {
		t.Errorf("signature of %d bytes, want 32 (HMAC-SHA256)", len(sig))
	}
}
