package mapper_test

// The mapper's checks before any call, and the version condition it sends,
// tested without DynamoDB: an in-process fake answers DescribeTable and
// fails the test on any other call it was not told to expect, so that
// `make unit` catches a check that stops refusing or a wrong condition.

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// fakeTable is the table of the types below.
const fakeTable = "refusals"

// ledger is a versioned item of fakeTable: keys and version signed in
// plaintext, a signed-only status, a do-not-touch note, the rest encrypted.
type ledger struct {
	ID      string `ddb:"pk,hash"`
	Seq     int    `ddb:"sk,range"`
	Version int64  `ddb:"version,version"`
	Status  string `ddb:"status" ddbcrypt:"signonly"`
	Note    string `ddb:"note,omitempty" ddbcrypt:"donottouch"`
	Owner   string `ddb:"owner"`
}

func (ledger) TableName() string { return fakeTable }

// looseLedger signs nothing: its keys and version are left alone too, so
// only their role keeps Update from writing them.
type looseLedger struct {
	_       struct{} `ddbcrypt:"donottouch"`
	ID      string   `ddb:"pk,hash"`
	Seq     int      `ddb:"sk,range"`
	Version int64    `ddb:"version,version"`
	Note    string   `ddb:"note"`
}

// fakeMapper returns a strict fake, a mapper over it and its table of
// ledger.
func fakeMapper(t *testing.T) (*testenv.FakeDB, *mapper.Mapper, *mapper.Table[ledger]) {
	t.Helper()
	f := strictFake(t)
	m := mapper.New(f, newProvider(t))
	tbl, err := mapper.NewTable[ledger](m)
	if err != nil {
		t.Fatalf("NewTable[ledger]: %v", err)
	}
	return f, m, tbl
}

// refusedOffline checks that err wraps ErrInvalidItem and mentions every
// word in why (the attribute, quoted), and that no call but DescribeTable
// reached the fake.
func refusedOffline(t *testing.T, f *testenv.FakeDB, what string, err error, why ...string) {
	t.Helper()
	if ops := f.DataCalls(); len(ops) != 0 {
		t.Errorf("%s: calls %v reached DynamoDB, want none", what, ops)
	}
	if !errors.Is(err, ddbcrypt.ErrInvalidItem) {
		t.Errorf("%s: error %v, want a refusal wrapping ErrInvalidItem", what, err)
		return
	}
	wantMention(t, what, err, why...)
}

// quoted returns the words an error must mention: attr quoted (unless
// empty), and the others.
func quoted(attr string, others ...string) []string {
	if attr == "" {
		return others
	}
	return append([]string{`"` + attr + `"`}, others...)
}

