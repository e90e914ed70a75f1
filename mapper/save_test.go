package mapper_test

// Save, Load and Delete: versioning, write conditions, reads, and the
// untyped Mapper methods.

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	gocmp "github.com/google/go-cmp/cmp"
)

// account is a versioned item: keys, version and status signed in
// plaintext, a do-not-touch note, the rest encrypted.
type account struct {
	ID      string `ddb:"pk,hash"`
	Seq     int    `ddb:"sk,range"`
	Version int    `ddb:"version,version"`
	Owner   string `ddb:"owner"`
	Balance int64  `ddb:"balance"`
	Status  string `ddb:"status" ddbcrypt:"signonly"`
	Note    string `ddb:"note,omitempty" ddbcrypt:"donottouch"`
	Counter int    `ddb:"counter"`
}

// doc is an unversioned item with the same table layout.
type doc struct {
	ID     string `ddb:"pk,hash"`
	Seq    int    `ddb:"sk,range"`
	Status string `ddb:"status" ddbcrypt:"signonly"`
	Note   string `ddb:"note" ddbcrypt:"donottouch"`
	Secret string `ddb:"secret"`
}

func versionOf(t *testing.T, item map[string]types.AttributeValue) string {
	t.Helper()
	n, ok := item["version"].(*types.AttributeValueMemberN)
	if !ok {
		t.Fatalf("stored version is %#v, want a plaintext number", item["version"])
	}
	return n.Value
}

