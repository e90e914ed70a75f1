package tableops

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

// Report is what a job did. Every item the scan returned is counted in
// Scanned and ends in exactly one of the outcomes: for Verify, Verified or
// Failed; for Reencrypt, Encrypt and Decrypt, Rewritten, Skipped or
// Failed. Verified also counts, for Reencrypt and Decrypt, the items that
// verified under the "from" protection (rewritten, or failed afterwards,
// when they could not be written); Encrypt verifies nothing.
//
// Segments lists the scan segments the report covers, by number. A job
// with Options.Job counts each segment from its checkpoint on: a resumed
// segment's counters include the earlier runs' (as of their last
// checkpoint), and a segment already done is listed with its checkpoint's
// counters. The top-level counters are the sums over Segments.
//
// Failures lists the failed items of those segments, earlier runs'
// included (checkpoints keep them), by segment. To keep a checkpoint well
// within DynamoDB's 400 KB item limit, each segment lists at most
// maxSegmentFailures items and 256 KiB of keys and reasons (a reason is
// cut at 1 KiB); FailuresNotListed counts the failed items beyond that,
// which Failed still counts.
type Report struct {
	Scanned           int64           `json:"scanned"`
	Verified          int64           `json:"verified"`
	Rewritten         int64           `json:"rewritten"`
	Skipped           int64           `json:"skipped"`
	Failed            int64           `json:"failed"`
	Failures          []Failure       `json:"failures"`
	FailuresNotListed int64           `json:"failuresNotListed"`
	Segments          []SegmentReport `json:"segments"`
	Elapsed           time.Duration   `json:"-"` // written as "elapsed": its String form
}

// Bounds of the failures a segment lists (see Report).
const (
	maxSegmentFailures = 200
	maxFailureBytes    = 256 << 10
	maxReason          = 1 << 10
)

// SegmentReport is what a job did in one scan segment. Done says the
// segment was scanned to its end.
type SegmentReport struct {
	Segment   int   `json:"segment"`
	Scanned   int64 `json:"scanned"`
	Verified  int64 `json:"verified"`
	Rewritten int64 `json:"rewritten"`
	Skipped   int64 `json:"skipped"`
	Failed    int64 `json:"failed"`
	Done      bool  `json:"done"`
}

// add counts the segment s into the report and lists it, with its
// failures.
func (r *Report) addFailures(s SegmentReport, listed []failure, notListed int64) {
	r.add(s)
	for _, f := range listed {
		r.Failures = append(r.Failures, Failure{Key: plainKey(f.key), Reason: f.reason})
	}
	r.FailuresNotListed += notListed
}

// add counts the segment s into the report and lists it.
func (r *Report) add(s SegmentReport) {
	r.Scanned += s.Scanned
	r.Verified += s.Verified
	r.Rewritten += s.Rewritten
	r.Skipped += s.Skipped
	r.Failed += s.Failed
	r.Segments = append(r.Segments, s)
}

// Failure is one item that failed: its primary key, as plain values
// (a string attribute as a string, a number as a JSON number, a binary as
// base64), and why.
type Failure struct {
	Key    map[string]any `json:"key"`
	Reason string         `json:"reason"`
}

// MarshalJSON writes the report with its elapsed time as text, e.g. "1m2.5s".
func (r Report) MarshalJSON() ([]byte, error) {
	type plain Report
	failures := r.Failures
	if failures == nil {
		failures = []Failure{}
	}
	p := plain(r)
	p.Failures = failures
	if p.Segments == nil {
		p.Segments = []SegmentReport{}
	}
	return json.Marshal(struct {
		plain
		Elapsed string `json:"elapsed"`
	}{p, r.Elapsed.String()})
}

// tally counts a running job's outcomes, segment by segment; it is safe
// for concurrent use once its segments are added.
type tally struct {
	segs []*seg // the segments this process runs, by number
}

