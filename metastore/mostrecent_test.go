package metastore_test

// The Most Recent provider over the DynamoDB MetaStore: store calls while
// warm and per TTL, concurrent use during key rotation, through the item
// encryptor and through the mapper.

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/metaid"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/mapper"
	"github.com/ddbcrypt/ddbcrypt/metastore"
)

func newMostRecent(t testing.TB, store cmp.ProviderStore, ttl time.Duration) *cmp.MostRecent {
	t.Helper()
	mr, err := cmp.NewMostRecent(cmp.MostRecentConfig{Store: store, MaterialName: "orders", TTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	return mr
}

func metaID(t testing.TB, item map[string]types.AttributeValue) string {
	t.Helper()
	return description(t, item)[cmp.DescMetaID]
}

// TestMostRecentSteadyState: once warm, items cost no DynamoDB call (P6).
func TestMostRecentSteadyState(t *testing.T) {
	e := newStoreEnv(t)
	ctx := t.Context()
	enc := crypto.NewEncryptor(newMostRecent(t, e.store, time.Hour))

	first, err := enc.EncryptItem(ctx, dataItem(0), dataActions, dataContext)
	if err != nil {
		t.Fatal(err)
	}
	// The first item found no version and created version 0.
	if metaID(t, first) != "orders#0" || e.cc.query.Load() != 1 || e.cc.put.Load() != 1 || e.cc.get.Load() != 0 {
		t.Fatalf("first item: %s; query/put/get %d/%d/%d, want 1/1/0", metaID(t, first), e.cc.query.Load(), e.cc.put.Load(), e.cc.get.Load())
	}
	const items = 1000
	before := e.cc.total()
	for i := 1; i <= items; i++ {
		stored, err := enc.EncryptItem(ctx, dataItem(i), dataActions, dataContext)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := enc.DecryptItem(ctx, stored, dataActions, dataContext); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := enc.DecryptItem(ctx, first, dataActions, dataContext); err != nil {
		t.Fatal(err)
	}
	if n := e.cc.total() - before; n != 0 {
		t.Errorf("%d DynamoDB calls for %d warm items, want 0", n, items)
	}

	// A reader with a cold cache loads the version once.
	reader := crypto.NewEncryptor(newMostRecent(t, e.store, time.Hour))
	before = e.cc.total()
	for range 100 {
		if _, err := reader.DecryptItem(ctx, first, dataActions, dataContext); err != nil {
			t.Fatal(err)
		}
	}
	if e.cc.total()-before != 1 || e.cc.get.Load() != 1 {
		t.Errorf("cold reader: %d calls (%d GetItem), want 1 GetItem", e.cc.total()-before, e.cc.get.Load())
	}
}

// TestMostRecentRefreshPerTTL: one Query per TTL period, whatever the
// number of items; a new version is used after the TTL.
func TestMostRecentRefreshPerTTL(t *testing.T) {
	e := newStoreEnv(t)
	ctx := t.Context()
	const ttl = 300 * time.Millisecond
	enc := crypto.NewEncryptor(newMostRecent(t, e.store, ttl))
	encrypt := func() map[string]types.AttributeValue {
		stored, err := enc.EncryptItem(ctx, dataItem(1), dataActions, dataContext)
		if err != nil {
			t.Fatal(err)
		}
		return stored
	}
	encrypt()
	for period := range 3 {
		time.Sleep(ttl + 20*time.Millisecond)
		q, g := e.cc.query.Load(), e.cc.get.Load()
		start := time.Now()
		for range 20 {
			encrypt()
		}
		// One refresh, plus one per TTL the 20 items took on a slow machine.
		queries, allowed := e.cc.query.Load()-q, 1+int64(time.Since(start)/ttl)
		if queries < 1 || queries > allowed || e.cc.get.Load() != g {
			t.Errorf("period %d: %d queries and %d loads, want 1 (at most %d) and 0", period, queries, e.cc.get.Load()-g, allowed)
		}
	}

	// Rotation: a new version, picked up after the TTL.
	if _, v, err := e.store.NewProvider(ctx, "orders"); err != nil || v != 1 {
		t.Fatalf("NewProvider: %d, %v", v, err)
	}
	if id := metaID(t, encrypt()); id != "orders#0" {
		// The TTL may just have passed; then the new version is right too.
		t.Logf("right after NewProvider: %s", id)
	}
	time.Sleep(ttl + 20*time.Millisecond)
	if id := metaID(t, encrypt()); id != "orders#1" {
		t.Errorf("after the TTL: %s, want orders#1", id)
	}
}

// TestMostRecentConcurrentRotation: goroutines encrypt and decrypt through
// one MostRecent while another creates new versions. Every item decrypts,
// each writer moves to newer versions only, and all writers are on the
// newest version once the TTL has passed.
func TestMostRecentConcurrentRotation(t *testing.T) {
	e := newStoreEnv(t)
	ctx := t.Context()
	const (
		ttl      = 50 * time.Millisecond
		writers  = 8
		versions = 6
	)
	mr := newMostRecent(t, e.store, ttl)
	enc := crypto.NewEncryptor(mr)

	var stop atomic.Bool
	var mu sync.Mutex
	var all []map[string]types.AttributeValue
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			last := int64(-1)
			for i := 0; !stop.Load(); i++ {
				stored, err := enc.EncryptItem(ctx, dataItem(w*100000+i), dataActions, dataContext)
				if err != nil {
					t.Errorf("writer %d: %v", w, err)
					return
				}
				if _, err := enc.DecryptItem(ctx, stored, dataActions, dataContext); err != nil {
					t.Errorf("writer %d: decrypt: %v", w, err)
					return
				}
				id := metaID(t, stored)
				_, v, err := metaid.Parse(id)
				if err != nil {
					t.Error(err)
					return
				}
				if v < last {
					t.Errorf("writer %d went back from version %d to %d", w, last, v)
				}
				last = v
				mu.Lock()
				seen[id] = true
				if i%10 == 0 {
					all = append(all, stored)
				}
				mu.Unlock()
			}
		})
	}
	// The rotator: another host's MetaStore on the same table.
	other, err := metastore.New(newCounting(e.db), e.table, e.inner)
	if err != nil {
		t.Fatal(err)
	}
	for range versions {
		time.Sleep(3 * ttl)
		if _, _, err := other.NewProvider(ctx, "orders"); err != nil {
			t.Error(err)
			break
		}
	}
	// Version 0 was created by the first item, then `versions` more. The
	// writers reach the newest within a TTL or so; allow a slow machine more.
	newest := metaid.Format("orders", versions)
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(ttl) {
		mu.Lock()
		done := seen[newest]
		mu.Unlock()
		if done {
			break
		}
	}
	stop.Store(true)
	wg.Wait()
	if t.Failed() {
		return
	}
	if !seen[newest] {
		t.Errorf("the newest version %s was never used; seen %v", newest, seen)
	}
	if len(seen) < 3 {
		t.Errorf("only versions %v were used", seen)
	}
	// A fresh provider reads every item kept.
	fresh := crypto.NewEncryptor(newMostRecent(t, e.store, time.Hour))
	for _, item := range all {
		if _, err := fresh.DecryptItem(ctx, item, dataActions, dataContext); err != nil {
			t.Fatalf("%s: %v", metaID(t, item), err)
		}
	}
	t.Logf("%d items kept, versions used: %d", len(all), len(seen))
}

