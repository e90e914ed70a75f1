package mapper_test

import (
	"errors"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

func TestTransaction(t *testing.T) {
	ctx := t.Context()
	e, accounts := newTableEnv[account](t)
	docs := mustTable[doc](t, e.m, e.table)

	// Two saves and a delete, committed together.
	gone := doc{ID: "d", Seq: 9, Secret: "old"}
	if err := docs.Save(ctx, &gone); err != nil {
		t.Fatal(err)
	}
	a := account{ID: "a", Seq: 1, Owner: "alice", Balance: 10}
	b := account{ID: "b", Seq: 1, Owner: "bob", Balance: 20}
	tx := e.m.NewTx()
	for _, acc := range []*account{&a, &b} {
		if err := accounts.TxSave(ctx, tx, acc); err != nil {
			t.Fatal(err)
		}
	}
	if err := docs.TxDelete(ctx, tx, &gone); err != nil {
		t.Fatal(err)
	}
	if a.Version != 0 {
		t.Fatalf("version changed before commit: %d", a.Version)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if a.Version != 1 || b.Version != 1 {
		t.Errorf("versions after commit: %d, %d; want 1, 1", a.Version, b.Version)
	}
	got := account{ID: "b", Seq: 1}
	if err := accounts.Load(ctx, &got, mapper.ConsistentRead()); err != nil || got.Owner != "bob" || got.Version != 1 {
		t.Errorf("Load after commit: %+v, %v", got, err)
	}
	if err := docs.Load(ctx, &doc{ID: "d", Seq: 9}, mapper.ConsistentRead()); !errors.Is(err, mapper.ErrNotFound) {
		t.Errorf("deleted in the transaction, Load: %v", err)
	}
	if err := tx.Commit(ctx); !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
		t.Errorf("second Commit: %v", err)
	}

	// A stale version cancels the whole transaction: nothing is written and
	// no struct changes.
	stale := a
	stale.Version = 0
	c := account{ID: "c", Seq: 1, Owner: "carol"}
	tx = e.m.NewTx()
	if err := accounts.TxSave(ctx, tx, &c); err != nil {
		t.Fatal(err)
	}
	if err := accounts.TxSave(ctx, tx, &stale); err != nil {
		t.Fatal(err)
	}
	err := tx.Commit(ctx)
	var tce *types.TransactionCanceledException
	if !errors.Is(err, mapper.ErrVersionConflict) || !errors.As(err, &tce) {
		t.Fatalf("Commit with a stale version: %v; want ErrVersionConflict and the cancellation reasons", err)
	}
	if c.Version != 0 || stale.Version != 0 {
		t.Errorf("versions changed by a failed commit: %d, %d", c.Version, stale.Version)
	}
	if err := accounts.Load(ctx, &account{ID: "c", Seq: 1}, mapper.ConsistentRead()); !errors.Is(err, mapper.ErrNotFound) {
		t.Errorf("an item of a cancelled transaction was written: %v", err)
	}

	// An encrypted attribute in a condition is refused when added.
	tx = e.m.NewTx()
	if err := accounts.TxSave(ctx, tx, &c, mapper.If(expression.Name("owner").Equal(expression.Value("x")))); !errors.Is(err, ddbcrypt.ErrInvalidItem) {
		t.Errorf("condition on an encrypted attribute: %v", err)
	}
}

func TestUpdateDoNotTouchField(t *testing.T) {
	ctx := t.Context()
	e, accounts := newTableEnv[account](t)
	a := account{ID: "u", Seq: 1, Owner: "alice", Balance: 5, Note: "first"}
	if err := accounts.Save(ctx, &a); err != nil {
		t.Fatal(err)
	}

	// The do-not-touch note changes alone; the item still verifies.
	a.Note = "second"
	a.Owner = "mallory" // not named: not written
	if err := accounts.Update(ctx, &a, "note"); err != nil {
		t.Fatal(err)
	}
	got := account{ID: "u", Seq: 1}
	if err := accounts.Load(ctx, &got, mapper.ConsistentRead()); err != nil {
		t.Fatalf("Load after Update: %v", err)
	}
	if got.Note != "second" || got.Owner != "alice" {
		t.Errorf("after Update: %+v", got)
	}
	// By Go field name, and an omitted value removes the attribute.
	a.Note = ""
	if err := accounts.Update(ctx, &a, "Note"); err != nil {
		t.Fatal(err)
	}
	if raw := testenv.RawGet(t, e.db, e.table, key("u", 1)); raw["note"] != nil {
		t.Errorf("omitted note still stored: %v", raw["note"])
	}

	// Signed, encrypted and key fields are refused before any call.
	e.cc.Reset()
	for _, field := range []string{"owner", "status", "pk", "version", "nosuch"} {
		if err := accounts.Update(ctx, &a, field); !errors.Is(err, ddbcrypt.ErrInvalidItem) {
			t.Errorf("Update(%q): %v, want ErrInvalidItem", field, err)
		}
	}
	if n := e.cc.Calls(opUpdate); n != 0 {
		t.Errorf("%d UpdateItem calls for refused updates", n)
	}
	// An item that does not exist is not created.
	if err := accounts.Update(ctx, &account{ID: "none", Seq: 1, Note: "x"}, "note"); !errors.Is(err, mapper.ErrNotFound) {
		t.Errorf("Update of a missing item: %v", err)
	}
}
