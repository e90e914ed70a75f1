package mapper_test

// Query and Scan: sort conditions, order, limits, filters, paging,
// verification failures and secondary indexes.

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"sort"
	"testing"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	gocmp "github.com/google/go-cmp/cmp"
)

// event has a numeric sort key, a signed-only parity and an encrypted body.
type event struct {
	PK     string `ddb:"pk,hash"`
	SK     int    `ddb:"sk,range"`
	Parity string `ddb:"parity" ddbcrypt:"signonly"`
	Body   string `ddb:"body"`
}

func newEvent(pk string, sk int) event {
	p := "odd"
	if sk%2 == 0 {
		p = "even"
	}
	return event{PK: pk, SK: sk, Parity: p, Body: fmt.Sprintf("body of %s/%d", pk, sk)}
}

// tagged has a string sort key.
type tagged struct {
	PK   string `ddb:"pk,hash"`
	SK   string `ddb:"sk,range"`
	Body string `ddb:"body"`
}

// collect reads a sequence to its end or first error.
func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

func sortKeys(evs []event) []int {
	var out []int
	for _, e := range evs {
		out = append(out, e.SK)
	}
	return out
}

func seq(from, to int) []int {
	var out []int
	if from <= to {
		for i := from; i <= to; i++ {
			out = append(out, i)
		}
	} else {
		for i := from; i >= to; i-- {
			out = append(out, i)
		}
	}
	return out
}

// checkQuery reads q to its end and checks the sort keys of its items, in
// order, and that each item is whole: the one saved (saved of its key).
func checkQuery[T comparable, K any](t *testing.T, what string, q *mapper.Query[T], want []K, sortKey func(T) K, saved func(T) T) {
	t.Helper()
	got, err := collect(q.All(t.Context()))
	if err != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	var keys []K
	for _, v := range got {
		keys = append(keys, sortKey(v))
		if want := saved(v); v != want {
			t.Errorf("%s: item %+v, want %+v", what, v, want)
		}
	}
	if diff := gocmp.Diff(want, keys); diff != "" {
		t.Errorf("%s: sort keys (-want +got):\n%s", what, diff)
	}
}

// wantBadInput fails unless err says the input or configuration is bad.
func wantBadInput(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ddbcrypt.ErrInvalidItem) && !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
		t.Errorf("%s: error %v, want one wrapping ErrInvalidItem or ErrInvalidConfig", what, err)
	}
}

