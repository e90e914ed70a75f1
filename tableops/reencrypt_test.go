package tableops

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

func TestReencryptMovesItemsAndLeavesTamperedOnes(t *testing.T) {
	f := newFixture(t)
	const n = 60
	f.fill(f.a, n)
	tampered := []int{3, 17, 42}
	before := map[int]map[string]types.AttributeValue{}
	for _, i := range tampered {
		f.tamper(i)
		before[i] = f.raw(i)
	}

	rep, err := Reencrypt(t.Context(), f.db, f.name, f.a, f.b, Options{Segments: 3})
	if err != nil {
		t.Fatal(err)
	}
	want := Report{Scanned: n, Verified: n - 3, Rewritten: n - 3, Failed: 3}
	if got := (Report{Scanned: rep.Scanned, Verified: rep.Verified, Rewritten: rep.Rewritten, Skipped: rep.Skipped, Failed: rep.Failed}); !reflect.DeepEqual(got, want) {
		t.Errorf("counters %+v, want %+v", got, want)
	}
	checkFailures(t, rep, tampered)
	for i := range n {
		if before[i] != nil {
			if got := f.raw(i); !reflect.DeepEqual(got, before[i]) {
				t.Errorf("tampered item %d was changed", i)
			}
			continue
		}
		plain, underB := f.decrypt(i)
		if !underB {
			t.Errorf("item %d still verifies under A only", i)
		}
		sameItem(t, fmt.Sprintf("item %d", i), plain, item(i, fmt.Sprintf("d%d", i), 0))
	}

	// Verify under B sees the same; a second run moves nothing again.
	ver, err := Verify(t.Context(), f.db, f.name, f.b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ver.Scanned != n || ver.Verified != n-3 || ver.Failed != 3 {
		t.Errorf("Verify under B: %+v", ver)
	}
	checkFailures(t, ver, tampered)
	again, err := Reencrypt(t.Context(), f.db, f.name, f.a, f.b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Scanned != n || again.Skipped != n-3 || again.Rewritten != 0 || again.Failed != 3 {
		t.Errorf("second run: %+v", again)
	}
}

// checkFailures checks that the report's failures are exactly the items
// want, by plain key, each with a reason.
func checkFailures(t *testing.T, rep *Report, want []int) {
	t.Helper()
	got := map[string]bool{}
	for _, fl := range rep.Failures {
		if fl.Reason == "" {
			t.Errorf("failure %v has no reason", fl.Key)
		}
		got[fmt.Sprint(fl.Key["pk"], "/", fl.Key["sk"])] = true
	}
	if len(got) != len(want) || len(rep.Failures) != len(want) {
		t.Errorf("failures %v, want items %v", rep.Failures, want)
	}
	for _, i := range want {
		k := fmt.Sprint(fmt.Sprintf("p%d", i%7), "/", json.Number(strconv.Itoa(i)))
		if !got[k] {
			t.Errorf("item %d (%s) not reported; failures %v", i, k, rep.Failures)
		}
	}
}

// raceOnce returns db with race run ahead of the job's first write of
// each item, by the item's sort key: a writer changes it there, between
// the job's read and its write.
func raceOnce(db DB, race func(ctx context.Context, sk int)) *hookDB {
	var raced sync.Map
	return &hookDB{DB: db, before: func(ctx context.Context, in *dynamodb.PutItemInput) {
		sk, _ := strconv.Atoi(in.Item["sk"].(*types.AttributeValueMemberN).Value)
		if _, again := raced.LoadOrStore(sk, true); !again {
			race(ctx, sk)
		}
	}}
}

// hookDB runs before ahead of each PutItem.
type hookDB struct {
	DB
	before func(ctx context.Context, in *dynamodb.PutItemInput)
}

func (h *hookDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	h.before(ctx, in)
	return h.DB.PutItem(ctx, in, optFns...)
}

// TestReencryptLosesNoConcurrentWrite races the job against a writer that
// changes items between the job's read and its write, both by saving them
// again under A and by updating their unsigned "views". The invariant:
// afterwards every item holds the writer's last value, and verifies under
// exactly one of A and B (A where the writer wrote after the job moved
// it).
func TestReencryptLosesNoConcurrentWrite(t *testing.T) {
	f := newFixture(t)
	const n = 40
	f.fill(f.a, n)
	fromA := f.engine(f.a)

	var mu sync.Mutex
	latest := map[int]map[string]types.AttributeValue{}
	for i := range n {
		latest[i] = item(i, fmt.Sprintf("d%d", i), 0)
	}
	// write changes item i as the application would: a new save under A,
	// or an increment of its unsigned counter.
	write := func(ctx context.Context, i, round int) error {
		mu.Lock()
		defer mu.Unlock()
		next := item(i, fmt.Sprintf("w%d-%d", i, round), round)
		if round%2 == 1 {
			next = item(i, latest[i]["data"].(*types.AttributeValueMemberS).Value, round)
			_, err := f.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
				TableName: &f.name, Key: key(i),
				UpdateExpression:          aws.String("SET #v = :v"),
				ExpressionAttributeNames:  map[string]string{"#v": "views"},
				ExpressionAttributeValues: map[string]types.AttributeValue{":v": next["views"]},
			})
			if err != nil {
				return err
			}
		} else if err := f.put(ctx, fromA, next); err != nil {
			return err
		}
		latest[i] = next
		return nil
	}

	// Deterministic races: before the job's first write of some items, the
	// writer changes them.
	db := raceOnce(f.db, func(ctx context.Context, sk int) {
		if sk%4 != 0 {
			return
		}
		if err := write(ctx, sk, 1+sk%8/4); err != nil {
			t.Error(err)
		}
	})
	// And a free-running writer.
	ctx, stop := context.WithCancel(t.Context())
	var wg sync.WaitGroup
	wg.Go(func() {
		for round := 2; ctx.Err() == nil; round++ {
			// t.Context: a write cut off by stop could land unrecorded.
			if err := write(t.Context(), round*7%n, round); err != nil {
				t.Error(err)
			}
		}
	})
	rep, err := Reencrypt(t.Context(), db, f.name, f.a, f.b, Options{Segments: 4})
	stop()
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Failed != 0 || rep.Scanned != n || rep.Rewritten+rep.Skipped != n {
		t.Errorf("report %+v", rep)
	}
	movedB := 0
	for i := range n {
		plain, underB := f.decrypt(i)
		sameItem(t, fmt.Sprintf("item %d", i), plain, latest[i])
		if underB {
			movedB++
		}
	}
	if movedB == 0 {
		t.Error("no item ended under B")
	}
	t.Logf("%d of %d items under B; report %+v", movedB, n, rep)
}

