package tableops

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/ddbcrypt/ddbcrypt/internal/tableinfo"
)

func TestReportJSON(t *testing.T) {
	var tl tally
	s := tl.newSeg(3, &checkpoint{counts: SegmentReport{Scanned: 2, Verified: 1}})
	s.fail(map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: "a"},
		"sk": &types.AttributeValueMemberN{Value: "12.50"},
	}, "bad signature")
	r := tl.report(time.Now())
	r.Elapsed = 1500 * time.Millisecond
	got, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"scanned":2,"verified":1,"rewritten":0,"skipped":0,"failed":1,"failures":[{"key":{"pk":"a","sk":12.50},"reason":"bad signature"}],"failuresNotListed":0,"segments":[{"segment":3,"scanned":2,"verified":1,"rewritten":0,"skipped":0,"failed":1,"done":false}],"elapsed":"1.5s"}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	empty, _ := json.Marshal(&Report{})
	if want := `{"scanned":0,"verified":0,"rewritten":0,"skipped":0,"failed":0,"failures":[],"failuresNotListed":0,"segments":[],"elapsed":"0s"}`; string(empty) != want {
		t.Errorf("empty report %s, want %s", empty, want)
	}
}

func TestDefaultSegments(t *testing.T) {
	for size, want := range map[int64]int{0: 4, 5 << 30: 6, 1 << 40: 64} {
		if got := defaultSegments(size); got != want {
			t.Errorf("defaultSegments(%d) = %d, want %d", size, got, want)
		}
	}
}

// A segment lists at most maxSegmentFailures failures and maxFailureBytes
// of them, each reason cut at maxReason; the rest are counted.
func TestSegmentFailureBounds(t *testing.T) {
	key := func(i int) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: strconv.Itoa(i)}}
	}
	var tl tally
	s := tl.newSeg(0, nil)
	for i := range maxSegmentFailures + 7 {
		s.fail(key(i), "bad")
	}
	r := tl.report(time.Now())
	if r.Failed != maxSegmentFailures+7 || len(r.Failures) != maxSegmentFailures || r.FailuresNotListed != 7 {
		t.Errorf("by count: failed %d, listed %d, not listed %d", r.Failed, len(r.Failures), r.FailuresNotListed)
	}

	s = tl.newSeg(1, nil)
	long := strings.Repeat("é", maxReason) // 2 bytes each: cut in the middle of one
	s.fail(key(0), long)
	listed, _ := s.listed()
	if got := listed[0].reason; len(got) > maxReason+len("…") || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Errorf("a long reason is kept as %d bytes (valid UTF-8: %v)", len(got), utf8.ValidString(got))
	}
	// Keys as long as DynamoDB allows: 200 of them would not fit.
	bigKey := func(i int) map[string]types.AttributeValue {
		return map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("%02048d", i)},
			"sk": &types.AttributeValueMemberS{Value: strings.Repeat("s", 1024)},
		}
	}
	for i := 1; i < maxSegmentFailures; i++ {
		s.fail(bigKey(i), long)
	}
	listed, notListed := s.listed()
	size := 0
	for _, f := range listed {
		size += len(f.reason) + tableinfo.ItemSize(f.key)
	}
	if size > maxFailureBytes || notListed == 0 || int64(len(listed))+notListed != maxSegmentFailures {
		t.Errorf("by size: %d listed (%d bytes), %d not listed", len(listed), size, notListed)
	}
}

// A checkpoint's failures are optional (older checkpoints have none), but
// malformed ones are an error naming the attribute.
func TestParseCheckpointFailures(t *testing.T) {
	num := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	base := func() map[string]types.AttributeValue {
		return map[string]types.AttributeValue{
			cpSegment: num("1"), cpSegments: num("4"), cpScanned: num("3"), cpVerified: num("2"),
			cpRewritten: num("0"), cpSkipped: num("0"), cpFailed: num("1"),
			cpTable: &types.AttributeValueMemberS{Value: "t"}, cpOperation: &types.AttributeValueMemberS{Value: "verify"},
			cpDone: &types.AttributeValueMemberBOOL{Value: false},
		}
	}
	if cp, err := parseCheckpoint(base()); err != nil || cp.failures != nil || cp.notListed != 0 {
		t.Errorf("a checkpoint without failures: %+v, %v", cp, err)
	}
	good := base()
	good[cpNotListed] = num("5")
	good[cpFailures] = &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
		cpKey:    &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "a"}}},
		cpReason: &types.AttributeValueMemberS{Value: "bad"},
	}}}}
	cp, err := parseCheckpoint(good)
	if err != nil || len(cp.failures) != 1 || cp.failures[0].reason != "bad" || cp.notListed != 5 {
		t.Errorf("a checkpoint with failures: %+v, %v", cp, err)
	}
	for what, av := range map[string]types.AttributeValue{
		"not a list":      &types.AttributeValueMemberS{Value: "x"},
		"not a map":       &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberS{Value: "x"}}},
		"no reason":       &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{cpKey: &types.AttributeValueMemberM{}}}}},
		"a key not a map": &types.AttributeValueMemberL{Value: []types.AttributeValue{&types.AttributeValueMemberM{Value: map[string]types.AttributeValue{cpKey: &types.AttributeValueMemberS{}, cpReason: &types.AttributeValueMemberS{}}}}},
	} {
		bad := base()
		bad[cpFailures] = av
		if _, err := parseCheckpoint(bad); err == nil || !strings.Contains(err.Error(), `"failures"`) {
			t.Errorf("failures %s: %v", what, err)
		}
	}
}
