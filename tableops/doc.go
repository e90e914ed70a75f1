// Package tableops runs whole-table jobs over a table of items protected
// by the library (issue 11): Verify reads every item and checks it, and
// Reencrypt moves every item from one protection to another.
//
// A job reads the table with a parallel Scan and handles each item through
// the same engine the mapper and the encrypted client use. An item that
// fails verification is never rewritten: it is reported by key in the
// Report, and the job goes on. Reencrypt writes each item back with a
// conditional PutItem that succeeds only if the stored item is unchanged
// since it was read (see Reencrypt), so a concurrent writer never loses an
// update; a lost race re-reads the item and tries again. Nothing is ever
// deleted.
//
// A job named by Options.Job is resumable and can be spread over
// processes: it checkpoints each scan segment after every page, a rerun
// resumes from the checkpoints, Options.SegmentRange picks the segments a
// process runs, and JobReport merges the checkpoints of all of them.
//
//	from, err := tableops.FromConfig(oldCfg, clients)
//	to, err := tableops.FromConfig(newCfg, clients)
//	report, err := tableops.Reencrypt(ctx, db, "orders", from, to, tableops.Options{})
package tableops
