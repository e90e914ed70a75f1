package mapper_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// wantIntegrity fails the test unless err is an ItemError of table "t"
// naming key and wrapping ddbcrypt.ErrIntegrity.
func wantIntegrity(t *testing.T, what string, err error, k map[string]types.AttributeValue) {
	t.Helper()
	var ie *mapper.ItemError
	if !errors.Is(err, ddbcrypt.ErrIntegrity) || !errors.As(err, &ie) {
		t.Errorf("%s: error %v, want an ItemError wrapping ErrIntegrity", what, err)
		return
	}
	if ie.Table != "t" || fmtKey(ie.Key) != fmtKey(k) {
		t.Errorf("%s: error names table %q, key %s; want t, %s", what, ie.Table, fmtKey(ie.Key), fmtKey(k))
	}
}

// newSwapTable returns a fake table of docs holding two valid items,
// (a, 1) and (a, 2), saved through the mapper.
func newSwapTable(t *testing.T) (*testenv.FakeDB, *mapper.Table[doc]) {
	t.Helper()
	fc, m := newFakeMapper(t)
	docs := mustTable[doc](t, m, "t")
	for seq := 1; seq <= 2; seq++ {
		if err := docs.Save(t.Context(), &doc{ID: "a", Seq: seq, Secret: fmt.Sprint("secret ", seq)}); err != nil {
			t.Fatal(err)
		}
	}
	return fc, docs
}

// Load must not accept another item than the one asked for, valid as it is.
func TestLoadChecksTheKey(t *testing.T) {
	fc, docs := newSwapTable(t)
	got := doc{ID: "a", Seq: 1}
	if err := docs.Load(t.Context(), &got); err != nil || got.Secret != "secret 1" {
		t.Fatalf("Load: %+v, %v", got, err)
	}
	fc.OnGetItem = func(context.Context, *dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error) {
		return &dynamodb.GetItemOutput{Item: fc.Stored("t", key("a", 2))}, nil
	}
	got = doc{ID: "a", Seq: 1}
	err := docs.Load(t.Context(), &got)
	wantIntegrity(t, "Load answered with another item", err, key("a", 1))
	if got.Secret != "" || got.Seq != 1 {
		t.Errorf("Load answered with another item changed the struct: %+v", got)
	}
}

func TestBatchLoadChecksTheKeys(t *testing.T) {
	fc, docs := newSwapTable(t)
	answer := func(keys ...map[string]types.AttributeValue) {
		fc.OnBatchGetItem = func(context.Context, *dynamodb.BatchGetItemInput) (*dynamodb.BatchGetItemOutput, error) {
			var items []map[string]types.AttributeValue
			for _, k := range keys {
				items = append(items, fc.Stored("t", k))
			}
			return &dynamodb.BatchGetItemOutput{Responses: map[string][]map[string]types.AttributeValue{"t": items}}, nil
		}
	}
	ask := []doc{{ID: "a", Seq: 1}}

	answer(key("a", 1))
	got, err := docs.BatchLoad(t.Context(), ask)
	if err != nil || len(got) != 1 || got[0].Secret != "secret 1" {
		t.Fatalf("BatchLoad: %+v, %v", got, err)
	}
	answer(key("a", 2))
	got, err = docs.BatchLoad(t.Context(), ask)
	wantIntegrity(t, "BatchLoad answered with another item", err, key("a", 2))
	if got != nil {
		t.Errorf("BatchLoad answered with another item returned %+v", got)
	}
	answer(key("a", 1), key("a", 1))
	_, err = docs.BatchLoad(t.Context(), ask)
	wantIntegrity(t, "BatchLoad answered with an item twice", err, key("a", 1))
}