func TestRefusalsOffline(t *testing.T) {
	t.Parallel()
	encrypted := expression.Name("owner").Equal(expression.Value("alice"))
	nested := expression.Name("owner.first").BeginsWith("a")
	missing := expression.AttributeExists(expression.Name("elsewhere")) // encrypted by default
	plaintext := expression.Name("status").Equal(expression.Value("open"))

	// Conditions and filters that name an encrypted attribute, and the one
	// their refusal names.
	refused := []struct {
		what string
		cond expression.ConditionBuilder
		attr string
	}{
		{"an encrypted field", encrypted, "owner"},
		// Which attribute a nested path's refusal names is left to
		// TestNestedPathsNameTheirAttribute.
		{"a path into an encrypted field", nested, ""},
		{"an attribute the struct lacks", missing, "elsewhere"},
		{"a plaintext and an encrypted field", plaintext.And(encrypted), "owner"},
	}

	t.Run("If", func(t *testing.T) {
		t.Parallel()
		for _, tc := range refused {
			writes := map[string]func(*mapper.Mapper, *mapper.Table[ledger], *ledger, mapper.Option) error{
				"Save": func(_ *mapper.Mapper, tbl *mapper.Table[ledger], v *ledger, o mapper.Option) error {
					return tbl.Save(t.Context(), v, o)
				},
				"Delete": func(_ *mapper.Mapper, tbl *mapper.Table[ledger], v *ledger, o mapper.Option) error {
					return tbl.Delete(t.Context(), v, o)
				},
				"Mapper.Save": func(m *mapper.Mapper, _ *mapper.Table[ledger], v *ledger, o mapper.Option) error {
					return m.Save(t.Context(), v, o)
				},
				"Mapper.Delete": func(m *mapper.Mapper, _ *mapper.Table[ledger], v *ledger, o mapper.Option) error {
					return m.Delete(t.Context(), v, o)
				},
				"TxSave": func(m *mapper.Mapper, tbl *mapper.Table[ledger], v *ledger, o mapper.Option) error {
					tx := m.NewTx()
					if err := tbl.TxSave(t.Context(), tx, v, o); err != nil {
						return err
					}
					return tx.Commit(t.Context())
				},
				"TxDelete": func(m *mapper.Mapper, tbl *mapper.Table[ledger], v *ledger, o mapper.Option) error {
					tx := m.NewTx()
					if err := tbl.TxDelete(t.Context(), tx, v, o); err != nil {
						return err
					}
					return tx.Commit(t.Context())
				},
			}
			for _, name := range slices.Sorted(maps.Keys(writes)) {
				for _, version := range []int64{0, 4} {
					f, m, tbl := fakeMapper(t)
					v := ledger{ID: "a", Seq: 1, Version: version, Owner: "alice"}
					before := v
					err := writes[name](m, tbl, &v, mapper.If(tc.cond))
					what := fmt.Sprintf("%s (version %d) If %s", name, version, tc.what)
					refusedOffline(t, f, what, err, quoted(tc.attr, "encrypted")...)
					if v != before {
						t.Errorf("%s: the refused write changed the struct to %+v", what, v)
					}
				}
			}
		}
	})

	t.Run("Filter", func(t *testing.T) {
		t.Parallel()
		for _, tc := range refused {
			for _, read := range []struct {
				name string
				all  func(*mapper.Table[ledger]) func(func(ledger, error) bool)
			}{
				{"Query", func(tbl *mapper.Table[ledger]) func(func(ledger, error) bool) {
					return tbl.Query("a").Filter(plaintext).Filter(tc.cond).All(t.Context())
				}},
				{"Scan", func(tbl *mapper.Table[ledger]) func(func(ledger, error) bool) {
					return tbl.Scan().Filter(tc.cond).All(t.Context())
				}},
				{"segmented Scan", func(tbl *mapper.Table[ledger]) func(func(ledger, error) bool) {
					return tbl.Scan().Segments(3).Filter(tc.cond).All(t.Context())
				}},
			} {
				f, _, tbl := fakeMapper(t)
				var err error
				n := 0
				for _, e := range read.all(tbl) {
					if e != nil {
						err = e
						break
					}
					n++
				}
				what := read.name + " filter on " + tc.what
				refusedOffline(t, f, what, err, quoted(tc.attr, "encrypted")...)
				if n != 0 {
					t.Errorf("%s: %d items returned", what, n)
				}
			}
		}
	})

	t.Run("Update", func(t *testing.T) {
		t.Parallel()
		for _, tc := range []struct {
			field string
			why   []string
		}{
			{"owner", []string{`"owner"`, "ENCRYPT_AND_SIGN", "donottouch"}},
			{"Owner", []string{`"owner"`, "ENCRYPT_AND_SIGN"}},
			{"status", []string{`"status"`, "SIGN_ONLY", "donottouch"}},
			{"version", []string{"Version"}},
			{"pk", []string{"ID", `key attribute "pk"`}},
			{"Seq", []string{"Seq", `key attribute "sk"`}},
			{"nosuch", []string{`"nosuch"`}},
		} {
			f, _, tbl := fakeMapper(t)
			v := ledger{ID: "a", Seq: 1, Version: 2, Note: "n", Owner: "alice"}
			err := tbl.Update(t.Context(), &v, "note", tc.field)
			refusedOffline(t, f, "Update of "+tc.field, err, tc.why...)
		}
		f, m, tbl := fakeMapper(t)
		err := tbl.Update(t.Context(), &ledger{ID: "a", Seq: 1})
		refusedOffline(t, f, "Update of no field", err)

		loose, err := mapper.NewTable[looseLedger](m, mapper.WithTableName(fakeTable))
		if err != nil {
			t.Fatalf("NewTable[looseLedger]: %v", err)
		}
		for field, why := range map[string]string{"pk": `key attribute "pk"`, "sk": `key attribute "sk"`, "version": "cannot be updated alone"} {
			err := loose.Update(t.Context(), &looseLedger{ID: "a", Seq: 1, Version: 1, Note: "n"}, "note", field)
			refusedOffline(t, f, "Update of "+field+" of a type that signs nothing", err, why)
		}
	})
}

