package tableops

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// scanDB counts Scan calls and cancels the job at the Scan numbered
// cancelAt (0: never).
type scanDB struct {
	*dynamodb.Client
	scans    atomic.Int64
	cancelAt int64
	cancel   context.CancelFunc
}

func (d *scanDB) Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error) {
	if d.scans.Add(1) == d.cancelAt {
		d.cancel()
	}
	return d.Client.Scan(ctx, in, optFns...)
}

// checkpointTable names a checkpoint table for the test, which the job
// creates; it is deleted when the test ends.
func checkpointTable(t *testing.T, db *dynamodb.Client) string {
	name := testenv.TableName(t) + "-cp"
	t.Cleanup(func() {
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	return name
}

// checkAllMoved fails the test unless every item 0..n-1 verifies under B
// with its original content.
func (f *fixture) checkAllMoved(n int) {
	f.t.Helper()
	for i := range n {
		plain, underB := f.decrypt(i)
		if !underB {
			f.t.Errorf("item %d still verifies under A only", i)
		}
		sameItem(f.t, fmt.Sprintf("item %d", i), plain, item(i, fmt.Sprintf("d%d", i), 0))
	}
}

// checkMerged checks the merged report of a finished job over n untampered
// items in segments segments. The invariant: checkpoints advance only at
// page ends and a resumed segment starts after its last checkpointed page,
// so every item is counted in exactly one checkpointed page — scanned is
// exactly n even across interruptions — and each ends rewritten (moved by
// the page that counted it) or skipped (moved by an interrupted page whose
// counters were never checkpointed); nothing fails.
func checkMerged(t *testing.T, rep *Report, n int64, segments int) {
	t.Helper()
	if rep.Scanned != n || rep.Rewritten+rep.Skipped != n || rep.Verified != rep.Rewritten || rep.Failed != 0 {
		t.Errorf("merged counters %+v; want scanned = rewritten+skipped = %d, verified = rewritten, none failed", rep, n)
	}
	if len(rep.Segments) != segments {
		t.Fatalf("merged report lists %d segments, want %d", len(rep.Segments), segments)
	}
	var sum Report
	for i, s := range rep.Segments {
		if s.Segment != i || !s.Done {
			t.Errorf("segment %d: %+v; want segment %d, done", i, s, i)
		}
		sum.add(s)
	}
	if sum.Scanned != rep.Scanned || sum.Rewritten != rep.Rewritten || sum.Skipped != rep.Skipped {
		t.Errorf("segments sum to %+v, report says %+v", sum, rep)
	}
}

func TestReencryptResumesACancelledJob(t *testing.T) {
	f := newFixture(t)
	const n, segments = 60, 3
	f.fill(f.a, n)
	cpTable := checkpointTable(t, f.db)
	opts := Options{Segments: segments, PageSize: 4, Job: "resume", CheckpointTable: cpTable}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	db := &scanDB{Client: f.db, cancelAt: 8, cancel: cancel}
	if _, err := Reencrypt(ctx, db, f.name, f.a, f.b, opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v, want context.Canceled", err)
	}
	mid, err := JobReport(t.Context(), f.db, cpTable, "resume")
	if err != nil {
		t.Fatal(err)
	}
	if mid.Rewritten == 0 || mid.Scanned >= n {
		t.Fatalf("after the cancelled run the checkpoints say %+v; want some but not all items done", mid)
	}

	db = &scanDB{Client: f.db}
	rep, err := Reencrypt(t.Context(), db, f.name, f.a, f.b, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkMerged(t, rep, n, segments)
	merged, err := JobReport(t.Context(), f.db, cpTable, "resume")
	if err != nil {
		t.Fatal(err)
	}
	checkMerged(t, merged, n, segments)
	if merged.Scanned != rep.Scanned || merged.Rewritten != rep.Rewritten {
		t.Errorf("JobReport %+v differs from the run's report %+v", merged, rep)
	}
	f.checkAllMoved(n)

	// A third run finds every segment done and scans nothing.
	db = &scanDB{Client: f.db}
	again, err := Reencrypt(t.Context(), db, f.name, f.a, f.b, Options{PageSize: 4, Job: "resume", CheckpointTable: cpTable})
	if err != nil {
		t.Fatal(err)
	}
	if db.scans.Load() != 0 || again.Scanned != merged.Scanned {
		t.Errorf("rerun of a done job: %d scans, report %+v", db.scans.Load(), again)
	}
}

func TestReencryptSegmentRangesShareAJob(t *testing.T) {
	f := newFixture(t)
	const n, segments = 50, 4
	f.fill(f.a, n)
	cpTable := checkpointTable(t, f.db)
	var wg sync.WaitGroup
	reports := make([]*Report, 2)
	errs := make([]error, 2)
	for p, r := range [][2]int{{0, 2}, {2, 4}} {
		wg.Go(func() {
			reports[p], errs[p] = Reencrypt(t.Context(), f.db, f.name, f.a, f.b,
				Options{Segments: segments, SegmentRange: r, PageSize: 5, Job: "shared", CheckpointTable: cpTable})
		})
	}
	wg.Wait()
	var sum int64
	for p, rep := range reports {
		if errs[p] != nil {
			t.Fatalf("process %d: %v", p, errs[p])
		}
		if len(rep.Segments) != 2 || rep.Segments[0].Segment != 2*p {
			t.Errorf("process %d reports segments %+v, want %d and %d", p, rep.Segments, 2*p, 2*p+1)
		}
		sum += rep.Rewritten
	}
	merged, err := JobReport(t.Context(), f.db, cpTable, "shared")
	if err != nil {
		t.Fatal(err)
	}
	checkMerged(t, merged, n, segments)
	if merged.Rewritten != n || sum != n {
		t.Errorf("rewritten: merged %d, processes %d; want %d", merged.Rewritten, sum, n)
	}
	f.checkAllMoved(n)

	// The same job in another segment count, or another operation, is
	// refused.
	for _, run := range []func() error{
		func() error {
			_, err := Reencrypt(t.Context(), f.db, f.name, f.a, f.b, Options{Segments: 3, Job: "shared", CheckpointTable: cpTable})
			return err
		},
		func() error {
			_, err := Verify(t.Context(), f.db, f.name, f.b, Options{Job: "shared", CheckpointTable: cpTable})
			return err
		},
	} {
		if err := run(); !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("mismatched job: %v, want ErrInvalidConfig", err)
		}
	}
}

func TestOptionsAreChecked(t *testing.T) {
	f := newFixture(t)
	f.fill(f.a, 3)
	for _, o := range []Options{
		{Segments: 4, SegmentRange: [2]int{2, 2}},
		{Segments: 4, SegmentRange: [2]int{-1, 2}},
		{Segments: 4, SegmentRange: [2]int{3, 5}},
		{Job: "no-table"},
		{DryRun: true, Job: "j", CheckpointTable: "unused"},
		{Segments: maxTotalSegments + 1}, // refused before a goroutine per segment is started
	} {
		if _, err := Verify(t.Context(), f.db, f.name, f.a, o); !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
			t.Errorf("Options %+v: %v, want ErrInvalidConfig", o, err)
		}
	}
	// A DB without CreateTable and Query cannot keep checkpoints.
	o := Options{Job: "j", CheckpointTable: "unused"}
	if _, err := Verify(t.Context(), &hookDB{DB: f.db}, f.name, f.a, o); !errors.Is(err, ddbcrypt.ErrInvalidConfig) {
		t.Errorf("DB without Query: %v, want ErrInvalidConfig", err)
	}
	if _, err := JobReport(t.Context(), f.db, checkpointTable(t, f.db), "none"); err == nil {
		t.Error("JobReport of a missing checkpoint table: no error")
	}
	// A range runs only its segments.
	rep, err := Verify(t.Context(), f.db, f.name, f.a, Options{Segments: 4, SegmentRange: [2]int{1, 3}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Segments) != 2 || rep.Segments[0].Segment != 1 || rep.Segments[1].Segment != 2 {
		t.Errorf("segments %+v, want 1 and 2", rep.Segments)
	}
}

// TestFailuresSurviveResume: the failed items a cancelled run met are kept
// in its checkpoints, so the resumed run's report and JobReport list every
// tampered item, once.
func TestFailuresSurviveResume(t *testing.T) {
	f := newFixture(t)
	const n, segments = 40, 2
	f.fill(f.a, n)
	var tampered []int
	for i := 0; i < n; i += 2 {
		tampered = append(tampered, i)
		f.tamper(i)
	}
	cpTable := checkpointTable(t, f.db)
	opts := Options{Segments: segments, PageSize: 3, Job: "failures", CheckpointTable: cpTable}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	db := &scanDB{Client: f.db, cancelAt: 5, cancel: cancel}
	if _, err := Verify(ctx, db, f.name, f.a, opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled run: %v, want context.Canceled", err)
	}
	mid, err := JobReport(t.Context(), f.db, cpTable, "failures")
	if err != nil {
		t.Fatal(err)
	}
	if len(mid.Failures) == 0 || mid.Failed != int64(len(mid.Failures)) || mid.Failed == int64(len(tampered)) {
		t.Fatalf("after the cancelled run the checkpoints list %d failures of %d counted; want some, not all %d", len(mid.Failures), mid.Failed, len(tampered))
	}
	rep, err := Verify(t.Context(), f.db, f.name, f.a, opts)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Scanned != n || rep.Failed != int64(len(tampered)) || rep.FailuresNotListed != 0 {
		t.Errorf("resumed run: %+v", rep)
	}
	checkFailures(t, rep, tampered)
	merged, err := JobReport(t.Context(), f.db, cpTable, "failures")
	if err != nil {
		t.Fatal(err)
	}
	checkFailures(t, merged, tampered)
}

// putCancelDB cancels the job's ctx just before its cancelAt-th write of
// an item of table (checkpoints, in another table, do not count), which
// then fails with the ctx.
type putCancelDB struct {
	*dynamodb.Client
	table    string
	puts     atomic.Int64
	cancelAt int64
	cancel   context.CancelFunc
}

func (d *putCancelDB) PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	if *in.TableName == d.table && d.puts.Add(1) == d.cancelAt {
		d.cancel()
	}
	return d.Client.PutItem(ctx, in, optFns...)
}

// TestInterruptedJobCheckpointsMidPage: a job interrupted in the middle of
// a page (Ctrl-C) checkpoints after the last item it handled, so the rerun
// handles none of them again.
func TestInterruptedJobCheckpointsMidPage(t *testing.T) {
	f := newFixture(t)
	const n, page, cancelAt = 30, 20, 6
	f.fill(f.a, n)
	cpTable := checkpointTable(t, f.db)
	opts := Options{Segments: 1, PageSize: page, Job: "midpage", CheckpointTable: cpTable}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	db := &putCancelDB{Client: f.db, table: f.name, cancelAt: cancelAt, cancel: cancel}
	if _, err := Reencrypt(ctx, db, f.name, f.a, f.b, opts); !errors.Is(err, context.Canceled) {
		t.Fatalf("interrupted run: %v, want context.Canceled", err)
	}
	mid, err := JobReport(t.Context(), f.db, cpTable, "midpage")
	if err != nil {
		t.Fatal(err)
	}
	if mid.Scanned != cancelAt-1 || mid.Rewritten != cancelAt-1 {
		t.Fatalf("after the interrupted run the checkpoint says %+v; want the %d items handled before the interruption", mid, cancelAt-1)
	}

	rep, err := Reencrypt(t.Context(), f.db, f.name, f.a, f.b, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkMerged(t, rep, n, 1)
	if rep.Skipped != 0 || rep.Rewritten != n {
		t.Errorf("resumed job: %+v; want all %d items rewritten once, none handled again (skipped)", rep, n)
	}
	f.checkAllMoved(n)
}

// TestMalformedSegmentCountIsRefused: a checkpoint whose segment count is
// 0, or whose segment is not one of them, is an unreadable checkpoint
// (ErrInvalidItem), not a job of no segments nor a division by zero.
func TestMalformedSegmentCountIsRefused(t *testing.T) {
	f := newFixture(t)
	f.fill(f.a, 3)
	cps := checkpointTable(t, f.db)
	opts := Options{Segments: 2, Job: "j", CheckpointTable: cps}
	if _, err := Verify(t.Context(), f.db, f.name, f.a, opts); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ segment, segments string }{{"0", "0"}, {"1", "-2"}, {"5", "2"}, {"-1", "2"}} {
		for seg := range 2 {
			_, err := f.db.DeleteItem(t.Context(), &dynamodb.DeleteItemInput{TableName: &cps, Key: map[string]types.AttributeValue{
				cpJob: &types.AttributeValueMemberS{Value: "j"}, cpSegment: &types.AttributeValueMemberN{Value: strconv.Itoa(seg)},
			}})
			if err != nil {
				t.Fatal(err)
			}
		}
		_, err := f.db.PutItem(t.Context(), &dynamodb.PutItemInput{TableName: &cps, Item: map[string]types.AttributeValue{
			cpJob: &types.AttributeValueMemberS{Value: "j"}, cpSegment: &types.AttributeValueMemberN{Value: tt.segment},
			cpSegments: &types.AttributeValueMemberN{Value: tt.segments}, cpTable: &types.AttributeValueMemberS{Value: f.name},
			cpOperation: &types.AttributeValueMemberS{Value: "verify"}, cpDone: &types.AttributeValueMemberBOOL{},
			cpScanned: &types.AttributeValueMemberN{Value: "0"}, cpVerified: &types.AttributeValueMemberN{Value: "0"},
			cpRewritten: &types.AttributeValueMemberN{Value: "0"}, cpSkipped: &types.AttributeValueMemberN{Value: "0"},
			cpFailed: &types.AttributeValueMemberN{Value: "0"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		opts.Segments = 0
		_, err = Verify(t.Context(), f.db, f.name, f.a, opts)
		if !errors.Is(err, ddbcrypt.ErrInvalidItem) {
			t.Errorf("segment %s of %s: %v, want ErrInvalidItem", tt.segment, tt.segments, err)
		}
	}
}
