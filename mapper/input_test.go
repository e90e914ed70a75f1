package mapper_test

// Bad input is refused before any call to DynamoDB, with errors that wrap
// ddbcrypt.ErrInvalidItem or ddbcrypt.ErrInvalidConfig.

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	gocmp "github.com/google/go-cmp/cmp"
)

type withChan struct {
	ID string   `ddb:"pk,hash"`
	C  chan int `ddb:"c"`
}

func (withChan) TableName() string { return "never-created" }

type blob struct {
	ID      string `ddb:"pk,hash"`
	Seq     int    `ddb:"sk,range"`
	Version int    `ddb:"version,version"`
	Data    []byte `ddb:"data"`
}

type ptrKey struct {
	ID  *string `ddb:"pk,hash"`
	Seq int     `ddb:"sk,range"`
	V   string  `ddb:"v"`
}

type noHash struct {
	Seq int    `ddb:"sk,range"`
	V   string `ddb:"v"`
}

type spacedTag struct {
	ID  string `ddb:"pk, hash"`
	Seq int    `ddb:"sk,range"`
}

type encryptedKey struct {
	ID  string `ddb:"pk,hash" ddbcrypt:"encrypt"`
	Seq int    `ddb:"sk,range"`
}

// Key layouts that do not match a (pk S, sk N) table.
type otherHash struct {
	ID  string `ddb:"id,hash"`
	Seq int    `ddb:"sk,range"`
	V   string `ddb:"v"`
}

type hashOnly struct {
	ID string `ddb:"pk,hash"`
	V  string `ddb:"v"`
}

