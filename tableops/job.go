package tableops

import (
	"context"
	"fmt"
	"maps"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/engine"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// Options tune a job.
type Options struct {
	// Segments is the number of parallel scan segments, at most DynamoDB's
	// 1,000,000; 0 chooses one per GiB of table (DescribeTable's size), at
	// least 4 and at most 64.
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
	// evaluated key, its counters, its failed items (keys and reasons,
	// bounded as Report says), and whether it is done. Running the same
	// Job again resumes each segment after its last checkpoint and skips
	// the segments that are done. When ctx ends (Ctrl-C), each segment is
	// checkpointed right after its last item handled in full, even in the
	// middle of a page; only a process killed outright leaves a page
	// half-handled, whose items are then handled again, which the
	// conditional write makes harmless (a rewriting job counts an item
	// already rewritten as skipped). A Job
	// whose checkpoints name another table, another operation or another
	// segment count is refused with ddbcrypt.ErrInvalidConfig; with
	// Segments 0 the checkpoints' count is used. With a Job, db must also
	// satisfy CheckpointDB.
	//
	// Checkpoints are written with plain PutItem, not encrypted: keys
	// hold only primary key attributes, which the library never encrypts,
	// and the counters and reasons are not secret.
	Job string

	// CheckpointTable is the DynamoDB table of the checkpoints, required
	// with a Job. It is created if missing (on-demand, key "job" (S) and
	// "segment" (N)); the job waits until it is ACTIVE.
	CheckpointTable string

	// Rate, when positive, is a ceiling on the items per second this
	// process handles, across all its segments (a token bucket that lets
	// one item through at once): a way to leave a provisioned table's
	// capacity to its applications. Waiting for it ends when ctx ends.
	Rate float64

	// DryRun makes a rewriting job (Reencrypt, Encrypt, Decrypt) read,
	// verify and prepare every write, its condition included, and send
	// none: Rewritten then counts the items it would have written, which
	// a real run may still find changed. It takes no Job (checkpoints
	// would record writes never made).
	DryRun bool

	// Progress, when set, is called after each item is handled with the
	// job's counters so far. It is called from the goroutines of every
	// segment at once, so it must be safe for concurrent use, and it
	// should return quickly: the segment waits for it.
	Progress func(Progress)
}

// Progress is a snapshot of a running job's counters, as Report counts
// them (a resumed segment counts from its checkpoint), with Total, an
// estimate of the items this process's segments hold: DescribeTable's
// ItemCount (which DynamoDB updates about every six hours), scaled to the
// share of segments this process runs. Resumed is the part of Scanned
// that earlier runs counted, so Scanned-Resumed is this run's own.
type Progress struct {
	Scanned, Verified, Rewritten, Skipped, Failed int64
	Resumed                                       int64
	Total                                         int64
}

// Verify reads every item of the table and verifies (and decrypts) it
// under the protection p. An item that does not verify is reported by key
// with the reason; the job goes on. Verify writes nothing.
//
// Items with beacons verify when p declares them (their attributes are
// signed, never encrypted); p needs no BeaconKeys, since Verify computes
// no beacon, and does not check that a beacon matches its value.
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
// An item whose condition would exceed DynamoDB's 4 KB expression limit
// (thousands of unsigned attributes) is reported as failed.
//
// That condition cannot cover an unsigned attribute that from does not
// name, so from's default action must sign (SignOnly or EncryptAndSign):
// a from protection whose default is DO_NOTHING is refused with
// ddbcrypt.ErrInvalidConfig. So is a to protection that signs nothing: to
// remove the protection of a table, use Decrypt.
//
// Beacons are computed under to, never carried over: each item gets the
// beacons to declares (computed with to's BeaconKeys, which it then
// needs), replacing the ones it had, and loses those from declares and to
// does not, which would otherwise stay as ordinary attributes (encrypted
// under an encrypting default) that nothing keeps true to the value. So a
// Reencrypt to the same provider and actions with beacons added backfills
// them, one with a beacon's length or root key changed recomputes them,
// and one without a beacon removes it (drop its index too).
//
// The error is for the job, as for Verify; the report is never nil. When
// ctx ends, a write already sent may still land without being counted; a
// later run counts that item as skipped.
func Reencrypt(ctx context.Context, db DB, table string, from, to Protection, opts Options) (*Report, error) {
	return rewriteTable(ctx, db, table, "reencrypt", opts, &from, &to, func(j *job) planner {
		return func(ctx context.Context, stored map[string]types.AttributeValue) (rewrite, error) {
			plain, err := j.from.Decrypt(ctx, stored)
			if err != nil {
				if _, toErr := j.to.Decrypt(ctx, stored); toErr == nil {
					return rewrite{}, nil // moved already
				}
				return rewrite{}, err
			}
			enc, err := j.to.Encrypt(ctx, withoutBeacons(j.from, plain))
			return rewrite{item: enc, cond: j.unchanged(stored), verified: true}, err
		}
	})
}

// Encrypt protects the plaintext items of the table under the protection
// to: it encrypts and signs each item and writes it back. Items are never
// deleted.
//
// An item that carries a signature attribute (crypto.SignatureAttribute)
// is not plaintext: if it verifies under to (encrypted already, by an
// earlier run or by an encrypting writer) it is counted as skipped, else
// it is reported by key with the reason and left as it is — never
// rewritten, so that tampering is never laundered into a valid signature.
// Verified stays zero: a plaintext item has nothing to verify.
//
// Each write is a PutItem whose condition holds only if the stored item
// is still the plaintext item read: it exists (an item deleted in between
// is skipped, not recreated), no signature and no material
// description attribute, every attribute read (but the primary key, which
// the PutItem names) equal to the value read, and every attribute the to
// actions name in their overrides but the item lacks still absent. DynamoDB
// compares every attribute type with "=" (scalars, sets regardless of
// order, lists and maps in depth). A changed item is read again and
// handled again, as in Reencrypt.
//
// What that condition cannot detect: a concurrent plaintext writer that
// only adds an attribute the item did not have and the to actions do not
// name. The job's write then replaces the item with the one read and the
// added attribute is lost. So migrate in this order: first deploy writers
// that encrypt under to (their items carry a signature, which the
// condition sees, and Encrypt skips them), then run Encrypt. An item whose
// condition would exceed DynamoDB's 4 KB expression limit (hundreds of
// attributes) is reported as failed, not written.
//
// Each plaintext item gets the beacons to declares, computed with to's
// BeaconKeys, replacing any attribute of a beacon's name it had. An item
// encrypted already is skipped as it is, beacons or not (one written
// before the beacons were declared verifies without them): to backfill
// the beacons of those, run Reencrypt from to to to afterwards.
//
// A to protection that signs nothing, or that declares beacons and has no
// BeaconKeys, is refused with ddbcrypt.ErrInvalidConfig. The error is for
// the job, as for Verify; the report is never nil.
func Encrypt(ctx context.Context, db DB, table string, to Protection, opts Options) (*Report, error) {
	return rewriteTable(ctx, db, table, "encrypt", opts, nil, &to, func(j *job) planner {
		return func(ctx context.Context, stored map[string]types.AttributeValue) (rewrite, error) {
			if _, signed := stored[crypto.SignatureAttribute]; signed {
				if _, err := j.to.Decrypt(ctx, stored); err != nil {
					return rewrite{}, fmt.Errorf("the item carries a signature attribute, so it is not plaintext, and does not verify under the to protection; not rewritten: %w", err)
				}
				return rewrite{}, nil // encrypted already
			}
			enc, err := j.to.Encrypt(ctx, stored)
			return rewrite{item: enc, cond: j.untouched(stored)}, err
		}
	})
}

// Decrypt removes the protection of the table's items: it verifies and
// decrypts each item under the protection from and writes the plaintext
// item back, without signature or material description. Afterwards
// nothing protects the items: neither their confidentiality nor their
// integrity. Items are never deleted.
//
// A plaintext item (no signature attribute) is counted as skipped. An
// item that does not verify under from is reported by key with the
// reason and left as it is. Each write has Reencrypt's condition that the
// stored item is unchanged since it was read, with the same retries and
// the same refusal of a from protection whose default is DO_NOTHING.
//
// The plaintext item keeps no beacon attribute that from declares: a
// beacon is derived data, worth nothing without its root key, and no
// plaintext writer would keep it true to the value.
//
// The error is for the job, as for Verify; the report is never nil.
func Decrypt(ctx context.Context, db DB, table string, from Protection, opts Options) (*Report, error) {
	return rewriteTable(ctx, db, table, "decrypt", opts, &from, nil, func(j *job) planner {
		return func(ctx context.Context, stored map[string]types.AttributeValue) (rewrite, error) {
			if _, signed := stored[crypto.SignatureAttribute]; !signed {
				return rewrite{}, nil // plaintext already
			}
			plain, err := j.from.Decrypt(ctx, stored)
			if err != nil {
				return rewrite{}, err
			}
			return rewrite{item: withoutBeacons(j.from, plain), cond: j.unchanged(stored), verified: true}, nil
		}
	})
}

// rewriteTable runs a rewriting job: it sets the job's from and to tables
// (nil: none), refusing the protections no condition could make safe, and
// rewrites every item as plan says.
func rewriteTable(ctx context.Context, db DB, table, operation string, opts Options, from, to *Protection, plan func(*job) planner) (*Report, error) {
	start, t := time.Now(), &tally{}
	var p planner
	err := run(ctx, db, table, operation, opts, func(j *job) error {
		var err error
		if from != nil {
			if from.Actions.Default == crypto.DoNothing {
				return fmt.Errorf("tableops: table %s: %w: the from actions' default is DO_NOTHING, so a rewrite could not be conditioned on every attribute a writer may add; not supported", table, ddbcrypt.ErrInvalidConfig)
			}
			if j.from, err = from.table(j.info); err != nil {
				return err
			}
		}
		if to != nil {
			if j.to, err = to.table(j.info); err != nil {
				return err
			}
			if err := j.to.CheckBeaconKeys(); err != nil {
				return fmt.Errorf("tableops: %w; the to protection writes beacons, so it needs BeaconKeys (in a configuration file, beacons.rootKey)", err)
			}
			if !j.to.Policy().Signs() {
				return fmt.Errorf("tableops: table %s: %w: the to actions sign nothing (to remove the protection of a table, use Decrypt)", table, ddbcrypt.ErrInvalidConfig)
			}
		}
		p = plan(j)
		return nil
	}, func(j *job, ctx context.Context, s *seg, item map[string]types.AttributeValue) error {
		return j.rewriteItem(ctx, s, item, p)
	}, t)
	return t.report(start), err
}

// withoutBeacons removes from an item decrypted under from the beacon
// attributes from declares, and returns it. A beacon is data derived
// under from's beacon keys: a rewrite under to computes to's own beacons
// (engine.Table.Encrypt) and must not carry one over as an ordinary, and
// by default encrypted, attribute; a plaintext item keeps none, as no
// plaintext writer would keep it true to the value. item is not changed.
func withoutBeacons(from *engine.Table, item map[string]types.AttributeValue) map[string]types.AttributeValue {
	beacons := from.Policy().Beacons()
	if len(beacons) == 0 {
		return item
	}
	out := maps.Clone(item)
	for _, b := range beacons {
		delete(out, b.Name())
	}
	return out
}

// job is one running job over one table.
type job struct {
	db       DB
	info     *tableinfo.Info
	from, to *engine.Table
	dryRun   bool // Options.DryRun
}

// run describes the table, lets prepare set the job's engine tables, and
// scans the table — the segments opts selects, from their checkpoints —
// handing each item to handle with the segment's counters in t.
func run(ctx context.Context, db DB, table, operation string, opts Options, prepare func(*job) error, handle func(*job, context.Context, *seg, map[string]types.AttributeValue) error, t *tally) error {
	info, size, count, err := describe(ctx, db, table)
	if err != nil {
		return err
	}
	if opts.DryRun && opts.Job != "" {
		return fmt.Errorf("tableops: table %s: %w: a dry run takes no job: its checkpoints would record writes never made", table, ddbcrypt.ErrInvalidConfig)
	}
	j := &job{db: db, info: info, dryRun: opts.DryRun}
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
	if n > maxTotalSegments {
		return fmt.Errorf("tableops: table %s: %w: %d segments, over DynamoDB's limit of %d", table, ddbcrypt.ErrInvalidConfig, n, maxTotalSegments)
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
		sg := segment{total: n}
		if c := saved[s]; c != nil {
			sg.start = c.lastKey
		}
		sg.seg = t.newSeg(s, saved[s])
		if !sg.seg.done.Load() {
			segs = append(segs, sg)
		}
	}
	var limit *bucket
	if opts.Rate > 0 {
		limit = newBucket(opts.Rate)
	}
	var resumed int64
	for _, s := range t.segs {
		resumed += s.scanned.Load()
	}
	total := count * int64(end-first) / int64(n)
	sc := &scanner{db: db, table: table, operation: operation, pageSize: opts.PageSize, cp: cp, keys: info.Keys}
	return sc.scan(ctx, segs, func(ctx context.Context, s *seg, item map[string]types.AttributeValue) error {
		if err := limit.wait(ctx); err != nil {
			return err
		}
		if err := handle(j, ctx, s, item); err != nil {
			return err
		}
		if opts.Progress != nil {
			opts.Progress(t.progress(resumed, total))
		}
		return nil
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
