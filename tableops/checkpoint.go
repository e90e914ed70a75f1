package tableops

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// CheckpointDB is the part of the DynamoDB API a job with checkpoints
// calls: DB's calls, and CreateTable and Query for the checkpoint table.
// *dynamodb.Client satisfies it. A job with Options.Job set needs a db
// that satisfies CheckpointDB.
type CheckpointDB interface {
	DB
	CreateTable(ctx context.Context, in *dynamodb.CreateTableInput, optFns ...func(*dynamodb.Options)) (*dynamodb.CreateTableOutput, error)
	Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error)
}

// Attributes of a checkpoint item. The table's key is job (S) and
// segment (N).
const (
	cpJob       = "job"
	cpSegment   = "segment"
	cpSegments  = "segments"
	cpTable     = "table"
	cpOperation = "operation"
	cpLastKey   = "lastKey"
	cpDone      = "done"
	cpScanned   = "scanned"
	cpVerified  = "verified"
	cpRewritten = "rewritten"
	cpSkipped   = "skipped"
	cpFailed    = "failed"
	cpFailures  = "failures"          // L of M: key (M), reason (S)
	cpNotListed = "failuresNotListed" // N
	cpKey       = "key"
	cpReason    = "reason"
)

// checkpointWait bounds the wait for a created checkpoint table to become
// ACTIVE.
const checkpointWait = 2 * time.Minute

// checkpoint is one segment's stored progress.
type checkpoint struct {
	segment, segments int
	table, operation  string
	lastKey           map[string]types.AttributeValue
	done              bool
	counts            SegmentReport
	failures          []failure // as the segment listed them
	notListed         int64
}

// checkpoints reads and writes the checkpoints of one job.
type checkpoints struct {
	db         CheckpointDB
	table, job string
}

// ensureCheckpointTable creates the checkpoint table if it is missing
// (PAY_PER_REQUEST, key job (S) and segment (N)) and waits until it is
// ACTIVE.
func ensureCheckpointTable(ctx context.Context, db CheckpointDB, name string) error {
	_, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: &name})
	if _, missing := errors.AsType[*types.ResourceNotFoundException](err); missing {
		_, err = db.CreateTable(ctx, tableinfo.StringNumberTable(name, tableinfo.KeySchema{Partition: cpJob, Sort: cpSegment}))
		if _, racing := errors.AsType[*types.ResourceInUseException](err); racing {
			err = nil // another process is creating it
		}
		if err != nil {
			return fmt.Errorf("tableops: checkpoint table %s: %w", name, &ddbcrypt.DynamoDBError{Op: "CreateTable", Err: err})
		}
	} else if err != nil {
		return fmt.Errorf("tableops: checkpoint table %s: %w", name, &ddbcrypt.DynamoDBError{Op: "DescribeTable", Err: err})
	}
	if err := tableinfo.WaitActive(ctx, db, name, checkpointWait); err != nil {
		return fmt.Errorf("tableops: checkpoint table %s: %w", name, &ddbcrypt.DynamoDBError{Op: "DescribeTable", Err: fmt.Errorf("waiting for ACTIVE: %w", err)})
	}
	return nil
}

// load reads every checkpoint of the job, strongly consistent, by segment.
func (c *checkpoints) load(ctx context.Context) (map[int]*checkpoint, error) {
	out := map[int]*checkpoint{}
	p := dynamodb.NewQueryPaginator(c.db, &dynamodb.QueryInput{
		TableName:                 &c.table,
		KeyConditionExpression:    aws.String("#j = :j"),
		ExpressionAttributeNames:  map[string]string{"#j": cpJob},
		ExpressionAttributeValues: map[string]types.AttributeValue{":j": &types.AttributeValueMemberS{Value: c.job}},
		ConsistentRead:            aws.Bool(true),
	})
	for p.HasMorePages() {
		page, err := throttled(ctx, func() (*dynamodb.QueryOutput, error) { return p.NextPage(ctx) })
		if err != nil {
			return nil, fmt.Errorf("tableops: checkpoint table %s, job %q: %w", c.table, c.job, &ddbcrypt.DynamoDBError{Op: "Query", Err: err})
		}
		for _, item := range page.Items {
			cp, err := parseCheckpoint(item)
			if err != nil {
				return nil, fmt.Errorf("tableops: checkpoint table %s, job %q: %w: %w", c.table, c.job, ddbcrypt.ErrInvalidItem, err)
			}
			out[cp.segment] = cp
		}
	}
	return out, nil
}

// save writes a segment's checkpoint with a plain PutItem.
func (c *checkpoints) save(ctx context.Context, cp *checkpoint) error {
	num := func(v int64) types.AttributeValue {
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
	}
	item := map[string]types.AttributeValue{
		cpJob:       &types.AttributeValueMemberS{Value: c.job},
		cpSegment:   num(int64(cp.segment)),
		cpSegments:  num(int64(cp.segments)),
		cpTable:     &types.AttributeValueMemberS{Value: cp.table},
		cpOperation: &types.AttributeValueMemberS{Value: cp.operation},
		cpDone:      &types.AttributeValueMemberBOOL{Value: cp.done},
		cpScanned:   num(cp.counts.Scanned),
		cpVerified:  num(cp.counts.Verified),
		cpRewritten: num(cp.counts.Rewritten),
		cpSkipped:   num(cp.counts.Skipped),
		cpFailed:    num(cp.counts.Failed),
		cpNotListed: num(cp.notListed),
	}
	failures := make([]types.AttributeValue, len(cp.failures))
	for i, f := range cp.failures {
		failures[i] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			cpKey:    &types.AttributeValueMemberM{Value: f.key},
			cpReason: &types.AttributeValueMemberS{Value: f.reason},
		}}
	}
	item[cpFailures] = &types.AttributeValueMemberL{Value: failures}
	if len(cp.lastKey) > 0 {
		item[cpLastKey] = &types.AttributeValueMemberM{Value: cp.lastKey}
	}
	_, err := throttled(ctx, func() (*dynamodb.PutItemOutput, error) {
		return c.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: &c.table, Item: item})
	})
	if err != nil {
		return fmt.Errorf("tableops: checkpoint table %s, job %q, segment %d: %w", c.table, c.job, cp.segment, &ddbcrypt.DynamoDBError{Op: "PutItem", Err: err})
	}
	return nil
}

