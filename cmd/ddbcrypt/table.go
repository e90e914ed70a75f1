package main

// ddbcrypt table: whole-table jobs (package tableops) — verify every item,
// re-encrypt every item under another protection.

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/spf13/cobra"

	cfgfile "github.com/ddbcrypt/ddbcrypt/config"
	"github.com/ddbcrypt/ddbcrypt/tableops"
)

// Flags of the table commands.
const (
	flagTable    = "table"
	flagConfig   = "config"
	flagFrom     = "from"
	flagTo       = "to"
	flagSegments = "segments"
	flagReport   = "report"
	flagDryRun   = "dry-run"

	flagJob             = "job"
	flagCheckpointTable = "checkpoint-table"
	flagSegmentRange    = "segment-range"
)

// maxListedFailures is how many failed items the summary on standard error
// names; the --report file names them all.
const maxListedFailures = 20

func newTableCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "table",
		Short: "Verify or re-encrypt every item of a table",
		Long: `Whole-table jobs over a table of items protected by ddbcrypt: verify reads
every item and checks it; reencrypt moves every item from one protection to
another. A configuration file (docs/config.md) says how items are protected:
the provider, its keys and the attribute actions.

The table is read with a parallel Scan. An item that fails verification is
never rewritten: it is reported by key and the job goes on. A rewrite is a
conditional PutItem that fails if the item changed since it was read (the
item is then read and handled again), so a concurrent writer loses no
update. Nothing is deleted.

A summary goes to standard error; --report writes the full report as JSON.
With --progress on (or auto on a terminal) a spinner shows the time passed;
the job reports no count of items until it ends.

--job ID makes the job resumable: it writes a checkpoint per scan segment to
--checkpoint-table after every page (the table is created if missing), and
running the same command with the same ID again resumes each segment after
its last checkpoint and skips the segments that are done. Items of an
interrupted page are handled again, which the conditional write makes
harmless. --segment-range A..B runs only segments A to B-1 of --segments N,
so that processes on several machines, each with its own range and the same
--job, share one job; with --job the summary then adds the counters of the
whole job, merged from every process's checkpoints. A rate ceiling is not
built yet.

Exit status: 0 when no item failed; 1 when an item failed verification or
could not be written, or the job could not run (an AWS call, an unreadable
configuration); 2 when the command line is wrong.

AWS settings (region, credentials, AWS_ENDPOINT_URL_DYNAMODB,
AWS_ENDPOINT_URL_KMS) come from the environment.`,
	}
	asGroup(cmd)
	pf := cmd.PersistentFlags()
	pf.Int(flagSegments, 0, "parallel scan segments (0: one per GiB of table, at least 4 and at most 64)")
	pf.String(flagReport, "", "write the report to this file as JSON")
	pf.String(flagJob, "", "name the job: checkpoint it, and resume it when run again with the same ID (needs --checkpoint-table)")
	pf.String(flagCheckpointTable, "", "DynamoDB table of the job's checkpoints, created if missing (needs --job)")
	pf.String(flagSegmentRange, "", "run only segments A to B-1 of --segments, written A..B (default: all)")

	verify := &cobra.Command{
		Use:   "verify",
		Short: "Verify and decrypt every item of a table under a configuration",
		Long: `Read every item of --table and verify (and decrypt) it under the protection
that --config describes. Failed items are named by key in the summary and the
report. Nothing is written to the table.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			j, err := newTableJob(cmd)
			if err != nil {
				return err
			}
			p, err := j.protection(cmd, flagConfig)
			if err != nil {
				return err
			}
			return j.run(cmd, "verify", func(j *tableJob) (*tableops.Report, error) {
				return tableops.Verify(cmd.Context(), j.db, j.table, p, j.opts)
			})
		},
	}
	verify.Flags().String(flagTable, "", "the table (required)")
	verify.Flags().String(flagConfig, "", "configuration file describing how the items are protected (required)")
	mustMarkRequired(verify, flagTable, flagConfig)
	cmd.AddCommand(verify)

	reencrypt := &cobra.Command{
		Use:   "reencrypt",
		Short: "Re-encrypt every item of a table from one configuration to another",
		Long: `Verify and decrypt every item of --table under the protection that --from
describes, encrypt it under --to and write it back with a conditional PutItem.
An item that does not verify under --from is not rewritten: if it verifies
under --to (moved already, by an earlier run) it is counted as skipped, else
it is reported by key. Run it again after a failure: moved items are skipped.

--dry-run writes nothing: it runs verify with the --from configuration (the
report then counts verified and failed items, not rewritten ones), after
loading --to to check it. It writes no checkpoints either, so it takes no
--job.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			j, err := newTableJob(cmd)
			if err != nil {
				return err
			}
			if dry, _ := cmd.Flags().GetBool(flagDryRun); dry && j.opts.Job != "" {
				return usagef("--%s writes nothing, checkpoints included: drop --%s", flagDryRun, flagJob)
			}
			from, err := j.protection(cmd, flagFrom)
			if err != nil {
				return err
			}
			to, err := j.protection(cmd, flagTo)
			if err != nil {
				return err
			}
			if dry, _ := cmd.Flags().GetBool(flagDryRun); dry {
				return j.run(cmd, "reencrypt --dry-run (verify under --from)", func(j *tableJob) (*tableops.Report, error) {
					return tableops.Verify(cmd.Context(), j.db, j.table, from, j.opts)
				})
			}
			return j.run(cmd, "reencrypt", func(j *tableJob) (*tableops.Report, error) {
				return tableops.Reencrypt(cmd.Context(), j.db, j.table, from, to, j.opts)
			})
		},
	}
	reencrypt.Flags().String(flagTable, "", "the table (required)")
	reencrypt.Flags().String(flagFrom, "", "configuration file describing how the items are protected now (required)")
	reencrypt.Flags().String(flagTo, "", "configuration file describing how the items are to be protected (required)")
	reencrypt.Flags().Bool(flagDryRun, false, "read and verify under --from, write nothing")
	mustMarkRequired(reencrypt, flagTable, flagFrom, flagTo)
	cmd.AddCommand(reencrypt)
	return cmd
}

