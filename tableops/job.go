package tableops

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/engine"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// Options tune a job.
type Options struct {
	// Segments is the number of parallel scan segments; 0 chooses one per
	// GiB of table (DescribeTable's size), at least 4 and at most 64.
	Segments int

	// SegmentRange, when set, is the half-open range [A, B) of segments
	// this process runs, out of Segments: segments A..B-1. It needs
	// 0 <= A < B <= Segments; the zero value runs every segment. Other
	// processes (with the same Job) run the rest.
	SegmentRange [2]int

	// PageSize, when positive, is the Limit of each Scan page: the most
	// items read (and so handled between checkpoints) per page.
	PageSize int32

	// Job names a resumable job. With a Job, the job writes a checkpoint
	// per segment to CheckpointTable after every page: the segment's last
	// evaluated key, its counters, and whether it is done. Running the
	// same Job again resumes each segment after its last checkpoint and
	// skips the segments that are done; items of a page that was
	// interrupted are handled again, which the conditional write makes
	// harmless (Reencrypt counts an item already moved as skipped). A Job
	// whose checkpoints name another table, another operation or another
	// segment count is refused with ddbcrypt.ErrInvalidConfig; with
	// Segments 0 the checkpoints' count is used. With a Job, db must also
	// satisfy CheckpointDB.
	//
	// Checkpoints are written with plain PutItem, not encrypted: a last
	// evaluated key holds only primary key attributes, which the library
	// never encrypts, and the counters are not secret.
	Job string

	// CheckpointTable is the DynamoDB table of the checkpoints, required
	// with a Job. It is created if missing (on-demand, key "job" (S) and
	// "segment" (N)); the job waits until it is ACTIVE.
	CheckpointTable string
}

// Verify reads every item of the table and verifies (and decrypts) it
// under the protection p. An item that does not verify is reported by key
// with the reason; the job goes on. Verify writes nothing.
//
// The error is for the job, not an item: a failed DescribeTable or Scan
// (after the backoff on throttling), an invalid protection, or ctx ending.
// The report counts what was done until then and is never nil.
func Verify(ctx context.Context, db DB, table string, p Protection, opts Options) (*Report, error) {
	start, t := time.Now(), &tally{}
	err := run(ctx, db, table, "verify", opts, func(j *job) error {
		var err error
		j.from, err = p.table(j.info)
		return err
	}, (*job).verify, t)
	return t.report(start), err
}

// Reencrypt moves every item of the table from the protection from to the
// protection to: it verifies and decrypts each item under from, encrypts
// it under to, and writes it back. Items are never deleted.
//
// An item that does not verify under from is not rewritten: if it verifies
// under to (already moved, by an earlier run) it is counted as skipped,
// else it is reported by key with the reason. So is an item that cannot
// be written. The job goes on.
//
// Each write is a PutItem whose condition holds only if the stored item is
// unchanged since it was read: its signature attribute (crypto.
// SignatureAttribute) is the one read — every write under a provider with
// fresh materials or random IVs gives a new signature — and every
// attribute from leaves unsigned (DO_NOTHING) is as read: equal to the
// value read, or absent if it was absent and from names it. A writer who
// changed the item in between makes the write fail; the item is then read
// again (strongly consistent) and handled again, a bounded number of
// times. An item deleted in between is counted as skipped, not recreated.
//
// That condition cannot cover an unsigned attribute that from does not
// name, so from's default action must sign (SignOnly or EncryptAndSign):
// a from protection whose default is DO_NOTHING, and a to protection that
// signs nothing, are refused with ddbcrypt.ErrInvalidConfig for now.
//
// The error is for the job, as for Verify; the report is never nil. When
// ctx ends, a write already sent may still land without being counted; a
// later run counts that item as skipped.
func Reencrypt(ctx context.Context, db DB, table string, from, to Protection, opts Options) (*Report, error) {
	start, t := time.Now(), &tally{}
	err := run(ctx, db, table, "reencrypt", opts, func(j *job) error {
		if from.Actions.Default == crypto.DoNothing {
			return fmt.Errorf("tableops: table %s: %w: the from actions' default is DO_NOTHING, so a rewrite could not be conditioned on every attribute a writer may add; not supported yet", table, ddbcrypt.ErrInvalidConfig)
		}
		var err error
		if j.from, err = from.table(j.info); err != nil {
			return err
		}
		if j.to, err = to.table(j.info); err != nil {
			return err
		}
		if !j.to.Policy().Signs() {
			return fmt.Errorf("tableops: table %s: %w: the to actions sign nothing (decrypting a table is not supported yet)", table, ddbcrypt.ErrInvalidConfig)
		}
		return nil
	}, (*job).reencrypt, t)
	return t.report(start), err
}

