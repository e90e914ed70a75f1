package mapper_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// A struct whose keys do not match its table is told so on first use, in
// the struct's terms, before any item is sent.
func TestKeysCheckedAgainstTheTable(t *testing.T) {
	t.Parallel()
	type stringSeq struct {
		ID  string `ddb:"pk,hash"`
		Seq string `ddb:"sk,range"` // the fake's sk is N
	}
	type noSort struct {
		ID string `ddb:"pk,hash"`
	}
	type byEmail struct {
		ID    string `ddb:"pk,hash"`
		Seq   int    `ddb:"sk,range"`
		Email string `ddb:"email,index=by-email:hash"`
	}
	type byOwner struct {
		ID    string `ddb:"pk,hash"`
		Seq   int    `ddb:"sk,range"`
		Owner string `ddb:"owner,index=by-email:hash"`
	}
	for _, tc := range []struct {
		what    string
		load    func(*mapper.Mapper) error
		indexes []testenv.Index
		want    []string
	}{
		{"a key of another type", func(m *mapper.Mapper) error { return load[stringSeq](t, m) }, nil,
			[]string{"field Seq", "type S", `key attribute "sk"`, "type N"}},
		{"no sort key", func(m *mapper.Mapper) error { return load[noSort](t, m) }, nil,
			[]string{`(partition key "pk", no sort key)`, `(partition key "pk", sort key "sk")`}},
		{"an index the table lacks", func(m *mapper.Mapper) error { return load[byEmail](t, m) }, nil,
			[]string{`index "by-email"`, "does not have"}},
		{"an index with other keys", func(m *mapper.Mapper) error { return load[byOwner](t, m) },
			[]testenv.Index{{Name: "by-email", Keys: []testenv.Key{testenv.S("email")}}},
			[]string{`index "by-email"`, `partition key "owner"`, `partition key "email"`}},
	} {
		f := strictFake(t)
		f.Indexes = tc.indexes
		err := tc.load(mapper.New(f, newProvider(t)))
		if !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("%s: error %v, want ErrInvalidConfig", tc.what, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", tc.what, err, w)
			}
		}
	}
}

// load reads T's items from the refusals table and returns the first
// error.
func load[T any](t *testing.T, m *mapper.Mapper) error {
	tbl, err := mapper.NewTable[T](m, mapper.WithTableName(fakeTable))
	if err != nil {
		t.Fatalf("NewTable[%T]: %v", *new(T), err)
	}
	for _, err := range tbl.Scan().All(t.Context()) {
		return err
	}
	return nil
}
