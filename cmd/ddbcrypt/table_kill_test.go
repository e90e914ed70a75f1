package main

// The end-to-end test of a distributed, resumable reencrypt job (issue 11):
// a table written by the Python reference, moved from a Wrapped provider to
// Direct KMS by four OS processes of the built binary, one of them killed
// with SIGKILL midway and run again.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go/logging"

	"github.com/ddbcrypt/ddbcrypt"
	"github.com/ddbcrypt/ddbcrypt/crypto"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/reftest"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
	"github.com/ddbcrypt/ddbcrypt/tableops"
)

// The job's shape: killItems items of about killPayload bytes each, some
// 310 to a 1 MB Scan page, read killPage at a time (--page-size), so that
// each of the killSegments segments (some 1,250 items) takes several pages
// and a process can be killed between two of its checkpoints.
const (
	killItems    = 10000
	killPayload  = 3000
	killPage     = 200
	killSegments = 8
	killBatch    = 2000 // items per Python batch_put job
)

// killRanges are the four processes' --segment-range values; victim is the
// one killed.
var killRanges = []string{"0..2", "2..4", "4..6", "6..8"}

const victim = 3

// killItem is the plaintext of item i: pk, sk, an encrypted payload and a
// signed-only status.
func killItem(i int) reftest.Item {
	digits := fmt.Sprintf("%05d", i)
	return reftest.Item{
		"pk":     reftest.S("p" + digits),
		"sk":     reftest.N(strconv.Itoa(i)),
		"data":   reftest.S(strings.Repeat(digits, killPayload/len(digits))),
		"n":      reftest.N(digits),
		"status": reftest.S("new"),
	}
}

// killActions are both configurations' attribute actions.
var killActions = crypto.AttributeActions{Default: crypto.EncryptAndSign, Overrides: map[string]crypto.Action{"status": crypto.SignOnly}}

const killActionsJSON = `{"default": "encrypt", "overrides": {"status": "signonly"}}`