func TestQuery(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e, tbl := newTableEnv[event](t)
	var all []event
	for i := 1; i <= 10; i++ {
		all = append(all, newEvent("q", i))
	}
	for i := 1; i <= 3; i++ {
		all = append(all, newEvent("other", i))
	}
	if err := tbl.BatchSave(ctx, all); err != nil {
		t.Fatal(err)
	}

	query := func(what string, q *mapper.Query[event], want []int) {
		t.Helper()
		checkQuery(t, what, q, want, func(v event) int { return v.SK }, func(v event) event { return newEvent(v.PK, v.SK) })
	}

	t.Run("sort conditions", func(t *testing.T) {
		query("all", tbl.Query("q"), seq(1, 10))
		query("Equal", tbl.Query("q").Sort(mapper.Equal(5)), []int{5})
		query("Less", tbl.Query("q").Sort(mapper.Less(4)), seq(1, 3))
		query("LessOrEqual", tbl.Query("q").Sort(mapper.LessOrEqual(4)), seq(1, 4))
		query("Greater", tbl.Query("q").Sort(mapper.Greater(7)), seq(8, 10))
		query("GreaterOrEqual", tbl.Query("q").Sort(mapper.GreaterOrEqual(7)), seq(7, 10))
		query("Between", tbl.Query("q").Sort(mapper.Between(3, 6)), seq(3, 6))
		query("Equal, no match", tbl.Query("q").Sort(mapper.Equal(99)), nil)
		query("other partition", tbl.Query("other"), seq(1, 3))
		query("missing partition", tbl.Query("nobody"), nil)
		query("ConsistentRead", tbl.Query("q", mapper.ConsistentRead()).Sort(mapper.Less(3)), seq(1, 2))
		in, _ := e.cc.Last(opQuery).(*dynamodb.QueryInput)
		if in == nil || in.ConsistentRead == nil || !*in.ConsistentRead {
			t.Errorf("ConsistentRead query sent %+v", in)
		}
	})

	t.Run("order and limit", func(t *testing.T) {
		query("Descending", tbl.Query("q").Descending(), seq(10, 1))
		query("Descending Less", tbl.Query("q").Descending().Sort(mapper.Less(4)), seq(3, 1))
		query("Limit", tbl.Query("q").Limit(4), seq(1, 4))
		query("Descending Limit", tbl.Query("q").Descending().Limit(3), seq(10, 8))
		query("Limit over the count", tbl.Query("q").Limit(50), seq(1, 10))
	})

	t.Run("filter", func(t *testing.T) {
		even := expression.Name("parity").Equal(expression.Value("even"))
		query("Filter", tbl.Query("q").Filter(even), []int{2, 4, 6, 8, 10})
		query("Filter and sort", tbl.Query("q").Sort(mapper.Greater(5)).Filter(even), []int{6, 8, 10})
		// DynamoDB's Limit counts items read before the filter; the
		// iterator must still deliver Limit matching items.
		query("Filter Limit", tbl.Query("q").Filter(even).Limit(2), []int{2, 4})
		// Several filters must all hold.
		query("two filters", tbl.Query("q").Filter(even).Filter(expression.Name("parity").NotEqual(expression.Value("even"))), nil)
		query("two filters, both true", tbl.Query("q").Filter(even).Filter(expression.Name("parity").BeginsWith("ev")), []int{2, 4, 6, 8, 10})

		e.cc.Reset()
		for what, f := range map[string]expression.ConditionBuilder{
			"equal":    expression.Name("body").Equal(expression.Value("x")),
			"contains": expression.Name("body").Contains("x"),
			"or":       expression.Or(even, expression.Name("body").BeginsWith("b")),
		} {
			got, err := collect(tbl.Query("q").Filter(f).All(ctx))
			wantBadInput(t, "filter on an encrypted attribute, "+what, err)
			wantMention(t, "filter on an encrypted attribute, "+what, err, `"body"`)
			if len(got) != 0 {
				t.Errorf("filter on an encrypted attribute returned %d items", len(got))
			}
			it := tbl.Query("q").Filter(f).Iter()
			var v event
			if it.Next(ctx, &v) || it.Err() == nil {
				t.Errorf("Iter with a filter on an encrypted attribute: no error")
			}
		}
		if n := e.cc.Calls(opQuery); n != 0 {
			t.Errorf("filters on an encrypted attribute made %d Query calls", n)
		}
	})

	t.Run("paging", func(t *testing.T) {
		pageThrough := func(what string, mk func() *mapper.Query[event], limit int, want []int, firstKey map[string]types.AttributeValue) {
			t.Helper()
			var seen []int
			var start mapper.PagingKey
			for page := 0; ; page++ {
				if page > len(want)+2 {
					t.Fatalf("%s: no end after %d pages; seen %v", what, page, seen)
				}
				q := mk().Limit(limit)
				if start != nil {
					q = q.StartFrom(start)
				}
				it := q.Iter()
				var got []int
				var v event
				for it.Next(ctx, &v) {
					got = append(got, v.SK)
				}
				if err := it.Err(); err != nil {
					t.Fatalf("%s: page %d: %v", what, page, err)
				}
				if len(got) > limit {
					t.Errorf("%s: page %d has %d items, over the limit %d", what, page, len(got), limit)
				}
				seen = append(seen, got...)
				start = it.PagingKey()
				if page == 0 && firstKey != nil && fmtKey(start) != fmtKey(firstKey) {
					t.Errorf("%s: first PagingKey %s, want %s", what, fmtKey(start), fmtKey(firstKey))
				}
				if start == nil {
					break
				}
			}
			if diff := gocmp.Diff(want, seen); diff != "" {
				t.Errorf("%s: items over all pages (-want +got):\n%s", what, diff)
			}
		}
		pageThrough("Limit 3", func() *mapper.Query[event] { return tbl.Query("q") }, 3, seq(1, 10), key("q", 3))
		pageThrough("Limit 4 descending", func() *mapper.Query[event] { return tbl.Query("q").Descending() }, 4, seq(10, 1), key("q", 7))
		pageThrough("Limit 2 with a sort condition", func() *mapper.Query[event] { return tbl.Query("q").Sort(mapper.Greater(3)) }, 2, seq(4, 10), key("q", 5))
		pageThrough("Limit 2 with a filter", func() *mapper.Query[event] {
			return tbl.Query("q").Filter(expression.Name("parity").Equal(expression.Value("odd")))
		}, 2, []int{1, 3, 5, 7, 9}, key("q", 3))
		pageThrough("Limit 5 over 5 items", func() *mapper.Query[event] { return tbl.Query("q").Sort(mapper.LessOrEqual(5)) }, 5, seq(1, 5), nil)

		// Stopping in the middle of a page (no Limit) and resuming.
		it := tbl.Query("q").Iter()
		var v event
		for range 2 {
			if !it.Next(ctx, &v) {
				t.Fatalf("Next: %v", it.Err())
			}
		}
		k := it.PagingKey()
		if fmtKey(k) != fmtKey(key("q", 2)) {
			t.Errorf("PagingKey after 2 items: %s, want %s", fmtKey(k), fmtKey(key("q", 2)))
		}
		query("resumed after a partial page", tbl.Query("q").StartFrom(k), seq(3, 10))

		// Iter.All continues where Next stopped.
		rest, err := collect(it.All(ctx))
		if err != nil || !slices.Equal(sortKeys(rest), seq(3, 10)) {
			t.Errorf("Iter.All after two Next calls: %v, %v", sortKeys(rest), err)
		}
		if k := it.PagingKey(); k != nil {
			t.Errorf("PagingKey at the end: %s, want nil", fmtKey(k))
		}
	})

	t.Run("range over func", func(t *testing.T) {
		var got []int
		for v, err := range tbl.Query("q").All(ctx) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, v.SK)
			if v.SK == 6 {
				break
			}
		}
		if !slices.Equal(got, seq(1, 6)) {
			t.Errorf("break at 6: got %v", got)
		}
	})

	t.Run("tampered item", func(t *testing.T) {
		var items []event
		for i := 1; i <= 7; i++ {
			items = append(items, newEvent("t", i))
		}
		if err := tbl.BatchSave(ctx, items); err != nil {
			t.Fatal(err)
		}
		testenv.RawSet(t, e.db, e.table, key("t", 4), "body", &types.AttributeValueMemberB{Value: randomBytes(t, 32)})

		var got []int
		var iterErr error
		calls := 0
		for v, err := range tbl.Query("t").All(ctx) {
			calls++
			if err != nil {
				iterErr = err
				continue // the sequence must end by itself after an error
			}
			got = append(got, v.SK)
		}
		if !slices.Equal(got, seq(1, 3)) {
			t.Errorf("items before the tampered one: %v, want [1 2 3]", got)
		}
		if calls != 4 {
			t.Errorf("the sequence yielded %d times, want 4 (3 items and the error)", calls)
		}
		wantErrIs(t, "query over a tampered item", iterErr, ddbcrypt.ErrIntegrity)
		if iterErr != nil {
			if k := itemKey(t, iterErr); k != fmtKey(key("t", 4)) {
				t.Errorf("error names %s, want %s", k, fmtKey(key("t", 4)))
			}
			var ie *mapper.ItemError
			if errors.As(iterErr, &ie) && ie.Table != e.table {
				t.Errorf("error names table %q", ie.Table)
			}
		}

		// Same through Iter; and descending it meets the item after 3 others.
		it := tbl.Query("t").Descending().Iter()
		var v event
		n := 0
		for it.Next(ctx, &v) {
			n++
		}
		if n != 3 {
			t.Errorf("descending: %d items before the tampered one, want 3", n)
		}
		wantErrIs(t, "descending query over a tampered item", it.Err(), ddbcrypt.ErrIntegrity)
		if it.Next(ctx, &v) {
			t.Error("Next after an error returned true")
		}
		// A tampered signed-only attribute fails too.
		testenv.RawSet(t, e.db, e.table, key("t", 2), "parity", &types.AttributeValueMemberS{Value: "odd"})
		_, err := collect(tbl.Query("t").Sort(mapper.Less(4)).All(ctx))
		wantErrIs(t, "query over a tampered signed attribute", err, ddbcrypt.ErrIntegrity)
		if err != nil {
			if k := itemKey(t, err); k != fmtKey(key("t", 2)) {
				t.Errorf("error names %s, want %s", k, fmtKey(key("t", 2)))
			}
		}
	})

	// After an item fails, PagingKey still says where to resume after the
	// last item Next returned: resuming must meet the failed item again,
	// not skip it (a transient provider error would otherwise lose it).
	t.Run("paging key after a failed item", func(t *testing.T) {
		if err := tbl.BatchSave(ctx, events("pe", 5)); err != nil {
			t.Fatal(err)
		}
		testenv.RawSet(t, e.db, e.table, key("pe", 3), "body", &types.AttributeValueMemberB{Value: randomBytes(t, 32)})
		testenv.RawSet(t, e.db, e.table, key("pe", 5), "body", &types.AttributeValueMemberB{Value: randomBytes(t, 32)})

		it := tbl.Query("pe").Iter()
		var v event
		n := 0
		for it.Next(ctx, &v) {
			n++
		}
		if n != 2 || !errors.Is(it.Err(), ddbcrypt.ErrIntegrity) {
			t.Fatalf("%d items, then %v; want 2 and an integrity error", n, it.Err())
		}
		if got, want := fmtKey(it.PagingKey()), fmtKey(key("pe", 2)); got != want {
			t.Errorf("PagingKey after the failed item 3: %s, want %s (the last item returned)", got, want)
		}

		// The failed item is the last one of the query: PagingKey must not
		// be nil, which would say that everything was read.
		it = tbl.Query("pe").Sort(mapper.Greater(3)).Iter()
		n = 0
		for it.Next(ctx, &v) {
			n++
		}
		if n != 1 || !errors.Is(it.Err(), ddbcrypt.ErrIntegrity) {
			t.Fatalf("%d items, then %v; want 1 and an integrity error", n, it.Err())
		}
		if k := it.PagingKey(); k == nil || fmtKey(k) != fmtKey(key("pe", 4)) {
			t.Errorf("PagingKey after the failed last item: %s, want %s", fmtKey(k), fmtKey(key("pe", 4)))
		}
	})

	t.Run("missing index", func(t *testing.T) {
		e.cc.Reset()
		_, err := collect(tbl.Query("q").Index("no-such-index").All(ctx))
		wantErrIs(t, "query of a missing index", err, ddbcrypt.ErrInvalidConfig)
		if n := e.cc.Calls(opQuery); n != 0 {
			t.Errorf("query of a missing index made %d Query calls", n)
		}
	})
}

