package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ddbcrypt/ddbcrypt/internal/testenv"
)

// The example saves and loads the guide's record on DynamoDB Local.
func TestExample(t *testing.T) {
	var out bytes.Buffer
	if err := run(t.Context(), &out, testenv.DynamoDB(t), testenv.TableName(t)); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || strings.TrimPrefix(lines[0], "saved  ") != strings.TrimPrefix(lines[1], "loaded ") {
		t.Errorf("loaded record differs from the saved one:\n%s", out.String())
	}
}
