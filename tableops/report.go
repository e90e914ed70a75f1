package tableops

import (
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Report is what a job did. Every item the scan returned is counted in
// Scanned and ends in exactly one of the outcomes: for Verify, Verified or
// Failed; for Reencrypt, Rewritten, Skipped or Failed. Verified also counts,
// for Reencrypt, the items that verified under the "from" protection
// (rewritten, or failed afterwards, when they could not be written).
//
// Segments lists the scan segments the report covers, by number. A job
// with Options.Job counts each segment from its checkpoint on: a resumed
// segment's counters include the earlier runs' (as of their last
// checkpoint), and a segment already done is listed with its checkpoint's
// counters. Failures lists only the failures this run met. The top-level
// counters are the sums over Segments.
type Report struct {
	Scanned   int64           `json:"scanned"`
	Verified  int64           `json:"verified"`
	Rewritten int64           `json:"rewritten"`
	Skipped   int64           `json:"skipped"`
	Failed    int64           `json:"failed"`
	Failures  []Failure       `json:"failures"`
	Segments  []SegmentReport `json:"segments"`
	Elapsed   time.Duration   `json:"-"` // written as "elapsed": its String form
}

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

// tally counts a running job's outcomes, segment by segment, and its
// failures; it is safe for concurrent use.
type tally struct {
	segs []*seg // the segments this process runs, by number

	mu       sync.Mutex
	failures []Failure
}

// seg counts the outcomes of one segment.
type seg struct {
	n                                             int
	scanned, verified, rewritten, skipped, failed atomic.Int64
	done                                          atomic.Bool
	t                                             *tally
}

// newSeg adds segment n to the tally, counting on from the counters of
// from (a checkpoint's; zero to start afresh).
func (t *tally) newSeg(n int, from SegmentReport) *seg {
	s := &seg{n: n, t: t}
	s.scanned.Store(from.Scanned)
	s.verified.Store(from.Verified)
	s.rewritten.Store(from.Rewritten)
	s.skipped.Store(from.Skipped)
	s.failed.Store(from.Failed)
	s.done.Store(from.Done)
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

// fail records a failed item of the segment by its key.
func (s *seg) fail(key map[string]types.AttributeValue, reason string) {
	s.failed.Add(1)
	s.t.mu.Lock()
	s.t.failures = append(s.t.failures, Failure{Key: plainKey(key), Reason: reason})
	s.t.mu.Unlock()
}

// report is the tally so far, started at start.
func (t *tally) report(start time.Time) *Report {
	r := &Report{Segments: []SegmentReport{}, Elapsed: time.Since(start)}
	for _, s := range t.segs {
		r.add(s.counts())
	}
	t.mu.Lock()
	r.Failures = append([]Failure(nil), t.failures...)
	t.mu.Unlock()
	return r
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
