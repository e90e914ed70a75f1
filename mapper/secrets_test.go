package mapper_test

// End to end: Load names the attribute that does not fit the struct but
// not its plaintext, and Save refuses a value that contains itself.

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ddbcrypt/ddbcrypt"
)

type cardAsInt64 struct {
	ID   string `ddb:"pk,hash"`
	Seq  int    `ddb:"sk,range"`
	Card int64  `ddb:"card"`
	SSN  string `ddb:"ssn"`
}

type cardAsNumber struct {
	ID   string `ddb:"pk,hash"`
	Seq  int    `ddb:"sk,range"`
	Card int8   `ddb:"card"`
	SSN  string `ddb:"ssn"`
}

type ssnAsNumber struct {
	ID   string `ddb:"pk,hash"`
	Seq  int    `ddb:"sk,range"`
	Card int64  `ddb:"card"`
	SSN  int    `ddb:"ssn"`
}

type linked struct {
	ID   string  `ddb:"pk,hash"`
	Seq  int     `ddb:"sk,range"`
	Next *linked `ddb:"next"`
	Data any     `ddb:"data"`
}

func TestLoadErrorsHideEncryptedValues(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e, cards := newTableEnv[cardAsInt64](t)

	saved := cardAsInt64{ID: "a", Seq: 1, Card: 4111111111111111, SSN: "078-05-1120"}
	if err := cards.Save(ctx, &saved); err != nil {
		t.Fatal(err)
	}
	err := mustTable[cardAsNumber](t, e.m, e.table).Load(ctx, &cardAsNumber{ID: "a", Seq: 1})
	wantErrIs(t, "Load into int8", err, ddbcrypt.ErrInvalidItem)
	wantMention(t, "Load into int8", err, `"card"`)
	if err != nil && strings.Contains(err.Error(), "4111111111111111") {
		t.Errorf("Load into int8: error %q shows the encrypted value", err)
	}

	err = mustTable[ssnAsNumber](t, e.m, e.table).Load(ctx, &ssnAsNumber{ID: "a", Seq: 1})
	wantErrIs(t, "Load of S into int", err, ddbcrypt.ErrInvalidItem)
	wantMention(t, "Load of S into int", err, `"ssn"`)
	if err != nil && strings.Contains(err.Error(), saved.SSN) {
		t.Errorf("Load of S into int: error %q shows the encrypted value", err)
	}
}

func TestSaveRefusesCycles(t *testing.T) {
	t.Parallel()
	e, tbl := newTableEnv[linked](t)

	loop := &linked{ID: "a", Seq: 1}
	loop.Next = loop
	selfMap := map[string]any{}
	selfMap["me"] = selfMap
	selfSlice := []any{nil}
	selfSlice[0] = selfSlice
	for what, v := range map[string]*linked{
		"pointer cycle":           loop,
		"map that holds itself":   {ID: "a", Seq: 2, Data: selfMap},
		"slice that holds itself": {ID: "a", Seq: 3, Data: selfSlice},
	} {
		done := make(chan error, 1)
		go func() { done <- tbl.Save(t.Context(), v) }()
		select {
		case err := <-done:
			wantErrIs(t, what, err, ddbcrypt.ErrInvalidItem)
			var ae *ddbcrypt.AttributeError
			if !errors.As(err, &ae) || (ae.Attribute != "next" && ae.Attribute != "data") {
				t.Errorf("%s: error %v does not name the field", what, err)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("%s: Save did not return", what)
		}
	}
	if n := e.cc.Calls(opPut); n != 0 {
		t.Errorf("%d PutItem calls for values that cannot be saved", n)
	}
	// A chain DynamoDB can hold still saves.
	var head *linked
	for i := range 10 {
		head = &linked{ID: "a", Seq: 4, Data: i, Next: head}
	}
	if err := tbl.Save(t.Context(), head); err != nil {
		t.Fatal(err)
	}
}