// A failed commit names the items of the transaction.
func TestTxCommitErrorNamesItems(t *testing.T) {
	fc, m := newFakeMapper(t)
	docs := mustTable[doc](t, m, "t")
	other := mustTable[doc](t, m, "u")
	build := func() *mapper.Tx {
		tx := m.NewTx()
		if err := docs.TxSave(t.Context(), tx, &doc{ID: "x", Seq: 1, Secret: "top secret"}); err != nil {
			t.Fatal(err)
		}
		if err := other.TxDelete(t.Context(), tx, &doc{ID: "y", Seq: 2}); err != nil {
			t.Fatal(err)
		}
		return tx
	}
	for _, fail := range []error{
		errors.New("connection reset by peer"),
		&types.TransactionCanceledException{Message: aws.String("conflict"), CancellationReasons: []types.CancellationReason{
			{Code: aws.String("None")}, {Code: aws.String("TransactionConflict")},
		}},
	} {
		fc.OnTransactWriteItems = func(context.Context, *dynamodb.TransactWriteItemsInput) (*dynamodb.TransactWriteItemsOutput, error) {
			return nil, fail
		}
		err := build().Commit(t.Context())
		if !errors.Is(err, fail) {
			t.Errorf("Commit failing with %v: error %v does not wrap it", fail, err)
		}
		wantMention(t, fmt.Sprintf("Commit failing with %v", fail), err, `t {pk="x", sk=1}`, `u {pk="y", sk=2}`)
		if err != nil && strings.Contains(err.Error(), "top secret") {
			t.Errorf("the error %q holds an encrypted value", err)
		}
	}
}

// A DescribeTable that fails with a timeout of the SDK's own (its ctx is
// live) fails Load at once, with its error, after one call.
func TestLoadDescribeTimeout(t *testing.T) {
	fc, m := newFakeMapper(t)
	timeout := fmt.Errorf("operation error DynamoDB: DescribeTable, https response error: %w", context.DeadlineExceeded)
	fc.OnDescribeTable = func(context.Context, *dynamodb.DescribeTableInput) (*dynamodb.DescribeTableOutput, error) {
		return nil, timeout
	}
	docs := mustTable[doc](t, m, "t")
	done := make(chan error, 1)
	go func() { done <- docs.Load(context.Background(), &doc{ID: "a", Seq: 1}) }()
	select {
	case err := <-done:
		if !errors.Is(err, timeout) {
			t.Errorf("Load: %v, want the DescribeTable error", err)
		}
		wantMention(t, "Load", err, "DescribeTable", "t")
	case <-time.After(time.Minute):
		t.Fatal("Load did not return within a minute")
	}
	if n := fc.Count(opDescribeTable); n != 1 {
		t.Errorf("%d DescribeTable calls, want 1", n)
	}
	if n := fc.Count(opGet); n != 0 {
		t.Errorf("%d GetItem calls, want none", n)
	}
}

// stringerDoc has an unsigned attribute of a non-empty interface type,
// which attributevalue panics on when it holds a string.
type stringerDoc struct {
	ID    string       `ddb:"pk,hash"`
	Seq   int          `ddb:"sk,range"`
	Label fmt.Stringer `ddb:"label" ddbcrypt:"donottouch"`
}

// An unsigned attribute is the table writer's to set to anything: a value
// the struct cannot take fails Load with ErrInvalidItem naming the item and
// the attribute, never a panic (FuzzDecode in internal/codec found it).
func TestLoadRefusesAnUnsignedValueTheFieldCannotTake(t *testing.T) {
	fc, m := newFakeMapper(t)
	docs := mustTable[stringerDoc](t, m, "t")
	if err := docs.Save(t.Context(), &stringerDoc{ID: "a", Seq: 1}); err != nil {
		t.Fatal(err)
	}
	fc.OnGetItem = func(context.Context, *dynamodb.GetItemInput) (*dynamodb.GetItemOutput, error) {
		item := fc.Stored("t", key("a", 1))
		item["label"] = &types.AttributeValueMemberS{Value: "written by someone else"}
		return &dynamodb.GetItemOutput{Item: item}, nil
	}
	got := stringerDoc{ID: "a", Seq: 1}
	var err error
	func() {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("Load panics: %v", r)
			}
		}()
		err = docs.Load(t.Context(), &got)
	}()
	var ie *mapper.ItemError
	var ae *ddbcrypt.AttributeError
	if !errors.Is(err, ddbcrypt.ErrInvalidItem) || !errors.As(err, &ie) || !errors.As(err, &ae) || ae.Attribute != "label" {
		t.Fatalf("Load: %v; want an ItemError wrapping ErrInvalidItem that names the attribute \"label\"", err)
	}
}