// cancelDB cancels the job after a number of writes.
type cancelDB struct {
	DB
	after  int64
	puts   atomic.Int64
	cancel context.CancelFunc
}

func (c *cancelDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if c.puts.Add(1) == c.after {
		defer c.cancel()
	}
	return c.DB.PutItem(ctx, in, optFns...)
}

func TestReencryptStopsWhenCancelled(t *testing.T) {
	f := newFixture(t)
	const n, segments = 50, 2
	f.fill(f.a, n)
	ctx, cancel := context.WithCancel(t.Context())
	db := &cancelDB{DB: f.db, after: 5, cancel: cancel}
	rep, err := Reencrypt(ctx, db, f.name, f.a, f.b, Options{Segments: segments})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
	if rep.Rewritten == 0 || rep.Rewritten >= n || db.puts.Load() > 5+segments {
		t.Errorf("after cancel: %+v, %d writes", rep, db.puts.Load())
	}
	// A second run finishes the job: what the first moved is skipped —
	// including a write cut off by the cancellation that still landed.
	rest, err := Reencrypt(t.Context(), f.db, f.name, f.a, f.b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rest.Skipped < rep.Rewritten || rest.Skipped > rep.Rewritten+segments || rest.Rewritten+rest.Skipped != n || rest.Failed != 0 {
		t.Errorf("second run %+v after %+v", rest, rep)
	}
}

func TestReencryptRefusesUnsignedDefault(t *testing.T) {
	f := newFixture(t)
	from := f.a
	from.Actions = crypto.AttributeActions{Default: crypto.DoNothing, Overrides: map[string]crypto.Action{"data": crypto.SignOnly}}
	rep, err := Reencrypt(t.Context(), f.db, f.name, from, f.b, Options{})
	if !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
		t.Errorf("error %v, want ErrInvalidConfig", err)
	}
	if rep == nil || rep.Scanned != 0 {
		t.Errorf("report %+v", rep)
	}
}

// BenchmarkReencrypt measures the items a second one process moves on
// DynamoDB Local (Wrapped to Wrapped, 4 segments), back and forth.
func BenchmarkReencrypt(b *testing.B) {
	db := testenv.DynamoDB(b)
	name := testenv.NewTable(b, db, testenv.S("pk"), testenv.N("sk"))
	from := Protection{Provider: testenv.WrappedProvider(b), Actions: testActions()}
	to := Protection{Provider: testenv.WrappedProvider(b), Actions: testActions()}
	const n = 200
	for i := range n {
		if _, err := db.PutItem(b.Context(), &dynamodb.PutItemInput{TableName: &name, Item: item(i, fmt.Sprintf("d%d", i), 0)}); err != nil {
			b.Fatal(err)
		}
	}
	if rep, err := Encrypt(b.Context(), db, name, from, Options{}); err != nil || rep.Rewritten != n {
		b.Fatalf("encrypt: report %+v, error %v", rep, err)
	}
	var items int64
	start := time.Now()
	for b.Loop() {
		rep, err := Reencrypt(b.Context(), db, name, from, to, Options{Segments: 4})
		if err != nil || rep.Rewritten != n {
			b.Fatalf("report %+v, error %v", rep, err)
		}
		items += rep.Rewritten
		from, to = to, from
	}
	b.ReportMetric(float64(items)/time.Since(start).Seconds(), "items/s")
}
