package main

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/examples/internal/guidetest"
	"github.com/ddbcrypt/ddbcrypt/internal/testenv"
)

// The example saves and loads the guide's record on DynamoDB Local, rotates
// the keys and still reads the old record, which is stored encrypted and
// signed with the first version of the material.
func TestExample(t *testing.T) {
	db, table := testenv.DynamoDB(t), testenv.TableName(t)
	guidetest.DeleteTableAtEnd(t, db, table)
	var out bytes.Buffer
	if err := run(t.Context(), &out, db, table); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	want := Record{PartitionAttribute: guidetest.Partition, SortAttribute: guidetest.Sort, Example: guidetest.Example,
		SomeNumbers: guidetest.Numbers, SomeBinary: guidetest.Binary, LeaveMe: guidetest.LeaveMe}
	rest := guidetest.CheckLines(t, out.String(), fmt.Sprintf("%+v", want))
	wantRest := []string{
		"record 55 is protected by example-material#0",
		"created version 1; record 56 is protected by example-material#1",
		`record 55 still loads: example="data"`,
	}
	if len(rest) != len(wantRest) {
		t.Fatalf("%d lines after the loaded one, want %d:\n%s", len(rest), len(wantRest), out.String())
	}
	for i := range rest {
		if rest[i] != wantRest[i] {
			t.Errorf("line %d: %q, want %q", i+3, rest[i], wantRest[i])
		}
	}
	desc, _ := guidetest.Stored(t, db, table)
	if got := desc[cmp.DescMetaID]; got != materialName+"#0" {
		t.Errorf("material description %s = %q, want %s#0", cmp.DescMetaID, got, materialName)
	}
}
