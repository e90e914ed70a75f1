// Package tableops runs whole-table jobs over a table of items protected
// by the library (issue 11): Verify reads every item and checks it;
// Reencrypt moves every item from one protection to another; Encrypt
// protects a table of plaintext items; Decrypt removes the protection.
//
// A job reads the table with a parallel Scan and handles each item through
// the same engine the mapper and the encrypted client use. An item that
// fails verification is never rewritten: it is reported by key in the
// Report, and the job goes on. The rewriting jobs write each item back
// with a conditional PutItem that succeeds only if the stored item is
// unchanged since it was read (see Reencrypt, and Encrypt for the limits
// of that condition on plaintext items), so a concurrent writer never
// loses an update; a lost race re-reads the item and tries again. Nothing
// is ever deleted. Beacons (package beacon) are verified as the signed
// attributes they are, and a rewrite computes those of its to protection:
// Encrypt and Reencrypt backfill them, and a rewrite drops the beacons its
// to protection (or Decrypt) does not have.
//
// A job named by Options.Job is resumable and can be spread over
// processes: it checkpoints each scan segment after every page (its
// position, counters and failed items), a rerun resumes from the
// checkpoints, Options.SegmentRange picks the segments a process runs,
// and JobReport merges the checkpoints of all of them. Options.Rate caps
// the items a process handles per second, and Options.Progress reports
// the counters as the job goes.
//
//	from, err := tableops.FromConfig(oldCfg, clients)
//	to, err := tableops.FromConfig(newCfg, clients)
//	report, err := tableops.Reencrypt(ctx, db, "orders", from, to, tableops.Options{})
package tableops