// seg counts the outcomes of one segment and lists its failures.
type seg struct {
	n                                             int
	scanned, verified, rewritten, skipped, failed atomic.Int64
	done                                          atomic.Bool

	mu        sync.Mutex
	failures  []failure // within maxSegmentFailures and maxFailureBytes
	size      int       // of failures, as tableinfo.ItemSize counts
	notListed int64
}

// failure is a failed item as a segment lists it.
type failure struct {
	key    map[string]types.AttributeValue
	reason string
}

// newSeg adds segment n to the tally, counting on from its checkpoint c
// (nil: afresh).
func (t *tally) newSeg(n int, c *checkpoint) *seg {
	s := &seg{n: n}
	if c != nil {
		s.scanned.Store(c.counts.Scanned)
		s.verified.Store(c.counts.Verified)
		s.rewritten.Store(c.counts.Rewritten)
		s.skipped.Store(c.counts.Skipped)
		s.failed.Store(c.counts.Failed)
		s.done.Store(c.counts.Done)
		for _, f := range c.failures {
			s.list(f)
		}
		s.notListed += c.notListed
	}
	t.segs = append(t.segs, s)
	return s
}

// counts is the segment's counters so far.
func (s *seg) counts() SegmentReport {
	return SegmentReport{
		Segment: s.n, Scanned: s.scanned.Load(), Verified: s.verified.Load(),
		Rewritten: s.rewritten.Load(), Skipped: s.skipped.Load(), Failed: s.failed.Load(),
		Done: s.done.Load(),
	}
}

// ended counts an item that verified, when it did.
func (s *seg) ended(verified bool) {
	if verified {
		s.verified.Add(1)
	}
}

// fail records a failed item of the segment by its key.
func (s *seg) fail(key map[string]types.AttributeValue, reason string) {
	s.failed.Add(1)
	if len(reason) > maxReason {
		reason = strings.ToValidUTF8(reason[:maxReason], "") + "…"
	}
	s.list(failure{key: key, reason: reason})
}

// list adds f to the segment's failures, or counts it as not listed
// beyond the bounds.
func (s *seg) list(f failure) {
	size := tableinfo.ItemSize(f.key) + len(f.reason)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.failures) == maxSegmentFailures || s.size+size > maxFailureBytes {
		s.notListed++
		return
	}
	s.failures = append(s.failures, f)
	s.size += size
}

// listed returns the segment's failures so far and the count of those not
// listed.
func (s *seg) listed() ([]failure, int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.failures), s.notListed
}

// report is the tally so far, started at start.
func (t *tally) report(start time.Time) *Report {
	r := &Report{Segments: []SegmentReport{}, Failures: []Failure{}, Elapsed: time.Since(start)}
	for _, s := range t.segs {
		listed, notListed := s.listed()
		r.addFailures(s.counts(), listed, notListed)
	}
	return r
}

// progress is the tally's counters so far, for Options.Progress.
func (t *tally) progress(resumed, total int64) Progress {
	p := Progress{Resumed: resumed, Total: total}
	for _, s := range t.segs {
		p.Scanned += s.scanned.Load()
		p.Verified += s.verified.Load()
		p.Rewritten += s.rewritten.Load()
		p.Skipped += s.skipped.Load()
		p.Failed += s.failed.Load()
	}
	return p
}

// plainKey turns key attributes into plain values for a report. Key
// attributes are strings, numbers or binaries; anything else is kept as
// its Go type name, never its content.
func plainKey(key map[string]types.AttributeValue) map[string]any {
	out := make(map[string]any, len(key))
	for name, av := range key {
		switch v := av.(type) {
		case *types.AttributeValueMemberS:
			out[name] = v.Value
		case *types.AttributeValueMemberN:
			out[name] = json.Number(v.Value)
		case *types.AttributeValueMemberB:
			out[name] = v.Value
		default:
			out[name] = "<not a key type>"
		}
	}
	return out
}
