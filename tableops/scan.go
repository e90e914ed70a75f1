package tableops

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
	"golang.org/x/sync/errgroup"
)

// DB is the part of the DynamoDB API a job calls. *dynamodb.Client
// satisfies it.
type DB interface {
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
	Scan(ctx context.Context, in *dynamodb.ScanInput, optFns ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, optFns ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
}

// Bounds of the backoff on throttling, on top of the SDK's own retries.
const (
	throttleRetries = 6
	throttleBase    = 100 * time.Millisecond
	throttleMax     = 5 * time.Second
)

// Default segment counts: one per GiB of table, within these bounds.
const (
	minSegments = 4
	maxSegments = 64
)

// maxTotalSegments is DynamoDB's limit on a Scan's TotalSegments.
const maxTotalSegments = 1_000_000

// defaultSegments is the number of scan segments for a table of size
// bytes.
func defaultSegments(size int64) int {
	return min(max(int(size>>30)+1, minSegments), maxSegments)
}

// segment is one scan segment a job runs: its counters, the total
// number of segments, and the key to start after (nil: its beginning).
type segment struct {
	seg   *seg
	total int
	start map[string]types.AttributeValue
}

// scanner reads a table's segments for a job, with checkpoints if cp is
// not nil.
type scanner struct {
	db               DB
	table, operation string
	pageSize         int32
	cp               *checkpoints
	keys             tableinfo.KeySchema // the table's key attributes
}

// interruptedSave bounds the last checkpoint of a segment whose job was
// interrupted; it is written after the job's ctx ended.
const interruptedSave = 10 * time.Second

// scan reads the segments in parallel, each page by page (strongly
// consistent) from its start, handing each item to handle, which runs
// concurrently across segments. After every page it marks the segment
// done if that was its last page, and checkpoints it if sc.cp is set.
// The first error — a failed Scan or checkpoint, or one handle returns —
// stops every segment and is returned.
func (sc *scanner) scan(ctx context.Context, segs []segment, handle func(context.Context, *seg, map[string]types.AttributeValue) error) error {
	g, ctx := errgroup.WithContext(ctx)
	for _, sg := range segs {
		g.Go(func() error { return sc.segment(ctx, sg, handle) })
	}
	return g.Wait()
}

// segment reads one segment for scan.
func (sc *scanner) segment(ctx context.Context, sg segment, handle func(context.Context, *seg, map[string]types.AttributeValue) error) error {
	s := sg.seg
	in := &dynamodb.ScanInput{
		TableName:         &sc.table,
		Segment:           aws.Int32(int32(s.n)),
		TotalSegments:     aws.Int32(int32(sg.total)),
		ConsistentRead:    aws.Bool(true),
		ExclusiveStartKey: sg.start,
	}
	if sc.pageSize > 0 {
		in.Limit = aws.Int32(sc.pageSize)
	}
	for {
		page, err := throttled(ctx, func() (*dynamodb.ScanOutput, error) { return sc.db.Scan(ctx, in) })
		if err != nil {
			return fmt.Errorf("tableops: table %s, segment %d of %d: %w", sc.table, s.n, sg.total, &ddbcrypt.DynamoDBError{Op: "Scan", Err: err})
		}
		for i, item := range page.Items {
			before := s.counts()
			if err := handle(ctx, s, item); err != nil {
				if i > 0 && ctx.Err() != nil {
					err = sc.interrupted(ctx, sg, page.Items[i-1], before, err)
				}
				return err
			}
		}
		done := len(page.LastEvaluatedKey) == 0
		if sc.cp != nil {
			if err := sc.cp.save(ctx, sc.checkpoint(sg, page.LastEvaluatedKey, s.counts(), done)); err != nil {
				return err
			}
		}
		if done {
			s.done.Store(true)
			return nil
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
}

// checkpoint is the segment's checkpoint after the item whose key is
// lastKey (nil: the segment's end), with the counters counts.
func (sc *scanner) checkpoint(sg segment, lastKey map[string]types.AttributeValue, counts SegmentReport, done bool) *checkpoint {
	s := sg.seg
	c := &checkpoint{segment: s.n, segments: sg.total, table: sc.table, operation: sc.operation, lastKey: lastKey, done: done, counts: counts}
	c.counts.Done = done
	c.failures, c.notListed = s.listed()
	return c
}

// interrupted checkpoints a segment whose job ended (ctx: Ctrl-C, or
// another segment failed) in the middle of a page, after last, the last
// item handled in full: a Scan resumes after any item's key, so a rerun
// handles none of the page's items again. counts are the counters as they
// were after last (the item being handled when ctx ended is counted again
// when it is handled again). It returns err, joined with the error of the
// checkpoint if it could not be written.
func (sc *scanner) interrupted(ctx context.Context, sg segment, last map[string]types.AttributeValue, counts SegmentReport, err error) error {
	if sc.cp == nil {
		return err
	}
	key := map[string]types.AttributeValue{sc.keys.Partition: last[sc.keys.Partition]}
	if sc.keys.Sort != "" {
		key[sc.keys.Sort] = last[sc.keys.Sort]
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), interruptedSave)
	defer cancel()
	if cpErr := sc.cp.save(ctx, sc.checkpoint(sg, key, counts, false)); cpErr != nil {
		return errors.Join(err, cpErr)
	}
	return err
}

// throttled calls call, and again after a growing, jittered pause while it
// fails with a throttling error, a bounded number of times; it stops
// waiting when ctx ends.
func throttled[T any](ctx context.Context, call func() (T, error)) (T, error) {
	delay := throttleBase
	for attempt := 0; ; attempt++ {
		out, err := call()
		if err == nil || attempt == throttleRetries || !isThrottle(err) {
			return out, err
		}
		if err := sleepCtx(ctx, delay/2+rand.N(delay/2+1)); err != nil {
			return out, err
		}
		delay = min(2*delay, throttleMax)
	}
}

// isThrottle reports whether err is DynamoDB asking for fewer requests.
func isThrottle(err error) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.ErrorCode() {
	case "ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded":
		return true
	}
	return false
}