// The condition that makes versioned writes safe, exactly as sent: a save
// of version 0 only if there is no item, of version n only if the stored
// one is n; deletes likewise (version 0: unconditionally).
func TestVersionConditionSent(t *testing.T) {
	t.Parallel()

	t.Run("Save", func(t *testing.T) {
		f, m, tbl := fakeMapper(t)
		f.Expect(opPut)
		v := ledger{ID: "a", Seq: 1, Owner: "alice"}
		for want := range int64(3) {
			save := tbl.Save
			if want == 1 {
				save = func(ctx context.Context, v *ledger, o ...mapper.Option) error { return m.Save(ctx, v, o...) }
			}
			if err := save(t.Context(), &v); err != nil {
				t.Fatalf("Save of version %d: %v", want, err)
			}
			ins := f.Inputs(opPut)
			in := ins[len(ins)-1].(*dynamodb.PutItemInput)
			what := fmt.Sprintf("Save of version %d", want)
			if want == 0 {
				checkCondition(t, what, in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, "attribute_not_exists(pk)")
			} else {
				checkCondition(t, what, in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, fmt.Sprintf("version = N:%d", want))
			}
			if in.ReturnValuesOnConditionCheckFailure != types.ReturnValuesOnConditionCheckFailureAllOld {
				t.Errorf("%s: ReturnValuesOnConditionCheckFailure %q, want ALL_OLD (to tell a conflict from a failed condition)", what, in.ReturnValuesOnConditionCheckFailure)
			}
			if got, ok := in.Item["version"].(*types.AttributeValueMemberN); !ok || got.Value != fmt.Sprint(want+1) {
				t.Errorf("%s: stored version %#v, want N %d", what, in.Item["version"], want+1)
			}
			if v.Version != want+1 {
				t.Errorf("%s: Version %d after the save, want %d", what, v.Version, want+1)
			}
		}
	})

	t.Run("Save with If", func(t *testing.T) {
		f, _, tbl := fakeMapper(t)
		f.Expect(opPut)
		v := ledger{ID: "a", Seq: 1, Version: 7}
		if err := tbl.Save(t.Context(), &v, mapper.If(expression.Name("status").Equal(expression.Value("open")))); err != nil {
			t.Fatalf("Save with If: %v", err)
		}
		in := f.Inputs(opPut)[0].(*dynamodb.PutItemInput)
		checkCondition(t, "Save of version 7 with If", in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues,
			`(status = S:"open") AND (version = N:7)`)
	})

	t.Run("Delete", func(t *testing.T) {
		f, _, tbl := fakeMapper(t)
		f.Expect(opDelete)
		if err := tbl.Delete(t.Context(), &ledger{ID: "a", Seq: 1, Version: 5}); err != nil {
			t.Fatalf("Delete of version 5: %v", err)
		}
		if err := tbl.Delete(t.Context(), &ledger{ID: "a", Seq: 2}); err != nil {
			t.Fatalf("Delete of version 0: %v", err)
		}
		ins := f.Inputs(opDelete)
		if len(ins) != 2 {
			t.Fatalf("%d DeleteItem calls, want 2", len(ins))
		}
		in := ins[0].(*dynamodb.DeleteItemInput)
		checkCondition(t, "Delete of version 5", in.ConditionExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues, "version = N:5")
		if in := ins[1].(*dynamodb.DeleteItemInput); in.ConditionExpression != nil || in.ExpressionAttributeNames != nil || in.ExpressionAttributeValues != nil {
			t.Errorf("Delete of version 0 sent the condition %q (%v, %v), want none", aws.ToString(in.ConditionExpression), in.ExpressionAttributeNames, in.ExpressionAttributeValues)
		}
	})

	t.Run("Tx", func(t *testing.T) {
		f, m, tbl := fakeMapper(t)
		f.Expect(opTransactWrite)
		tx := m.NewTx()
		fresh, saved, gone := ledger{ID: "a", Seq: 1}, ledger{ID: "a", Seq: 2, Version: 3}, ledger{ID: "a", Seq: 3, Version: 9}
		for _, err := range []error{tbl.TxSave(t.Context(), tx, &fresh), tbl.TxSave(t.Context(), tx, &saved), tbl.TxDelete(t.Context(), tx, &gone)} {
			if err != nil {
				t.Fatalf("adding to the transaction: %v", err)
			}
		}
		if err := tx.Commit(t.Context()); err != nil {
			t.Fatalf("Commit: %v", err)
		}
		in := f.Inputs(opTransactWrite)[0].(*dynamodb.TransactWriteItemsInput)
		if len(in.TransactItems) != 3 || in.TransactItems[0].Put == nil || in.TransactItems[1].Put == nil || in.TransactItems[2].Delete == nil {
			t.Fatalf("TransactWriteItems sent %+v, want two puts and a delete", in.TransactItems)
		}
		p0, p1, d := in.TransactItems[0].Put, in.TransactItems[1].Put, in.TransactItems[2].Delete
		checkCondition(t, "TxSave of version 0", p0.ConditionExpression, p0.ExpressionAttributeNames, p0.ExpressionAttributeValues, "attribute_not_exists(pk)")
		checkCondition(t, "TxSave of version 3", p1.ConditionExpression, p1.ExpressionAttributeNames, p1.ExpressionAttributeValues, "version = N:3")
		checkCondition(t, "TxDelete of version 9", d.ConditionExpression, d.ExpressionAttributeNames, d.ExpressionAttributeValues, "version = N:9")
		if fresh.Version != 1 || saved.Version != 4 {
			t.Errorf("after Commit, versions %d and %d, want 1 and 4", fresh.Version, saved.Version)
		}
	})
}