type swappedKeys struct {
	ID  string `ddb:"sk,hash"`
	Seq int    `ddb:"pk,range"`
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e, docs := newTableEnv[doc](t)
	blobs := mustTable[blob](t, e.m, e.table)

	noCalls := func(what string) {
		t.Helper()
		if n := total(e.cc); n != 0 {
			t.Errorf("%s: made calls %v, want none", what, e.cc.Counts())
		}
		e.cc.Reset()
	}

	t.Run("nil pointer", func(t *testing.T) {
		wantErrIs(t, "Save(nil)", docs.Save(ctx, nil), ddbcrypt.ErrInvalidItem)
		wantErrIs(t, "Load(nil)", docs.Load(ctx, nil), ddbcrypt.ErrInvalidItem)
		wantErrIs(t, "Delete(nil)", docs.Delete(ctx, nil), ddbcrypt.ErrInvalidItem)
		// The typed and the untyped methods word the mistake alike.
		for call, errs := range map[string][2]error{
			"Save":   {docs.Save(ctx, nil), e.m.Save(ctx, (*doc)(nil))},
			"Load":   {docs.Load(ctx, nil), e.m.Load(ctx, (*doc)(nil))},
			"Delete": {docs.Delete(ctx, nil), e.m.Delete(ctx, (*doc)(nil))},
		} {
			want := call + ": want a non-nil pointer to a struct, got a nil *mapper_test.doc"
			for i, err := range errs {
				if err == nil || !strings.HasSuffix(err.Error(), want) {
					t.Errorf("%s(nil) of the %s: %v, want an error ending %q", call, [...]string{"Table", "Mapper"}[i], err, want)
				}
			}
		}
		wantMention(t, "Mapper.Save(nil)", e.m.Save(ctx, nil), "Save: want a non-nil pointer to a struct, got nil")
		noCalls("nil pointers")
	})

	t.Run("untyped non-struct", func(t *testing.T) {
		for what, v := range map[string]any{
			"nil":               nil,
			"nil *withChan":     (*withChan)(nil),
			"struct value":      profile{ID: "x", Seq: 1},
			"pointer to string": new("x"),
			"pointer to slice":  &[]profile{},
		} {
			wantErrIs(t, "Mapper.Save("+what+")", e.m.Save(ctx, v), ddbcrypt.ErrInvalidItem)
			wantErrIs(t, "Mapper.Load("+what+")", e.m.Load(ctx, v), ddbcrypt.ErrInvalidItem)
			wantErrIs(t, "Mapper.Delete("+what+")", e.m.Delete(ctx, v), ddbcrypt.ErrInvalidItem)
		}
		noCalls("untyped non-structs")
	})

	t.Run("empty key", func(t *testing.T) {
		empty := doc{ID: "", Seq: 1, Secret: "s"}
		for what, err := range map[string]error{
			"Save":        docs.Save(ctx, &empty),
			"Load":        docs.Load(ctx, &empty),
			"Delete":      docs.Delete(ctx, &empty),
			"BatchSave":   docs.BatchSave(ctx, []doc{{ID: "ok", Seq: 1}, empty}),
			"BatchDelete": docs.BatchDelete(ctx, []doc{{ID: "ok", Seq: 1}, empty}),
			"Mapper.Save": e.m.Save(ctx, &profile{Seq: 1}),
		} {
			wantErrIs(t, what+" with an empty partition key", err, ddbcrypt.ErrInvalidItem)
			wantMention(t, what+" with an empty partition key", err, `"pk"`)
		}
		_, err := docs.BatchLoad(ctx, []doc{{ID: "ok", Seq: 1}, empty})
		wantErrIs(t, "BatchLoad with an empty partition key", err, ddbcrypt.ErrInvalidItem)
		// A nil pointer key is no key either.
		pk := mustTable[ptrKey](t, e.m, e.table)
		wantErrIs(t, "Save with a nil pointer key", pk.Save(ctx, &ptrKey{Seq: 1, V: "v"}), ddbcrypt.ErrInvalidItem)
		wantErrIs(t, "Load with a nil pointer key", pk.Load(ctx, &ptrKey{Seq: 1}), ddbcrypt.ErrInvalidItem)
		wantErrIs(t, "Save with an empty pointer key", pk.Save(ctx, &ptrKey{ID: new(""), Seq: 1}), ddbcrypt.ErrInvalidItem)
		noCalls("empty keys")
		if keys := rawKeys(t, e.db, e.table); len(keys) != 0 {
			t.Errorf("bad batches wrote %v", keys)
		}
	})

	t.Run("chan field", func(t *testing.T) {
		_, err := mapper.NewTable[withChan](e.m, mapper.WithTableName(e.table))
		wantErrIs(t, "NewTable of a type with a chan field", err, ddbcrypt.ErrInvalidConfig)
		wantMention(t, "NewTable of a type with a chan field", err, "C")
		wantErrIs(t, "Mapper.Save of a type with a chan field", e.m.Save(ctx, &withChan{ID: "x"}), ddbcrypt.ErrInvalidConfig)

		noCalls("chan fields")
	})

	t.Run("over 400 KB", func(t *testing.T) {
		big := blob{ID: "big", Seq: 1, Version: 3, Data: make([]byte, 410*1024)}
		err := blobs.Save(ctx, &big)
		wantErrIs(t, "Save of a 410 KB item", err, ddbcrypt.ErrInvalidItem)
		if k := itemKey(t, err); k != fmtKey(key("big", 1)) {
			t.Errorf("size error names %s", k)
		}
		if big.Version != 3 {
			t.Errorf("a refused Save changed Version to %d", big.Version)
		}
		err = blobs.BatchSave(ctx, []blob{{ID: "small", Seq: 1, Data: []byte{1}}, big})
		wantErrIs(t, "BatchSave with a 410 KB item", err, ddbcrypt.ErrInvalidItem)
		noCalls("items over 400 KB")
		if keys := rawKeys(t, e.db, e.table); len(keys) != 0 {
			t.Errorf("a refused batch wrote %v", keys)
		}
	})

	t.Run("over 400 KB once encrypted", func(t *testing.T) {
		// The plaintext fits, the ciphertext and signature do not: refused
		// after encryption, still before PutItem.
		edge := blob{ID: "edge", Seq: 1, Data: make([]byte, 400*1024-40)}
		err := blobs.Save(ctx, &edge)
		wantErrIs(t, "Save of an item over the limit once encrypted", err, ddbcrypt.ErrInvalidItem)
		if edge.Version != 0 {
			t.Errorf("a refused Save changed Version to %d", edge.Version)
		}
		if n := e.cc.Calls(opPut); n != 0 {
			t.Errorf("%d PutItem calls for an item over the limit", n)
		}
		e.cc.Reset()

		// A large item that fits is written and read back.
		fits := blob{ID: "fits", Seq: 1, Data: randomBytes(t, 390*1024)}
		if err := blobs.Save(ctx, &fits); err != nil {
			t.Fatalf("Save of a 390 KB item: %v", err)
		}
		got := blob{ID: "fits", Seq: 1}
		if err := blobs.Load(ctx, &got); err != nil || !gocmp.Equal(fits, got) {
			t.Errorf("Load of a 390 KB item: %v, equal %v", err, gocmp.Equal(fits, got))
		}
		e.cc.Reset()
	})

	t.Run("bad types", func(t *testing.T) {
		_, err := mapper.NewTable[doc](e.m) // no TableName method, no WithTableName
		wantErrIs(t, "NewTable without a table name", err, ddbcrypt.ErrInvalidConfig)
		_, err = mapper.NewTable[noHash](e.m, mapper.WithTableName(e.table))
		wantErrIs(t, "NewTable of a type without a partition key", err, ddbcrypt.ErrInvalidConfig)
		_, err = mapper.NewTable[spacedTag](e.m, mapper.WithTableName(e.table))
		wantErrIs(t, "NewTable of a type with a malformed tag", err, ddbcrypt.ErrInvalidConfig)
		_, err = mapper.NewTable[encryptedKey](e.m, mapper.WithTableName(e.table))
		wantErrIs(t, "NewTable of a type with an encrypted key", err, ddbcrypt.ErrInvalidConfig)
		_, err = mapper.NewTable[int](e.m, mapper.WithTableName(e.table))
		wantErrIs(t, "NewTable[int]", err, ddbcrypt.ErrInvalidConfig)
		noCalls("bad types")
	})
}

