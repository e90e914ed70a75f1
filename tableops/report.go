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
type Report struct {
	Scanned   int64         `json:"scanned"`
	Verified  int64         `json:"verified"`
	Rewritten int64         `json:"rewritten"`
	Skipped   int64         `json:"skipped"`
	Failed    int64         `json:"failed"`
	Failures  []Failure     `json:"failures"`
	Elapsed   time.Duration `json:"-"` // written as "elapsed": its String form
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
	return json.Marshal(struct {
		plain
		Elapsed string `json:"elapsed"`
	}{p, r.Elapsed.String()})
}

// tally counts a running job's outcomes; it is safe for concurrent use.
type tally struct {
	scanned, verified, rewritten, skipped, failed atomic.Int64

	mu       sync.Mutex
	failures []Failure
}

// fail records a failed item by its key.
func (t *tally) fail(key map[string]types.AttributeValue, reason string) {
	t.failed.Add(1)
	t.mu.Lock()
	t.failures = append(t.failures, Failure{Key: plainKey(key), Reason: reason})
	t.mu.Unlock()
}

// report is the tally so far, started at start.
func (t *tally) report(start time.Time) *Report {
	t.mu.Lock()
	defer t.mu.Unlock()
	return &Report{
		Scanned:   t.scanned.Load(),
		Verified:  t.verified.Load(),
		Rewritten: t.rewritten.Load(),
		Skipped:   t.skipped.Load(),
		Failed:    t.failed.Load(),
		Failures:  append([]Failure(nil), t.failures...),
		Elapsed:   time.Since(start),
	}
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
