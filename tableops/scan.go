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

// scan reads the table with a parallel Scan of n segments, each read page
// by page (strongly consistent) and handed item by item to handle, which
// runs concurrently across segments. The first error — a failed Scan, or
// one handle returns — stops every segment and is returned.
func scan(ctx context.Context, db DB, table string, n int, handle func(context.Context, map[string]types.AttributeValue) error) error {
	g, ctx := errgroup.WithContext(ctx)
	for s := range n {
		g.Go(func() error {
			p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{
				TableName:      &table,
				Segment:        aws.Int32(int32(s)),
				TotalSegments:  aws.Int32(int32(n)),
				ConsistentRead: aws.Bool(true),
			})
			for p.HasMorePages() {
				page, err := throttled(ctx, func() (*dynamodb.ScanOutput, error) { return p.NextPage(ctx) })
				if err != nil {
					return fmt.Errorf("tableops: table %s, segment %d of %d: %w", table, s, n, &ddbcrypt.DynamoDBError{Op: "Scan", Err: err})
				}
				for _, item := range page.Items {
					if err := handle(ctx, item); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	return g.Wait()
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
		select {
		case <-ctx.Done():
			return out, ctx.Err()
		case <-time.After(delay/2 + rand.N(delay/2+1)):
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
