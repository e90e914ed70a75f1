package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/ddbcrypt/ddbcrypt/internal/testenv"
)

var (
	sideBySideLeaveMe = regexp.MustCompile(`(?m)^ *leave me +S "alone" +S "alone"$`)
	sideBySideExample = regexp.MustCompile(`(?m)^ *example +B \S+ \(\d+ bytes\) +S "data"$`)
)

// The example runs against DynamoDB Local, checks what it shows itself, and
// says so.
func TestEncryptedClientExample(t *testing.T) {
	db := testenv.DynamoDB(t)
	table := testenv.TableName(t)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	})
	for run1 := range 2 { // a second run finds the table there and empty
		var out bytes.Buffer
		if err := run(t.Context(), &out, db, table); err != nil {
			t.Fatalf("run %d: %v\n%s", run1+1, err, out.String())
		}
		for _, want := range []string{
			"*amzn-ddb-map-sig*", "*amzn-ddb-map-desc*",
			"BatchWriteItem and BatchGetItem of 4 items",
			`partition_attribute=S "another" sort_attribute=N 56 example=S "data"`,
			"A filter on \"example\" is refused",
			"Deleted the 5 items.",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("run %d: output lacks %q:\n%s", run1+1, want, out.String())
			}
		}
		// The raw item beside the decrypted one: "leave me" the same in both,
		// "example" ciphertext in one and plaintext in the other.
		for _, re := range []*regexp.Regexp{sideBySideLeaveMe, sideBySideExample} {
			if !re.MatchString(out.String()) {
				t.Errorf("run %d: output does not match %v:\n%s", run1+1, re, out.String())
			}
		}
		if n := strings.Count(out.String(), `partition_attribute=S "is this"`); n != 2+3 {
			t.Errorf("run %d: %d lines of partition \"is this\" in the batch and the query, want 5:\n%s", run1+1, n, out.String())
		}
	}
	scan, err := db.Scan(t.Context(), &dynamodb.ScanInput{TableName: aws.String(table), Select: "COUNT"})
	if err != nil {
		t.Fatal(err)
	}
	if scan.Count != 0 {
		t.Errorf("the example left %d items behind", scan.Count)
	}
}