// mustMarkRequired marks flags of cmd as required; cobra refuses a command
// line without them, a usage error. MarkFlagRequired fails only for a flag
// that is not defined, and these are defined just before (TestTableUsage
// checks that each is required).
func mustMarkRequired(cmd *cobra.Command, names ...string) {
	for _, n := range names {
		_ = cmd.MarkFlagRequired(n)
	}
}

// tableJob is what every table command needs: the table, the job's options
// and the AWS clients.
type tableJob struct {
	table   string
	opts    tableops.Options
	report  string
	db      *dynamodb.Client
	clients cfgfile.Clients
}

// newTableJob reads the common flags and loads the AWS configuration.
func newTableJob(cmd *cobra.Command) (*tableJob, error) {
	flags := cmd.Flags()
	j := &tableJob{}
	j.table, _ = flags.GetString(flagTable)
	j.opts.Segments, _ = flags.GetInt(flagSegments)
	j.report, _ = flags.GetString(flagReport)
	if j.table == "" {
		return nil, usagef("--%s must not be empty", flagTable)
	}
	if j.opts.Segments < 0 {
		return nil, usagef("--%s %d: must be 0 (chosen by table size) or more", flagSegments, j.opts.Segments)
	}
	if err := j.jobFlags(cmd); err != nil {
		return nil, err
	}
	aws, err := loadAWSConfig(cmd)
	if err != nil {
		return nil, err
	}
	j.db = dynamodb.NewFromConfig(aws)
	j.clients = cfgfile.Clients{KMS: kms.NewFromConfig(aws), DynamoDB: j.db}
	return j, nil
}

// jobFlags reads --job, --checkpoint-table and --segment-range into the
// job's options.
func (j *tableJob) jobFlags(cmd *cobra.Command) error {
	flags := cmd.Flags()
	j.opts.Job, _ = flags.GetString(flagJob)
	j.opts.CheckpointTable, _ = flags.GetString(flagCheckpointTable)
	switch {
	case flags.Changed(flagJob) && j.opts.Job == "":
		return usagef("--%s must not be empty", flagJob)
	case j.opts.Job != "" && j.opts.CheckpointTable == "":
		return usagef("--%s needs --%s", flagJob, flagCheckpointTable)
	case j.opts.Job == "" && flags.Changed(flagCheckpointTable):
		return usagef("--%s needs --%s", flagCheckpointTable, flagJob)
	}
	if !flags.Changed(flagSegmentRange) {
		return nil
	}
	text, _ := flags.GetString(flagSegmentRange)
	if j.opts.Segments == 0 {
		return usagef("--%s %s needs --%s", flagSegmentRange, text, flagSegments)
	}
	r, err := parseSegmentRange(text, j.opts.Segments)
	if err != nil {
		return usagef("--%s %q: %w", flagSegmentRange, text, err)
	}
	j.opts.SegmentRange = r
	return nil
}

