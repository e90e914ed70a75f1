package mapper

// Batch writes and reads, split into DynamoDB's limits (25 writes, 100
// reads per call) and retried while DynamoDB leaves items unprocessed.

import (
	"context"
	"math/rand/v2"
	"reflect"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/internal/engine"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

const (
	maxBatchWrite = 25
	maxBatchGet   = 100
)

// backoff says how often and how patiently batch calls retry.
type backoff struct {
	attempts       int
	first, longest time.Duration
}

var defaultBackoff = backoff{attempts: 8, first: 50 * time.Millisecond, longest: 5 * time.Second}

// wait sleeps before retry number n (1 for the first retry), or returns
// ctx's error.
func (b backoff) wait(ctx context.Context, n int) error {
	d := b.first << (n - 1)
	if d > b.longest || d <= 0 {
		d = b.longest
	}
	d = d/2 + rand.N(d/2+1) // jitter, so that retrying clients spread out
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// BatchSave encrypts, signs and writes items with BatchWriteItem. Batch
// writes take no conditions, so version fields are written as they are,
// neither checked nor incremented (Java's CLOBBER). Every item is encrypted
// before anything is written, so bad input writes nothing; items DynamoDB
// leaves unprocessed are retried with backoff, and those still unwritten
// are listed in a *BatchError.
func (t *Table[T]) BatchSave(ctx context.Context, items []T) error {
	plain := make([]map[string]types.AttributeValue, len(items))
	keys := make([]map[string]types.AttributeValue, len(items))
	for i := range items {
		var err error
		if plain[i], keys[i], err = t.t.encodeForWrite(ctx, reflect.ValueOf(&items[i]).Elem()); err != nil {
			return err
		}
	}
	p, err := t.t.prepare(ctx)
	if err != nil {
		return &BatchError{Table: t.t.name, Keys: keys, Err: err}
	}
	requests := make([]types.WriteRequest, len(items))
	for i, item := range plain {
		if requests[i], err = p.EncryptWrite(ctx, types.WriteRequest{PutRequest: &types.PutRequest{Item: item}}); err != nil {
			return err
		}
	}
	return t.t.batchWrite(ctx, p, requests)
}

// BatchDelete deletes the items with the keys of items, unconditionally.
func (t *Table[T]) BatchDelete(ctx context.Context, items []T) error {
	requests := make([]types.WriteRequest, len(items))
	keys := make([]map[string]types.AttributeValue, len(items))
	for i := range items {
		var err error
		if keys[i], err = t.t.keyOfStruct(ctx, reflect.ValueOf(&items[i]).Elem()); err != nil {
			return err
		}
		requests[i] = types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: keys[i]}}
	}
	p, err := t.t.prepare(ctx)
	if err != nil {
		return &BatchError{Table: t.t.name, Keys: keys, Err: err}
	}
	return t.t.batchWrite(ctx, p, requests)
}

// batchWrite sends requests in chunks, retrying unprocessed ones.
func (t *table) batchWrite(ctx context.Context, p *engine.Table, requests []types.WriteRequest) error {
	for start := 0; start < len(requests); start += maxBatchWrite {
		pending := requests[start:min(start+maxBatchWrite, len(requests))]
		var err error
		for attempt := 1; len(pending) > 0; attempt++ {
			if attempt > 1 {
				if attempt > t.m.opts.backoff.attempts {
					err = errRetriesExhausted
				} else {
					err = t.m.opts.backoff.wait(ctx, attempt-1)
				}
				if err != nil {
					break
				}
			}
			var out *dynamodb.BatchWriteItemOutput
			out, err = t.m.client.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
				RequestItems: map[string][]types.WriteRequest{t.name: pending},
			})
			if err != nil {
				break
			}
			pending = out.UnprocessedItems[t.name]
		}
		if err != nil {
			unwritten := append(pending[:len(pending):len(pending)], requests[min(start+maxBatchWrite, len(requests)):]...)
			keys := make([]map[string]types.AttributeValue, len(unwritten))
			for i, r := range unwritten {
				keys[i] = p.WriteKey(r)
			}
			return &BatchError{Table: t.name, Keys: keys, Err: dynamoFailed("BatchWriteItem", err)}
		}
	}
	return nil
}

var errRetriesExhausted = retriesExhausted{}

type retriesExhausted struct{}

func (retriesExhausted) Error() string {
	return "mapper: DynamoDB left items unprocessed after every retry"
}

// BatchLoad reads the items with the keys of keys (BatchGetItem), verified
// and decrypted, in the order of keys; keys with no item are skipped, as
// Java's batchLoad does. Keys still unprocessed after the retries are listed
// in a *BatchError. An answer with an item not asked for, or one item twice,
// is an *ItemError wrapping ddbcrypt.ErrIntegrity.
func (t *Table[T]) BatchLoad(ctx context.Context, keys []T, opts ...Option) ([]T, error) {
	ro, err := options(atRead, "BatchLoad", opts)
	if err != nil {
		return nil, err
	}
	// DynamoDB refuses a request that names a key twice: ask for each once.
	wanted := make([]map[string]types.AttributeValue, 0, len(keys))
	order := make([]string, len(keys)) // the key of each element of keys
	seen := make(map[string]bool, len(keys))
	for i := range keys {
		key, err := t.t.keyOfStruct(ctx, reflect.ValueOf(&keys[i]).Elem())
		if err != nil {
			return nil, err
		}
		order[i] = tableinfo.KeyID(key)
		if !seen[order[i]] {
			seen[order[i]] = true
			wanted = append(wanted, key)
		}
	}
	p, err := t.t.prepare(ctx)
	if err != nil {
		return nil, &BatchError{Table: t.t.name, Keys: wanted, Err: err}
	}
	found := make(map[string]map[string]types.AttributeValue, len(keys))
	for start := 0; start < len(wanted); start += maxBatchGet {
		pending := wanted[start:min(start+maxBatchGet, len(wanted))]
		var err error
		for attempt := 1; len(pending) > 0; attempt++ {
			if attempt > 1 {
				if attempt > t.t.m.opts.backoff.attempts {
					err = errRetriesExhausted
				} else {
					err = t.t.m.opts.backoff.wait(ctx, attempt-1)
				}
				if err != nil {
					break
				}
			}
			var out *dynamodb.BatchGetItemOutput
			out, err = t.t.m.client.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
				RequestItems: map[string]types.KeysAndAttributes{t.t.name: {Keys: pending, ConsistentRead: &ro.consistent}},
			})
			if err != nil {
				break
			}
			if err := p.Info().CheckKeys(t.t.name, pending, out.Responses[t.t.name]); err != nil {
				return nil, err
			}
			for _, item := range out.Responses[t.t.name] {
				found[tableinfo.KeyID(p.Key(item))] = item
			}
			pending = out.UnprocessedKeys[t.t.name].Keys
		}
		if err != nil {
			return nil, &BatchError{Table: t.t.name, Keys: append(pending[:len(pending):len(pending)], wanted[min(start+maxBatchGet, len(wanted)):]...), Err: dynamoFailed("BatchGetItem", err)}
		}
	}
	result := make([]T, 0, len(found))
	for _, k := range order {
		stored, ok := found[k]
		if !ok {
			continue
		}
		delete(found, k) // a key asked for twice is returned once
		var v T
		if err := t.t.decode(ctx, p, stored, reflect.ValueOf(&v).Elem()); err != nil {
			return nil, err
		}
		result = append(result, v)
	}
	return result, nil
}
