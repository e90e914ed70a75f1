package cmp_test

// Direct KMS items whose number sort key is not spelled canonically, between
// ddbcrypt and the Python reference. The KMS encryption context holds the
// key's text as the writer had it (docs/format.md 11 item 8): a reader must use
// the text stored in the item, so an item file written by Python with key
// "7.50" decrypts. DynamoDB returns numbers normalized ("7.5"), after which
// no reader can rebuild the writer's context: there ddbcrypt must agree with
// Python.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/reftest"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/vectors"
)

// kmsKeySpellings are sort keys as a writer may spell them, with the form
// DynamoDB stores.
var kmsKeySpellings = []struct{ written, normalized string }{
	{"7.50", "7.5"}, {"645.400", "645.4"}, {"1E+3", "1000"}, {"7.5", "7.5"},
}

// kmsNumberKeyJob returns a Direct KMS job over table with one item per
// spelling, each under its own partition key (7.50 and 7.5 are one key to
// DynamoDB).
func kmsNumberKeyJob(t *testing.T, table, writer string) reftest.Job {
	job := reftest.Job{Provider: reftest.DirectKMS(t), Table: table, PartitionKey: "pk", SortKey: "sk",
		Actions: crypto.EncryptAll("signed")}
	for _, s := range kmsKeySpellings {
		job.Items = append(job.Items, reftest.Item{"pk": reftest.S(writer + " " + s.written), "sk": reftest.N(s.written),
			"secret": reftest.S("for " + s.written), "signed": reftest.N(s.written)})
	}
	return job
}

func TestPythonDirectKMSNumberKeys(t *testing.T) {
	py := reftest.Python(t)
	db := testenv.DynamoDB(t)
	table := testenv.NewTable(t, db, testenv.S("pk"), testenv.N("sk"))
	job := kmsNumberKeyJob(t, table, "python")
	e := crypto.NewEncryptor(job.Provider.Build(t))

	// Python writes item files; ddbcrypt reads them as written.
	dir := t.TempDir()
	stored := py.Encrypt(t, job)
	for i, s := range kmsKeySpellings {
		b, err := vectors.MarshalItem(stored[i])
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, strings.ReplaceAll(s.written, "+", "p")+".json")
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
		t.Run("file sk="+s.written, func(t *testing.T) {
			b, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			item, err := vectors.UnmarshalItem(b)
			if err != nil {
				t.Fatal(err)
			}
			if sk := item["sk"].(*types.AttributeValueMemberN).Value; sk != s.written {
				t.Fatalf("Python stored sk %q, want %q as written", sk, s.written)
			}
			got, err := e.DecryptItem(t.Context(), item, job.Actions, job.Context())
			if err != nil {
				t.Fatalf("ddbcrypt cannot decrypt Python's Direct KMS item with sort key %q: %v", s.written, err)
			}
			reftest.CheckItems(t, "decrypted", []reftest.Item{got}, job.Items[i:i+1])
		})
	}

	// The same items stored in DynamoDB Local and read back normalized:
	// ddbcrypt decrypts exactly those Python decrypts.
	for i, s := range kmsKeySpellings {
		t.Run("dynamodb sk="+s.written, func(t *testing.T) {
			item := roundTripDynamoDB(t, db, table, stored[i])
			if sk := item["sk"].(*types.AttributeValueMemberN).Value; sk != s.normalized {
				t.Fatalf("DynamoDB returned sk %q, want %q", sk, s.normalized)
			}
			read := job
			read.Items = []reftest.Item{item}
			_, pyErr := py.Do("decrypt", read)
			_, err := e.DecryptItem(t.Context(), item, job.Actions, job.Context())
			t.Logf("sort key %q stored as %q: Python decrypt error: %v; ddbcrypt decrypt error: %v", s.written, s.normalized, pyErr, err)
			if (err == nil) != (pyErr == nil) {
				t.Errorf("ddbcrypt and Python disagree on whether the item decrypts")
			}
		})
	}
}

// ddbcrypt puts the canonical form of a number key in the KMS context, which
// is what DynamoDB returns: its items with oddly spelled keys decrypt with
// Python once stored.
func TestDirectKMSNumberKeysToPython(t *testing.T) {
	py := reftest.Python(t)
	db := testenv.DynamoDB(t)
	table := testenv.NewTable(t, db, testenv.S("pk"), testenv.N("sk"))
	job := kmsNumberKeyJob(t, table, "ddbcrypt")
	stored := reftest.Ddbcrypt{}.Encrypt(t, job)
	read := job
	read.Items = nil
	for _, item := range stored {
		read.Items = append(read.Items, roundTripDynamoDB(t, db, table, item))
	}
	reftest.CheckItems(t, "Python decrypt of ddbcrypt's items read from DynamoDB", py.Decrypt(t, read), job.Items)
}

// roundTripDynamoDB puts item into table and returns it as read back.
func roundTripDynamoDB(t *testing.T, db *dynamodb.Client, table string, item reftest.Item) reftest.Item {
	t.Helper()
	if _, err := db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatalf("PutItem: %v", err)
	}
	out, err := db.GetItem(t.Context(), &dynamodb.GetItemInput{TableName: aws.String(table),
		Key: reftest.Item{"pk": item["pk"], "sk": item["sk"]}, ConsistentRead: aws.Bool(true)})
	if err != nil || out.Item == nil {
		t.Fatalf("GetItem: %v (item found: %t)", err, out != nil && out.Item != nil)
	}
	return out.Item
}
