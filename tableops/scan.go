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
}

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
		for _, item := range page.Items {
			if err := handle(ctx, s, item); err != nil {
				return err
			}
		}
		done := len(page.LastEvaluatedKey) == 0
		if sc.cp != nil {
			c := &checkpoint{segment: s.n, segments: sg.total, table: sc.table, operation: sc.operation, lastKey: page.LastEvaluatedKey, done: done, counts: s.counts()}
			c.counts.Done = done
			c.failures, c.notListed = s.listed()
			if err := sc.cp.save(ctx, c); err != nil {
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