func TestVersioning(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e, tbl := newTableEnv[account](t)

	a := account{ID: "acct", Seq: 1, Owner: "alice", Balance: 10, Status: "open", Counter: 0}
	if err := tbl.Save(ctx, &a); err != nil {
		t.Fatalf("first Save: %v", err)
	}
	if a.Version != 1 {
		t.Errorf("after the first Save, Version = %d, want 1", a.Version)
	}
	if v := versionOf(t, testenv.RawGet(t, e.db, e.table, key("acct", 1))); v != "1" {
		t.Errorf("stored version %s, want 1", v)
	}
	if err := tbl.Save(ctx, &a); err != nil {
		t.Fatalf("second Save: %v", err)
	}
	if a.Version != 2 {
		t.Errorf("after the second Save, Version = %d, want 2", a.Version)
	}
	raw := testenv.RawGet(t, e.db, e.table, key("acct", 1))
	if v := versionOf(t, raw); v != "2" {
		t.Errorf("stored version %s, want 2", v)
	}
	if _, ok := raw["owner"].(*types.AttributeValueMemberB); !ok {
		t.Errorf("owner stored as %T, want encrypted", raw["owner"])
	}

	// Two copies at version 2; the first to save wins.
	stale := account{ID: "acct", Seq: 1}
	if err := tbl.Load(ctx, &stale, mapper.ConsistentRead()); err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(a, stale); diff != "" {
		t.Fatalf("loaded copy differs (-saved +loaded):\n%s", diff)
	}
	a.Balance = 20
	if err := tbl.Save(ctx, &a); err != nil {
		t.Fatalf("third Save: %v", err)
	}
	stale.Balance = 999
	stale.Owner = "mallory"
	before := stale
	err := tbl.Save(ctx, &stale)
	wantErrIs(t, "Save of a stale copy", err, mapper.ErrVersionConflict)
	if !errors.Is(err, mapper.ErrConditionFailed) || !errors.Is(err, ddbcrypt.ErrConditionFailed) {
		t.Errorf("Save of a stale copy: %v does not wrap ErrConditionFailed, of which a version conflict is the specific case", err)
	}
	if !mapper.IsConflict(err) {
		t.Errorf("IsConflict(%v) = false", err)
	}
	if got, want := itemKey(t, err), fmtKey(key("acct", 1)); got != want {
		t.Errorf("conflict names key %s, want %s", got, want)
	}
	if diff := gocmp.Diff(before, stale); diff != "" {
		t.Errorf("a failed Save changed the struct (-before +after):\n%s", diff)
	}
	var stored account = account{ID: "acct", Seq: 1}
	if err := tbl.Load(ctx, &stored, mapper.ConsistentRead()); err != nil {
		t.Fatal(err)
	}
	if diff := gocmp.Diff(a, stored); diff != "" {
		t.Errorf("the stale Save changed the stored item (-want +got):\n%s", diff)
	}

	// A fresh struct (version 0) over an existing item.
	fresh := account{ID: "acct", Seq: 1, Owner: "eve"}
	err = tbl.Save(ctx, &fresh)
	wantErrIs(t, "Save of version 0 over an existing item", err, mapper.ErrVersionConflict)
	if fresh.Version != 0 {
		t.Errorf("failed Save left Version = %d, want 0", fresh.Version)
	}

	// A fresh struct for a new key saves with version 1.
	other := account{ID: "acct", Seq: 2, Owner: "bob"}
	if err := tbl.Save(ctx, &other); err != nil || other.Version != 1 {
		t.Errorf("Save of a new item: err %v, Version %d; want nil, 1", err, other.Version)
	}

	// Delete with a stale version fails; with the right one it succeeds.
	err = tbl.Delete(ctx, &stale)
	wantErrIs(t, "Delete with a stale version", err, mapper.ErrVersionConflict)
	if testenv.RawGet(t, e.db, e.table, key("acct", 1)) == nil {
		t.Fatal("a Delete with a stale version deleted the item")
	}
	if err := tbl.Delete(ctx, &a); err != nil {
		t.Fatalf("Delete with the current version: %v", err)
	}
	if testenv.RawGet(t, e.db, e.table, key("acct", 1)) != nil {
		t.Fatal("item still there after Delete")
	}

	// Load after delete: not found, naming the key.
	gone := account{ID: "acct", Seq: 1, Owner: "keep"}
	err = tbl.Load(ctx, &gone, mapper.ConsistentRead())
	wantErrIs(t, "Load after Delete", err, mapper.ErrNotFound)
	if !mapper.IsNotFound(err) {
		t.Errorf("IsNotFound(%v) = false", err)
	}
	var ie *mapper.ItemError
	if !errors.As(err, &ie) {
		t.Fatalf("Load after Delete: %v is not an ItemError", err)
	}
	if ie.Table != e.table || fmtKey(ie.Key) != fmtKey(key("acct", 1)) {
		t.Errorf("ItemError names table %q key %s; want %q %s", ie.Table, fmtKey(ie.Key), e.table, fmtKey(key("acct", 1)))
	}
	wantMention(t, "not-found message", err, `"acct"`)
	if gone.Owner != "keep" {
		t.Errorf("a failed Load changed the struct: Owner = %q", gone.Owner)
	}

	// Saving the old version over the deleted item is a conflict, too.
	err = tbl.Save(ctx, &a)
	wantErrIs(t, "Save with version 3 of a deleted item", err, mapper.ErrVersionConflict)
	if a.Version != 3 {
		t.Errorf("failed Save changed Version to %d, want 3", a.Version)
	}
	// A Delete with version 0 is unconditional.
	if err := tbl.Delete(ctx, &account{ID: "acct", Seq: 2}); err != nil {
		t.Errorf("Delete with version 0: %v", err)
	}
	if testenv.RawGet(t, e.db, e.table, key("acct", 2)) != nil {
		t.Error("Delete with version 0 did not delete")
	}
}

// Version fields of other integer types.
type uintVersioned struct {
	ID      string `ddb:"pk,hash"`
	Seq     int    `ddb:"sk,range"`
	Version uint32 `ddb:"v,version"`
	Data    string `ddb:"data"`
}

type ptrVersioned struct {
	ID      string `ddb:"pk,hash"`
	Seq     int    `ddb:"sk,range"`
	Version *int64 `ddb:"v,version"`
	Data    string `ddb:"data"`
}

