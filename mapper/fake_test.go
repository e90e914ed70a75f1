package mapper_test

import (
	"testing"

	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// newFakeMapper returns a mapper over an in-process DynamoDB (whose tables
// have the key pk S, sk N), for what the mapper does without a server: what
// it makes of failures and of answers a real server would not give.
func newFakeMapper(t *testing.T) (*testenv.FakeDB, *mapper.Mapper) {
	t.Helper()
	fc := testenv.NewFakeDB(t)
	return fc, mapper.New(fc, newProvider(t), fastRetry)
}

// strictFake returns an in-process DynamoDB like newFakeMapper's that
// expects no call but DescribeTable (see testenv.FakeDB.Expect).
func strictFake(t *testing.T) *testenv.FakeDB {
	f := testenv.NewFakeDB(t)
	f.Expect()
	return f
}
