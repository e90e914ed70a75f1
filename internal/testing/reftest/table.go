package reftest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// PythonTable returns the Python reference, a DynamoDB Local client and a
// fresh table on it with the key pk (S), sk (N): what a test of items
// between ddbcrypt and Python's EncryptedTable needs ("put" and "get" jobs).
func PythonTable(t testing.TB) (*Ref, *dynamodb.Client, string) {
	t.Helper()
	py := Python(t)
	db := testenv.DynamoDB(t)
	return py, db, testenv.NewTable(t, db, testenv.S("pk"), testenv.N("sk"))
}