func TestVersionFieldTypes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e, uints := newTableEnv[uintVersioned](t)

	t.Run("uint32", func(t *testing.T) {
		v := uintVersioned{ID: "u", Seq: 1, Data: "x"}
		for want := uint32(1); want <= 2; want++ {
			if err := uints.Save(ctx, &v); err != nil || v.Version != want {
				t.Fatalf("Save: err %v, Version %d; want nil, %d", err, v.Version, want)
			}
		}
		stale := uintVersioned{ID: "u", Seq: 1, Version: 1}
		wantErrIs(t, "stale uint32 version", uints.Save(ctx, &stale), mapper.ErrVersionConflict)
	})

	// The schema allows a pointer to an integer as the version.
	t.Run("pointer", func(t *testing.T) {
		tbl := mustTable[ptrVersioned](t, e.m, e.table)
		v := ptrVersioned{ID: "p", Seq: 1, Data: "x"}
		var err error
		noPanic(t, "Save with a nil *int64 version", func() { err = tbl.Save(ctx, &v) })
		if err != nil {
			t.Fatalf("Save with a nil *int64 version: %v", err)
		}
		if v.Version == nil || *v.Version != 1 {
			t.Errorf("after Save, Version = %v, want 1", v.Version)
		}
		noPanic(t, "second Save with a *int64 version", func() { err = tbl.Save(ctx, &v) })
		if err != nil || v.Version == nil || *v.Version != 2 {
			t.Errorf("second Save: err %v, Version %v; want nil, 2", err, v.Version)
		}
		stale := ptrVersioned{ID: "p", Seq: 1, Version: new(int64(1))}
		noPanic(t, "stale Save with a *int64 version", func() { err = tbl.Save(ctx, &stale) })
		wantErrIs(t, "stale *int64 version", err, mapper.ErrVersionConflict)
		noPanic(t, "Delete with a *int64 version", func() { err = tbl.Delete(ctx, &v) })
		if err != nil {
			t.Errorf("Delete with a *int64 version: %v", err)
		}
	})
}

// BatchSave neither checks nor increments the version (CLOBBER).
func TestBatchSaveClobbersVersion(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e, tbl := newTableEnv[account](t)
	a := account{ID: "b", Seq: 1, Owner: "x"}
	for range 3 {
		if err := tbl.Save(ctx, &a); err != nil {
			t.Fatal(err)
		}
	}
	items := []account{{ID: "b", Seq: 1, Version: 1, Owner: "clobber"}}
	if err := tbl.BatchSave(ctx, items); err != nil {
		t.Fatal(err)
	}
	if items[0].Version != 1 {
		t.Errorf("BatchSave changed Version to %d", items[0].Version)
	}
	if v := versionOf(t, testenv.RawGet(t, e.db, e.table, key("b", 1))); v != "1" {
		t.Errorf("stored version after BatchSave %s, want 1", v)
	}
}