func TestTableKillResume(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 items through the Python reference, DynamoDB Local and local-kms")
	}
	begin := time.Now()
	phase := func(what string) {
		t.Logf("%6.1fs %s", time.Since(begin).Seconds(), what)
	}
	// Every prerequisite first: each skips when missing.
	testenv.DynamoDB(t)
	kmsProvider := reftest.DirectKMS(t)
	py, db, table := reftest.PythonTable(t)
	phase("prerequisites")

	wrapped := reftest.WrappedAES(t)
	wrappedCfg := writeTemp(t, "wrapped.json", fmt.Sprintf(`{"provider": {"type": "wrapped",
  "wrappingKey": {"aes": "base64:%s"},
  "signingKey": {"hmac": "base64:%s", "algorithm": %q}},
 "actions": %s}`, b64(wrapped.WrapKey), b64(wrapped.MACKey), wrapped.MACAlgorithm, killActionsJSON))
	kmsCfg := writeTemp(t, "kms.json", fmt.Sprintf(`{"provider": {"type": "direct-kms", "keyId": %q}, "actions": %s}`,
		kmsProvider.KeyID, killActionsJSON))

	// The Python reference writes the table while the binary builds.
	items := make([]reftest.Item, killItems)
	for i := range items {
		items[i] = killItem(i)
	}
	job := reftest.Job{Provider: wrapped, Table: table, PartitionKey: "pk", SortKey: "sk", Actions: killActions}
	built := startBuild(t)
	for chunk := range slices.Chunk(items, killBatch) {
		job.Items = chunk
		py.BatchPut(t, job)
	}
	phase("Python wrote the items")
	bin := built()
	phase("built the binary")
	counts := segmentCounts(t, db, table)
	phase(fmt.Sprintf("items per segment %v", counts))

	dir := t.TempDir()
	cpTable := testenv.TableName(t) + "-cp"
	t.Cleanup(func() {
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(cpTable)})
	})
	const jobID = "kill"
	args := func(k int) []string {
		return []string{"table", "reencrypt", "--table", table, "--from", wrappedCfg, "--to", kmsCfg,
			"--segments", strconv.Itoa(killSegments), "--segment-range", killRanges[k], "--job", jobID,
			"--checkpoint-table", cpTable, "--page-size", strconv.Itoa(killPage), "--report", filepath.Join(dir, fmt.Sprintf("r%d.json", k))}
	}
	procs := make([]*proc, len(killRanges))
	for k := range procs {
		procs[k] = startProc(t, bin, args(k)...)
	}

	// Kill the victim once one of its segments has a checkpoint that is
	// not the last.
	first, end := segmentRange(t, killRanges[victim])
	// Polling reads a checkpoint table that may not exist yet, whose error
	// responses make the SDK log checksum warnings.
	quiet := dynamodb.New(db.Options(), func(o *dynamodb.Options) { o.Logger = logging.Nop{} })
	phase("started")
	for deadline := time.Now().Add(2 * time.Minute); ; {
		cps := checkpointsOf(t, quiet, cpTable, jobID)
		if progressed(cps, first, end) {
			break
		}
		if procs[victim].exited() {
			t.Fatalf("process %s ended before it could be killed midway (make the table bigger); stderr:\n%s", killRanges[victim], procs[victim].stderr.String())
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %s wrote no checkpoint short of its end in 2 minutes: checkpoints %v; stderr:\n%s", killRanges[victim], cps, procs[victim].stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := procs[victim].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := procs[victim].wait(); !killed(err) {
		t.Fatalf("process %s was to be killed by SIGKILL: %v; stderr:\n%s", killRanges[victim], err, procs[victim].stderr.String())
	}
	before := checkpointsOf(t, db, cpTable, jobID)
	if !progressed(before, first, end) {
		t.Fatalf("no segment of %s has a checkpoint short of its end after the kill: %v", killRanges[victim], before)
	}
	phase(fmt.Sprintf("killed process %s at checkpoints %v", killRanges[victim], before))
	if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("r%d.json", victim))); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the killed process wrote its report: %v", err)
	}

	// The same command again resumes it.
	procs[victim] = startProc(t, bin, args(victim)...)
	for k, p := range procs {
		if err := p.wait(); err != nil {
			t.Fatalf("process %s: %v; stderr:\n%s", killRanges[k], err, p.stderr.String())
		}
	}
	phase("the job is done")

	// Every process's report: its segments done, each item of a segment
	// scanned once and rewritten or skipped, the counters adding up.
	var all []tableops.SegmentReport
	for k := range procs {
		r := readJobReport(t, filepath.Join(dir, fmt.Sprintf("r%d.json", k)))
		first, end := segmentRange(t, killRanges[k])
		if len(r.Segments) != end-first {
			t.Fatalf("report of %s: segments %+v, want %d..%d", killRanges[k], r.Segments, first, end-1)
		}
		for i, s := range r.Segments {
			if s.Segment != first+i || !s.Done || s.Failed != 0 || s.Rewritten+s.Skipped != s.Scanned || int(s.Scanned) != counts[s.Segment] {
				t.Errorf("report of %s: segment %+v; want done, its %d items scanned and each rewritten or skipped", killRanges[k], s, counts[s.Segment])
			}
			if k != victim && s.Skipped != 0 {
				t.Errorf("report of %s (not killed): segment %+v skipped items", killRanges[k], s)
			}
			if cp, ok := before[s.Segment]; ok && k == victim {
				// Resumed: counting on from the checkpoint, redoing only
				// the page the kill interrupted, not the pages before.
				if s.Scanned < cp.Scanned || s.Rewritten < cp.Rewritten {
					t.Errorf("resumed segment %d: counters %+v went back from the checkpoint's %+v", s.Segment, s, cp)
				}
				if cp.Scanned > 0 && s.Skipped >= cp.Scanned {
					t.Errorf("resumed segment %d: %d items redone (skipped), as many as the %d checkpointed before the kill: it started over", s.Segment, s.Skipped, cp.Scanned)
				}
				// --page-size: a checkpoint after every page of killPage
				// items, so at most one page is redone.
				if (!cp.Done && cp.Scanned%killPage != 0) || s.Skipped > killPage {
					t.Errorf("resumed segment %d: checkpoint at %d items, %d redone; want pages of --page-size %d", s.Segment, cp.Scanned, s.Skipped, killPage)
				}
			}
		}
		if sum := sumSegments(r.Segments); r.Scanned != sum.Scanned || r.Rewritten != sum.Rewritten || r.Skipped != sum.Skipped || r.Failed != sum.Failed || len(r.Failures) != 0 {
			t.Errorf("report of %s: counters %+v are not the sums of its segments' %+v", killRanges[k], r, sum)
		}
		all = append(all, r.Segments...)
	}
	total := sumSegments(all)
	if total.Scanned != killItems || total.Rewritten+total.Skipped != killItems || total.Failed != 0 {
		t.Errorf("the four reports: %d scanned, %d rewritten, %d skipped, %d failed; want %d scanned, each rewritten or skipped",
			total.Scanned, total.Rewritten, total.Skipped, total.Failed, killItems)
	}
	t.Logf("job: %d rewritten, %d redone after the kill (skipped); the resumed process's segments %+v", total.Rewritten, total.Skipped, all[2*victim:])
	merged, err := tableops.JobReport(t.Context(), db, cpTable, jobID)
	if err != nil {
		t.Fatal(err)
	}
	// The checkpoints hold what the reports say, and JobReport merges them:
	// every item scanned once, and rewritten or (redone after the kill)
	// skipped.
	if sum := sumSegments(merged.Segments); !slices.Equal(merged.Segments, all) || merged.Scanned != sum.Scanned ||
		merged.Rewritten != sum.Rewritten || merged.Skipped != sum.Skipped || merged.Failed != 0 ||
		merged.Scanned != killItems || merged.Rewritten+merged.Skipped+merged.Failed != merged.Scanned {
		t.Errorf("JobReport %+v, want the reports' segments %+v", merged, all)
	}

	// Every item verifies under the new configuration...
	vr := filepath.Join(dir, "verify.json")
	if p := startProc(t, bin, "table", "verify", "--table", table, "--config", kmsCfg, "--segments", "4", "--report", vr); p.wait() != nil {
		t.Fatalf("verify under kms.json: %v; stderr:\n%s", p.wait(), p.stderr.String())
	}
	if r := readJobReport(t, vr); r.Scanned != killItems || r.Verified != killItems || r.Failed != 0 {
		t.Errorf("verify under kms.json: %+v, want %d verified", r, killItems)
	}
	phase("verified under kms.json")

	// ...and the Python reference reads every one with the new keys (one
	// KMS Decrypt each: 40 to 55 s here), in jobs of killBatch items to
	// stay well within a driver job's time limit.
	job.Provider = kmsProvider
	for from := 0; from < killItems; from += killBatch {
		chunk := items[from:min(from+killBatch, killItems)]
		job.Items = make([]reftest.Item, len(chunk))
		for k, item := range chunk {
			job.Items[k] = reftest.Item{"pk": item["pk"], "sk": item["sk"]}
		}
		reftest.CheckItems(t, fmt.Sprintf("the Python reference's reads of items %d.. under Direct KMS", from), py.Get(t, job), chunk)
	}
	phase(fmt.Sprintf("Python read all %d items", killItems))
}