// parseSegmentRange parses A..B, the segments A to B-1 of n: A and B are
// decimal numbers without sign or spaces, and 0 <= A < B <= n.
func parseSegmentRange(s string, n int) ([2]int, error) {
	a, b, ok := strings.Cut(s, "..")
	if !ok {
		return [2]int{}, errors.New("want A..B, e.g. 0..4")
	}
	first, err := segmentNumber(a)
	if err != nil {
		return [2]int{}, err
	}
	end, err := segmentNumber(b)
	if err != nil {
		return [2]int{}, err
	}
	if first >= end || end > n {
		return [2]int{}, fmt.Errorf("want 0 <= A < B <= %d (--%s)", n, flagSegments)
	}
	return [2]int{first, end}, nil
}

// segmentNumber parses one end of a segment range: decimal digits only.
func segmentNumber(s string) (int, error) {
	if s == "" || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("%q is not a segment number (want A..B, e.g. 0..4)", s)
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a segment number: %w", s, err)
	}
	return v, nil
}

// protection loads the configuration file that the flag names.
func (j *tableJob) protection(cmd *cobra.Command, flag string) (tableops.Protection, error) {
	path, _ := cmd.Flags().GetString(flag)
	if path == "" {
		return tableops.Protection{}, usagef("--%s must not be empty", flag)
	}
	cfg, err := cfgfile.LoadFile(path)
	if err != nil {
		return tableops.Protection{}, fmt.Errorf("--%s %s: %w", flag, path, err)
	}
	p, err := tableops.FromConfig(cfg, j.clients)
	if err != nil {
		return tableops.Protection{}, fmt.Errorf("--%s %s: %w", flag, path, err)
	}
	return p, nil
}

// run runs the job with a progress spinner, writes the report file and the
// summary, and returns the job's error, or errFailed when an item failed
// (the summary says which).
func (j *tableJob) run(cmd *cobra.Command, what string, job func(*tableJob) (*tableops.Report, error)) error {
	p := startProgress(cmd, what+" table "+j.table, unit{}, -1)
	r, jobErr := job(j)
	p.finish()
	if r == nil { // tableops promises a report; an empty one if not
		r = &tableops.Report{}
	}
	if jobErr == nil || r.Scanned > 0 {
		// A job that could not start (no such table) has only its error to say.
		summarize(cmd.ErrOrStderr(), what, j.table, r)
		if j.opts.Job != "" {
			j.summarizeJob(cmd)
		}
	}
	if j.report != "" {
		if err := writeReport(j.report, r); err != nil {
			return errors.Join(jobErr, err)
		}
	}
	if jobErr != nil {
		return fmt.Errorf("table %s: %w", j.table, jobErr)
	}
	if r.Failed > 0 {
		return errFailed
	}
	return nil
}

// summarize prints the report's counters and the first failures.
func summarize(w io.Writer, what, table string, r *tableops.Report) {
	fmt.Fprintf(w, "%s table %s: %d scanned, %d verified, %d rewritten, %d skipped, %d failed in %s\n",
		what, table, r.Scanned, r.Verified, r.Rewritten, r.Skipped, r.Failed, r.Elapsed.Round(1e6))
	for i, f := range r.Failures {
		if i == maxListedFailures {
			fmt.Fprintf(w, "... and %s more (see --%s)\n", plural(len(r.Failures)-i, "failure", "failures"), flagReport)
			break
		}
		key, err := json.Marshal(f.Key)
		if err != nil {
			key = []byte("(key not printable)")
		}
		fmt.Fprintf(w, "FAIL %s: %s\n", key, f.Reason)
	}
}

// summarizeJob prints the counters of the whole job, merged from the
// checkpoints of every process that ran part of it. The job itself is
// over, so a checkpoint table that cannot be read is only mentioned.
func (j *tableJob) summarizeJob(cmd *cobra.Command) {
	w := cmd.ErrOrStderr()
	r, err := tableops.JobReport(cmd.Context(), j.db, j.opts.CheckpointTable, j.opts.Job)
	if err != nil {
		fmt.Fprintf(w, "job %s: no merged counters: %v\n", j.opts.Job, err)
		return
	}
	done := 0
	for _, s := range r.Segments {
		if s.Done {
			done++
		}
	}
	fmt.Fprintf(w, "job %s (every process): %d scanned, %d verified, %d rewritten, %d skipped, %d failed; %d of %s done\n",
		j.opts.Job, r.Scanned, r.Verified, r.Rewritten, r.Skipped, r.Failed, done, plural(len(r.Segments), "checkpointed segment", "checkpointed segments"))
}

// writeReport writes r to path as indented JSON.
func writeReport(path string, r *tableops.Report) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("--%s %s: %w", flagReport, path, err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("--%s: %w", flagReport, err)
	}
	return nil
}
