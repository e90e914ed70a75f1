package mapper

// Query and Scan, with iterators that resume from a paging key.

import (
	"context"
	"fmt"
	"iter"
	"reflect"
	"sync"

	"github.com/ddbcrypt/ddbcrypt/beacon"
	"github.com/ddbcrypt/ddbcrypt/internal/engine"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// PagingKey is where a query or scan stopped: the primary key (and index
// key) of the last item returned. Pass it to StartFrom to go on from there.
// nil means the end was reached.
type PagingKey map[string]types.AttributeValue

// SortCondition narrows a query by the sort key of the table, or of the
// index the query reads: Equal, Less, LessOrEqual, Greater, GreaterOrEqual,
// Between or BeginsWith. Their values are converted as
// attributevalue.Marshal converts them, not with the mapper's encoder
// options, so pass a value of the type the key is stored as (for a
// time.Time field tagged unixtime, its Unix seconds). Keys are never
// encrypted, so DynamoDB compares them itself: numbers by value, strings
// by their UTF-8 bytes, binary values byte by byte.
type SortCondition struct {
	build func(key expression.KeyBuilder) expression.KeyConditionBuilder
}

// Equal matches the items whose sort key equals v.
func Equal(v any) SortCondition {
	return sortCond(func(k expression.KeyBuilder) expression.KeyConditionBuilder { return k.Equal(expression.Value(v)) })
}

// Less matches the items whose sort key is less than v.
func Less(v any) SortCondition {
	return sortCond(func(k expression.KeyBuilder) expression.KeyConditionBuilder { return k.LessThan(expression.Value(v)) })
}

// LessOrEqual matches the items whose sort key is less than or equal to v.
func LessOrEqual(v any) SortCondition {
	return sortCond(func(k expression.KeyBuilder) expression.KeyConditionBuilder {
		return k.LessThanEqual(expression.Value(v))
	})
}

// Greater matches the items whose sort key is greater than v.
func Greater(v any) SortCondition {
	return sortCond(func(k expression.KeyBuilder) expression.KeyConditionBuilder {
		return k.GreaterThan(expression.Value(v))
	})
}

// GreaterOrEqual matches the items whose sort key is greater than or equal
// to v.
func GreaterOrEqual(v any) SortCondition {
	return sortCond(func(k expression.KeyBuilder) expression.KeyConditionBuilder {
		return k.GreaterThanEqual(expression.Value(v))
	})
}

// Between matches the items whose sort key is at least low and at most
// high: both ends are included, and low must not be greater than high
// (DynamoDB refuses the query otherwise).
func Between(low, high any) SortCondition {
	return sortCond(func(k expression.KeyBuilder) expression.KeyConditionBuilder {
		return k.Between(expression.Value(low), expression.Value(high))
	})
}

// BeginsWith matches the items whose string sort key starts with prefix.
func BeginsWith(prefix string) SortCondition {
	return sortCond(func(k expression.KeyBuilder) expression.KeyConditionBuilder { return k.BeginsWith(prefix) })
}

func sortCond(f func(expression.KeyBuilder) expression.KeyConditionBuilder) SortCondition {
	return SortCondition{build: f}
}

// Query reads the items of one partition key, in sort key order, from the
// table or one of its secondary indexes. Build it with its methods, then
// read with Iter or All. Every item is verified and decrypted; one that
// fails stops the iteration with an error that names its key.
type Query[T any] struct {
	t          *table
	partition  any
	sort       *SortCondition
	index      string
	filters    []expression.ConditionBuilder
	limit      int
	descending bool
	consistent bool
	start      PagingKey
	byBeacon   *equality  // QueryBeacon: the partition key is this value's beacon
	equal      []equality // WhereEqual
	err        error      // of the options, reported by the iterator
}

// Query starts a query for the items whose partition key is partitionKey.
// It takes the options of reads (ConsistentRead).
func (t *Table[T]) Query(partitionKey any, opts ...Option) *Query[T] {
	o, err := options(atRead, "Query", opts)
	return &Query[T]{t: t.t, partition: partitionKey, consistent: o.consistent, err: err}
}

// Sort narrows the query with a condition on the sort key.
func (q *Query[T]) Sort(c SortCondition) *Query[T] { q.sort = &c; return q }

// Index queries a secondary index instead of the table. The index must
// project all attributes: an item is verified whole or not at all.
func (q *Query[T]) Index(name string) *Query[T] { q.index = name; return q }

// Filter drops items that do not meet cond. It may only name plaintext
// attributes, and runs in DynamoDB, after the key condition.
func (q *Query[T]) Filter(cond expression.ConditionBuilder) *Query[T] {
	q.filters = append(q.filters, cond)
	return q
}

// Limit stops the query after n items.
func (q *Query[T]) Limit(n int) *Query[T] { q.limit = n; return q }

// Descending reads in descending sort key order.
func (q *Query[T]) Descending() *Query[T] { q.descending = true; return q }

// StartFrom resumes after the item a previous iteration stopped at.
func (q *Query[T]) StartFrom(k PagingKey) *Query[T] { q.start = k; return q }

// Iter returns an iterator over the query's items.
func (q *Query[T]) Iter() *Iter[T] {
	eqs := q.equal
	if q.byBeacon != nil {
		eqs = append(eqs[:len(eqs):len(eqs)], *q.byBeacon)
	}
	it := newIter[T](q.t, q.fetch, q.limit, q.start, q.err)
	it.keep = matcher(eqs)
	return it
}

// All returns the query's items as a range-over-func sequence; an error ends
// it.
func (q *Query[T]) All(ctx context.Context) iter.Seq2[T, error] { return q.Iter().All(ctx) }

// fetch returns one page of the query, still encrypted.
func (q *Query[T]) fetch(ctx context.Context, p *engine.Table, start PagingKey, limit int32) ([]map[string]types.AttributeValue, PagingKey, []string, error) {
	index, partition := q.index, q.partition
	if q.byBeacon != nil {
		b, err := p.Beacon(ctx, q.byBeacon.attr, q.byBeacon.value)
		if err != nil {
			return nil, nil, nil, err
		}
		partition = b.Value
		if index == "" {
			var ok bool
			if index, ok = p.BeaconIndex(q.byBeacon.attr); !ok {
				return nil, nil, nil, invalidConfig("table %s has no index whose partition key is %q, the beacon attribute of %q, and that projects all attributes: declare one (ddbcrypt tag option beaconindex=NAME) and create it, or scan with WhereEqual", q.t.name, beacon.Attribute(q.byBeacon.attr), q.byBeacon.attr)
			}
		}
	}
	keys, indexName, err := readKeys(p, index)
	if err != nil {
		return nil, nil, nil, err
	}
	filters, err := beaconFilters(ctx, p, q.equal)
	if err != nil {
		return nil, nil, nil, err
	}
	kc := expression.Key(keys.Partition).Equal(expression.Value(partition))
	if q.sort != nil {
		if keys.Sort == "" {
			return nil, nil, nil, invalidConfig("a sort key condition on table %s (index %q), which has no sort key", q.t.name, index)
		}
		kc = kc.And(q.sort.build(expression.Key(keys.Sort)))
	}
	b := expression.NewBuilder().WithKeyCondition(kc)
	if f, ok := combine(append(filters, q.filters...)); ok {
		b = b.WithFilter(f)
	}
	expr, err := b.Build()
	if err != nil {
		return nil, nil, nil, invalidConfig("building the query: %v", err)
	}
	in := &dynamodb.QueryInput{
		TableName:                 &q.t.name,
		IndexName:                 indexName,
		KeyConditionExpression:    expr.KeyCondition(),
		FilterExpression:          expr.Filter(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ExclusiveStartKey:         start,
		ScanIndexForward:          boolPtr(!q.descending),
		ConsistentRead:            boolPtr(q.consistent),
	}
	if limit > 0 {
		in.Limit = &limit
	}
	out, _, err := p.QueryPage(ctx, q.t.m.client, in)
	if err != nil {
		return nil, nil, nil, err
	}
	return out.Items, out.LastEvaluatedKey, pagingNames(p, keys), nil
}

// readKeys returns the keys of what a query or scan reads: the table's, or
// those of the named index (which must project all attributes), and the
// index name to send.
func readKeys(p *engine.Table, index string) (tableinfo.KeySchema, *string, error) {
	if index == "" {
		return p.Info().Keys, nil, nil
	}
	keys, err := p.IndexKeys(index, false)
	if err != nil {
		return keys, nil, fmt.Errorf("table %s: %w", p.Name(), err)
	}
	return keys, &index, nil
}

// combine combines filters with AND. What they may name is the engine's to
// check (engine.Policy.CheckCondition).
func combine(filters []expression.ConditionBuilder) (expression.ConditionBuilder, bool) {
	switch len(filters) {
	case 0:
		return expression.ConditionBuilder{}, false
	case 1:
		return filters[0], true
	}
	return expression.And(filters[0], filters[1], filters[2:]...), true
}

// pagingNames lists the attributes of a paging key: the table's keys and,
// for an index, the index's.
func pagingNames(p *engine.Table, index tableinfo.KeySchema) []string {
	table := p.Info().Keys
	names := []string{table.Partition}
	for _, n := range []string{table.Sort, index.Partition, index.Sort} {
		if n != "" && n != names[0] && (len(names) < 2 || n != names[1]) {
			names = append(names, n)
		}
	}
	return names
}

// Scan reads every item of the table (or an index). Build it with its
// methods, then read with Iter or All.
type Scan[T any] struct {
	t          *table
	index      string
	filters    []expression.ConditionBuilder
	limit      int
	consistent bool
	segments   int
	start      PagingKey
	equal      []equality // WhereEqual
	err        error      // of the options, reported by the iterator
}

// Scan starts a scan of the table. It takes the options of reads
// (ConsistentRead).
func (t *Table[T]) Scan(opts ...Option) *Scan[T] {
	o, err := options(atRead, "Scan", opts)
	return &Scan[T]{t: t.t, consistent: o.consistent, err: err}
}

// Index scans a secondary index, which must project all attributes.
func (s *Scan[T]) Index(name string) *Scan[T] { s.index = name; return s }

// Filter drops items that do not meet cond, which may only name plaintext
// attributes.
func (s *Scan[T]) Filter(cond expression.ConditionBuilder) *Scan[T] {
	s.filters = append(s.filters, cond)
	return s
}

// Limit stops the scan after n items.
func (s *Scan[T]) Limit(n int) *Scan[T] { s.limit = n; return s }

// StartFrom resumes a sequential scan after the item an earlier one stopped
// at.
func (s *Scan[T]) StartFrom(k PagingKey) *Scan[T] { s.start = k; return s }

// Segments makes All read the table in n parallel segments (DynamoDB's
// parallel scan); items then come in no particular order. Iter ignores it.
func (s *Scan[T]) Segments(n int) *Scan[T] { s.segments = n; return s }

// Iter returns an iterator over the scan's items, read sequentially.
func (s *Scan[T]) Iter() *Iter[T] {
	it := newIter[T](s.t, s.segment(0, 1), s.limit, s.start, s.err)
	it.keep = matcher(s.equal)
	return it
}

// All returns the scan's items as a range-over-func sequence; an error ends
// it. With Segments(n), n goroutines read the segments in parallel.
func (s *Scan[T]) All(ctx context.Context) iter.Seq2[T, error] {
	if s.segments <= 1 || s.err != nil {
		return s.Iter().All(ctx)
	}
	return func(yield func(T, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		// No segment's call outlives All.
		defer func() { cancel(); wg.Wait() }()
		type result struct {
			v   T
			err error
		}
		results := make(chan result)
		for seg := range s.segments {
			wg.Go(func() {
				it := newIter[T](s.t, s.segment(seg, s.segments), 0, nil, nil)
				it.keep = matcher(s.equal)
				for v, err := range it.All(ctx) {
					select {
					case results <- result{v, err}:
					case <-ctx.Done():
						return
					}
					if err != nil {
						return
					}
				}
			})
		}
		go func() { wg.Wait(); close(results) }()
		n := 0
		for r := range results {
			if !yield(r.v, r.err) || r.err != nil {
				return
			}
			if n++; s.limit > 0 && n >= s.limit {
				return
			}
		}
	}
}

// segment returns the fetch function of one segment of a scan.
func (s *Scan[T]) segment(seg, total int) fetchFunc {
	return func(ctx context.Context, p *engine.Table, start PagingKey, limit int32) ([]map[string]types.AttributeValue, PagingKey, []string, error) {
		keys, indexName, err := readKeys(p, s.index)
		if err != nil {
			return nil, nil, nil, err
		}
		in := &dynamodb.ScanInput{TableName: &s.t.name, IndexName: indexName, ExclusiveStartKey: start, ConsistentRead: boolPtr(s.consistent)}
		if total > 1 {
			in.Segment, in.TotalSegments = int32Ptr(int32(seg)), int32Ptr(int32(total))
		}
		filters, err := beaconFilters(ctx, p, s.equal)
		if err != nil {
			return nil, nil, nil, err
		}
		if f, ok := combine(append(filters, s.filters...)); ok {
			expr, err := expression.NewBuilder().WithFilter(f).Build()
			if err != nil {
				return nil, nil, nil, invalidConfig("building the scan filter: %v", err)
			}
			in.FilterExpression, in.ExpressionAttributeNames, in.ExpressionAttributeValues = expr.Filter(), expr.Names(), expr.Values()
		}
		if limit > 0 {
			in.Limit = &limit
		}
		out, _, err := p.ScanPage(ctx, s.t.m.client, in)
		if err != nil {
			return nil, nil, nil, err
		}
		return out.Items, out.LastEvaluatedKey, pagingNames(p, keys), nil
	}
}

// fetchFunc reads one page from start, at most limit items if limit > 0.
// It returns the items, DynamoDB's LastEvaluatedKey, and the names of the
// attributes that make up a paging key.
type fetchFunc func(ctx context.Context, p *engine.Table, start PagingKey, limit int32) ([]map[string]types.AttributeValue, PagingKey, []string, error)

// Iter reads the items of a query or scan page by page, verifying and
// decrypting each. It is not safe for concurrent use.
type Iter[T any] struct {
	t     *table
	fetch fetchFunc
	limit int                                        // items in all; 0 for no limit
	keep  func(map[string]types.AttributeValue) bool // which decrypted items to return; nil: all

	page     []map[string]types.AttributeValue
	start    PagingKey                       // where the iteration began; nil: the beginning
	next     PagingKey                       // where the next page starts
	names    []string                        // paging key attributes
	last     map[string]types.AttributeValue // the stored item last returned
	returned int
	started  bool
	err      error
}

// newIter returns an iterator that starts after start (nil or empty: at the
// beginning), or one that fails with err.
func newIter[T any](t *table, fetch fetchFunc, limit int, start PagingKey, err error) *Iter[T] {
	if len(start) == 0 {
		start = nil
	}
	return &Iter[T]{t: t, fetch: fetch, limit: limit, start: start, next: start, err: err}
}

// Next decrypts the next item into out and reports whether there was one.
// After false, Err says whether the iteration failed.
func (it *Iter[T]) Next(ctx context.Context, out *T) bool {
	if it.err != nil || (it.limit > 0 && it.returned >= it.limit) {
		return false
	}
	p, err := it.t.prepare(ctx)
	if err != nil {
		it.err = err
		return false
	}
	for {
		for len(it.page) == 0 {
			if it.started && it.next == nil {
				return false
			}
			var limit int32
			if it.limit > 0 {
				limit = int32(min(it.limit-it.returned, 1<<30))
			}
			page, next, names, err := it.fetch(ctx, p, it.next, limit)
			if err != nil {
				it.err = err // PagingKey still resumes after the last item returned
				return false
			}
			it.page, it.next, it.names, it.started = page, next, names, true
		}
		stored := it.page[0]
		item, err := p.Decrypt(ctx, stored)
		if err == nil && it.keep != nil && !it.keep(item) {
			// A beacon's false positive: skipped, and PagingKey resumes
			// after it.
			it.page = it.page[1:]
			it.last = stored
			continue
		}
		if err == nil {
			err = it.t.decodePlain(p, stored, item, reflect.ValueOf(out).Elem())
		}
		if err != nil {
			it.err = err // the item stays unread: PagingKey resumes at it, not after it
			return false
		}
		it.page = it.page[1:]
		it.last = stored
		it.returned++
		return true
	}
}

// Err returns the error that ended the iteration, if any.
func (it *Iter[T]) Err() error { return it.err }

// PagingKey returns where to resume after the last item Next returned: pass
// it to StartFrom. It is nil only when every item has been read; after an
// error it resumes at the item that failed. An empty key means "from the
// beginning".
func (it *Iter[T]) PagingKey() PagingKey {
	switch {
	case it.err == nil && it.started && len(it.page) == 0 && it.next == nil:
		return nil
	case it.last != nil:
		return pick(it.last, it.names)
	case it.start != nil:
		return it.start
	}
	return PagingKey{}
}

// All returns the remaining items as a range-over-func sequence.
func (it *Iter[T]) All(ctx context.Context) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for {
			var v T
			if !it.Next(ctx, &v) {
				if it.err != nil {
					yield(v, it.err)
				}
				return
			}
			if !yield(v, nil) {
				return
			}
		}
	}
}

// pick returns the named attributes of item.
func pick(item map[string]types.AttributeValue, names []string) map[string]types.AttributeValue {
	key := make(map[string]types.AttributeValue, len(names))
	for _, n := range names {
		if av, ok := item[n]; ok {
			key[n] = av
		}
	}
	return key
}

func boolPtr(b bool) *bool    { return &b }
func int32Ptr(n int32) *int32 { return &n }
