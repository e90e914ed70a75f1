package main

// ddbcrypt table: whole-table jobs (package tableops) — verify every item,
// re-encrypt every item under another protection, encrypt a plaintext
// table, decrypt a table.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
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
	flagRate            = "rate"
	flagPageSize        = "page-size"
	flagYes             = "yes"
)

// maxListedFailures is how many failed items the summary on standard error
// names; the --report file names them all.
const maxListedFailures = 20

func newTableCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "table",
		Short: "Verify, re-encrypt, encrypt or decrypt every item of a table",
		Long: `Whole-table jobs over a table of items protected by ddbcrypt: verify reads
every item and checks it; reencrypt moves every item from one protection to
another; encrypt protects the plaintext items of a table; decrypt removes the
protection. A configuration file (docs/config.md) says how items are
protected: the provider, its keys and the attribute actions.

The table is read with a parallel Scan. An item that fails verification is
never rewritten: it is reported by key and the job goes on. A rewrite is a
conditional PutItem that fails if the item changed since it was read (the
item is then read and handled again), so a concurrent writer loses no
update. Nothing is deleted.

A summary goes to standard error; --report writes the full report as JSON.
Progress: on a terminal (--progress auto) a bar with items per second, the
time left (estimated from DescribeTable's item count, which DynamoDB updates
about every six hours) and the verified, rewritten, skipped and failed
counters; with --progress plain, or auto when standard error is not a
terminal, a plain line every 10 seconds and one at the end; --progress on
draws the bar even off a terminal, off shows nothing.

--job ID makes the job resumable: it writes a checkpoint per scan segment to
--checkpoint-table after every page (the table is created if missing), and
running the same command with the same ID again resumes each segment after
its last checkpoint and skips the segments that are done. Items of an
interrupted page are handled again, which the conditional write makes
harmless. --segment-range A..B runs only segments A to B-1 of --segments N,
so that processes on several machines, each with its own range and the same
--job, share one job; with --job the summary then adds the counters of the
whole job, merged from every process's checkpoints; a job's checkpoints also
keep its failed items (up to 200 per segment), so a resumed run reports them
all.

--rate ITEMS/S caps the items this process handles per second, across its
segments, to leave a provisioned table's capacity to its applications.

Exit status: 0 when no item failed; 1 when an item failed verification or
could not be written, or the job could not run (an AWS call); 2 when the
command line is wrong or names a configuration file that cannot be used.

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
	pf.String(flagRate, "", "ceiling on the items per second this process handles, a number above 0 such as 500 or 2.5 (default: none)")
	pf.Int(flagPageSize, 0, "the most items a Scan page reads, so also between two checkpoints of a segment (0: DynamoDB's pages of up to 1 MB)")

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
			ps, err := j.protections(cmd, flagConfig)
			if err != nil {
				return err
			}
			return j.run(cmd, "verify", func(j *tableJob) (*tableops.Report, error) {
				return tableops.Verify(cmd.Context(), j.db, j.table, ps[0], j.opts)
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
			dry, err := j.dryRun(cmd)
			if err != nil {
				return err
			}
			ps, err := j.protections(cmd, flagFrom, flagTo)
			if err != nil {
				return err
			}
			from, to := ps[0], ps[1]
			if dry {
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
	cmd.AddCommand(newTableEncryptCmd(), newTableDecryptCmd())
	return cmd
}

func newTableEncryptCmd() *cobra.Command {
	encrypt := &cobra.Command{
		Use:   "encrypt",
		Short: "Encrypt the plaintext items of a table under a configuration",
		Long: `Encrypt and sign every plaintext item of --table under the protection that --to
describes and write it back with a conditional PutItem. An item that carries
a signature is not plaintext: if it verifies under --to it is counted as
skipped (so a failed or interrupted run can simply be run again), else it is
reported by key and left as it is, never re-signed.