func TestQueryStringSortKey(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t)
	name := testenv.NewTable(t, e.db, testenv.S("pk"), testenv.S("sk"))
	tbl := mustTable[tagged](t, e.m, name)
	sks := []string{"a#1", "a#2", "a#3", "ab", "b#1", "b#2", "c"}
	var items []tagged
	for _, sk := range sks {
		items = append(items, tagged{PK: "s", SK: sk, Body: "body " + sk})
	}
	items = append(items, tagged{PK: "z", SK: "a#9", Body: "elsewhere"})
	if err := tbl.BatchSave(ctx, items); err != nil {
		t.Fatal(err)
	}
	check := func(what string, q *mapper.Query[tagged], want []string) {
		t.Helper()
		checkQuery(t, what, q, want, func(v tagged) string { return v.SK }, func(v tagged) tagged { return tagged{PK: v.PK, SK: v.SK, Body: "body " + v.SK} })
	}
	check("BeginsWith a#", tbl.Query("s").Sort(mapper.BeginsWith("a#")), []string{"a#1", "a#2", "a#3"})
	check("BeginsWith a", tbl.Query("s").Sort(mapper.BeginsWith("a")), []string{"a#1", "a#2", "a#3", "ab"})
	check("BeginsWith b descending", tbl.Query("s").Sort(mapper.BeginsWith("b")).Descending(), []string{"b#2", "b#1"})
	check("BeginsWith none", tbl.Query("s").Sort(mapper.BeginsWith("x")), nil)
	check("Between strings", tbl.Query("s").Sort(mapper.Between("a#2", "b#1")), []string{"a#2", "a#3", "ab", "b#1"})
	check("Greater string", tbl.Query("s").Sort(mapper.Greater("b#1")), []string{"b#2", "c"})
	check("Equal string", tbl.Query("s").Sort(mapper.Equal("ab")), []string{"ab"})
}