// checkCondition checks a condition as sent: with its placeholders
// resolved (names to names, values to T:value), it must read want, spaces
// before a parenthesis aside. Every name and value sent must be used.
func checkCondition(t *testing.T, what string, expr *string, names map[string]string, values map[string]types.AttributeValue, want string) {
	t.Helper()
	if expr == nil {
		t.Errorf("%s: no ConditionExpression, want %s", what, want)
		return
	}
	got := *expr
	for ph, name := range names {
		if !usesPlaceholder(got, ph) {
			t.Errorf("%s: the name %s (%s) is not used by %q", what, ph, name, got)
		}
	}
	for ph := range values {
		if !usesPlaceholder(got, ph) {
			t.Errorf("%s: the value %s is not used by %q", what, ph, got)
		}
	}
	resolved := placeholders.ReplaceAllStringFunc(got, func(ph string) string {
		if name, ok := names[ph]; ok {
			return name
		}
		switch v := values[ph].(type) {
		case *types.AttributeValueMemberS:
			return fmt.Sprintf("S:%q", v.Value)
		case *types.AttributeValueMemberN:
			return "N:" + v.Value
		case nil:
			return ph + "(undefined)"
		default:
			return fmt.Sprintf("%T", v)
		}
	})
	resolved = strings.ReplaceAll(strings.Join(strings.Fields(resolved), " "), " (", "(")
	if want = strings.ReplaceAll(want, " (", "("); resolved != want {
		t.Errorf("%s: ConditionExpression %q (names %v, values %s) reads %q, want %q", what, got, names, fmtKey(values), resolved, want)
	}
}

