package main

import (
	"bytes"
	"context"
	"maps"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	streamtypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/ddbcrypt/ddbcrypt/internal/stream"
	"github.com/ddbcrypt/ddbcrypt/internal/stream/streamtest"
	"github.com/ddbcrypt/ddbcrypt/internal/testing/testenv"
)

// The handler, built as main builds it (Direct KMS on local-kms), opens
// the records of a real stream of DynamoDB Local, delivered as Lambda
// delivers them, and stops at the first record that does not open.
func TestHandler(t *testing.T) {
	db, kmsClient := testenv.DynamoDB(t), testenv.KMS(t)
	table := testenv.TableName(t)
	streamARN := createStreamTable(t, db, table)
	t.Setenv("ORDERS_TABLE", table)
	t.Setenv("DDBCRYPT_KMS_KEY_ID", testenv.NewKMSKey(t, kmsClient))
	h, err := newHandler(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	h.Log = &out

	// INSERT, MODIFY and REMOVE of one order, and an INSERT of another.
	alice := Order{Customer: "alice", ID: 1, Status: "open", Card: "4111111111111111", Total: 4200}
	if err := h.Orders.Save(t.Context(), &alice); err != nil {
		t.Fatal(err)
	}
	alice.Status, alice.Total = "paid", 4500
	if err := h.Orders.Save(t.Context(), &alice); err != nil {
		t.Fatal(err)
	}
	if err := h.Orders.Delete(t.Context(), &alice); err != nil {
		t.Fatal(err)
	}
	if err := h.Orders.Save(t.Context(), &Order{Customer: "bob", ID: 2, Status: "open", Card: "5500000000000004", Total: 99}); err != nil {
		t.Fatal(err)
	}
	recs := readStream(t, streamARN, 4)

	resp, err := h.Handle(t.Context(), lambdaEvent(t, streamARN, recs...))
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %+v, %v; want no failure\n%s", resp, err, out.String())
	}
	want := "INSERT order alice/1: status open, total 4200, card ****1111\n" +
		"MODIFY order alice/1: status open -> paid, total 4200 -> 4500, card unchanged\n" +
		"REMOVE order alice/1: was paid, total 4500\n" +
		"INSERT order bob/2: status open, total 99, card ****0004\n"
	if out.String() != want {
		t.Errorf("the handler logged\n%s\nwant\n%s", out.String(), want)
	}
	if strings.Contains(out.String(), "4111111111111111") {
		t.Error("the handler logged a card number")
	}

	// A tampered image, and bob's valid image in a record of alice's key:
	// the handler reports the record and goes no further.
	tampered := recs[1]
	tampered.Dynamodb = cloneRecord(recs[1].Dynamodb)
	tampered.Dynamodb.NewImage["status"] = &streamtypes.AttributeValueMemberS{Value: "refunded"}
	moved := recs[0]
	moved.Dynamodb = cloneRecord(recs[0].Dynamodb)
	moved.Dynamodb.NewImage = recs[3].Dynamodb.NewImage
	for _, c := range []struct {
		what string
		bad  streamtypes.Record
	}{{"a tampered image", tampered}, {"another item's image", moved}} {
		out.Reset()
		resp, err := h.Handle(t.Context(), lambdaEvent(t, streamARN, recs[0], c.bad, recs[2]))
		failed := []events.DynamoDBBatchItemFailure{{ItemIdentifier: *c.bad.Dynamodb.SequenceNumber}}
		if err != nil || len(resp.BatchItemFailures) != 1 || resp.BatchItemFailures[0] != failed[0] {
			t.Errorf("%s: Handle = %+v, %v; want the failure %+v", c.what, resp, err, failed)
		}
		if !strings.Contains(out.String(), "integrity check") || strings.Contains(out.String(), "REMOVE") {
			t.Errorf("%s: the handler logged\n%s\nwant an integrity failure and nothing after it", c.what, out.String())
		}
	}
}

func TestHandlerNeedsItsEnvironment(t *testing.T) {
	t.Setenv("ORDERS_TABLE", "")
	if _, err := newHandler(t.Context()); err == nil || !strings.Contains(err.Error(), "ORDERS_TABLE") {
		t.Errorf("newHandler without ORDERS_TABLE: %v, want an error naming it", err)
	}
}

// createStreamTable creates the orders table with a NEW_AND_OLD_IMAGES
// stream, deleted when the test ends, and returns the stream's ARN.
func createStreamTable(t *testing.T, db *dynamodb.Client, table string) string {
	t.Helper()
	out, err := db.CreateTable(t.Context(), &dynamodb.CreateTableInput{
		TableName: aws.String(table),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("customer"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("customer"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("id"), KeyType: types.KeyTypeRange},
		},
		BillingMode:         types.BillingModePayPerRequest,
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	})
	if err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String(table)})
	})
	if err := dynamodb.NewTableExistsWaiter(db).Wait(t.Context(), &dynamodb.DescribeTableInput{TableName: aws.String(table)}, time.Minute); err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.TableDescription.LatestStreamArn)
}

// readStream reads the first n records of the stream with the Streams
// API, at DynamoDB Local's endpoint.
func readStream(t *testing.T, streamARN string, n int) []streamtypes.Record {
	t.Helper()
	cfg, err := config.LoadDefaultConfig(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	sc := dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) {
		o.BaseEndpoint = aws.String(os.Getenv(testenv.EnvDynamoDBEndpoint))
	})
	desc, err := sc.DescribeStream(t.Context(), &dynamodbstreams.DescribeStreamInput{StreamArn: &streamARN})
	if err != nil {
		t.Fatalf("DescribeStream: %v", err)
	}
	var recs []streamtypes.Record
	for _, shard := range desc.StreamDescription.Shards {
		it, err := sc.GetShardIterator(t.Context(), &dynamodbstreams.GetShardIteratorInput{
			StreamArn: &streamARN, ShardId: shard.ShardId, ShardIteratorType: streamtypes.ShardIteratorTypeTrimHorizon})
		if err != nil {
			t.Fatalf("GetShardIterator: %v", err)
		}
		for iter, tries := it.ShardIterator, 0; iter != nil && len(recs) < n && tries < 20; tries++ {
			page, err := sc.GetRecords(t.Context(), &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
			if err != nil {
				t.Fatalf("GetRecords: %v", err)
			}
			recs, iter = append(recs, page.Records...), page.NextShardIterator
		}
	}
	if len(recs) != n {
		t.Fatalf("read %d stream records, want %d", len(recs), n)
	}
	return recs
}

// lambdaEvent returns the records as Lambda delivers them: in Lambda's
// JSON, decoded by aws-lambda-go.
func lambdaEvent(t *testing.T, streamARN string, recs ...streamtypes.Record) events.DynamoDBEvent {
	t.Helper()
	out := make([]streamtest.Record, len(recs))
	for i, rec := range recs {
		r, err := stream.FromSDK(rec.Dynamodb)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = streamtest.Record{ARN: streamARN, Event: string(rec.EventName), ID: aws.ToString(rec.EventID),
			Sequence: aws.ToString(rec.Dynamodb.SequenceNumber), Keys: r.Keys, NewImage: r.NewImage, OldImage: r.OldImage}
	}
	return streamtest.Event(t, out...)
}

// cloneRecord copies a stream record and its images' maps, to change them.
func cloneRecord(r *streamtypes.StreamRecord) *streamtypes.StreamRecord {
	c := *r
	c.NewImage, c.OldImage = maps.Clone(r.NewImage), maps.Clone(r.OldImage)
	return &c
}
