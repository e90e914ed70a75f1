package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/internal/testenv"
)

// The example saves and loads the guide's record on DynamoDB Local, rotates
// the keys and still reads the old record.
func TestExample(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out, testenv.DynamoDB(t), testenv.TableName(t)); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		"",
		"",
		"record 55 is protected by example-material#0",
		"created version 1; record 56 is protected by example-material#1",
		`record 55 still loads: example="data"`,
	}
	if len(lines) != len(want) || strings.TrimPrefix(lines[0], "saved  ") != strings.TrimPrefix(lines[1], "loaded ") {
		t.Fatalf("loaded record differs from the saved one:\n%s", out.String())
	}
	for i := 2; i < len(want); i++ {
		if lines[i] != want[i] {
			t.Errorf("line %d: %q, want %q", i+1, lines[i], want[i])
		}
	}
}