func TestConditions(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e, docs := newTableEnv[doc](t)
	accts := mustTable[account](t, e.m, e.table)

	statusIs := func(s string) mapper.Option {
		return mapper.If(expression.Name("status").Equal(expression.Value(s)))
	}
	load := func(id string, seq int) (doc, error) {
		d := doc{ID: id, Seq: seq}
		return d, docs.Load(ctx, &d, mapper.ConsistentRead())
	}

	d := doc{ID: "d", Seq: 1, Status: "open", Note: "n1", Secret: "s1"}
	if err := docs.Save(ctx, &d); err != nil {
		t.Fatal(err)
	}

	t.Run("save", func(t *testing.T) {
		// True on a signed-only attribute.
		d.Secret = "s2"
		if err := docs.Save(ctx, &d, statusIs("open")); err != nil {
			t.Fatalf("Save with a true condition: %v", err)
		}
		if got, err := load("d", 1); err != nil || got.Secret != "s2" {
			t.Fatalf("after a conditional Save: %+v, %v", got, err)
		}
		// True on a do-not-touch attribute.
		d.Secret = "s3"
		if err := docs.Save(ctx, &d, mapper.If(expression.Name("note").Equal(expression.Value("n1")))); err != nil {
			t.Fatalf("Save with a true condition on a do-not-touch attribute: %v", err)
		}
		// False.
		d.Secret = "s4"
		err := docs.Save(ctx, &d, statusIs("closed"))
		wantErrIs(t, "Save with a false condition", err, mapper.ErrConditionFailed)
		if errors.Is(err, mapper.ErrVersionConflict) {
			t.Errorf("unversioned false condition also wraps ErrVersionConflict: %v", err)
		}
		if got, _ := load("d", 1); got.Secret != "s3" {
			t.Errorf("a failed conditional Save wrote the item: secret = %q", got.Secret)
		}
		// Create-only on the (signed) partition key.
		dup := doc{ID: "d", Seq: 1, Status: "x"}
		wantErrIs(t, "create-only Save over an existing item",
			docs.Save(ctx, &dup, mapper.If(expression.AttributeNotExists(expression.Name("pk")))), mapper.ErrConditionFailed)
		nu := doc{ID: "d", Seq: 9, Status: "x"}
		if err := docs.Save(ctx, &nu, mapper.If(expression.AttributeNotExists(expression.Name("pk")))); err != nil {
			t.Errorf("create-only Save of a new item: %v", err)
		}
		// Several conditions are all required.
		wantErrIs(t, "two conditions, one false",
			docs.Save(ctx, &d, statusIs("open"), mapper.If(expression.Name("note").Equal(expression.Value("other")))), mapper.ErrConditionFailed)
	})

	t.Run("encrypted attribute", func(t *testing.T) {
		conds := map[string]expression.ConditionBuilder{
			"equal":        expression.Name("secret").Equal(expression.Value("s3")),
			"right side":   expression.Name("status").Equal(expression.Name("secret")),
			"size":         expression.Name("secret").Size().GreaterThan(expression.Value(0)),
			"exists":       expression.AttributeExists(expression.Name("secret")),
			"inside an or": expression.Or(statusIs2("open"), expression.Name("secret").BeginsWith("s")),
		}
		for what, c := range conds {
			e.cc.Reset()
			err := docs.Save(ctx, &d, mapper.If(c))
			wantErrIs(t, "Save, condition "+what, err, ddbcrypt.ErrInvalidItem)
			wantMention(t, "Save, condition "+what, err, `"secret"`)
			if n := total(e.cc); n != 0 {
				t.Errorf("Save, condition %s: made calls %v, want none", what, e.cc.Counts())
			}
			err = docs.Delete(ctx, &d, mapper.If(c))
			wantErrIs(t, "Delete, condition "+what, err, ddbcrypt.ErrInvalidItem)
			wantMention(t, "Delete, condition "+what, err, `"secret"`)
			if n := total(e.cc); n != 0 {
				t.Errorf("Delete, condition %s: made calls %v, want none", what, e.cc.Counts())
			}
		}
		if testenv.RawGet(t, e.db, e.table, key("d", 1)) == nil {
			t.Error("a refused Delete deleted the item")
		}
	})

	t.Run("encrypted attribute, first use", func(t *testing.T) {
		// On a fresh mapper the table is described, but nothing written.
		cc := testenv.NewParallelFaults(t)
		fresh := mustTable[doc](t, mapper.New(cc, newProvider(t)), e.table)
		err := fresh.Save(ctx, &doc{ID: "d", Seq: 1}, mapper.If(expression.Name("secret").Equal(expression.Value("x"))))
		wantErrIs(t, "Save on first use, condition on an encrypted attribute", err, ddbcrypt.ErrInvalidItem)
		if n := cc.Calls(opPut); n != 0 {
			t.Errorf("%d PutItem calls, want 0", n)
		}
	})

	t.Run("delete", func(t *testing.T) {
		x := doc{ID: "d", Seq: 2, Status: "open", Secret: "x"}
		if err := docs.Save(ctx, &x); err != nil {
			t.Fatal(err)
		}
		wantErrIs(t, "Delete with a false condition", docs.Delete(ctx, &x, statusIs("closed")), mapper.ErrConditionFailed)
		if testenv.RawGet(t, e.db, e.table, key("d", 2)) == nil {
			t.Fatal("Delete with a false condition deleted the item")
		}
		if err := docs.Delete(ctx, &x, statusIs("open")); err != nil {
			t.Fatalf("Delete with a true condition: %v", err)
		}
		if testenv.RawGet(t, e.db, e.table, key("d", 2)) != nil {
			t.Error("Delete with a true condition did not delete")
		}
		// A condition on a missing item fails.
		wantErrIs(t, "conditional Delete of a missing item", docs.Delete(ctx, &x, statusIs("open")), mapper.ErrConditionFailed)
	})

	t.Run("version and condition", func(t *testing.T) {
		a := account{ID: "v", Seq: 1, Status: "open", Owner: "o"}
		if err := accts.Save(ctx, &a); err != nil {
			t.Fatal(err)
		}
		stale := a // version 1
		if err := accts.Save(ctx, &a, statusIs("open")); err != nil || a.Version != 2 {
			t.Fatalf("right version, true condition: err %v, Version %d; want nil, 2", err, a.Version)
		}

		err := accts.Save(ctx, &a, statusIs("closed"))
		wantErrIs(t, "right version, false condition", err, mapper.ErrConditionFailed)
		if errors.Is(err, mapper.ErrVersionConflict) {
			t.Errorf("right version, false condition: %v wraps ErrVersionConflict", err)
		}
		if a.Version != 2 {
			t.Errorf("failed Save changed Version to %d", a.Version)
		}

		err = accts.Save(ctx, &stale, statusIs("open"))
		wantErrIs(t, "stale version, true condition", err, mapper.ErrVersionConflict)
		if !errors.Is(err, mapper.ErrConditionFailed) {
			t.Errorf("stale version, true condition: %v does not wrap ErrConditionFailed", err)
		}
		wantErrIs(t, "stale version, false condition", accts.Save(ctx, &stale, statusIs("closed")), mapper.ErrVersionConflict)
		if stale.Version != 1 {
			t.Errorf("failed Saves changed the stale Version to %d", stale.Version)
		}

		fresh := account{ID: "v", Seq: 1, Status: "open"}
		wantErrIs(t, "version 0 over an item, true condition", accts.Save(ctx, &fresh, statusIs("open")), mapper.ErrVersionConflict)

		newItem := account{ID: "v", Seq: 2, Status: "open"}
		wantErrIs(t, "version 0, no item, condition on it", accts.Save(ctx, &newItem, statusIs("open")), mapper.ErrConditionFailed)
		if newItem.Version != 0 {
			t.Errorf("failed Save changed Version to %d", newItem.Version)
		}

		// An encrypted attribute in the condition is refused before the
		// version is looked at.
		err = accts.Save(ctx, &stale, mapper.If(expression.Name("owner").Equal(expression.Value("o"))))
		wantErrIs(t, "versioned Save, condition on an encrypted attribute", err, ddbcrypt.ErrInvalidItem)
		wantMention(t, "versioned Save, condition on an encrypted attribute", err, `"owner"`)
		if stale.Version != 1 {
			t.Errorf("refused Save changed Version to %d", stale.Version)
		}

		// Delete: each failure its own kind.
		err = accts.Delete(ctx, &a, statusIs("closed"))
		wantErrIs(t, "Delete, right version, false condition", err, mapper.ErrConditionFailed)
		err = accts.Delete(ctx, &stale, statusIs("open"))
		wantErrIs(t, "Delete, stale version, true condition", err, mapper.ErrVersionConflict)
		if testenv.RawGet(t, e.db, e.table, key("v", 1)) == nil {
			t.Fatal("a failed Delete deleted the item")
		}
		if err := accts.Delete(ctx, &a, statusIs("open")); err != nil {
			t.Fatalf("Delete, right version, true condition: %v", err)
		}
		if testenv.RawGet(t, e.db, e.table, key("v", 1)) != nil {
			t.Error("Delete did not delete")
		}
	})
}