// ticket's status is the partition key of a global secondary index; it has
// no ddbcrypt tag, so it would be encrypted but for the index.
type ticket struct {
	PK       string `ddb:"pk,hash"`
	SK       int    `ddb:"sk,range"`
	Status   string `ddb:"status"`
	Category string `ddb:"category,omitempty" ddbcrypt:"signonly"`
	Secret   string `ddb:"secret"`
}

// ticketEncrypted insists on encrypting the index key.
type ticketEncrypted struct {
	PK       string `ddb:"pk,hash"`
	SK       int    `ddb:"sk,range"`
	Status   string `ddb:"status" ddbcrypt:"encrypt"`
	Category string `ddb:"category,omitempty" ddbcrypt:"signonly"`
	Secret   string `ddb:"secret"`
}

func TestSecondaryIndex(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e := newEnv(t)
	name := testenv.CreateTable(t, e.db, testenv.TableSpec{Partition: testenv.S("pk"), Sort: testenv.N("sk"), Indexes: []testenv.SecondaryIndex{
		{Name: "gsi", Partition: testenv.S("status"), Projection: types.ProjectionTypeAll},
		{Name: "keys", Partition: testenv.S("category"), Projection: types.ProjectionTypeKeysOnly},
	}})
	tbl := mustTable[ticket](t, e.m, name)
	var all []ticket
	for i := 1; i <= 7; i++ {
		tk := ticket{PK: fmt.Sprintf("t%d", i%3), SK: i, Status: "closed", Secret: fmt.Sprintf("secret %d", i)}
		if i%2 == 1 {
			tk.Status = "open"
		}
		if i <= 3 {
			tk.Category = "bug"
		}
		all = append(all, tk)
	}
	for i := range all {
		if err := tbl.Save(ctx, &all[i]); err != nil {
			t.Fatalf("Save %+v: %v", all[i], err)
		}
	}

	raw := testenv.RawGet(t, e.db, name, key("t1", 1))
	if s, ok := raw["status"].(*types.AttributeValueMemberS); !ok || s.Value != "open" {
		t.Errorf("index key status stored as %#v, want plaintext \"open\"", raw["status"])
	}
	if _, ok := raw["secret"].(*types.AttributeValueMemberB); !ok {
		t.Errorf("secret stored as %T, want encrypted", raw["secret"])
	}
	// Signed, not just left alone: changing it breaks the item.
	loaded := ticket{PK: "t1", SK: 1}
	if err := tbl.Load(ctx, &loaded); err != nil || loaded != all[0] {
		t.Fatalf("Load: %+v, %v", loaded, err)
	}

	sorted := func(ts []ticket) []ticket {
		out := slices.Clone(ts)
		sort.Slice(out, func(i, j int) bool { return out[i].SK < out[j].SK })
		return out
	}
	var open, openBugs []ticket
	for _, tk := range all {
		if tk.Status == "open" {
			open = append(open, tk)
			if tk.Category == "bug" {
				openBugs = append(openBugs, tk)
			}
		}
	}

	got, err := collect(tbl.Query("open").Index("gsi").All(ctx))
	if err != nil {
		t.Fatalf("query on the index: %v", err)
	}
	if diff := gocmp.Diff(open, sorted(got)); diff != "" {
		t.Errorf("query on the index (-want +got):\n%s", diff)
	}
	if in, _ := e.cc.Last(opQuery).(*dynamodb.QueryInput); in == nil || in.IndexName == nil || *in.IndexName != "gsi" {
		t.Errorf("query input %+v does not name the index", in)
	}
	got, err = collect(tbl.Query("open").Index("gsi").Filter(expression.Name("category").Equal(expression.Value("bug"))).All(ctx))
	if err != nil || !gocmp.Equal(openBugs, sorted(got)) {
		t.Errorf("filtered query on the index: %+v, %v; want %+v", got, err, openBugs)
	}
	// A filter on the index key itself is fine: it is plaintext.
	if _, err := collect(tbl.Scan().Filter(expression.Name("status").Equal(expression.Value("open"))).All(ctx)); err != nil {
		t.Errorf("scan filtered on the index key: %v", err)
	}

	// Paging on the index: the paging key must carry the index key too.
	var seen []ticket
	var start mapper.PagingKey
	for page := 0; page < 10; page++ {
		q := tbl.Query("open").Index("gsi").Limit(1)
		if start != nil {
			q = q.StartFrom(start)
		}
		it := q.Iter()
		var v ticket
		for it.Next(ctx, &v) {
			seen = append(seen, v)
		}
		if err := it.Err(); err != nil {
			t.Fatalf("page %d on the index: %v", page, err)
		}
		if start = it.PagingKey(); start == nil {
			break
		}
		if _, ok := start["status"]; !ok {
			t.Errorf("paging key on the index %s lacks the index key", fmtKey(start))
		}
	}
	if diff := gocmp.Diff(open, sorted(seen)); diff != "" {
		t.Errorf("paged query on the index (-want +got):\n%s", diff)
	}

	// Scan of the index: every item that has the index key.
	got, err = collect(tbl.Scan().Index("gsi").All(ctx))
	if err != nil || !gocmp.Equal(all, sorted(got)) {
		t.Errorf("scan of the index: %d items, %v; want %d", len(got), err, len(all))
	}

	// A keys-only index cannot be read: items are verified whole.
	e.cc.Reset()
	_, err = collect(tbl.Query("bug").Index("keys").All(ctx))
	wantErrIs(t, "query on a KEYS_ONLY index", err, ddbcrypt.ErrInvalidConfig)
	wantMention(t, "query on a KEYS_ONLY index", err, "keys")
	_, err = collect(tbl.Scan().Index("keys").All(ctx))
	wantErrIs(t, "scan of a KEYS_ONLY index", err, ddbcrypt.ErrInvalidConfig)
	_, err = collect(tbl.Query("bug").Index("missing").All(ctx))
	wantErrIs(t, "query on a missing index", err, ddbcrypt.ErrInvalidConfig)
	if n := e.cc.Calls(opQuery) + e.cc.Calls(opScan); n != 0 {
		t.Errorf("reads of unusable indexes made %d calls", n)
	}

	// The index key tagged encrypt: refused on first use, nothing written.
	cc := testenv.NewParallelFaults(t)
	enc := mustTable[ticketEncrypted](t, mapper.New(cc, e.p), name)
	err = enc.Save(ctx, &ticketEncrypted{PK: "t9", SK: 9, Status: "open", Secret: "s"})
	wantErrIs(t, "Save with an encrypted index key", err, ddbcrypt.ErrInvalidConfig)
	wantMention(t, "Save with an encrypted index key", err, `"status"`)
	if n := cc.Calls(opPut); n != 0 {
		t.Errorf("Save with an encrypted index key made %d PutItem calls", n)
	}
	_, err = collect(enc.Query("open").Index("gsi").All(ctx))
	wantErrIs(t, "Query with an encrypted index key", err, ddbcrypt.ErrInvalidConfig)
	if testenv.RawGet(t, e.db, name, key("t9", 9)) != nil {
		t.Error("an item with an encrypted index key was written")
	}

	// Tampering with the index key breaks the item.
	testenv.RawSet(t, e.db, name, key("t1", 1), "status", &types.AttributeValueMemberS{Value: "closed"})
	_, err = collect(tbl.Query("closed").Index("gsi").All(ctx))
	wantErrIs(t, "index query over a tampered index key", err, ddbcrypt.ErrIntegrity)
	var ie *mapper.ItemError
	if errors.As(err, &ie) {
		// The primary key must be there; the index key may be too.
		for _, k := range []string{"pk", "sk"} {
			if fmtKey(map[string]types.AttributeValue{k: ie.Key[k]}) != fmtKey(map[string]types.AttributeValue{k: key("t1", 1)[k]}) {
				t.Errorf("index query error names %s, want the primary key %s", fmtKey(ie.Key), fmtKey(key("t1", 1)))
			}
		}
	} else if err != nil {
		t.Errorf("index query error %v is not an ItemError", err)
	}
}