// Order is a mapper record protected by the Most Recent provider.
type Order struct {
	Customer string `ddb:"pk,hash"`
	Number   int    `ddb:"sk,range"`
	Card     string `ddb:"card" ddbcrypt:"encrypt"`
	Status   string `ddb:"status" ddbcrypt:"signonly"`
}

// TestMostRecentMapper: the mapper saves and loads through a Most Recent
// provider while versions rotate; every record loads, with a fresh mapper
// too.
func TestMostRecentMapper(t *testing.T) {
	e := newStoreEnv(t)
	ctx := t.Context()
	const ttl = 50 * time.Millisecond
	dataTable := testenv.NewTable(t, e.db, testenv.S("pk"), testenv.N("sk"))
	table, err := mapper.NewTable[Order](mapper.New(e.db, newMostRecent(t, e.store, ttl)), mapper.WithTableName(dataTable))
	if err != nil {
		t.Fatal(err)
	}

	// Workers save and load until the rotations are done and the TTL has
	// passed once more.
	const workers = 4
	var stop atomic.Bool
	saved := make([]int, workers) // records saved per worker
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := 0; !stop.Load(); i++ {
				o := Order{Customer: fmt.Sprintf("c%d", w), Number: i, Card: fmt.Sprintf("4111-%d-%d", w, i), Status: "new"}
				if err := table.Save(ctx, &o); err != nil {
					t.Errorf("Save: %v", err)
					return
				}
				saved[w] = i + 1
				got := Order{Customer: o.Customer, Number: o.Number}
				if err := table.Load(ctx, &got, mapper.ConsistentRead()); err != nil || got != o {
					t.Errorf("Load: %+v, %v; want %+v", got, err, o)
					return
				}
				time.Sleep(2 * time.Millisecond)
			}
		})
	}
	for range 3 {
		time.Sleep(2 * ttl)
		if _, _, err := e.store.NewProvider(ctx, "orders"); err != nil {
			t.Error(err)
		}
	}
	time.Sleep(3 * ttl)
	stop.Store(true)
	wg.Wait()
	if t.Failed() {
		return
	}

	// Every record, read back by a fresh mapper with a fresh provider.
	fresh, err := mapper.NewTable[Order](mapper.New(e.db, newMostRecent(t, e.store, time.Hour)), mapper.WithTableName(dataTable))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for w := range workers {
		for i := range saved[w] {
			got := Order{Customer: fmt.Sprintf("c%d", w), Number: i}
			if err := fresh.Load(ctx, &got, mapper.ConsistentRead()); err != nil || got.Card != fmt.Sprintf("4111-%d-%d", w, i) {
				t.Errorf("fresh Load %s/%d: %+v, %v", got.Customer, i, got, err)
			}
			seen[metaID(t, rawItem(t, e, dataTable, got.Customer, i))] = true
		}
	}
	if len(seen) < 2 {
		t.Errorf("records used versions %v; want more than one", seen)
	}
	t.Logf("%d records, versions used: %d", sum(saved), len(seen))
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}

// rawItem reads a data item as stored.
func rawItem(t *testing.T, e *storeEnv, table, pk string, sk int) map[string]types.AttributeValue {
	t.Helper()
	out, err := e.db.GetItem(t.Context(), &dynamodb.GetItemInput{
		TableName: aws.String(table),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: pk},
			"sk": &types.AttributeValueMemberN{Value: fmt.Sprint(sk)},
		},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}
