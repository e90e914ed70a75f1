package encrypted_test

import (
	"testing"

	"github.com/ddbcrypt/ddbcrypt/encrypted"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// fakeEnv is an encrypted client over an in-process DynamoDB (whose tables
// have the key pk S, sk N), with testActions for table "t": for what the
// client does without a server, and what it makes of answers a real server
// would not give.
type fakeEnv struct {
	db    *testenv.FakeDB
	c     *encrypted.Client
	table string
}

func newFakeEnv(t *testing.T) *fakeEnv {
	t.Helper()
	db := testenv.NewFakeDB(t)
	return &fakeEnv{db: db, c: newClient(db, newStaticProvider(t), "t", testActions()), table: "t"}
}