The condition of each write: the item still has no signature and no material
description, every attribute read is unchanged, and each attribute that --to
names in its overrides and the item lacked is still absent. It cannot see a
concurrent plaintext writer that only adds an attribute the configuration
does not name: that attribute would be lost. So deploy the writers that
encrypt under --to first, then run this job.

--dry-run reads every item and prepares every write, and writes nothing; the
report's rewritten counts the items it would write.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRewrite(cmd, "encrypt", flagTo, nil, tableops.Encrypt)
		},
	}
	encrypt.Flags().String(flagTable, "", "the table (required)")
	encrypt.Flags().String(flagTo, "", "configuration file describing how the items are to be protected (required)")
	encrypt.Flags().Bool(flagDryRun, false, "read and prepare every write, write nothing")
	mustMarkRequired(encrypt, flagTable, flagTo)
	return encrypt
}

func newTableDecryptCmd() *cobra.Command {
	decrypt := &cobra.Command{
		Use:   "decrypt",
		Short: "Decrypt every item of a table: remove its protection (needs --yes)",
		Long: `Verify and decrypt every item of --table under the protection that --from
describes and write it back as a plaintext item, without signature or
material description, with a conditional PutItem that fails if the item
changed since it was read. Afterwards nothing protects the items, neither
their confidentiality nor their integrity: the command refuses to run
without --yes. Plaintext items are skipped; an item that does not verify is
reported by key and left as it is.

--dry-run (which needs no --yes) reads and verifies every item and writes
nothing; the report's rewritten counts the items it would write.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runRewrite(cmd, "decrypt", flagFrom, func(j *tableJob) error {
				if yes, _ := cmd.Flags().GetBool(flagYes); !yes && !j.opts.DryRun {
					return usagef("decrypt writes every item of %s back as plaintext, removing its encryption and signature: add --%s to confirm (or try --%s)", j.table, flagYes, flagDryRun)
				}
				return nil
			}, tableops.Decrypt)
		},
	}
	decrypt.Flags().String(flagTable, "", "the table (required)")
	decrypt.Flags().String(flagFrom, "", "configuration file describing how the items are protected now (required)")
	decrypt.Flags().Bool(flagYes, false, "confirm that the items are to be left unprotected")
	decrypt.Flags().Bool(flagDryRun, false, "read and verify every item, write nothing")
	mustMarkRequired(decrypt, flagTable, flagFrom)
	return decrypt
}

// runRewrite runs table encrypt or decrypt: a job under the one
// configuration that flag names, a dry run if asked, after check (if
// set) has accepted the command line.
func runRewrite(cmd *cobra.Command, what, flag string, check func(*tableJob) error,
	job func(context.Context, tableops.DB, string, tableops.Protection, tableops.Options) (*tableops.Report, error)) error {
	j, err := newTableJob(cmd)
	if err != nil {
		return err
	}
	if j.opts.DryRun, err = j.dryRun(cmd); err != nil {
		return err
	}
	if check != nil {
		if err := check(j); err != nil {
			return err
		}
	}
	ps, err := j.protections(cmd, flag)
	if err != nil {
		return err
	}
	return j.run(cmd, dryName(what, j.opts.DryRun), func(j *tableJob) (*tableops.Report, error) {
		return job(cmd.Context(), j.db, j.table, ps[0], j.opts)
	})
}

// dryRun reads --dry-run, which takes no --job: a dry run writes nothing,
// checkpoints included.
func (j *tableJob) dryRun(cmd *cobra.Command) (bool, error) {
	dry, _ := cmd.Flags().GetBool(flagDryRun)
	if dry && j.opts.Job != "" {
		return false, usagef("--%s writes nothing, checkpoints included: drop --%s", flagDryRun, flagJob)
	}
	return dry, nil
}

// dryName names a command in its summary, marking a dry run.
func dryName(what string, dry bool) string {
	if dry {
		return what + " --dry-run (nothing written)"
	}
	return what
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

// newTableJob reads the common flags. The AWS configuration is loaded
// with the protections, after every usage error has had its say.
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
	pageSize, _ := flags.GetInt(flagPageSize)
	if pageSize < 0 || pageSize > math.MaxInt32 {
		return nil, usagef("--%s %d: must be 0 (DynamoDB's 1 MB pages) or a number of items up to %d", flagPageSize, pageSize, math.MaxInt32)
	}
	j.opts.PageSize = int32(pageSize)
	if err := j.jobFlags(cmd); err != nil {
		return nil, err
	}
	if flags.Changed(flagRate) {
		text, _ := flags.GetString(flagRate)
		rate, err := parseRate(text)
		if err != nil {
			return nil, usagef("--%s %q: %w", flagRate, text, err)
		}
		j.opts.Rate = rate
	}
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

// parseRate parses --rate: decimal digits with an optional fraction
// ("500", "2.5"), above 0; no sign, exponent, spaces, or Inf and NaN.
func parseRate(s string) (float64, error) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || strings.Trim(whole, "0123456789") != "" || strings.Trim(frac, "0123456789") != "" || strings.HasSuffix(s, ".") {
		return 0, errors.New("want items per second, a decimal number above 0 such as 500 or 2.5")
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("want items per second: %w", err)
	}
	if v <= 0 {
		return 0, errors.New("want items per second above 0")
	}
	return v, nil
}

// protections loads the configuration files that the flags name (a file
// that cannot be used is a usage error: configError), then the AWS
// configuration and the job's clients, and builds a protection from each
// file, in the flags' order.
func (j *tableJob) protections(cmd *cobra.Command, flags ...string) ([]tableops.Protection, error) {
	paths := make([]string, len(flags))
	cfgs := make([]*cfgfile.Config, len(flags))
	for i, flag := range flags {
		paths[i], _ = cmd.Flags().GetString(flag)
		var err error
		if cfgs[i], err = loadConfig(flag, paths[i]); err != nil {
			return nil, err
		}
	}
	aws, err := loadAWSConfig(cmd)
	if err != nil {
		return nil, err
	}
	j.db = dynamodb.NewFromConfig(aws)
	j.clients = cfgfile.Clients{KMS: kms.NewFromConfig(aws), DynamoDB: j.db}
	ps := make([]tableops.Protection, len(flags))
	for i, cfg := range cfgs {
		if ps[i], err = tableops.FromConfig(cfg, j.clients); err != nil {
			return nil, configError(flags[i], paths[i], err)
		}
	}
	return ps, nil
}

// run runs the job with its progress, writes the report file and the
// summary, and returns the job's error, or errFailed when an item failed
// (the summary says which).
func (j *tableJob) run(cmd *cobra.Command, what string, job func(*tableJob) (*tableops.Report, error)) error {
	p := newProgress(cmd, what+" table "+j.table, items, -1, true)
	j.opts.Progress = p.observeJob()
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
		// tableops names the table in its errors, but not in a bare
		// cancellation.
		if !strings.Contains(jobErr.Error(), "table "+j.table) {
			jobErr = fmt.Errorf("table %s: %w", j.table, jobErr)
		}
		if errors.Is(jobErr, context.Canceled) && cmd.Context().Err() != nil {
			jobErr = fmt.Errorf("interrupted: %w", jobErr)
			if j.opts.Job != "" {
				return withHint(jobErr, "its checkpoints are saved: run the same command again to resume the job")
			}
			return withHint(jobErr, "no item is half-written: run it again (with --job and --checkpoint-table, a rerun resumes where it stopped)")
		}
		return jobErr
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
	if r.FailuresNotListed > 0 {
		fmt.Fprintf(w, "... and %s not listed anywhere: a segment keeps at most 200 failed keys\n", plural(int(r.FailuresNotListed), "failed item", "failed items"))
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