// parseCheckpoint reads a stored checkpoint item.
func parseCheckpoint(item map[string]types.AttributeValue) (*checkpoint, error) {
	var errs []error
	num := func(name string) int64 {
		v, ok := item[name].(*types.AttributeValueMemberN)
		if !ok {
			errs = append(errs, fmt.Errorf("attribute %q is not a number", name))
			return 0
		}
		n, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("attribute %q: %w", name, err))
		}
		return n
	}
	str := func(name string) string {
		v, ok := item[name].(*types.AttributeValueMemberS)
		if !ok {
			errs = append(errs, fmt.Errorf("attribute %q is not a string", name))
			return ""
		}
		return v.Value
	}
	cp := &checkpoint{segment: int(num(cpSegment)), segments: int(num(cpSegments)), table: str(cpTable), operation: str(cpOperation)}
	if cp.segment < 0 || cp.segment >= cp.segments || cp.segments > maxTotalSegments {
		errs = append(errs, fmt.Errorf("segment %d of %d: want 0 <= segment < segments <= %d", cp.segment, cp.segments, maxTotalSegments))
	}
	cp.counts = SegmentReport{
		Segment: cp.segment, Scanned: num(cpScanned), Verified: num(cpVerified),
		Rewritten: num(cpRewritten), Skipped: num(cpSkipped), Failed: num(cpFailed),
	}
	done, ok := item[cpDone].(*types.AttributeValueMemberBOOL)
	if !ok {
		errs = append(errs, fmt.Errorf("attribute %q is not a boolean", cpDone))
	} else {
		cp.done, cp.counts.Done = done.Value, done.Value
	}
	if lk, ok := item[cpLastKey]; ok {
		m, isMap := lk.(*types.AttributeValueMemberM)
		if !isMap {
			errs = append(errs, fmt.Errorf("attribute %q is not a map", cpLastKey))
		} else {
			cp.lastKey = m.Value
		}
	}
	// Checkpoints written before failures were kept have neither.
	if _, ok := item[cpNotListed]; ok {
		cp.notListed = num(cpNotListed)
	}
	if l, ok := item[cpFailures]; ok {
		var err error
		if cp.failures, err = parseFailures(l); err != nil {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("segment checkpoint: %w", err)
	}
	return cp, nil
}

// parseFailures reads the failures of a stored checkpoint.
func parseFailures(av types.AttributeValue) ([]failure, error) {
	l, ok := av.(*types.AttributeValueMemberL)
	if !ok {
		return nil, fmt.Errorf("attribute %q is not a list", cpFailures)
	}
	out := make([]failure, len(l.Value))
	for i, e := range l.Value {
		m, _ := e.(*types.AttributeValueMemberM)
		var key *types.AttributeValueMemberM
		var reason *types.AttributeValueMemberS
		if m != nil {
			key, _ = m.Value[cpKey].(*types.AttributeValueMemberM)
			reason, _ = m.Value[cpReason].(*types.AttributeValueMemberS)
		}
		if key == nil || reason == nil {
			return nil, fmt.Errorf("attribute %q, element %d: want a map of a key (map) and a reason (string)", cpFailures, i)
		}
		out[i] = failure{key: key.Value, reason: reason.Value}
	}
	return out, nil
}

// JobReport merges the checkpoints of job in checkpointTable — every
// segment, written by every process that ran part of the job — into one
// Report: the counters are the sums of the segments' counters as of their
// last checkpoints, and Segments lists each segment that has a checkpoint
// (a segment no process has finished a page of is missing; compare
// len(Segments) and each Done with the job's segment count). Failures
// lists the failed items the checkpoints keep, within the bounds Report
// describes. Elapsed is zero.
//
// A job with no checkpoints is an error wrapping ddbcrypt.ErrNotFound; an
// unreadable checkpoint, one wrapping ddbcrypt.ErrInvalidItem.
func JobReport(ctx context.Context, db CheckpointDB, checkpointTable, job string) (*Report, error) {
	c := &checkpoints{db: db, table: checkpointTable, job: job}
	cps, err := c.load(ctx)
	if err != nil {
		return nil, err
	}
	if len(cps) == 0 {
		return nil, fmt.Errorf("tableops: checkpoint table %s: %w: no checkpoints of job %q", checkpointTable, ddbcrypt.ErrNotFound, job)
	}
	r := &Report{Failures: []Failure{}}
	for _, s := range slices.Sorted(maps.Keys(cps)) {
		r.addFailures(cps[s].counts, cps[s].failures, cps[s].notListed)
	}
	return r, nil
}