// sumSegments adds the segments' counters up.
func sumSegments(segs []tableops.SegmentReport) tableops.SegmentReport {
	var sum tableops.SegmentReport
	for _, s := range segs {
		sum.Scanned += s.Scanned
		sum.Verified += s.Verified
		sum.Rewritten += s.Rewritten
		sum.Skipped += s.Skipped
		sum.Failed += s.Failed
	}
	return sum
}

// proc is a running ddbcrypt process.
type proc struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
	err    error
}

// startProc starts the binary with args; the test's end kills it.
func startProc(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.CommandContext(t.Context(), bin, args...), stderr: &syncBuffer{}, done: make(chan struct{})}
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	return p
}

func (p *proc) wait() error { <-p.done; return p.err }

func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// killed reports whether err is that of a process ended by SIGKILL.
func killed(err error) bool {
	ee, ok := errors.AsType[*exec.ExitError](err)
	if !ok {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// checkpointsOf reads the job's checkpoints by segment; none while the
// checkpoint table is not there yet.
func checkpointsOf(t *testing.T, db *dynamodb.Client, cpTable, job string) map[int]tableops.SegmentReport {
	t.Helper()
	r, err := tableops.JobReport(t.Context(), db, cpTable, job)
	if _, missing := errors.AsType[*types.ResourceNotFoundException](err); missing {
		return nil
	}
	if err != nil && !errors.Is(err, ddbcrypt.ErrNotFound) {
		t.Fatal(err)
	}
	out := map[int]tableops.SegmentReport{}
	if r != nil {
		for _, s := range r.Segments {
			out[s.Segment] = s
		}
	}
	return out
}

// progressed reports whether a segment in [first, end) has a checkpoint
// with items counted but not done.
func progressed(cps map[int]tableops.SegmentReport, first, end int) bool {
	for s := first; s < end; s++ {
		if cp, ok := cps[s]; ok && !cp.Done && cp.Scanned > 0 {
			return true
		}
	}
	return false
}

func segmentRange(t *testing.T, r string) (int, int) {
	t.Helper()
	got, err := parseSegmentRange(r, killSegments)
	if err != nil {
		t.Fatal(err)
	}
	return got[0], got[1]
}

// segmentCounts counts the items of each of the job's scan segments.
func segmentCounts(t *testing.T, db *dynamodb.Client, table string) []int {
	t.Helper()
	counts := make([]int, killSegments)
	for s := range counts {
		p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: &table, Select: types.SelectCount,
			Segment: aws.Int32(int32(s)), TotalSegments: aws.Int32(killSegments), ConsistentRead: aws.Bool(true)})
		for p.HasMorePages() {
			page, err := p.NextPage(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			counts[s] += int(page.Count)
		}
	}
	return counts
}

// readJobReport reads a --report file as a tableops.Report.
func readJobReport(t *testing.T, path string) tableops.Report {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r tableops.Report
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("report %s: %v\n%s", path, err, b)
	}
	return r
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
