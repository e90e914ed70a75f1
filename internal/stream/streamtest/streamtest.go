// Package streamtest builds DynamoDB stream events as AWS Lambda delivers
// them, for tests: as JSON, decoded by aws-lambda-go as a Go handler's
// runtime decodes it.
package streamtest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Record is one stream record to deliver.
type Record struct {
	// ARN is the event source ARN; "" means StreamARN(Table).
	ARN   string
	Table string
	// Event is the event name: INSERT, MODIFY or REMOVE.
	Event string
	// ID and Sequence are the event ID and sequence number; "" means
	// made-up ones.
	ID, Sequence string
	// Keys is the item's key; NewImage and OldImage are left out of the
	// JSON when nil.
	Keys, NewImage, OldImage map[string]types.AttributeValue
}

// StreamARN returns the ARN of a stream of the named table.
func StreamARN(table string) string {
	return "arn:aws:dynamodb:us-east-1:123456789012:table/" + table + "/stream/2024-05-01T12:34:56.789"
}

// Event returns the event Lambda delivers with recs, decoded from its JSON.
func Event(t testing.TB, recs ...Record) events.DynamoDBEvent {
	t.Helper()
	list := make([]any, len(recs))
	for i, r := range recs {
		if r.ARN == "" {
			r.ARN = StreamARN(r.Table)
		}
		if r.ID == "" {
			r.ID = fmt.Sprintf("event-%d", i+1)
		}
		if r.Sequence == "" {
			r.Sequence = fmt.Sprintf("%021d", i+1)
		}
		change := map[string]any{"SequenceNumber": r.Sequence, "SizeBytes": 100, "StreamViewType": "NEW_AND_OLD_IMAGES", "Keys": Item(r.Keys)}
		if r.NewImage != nil {
			change["NewImage"] = Item(r.NewImage)
		}
		if r.OldImage != nil {
			change["OldImage"] = Item(r.OldImage)
		}
		list[i] = map[string]any{
			"eventID": r.ID, "eventName": r.Event, "eventVersion": "1.1", "eventSource": "aws:dynamodb",
			"awsRegion": "us-east-1", "eventSourceARN": r.ARN, "dynamodb": change,
		}
	}
	b, err := json.Marshal(map[string]any{"Records": list})
	if err != nil {
		t.Fatalf("streamtest: %v", err)
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(b, &ev); err != nil {
		t.Fatalf("streamtest: aws-lambda-go cannot decode %s: %v", b, err)
	}
	return ev
}

// Item returns an item in DynamoDB's JSON, as Lambda sends it.
func Item(item map[string]types.AttributeValue) map[string]any {
	out := make(map[string]any, len(item))
	for name, av := range item {
		out[name] = Value(av)
	}
	return out
}

// Value returns an attribute value in DynamoDB's JSON: {"S": "x"},
// {"N": "1.5"}, binary values in base64, ...
func Value(av types.AttributeValue) map[string]any {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": v.Value}
	case *types.AttributeValueMemberN:
		return map[string]any{"N": v.Value}
	case *types.AttributeValueMemberB:
		return map[string]any{"B": v.Value}
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": v.Value}
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": v.Value}
	case *types.AttributeValueMemberNS:
		return map[string]any{"NS": v.Value}
	case *types.AttributeValueMemberBS:
		return map[string]any{"BS": v.Value}
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, el := range v.Value {
			l[i] = Value(el)
		}
		return map[string]any{"L": l}
	case *types.AttributeValueMemberM:
		return map[string]any{"M": Item(v.Value)}
	}
	return map[string]any{"unsupported": true}
}