func TestScan(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	e, tbl := newTableEnv[event](t)
	var all []event
	for _, pk := range []string{"a", "b", "c", "d"} {
		for i := 1; i <= 5; i++ {
			all = append(all, newEvent(pk, i))
		}
	}
	if err := tbl.BatchSave(ctx, all); err != nil {
		t.Fatal(err)
	}
	id := func(v event) string { return fmt.Sprintf("%s/%d", v.PK, v.SK) }
	ids := func(evs []event) []string {
		out := make([]string, len(evs))
		for i, v := range evs {
			out[i] = id(v)
		}
		sort.Strings(out)
		return out
	}
	allIDs := ids(all)
	var evenIDs []string
	for _, v := range all {
		if v.Parity == "even" {
			evenIDs = append(evenIDs, id(v))
		}
	}
	sort.Strings(evenIDs)
	check := func(what string, got []event, err error, want []string) {
		t.Helper()
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		if diff := gocmp.Diff(want, ids(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", what, diff)
		}
		for _, v := range got {
			if v != newEvent(v.PK, v.SK) {
				t.Errorf("%s: %+v decrypted wrong", what, v)
			}
		}
	}
	even := expression.Name("parity").Equal(expression.Value("even"))

	got, err := collect(tbl.Scan().All(ctx))
	check("Scan", got, err, allIDs)
	got, err = collect(tbl.Scan(mapper.ConsistentRead()).All(ctx))
	check("Scan ConsistentRead", got, err, allIDs)
	got, err = collect(tbl.Scan().Filter(even).All(ctx))
	check("Scan Filter", got, err, evenIDs)

	e.cc.Reset()
	got, err = collect(tbl.Scan().Segments(3).All(ctx))
	check("Scan Segments(3)", got, err, allIDs)
	segs := map[int32]bool{}
	for _, in := range e.cc.Inputs(opScan) {
		si := in.(*dynamodb.ScanInput)
		if si.TotalSegments == nil || *si.TotalSegments != 3 || si.Segment == nil {
			t.Errorf("segmented scan input %+v", si)
			continue
		}
		segs[*si.Segment] = true
	}
	if len(segs) != 3 {
		t.Errorf("segmented scan read segments %v, want 0, 1 and 2", segs)
	}
	got, err = collect(tbl.Scan().Segments(3).Filter(even).All(ctx))
	check("Scan Segments(3) Filter", got, err, evenIDs)

	for _, n := range []int{1, 4, 19} {
		got, err = collect(tbl.Scan().Limit(n).All(ctx))
		if err != nil || len(got) != n {
			t.Errorf("Scan Limit(%d): %d items, %v", n, len(got), err)
		}
		got, err = collect(tbl.Scan().Segments(3).Limit(n).All(ctx))
		if err != nil || len(got) != n {
			t.Errorf("Scan Segments(3) Limit(%d): %d items, %v", n, len(got), err)
		}
	}
	got, err = collect(tbl.Scan().Filter(even).Limit(3).All(ctx))
	if err != nil || len(got) != 3 {
		t.Errorf("Scan Filter Limit(3): %d items, %v", len(got), err)
	}
	for _, v := range got {
		if v.Parity != "even" {
			t.Errorf("Scan Filter Limit(3) returned %+v", v)
		}
	}

	// Paging a scan with Limit and StartFrom sees every item once.
	var seen []event
	var start mapper.PagingKey
	for page := 0; ; page++ {
		if page > 10 {
			t.Fatal("scan paging does not end")
		}
		s := tbl.Scan().Limit(6)
		if start != nil {
			s = s.StartFrom(start)
		}
		it := s.Iter()
		var v event
		n := 0
		for it.Next(ctx, &v) {
			seen = append(seen, v)
			n++
		}
		if err := it.Err(); err != nil {
			t.Fatal(err)
		}
		if n > 6 {
			t.Errorf("scan page of %d items over Limit(6)", n)
		}
		if start = it.PagingKey(); start == nil {
			break
		}
	}
	check("paged Scan", seen, nil, allIDs)

	// Filters on encrypted attributes are refused without a call.
	e.cc.Reset()
	bad := expression.Name("body").Equal(expression.Value("x"))
	_, err = collect(tbl.Scan().Filter(bad).All(ctx))
	wantBadInput(t, "Scan filter on an encrypted attribute", err)
	wantMention(t, "Scan filter on an encrypted attribute", err, `"body"`)
	_, err = collect(tbl.Scan().Segments(3).Filter(bad).All(ctx))
	wantBadInput(t, "segmented Scan filter on an encrypted attribute", err)
	if n := e.cc.Calls(opScan); n != 0 {
		t.Errorf("Scan filters on an encrypted attribute made %d Scan calls", n)
	}

	// A tampered item ends a segmented scan with an error naming it.
	testenv.RawSet(t, e.db, e.table, key("c", 3), "body", &types.AttributeValueMemberB{Value: randomBytes(t, 48)})
	_, err = collect(tbl.Scan().Segments(3).All(ctx))
	wantErrIs(t, "segmented scan over a tampered item", err, ddbcrypt.ErrIntegrity)
	if err != nil {
		if k := itemKey(t, err); k != fmtKey(key("c", 3)) {
			t.Errorf("segmented scan error names %s", k)
		}
	}
	_, err = collect(tbl.Scan().All(ctx))
	wantErrIs(t, "scan over a tampered item", err, ddbcrypt.ErrIntegrity)
}