func TestKeysDoNotMatchTable(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t)
	name := testenv.NewTable(t, e.db, testenv.S("pk"), testenv.N("sk"))
	hashName := testenv.NewTable(t, e.db, testenv.S("pk"))

	check := func(what string, save func() error, load func() error) {
		t.Helper()
		e.cc.Reset()
		err := save()
		wantErrIs(t, what+": Save", err, ddbcrypt.ErrInvalidConfig)
		wantErrIs(t, what+": second Save", save(), ddbcrypt.ErrInvalidConfig)
		wantErrIs(t, what+": Load", load(), ddbcrypt.ErrInvalidConfig)
		if n := e.cc.Calls(opPut) + e.cc.Calls(opGet); n != 0 {
			t.Errorf("%s: made %v; want DescribeTable only", what, e.cc.Counts())
		}
		if n := e.cc.Calls(opDescribeTable); n > 1 {
			t.Errorf("%s: %d DescribeTable calls, want at most 1", what, n)
		}
	}

	oh := mustTable[otherHash](t, e.m, name)
	check("another partition key name",
		func() error { return oh.Save(ctx, &otherHash{ID: "a", Seq: 1, V: "v"}) },
		func() error { return oh.Load(ctx, &otherHash{ID: "a", Seq: 1}) })
	ho := mustTable[hashOnly](t, e.m, name)
	check("no sort key",
		func() error { return ho.Save(ctx, &hashOnly{ID: "a", V: "v"}) },
		func() error { return ho.Load(ctx, &hashOnly{ID: "a"}) })
	sw := mustTable[swappedKeys](t, e.m, name)
	check("swapped keys",
		func() error { return sw.Save(ctx, &swappedKeys{ID: "a", Seq: 1}) },
		func() error { return sw.Load(ctx, &swappedKeys{ID: "a", Seq: 1}) })
	extra := mustTable[doc](t, e.m, hashName)
	check("a sort key the table lacks",
		func() error { return extra.Save(ctx, &doc{ID: "a", Seq: 1}) },
		func() error { return extra.Load(ctx, &doc{ID: "a", Seq: 1}) })
	_, err := collect(extra.Query("a").All(ctx))
	wantErrIs(t, "Query with mismatched keys", err, ddbcrypt.ErrInvalidConfig)
	err = extra.BatchSave(ctx, []doc{{ID: "a", Seq: 1}})
	wantErrIs(t, "BatchSave with mismatched keys", err, ddbcrypt.ErrInvalidConfig)
	if n := e.cc.Calls(opBatchWrite) + e.cc.Calls(opQuery); n != 0 {
		t.Errorf("mismatched keys made %v", e.cc.Counts())
	}
	if keys := rawKeys(t, e.db, name); len(keys) != 0 {
		t.Errorf("mismatched types wrote %v", keys)
	}

	// A table that does not exist: an error, and no write.
	e.cc.Reset()
	missing := mustTable[doc](t, e.m, testenv.TableName(t))
	err = missing.Save(ctx, &doc{ID: "a", Seq: 1})
	var nf *types.ResourceNotFoundException
	if !errors.As(err, &nf) {
		t.Errorf("Save to a missing table: %v, want ResourceNotFoundException", err)
	}
	if n := e.cc.Calls(opPut); n != 0 {
		t.Errorf("Save to a missing table made %d PutItem calls", n)
	}
}

// BatchLoad matches the items DynamoDB returns to the keys asked for. A
// float sort key of negative zero is sent as "-0" and comes back as "0".
type floatKeyed struct {
	ID  string  `ddb:"pk,hash"`
	Seq float64 `ddb:"sk,range"`
	V   string  `ddb:"v"`
}

func TestBatchLoadNumberForms(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	_, tbl := newTableEnv[floatKeyed](t)
	items := []floatKeyed{
		{ID: "f", Seq: 1.5, V: "a"},
		{ID: "f", Seq: 1e21, V: "b"},
		{ID: "f", Seq: 1e-7, V: "c"},
		{ID: "f", Seq: math.Copysign(0, -1), V: "negative zero"},
	}
	if err := tbl.BatchSave(ctx, items); err != nil {
		t.Fatal(err)
	}
	got, err := tbl.BatchLoad(ctx, items)
	if err != nil {
		t.Fatal(err)
	}
	var vs []string
	for _, v := range got {
		vs = append(vs, v.V)
	}
	if diff := gocmp.Diff([]string{"a", "b", "c", "negative zero"}, vs); diff != "" {
		t.Errorf("BatchLoad missed stored items (-want +got):\n%s", diff)
	}
	// Load finds it.
	one := floatKeyed{ID: "f", Seq: math.Copysign(0, -1)}
	if err := tbl.Load(ctx, &one); err != nil || one.V != "negative zero" {
		t.Errorf("Load with key -0: %+v, %v", one, err)
	}
}