// job is one running job over one table.
type job struct {
	db       DB
	info     *tableinfo.Info
	from, to *engine.Table
}

// run describes the table, lets prepare set the job's engine tables, and
// scans the table — the segments opts selects, from their checkpoints —
// handing each item to handle with the segment's counters in t.
func run(ctx context.Context, db DB, table, operation string, opts Options, prepare func(*job) error, handle func(*job, context.Context, *seg, map[string]types.AttributeValue) error, t *tally) error {
	info, size, err := describe(ctx, db, table)
	if err != nil {
		return err
	}
	j := &job{db: db, info: info}
	if err := prepare(j); err != nil {
		return err
	}
	var cp *checkpoints
	saved := map[int]*checkpoint{}
	if opts.Job != "" {
		if cp, saved, err = openJob(ctx, db, table, operation, opts); err != nil {
			return err
		}
	}
	n := opts.Segments
	if n <= 0 {
		n = defaultSegments(size)
		for _, c := range saved {
			n = c.segments
		}
	}
	first, end := 0, n
	if opts.SegmentRange != [2]int{} {
		first, end = opts.SegmentRange[0], opts.SegmentRange[1]
		if first < 0 || first >= end || end > n {
			return fmt.Errorf("tableops: table %s: %w: segment range [%d, %d) is not within 0..%d", table, ddbcrypt.ErrInvalidConfig, first, end, n)
		}
	}
	for s, c := range saved {
		if c.segments != n || c.table != table || c.operation != operation {
			return fmt.Errorf("tableops: table %s: %w: job %q's checkpoint of segment %d is of %s on table %s in %d segments, not %s in %d", table, ddbcrypt.ErrInvalidConfig, opts.Job, s, c.operation, c.table, c.segments, operation, n)
		}
	}
	var segs []segment
	for s := first; s < end; s++ {
		from, sg := SegmentReport{Segment: s}, segment{total: n}
		if c := saved[s]; c != nil {
			from, sg.start = c.counts, c.lastKey
		}
		sg.seg = t.newSeg(s, from)
		if !sg.seg.done.Load() {
			segs = append(segs, sg)
		}
	}
	sc := &scanner{db: db, table: table, operation: operation, pageSize: opts.PageSize, cp: cp}
	return sc.scan(ctx, segs, func(ctx context.Context, s *seg, item map[string]types.AttributeValue) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return handle(j, ctx, s, item)
	})
}

// openJob checks the options of a job with checkpoints, makes sure its
// checkpoint table exists, and reads the job's checkpoints.
func openJob(ctx context.Context, db DB, table, operation string, opts Options) (*checkpoints, map[int]*checkpoint, error) {
	if opts.CheckpointTable == "" {
		return nil, nil, fmt.Errorf("tableops: table %s: %w: job %q has no checkpoint table", table, ddbcrypt.ErrInvalidConfig, opts.Job)
	}
	cdb, ok := db.(CheckpointDB)
	if !ok {
		return nil, nil, fmt.Errorf("tableops: table %s: %w: job %q needs a client with CreateTable and Query (CheckpointDB), got %T", table, ddbcrypt.ErrInvalidConfig, opts.Job, db)
	}
	if err := ensureCheckpointTable(ctx, cdb, opts.CheckpointTable); err != nil {
		return nil, nil, err
	}
	cp := &checkpoints{db: cdb, table: opts.CheckpointTable, job: opts.Job}
	saved, err := cp.load(ctx)
	return cp, saved, err
}

// verify handles one item for Verify.
func (j *job) verify(ctx context.Context, s *seg, stored map[string]types.AttributeValue) error {
	s.scanned.Add(1)
	if _, err := j.from.Decrypt(ctx, stored); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.fail(j.from.Key(stored), err.Error())
		return nil
	}
	s.verified.Add(1)
	return nil
}
