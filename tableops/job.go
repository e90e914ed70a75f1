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
	err := run(ctx, db, table, opts, func(j *job) error {
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
	err := run(ctx, db, table, opts, func(j *job) error {
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
	tally    *tally
}

// run describes the table, lets prepare set the job's engine tables, and
// scans the table handing each item to handle.
func run(ctx context.Context, db DB, table string, opts Options, prepare func(*job) error, handle func(*job, context.Context, map[string]types.AttributeValue) error, t *tally) error {
	info, size, err := describe(ctx, db, table)
	if err != nil {
		return err
	}
	j := &job{db: db, info: info, tally: t}
	if err := prepare(j); err != nil {
		return err
	}
	n := opts.Segments
	if n <= 0 {
		n = defaultSegments(size)
	}
	return scan(ctx, db, table, n, func(ctx context.Context, item map[string]types.AttributeValue) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		return handle(j, ctx, item)
	})
}

// verify handles one item for Verify.
func (j *job) verify(ctx context.Context, stored map[string]types.AttributeValue) error {
	j.tally.scanned.Add(1)
	if _, err := j.from.Decrypt(ctx, stored); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		j.tally.fail(j.from.Key(stored), err.Error())
		return nil
	}
	j.tally.verified.Add(1)
	return nil
}
