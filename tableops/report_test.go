package tableops

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestReportJSON(t *testing.T) {
	var tl tally
	s := tl.newSeg(3, SegmentReport{Scanned: 2, Verified: 1})
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
	want := `{"scanned":2,"verified":1,"rewritten":0,"skipped":0,"failed":1,"failures":[{"key":{"pk":"a","sk":12.50},"reason":"bad signature"}],"segments":[{"segment":3,"scanned":2,"verified":1,"rewritten":0,"skipped":0,"failed":1,"done":false}],"elapsed":"1.5s"}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	empty, _ := json.Marshal(&Report{})
	if want := `{"scanned":0,"verified":0,"rewritten":0,"skipped":0,"failed":0,"failures":[],"segments":[],"elapsed":"0s"}`; string(empty) != want {
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