func statusIs2(s string) expression.ConditionBuilder {
	return expression.Name("status").Equal(expression.Value(s))
}

// wide is account plus an attribute account does not have.
type wide struct {
	account
	Extra string `ddb:"extra_attr"`
}

func TestLoad(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e, tbl := newTableEnv[account](t)

	a := account{ID: "l", Seq: 1, Owner: "o", Balance: -5, Status: "s", Note: "n", Counter: 3}
	if err := tbl.Save(ctx, &a); err != nil {
		t.Fatal(err)
	}

	t.Run("consistent read", func(t *testing.T) {
		got := account{ID: "l", Seq: 1}
		if err := tbl.Load(ctx, &got, mapper.ConsistentRead()); err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(a, got); diff != "" {
			t.Errorf("(-saved +loaded):\n%s", diff)
		}
		in, _ := e.cc.Last(opGet).(*dynamodb.GetItemInput)
		if in == nil || in.ConsistentRead == nil || !*in.ConsistentRead {
			t.Errorf("Load with ConsistentRead sent %+v", in)
		}
		if err := tbl.Load(ctx, &got); err != nil {
			t.Fatal(err)
		}
		in, _ = e.cc.Last(opGet).(*dynamodb.GetItemInput)
		if in == nil || (in.ConsistentRead != nil && *in.ConsistentRead) {
			t.Errorf("Load without ConsistentRead sent a consistent read")
		}
	})

	t.Run("not found", func(t *testing.T) {
		got := account{ID: "l", Seq: 404}
		err := tbl.Load(ctx, &got)
		wantErrIs(t, "Load of a missing item", err, mapper.ErrNotFound)
		if k := itemKey(t, err); k != fmtKey(key("l", 404)) {
			t.Errorf("not-found error names %s", k)
		}
	})

	t.Run("zeroes absent fields", func(t *testing.T) {
		b := account{ID: "l", Seq: 2, Owner: "o2"} // Note empty: omitted
		if err := tbl.Save(ctx, &b); err != nil {
			t.Fatal(err)
		}
		if _, ok := testenv.RawGet(t, e.db, e.table, key("l", 2))["note"]; ok {
			t.Fatal("an empty omitempty field was stored")
		}
		got := account{ID: "l", Seq: 2, Note: "stale note", Balance: 77, Status: "stale", Counter: 9, Version: 42}
		if err := tbl.Load(ctx, &got); err != nil {
			t.Fatal(err)
		}
		if diff := gocmp.Diff(b, got); diff != "" {
			t.Errorf("Load kept values the item does not have (-want +got):\n%s", diff)
		}
	})

	t.Run("unknown attribute", func(t *testing.T) {
		wt := mustTable[wide](t, e.m, e.table)
		w := wide{account: account{ID: "l", Seq: 3, Owner: "w", Status: "s"}, Extra: "from the future"}
		if err := wt.Save(ctx, &w); err != nil {
			t.Fatal(err)
		}
		got := account{ID: "l", Seq: 3}
		err := tbl.Load(ctx, &got)
		wantErrIs(t, "Load of an item with an unknown attribute", err, ddbcrypt.ErrUnknownAttribute)
		wantMention(t, "Load of an item with an unknown attribute", err, "extra_attr", "has no field for them", "mapper.AcceptUnknownAttributes()")
		if k := itemKey(t, err); k != fmtKey(key("l", 3)) {
			t.Errorf("unknown-attribute error names %s", k)
		}

		lenient := mustTable[account](t, mapper.New(e.db, e.p, mapper.AcceptUnknownAttributes()), e.table)
		got = account{ID: "l", Seq: 3}
		if err := lenient.Load(ctx, &got); err != nil {
			t.Fatalf("Load with AcceptUnknownAttributes: %v", err)
		}
		want := account{ID: "l", Seq: 3, Version: 1, Owner: "w", Status: "s"}
		if diff := gocmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}

		// Even when accepted, the unknown attribute is verified.
		testenv.RawSet(t, e.db, e.table, key("l", 3), "extra_attr", &types.AttributeValueMemberB{Value: make([]byte, 32)})
		err = lenient.Load(ctx, &got)
		wantErrIs(t, "Load of an item with a tampered unknown attribute", err, ddbcrypt.ErrIntegrity)
	})

	t.Run("tampered", func(t *testing.T) {
		testenv.RawSet(t, e.db, e.table, key("l", 1), "status", &types.AttributeValueMemberS{Value: "changed"})
		got := account{ID: "l", Seq: 1, Owner: "before"}
		err := tbl.Load(ctx, &got)
		wantErrIs(t, "Load of a tampered item", err, ddbcrypt.ErrIntegrity)
		if got.Owner != "before" {
			t.Errorf("a failed Load changed the struct: Owner = %q", got.Owner)
		}
	})
}