var placeholders = regexp.MustCompile(`[#:][A-Za-z0-9_]+`)

func usesPlaceholder(expr, ph string) bool {
	return slices.Contains(placeholders.FindAllString(expr, -1), ph)
}

// labelled has a signed-only map attribute, "labels", beside an encrypted
// "owner".
type labelled struct {
	ID     string            `ddb:"pk,hash"`
	Seq    int               `ddb:"sk,range"`
	Labels map[string]string `ddb:"labels" ddbcrypt:"signonly"`
	Owner  string            `ddb:"owner"`
}

// A condition or filter is about the top-level attributes it names: a path
// into a plaintext map may use any member name, even one that is also the
// name of an encrypted attribute, and a path into an encrypted attribute is
// refused naming that attribute, not a member of it.
func TestNestedPathsNameTheirAttribute(t *testing.T) {
	t.Parallel()
	f := strictFake(t)
	m := mapper.New(f, newProvider(t))
	tbl, err := mapper.NewTable[labelled](m, mapper.WithTableName(fakeTable))
	if err != nil {
		t.Fatalf("NewTable[labelled]: %v", err)
	}
	f.Expect(opPut, opQuery)
	for _, path := range []string{"labels.color", "labels.owner"} {
		cond := expression.Name(path).Equal(expression.Value("red"))
		v := labelled{ID: "a", Seq: 1, Labels: map[string]string{"color": "red"}}
		if err := tbl.Save(t.Context(), &v, mapper.If(cond)); err != nil {
			t.Errorf("Save with If on %s (in a signed-only map): %v", path, err)
		}
		for _, err := range tbl.Query("a").Filter(cond).All(t.Context()) {
			if err != nil {
				t.Errorf("Query with a filter on %s (in a signed-only map): %v", path, err)
			}
		}
	}

	// The error names the attribute, every time (not a member, now and then).
	for range 20 {
		err := tbl.Save(t.Context(), &labelled{ID: "a", Seq: 1}, mapper.If(expression.Name("owner.first").Equal(expression.Value("x"))))
		if !errors.Is(err, ddbcrypt.ErrInvalidItem) || !strings.Contains(err.Error(), `"owner"`) || strings.Contains(err.Error(), `"first"`) {
			t.Errorf("Save with If on owner.first: error %v, want a refusal naming \"owner\" (only)", err)
			break
		}
	}
}

// A segmented scan's All returns only once its goroutines are done: no call
// of one segment may still run after an error in another ended the scan.
func TestSegmentedScanStopsItsCallsBeforeReturning(t *testing.T) {
	t.Parallel()
	f, _, tbl := fakeMapper(t)
	f.Expect(opScan)
	var inFlight atomic.Int32
	started := make(chan struct{}) // segment 1's call has started
	f.OnScan = func(ctx context.Context, in *dynamodb.ScanInput) (*dynamodb.ScanOutput, error) {
		switch aws.ToInt32(in.Segment) {
		case 0:
			select {
			case <-started:
			case <-time.After(10 * time.Second):
			}
			return nil, errors.New("segment 0 fails")
		default:
			// A call that takes a while to wind down after ctx is done, as
			// a request on the wire does.
			inFlight.Add(1)
			defer inFlight.Add(-1)
			close(started)
			select {
			case <-ctx.Done():
			case <-time.After(10 * time.Second):
			}
			time.Sleep(time.Second)
			return nil, ctx.Err()
		}
	}
	var err error
	for _, e := range tbl.Scan().Segments(2).All(t.Context()) {
		if e != nil {
			err = e
		}
	}
	if n := inFlight.Load(); n != 0 {
		t.Errorf("All returned while %d Scan call(s) of another segment were still running", n)
	}
	if err == nil || !strings.Contains(err.Error(), "segment 0 fails") {
		t.Errorf("segmented Scan: error %v, want segment 0's", err)
	}
}
