// Command lambda-stream is an AWS Lambda function on the DynamoDB stream of
// a table of encrypted orders: for each record Lambda delivers, it
// verifies and decrypts the new and old images into Order structs with
// mapper.Table.DecodeStreamRecord and logs what changed, without logging
// the card number.
//
// A record that does not open — an image that does not verify, an image
// whose key is not the record's, a record of another table — is not
// skipped: the handler stops there and reports that record as the batch's
// first failure, so that Lambda retries from it (the event source mapping
// needs ReportBatchItemFailures) and, once its retries run out, sends it
// to the mapping's on-failure destination. Records keep their order.
//
// Deploying it: the table's stream with NEW_AND_OLD_IMAGES (or NEW_IMAGE);
// the function built for the provided.al2023 runtime,
//
//	GOOS=linux GOARCH=arm64 go build -tags lambda.norpc -o bootstrap ./examples/lambda-stream
//
// and zipped; the environment ORDERS_TABLE (the table's name) and
// DDBCRYPT_KMS_KEY_ID (the KMS key the items were written with, by the
// Direct KMS provider); a role allowed dynamodb:DescribeTable on the table
// (the mapper's first use), the stream reads of
// AWSLambdaDynamoDBExecutionRole and kms:Decrypt on the key.
//
// Outside Lambda the command stops with a hint. The handler is tested on
// its own, built as main builds it, on records read from the stream of a
// DynamoDB Local table and delivered as Lambda delivers them
// (main_test.go):
//
//	scripts/services.sh start
//	eval "$(scripts/services.sh env)"
//	go test ./examples/lambda-stream
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ddbcrypt/ddbcrypt/cmp"
	"github.com/ddbcrypt/ddbcrypt/mapper"
)

// Order is an item of the orders table. The keys and the status are
// signed, the card and the total encrypted and signed.
type Order struct {
	Customer string `ddb:"customer,hash"`
	ID       int64  `ddb:"id,range"`
	Status   string `ddb:"status" ddbcrypt:"signonly"`
	Card     string `ddb:"card"`
	Total    int64  `ddb:"total"`
}

func main() {
	log.SetFlags(0)
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" && os.Getenv("_LAMBDA_SERVER_PORT") == "" {
		log.Fatal("lambda-stream: not running in AWS Lambda (AWS_LAMBDA_RUNTIME_API is unset); to see the handler work locally, " +
			"run `scripts/services.sh start`, `eval \"$(scripts/services.sh env)\"` and `go test -v ./examples/lambda-stream`")
	}
	h, err := newHandler(context.Background())
	if err != nil {
		log.Fatalf("lambda-stream: %v", err)
	}
	lambda.Start(h.Handle)
}

// newHandler builds the handler from the function's environment:
// ORDERS_TABLE and DDBCRYPT_KMS_KEY_ID, and the standard AWS configuration.
func newHandler(ctx context.Context) (*Handler, error) {
	table, keyID := os.Getenv("ORDERS_TABLE"), os.Getenv("DDBCRYPT_KMS_KEY_ID")
	if table == "" || keyID == "" {
		return nil, errors.New("set ORDERS_TABLE to the table's name and DDBCRYPT_KMS_KEY_ID to the KMS key its items are written with")
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	provider, err := cmp.NewDirectKMS(cmp.DirectKMSConfig{Client: kms.NewFromConfig(cfg), KeyID: keyID})
	if err != nil {
		return nil, err
	}
	orders, err := mapper.NewTable[Order](mapper.New(dynamodb.NewFromConfig(cfg), provider), mapper.WithTableName(table))
	if err != nil {
		return nil, err
	}
	return &Handler{Orders: orders, Log: os.Stdout}, nil
}

// Handler handles the DynamoDB stream events of the orders table.
type Handler struct {
	Orders *mapper.Table[Order]
	Log    io.Writer // Lambda sends what the function writes to stdout to CloudWatch Logs
}

// Handle opens the event's records in order and logs each change. At the
// first record that does not open it stops and reports that record (its
// sequence number) as a batch item failure; the error is logged, never
// returned, so that Lambda retries from that record rather than the whole
// batch.
func (h *Handler) Handle(ctx context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
	for _, rec := range ev.Records {
		if err := h.record(ctx, rec); err != nil {
			fmt.Fprintf(h.Log, "sequence number %s: %v\n", rec.Change.SequenceNumber, err)
			return events.DynamoDBEventResponse{BatchItemFailures: []events.DynamoDBBatchItemFailure{
				{ItemIdentifier: rec.Change.SequenceNumber},
			}}, nil
		}
	}
	return events.DynamoDBEventResponse{}, nil
}

// record opens one record and logs what changed.
func (h *Handler) record(ctx context.Context, rec events.DynamoDBEventRecord) error {
	newOrder, oldOrder, err := h.Orders.DecodeStreamRecord(ctx, rec)
	if err != nil {
		return err
	}
	switch {
	case newOrder != nil && oldOrder != nil:
		fmt.Fprintf(h.Log, "%s order %s/%d: status %s -> %s, total %d -> %d, card %s\n", rec.EventName, newOrder.Customer, newOrder.ID,
			oldOrder.Status, newOrder.Status, oldOrder.Total, newOrder.Total, changed(oldOrder.Card != newOrder.Card))
	case newOrder != nil:
		fmt.Fprintf(h.Log, "%s order %s/%d: status %s, total %d, card %s\n", rec.EventName, newOrder.Customer, newOrder.ID,
			newOrder.Status, newOrder.Total, masked(newOrder.Card))
	case oldOrder != nil:
		fmt.Fprintf(h.Log, "%s order %s/%d: was %s, total %d\n", rec.EventName, oldOrder.Customer, oldOrder.ID, oldOrder.Status, oldOrder.Total)
	default: // a KEYS_ONLY stream
		fmt.Fprintf(h.Log, "%s an order (no images in the stream)\n", rec.EventName)
	}
	return nil
}

func changed(c bool) string {
	if c {
		return "changed"
	}
	return "unchanged"
}

// masked shows the last four digits of a card number.
func masked(card string) string {
	if len(card) < 4 {
		return "****"
	}
	return "****" + card[len(card)-4:]
}