func TestUntypedMapper(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t)
	testenv.CreateTable(t, e.db, testenv.TableSpec{Name: profileTable, Partition: testenv.S("pk"), Sort: testenv.N("sk")})

	p := profile{ID: "u", Seq: 1, Name: "Ada", Email: "ada@example.com"}
	if err := e.m.Save(ctx, &p); err != nil {
		t.Fatalf("Mapper.Save: %v", err)
	}
	if p.Version != 1 {
		t.Errorf("Mapper.Save set Version %d, want 1", p.Version)
	}
	raw := testenv.RawGet(t, e.db, profileTable, key("u", 1))
	if _, ok := raw["email"].(*types.AttributeValueMemberB); !ok {
		t.Errorf("email stored as %T, want encrypted", raw["email"])
	}
	if _, ok := raw[crypto.SignatureAttribute]; !ok {
		t.Error("no signature stored")
	}

	got := profile{ID: "u", Seq: 1}
	if err := e.m.Load(ctx, &got, mapper.ConsistentRead()); err != nil {
		t.Fatalf("Mapper.Load: %v", err)
	}
	if diff := gocmp.Diff(p, got); diff != "" {
		t.Errorf("(-saved +loaded):\n%s", diff)
	}

	// The same type through a typed Table reads the same item.
	typed, err := mapper.NewTable[profile](e.m)
	if err != nil {
		t.Fatal(err)
	}
	if typed.Name() != profileTable {
		t.Errorf("Table.Name() = %q, want %q", typed.Name(), profileTable)
	}
	viaTable := profile{ID: "u", Seq: 1}
	if err := typed.Load(ctx, &viaTable); err != nil || viaTable.Name != "Ada" {
		t.Errorf("typed Load: %+v, %v", viaTable, err)
	}

	stale := got
	if err := e.m.Save(ctx, &got); err != nil || got.Version != 2 {
		t.Fatalf("second Mapper.Save: err %v, Version %d", err, got.Version)
	}
	wantErrIs(t, "Mapper.Save of a stale copy", e.m.Save(ctx, &stale), mapper.ErrVersionConflict)
	wantErrIs(t, "Mapper.Delete of a stale copy", e.m.Delete(ctx, &stale), mapper.ErrVersionConflict)
	if err := e.m.Save(ctx, &got, mapper.If(expression.Name("email").Equal(expression.Value("x")))); !errors.Is(err, ddbcrypt.ErrInvalidItem) {
		t.Errorf("Mapper.Save with a condition on an encrypted attribute: %v", err)
	}
	if err := e.m.Delete(ctx, &got); err != nil {
		t.Fatalf("Mapper.Delete: %v", err)
	}
	wantErrIs(t, "Mapper.Load after Delete", e.m.Load(ctx, &got), mapper.ErrNotFound)

	// Bad arguments to the untyped methods.
	e.cc.Reset()
	for what, v := range map[string]any{
		"nil":                  nil,
		"nil *profile":         (*profile)(nil),
		"struct value":         p,
		"pointer to an int":    new(int),
		"pointer to a pointer": new(*profile),
		"pointer to a map":     &map[string]string{},
	} {
		wantErrIs(t, "Mapper.Save("+what+")", e.m.Save(ctx, v), ddbcrypt.ErrInvalidItem)
		wantErrIs(t, "Mapper.Load("+what+")", e.m.Load(ctx, v), ddbcrypt.ErrInvalidItem)
		wantErrIs(t, "Mapper.Delete("+what+")", e.m.Delete(ctx, v), ddbcrypt.ErrInvalidItem)
	}
	// A struct type without a TableName method.
	wantErrIs(t, "Mapper.Save of a type without TableName", e.m.Save(ctx, &doc{ID: "x", Seq: 1}), ddbcrypt.ErrInvalidConfig)
	if n := total(e.cc); n != 0 {
		t.Errorf("bad arguments made calls: %v", e.cc.Counts())
	}
}

// profileTable is the table profile's TableName method names: one per test
// process, as the schema reads the name once per type.
var profileTable = func() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "ddbcrypt-test-mapper-profile-" + hex.EncodeToString(b)
}()

type profile struct {
	ID      string `ddb:"pk,hash"`
	Seq     int    `ddb:"sk,range"`
	Version int64  `ddb:"ver,version"`
	Name    string `ddb:"name" ddbcrypt:"signonly"`
	Email   string `ddb:"email"`
}

func (profile) TableName() string { return profileTable }
